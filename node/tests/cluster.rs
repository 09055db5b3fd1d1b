//! Distributed mode, three `raftconnect node` processes on loopback and a real broker:
//! replicated configs, failover after kill -9, fencing of a paused node, and a fourth
//! node taking a fair share.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::json;
use testkit::{wait_until, Broker, Cluster};

/// Cluster tests depend on timing (leases of 1 s): run them one at a time, not two
/// clusters fighting over two cores.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_raftconnect"))
}

fn append_lines(path: &Path, range: std::ops::Range<u64>) {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut buf = String::new();
    for i in range {
        buf.push_str(&format!("{i}\n"));
    }
    f.write_all(buf.as_bytes()).unwrap();
}

/// Polls every node's view of the committed source offset of `connector`. A node
/// applies the log in order, so its view must never decrease while it stays up (a
/// restarted node starts its view afresh). Any decrease is recorded.
struct OffsetWatch {
    stop: Arc<AtomicBool>,
    backwards: Arc<Mutex<Vec<String>>>,
    last: Arc<Mutex<i64>>,
    handle: Option<thread::JoinHandle<()>>,
}

impl OffsetWatch {
    fn start(ports: Vec<u16>, connector: &str) -> OffsetWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let backwards = Arc::new(Mutex::new(Vec::new()));
        let last = Arc::new(Mutex::new(-1));
        let (s, b, l) = (stop.clone(), backwards.clone(), last.clone());
        let path = format!("/connectors/{connector}/offsets");
        let handle = thread::spawn(move || {
            let mut max: BTreeMap<u16, i64> = BTreeMap::new();
            while !s.load(Ordering::Relaxed) {
                for port in &ports {
                    let pos = testkit::http::get(*port, &path)
                        .filter(|(code, _)| *code == 200)
                        .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
                        .and_then(|v| v["offsets"][0]["offset"]["position"].as_i64());
                    match pos {
                        None => {
                            max.remove(port); // down or restarting: its view starts anew
                        }
                        Some(pos) => {
                            let m = max.entry(*port).or_insert(pos);
                            if pos < *m {
                                b.lock().unwrap().push(format!("port {port}: {m} -> {pos}"));
                            }
                            *m = (*m).max(pos);
                            let mut l = l.lock().unwrap();
                            *l = (*l).max(pos);
                        }
                    }
                }
                thread::sleep(Duration::from_millis(50));
            }
        });
        OffsetWatch {
            stop,
            backwards,
            last,
            handle: Some(handle),
        }
    }

    /// Stops watching; fails if any node's view of the offset ever went backwards.
    fn finish(mut self) -> i64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let b = self.backwards.lock().unwrap();
        assert!(b.is_empty(), "committed offsets moved backwards: {b:?}");
        *self.last.lock().unwrap()
    }
}

fn source_config(file: &Path, topic: &str) -> serde_json::Value {
    json!({
        "name": "src",
        "config": {
            "connector.class": "FileStreamSource",
            "file": file.display().to_string(),
            "topic": topic,
        }
    })
}

fn missing(values: &[Vec<u8>], n: u64) -> Vec<u64> {
    let got: BTreeSet<u64> = values
        .iter()
        .filter_map(|v| std::str::from_utf8(v).ok()?.trim_matches('"').parse().ok())
        .collect();
    (0..n).filter(|i| !got.contains(i)).collect()
}

/// Waits until every number 0..n is in the topic (at-least-once: duplicates allowed);
/// returns how many records were duplicates.
fn assert_no_gaps(broker: &Broker, topic: &str, n: u64) -> usize {
    let mut values = Vec::new();
    let complete = wait_until(Duration::from_secs(60), || {
        values = broker.read_values(topic, n as usize);
        missing(&values, n).is_empty()
    });
    let gaps: Vec<u64> = missing(&values, n).into_iter().take(20).collect();
    assert!(
        complete,
        "records missing from {topic} (first 20 of {} records): {gaps:?}",
        values.len()
    );
    values.len() - n as usize
}

const STRING_CONVERTERS: &str = "key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter";

#[test]
fn configs_replicate_and_survive_node_loss_and_full_restart() {
    let _serial = serial();
    let broker = Broker::start();
    let mut c = Cluster::start(bin(), &broker.bootstrap, 3, STRING_CONVERTERS);
    let sink = json!({"name": "s", "config": {
        "connector.class": "FileStreamSink", "topics": "nothing-yet",
        "file": c.dir.path().join("s.out").display().to_string()}});
    let (code, body) = c.request(2, "POST", "/connectors", &sink);
    assert_eq!(code, 201, "{body}");
    for id in 1..=3 {
        assert_eq!(
            c.get(id, "/connectors/s/config")["topics"],
            "nothing-yet",
            "node {id}"
        );
    }
    // Lose the leader: the survivors elect another and still accept writes.
    let leader = c.get(1, "/cluster")["leader"].as_u64().unwrap();
    c.kill9(leader);
    let survivor = (1..=3).find(|i| *i != leader).unwrap();
    let mut cfg = c.get(survivor, "/connectors/s/config");
    cfg["topics"] = json!("after-failover");
    let (code, body) = c.request(survivor, "PUT", "/connectors/s/config", &cfg);
    assert_eq!(code, 200, "write with one node down: {body}");
    // The restarted node catches up.
    c.start_node(leader);
    let caught_up = wait_until(Duration::from_secs(30), || {
        c.get(leader, "/connectors/s/config")["topics"] == "after-failover"
    });
    assert!(
        caught_up,
        "restarted node {leader} did not catch up:\n{}",
        c.log(leader)
    );
    // A full cluster restart keeps everything acknowledged.
    for id in 1..=3 {
        c.kill9(id);
    }
    for id in 1..=3 {
        c.start_node(id);
    }
    c.wait_formed(3);
    for id in 1..=3 {
        let ok = wait_until(Duration::from_secs(30), || {
            c.get(id, "/connectors/s/config")["topics"] == "after-failover"
        });
        assert!(
            ok,
            "node {id} lost the config after a full restart:\n{}",
            c.log(id)
        );
    }
}

#[test]
fn killing_the_task_owner_fails_over_in_seconds_without_gaps() {
    let _serial = serial();
    let broker = Broker::start();
    let mut c = Cluster::start(bin(), &broker.bootstrap, 3, STRING_CONVERTERS);
    let input = c.dir.path().join("seq.txt");
    append_lines(&input, 0..1000);
    let (code, body) = c.request(1, "POST", "/connectors", &source_config(&input, "seq"));
    assert_eq!(code, 201, "{body}");
    let owner = {
        let mut owner = None;
        wait_until(Duration::from_secs(30), || {
            owner = c.task_owner(1, "src");
            owner.is_some()
        });
        owner.unwrap_or_else(|| panic!("task never ran: {}", c.get(1, "/connectors/src/status")))
    };
    let ports: Vec<u16> = (1..=3).map(|i| c.rest_port(i)).collect();
    let watch = OffsetWatch::start(ports, "src");
    append_lines(&input, 1000..3000);
    thread::sleep(Duration::from_millis(1500));

    c.kill9(owner);
    let via = (1..=3).find(|i| *i != owner).unwrap();
    let took = Cluster::time_until(Duration::from_secs(15), || {
        c.task_owner(via, "src").is_some_and(|n| n != owner)
    })
    .unwrap_or_else(|| {
        panic!(
            "task did not move off node {owner}: {}\n{}",
            c.get(via, "/connectors/src/status"),
            c.log(via)
        )
    });
    println!(
        "failover after kill -9 of node {owner} (the task's owner): {} ms",
        took.as_millis()
    );
    assert!(took < Duration::from_secs(5), "failover took {took:?}");

    append_lines(&input, 3000..5000);
    let dups = assert_no_gaps(&broker, "seq", 5000);
    println!(
        "records: {} for 5000 lines ({dups} re-sent after the kill)",
        5000 + dups
    );
    let last = watch.finish();
    assert!(last > 0, "offsets were committed");
}

#[test]
fn a_paused_node_loses_its_task_and_is_fenced_when_it_resumes() {
    let _serial = serial();
    let broker = Broker::start();
    let c = Cluster::start(bin(), &broker.bootstrap, 3, STRING_CONVERTERS);
    let input = c.dir.path().join("seq.txt");
    append_lines(&input, 0..1000);
    let (code, body) = c.request(2, "POST", "/connectors", &source_config(&input, "paused"));
    assert_eq!(code, 201, "{body}");
    let mut owner = None;
    assert!(wait_until(Duration::from_secs(30), || {
        owner = c.task_owner(2, "src");
        owner.is_some()
    }));
    let owner = owner.unwrap();
    let ports: Vec<u16> = (1..=3).map(|i| c.rest_port(i)).collect();
    let watch = OffsetWatch::start(ports, "src");

    c.worker(owner).pause();
    append_lines(&input, 1000..2000);
    let via = (1..=3).find(|i| *i != owner).unwrap();
    let moved = wait_until(Duration::from_secs(20), || {
        c.task_owner(via, "src").is_some_and(|n| n != owner)
    });
    assert!(
        moved,
        "task did not move off the paused node: {}",
        c.get(via, "/connectors/src/status")
    );
    thread::sleep(Duration::from_secs(1));
    c.worker(owner).resume();

    // The resumed node notices it lost its lease and stops the old instance; any
    // offset commit it still attempts carries the old epoch and is rejected.
    let stopped = wait_until(Duration::from_secs(10), || {
        let log = c.log(owner);
        log.contains("lease lost") && (log.contains("stopping") || log.contains("fenced"))
    });
    assert!(
        stopped,
        "paused node did not stop its instance:\n{}",
        c.log(owner)
    );
    append_lines(&input, 2000..3000);
    let dups = assert_no_gaps(&broker, "paused", 3000);
    println!("records re-sent around the pause: {dups}");
    // The task still runs exactly where the cluster says.
    assert!(c.task_owner(via, "src").is_some_and(|n| n != owner));
    watch.finish();
}

#[test]
fn a_fourth_node_takes_a_fair_share_without_restarting_the_rest() {
    let _serial = serial();
    let broker = Broker::start();
    broker.create_topic("multi", 8);
    let mut c = Cluster::start(bin(), &broker.bootstrap, 3, STRING_CONVERTERS);
    let sink = json!({"name": "wide", "config": {
        "connector.class": "FileStreamSink", "topics": "multi", "tasks.max": "8",
        "file": c.dir.path().join("wide.out").display().to_string()}});
    let (code, body) = c.request(3, "POST", "/connectors", &sink);
    assert_eq!(code, 201, "{body}");
    let all_running = |c: &Cluster| {
        let s = c.get_any("/connectors/wide/status");
        s["tasks"]
            .as_array()
            .is_some_and(|t| t.len() == 8 && t.iter().all(|t| t["state"] == "RUNNING"))
    };
    assert!(
        wait_until(Duration::from_secs(60), || all_running(&c)),
        "{}",
        c.get_any("/connectors/wide/status")
    );
    let assignments = |c: &Cluster| -> BTreeMap<String, (u64, u64)> {
        c.get_any("/cluster")["assignments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|a| {
                        (
                            a["instance"].as_str().unwrap_or("").to_string(),
                            (
                                a["node"].as_u64().unwrap_or(0),
                                a["epoch"].as_u64().unwrap_or(0),
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = assignments(&c);
    assert_eq!(before.len(), 9, "{before:?}");

    c.add_node(4);
    c.wait_formed(4);
    let fair = wait_until(Duration::from_secs(30), || {
        assignments(&c).values().filter(|(n, _)| *n == 4).count() >= 2
    });
    assert!(
        fair,
        "node 4 got no fair share: {:?}\n{}",
        assignments(&c),
        c.log(4)
    );
    assert!(
        wait_until(Duration::from_secs(60), || all_running(&c)),
        "{}",
        c.get_any("/connectors/wide/status")
    );
    let after = assignments(&c);
    let mut per_node: BTreeMap<u64, usize> = BTreeMap::new();
    for (n, _) in after.values() {
        *per_node.entry(*n).or_default() += 1;
    }
    let (min, max) = (
        per_node.values().min().unwrap(),
        per_node.values().max().unwrap(),
    );
    assert!(max - min <= 1, "balanced: {per_node:?}");
    for (instance, (node, epoch)) in &before {
        let (n2, e2) = after[instance];
        if n2 == *node {
            assert_eq!(
                e2, *epoch,
                "{instance} stayed on node {node} but was restarted"
            );
        } else {
            assert_eq!(n2, 4, "{instance} moved somewhere other than the new node");
        }
    }
    println!("placement after the join: {per_node:?}");
}

#[test]
fn killing_the_leader_that_owns_a_task_fails_over_within_5_s() {
    let _serial = serial();
    let broker = Broker::start();
    broker.create_topic("spread", 3);
    let mut c = Cluster::start(bin(), &broker.bootstrap, 3, STRING_CONVERTERS);
    let sink = json!({"name": "spread", "config": {
        "connector.class": "FileStreamSink", "topics": "spread", "tasks.max": "3",
        "file": c.dir.path().join("spread.out").display().to_string()}});
    let (code, body) = c.request(1, "POST", "/connectors", &sink);
    assert_eq!(code, 201, "{body}");
    // Three tasks over three nodes: the leader owns one of them.
    let leader = c.get(1, "/cluster")["leader"].as_u64().unwrap();
    let mut task = None;
    assert!(
        wait_until(Duration::from_secs(30), || {
            let s = c.get(leader, "/connectors/spread/status");
            task = s["tasks"]
                .as_array()
                .and_then(|ts| {
                    ts.iter().find(|t| {
                        t["state"] == "RUNNING"
                            && t["worker_id"].as_str().and_then(|w| c.node_of_worker_id(w))
                                == Some(leader)
                    })
                })
                .and_then(|t| t["id"].as_u64());
            task.is_some()
        }),
        "no task on the leader: {}",
        c.get(leader, "/connectors/spread/status")
    );
    let task = task.unwrap();
    c.kill9(leader);
    let via = (1..=3).find(|i| *i != leader).unwrap();
    let took = Cluster::time_until(Duration::from_secs(20), || {
        let s = c.get(via, "/connectors/spread/status");
        let t = &s["tasks"][task as usize];
        t["state"] == "RUNNING"
            && t["worker_id"]
                .as_str()
                .and_then(|w| c.node_of_worker_id(w))
                .is_some_and(|n| n != leader)
    })
    .unwrap_or_else(|| {
        panic!(
            "task {task} did not move off the killed leader:\n{}",
            c.log(via)
        )
    });
    println!(
        "failover after kill -9 of the leader {leader} (owner of task {task}): {} ms",
        took.as_millis()
    );
    assert!(took < Duration::from_secs(5), "failover took {took:?}");
}

/// Issue 4's admin endpoints in distributed mode, each asked of a different node:
/// active topics, a restart plan, and KIP-875's offset reset once STOPPED (the source
/// then reads its file again from the start).
#[test]
fn restart_topics_and_offset_reset_work_across_nodes() {
    let _serial = serial();
    let broker = Broker::start();
    let c = Cluster::start(bin(), &broker.bootstrap, 3, STRING_CONVERTERS);
    let input = c.dir.path().join("seq.txt");
    append_lines(&input, 0..20);
    let (code, body) = c.request(1, "POST", "/connectors", &source_config(&input, "again"));
    assert_eq!(code, 201, "{body}");
    assert_no_gaps(&broker, "again", 20);

    let topics = wait_until(Duration::from_secs(30), || {
        c.get(3, "/connectors/src/topics") == json!({"src": {"topics": ["again"]}})
    });
    assert!(topics, "{}", c.get(3, "/connectors/src/topics"));

    let (code, body) = c.request(
        2,
        "POST",
        "/connectors/src/restart?includeTasks=true",
        &json!(null),
    );
    assert_eq!(code, 202, "{body}");
    let plan: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(plan["connector"]["state"], "RESTARTING", "{plan}");
    assert_eq!(plan["tasks"][0]["state"], "RESTARTING", "{plan}");
    let running = wait_until(Duration::from_secs(30), || {
        let s = c.get(1, "/connectors/src/status");
        s["connector"]["state"] == "RUNNING" && s["tasks"][0]["state"] == "RUNNING"
    });
    assert!(running, "{}", c.get(1, "/connectors/src/status"));

    // Running: offsets may not be reset.
    let (code, body) = c.request(3, "DELETE", "/connectors/src/offsets", &json!(null));
    assert_eq!(code, 400, "{body}");
    let (code, body) = c.request(3, "PUT", "/connectors/src/stop", &json!(null));
    assert_eq!(code, 204, "{body}");
    let mut reply = (0, String::new());
    let reset = wait_until(Duration::from_secs(30), || {
        reply = c.request(2, "DELETE", "/connectors/src/offsets", &json!(null));
        reply.0 == 200
    });
    assert!(reset, "{reply:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&reply.1).unwrap(),
        json!({"message": "The offsets for this connector have been reset successfully"})
    );
    assert_eq!(c.get(1, "/connectors/src/offsets"), json!({"offsets": []}));
    let (code, body) = c.request(1, "PUT", "/connectors/src/resume", &json!(null));
    assert_eq!(code, 202, "{body}");
    let again = wait_until(Duration::from_secs(60), || {
        broker.read_values("again", 40).len() >= 40
    });
    assert!(
        again,
        "the file was not read again after the reset: {} records",
        broker.read_values("again", 40).len()
    );

    // A cluster-scope log level reaches every node.
    let (code, body) = c.request(
        1,
        "PUT",
        "/admin/loggers/raftconnect::rest?scope=cluster",
        &json!({"level": "DEBUG"}),
    );
    assert_eq!(code, 204, "{body}");
    for id in 1..=3 {
        let ok = wait_until(Duration::from_secs(10), || {
            c.get(id, "/admin/loggers/raftconnect::rest")["level"] == "DEBUG"
        });
        assert!(ok, "node {id}: {}", c.get(id, "/admin/loggers"));
    }
}
