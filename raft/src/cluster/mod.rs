//! Distributed mode: the cluster state machine replicated with openraft.
//!
//! - [`types`]: the openraft type configuration.
//! - [`storage`], [`log_store`], [`state_machine`]: openraft's storage-v2 traits on sled.
//! - [`network`]: Raft RPCs over HTTP on the cluster port.
//! - [`node`]: a cluster node (Raft + storage + cluster port) and its `Store` impl.
//! - [`lease`]: self-fencing of nodes that lost the leader.
//! - [`leader`]: liveness of members and placement, on the leader.
//! - [`config`]: timing and addresses.

pub mod codec;
pub mod config;
pub mod leader;
pub mod lease;
pub mod log_store;
pub mod network;
pub mod node;
pub mod state_machine;
pub mod storage;
pub mod types;
