//! The `raftconnect` command line. `raftconnect standalone worker.properties
//! connector.properties ...` runs a standalone worker exactly as Kafka's
//! `connect-standalone.sh` does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand};
use connect_api::config::properties::{load_connector_config_file, load_properties_file};
use raftconnect_raft::local::LocalStore;
use raftconnect_raft::Store;
use tracing::{error, info};

use crate::herder::Herder;
use crate::kafka::dev_broker::DevBroker;
use crate::kafka::topics::TopicAdmin;
use crate::plugins::Plugins;
use crate::runtime::context::WorkerContext;
use crate::runtime::worker::{Placement, Shutdown, Worker};
use crate::worker_config::WorkerConfig;

#[derive(Parser, Debug)]
#[command(
    name = "raftconnect",
    version,
    about = "Kafka Connect, in Rust, on Raft"
)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand, Debug)]
enum Commands {
    /// Runs a standalone worker: one process, offsets and configs in a local store.
    Standalone {
        /// Worker config (Java .properties), as connect-standalone.properties.
        worker_properties: PathBuf,
        /// Connector configs (.properties or JSON) to create or update at start.
        connector_configs: Vec<PathBuf>,
        /// Use an in-process development broker instead of bootstrap.servers. Nothing
        /// it holds survives the process: for a first run only.
        #[arg(long)]
        dev_broker: bool,
    },
}

/// A startup failure, printed as one line naming what is wrong.
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Runtime(String),
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    init_logging();
    let result = match cli.command {
        Commands::Standalone {
            worker_properties,
            connector_configs,
            dev_broker,
        } => standalone(&worker_properties, &connector_configs, dev_broker),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            error!("{e}");
            eprintln!("raftconnect: error: {e}");
            1
        }
    }
}

fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("RAFTCONNECT_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,librdkafka=warn,rdkafka=warn")
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn standalone(
    worker_file: &Path,
    connector_files: &[PathBuf],
    dev_broker: bool,
) -> Result<(), StartError> {
    let mut props =
        load_properties_file(worker_file).map_err(|e| StartError::Config(e.to_string()))?;
    // Read every connector config before starting anything: a typo fails fast.
    let mut connectors = Vec::new();
    for f in connector_files {
        let config =
            load_connector_config_file(f).map_err(|e| StartError::Config(e.to_string()))?;
        let name = config
            .get("name")
            .filter(|n| !n.trim().is_empty())
            .cloned()
            .ok_or_else(|| {
                StartError::Config(format!(
                    "{}: missing required configuration \"name\"",
                    f.display()
                ))
            })?;
        connectors.push((f.clone(), name, config));
    }
    let broker = if dev_broker {
        let b = DevBroker::start().map_err(StartError::Runtime)?;
        props.insert(
            "bootstrap.servers".into(),
            b.bootstrap_servers().to_string(),
        );
        Some(b)
    } else {
        None
    };
    let config = WorkerConfig::from_props(props)
        .map_err(|e| StartError::Config(format!("{}: {e}", worker_file.display())))?;
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        StartError::Config(format!(
            "cannot create data dir {} (data.dir): {e}",
            config.data_dir.display()
        ))
    })?;
    let store: Arc<dyn Store> = Arc::new(
        LocalStore::open(&config.data_dir).map_err(|e| StartError::Runtime(e.to_string()))?,
    );

    let system = actix::System::with_tokio_rt(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("raftconnect")
            .build()
            .expect("the tokio runtime must start")
    });
    let dev = broker.as_ref().map(DevBroker::handle);
    let result = system.block_on(async move {
        let config = Arc::new(config);
        let plugins = Arc::new(Plugins::builtin());
        let topics = Arc::new(
            TopicAdmin::new(&crate::kafka::admin_config(&config), dev)
                .map_err(|e| StartError::Runtime(format!("cannot create Kafka admin client: {e}")))?,
        );
        let ctx = Arc::new(WorkerContext {
            config: config.clone(),
            store: store.clone(),
            plugins: plugins.clone(),
            topics,
        });
        let herder = Arc::new(Herder::new(store.clone(), plugins, config.worker_id.clone()));
        for (file, name, cfg) in connectors {
            herder
                .put_connector_config(&name, cfg)
                .await
                .map_err(|e| StartError::Config(format!("{}: {e}", file.display())))?;
            info!(connector = %name, file = %file.display(), "connector config loaded");
        }
        let worker = actix::Actor::start(Worker::new(ctx, Placement::Everything));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let rest = tokio::spawn(crate::rest::serve(herder, config.listener, async move {
            let _ = stop_rx.await;
        }));
        info!(listener = %config.listener, worker_id = %config.worker_id, "standalone worker started");
        let outcome = tokio::select! {
            _ = shutdown_signal() => Ok(()),
            r = rest => match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(StartError::Config(e.to_string())),
                Err(e) => Err(StartError::Runtime(format!("REST server failed: {e}"))),
            },
        };
        info!("stopping: committing offsets and stopping tasks");
        let _ = stop_tx.send(());
        let _ = worker.send(Shutdown).await;
        info!("stopped");
        outcome
    });
    drop(broker);
    result
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {},
                    _ = term.recv() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
