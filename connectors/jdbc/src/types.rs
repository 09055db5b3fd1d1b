//! Type mapping both ways: database columns to Connect schemas and values (source),
//! Connect schemas and values to SQL types and bind parameters (sink).

use bigdecimal::{BigDecimal, ToPrimitive};
use connect_api::data::logical::{self, DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use connect_api::{Schema, SchemaBuilder, SchemaRef, SchemaType, Value};

use crate::db::{ColumnInfo, Dialect, Param};
use crate::error::JdbcError;
use crate::timezone::DbZone;

/// How a result column is read into a Connect value.
#[derive(Debug, Clone, PartialEq)]
pub enum ColKind {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Bool,
    Text,
    Bytes,
    /// NUMERIC/DECIMAL as a Connect Decimal of this scale.
    Decimal {
        scale: i64,
    },
    /// NUMERIC read as a Connect integer of this many bits (`numeric.mapping`
    /// precision_only / best_fit / best_fit_eager_double with scale <= 0).
    NumericInt {
        bits: u8,
    },
    /// NUMERIC read as FLOAT64 (`numeric.mapping` best_fit* with scale > 0).
    NumericFloat,
    Date,
    Time,
    /// A column without time zone: its wall clock is read in `db.timezone`.
    Timestamp,
    /// MySQL TIMESTAMP: stored as an instant and shown in the session's zone, which
    /// is always UTC here, whatever `db.timezone` says.
    TimestampUtc,
    TimestampTz,
    /// Anything else (json, uuid, enums, arrays, ...): selected as text.
    Other,
}

/// What the source selects for a column, how it reads it and the field's schema.
#[derive(Debug, Clone)]
pub struct SourceColumn {
    pub name: String,
    pub select: String,
    pub kind: ColKind,
    pub schema: SchemaRef,
}

/// Confluent's `numeric.mapping`: how NUMERIC columns map to Connect types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumericMapping {
    /// Always Decimal.
    #[default]
    None,
    /// Integers (scale 0, precision <= 18) by precision; the rest Decimal.
    PrecisionOnly,
    /// Precision <= 18: integers by precision when scale <= 0, FLOAT64 when > 0.
    BestFit,
    /// As best_fit, but any scale > 0 is FLOAT64 whatever the precision.
    BestFitEagerDouble,
}

impl NumericMapping {
    pub const NAMES: [&'static str; 4] = [
        "none",
        "precision_only",
        "best_fit",
        "best_fit_eager_double",
    ];

    pub fn parse(name: &str) -> Option<NumericMapping> {
        match name.to_ascii_lowercase().as_str() {
            "none" => Some(NumericMapping::None),
            "precision_only" => Some(NumericMapping::PrecisionOnly),
            "best_fit" => Some(NumericMapping::BestFit),
            "best_fit_eager_double" => Some(NumericMapping::BestFitEagerDouble),
            _ => None,
        }
    }
}

/// Confluent's constants: JDBC's lowest NUMERIC scale, the scale used when a column has
/// none (`NUMERIC_TYPE_SCALE_HIGH`) and the widest precision a long holds.
const NUMERIC_SCALE_LOW: i64 = -84;
const NUMERIC_SCALE_HIGH: i64 = 127;
const MAX_INTEGER_PRECISION: i64 = 18;

/// The integer width Confluent picks for a NUMERIC of `precision` digits.
fn integer_bits(precision: i64) -> u8 {
    match precision {
        p if p > 9 => 64,
        p if p > 4 => 32,
        p if p > 2 => 16,
        _ => 8,
    }
}

/// How a NUMERIC column is read under `mapping`, as Confluent's
/// `GenericDatabaseDialect.addFieldToSchema` does for `Types.NUMERIC`. Only
/// PostgreSQL's NUMERIC/DECIMAL reach here: MySQL's driver reports DECIMAL as
/// `Types.DECIMAL`, which Confluent always maps to Decimal whatever `numeric.mapping`
/// says, and so do we (the same topics get the same schemas).
///
/// An unconstrained PostgreSQL NUMERIC (no precision, no scale) is a Decimal of scale
/// 127 under `none` and `precision_only`, as Confluent's PostgreSQL dialect makes it.
/// Under `best_fit*` Confluent sees precision 0, scale 0 and picks INT8, which truncates
/// every value; we read those as FLOAT64 instead (the deviation is documented).
pub fn numeric_kind(
    mapping: NumericMapping,
    precision: Option<i64>,
    scale: Option<i64>,
) -> ColKind {
    let Some(precision) = precision.filter(|p| *p > 0) else {
        return match mapping {
            NumericMapping::BestFit | NumericMapping::BestFitEagerDouble => ColKind::NumericFloat,
            _ => ColKind::Decimal {
                scale: scale.filter(|s| *s != 0).unwrap_or(NUMERIC_SCALE_HIGH),
            },
        };
    };
    let scale = scale.unwrap_or(0);
    let integer = (NUMERIC_SCALE_LOW..=0).contains(&scale);
    let fits = precision <= MAX_INTEGER_PRECISION;
    match mapping {
        NumericMapping::PrecisionOnly if scale == 0 && fits => ColKind::NumericInt {
            bits: integer_bits(precision),
        },
        NumericMapping::BestFit | NumericMapping::BestFitEagerDouble if integer && fits => {
            ColKind::NumericInt {
                bits: integer_bits(precision),
            }
        }
        NumericMapping::BestFit if scale > 0 && fits => ColKind::NumericFloat,
        NumericMapping::BestFitEagerDouble if scale > 0 => ColKind::NumericFloat,
        _ => ColKind::Decimal { scale },
    }
}

/// Maps a column (of a table or a query's result) to what the source reads
/// (Confluent's `GenericDatabaseDialect.addFieldToSchema`): nullable columns give
/// optional fields; NUMERIC/DECIMAL give Decimal or what `mapping` says;
/// DATE/TIME/TIMESTAMP give the logical types; MySQL unsigned integers widen (BIGINT
/// UNSIGNED to Decimal(0)).
pub fn source_column(dialect: Dialect, col: &ColumnInfo, mapping: NumericMapping) -> SourceColumn {
    let quoted = dialect.quote(&col.name);
    let unsigned = dialect == Dialect::MySql && col.column_type.contains("unsigned");
    let (kind, select) = match (dialect, col.data_type.as_str()) {
        // Values are converted from their storage class when read: no casts needed.
        (Dialect::Sqlite, _) => (crate::sqlite::source_kind(col, mapping), quoted.clone()),
        (Dialect::MySql, "tinyint" | "smallint" | "mediumint" | "int") if unsigned => (
            ColKind::Int64,
            format!("CAST({quoted} AS SIGNED) AS {quoted}"),
        ),
        (Dialect::MySql, "bigint") if unsigned => (
            ColKind::Decimal { scale: 0 },
            format!("CAST({quoted} AS DECIMAL(20,0)) AS {quoted}"),
        ),
        (Dialect::MySql, "tinyint") if col.column_type.starts_with("tinyint(1)") => {
            (ColKind::Bool, quoted.clone())
        }
        (Dialect::MySql, "tinyint") => (ColKind::Int8, quoted.clone()),
        (_, "smallint") => (ColKind::Int16, quoted.clone()),
        (_, "integer" | "int" | "mediumint") => (ColKind::Int32, quoted.clone()),
        (_, "bigint") => (ColKind::Int64, quoted.clone()),
        (Dialect::Postgres, "real") | (Dialect::MySql, "float") => {
            (ColKind::Float32, quoted.clone())
        }
        (_, "double precision" | "double") => (ColKind::Float64, quoted.clone()),
        (_, "boolean") => (ColKind::Bool, quoted.clone()),
        (Dialect::Postgres, "numeric") => (
            numeric_kind(mapping, col.precision, col.scale),
            quoted.clone(),
        ),
        (Dialect::MySql, "decimal" | "numeric") => (
            ColKind::Decimal {
                scale: col.scale.unwrap_or(0),
            },
            quoted.clone(),
        ),
        (
            _,
            "text" | "character varying" | "character" | "varchar" | "char" | "tinytext"
            | "mediumtext" | "longtext",
        ) => (ColKind::Text, quoted.clone()),
        (_, "bytea" | "blob" | "tinyblob" | "mediumblob" | "longblob" | "binary" | "varbinary") => {
            (ColKind::Bytes, quoted.clone())
        }
        (_, "date") => (ColKind::Date, quoted.clone()),
        (_, "time without time zone" | "time") => (ColKind::Time, quoted.clone()),
        (_, "timestamp without time zone" | "datetime") => (ColKind::Timestamp, quoted.clone()),
        // MySQL TIMESTAMP is stored in UTC and shown in the session zone (UTC here).
        (Dialect::MySql, "timestamp") => (ColKind::TimestampUtc, quoted.clone()),
        (_, "timestamp with time zone") => (ColKind::TimestampTz, quoted.clone()),
        (Dialect::Postgres, _) => (
            ColKind::Other,
            format!("CAST({quoted} AS TEXT) AS {quoted}"),
        ),
        (Dialect::MySql, _) => (
            ColKind::Other,
            format!("CAST({quoted} AS CHAR) AS {quoted}"),
        ),
    };
    let builder = match &kind {
        ColKind::Int8 => SchemaBuilder::new(SchemaType::Int8),
        ColKind::Int16 => SchemaBuilder::new(SchemaType::Int16),
        ColKind::Int32 => SchemaBuilder::new(SchemaType::Int32),
        ColKind::Int64 => SchemaBuilder::new(SchemaType::Int64),
        ColKind::Float32 => SchemaBuilder::new(SchemaType::Float32),
        ColKind::Float64 | ColKind::NumericFloat => SchemaBuilder::new(SchemaType::Float64),
        ColKind::Bool => SchemaBuilder::new(SchemaType::Boolean),
        ColKind::Text | ColKind::Other => SchemaBuilder::new(SchemaType::String),
        ColKind::Bytes => SchemaBuilder::new(SchemaType::Bytes),
        ColKind::NumericInt { bits: 8 } => SchemaBuilder::new(SchemaType::Int8),
        ColKind::NumericInt { bits: 16 } => SchemaBuilder::new(SchemaType::Int16),
        ColKind::NumericInt { bits: 32 } => SchemaBuilder::new(SchemaType::Int32),
        ColKind::NumericInt { .. } => SchemaBuilder::new(SchemaType::Int64),
        ColKind::Decimal { scale } => logical::decimal_schema(i32::try_from(*scale).unwrap_or(0)),
        ColKind::Date => logical::date_schema(),
        ColKind::Time => logical::time_schema(),
        ColKind::Timestamp | ColKind::TimestampUtc | ColKind::TimestampTz => {
            logical::timestamp_schema()
        }
    };
    SourceColumn {
        name: col.name.clone(),
        select,
        kind,
        schema: builder.set_optional(col.nullable).build(),
    }
}

/// A NUMERIC value as the nearest double (NaN if it has none, which cannot happen for
/// finite decimals).
pub fn decimal_to_f64(d: &BigDecimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// A NUMERIC value as a Connect integer of `bits` bits; None when it has a fraction or
/// does not fit (a negative-scale column can hold more digits than its precision says).
pub fn decimal_to_int(d: &BigDecimal, bits: u8) -> Option<Value> {
    if !d.is_integer() {
        return None;
    }
    let v = d.to_i64()?;
    Some(match bits {
        8 => Value::Int8(i8::try_from(v).ok()?),
        16 => Value::Int16(i16::try_from(v).ok()?),
        32 => Value::Int32(i32::try_from(v).ok()?),
        _ => Value::Int64(v),
    })
}

/// The SQL type a sink creates for a field (Confluent's dialects' `getSqlType`).
/// `key` columns on MySQL need bounded types: TEXT/BLOB cannot be primary keys.
pub fn sql_type(dialect: Dialect, schema: &Schema, key: bool) -> Result<String, JdbcError> {
    if dialect == Dialect::Sqlite {
        return crate::sqlite::sql_type(schema);
    }
    let logical = schema.name.as_deref();
    let t = match (dialect, logical) {
        (Dialect::Postgres, Some(DECIMAL_NAME)) => "DECIMAL".to_string(),
        (Dialect::MySql, Some(DECIMAL_NAME)) => {
            let scale = logical::decimal_scale(schema)
                .map_err(|e| JdbcError::Data(e.message))?
                .clamp(0, 30);
            format!("DECIMAL(65,{scale})")
        }
        (_, Some(DATE_NAME)) => "DATE".to_string(),
        (Dialect::Postgres, Some(TIME_NAME)) => "TIME".to_string(),
        (Dialect::MySql, Some(TIME_NAME)) => "TIME(3)".to_string(),
        (Dialect::Postgres, Some(TIMESTAMP_NAME)) => "TIMESTAMP".to_string(),
        (Dialect::MySql, Some(TIMESTAMP_NAME)) => "DATETIME(3)".to_string(),
        _ => match (dialect, schema.schema_type) {
            (Dialect::Postgres, SchemaType::Int8 | SchemaType::Int16) => "SMALLINT".into(),
            (Dialect::MySql, SchemaType::Int8) => "TINYINT".into(),
            (Dialect::MySql, SchemaType::Int16) => "SMALLINT".into(),
            (_, SchemaType::Int32) => "INT".into(),
            (_, SchemaType::Int64) => "BIGINT".into(),
            (Dialect::Postgres, SchemaType::Float32) => "REAL".into(),
            (Dialect::MySql, SchemaType::Float32) => "FLOAT".into(),
            (Dialect::Postgres, SchemaType::Float64) => "DOUBLE PRECISION".into(),
            (Dialect::MySql, SchemaType::Float64) => "DOUBLE".into(),
            (Dialect::Postgres, SchemaType::Boolean) => "BOOLEAN".into(),
            (Dialect::MySql, SchemaType::Boolean) => "TINYINT".into(),
            (Dialect::Postgres, SchemaType::String) => "TEXT".into(),
            (Dialect::MySql, SchemaType::String) if key => "VARCHAR(256)".into(),
            (Dialect::MySql, SchemaType::String) => "TEXT".into(),
            (Dialect::Postgres, SchemaType::Bytes) => "BYTEA".into(),
            (Dialect::MySql, SchemaType::Bytes) if key => "VARBINARY(767)".into(),
            (Dialect::MySql, SchemaType::Bytes) => "BLOB".into(),
            (_, other) => {
                return Err(JdbcError::Data(format!(
                    "{} dialect does not support the Connect type {other}",
                    dialect.name()
                )))
            }
        },
    };
    Ok(t)
}

/// The bind parameter for `value` under `schema` (a NULL is typed by the schema).
/// Timestamps go to PostgreSQL as instants (its session is in `zone`, so the server
/// makes them `zone` wall clocks for columns without time zone and keeps the instant
/// for `timestamptz` ones) and to MySQL as `zone` wall clocks.
pub fn to_param(
    dialect: Dialect,
    schema: &Schema,
    value: Value,
    zone: &DbZone,
) -> Result<Param, JdbcError> {
    let kind = value.kind_name();
    let mismatch = || {
        JdbcError::Data(format!(
            "Value of type {kind} does not match schema type {}",
            schema.schema_type
        ))
    };
    let logical = schema.name.as_deref();
    // Logical values may also arrive in their physical form (e.g. from a converter
    // that did not know the logical type); convert those first.
    let value = match (logical, value) {
        (Some(DECIMAL_NAME | DATE_NAME | TIME_NAME | TIMESTAMP_NAME), v) if !v.is_null() => {
            logical::to_logical(schema, v).map_err(|e| JdbcError::Data(e.message))?
        }
        (_, v) => v,
    };
    let null = value.is_null();
    Ok(match logical {
        Some(DECIMAL_NAME) => match value {
            Value::Decimal(d) => Param::Decimal(Some(d)),
            _ if null => Param::Decimal(None),
            _ => return Err(mismatch()),
        },
        Some(DATE_NAME) => match value {
            Value::Date(d) => Param::Date(Some(d)),
            _ if null => Param::Date(None),
            _ => return Err(mismatch()),
        },
        Some(TIME_NAME) => match value {
            Value::Time(t) => Param::Time(Some(t)),
            _ if null => Param::Time(None),
            _ => return Err(mismatch()),
        },
        Some(TIMESTAMP_NAME) => match (dialect, value) {
            (Dialect::Postgres, Value::Timestamp(t)) => Param::TimestampTz(Some(t)),
            (Dialect::Postgres, _) if null => Param::TimestampTz(None),
            (Dialect::MySql | Dialect::Sqlite, Value::Timestamp(t)) => {
                Param::Timestamp(Some(zone.to_local(t)))
            }
            (Dialect::MySql | Dialect::Sqlite, _) if null => Param::Timestamp(None),
            _ => return Err(mismatch()),
        },
        _ => match (schema.schema_type, value) {
            (SchemaType::Int8, Value::Int8(v)) if dialect == Dialect::Postgres => {
                Param::Int16(Some(i16::from(v)))
            }
            (SchemaType::Int8, Value::Null) if dialect == Dialect::Postgres => Param::Int16(None),
            (SchemaType::Int8, Value::Int8(v)) => Param::Int8(Some(v)),
            (SchemaType::Int8, Value::Null) => Param::Int8(None),
            (SchemaType::Int16, Value::Int16(v)) => Param::Int16(Some(v)),
            (SchemaType::Int16, Value::Null) => Param::Int16(None),
            (SchemaType::Int32, Value::Int32(v)) => Param::Int32(Some(v)),
            (SchemaType::Int32, Value::Null) => Param::Int32(None),
            (SchemaType::Int64, Value::Int64(v)) => Param::Int64(Some(v)),
            (SchemaType::Int64, Value::Null) => Param::Int64(None),
            (SchemaType::Float32, Value::Float32(v)) => Param::Float32(Some(v)),
            (SchemaType::Float32, Value::Null) => Param::Float32(None),
            (SchemaType::Float64, Value::Float64(v)) => Param::Float64(Some(v)),
            (SchemaType::Float64, Value::Null) => Param::Float64(None),
            (SchemaType::Boolean, Value::Boolean(v)) => Param::Bool(Some(v)),
            (SchemaType::Boolean, Value::Null) => Param::Bool(None),
            (SchemaType::String, Value::String(v)) => Param::Text(Some(v)),
            (SchemaType::String, Value::Null) => Param::Text(None),
            (SchemaType::Bytes, Value::Bytes(v)) => Param::Bytes(Some(v)),
            (SchemaType::Bytes, Value::Null) => Param::Bytes(None),
            (SchemaType::Array | SchemaType::Map | SchemaType::Struct, _) => {
                return Err(JdbcError::Data(format!(
                    "{} dialect does not support the Connect type {}",
                    dialect.name(),
                    schema.schema_type
                )))
            }
            _ => return Err(mismatch()),
        },
    })
}

/// A Connect value as an offset number (incrementing columns).
pub fn value_as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Int8(v) => Some(i64::from(*v)),
        Value::Int16(v) => Some(i64::from(*v)),
        Value::Int32(v) => Some(i64::from(*v)),
        Value::Int64(v) => Some(*v),
        Value::Decimal(d) => d.to_i64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, data_type: &str, column_type: &str, nullable: bool) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            data_type: data_type.into(),
            nullable,
            precision: None,
            scale: None,
            column_type: column_type.into(),
        }
    }

    fn map(dialect: Dialect, c: &ColumnInfo) -> SourceColumn {
        source_column(dialect, c, NumericMapping::None)
    }

    #[test]
    fn columns_map_to_connect_schemas() {
        let c = map(Dialect::Postgres, &col("id", "integer", "int4", false));
        assert_eq!(c.kind, ColKind::Int32);
        assert!(!c.schema.optional);
        let c = map(Dialect::MySql, &col("n", "int", "int(10) unsigned", true));
        assert_eq!(c.kind, ColKind::Int64);
        assert!(c.select.starts_with("CAST(`n` AS SIGNED)"));
        assert!(c.schema.optional);
        let c = map(Dialect::MySql, &col("b", "tinyint", "tinyint(1)", true));
        assert_eq!(c.kind, ColKind::Bool);
        let mut n = col("price", "numeric", "numeric", false);
        n.precision = Some(10);
        n.scale = Some(2);
        let c = map(Dialect::Postgres, &n);
        assert_eq!(c.schema.name.as_deref(), Some(DECIMAL_NAME));
        assert_eq!(c.schema.parameter("scale"), Some("2"));
        let c = map(Dialect::Postgres, &col("j", "jsonb", "jsonb", true));
        assert_eq!(c.kind, ColKind::Other);
        assert_eq!(c.select, "CAST(\"j\" AS TEXT) AS \"j\"");
        let c = map(
            Dialect::Postgres,
            &col("t", "timestamp without time zone", "timestamp", false),
        );
        assert_eq!(c.schema.name.as_deref(), Some(TIMESTAMP_NAME));
        assert_eq!(c.kind, ColKind::Timestamp);
        let c = map(Dialect::MySql, &col("t", "timestamp", "timestamp", false));
        assert_eq!(c.kind, ColKind::TimestampUtc);
    }

    /// Confluent's table of NUMERIC(precision, scale) mappings.
    #[test]
    fn numeric_mapping_follows_confluent() {
        use ColKind::{Decimal, NumericFloat, NumericInt};
        use NumericMapping::{BestFit, BestFitEagerDouble, None as Plain, PrecisionOnly};
        let cases = [
            (Plain, Some(5), Some(0), Decimal { scale: 0 }),
            (Plain, Some(10), Some(2), Decimal { scale: 2 }),
            (PrecisionOnly, Some(2), Some(0), NumericInt { bits: 8 }),
            (PrecisionOnly, Some(4), Some(0), NumericInt { bits: 16 }),
            (PrecisionOnly, Some(9), Some(0), NumericInt { bits: 32 }),
            (PrecisionOnly, Some(18), Some(0), NumericInt { bits: 64 }),
            (PrecisionOnly, Some(19), Some(0), Decimal { scale: 0 }),
            (PrecisionOnly, Some(10), Some(2), Decimal { scale: 2 }),
            (PrecisionOnly, Some(5), Some(-2), Decimal { scale: -2 }),
            (BestFit, Some(5), Some(-2), NumericInt { bits: 32 }),
            (BestFit, Some(18), Some(0), NumericInt { bits: 64 }),
            (BestFit, Some(10), Some(2), NumericFloat),
            (BestFit, Some(19), Some(2), Decimal { scale: 2 }),
            (BestFit, Some(19), Some(0), Decimal { scale: 0 }),
            (BestFitEagerDouble, Some(19), Some(2), NumericFloat),
            (BestFitEagerDouble, Some(19), Some(0), Decimal { scale: 0 }),
            (
                BestFitEagerDouble,
                Some(3),
                Some(0),
                NumericInt { bits: 16 },
            ),
            // Unconstrained NUMERIC (PostgreSQL).
            (Plain, None, None, Decimal { scale: 127 }),
            (PrecisionOnly, None, None, Decimal { scale: 127 }),
            (BestFit, None, None, NumericFloat),
            (BestFitEagerDouble, None, None, NumericFloat),
        ];
        for (mapping, precision, scale, want) in cases {
            assert_eq!(
                numeric_kind(mapping, precision, scale),
                want,
                "{mapping:?} NUMERIC({precision:?},{scale:?})"
            );
        }
        // MySQL DECIMAL is Types.DECIMAL for Confluent: always Decimal.
        let mut d = col("d", "decimal", "decimal(5,0)", false);
        d.precision = Some(5);
        d.scale = Some(0);
        let c = source_column(Dialect::MySql, &d, BestFit);
        assert_eq!(c.kind, Decimal { scale: 0 });
        let mut n = col("n", "numeric", "numeric", true);
        n.precision = Some(9);
        n.scale = Some(0);
        let c = source_column(Dialect::Postgres, &n, BestFit);
        assert_eq!(c.schema.schema_type, SchemaType::Int32);
        assert!(c.schema.optional);
        assert_eq!(NumericMapping::parse("BEST_FIT"), Some(BestFit));
        assert_eq!(NumericMapping::parse("closest"), None);
    }

    #[test]
    fn numerics_convert_to_integers_only_when_they_fit() {
        let d = |s: &str| s.parse::<BigDecimal>().unwrap_or_default();
        assert_eq!(decimal_to_int(&d("127"), 8), Some(Value::Int8(127)));
        assert_eq!(decimal_to_int(&d("128"), 8), None);
        assert_eq!(decimal_to_int(&d("-40000"), 32), Some(Value::Int32(-40000)));
        assert_eq!(decimal_to_int(&d("1.5"), 64), None);
        assert_eq!(decimal_to_int(&d("12.00"), 16), Some(Value::Int16(12)));
    }

    #[test]
    fn schemas_map_to_sql_types() {
        let s = Schema::string();
        assert_eq!(
            sql_type(Dialect::Postgres, &s, true).ok().as_deref(),
            Some("TEXT")
        );
        assert_eq!(
            sql_type(Dialect::MySql, &s, true).ok().as_deref(),
            Some("VARCHAR(256)")
        );
        assert_eq!(
            sql_type(Dialect::MySql, &s, false).ok().as_deref(),
            Some("TEXT")
        );
        let d = logical::decimal_schema(3).build();
        assert_eq!(
            sql_type(Dialect::MySql, &d, false).ok().as_deref(),
            Some("DECIMAL(65,3)")
        );
        let ts = logical::timestamp_schema().build();
        assert_eq!(
            sql_type(Dialect::Postgres, &ts, false).ok().as_deref(),
            Some("TIMESTAMP")
        );
        let arr = SchemaBuilder::array(Schema::string()).build();
        assert!(sql_type(Dialect::Postgres, &arr, false).is_err());
    }

    #[test]
    fn values_bind_with_typed_nulls() {
        let utc = DbZone::default();
        let p = to_param(
            Dialect::Postgres,
            &Schema::optional_int8(),
            Value::Null,
            &utc,
        );
        assert_eq!(p.ok(), Some(Param::Int16(None)));
        let p = to_param(Dialect::MySql, &Schema::int8(), Value::Int8(3), &utc);
        assert_eq!(p.ok(), Some(Param::Int8(Some(3))));
        let ts = logical::timestamp_schema().build();
        let p = to_param(Dialect::Postgres, &ts, Value::Int64(1_000), &utc);
        assert!(matches!(p, Ok(Param::TimestampTz(Some(t))) if t.timestamp_millis() == 1_000));
        // MySQL gets the wall clock of db.timezone.
        let plus2 = "+02:00".parse::<DbZone>().unwrap_or_default();
        let p = to_param(Dialect::MySql, &ts, Value::Int64(0), &plus2);
        assert!(
            matches!(p, Ok(Param::Timestamp(Some(t))) if t.to_string() == "1970-01-01 02:00:00"),
            "{p:?}"
        );
        assert!(to_param(Dialect::Postgres, &Schema::int32(), Value::from("x"), &utc).is_err());
    }
}
