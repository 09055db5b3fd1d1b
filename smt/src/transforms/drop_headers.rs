//! `DropHeaders`: removes every header whose key is one of `headers`.

use std::collections::HashSet;

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use connect_api::{ConnectRecord, Props};

use crate::{TransformError, TransformPlugin, Transformation};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.DropHeaders";

pub const OVERVIEW_DOC: &str = "Removes one or more headers from each record.";

pub const HEADERS_FIELD: &str = "headers";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(DropHeaders::configure(p)?)),
        create_sink: |p| Ok(Box::new(DropHeaders::configure(p)?)),
    }]
}

/// Kafka's `NonEmptyListValidator`.
pub(crate) fn non_empty_list() -> Validator {
    Validator::custom("non-empty list", |_, value| match value {
        ConfigValue::List(items) if items.is_empty() => Err("Empty list".to_string()),
        _ => Ok(()),
    })
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(HEADERS_FIELD, ConfigType::List)
            .validator(non_empty_list())
            .importance(Importance::High)
            .doc("The name of the headers to be removed."),
    )
}

#[derive(Debug, Clone)]
pub struct DropHeaders {
    headers: HashSet<String>,
}

impl DropHeaders {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let config = config_def()
            .parse(props)
            .map_err(|e| TransformError::new(CLASS, e.to_string()))?;
        Ok(DropHeaders {
            headers: config.get_list(HEADERS_FIELD).iter().cloned().collect(),
        })
    }
}

impl<R: ConnectRecord> Transformation<R> for DropHeaders {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        record
            .record_mut()
            .headers
            .0
            .retain(|h| !self.headers.contains(&h.key));
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{Headers, Record, Schema, SourceRecord, Value};

    fn props(headers: &str) -> Props {
        [(HEADERS_FIELD.to_string(), headers.to_string())]
            .into_iter()
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

    fn string_headers(pairs: &[(&str, &str)]) -> Headers {
        let mut h = Headers::new();
        for (k, v) in pairs {
            h.add(*k, Some(Schema::string()), Value::from(*v));
        }
        h
    }

    fn apply(x: &DropHeaders, r: SourceRecord) -> SourceRecord {
        Transformation::<SourceRecord>::apply(x, r)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn drop_existing_header() {
        let x = DropHeaders::configure(&props("to-drop")).unwrap();
        let original = record(string_headers(&[
            ("existing", "existing-value"),
            ("to-drop", "existing-value"),
        ]));
        let out = apply(&x, original.clone());
        assert_eq!(
            out.record.headers,
            string_headers(&[("existing", "existing-value")])
        );
        let mut expected = original;
        expected.record.headers = out.record.headers.clone();
        assert_eq!(out, expected);
    }

    #[test]
    fn drop_existing_header_with_multiple_values() {
        let x = DropHeaders::configure(&props("to-drop")).unwrap();
        let out = apply(
            &x,
            record(string_headers(&[
                ("existing", "existing-value"),
                ("to-drop", "existing-value"),
                ("to-drop", "existing-other-value"),
            ])),
        );
        assert_eq!(
            out.record.headers,
            string_headers(&[("existing", "existing-value")])
        );
    }

    #[test]
    fn drop_non_existing_header_and_several_names() {
        let x = DropHeaders::configure(&props("to-drop")).unwrap();
        let out = apply(
            &x,
            record(string_headers(&[("existing", "existing-value")])),
        );
        assert_eq!(
            out.record.headers,
            string_headers(&[("existing", "existing-value")])
        );

        let x = DropHeaders::configure(&props("a, b")).unwrap();
        let out = apply(
            &x,
            record(string_headers(&[("a", "1"), ("c", "2"), ("b", "3")])),
        );
        assert_eq!(out.record.headers, string_headers(&[("c", "2")]));
    }

    #[test]
    fn config_rejects_empty_list_and_missing_key() {
        assert_eq!(
            DropHeaders::configure(&props("")).unwrap_err().message,
            "Invalid value [] for configuration headers: Empty list"
        );
        assert_eq!(
            DropHeaders::configure(&Props::new()).unwrap_err().message,
            "Missing required configuration \"headers\" which has no default value."
        );
        assert_eq!(
            config_def()
                .key(HEADERS_FIELD)
                .unwrap()
                .validator
                .as_ref()
                .unwrap()
                .to_string(),
            "non-empty list"
        );
    }
}
