//! MySQL/MariaDB column types as Debezium's MySQL connector maps them to Connect
//! schemas, and column values (from the binlog's row images or from the snapshot's
//! binary-protocol result sets, both `mysql_common::Value`s) turned into Connect values.
//!
//! Integers: TINYINT / SMALLINT -> INT16 (SMALLINT UNSIGNED -> INT32), MEDIUMINT -> INT32,
//! INT -> INT32 (UNSIGNED -> INT64), BIGINT -> INT64 (UNSIGNED per
//! `bigint.unsigned.handling.mode`). TINYINT(1) stays INT16 (Debezium needs a converter
//! to make it a boolean); BIT(1) -> BOOLEAN, BIT(n) -> `io.debezium.data.Bits`
//! (little-endian bytes). FLOAT -> FLOAT32, DOUBLE -> FLOAT64. DECIMAL per
//! `decimal.handling.mode`. Strings -> STRING, binary strings and BLOBs -> BYTES,
//! ENUM / SET -> `io.debezium.data.Enum` / `io.debezium.data.EnumSet` with their
//! `allowed` values, JSON -> `io.debezium.data.Json`, YEAR -> `io.debezium.time.Year`.
//! Temporal types (`time.precision.mode`): DATE -> `io.debezium.time.Date`;
//! TIME -> `io.debezium.time.MicroTime`; DATETIME(p) -> `io.debezium.time.Timestamp`
//! (p <= 3) or `MicroTimestamp`; `connect` gives Kafka's Date / Time / Timestamp;
//! TIMESTAMP -> `io.debezium.time.ZonedTimestamp` (ISO-8601 in UTC). A zero date is
//! null in a nullable column and the epoch otherwise, as Debezium does.

use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat};
use connect_api::data::logical;
use connect_api::{SchemaBuilder, SchemaRef, SchemaType, Value};
use mysql_common::constants::ColumnType as BinlogType;
use mysql_common::value::Value as MyValue;

use super::config::BigintUnsignedMode;
use crate::error::CdcError;
use crate::modes::{self, epoch, named, DecimalMode, Temporal, TimePrecisionMode};

/// A column as `information_schema.COLUMNS` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    /// `DATA_TYPE`, lower case (`int`, `varchar`, `enum`...).
    pub data_type: String,
    /// `COLUMN_TYPE`, lower case (`int(10) unsigned`, `enum('a','b')`, `bit(3)`...).
    pub column_type: String,
    pub nullable: bool,
    /// DECIMAL precision / BIT length.
    pub precision: Option<u32>,
    pub scale: Option<u32>,
    /// Fractional second digits of TIME / DATETIME / TIMESTAMP.
    pub datetime_precision: Option<u32>,
    /// A MariaDB JSON column (LONGTEXT with a `json_valid` check).
    pub json: bool,
    /// Position in the primary key (1-based), 0 when not a key column.
    pub pk_position: u32,
}

impl ColumnDef {
    pub fn unsigned(&self) -> bool {
        self.column_type.contains("unsigned")
    }
}

/// How one column's values convert.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Bool,
    /// A signed integer of the column's width in bits (unsigned values that arrive
    /// signed are reinterpreted at that width).
    Int16 {
        bits: u32,
        unsigned: bool,
    },
    Int32 {
        bits: u32,
        unsigned: bool,
    },
    Int64 {
        bits: u32,
        unsigned: bool,
    },
    /// BIGINT UNSIGNED in precise mode.
    UnsignedDecimal,
    Float32,
    Float64,
    Decimal {
        scale: i64,
    },
    DecimalDouble,
    DecimalString,
    Text,
    Json,
    Bytes,
    Bits,
    Enum(Vec<String>),
    Set(Vec<String>),
    Year,
    ZonedTimestamp,
    /// DATE, TIME, TIMESTAMP/DATETIME as `time.precision.mode` maps them.
    Temporal(Temporal),
}

/// A column's mapping: its Connect schema and how values convert.
#[derive(Debug, Clone)]
pub struct ColumnType {
    pub kind: Kind,
    pub schema: SchemaRef,
    pub optional: bool,
}

/// Where a value was read: the binlog sends ENUM / SET as numbers, result sets as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Binlog,
    Query,
}

/// The quoted values of `enum('a','b')` / `set('a','b')` (`''` is an escaped quote).
pub fn enum_values(column_type: &str) -> Vec<String> {
    let Some(start) = column_type.find('(') else {
        return Vec::new();
    };
    let body = &column_type[start + 1..];
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut v = String::new();
        loop {
            match chars.next() {
                Some('\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                Some('\'') | None => break,
                Some('\\') => {
                    if let Some(n) = chars.next() {
                        v.push(n);
                    }
                }
                Some(ch) => v.push(ch),
            }
        }
        out.push(v);
    }
    out
}

fn temporal((t, schema): (Temporal, SchemaRef)) -> (Kind, SchemaRef) {
    (Kind::Temporal(t), schema)
}

/// The Connect type of a column.
pub fn column_type(
    c: &ColumnDef,
    decimal: DecimalMode,
    time: TimePrecisionMode,
    bigint: BigintUnsignedMode,
) -> ColumnType {
    let optional = c.nullable;
    let plain = |t: SchemaType| SchemaBuilder::new(t).set_optional(optional).build();
    let unsigned = c.unsigned();
    let fsp = c.datetime_precision.unwrap_or(0);
    let (kind, schema) = match c.data_type.as_str() {
        "tinyint" => (Kind::Int16 { bits: 8, unsigned }, plain(SchemaType::Int16)),
        "smallint" if unsigned => (Kind::Int32 { bits: 16, unsigned }, plain(SchemaType::Int32)),
        "smallint" => (Kind::Int16 { bits: 16, unsigned }, plain(SchemaType::Int16)),
        "mediumint" => (Kind::Int32 { bits: 24, unsigned }, plain(SchemaType::Int32)),
        "int" | "integer" if unsigned => {
            (Kind::Int64 { bits: 32, unsigned }, plain(SchemaType::Int64))
        }
        "int" | "integer" => (Kind::Int32 { bits: 32, unsigned }, plain(SchemaType::Int32)),
        "bigint" if unsigned && bigint == BigintUnsignedMode::Precise => (
            Kind::UnsignedDecimal,
            logical::decimal_schema(0)
                .parameter("connect.decimal.precision", "20")
                .set_optional(optional)
                .build(),
        ),
        "bigint" => (Kind::Int64 { bits: 64, unsigned }, plain(SchemaType::Int64)),
        "float" => (Kind::Float32, plain(SchemaType::Float32)),
        "double" | "real" => (Kind::Float64, plain(SchemaType::Float64)),
        "decimal" | "numeric" => match decimal {
            DecimalMode::Double => (Kind::DecimalDouble, plain(SchemaType::Float64)),
            DecimalMode::String => (Kind::DecimalString, plain(SchemaType::String)),
            DecimalMode::Precise => {
                let scale = c.scale.unwrap_or(0);
                (
                    Kind::Decimal {
                        scale: i64::from(scale),
                    },
                    logical::decimal_schema(scale as i32)
                        .parameter(
                            "connect.decimal.precision",
                            c.precision.unwrap_or(10).to_string(),
                        )
                        .set_optional(optional)
                        .build(),
                )
            }
        },
        "bit" if c.precision.unwrap_or(1) <= 1 => (Kind::Bool, plain(SchemaType::Boolean)),
        "bit" => (
            Kind::Bits,
            named(SchemaType::Bytes, "io.debezium.data.Bits", optional)
                .parameter("length", c.precision.unwrap_or(1).to_string())
                .build(),
        ),
        "json" => (
            Kind::Json,
            named(SchemaType::String, "io.debezium.data.Json", optional).build(),
        ),
        "longtext" if c.json => (
            Kind::Json,
            named(SchemaType::String, "io.debezium.data.Json", optional).build(),
        ),
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => {
            (Kind::Text, plain(SchemaType::String))
        }
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            (Kind::Bytes, plain(SchemaType::Bytes))
        }
        "enum" => {
            let values = enum_values(&c.column_type);
            let schema = named(SchemaType::String, "io.debezium.data.Enum", optional)
                .parameter("allowed", values.join(","))
                .build();
            (Kind::Enum(values), schema)
        }
        "set" => {
            let values = enum_values(&c.column_type);
            let schema = named(SchemaType::String, "io.debezium.data.EnumSet", optional)
                .parameter("allowed", values.join(","))
                .build();
            (Kind::Set(values), schema)
        }
        "year" => (
            Kind::Year,
            named(SchemaType::Int32, "io.debezium.time.Year", optional).build(),
        ),
        "date" => temporal(modes::date(time, optional)),
        "time" => temporal(modes::time(time, i64::from(fsp), optional)),
        "datetime" => temporal(modes::timestamp(time, i64::from(fsp), optional)),
        "timestamp" => (Kind::ZonedTimestamp, modes::zoned_timestamp(optional)),
        // Spatial and anything newer: the raw bytes.
        _ => (Kind::Bytes, plain(SchemaType::Bytes)),
    };
    ColumnType {
        kind,
        schema,
        optional,
    }
}

fn bad(c: &str, what: &str, v: &MyValue) -> CdcError {
    CdcError::Data(format!("Column {c}: cannot convert {v:?} to {what}"))
}

fn text(c: &str, v: &MyValue) -> Result<String, CdcError> {
    match v {
        MyValue::Bytes(b) => String::from_utf8(b.clone()).map_err(|_| bad(c, "UTF-8 text", v)),
        MyValue::Int(i) => Ok(i.to_string()),
        MyValue::UInt(u) => Ok(u.to_string()),
        MyValue::Float(f) => Ok(f.to_string()),
        MyValue::Double(f) => Ok(f.to_string()),
        other => Err(bad(c, "text", other)),
    }
}

/// An integer value of a column of `bits` width; unsigned columns whose values came
/// signed (the binlog without signedness metadata) are reinterpreted.
fn integer(c: &str, v: &MyValue, bits: u32, unsigned: bool) -> Result<i128, CdcError> {
    let i: i128 = match v {
        MyValue::Int(i) => i128::from(*i),
        MyValue::UInt(u) => i128::from(*u),
        MyValue::Bytes(_) => text(c, v)?
            .trim()
            .parse()
            .map_err(|_| bad(c, "integer", v))?,
        other => return Err(bad(c, "integer", other)),
    };
    Ok(if unsigned && i < 0 {
        i + (1i128 << bits)
    } else {
        i
    })
}

fn float(c: &str, v: &MyValue) -> Result<f64, CdcError> {
    match v {
        MyValue::Float(f) => Ok(f64::from(*f)),
        MyValue::Double(f) => Ok(*f),
        MyValue::Int(i) => Ok(*i as f64),
        MyValue::UInt(u) => Ok(*u as f64),
        MyValue::Bytes(_) => text(c, v)?.trim().parse().map_err(|_| bad(c, "number", v)),
        other => Err(bad(c, "number", other)),
    }
}

/// A DATE / DATETIME value; None for MySQL's zero dates.
fn datetime(c: &str, v: &MyValue) -> Result<Option<NaiveDateTime>, CdcError> {
    match v {
        MyValue::Date(y, mo, d, h, mi, s, us) => {
            if *y == 0 || *mo == 0 || *d == 0 {
                return Ok(None);
            }
            let date = NaiveDate::from_ymd_opt(i32::from(*y), u32::from(*mo), u32::from(*d))
                .ok_or_else(|| bad(c, "date", v))?;
            let time =
                NaiveTime::from_hms_micro_opt(u32::from(*h), u32::from(*mi), u32::from(*s), *us)
                    .ok_or_else(|| bad(c, "time of day", v))?;
            Ok(Some(date.and_time(time)))
        }
        MyValue::Bytes(b) => {
            let t = std::str::from_utf8(b).map_err(|_| bad(c, "date", v))?;
            if t.starts_with("0000-00-00") {
                return Ok(None);
            }
            NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
                .or_else(|_| {
                    NaiveDate::parse_from_str(t, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN))
                })
                .map(Some)
                .map_err(|_| bad(c, "date", v))
        }
        other => Err(bad(c, "date", other)),
    }
}

/// A TIME value in µs (it may be negative or beyond 24 hours).
fn time_micros(c: &str, v: &MyValue) -> Result<i64, CdcError> {
    match v {
        MyValue::Time(neg, days, h, m, s, us) => {
            let secs = i64::from(*days) * 86_400
                + i64::from(*h) * 3600
                + i64::from(*m) * 60
                + i64::from(*s);
            let micros = secs * 1_000_000 + i64::from(*us);
            Ok(if *neg { -micros } else { micros })
        }
        MyValue::Bytes(_) => {
            let t = text(c, v)?;
            let (neg, t) = t
                .strip_prefix('-')
                .map_or((false, t.as_str()), |r| (true, r));
            let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
            let parts: Vec<i64> = hms.split(':').map(|p| p.parse().unwrap_or(0)).collect();
            let [h, m, s] = parts[..] else {
                return Err(bad(c, "time", v));
            };
            let frac: i64 = format!("{frac:0<6}")[..6].parse().unwrap_or(0);
            let micros = (h * 3600 + m * 60 + s) * 1_000_000 + frac;
            Ok(if neg { -micros } else { micros })
        }
        other => Err(bad(c, "time", other)),
    }
}

/// A TIMESTAMP as Debezium's ZonedTimestamp: ISO-8601 in UTC. The binlog carries
/// `<epoch seconds>[.<µs>]`; result sets the UTC date and time (the session runs in UTC).
fn zoned_timestamp(c: &str, v: &MyValue) -> Result<Option<String>, CdcError> {
    let utc = match v {
        MyValue::Bytes(b) if !b.contains(&b'-') => {
            let t = std::str::from_utf8(b).map_err(|_| bad(c, "timestamp", v))?;
            let (secs, frac) = t.split_once('.').unwrap_or((t, "0"));
            let secs: i64 = secs.parse().map_err(|_| bad(c, "timestamp", v))?;
            if secs == 0 {
                return Ok(None);
            }
            let micros: u32 = format!("{frac:0<6}")[..6]
                .parse()
                .map_err(|_| bad(c, "timestamp", v))?;
            DateTime::from_timestamp(secs, micros * 1000).ok_or_else(|| bad(c, "timestamp", v))?
        }
        other => match datetime(c, other)? {
            None => return Ok(None),
            Some(dt) => dt.and_utc(),
        },
    };
    Ok(Some(utc.to_rfc3339_opts(SecondsFormat::AutoSi, true)))
}

/// Whether a binlog column of type `t` (from the event's table map) can be the
/// column `c` describes now: a table changed by a later ALTER TABLE must not be read
/// with the wrong columns.
pub fn binlog_type_fits(c: &ColumnDef, t: BinlogType) -> bool {
    use BinlogType::*;
    match c.data_type.as_str() {
        "tinyint" => t == MYSQL_TYPE_TINY,
        "smallint" => t == MYSQL_TYPE_SHORT,
        "mediumint" => t == MYSQL_TYPE_INT24,
        "int" | "integer" => t == MYSQL_TYPE_LONG,
        "bigint" => t == MYSQL_TYPE_LONGLONG,
        "float" => t == MYSQL_TYPE_FLOAT,
        "double" | "real" => t == MYSQL_TYPE_DOUBLE,
        "decimal" | "numeric" => matches!(t, MYSQL_TYPE_NEWDECIMAL | MYSQL_TYPE_DECIMAL),
        "date" => matches!(t, MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE),
        "time" => matches!(t, MYSQL_TYPE_TIME | MYSQL_TYPE_TIME2),
        "datetime" => matches!(t, MYSQL_TYPE_DATETIME | MYSQL_TYPE_DATETIME2),
        "timestamp" => matches!(t, MYSQL_TYPE_TIMESTAMP | MYSQL_TYPE_TIMESTAMP2),
        "year" => t == MYSQL_TYPE_YEAR,
        "bit" => t == MYSQL_TYPE_BIT,
        "enum" => t == MYSQL_TYPE_ENUM,
        "set" => t == MYSQL_TYPE_SET,
        "char" | "binary" | "varchar" | "varbinary" => {
            matches!(
                t,
                MYSQL_TYPE_STRING | MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING
            )
        }
        "tinytext" | "text" | "mediumtext" | "longtext" | "tinyblob" | "blob" | "mediumblob"
        | "longblob" => matches!(
            t,
            MYSQL_TYPE_TINY_BLOB | MYSQL_TYPE_BLOB | MYSQL_TYPE_MEDIUM_BLOB | MYSQL_TYPE_LONG_BLOB
        ),
        "json" => matches!(t, MYSQL_TYPE_JSON | MYSQL_TYPE_BLOB),
        _ => true,
    }
}

/// The value of a column, or None for a zero date (see [`fallback`]).
pub fn convert(c: &str, ty: &ColumnType, v: &MyValue, origin: Origin) -> Result<Value, CdcError> {
    if matches!(v, MyValue::NULL) {
        return Ok(Value::Null);
    }
    let zero = |o: Option<Value>| o.unwrap_or_else(|| fallback(ty));
    Ok(match &ty.kind {
        Kind::Bool => match v {
            MyValue::Bytes(b) => Value::Boolean(b.iter().any(|x| *x != 0)),
            other => Value::Boolean(integer(c, other, 64, false)? != 0),
        },
        Kind::Int16 { bits, unsigned } => Value::Int16(
            i16::try_from(integer(c, v, *bits, *unsigned)?).map_err(|_| bad(c, "INT16", v))?,
        ),
        Kind::Int32 { bits, unsigned } => Value::Int32(
            i32::try_from(integer(c, v, *bits, *unsigned)?).map_err(|_| bad(c, "INT32", v))?,
        ),
        // BIGINT UNSIGNED above 2^63-1 wraps, as Debezium's `long` mode does.
        Kind::Int64 { bits, unsigned } => Value::Int64(integer(c, v, *bits, *unsigned)? as i64),
        Kind::UnsignedDecimal => Value::Decimal(BigDecimal::from(integer(c, v, 64, true)?)),
        Kind::Float32 => Value::Float32(float(c, v)? as f32),
        Kind::Float64 => Value::Float64(float(c, v)?),
        Kind::Decimal { scale } => Value::Decimal(
            BigDecimal::from_str(text(c, v)?.trim())
                .map_err(|_| bad(c, "DECIMAL", v))?
                .with_scale(*scale),
        ),
        Kind::DecimalDouble => Value::Float64(float(c, v)?),
        Kind::DecimalString => Value::String(text(c, v)?),
        Kind::Text | Kind::Json => Value::String(text(c, v)?),
        Kind::Bytes => match v {
            MyValue::Bytes(b) => Value::Bytes(b.clone()),
            other => Value::Bytes(text(c, other)?.into_bytes()),
        },
        Kind::Bits => match v {
            // MySQL sends BIT values big-endian; Debezium's Bits are little-endian.
            MyValue::Bytes(b) => Value::Bytes(b.iter().rev().copied().collect()),
            other => Value::Bytes(
                (integer(c, other, 64, true)? as u64)
                    .to_le_bytes()
                    .into_iter()
                    .collect(),
            ),
        },
        Kind::Enum(values) => match (v, origin) {
            (MyValue::Int(_) | MyValue::UInt(_), _) => {
                let i = integer(c, v, 16, true)?;
                // Index 0 is the "invalid value" ''.
                let name = usize::try_from(i - 1).ok().and_then(|i| values.get(i));
                Value::String(name.cloned().unwrap_or_default())
            }
            _ => Value::String(text(c, v)?),
        },
        Kind::Set(values) => match (v, origin) {
            (MyValue::Bytes(b), Origin::Binlog) => {
                // A little-endian bitmask of the members.
                let names: Vec<&str> = values
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| b.get(i / 8).is_some_and(|byte| byte & (1 << (i % 8)) != 0))
                    .map(|(_, n)| n.as_str())
                    .collect();
                Value::String(names.join(","))
            }
            (MyValue::Int(_) | MyValue::UInt(_), _) => {
                let mask = integer(c, v, 64, true)?;
                let names: Vec<&str> = values
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i < 64 && mask & (1 << i) != 0)
                    .map(|(_, n)| n.as_str())
                    .collect();
                Value::String(names.join(","))
            }
            _ => Value::String(text(c, v)?),
        },
        Kind::Year => {
            Value::Int32(i32::try_from(integer(c, v, 32, false)?).map_err(|_| bad(c, "YEAR", v))?)
        }
        Kind::Temporal(Temporal::Date) => {
            zero(datetime(c, v)?.map(|d| Value::Int32((d.date() - epoch()).num_days() as i32)))
        }
        Kind::Temporal(Temporal::ConnectDate) => {
            zero(datetime(c, v)?.map(|d| Value::Date(d.date())))
        }
        Kind::Temporal(Temporal::TimeMillis) => Value::Int32((time_micros(c, v)? / 1000) as i32),
        Kind::Temporal(Temporal::TimeMicros) => Value::Int64(time_micros(c, v)?),
        Kind::Temporal(Temporal::ConnectTime) => {
            let micros = time_micros(c, v)?.rem_euclid(86_400_000_000);
            let t = NaiveTime::from_num_seconds_from_midnight_opt(
                (micros / 1_000_000) as u32,
                ((micros % 1_000_000) * 1000) as u32,
            )
            .ok_or_else(|| bad(c, "TIME", v))?;
            Value::Time(t)
        }
        Kind::Temporal(Temporal::TimestampMillis) => {
            zero(datetime(c, v)?.map(|d| Value::Int64(d.and_utc().timestamp_millis())))
        }
        Kind::Temporal(Temporal::TimestampMicros) => {
            zero(datetime(c, v)?.map(|d| Value::Int64(d.and_utc().timestamp_micros())))
        }
        Kind::Temporal(Temporal::ConnectTimestamp) => {
            zero(datetime(c, v)?.map(|d| Value::Timestamp(d.and_utc())))
        }
        Kind::ZonedTimestamp => zero(zoned_timestamp(c, v)?.map(Value::String)),
    })
}

/// The value of a zero date: null when the column allows it, else the epoch.
pub fn fallback(ty: &ColumnType) -> Value {
    if ty.optional {
        return Value::Null;
    }
    match ty.kind {
        Kind::Temporal(Temporal::Date) => Value::Int32(0),
        Kind::Temporal(Temporal::ConnectDate) => Value::Date(epoch()),
        Kind::Temporal(Temporal::TimestampMillis) | Kind::Temporal(Temporal::TimestampMicros) => {
            Value::Int64(0)
        }
        Kind::Temporal(Temporal::ConnectTimestamp) => {
            Value::Timestamp(epoch().and_time(NaiveTime::MIN).and_utc())
        }
        Kind::ZonedTimestamp => Value::String("1970-01-01T00:00:00Z".into()),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(data_type: &str, column_type: &str) -> ColumnDef {
        ColumnDef {
            name: "c".into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
            nullable: true,
            precision: None,
            scale: None,
            datetime_precision: None,
            json: false,
            pk_position: 0,
        }
    }

    fn param<'a>(s: &'a connect_api::Schema, key: &str) -> Option<&'a str> {
        s.parameters
            .as_ref()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn ty(d: &ColumnDef) -> ColumnType {
        column_type(
            d,
            DecimalMode::Precise,
            TimePrecisionMode::AdaptiveTimeMicroseconds,
            BigintUnsignedMode::Long,
        )
    }

    fn conv(d: &ColumnDef, v: MyValue, origin: Origin) -> Value {
        convert("c", &ty(d), &v, origin).unwrap()
    }

    #[test]
    fn integers_widen_and_unsigned_values_are_reinterpreted() {
        let tiny = def("tinyint", "tinyint(1)");
        assert_eq!(ty(&tiny).schema.schema_type, SchemaType::Int16);
        assert_eq!(
            conv(&tiny, MyValue::Int(1), Origin::Binlog),
            Value::Int16(1)
        );
        let tiny_u = def("tinyint", "tinyint(3) unsigned");
        // The binlog without signedness metadata sends 200 as -56.
        assert_eq!(
            conv(&tiny_u, MyValue::Int(-56), Origin::Binlog),
            Value::Int16(200)
        );
        let small_u = def("smallint", "smallint(5) unsigned");
        assert_eq!(ty(&small_u).schema.schema_type, SchemaType::Int32);
        assert_eq!(
            conv(&small_u, MyValue::Int(-1), Origin::Binlog),
            Value::Int32(65535)
        );
        let int_u = def("int", "int(10) unsigned");
        assert_eq!(ty(&int_u).schema.schema_type, SchemaType::Int64);
        assert_eq!(
            conv(&int_u, MyValue::Int(-1), Origin::Binlog),
            Value::Int64(4_294_967_295)
        );
        let big_u = def("bigint", "bigint(20) unsigned");
        let precise = column_type(
            &big_u,
            DecimalMode::Precise,
            TimePrecisionMode::Connect,
            BigintUnsignedMode::Precise,
        );
        assert_eq!(
            convert("c", &precise, &MyValue::Int(-1), Origin::Binlog).unwrap(),
            Value::Decimal(BigDecimal::from(u64::MAX))
        );
        assert_eq!(
            conv(
                &def("mediumint", "mediumint(9)"),
                MyValue::Int(-5),
                Origin::Binlog
            ),
            Value::Int32(-5)
        );
    }

    #[test]
    fn decimals_follow_decimal_handling_mode() {
        let mut d = def("decimal", "decimal(10,2)");
        d.precision = Some(10);
        d.scale = Some(2);
        let t = ty(&d);
        assert_eq!(
            t.schema.name.as_deref(),
            Some("org.apache.kafka.connect.data.Decimal")
        );
        assert_eq!(param(&t.schema, "scale"), Some("2"));
        assert_eq!(param(&t.schema, "connect.decimal.precision"), Some("10"));
        assert_eq!(
            conv(&d, MyValue::Bytes(b"10.5".to_vec()), Origin::Binlog),
            Value::Decimal(BigDecimal::from_str("10.50").unwrap())
        );
        let s = column_type(
            &d,
            DecimalMode::String,
            TimePrecisionMode::Connect,
            BigintUnsignedMode::Long,
        );
        assert_eq!(
            convert("c", &s, &MyValue::Bytes(b"1.25".to_vec()), Origin::Query).unwrap(),
            Value::from("1.25")
        );
        let f = column_type(
            &d,
            DecimalMode::Double,
            TimePrecisionMode::Connect,
            BigintUnsignedMode::Long,
        );
        assert_eq!(
            convert("c", &f, &MyValue::Bytes(b"1.25".to_vec()), Origin::Query).unwrap(),
            Value::Float64(1.25)
        );
    }

    #[test]
    fn temporal_types() {
        let date = def("date", "date");
        assert_eq!(
            ty(&date).schema.name.as_deref(),
            Some("io.debezium.time.Date")
        );
        assert_eq!(
            conv(
                &date,
                MyValue::Date(2018, 1, 13, 0, 0, 0, 0),
                Origin::Binlog
            ),
            Value::Int32(17544)
        );
        assert_eq!(
            conv(&date, MyValue::Date(0, 0, 0, 0, 0, 0, 0), Origin::Binlog),
            Value::Null
        );
        let mut required = date.clone();
        required.nullable = false;
        assert_eq!(
            conv(
                &required,
                MyValue::Date(0, 0, 0, 0, 0, 0, 0),
                Origin::Binlog
            ),
            Value::Int32(0)
        );

        let mut dt = def("datetime", "datetime");
        dt.datetime_precision = Some(0);
        assert_eq!(
            ty(&dt).schema.name.as_deref(),
            Some("io.debezium.time.Timestamp")
        );
        // Debezium's documented example: 2018-06-20 06:37:03 -> 1529476623000.
        assert_eq!(
            conv(&dt, MyValue::Date(2018, 6, 20, 6, 37, 3, 0), Origin::Binlog),
            Value::Int64(1_529_476_623_000)
        );
        dt.datetime_precision = Some(6);
        assert_eq!(
            ty(&dt).schema.name.as_deref(),
            Some("io.debezium.time.MicroTimestamp")
        );
        assert_eq!(
            conv(&dt, MyValue::Date(2018, 6, 20, 6, 37, 3, 5), Origin::Binlog),
            Value::Int64(1_529_476_623_000_005)
        );

        let time = def("time", "time");
        assert_eq!(
            ty(&time).schema.name.as_deref(),
            Some("io.debezium.time.MicroTime")
        );
        assert_eq!(
            conv(&time, MyValue::Time(false, 1, 2, 0, 1, 7), Origin::Binlog),
            Value::Int64(93_601_000_007)
        );
        assert_eq!(
            conv(&time, MyValue::Time(true, 0, 0, 0, 1, 0), Origin::Query),
            Value::Int64(-1_000_000)
        );

        let ts = def("timestamp", "timestamp");
        assert_eq!(
            ty(&ts).schema.name.as_deref(),
            Some("io.debezium.time.ZonedTimestamp")
        );
        // Binlog: epoch seconds; result set: the UTC date and time.
        assert_eq!(
            conv(&ts, MyValue::Bytes(b"1529501823".to_vec()), Origin::Binlog),
            Value::from("2018-06-20T13:37:03Z")
        );
        assert_eq!(
            conv(
                &ts,
                MyValue::Bytes(b"1529501823.120000".to_vec()),
                Origin::Binlog
            ),
            Value::from("2018-06-20T13:37:03.120Z")
        );
        assert_eq!(
            conv(&ts, MyValue::Date(2018, 6, 20, 13, 37, 3, 0), Origin::Query),
            Value::from("2018-06-20T13:37:03Z")
        );
        let year = def("year", "year(4)");
        assert_eq!(
            conv(&year, MyValue::Bytes(b"2024".to_vec()), Origin::Binlog),
            Value::Int32(2024)
        );
        assert_eq!(
            conv(&year, MyValue::Int(2024), Origin::Query),
            Value::Int32(2024)
        );

        let connect = column_type(
            &dt,
            DecimalMode::Precise,
            TimePrecisionMode::Connect,
            BigintUnsignedMode::Long,
        );
        assert_eq!(
            connect.schema.name.as_deref(),
            Some("org.apache.kafka.connect.data.Timestamp")
        );
    }

    #[test]
    fn binlog_types_must_fit_the_current_columns() {
        assert!(binlog_type_fits(
            &def("int", "int(11)"),
            BinlogType::MYSQL_TYPE_LONG
        ));
        assert!(!binlog_type_fits(
            &def("int", "int(11)"),
            BinlogType::MYSQL_TYPE_VARCHAR
        ));
        assert!(binlog_type_fits(
            &def("varchar", "varchar(10)"),
            BinlogType::MYSQL_TYPE_VARCHAR
        ));
        assert!(binlog_type_fits(
            &def("text", "text"),
            BinlogType::MYSQL_TYPE_BLOB
        ));
        assert!(binlog_type_fits(
            &def("datetime", "datetime(6)"),
            BinlogType::MYSQL_TYPE_DATETIME2
        ));
        assert!(!binlog_type_fits(
            &def("date", "date"),
            BinlogType::MYSQL_TYPE_DATETIME2
        ));
    }

    #[test]
    fn enums_sets_bits_json_and_bytes() {
        assert_eq!(enum_values("enum('a','it''s','c')"), ["a", "it's", "c"]);
        let e = def("enum", "enum('small','medium','large')");
        let t = ty(&e);
        assert_eq!(t.schema.name.as_deref(), Some("io.debezium.data.Enum"));
        assert_eq!(param(&t.schema, "allowed"), Some("small,medium,large"));
        assert_eq!(
            conv(&e, MyValue::Int(2), Origin::Binlog),
            Value::from("medium")
        );
        assert_eq!(
            conv(&e, MyValue::Bytes(b"large".to_vec()), Origin::Query),
            Value::from("large")
        );
        let s = def("set", "set('a','b','c')");
        assert_eq!(
            ty(&s).schema.name.as_deref(),
            Some("io.debezium.data.EnumSet")
        );
        assert_eq!(
            conv(&s, MyValue::Bytes(vec![0b101]), Origin::Binlog),
            Value::from("a,c")
        );
        assert_eq!(
            conv(&s, MyValue::Bytes(b"a,c".to_vec()), Origin::Query),
            Value::from("a,c")
        );

        let mut bit1 = def("bit", "bit(1)");
        bit1.precision = Some(1);
        assert_eq!(
            conv(&bit1, MyValue::Bytes(vec![1]), Origin::Binlog),
            Value::Boolean(true)
        );
        let mut bits = def("bit", "bit(12)");
        bits.precision = Some(12);
        assert_eq!(param(&ty(&bits).schema, "length"), Some("12"));
        assert_eq!(
            conv(&bits, MyValue::Bytes(vec![0x0a, 0xbc]), Origin::Binlog),
            Value::Bytes(vec![0xbc, 0x0a])
        );

        assert_eq!(
            ty(&def("json", "json")).schema.name.as_deref(),
            Some("io.debezium.data.Json")
        );
        let mut maria_json = def("longtext", "longtext");
        maria_json.json = true;
        assert_eq!(
            ty(&maria_json).schema.name.as_deref(),
            Some("io.debezium.data.Json")
        );
        assert_eq!(ty(&def("longtext", "longtext")).schema.name, None);
        assert_eq!(
            conv(
                &def("blob", "blob"),
                MyValue::Bytes(vec![0, 255]),
                Origin::Binlog
            ),
            Value::Bytes(vec![0, 255])
        );
        assert_eq!(
            conv(
                &def("varchar", "varchar(10)"),
                MyValue::Bytes(b"h\xc3\xa9".to_vec()),
                Origin::Binlog
            ),
            Value::from("hé")
        );
        assert_eq!(
            ty(&def("float", "float")).schema.schema_type,
            SchemaType::Float32
        );
        assert_eq!(
            conv(
                &def("varchar", "varchar(10)"),
                MyValue::NULL,
                Origin::Binlog
            ),
            Value::Null
        );
    }
}
