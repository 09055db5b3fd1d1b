//! `InsertHeader`: adds a header named `header` to every record, after any headers it
//! already has. Its value is `value.literal` parsed as Kafka's `Values.parseString` does:
//! `true`/`false` are BOOLEAN, integers the smallest of INT8/16/32/64 that fits, decimals
//! FLOAT32 (FLOAT64, or a Decimal, when that does not fit), `yyyy-MM-dd`,
//! `HH:mm:ss.SSS'Z'` and `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` Date, Time and Timestamp values,
//! `[...]` arrays and `{...}` maps (elements and keys quoted when they are strings), `null`
//! a header without schema or value, and anything else the string itself.
//!
//! The parsing is Kafka's `Values.parseString`, shared with `SimpleHeaderConverter`:
//! [`connect_api::data::values::parse_string`]. Difference from Kafka: the temporal
//! literals are read in UTC (Kafka uses the JVM's time zone).

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::data::values;
use connect_api::{ConnectRecord, Props, Schema, SchemaRef, Value};

use crate::{TransformError, TransformPlugin, Transformation};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.InsertHeader";

pub const OVERVIEW_DOC: &str = "Add a header to each record.";

pub const HEADER_FIELD: &str = "header";
pub const VALUE_LITERAL_FIELD: &str = "value.literal";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(InsertHeader::configure(p)?)),
        create_sink: |p| Ok(Box::new(InsertHeader::configure(p)?)),
    }]
}

/// Kafka's `ConfigDef.NonNullValidator`: a value given as a string is never null.
fn non_null() -> Validator {
    Validator::custom("non-null string", |_, _| Ok(()))
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(HEADER_FIELD, ConfigType::String)
                .validator(non_null())
                .importance(Importance::High)
                .doc("The name of the header."),
        )
        .define(
            ConfigKey::new(VALUE_LITERAL_FIELD, ConfigType::String)
                .validator(non_null())
                .importance(Importance::High)
                .doc("The literal value that is to be set as the header value on all records."),
        )
}

#[derive(Debug, Clone)]
pub struct InsertHeader {
    header: String,
    schema: Option<SchemaRef>,
    value: Value,
}

impl InsertHeader {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let config = config_def()
            .parse(props)
            .map_err(|e| TransformError::new(CLASS, e.to_string()))?;
        let (schema, value) =
            parse_string(config.get_string(VALUE_LITERAL_FIELD).unwrap_or_default());
        Ok(InsertHeader {
            header: config
                .get_string(HEADER_FIELD)
                .unwrap_or_default()
                .to_string(),
            schema,
            value,
        })
    }
}

impl<R: ConnectRecord> Transformation<R> for InsertHeader {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        record.record_mut().headers.add(
            self.header.clone(),
            self.schema.clone(),
            self.value.clone(),
        );
        Ok(Some(record))
    }
}

/// Kafka's `Values.parseString` as `InsertHeader` uses it: the schema and value a string
/// literal stands for, or the literal as a string where parsing fails.
pub fn parse_string(value: &str) -> (Option<SchemaRef>, Value) {
    match values::parse_string(value) {
        Ok(Some(parsed)) => (parsed.schema, parsed.value),
        Ok(None) => (None, Value::Null),
        Err(_) => (Some(Schema::string()), Value::String(value.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{Headers, Record, SourceRecord};

    fn props(header: &str, literal: &str) -> Props {
        [(HEADER_FIELD, header), (VALUE_LITERAL_FIELD, literal)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn record(headers: Headers) -> SourceRecord {
        SourceRecord {
            source_partition: [("foo".to_string(), "bar".into())].into_iter().collect(),
            source_offset: [("baz".to_string(), "quxx".into())].into_iter().collect(),
            record: Record {
                topic: "topic".into(),
                kafka_partition: Some(0),
                key: Value::from("key"),
                value: Value::from("value"),
                timestamp: Some(0),
                headers,
                ..Record::default()
            },
        }
    }

    fn with_string(mut h: Headers, key: &str, value: &str) -> Headers {
        h.add(key, Some(Schema::string()), Value::from(value));
        h
    }

    fn apply(x: &InsertHeader, r: SourceRecord) -> SourceRecord {
        let out = Transformation::<SourceRecord>::apply(x, r.clone())
            .unwrap()
            .unwrap();
        // Everything but the headers is untouched.
        let mut same = out.clone();
        same.record.headers = r.record.headers.clone();
        assert_eq!(same, r);
        out
    }

    #[test]
    fn insertion_with_existing_other_header() {
        let x = InsertHeader::configure(&props("inserted", "inserted-value")).unwrap();
        let headers = with_string(Headers::new(), "existing", "existing-value");
        let out = apply(&x, record(headers.clone()));
        assert_eq!(
            out.record.headers,
            with_string(headers, "inserted", "inserted-value")
        );
    }

    #[test]
    fn insertion_with_existing_same_header() {
        let x = InsertHeader::configure(&props("existing", "inserted-value")).unwrap();
        let headers = with_string(Headers::new(), "existing", "preexisting-value");
        let out = apply(&x, record(headers.clone()));
        assert_eq!(
            out.record.headers,
            with_string(headers, "existing", "inserted-value")
        );
    }

    #[test]
    fn insertion_with_byte_header() {
        let x = InsertHeader::configure(&props("inserted", "1")).unwrap();
        let headers = with_string(Headers::new(), "existing", "existing-value");
        let out = apply(&x, record(headers.clone()));
        let mut expected = headers;
        expected.add("inserted", Some(Schema::int8()), Value::Int8(1));
        assert_eq!(out.record.headers, expected);
    }

    #[test]
    fn config_requires_header_and_value() {
        let mut p = props("inserted", "1");
        p.remove(HEADER_FIELD);
        assert_eq!(
            InsertHeader::configure(&p).unwrap_err().message,
            "Missing required configuration \"header\" which has no default value."
        );
        let mut p = props("inserted", "1");
        p.remove(VALUE_LITERAL_FIELD);
        assert_eq!(
            InsertHeader::configure(&p).unwrap_err().message,
            "Missing required configuration \"value.literal\" which has no default value."
        );
    }
}
