//! Where the cluster under test runs. Every workload and nemesis talks to a [`Runtime`],
//! so the same run works on local processes (each node in its own network namespace)
//! and on docker containers.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod docker;
pub mod netns;
pub mod processes;

/// A node of the cluster under test, by its Raft node id (1, 2, 3).
pub type NodeId = u64;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{what}: {reason}")]
    Command { what: String, reason: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl RuntimeError {
    pub fn command(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        RuntimeError::Command {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        RuntimeError::Io {
            what: what.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, RuntimeError>;

/// What every runtime needs to start a cluster.
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// This run's results directory: node data, logs and the verifiable connectors'
    /// files live under it.
    pub run_dir: PathBuf,
    /// Node ids 1..=nodes.
    pub nodes: u64,
    /// The `raftconnect` binary (the docker runtime builds its image from it).
    pub raftconnect_bin: PathBuf,
    /// The tansu broker binary.
    pub tansu_bin: PathBuf,
    /// Extra worker.properties lines for every node (timeouts, converters).
    pub worker_props: String,
}

/// The cluster under test: three raftconnect nodes and a Kafka-protocol broker.
///
/// Methods take `&self`: the workload, the nemesis and the checkers use the runtime
/// from several threads at once.
pub trait Runtime: Send + Sync {
    /// "processes" or "docker", for the report.
    fn name(&self) -> &'static str;

    fn node_ids(&self) -> Vec<NodeId>;

    /// Where the harness reaches node `id`'s REST API.
    fn rest_addr(&self, id: NodeId) -> SocketAddr;

    /// The broker's bootstrap address, as the harness reaches it.
    fn bootstrap(&self) -> String;

    /// (Re)starts node `id` on its existing data directory. A no-op when it runs.
    fn start_node(&self, id: NodeId) -> Result<()>;

    /// SIGKILL: the node gets no chance to commit anything.
    fn kill_node(&self, id: NodeId) -> Result<()>;

    /// SIGTERM, and wait up to `timeout` for a clean exit (then SIGKILL).
    fn stop_node(&self, id: NodeId, timeout: Duration) -> Result<()>;

    /// Freezes the node (SIGSTOP / docker pause), as a long GC pause or a VM stall would.
    fn pause_node(&self, id: NodeId) -> Result<()>;

    fn resume_node(&self, id: NodeId) -> Result<()>;

    /// Cuts the network between nodes of different groups (both directions, packets
    /// dropped, not refused). Every node keeps reaching the broker. Replaces any
    /// partition in place.
    fn partition(&self, groups: &[Vec<NodeId>]) -> Result<()>;

    /// Removes every partition.
    fn heal(&self) -> Result<()>;

    /// Whether [`Runtime::partition`] works here (network namespaces need root).
    fn can_partition(&self) -> bool;

    /// SIGKILL the broker (its data survives); [`Runtime::start_broker`] brings it back
    /// on the same address.
    fn kill_broker(&self) -> Result<()>;

    /// Starts the broker when it is down; a no-op when it runs.
    fn start_broker(&self) -> Result<()>;

    /// Where the verifiable connectors write their JSON lines, as the nodes see it
    /// (the value of `verifiable.log.dir`).
    fn verifiable_log_dir_for_nodes(&self) -> String;

    /// The same directory, as the harness reads it.
    fn verifiable_log_dir(&self) -> PathBuf;

    /// Copies every node's and the broker's log into `dir`.
    fn collect_logs(&self, dir: &Path) -> Result<()>;

    /// Stops everything and removes what the run created (namespaces, containers,
    /// networks, firewall rules). Called once, also after a failed run.
    fn shutdown(&self);
}
