//! Distributed mode on this machine, in one run:
//!
//! 1. **Failover** after `kill -9` of a task's owner: a 3-node cluster of `raftconnect
//!    node` processes on loopback plus a real broker (testkit), one FileStreamSource
//!    (StringConverter) reading a file that keeps growing. Each round: find the node
//!    running task 0, kill -9 it, and time until a surviving node reports the task
//!    RUNNING on another node (status polled every 20 ms via a survivor: the leader if
//!    it survived, it applies first); then restart the killed node and wait until the
//!    cluster shows 3 live voters again (and the restarted node holds its lease). Kills
//!    of the Raft leader (`GET /cluster` "leader" just before the kill) include an
//!    election and are reported apart from kills of a follower.
//! 2. **Raft write latency** of one offset commit as a client sees it: an in-process
//!    3-node cluster (`ClusterNode::start`, loopback ports, a tempdir each) and
//!    sequential `Store::submit(CommitSourceOffsets { fence: None, .. })` calls, on the
//!    leader and on a follower (forwarded to the leader over the cluster port, then
//!    waiting until the follower applied it: read-your-writes).
//! 3. **Offset commit throughput**: concurrent submits on the leader for a fixed time,
//!    each command carrying 1 partition's offset, then 100 partitions' offsets.
//!
//! The placement keeps task 0 off the node that runs the connector instance, which is
//! the leader at first, and a follower kill does not move leadership: unsteered, every
//! kill hits a follower. So the first half of the rounds runs as it comes, and each
//! round of the second half first moves leadership when the task's owner is not the
//! leader (kill -9 of the leader, restart, recover; not measured; up to 4 times). Once
//! the owner is the leader, a leader kill tends to leave the task on the new leader, so
//! little steering is needed. Each round is classified by what it actually killed.
//! RAFTCONNECT_BENCH_STEER=0 turns steering off.
//!
//! Percentiles are nearest-rank: with n samples, p99 is the max whenever n < 100.
//!
//! `cargo bench -p raftconnect --bench cluster`. Environment:
//! * RAFTCONNECT_BENCH_KILLS=N: failover rounds (default 10; 0 skips part 1);
//! * RAFTCONNECT_BENCH_STEER=0: never move leadership onto the task's owner;
//! * RAFTCONNECT_BENCH_WRITES=N: sequential writes per path (default 2000);
//! * RAFTCONNECT_BENCH_SECS=S: duration of each throughput run (default 5);
//! * RAFTCONNECT_BENCH_INFLIGHT=N: concurrent submits (default 64).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use raftconnect_raft::cluster::config::ClusterConfig;
use raftconnect_raft::cluster::node::ClusterNode;
use raftconnect_raft::state::{Command, CommandOutcome};
use raftconnect_raft::store::Store;
use serde_json::json;
use testkit::{free_port, Broker, Cluster};

const STRING_CONVERTERS: &str = "key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter";
const STATUS_POLL: Duration = Duration::from_millis(20);
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(60);
const RECOVERY_TIMEOUT: Duration = Duration::from_secs(60);
const BATCH_PARTITIONS: usize = 100;
/// Unmeasured leader kills per round at most, when steering leadership onto the owner.
const MAX_SHUFFLES: u32 = 4;

type Res<T> = Result<T, String>;

fn env_num(name: &str, default: u64) -> Res<u64> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name} must be a non-negative integer, not {v:?}")),
        Err(_) => Ok(default),
    }
}

fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| {
            let f: Vec<&str> = s.split_whitespace().take(3).collect();
            (f.len() == 3).then(|| f.join(" "))
        })
        .unwrap_or_else(|| "?".into())
}

// ---------------------------------------------------------------- statistics

struct Stats {
    n: usize,
    min: Duration,
    p50: Duration,
    p99: Duration,
    max: Duration,
    mean: Duration,
}

impl Stats {
    fn of(samples: &[Duration]) -> Option<Stats> {
        if samples.is_empty() {
            return None;
        }
        let mut s = samples.to_vec();
        s.sort();
        let pct = |p: f64| {
            let rank = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
            s[rank - 1]
        };
        Some(Stats {
            n: s.len(),
            min: s[0],
            p50: pct(0.50),
            p99: pct(0.99),
            max: s[s.len() - 1],
            mean: s.iter().sum::<Duration>() / s.len() as u32,
        })
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One table row: label, n, min, p50, p99, max, mean (ms with `prec` decimals).
fn row(label: &str, s: &Option<Stats>, prec: usize) -> String {
    match s {
        None => format!("  {label:<28} {:>5}  {:>9}", 0, "-"),
        Some(s) => format!(
            "  {label:<28} {:>5}  {:>9.p$} {:>9.p$} {:>9.p$} {:>9.p$} {:>9.p$}",
            s.n,
            ms(s.min),
            ms(s.p50),
            ms(s.p99),
            ms(s.max),
            ms(s.mean),
            p = prec
        ),
    }
}

fn header(label: &str) -> String {
    format!(
        "  {label:<28} {:>5}  {:>9} {:>9} {:>9} {:>9} {:>9}",
        "n", "min ms", "p50 ms", "p99 ms", "max ms", "mean ms"
    )
}

// ---------------------------------------------------------------- part 1: failover

struct Kill {
    node: u64,
    was_leader: bool,
    failover: Duration,
    /// From the restart of the killed node until 3 live voters (and its lease).
    recovery: Duration,
}

struct FailoverResult {
    kills: Vec<Kill>,
    lines_written: u64,
    /// Unmeasured kills of the leader that moved leadership onto the task's owner.
    shuffles: u32,
}

/// Appends numbered lines to `path` (20 every 100 ms) until stopped.
struct Appender {
    stop: Arc<AtomicBool>,
    handle: Option<thread::JoinHandle<u64>>,
}

impl Appender {
    fn start(path: &Path) -> Appender {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let path = path.to_path_buf();
        let handle = thread::spawn(move || {
            let mut next = 0u64;
            let mut f = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .expect("input file");
            while !s.load(Ordering::Relaxed) {
                let mut buf = String::new();
                for _ in 0..20 {
                    buf.push_str(&format!("line {next}\n"));
                    next += 1;
                }
                f.write_all(buf.as_bytes())
                    .expect("append to the input file");
                thread::sleep(Duration::from_millis(100));
            }
            next
        });
        Appender {
            stop,
            handle: Some(handle),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take().and_then(|h| h.join().ok()).unwrap_or(0)
    }
}

impl Drop for Appender {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn log_tail(c: &Cluster, id: u64) -> String {
    let text = c.log(id);
    let lines: Vec<&str> = text.lines().collect();
    format!(
        "--- node {id} log (tail) ---\n{}",
        lines[lines.len().saturating_sub(30)..].join("\n")
    )
}

/// Polls every `every` until `cond` holds; the time it took, or None after `timeout`.
fn poll_until(
    timeout: Duration,
    every: Duration,
    mut cond: impl FnMut() -> bool,
) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if cond() {
            return Some(start.elapsed());
        }
        if start.elapsed() >= timeout {
            return None;
        }
        thread::sleep(every);
    }
}

/// Task 0's owner, once the same node has reported it RUNNING for a full second.
fn stable_owner(c: &Cluster) -> Res<u64> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen: Option<(u64, Instant)> = None;
    while Instant::now() < deadline {
        let owner = (1..=3)
            .filter(|id| c.node(*id).worker.is_some())
            .find_map(|id| c.task_owner(id, "src"));
        match (owner, seen) {
            (Some(o), Some((s, since))) if o == s => {
                if since.elapsed() >= Duration::from_secs(1) {
                    return Ok(o);
                }
            }
            (Some(o), _) => seen = Some((o, Instant::now())),
            (None, _) => seen = None,
        }
        thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "task 0 of src never ran stably: {}\n{}",
        c.get_any("/connectors/src/status"),
        log_tail(c, 1)
    ))
}

/// 3 voters that the leader sees live, and `id` holding its lease.
fn recovered(c: &Cluster, id: u64) -> bool {
    let info = c.get_any("/cluster");
    let live = info["members"].as_array().is_some_and(|m| {
        m.iter()
            .filter(|m| m["voter"] == true && m["live"] == true)
            .count()
            == 3
    });
    live && info["leader"].is_u64() && c.get(id, "/cluster")["lease_valid"] == true
}

fn failover_bench(kills: u64, steer: bool) -> Res<FailoverResult> {
    let broker = Broker::start();
    let mut c = Cluster::start(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &broker.bootstrap,
        3,
        STRING_CONVERTERS,
    );
    let input = c.dir.path().join("growing.txt");
    let appender = Appender::start(&input);
    let cfg = json!({"name": "src", "config": {
        "connector.class": "FileStreamSource",
        "file": input.display().to_string(),
        "topic": "bench-failover",
    }});
    let (code, body) = c.request(1, "POST", "/connectors", &cfg);
    if code != 201 {
        return Err(format!("creating the connector: {code} {body}"));
    }
    let mut out = Vec::new();
    let mut total_shuffles = 0;
    for round in 1..=kills {
        // Placement keeps the task off the node running the connector instance (the
        // leader, at first), so in the second half of the rounds leadership is moved
        // first when needed, by kill -9 of the leader (not measured), until the task's
        // owner is the leader.
        let want_leader = steer && round > kills / 2;
        let mut shuffles = 0;
        let owner = loop {
            let owner = stable_owner(&c)?;
            let leader = c.get_any("/cluster")["leader"].as_u64();
            if !want_leader || leader == Some(owner) || shuffles >= MAX_SHUFFLES {
                break owner;
            }
            let Some(l) = leader else {
                thread::sleep(Duration::from_millis(100));
                continue;
            };
            shuffles += 1;
            c.kill9(l);
            poll_until(RECOVERY_TIMEOUT, Duration::from_millis(50), || {
                c.get_any("/cluster")["leader"]
                    .as_u64()
                    .is_some_and(|n| n != l)
            })
            .ok_or_else(|| format!("round {round}: no new leader after kill -9 of leader {l}"))?;
            c.start_node(l);
            poll_until(RECOVERY_TIMEOUT, Duration::from_millis(50), || {
                recovered(&c, l)
            })
            .ok_or_else(|| {
                format!(
                    "round {round}: leader {l} did not rejoin: {}\n{}",
                    c.get_any("/cluster"),
                    log_tail(&c, l)
                )
            })?;
        };
        total_shuffles += shuffles;
        // Let the task commit some offsets under its current owner.
        thread::sleep(Duration::from_millis(1000));
        let leader = c.get_any("/cluster")["leader"].as_u64();
        let was_leader = leader == Some(owner);
        let via = leader
            .filter(|l| *l != owner)
            .unwrap_or_else(|| (1..=3).find(|i| *i != owner).expect("a survivor"));

        let t0 = Instant::now();
        c.kill9(owner);
        let moved = loop {
            if c.task_owner(via, "src").is_some_and(|n| n != owner) {
                break Some(t0.elapsed());
            }
            if t0.elapsed() >= FAILOVER_TIMEOUT {
                break None;
            }
            thread::sleep(STATUS_POLL);
        };
        let Some(failover) = moved else {
            return Err(format!(
                "round {round}: task 0 did not move off node {owner} within {FAILOVER_TIMEOUT:?}: {}\n{}",
                c.get(via, "/connectors/src/status"),
                log_tail(&c, via)
            ));
        };

        c.start_node(owner);
        let recovery = poll_until(RECOVERY_TIMEOUT, Duration::from_millis(50), || {
            recovered(&c, owner)
        })
        .ok_or_else(|| {
            format!(
                "round {round}: node {owner} did not rejoin as a live voter with a lease: {}\n{}",
                c.get_any("/cluster"),
                log_tail(&c, owner)
            )
        })?;
        println!(
            "  round {round:>2}: killed node {owner} ({}), task RUNNING elsewhere after {:>6.0} ms; \
             3 live voters again {:>5.0} ms after the restart{}",
            if was_leader { "leader  " } else { "follower" },
            ms(failover),
            ms(recovery),
            if shuffles > 0 {
                format!(" (after {shuffles} unmeasured leader kill(s) to move leadership)")
            } else {
                String::new()
            }
        );
        let _ = std::io::stdout().flush();
        out.push(Kill {
            node: owner,
            was_leader,
            failover,
            recovery,
        });
    }
    let lines_written = appender.finish();
    Ok(FailoverResult {
        kills: out,
        lines_written,
        shuffles: total_shuffles,
    })
}

// ---------------------------------------------------------------- parts 2 and 3: raft

/// A command committing `parts` partitions' offsets, partitions `first..first+parts`.
fn commit(first: usize, parts: usize, position: u64) -> Command {
    Command::CommitSourceOffsets {
        connector: "bench".into(),
        offsets: (first..first + parts)
            .map(|p| {
                (
                    format!(r#"{{"filename":"/data/in-{p}.txt"}}"#),
                    Some(format!(r#"{{"position":{position}}}"#)),
                )
            })
            .collect(),
        fence: None,
    }
}

async fn start_in_process(dir: &Path) -> Res<Vec<Arc<ClusterNode>>> {
    let peers: BTreeMap<u64, String> = (1..=3u64)
        .map(|id| (id, format!("127.0.0.1:{}", free_port())))
        .collect();
    let mut nodes = Vec::new();
    for id in 1..=3u64 {
        let listen: SocketAddr = peers[&id].parse().map_err(|e| format!("{e}"))?;
        let data_dir = dir.join(format!("node{id}"));
        fs::create_dir_all(&data_dir).map_err(|e| e.to_string())?;
        let mut cfg = ClusterConfig::new(id, data_dir, listen);
        cfg.rest_url = format!("http://127.0.0.1:{}", free_port());
        cfg.peers = peers.clone();
        cfg.peers.remove(&id);
        nodes.push(
            ClusterNode::start(cfg)
                .await
                .map_err(|e| format!("node {id}: {e}"))?,
        );
    }
    // Formed: every node knows the same leader and three voters.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let views: Vec<_> = nodes
            .iter()
            .map(|n| {
                let m = n.raft.metrics().borrow().clone();
                let voters = m.membership_config.membership().voter_ids().count();
                (m.current_leader, voters)
            })
            .collect();
        let leader = views[0].0;
        if leader.is_some() && views.iter().all(|v| v.0 == leader && v.1 == 3) {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("the in-process cluster did not form: {views:?}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(nodes)
}

fn leader_of(nodes: &[Arc<ClusterNode>]) -> Res<(Arc<ClusterNode>, Arc<ClusterNode>)> {
    let leader = nodes
        .iter()
        .find(|n| n.is_leader())
        .cloned()
        .ok_or("no leader")?;
    let follower = nodes
        .iter()
        .find(|n| n.id != leader.id)
        .cloned()
        .ok_or("no follower")?;
    Ok((leader, follower))
}

async fn sequential(node: &ClusterNode, n: usize, partition: usize) -> Res<Vec<Duration>> {
    let mut lat = Vec::with_capacity(n);
    for i in 0..n {
        let cmd = commit(partition, 1, i as u64);
        let t = Instant::now();
        match node.submit(cmd).await {
            Ok(CommandOutcome::Updated) => lat.push(t.elapsed()),
            Ok(o) => return Err(format!("write {i} on node {}: outcome {o:?}", node.id)),
            Err(e) => return Err(format!("write {i} on node {}: {e}", node.id)),
        }
    }
    Ok(lat)
}

struct Throughput {
    parts: usize,
    commits: u64,
    errors: u64,
    elapsed: Duration,
    lat: Option<Stats>,
}

async fn concurrent(
    node: Arc<ClusterNode>,
    inflight: usize,
    secs: u64,
    parts: usize,
) -> Throughput {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let workers: Vec<_> = (0..inflight)
        .map(|w| {
            let node = node.clone();
            tokio::spawn(async move {
                let (mut lat, mut errors, mut pos) = (Vec::new(), 0u64, 0u64);
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match node.submit(commit(w * parts, parts, pos)).await {
                        Ok(_) => lat.push(t.elapsed()),
                        Err(_) => errors += 1,
                    }
                    pos += 1;
                }
                (lat, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for w in futures::future::join_all(workers).await {
        let (lat, e) = w.expect("a submit worker panicked");
        all.extend(lat);
        errors += e;
    }
    Throughput {
        parts,
        commits: all.len() as u64,
        errors,
        elapsed: start.elapsed(),
        lat: Stats::of(&all),
    }
}

struct RaftResult {
    leader: u64,
    follower: u64,
    on_leader: Option<Stats>,
    on_follower: Option<Stats>,
    single: Throughput,
    batched: Throughput,
}

async fn raft_bench(writes: usize, secs: u64, inflight: usize, dir: &Path) -> Res<RaftResult> {
    let nodes = start_in_process(dir).await?;
    let (leader, follower) = leader_of(&nodes)?;
    // Warm-up: connections, the connector's offset map, the first snapshot's timing.
    sequential(&leader, 50, 0).await?;
    sequential(&follower, 50, 1).await?;
    let on_leader = sequential(&leader, writes, 0).await?;
    let on_follower = sequential(&follower, writes, 1).await?;
    let (leader, _) = leader_of(&nodes)?; // unchanged unless an election happened
    let single = concurrent(leader.clone(), inflight, secs, 1).await;
    let batched = concurrent(leader.clone(), inflight, secs, BATCH_PARTITIONS).await;
    let (l2, _) = leader_of(&nodes)?;
    if l2.id != leader.id {
        println!(
            "  note: leadership moved from node {} to {} during the run",
            leader.id, l2.id
        );
    }
    for n in &nodes {
        let _ = n.raft.shutdown().await;
    }
    Ok(RaftResult {
        leader: leader.id,
        follower: follower.id,
        on_leader: Stats::of(&on_leader),
        on_follower: Stats::of(&on_follower),
        single,
        batched,
    })
}

// ---------------------------------------------------------------- main

fn run() -> Res<()> {
    let kills = env_num("RAFTCONNECT_BENCH_KILLS", 10)?;
    let writes = env_num("RAFTCONNECT_BENCH_WRITES", 2000)?.max(1) as usize;
    let secs = env_num("RAFTCONNECT_BENCH_SECS", 5)?.max(1);
    let inflight = env_num("RAFTCONNECT_BENCH_INFLIGHT", 64)?.max(1) as usize;
    let steer = env_num("RAFTCONNECT_BENCH_STEER", 1)? != 0;
    let cores = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let started = Instant::now();
    println!(
        "raftconnect cluster bench: {cores} cores, load average {} at start",
        loadavg()
    );

    let failover = if kills > 0 {
        println!(
            "\n[1/3] failover: {kills} kill -9 rounds of the task owner (3 processes + broker)"
        );
        let _ = std::io::stdout().flush();
        Some(failover_bench(kills, steer)?)
    } else {
        None
    };

    println!(
        "\n[2/3, 3/3] raft: in-process 3-node cluster, {writes} sequential writes per path, \
         then {inflight} in flight for {secs} s (load average {})",
        loadavg()
    );
    let _ = std::io::stdout().flush();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let raft = rt.block_on(raft_bench(writes, secs, inflight, dir.path()));
    drop(rt);
    let raft = raft?;

    println!("\n=================== raftconnect cluster bench: results ===================");
    if let Some(f) = &failover {
        let all: Vec<Duration> = f.kills.iter().map(|k| k.failover).collect();
        let leader: Vec<Duration> = f
            .kills
            .iter()
            .filter(|k| k.was_leader)
            .map(|k| k.failover)
            .collect();
        let follower: Vec<Duration> = f
            .kills
            .iter()
            .filter(|k| !k.was_leader)
            .map(|k| k.failover)
            .collect();
        let recovery: Vec<Duration> = f.kills.iter().map(|k| k.recovery).collect();
        let mut per_node = BTreeMap::<u64, usize>::new();
        for k in &f.kills {
            *per_node.entry(k.node).or_default() += 1;
        }
        println!(
            "\n1. Failover: kill -9 of task 0's owner -> RUNNING on another node\n   \
             (3 `raftconnect node` processes, FileStreamSource on a growing file, {} lines written;\n   \
             status polled every {} ms; kills per node {per_node:?}; leader kills include an election)",
            f.lines_written,
            STATUS_POLL.as_millis()
        );
        println!("{}", header("kill of"));
        println!("{}", row("any owner", &Stats::of(&all), 0));
        println!("{}", row("owner was the leader", &Stats::of(&leader), 0));
        println!("{}", row("owner was a follower", &Stats::of(&follower), 0));
        println!(
            "{}",
            row("restart -> 3 live voters", &Stats::of(&recovery), 0)
        );
        println!(
            "   kills: {} of the leader, {} of a follower{}",
            leader.len(),
            follower.len(),
            if steer {
                format!(
                    " (second half steered: {} unmeasured leader kills moved leadership onto the owner)",
                    f.shuffles
                )
            } else {
                String::new()
            }
        );
    }
    println!(
        "\n2. Raft write latency: one CommitSourceOffsets (1 partition, fence None), sequential,\n   \
         Store::submit until it returns (in-process 3-node cluster; leader node {}, follower node {})",
        raft.leader, raft.follower
    );
    println!("{}", header("submit on"));
    println!("{}", row("leader", &raft.on_leader, 2));
    println!("{}", row("follower (forwarded)", &raft.on_follower, 2));
    println!(
        "\n3. Offset commit throughput on the leader: {inflight} submits in flight for {secs} s"
    );
    println!(
        "  {:<20} {:>9} {:>11} {:>14} {:>9} {:>9} {:>7}",
        "offsets per command", "commits", "commits/s", "partitions/s", "p50 ms", "p99 ms", "errors"
    );
    for t in [&raft.single, &raft.batched] {
        let s = t.elapsed.as_secs_f64();
        let (p50, p99) = t
            .lat
            .as_ref()
            .map(|l| (ms(l.p50), ms(l.p99)))
            .unwrap_or((f64::NAN, f64::NAN));
        println!(
            "  {:<20} {:>9} {:>11.0} {:>14.0} {:>9.1} {:>9.1} {:>7}",
            t.parts,
            t.commits,
            t.commits as f64 / s,
            (t.commits * t.parts as u64) as f64 / s,
            p50,
            p99,
            t.errors
        );
    }
    println!(
        "\n(total {:.0} s; load average {} at the end; percentiles nearest-rank)",
        started.elapsed().as_secs_f64(),
        loadavg()
    );
    Ok(())
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` (and any filter); there is nothing to select.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cluster bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}
