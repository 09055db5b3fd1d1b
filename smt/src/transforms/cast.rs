//! `Cast$Key` / `Cast$Value`: cast fields of a Struct (with a schema) or a Map
//! (schemaless), or the whole key or value, to another primitive type. The spec is
//! `field:type,field2:type` or a single `type` for the whole key or value; types are
//! Kafka's schema type names (`int8`, `int16`, `int32`, `int64`, `float32`, `float64`,
//! `boolean`, `string`, in any case). Integers, floats, booleans and strings cast to any
//! of them; bytes cast to string (base64); Date/Time/Timestamp cast to their numeric
//! representation or to an ISO-8601 string; Decimals cast as numbers or to a string. A
//! null key or value (tombstone) passes through unchanged.

use chrono::DateTime;
use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::data::logical;
use connect_api::java;
use connect_api::{ConnectRecord, Props, Schema, SchemaBuilder, SchemaRef, SchemaType, Value};

use super::util::{
    self, add_field, copy_schema_basics, decimal_double_value, decimal_float_value, java_split,
    map_get, map_put, operating_schema, operating_value, parse_config, require_map, require_struct,
    schemaless_type, set_operating, SchemaCache,
};
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.Cast$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.Cast$Value";

pub const SPEC_CONFIG: &str = "spec";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
const PURPOSE: &str = "cast types";

const SUPPORTED_CAST_INPUT_TYPES: [SchemaType; 9] = [
    SchemaType::Int8,
    SchemaType::Int16,
    SchemaType::Int32,
    SchemaType::Int64,
    SchemaType::Float32,
    SchemaType::Float64,
    SchemaType::Boolean,
    SchemaType::String,
    SchemaType::Bytes,
];

const SUPPORTED_CAST_OUTPUT_TYPES: [SchemaType; 8] = [
    SchemaType::Int8,
    SchemaType::Int16,
    SchemaType::Int32,
    SchemaType::Int64,
    SchemaType::Float32,
    SchemaType::Float64,
    SchemaType::Boolean,
    SchemaType::String,
];

const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(Cast::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(Cast::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(Cast::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(Cast::configure(Side::Value, p)?)),
        },
    ]
}

/// Kafka's `Cast.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(SPEC_CONFIG, ConfigType::List)
                .validator(Validator::custom(
                    "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>",
                    |_, value| match value.as_list() {
                        Some(mappings) => parse_field_types(mappings).map(|_| ()),
                        None => Ok(()),
                    },
                ))
                .importance(Importance::High)
                .doc("List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string."),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT_CONFIG, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Medium)
                .doc(util::REPLACE_NULL_WITH_DEFAULT_DOC),
        )
}

fn type_list(types: &[SchemaType]) -> String {
    let names: Vec<String> = types.iter().map(ToString::to_string).collect();
    format!("[{}]", names.join(", "))
}

/// `Schema.Type.valueOf(name.toUpperCase())`.
fn schema_type_named(name: &str) -> Option<SchemaType> {
    let upper = name.to_uppercase();
    SchemaType::ALL.into_iter().find(|t| t.to_string() == upper)
}

fn valid_output_type(ty: SchemaType) -> Result<SchemaType, String> {
    if SUPPORTED_CAST_OUTPUT_TYPES.contains(&ty) {
        Ok(ty)
    } else {
        Err(format!(
            "Cast transformation does not support casting to {ty}; supported types are {}",
            type_list(&SUPPORTED_CAST_OUTPUT_TYPES)
        ))
    }
}

fn valid_input_type(ty: SchemaType) -> Result<SchemaType, String> {
    if SUPPORTED_CAST_INPUT_TYPES.contains(&ty) {
        Ok(ty)
    } else {
        Err(format!(
            "Cast transformation does not support casting from {ty}; supported types are {}",
            type_list(&SUPPORTED_CAST_INPUT_TYPES)
        ))
    }
}

/// The parsed spec: per-field casts in spec order (a repeated field keeps its last type),
/// and the whole-value cast.
type Casts = (Vec<(String, SchemaType)>, Option<SchemaType>);

/// Kafka's `parseFieldTypes` (and the spec validator's empty check); the error is the
/// reason of Kafka's `ConfigException`.
fn parse_field_types(mappings: &[String]) -> Result<Casts, String> {
    if mappings.is_empty() {
        return Err("Must specify at least one field to cast.".to_string());
    }
    let mut casts: Vec<(String, SchemaType)> = Vec::new();
    let mut whole = None;
    let invalid_type = |name: &str| format!("Invalid type found in casting spec: {name}");
    for mapping in mappings {
        match java_split(mapping, ':')[..] {
            [ty] => {
                let ty = java::trim(ty);
                let parsed = schema_type_named(ty).ok_or_else(|| invalid_type(ty))?;
                whole = Some(valid_output_type(parsed)?);
            }
            [field, ty] => {
                let ty = java::trim(ty);
                let parsed = schema_type_named(ty).ok_or_else(|| invalid_type(ty))?;
                let parsed = valid_output_type(parsed)?;
                let field = java::trim(field);
                match casts.iter_mut().find(|(f, _)| f == field) {
                    Some(slot) => slot.1 = parsed,
                    None => casts.push((field.to_string(), parsed)),
                }
            }
            _ => return Err(format!("Invalid rename mapping: {mapping}")),
        }
    }
    if whole.is_some() && mappings.len() > 1 {
        return Err("Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec".to_string());
    }
    Ok((casts, whole))
}

pub struct Cast {
    class: &'static str,
    side: Side,
    casts: Vec<(String, SchemaType)>,
    whole_value_cast_type: Option<SchemaType>,
    replace_null_with_default: bool,
    cache: SchemaCache,
}

fn out_of_range(value: &Value) -> String {
    format!("Value ({value}) was out of range for requested data type")
}

fn unexpected(value: &Value) -> String {
    format!(
        "Unexpected type in Cast transformation: {}",
        java::class_of(value)
    )
}

/// Java's `Number.intValue()`: floats saturate, longs and decimals wrap.
fn int_value(value: &Value) -> Option<i32> {
    Some(match value {
        Value::Float32(v) => *v as i32,
        Value::Float64(v) => *v as i32,
        other => java::long_value(other)? as i32,
    })
}

fn double_value(value: &Value) -> Option<f64> {
    Some(match value {
        Value::Float32(v) => f64::from(*v),
        Value::Float64(v) => *v,
        Value::Decimal(_) => decimal_double_value(value)?,
        other => java::long_value(other)? as f64,
    })
}

fn float_value(value: &Value) -> Option<f32> {
    Some(match value {
        Value::Float32(v) => *v,
        Value::Float64(v) => *v as f32,
        Value::Decimal(_) => decimal_float_value(value)?,
        other => java::long_value(other)? as f32,
    })
}

/// Values' `dateFormatFor(date).format(date)` in UTC: a time before one day after the
/// epoch, a date on a day boundary, a timestamp otherwise.
fn format_date(millis: i64) -> String {
    let Some(ts) = DateTime::from_timestamp_millis(millis) else {
        return millis.to_string();
    };
    let pattern = if millis < MILLIS_PER_DAY {
        "%H:%M:%S%.3fZ"
    } else if millis % MILLIS_PER_DAY == 0 {
        "%Y-%m-%d"
    } else {
        "%Y-%m-%dT%H:%M:%S%.3fZ"
    };
    ts.format(pattern).to_string()
}

/// Kafka's `encodeLogicalType`: Date, Time and Timestamp to their physical values.
fn encode_logical_type(schema: &Schema, value: &Value) -> Value {
    match (schema.name.as_deref(), value) {
        (Some(logical::DATE_NAME), Value::Date(d)) => Value::Int32(logical::date_to_days(d)),
        (Some(logical::TIME_NAME), Value::Time(t)) => Value::Int32(logical::time_to_millis(t)),
        (Some(logical::TIMESTAMP_NAME), Value::Timestamp(ts)) => {
            Value::Int64(logical::timestamp_to_millis(ts))
        }
        (_, v) => v.clone(),
    }
}

/// Kafka's `castValueToType`.
fn cast_value_to_type(
    schema: Option<&Schema>,
    value: &Value,
    target: SchemaType,
) -> Result<Value, String> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let inferred = match schema {
        Some(s) => Some(s.schema_type),
        None => schemaless_type(value),
    };
    let inferred = inferred.ok_or_else(|| {
        format!(
            "Cast transformation was passed a value of type {} which is not supported by Connect's data API",
            java::class_of(value)
        )
    })?;
    valid_input_type(inferred)?;
    let encoded;
    let value = match schema {
        Some(s) if s.name.is_some() && target != SchemaType::String => {
            encoded = encode_logical_type(s, value);
            &encoded
        }
        _ => value,
    };
    let as_str = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    let boolean = |v: &Value| match v {
        Value::Boolean(b) => Some(*b),
        _ => None,
    };
    Ok(match target {
        SchemaType::Int8 => Value::Int8(if let Some(i) = int_value(value) {
            i as i8
        } else if let Some(b) = boolean(value) {
            i8::from(b)
        } else if let Some(s) = as_str(value) {
            s.parse().map_err(|_| out_of_range(value))?
        } else {
            return Err(unexpected(value));
        }),
        SchemaType::Int16 => Value::Int16(if let Some(i) = int_value(value) {
            i as i16
        } else if let Some(b) = boolean(value) {
            i16::from(b)
        } else if let Some(s) = as_str(value) {
            s.parse().map_err(|_| out_of_range(value))?
        } else {
            return Err(unexpected(value));
        }),
        SchemaType::Int32 => Value::Int32(if let Some(i) = int_value(value) {
            i
        } else if let Some(b) = boolean(value) {
            i32::from(b)
        } else if let Some(s) = as_str(value) {
            s.parse().map_err(|_| out_of_range(value))?
        } else {
            return Err(unexpected(value));
        }),
        SchemaType::Int64 => Value::Int64(if let Some(l) = java::long_value(value) {
            l
        } else if let Some(b) = boolean(value) {
            i64::from(b)
        } else if let Some(s) = as_str(value) {
            s.parse().map_err(|_| out_of_range(value))?
        } else {
            return Err(unexpected(value));
        }),
        SchemaType::Float32 => Value::Float32(if let Some(f) = float_value(value) {
            f
        } else if let Some(b) = boolean(value) {
            if b {
                1.0
            } else {
                0.0
            }
        } else if let Some(s) = as_str(value) {
            java::parse_float(&s).ok_or_else(|| out_of_range(value))?
        } else {
            return Err(unexpected(value));
        }),
        SchemaType::Float64 => Value::Float64(if let Some(d) = double_value(value) {
            d
        } else if let Some(b) = boolean(value) {
            if b {
                1.0
            } else {
                0.0
            }
        } else if let Some(s) = as_str(value) {
            java::parse_double(&s).ok_or_else(|| out_of_range(value))?
        } else {
            return Err(unexpected(value));
        }),
        SchemaType::Boolean => Value::Boolean(if let Some(l) = java::long_value(value) {
            l != 0
        } else if let Some(b) = boolean(value) {
            b
        } else if let Some(s) = as_str(value) {
            s.eq_ignore_ascii_case("true")
        } else {
            return Err(unexpected(value));
        }),
        SchemaType::String => Value::String(match java::temporal_millis(value) {
            Some(millis) => format_date(millis),
            // Bytes print as base64, everything else as Java's toString.
            None => value.to_string(),
        }),
        other => {
            return Err(format!(
                "{other} is not supported in the Cast transformation."
            ))
        }
    })
}

impl Cast {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = match side {
            Side::Key => KEY_CLASS,
            Side::Value => VALUE_CLASS,
        };
        let config = parse_config(&config_def(), props, class)?;
        let (casts, whole_value_cast_type) =
            parse_field_types(&util::get_list(&config, SPEC_CONFIG))
                .map_err(|m| TransformError::new(class, m))?;
        Ok(Cast {
            class,
            side,
            casts,
            whole_value_cast_type,
            replace_null_with_default: util::get_bool(&config, REPLACE_NULL_WITH_DEFAULT_CONFIG),
            cache: SchemaCache::new(),
        })
    }

    fn cast_for(&self, field: &str) -> Option<SchemaType> {
        self.casts.iter().find(|(f, _)| f == field).map(|(_, t)| *t)
    }

    fn build_schema(&self, schema: &Schema) -> Result<SchemaRef, String> {
        let mut builder = match self.whole_value_cast_type {
            Some(ty) => copy_schema_basics(schema, SchemaBuilder::new(ty)),
            None => {
                let mut builder = copy_schema_basics(schema, SchemaBuilder::struct_());
                for field in &schema.fields {
                    let field_schema = match self.cast_for(&field.name) {
                        Some(ty) => {
                            let mut fb = SchemaBuilder::new(ty);
                            if field.schema.optional {
                                fb = fb.optional();
                            }
                            if let Some(d) = &field.schema.default {
                                fb = fb.default_value(cast_value_to_type(
                                    Some(&field.schema),
                                    d,
                                    ty,
                                )?);
                            }
                            fb.build()
                        }
                        None => field.schema.clone(),
                    };
                    builder = add_field(builder, &field.name, field_schema)?;
                }
                builder
            }
        };
        if schema.optional {
            builder = builder.optional();
        }
        if let Some(d) = &schema.default {
            let ty = self.whole_value_cast_type.unwrap_or(SchemaType::Struct);
            builder = builder.default_value(cast_value_to_type(Some(schema), d, ty)?);
        }
        Ok(builder.build())
    }

    fn cast<R: ConnectRecord>(&self, record: &mut R) -> Result<(), String> {
        let value = operating_value(record, self.side);
        match operating_schema(record, self.side) {
            None => {
                let updated = match self.whole_value_cast_type {
                    Some(ty) => cast_value_to_type(None, value, ty)?,
                    None => {
                        let entries = require_map(value, PURPOSE)?;
                        let mut updated = entries.to_vec();
                        for (field, ty) in &self.casts {
                            let original = map_get(entries, field).unwrap_or(&Value::Null);
                            map_put(
                                &mut updated,
                                field,
                                cast_value_to_type(None, original, *ty)?,
                            );
                        }
                        Value::Map(updated)
                    }
                };
                set_operating(record, self.side, None, updated);
            }
            Some(schema) => {
                let updated_schema = self
                    .cache
                    .get_or_build(schema, || self.build_schema(schema))?;
                let updated = match self.whole_value_cast_type {
                    Some(ty) => cast_value_to_type(Some(schema), value, ty)?,
                    None => {
                        let value = require_struct(value, PURPOSE)?;
                        let mut updated = util::new_struct(&updated_schema)?;
                        for field in &value.schema().fields {
                            let original = util::field_value(
                                value,
                                &field.name,
                                self.replace_null_with_default,
                            );
                            let v = match self.cast_for(&field.name) {
                                Some(ty) => cast_value_to_type(Some(&field.schema), &original, ty)?,
                                None => original,
                            };
                            util::put(&mut updated, &field.name, v)?;
                        }
                        Value::Struct(updated)
                    }
                };
                set_operating(record, self.side, Some(updated_schema), updated);
            }
        }
        Ok(())
    }
}

impl<R: ConnectRecord> Transformation<R> for Cast {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        if operating_value(&record, self.side).is_null() {
            return Ok(Some(record));
        }
        self.cast(&mut record)
            .map_err(|m| TransformError::new(self.class, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use connect_api::{Record, SourceRecord, Struct};

    use super::*;
    use crate::transforms::util::parse_big_decimal;
    use crate::transforms::util::testing::{map, props, source};

    fn key_xform(spec: &str) -> Result<Cast, TransformError> {
        Cast::configure(Side::Key, &props(&[("spec", spec)]))
    }

    fn value_xform(spec: &str) -> Cast {
        Cast::configure(Side::Value, &props(&[("spec", spec)])).unwrap()
    }

    fn apply(t: &Cast, r: SourceRecord) -> Result<SourceRecord, TransformError> {
        Transformation::<SourceRecord>::apply(t, r).map(Option::unwrap)
    }

    fn value_record(schema: Option<SchemaRef>, value: Value) -> SourceRecord {
        source(Record {
            topic: "topic".into(),
            kafka_partition: Some(0),
            value_schema: schema,
            value,
            ..Record::default()
        })
    }

    fn config_error(spec: &str) -> String {
        key_xform(spec).err().unwrap().message
    }

    #[test]
    fn config_errors() {
        assert_eq!(
            config_error(""),
            "Invalid value [] for configuration spec: Must specify at least one field to cast."
        );
        assert_eq!(
            config_error("foo:faketype"),
            "Invalid value [foo:faketype] for configuration spec: Invalid type found in casting spec: faketype"
        );
        let to =
            "supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";
        assert_eq!(
            config_error("foo:array"),
            format!("Invalid value [foo:array] for configuration spec: Cast transformation does not support casting to ARRAY; {to}")
        );
        assert_eq!(
            config_error("array"),
            format!("Invalid value [array] for configuration spec: Cast transformation does not support casting to ARRAY; {to}")
        );
        assert_eq!(
            config_error("foo:bytes"),
            format!("Invalid value [foo:bytes] for configuration spec: Cast transformation does not support casting to BYTES; {to}")
        );
        assert_eq!(
            config_error("foo:int8:extra"),
            "Invalid value [foo:int8:extra] for configuration spec: Invalid rename mapping: foo:int8:extra"
        );
        assert_eq!(
            config_error("foo:int8,int32"),
            "Invalid value [foo:int8, int32] for configuration spec: Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"
        );
        // The same errors from the ConfigDef, for the validate endpoint.
        let infos = config_def().validate(&props(&[("spec", "foo:faketype")]));
        assert_eq!(infos.error_count, 1);
        let infos = config_def().validate(&Props::new());
        assert_eq!(infos.error_count, 1);
        // Type names in any case, with spaces around.
        assert!(key_xform(" foo : INT8 , bar:Float64").is_ok());
        assert!(key_xform("float").is_err());
    }

    #[test]
    fn null_values_pass_through() {
        let t = value_xform("foo:int64");
        let mut r = value_record(Some(Schema::string()), Value::Null);
        r.record.key_schema = Some(Schema::string());
        r.record.key = Value::from("key");
        assert_eq!(apply(&t, r.clone()).unwrap(), r);
        let r = value_record(None, Value::Null);
        assert_eq!(apply(&t, r.clone()).unwrap(), r);

        let t = key_xform("foo:int64").unwrap();
        let r = value_record(Some(Schema::string()), Value::from("value"));
        assert_eq!(apply(&t, r.clone()).unwrap(), r);
    }

    #[test]
    fn cast_field_with_default_value_record_with_schema() {
        for (replace, expected) in [("false", Value::Null), ("true", Value::from("10"))] {
            let t = Cast::configure(
                Side::Value,
                &props(&[
                    ("spec", "magic:string"),
                    ("replace.null.with.default", replace),
                ]),
            )
            .unwrap();
            let schema = SchemaBuilder::struct_()
                .field(
                    "magic",
                    SchemaBuilder::new(SchemaType::Int32)
                        .optional()
                        .default_value(Value::Int32(10))
                        .build(),
                )
                .build();
            let value = Value::Struct(Struct::new(schema.clone()).unwrap());
            let out = apply(&t, value_record(Some(schema), value)).unwrap();
            let s = out.record.value_schema.unwrap();
            assert_eq!(
                s.field("magic").unwrap().schema.schema_type,
                SchemaType::String
            );
            assert_eq!(
                out.record
                    .value
                    .as_struct()
                    .unwrap()
                    .get_without_default("magic"),
                Some(&expected)
            );
        }
    }

    #[test]
    fn cast_whole_record_with_schema() {
        let t = key_xform("int8").unwrap();
        let mut r = value_record(Some(Schema::string()), Value::from("bogus"));
        r.record.key_schema = Some(Schema::int32());
        r.record.key = Value::Int32(42);
        let out = apply(&t, r).unwrap();
        assert_eq!(out.record.key_schema.unwrap().schema_type, SchemaType::Int8);
        assert_eq!(out.record.key, Value::Int8(42));

        let cases = [
            ("int8", Value::Int32(42), SchemaType::Int8, Value::Int8(42)),
            (
                "int16",
                Value::Int32(42),
                SchemaType::Int16,
                Value::Int16(42),
            ),
            (
                "int32",
                Value::Int32(42),
                SchemaType::Int32,
                Value::Int32(42),
            ),
            (
                "int64",
                Value::Int32(42),
                SchemaType::Int64,
                Value::Int64(42),
            ),
            (
                "float32",
                Value::Int32(42),
                SchemaType::Float32,
                Value::Float32(42.0),
            ),
            (
                "float64",
                Value::Int32(42),
                SchemaType::Float64,
                Value::Float64(42.0),
            ),
            (
                "boolean",
                Value::Int32(42),
                SchemaType::Boolean,
                Value::Boolean(true),
            ),
            (
                "boolean",
                Value::Int32(0),
                SchemaType::Boolean,
                Value::Boolean(false),
            ),
            (
                "string",
                Value::Int32(42),
                SchemaType::String,
                Value::from("42"),
            ),
        ];
        for (spec, input, ty, expected) in cases {
            let t = value_xform(spec);
            let out = apply(&t, value_record(Some(Schema::int32()), input.clone())).unwrap();
            assert_eq!(out.record.value_schema.unwrap().schema_type, ty, "{spec}");
            assert_eq!(out.record.value, expected, "{spec}");
            // Schemaless.
            let out = apply(&t, value_record(None, input)).unwrap();
            assert_eq!(out.record.value_schema, None);
            assert_eq!(out.record.value, expected, "{spec}");
        }
    }

    #[test]
    fn cast_whole_logical_values_to_string() {
        let t = value_xform("string");
        let out = apply(
            &t,
            value_record(
                Some(logical::decimal_schema(0).build()),
                parse_big_decimal("42").unwrap(),
            ),
        )
        .unwrap();
        assert_eq!(
            out.record.value_schema.unwrap().schema_type,
            SchemaType::String
        );
        assert_eq!(out.record.value, Value::from("42"));

        let ts = logical::timestamp_from_millis(MILLIS_PER_DAY + 1).unwrap();
        let out = apply(
            &t,
            value_record(
                Some(logical::timestamp_schema().build()),
                Value::Timestamp(ts),
            ),
        )
        .unwrap();
        assert_eq!(out.record.value, Value::from("1970-01-02T00:00:00.001Z"));
    }

    #[test]
    fn cast_whole_record_default_value() {
        let t = value_xform("int32");
        let schema = SchemaBuilder::new(SchemaType::Float32)
            .default_value(Value::Float32(-42.125))
            .build();
        let out = apply(&t, value_record(Some(schema), Value::Float32(42.125))).unwrap();
        let s = out.record.value_schema.unwrap();
        assert_eq!(s.schema_type, SchemaType::Int32);
        assert_eq!(out.record.value, Value::Int32(42));
        assert_eq!(s.default, Some(Value::Int32(-42)));
    }

    #[test]
    fn cast_whole_record_schemaless_unsupported_type() {
        let t = value_xform("int8");
        let err = apply(
            &t,
            value_record(None, Value::Array(vec![Value::from("foo")])),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
        );
    }

    #[test]
    fn cast_logical_to_primitive() {
        let t = value_xform(
            "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,timestamp_to_float64:float64,null_timestamp_to_int32:int32",
        );
        let schema = SchemaBuilder::struct_()
            .field("date_to_int32", logical::date_schema().build())
            .field("timestamp_to_int64", logical::timestamp_schema().build())
            .field("time_to_int64", logical::time_schema().build())
            .field("decimal_to_int32", logical::decimal_schema(0).build())
            .field("timestamp_to_float64", logical::timestamp_schema().build())
            .field(
                "null_timestamp_to_int32",
                logical::timestamp_schema().optional().build(),
            )
            .build();
        let day = logical::date_from_days(1).unwrap();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("date_to_int32", Value::Date(day))
            .unwrap()
            .with(
                "timestamp_to_int64",
                Value::Timestamp(logical::timestamp_from_millis(0).unwrap()),
            )
            .unwrap()
            .with(
                "time_to_int64",
                Value::Time(logical::time_from_millis(1).unwrap()),
            )
            .unwrap()
            .with(
                "decimal_to_int32",
                parse_big_decimal(&(i64::from(i32::MAX) + 1).to_string()).unwrap(),
            )
            .unwrap()
            .with(
                "timestamp_to_float64",
                // Chrono cannot hold Long.MAX_VALUE milliseconds; a large one instead.
                Value::Timestamp(logical::timestamp_from_millis(8_210_266_876_799_999).unwrap()),
            )
            .unwrap();
        let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
        let v = out.record.value.as_struct().unwrap();
        assert_eq!(v.get("date_to_int32"), Some(&Value::Int32(1)));
        assert_eq!(v.get("timestamp_to_int64"), Some(&Value::Int64(0)));
        assert_eq!(v.get("time_to_int64"), Some(&Value::Int64(1)));
        assert_eq!(v.get("decimal_to_int32"), Some(&Value::Int32(i32::MIN)));
        assert_eq!(
            v.get("timestamp_to_float64"),
            Some(&Value::Float64(8_210_266_876_799_999.0))
        );
        assert_eq!(v.get("null_timestamp_to_int32"), Some(&Value::Null));
        let s = v.schema();
        let ty = |f: &str| s.field(f).unwrap().schema.schema_type;
        assert_eq!(ty("date_to_int32"), SchemaType::Int32);
        assert_eq!(ty("timestamp_to_int64"), SchemaType::Int64);
        assert_eq!(ty("time_to_int64"), SchemaType::Int64);
        assert_eq!(ty("decimal_to_int32"), SchemaType::Int32);
        assert_eq!(ty("timestamp_to_float64"), SchemaType::Float64);
        assert_eq!(ty("null_timestamp_to_int32"), SchemaType::Int32);
    }

    #[test]
    fn cast_logical_to_string() {
        let t = value_xform("date:string,decimal:string,time:string,timestamp:string");
        let schema = SchemaBuilder::struct_()
            .field("date", logical::date_schema().build())
            .field("decimal", logical::decimal_schema(0).build())
            .field("time", logical::time_schema().build())
            .field("timestamp", logical::timestamp_schema().build())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("date", Value::Date(logical::date_from_days(1).unwrap()))
            .unwrap()
            .with("decimal", parse_big_decimal("1982").unwrap())
            .unwrap()
            .with(
                "time",
                Value::Time(logical::time_from_millis(60 * 60 * 1000).unwrap()),
            )
            .unwrap()
            .with(
                "timestamp",
                Value::Timestamp(logical::timestamp_from_millis(1_700_000_123_456).unwrap()),
            )
            .unwrap();
        let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
        let v = out.record.value.as_struct().unwrap();
        assert_eq!(v.get("date"), Some(&Value::from("1970-01-02")));
        assert_eq!(v.get("decimal"), Some(&Value::from("1982")));
        assert_eq!(v.get("time"), Some(&Value::from("01:00:00.000Z")));
        assert_eq!(
            v.get("timestamp"),
            Some(&Value::from("2023-11-14T22:15:23.456Z"))
        );
        for f in ["date", "decimal", "time", "timestamp"] {
            assert_eq!(
                v.schema().field(f).unwrap().schema.schema_type,
                SchemaType::String
            );
        }
    }

    #[test]
    fn cast_fields_with_schema() {
        let t = value_xform("int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string");
        let schema = SchemaBuilder::struct_()
            .field("int8", Schema::int8())
            .field("int16", Schema::optional_int16())
            .field(
                "int32",
                SchemaBuilder::new(SchemaType::Int32)
                    .default_value(Value::Int32(2))
                    .build(),
            )
            .field("int64", Schema::int64())
            .field("float32", Schema::float32())
            .field(
                "float64",
                SchemaBuilder::new(SchemaType::Float64)
                    .default_value(Value::Float64(-1.125))
                    .build(),
            )
            .field("boolean", Schema::boolean())
            .field("string", Schema::string())
            .field("bigdecimal", logical::decimal_schema(0).build())
            .field("date", logical::date_schema().build())
            .field("optional", Schema::optional_float32())
            .field("timestamp", logical::timestamp_schema().build())
            .field("bytes", Schema::bytes())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("int8", Value::Int8(8))
            .unwrap()
            .with("int16", Value::Int16(16))
            .unwrap()
            .with("int32", 32)
            .unwrap()
            .with("int64", 64i64)
            .unwrap()
            .with("float32", Value::Float32(32.0))
            .unwrap()
            .with("float64", Value::Float64(-64.0))
            .unwrap()
            .with("boolean", true)
            .unwrap()
            .with("bigdecimal", parse_big_decimal("42").unwrap())
            .unwrap()
            .with("date", Value::Date(logical::date_from_days(1).unwrap()))
            .unwrap()
            .with("string", "42")
            .unwrap()
            .with(
                "timestamp",
                Value::Timestamp(logical::timestamp_from_millis(0).unwrap()),
            )
            .unwrap()
            .with(
                "bytes",
                Value::Bytes(vec![0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]),
            )
            .unwrap();
        let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
        let v = out.record.value.as_struct().unwrap();
        let s = v.schema();
        assert_eq!(v.get("int8"), Some(&Value::Int16(8)));
        assert!(s.field("int16").unwrap().schema.optional);
        assert_eq!(v.get("int16"), Some(&Value::Int32(16)));
        assert_eq!(v.get("int32"), Some(&Value::Int64(32)));
        assert_eq!(
            s.field("int32").unwrap().schema.default,
            Some(Value::Int64(2))
        );
        assert_eq!(v.get("int64"), Some(&Value::Boolean(true)));
        assert_eq!(v.get("float32"), Some(&Value::Float64(32.0)));
        assert_eq!(v.get("float64"), Some(&Value::Boolean(true)));
        assert_eq!(
            s.field("float64").unwrap().schema.default,
            Some(Value::Boolean(true))
        );
        assert_eq!(v.get("boolean"), Some(&Value::Int8(1)));
        assert_eq!(v.get("string"), Some(&Value::Int32(42)));
        assert_eq!(v.get("bigdecimal"), Some(&Value::from("42")));
        assert_eq!(v.get("date"), Some(&Value::from("1970-01-02")));
        assert_eq!(
            v.get("timestamp"),
            Some(&Value::Timestamp(
                logical::timestamp_from_millis(0).unwrap()
            ))
        );
        assert_eq!(v.get("bytes"), Some(&Value::from("/ty6mHZUMhA=")));
        assert_eq!(v.get("optional"), Some(&Value::Null));
        let ty = |f: &str| s.field(f).unwrap().schema.schema_type;
        assert_eq!(ty("int8"), SchemaType::Int16);
        assert_eq!(ty("int16"), SchemaType::Int32);
        assert_eq!(ty("int32"), SchemaType::Int64);
        assert_eq!(ty("int64"), SchemaType::Boolean);
        assert_eq!(ty("float32"), SchemaType::Float64);
        assert_eq!(ty("float64"), SchemaType::Boolean);
        assert_eq!(ty("boolean"), SchemaType::Int8);
        assert_eq!(ty("string"), SchemaType::Int32);
        assert_eq!(ty("bigdecimal"), SchemaType::String);
        assert_eq!(ty("date"), SchemaType::String);
        assert_eq!(ty("optional"), SchemaType::Int32);
        assert_eq!(ty("bytes"), SchemaType::String);
        assert_eq!(
            s.field("timestamp").unwrap().schema,
            logical::timestamp_schema().build()
        );
    }

    #[test]
    fn cast_fields_schemaless() {
        let t = value_xform("int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32");
        let value = map(vec![
            ("int8", Value::Int8(8)),
            ("int16", Value::Int16(16)),
            ("int32", Value::Int32(32)),
            ("int64", Value::Int64(64)),
            ("float32", Value::Float32(32.0)),
            ("float64", Value::Float64(-64.0)),
            ("boolean", Value::Boolean(true)),
            ("string", Value::from("42")),
        ]);
        let out = apply(&t, value_record(None, value)).unwrap();
        assert_eq!(out.record.value_schema, None);
        assert_eq!(
            out.record.value,
            map(vec![
                ("int8", Value::Int16(8)),
                ("int16", Value::Int32(16)),
                ("int32", Value::Int64(32)),
                ("int64", Value::Boolean(true)),
                ("float32", Value::Float64(32.0)),
                ("float64", Value::Boolean(true)),
                ("boolean", Value::Int8(1)),
                ("string", Value::Int32(42)),
            ])
        );
    }

    #[test]
    fn java_conversions() {
        let cast = |v: Value, ty| cast_value_to_type(None, &v, ty);
        // Narrowing wraps, float to int saturates, as Java casts.
        assert_eq!(
            cast(Value::Int32(300), SchemaType::Int8),
            Ok(Value::Int8(44))
        );
        assert_eq!(
            cast(Value::Float64(1e20), SchemaType::Int32),
            Ok(Value::Int32(i32::MAX))
        );
        assert_eq!(
            cast(Value::Float64(-1.9), SchemaType::Int64),
            Ok(Value::Int64(-1))
        );
        assert_eq!(
            cast(Value::from("TRUE"), SchemaType::Boolean),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            cast(Value::from("yes"), SchemaType::Boolean),
            Ok(Value::Boolean(false))
        );
        assert_eq!(
            cast(Value::from(" 1.5 "), SchemaType::Float64),
            Ok(Value::Float64(1.5))
        );
        assert_eq!(
            cast(Value::Boolean(true), SchemaType::Float32),
            Ok(Value::Float32(1.0))
        );
        assert_eq!(
            cast(Value::Float32(32.0), SchemaType::String),
            Ok(Value::from("32.0"))
        );
        assert_eq!(
            cast(Value::from("300"), SchemaType::Int8),
            Err("Value (300) was out of range for requested data type".to_string())
        );
        assert_eq!(
            cast(Value::from("abc"), SchemaType::Float64),
            Err("Value (abc) was out of range for requested data type".to_string())
        );
        assert_eq!(
            cast(Value::Bytes(vec![1]), SchemaType::Int32),
            Err("Unexpected type in Cast transformation: class [B".to_string())
        );
        assert_eq!(
            cast(parse_big_decimal("1.5").unwrap(), SchemaType::Int32),
            Err("Cast transformation was passed a value of type class java.math.BigDecimal which is not supported by Connect's data API".to_string())
        );
        assert_eq!(format_date(-1), "23:59:59.999Z");
    }

    #[test]
    fn schema_is_cached() {
        let t = value_xform("a:int64");
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let v = || Value::Struct(Struct::new(schema.clone()).unwrap().with("a", 1).unwrap());
        let s1 = apply(&t, value_record(Some(schema.clone()), v()))
            .unwrap()
            .record
            .value_schema
            .unwrap();
        let s2 = apply(&t, value_record(Some(schema.clone()), v()))
            .unwrap()
            .record
            .value_schema
            .unwrap();
        assert!(std::sync::Arc::ptr_eq(&s1, &s2));
    }

    #[test]
    fn plugins_have_kafkas_class_names() {
        let classes: Vec<&str> = plugins().iter().map(|p| p.class).collect();
        assert_eq!(
            classes,
            [
                "org.apache.kafka.connect.transforms.Cast$Key",
                "org.apache.kafka.connect.transforms.Cast$Value"
            ]
        );
    }
}
