//! The worker runtime: a `Worker` actor per node reconciles the stored cluster state
//! with the connector and task instances running here; each instance is an
//! `InstanceActor` whose I/O loop runs as a tokio task, so a panic or error in connector
//! code becomes a FAILED status instead of killing an actor.

pub mod connector;
pub mod context;
pub mod converters;
pub mod error;
pub mod errors;
pub mod instance;
pub mod offsets;
pub mod sink_task;
pub mod source_task;
pub mod worker;

use std::future::Future;

use connect_api::Props;
use raftconnect_raft::{Fence, TaskId};

/// Runs a call into plugin code that may block its thread (a connector's or task's
/// `start()` that sleeps or does blocking I/O, as Kafka's BlockingConnectorTest
/// connectors do). On the multi-thread runtime the call runs under
/// [`tokio::task::block_in_place`]: the runtime hands this worker thread's other work to
/// a fresh worker, so a `start()` stuck forever costs one thread, never the REST API or
/// other instances. On a current-thread runtime (unit tests) it is simply awaited.
///
/// Only for calls made once per instance (start): the hand-off costs a thread
/// switch, too much for `poll()` / `put()`.
pub(crate) async fn call_plugin<F: Future>(f: F) -> F::Output {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| h.block_on(f))
        }
        _ => f.await,
    }
}

/// Everything a task instance needs to know about itself.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    pub id: TaskId,
    /// The connector config generation the task config was computed from.
    pub generation: u64,
    pub connector_config: Props,
    pub task_config: Props,
    /// How many tasks the connector has: a sink task reads its share of the partitions.
    pub task_count: u32,
    /// In distributed mode, the assignment this instance runs under: attached to every
    /// write so a superseded instance cannot change offsets or statuses.
    pub fence: Option<Fence>,
}
