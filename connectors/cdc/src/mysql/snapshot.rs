//! The initial snapshot with Debezium's `minimal` locking: a global read lock
//! (FLUSH TABLES WITH READ LOCK) only while a consistent-snapshot transaction starts,
//! the binlog position is read and the captured tables' columns are loaded; then every
//! table is read in that transaction by a background task, while writers go on. The
//! binlog stream starts at the recorded position, so nothing is missed or doubled.
//! `snapshot.locking.mode=none` takes no lock (safe only without concurrent DDL).

use mysql_async::prelude::Queryable;
use mysql_async::Conn;
use mysql_common::value::Value as MyValue;
use tokio::sync::mpsc;

use super::catalog::{self, my_err, quote, server_code, TableId};
use super::config::{LockingMode, MySqlSettings, SNAPSHOT_LOCKING_MODE};
use super::offset::BinlogPosition;
use super::table::Table;
use super::types::ColumnDef;
use crate::error::CdcError;

/// `ER_SPECIFIC_ACCESS_DENIED_ERROR` / `ER_DBACCESS_DENIED_ERROR`.
const NOT_ALLOWED: [u16; 2] = [1227, 1044];

/// A snapshot transaction, opened at a known binlog position.
pub struct Opened {
    pub conn: Conn,
    pub position: BinlogPosition,
    /// MariaDB's `gtid_binlog_pos` at that point.
    pub gtid: Option<String>,
    /// The captured tables' columns, read under the lock.
    pub tables: Vec<(TableId, Vec<ColumnDef>)>,
}

async fn run(conn: &mut Conn, sql: &str) -> Result<(), CdcError> {
    conn.query_drop(sql).await.map_err(|e| my_err(sql, e))
}

/// Locks (per `snapshot.locking.mode`), starts the consistent snapshot, reads the
/// binlog position and the tables' columns, and unlocks.
pub async fn open(settings: &MySqlSettings) -> Result<Opened, CdcError> {
    let mut conn = catalog::connect(&settings.connect).await?;
    let locked = settings.locking_mode == LockingMode::Minimal;
    if locked {
        if let Err(e) = run(&mut conn, "FLUSH TABLES WITH READ LOCK").await {
            if server_code(&e).is_some_and(|c| NOT_ALLOWED.contains(&c)) {
                return Err(CdcError::config(
                    SNAPSHOT_LOCKING_MODE,
                    format!("{e}: grant the user RELOAD (GRANT RELOAD ON *.* TO '{}') or set snapshot.locking.mode=none if no schema changes run during the snapshot", settings.connect.user),
                ));
            }
            return Err(e);
        }
    }
    let result = async {
        run(
            &mut conn,
            "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        )
        .await?;
        run(&mut conn, "START TRANSACTION WITH CONSISTENT SNAPSHOT").await?;
        let position = catalog::binlog_position(&mut conn).await?;
        let gtid = catalog::mariadb_gtid_pos(&mut conn).await;
        let mut tables = Vec::new();
        for id in catalog::captured_tables(&mut conn, settings).await? {
            let columns = catalog::columns(&mut conn, &id).await?;
            tables.push((id, columns));
        }
        Ok::<_, CdcError>((position, gtid, tables))
    }
    .await;
    if locked {
        run(&mut conn, "UNLOCK TABLES").await?;
    }
    let (position, gtid, tables) = result?;
    Ok(Opened {
        conn,
        position,
        gtid,
        tables,
    })
}

/// What the snapshot reader sends.
#[derive(Debug)]
pub enum SnapshotRow {
    /// A row of `tables[table]`, values in column order.
    Row {
        table: usize,
        values: Vec<MyValue>,
    },
    /// Every table is read (the transaction is closed).
    Done,
    Failed(CdcError),
}

/// The background snapshot reader.
pub struct Reader {
    pub rows: mpsc::Receiver<SnapshotRow>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_all(
    conn: &mut Conn,
    tables: &[std::sync::Arc<Table>],
    tx: &mpsc::Sender<SnapshotRow>,
) -> Result<bool, CdcError> {
    for (i, t) in tables.iter().enumerate() {
        let columns: Vec<String> = t.columns.iter().map(|c| quote(&c.name)).collect();
        let sql = format!(
            "SELECT {} FROM {}.{}",
            columns.join(", "),
            quote(&t.id.db),
            quote(&t.id.table)
        );
        let context = || format!("Reading {} for the snapshot", t.id);
        let mut result = conn
            .exec_iter(sql.as_str(), ())
            .await
            .map_err(|e| my_err(context(), e))?;
        let mut n = 0u64;
        while let Some(row) = result.next().await.map_err(|e| my_err(context(), e))? {
            n += 1;
            if tx
                .send(SnapshotRow::Row {
                    table: i,
                    values: row.unwrap(),
                })
                .await
                .is_err()
            {
                return Ok(false);
            }
        }
        tracing::info!(table = %t.id, rows = n, "snapshot of table read");
    }
    Ok(true)
}

/// Reads `tables` in the snapshot transaction of `conn`, in the background.
pub fn read(mut conn: Conn, tables: Vec<std::sync::Arc<Table>>, capacity: usize) -> Reader {
    let (tx, rx) = mpsc::channel(capacity.max(16));
    let task = tokio::spawn(async move {
        let last = match read_all(&mut conn, &tables, &tx).await {
            Ok(true) => match run(&mut conn, "COMMIT").await {
                Ok(()) => SnapshotRow::Done,
                Err(e) => SnapshotRow::Failed(e),
            },
            Ok(false) => return,
            Err(e) => SnapshotRow::Failed(e),
        };
        let _ = tx.send(last).await;
        catalog::close(conn).await;
    });
    Reader { rows: rx, task }
}
