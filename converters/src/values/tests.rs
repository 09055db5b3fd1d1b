//! Cases from Kafka's `SimpleHeaderConverterTest` and the header round trips of its
//! `ValuesTest`; the parsing and printing cases of `ValuesTest` are connect-api's
//! (`connect_api::data::values`).

use chrono::{NaiveDate, NaiveTime};
use connect_api::data::logical;
use connect_api::{SchemaBuilder, SchemaType, Struct, Value};

use super::*;

const TOPIC: &str = "topic";
const HEADER: &str = "header";

fn round_trip(schema: Option<&SchemaRef>, value: &Value) -> SchemaAndValue {
    let c = SimpleHeaderConverter;
    let bytes = c.from_connect_header(TOPIC, HEADER, schema, value).unwrap();
    c.to_connect_header(TOPIC, HEADER, bytes.as_deref())
        .unwrap()
}

fn assert_round_trip(schema: &SchemaRef, value: Value) {
    let c = SimpleHeaderConverter;
    let bytes = c
        .from_connect_header(TOPIC, HEADER, Some(schema), &value)
        .unwrap();
    let result = c
        .to_connect_header(TOPIC, HEADER, bytes.as_deref())
        .unwrap();
    if value.is_null() {
        assert_eq!(bytes, None);
        assert_eq!(result, SchemaAndValue::NULL);
        return;
    }
    assert_eq!(result.value, value);
    assert_eq!(result.schema.as_ref(), Some(schema));
    let bytes2 = c
        .from_connect_header(TOPIC, HEADER, result.schema.as_ref(), &result.value)
        .unwrap();
    assert_eq!(bytes2, bytes);
    let result2 = c
        .to_connect_header(TOPIC, HEADER, bytes2.as_deref())
        .unwrap();
    assert_eq!(result2, result);
}

fn string_map() -> Value {
    Value::Map(vec![
        ("foo".into(), "123".into()),
        ("bar".into(), "baz".into()),
    ])
}

fn string_short_map() -> Value {
    Value::Map(vec![
        ("foo".into(), Value::Int16(12345)),
        ("bar".into(), Value::Int16(0)),
        ("baz".into(), Value::Int16(-4321)),
    ])
}

fn string_int_map() -> Value {
    Value::Map(vec![
        ("foo".into(), Value::Int32(1234567890)),
        ("bar".into(), Value::Int32(0)),
        ("baz".into(), Value::Int32(-987654321)),
    ])
}

// ---- SimpleHeaderConverterTest ---------------------------------------------------------

#[test]
fn converts_null_and_strings() {
    assert_round_trip(&Schema::string(), Value::Null);
    assert_round_trip(&Schema::optional_string(), Value::Null);
    assert_round_trip(&Schema::string(), "simple".into());
    assert_round_trip(&Schema::string(), "".into());
    assert_round_trip(&Schema::string(), "three\"blind\\\"mice".into());
    assert_round_trip(
        &Schema::string(),
        "string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':".into(),
    );
}

#[test]
fn converts_maps_and_lists() {
    let string_map_schema = SchemaBuilder::map(Schema::string(), Schema::string()).build();
    assert_round_trip(&string_map_schema, string_map());
    assert_round_trip(
        &SchemaBuilder::map(Schema::string(), Schema::int16()).build(),
        string_short_map(),
    );
    assert_round_trip(
        &SchemaBuilder::map(Schema::string(), Schema::int32()).build(),
        string_int_map(),
    );
    assert_round_trip(
        &SchemaBuilder::array(Schema::string()).build(),
        Value::Array(vec!["foo".into(), "bar".into()]),
    );
    assert_round_trip(
        &SchemaBuilder::array(Schema::int32()).build(),
        Value::Array(vec![Value::Int32(1234567890), Value::Int32(-987654321)]),
    );
}

#[test]
fn parses_strings_of_maps() {
    let string_map_schema = SchemaBuilder::map(Schema::string(), Schema::string()).build();
    for s in [
        r#"{"foo":"123","bar":"baz"}"#,
        "{ \"foo\" : \"123\", \n\"bar\" : \"baz\" } ",
    ] {
        let sv = round_trip(Some(&Schema::string()), &s.into());
        assert_eq!(sv.schema, Some(string_map_schema.clone()), "{s}");
        assert_eq!(sv.value, string_map(), "{s}");
    }
    let short_schema = SchemaBuilder::map(Schema::string(), Schema::int16()).build();
    for s in [
        r#"{"foo":12345,"bar":0,"baz":-4321}"#,
        r#" { "foo" :  12345 , "bar" : 0,  "baz" : -4321 }  "#,
    ] {
        let sv = round_trip(Some(&Schema::string()), &s.into());
        assert_eq!(sv.schema, Some(short_schema.clone()), "{s}");
        assert_eq!(sv.value, string_short_map(), "{s}");
    }
    let int_schema = SchemaBuilder::map(Schema::string(), Schema::int32()).build();
    for s in [
        r#"{"foo":1234567890,"bar":0,"baz":-987654321}"#,
        r#" { "foo" :  1234567890 , "bar" : 0,  "baz" : -987654321 }  "#,
    ] {
        let sv = round_trip(Some(&Schema::string()), &s.into());
        assert_eq!(sv.schema, Some(int_schema.clone()), "{s}");
        assert_eq!(sv.value, string_int_map(), "{s}");
    }
}

#[test]
fn mixed_values_lose_their_value_schema() {
    let map = Value::Map(vec![
        ("foo".into(), "bar".into()),
        ("baz".into(), Value::Int16(3456)),
    ]);
    let sv = round_trip(None, &map);
    let schema = sv.schema.unwrap();
    assert_eq!(schema.schema_type, SchemaType::Map);
    assert_eq!(
        schema.key_schema.as_ref().unwrap().schema_type,
        SchemaType::String
    );
    assert!(schema.value_schema.is_none());
    assert_eq!(sv.value, map);

    let list = Value::Array(vec!["foo".into(), Value::Int16(13344)]);
    let sv = round_trip(None, &list);
    let schema = sv.schema.unwrap();
    assert_eq!(schema.schema_type, SchemaType::Array);
    assert!(schema.value_schema.is_none());
    assert_eq!(sv.value, list);

    let sv = round_trip(None, &Value::Map(vec![]));
    let schema = sv.schema.unwrap();
    assert!(schema.key_schema.is_none() && schema.value_schema.is_none());
    assert_eq!(sv.value, Value::Map(vec![]));
    let sv = round_trip(None, &Value::Array(vec![]));
    assert!(sv.schema.unwrap().value_schema.is_none());
    assert_eq!(sv.value, Value::Array(vec![]));
}

#[test]
fn round_trips_of_primitives_and_logical_types() {
    assert_round_trip(&Schema::boolean(), Value::Boolean(true));
    assert_round_trip(&Schema::boolean(), Value::Boolean(false));
    assert_round_trip(&Schema::int8(), Value::Int8(-12));
    assert_round_trip(&Schema::int16(), Value::Int16(300));
    assert_round_trip(&Schema::int32(), Value::Int32(70000));
    assert_round_trip(&Schema::int64(), Value::Int64(i64::MIN));
    assert_round_trip(&Schema::float32(), Value::Float32(1.5));
    assert_round_trip(&Schema::float64(), Value::Float64(1e300));
    assert_round_trip(
        &logical::decimal_schema(0).build(),
        Value::Decimal("123456789012345678901234567890".parse().unwrap()),
    );
    assert_round_trip(
        &logical::date_schema().build(),
        Value::Date(NaiveDate::from_ymd_opt(2019, 8, 23).unwrap()),
    );
    assert_round_trip(
        &logical::time_schema().build(),
        Value::Time(NaiveTime::from_hms_milli_opt(14, 34, 54, 346).unwrap()),
    );
    assert_round_trip(
        &logical::timestamp_schema().build(),
        Value::Timestamp(logical::timestamp_from_millis(1_566_570_894_346).unwrap()),
    );
    assert_round_trip(
        &SchemaBuilder::array(logical::date_schema().build()).build(),
        Value::Array(vec![Value::Date(
            NaiveDate::from_ymd_opt(2019, 8, 23).unwrap(),
        )]),
    );
    assert_round_trip(
        &SchemaBuilder::map(
            Schema::int8(),
            SchemaBuilder::array(Schema::boolean()).build(),
        )
        .build(),
        Value::Map(vec![(
            Value::Int8(1),
            Value::Array(vec![true.into(), false.into()]),
        )]),
    );
}

#[test]
fn unparseable_headers_are_bytes_and_null_bytes_are_null() {
    let c = SimpleHeaderConverter;
    assert_eq!(
        c.to_connect_header(TOPIC, HEADER, None).unwrap(),
        SchemaAndValue::NULL
    );
    let deep = "[".repeat(1000);
    let sv = c
        .to_connect_header(TOPIC, HEADER, Some(deep.as_bytes()))
        .unwrap();
    assert_eq!(
        sv,
        SchemaAndValue::new(Some(Schema::bytes()), Value::Bytes(deep.into_bytes()))
    );
    let sv = c.to_connect_header(TOPIC, HEADER, Some(b"null")).unwrap();
    assert_eq!(sv, SchemaAndValue::NULL);
    // invalid UTF-8 is replaced, as Java's new String(bytes, UTF_8)
    let sv = c.to_connect_header(TOPIC, HEADER, Some(b"a\xffb")).unwrap();
    assert_eq!(sv.value, Value::from("a\u{FFFD}b"));
}

// ---- ValuesTest: parseString -----------------------------------------------------------

#[test]
fn kafka_quirks_of_header_round_trips() {
    // doubles and decimals with a fraction come back as float32, as in Kafka
    assert_eq!(
        round_trip(Some(&Schema::float64()), &Value::Float64(0.1)),
        SchemaAndValue::new(Some(Schema::float32()), Value::Float32(0.1))
    );
    assert_eq!(
        round_trip(
            Some(&logical::decimal_schema(2).build()),
            &Value::Decimal("1.50".parse().unwrap())
        )
        .value,
        Value::Float32(1.5)
    );
    // structs are written as maps and read back as maps
    let schema = SchemaBuilder::struct_()
        .field("a", Schema::int32())
        .field("b", Schema::string())
        .build();
    let s = Struct::new(schema.clone())
        .unwrap()
        .with("a", 1)
        .unwrap()
        .with("b", "x")
        .unwrap();
    let sv = round_trip(Some(&schema), &Value::Struct(s));
    assert_eq!(
        sv.value,
        Value::Map(vec![("a".into(), Value::Int8(1)), ("b".into(), "x".into())])
    );
    // the string "null" is read back as null
    assert_eq!(
        round_trip(Some(&Schema::string()), &"null".into()),
        SchemaAndValue::NULL
    );
    // bytes are written as base64 and read back as a string
    assert_eq!(
        round_trip(Some(&Schema::bytes()), &Value::Bytes(b"hi".to_vec())).value,
        Value::from("aGk=")
    );
}
