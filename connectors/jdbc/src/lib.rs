//! JDBC source and sink connectors: Confluent's `kafka-connect-jdbc`
//! (`io.confluent.connect.jdbc.JdbcSourceConnector` / `JdbcSinkConnector`), with its
//! configuration keys, source partitions and offsets, for PostgreSQL, MariaDB/MySQL and
//! SQLite.
//!
//! There is no JDBC here: `connection.url` takes the `jdbc:postgresql://`,
//! `jdbc:mysql://`, `jdbc:mariadb://` and `jdbc:sqlite:<path>` URLs users already have
//! (and plain `postgres://` / `mysql://` / `sqlite://<path>` ones) and talks to the
//! database with sqlx runtime queries, since the tables are only known at run time.
//! SQLite (bundled with sqlx, no system library) needs an existing database file;
//! its differences from the servers live in one module, `sqlite`.
//!
//! * [`sink`]: writes records (Struct values) as rows: insert, upsert or update, with
//!   keys from the Kafka coordinates, the record key or the value; tombstones delete;
//!   tables are created and widened from the record schema on request.
//! * [`source`]: reads tables (or a custom `query`) in bulk, incrementing, timestamp
//!   or timestamp+incrementing mode, with Confluent's offsets so a restart resumes.
//! * [`timezone`]: `db.timezone`, the zone of timestamps without time zone.
//!
//! [`plugins`] registers both under Confluent's class names and short aliases.

use connect_api::config::{ConfigDef, ParsedConfig};
use connect_api::{block_on_side, ConfigInfos, ConnectError, Props};
use connect_api::{ConnectorInstance, ConnectorKind, ConnectorPlugin};

pub mod db;
pub mod error;
mod query_columns;
pub mod sink;
pub mod source;
mod sqlite;
pub mod timezone;
mod types;

pub use error::JdbcError;
pub use sink::{JdbcSinkConnector, JdbcSinkTask};
pub use source::{JdbcSourceConnector, JdbcSourceTask};

/// The version both connectors and their tasks report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub const SOURCE_CLASS: &str = "io.confluent.connect.jdbc.JdbcSourceConnector";
pub const SINK_CLASS: &str = "io.confluent.connect.jdbc.JdbcSinkConnector";

/// The JDBC source and sink connector plugins.
pub fn plugins() -> Vec<ConnectorPlugin> {
    vec![
        ConnectorPlugin {
            class: SOURCE_CLASS,
            aliases: &["JdbcSource", "JdbcSourceConnector"],
            kind: ConnectorKind::Source,
            version: VERSION,
            create: || ConnectorInstance::Source(Box::new(JdbcSourceConnector::new())),
        },
        ConnectorPlugin {
            class: SINK_CLASS,
            aliases: &["JdbcSink", "JdbcSinkConnector"],
            kind: ConnectorKind::Sink,
            version: VERSION,
            create: || ConnectorInstance::Sink(Box::new(JdbcSinkConnector::new())),
        },
    ]
}

/// `validate` of both connectors: the keys' own checks, then the cross-key rules of
/// `parse`, then `check` against the database (off the caller's runtime), each error
/// reported on the key to fix (`connection.url` when the error names none).
pub(crate) fn validate_against_database<S, T, Fut>(
    def: ConfigDef,
    props: &Props,
    parse: impl FnOnce(&Props) -> Result<S, ConnectError>,
    check: impl FnOnce(S) -> Fut + Send,
) -> ConfigInfos
where
    S: Send,
    T: Send,
    Fut: std::future::Future<Output = Result<T, JdbcError>> + Send,
{
    let mut infos = def.validate(props);
    if !infos.errors().is_empty() {
        return infos;
    }
    match parse(props) {
        Err(ConnectError::Config { key, message }) => infos.add_error(&key, message),
        Err(e) => infos.add_error(db::CONNECTION_URL_CONFIG, e.to_string()),
        Ok(settings) => {
            if let Some(Err(e)) = block_on_side(check(settings)) {
                let key = e.key().unwrap_or(db::CONNECTION_URL_CONFIG).to_string();
                let message = match e {
                    JdbcError::Config { message, .. } => message,
                    other => other.to_string(),
                };
                infos.add_error(&key, message);
            }
        }
    }
    infos
}

/// A comma-separated list key's items, trimmed, empty ones dropped.
pub(crate) fn list(parsed: &ParsedConfig, key: &str) -> Vec<String> {
    parsed
        .get_list(key)
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_answer_to_class_names_and_aliases() {
        let plugins = plugins();
        let source = plugins.iter().find(|p| p.kind == ConnectorKind::Source);
        let sink = plugins.iter().find(|p| p.kind == ConnectorKind::Sink);
        let (Some(source), Some(sink)) = (source, sink) else {
            panic!("both kinds registered");
        };
        for name in [SOURCE_CLASS, "JdbcSource", "JdbcSourceConnector"] {
            assert!(source.answers_to(name), "{name}");
        }
        for name in [SINK_CLASS, "JdbcSink", "JdbcSinkConnector"] {
            assert!(sink.answers_to(name), "{name}");
        }
        assert!(matches!((source.create)(), ConnectorInstance::Source(_)));
        assert!(matches!((sink.create)(), ConnectorInstance::Sink(_)));
    }
}
