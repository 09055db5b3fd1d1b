//! Partitioners (Confluent's `io.confluent.connect.storage.partitioner.*`): which
//! directory under `<topics.dir>/<topic>/` a record's file goes to.
//!
//! * `DefaultPartitioner`: `partition=<kafka partition>`.
//! * `FieldPartitioner`: `<field>=<value>` for each `partition.field.name`.
//! * `TimeBasedPartitioner` (and its `HourlyPartitioner` / `DailyPartitioner` presets):
//!   the record's time, floored to `partition.duration.ms`, formatted with the Joda-Time
//!   `path.format` in `timezone`.

mod joda;
mod time;

use connect_api::{ConnectError, ParsedConfig, SinkRecord, Value};

use crate::error::{coordinates, S3Error};
use crate::keys::{DIRECTORY_DELIM_CONFIG, PARTITIONER_CLASS_CONFIG, PARTITION_FIELD_NAME_CONFIG};

pub use joda::JodaPattern;
pub use time::{TimeBased, TimestampExtractor, Zone};

const PACKAGE: &str = "io.confluent.connect.storage.partitioner.";

#[derive(Debug, Clone)]
pub enum Partitioner {
    Default,
    Field { fields: Vec<String> },
    Time(TimeBased),
}

/// The partitioner class a name stands for (full Confluent class name or simple name).
fn simple_class(class: &str) -> Option<&'static str> {
    let class = class.trim();
    let simple = class.strip_prefix(PACKAGE).unwrap_or(class);
    [
        "DefaultPartitioner",
        "FieldPartitioner",
        "TimeBasedPartitioner",
        "HourlyPartitioner",
        "DailyPartitioner",
    ]
    .into_iter()
    .find(|c| *c == simple)
}

impl Partitioner {
    pub fn from_config(parsed: &ParsedConfig) -> Result<Partitioner, ConnectError> {
        let class = parsed
            .get_class(PARTITIONER_CLASS_CONFIG)
            .unwrap_or_default();
        let delim = parsed.get_string(DIRECTORY_DELIM_CONFIG).unwrap_or("/");
        match simple_class(class) {
            Some("DefaultPartitioner") => Ok(Partitioner::Default),
            Some("FieldPartitioner") => {
                let fields: Vec<String> = parsed
                    .get_list(PARTITION_FIELD_NAME_CONFIG)
                    .iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                if fields.is_empty() {
                    return Err(ConnectError::config(
                        PARTITION_FIELD_NAME_CONFIG,
                        "FieldPartitioner needs at least one field name",
                    ));
                }
                Ok(Partitioner::Field { fields })
            }
            Some(preset) => Ok(Partitioner::Time(TimeBased::from_config(parsed, preset, delim)?)),
            None => Err(ConnectError::config(
                PARTITIONER_CLASS_CONFIG,
                format!(
                    "unknown partitioner {class}: use {PACKAGE}DefaultPartitioner, FieldPartitioner, \
                     TimeBasedPartitioner, HourlyPartitioner or DailyPartitioner"
                ),
            )),
        }
    }

    pub fn is_time_based(&self) -> bool {
        matches!(self, Partitioner::Time(_))
    }

    /// The record's time for record-time rotation (time-based partitioners only).
    pub fn timestamp(&self, record: &SinkRecord, now_ms: i64) -> Result<Option<i64>, S3Error> {
        match self {
            Partitioner::Time(t) => t.extractor.extract(record, now_ms).map(Some),
            _ => Ok(None),
        }
    }

    /// The encoded partition (Confluent's `encodePartition`), e.g. `partition=3`.
    pub fn encode_partition(
        &self,
        record: &SinkRecord,
        delim: &str,
        now_ms: i64,
    ) -> Result<String, S3Error> {
        match self {
            Partitioner::Default => Ok(format!("partition={}", record.kafka_partition())),
            Partitioner::Field { fields } => {
                let mut parts = Vec::with_capacity(fields.len());
                for name in fields {
                    parts.push(format!("{name}={}", field_partition_value(record, name)?));
                }
                Ok(parts.join(delim))
            }
            Partitioner::Time(t) => t.encode_partition(record, now_ms),
        }
    }

    /// The directory of a file under `topics.dir` (Confluent's
    /// `generatePartitionedPath`): `<topic><delim><encoded partition>`.
    pub fn partitioned_path(&self, topic: &str, encoded: &str, delim: &str) -> String {
        format!("{topic}{delim}{encoded}")
    }
}

/// The value at a dotted path of a record value: through structs and string-keyed maps.
pub(crate) fn field_at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = value;
    for part in path.split('.') {
        current = match current {
            Value::Struct(s) => s.get(part)?,
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(part))
                .map(|(_, v)| v)?,
            _ => return None,
        };
    }
    Some(current)
}

/// As Confluent's FieldPartitioner: integers, strings and booleans only.
fn field_partition_value(record: &SinkRecord, name: &str) -> Result<String, S3Error> {
    let value = &record.record.value;
    if !matches!(value, Value::Struct(_) | Value::Map(_)) {
        return Err(S3Error::Data(format!(
            "FieldPartitioner ({PARTITION_FIELD_NAME_CONFIG}={name}) needs a Struct or Map record value; record {} has {}",
            coordinates(record),
            value.kind_name()
        )));
    }
    match field_at(value, name) {
        Some(Value::Int8(v)) => Ok(v.to_string()),
        Some(Value::Int16(v)) => Ok(v.to_string()),
        Some(Value::Int32(v)) => Ok(v.to_string()),
        Some(Value::Int64(v)) => Ok(v.to_string()),
        Some(Value::String(v)) => Ok(v.clone()),
        Some(Value::Boolean(v)) => Ok(v.to_string()),
        None | Some(Value::Null) => Err(S3Error::Data(format!(
            "record {} has no value for the partition field '{name}' ({PARTITION_FIELD_NAME_CONFIG})",
            coordinates(record)
        ))),
        Some(other) => Err(S3Error::Data(format!(
            "the partition field '{name}' ({PARTITION_FIELD_NAME_CONFIG}) of record {} is a {}: only integers, strings and booleans can partition",
            coordinates(record),
            other.kind_name()
        ))),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::config_def;
    use crate::config::tests::props;
    use connect_api::{Record, Schema, SchemaBuilder, Struct};

    pub(crate) fn record(partition: i32, offset: i64, value: Value, ts: Option<i64>) -> SinkRecord {
        SinkRecord {
            record: Record {
                topic: "orders".into(),
                kafka_partition: Some(partition),
                value,
                timestamp: ts,
                ..Record::default()
            },
            kafka_offset: offset,
            original_topic: "orders".into(),
            original_kafka_partition: partition,
            original_kafka_offset: offset,
            ..SinkRecord::default()
        }
    }

    pub(crate) fn partitioner(pairs: &[(&str, &str)]) -> Result<Partitioner, ConnectError> {
        let parsed = config_def().parse(&props(pairs)).expect("parse");
        Partitioner::from_config(&parsed)
    }

    fn order(region: &str, id: i64) -> Value {
        let schema = SchemaBuilder::struct_()
            .field("region", Schema::string())
            .field("id", Schema::int64())
            .field("amount", Schema::float64())
            .build();
        Value::Struct(
            Struct::new(schema)
                .and_then(|s| s.with("region", region))
                .and_then(|s| s.with("id", id))
                .and_then(|s| s.with("amount", Value::Float64(1.5)))
                .unwrap(),
        )
    }

    #[test]
    fn default_partitioner_uses_the_kafka_partition() {
        let p = partitioner(&[]).unwrap();
        let r = record(7, 0, Value::String("x".into()), None);
        assert_eq!(p.encode_partition(&r, "/", 0).unwrap(), "partition=7");
        assert_eq!(
            p.partitioned_path("orders", "partition=7", "/"),
            "orders/partition=7"
        );
        let p = partitioner(&[(PARTITIONER_CLASS_CONFIG, "DefaultPartitioner")]).unwrap();
        assert!(matches!(p, Partitioner::Default));
    }

    #[test]
    fn field_partitioner_joins_fields_with_the_delimiter() {
        let p = partitioner(&[
            (
                PARTITIONER_CLASS_CONFIG,
                "io.confluent.connect.storage.partitioner.FieldPartitioner",
            ),
            (PARTITION_FIELD_NAME_CONFIG, "region, id"),
        ])
        .unwrap();
        let r = record(0, 5, order("eu", 42), None);
        assert_eq!(p.encode_partition(&r, "/", 0).unwrap(), "region=eu/id=42");

        // Schemaless (map) values partition too.
        let map = Value::Map(vec![
            (Value::String("region".into()), Value::String("us".into())),
            (Value::String("id".into()), Value::Int64(1)),
        ]);
        assert_eq!(
            p.encode_partition(&record(0, 1, map, None), "/", 0)
                .unwrap(),
            "region=us/id=1"
        );
    }

    #[test]
    fn field_partitioner_errors_name_the_record_and_the_key() {
        let p = partitioner(&[
            (PARTITIONER_CLASS_CONFIG, "FieldPartitioner"),
            (PARTITION_FIELD_NAME_CONFIG, "missing"),
        ])
        .unwrap();
        let e = p
            .encode_partition(&record(2, 9, order("eu", 1), None), "/", 0)
            .unwrap_err();
        assert!(e.to_string().contains("orders-2@9"), "{e}");
        assert!(e.to_string().contains(PARTITION_FIELD_NAME_CONFIG), "{e}");

        let p = partitioner(&[
            (PARTITIONER_CLASS_CONFIG, "FieldPartitioner"),
            (PARTITION_FIELD_NAME_CONFIG, "amount"),
        ])
        .unwrap();
        let e = p
            .encode_partition(&record(0, 1, order("eu", 1), None), "/", 0)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("only integers, strings and booleans"),
            "{e}"
        );
        let e = p
            .encode_partition(&record(0, 1, Value::String("x".into()), None), "/", 0)
            .unwrap_err();
        assert!(e.to_string().contains("needs a Struct or Map"), "{e}");

        let e = partitioner(&[(PARTITIONER_CLASS_CONFIG, "FieldPartitioner")]).unwrap_err();
        assert!(
            matches!(e, ConnectError::Config { key, .. } if key == PARTITION_FIELD_NAME_CONFIG)
        );
    }
}
