//! Debezium-compatible change data capture source connectors.
//!
//! * [`postgres`]: Debezium's `io.debezium.connector.postgresql.PostgresConnector`:
//!   a consistent initial snapshot, then logical replication (pgoutput) over the
//!   streaming replication protocol, with Debezium's event shapes, topic names and
//!   offsets.
//! * [`mysql`]: Debezium's `io.debezium.connector.mysql.MySqlConnector` and
//!   `io.debezium.connector.mariadb.MariaDbConnector`: a consistent initial snapshot,
//!   then the row-based binlog, with Debezium's event shapes, topic names and offsets.
//! * [`envelope`]: the Debezium change event envelope (key and value schemas, `op`
//!   codes, the `source` block) that every database's connector shares, so a
//!   MySQL/MariaDB binlog connector can be added beside PostgreSQL.
//!
//! What the two connectors share lives here, and neither imports from the other:
//! [`config`] (the keys Debezium's relational connectors have in common and their
//! parsing), [`modes`] (`decimal.handling.mode`, `time.precision.mode` and the
//! temporal schemas), [`table_schema`] (topic, key and row schemas of a captured
//! table), [`tables`] (include/exclude filters) and [`connector_support`] (the
//! connector half: validate, start, one task).
//!
//! [`plugins`] registers the connectors under Debezium's class names and aliases.

use connect_api::{ConnectorInstance, ConnectorKind, ConnectorPlugin};

pub mod config;
pub mod connector_support;
pub mod envelope;
pub mod error;
pub mod modes;
pub mod mysql;
pub mod postgres;
pub mod table_schema;
pub mod tables;

pub use error::CdcError;

/// The version the connectors and their tasks report (and put in `source.version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The connector plugins of this crate.
pub fn plugins() -> Vec<ConnectorPlugin> {
    vec![
        ConnectorPlugin {
            class: postgres::CONNECTOR_CLASS,
            aliases: &["PostgresConnector"],
            kind: ConnectorKind::Source,
            version: VERSION,
            create: || ConnectorInstance::Source(Box::new(postgres::PostgresConnector::new())),
        },
        ConnectorPlugin {
            class: mysql::CONNECTOR_CLASS,
            aliases: &["MySqlConnector"],
            kind: ConnectorKind::Source,
            version: VERSION,
            create: || ConnectorInstance::Source(Box::new(mysql::MySqlConnector::new())),
        },
        ConnectorPlugin {
            class: mysql::MARIADB_CONNECTOR_CLASS,
            aliases: &["MariaDbConnector"],
            kind: ConnectorKind::Source,
            version: VERSION,
            create: || ConnectorInstance::Source(Box::new(mysql::MySqlConnector::new())),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_answers_to_debezium_class_and_alias() {
        let plugins = plugins();
        assert_eq!(plugins.len(), 3, "PostgreSQL, MySQL and MariaDB");
        let p = &plugins[0];
        assert!(p.answers_to("io.debezium.connector.postgresql.PostgresConnector"));
        assert!(p.answers_to("PostgresConnector"));
        assert_eq!(p.kind, ConnectorKind::Source);
        assert!(matches!((p.create)(), ConnectorInstance::Source(_)));
    }

    #[test]
    fn mysql_and_mariadb_answer_to_debezium_classes_and_aliases() {
        let plugins = plugins();
        let find = |class: &str| {
            plugins
                .iter()
                .find(|p| p.answers_to(class))
                .map(|p| p.class)
        };
        assert_eq!(
            find("io.debezium.connector.mysql.MySqlConnector"),
            Some(mysql::CONNECTOR_CLASS)
        );
        assert_eq!(find("MySqlConnector"), Some(mysql::CONNECTOR_CLASS));
        assert_eq!(
            find("io.debezium.connector.mariadb.MariaDbConnector"),
            Some(mysql::MARIADB_CONNECTOR_CLASS)
        );
        assert_eq!(
            find("MariaDbConnector"),
            Some(mysql::MARIADB_CONNECTOR_CLASS)
        );
    }
}
