//! `ExtractField$Key` / `ExtractField$Value`: replace the key or value with one of its
//! fields, from a Struct (with a schema; the field's schema becomes the record's) or a
//! Map (schemaless). Null keys or values pass through (as null).
//!
//! `field.syntax.version=V2` (KIP-821) reads nested fields with a dotted path, with
//! backticks around names that contain dots (`` `foo.bar`.baz ``).

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{ConnectRecord, Field, Props, Schema, SchemaType, Struct, Value};

use super::util::{
    self, map_get, operating_schema, operating_value, parse_config, require_map_or_null,
    require_struct_or_null, set_operating,
};
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.ExtractField$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.ExtractField$Value";

const FIELD_CONFIG: &str = "field";
const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
const PURPOSE: &str = "field extraction";

pub const FIELD_SYNTAX_VERSION_CONFIG: &str = "field.syntax.version";
pub const FIELD_SYNTAX_VERSION_DOC: &str = "Defines the version of the syntax to access fields. If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. If set to `V2`, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield `baz` from a field named \"foo.bar\" in a struct/map the following format can be used to access its elements: \"`foo.bar`.baz\".";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(ExtractField::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(ExtractField::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(ExtractField::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(ExtractField::configure(Side::Value, p)?)),
        },
    ]
}

/// Kafka's `ExtractField.CONFIG_DEF` (with `FieldSyntaxVersion.appendConfigTo`).
pub fn config_def() -> ConfigDef {
    append_field_syntax_version(
        ConfigDef::new()
            .define(
                ConfigKey::new(FIELD_CONFIG, ConfigType::String)
                    .importance(Importance::Medium)
                    .doc("Field name to extract."),
            )
            .define(
                ConfigKey::new(REPLACE_NULL_WITH_DEFAULT_CONFIG, ConfigType::Boolean)
                    .default_value(true)
                    .importance(Importance::Medium)
                    .doc(util::REPLACE_NULL_WITH_DEFAULT_DOC),
            ),
    )
}

/// Kafka's `FieldSyntaxVersion.appendConfigTo`: adds `field.syntax.version`.
pub fn append_field_syntax_version(def: ConfigDef) -> ConfigDef {
    def.define(
        ConfigKey::new(FIELD_SYNTAX_VERSION_CONFIG, ConfigType::String)
            .default_value("V1")
            .validator(Validator::case_insensitive_valid_string(&["V1", "V2"]))
            .importance(Importance::High)
            .doc(FIELD_SYNTAX_VERSION_DOC),
    )
}

/// The semantics of field paths (Kafka's `FieldSyntaxVersion`, KIP-821).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSyntaxVersion {
    /// Field names at the root only (a path is one field name, dots included).
    V1,
    /// Dotted paths to nested fields, backticks around names containing dots.
    V2,
}

impl FieldSyntaxVersion {
    /// `FieldSyntaxVersion.fromConfig`: the validated value, in any case.
    pub fn from_config_value(value: &str) -> Result<Self, String> {
        match value.to_ascii_uppercase().as_str() {
            "V1" => Ok(FieldSyntaxVersion::V1),
            "V2" => Ok(FieldSyntaxVersion::V2),
            _ => Err(format!(
                "Invalid value {value} for configuration {FIELD_SYNTAX_VERSION_CONFIG}: Unrecognized field syntax version"
            )),
        }
    }
}

/// A path to a field, possibly nested (Kafka's `SingleFieldPath`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleFieldPath {
    steps: Vec<String>,
}

impl SingleFieldPath {
    /// Parses `path`; a V2 path with an unclosed backtick is an error (Kafka's
    /// `ConfigException` message).
    pub fn new(path: &str, version: FieldSyntaxVersion) -> Result<Self, String> {
        let steps = match version {
            FieldSyntaxVersion::V1 => vec![path.to_string()],
            FieldSyntaxVersion::V2 => build_field_path_v2(path)?,
        };
        Ok(SingleFieldPath { steps })
    }

    pub fn steps(&self) -> &[String] {
        &self.steps
    }

    fn split(&self) -> Option<(&[String], &str)> {
        self.steps
            .split_last()
            .map(|(last, init)| (init, last.as_str()))
    }

    /// The field at this path in a schema; None if there is none. Looking up a field in a
    /// schema that is not a struct fails, as in Kafka.
    pub fn field_from<'a>(&self, schema: &'a Schema) -> Result<Option<&'a Field>, String> {
        let Some((init, last)) = self.split() else {
            return Ok(None);
        };
        let mut current = schema;
        for step in init {
            match lookup_field(current, step)? {
                Some(f) => current = &f.schema,
                None => return Ok(None),
            }
        }
        lookup_field(current, last)
    }

    /// The value at this path in a struct (null when there is none).
    pub fn value_from_struct(&self, s: &Struct, with_default: bool) -> Result<Value, String> {
        let Some((init, last)) = self.split() else {
            return Ok(Value::Null);
        };
        let mut current = s;
        for step in init {
            if current.schema().field(step).is_none() {
                return Ok(Value::Null);
            }
            let sub = current.get(step).unwrap_or(&Value::Null);
            match require_struct_or_null(sub, "nested field access")? {
                Some(next) => current = next,
                None => return Ok(Value::Null),
            }
        }
        if current.schema().field(last).is_none() {
            return Ok(Value::Null);
        }
        Ok(util::field_value(current, last, with_default))
    }

    /// The value at this path in a schemaless map (null when there is none).
    pub fn value_from_map(&self, map: &[(Value, Value)]) -> Result<Value, String> {
        let Some((init, last)) = self.split() else {
            return Ok(Value::Null);
        };
        let mut current = map;
        for step in init {
            let sub = map_get(current, step).unwrap_or(&Value::Null);
            match require_map_or_null(sub, "nested field access")? {
                Some(next) => current = next,
                None => return Ok(Value::Null),
            }
        }
        Ok(map_get(current, last).cloned().unwrap_or(Value::Null))
    }
}

/// Kafka's `Schema.field(name)`, which fails on a schema that is not a struct.
fn lookup_field<'a>(schema: &'a Schema, name: &str) -> Result<Option<&'a Field>, String> {
    if schema.schema_type != SchemaType::Struct {
        return Err("Cannot look up fields on non-struct type".to_string());
    }
    Ok(schema.field(name))
}

fn build_field_path_v2(path: &str) -> Result<Vec<String>, String> {
    const BACKTICK: char = '`';
    const DOT: char = '.';
    const BACKSLASH: char = '\\';
    let chars: Vec<char> = path.chars().collect();
    let len = chars.len();
    let find = |c: char, from: usize| (from..len).find(|&i| chars[i] == c);
    let text = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
    let incomplete = |at: usize| {
        format!(
            "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position {at} to escape it"
        )
    };
    let mut steps = Vec::new();
    let mut idx = 0;
    while idx < len {
        if chars[idx] != BACKTICK {
            let start = idx;
            match find(DOT, idx) {
                Some(dot) => {
                    steps.push(text(start, dot));
                    idx = dot + 1;
                }
                None => {
                    steps.push(text(start, len));
                    idx = len;
                }
            }
        } else {
            let backtick_at = idx;
            idx += 1;
            let mut field = String::new();
            let mut start = idx;
            loop {
                idx = find(BACKTICK, idx).ok_or_else(|| incomplete(backtick_at))?;
                let escaped = chars[idx - 1] == BACKSLASH;
                if idx >= len - 1 {
                    if escaped {
                        return Err(incomplete(backtick_at));
                    }
                    field.push_str(&text(start, idx));
                    steps.push(field);
                    idx += 1;
                    break;
                }
                if chars[idx + 1] != DOT {
                    idx += 1;
                    continue;
                }
                if escaped {
                    field.push_str(&text(start, idx - 1));
                    field.push(BACKTICK);
                    idx += 1;
                    start = idx;
                    continue;
                }
                field.push_str(&text(start, idx));
                steps.push(field);
                idx += 2;
                break;
            }
        }
    }
    if path.ends_with(DOT) {
        steps.push(String::new());
    }
    Ok(steps)
}

pub struct ExtractField {
    class: &'static str,
    side: Side,
    original_path: String,
    path: SingleFieldPath,
    replace_null_with_default: bool,
}

impl ExtractField {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = match side {
            Side::Key => KEY_CLASS,
            Side::Value => VALUE_CLASS,
        };
        let config = parse_config(&config_def(), props, class)?;
        let err = |m: String| TransformError::new(class, m);
        let original_path = util::get_string(&config, FIELD_CONFIG).unwrap_or_default();
        let version = FieldSyntaxVersion::from_config_value(
            &util::get_string(&config, FIELD_SYNTAX_VERSION_CONFIG).unwrap_or_default(),
        )
        .map_err(err)?;
        let path = SingleFieldPath::new(&original_path, version).map_err(err)?;
        Ok(ExtractField {
            class,
            side,
            original_path,
            path,
            replace_null_with_default: util::get_bool(&config, REPLACE_NULL_WITH_DEFAULT_CONFIG),
        })
    }

    fn extract<R: ConnectRecord>(&self, record: &mut R) -> Result<(), String> {
        let value = operating_value(record, self.side);
        match operating_schema(record, self.side) {
            None => {
                let updated = match require_map_or_null(value, PURPOSE)? {
                    Some(map) => self.path.value_from_map(map)?,
                    None => Value::Null,
                };
                set_operating(record, self.side, None, updated);
            }
            Some(schema) => {
                let value = require_struct_or_null(value, PURPOSE)?;
                let field = self
                    .path
                    .field_from(schema)?
                    .ok_or_else(|| format!("Unknown field: {}", self.original_path))?;
                let field_schema = field.schema.clone();
                let updated = match value {
                    Some(s) => self
                        .path
                        .value_from_struct(s, self.replace_null_with_default)?,
                    None => Value::Null,
                };
                set_operating(record, self.side, Some(field_schema), updated);
            }
        }
        Ok(())
    }
}

impl<R: ConnectRecord> Transformation<R> for ExtractField {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        self.extract(&mut record)
            .map_err(|m| TransformError::new(self.class, m))?;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use connect_api::{Record, SchemaBuilder, SinkRecord};

    use super::*;
    use crate::transforms::util::testing::{map, props, sink};

    fn key_xform(pairs: &[(&str, &str)]) -> ExtractField {
        ExtractField::configure(Side::Key, &props(pairs)).unwrap()
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

    fn apply(t: &ExtractField, r: SinkRecord) -> Result<SinkRecord, TransformError> {
        Transformation::<SinkRecord>::apply(t, r).map(Option::unwrap)
    }

    #[test]
    fn schemaless() {
        let t = key_xform(&[("field", "magic")]);
        let out = apply(&t, key_record(None, map(vec![("magic", Value::Int32(42))]))).unwrap();
        assert_eq!(out.record.key_schema, None);
        assert_eq!(out.record.key, Value::Int32(42));
    }

    #[test]
    fn schemaless_and_nested_path() {
        let t = key_xform(&[("field", "magic.foo"), ("field.syntax.version", "V2")]);
        let key = map(vec![("magic", map(vec![("foo", Value::Int32(42))]))]);
        let out = apply(&t, key_record(None, key)).unwrap();
        assert_eq!(out.record.key_schema, None);
        assert_eq!(out.record.key, Value::Int32(42));
    }

    #[test]
    fn null_schemaless() {
        let t = key_xform(&[("field", "magic")]);
        let out = apply(&t, key_record(None, Value::Null)).unwrap();
        assert_eq!(out.record.key_schema, None);
        assert_eq!(out.record.key, Value::Null);
    }

    #[test]
    fn with_schema() {
        let t = key_xform(&[("field", "magic")]);
        let schema = SchemaBuilder::struct_()
            .field("magic", Schema::int32())
            .build();
        let key = Struct::new(schema.clone())
            .unwrap()
            .with("magic", 42)
            .unwrap();
        let out = apply(&t, key_record(Some(schema), Value::Struct(key))).unwrap();
        assert_eq!(out.record.key_schema, Some(Schema::int32()));
        assert_eq!(out.record.key, Value::Int32(42));
    }

    #[test]
    fn with_schema_and_nested_path() {
        let t = key_xform(&[("field", "magic.foo"), ("field.syntax.version", "v2")]);
        let foo = SchemaBuilder::struct_()
            .field("foo", Schema::int32())
            .build();
        let schema = SchemaBuilder::struct_().field("magic", foo.clone()).build();
        let inner = Struct::new(foo).unwrap().with("foo", 42).unwrap();
        let key = Struct::new(schema.clone())
            .unwrap()
            .with("magic", inner)
            .unwrap();
        let out = apply(&t, key_record(Some(schema), Value::Struct(key))).unwrap();
        assert_eq!(out.record.key_schema, Some(Schema::int32()));
        assert_eq!(out.record.key, Value::Int32(42));
    }

    #[test]
    fn null_with_schema() {
        let t = key_xform(&[("field", "magic")]);
        let schema = SchemaBuilder::struct_()
            .field("magic", Schema::int32())
            .optional()
            .build();
        let out = apply(&t, key_record(Some(schema), Value::Null)).unwrap();
        assert_eq!(out.record.key_schema, Some(Schema::int32()));
        assert_eq!(out.record.key, Value::Null);
    }

    #[test]
    fn non_existent_field_schemaless_returns_null() {
        let t = key_xform(&[("field", "nonexistent")]);
        let out = apply(&t, key_record(None, map(vec![("magic", Value::Int32(42))]))).unwrap();
        assert_eq!(out.record.key_schema, None);
        assert_eq!(out.record.key, Value::Null);

        let t = key_xform(&[
            ("field", "magic.nonexistent"),
            ("field.syntax.version", "V2"),
        ]);
        let key = map(vec![("magic", map(vec![("foo", Value::Int32(42))]))]);
        let out = apply(&t, key_record(None, key)).unwrap();
        assert_eq!(out.record.key, Value::Null);
    }

    #[test]
    fn non_existent_field_with_schema_fails() {
        let t = key_xform(&[("field", "nonexistent")]);
        let schema = SchemaBuilder::struct_()
            .field("magic", Schema::int32())
            .build();
        let key = Struct::new(schema.clone())
            .unwrap()
            .with("magic", 42)
            .unwrap();
        let err = apply(&t, key_record(Some(schema), Value::Struct(key))).unwrap_err();
        assert_eq!(err.message, "Unknown field: nonexistent");
        assert_eq!(err.class, KEY_CLASS);

        let t = key_xform(&[
            ("field", "magic.nonexistent"),
            ("field.syntax.version", "V2"),
        ]);
        let foo = SchemaBuilder::struct_()
            .field("foo", Schema::int32())
            .build();
        let schema = SchemaBuilder::struct_().field("magic", foo.clone()).build();
        let inner = Struct::new(foo).unwrap().with("foo", 42).unwrap();
        let key = Struct::new(schema.clone())
            .unwrap()
            .with("magic", inner)
            .unwrap();
        let err = apply(&t, key_record(Some(schema), Value::Struct(key))).unwrap_err();
        assert_eq!(err.message, "Unknown field: magic.nonexistent");
    }

    #[test]
    fn wrong_kind_of_value_fails_as_kafka() {
        let t = key_xform(&[("field", "magic")]);
        let err = apply(&t, key_record(None, Value::Int32(1))).unwrap_err();
        assert_eq!(
            err.message,
            "Only Map objects supported in absence of schema for [field extraction], found: java.lang.Integer"
        );
        let err = apply(&t, key_record(Some(Schema::int32()), Value::Int32(1))).unwrap_err();
        assert_eq!(
            err.message,
            "Only Struct objects supported for [field extraction], found: java.lang.Integer"
        );
    }

    #[test]
    fn unset_optional_field_honours_replace_null_with_default() {
        for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
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
            // Key.
            let t = key_xform(&[
                ("field", "optional_with_default"),
                ("replace.null.with.default", replace),
            ]);
            let out = apply(
                &t,
                key_record(Some(schema.clone()), Value::Struct(value.clone())),
            )
            .unwrap();
            assert_eq!(out.record.key, expected);
            // Value.
            let t = ExtractField::configure(
                Side::Value,
                &props(&[
                    ("field", "optional_with_default"),
                    ("replace.null.with.default", replace),
                ]),
            )
            .unwrap();
            let r = sink(Record {
                value_schema: Some(schema),
                value: Value::Struct(value),
                ..Record::default()
            });
            let out = apply(&t, r).unwrap();
            assert_eq!(out.record.value, expected);
        }
    }

    fn steps_v2(path: &str) -> Vec<String> {
        SingleFieldPath::new(path, FieldSyntaxVersion::V2)
            .unwrap()
            .steps
    }

    #[test]
    fn field_path_notation() {
        // Kafka's FieldPathNotationTest.
        for p in ["foo.bar.baz", "foo`bar`", "foo.`bar.baz`"] {
            assert_eq!(
                SingleFieldPath::new(p, FieldSyntaxVersion::V1)
                    .unwrap()
                    .steps,
                [p]
            );
        }
        let cases: &[(&str, &[&str])] = &[
            ("..", &["", "", ""]),
            ("foo..", &["foo", "", ""]),
            (".bar.", &["", "bar", ""]),
            ("..baz", &["", "", "baz"]),
            ("", &[]),
            ("foobarbaz", &["foobarbaz"]),
            ("foo.bar.baz", &["foo", "bar", "baz"]),
            ("foo`bar`baz", &["foo`bar`baz"]),
            ("`foo.bar.baz`", &["foo.bar.baz"]),
            ("foo.`bar.baz`", &["foo", "bar.baz"]),
            ("`foo.bar`.baz", &["foo.bar", "baz"]),
            ("foo.`bar`.baz", &["foo", "bar", "baz"]),
            ("foo.``bar.baz`", &["foo", "`bar.baz"]),
            ("foo.`bar.baz``", &["foo", "bar.baz`"]),
            ("foo.`ba`r.baz`", &["foo", "ba`r.baz"]),
            ("foo.ba`r.baz", &["foo", "ba`r", "baz"]),
            ("foo.``bar``.baz", &["foo", "`bar`", "baz"]),
            ("``foo.bar.baz``", &["`foo.bar.baz`"]),
            ("foo.`bar\\`.baz`", &["foo", "bar`.baz"]),
            ("foo.`bar.`baz`", &["foo", "bar.`baz"]),
            ("foo.`bar\\`.`baz`", &["foo", "bar`.`baz"]),
            ("foo.`bar\\\\`.\\`baz`", &["foo", "bar\\`.\\`baz"]),
        ];
        for (path, expected) in cases {
            assert_eq!(steps_v2(path), *expected, "{path}");
        }
        for (path, at) in [
            ("`foo.bar.baz", 0),
            ("foo.`bar.baz", 4),
            ("foo.bar.`baz", 8),
            ("foo.bar.`baz\\`", 8),
        ] {
            assert_eq!(
                SingleFieldPath::new(path, FieldSyntaxVersion::V2).unwrap_err(),
                format!("Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position {at} to escape it")
            );
        }
    }

    #[test]
    fn single_field_path_lookups() {
        // Kafka's SingleFieldPathTest.
        let v2 = |p: &str| SingleFieldPath::new(p, FieldSyntaxVersion::V2).unwrap();
        let bar = SchemaBuilder::struct_()
            .field("bar", Schema::int32())
            .build();
        let schema = SchemaBuilder::struct_().field("foo", bar.clone()).build();
        assert_eq!(v2("foo.bar").field_from(&schema).unwrap(), bar.field("bar"));
        assert_eq!(v2("foo").field_from(&schema).unwrap(), schema.field("foo"));
        assert_eq!(v2("un.known").field_from(&schema).unwrap(), None);
        assert_eq!(v2("foo.unknown").field_from(&schema).unwrap(), None);
        assert_eq!(v2("unknown").field_from(&schema).unwrap(), None);

        let foo = map(vec![("bar", Value::Int32(42)), ("baz", Value::Null)]);
        let Value::Map(m) = map(vec![("foo", foo)]) else {
            unreachable!()
        };
        assert_eq!(v2("foo.bar").value_from_map(&m).unwrap(), Value::Int32(42));
        assert_eq!(v2("foo.baz").value_from_map(&m).unwrap(), Value::Null);
        for p in ["un.known", "foo.unknown", "unknown", "foo.baz.inner"] {
            assert_eq!(v2(p).value_from_map(&m).unwrap(), Value::Null, "{p}");
        }

        let baz = SchemaBuilder::struct_()
            .field("inner", Schema::string())
            .optional()
            .build();
        let bar = SchemaBuilder::struct_()
            .field("bar", Schema::int32())
            .field("baz", baz)
            .build();
        let schema = SchemaBuilder::struct_().field("foo", bar.clone()).build();
        let foo = Struct::new(bar).unwrap().with("bar", 42).unwrap();
        let s = Struct::new(schema).unwrap().with("foo", foo).unwrap();
        assert_eq!(
            v2("foo.bar").value_from_struct(&s, true).unwrap(),
            Value::Int32(42)
        );
        assert_eq!(
            v2("foo.baz").value_from_struct(&s, true).unwrap(),
            Value::Null
        );
        for p in ["un.known", "foo.unknown", "unknown", "foo.baz.inner"] {
            assert_eq!(
                v2(p).value_from_struct(&s, true).unwrap(),
                Value::Null,
                "{p}"
            );
        }
        // A path through a non-map value fails, as Kafka's requireMapOrNull.
        let Value::Map(m) = map(vec![("foo", Value::Int32(1))]) else {
            unreachable!()
        };
        assert_eq!(
            v2("foo.bar").value_from_map(&m).unwrap_err(),
            "Only Map objects supported in absence of schema for [nested field access], found: java.lang.Integer"
        );
    }

    #[test]
    fn field_syntax_version_config() {
        // Kafka's FieldSyntaxVersionTest.
        let def = config_def();
        let key = def.key("field.syntax.version").unwrap();
        assert_eq!(key.info().default_value.as_deref(), Some("V1"));
        for ok in ["v1", "v2", "V1", "V2"] {
            assert!(ExtractField::configure(
                Side::Key,
                &props(&[("field", "a"), ("field.syntax.version", ok)])
            )
            .is_ok());
        }
        for bad in ["v3", "V 1", "v", "V 2", "2", "1"] {
            let p = props(&[("field", "a"), ("field.syntax.version", bad)]);
            let err = ExtractField::configure(Side::Key, &p).err().unwrap();
            let expected = format!("Invalid value {bad} for configuration field.syntax.version: String must be one of (case insensitive): V1, V2");
            assert_eq!(err.message, expected);
            let infos = def.validate(&p);
            assert_eq!(infos.error_count, 1);
        }
        // A bad V2 path is a configuration error.
        let err = ExtractField::configure(
            Side::Key,
            &props(&[("field", "`a"), ("field.syntax.version", "V2")]),
        )
        .err()
        .unwrap();
        assert_eq!(err.message, "Incomplete backtick pair in path: [`a], consider adding a backslash before backtick at position 0 to escape it");
    }

    #[test]
    fn config_def_rejects_bad_config() {
        let infos = config_def().validate(&Props::new());
        let errors: Vec<String> = infos
            .configs
            .iter()
            .flat_map(|c| c.value.errors.clone())
            .collect();
        assert_eq!(
            errors,
            ["Missing required configuration \"field\" which has no default value."]
        );
        let err = ExtractField::configure(Side::Value, &Props::new())
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
                "org.apache.kafka.connect.transforms.ExtractField$Key",
                "org.apache.kafka.connect.transforms.ExtractField$Value"
            ]
        );
    }
}
