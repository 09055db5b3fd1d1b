//! The storage contract both modes implement: make a command durable, apply it, and let
//! readers see the applied state. The standalone worker's [`crate::local::LocalStore`]
//! and the distributed worker's Raft store are interchangeable behind it.

use std::sync::RwLock;

use tokio::sync::watch;

use crate::state::{ClusterState, Command, CommandOutcome};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage at {path}: {source}")]
    Sled {
        path: String,
        #[source]
        source: sled::Error,
    },
    #[error("cannot encode or decode stored data: {0}")]
    Codec(String),
    #[error("stored data in {path} is corrupt: {reason}")]
    Corrupt { path: String, reason: String },
    /// No leader or no quorum: the write was not applied and may be retried.
    #[error("the cluster cannot accept writes right now: {0}")]
    Unavailable(String),
}

/// A command log's reader side: the applied state and a version that ticks on every
/// applied command, so workers can wait for changes.
pub struct SharedState {
    state: RwLock<ClusterState>,
    version: watch::Sender<u64>,
}

impl SharedState {
    pub fn new(state: ClusterState) -> Self {
        SharedState {
            state: RwLock::new(state),
            version: watch::Sender::new(0),
        }
    }

    /// Replaces the whole state (a Raft snapshot was installed), and wakes watchers.
    pub fn replace(&self, state: ClusterState) {
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = state;
        self.version.send_modify(|v| *v += 1);
    }

    /// Reads the applied state. Keep `f` short: writers wait for it.
    pub fn read<R>(&self, f: impl FnOnce(&ClusterState) -> R) -> R {
        // A poisoned lock means a reader panicked mid-read; the state itself is intact
        // because only `apply` writes, and `apply` does not panic.
        let guard = self.state.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Applies a command that is already durable at log `index`, and wakes watchers.
    pub fn apply(&self, index: u64, command: Command) -> CommandOutcome {
        let outcome = {
            let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
            guard.apply(index, command)
        };
        self.version.send_modify(|v| *v += 1);
        outcome
    }

    /// A receiver that sees a new version after every applied command.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }
}

/// Durable, ordered application of commands.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Makes `command` durable, applies it, and returns what it did. When this returns
    /// Ok the change survives a crash of this process (and, for Raft, of a minority).
    async fn submit(&self, command: Command) -> Result<CommandOutcome, StoreError>;

    /// Returns once this node's applied state holds every change acknowledged anywhere
    /// before the call, so a read of [`Store::state`] that follows is linearizable. A
    /// single-process store always does.
    async fn read_barrier(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// The applied state.
    fn state(&self) -> &SharedState;
}
