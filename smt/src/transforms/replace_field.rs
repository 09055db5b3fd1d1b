//! `ReplaceField$Key` / `ReplaceField$Value`: filter (`include` / `exclude`) and rename
//! (`renames`) the fields of a Struct (with a schema) or a Map (schemaless). The
//! deprecated `whitelist` / `blacklist` keys are read as `include` / `exclude` when those
//! are not set. A null key or value (tombstone) passes through unchanged.

use std::collections::{HashMap, HashSet};

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{ConnectRecord, Props, Schema, SchemaBuilder, SchemaRef, Value};

use super::util::{
    self, add_field, copy_schema_basics, java_split, map_put, operating_schema, operating_value,
    parse_config, require_map, require_struct, set_operating, string_key, SchemaCache,
};
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.ReplaceField$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.ReplaceField$Value";

const EXCLUDE: &str = "exclude";
const INCLUDE: &str = "include";
const BLACKLIST: &str = "blacklist";
const WHITELIST: &str = "whitelist";
const RENAME: &str = "renames";
const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
const PURPOSE: &str = "field replacement";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(ReplaceField::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(ReplaceField::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(ReplaceField::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(ReplaceField::configure(Side::Value, p)?)),
        },
    ]
}

/// Kafka's `ReplaceField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(EXCLUDE, ConfigType::List)
                .default_value(Vec::<String>::new())
                .importance(Importance::Medium)
                .doc("Fields to exclude. This takes precedence over the fields to include."),
        )
        .define(
            ConfigKey::new(BLACKLIST, ConfigType::List)
                .default_null()
                .importance(Importance::Low)
                .doc(format!("Deprecated. Use {EXCLUDE} instead.")),
        )
        .define(
            ConfigKey::new(INCLUDE, ConfigType::List)
                .default_value(Vec::<String>::new())
                .importance(Importance::Medium)
                .doc("Fields to include. If specified, only these fields will be used."),
        )
        .define(
            ConfigKey::new(WHITELIST, ConfigType::List)
                .default_null()
                .importance(Importance::Low)
                .doc(format!("Deprecated. Use {INCLUDE} instead.")),
        )
        .define(
            ConfigKey::new(RENAME, ConfigType::List)
                .default_value(Vec::<String>::new())
                .validator(Validator::custom(
                    "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>",
                    |_, value| match value.as_list() {
                        Some(mappings) => parse_rename_mappings(mappings).map(|_| ()),
                        None => Ok(()),
                    },
                ))
                .importance(Importance::Medium)
                .doc("Field rename mappings."),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT_CONFIG, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Medium)
                .doc(util::REPLACE_NULL_WITH_DEFAULT_DOC),
        )
}

/// Kafka's `parseRenameMappings`; the error is the reason of the `ConfigException`.
fn parse_rename_mappings(mappings: &[String]) -> Result<HashMap<String, String>, String> {
    let mut m = HashMap::new();
    for mapping in mappings {
        match java_split(mapping, ':')[..] {
            [from, to] => {
                m.insert(from.to_string(), to.to_string());
            }
            _ => return Err(format!("Invalid rename mapping: {mapping}")),
        }
    }
    Ok(m)
}

/// Kafka's `ConfigUtils.translateDeprecatedConfigs` for `include`/`whitelist` and
/// `exclude`/`blacklist`: a deprecated key is read as its replacement unless that is set.
fn translate_deprecated(props: &Props) -> Props {
    let mut out: Props = props
        .iter()
        .filter(|(k, _)| *k != WHITELIST && *k != BLACKLIST)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (target, alias) in [(INCLUDE, WHITELIST), (EXCLUDE, BLACKLIST)] {
        if !props.contains_key(target) {
            if let Some(v) = props.get(alias) {
                out.insert(target.to_string(), v.clone());
            }
        }
    }
    out
}

pub struct ReplaceField {
    class: &'static str,
    side: Side,
    exclude: HashSet<String>,
    include: HashSet<String>,
    renames: HashMap<String, String>,
    reverse_renames: HashMap<String, String>,
    replace_null_with_default: bool,
    cache: SchemaCache,
}

impl ReplaceField {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = match side {
            Side::Key => KEY_CLASS,
            Side::Value => VALUE_CLASS,
        };
        let config = parse_config(&config_def(), &translate_deprecated(props), class)?;
        let renames = parse_rename_mappings(&util::get_list(&config, RENAME))
            .map_err(|m| TransformError::new(class, m))?;
        let reverse_renames = renames
            .iter()
            .map(|(k, v)| (v.clone(), k.clone()))
            .collect();
        Ok(ReplaceField {
            class,
            side,
            exclude: util::get_list(&config, EXCLUDE).into_iter().collect(),
            include: util::get_list(&config, INCLUDE).into_iter().collect(),
            renames,
            reverse_renames,
            replace_null_with_default: util::get_bool(&config, REPLACE_NULL_WITH_DEFAULT_CONFIG),
            cache: SchemaCache::new(),
        })
    }

    fn filter(&self, name: &str) -> bool {
        !self.exclude.contains(name) && (self.include.is_empty() || self.include.contains(name))
    }

    fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames.get(name).map_or(name, String::as_str)
    }

    fn reverse_renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.reverse_renames.get(name).map_or(name, String::as_str)
    }

    fn make_updated_schema(&self, schema: &Schema) -> Result<SchemaRef, String> {
        let mut builder = copy_schema_basics(schema, SchemaBuilder::struct_());
        for field in &schema.fields {
            if self.filter(&field.name) {
                builder = add_field(builder, self.renamed(&field.name), field.schema.clone())?;
            }
        }
        Ok(builder.build())
    }

    fn replace<R: ConnectRecord>(&self, record: &mut R) -> Result<(), String> {
        let value = operating_value(record, self.side);
        if operating_schema(record, self.side).is_none() {
            let entries = require_map(value, PURPOSE)?;
            let mut updated = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let name = string_key(k)?;
                if self.filter(name) {
                    map_put(&mut updated, self.renamed(name), v.clone());
                }
            }
            set_operating(record, self.side, None, Value::Map(updated));
        } else {
            let value = require_struct(value, PURPOSE)?;
            let schema = self
                .cache
                .get_or_build(value.schema(), || self.make_updated_schema(value.schema()))?;
            let mut updated = util::new_struct(&schema)?;
            for field in &schema.fields {
                let original = self.reverse_renamed(&field.name);
                let v = util::field_value(value, original, self.replace_null_with_default);
                util::put(&mut updated, &field.name, v)?;
            }
            set_operating(record, self.side, Some(schema), Value::Struct(updated));
        }
        Ok(())
    }
}

impl<R: ConnectRecord> Transformation<R> for ReplaceField {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        if operating_value(&record, self.side).is_null() {
            return Ok(Some(record));
        }
        self.replace(&mut record)
            .map_err(|m| TransformError::new(self.class, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use connect_api::{Record, SchemaType, SinkRecord, Struct};

    use super::*;
    use crate::transforms::util::testing::{map, props, sink};

    fn apply(t: &ReplaceField, r: SinkRecord) -> Result<SinkRecord, TransformError> {
        Transformation::<SinkRecord>::apply(t, r).map(Option::unwrap)
    }

    fn value_xform(pairs: &[(&str, &str)]) -> ReplaceField {
        ReplaceField::configure(Side::Value, &props(pairs)).unwrap()
    }

    fn value_record(schema: Option<SchemaRef>, value: Value) -> SinkRecord {
        sink(Record {
            topic: "test".into(),
            kafka_partition: Some(0),
            value_schema: schema,
            value,
            ..Record::default()
        })
    }

    fn four_fields() -> SchemaRef {
        SchemaBuilder::struct_()
            .field("dont", Schema::string())
            .field("abc", Schema::int32())
            .field("foo", Schema::boolean())
            .field("etc", Schema::string())
            .build()
    }

    fn four_values() -> Value {
        map(vec![
            ("dont", Value::from("whatever")),
            ("abc", Value::Int32(42)),
            ("foo", Value::Boolean(true)),
            ("etc", Value::from("etc")),
        ])
    }

    #[test]
    fn tombstones_pass_through() {
        let t = value_xform(&[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")]);
        let r = value_record(None, Value::Null);
        assert_eq!(apply(&t, r.clone()).unwrap(), r);
        let r = value_record(Some(four_fields()), Value::Null);
        assert_eq!(apply(&t, r.clone()).unwrap(), r);
    }

    #[test]
    fn schemaless() {
        let t = value_xform(&[("exclude", "dont"), ("renames", "abc:xyz,foo:bar")]);
        let out = apply(&t, value_record(None, four_values())).unwrap();
        assert_eq!(
            out.record.value,
            map(vec![
                ("xyz", Value::Int32(42)),
                ("bar", Value::Boolean(true)),
                ("etc", Value::from("etc")),
            ])
        );
    }

    #[test]
    fn with_schema() {
        let t = value_xform(&[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")]);
        let schema = four_fields();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("dont", "whatever")
            .unwrap()
            .with("abc", 42)
            .unwrap()
            .with("foo", true)
            .unwrap()
            .with("etc", "etc")
            .unwrap();
        let out = apply(&t, value_record(Some(schema), Value::Struct(value))).unwrap();
        let v = out.record.value.as_struct().unwrap();
        assert_eq!(v.schema().fields.len(), 2);
        assert_eq!(v.get("xyz"), Some(&Value::Int32(42)));
        assert_eq!(v.get("bar"), Some(&Value::Boolean(true)));
        assert_eq!(out.record.value_schema.as_ref(), Some(v.schema()));
    }

    #[test]
    fn include_backwards_compatibility() {
        let t = value_xform(&[("whitelist", "abc,foo"), ("renames", "abc:xyz,foo:bar")]);
        let r = value_record(None, Value::Null);
        assert_eq!(apply(&t, r.clone()).unwrap(), r);
        let out = apply(&t, value_record(None, four_values())).unwrap();
        assert_eq!(
            out.record.value,
            map(vec![
                ("xyz", Value::Int32(42)),
                ("bar", Value::Boolean(true))
            ])
        );
        // include wins over whitelist.
        let t = value_xform(&[("whitelist", "abc"), ("include", "etc")]);
        let out = apply(&t, value_record(None, four_values())).unwrap();
        assert_eq!(out.record.value, map(vec![("etc", Value::from("etc"))]));
    }

    #[test]
    fn exclude_backwards_compatibility() {
        let t = value_xform(&[("blacklist", "dont"), ("renames", "abc:xyz,foo:bar")]);
        let out = apply(&t, value_record(None, four_values())).unwrap();
        assert_eq!(
            out.record.value,
            map(vec![
                ("xyz", Value::Int32(42)),
                ("bar", Value::Boolean(true)),
                ("etc", Value::from("etc")),
            ])
        );
    }

    #[test]
    fn replace_null_with_default_on_value_and_key() {
        for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
            let schema = SchemaBuilder::struct_()
                .field(
                    "abc",
                    SchemaBuilder::new(SchemaType::Int32)
                        .optional()
                        .default_value(Value::Int32(42))
                        .build(),
                )
                .build();
            let p = props(&[
                ("include", "abc"),
                ("renames", "abc:optional_with_default"),
                ("replace.null.with.default", replace),
            ]);
            let t = ReplaceField::configure(Side::Value, &p).unwrap();
            let value = Value::Struct(Struct::new(schema.clone()).unwrap());
            let out = apply(&t, value_record(Some(schema.clone()), value.clone())).unwrap();
            let v = out.record.value.as_struct().unwrap();
            assert_eq!(v.schema().fields.len(), 1);
            assert_eq!(
                v.get_without_default("optional_with_default"),
                Some(&expected)
            );

            let t = ReplaceField::configure(Side::Key, &p).unwrap();
            let r = sink(Record {
                key_schema: Some(schema),
                key: value,
                ..Record::default()
            });
            let out = apply(&t, r).unwrap();
            let k = out.record.key.as_struct().unwrap();
            assert_eq!(k.schema().fields.len(), 1);
            assert_eq!(
                k.get_without_default("optional_with_default"),
                Some(&expected)
            );
        }
    }

    #[test]
    fn wrong_kind_of_value_fails_as_kafka() {
        let t = value_xform(&[("exclude", "a")]);
        let err = apply(&t, value_record(None, Value::Int32(1))).unwrap_err();
        assert_eq!(
            err.message,
            "Only Map objects supported in absence of schema for [field replacement], found: java.lang.Integer"
        );
        let err = apply(&t, value_record(Some(Schema::int32()), Value::Int32(1))).unwrap_err();
        assert_eq!(
            err.message,
            "Only Struct objects supported for [field replacement], found: java.lang.Integer"
        );
    }

    #[test]
    fn config_def_rejects_bad_renames() {
        let def = config_def();
        let errors = |p: &Props| -> Vec<String> {
            def.validate(p)
                .configs
                .iter()
                .flat_map(|c| c.value.errors.clone())
                .collect()
        };
        assert!(errors(&Props::new()).is_empty());
        assert_eq!(
            errors(&props(&[("renames", "a:b,c")])),
            ["Invalid value [a:b, c] for configuration renames: Invalid rename mapping: c"]
        );
        assert_eq!(
            errors(&props(&[("renames", "a:b:c")])),
            ["Invalid value [a:b:c] for configuration renames: Invalid rename mapping: a:b:c"]
        );
        // Java's split drops trailing empty strings: "a:b:" is the pair a -> b.
        assert!(errors(&props(&[("renames", "a:b:")])).is_empty());
        let err = ReplaceField::configure(Side::Key, &props(&[("renames", "x")]))
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "Invalid value [x] for configuration renames: Invalid rename mapping: x"
        );
        assert_eq!(
            def.key("renames")
                .unwrap()
                .validator
                .as_ref()
                .unwrap()
                .to_string(),
            "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>"
        );
    }

    #[test]
    fn plugins_have_kafkas_class_names() {
        let classes: Vec<&str> = plugins().iter().map(|p| p.class).collect();
        assert_eq!(
            classes,
            [
                "org.apache.kafka.connect.transforms.ReplaceField$Key",
                "org.apache.kafka.connect.transforms.ReplaceField$Value"
            ]
        );
    }
}
