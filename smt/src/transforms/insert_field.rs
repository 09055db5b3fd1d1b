//! `InsertField$Key` / `InsertField$Value`: insert fields from the record's metadata
//! (topic, partition, offset, timestamp) or a static value into a Struct (with a schema)
//! or a Map (schemaless). A null key or value (tombstone) passes through unchanged.
//!
//! Each field name may end in `!` (a required field in the new schema) or `?` (optional,
//! the default). `offset.field` needs sink records: on a source record it fails, as in
//! Kafka.

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use connect_api::data::logical;
use connect_api::{ConnectRecord, Props, Schema, SchemaBuilder, SchemaRef, Value};

use super::util::{
    self, add_field, copy_schema_basics, field_value, map_put, operating_schema, operating_value,
    parse_config, require_map, require_struct, set_operating, RecordPosition, SchemaCache,
};
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.InsertField$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.InsertField$Value";

const TOPIC_FIELD: &str = "topic.field";
const PARTITION_FIELD: &str = "partition.field";
const OFFSET_FIELD: &str = "offset.field";
const TIMESTAMP_FIELD: &str = "timestamp.field";
const STATIC_FIELD: &str = "static.field";
const STATIC_VALUE: &str = "static.value";
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

const OPTIONALITY_DOC: &str = "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).";

const PURPOSE: &str = "field insertion";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(InsertField::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(InsertField::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(InsertField::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(InsertField::configure(Side::Value, p)?)),
        },
    ]
}

/// Kafka's `InsertField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    let field = |name: &str, doc: String| {
        ConfigKey::new(name, ConfigType::String)
            .default_null()
            .importance(Importance::Medium)
            .doc(doc)
    };
    ConfigDef::new()
        .define(field(
            TOPIC_FIELD,
            format!("Field name for Kafka topic. {OPTIONALITY_DOC}"),
        ))
        .define(field(
            PARTITION_FIELD,
            format!("Field name for Kafka partition. {OPTIONALITY_DOC}"),
        ))
        .define(field(
            OFFSET_FIELD,
            format!(
                "Field name for Kafka offset - only applicable to sink connectors.<br/>{OPTIONALITY_DOC}"
            ),
        ))
        .define(field(
            TIMESTAMP_FIELD,
            format!("Field name for record timestamp. {OPTIONALITY_DOC}"),
        ))
        .define(field(
            STATIC_FIELD,
            format!("Field name for static data field. {OPTIONALITY_DOC}"),
        ))
        .define(field(
            STATIC_VALUE,
            "Static field value, if field name configured.".to_string(),
        ))
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Medium)
                .doc(util::REPLACE_NULL_WITH_DEFAULT_DOC),
        )
}

/// A field to insert: its name and whether it is optional in the new schema.
#[derive(Debug, Clone, PartialEq)]
struct InsertionSpec {
    name: String,
    optional: bool,
}

impl InsertionSpec {
    fn parse(spec: Option<String>) -> Option<InsertionSpec> {
        let spec = spec?;
        Some(if let Some(name) = spec.strip_suffix('?') {
            InsertionSpec {
                name: name.to_string(),
                optional: true,
            }
        } else if let Some(name) = spec.strip_suffix('!') {
            InsertionSpec {
                name: name.to_string(),
                optional: false,
            }
        } else {
            InsertionSpec {
                name: spec,
                optional: true,
            }
        })
    }
}

pub struct InsertField {
    class: &'static str,
    side: Side,
    topic_field: Option<InsertionSpec>,
    partition_field: Option<InsertionSpec>,
    offset_field: Option<InsertionSpec>,
    timestamp_field: Option<InsertionSpec>,
    static_field: Option<InsertionSpec>,
    static_value: Option<String>,
    replace_null_with_default: bool,
    cache: SchemaCache,
}

impl InsertField {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = match side {
            Side::Key => KEY_CLASS,
            Side::Value => VALUE_CLASS,
        };
        let config = parse_config(&config_def(), props, class)?;
        let spec = |key| InsertionSpec::parse(util::get_string(&config, key));
        let t = InsertField {
            class,
            side,
            topic_field: spec(TOPIC_FIELD),
            partition_field: spec(PARTITION_FIELD),
            offset_field: spec(OFFSET_FIELD),
            timestamp_field: spec(TIMESTAMP_FIELD),
            static_field: spec(STATIC_FIELD),
            static_value: util::get_string(&config, STATIC_VALUE),
            replace_null_with_default: util::get_bool(&config, REPLACE_NULL_WITH_DEFAULT),
            cache: SchemaCache::new(),
        };
        if t.topic_field.is_none()
            && t.partition_field.is_none()
            && t.offset_field.is_none()
            && t.timestamp_field.is_none()
            && t.static_field.is_none()
        {
            return Err(TransformError::new(class, "No field insertion configured"));
        }
        if let (Some(field), None) = (&t.static_field, &t.static_value) {
            return Err(TransformError::new(
                class,
                format!(
                    "Invalid value null for configuration {STATIC_VALUE}: No value specified for static field: {}",
                    field.name
                ),
            ));
        }
        Ok(t)
    }

    fn make_updated_schema(&self, schema: &Schema) -> Result<SchemaRef, String> {
        let mut builder = copy_schema_basics(schema, SchemaBuilder::struct_());
        for field in &schema.fields {
            builder = add_field(builder, &field.name, field.schema.clone())?;
        }
        let pick = |optional: bool, opt: fn() -> SchemaRef, req: fn() -> SchemaRef| {
            if optional {
                opt()
            } else {
                req()
            }
        };
        if let Some(f) = &self.topic_field {
            let s = pick(f.optional, Schema::optional_string, Schema::string);
            builder = add_field(builder, &f.name, s)?;
        }
        if let Some(f) = &self.partition_field {
            let s = pick(f.optional, Schema::optional_int32, Schema::int32);
            builder = add_field(builder, &f.name, s)?;
        }
        if let Some(f) = &self.offset_field {
            let s = pick(f.optional, Schema::optional_int64, Schema::int64);
            builder = add_field(builder, &f.name, s)?;
        }
        if let Some(f) = &self.timestamp_field {
            let s = if f.optional {
                logical::timestamp_schema().optional().build()
            } else {
                logical::timestamp_schema().build()
            };
            builder = add_field(builder, &f.name, s)?;
        }
        if let Some(f) = &self.static_field {
            let s = pick(f.optional, Schema::optional_string, Schema::string);
            builder = add_field(builder, &f.name, s)?;
        }
        Ok(builder.build())
    }

    fn apply_schemaless<R: ConnectRecord + RecordPosition>(
        &self,
        record: &mut R,
    ) -> Result<(), String> {
        let mut updated = require_map(operating_value(record, self.side), PURPOSE)?.to_vec();
        let r = record.record();
        if let Some(f) = &self.topic_field {
            map_put(&mut updated, &f.name, Value::String(r.topic.clone()));
        }
        if let (Some(f), Some(p)) = (&self.partition_field, record.partition()) {
            map_put(&mut updated, &f.name, Value::Int32(p));
        }
        if let Some(f) = &self.offset_field {
            let offset = record.kafka_offset_for(PURPOSE)?;
            map_put(&mut updated, &f.name, Value::Int64(offset));
        }
        if let (Some(f), Some(ts)) = (&self.timestamp_field, r.timestamp) {
            map_put(&mut updated, &f.name, Value::Int64(ts));
        }
        if let (Some(f), Some(v)) = (&self.static_field, &self.static_value) {
            map_put(&mut updated, &f.name, Value::String(v.clone()));
        }
        set_operating(record, self.side, None, Value::Map(updated));
        Ok(())
    }

    fn apply_with_schema<R: ConnectRecord + RecordPosition>(
        &self,
        record: &mut R,
    ) -> Result<(), String> {
        let value = require_struct(operating_value(record, self.side), PURPOSE)?;
        let schema = self
            .cache
            .get_or_build(value.schema(), || self.make_updated_schema(value.schema()))?;
        let mut updated = util::new_struct(&schema)?;
        for field in &value.schema().fields {
            let v = field_value(value, &field.name, self.replace_null_with_default);
            util::put(&mut updated, &field.name, v)?;
        }
        let r = record.record();
        if let Some(f) = &self.topic_field {
            util::put(&mut updated, &f.name, Value::String(r.topic.clone()))?;
        }
        if let (Some(f), Some(p)) = (&self.partition_field, record.partition()) {
            util::put(&mut updated, &f.name, Value::Int32(p))?;
        }
        if let Some(f) = &self.offset_field {
            let offset = record.kafka_offset_for(PURPOSE)?;
            util::put(&mut updated, &f.name, Value::Int64(offset))?;
        }
        if let (Some(f), Some(ts)) = (&self.timestamp_field, r.timestamp) {
            let ts = logical::timestamp_from_millis(ts).map_err(|e| e.message)?;
            util::put(&mut updated, &f.name, Value::Timestamp(ts))?;
        }
        if let (Some(f), Some(v)) = (&self.static_field, &self.static_value) {
            util::put(&mut updated, &f.name, Value::String(v.clone()))?;
        }
        set_operating(record, self.side, Some(schema), Value::Struct(updated));
        Ok(())
    }
}

impl<R: ConnectRecord + RecordPosition> Transformation<R> for InsertField {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        if operating_value(&record, self.side).is_null() {
            return Ok(Some(record));
        }
        let result = if operating_schema(&record, self.side).is_none() {
            self.apply_schemaless(&mut record)
        } else {
            self.apply_with_schema(&mut record)
        };
        result.map_err(|m| TransformError::new(self.class, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use connect_api::{Record, SinkRecord, SourceRecord, Struct};

    use super::*;
    use crate::transforms::util::testing::{map, props, sink, source};

    fn all_fields() -> Props {
        props(&[
            ("topic.field", "topic_field!"),
            ("partition.field", "partition_field"),
            ("timestamp.field", "timestamp_field?"),
            ("static.field", "instance_id"),
            ("static.value", "my-instance-id"),
        ])
    }

    fn value_xform(p: &Props) -> InsertField {
        InsertField::configure(Side::Value, p).unwrap()
    }

    fn apply<R: ConnectRecord + RecordPosition>(t: &InsertField, r: R) -> R {
        Transformation::<R>::apply(t, r).unwrap().unwrap()
    }

    #[test]
    fn top_level_struct_required() {
        let t = value_xform(&props(&[("topic.field", "topic_field")]));
        let r = source(Record {
            topic: String::new(),
            kafka_partition: Some(0),
            value_schema: Some(Schema::int32()),
            value: Value::Int32(42),
            ..Record::default()
        });
        let err = Transformation::<SourceRecord>::apply(&t, r).unwrap_err();
        assert_eq!(
            err.message,
            "Only Struct objects supported for [field insertion], found: java.lang.Integer"
        );
        assert_eq!(err.class, VALUE_CLASS);
    }

    #[test]
    fn copy_schema_and_insert_configured_fields() {
        let t = value_xform(&all_fields());
        let schema = SchemaBuilder::struct_()
            .name("name")
            .version(1)
            .doc("doc")
            .field("magic", Schema::optional_int64())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("magic", 42i64)
            .unwrap();
        let r = source(Record {
            topic: "test".into(),
            kafka_partition: Some(0),
            value_schema: Some(schema.clone()),
            value: Value::Struct(value),
            timestamp: Some(789),
            ..Record::default()
        });
        let out = apply(&t, r);
        let s = out.record.value_schema.clone().unwrap();
        assert_eq!(s.name.as_deref(), Some("name"));
        assert_eq!(s.version, Some(1));
        assert_eq!(s.doc.as_deref(), Some("doc"));
        let v = out.record.value.as_struct().unwrap();
        assert_eq!(s.field("magic").unwrap().schema, Schema::optional_int64());
        assert_eq!(v.get("magic"), Some(&Value::Int64(42)));
        assert_eq!(s.field("topic_field").unwrap().schema, Schema::string());
        assert_eq!(v.get("topic_field"), Some(&Value::from("test")));
        assert_eq!(
            s.field("partition_field").unwrap().schema,
            Schema::optional_int32()
        );
        assert_eq!(v.get("partition_field"), Some(&Value::Int32(0)));
        assert_eq!(
            s.field("timestamp_field").unwrap().schema,
            logical::timestamp_schema().optional().build()
        );
        assert_eq!(
            v.get("timestamp_field"),
            Some(&Value::Timestamp(
                logical::timestamp_from_millis(789).unwrap()
            ))
        );
        assert_eq!(
            s.field("instance_id").unwrap().schema,
            Schema::optional_string()
        );
        assert_eq!(v.get("instance_id"), Some(&Value::from("my-instance-id")));

        // Caching: the same input schema gives the same output schema.
        let r2 = source(Record {
            topic: "test".into(),
            kafka_partition: Some(1),
            value_schema: Some(schema.clone()),
            value: Value::Struct(Struct::new(schema).unwrap()),
            ..Record::default()
        });
        let out2 = apply(&t, r2);
        assert!(Arc::ptr_eq(&s, out2.record.value_schema.as_ref().unwrap()));
    }

    #[test]
    fn schemaless_insert_configured_fields() {
        let t = value_xform(&all_fields());
        let r = source(Record {
            topic: "test".into(),
            kafka_partition: Some(0),
            value: map(vec![("magic", Value::Int64(42))]),
            timestamp: Some(123),
            ..Record::default()
        });
        let out = apply(&t, r);
        assert_eq!(out.record.value_schema, None);
        assert_eq!(
            out.record.value,
            map(vec![
                ("magic", Value::Int64(42)),
                ("topic_field", Value::from("test")),
                ("partition_field", Value::Int32(0)),
                ("timestamp_field", Value::Int64(123)),
                ("instance_id", Value::from("my-instance-id")),
            ])
        );
    }

    #[test]
    fn tombstones_pass_through_unchanged() {
        let t = value_xform(&all_fields());
        let r = source(Record {
            topic: "test".into(),
            kafka_partition: Some(0),
            ..Record::default()
        });
        assert_eq!(apply(&t, r.clone()), r);

        let schema = SchemaBuilder::struct_()
            .name("name")
            .version(1)
            .doc("doc")
            .field("magic", Schema::optional_int64())
            .build();
        let r = source(Record {
            topic: "test".into(),
            kafka_partition: Some(0),
            value_schema: Some(schema),
            ..Record::default()
        });
        assert_eq!(apply(&t, r.clone()), r);
    }

    #[test]
    fn insert_key_fields_into_tombstone_event() {
        let t = InsertField::configure(Side::Key, &all_fields()).unwrap();
        let r = source(Record {
            topic: "test".into(),
            kafka_partition: Some(0),
            key: map(vec![("magic", Value::Int64(42))]),
            ..Record::default()
        });
        let out = apply(&t, r);
        assert_eq!(
            out.record.key,
            map(vec![
                ("magic", Value::Int64(42)),
                ("topic_field", Value::from("test")),
                ("partition_field", Value::Int32(0)),
                ("instance_id", Value::from("my-instance-id")),
            ])
        );
        assert_eq!(out.record.value, Value::Null);
    }

    #[test]
    fn insert_into_null_key_leaves_record_unchanged() {
        let t = InsertField::configure(Side::Key, &all_fields()).unwrap();
        let r = source(Record {
            topic: "test".into(),
            kafka_partition: Some(0),
            value: map(vec![("magic", Value::Int64(42))]),
            ..Record::default()
        });
        assert_eq!(apply(&t, r.clone()), r);
    }

    #[test]
    fn unset_optional_field_honours_replace_null_with_default() {
        for (replace, expected) in [("false", Value::Null), ("true", Value::Int64(42))] {
            let mut p = all_fields();
            p.insert("replace.null.with.default".into(), replace.into());
            let t = value_xform(&p);
            let magic = SchemaBuilder::new(connect_api::SchemaType::Int64)
                .optional()
                .default_value(Value::Int64(42))
                .build();
            let schema = SchemaBuilder::struct_()
                .name("name")
                .version(1)
                .doc("doc")
                .field("magic_with_default", magic.clone())
                .build();
            let r = source(Record {
                topic: "test".into(),
                kafka_partition: Some(0),
                value_schema: Some(schema.clone()),
                value: Value::Struct(Struct::new(schema).unwrap()),
                timestamp: Some(789),
                ..Record::default()
            });
            let out = apply(&t, r);
            let s = out.record.value_schema.clone().unwrap();
            assert_eq!(s.field("magic_with_default").unwrap().schema, magic);
            let v = out.record.value.as_struct().unwrap();
            assert_eq!(v.get_without_default("magic_with_default"), Some(&expected));
        }
    }

    #[test]
    fn offset_field_needs_a_sink_record() {
        let p = props(&[("offset.field", "offset!")]);
        let t = value_xform(&p);
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let mut r = sink(Record {
            topic: "t".into(),
            kafka_partition: Some(3),
            value_schema: Some(schema.clone()),
            value: Value::Struct(Struct::new(schema.clone()).unwrap().with("a", 1).unwrap()),
            ..Record::default()
        });
        r.kafka_offset = 77;
        let out: SinkRecord = apply(&t, r.clone());
        let s = out.record.value_schema.clone().unwrap();
        assert_eq!(s.field("offset").unwrap().schema, Schema::int64());
        assert_eq!(
            out.record.value.as_struct().unwrap().get("offset"),
            Some(&Value::Int64(77))
        );

        // Schemaless, sink.
        let mut r2 = sink(Record {
            topic: "t".into(),
            value: map(vec![]),
            ..Record::default()
        });
        r2.kafka_offset = 5;
        let out: SinkRecord = apply(&t, r2);
        assert_eq!(out.record.value, map(vec![("offset", Value::Int64(5))]));

        let src = source(r.record);
        let err = Transformation::<SourceRecord>::apply(&t, src).unwrap_err();
        assert_eq!(
            err.message,
            "Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord"
        );
    }

    #[test]
    fn inserting_an_existing_field_fails_as_kafka() {
        let t = value_xform(&props(&[("topic.field", "a")]));
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let r = sink(Record {
            value_schema: Some(schema.clone()),
            value: Value::Struct(Struct::new(schema).unwrap().with("a", 1).unwrap()),
            ..Record::default()
        });
        let err = Transformation::<SinkRecord>::apply(&t, r).unwrap_err();
        assert_eq!(
            err.message,
            "Cannot create field because of field name duplication a"
        );
    }

    #[test]
    fn config_errors_are_kafkas() {
        let err = InsertField::configure(Side::Value, &Props::new())
            .err()
            .unwrap();
        assert_eq!(err.message, "No field insertion configured");
        let err = InsertField::configure(Side::Value, &props(&[("static.field", "x")]))
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "Invalid value null for configuration static.value: No value specified for static field: x"
        );
        let bad = props(&[("topic.field", "t"), ("replace.null.with.default", "maybe")]);
        let infos = config_def().validate(&bad);
        assert_eq!(infos.error_count, 1);
        let errors: Vec<String> = infos
            .configs
            .iter()
            .flat_map(|c| c.value.errors.clone())
            .collect();
        assert_eq!(
            errors,
            ["Invalid value maybe for configuration replace.null.with.default: Expected value to be either true or false"]
        );
        assert!(InsertField::configure(Side::Value, &bad).is_err());
    }

    #[test]
    fn plugins_have_kafkas_class_names() {
        let classes: Vec<&str> = plugins().iter().map(|p| p.class).collect();
        assert_eq!(classes, [KEY_CLASS, VALUE_CLASS]);
        assert_eq!(
            KEY_CLASS,
            "org.apache.kafka.connect.transforms.InsertField$Key"
        );
        let def = config_def();
        assert_eq!(
            def.names().collect::<Vec<_>>(),
            [
                "topic.field",
                "partition.field",
                "offset.field",
                "timestamp.field",
                "static.field",
                "static.value",
                "replace.null.with.default"
            ]
        );
        for p in plugins() {
            assert!((p.create_source)(&all_fields()).is_ok());
            assert!((p.create_sink)(&Props::new()).is_err());
        }
    }
}
