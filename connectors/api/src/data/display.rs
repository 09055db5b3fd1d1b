//! `Display` for [`Value`] and [`Struct`], mimicking what Java's `String.valueOf(value)`
//! prints for the object Kafka Connect would hand a connector. This is what a Kafka
//! connector such as the FileStream sink writes, so output stays byte-compatible with
//! Kafka wherever Java's output is deterministic:
//!
//! | value                | printed as                                     | Java source                 |
//! |----------------------|------------------------------------------------|-----------------------------|
//! | null                 | `null`                                         | `String.valueOf(null)`      |
//! | Int8..Int64          | decimal, `-5`                                  | `Byte/Short/Integer/Long`   |
//! | Float32 / Float64    | `1.0`, `0.001`, `1.0E10`, `1.0E-4`, `NaN`, `-Infinity` | `Float/Double.toString` |
//! | Boolean              | `true` / `false`                               | `Boolean.toString`          |
//! | String               | as is, unquoted                                | `String.toString`           |
//! | Array                | `[a, b]`                                       | `AbstractCollection.toString` |
//! | Map                  | `{k=v, k2=v2}`                                 | `AbstractMap.toString`      |
//! | Struct               | `Struct{name=ann,age=7}`, unset (null) fields omitted, no defaults | `Struct.toString` |
//! | Decimal              | `BigDecimal.toString`: `1.50`, `1.5E+10`, `1E-7` | `BigDecimal.toString`     |
//! | Date, Time, Timestamp| `Thu Jan 01 00:00:00 UTC 1970`                 | `java.util.Date.toString` with a UTC JVM zone |
//! | Bytes                | standard padded base64, `AQID`                 | (deviation, see below)      |
//!
//! Deviations from Java, where Java's output is not useful or not deterministic:
//! * Bytes: Java prints `[B@1b6d3586` (type and identity hash), which carries no data;
//!   we print the standard base64 encoding (with padding), which is also how Kafka's
//!   JsonConverter represents bytes.
//! * Map: a Java `HashMap` prints in hash order; we print in the value's entry order.
//! * Dates print in UTC, as a JVM whose default time zone is UTC would.
//! * Floats: digits are what JDK 19+ prints (the shortest that round-trip; older JDKs
//!   occasionally printed one more digit).

use std::fmt::{self, Display, Formatter, Write as _};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::{Struct, Value};
use crate::java;

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Int8(v) => write!(f, "{v}"),
            Value::Int16(v) => write!(f, "{v}"),
            Value::Int32(v) => write!(f, "{v}"),
            Value::Int64(v) => write!(f, "{v}"),
            Value::Float32(v) => f.write_str(&java::float_to_string(*v)),
            Value::Float64(v) => f.write_str(&java::double_to_string(*v)),
            Value::Boolean(v) => write!(f, "{v}"),
            Value::String(s) => f.write_str(s),
            Value::Bytes(b) => f.write_str(&base64(b)),
            Value::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    Display::fmt(item, f)?;
                }
                f.write_char(']')
            }
            Value::Map(entries) => {
                f.write_char('{')?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}={v}")?;
                }
                f.write_char('}')
            }
            Value::Struct(s) => Display::fmt(s, f),
            Value::Decimal(d) => f.write_str(&java::bigdecimal_to_string(d)),
            Value::Date(d) => f.write_str(&java_date(d.and_time(NaiveTime::MIN).and_utc())),
            Value::Time(t) => {
                let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
                f.write_str(&java_date(epoch.and_time(*t).and_utc()))
            }
            Value::Timestamp(ts) => f.write_str(&java_date(*ts)),
        }
    }
}

/// Kafka's `Struct.toString`: `Struct{a=1,b=x}`; fields whose value is unset (null) are
/// left out, and field defaults are not substituted.
impl Display for Struct {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("Struct{")?;
        let mut first = true;
        for (field, value) in self.schema().fields.iter().zip(self.values()) {
            if value.is_null() {
                continue;
            }
            if !first {
                f.write_char(',')?;
            }
            first = false;
            write!(f, "{}={}", field.name, value)?;
        }
        f.write_char('}')
    }
}

/// `java.util.Date.toString` in UTC: `EEE MMM dd HH:mm:ss zzz yyyy`.
fn java_date(ts: DateTime<Utc>) -> String {
    ts.format("%a %b %d %H:%M:%S UTC %Y").to_string()
}

/// Standard base64 with padding (RFC 4648 §4).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use bigdecimal::BigDecimal;

    use super::*;
    use crate::data::{Schema, SchemaBuilder, SchemaType};

    #[test]
    fn primitives_print_like_java() {
        assert_eq!(Value::Null.to_string(), "null");
        assert_eq!(Value::Int8(-5).to_string(), "-5");
        assert_eq!(Value::Int16(300).to_string(), "300");
        assert_eq!(Value::Int32(42).to_string(), "42");
        assert_eq!(Value::Int64(-9_000_000_000).to_string(), "-9000000000");
        assert_eq!(Value::Boolean(true).to_string(), "true");
        assert_eq!(Value::Boolean(false).to_string(), "false");
        assert_eq!(
            Value::from("a \"quoted\" line").to_string(),
            "a \"quoted\" line"
        );
    }

    #[test]
    fn doubles_print_like_double_to_string() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (-1.5, "-1.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (123.456, "123.456"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1234567.0, "1234567.0"),
            (9999999.0, "9999999.0"),
            (1e7, "1.0E7"),
            (1e10, "1.0E10"),
            (1.2345e-5, "1.2345E-5"),
            (-2.5e20, "-2.5E20"),
            (0.1, "0.1"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(Value::Float64(*v).to_string(), *want, "{v:?}");
        }
    }

    #[test]
    fn floats_print_like_float_to_string() {
        assert_eq!(Value::Float32(0.1).to_string(), "0.1");
        assert_eq!(Value::Float32(1.0).to_string(), "1.0");
        assert_eq!(Value::Float32(3.4028235e38).to_string(), "3.4028235E38");
        assert_eq!(Value::Float32(1e-5).to_string(), "1.0E-5");
        // JDK 19+ prefers a closer two-digit decimal over the shortest one-digit one.
        assert_eq!(Value::Float32(1.4e-45).to_string(), "1.4E-45");
        assert_eq!(Value::Float64(4.9e-324).to_string(), "4.9E-324");
    }

    #[test]
    fn decimals_print_like_big_decimal_to_string() {
        let cases = [
            ("1.50", "1.50"),
            ("-0.5", "-0.5"),
            ("123", "123"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            ("0.00000012", "1.2E-7"),
        ];
        for (input, want) in cases {
            let d = BigDecimal::from_str(input).unwrap();
            assert_eq!(Value::Decimal(d).to_string(), want, "{input}");
        }
        // Negative scale: 15 x 10^9.
        let d = BigDecimal::new(15.into(), -9);
        assert_eq!(Value::Decimal(d).to_string(), "1.5E+10");
        let d = BigDecimal::new(1.into(), -1);
        assert_eq!(Value::Decimal(d).to_string(), "1E+1");
    }

    #[test]
    fn dates_print_like_java_util_date_in_utc() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        assert_eq!(
            Value::Date(date).to_string(),
            "Tue Mar 05 00:00:00 UTC 2024"
        );
        let time = NaiveTime::from_hms_milli_opt(13, 4, 5, 678).unwrap();
        assert_eq!(
            Value::Time(time).to_string(),
            "Thu Jan 01 13:04:05 UTC 1970"
        );
        let ts = DateTime::from_timestamp_millis(0).unwrap();
        assert_eq!(
            Value::Timestamp(ts).to_string(),
            "Thu Jan 01 00:00:00 UTC 1970"
        );
    }

    #[test]
    fn bytes_print_as_base64() {
        assert_eq!(Value::Bytes(vec![]).to_string(), "");
        assert_eq!(Value::Bytes(b"f".to_vec()).to_string(), "Zg==");
        assert_eq!(Value::Bytes(b"fo".to_vec()).to_string(), "Zm8=");
        assert_eq!(Value::Bytes(b"foo".to_vec()).to_string(), "Zm9v");
        assert_eq!(Value::Bytes(b"foobar".to_vec()).to_string(), "Zm9vYmFy");
        assert_eq!(Value::Bytes(vec![0xff, 0xfe, 0x00]).to_string(), "//4A");
    }

    #[test]
    fn collections_print_like_java_collections() {
        let array = Value::Array(vec!["a".into(), Value::Null, 3.into()]);
        assert_eq!(array.to_string(), "[a, null, 3]");
        assert_eq!(Value::Array(vec![]).to_string(), "[]");
        let map = Value::Map(vec![
            ("k".into(), "v".into()),
            ("k2".into(), Value::Array(vec![1.into(), 2.into()])),
        ]);
        assert_eq!(map.to_string(), "{k=v, k2=[1, 2]}");
        assert_eq!(Value::Map(vec![]).to_string(), "{}");
    }

    #[test]
    fn structs_print_like_struct_to_string() {
        let inner = SchemaBuilder::struct_()
            .field("x", Schema::int32())
            .optional()
            .build();
        let schema = SchemaBuilder::struct_()
            .name("person")
            .field("name", Schema::string())
            .field("age", Schema::optional_int32())
            .field("nick", Schema::optional_string())
            .field(
                "score",
                SchemaBuilder::new(SchemaType::Float64)
                    .optional()
                    .default_value(Value::Float64(1.0))
                    .build(),
            )
            .field("inner", inner.clone())
            .build();
        let s = Struct::new(schema.clone())
            .unwrap()
            .with("name", "ann")
            .unwrap()
            .with("age", 7)
            .unwrap();
        // Unset fields are omitted even when they have a default (Kafka prints raw values).
        assert_eq!(
            Value::Struct(s.clone()).to_string(),
            "Struct{name=ann,age=7}"
        );

        let inner_value = Struct::new(inner).unwrap().with("x", 1).unwrap();
        let s = s.with("inner", inner_value).unwrap();
        assert_eq!(s.to_string(), "Struct{name=ann,age=7,inner=Struct{x=1}}");
        assert_eq!(Struct::new(schema).unwrap().to_string(), "Struct{}");
    }
}
