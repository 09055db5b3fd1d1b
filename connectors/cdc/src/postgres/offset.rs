//! Debezium-shaped source offsets of the PostgreSQL connector, and where a restarted
//! task resumes.
//!
//! Source partition: `{"server": <topic.prefix>}`. Offsets:
//! * snapshot records: `{"lsn", "txId", "ts_usec", "snapshot": true,
//!   "last_snapshot_record": bool}` (`lsn` is the slot's consistent point);
//! * streamed records: `{"lsn_proc", "lsn_commit", "lsn", "txId", "ts_usec",
//!   "lsn_events_processed"}`, where `lsn_commit` is the LSN of the commit of the
//!   record's transaction (pgoutput's Begin `final_lsn`), `lsn` the LSN of the change
//!   and `lsn_events_processed` how many changes at that LSN are done (a multi-row
//!   insert shares one LSN), as Debezium counts them.
//!
//! An offset names the last change whose records are all emitted: a delete followed
//! by a tombstone carries the previous position, and the tombstone the delete's, so
//! a restart after only the delete was committed emits both again rather than losing
//! the tombstone. Likewise the delete and tombstone of a primary key change carry the
//! previous position and only the create that follows carries the change's own.

use connect_api::{SourceOffset, SourcePartition};
use serde_json::json;

use super::lsn::Lsn;

pub const SERVER_KEY: &str = "server";

/// The source partition of a connector.
pub fn partition(server_name: &str) -> SourcePartition {
    let mut p = SourcePartition::new();
    p.insert(SERVER_KEY.into(), json!(server_name));
    p
}

/// A streamed change's position: its transaction's commit LSN, its own LSN and its
/// ordinal among the changes at that LSN (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub commit: Lsn,
    pub lsn: Lsn,
    pub ordinal: u64,
}

/// What a stored offset says about where to resume.
#[derive(Debug, Clone, PartialEq)]
pub enum Resume {
    /// No offset: a fresh start.
    None,
    /// A snapshot was under way and did not finish.
    SnapshotIncomplete,
    /// Stream from `lsn` (a finished snapshot's consistent point, or a start point),
    /// skipping nothing.
    From(Lsn),
    /// Stream from the transaction of `position`, skipping changes up to it.
    After(Position),
}

impl Resume {
    pub fn from_offset(offset: Option<&SourceOffset>) -> Resume {
        let Some(o) = offset else {
            return Resume::None;
        };
        let lsn = |k: &str| o.get(k).and_then(|v| v.as_i64()).map(Lsn::from_i64);
        let snapshot = o.get("snapshot").is_some_and(|v| {
            v.as_bool() == Some(true)
                || v.as_str().is_some_and(|s| !s.eq_ignore_ascii_case("false"))
        });
        let last = o
            .get("last_snapshot_record")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if snapshot && !last {
            return Resume::SnapshotIncomplete;
        }
        match (lsn("lsn_commit"), lsn("lsn")) {
            (Some(commit), Some(l)) if !snapshot => Resume::After(Position {
                commit,
                lsn: l,
                ordinal: o
                    .get("lsn_events_processed")
                    .and_then(|v| v.as_u64())
                    .unwrap_or(1),
            }),
            (_, Some(l)) => Resume::From(l),
            _ => Resume::None,
        }
    }

    /// The LSN to start replication at (the server starts at the slot's confirmed
    /// position when that is later).
    pub fn start_lsn(&self) -> Option<Lsn> {
        match self {
            Resume::From(l) => Some(*l),
            Resume::After(p) => Some(p.commit),
            _ => None,
        }
    }

    /// Whether a change at `position` was already emitted.
    pub fn skips(&self, position: &Position) -> bool {
        match self {
            Resume::After(done) => position <= done,
            _ => false,
        }
    }
}

/// The offset of a snapshot record.
pub fn snapshot_offset(lsn: Lsn, tx_id: Option<i64>, ts_usec: i64, last: bool) -> SourceOffset {
    let mut o = SourceOffset::new();
    o.insert("lsn".into(), json!(lsn.as_i64()));
    if let Some(tx) = tx_id {
        o.insert("txId".into(), json!(tx));
    }
    o.insert("ts_usec".into(), json!(ts_usec));
    o.insert("snapshot".into(), json!(true));
    o.insert("last_snapshot_record".into(), json!(last));
    o
}

/// The offset of a streamed record.
pub fn stream_offset(position: &Position, tx_id: i64, ts_usec: i64) -> SourceOffset {
    let mut o = SourceOffset::new();
    o.insert("lsn_proc".into(), json!(position.lsn.as_i64()));
    o.insert("lsn_commit".into(), json!(position.commit.as_i64()));
    o.insert("lsn".into(), json!(position.lsn.as_i64()));
    o.insert("txId".into(), json!(tx_id));
    o.insert("ts_usec".into(), json!(ts_usec));
    o.insert("lsn_events_processed".into(), json!(position.ordinal));
    o
}

/// The offset of a start point with nothing emitted yet.
pub fn start_offset(lsn: Lsn, ts_usec: i64) -> SourceOffset {
    let mut o = SourceOffset::new();
    o.insert("lsn".into(), json!(lsn.as_i64()));
    o.insert("ts_usec".into(), json!(ts_usec));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(commit: u64, lsn: u64, ordinal: u64) -> Position {
        Position {
            commit: Lsn(commit),
            lsn: Lsn(lsn),
            ordinal,
        }
    }

    #[test]
    fn offsets_round_trip_to_resume_points() {
        assert_eq!(Resume::from_offset(None), Resume::None);
        let s = snapshot_offset(Lsn(100), Some(7), 1, false);
        assert_eq!(Resume::from_offset(Some(&s)), Resume::SnapshotIncomplete);
        let s = snapshot_offset(Lsn(100), Some(7), 1, true);
        assert_eq!(Resume::from_offset(Some(&s)), Resume::From(Lsn(100)));
        assert_eq!(s.get("last_snapshot_record"), Some(&json!(true)));
        let o = stream_offset(&pos(300, 250, 2), 9, 5);
        assert_eq!(o.get("lsn_commit"), Some(&json!(300)));
        assert_eq!(o.get("lsn"), Some(&json!(250)));
        let r = Resume::from_offset(Some(&o));
        assert_eq!(r, Resume::After(pos(300, 250, 2)));
        assert_eq!(r.start_lsn(), Some(Lsn(300)));
        assert_eq!(
            Resume::from_offset(Some(&start_offset(Lsn(42), 0))),
            Resume::From(Lsn(42))
        );
        // Debezium's own string form of the snapshot flag.
        let mut d = SourceOffset::new();
        d.insert("lsn".into(), json!(5));
        d.insert("snapshot".into(), json!("INITIAL"));
        assert_eq!(Resume::from_offset(Some(&d)), Resume::SnapshotIncomplete);
    }

    #[test]
    fn resume_skips_only_done_changes() {
        let r = Resume::After(pos(300, 250, 2));
        assert!(r.skips(&pos(200, 150, 1)), "earlier transaction");
        assert!(
            r.skips(&pos(300, 240, 1)),
            "earlier change of the same transaction"
        );
        assert!(r.skips(&pos(300, 250, 2)), "the stored change itself");
        assert!(!r.skips(&pos(300, 250, 3)), "next row of a multi-insert");
        assert!(!r.skips(&pos(300, 260, 1)), "later change");
        assert!(!r.skips(&pos(400, 100, 1)), "later transaction");
        assert!(!Resume::From(Lsn(1)).skips(&pos(0, 0, 0)));
    }
}
