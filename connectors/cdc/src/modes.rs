//! Value representations that Debezium's relational connectors share:
//! `decimal.handling.mode`, `time.precision.mode` and the schemas of the temporal
//! types they select. Each database maps its own column types onto these (see
//! `postgres::types` and `mysql::types`); the rules here are Debezium's, not a
//! database's.

use chrono::NaiveDate;
use connect_api::data::logical;
use connect_api::{SchemaBuilder, SchemaRef, SchemaType};

/// How DECIMAL / NUMERIC (and PostgreSQL's MONEY) values travel
/// (`decimal.handling.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMode {
    Precise,
    Double,
    String,
}

impl DecimalMode {
    /// From the key's (validated, case-insensitive) value; `precise` otherwise.
    pub fn from_config(value: &str) -> DecimalMode {
        match value.trim().to_ascii_lowercase().as_str() {
            "double" => DecimalMode::Double,
            "string" => DecimalMode::String,
            _ => DecimalMode::Precise,
        }
    }
}

/// How temporal values travel (`time.precision.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePrecisionMode {
    Adaptive,
    /// `adaptive_time_microseconds`: TIME is always MicroTime.
    AdaptiveTimeMicroseconds,
    Connect,
}

impl TimePrecisionMode {
    /// From the key's (validated, case-insensitive) value. The fallback differs by
    /// connector because so does Debezium's default (PostgreSQL: `adaptive`,
    /// MySQL: `adaptive_time_microseconds`).
    pub fn from_config(value: &str, fallback: TimePrecisionMode) -> TimePrecisionMode {
        match value.trim().to_ascii_lowercase().as_str() {
            "adaptive" => TimePrecisionMode::Adaptive,
            "adaptive_time_microseconds" => TimePrecisionMode::AdaptiveTimeMicroseconds,
            "connect" => TimePrecisionMode::Connect,
            _ => fallback,
        }
    }
}

/// The representation `time.precision.mode` selects for a DATE, TIME or
/// TIMESTAMP-without-zone column; each database's `Kind` has a variant for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporal {
    /// `io.debezium.time.Date`: int32 days since the epoch.
    Date,
    /// Kafka's Date.
    ConnectDate,
    /// `io.debezium.time.Time`: int32 ms of the day.
    TimeMillis,
    /// `io.debezium.time.MicroTime`: int64 µs of the day.
    TimeMicros,
    /// Kafka's Time.
    ConnectTime,
    /// `io.debezium.time.Timestamp`: int64 ms since the epoch.
    TimestampMillis,
    /// `io.debezium.time.MicroTimestamp`: int64 µs since the epoch.
    TimestampMicros,
    /// Kafka's Timestamp.
    ConnectTimestamp,
}

/// A named (Debezium semantic type) schema of version 1.
pub fn named(t: SchemaType, name: &str, optional: bool) -> SchemaBuilder {
    SchemaBuilder::new(t)
        .name(name)
        .version(1)
        .set_optional(optional)
}

/// 1970-01-01.
pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// A DATE column.
pub fn date(mode: TimePrecisionMode, optional: bool) -> (Temporal, SchemaRef) {
    match mode {
        TimePrecisionMode::Connect => (
            Temporal::ConnectDate,
            logical::date_schema().set_optional(optional).build(),
        ),
        _ => (
            Temporal::Date,
            named(SchemaType::Int32, "io.debezium.time.Date", optional).build(),
        ),
    }
}

/// A TIME column with `precision` fractional second digits.
pub fn time(mode: TimePrecisionMode, precision: i64, optional: bool) -> (Temporal, SchemaRef) {
    match mode {
        TimePrecisionMode::Connect => (
            Temporal::ConnectTime,
            logical::time_schema().set_optional(optional).build(),
        ),
        TimePrecisionMode::Adaptive if precision <= 3 => (
            Temporal::TimeMillis,
            named(SchemaType::Int32, "io.debezium.time.Time", optional).build(),
        ),
        _ => (
            Temporal::TimeMicros,
            named(SchemaType::Int64, "io.debezium.time.MicroTime", optional).build(),
        ),
    }
}

/// A TIMESTAMP-without-zone (PostgreSQL) / DATETIME (MySQL) column with `precision`
/// fractional second digits.
pub fn timestamp(mode: TimePrecisionMode, precision: i64, optional: bool) -> (Temporal, SchemaRef) {
    match mode {
        TimePrecisionMode::Connect => (
            Temporal::ConnectTimestamp,
            logical::timestamp_schema().set_optional(optional).build(),
        ),
        _ if precision <= 3 => (
            Temporal::TimestampMillis,
            named(SchemaType::Int64, "io.debezium.time.Timestamp", optional).build(),
        ),
        _ => (
            Temporal::TimestampMicros,
            named(
                SchemaType::Int64,
                "io.debezium.time.MicroTimestamp",
                optional,
            )
            .build(),
        ),
    }
}

/// `io.debezium.time.ZonedTimestamp`: an ISO-8601 string in UTC.
pub fn zoned_timestamp(optional: bool) -> SchemaRef {
    named(
        SchemaType::String,
        "io.debezium.time.ZonedTimestamp",
        optional,
    )
    .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_follows_precision_and_connect_ignores_it() {
        let a = TimePrecisionMode::Adaptive;
        assert_eq!(time(a, 3, false).0, Temporal::TimeMillis);
        assert_eq!(time(a, 6, false).0, Temporal::TimeMicros);
        let atm = TimePrecisionMode::AdaptiveTimeMicroseconds;
        assert_eq!(time(atm, 0, false).0, Temporal::TimeMicros);
        assert_eq!(timestamp(atm, 0, false).0, Temporal::TimestampMillis);
        assert_eq!(timestamp(a, 4, false).0, Temporal::TimestampMicros);
        let c = TimePrecisionMode::Connect;
        assert_eq!(date(c, true).0, Temporal::ConnectDate);
        assert_eq!(time(c, 6, true).0, Temporal::ConnectTime);
        assert_eq!(timestamp(c, 6, true).0, Temporal::ConnectTimestamp);
        assert_eq!(
            date(a, true).1.name.as_deref(),
            Some("io.debezium.time.Date")
        );
    }

    #[test]
    fn modes_parse_case_insensitively_with_the_connectors_fallback() {
        assert_eq!(DecimalMode::from_config("STRING"), DecimalMode::String);
        assert_eq!(DecimalMode::from_config("precise"), DecimalMode::Precise);
        let fallback = TimePrecisionMode::AdaptiveTimeMicroseconds;
        assert_eq!(
            TimePrecisionMode::from_config("Connect", fallback),
            TimePrecisionMode::Connect
        );
        assert_eq!(TimePrecisionMode::from_config("", fallback), fallback);
    }
}
