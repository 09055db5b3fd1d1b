//! Connect's logical types: a named schema over a physical type, as Kafka's `Decimal`,
//! `Date`, `Time` and `Timestamp` classes. Conversions here are what converters use to
//! move between the logical value and its physical encoding.

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use num_bigint::BigInt;

use super::{Schema, SchemaBuilder, SchemaType, Value};
use crate::error::DataError;

pub const DECIMAL_NAME: &str = "org.apache.kafka.connect.data.Decimal";
pub const DECIMAL_SCALE_FIELD: &str = "scale";
pub const DATE_NAME: &str = "org.apache.kafka.connect.data.Date";
pub const TIME_NAME: &str = "org.apache.kafka.connect.data.Time";
pub const TIMESTAMP_NAME: &str = "org.apache.kafka.connect.data.Timestamp";

const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

pub fn decimal_schema(scale: i32) -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Bytes)
        .name(DECIMAL_NAME)
        .version(1)
        .parameter(DECIMAL_SCALE_FIELD, scale.to_string())
}

pub fn date_schema() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32)
        .name(DATE_NAME)
        .version(1)
}

pub fn time_schema() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32)
        .name(TIME_NAME)
        .version(1)
}

pub fn timestamp_schema() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int64)
        .name(TIMESTAMP_NAME)
        .version(1)
}

/// The decimal scale a Decimal schema declares.
pub fn decimal_scale(schema: &Schema) -> Result<i64, DataError> {
    let raw = schema.parameter(DECIMAL_SCALE_FIELD).ok_or_else(|| {
        DataError::new("Invalid Decimal schema: scale parameter not found.".to_string())
    })?;
    raw.parse::<i64>().map_err(|_| {
        DataError::new(format!(
            "Invalid Decimal schema: scale {raw} is not an integer"
        ))
    })
}

/// Unscaled two's-complement big-endian bytes of `value` at `scale` (Decimal.fromLogical).
pub fn decimal_to_bytes(schema: &Schema, value: &BigDecimal) -> Result<Vec<u8>, DataError> {
    let scale = decimal_scale(schema)?;
    let (unscaled, value_scale) = value.as_bigint_and_exponent();
    if value_scale != scale {
        return Err(DataError::new(format!(
            "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, value has scale {value_scale}"
        )));
    }
    Ok(unscaled.to_signed_bytes_be())
}

/// The decimal for unscaled bytes under a Decimal schema (Decimal.toLogical).
pub fn decimal_from_bytes(schema: &Schema, bytes: &[u8]) -> Result<BigDecimal, DataError> {
    let scale = decimal_scale(schema)?;
    Ok(BigDecimal::new(BigInt::from_signed_bytes_be(bytes), scale))
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a valid date")
}

pub fn date_to_days(date: &NaiveDate) -> i32 {
    // Connect dates fit i32 days by definition of the schema.
    (*date - epoch()).num_days() as i32
}

pub fn date_from_days(days: i32) -> Result<NaiveDate, DataError> {
    epoch()
        .checked_add_signed(chrono::Duration::days(days as i64))
        .ok_or_else(|| DataError::new(format!("Date out of range: {days} days since epoch")))
}

pub fn time_to_millis(time: &NaiveTime) -> i32 {
    (time.num_seconds_from_midnight() * 1000 + time.nanosecond() / 1_000_000) as i32
}

pub fn time_from_millis(millis: i32) -> Result<NaiveTime, DataError> {
    if millis < 0 || millis as i64 >= MILLIS_PER_DAY {
        return Err(DataError::new(
            "Kafka Connect Time type should not have any date fields set to non-zero values."
                .to_string(),
        ));
    }
    let secs = (millis / 1000) as u32;
    let nanos = ((millis % 1000) as u32) * 1_000_000;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
        .ok_or_else(|| DataError::new(format!("Time out of range: {millis} ms")))
}

pub fn timestamp_to_millis(ts: &DateTime<Utc>) -> i64 {
    ts.timestamp_millis()
}

pub fn timestamp_from_millis(millis: i64) -> Result<DateTime<Utc>, DataError> {
    DateTime::<Utc>::from_timestamp_millis(millis)
        .ok_or_else(|| DataError::new(format!("Timestamp out of range: {millis} ms")))
}

/// The logical value for a physical one, when `schema` names a logical type; otherwise
/// the value unchanged.
pub fn to_logical(schema: &Schema, value: Value) -> Result<Value, DataError> {
    Ok(match (schema.name.as_deref(), value) {
        (Some(DECIMAL_NAME), Value::Bytes(b)) => Value::Decimal(decimal_from_bytes(schema, &b)?),
        (Some(DATE_NAME), Value::Int32(d)) => Value::Date(date_from_days(d)?),
        (Some(TIME_NAME), Value::Int32(t)) => Value::Time(time_from_millis(t)?),
        (Some(TIMESTAMP_NAME), Value::Int64(t)) => Value::Timestamp(timestamp_from_millis(t)?),
        (_, v) => v,
    })
}

/// The physical value a logical one travels as (the inverse of [`to_logical`]).
pub fn from_logical(schema: &Schema, value: &Value) -> Result<Value, DataError> {
    Ok(match value {
        Value::Decimal(d) => Value::Bytes(decimal_to_bytes(schema, d)?),
        Value::Date(d) => Value::Int32(date_to_days(d)),
        Value::Time(t) => Value::Int32(time_to_millis(t)),
        Value::Timestamp(t) => Value::Int64(timestamp_to_millis(t)),
        v => v.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimal_bytes_match_java_big_integer() {
        let schema = decimal_schema(2).build();
        // new BigDecimal("156.30").unscaledValue().toByteArray() == {0x3d, 0x0e}
        let d = BigDecimal::from_str("156.30").unwrap();
        assert_eq!(decimal_to_bytes(&schema, &d).unwrap(), vec![0x3d, 0x0e]);
        let neg = BigDecimal::from_str("-1.00").unwrap();
        assert_eq!(decimal_to_bytes(&schema, &neg).unwrap(), vec![0x9c]);
        assert_eq!(decimal_from_bytes(&schema, &[0x9c]).unwrap(), neg);
        assert_eq!(decimal_from_bytes(&schema, &[0xff, 0x9c]).unwrap(), neg);
        let wrong_scale = BigDecimal::from_str("1.5").unwrap();
        assert!(decimal_to_bytes(&schema, &wrong_scale).is_err());
    }

    #[test]
    fn dates_times_timestamps_round_trip() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(date_from_days(date_to_days(&d)).unwrap(), d);
        assert_eq!(date_to_days(&epoch()), 0);
        let t = NaiveTime::from_hms_milli_opt(13, 14, 15, 16).unwrap();
        assert_eq!(time_to_millis(&t), 47_655_016);
        assert_eq!(time_from_millis(47_655_016).unwrap(), t);
        assert!(time_from_millis(-1).is_err());
        assert!(time_from_millis(86_400_000).is_err());
        let ts = timestamp_from_millis(1_700_000_000_123).unwrap();
        assert_eq!(timestamp_to_millis(&ts), 1_700_000_000_123);
    }
}
