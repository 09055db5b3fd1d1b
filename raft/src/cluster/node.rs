//! A cluster node: the Raft instance, its storage, the cluster port's HTTP server, and
//! the [`Store`] implementation that turns a command into a replicated, applied write.
//!
//! Any node accepts writes: a follower forwards them to the leader over the cluster
//! port. Every write is wrapped in a request id unique to this node's process, so a
//! write retried after a lost reply is applied once. During an election writes wait
//! up to `write_timeout` and then fail with [`StoreError::Unavailable`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openraft::error::{CheckIsLeaderError, ClientWriteError, RaftError};
use openraft::{ChangeMembers, ServerState};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tracing::{info, warn};
use warp::Filter;

use super::config::ClusterConfig;
use super::network::{decode, encode, server, Network};
use super::types::Raft;
use crate::state::{Command, CommandOutcome, NodeId, NodeInfo};
use crate::store::{SharedState, Store, StoreError};

/// What a forwarded write gets back.
#[derive(Debug, Serialize, Deserialize)]
pub enum WriteReply {
    /// Applied at this log index.
    Applied(CommandOutcome, u64),
    /// This node is not the leader; the leader it knows of, if any.
    NotLeader(Option<(NodeId, String)>),
    Failed(String),
}

/// What a forwarded read-index request gets back (the Raft read-index protocol: the
/// leader confirms it still leads with a quorum round and names the log index a
/// linearizable read must have applied).
#[derive(Debug, Serialize, Deserialize)]
pub enum ReadIndexReply {
    Index(u64),
    NotLeader,
    Failed(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinRequest {
    pub id: NodeId,
    pub info: NodeInfo,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum JoinReply {
    Joined,
    NotLeader(Option<(NodeId, String)>),
    /// The request can never succeed as sent (e.g. the id belongs to another address).
    Rejected(String),
    Failed(String),
}

/// One member as `GET /cluster` shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberInfo {
    pub id: NodeId,
    pub raft_addr: String,
    pub rest_url: String,
    pub voter: bool,
    /// As seen by the leader: reachable within the failover timeout. None when this
    /// node is not the leader and could not ask it.
    pub live: Option<bool>,
    pub last_seen_ms_ago: Option<u64>,
}

/// Where an instance runs (`GET /cluster`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssignmentInfo {
    /// `connector` or `connector-task`, as Kafka names instances.
    pub instance: String,
    pub node: NodeId,
    pub epoch: u64,
    /// The node still handing the instance over, if any.
    pub released_by: Option<NodeId>,
}

/// `GET /cluster` (our extension of the Connect REST API).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterInfo {
    pub node_id: NodeId,
    pub state: String,
    pub leader: Option<NodeId>,
    pub term: u64,
    pub last_log_index: Option<u64>,
    pub last_applied_index: Option<u64>,
    pub lease_valid: bool,
    pub cluster_id: Option<String>,
    pub members: Vec<MemberInfo>,
    pub assignments: Vec<AssignmentInfo>,
}

pub struct ClusterNode {
    pub id: NodeId,
    pub info: NodeInfo,
    pub raft: Raft,
    pub config: ClusterConfig,
    shared: Arc<SharedState>,
    net: Network,
    /// Unique per process, so request ids of a restarted node never collide.
    client_id: String,
    next_request: AtomicU64,
    /// When the leader this node follows last pinged it (while holding its lease).
    last_leader_contact: Arc<Mutex<Instant>>,
    /// Set by a ping that renews a lease which had already lapsed (the node was paused,
    /// or cut off and healed): the lease checker must then see the lease lost first.
    lease_lapsed: AtomicBool,
    lease: watch::Sender<bool>,
    /// Leader only: when each member last answered a ping.
    pub(crate) last_seen: Mutex<BTreeMap<NodeId, Instant>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("{0}")]
    Config(String),
    #[error("cannot open the Raft store in {dir}: {reason}")]
    Storage { dir: String, reason: String },
    #[error("cannot listen on the cluster port {addr}: {reason}")]
    Bind { addr: String, reason: String },
    #[error("raft: {0}")]
    Raft(String),
    #[error("cannot join the cluster: {0}")]
    Join(String),
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The leader to retry with, if `e` says this node is not the leader.
fn not_leader(
    e: &RaftError<NodeId, ClientWriteError<NodeId, NodeInfo>>,
) -> Option<Option<(NodeId, String)>> {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => Some(
            f.leader_id
                .zip(f.leader_node.as_ref().map(|n| n.raft_addr.clone())),
        ),
        _ => None,
    }
}

impl ClusterNode {
    /// Opens storage, starts Raft and the cluster port, and bootstraps or joins the
    /// cluster (in the background: a joining node keeps trying until it is a member).
    pub async fn start(config: ClusterConfig) -> Result<Arc<ClusterNode>, ClusterError> {
        config.validate().map_err(ClusterError::Config)?;
        if let Some(addr) = config.peers.get(&config.node_id) {
            if addr != &config.raft_advertised {
                return Err(ClusterError::Config(format!(
                    "--peers lists node {} at {addr}, but this node's raft address is {}",
                    config.node_id, config.raft_advertised
                )));
            }
        }
        let dir = config.data_dir.join("raft");
        let (log_store, sm_store, shared) =
            super::storage::open(&dir).map_err(|e| ClusterError::Storage {
                dir: dir.display().to_string(),
                reason: e.to_string(),
            })?;
        let raft_config = openraft::Config {
            cluster_name: "raftconnect".into(),
            heartbeat_interval: config.heartbeat.as_millis() as u64,
            election_timeout_min: config.election_min.as_millis() as u64,
            election_timeout_max: config.election_max.as_millis() as u64,
            snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(1000),
            max_in_snapshot_log_to_keep: 100,
            ..Default::default()
        };
        let raft_config = Arc::new(
            raft_config
                .validate()
                .map_err(|e| ClusterError::Config(e.to_string()))?,
        );
        let net = Network::for_cluster(shared.clone(), config.secret.as_ref());
        let raft = Raft::new(
            config.node_id,
            raft_config,
            net.clone(),
            log_store,
            sm_store,
        )
        .await
        .map_err(|e| ClusterError::Raft(e.to_string()))?;
        let info = NodeInfo {
            raft_addr: config.raft_advertised.clone(),
            rest_url: config.rest_url.clone(),
        };
        let node = Arc::new(ClusterNode {
            id: config.node_id,
            info,
            raft,
            shared,
            net,
            client_id: format!("node-{}-{}", config.node_id, now_nanos()),
            next_request: AtomicU64::new(1),
            last_leader_contact: Arc::new(Mutex::new(Instant::now() - config.lease_timeout * 2)),
            lease_lapsed: AtomicBool::new(false),
            lease: watch::Sender::new(false),
            last_seen: Mutex::new(BTreeMap::new()),
            config,
        });
        node.serve().await?;
        node.clone().form_cluster().await?;
        super::lease::spawn(node.clone());
        super::leader::spawn(node.clone());
        Ok(node)
    }

    async fn serve(self: &Arc<Self>) -> Result<(), ClusterError> {
        let raft_routes = server::routes(self.raft.clone(), self.shared.clone());
        let me = self.clone();
        let write = warp::path!("cluster" / "write")
            .and(warp::post())
            .and(warp::body::bytes())
            .then(move |body: bytes::Bytes| {
                let me = me.clone();
                async move {
                    let reply = match decode::<Command>(&body) {
                        Ok(cmd) => me.write_local(cmd).await,
                        Err(e) => WriteReply::Failed(format!("cannot decode command: {e}")),
                    };
                    bytes_reply(&reply)
                }
            });
        let me = self.clone();
        let read_index = warp::path!("cluster" / "read-index")
            .and(warp::post())
            .then(move || {
                let me = me.clone();
                async move { bytes_reply(&me.read_index_local().await) }
            });
        let me = self.clone();
        let join = warp::path!("cluster" / "join")
            .and(warp::post())
            .and(warp::body::bytes())
            .then(move |body: bytes::Bytes| {
                let me = me.clone();
                async move {
                    let reply = match decode::<JoinRequest>(&body) {
                        Ok(req) => me.handle_join(req).await,
                        Err(e) => JoinReply::Failed(format!("cannot decode join request: {e}")),
                    };
                    bytes_reply(&reply)
                }
            });
        // The leader pings members while it holds its own (quorum) lease; a ping from
        // the node this one follows renews this node's lease. Raft heartbeats do not:
        // a leader cut off from the quorum keeps sending them to its minority.
        let me = self.clone();
        let ping = warp::path!("cluster" / "ping")
            .and(warp::get())
            .and(warp::query::<BTreeMap<String, String>>())
            .map(move |q: BTreeMap<String, String>| {
                let from = q.get("from").and_then(|f| f.parse::<NodeId>().ok());
                let leader = me.raft.metrics().borrow().current_leader;
                if from.is_some() && from == leader {
                    if let Ok(mut t) = me.last_leader_contact.lock() {
                        // A paused process runs this handler as soon as it resumes,
                        // possibly before the lease checker has noticed the lapse.
                        if *me.lease.borrow() && t.elapsed() > me.config.lease_timeout {
                            me.lease_lapsed.store(true, Ordering::SeqCst);
                        }
                        *t = Instant::now();
                    }
                }
                warp::reply::Response::new("pong".into())
            });
        let me = self.clone();
        let info = warp::path!("cluster" / "info")
            .and(warp::get())
            .then(move || {
                let me = me.clone();
                async move { bytes_reply(&me.local_info()) }
            });
        let routes = raft_routes
            .or(write)
            .unify()
            .or(read_index)
            .unify()
            .or(join)
            .unify()
            .or(ping)
            .unify()
            .or(info)
            .unify();
        let routes = server::with_secret(self.config.secret.clone())
            .and(routes)
            .recover(server::recover)
            .unify();
        let listener = tokio::net::TcpListener::bind(self.config.raft_listen)
            .await
            .map_err(|e| ClusterError::Bind {
                addr: self.config.raft_listen.to_string(),
                reason: e.to_string(),
            })?;
        info!(addr = %self.config.raft_listen, "cluster port listening");
        tokio::spawn(warp::serve(routes).incoming(listener).run());
        Ok(())
    }

    /// The cluster ids the reachable peers report (None: a peer not in a cluster yet).
    async fn peer_clusters(&self) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        for addr in self.config.peers.values() {
            let url = format!("http://{addr}/cluster/info");
            let info = async {
                let r = self
                    .net
                    .http
                    .get(&url)
                    .timeout(Duration::from_secs(1))
                    .send()
                    .await
                    .ok()?;
                decode::<ClusterInfo>(&r.bytes().await.ok()?).ok()
            }
            .await;
            if let Some(info) = info {
                out.push((addr.clone(), info.cluster_id));
            }
        }
        out
    }

    /// Rejoins with existing state (refusing a data dir of another cluster), bootstraps
    /// a new cluster (the lowest id among this node and its peers, when no peer is in a
    /// cluster yet), or joins an existing one through the peers.
    async fn form_cluster(self: Arc<Self>) -> Result<(), ClusterError> {
        let initialized = self
            .raft
            .is_initialized()
            .await
            .map_err(|e| ClusterError::Raft(e.to_string()))?;
        let peers = self.peer_clusters().await;
        if initialized {
            let ours = self.shared.read(|s| s.cluster_id.clone());
            if let Some(ours) = &ours {
                if let Some((addr, Some(theirs))) = peers
                    .iter()
                    .find(|(_, c)| c.as_ref().is_some_and(|c| c != ours))
                {
                    return Err(ClusterError::Config(format!(
                        "the data dir {} belongs to cluster {ours}, but peer {addr} is in cluster {theirs}; start this node with an empty data dir to join that cluster",
                        self.config.data_dir.display()
                    )));
                }
            }
            info!(node = self.id, cluster = ?ours, "rejoining with existing state");
            return Ok(());
        }
        let peers_in_a_cluster = peers.iter().any(|(_, c)| c.is_some());
        let lowest = self.config.peers.keys().copied().chain([self.id]).min();
        if lowest == Some(self.id) && !peers_in_a_cluster {
            info!(node = self.id, "bootstrapping a new cluster");
            let members: BTreeMap<NodeId, NodeInfo> = [(self.id, self.info.clone())].into();
            match self.raft.initialize(members).await {
                Ok(()) => {}
                Err(RaftError::APIError(openraft::error::InitializeError::NotAllowed(_))) => {}
                Err(e) => return Err(ClusterError::Raft(e.to_string())),
            }
            let me = self.clone();
            tokio::spawn(async move {
                let cluster_id = format!("{:032x}", now_nanos() ^ ((me.id as u128) << 64));
                for cmd in [
                    Command::InitCluster { id: cluster_id },
                    Command::RegisterNode {
                        id: me.id,
                        info: me.info.clone(),
                    },
                ] {
                    if let Err(e) = me.submit(cmd).await {
                        warn!("could not initialise the cluster: {e}");
                    }
                }
            });
            return Ok(());
        }
        if self.config.peers.is_empty() {
            return Err(ClusterError::Join(
                "this node has no state and no peers to join (peers / --peers)".into(),
            ));
        }
        let timeout = self.config.join_timeout;
        match tokio::time::timeout(timeout, self.join_loop()).await {
            Ok(r) => r.map_err(ClusterError::Join),
            Err(_) => Err(ClusterError::Join(format!(
                "no peer of {:?} accepted this node within {} s (join.timeout.ms): are they running and reachable?",
                self.config.peers.values().collect::<Vec<_>>(),
                timeout.as_secs()
            ))),
        }
    }

    async fn join_loop(&self) -> Result<(), String> {
        let req = JoinRequest {
            id: self.id,
            info: self.info.clone(),
        };
        let body = encode(&req)?;
        let mut targets: Vec<String> = self.config.peers.values().cloned().collect();
        let mut attempts = 0u32;
        loop {
            let mut next = Vec::new();
            for addr in &targets {
                let url = format!("http://{addr}/cluster/join");
                let resp = self
                    .net
                    .http
                    .post(&url)
                    .timeout(Duration::from_secs(30))
                    .body(body.clone())
                    .send()
                    .await;
                let reply = match resp {
                    Ok(r) => match r.bytes().await.map(|b| decode::<JoinReply>(&b)) {
                        Ok(Ok(reply)) => reply,
                        _ => continue,
                    },
                    Err(e) => {
                        if attempts.is_multiple_of(10) {
                            info!(node = self.id, peer = %addr, "waiting to join: {e}");
                        }
                        continue;
                    }
                };
                match reply {
                    JoinReply::Joined => {
                        info!(node = self.id, via = %addr, "joined the cluster");
                        return Ok(());
                    }
                    JoinReply::NotLeader(Some((_, leader))) => next.push(leader),
                    JoinReply::NotLeader(None) => {}
                    JoinReply::Rejected(why) => return Err(format!("rejected by {addr}: {why}")),
                    JoinReply::Failed(why) => {
                        warn!(node = self.id, via = %addr, "join failed: {why}")
                    }
                }
            }
            attempts += 1;
            next.extend(self.config.peers.values().cloned());
            next.dedup();
            targets = next;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn handle_join(&self, req: JoinRequest) -> JoinReply {
        let m = self.raft.metrics().borrow().clone();
        if m.state != ServerState::Leader {
            let leader = m.current_leader.and_then(|l| {
                m.membership_config
                    .membership()
                    .get_node(&l)
                    .map(|n| (l, n.raft_addr.clone()))
            });
            return JoinReply::NotLeader(leader);
        }
        let membership = m.membership_config.membership().clone();
        if let Some(existing) = membership.get_node(&req.id) {
            if existing.raft_addr != req.info.raft_addr {
                return JoinReply::Rejected(format!(
                    "node id {} is already a member at {}, not {}",
                    req.id, existing.raft_addr, req.info.raft_addr
                ));
            }
        }
        if let Some((other, _)) = membership
            .nodes()
            .find(|(id, n)| **id != req.id && n.raft_addr == req.info.raft_addr)
        {
            return JoinReply::Rejected(format!(
                "address {} already belongs to node {other}",
                req.info.raft_addr
            ));
        }
        info!(node = req.id, addr = %req.info.raft_addr, "adding node as learner");
        if let Err(e) = self.raft.add_learner(req.id, req.info.clone(), true).await {
            return JoinReply::Failed(e.to_string());
        }
        let voters: BTreeSet<NodeId> = membership.voter_ids().chain([req.id]).collect();
        info!(node = req.id, ?voters, "promoting to voter");
        if let Err(e) = self
            .raft
            .change_membership(ChangeMembers::AddVoterIds(voters), false)
            .await
        {
            return JoinReply::Failed(e.to_string());
        }
        if let Err(e) = self
            .submit(Command::RegisterNode {
                id: req.id,
                info: req.info,
            })
            .await
        {
            return JoinReply::Failed(e.to_string());
        }
        JoinReply::Joined
    }

    /// Writes through the local Raft instance if it is the leader.
    async fn write_local(&self, cmd: Command) -> WriteReply {
        let timeout = self.config.write_timeout;
        match tokio::time::timeout(timeout, self.raft.client_write(cmd)).await {
            Err(_) => {
                WriteReply::Failed(format!("not committed within {} ms", timeout.as_millis()))
            }
            Ok(Ok(resp)) => WriteReply::Applied(resp.data, resp.log_id.index),
            Ok(Err(e)) => match not_leader(&e) {
                Some(leader) => WriteReply::NotLeader(leader),
                None => WriteReply::Failed(e.to_string()),
            },
        }
    }

    fn leader_addr(&self) -> Option<(NodeId, String)> {
        let m = self.raft.metrics().borrow().clone();
        let l = m.current_leader?;
        let n = m.membership_config.membership().get_node(&l)?;
        Some((l, n.raft_addr.clone()))
    }

    async fn forward(&self, addr: &str, body: Vec<u8>) -> Result<WriteReply, String> {
        let url = format!("http://{addr}/cluster/write");
        let resp = self
            .net
            .http
            .post(&url)
            .timeout(self.config.write_timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        decode::<WriteReply>(&bytes)
    }

    /// The read index, if this node is the leader and a quorum confirms it.
    async fn read_index_local(&self) -> ReadIndexReply {
        let timeout = self.config.write_timeout;
        match tokio::time::timeout(timeout, self.raft.get_read_log_id()).await {
            Err(_) => ReadIndexReply::Failed(format!(
                "leadership not confirmed by a quorum within {} ms",
                timeout.as_millis()
            )),
            Ok(Ok((read_log_id, _applied))) => {
                ReadIndexReply::Index(read_log_id.map_or(0, |l| l.index))
            }
            Ok(Err(RaftError::APIError(CheckIsLeaderError::ForwardToLeader(_)))) => {
                ReadIndexReply::NotLeader
            }
            Ok(Err(e)) => ReadIndexReply::Failed(e.to_string()),
        }
    }

    async fn forward_read_index(&self, addr: &str) -> Result<ReadIndexReply, String> {
        let url = format!("http://{addr}/cluster/read-index");
        let resp = self
            .net
            .http
            .post(&url)
            .timeout(self.config.write_timeout)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        decode::<ReadIndexReply>(&bytes)
    }

    /// Read-your-writes: waits (bounded) until this node applied log `index`, so a
    /// read right after a write forwarded to the leader sees it.
    async fn await_applied(&self, index: u64, deadline: Instant) {
        let timeout = deadline.saturating_duration_since(Instant::now());
        if let Err(e) = self
            .raft
            .wait(Some(timeout.max(Duration::from_millis(100))))
            .applied_index_at_least(Some(index), "read your writes")
            .await
        {
            warn!(index, "write applied on the leader but not yet here: {e}");
        }
    }

    pub fn lease(&self) -> watch::Receiver<bool> {
        self.lease.subscribe()
    }

    pub(crate) fn set_lease(&self, valid: bool) {
        self.lease.send_if_modified(|v| {
            let changed = *v != valid;
            *v = valid;
            changed
        });
    }

    /// Whether a ping renewed this node's lease after it had lapsed (cleared on read).
    pub(crate) fn take_lease_lapse(&self) -> bool {
        self.lease_lapsed.swap(false, Ordering::SeqCst)
    }

    pub(crate) fn since_leader_contact(&self) -> Duration {
        self.last_leader_contact
            .lock()
            .map(|t| t.elapsed())
            .unwrap_or(Duration::MAX)
    }

    /// This node's view of the cluster.
    pub fn local_info(&self) -> ClusterInfo {
        let m = self.raft.metrics().borrow().clone();
        let membership = m.membership_config.membership().clone();
        let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
        let seen = self.last_seen.lock().map(|s| s.clone()).unwrap_or_default();
        let is_leader = m.state == ServerState::Leader;
        let members = membership
            .nodes()
            .map(|(id, n)| {
                let ago = if *id == self.id && is_leader {
                    Some(Duration::ZERO)
                } else {
                    seen.get(id).map(|t| t.elapsed())
                };
                MemberInfo {
                    id: *id,
                    raft_addr: n.raft_addr.clone(),
                    rest_url: self
                        .shared
                        .read(|s| s.nodes.get(id).map(|i| i.rest_url.clone()))
                        .unwrap_or_else(|| n.rest_url.clone()),
                    voter: voters.contains(id),
                    live: is_leader.then(|| ago.is_some_and(|a| a <= self.config.failover_timeout)),
                    last_seen_ms_ago: if is_leader {
                        ago.map(|a| a.as_millis() as u64)
                    } else {
                        None
                    },
                }
            })
            .collect();
        let assignments = self.shared.read(|s| {
            s.assignment
                .iter()
                .map(|(id, a)| AssignmentInfo {
                    instance: match id {
                        crate::state::InstanceId::Connector(c) => c.clone(),
                        crate::state::InstanceId::Task(t) => t.to_string(),
                    },
                    node: a.node,
                    epoch: a.epoch,
                    released_by: a.pending_release.map(|(n, _)| n),
                })
                .collect()
        });
        ClusterInfo {
            cluster_id: self.shared.read(|s| s.cluster_id.clone()),
            assignments,
            node_id: self.id,
            state: format!("{:?}", m.state),
            leader: m.current_leader,
            term: m.current_term,
            last_log_index: m.last_log_index,
            last_applied_index: m.last_applied.map(|l| l.index),
            lease_valid: *self.lease.borrow(),
            members,
        }
    }

    /// The cluster as the leader sees it (liveness included), or this node's view if
    /// the leader cannot be asked.
    pub async fn cluster_info(&self) -> ClusterInfo {
        let local = self.local_info();
        match self.leader_addr() {
            Some((l, addr)) if l != self.id => {
                let url = format!("http://{addr}/cluster/info");
                let leader_view = async {
                    let r = self
                        .net
                        .http
                        .get(&url)
                        .timeout(Duration::from_secs(2))
                        .send()
                        .await
                        .ok()?;
                    decode::<ClusterInfo>(&r.bytes().await.ok()?).ok()
                }
                .await;
                match leader_view {
                    Some(lv) => ClusterInfo {
                        members: lv.members,
                        ..local
                    },
                    None => local,
                }
            }
            _ => local,
        }
    }

    pub fn shared(&self) -> &Arc<SharedState> {
        &self.shared
    }

    pub fn is_leader(&self) -> bool {
        self.raft.metrics().borrow().state == ServerState::Leader
    }
}

fn bytes_reply<T: Serialize>(v: &T) -> warp::reply::Response {
    match encode(v) {
        Ok(b) => warp::reply::Response::new(b.into()),
        Err(e) => {
            let mut r = warp::reply::Response::new(format!("encode: {e}").into());
            *r.status_mut() = warp::http::StatusCode::INTERNAL_SERVER_ERROR;
            r
        }
    }
}

#[async_trait::async_trait]
impl Store for ClusterNode {
    async fn submit(&self, command: Command) -> Result<CommandOutcome, StoreError> {
        let request = self.next_request.fetch_add(1, Ordering::Relaxed);
        let cmd = Command::Idempotent {
            client: self.client_id.clone(),
            request,
            command: Box::new(command),
        };
        let body = encode(&cmd).map_err(StoreError::Codec)?;
        let deadline = Instant::now() + self.config.write_timeout;
        let mut last_error = "no leader".to_string();
        while Instant::now() < deadline {
            let reply = match self.leader_addr() {
                Some((l, _)) if l == self.id => Ok(self.write_local(cmd.clone()).await),
                Some((_, addr)) => self.forward(&addr, body.clone()).await,
                None => Err("no leader elected".to_string()),
            };
            match reply {
                Ok(WriteReply::Applied(outcome, index)) => {
                    self.await_applied(index, deadline).await;
                    return Ok(match outcome {
                        // Our earlier attempt was applied and its reply lost: the change
                        // is in, its outcome unknown.
                        CommandOutcome::Duplicate => CommandOutcome::Updated,
                        o => o,
                    });
                }
                Ok(WriteReply::NotLeader(_)) => last_error = "leader changed".into(),
                Ok(WriteReply::Failed(e)) | Err(e) => last_error = e,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Unavailable(format!(
            "no leader committed the write within {} ms ({last_error}); if a leader received it, it is applied only once a quorum of nodes is back",
            self.config.write_timeout.as_millis()
        )))
    }

    /// The read-index protocol: ask the leader (or be it) for the commit index a
    /// quorum confirms, then wait until this node applied it. A node cut off from the
    /// quorum cannot get one, so it never answers from a stale state.
    async fn read_barrier(&self) -> Result<(), StoreError> {
        let deadline = Instant::now() + self.config.write_timeout;
        let mut last_error = "no leader".to_string();
        while Instant::now() < deadline {
            let reply = match self.leader_addr() {
                Some((l, _)) if l == self.id => Ok(self.read_index_local().await),
                Some((_, addr)) => self.forward_read_index(&addr).await,
                None => Err("no leader elected".to_string()),
            };
            match reply {
                Ok(ReadIndexReply::Index(index)) => {
                    let timeout = deadline.saturating_duration_since(Instant::now());
                    match self
                        .raft
                        .wait(Some(timeout))
                        .applied_index_at_least(Some(index), "read barrier")
                        .await
                    {
                        Ok(_) => return Ok(()),
                        Err(e) => last_error = format!("log index {index} not applied here: {e}"),
                    }
                }
                Ok(ReadIndexReply::NotLeader) => last_error = "leader changed".into(),
                Ok(ReadIndexReply::Failed(e)) | Err(e) => last_error = e,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Unavailable(format!(
            "this node cannot confirm it has every committed change within {} ms ({last_error}); a majority of nodes must be reachable to read",
            self.config.write_timeout.as_millis()
        )))
    }

    fn state(&self) -> &SharedState {
        &self.shared
    }
}

/// The leader loop's ping: is `addr` answering? It also renews that member's lease.
pub(crate) async fn ping(
    http: &reqwest::Client,
    from: NodeId,
    addr: &str,
    timeout: Duration,
) -> bool {
    http.get(format!("http://{addr}/cluster/ping?from={from}"))
        .timeout(timeout)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

impl ClusterNode {
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.net.http
    }
}
