//! Records to bulk items, as Confluent's `DataConverter`: the document id (the key, or
//! topic+partition+offset), the external version (the offset, or a header), the index
//! (the topic, lower-cased) and the document itself (Connect data as JSON).
//!
//! Documents are what Kafka's `JsonConverter` (schemas.enable=false) writes, after
//! Confluent's pre-processing unless `schema.ignore` is true: decimals become JSON
//! numbers (else base64 of the unscaled bytes, as the JsonConverter writes them), maps
//! with string keys become objects when `compact.map.entries` is true (else arrays of
//! `{"key", "value"}` documents). Dates are days since the epoch, times milliseconds
//! since midnight, timestamps milliseconds since the epoch; bytes are base64.

use base64::Engine;
use connect_api::data::logical;
use connect_api::{Schema, SchemaType, SinkRecord, Value};
use serde_json::{Map, Value as Json};

use crate::bulk::{Action, BulkItem};
use crate::config::{EsSettings, NullValues, WriteMethod, BEHAVIOR_ON_NULL_VALUES_CONFIG};
use crate::error::EsError;

/// The index a topic's documents go to (Confluent's `convertTopicToIndexName`):
/// lower-cased, at most 255 bytes, no leading `-` or `_`, never `.` or `..`.
pub fn index_name(topic: &str) -> String {
    let mut index = topic.to_lowercase();
    if index.len() > 255 {
        let mut end = 255;
        while !index.is_char_boundary(end) {
            end -= 1;
        }
        index.truncate(end);
    }
    if index.starts_with('-') || index.starts_with('_') {
        index.remove(0);
    }
    if index == "." || index == ".." {
        index = index.replace('.', "dot");
    }
    index
}

/// "record from topic=t partition=p offset=o", as Confluent's log lines say it.
pub fn describe(record: &SinkRecord) -> String {
    format!(
        "record from topic={} partition={} offset={}",
        record.topic(),
        record.kafka_partition(),
        record.kafka_offset
    )
}

/// How values become JSON: Confluent's pre-processing or the plain JsonConverter form.
#[derive(Debug, Clone, Copy)]
pub struct JsonStyle {
    /// False under `schema.ignore`: the JsonConverter's own forms.
    pub preprocess: bool,
    pub compact_map_entries: bool,
}

/// The bulk item for `record`; None when the record writes nothing (a tombstone under
/// `behavior.on.null.values=ignore`, or `delete` without a key). A record that cannot be
/// converted is an [`EsError::Data`].
pub fn to_bulk_item(
    settings: &EsSettings,
    record: &SinkRecord,
) -> Result<Option<BulkItem>, EsError> {
    let topic = record.topic();
    let tombstone = record.record.value.is_null();
    if tombstone {
        match settings.null_values {
            NullValues::Ignore => return Ok(None),
            NullValues::Delete if record.record.key.is_null() => {
                tracing::trace!(
                    "Ignoring {} with null key, since the record key is used as the ID of the index",
                    describe(record)
                );
                return Ok(None);
            }
            NullValues::Delete => {}
            NullValues::Fail => {
                return Err(EsError::Data(format!(
                    "{} has a null value (to ignore future records like this change the configuration property '{BEHAVIOR_ON_NULL_VALUES_CONFIG}' from 'fail' to 'ignore')",
                    describe(record)
                )))
            }
        }
    }
    let ignore_key = settings.ignore_key_for(topic);
    let id = if ignore_key {
        format!(
            "{}+{}+{}",
            topic,
            record.kafka_partition(),
            record.kafka_offset
        )
    } else {
        document_id(record.record.key_schema.as_deref(), &record.record.key)?
    };
    // External versions make replays of older records version conflicts, which are
    // not errors: the newest offset's document stays.
    let version = if ignore_key {
        None
    } else {
        Some(external_version(settings, record)?)
    };
    let index = index_name(topic);
    if tombstone {
        return Ok(Some(BulkItem::new(
            Action::Delete,
            index,
            id,
            version,
            None,
        )));
    }
    let style = JsonStyle {
        preprocess: !settings.ignore_schema_for(topic),
        compact_map_entries: settings.compact_map_entries,
    };
    let doc = to_json(
        &record.record.value,
        record.record.value_schema.as_deref(),
        style,
    )?;
    let doc = serde_json::to_string(&doc)
        .map_err(|e| EsError::Data(format!("{}: cannot serialize: {e}", describe(record))))?;
    Ok(Some(match settings.write_method {
        WriteMethod::Upsert => BulkItem::new(Action::Upsert, index, id, None, Some(doc)),
        WriteMethod::Insert => BulkItem::new(Action::Index, index, id, version, Some(doc)),
    }))
}

/// The record key as a document id (Confluent's `convertKey`): integers and strings only.
pub fn document_id(schema: Option<&Schema>, key: &Value) -> Result<String, EsError> {
    let kind = match schema {
        Some(s) => Some(s.schema_type),
        None => key.schema_type(),
    };
    let id = match (kind, key) {
        (_, Value::Null) => {
            return Err(EsError::Data(
                "Key is used as document id and can not be null.".into(),
            ))
        }
        (Some(SchemaType::Int8), Value::Int8(v)) => v.to_string(),
        (Some(SchemaType::Int16), Value::Int16(v)) => v.to_string(),
        (Some(SchemaType::Int32), Value::Int32(v)) => v.to_string(),
        (Some(SchemaType::Int64), Value::Int64(v)) => v.to_string(),
        (Some(SchemaType::String), Value::String(v)) => v.clone(),
        (Some(kind), _) => {
            return Err(EsError::Data(format!(
                "{} is not supported as the document id.",
                kind.name()
            )))
        }
        (None, other) => {
            return Err(EsError::Data(format!(
                "{} does not have corresponding schema type.",
                other.kind_name()
            )))
        }
    };
    if id.is_empty() {
        return Err(EsError::Data(
            "Key is used as document id and can not be empty.".into(),
        ));
    }
    Ok(id)
}

fn external_version(settings: &EsSettings, record: &SinkRecord) -> Result<i64, EsError> {
    let Some(name) = &settings.external_version_header else {
        return Ok(record.kafka_offset);
    };
    let header = record.record.headers.last_with_name(name).ok_or_else(|| {
        EsError::Data(format!(
            "{} has no header '{name}' (external.version.header)",
            describe(record)
        ))
    })?;
    let parsed = match &header.value {
        Value::Int8(v) => Some(i64::from(*v)),
        Value::Int16(v) => Some(i64::from(*v)),
        Value::Int32(v) => Some(i64::from(*v)),
        Value::Int64(v) => Some(*v),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        EsError::Data(format!(
            "Error converting to long: header '{name}' of {} is {:?}",
            describe(record),
            header.value
        ))
    })
}

fn float(v: f64) -> Json {
    // Jackson writes non-finite doubles as strings ("NaN", "Infinity").
    match serde_json::Number::from_f64(v) {
        Some(n) => Json::Number(n),
        None if v.is_nan() => Json::String("NaN".into()),
        None if v > 0.0 => Json::String("Infinity".into()),
        None => Json::String("-Infinity".into()),
    }
}

fn base64(bytes: &[u8]) -> Json {
    Json::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// `value` (with its schema, if any) as JSON in the given style.
pub fn to_json(value: &Value, schema: Option<&Schema>, style: JsonStyle) -> Result<Json, EsError> {
    let value = match (value, schema) {
        (Value::Null, Some(s)) => match &s.default {
            Some(d) => d,
            None if s.optional || !style.preprocess => return Ok(Json::Null),
            None => {
                return Err(EsError::Data(
                    "null value for field that is required and has no default value".into(),
                ))
            }
        },
        (v, _) => v,
    };
    Ok(match value {
        Value::Null => Json::Null,
        Value::Int8(v) => Json::from(*v),
        Value::Int16(v) => Json::from(*v),
        Value::Int32(v) => Json::from(*v),
        Value::Int64(v) => Json::from(*v),
        // Shortest decimal text of the f32, as Java's Float.toString.
        Value::Float32(v) => float(v.to_string().parse::<f64>().unwrap_or(f64::from(*v))),
        Value::Float64(v) => float(*v),
        Value::Boolean(v) => Json::Bool(*v),
        Value::String(v) => Json::String(v.clone()),
        Value::Bytes(v) => base64(v),
        Value::Decimal(d) => match schema {
            Some(s) if !style.preprocess => {
                base64(&logical::decimal_to_bytes(s, d).map_err(|e| EsError::Data(e.to_string()))?)
            }
            _ => float(
                d.to_string()
                    .parse::<f64>()
                    .map_err(|e| EsError::Data(format!("decimal {d} is not a double: {e}")))?,
            ),
        },
        Value::Date(d) => Json::from(logical::date_to_days(d)),
        Value::Time(t) => Json::from(logical::time_to_millis(t)),
        Value::Timestamp(t) => Json::from(logical::timestamp_to_millis(t)),
        Value::Array(items) => {
            let item_schema = schema.and_then(|s| s.value_schema.as_deref());
            Json::Array(
                items
                    .iter()
                    .map(|v| to_json(v, item_schema, style))
                    .collect::<Result<_, _>>()?,
            )
        }
        Value::Map(entries) => map_to_json(entries, schema, style)?,
        Value::Struct(s) => {
            let mut out = Map::with_capacity(s.schema().fields.len());
            for (field, v) in s.schema().fields.iter().zip(s.values()) {
                let v = to_json(v, Some(&field.schema), style)
                    .map_err(|e| EsError::Data(format!("field '{}': {e}", field.name)))?;
                out.insert(field.name.clone(), v);
            }
            Json::Object(out)
        }
    })
}

fn map_to_json(
    entries: &[(Value, Value)],
    schema: Option<&Schema>,
    style: JsonStyle,
) -> Result<Json, EsError> {
    let key_schema = schema.and_then(|s| s.key_schema.as_deref());
    let value_schema = schema.and_then(|s| s.value_schema.as_deref());
    let string_keys = match key_schema {
        Some(k) => k.schema_type == SchemaType::String,
        None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
    };
    // Confluent turns string-keyed maps into objects only when compacting; the plain
    // JsonConverter (schema.ignore, or no schema at all) always does.
    let as_object =
        string_keys && (style.compact_map_entries || !style.preprocess || schema.is_none());
    if as_object {
        let mut out = Map::with_capacity(entries.len());
        for (k, v) in entries {
            let key = match k {
                Value::String(s) => s.clone(),
                other => return Err(EsError::Data(format!("map key {other:?} is not a string"))),
            };
            out.insert(key, to_json(v, value_schema, style)?);
        }
        return Ok(Json::Object(out));
    }
    let items = entries
        .iter()
        .map(|(k, v)| {
            let (k, v) = (
                to_json(k, key_schema, style)?,
                to_json(v, value_schema, style)?,
            );
            Ok(if style.preprocess && schema.is_some() {
                let mut entry = Map::with_capacity(2);
                entry.insert("key".into(), k);
                entry.insert("value".into(), v);
                Json::Object(entry)
            } else {
                Json::Array(vec![k, v])
            })
        })
        .collect::<Result<_, EsError>>()?;
    Ok(Json::Array(items))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use connect_api::{Record, SchemaBuilder, Struct};
    use serde_json::json;

    use super::*;
    use crate::config::{EsSettings, CONNECTION_URL_CONFIG};

    fn settings(pairs: &[(&str, &str)]) -> EsSettings {
        let mut props: connect_api::Props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        props.insert(CONNECTION_URL_CONFIG.into(), "http://localhost:9200".into());
        EsSettings::parse(&props).expect("settings")
    }

    fn record(
        topic: &str,
        offset: i64,
        key: Value,
        value: Value,
        schema: Option<connect_api::SchemaRef>,
    ) -> SinkRecord {
        SinkRecord {
            record: Record {
                topic: topic.into(),
                kafka_partition: Some(2),
                key_schema: match &key {
                    Value::Int64(_) => Some(Schema::int64()),
                    Value::String(_) => Some(Schema::string()),
                    _ => None,
                },
                key,
                value_schema: schema,
                value,
                ..Record::default()
            },
            kafka_offset: offset,
            ..SinkRecord::default()
        }
    }

    const PLAIN: JsonStyle = JsonStyle {
        preprocess: true,
        compact_map_entries: true,
    };

    #[test]
    fn structs_with_logical_types_become_elasticsearch_json() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("price", logical::decimal_schema(2).build())
            .field("day", logical::date_schema().build())
            .field("at", logical::timestamp_schema().build())
            .field("raw", Schema::bytes())
            .field("ratio", Schema::float32())
            .field("note", Schema::optional_string())
            .field(
                "tags",
                SchemaBuilder::map(Schema::string(), Schema::int32()).build(),
            )
            .build();
        let value = Struct::new(schema.clone())
            .and_then(|s| s.with("id", 7i64))
            .and_then(|s| s.with("price", Value::Decimal(bigdecimal_from("12.34"))))
            .and_then(|s| {
                s.with(
                    "day",
                    Value::Date(logical::date_from_days(19_000).expect("date")),
                )
            })
            .and_then(|s| {
                s.with(
                    "at",
                    Value::Timestamp(
                        logical::timestamp_from_millis(1_700_000_000_123).expect("ts"),
                    ),
                )
            })
            .and_then(|s| s.with("raw", Value::Bytes(vec![1, 2, 3])))
            .and_then(|s| s.with("ratio", Value::Float32(0.1)))
            .and_then(|s| {
                s.with(
                    "tags",
                    Value::Map(vec![(Value::from("a"), Value::Int32(1))]),
                )
            })
            .expect("struct");
        let json = to_json(&Value::Struct(value.clone()), Some(&schema), PLAIN).expect("json");
        assert_eq!(
            json,
            json!({"id": 7, "price": 12.34, "day": 19000, "at": 1_700_000_000_123_i64,
                   "raw": "AQID", "ratio": 0.1, "note": null, "tags": {"a": 1}})
        );
        // Non-compact maps are arrays of key/value documents; schema.ignore keeps the
        // JsonConverter's base64 decimals.
        let nested = to_json(
            &Value::Struct(value.clone()),
            Some(&schema),
            JsonStyle {
                preprocess: true,
                compact_map_entries: false,
            },
        )
        .expect("json");
        assert_eq!(nested["tags"], json!([{"key": "a", "value": 1}]));
        let raw = to_json(
            &Value::Struct(value),
            Some(&schema),
            JsonStyle {
                preprocess: false,
                compact_map_entries: false,
            },
        )
        .expect("json");
        assert_eq!(raw["price"], json!("BNI="));
        assert_eq!(raw["tags"], json!({"a": 1}));
    }

    fn bigdecimal_from(s: &str) -> bigdecimal::BigDecimal {
        bigdecimal::BigDecimal::from_str(s).expect("decimal")
    }

    #[test]
    fn schemaless_values_pass_through() {
        let value = Value::Map(vec![
            (Value::from("name"), Value::from("x")),
            (Value::from("n"), Value::Int64(3)),
            (
                Value::from("list"),
                Value::Array(vec![Value::Boolean(true), Value::Null]),
            ),
        ]);
        let json = to_json(&value, None, PLAIN).expect("json");
        assert_eq!(json, json!({"name": "x", "n": 3, "list": [true, null]}));
        let odd = Value::Map(vec![(Value::Int64(1), Value::from("one"))]);
        assert_eq!(
            to_json(&odd, None, PLAIN).expect("json"),
            json!([[1, "one"]])
        );
    }

    #[test]
    fn required_null_fields_are_data_errors() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .build();
        let s = Struct::new(schema.clone()).expect("struct");
        let err = to_json(&Value::Struct(s), Some(&schema), PLAIN).err();
        assert!(
            matches!(err, Some(EsError::Data(ref m)) if m.contains("required")),
            "{err:?}"
        );
    }

    #[test]
    fn keyed_inserts_are_externally_versioned_by_offset() {
        let s = settings(&[]);
        let doc = Value::Map(vec![(Value::from("a"), Value::Int64(1))]);
        let item = to_bulk_item(
            &s,
            &record("Orders", 42, Value::Int64(9), doc.clone(), None),
        )
        .expect("item")
        .expect("not skipped");
        assert_eq!(item.action, Action::Index);
        assert_eq!(item.index, "orders");
        assert_eq!(item.id, "9");
        assert_eq!(item.version, Some(42));
        assert_eq!(item.doc.as_deref(), Some(r#"{"a":1}"#));

        let s = settings(&[("key.ignore", "true")]);
        let item = to_bulk_item(&s, &record("Orders", 42, Value::Null, doc.clone(), None))
            .expect("item")
            .expect("not skipped");
        assert_eq!(item.id, "Orders+2+42");
        assert_eq!(item.version, None);

        let s = settings(&[("write.method", "upsert")]);
        let item = to_bulk_item(&s, &record("t", 1, Value::from("k"), doc, None))
            .expect("item")
            .expect("not skipped");
        assert_eq!((item.action, item.version), (Action::Upsert, None));
    }

    #[test]
    fn tombstones_follow_behavior_on_null_values() {
        let tomb = |key| record("t", 5, key, Value::Null, None);
        let fail = to_bulk_item(&settings(&[]), &tomb(Value::Int64(1))).err();
        assert!(
            matches!(fail, Some(EsError::Data(ref m)) if m.contains("behavior.on.null.values")),
            "{fail:?}"
        );
        let ignore = settings(&[("behavior.on.null.values", "ignore")]);
        assert!(to_bulk_item(&ignore, &tomb(Value::Int64(1)))
            .expect("ok")
            .is_none());
        let delete = settings(&[("behavior.on.null.values", "delete")]);
        let item = to_bulk_item(&delete, &tomb(Value::Int64(1)))
            .expect("ok")
            .expect("delete");
        assert_eq!(
            (item.action, item.id.as_str(), item.version),
            (Action::Delete, "1", Some(5))
        );
        assert!(to_bulk_item(&delete, &tomb(Value::Null))
            .expect("ok")
            .is_none());
    }

    #[test]
    fn keys_must_be_integers_or_non_empty_strings() {
        assert_eq!(
            document_id(Some(&Schema::int32()), &Value::Int32(-4))
                .ok()
                .as_deref(),
            Some("-4")
        );
        assert_eq!(
            document_id(None, &Value::from("abc")).ok().as_deref(),
            Some("abc")
        );
        for (schema, key) in [
            (None, Value::Null),
            (Some(Schema::string()), Value::from("")),
            (Some(Schema::float64()), Value::Float64(1.5)),
            (None, Value::Boolean(true)),
        ] {
            assert!(document_id(schema.as_deref(), &key).is_err(), "{key:?}");
        }
    }

    #[test]
    fn external_version_header_overrides_the_offset() {
        let s = settings(&[("external.version.header", "v")]);
        let mut r = record("t", 3, Value::Int64(1), Value::Map(vec![]), None);
        assert!(to_bulk_item(&s, &r).is_err());
        r.record.headers.add("v", None, Value::from("1234"));
        let item = to_bulk_item(&s, &r).expect("ok").expect("item");
        assert_eq!(item.version, Some(1234));
    }

    #[test]
    fn index_names_follow_elasticsearch_rules() {
        assert_eq!(index_name("My-Topic"), "my-topic");
        assert_eq!(index_name("_private"), "private");
        assert_eq!(index_name(".."), "dotdot");
        assert_eq!(index_name(&"x".repeat(300)).len(), 255);
    }
}
