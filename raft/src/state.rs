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
    /// Client request ids already applied, per client, so a retried write is applied
    /// once (only the latest id of each client is kept: clients number requests upward).
    pub applied_requests: BTreeMap<String, u64>,
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
    },
    /// A `None` offset deletes the partition's offset.
    CommitSourceOffsets {
        connector: String,
        offsets: Vec<(String, Option<String>)>,
    },
    CommitSinkOffsets {
        connector: String,
        offsets: Vec<((String, i32), Option<i64>)>,
    },
    PutStatus {
        id: InstanceId,
        status: Status,
    },
    /// Applies `command` only if this client's request id is new.
    Idempotent {
        client: String,
        request: u64,
        command: Box<Command>,
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
}

impl ClusterState {
    pub fn apply(&mut self, command: Command) -> CommandOutcome {
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
            } => {
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
            Command::CommitSourceOffsets { connector, offsets } => {
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
            Command::CommitSinkOffsets { connector, offsets } => {
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
            Command::PutStatus { id, status } => {
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
            Command::Idempotent {
                client,
                request,
                command,
            } => {
                if self
                    .applied_requests
                    .get(&client)
                    .is_some_and(|last| request <= *last)
                {
                    return CommandOutcome::Duplicate;
                }
                self.applied_requests.insert(client, request);
                self.apply(*command)
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
        assert_eq!(s.apply(put("a", "1", true)), CommandOutcome::Created);
        assert_eq!(
            s.apply(put("a", "1", true)),
            CommandOutcome::AlreadyExists("a".into())
        );
        assert_eq!(s.apply(put("a", "1", false)), CommandOutcome::Unchanged);
        assert_eq!(s.apply(put("a", "2", false)), CommandOutcome::Updated);
        assert_eq!(s.connectors["a"].generation, 2);
        assert_eq!(
            s.apply(Command::DeleteConnector { name: "a".into() }),
            CommandOutcome::Deleted
        );
        assert_eq!(
            s.apply(Command::DeleteConnector { name: "a".into() }),
            CommandOutcome::NotFound("a".into())
        );
    }

    #[test]
    fn stale_task_configs_and_statuses_are_rejected() {
        let mut s = ClusterState::default();
        s.apply(put("a", "1", true));
        s.apply(put("a", "2", false));
        let stale = Command::PutTaskConfigs {
            name: "a".into(),
            generation: 1,
            tasks: vec![],
        };
        assert_eq!(s.apply(stale), CommandOutcome::Stale);
        let status = |generation| Command::PutStatus {
            id: InstanceId::Connector("a".into()),
            status: Status {
                state: RunState::Running,
                worker_id: "w".into(),
                trace: None,
                generation,
            },
        };
        assert_eq!(s.apply(status(1)), CommandOutcome::Stale);
        assert_eq!(s.apply(status(2)), CommandOutcome::Updated);
    }

    #[test]
    fn offsets_set_and_delete() {
        let mut s = ClusterState::default();
        s.apply(Command::CommitSourceOffsets {
            connector: "a".into(),
            offsets: vec![("{\"f\":1}".into(), Some("{\"position\":5}".into()))],
        });
        assert_eq!(s.source_offsets["a"]["{\"f\":1}"], "{\"position\":5}");
        s.apply(Command::CommitSourceOffsets {
            connector: "a".into(),
            offsets: vec![("{\"f\":1}".into(), None)],
        });
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
        assert_eq!(s.apply(cmd(1)), CommandOutcome::Created);
        assert_eq!(s.apply(cmd(1)), CommandOutcome::Duplicate);
        assert_eq!(s.apply(cmd(2)), CommandOutcome::Updated);
    }
}
