//! The `Worker` actor: makes the instances running on this node match the stored state.
//!
//! Every applied command wakes it; it then compares the desired instances (connectors
//! whose target is RUNNING or PAUSED, and their task configs of the current generation)
//! with the running ones and starts, reconfigures, pauses or stops instances. A failed
//! instance stays FAILED until its config changes or a user restarts it, as in Kafka.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use connect_api::{ConnectorInstance, Props};
use futures::FutureExt;
use raftconnect_raft::{Command, InstanceId, RunState, TargetState, TaskId};
use tracing::{info, warn};

use super::context::{Control, WorkerContext};
use super::error::{InstanceError, Stage};
use super::instance::{Finished, InstanceActor, InstanceEnded, Outcome, RunFn, SetControl};
use super::{connector, sink_task, source_task, TaskSpec};

struct Running {
    addr: Option<Addr<InstanceActor>>,
    generation: u64,
    /// For tasks: the task config it runs with.
    config: Props,
    control: Control,
    finished: Finished,
    failed: bool,
}

pub struct Worker {
    ctx: Arc<WorkerContext>,
    instances: HashMap<InstanceId, Running>,
    /// Connectors whose STOPPED status has been recorded.
    stopped_reported: HashMap<String, u64>,
    shutting_down: bool,
}

impl Worker {
    pub fn new(ctx: Arc<WorkerContext>) -> Self {
        Worker {
            ctx,
            instances: HashMap::new(),
            stopped_reported: HashMap::new(),
            shutting_down: false,
        }
    }

    fn stop_instance(&mut self, id: &InstanceId) -> Option<Finished> {
        let running = self.instances.remove(id)?;
        if let Some(addr) = &running.addr {
            addr.do_send(SetControl(Control::Stopping));
        }
        Some(running.finished)
    }

    fn start_instance(
        &mut self,
        ctx: &mut Context<Self>,
        id: InstanceId,
        generation: u64,
        config: Props,
        control: Control,
        run: RunFn,
    ) {
        let after = self.stop_instance(&id);
        let actor = InstanceActor::new(
            id.clone(),
            generation,
            self.ctx.clone(),
            control,
            run,
            after,
            ctx.address().recipient(),
        );
        let finished = actor.finished.clone();
        let addr = actor.start();
        self.instances.insert(
            id,
            Running {
                addr: Some(addr),
                generation,
                config,
                control,
                finished,
                failed: false,
            },
        );
    }

    fn connector_run(&self, name: String, generation: u64, config: Props) -> RunFn {
        let ctx = self.ctx.clone();
        Box::new(move |control| connector::run(ctx, name, generation, config, control).boxed())
    }

    fn task_run(&self, spec: TaskSpec) -> RunFn {
        let ctx = self.ctx.clone();
        Box::new(move |control| {
            async move {
                let class = spec
                    .connector_config
                    .get("connector.class")
                    .cloned()
                    .unwrap_or_default();
                let plugin = ctx.plugins.find(&class).ok_or_else(|| {
                    InstanceError::connect(Stage::Setup, format!("no connector class {class}"))
                })?;
                match (plugin.create)() {
                    ConnectorInstance::Source(c) => {
                        source_task::run(ctx, spec, c.create_task(), control).await
                    }
                    ConnectorInstance::Sink(c) => {
                        sink_task::run(ctx, spec, c.create_task(), control).await
                    }
                }
            }
            .boxed()
        })
    }

    /// Brings running instances in line with the stored state.
    fn reconcile(&mut self, ctx: &mut Context<Self>) {
        if self.shutting_down {
            return;
        }
        let (connectors, task_configs) = self
            .ctx
            .store
            .state()
            .read(|s| (s.connectors.clone(), s.task_configs.clone()));

        // Instances whose connector is gone, or no longer wanted.
        let unwanted: Vec<InstanceId> = self
            .instances
            .keys()
            .filter(|id| {
                let Some(entry) = connectors.get(id.connector()) else {
                    return true;
                };
                if entry.target == TargetState::Stopped {
                    return true;
                }
                match id {
                    InstanceId::Connector(_) => false,
                    InstanceId::Task(t) => match task_configs.get(&t.connector) {
                        Some(tc) => {
                            tc.generation != entry.generation || t.task as usize >= tc.tasks.len()
                        }
                        None => true,
                    },
                }
            })
            .cloned()
            .collect();
        for id in unwanted {
            info!(%id, "stopping");
            self.stop_instance(&id);
        }

        for (name, entry) in &connectors {
            let control = match entry.target {
                TargetState::Running => Control::Running,
                TargetState::Paused => Control::Paused,
                TargetState::Stopped => {
                    self.on_stopped(name, entry.generation, task_configs.contains_key(name));
                    continue;
                }
            };
            self.stopped_reported.remove(name);
            let cid = InstanceId::Connector(name.clone());
            self.ensure(
                ctx,
                cid,
                entry.generation,
                entry.config.clone(),
                control,
                |w| w.connector_run(name.clone(), entry.generation, entry.config.clone()),
            );
            let Some(tc) = task_configs
                .get(name)
                .filter(|tc| tc.generation == entry.generation)
            else {
                continue;
            };
            for (i, task_config) in tc.tasks.iter().enumerate() {
                let spec = TaskSpec {
                    id: TaskId {
                        connector: name.clone(),
                        task: i as u32,
                    },
                    generation: entry.generation,
                    connector_config: entry.config.clone(),
                    task_config: task_config.clone(),
                };
                let tid = InstanceId::Task(spec.id.clone());
                self.ensure(
                    ctx,
                    tid,
                    entry.generation,
                    task_config.clone(),
                    control,
                    |w| w.task_run(spec.clone()),
                );
            }
        }
    }

    /// Starts the instance unless it runs with this generation and config (or failed
    /// with them); otherwise adjusts its control.
    fn ensure(
        &mut self,
        ctx: &mut Context<Self>,
        id: InstanceId,
        generation: u64,
        config: Props,
        control: Control,
        run: impl FnOnce(&Self) -> RunFn,
    ) {
        if let Some(r) = self.instances.get_mut(&id) {
            if r.generation == generation && r.config == config {
                if r.control != control && !r.failed {
                    if let Some(addr) = &r.addr {
                        addr.do_send(SetControl(control));
                    }
                    r.control = control;
                }
                return;
            }
        }
        info!(%id, generation, "starting");
        let f = run(self);
        self.start_instance(ctx, id, generation, config, control, f);
    }

    /// A STOPPED connector: no instances, no task configs, status STOPPED (Kafka 3.5+).
    fn on_stopped(&mut self, name: &str, generation: u64, has_task_configs: bool) {
        if self.stopped_reported.get(name) == Some(&generation) {
            return;
        }
        self.stopped_reported.insert(name.to_string(), generation);
        let ctx = self.ctx.clone();
        let name = name.to_string();
        tokio::spawn(async move {
            if has_task_configs {
                let cmd = Command::PutTaskConfigs {
                    name: name.clone(),
                    generation,
                    tasks: Vec::new(),
                };
                if let Err(e) = ctx.store.submit(cmd).await {
                    warn!(connector = %name, "could not clear task configs: {e}");
                }
            }
            ctx.report(
                &InstanceId::Connector(name),
                RunState::Stopped,
                None,
                generation,
            )
            .await;
        });
    }
}

impl Actor for Worker {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Wake on every applied command; watch coalesces bursts into one wake-up.
        let mut changes = self.ctx.store.state().subscribe();
        let me = ctx.address();
        tokio::spawn(async move {
            me.do_send(Reconcile);
            while changes.changed().await.is_ok() {
                if me.try_send(Reconcile).is_err() && !me.connected() {
                    break;
                }
            }
        });
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Reconcile;

impl Handler<Reconcile> for Worker {
    type Result = ();
    fn handle(&mut self, _: Reconcile, ctx: &mut Context<Self>) {
        self.reconcile(ctx);
    }
}

impl Handler<InstanceEnded> for Worker {
    type Result = ();
    fn handle(&mut self, msg: InstanceEnded, ctx: &mut Context<Self>) {
        let Some(r) = self.instances.get_mut(&msg.id) else {
            return; // we stopped it on purpose
        };
        if r.generation != msg.generation {
            return;
        }
        match msg.outcome {
            Outcome::Failed(_) => {
                // Restart policy: as Kafka's, a failed instance waits for a user restart
                // or a config change.
                r.failed = true;
                r.addr = None;
            }
            Outcome::Stopped => {
                // Ended by itself (e.g. a superseded connector instance): forget it and
                // let reconciliation decide whether it should run.
                self.instances.remove(&msg.id);
                self.reconcile(ctx);
            }
        }
    }
}

/// Stops every instance and waits (bounded) for them to finish.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

impl Handler<Shutdown> for Worker {
    type Result = ResponseFuture<()>;
    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) -> Self::Result {
        self.shutting_down = true;
        let ids: Vec<InstanceId> = self.instances.keys().cloned().collect();
        let finished: Vec<Finished> = ids.iter().filter_map(|id| self.stop_instance(id)).collect();
        let timeout = self.ctx.config.task_shutdown_timeout;
        Box::pin(async move {
            if tokio::time::timeout(timeout, futures::future::join_all(finished))
                .await
                .is_err()
            {
                warn!("some instances did not stop within task.shutdown.graceful.timeout.ms");
            }
        })
    }
}
