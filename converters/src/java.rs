//! Java's textual forms of values: `Double.toString`, `Float.toString`,
//! `BigDecimal.toString`, `java.util.Date.toString` and `Object.toString` of the Connect
//! value classes. Kafka's converters write these strings, so ours must produce the same
//! characters.

use bigdecimal::num_bigint::Sign;
use bigdecimal::BigDecimal;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use connect_api::data::logical;
use connect_api::{SchemaType, Value};

pub(crate) const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

/// Kafka's `Schema.Type` enum constant name (`FLOAT64`, not the wire name `double`).
pub(crate) fn type_name(t: SchemaType) -> &'static str {
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
pub(crate) fn class_of(value: &Value) -> String {
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
pub(crate) fn double_to_string(v: f64) -> String {
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
pub(crate) fn float_to_string(v: f32) -> String {
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
pub(crate) fn bigdecimal_to_string(d: &BigDecimal) -> String {
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

/// Milliseconds since the epoch of a logical temporal value, as the `java.util.Date`
/// Kafka would hold for it.
pub(crate) fn temporal_millis(value: &Value) -> Option<i64> {
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
pub(crate) fn format_iso_time(millis: i64) -> String {
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
pub(crate) fn format_iso_date(millis: i64) -> String {
    match datetime_of_millis(millis) {
        Some(dt) => format!("{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day()),
        None => millis.to_string(),
    }
}

/// Builds a `NaiveDate` from possibly out-of-range (lenient) year/month/day fields, as a
/// lenient `GregorianCalendar` would (month 13 rolls into the next year, day 0 is the
/// last day of the previous month).
pub(crate) fn lenient_date(year: i64, month: i64, day: i64) -> Option<NaiveDate> {
    let m0 = month.checked_sub(1)?;
    let year = year.checked_add(m0.div_euclid(12))?;
    let month = m0.rem_euclid(12) + 1;
    let first = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month as u32, 1)?;
    first.checked_add_signed(chrono::Duration::try_days(day.checked_sub(1)?)?)
}

/// Milliseconds since the epoch at midnight of `date`.
pub(crate) fn date_millis(date: &NaiveDate) -> i64 {
    i64::from(logical::date_to_days(date)) * MILLIS_PER_DAY
}

pub(crate) fn time_of_millis(millis: i64) -> Option<NaiveTime> {
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
        ];
        for (input, expected) in cases {
            let d = BigDecimal::from_str(input).unwrap();
            assert_eq!(bigdecimal_to_string(&d), expected, "{input}");
        }
        let zero_neg_scale = BigDecimal::new(0.into(), -2);
        assert_eq!(bigdecimal_to_string(&zero_neg_scale), "0E+2");
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
