use super::{SchemaRef, SchemaType, Value};
use crate::error::DataError;

/// A structured value with a struct schema: one value slot per field, in field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    schema: SchemaRef,
    values: Vec<Value>,
}

impl Struct {
    /// A struct with every field unset (null). Fails if the schema is not a struct schema.
    pub fn new(schema: SchemaRef) -> Result<Self, DataError> {
        if schema.schema_type != SchemaType::Struct {
            return Err(DataError::new(format!(
                "Not a struct schema: {}",
                schema.schema_type
            )));
        }
        let values = vec![Value::Null; schema.fields.len()];
        Ok(Struct { schema, values })
    }

    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Sets a field by name, checking the value against the field's schema.
    pub fn put(&mut self, field: &str, value: impl Into<Value>) -> Result<&mut Self, DataError> {
        let f = self
            .schema
            .field(field)
            .ok_or_else(|| DataError::new(format!("{field} is not a valid field name")))?;
        let value = value.into();
        f.schema
            .validate_value(&value)
            .map_err(|e| DataError::new(format!("Invalid value for field \"{field}\": {e}")))?;
        let index = f.index;
        self.values[index] = value;
        Ok(self)
    }

    /// Builder-style put, for tests and connectors building whole rows.
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Result<Self, DataError> {
        self.put(field, value)?;
        Ok(self)
    }

    /// The field's value; a null field with a default yields the default (Kafka's `get`).
    pub fn get(&self, field: &str) -> Option<&Value> {
        let f = self.schema.field(field)?;
        let v = &self.values[f.index];
        match (v, &f.schema.default) {
            (Value::Null, Some(d)) => Some(d),
            _ => Some(v),
        }
    }

    /// The field's value without substituting defaults (Kafka's `getWithoutDefault`).
    pub fn get_without_default(&self, field: &str) -> Option<&Value> {
        let f = self.schema.field(field)?;
        Some(&self.values[f.index])
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Checks every field against its schema (required fields must be set).
    pub fn validate(&self) -> Result<(), DataError> {
        for f in &self.schema.fields {
            f.schema.validate_at_field(&f.name, &self.values[f.index])?;
        }
        Ok(())
    }
}

impl super::Schema {
    pub(crate) fn validate_at_field(&self, name: &str, value: &Value) -> Result<(), DataError> {
        self.validate_value(value)
            .map_err(|e| DataError::new(format!("Invalid value for field \"{name}\": {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, SchemaBuilder};

    fn person() -> SchemaRef {
        SchemaBuilder::struct_()
            .name("person")
            .field("name", Schema::string())
            .field(
                "age",
                SchemaBuilder::new(SchemaType::Int32)
                    .optional()
                    .default_value(Value::Int32(7))
                    .build(),
            )
            .build()
    }

    #[test]
    fn put_get_and_defaults() {
        let s = Struct::new(person()).unwrap().with("name", "ann").unwrap();
        assert_eq!(s.get("name"), Some(&Value::from("ann")));
        assert_eq!(s.get("age"), Some(&Value::Int32(7)));
        assert_eq!(s.get_without_default("age"), Some(&Value::Null));
        assert!(s.get("nope").is_none());
        s.validate().unwrap();
    }

    #[test]
    fn put_rejects_bad_values_and_missing_required_fields_fail_validation() {
        let mut s = Struct::new(person()).unwrap();
        assert!(s.put("name", 5).is_err());
        assert!(s.put("missing", "x").is_err());
        assert!(s.validate().is_err());
    }
}
