//! The MySQL/MariaDB connector's configuration keys, as Debezium's
//! `MySqlConnectorConfig` names them, parsed into [`MySqlSettings`].

use std::time::Duration;

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use connect_api::{ConnectError, Props};

use super::Flavor;
use crate::config as common;
pub use crate::config::{
    COLUMN_EXCLUDE_LIST, COLUMN_INCLUDE_LIST, DECIMAL_HANDLING_MODE, HEARTBEAT_INTERVAL_MS,
    HOSTNAME, MAX_BATCH_SIZE, PASSWORD, POLL_INTERVAL_MS, PORT, SERVER_NAME, SNAPSHOT_MODE,
    TABLE_EXCLUDE_LIST, TABLE_INCLUDE_LIST, TIME_PRECISION_MODE, TOMBSTONES_ON_DELETE,
    TOPIC_PREFIX, USER,
};
use crate::modes::{DecimalMode, TimePrecisionMode};
use crate::tables::TableFilter;

pub const SERVER_ID: &str = "database.server.id";
pub const DATABASE_INCLUDE_LIST: &str = "database.include.list";
pub const DATABASE_EXCLUDE_LIST: &str = "database.exclude.list";
pub const SNAPSHOT_LOCKING_MODE: &str = "snapshot.locking.mode";
pub const INCLUDE_SCHEMA_CHANGES: &str = "include.schema.changes";
pub const BIGINT_UNSIGNED_HANDLING_MODE: &str = "bigint.unsigned.handling.mode";
pub const CONNECT_TIMEOUT_MS: &str = "connect.timeout.ms";

/// `snapshot.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Snapshot when there is no stored offset (or the stored snapshot did not
    /// finish), then stream.
    Initial,
    /// Snapshot, then stop: no streaming.
    InitialOnly,
    /// Never snapshot data: stream from the current binlog position (`never`,
    /// `no_data` and the older `schema_only`: we keep no schema history to snapshot).
    NoData,
    /// Snapshot when there is no offset or the stored binlog file is gone.
    WhenNeeded,
}

/// `snapshot.locking.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockingMode {
    /// A global read lock only while the binlog position is read.
    Minimal,
    /// No lock: the caller guarantees no schema changes during the snapshot.
    None,
}

/// `bigint.unsigned.handling.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BigintUnsignedMode {
    /// INT64 (values above 2^63-1 wrap, as Debezium's `long`).
    Long,
    /// Kafka's Decimal with scale 0.
    Precise,
}

fn choice(name: &str, default: &str, allowed: &[&str], doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(default)
        .validator(Validator::case_insensitive_valid_string(allowed))
        .importance(Importance::Medium)
        .group("Events")
        .doc(doc)
}

/// Debezium's MySQL connector keys we implement or accept.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(common::connection_string(HOSTNAME, "Resolvable hostname or IP address of the MySQL/MariaDB server."))
        .define(common::port(3306))
        .define(common::connection_string(USER, "Name of the database user (needs REPLICATION SLAVE, REPLICATION CLIENT, RELOAD and SELECT)."))
        .define(common::password("Password of the database user."))
        .define(
            ConfigKey::new(SERVER_ID, ConfigType::Long)
                .default_null()
                .importance(Importance::High)
                .group("Connection")
                .doc("The replica server id this connector registers with; unique among the server's replicas. Default: a random number between 5400 and 6400, as Debezium."),
        )
        .define(common::topic_prefix("Topic prefix that names the server; topics are <topic.prefix>.<database>.<table>."))
        .define(common::deprecated_server_name())
        .define(common::filter_list(DATABASE_INCLUDE_LIST, "Regular expressions matching the names of databases to capture."))
        .define(common::filter_list(DATABASE_EXCLUDE_LIST, "Regular expressions matching the names of databases not to capture."))
        .define(common::filter_list(TABLE_INCLUDE_LIST, "Regular expressions matching the fully-qualified names (database.table) of tables to capture."))
        .define(common::filter_list(TABLE_EXCLUDE_LIST, "Regular expressions matching the fully-qualified names (database.table) of tables not to capture."))
        .define(common::filter_list(COLUMN_INCLUDE_LIST, "Regular expressions matching the fully-qualified names (database.table.column) of columns to include."))
        .define(common::filter_list(COLUMN_EXCLUDE_LIST, "Regular expressions matching the fully-qualified names (database.table.column) of columns to exclude."))
        .define(choice(
            SNAPSHOT_MODE,
            "initial",
            &["initial", "initial_only", "never", "no_data", "schema_only", "when_needed"],
            "When to snapshot: initial (when no offset exists), initial_only (snapshot, then stop), never / no_data / schema_only (stream only), when_needed (no offset or its binlog file is gone).",
        ))
        .define(choice(
            SNAPSHOT_LOCKING_MODE,
            "minimal",
            &["minimal", "none"],
            "minimal: hold a global read lock only while the binlog position is read; none: take no lock.",
        ))
        .define(common::tombstones_on_delete())
        .define(
            ConfigKey::new(INCLUDE_SCHEMA_CHANGES, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Low)
                .group("Events")
                .doc("Accepted for compatibility: schema change events are not emitted (the value schemas still follow ALTER TABLE)."),
        )
        .define(choice(
            DECIMAL_HANDLING_MODE,
            "precise",
            &["precise", "double", "string"],
            "How DECIMAL/NUMERIC values are represented: precise (Decimal), double or string.",
        ))
        .define(choice(
            TIME_PRECISION_MODE,
            "adaptive_time_microseconds",
            &["adaptive_time_microseconds", "adaptive", "connect"],
            "How temporal values are represented: adaptive_time_microseconds (TIME as MicroTime), adaptive or connect (Kafka's logical types, millisecond precision).",
        ))
        .define(choice(
            BIGINT_UNSIGNED_HANDLING_MODE,
            "long",
            &["long", "precise"],
            "How BIGINT UNSIGNED values are represented: long (INT64) or precise (Decimal).",
        ))
        .define(common::heartbeat_interval("When > 0, how often (ms) the stored offset moves forward while captured tables are idle. No heartbeat records are emitted."))
        .define(common::max_batch_size())
        .define(common::poll_interval())
        .define(
            ConfigKey::new(CONNECT_TIMEOUT_MS, ConfigType::Long)
                .default_value(30_000i64)
                .validator(Validator::at_least(1))
                .importance(Importance::Low)
                .group("Connection")
                .doc("How long (ms) to wait for a connection to the server."),
        )
}

/// How to reach the server.
#[derive(Clone)]
pub struct ConnectParams {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for ConnectParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectParams")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &"[hidden]")
            .finish()
    }
}

/// The parsed configuration.
#[derive(Debug, Clone)]
pub struct MySqlSettings {
    /// MySQL or MariaDB connector (from `connector.class`).
    pub flavor: Flavor,
    pub connect: ConnectParams,
    /// The replica id registered with the server.
    pub server_id: u32,
    /// `topic.prefix` (or `database.server.name`): the source partition's server name.
    pub server_name: String,
    /// `schema_*` lists of the filter are the database lists.
    pub filter: TableFilter,
    pub snapshot_mode: SnapshotMode,
    pub locking_mode: LockingMode,
    pub tombstones_on_delete: bool,
    pub decimal_mode: DecimalMode,
    pub time_mode: TimePrecisionMode,
    pub bigint_unsigned_mode: BigintUnsignedMode,
    pub heartbeat_interval: Option<Duration>,
    pub max_batch_size: usize,
    pub poll_interval: Duration,
}

/// Debezium's default replica id: random in 5400..=6400.
fn random_server_id() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    5400 + (nanos ^ std::process::id()) % 1001
}

impl MySqlSettings {
    pub fn parse(props: &Props) -> Result<MySqlSettings, ConnectError> {
        let p = config_def().parse_connector_config(props)?;
        let s = |k: &str| common::trimmed(&p, k);
        let server_name = common::server_name(&p)?;
        let filter = common::table_filter(&p, DATABASE_INCLUDE_LIST, DATABASE_EXCLUDE_LIST)?;
        let server_id = match p.get(SERVER_ID) {
            Some(ConfigValue::Long(id)) => u32::try_from(*id)
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    ConnectError::config(
                        SERVER_ID,
                        format!("{id} is not a valid server id (1..=4294967295)"),
                    )
                })?,
            _ => random_server_id(),
        };
        let millis = |k: &str| Duration::from_millis(u64::try_from(p.get_long(k)).unwrap_or(0));
        let lower = |k: &str| s(k).to_ascii_lowercase();
        Ok(MySqlSettings {
            flavor: Flavor::of_class(props.get("connector.class").map(String::as_str)),
            connect: ConnectParams {
                host: s(HOSTNAME),
                port: u16::try_from(p.get_int(PORT)).unwrap_or(3306),
                user: s(USER),
                password: common::password_value(&p),
                connect_timeout: millis(CONNECT_TIMEOUT_MS),
            },
            server_id,
            server_name,
            filter,
            snapshot_mode: match lower(SNAPSHOT_MODE).as_str() {
                "initial_only" => SnapshotMode::InitialOnly,
                "never" | "no_data" | "schema_only" => SnapshotMode::NoData,
                "when_needed" => SnapshotMode::WhenNeeded,
                _ => SnapshotMode::Initial,
            },
            locking_mode: match lower(SNAPSHOT_LOCKING_MODE).as_str() {
                "none" => LockingMode::None,
                _ => LockingMode::Minimal,
            },
            tombstones_on_delete: p.get_bool(TOMBSTONES_ON_DELETE),
            decimal_mode: common::decimal_mode(&p),
            time_mode: TimePrecisionMode::from_config(
                &s(TIME_PRECISION_MODE),
                TimePrecisionMode::AdaptiveTimeMicroseconds,
            ),
            bigint_unsigned_mode: match lower(BIGINT_UNSIGNED_HANDLING_MODE).as_str() {
                "precise" => BigintUnsignedMode::Precise,
                _ => BigintUnsignedMode::Long,
            },
            heartbeat_interval: common::heartbeat(&p),
            max_batch_size: common::max_batch(&p),
            poll_interval: common::poll(&p),
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
                (TOPIC_PREFIX, "srv"),
            ],
            pairs,
        )
    }

    fn key_of(props: &Props) -> String {
        match MySqlSettings::parse(props) {
            Err(ConnectError::Config { key, .. }) => key,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_debeziums() {
        let s = MySqlSettings::parse(&props(&[])).unwrap();
        assert_eq!(s.connect.port, 3306);
        assert!((5400..=6400).contains(&s.server_id), "{}", s.server_id);
        assert_eq!(s.snapshot_mode, SnapshotMode::Initial);
        assert_eq!(s.locking_mode, LockingMode::Minimal);
        assert!(s.tombstones_on_delete);
        assert_eq!(s.decimal_mode, DecimalMode::Precise);
        assert_eq!(s.time_mode, TimePrecisionMode::AdaptiveTimeMicroseconds);
        assert_eq!(s.bigint_unsigned_mode, BigintUnsignedMode::Long);
        assert_eq!(s.max_batch_size, 2048);
        assert_eq!(s.poll_interval, Duration::from_millis(500));
        assert!(
            !format!("{:?}", s.connect).contains("pw"),
            "password not in Debug"
        );
    }

    #[test]
    fn modes_and_ids_parse() {
        let s = MySqlSettings::parse(&props(&[
            (SERVER_ID, "184054"),
            (SNAPSHOT_MODE, "schema_only"),
            (SNAPSHOT_LOCKING_MODE, "NONE"),
            (DECIMAL_HANDLING_MODE, "string"),
            (TIME_PRECISION_MODE, "connect"),
            (BIGINT_UNSIGNED_HANDLING_MODE, "precise"),
            (DATABASE_INCLUDE_LIST, "inventory"),
        ]))
        .unwrap();
        assert_eq!(s.server_id, 184054);
        assert_eq!(s.snapshot_mode, SnapshotMode::NoData);
        assert_eq!(s.locking_mode, LockingMode::None);
        assert_eq!(s.decimal_mode, DecimalMode::String);
        assert_eq!(s.time_mode, TimePrecisionMode::Connect);
        assert_eq!(s.bigint_unsigned_mode, BigintUnsignedMode::Precise);
        assert!(s.filter.includes_table("inventory", "customers"));
        assert!(!s.filter.includes_table("other", "customers"));
        let mut p = props(&[(SERVER_NAME, "legacy")]);
        p.remove(TOPIC_PREFIX);
        assert_eq!(MySqlSettings::parse(&p).unwrap().server_name, "legacy");
    }

    #[test]
    fn bad_values_name_their_key() {
        assert_eq!(
            key_of(&props(&[(SNAPSHOT_MODE, "sometimes")])),
            SNAPSHOT_MODE
        );
        assert_eq!(
            key_of(&props(&[(SNAPSHOT_LOCKING_MODE, "extended")])),
            SNAPSHOT_LOCKING_MODE
        );
        assert_eq!(key_of(&props(&[(SERVER_ID, "0")])), SERVER_ID);
        assert_eq!(key_of(&props(&[(SERVER_ID, "x")])), SERVER_ID);
        assert_eq!(
            key_of(&props(&[(TABLE_INCLUDE_LIST, "db.(")])),
            TABLE_INCLUDE_LIST
        );
        assert_eq!(
            key_of(&props(&[
                (DATABASE_INCLUDE_LIST, "a"),
                (DATABASE_EXCLUDE_LIST, "b")
            ])),
            DATABASE_EXCLUDE_LIST
        );
        assert_eq!(key_of(&props(&[(PORT, "70000")])), PORT);
        assert_eq!(key_of(&props(&[(TOPIC_PREFIX, "a b")])), TOPIC_PREFIX);
        let mut p = props(&[]);
        p.remove(TOPIC_PREFIX);
        assert_eq!(key_of(&p), TOPIC_PREFIX);
    }
}
