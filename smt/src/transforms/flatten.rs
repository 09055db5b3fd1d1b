//! `Flatten$Key` / `Flatten$Value`: flatten nested Structs (with a schema) or Maps
//! (schemaless) into one level, joining field names with `delimiter` (default `.`).
//! Arrays and their contents are left as they are. A null key or value (tombstone)
//! passes through unchanged.
//!
//! With a schema, a flattened field is optional when it or any ancestor is optional, and
//! takes its default from its own schema or else from the defaults of its ancestors.

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use connect_api::java;
use connect_api::{
    ConnectRecord, Props, Schema, SchemaBuilder, SchemaRef, SchemaType, Struct, Value,
};

use super::util::{
    self, add_field, copy_schema_basics, copy_schema_basics_of, map_put, operating_schema,
    operating_value, parse_config, require_map, require_struct_or_null, schemaless_type,
    set_operating, string_key, SchemaCache,
};
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.Flatten$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.Flatten$Value";

const DELIMITER_CONFIG: &str = "delimiter";
const DELIMITER_DEFAULT: &str = ".";
const PURPOSE: &str = "flattening";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(Flatten::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(Flatten::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(Flatten::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(Flatten::configure(Side::Value, p)?)),
        },
    ]
}

/// Kafka's `Flatten.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(DELIMITER_CONFIG, ConfigType::String)
            .default_value(DELIMITER_DEFAULT)
            .importance(Importance::Medium)
            .doc("Delimiter to insert between field names from the input record when generating field names for the output record"),
    )
}

pub struct Flatten {
    class: &'static str,
    side: Side,
    delimiter: String,
    cache: SchemaCache,
}

/// Whether fields of this type are copied as they are (not flattened further).
fn is_leaf(ty: SchemaType) -> bool {
    ty.is_primitive() || ty == SchemaType::Array
}

impl Flatten {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = match side {
            Side::Key => KEY_CLASS,
            Side::Value => VALUE_CLASS,
        };
        let config = parse_config(&config_def(), props, class)?;
        Ok(Flatten {
            class,
            side,
            delimiter: util::get_string(&config, DELIMITER_CONFIG).unwrap_or_default(),
            cache: SchemaCache::new(),
        })
    }

    fn field_name(&self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}{}{name}", self.delimiter)
        }
    }

    fn flatten_schemaless(
        &self,
        original: &[(Value, Value)],
        prefix: &str,
        out: &mut Vec<(Value, Value)>,
    ) -> Result<(), String> {
        for (k, v) in original {
            let name = self.field_name(prefix, string_key(k)?);
            if v.is_null() {
                map_put(out, &name, Value::Null);
                continue;
            }
            match schemaless_type(v) {
                None => {
                    return Err(format!(
                        "Flatten transformation was passed a value of type {} which is not supported by Connect's data API",
                        java::class_of(v)
                    ))
                }
                Some(SchemaType::Map) => {
                    self.flatten_schemaless(require_map(v, PURPOSE)?, &name, out)?
                }
                Some(ty) if is_leaf(ty) => map_put(out, &name, v.clone()),
                Some(_) => {
                    return Err(format!(
                        "Flatten transformation does not support {} for record without schemas (for field {name}).",
                        java::class_of(v)
                    ))
                }
            }
        }
        Ok(())
    }

    fn build_updated_schema(
        &self,
        schema: &Schema,
        prefix: &str,
        mut builder: SchemaBuilder,
        optional: bool,
        default_from_parent: Option<&Struct>,
    ) -> Result<SchemaBuilder, String> {
        for field in &schema.fields {
            let name = self.field_name(prefix, &field.name);
            let field_optional = optional || field.schema.optional;
            let field_default = match (&field.schema.default, default_from_parent) {
                (Some(d), _) => Some(d.clone()),
                (None, Some(parent)) => parent.get(&field.name).filter(|v| !v.is_null()).cloned(),
                (None, None) => None,
            };
            match field.schema.schema_type {
                ty if is_leaf(ty) => {
                    let converted =
                        convert_field_schema(&field.schema, field_optional, field_default);
                    builder = add_field(builder, &name, converted)?;
                }
                SchemaType::Struct => {
                    let default = match &field_default {
                        Some(Value::Struct(s)) => Some(s),
                        _ => None,
                    };
                    builder = self.build_updated_schema(
                        &field.schema,
                        &name,
                        builder,
                        field_optional,
                        default,
                    )?;
                }
                other => {
                    return Err(format!(
                        "Flatten transformation does not support {other} for record with schemas (for field {name})."
                    ))
                }
            }
        }
        Ok(builder)
    }

    fn build_with_schema(
        &self,
        record: Option<&Struct>,
        prefix: &str,
        out: &mut Struct,
    ) -> Result<(), String> {
        let Some(record) = record else {
            return Ok(());
        };
        for field in &record.schema().fields {
            let name = self.field_name(prefix, &field.name);
            let value = record.get(&field.name).unwrap_or(&Value::Null);
            match field.schema.schema_type {
                ty if is_leaf(ty) => util::put(out, &name, value.clone())?,
                SchemaType::Struct => self.build_with_schema(value.as_struct(), &name, out)?,
                other => {
                    return Err(format!(
                        "Flatten transformation does not support {other} for record with schemas (for field {name})."
                    ))
                }
            }
        }
        Ok(())
    }

    fn flatten<R: ConnectRecord>(&self, record: &mut R) -> Result<(), String> {
        let value = operating_value(record, self.side);
        match operating_schema(record, self.side) {
            None => {
                let entries = require_map(value, PURPOSE)?;
                let mut out = Vec::with_capacity(entries.len());
                self.flatten_schemaless(entries, "", &mut out)?;
                set_operating(record, self.side, None, Value::Map(out));
            }
            Some(schema) => {
                let value = require_struct_or_null(value, PURPOSE)?;
                let updated_schema: SchemaRef = self.cache.get_or_build(schema, || {
                    let builder = copy_schema_basics(schema, SchemaBuilder::struct_());
                    let default = match &schema.default {
                        Some(Value::Struct(s)) => Some(s),
                        _ => None,
                    };
                    self.build_updated_schema(schema, "", builder, schema.optional, default)
                        .map(SchemaBuilder::build)
                })?;
                let updated = match value {
                    None => Value::Null,
                    Some(v) => {
                        let mut out = util::new_struct(&updated_schema)?;
                        self.build_with_schema(Some(v), "", &mut out)?;
                        Value::Struct(out)
                    }
                };
                set_operating(record, self.side, Some(updated_schema), updated);
            }
        }
        Ok(())
    }
}

/// Kafka's `convertFieldSchema`: the schema of a flattened field, optional when an
/// ancestor is, with the default from its ancestors.
fn convert_field_schema(orig: &Schema, optional: bool, default: Option<Value>) -> SchemaRef {
    let mut builder = copy_schema_basics_of(orig);
    if optional {
        builder = builder.optional();
    }
    if let Some(d) = default {
        builder = builder.default_value(d);
    }
    builder.build()
}

impl<R: ConnectRecord> Transformation<R> for Flatten {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        if operating_value(&record, self.side).is_null() {
            return Ok(Some(record));
        }
        self.flatten(&mut record)
            .map_err(|m| TransformError::new(self.class, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use connect_api::{Record, SourceRecord};

    use super::*;
    use crate::transforms::util::testing::{map, props, source};

    fn value_xform(pairs: &[(&str, &str)]) -> Flatten {
        Flatten::configure(Side::Value, &props(pairs)).unwrap()
    }

    fn apply(t: &Flatten, r: SourceRecord) -> Result<SourceRecord, TransformError> {
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

    #[test]
    fn top_level_struct_or_map_required() {
        let t = value_xform(&[]);
        let err = apply(&t, value_record(Some(Schema::int32()), Value::Int32(42))).unwrap_err();
        assert_eq!(
            err.message,
            "Only Struct objects supported for [flattening], found: java.lang.Integer"
        );
        let err = apply(&t, value_record(None, Value::Int32(42))).unwrap_err();
        assert_eq!(
            err.message,
            "Only Map objects supported in absence of schema for [flattening], found: java.lang.Integer"
        );
    }

    #[test]
    fn nested_struct() {
        let t = value_xform(&[]);
        let supported = SchemaBuilder::struct_()
            .field("int8", Schema::int8())
            .field("int16", Schema::int16())
            .field("int32", Schema::int32())
            .field("int64", Schema::int64())
            .field("float32", Schema::float32())
            .field("float64", Schema::float64())
            .field("boolean", Schema::boolean())
            .field("string", Schema::string())
            .field("bytes", Schema::bytes())
            .build();
        let one = SchemaBuilder::struct_()
            .field("B", supported.clone())
            .build();
        let two = SchemaBuilder::struct_().field("A", one.clone()).build();
        let values = Struct::new(supported)
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
            .with("float64", Value::Float64(64.0))
            .unwrap()
            .with("boolean", true)
            .unwrap()
            .with("string", "stringy")
            .unwrap()
            .with("bytes", Value::Bytes(b"bytes".to_vec()))
            .unwrap();
        let one_v = Struct::new(one).unwrap().with("B", values).unwrap();
        let two_v = Struct::new(two.clone()).unwrap().with("A", one_v).unwrap();
        let out = apply(&t, value_record(Some(two), Value::Struct(two_v))).unwrap();
        let s = out.record.value.as_struct().unwrap();
        assert_eq!(out.record.value_schema.as_ref(), Some(s.schema()));
        assert_eq!(s.schema().fields.len(), 9);
        assert_eq!(s.get("A.B.int8"), Some(&Value::Int8(8)));
        assert_eq!(s.get("A.B.int16"), Some(&Value::Int16(16)));
        assert_eq!(s.get("A.B.int32"), Some(&Value::Int32(32)));
        assert_eq!(s.get("A.B.int64"), Some(&Value::Int64(64)));
        assert_eq!(s.get("A.B.float32"), Some(&Value::Float32(32.0)));
        assert_eq!(s.get("A.B.float64"), Some(&Value::Float64(64.0)));
        assert_eq!(s.get("A.B.boolean"), Some(&Value::Boolean(true)));
        assert_eq!(s.get("A.B.string"), Some(&Value::from("stringy")));
        assert_eq!(s.get("A.B.bytes"), Some(&Value::Bytes(b"bytes".to_vec())));
    }

    #[test]
    fn nested_map_with_delimiter() {
        let t = value_xform(&[("delimiter", "#")]);
        let supported = map(vec![
            ("int8", Value::Int8(8)),
            ("int16", Value::Int16(16)),
            ("int32", Value::Int32(32)),
            ("int64", Value::Int64(64)),
            ("float32", Value::Float32(32.0)),
            ("float64", Value::Float64(64.0)),
            ("boolean", Value::Boolean(true)),
            ("string", Value::from("stringy")),
            ("bytes", Value::Bytes(b"bytes".to_vec())),
        ]);
        let value = map(vec![("A", map(vec![("B", supported)]))]);
        let out = apply(&t, value_record(None, value)).unwrap();
        assert_eq!(out.record.value_schema, None);
        assert_eq!(
            out.record.value,
            map(vec![
                ("A#B#int8", Value::Int8(8)),
                ("A#B#int16", Value::Int16(16)),
                ("A#B#int32", Value::Int32(32)),
                ("A#B#int64", Value::Int64(64)),
                ("A#B#float32", Value::Float32(32.0)),
                ("A#B#float64", Value::Float64(64.0)),
                ("A#B#boolean", Value::Boolean(true)),
                ("A#B#string", Value::from("stringy")),
                ("A#B#bytes", Value::Bytes(b"bytes".to_vec())),
            ])
        );
    }

    #[test]
    fn optional_field_struct() {
        let t = value_xform(&[]);
        let inner = SchemaBuilder::struct_()
            .field("opt_int32", Schema::optional_int32())
            .build();
        let outer = SchemaBuilder::struct_().field("B", inner.clone()).build();
        let v = Struct::new(outer.clone())
            .unwrap()
            .with("B", Struct::new(inner).unwrap())
            .unwrap();
        let out = apply(&t, value_record(Some(outer), Value::Struct(v))).unwrap();
        assert_eq!(
            out.record.value.as_struct().unwrap().get("B.opt_int32"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn optional_struct_and_tombstones_pass_through() {
        let t = value_xform(&[]);
        let schema = SchemaBuilder::struct_()
            .optional()
            .field("opt_int32", Schema::optional_int32())
            .build();
        let r = value_record(Some(schema), Value::Null);
        assert_eq!(apply(&t, r.clone()).unwrap(), r);
        let r = value_record(None, Value::Null);
        assert_eq!(apply(&t, r.clone()).unwrap(), r);
    }

    #[test]
    fn optional_nested_struct() {
        let t = value_xform(&[]);
        let inner = SchemaBuilder::struct_()
            .optional()
            .field("opt_int32", Schema::optional_int32())
            .build();
        let outer = SchemaBuilder::struct_().field("B", inner).build();
        let v = Struct::new(outer.clone()).unwrap();
        let out = apply(&t, value_record(Some(outer), Value::Struct(v))).unwrap();
        assert_eq!(
            out.record.value.as_struct().unwrap().get("B.opt_int32"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn optional_field_map_and_key() {
        let t = value_xform(&[]);
        let value = map(vec![("B", map(vec![("opt_int32", Value::Null)]))]);
        let out = apply(&t, value_record(None, value)).unwrap();
        assert_eq!(out.record.value, map(vec![("B.opt_int32", Value::Null)]));

        let t = Flatten::configure(Side::Key, &Props::new()).unwrap();
        let r = source(Record {
            key: map(vec![("A", map(vec![("B", Value::Int32(12))]))]),
            ..Record::default()
        });
        let out = apply(&t, r).unwrap();
        assert_eq!(out.record.key_schema, None);
        assert_eq!(out.record.key, map(vec![("A.B", Value::Int32(12))]));
    }

    #[test]
    fn schemaless_array_is_untouched() {
        let t = value_xform(&[]);
        let value = map(vec![(
            "foo",
            Value::Array(vec![
                Value::from("bar"),
                map(vec![("baz", map(vec![("lfg", Value::from("lfg"))]))]),
            ]),
        )]);
        let out = apply(&t, value_record(None, value.clone())).unwrap();
        assert_eq!(out.record.value, value);
    }

    #[test]
    fn array_with_schema_is_untouched() {
        let t = value_xform(&[]);
        let nested = SchemaBuilder::struct_()
            .field("lfg", Schema::string())
            .build();
        let inner = SchemaBuilder::struct_()
            .field("baz", nested.clone())
            .build();
        let schema = SchemaBuilder::struct_()
            .field(
                "foo",
                SchemaBuilder::array(inner.clone()).doc("durk").build(),
            )
            .build();
        let nested_v = Struct::new(nested).unwrap().with("lfg", "lfg").unwrap();
        let inner_v = Struct::new(inner).unwrap().with("baz", nested_v).unwrap();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("foo", Value::Array(vec![Value::Struct(inner_v)]))
            .unwrap();
        let out = apply(
            &t,
            value_record(Some(schema.clone()), Value::Struct(value.clone())),
        )
        .unwrap();
        assert_eq!(out.record.value, Value::Struct(value));
        assert_eq!(out.record.value_schema, Some(schema));
    }

    #[test]
    fn optional_and_default_values_nested() {
        let t = value_xform(&[]);
        let child_builder = SchemaBuilder::struct_()
            .optional()
            .field("req_field", Schema::string())
            .field(
                "opt_field",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .default_value(Value::from("child_default"))
                    .build(),
            );
        let child_default = Struct::new(child_builder.clone().build())
            .unwrap()
            .with("req_field", "req_default")
            .unwrap();
        let schema = child_builder
            .default_value(Value::Struct(child_default))
            .build();
        let value = Struct::new(schema.clone()).unwrap();
        let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
        let s = out.record.value_schema.unwrap();
        assert_eq!(s.schema_type, SchemaType::Struct);
        assert_eq!(s.fields.len(), 2);
        assert_eq!(
            s.field("req_field").unwrap().schema,
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value(Value::from("req_default"))
                .build()
        );
        assert_eq!(
            s.field("opt_field").unwrap().schema,
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value(Value::from("child_default"))
                .build()
        );
    }

    #[test]
    fn map_with_null_fields_keeps_order() {
        let t = value_xform(&[]);
        let value = map(vec![
            ("firstNull", Value::Null),
            ("firstNonNull", Value::from("nonNull")),
            ("secondNull", Value::Null),
            ("secondNonNull", Value::from("alsoNonNull")),
            ("thirdNonNull", Value::Null),
        ]);
        let out = apply(&t, value_record(None, value.clone())).unwrap();
        assert_eq!(out.record.value, value);
    }

    #[test]
    fn struct_with_null_fields() {
        let t = value_xform(&[]);
        let schema = SchemaBuilder::struct_()
            .field("firstNull", Schema::optional_string())
            .field("firstNonNull", Schema::optional_string())
            .field("secondNull", Schema::optional_string())
            .field("secondNonNull", Schema::optional_string())
            .field("thirdNonNull", Schema::optional_string())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("firstNonNull", "nonNull")
            .unwrap()
            .with("secondNonNull", "alsoNonNull")
            .unwrap();
        let out = apply(&t, value_record(Some(schema), Value::Struct(value.clone()))).unwrap();
        assert_eq!(out.record.value, Value::Struct(value));
    }

    #[test]
    fn unsupported_values_fail_as_kafka() {
        let t = value_xform(&[]);
        let schema = SchemaBuilder::struct_()
            .field(
                "m",
                SchemaBuilder::map(Schema::string(), Schema::string()).build(),
            )
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("m", map(vec![]))
            .unwrap();
        let err = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap_err();
        assert_eq!(
            err.message,
            "Flatten transformation does not support MAP for record with schemas (for field m)."
        );
        let ts = connect_api::data::logical::timestamp_from_millis(0).unwrap();
        let err = apply(
            &t,
            value_record(None, map(vec![("t", Value::Timestamp(ts))])),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Flatten transformation was passed a value of type class java.util.Date which is not supported by Connect's data API"
        );
        let s = Struct::new(SchemaBuilder::struct_().build()).unwrap();
        let err = apply(&t, value_record(None, map(vec![("s", Value::Struct(s))]))).unwrap_err();
        assert_eq!(
            err.message,
            "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for record without schemas (for field s)."
        );
    }

    #[test]
    fn config_def_has_kafkas_default() {
        let def = config_def();
        assert_eq!(
            def.key("delimiter")
                .unwrap()
                .info()
                .default_value
                .as_deref(),
            Some(".")
        );
        assert!(def
            .validate(&Props::new())
            .configs
            .iter()
            .all(|c| c.value.errors.is_empty()));
    }

    #[test]
    fn plugins_have_kafkas_class_names() {
        let classes: Vec<&str> = plugins().iter().map(|p| p.class).collect();
        assert_eq!(
            classes,
            [
                "org.apache.kafka.connect.transforms.Flatten$Key",
                "org.apache.kafka.connect.transforms.Flatten$Value"
            ]
        );
    }
}
