//! Cases from Kafka's `JsonConverterTest`, with the exact bytes Kafka writes.

use std::str::FromStr;

use bigdecimal::num_bigint::BigInt;
use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveTime};
use connect_api::data::logical;
use connect_api::{Props, Schema, SchemaBuilder, SchemaRef, SchemaType, Struct, Value};

use super::*;

const TOPIC: &str = "topic";

fn converter(props: &[(&str, &str)]) -> JsonConverter {
    let props: Props = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut c = JsonConverter::new();
    Converter::configure(&mut c, &props, false).unwrap();
    c
}

fn to_json(c: &JsonConverter, schema: Option<&SchemaRef>, value: &Value) -> String {
    let bytes = c.from_connect_data(TOPIC, schema, value).unwrap().unwrap();
    String::from_utf8(bytes).unwrap()
}

fn to_connect(c: &JsonConverter, json: &str) -> SchemaAndValue {
    c.to_connect_data(TOPIC, Some(json.as_bytes())).unwrap()
}

fn to_connect_err(c: &JsonConverter, json: &str) -> String {
    c.to_connect_data(TOPIC, Some(json.as_bytes()))
        .unwrap_err()
        .to_string()
}

fn dec(s: &str) -> BigDecimal {
    BigDecimal::from_str(s).unwrap()
}

fn scale_of(v: &Value) -> i64 {
    match v {
        Value::Decimal(d) => d.as_bigint_and_exponent().1,
        other => panic!("not a decimal: {other:?}"),
    }
}

// ---- Connect to JSON -------------------------------------------------------------------

#[test]
fn string_line_envelope_is_exact() {
    let c = converter(&[]);
    assert_eq!(
        to_json(&c, Some(&Schema::string()), &"a line".into()),
        r#"{"schema":{"type":"string","optional":false},"payload":"a line"}"#
    );
}

#[test]
fn schema_metadata_to_json() {
    let c = converter(&[]);
    assert_eq!(
        to_json(&c, Some(&Schema::boolean()), &Value::Boolean(true)),
        r#"{"schema":{"type":"boolean","optional":false},"payload":true}"#
    );
    assert_eq!(
        to_json(&c, Some(&Schema::optional_boolean()), &Value::Null),
        r#"{"schema":{"type":"boolean","optional":true},"payload":null}"#
    );
    let with_default = SchemaBuilder::new(SchemaType::Boolean)
        .default_value(Value::Boolean(true))
        .build();
    assert_eq!(
        to_json(&c, Some(&with_default), &Value::Boolean(true)),
        r#"{"schema":{"type":"boolean","optional":false,"default":true},"payload":true}"#
    );
    let full = SchemaBuilder::new(SchemaType::Boolean)
        .required()
        .name("bool")
        .version(3)
        .doc("the documentation")
        .parameter("foo", "bar")
        .parameter("baz", "qux")
        .build();
    assert_eq!(
        to_json(&c, Some(&full), &Value::Boolean(true)),
        r#"{"schema":{"type":"boolean","optional":false,"name":"bool","version":3,"doc":"the documentation","parameters":{"foo":"bar","baz":"qux"}},"payload":true}"#
    );
}

#[test]
fn primitives_to_json() {
    let c = converter(&[]);
    let cases: Vec<(SchemaRef, Value, &str)> = vec![
        (
            Schema::int8(),
            Value::Int8(12),
            r#"{"schema":{"type":"int8","optional":false},"payload":12}"#,
        ),
        (
            Schema::int16(),
            Value::Int16(-12),
            r#"{"schema":{"type":"int16","optional":false},"payload":-12}"#,
        ),
        (
            Schema::int32(),
            Value::Int32(12),
            r#"{"schema":{"type":"int32","optional":false},"payload":12}"#,
        ),
        (
            Schema::int64(),
            Value::Int64(4398046511104),
            r#"{"schema":{"type":"int64","optional":false},"payload":4398046511104}"#,
        ),
        (
            Schema::float32(),
            Value::Float32(12.34),
            r#"{"schema":{"type":"float","optional":false},"payload":12.34}"#,
        ),
        (
            Schema::float64(),
            Value::Float64(12.34),
            r#"{"schema":{"type":"double","optional":false},"payload":12.34}"#,
        ),
        (
            Schema::float64(),
            Value::Float64(1.0),
            r#"{"schema":{"type":"double","optional":false},"payload":1.0}"#,
        ),
        (
            Schema::float64(),
            Value::Float64(1e10),
            r#"{"schema":{"type":"double","optional":false},"payload":1.0E10}"#,
        ),
        (
            Schema::float64(),
            Value::Float64(1e-5),
            r#"{"schema":{"type":"double","optional":false},"payload":1.0E-5}"#,
        ),
        (
            Schema::float32(),
            Value::Float32(f32::NAN),
            r#"{"schema":{"type":"float","optional":false},"payload":"NaN"}"#,
        ),
        (
            Schema::float64(),
            Value::Float64(f64::INFINITY),
            r#"{"schema":{"type":"double","optional":false},"payload":"Infinity"}"#,
        ),
        (
            Schema::bytes(),
            Value::Bytes(b"test-string".to_vec()),
            r#"{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}"#,
        ),
        (
            Schema::string(),
            Value::from("test-\"string\"\n\u{1}"),
            r#"{"schema":{"type":"string","optional":false},"payload":"test-\"string\"\n\u0001"}"#,
        ),
    ];
    for (schema, value, expected) in cases {
        assert_eq!(to_json(&c, Some(&schema), &value), expected);
    }
}

#[test]
fn containers_to_json() {
    let c = converter(&[]);
    let int32_array = SchemaBuilder::array(Schema::int32()).build();
    assert_eq!(
        to_json(
            &c,
            Some(&int32_array),
            &Value::Array(vec![1.into(), 2.into(), 3.into()])
        ),
        r#"{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}"#
    );
    let string_int_map = SchemaBuilder::map(Schema::string(), Schema::int32()).build();
    let map = Value::Map(vec![("key1".into(), 12.into()), ("key2".into(), 15.into())]);
    assert_eq!(
        to_json(&c, Some(&string_int_map), &map),
        r#"{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}"#
    );
    let int_int_map = SchemaBuilder::map(Schema::int32(), Schema::int32()).build();
    let map = Value::Map(vec![(1.into(), 12.into()), (2.into(), 15.into())]);
    assert_eq!(
        to_json(&c, Some(&int_int_map), &map),
        r#"{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}"#
    );
}

fn four_field_struct() -> (SchemaRef, Value) {
    let schema = SchemaBuilder::struct_()
        .field("field1", Schema::boolean())
        .field("field2", Schema::string())
        .field("field3", Schema::string())
        .field("field4", Schema::boolean())
        .build();
    let value = Struct::new(schema.clone())
        .unwrap()
        .with("field1", true)
        .unwrap()
        .with("field2", "string2")
        .unwrap()
        .with("field3", "string3")
        .unwrap()
        .with("field4", false)
        .unwrap();
    (schema, Value::Struct(value))
}

#[test]
fn struct_to_json() {
    let c = converter(&[]);
    let (schema, value) = four_field_struct();
    assert_eq!(
        to_json(&c, Some(&schema), &value),
        concat!(
            r#"{"schema":{"type":"struct","fields":["#,
            r#"{"type":"boolean","optional":false,"field":"field1"},"#,
            r#"{"type":"string","optional":false,"field":"field2"},"#,
            r#"{"type":"string","optional":false,"field":"field3"},"#,
            r#"{"type":"boolean","optional":false,"field":"field4"}],"optional":false},"#,
            r#""payload":{"field1":true,"field2":"string2","field3":"string3","field4":false}}"#
        )
    );
    // an identical but separately built schema is accepted (structSchemaIdentical)
    let (other_schema, _) = four_field_struct();
    assert!(c
        .from_connect_data(TOPIC, Some(&other_schema), &value)
        .is_ok());
}

#[test]
fn nested_struct_with_metadata_to_json() {
    let c = converter(&[]);
    let inner = SchemaBuilder::struct_()
        .name("com.example.Inner")
        .optional()
        .field("id", Schema::int64())
        .build();
    let outer = SchemaBuilder::struct_()
        .name("com.example.Outer")
        .version(2)
        .doc("outer doc")
        .field("inner", inner.clone())
        .field(
            "tags",
            SchemaBuilder::array(Schema::string()).optional().build(),
        )
        .field(
            "scores",
            SchemaBuilder::map(Schema::string(), Schema::float64()).build(),
        )
        .build();
    let inner_value = Struct::new(inner).unwrap().with("id", 7i64).unwrap();
    let value = Struct::new(outer.clone())
        .unwrap()
        .with("inner", inner_value)
        .unwrap()
        .with(
            "scores",
            Value::Map(vec![("a".into(), Value::Float64(0.5))]),
        )
        .unwrap();
    assert_eq!(
        to_json(&c, Some(&outer), &Value::Struct(value)),
        concat!(
            r#"{"schema":{"type":"struct","fields":["#,
            r#"{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":true,"name":"com.example.Inner","field":"inner"},"#,
            r#"{"type":"array","items":{"type":"string","optional":false},"optional":true,"field":"tags"},"#,
            r#"{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"double","optional":false},"optional":false,"field":"scores"}"#,
            r#"],"optional":false,"name":"com.example.Outer","version":2,"doc":"outer doc"},"#,
            r#""payload":{"inner":{"id":7},"tags":null,"scores":{"a":0.5}}}"#
        )
    );
}

#[test]
fn logical_types_to_json() {
    let c = converter(&[]);
    let decimal = logical::decimal_schema(2).build();
    assert_eq!(
        to_json(
            &c,
            Some(&decimal),
            &Value::Decimal(BigDecimal::new(BigInt::from(156), 2))
        ),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}"#
    );
    let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(10000);
    assert_eq!(
        to_json(
            &c,
            Some(&logical::date_schema().build()),
            &Value::Date(date)
        ),
        r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}"#
    );
    let time = NaiveTime::from_num_seconds_from_midnight_opt(14400, 0).unwrap();
    assert_eq!(
        to_json(
            &c,
            Some(&logical::time_schema().build()),
            &Value::Time(time)
        ),
        r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000}"#
    );
    let ts = logical::timestamp_from_millis(4_000_000_000).unwrap();
    assert_eq!(
        to_json(
            &c,
            Some(&logical::timestamp_schema().build()),
            &Value::Timestamp(ts)
        ),
        r#"{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}"#
    );
}

#[test]
fn decimal_formats() {
    let base64 = converter(&[]);
    let numeric = converter(&[("decimal.format", "NUMERIC")]);
    let schema2 = logical::decimal_schema(2).build();
    let schema4 = logical::decimal_schema(4).build();
    assert_eq!(base64.decimal_format(), DecimalFormat::Base64);
    assert_eq!(numeric.decimal_format(), DecimalFormat::Numeric);
    assert_eq!(
        to_json(&numeric, Some(&schema2), &Value::Decimal(dec("1.56"))),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":1.56}"#
    );
    assert!(
        to_json(&numeric, Some(&schema4), &Value::Decimal(dec("1.5600")))
            .ends_with(r#""payload":1.5600}"#)
    );
    assert!(
        to_json(&numeric, Some(&schema2), &Value::Decimal(dec("1.00")))
            .ends_with(r#""payload":1.00}"#)
    );
    assert!(
        to_json(&numeric, Some(&schema2), &Value::Decimal(dec("-0.05")))
            .ends_with(r#""payload":-0.05}"#)
    );
    // negative numbers in base64: two's complement
    assert!(
        to_json(&base64, Some(&schema2), &Value::Decimal(dec("-1.00")))
            .ends_with(r#""payload":"nA=="}"#)
    );
    assert!(
        to_json(&base64, Some(&schema2), &Value::Decimal(dec("0.00")))
            .ends_with(r#""payload":"AA=="}"#)
    );
    // a decimal default value is written in the configured format
    let with_default = logical::decimal_schema(2)
        .optional()
        .default_value(Value::Decimal(dec("1.56")))
        .build();
    assert_eq!(
        to_json(&numeric, Some(&with_default), &Value::Null),
        r#"{"schema":{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"default":1.56},"payload":1.56}"#
    );
    assert_eq!(
        to_json(&base64, Some(&with_default), &Value::Null),
        r#"{"schema":{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"default":"AJw="},"payload":"AJw="}"#
    );
    // base64 requires the schema's scale; numeric writes the value as it is
    let err = base64
        .from_connect_data(TOPIC, Some(&schema2), &Value::Decimal(dec("1.5")))
        .unwrap_err();
    assert!(err.to_string().contains("mismatching scale"), "{err}");
    assert!(
        to_json(&numeric, Some(&schema2), &Value::Decimal(dec("1.5")))
            .ends_with(r#""payload":1.5}"#)
    );
}

#[test]
fn decimal_without_schema_fails() {
    let c = converter(&[]);
    let err = c
        .from_connect_data(TOPIC, None, &Value::Decimal(dec("1.56")))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Java class class java.math.BigDecimal does not have corresponding schema type."
    );
}

#[test]
fn schemaless_values_to_json() {
    let c = converter(&[]);
    assert_eq!(
        to_json(&c, None, &Value::Boolean(true)),
        r#"{"schema":null,"payload":true}"#
    );
    assert_eq!(
        to_json(
            &c,
            None,
            &Value::Array(vec![1.into(), "string".into(), true.into()])
        ),
        r#"{"schema":null,"payload":[1,"string",true]}"#
    );
    let map = Value::Map(vec![
        ("key1".into(), 12.into()),
        ("key2".into(), "string".into()),
        ("key3".into(), true.into()),
    ]);
    assert_eq!(
        to_json(&c, None, &map),
        r#"{"schema":null,"payload":{"key1":12,"key2":"string","key3":true}}"#
    );
    let mixed = Value::Map(vec![
        ("string".into(), 12.into()),
        (52.into(), "string".into()),
        (false.into(), true.into()),
    ]);
    assert_eq!(
        to_json(&c, None, &mixed),
        r#"{"schema":null,"payload":[["string",12],[52,"string"],[false,true]]}"#
    );
    assert_eq!(
        to_json(
            &c,
            None,
            &Value::Array(vec![
                Value::Null,
                Value::Float32(1.5),
                Value::Bytes(vec![1])
            ])
        ),
        r#"{"schema":null,"payload":[null,1.5,"AQ=="]}"#
    );
}

#[test]
fn tombstones_and_nulls() {
    for enable in ["true", "false"] {
        let c = converter(&[("schemas.enable", enable)]);
        assert_eq!(
            c.from_connect_data(TOPIC, None, &Value::Null).unwrap(),
            None
        );
        assert_eq!(
            c.to_connect_data(TOPIC, None).unwrap(),
            SchemaAndValue::NULL
        );
    }
    // with a schema, a null value is still written (Kafka writes JSON null)
    let c = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        to_json(&c, Some(&Schema::optional_string()), &Value::Null),
        "null"
    );
    let err = c
        .from_connect_data(TOPIC, Some(&Schema::string()), &Value::Null)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Conversion error: null value for field that is required and has no default value"
    );
}

#[test]
fn schemas_disabled_writes_bare_payload() {
    let c = converter(&[("schemas.enable", "false")]);
    assert!(!c.schemas_enabled());
    assert_eq!(to_json(&c, None, &Value::Boolean(true)), "true");
    let (schema, value) = four_field_struct();
    assert_eq!(
        to_json(&c, Some(&schema), &value),
        r#"{"field1":true,"field2":"string2","field3":"string3","field4":false}"#
    );
    assert_eq!(
        to_json(&c, Some(&Schema::string()), &"line".into()),
        r#""line""#
    );
}

#[test]
fn replace_null_with_default() {
    let schema = SchemaBuilder::new(SchemaType::String)
        .optional()
        .default_value("default".into())
        .build();
    let struct_schema = SchemaBuilder::struct_()
        .field("field1", schema.clone())
        .build();
    let empty = Value::Struct(Struct::new(struct_schema.clone()).unwrap());

    let on = converter(&[("replace.null.with.default", "true")]);
    assert_eq!(
        to_json(&on, Some(&schema), &Value::Null),
        r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":"default"}"#
    );
    assert_eq!(
        to_json(&on, Some(&struct_schema), &empty),
        r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"default":"default","field":"field1"}],"optional":false},"payload":{"field1":"default"}}"#
    );
    let off = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(
        to_json(&off, Some(&schema), &Value::Null),
        r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":null}"#
    );
    assert_eq!(
        to_json(&off, Some(&struct_schema), &empty),
        r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"default":"default","field":"field1"}],"optional":false},"payload":{"field1":null}}"#
    );
    // the default is on by default
    assert!(
        to_json(&converter(&[]), Some(&schema), &Value::Null).ends_with(r#""payload":"default"}"#)
    );

    let json = r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":null}"#;
    assert_eq!(to_connect(&on, json).value, Value::from("default"));
    assert_eq!(to_connect(&off, json).value, Value::Null);
    let json = r#"{"schema":{"type":"struct","fields":[{"field":"field1","type":"string","optional":true,"default":"default"}],"optional":false},"payload":{"field1":null}}"#;
    let expected_on = Struct::new(struct_schema.clone())
        .unwrap()
        .with("field1", "default")
        .unwrap();
    assert_eq!(to_connect(&on, json).value, Value::Struct(expected_on));
    assert_eq!(
        to_connect(&off, json).value,
        Value::Struct(Struct::new(struct_schema).unwrap())
    );
}

#[test]
fn mismatched_values_are_data_errors() {
    let c = converter(&[]);
    let err = c
        .from_connect_data(TOPIC, Some(&Schema::float64()), &Value::Boolean(true))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for FLOAT64: class java.lang.Boolean"
    );
    assert_eq!(
        err.java_class(),
        "org.apache.kafka.connect.errors.DataException"
    );
    let err = c
        .from_connect_data(TOPIC, Some(&Schema::bytes()), &"x".into())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for bytes type: class java.lang.String"
    );
    let err = c
        .from_connect_data(TOPIC, Some(&Schema::int8()), &Value::Int32(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for INT8: class java.lang.Integer"
    );
    let (schema, value) = four_field_struct();
    let other = SchemaBuilder::struct_().field("x", Schema::int32()).build();
    let err = c
        .from_connect_data(TOPIC, Some(&other), &value)
        .unwrap_err();
    assert_eq!(err.to_string(), "Mismatching schema.");
    let err = c.from_connect_data(TOPIC, None, &value).unwrap_err();
    assert_eq!(err.to_string(), "Mismatching schema.");
    let err = c
        .from_connect_data(
            TOPIC,
            Some(&logical::date_schema().build()),
            &Value::Int32(3),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for Date, expected Date but was class java.lang.Integer"
    );
    let map_schema = SchemaBuilder::map(Schema::string(), Schema::int32()).build();
    let err = c
        .from_connect_data(
            TOPIC,
            Some(&map_schema),
            &Value::Map(vec![(1.into(), 1.into())]),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for STRING: class java.lang.Integer"
    );
    let err = c
        .from_connect_data(
            TOPIC,
            Some(&SchemaBuilder::array(Schema::int32()).build()),
            &Value::Array(vec![Value::Null]),
        )
        .unwrap_err();
    assert!(err
        .to_string()
        .contains("null value for field that is required"));
    assert!(c
        .from_connect_data(TOPIC, Some(&schema), &Value::Int32(1))
        .is_err());
    // a temporal value under a logical schema it cannot be
    let noon = logical::timestamp_from_millis(43_200_000 + 86_400_000).unwrap();
    assert!(c
        .from_connect_data(
            TOPIC,
            Some(&logical::date_schema().build()),
            &Value::Timestamp(noon)
        )
        .is_err());
}

// ---- JSON to Connect -------------------------------------------------------------------

#[test]
fn schema_metadata_to_connect() {
    let c = converter(&[]);
    assert_eq!(
        to_connect(
            &c,
            r#"{ "schema": { "type": "boolean" }, "payload": true }"#
        ),
        SchemaAndValue::new(Some(Schema::boolean()), Value::Boolean(true))
    );
    assert_eq!(
        to_connect(
            &c,
            r#"{ "schema": { "type": "boolean", "optional": true }, "payload": null }"#
        ),
        SchemaAndValue::new(Some(Schema::optional_boolean()), Value::Null)
    );
    assert_eq!(
        to_connect(
            &c,
            r#"{ "schema": { "type": "boolean", "default": true }, "payload": null }"#
        ),
        SchemaAndValue::new(
            Some(
                SchemaBuilder::new(SchemaType::Boolean)
                    .default_value(Value::Boolean(true))
                    .build()
            ),
            Value::Boolean(true)
        )
    );
    assert_eq!(
        to_connect(
            &c,
            r#"{ "schema": { "type": "boolean", "optional": false, "name": "bool", "version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}, "payload": true }"#
        ),
        SchemaAndValue::new(
            Some(
                SchemaBuilder::new(SchemaType::Boolean)
                    .name("bool")
                    .version(2)
                    .doc("the documentation")
                    .parameter("foo", "bar")
                    .build()
            ),
            Value::Boolean(true)
        )
    );
}

#[test]
fn primitives_to_connect() {
    let c = converter(&[]);
    let cases: Vec<(&str, SchemaRef, Value)> = vec![
        (
            r#"{ "schema": { "type": "boolean" }, "payload": false }"#,
            Schema::boolean(),
            Value::Boolean(false),
        ),
        (
            r#"{ "schema": { "type": "int8" }, "payload": 12 }"#,
            Schema::int8(),
            Value::Int8(12),
        ),
        (
            r#"{ "schema": { "type": "int16" }, "payload": 12 }"#,
            Schema::int16(),
            Value::Int16(12),
        ),
        (
            r#"{ "schema": { "type": "int32" }, "payload": 12 }"#,
            Schema::int32(),
            Value::Int32(12),
        ),
        (
            r#"{ "schema": { "type": "int64" }, "payload": 12 }"#,
            Schema::int64(),
            Value::Int64(12),
        ),
        (
            r#"{ "schema": { "type": "int64" }, "payload": 4398046511104 }"#,
            Schema::int64(),
            Value::Int64(4398046511104),
        ),
        (
            r#"{ "schema": { "type": "int8" }, "payload": 0012 }"#,
            Schema::int8(),
            Value::Int8(12),
        ),
        (
            r#"{ "schema": { "type": "int16" }, "payload": 000123 }"#,
            Schema::int16(),
            Value::Int16(123),
        ),
        (
            r#"{ "schema": { "type": "int32" }, "payload": 000012345 }"#,
            Schema::int32(),
            Value::Int32(12345),
        ),
        (
            r#"{ "schema": { "type": "int64" }, "payload": 00000123456789 }"#,
            Schema::int64(),
            Value::Int64(123456789),
        ),
        (
            r#"{ "schema": { "type": "float" }, "payload": 12.34 }"#,
            Schema::float32(),
            Value::Float32(12.34),
        ),
        (
            r#"{ "schema": { "type": "double" }, "payload": 12.34 }"#,
            Schema::float64(),
            Value::Float64(12.34),
        ),
        (
            r#"{ "schema": { "type": "double" }, "payload": 1.0E10 }"#,
            Schema::float64(),
            Value::Float64(1e10),
        ),
        (
            r#"{ "schema": { "type": "double" }, "payload": 3 }"#,
            Schema::float64(),
            Value::Float64(3.0),
        ),
        (
            r#"{ "schema": { "type": "bytes" }, "payload": "dGVzdC1zdHJpbmc=" }"#,
            Schema::bytes(),
            Value::Bytes(b"test-string".to_vec()),
        ),
        (
            r#"{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }"#,
            Schema::string(),
            Value::from("foo-bar-baz"),
        ),
        // Jackson's numeric narrowing: truncation, then the low bits
        (
            r#"{ "schema": { "type": "int8" }, "payload": 300 }"#,
            Schema::int8(),
            Value::Int8(44),
        ),
        (
            r#"{ "schema": { "type": "int32" }, "payload": 1.9 }"#,
            Schema::int32(),
            Value::Int32(1),
        ),
    ];
    for (json, schema, value) in cases {
        assert_eq!(
            to_connect(&c, json),
            SchemaAndValue::new(Some(schema), value),
            "{json}"
        );
    }
    let nan = to_connect(
        &c,
        r#"{"schema":{"type":"double","optional":false},"payload":"NaN"}"#,
    );
    assert!(matches!(nan.value, Value::Float64(v) if v.is_nan()));
}

#[test]
fn containers_to_connect() {
    let c = converter(&[]);
    assert_eq!(
        to_connect(
            &c,
            r#"{ "schema": { "type": "array", "items": { "type" : "int32" } }, "payload": [1, 2, 3] }"#
        ),
        SchemaAndValue::new(
            Some(SchemaBuilder::array(Schema::int32()).build()),
            Value::Array(vec![1.into(), 2.into(), 3.into()])
        )
    );
    assert_eq!(
        to_connect(
            &c,
            r#"{ "schema": { "type": "map", "keys": { "type" : "string" }, "values": { "type" : "int32" } }, "payload": { "key1": 12, "key2": 15} }"#
        ),
        SchemaAndValue::new(
            Some(SchemaBuilder::map(Schema::string(), Schema::int32()).build()),
            Value::Map(vec![("key1".into(), 12.into()), ("key2".into(), 15.into())])
        )
    );
    assert_eq!(
        to_connect(
            &c,
            r#"{ "schema": { "type": "map", "keys": { "type" : "int32" }, "values": { "type" : "int32" } }, "payload": [ [1, 12], [2, 15] ] }"#
        ),
        SchemaAndValue::new(
            Some(SchemaBuilder::map(Schema::int32(), Schema::int32()).build()),
            Value::Map(vec![(1.into(), 12.into()), (2.into(), 15.into())])
        )
    );
}

#[test]
fn structs_to_connect() {
    let c = converter(&[]);
    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string" }] }, "payload": { "field1": true, "field2": "string" } }"#,
    );
    let schema = SchemaBuilder::struct_()
        .field("field1", Schema::boolean())
        .field("field2", Schema::string())
        .build();
    let expected = Struct::new(schema.clone())
        .unwrap()
        .with("field1", true)
        .unwrap()
        .with("field2", "string")
        .unwrap();
    assert_eq!(
        sv,
        SchemaAndValue::new(Some(schema), Value::Struct(expected))
    );

    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "struct", "fields": [{ "field":"optional", "type": "string", "optional": true }, {  "field": "required", "type": "string" }] }, "payload": { "required": "required" } }"#,
    );
    let schema = SchemaBuilder::struct_()
        .field("optional", Schema::optional_string())
        .field("required", Schema::string())
        .build();
    let expected = Struct::new(schema.clone())
        .unwrap()
        .with("required", "required")
        .unwrap();
    assert_eq!(
        sv,
        SchemaAndValue::new(Some(schema), Value::Struct(expected))
    );

    let err = to_connect_err(
        &c,
        r#"{ "schema": { "type": "struct", "fields": [{ "field": "required", "type": "string" }] }, "payload": {} }"#,
    );
    assert_eq!(err, "Invalid null value for required STRING field");
}

#[test]
fn logical_types_to_connect() {
    let c = converter(&[]);
    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": "AJw=" }"#,
    );
    assert_eq!(sv.schema, Some(logical::decimal_schema(2).build()));
    assert_eq!(
        sv.value,
        Value::Decimal(BigDecimal::new(BigInt::from(156), 2))
    );
    assert_eq!(scale_of(&sv.value), 2);

    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "optional": true, "parameters": { "scale": "2" } }, "payload": null }"#,
    );
    assert_eq!(
        sv.schema,
        Some(logical::decimal_schema(2).optional().build())
    );
    assert_eq!(sv.value, Value::Null);

    let reference = Value::Decimal(BigDecimal::new(BigInt::from(156), 2));
    for optional in ["", r#""optional": true, "#] {
        let json = format!(
            r#"{{ "schema": {{ "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, {optional}"default": "AJw=", "parameters": {{ "scale": "2" }} }}, "payload": null }}"#
        );
        let sv = to_connect(&c, &json);
        let expected = logical::decimal_schema(2)
            .set_optional(!optional.is_empty())
            .default_value(reference.clone())
            .build();
        assert_eq!(sv.schema, Some(expected));
        assert_eq!(sv.value, reference);
    }

    // numeric decimals keep the JSON number's scale
    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": 1.56 }"#,
    );
    assert_eq!(sv.value, reference);
    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "4" } }, "payload": 1.5600 }"#,
    );
    assert_eq!(
        sv.value,
        Value::Decimal(BigDecimal::new(BigInt::from(15600), 4))
    );
    assert_eq!(scale_of(&sv.value), 4);
    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "17" } }, "payload": 1.23456789123456789 }"#,
    );
    assert_eq!(sv.value, Value::Decimal(dec("1.23456789123456789")));
    assert_eq!(scale_of(&sv.value), 17);

    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 }, "payload": 10000 }"#,
    );
    assert_eq!(sv.schema, Some(logical::date_schema().build()));
    assert_eq!(
        sv.value,
        Value::Date(NaiveDate::from_ymd_opt(1997, 5, 19).unwrap())
    );
    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1, "optional": true, "default": 0 }, "payload": null }"#,
    );
    assert_eq!(
        sv.value,
        Value::Date(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
    );
    assert_eq!(
        sv.schema,
        Some(
            logical::date_schema()
                .optional()
                .default_value(Value::Date(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()))
                .build()
        )
    );

    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 }, "payload": 14400000 }"#,
    );
    assert_eq!(sv.schema, Some(logical::time_schema().build()));
    assert_eq!(
        sv.value,
        Value::Time(NaiveTime::from_hms_opt(4, 0, 0).unwrap())
    );
    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1, "default": 0 }, "payload": null }"#,
    );
    assert_eq!(
        sv.value,
        Value::Time(NaiveTime::from_hms_opt(0, 0, 0).unwrap())
    );

    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1 }, "payload": 4000000000 }"#,
    );
    assert_eq!(sv.schema, Some(logical::timestamp_schema().build()));
    assert_eq!(
        sv.value,
        Value::Timestamp(logical::timestamp_from_millis(4_000_000_000).unwrap())
    );
    let sv = to_connect(
        &c,
        r#"{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1,  "optional": true, "default": 42 }, "payload": null }"#,
    );
    assert_eq!(
        sv.value,
        Value::Timestamp(logical::timestamp_from_millis(42).unwrap())
    );

    // logical representations Kafka rejects
    let err = to_connect_err(
        &c,
        r#"{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 }, "payload": "x" }"#,
    );
    assert_eq!(
        err,
        "Invalid type for Date, underlying representation should be integer but was STRING"
    );
    let err = to_connect_err(
        &c,
        r#"{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 }, "payload": 86400001 }"#,
    );
    assert!(
        err.starts_with("Time values must use number of milliseconds"),
        "{err}"
    );
    let err = to_connect_err(
        &c,
        r#"{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": { "scale": "2" } }, "payload": true }"#,
    );
    assert_eq!(
        err,
        "Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN"
    );
    let err = to_connect_err(
        &c,
        r#"{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "parameters": { "scale": "2" } }, "payload": "!!" }"#,
    );
    assert!(err.starts_with("Invalid bytes for Decimal field"), "{err}");
}

#[test]
fn schemaless_to_connect() {
    let c = converter(&[]);
    assert_eq!(
        to_connect(&c, r#"{ "schema": null, "payload": null }"#),
        SchemaAndValue::NULL
    );
    assert_eq!(
        to_connect(&c, r#"{ "schema": null, "payload": true }"#).value,
        Value::Boolean(true)
    );
    assert_eq!(
        to_connect(&c, r#"{ "schema": null, "payload": 12 }"#).value,
        Value::Int64(12)
    );
    assert_eq!(
        to_connect(&c, r#"{ "schema": null, "payload": 12.24 }"#).value,
        Value::Float64(12.24)
    );
    assert_eq!(
        to_connect(&c, r#"{ "schema": null, "payload": "a string" }"#).value,
        Value::from("a string")
    );
    assert_eq!(
        to_connect(&c, r#"{ "schema": null, "payload": [1, "2", 3] }"#).value,
        Value::Array(vec![Value::Int64(1), "2".into(), Value::Int64(3)])
    );
    assert_eq!(
        to_connect(
            &c,
            r#"{ "schema": null, "payload": { "field1": 1, "field2": 2} }"#
        ),
        SchemaAndValue::new(
            None,
            Value::Map(vec![
                ("field1".into(), Value::Int64(1)),
                ("field2".into(), Value::Int64(2))
            ])
        )
    );

    let plain = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        to_connect(&plain, "true"),
        SchemaAndValue::new(None, Value::Boolean(true))
    );
    assert_eq!(to_connect(&plain, ""), SchemaAndValue::NULL);
    assert_eq!(
        to_connect(&plain, r#"{ "a": "", "b": null}"#).value,
        Value::Map(vec![("a".into(), "".into()), ("b".into(), Value::Null)])
    );
    assert_eq!(
        to_connect(&plain, r#"{"n":{"x":[1.5,-2,1e2]}}"#).value,
        Value::Map(vec![(
            "n".into(),
            Value::Map(vec![(
                "x".into(),
                Value::Array(vec![
                    Value::Float64(1.5),
                    Value::Int64(-2),
                    Value::Float64(100.0)
                ])
            )])
        )])
    );
    // an envelope is just data when schemas are disabled
    assert_eq!(
        to_connect(&plain, r#"{"schema":{"type":"string"},"payload":"x"}"#).value,
        Value::Map(vec![
            (
                "schema".into(),
                Value::Map(vec![("type".into(), "string".into())])
            ),
            ("payload".into(), "x".into())
        ])
    );
}

#[test]
fn envelope_required_when_schemas_enabled() {
    let c = converter(&[]);
    let expected = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";
    for json in [
        "true",
        "{}",
        r#"{"schema":null}"#,
        r#"{"schema":null,"payload":1,"extra":2}"#,
        r#"{"schema":null,"data":1}"#,
        "",
        "[1]",
    ] {
        assert_eq!(to_connect_err(&c, json), expected, "{json}");
    }
}

#[test]
fn invalid_json_is_a_serialization_error() {
    let c = converter(&[]);
    for json in ["{", "{\"schema\":", "nope", "[1,]", "\"unterminated"] {
        let err = to_connect_err(&c, json);
        assert!(
            err.starts_with(
                "Converting byte[] to Kafka Connect data failed due to serialization error: "
            ),
            "{err}"
        );
    }
    let plain = converter(&[("schemas.enable", "false")]);
    assert!(plain.to_connect_data(TOPIC, Some(b"\xff\xfe")).is_err());
}

#[test]
fn invalid_schemas_and_payloads_are_data_errors() {
    let c = converter(&[]);
    let cases = [
        (r#"{"schema":{},"payload":1}"#, "Schema must contain 'type' field"),
        (r#"{"schema":{"type":5},"payload":1}"#, "Schema must contain 'type' field"),
        (r#"{"schema":{"type":"int128"},"payload":1}"#, "Unknown schema type: int128"),
        (r#"{"schema":{"type":"array"},"payload":[]}"#, "Array schema did not specify the element type"),
        (r#"{"schema":{"type":"map","values":{"type":"int8"}},"payload":{}}"#, "Map schema did not specify the key type"),
        (r#"{"schema":{"type":"map","keys":{"type":"int8"}},"payload":{}}"#, "Map schema did not specify the value type"),
        (r#"{"schema":{"type":"struct"},"payload":{}}"#, "Struct schema's \"fields\" argument is not an array."),
        (
            r#"{"schema":{"type":"struct","fields":[{"type":"int8"}]},"payload":{}}"#,
            "Struct schema's field name not specified properly",
        ),
        (
            r#"{"schema":{"type":"struct","fields":[{"type":"int8","field":"a"},{"type":"int8","field":"a"}]},"payload":{}}"#,
            "Cannot create field because of field name duplication a",
        ),
        (
            r#"{"schema":{"type":"string","parameters":{"a":1}},"payload":"x"}"#,
            "Schema parameters must have string values.",
        ),
        (r#"{"schema":{"type":"string"},"payload":null}"#, "Invalid null value for required STRING field"),
        (
            r#"{"schema":{"type":"struct","fields":[]},"payload":[]}"#,
            "Structs should be encoded as JSON objects, but found ARRAY",
        ),
        (
            r#"{"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"int8"}},"payload":[]}"#,
            "Maps with string fields should be encoded as JSON objects, but found ARRAY",
        ),
        (
            r#"{"schema":{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}},"payload":{}}"#,
            "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT",
        ),
        (
            r#"{"schema":{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}},"payload":[1]}"#,
            "Found invalid map entry instead of array tuple: NUMBER",
        ),
        (
            r#"{"schema":{"type":"map","keys":{"type":"int8"},"values":{"type":"int8"}},"payload":[[1]]}"#,
            "Found invalid map entry, expected length 2 but found :1",
        ),
        (r#"{"schema":{"type":"bytes"},"payload":"not base64!"}"#, "Invalid bytes field"),
        (r#"{"schema":{"type":"int32"},"payload":"12"}"#, "Invalid JSON STRING for a value of schema type INT32"),
        (r#"{"schema":{"type":"string"},"payload":12}"#, "Invalid JSON NUMBER for a value of schema type STRING"),
        (r#"{"schema":{"type":"boolean"},"payload":1}"#, "Invalid JSON NUMBER for a value of schema type BOOLEAN"),
        (r#"{"schema":{"type":"array","items":{"type":"int8"}},"payload":{}}"#, "Invalid JSON OBJECT for a value of schema type ARRAY"),
    ];
    for (json, expected) in cases {
        assert_eq!(to_connect_err(&c, json), expected, "{json}");
    }
    let err = to_connect_err(
        &c,
        r#"{"schema":{"type":"int8","default":"x"},"payload":null}"#,
    );
    assert!(err.contains("Invalid JSON STRING"), "{err}");
}

#[test]
fn nested_round_trips_through_both_modes() {
    let inner = SchemaBuilder::struct_()
        .name("inner")
        .field("d", logical::decimal_schema(3).optional().build())
        .field("ts", logical::timestamp_schema().build())
        .field("b", Schema::optional_bytes())
        .build();
    let schema = SchemaBuilder::struct_()
        .name("outer")
        .version(7)
        .doc("doc \"quoted\"")
        .parameter("p1", "v1")
        .field("i8", Schema::int8())
        .field("i16", Schema::int16())
        .field("i32", Schema::int32())
        .field("i64", Schema::int64())
        .field("f32", Schema::float32())
        .field("f64", Schema::float64())
        .field("bool", Schema::boolean())
        .field("str", Schema::string())
        .field(
            "opt",
            SchemaBuilder::new(SchemaType::Int32)
                .optional()
                .default_value(Value::Int32(5))
                .build(),
        )
        .field("date", logical::date_schema().build())
        .field("time", logical::time_schema().build())
        .field("list", SchemaBuilder::array(inner.clone()).build())
        .field(
            "map",
            SchemaBuilder::map(Schema::int64(), Schema::optional_string()).build(),
        )
        .field(
            "smap",
            SchemaBuilder::map(
                Schema::string(),
                SchemaBuilder::array(Schema::float64()).build(),
            )
            .build(),
        )
        .build();
    let inner_value = Struct::new(inner.clone())
        .unwrap()
        .with("d", Value::Decimal(dec("-12.345")))
        .unwrap()
        .with(
            "ts",
            Value::Timestamp(logical::timestamp_from_millis(1_700_000_000_123).unwrap()),
        )
        .unwrap()
        .with("b", Value::Bytes(vec![0, 1, 2, 255]))
        .unwrap();
    let inner_null = Struct::new(inner)
        .unwrap()
        .with(
            "ts",
            Value::Timestamp(logical::timestamp_from_millis(-5).unwrap()),
        )
        .unwrap();
    let value = Struct::new(schema.clone())
        .unwrap()
        .with("i8", Value::Int8(-128))
        .unwrap()
        .with("i16", Value::Int16(32767))
        .unwrap()
        .with("i32", Value::Int32(i32::MIN))
        .unwrap()
        .with("i64", Value::Int64(i64::MAX))
        .unwrap()
        .with("f32", Value::Float32(3.4028235e38))
        .unwrap()
        .with("f64", Value::Float64(-1.0e-300))
        .unwrap()
        .with("bool", true)
        .unwrap()
        .with("str", "ünïcode ☃ \u{0} \\ \"")
        .unwrap()
        .with(
            "date",
            Value::Date(NaiveDate::from_ymd_opt(1969, 7, 20).unwrap()),
        )
        .unwrap()
        .with(
            "time",
            Value::Time(NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap()),
        )
        .unwrap()
        .with(
            "list",
            Value::Array(vec![Value::Struct(inner_value), Value::Struct(inner_null)]),
        )
        .unwrap()
        .with(
            "map",
            Value::Map(vec![
                (Value::Int64(-1), "x".into()),
                (Value::Int64(2), Value::Null),
            ]),
        )
        .unwrap()
        .with(
            "smap",
            Value::Map(vec![(
                "k".into(),
                Value::Array(vec![Value::Float64(0.1), Value::Float64(2.0)]),
            )]),
        )
        .unwrap();
    let value = Value::Struct(value);
    for format in ["BASE64", "NUMERIC"] {
        let c = converter(&[("decimal.format", format)]);
        let bytes = c
            .from_connect_data(TOPIC, Some(&schema), &value)
            .unwrap()
            .unwrap();
        let back = c.to_connect_data(TOPIC, Some(&bytes)).unwrap();
        // the null "opt" field is written as its default (replace.null.with.default)
        let expected = match &value {
            Value::Struct(s) => Value::Struct(s.clone().with("opt", 5).unwrap()),
            _ => unreachable!(),
        };
        assert_eq!(back.schema.as_ref(), Some(&schema), "{format}");
        assert_eq!(back.value, expected, "{format}");
        // and writing what we read gives the same bytes
        let again = c
            .from_connect_data(TOPIC, back.schema.as_ref(), &back.value)
            .unwrap()
            .unwrap();
        assert_eq!(
            String::from_utf8(again).unwrap(),
            String::from_utf8(bytes).unwrap()
        );
    }
}

#[test]
fn schema_json_round_trip() {
    let c = converter(&[]);
    let schema = SchemaBuilder::struct_()
        .name("n")
        .field(
            "a",
            SchemaBuilder::array(Schema::optional_string())
                .optional()
                .build(),
        )
        .field(
            "m",
            SchemaBuilder::map(Schema::string(), logical::decimal_schema(1).build()).build(),
        )
        .build();
    let json = c.schema_to_json(&schema).unwrap();
    assert_eq!(
        String::from_utf8(json.clone()).unwrap(),
        concat!(
            r#"{"type":"struct","fields":[{"type":"array","items":{"type":"string","optional":true},"optional":true,"field":"a"},"#,
            r#"{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"1"}},"optional":false,"field":"m"}],"#,
            r#""optional":false,"name":"n"}"#
        )
    );
    assert_eq!(c.schema_from_json(&json).unwrap(), Some(schema));
    assert_eq!(c.schema_from_json(b"null").unwrap(), None);
}

#[test]
fn header_converter_delegates() {
    let mut c = JsonConverter::new();
    HeaderConverter::configure(&mut c, &Props::new()).unwrap();
    let bytes = c
        .from_connect_header(
            TOPIC,
            "headerName",
            Some(&Schema::string()),
            &"test-string".into(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        bytes,
        br#"{"schema":{"type":"string","optional":false},"payload":"test-string"}"#
    );
    assert_eq!(
        c.to_connect_header(
            TOPIC,
            "headerName",
            Some(br#"{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }"#)
        )
        .unwrap(),
        SchemaAndValue::new(Some(Schema::string()), "foo-bar-baz".into())
    );
}

#[test]
fn configuration_is_validated() {
    let bad = [
        ("schemas.enable", "yes"),
        ("schemas.cache.size", "many"),
        ("decimal.format", "HEX"),
        ("replace.null.with.default", "1"),
    ];
    for (k, v) in bad {
        let props: Props = [(k.to_string(), v.to_string())].into();
        let err = Converter::configure(&mut JsonConverter::new(), &props, true).unwrap_err();
        assert!(
            matches!(&err, ConverterError::Config { key, .. } if key == k),
            "{err}"
        );
    }
    let ok: Props = [
        ("schemas.enable".to_string(), " False ".to_string()),
        ("schemas.cache.size".to_string(), "10".to_string()),
        ("decimal.format".to_string(), "numeric".to_string()),
        ("converter.type".to_string(), "value".to_string()),
    ]
    .into();
    let mut c = JsonConverter::new();
    Converter::configure(&mut c, &ok, false).unwrap();
    assert!(!c.schemas_enabled());
    assert_eq!(c.decimal_format(), DecimalFormat::Numeric);
}

#[test]
fn deeply_nested_input_does_not_overflow() {
    let c = converter(&[("schemas.enable", "false")]);
    let deep = "[".repeat(1000) + &"]".repeat(1000);
    assert!(c.to_connect_data(TOPIC, Some(deep.as_bytes())).is_ok());
    let too_deep = "[".repeat(5000) + &"]".repeat(5000);
    assert!(c.to_connect_data(TOPIC, Some(too_deep.as_bytes())).is_err());
}

#[test]
fn arbitrary_corruptions_never_panic() {
    let c = converter(&[]);
    let plain = converter(&[("schemas.enable", "false")]);
    let message = concat!(
        r#"{"schema":{"type":"struct","fields":[{"type":"int8","optional":false,"field":"a"},"#,
        r#"{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"default":"AJw=","field":"d"},"#,
        r#"{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"array","items":{"type":"double","optional":true},"optional":false},"optional":false,"field":"m"},"#,
        r#"{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"t"}],"optional":false},"#,
        r#""payload":{"a":-7,"d":null,"m":[[1,[0.5,null,1.0E10]]],"t":1700000000000}}"#
    );
    let ok = c.to_connect_data(TOPIC, Some(message.as_bytes())).unwrap();
    assert!(matches!(ok.value, Value::Struct(_)));
    let bytes = message.as_bytes();
    let replacements = [
        b'"', b'{', b'}', b'[', b']', b',', b':', b'0', b'-', b'e', b'n', b' ', 0xff,
    ];
    for i in 0..bytes.len() {
        let _ = c.to_connect_data(TOPIC, Some(&bytes[..i]));
        let _ = plain.to_connect_data(TOPIC, Some(&bytes[..i]));
        for r in replacements {
            let mut mutated = bytes.to_vec();
            mutated[i] = r;
            let _ = c.to_connect_data(TOPIC, Some(&mutated));
            let _ = plain.to_connect_data(TOPIC, Some(&mutated));
        }
    }
}

#[test]
fn schemaless_floats_and_optional_values() {
    let c = converter(&[]);
    assert_eq!(
        to_json(&c, None, &Value::Float32(1.5)),
        r#"{"schema":null,"payload":1.5}"#
    );
    assert_eq!(
        to_json(&c, Some(&Schema::optional_bytes()), &Value::Null),
        r#"{"schema":{"type":"bytes","optional":true},"payload":null}"#
    );
    // an optional string key that is null becomes the key "null", as Jackson's asText()
    let schema = SchemaBuilder::map(Schema::optional_string(), Schema::int8()).build();
    assert_eq!(
        to_json(
            &c,
            Some(&schema),
            &Value::Map(vec![(Value::Null, Value::Int8(1))])
        ),
        r#"{"schema":{"type":"map","keys":{"type":"string","optional":true},"values":{"type":"int8","optional":false},"optional":false},"payload":{"null":1}}"#
    );
    // headers parsed by SimpleHeaderConverter can have map/array schemas without element
    // schemas; Kafka writes them as null and cannot read them back
    let untyped = SchemaBuilder::new(SchemaType::Array).build();
    let json = to_json(
        &c,
        Some(&untyped),
        &Value::Array(vec![1.into(), "x".into()]),
    );
    assert_eq!(
        json,
        r#"{"schema":{"type":"array","items":null,"optional":false},"payload":[1,"x"]}"#
    );
    assert_eq!(
        to_connect_err(&c, &json),
        "Array schema did not specify the element type"
    );
}
