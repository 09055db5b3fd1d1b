//! The configuration keys Debezium's relational connectors have in common
//! (`RelationalDatabaseConnectorConfig` and `CommonConnectorConfig`): their
//! definitions and their parsing. Each connector's `config` module defines its keys
//! in its own order (the order `validate` reports them in) from these builders and
//! adds its database's keys; keys whose defaults or docs differ by database (port,
//! snapshot modes, time precision default, connect timeout) stay in the connector's
//! module.

use std::time::Duration;

use connect_api::config::{ConfigKey, ConfigType, Importance, ParsedConfig, Validator};
use connect_api::ConnectError;

use crate::modes::DecimalMode;
use crate::tables::{Patterns, TableFilter};

pub const HOSTNAME: &str = "database.hostname";
pub const PORT: &str = "database.port";
pub const USER: &str = "database.user";
pub const PASSWORD: &str = "database.password";
pub const TOPIC_PREFIX: &str = "topic.prefix";
pub const SERVER_NAME: &str = "database.server.name";
pub const TABLE_INCLUDE_LIST: &str = "table.include.list";
pub const TABLE_EXCLUDE_LIST: &str = "table.exclude.list";
pub const COLUMN_INCLUDE_LIST: &str = "column.include.list";
pub const COLUMN_EXCLUDE_LIST: &str = "column.exclude.list";
pub const SNAPSHOT_MODE: &str = "snapshot.mode";
pub const TOMBSTONES_ON_DELETE: &str = "tombstones.on.delete";
pub const HEARTBEAT_INTERVAL_MS: &str = "heartbeat.interval.ms";
pub const DECIMAL_HANDLING_MODE: &str = "decimal.handling.mode";
pub const TIME_PRECISION_MODE: &str = "time.precision.mode";
pub const MAX_BATCH_SIZE: &str = "max.batch.size";
pub const POLL_INTERVAL_MS: &str = "poll.interval.ms";

/// A required connection string (host, user, database name).
pub fn connection_string(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .importance(Importance::High)
        .group("Connection")
        .doc(doc)
}

/// A filter list of regular expressions, empty by default.
pub fn filter_list(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::List)
        .default_value("")
        .importance(Importance::Medium)
        .group("Filters")
        .doc(doc)
}

/// `database.port`, with the database's default port.
pub fn port(default: i32) -> ConfigKey {
    ConfigKey::new(PORT, ConfigType::Int)
        .default_value(default)
        .validator(Validator::between(1, 65535))
        .importance(Importance::High)
        .group("Connection")
        .doc("Port of the database server.")
}

/// `database.password`.
pub fn password(doc: &str) -> ConfigKey {
    ConfigKey::new(PASSWORD, ConfigType::Password)
        .default_null()
        .importance(Importance::High)
        .group("Connection")
        .doc(doc)
}

/// `topic.prefix`: required, but through [`server_name`] so that the deprecated
/// `database.server.name` can stand in for it.
pub fn topic_prefix(doc: &str) -> ConfigKey {
    ConfigKey::new(TOPIC_PREFIX, ConfigType::String)
        .default_null()
        .importance(Importance::High)
        .group("Connector")
        .doc(doc)
}

/// `database.server.name`.
pub fn deprecated_server_name() -> ConfigKey {
    ConfigKey::new(SERVER_NAME, ConfigType::String)
        .default_null()
        .importance(Importance::Low)
        .group("Connector")
        .doc("Deprecated name of topic.prefix (Debezium 1.x).")
}

/// `tombstones.on.delete`.
pub fn tombstones_on_delete() -> ConfigKey {
    ConfigKey::new(TOMBSTONES_ON_DELETE, ConfigType::Boolean)
        .default_value(true)
        .importance(Importance::Medium)
        .group("Events")
        .doc("Whether delete operations should be followed by a tombstone event (same key, null value).")
}

/// `heartbeat.interval.ms`; what a heartbeat does differs by database (`doc`).
pub fn heartbeat_interval(doc: &str) -> ConfigKey {
    ConfigKey::new(HEARTBEAT_INTERVAL_MS, ConfigType::Int)
        .default_value(0)
        .validator(Validator::at_least(0))
        .importance(Importance::Medium)
        .group("Events")
        .doc(doc)
}

/// `max.batch.size`.
pub fn max_batch_size() -> ConfigKey {
    ConfigKey::new(MAX_BATCH_SIZE, ConfigType::Int)
        .default_value(2048)
        .validator(Validator::at_least(1))
        .importance(Importance::Medium)
        .group("Connector")
        .doc("Maximum number of events returned by one poll.")
}

/// `poll.interval.ms`.
pub fn poll_interval() -> ConfigKey {
    ConfigKey::new(POLL_INTERVAL_MS, ConfigType::Long)
        .default_value(500i64)
        .validator(Validator::at_least(1))
        .importance(Importance::Medium)
        .group("Connector")
        .doc("How long (ms) a poll waits for new events before returning none.")
}

/// The trimmed value of a string key ("" when unset).
pub fn trimmed(p: &ParsedConfig, key: &str) -> String {
    p.get_string(key).unwrap_or_default().trim().to_string()
}

/// The password, "" when unset.
pub fn password_value(p: &ParsedConfig) -> String {
    p.get_password(PASSWORD)
        .map(|pw| pw.value().to_string())
        .unwrap_or_default()
}

/// `topic.prefix`, or the deprecated `database.server.name`: the source partition's
/// server name and the first part of every topic name.
pub fn server_name(p: &ParsedConfig) -> Result<String, ConnectError> {
    let server_name = match (p.get_string(TOPIC_PREFIX), p.get_string(SERVER_NAME)) {
        (Some(t), _) if !t.trim().is_empty() => t.trim().to_string(),
        (_, Some(n)) if !n.trim().is_empty() => n.trim().to_string(),
        _ => {
            return Err(ConnectError::config(
                TOPIC_PREFIX,
                "Missing required configuration \"topic.prefix\" which has no default value.",
            ))
        }
    };
    if !server_name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ConnectError::config(
            TOPIC_PREFIX,
            format!("'{server_name}' may contain only ASCII alphanumerics, '.', '_' and '-'"),
        ));
    }
    Ok(server_name)
}

/// The table filter. The namespace lists are the database's level above tables
/// (PostgreSQL: `schema.*.list`, MySQL: `database.*.list`); of each include/exclude
/// pair only one may be set, as Debezium requires.
pub fn table_filter(
    p: &ParsedConfig,
    namespace_include: &str,
    namespace_exclude: &str,
) -> Result<TableFilter, ConnectError> {
    let patterns = |k: &str| Patterns::parse(k, p.get_list(k)).map_err(ConnectError::from);
    let filter = TableFilter {
        schema_include: patterns(namespace_include)?,
        schema_exclude: patterns(namespace_exclude)?,
        table_include: patterns(TABLE_INCLUDE_LIST)?,
        table_exclude: patterns(TABLE_EXCLUDE_LIST)?,
        column_include: patterns(COLUMN_INCLUDE_LIST)?,
        column_exclude: patterns(COLUMN_EXCLUDE_LIST)?,
    };
    for (inc, exc) in [
        (namespace_include, namespace_exclude),
        (TABLE_INCLUDE_LIST, TABLE_EXCLUDE_LIST),
        (COLUMN_INCLUDE_LIST, COLUMN_EXCLUDE_LIST),
    ] {
        if !p.get_list(inc).is_empty() && !p.get_list(exc).is_empty() {
            return Err(ConnectError::config(
                exc,
                format!("\"{inc}\" is already specified; only one of {inc} and {exc} may be set"),
            ));
        }
    }
    Ok(filter)
}

/// `decimal.handling.mode`.
pub fn decimal_mode(p: &ParsedConfig) -> DecimalMode {
    DecimalMode::from_config(&trimmed(p, DECIMAL_HANDLING_MODE))
}

/// `heartbeat.interval.ms`: None when 0 (off).
pub fn heartbeat(p: &ParsedConfig) -> Option<Duration> {
    let interval =
        Duration::from_millis(u64::try_from(p.get_int(HEARTBEAT_INTERVAL_MS)).unwrap_or(0));
    (!interval.is_zero()).then_some(interval)
}

/// `max.batch.size`.
pub fn max_batch(p: &ParsedConfig) -> usize {
    usize::try_from(p.get_int(MAX_BATCH_SIZE))
        .unwrap_or(2048)
        .max(1)
}

/// `poll.interval.ms`.
pub fn poll(p: &ParsedConfig) -> Duration {
    Duration::from_millis(
        u64::try_from(p.get_long(POLL_INTERVAL_MS))
            .unwrap_or(500)
            .max(1),
    )
}

/// Properties from `base` with `extra` over it (for unit tests).
#[cfg(test)]
pub(crate) fn props_of(base: &[(&str, &str)], extra: &[(&str, &str)]) -> connect_api::Props {
    base.iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
