//! `MaskField$Key` / `MaskField$Value`: replace fields with a "null" value of their type
//! (0, false, "", an empty array or map, the epoch for dates), or with `replacement`
//! converted to the field's type (numbers and strings only), in a Struct (with a schema)
//! or a Map (schemaless).
//!
//! As in Kafka, a null key or value is not passed through: it fails as "not a Struct" /
//! "not a Map".

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveTime};
use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::java;
use connect_api::{ConnectRecord, Props, Value};

use super::util::{
    self, decimal_double_value, decimal_long_value, map_get, map_put, operating_schema,
    operating_value, parse_big_decimal, parse_config, require_map, require_struct, set_operating,
};
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.MaskField$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.MaskField$Value";

const FIELDS_CONFIG: &str = "fields";
const REPLACEMENT_CONFIG: &str = "replacement";
const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
const PURPOSE: &str = "mask fields";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(MaskField::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(MaskField::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(MaskField::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(MaskField::configure(Side::Value, p)?)),
        },
    ]
}

/// Kafka's `MaskField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FIELDS_CONFIG, ConfigType::List)
                .validator(util::non_empty_list())
                .importance(Importance::High)
                .doc("Names of fields to mask."),
        )
        .define(
            ConfigKey::new(REPLACEMENT_CONFIG, ConfigType::String)
                .default_null()
                .validator(Validator::NonEmptyString)
                .importance(Importance::Low)
                .doc("Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT_CONFIG, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Medium)
                .doc(util::REPLACE_NULL_WITH_DEFAULT_DOC),
        )
}

pub struct MaskField {
    class: &'static str,
    side: Side,
    masked_fields: HashSet<String>,
    /// The fields in configuration order, for schemaless maps.
    field_order: Vec<String>,
    replacement: Option<String>,
    replace_null_with_default: bool,
}

/// Kafka's `maskWithNullValue`: the "null" value of a value's type.
fn mask_with_null_value(value: &Value) -> Result<Value, String> {
    let epoch = || DateTime::from_timestamp_millis(0).expect("the epoch is a valid time");
    Ok(match value {
        Value::Boolean(_) => Value::Boolean(false),
        Value::Int8(_) => Value::Int8(0),
        Value::Int16(_) => Value::Int16(0),
        Value::Int32(_) => Value::Int32(0),
        Value::Int64(_) => Value::Int64(0),
        Value::Float32(_) => Value::Float32(0.0),
        Value::Float64(_) => Value::Float64(0.0),
        Value::Decimal(_) => Value::Decimal(Default::default()),
        Value::Date(_) => Value::Date(NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")),
        Value::Time(_) => Value::Time(NaiveTime::MIN),
        Value::Timestamp(_) => Value::Timestamp(epoch()),
        Value::String(_) => Value::String(String::new()),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Map(_) => Value::Map(Vec::new()),
        other => {
            return Err(format!(
                "Cannot mask value of type: {}",
                java::class_of(other)
            ))
        }
    })
}

/// Kafka's `maskWithCustomReplacement`: the replacement converted to the value's type,
/// as Kafka's `Values.convertTo*` (numbers via `BigDecimal`, truncated and wrapped like
/// Java's narrowing casts).
fn mask_with_custom_replacement(value: &Value, replacement: &str) -> Result<Value, String> {
    let unable = || format!("Unable to convert {replacement} (class java.lang.String) to a number");
    let long = || {
        parse_big_decimal(replacement)
            .as_ref()
            .and_then(decimal_long_value)
            .ok_or_else(unable)
    };
    let double = || {
        parse_big_decimal(replacement)
            .as_ref()
            .and_then(decimal_double_value)
            .ok_or_else(unable)
    };
    Ok(match value {
        Value::Int8(_) => Value::Int8(long()? as i8),
        Value::Int16(_) => Value::Int16(long()? as i16),
        Value::Int32(_) => Value::Int32(long()? as i32),
        Value::Int64(_) => Value::Int64(long()?),
        Value::Float32(_) => Value::Float32(double()? as f32),
        Value::Float64(_) => Value::Float64(double()?),
        Value::String(_) => Value::String(replacement.to_string()),
        Value::Decimal(_) => parse_big_decimal(replacement).ok_or_else(|| {
            format!("Unable to convert {replacement} (class java.lang.String) to number")
        })?,
        other => {
            return Err(format!(
                "Cannot mask value of type {} with custom replacement.",
                java::class_of(other)
            ))
        }
    })
}

impl MaskField {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = match side {
            Side::Key => KEY_CLASS,
            Side::Value => VALUE_CLASS,
        };
        let config = parse_config(&config_def(), props, class)?;
        let field_order = util::get_list(&config, FIELDS_CONFIG);
        Ok(MaskField {
            class,
            side,
            masked_fields: field_order.iter().cloned().collect(),
            field_order,
            replacement: util::get_string(&config, REPLACEMENT_CONFIG),
            replace_null_with_default: util::get_bool(&config, REPLACE_NULL_WITH_DEFAULT_CONFIG),
        })
    }

    fn masked(&self, value: &Value) -> Result<Value, String> {
        match (value, &self.replacement) {
            (Value::Null, _) => Ok(Value::Null),
            (v, None) => mask_with_null_value(v),
            (v, Some(r)) => mask_with_custom_replacement(v, r),
        }
    }

    fn mask<R: ConnectRecord>(&self, record: &mut R) -> Result<(), String> {
        let value = operating_value(record, self.side);
        let schema = operating_schema(record, self.side).cloned();
        let updated = if schema.is_none() {
            let entries = require_map(value, PURPOSE)?;
            let mut updated = entries.to_vec();
            let mut seen = HashSet::new();
            for field in &self.field_order {
                if seen.insert(field) {
                    let original = map_get(entries, field).unwrap_or(&Value::Null);
                    map_put(&mut updated, field, self.masked(original)?);
                }
            }
            Value::Map(updated)
        } else {
            let value = require_struct(value, PURPOSE)?;
            let mut updated = util::new_struct(value.schema())?;
            for field in &value.schema().fields {
                let original =
                    util::field_value(value, &field.name, self.replace_null_with_default);
                let v = if self.masked_fields.contains(&field.name) {
                    self.masked(&original)?
                } else {
                    original
                };
                util::put(&mut updated, &field.name, v)?;
            }
            Value::Struct(updated)
        };
        set_operating(record, self.side, schema, updated);
        Ok(())
    }
}

impl<R: ConnectRecord> Transformation<R> for MaskField {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        self.mask(&mut record)
            .map_err(|m| TransformError::new(self.class, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use connect_api::data::logical;
    use connect_api::{Record, Schema, SchemaBuilder, SchemaRef, SchemaType, SinkRecord, Struct};

    use super::*;
    use crate::transforms::util::testing::{map, props, sink};

    fn schema() -> SchemaRef {
        SchemaBuilder::struct_()
            .field("magic", Schema::int32())
            .field("bool", Schema::boolean())
            .field("byte", Schema::int8())
            .field("short", Schema::int16())
            .field("int", Schema::int32())
            .field("long", Schema::int64())
            .field("float", Schema::float32())
            .field("double", Schema::float64())
            .field("string", Schema::string())
            .field("date", logical::date_schema().build())
            .field("time", logical::time_schema().build())
            .field("timestamp", logical::timestamp_schema().build())
            .field("decimal", logical::decimal_schema(0).build())
            .field("array", SchemaBuilder::array(Schema::int32()).build())
            .field(
                "map",
                SchemaBuilder::map(Schema::string(), Schema::string()).build(),
            )
            .field(
                "withDefault",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .default_value(Value::from("default"))
                    .build(),
            )
            .build()
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        logical::timestamp_from_millis(1_700_000_123_456).unwrap()
    }

    fn values() -> Value {
        map(vec![
            ("magic", Value::Int32(42)),
            ("bool", Value::Boolean(true)),
            ("byte", Value::Int8(42)),
            ("short", Value::Int16(42)),
            ("int", Value::Int32(42)),
            ("long", Value::Int64(42)),
            ("float", Value::Float32(42.0)),
            ("double", Value::Float64(42.0)),
            ("string", Value::from("55.121.20.20")),
            ("date", Value::Timestamp(now())),
            ("bigdec", parse_big_decimal("42.0").unwrap()),
            ("list", Value::Array(vec![Value::Int32(42)])),
            ("map", map(vec![("key", Value::from("value"))])),
        ])
    }

    fn values_with_schema() -> Value {
        let s = Struct::new(schema())
            .unwrap()
            .with("magic", 42)
            .unwrap()
            .with("bool", true)
            .unwrap()
            .with("byte", Value::Int8(42))
            .unwrap()
            .with("short", Value::Int16(42))
            .unwrap()
            .with("int", 42)
            .unwrap()
            .with("long", 42i64)
            .unwrap()
            .with("float", Value::Float32(42.0))
            .unwrap()
            .with("double", Value::Float64(42.0))
            .unwrap()
            .with("string", "hmm")
            .unwrap()
            .with("date", Value::Date(now().date_naive()))
            .unwrap()
            .with("time", Value::Time(now().time()))
            .unwrap()
            .with("timestamp", Value::Timestamp(now()))
            .unwrap()
            .with("decimal", parse_big_decimal("42").unwrap())
            .unwrap()
            .with(
                "array",
                Value::Array(vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)]),
            )
            .unwrap()
            .with("map", map(vec![("what", Value::from("what"))]))
            .unwrap();
        Value::Struct(s)
    }

    fn transform(fields: &[&str], replacement: Option<&str>) -> Result<MaskField, TransformError> {
        let mut p = props(&[
            ("fields", &fields.join(",")),
            ("replace.null.with.default", "false"),
        ]);
        if let Some(r) = replacement {
            p.insert("replacement".into(), r.into());
        }
        MaskField::configure(Side::Value, &p)
    }

    fn record(schema: Option<SchemaRef>, value: Value) -> SinkRecord {
        sink(Record {
            kafka_partition: Some(0),
            value_schema: schema,
            value,
            ..Record::default()
        })
    }

    fn apply(t: &MaskField, r: SinkRecord) -> Result<Value, String> {
        Transformation::<SinkRecord>::apply(t, r)
            .map(|r| r.unwrap().record.value)
            .map_err(|e| e.message)
    }

    fn get(v: &Value, field: &str) -> Value {
        match v {
            Value::Struct(s) => s.get(field).cloned().unwrap(),
            other => other.map_get(field).cloned().unwrap(),
        }
    }

    #[test]
    fn schemaless() {
        let fields = [
            "bool", "byte", "short", "int", "long", "float", "double", "string", "date", "bigdec",
            "list", "map",
        ];
        let out = apply(&transform(&fields, None).unwrap(), record(None, values())).unwrap();
        assert_eq!(get(&out, "magic"), Value::Int32(42));
        assert_eq!(get(&out, "bool"), Value::Boolean(false));
        assert_eq!(get(&out, "byte"), Value::Int8(0));
        assert_eq!(get(&out, "short"), Value::Int16(0));
        assert_eq!(get(&out, "int"), Value::Int32(0));
        assert_eq!(get(&out, "long"), Value::Int64(0));
        assert_eq!(get(&out, "float"), Value::Float32(0.0));
        assert_eq!(get(&out, "double"), Value::Float64(0.0));
        assert_eq!(get(&out, "string"), Value::from(""));
        assert_eq!(
            get(&out, "date"),
            Value::Timestamp(logical::timestamp_from_millis(0).unwrap())
        );
        assert_eq!(get(&out, "bigdec"), parse_big_decimal("0").unwrap());
        assert_eq!(get(&out, "list"), Value::Array(vec![]));
        assert_eq!(get(&out, "map"), Value::Map(vec![]));
    }

    #[test]
    fn schemaless_absent_fields_are_put_as_null() {
        // Kafka puts masked(value.get(field)) for every configured field.
        let out = apply(
            &transform(&["nope"], None).unwrap(),
            record(None, map(vec![("a", Value::Int32(1))])),
        )
        .unwrap();
        assert_eq!(
            out,
            map(vec![("a", Value::Int32(1)), ("nope", Value::Null)])
        );
    }

    #[test]
    fn with_schema() {
        let fields: Vec<String> = schema()
            .fields
            .iter()
            .map(|f| f.name.clone())
            .filter(|n| n != "magic")
            .collect();
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let out = apply(
            &transform(&fields, None).unwrap(),
            record(Some(schema()), values_with_schema()),
        )
        .unwrap();
        assert_eq!(get(&out, "magic"), Value::Int32(42));
        assert_eq!(get(&out, "bool"), Value::Boolean(false));
        assert_eq!(get(&out, "byte"), Value::Int8(0));
        assert_eq!(get(&out, "short"), Value::Int16(0));
        assert_eq!(get(&out, "int"), Value::Int32(0));
        assert_eq!(get(&out, "long"), Value::Int64(0));
        assert_eq!(get(&out, "float"), Value::Float32(0.0));
        assert_eq!(get(&out, "double"), Value::Float64(0.0));
        assert_eq!(get(&out, "string"), Value::from(""));
        assert_eq!(
            get(&out, "date"),
            Value::Date(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
        );
        assert_eq!(get(&out, "time"), Value::Time(NaiveTime::MIN));
        assert_eq!(
            get(&out, "timestamp"),
            Value::Timestamp(logical::timestamp_from_millis(0).unwrap())
        );
        assert_eq!(get(&out, "decimal"), parse_big_decimal("0").unwrap());
        assert_eq!(get(&out, "array"), Value::Array(vec![]));
        assert_eq!(get(&out, "map"), Value::Map(vec![]));
        assert_eq!(
            out.as_struct().unwrap().get_without_default("withDefault"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn schemaless_with_replacement() {
        let cases = [
            ("short", Value::Int16(123)),
            ("byte", Value::Int8(123)),
            ("int", Value::Int32(123)),
            ("long", Value::Int64(123)),
            ("float", Value::Float32(123.0)),
            ("double", Value::Float64(123.0)),
            ("string", Value::from("123")),
            ("bigdec", parse_big_decimal("123.0").unwrap()),
        ];
        for (field, expected) in cases {
            let replacement = match &expected {
                Value::Float32(_) | Value::Float64(_) | Value::Decimal(_) => "123.0",
                _ => "123",
            };
            let out = apply(
                &transform(&[field], Some(replacement)).unwrap(),
                record(None, values()),
            )
            .unwrap();
            assert_eq!(get(&out, field), expected, "{field}");
        }
        // Numbers go through BigDecimal: fractions are dropped, as Values.convertToInteger.
        let out = apply(
            &transform(&["int"], Some("123.9")).unwrap(),
            record(None, values()),
        )
        .unwrap();
        assert_eq!(get(&out, "int"), Value::Int32(123));
    }

    #[test]
    fn schemaless_unsupported_replacement_type() {
        for fields in [
            &["date"][..],
            &["int", "date"],
            &["bool"],
            &["list"],
            &["map"],
        ] {
            let err = apply(
                &transform(fields, Some("123")).unwrap(),
                record(None, values()),
            )
            .unwrap_err();
            assert!(err.starts_with("Cannot mask value of type"), "{err}");
        }
        let err = apply(
            &transform(&["bool"], Some("false")).unwrap(),
            record(None, values()),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Cannot mask value of type class java.lang.Boolean with custom replacement."
        );
    }

    #[test]
    fn with_schema_and_replacement() {
        let cases = [
            ("short", "123", Value::Int16(123)),
            ("byte", "123", Value::Int8(123)),
            ("int", "123", Value::Int32(123)),
            ("long", "123", Value::Int64(123)),
            ("float", "123.0", Value::Float32(123.0)),
            ("double", "123.0", Value::Float64(123.0)),
            ("string", "123", Value::from("123")),
            ("decimal", "123.0", parse_big_decimal("123.0").unwrap()),
        ];
        for (field, replacement, expected) in cases {
            let out = apply(
                &transform(&[field], Some(replacement)).unwrap(),
                record(Some(schema()), values_with_schema()),
            )
            .unwrap();
            assert_eq!(get(&out, field), expected, "{field}");
        }
    }

    #[test]
    fn with_schema_unsupported_replacement_type() {
        for field in ["time", "timestamp", "array"] {
            let err = apply(
                &transform(&[field], Some("123")).unwrap(),
                record(Some(schema()), values_with_schema()),
            )
            .unwrap_err();
            assert!(err.starts_with("Cannot mask value of type"), "{err}");
        }
    }

    #[test]
    fn replacement_type_mismatch() {
        for field in ["byte", "short", "int", "long", "float", "double", "bigdec"] {
            let err = apply(
                &transform(&[field], Some("foo")).unwrap(),
                record(None, values()),
            )
            .unwrap_err();
            assert!(
                err.starts_with("Unable to convert foo (class java.lang.String) to "),
                "{err}"
            );
        }
        let err = apply(
            &transform(&["string", "int"], Some("foo")).unwrap(),
            record(None, values()),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Unable to convert foo (class java.lang.String) to a number"
        );
    }

    #[test]
    fn bytes_and_structs_cannot_be_masked() {
        let err = apply(
            &transform(&["b"], None).unwrap(),
            record(None, map(vec![("b", Value::Bytes(vec![1]))])),
        )
        .unwrap_err();
        assert_eq!(err, "Cannot mask value of type: class [B");
    }

    #[test]
    fn tombstones_fail_as_in_kafka() {
        let err = apply(&transform(&["a"], None).unwrap(), record(None, Value::Null)).unwrap_err();
        assert_eq!(
            err,
            "Only Map objects supported in absence of schema for [mask fields], found: null"
        );
    }

    #[test]
    fn empty_string_replacement_value() {
        let err = transform(&["short"], Some("")).err().unwrap();
        assert_eq!(
            err.message,
            "Invalid value  for configuration replacement: String must be non-empty"
        );
    }

    #[test]
    fn config_def_rejects_bad_config() {
        let def = config_def();
        let errors = |p: &Props| -> Vec<String> {
            def.validate(p)
                .configs
                .iter()
                .flat_map(|c| c.value.errors.clone())
                .collect()
        };
        assert_eq!(
            errors(&props(&[("fields", "a"), ("replacement", "")])),
            ["Invalid value  for configuration replacement: String must be non-empty"]
        );
        assert_eq!(
            errors(&props(&[("fields", "")])),
            ["Invalid value [] for configuration fields: Empty list"]
        );
        assert!(errors(&props(&[("fields", "a")])).is_empty());
    }

    #[test]
    fn plugins_have_kafkas_class_names() {
        let classes: Vec<&str> = plugins().iter().map(|p| p.class).collect();
        assert_eq!(
            classes,
            [
                "org.apache.kafka.connect.transforms.MaskField$Key",
                "org.apache.kafka.connect.transforms.MaskField$Value"
            ]
        );
    }
}
