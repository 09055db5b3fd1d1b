//! Timing and addressing of a cluster node.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::state::NodeId;

#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub node_id: NodeId,
    pub data_dir: PathBuf,
    /// Where the cluster (Raft) port listens.
    pub raft_listen: SocketAddr,
    /// How peers reach this node's cluster port (host:port).
    pub raft_advertised: String,
    /// How clients reach this node's REST API (http://host:port).
    pub rest_url: String,
    /// Other nodes' cluster addresses, by id; used to bootstrap and to join.
    pub peers: BTreeMap<NodeId, String>,
    pub heartbeat: Duration,
    pub election_min: Duration,
    pub election_max: Duration,
    /// A node that has not heard from a leader (or, as leader, from a quorum) for this
    /// long stops its instances itself.
    pub lease_timeout: Duration,
    /// The leader moves a node's instances after not reaching it for this long; must
    /// exceed `lease_timeout` so the old owner has stopped first.
    pub failover_timeout: Duration,
    /// How long a write waits for a leader (during an election) before failing.
    pub write_timeout: Duration,
    /// How long a new node keeps trying to join through its peers before giving up.
    pub join_timeout: Duration,
    /// `cluster.secret`: when set, every request between nodes carries it and the
    /// cluster port refuses (401) requests that do not. Off by default.
    pub secret: Option<ClusterSecret>,
}

/// A shared secret between the nodes of a cluster; prints as `[hidden]`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterSecret(String);

impl ClusterSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        ClusterSecret(secret.into())
    }

    pub fn value(&self) -> &str {
        &self.0
    }

    /// Compares in time independent of where the values differ.
    pub fn matches(&self, other: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), other.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for ClusterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[hidden]")
    }
}

impl ClusterConfig {
    /// Sized for a loaded 2-core machine: heartbeats every 200 ms, elections after
    /// 1-2 s of silence, leases of 1 s, failover after 2 s.
    pub fn new(node_id: NodeId, data_dir: PathBuf, raft_listen: SocketAddr) -> Self {
        ClusterConfig {
            node_id,
            data_dir,
            raft_listen,
            raft_advertised: raft_listen.to_string(),
            rest_url: String::new(),
            peers: BTreeMap::new(),
            heartbeat: Duration::from_millis(200),
            election_min: Duration::from_millis(1000),
            election_max: Duration::from_millis(2000),
            lease_timeout: Duration::from_millis(1000),
            failover_timeout: Duration::from_millis(2000),
            write_timeout: Duration::from_secs(10),
            join_timeout: Duration::from_secs(60),
            secret: None,
        }
    }

    /// Checks the rules that keep two owners of one task from overlapping.
    pub fn validate(&self) -> Result<(), String> {
        if self.failover_timeout <= self.lease_timeout {
            return Err(format!(
                "failover.timeout.ms ({} ms) must exceed lease.timeout.ms ({} ms)",
                self.failover_timeout.as_millis(),
                self.lease_timeout.as_millis()
            ));
        }
        if self.election_min <= self.heartbeat * 2 || self.election_max <= self.election_min {
            return Err("raft election timeouts must exceed twice the heartbeat interval, and max must exceed min".into());
        }
        // Voters grant a vote only after an election_max of silence from the old leader
        // (openraft's vote lease); by then the old leader's quorum lease and then its
        // followers' leases must both have lapsed.
        if self.lease_timeout * 2 > self.election_max {
            return Err(format!(
                "twice lease.timeout.ms ({} ms) must not exceed the maximum election timeout ({} ms): an old leader and its followers must have stopped their instances before a new leader is elected",
                self.lease_timeout.as_millis(),
                self.election_max.as_millis()
            ));
        }
        Ok(())
    }
}
