//! Java's textual forms and parsing of values, shared by every crate that must print or
//! read numbers and dates the way Kafka (a JVM) does: `Double.toString`,
//! `Float.toString`, `BigDecimal.toString`, `Double.parseDouble` / `Float.parseFloat`,
//! `String.trim`, the ISO date formats of `Values` and the Connect value classes' names.
//! Kafka's converters and transformations write these strings, so ours must produce the
//! same characters.

use crate::data::logical;
use crate::{SchemaType, Value};
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};

pub const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

/// Kafka's `Schema.Type` enum constant name (`FLOAT64`, not the wire name `double`).
pub fn type_name(t: SchemaType) -> &'static str {
    match t {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}

/// What `value.getClass()` prints in Kafka's error messages, e.g. `class java.lang.String`.
pub fn class_of(value: &Value) -> String {
    format!("class {}", value.kind_name())
}

/// Splits Rust's shortest round-trip scientific form (`1.25e-7`) into its digits and
/// decimal exponent: the value is `d1.d2d3... × 10^exp`.
fn split_sci(s: &str) -> (String, i32) {
    let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_string(), exp.parse().unwrap_or(0))
}

/// Java's layout of a finite non-zero floating point number given its digits
/// (JDK 19+ `Double.toString` / `Float.toString`).
fn java_layout(negative: bool, digits: &str, exp: i32) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if (-3..7).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&exp.to_string());
    }
    out
}

/// Java's `Double.toString` (JDK 19+ semantics: the shortest decimal that rounds to the
/// value, preferring a closer two-digit decimal over a one-digit one).
pub fn double_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let a = v.abs();
    let (mut digits, mut exp) = split_sci(&format!("{a:e}"));
    if digits.len() == 1 {
        let two = format!("{a:.1e}");
        if two.parse::<f64>().ok() == Some(a) {
            (digits, exp) = split_sci(&two);
        }
    }
    java_layout(v < 0.0, &digits, exp)
}

/// Java's `Float.toString` (JDK 19+ semantics), see [`double_to_string`].
pub fn float_to_string(v: f32) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let a = v.abs();
    let (mut digits, mut exp) = split_sci(&format!("{a:e}"));
    if digits.len() == 1 {
        let two = format!("{a:.1e}");
        if two.parse::<f32>().ok() == Some(a) {
            (digits, exp) = split_sci(&two);
        }
    }
    java_layout(v < 0.0, &digits, exp)
}

/// Java's `BigDecimal.toString()`: plain notation when the scale is non-negative and the
/// adjusted exponent is at least -6, scientific (`1.23E+5`, `1E-7`) otherwise.
pub fn bigdecimal_to_string(d: &BigDecimal) -> String {
    let (unscaled, scale) = d.as_bigint_and_exponent();
    let coeff = unscaled.magnitude().to_string();
    let len = coeff.len() as i64;
    let adjusted = -scale + (len - 1);
    let mut out = String::new();
    if unscaled.sign() == Sign::Minus {
        out.push('-');
    }
    if scale >= 0 && adjusted >= -6 {
        if scale == 0 {
            out.push_str(&coeff);
        } else if len > scale {
            let point = (len - scale) as usize;
            out.push_str(&coeff[..point]);
            out.push('.');
            out.push_str(&coeff[point..]);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (scale - len) as usize));
            out.push_str(&coeff);
        }
    } else {
        out.push_str(&coeff[..1]);
        if len > 1 {
            out.push('.');
            out.push_str(&coeff[1..]);
        }
        if adjusted != 0 {
            out.push('E');
            if adjusted > 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
    }
    out
}

/// Java's `BigDecimal.longValue()`: the low 64 bits of the integer part (the fraction
/// discarded).
pub fn bigdecimal_long_value(d: &BigDecimal) -> i64 {
    let (unscaled, scale) = d.as_bigint_and_exponent();
    JavaDecimal {
        negative: unscaled.sign() == Sign::Minus,
        digits: unscaled
            .magnitude()
            .to_string()
            .trim_start_matches('0')
            .to_string(),
        scale,
    }
    .low64()
}

/// Java's `Number.longValue()` of a numeric value: integers widened, floats cast as
/// `(long)` does, decimals as [`bigdecimal_long_value`]; None for other values.
pub fn long_value(value: &Value) -> Option<i64> {
    Some(match value {
        Value::Int8(v) => i64::from(*v),
        Value::Int16(v) => i64::from(*v),
        Value::Int32(v) => i64::from(*v),
        Value::Int64(v) => *v,
        Value::Float32(v) => *v as i64,
        Value::Float64(v) => *v as i64,
        Value::Decimal(d) => bigdecimal_long_value(d),
        _ => return None,
    })
}

/// Java's `BigDecimal.doubleValue()`: the correctly rounded double.
pub fn bigdecimal_double_value(d: &BigDecimal) -> f64 {
    let (unscaled, scale) = d.as_bigint_and_exponent();
    // unscaled * 10^-scale, parsed by Rust's correctly rounding parser.
    format!("{unscaled}e{}", -scale).parse().unwrap_or(0.0)
}

/// Java's `BigDecimal.floatValue()`: the correctly rounded float.
pub fn bigdecimal_float_value(d: &BigDecimal) -> f32 {
    let (unscaled, scale) = d.as_bigint_and_exponent();
    format!("{unscaled}e{}", -scale).parse().unwrap_or(0.0)
}

/// An exact decimal number as Java's `BigDecimal` holds it (also what Jackson keeps of a
/// JSON number): the value is `±digits × 10^-scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaDecimal {
    pub negative: bool,
    /// All significant digits (integer and fraction part), leading zeros stripped; empty
    /// for zero.
    pub digits: String,
    /// Java `BigDecimal` scale.
    pub scale: i64,
}

impl JavaDecimal {
    /// Java's `new BigDecimal(String)`: optional sign, digits with an optional point, an
    /// optional exponent; no white space, `NaN` or `Infinity`. None where Java throws a
    /// `NumberFormatException`.
    pub fn parse(s: &str) -> Option<JavaDecimal> {
        let b = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(c @ (b'+' | b'-')) = b.first() {
            negative = *c == b'-';
            i = 1;
        }
        let mut digits = String::new();
        let mut frac_len: i64 = 0;
        let mut seen_digit = false;
        let mut seen_point = false;
        while i < b.len() {
            match b[i] {
                c @ b'0'..=b'9' => {
                    digits.push(char::from(c));
                    seen_digit = true;
                    if seen_point {
                        frac_len += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            i += 1;
        }
        if !seen_digit {
            return None;
        }
        let mut exp: i64 = 0;
        if i < b.len() {
            if b[i] != b'e' && b[i] != b'E' {
                return None;
            }
            let text = &s[i + 1..];
            let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
            if unsigned.is_empty() || !unsigned.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            exp = text.parse::<i32>().ok()?.into();
        }
        let scale = frac_len - exp;
        i32::try_from(scale).ok()?;
        Some(JavaDecimal {
            negative,
            digits: digits.trim_start_matches('0').to_string(),
            scale,
        })
    }

    /// The value if it is an integer that fits in a long (`parseAsExactDecimal`).
    pub fn exact_long(&self) -> Option<i64> {
        if self.digits.is_empty() {
            return Some(0);
        }
        let integer_digits = if self.scale <= 0 {
            let zeros = usize::try_from(-self.scale).ok()?;
            if self.digits.len() + zeros > 19 {
                return None;
            }
            format!("{}{}", self.digits, "0".repeat(zeros))
        } else {
            let scale = usize::try_from(self.scale).ok()?;
            let trailing = self.digits.len() - self.digits.trim_end_matches('0').len();
            if trailing < scale {
                return None;
            }
            self.digits[..self.digits.len() - scale].to_string()
        };
        if integer_digits.len() > 19 {
            return None;
        }
        let magnitude: i128 = if integer_digits.is_empty() {
            0
        } else {
            integer_digits.parse().ok()?
        };
        let v = if self.negative { -magnitude } else { magnitude };
        i64::try_from(v).ok()
    }

    /// The low 64 bits of the integer part (Java's `longValue()` of a `BigDecimal`,
    /// `BigInteger` or `long`).
    pub fn low64(&self) -> i64 {
        let len = self.digits.len() as i64;
        let (kept, zeros) = if self.scale <= 0 {
            (len, (-self.scale).min(64))
        } else {
            ((len - self.scale).max(0), 0)
        };
        let mut v: u64 = 0;
        for c in self.digits.bytes().take(kept as usize) {
            v = v.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
        }
        for _ in 0..zeros {
            v = v.wrapping_mul(10);
        }
        if self.negative {
            (v as i64).wrapping_neg()
        } else {
            v as i64
        }
    }

    fn float_text(&self) -> String {
        format!(
            "{}{}e{}",
            if self.negative { "-" } else { "" },
            if self.digits.is_empty() {
                "0"
            } else {
                &self.digits
            },
            -self.scale
        )
    }

    /// `doubleValue()`: the correctly rounded double (a zero value is always `+0.0`, as a
    /// `BigDecimal` zero has no sign).
    pub fn to_f64(&self) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        self.float_text().parse().unwrap_or(0.0)
    }

    /// `floatValue()`, see [`JavaDecimal::to_f64`].
    pub fn to_f32(&self) -> f32 {
        if self.digits.is_empty() {
            return 0.0;
        }
        self.float_text().parse().unwrap_or(0.0)
    }

    /// The exact `BigDecimal`, with this scale.
    pub fn to_decimal(&self) -> BigDecimal {
        let unscaled = if self.digits.is_empty() {
            BigInt::from(0)
        } else {
            self.digits.parse::<BigInt>().unwrap_or_default()
        };
        BigDecimal::new(if self.negative { -unscaled } else { unscaled }, self.scale)
    }
}

/// Java's `String.trim()`: strips every char <= U+0020 from both ends (not Unicode
/// whitespace).
pub fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= '\u{20}')
}

/// The body of a Java floating point literal (`Float.parseFloat` / `Double.parseDouble`)
/// ready for Rust's parser: trimmed as Java does (see [`trim`]), with its `f`/`d` suffix
/// removed, and checked to be a decimal literal Java accepts (optional sign, `NaN`,
/// `Infinity`, or digits with optional fraction and exponent). `NaN` and `Infinity` are
/// returned as Rust spells them. Hexadecimal floating literals are not supported.
fn float_literal(s: &str) -> Option<String> {
    let s = trim(s);
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => ("", &s[1..]),
        Some(b'-') => ("-", &s[1..]),
        _ => ("", s),
    };
    match rest {
        "NaN" => return Some("NaN".to_string()),
        "Infinity" => return Some(format!("{sign}inf")),
        _ => {}
    }
    let body = rest.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(rest);
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    Some(format!("{sign}{body}"))
}

/// Java's `Double.parseDouble` (decimal literals, `NaN`, `Infinity`; surrounding
/// characters <= U+0020 ignored); None where Java throws a `NumberFormatException`.
pub fn parse_double(s: &str) -> Option<f64> {
    float_literal(s)?.parse().ok()
}

/// Java's `Float.parseFloat`, see [`parse_double`].
pub fn parse_float(s: &str) -> Option<f32> {
    float_literal(s)?.parse().ok()
}

/// Milliseconds since the epoch of a logical temporal value, as the `java.util.Date`
/// Kafka would hold for it.
pub fn temporal_millis(value: &Value) -> Option<i64> {
    match value {
        Value::Date(d) => Some(i64::from(logical::date_to_days(d)) * MILLIS_PER_DAY),
        Value::Time(t) => Some(i64::from(logical::time_to_millis(t))),
        Value::Timestamp(ts) => Some(logical::timestamp_to_millis(ts)),
        _ => None,
    }
}

fn datetime_of_millis(millis: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(millis)
}

/// `SimpleDateFormat` with `HH:mm:ss.SSS'Z'` in UTC.
pub fn format_iso_time(millis: i64) -> String {
    let ms = millis.rem_euclid(MILLIS_PER_DAY);
    format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// `SimpleDateFormat` with `yyyy-MM-dd` in UTC.
pub fn format_iso_date(millis: i64) -> String {
    match datetime_of_millis(millis) {
        Some(dt) => format!("{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day()),
        None => millis.to_string(),
    }
}

/// Builds a `NaiveDate` from possibly out-of-range (lenient) year/month/day fields, as a
/// lenient `GregorianCalendar` would (month 13 rolls into the next year, day 0 is the
/// last day of the previous month).
pub fn lenient_date(year: i64, month: i64, day: i64) -> Option<NaiveDate> {
    let m0 = month.checked_sub(1)?;
    let year = year.checked_add(m0.div_euclid(12))?;
    let month = m0.rem_euclid(12) + 1;
    let first = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month as u32, 1)?;
    first.checked_add_signed(chrono::Duration::try_days(day.checked_sub(1)?)?)
}

/// Milliseconds since the epoch at midnight of `date`.
pub fn date_millis(date: &NaiveDate) -> i64 {
    i64::from(logical::date_to_days(date)) * MILLIS_PER_DAY
}

pub fn time_of_millis(millis: i64) -> Option<NaiveTime> {
    if !(0..MILLIS_PER_DAY).contains(&millis) {
        return None;
    }
    logical::time_from_millis(millis as i32).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn doubles_print_like_java() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (12.34, "12.34"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1.0e-5, "1.0E-5"),
            (1234567.0, "1234567.0"),
            (9999999.0, "9999999.0"),
            (1.0e7, "1.0E7"),
            (1.0e10, "1.0E10"),
            (12345678.9, "1.23456789E7"),
            (1.0e23, "1.0E23"),
            (2.0e-3, "0.002"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (4.9e-324, "4.9E-324"),
            (1.0 / 3.0, "0.3333333333333333"),
            (123456.789, "123456.789"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-1.5e-10, "-1.5E-10"),
            (4398046511104.0, "4.398046511104E12"),
            (-1.5, "-1.5"),
            (0.5, "0.5"),
            (-2.5, "-2.5"),
            (123.456, "123.456"),
            (1.2345e-5, "1.2345E-5"),
            (1.25e-5, "1.25E-5"),
            (1.5e10, "1.5E10"),
            (-2.5e20, "-2.5E20"),
            (0.1 + 0.2, "0.30000000000000004"),
        ];
        for (v, expected) in cases {
            assert_eq!(double_to_string(*v), *expected, "{v:e}");
        }
    }

    #[test]
    fn floats_print_like_java() {
        let cases: &[(f32, &str)] = &[
            (12.34, "12.34"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.0e10, "1.0E10"),
            (f32::MAX, "3.4028235E38"),
            (f32::MIN_POSITIVE, "1.1754944E-38"),
            (1.4e-45, "1.4E-45"),
            (3.0e-3, "0.003"),
            (1.0e-4, "1.0E-4"),
            (-2.5, "-2.5"),
            (16777216.0, "1.6777216E7"),
            (1.0e-5, "1.0E-5"),
        ];
        for (v, expected) in cases {
            assert_eq!(float_to_string(*v), *expected, "{v:e}");
        }
    }

    #[test]
    fn bigdecimals_print_like_java() {
        let cases = [
            ("1.56", "1.56"),
            ("1.5600", "1.5600"),
            ("-1.00", "-1.00"),
            ("0", "0"),
            ("0.00", "0.00"),
            ("123", "123"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            ("0.00000012", "1.2E-7"),
            ("1E+3", "1E+3"),
            ("1.23E+5", "1.23E+5"),
            ("-12.5E+10", "-1.25E+11"),
            ("1.50", "1.50"),
            ("-0.5", "-0.5"),
        ];
        for (input, expected) in cases {
            let d = BigDecimal::from_str(input).unwrap();
            assert_eq!(bigdecimal_to_string(&d), expected, "{input}");
        }
        let zero_neg_scale = BigDecimal::new(0.into(), -2);
        assert_eq!(bigdecimal_to_string(&zero_neg_scale), "0E+2");
        assert_eq!(
            bigdecimal_to_string(&BigDecimal::new(15.into(), -9)),
            "1.5E+10"
        );
        assert_eq!(bigdecimal_to_string(&BigDecimal::new(1.into(), -1)), "1E+1");
    }

    #[test]
    fn trim_strips_control_chars_only() {
        assert_eq!(trim("\u{1}\t a \n\u{0}"), "a");
        assert_eq!(trim("\u{a0}a\u{a0}"), "\u{a0}a\u{a0}");
        assert_eq!(trim("  "), "");
    }

    #[test]
    fn parses_doubles_and_floats_like_java() {
        assert_eq!(parse_double("5"), Some(5.0));
        assert_eq!(parse_double("+1.5e3"), Some(1500.0));
        assert_eq!(parse_double("-.5"), Some(-0.5));
        assert_eq!(parse_double("5."), Some(5.0));
        assert_eq!(parse_double("1.5d"), Some(1.5));
        assert_eq!(parse_double("2F"), Some(2.0));
        assert_eq!(parse_double("1e3"), Some(1000.0));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double("+Infinity"), Some(f64::INFINITY));
        assert!(parse_double("NaN").unwrap().is_nan());
        assert_eq!(parse_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_double("2d"), Some(2.0));
        assert_eq!(parse_float(".5f"), Some(0.5));
        assert_eq!(parse_float("\t-2.5F\n"), Some(-2.5));
        for bad in [
            "inf", "nan", "infinity", "1e", "e5", ".", "1.5dd", "1_000", "0x1p3", "1,5", "abc",
            "1 5", "", " ",
        ] {
            assert_eq!(parse_double(bad), None, "{bad} should not parse");
            assert_eq!(parse_float(bad), None, "{bad} should not parse");
        }
    }

    #[test]
    fn iso_formats() {
        assert_eq!(format_iso_time(52_494_346), "14:34:54.346Z");
        assert_eq!(format_iso_time(-1), "23:59:59.999Z");
        assert_eq!(format_iso_date(18_131 * MILLIS_PER_DAY), "2019-08-23");
        assert_eq!(
            lenient_date(2019, 13, 1),
            NaiveDate::from_ymd_opt(2020, 1, 1)
        );
        assert_eq!(
            lenient_date(2019, 3, 0),
            NaiveDate::from_ymd_opt(2019, 2, 28)
        );
    }
}
