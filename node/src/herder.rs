//! The Herder: what the REST API and the CLI ask of the cluster (Kafka's Herder).
//! Reads come from the applied state; writes become commands in the store, and return
//! once they are applied.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use connect_api::config::{ConfigInfos, ConfigKeyInfo};
use connect_api::{ConnectorKind, Props};
use raftconnect_raft::{
    ClusterState, Command, CommandOutcome, InstanceId, RunState, Store, StoreError, TargetState,
    TaskId,
};

use raftconnect_raft::cluster::node::{ClusterInfo, ClusterNode};

use crate::auth::BasicAuth;
use crate::config_providers::ConfigProviders;
use crate::connector_config::{self, ValidationError};
use crate::plugins::Plugins;
use crate::runtime::errors::metrics::{ErrorMetricsSnapshot, TaskMetricsRegistry};
use crate::runtime::offsets::canonical_json;
use crate::worker_config::WorkerConfig;

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
    /// Plugin code failed on the server's side (a 500): a connector's `validate()` that
    /// did not answer in time ([`REQUEST_TIMED_OUT`], Kafka's message for its request
    /// timeout) or that panicked.
    #[error("{0}")]
    Internal(String),
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

/// Kafka's `Message` entity (`{"message": "..."}`), e.g. for offset changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    pub message: String,
}

/// Kafka's `ActiveTopicsInfo` (KIP-558), served as `{"<name>": {"topics": [..]}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActiveTopicsInfo {
    pub topics: Vec<String>,
}

/// Kafka's message for offset changes while a connector is not STOPPED.
fn not_stopped_message(name: &str) -> String {
    format!(
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
    )
}

/// A sink partition from `{"kafka_topic","kafka_partition"}` (numbers as JSON numbers
/// or numeric strings, as Kafka's `SinkUtils` accepts them).
fn sink_partition(partition: &serde_json::Value) -> Result<(String, i32), HerderError> {
    let bad = |m: &str| HerderError::BadRequest(m.to_string());
    let serde_json::Value::Object(map) = partition else {
        return Err(bad("The partition for a sink connector offset must be a JSON object with the keys 'kafka_topic' and 'kafka_partition'"));
    };
    let (Some(topic), Some(number)) = (map.get("kafka_topic"), map.get("kafka_partition")) else {
        return Err(bad("The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"));
    };
    let topic = match topic {
        serde_json::Value::String(t) if !t.is_empty() => t.clone(),
        _ => {
            return Err(bad(
                "Kafka topic names must be valid strings and may not be null",
            ))
        }
    };
    let number = match number {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .and_then(|n| i32::try_from(n).ok())
    .ok_or_else(|| bad("Kafka partitions must be valid numbers and may not be null"))?;
    if number < 0 {
        return Err(bad("Kafka partitions must be greater than or equal to 0"));
    }
    Ok((topic, number))
}

/// A sink offset from `{"kafka_offset": N}`; JSON null resets the partition.
fn sink_offset(offset: &serde_json::Value) -> Result<Option<i64>, HerderError> {
    let bad = |m: &str| HerderError::BadRequest(m.to_string());
    let map = match offset {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Object(map) => map,
        _ => return Err(bad("The offset for a sink connector should either be null or contain the key 'kafka_offset'")),
    };
    let value = map.get("kafka_offset").ok_or_else(|| {
        bad("The offset for a sink connector should either be null or contain the key 'kafka_offset'")
    })?;
    let n = match value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| bad("Kafka offsets must be valid numbers and may not be null"))?;
    if n < 0 {
        return Err(bad("Kafka offsets must be greater than or equal to 0"));
    }
    Ok(Some(n))
}

/// Kafka's health response: `{"status", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    pub status: &'static str,
    pub message: String,
}

pub struct Herder {
    store: Arc<dyn Store>,
    plugins: Arc<Plugins>,
    worker_id: String,
    cluster: Option<Arc<ClusterNode>>,
    task_metrics: Arc<TaskMetricsRegistry>,
    /// The worker's config providers: validation resolves placeholders (never shown).
    providers: Arc<ConfigProviders>,
    /// `rest.auth.basic.users`, for the REST API.
    rest_auth: Option<Arc<BasicAuth>>,
    /// How long a request waits for a connector's `validate()` (run on a blocking
    /// thread, never on the async executor) before it answers 500 "Request timed out".
    validation_timeout: Duration,
}

/// The default of [`Herder::with_validation_timeout`]. Kafka waits 90 s
/// (`RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS`); 30 s keeps clients' own timeouts
/// (often 60 s) from firing first.
pub const DEFAULT_VALIDATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Kafka's message when a request outlives its timeout (`ConnectRestException` 500).
pub const REQUEST_TIMED_OUT: &str = "Request timed out";

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

/// A panic in plugin code run on a blocking thread, as a message.
fn join_error_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => {
            if let Some(s) = p.downcast_ref::<&str>() {
                s.to_string()
            } else if let Some(s) = p.downcast_ref::<String>() {
                s.clone()
            } else {
                "panic with a non-string payload".to_string()
            }
        }
        Err(e) => e.to_string(),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Test connectors that run by class name or alias but are not listed by
/// `GET /connector-plugins`, as Kafka's `ConnectorPluginsResource` excludes them.
const LISTING_EXCLUDES: &[&str] = &[
    connect_verifiable::SOURCE_CLASS,
    connect_verifiable::SINK_CLASS,
];

impl Herder {
    pub fn new(store: Arc<dyn Store>, plugins: Arc<Plugins>, worker_id: String) -> Self {
        Herder {
            store,
            plugins,
            worker_id,
            cluster: None,
            task_metrics: Arc::default(),
            providers: Arc::default(),
            rest_auth: None,
            validation_timeout: DEFAULT_VALIDATION_TIMEOUT,
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
            providers: Arc::default(),
            rest_auth: None,
            validation_timeout: DEFAULT_VALIDATION_TIMEOUT,
        }
    }

    /// Shares the worker's task counters, for the task metrics endpoint.
    pub fn with_task_metrics(mut self, task_metrics: Arc<TaskMetricsRegistry>) -> Self {
        self.task_metrics = task_metrics;
        self
    }

    /// Takes the worker's config providers (used by validation) and REST auth.
    pub fn with_worker_config(mut self, config: &WorkerConfig) -> Self {
        self.providers = config.config_providers.clone();
        self.rest_auth = config.rest_auth.clone();
        self
    }

    /// HTTP basic auth for the REST API, if configured.
    pub fn rest_auth(&self) -> Option<Arc<BasicAuth>> {
        self.rest_auth.clone()
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

    /// `GET /health` (Kafka 3.9, KIP-1017): a standalone worker that answers is ready;
    /// a cluster node is healthy while it holds its lease (it may run instances).
    pub fn health(&self) -> Health {
        match &self.cluster {
            Some(node) if !*node.lease().borrow() => Health {
                status: "unhealthy",
                message: "This node has no lease: it cannot reach a cluster leader with a quorum, so it runs no connectors or tasks".into(),
            },
            _ => Health {
                status: "healthy",
                message: "Worker has completed startup and is ready to handle requests.".into(),
            },
        }
    }

    pub fn plugins(&self) -> &Plugins {
        &self.plugins
    }

    /// Waits until this node's state holds every change acknowledged before the call
    /// (see [`Store::read_barrier`]); reads after it are linearizable.
    pub async fn read_barrier(&self) -> Result<(), HerderError> {
        Ok(self.store.read_barrier().await?)
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

    /// How long [`Herder::validate_isolated`] waits for plugin code.
    pub fn with_validation_timeout(mut self, timeout: Duration) -> Self {
        self.validation_timeout = timeout;
        self
    }

    /// Validates a config as `PUT /connector-plugins/{class}/config/validate` does, on
    /// the calling thread. Plugin code runs here and may block: request handlers use
    /// [`Herder::validate_isolated`].
    pub fn validate(&self, config: &Props) -> Result<ConfigInfos, HerderError> {
        Ok(connector_config::validate_with(
            &self.plugins,
            &self.providers,
            config,
        )?)
    }

    /// [`Herder::validate`] on a blocking thread (`spawn_blocking`), so a connector whose
    /// `validate()` blocks stalls neither the executor nor other requests; after the
    /// validation timeout the caller gets [`HerderError::Internal`] with
    /// [`REQUEST_TIMED_OUT`]. The stuck thread is
    /// left to finish on its own (a thread cannot be cancelled).
    pub async fn validate_isolated(&self, config: Props) -> Result<ConfigInfos, HerderError> {
        let plugins = self.plugins.clone();
        let providers = self.providers.clone();
        let work = tokio::task::spawn_blocking(move || {
            connector_config::validate_with(&plugins, &providers, &config)
        });
        match tokio::time::timeout(self.validation_timeout, work).await {
            Ok(Ok(result)) => Ok(result?),
            Ok(Err(join)) => Err(HerderError::Internal(format!(
                "Connector validation failed: {}",
                join_error_message(join)
            ))),
            Err(_) => {
                tracing::warn!(
                    timeout_ms = self.validation_timeout.as_millis() as u64,
                    "connector validation did not finish in time"
                );
                Err(HerderError::Internal(REQUEST_TIMED_OUT.to_string()))
            }
        }
    }

    async fn validated(&self, name: &str, mut config: Props) -> Result<Props, HerderError> {
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
        let infos = self.validate_isolated(config.clone()).await?;
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
        let config = self.validated(name, config).await?;
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
        let config = self.validated(name, config).await?;
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
            .filter(|p| !LISTING_EXCLUDES.contains(&p.class))
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

    /// `PATCH /connectors/{name}/config` (Kafka 3.6+): the patch merged into the
    /// config (a `None` value removes the key), validated and stored as a PUT would.
    pub async fn patch_connector_config(
        &self,
        name: &str,
        patch: Vec<(String, Option<String>)>,
    ) -> Result<ConnectorInfo, HerderError> {
        let mut config = self.connector_config(name)?;
        for (key, value) in patch {
            match value {
                Some(v) => config.insert(key, v),
                None => config.remove(&key),
            };
        }
        let config = self.validated(name, config).await?;
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
        if outcome == CommandOutcome::Created {
            // Deleted meanwhile and re-created by this patch: undo nothing, but say so.
            tracing::warn!(connector = name, "connector re-created by a config patch");
        }
        self.connector_info(name)
    }

    fn target(&self, name: &str) -> Result<TargetState, HerderError> {
        self.read(|s| s.connectors.get(name).map(|c| c.target))
            .ok_or_else(|| HerderError::NotFound(name.to_string()))
    }

    async fn restart(&self, instances: Vec<InstanceId>) -> Result<(), HerderError> {
        if instances.is_empty() {
            return Ok(());
        }
        self.store.submit(Command::Restart { instances }).await?;
        Ok(())
    }

    /// `POST /connectors/{name}/restart` (plain form): restarts the connector instance
    /// only. A STOPPED connector has no instance: nothing to restart.
    pub async fn restart_connector(&self, name: &str) -> Result<(), HerderError> {
        if self.target(name)? == TargetState::Stopped {
            return Ok(());
        }
        self.restart(vec![InstanceId::Connector(name.to_string())])
            .await
    }

    /// `POST /connectors/{name}/restart?includeTasks=..&onlyFailed=..` (KIP-745): the
    /// restart plan, as Kafka's `RestartPlan` shows it: the current status with the
    /// instances to restart marked RESTARTING.
    pub async fn restart_connector_and_tasks(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> Result<ConnectorStatus, HerderError> {
        let stopped = self.target(name)? == TargetState::Stopped;
        let mut plan = self.connector_status(name)?;
        let failed = RunState::Failed.as_str();
        let restarting = RunState::Restarting.as_str();
        let mut instances = Vec::new();
        if !stopped {
            if !only_failed || plan.connector.state == failed {
                plan.connector.state = restarting.to_string();
                plan.connector.trace = None;
                instances.push(InstanceId::Connector(name.to_string()));
            }
            if include_tasks {
                for task in &mut plan.tasks {
                    if !only_failed || task.state == failed {
                        task.state = restarting.to_string();
                        task.trace = None;
                        instances.push(InstanceId::Task(TaskId {
                            connector: name.to_string(),
                            task: task.id,
                        }));
                    }
                }
            }
        }
        self.restart(instances).await?;
        Ok(plan)
    }

    /// `POST /connectors/{name}/tasks/{task}/restart`.
    pub async fn restart_task(&self, name: &str, task: u32) -> Result<(), HerderError> {
        self.task_status(name, task)?;
        self.restart(vec![InstanceId::Task(TaskId {
            connector: name.to_string(),
            task,
        })])
        .await
    }

    /// KIP-875's precondition: target STOPPED and no task configs left.
    fn check_stopped(&self, name: &str) -> Result<ConnectorKind, HerderError> {
        let (target, tasks, config) = self
            .read(|s| {
                s.connectors.get(name).map(|c| {
                    let tasks = s
                        .task_configs
                        .get(name)
                        .filter(|t| t.generation == c.generation)
                        .map_or(0, |t| t.tasks.len());
                    (c.target, tasks, c.config.clone())
                })
            })
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        if target != TargetState::Stopped || tasks != 0 {
            return Err(HerderError::BadRequest(not_stopped_message(name)));
        }
        config
            .get("connector.class")
            .and_then(|c| self.plugins.kind_of(c))
            .ok_or_else(|| {
                HerderError::BadRequest(format!(
                    "Connector {name} has no known connector class: its offsets cannot be modified"
                ))
            })
    }

    /// `PATCH /connectors/{name}/offsets` (KIP-875): writes the given offsets (a null
    /// offset removes the partition's) into the store. Only for a STOPPED connector.
    pub async fn alter_offsets(
        &self,
        name: &str,
        offsets: Vec<OffsetEntry>,
    ) -> Result<Message, HerderError> {
        let kind = self.check_stopped(name)?;
        if offsets.is_empty() {
            return Err(HerderError::BadRequest(
                "Partitions / offsets need to be provided for an alter offsets request".into(),
            ));
        }
        let command = match kind {
            ConnectorKind::Sink => {
                let mut out = Vec::new();
                for e in &offsets {
                    out.push((sink_partition(&e.partition)?, sink_offset(&e.offset)?));
                }
                Command::CommitSinkOffsets {
                    connector: name.to_string(),
                    offsets: out,
                    fence: None,
                }
            }
            ConnectorKind::Source => {
                let mut out = Vec::new();
                for e in &offsets {
                    let serde_json::Value::Object(partition) = &e.partition else {
                        return Err(HerderError::BadRequest(
                            "Source partitions must be JSON objects and may not be null".into(),
                        ));
                    };
                    let offset = match &e.offset {
                        serde_json::Value::Null => None,
                        serde_json::Value::Object(o) => Some(canonical_json(o)),
                        _ => {
                            return Err(HerderError::BadRequest(
                                "Source offsets must be JSON objects or null".into(),
                            ))
                        }
                    };
                    out.push((canonical_json(partition), offset));
                }
                Command::CommitSourceOffsets {
                    connector: name.to_string(),
                    offsets: out,
                    fence: None,
                }
            }
        };
        self.store.submit(command).await?;
        Ok(Message {
            message: "The offsets for this connector have been altered successfully".into(),
        })
    }

    /// `DELETE /connectors/{name}/offsets` (KIP-875): forgets every committed offset of
    /// the connector. Only for a STOPPED connector.
    pub async fn reset_offsets(&self, name: &str) -> Result<Message, HerderError> {
        self.check_stopped(name)?;
        let (source, sink) = self.read(|s| {
            (
                s.source_offsets
                    .get(name)
                    .map(|m| m.keys().map(|p| (p.clone(), None)).collect::<Vec<_>>())
                    .unwrap_or_default(),
                s.sink_offsets
                    .get(name)
                    .map(|m| m.keys().map(|tp| (tp.clone(), None)).collect::<Vec<_>>())
                    .unwrap_or_default(),
            )
        });
        if !source.is_empty() {
            self.store
                .submit(Command::CommitSourceOffsets {
                    connector: name.to_string(),
                    offsets: source,
                    fence: None,
                })
                .await?;
        }
        if !sink.is_empty() {
            self.store
                .submit(Command::CommitSinkOffsets {
                    connector: name.to_string(),
                    offsets: sink,
                    fence: None,
                })
                .await?;
        }
        Ok(Message {
            message: "The offsets for this connector have been reset successfully".into(),
        })
    }

    /// `GET /connectors/{name}/topics` (KIP-558). As Kafka's, no existence check: an
    /// unknown connector simply has no active topics.
    pub fn active_topics(&self, name: &str) -> ActiveTopicsInfo {
        ActiveTopicsInfo {
            topics: self.read(|s| {
                s.active_topics
                    .get(name)
                    .map(|t| t.iter().cloned().collect())
                    .unwrap_or_default()
            }),
        }
    }

    /// `PUT /connectors/{name}/topics/reset` (KIP-558).
    pub async fn reset_active_topics(&self, name: &str) -> Result<(), HerderError> {
        self.store
            .submit(Command::ResetTopics {
                connector: name.to_string(),
            })
            .await?;
        Ok(())
    }

    /// `GET /connector-plugins/{plugin}/config` (Kafka 3.2+): the keys a plugin takes.
    /// For a connector, the framework's keys and the connector's own; for a
    /// transformation, predicate or converter, its ConfigDef. None for an unknown plugin.
    pub fn plugin_config(&self, plugin: &str) -> Option<Vec<ConfigKeyInfo>> {
        if let Some(p) = self.plugins.find(plugin) {
            let config: Props = [("connector.class".to_string(), p.class.to_string())].into();
            let infos = connector_config::validate(&self.plugins, &config).ok()?;
            let mut seen = std::collections::BTreeSet::new();
            return Some(
                infos
                    .configs
                    .into_iter()
                    .map(|c| c.definition)
                    .filter(|d| !d.is_undefined() && seen.insert(d.name.clone()))
                    .collect(),
            );
        }
        let def = smt::registry::find_transform(plugin)
            .map(|t| (t.config_def)())
            .or_else(|| smt::registry::find_predicate(plugin).map(|p| (p.config_def)()))
            .or_else(|| converters::config_def(plugin))?;
        Some(def.keys().map(|k| k.info()).collect())
    }

    /// `PUT /admin/loggers/{logger}?scope=cluster`: stored, so every worker applies it
    /// (see `rest::loggers::follow`).
    pub async fn set_cluster_logger_level(
        &self,
        logger: &str,
        level: &str,
    ) -> Result<(), HerderError> {
        self.store
            .submit(Command::SetLoggerLevel {
                logger: logger.to_string(),
                level: level.to_string(),
            })
            .await?;
        Ok(())
    }

    /// The cluster-wide log levels in the store.
    pub fn cluster_logger_levels(&self) -> std::collections::BTreeMap<String, String> {
        self.read(|s| s.logger_levels.clone())
    }

    /// Wakes on every applied command.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.store.state().subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftconnect_raft::local::LocalStore;

    fn herder(dir: &tempfile::TempDir, timeout: Duration) -> Herder {
        let store = Arc::new(LocalStore::open(dir.path()).unwrap());
        let plugins = Plugins::from_connectors(crate::runtime::errors::test_plugins::plugins());
        Herder::new(store, Arc::new(plugins), "w".into()).with_validation_timeout(timeout)
    }

    fn blocking(block: &str, ms: u64) -> Props {
        [
            ("name", "c"),
            ("connector.class", "BlockingConnector"),
            ("block", block),
            ("block.ms", &ms.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[tokio::test]
    async fn a_validate_that_blocks_past_the_timeout_is_a_500_request_timed_out() {
        let dir = tempfile::tempdir().unwrap();
        let h = herder(&dir, Duration::from_millis(200));
        let started = std::time::Instant::now();
        let e = h
            .validate_isolated(blocking("validate", 3_000))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(
            matches!(&e, HerderError::Internal(m) if m == REQUEST_TIMED_OUT),
            "{e:?}"
        );
        // A create is refused the same way, and nothing is stored.
        let e = h
            .create_connector("c", blocking("validate", 3_000), TargetState::Running)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, HerderError::Internal(m) if m == REQUEST_TIMED_OUT),
            "{e:?}"
        );
        assert!(h.connector_names().is_empty());
    }

    #[tokio::test]
    async fn a_validate_that_blocks_less_than_the_timeout_answers() {
        let dir = tempfile::tempdir().unwrap();
        let h = herder(&dir, Duration::from_secs(5));
        // On a current-thread runtime: the executor keeps running while validate blocks.
        let ticks = tokio::spawn(async {
            let mut n = 0;
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                n += 1;
            }
            n
        });
        let infos = h
            .validate_isolated(blocking("validate", 300))
            .await
            .unwrap();
        assert_eq!(infos.error_count, 0, "{infos:?}");
        assert!(ticks.is_finished());
        assert_eq!(ticks.await.unwrap(), 5);
        let info = h
            .create_connector("c", blocking("none", 0), TargetState::Running)
            .await
            .unwrap();
        assert_eq!(info.name, "c");
    }
}
