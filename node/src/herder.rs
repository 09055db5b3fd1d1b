//! The Herder: what the REST API and the CLI ask of the cluster (Kafka's Herder).
//! Reads come from the applied state; writes become commands in the store, and return
//! once they are applied.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use connect_api::config::ConfigInfos;
use connect_api::{ConnectorKind, Props};
use raftconnect_raft::{
    ClusterState, Command, CommandOutcome, InstanceId, RunState, Store, StoreError, TargetState,
    TaskId,
};

use raftconnect_raft::cluster::node::{ClusterInfo, ClusterNode};

use crate::connector_config::{self, ValidationError};
use crate::plugins::Plugins;
use crate::runtime::errors::metrics::{ErrorMetricsSnapshot, TaskMetricsRegistry};

#[derive(Debug, thiserror::Error)]
pub enum HerderError {
    #[error("Connector {0} not found")]
    NotFound(String),
    #[error("Task {0} not found")]
    TaskNotFound(String),
    /// Something only the worker running a task knows (e.g. its metrics).
    #[error("{0}")]
    NotOnThisWorker(String),
    #[error("Connector {0} already exists")]
    AlreadyExists(String),
    /// The config failed validation; the message is Kafka's.
    #[error("{message}")]
    InvalidConfig {
        message: String,
        infos: Box<ConfigInfos>,
    },
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ValidationError> for HerderError {
    fn from(e: ValidationError) -> Self {
        HerderError::BadRequest(e.to_string())
    }
}

/// A connector's or task's status, as Kafka's REST API reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StateInfo {
    pub state: String,
    pub worker_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskStateInfo {
    pub id: u32,
    pub state: String,
    pub worker_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectorStatus {
    pub name: String,
    pub connector: StateInfo,
    pub tasks: Vec<TaskStateInfo>,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectorTaskId {
    pub connector: String,
    pub task: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectorInfo {
    pub name: String,
    pub config: Props,
    pub tasks: Vec<ConnectorTaskId>,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskInfo {
    pub id: ConnectorTaskId,
    pub config: Props,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PluginInfo {
    #[serde(rename = "class")]
    pub class: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: String,
}

/// One partition's committed offset (KIP-875 shape).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OffsetEntry {
    pub partition: serde_json::Value,
    pub offset: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConnectorOffsets {
    pub offsets: Vec<OffsetEntry>,
}

pub struct Herder {
    store: Arc<dyn Store>,
    plugins: Arc<Plugins>,
    worker_id: String,
    cluster: Option<Arc<ClusterNode>>,
    task_metrics: Arc<TaskMetricsRegistry>,
}

/// `GET /connectors/{name}/tasks/{id}/metrics` (our extension): a task's error handling
/// counters, from the worker that runs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskMetrics {
    pub id: ConnectorTaskId,
    pub state: String,
    pub worker_id: String,
    #[serde(rename = "task-error-metrics")]
    pub errors: ErrorMetricsSnapshot,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Herder {
    pub fn new(store: Arc<dyn Store>, plugins: Arc<Plugins>, worker_id: String) -> Self {
        Herder {
            store,
            plugins,
            worker_id,
            cluster: None,
            task_metrics: Arc::default(),
        }
    }

    /// A herder for a cluster node: writes go through Raft, and `GET /cluster` works.
    pub fn for_cluster(node: Arc<ClusterNode>, plugins: Arc<Plugins>, worker_id: String) -> Self {
        Herder {
            store: node.clone(),
            plugins,
            worker_id,
            cluster: Some(node),
            task_metrics: Arc::default(),
        }
    }

    /// Shares the worker's task counters, for the task metrics endpoint.
    pub fn with_task_metrics(mut self, task_metrics: Arc<TaskMetricsRegistry>) -> Self {
        self.task_metrics = task_metrics;
        self
    }

    /// A task's error handling counters. They live on the worker running the task:
    /// asked elsewhere, the answer is a 404 naming that worker.
    pub fn task_metrics(&self, name: &str, task: u32) -> Result<TaskMetrics, HerderError> {
        let status = self.task_status(name, task)?;
        let id = TaskId {
            connector: name.to_string(),
            task,
        };
        self.task_metrics
            .retain(|c| self.read(|s| s.connectors.contains_key(c)));
        match self.task_metrics.get(&id) {
            Some(errors) if status.worker_id == self.worker_id => Ok(TaskMetrics {
                id: ConnectorTaskId {
                    connector: name.to_string(),
                    task,
                },
                state: status.state,
                worker_id: status.worker_id,
                errors,
            }),
            _ => Err(HerderError::NotOnThisWorker(format!(
                "Task {name}-{task} does not run on this worker ({}): its metrics are kept by the worker in its status ({})",
                self.worker_id, status.worker_id
            ))),
        }
    }

    /// The cluster as the leader sees it; None in standalone mode.
    pub async fn cluster_info(&self) -> Option<ClusterInfo> {
        match &self.cluster {
            Some(node) => Some(node.cluster_info().await),
            None => None,
        }
    }

    pub fn plugins(&self) -> &Plugins {
        &self.plugins
    }

    fn read<R>(&self, f: impl FnOnce(&ClusterState) -> R) -> R {
        self.store.state().read(f)
    }

    fn kind_of(&self, config: &Props) -> String {
        config
            .get("connector.class")
            .and_then(|c| self.plugins.kind_of(c))
            .map(|k| k.to_string())
            .unwrap_or_else(|| "unknown".to_string())
    }

    pub fn connector_names(&self) -> Vec<String> {
        self.read(|s| s.connectors.keys().cloned().collect())
    }

    pub fn connector_config(&self, name: &str) -> Result<Props, HerderError> {
        self.read(|s| s.connectors.get(name).map(|c| c.config.clone()))
            .ok_or_else(|| HerderError::NotFound(name.to_string()))
    }

    pub fn connector_info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        let (config, ntasks) = self
            .read(|s| {
                s.connectors.get(name).map(|c| {
                    let n = s
                        .task_configs
                        .get(name)
                        .filter(|t| t.generation == c.generation)
                        .map_or(0, |t| t.tasks.len());
                    (c.config.clone(), n)
                })
            })
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        Ok(ConnectorInfo {
            name: name.to_string(),
            kind: self.kind_of(&config),
            config,
            tasks: (0..ntasks as u32)
                .map(|task| ConnectorTaskId {
                    connector: name.to_string(),
                    task,
                })
                .collect(),
        })
    }

    pub fn task_configs(&self, name: &str) -> Result<Vec<TaskInfo>, HerderError> {
        self.read(|s| {
            let c = s.connectors.get(name)?;
            let tasks = s
                .task_configs
                .get(name)
                .filter(|t| t.generation == c.generation)
                .map(|t| t.tasks.clone())
                .unwrap_or_default();
            Some(
                tasks
                    .into_iter()
                    .enumerate()
                    .map(|(i, config)| TaskInfo {
                        id: ConnectorTaskId {
                            connector: name.to_string(),
                            task: i as u32,
                        },
                        config,
                    })
                    .collect(),
            )
        })
        .ok_or_else(|| HerderError::NotFound(name.to_string()))
    }

    fn state_of(&self, s: &ClusterState, id: &InstanceId) -> (String, String, Option<String>) {
        match s.status(id) {
            Some(st) => (
                st.state.as_str().to_string(),
                st.worker_id.clone(),
                st.trace.clone(),
            ),
            None => (
                RunState::Unassigned.as_str().to_string(),
                self.worker_id.clone(),
                None,
            ),
        }
    }

    pub fn connector_status(&self, name: &str) -> Result<ConnectorStatus, HerderError> {
        self.read(|s| {
            let c = s.connectors.get(name)?;
            let (state, worker_id, trace) = self.state_of(s, &InstanceId::Connector(name.into()));
            let ntasks = s
                .task_configs
                .get(name)
                .filter(|t| t.generation == c.generation)
                .map_or(0, |t| t.tasks.len()) as u32;
            let tasks = (0..ntasks)
                .map(|task| {
                    let id = InstanceId::Task(TaskId {
                        connector: name.to_string(),
                        task,
                    });
                    let (state, worker_id, trace) = self.state_of(s, &id);
                    TaskStateInfo {
                        id: task,
                        state,
                        worker_id,
                        trace,
                    }
                })
                .collect();
            Some(ConnectorStatus {
                name: name.to_string(),
                connector: StateInfo {
                    state,
                    worker_id,
                    trace,
                },
                tasks,
                kind: self.kind_of(&c.config),
            })
        })
        .ok_or_else(|| HerderError::NotFound(name.to_string()))
    }

    pub fn task_status(&self, name: &str, task: u32) -> Result<TaskStateInfo, HerderError> {
        let status = self.connector_status(name)?;
        status
            .tasks
            .into_iter()
            .find(|t| t.id == task)
            .ok_or_else(|| HerderError::TaskNotFound(format!("{name}-{task}")))
    }

    /// Validates a config as `PUT /connector-plugins/{class}/config/validate` does.
    pub fn validate(&self, config: &Props) -> Result<ConfigInfos, HerderError> {
        Ok(connector_config::validate(&self.plugins, config)?)
    }

    fn validated(&self, name: &str, mut config: Props) -> Result<Props, HerderError> {
        match config.get("name") {
            Some(n) if n != name => {
                return Err(HerderError::BadRequest(format!(
                    "Connector name configuration ({n}) doesn't match connector name in the URL ({name})"
                )))
            }
            Some(_) => {}
            None => {
                config.insert("name".to_string(), name.to_string());
            }
        }
        let infos = self.validate(&config)?;
        if infos.error_count > 0 {
            return Err(HerderError::InvalidConfig {
                message: connector_config::invalid_message(&infos),
                infos: Box::new(infos),
            });
        }
        Ok(config)
    }

    /// Creates a connector; fails with AlreadyExists when the name is taken.
    pub async fn create_connector(
        &self,
        name: &str,
        config: Props,
        initial: TargetState,
    ) -> Result<ConnectorInfo, HerderError> {
        if name.trim().is_empty() {
            return Err(HerderError::BadRequest("Connector name is required".into()));
        }
        let config = self.validated(name, config)?;
        let outcome = self
            .store
            .submit(Command::PutConnector {
                name: name.to_string(),
                config,
                initial_target: initial,
                create_only: true,
                now_ms: now_ms(),
            })
            .await?;
        match outcome {
            CommandOutcome::AlreadyExists(_) => Err(HerderError::AlreadyExists(name.to_string())),
            _ => self.connector_info(name),
        }
    }

    /// Creates or updates; returns whether it was created.
    pub async fn put_connector_config(
        &self,
        name: &str,
        config: Props,
    ) -> Result<(bool, ConnectorInfo), HerderError> {
        let config = self.validated(name, config)?;
        let outcome = self
            .store
            .submit(Command::PutConnector {
                name: name.to_string(),
                config,
                initial_target: TargetState::Running,
                create_only: false,
                now_ms: now_ms(),
            })
            .await?;
        Ok((
            outcome == CommandOutcome::Created,
            self.connector_info(name)?,
        ))
    }

    pub async fn delete_connector(&self, name: &str) -> Result<(), HerderError> {
        match self
            .store
            .submit(Command::DeleteConnector {
                name: name.to_string(),
            })
            .await?
        {
            CommandOutcome::NotFound(_) => Err(HerderError::NotFound(name.to_string())),
            _ => Ok(()),
        }
    }

    pub async fn set_target_state(
        &self,
        name: &str,
        target: TargetState,
    ) -> Result<(), HerderError> {
        match self
            .store
            .submit(Command::SetTargetState {
                name: name.to_string(),
                target,
            })
            .await?
        {
            CommandOutcome::NotFound(_) => Err(HerderError::NotFound(name.to_string())),
            _ => Ok(()),
        }
    }

    pub fn connector_plugins(&self) -> Vec<PluginInfo> {
        self.plugins
            .connectors()
            .iter()
            .map(|p| PluginInfo {
                class: p.class.to_string(),
                kind: p.kind.to_string(),
                version: p.version.to_string(),
            })
            .collect()
    }

    /// Converters and header converters too, for `?connectorsOnly=false`.
    pub fn all_plugins(&self) -> Vec<PluginInfo> {
        let mut out = self.connector_plugins();
        let version = env!("CARGO_PKG_VERSION");
        out.extend(
            converters::plugins()
                .into_iter()
                .chain(smt::plugins())
                .map(|(class, kind)| PluginInfo {
                    class: class.to_string(),
                    kind: kind.to_string(),
                    version: version.to_string(),
                }),
        );
        out
    }

    pub fn kind(&self, class: &str) -> Option<ConnectorKind> {
        self.plugins.kind_of(class)
    }

    /// `GET /connectors/{name}/offsets` (KIP-875): source partitions and offsets as
    /// the connector wrote them; sink offsets as Kafka's
    /// `{"kafka_topic","kafka_partition"}` -> `{"kafka_offset"}`.
    pub fn offsets(&self, name: &str) -> Result<ConnectorOffsets, HerderError> {
        self.read(|s| {
            s.connectors.get(name)?;
            let mut offsets = Vec::new();
            for (p, o) in s.source_offsets.get(name).into_iter().flatten() {
                let (Ok(partition), Ok(offset)) = (
                    serde_json::from_str::<serde_json::Value>(p),
                    serde_json::from_str::<serde_json::Value>(o),
                ) else {
                    continue;
                };
                offsets.push(OffsetEntry { partition, offset });
            }
            for ((topic, partition), offset) in s.sink_offsets.get(name).into_iter().flatten() {
                offsets.push(OffsetEntry {
                    partition: serde_json::json!({"kafka_topic": topic, "kafka_partition": partition}),
                    offset: serde_json::json!({"kafka_offset": offset}),
                });
            }
            Some(ConnectorOffsets { offsets })
        })
        .ok_or_else(|| HerderError::NotFound(name.to_string()))
    }
}
