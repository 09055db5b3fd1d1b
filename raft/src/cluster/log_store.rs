//! openraft's log storage ([`RaftLogStorage`] + [`RaftLogReader`]) on sled.
//!
//! Trees of the node's sled db:
//! - `raft_log`: key = entry index (8 bytes big-endian), value = bincode of the `Entry`.
//! - `raft_log_meta`: `vote`, `committed` and `last_purged` (bincode of `Vote` /
//!   `Option<LogId>` / `LogId`).
//!
//! Durability: `append` inserts the entries, awaits `db.flush_async()` and only then reports
//! the IO complete, so an entry that openraft counts as persisted (and a leader counts
//! towards a quorum) survives kill -9. `save_vote` flushes before returning. `truncate`
//! flushes too (a truncation that came back after a crash would be harmless but confusing).
//! `purge` and `save_committed` do not flush: losing them in a crash only means keeping
//! more log, or re-applying less at startup, and the next flush carries them.
//! This relies on sled recovering a prefix of its writes after a crash: a `committed` that
//! survives implies that the entries appended before it survive too.

// openraft's `StorageError` is large, and it is the error type of the traits these
// helpers serve.
#![allow(clippy::result_large_err)]

use std::fmt::Debug;
use std::io;
use std::ops::{Bound, RangeBounds};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{AnyError, OptionalSend, RaftLogReader, StorageIOError};

use crate::cluster::codec::{decode, encode, index_key, key_index};
use crate::cluster::types::{Entry, LogId, StorageError, TypeConfig, Vote};

const LOG_TREE: &str = "raft_log";
const META_TREE: &str = "raft_log_meta";
const VOTE_KEY: &[u8] = b"vote";
const COMMITTED_KEY: &[u8] = b"committed";
const LAST_PURGED_KEY: &[u8] = b"last_purged";

/// The Raft log and vote of one node. Cheap to clone: clones share the sled trees, and a
/// clone is the log reader handed to replication tasks.
#[derive(Clone)]
pub struct LogStore {
    db: sled::Db,
    log: sled::Tree,
    meta: sled::Tree,
}

fn sled_read(context: &str, e: sled::Error) -> StorageError {
    StorageIOError::read(AnyError::new(&e).add_context(|| context.to_string())).into()
}

fn sled_write(context: &str, e: sled::Error) -> StorageError {
    StorageIOError::write(AnyError::new(&e).add_context(|| context.to_string())).into()
}

impl LogStore {
    /// The log store in `db` (trees are created if missing). Finishes a purge that a crash
    /// interrupted: entries at or below the last purged index are removed.
    pub fn new(db: sled::Db) -> Result<LogStore, StorageError> {
        let log = db
            .open_tree(LOG_TREE)
            .map_err(|e| sled_read("open tree raft_log", e))?;
        let meta = db
            .open_tree(META_TREE)
            .map_err(|e| sled_read("open tree raft_log_meta", e))?;
        let store = LogStore { db, log, meta };
        if let Some(purged) = store.last_purged()? {
            store.remove_upto(purged.index)?;
        }
        Ok(store)
    }

    fn get_meta<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
        what: &str,
    ) -> Result<Option<T>, StorageError> {
        let Some(bytes) = self
            .meta
            .get(key)
            .map_err(|e| sled_read(&format!("read {what}"), e))?
        else {
            return Ok(None);
        };
        let value = decode(&bytes, what).map_err(StorageIOError::read)?;
        Ok(Some(value))
    }

    fn last_purged(&self) -> Result<Option<LogId>, StorageError> {
        self.get_meta(LAST_PURGED_KEY, "last purged log id")
    }

    fn decode_entry(key: &[u8], value: &[u8]) -> Result<Entry, StorageError> {
        let index = key_index(key).map_err(StorageIOError::read_logs)?;
        let entry: Entry = decode(value, &format!("log entry {index}"))
            .map_err(|e| StorageIOError::read_log_at_index(index, e))?;
        if entry.log_id.index != index {
            return Err(StorageIOError::read_log_at_index(
                index,
                AnyError::error(format!(
                    "entry stored under index {index} has log id {}",
                    entry.log_id
                )),
            )
            .into());
        }
        Ok(entry)
    }

    /// Removes the entries at indexes `<= upto`, atomically.
    fn remove_upto(&self, upto: u64) -> Result<(), StorageError> {
        let mut batch = sled::Batch::default();
        for key in self.log.range(..=index_key(upto)).keys() {
            batch.remove(key.map_err(|e| sled_read("scan log to purge", e))?);
        }
        self.log
            .apply_batch(batch)
            .map_err(|e| sled_write("purge log", e))
    }

    async fn flush(&self) -> Result<(), sled::Error> {
        self.db.flush_async().await.map(|_| ())
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        let start = match range.start_bound() {
            Bound::Included(&i) => i,
            Bound::Excluded(&i) => match i.checked_add(1) {
                Some(i) => i,
                None => return Ok(Vec::new()),
            },
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&i) => i.checked_add(1),
            Bound::Excluded(&i) => Some(i),
            Bound::Unbounded => None,
        };
        let iter = match end {
            Some(end) if end <= start => return Ok(Vec::new()),
            Some(end) => self.log.range(index_key(start)..index_key(end)),
            None => self.log.range(index_key(start)..),
        };
        let mut entries = Vec::new();
        for item in iter {
            let (key, value) = item.map_err(|e| sled_read("read log entries", e))?;
            entries.push(Self::decode_entry(&key, &value)?);
        }
        Ok(entries)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let last_purged_log_id = self.last_purged()?;
        let last = self
            .log
            .last()
            .map_err(|e| sled_read("read last log entry", e))?;
        let last_log_id = match last {
            Some((key, value)) => Some(Self::decode_entry(&key, &value)?.log_id),
            None => last_purged_log_id,
        };
        Ok(LogState {
            last_purged_log_id,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        let bytes = encode(vote, "vote").map_err(StorageIOError::write_vote)?;
        self.meta
            .insert(VOTE_KEY, bytes)
            .map_err(|e| StorageIOError::write_vote(AnyError::new(&e)))?;
        self.flush()
            .await
            .map_err(|e| StorageIOError::write_vote(AnyError::new(&e).add_context(|| "flush")))?;
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        self.get_meta(VOTE_KEY, "vote")
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        let bytes = encode(&committed, "committed log id").map_err(StorageIOError::write)?;
        self.meta
            .insert(COMMITTED_KEY, bytes)
            .map_err(|e| sled_write("save committed log id", e))?;
        Ok(())
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        Ok(self
            .get_meta::<Option<LogId>>(COMMITTED_KEY, "committed log id")?
            .flatten())
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut batch = sled::Batch::default();
        for entry in entries {
            let bytes = encode(&entry, "log entry")
                .map_err(|e| StorageIOError::write_log_entry(entry.log_id, e))?;
            batch.insert(&index_key(entry.log_id.index), bytes);
        }
        self.log
            .apply_batch(batch)
            .map_err(|e| sled_write("append log entries", e))?;
        // Readable from here on; persisted, and reported so, only after the flush.
        match self.flush().await {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                callback.log_io_completed(Err(io::Error::other(e.to_string())));
                Err(sled_write("flush appended log entries", e))
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let mut batch = sled::Batch::default();
        for key in self.log.range(index_key(log_id.index)..).keys() {
            batch.remove(key.map_err(|e| sled_read("scan log to truncate", e))?);
        }
        self.log
            .apply_batch(batch)
            .map_err(|e| sled_write("truncate log", e))?;
        self.flush()
            .await
            .map_err(|e| sled_write("flush log truncation", e))?;
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        // Record the purge first: if a crash leaves entries at or below it, `new` removes
        // them, and readers never rely on them (openraft reads only above last purged).
        let bytes = encode(&log_id, "last purged log id").map_err(StorageIOError::write_logs)?;
        self.meta
            .insert(LAST_PURGED_KEY, bytes)
            .map_err(|e| sled_write("save last purged log id", e))?;
        self.remove_upto(log_id.index)
    }
}
