//! `TimestampRouter`: sets the topic to `topic.format` with `${topic}` replaced by the
//! record's topic and `${timestamp}` by its timestamp formatted with `timestamp.format`
//! (a `java.text.SimpleDateFormat` pattern, in UTC). A record without a timestamp fails,
//! as in Kafka.
//!
//! Kafka builds the date format on the first record, so a bad `timestamp.format` fails
//! there; here it fails when the transformation is configured, with the same message.

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use connect_api::{ConnectRecord, Props, Record, SchemaRef};

use crate::java_time::SimpleDateFormat;
use crate::{TransformError, TransformPlugin, Transformation};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.TimestampRouter";

pub const OVERVIEW_DOC: &str = "Update the record's topic field as a function of the original topic value and the record timestamp.<p/>This is mainly useful for sink connectors, since the topic field is often used to determine the equivalent entity name in the destination system(e.g. database table or search index name).";

pub const TOPIC_FORMAT: &str = "topic.format";
pub const TIMESTAMP_FORMAT: &str = "timestamp.format";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(TimestampRouter::configure(p)?)),
        create_sink: |p| Ok(Box::new(TimestampRouter::configure(p)?)),
    }]
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(TOPIC_FORMAT, ConfigType::String)
                .default_value("${topic}-${timestamp}")
                .importance(Importance::High)
                .doc("Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively."),
        )
        .define(
            ConfigKey::new(TIMESTAMP_FORMAT, ConfigType::String)
                .default_value("yyyyMMdd")
                .importance(Importance::High)
                .doc("Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>."),
        )
}

#[derive(Debug, Clone)]
pub struct TimestampRouter {
    topic_format: String,
    timestamp_format: SimpleDateFormat,
}

impl TimestampRouter {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let err = |m: String| TransformError::new(CLASS, m);
        let config = config_def().parse(props).map_err(|e| err(e.to_string()))?;
        let timestamp_format =
            SimpleDateFormat::new(config.get_string(TIMESTAMP_FORMAT).unwrap_or_default())
                .map_err(err)?;
        Ok(TimestampRouter {
            topic_format: config
                .get_string(TOPIC_FORMAT)
                .unwrap_or_default()
                .to_string(),
            timestamp_format,
        })
    }

    /// The topic for a record of `topic` at `timestamp` (ms since the epoch).
    pub fn topic(&self, topic: &str, timestamp: i64) -> String {
        let formatted = self.timestamp_format.format_millis(timestamp);
        self.topic_format
            .replace("${topic}", topic)
            .replace("${timestamp}", &formatted)
    }
}

impl<R: ConnectRecord> Transformation<R> for TimestampRouter {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        let r = record.record();
        let Some(timestamp) = r.timestamp else {
            return Err(TransformError::new(
                CLASS,
                format!("Timestamp missing on record: {}", java_record_string(r)),
            ));
        };
        let topic = self.topic(&r.topic, timestamp);
        record.record_mut().topic = topic;
        Ok(Some(record))
    }
}

fn java_schema_string(schema: &Option<SchemaRef>) -> String {
    match schema {
        None => "null".into(),
        Some(s) => match &s.name {
            Some(name) => format!("Schema{{{name}:{}}}", s.schema_type),
            None => format!("Schema{{{}}}", s.schema_type),
        },
    }
}

/// Kafka's `ConnectRecord.toString()` (the common part of a source or sink record).
pub(crate) fn java_record_string(r: &Record) -> String {
    let headers = if r.headers.is_empty() {
        String::new()
    } else {
        let items: Vec<String> = r
            .headers
            .iter()
            .map(|h| {
                format!(
                    "ConnectHeader(key={}, value={}, schema={})",
                    h.key,
                    h.value,
                    java_schema_string(&h.schema)
                )
            })
            .collect();
        format!("[{}]", items.join(", "))
    };
    format!(
        "ConnectRecord{{topic='{}', kafkaPartition={}, key={}, keySchema={}, value={}, valueSchema={}, timestamp={}, headers=ConnectHeaders(headers={})}}",
        r.topic,
        r.kafka_partition.map_or("null".into(), |p| p.to_string()),
        r.key,
        java_schema_string(&r.key_schema),
        r.value,
        java_schema_string(&r.value_schema),
        r.timestamp.map_or("null".into(), |t| t.to_string()),
        headers
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{Schema, SinkRecord, SourceRecord, Value};

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn source(topic: &str, timestamp: Option<i64>) -> SourceRecord {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            topic,
            None,
            Value::Null,
        );
        r.record.kafka_partition = Some(0);
        r.record.timestamp = timestamp;
        r
    }

    #[test]
    fn default_configuration() {
        let x = TimestampRouter::configure(&Props::new()).unwrap();
        let out =
            Transformation::<SourceRecord>::apply(&x, source("test", Some(1_483_425_001_864)))
                .unwrap()
                .unwrap();
        assert_eq!(out.record.topic, "test-20170103");
    }

    #[test]
    fn custom_formats_and_sink_records() {
        let x = TimestampRouter::configure(&props(&[
            (TOPIC_FORMAT, "${timestamp}.${topic}.${topic}"),
            (TIMESTAMP_FORMAT, "yyyy-MM-dd'T'HH"),
        ]))
        .unwrap();
        let record = SinkRecord {
            record: Record {
                topic: "t".into(),
                timestamp: Some(1_483_425_001_864),
                ..Record::default()
            },
            original_topic: "t".into(),
            ..SinkRecord::default()
        };
        let out = Transformation::<SinkRecord>::apply(&x, record)
            .unwrap()
            .unwrap();
        assert_eq!(out.record.topic, "2017-01-03T06.t.t");
        assert_eq!(out.original_topic, "t");
        // Before the epoch, in UTC.
        assert_eq!(x.topic("t", -1), "1969-12-31T23.t.t");
    }

    #[test]
    fn missing_timestamp_fails() {
        let x = TimestampRouter::configure(&Props::new()).unwrap();
        let mut record = source("test", None);
        record.record.key = Value::from("k");
        record.record.key_schema = Some(Schema::string());
        record
            .record
            .headers
            .add("h", Some(Schema::int32()), Value::Int32(1));
        let e = Transformation::<SourceRecord>::apply(&x, record).unwrap_err();
        assert_eq!(
            e.message,
            "Timestamp missing on record: ConnectRecord{topic='test', kafkaPartition=0, key=k, keySchema=Schema{STRING}, value=null, valueSchema=null, timestamp=null, headers=ConnectHeaders(headers=[ConnectHeader(key=h, value=1, schema=Schema{INT32})])}"
        );
        assert_eq!(e.class, CLASS);
    }

    #[test]
    fn bad_timestamp_format_is_rejected() {
        let e =
            TimestampRouter::configure(&props(&[(TIMESTAMP_FORMAT, "bad-format")])).unwrap_err();
        assert_eq!(e.message, "Illegal pattern character 'b'");
    }
}
