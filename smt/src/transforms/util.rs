//! Helpers shared by the field transformations: Kafka's `Requirements` and `SchemaUtil`,
//! the key/value side of a record, schemaless maps as Java `HashMap`s, the schema update
//! cache, and Java's `BigDecimal` parsing and conversions as the transformations use
//! them (the rest of Java's number parsing is `connect_api::java`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use connect_api::config::{ConfigDef, ConfigValue, ParsedConfig, Validator};
use connect_api::java::{self, JavaDecimal};
use connect_api::{
    ConnectRecord, Props, Schema, SchemaBuilder, SchemaRef, SchemaType, SinkRecord, SourceRecord,
    Struct, Value,
};

use crate::{Side, TransformError};

/// The documentation of `replace.null.with.default`, the same for every transformation.
pub const REPLACE_NULL_WITH_DEFAULT_DOC: &str = "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.";

/// The schema of the side a transformation works on.
pub fn operating_schema<R: ConnectRecord>(record: &R, side: Side) -> Option<&SchemaRef> {
    let r = record.record();
    match side {
        Side::Key => r.key_schema.as_ref(),
        Side::Value => r.value_schema.as_ref(),
    }
}

/// The key or value a transformation works on.
pub fn operating_value<R: ConnectRecord>(record: &R, side: Side) -> &Value {
    let r = record.record();
    match side {
        Side::Key => &r.key,
        Side::Value => &r.value,
    }
}

/// Replaces the schema and the key or value of one side (Kafka's `newRecord` of the
/// `$Key` / `$Value` variants); everything else of the record stays.
pub fn set_operating<R: ConnectRecord>(
    record: &mut R,
    side: Side,
    schema: Option<SchemaRef>,
    value: Value,
) {
    let r = record.record_mut();
    match side {
        Side::Key => {
            r.key_schema = schema;
            r.key = value;
        }
        Side::Value => {
            r.value_schema = schema;
            r.value = value;
        }
    }
}

/// Kafka's `nullSafeClassName`: the Java class name of a value, `null` for null.
pub fn class_name(value: &Value) -> &'static str {
    value.kind_name()
}

/// Kafka's `Requirements.requireStruct`.
pub fn require_struct<'a>(value: &'a Value, purpose: &str) -> Result<&'a Struct, String> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            class_name(other)
        )),
    }
}

/// Kafka's `Requirements.requireStructOrNull`.
pub fn require_struct_or_null<'a>(
    value: &'a Value,
    purpose: &str,
) -> Result<Option<&'a Struct>, String> {
    match value {
        Value::Null => Ok(None),
        other => require_struct(other, purpose).map(Some),
    }
}

/// Kafka's `Requirements.requireMap`: a schemaless value must be a map.
pub fn require_map<'a>(value: &'a Value, purpose: &str) -> Result<&'a [(Value, Value)], String> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            class_name(other)
        )),
    }
}

/// Kafka's `Requirements.requireMapOrNull`.
pub fn require_map_or_null<'a>(
    value: &'a Value,
    purpose: &str,
) -> Result<Option<&'a [(Value, Value)]>, String> {
    match value {
        Value::Null => Ok(None),
        other => require_map(other, purpose).map(Some),
    }
}

/// Kafka's `Requirements.requireSchema`.
pub fn require_schema<'a>(
    schema: Option<&'a SchemaRef>,
    purpose: &str,
) -> Result<&'a SchemaRef, String> {
    schema.ok_or_else(|| format!("Schema required for [{purpose}]"))
}

/// The key of a schemaless map entry as a string: Kafka casts keys to `String`, which
/// fails with a `ClassCastException` for other keys.
pub fn string_key(key: &Value) -> Result<&str, String> {
    match key {
        Value::String(s) => Ok(s),
        other => Err(format!(
            "class {} cannot be cast to class java.lang.String",
            class_name(other)
        )),
    }
}

/// `map.get(key)` of a schemaless map (string keys).
pub fn map_get<'a>(entries: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// `map.put(key, value)` of a schemaless map: replaces the entry in place, or appends it.
pub fn map_put(entries: &mut Vec<(Value, Value)>, key: &str, value: Value) {
    match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
        Some(entry) => entry.1 = value,
        None => entries.push((Value::String(key.to_string()), value)),
    }
}

/// Kafka's `SchemaUtil.copySchemaBasics(source, builder)`: name, version, doc and
/// parameters.
pub fn copy_schema_basics(source: &Schema, mut builder: SchemaBuilder) -> SchemaBuilder {
    if let Some(name) = &source.name {
        builder = builder.name(name.clone());
    }
    if let Some(version) = source.version {
        builder = builder.version(version);
    }
    if let Some(doc) = &source.doc {
        builder = builder.doc(doc.clone());
    }
    if let Some(params) = &source.parameters {
        builder = builder.parameters(params.iter().cloned());
    }
    builder
}

/// Kafka's `SchemaUtil.copySchemaBasics(source)`: a builder of the same type (an array
/// keeps its element schema) with the basics copied.
pub fn copy_schema_basics_of(source: &Schema) -> SchemaBuilder {
    let builder = match (source.schema_type, &source.value_schema) {
        (SchemaType::Array, Some(element)) => SchemaBuilder::array(element.clone()),
        (ty, _) => SchemaBuilder::new(ty),
    };
    copy_schema_basics(source, builder)
}

/// Adds a struct field, failing as Kafka's `SchemaBuilder.field` does on a duplicate name.
pub fn add_field(
    builder: SchemaBuilder,
    name: &str,
    schema: SchemaRef,
) -> Result<SchemaBuilder, String> {
    if builder.fields().iter().any(|f| f.name == name) {
        return Err(format!(
            "Cannot create field because of field name duplication {name}"
        ));
    }
    Ok(builder.field(name, schema))
}

/// The schema type Kafka infers for a schemaless value (`ConnectSchema.schemaType` of its
/// class): None for null and for logical values (BigDecimal, java.util.Date), which have
/// no schemaless type.
pub fn schemaless_type(value: &Value) -> Option<SchemaType> {
    match value {
        Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => None,
        other => other.schema_type(),
    }
}

/// A struct field's value with or without its schema default (`replace.null.with.default`).
pub fn field_value(s: &Struct, field: &str, replace_null_with_default: bool) -> Value {
    let v = if replace_null_with_default {
        s.get(field)
    } else {
        s.get_without_default(field)
    };
    v.cloned().unwrap_or(Value::Null)
}

/// `struct.put(field, value)`, with Kafka's validation of the value.
pub fn put(s: &mut Struct, field: &str, value: Value) -> Result<(), String> {
    s.put(field, value).map(|_| ()).map_err(|e| e.message)
}

/// A new struct of `schema` (which must be a struct schema).
pub fn new_struct(schema: &SchemaRef) -> Result<Struct, String> {
    Struct::new(schema.clone()).map_err(|e| e.message)
}

/// Kafka's `SynchronizedCache<>(new LRUCache<>(16))` from an input schema to the schema a
/// transformation makes of it. Equal schemas map to the same output schema.
#[derive(Default)]
pub struct SchemaCache {
    entries: Mutex<VecDeque<(SchemaRef, SchemaRef)>>,
}

const SCHEMA_CACHE_SIZE: usize = 16;

impl SchemaCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached schema for `key`, or the one `build` makes (then cached).
    pub fn get_or_build<E>(
        &self,
        key: &SchemaRef,
        build: impl FnOnce() -> Result<SchemaRef, E>,
    ) -> Result<SchemaRef, E> {
        {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(pos) = entries
                .iter()
                .position(|(k, _)| Arc::ptr_eq(k, key) || **k == **key)
            {
                // Most recently used first.
                let hit = entries.remove(pos).expect("position is in range");
                let out = hit.1.clone();
                entries.push_front(hit);
                return Ok(out);
            }
        }
        let built = build()?;
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.push_front((key.clone(), built.clone()));
        entries.truncate(SCHEMA_CACHE_SIZE);
        Ok(built)
    }
}

/// Parses a transformation's properties against its ConfigDef (Kafka's `SimpleConfig`);
/// the error is Kafka's `ConfigException` message.
pub fn parse_config(
    def: &ConfigDef,
    props: &Props,
    class: &str,
) -> Result<ParsedConfig, TransformError> {
    def.parse(props)
        .map_err(|e| TransformError::new(class, e.to_string()))
}

/// A boolean key of a parsed config.
pub fn get_bool(config: &ParsedConfig, key: &str) -> bool {
    config
        .get(key)
        .and_then(ConfigValue::as_bool)
        .unwrap_or(false)
}

/// A string key of a parsed config; None when it has no value (null default).
pub fn get_string(config: &ParsedConfig, key: &str) -> Option<String> {
    config
        .get(key)
        .and_then(ConfigValue::as_str)
        .map(str::to_string)
}

/// A list key of a parsed config.
pub fn get_list(config: &ParsedConfig, key: &str) -> Vec<String> {
    config
        .get(key)
        .and_then(ConfigValue::as_list)
        .map(<[String]>::to_vec)
        .unwrap_or_default()
}

/// Kafka's `NonEmptyListValidator` ("non-empty list"; "Empty list").
pub fn non_empty_list() -> Validator {
    Validator::custom("non-empty list", |_, value| match value.as_list() {
        Some([]) => Err("Empty list".to_string()),
        _ => Ok(()),
    })
}

/// Java's `String.split(":")`: trailing empty strings are removed; a string without the
/// separator is a single element (even when empty).
pub fn java_split(s: &str, sep: char) -> Vec<&str> {
    if !s.contains(sep) {
        return vec![s];
    }
    let mut parts: Vec<&str> = s.split(sep).collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts
}

/// Java's `new BigDecimal(String)` as a Decimal value; None where Java throws a
/// `NumberFormatException`.
pub fn parse_big_decimal(s: &str) -> Option<Value> {
    JavaDecimal::parse(s).map(|d| Value::Decimal(d.to_decimal()))
}

/// Java's `BigDecimal.longValue()` of a Decimal value: the integer part (fraction
/// discarded), low-order 64 bits. None for other values.
pub fn decimal_long_value(value: &Value) -> Option<i64> {
    match value {
        Value::Decimal(d) => Some(java::bigdecimal_long_value(d)),
        _ => None,
    }
}

/// Java's `BigDecimal.doubleValue()` of a Decimal value. None for other values.
pub fn decimal_double_value(value: &Value) -> Option<f64> {
    match value {
        Value::Decimal(d) => Some(java::bigdecimal_double_value(d)),
        _ => None,
    }
}

/// Java's `BigDecimal.floatValue()` of a Decimal value. None for other values.
pub fn decimal_float_value(value: &Value) -> Option<f32> {
    match value {
        Value::Decimal(d) => Some(java::bigdecimal_float_value(d)),
        _ => None,
    }
}

/// Where a record sits in Kafka, for `partition.field` and `offset.field`: only sink
/// records have an offset (Kafka's `Requirements.requireSinkRecord`).
pub trait RecordPosition {
    /// The record's partition, if it has one.
    fn partition(&self) -> Option<i32>;
    /// The offset of a sink record; an error naming `purpose` for a source record.
    fn kafka_offset_for(&self, purpose: &str) -> Result<i64, String>;
}

impl RecordPosition for SinkRecord {
    fn partition(&self) -> Option<i32> {
        Some(self.kafka_partition())
    }
    fn kafka_offset_for(&self, _purpose: &str) -> Result<i64, String> {
        Ok(self.kafka_offset)
    }
}

impl RecordPosition for SourceRecord {
    fn partition(&self) -> Option<i32> {
        self.record.kafka_partition
    }
    fn kafka_offset_for(&self, purpose: &str) -> Result<i64, String> {
        Err(format!(
            "Only SinkRecord supported for [{purpose}], found: org.apache.kafka.connect.source.SourceRecord"
        ))
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builders for the tests of the transformations.

    use connect_api::{Props, Record, SinkRecord, SourceRecord, Value};

    pub fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A schemaless map with string keys.
    pub fn map(pairs: Vec<(&str, Value)>) -> Value {
        Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (Value::String(k.to_string()), v))
                .collect(),
        )
    }

    pub fn sink(record: Record) -> SinkRecord {
        SinkRecord {
            record,
            ..SinkRecord::default()
        }
    }

    pub fn source(record: Record) -> SourceRecord {
        SourceRecord {
            record,
            ..SourceRecord::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_split_drops_trailing_empties() {
        assert_eq!(java_split("a:b", ':'), ["a", "b"]);
        assert_eq!(java_split("a:", ':'), ["a"]);
        assert_eq!(java_split(":b", ':'), ["", "b"]);
        assert_eq!(java_split("a:b:", ':'), ["a", "b"]);
        assert_eq!(java_split("", ':'), [""]);
        assert!(java_split(":", ':').is_empty());
        assert_eq!(java_split("abc", ':'), ["abc"]);
    }

    #[test]
    fn java_decimal_parsing() {
        assert_eq!(
            decimal_long_value(&parse_big_decimal("123.9").unwrap()),
            Some(123)
        );
        assert_eq!(
            decimal_long_value(&parse_big_decimal("-123.9").unwrap()),
            Some(-123)
        );
        // 2^64 + 5: low 64 bits.
        assert_eq!(
            decimal_long_value(&parse_big_decimal("18446744073709551621").unwrap()),
            Some(5)
        );
        assert_eq!(
            decimal_long_value(&parse_big_decimal("2147483648").unwrap()).map(|l| l as i32),
            Some(i32::MIN)
        );
        assert_eq!(
            decimal_double_value(&parse_big_decimal("1.5E+3").unwrap()),
            Some(1500.0)
        );
        assert_eq!(
            decimal_double_value(&parse_big_decimal("-0.125").unwrap()),
            Some(-0.125)
        );
        assert!(parse_big_decimal("foo").is_none());
        assert!(parse_big_decimal("1.2.3").is_none());
        assert!(parse_big_decimal(" 1").is_none());
        assert!(parse_big_decimal("").is_none());
    }

    #[test]
    fn field_transformations_are_registered_by_full_and_simple_name() {
        for name in [
            "InsertField$Key",
            "InsertField$Value",
            "ReplaceField$Key",
            "ReplaceField$Value",
            "MaskField$Key",
            "MaskField$Value",
            "ValueToKey",
            "ExtractField$Key",
            "ExtractField$Value",
            "HoistField$Key",
            "HoistField$Value",
            "Cast$Key",
            "Cast$Value",
            "Flatten$Key",
            "Flatten$Value",
            "SetSchemaMetadata$Key",
            "SetSchemaMetadata$Value",
        ] {
            let full = format!("org.apache.kafka.connect.transforms.{name}");
            assert!(crate::registry::find_transform(&full).is_some(), "{full}");
            assert!(crate::registry::find_transform(name).is_some(), "{name}");
        }
    }

    #[test]
    fn a_chain_of_field_transformations() {
        use crate::TransformChain;
        let config = testing::props(&[
            ("transforms", "hoist,insert,cast,flat"),
            ("transforms.hoist.type", "HoistField$Value"),
            ("transforms.hoist.field", "inner"),
            ("transforms.insert.type", "InsertField$Value"),
            ("transforms.insert.topic.field", "topic"),
            ("transforms.cast.type", "Cast$Value"),
            ("transforms.cast.spec", "topic:string"),
            ("transforms.flat.type", "Flatten$Value"),
            ("transforms.flat.delimiter", "_"),
        ]);
        let chain = TransformChain::<SinkRecord>::from_config(&config).unwrap();
        let r = testing::sink(connect_api::Record {
            topic: "t".into(),
            value: testing::map(vec![("a", Value::Int32(1))]),
            ..Default::default()
        });
        let out = chain.apply(r).unwrap().unwrap();
        assert_eq!(
            out.record.value,
            testing::map(vec![
                ("inner_a", Value::Int32(1)),
                ("topic", Value::from("t")),
            ])
        );
        let bad = testing::props(&[
            ("transforms", "cast"),
            ("transforms.cast.type", "Cast$Value"),
            ("transforms.cast.spec", "a:nope"),
        ]);
        let errors = crate::chain::validate(&bad);
        assert!(
            errors.iter().any(|(k, e)| k == "transforms.cast.spec"
                && e.ends_with("Invalid type found in casting spec: nope")),
            "{errors:?}"
        );
    }

    #[test]
    fn schema_cache_returns_the_same_schema_for_equal_inputs() {
        let cache = SchemaCache::new();
        let a = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let a2 = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let out1 = cache
            .get_or_build::<()>(&a, || Ok(Schema::string()))
            .unwrap();
        let out2 = cache.get_or_build::<()>(&a2, || panic!("cached")).unwrap();
        assert!(Arc::ptr_eq(&out1, &out2));
    }
}
