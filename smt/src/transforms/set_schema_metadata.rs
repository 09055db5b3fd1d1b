//! `SetSchemaMetadata$Key` / `SetSchemaMetadata$Value`: set the name and/or version of the
//! key or value schema. A Struct key or value is rebuilt on the new schema. A record
//! without the schema fails, unless its key/value is null too (then it passes through).

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance};
use connect_api::{ConnectRecord, Props, Schema, SchemaRef, SchemaType, Value};

use super::util::{
    self, operating_schema, operating_value, parse_config, require_schema, set_operating,
};
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value";

const SCHEMA_NAME: &str = "schema.name";
const SCHEMA_VERSION: &str = "schema.version";
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(SetSchemaMetadata::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(SetSchemaMetadata::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(SetSchemaMetadata::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(SetSchemaMetadata::configure(Side::Value, p)?)),
        },
    ]
}

/// Kafka's `SetSchemaMetadata.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(SCHEMA_NAME, ConfigType::String)
                .default_null()
                .importance(Importance::High)
                .doc("Schema name to set."),
        )
        .define(
            ConfigKey::new(SCHEMA_VERSION, ConfigType::Int)
                .default_null()
                .importance(Importance::High)
                .doc("Schema version to set."),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Medium)
                .doc(util::REPLACE_NULL_WITH_DEFAULT_DOC),
        )
}

pub struct SetSchemaMetadata {
    class: &'static str,
    side: Side,
    schema_name: Option<String>,
    schema_version: Option<i32>,
    replace_null_with_default: bool,
}

impl SetSchemaMetadata {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = match side {
            Side::Key => KEY_CLASS,
            Side::Value => VALUE_CLASS,
        };
        let config = parse_config(&config_def(), props, class)?;
        let schema_name = util::get_string(&config, SCHEMA_NAME);
        let schema_version = config.get(SCHEMA_VERSION).and_then(ConfigValue::as_int);
        if schema_name.is_none() && schema_version.is_none() {
            return Err(TransformError::new(
                class,
                "Neither schema name nor version configured",
            ));
        }
        Ok(SetSchemaMetadata {
            class,
            side,
            schema_name,
            schema_version,
            replace_null_with_default: util::get_bool(&config, REPLACE_NULL_WITH_DEFAULT),
        })
    }

    fn updated_schema(&self, schema: &Schema) -> SchemaRef {
        let mut updated = schema.clone();
        if let Some(name) = &self.schema_name {
            updated.name = Some(name.clone());
        }
        if let Some(version) = self.schema_version {
            updated.version = Some(version);
        }
        // As Kafka's ConnectSchema constructor call: key schema for maps only, value
        // schema for maps and arrays.
        if updated.schema_type != SchemaType::Map {
            updated.key_schema = None;
        }
        if !matches!(updated.schema_type, SchemaType::Map | SchemaType::Array) {
            updated.value_schema = None;
        }
        SchemaRef::new(updated)
    }

    /// Kafka's `updateSchemaIn`: a Struct is rebuilt on the updated schema (assumed to have
    /// the same fields); anything else is returned as is.
    pub fn update_schema_in(&self, value: Value, updated: &SchemaRef) -> Result<Value, String> {
        match value {
            Value::Struct(original) => {
                let mut s = util::new_struct(updated)?;
                for field in &updated.fields {
                    let v =
                        util::field_value(&original, &field.name, self.replace_null_with_default);
                    util::put(&mut s, &field.name, v)?;
                }
                Ok(Value::Struct(s))
            }
            other => Ok(other),
        }
    }

    fn set<R: ConnectRecord>(&self, record: &mut R) -> Result<(), String> {
        let schema = require_schema(
            operating_schema(record, self.side),
            "updating schema metadata",
        )?;
        let updated = self.updated_schema(schema);
        let value = std::mem::take(match self.side {
            Side::Key => &mut record.record_mut().key,
            Side::Value => &mut record.record_mut().value,
        });
        let value = self.update_schema_in(value, &updated)?;
        set_operating(record, self.side, Some(updated), value);
        Ok(())
    }
}

impl<R: ConnectRecord> Transformation<R> for SetSchemaMetadata {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        if operating_value(&record, self.side).is_null()
            && operating_schema(&record, self.side).is_none()
        {
            return Ok(Some(record));
        }
        self.set(&mut record)
            .map_err(|m| TransformError::new(self.class, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use connect_api::{Record, SchemaBuilder, SinkRecord, Struct};

    use super::*;
    use crate::transforms::util::testing::{props, sink};

    fn xform(pairs: &[(&str, &str)]) -> SetSchemaMetadata {
        SetSchemaMetadata::configure(Side::Value, &props(pairs)).unwrap()
    }

    fn apply(t: &SetSchemaMetadata, r: SinkRecord) -> Result<SinkRecord, TransformError> {
        Transformation::<SinkRecord>::apply(t, r).map(Option::unwrap)
    }

    fn value_record(schema: Option<SchemaRef>, value: Value) -> SinkRecord {
        sink(Record {
            kafka_partition: Some(0),
            value_schema: schema,
            value,
            ..Record::default()
        })
    }

    fn assert_matching_schema(value: &Value, schema: &SchemaRef) {
        let s = value.as_struct().unwrap();
        assert!(Arc::ptr_eq(s.schema(), schema));
    }

    #[test]
    fn schema_name_update() {
        let t = xform(&[("schema.name", "foo")]);
        let r = value_record(Some(SchemaBuilder::struct_().build()), Value::Null);
        let out = apply(&t, r).unwrap();
        assert_eq!(
            out.record.value_schema.unwrap().name.as_deref(),
            Some("foo")
        );
    }

    #[test]
    fn schema_version_update() {
        let t = xform(&[("schema.version", "42")]);
        let r = value_record(Some(SchemaBuilder::struct_().build()), Value::Null);
        let out = apply(&t, r).unwrap();
        assert_eq!(out.record.value_schema.unwrap().version, Some(42));
    }

    #[test]
    fn schema_name_and_version_update() {
        let t = xform(&[("schema.name", "foo"), ("schema.version", "42")]);
        let r = value_record(Some(SchemaBuilder::struct_().build()), Value::Null);
        let out = apply(&t, r).unwrap();
        let s = out.record.value_schema.unwrap();
        assert_eq!(s.name.as_deref(), Some("foo"));
        assert_eq!(s.version, Some(42));
    }

    #[test]
    fn schema_name_and_version_update_with_struct() {
        let schema = SchemaBuilder::struct_()
            .name("my.orig.SchemaDefn")
            .field("f1", Schema::string())
            .field("f2", Schema::int32())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("f1", "value1")
            .unwrap()
            .with("f2", 1)
            .unwrap();
        let t = xform(&[("schema.name", "foo"), ("schema.version", "42")]);
        let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
        let s = out.record.value_schema.clone().unwrap();
        assert_eq!(s.name.as_deref(), Some("foo"));
        assert_eq!(s.version, Some(42));
        assert_matching_schema(&out.record.value, &s);
        let v = out.record.value.as_struct().unwrap();
        assert_eq!(v.get("f1"), Some(&Value::from("value1")));
        assert_eq!(v.get("f2"), Some(&Value::Int32(1)));
    }

    #[test]
    fn schema_name_and_version_update_with_struct_and_null_field() {
        for (replace, expected) in [("false", Value::Null), ("true", Value::from("default"))] {
            let schema = SchemaBuilder::struct_()
                .name("my.orig.SchemaDefn")
                .field(
                    "f1",
                    SchemaBuilder::new(SchemaType::String)
                        .default_value(Value::from("default"))
                        .optional()
                        .build(),
                )
                .field("f2", Schema::int32())
                .build();
            let value = Struct::new(schema.clone()).unwrap().with("f2", 1).unwrap();
            let t = xform(&[
                ("schema.name", "foo"),
                ("schema.version", "42"),
                ("replace.null.with.default", replace),
            ]);
            let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
            let s = out.record.value_schema.clone().unwrap();
            assert_eq!(s.name.as_deref(), Some("foo"));
            assert_eq!(s.version, Some(42));
            assert_matching_schema(&out.record.value, &s);
            assert_eq!(
                out.record
                    .value
                    .as_struct()
                    .unwrap()
                    .get_without_default("f1"),
                Some(&expected)
            );
        }
    }

    #[test]
    fn value_schema_required() {
        let t = xform(&[("schema.name", "foo")]);
        let err = apply(&t, value_record(None, Value::Int32(42))).unwrap_err();
        assert_eq!(
            err.message,
            "Schema required for [updating schema metadata]"
        );
        assert_eq!(err.class, VALUE_CLASS);
    }

    #[test]
    fn ignore_record_with_null_value() {
        let t = xform(&[("schema.name", "foo")]);
        let r = value_record(None, Value::Null);
        assert_eq!(apply(&t, r.clone()).unwrap(), r);
    }

    #[test]
    fn update_schema_in() {
        let t = xform(&[("schema.name", "foo")]);
        let schema = SchemaBuilder::struct_()
            .name("my.orig.SchemaDefn")
            .field("f1", Schema::string())
            .field("f2", Schema::int32())
            .build();
        let value = Struct::new(schema)
            .unwrap()
            .with("f1", "value1")
            .unwrap()
            .with("f2", 1)
            .unwrap();
        let new_schema = SchemaBuilder::struct_()
            .name("my.updated.SchemaDefn")
            .field("f1", Schema::string())
            .field("f2", Schema::int32())
            .build();
        let updated = t
            .update_schema_in(Value::Struct(value), &new_schema)
            .unwrap();
        assert_matching_schema(&updated, &new_schema);
        // Not a struct, or null: unchanged.
        assert_eq!(
            t.update_schema_in(Value::Int32(1), &Schema::int32())
                .unwrap(),
            Value::Int32(1)
        );
        assert_eq!(
            t.update_schema_in(Value::Null, &Schema::int32()).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn key_side_and_other_schema_types() {
        let t =
            SetSchemaMetadata::configure(Side::Key, &props(&[("schema.version", "3")])).unwrap();
        let schema = SchemaBuilder::array(Schema::int32()).name("arr").build();
        let r = sink(Record {
            key_schema: Some(schema),
            key: Value::Array(vec![Value::Int32(1)]),
            ..Record::default()
        });
        let out = apply(&t, r).unwrap();
        let s = out.record.key_schema.unwrap();
        assert_eq!(s.name.as_deref(), Some("arr"));
        assert_eq!(s.version, Some(3));
        assert_eq!(s.value_schema, Some(Schema::int32()));
        assert_eq!(out.record.key, Value::Array(vec![Value::Int32(1)]));
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
            errors(&props(&[("schema.version", "x")])),
            ["Invalid value x for configuration schema.version: Not a number of type INT"]
        );
        let err = SetSchemaMetadata::configure(Side::Value, &Props::new())
            .err()
            .unwrap();
        assert_eq!(err.message, "Neither schema name nor version configured");
    }

    #[test]
    fn plugins_have_kafkas_class_names() {
        let classes: Vec<&str> = plugins().iter().map(|p| p.class).collect();
        assert_eq!(
            classes,
            [
                "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
                "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value"
            ]
        );
    }
}
