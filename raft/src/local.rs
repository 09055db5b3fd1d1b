//! The single-node store of standalone mode: a write-ahead command log and periodic
//! snapshots in sled, in the worker's data dir.
//!
//! A command is appended to the log and flushed to disk before it is applied and
//! acknowledged, so an acknowledged change survives kill -9. On open, the latest snapshot
//! is loaded and the log entries after it are replayed. Every `SNAPSHOT_EVERY` commands
//! the state is snapshotted and the log purged, keeping the store small.

use std::path::{Path, PathBuf};

use tokio::sync::Mutex;
use tracing::{debug, info};

use crate::state::{ClusterState, Command, CommandOutcome};
use crate::store::{SharedState, Store, StoreError};

const SNAPSHOT_EVERY: u64 = 1000;
const SNAPSHOT_KEY: &[u8] = b"snapshot";

pub struct LocalStore {
    path: PathBuf,
    db: sled::Db,
    log: sled::Tree,
    shared: SharedState,
    /// Index of the last appended command; the lock serialises writers.
    last_index: Mutex<u64>,
}

fn codec() -> bincode::config::Configuration {
    bincode::config::standard()
}

impl LocalStore {
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join("store");
        let sled_err = |source| StoreError::Sled {
            path: path.display().to_string(),
            source,
        };
        let db = sled::open(&path).map_err(sled_err)?;
        let log = db.open_tree("log").map_err(sled_err)?;
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.display().to_string(),
            reason,
        };

        let (mut index, mut state) = match db.get(SNAPSHOT_KEY).map_err(sled_err)? {
            Some(bytes) => {
                let ((index, state), _): ((u64, ClusterState), usize) =
                    bincode::serde::decode_from_slice(&bytes, codec())
                        .map_err(|e| corrupt(format!("snapshot: {e}")))?;
                (index, state)
            }
            None => (0, ClusterState::default()),
        };
        let mut replayed = 0u64;
        for item in log.iter() {
            let (key, value) = item.map_err(sled_err)?;
            let at = u64::from_be_bytes(
                key.as_ref()
                    .try_into()
                    .map_err(|_| corrupt("log key is not a u64".into()))?,
            );
            if at <= index {
                continue; // already in the snapshot; the purge was interrupted
            }
            let (command, _): (Command, usize) = bincode::serde::decode_from_slice(&value, codec())
                .map_err(|e| corrupt(format!("log entry {at}: {e}")))?;
            state.apply(at, command);
            index = at;
            replayed += 1;
        }
        info!(path = %path.display(), index, replayed, "opened local store");
        Ok(LocalStore {
            path,
            db,
            log,
            shared: SharedState::new(state),
            last_index: Mutex::new(index),
        })
    }

    fn sled_err(&self, source: sled::Error) -> StoreError {
        StoreError::Sled {
            path: self.path.display().to_string(),
            source,
        }
    }

    async fn snapshot(&self, index: u64) -> Result<(), StoreError> {
        let bytes = self
            .shared
            .read(|s| bincode::serde::encode_to_vec((index, s), codec()))
            .map_err(|e| StoreError::Codec(e.to_string()))?;
        self.db
            .insert(SNAPSHOT_KEY, bytes)
            .map_err(|e| self.sled_err(e))?;
        self.db.flush_async().await.map_err(|e| self.sled_err(e))?;
        // Only now is the log prefix redundant.
        for key in self.log.range(..=index.to_be_bytes()).keys() {
            let key = key.map_err(|e| self.sled_err(e))?;
            self.log.remove(key).map_err(|e| self.sled_err(e))?;
        }
        self.db.flush_async().await.map_err(|e| self.sled_err(e))?;
        debug!(index, "snapshotted local store");
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for LocalStore {
    async fn submit(&self, command: Command) -> Result<CommandOutcome, StoreError> {
        let bytes = bincode::serde::encode_to_vec(&command, codec())
            .map_err(|e| StoreError::Codec(e.to_string()))?;
        let mut last = self.last_index.lock().await;
        let index = *last + 1;
        self.log
            .insert(index.to_be_bytes(), bytes)
            .map_err(|e| self.sled_err(e))?;
        self.db.flush_async().await.map_err(|e| self.sled_err(e))?;
        *last = index;
        let outcome = self.shared.apply(index, command);
        if index % SNAPSHOT_EVERY == 0 {
            self.snapshot(index).await?;
        }
        Ok(outcome)
    }

    fn state(&self) -> &SharedState {
        &self.shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::TargetState;

    fn put(name: &str, v: u64) -> Command {
        Command::PutConnector {
            name: name.into(),
            config: [("v".to_string(), v.to_string())].into(),
            initial_target: TargetState::Running,
            create_only: false,
            now_ms: 0,
        }
    }

    #[tokio::test]
    async fn survives_reopen_across_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let n = SNAPSHOT_EVERY + 17;
        {
            let store = LocalStore::open(dir.path()).unwrap();
            for i in 0..n {
                store.submit(put(&format!("c{}", i % 5), i)).await.unwrap();
                store
                    .submit(Command::CommitSourceOffsets {
                        connector: "c0".into(),
                        offsets: vec![("p".into(), Some(i.to_string()))],
                        fence: None,
                    })
                    .await
                    .unwrap();
            }
        }
        let store = LocalStore::open(dir.path()).unwrap();
        store.state().read(|s| {
            assert_eq!(s.connectors.len(), 5);
            assert_eq!(s.source_offsets["c0"]["p"], (n - 1).to_string());
            let last_c4 = (0..n).rev().find(|i| i % 5 == 4).unwrap();
            assert_eq!(s.connectors["c4"].config["v"], last_c4.to_string());
        });
        // The log was purged up to the last snapshot.
        assert!(store.log.len() < SNAPSHOT_EVERY as usize);
    }

    #[tokio::test]
    async fn watchers_see_every_apply() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let mut rx = store.state().subscribe();
        store.submit(put("a", 1)).await.unwrap();
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), 1);
    }
}
