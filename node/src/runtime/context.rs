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

impl WorkerContext {
    /// Waits until this node's state holds every change committed anywhere (the Raft
    /// read index), so a task starts from the offsets last committed, not from a copy
    /// that lags (a node that was paused or cut off restarts its tasks the moment it
    /// has a lease again, possibly before it has applied the latest commits; starting
    /// from those would replay records and commit offsets lower than ones already
    /// committed). Returns false if told to stop first.
    pub async fn catch_up(
        &self,
        instance: &InstanceId,
        control: &mut tokio::sync::watch::Receiver<Control>,
    ) -> bool {
        loop {
            match self.store.read_barrier().await {
                Ok(()) => return true,
                Err(e) => warn!(%instance, "not starting yet: {e}"),
            }
            if *control.borrow() == Control::Stopping {
                return false;
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
                _ = control.changed() => {}
            }
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
