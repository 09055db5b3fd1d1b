//! `ValueToKey`: replace the record key with a new key made of fields of the value: a
//! Struct of those fields (with a schema) or a Map (schemaless).

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use connect_api::{ConnectRecord, Props, SchemaBuilder, SchemaRef, Struct, Value};

use super::util::{
    self, add_field, map_get, parse_config, require_map, require_struct, SchemaCache,
};
use crate::{TransformError, TransformPlugin, Transformation};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.ValueToKey";

const FIELDS_CONFIG: &str = "fields";
const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
const PURPOSE: &str = "copying fields from value to key";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(ValueToKey::configure(p)?)),
        create_sink: |p| Ok(Box::new(ValueToKey::configure(p)?)),
    }]
}

/// Kafka's `ValueToKey.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FIELDS_CONFIG, ConfigType::List)
                .validator(util::non_empty_list())
                .importance(Importance::High)
                .doc("Field names on the record value to extract as the record key."),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT_CONFIG, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Medium)
                .doc(util::REPLACE_NULL_WITH_DEFAULT_DOC),
        )
}

pub struct ValueToKey {
    fields: Vec<String>,
    replace_null_with_default: bool,
    cache: SchemaCache,
}

impl ValueToKey {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let config = parse_config(&config_def(), props, CLASS)?;
        Ok(ValueToKey {
            fields: util::get_list(&config, FIELDS_CONFIG),
            replace_null_with_default: util::get_bool(&config, REPLACE_NULL_WITH_DEFAULT_CONFIG),
            cache: SchemaCache::new(),
        })
    }

    fn key_schema(&self, value: &Struct) -> Result<SchemaRef, String> {
        let mut builder = SchemaBuilder::struct_();
        for field in &self.fields {
            let from_value = value
                .schema()
                .field(field)
                .ok_or_else(|| format!("Field does not exist: {field}"))?;
            builder = add_field(builder, field, from_value.schema.clone())?;
        }
        Ok(builder.build())
    }

    fn to_key<R: ConnectRecord>(&self, record: &mut R) -> Result<(), String> {
        let r = record.record_mut();
        if r.value_schema.is_none() {
            let value = require_map(&r.value, PURPOSE)?;
            let mut key = Vec::with_capacity(self.fields.len());
            for field in &self.fields {
                let v = map_get(value, field).cloned().unwrap_or(Value::Null);
                util::map_put(&mut key, field, v);
            }
            r.key_schema = None;
            r.key = Value::Map(key);
        } else {
            let value = require_struct(&r.value, PURPOSE)?;
            let key_schema = self
                .cache
                .get_or_build(value.schema(), || self.key_schema(value))?;
            let mut key = util::new_struct(&key_schema)?;
            for field in &self.fields {
                let v = util::field_value(value, field, self.replace_null_with_default);
                util::put(&mut key, field, v)?;
            }
            let value_schema = value.schema().clone();
            r.key_schema = Some(key_schema);
            r.key = Value::Struct(key);
            r.value_schema = Some(value_schema);
        }
        Ok(())
    }
}

impl<R: ConnectRecord> Transformation<R> for ValueToKey {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        self.to_key(&mut record)
            .map_err(|m| TransformError::new(CLASS, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use connect_api::{Record, Schema, SchemaType, SinkRecord};

    use super::*;
    use crate::transforms::util::testing::{map, props, sink};

    fn apply(t: &ValueToKey, r: SinkRecord) -> Result<SinkRecord, TransformError> {
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

    #[test]
    fn schemaless() {
        let t = ValueToKey::configure(&props(&[("fields", "a,b")])).unwrap();
        let value = map(vec![
            ("a", Value::Int32(1)),
            ("b", Value::Int32(2)),
            ("c", Value::Int32(3)),
        ]);
        let out = apply(&t, value_record(None, value.clone())).unwrap();
        assert_eq!(out.record.key_schema, None);
        assert_eq!(
            out.record.key,
            map(vec![("a", Value::Int32(1)), ("b", Value::Int32(2))])
        );
        assert_eq!(out.record.value, value);
    }

    #[test]
    fn with_schema() {
        let t = ValueToKey::configure(&props(&[("fields", "a,b")])).unwrap();
        let schema = SchemaBuilder::struct_()
            .field("a", Schema::int32())
            .field("b", Schema::int32())
            .field("c", Schema::int32())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("a", 1)
            .unwrap()
            .with("b", 2)
            .unwrap()
            .with("c", 3)
            .unwrap();
        let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
        let expected_schema = SchemaBuilder::struct_()
            .field("a", Schema::int32())
            .field("b", Schema::int32())
            .build();
        let expected_key = Struct::new(expected_schema.clone())
            .unwrap()
            .with("a", 1)
            .unwrap()
            .with("b", 2)
            .unwrap();
        assert_eq!(out.record.key_schema, Some(expected_schema));
        assert_eq!(out.record.key, Value::Struct(expected_key));
    }

    #[test]
    fn non_existing_field() {
        let t = ValueToKey::configure(&props(&[("fields", "not_exist")])).unwrap();
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let value = Struct::new(schema.clone()).unwrap().with("a", 1).unwrap();
        let err = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap_err();
        assert_eq!(err.message, "Field does not exist: not_exist");
        assert_eq!(err.class, CLASS);
    }

    #[test]
    fn replace_null_with_default() {
        for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
            let t = ValueToKey::configure(&props(&[
                ("fields", "optional_with_default"),
                ("replace.null.with.default", replace),
            ]))
            .unwrap();
            let schema = SchemaBuilder::struct_()
                .field(
                    "optional_with_default",
                    SchemaBuilder::new(SchemaType::Int32)
                        .optional()
                        .default_value(Value::Int32(42))
                        .build(),
                )
                .build();
            let value = Struct::new(schema.clone()).unwrap();
            let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
            assert_eq!(
                out.record
                    .key
                    .as_struct()
                    .unwrap()
                    .get_without_default("optional_with_default"),
                Some(&expected)
            );
        }
    }

    #[test]
    fn tombstones_fail_as_in_kafka() {
        let t = ValueToKey::configure(&props(&[("fields", "a")])).unwrap();
        let err = apply(&t, value_record(None, Value::Null)).unwrap_err();
        assert_eq!(
            err.message,
            "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"
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
            errors(&props(&[("fields", "")])),
            ["Invalid value [] for configuration fields: Empty list"]
        );
        assert_eq!(
            errors(&Props::new()),
            ["Missing required configuration \"fields\" which has no default value."]
        );
        let err = ValueToKey::configure(&props(&[("fields", "")]))
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "Invalid value [] for configuration fields: Empty list"
        );
        assert_eq!(
            def.key("fields")
                .unwrap()
                .validator
                .as_ref()
                .unwrap()
                .to_string(),
            "non-empty list"
        );
    }

    #[test]
    fn plugin_has_kafkas_class_name() {
        let classes: Vec<&str> = plugins().iter().map(|p| p.class).collect();
        assert_eq!(classes, ["org.apache.kafka.connect.transforms.ValueToKey"]);
    }
}
