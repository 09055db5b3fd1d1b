//! The MySQL source task (Debezium's `MySqlConnectorTask`): snapshot, then stream the
//! binlog.
//!
//! # Start
//! The stored offset of `{"server": <topic.prefix>}` decides (see [`super::offset`]):
//! no offset (or an unfinished snapshot) under `snapshot.mode=initial` takes a
//! snapshot at a binlog position ([`super::snapshot`]) and streams from there;
//! otherwise streaming starts where the stored change's transaction starts and skips
//! the rows already emitted.
//!
//! # Positions
//! A transaction starts after the previous one's XID / COMMIT (or a DDL statement);
//! its row events are numbered from 0 and so are the rows of each event. MySQL has no
//! confirmation like PostgreSQL's flushed LSN: the runtime's committed offsets are the
//! only record of progress, so `commit()` has nothing to tell the server.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use connect_api::{
    ConnectError, Props, SchemaRef, SourceOffset, SourcePartition, SourceRecord, SourceTask,
    SourceTaskContext, Struct, Value,
};
use mysql_async::Conn;
use mysql_common::value::Value as MyValue;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::time::Instant;

use super::binlog::{self, BinlogEvent, Image, RowsKind};
use super::catalog::{self, TableId};
use super::config::{MySqlSettings, SnapshotMode, SNAPSHOT_MODE};
use super::offset::{self, BinlogPosition, ChangePosition, Resume};
use super::snapshot::{self, SnapshotRow};
use super::table::{source_schema, Table};
use super::types::Origin;
use crate::envelope::{CommonSource, Op, SnapshotMarker};
use crate::error::CdcError;

/// Events buffered between a background reader and poll.
const QUEUE: usize = 4096;

struct SnapshotState {
    reader: snapshot::Reader,
    tables: Vec<Arc<Table>>,
    position: BinlogPosition,
    ts_ms: i64,
    /// The row held back until we know whether it is the last one.
    held: Option<(usize, Vec<MyValue>)>,
}

enum Phase {
    Snapshot(Box<SnapshotState>),
    Streaming(binlog::Reader),
    /// `initial_only` after its snapshot: nothing more to do.
    Done,
}

/// Where a change came from, for its `source` block.
struct ChangeSource<'a> {
    file: &'a str,
    pos: u64,
    row: u64,
    server_id: u32,
    ts_ms: i64,
    snapshot: SnapshotMarker,
    gtid: Option<&'a str>,
    thread: Option<u32>,
}

/// Debezium's MySQL task. See the [module docs](self).
pub struct MySqlSourceTask {
    settings: Option<MySqlSettings>,
    partition: SourcePartition,
    source_schema: SchemaRef,
    catalog: Option<Conn>,
    phase: Option<Phase>,
    /// Captured tables by name (None: seen and not captured).
    tables: HashMap<TableId, Option<Arc<Table>>>,
    resume: Resume,
    /// The binlog file being read.
    file: String,
    /// Where the current (or next) transaction starts.
    tx_start: BinlogPosition,
    /// The index of the next rows event in the current transaction.
    tx_event: u64,
    gtid: Option<String>,
    thread: Option<u32>,
    /// The offset naming the last change whose records are all emitted.
    done_offset: SourceOffset,
}

impl Default for MySqlSourceTask {
    fn default() -> Self {
        Self::new()
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn not_started() -> CdcError {
    CdcError::Data("MySQL task not started".into())
}

impl MySqlSourceTask {
    pub fn new() -> Self {
        MySqlSourceTask {
            settings: None,
            partition: SourcePartition::new(),
            source_schema: source_schema(super::Flavor::MySql),
            catalog: None,
            phase: None,
            tables: HashMap::new(),
            resume: Resume::None,
            file: String::new(),
            tx_start: BinlogPosition {
                file: String::new(),
                pos: 4,
            },
            tx_event: 0,
            gtid: None,
            thread: None,
            done_offset: SourceOffset::new(),
        }
    }

    fn settings(&self) -> Result<&MySqlSettings, CdcError> {
        self.settings.as_ref().ok_or_else(not_started)
    }

    async fn begin(&mut self, stored: Option<SourceOffset>) -> Result<(), CdcError> {
        let settings = self.settings()?.clone();
        let mut conn = catalog::connect(&settings.connect).await?;
        catalog::check_server(&mut conn, &settings).await?;
        self.resume = Resume::from_offset(stored.as_ref());
        let files = catalog::binlog_files(&mut conn).await?;
        self.catalog = Some(conn);
        let fresh = matches!(self.resume, Resume::None | Resume::SnapshotIncomplete);
        let stored_file_gone = match &self.resume {
            Resume::At { at, .. } => !files.contains(&at.file),
            _ => false,
        };
        let snapshot = match settings.snapshot_mode {
            SnapshotMode::Initial | SnapshotMode::InitialOnly => fresh,
            SnapshotMode::NoData => false,
            SnapshotMode::WhenNeeded => fresh || stored_file_gone,
        };
        if settings.snapshot_mode == SnapshotMode::InitialOnly && !snapshot {
            tracing::info!(
                "snapshot.mode=initial_only and the snapshot is done: nothing to stream"
            );
            self.phase = Some(Phase::Done);
            return Ok(());
        }
        if snapshot {
            return self.start_snapshot(&settings).await;
        }
        let from = match &self.resume {
            Resume::At { at, .. } => {
                if stored_file_gone {
                    return Err(CdcError::config(
                        SNAPSHOT_MODE,
                        format!(
                            "The stored offset is in binlog file {} which the server no longer has (it has {}): changes were lost; set snapshot.mode=when_needed to take a new snapshot, or delete the connector's offsets",
                            at.file,
                            files.join(", ")
                        ),
                    ));
                }
                at.clone()
            }
            _ => {
                let conn = self.catalog.as_mut().ok_or_else(not_started)?;
                catalog::binlog_position(conn).await?
            }
        };
        self.start_streaming(&settings, from).await
    }

    async fn start_snapshot(&mut self, settings: &MySqlSettings) -> Result<(), CdcError> {
        let opened = snapshot::open(settings).await?;
        let tables: Vec<Arc<Table>> = opened
            .tables
            .iter()
            .map(|(id, cols)| Arc::new(Table::new(settings, &self.source_schema, id.clone(), cols)))
            .collect();
        for t in &tables {
            self.tables.insert(t.id.clone(), Some(t.clone()));
        }
        tracing::info!(
            file = %opened.position.file,
            pos = opened.position.pos,
            gtid = opened.gtid.as_deref().unwrap_or(""),
            tables = tables.len(),
            "snapshot started"
        );
        self.resume = Resume::None;
        let position = opened.position.clone();
        self.phase = Some(Phase::Snapshot(Box::new(SnapshotState {
            reader: snapshot::read(opened.conn, tables.clone(), QUEUE),
            tables,
            position,
            ts_ms: now_ms(),
            held: None,
        })));
        Ok(())
    }

    async fn start_streaming(
        &mut self,
        settings: &MySqlSettings,
        from: BinlogPosition,
    ) -> Result<(), CdcError> {
        let reader = binlog::start(settings, &from, QUEUE).await?;
        self.file = from.file.clone();
        if self.done_offset.is_empty() {
            self.done_offset = offset::boundary_offset(&from, now_ms() / 1000);
        }
        self.tx_start = from;
        self.tx_event = 0;
        self.phase = Some(Phase::Streaming(reader));
        Ok(())
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

    fn source(&self, table: &Table, o: &ChangeSource<'_>) -> Result<Struct, CdcError> {
        let settings = self.settings()?;
        let mut s = CommonSource {
            connector: settings.flavor.connector_name(),
            server_name: &settings.server_name,
            ts_us: o.ts_ms.saturating_mul(1000),
            snapshot: o.snapshot,
            db: &table.id.db,
            sequence: None,
        }
        .to_struct(&self.source_schema)
        .map_err(|e| CdcError::Data(e.to_string()))?;
        let put = |s: &mut Struct, k: &str, v: Value| {
            s.put(k, v)
                .map(|_| ())
                .map_err(|e| CdcError::Data(e.to_string()))
        };
        put(&mut s, "table", Value::from(table.id.table.as_str()))?;
        put(&mut s, "server_id", Value::Int64(i64::from(o.server_id)))?;
        if let Some(g) = o.gtid {
            put(&mut s, "gtid", Value::from(g))?;
        }
        put(&mut s, "file", Value::from(o.file))?;
        put(&mut s, "pos", Value::Int64(o.pos as i64))?;
        put(&mut s, "row", Value::Int32(o.row as i32))?;
        if let Some(t) = o.thread {
            put(&mut s, "thread", Value::Int64(i64::from(t)))?;
        }
        Ok(s)
    }

    /// The records of one row change: the event, plus a tombstone after a delete. All
    /// but the last carry the previous offset (see [`super::offset`]).
    #[allow(clippy::too_many_arguments)]
    fn change_records(
        &mut self,
        table: &Table,
        op: Op,
        before: Option<Struct>,
        after: Option<Struct>,
        origin: &ChangeSource<'_>,
        here: SourceOffset,
        out: &mut Vec<SourceRecord>,
    ) -> Result<(), CdcError> {
        let key = match after.as_ref().or(before.as_ref()) {
            Some(r) => table.key(r)?,
            None => None,
        };
        let source = self.source(table, origin)?;
        let value = table
            .schemas
            .envelope(op, before, after, source, SystemTime::now())
            .map_err(|e| CdcError::Data(e.to_string()))?;
        if op == Op::Delete && self.settings()?.tombstones_on_delete {
            out.push(self.record(table, key.clone(), Some(value), self.done_offset.clone()));
            out.push(self.record(table, key, None, here.clone()));
        } else {
            out.push(self.record(table, key, Some(value), here.clone()));
        }
        self.done_offset = here;
        Ok(())
    }

    // ---- snapshot ----

    fn snapshot_record(
        &mut self,
        snap: &SnapshotState,
        table: usize,
        values: &[MyValue],
        last: bool,
        out: &mut Vec<SourceRecord>,
    ) -> Result<(), CdcError> {
        let t = snap
            .tables
            .get(table)
            .cloned()
            .ok_or_else(|| CdcError::Data("snapshot row of an unknown table".into()))?;
        let after = t.row(values, Origin::Query)?;
        let origin = ChangeSource {
            file: &snap.position.file,
            pos: snap.position.pos,
            row: 0,
            server_id: 0,
            ts_ms: snap.ts_ms,
            snapshot: if last {
                SnapshotMarker::Last
            } else {
                SnapshotMarker::True
            },
            gtid: None,
            thread: None,
        };
        let here = offset::snapshot_offset(&snap.position, snap.ts_ms / 1000, last);
        let key = t.key(&after)?;
        let source = self.source(&t, &origin)?;
        let value = t
            .schemas
            .envelope(Op::Read, None, Some(after), source, SystemTime::now())
            .map_err(|e| CdcError::Data(e.to_string()))?;
        out.push(self.record(&t, key, Some(value), here.clone()));
        self.done_offset = here;
        Ok(())
    }

    /// Reads the next rows of the snapshot; returns the records and whether it is done.
    async fn poll_snapshot(
        &mut self,
        snap: &mut SnapshotState,
    ) -> Result<(Vec<SourceRecord>, bool), CdcError> {
        let settings = self.settings()?.clone();
        let deadline = Instant::now() + settings.poll_interval;
        let mut out = Vec::new();
        while out.len() < settings.max_batch_size {
            let next = match snap.reader.rows.try_recv() {
                Ok(r) => r,
                Err(TryRecvError::Disconnected) => {
                    return Err(CdcError::Protocol("the snapshot reader stopped".into()))
                }
                Err(TryRecvError::Empty) if !out.is_empty() => return Ok((out, false)),
                Err(TryRecvError::Empty) => {
                    match tokio::time::timeout_at(deadline, snap.reader.rows.recv()).await {
                        Ok(Some(r)) => r,
                        Ok(None) => {
                            return Err(CdcError::Protocol("the snapshot reader stopped".into()))
                        }
                        Err(_) => return Ok((out, false)),
                    }
                }
            };
            match next {
                SnapshotRow::Row { table, values } => {
                    if let Some((t, v)) = snap.held.replace((table, values)) {
                        self.snapshot_record(snap, t, &v, false, &mut out)?;
                    }
                }
                SnapshotRow::Done => {
                    if let Some((t, v)) = snap.held.take() {
                        self.snapshot_record(snap, t, &v, true, &mut out)?;
                    } else {
                        self.done_offset =
                            offset::snapshot_offset(&snap.position, snap.ts_ms / 1000, true);
                    }
                    return Ok((out, true));
                }
                SnapshotRow::Failed(e) => return Err(e),
            }
        }
        Ok((out, false))
    }

    // ---- streaming ----

    /// The captured table `db.table` as it is now (loaded on first use).
    async fn table(&mut self, db: &str, name: &str) -> Result<Option<Arc<Table>>, CdcError> {
        let id = TableId {
            db: db.to_string(),
            table: name.to_string(),
        };
        if let Some(t) = self.tables.get(&id) {
            return Ok(t.clone());
        }
        let settings = self.settings()?.clone();
        if !catalog::captured(&settings, db, name) {
            self.tables.insert(id, None);
            return Ok(None);
        }
        let columns = match self.catalog.as_mut() {
            Some(conn) => catalog::columns(conn, &id).await,
            None => Err(not_started()),
        };
        let columns = match columns {
            Ok(c) => c,
            Err(e) => {
                // The catalog connection may have timed out while the binlog was quiet.
                tracing::info!(error = %e, "reconnecting the catalog connection");
                let mut conn = catalog::connect(&settings.connect).await?;
                let c = catalog::columns(&mut conn, &id).await?;
                self.catalog = Some(conn);
                c
            }
        };
        if columns.is_empty() {
            tracing::warn!(table = %id, "a change of a table that no longer exists: skipped");
            return Ok(None);
        }
        let table = Arc::new(Table::new(
            &settings,
            &self.source_schema,
            id.clone(),
            &columns,
        ));
        tracing::info!(table = %id, columns = columns.len(), "captured table schema loaded");
        self.tables.insert(id, Some(table.clone()));
        Ok(Some(table))
    }

    #[allow(clippy::too_many_arguments)]
    async fn on_rows(
        &mut self,
        db: String,
        name: String,
        kind: RowsKind,
        rows: Vec<(Option<Image>, Option<Image>)>,
        types: &[Option<mysql_common::constants::ColumnType>],
        pos: u64,
        ts_sec: u32,
        server_id: u32,
        out: &mut Vec<SourceRecord>,
    ) -> Result<(), CdcError> {
        let event = self.tx_event;
        self.tx_event += 1;
        if rows.is_empty() {
            return Ok(());
        }
        let Some(mut table) = self.table(&db, &name).await? else {
            return Ok(());
        };
        if !table.fits(types) {
            // Changed by a DDL statement we have not seen (or whose schema we read
            // too early): read the columns again.
            self.tables.remove(&table.id);
            let Some(now) = self.table(&db, &name).await? else {
                return Ok(());
            };
            if !now.fits(types) {
                return Err(CdcError::Data(format!(
                    "{} was altered after this change was logged ({}:{pos}): its {} columns no longer match the event's {} (no schema history is kept; take a new snapshot)",
                    now.id,
                    self.file,
                    now.columns.len(),
                    types.len()
                )));
            }
            table = now;
        }
        let file = self.file.clone();
        let gtid = self.gtid.clone();
        for (i, (before, after)) in rows.into_iter().enumerate() {
            let i = i as u64;
            if self.resume.skips(event, i) {
                continue;
            }
            let before = before.map(|v| table.row(&v, Origin::Binlog)).transpose()?;
            let after = after.map(|v| table.row(&v, Origin::Binlog)).transpose()?;
            let origin = ChangeSource {
                file: &file,
                pos,
                row: i,
                server_id,
                ts_ms: i64::from(ts_sec) * 1000,
                snapshot: SnapshotMarker::False,
                gtid: gtid.as_deref(),
                thread: self.thread,
            };
            let here = offset::stream_offset(
                &ChangePosition {
                    tx_start: self.tx_start.clone(),
                    event,
                    row: i,
                },
                i64::from(ts_sec),
                server_id,
                gtid.as_deref(),
            );
            match kind {
                RowsKind::Write => {
                    self.change_records(&table, Op::Create, None, after, &origin, here, out)?
                }
                RowsKind::Delete => {
                    self.change_records(&table, Op::Delete, before, None, &origin, here, out)?
                }
                RowsKind::Update => {
                    let key_changed = match (&before, &after) {
                        (Some(b), Some(a)) => table.key(b)? != table.key(a)?,
                        _ => false,
                    };
                    if key_changed {
                        // Debezium: a primary key change is a delete (+ tombstone) of the
                        // old key and a create of the new one.
                        let prev = self.done_offset.clone();
                        self.change_records(&table, Op::Delete, before, None, &origin, prev, out)?;
                        self.change_records(&table, Op::Create, None, after, &origin, here, out)?;
                    } else {
                        self.change_records(&table, Op::Update, before, after, &origin, here, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A transaction (or DDL statement) ended: the next starts at `end_pos`.
    fn end_transaction(&mut self, end_pos: u64) {
        self.tx_start = BinlogPosition {
            file: self.file.clone(),
            pos: end_pos,
        };
        self.tx_event = 0;
        self.gtid = None;
        self.thread = None;
        // The first transaction after the resume point is behind us.
        self.resume = Resume::None;
    }

    async fn on_event(
        &mut self,
        event: BinlogEvent,
        out: &mut Vec<SourceRecord>,
    ) -> Result<(), CdcError> {
        match event {
            BinlogEvent::Rotate {
                file,
                pos,
                artificial,
            } => {
                if file != self.file {
                    tracing::info!(file = %file, pos, "binlog rotated");
                }
                self.file = file;
                // The dump's own first ROTATE names where we asked to start; a real one
                // moves the next transaction to the new file.
                if !artificial && self.tx_event == 0 {
                    self.tx_start = BinlogPosition {
                        file: self.file.clone(),
                        pos: pos.max(4),
                    };
                }
            }
            BinlogEvent::Begin { gtid, thread } => {
                self.tx_event = 0;
                self.gtid = gtid;
                self.thread = thread;
            }
            BinlogEvent::Rows {
                db,
                table,
                kind,
                rows,
                types,
                pos,
                ts_sec,
                server_id,
            } => {
                self.on_rows(db, table, kind, rows, &types, pos, ts_sec, server_id, out)
                    .await?;
            }
            BinlogEvent::Commit { end_pos, .. } => self.end_transaction(end_pos),
            BinlogEvent::Ddl {
                db, query, end_pos, ..
            } => {
                // Reload the schemas of the database's tables on their next change.
                let before = self.tables.len();
                self.tables.retain(|id, _| id.db != db);
                if self.tables.len() != before {
                    tracing::info!(db = %db, query = %query, "DDL: table schemas will be reloaded");
                }
                self.end_transaction(end_pos);
            }
            BinlogEvent::Heartbeat => {}
            BinlogEvent::Failed(e) => return Err(e),
        }
        Ok(())
    }

    async fn poll_stream(
        &mut self,
        reader: &mut binlog::Reader,
    ) -> Result<Vec<SourceRecord>, CdcError> {
        let settings = self.settings()?.clone();
        let deadline = Instant::now() + settings.poll_interval;
        let mut out = Vec::new();
        loop {
            let event = match reader.events.try_recv() {
                Ok(e) => e,
                Err(TryRecvError::Disconnected) => {
                    return Err(CdcError::io(
                        "The binlog reader stopped",
                        std::io::Error::new(std::io::ErrorKind::BrokenPipe, "reader gone"),
                    ))
                }
                Err(TryRecvError::Empty) => {
                    if !out.is_empty() {
                        return Ok(out);
                    }
                    match tokio::time::timeout_at(deadline, reader.events.recv()).await {
                        Ok(Some(e)) => e,
                        Ok(None) => continue,
                        Err(_) => return Ok(out),
                    }
                }
            };
            self.on_event(event, &mut out).await?;
            if out.len() >= settings.max_batch_size {
                return Ok(out);
            }
        }
    }
}

#[async_trait]
impl SourceTask for MySqlSourceTask {
    async fn start(
        &mut self,
        context: SourceTaskContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let settings = MySqlSettings::parse(&props)?;
        self.partition = offset::partition(&settings.server_name);
        self.source_schema = source_schema(settings.flavor);
        let stored = context.offsets.offset(&self.partition);
        self.settings = Some(settings);
        self.begin(stored).await.map_err(ConnectError::from)
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        let Some(phase) = self.phase.take() else {
            return Err(ConnectError::Other("MySQL task polled before start".into()));
        };
        let (result, next) = match phase {
            Phase::Snapshot(mut snap) => match self.poll_snapshot(&mut snap).await {
                Ok((records, true)) => {
                    let settings = self.settings()?.clone();
                    tracing::info!(file = %snap.position.file, pos = snap.position.pos, "snapshot finished");
                    if settings.snapshot_mode == SnapshotMode::InitialOnly {
                        (Ok(records), Phase::Done)
                    } else {
                        self.start_streaming(&settings, snap.position.clone())
                            .await?;
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
            Phase::Streaming(mut reader) => {
                let r = self.poll_stream(&mut reader).await;
                (r, Phase::Streaming(reader))
            }
            Phase::Done => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                (Ok(Vec::new()), Phase::Done)
            }
        };
        self.phase = Some(next);
        Ok(result?)
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        if let Some(Phase::Streaming(reader)) = &self.phase {
            reader.stop();
        }
        self.phase = None;
        if let Some(conn) = self.catalog.take() {
            catalog::close(conn).await;
        }
        Ok(())
    }
}
