//! Debezium's PostgreSQL connector (`io.debezium.connector.postgresql.PostgresConnector`).
//!
//! * [`config`]: Debezium's keys.
//! * [`connector`]: one task, after [`checks`]: what the server must allow.
//! * [`task`]: snapshot, streaming, offsets and confirmation.
//! * [`replication`] (+ [`scram`]): the streaming replication protocol client;
//!   [`pgoutput`]: the logical replication message decoder; [`stream`]: the reader.
//! * [`catalog`]: normal SQL (checks, tables, columns, publication, slot state);
//!   [`snapshot`]: reads tables in the slot's exported snapshot.
//! * [`types`]: PostgreSQL types as Debezium maps them; [`table`]: a captured table's
//!   schemas and rows; [`offset`]: Debezium-shaped offsets and resume points.
//!
//! # Deviations from Debezium
//! * Transaction metadata (`provide.transaction.metadata`), truncate and message
//!   events, heartbeat records, incremental and ad hoc snapshots, column defaults in
//!   schemas, array and geometric types (sent as their text form) are not provided.
//!   The slot still advances while captured tables are idle (on the server's
//!   keepalives), which is what heartbeats are mostly used for; `heartbeat.interval.ms`
//!   is accepted for that reason.
//! * A snapshot that must be (re)taken while the slot exists drops and recreates the
//!   slot, because only a new slot exports a snapshot that lines up with its stream.
//! * `source.version` is this crate's version; the primary-key-change headers
//!   (`__debezium.oldkey` / `__debezium.newkey`) are not set.

pub mod catalog;
pub mod checks;
pub mod config;
pub mod connector;
pub mod lsn;
pub mod offset;
pub mod pgoutput;
pub mod replication;
pub mod scram;
pub mod snapshot;
pub mod stream;
pub mod table;
pub mod task;
pub mod types;

pub use config::PostgresSettings;
pub use connector::PostgresConnector;
pub use task::PostgresSourceTask;

pub const CONNECTOR_CLASS: &str = "io.debezium.connector.postgresql.PostgresConnector";
/// `source.connector`.
pub const CONNECTOR_NAME: &str = "postgresql";
