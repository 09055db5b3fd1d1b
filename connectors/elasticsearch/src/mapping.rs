//! Index mappings from record schemas, as Confluent's `Mapping.buildMapping`: when
//! `schema.ignore` is false and the index has no mapping yet, the first record's value
//! schema becomes the index mapping (strings as `text` with a `keyword` sub-field,
//! decimals as `double`, Date/Time/Timestamp as `date`, maps as `key`/`value` objects).
//!
//! As Confluent's, Date values are written as days and Time values as milliseconds
//! since midnight while the mapping says `date` (which reads numbers as epoch
//! milliseconds): use `schema.ignore=true` or a timestamp for true dates.

use connect_api::data::logical;
use connect_api::{Schema, SchemaType, Value};
use serde_json::{json, Map, Value as Json};

use crate::error::EsError;

const DATE_NAMES: [&str; 3] = [
    "org.apache.kafka.connect.data.Date",
    "org.apache.kafka.connect.data.Time",
    "org.apache.kafka.connect.data.Timestamp",
];
const DECIMAL_NAME: &str = "org.apache.kafka.connect.data.Decimal";

/// The mapping (`{"properties": ...}` for a struct) of values with this schema.
pub fn build_mapping(schema: &Schema) -> Result<Json, EsError> {
    let name = schema.name.as_deref();
    if name.is_some_and(|n| DATE_NAMES.contains(&n)) {
        return Ok(primitive("date", schema.default.as_ref()));
    }
    if name == Some(DECIMAL_NAME) {
        return Ok(primitive("double", schema.default.as_ref()));
    }
    match schema.schema_type {
        SchemaType::Array => {
            let items = schema.value_schema.as_deref().ok_or_else(|| {
                EsError::Data("Cannot infer mapping of an array without its value schema.".into())
            })?;
            build_mapping(items)
        }
        SchemaType::Map => {
            let (Some(k), Some(v)) = (schema.key_schema.as_deref(), schema.value_schema.as_deref())
            else {
                return Err(EsError::Data(
                    "Cannot infer mapping of a map without its key and value schemas.".into(),
                ));
            };
            Ok(json!({"properties": {"key": build_mapping(k)?, "value": build_mapping(v)?}}))
        }
        SchemaType::Struct => {
            let mut properties = Map::with_capacity(schema.fields.len());
            for field in &schema.fields {
                properties.insert(field.name.clone(), build_mapping(&field.schema)?);
            }
            Ok(json!({ "properties": properties }))
        }
        SchemaType::Boolean => Ok(primitive("boolean", schema.default.as_ref())),
        SchemaType::Int8 => Ok(primitive("byte", schema.default.as_ref())),
        SchemaType::Int16 => Ok(primitive("short", schema.default.as_ref())),
        SchemaType::Int32 => Ok(primitive("integer", schema.default.as_ref())),
        SchemaType::Int64 => Ok(primitive("long", schema.default.as_ref())),
        SchemaType::Float32 => Ok(primitive("float", schema.default.as_ref())),
        SchemaType::Float64 => Ok(primitive("double", schema.default.as_ref())),
        SchemaType::String => Ok(primitive("text", None)),
        SchemaType::Bytes => Ok(primitive("binary", None)),
    }
}

/// `{"type": t}`, a `keyword` sub-field for text, and the default as `null_value`
/// (not for text and binary, which Elasticsearch does not support).
fn primitive(kind: &str, default: Option<&Value>) -> Json {
    let mut out = json!({ "type": kind });
    if kind == "text" {
        out["fields"] = json!({"keyword": {"type": "keyword", "ignore_above": 256}});
    }
    let null_value = match default {
        Some(Value::Boolean(b)) => Some(json!(b)),
        Some(Value::Int8(v)) => Some(json!(v)),
        Some(Value::Int16(v)) => Some(json!(v)),
        Some(Value::Int32(v)) => Some(json!(v)),
        Some(Value::Int64(v)) => Some(json!(v)),
        Some(Value::Float32(v)) => Some(json!(v)),
        Some(Value::Float64(v)) => Some(json!(v)),
        Some(Value::Decimal(d)) => d.to_string().parse::<f64>().ok().map(|f| json!(f)),
        Some(Value::Date(d)) => Some(json!(i64::from(logical::date_to_days(d)) * 86_400_000)),
        Some(Value::Time(t)) => Some(json!(logical::time_to_millis(t))),
        Some(Value::Timestamp(t)) => Some(json!(logical::timestamp_to_millis(t))),
        _ => None,
    };
    if let Some(v) = null_value {
        out["null_value"] = v;
    }
    out
}

/// Whether a `GET /{index}/_mapping` answer holds a mapping (Confluent's `hasMapping`).
pub fn has_mapping(answer: &Json, index: &str) -> bool {
    answer
        .get(index)
        .and_then(|i| i.get("mappings"))
        .and_then(Json::as_object)
        .is_some_and(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use connect_api::SchemaBuilder;

    use super::*;

    #[test]
    fn struct_schemas_become_confluents_mapping() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("name", Schema::string())
            .field("price", logical::decimal_schema(2).build())
            .field("at", logical::timestamp_schema().build())
            .field(
                "qty",
                SchemaBuilder::new(SchemaType::Int32)
                    .default_value(Value::Int32(1))
                    .build(),
            )
            .field("tags", SchemaBuilder::array(Schema::string()).build())
            .field(
                "attrs",
                SchemaBuilder::map(Schema::string(), Schema::float32()).build(),
            )
            .field("raw", Schema::optional_bytes())
            .build();
        let text = json!({"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}});
        assert_eq!(
            build_mapping(&schema).expect("mapping"),
            json!({"properties": {
                "id": {"type": "long"},
                "name": text,
                "price": {"type": "double"},
                "at": {"type": "date"},
                "qty": {"type": "integer", "null_value": 1},
                "tags": text,
                "attrs": {"properties": {"key": text, "value": {"type": "float"}}},
                "raw": {"type": "binary"},
            }})
        );
    }

    #[test]
    fn empty_mappings_are_not_mappings() {
        assert!(!has_mapping(&json!({"i": {"mappings": {}}}), "i"));
        assert!(has_mapping(
            &json!({"i": {"mappings": {"properties": {}}}}),
            "i"
        ));
        assert!(!has_mapping(&json!({"error": "x"}), "i"));
    }
}
