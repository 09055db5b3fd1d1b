//! The PostgreSQL connector's configuration keys, as Debezium's
//! `PostgresConnectorConfig` names them, parsed into [`PostgresSettings`].

use std::time::Duration;

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{ConnectError, Props};

use super::replication::ConnectParams;
use crate::config as common;
pub use crate::config::{
    COLUMN_EXCLUDE_LIST, COLUMN_INCLUDE_LIST, DECIMAL_HANDLING_MODE, HEARTBEAT_INTERVAL_MS,
    HOSTNAME, MAX_BATCH_SIZE, PASSWORD, POLL_INTERVAL_MS, PORT, SERVER_NAME, SNAPSHOT_MODE,
    TABLE_EXCLUDE_LIST, TABLE_INCLUDE_LIST, TIME_PRECISION_MODE, TOMBSTONES_ON_DELETE,
    TOPIC_PREFIX, USER,
};
use crate::modes::{DecimalMode, TimePrecisionMode};
use crate::tables::TableFilter;

pub const DBNAME: &str = "database.dbname";
pub const SCHEMA_INCLUDE_LIST: &str = "schema.include.list";
pub const SCHEMA_EXCLUDE_LIST: &str = "schema.exclude.list";
pub const SLOT_NAME: &str = "slot.name";
pub const PUBLICATION_NAME: &str = "publication.name";
pub const PLUGIN_NAME: &str = "plugin.name";
pub const PUBLICATION_AUTOCREATE_MODE: &str = "publication.autocreate.mode";
pub const MAX_QUEUE_SIZE: &str = "max.queue.size";
pub const STATUS_UPDATE_INTERVAL_MS: &str = "status.update.interval.ms";
pub const CONNECT_TIMEOUT_MS: &str = "database.connect.timeout.ms";

/// `snapshot.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Snapshot when there is no stored offset (or the stored snapshot did not finish),
    /// then stream.
    Initial,
    /// Snapshot at every start, then stream.
    Always,
    /// Never snapshot (`never` is Debezium's older name of `no_data`).
    NoData,
    /// Snapshot, then stop: no streaming.
    InitialOnly,
    /// Snapshot when there is no stored offset or the slot is gone.
    WhenNeeded,
}

/// `publication.autocreate.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationMode {
    AllTables,
    Disabled,
    Filtered,
}

/// Debezium's PostgreSQL connector keys we implement or accept.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(common::connection_string(HOSTNAME, "Resolvable hostname or IP address of the database server."))
        .define(common::port(5432))
        .define(common::connection_string(USER, "Name of the database user to be used when connecting to the database (needs the REPLICATION attribute)."))
        .define(common::password("Password of the database user to be used when connecting to the database."))
        .define(common::connection_string(DBNAME, "The name of the database from which the connector should capture changes."))
        .define(common::topic_prefix("Topic prefix that identifies and provides a namespace for the particular database server/cluster; topics are <topic.prefix>.<schema>.<table>."))
        .define(common::deprecated_server_name())
        .define(common::filter_list(SCHEMA_INCLUDE_LIST, "Regular expressions matching the names of schemas to capture."))
        .define(common::filter_list(SCHEMA_EXCLUDE_LIST, "Regular expressions matching the names of schemas not to capture."))
        .define(common::filter_list(TABLE_INCLUDE_LIST, "Regular expressions matching the fully-qualified names (schema.table) of tables to capture."))
        .define(common::filter_list(TABLE_EXCLUDE_LIST, "Regular expressions matching the fully-qualified names (schema.table) of tables not to capture."))
        .define(common::filter_list(COLUMN_INCLUDE_LIST, "Regular expressions matching the fully-qualified names (schema.table.column) of columns to include."))
        .define(common::filter_list(COLUMN_EXCLUDE_LIST, "Regular expressions matching the fully-qualified names (schema.table.column) of columns to exclude."))
        .define(
            ConfigKey::new(SNAPSHOT_MODE, ConfigType::String)
                .default_value("initial")
                .validator(Validator::case_insensitive_valid_string(&[
                    "initial",
                    "always",
                    "never",
                    "no_data",
                    "initial_only",
                    "when_needed",
                ]))
                .importance(Importance::Medium)
                .group("Connector")
                .doc("When to snapshot: initial (when no offset exists), always, never / no_data, initial_only (snapshot, then stop), when_needed (no offset or the slot is gone)."),
        )
        .define(
            ConfigKey::new(SLOT_NAME, ConfigType::String)
                .default_value("debezium")
                .importance(Importance::Medium)
                .group("Replication")
                .doc("The name of the PostgreSQL logical decoding slot."),
        )
        .define(
            ConfigKey::new(PUBLICATION_NAME, ConfigType::String)
                .default_value("dbz_publication")
                .importance(Importance::Low)
                .group("Replication")
                .doc("The name of the PostgreSQL publication created for streaming changes with pgoutput."),
        )
        .define(
            ConfigKey::new(PLUGIN_NAME, ConfigType::String)
                .default_value("pgoutput")
                .validator(Validator::custom(
                    "pgoutput (decoderbufs and wal2json are not supported)",
                    |_key, value| match value.as_str() {
                        Some(v) if v.trim().eq_ignore_ascii_case("pgoutput") => Ok(()),
                        other => Err(format!(
                            "Value {} is not supported: only pgoutput is (the standard logical decoding output plug-in of PostgreSQL 10+); decoderbufs and wal2json are not supported",
                            other.unwrap_or("null")
                        )),
                    },
                ))
                .importance(Importance::Medium)
                .group("Replication")
                .doc("The logical decoding plug-in: only pgoutput is supported."),
        )
        .define(
            ConfigKey::new(PUBLICATION_AUTOCREATE_MODE, ConfigType::String)
                .default_value("all_tables")
                .validator(Validator::case_insensitive_valid_string(&[
                    "all_tables",
                    "disabled",
                    "filtered",
                ]))
                .importance(Importance::Low)
                .group("Replication")
                .doc("all_tables: create the publication FOR ALL TABLES if missing; disabled: it must exist; filtered: create or update it for the captured tables."),
        )
        .define(common::tombstones_on_delete())
        .define(common::heartbeat_interval("When > 0, how often (ms) the slot position is advanced while no captured table changes, so WAL of other tables is not retained. No heartbeat records are emitted."))
        .define(
            ConfigKey::new(DECIMAL_HANDLING_MODE, ConfigType::String)
                .default_value("precise")
                .validator(Validator::case_insensitive_valid_string(&["precise", "double", "string"]))
                .importance(Importance::Medium)
                .group("Events")
                .doc("How DECIMAL/NUMERIC/MONEY values are represented: precise (Decimal), double or string."),
        )
        .define(
            ConfigKey::new(TIME_PRECISION_MODE, ConfigType::String)
                .default_value("adaptive")
                .validator(Validator::case_insensitive_valid_string(&[
                    "adaptive",
                    "adaptive_time_microseconds",
                    "connect",
                ]))
                .importance(Importance::Medium)
                .group("Events")
                .doc("How time, date and timestamp values are represented: adaptive, adaptive_time_microseconds or connect."),
        )
        .define(common::max_batch_size())
        .define(
            ConfigKey::new(MAX_QUEUE_SIZE, ConfigType::Int)
                .default_value(8192)
                .validator(Validator::at_least(1))
                .importance(Importance::Low)
                .group("Connector")
                .doc("Maximum number of replication messages buffered between the stream reader and poll."),
        )
        .define(common::poll_interval())
        .define(
            ConfigKey::new(STATUS_UPDATE_INTERVAL_MS, ConfigType::Int)
                .default_value(10_000)
                .validator(Validator::at_least(1))
                .importance(Importance::Low)
                .group("Replication")
                .doc("How often (ms) the confirmed position is sent to the server."),
        )
        .define(
            ConfigKey::new(CONNECT_TIMEOUT_MS, ConfigType::Int)
                .default_value(30_000)
                .validator(Validator::at_least(1))
                .importance(Importance::Low)
                .group("Connection")
                .doc("How long (ms) to wait for a connection to the server."),
        )
}

/// The parsed configuration.
#[derive(Debug, Clone)]
pub struct PostgresSettings {
    pub connect: ConnectParams,
    /// `topic.prefix` (or `database.server.name`): the source partition's server name.
    pub server_name: String,
    pub filter: TableFilter,
    pub snapshot_mode: SnapshotMode,
    pub slot_name: String,
    pub publication_name: String,
    pub publication_mode: PublicationMode,
    pub tombstones_on_delete: bool,
    pub heartbeat_interval: Option<Duration>,
    pub decimal_mode: DecimalMode,
    pub time_mode: TimePrecisionMode,
    pub max_batch_size: usize,
    pub max_queue_size: usize,
    pub poll_interval: Duration,
    pub status_interval: Duration,
}

impl PostgresSettings {
    pub fn parse(props: &Props) -> Result<PostgresSettings, ConnectError> {
        let p = config_def().parse_connector_config(props)?;
        let s = |k: &str| common::trimmed(&p, k);
        let server_name = common::server_name(&p)?;
        let filter = common::table_filter(&p, SCHEMA_INCLUDE_LIST, SCHEMA_EXCLUDE_LIST)?;
        let slot_name = s(SLOT_NAME);
        if slot_name.is_empty()
            || slot_name.len() > 63
            || !slot_name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ConnectError::config(
                SLOT_NAME,
                format!("'{slot_name}' is not a valid slot name: use 1-63 lower case letters, digits and underscores"),
            ));
        }
        let millis = |k: &str| Duration::from_millis(u64::try_from(p.get_int(k)).unwrap_or(0));
        Ok(PostgresSettings {
            connect: ConnectParams {
                host: s(HOSTNAME),
                port: u16::try_from(p.get_int(PORT)).unwrap_or(5432),
                user: s(USER),
                password: common::password_value(&p),
                database: s(DBNAME),
                connect_timeout: millis(CONNECT_TIMEOUT_MS),
            },
            server_name,
            filter,
            snapshot_mode: match s(SNAPSHOT_MODE).to_ascii_lowercase().as_str() {
                "always" => SnapshotMode::Always,
                "never" | "no_data" => SnapshotMode::NoData,
                "initial_only" => SnapshotMode::InitialOnly,
                "when_needed" => SnapshotMode::WhenNeeded,
                _ => SnapshotMode::Initial,
            },
            slot_name,
            publication_name: s(PUBLICATION_NAME),
            publication_mode: match s(PUBLICATION_AUTOCREATE_MODE).to_ascii_lowercase().as_str() {
                "disabled" => PublicationMode::Disabled,
                "filtered" => PublicationMode::Filtered,
                _ => PublicationMode::AllTables,
            },
            tombstones_on_delete: p.get_bool(TOMBSTONES_ON_DELETE),
            heartbeat_interval: common::heartbeat(&p),
            decimal_mode: common::decimal_mode(&p),
            time_mode: TimePrecisionMode::from_config(
                &s(TIME_PRECISION_MODE),
                TimePrecisionMode::Adaptive,
            ),
            max_batch_size: common::max_batch(&p),
            max_queue_size: usize::try_from(p.get_int(MAX_QUEUE_SIZE))
                .unwrap_or(8192)
                .max(1),
            poll_interval: common::poll(&p),
            status_interval: millis(STATUS_UPDATE_INTERVAL_MS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        crate::config::props_of(
            &[
                (HOSTNAME, "localhost"),
                (USER, "u"),
                (PASSWORD, "pw"),
                (DBNAME, "db"),
                (TOPIC_PREFIX, "srv"),
            ],
            pairs,
        )
    }

    fn key_of(props: &Props) -> String {
        match PostgresSettings::parse(props) {
            Err(ConnectError::Config { key, .. }) => key,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_debeziums() {
        let s = PostgresSettings::parse(&props(&[])).unwrap();
        assert_eq!(s.connect.port, 5432);
        assert_eq!(s.slot_name, "debezium");
        assert_eq!(s.publication_name, "dbz_publication");
        assert_eq!(s.snapshot_mode, SnapshotMode::Initial);
        assert_eq!(s.publication_mode, PublicationMode::AllTables);
        assert!(s.tombstones_on_delete);
        assert_eq!(s.decimal_mode, DecimalMode::Precise);
        assert_eq!(s.time_mode, TimePrecisionMode::Adaptive);
        assert_eq!(s.max_batch_size, 2048);
        assert_eq!(s.poll_interval, Duration::from_millis(500));
        assert_eq!(s.heartbeat_interval, None);
    }

    #[test]
    fn old_server_name_is_accepted() {
        let mut p = props(&[(SERVER_NAME, "legacy")]);
        p.remove(TOPIC_PREFIX);
        assert_eq!(PostgresSettings::parse(&p).unwrap().server_name, "legacy");
        p.remove(SERVER_NAME);
        assert_eq!(key_of(&p), TOPIC_PREFIX);
    }

    #[test]
    fn bad_values_name_their_key() {
        assert_eq!(key_of(&props(&[(PLUGIN_NAME, "wal2json")])), PLUGIN_NAME);
        assert_eq!(
            key_of(&props(&[(SNAPSHOT_MODE, "sometimes")])),
            SNAPSHOT_MODE
        );
        assert_eq!(key_of(&props(&[(SLOT_NAME, "Bad-Slot")])), SLOT_NAME);
        assert_eq!(
            key_of(&props(&[(TABLE_INCLUDE_LIST, "public.(")])),
            TABLE_INCLUDE_LIST
        );
        assert_eq!(
            key_of(&props(&[
                (TABLE_INCLUDE_LIST, "a.b"),
                (TABLE_EXCLUDE_LIST, "c.d")
            ])),
            TABLE_EXCLUDE_LIST
        );
        assert_eq!(key_of(&props(&[(PORT, "0")])), PORT);
        assert_eq!(key_of(&props(&[(TOPIC_PREFIX, "a b")])), TOPIC_PREFIX);
        let infos = config_def().validate(&props(&[(PLUGIN_NAME, "decoderbufs")]));
        assert_eq!(infos.error_count, 1);
    }

    #[test]
    fn modes_parse() {
        let s = PostgresSettings::parse(&props(&[
            (SNAPSHOT_MODE, "never"),
            (PUBLICATION_AUTOCREATE_MODE, "filtered"),
            (DECIMAL_HANDLING_MODE, "string"),
            (HEARTBEAT_INTERVAL_MS, "1000"),
            (PLUGIN_NAME, "PGOUTPUT"),
        ]))
        .unwrap();
        assert_eq!(s.snapshot_mode, SnapshotMode::NoData);
        assert_eq!(s.publication_mode, PublicationMode::Filtered);
        assert_eq!(s.decimal_mode, DecimalMode::String);
        assert_eq!(s.heartbeat_interval, Some(Duration::from_secs(1)));
    }
}
