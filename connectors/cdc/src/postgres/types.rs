//! PostgreSQL column types as Debezium maps them to Connect schemas, and the text
//! form of values (what pgoutput sends and what the snapshot reads with `::text`)
//! turned into Connect values.
//!
//! `time.precision.mode=adaptive` (the default): DATE -> `io.debezium.time.Date`
//! (int32 days); TIME(p) -> `io.debezium.time.Time` (int32 ms) for p <= 3, else
//! `io.debezium.time.MicroTime` (int64 µs); TIMESTAMP(p) -> `io.debezium.time.Timestamp`
//! (int64 ms) for p <= 3, else `io.debezium.time.MicroTimestamp` (int64 µs).
//! `connect`: Kafka's Date / Time / Timestamp (ms). TIMESTAMPTZ ->
//! `io.debezium.time.ZonedTimestamp` (ISO-8601 string in UTC); TIMETZ ->
//! `io.debezium.time.ZonedTime`; INTERVAL -> `io.debezium.time.MicroDuration`.
//! NUMERIC(p,s) and MONEY follow `decimal.handling.mode` (precise: Kafka's Decimal
//! with `connect.decimal.precision`; NUMERIC without a scale: Debezium's
//! `io.debezium.data.VariableScaleDecimal` struct).

use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use connect_api::data::logical;
use connect_api::{Schema, SchemaBuilder, SchemaRef, SchemaType, Struct, Value};

use crate::error::CdcError;
use crate::modes::{self, epoch, named, Temporal};
pub use crate::modes::{DecimalMode, TimePrecisionMode};

pub mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const XML: u32 = 142;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const MONEY: u32 = 790;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const TIMETZ: u32 = 1266;
    pub const BIT: u32 = 1560;
    pub const VARBIT: u32 = 1562;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// How one column's text values are converted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Bool,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    /// Fixed scale decimal (precise mode).
    Decimal {
        scale: i64,
    },
    VariableDecimal,
    DecimalDouble,
    DecimalString,
    /// MONEY in precise mode (scale 2).
    Money,
    MoneyDouble,
    MoneyString,
    Bytes,
    /// BIT(1).
    Bit,
    /// BIT(n>1) / VARBIT: io.debezium.data.Bits.
    Bits,
    ZonedTimestamp,
    ZonedTime,
    MicroDuration,
    Text,
    /// DATE, TIME, TIMESTAMP/DATETIME as `time.precision.mode` maps them.
    Temporal(Temporal),
}

/// A column's mapping: its Connect schema and how values convert.
#[derive(Debug, Clone)]
pub struct ColumnType {
    pub kind: Kind,
    pub schema: SchemaRef,
}

fn temporal((t, schema): (Temporal, SchemaRef)) -> (Kind, SchemaRef) {
    (Kind::Temporal(t), schema)
}

/// The Connect type of a column, from its type OID and modifier (`atttypmod`).
pub fn column_type(
    type_oid: u32,
    typmod: i32,
    optional: bool,
    decimal: DecimalMode,
    time: TimePrecisionMode,
) -> ColumnType {
    let plain = |t: SchemaType| SchemaBuilder::new(t).set_optional(optional).build();
    // Fractional second digits of time/timestamp types; -1 (none) means 6.
    let precision = if typmod < 0 { 6 } else { typmod };
    let (kind, schema) = match type_oid {
        oid::BOOL => (Kind::Bool, plain(SchemaType::Boolean)),
        oid::INT2 => (Kind::Int16, plain(SchemaType::Int16)),
        oid::INT4 => (Kind::Int32, plain(SchemaType::Int32)),
        oid::INT8 | oid::OID => (Kind::Int64, plain(SchemaType::Int64)),
        oid::FLOAT4 => (Kind::Float32, plain(SchemaType::Float32)),
        oid::FLOAT8 => (Kind::Float64, plain(SchemaType::Float64)),
        oid::NUMERIC => match decimal {
            DecimalMode::Double => (Kind::DecimalDouble, plain(SchemaType::Float64)),
            DecimalMode::String => (Kind::DecimalString, plain(SchemaType::String)),
            DecimalMode::Precise if typmod >= 4 => {
                let precision = ((typmod - 4) >> 16) & 0xffff;
                let scale = (typmod - 4) & 0xffff;
                (
                    Kind::Decimal {
                        scale: i64::from(scale),
                    },
                    logical::decimal_schema(scale)
                        .parameter("connect.decimal.precision", precision.to_string())
                        .set_optional(optional)
                        .build(),
                )
            }
            DecimalMode::Precise => (
                Kind::VariableDecimal,
                SchemaBuilder::struct_()
                    .name("io.debezium.data.VariableScaleDecimal")
                    .version(1)
                    .doc("Variable scaled decimal")
                    .field("scale", Schema::int32())
                    .field("value", Schema::bytes())
                    .set_optional(optional)
                    .build(),
            ),
        },
        oid::MONEY => match decimal {
            DecimalMode::Double => (Kind::MoneyDouble, plain(SchemaType::Float64)),
            DecimalMode::String => (Kind::MoneyString, plain(SchemaType::String)),
            DecimalMode::Precise => (
                Kind::Money,
                logical::decimal_schema(2).set_optional(optional).build(),
            ),
        },
        oid::BYTEA => (Kind::Bytes, plain(SchemaType::Bytes)),
        oid::BIT if typmod <= 1 => (Kind::Bit, plain(SchemaType::Boolean)),
        oid::BIT | oid::VARBIT => (
            Kind::Bits,
            named(SchemaType::Bytes, "io.debezium.data.Bits", optional)
                .parameter("length", typmod.max(0).to_string())
                .build(),
        ),
        oid::DATE => temporal(modes::date(time, optional)),
        oid::TIME => temporal(modes::time(time, i64::from(precision), optional)),
        oid::TIMESTAMP => temporal(modes::timestamp(time, i64::from(precision), optional)),
        oid::TIMESTAMPTZ => (Kind::ZonedTimestamp, modes::zoned_timestamp(optional)),
        oid::TIMETZ => (
            Kind::ZonedTime,
            named(SchemaType::String, "io.debezium.time.ZonedTime", optional).build(),
        ),
        oid::INTERVAL => (
            Kind::MicroDuration,
            named(
                SchemaType::Int64,
                "io.debezium.time.MicroDuration",
                optional,
            )
            .build(),
        ),
        oid::UUID => (
            Kind::Text,
            named(SchemaType::String, "io.debezium.data.Uuid", optional).build(),
        ),
        oid::JSON | oid::JSONB => (
            Kind::Text,
            named(SchemaType::String, "io.debezium.data.Json", optional).build(),
        ),
        oid::XML => (
            Kind::Text,
            named(SchemaType::String, "io.debezium.data.Xml", optional).build(),
        ),
        // Text types, network addresses, enums and anything else: the text form.
        _ => (Kind::Text, plain(SchemaType::String)),
    };
    ColumnType { kind, schema }
}

fn bad(kind: Kind, text: &str) -> CdcError {
    CdcError::Data(format!(
        "Cannot convert PostgreSQL value '{text}' to {kind:?}"
    ))
}

fn parse<T: FromStr>(kind: Kind, text: &str) -> Result<T, CdcError> {
    text.parse().map_err(|_| bad(kind, text))
}

fn float(kind: Kind, text: &str) -> Result<f64, CdcError> {
    match text {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        t => parse(kind, t),
    }
}

/// PostgreSQL's ISO date text, with a trailing " BC" for years before 1.
fn parse_date(kind: Kind, text: &str) -> Result<NaiveDate, CdcError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad(kind, text))
}

fn parse_time(kind: Kind, text: &str) -> Result<NaiveTime, CdcError> {
    if text == "24:00:00" {
        // PostgreSQL allows 24:00:00; Debezium maps it to the end of the day.
        return NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)
            .ok_or_else(|| bad(kind, text));
    }
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f").map_err(|_| bad(kind, text))
}

fn parse_timestamp(kind: Kind, text: &str) -> Result<NaiveDateTime, CdcError> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").map_err(|_| bad(kind, text))
}

fn time_micros(t: &NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1000)
}

/// `2024-01-02 03:04:05.123456+00` (TimeZone=UTC) -> `2024-01-02T03:04:05.123456Z`.
fn zoned_timestamp(kind: Kind, text: &str) -> Result<String, CdcError> {
    let ts = chrono::DateTime::parse_from_str(&format!("{text}00"), "%Y-%m-%d %H:%M:%S%.f%z")
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map_err(|_| bad(kind, text))?;
    Ok(ts
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// `03:04:05.12+02` -> `01:04:05.12Z`.
fn zoned_time(kind: Kind, text: &str) -> Result<String, CdcError> {
    let split = text.rfind(['+', '-']).ok_or_else(|| bad(kind, text))?;
    let (time, zone) = text.split_at(split);
    let t = parse_time(kind, time)?;
    let mut parts = zone[1..].split(':');
    let h: i64 = parse(kind, parts.next().unwrap_or("0"))?;
    let m: i64 = parse(kind, parts.next().unwrap_or("0"))?;
    let offset = (h * 3600 + m * 60) * if zone.starts_with('-') { -1 } else { 1 };
    let utc = t - chrono::Duration::seconds(offset);
    let frac = utc.nanosecond();
    let base = utc.format("%H:%M:%S").to_string();
    Ok(if frac == 0 {
        format!("{base}Z")
    } else {
        let digits = format!("{frac:09}");
        format!("{base}.{}Z", digits.trim_end_matches('0'))
    })
}

/// The postgres IntervalStyle (`1 year 2 mons 3 days 04:05:06.5`) as µs, a month
/// counting 30.4375 days as in Debezium's `MicroDuration`.
fn micro_duration(kind: Kind, text: &str) -> Result<i64, CdcError> {
    const DAY_US: f64 = 86_400_000_000.0;
    let mut total = 0f64;
    let mut tokens = text.split_whitespace().peekable();
    while let Some(tok) = tokens.next() {
        if tok.contains(':') {
            let negative = tok.starts_with('-');
            let mut parts = tok.trim_start_matches(['-', '+']).split(':');
            let h: f64 = parse(kind, parts.next().unwrap_or("0"))?;
            let m: f64 = parse(kind, parts.next().unwrap_or("0"))?;
            let s: f64 = parse(kind, parts.next().unwrap_or("0"))?;
            let us = ((h * 3600.0 + m * 60.0) * 1e6) + (s * 1e6).round();
            total += if negative { -us } else { us };
            continue;
        }
        let n: f64 = parse(kind, tok)?;
        let unit = tokens.next().ok_or_else(|| bad(kind, text))?;
        total += n * match unit.trim_end_matches('s') {
            "year" => 12.0 * 30.4375 * DAY_US,
            "mon" => 30.4375 * DAY_US,
            "day" => DAY_US,
            _ => return Err(bad(kind, text)),
        };
    }
    Ok(total.round() as i64)
}

/// `\x0a0b` -> bytes.
fn bytea(kind: Kind, text: &str) -> Result<Vec<u8>, CdcError> {
    let hex = text.strip_prefix("\\x").ok_or_else(|| bad(kind, text))?;
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad(kind, text))
        })
        .collect()
}

/// `'1011'` -> Java's `BitSet.toByteArray()` of the bits, the last character being
/// bit 0 (Debezium's `Bits`).
fn bits(text: &str) -> Vec<u8> {
    let n = text.len();
    let mut out = vec![0u8; n.div_ceil(8)];
    for (i, c) in text.bytes().rev().enumerate() {
        if c == b'1' {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    while out.last() == Some(&0) {
        out.pop();
    }
    out
}

fn money(kind: Kind, text: &str) -> Result<BigDecimal, CdcError> {
    let negative = text.starts_with('-') || text.starts_with('(');
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let d = BigDecimal::from_str(&digits).map_err(|_| bad(kind, text))?;
    Ok(if negative { -d } else { d }.with_scale(2))
}

/// A text value of a column of `ty` as a Connect value.
pub fn convert(ty: &ColumnType, text: &str) -> Result<Value, CdcError> {
    let k = ty.kind;
    Ok(match k {
        Kind::Bool => Value::Boolean(text == "t" || text == "true"),
        Kind::Int16 => Value::Int16(parse(k, text)?),
        Kind::Int32 => Value::Int32(parse(k, text)?),
        Kind::Int64 => Value::Int64(parse(k, text)?),
        Kind::Float32 => Value::Float32(float(k, text)? as f32),
        Kind::Float64 => Value::Float64(float(k, text)?),
        Kind::Decimal { scale } => {
            if text == "NaN" {
                return Ok(Value::Null);
            }
            Value::Decimal(
                BigDecimal::from_str(text)
                    .map_err(|_| bad(k, text))?
                    .with_scale(scale),
            )
        }
        Kind::VariableDecimal => {
            if text == "NaN" {
                return Ok(Value::Null);
            }
            let d = BigDecimal::from_str(text).map_err(|_| bad(k, text))?;
            let (unscaled, scale) = d.as_bigint_and_exponent();
            let mut s =
                Struct::new(ty.schema.clone()).map_err(|e| CdcError::Data(e.to_string()))?;
            s.put("scale", Value::Int32(scale as i32))
                .and_then(|s| s.put("value", Value::Bytes(unscaled.to_signed_bytes_be())))
                .map_err(|e| CdcError::Data(e.to_string()))?;
            Value::Struct(s)
        }
        Kind::DecimalDouble => Value::Float64(float(k, text)?),
        Kind::DecimalString => Value::String(text.to_string()),
        Kind::Money => Value::Decimal(money(k, text)?),
        Kind::MoneyDouble => Value::Float64(
            money(k, text)?
                .to_string()
                .parse()
                .map_err(|_| bad(k, text))?,
        ),
        Kind::MoneyString => Value::String(money(k, text)?.to_string()),
        Kind::Bytes => Value::Bytes(bytea(k, text)?),
        Kind::Bit => Value::Boolean(text == "1"),
        Kind::Bits => Value::Bytes(bits(text)),
        Kind::Temporal(Temporal::Date) => {
            Value::Int32((parse_date(k, text)? - epoch()).num_days() as i32)
        }
        Kind::Temporal(Temporal::ConnectDate) => Value::Date(parse_date(k, text)?),
        Kind::Temporal(Temporal::TimeMillis) => {
            Value::Int32((time_micros(&parse_time(k, text)?) / 1000) as i32)
        }
        Kind::Temporal(Temporal::TimeMicros) => Value::Int64(time_micros(&parse_time(k, text)?)),
        Kind::Temporal(Temporal::ConnectTime) => Value::Time(parse_time(k, text)?),
        Kind::Temporal(Temporal::TimestampMillis) => {
            Value::Int64(parse_timestamp(k, text)?.and_utc().timestamp_millis())
        }
        Kind::Temporal(Temporal::TimestampMicros) => {
            Value::Int64(parse_timestamp(k, text)?.and_utc().timestamp_micros())
        }
        Kind::Temporal(Temporal::ConnectTimestamp) => {
            Value::Timestamp(parse_timestamp(k, text)?.and_utc())
        }
        Kind::ZonedTimestamp => Value::String(zoned_timestamp(k, text)?),
        Kind::ZonedTime => Value::String(zoned_time(k, text)?),
        Kind::MicroDuration => Value::Int64(micro_duration(k, text)?),
        Kind::Text => Value::String(text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(oid: u32, typmod: i32) -> ColumnType {
        column_type(
            oid,
            typmod,
            true,
            DecimalMode::Precise,
            TimePrecisionMode::Adaptive,
        )
    }

    fn conv(oid: u32, typmod: i32, text: &str) -> Value {
        convert(&ty(oid, typmod), text).unwrap()
    }

    #[test]
    fn integers_floats_bools_text() {
        assert_eq!(conv(oid::INT2, -1, "-7"), Value::Int16(-7));
        assert_eq!(conv(oid::INT4, -1, "42"), Value::Int32(42));
        assert_eq!(
            conv(oid::INT8, -1, "9000000000"),
            Value::Int64(9_000_000_000)
        );
        assert_eq!(conv(oid::FLOAT4, -1, "1.5"), Value::Float32(1.5));
        assert_eq!(
            conv(oid::FLOAT8, -1, "-Infinity"),
            Value::Float64(f64::NEG_INFINITY)
        );
        assert_eq!(conv(oid::BOOL, -1, "t"), Value::Boolean(true));
        assert_eq!(conv(oid::VARCHAR, 259, "héllo"), Value::from("héllo"));
        assert!(convert(&ty(oid::INT4, -1), "x").is_err());
        assert_eq!(ty(oid::INT4, -1).schema.schema_type, SchemaType::Int32);
        assert!(ty(oid::INT4, -1).schema.optional);
        let required = column_type(
            oid::INT4,
            -1,
            false,
            DecimalMode::Precise,
            TimePrecisionMode::Adaptive,
        );
        assert!(!required.schema.optional);
    }

    #[test]
    fn decimals_follow_decimal_handling_mode() {
        // NUMERIC(10,2): typmod = ((10 << 16) | 2) + 4
        let t = ty(oid::NUMERIC, ((10 << 16) | 2) + 4);
        assert_eq!(t.schema.name.as_deref(), Some(logical::DECIMAL_NAME));
        assert_eq!(t.schema.parameter("scale"), Some("2"));
        assert_eq!(t.schema.parameter("connect.decimal.precision"), Some("10"));
        assert_eq!(
            convert(&t, "156.3").unwrap(),
            Value::Decimal(BigDecimal::from_str("156.30").unwrap())
        );
        let v = ty(oid::NUMERIC, -1);
        assert_eq!(
            v.schema.name.as_deref(),
            Some("io.debezium.data.VariableScaleDecimal")
        );
        let Value::Struct(s) = convert(&v, "-1.005").unwrap() else {
            panic!()
        };
        assert_eq!(s.get("scale"), Some(&Value::Int32(3)));
        assert_eq!(s.get("value"), Some(&Value::Bytes(vec![0xfc, 0x13])));
        let d = column_type(
            oid::NUMERIC,
            -1,
            false,
            DecimalMode::Double,
            TimePrecisionMode::Adaptive,
        );
        assert_eq!(convert(&d, "2.5").unwrap(), Value::Float64(2.5));
        let s = column_type(
            oid::NUMERIC,
            -1,
            false,
            DecimalMode::String,
            TimePrecisionMode::Adaptive,
        );
        assert_eq!(convert(&s, "2.50").unwrap(), Value::from("2.50"));
        assert_eq!(
            conv(oid::MONEY, -1, "-$1,234.5"),
            Value::Decimal(BigDecimal::from_str("-1234.50").unwrap())
        );
    }

    #[test]
    fn temporal_types_adaptive() {
        assert_eq!(
            ty(oid::DATE, -1).schema.name.as_deref(),
            Some("io.debezium.time.Date")
        );
        assert_eq!(conv(oid::DATE, -1, "2018-06-20"), Value::Int32(17_702));
        assert_eq!(
            ty(oid::TIME, -1).schema.name.as_deref(),
            Some("io.debezium.time.MicroTime")
        );
        assert_eq!(
            conv(oid::TIME, -1, "01:02:03.000004"),
            Value::Int64(3_723_000_004)
        );
        assert_eq!(
            ty(oid::TIME, 3).schema.name.as_deref(),
            Some("io.debezium.time.Time")
        );
        assert_eq!(conv(oid::TIME, 3, "01:02:03.5"), Value::Int32(3_723_500));
        assert_eq!(
            ty(oid::TIMESTAMP, -1).schema.name.as_deref(),
            Some("io.debezium.time.MicroTimestamp")
        );
        assert_eq!(
            conv(oid::TIMESTAMP, -1, "2018-06-20 15:13:16.945104"),
            Value::Int64(1_529_507_596_945_104)
        );
        assert_eq!(
            conv(oid::TIMESTAMP, 3, "2018-06-20 15:13:16.945"),
            Value::Int64(1_529_507_596_945)
        );
        assert_eq!(
            conv(oid::TIMESTAMPTZ, -1, "2018-06-20 15:13:16.945104+00"),
            Value::from("2018-06-20T15:13:16.945104Z")
        );
        assert_eq!(
            conv(oid::TIMESTAMPTZ, -1, "2018-06-20 17:13:16+02"),
            Value::from("2018-06-20T15:13:16Z")
        );
        assert_eq!(
            conv(oid::TIMETZ, -1, "03:04:05.12+02"),
            Value::from("01:04:05.12Z")
        );
        assert_eq!(
            conv(oid::INTERVAL, -1, "1 mon 2 days 03:00:00.5"),
            Value::Int64(2_629_800_000_000 + 2 * 86_400_000_000 + 10_800_500_000)
        );
        assert_eq!(
            conv(oid::INTERVAL, -1, "-00:00:01"),
            Value::Int64(-1_000_000)
        );
    }

    #[test]
    fn temporal_types_connect_mode() {
        let t = column_type(
            oid::TIMESTAMP,
            -1,
            false,
            DecimalMode::Precise,
            TimePrecisionMode::Connect,
        );
        assert_eq!(t.schema.name.as_deref(), Some(logical::TIMESTAMP_NAME));
        let v = convert(&t, "2018-06-20 15:13:16.945104").unwrap();
        assert!(matches!(v, Value::Timestamp(ts) if ts.timestamp_millis() == 1_529_507_596_945));
    }

    #[test]
    fn bytes_bits_uuid_json() {
        assert_eq!(
            conv(oid::BYTEA, -1, "\\x0aff"),
            Value::Bytes(vec![0x0a, 0xff])
        );
        assert!(convert(&ty(oid::BYTEA, -1), "\\x0").is_err());
        assert_eq!(conv(oid::BIT, 1, "1"), Value::Boolean(true));
        // BitSet of b'1000000001' (bit 0 and bit 9 set) -> [0x01, 0x02]
        assert_eq!(
            conv(oid::BIT, 10, "1000000001"),
            Value::Bytes(vec![0x01, 0x02])
        );
        assert_eq!(
            ty(oid::UUID, -1).schema.name.as_deref(),
            Some("io.debezium.data.Uuid")
        );
        assert_eq!(
            ty(oid::JSONB, -1).schema.name.as_deref(),
            Some("io.debezium.data.Json")
        );
    }
}
