//! The connector's configuration key names (Confluent's), in one leaf module every
//! other module can name without depending on the config parsing in [`crate::config`].

pub const S3_BUCKET_CONFIG: &str = "s3.bucket.name";
pub const REGION_CONFIG: &str = "s3.region";
pub const STORE_URL_CONFIG: &str = "store.url";
pub const PATH_STYLE_CONFIG: &str = "s3.path.style.access.enabled";
pub const PART_SIZE_CONFIG: &str = "s3.part.size";
pub const RETRY_BACKOFF_CONFIG: &str = "s3.retry.backoff.ms";
pub const PART_RETRIES_CONFIG: &str = "s3.part.retries";
pub const AWS_ACCESS_KEY_ID_CONFIG: &str = "aws.access.key.id";
pub const AWS_SECRET_ACCESS_KEY_CONFIG: &str = "aws.secret.access.key";
pub const STORAGE_CLASS_CONFIG: &str = "storage.class";
pub const TOPICS_DIR_CONFIG: &str = "topics.dir";
pub const DIRECTORY_DELIM_CONFIG: &str = "directory.delim";
pub const FILE_DELIM_CONFIG: &str = "file.delim";
pub const FLUSH_SIZE_CONFIG: &str = "flush.size";
pub const ROTATE_INTERVAL_MS_CONFIG: &str = "rotate.interval.ms";
pub const ROTATE_SCHEDULE_INTERVAL_MS_CONFIG: &str = "rotate.schedule.interval.ms";
pub const ZERO_PAD_WIDTH_CONFIG: &str = "filename.offset.zero.pad.width";
pub const FORMAT_CLASS_CONFIG: &str = "format.class";
pub const BYTEARRAY_SEPARATOR_CONFIG: &str = "format.bytearray.separator";
pub const BYTEARRAY_EXTENSION_CONFIG: &str = "format.bytearray.extension";
pub const PARQUET_CODEC_CONFIG: &str = "parquet.codec";
pub const JSON_DECIMAL_FORMAT_CONFIG: &str = "json.decimal.format";
pub const BEHAVIOR_ON_NULL_VALUES_CONFIG: &str = "behavior.on.null.values";
pub const SCHEMA_COMPATIBILITY_CONFIG: &str = "schema.compatibility";
pub const PARTITIONER_CLASS_CONFIG: &str = "partitioner.class";
pub const PARTITION_FIELD_NAME_CONFIG: &str = "partition.field.name";
pub const PATH_FORMAT_CONFIG: &str = "path.format";
pub const PARTITION_DURATION_MS_CONFIG: &str = "partition.duration.ms";
pub const LOCALE_CONFIG: &str = "locale";
pub const TIMEZONE_CONFIG: &str = "timezone";
pub const TIMESTAMP_EXTRACTOR_CONFIG: &str = "timestamp.extractor";
pub const TIMESTAMP_FIELD_CONFIG: &str = "timestamp.field";
