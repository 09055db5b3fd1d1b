//! One running connector or task: an actix actor that owns the instance's tokio task
//! and its control channel, and turns the way it ended (clean, error, panic) into a
//! status.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use actix::prelude::*;
use futures::future::{BoxFuture, Shared};
use futures::FutureExt;
use raftconnect_raft::{Fence, InstanceId, RunState};
use tokio::sync::watch;
use tracing::info;

use super::context::{Control, WorkerContext};
use super::error::InstanceError;

/// Resolves when an instance's loop has ended (for whatever reason).
pub type Finished = Shared<BoxFuture<'static, ()>>;

/// How an instance ended, reported to the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stopped,
    Failed(String),
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct InstanceEnded {
    pub id: InstanceId,
    /// Which run of the instance ended: a newer run of the same id may already exist.
    pub serial: u64,
    pub generation: u64,
    pub outcome: Outcome,
}

/// Builds the instance's loop once the actor starts.
pub type RunFn = Box<
    dyn FnOnce(watch::Receiver<Control>) -> BoxFuture<'static, Result<(), InstanceError>> + Send,
>;

/// Numbers every instance run this process starts.
static NEXT_SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub struct InstanceActor {
    pub id: InstanceId,
    pub serial: u64,
    pub generation: u64,
    fence: Option<Fence>,
    ctx: Arc<WorkerContext>,
    control: watch::Sender<Control>,
    run: Option<RunFn>,
    /// The previous instance of the same id: this one starts only after it ended, so
    /// two instances of one task never run together on this node.
    after: Option<Finished>,
    finished_tx: Option<futures::channel::oneshot::Sender<()>>,
    pub finished: Finished,
    worker: Recipient<InstanceEnded>,
}

/// What to run, and how it starts.
pub struct Launch {
    pub id: InstanceId,
    pub generation: u64,
    pub fence: Option<Fence>,
    pub initial: Control,
    pub run: RunFn,
    /// The previous run of the same id, to wait for.
    pub after: Option<Finished>,
}

impl InstanceActor {
    pub fn new(launch: Launch, ctx: Arc<WorkerContext>, worker: Recipient<InstanceEnded>) -> Self {
        let Launch {
            id,
            generation,
            fence,
            initial,
            run,
            after,
        } = launch;
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let finished = rx.map(|_| ()).boxed().shared();
        InstanceActor {
            id,
            serial: NEXT_SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            generation,
            fence,
            ctx,
            control: watch::Sender::new(initial),
            run: Some(run),
            after,
            finished_tx: Some(tx),
            finished,
            worker,
        }
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

impl Actor for InstanceActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let Some(run) = self.run.take() else { return };
        let control = self.control.subscribe();
        let after = self.after.take();
        let id = self.id.clone();
        let generation = self.generation;
        let fence = self.fence.clone();
        let wctx = self.ctx.clone();
        let done = self.finished_tx.take();
        let me = ctx.address();
        // The loop runs on the multi-thread runtime, never on the actor's arbiter.
        tokio::spawn(async move {
            if let Some(prev) = after {
                prev.await;
            }
            let ended = AssertUnwindSafe(run(control)).catch_unwind().await;
            let outcome = match ended {
                Ok(Ok(())) => Outcome::Stopped,
                Ok(Err(e)) => Outcome::Failed(e.trace(&id.to_string())),
                Err(p) => Outcome::Failed(format!(
                    "org.apache.kafka.connect.errors.ConnectException: {id} panicked: {}",
                    panic_message(p.as_ref())
                )),
            };
            if let Outcome::Failed(trace) = &outcome {
                wctx.report(
                    &id,
                    RunState::Failed,
                    Some(trace.clone()),
                    generation,
                    fence,
                )
                .await;
            } else {
                info!(%id, "stopped");
            }
            if let Some(tx) = done {
                let _ = tx.send(());
            }
            me.do_send(Ended(outcome));
        });
    }
}

/// Changes what the instance should do (run, pause, stop).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetControl(pub Control);

impl Handler<SetControl> for InstanceActor {
    type Result = ();
    fn handle(&mut self, msg: SetControl, _: &mut Context<Self>) {
        self.control.send_replace(msg.0);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Ended(Outcome);

impl Handler<Ended> for InstanceActor {
    type Result = ();
    fn handle(&mut self, msg: Ended, ctx: &mut Context<Self>) {
        self.worker.do_send(InstanceEnded {
            id: self.id.clone(),
            serial: self.serial,
            generation: self.generation,
            outcome: msg.0,
        });
        ctx.stop();
    }
}
