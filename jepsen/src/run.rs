//! One run: start a cluster, create the pipeline and the registers, run the clients and
//! the nemesis for the time limit, heal, let everything recover, read back every stage,
//! check, and write the results directory.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::checker::offsets::OffsetSample;
use crate::client::Client;
use crate::history::History;
use crate::judge::{self, Evidence, Summary};
use crate::nemesis::{self, Nemesis, NemesisLog, Schedule};
use crate::pipeline::{self, ConnectorLogs};
use crate::runtime::docker::DockerRuntime;
use crate::runtime::processes::ProcessRuntime;
use crate::runtime::{Runtime, RuntimeOptions};
use crate::workload;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    /// Local processes, each node in a network namespace when root (else loopback).
    Processes,
    /// Docker containers (images from docker/build-images.sh).
    Docker,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub nemesis: Nemesis,
    pub runtime: RuntimeKind,
    /// Processes only: put nodes in network namespaces (needed for partitions).
    pub namespaces: bool,
    /// How long clients and the nemesis run.
    pub time_limit: Duration,
    pub schedule: Schedule,
    /// This run's results go in a new directory under here.
    pub results: PathBuf,
    pub seed: u64,
    pub raftconnect_bin: PathBuf,
    pub tansu_bin: PathBuf,
    pub register_clients: usize,
    pub tasks: u32,
    pub throughput: u32,
    /// After healing, every connector and task must be RUNNING within this.
    pub recovery_bound: Duration,
}

/// The worker.properties every node gets: offsets committed often, plain JSON so the
/// harness can read the topic, short write timeouts so clients see failures quickly.
const WORKER_PROPS: &str = "\
offset.flush.interval.ms=500
key.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
cluster.write.timeout.ms=3000
";

/// Stops and cleans the runtime however the run ends (also on panic).
struct Teardown(Arc<dyn Runtime>);

impl Drop for Teardown {
    fn drop(&mut self) {
        self.0.shutdown();
    }
}

fn log(start: Instant, msg: impl std::fmt::Display) {
    eprintln!("[{:>8.1}s] {msg}", start.elapsed().as_secs_f64());
}

/// Runs once; returns the summary (also written to the results directory). Err means
/// the run could not be carried out (setup failed), not that a check failed.
pub fn run(opts: &RunOptions) -> Result<Summary, String> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let run_dir = opts
        .results
        .join(format!("{stamp}-{}-{}", opts.nemesis.name(), opts.seed));
    std::fs::create_dir_all(&run_dir).map_err(|e| format!("{}: {e}", run_dir.display()))?;
    let start = Instant::now();
    log(
        start,
        format!("run {} in {}", opts.nemesis.name(), run_dir.display()),
    );

    let ropts = RuntimeOptions {
        run_dir: run_dir.clone(),
        nodes: 3,
        raftconnect_bin: opts.raftconnect_bin.clone(),
        tansu_bin: opts.tansu_bin.clone(),
        worker_props: WORKER_PROPS.to_string(),
    };
    let runtime: Arc<dyn Runtime> = match opts.runtime {
        RuntimeKind::Processes => {
            Arc::new(ProcessRuntime::start(&ropts, opts.namespaces).map_err(|e| e.to_string())?)
        }
        RuntimeKind::Docker => Arc::new(DockerRuntime::start(&ropts).map_err(|e| e.to_string())?),
    };
    let _teardown = Teardown(runtime.clone());
    log(start, format!("runtime: {}", runtime.name()));
    if opts.nemesis.needs_partitions() && !runtime.can_partition() {
        return Ok(Summary::skipped(
            opts.nemesis,
            runtime.name(),
            "partitions need network namespaces (root) or docker",
        ));
    }

    let client = Client::new(runtime.clone(), Duration::from_secs(5));
    wait_formed(&client, runtime.node_ids().len(), Duration::from_secs(60))?;
    log(start, "cluster formed");
    let history =
        History::create(run_dir.join("history.jsonl")).map_err(|e| format!("history: {e}"))?;
    let nemesis_log = NemesisLog::create(&run_dir.join("nemesis.jsonl"), start)
        .map_err(|e| format!("nemesis log: {e}"))?;
    workload::create_registers(&client, &history)?;
    pipeline::create(
        &client,
        &runtime.bootstrap(),
        &runtime.verifiable_log_dir_for_nodes(),
        opts.tasks,
        opts.throughput,
    )?;
    let never = AtomicBool::new(false);
    nemesis::wait_all_running(&client, Duration::from_secs(60), &never)
        .ok_or("the pipeline did not start: not every task RUNNING within 60 s")?;
    log(start, "pipeline running; clients and nemesis start");

    let stop = AtomicBool::new(false);
    let nodes = runtime.node_ids();
    let mut samples: Vec<OffsetSample> = Vec::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            workload::run_registers(
                &client,
                &history,
                &nodes,
                opts.register_clients,
                &stop,
                opts.seed,
            )
        });
        let sampler = s.spawn(|| {
            workload::sample_offsets(
                &client,
                &nodes,
                &[pipeline::SOURCE, pipeline::SINK],
                start,
                Duration::from_millis(300),
                &stop,
                opts.seed ^ 0x5eed,
            )
        });
        s.spawn(|| {
            let mut rng = crate::rng::Rng::new(opts.seed ^ 0xfa17);
            nemesis::run(
                opts.nemesis,
                &runtime,
                &client,
                &nemesis_log,
                opts.schedule,
                &stop,
                &mut rng,
            )
        });
        let end = Instant::now() + opts.time_limit;
        while Instant::now() < end {
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
        samples = sampler.join().unwrap_or_default();
    });
    nemesis::heal_all(&runtime, &nemesis_log);
    log(start, "healed; waiting for recovery");
    let recovery = nemesis::wait_all_running(&client, opts.recovery_bound, &never);
    log(start, format!("recovered: {recovery:?}"));

    // Stop the source so the stages can be compared at rest: a stopped connector has
    // committed the offsets of everything Kafka acknowledged.
    std::thread::sleep(Duration::from_secs(2));
    let stopped = client
        .write_until_ok(
            "PUT",
            &format!("/connectors/{}/stop", pipeline::SOURCE),
            &json!({}),
            Duration::from_secs(30),
        )
        .is_ok();
    let source_stopped = stopped
        && wait_source_stopped(&client, Duration::from_secs(30))
        && wait_quiet(&runtime.verifiable_log_dir(), Duration::from_secs(30));
    log(start, format!("source stopped: {source_stopped}"));
    // A stopped task may still be waiting for acknowledgements (a producer reconnecting
    // to a restarted broker): read until the topic holds everything acknowledged, or
    // the bound passes and whatever is missing is lost.
    let read_start = Instant::now();
    let mut kafka;
    loop {
        kafka = pipeline::read_topic(&runtime.bootstrap())?;
        let logs = ConnectorLogs::read(&runtime.verifiable_log_dir())?;
        if judge::kafka_has_acknowledged(&kafka, &logs)
            || read_start.elapsed() > opts.recovery_bound
        {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    log(
        start,
        format!("topic read ({} s)", read_start.elapsed().as_secs()),
    );
    let catch_up_start = Instant::now();
    let mut logs = ConnectorLogs::read(&runtime.verifiable_log_dir())?;
    let mut caught_up = None;
    while catch_up_start.elapsed() < opts.recovery_bound {
        if judge::sink_has_all(&kafka, &logs) {
            caught_up = Some(catch_up_start.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
        logs = ConnectorLogs::read(&runtime.verifiable_log_dir())?;
    }
    log(start, format!("sink caught up: {caught_up:?}"));
    let _ = runtime.collect_logs(&run_dir.join("logs"));
    let _ = history.finish();

    let evidence = Evidence {
        nemesis: opts.nemesis,
        runtime: runtime.name().to_string(),
        time_limit: opts.time_limit,
        ops: history.ops(),
        nemesis_events: nemesis_log.events(),
        offsets: samples,
        kafka,
        logs,
        recovery,
        recovery_bound: opts.recovery_bound,
        source_stopped,
        sink_caught_up: caught_up,
        node_logs: run_dir.join("logs"),
    };
    let summary = judge::judge(&evidence);
    judge::write(&run_dir, &summary, &evidence).map_err(|e| format!("results: {e}"))?;
    log(
        start,
        format!(
            "{}: {}",
            opts.nemesis.name(),
            if summary.valid { "PASS" } else { "FAIL" }
        ),
    );
    Ok(summary)
}

fn wait_formed(client: &Client, n: usize, timeout: Duration) -> Result<(), String> {
    let start = Instant::now();
    let mut last = serde_json::Value::Null;
    while start.elapsed() < timeout {
        if let Some(c) = client.get_any("/cluster") {
            let live = c["members"].as_array().map_or(0, |m| {
                m.iter()
                    .filter(|m| m["voter"] == true && m["live"] == true)
                    .count()
            });
            if c["leader"].is_u64() && live == n {
                return Ok(());
            }
            last = c;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!(
        "the cluster did not form within {timeout:?}: {last}"
    ))
}

fn wait_source_stopped(client: &Client, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Some(s) = client.get_any(&format!("/connectors/{}/status", pipeline::SOURCE)) {
            if s["connector"]["state"] == "STOPPED"
                && s["tasks"].as_array().is_some_and(|t| t.is_empty())
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// Waits until no source task instance writes to its log any more (its last
/// acknowledgements are in): the sizes of the source logs hold still for 2 s.
fn wait_quiet(dir: &std::path::Path, timeout: Duration) -> bool {
    let sizes = || -> u64 {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().contains(".source."))
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    let start = Instant::now();
    let mut last = sizes();
    let mut still_since = Instant::now();
    while start.elapsed() < timeout {
        std::thread::sleep(Duration::from_millis(250));
        let now = sizes();
        if now != last {
            last = now;
            still_since = Instant::now();
        } else if still_since.elapsed() >= Duration::from_secs(2) {
            return true;
        }
    }
    false
}
