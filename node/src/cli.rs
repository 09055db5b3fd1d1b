//! The `raftconnect` command line. `raftconnect standalone worker.properties
//! connector.properties ...` runs a standalone worker exactly as Kafka's
//! `connect-standalone.sh` does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand};
use connect_api::config::properties::{load_connector_config_file, load_properties_file};
use raftconnect_raft::local::LocalStore;
use raftconnect_raft::Store;
use tracing::{error, info, warn};

use raftconnect_raft::cluster::node::ClusterNode;

use crate::herder::Herder;
use crate::kafka::dev_broker::DevBroker;
use crate::kafka::topics::TopicAdmin;
use crate::plugins::Plugins;
use crate::runtime::context::WorkerContext;
use crate::runtime::errors::metrics::TaskMetricsRegistry;
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
    /// Runs a connector config's transformation chain (SMTs) over records given as JSON
    /// lines (a file, or stdin) and prints the results: no cluster or broker needed.
    Transform {
        /// The connector config (.properties or JSON) with its transforms / predicates.
        config: PathBuf,
        /// Records, one JSON object per line; stdin when absent.
        records: Option<PathBuf>,
    },
    /// Runs declarative SMT test files (config, input records, expected records); exits
    /// non-zero with a diff when any test fails.
    Test {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Runs a node of a distributed cluster: configs, offsets, statuses and task
    /// placement replicated with Raft among the nodes.
    Node {
        /// Worker config (Java .properties), as connect-distributed.properties; the
        /// flags below override its keys.
        worker_properties: Option<PathBuf>,
        /// This node's id (node.id), unique in the cluster and kept across restarts.
        #[arg(long)]
        node_id: Option<u64>,
        /// Where this node keeps its Raft log and state (data.dir).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The cluster (Raft) port, host:port (raft.addr).
        #[arg(long)]
        raft_addr: Option<String>,
        /// The REST API, host:port (listeners=http://host:port).
        #[arg(long)]
        rest_addr: Option<String>,
        /// The other nodes, as id=host:port of their raft addr, comma-separated (peers).
        #[arg(long)]
        peers: Option<String>,
        /// Use an in-process development broker (NOT durable; single-node trials only).
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
        Commands::Transform { config, records } => {
            crate::transform_cli::transform(&config, records.as_deref()).map_err(StartError::Config)
        }
        Commands::Test { files } => match crate::transform_cli::run_tests(&files) {
            Ok((_, 0)) => Ok(()),
            Ok((_, failed)) => Err(StartError::Config(format!("{failed} test(s) failed"))),
            Err(e) => Err(StartError::Config(e)),
        },
        Commands::Node {
            worker_properties,
            node_id,
            data_dir,
            raft_addr,
            rest_addr,
            peers,
            dev_broker,
        } => {
            let overrides = NodeOverrides {
                node_id,
                data_dir,
                raft_addr,
                rest_addr,
                peers,
            };
            distributed(worker_properties.as_deref(), overrides, dev_broker)
        }
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
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let default = "info,librdkafka=warn,rdkafka=warn";
    let (filter, base) = match tracing_subscriber::EnvFilter::try_from_env("RAFTCONNECT_LOG") {
        Ok(f) => (f, std::env::var("RAFTCONNECT_LOG").unwrap_or_default()),
        Err(_) => (
            tracing_subscriber::EnvFilter::new(default),
            default.to_string(),
        ),
    };
    // A reloadable filter, so `PUT /admin/loggers/{logger}` can change levels.
    let (filter, handle) = tracing_subscriber::reload::Layer::new(filter);
    let initialised = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                // Colour only on a terminal: log files and `docker logs` get plain text.
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .try_init()
        .is_ok();
    if initialised {
        crate::rest::loggers::install(
            &base,
            Box::new(move |f| handle.reload(f).map_err(|e| e.to_string())),
        );
    }
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
        let task_metrics = Arc::new(TaskMetricsRegistry::default());
        let ctx = Arc::new(WorkerContext {
            config: config.clone(),
            store: store.clone(),
            plugins: plugins.clone(),
            topics,
            task_metrics: task_metrics.clone(),
        });
        let herder = Arc::new(
            Herder::new(store.clone(), plugins, config.worker_id.clone())
                .with_task_metrics(task_metrics)
                .with_worker_config(&config),
        );
        for (file, name, cfg) in connectors {
            herder
                .put_connector_config(&name, cfg)
                .await
                .map_err(|e| StartError::Config(format!("{}: {e}", file.display())))?;
            info!(connector = %name, file = %file.display(), "connector config loaded");
        }
        let worker = actix::Actor::start(Worker::new(ctx, Placement::Everything));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let rest = tokio::spawn(crate::rest::serve(herder, config.listener, config.rest_tls.clone(), async move {
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
    shut_down_runtime(system, &result);
    result
}

/// How long the process waits, once stopped, for threads still running plugin code.
const RUNTIME_DROP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Drops the runtime: its tasks are dropped at once, then it waits for the threads still
/// in plugin code (a connector's `validate()` on a blocking thread, a `start()` under
/// `block_in_place`). One stuck forever (Kafka's BlockingConnectorTest connectors) would
/// hold the process up forever: after [`RUNTIME_DROP_GRACE`] it exits anyway, with the
/// exit code and error message it would have had.
fn shut_down_runtime(system: actix::SystemRunner, result: &Result<(), StartError>) {
    let (code, message) = match result {
        Ok(()) => (0, None),
        Err(e) => (1, Some(e.to_string())),
    };
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(RUNTIME_DROP_GRACE)
            == Err(std::sync::mpsc::RecvTimeoutError::Timeout)
        {
            warn!(
                grace_ms = RUNTIME_DROP_GRACE.as_millis() as u64,
                "threads are still blocked in connector code; exiting without them"
            );
            if let Some(m) = message {
                error!("{m}");
                eprintln!("raftconnect: error: {m}");
            }
            std::process::exit(code);
        }
    });
    drop(system);
    drop(done_tx);
    let _ = watchdog.join();
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

struct NodeOverrides {
    node_id: Option<u64>,
    data_dir: Option<PathBuf>,
    raft_addr: Option<String>,
    rest_addr: Option<String>,
    peers: Option<String>,
}

fn distributed(
    worker_file: Option<&Path>,
    o: NodeOverrides,
    dev_broker: bool,
) -> Result<(), StartError> {
    let mut props = match worker_file {
        Some(f) => load_properties_file(f).map_err(|e| StartError::Config(e.to_string()))?,
        None => Default::default(),
    };
    if let Some(id) = o.node_id {
        props.insert("node.id".into(), id.to_string());
    }
    if let Some(d) = &o.data_dir {
        props.insert("data.dir".into(), d.display().to_string());
    }
    if let Some(a) = o.raft_addr {
        props.insert("raft.addr".into(), a);
    }
    if let Some(a) = o.rest_addr {
        props.insert("listeners".into(), format!("http://{a}"));
    }
    if let Some(p) = o.peers {
        props.insert("peers".into(), p);
    }
    let source = worker_file
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "command line".to_string());
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
    let cluster = crate::cluster_config::from_props(&props)
        .map_err(|e| StartError::Config(format!("{source}: {e}")))?;
    let config = WorkerConfig::from_props(props)
        .map_err(|e| StartError::Config(format!("{source}: {e}")))?;
    let mut cluster = cluster;
    cluster.data_dir = config.data_dir.clone();
    cluster.rest_url = format!("http://{}", config.worker_id);
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        StartError::Config(format!(
            "cannot create data dir {} (data.dir): {e}",
            config.data_dir.display()
        ))
    })?;

    let system = actix::System::with_tokio_rt(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("raftconnect")
            .build()
            .expect("the tokio runtime must start")
    });
    let dev = broker.as_ref().map(DevBroker::handle);
    let result = system.block_on(async move {
        let node = ClusterNode::start(cluster)
            .await
            .map_err(|e| StartError::Runtime(e.to_string()))?;
        let config = Arc::new(config);
        let plugins = Arc::new(Plugins::builtin());
        let topics = Arc::new(
            TopicAdmin::new(&crate::kafka::admin_config(&config), dev).map_err(|e| {
                StartError::Runtime(format!("cannot create Kafka admin client: {e}"))
            })?,
        );
        let store: Arc<dyn Store> = node.clone();
        let task_metrics = Arc::new(TaskMetricsRegistry::default());
        let ctx = Arc::new(WorkerContext {
            config: config.clone(),
            store,
            plugins: plugins.clone(),
            topics,
            task_metrics: task_metrics.clone(),
        });
        let herder = Arc::new(
            Herder::for_cluster(node.clone(), plugins, config.worker_id.clone())
                .with_task_metrics(task_metrics)
                .with_worker_config(&config),
        );
        let placement = Placement::Assigned {
            node: node.id,
            lease: node.lease(),
        };
        let worker = actix::Actor::start(Worker::new(ctx, placement));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let rest = tokio::spawn(crate::rest::serve(herder, config.listener, config.rest_tls.clone(), async move {
            let _ = stop_rx.await;
        }));
        info!(node = node.id, raft = %node.info.raft_addr, rest = %config.listener, "cluster node started");
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
        let _ = node.raft.shutdown().await;
        info!("stopped");
        outcome
    });
    drop(broker);
    shut_down_runtime(system, &result);
    result
}
