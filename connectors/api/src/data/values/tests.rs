//! Cases from Kafka's `ValuesTest` (those not about `SimpleHeaderConverter`, whose
//! round trips are tested in the converters crate) and from `InsertHeaderTest`'s
//! `value.literal` parsing.

use chrono::{NaiveDate, NaiveTime};

use super::*;
use crate::data::Struct;

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

// ---- InsertHeader value.literal cases ----------------------------------------------------

/// What `InsertHeader` makes of a `value.literal`: the parsed schema type and value, or
/// the literal as a string where `parseString` throws.
fn literal_parse(s: &str) -> (Option<SchemaRef>, Value) {
    match parse_string(s) {
        Ok(Some(sv)) => (sv.schema, sv.value),
        Ok(None) => (None, Value::Null),
        Err(_) => (Some(Schema::string()), Value::from(s)),
    }
}

fn literal(s: &str) -> (Option<SchemaType>, Value) {
    let (schema, value) = literal_parse(s);
    (schema.map(|s| s.schema_type), value)
}

fn string(s: &str) -> (Option<SchemaType>, Value) {
    (Some(SchemaType::String), Value::from(s))
}

#[test]
fn parses_scalars_like_values_literal_parse() {
    assert_eq!(literal(""), string(""));
    assert_eq!(literal("null"), (None, Value::Null));
    assert_eq!(
        literal("true"),
        (Some(SchemaType::Boolean), Value::Boolean(true))
    );
    assert_eq!(
        literal("false"),
        (Some(SchemaType::Boolean), Value::Boolean(false))
    );
    assert_eq!(literal("true}"), string("true}"));
    assert_eq!(literal("false]"), string("false]"));
    assert_eq!(literal("null="), string("null="));
    assert_eq!(literal("simple string"), string("simple string"));
    assert_eq!(literal("si\\:mple"), string("si\\:mple"));
    assert_eq!(literal("1"), (Some(SchemaType::Int8), Value::Int8(1)));
    assert_eq!(literal("-128"), (Some(SchemaType::Int8), Value::Int8(-128)));
    assert_eq!(literal("1.0"), (Some(SchemaType::Int8), Value::Int8(1)));
    assert_eq!(literal("300"), (Some(SchemaType::Int16), Value::Int16(300)));
    assert_eq!(
        literal("70000"),
        (Some(SchemaType::Int32), Value::Int32(70_000))
    );
    assert_eq!(
        literal("1e3"),
        (Some(SchemaType::Int16), Value::Int16(1000))
    );
    assert_eq!(
        literal("9223372036854775807"),
        (Some(SchemaType::Int64), Value::Int64(i64::MAX))
    );
    assert_eq!(
        literal("1.5"),
        (Some(SchemaType::Float32), Value::Float32(1.5))
    );
    assert_eq!(
        literal("-0.25"),
        (Some(SchemaType::Float32), Value::Float32(-0.25))
    );
    assert_eq!(
        literal("1e-50"),
        (Some(SchemaType::Float32), Value::Float32(0.0))
    );
    assert_eq!(
        literal("1.5e300"),
        (Some(SchemaType::Float64), Value::Float64(1.5e300))
    );
    assert_eq!(literal("12abc"), string("12abc"));
    assert_eq!(literal("-"), string("-"));
}

#[test]
fn parses_big_integers_as_decimals() {
    let (schema, value) = literal_parse("99999999999999999999");
    let schema = schema.unwrap();
    assert_eq!(schema.name.as_deref(), Some(logical::DECIMAL_NAME));
    assert_eq!(schema.parameter("scale"), Some("0"));
    assert_eq!(value.to_string(), "99999999999999999999");
    let (_, value) = literal_parse("-99999999999999999999");
    assert_eq!(value.to_string(), "-99999999999999999999");
}

#[test]
fn parses_temporal_literals_in_utc() {
    let (schema, value) = literal_parse("2019-07-04");
    assert_eq!(schema.unwrap().name.as_deref(), Some(logical::DATE_NAME));
    assert_eq!(
        value,
        Value::Date(chrono::NaiveDate::from_ymd_opt(2019, 7, 4).unwrap())
    );
    let (schema, value) = literal_parse("12:34:56.789Z");
    assert_eq!(schema.unwrap().name.as_deref(), Some(logical::TIME_NAME));
    assert_eq!(
        value,
        Value::Time(chrono::NaiveTime::from_hms_milli_opt(12, 34, 56, 789).unwrap())
    );
    let (schema, value) = literal_parse("2019-07-04T12:34:56.789Z");
    assert_eq!(
        schema.unwrap().name.as_deref(),
        Some(logical::TIMESTAMP_NAME)
    );
    assert_eq!(
        value,
        Value::Timestamp(logical::timestamp_from_millis(1_562_243_696_789).unwrap())
    );
    // Escaped colons, and a ten-digit number that is not a date.
    let (schema, _) = literal_parse("12\\:34\\:56.789Z");
    assert_eq!(schema.unwrap().name.as_deref(), Some(logical::TIME_NAME));
    assert_eq!(
        literal("1234567890"),
        (Some(SchemaType::Int32), Value::Int32(1_234_567_890))
    );
}

#[test]
fn parses_arrays_and_maps() {
    let (schema, value) = literal_parse("[true, false]");
    let schema = schema.unwrap();
    assert_eq!(schema.schema_type, SchemaType::Array);
    assert_eq!(
        schema.value_schema.as_ref().unwrap().schema_type,
        SchemaType::Boolean
    );
    assert_eq!(
        value,
        Value::Array(vec![Value::Boolean(true), Value::Boolean(false)])
    );

    // Numbers widen to a common type.
    let (schema, value) = literal_parse("[1, 300, 2]");
    assert_eq!(
        schema.unwrap().value_schema.as_ref().unwrap().schema_type,
        SchemaType::Int16
    );
    assert_eq!(
        value,
        Value::Array(vec![Value::Int16(1), Value::Int16(300), Value::Int16(2)])
    );
    let (schema, value) = literal_parse("[1, 2.5]");
    assert_eq!(
        schema.unwrap().value_schema.as_ref().unwrap().schema_type,
        SchemaType::Float32
    );
    assert_eq!(
        value,
        Value::Array(vec![Value::Float32(1.0), Value::Float32(2.5)])
    );

    // Mixed types: no element schema.
    let (schema, value) = literal_parse("[1, \"a\"]");
    assert_eq!(schema.unwrap().value_schema, None);
    assert_eq!(value, Value::Array(vec![Value::Int8(1), Value::from("a")]));

    let (schema, value) = literal_parse("{\"a\": 1, \"b\": 2}");
    let schema = schema.unwrap();
    assert_eq!(
        schema.key_schema.as_ref().unwrap().schema_type,
        SchemaType::String
    );
    assert_eq!(
        schema.value_schema.as_ref().unwrap().schema_type,
        SchemaType::Int8
    );
    assert_eq!(
        value,
        Value::Map(vec![
            (Value::from("a"), Value::Int8(1)),
            (Value::from("b"), Value::Int8(2))
        ])
    );
    let (schema, value) = literal_parse("{true: false, false: true}");
    assert_eq!(
        schema.unwrap().key_schema.as_ref().unwrap().schema_type,
        SchemaType::Boolean
    );
    assert_eq!(
        value,
        Value::Map(vec![
            (Value::Boolean(true), Value::Boolean(false)),
            (Value::Boolean(false), Value::Boolean(true))
        ])
    );
    let (schema, value) = literal_parse("{3: null}");
    let schema = schema.unwrap();
    assert_eq!(
        schema.key_schema.as_ref().unwrap().schema_type,
        SchemaType::Int8
    );
    assert_eq!(schema.value_schema, None);
    assert_eq!(value, Value::Map(vec![(Value::Int8(3), Value::Null)]));

    let (schema, value) = literal_parse("[null]");
    assert_eq!(schema.unwrap().value_schema, None);
    assert_eq!(value, Value::Array(vec![Value::Null]));
    assert_eq!(literal_parse("[]").1, Value::Array(vec![]));
    assert_eq!(literal_parse("{}").1, Value::Map(vec![]));
    assert_eq!(
        literal_parse("[[]]").1,
        Value::Array(vec![Value::Array(vec![])])
    );
    assert_eq!(
        literal_parse("{\"a\":[]}").1,
        Value::Map(vec![(Value::from("a"), Value::Array(vec![]))])
    );
}

#[test]
fn malformed_arrays_and_maps_are_strings() {
    for s in [
        "{foo: 3}",
        "{3: foo}",
        "[foo]",
        "{6:9 4:20}",
        "[0 1 2]",
        "{null: 3}",
        "[1, 2, 3,,,]",
        "[1, 2",
        "{\"a\": 1",
        "[,1]",
        "[1, null]",
    ] {
        assert_eq!(literal(s), string(s), "{s}");
    }
    // As in Kafka, a trailing comma is accepted.
    assert_eq!(literal_parse("[1,]").1, Value::Array(vec![Value::Int8(1)]));
}
