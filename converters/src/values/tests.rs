//! Cases from Kafka's `ValuesTest` and `SimpleHeaderConverterTest`.

use chrono::{NaiveDate, NaiveTime};
use connect_api::{Struct, Value};

use super::*;

const TOPIC: &str = "topic";
const HEADER: &str = "header";

fn parse(s: &str) -> Option<SchemaAndValue> {
    parse_string(s).unwrap()
}

fn parsed(s: &str) -> SchemaAndValue {
    parse(s).unwrap_or_else(|| panic!("{s} parsed as null"))
}

fn schema_type(sv: &SchemaAndValue) -> SchemaType {
    sv.schema.as_ref().unwrap().schema_type
}

fn assert_string(s: &str) {
    let sv = parsed(s);
    assert_eq!(sv.schema, Some(Schema::string()), "{s:?}");
    assert_eq!(sv.value, Value::from(s), "{s:?}");
}

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
fn written_forms() {
    let w = |v: Value| convert_to_string(&v).unwrap();
    assert_eq!(w(Value::Int32(42)), "42");
    assert_eq!(w(Value::Float64(1.0)), "1.0");
    assert_eq!(w(Value::Float32(1e10)), "1.0E10");
    assert_eq!(w(Value::Bytes(b"test".to_vec())), "dGVzdA==");
    assert_eq!(
        w(Value::Array(vec![
            Value::Bytes(vec![1]),
            "a\"b".into(),
            Value::Null
        ])),
        r#"["AQ==","a\"b",null]"#
    );
    assert_eq!(w(Value::Decimal("1.23E+5".parse().unwrap())), "1.23E+5");
    assert_eq!(
        w(Value::Date(NaiveDate::from_ymd_opt(2019, 8, 23).unwrap())),
        "2019-08-23"
    );
    // the epoch day and earlier dates print as a time of day, as Kafka's dateFormatFor does
    assert_eq!(
        w(Value::Date(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())),
        "00:00:00.000Z"
    );
    assert_eq!(
        w(Value::Timestamp(
            logical::timestamp_from_millis(1_566_570_894_346).unwrap()
        )),
        "2019-08-23T14:34:54.346Z"
    );
    let schema = SchemaBuilder::struct_()
        .field("a", Schema::int32())
        .field(
            "b",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value("d".into())
                .build(),
        )
        .build();
    let s = Struct::new(schema).unwrap().with("a", 1).unwrap();
    assert_eq!(w(Value::Struct(s)), r#"{"a":1,"b":"d"}"#);
    assert_eq!(convert_to_string(&Value::Null), None);
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
fn parses_empty_and_odd_strings() {
    assert_eq!(
        parsed(""),
        SchemaAndValue::new(Some(Schema::string()), "".into())
    );
    let odd = String::from_utf8(vec![0xEF, 0xBF, 0xBF]).unwrap();
    assert_string(&odd);
    for s in [
        "{foo: 3}",
        "{3: foo}",
        "[foo]",
        "null=",
        "true}",
        "false]",
        "{6:9 4:20}",
        "[0 1 2]",
        "{null: 3}",
    ] {
        assert_string(s);
    }
    for s in ["[1, 2, 3,,,]", "[1, null]", "[null, 1]"] {
        assert_string(s);
    }
}

#[test]
fn parses_literals() {
    let ws = " \t\n ";
    assert_eq!(parsed(&format!("{ws}true{ws}")).value, Value::Boolean(true));
    assert_eq!(
        parsed(&format!("{ws}false{ws}")).value,
        Value::Boolean(false)
    );
    assert_eq!(parse(&format!("{ws}null{ws}")), None);
    assert_eq!(parse("null"), None);
    let sv = parsed("[true, false]");
    assert_eq!(
        sv.schema,
        Some(SchemaBuilder::array(Schema::boolean()).build())
    );
    assert_eq!(sv.value, Value::Array(vec![true.into(), false.into()]));
    let sv = parsed("{true: false, false: true}");
    assert_eq!(
        sv.schema,
        Some(SchemaBuilder::map(Schema::boolean(), Schema::boolean()).build())
    );
    assert_eq!(
        sv.value,
        Value::Map(vec![
            (true.into(), false.into()),
            (false.into(), true.into())
        ])
    );
}

#[test]
fn parses_empty_and_nested_containers() {
    assert_eq!(parsed("{}").value, Value::Map(vec![]));
    assert_eq!(schema_type(&parsed("{}")), SchemaType::Map);
    assert_eq!(parsed("[]").value, Value::Array(vec![]));
    let sv = parsed("[[]]");
    assert_eq!(
        sv.schema
            .unwrap()
            .value_schema
            .as_ref()
            .unwrap()
            .schema_type,
        SchemaType::Array
    );
    let sv = parsed("[{}]");
    assert_eq!(
        sv.schema
            .unwrap()
            .value_schema
            .as_ref()
            .unwrap()
            .schema_type,
        SchemaType::Map
    );
    let sv = parsed(r#"{"a":{}}"#);
    assert_eq!(
        sv.schema
            .unwrap()
            .value_schema
            .as_ref()
            .unwrap()
            .schema_type,
        SchemaType::Map
    );
    let sv = parsed(r#"{"a":[]}"#);
    assert_eq!(
        sv.schema
            .unwrap()
            .value_schema
            .as_ref()
            .unwrap()
            .schema_type,
        SchemaType::Array
    );
}

#[test]
fn parses_nulls_inside_containers() {
    let sv = parsed("{3: null}");
    let schema = sv.schema.unwrap();
    assert_eq!(
        schema.key_schema.as_ref().unwrap().schema_type,
        SchemaType::Int8
    );
    assert!(schema.value_schema.is_none());
    assert_eq!(sv.value, Value::Map(vec![(Value::Int8(3), Value::Null)]));
    let sv = parsed("[null]");
    assert!(sv.schema.unwrap().value_schema.is_none());
    assert_eq!(sv.value, Value::Array(vec![Value::Null]));
}

#[test]
fn widens_numeric_elements() {
    let sv = parsed(&format!("[1, 2, {}]", i32::from(i16::MAX) + 1));
    assert_eq!(
        sv.schema,
        Some(SchemaBuilder::array(Schema::int32()).build())
    );
    assert_eq!(
        sv.value,
        Value::Array(vec![Value::Int32(1), Value::Int32(2), Value::Int32(32768)])
    );
    let sv = parsed(&format!("[1, 2, {}]", java::float_to_string(f32::MAX)));
    assert_eq!(
        sv.value,
        Value::Array(vec![
            Value::Float32(1.0),
            Value::Float32(2.0),
            Value::Float32(f32::MAX)
        ])
    );
    let sv = parsed(&format!("[1, 2, {}]", java::double_to_string(f64::MAX)));
    assert_eq!(
        sv.value,
        Value::Array(vec![
            Value::Float64(1.0),
            Value::Float64(2.0),
            Value::Float64(f64::MAX)
        ])
    );
}

#[test]
fn mixed_element_types_have_no_common_schema() {
    let expected = Value::Array(vec![
        Value::Int8(1),
        Value::Int8(2),
        Value::Int16(300),
        "four".into(),
    ]);
    let sv = parsed(r#"[1, 2, 300, "four"]"#);
    assert!(sv.schema.as_ref().unwrap().value_schema.is_none());
    assert_eq!(sv.value, expected);
    let sv = parsed(r#"["four", 1, 2, 300]"#);
    assert_eq!(
        sv.value,
        Value::Array(vec![
            "four".into(),
            Value::Int8(1),
            Value::Int8(2),
            Value::Int16(300)
        ])
    );

    let sv = parsed(r#"{1:1, 2:1, 300:300, "four":1}"#);
    assert!(sv.schema.as_ref().unwrap().value_schema.is_none());
    assert!(sv.schema.as_ref().unwrap().key_schema.is_none());
    assert_eq!(
        sv.value,
        Value::Map(vec![
            (Value::Int8(1), Value::Int8(1)),
            (Value::Int8(2), Value::Int8(1)),
            (Value::Int16(300), Value::Int16(300)),
            ("four".into(), Value::Int8(1)),
        ])
    );
    let sv = parsed(r#"{1:1, 2:1, 300:300, 4:"four"}"#);
    let schema = sv.schema.unwrap();
    assert_eq!(schema.key_schema, Some(Schema::int16()));
    assert!(schema.value_schema.is_none());
    assert_eq!(
        sv.value,
        Value::Map(vec![
            (Value::Int16(1), Value::Int8(1)),
            (Value::Int16(2), Value::Int8(1)),
            (Value::Int16(300), Value::Int16(300)),
            (Value::Int16(4), "four".into()),
        ])
    );
}

#[test]
fn parses_temporal_values() {
    let ts = logical::timestamp_from_millis(1_566_570_894_346).unwrap();
    for s in ["2019-08-23T14:34:54.346Z", "2019-08-23T14\\:34\\:54.346Z"] {
        let sv = parsed(s);
        assert_eq!(sv.schema, Some(logical::timestamp_schema().build()), "{s}");
        assert_eq!(sv.value, Value::Timestamp(ts), "{s}");
    }
    let sv = parsed("2019-08-23");
    assert_eq!(sv.schema, Some(logical::date_schema().build()));
    assert_eq!(
        sv.value,
        Value::Date(NaiveDate::from_ymd_opt(2019, 8, 23).unwrap())
    );
    let time = NaiveTime::from_hms_milli_opt(14, 34, 54, 346).unwrap();
    for s in ["14:34:54.346Z", "14\\:34\\:54.346Z"] {
        let sv = parsed(s);
        assert_eq!(sv.schema, Some(logical::time_schema().build()), "{s}");
        assert_eq!(sv.value, Value::Time(time), "{s}");
    }
    let sv = parsed("[2019-08-23]");
    assert_eq!(
        sv.schema,
        Some(SchemaBuilder::array(logical::date_schema().build()).build())
    );
    let sv = parsed("[14:34:54.346Z]");
    assert_eq!(
        sv.schema,
        Some(SchemaBuilder::array(logical::time_schema().build()).build())
    );
    assert_eq!(sv.value, Value::Array(vec![Value::Time(time)]));
    let sv =
        parsed("[2019-08-23T14:34:54.346Z,2019-01-23T15:12:34.567Z,   2019-04-23T19:12:34.567Z]");
    assert_eq!(
        sv.schema,
        Some(SchemaBuilder::array(logical::timestamp_schema().build()).build())
    );
    match sv.value {
        Value::Array(items) => assert_eq!(items.len(), 3),
        other => panic!("{other:?}"),
    }
    for s in [r#"{"k1":"14:34:54.346Z"}"#, r#"{"k1":14:34:54.346Z}"#] {
        let sv = parsed(s);
        assert_eq!(
            sv.schema,
            Some(SchemaBuilder::map(Schema::string(), logical::time_schema().build()).build()),
            "{s}"
        );
        assert_eq!(sv.value, Value::Map(vec![("k1".into(), Value::Time(time))]));
    }
    // lenient SimpleDateFormat: month 13 rolls over
    assert_eq!(
        parsed("2019-13-01").value,
        Value::Date(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap())
    );
}

#[test]
fn parses_numbers_into_the_smallest_type() {
    let cases: Vec<(&str, SchemaRef, Value)> = vec![
        ("1", Schema::int8(), Value::Int8(1)),
        ("-128", Schema::int8(), Value::Int8(-128)),
        ("127", Schema::int8(), Value::Int8(127)),
        ("128", Schema::int16(), Value::Int16(128)),
        ("-32768", Schema::int16(), Value::Int16(-32768)),
        ("32768", Schema::int32(), Value::Int32(32768)),
        ("2147483648", Schema::int64(), Value::Int64(2147483648)),
        (
            "-9223372036854775808",
            Schema::int64(),
            Value::Int64(i64::MIN),
        ),
        ("+5", Schema::int8(), Value::Int8(5)),
        ("1.0", Schema::int8(), Value::Int8(1)),
        ("2.00", Schema::int8(), Value::Int8(2)),
        ("1e10", Schema::int64(), Value::Int64(10_000_000_000)),
        ("1.5", Schema::float32(), Value::Float32(1.5)),
        ("-0.1", Schema::float32(), Value::Float32(-0.1)),
        ("3.4028235E38", Schema::float32(), Value::Float32(f32::MAX)),
        (
            "1.7976931348623157E308",
            Schema::float64(),
            Value::Float64(f64::MAX),
        ),
        ("1e30", Schema::float32(), Value::Float32(1e30)),
    ];
    for (s, schema, value) in cases {
        assert_eq!(parsed(s), SchemaAndValue::new(Some(schema), value), "{s}");
    }
    let big = "9223372036854775808";
    let sv = parsed(big);
    assert_eq!(sv.schema, Some(logical::decimal_schema(0).build()));
    assert_eq!(sv.value, Value::Decimal(big.parse().unwrap()));
    let sv = parsed("1e400");
    assert_eq!(sv.schema, Some(logical::decimal_schema(-400).build()));
    // a string that only starts like a number stays a string
    for s in [
        "12abc",
        "1.2.3",
        "0x10",
        "-",
        "+",
        "1e",
        "NaN",
        "-Infinity",
        "12 34",
    ] {
        assert_string(s);
    }
}

#[test]
fn number_followed_by_a_delimiter_is_the_number() {
    // Kafka's parser stops at the first delimiter for a top-level number.
    assert_eq!(parsed("12,34").value, Value::Int8(12));
}

#[test]
fn quoted_strings_keep_escapes() {
    let sv = parsed(r#"["a\"b", "c"]"#);
    assert_eq!(sv.value, Value::Array(vec![r#"a\"b"#.into(), "c".into()]));
    assert_eq!(
        sv.schema,
        Some(SchemaBuilder::array(Schema::string()).build())
    );
}

#[test]
fn plain_strings() {
    for s in [
        "  ",
        "simple",
        "simple string",
        "simple \n\t\u{8}string",
        "'simple' string",
        "si\\mple",
        "si\\\\mple",
    ] {
        assert_string(s);
    }
    for s in [
        "si\\\"mple",
        "si\\{mple",
        "si\\}mple",
        "si\\]mple",
        "si\\[mple",
        "si\\:mple",
        "si\\,mple",
    ] {
        assert_string(s);
    }
    for s in [
        "a{b", "a}b", "a[b", "a]b", "a:b", "a,b", "a\"b", "{b", "}b", "[b", "]b", ":b", ",b", "\"b",
    ] {
        assert_string(s);
    }
    for s in [
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"",
        "\"simple\" string",
        "a{bc}d",
        "a { b c } d",
    ] {
        assert_string(s);
    }
}

#[test]
fn malformed_containers_are_strings() {
    // Kafka falls back to the first token, here the leading blank, not the whole string.
    for s in [
        " { \"foo\" :  1234567890 ,, \"bar\" : 0,  \"baz\" : -987654321 }  ",
        " { \"foo\" :  1234567890 , \"a\", \"bar\" : 0,  \"baz\" : -987654321 }  ",
        " { ,,  , , }  ",
    ] {
        assert_eq!(
            parsed(s),
            SchemaAndValue::new(Some(Schema::string()), " ".into()),
            "{s}"
        );
    }
    for s in ["[1, 2, 3, \"four\",,,]", "[1, 2", "{\"a\": 1", "{\"a\" 1}"] {
        assert_string(s);
    }
}

#[test]
fn tokenizer_matches_kafka() {
    let mut p = Parser::new("a:b:c:d:e:f:g:h");
    assert_eq!(p.next_n(5).as_deref(), Some("a:b:c"));
    assert_eq!(p.next(), ":");
    assert_eq!(p.next(), "d");
    assert_eq!(p.next(), ":");
    assert_eq!(p.next_n(8), None);
    assert_eq!(p.next(), "e");

    let tokens = |s: &str| {
        let mut p = Parser::new(s);
        let mut out = Vec::new();
        while p.has_next() {
            out.push(p.next());
        }
        out
    };
    assert_eq!(tokens("a{b"), ["a", "{", "b"]);
    assert_eq!(
        tokens("\"simple\" string"),
        ["\"", "simple", "\"", " string"]
    );
    assert_eq!(tokens("a { b c } d"), ["a ", "{", " b c ", "}", " d"]);
    assert_eq!(tokens("si\\{mple"), ["si\\{mple"]);
    assert_eq!(escape("three\"blind\\\"mice"), "three\\\"blind\\\\\\\"mice");
}

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

#[test]
fn arbitrary_strings_never_panic() {
    let samples = [
        r#"{"k1":[2019-08-23T14:34:54.346Z, 1.5e3, -7, "q\"uo\\te"], "k2":{true:null}, 3:[[],[{}]]}"#,
        "[14\\:34\\:54.346Z, 1999-99-99, 0000-00-00T00:00:00.000Z, 9999999999999999999999]",
        "  \u{0}\t\"\\\\\"[{:,}]é😀",
    ];
    for sample in samples {
        let chars: Vec<char> = sample.chars().collect();
        for i in 0..=chars.len() {
            for j in i..=chars.len() {
                let s: String = chars[i..j].iter().collect();
                let _ = parse_string(&s);
            }
        }
    }
}
