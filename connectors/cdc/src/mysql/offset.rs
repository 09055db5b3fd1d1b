//! Debezium-shaped source offsets of the MySQL connector, and where a restarted task
//! resumes.
//!
//! Source partition: `{"server": <topic.prefix>}` (the PostgreSQL connector's shape).
//! Offsets, as Debezium's `MySqlOffsetContext` writes them:
//! * snapshot records: `{"ts_sec", "file", "pos", "snapshot": true,
//!   "snapshot_completed": bool}`, where `file`/`pos` is the binlog position the
//!   snapshot lines up with;
//! * streamed records: `{"ts_sec", "file", "pos", "server_id", "event", "row"
//!   [, "gtids"]}`, where `file`/`pos` is where the record's transaction starts (a
//!   restart reads the whole transaction again), `event` how many of its row events
//!   are fully emitted and `row` how many rows of the next one. Debezium counts every
//!   event of the transaction in `event`; we count row events only, so an offset
//!   written by Debezium itself resumes at the right transaction but may skip
//!   differently inside it.
//!
//! An offset names the last change whose records are all emitted: a delete followed by
//! a tombstone carries the previous position and the tombstone the delete's, so a
//! restart after only the delete was committed emits both again.

use connect_api::{SourceOffset, SourcePartition};
use serde_json::json;

pub const SERVER_KEY: &str = "server";

/// The source partition of a connector.
pub fn partition(server_name: &str) -> SourcePartition {
    let mut p = SourcePartition::new();
    p.insert(SERVER_KEY.into(), json!(server_name));
    p
}

/// A binlog position: a file and a byte offset in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinlogPosition {
    pub file: String,
    pub pos: u64,
}

/// Where a change sits: its transaction's start, the index of its row event in the
/// transaction and of the row in that event (both 0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePosition {
    pub tx_start: BinlogPosition,
    pub event: u64,
    pub row: u64,
}

/// What a stored offset says about where to resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// No offset: a fresh start.
    None,
    /// A snapshot was under way and did not finish.
    SnapshotIncomplete,
    /// Stream from `at`, skipping the first `events` row events of the transaction
    /// starting there and the first `rows` rows of the next one.
    At {
        at: BinlogPosition,
        events: u64,
        rows: u64,
    },
}

impl Resume {
    pub fn from_offset(offset: Option<&SourceOffset>) -> Resume {
        let Some(o) = offset else {
            return Resume::None;
        };
        let flag = |k: &str| {
            o.get(k).is_some_and(|v| {
                v.as_bool() == Some(true)
                    || v.as_str().is_some_and(|s| !s.eq_ignore_ascii_case("false"))
            })
        };
        let number = |k: &str| {
            o.get(k).and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
        };
        if flag("snapshot") && !flag("snapshot_completed") {
            return Resume::SnapshotIncomplete;
        }
        match (o.get("file").and_then(|v| v.as_str()), number("pos")) {
            (Some(file), Some(pos)) if !file.is_empty() => Resume::At {
                at: BinlogPosition {
                    file: file.to_string(),
                    pos,
                },
                events: number("event").unwrap_or(0),
                rows: number("row").unwrap_or(0),
            },
            _ => Resume::None,
        }
    }

    /// Whether the change at `event`/`row` of the first transaction after the resume
    /// point was already emitted.
    pub fn skips(&self, event: u64, row: u64) -> bool {
        match self {
            Resume::At { events, rows, .. } => event < *events || (event == *events && row < *rows),
            _ => false,
        }
    }
}

/// The offset of a snapshot record (or of a finished snapshot with no rows).
pub fn snapshot_offset(at: &BinlogPosition, ts_sec: i64, completed: bool) -> SourceOffset {
    let mut o = SourceOffset::new();
    o.insert("ts_sec".into(), json!(ts_sec));
    o.insert("file".into(), json!(at.file));
    o.insert("pos".into(), json!(at.pos));
    o.insert("snapshot".into(), json!(true));
    o.insert("snapshot_completed".into(), json!(completed));
    o
}

/// The offset of a streamed change: everything up to and including it is emitted.
pub fn stream_offset(
    p: &ChangePosition,
    ts_sec: i64,
    server_id: u32,
    gtid: Option<&str>,
) -> SourceOffset {
    let mut o = SourceOffset::new();
    o.insert("ts_sec".into(), json!(ts_sec));
    o.insert("file".into(), json!(p.tx_start.file));
    o.insert("pos".into(), json!(p.tx_start.pos));
    if let Some(g) = gtid {
        o.insert("gtids".into(), json!(g));
    }
    o.insert("event".into(), json!(p.event));
    o.insert("row".into(), json!(p.row + 1));
    o.insert("server_id".into(), json!(server_id));
    o
}

/// The offset of a transaction boundary with nothing of the next emitted.
pub fn boundary_offset(at: &BinlogPosition, ts_sec: i64) -> SourceOffset {
    let mut o = SourceOffset::new();
    o.insert("ts_sec".into(), json!(ts_sec));
    o.insert("file".into(), json!(at.file));
    o.insert("pos".into(), json!(at.pos));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: &str, pos: u64) -> BinlogPosition {
        BinlogPosition {
            file: file.into(),
            pos,
        }
    }

    #[test]
    fn offsets_round_trip_to_resume_points() {
        assert_eq!(Resume::from_offset(None), Resume::None);
        let s = snapshot_offset(&at("bin.000001", 328), 1, false);
        assert_eq!(Resume::from_offset(Some(&s)), Resume::SnapshotIncomplete);
        let s = snapshot_offset(&at("bin.000001", 328), 1, true);
        assert_eq!(
            Resume::from_offset(Some(&s)),
            Resume::At {
                at: at("bin.000001", 328),
                events: 0,
                rows: 0
            }
        );
        let p = ChangePosition {
            tx_start: at("bin.000002", 1024),
            event: 2,
            row: 4,
        };
        let o = stream_offset(&p, 7, 1, Some("0-1-42"));
        assert_eq!(o.get("row"), Some(&json!(5)));
        assert_eq!(o.get("event"), Some(&json!(2)));
        assert_eq!(o.get("server_id"), Some(&json!(1)));
        assert_eq!(o.get("gtids"), Some(&json!("0-1-42")));
        assert_eq!(
            Resume::from_offset(Some(&o)),
            Resume::At {
                at: at("bin.000002", 1024),
                events: 2,
                rows: 5
            }
        );
        assert_eq!(
            Resume::from_offset(Some(&boundary_offset(&at("b.1", 4), 0))),
            Resume::At {
                at: at("b.1", 4),
                events: 0,
                rows: 0
            }
        );
        // Debezium's own offset (its string snapshot flag and no completion marker).
        let mut d = SourceOffset::new();
        d.insert("file".into(), json!("mysql-bin.000003"));
        d.insert("pos".into(), json!(154));
        d.insert("snapshot".into(), json!("INITIAL"));
        assert_eq!(Resume::from_offset(Some(&d)), Resume::SnapshotIncomplete);
    }

    #[test]
    fn resume_skips_only_emitted_rows() {
        let r = Resume::At {
            at: at("b.1", 4),
            events: 2,
            rows: 5,
        };
        assert!(r.skips(0, 100), "an earlier event");
        assert!(r.skips(1, 0));
        assert!(r.skips(2, 4), "the stored row itself");
        assert!(!r.skips(2, 5), "the next row of the same event");
        assert!(!r.skips(3, 0), "a later event");
        assert!(!Resume::None.skips(0, 0));
    }
}
