//! The connector's keys, with Confluent's names, defaults and docs
//! (`S3SinkConnectorConfig`, `StorageCommonConfig`, `PartitionerConfig`), and the parsed,
//! cross-checked settings.

use std::time::Duration;

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{ConnectError, Props};

use crate::client::{Endpoint, RetryPolicy};
use crate::format::FormatSettings;
pub use crate::keys::*;
use crate::partitioner::Partitioner;

pub const S3_STORAGE_CLASS: &str = "io.confluent.connect.s3.storage.S3Storage";
pub const DEFAULT_PARTITIONER_CLASS: &str =
    "io.confluent.connect.storage.partitioner.DefaultPartitioner";
pub const PART_SIZE_DEFAULT: i32 = 25 * 1024 * 1024;
/// S3's smallest part (all but the last).
pub const PART_SIZE_MIN: i32 = 5 * 1024 * 1024;

/// The connector's configuration keys.
pub fn config_def() -> ConfigDef {
    let s3 = |key: ConfigKey| key.group("S3");
    let storage = |key: ConfigKey| key.group("Storage");
    let connector = |key: ConfigKey| key.group("Connector");
    let partitioner = |key: ConfigKey| key.group("Partitioner");
    ConfigDef::new()
        .define(s3(ConfigKey::new(S3_BUCKET_CONFIG, ConfigType::String)
            .importance(Importance::High)
            .doc("The S3 Bucket.")))
        .define(s3(ConfigKey::new(REGION_CONFIG, ConfigType::String)
            .default_value("us-west-2")
            .importance(Importance::Medium)
            .doc("The AWS region to be used the connector (the SigV4 signing region).")))
        .define(s3(ConfigKey::new(PART_SIZE_CONFIG, ConfigType::Int)
            .default_value(PART_SIZE_DEFAULT)
            .validator(Validator::between(PART_SIZE_MIN, i32::MAX))
            .importance(Importance::High)
            .doc("The Part Size in S3 Multi-part Uploads: an object's bytes are uploaded in parts of this size as they fill, so a file never holds more than about one part in memory.")))
        .define(s3(ConfigKey::new(AWS_ACCESS_KEY_ID_CONFIG, ConfigType::String)
            .default_value("")
            .importance(Importance::High)
            .doc("The AWS access key ID used to authenticate. Empty: the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then ~/.aws/credentials (AWS_PROFILE or default). Instance metadata credentials are not supported.")))
        .define(s3(ConfigKey::new(AWS_SECRET_ACCESS_KEY_CONFIG, ConfigType::Password)
            .default_null()
            .importance(Importance::High)
            .doc("The secret access key used to authenticate.")))
        .define(s3(ConfigKey::new(PATH_STYLE_CONFIG, ConfigType::Boolean)
            .default_value(true)
            .importance(Importance::Low)
            .doc("Specifies whether or not to enable path style access to the bucket used by the connector (endpoint/bucket/key rather than bucket.endpoint/key).")))
        .define(s3(ConfigKey::new(RETRY_BACKOFF_CONFIG, ConfigType::Long)
            .default_value(200i64)
            .validator(Validator::at_least(0))
            .importance(Importance::Low)
            .doc("How long to wait in milliseconds before attempting the first retry of a failed S3 request. Upon a failure, this connector may wait up to twice as long as the previous wait, up to the maximum number of retries (full jitter, at most 20 s).")))
        .define(s3(ConfigKey::new(PART_RETRIES_CONFIG, ConfigType::Int)
            .default_value(3)
            .validator(Validator::at_least(0))
            .importance(Importance::Medium)
            .doc("Maximum number of retry attempts for failed requests (connection errors, 5xx, throttling). Zero means no retries.")))
        .define(storage(ConfigKey::new(STORE_URL_CONFIG, ConfigType::String)
            .default_null()
            .importance(Importance::High)
            .doc("Store's connection URL: any S3-compatible endpoint (e.g. http://minio:9000). Empty: AWS's regional endpoint https://s3.<region>.amazonaws.com.")))
        .define(storage(ConfigKey::new(STORAGE_CLASS_CONFIG, ConfigType::Class)
            .default_value(S3_STORAGE_CLASS)
            .importance(Importance::High)
            .doc("The underlying storage layer; only io.confluent.connect.s3.storage.S3Storage.")))
        .define(storage(ConfigKey::new(TOPICS_DIR_CONFIG, ConfigType::String)
            .default_value("topics")
            .importance(Importance::High)
            .doc("Top level directory to store the data ingested from Kafka.")))
        .define(storage(ConfigKey::new(DIRECTORY_DELIM_CONFIG, ConfigType::String)
            .default_value("/")
            .importance(Importance::Medium)
            .doc("Directory delimiter pattern.")))
        .define(storage(ConfigKey::new(FILE_DELIM_CONFIG, ConfigType::String)
            .default_value("+")
            .importance(Importance::Medium)
            .doc("File delimiter pattern.")))
        .define(connector(ConfigKey::new(FORMAT_CLASS_CONFIG, ConfigType::Class)
            .importance(Importance::High)
            .doc("The format class to use when writing data to the store: io.confluent.connect.s3.format.json.JsonFormat, io.confluent.connect.s3.format.bytearray.ByteArrayFormat or io.confluent.connect.s3.format.parquet.ParquetFormat.")))
        .define(connector(ConfigKey::new(FLUSH_SIZE_CONFIG, ConfigType::Int)
            .validator(Validator::at_least(1))
            .importance(Importance::High)
            .doc("Number of records written to store before invoking file commits.")))
        .define(connector(ConfigKey::new(ROTATE_INTERVAL_MS_CONFIG, ConfigType::Long)
            .default_value(-1i64)
            .importance(Importance::High)
            .doc("The time interval in milliseconds to invoke file commits, in record time (the partitioner's timestamp.extractor): a file is committed when a record's timestamp is at least this far past the timestamp of the file's first record. Only with a time-based partitioner. -1 disables it.")))
        .define(connector(ConfigKey::new(ROTATE_SCHEDULE_INTERVAL_MS_CONFIG, ConfigType::Long)
            .default_value(-1i64)
            .importance(Importance::Medium)
            .doc("The time interval in milliseconds to periodically invoke file commits, by the wall clock (in the partitioner's timezone). Files are not deterministic then: a restart can cut them elsewhere (no exactly-once object contents). -1 disables it.")))
        .define(connector(ConfigKey::new(ZERO_PAD_WIDTH_CONFIG, ConfigType::Int)
            .default_value(10)
            .validator(Validator::at_least(0))
            .importance(Importance::Low)
            .doc("Width to zero-pad offsets in store's filenames if offsets are too short in order to provide fixed-width filenames that can be ordered by simple lexicographic sorting.")))
        .define(connector(ConfigKey::new(BYTEARRAY_EXTENSION_CONFIG, ConfigType::String)
            .default_value(".bin")
            .importance(Importance::Low)
            .doc("Output file extension for ByteArrayFormat. Defaults to '.bin'.")))
        .define(connector(ConfigKey::new(BYTEARRAY_SEPARATOR_CONFIG, ConfigType::String)
            .default_null()
            .importance(Importance::Low)
            .doc("String inserted between records for ByteArrayFormat. Defaults to the line separator (\\n); an empty value means none.")))
        .define(connector(ConfigKey::new(PARQUET_CODEC_CONFIG, ConfigType::String)
            .default_value("snappy")
            .validator(Validator::valid_string(&["none", "snappy"]))
            .importance(Importance::Low)
            .doc("The Parquet compression codec: none or snappy (gzip, lzo, brotli, lz4 and zstd are not built in).")))
        .define(connector(ConfigKey::new(JSON_DECIMAL_FORMAT_CONFIG, ConfigType::String)
            .default_value("BASE64")
            .validator(Validator::case_insensitive_valid_string(&["BASE64", "NUMERIC"]))
            .importance(Importance::Low)
            .doc("Controls which format json converter will serialize decimals in: BASE64 (the unscaled bytes) or NUMERIC (a JSON number).")))
        .define(connector(ConfigKey::new(BEHAVIOR_ON_NULL_VALUES_CONFIG, ConfigType::String)
            .default_value("fail")
            .validator(Validator::case_insensitive_valid_string(&["ignore", "fail"]))
            .importance(Importance::Low)
            .doc("How to handle records with a null value (i.e. Kafka tombstone records): ignore (skip it) or fail (fail the task).")))
        .define(connector(ConfigKey::new(SCHEMA_COMPATIBILITY_CONFIG, ConfigType::String)
            .default_value("NONE")
            .validator(Validator::case_insensitive_valid_string(&["NONE"]))
            .importance(Importance::High)
            .doc("The schema compatibility rule: NONE (a record whose value schema differs from its file's rotates the file). BACKWARD, FORWARD and FULL projection are not supported.")))
        .define(partitioner(ConfigKey::new(PARTITIONER_CLASS_CONFIG, ConfigType::Class)
            .default_value(DEFAULT_PARTITIONER_CLASS)
            .importance(Importance::High)
            .doc("The partitioner to use when writing data to the store: DefaultPartitioner, FieldPartitioner, TimeBasedPartitioner, HourlyPartitioner or DailyPartitioner (io.confluent.connect.storage.partitioner.*).")))
        .define(partitioner(ConfigKey::new(PARTITION_FIELD_NAME_CONFIG, ConfigType::List)
            .default_value("")
            .importance(Importance::Medium)
            .doc("The name of the partitioning field(s) when FieldPartitioner is used (dots reach into nested structs).")))
        .define(partitioner(ConfigKey::new(PARTITION_DURATION_MS_CONFIG, ConfigType::Long)
            .default_value(-1i64)
            .importance(Importance::Medium)
            .doc("The duration of a partition milliseconds used by TimeBasedPartitioner.")))
        .define(partitioner(ConfigKey::new(PATH_FORMAT_CONFIG, ConfigType::String)
            .default_value("")
            .importance(Importance::Medium)
            .doc("This configuration is used to set the format of the data directories when partitioning with TimeBasedPartitioner, as a Joda-Time pattern, e.g. 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH.")))
        .define(partitioner(ConfigKey::new(LOCALE_CONFIG, ConfigType::String)
            .default_value("")
            .importance(Importance::Medium)
            .doc("The locale to use when partitioning with TimeBasedPartitioner. Text fields (MMM, EEE, a) are rendered in English.")))
        .define(partitioner(ConfigKey::new(TIMEZONE_CONFIG, ConfigType::String)
            .default_value("")
            .importance(Importance::Medium)
            .doc("The timezone to use when partitioning with TimeBasedPartitioner: an IANA id (Europe/Paris), UTC, or a fixed offset (+02:00, UTC-05:00).")))
        .define(partitioner(ConfigKey::new(TIMESTAMP_EXTRACTOR_CONFIG, ConfigType::String)
            .default_value("Wallclock")
            .importance(Importance::Medium)
            .doc("The extractor that gets the timestamp for records when partitioning with TimeBasedPartitioner: Wallclock, Record (the Kafka record timestamp) or RecordField (timestamp.field).")))
        .define(partitioner(ConfigKey::new(TIMESTAMP_FIELD_CONFIG, ConfigType::String)
            .default_value("timestamp")
            .importance(Importance::Medium)
            .doc("The record field to be used as timestamp by the timestamp extractor (dots reach into nested structs).")))
}

/// The parsed, cross-checked settings of a task.
#[derive(Debug, Clone)]
pub struct S3SinkSettings {
    pub bucket: String,
    pub region: String,
    pub endpoint: Endpoint,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub part_size: usize,
    pub retry: RetryPolicy,
    pub topics_dir: String,
    pub directory_delim: String,
    pub file_delim: String,
    pub flush_size: u64,
    /// Record-time rotation (time-based partitioners only); None when disabled.
    pub rotate_interval_ms: Option<i64>,
    /// Wall-clock rotation; None when disabled.
    pub rotate_schedule_interval_ms: Option<i64>,
    pub zero_pad_width: usize,
    pub format: FormatSettings,
    pub ignore_null_values: bool,
    pub partitioner: Partitioner,
}

impl S3SinkSettings {
    pub fn parse(props: &Props) -> Result<S3SinkSettings, ConnectError> {
        let parsed = config_def().parse_connector_config(props)?;
        let string = |key: &str| parsed.get_string(key).unwrap_or_default().to_string();
        let bucket = string(S3_BUCKET_CONFIG).trim().to_string();
        if bucket.is_empty() {
            return Err(ConnectError::config(
                S3_BUCKET_CONFIG,
                "the bucket name must not be empty",
            ));
        }
        let region = string(REGION_CONFIG).trim().to_string();
        let endpoint = Endpoint::parse(
            parsed.get_string(STORE_URL_CONFIG),
            &region,
            parsed.get_bool(PATH_STYLE_CONFIG),
        )
        .map_err(|m| ConnectError::config(STORE_URL_CONFIG, m))?;
        let storage = parsed
            .get_class(STORAGE_CLASS_CONFIG)
            .unwrap_or(S3_STORAGE_CLASS);
        if storage != S3_STORAGE_CLASS && storage != "S3Storage" {
            return Err(ConnectError::config(
                STORAGE_CLASS_CONFIG,
                format!("{storage} is not supported: only {S3_STORAGE_CLASS}"),
            ));
        }
        let positive = |key: &str| Some(parsed.get_long(key)).filter(|v| *v > 0);
        let partitioner = Partitioner::from_config(&parsed)?;
        let mut rotate_interval_ms = positive(ROTATE_INTERVAL_MS_CONFIG);
        if rotate_interval_ms.is_some() && !partitioner.is_time_based() {
            // As Confluent: record-time rotation needs the time-based partitioner's
            // timestamp extractor.
            tracing::warn!(
                "{ROTATE_INTERVAL_MS_CONFIG} is set but the partitioner is not time-based: it is ignored"
            );
            rotate_interval_ms = None;
        }
        Ok(S3SinkSettings {
            bucket,
            region,
            endpoint,
            access_key_id: parsed
                .get_string(AWS_ACCESS_KEY_ID_CONFIG)
                .map(str::to_string),
            secret_access_key: parsed
                .get_password(AWS_SECRET_ACCESS_KEY_CONFIG)
                .map(|p| p.value().to_string()),
            part_size: parsed.get_int(PART_SIZE_CONFIG).max(PART_SIZE_MIN) as usize,
            retry: RetryPolicy {
                retries: parsed.get_int(PART_RETRIES_CONFIG).max(0) as u32,
                backoff: Duration::from_millis(parsed.get_long(RETRY_BACKOFF_CONFIG).max(0) as u64),
            },
            topics_dir: string(TOPICS_DIR_CONFIG),
            directory_delim: string(DIRECTORY_DELIM_CONFIG),
            file_delim: string(FILE_DELIM_CONFIG),
            flush_size: parsed.get_int(FLUSH_SIZE_CONFIG).max(1) as u64,
            rotate_interval_ms,
            rotate_schedule_interval_ms: positive(ROTATE_SCHEDULE_INTERVAL_MS_CONFIG),
            zero_pad_width: parsed.get_int(ZERO_PAD_WIDTH_CONFIG).max(0) as usize,
            format: FormatSettings::from_config(&parsed)?,
            ignore_null_values: string(BEHAVIOR_ON_NULL_VALUES_CONFIG)
                .eq_ignore_ascii_case("ignore"),
            partitioner,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn props(pairs: &[(&str, &str)]) -> Props {
        let mut p = Props::new();
        p.insert(S3_BUCKET_CONFIG.into(), "bucket".into());
        p.insert(FLUSH_SIZE_CONFIG.into(), "3".into());
        p.insert(
            FORMAT_CLASS_CONFIG.into(),
            "io.confluent.connect.s3.format.json.JsonFormat".into(),
        );
        p.insert(STORE_URL_CONFIG.into(), "http://127.0.0.1:9".into());
        for (k, v) in pairs {
            p.insert(k.to_string(), v.to_string());
        }
        p
    }

    fn key_of(props: &Props) -> String {
        match S3SinkSettings::parse(props) {
            Err(ConnectError::Config { key, .. }) => key,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_confluents() {
        let s = S3SinkSettings::parse(&props(&[])).unwrap();
        assert_eq!(s.region, "us-west-2");
        assert_eq!(s.part_size, 25 * 1024 * 1024);
        assert_eq!(s.topics_dir, "topics");
        assert_eq!(
            (s.directory_delim.as_str(), s.file_delim.as_str()),
            ("/", "+")
        );
        assert_eq!(s.zero_pad_width, 10);
        assert_eq!(s.retry.retries, 3);
        assert_eq!(s.retry.backoff, Duration::from_millis(200));
        assert!(!s.ignore_null_values);
        assert!(s.rotate_interval_ms.is_none() && s.rotate_schedule_interval_ms.is_none());
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut missing_bucket = props(&[]);
        missing_bucket.remove(S3_BUCKET_CONFIG);
        assert_eq!(key_of(&missing_bucket), S3_BUCKET_CONFIG);
        assert_eq!(key_of(&props(&[(S3_BUCKET_CONFIG, " ")])), S3_BUCKET_CONFIG);
        assert_eq!(
            key_of(&props(&[(FLUSH_SIZE_CONFIG, "0")])),
            FLUSH_SIZE_CONFIG
        );
        assert_eq!(
            key_of(&props(&[(PART_SIZE_CONFIG, "1000")])),
            PART_SIZE_CONFIG
        );
        assert_eq!(
            key_of(&props(&[(STORE_URL_CONFIG, "nope")])),
            STORE_URL_CONFIG
        );
        assert_eq!(
            key_of(&props(&[(FORMAT_CLASS_CONFIG, "AvroFormat")])),
            FORMAT_CLASS_CONFIG
        );
        assert_eq!(
            key_of(&props(&[(PARTITIONER_CLASS_CONFIG, "x.MyPartitioner")])),
            PARTITIONER_CLASS_CONFIG
        );
        assert_eq!(
            key_of(&props(&[(PARQUET_CODEC_CONFIG, "zstd")])),
            PARQUET_CODEC_CONFIG
        );
        assert_eq!(
            key_of(&props(&[(SCHEMA_COMPATIBILITY_CONFIG, "BACKWARD")])),
            SCHEMA_COMPATIBILITY_CONFIG
        );
        assert_eq!(
            key_of(&props(&[(STORAGE_CLASS_CONFIG, "x.Hdfs")])),
            STORAGE_CLASS_CONFIG
        );
    }

    #[test]
    fn record_time_rotation_needs_a_time_based_partitioner() {
        let s = S3SinkSettings::parse(&props(&[(ROTATE_INTERVAL_MS_CONFIG, "1000")])).unwrap();
        assert_eq!(s.rotate_interval_ms, None);
        let s = S3SinkSettings::parse(&props(&[
            (ROTATE_INTERVAL_MS_CONFIG, "1000"),
            (
                PARTITIONER_CLASS_CONFIG,
                "io.confluent.connect.storage.partitioner.HourlyPartitioner",
            ),
            (LOCALE_CONFIG, "en-US"),
            (TIMEZONE_CONFIG, "UTC"),
        ]))
        .unwrap();
        assert_eq!(s.rotate_interval_ms, Some(1000));
    }
}
