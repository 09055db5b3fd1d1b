//! The PostgreSQL source task (Debezium's `PostgresConnectorTask`): snapshot, then
//! stream, with offsets confirmed to the server only once committed.
//!
//! # Start
//! The stored offset of `{"server": <topic.prefix>}` decides (see [`super::offset`]):
//! no offset (or an unfinished snapshot) under `snapshot.mode=initial` takes a
//! snapshot: the slot is (re)created exporting a snapshot, every captured table is
//! read in it (op `r`), and streaming starts at the slot's consistent point. Otherwise
//! streaming starts at the stored position and skips the changes already emitted.
//!
//! # Confirming
//! The task asks for `commit_record` calls and counts the records settled. After each
//! processed Commit (and each keepalive outside a transaction) it notes a checkpoint
//! (WAL position, records emitted so far). `commit()` — called once the runtime has
//! committed the offsets of every settled record — confirms the latest checkpoint whose
//! records are all settled, and only then may the server discard that WAL.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use connect_api::{
    ConnectError, Props, RecordMetadata, SchemaRef, SourceOffset, SourcePartition, SourceRecord,
    SourceTask, SourceTaskContext, Struct, Value,
};
use sqlx::postgres::PgConnection;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::time::Instant;

use super::catalog::{self, TableId};
use super::config::{PostgresSettings, SnapshotMode, SLOT_NAME};
use super::lsn::Lsn;
use super::offset::{self, Position, Resume};
use super::pgoutput::{Message, Relation, Tuple};
use super::replication::{ReplicationConnection, PG_EPOCH_OFFSET_US};
use super::snapshot::{self, Snapshot};
use super::stream::{Stream, StreamEvent};
use super::table::{source_schema, Table};
use super::CONNECTOR_NAME;
use crate::envelope::{CommonSource, Op, SnapshotMarker};
use crate::error::CdcError;

/// How long to wait for a slot that another (dying) connection still holds.
const SLOT_BUSY_WAIT: Duration = Duration::from_secs(15);

/// The transaction being streamed.
#[derive(Debug, Clone)]
struct Tx {
    xid: u32,
    commit: Lsn,
    /// Commit time, µs since the Unix epoch.
    ts_us: i64,
    last_lsn: Lsn,
    ordinal: u64,
}

enum Phase {
    Snapshot(Box<Snapshot>),
    Streaming(Stream),
    /// `initial_only` after its snapshot: nothing more to do.
    Done,
}

/// A change to turn into records.
struct Change<'a> {
    table: &'a Table,
    op: Op,
    before: Option<Struct>,
    after: Option<Struct>,
    /// False for the delete half of a primary key change: the create that follows
    /// at the same position completes it.
    completes: bool,
}

/// Debezium's PostgreSQL task. See the [module docs](self).
pub struct PostgresSourceTask {
    settings: Option<PostgresSettings>,
    partition: SourcePartition,
    source_schema: SchemaRef,
    catalog: Option<PgConnection>,
    phase: Option<Phase>,
    /// Captured tables by relation OID (None: a relation we do not capture).
    relations: HashMap<u32, Option<Arc<Table>>>,
    resume: Resume,
    tx: Option<Tx>,
    /// The commit LSN of the last finished transaction (`source.sequence`'s first item).
    last_commit: Option<Lsn>,
    /// The offset naming the last change whose records are all emitted.
    done_offset: SourceOffset,
    /// The snapshot record held back until we know whether it is the last one.
    held: Option<(Arc<Table>, Vec<super::pgoutput::TupleValue>)>,
    snapshot_table: Option<Arc<Table>>,
    emitted: u64,
    settled: u64,
    /// `settled` when the runtime last called `commit()`: these records' offsets are
    /// in the offset store.
    committed: u64,
    /// (WAL position, records emitted before it): confirmable once `settled` reaches it.
    checkpoints: VecDeque<(Lsn, u64)>,
}

impl Default for PostgresSourceTask {
    fn default() -> Self {
        Self::new()
    }
}

fn unix_us(pg_us: i64) -> i64 {
    pg_us + PG_EPOCH_OFFSET_US
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

impl PostgresSourceTask {
    pub fn new() -> Self {
        PostgresSourceTask {
            settings: None,
            partition: SourcePartition::new(),
            source_schema: source_schema(),
            catalog: None,
            phase: None,
            relations: HashMap::new(),
            resume: Resume::None,
            tx: None,
            last_commit: None,
            done_offset: SourceOffset::new(),
            held: None,
            snapshot_table: None,
            emitted: 0,
            settled: 0,
            committed: 0,
            checkpoints: VecDeque::new(),
        }
    }

    fn settings(&self) -> Result<&PostgresSettings, CdcError> {
        self.settings
            .as_ref()
            .ok_or_else(|| CdcError::Data("task not started".into()))
    }

    fn catalog(&mut self) -> Result<&mut PgConnection, CdcError> {
        self.catalog
            .as_mut()
            .ok_or_else(|| CdcError::Data("task not started".into()))
    }

    async fn begin(&mut self, stored: Option<SourceOffset>) -> Result<(), CdcError> {
        let settings = self.settings()?.clone();
        let mut conn = catalog::connect(&settings).await?;
        super::checks::check_server(&mut conn, &settings).await?;
        let tables = catalog::captured_tables(&mut conn, &settings).await?;
        catalog::ensure_publication(&mut conn, &settings, &tables).await?;
        let slot = catalog::slot(&mut conn, &settings.slot_name).await?;
        self.catalog = Some(conn);
        self.resume = Resume::from_offset(stored.as_ref());
        let snapshot = match settings.snapshot_mode {
            SnapshotMode::Always => true,
            SnapshotMode::NoData => false,
            SnapshotMode::Initial | SnapshotMode::InitialOnly => {
                matches!(self.resume, Resume::None | Resume::SnapshotIncomplete)
            }
            SnapshotMode::WhenNeeded => {
                matches!(self.resume, Resume::None | Resume::SnapshotIncomplete) || slot.is_none()
            }
        };
        if settings.snapshot_mode == SnapshotMode::InitialOnly && !snapshot {
            tracing::info!(
                "snapshot.mode=initial_only and the snapshot is done: nothing to stream"
            );
            self.phase = Some(Phase::Done);
            return Ok(());
        }
        let mut repl = ReplicationConnection::connect(&settings.connect).await?;
        if snapshot {
            if slot.is_some() {
                // Only a new slot can export the snapshot that lines up with its stream.
                tracing::info!(slot = %settings.slot_name, "dropping slot to take a new snapshot");
                repl.drop_slot(&settings.slot_name)
                    .await
                    .map_err(slot_error)?;
            }
            let created = repl
                .create_slot(&settings.slot_name, true)
                .await
                .map_err(slot_error)?;
            let name = created
                .snapshot_name
                .ok_or_else(|| CdcError::Protocol("slot created without a snapshot".into()))?;
            let tx_id = snapshot::begin(self.catalog()?, &name).await?;
            tracing::info!(
                slot = %settings.slot_name,
                consistent_point = %created.consistent_point,
                tables = tables.len(),
                "snapshot started"
            );
            self.resume = Resume::None;
            self.phase = Some(Phase::Snapshot(Box::new(Snapshot {
                replication: repl,
                consistent_point: created.consistent_point,
                tx_id,
                started_us: now_us(),
                tables,
                current: 0,
                cursor_open: false,
            })));
            return Ok(());
        }
        let start = match (self.resume.start_lsn(), &slot) {
            (_, None) => {
                let created = repl
                    .create_slot(&settings.slot_name, false)
                    .await
                    .map_err(slot_error)?;
                if !matches!(self.resume, Resume::None) {
                    tracing::warn!(
                        slot = %settings.slot_name,
                        "the replication slot was missing and has been recreated: changes made while it was gone are not captured"
                    );
                }
                self.resume = Resume::None;
                created.consistent_point
            }
            (Some(lsn), Some(_)) => lsn,
            (None, Some(s)) => s
                .confirmed_flush
                .as_deref()
                .and_then(|l| l.parse().ok())
                .unwrap_or_default(),
        };
        self.done_offset = stored.unwrap_or_else(|| offset::start_offset(start, now_us()));
        self.start_streaming(repl, start).await
    }

    async fn start_streaming(
        &mut self,
        mut repl: ReplicationConnection,
        start: Lsn,
    ) -> Result<(), CdcError> {
        let settings = self.settings()?.clone();
        // A previous instance killed a moment ago may still hold the slot until the
        // server notices its connection is gone.
        let deadline = Instant::now() + SLOT_BUSY_WAIT;
        loop {
            match repl
                .start_replication(&settings.slot_name, start, &settings.publication_name)
                .await
            {
                Ok(()) => break,
                Err(CdcError::Server { ref code, .. })
                    if code == "55006" && Instant::now() < deadline =>
                {
                    tracing::info!(slot = %settings.slot_name, "slot still active; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(slot_error(e)),
            }
        }
        tracing::info!(slot = %settings.slot_name, %start, "streaming changes");
        self.phase = Some(Phase::Streaming(Stream::spawn(
            repl,
            settings.max_queue_size,
            settings.status_interval,
            Lsn(0),
        )));
        Ok(())
    }

    fn source(
        &self,
        table: &Table,
        marker: SnapshotMarker,
        ts_us: i64,
        tx_id: Option<i64>,
        lsn: Lsn,
        sequence: String,
    ) -> Result<Struct, CdcError> {
        let settings = self.settings()?;
        let mut s = CommonSource {
            connector: CONNECTOR_NAME,
            server_name: &settings.server_name,
            ts_us,
            snapshot: marker,
            db: &settings.connect.database,
            sequence: Some(sequence),
        }
        .to_struct(&self.source_schema)
        .map_err(|e| CdcError::Data(e.to_string()))?;
        let put = |s: &mut Struct, k: &str, v: Value| {
            s.put(k, v)
                .map(|_| ())
                .map_err(|e| CdcError::Data(e.to_string()))
        };
        put(&mut s, "schema", Value::from(table.id.schema.as_str()))?;
        put(&mut s, "table", Value::from(table.id.table.as_str()))?;
        put(&mut s, "txId", tx_id.map_or(Value::Null, Value::Int64))?;
        put(&mut s, "lsn", Value::Int64(lsn.as_i64()))?;
        Ok(s)
    }

    fn record(
        &self,
        table: &Table,
        key: Option<Struct>,
        value: Option<Struct>,
        offset: SourceOffset,
    ) -> SourceRecord {
        let mut r = SourceRecord::new(
            self.partition.clone(),
            offset,
            table.topic.clone(),
            value.as_ref().map(|_| table.schemas.envelope.clone()),
            value.map_or(Value::Null, Value::Struct),
        );
        r.record.key_schema = table.schemas.key.clone();
        r.record.key = key.map_or(Value::Null, Value::Struct);
        r
    }

    // ---- snapshot ----

    /// Reads the next rows of the snapshot; returns the records and whether the
    /// snapshot is finished.
    async fn poll_snapshot(
        &mut self,
        snap: &mut Snapshot,
    ) -> Result<(Vec<SourceRecord>, bool), CdcError> {
        let batch = self.settings()?.max_batch_size;
        let mut rows: Vec<(Arc<Table>, Vec<super::pgoutput::TupleValue>)> = Vec::new();
        while rows.len() < batch && snap.current < snap.tables.len() {
            let id = snap.tables[snap.current].clone();
            if !snap.cursor_open {
                let columns = snapshot::columns(self.catalog()?, &id).await?;
                let settings = self.settings()?;
                let table = Arc::new(Table::new(
                    settings,
                    &self.source_schema,
                    id.clone(),
                    &columns,
                ));
                let names: Vec<String> = table.column_names().map(str::to_string).collect();
                snapshot::open_cursor(self.catalog()?, &id, &names).await?;
                snap.cursor_open = true;
                tracing::info!(table = %id, "snapshotting table");
                self.snapshot_table = Some(table);
            }
            let table = self
                .snapshot_table
                .clone()
                .ok_or_else(|| CdcError::Data("snapshot table missing".into()))?;
            let want = batch - rows.len();
            let fetched = snapshot::fetch(self.catalog()?, &id, want).await?;
            let exhausted = fetched.len() < want;
            rows.extend(fetched.into_iter().map(|r| (table.clone(), r)));
            if exhausted {
                snapshot::close_cursor(self.catalog()?).await?;
                snap.cursor_open = false;
                snap.current += 1;
            }
        }
        let finished = snap.current >= snap.tables.len();
        // Hold the newest row back: only the one after it tells whether it is the last.
        let mut out = Vec::with_capacity(rows.len() + 1);
        let mut all: Vec<_> = self.held.take().into_iter().collect();
        all.extend(rows);
        if !finished {
            self.held = all.pop();
        }
        let n = all.len();
        for (i, (table, values)) in all.into_iter().enumerate() {
            let last = finished && i + 1 == n;
            out.push(self.snapshot_record(&table, &values, snap, last)?);
        }
        Ok((out, finished))
    }

    fn snapshot_record(
        &self,
        table: &Table,
        values: &[super::pgoutput::TupleValue],
        snap: &Snapshot,
        last: bool,
    ) -> Result<SourceRecord, CdcError> {
        let row = table.row(values)?;
        let key = table.key(&row)?;
        let marker = if last {
            SnapshotMarker::Last
        } else {
            SnapshotMarker::True
        };
        let source = self.source(
            table,
            marker,
            snap.started_us,
            snap.tx_id,
            snap.consistent_point,
            format!("[null,\"{}\"]", snap.consistent_point.as_i64()),
        )?;
        let value = table
            .schemas
            .envelope(Op::Read, None, Some(row), source, SystemTime::now())
            .map_err(|e| CdcError::Data(e.to_string()))?;
        let offset =
            offset::snapshot_offset(snap.consistent_point, snap.tx_id, snap.started_us, last);
        Ok(self.record(table, key, Some(value), offset))
    }

    // ---- streaming ----

    /// The table of a relation OID, or None for relations we do not capture.
    fn table_of(&self, relation: u32) -> Result<Option<Arc<Table>>, CdcError> {
        self.relations.get(&relation).cloned().ok_or_else(|| {
            CdcError::Protocol(format!(
                "change for relation {relation} before its Relation message"
            ))
        })
    }

    async fn on_relation(&mut self, rel: Relation) -> Result<(), CdcError> {
        let settings = self.settings()?.clone();
        if !settings.filter.includes_table(&rel.namespace, &rel.name) {
            self.relations.insert(rel.oid, None);
            return Ok(());
        }
        let id = TableId::new(rel.namespace.clone(), rel.name.clone());
        let catalog_columns = catalog::columns(self.catalog()?, &id).await?;
        // The message is the truth about the tuples' shape; the catalog adds
        // nullability, the primary key and domains' base types.
        let columns: Vec<catalog::CatalogColumn> = rel
            .columns
            .iter()
            .map(
                |c| match catalog_columns.iter().find(|k| k.name == c.name) {
                    Some(k) if k.type_oid == c.type_oid || k.typmod == c.type_modifier => k.clone(),
                    Some(k) => catalog::CatalogColumn {
                        type_oid: c.type_oid,
                        typmod: c.type_modifier,
                        ..k.clone()
                    },
                    None => catalog::CatalogColumn {
                        name: c.name.clone(),
                        type_oid: c.type_oid,
                        typmod: c.type_modifier,
                        not_null: false,
                        pk_position: 0,
                    },
                },
            )
            .collect();
        let table = Table::new(&settings, &self.source_schema, id.clone(), &columns);
        tracing::info!(table = %id, columns = columns.len(), "relation (re)defined");
        self.relations.insert(rel.oid, Some(Arc::new(table)));
        Ok(())
    }

    /// The position of the next change at `lsn` in the current transaction.
    fn next_position(&mut self, lsn: Lsn) -> Result<(Position, i64, i64), CdcError> {
        let tx = self
            .tx
            .as_mut()
            .ok_or_else(|| CdcError::Protocol("change outside a transaction".into()))?;
        if tx.last_lsn == lsn {
            tx.ordinal += 1;
        } else {
            tx.last_lsn = lsn;
            tx.ordinal = 1;
        }
        Ok((
            Position {
                commit: tx.commit,
                lsn,
                ordinal: tx.ordinal,
            },
            i64::from(tx.xid),
            tx.ts_us,
        ))
    }

    /// Records of one row change: the event, plus a tombstone after a delete.
    fn change_records(
        &mut self,
        change: Change<'_>,
        position: &Position,
        tx_id: i64,
        ts_us: i64,
        out: &mut Vec<SourceRecord>,
    ) -> Result<(), CdcError> {
        let table = change.table;
        let key_row = change.after.as_ref().or(change.before.as_ref());
        let key = match key_row {
            Some(r) => table.key(r)?,
            None => None,
        };
        let sequence = format!(
            "[{},\"{}\"]",
            self.last_commit
                .map_or("null".to_string(), |l| format!("\"{}\"", l.as_i64())),
            position.lsn.as_i64()
        );
        let source = self.source(
            table,
            SnapshotMarker::False,
            ts_us,
            Some(tx_id),
            position.lsn,
            sequence,
        )?;
        let value = table
            .schemas
            .envelope(
                change.op,
                change.before,
                change.after,
                source,
                SystemTime::now(),
            )
            .map_err(|e| CdcError::Data(e.to_string()))?;
        // Only the last record of a change says the change is done (see offset.rs).
        let here = if change.completes {
            offset::stream_offset(position, tx_id, ts_us)
        } else {
            self.done_offset.clone()
        };
        let tombstone = change.op == Op::Delete && self.settings()?.tombstones_on_delete;
        if tombstone {
            out.push(self.record(table, key.clone(), Some(value), self.done_offset.clone()));
            out.push(self.record(table, key, None, here.clone()));
        } else {
            out.push(self.record(table, key, Some(value), here.clone()));
        }
        self.done_offset = here;
        Ok(())
    }

    fn row(table: &Table, tuple: &Tuple) -> Result<Struct, CdcError> {
        table.row(tuple)
    }

    async fn on_message(
        &mut self,
        lsn: Lsn,
        message: Message,
        out: &mut Vec<SourceRecord>,
    ) -> Result<(), CdcError> {
        match message {
            Message::Begin {
                final_lsn,
                commit_ts,
                xid,
            } => {
                self.tx = Some(Tx {
                    xid,
                    commit: final_lsn,
                    ts_us: unix_us(commit_ts),
                    last_lsn: Lsn(0),
                    ordinal: 0,
                });
            }
            Message::Commit {
                commit_lsn,
                end_lsn,
                ..
            } => {
                self.tx = None;
                self.last_commit = Some(commit_lsn);
                self.checkpoint(end_lsn, out.len() as u64);
                if matches!(self.resume, Resume::After(p) if p.commit <= commit_lsn) {
                    self.resume = Resume::None;
                }
            }
            Message::Relation(rel) => self.on_relation(rel).await?,
            Message::Insert { relation, new } => {
                let Some(table) = self.table_of(relation)? else {
                    return Ok(());
                };
                let (pos, xid, ts) = self.next_position(lsn)?;
                if self.resume.skips(&pos) {
                    return Ok(());
                }
                let after = Self::row(&table, &new)?;
                self.change_records(
                    Change {
                        table: &table,
                        op: Op::Create,
                        before: None,
                        after: Some(after),
                        completes: true,
                    },
                    &pos,
                    xid,
                    ts,
                    out,
                )?;
            }
            Message::Update { relation, old, new } => {
                let Some(table) = self.table_of(relation)? else {
                    return Ok(());
                };
                let (pos, xid, ts) = self.next_position(lsn)?;
                if self.resume.skips(&pos) {
                    return Ok(());
                }
                let before = old.as_ref().map(|t| Self::row(&table, t)).transpose()?;
                let after = Self::row(&table, &new)?;
                let key_changed = match &before {
                    Some(b) => table.key(b)? != table.key(&after)?,
                    None => false,
                };
                if key_changed {
                    // Debezium: a primary key change is a delete (+ tombstone) of the
                    // old key and a create of the new one.
                    self.change_records(
                        Change {
                            table: &table,
                            op: Op::Delete,
                            before,
                            after: None,
                            completes: false,
                        },
                        &pos,
                        xid,
                        ts,
                        out,
                    )?;
                    self.change_records(
                        Change {
                            table: &table,
                            op: Op::Create,
                            before: None,
                            after: Some(after),
                            completes: true,
                        },
                        &pos,
                        xid,
                        ts,
                        out,
                    )?;
                } else {
                    self.change_records(
                        Change {
                            table: &table,
                            op: Op::Update,
                            before,
                            after: Some(after),
                            completes: true,
                        },
                        &pos,
                        xid,
                        ts,
                        out,
                    )?;
                }
            }
            Message::Delete { relation, old } => {
                let Some(table) = self.table_of(relation)? else {
                    return Ok(());
                };
                let (pos, xid, ts) = self.next_position(lsn)?;
                if self.resume.skips(&pos) {
                    return Ok(());
                }
                let before = Self::row(&table, &old)?;
                self.change_records(
                    Change {
                        table: &table,
                        op: Op::Delete,
                        before: Some(before),
                        after: None,
                        completes: true,
                    },
                    &pos,
                    xid,
                    ts,
                    out,
                )?;
            }
            Message::Truncate { relations } => {
                let names: Vec<String> = relations
                    .iter()
                    .filter_map(|r| self.relations.get(r).cloned().flatten())
                    .map(|t| t.id.to_string())
                    .collect();
                if !names.is_empty() {
                    tracing::info!(tables = ?names, "TRUNCATE skipped (truncate events are not emitted)");
                }
            }
            Message::Type { .. } | Message::Origin | Message::LogicalMessage => {}
        }
        Ok(())
    }

    /// Notes that everything before `lsn` is handled once the records emitted so far
    /// (plus `pending` not yet counted) are settled.
    fn checkpoint(&mut self, lsn: Lsn, pending: u64) {
        let upto = self.emitted + pending;
        match self.checkpoints.back_mut() {
            Some((l, n)) if *n == upto => *l = (*l).max(lsn),
            _ => self.checkpoints.push_back((lsn, upto)),
        }
    }

    /// Confirms to the server the latest checkpoint whose records are all committed.
    /// Checkpoints that need no new record (transactions of tables we do not capture,
    /// keepalives) are confirmed from `poll` too: the runtime calls `commit()` only
    /// when there are offsets to commit, and the slot must advance while we are idle.
    fn confirm_committed(&mut self, stream: &Stream) {
        let mut confirm = None;
        while let Some(&(lsn, upto)) = self.checkpoints.front() {
            if upto > self.committed {
                break;
            }
            confirm = Some(lsn);
            self.checkpoints.pop_front();
        }
        if let Some(lsn) = confirm {
            stream.confirm(lsn);
        }
    }

    async fn poll_stream(&mut self, stream: &mut Stream) -> Result<Vec<SourceRecord>, CdcError> {
        let out = self.read_stream(stream).await;
        self.confirm_committed(stream);
        out
    }

    async fn read_stream(&mut self, stream: &mut Stream) -> Result<Vec<SourceRecord>, CdcError> {
        let settings = self.settings()?.clone();
        let deadline = Instant::now() + settings.poll_interval;
        let mut out = Vec::new();
        loop {
            let event = match stream.events.try_recv() {
                Ok(e) => e,
                Err(TryRecvError::Disconnected) => {
                    return Err(CdcError::io(
                        "The replication stream reader stopped",
                        std::io::Error::new(std::io::ErrorKind::BrokenPipe, "reader gone"),
                    ))
                }
                Err(TryRecvError::Empty) => {
                    // Return what we have at a transaction boundary or when time is up.
                    if !out.is_empty() && (self.tx.is_none() || Instant::now() >= deadline) {
                        return Ok(out);
                    }
                    match tokio::time::timeout_at(deadline, stream.events.recv()).await {
                        Ok(Some(e)) => e,
                        Ok(None) => continue,
                        Err(_) => return Ok(out),
                    }
                }
            };
            match event {
                StreamEvent::Change { lsn, message } => {
                    self.on_message(lsn, message, &mut out).await?
                }
                StreamEvent::Keepalive { wal_end } => {
                    if self.tx.is_none() {
                        self.checkpoint(wal_end, out.len() as u64);
                    }
                }
                StreamEvent::Failed(e) => return Err(e),
            }
            if out.len() >= settings.max_batch_size {
                return Ok(out);
            }
        }
    }
}

/// Slot errors the user can fix get the slot.name key.
fn slot_error(e: CdcError) -> CdcError {
    match e {
        CdcError::Server { ref code, ref message, .. } if code == "55006" => CdcError::config(
            SLOT_NAME,
            format!("{message}: another client (another connector with the same slot.name?) is using the slot; stop it or choose a different slot.name"),
        ),
        CdcError::Server { ref code, ref message, .. } if code == "42501" => CdcError::config(
            super::config::USER,
            format!("{message}: grant the user the REPLICATION attribute (ALTER ROLE <user> REPLICATION)"),
        ),
        other => other,
    }
}

#[async_trait]
impl SourceTask for PostgresSourceTask {
    async fn start(
        &mut self,
        context: SourceTaskContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let settings = PostgresSettings::parse(&props)?;
        self.partition = offset::partition(&settings.server_name);
        let stored = context.offsets.offset(&self.partition);
        self.settings = Some(settings);
        self.begin(stored).await.map_err(ConnectError::from)
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        let Some(phase) = self.phase.take() else {
            return Err(ConnectError::Other(
                "PostgreSQL task polled before start".into(),
            ));
        };
        let (result, next) = match phase {
            Phase::Snapshot(mut snap) => match self.poll_snapshot(&mut snap).await {
                Ok((records, true)) => {
                    snapshot::commit(self.catalog().map_err(ConnectError::from)?).await?;
                    let settings = self.settings()?.clone();
                    tracing::info!(consistent_point = %snap.consistent_point, "snapshot finished");
                    if let Some(last) = records.last() {
                        self.done_offset = last.source_offset.clone();
                    } else {
                        self.done_offset = offset::snapshot_offset(
                            snap.consistent_point,
                            snap.tx_id,
                            snap.started_us,
                            true,
                        );
                    }
                    if settings.snapshot_mode == SnapshotMode::InitialOnly {
                        snap.replication.close().await;
                        (Ok(records), Phase::Done)
                    } else {
                        let point = snap.consistent_point;
                        self.start_streaming(snap.replication, point).await?;
                        let phase = self
                            .phase
                            .take()
                            .ok_or_else(|| ConnectError::Other("streaming did not start".into()))?;
                        (Ok(records), phase)
                    }
                }
                Ok((records, false)) => (Ok(records), Phase::Snapshot(snap)),
                Err(e) => (Err(e), Phase::Snapshot(snap)),
            },
            Phase::Streaming(mut stream) => {
                let r = self.poll_stream(&mut stream).await;
                (r, Phase::Streaming(stream))
            }
            Phase::Done => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                (Ok(Vec::new()), Phase::Done)
            }
        };
        self.phase = Some(next);
        let records = result?;
        self.emitted += records.len() as u64;
        Ok(records)
    }

    fn wants_commit_record(&self) -> bool {
        true
    }

    async fn commit_record(
        &mut self,
        _record: &SourceRecord,
        _metadata: Option<&RecordMetadata>,
    ) -> Result<(), ConnectError> {
        self.settled += 1;
        Ok(())
    }

    /// Every settled record's offset is committed: confirm the WAL they cover.
    async fn commit(&mut self) -> Result<(), ConnectError> {
        self.committed = self.settled;
        if let Some(Phase::Streaming(stream)) = self.phase.take() {
            self.confirm_committed(&stream);
            self.phase = Some(Phase::Streaming(stream));
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        if let Some(Phase::Streaming(stream)) = &self.phase {
            // Give the reader a moment to send the last confirmed position.
            tokio::time::sleep(Duration::from_millis(250)).await;
            stream.stop();
        }
        self.phase = None;
        if let Some(conn) = self.catalog.take() {
            catalog::close(conn).await;
        }
        Ok(())
    }
}
