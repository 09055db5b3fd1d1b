//! `org.apache.kafka.connect.json.JsonConverter`.

mod tree;

use bigdecimal::BigDecimal;
use connect_api::data::logical::{self, DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use connect_api::{Props, Schema, SchemaBuilder, SchemaRef, SchemaType, Struct, Value};

use crate::{config, Converter, ConverterError, HeaderConverter, SchemaAndValue};
use connect_api::java::{self, class_of, type_name, MILLIS_PER_DAY};
use tree::{JNode, ObjectBuilder, Out};

pub const SCHEMAS_ENABLE_CONFIG: &str = "schemas.enable";
pub const SCHEMAS_CACHE_SIZE_CONFIG: &str = "schemas.cache.size";
pub const DECIMAL_FORMAT_CONFIG: &str = "decimal.format";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const ENVELOPE_MESSAGE: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

/// How `Decimal` values are written (`decimal.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalFormat {
    /// Unscaled two's-complement bytes, base64 (Kafka's default).
    Base64,
    /// A JSON number with the value's scale (`1.00`, not `1`).
    Numeric,
}

/// Kafka's `JsonConverter`: JSON with an optional `{"schema":…,"payload":…}` envelope.
#[derive(Debug, Clone)]
pub struct JsonConverter {
    schemas_enable: bool,
    schemas_cache_size: i32,
    decimal_format: DecimalFormat,
    replace_null_with_default: bool,
}

impl Default for JsonConverter {
    fn default() -> Self {
        JsonConverter {
            schemas_enable: true,
            schemas_cache_size: 1000,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
        }
    }
}

impl JsonConverter {
    pub fn new() -> Self {
        Self::default()
    }

    fn apply(&mut self, props: &Props) -> Result<(), ConverterError> {
        let schemas_enable = config::get_bool(props, SCHEMAS_ENABLE_CONFIG, true)?;
        let cache = config::get_int(props, SCHEMAS_CACHE_SIZE_CONFIG, 1000)?;
        let format = config::get_choice(
            props,
            DECIMAL_FORMAT_CONFIG,
            "BASE64",
            &["BASE64", "NUMERIC"],
        )?;
        let replace = config::get_bool(props, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        self.schemas_enable = schemas_enable;
        self.schemas_cache_size = cache;
        self.decimal_format = if format == "NUMERIC" {
            DecimalFormat::Numeric
        } else {
            DecimalFormat::Base64
        };
        self.replace_null_with_default = replace;
        Ok(())
    }

    pub fn schemas_enabled(&self) -> bool {
        self.schemas_enable
    }

    pub fn decimal_format(&self) -> DecimalFormat {
        self.decimal_format
    }

    /// The JSON form of a Connect schema (Kafka's `asJsonSchema`), as bytes.
    pub fn schema_to_json(&self, schema: &Schema) -> Result<Vec<u8>, ConverterError> {
        Ok(self.as_json_schema(Some(schema))?.to_bytes())
    }

    /// The Connect schema of its JSON form (Kafka's `asConnectSchema`); `None` for `null`.
    pub fn schema_from_json(&self, json: &[u8]) -> Result<Option<SchemaRef>, ConverterError> {
        let node = tree::parse(json)
            .map_err(|e| ConverterError::data(format!("Invalid JSON schema: {e}")))?
            .unwrap_or(JNode::Null);
        self.as_connect_schema(&node)
    }

    fn as_json_schema(&self, schema: Option<&Schema>) -> Result<Out, ConverterError> {
        let Some(schema) = schema else {
            return Ok(Out::Null);
        };
        let mut obj: Vec<(String, Out)> = vec![(
            "type".into(),
            Out::Str(schema.schema_type.name().to_string()),
        )];
        match schema.schema_type {
            SchemaType::Array => obj.push((
                "items".into(),
                self.as_json_schema(schema.value_schema.as_deref())?,
            )),
            SchemaType::Map => {
                obj.push((
                    "keys".into(),
                    self.as_json_schema(schema.key_schema.as_deref())?,
                ));
                obj.push((
                    "values".into(),
                    self.as_json_schema(schema.value_schema.as_deref())?,
                ));
            }
            SchemaType::Struct => {
                let mut fields = Vec::with_capacity(schema.fields.len());
                for field in &schema.fields {
                    let mut f = match self.as_json_schema(Some(&field.schema))? {
                        Out::Obj(entries) => entries,
                        _ => Vec::new(),
                    };
                    f.push(("field".into(), Out::Str(field.name.clone())));
                    fields.push(Out::Obj(f));
                }
                obj.push(("fields".into(), Out::Arr(fields)));
            }
            _ => {}
        }
        obj.push(("optional".into(), Out::Bool(schema.optional)));
        if let Some(name) = &schema.name {
            obj.push(("name".into(), Out::Str(name.clone())));
        }
        if let Some(version) = schema.version {
            obj.push(("version".into(), Out::Int(i64::from(version))));
        }
        if let Some(doc) = &schema.doc {
            obj.push(("doc".into(), Out::Str(doc.clone())));
        }
        if let Some(params) = &schema.parameters {
            let mut p = ObjectBuilder::new();
            for (k, v) in params {
                p.set(k.clone(), Out::Str(v.clone()));
            }
            obj.push(("parameters".into(), p.build()));
        }
        if let Some(default) = &schema.default {
            if !default.is_null() {
                obj.push((
                    "default".into(),
                    self.convert_to_json(Some(schema), default)?,
                ));
            }
        }
        Ok(Out::Obj(obj))
    }

    fn as_connect_schema(&self, node: &JNode) -> Result<Option<SchemaRef>, ConverterError> {
        if *node == JNode::Null {
            return Ok(None);
        }
        let type_name = match node.get("type") {
            Some(JNode::Str(t)) => t.as_str(),
            _ => return Err(ConverterError::data("Schema must contain 'type' field")),
        };
        let mut builder = match type_name {
            "array" => {
                let items = match node.get("items") {
                    None | Some(JNode::Null) => {
                        return Err(ConverterError::data(
                            "Array schema did not specify the element type",
                        ))
                    }
                    Some(items) => self.as_connect_schema(items)?,
                };
                let items =
                    items.ok_or_else(|| ConverterError::data("valueSchema cannot be null."))?;
                SchemaBuilder::array(items)
            }
            "map" => {
                let keys = node.get("keys").ok_or_else(|| {
                    ConverterError::data("Map schema did not specify the key type")
                })?;
                let values = node.get("values").ok_or_else(|| {
                    ConverterError::data("Map schema did not specify the value type")
                })?;
                let keys = self
                    .as_connect_schema(keys)?
                    .ok_or_else(|| ConverterError::data("keySchema cannot be null."))?;
                let values = self
                    .as_connect_schema(values)?
                    .ok_or_else(|| ConverterError::data("valueSchema cannot be null."))?;
                SchemaBuilder::map(keys, values)
            }
            "struct" => {
                let Some(JNode::Arr(fields)) = node.get("fields") else {
                    return Err(ConverterError::data(
                        "Struct schema's \"fields\" argument is not an array.",
                    ));
                };
                let mut b = SchemaBuilder::struct_();
                for field in fields {
                    let name = match field.get("field") {
                        Some(JNode::Str(name)) => name.clone(),
                        _ => {
                            return Err(ConverterError::data(
                                "Struct schema's field name not specified properly",
                            ))
                        }
                    };
                    let field_schema = self
                        .as_connect_schema(field)?
                        .ok_or_else(|| ConverterError::data("Schema must contain 'type' field"))?;
                    if name.is_empty() {
                        return Err(ConverterError::data("fieldName cannot be null."));
                    }
                    if b.fields().iter().any(|f| f.name == name) {
                        return Err(ConverterError::data(format!(
                            "Cannot create field because of field name duplication {name}"
                        )));
                    }
                    b = b.field(name, field_schema);
                }
                b
            }
            other => match SchemaType::from_name(other) {
                Some(t) if t.is_primitive() => SchemaBuilder::new(t),
                _ => {
                    return Err(ConverterError::data(format!(
                        "Unknown schema type: {other}"
                    )))
                }
            },
        };
        builder = builder.set_optional(matches!(node.get("optional"), Some(JNode::Bool(true))));
        if let Some(JNode::Str(name)) = node.get("name") {
            builder = builder.name(name.clone());
        }
        if let Some(JNode::Num(n)) = node.get("version") {
            if n.is_integral() {
                builder = builder.version(n.low64() as i32);
            }
        }
        if let Some(JNode::Str(doc)) = node.get("doc") {
            builder = builder.doc(doc.clone());
        }
        if let Some(JNode::Obj(params)) = node.get("parameters") {
            for (k, v) in params {
                match v {
                    JNode::Str(s) => builder = builder.parameter(k.clone(), s.clone()),
                    _ => {
                        return Err(ConverterError::data(
                            "Schema parameters must have string values.",
                        ))
                    }
                }
            }
        }
        if let Some(default_node) = node.get("default") {
            let without_default = builder.clone().build();
            let default = self.convert_to_connect(Some(&without_default), Some(default_node))?;
            if !default.is_null() {
                without_default
                    .validate_value(&default)
                    .map_err(|e| ConverterError::data(format!("Invalid default value: {e}")))?;
                builder = builder.default_value(default);
            }
        }
        Ok(Some(builder.build()))
    }

    /// Kafka's `convertToJson`.
    fn convert_to_json(
        &self,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Out, ConverterError> {
        if value.is_null() {
            let Some(schema) = schema else {
                return Ok(Out::Null);
            };
            if let Some(default) = &schema.default {
                if self.replace_null_with_default && !default.is_null() {
                    return self.convert_to_json(Some(schema), default);
                }
            }
            if schema.optional {
                return Ok(Out::Null);
            }
            return Err(ConverterError::data(
                "Conversion error: null value for field that is required and has no default value",
            ));
        }

        if let Some(schema) = schema {
            if let Some(out) = self.logical_to_json(schema, value)? {
                return Ok(out);
            }
        }

        let schema_type = match schema {
            Some(s) => s.schema_type,
            None => match value {
                Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
                    return Err(ConverterError::data(format!(
                        "Java class {} does not have corresponding schema type.",
                        class_of(value)
                    )))
                }
                other => other.schema_type().unwrap_or(SchemaType::String),
            },
        };
        let mismatch = || {
            ConverterError::data(format!(
                "Invalid type for {}: {}",
                type_name(schema_type),
                class_of(value)
            ))
        };
        Ok(match (schema_type, value) {
            (SchemaType::Int8, Value::Int8(v)) => Out::Int(i64::from(*v)),
            (SchemaType::Int16, Value::Int16(v)) => Out::Int(i64::from(*v)),
            (SchemaType::Int32, Value::Int32(v)) => Out::Int(i64::from(*v)),
            (SchemaType::Int64, Value::Int64(v)) => Out::Int(*v),
            (SchemaType::Float32, Value::Float32(v)) => Out::Float(*v),
            (SchemaType::Float64, Value::Float64(v)) => Out::Double(*v),
            (SchemaType::Boolean, Value::Boolean(v)) => Out::Bool(*v),
            (SchemaType::String, Value::String(v)) => Out::Str(v.clone()),
            (SchemaType::Bytes, Value::Bytes(v)) => Out::Binary(v.clone()),
            (SchemaType::Bytes, _) => {
                return Err(ConverterError::data(format!(
                    "Invalid type for bytes type: {}",
                    class_of(value)
                )))
            }
            (SchemaType::Array, Value::Array(items)) => {
                let element = schema.and_then(|s| s.value_schema.as_deref());
                Out::Arr(
                    items
                        .iter()
                        .map(|item| self.convert_to_json(element, item))
                        .collect::<Result<_, _>>()?,
                )
            }
            (SchemaType::Map, Value::Map(entries)) => {
                let key_schema = schema.and_then(|s| s.key_schema.as_deref());
                let value_schema = schema.and_then(|s| s.value_schema.as_deref());
                let object_mode = match key_schema {
                    Some(k) => k.schema_type == SchemaType::String,
                    None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
                };
                if object_mode {
                    let mut obj = ObjectBuilder::new();
                    for (k, v) in entries {
                        let key = self.convert_to_json(key_schema, k)?;
                        let val = self.convert_to_json(value_schema, v)?;
                        obj.set(key.as_text(), val);
                    }
                    obj.build()
                } else {
                    let mut pairs = Vec::with_capacity(entries.len());
                    for (k, v) in entries {
                        let key = self.convert_to_json(key_schema, k)?;
                        let val = self.convert_to_json(value_schema, v)?;
                        pairs.push(Out::Arr(vec![key, val]));
                    }
                    Out::Arr(pairs)
                }
            }
            (SchemaType::Struct, Value::Struct(s)) => {
                let schema = match schema {
                    Some(schema) if s.schema().as_ref() == schema => schema,
                    _ => return Err(ConverterError::data("Mismatching schema.")),
                };
                let mut obj = Vec::with_capacity(schema.fields.len());
                for (field, v) in schema.fields.iter().zip(s.values()) {
                    obj.push((
                        field.name.clone(),
                        self.convert_to_json(Some(&field.schema), v)?,
                    ));
                }
                Out::Obj(obj)
            }
            _ => return Err(mismatch()),
        })
    }

    /// The JSON of a value whose schema names a logical type; `None` if it does not.
    fn logical_to_json(
        &self,
        schema: &Schema,
        value: &Value,
    ) -> Result<Option<Out>, ConverterError> {
        let Some(name) = schema.name.as_deref() else {
            return Ok(None);
        };
        let wrong = |expected: &str, logical: &str| {
            ConverterError::data(format!(
                "Invalid type for {logical}, expected {expected} but was {}",
                class_of(value)
            ))
        };
        let out = match name {
            DECIMAL_NAME => {
                let Value::Decimal(d) = value else {
                    return Err(wrong("BigDecimal", "Decimal"));
                };
                match self.decimal_format {
                    DecimalFormat::Numeric => Out::Decimal(d.clone()),
                    DecimalFormat::Base64 => Out::Binary(decimal_bytes(schema, d)?),
                }
            }
            DATE_NAME => {
                let millis = java::temporal_millis(value).ok_or_else(|| wrong("Date", "Date"))?;
                if millis.rem_euclid(MILLIS_PER_DAY) != 0 {
                    return Err(ConverterError::data(
                        "Kafka Connect Date type should not have any time fields set to non-zero values.",
                    ));
                }
                Out::Int(i64::from((millis / MILLIS_PER_DAY) as i32))
            }
            TIME_NAME => {
                let millis = java::temporal_millis(value).ok_or_else(|| wrong("Date", "Time"))?;
                if !(0..MILLIS_PER_DAY).contains(&millis) {
                    return Err(ConverterError::data(
                        "Kafka Connect Time type should not have any date fields set to non-zero values.",
                    ));
                }
                Out::Int(millis)
            }
            TIMESTAMP_NAME => {
                Out::Int(java::temporal_millis(value).ok_or_else(|| wrong("Date", "Timestamp"))?)
            }
            _ => return Ok(None),
        };
        Ok(Some(out))
    }

    /// Kafka's `convertToConnect`. `node` is `None` for a missing struct field.
    fn convert_to_connect(
        &self,
        schema: Option<&SchemaRef>,
        node: Option<&JNode>,
    ) -> Result<Value, ConverterError> {
        let Some(schema) = schema else {
            return Ok(match node {
                None | Some(JNode::Null) => Value::Null,
                Some(node) => schemaless_to_connect(node),
            });
        };
        let node = match node {
            None | Some(JNode::Null) => {
                if let Some(default) = &schema.default {
                    if self.replace_null_with_default && !default.is_null() {
                        return Ok(default.clone());
                    }
                }
                if schema.optional {
                    return Ok(Value::Null);
                }
                return Err(ConverterError::data(format!(
                    "Invalid null value for required {} field",
                    type_name(schema.schema_type)
                )));
            }
            Some(node) => node,
        };

        if let Some(value) = logical_to_connect(schema, node)? {
            return Ok(value);
        }

        let mismatch = || {
            ConverterError::data(format!(
                "Invalid JSON {} for a value of schema type {}",
                node.node_type(),
                type_name(schema.schema_type)
            ))
        };
        Ok(match (schema.schema_type, node) {
            (SchemaType::Boolean, JNode::Bool(b)) => Value::Boolean(*b),
            (SchemaType::Int8, JNode::Num(n)) => Value::Int8(n.low64() as i8),
            (SchemaType::Int16, JNode::Num(n)) => Value::Int16(n.low64() as i16),
            (SchemaType::Int32, JNode::Num(n)) => Value::Int32(n.low64() as i32),
            (SchemaType::Int64, JNode::Num(n)) => Value::Int64(n.low64()),
            (SchemaType::Float32, JNode::Num(n)) => Value::Float32(n.to_f32()),
            (SchemaType::Float64, JNode::Num(n)) => Value::Float64(n.to_f64()),
            (SchemaType::Float32, JNode::Str(s)) => {
                Value::Float32(non_finite(s).ok_or_else(mismatch)? as f32)
            }
            (SchemaType::Float64, JNode::Str(s)) => {
                Value::Float64(non_finite(s).ok_or_else(mismatch)?)
            }
            (SchemaType::String, JNode::Str(s)) => Value::String(s.clone()),
            (SchemaType::Bytes, JNode::Str(s)) => Value::Bytes(
                tree::decode_base64(s)
                    .ok_or_else(|| ConverterError::data("Invalid bytes field"))?,
            ),
            (SchemaType::Array, JNode::Arr(items)) => Value::Array(
                items
                    .iter()
                    .map(|item| self.convert_to_connect(schema.value_schema.as_ref(), Some(item)))
                    .collect::<Result<_, _>>()?,
            ),
            (SchemaType::Map, _) => self.map_to_connect(schema, node)?,
            (SchemaType::Struct, JNode::Obj(_)) => {
                let mut s = Struct::new(schema.clone())?;
                for field in &schema.fields {
                    let v = self.convert_to_connect(Some(&field.schema), node.get(&field.name))?;
                    s.put(&field.name, v)?;
                }
                Value::Struct(s)
            }
            (SchemaType::Struct, _) => {
                return Err(ConverterError::data(format!(
                    "Structs should be encoded as JSON objects, but found {}",
                    node.node_type()
                )))
            }
            _ => return Err(mismatch()),
        })
    }

    fn map_to_connect(&self, schema: &SchemaRef, node: &JNode) -> Result<Value, ConverterError> {
        let key_schema = schema.key_schema.as_ref();
        let value_schema = schema.value_schema.as_ref();
        let string_keys = key_schema.is_none_or(|k| k.schema_type == SchemaType::String);
        let mut entries: Vec<(Value, Value)> = Vec::new();
        if string_keys {
            let JNode::Obj(fields) = node else {
                return Err(ConverterError::data(format!(
                    "Maps with string fields should be encoded as JSON objects, but found {}",
                    node.node_type()
                )));
            };
            for (k, v) in fields {
                entries.push((
                    Value::String(k.clone()),
                    self.convert_to_connect(value_schema, Some(v))?,
                ));
            }
        } else {
            let JNode::Arr(pairs) = node else {
                return Err(ConverterError::data(format!(
                    "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
                    node.node_type()
                )));
            };
            for pair in pairs {
                let JNode::Arr(kv) = pair else {
                    return Err(ConverterError::data(format!(
                        "Found invalid map entry instead of array tuple: {}",
                        pair.node_type()
                    )));
                };
                if kv.len() != 2 {
                    return Err(ConverterError::data(format!(
                        "Found invalid map entry, expected length 2 but found :{}",
                        kv.len()
                    )));
                }
                let k = self.convert_to_connect(key_schema, Some(&kv[0]))?;
                let v = self.convert_to_connect(value_schema, Some(&kv[1]))?;
                match entries.iter_mut().find(|(ek, _)| *ek == k) {
                    Some(slot) => slot.1 = v,
                    None => entries.push((k, v)),
                }
            }
        }
        Ok(Value::Map(entries))
    }
}

/// Jackson writes non-finite floats as these strings; read them back as the numbers.
fn non_finite(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// `Decimal.fromLogical`: the unscaled bytes, checking the schema's scale.
fn decimal_bytes(schema: &Schema, d: &BigDecimal) -> Result<Vec<u8>, ConverterError> {
    let scale = logical::decimal_scale(schema)?;
    let (unscaled, value_scale) = d.as_bigint_and_exponent();
    if value_scale != scale {
        return Err(ConverterError::data(format!(
            "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, value has scale {value_scale}."
        )));
    }
    Ok(unscaled.to_signed_bytes_be())
}

/// The logical value of a JSON node under a logical schema; `None` if the schema is not a
/// logical one.
fn logical_to_connect(schema: &Schema, node: &JNode) -> Result<Option<Value>, ConverterError> {
    let Some(name) = schema.name.as_deref() else {
        return Ok(None);
    };
    let value = match name {
        DECIMAL_NAME => match node {
            JNode::Num(n) => Value::Decimal(n.to_decimal()),
            JNode::Str(s) => {
                let bytes = tree::decode_base64(s)
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| ConverterError::data("Invalid bytes for Decimal field"))?;
                Value::Decimal(
                    logical::decimal_from_bytes(schema, &bytes)
                        .map_err(|e| ConverterError::data(format!("Invalid bytes for Decimal field: {e}")))?,
                )
            }
            other => {
                return Err(ConverterError::data(format!(
                    "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
                    other.node_type()
                )))
            }
        },
        DATE_NAME => match node {
            JNode::Num(n) if n.is_int() => Value::Date(logical::date_from_days(n.low64() as i32)?),
            other => {
                return Err(ConverterError::data(format!(
                    "Invalid type for Date, underlying representation should be integer but was {}",
                    other.node_type()
                )))
            }
        },
        TIME_NAME => match node {
            JNode::Num(n) if n.is_int() => {
                Value::Time(java::time_of_millis(n.low64()).ok_or_else(|| {
                    ConverterError::data(
                        "Time values must use number of milliseconds greater than 0 and less than 86400000",
                    )
                })?)
            }
            other => {
                return Err(ConverterError::data(format!(
                    "Invalid type for Time, underlying representation should be integer but was {}",
                    other.node_type()
                )))
            }
        },
        TIMESTAMP_NAME => match node {
            JNode::Num(n) if n.is_integral() => {
                Value::Timestamp(logical::timestamp_from_millis(n.low64())?)
            }
            other => {
                return Err(ConverterError::data(format!(
                    "Invalid type for Timestamp, underlying representation should be integral but was {}",
                    other.node_type()
                )))
            }
        },
        _ => return Ok(None),
    };
    Ok(Some(value))
}

/// Schemaless JSON to Connect: objects are maps with string keys, integers are `Int64`,
/// other numbers `Float64`.
fn schemaless_to_connect(node: &JNode) -> Value {
    match node {
        JNode::Null => Value::Null,
        JNode::Bool(b) => Value::Boolean(*b),
        JNode::Num(n) if n.is_integral() => Value::Int64(n.low64()),
        JNode::Num(n) => Value::Float64(n.to_f64()),
        JNode::Str(s) => Value::String(s.clone()),
        JNode::Arr(items) => Value::Array(items.iter().map(schemaless_to_connect).collect()),
        JNode::Obj(fields) => Value::Map(
            fields
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), schemaless_to_connect(v)))
                .collect(),
        ),
    }
}

impl Converter for JsonConverter {
    fn configure(&mut self, props: &Props, _is_key: bool) -> Result<(), ConverterError> {
        self.apply(props)
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        if schema.is_none() && value.is_null() {
            return Ok(None);
        }
        let schema = schema.map(|s| s.as_ref());
        let json = if self.schemas_enable {
            let json_schema = self.as_json_schema(schema)?;
            Out::Obj(vec![
                ("schema".into(), json_schema),
                ("payload".into(), self.convert_to_json(schema, value)?),
            ])
        } else {
            self.convert_to_json(schema, value)?
        };
        Ok(Some(json.to_bytes()))
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::NULL);
        };
        let root = tree::parse(bytes).map_err(|e| {
            ConverterError::data(format!(
                "Converting byte[] to Kafka Connect data failed due to serialization error: {e}"
            ))
        })?;
        if !self.schemas_enable {
            return Ok(SchemaAndValue::new(
                None,
                self.convert_to_connect(None, root.as_ref())?,
            ));
        }
        let envelope = match &root {
            Some(JNode::Obj(fields)) if fields.len() == 2 => {
                match (
                    root.as_ref().and_then(|r| r.get("schema")),
                    root.as_ref().and_then(|r| r.get("payload")),
                ) {
                    (Some(schema), Some(payload)) => Some((schema, payload)),
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((schema_node, payload)) = envelope else {
            return Err(ConverterError::data(ENVELOPE_MESSAGE));
        };
        let schema = self.as_connect_schema(schema_node)?;
        let value = self.convert_to_connect(schema.as_ref(), Some(payload))?;
        Ok(SchemaAndValue::new(schema, value))
    }
}

impl HeaderConverter for JsonConverter {
    fn configure(&mut self, props: &Props) -> Result<(), ConverterError> {
        self.apply(props)
    }

    fn from_connect_header(
        &self,
        topic: &str,
        _header_key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        self.from_connect_data(topic, schema, value)
    }

    fn to_connect_header(
        &self,
        topic: &str,
        _header_key: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        self.to_connect_data(topic, bytes)
    }
}

#[cfg(test)]
mod tests;
