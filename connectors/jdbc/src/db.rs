//! The database side: which database a `connection.url` names, a connection pool to
//! it, identifier quoting per dialect, table metadata, and running statements with
//! bound parameters (sqlx runtime queries; the tables are only known at run time).
//! SQLite's specifics (file URLs, PRAGMA metadata, dynamic typing) are in
//! [`crate::sqlite`]; this module only dispatches to it.

use std::str::FromStr;
use std::time::Duration;

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use connect_api::Value;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, Column, Row};

use crate::error::JdbcError;
use crate::sqlite;
use crate::timezone::DbZone;
use crate::types::ColKind;

pub const CONNECTION_URL_CONFIG: &str = "connection.url";
pub const CONNECTION_USER_CONFIG: &str = "connection.user";
pub const CONNECTION_PASSWORD_CONFIG: &str = "connection.password";

/// How long to wait for a connection: long enough for a busy server, short enough that
/// validating a config against an unreachable one answers before the REST timeout.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQL flavour: quoting, placeholders, upsert syntax and type names differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    /// MariaDB and MySQL.
    MySql,
    /// A SQLite database file (see [`crate::sqlite`]).
    Sqlite,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSql",
            Dialect::MySql => "MySql",
            Dialect::Sqlite => "Sqlite",
        }
    }

    /// Quotes one identifier, doubling any quote character inside it.
    pub fn quote(self, ident: &str) -> String {
        match self {
            Dialect::Postgres => format!("\"{}\"", ident.replace('"', "\"\"")),
            // SQLite takes backquotes too (as Confluent's dialect quotes): unlike a
            // double-quoted name, a backquoted one never falls back to a string literal.
            Dialect::MySql | Dialect::Sqlite => format!("`{}`", ident.replace('`', "``")),
        }
    }

    /// The `n`th (1-based) bind placeholder.
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Postgres => format!("${n}"),
            Dialect::MySql | Dialect::Sqlite => "?".to_string(),
        }
    }

    /// The most bind parameters one statement may carry: the protocol limit of both
    /// servers, SQLite's SQLITE_MAX_VARIABLE_NUMBER (32,766 since 3.32).
    pub fn max_params(self) -> usize {
        match self {
            Dialect::Postgres | Dialect::MySql => 65_535,
            Dialect::Sqlite => 32_766,
        }
    }
}

/// A table, optionally qualified by its schema (PostgreSQL), database (MySQL) or
/// attached database (SQLite):
/// `orders` or `sales.orders`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId {
    pub schema: Option<String>,
    pub name: String,
}

impl TableId {
    pub fn parse(text: &str) -> TableId {
        let text = text.trim();
        match text.rsplit_once('.') {
            Some((schema, name)) if !schema.is_empty() && !name.is_empty() => TableId {
                schema: Some(schema.to_string()),
                name: name.to_string(),
            },
            _ => TableId {
                schema: None,
                name: text.to_string(),
            },
        }
    }

    pub fn quoted(&self, dialect: Dialect) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", dialect.quote(schema), dialect.quote(&self.name)),
            None => dialect.quote(&self.name),
        }
    }
}

impl std::fmt::Display for TableId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// What `connection.url`, `connection.user` and `connection.password` say.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub url: String,
    pub user: Option<String>,
    pub password: Option<String>,
}

/// A `connection.url` understood: the dialect, the URL sqlx takes, and credentials
/// given as JDBC query parameters (`?user=..&password=..`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedUrl {
    pub dialect: Dialect,
    pub sqlx_url: String,
    pub user: Option<String>,
    pub password: Option<String>,
}

/// Accepts `jdbc:postgresql://`, `jdbc:mysql://`, `jdbc:mariadb://` and the plain
/// `postgres(ql)://`, `mysql://`, `mariadb://` forms, and SQLite's `jdbc:sqlite:<path>`,
/// `sqlite://<path>`, `sqlite:<path>`. JDBC driver parameters other than user and
/// password mean nothing to sqlx and are dropped.
pub fn parse_url(url: &str) -> Result<ParsedUrl, JdbcError> {
    if let Some(path) = sqlite::parse_path(url) {
        return Ok(ParsedUrl {
            dialect: Dialect::Sqlite,
            sqlx_url: format!("sqlite://{}", path?.display()),
            user: None,
            password: None,
        });
    }
    let trimmed = url.trim();
    let rest = match trimmed.get(..5) {
        Some(prefix) if prefix.eq_ignore_ascii_case("jdbc:") => &trimmed[5..],
        _ => trimmed,
    };
    let unsupported = || {
        JdbcError::config(
            CONNECTION_URL_CONFIG,
            format!(
                "Unsupported database URL '{}': expected jdbc:postgresql://, jdbc:mysql://, jdbc:mariadb:// or jdbc:sqlite:<path> (or postgres:// / mysql:// / sqlite://)",
                redact(url)
            ),
        )
    };
    let (scheme, after) = rest.split_once("://").ok_or_else(unsupported)?;
    let (dialect, sqlx_scheme) = match scheme.to_ascii_lowercase().as_str() {
        "postgresql" | "postgres" => (Dialect::Postgres, "postgres"),
        "mysql" | "mariadb" => (Dialect::MySql, "mysql"),
        _ => return Err(unsupported()),
    };
    let (location, query) = match after.split_once('?') {
        Some((l, q)) => (l, Some(q)),
        None => (after, None),
    };
    if location.is_empty() {
        return Err(unsupported());
    }
    let mut user = None;
    let mut password = None;
    for pair in query.into_iter().flat_map(|q| q.split(['&', ';'])) {
        match pair.split_once('=') {
            Some(("user", v)) => user = Some(v.to_string()),
            Some(("password", v)) => password = Some(v.to_string()),
            _ => {}
        }
    }
    Ok(ParsedUrl {
        dialect,
        sqlx_url: format!("{sqlx_scheme}://{location}"),
        user,
        password,
    })
}

/// The URL with any password in it replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    // user:password@host
    if let Some(scheme_end) = out.find("://") {
        let auth_start = scheme_end + 3;
        let host_end = out[auth_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| auth_start + i);
        if let Some(at) = out[auth_start..host_end].rfind('@') {
            let userinfo = &out[auth_start..auth_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(auth_start + colon + 1..auth_start + at, "****");
            }
        }
    }
    // ?password=...
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let redacted: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some(("password", _)) => "password=****".to_string(),
                _ => p.to_string(),
            })
            .collect();
        out = format!("{head}{}", redacted.join("&"));
    }
    out
}

/// A value to bind to a placeholder, typed so that NULLs carry the column's type
/// (PostgreSQL rejects an untyped NULL of the wrong type).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int8(Option<i8>),
    Int16(Option<i16>),
    Int32(Option<i32>),
    Int64(Option<i64>),
    Float32(Option<f32>),
    Float64(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Decimal(Option<BigDecimal>),
    Date(Option<NaiveDate>),
    Time(Option<NaiveTime>),
    /// A wall-clock time for a column without time zone.
    Timestamp(Option<NaiveDateTime>),
    /// An instant: for `timestamp with time zone` columns, and on PostgreSQL for any
    /// timestamp the sink writes (the session's TimeZone is `db.timezone`, so the
    /// server turns it into that zone's wall clock for columns without time zone).
    TimestampTz(Option<DateTime<Utc>>),
    /// One value per row for a whole column (PostgreSQL only: `unnest($1::int8[])`).
    Array(ParamArray),
}

/// A column of parameters as one PostgreSQL array: a multi-row statement then has one
/// parameter per column instead of one per value, which the server parses and plans
/// far faster than thousands of scalar parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamArray {
    Int16(Vec<Option<i16>>),
    Int32(Vec<Option<i32>>),
    Int64(Vec<Option<i64>>),
    Float32(Vec<Option<f32>>),
    Float64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
    Decimal(Vec<Option<BigDecimal>>),
    Date(Vec<Option<NaiveDate>>),
    Time(Vec<Option<NaiveTime>>),
    Timestamp(Vec<Option<NaiveDateTime>>),
    TimestampTz(Vec<Option<DateTime<Utc>>>),
}

impl ParamArray {
    /// The PostgreSQL array type to cast the parameter to (unnest() needs to know it).
    pub fn sql_type(&self) -> &'static str {
        match self {
            ParamArray::Int16(_) => "int2[]",
            ParamArray::Int32(_) => "int4[]",
            ParamArray::Int64(_) => "int8[]",
            ParamArray::Float32(_) => "float4[]",
            ParamArray::Float64(_) => "float8[]",
            ParamArray::Bool(_) => "bool[]",
            ParamArray::Text(_) => "text[]",
            ParamArray::Bytes(_) => "bytea[]",
            ParamArray::Decimal(_) => "numeric[]",
            ParamArray::Date(_) => "date[]",
            ParamArray::Time(_) => "time[]",
            ParamArray::Timestamp(_) => "timestamp[]",
            ParamArray::TimestampTz(_) => "timestamptz[]",
        }
    }

    /// The array of one column's values; None when the values are not all of one
    /// PostgreSQL type (rows of one shape whose schemas differ), or of a type no array
    /// is made of here.
    pub fn of_column(values: Vec<Param>) -> Option<ParamArray> {
        macro_rules! collect {
            ($variant:ident) => {
                values
                    .into_iter()
                    .map(|p| match p {
                        Param::$variant(v) => Some(v),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(ParamArray::$variant)
            };
        }
        match values.first()? {
            Param::Int16(_) => collect!(Int16),
            Param::Int32(_) => collect!(Int32),
            Param::Int64(_) => collect!(Int64),
            Param::Float32(_) => collect!(Float32),
            Param::Float64(_) => collect!(Float64),
            Param::Bool(_) => collect!(Bool),
            Param::Text(_) => collect!(Text),
            Param::Bytes(_) => collect!(Bytes),
            Param::Decimal(_) => collect!(Decimal),
            Param::Date(_) => collect!(Date),
            Param::Time(_) => collect!(Time),
            Param::Timestamp(_) => collect!(Timestamp),
            Param::TimestampTz(_) => collect!(TimestampTz),
            Param::Int8(_) | Param::Array(_) => None,
        }
    }
}

/// What a writer receives: a statement to run, or the order to commit.
#[derive(Debug)]
pub enum Write {
    Statement((String, Vec<Param>)),
    Commit,
}

/// One column of a table as the database describes it (information_schema).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    /// `data_type` (lower case): `integer`, `character varying`, `int`, `varchar`, ...
    pub data_type: String,
    pub nullable: bool,
    /// NUMERIC/DECIMAL precision (None for an unconstrained PostgreSQL NUMERIC).
    pub precision: Option<i64>,
    pub scale: Option<i64>,
    /// MySQL's `column_type` (`int(10) unsigned`, `tinyint(1)`); PostgreSQL's `udt_name`.
    pub column_type: String,
}

/// What to select for one result column and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectColumn {
    pub expr: String,
    pub kind: ColKind,
}

/// A pool of connections to one database.
#[derive(Clone)]
pub enum Db {
    Postgres(PgPool),
    MySql(MySqlPool),
    Sqlite(SqlitePool),
}

fn sql(text: &str) -> AssertSqlSafe<String> {
    // Every dynamic identifier in our SQL is quoted by Dialect::quote and every value is
    // a bind parameter, so the text itself carries no user data unescaped.
    AssertSqlSafe(text.to_string())
}

/// Binds one parameter by reference; `$arr => $on_array` handles arrays (bound on
/// PostgreSQL, refused on MySQL, which has none).
macro_rules! bind_param {
    ($q:expr, $p:expr, $arr:pat => $on_array:expr) => {
        match $p {
            Param::Int8(v) => $q.bind(*v),
            Param::Int16(v) => $q.bind(*v),
            Param::Int32(v) => $q.bind(*v),
            Param::Int64(v) => $q.bind(*v),
            Param::Float32(v) => $q.bind(*v),
            Param::Float64(v) => $q.bind(*v),
            Param::Bool(v) => $q.bind(*v),
            Param::Text(v) => $q.bind(v.clone()),
            Param::Bytes(v) => $q.bind(v.clone()),
            Param::Decimal(v) => $q.bind(v.clone()),
            Param::Date(v) => $q.bind(*v),
            Param::Time(v) => $q.bind(*v),
            Param::Timestamp(v) => $q.bind(*v),
            Param::TimestampTz(v) => $q.bind(*v),
            Param::Array($arr) => $on_array,
        }
    };
}

/// As `bind_param!`, moving the values into the query (no copies of text or bytes).
macro_rules! bind_owned {
    ($q:expr, $p:expr, $arr:pat => $on_array:expr) => {
        match $p {
            Param::Int8(v) => $q.bind(v),
            Param::Int16(v) => $q.bind(v),
            Param::Int32(v) => $q.bind(v),
            Param::Int64(v) => $q.bind(v),
            Param::Float32(v) => $q.bind(v),
            Param::Float64(v) => $q.bind(v),
            Param::Bool(v) => $q.bind(v),
            Param::Text(v) => $q.bind(v),
            Param::Bytes(v) => $q.bind(v),
            Param::Decimal(v) => $q.bind(v),
            Param::Date(v) => $q.bind(v),
            Param::Time(v) => $q.bind(v),
            Param::Timestamp(v) => $q.bind(v),
            Param::TimestampTz(v) => $q.bind(v),
            Param::Array($arr) => $on_array,
        }
    };
}

/// Binds a PostgreSQL array parameter.
macro_rules! bind_array {
    ($q:expr, $a:expr) => {
        match $a {
            ParamArray::Int16(v) => $q.bind(v),
            ParamArray::Int32(v) => $q.bind(v),
            ParamArray::Int64(v) => $q.bind(v),
            ParamArray::Float32(v) => $q.bind(v),
            ParamArray::Float64(v) => $q.bind(v),
            ParamArray::Bool(v) => $q.bind(v),
            ParamArray::Text(v) => $q.bind(v),
            ParamArray::Bytes(v) => $q.bind(v),
            ParamArray::Decimal(v) => $q.bind(v),
            ParamArray::Date(v) => $q.bind(v),
            ParamArray::Time(v) => $q.bind(v),
            ParamArray::Timestamp(v) => $q.bind(v),
            ParamArray::TimestampTz(v) => $q.bind(v),
        }
    };
}

/// Binds one SQLite parameter, converted to the storage class it is kept in.
macro_rules! bind_sqlite {
    ($q:expr, $p:expr) => {
        match sqlite::arg($p)? {
            sqlite::Arg::Int(v) => $q.bind(v),
            sqlite::Arg::Real(v) => $q.bind(v),
            sqlite::Arg::Text(v) => $q.bind(v),
            sqlite::Arg::Blob(v) => $q.bind(v),
        }
    };
}

fn no_arrays_on_mysql() -> sqlx::Error {
    sqlx::Error::Protocol("array parameters are PostgreSQL-only".into())
}

macro_rules! decode_value {
    ($row:expr, $i:expr, $kind:expr, $zone:expr) => {{
        let row = $row;
        let i = $i;
        match $kind {
            ColKind::Int8 => row.try_get::<Option<i8>, _>(i)?.map(Value::Int8),
            ColKind::Int16 => row.try_get::<Option<i16>, _>(i)?.map(Value::Int16),
            ColKind::Int32 => row.try_get::<Option<i32>, _>(i)?.map(Value::Int32),
            ColKind::Int64 => row.try_get::<Option<i64>, _>(i)?.map(Value::Int64),
            ColKind::Float32 => row.try_get::<Option<f32>, _>(i)?.map(Value::Float32),
            ColKind::Float64 => row.try_get::<Option<f64>, _>(i)?.map(Value::Float64),
            ColKind::Bool => row.try_get::<Option<bool>, _>(i)?.map(Value::Boolean),
            ColKind::Text | ColKind::Other => {
                row.try_get::<Option<String>, _>(i)?.map(Value::String)
            }
            ColKind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Value::Bytes),
            ColKind::Decimal { scale } => row
                .try_get::<Option<BigDecimal>, _>(i)?
                .map(|d| Value::Decimal(d.with_scale(*scale))),
            ColKind::NumericFloat => row
                .try_get::<Option<BigDecimal>, _>(i)?
                .map(|d| Value::Float64(crate::types::decimal_to_f64(&d))),
            ColKind::NumericInt { bits } => match row.try_get::<Option<BigDecimal>, _>(i)? {
                Some(d) => Some(crate::types::decimal_to_int(&d, *bits).ok_or_else(|| {
                    sqlx::Error::Decode(
                        format!(
                            "NUMERIC value {d} of column {} does not fit an INT{bits} (numeric.mapping)",
                            row.column(i).name()
                        )
                        .into(),
                    )
                })?),
                None => None,
            },
            ColKind::Date => row.try_get::<Option<NaiveDate>, _>(i)?.map(Value::Date),
            ColKind::Time => row.try_get::<Option<NaiveTime>, _>(i)?.map(Value::Time),
            ColKind::Timestamp => row
                .try_get::<Option<NaiveDateTime>, _>(i)?
                .map(|t| Value::Timestamp($zone.to_utc(t))),
            ColKind::TimestampUtc => row
                .try_get::<Option<NaiveDateTime>, _>(i)?
                .map(|t| Value::Timestamp(t.and_utc())),
            ColKind::TimestampTz => row
                .try_get::<Option<DateTime<Utc>>, _>(i)?
                .map(Value::Timestamp),
        }
        .unwrap_or(Value::Null)
    }};
}

impl Db {
    /// Connects (one connection is opened at once, so a wrong URL or password fails
    /// here). Errors name the key to fix: `connection.url` for an unreachable server or
    /// unknown database, `connection.password`/`connection.user` for refused
    /// credentials.
    pub async fn connect(settings: &ConnectionSettings) -> Result<Db, JdbcError> {
        Db::connect_in_zone(settings, &DbZone::default()).await
    }

    /// As [`Db::connect`], with PostgreSQL sessions in `zone` (the sink's
    /// `db.timezone`: the server then turns the instants it is sent into that zone's
    /// wall clock for columns without time zone). MySQL sessions stay in UTC: named
    /// zones there need the server's time zone tables, which are often not loaded.
    pub async fn connect_in_zone(
        settings: &ConnectionSettings,
        zone: &DbZone,
    ) -> Result<Db, JdbcError> {
        let parsed = parse_url(&settings.url)?;
        let user = settings.user.clone().or(parsed.user.clone());
        let password = settings.password.clone().or(parsed.password.clone());
        let bad_url = |e: sqlx::Error| {
            JdbcError::config(
                CONNECTION_URL_CONFIG,
                format!("Invalid database URL '{}': {e}", redact(&settings.url)),
            )
        };
        let result = match parsed.dialect {
            Dialect::Postgres => {
                let mut options = PgConnectOptions::from_str(&parsed.sqlx_url).map_err(bad_url)?;
                if let Some(user) = &user {
                    options = options.username(user);
                }
                if let Some(password) = &password {
                    options = options.password(password);
                }
                // sqlx starts every session with TimeZone=UTC, which overrides a
                // `-c TimeZone` option: set the zone once connected instead.
                let time_zone = zone.postgres_setting();
                PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_connect(move |conn, _| {
                        let time_zone = time_zone.clone();
                        Box::pin(async move {
                            sqlx::query("SELECT set_config('TimeZone', $1, false)")
                                .bind(time_zone)
                                .execute(conn)
                                .await
                                .map(|_| ())
                        })
                    })
                    .connect_with(options)
                    .await
                    .map(Db::Postgres)
            }
            Dialect::MySql => {
                let mut options = MySqlConnectOptions::from_str(&parsed.sqlx_url)
                    .map_err(bad_url)?
                    .timezone(Some("+00:00".to_string()));
                if let Some(user) = &user {
                    options = options.username(user);
                }
                if let Some(password) = &password {
                    options = options.password(password);
                }
                MySqlPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map(Db::MySql)
            }
            // Its errors name connection.url already; users and passwords mean nothing.
            Dialect::Sqlite => {
                let path = sqlite::parse_path(&settings.url)
                    .ok_or_else(|| bad_url(sqlx::Error::Protocol("not a SQLite URL".into())))??;
                return sqlite::connect(&path).await.map(Db::Sqlite);
            }
        };
        result.map_err(|e| connect_error(settings, user.as_deref(), e))
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Postgres(_) => Dialect::Postgres,
            Db::MySql(_) => Dialect::MySql,
            Db::Sqlite(_) => Dialect::Sqlite,
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Postgres(p) => p.close().await,
            Db::MySql(p) => p.close().await,
            Db::Sqlite(p) => p.close().await,
        }
    }

    /// Runs `statements` in order in one transaction: all or none take effect.
    pub async fn execute_in_transaction(
        &self,
        statements: Vec<(String, Vec<Param>)>,
    ) -> Result<u64, sqlx::Error> {
        let mut affected = 0;
        match self {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                for (text, params) in statements {
                    let mut q = sqlx::query(AssertSqlSafe(text));
                    for p in params {
                        q = bind_owned!(q, p, a => bind_array!(q, a));
                    }
                    affected += q.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
            }
            Db::MySql(pool) => {
                let mut tx = pool.begin().await?;
                for (text, params) in statements {
                    let mut q = sqlx::query(AssertSqlSafe(text));
                    for p in params {
                        q = bind_owned!(q, p, _ => return Err(no_arrays_on_mysql()));
                    }
                    affected += q.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for (text, params) in statements {
                    let mut q = sqlx::query(AssertSqlSafe(text));
                    for p in params {
                        q = bind_sqlite!(q, p);
                    }
                    affected += q.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
            }
        }
        Ok(affected)
    }

    /// Runs the statements `writes` brings, in order, in one transaction, committed
    /// when [`Write::Commit`] arrives. If the sender goes away without it, the
    /// transaction rolls back and `Ok(None)` says nothing was written.
    pub async fn execute_streamed(
        &self,
        mut writes: tokio::sync::mpsc::Receiver<Write>,
    ) -> Result<Option<u64>, sqlx::Error> {
        let mut affected = 0;
        // Nothing to do until the first statement: an empty put opens no transaction.
        let first = match writes.recv().await {
            Some(Write::Statement(s)) => s,
            Some(Write::Commit) => return Ok(Some(0)),
            None => return Ok(None),
        };
        macro_rules! run {
            ($pool:expr, $q:ident, $p:ident => $bind:expr) => {{
                let mut tx = $pool.begin().await?;
                let mut next = Some(first);
                loop {
                    let Some((text, params)) = next.take() else {
                        match writes.recv().await {
                            Some(Write::Statement(s)) => next = Some(s),
                            Some(Write::Commit) => break,
                            // Dropping the transaction rolls it back.
                            None => return Ok(None),
                        }
                        continue;
                    };
                    let mut $q = sqlx::query(AssertSqlSafe(text));
                    for $p in params {
                        $q = $bind;
                    }
                    affected += $q.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
            }};
        }
        match self {
            Db::Postgres(pool) => run!(pool, q, p => bind_owned!(q, p, a => bind_array!(q, a))),
            Db::MySql(pool) => {
                run!(pool, q, p => bind_owned!(q, p, _ => return Err(no_arrays_on_mysql())))
            }
            Db::Sqlite(pool) => run!(pool, q, p => bind_sqlite!(q, p)),
        }
        Ok(Some(affected))
    }

    /// Runs one statement outside any transaction (DDL).
    pub async fn execute(&self, text: &str) -> Result<(), sqlx::Error> {
        match self {
            Db::Postgres(pool) => sqlx::query(sql(text)).execute(pool).await.map(|_| ()),
            Db::MySql(pool) => sqlx::query(sql(text)).execute(pool).await.map(|_| ()),
            Db::Sqlite(pool) => sqlx::query(sql(text)).execute(pool).await.map(|_| ()),
        }
    }

    /// Runs a query and reads each row as Connect values, one per `kinds` entry.
    /// Timestamps without time zone are read as wall clocks of `zone`.
    pub async fn query_values(
        &self,
        text: &str,
        params: &[Param],
        kinds: &[ColKind],
        zone: &DbZone,
    ) -> Result<Vec<Vec<Value>>, sqlx::Error> {
        let mut out = Vec::new();
        match self {
            Db::Postgres(pool) => {
                let mut q = sqlx::query(sql(text));
                for p in params {
                    q = bind_param!(q, p, a => bind_array!(q, a.clone()));
                }
                for row in q.fetch_all(pool).await? {
                    let mut values = Vec::with_capacity(kinds.len());
                    for (i, kind) in kinds.iter().enumerate() {
                        values.push(decode_value!(&row, i, kind, zone));
                    }
                    out.push(values);
                }
            }
            Db::MySql(pool) => {
                let mut q = sqlx::query(sql(text));
                for p in params {
                    q = bind_param!(q, p, _ => return Err(no_arrays_on_mysql()));
                }
                for row in q.fetch_all(pool).await? {
                    let mut values = Vec::with_capacity(kinds.len());
                    for (i, kind) in kinds.iter().enumerate() {
                        values.push(decode_value!(&row, i, kind, zone));
                    }
                    out.push(values);
                }
            }
            Db::Sqlite(pool) => {
                let mut q = sqlx::query(sql(text));
                for p in params {
                    q = bind_sqlite!(q, p.clone());
                }
                for row in q.fetch_all(pool).await? {
                    let mut values = Vec::with_capacity(kinds.len());
                    for (i, kind) in kinds.iter().enumerate() {
                        values.push(sqlite::decode(&row, i, kind, zone)?);
                    }
                    out.push(values);
                }
            }
        }
        Ok(out)
    }

    /// The database's current UTC wall-clock time: the upper bound of timestamp queries
    /// comes from the database's clock, not ours, as in Confluent's connector.
    pub async fn now_utc(&self) -> Result<NaiveDateTime, sqlx::Error> {
        match self {
            Db::Postgres(pool) => {
                sqlx::query_scalar::<_, NaiveDateTime>("SELECT LOCALTIMESTAMP")
                    .fetch_one(pool)
                    .await
            }
            Db::MySql(pool) => {
                sqlx::query_scalar::<_, NaiveDateTime>("SELECT UTC_TIMESTAMP(6)")
                    .fetch_one(pool)
                    .await
            }
            Db::Sqlite(pool) => sqlite::now_utc(pool).await,
        }
    }

    /// The table's columns in order; empty when there is no such table.
    pub async fn columns(&self, table: &TableId) -> Result<Vec<ColumnInfo>, sqlx::Error> {
        let schema = table.schema.clone();
        let name = table.name.clone();
        let mut out = Vec::new();
        match self {
            Db::Postgres(pool) => {
                let rows = sqlx::query(
                    "SELECT column_name::text, data_type::text, is_nullable::text, \
                     numeric_scale::int4, udt_name::text, numeric_precision::int4 \
                     FROM information_schema.columns \
                     WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2 \
                     ORDER BY ordinal_position",
                )
                .bind(schema)
                .bind(name)
                .fetch_all(pool)
                .await?;
                for row in rows {
                    out.push(ColumnInfo {
                        name: row.try_get(0)?,
                        data_type: row.try_get::<String, _>(1)?.to_ascii_lowercase(),
                        nullable: row.try_get::<String, _>(2)? == "YES",
                        precision: row.try_get::<Option<i32>, _>(5)?.map(i64::from),
                        scale: row.try_get::<Option<i32>, _>(3)?.map(i64::from),
                        column_type: row.try_get(4)?,
                    });
                }
            }
            Db::MySql(pool) => {
                let rows = sqlx::query(
                    "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), \
                     CAST(IS_NULLABLE AS CHAR), CAST(NUMERIC_SCALE AS SIGNED), \
                     CAST(COLUMN_TYPE AS CHAR), CAST(NUMERIC_PRECISION AS SIGNED) \
                     FROM information_schema.COLUMNS \
                     WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? \
                     ORDER BY ORDINAL_POSITION",
                )
                .bind(schema)
                .bind(name)
                .fetch_all(pool)
                .await?;
                for row in rows {
                    out.push(ColumnInfo {
                        name: row.try_get(0)?,
                        data_type: row.try_get::<String, _>(1)?.to_ascii_lowercase(),
                        nullable: row.try_get::<String, _>(2)? == "YES",
                        precision: row.try_get::<Option<i64>, _>(5)?,
                        scale: row.try_get::<Option<i64>, _>(3)?,
                        column_type: row.try_get::<String, _>(4)?.to_ascii_lowercase(),
                    });
                }
            }
            Db::Sqlite(pool) => {
                out = sqlite::columns(pool, schema.as_deref(), &name).await?;
            }
        }
        Ok(out)
    }

    /// The base tables of the connection's current schema (PostgreSQL) or database
    /// (MySQL), sorted by name.
    pub async fn list_tables(&self) -> Result<Vec<String>, sqlx::Error> {
        match self {
            Db::Postgres(pool) => {
                sqlx::query_scalar::<_, String>(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                     ORDER BY 1",
                )
                .fetch_all(pool)
                .await
            }
            Db::MySql(pool) => {
                sqlx::query_scalar::<_, String>(
                    "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' \
                     ORDER BY 1",
                )
                .fetch_all(pool)
                .await
            }
            Db::Sqlite(pool) => sqlite::list_tables(pool).await,
        }
    }
}

/// Turns a failed connect into an error naming the key to fix.
fn connect_error(settings: &ConnectionSettings, user: Option<&str>, e: sqlx::Error) -> JdbcError {
    let url = redact(&settings.url);
    let user = user.unwrap_or("(default)");
    if let sqlx::Error::Database(db) = &e {
        let code = db.code().map(|c| c.to_string()).unwrap_or_default();
        match code.as_str() {
            // PostgreSQL invalid_password / invalid_authorization_specification;
            // MySQL ER_ACCESS_DENIED_ERROR (SQLSTATE 28000 too).
            "28P01" | "28000" | "1045" => {
                return JdbcError::config(
                    CONNECTION_PASSWORD_CONFIG,
                    format!("Could not authenticate to {url} as user '{user}': {db}"),
                )
            }
            // invalid_catalog_name / ER_BAD_DB_ERROR (SQLSTATE 42000).
            "3D000" | "1049" | "42000" => {
                return JdbcError::config(
                    CONNECTION_URL_CONFIG,
                    format!("Database in {url} does not exist or is not accessible: {db}"),
                )
            }
            _ => {}
        }
    }
    JdbcError::config(
        CONNECTION_URL_CONFIG,
        format!("Could not connect to {url} as user '{user}': {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdbc_and_plain_urls() {
        let p = parse_url("jdbc:postgresql://db:5432/shop?user=ann&password=pw&ssl=false");
        let Ok(p) = p else { panic!("{p:?}") };
        assert_eq!(p.dialect, Dialect::Postgres);
        assert_eq!(p.sqlx_url, "postgres://db:5432/shop");
        assert_eq!(p.user.as_deref(), Some("ann"));
        assert_eq!(p.password.as_deref(), Some("pw"));
        for (url, want) in [
            ("jdbc:mysql://h:3306/d", "mysql://h:3306/d"),
            ("jdbc:mariadb://h/d", "mysql://h/d"),
            ("postgres://u:p@h/d", "postgres://u:p@h/d"),
            ("mysql://h/d", "mysql://h/d"),
        ] {
            assert_eq!(
                parse_url(url).map(|p| p.sqlx_url).ok().as_deref(),
                Some(want)
            );
        }
        let p = parse_url("jdbc:sqlite:/var/data/shop.db");
        assert_eq!(p.as_ref().map(|p| p.dialect).ok(), Some(Dialect::Sqlite));
        for bad in [
            "jdbc:sqlite::memory:",
            "jdbc:oracle:thin:@h:1521:x",
            "nonsense",
            "jdbc:postgresql://",
        ] {
            let err = parse_url(bad).err();
            assert_eq!(
                err.as_ref().and_then(|e| e.key()),
                Some(CONNECTION_URL_CONFIG)
            );
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/d"), "postgres://u:****@h/d");
        assert_eq!(
            redact("jdbc:mysql://h/d?user=u&password=secret"),
            "jdbc:mysql://h/d?user=u&password=****"
        );
        assert_eq!(redact("jdbc:postgresql://h/d"), "jdbc:postgresql://h/d");
    }

    #[test]
    fn identifiers_are_quoted_per_dialect() {
        assert_eq!(Dialect::Postgres.quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::MySql.quote("a`b"), "`a``b`");
        let t = TableId::parse("sales.orders");
        assert_eq!(t.quoted(Dialect::Postgres), "\"sales\".\"orders\"");
        assert_eq!(TableId::parse("orders").quoted(Dialect::MySql), "`orders`");
        assert_eq!(Dialect::Sqlite.quote("a`b"), "`a``b`");
        assert_eq!(Dialect::Sqlite.placeholder(3), "?");
    }
}
