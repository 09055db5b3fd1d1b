//! The JDBC source: Confluent's `JdbcSourceConnector` / `JdbcSourceTask`. Each table
//! is read into the topic `topic.prefix` + table name, one record per row, with a
//! Struct value whose schema comes from the table's columns.
//!
//! # Behaviour (as Confluent's)
//!
//! * `mode`: `bulk` (the whole table every `poll.interval.ms`), `incrementing` (rows
//!   with `incrementing.column.name` above the last one seen), `timestamp` (rows whose
//!   `timestamp.column.name` — the first non-null of several — is after the last one
//!   seen and before the database's now minus `timestamp.delay.interval.ms`), or
//!   `timestamp+incrementing` (ordered by both, so rows updated in the same instant are
//!   not missed).
//! * Source partition `{"table": "<name>"}`; offsets `{"incrementing": n}`,
//!   `{"timestamp": <epoch ms>, "timestamp_nanos": <nanos within the second>}` or all
//!   three (Confluent's `TimestampIncrementingOffset`), so a restart resumes from the
//!   committed offset and Kafka users recognise them.
//! * Tables: `table.whitelist` / `table.include.list`, else every base table of the
//!   current schema/database (SQLite: of the file, without its `sqlite_*` tables) minus `table.blacklist` / `table.exclude.list`; spread
//!   round-robin over up to `tasks.max` tasks.
//! * `query`: a custom query instead of tables (with a table list it is a validation
//!   error on `query`). One task; topic `topic.prefix` alone; source partition
//!   `{"query": "query"}`; the record schema has no name. `query.suffix` is appended
//!   to every generated query (in table mode too).
//! * Nullable columns give optional fields; NUMERIC/DECIMAL give Decimal, or what
//!   `numeric.mapping` (`none`, `precision_only`, `best_fit`, `best_fit_eager_double`;
//!   the deprecated `numeric.precision.mapping=true` means `precision_only`) picks by
//!   precision and scale; an unconstrained PostgreSQL NUMERIC is Decimal of scale 127;
//!   DATE/TIME/TIMESTAMP give the logical types.
//! * `db.timezone` (an IANA name or an offset such as `+02:00`): timestamps without
//!   time zone are read as that zone's wall clock, and the timestamp bounds of the
//!   queries are that zone's wall clock too. `timestamptz` columns are instants;
//!   MySQL TIMESTAMP columns are instants too (the session is UTC).
//! * Checked before anything starts, each naming its key: the connection, that the
//!   listed tables exist, that the mode's columns exist in every table and (with
//!   `validate.non.null=true`, the default) are NOT NULL; in query mode, that the
//!   query runs (the error names `query` and carries the database's message) and has
//!   the mode's columns (not checked for NOT NULL, as Confluent does not).
//!
//! # Deviations
//!
//! * Without an include list, the table set is re-read every `table.poll.interval.ms`
//!   and a change asks the runtime for new task configs (Confluent's table monitor);
//!   new tables are not checked against the mode before their task starts.
//! * In incrementing and timestamp modes the query is wrapped as a subquery,
//!   `SELECT .. FROM (<query>) AS q WHERE ..`, so unlike Confluent's (which appends
//!   its WHERE to the query text) it may have a WHERE clause of its own. In bulk mode
//!   it runs as written unless a column needs a cast to be read (json, uuid, ...).
//! * The query's column types come from the database (a temporary view on
//!   PostgreSQL, a temporary table on MySQL; see `query_columns`), not from JDBC's
//!   result metadata; nullability follows the same rules as PostgreSQL's and MySQL's
//!   JDBC drivers (a column straight from a NOT NULL table column is required).
//! * `numeric.mapping` applies to PostgreSQL NUMERIC/DECIMAL only: MySQL's driver
//!   reports DECIMAL as `Types.DECIMAL`, which Confluent always maps to Decimal. An
//!   unconstrained PostgreSQL NUMERIC under `best_fit`/`best_fit_eager_double` is
//!   FLOAT64 here; Confluent sees precision 0 and picks INT8, truncating the values.
//!   A value that does not fit the integer `precision_only`/`best_fit` picks (a
//!   negative-scale column) fails the poll instead of wrapping around.
//! * `db.timezone` applies to timestamps; TIME columns are read as they are (Confluent
//!   shifts them by the zone's 1970 offset). Fixed offsets are accepted besides the
//!   IANA names Java knows.
//! * Incrementing modes fetch at most `batch.max.rows` rows per query (LIMIT) and query
//!   again at once when a batch was full; bulk and timestamp modes read the whole result
//!   and hand it out `batch.max.rows` at a time.
//! * SQLite (see `sqlite`): declared types map by SQLite's affinity rules, every
//!   integer type to INT64 (SQLite integers are 64-bit; the xerial driver Confluent uses
//!   reports INT as INT32); values are converted from each value's storage class, and
//!   one that does not convert (text in an INTEGER column) fails the poll naming the
//!   column. Timestamps are compared as millisecond ISO text (epoch-millisecond
//!   integers, which Confluent writes, are read and compared too). In query mode a
//!   computed column without a CAST has no declared type and is read as STRING.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{
    ConfigInfos, ConnectError, Connector, ConnectorContext, Props, SchemaBuilder, SchemaRef,
    SourceConnector, SourceOffset, SourcePartition, SourceRecord, SourceTask, SourceTaskContext,
    Struct, Value,
};
use serde_json::json;
use tokio::time::Instant;

use crate::db::{ColumnInfo, ConnectionSettings, Db, Dialect, Param, TableId};
use crate::error::JdbcError;
use crate::sink::{connection_keys, connection_settings};
use crate::timezone::{self, DbZone};
use crate::types::{source_column, value_as_i64, ColKind, NumericMapping, SourceColumn};
use crate::{list, VERSION};

pub const MODE_CONFIG: &str = "mode";
pub const INCREMENTING_COLUMN_NAME_CONFIG: &str = "incrementing.column.name";
pub const TIMESTAMP_COLUMN_NAME_CONFIG: &str = "timestamp.column.name";
pub const VALIDATE_NON_NULL_CONFIG: &str = "validate.non.null";
pub const TIMESTAMP_DELAY_INTERVAL_MS_CONFIG: &str = "timestamp.delay.interval.ms";
pub const TIMESTAMP_INITIAL_CONFIG: &str = "timestamp.initial";
pub const TABLE_WHITELIST_CONFIG: &str = "table.whitelist";
pub const TABLE_INCLUDE_LIST_CONFIG: &str = "table.include.list";
pub const TABLE_BLACKLIST_CONFIG: &str = "table.blacklist";
pub const TABLE_EXCLUDE_LIST_CONFIG: &str = "table.exclude.list";
pub const TOPIC_PREFIX_CONFIG: &str = "topic.prefix";
pub const POLL_INTERVAL_MS_CONFIG: &str = "poll.interval.ms";
pub const BATCH_MAX_ROWS_CONFIG: &str = "batch.max.rows";
pub const TABLE_POLL_INTERVAL_MS_CONFIG: &str = "table.poll.interval.ms";
pub const NUMERIC_MAPPING_CONFIG: &str = "numeric.mapping";
pub const NUMERIC_PRECISION_MAPPING_CONFIG: &str = "numeric.precision.mapping";
pub const QUERY_CONFIG: &str = "query";
pub const QUERY_SUFFIX_CONFIG: &str = "query.suffix";
pub use crate::timezone::DB_TIMEZONE_CONFIG;
/// The task-only key carrying a task's tables (comma-separated), as Confluent's `tables`.
pub const TABLES_CONFIG: &str = "tables";

/// Source partition key: `{"table": "orders"}`.
pub const TABLE_NAME_KEY: &str = "table";
/// Source partition of `query` mode: `{"query": "query"}`, as Confluent's.
pub const QUERY_NAME_KEY: &str = "query";
pub const QUERY_NAME_VALUE: &str = "query";
pub const INCREMENTING_FIELD: &str = "incrementing";
pub const TIMESTAMP_FIELD: &str = "timestamp";
pub const TIMESTAMP_NANOS_FIELD: &str = "timestamp_nanos";

/// The longest `poll` waits for a table's next turn before returning no records, so
/// the runtime can stop the task.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// The source connector's configuration keys, as Confluent's `JdbcSourceConnectorConfig`.
pub fn config_def() -> ConfigDef {
    let def = connection_keys(ConfigDef::new());
    let lists = [
        (TABLE_WHITELIST_CONFIG, "List of tables to include in copying (deprecated name of table.include.list)."),
        (TABLE_INCLUDE_LIST_CONFIG, "List of tables to include in copying. If specified, table.exclude.list may not be set."),
        (TABLE_BLACKLIST_CONFIG, "List of tables to exclude from copying (deprecated name of table.exclude.list)."),
        (TABLE_EXCLUDE_LIST_CONFIG, "List of tables to exclude from copying."),
    ];
    let mut def = def;
    for (key, doc) in lists {
        def = def.define(
            ConfigKey::new(key, ConfigType::List)
                .default_value("")
                .importance(Importance::Medium)
                .group("Database")
                .doc(doc),
        );
    }
    def.define(
        ConfigKey::new(MODE_CONFIG, ConfigType::String)
            .validator(Validator::valid_string(&[
                "bulk",
                "timestamp",
                "incrementing",
                "timestamp+incrementing",
            ]))
            .importance(Importance::High)
            .group("Mode")
            .doc("The mode for updating a table each time it is polled: bulk, timestamp, incrementing or timestamp+incrementing."),
    )
    .define(
        ConfigKey::new(INCREMENTING_COLUMN_NAME_CONFIG, ConfigType::String)
            .default_value("")
            .importance(Importance::Medium)
            .group("Mode")
            .doc("The name of the strictly incrementing column to use to detect new rows."),
    )
    .define(
        ConfigKey::new(TIMESTAMP_COLUMN_NAME_CONFIG, ConfigType::List)
            .default_value("")
            .importance(Importance::Medium)
            .group("Mode")
            .doc("Comma separated list of one or more timestamp columns to detect new or modified rows using the COALESCE SQL function."),
    )
    .define(
        ConfigKey::new(VALIDATE_NON_NULL_CONFIG, ConfigType::Boolean)
            .default_value(true)
            .importance(Importance::Low)
            .group("Mode")
            .doc("By default, the JDBC connector will validate that all incrementing and timestamp tables have NOT NULL set for the columns being used as their ID/timestamp."),
    )
    .define(
        ConfigKey::new(TIMESTAMP_DELAY_INTERVAL_MS_CONFIG, ConfigType::Long)
            .default_value(0i64)
            .validator(Validator::at_least(0))
            .importance(Importance::High)
            .group("Connector")
            .doc("How long to wait after a row with certain timestamp appears before we include it in the result."),
    )
    .define(
        ConfigKey::new(TIMESTAMP_INITIAL_CONFIG, ConfigType::Long)
            .default_null()
            .importance(Importance::Low)
            .group("Mode")
            .doc("The epoch timestamp (ms) used for initial queries that use timestamp criteria; -1 for the current time. Default: all rows."),
    )
    .define(
        ConfigKey::new(POLL_INTERVAL_MS_CONFIG, ConfigType::Int)
            .default_value(5000)
            .validator(Validator::at_least(1))
            .importance(Importance::High)
            .group("Connector")
            .doc("Frequency in ms to poll for new data in each table."),
    )
    .define(
        ConfigKey::new(BATCH_MAX_ROWS_CONFIG, ConfigType::Int)
            .default_value(100)
            .validator(Validator::at_least(1))
            .importance(Importance::Low)
            .group("Connector")
            .doc("Maximum number of rows to include in a single batch when polling for new data."),
    )
    .define(
        ConfigKey::new(TOPIC_PREFIX_CONFIG, ConfigType::String)
            .importance(Importance::High)
            .group("Connector")
            .doc("Prefix to prepend to table names to generate the name of the Kafka topic to publish data to."),
    )
    .define(
        ConfigKey::new(TABLE_POLL_INTERVAL_MS_CONFIG, ConfigType::Long)
            .default_value(60_000i64)
            .importance(Importance::Low)
            .group("Connector")
            .doc("Frequency in ms to poll for new or removed tables (when no include list is set), which may result in updated task configurations."),
    )
    .define(
        ConfigKey::new(NUMERIC_MAPPING_CONFIG, ConfigType::String)
            .default_null()
            // Not case_insensitive_valid_string: that one refuses the null default.
            .validator(Validator::custom(
                "one of none, precision_only, best_fit, best_fit_eager_double (case insensitive)",
                |_, value| match value.as_str() {
                    Some(name) if NumericMapping::parse(name).is_none() => Err(format!(
                        "'{name}' is not one of {}",
                        NumericMapping::NAMES.join(", ")
                    )),
                    _ => Ok(()),
                },
            ))
            .importance(Importance::Low)
            .group("Database")
            .doc("Map NUMERIC values by precision and optionally scale to integral or decimal types. Use none if all NUMERIC columns are to be represented by Connect's DECIMAL logical type. Use best_fit if NUMERIC columns should be cast to Connect's INT8, INT16, INT32, INT64, or FLOAT64 based upon the column's precision and scale. Use best_fit_eager_double if in addition to the properties of best_fit described above, it is desirable to always cast NUMERIC columns with scale to Connect FLOAT64 type, despite potential of loss in accuracy. Use precision_only to map NUMERIC columns based only on the column's precision assuming that column's scale is 0. The none option is the default."),
    )
    .define(
        ConfigKey::new(NUMERIC_PRECISION_MAPPING_CONFIG, ConfigType::Boolean)
            .default_value(false)
            .importance(Importance::Low)
            .group("Database")
            .doc("Whether or not to attempt mapping NUMERIC values by precision to integral types. This option is now deprecated (use numeric.mapping=precision_only); it applies when numeric.mapping is not set."),
    )
    .define(
        timezone::config_key("Name of the JDBC timezone used in the connector when querying with time-based criteria and reading timestamps without time zone: an IANA name (e.g. Europe/Berlin) or an offset (e.g. +02:00). Defaults to UTC.")
            .group("Connector"),
    )
    .define(
        ConfigKey::new(QUERY_CONFIG, ConfigType::String)
            .default_value("")
            .importance(Importance::Medium)
            .group("Mode")
            .doc("If specified, the query to perform to select new or updated rows. Use this setting if you want to join tables, select subsets of columns in a table, or filter data. If used, this connector will only copy data using this query -- whole-table copying will be disabled. Incremental modes wrap the query as a subquery (SELECT .. FROM (<query>) AS q WHERE ..), so it may have its own WHERE clause."),
    )
    .define(
        ConfigKey::new(QUERY_SUFFIX_CONFIG, ConfigType::String)
            .default_value("")
            .importance(Importance::Low)
            .group("Mode")
            .doc("Suffix to append at the end of the generated query."),
    )
    .define(
        ConfigKey::new(TABLES_CONFIG, ConfigType::List)
            .default_value("")
            .importance(Importance::Low)
            .doc("Set by the connector for each task: the tables it reads."),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bulk,
    Incrementing,
    Timestamp,
    TimestampIncrementing,
}

impl Mode {
    fn uses_incrementing(self) -> bool {
        matches!(self, Mode::Incrementing | Mode::TimestampIncrementing)
    }
    fn uses_timestamp(self) -> bool {
        matches!(self, Mode::Timestamp | Mode::TimestampIncrementing)
    }
}

/// The source's parsed and cross-checked configuration.
#[derive(Debug, Clone)]
pub struct SourceSettings {
    pub connection: ConnectionSettings,
    pub mode: Mode,
    pub incrementing_column: Option<String>,
    pub timestamp_columns: Vec<String>,
    pub validate_non_null: bool,
    pub timestamp_delay: chrono::Duration,
    pub timestamp_initial: Option<i64>,
    pub include: Vec<String>,
    /// The key the include list came from, for messages.
    pub include_key: &'static str,
    pub exclude: Vec<String>,
    pub topic_prefix: String,
    pub poll_interval: Duration,
    pub batch_max_rows: usize,
    pub tables: Vec<String>,
    /// `query`: read this query's result instead of tables.
    pub query: Option<String>,
    pub query_suffix: String,
    pub numeric_mapping: NumericMapping,
    /// `db.timezone`: the zone of timestamps without time zone.
    pub zone: DbZone,
}

impl SourceSettings {
    pub fn parse(props: &Props) -> Result<SourceSettings, ConnectError> {
        let parsed = config_def().parse_connector_config(props)?;
        let mode = match parsed.get_string(MODE_CONFIG).unwrap_or_default() {
            "incrementing" => Mode::Incrementing,
            "timestamp" => Mode::Timestamp,
            "timestamp+incrementing" => Mode::TimestampIncrementing,
            _ => Mode::Bulk,
        };
        let incrementing_column = parsed
            .get_string(INCREMENTING_COLUMN_NAME_CONFIG)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let timestamp_columns = list(&parsed, TIMESTAMP_COLUMN_NAME_CONFIG);
        if mode.uses_incrementing() && incrementing_column.is_none() {
            return Err(ConnectError::config(
                INCREMENTING_COLUMN_NAME_CONFIG,
                "mode incrementing and timestamp+incrementing need incrementing.column.name",
            ));
        }
        if mode.uses_timestamp() && timestamp_columns.is_empty() {
            return Err(ConnectError::config(
                TIMESTAMP_COLUMN_NAME_CONFIG,
                "mode timestamp and timestamp+incrementing need timestamp.column.name",
            ));
        }
        let (include, include_key) = {
            let include = list(&parsed, TABLE_INCLUDE_LIST_CONFIG);
            if include.is_empty() {
                (
                    list(&parsed, TABLE_WHITELIST_CONFIG),
                    TABLE_WHITELIST_CONFIG,
                )
            } else {
                (include, TABLE_INCLUDE_LIST_CONFIG)
            }
        };
        let mut exclude = list(&parsed, TABLE_EXCLUDE_LIST_CONFIG);
        exclude.extend(list(&parsed, TABLE_BLACKLIST_CONFIG));
        if !include.is_empty() && !exclude.is_empty() {
            return Err(ConnectError::config(
                include_key,
                "Only one of table.include.list/table.whitelist and table.exclude.list/table.blacklist may be set",
            ));
        }
        // Trailing semicolons end a statement; the query is wrapped in others.
        let query = parsed
            .get_string(QUERY_CONFIG)
            .map(|q| q.trim().trim_end_matches(';').trim_end())
            .filter(|q| !q.is_empty())
            .map(str::to_string);
        if query.is_some() && (!include.is_empty() || !exclude.is_empty()) {
            return Err(ConnectError::config(
                QUERY_CONFIG,
                "Do not specify table filtering parameters (table.include.list/table.whitelist, table.exclude.list/table.blacklist) with a query",
            ));
        }
        let numeric_mapping = match parsed.get_string(NUMERIC_MAPPING_CONFIG) {
            Some(name) => NumericMapping::parse(name).ok_or_else(|| {
                ConnectError::config(
                    NUMERIC_MAPPING_CONFIG,
                    format!(
                        "'{name}' is not one of {}",
                        NumericMapping::NAMES.join(", ")
                    ),
                )
            })?,
            None if parsed.get_bool(NUMERIC_PRECISION_MAPPING_CONFIG) => {
                NumericMapping::PrecisionOnly
            }
            None => NumericMapping::None,
        };
        let delay_ms = parsed.get_long(TIMESTAMP_DELAY_INTERVAL_MS_CONFIG);
        Ok(SourceSettings {
            connection: connection_settings(&parsed),
            mode,
            incrementing_column,
            timestamp_columns,
            validate_non_null: parsed.get_bool(VALIDATE_NON_NULL_CONFIG),
            timestamp_delay: chrono::Duration::milliseconds(delay_ms),
            timestamp_initial: parsed
                .get(TIMESTAMP_INITIAL_CONFIG)
                .and_then(|v| v.as_long()),
            include,
            include_key,
            exclude,
            topic_prefix: parsed
                .get_string(TOPIC_PREFIX_CONFIG)
                .unwrap_or_default()
                .to_string(),
            poll_interval: Duration::from_millis(
                u64::try_from(parsed.get_int(POLL_INTERVAL_MS_CONFIG)).unwrap_or(5000),
            ),
            batch_max_rows: usize::try_from(parsed.get_int(BATCH_MAX_ROWS_CONFIG))
                .unwrap_or(100)
                .max(1),
            tables: list(&parsed, TABLES_CONFIG),
            query,
            query_suffix: parsed
                .get_string(QUERY_SUFFIX_CONFIG)
                .unwrap_or_default()
                .trim()
                .to_string(),
            numeric_mapping,
            zone: timezone::from_config(&parsed)?,
        })
    }
}

/// The tables to read, each checked against the mode: it exists, it has the mode's
/// columns, and those are NOT NULL (unless `validate.non.null=false`). Errors name the
/// key to fix and the table.
async fn resolve_tables(db: &Db, settings: &SourceSettings) -> Result<Vec<String>, JdbcError> {
    let tables = if settings.include.is_empty() {
        let all = db
            .list_tables()
            .await
            .map_err(|e| JdbcError::sql("Failed to list the database's tables", e))?;
        all.into_iter()
            .filter(|t| !settings.exclude.iter().any(|x| x == t))
            .collect()
    } else {
        settings.include.clone()
    };
    for table in &tables {
        let id = TableId::parse(table);
        let columns = db.columns(&id).await.map_err(|e| {
            JdbcError::sql(format!("Failed to read the columns of table {table}"), e)
        })?;
        if columns.is_empty() {
            return Err(JdbcError::config(
                settings.include_key,
                format!("Table {table} does not exist (or has no columns visible to this user)"),
            ));
        }
        let mut needed: Vec<(&str, &str)> = Vec::new();
        if settings.mode.uses_incrementing() {
            if let Some(c) = &settings.incrementing_column {
                needed.push((INCREMENTING_COLUMN_NAME_CONFIG, c));
            }
        }
        if settings.mode.uses_timestamp() {
            for c in &settings.timestamp_columns {
                needed.push((TIMESTAMP_COLUMN_NAME_CONFIG, c));
            }
        }
        for (key, name) in needed {
            let Some(col) = columns.iter().find(|c| c.name == name) else {
                return Err(JdbcError::config(
                    key,
                    format!("Column {name} does not exist in table {table}"),
                ));
            };
            if col.nullable && settings.validate_non_null {
                return Err(JdbcError::config(
                    key,
                    format!(
                        "Cannot make incremental queries using column {name} on table {table} because this column is nullable (set validate.non.null=false to allow it)"
                    ),
                ));
            }
        }
    }
    Ok(tables)
}

/// Confluent's `JdbcSourceConnector`: checks the config against the database and
/// spreads the tables over the tasks.
#[derive(Debug, Default)]
pub struct JdbcSourceConnector {
    props: Props,
    /// The tables to read; updated by the table monitor when tables come and go.
    tables: Arc<Mutex<Vec<String>>>,
    /// Watches for new or dropped tables (only when no include list fixes them).
    monitor: Option<tokio::task::JoinHandle<()>>,
    /// Reading the custom `query`: one task, no tables.
    query_mode: bool,
}

impl JdbcSourceConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Checks the configuration against the database: the tables to read (none in query
/// mode, whose query is checked instead).
async fn check(settings: &SourceSettings) -> Result<Vec<String>, JdbcError> {
    let db = Db::connect(&settings.connection).await?;
    let result = match &settings.query {
        Some(query) => check_query(&db, settings, query).await.map(|()| Vec::new()),
        None => resolve_tables(&db, settings).await,
    };
    db.close().await;
    result
}

#[async_trait]
impl Connector for JdbcSourceConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    /// The keys' own checks, then the cross-key rules and the database checks of
    /// `start`, reported on the key to fix.
    fn validate(&self, props: &Props) -> ConfigInfos {
        crate::validate_against_database(
            config_def(),
            props,
            SourceSettings::parse,
            |settings| async move { check(&settings).await },
        )
    }

    async fn start(&mut self, context: ConnectorContext, props: Props) -> Result<(), ConnectError> {
        let settings = SourceSettings::parse(&props)?;
        let tables = check(&settings).await?;
        self.query_mode = settings.query.is_some();
        if tables.is_empty() && !self.query_mode {
            tracing::warn!("JDBC source found no tables to read");
        }
        *self.tables.lock().unwrap_or_else(|e| e.into_inner()) = tables;
        if settings.include.is_empty() && !self.query_mode {
            let parsed = config_def().parse_connector_config(&props)?;
            let interval = Duration::from_millis(
                u64::try_from(parsed.get_long(TABLE_POLL_INTERVAL_MS_CONFIG))
                    .unwrap_or(60_000)
                    .max(100),
            );
            self.monitor = Some(tokio::spawn(monitor_tables(
                settings,
                interval,
                self.tables.clone(),
                context,
            )));
        }
        self.props = props;
        Ok(())
    }

    /// Tables round-robin over at most `max_tasks` tasks (none when there are no tables);
    /// a query is one task.
    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        if self.query_mode {
            return Ok(vec![self.props.clone()]);
        }
        let tables = self
            .tables
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let n = max_tasks.min(tables.len());
        let mut groups: Vec<Vec<String>> = vec![Vec::new(); n];
        for (i, table) in tables.iter().enumerate() {
            groups[i % n].push(table.clone());
        }
        Ok(groups
            .into_iter()
            .map(|tables| {
                let mut props = self.props.clone();
                props.insert(TABLES_CONFIG.to_string(), tables.join(","));
                props
            })
            .collect())
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        if let Some(monitor) = self.monitor.take() {
            monitor.abort();
        }
        Ok(())
    }
}

impl Drop for JdbcSourceConnector {
    fn drop(&mut self) {
        if let Some(monitor) = self.monitor.take() {
            monitor.abort();
        }
    }
}

/// Confluent's `TableMonitorThread`: every `interval`, lists the tables (minus the
/// excluded ones) and asks the runtime for new task configs when the set changed.
/// Listing failures are logged and retried at the next interval.
async fn monitor_tables(
    settings: SourceSettings,
    interval: Duration,
    tables: Arc<Mutex<Vec<String>>>,
    context: ConnectorContext,
) {
    let mut db: Option<Db> = None;
    loop {
        tokio::time::sleep(interval).await;
        if db.is_none() {
            match Db::connect(&settings.connection).await {
                Ok(d) => db = Some(d),
                Err(e) => {
                    tracing::warn!("JDBC source table monitor cannot connect: {e}");
                    continue;
                }
            }
        }
        let Some(d) = &db else { continue };
        let current: Vec<String> = match d.list_tables().await {
            Ok(all) => all
                .into_iter()
                .filter(|t| !settings.exclude.iter().any(|x| x == t))
                .collect(),
            Err(e) => {
                tracing::warn!("JDBC source table monitor cannot list tables: {e}");
                continue;
            }
        };
        let changed = {
            let mut known = tables.lock().unwrap_or_else(|e| e.into_inner());
            if *known != current {
                tracing::info!(
                    "Tables changed from {:?} to {:?}: reconfiguring tasks",
                    *known,
                    current
                );
                *known = current;
                true
            } else {
                false
            }
        };
        if changed {
            context.request_task_reconfiguration();
        }
    }
}

impl SourceConnector for JdbcSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(JdbcSourceTask::new())
    }
}

/// Where a table's reading stands (Confluent's `TimestampIncrementingOffset`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Offset {
    pub incrementing: Option<i64>,
    pub timestamp: Option<DateTime<Utc>>,
}

impl Offset {
    /// `{"incrementing": n, "timestamp": ms, "timestamp_nanos": ns}` with the parts
    /// that are set.
    pub fn to_map(&self) -> SourceOffset {
        let mut map = SourceOffset::new();
        if let Some(i) = self.incrementing {
            map.insert(INCREMENTING_FIELD.into(), json!(i));
        }
        if let Some(ts) = self.timestamp {
            map.insert(TIMESTAMP_FIELD.into(), json!(ts.timestamp_millis()));
            map.insert(
                TIMESTAMP_NANOS_FIELD.into(),
                json!(i64::from(ts.timestamp_subsec_nanos())),
            );
        }
        map
    }

    /// Reads a committed offset; `timestamp_nanos` (when present) replaces the
    /// sub-second part of `timestamp`, as Java's `Timestamp.setNanos` does.
    pub fn from_map(map: &SourceOffset) -> Result<Offset, JdbcError> {
        let bad = |what: &str| {
            JdbcError::Data(format!(
                "Invalid JDBC source offset {}: bad {what}",
                serde_json::Value::Object(map.clone())
            ))
        };
        let incrementing = match map.get(INCREMENTING_FIELD) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| bad(INCREMENTING_FIELD))?),
        };
        let timestamp = match map.get(TIMESTAMP_FIELD) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => {
                let millis = v.as_i64().ok_or_else(|| bad(TIMESTAMP_FIELD))?;
                let nanos = match map.get(TIMESTAMP_NANOS_FIELD).and_then(|n| n.as_i64()) {
                    Some(n) => u32::try_from(n).map_err(|_| bad(TIMESTAMP_NANOS_FIELD))?,
                    None => u32::try_from(millis.rem_euclid(1000) * 1_000_000).unwrap_or(0),
                };
                Some(
                    DateTime::from_timestamp(millis.div_euclid(1000), nanos)
                        .ok_or_else(|| bad(TIMESTAMP_FIELD))?,
                )
            }
        };
        Ok(Offset {
            incrementing,
            timestamp,
        })
    }
}

/// What a reader reads: a table, or the custom `query`.
#[derive(Debug, Clone)]
enum Origin {
    Table(TableId),
    Query(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Table(table) => write!(f, "table {table}"),
            Origin::Query(_) => f.write_str("the query"),
        }
    }
}

/// How the timestamp bounds of a query are bound, from the timestamp columns' types.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TimestampParam {
    /// `timestamp with time zone`: instants.
    Instant,
    /// MySQL TIMESTAMP under our UTC session: UTC wall clocks.
    UtcWallClock,
    /// Columns without time zone: wall clocks of `db.timezone`.
    ZoneWallClock,
}

/// The columns a mode reads (incrementing, then timestamps in COALESCE order), checked:
/// present in the result, and of a type the offset can hold. Errors name the key.
fn mode_columns(
    settings: &SourceSettings,
    columns: &[SourceColumn],
    origin: &Origin,
) -> Result<(Option<usize>, Vec<usize>), JdbcError> {
    let find = |key: &str, name: &str| {
        columns.iter().position(|c| c.name == name).ok_or_else(|| {
            JdbcError::config(key, format!("Column {name} does not exist in {origin}"))
        })
    };
    let incrementing = match (
        &settings.incrementing_column,
        settings.mode.uses_incrementing(),
    ) {
        (Some(name), true) => {
            let i = find(INCREMENTING_COLUMN_NAME_CONFIG, name)?;
            if !matches!(
                columns[i].kind,
                ColKind::Int8
                    | ColKind::Int16
                    | ColKind::Int32
                    | ColKind::Int64
                    | ColKind::NumericInt { .. }
                    | ColKind::Decimal { scale: 0 }
            ) {
                return Err(JdbcError::config(
                    INCREMENTING_COLUMN_NAME_CONFIG,
                    format!("Column {name} of {origin} is not an integer column"),
                ));
            }
            Some(i)
        }
        _ => None,
    };
    let timestamps = if settings.mode.uses_timestamp() {
        settings
            .timestamp_columns
            .iter()
            .map(|name| find(TIMESTAMP_COLUMN_NAME_CONFIG, name))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    for &i in &timestamps {
        if !matches!(
            columns[i].kind,
            ColKind::Timestamp | ColKind::TimestampUtc | ColKind::TimestampTz | ColKind::Date
        ) {
            return Err(JdbcError::config(
                TIMESTAMP_COLUMN_NAME_CONFIG,
                format!(
                    "Column {} of {origin} is not a timestamp column",
                    columns[i].name
                ),
            ));
        }
    }
    Ok((incrementing, timestamps))
}

/// The columns of the custom query's result; a query that does not run is an error
/// naming `query`, with the database's message.
async fn query_columns(db: &Db, query: &str) -> Result<Vec<ColumnInfo>, JdbcError> {
    match db.query_columns(query).await {
        Ok(columns) if columns.is_empty() => Err(JdbcError::config(
            QUERY_CONFIG,
            "The query returns no columns",
        )),
        Ok(columns) => Ok(columns),
        Err(sqlx::Error::Database(e)) => Err(JdbcError::config(
            QUERY_CONFIG,
            format!("The query failed: {e}"),
        )),
        Err(e) => Err(JdbcError::sql("Failed to describe the query's result", e)),
    }
}

/// Checks the custom query against the mode (connector start and validate).
async fn check_query(db: &Db, settings: &SourceSettings, query: &str) -> Result<(), JdbcError> {
    let columns: Vec<SourceColumn> = query_columns(db, query)
        .await?
        .iter()
        .map(|c| source_column(db.dialect(), c, settings.numeric_mapping))
        .collect();
    mode_columns(settings, &columns, &Origin::Query(query.to_string())).map(|_| ())
}

/// One table (or the query) a task reads.
struct TableReader {
    origin: Origin,
    topic: String,
    partition: SourcePartition,
    columns: Vec<SourceColumn>,
    schema: SchemaRef,
    /// Index of the incrementing column in `columns`.
    incrementing: Option<usize>,
    /// Indexes of the timestamp columns in `columns`, in COALESCE order.
    timestamps: Vec<usize>,
    /// How timestamp bounds are bound.
    timestamp_param: TimestampParam,
    offset: Offset,
    next_poll: Instant,
    /// Rows read but not yet returned (bulk and timestamp modes).
    pending: VecDeque<SourceRecord>,
}

/// Confluent's `JdbcSourceTask`. See the [module docs](self).
#[derive(Default)]
pub struct JdbcSourceTask {
    settings: Option<SourceSettings>,
    db: Option<Db>,
    readers: Vec<TableReader>,
}

impl JdbcSourceTask {
    pub fn new() -> Self {
        Self::default()
    }

    async fn reader(
        db: &Db,
        settings: &SourceSettings,
        context: &SourceTaskContext,
        origin: Origin,
    ) -> Result<TableReader, JdbcError> {
        let (infos, schema_name, topic, partition) = match &origin {
            Origin::Table(id) => {
                let infos = db.columns(id).await.map_err(|e| {
                    JdbcError::sql(format!("Failed to read the columns of table {id}"), e)
                })?;
                if infos.is_empty() {
                    return Err(JdbcError::config(
                        settings.include_key,
                        format!("Table {id} does not exist"),
                    ));
                }
                let mut partition = SourcePartition::new();
                partition.insert(TABLE_NAME_KEY.into(), json!(id.to_string()));
                (
                    infos,
                    Some(id.name.clone()),
                    format!("{}{}", settings.topic_prefix, id.name),
                    partition,
                )
            }
            Origin::Query(query) => {
                let mut partition = SourcePartition::new();
                partition.insert(QUERY_NAME_KEY.into(), json!(QUERY_NAME_VALUE));
                // Confluent: the topic is the prefix alone, the schema has no name.
                (
                    query_columns(db, query).await?,
                    None,
                    settings.topic_prefix.clone(),
                    partition,
                )
            }
        };
        let columns: Vec<SourceColumn> = infos
            .iter()
            .map(|c| source_column(db.dialect(), c, settings.numeric_mapping))
            .collect();
        let mut builder = SchemaBuilder::struct_();
        if let Some(name) = schema_name {
            builder = builder.name(name);
        }
        for c in &columns {
            builder = builder.field(c.name.clone(), c.schema.clone());
        }
        let (incrementing, timestamps) = mode_columns(settings, &columns, &origin)?;
        let kinds: Vec<&ColKind> = timestamps.iter().map(|&i| &columns[i].kind).collect();
        let timestamp_param = if kinds.contains(&&ColKind::TimestampTz) {
            TimestampParam::Instant
        } else if kinds.contains(&&ColKind::TimestampUtc) {
            TimestampParam::UtcWallClock
        } else {
            TimestampParam::ZoneWallClock
        };
        let mut offset = match context.offsets.offset(&partition) {
            Some(stored) => {
                let offset = Offset::from_map(&stored)?;
                tracing::info!(
                    "Resuming {origin} from offset {}",
                    serde_json::Value::Object(stored)
                );
                offset
            }
            None => Offset::default(),
        };
        if settings.mode.uses_timestamp() && offset.timestamp.is_none() {
            offset.timestamp = match settings.timestamp_initial {
                Some(-1) => Some(
                    db.now_utc()
                        .await
                        .map_err(|e| JdbcError::sql("Failed to read the database time", e))?
                        .and_utc(),
                ),
                Some(ms) => DateTime::from_timestamp_millis(ms),
                None => None,
            };
        }
        Ok(TableReader {
            topic,
            origin,
            partition,
            schema: builder.build(),
            columns,
            incrementing,
            timestamps,
            timestamp_param,
            offset,
            next_poll: Instant::now(),
            pending: VecDeque::new(),
        })
    }
}

impl TableReader {
    fn timestamp_expr(&self, dialect: Dialect) -> String {
        let cols: Vec<String> = self
            .timestamps
            .iter()
            .map(|&i| dialect.quote(&self.columns[i].name))
            .map(|quoted| match dialect {
                Dialect::Sqlite => crate::sqlite::timestamp_expr(&quoted),
                _ => quoted,
            })
            .collect();
        if cols.len() == 1 {
            cols[0].clone()
        } else {
            format!("COALESCE({})", cols.join(", "))
        }
    }

    /// A timestamp bound as the timestamp columns compare with it.
    fn ts_param(&self, instant: DateTime<Utc>, zone: &DbZone) -> Param {
        match self.timestamp_param {
            TimestampParam::Instant => Param::TimestampTz(Some(instant)),
            TimestampParam::UtcWallClock => Param::Timestamp(Some(instant.naive_utc())),
            TimestampParam::ZoneWallClock => Param::Timestamp(Some(zone.to_local(instant))),
        }
    }

    /// `SELECT <columns> FROM <table or (query) AS q>`. In bulk mode a query whose
    /// columns need no cast runs as it is, so its own ORDER BY holds (MariaDB ignores
    /// one inside a derived table).
    fn select(&self, d: Dialect, mode: Mode) -> String {
        let select: Vec<&str> = self.columns.iter().map(|c| c.select.as_str()).collect();
        match &self.origin {
            Origin::Table(table) => {
                format!("SELECT {} FROM {}", select.join(", "), table.quoted(d))
            }
            Origin::Query(query)
                if mode == Mode::Bulk
                    && self.columns.iter().all(|c| c.select == d.quote(&c.name)) =>
            {
                query.clone()
            }
            Origin::Query(query) => format!("SELECT {} FROM ({query}) AS q", select.join(", ")),
        }
    }

    /// The query for the next batch and its parameters; `limited` tells whether it
    /// carries a LIMIT (so a full batch means "query again now").
    async fn query(
        &self,
        db: &Db,
        settings: &SourceSettings,
    ) -> Result<(String, Vec<Param>, bool), JdbcError> {
        let d = db.dialect();
        let base = self.select(d, settings.mode);
        let p = |n: usize| d.placeholder(n);
        let limit = settings.batch_max_rows;
        let end = || async {
            db.now_utc()
                .await
                .map(|now| now.and_utc() - settings.timestamp_delay)
                .map_err(|e| JdbcError::sql("Failed to read the database time", e))
        };
        let last_ts = self.offset.timestamp.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let zone = &settings.zone;
        let (sql, params, limited) = match settings.mode {
            Mode::Bulk => (base, Vec::new(), false),
            Mode::Incrementing => {
                let inc = d.quote(&self.columns[self.incrementing.unwrap_or(0)].name);
                (
                    format!(
                        "{base} WHERE {inc} > {} ORDER BY {inc} ASC LIMIT {limit}",
                        p(1)
                    ),
                    vec![Param::Int64(Some(self.offset.incrementing.unwrap_or(-1)))],
                    true,
                )
            }
            Mode::Timestamp => {
                let ts = self.timestamp_expr(d);
                (
                    format!(
                        "{base} WHERE {ts} > {} AND {ts} < {} ORDER BY {ts} ASC",
                        p(1),
                        p(2)
                    ),
                    vec![
                        self.ts_param(last_ts, zone),
                        self.ts_param(end().await?, zone),
                    ],
                    false,
                )
            }
            Mode::TimestampIncrementing => {
                let ts = self.timestamp_expr(d);
                let inc = d.quote(&self.columns[self.incrementing.unwrap_or(0)].name);
                (
                    format!(
                        "{base} WHERE {ts} < {} AND (({ts} = {} AND {inc} > {}) OR {ts} > {}) ORDER BY {ts}, {inc} ASC LIMIT {limit}",
                        p(1),
                        p(2),
                        p(3),
                        p(4)
                    ),
                    vec![
                        self.ts_param(end().await?, zone),
                        self.ts_param(last_ts, zone),
                        Param::Int64(Some(self.offset.incrementing.unwrap_or(-1))),
                        self.ts_param(last_ts, zone),
                    ],
                    true,
                )
            }
        };
        let sql = if settings.query_suffix.is_empty() {
            sql
        } else {
            format!("{sql} {}", settings.query_suffix)
        };
        Ok((sql, params, limited))
    }
    /// Turns a row into a record and advances the offset past it.
    fn record(&mut self, row: Vec<Value>) -> Result<SourceRecord, JdbcError> {
        let mut value = Struct::new(self.schema.clone()).map_err(|e| JdbcError::Data(e.message))?;
        if let Some(i) = self.incrementing {
            let v = row.get(i).and_then(value_as_i64).ok_or_else(|| {
                JdbcError::Data(format!(
                    "Null or non-integer value in incrementing column {} of {}",
                    self.columns[i].name, self.origin
                ))
            })?;
            self.offset.incrementing = Some(v);
        }
        if !self.timestamps.is_empty() {
            let ts = self.timestamps.iter().find_map(|&i| match row.get(i) {
                Some(Value::Timestamp(t)) => Some(*t),
                Some(Value::Date(d)) => d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
                _ => None,
            });
            if let Some(ts) = ts {
                self.offset.timestamp = Some(ts);
            }
        }
        for (col, v) in self.columns.iter().zip(row) {
            value
                .put(&col.name, v)
                .map_err(|e| JdbcError::Data(format!("{}: {}", self.origin, e.message)))?;
        }
        Ok(SourceRecord::new(
            self.partition.clone(),
            self.offset.to_map(),
            self.topic.clone(),
            Some(self.schema.clone()),
            Value::Struct(value),
        ))
    }
}

#[async_trait]
impl SourceTask for JdbcSourceTask {
    async fn start(
        &mut self,
        context: SourceTaskContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let settings = SourceSettings::parse(&props)?;
        let db = Db::connect(&settings.connection).await?;
        let origins: Vec<Origin> = match &settings.query {
            Some(query) => vec![Origin::Query(query.clone())],
            // Started without the connector (tests, embedding): resolve them here.
            None if settings.tables.is_empty() => resolve_tables(&db, &settings)
                .await?
                .iter()
                .map(|t| Origin::Table(TableId::parse(t)))
                .collect(),
            None => settings
                .tables
                .iter()
                .map(|t| Origin::Table(TableId::parse(t)))
                .collect(),
        };
        let mut readers = Vec::with_capacity(origins.len());
        for origin in origins {
            readers.push(Self::reader(&db, &settings, &context, origin).await?);
        }
        tracing::info!(
            "JDBC source task reading {} in {:?} mode (db.timezone {}, numeric.mapping {:?})",
            if settings.query.is_some() {
                "a query".to_string()
            } else {
                format!("{} table(s)", readers.len())
            },
            settings.mode,
            settings.zone,
            settings.numeric_mapping
        );
        self.readers = readers;
        self.db = Some(db);
        self.settings = Some(settings);
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        let (Some(settings), Some(db)) = (self.settings.clone(), self.db.clone()) else {
            return Err(ConnectError::Other(
                "JdbcSourceTask polled before it was started".into(),
            ));
        };
        let max = settings.batch_max_rows;
        // Buffered rows first.
        if let Some(reader) = self.readers.iter_mut().find(|r| !r.pending.is_empty()) {
            let n = reader.pending.len().min(max);
            return Ok(reader.pending.drain(..n).collect());
        }
        let Some(reader) = self.readers.iter_mut().min_by_key(|r| r.next_poll) else {
            tokio::time::sleep(IDLE_WAIT).await;
            return Ok(Vec::new());
        };
        let now = Instant::now();
        if reader.next_poll > now {
            tokio::time::sleep((reader.next_poll - now).min(IDLE_WAIT)).await;
            return Ok(Vec::new());
        }
        let (sql, params, limited) = reader.query(&db, &settings).await?;
        let kinds: Vec<ColKind> = reader.columns.iter().map(|c| c.kind.clone()).collect();
        let rows = db
            .query_values(&sql, &params, &kinds, &settings.zone)
            .await
            .map_err(|e| JdbcError::sql(format!("Failed to query {}", reader.origin), e))?;
        let full = limited && rows.len() >= max;
        reader.next_poll = if full {
            Instant::now()
        } else {
            Instant::now() + settings.poll_interval
        };
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            records.push(reader.record(row)?);
        }
        if records.len() > max {
            reader.pending.extend(records.drain(max..));
        }
        Ok(records)
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        if let Some(db) = self.db.take() {
            db.close().await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_have_confluents_shape_and_round_trip() {
        let ts = DateTime::from_timestamp(1_700_000_000, 123_456_789);
        let offset = Offset {
            incrementing: Some(42),
            timestamp: ts,
        };
        let map = offset.to_map();
        assert_eq!(
            serde_json::Value::Object(map.clone()),
            json!({"incrementing": 42, "timestamp": 1_700_000_000_123i64, "timestamp_nanos": 123_456_789})
        );
        assert_eq!(Offset::from_map(&map).ok(), Some(offset));
        let mut legacy = SourceOffset::new();
        legacy.insert(TIMESTAMP_FIELD.into(), json!(1_700_000_000_123i64));
        let parsed = Offset::from_map(&legacy).ok().and_then(|o| o.timestamp);
        assert_eq!(
            parsed.map(|t| t.timestamp_millis()),
            Some(1_700_000_000_123)
        );
        legacy.insert(INCREMENTING_FIELD.into(), json!("x"));
        assert!(Offset::from_map(&legacy).is_err());
    }

    #[test]
    fn mode_columns_are_required() {
        let props: Props = [
            ("connection.url", "jdbc:postgresql://h/d"),
            ("mode", "incrementing"),
            ("topic.prefix", "db-"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let err = SourceSettings::parse(&props).err();
        assert!(
            matches!(err, Some(ConnectError::Config { ref key, .. }) if key == INCREMENTING_COLUMN_NAME_CONFIG),
            "{err:?}"
        );
    }
}
