//! Cluster formation and writes gone wrong: each gets a clear error naming the
//! problem, a non-zero exit for the CLI or a 503 for REST, and nothing half-applied.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use testkit::{free_port, wait_until, Broker, Cluster};

/// Cluster tests depend on timing (leases of 1 s): run them one at a time, not two
/// clusters fighting over two cores.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_raftconnect"))
}

/// Runs a node to completion (it is expected to give up) and returns (code, stderr).
fn run_node(args: &[String], timeout: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(bin())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start node");
    let start = std::time::Instant::now();
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    (code, err)
}

fn node_args(
    id: u64,
    dir: &Path,
    raft: u16,
    rest: u16,
    peers: &str,
    extra: &[(&str, &str)],
) -> Vec<String> {
    let props = dir.join(format!("w{id}.properties"));
    let mut text = "bootstrap.servers=127.0.0.1:1\n".to_string();
    for (k, v) in extra {
        text.push_str(&format!("{k}={v}\n"));
    }
    std::fs::write(&props, text).unwrap();
    vec![
        "node".into(),
        props.display().to_string(),
        "--node-id".into(),
        id.to_string(),
        "--data-dir".into(),
        dir.join(format!("data{id}")).display().to_string(),
        "--raft-addr".into(),
        format!("127.0.0.1:{raft}"),
        "--rest-addr".into(),
        format!("127.0.0.1:{rest}"),
        "--peers".into(),
        peers.to_string(),
    ]
}

#[test]
fn unreachable_peers_fail_the_join_with_a_clear_error() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let dead = free_port();
    let args = node_args(
        5,
        dir.path(),
        free_port(),
        free_port(),
        &format!("1=127.0.0.1:{dead}"),
        &[("join.timeout.ms", "2000")],
    );
    let (code, err) = run_node(&args, Duration::from_secs(30));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("join.timeout.ms") && err.contains(&dead.to_string()),
        "{err}"
    );
}

#[test]
fn a_duplicate_node_id_is_rejected() {
    let _serial = serial();
    let broker = Broker::start();
    let c = Cluster::start(bin(), &broker.bootstrap, 3, "");
    let dir = tempfile::tempdir().unwrap();
    let peers = format!("1=127.0.0.1:{}", c.node(1).raft_port);
    let args = node_args(2, dir.path(), free_port(), free_port(), &peers, &[]);
    let (code, err) = run_node(&args, Duration::from_secs(60));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("node id 2 is already a member"), "{err}");
}

#[test]
fn a_data_dir_of_another_cluster_is_refused() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    // Cluster A: node 2 alone (no peers: it bootstraps).
    let (raft_a, rest_a) = (free_port(), free_port());
    let mut a = testkit::Worker::spawn(
        bin(),
        &node_args(2, dir.path(), raft_a, rest_a, "", &[]),
        &dir.path().join("a.log"),
        rest_a,
    );
    let formed = wait_until(Duration::from_secs(30), || {
        testkit::http::get(rest_a, "/cluster").is_some_and(|(_, b)| b.contains("\"cluster_id\":\""))
    });
    assert!(formed, "{}", a.log_text());
    a.kill9();
    // Cluster B: node 1 alone.
    let (raft_b, rest_b) = (free_port(), free_port());
    let _b = testkit::Worker::spawn(
        bin(),
        &node_args(1, dir.path(), raft_b, rest_b, "", &[]),
        &dir.path().join("b.log"),
        rest_b,
    );
    assert!(wait_until(Duration::from_secs(30), || {
        testkit::http::get(rest_b, "/cluster").is_some_and(|(_, b)| b.contains("\"cluster_id\":\""))
    }));
    // Node 2 restarted with cluster A's data but pointed at cluster B.
    let args = node_args(
        2,
        dir.path(),
        raft_a,
        rest_a,
        &format!("1=127.0.0.1:{raft_b}"),
        &[],
    );
    let (code, err) = run_node(&args, Duration::from_secs(30));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("belongs to cluster"), "{err}");
}

#[test]
fn writes_without_quorum_fail_with_503_and_are_not_applied() {
    let _serial = serial();
    let broker = Broker::start();
    let mut c = Cluster::start(bin(), &broker.bootstrap, 3, "cluster.write.timeout.ms=3000");
    let leader = c.get(1, "/cluster")["leader"].as_u64().unwrap();
    let follower = (1..=3).find(|i| *i != leader).unwrap();
    let other = (1..=3).find(|i| *i != leader && *i != follower).unwrap();
    c.kill9(leader);
    c.kill9(other);
    let sink = json!({"name": "lost", "config": {"connector.class": "FileStreamSink", "topics": "t", "file": "/dev/null"}});
    let (code, body) = c.request(follower, "POST", "/connectors", &sink);
    assert_eq!(code, 503, "{body}");
    assert!(
        body.contains("error_code") && body.contains("write"),
        "{body}"
    );
    // Reads are linearizable: without a quorum the survivor cannot know it has every
    // committed change, so it refuses to answer rather than answer stale.
    let (code, body) = testkit::http::get(c.rest_port(follower), "/connectors").unwrap();
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("majority of nodes"), "{body}");
    // Its own view of the cluster still answers.
    assert!(c.get(follower, "/cluster").is_object());
    // With the quorum back, the refused write is not there.
    c.start_node(leader);
    c.start_node(other);
    c.wait_formed(3);
    let (code, _) = testkit::http::get(c.rest_port(follower), "/connectors/lost").unwrap();
    assert_eq!(code, 404);
}
