//! The binlog reader: a background task that dumps the binlog from a position with
//! mysql_async's binlog stream, decodes the events mysql_common parses (and MariaDB's
//! own GTID event) into [`BinlogEvent`]s, and hands them to the source task through a
//! bounded channel, so reading and decoding overlap with the runtime producing to
//! Kafka while a slow consumer still holds the reader back.
//!
//! MariaDB: `@mariadb_slave_capability=4` makes the server send its GTID events (one
//! before each transaction) instead of rewriting them as `BEGIN`; its other events
//! (ANNOTATE_ROWS is not requested, BINLOG_CHECKPOINT, GTID_LIST) are skipped. The
//! checksum setting mysql_async sends (`@master_binlog_checksum='ALL'`) makes MariaDB
//! keep its CRC32 checksums, which mysql_common verifies.

use futures::StreamExt;
use mysql_async::binlog::events::{Event, EventData, RowsEventData};
use mysql_async::binlog::EventType;
use mysql_async::prelude::Queryable;
use mysql_async::BinlogStreamRequest;
use mysql_common::value::Value as MyValue;
use tokio::sync::mpsc;

use super::catalog::{self, my_err};
use super::offset::BinlogPosition;
use super::MySqlSettings;
use crate::error::CdcError;

/// `LOG_EVENT_ARTIFICIAL_F`: an event the server made up for this dump.
const LOG_EVENT_ARTIFICIAL_F: u16 = 0x20;

/// MariaDB's GTID event (`GTID_EVENT`, 162).
const MARIADB_GTID_EVENT: u8 = 0xa2;

/// The kind of a rows event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsKind {
    Write,
    Update,
    Delete,
}

/// A row image: the column values in ordinal order.
pub type Image = Vec<MyValue>;

/// What the source task needs of the binlog.
#[derive(Debug)]
pub enum BinlogEvent {
    /// The following events are in `file`, from `pos` (ROTATE).
    Rotate {
        file: String,
        pos: u64,
        artificial: bool,
    },
    /// A transaction starts: MariaDB's or MySQL's GTID event, or a `BEGIN` query.
    Begin {
        gtid: Option<String>,
        thread: Option<u32>,
    },
    /// One rows event. `rows` is empty for a table that is not captured (the event
    /// still counts in the transaction's event numbering).
    Rows {
        db: String,
        table: String,
        kind: RowsKind,
        /// (before, after) images.
        rows: Vec<(Option<Image>, Option<Image>)>,
        /// The column types of the table map (None: unknown type).
        types: Vec<Option<mysql_common::constants::ColumnType>>,
        /// Where the event starts.
        pos: u64,
        ts_sec: u32,
        server_id: u32,
    },
    /// A transaction ended (XID or `COMMIT`); the next starts at `end_pos`.
    Commit { end_pos: u64, ts_sec: u32 },
    /// A DDL statement (auto-committed): captured tables of `db` may have changed.
    Ddl {
        db: String,
        query: String,
        end_pos: u64,
        ts_sec: u32,
    },
    /// The server is alive with nothing new (heartbeat).
    Heartbeat,
    /// The stream broke.
    Failed(CdcError),
}

/// The running reader; dropping it (or [`Reader::stop`]) ends the background task.
pub struct Reader {
    pub events: mpsc::Receiver<BinlogEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl Reader {
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens a binlog dump from `from` and starts reading it in the background.
pub async fn start(
    settings: &MySqlSettings,
    from: &BinlogPosition,
    capacity: usize,
) -> Result<Reader, CdcError> {
    let mut conn = catalog::connect(&settings.connect).await?;
    // MariaDB: send GTID events as they are (ignored by MySQL).
    conn.query_drop("SET @mariadb_slave_capability = 4")
        .await
        .map_err(|e| my_err("SET @mariadb_slave_capability", e))?;
    if let Some(beat) = settings.heartbeat_interval {
        // The server sends heartbeats when idle, so a dead connection is noticed.
        let nanos = beat.as_nanos().min(u128::from(u64::MAX)) as u64;
        conn.query_drop(format!("SET @master_heartbeat_period = {nanos}"))
            .await
            .map_err(|e| my_err("SET @master_heartbeat_period", e))?;
    }
    let request = BinlogStreamRequest::new(settings.server_id)
        .with_filename(from.file.as_bytes())
        .with_pos(from.pos);
    let stream = conn.get_binlog_stream(request).await.map_err(|e| {
        my_err(
            format!("Requesting the binlog from {}:{}", from.file, from.pos),
            e,
        )
    })?;
    tracing::info!(file = %from.file, pos = from.pos, server_id = settings.server_id, "binlog stream opened");
    let (tx, rx) = mpsc::channel(capacity.max(16));
    let filter = settings.clone();
    let requested = from.file.clone().into_bytes();
    let task = tokio::spawn(async move {
        let mut stream = stream;
        loop {
            let next = match stream.next().await {
                Some(Ok(event)) => decode(&stream, &event, &filter, &requested),
                Some(Err(e)) => Some(BinlogEvent::Failed(my_err("Reading the binlog", e))),
                None => Some(BinlogEvent::Failed(CdcError::io(
                    "Reading the binlog",
                    std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the server ended the binlog stream",
                    ),
                ))),
            };
            let Some(next) = next else { continue };
            let failed = matches!(next, BinlogEvent::Failed(_));
            if tx.send(next).await.is_err() || failed {
                break;
            }
        }
    });
    Ok(Reader { events: rx, task })
}

/// `3E11FA47-71CA-11E1-9E33-C80AA9429562:23` (MySQL) from a GTID event's SID and GNO.
fn mysql_gtid(sid: [u8; 16], gno: u64) -> String {
    let h: Vec<String> = sid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}:{gno}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

/// `<domain>-<server>-<seq>` (MariaDB) from a GTID event's post-header.
fn mariadb_gtid(data: &[u8], server_id: u32) -> Option<String> {
    let seq = u64::from_le_bytes(data.get(0..8)?.try_into().ok()?);
    let domain = u32::from_le_bytes(data.get(8..12)?.try_into().ok()?);
    Some(format!("{domain}-{server_id}-{seq}"))
}

fn image(row: mysql_common::binlog::row::BinlogRow) -> Result<Image, CdcError> {
    row.unwrap()
        .into_iter()
        .map(|v| MyValue::try_from(v).map_err(|e| CdcError::Data(format!("A binlog value: {e}"))))
        .collect()
}

fn decode(
    stream: &mysql_async::BinlogStream,
    event: &Event,
    settings: &MySqlSettings,
    requested: &[u8],
) -> Option<BinlogEvent> {
    let header = event.header();
    let end_pos = u64::from(header.log_pos());
    let ts_sec = header.timestamp();
    if header.event_type_raw() == MARIADB_GTID_EVENT {
        return Some(BinlogEvent::Begin {
            gtid: mariadb_gtid(event.data(), header.server_id()),
            thread: None,
        });
    }
    if header.event_type_raw() == EventType::HEARTBEAT_EVENT as u8 {
        return Some(BinlogEvent::Heartbeat);
    }
    let data = match event.read_data() {
        Ok(Some(d)) => d,
        // A type mysql_common does not know (MariaDB's own): nothing we need.
        Ok(None) => return None,
        Err(e) => {
            return Some(BinlogEvent::Failed(CdcError::Protocol(format!(
                "Decoding a binlog event: {e}"
            ))))
        }
    };
    match data {
        EventData::RotateEvent(r) => {
            // The artificial ROTATE a dump starts with comes before the format
            // description, so its name is read with the 4 checksum bytes still on.
            let raw = r.name_raw();
            let name = if raw.len() == requested.len() + 4 && raw.starts_with(requested) {
                requested
            } else {
                raw
            };
            Some(BinlogEvent::Rotate {
                file: String::from_utf8_lossy(name).into_owned(),
                pos: r.position(),
                // Sent at the start of a dump, not a move to a new file.
                artificial: header.log_pos() == 0
                    || header.flags_raw() & LOG_EVENT_ARTIFICIAL_F != 0,
            })
        }
        EventData::GtidEvent(g) => Some(BinlogEvent::Begin {
            gtid: Some(mysql_gtid(g.sid(), g.gno())),
            thread: None,
        }),
        EventData::XidEvent(_) => Some(BinlogEvent::Commit { end_pos, ts_sec }),
        EventData::QueryEvent(q) => {
            let query = q.query();
            let head = query
                .trim_start()
                .get(..16)
                .unwrap_or(query.trim_start())
                .to_ascii_uppercase();
            if head.starts_with("BEGIN") {
                Some(BinlogEvent::Begin {
                    gtid: None,
                    thread: Some(q.thread_id()),
                })
            } else if head.starts_with("COMMIT") {
                Some(BinlogEvent::Commit { end_pos, ts_sec })
            } else if ["ALTER", "CREATE", "DROP", "RENAME", "TRUNCATE"]
                .iter()
                .any(|k| head.starts_with(k))
            {
                Some(BinlogEvent::Ddl {
                    db: q.schema().into_owned(),
                    query: query.into_owned(),
                    end_pos,
                    ts_sec,
                })
            } else {
                None
            }
        }
        EventData::RowsEvent(rows) => {
            let kind = match &rows {
                RowsEventData::WriteRowsEventV1(_) | RowsEventData::WriteRowsEvent(_) => {
                    RowsKind::Write
                }
                RowsEventData::UpdateRowsEventV1(_)
                | RowsEventData::UpdateRowsEvent(_)
                | RowsEventData::PartialUpdateRowsEvent(_) => RowsKind::Update,
                RowsEventData::DeleteRowsEventV1(_) | RowsEventData::DeleteRowsEvent(_) => {
                    RowsKind::Delete
                }
            };
            let Some(tme) = stream.get_tme(rows.table_id()) else {
                return Some(BinlogEvent::Failed(CdcError::Protocol(format!(
                    "A rows event of table id {} without its table map",
                    rows.table_id()
                ))));
            };
            let db = tme.database_name().into_owned();
            let table = tme.table_name().into_owned();
            let mut images = Vec::new();
            let mut types = Vec::new();
            if super::catalog::captured(settings, &db, &table) {
                types = (0..tme.columns_count() as usize)
                    .map(|i| tme.get_column_type(i).ok().flatten())
                    .collect();
                for row in rows.rows(tme) {
                    let decoded = row
                        .map_err(|e| {
                            CdcError::Protocol(format!("Decoding a row of {db}.{table}: {e}"))
                        })
                        .and_then(|(before, after)| {
                            Ok((
                                before.map(image).transpose()?,
                                after.map(image).transpose()?,
                            ))
                        });
                    match decoded {
                        Ok(pair) => images.push(pair),
                        Err(e) => return Some(BinlogEvent::Failed(e)),
                    }
                }
            }
            Some(BinlogEvent::Rows {
                db,
                table,
                kind,
                rows: images,
                types,
                pos: end_pos.saturating_sub(u64::from(header.event_size())),
                ts_sec,
                server_id: header.server_id(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtids_render_as_each_server_does() {
        let sid = [
            0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42,
            0x95, 0x62,
        ];
        assert_eq!(
            mysql_gtid(sid, 23),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:23"
        );
        let mut data = 42u64.to_le_bytes().to_vec();
        data.extend(0u32.to_le_bytes());
        data.push(0);
        assert_eq!(mariadb_gtid(&data, 1).as_deref(), Some("0-1-42"));
        assert_eq!(mariadb_gtid(&data[..4], 1), None);
    }
}
