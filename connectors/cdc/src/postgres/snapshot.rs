//! The initial snapshot: every captured table read in the snapshot the slot exported
//! when it was created, so the snapshot plus the stream from the slot's consistent
//! point hold every change exactly once.

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Row};

use super::catalog::{self, TableId};
use super::lsn::Lsn;
use super::pgoutput::TupleValue;
use super::replication::{quote_ident, ReplicationConnection};
use crate::error::CdcError;

const CURSOR: &str = "raftconnect_snapshot";

/// A snapshot in progress.
pub struct Snapshot {
    /// Kept open and idle: the exported snapshot lives until its next command.
    pub replication: ReplicationConnection,
    pub consistent_point: Lsn,
    pub tx_id: Option<i64>,
    /// When the snapshot started, µs since the epoch (the records' `source.ts_ms`).
    pub started_us: i64,
    pub tables: Vec<TableId>,
    /// Index into `tables` of the table being read, and whether its cursor is open.
    pub current: usize,
    pub cursor_open: bool,
}

/// Opens a REPEATABLE READ transaction on `conn` in the exported snapshot.
pub async fn begin(conn: &mut PgConnection, snapshot_name: &str) -> Result<Option<i64>, CdcError> {
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *conn)
        .await
        .map_err(|e| CdcError::sql("Cannot begin the snapshot transaction", e))?;
    // Identifiers and literals are quoted; the statements are built, not user text.
    sqlx::query(AssertSqlSafe(format!(
        "SET TRANSACTION SNAPSHOT '{}'",
        snapshot_name.replace('\'', "''")
    )))
    .execute(&mut *conn)
    .await
    .map_err(|e| CdcError::sql(format!("Cannot import snapshot {snapshot_name}"), e))?;
    let tx: Option<i64> = sqlx::query_scalar("SELECT txid_current()")
        .fetch_one(&mut *conn)
        .await
        .ok();
    Ok(tx)
}

/// Opens the cursor over all columns of `table` as text.
pub async fn open_cursor(
    conn: &mut PgConnection,
    table: &TableId,
    columns: &[String],
) -> Result<(), CdcError> {
    let select = columns
        .iter()
        .map(|c| format!("{}::text", quote_ident(c)))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(AssertSqlSafe(format!(
        "DECLARE {CURSOR} NO SCROLL CURSOR FOR SELECT {select} FROM {}",
        table.quoted()
    )))
    .execute(conn)
    .await
    .map_err(|e| CdcError::sql(format!("Cannot read table {table}"), e))?;
    Ok(())
}

/// Up to `n` rows of the open cursor, as text values.
pub async fn fetch(
    conn: &mut PgConnection,
    table: &TableId,
    n: usize,
) -> Result<Vec<Vec<TupleValue>>, CdcError> {
    let rows = sqlx::query(AssertSqlSafe(format!("FETCH FORWARD {n} FROM {CURSOR}")))
        .fetch_all(conn)
        .await
        .map_err(|e| CdcError::sql(format!("Cannot read table {table}"), e))?;
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    r.try_get::<Option<String>, _>(i)
                        .map(|v| v.map_or(TupleValue::Null, TupleValue::Text))
                        .map_err(|e| CdcError::sql(format!("Cannot read a row of {table}"), e))
                })
                .collect()
        })
        .collect()
}

pub async fn close_cursor(conn: &mut PgConnection) -> Result<(), CdcError> {
    sqlx::query(AssertSqlSafe(format!("CLOSE {CURSOR}")))
        .execute(conn)
        .await
        .map_err(|e| CdcError::sql("Cannot close the snapshot cursor", e))?;
    Ok(())
}

pub async fn commit(conn: &mut PgConnection) -> Result<(), CdcError> {
    sqlx::query("COMMIT")
        .execute(conn)
        .await
        .map_err(|e| CdcError::sql("Cannot end the snapshot transaction", e))?;
    Ok(())
}

/// The catalog columns of `table`, read inside the snapshot transaction.
pub async fn columns(
    conn: &mut PgConnection,
    table: &TableId,
) -> Result<Vec<catalog::CatalogColumn>, CdcError> {
    catalog::columns(conn, table).await
}
