//! openraft's state machine ([`RaftStateMachine`] + [`RaftSnapshotBuilder`]) on sled.
//!
//! The applied state lives in memory, in the [`SharedState`] the worker reads and watches;
//! `apply` does not write to disk. What is persisted is the latest snapshot (tree
//! `snapshot`, key `current`, flushed before `build_snapshot`/`install_snapshot` return):
//! its meta (last applied log id, last membership) and its data (the same two plus the
//! `ClusterState`, bincode).
//!
//! On open, the state machine is the last snapshot (or empty), and `applied_state()`
//! reports the snapshot's last log id. openraft then brings it up to date itself: in
//! `Raft::new` (0.9: `StorageHelper::get_initial_state`) it re-applies the log from the
//! snapshot's last log id + 1 up to the committed log id that the log store saved
//! (`save_committed`), before the node serves anything; entries committed later are
//! applied as the leader reports them. Commands are deterministic, so re-applying them on
//! top of the snapshot yields the state the node had before the restart.

// openraft's `StorageError` is large, and it is the error type of the traits these
// helpers serve.
#![allow(clippy::result_large_err)]

use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use openraft::storage::RaftStateMachine;
use openraft::{AnyError, EntryPayload, OptionalSend, RaftSnapshotBuilder, StorageIOError};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tracing::{debug, info};

use crate::cluster::codec::{decode, encode, CodecError};
use crate::cluster::types::{
    Entry, LogId, Snapshot, SnapshotMeta, StorageError, StoredMembership, TypeConfig,
};
use crate::state::{ClusterState, CommandOutcome};
use crate::store::SharedState;

const SNAPSHOT_TREE: &str = "snapshot";
const CURRENT_KEY: &[u8] = b"current";

/// A snapshot's data: what the state machine had applied, and the state it reached.
#[derive(Serialize)]
struct SnapshotDataRef<'a> {
    last_applied: &'a Option<LogId>,
    last_membership: &'a StoredMembership,
    state: &'a ClusterState,
}

#[derive(Deserialize)]
struct SnapshotData {
    last_applied: Option<LogId>,
    last_membership: StoredMembership,
    state: ClusterState,
}

/// The latest snapshot as stored in sled.
#[derive(Clone, Serialize, Deserialize)]
struct StoredSnapshot {
    meta: SnapshotMeta,
    data: Vec<u8>,
}

/// The snapshot tree and the latest snapshot, shared by the state machine and the
/// builders it hands out (which run concurrently with `apply`). The lock orders snapshot
/// writes: a snapshot never replaces a newer one.
#[derive(Clone)]
struct SnapshotStore {
    db: sled::Db,
    tree: sled::Tree,
    current: Arc<Mutex<Option<StoredSnapshot>>>,
}

impl SnapshotStore {
    /// Makes `snap` the current snapshot, durably; with `keep_newer`, not if a newer one
    /// is already there. Returns whether it was stored. Runs `then` under the lock once it
    /// is stored.
    async fn save(
        &self,
        snap: StoredSnapshot,
        keep_newer: bool,
        then: impl FnOnce(),
    ) -> Result<bool, StorageError> {
        let signature = Some(snap.meta.signature());
        let mut current = self.current.lock().await;
        if let Some(cur) = current.as_ref().filter(|_| keep_newer) {
            if cur.meta.last_log_id > snap.meta.last_log_id {
                debug!(current = %cur.meta, skipped = %snap.meta, "a newer snapshot is stored");
                return Ok(false);
            }
        }
        let bytes = encode(&snap, "snapshot")
            .map_err(|e| StorageIOError::write_snapshot(signature.clone(), e))?;
        self.tree
            .insert(CURRENT_KEY, bytes)
            .map_err(|e| StorageIOError::write_snapshot(signature.clone(), AnyError::new(&e)))?;
        self.db.flush_async().await.map_err(|e| {
            StorageIOError::write_snapshot(
                signature.clone(),
                AnyError::new(&e).add_context(|| "flush"),
            )
        })?;
        then();
        *current = Some(snap);
        Ok(true)
    }
}

/// The state machine of one node: the applied [`ClusterState`] (shared with the worker)
/// and the log id and membership it was applied up to.
pub struct StateMachineStore {
    shared: Arc<SharedState>,
    last_applied: Option<LogId>,
    last_membership: StoredMembership,
    snapshots: SnapshotStore,
    /// Makes snapshot ids unique among the snapshots this process builds.
    snapshot_seq: Arc<AtomicU64>,
}

impl StateMachineStore {
    /// The state machine stored in `db`: the last snapshot, or an empty state.
    pub fn new(db: sled::Db) -> Result<StateMachineStore, StorageError> {
        let tree = db.open_tree(SNAPSHOT_TREE).map_err(|e| {
            StorageIOError::read_snapshot(None, AnyError::new(&e).add_context(|| "open tree"))
        })?;
        let stored = match tree
            .get(CURRENT_KEY)
            .map_err(|e| StorageIOError::read_snapshot(None, AnyError::new(&e)))?
        {
            Some(bytes) => Some(
                decode::<StoredSnapshot>(&bytes, "stored snapshot")
                    .map_err(|e| StorageIOError::read_snapshot(None, e))?,
            ),
            None => None,
        };
        let (state, last_applied, last_membership) = match &stored {
            Some(snap) => {
                let data = decode_data(&snap.meta, &snap.data)?;
                info!(snapshot = %snap.meta, "loaded the state machine from its snapshot");
                (data.state, data.last_applied, data.last_membership)
            }
            None => (ClusterState::default(), None, StoredMembership::default()),
        };
        Ok(StateMachineStore {
            shared: Arc::new(SharedState::new(state)),
            last_applied,
            last_membership,
            snapshots: SnapshotStore {
                db,
                tree,
                current: Arc::new(Mutex::new(stored)),
            },
            snapshot_seq: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The applied state, for readers and watchers; it stays valid (and live) after the
    /// state machine is handed to `Raft::new`.
    pub fn shared(&self) -> Arc<SharedState> {
        self.shared.clone()
    }
}

/// Decodes snapshot data and checks it against its meta.
fn decode_data(meta: &SnapshotMeta, bytes: &[u8]) -> Result<SnapshotData, StorageError> {
    let signature = Some(meta.signature());
    let data: SnapshotData = decode(bytes, "snapshot data")
        .map_err(|e| StorageIOError::read_snapshot(signature.clone(), e))?;
    if data.last_applied != meta.last_log_id || data.last_membership != meta.last_membership {
        return Err(StorageIOError::read_snapshot(
            signature,
            AnyError::error(format!(
                "snapshot data (last applied {:?}, membership {}) does not match its meta {}",
                data.last_applied, data.last_membership, meta
            )),
        )
        .into());
    }
    Ok(data)
}

/// Builds a snapshot of the state captured by `get_snapshot_builder`.
pub struct SnapshotBuilder {
    last_applied: Option<LogId>,
    last_membership: StoredMembership,
    /// The encoded snapshot data, taken while no command was being applied.
    data: Result<Vec<u8>, CodecError>,
    seq: u64,
    snapshots: SnapshotStore,
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot, StorageError> {
        let data = match std::mem::replace(&mut self.data, Ok(Vec::new())) {
            Ok(data) => data,
            Err(e) => return Err(StorageIOError::write_snapshot(None, e).into()),
        };
        let snapshot_id = match &self.last_applied {
            Some(id) => format!("{}-{}-{}", id.leader_id, id.index, self.seq),
            None => format!("--{}", self.seq),
        };
        let meta = SnapshotMeta {
            last_log_id: self.last_applied,
            last_membership: self.last_membership.clone(),
            snapshot_id,
        };
        let stored = StoredSnapshot {
            meta: meta.clone(),
            data: data.clone(),
        };
        // A snapshot installed meanwhile may be newer than this one: keep it.
        if self.snapshots.save(stored, true, || ()).await? {
            info!(snapshot = %meta, bytes = data.len(), "built snapshot");
        }
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachineStore {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        Ok((self.last_applied, self.last_membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<CommandOutcome>, StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut outcomes = Vec::new();
        for entry in entries {
            let outcome = match entry.payload {
                EntryPayload::Blank => CommandOutcome::Unchanged,
                EntryPayload::Normal(command) => self.shared.apply(entry.log_id.index, command),
                EntryPayload::Membership(membership) => {
                    self.last_membership = StoredMembership::new(Some(entry.log_id), membership);
                    CommandOutcome::Unchanged
                }
            };
            self.last_applied = Some(entry.log_id);
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        // openraft calls this from the state machine task, between applies, so the state,
        // last_applied and membership captured here agree with each other.
        let data = self.shared.read(|state| {
            encode(
                &SnapshotDataRef {
                    last_applied: &self.last_applied,
                    last_membership: &self.last_membership,
                    state,
                },
                "snapshot data",
            )
        });
        SnapshotBuilder {
            last_applied: self.last_applied,
            last_membership: self.last_membership.clone(),
            data,
            seq: self.snapshot_seq.fetch_add(1, Ordering::Relaxed) + 1,
            snapshots: self.snapshots.clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let bytes = snapshot.into_inner();
        let data = decode_data(meta, &bytes)?;
        let stored = StoredSnapshot {
            meta: meta.clone(),
            data: bytes,
        };
        // Persist first: if that fails, the state machine is unchanged. The installed
        // snapshot replaces whatever is stored: it is the state machine from now on
        // (openraft installs only snapshots newer than everything applied here).
        let shared = &self.shared;
        self.snapshots
            .save(stored, false, move || shared.replace(data.state))
            .await?;
        self.last_applied = meta.last_log_id;
        self.last_membership = meta.last_membership.clone();
        info!(snapshot = %meta, "installed snapshot");
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot>, StorageError> {
        let current = self.snapshots.current.lock().await;
        Ok(current.as_ref().map(|s| Snapshot {
            meta: s.meta.clone(),
            snapshot: Box::new(Cursor::new(s.data.clone())),
        }))
    }
}
