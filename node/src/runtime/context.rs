//! What every connector and task instance of a worker shares.

use std::sync::Arc;

use raftconnect_raft::{
    Command, CommandOutcome, Fence, InstanceId, RunState, Status, Store, StoreError,
};
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
        // A status is what users and tools go by: when the cluster has no quorum for a
        // moment (an election), keep trying for a while rather than leave the last
        // status standing (a stopped connector would show RUNNING for good).
        if let Err(e) = self.submit_retrying(cmd).await {
            warn!(%id, "could not record status: {e}");
        }
    }

    /// Submits `cmd`, retrying for up to a minute while the cluster has no quorum: for
    /// writes nothing else would retry (statuses, a stopped connector's task configs).
    pub async fn submit_retrying(&self, cmd: Command) -> Result<CommandOutcome, StoreError> {
        let deadline = std::time::Instant::now() + STATUS_RETRY;
        loop {
            match self.store.submit(cmd.clone()).await {
                Err(StoreError::Unavailable(e)) if std::time::Instant::now() < deadline => {
                    warn!("cluster write not accepted yet, retrying: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
                other => return other,
            }
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

/// How long a status write is retried while the cluster has no quorum.
const STATUS_RETRY: std::time::Duration = std::time::Duration::from_secs(60);

impl WorkerContext {
    /// Claims a new run of a task before it reads its offsets ([`Command::ClaimRun`]):
    /// from then on only this run's writes count, so a late commit of an earlier run
    /// of the same task on this node (stopped when the node lost its lease, its last
    /// commit still in the log) cannot move offsets back. The claim is a write, applied
    /// here before this returns, so the offsets read next include every commit before
    /// it. Without a fence (standalone) there is nothing to claim. Returns false if the
    /// task should not start: told to stop, or no longer its owner.
    pub async fn claim_run(
        &self,
        fence: &mut Option<Fence>,
        control: &mut tokio::sync::watch::Receiver<Control>,
    ) -> bool {
        let Some(fence) = fence.as_mut() else {
            return true;
        };
        let run = new_run_id();
        loop {
            let claim = Command::ClaimRun {
                fence: Fence {
                    run,
                    ..fence.clone()
                },
            };
            match self.store.submit(claim).await {
                Ok(CommandOutcome::Fenced) => {
                    info!(instance = %fence.instance, epoch = fence.epoch, "not starting: the instance is no longer assigned here");
                    return false;
                }
                Ok(_) => {
                    fence.run = run;
                    return true;
                }
                Err(e) => warn!(instance = %fence.instance, "not starting yet: {e}"),
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

/// A run id no other run of any instance uses: the clock in nanoseconds, made unique
/// within the process by a counter (never 0, which means "no run").
fn new_run_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}
