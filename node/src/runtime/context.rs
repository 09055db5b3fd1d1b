//! What every connector and task instance of a worker shares.

use std::sync::Arc;

use raftconnect_raft::{Command, Fence, InstanceId, RunState, Status, Store};
use tracing::{info, warn};

use super::errors::metrics::TaskMetricsRegistry;
use crate::kafka::topics::TopicAdmin;
use crate::plugins::Plugins;
use crate::worker_config::WorkerConfig;

pub struct WorkerContext {
    pub config: Arc<WorkerConfig>,
    pub store: Arc<dyn Store>,
    pub plugins: Arc<Plugins>,
    pub topics: Arc<TopicAdmin>,
    /// Error handling counters of the tasks running here.
    pub task_metrics: Arc<TaskMetricsRegistry>,
}

impl WorkerContext {
    /// Records an instance's status in the store; a failure to do so is logged, not
    /// fatal (the next report overwrites it).
    pub async fn report(
        &self,
        id: &InstanceId,
        state: RunState,
        trace: Option<String>,
        generation: u64,
        fence: Option<Fence>,
    ) {
        match &trace {
            Some(t) => warn!(%id, state = state.as_str(), trace = %t, "status"),
            None => info!(%id, state = state.as_str(), "status"),
        }
        let status = Status {
            state,
            worker_id: self.config.worker_id.clone(),
            trace,
            generation,
        };
        let cmd = Command::PutStatus {
            id: id.clone(),
            status,
            fence,
        };
        if let Err(e) = self.store.submit(cmd).await {
            warn!(%id, "could not record status: {e}");
        }
    }

    /// Records topics a connector's task used (KIP-558's active topics), unless the
    /// store already has them all; a failure is logged, not fatal.
    pub async fn record_topics(&self, connector: &str, topics: Vec<String>) {
        let known = self.store.state().read(|s| {
            s.active_topics
                .get(connector)
                .is_some_and(|set| topics.iter().all(|t| set.contains(t)))
        });
        if known || topics.is_empty() {
            return;
        }
        let cmd = Command::RecordTopics {
            connector: connector.to_string(),
            topics,
        };
        if let Err(e) = self.store.submit(cmd).await {
            warn!(connector, "could not record active topics: {e}");
        }
    }
}

/// What the worker wants a running instance to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Running,
    Paused,
    Stopping,
}
