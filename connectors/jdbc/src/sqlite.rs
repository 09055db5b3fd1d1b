//! SQLite specifics (Confluent's `SqliteDatabaseDialect`), kept here so the rest of
//! the crate only dispatches on [`Dialect::Sqlite`]:
//!
//! * `connection.url`: `jdbc:sqlite:<path>`, `sqlite://<path>` or `sqlite:<path>`. The
//!   file must exist (a typo must not silently create an empty database); in-memory
//!   databases are refused, since every pooled connection would get its own empty one.
//! * Columns come from `PRAGMA table_info`: the declared type names the Connect type
//!   ([`source_kind`]); values are decoded from each value's storage class
//!   ([`decode`]), since SQLite does not enforce declared types.
//! * Dates, times and timestamps are stored as ISO-8601 text
//!   (`YYYY-MM-DD HH:MM:SS.SSS`, the form of SQLite's own `strftime('%Y-%m-%d
//!   %H:%M:%f')`), decimals as text, booleans as 0/1. Confluent's connector, through
//!   the xerial driver, writes timestamps as epoch milliseconds; those INTEGER values
//!   are read too.
//! * Timestamp columns are compared through [`timestamp_expr`], which brings text of
//!   any precision and epoch-millisecond integers to one sortable text form.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use connect_api::data::logical::{self, DATE_NAME, DECIMAL_NAME, TIMESTAMP_NAME, TIME_NAME};
use connect_api::{Schema, SchemaType, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{AssertSqlSafe, Column, Decode, Executor, Row, Sqlite, TypeInfo, ValueRef};

use crate::db::{ColumnInfo, Param, CONNECTION_URL_CONFIG};
use crate::error::JdbcError;
use crate::timezone::DbZone;
use crate::types::{decimal_to_f64, decimal_to_int, numeric_kind, ColKind, NumericMapping};

/// How long a statement waits for another connection's write lock (the source and the
/// sink may share a file) before failing with SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The text form timestamps are written and compared in (SQLite's `%f` is `SS.SSS`);
/// chrono's `%.3f` truncates, so an offset from a row at `.1209` compares as `.120`.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3f";
const TIME_FORMAT: &str = "%H:%M:%S%.3f";
const DATE_FORMAT: &str = "%Y-%m-%d";

/// The database file a SQLite `connection.url` names, or None when the URL is not a
/// SQLite one. `file:` URIs and query parameters are not supported.
pub fn parse_path(url: &str) -> Option<Result<PathBuf, JdbcError>> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let rest = ["jdbc:sqlite:", "sqlite://", "sqlite:"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| &trimmed[p.len()..])?;
    let bad = |why: &str| {
        Some(Err(JdbcError::config(
            CONNECTION_URL_CONFIG,
            format!("Unsupported SQLite URL '{trimmed}': {why}"),
        )))
    };
    if rest.is_empty() {
        return bad("no database file");
    }
    if rest.eq_ignore_ascii_case(":memory:") || rest.contains("mode=memory") {
        return bad(
            "in-memory databases are not supported (each connection would see its own empty database); give a file path",
        );
    }
    if rest.contains('?') || rest.to_ascii_lowercase().starts_with("file:") {
        return bad("URI parameters are not supported; give a plain file path");
    }
    Some(Ok(PathBuf::from(rest)))
}

/// Opens a pool on an existing database file. Errors name `connection.url`.
pub async fn connect(path: &Path) -> Result<SqlitePool, JdbcError> {
    let shown = path.display();
    if !path.is_file() {
        return Err(JdbcError::config(
            CONNECTION_URL_CONFIG,
            format!("SQLite database file '{shown}' does not exist or is not a file"),
        ));
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|e| {
            JdbcError::config(
                CONNECTION_URL_CONFIG,
                format!("Could not open SQLite database '{shown}': {e}"),
            )
        })?;
    // Opening is lazy about the file's contents: read the schema once so an unreadable
    // or non-database file fails here, naming the key.
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .fetch_one(&pool)
        .await
        .map_err(|e| {
            JdbcError::config(
                CONNECTION_URL_CONFIG,
                format!("Could not read SQLite database '{shown}': {e}"),
            )
        })?;
    Ok(pool)
}

/// One bind value in a storage class SQLite keeps as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

/// A parameter as SQLite stores it: integers and booleans as INTEGER, decimals and
/// temporal values as text (see the module docs).
pub fn arg(p: Param) -> Result<Arg, sqlx::Error> {
    Ok(match p {
        Param::Int8(v) => Arg::Int(v.map(i64::from)),
        Param::Int16(v) => Arg::Int(v.map(i64::from)),
        Param::Int32(v) => Arg::Int(v.map(i64::from)),
        Param::Int64(v) => Arg::Int(v),
        Param::Bool(v) => Arg::Int(v.map(i64::from)),
        Param::Float32(v) => Arg::Real(v.map(f64::from)),
        Param::Float64(v) => Arg::Real(v),
        Param::Text(v) => Arg::Text(v),
        Param::Bytes(v) => Arg::Blob(v),
        Param::Decimal(v) => Arg::Text(v.map(|d| d.to_plain_string())),
        Param::Date(v) => Arg::Text(v.map(|d| d.format(DATE_FORMAT).to_string())),
        Param::Time(v) => Arg::Text(v.map(|t| t.format(TIME_FORMAT).to_string())),
        Param::Timestamp(v) => Arg::Text(v.map(|t| t.format(TIMESTAMP_FORMAT).to_string())),
        Param::TimestampTz(v) => {
            Arg::Text(v.map(|t| t.naive_utc().format(TIMESTAMP_FORMAT).to_string()))
        }
        Param::Array(_) => {
            return Err(sqlx::Error::Protocol(
                "array parameters are PostgreSQL-only".into(),
            ))
        }
    })
}

/// A timestamp column as comparable text: ISO text of any precision is normalised to
/// milliseconds, and INTEGER values are read as epoch milliseconds (what Confluent's
/// connector writes through the xerial driver). Comparisons are at millisecond
/// precision, SQLite's own clock resolution.
pub fn timestamp_expr(quoted: &str) -> String {
    format!(
        "(CASE typeof({quoted}) WHEN 'integer' THEN strftime('%Y-%m-%d %H:%M:%f', {quoted} / 1000.0, 'unixepoch') \
         ELSE strftime('%Y-%m-%d %H:%M:%f', {quoted}) END)"
    )
}

/// The database's current UTC time.
pub async fn now_utc(pool: &SqlitePool) -> Result<NaiveDateTime, sqlx::Error> {
    let text: String = sqlx::query_scalar("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
        .fetch_one(pool)
        .await?;
    parse_timestamp(&text)
        .ok_or_else(|| sqlx::Error::Decode(format!("unexpected SQLite time '{text}'").into()))
}

/// User tables (not SQLite's internal `sqlite_*` ones), sorted by name.
pub async fn list_tables(pool: &SqlitePool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
}

/// A table's (or view's) columns from `PRAGMA table_info`; empty when there is none.
/// `schema` is an attached database name (`main`, `temp`, ...).
pub async fn columns<'c, E>(
    executor: E,
    schema: Option<&str>,
    name: &str,
) -> Result<Vec<ColumnInfo>, sqlx::Error>
where
    E: Executor<'c, Database = Sqlite>,
{
    let rows =
        match schema {
            Some(schema) => sqlx::query(
                "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1, ?2) ORDER BY cid",
            )
            .bind(name.to_string())
            .bind(schema.to_string())
            .fetch_all(executor)
            .await?,
            None => {
                sqlx::query(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid",
                )
                .bind(name.to_string())
                .fetch_all(executor)
                .await?
            }
        };
    rows.iter().map(column_info).collect()
}

fn column_info(row: &SqliteRow) -> Result<ColumnInfo, sqlx::Error> {
    let declared: String = row.try_get::<Option<String>, _>(1)?.unwrap_or_default();
    let column_type = declared.trim().to_ascii_lowercase();
    let (data_type, precision, scale) = split_declared(&column_type);
    let not_null = row.try_get::<i64, _>(2)? != 0;
    // An INTEGER PRIMARY KEY is the rowid: never NULL even when not declared NOT NULL.
    let rowid = row.try_get::<i64, _>(3)? > 0 && data_type == "integer";
    Ok(ColumnInfo {
        name: row.try_get(0)?,
        data_type,
        nullable: !(not_null || rowid),
        precision,
        scale,
        column_type,
    })
}

/// `decimal(10, 2)` -> (`decimal`, 10, 2); `unsigned big int` -> (`unsigned big int`).
fn split_declared(declared: &str) -> (String, Option<i64>, Option<i64>) {
    let Some((name, rest)) = declared.split_once('(') else {
        return (declared.to_string(), None, None);
    };
    let args = rest.split_once(')').map_or(rest, |(a, _)| a);
    let mut parts = args.split(',').map(|p| p.trim().parse::<i64>().ok());
    let precision = parts.next().flatten();
    let scale = parts.next().flatten();
    (
        name.trim().to_string(),
        precision,
        scale.or(precision.map(|_| 0)),
    )
}

/// The columns of a custom query's result: the query becomes a temporary view that
/// `PRAGMA table_info` describes (the declared types of the columns it selects, the
/// affinity name for a CAST), dropped at once. Other expressions have no declared type
/// and are read as text. One connection throughout: temporary views are per session.
pub async fn query_columns(pool: &SqlitePool, query: &str) -> Result<Vec<ColumnInfo>, sqlx::Error> {
    const VIEW: &str = "__connect_query_columns";
    let mut conn = pool.acquire().await?;
    conn.execute(AssertSqlSafe(format!(
        "CREATE TEMP VIEW `{VIEW}` AS {query}"
    )))
    .await?;
    let described = columns(&mut *conn, Some("temp"), VIEW).await;
    let dropped = conn
        .execute(AssertSqlSafe(format!("DROP VIEW IF EXISTS temp.`{VIEW}`")))
        .await;
    if dropped.is_err() {
        // Never hand a session holding the view back to the pool.
        conn.close_on_drop();
    }
    let out = described?;
    dropped?;
    Ok(out)
}

/// How the source reads a column, from its declared type (Confluent maps by the
/// declared type name, as the xerial driver reports it). SQLite integers are 64-bit
/// whatever the declared width, so every integer type is INT64.
pub fn source_kind(col: &ColumnInfo, mapping: NumericMapping) -> ColKind {
    let t = col.data_type.as_str();
    match t {
        "boolean" | "bool" => ColKind::Bool,
        "date" => ColKind::Date,
        "time" => ColKind::Time,
        "datetime" | "timestamp" => ColKind::Timestamp,
        "numeric" | "decimal" => numeric_kind(mapping, col.precision, col.scale),
        "blob" => ColKind::Bytes,
        // SQLite's affinity rules (https://sqlite.org/datatype3.html#affinity_name_examples).
        _ if t.contains("int") => ColKind::Int64,
        _ if t.contains("char") || t.contains("clob") || t.contains("text") => ColKind::Text,
        _ if t.contains("real") || t.contains("floa") || t.contains("doub") => ColKind::Float64,
        _ if t.contains("blob") => ColKind::Bytes,
        // No declared type, or another NUMERIC-affinity name: whatever is stored, as text.
        _ => ColKind::Other,
    }
}

/// The SQL type a sink creates for a field: Confluent's `getSqlType` (INTEGER, REAL,
/// TEXT, BLOB) except for logical types, which Confluent declares NUMERIC: we declare
/// DECIMAL(p,s)/DATE/TIME/DATETIME instead, which have the same (NUMERIC) affinity
/// but let the source map the columns back to the same logical types.
pub fn sql_type(schema: &Schema) -> Result<String, JdbcError> {
    let t = match schema.name.as_deref() {
        Some(DECIMAL_NAME) => {
            let scale = logical::decimal_scale(schema).map_err(|e| JdbcError::Data(e.message))?;
            format!("DECIMAL(38,{scale})")
        }
        Some(DATE_NAME) => "DATE".into(),
        Some(TIME_NAME) => "TIME".into(),
        Some(TIMESTAMP_NAME) => "DATETIME".into(),
        _ => match schema.schema_type {
            SchemaType::Boolean
            | SchemaType::Int8
            | SchemaType::Int16
            | SchemaType::Int32
            | SchemaType::Int64 => "INTEGER".into(),
            SchemaType::Float32 | SchemaType::Float64 => "REAL".into(),
            SchemaType::String => "TEXT".into(),
            SchemaType::Bytes => "BLOB".into(),
            other => {
                return Err(JdbcError::Data(format!(
                    "Sqlite dialect does not support the Connect type {other}"
                )))
            }
        },
    };
    Ok(t)
}

/// The storage class of one value: SQLite types values, not columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    Null,
    Integer,
    Real,
    Text,
    Blob,
}

/// Reads result column `i` as `kind`, converting from whatever storage class the
/// value has; a value that cannot be converted (text in an INTEGER column) is an
/// error naming the column, not a silent 0.
pub fn decode(
    row: &SqliteRow,
    i: usize,
    kind: &ColKind,
    zone: &DbZone,
) -> Result<Value, sqlx::Error> {
    let raw = row.try_get_raw(i)?;
    // A NULL's type_info is the column's declared type: test for NULL first; any other
    // value's is its storage class.
    let stored = match raw.type_info().name() {
        _ if raw.is_null() => Stored::Null,
        "INTEGER" => Stored::Integer,
        "REAL" => Stored::Real,
        "TEXT" => Stored::Text,
        _ => Stored::Blob,
    };
    if stored == Stored::Null {
        return Ok(Value::Null);
    }
    let column = row.column(i).name().to_string();
    let bad = |what: &str| {
        sqlx::Error::Decode(format!("column {column}: cannot read {what} as {kind:?}").into())
    };
    let int = || <i64 as Decode<Sqlite>>::decode(row.try_get_raw(i)?).map_err(sqlx::Error::Decode);
    let real = || <f64 as Decode<Sqlite>>::decode(row.try_get_raw(i)?).map_err(sqlx::Error::Decode);
    let text =
        || <String as Decode<Sqlite>>::decode(row.try_get_raw(i)?).map_err(sqlx::Error::Decode);
    let decimal = || -> Result<BigDecimal, sqlx::Error> {
        match stored {
            Stored::Integer => Ok(BigDecimal::from(int()?)),
            Stored::Real | Stored::Text => {
                let t = text()?;
                BigDecimal::from_str(t.trim()).map_err(|_| bad(&format!("'{t}'")))
            }
            _ => Err(bad("a BLOB")),
        }
    };
    Ok(match kind {
        ColKind::Int8 | ColKind::Int16 | ColKind::Int32 | ColKind::Int64 => match stored {
            Stored::Integer => Value::Int64(int()?),
            _ => {
                let d = decimal()?;
                decimal_to_int(&d, 64).ok_or_else(|| bad(&format!("{d}")))?
            }
        },
        ColKind::Float32 | ColKind::Float64 | ColKind::NumericFloat => match stored {
            Stored::Integer | Stored::Real => Value::Float64(real()?),
            _ => Value::Float64(decimal_to_f64(&decimal()?)),
        },
        ColKind::Bool => match stored {
            Stored::Integer => Value::Boolean(int()? != 0),
            Stored::Text => match text()?.to_ascii_lowercase().as_str() {
                "true" | "1" => Value::Boolean(true),
                "false" | "0" => Value::Boolean(false),
                other => return Err(bad(&format!("'{other}'"))),
            },
            _ => return Err(bad("a non-integer")),
        },
        ColKind::Text | ColKind::Other => match stored {
            Stored::Blob => {
                let bytes =
                    <Vec<u8> as Decode<Sqlite>>::decode(raw).map_err(sqlx::Error::Decode)?;
                Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => Value::String(text()?),
        },
        ColKind::Bytes => {
            Value::Bytes(<Vec<u8> as Decode<Sqlite>>::decode(raw).map_err(sqlx::Error::Decode)?)
        }
        ColKind::Decimal { scale } => Value::Decimal(decimal()?.with_scale(*scale)),
        ColKind::NumericInt { bits } => {
            let d = decimal()?;
            decimal_to_int(&d, *bits).ok_or_else(|| {
                sqlx::Error::Decode(
                    format!("NUMERIC value {d} of column {column} does not fit an INT{bits} (numeric.mapping)").into(),
                )
            })?
        }
        ColKind::Date => match stored {
            Stored::Integer => Value::Date(
                epoch_millis(int()?)
                    .ok_or_else(|| bad("an epoch"))?
                    .date_naive(),
            ),
            _ => {
                let t = text()?;
                Value::Date(parse_date(&t).ok_or_else(|| bad(&format!("'{t}'")))?)
            }
        },
        ColKind::Time => match stored {
            Stored::Integer => {
                Value::Time(epoch_millis(int()?).ok_or_else(|| bad("an epoch"))?.time())
            }
            _ => {
                let t = text()?;
                Value::Time(parse_time(&t).ok_or_else(|| bad(&format!("'{t}'")))?)
            }
        },
        ColKind::Timestamp | ColKind::TimestampUtc | ColKind::TimestampTz => match stored {
            // Epoch milliseconds are instants, whatever db.timezone says.
            Stored::Integer => {
                Value::Timestamp(epoch_millis(int()?).ok_or_else(|| bad("an epoch"))?)
            }
            _ => {
                let t = text()?;
                let wall = parse_timestamp(&t).ok_or_else(|| bad(&format!("'{t}'")))?;
                Value::Timestamp(zone.to_utc(wall))
            }
        },
    })
}

fn epoch_millis(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// `YYYY-MM-DD HH:MM[:SS[.fff]]`, with `T` or a space, as SQLite's date functions
/// accept them (a trailing `Z` is UTC, as they take it).
pub fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    let t = t.strip_suffix(['Z', 'z']).unwrap_or(t);
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| parse_date(t).and_then(|d| d.and_hms_opt(0, 0, 0)))
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t.get(..10)?, DATE_FORMAT).ok()
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim();
    ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(t, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn sqlite_urls_name_a_file() {
        for (url, want) in [
            ("jdbc:sqlite:/data/shop.db", "/data/shop.db"),
            ("jdbc:sqlite:shop.db", "shop.db"),
            ("sqlite:///data/shop.db", "/data/shop.db"),
            ("sqlite:/data/shop.db", "/data/shop.db"),
        ] {
            let got = parse_path(url).and_then(Result::ok);
            assert_eq!(got, Some(PathBuf::from(want)), "{url}");
        }
        assert!(parse_path("jdbc:postgresql://h/d").is_none());
        for bad in [
            "jdbc:sqlite::memory:",
            "sqlite::memory:",
            "jdbc:sqlite:",
            "jdbc:sqlite:file:x.db?mode=memory",
        ] {
            let err = parse_path(bad).and_then(Result::err);
            assert_eq!(
                err.as_ref().and_then(|e| e.key()),
                Some(CONNECTION_URL_CONFIG),
                "{bad}"
            );
        }
    }

    fn col(declared: &str) -> ColumnInfo {
        let column_type = declared.to_ascii_lowercase();
        let (data_type, precision, scale) = split_declared(&column_type);
        ColumnInfo {
            name: "c".into(),
            data_type,
            nullable: true,
            precision,
            scale,
            column_type,
        }
    }

    #[test]
    fn declared_types_map_like_confluent() {
        let kind = |d: &str| source_kind(&col(d), NumericMapping::None);
        assert_eq!(kind("INTEGER"), ColKind::Int64);
        assert_eq!(kind("INT"), ColKind::Int64);
        assert_eq!(kind("UNSIGNED BIG INT"), ColKind::Int64);
        assert_eq!(kind("REAL"), ColKind::Float64);
        assert_eq!(kind("DOUBLE PRECISION"), ColKind::Float64);
        assert_eq!(kind("FLOAT"), ColKind::Float64);
        assert_eq!(kind("VARCHAR(255)"), ColKind::Text);
        assert_eq!(kind("NCHAR(10)"), ColKind::Text);
        assert_eq!(kind("TEXT"), ColKind::Text);
        assert_eq!(kind("BLOB"), ColKind::Bytes);
        assert_eq!(kind("DECIMAL(10, 2)"), ColKind::Decimal { scale: 2 });
        assert_eq!(kind("NUMERIC(5)"), ColKind::Decimal { scale: 0 });
        assert_eq!(kind("DATE"), ColKind::Date);
        assert_eq!(kind("DATETIME"), ColKind::Timestamp);
        assert_eq!(kind("TIMESTAMP"), ColKind::Timestamp);
        assert_eq!(kind("BOOLEAN"), ColKind::Bool);
        assert_eq!(kind(""), ColKind::Other);
        assert_eq!(
            source_kind(&col("NUMERIC(9,0)"), NumericMapping::BestFit),
            ColKind::NumericInt { bits: 32 }
        );
    }

    #[test]
    fn sink_types_follow_confluent_and_round_trip() {
        assert_eq!(sql_type(&Schema::int8()).ok().as_deref(), Some("INTEGER"));
        assert_eq!(
            sql_type(&Schema::boolean()).ok().as_deref(),
            Some("INTEGER")
        );
        assert_eq!(sql_type(&Schema::float32()).ok().as_deref(), Some("REAL"));
        assert_eq!(sql_type(&Schema::string()).ok().as_deref(), Some("TEXT"));
        assert_eq!(sql_type(&Schema::bytes()).ok().as_deref(), Some("BLOB"));
        let d = logical::decimal_schema(3).build();
        assert_eq!(sql_type(&d).ok().as_deref(), Some("DECIMAL(38,3)"));
        let kind = source_kind(&col("DECIMAL(38,3)"), NumericMapping::None);
        assert_eq!(kind, ColKind::Decimal { scale: 3 });
        let ts = logical::timestamp_schema().build();
        assert_eq!(sql_type(&ts).ok().as_deref(), Some("DATETIME"));
    }

    #[test]
    fn temporal_text_forms_parse() {
        let want =
            NaiveDate::from_ymd_opt(2024, 5, 6).and_then(|d| d.and_hms_milli_opt(7, 8, 9, 120));
        assert_eq!(parse_timestamp("2024-05-06 07:08:09.120"), want);
        assert_eq!(parse_timestamp("2024-05-06T07:08:09.12Z"), want);
        assert_eq!(
            parse_timestamp("2024-05-06"),
            NaiveDate::from_ymd_opt(2024, 5, 6).and_then(|d| d.and_hms_opt(0, 0, 0))
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_time("07:08"), NaiveTime::from_hms_opt(7, 8, 0));
        // Offsets are compared truncated to SQLite's milliseconds, so the row an offset
        // came from (say at .120999) is not read again.
        let t = want.and_then(|t| t.with_nanosecond(120_999_999));
        assert_eq!(
            arg(Param::Timestamp(t)).ok(),
            Some(Arg::Text(Some("2024-05-06 07:08:09.120".into())))
        );
    }
}
