//! The JDBC sink: Confluent's `JdbcSinkConnector` / `JdbcSinkTask`. Each record's
//! value (a Struct with its schema) becomes a row of the table `table.name.format`
//! names.
//!
//! # Behaviour (as Confluent's)
//!
//! * `insert.mode`: `insert` (plain INSERT), `upsert` (PostgreSQL `INSERT .. ON
//!   CONFLICT (pk) DO UPDATE`, MariaDB/MySQL `INSERT .. ON DUPLICATE KEY UPDATE`,
//!   SQLite (>= 3.24) `INSERT .. ON CONFLICT (pk) DO UPDATE`) or
//!   `update` (UPDATE .. WHERE pk).
//! * `pk.mode`: `none`; `kafka` (columns `__connect_topic`, `__connect_partition`,
//!   `__connect_offset`, or the three names in `pk.fields`); `record_key` (a primitive
//!   key is the one column `pk.fields` names; a Struct key gives the `pk.fields` fields,
//!   all by default); `record_value` (the `pk.fields` fields of the value, all by
//!   default). `fields.whitelist` limits the value fields written.
//! * `auto.create` creates a missing table from the record schema (keys first, NOT
//!   NULL for required fields, PRIMARY KEY on the key columns); `auto.evolve` adds
//!   missing optional columns (ALTER TABLE ADD COLUMN). Without them a missing table
//!   or column fails the task naming the key to set.
//! * `delete.enabled` (requires `pk.mode=record_key`): a tombstone (null value) deletes
//!   the row with the record's key. Without it tombstones are skipped.
//! * All rows of one `put` are written in one transaction: a failure leaves none of them
//!   and fails the put (the runtime redelivers). With upsert and a key, replays are
//!   idempotent.
//! * A row the database refuses (a constraint, a value out of range): when the
//!   connector's `errors.*` keys give failed records somewhere to go (a dead letter
//!   queue, `errors.log.enable`), the put's records are written one by one and the
//!   refused ones go to the errant record reporter; otherwise the put fails with the
//!   database's message.
//!
//! # Deviations
//!
//! * Consecutive inserts/upserts into one table with the same columns are sent as one
//!   multi-row statement of up to `batch.size` rows (Confluent uses JDBC batches); a
//!   key repeated within a put starts a new statement, so the last record wins.
//! * Records need a Struct value with a schema; schemaless (map) values are rejected.
//! * `db.timezone` (an IANA name, or an offset such as `+02:00`, which Confluent does
//!   not take): on PostgreSQL the session runs in that zone and timestamps are sent
//!   as instants, so a `timestamp` column gets the zone's wall clock and a
//!   `timestamptz` column the instant itself; on MySQL the zone's wall clock is sent
//!   (the session stays UTC, as named zones need the server's zone tables).
//! * On PostgreSQL a multi-row insert/upsert is `INSERT .. SELECT
//!   unnest($1::int8[]), unnest($2::text[]), ..` with one array parameter per column
//!   (far cheaper for the server to parse and plan than thousands of scalar
//!   parameters); MySQL keeps multi-row VALUES. Statements are sent as they are built,
//!   so the database runs one while the next one's records are converted.
//! * SQLite: upsert is `ON CONFLICT .. DO UPDATE`, not Confluent's `INSERT OR REPLACE`
//!   (which deletes the row first: columns the record lacks are lost, delete triggers
//!   and cascades fire). auto.create declares Decimal/Date/Time/Timestamp fields
//!   `DECIMAL(38,s)`/`DATE`/`TIME`/`DATETIME` instead of Confluent's `NUMERIC` (the
//!   same NUMERIC affinity, but the source maps them back to the logical types); they
//!   are written as ISO-8601 text (`2024-01-02 03:04:05.678`, timestamps as
//!   `db.timezone` wall clocks) where Confluent's xerial driver writes epoch
//!   milliseconds. Booleans are 0/1 INTEGERs, as Confluent's.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{
    ConfigInfos, ConnectError, Connector, ConnectorContext, ErrantRecordReporter, Props, Schema,
    SchemaRef, SchemaType, SinkConnector, SinkRecord, SinkTask, SinkTaskContext, Value,
};

use crate::db::{
    ColumnInfo, ConnectionSettings, Db, Dialect, Param, ParamArray, TableId, Write,
    CONNECTION_PASSWORD_CONFIG, CONNECTION_URL_CONFIG, CONNECTION_USER_CONFIG,
};
use crate::error::JdbcError;
use crate::timezone::{self, DbZone};
use crate::types::{sql_type, to_param};
use crate::{list, VERSION};

pub const INSERT_MODE_CONFIG: &str = "insert.mode";
pub const BATCH_SIZE_CONFIG: &str = "batch.size";
pub const DELETE_ENABLED_CONFIG: &str = "delete.enabled";
pub const TABLE_NAME_FORMAT_CONFIG: &str = "table.name.format";
pub const PK_MODE_CONFIG: &str = "pk.mode";
pub const PK_FIELDS_CONFIG: &str = "pk.fields";
pub const FIELDS_WHITELIST_CONFIG: &str = "fields.whitelist";
pub const AUTO_CREATE_CONFIG: &str = "auto.create";
pub const AUTO_EVOLVE_CONFIG: &str = "auto.evolve";
pub const MAX_RETRIES_CONFIG: &str = "max.retries";
pub const RETRY_BACKOFF_MS_CONFIG: &str = "retry.backoff.ms";
pub use crate::timezone::DB_TIMEZONE_CONFIG;

/// The default Kafka-coordinate key columns of `pk.mode=kafka`.
pub const KAFKA_PK_COLUMNS: [&str; 3] =
    ["__connect_topic", "__connect_partition", "__connect_offset"];

/// The connection keys both connectors share.
pub(crate) fn connection_keys(def: ConfigDef) -> ConfigDef {
    def.define(
        ConfigKey::new(CONNECTION_URL_CONFIG, ConfigType::String)
            .importance(Importance::High)
            .group("Connection")
            .doc("JDBC connection URL: jdbc:postgresql://host:port/db, jdbc:mysql://host:port/db or jdbc:mariadb://host:port/db (plain postgres:// and mysql:// URLs work too)."),
    )
    .define(
        ConfigKey::new(CONNECTION_USER_CONFIG, ConfigType::String)
            .default_null()
            .importance(Importance::High)
            .group("Connection")
            .doc("JDBC connection user."),
    )
    .define(
        ConfigKey::new(CONNECTION_PASSWORD_CONFIG, ConfigType::Password)
            .default_null()
            .importance(Importance::High)
            .group("Connection")
            .doc("JDBC connection password."),
    )
}

/// The sink connector's configuration keys, as Confluent's `JdbcSinkConfig`.
pub fn config_def() -> ConfigDef {
    connection_keys(ConfigDef::new())
        .define(
            ConfigKey::new(INSERT_MODE_CONFIG, ConfigType::String)
                .default_value("insert")
                .validator(Validator::case_insensitive_valid_string(&["insert", "upsert", "update"]))
                .importance(Importance::High)
                .group("Writes")
                .doc("The insertion mode to use: insert, upsert or update."),
        )
        .define(
            ConfigKey::new(BATCH_SIZE_CONFIG, ConfigType::Int)
                .default_value(3000)
                .validator(Validator::at_least(0))
                .importance(Importance::Medium)
                .group("Writes")
                .doc("Specifies how many records to attempt to batch together for insertion into the destination table, when possible."),
        )
        .define(
            ConfigKey::new(DELETE_ENABLED_CONFIG, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Medium)
                .group("Writes")
                .doc("Whether to treat null record values as deletes. Requires pk.mode to be record_key."),
        )
        .define(
            ConfigKey::new(TABLE_NAME_FORMAT_CONFIG, ConfigType::String)
                .default_value("${topic}")
                .importance(Importance::Medium)
                .group("Data Mapping")
                .doc("A format string for the destination table name, which may contain '${topic}' as a placeholder for the originating topic name."),
        )
        .define(
            ConfigKey::new(PK_MODE_CONFIG, ConfigType::String)
                .default_value("none")
                .validator(Validator::case_insensitive_valid_string(&[
                    "none",
                    "kafka",
                    "record_key",
                    "record_value",
                ]))
                .importance(Importance::High)
                .group("Data Mapping")
                .doc("The primary key mode: none, kafka, record_key or record_value."),
        )
        .define(
            ConfigKey::new(PK_FIELDS_CONFIG, ConfigType::List)
                .default_value("")
                .importance(Importance::Medium)
                .group("Data Mapping")
                .doc("List of comma-separated primary key field names. The runtime interpretation of this config depends on the pk.mode."),
        )
        .define(
            ConfigKey::new(FIELDS_WHITELIST_CONFIG, ConfigType::List)
                .default_value("")
                .importance(Importance::Medium)
                .group("Data Mapping")
                .doc("List of comma-separated record value field names. If empty, all fields from the record value are utilized."),
        )
        .define(timezone::config_key(
            "Name of the JDBC timezone used in the connector when inserting time-based values: an IANA name (e.g. Europe/Berlin) or an offset (e.g. +02:00). Timestamps are written as this zone's wall clock into columns without time zone.",
        ).group("Data Mapping"))
        .define(
            ConfigKey::new(AUTO_CREATE_CONFIG, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Medium)
                .group("DDL Support")
                .doc("Whether to automatically create the destination table based on record schema if it is found to be missing by issuing CREATE."),
        )
        .define(
            ConfigKey::new(AUTO_EVOLVE_CONFIG, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Medium)
                .group("DDL Support")
                .doc("Whether to automatically add columns in the table schema when found to be missing relative to the record schema by issuing ALTER."),
        )
        .define(
            ConfigKey::new(MAX_RETRIES_CONFIG, ConfigType::Int)
                .default_value(10)
                .validator(Validator::at_least(0))
                .importance(Importance::Medium)
                .group("Retries")
                .doc("Accepted for compatibility; retries are the runtime's (errors.retry.timeout)."),
        )
        .define(
            ConfigKey::new(RETRY_BACKOFF_MS_CONFIG, ConfigType::Int)
                .default_value(3000)
                .validator(Validator::at_least(0))
                .importance(Importance::Medium)
                .group("Retries")
                .doc("Accepted for compatibility; retries are the runtime's (errors.retry.backoff)."),
        )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertMode {
    Insert,
    Upsert,
    Update,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkMode {
    None,
    Kafka,
    RecordKey,
    RecordValue,
}

/// The sink's parsed and cross-checked configuration.
#[derive(Debug, Clone)]
pub struct SinkSettings {
    pub connection: ConnectionSettings,
    pub insert_mode: InsertMode,
    pub pk_mode: PkMode,
    pub pk_fields: Vec<String>,
    pub fields_whitelist: Vec<String>,
    pub table_name_format: String,
    pub auto_create: bool,
    pub auto_evolve: bool,
    pub delete_enabled: bool,
    pub batch_size: usize,
    /// `db.timezone`: timestamps are written as this zone's wall clock.
    pub zone: DbZone,
}

pub(crate) fn connection_settings(parsed: &connect_api::ParsedConfig) -> ConnectionSettings {
    ConnectionSettings {
        url: parsed
            .get_string(CONNECTION_URL_CONFIG)
            .unwrap_or_default()
            .to_string(),
        user: parsed
            .get_string(CONNECTION_USER_CONFIG)
            .map(str::to_string),
        password: parsed
            .get_password(CONNECTION_PASSWORD_CONFIG)
            .map(|p| p.value().to_string()),
    }
}

impl SinkSettings {
    pub fn parse(props: &Props) -> Result<SinkSettings, ConnectError> {
        let parsed = config_def().parse_connector_config(props)?;
        let insert_mode = match parsed
            .get_string(INSERT_MODE_CONFIG)
            .unwrap_or("insert")
            .to_ascii_lowercase()
            .as_str()
        {
            "upsert" => InsertMode::Upsert,
            "update" => InsertMode::Update,
            _ => InsertMode::Insert,
        };
        let pk_mode = match parsed
            .get_string(PK_MODE_CONFIG)
            .unwrap_or("none")
            .to_ascii_lowercase()
            .as_str()
        {
            "kafka" => PkMode::Kafka,
            "record_key" => PkMode::RecordKey,
            "record_value" => PkMode::RecordValue,
            _ => PkMode::None,
        };
        let settings = SinkSettings {
            connection: connection_settings(&parsed),
            insert_mode,
            pk_mode,
            pk_fields: list(&parsed, PK_FIELDS_CONFIG),
            fields_whitelist: list(&parsed, FIELDS_WHITELIST_CONFIG),
            table_name_format: parsed
                .get_string(TABLE_NAME_FORMAT_CONFIG)
                .unwrap_or("${topic}")
                .to_string(),
            auto_create: parsed.get_bool(AUTO_CREATE_CONFIG),
            auto_evolve: parsed.get_bool(AUTO_EVOLVE_CONFIG),
            delete_enabled: parsed.get_bool(DELETE_ENABLED_CONFIG),
            batch_size: usize::try_from(parsed.get_int(BATCH_SIZE_CONFIG))
                .unwrap_or(0)
                .max(1),
            zone: timezone::from_config(&parsed)?,
        };
        if settings.delete_enabled && settings.pk_mode != PkMode::RecordKey {
            return Err(ConnectError::config(
                DELETE_ENABLED_CONFIG,
                "Primary key mode must be 'record_key' when delete support is enabled",
            ));
        }
        if settings.insert_mode != InsertMode::Insert && settings.pk_mode == PkMode::None {
            return Err(ConnectError::config(
                PK_MODE_CONFIG,
                "insert.mode upsert and update need primary key columns: set pk.mode to kafka, record_key or record_value",
            ));
        }
        if settings.pk_mode == PkMode::Kafka
            && !settings.pk_fields.is_empty()
            && settings.pk_fields.len() != 3
        {
            return Err(ConnectError::config(
                PK_FIELDS_CONFIG,
                "pk.mode kafka needs exactly 3 pk.fields (topic, partition and offset column names), or none for the defaults",
            ));
        }
        Ok(settings)
    }
}

/// Connects once to check the URL and credentials (for `start` and `validate`).
pub(crate) async fn check_connection(settings: &ConnectionSettings) -> Result<Db, JdbcError> {
    let db = Db::connect(settings).await?;
    Ok(db)
}

/// Confluent's `JdbcSinkConnector`: checks the config and the connection, then hands
/// out `max_tasks` copies of its config.
#[derive(Debug, Default)]
pub struct JdbcSinkConnector {
    props: Props,
}

impl JdbcSinkConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for JdbcSinkConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    /// The keys' own checks, then the cross-key rules and a connection attempt, whose
    /// errors are reported on the key to fix.
    fn validate(&self, props: &Props) -> ConfigInfos {
        crate::validate_against_database(
            config_def(),
            props,
            SinkSettings::parse,
            |settings| async move {
                check_connection(&settings.connection).await?.close().await;
                Ok(())
            },
        )
    }

    async fn start(
        &mut self,
        _context: ConnectorContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let settings = SinkSettings::parse(&props)?;
        let db = check_connection(&settings.connection).await?;
        db.close().await;
        self.props = props;
        Ok(())
    }

    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        Ok(vec![self.props.clone(); max_tasks])
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl SinkConnector for JdbcSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(JdbcSinkTask::new())
    }
}

/// The table `table.name.format` names for `topic`.
fn table_for(settings: &SinkSettings, topic: &str) -> TableId {
    TableId::parse(&settings.table_name_format.replace("${topic}", topic))
}

/// One column of a row to write: its name, the schema it comes from, its value.
#[derive(Debug, Clone)]
struct Col {
    name: String,
    schema: SchemaRef,
    value: Value,
}

/// A record split into key and non-key columns (Confluent's `FieldsMetadata` plus the
/// values).
#[derive(Debug)]
struct Row {
    table: TableId,
    keys: Vec<Col>,
    /// None for a tombstone.
    values: Option<Vec<Col>>,
}

/// Confluent's `JdbcSinkTask`. See the [module docs](self).
#[derive(Default)]
pub struct JdbcSinkTask {
    settings: Option<SinkSettings>,
    db: Option<Db>,
    /// Known columns of tables written to (lower-cased names), to decide on DDL
    /// without asking the database for every put.
    tables: HashMap<TableId, HashSet<String>>,
    /// (table, key schema, value schema) combinations already checked against the
    /// table: records of one batch share their schemas, so most rows skip the check.
    checked: Vec<(TableId, Option<SchemaRef>, SchemaRef)>,
    /// Where rows the database refuses go, when the connector's `errors.*` keys route
    /// failed records somewhere (Kafka's errant record reporter).
    reporter: Option<Arc<dyn ErrantRecordReporter>>,
}

impl JdbcSinkTask {
    pub fn new() -> Self {
        Self::default()
    }

    fn row(&self, settings: &SinkSettings, record: &SinkRecord) -> Result<Option<Row>, JdbcError> {
        let topic = record.topic();
        let table = table_for(settings, topic);
        let value = &record.record.value;
        let value_struct = match value {
            Value::Null => None,
            Value::Struct(s) => Some(s),
            other => {
                return Err(JdbcError::Data(format!(
                    "JDBC sink needs records with a Struct value and its schema; record at {}-{}@{} has {}",
                    topic,
                    record.kafka_partition(),
                    record.kafka_offset,
                    other.kind_name()
                )))
            }
        };
        if value_struct.is_none() && !settings.delete_enabled {
            tracing::debug!(
                "Skipping tombstone at {topic}@{}: delete.enabled=false",
                record.kafka_offset
            );
            return Ok(None);
        }
        let keys = self.key_columns(settings, record, value_struct)?;
        let values = value_struct.map(|s| {
            s.schema()
                .fields
                .iter()
                .zip(s.values())
                // Keys are few: a scan beats building a set for every record.
                .filter(|(f, _)| !keys.iter().any(|k| k.name == f.name))
                .filter(|(f, _)| {
                    settings.fields_whitelist.is_empty()
                        || settings.fields_whitelist.iter().any(|w| w == &f.name)
                })
                .map(|(f, v)| Col {
                    name: f.name.clone(),
                    schema: f.schema.clone(),
                    // A null field with a default takes the default (Kafka's `get`).
                    value: match (v, &f.schema.default) {
                        (Value::Null, Some(d)) => d.clone(),
                        _ => v.clone(),
                    },
                })
                .collect::<Vec<_>>()
        });
        Ok(Some(Row {
            table,
            keys,
            values,
        }))
    }

    /// Creates or widens the tables `records` go to (`auto.create`, `auto.evolve`),
    /// once per (table, key schema, value schema) this put has not seen yet.
    async fn prepare_tables(
        &mut self,
        db: &Db,
        settings: &SinkSettings,
        records: &[SinkRecord],
    ) -> Result<(), JdbcError> {
        let mut last: Option<(&str, TableId)> = None;
        for record in records {
            let (Some(value_schema), Value::Struct(_)) =
                (&record.record.value_schema, &record.record.value)
            else {
                continue;
            };
            let topic = record.topic();
            let table = match &last {
                Some((t, table)) if *t == topic => table.clone(),
                _ => {
                    let table = table_for(settings, topic);
                    last = Some((topic, table.clone()));
                    table
                }
            };
            let key_schema = &record.record.key_schema;
            let known = self.checked.iter().any(|(t, k, v)| {
                // Same Arc (one producer) or an equal schema (converters parse one
                // per record).
                t == &table
                    && (Arc::ptr_eq(v, value_schema) || v == value_schema)
                    && match (k, key_schema) {
                        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                        (None, None) => true,
                        _ => false,
                    }
            });
            if known {
                continue;
            }
            if let Some(row) = self.row(settings, record)? {
                self.ensure_table(db, settings, &row).await?;
            }
            self.checked
                .push((table, key_schema.clone(), value_schema.clone()));
        }
        Ok(())
    }

    fn key_columns(
        &self,
        settings: &SinkSettings,
        record: &SinkRecord,
        value: Option<&connect_api::Struct>,
    ) -> Result<Vec<Col>, JdbcError> {
        let pk = &settings.pk_fields;
        match settings.pk_mode {
            PkMode::None => Ok(Vec::new()),
            PkMode::Kafka => {
                let names: Vec<String> = if pk.is_empty() {
                    KAFKA_PK_COLUMNS.iter().map(|s| s.to_string()).collect()
                } else {
                    pk.clone()
                };
                let schemas = [Schema::string(), Schema::int32(), Schema::int64()];
                let values = [
                    Value::String(record.topic().to_string()),
                    Value::Int32(record.kafka_partition()),
                    Value::Int64(record.kafka_offset),
                ];
                Ok(names
                    .into_iter()
                    .zip(schemas)
                    .zip(values)
                    .map(|((name, schema), value)| Col {
                        name,
                        schema,
                        value,
                    })
                    .collect())
            }
            PkMode::RecordKey => {
                let schema = record.record.key_schema.clone().ok_or_else(|| {
                    JdbcError::Data(format!(
                        "pk.mode record_key needs records with a key schema (record at {}@{})",
                        record.topic(),
                        record.kafka_offset
                    ))
                })?;
                if schema.schema_type == SchemaType::Struct {
                    let Value::Struct(key) = &record.record.key else {
                        return Err(JdbcError::Data(format!(
                            "Record at {}@{} has a null or non-Struct key but pk.mode is record_key",
                            record.topic(),
                            record.kafka_offset
                        )));
                    };
                    let fields: Vec<&connect_api::Field> = if pk.is_empty() {
                        schema.fields.iter().collect()
                    } else {
                        pk.iter()
                            .map(|name| {
                                schema.field(name).ok_or_else(|| {
                                    JdbcError::config(
                                        PK_FIELDS_CONFIG,
                                        format!(
                                            "PK field '{name}' is not in the record key schema"
                                        ),
                                    )
                                })
                            })
                            .collect::<Result<_, _>>()?
                    };
                    Ok(fields
                        .into_iter()
                        .map(|f| Col {
                            name: f.name.clone(),
                            schema: f.schema.clone(),
                            value: key.get(&f.name).cloned().unwrap_or(Value::Null),
                        })
                        .collect())
                } else {
                    if pk.len() != 1 {
                        return Err(JdbcError::config(
                            PK_FIELDS_CONFIG,
                            format!(
                                "Need exactly one PK column defined since the key schema for records is a primitive type, defined columns are: {}",
                                pk.join(",")
                            ),
                        ));
                    }
                    Ok(vec![Col {
                        name: pk[0].clone(),
                        schema,
                        value: record.record.key.clone(),
                    }])
                }
            }
            PkMode::RecordValue => {
                let Some(value) = value else {
                    return Ok(Vec::new());
                };
                let schema = value.schema();
                let names: Vec<String> = if pk.is_empty() {
                    schema.fields.iter().map(|f| f.name.clone()).collect()
                } else {
                    pk.clone()
                };
                names
                    .into_iter()
                    .map(|name| {
                        let field = schema.field(&name).ok_or_else(|| {
                            JdbcError::config(
                                PK_FIELDS_CONFIG,
                                format!("PK field '{name}' is not in the record value schema"),
                            )
                        })?;
                        Ok(Col {
                            value: value.get(&name).cloned().unwrap_or(Value::Null),
                            schema: field.schema.clone(),
                            name,
                        })
                    })
                    .collect()
            }
        }
    }

    /// Creates or widens `row`'s table as `auto.create` / `auto.evolve` allow, or fails
    /// naming the key that would.
    async fn ensure_table(
        &mut self,
        db: &Db,
        settings: &SinkSettings,
        row: &Row,
    ) -> Result<(), JdbcError> {
        let dialect = db.dialect();
        let wanted: Vec<&Col> = row.keys.iter().chain(row.values.iter().flatten()).collect();
        if let Some(known) = self.tables.get(&row.table) {
            if wanted
                .iter()
                .all(|c| known.contains(&c.name.to_lowercase()))
            {
                return Ok(());
            }
        }
        let columns = db.columns(&row.table).await.map_err(|e| {
            JdbcError::sql(
                format!("Failed to read the columns of table {}", row.table),
                e,
            )
        })?;
        if columns.is_empty() {
            if !settings.auto_create {
                return Err(JdbcError::config(
                    AUTO_CREATE_CONFIG,
                    format!(
                        "Table {} is missing and auto-creation is disabled",
                        row.table
                    ),
                ));
            }
            let ddl = create_table_sql(
                dialect,
                &row.table,
                &row.keys,
                row.values.as_deref().unwrap_or(&[]),
            )?;
            tracing::info!("Creating table {} with SQL: {ddl}", row.table);
            db.execute(&ddl)
                .await
                .map_err(|e| JdbcError::sql(format!("Failed to create table {}", row.table), e))?;
        } else {
            let known: HashSet<String> = columns
                .iter()
                .map(|c: &ColumnInfo| c.name.to_lowercase())
                .collect();
            let missing: Vec<&&Col> = wanted
                .iter()
                .filter(|c| !known.contains(&c.name.to_lowercase()))
                .collect();
            if !missing.is_empty() {
                let names: Vec<&str> = missing.iter().map(|c| c.name.as_str()).collect();
                if !settings.auto_evolve {
                    return Err(JdbcError::config(
                        AUTO_EVOLVE_CONFIG,
                        format!(
                            "Table {} is missing fields ({}) and auto-evolution is disabled",
                            row.table,
                            names.join(", ")
                        ),
                    ));
                }
                for col in missing {
                    if !col.schema.optional && col.schema.default.is_none() {
                        return Err(JdbcError::Data(format!(
                            "Cannot ALTER TABLE {} to add missing field {}, as the field is not optional and does not have a default value",
                            row.table, col.name
                        )));
                    }
                    let ddl = format!(
                        "ALTER TABLE {} ADD {} {} NULL",
                        row.table.quoted(dialect),
                        dialect.quote(&col.name),
                        sql_type(dialect, &col.schema, false)?
                    );
                    tracing::info!("Amending table {} with SQL: {ddl}", row.table);
                    db.execute(&ddl).await.map_err(|e| {
                        JdbcError::sql(format!("Failed to alter table {}", row.table), e)
                    })?;
                }
            }
        }
        let columns = db.columns(&row.table).await.map_err(|e| {
            JdbcError::sql(
                format!("Failed to read the columns of table {}", row.table),
                e,
            )
        })?;
        self.tables.insert(
            row.table.clone(),
            columns.iter().map(|c| c.name.to_lowercase()).collect(),
        );
        Ok(())
    }
}

fn create_table_sql(
    dialect: Dialect,
    table: &TableId,
    keys: &[Col],
    values: &[Col],
) -> Result<String, JdbcError> {
    let mut parts = Vec::new();
    for col in keys {
        parts.push(format!(
            "{} {} NOT NULL",
            dialect.quote(&col.name),
            sql_type(dialect, &col.schema, true)?
        ));
    }
    for col in values {
        parts.push(format!(
            "{} {} {}",
            dialect.quote(&col.name),
            sql_type(dialect, &col.schema, false)?,
            if col.schema.optional {
                "NULL"
            } else {
                "NOT NULL"
            }
        ));
    }
    if !keys.is_empty() {
        let names: Vec<String> = keys.iter().map(|c| dialect.quote(&c.name)).collect();
        parts.push(format!("PRIMARY KEY({})", names.join(", ")));
    }
    Ok(format!(
        "CREATE TABLE IF NOT EXISTS {} (\n{})",
        table.quoted(dialect),
        parts.join(",\n")
    ))
}

fn params(dialect: Dialect, cols: &[&Col], zone: &DbZone) -> Result<Vec<Param>, JdbcError> {
    cols.iter()
        .map(|c| {
            to_param(dialect, &c.schema, c.value.clone(), zone)
                .map_err(|e| JdbcError::Data(format!("Field '{}': {e}", c.name)))
        })
        .collect()
}

/// As [`params`], moving the values (no copy of text or bytes).
fn owned_params(
    dialect: Dialect,
    cols: impl Iterator<Item = Col>,
    zone: &DbZone,
) -> Result<Vec<Param>, JdbcError> {
    cols.map(|c| {
        to_param(dialect, &c.schema, c.value, zone)
            .map_err(|e| JdbcError::Data(format!("Field '{}': {e}", c.name)))
    })
    .collect()
}

/// The statement (and its parameters) that writes `row`; None when there is nothing to
/// write (an update of a row without non-key columns).
fn statement(
    dialect: Dialect,
    mode: InsertMode,
    row: &Row,
    zone: &DbZone,
) -> Result<Option<(String, Vec<Param>)>, JdbcError> {
    let table = row.table.quoted(dialect);
    let q = |c: &Col| dialect.quote(&c.name);
    let Some(values) = &row.values else {
        let conds: Vec<String> = row
            .keys
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = {}", q(c), dialect.placeholder(i + 1)))
            .collect();
        let keys: Vec<&Col> = row.keys.iter().collect();
        return Ok(Some((
            format!("DELETE FROM {table} WHERE {}", conds.join(" AND ")),
            params(dialect, &keys, zone)?,
        )));
    };
    if let Some(parts) = insert_parts(dialect, mode, row) {
        let marks: Vec<String> = (1..=parts.width).map(|i| dialect.placeholder(i)).collect();
        let sql = format!("{}({}){}", parts.head, marks.join(", "), parts.tail);
        let all: Vec<&Col> = row.keys.iter().chain(values.iter()).collect();
        return Ok(Some((sql, params(dialect, &all, zone)?)));
    }
    match mode {
        InsertMode::Insert | InsertMode::Upsert => Ok(None),
        InsertMode::Update => {
            if values.is_empty() {
                return Ok(None);
            }
            let ordered: Vec<&Col> = values.iter().chain(row.keys.iter()).collect();
            let sets: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{} = {}", q(c), dialect.placeholder(i + 1)))
                .collect();
            let conds: Vec<String> = row
                .keys
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{} = {}", q(c), dialect.placeholder(values.len() + i + 1)))
                .collect();
            Ok(Some((
                format!(
                    "UPDATE {table} SET {} WHERE {}",
                    sets.join(", "),
                    conds.join(" AND ")
                ),
                params(dialect, &ordered, zone)?,
            )))
        }
    }
}

/// The shape of an INSERT (or upsert) of `row`: `head` + one `(..)` group of `width`
/// placeholders per row + `tail`. Rows of the same shape can share one multi-row
/// statement. None for updates and deletes.
#[derive(Debug, Clone, PartialEq)]
struct InsertParts {
    /// `INSERT INTO t (a, b) ` (the rows follow as VALUES or a SELECT).
    into: String,
    head: String,
    tail: String,
    width: usize,
}

fn insert_parts(dialect: Dialect, mode: InsertMode, row: &Row) -> Option<InsertParts> {
    let values = row.values.as_ref()?;
    let q = |c: &Col| dialect.quote(&c.name);
    let all: Vec<&Col> = row.keys.iter().chain(values.iter()).collect();
    let names: Vec<String> = all.iter().map(|c| q(c)).collect();
    let into = format!(
        "INSERT INTO {} ({}) ",
        row.table.quoted(dialect),
        names.join(", ")
    );
    let head = format!("{into}VALUES ");
    let tail = match (mode, dialect) {
        (InsertMode::Update, _) => return None,
        (InsertMode::Insert, _) => String::new(),
        // SQLite >= 3.24 has PostgreSQL's syntax. Confluent's INSERT OR REPLACE would
        // delete the row first, dropping columns the record does not carry and firing
        // delete triggers and cascades.
        (InsertMode::Upsert, Dialect::Postgres | Dialect::Sqlite) => {
            let keys: Vec<String> = row.keys.iter().map(q).collect();
            if values.is_empty() {
                format!(" ON CONFLICT ({}) DO NOTHING", keys.join(", "))
            } else {
                let sets: Vec<String> = values
                    .iter()
                    .map(|c| format!("{0}=EXCLUDED.{0}", q(c)))
                    .collect();
                format!(
                    " ON CONFLICT ({}) DO UPDATE SET {}",
                    keys.join(", "),
                    sets.join(", ")
                )
            }
        }
        (InsertMode::Upsert, Dialect::MySql) => {
            let updated: Vec<&Col> = if values.is_empty() {
                row.keys.iter().collect()
            } else {
                values.iter().collect()
            };
            let sets: Vec<String> = updated
                .iter()
                .map(|c| format!("{0}=VALUES({0})", q(c)))
                .collect();
            format!(" ON DUPLICATE KEY UPDATE {}", sets.join(", "))
        }
    };
    Some(InsertParts {
        into,
        head,
        tail,
        width: all.len(),
    })
}

/// How many statements a put may build ahead of the one the database is running:
/// enough to keep it busy, few enough to bound the memory held in parameters.
const WRITE_AHEAD: usize = 8;

/// Consecutive inserts/upserts of one shape, written as one multi-row statement.
struct MultiRow {
    parts: Arc<InsertParts>,
    rows: Vec<Vec<Param>>,
    /// A hash of each row's key: PostgreSQL refuses an upsert that touches a row twice,
    /// so a repeated key starts a new statement (which then sees the earlier one's
    /// result). Two keys with one hash only split a statement needlessly.
    keys: HashSet<u64>,
}

impl MultiRow {
    fn render(self, dialect: Dialect) -> Result<(String, Vec<Param>), JdbcError> {
        if dialect == Dialect::Postgres && self.rows.len() > 1 {
            return self.render_unnest();
        }
        Ok(self.render_values(dialect))
    }

    /// `INSERT .. VALUES (..), (..)`: one placeholder per value.
    fn render_values(self, dialect: Dialect) -> (String, Vec<Param>) {
        use std::fmt::Write;
        let width = self.parts.width;
        let mut sql = String::with_capacity(
            self.parts.head.len() + self.parts.tail.len() + self.rows.len() * width * 8,
        );
        sql.push_str(&self.parts.head);
        for r in 0..self.rows.len() {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 1..=width {
                if c > 1 {
                    sql.push_str(", ");
                }
                match dialect {
                    Dialect::Postgres => {
                        let _ = write!(sql, "${}", r * width + c);
                    }
                    Dialect::MySql | Dialect::Sqlite => sql.push('?'),
                }
            }
            sql.push(')');
        }
        sql.push_str(&self.parts.tail);
        (sql, self.rows.into_iter().flatten().collect())
    }

    /// PostgreSQL: `INSERT .. SELECT unnest($1::int8[]), unnest($2::text[]), ..`, one
    /// array parameter per column. The server parses and plans a statement of a few
    /// parameters instead of one with thousands, which is most of a batch's cost.
    /// Falls back to VALUES when a column's values do not share one type.
    fn render_unnest(self) -> Result<(String, Vec<Param>), JdbcError> {
        let width = self.parts.width;
        let mismatched = |c: usize| {
            let first = self.rows.first().and_then(|r| r.get(c));
            self.rows
                .iter()
                .any(|r| r.get(c).map(std::mem::discriminant) != first.map(std::mem::discriminant))
                || matches!(first, Some(Param::Int8(_) | Param::Array(_)))
        };
        if self.rows.iter().any(|r| r.len() != width) || (0..width).any(mismatched) {
            return Ok(self.render_values(Dialect::Postgres));
        }
        let mut columns: Vec<Vec<Param>> = (0..width)
            .map(|_| Vec::with_capacity(self.rows.len()))
            .collect();
        for row in self.rows {
            for (column, value) in columns.iter_mut().zip(row) {
                column.push(value);
            }
        }
        let arrays = columns
            .into_iter()
            .map(ParamArray::of_column)
            .collect::<Option<Vec<_>>>()
            // Checked above: every column's values share one array type.
            .ok_or_else(|| JdbcError::Data("mixed parameter types in one column".into()))?;
        // unnest() in the select list runs the arrays in lockstep like UNNEST(a, b)
        // in FROM, without materialising each one first (measured ~7% faster).
        let columns: Vec<String> = arrays
            .iter()
            .enumerate()
            .map(|(i, a)| format!("unnest(${}::{})", i + 1, a.sql_type()))
            .collect();
        let sql = format!(
            "{}SELECT {}{}",
            self.parts.into,
            columns.join(", "),
            self.parts.tail
        );
        Ok((sql, arrays.into_iter().map(Param::Array).collect()))
    }
}

/// Statements in record order, consecutive same-shape inserts/upserts merged into
/// multi-row statements of up to `batch_size` rows.
struct Batcher {
    /// `db.timezone`, for timestamp parameters.
    zone: DbZone,
    done: Vec<(String, Vec<Param>)>,
    open: Option<MultiRow>,
    /// The shape (table, key count, column names) of the last row and its parts:
    /// consecutive rows mostly share it, and building the SQL text per row is costly.
    last_shape: Option<(TableId, usize, Vec<String>, Arc<InsertParts>)>,
}

/// A hash of a row's key, to spot a key repeated within one statement.
fn key_hash(params: &[Param]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in params {
        std::mem::discriminant(p).hash(&mut h);
        match p {
            Param::Int8(v) => v.hash(&mut h),
            Param::Int16(v) => v.hash(&mut h),
            Param::Int32(v) => v.hash(&mut h),
            Param::Int64(v) => v.hash(&mut h),
            Param::Float32(v) => v.map(f32::to_bits).hash(&mut h),
            Param::Float64(v) => v.map(f64::to_bits).hash(&mut h),
            Param::Bool(v) => v.hash(&mut h),
            Param::Text(v) => v.hash(&mut h),
            Param::Bytes(v) => v.hash(&mut h),
            Param::Decimal(v) => v.hash(&mut h),
            Param::Date(v) => v.hash(&mut h),
            Param::Time(v) => v.hash(&mut h),
            Param::Timestamp(v) => v.hash(&mut h),
            Param::TimestampTz(v) => v.hash(&mut h),
            Param::Array(_) => {}
        }
    }
    h.finish()
}

impl Batcher {
    fn new(zone: DbZone) -> Batcher {
        Batcher {
            zone,
            done: Vec::new(),
            open: None,
            last_shape: None,
        }
    }

    fn flush(&mut self, dialect: Dialect) -> Result<(), JdbcError> {
        if let Some(multi) = self.open.take() {
            self.done.push(multi.render(dialect)?);
        }
        Ok(())
    }

    fn add(
        &mut self,
        dialect: Dialect,
        mode: InsertMode,
        row: Row,
        batch_size: usize,
    ) -> Result<(), JdbcError> {
        let same_shape = row.values.as_ref().and_then(|values| {
            let (table, nkeys, names, parts) = self.last_shape.as_ref()?;
            let all = row.keys.iter().chain(values.iter());
            (mode != InsertMode::Update
                && table == &row.table
                && *nkeys == row.keys.len()
                && names.len() == row.keys.len() + values.len()
                && all.zip(names.iter()).all(|(c, n)| &c.name == n))
            .then(|| parts.clone())
        });
        let parts = match same_shape {
            Some(parts) => parts,
            None => {
                let Some(parts) = insert_parts(dialect, mode, &row) else {
                    self.flush(dialect)?;
                    if let Some(stmt) = statement(dialect, mode, &row, &self.zone)? {
                        self.done.push(stmt);
                    }
                    return Ok(());
                };
                let names = row
                    .keys
                    .iter()
                    .chain(row.values.iter().flatten())
                    .map(|c| c.name.clone())
                    .collect();
                let parts = Arc::new(parts);
                self.last_shape = Some((row.table.clone(), row.keys.len(), names, parts.clone()));
                parts
            }
        };
        let nkeys = row.keys.len();
        let all = row.keys.into_iter().chain(row.values.unwrap_or_default());
        let row_params = owned_params(dialect, all, &self.zone)?;
        // Only PostgreSQL rejects an upsert touching one row twice; MySQL applies the
        // rows in order, so there the last record wins within one statement too.
        let key = (dialect == Dialect::Postgres && mode == InsertMode::Upsert)
            .then(|| key_hash(&row_params[..nkeys]));
        let fits = self.open.as_ref().is_some_and(|m| {
            (Arc::ptr_eq(&m.parts, &parts) || m.parts == parts)
                && m.rows.len() < batch_size
                && (m.rows.len() + 1) * parts.width <= dialect.max_params()
                && key.is_none_or(|k| !m.keys.contains(&k))
        });
        if !fits {
            self.flush(dialect)?;
            self.open = Some(MultiRow {
                parts,
                rows: Vec::new(),
                keys: HashSet::new(),
            });
        }
        if let Some(m) = self.open.as_mut() {
            m.rows.push(row_params);
            if let Some(k) = key {
                m.keys.insert(k);
            }
        }
        Ok(())
    }

    /// The statements complete so far.
    fn take_done(&mut self) -> Vec<(String, Vec<Param>)> {
        std::mem::take(&mut self.done)
    }

    fn finish(mut self, dialect: Dialect) -> Result<Vec<(String, Vec<Param>)>, JdbcError> {
        self.flush(dialect)?;
        Ok(self.done)
    }
}

#[async_trait]
impl SinkTask for JdbcSinkTask {
    async fn start(&mut self, context: SinkTaskContext, props: Props) -> Result<(), ConnectError> {
        self.reporter = context.errant_record_reporter.clone();
        let settings = SinkSettings::parse(&props)?;
        let db = Db::connect_in_zone(&settings.connection, &settings.zone).await?;
        tracing::info!(
            "JDBC sink task writing to a {} database (db.timezone {})",
            db.dialect().name(),
            settings.zone
        );
        self.db = Some(db);
        self.settings = Some(settings);
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        // Tables may have changed since the last put (another writer, a failed DDL).
        self.checked.clear();
        if records.is_empty() {
            return Ok(());
        }
        let (Some(settings), Some(db)) = (self.settings.clone(), self.db.clone()) else {
            return Err(ConnectError::Other(
                "JdbcSinkTask received records before it was started".into(),
            ));
        };
        let dialect = db.dialect();
        // DDL first: an ALTER TABLE would wait forever for the lock of the write
        // transaction below, which waits for this put to finish.
        self.prepare_tables(&db, &settings, &records).await?;
        // Then the writes: statements go to the database as they are built, so the
        // database executes one while the next one's rows are converted.
        let (sender, receiver) = tokio::sync::mpsc::channel(WRITE_AHEAD);
        let this = &*self;
        let all = &records;
        let batch_settings = settings.clone();
        let produce = async move {
            let settings = batch_settings;
            let mut batcher = Batcher::new(settings.zone);
            let mut rows = 0;
            for record in all {
                let Some(row) = this.row(&settings, record)? else {
                    continue;
                };
                batcher.add(dialect, settings.insert_mode, row, settings.batch_size)?;
                rows += 1;
                for statement in batcher.take_done() {
                    if sender.send(Write::Statement(statement)).await.is_err() {
                        // The writer failed: its error is the one to report.
                        return Ok(rows);
                    }
                }
            }
            for statement in batcher.finish(dialect)? {
                if sender.send(Write::Statement(statement)).await.is_err() {
                    return Ok(rows);
                }
            }
            // Only an explicit commit commits: a conversion error above drops the
            // sender instead, and the writer rolls back.
            let _ = sender.send(Write::Commit).await;
            Ok::<usize, JdbcError>(rows)
        };
        let (produced, written) = tokio::join!(produce, db.execute_streamed(receiver));
        let rows = produced?;
        let error = match written {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        // The database refused a row (a constraint, a value out of range) and failed
        // records have somewhere to go: write the records one by one, each in its own
        // transaction, and report the ones refused, as Confluent's sink does. Anything
        // else (connection lost) fails the put: the batch is retried or the task fails.
        let Some(reporter) = self.reporter.clone().filter(|_| is_refused_row(&error)) else {
            return Err(JdbcError::sql(format!("Failed to write {rows} records"), error).into());
        };
        tracing::warn!(
            "the database refused a batch of {rows} records ({error}); writing them one by one to report the refused ones"
        );
        for record in &records {
            let Some(row) = self.row(&settings, record)? else {
                continue;
            };
            let mut one = Batcher::new(settings.zone);
            one.add(dialect, settings.insert_mode, row, 1)?;
            if let Err(e) = db.execute_in_transaction(one.finish(dialect)?).await {
                if !is_refused_row(&e) {
                    return Err(JdbcError::sql("Failed to write a record".to_string(), e).into());
                }
                let why = ConnectError::Other(format!(
                    "the database refused the record of {}-{} at offset {}: {e}",
                    record.topic(),
                    record.record.kafka_partition.unwrap_or(-1),
                    record.kafka_offset
                ));
                reporter.report(record, &why).await?;
            }
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        if let Some(db) = self.db.take() {
            db.close().await;
        }
        Ok(())
    }
}

/// Whether the database refused a row for what it holds (a constraint, a type or range
/// error), as opposed to the connection failing: only those rows can be reported and
/// skipped.
fn is_refused_row(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(_))
}

#[cfg(test)]
mod tests {
    use connect_api::{SchemaBuilder, Struct};

    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn cross_key_rules_name_the_key() {
        let base = [(CONNECTION_URL_CONFIG, "jdbc:postgresql://h/d")];
        let mut p = props(&base);
        p.insert(DELETE_ENABLED_CONFIG.into(), "true".into());
        let err = SinkSettings::parse(&p).err();
        assert!(
            matches!(err, Some(ConnectError::Config { ref key, .. }) if key == DELETE_ENABLED_CONFIG),
            "{err:?}"
        );
        let mut p = props(&base);
        p.insert(INSERT_MODE_CONFIG.into(), "upsert".into());
        let err = SinkSettings::parse(&p).err();
        assert!(
            matches!(err, Some(ConnectError::Config { ref key, .. }) if key == PK_MODE_CONFIG),
            "{err:?}"
        );
        let mut p = props(&base);
        p.insert(INSERT_MODE_CONFIG.into(), "sideways".into());
        let err = SinkSettings::parse(&p).err();
        assert!(
            matches!(err, Some(ConnectError::Config { ref key, .. }) if key == INSERT_MODE_CONFIG),
            "{err:?}"
        );
        assert!(SinkSettings::parse(&props(&[])).is_err());
    }

    #[test]
    fn kafka_keys_and_fields_whitelist_pick_the_columns() {
        let settings = SinkSettings::parse(&props(&[
            (CONNECTION_URL_CONFIG, "jdbc:postgresql://h/d"),
            (PK_MODE_CONFIG, "kafka"),
            (FIELDS_WHITELIST_CONFIG, "name"),
            (TABLE_NAME_FORMAT_CONFIG, "kafka_${topic}"),
        ]))
        .expect("settings");
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("name", Schema::string())
            .field("secret", Schema::string())
            .build();
        let value = Struct::new(schema)
            .and_then(|s| s.with("id", 1i64))
            .and_then(|s| s.with("name", "n"))
            .and_then(|s| s.with("secret", "s"))
            .expect("struct");
        let record = SinkRecord {
            record: connect_api::Record {
                topic: "orders".into(),
                kafka_partition: Some(3),
                value: Value::Struct(value),
                ..Default::default()
            },
            kafka_offset: 42,
            ..SinkRecord::default()
        };
        let row = JdbcSinkTask::new()
            .row(&settings, &record)
            .expect("row")
            .expect("not a tombstone");
        assert_eq!(row.table, TableId::parse("kafka_orders"));
        let keys: Vec<(&str, &Value)> = row
            .keys
            .iter()
            .map(|c| (c.name.as_str(), &c.value))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("__connect_topic", &Value::from("orders")),
                ("__connect_partition", &Value::Int32(3)),
                ("__connect_offset", &Value::Int64(42)),
            ]
        );
        let values: Vec<&str> = row
            .values
            .iter()
            .flatten()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(values, vec!["name"]);
    }

    #[test]
    fn same_shape_rows_share_a_statement_until_a_key_repeats() {
        let row = |id: i64, name: &str| Row {
            table: TableId::parse("t"),
            keys: vec![Col {
                name: "id".into(),
                schema: Schema::int64(),
                value: Value::Int64(id),
            }],
            values: Some(vec![Col {
                name: "name".into(),
                schema: Schema::string(),
                value: Value::from(name),
            }]),
        };
        let mut b = Batcher::new(DbZone::default());
        for (id, name) in [(1, "a"), (2, "b"), (1, "c"), (3, "d"), (4, "e")] {
            b.add(Dialect::Postgres, InsertMode::Upsert, row(id, name), 3)
                .expect("add");
        }
        let tombstone = Row {
            values: None,
            ..row(2, "")
        };
        b.add(Dialect::Postgres, InsertMode::Upsert, tombstone, 3)
            .expect("delete");
        let stmts = b.finish(Dialect::Postgres).expect("statements");
        let sqls: Vec<&str> = stmts.iter().map(|s| s.0.as_str()).collect();
        let upsert = " ON CONFLICT (\"id\") DO UPDATE SET \"name\"=EXCLUDED.\"name\"";
        let unnest =
            "INSERT INTO \"t\" (\"id\", \"name\") SELECT unnest($1::int8[]), unnest($2::text[])";
        assert_eq!(
            sqls,
            vec![
                format!("{unnest}{upsert}"),
                format!("{unnest}{upsert}"),
                "DELETE FROM \"t\" WHERE \"id\" = $1".to_string(),
            ]
        );
        // One array per column, the rows in order.
        assert_eq!(
            stmts[1].1,
            vec![
                Param::Array(ParamArray::Int64(vec![Some(1), Some(3), Some(4)])),
                Param::Array(ParamArray::Text(vec![
                    Some("c".into()),
                    Some("d".into()),
                    Some("e".into())
                ])),
            ]
        );

        // MySQL keeps multi-row VALUES (and applies a repeated key in order).
        let mut b = Batcher::new(DbZone::default());
        for (id, name) in [(1, "a"), (2, "b"), (1, "c")] {
            b.add(Dialect::MySql, InsertMode::Upsert, row(id, name), 3)
                .expect("add");
        }
        let stmts = b.finish(Dialect::MySql).expect("statements");
        assert_eq!(stmts.len(), 1);
        assert!(
            stmts[0]
                .0
                .contains("VALUES (?, ?), (?, ?), (?, ?) ON DUPLICATE KEY"),
            "{}",
            stmts[0].0
        );
        assert_eq!(stmts[0].1.len(), 6);
    }

    /// Rows of one shape whose schemas give a column two types cannot share an array:
    /// the statement falls back to VALUES. One row needs no array either.
    #[test]
    fn unnest_falls_back_to_values_when_a_column_mixes_types() {
        let row = |value: Value, schema: SchemaRef| Row {
            table: TableId::parse("t"),
            keys: Vec::new(),
            values: Some(vec![Col {
                name: "n".into(),
                schema,
                value,
            }]),
        };
        let mut b = Batcher::new(DbZone::default());
        b.add(
            Dialect::Postgres,
            InsertMode::Insert,
            row(Value::Int64(1), Schema::int64()),
            10,
        )
        .expect("add");
        b.add(
            Dialect::Postgres,
            InsertMode::Insert,
            row(Value::Int32(2), Schema::int32()),
            10,
        )
        .expect("add");
        let stmts = b.finish(Dialect::Postgres).expect("statements");
        assert_eq!(stmts.len(), 1);
        assert_eq!(stmts[0].0, "INSERT INTO \"t\" (\"n\") VALUES ($1), ($2)");
        assert_eq!(
            stmts[0].1,
            vec![Param::Int64(Some(1)), Param::Int32(Some(2))]
        );

        let mut b = Batcher::new(DbZone::default());
        b.add(
            Dialect::Postgres,
            InsertMode::Insert,
            row(Value::Int64(1), Schema::int64()),
            10,
        )
        .expect("add");
        let stmts = b.finish(Dialect::Postgres).expect("statements");
        assert_eq!(stmts[0].0, "INSERT INTO \"t\" (\"n\") VALUES ($1)");
    }

    #[test]
    fn upsert_statements_per_dialect() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("name", Schema::optional_string())
            .build();
        let s = Struct::new(schema.clone())
            .and_then(|s| s.with("id", 1i64))
            .and_then(|s| s.with("name", "a"));
        let Ok(s) = s else { panic!("struct") };
        let row = Row {
            table: TableId::parse("people"),
            keys: vec![Col {
                name: "id".into(),
                schema: Schema::int64(),
                value: Value::Int64(1),
            }],
            values: Some(vec![Col {
                name: "name".into(),
                schema: Schema::optional_string(),
                value: s.get("name").cloned().unwrap_or_default(),
            }]),
        };
        let pg = statement(
            Dialect::Postgres,
            InsertMode::Upsert,
            &row,
            &DbZone::default(),
        )
        .ok()
        .flatten();
        assert_eq!(
            pg.map(|s| s.0).as_deref(),
            Some("INSERT INTO \"people\" (\"id\", \"name\") VALUES ($1, $2) ON CONFLICT (\"id\") DO UPDATE SET \"name\"=EXCLUDED.\"name\"")
        );
        let my = statement(Dialect::MySql, InsertMode::Upsert, &row, &DbZone::default())
            .ok()
            .flatten();
        assert_eq!(
            my.map(|s| s.0).as_deref(),
            Some("INSERT INTO `people` (`id`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name`=VALUES(`name`)")
        );
        let upd = statement(
            Dialect::Postgres,
            InsertMode::Update,
            &row,
            &DbZone::default(),
        )
        .ok()
        .flatten();
        let Some((sql, params)) = upd else {
            panic!("update")
        };
        assert_eq!(sql, "UPDATE \"people\" SET \"name\" = $1 WHERE \"id\" = $2");
        assert_eq!(
            params,
            vec![Param::Text(Some("a".into())), Param::Int64(Some(1))]
        );
        let create = create_table_sql(
            Dialect::MySql,
            &row.table,
            &row.keys,
            row.values.as_deref().unwrap_or(&[]),
        );
        assert_eq!(
            create.ok().as_deref(),
            Some("CREATE TABLE IF NOT EXISTS `people` (\n`id` BIGINT NOT NULL,\n`name` TEXT NULL,\nPRIMARY KEY(`id`))")
        );
    }
}
