//! The connector instance loop (Kafka's WorkerConnector): start the connector, store its
//! task configs for the current config generation, recompute them when the connector
//! asks, stop it when told.

use std::sync::Arc;

use connect_api::{ConnectorContext, Props};
use raftconnect_raft::{Command, CommandOutcome, Fence, InstanceId, RunState};
use tokio::sync::watch;
use tracing::info;

use super::context::{Control, WorkerContext};
use super::error::{InstanceError, Stage};

const CONFIG_EXCEPTION: &str = "org.apache.kafka.common.config.ConfigException";

pub async fn run(
    ctx: Arc<WorkerContext>,
    name: String,
    generation: u64,
    config: Props,
    fence: Option<Fence>,
    mut control: watch::Receiver<Control>,
) -> Result<(), InstanceError> {
    let id = InstanceId::Connector(name.clone());
    // Config providers: the connector sees resolved values; the task configs it
    // computes get the placeholders back before they are stored (Kafka's
    // reverseTransform), so resolved secrets never reach the store.
    let raw = config;
    let config =
        ctx.config.config_providers.resolve(&raw).map_err(|e| {
            InstanceError::new(Stage::ConnectorStart, CONFIG_EXCEPTION, e.to_string())
        })?;
    let class = config.get("connector.class").cloned().unwrap_or_default();
    let plugin = ctx.plugins.find(&class).ok_or_else(|| {
        InstanceError::new(
            Stage::ConnectorStart,
            CONFIG_EXCEPTION,
            format!(
                "Failed to find any class that implements Connector and which name matches {class}"
            ),
        )
    })?;
    let max_tasks: usize = match config.get("tasks.max") {
        None => 1,
        Some(v) => v.trim().parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
            // The stored (unresolved) value: a status trace never shows resolved values.
            let shown = raw.get("tasks.max").unwrap_or(v);
            InstanceError::new(Stage::ConnectorStart, CONFIG_EXCEPTION, format!("Invalid value {shown} for configuration tasks.max: must be an integer of at least 1"))
        })?,
    };
    let mut instance = (plugin.create)();
    let cctx = ConnectorContext::new();
    // start() may block its thread (see `call_plugin`): it must not stall the runtime.
    super::call_plugin(
        instance
            .as_connector_mut()
            .start(cctx.clone(), config.clone()),
    )
    .await
    .map_err(|e| InstanceError::from_connect(Stage::ConnectorStart, e))?;
    info!(connector = %name, class = plugin.class, "connector started");

    let result: Result<(), InstanceError> = async {
        let mut reported = None;
        loop {
            let tasks = instance
                .as_connector_mut()
                .task_configs(max_tasks)
                .await
                .map_err(|e| InstanceError::from_connect(Stage::ConnectorTaskConfigs, e))?;
            let tasks = crate::config_providers::reverse_transform(&raw, &config, tasks);
            let outcome = ctx
                .store
                .submit(Command::PutTaskConfigs {
                    name: name.clone(),
                    generation,
                    tasks,
                    fence: fence.clone(),
                })
                .await
                .map_err(|e| InstanceError::connect(Stage::ConnectorTaskConfigs, e.to_string()))?;
            if matches!(outcome, CommandOutcome::Stale | CommandOutcome::Fenced) {
                // A newer config exists, or the instance moved: the worker replaces it.
                return Ok(());
            }
            loop {
                let wanted = *control.borrow_and_update();
                let state = match wanted {
                    Control::Stopping => return Ok(()),
                    Control::Paused => RunState::Paused,
                    Control::Running => RunState::Running,
                };
                if reported != Some(state) {
                    ctx.report(&id, state, None, generation, fence.clone())
                        .await;
                    reported = Some(state);
                }
                tokio::select! {
                    changed = control.changed() => if changed.is_err() { return Ok(()) },
                    _ = cctx.reconfiguration_requested() => {
                        info!(connector = %name, "connector requested task reconfiguration");
                        break;
                    }
                }
            }
        }
    }
    .await;
    let stopped = instance.as_connector_mut().stop().await;
    result?;
    stopped.map_err(|e| InstanceError::from_connect(Stage::ConnectorStart, e))
}
