//! `HoistField$Key` / `HoistField$Value`: wrap the key or value in a Struct with one field
//! (with a schema) or a Map with one entry (schemaless).

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use connect_api::{ConnectRecord, Props, SchemaBuilder, Value};

use super::util::{self, operating_schema, parse_config, set_operating, SchemaCache};
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.HoistField$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.HoistField$Value";

const FIELD_CONFIG: &str = "field";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(HoistField::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(HoistField::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(HoistField::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(HoistField::configure(Side::Value, p)?)),
        },
    ]
}

/// Kafka's `HoistField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(FIELD_CONFIG, ConfigType::String)
            .importance(Importance::Medium)
            .doc("Field name for the single field that will be created in the resulting Struct or Map."),
    )
}

pub struct HoistField {
    class: &'static str,
    side: Side,
    field: String,
    cache: SchemaCache,
}

impl HoistField {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = match side {
            Side::Key => KEY_CLASS,
            Side::Value => VALUE_CLASS,
        };
        let config = parse_config(&config_def(), props, class)?;
        Ok(HoistField {
            class,
            side,
            field: util::get_string(&config, FIELD_CONFIG).unwrap_or_default(),
            cache: SchemaCache::new(),
        })
    }

    fn hoist<R: ConnectRecord>(&self, record: &mut R) -> Result<(), String> {
        let value = std::mem::take(match self.side {
            Side::Key => &mut record.record_mut().key,
            Side::Value => &mut record.record_mut().value,
        });
        match operating_schema(record, self.side).cloned() {
            None => {
                let updated = Value::Map(vec![(Value::String(self.field.clone()), value)]);
                set_operating(record, self.side, None, updated);
            }
            Some(schema) => {
                let updated_schema = self.cache.get_or_build::<String>(&schema, || {
                    Ok(SchemaBuilder::struct_()
                        .field(self.field.clone(), schema.clone())
                        .build())
                })?;
                let mut updated = util::new_struct(&updated_schema)?;
                util::put(&mut updated, &self.field, value)?;
                set_operating(
                    record,
                    self.side,
                    Some(updated_schema),
                    Value::Struct(updated),
                );
            }
        }
        Ok(())
    }
}

impl<R: ConnectRecord> Transformation<R> for HoistField {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        self.hoist(&mut record)
            .map_err(|m| TransformError::new(self.class, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use connect_api::{Record, Schema, SchemaType, SinkRecord};

    use super::*;
    use crate::transforms::util::testing::{map, props, sink};

    fn apply(t: &HoistField, r: SinkRecord) -> Result<SinkRecord, TransformError> {
        Transformation::<SinkRecord>::apply(t, r).map(Option::unwrap)
    }

    fn key_record(schema: Option<connect_api::SchemaRef>, key: Value) -> SinkRecord {
        sink(Record {
            topic: "test".into(),
            kafka_partition: Some(0),
            key_schema: schema,
            key,
            ..Record::default()
        })
    }

    #[test]
    fn schemaless() {
        let t = HoistField::configure(Side::Key, &props(&[("field", "magic")])).unwrap();
        let out = apply(&t, key_record(None, Value::Int32(42))).unwrap();
        assert_eq!(out.record.key_schema, None);
        assert_eq!(out.record.key, map(vec![("magic", Value::Int32(42))]));
    }

    #[test]
    fn with_schema() {
        let t = HoistField::configure(Side::Key, &props(&[("field", "magic")])).unwrap();
        let out = apply(&t, key_record(Some(Schema::int32()), Value::Int32(42))).unwrap();
        let s = out.record.key_schema.clone().unwrap();
        assert_eq!(s.schema_type, SchemaType::Struct);
        assert_eq!(s.field("magic").unwrap().schema, Schema::int32());
        assert_eq!(
            out.record.key.as_struct().unwrap().get("magic"),
            Some(&Value::Int32(42))
        );
        // Cached: the same schema for the next record.
        let out2 = apply(&t, key_record(Some(Schema::int32()), Value::Int32(1))).unwrap();
        assert!(std::sync::Arc::ptr_eq(
            &s,
            out2.record.key_schema.as_ref().unwrap()
        ));
    }

    #[test]
    fn value_side_and_nulls() {
        let t = HoistField::configure(Side::Value, &props(&[("field", "v")])).unwrap();
        // Schemaless null is wrapped, as Kafka's HashMap allows null values.
        let out = apply(&t, sink(Record::default())).unwrap();
        assert_eq!(out.record.value, map(vec![("v", Value::Null)]));
        // A null for a required schema fails the struct's validation.
        let r = sink(Record {
            value_schema: Some(Schema::int32()),
            ..Record::default()
        });
        assert!(apply(&t, r).is_err());
        let r = sink(Record {
            value_schema: Some(Schema::optional_int32()),
            ..Record::default()
        });
        let out = apply(&t, r).unwrap();
        assert_eq!(
            out.record.value.as_struct().unwrap().get("v"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn config_def_rejects_bad_config() {
        let infos = config_def().validate(&Props::new());
        assert_eq!(infos.error_count, 1);
        let err = HoistField::configure(Side::Key, &Props::new())
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "Missing required configuration \"field\" which has no default value."
        );
    }

    #[test]
    fn plugins_have_kafkas_class_names() {
        let classes: Vec<&str> = plugins().iter().map(|p| p.class).collect();
        assert_eq!(
            classes,
            [
                "org.apache.kafka.connect.transforms.HoistField$Key",
                "org.apache.kafka.connect.transforms.HoistField$Value"
            ]
        );
    }
}
