//! The cluster's brain: the replicated state machine and its storage.
//!
//! [`state`] holds what a Connect cluster must agree on (connector configs, task configs,
//! offsets, statuses) as a deterministic state machine fed with [`Command`]s. A
//! [`store::Store`] makes commands durable and exposes the applied state: the standalone
//! worker uses the single-node [`local::LocalStore`]; the distributed worker replicates
//! the same commands with Raft. Nothing here knows about Kafka or connector internals:
//! configs and offsets are opaque strings.

pub mod cluster;
pub mod local;
pub mod placement;
pub mod state;
pub mod store;

pub use state::{
    Assignment, ClusterState, Command, CommandOutcome, ConnectorEntry, Fence, InstanceId, NodeId,
    NodeInfo, RunState, Status, TargetState, TaskConfigs, TaskId,
};
pub use store::{Store, StoreError};
