use std::fmt;
use std::sync::Arc;

use super::logical;
use super::Value;
use crate::error::DataError;

/// The twelve Connect schema types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaType {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    Array,
    Map,
    Struct,
}

impl SchemaType {
    pub const ALL: [SchemaType; 12] = [
        SchemaType::Int8,
        SchemaType::Int16,
        SchemaType::Int32,
        SchemaType::Int64,
        SchemaType::Float32,
        SchemaType::Float64,
        SchemaType::Boolean,
        SchemaType::String,
        SchemaType::Bytes,
        SchemaType::Array,
        SchemaType::Map,
        SchemaType::Struct,
    ];

    /// The lower-case name Kafka uses on the wire (JsonConverter's `"type"`).
    pub fn name(self) -> &'static str {
        match self {
            SchemaType::Int8 => "int8",
            SchemaType::Int16 => "int16",
            SchemaType::Int32 => "int32",
            SchemaType::Int64 => "int64",
            SchemaType::Float32 => "float",
            SchemaType::Float64 => "double",
            SchemaType::Boolean => "boolean",
            SchemaType::String => "string",
            SchemaType::Bytes => "bytes",
            SchemaType::Array => "array",
            SchemaType::Map => "map",
            SchemaType::Struct => "struct",
        }
    }

    pub fn from_name(name: &str) -> Option<SchemaType> {
        SchemaType::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn is_primitive(self) -> bool {
        !matches!(
            self,
            SchemaType::Array | SchemaType::Map | SchemaType::Struct
        )
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Kafka's Schema.Type enum names (FLOAT32, not the wire name "float").
        let name = match self {
            SchemaType::Float32 => "FLOAT32",
            SchemaType::Float64 => "FLOAT64",
            other => return f.write_str(&other.name().to_ascii_uppercase()),
        };
        f.write_str(name)
    }
}

pub type SchemaRef = Arc<Schema>;

/// A field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub index: usize,
    pub schema: SchemaRef,
}

/// A Connect schema (Kafka's `ConnectSchema`). Build one with [`Schema::builder`] or the
/// shorthand constructors; schemas are shared as [`SchemaRef`].
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub schema_type: SchemaType,
    pub optional: bool,
    pub default: Option<Value>,
    pub name: Option<String>,
    pub version: Option<i32>,
    pub doc: Option<String>,
    /// Kept in insertion order (Kafka uses a LinkedHashMap), which JSON output preserves.
    pub parameters: Option<Vec<(String, String)>>,
    pub fields: Vec<Field>,
    pub key_schema: Option<SchemaRef>,
    pub value_schema: Option<SchemaRef>,
}

macro_rules! primitive_ctors {
    ($($req:ident, $opt:ident => $ty:ident;)*) => {
        $(
            pub fn $req() -> SchemaRef { SchemaBuilder::new(SchemaType::$ty).build() }
            pub fn $opt() -> SchemaRef { SchemaBuilder::new(SchemaType::$ty).optional().build() }
        )*
    };
}

impl Schema {
    pub fn builder(schema_type: SchemaType) -> SchemaBuilder {
        SchemaBuilder::new(schema_type)
    }

    primitive_ctors! {
        int8, optional_int8 => Int8;
        int16, optional_int16 => Int16;
        int32, optional_int32 => Int32;
        int64, optional_int64 => Int64;
        float32, optional_float32 => Float32;
        float64, optional_float64 => Float64;
        boolean, optional_boolean => Boolean;
        string, optional_string => String;
        bytes, optional_bytes => Bytes;
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters
            .as_ref()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Checks that `value` conforms to this schema, as `ConnectSchema.validateValue`.
    pub fn validate_value(&self, value: &Value) -> Result<(), DataError> {
        self.validate_at(None, value)
    }

    fn validate_at(&self, field: Option<&str>, value: &Value) -> Result<(), DataError> {
        let place = || match field {
            Some(f) => format!("field: \"{f}\""),
            None => "value".to_string(),
        };
        if value.is_null() {
            if self.optional || self.default.is_some() {
                return Ok(());
            }
            return Err(DataError::new(format!(
                "Invalid value: null used for required {}, schema type: {}",
                place(),
                self.schema_type
            )));
        }
        let logical_ok = match (self.name.as_deref(), value) {
            (Some(logical::DECIMAL_NAME), Value::Decimal(_)) => Some(true),
            (Some(logical::DATE_NAME), Value::Date(_)) => Some(true),
            (Some(logical::TIME_NAME), Value::Time(_)) => Some(true),
            (Some(logical::TIMESTAMP_NAME), Value::Timestamp(_)) => Some(true),
            (_, Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::Timestamp(_)) => {
                Some(false)
            }
            _ => None,
        };
        let ok = match logical_ok {
            Some(ok) => ok,
            None => value.schema_type() == Some(self.schema_type),
        };
        if !ok {
            return Err(DataError::new(format!(
                "Invalid Java object for schema with type {}: {} for {}",
                self.schema_type,
                value.kind_name(),
                place()
            )));
        }
        match value {
            Value::Struct(s) => {
                if s.schema().as_ref() != self {
                    return Err(DataError::new(format!(
                        "Struct schemas do not match for {}",
                        place()
                    )));
                }
                s.validate()
            }
            Value::Array(items) => {
                let element = self.value_schema.as_ref().ok_or_else(|| {
                    DataError::new("array schema without a value schema".to_string())
                })?;
                items
                    .iter()
                    .try_for_each(|v| element.validate_at(Some("element"), v))
            }
            Value::Map(entries) => {
                let (ks, vs) = match (&self.key_schema, &self.value_schema) {
                    (Some(k), Some(v)) => (k, v),
                    _ => {
                        return Err(DataError::new(
                            "map schema without key and value schemas".to_string(),
                        ))
                    }
                };
                entries.iter().try_for_each(|(k, v)| {
                    ks.validate_at(Some("key"), k)?;
                    vs.validate_at(Some("value"), v)
                })
            }
            _ => Ok(()),
        }
    }
}

/// Builds a [`Schema`] the way Kafka's `SchemaBuilder` does.
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    schema: Schema,
}

impl SchemaBuilder {
    pub fn new(schema_type: SchemaType) -> Self {
        SchemaBuilder {
            schema: Schema {
                schema_type,
                optional: false,
                default: None,
                name: None,
                version: None,
                doc: None,
                parameters: None,
                fields: Vec::new(),
                key_schema: None,
                value_schema: None,
            },
        }
    }

    pub fn struct_() -> Self {
        Self::new(SchemaType::Struct)
    }

    pub fn array(value_schema: SchemaRef) -> Self {
        let mut b = Self::new(SchemaType::Array);
        b.schema.value_schema = Some(value_schema);
        b
    }

    pub fn map(key_schema: SchemaRef, value_schema: SchemaRef) -> Self {
        let mut b = Self::new(SchemaType::Map);
        b.schema.key_schema = Some(key_schema);
        b.schema.value_schema = Some(value_schema);
        b
    }

    pub fn optional(mut self) -> Self {
        self.schema.optional = true;
        self
    }

    pub fn required(mut self) -> Self {
        self.schema.optional = false;
        self
    }

    pub fn set_optional(mut self, optional: bool) -> Self {
        self.schema.optional = optional;
        self
    }

    pub fn default_value(mut self, value: Value) -> Self {
        self.schema.default = Some(value);
        self
    }

    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.schema.name = Some(name.into());
        self
    }

    pub fn version(mut self, version: i32) -> Self {
        self.schema.version = Some(version);
        self
    }

    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        self.schema.doc = Some(doc.into());
        self
    }

    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        let value = value.into();
        let params = self.schema.parameters.get_or_insert_with(Vec::new);
        match params.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => params.push((key, value)),
        }
        self
    }

    pub fn parameters(mut self, params: impl IntoIterator<Item = (String, String)>) -> Self {
        for (k, v) in params {
            self = self.parameter(k, v);
        }
        self
    }

    /// Adds a struct field; a later field with the same name replaces nothing and is an
    /// error in Kafka, so we keep the first (callers build fields from unique names).
    pub fn field(mut self, name: impl Into<String>, schema: SchemaRef) -> Self {
        let name = name.into();
        if self.schema.fields.iter().all(|f| f.name != name) {
            let index = self.schema.fields.len();
            self.schema.fields.push(Field {
                name,
                index,
                schema,
            });
        }
        self
    }

    pub fn build(self) -> SchemaRef {
        Arc::new(self.schema)
    }

    /// Schema fields as they stand, for builders that copy and edit a schema.
    pub fn fields(&self) -> &[Field] {
        &self.schema.fields
    }
}

impl From<&Schema> for SchemaBuilder {
    /// A builder that starts as a copy of `schema` (SMTs edit schemas this way).
    fn from(schema: &Schema) -> Self {
        SchemaBuilder {
            schema: schema.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in SchemaType::ALL {
            assert_eq!(SchemaType::from_name(t.name()), Some(t));
        }
        assert_eq!(SchemaType::from_name("float32"), None);
    }

    #[test]
    fn validate_rejects_wrong_types_and_nulls() {
        let s = Schema::int32();
        assert!(s.validate_value(&Value::Int32(1)).is_ok());
        assert!(s.validate_value(&Value::Int64(1)).is_err());
        let err = s.validate_value(&Value::Null).unwrap_err();
        assert!(err.to_string().contains("null used for required"), "{err}");
        assert!(Schema::optional_int32()
            .validate_value(&Value::Null)
            .is_ok());
    }

    #[test]
    fn validate_nested_containers() {
        let arr = SchemaBuilder::array(Schema::string()).build();
        assert!(arr
            .validate_value(&Value::Array(vec![Value::String("a".into())]))
            .is_ok());
        assert!(arr
            .validate_value(&Value::Array(vec![Value::Null]))
            .is_err());
        let map = SchemaBuilder::map(Schema::string(), Schema::int64()).build();
        assert!(map
            .validate_value(&Value::Map(vec![(
                Value::String("k".into()),
                Value::Int64(1)
            )]))
            .is_ok());
        assert!(map
            .validate_value(&Value::Map(vec![(Value::Int64(1), Value::Int64(1))]))
            .is_err());
    }

    #[test]
    fn logical_values_need_their_schema() {
        let date = logical::date_schema().build();
        let d = Value::Date(chrono::NaiveDate::from_ymd_opt(2020, 1, 2).unwrap());
        assert!(date.validate_value(&d).is_ok());
        assert!(Schema::int32().validate_value(&d).is_err());
    }
}
