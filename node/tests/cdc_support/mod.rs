//! What the CDC end-to-end tests share (`mod cdc_support;` in node/tests/cdc.rs and
//! cdc_mysql.rs): a standalone worker running one CDC connector, a writer that keeps
//! committing rows, and the Debezium events read back from the topic. The servers
//! themselves come from testkit.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use testkit::{free_port, wait_until, Broker, Worker};

/// A worker's directory (configs, offsets, log) and REST port.
pub struct Deployment {
    dir: tempfile::TempDir,
    port: u16,
}

impl Deployment {
    /// Configs for a worker on `bootstrap` running the connector of properties
    /// `connector`.
    pub fn new(bootstrap: &str, connector: &str) -> Deployment {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        write_configs(dir.path(), bootstrap, port, connector);
        Deployment { dir, port }
    }

    /// Starts a worker (again) on the same configs and offsets.
    pub fn start(&self) -> Worker {
        start(self.dir.path(), self.port)
    }

    /// After a kill -9: a new worker runs while `writer` goes on for 3 s more; once
    /// `all_in(rows written)` holds (90 s at most), the worker must stop cleanly.
    /// Returns the topic's events and the number of rows written.
    pub fn restart_and_drain(
        &self,
        writer: Writer,
        broker: &Broker,
        topic: &str,
        all_in: impl Fn(usize) -> bool,
    ) -> (Vec<Event>, usize) {
        let mut worker = self.start();
        std::thread::sleep(Duration::from_secs(3));
        let total = writer.stop();
        let done = wait_until(Duration::from_secs(90), || all_in(total));
        let got = events(broker, topic, total);
        assert!(
            done,
            "{} of {total} rows; log:\n{}",
            got.len(),
            worker.log_text()
        );
        assert_eq!(
            worker.stop(Duration::from_secs(30)),
            Some(0),
            "log:\n{}",
            worker.log_text()
        );
        (got, total)
    }
}

/// Writes worker.properties (JSON converters, file offsets flushed every 500 ms) and
/// cdc.properties (`connector`: the connector's properties) into `dir`.
fn write_configs(dir: &Path, bootstrap: &str, port: u16, connector: &str) {
    fs::write(
        dir.join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             offset.storage.file.filename={}/connect.offsets\n\
             offset.flush.interval.ms=500\n\
             listeners=http://127.0.0.1:{port}\n",
            dir.display()
        ),
    )
    .expect("worker.properties");
    fs::write(dir.join("cdc.properties"), connector).expect("cdc.properties");
}

/// A standalone worker with the configs of [`write_configs`].
fn start(dir: &Path, port: u16) -> Worker {
    Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &dir.join("worker.properties"),
        &[&dir.join("cdc.properties")],
        &dir.join("worker.log"),
        port,
    )
}

/// One Debezium event of the topic: the row's id, `op`, and the `source` block.
pub struct Event {
    pub id: i64,
    pub op: String,
    pub source: serde_json::Value,
}

/// Every event in `topic` (tombstones left out), once it holds `at_least` records.
pub fn events(broker: &Broker, topic: &str, at_least: usize) -> Vec<Event> {
    broker
        .read_values(topic, at_least)
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| {
            let json: serde_json::Value = serde_json::from_slice(v).expect("JSON value");
            let p = &json["payload"];
            let id = p["after"]["id"]
                .as_i64()
                .or_else(|| p["before"]["id"].as_i64());
            Event {
                id: id.unwrap_or(-1),
                op: p["op"].as_str().unwrap_or("?").to_string(),
                source: p["source"].clone(),
            }
        })
        .collect()
}

/// A writer committing one row per transaction (`insert(id)`, ids counting up from
/// `first`) until stopped.
pub struct Writer {
    next: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Writer {
    pub fn start(first: usize, insert: impl Fn(usize) + Send + 'static) -> Writer {
        let next = Arc::new(AtomicUsize::new(first));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (next, stop) = (next.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let id = next.load(Ordering::SeqCst);
                    insert(id);
                    next.store(id + 1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        Writer { next, stop, thread }
    }

    /// Stops the writer; returns how many rows exist (ids 0 up to this, exclusive).
    pub fn stop(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("writer");
        self.next.load(Ordering::SeqCst)
    }
}

/// How many events each id has; fails on a row id below `total` with no event (a
/// lost change) or an op other than those allowed (snapshot rows, below
/// `snapshot_rows`: r only; later rows: r or c). `on_repeat` sees each event of an id
/// seen before (a duplicate).
pub fn count_per_id(
    got: &[Event],
    total: usize,
    snapshot_rows: i64,
    on_repeat: impl Fn(&Event),
) -> HashMap<i64, usize> {
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for e in got {
        // Rows the writer committed before the snapshot are read by it (r).
        let allowed: &[&str] = if e.id < snapshot_rows {
            &["r"]
        } else {
            &["r", "c"]
        };
        assert!(allowed.contains(&e.op.as_str()), "id {}: op {}", e.id, e.op);
        let n = seen.entry(e.id).or_default();
        *n += 1;
        if *n > 1 {
            on_repeat(e);
        }
    }
    let missing: Vec<i64> = (0..total as i64)
        .filter(|i| !seen.contains_key(i))
        .collect();
    assert!(missing.is_empty(), "lost rows: {missing:?}");
    seen
}
