//! The `Worker` actor: makes the instances running on this node match the stored state.
//!
//! Every applied command wakes it; it then compares the desired instances (connectors
//! whose target is RUNNING or PAUSED, and their task configs of the current generation)
//! with the running ones and starts, reconfigures, pauses or stops instances. A failed
//! instance stays FAILED until its config changes or a user restarts it, as in Kafka
//! (a restart bumps the instance's count in `ClusterState::restarts`: a new run).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use actix::prelude::*;
use connect_api::{ConnectorInstance, Props};
use futures::FutureExt;
use raftconnect_raft::{
    ClusterState, Command, Fence, InstanceId, NodeId, RunState, TargetState, TaskId,
};
use tokio::sync::watch;
use tracing::{info, warn};

use super::context::{Control, WorkerContext};
use super::error::{InstanceError, Stage};
use super::instance::{Finished, InstanceActor, InstanceEnded, Launch, Outcome, RunFn, SetControl};
use super::{connector, sink_task, source_task, TaskSpec};

struct Running {
    addr: Option<Addr<InstanceActor>>,
    serial: u64,
    generation: u64,
    /// For tasks: the task config it runs with.
    config: Props,
    fence: Option<Fence>,
    control: Control,
    finished: Finished,
    failed: bool,
    /// The user restart count it was started under (`ClusterState::restarts`).
    restarts: u64,
}

/// Which instances this worker runs.
#[derive(Debug, Clone)]
pub enum Placement {
    /// Standalone: every instance runs here, unfenced.
    Everything,
    /// Distributed: the instances the cluster assigned to this node, fenced by their
    /// assignment epoch; none while `lease` is false (this node lost touch with the
    /// leader and must not run anything).
    Assigned {
        node: NodeId,
        lease: watch::Receiver<bool>,
    },
}

/// A STOPPED connector whose status this node reports.
struct StoppedConnector {
    name: String,
    generation: u64,
    has_task_configs: bool,
    fence: Option<Fence>,
}

/// An instance that should run here.
struct Desired {
    generation: u64,
    config: Props,
    fence: Option<Fence>,
    control: Control,
    /// A new count means a user asked for a restart: a new run, failed or not.
    restarts: u64,
    run: DesiredRun,
}

enum DesiredRun {
    Connector { name: String, config: Props },
    Task(TaskSpec),
}

pub struct Worker {
    ctx: Arc<WorkerContext>,
    placement: Placement,
    instances: HashMap<InstanceId, Running>,
    /// Instances told to stop, until they have: a new run of the same id waits for the
    /// old one to end (its last offset commit included), even when the old one was
    /// stopped long before (a lost lease) and the new one starts when the lease is back.
    stopping: HashMap<InstanceId, Finished>,
    /// Hand-overs of instances not running here that this node has released.
    released: Vec<(InstanceId, u64)>,
    /// Connectors whose STOPPED status has been recorded (generation).
    stopped_reported: HashMap<String, u64>,
    shutting_down: bool,
}

impl Worker {
    pub fn new(ctx: Arc<WorkerContext>, placement: Placement) -> Self {
        Worker {
            ctx,
            placement,
            instances: HashMap::new(),
            stopping: HashMap::new(),
            released: Vec::new(),
            stopped_reported: HashMap::new(),
            shutting_down: false,
        }
    }

    fn stop_instance(&mut self, id: &InstanceId) -> Option<Finished> {
        let Some(running) = self.instances.remove(id) else {
            // Not running: maybe still stopping from an earlier stop.
            return self.stopping.remove(id);
        };
        self.stopping.retain(|_, f| f.peek().is_none());
        self.stopping.insert(id.clone(), running.finished.clone());
        if let Some(addr) = &running.addr {
            addr.do_send(SetControl(Control::Stopping));
        }
        if let Some(fence) = running.fence.clone() {
            // Once it has stopped (offsets committed), hand it over: if the instance
            // moved, its new owner is waiting for this.
            self.release(fence.instance, fence.epoch, Some(running.finished.clone()));
        }
        Some(running.finished)
    }

    fn start_instance(&mut self, ctx: &mut Context<Self>, id: InstanceId, want: Desired) {
        let after = self.stop_instance(&id);
        let run = match want.run {
            DesiredRun::Connector { name, config } => {
                self.connector_run(name, want.generation, config, want.fence.clone())
            }
            DesiredRun::Task(spec) => self.task_run(spec),
        };
        let launch = Launch {
            id: id.clone(),
            generation: want.generation,
            fence: want.fence.clone(),
            initial: want.control,
            run,
            after,
        };
        let actor = InstanceActor::new(launch, self.ctx.clone(), ctx.address().recipient());
        let finished = actor.finished.clone();
        let serial = actor.serial;
        let addr = actor.start();
        self.instances.insert(
            id,
            Running {
                addr: Some(addr),
                serial,
                generation: want.generation,
                config: want.config,
                fence: want.fence,
                control: want.control,
                finished,
                failed: false,
                restarts: want.restarts,
            },
        );
    }

    fn connector_run(
        &self,
        name: String,
        generation: u64,
        config: Props,
        fence: Option<Fence>,
    ) -> RunFn {
        let ctx = self.ctx.clone();
        Box::new(move |control| {
            connector::run(ctx, name, generation, config, fence, control).boxed()
        })
    }

    fn task_run(&self, spec: TaskSpec) -> RunFn {
        let ctx = self.ctx.clone();
        Box::new(move |control| {
            async move {
                // Config providers: resolved here, for this run only (never stored).
                let providers = &ctx.config.config_providers;
                let resolve = |c: &Props| {
                    providers.resolve(c).map_err(|e| {
                        InstanceError::new(
                            Stage::TaskStart,
                            "org.apache.kafka.common.config.ConfigException",
                            e.to_string(),
                        )
                    })
                };
                let spec = TaskSpec {
                    connector_config: resolve(&spec.connector_config)?,
                    task_config: resolve(&spec.task_config)?,
                    ..spec
                };
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

    /// The fence for an instance if this worker should run it; None if it should not.
    fn ownership(&self, state: &ClusterState, id: &InstanceId) -> Option<Option<Fence>> {
        match &self.placement {
            Placement::Everything => Some(None),
            Placement::Assigned { node, lease } => {
                if !*lease.borrow() {
                    return None;
                }
                // Not before the previous owner has let go of it.
                let a = state
                    .assignment
                    .get(id)
                    .filter(|a| a.node == *node && a.runnable())?;
                // Run 0 here: a task claims a run of its own when it starts.
                Some(Some(Fence {
                    instance: id.clone(),
                    epoch: a.epoch,
                    run: 0,
                }))
            }
        }
    }

    /// The instances that should run here now, and the STOPPED connectors this node
    /// is responsible for reporting.
    fn desired(&self) -> (BTreeMap<InstanceId, Desired>, Vec<StoppedConnector>) {
        self.ctx.store.state().read(|s| {
            let mut want = BTreeMap::new();
            let mut stopped = Vec::new();
            for (name, entry) in &s.connectors {
                let cid = InstanceId::Connector(name.clone());
                let control = match entry.target {
                    TargetState::Running => Control::Running,
                    TargetState::Paused => Control::Paused,
                    TargetState::Stopped => {
                        if let Some(fence) = self.ownership(s, &cid) {
                            stopped.push(StoppedConnector {
                                name: name.clone(),
                                generation: entry.generation,
                                has_task_configs: s.task_configs.contains_key(name),
                                fence,
                            });
                        }
                        continue;
                    }
                };
                if let Some(fence) = self.ownership(s, &cid) {
                    let restarts = s.restarts.get(&cid).copied().unwrap_or(0);
                    want.insert(
                        cid,
                        Desired {
                            generation: entry.generation,
                            config: entry.config.clone(),
                            fence,
                            control,
                            restarts,
                            run: DesiredRun::Connector {
                                name: name.clone(),
                                config: entry.config.clone(),
                            },
                        },
                    );
                }
                let Some(tc) = s
                    .task_configs
                    .get(name)
                    .filter(|tc| tc.generation == entry.generation)
                else {
                    continue;
                };
                for (i, task_config) in tc.tasks.iter().enumerate() {
                    let id = TaskId {
                        connector: name.clone(),
                        task: i as u32,
                    };
                    let iid = InstanceId::Task(id.clone());
                    let Some(fence) = self.ownership(s, &iid) else {
                        continue;
                    };
                    let restarts = s.restarts.get(&iid).copied().unwrap_or(0);
                    want.insert(
                        iid,
                        Desired {
                            generation: entry.generation,
                            config: task_config.clone(),
                            fence: fence.clone(),
                            control,
                            restarts,
                            run: DesiredRun::Task(TaskSpec {
                                id,
                                generation: entry.generation,
                                connector_config: entry.config.clone(),
                                task_config: task_config.clone(),
                                task_count: tc.tasks.len() as u32,
                                fence,
                            }),
                        },
                    );
                }
            }
            (want, stopped)
        })
    }

    /// Brings running instances in line with the stored state.
    fn reconcile(&mut self, ctx: &mut Context<Self>) {
        if self.shutting_down {
            return;
        }
        let (mut want, stopped) = self.desired();
        let running: Vec<InstanceId> = self.instances.keys().cloned().collect();
        for id in running {
            if !want.contains_key(&id) {
                info!(%id, "stopping");
                self.stop_instance(&id);
            }
        }
        self.release_idle_handovers();
        for StoppedConnector {
            name,
            generation,
            has_task_configs,
            fence,
        } in stopped
        {
            self.on_stopped(&name, generation, has_task_configs, fence);
        }
        let stopped_now: Vec<String> = self
            .stopped_reported
            .keys()
            .filter(|n| want.contains_key(&InstanceId::Connector((*n).clone())))
            .cloned()
            .collect();
        for n in stopped_now {
            self.stopped_reported.remove(&n);
        }
        for (id, w) in std::mem::take(&mut want) {
            if let Some(r) = self.instances.get_mut(&id) {
                if r.generation == w.generation
                    && r.config == w.config
                    && r.fence == w.fence
                    && r.restarts == w.restarts
                {
                    if r.control != w.control && !r.failed {
                        if let Some(addr) = &r.addr {
                            addr.do_send(SetControl(w.control));
                        }
                        r.control = w.control;
                    }
                    continue;
                }
            }
            info!(%id, generation = w.generation, epoch = ?w.fence.as_ref().map(|f| f.epoch), "starting");
            self.start_instance(ctx, id, w);
        }
    }

    /// Releases instances moved off this node that run nothing here (a STOPPED
    /// connector's instance, one stopped long ago): nothing else would write their
    /// `Release`, and the new owner would wait for it for as long as this node lives.
    fn release_idle_handovers(&mut self) {
        let Placement::Assigned { node, .. } = &self.placement else {
            return;
        };
        let node = *node;
        let idle: Vec<(InstanceId, u64)> = self.ctx.store.state().read(|s| {
            s.assignment
                .iter()
                .filter_map(|(id, a)| match a.pending_release {
                    Some((n, epoch)) if n == node => Some((id.clone(), epoch)),
                    _ => None,
                })
                .collect()
        });
        self.released.retain(|r| idle.contains(r));
        for (id, epoch) in idle {
            let busy = self.instances.contains_key(&id)
                || self.stopping.get(&id).is_some_and(|f| f.peek().is_none());
            if busy || self.released.contains(&(id.clone(), epoch)) {
                continue;
            }
            self.released.push((id.clone(), epoch));
            self.release(id, epoch, None);
        }
    }

    /// Writes `Release` for `instance` under `epoch` (after `after`, the run's end),
    /// retrying while the cluster has no quorum.
    fn release(&self, instance: InstanceId, epoch: u64, after: Option<Finished>) {
        let ctx = self.ctx.clone();
        tokio::spawn(async move {
            if let Some(finished) = after {
                finished.await;
            }
            let cmd = Command::Release {
                instance: instance.clone(),
                epoch,
            };
            if let Err(e) = ctx.submit_retrying(cmd).await {
                warn!(id = %instance, "could not release: {e} (the leader releases it once this node counts as dead)");
            }
        });
    }

    /// A STOPPED connector: no instances, no task configs, status STOPPED (Kafka 3.5+).
    fn on_stopped(
        &mut self,
        name: &str,
        generation: u64,
        has_task_configs: bool,
        fence: Option<Fence>,
    ) {
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
                    fence: fence.clone(),
                };
                if let Err(e) = ctx.submit_retrying(cmd).await {
                    warn!(connector = %name, "could not clear task configs: {e}");
                }
            }
            ctx.report(
                &InstanceId::Connector(name),
                RunState::Stopped,
                None,
                generation,
                fence,
            )
            .await;
        });
    }
}

impl Actor for Worker {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Placement::Assigned { lease, .. } = &self.placement {
            let mut lease = lease.clone();
            let me = ctx.address();
            tokio::spawn(async move {
                while lease.changed().await.is_ok() {
                    if !*lease.borrow() {
                        warn!("lease lost: stopping every instance on this node until the leader is back");
                    }
                    if me.try_send(Reconcile).is_err() && !me.connected() {
                        break;
                    }
                }
            });
        }
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
        if r.serial != msg.serial {
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
