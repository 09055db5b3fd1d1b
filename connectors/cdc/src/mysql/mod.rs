//! Debezium's MySQL connector (`io.debezium.connector.mysql.MySqlConnector`) and its
//! MariaDB twin (`io.debezium.connector.mariadb.MariaDbConnector`, Debezium 2.5+): a
//! consistent initial snapshot, then the row-based binlog read as a replica would.
//!
//! * [`config`]: Debezium's keys.
//! * [`connector`]: checks before start (binlog settings, privileges); one task.
//! * [`task`]: snapshot, streaming and offsets.
//! * [`catalog`]: normal SQL (checks, tables, columns, binlog positions);
//!   [`snapshot`]: the locked start and the background table reader;
//!   [`binlog`]: the background binlog reader (mysql_async's binlog stream).
//! * [`types`]: column types as Debezium maps them; [`table`]: a captured table's
//!   schemas and rows; [`offset`]: Debezium-shaped offsets and resume points.
//!
//! # Deviations from Debezium
//! * No schema history topic: a table's columns are read from `information_schema`
//!   when its first change is seen and again after each DDL statement in the binlog,
//!   and checked against each event's table map (count and types). A change logged
//!   before a later ALTER TABLE that is read only after it (the connector lagging
//!   behind two schema changes, or resuming from before them) no longer matches:
//!   the task stops with an error naming the table instead of mislabelling values.
//! * Schema change events (`include.schema.changes`), transaction metadata,
//!   heartbeat records, incremental snapshots and `snapshot.locking.mode=extended`
//!   are not provided; `heartbeat.interval.ms` sets the server's binlog heartbeat
//!   period. The snapshot takes FLUSH TABLES WITH READ LOCK (needs RELOAD) and has
//!   no LOCK TABLES fallback: without RELOAD use `snapshot.locking.mode=none`.
//! * `source.query` is always null and `source.thread` is only known from `BEGIN`
//!   query events (MySQL without GTIDs); ZonedTimestamp strings carry as many
//!   fractional digits as needed (Debezium pads to the column's precision).
//! * `source.version` is this crate's version.

pub mod binlog;
pub mod catalog;
pub mod config;
pub mod connector;
pub mod offset;
pub mod snapshot;
pub mod table;
pub mod task;
pub mod types;

pub use config::MySqlSettings;
pub use connector::MySqlConnector;
pub use task::MySqlSourceTask;

pub const CONNECTOR_CLASS: &str = "io.debezium.connector.mysql.MySqlConnector";
pub const MARIADB_CONNECTOR_CLASS: &str = "io.debezium.connector.mariadb.MariaDbConnector";

/// Which Debezium connector a configuration asks for: the same implementation, with
/// its own `source.connector` and source schema name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    MySql,
    MariaDb,
}

impl Flavor {
    /// From `connector.class` (the class or an alias).
    pub fn of_class(class: Option<&str>) -> Flavor {
        match class {
            Some(c) if c.to_ascii_lowercase().contains("mariadb") => Flavor::MariaDb,
            _ => Flavor::MySql,
        }
    }

    /// `source.connector`.
    pub fn connector_name(self) -> &'static str {
        match self {
            Flavor::MySql => "mysql",
            Flavor::MariaDb => "mariadb",
        }
    }
}
