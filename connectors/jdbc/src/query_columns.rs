//! The columns of a custom query's result (the source's `query` mode), described as
//! [`ColumnInfo`]s so the query's rows map to Connect types exactly as a table's do.
//!
//! Why not the driver's statement description (sqlx `prepare`)? It gives each column's
//! type but not its type modifier, so a NUMERIC(10,2) would lose its scale and could
//! not become a Decimal of scale 2. Instead the database describes the result as it
//! describes a table:
//!
//! * PostgreSQL: the query becomes a temporary view inside a transaction that is rolled
//!   back (nothing outlives the call, even on failure), and information_schema
//!   describes the view. A view's columns are all nullable there, so nullability comes
//!   from the prepared statement instead, as PostgreSQL's JDBC driver gets it: a column
//!   taken straight from a table column is NOT NULL when that column is; any other
//!   column is nullable.
//! * MySQL/MariaDB: `CREATE TEMPORARY TABLE .. AS SELECT * FROM (<query>) LIMIT 0`
//!   runs the query without reading a row and keeps the result's types and NOT NULL
//!   flags; `SHOW COLUMNS` describes the temporary table (information_schema does not
//!   list temporary tables on MySQL), which is dropped at once. Needs the CREATE
//!   TEMPORARY TABLES privilege.
//! * SQLite: a temporary view described by `PRAGMA table_info` (see
//!   [`crate::sqlite::query_columns`]).

use sqlx::postgres::PgColumn;
use sqlx::{Acquire, AssertSqlSafe, Executor, Row, SqlSafeStr, Statement};

use crate::db::{ColumnInfo, Db};

/// The name of the temporary view/table describing a query (private to the session).
const META_NAME: &str = "__connect_query_columns";

impl Db {
    /// The columns of `query`'s result, in order. Fails with the database's error when
    /// the query does not run.
    pub async fn query_columns(&self, query: &str) -> Result<Vec<ColumnInfo>, sqlx::Error> {
        match self {
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                let result = postgres_columns(&mut tx, query).await;
                // Rolling back drops the view; a failed rollback closes the connection.
                tx.rollback().await?;
                result
            }
            Db::MySql(pool) => {
                let mut conn = pool.acquire().await?;
                let quoted = format!("`{META_NAME}`");
                conn.execute(AssertSqlSafe(format!(
                    "CREATE TEMPORARY TABLE {quoted} AS SELECT * FROM ({query}) AS q LIMIT 0"
                )))
                .await?;
                let rows = conn
                    .fetch_all(AssertSqlSafe(format!("SHOW COLUMNS FROM {quoted}")))
                    .await;
                let dropped = conn
                    .execute(AssertSqlSafe(format!(
                        "DROP TEMPORARY TABLE IF EXISTS {quoted}"
                    )))
                    .await;
                if dropped.is_err() {
                    // Never hand a session holding the table back to the pool.
                    conn.close_on_drop();
                }
                let mut out = Vec::new();
                for row in rows? {
                    let column_type = text(&row, 1)?.to_ascii_lowercase();
                    let (data_type, precision, scale) = parse_mysql_type(&column_type);
                    out.push(ColumnInfo {
                        name: text(&row, 0)?,
                        data_type,
                        nullable: text(&row, 2)? == "YES",
                        precision,
                        scale,
                        column_type,
                    });
                }
                dropped?;
                Ok(out)
            }
            Db::Sqlite(pool) => crate::sqlite::query_columns(pool, query).await,
        }
    }
}

async fn postgres_columns(
    conn: &mut sqlx::PgConnection,
    query: &str,
) -> Result<Vec<ColumnInfo>, sqlx::Error> {
    let view = format!("\"{META_NAME}\"");
    conn.execute(AssertSqlSafe(format!(
        "CREATE TEMPORARY VIEW {view} AS {query}"
    )))
    .await?;
    let rows = sqlx::query(
        "SELECT column_name::text, data_type::text, numeric_scale::int4, udt_name::text, \
         numeric_precision::int4 \
         FROM information_schema.columns \
         WHERE table_schema = (SELECT nspname::text FROM pg_namespace WHERE oid = pg_my_temp_schema()) \
         AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(META_NAME)
    .fetch_all(&mut *conn)
    .await?;
    let statement = (&mut *conn)
        .prepare(AssertSqlSafe(query.to_string()).into_sql_str())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, column) in rows.iter().zip(statement.columns()) {
        out.push(ColumnInfo {
            name: row.try_get(0)?,
            data_type: row.try_get::<String, _>(1)?.to_ascii_lowercase(),
            nullable: !not_null(conn, column).await?,
            precision: row.try_get::<Option<i32>, _>(4)?.map(i64::from),
            scale: row.try_get::<Option<i32>, _>(2)?.map(i64::from),
            column_type: row.try_get(3)?,
        });
    }
    Ok(out)
}

/// Whether a result column is a table column declared NOT NULL.
async fn not_null(conn: &mut sqlx::PgConnection, column: &PgColumn) -> Result<bool, sqlx::Error> {
    let (Some(table), Some(attnum)) = (column.relation_id(), column.relation_attribute_no()) else {
        return Ok(false);
    };
    let not_null: Option<bool> = sqlx::query_scalar(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = $1 AND attnum = $2",
    )
    .bind(table)
    .bind(attnum)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(not_null.unwrap_or(false))
}

/// SHOW COLUMNS values come back as text or, on some servers, as binary strings.
fn text(row: &sqlx::mysql::MySqlRow, i: usize) -> Result<String, sqlx::Error> {
    match row.try_get::<String, _>(i) {
        Ok(s) => Ok(s),
        Err(_) => row
            .try_get::<Vec<u8>, _>(i)
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
    }
}

/// `decimal(10,2) unsigned` -> (`decimal`, precision 10, scale 2): the parts
/// information_schema.COLUMNS would give for a table column.
fn parse_mysql_type(column_type: &str) -> (String, Option<i64>, Option<i64>) {
    let end = column_type.find(['(', ' ']).unwrap_or(column_type.len());
    let data_type = column_type[..end].to_string();
    let args = column_type[end..]
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .map(|(args, _)| args);
    let (precision, scale) = match (data_type.as_str(), args) {
        ("decimal" | "numeric", Some(args)) => {
            let mut parts = args.split(',').map(|p| p.trim().parse::<i64>().ok());
            let precision = parts.next().flatten();
            (precision, Some(parts.next().flatten().unwrap_or(0)))
        }
        _ => (None, None),
    };
    (data_type, precision, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_types_split_like_information_schema() {
        assert_eq!(
            parse_mysql_type("decimal(10,2) unsigned"),
            ("decimal".to_string(), Some(10), Some(2))
        );
        assert_eq!(
            parse_mysql_type("decimal(5)"),
            ("decimal".to_string(), Some(5), Some(0))
        );
        assert_eq!(parse_mysql_type("int(11)"), ("int".to_string(), None, None));
        assert_eq!(
            parse_mysql_type("bigint(20) unsigned"),
            ("bigint".to_string(), None, None)
        );
        assert_eq!(
            parse_mysql_type("datetime(6)"),
            ("datetime".to_string(), None, None)
        );
        assert_eq!(
            parse_mysql_type("double"),
            ("double".to_string(), None, None)
        );
    }
}
