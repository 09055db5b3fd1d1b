//! `HeaderFrom$Key` / `HeaderFrom$Value`: copies (`operation=copy`) or moves
//! (`operation=move`) the fields `fields` of the key or value into the headers `headers`
//! (the n-th field to the n-th header), after any headers the record already has. Works
//! on Structs (the header gets the field's schema) and on schemaless maps (no schema).
//!
//! As in Kafka, the struct schema left after a move keeps the name, version, doc and
//! parameters of the original but not its optionality or default, and a field missing
//! from a map gives a null header.

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{ConnectRecord, Props, Schema, SchemaBuilder, SchemaRef, Struct, Value};

use super::drop_headers::non_empty_list;
use crate::{Side, TransformError, TransformPlugin, Transformation};

pub const KEY_CLASS: &str = "org.apache.kafka.connect.transforms.HeaderFrom$Key";
pub const VALUE_CLASS: &str = "org.apache.kafka.connect.transforms.HeaderFrom$Value";

pub const FIELDS_FIELD: &str = "fields";
pub const HEADERS_FIELD: &str = "headers";
pub const OPERATION_FIELD: &str = "operation";
pub const REPLACE_NULL_WITH_DEFAULT_FIELD: &str = "replace.null.with.default";

const MOVE_OPERATION: &str = "move";
const COPY_OPERATION: &str = "copy";

pub const OVERVIEW_DOC: &str = "Moves or copies fields in the key/value of a record into that record's headers. Corresponding elements of <code>fields</code> and <code>headers</code> together identify a field and the header it should be moved or copied to. Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.HeaderFrom$Key</code>) or value (<code>org.apache.kafka.connect.transforms.HeaderFrom$Value</code>).";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: KEY_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(HeaderFrom::configure(Side::Key, p)?)),
            create_sink: |p| Ok(Box::new(HeaderFrom::configure(Side::Key, p)?)),
        },
        TransformPlugin {
            class: VALUE_CLASS,
            config_def,
            create_source: |p| Ok(Box::new(HeaderFrom::configure(Side::Value, p)?)),
            create_sink: |p| Ok(Box::new(HeaderFrom::configure(Side::Value, p)?)),
        },
    ]
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FIELDS_FIELD, ConfigType::List)
                .validator(non_empty_list())
                .importance(Importance::High)
                .doc("Field names in the record whose values are to be copied or moved to headers."),
        )
        .define(
            ConfigKey::new(HEADERS_FIELD, ConfigType::List)
                .validator(non_empty_list())
                .importance(Importance::High)
                .doc("Header names, in the same order as the field names listed in the fields configuration property."),
        )
        .define(
            ConfigKey::new(OPERATION_FIELD, ConfigType::String)
                .validator(Validator::valid_string(&[MOVE_OPERATION, COPY_OPERATION]))
                .importance(Importance::High)
                .doc("Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value)."),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT_FIELD, ConfigType::Boolean)
                .default_value(true)
                .importance(Importance::Medium)
                .doc("Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."),
        )
}

#[derive(Debug, Clone)]
pub struct HeaderFrom {
    side: Side,
    fields: Vec<String>,
    headers: Vec<String>,
    is_move: bool,
    replace_null_with_default: bool,
}

impl HeaderFrom {
    pub fn configure(side: Side, props: &Props) -> Result<Self, TransformError> {
        let class = class(side);
        let config = config_def()
            .parse(props)
            .map_err(|e| TransformError::new(class, e.to_string()))?;
        let fields = config.get_list(FIELDS_FIELD).to_vec();
        let headers = config.get_list(HEADERS_FIELD).to_vec();
        if headers.len() != fields.len() {
            return Err(TransformError::new(
                class,
                format!("'{FIELDS_FIELD}' config must have the same number of elements as '{HEADERS_FIELD}' config."),
            ));
        }
        Ok(HeaderFrom {
            side,
            fields,
            headers,
            is_move: config.get_string(OPERATION_FIELD) == Some(MOVE_OPERATION),
            replace_null_with_default: config.get_bool(REPLACE_NULL_WITH_DEFAULT_FIELD),
        })
    }

    fn purpose(&self) -> String {
        format!(
            "header {}",
            if self.is_move {
                MOVE_OPERATION
            } else {
                COPY_OPERATION
            }
        )
    }

    fn field_value(&self, s: &Struct, name: &str) -> Value {
        let v = if self.replace_null_with_default {
            s.get(name)
        } else {
            s.get_without_default(name)
        };
        v.cloned().unwrap_or(Value::Null)
    }

    /// The struct schema after a move (Kafka's `moveSchema`).
    fn move_schema(&self, schema: &Schema) -> SchemaRef {
        let mut b = SchemaBuilder::struct_();
        if let Some(name) = &schema.name {
            b = b.name(name.clone());
        }
        if let Some(version) = schema.version {
            b = b.version(version);
        }
        if let Some(doc) = &schema.doc {
            b = b.doc(doc.clone());
        }
        if let Some(params) = &schema.parameters {
            b = b.parameters(params.iter().cloned());
        }
        for f in &schema.fields {
            if !self.fields.contains(&f.name) {
                b = b.field(f.name.clone(), f.schema.clone());
            }
        }
        b.build()
    }
}

fn class(side: Side) -> &'static str {
    match side {
        Side::Key => KEY_CLASS,
        Side::Value => VALUE_CLASS,
    }
}

impl<R: ConnectRecord> Transformation<R> for HeaderFrom {
    fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        let class = class(self.side);
        let err = |m: String| TransformError::new(class, m);
        let r = record.record_mut();
        let (schema, value) = match self.side {
            Side::Key => (r.key_schema.clone(), std::mem::take(&mut r.key)),
            Side::Value => (r.value_schema.clone(), std::mem::take(&mut r.value)),
        };
        let mut headers = r.headers.clone();
        let (new_schema, new_value) = match &schema {
            None => {
                let Value::Map(entries) = &value else {
                    return Err(err(format!(
                        "Only Map objects supported in absence of schema for [{}], found: {}",
                        self.purpose(),
                        value.kind_name()
                    )));
                };
                let mut updated = entries.clone();
                for (field, header) in self.fields.iter().zip(&self.headers) {
                    let field_value = value.map_get(field).cloned().unwrap_or(Value::Null);
                    if self.is_move {
                        updated.retain(|(k, _)| k.as_str() != Some(field.as_str()));
                    }
                    headers.add(header.clone(), None, field_value);
                }
                (None, Value::Map(updated))
            }
            Some(schema) => {
                let Value::Struct(s) = &value else {
                    return Err(err(format!(
                        "Only Struct objects supported for [{}], found: {}",
                        self.purpose(),
                        value.kind_name()
                    )));
                };
                let (new_schema, new_value) = if self.is_move {
                    let moved = self.move_schema(schema);
                    let mut updated = Struct::new(moved.clone()).map_err(|e| err(e.message))?;
                    for f in &moved.fields {
                        updated
                            .put(&f.name, self.field_value(s, &f.name))
                            .map_err(|e| err(e.message))?;
                    }
                    (moved, Value::Struct(updated))
                } else {
                    (schema.clone(), value.clone())
                };
                for (field, header) in self.fields.iter().zip(&self.headers) {
                    let field_schema = schema
                        .field(field)
                        .map(|f| f.schema.clone())
                        .ok_or_else(|| err(format!("{field} is not a valid field name")))?;
                    let field_value = self.field_value(s, field);
                    if field_value.is_null() && !field_schema.optional {
                        return Err(err(format!(
                            "A null value requires an optional schema but was {}",
                            java_schema(&field_schema)
                        )));
                    }
                    headers.add(header.clone(), Some(field_schema), field_value);
                }
                (Some(new_schema), new_value)
            }
        };
        r.headers = headers;
        match self.side {
            Side::Key => {
                r.key_schema = new_schema;
                r.key = new_value;
            }
            Side::Value => {
                r.value_schema = new_schema;
                r.value = new_value;
            }
        }
        Ok(Some(record))
    }
}

/// `ConnectSchema.toString()`.
fn java_schema(s: &Schema) -> String {
    match &s.name {
        Some(name) => format!("Schema{{{name}:{}}}", s.schema_type),
        None => format!("Schema{{{}}}", s.schema_type),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{Headers, Record, SchemaType, SourceRecord};

    /// Kafka's HeaderFromTest.RecordBuilder.
    #[derive(Clone, Default)]
    struct Builder {
        fields: Vec<(String, SchemaRef, Value)>,
        headers: Vec<(String, SchemaRef, Value)>,
    }

    impl Builder {
        fn field(mut self, name: &str, schema: SchemaRef, value: impl Into<Value>) -> Self {
            self.fields.push((name.into(), schema, value.into()));
            self
        }

        fn header(mut self, name: &str, schema: SchemaRef, value: impl Into<Value>) -> Self {
            self.headers.push((name.into(), schema, value.into()));
            self
        }

        fn record(
            &self,
            key: bool,
            schema: Option<SchemaRef>,
            value: Value,
            headers: Headers,
        ) -> SourceRecord {
            let mut r = Record {
                topic: "topic".into(),
                kafka_partition: Some(0),
                key: Value::from("key"),
                value: Value::from("value"),
                timestamp: Some(0),
                headers,
                ..Record::default()
            };
            if key {
                r.key_schema = schema;
                r.key = value;
            } else {
                r.value_schema = schema;
                r.value = value;
            }
            SourceRecord {
                source_partition: [("foo".to_string(), "bar".into())].into_iter().collect(),
                source_offset: [("baz".to_string(), "quxx".into())].into_iter().collect(),
                record: r,
            }
        }

        fn schemaless(&self, key: bool) -> SourceRecord {
            let map = self
                .fields
                .iter()
                .map(|(n, _, v)| (Value::from(n.as_str()), v.clone()))
                .collect();
            // Schemaless: headers carry no schema.
            let mut headers = Headers::new();
            for (n, _, v) in &self.headers {
                headers.add(n.clone(), None, v.clone());
            }
            self.record(key, None, Value::Map(map), headers)
        }

        fn with_schema(&self, key: bool) -> SourceRecord {
            let mut b = SchemaBuilder::struct_();
            for (n, s, _) in &self.fields {
                b = b.field(n.clone(), s.clone());
            }
            let schema = b.build();
            let mut s = Struct::new(schema.clone()).unwrap();
            for (n, _, v) in &self.fields {
                s.put(n, v.clone()).unwrap();
            }
            let mut headers = Headers::new();
            for (n, sc, v) in &self.headers {
                headers.add(n.clone(), Some(sc.clone()), v.clone());
            }
            self.record(key, Some(schema), Value::Struct(s), headers)
        }
    }

    fn string() -> SchemaRef {
        Schema::string()
    }

    fn optional_with_default() -> SchemaRef {
        SchemaBuilder::new(SchemaType::String)
            .default_value(Value::from("default"))
            .optional()
            .build()
    }

    /// Kafka's HeaderFromTest.data(): (description, original, fields, headers, move?,
    /// replace.null.with.default, expected).
    type Case = (
        &'static str,
        Builder,
        Vec<&'static str>,
        Vec<&'static str>,
        bool,
        bool,
        Builder,
    );

    fn cases() -> Vec<Case> {
        let base = Builder::default()
            .field("field1", string(), "field1-value")
            .field("field2", string(), "field2-value");
        let inner_schema = SchemaBuilder::struct_().field("foo", string()).build();
        let inner = Struct::new(inner_schema.clone())
            .unwrap()
            .with("foo", "foo-value")
            .unwrap();
        let with_struct = Builder::default()
            .field("field1", inner_schema.clone(), inner.clone())
            .field("field2", string(), "field2-value")
            .header("header1", string(), "existing-value");
        let nullable = Builder::default()
            .field("field1", optional_with_default(), "field1-value")
            .field("field2", optional_with_default(), Value::Null)
            .header("header1", string(), "existing-value");
        vec![
            (
                "basic copy",
                base.clone().header("header1", string(), "existing-value"),
                vec!["field1"],
                vec!["inserted1"],
                false,
                true,
                base.clone()
                    .header("header1", string(), "existing-value")
                    .header("inserted1", string(), "field1-value"),
            ),
            (
                "basic move",
                base.clone().header("header1", string(), "existing-value"),
                vec!["field1"],
                vec!["inserted1"],
                true,
                true,
                Builder::default()
                    .field("field2", string(), "field2-value")
                    .header("header1", string(), "existing-value")
                    .header("inserted1", string(), "field1-value"),
            ),
            (
                "copy with preexisting header",
                base.clone().header("inserted1", string(), "existing-value"),
                vec!["field1"],
                vec!["inserted1"],
                false,
                true,
                base.clone()
                    .header("inserted1", string(), "existing-value")
                    .header("inserted1", string(), "field1-value"),
            ),
            (
                "move with preexisting header",
                base.clone().header("inserted1", string(), "existing-value"),
                vec!["field1"],
                vec!["inserted1"],
                true,
                true,
                Builder::default()
                    .field("field2", string(), "field2-value")
                    .header("inserted1", string(), "existing-value")
                    .header("inserted1", string(), "field1-value"),
            ),
            (
                "copy with struct value",
                with_struct.clone(),
                vec!["field1"],
                vec!["inserted1"],
                false,
                true,
                with_struct
                    .clone()
                    .header("inserted1", inner_schema.clone(), inner.clone()),
            ),
            (
                "move with struct value",
                with_struct,
                vec!["field1"],
                vec!["inserted1"],
                true,
                true,
                Builder::default()
                    .field("field2", string(), "field2-value")
                    .header("header1", string(), "existing-value")
                    .header("inserted1", inner_schema, inner),
            ),
            (
                "two headers from same field",
                base.clone().header("header1", string(), "existing-value"),
                vec!["field1", "field1"],
                vec!["inserted1", "inserted2"],
                true,
                true,
                Builder::default()
                    .field("field2", string(), "field2-value")
                    .header("header1", string(), "existing-value")
                    .header("inserted1", string(), "field1-value")
                    .header("inserted2", string(), "field1-value"),
            ),
            (
                "two fields to same header",
                base.clone().header("header1", string(), "existing-value"),
                vec!["field1", "field2"],
                vec!["inserted1", "inserted1"],
                true,
                true,
                Builder::default()
                    .header("header1", string(), "existing-value")
                    .header("inserted1", string(), "field1-value")
                    .header("inserted1", string(), "field2-value"),
            ),
            (
                "Copy null field without default",
                nullable.clone(),
                vec!["field1", "field2"],
                vec!["inserted1", "inserted2"],
                false,
                false,
                nullable
                    .clone()
                    .header("inserted1", optional_with_default(), "field1-value")
                    .header("inserted2", optional_with_default(), Value::Null),
            ),
            (
                "Move null field without default",
                nullable,
                vec!["field1", "field2"],
                vec!["inserted1", "inserted2"],
                true,
                false,
                Builder::default()
                    .header("header1", string(), "existing-value")
                    .header("inserted1", optional_with_default(), "field1-value")
                    .header("inserted2", optional_with_default(), Value::Null),
            ),
        ]
    }

    fn props(fields: &[&str], headers: &[&str], is_move: bool, replace: bool) -> Props {
        [
            (FIELDS_FIELD, fields.join(",")),
            (HEADERS_FIELD, headers.join(",")),
            (
                OPERATION_FIELD,
                if is_move { "move" } else { "copy" }.to_string(),
            ),
            (REPLACE_NULL_WITH_DEFAULT_FIELD, replace.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn apply(x: &HeaderFrom, r: SourceRecord) -> Result<SourceRecord, TransformError> {
        Transformation::<SourceRecord>::apply(x, r).map(Option::unwrap)
    }

    #[test]
    fn schemaless() {
        for key in [true, false] {
            for (name, original, fields, headers, is_move, replace, expected) in cases() {
                let side = if key { Side::Key } else { Side::Value };
                let x = HeaderFrom::configure(side, &props(&fields, &headers, is_move, replace))
                    .unwrap();
                let out = apply(&x, original.schemaless(key)).unwrap();
                assert_eq!(out, expected.schemaless(key), "{name} (key: {key})");
            }
        }
    }

    #[test]
    fn with_schema() {
        for key in [true, false] {
            for (name, original, fields, headers, is_move, replace, expected) in cases() {
                let side = if key { Side::Key } else { Side::Value };
                let x = HeaderFrom::configure(side, &props(&fields, &headers, is_move, replace))
                    .unwrap();
                let out = apply(&x, original.with_schema(key)).unwrap();
                assert_eq!(out, expected.with_schema(key), "{name} (key: {key})");
            }
        }
    }

    #[test]
    fn replace_null_with_default_copies_the_default() {
        let original = Builder::default().field("field1", optional_with_default(), Value::Null);
        let x =
            HeaderFrom::configure(Side::Value, &props(&["field1"], &["h"], true, true)).unwrap();
        let out = apply(&x, original.with_schema(false)).unwrap();
        let h = out.record.headers.last_with_name("h").unwrap();
        assert_eq!(h.value, Value::from("default"));
        // Schemaless: a missing field gives a null header.
        let out = apply(&x, Builder::default().schemaless(false)).unwrap();
        assert_eq!(
            out.record.headers.last_with_name("h").unwrap().value,
            Value::Null
        );
    }

    #[test]
    fn move_schema_keeps_basics_but_not_optionality() {
        let schema = SchemaBuilder::struct_()
            .name("n")
            .version(3)
            .doc("d")
            .optional()
            .field("a", string())
            .field("b", string())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .with("a", "x")
            .unwrap()
            .with("b", "y")
            .unwrap();
        let mut record = SourceRecord::default();
        record.record.value_schema = Some(schema);
        record.record.value = Value::Struct(value);
        let x = HeaderFrom::configure(Side::Value, &props(&["a"], &["h"], true, true)).unwrap();
        let out = apply(&x, record).unwrap();
        let expected = SchemaBuilder::struct_()
            .name("n")
            .version(3)
            .doc("d")
            .field("b", string())
            .build();
        assert_eq!(out.record.value_schema, Some(expected));
    }

    #[test]
    fn errors() {
        for side in [Side::Key, Side::Value] {
            for (fields, headers) in [
                (&["foo", "bar"][..], &["foo"][..]),
                (&["foo"][..], &["foo", "bar"][..]),
            ] {
                assert_eq!(
                    HeaderFrom::configure(side, &props(fields, headers, false, true))
                        .unwrap_err()
                        .message,
                    "'fields' config must have the same number of elements as 'headers' config."
                );
            }
            assert_eq!(
                HeaderFrom::configure(side, &props(&[], &[], false, true))
                    .unwrap_err()
                    .message,
                "Invalid value [] for configuration fields: Empty list"
            );
        }
        let mut p = props(&["a"], &["b"], false, true);
        p.insert(OPERATION_FIELD.into(), "swap".into());
        assert_eq!(
            HeaderFrom::configure(Side::Value, &p).unwrap_err().message,
            "Invalid value swap for configuration operation: String must be one of: move, copy"
        );

        let x = HeaderFrom::configure(Side::Value, &props(&["a"], &["b"], true, true)).unwrap();
        let mut r = SourceRecord::default();
        r.record.value = Value::from("text");
        assert_eq!(
            apply(&x, r.clone()).unwrap_err().message,
            "Only Map objects supported in absence of schema for [header move], found: java.lang.String"
        );
        r.record.value_schema = Some(string());
        assert_eq!(
            apply(&x, r).unwrap_err().message,
            "Only Struct objects supported for [header move], found: java.lang.String"
        );
    }
}
