//! The applied cluster state and the commands that change it.
//!
//! `apply` is a pure, deterministic function of (state, command): every replica that
//! applies the same log reaches the same state. Configs, partitions and offsets are kept
//! as strings (JSON text for source partitions/offsets), so the state serializes with
//! bincode and this crate stays ignorant of connectors.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub type Config = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetState {
    Running,
    Paused,
    Stopped,
}

impl TargetState {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Running => "RUNNING",
            TargetState::Paused => "PAUSED",
            TargetState::Stopped => "STOPPED",
        }
    }

    pub fn parse(s: &str) -> Option<TargetState> {
        match s.to_ascii_uppercase().as_str() {
            "RUNNING" => Some(TargetState::Running),
            "PAUSED" => Some(TargetState::Paused),
            "STOPPED" => Some(TargetState::Stopped),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorEntry {
    pub config: Config,
    pub target: TargetState,
    /// Bumped on every config change; task configs carry the generation they were
    /// computed from, so stale ones are recognisable.
    pub generation: u64,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskConfigs {
    /// The connector generation these task configs were computed from.
    pub generation: u64,
    pub tasks: Vec<Config>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskId {
    pub connector: String,
    pub task: u32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.connector, self.task)
    }
}

/// A connector instance or one of its tasks: the things that have a status.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InstanceId {
    Connector(String),
    Task(TaskId),
}

impl InstanceId {
    pub fn connector(&self) -> &str {
        match self {
            InstanceId::Connector(c) => c,
            InstanceId::Task(t) => &t.connector,
        }
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceId::Connector(c) => write!(f, "connector {c}"),
            InstanceId::Task(t) => write!(f, "task {t}"),
        }
    }
}

/// Kafka Connect's status states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunState {
    Unassigned,
    Running,
    Paused,
    Stopped,
    Failed,
    Restarting,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Unassigned => "UNASSIGNED",
            RunState::Running => "RUNNING",
            RunState::Paused => "PAUSED",
            RunState::Stopped => "STOPPED",
            RunState::Failed => "FAILED",
            RunState::Restarting => "RESTARTING",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub state: RunState,
    /// The worker that reported it, as Kafka's `host:port`.
    pub worker_id: String,
    /// The failure's trace, for FAILED.
    pub trace: Option<String>,
    /// The connector generation the instance runs with.
    pub generation: u64,
}

pub type NodeId = u64;

/// How to reach a node: its Raft (cluster) address and its REST API.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NodeInfo {
    pub raft_addr: String,
    pub rest_url: String,
}

impl fmt::Display for NodeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "raft={} rest={}", self.raft_addr, self.rest_url)
    }
}

/// Where an instance runs, and the epoch of that decision: the log index of the
/// command that made it. Writes by the instance carry the epoch; a write with any other
/// epoch comes from an instance that no longer owns the work and is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub node: NodeId,
    pub epoch: u64,
    /// Set while the previous owner (node, epoch) hands the instance over: the new
    /// owner waits, the old one may still commit its final offsets, then releases it
    /// (or the leader does, once the old node is dead). So a moved instance never runs
    /// on two live nodes at once, and nothing it finished is lost.
    pub pending_release: Option<(NodeId, u64)>,
    /// The run of the owner that last claimed the instance under this epoch
    /// ([`Command::ClaimRun`]; 0: none). Only that run's writes count: a write of an
    /// earlier run of the same owner (one that stopped when its node lost its lease,
    /// its last commit still in the log) arriving late cannot move offsets back.
    pub run: u64,
}

impl Assignment {
    pub fn new(node: NodeId, epoch: u64) -> Self {
        Assignment {
            node,
            epoch,
            pending_release: None,
            run: 0,
        }
    }

    /// May the instance start on its node now?
    pub fn runnable(&self) -> bool {
        self.pending_release.is_none()
    }
}

/// The proof of ownership an instance attaches to its writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fence {
    pub instance: InstanceId,
    pub epoch: u64,
    /// The run that claimed the instance (0: no claim, e.g. a connector instance).
    pub run: u64,
}

/// Everything the cluster agrees on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClusterState {
    pub connectors: BTreeMap<String, ConnectorEntry>,
    pub task_configs: BTreeMap<String, TaskConfigs>,
    /// connector -> source partition (JSON text) -> source offset (JSON text).
    pub source_offsets: BTreeMap<String, BTreeMap<String, String>>,
    /// connector -> (topic, partition) -> next offset to consume.
    pub sink_offsets: BTreeMap<String, BTreeMap<(String, i32), i64>>,
    pub statuses: BTreeMap<InstanceId, Status>,
    /// Recently applied request ids per client, so a retried write is applied once.
    pub applied_requests: BTreeMap<String, RecentRequests>,
    /// Nodes that registered their addresses (membership itself is Raft's).
    pub nodes: BTreeMap<NodeId, NodeInfo>,
    /// Which node runs each connector and task instance (distributed mode).
    pub assignment: BTreeMap<InstanceId, Assignment>,
    /// Set once by the node that bootstrapped the cluster; a node whose data belongs
    /// to another cluster is refused.
    pub cluster_id: Option<String>,
    /// How often each instance was restarted by a user (`POST .../restart`): a worker
    /// running an instance with an older count stops it and starts a new run.
    pub restarts: BTreeMap<InstanceId, u64>,
    /// connector -> the topics it used (KIP-558's active topics), until reset.
    pub active_topics: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Log levels set with `PUT /admin/loggers/{logger}?scope=cluster`: logger ->
    /// level; every worker applies them.
    pub logger_levels: BTreeMap<String, String>,
}

/// The request ids of one client that were applied, bounded: ids at or below `floor`
/// were all either applied or given up on by the client.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecentRequests {
    pub floor: u64,
    pub ids: std::collections::BTreeSet<u64>,
}

/// How many request ids per client are remembered. A client that retries a request
/// after this many newer ones were applied would be treated as a duplicate.
const RECENT_REQUESTS: usize = 10_000;

impl RecentRequests {
    /// Records `id`; false if it was already applied.
    fn insert(&mut self, id: u64) -> bool {
        if id <= self.floor || !self.ids.insert(id) {
            return false;
        }
        while self.ids.len() > RECENT_REQUESTS {
            if let Some(min) = self.ids.pop_first() {
                self.floor = min;
            }
        }
        true
    }
}

/// A change to the cluster state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Creates or replaces a connector's config. `create_only` fails if it exists.
    PutConnector {
        name: String,
        config: Config,
        initial_target: TargetState,
        create_only: bool,
        now_ms: i64,
    },
    DeleteConnector {
        name: String,
    },
    SetTargetState {
        name: String,
        target: TargetState,
    },
    /// Task configs computed by the connector from config generation `generation`.
    PutTaskConfigs {
        name: String,
        generation: u64,
        tasks: Vec<Config>,
        fence: Option<Fence>,
    },
    /// A `None` offset deletes the partition's offset.
    CommitSourceOffsets {
        connector: String,
        offsets: Vec<(String, Option<String>)>,
        fence: Option<Fence>,
    },
    CommitSinkOffsets {
        connector: String,
        offsets: Vec<((String, i32), Option<i64>)>,
        fence: Option<Fence>,
    },
    PutStatus {
        id: InstanceId,
        status: Status,
        fence: Option<Fence>,
    },
    RegisterNode {
        id: NodeId,
        info: NodeInfo,
    },
    /// Names the cluster; only the first one counts.
    InitCluster {
        id: String,
    },
    /// Places instances on nodes (None: unassign). The entry's log index becomes the
    /// epoch of every assignment it changes. An instance moved off a node waits for
    /// that node's [`Command::Release`].
    Assign {
        changes: Vec<(InstanceId, Option<NodeId>)>,
    },
    /// A new run of an instance by its current owner (`fence.epoch` current, hand-over
    /// done) takes over from any earlier run: from here on only writes carrying
    /// `fence.run` count.
    ClaimRun {
        fence: Fence,
    },
    /// The owner under `epoch` has stopped the instance (or, sent by the leader, is
    /// dead): the new owner may start it.
    Release {
        instance: InstanceId,
        epoch: u64,
    },
    /// Applies `command` only if this client's request id is new.
    Idempotent {
        client: String,
        request: u64,
        command: Box<Command>,
    },
    /// A user restart: bumps each instance's restart count (its worker stops it and
    /// starts a new run, clearing a failure) and marks its status RESTARTING.
    Restart {
        instances: Vec<InstanceId>,
    },
    /// Topics a connector's tasks produced to or consumed from (KIP-558).
    RecordTopics {
        connector: String,
        topics: Vec<String>,
    },
    /// Forgets a connector's active topics (`PUT /connectors/{name}/topics/reset`).
    ResetTopics {
        connector: String,
    },
    /// A cluster-wide log level (`PUT /admin/loggers/{logger}?scope=cluster`).
    SetLoggerLevel {
        logger: String,
        level: String,
    },
}

/// What applying a command did; errors here are user-facing (the command is still
/// part of the log, it simply changed nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommandOutcome {
    Created,
    Updated,
    Deleted,
    Unchanged,
    /// A retried request that was already applied.
    Duplicate,
    NotFound(String),
    AlreadyExists(String),
    /// Stale task configs or status from an older generation.
    Stale,
    /// The writer no longer owns the instance (its assignment epoch is not current).
    Fenced,
}

impl ClusterState {
    /// Whether a write under `fence` no longer counts. `check_run`: offset commits
    /// must also come from the run that claimed the instance last; statuses and task
    /// configs only from the current owner.
    fn fenced(&self, fence: &Option<Fence>, check_run: bool) -> bool {
        match fence {
            None => false,
            Some(f) => match self.assignment.get(&f.instance) {
                // The current owner's current run, or the previous owner finishing its
                // hand-over.
                Some(a) => {
                    let current = a.epoch == f.epoch && (!check_run || a.run == f.run);
                    let draining = a.pending_release.map(|(_, e)| e) == Some(f.epoch);
                    !current && !draining
                }
                None => true,
            },
        }
    }

    /// Applies the command found at log `index` (1-based, increasing).
    pub fn apply(&mut self, index: u64, command: Command) -> CommandOutcome {
        match command {
            Command::PutConnector {
                name,
                config,
                initial_target,
                create_only,
                now_ms,
            } => match self.connectors.get_mut(&name) {
                Some(_) if create_only => CommandOutcome::AlreadyExists(name),
                Some(entry) => {
                    if entry.config == config {
                        return CommandOutcome::Unchanged;
                    }
                    entry.config = config;
                    entry.generation += 1;
                    entry.updated_ms = now_ms;
                    CommandOutcome::Updated
                }
                None => {
                    self.connectors.insert(
                        name,
                        ConnectorEntry {
                            config,
                            target: initial_target,
                            generation: 1,
                            created_ms: now_ms,
                            updated_ms: now_ms,
                        },
                    );
                    CommandOutcome::Created
                }
            },
            Command::DeleteConnector { name } => {
                if self.connectors.remove(&name).is_none() {
                    return CommandOutcome::NotFound(name);
                }
                // Offsets stay, as in Kafka: re-creating a connector with the same name
                // resumes where it left off (KIP-875 lets users reset them).
                self.task_configs.remove(&name);
                self.statuses.retain(|id, _| id.connector() != name);
                self.assignment.retain(|id, _| id.connector() != name);
                self.restarts.retain(|id, _| id.connector() != name);
                self.active_topics.remove(&name);
                CommandOutcome::Deleted
            }
            Command::SetTargetState { name, target } => match self.connectors.get_mut(&name) {
                None => CommandOutcome::NotFound(name),
                Some(e) if e.target == target => CommandOutcome::Unchanged,
                Some(e) => {
                    e.target = target;
                    CommandOutcome::Updated
                }
            },
            Command::PutTaskConfigs {
                name,
                generation,
                tasks,
                fence,
            } => {
                if self.fenced(&fence, false) {
                    return CommandOutcome::Fenced;
                }
                let Some(entry) = self.connectors.get(&name) else {
                    return CommandOutcome::NotFound(name);
                };
                if generation != entry.generation {
                    return CommandOutcome::Stale;
                }
                let new = TaskConfigs { generation, tasks };
                if self.task_configs.get(&name) == Some(&new) {
                    return CommandOutcome::Unchanged;
                }
                // Statuses of tasks beyond the new count describe nothing any more.
                let count = new.tasks.len() as u32;
                self.statuses.retain(|id, _| match id {
                    InstanceId::Task(t) => t.connector != name || t.task < count,
                    InstanceId::Connector(_) => true,
                });
                self.task_configs.insert(name, new);
                CommandOutcome::Updated
            }
            Command::CommitSourceOffsets {
                connector,
                offsets,
                fence,
            } => {
                if self.fenced(&fence, true) {
                    return CommandOutcome::Fenced;
                }
                let map = self.source_offsets.entry(connector.clone()).or_default();
                for (partition, offset) in offsets {
                    match offset {
                        Some(o) => map.insert(partition, o),
                        None => map.remove(&partition),
                    };
                }
                if map.is_empty() {
                    self.source_offsets.remove(&connector);
                }
                CommandOutcome::Updated
            }
            Command::CommitSinkOffsets {
                connector,
                offsets,
                fence,
            } => {
                if self.fenced(&fence, true) {
                    return CommandOutcome::Fenced;
                }
                let map = self.sink_offsets.entry(connector.clone()).or_default();
                for (tp, offset) in offsets {
                    match offset {
                        Some(o) => map.insert(tp, o),
                        None => map.remove(&tp),
                    };
                }
                if map.is_empty() {
                    self.sink_offsets.remove(&connector);
                }
                CommandOutcome::Updated
            }
            Command::PutStatus { id, status, fence } => {
                if self.fenced(&fence, false) {
                    return CommandOutcome::Fenced;
                }
                let Some(entry) = self.connectors.get(id.connector()) else {
                    return CommandOutcome::NotFound(id.connector().to_string());
                };
                // A late report from an instance of an older config must not overwrite
                // the status of the current one.
                if status.generation < entry.generation {
                    return CommandOutcome::Stale;
                }
                self.statuses.insert(id, status);
                CommandOutcome::Updated
            }
            Command::RegisterNode { id, info } => {
                if self.nodes.get(&id) == Some(&info) {
                    return CommandOutcome::Unchanged;
                }
                self.nodes.insert(id, info);
                CommandOutcome::Updated
            }
            Command::Assign { changes } => {
                let mut changed = false;
                for (id, node) in changes {
                    match node {
                        Some(node) => {
                            let old = self.assignment.get(&id).copied();
                            if old.map(|a| a.node) != Some(node) {
                                // Moved again mid hand-over: the first owner still has
                                // to let go. Moved back to the draining owner: nothing
                                // to wait for.
                                let pending_release = old
                                    .and_then(|o| o.pending_release.or(Some((o.node, o.epoch))))
                                    .filter(|(n, _)| *n != node);
                                self.assignment.insert(
                                    id,
                                    Assignment {
                                        node,
                                        epoch: index,
                                        pending_release,
                                        run: 0,
                                    },
                                );
                                changed = true;
                            }
                        }
                        None => changed |= self.assignment.remove(&id).is_some(),
                    }
                }
                if changed {
                    CommandOutcome::Updated
                } else {
                    CommandOutcome::Unchanged
                }
            }
            Command::InitCluster { id } => {
                if self.cluster_id.is_some() {
                    return CommandOutcome::Unchanged;
                }
                self.cluster_id = Some(id);
                CommandOutcome::Updated
            }
            Command::ClaimRun { fence } => match self.assignment.get_mut(&fence.instance) {
                Some(a) if a.epoch == fence.epoch && a.runnable() && fence.run != 0 => {
                    a.run = fence.run;
                    CommandOutcome::Updated
                }
                _ => CommandOutcome::Fenced,
            },
            Command::Release { instance, epoch } => match self.assignment.get_mut(&instance) {
                Some(a) if a.pending_release.map(|(_, e)| e) == Some(epoch) => {
                    a.pending_release = None;
                    CommandOutcome::Updated
                }
                _ => CommandOutcome::Unchanged,
            },
            Command::Idempotent {
                client,
                request,
                command,
            } => {
                if !self
                    .applied_requests
                    .entry(client)
                    .or_default()
                    .insert(request)
                {
                    return CommandOutcome::Duplicate;
                }
                self.apply(index, *command)
            }
            Command::Restart { instances } => {
                let mut changed = false;
                for id in instances {
                    if !self.connectors.contains_key(id.connector()) {
                        continue;
                    }
                    *self.restarts.entry(id.clone()).or_default() += 1;
                    if let Some(status) = self.statuses.get_mut(&id) {
                        status.state = RunState::Restarting;
                        status.trace = None;
                    }
                    changed = true;
                }
                if changed {
                    CommandOutcome::Updated
                } else {
                    CommandOutcome::Unchanged
                }
            }
            Command::RecordTopics { connector, topics } => {
                if !self.connectors.contains_key(&connector) {
                    return CommandOutcome::NotFound(connector);
                }
                let set = self.active_topics.entry(connector).or_default();
                let before = set.len();
                set.extend(topics);
                if set.len() == before {
                    CommandOutcome::Unchanged
                } else {
                    CommandOutcome::Updated
                }
            }
            Command::ResetTopics { connector } => {
                if self.active_topics.remove(&connector).is_some() {
                    CommandOutcome::Updated
                } else {
                    CommandOutcome::Unchanged
                }
            }
            Command::SetLoggerLevel { logger, level } => {
                if self.logger_levels.get(&logger) == Some(&level) {
                    return CommandOutcome::Unchanged;
                }
                // Setting a logger sets the ones below it too, as log4j does.
                let prefix = format!("{logger}::");
                for (name, l) in self.logger_levels.iter_mut() {
                    if logger == "root" || name.starts_with(&prefix) {
                        *l = level.clone();
                    }
                }
                self.logger_levels.insert(logger, level);
                CommandOutcome::Updated
            }
        }
    }

    pub fn status(&self, id: &InstanceId) -> Option<&Status> {
        self.statuses.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(name: &str, k: &str, create_only: bool) -> Command {
        Command::PutConnector {
            name: name.into(),
            config: [("k".to_string(), k.to_string())].into(),
            initial_target: TargetState::Running,
            create_only,
            now_ms: 1,
        }
    }

    #[test]
    fn create_update_delete() {
        let mut s = ClusterState::default();
        assert_eq!(s.apply(0, put("a", "1", true)), CommandOutcome::Created);
        assert_eq!(
            s.apply(0, put("a", "1", true)),
            CommandOutcome::AlreadyExists("a".into())
        );
        assert_eq!(s.apply(0, put("a", "1", false)), CommandOutcome::Unchanged);
        assert_eq!(s.apply(0, put("a", "2", false)), CommandOutcome::Updated);
        assert_eq!(s.connectors["a"].generation, 2);
        assert_eq!(
            s.apply(0, Command::DeleteConnector { name: "a".into() }),
            CommandOutcome::Deleted
        );
        assert_eq!(
            s.apply(0, Command::DeleteConnector { name: "a".into() }),
            CommandOutcome::NotFound("a".into())
        );
    }

    #[test]
    fn stale_task_configs_and_statuses_are_rejected() {
        let mut s = ClusterState::default();
        s.apply(0, put("a", "1", true));
        s.apply(0, put("a", "2", false));
        let stale = Command::PutTaskConfigs {
            name: "a".into(),
            generation: 1,
            tasks: vec![],
            fence: None,
        };
        assert_eq!(s.apply(0, stale), CommandOutcome::Stale);
        let status = |generation| Command::PutStatus {
            id: InstanceId::Connector("a".into()),
            status: Status {
                state: RunState::Running,
                worker_id: "w".into(),
                trace: None,
                generation,
            },
            fence: None,
        };
        assert_eq!(s.apply(0, status(1)), CommandOutcome::Stale);
        assert_eq!(s.apply(0, status(2)), CommandOutcome::Updated);
    }

    #[test]
    fn offsets_set_and_delete() {
        let mut s = ClusterState::default();
        s.apply(
            0,
            Command::CommitSourceOffsets {
                connector: "a".into(),
                offsets: vec![("{\"f\":1}".into(), Some("{\"position\":5}".into()))],
                fence: None,
            },
        );
        assert_eq!(s.source_offsets["a"]["{\"f\":1}"], "{\"position\":5}");
        s.apply(
            0,
            Command::CommitSourceOffsets {
                connector: "a".into(),
                offsets: vec![("{\"f\":1}".into(), None)],
                fence: None,
            },
        );
        assert!(!s.source_offsets.contains_key("a"));
    }

    #[test]
    fn retried_requests_apply_once() {
        let mut s = ClusterState::default();
        let cmd = |req| Command::Idempotent {
            client: "n1".into(),
            request: req,
            command: Box::new(put("a", &req.to_string(), false)),
        };
        assert_eq!(s.apply(0, cmd(1)), CommandOutcome::Created);
        assert_eq!(s.apply(0, cmd(1)), CommandOutcome::Duplicate);
        assert_eq!(s.apply(0, cmd(2)), CommandOutcome::Updated);
    }

    #[test]
    fn a_late_write_of_an_earlier_run_is_fenced() {
        let mut s = ClusterState::default();
        s.apply(1, put("a", "1", true));
        let task = InstanceId::Task(TaskId {
            connector: "a".into(),
            task: 0,
        });
        s.apply(
            2,
            Command::Assign {
                changes: vec![(task.clone(), Some(1))],
            },
        );
        let fence = |run: u64| Fence {
            instance: task.clone(),
            epoch: 2,
            run,
        };
        let commit = |run: u64, offset: i64| Command::CommitSinkOffsets {
            connector: "a".into(),
            offsets: vec![(("t".into(), 0), Some(offset))],
            fence: Some(fence(run)),
        };
        assert_eq!(
            s.apply(3, Command::ClaimRun { fence: fence(11) }),
            CommandOutcome::Updated
        );
        assert_eq!(s.apply(4, commit(11, 100)), CommandOutcome::Updated);
        // The node lost its lease and restarted the task: a new run, same epoch.
        assert_eq!(
            s.apply(5, Command::ClaimRun { fence: fence(12) }),
            CommandOutcome::Updated
        );
        assert_eq!(s.apply(6, commit(12, 150)), CommandOutcome::Updated);
        // The first run's last commit, stuck in the log until the quorum came back.
        assert_eq!(s.apply(7, commit(11, 120)), CommandOutcome::Fenced);
        assert_eq!(s.sink_offsets["a"][&("t".to_string(), 0)], 150);
        // A claim under an old epoch, or before the hand-over is done, is refused.
        s.apply(
            8,
            Command::Assign {
                changes: vec![(task.clone(), Some(2))],
            },
        );
        assert_eq!(
            s.apply(9, Command::ClaimRun { fence: fence(13) }),
            CommandOutcome::Fenced
        );
        let new_epoch = Fence {
            instance: task.clone(),
            epoch: 8,
            run: 14,
        };
        assert_eq!(
            s.apply(
                10,
                Command::ClaimRun {
                    fence: new_epoch.clone()
                }
            ),
            CommandOutcome::Fenced
        );
        s.apply(
            11,
            Command::Release {
                instance: task.clone(),
                epoch: 2,
            },
        );
        assert_eq!(
            s.apply(12, Command::ClaimRun { fence: new_epoch }),
            CommandOutcome::Updated
        );
    }

    #[test]
    fn writes_with_a_stale_epoch_are_fenced() {
        let mut s = ClusterState::default();
        s.apply(1, put("a", "1", true));
        let task = InstanceId::Task(TaskId {
            connector: "a".into(),
            task: 0,
        });
        s.apply(
            7,
            Command::Assign {
                changes: vec![(task.clone(), Some(1))],
            },
        );
        assert_eq!(s.assignment[&task], Assignment::new(1, 7));
        let commit = |epoch: u64| Command::CommitSourceOffsets {
            connector: "a".into(),
            offsets: vec![("p".into(), Some(epoch.to_string()))],
            fence: Some(Fence {
                instance: task.clone(),
                epoch,
                run: 0,
            }),
        };
        assert_eq!(s.apply(8, commit(7)), CommandOutcome::Updated);
        // Moved to node 2: the old owner's epoch no longer counts.
        s.apply(
            9,
            Command::Assign {
                changes: vec![(task.clone(), Some(2))],
            },
        );
        // During the hand-over the old owner may still commit its last offsets...
        assert_eq!(s.assignment[&task].pending_release, Some((1, 7)));
        assert!(!s.assignment[&task].runnable());
        assert_eq!(s.apply(10, commit(7)), CommandOutcome::Updated);
        // ...until it (or the leader, for a dead node) releases the instance.
        s.apply(
            11,
            Command::Release {
                instance: task.clone(),
                epoch: 7,
            },
        );
        assert!(s.assignment[&task].runnable());
        assert_eq!(s.apply(12, commit(7)), CommandOutcome::Fenced);
        assert_eq!(s.source_offsets["a"]["p"], "7");
        assert_eq!(s.apply(13, commit(9)), CommandOutcome::Updated);
        // Re-assigning to the same node keeps the epoch.
        s.apply(
            14,
            Command::Assign {
                changes: vec![(task.clone(), Some(2))],
            },
        );
        assert_eq!(s.assignment[&task].epoch, 9);
    }

    #[test]
    fn restart_bumps_counts_and_marks_statuses_restarting() {
        let mut s = ClusterState::default();
        s.apply(1, put("a", "1", true));
        let conn = InstanceId::Connector("a".into());
        let task = InstanceId::Task(TaskId {
            connector: "a".into(),
            task: 0,
        });
        s.apply(
            2,
            Command::PutStatus {
                id: conn.clone(),
                status: Status {
                    state: RunState::Failed,
                    worker_id: "w".into(),
                    trace: Some("boom".into()),
                    generation: 1,
                },
                fence: None,
            },
        );
        let restart = |ids: Vec<InstanceId>| Command::Restart { instances: ids };
        assert_eq!(
            s.apply(3, restart(vec![conn.clone(), task.clone()])),
            CommandOutcome::Updated
        );
        assert_eq!(s.restarts[&conn], 1);
        assert_eq!(s.restarts[&task], 1);
        let st = &s.statuses[&conn];
        assert_eq!(
            (st.state, st.trace.as_deref()),
            (RunState::Restarting, None)
        );
        assert_eq!(st.worker_id, "w");
        // No status yet: none is invented.
        assert!(!s.statuses.contains_key(&task));
        assert_eq!(
            s.apply(4, restart(vec![conn.clone()])),
            CommandOutcome::Updated
        );
        assert_eq!(s.restarts[&conn], 2);
        // Unknown connectors change nothing; deleting forgets the counts.
        let other = InstanceId::Connector("b".into());
        assert_eq!(s.apply(5, restart(vec![other])), CommandOutcome::Unchanged);
        s.apply(6, Command::DeleteConnector { name: "a".into() });
        assert!(s.restarts.is_empty());
        // Replaying the same log gives the same state.
        let mut t = ClusterState::default();
        t.apply(1, put("a", "1", true));
        t.apply(3, restart(vec![task.clone()]));
        let mut u = ClusterState::default();
        u.apply(1, put("a", "1", true));
        u.apply(3, restart(vec![task]));
        assert_eq!(t, u);
    }

    #[test]
    fn active_topics_record_and_reset() {
        let mut s = ClusterState::default();
        let record = |topics: &[&str]| Command::RecordTopics {
            connector: "a".into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
        };
        assert_eq!(
            s.apply(1, record(&["x"])),
            CommandOutcome::NotFound("a".into())
        );
        s.apply(2, put("a", "1", true));
        assert_eq!(s.apply(3, record(&["y", "x"])), CommandOutcome::Updated);
        assert_eq!(s.apply(4, record(&["x"])), CommandOutcome::Unchanged);
        assert_eq!(s.active_topics["a"].iter().collect::<Vec<_>>(), ["x", "y"]);
        let reset = || Command::ResetTopics {
            connector: "a".into(),
        };
        assert_eq!(s.apply(5, reset()), CommandOutcome::Updated);
        assert_eq!(s.apply(6, reset()), CommandOutcome::Unchanged);
        s.apply(7, record(&["z"]));
        s.apply(8, Command::DeleteConnector { name: "a".into() });
        assert!(s.active_topics.is_empty());
    }

    #[test]
    fn cluster_logger_levels_cover_children() {
        let mut s = ClusterState::default();
        let set = |logger: &str, level: &str| Command::SetLoggerLevel {
            logger: logger.into(),
            level: level.into(),
        };
        assert_eq!(s.apply(1, set("a::b", "DEBUG")), CommandOutcome::Updated);
        assert_eq!(s.apply(2, set("a::b", "DEBUG")), CommandOutcome::Unchanged);
        assert_eq!(s.apply(3, set("a", "WARN")), CommandOutcome::Updated);
        assert_eq!(s.logger_levels["a::b"], "WARN");
        assert_eq!(s.apply(4, set("root", "ERROR")), CommandOutcome::Updated);
        assert!(s.logger_levels.values().all(|l| l == "ERROR"));
    }

    #[test]
    fn request_ids_out_of_order_are_each_applied_once() {
        let mut r = RecentRequests::default();
        assert!(r.insert(5));
        assert!(r.insert(3));
        assert!(!r.insert(5));
        assert!(!r.insert(3));
        for i in 10..(10 + RECENT_REQUESTS as u64 + 5) {
            assert!(r.insert(i));
        }
        assert!(r.ids.len() <= RECENT_REQUESTS);
        assert!(!r.insert(4), "below the floor counts as applied");
    }
}
