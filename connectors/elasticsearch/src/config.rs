//! The sink's configuration keys, as Confluent's `ElasticsearchSinkConnectorConfig`
//! (same names, defaults and meanings), and their parsed, cross-checked form.

use std::time::Duration;

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{ParsedConfig, Props};

use crate::error::EsError;

pub const CONNECTION_URL_CONFIG: &str = "connection.url";
pub const CONNECTION_USERNAME_CONFIG: &str = "connection.username";
pub const CONNECTION_PASSWORD_CONFIG: &str = "connection.password";
pub const BATCH_SIZE_CONFIG: &str = "batch.size";
pub const BULK_SIZE_BYTES_CONFIG: &str = "bulk.size.bytes";
pub const MAX_IN_FLIGHT_REQUESTS_CONFIG: &str = "max.in.flight.requests";
pub const MAX_BUFFERED_RECORDS_CONFIG: &str = "max.buffered.records";
pub const LINGER_MS_CONFIG: &str = "linger.ms";
pub const FLUSH_TIMEOUT_MS_CONFIG: &str = "flush.timeout.ms";
pub const FLUSH_SYNCHRONOUSLY_CONFIG: &str = "flush.synchronously";
pub const MAX_RETRIES_CONFIG: &str = "max.retries";
pub const RETRY_BACKOFF_MS_CONFIG: &str = "retry.backoff.ms";
pub const CONNECTION_COMPRESSION_CONFIG: &str = "connection.compression";
pub const MAX_CONNECTION_IDLE_TIME_MS_CONFIG: &str = "max.connection.idle.time.ms";
pub const CONNECTION_TIMEOUT_MS_CONFIG: &str = "connection.timeout.ms";
pub const READ_TIMEOUT_MS_CONFIG: &str = "read.timeout.ms";
pub const IGNORE_KEY_CONFIG: &str = "key.ignore";
pub const IGNORE_SCHEMA_CONFIG: &str = "schema.ignore";
pub const IGNORE_KEY_TOPICS_CONFIG: &str = "topic.key.ignore";
pub const IGNORE_SCHEMA_TOPICS_CONFIG: &str = "topic.schema.ignore";
pub const COMPACT_MAP_ENTRIES_CONFIG: &str = "compact.map.entries";
pub const DROP_INVALID_MESSAGE_CONFIG: &str = "drop.invalid.message";
pub const BEHAVIOR_ON_NULL_VALUES_CONFIG: &str = "behavior.on.null.values";
pub const BEHAVIOR_ON_MALFORMED_DOCS_CONFIG: &str = "behavior.on.malformed.documents";
pub const WRITE_METHOD_CONFIG: &str = "write.method";
pub const EXTERNAL_VERSION_HEADER_CONFIG: &str = "external.version.header";
pub const DATA_STREAM_TYPE_CONFIG: &str = "data.stream.type";
pub const DATA_STREAM_DATASET_CONFIG: &str = "data.stream.dataset";

/// What to do with a record whose value is null (a tombstone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullValues {
    Ignore,
    Delete,
    Fail,
}

/// What to do with a document the server refuses for its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedDocs {
    Ignore,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMethod {
    /// `index` requests (with external versions when the key is the id).
    Insert,
    /// `update` requests with `doc_as_upsert`.
    Upsert,
}

fn connection_group(key: ConfigKey, order: i32) -> ConfigKey {
    key.group("Connector").order(order)
}

/// The connector's keys, as Confluent's `ElasticsearchSinkConnectorConfig.CONFIG`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(connection_group(
            ConfigKey::new(CONNECTION_URL_CONFIG, ConfigType::List)
                .importance(Importance::High)
                .doc("The comma-separated list of one or more Elasticsearch URLs, such as http://eshost1:9200,http://eshost2:9200 or https://eshost3:9200. Requests go round robin over them and fail over to the next one. A URL without a protocol is treated as http."),
            1,
        ))
        .define(connection_group(
            ConfigKey::new(CONNECTION_USERNAME_CONFIG, ConfigType::String)
                .default_null()
                .importance(Importance::Medium)
                .doc("The username used to authenticate with Elasticsearch. Authentication is only performed if both the username and password are non-null."),
            2,
        ))
        .define(connection_group(
            ConfigKey::new(CONNECTION_PASSWORD_CONFIG, ConfigType::Password)
                .default_null()
                .importance(Importance::Medium)
                .doc("The password used to authenticate with Elasticsearch. Authentication is only performed if both the username and password are non-null."),
            3,
        ))
        .define(connection_group(
            ConfigKey::new(BATCH_SIZE_CONFIG, ConfigType::Int)
                .default_value(2000)
                .validator(Validator::between(1, 1_000_000))
                .importance(Importance::Medium)
                .doc("The number of records to process as a batch when writing to Elasticsearch."),
            4,
        ))
        .define(connection_group(
            ConfigKey::new(BULK_SIZE_BYTES_CONFIG, ConfigType::Long)
                .default_value(5_i64 * 1024 * 1024)
                .validator(Validator::at_least(-1))
                .importance(Importance::Low)
                .doc("The maximum size (in bytes) to be processed as a batch when writing records to Elasticsearch. -1 disables it. If the condition set by batch.size is met first, it is used instead."),
            5,
        ))
        .define(connection_group(
            ConfigKey::new(MAX_IN_FLIGHT_REQUESTS_CONFIG, ConfigType::Int)
                .default_value(5)
                .validator(Validator::between(1, 1000))
                .importance(Importance::Medium)
                .doc("The maximum number of indexing requests that can be in-flight to Elasticsearch at once (with write.method=upsert, one: updates without versions must be applied in order)."),
            6,
        ))
        .define(connection_group(
            ConfigKey::new(MAX_BUFFERED_RECORDS_CONFIG, ConfigType::Int)
                .default_value(20_000)
                .validator(Validator::between(1, i32::MAX))
                .importance(Importance::Low)
                .doc("The maximum number of records each task will buffer (waiting to be sent or answered) before blocking acceptance of more records; it bounds the task's memory."),
            7,
        ))
        .define(connection_group(
            ConfigKey::new(LINGER_MS_CONFIG, ConfigType::Long)
                .default_value(1_i64)
                .validator(Validator::between(0, 604_800_000))
                .importance(Importance::Low)
                .doc("Linger time in milliseconds for batching: when a batch is not full, records wait up to this long for more to arrive before the batch is sent."),
            8,
        ))
        .define(connection_group(
            ConfigKey::new(FLUSH_TIMEOUT_MS_CONFIG, ConfigType::Long)
                .default_value(180_000_i64)
                .validator(Validator::between(1000, 604_800_000))
                .importance(Importance::Low)
                .doc("The timeout in milliseconds for a flush (sending buffered records and waiting for the server's answers, retries included). If it is exceeded the task fails."),
            9,
        ))
        .define(connection_group(
            ConfigKey::new(MAX_RETRIES_CONFIG, ConfigType::Int)
                .default_value(5)
                .validator(Validator::at_least(0))
                .importance(Importance::Low)
                .doc("The maximum number of retries that are allowed for failed indexing requests. If the retry attempts are exhausted the task fails."),
            10,
        ))
        .define(connection_group(
            ConfigKey::new(RETRY_BACKOFF_MS_CONFIG, ConfigType::Long)
                .default_value(100_i64)
                .validator(Validator::between(0, 86_400_000))
                .importance(Importance::Low)
                .doc("How long to wait in milliseconds before attempting the first retry of a failed indexing request. Each further retry waits twice as long as the previous one."),
            11,
        ))
        .define(connection_group(
            ConfigKey::new(CONNECTION_COMPRESSION_CONFIG, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Low)
                .doc("Accepted for compatibility; requests are sent uncompressed."),
            12,
        ))
        .define(connection_group(
            ConfigKey::new(MAX_CONNECTION_IDLE_TIME_MS_CONFIG, ConfigType::Int)
                .default_value(60_000)
                .validator(Validator::at_least(-1))
                .importance(Importance::Low)
                .doc("How long to wait in milliseconds before dropping an idle connection to prevent a read timeout."),
            13,
        ))
        .define(connection_group(
            ConfigKey::new(CONNECTION_TIMEOUT_MS_CONFIG, ConfigType::Int)
                .default_value(1000)
                .validator(Validator::at_least(0))
                .importance(Importance::Low)
                .doc("How long to wait in milliseconds when establishing a connection to the Elasticsearch server."),
            14,
        ))
        .define(connection_group(
            ConfigKey::new(READ_TIMEOUT_MS_CONFIG, ConfigType::Int)
                .default_value(3000)
                .validator(Validator::at_least(0))
                .importance(Importance::Low)
                .doc("How long to wait in milliseconds for the Elasticsearch server to send a response (a timed-out request is retried like a failed one)."),
            15,
        ))
        .define(connection_group(
            ConfigKey::new(FLUSH_SYNCHRONOUSLY_CONFIG, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Low)
                .doc("Accepted for compatibility: flushes always wait for the server's answers, so topic-renaming SMTs are safe either way."),
            16,
        ))
        .define(
            ConfigKey::new(IGNORE_KEY_CONFIG, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::High)
                .group("Data Conversion")
                .order(1)
                .doc("Whether to ignore the record key for the purpose of forming the Elasticsearch document ID. When true, document IDs are the record's topic+partition+offset."),
        )
        .define(
            ConfigKey::new(IGNORE_SCHEMA_CONFIG, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(2)
                .doc("Whether to ignore schemas during indexing: values are written as Kafka's JsonConverter writes them (decimals as base64) instead of Elasticsearch-friendly JSON (decimals as numbers)."),
        )
        .define(
            ConfigKey::new(COMPACT_MAP_ENTRIES_CONFIG, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(3)
                .doc("When true, map entries with string keys are written as \"entryKey\": \"entryValue\"; otherwise as nested {\"key\": ..., \"value\": ...} documents. Maps with non-string keys are always nested documents."),
        )
        .define(
            ConfigKey::new(IGNORE_KEY_TOPICS_CONFIG, ConfigType::List)
                .default_value("")
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(4)
                .doc("List of topics for which key.ignore should be true."),
        )
        .define(
            ConfigKey::new(IGNORE_SCHEMA_TOPICS_CONFIG, ConfigType::List)
                .default_value("")
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(5)
                .doc("List of topics for which schema.ignore should be true."),
        )
        .define(
            ConfigKey::new(DROP_INVALID_MESSAGE_CONFIG, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(6)
                .doc("Whether to drop a Kafka message when it cannot be converted to a document."),
        )
        .define(
            ConfigKey::new(BEHAVIOR_ON_NULL_VALUES_CONFIG, ConfigType::String)
                .default_value("fail")
                .validator(Validator::case_insensitive_valid_string(&["ignore", "delete", "fail"]))
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(7)
                .doc("How to handle records with a non-null key and a null value (tombstones): ignore, delete or fail."),
        )
        .define(
            ConfigKey::new(BEHAVIOR_ON_MALFORMED_DOCS_CONFIG, ConfigType::String)
                .default_value("fail")
                .validator(Validator::case_insensitive_valid_string(&["ignore", "warn", "fail"]))
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(8)
                .doc("How to handle records that Elasticsearch rejects due to some malformation of the document itself, such as an index mapping conflict or a field name containing illegal characters: ignore, warn or fail."),
        )
        .define(
            ConfigKey::new(WRITE_METHOD_CONFIG, ConfigType::String)
                .default_value("insert")
                .validator(Validator::case_insensitive_valid_string(&["insert", "upsert"]))
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(9)
                .doc("Method used for writing data to Elasticsearch: insert (index requests) or upsert (update requests with doc_as_upsert)."),
        )
        .define(
            ConfigKey::new(EXTERNAL_VERSION_HEADER_CONFIG, ConfigType::String)
                .default_value("")
                .importance(Importance::Low)
                .group("Data Conversion")
                .order(10)
                .doc("Header name to pull the external version from, instead of the Kafka record offset. Must have a numeric value."),
        )
        .define(
            ConfigKey::new(DATA_STREAM_TYPE_CONFIG, ConfigType::String)
                .default_value("none")
                .importance(Importance::Low)
                .group("Data Stream")
                .order(1)
                .doc("Data streams are not supported yet: only 'none' (write to an index named after the topic) is accepted."),
        )
        .define(
            ConfigKey::new(DATA_STREAM_DATASET_CONFIG, ConfigType::String)
                .default_value("")
                .importance(Importance::Low)
                .group("Data Stream")
                .order(2)
                .doc("Data streams are not supported yet: must be empty."),
        )
}

/// The sink's parsed and cross-checked configuration.
#[derive(Debug, Clone)]
pub struct EsSettings {
    pub urls: Vec<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub batch_size: usize,
    /// None when `bulk.size.bytes` is -1.
    pub bulk_size_bytes: Option<usize>,
    pub max_in_flight_requests: usize,
    pub max_buffered_records: usize,
    pub linger: Duration,
    pub flush_timeout: Duration,
    pub max_retries: u32,
    pub retry_backoff: Duration,
    pub max_connection_idle: Option<Duration>,
    pub connection_timeout: Duration,
    pub read_timeout: Duration,
    pub ignore_key: bool,
    pub ignore_schema: bool,
    pub ignore_key_topics: Vec<String>,
    pub ignore_schema_topics: Vec<String>,
    pub compact_map_entries: bool,
    pub drop_invalid_message: bool,
    pub null_values: NullValues,
    pub malformed_docs: MalformedDocs,
    pub write_method: WriteMethod,
    pub external_version_header: Option<String>,
    data_stream_type: String,
    data_stream_dataset: String,
}

fn list(parsed: &ParsedConfig, key: &str) -> Vec<String> {
    parsed
        .get_list(key)
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn millis(v: i64) -> Duration {
    Duration::from_millis(u64::try_from(v).unwrap_or(0))
}

fn count(v: i32) -> usize {
    usize::try_from(v).unwrap_or(1).max(1)
}

/// A URL as Confluent accepts it: a missing scheme means http; no trailing slash.
fn normalize_url(url: &str) -> Result<String, EsError> {
    let url = url.trim().trim_end_matches('/');
    let with_scheme = if url.contains("://") {
        url.to_string()
    } else {
        format!("http://{url}")
    };
    match reqwest::Url::parse(&with_scheme) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(with_scheme),
        Ok(u) => Err(EsError::config(
            CONNECTION_URL_CONFIG,
            format!(
                "'{url}' is not an http or https URL (scheme {})",
                u.scheme()
            ),
        )),
        Err(e) => Err(EsError::config(
            CONNECTION_URL_CONFIG,
            format!("'{url}' is not a valid URL: {e}"),
        )),
    }
}

impl EsSettings {
    pub fn parse(props: &Props) -> Result<EsSettings, EsError> {
        let parsed = config_def().parse(props).map_err(|e| match e.key() {
            Some(key) => EsError::config(key, e.to_string()),
            None => EsError::config(CONNECTION_URL_CONFIG, e.to_string()),
        })?;
        let urls = list(&parsed, CONNECTION_URL_CONFIG)
            .iter()
            .map(|u| normalize_url(u))
            .collect::<Result<Vec<_>, _>>()?;
        if urls.is_empty() {
            return Err(EsError::config(
                CONNECTION_URL_CONFIG,
                "at least one Elasticsearch URL is required",
            ));
        }
        let lower = |key: &str, default: &str| {
            parsed
                .get_string(key)
                .unwrap_or(default)
                .to_ascii_lowercase()
        };
        let null_values = match lower(BEHAVIOR_ON_NULL_VALUES_CONFIG, "fail").as_str() {
            "ignore" => NullValues::Ignore,
            "delete" => NullValues::Delete,
            _ => NullValues::Fail,
        };
        let malformed_docs = match lower(BEHAVIOR_ON_MALFORMED_DOCS_CONFIG, "fail").as_str() {
            "ignore" => MalformedDocs::Ignore,
            "warn" => MalformedDocs::Warn,
            _ => MalformedDocs::Fail,
        };
        let write_method = match lower(WRITE_METHOD_CONFIG, "insert").as_str() {
            "upsert" => WriteMethod::Upsert,
            _ => WriteMethod::Insert,
        };
        let idle = parsed.get_int(MAX_CONNECTION_IDLE_TIME_MS_CONFIG);
        let settings = EsSettings {
            urls,
            username: parsed
                .get_string(CONNECTION_USERNAME_CONFIG)
                .map(str::to_string),
            password: parsed
                .get_password(CONNECTION_PASSWORD_CONFIG)
                .map(|p| p.value().to_string()),
            batch_size: count(parsed.get_int(BATCH_SIZE_CONFIG)),
            bulk_size_bytes: usize::try_from(parsed.get_long(BULK_SIZE_BYTES_CONFIG))
                .ok()
                .map(|b| b.max(1)),
            max_in_flight_requests: count(parsed.get_int(MAX_IN_FLIGHT_REQUESTS_CONFIG)),
            max_buffered_records: count(parsed.get_int(MAX_BUFFERED_RECORDS_CONFIG)),
            linger: millis(parsed.get_long(LINGER_MS_CONFIG)),
            flush_timeout: millis(parsed.get_long(FLUSH_TIMEOUT_MS_CONFIG)),
            max_retries: u32::try_from(parsed.get_int(MAX_RETRIES_CONFIG)).unwrap_or(0),
            retry_backoff: millis(parsed.get_long(RETRY_BACKOFF_MS_CONFIG)),
            max_connection_idle: (idle >= 0).then(|| millis(i64::from(idle))),
            connection_timeout: millis(i64::from(parsed.get_int(CONNECTION_TIMEOUT_MS_CONFIG))),
            read_timeout: millis(i64::from(parsed.get_int(READ_TIMEOUT_MS_CONFIG))),
            ignore_key: parsed.get_bool(IGNORE_KEY_CONFIG),
            ignore_schema: parsed.get_bool(IGNORE_SCHEMA_CONFIG),
            ignore_key_topics: list(&parsed, IGNORE_KEY_TOPICS_CONFIG),
            ignore_schema_topics: list(&parsed, IGNORE_SCHEMA_TOPICS_CONFIG),
            compact_map_entries: parsed.get_bool(COMPACT_MAP_ENTRIES_CONFIG),
            drop_invalid_message: parsed.get_bool(DROP_INVALID_MESSAGE_CONFIG),
            null_values,
            malformed_docs,
            write_method,
            external_version_header: parsed
                .get_string(EXTERNAL_VERSION_HEADER_CONFIG)
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_string),
            data_stream_type: parsed
                .get_string(DATA_STREAM_TYPE_CONFIG)
                .unwrap_or("none")
                .trim()
                .to_string(),
            data_stream_dataset: parsed
                .get_string(DATA_STREAM_DATASET_CONFIG)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        settings.check()?;
        Ok(settings)
    }

    /// Confluent's `Validator` cross-key rules.
    fn check(&self) -> Result<(), EsError> {
        if !self.data_stream_type.eq_ignore_ascii_case("none") {
            return Err(EsError::config(
                DATA_STREAM_TYPE_CONFIG,
                "data streams are not supported yet: remove data.stream.type (records would go to an index named after the topic instead)",
            ));
        }
        if !self.data_stream_dataset.is_empty() {
            return Err(EsError::config(
                DATA_STREAM_DATASET_CONFIG,
                "data streams are not supported yet: remove data.stream.dataset",
            ));
        }
        match (&self.username, &self.password) {
            (Some(_), None) => {
                return Err(EsError::config(
                    CONNECTION_PASSWORD_CONFIG,
                    "Both 'connection.username' and 'connection.password' must be set.",
                ))
            }
            (None, Some(_)) => {
                return Err(EsError::config(
                    CONNECTION_USERNAME_CONFIG,
                    "Both 'connection.username' and 'connection.password' must be set.",
                ))
            }
            _ => {}
        }
        if self.ignore_key && !self.ignore_key_topics.is_empty() {
            return Err(EsError::config(
                IGNORE_KEY_TOPICS_CONFIG,
                "'topic.key.ignore' can not be set if 'key.ignore' is true.",
            ));
        }
        if self.ignore_schema && !self.ignore_schema_topics.is_empty() {
            return Err(EsError::config(
                IGNORE_SCHEMA_TOPICS_CONFIG,
                "'topic.schema.ignore' can not be set if 'schema.ignore' is true.",
            ));
        }
        if self.linger > self.flush_timeout {
            return Err(EsError::config(
                LINGER_MS_CONFIG,
                "'linger.ms' can not be larger than 'flush.timeout.ms'.",
            ));
        }
        if self.batch_size > self.max_buffered_records {
            return Err(EsError::config(
                BATCH_SIZE_CONFIG,
                "'batch.size' can not be larger than 'max.buffered.records'.",
            ));
        }
        Ok(())
    }

    /// Confluent's `shouldIgnoreKey(topic)`.
    pub fn ignore_key_for(&self, topic: &str) -> bool {
        self.ignore_key || self.ignore_key_topics.iter().any(|t| t == topic)
    }

    /// Confluent's `shouldIgnoreSchema(topic)`.
    pub fn ignore_schema_for(&self, topic: &str) -> bool {
        self.ignore_schema || self.ignore_schema_topics.iter().any(|t| t == topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_confluents() {
        let s = EsSettings::parse(&props(&[(CONNECTION_URL_CONFIG, "localhost:9200/")]))
            .expect("settings");
        assert_eq!(s.urls, vec!["http://localhost:9200".to_string()]);
        assert_eq!(s.batch_size, 2000);
        assert_eq!(s.max_in_flight_requests, 5);
        assert_eq!(s.max_buffered_records, 20_000);
        assert_eq!(s.max_retries, 5);
        assert_eq!(s.retry_backoff, Duration::from_millis(100));
        assert_eq!(s.read_timeout, Duration::from_millis(3000));
        assert_eq!(s.connection_timeout, Duration::from_millis(1000));
        assert_eq!(s.null_values, NullValues::Fail);
        assert_eq!(s.malformed_docs, MalformedDocs::Fail);
        assert_eq!(s.write_method, WriteMethod::Insert);
        assert!(!s.ignore_key && !s.ignore_schema && s.compact_map_entries);
        assert_eq!(s.external_version_header, None);
    }

    #[test]
    fn several_urls_and_case_insensitive_enums() {
        let s = EsSettings::parse(&props(&[
            (CONNECTION_URL_CONFIG, "http://a:9200, https://b:9201"),
            (BEHAVIOR_ON_NULL_VALUES_CONFIG, "DELETE"),
            (BEHAVIOR_ON_MALFORMED_DOCS_CONFIG, "Warn"),
            (WRITE_METHOD_CONFIG, "UPSERT"),
            (IGNORE_KEY_TOPICS_CONFIG, "logs"),
        ]))
        .expect("settings");
        assert_eq!(s.urls, vec!["http://a:9200", "https://b:9201"]);
        assert_eq!(s.null_values, NullValues::Delete);
        assert_eq!(s.malformed_docs, MalformedDocs::Warn);
        assert_eq!(s.write_method, WriteMethod::Upsert);
        assert!(s.ignore_key_for("logs") && !s.ignore_key_for("orders"));
    }

    #[test]
    fn bad_values_name_the_key() {
        let key_of = |pairs: &[(&str, &str)]| {
            EsSettings::parse(&props(pairs))
                .err()
                .and_then(|e| e.key().map(str::to_string))
        };
        let url = (CONNECTION_URL_CONFIG, "http://h:9200");
        assert_eq!(key_of(&[]).as_deref(), Some(CONNECTION_URL_CONFIG));
        assert_eq!(
            key_of(&[(CONNECTION_URL_CONFIG, "ftp://h")]).as_deref(),
            Some(CONNECTION_URL_CONFIG)
        );
        assert_eq!(
            key_of(&[url, (WRITE_METHOD_CONFIG, "sideways")]).as_deref(),
            Some(WRITE_METHOD_CONFIG)
        );
        assert_eq!(
            key_of(&[url, (CONNECTION_USERNAME_CONFIG, "elastic")]).as_deref(),
            Some(CONNECTION_PASSWORD_CONFIG)
        );
        assert_eq!(
            key_of(&[
                url,
                (IGNORE_KEY_CONFIG, "true"),
                (IGNORE_KEY_TOPICS_CONFIG, "t")
            ])
            .as_deref(),
            Some(IGNORE_KEY_TOPICS_CONFIG)
        );
        assert_eq!(
            key_of(&[url, (DATA_STREAM_TYPE_CONFIG, "logs")]).as_deref(),
            Some(DATA_STREAM_TYPE_CONFIG)
        );
        assert_eq!(
            key_of(&[url, (BATCH_SIZE_CONFIG, "0")]).as_deref(),
            Some(BATCH_SIZE_CONFIG)
        );
        assert_eq!(
            key_of(&[
                url,
                (BATCH_SIZE_CONFIG, "500"),
                (MAX_BUFFERED_RECORDS_CONFIG, "100")
            ])
            .as_deref(),
            Some(BATCH_SIZE_CONFIG)
        );
    }
}
