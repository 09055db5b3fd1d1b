//! openraft's type configuration for raftconnect: log entries carry [`Command`]s, the
//! state machine answers with [`CommandOutcome`]s, nodes are u64 ids with
//! [`NodeInfo`] addresses.

use std::io::Cursor;

use crate::state::{Command, CommandOutcome, NodeId, NodeInfo};

openraft::declare_raft_types!(
    pub TypeConfig:
        D = Command,
        R = CommandOutcome,
        NodeId = NodeId,
        Node = NodeInfo,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

pub type Raft = openraft::Raft<TypeConfig>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type LogId = openraft::LogId<NodeId>;
pub type Vote = openraft::Vote<NodeId>;
pub type StoredMembership = openraft::StoredMembership<NodeId, NodeInfo>;
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, NodeInfo>;
pub type Snapshot = openraft::Snapshot<TypeConfig>;
pub type StorageError = openraft::StorageError<NodeId>;
