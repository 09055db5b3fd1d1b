//! Debezium-compatible MySQL/MariaDB CDC end to end through a real worker process and
//! broker: existing rows are snapshotted and new ones streamed from the binlog into
//! Kafka as Debezium JSON; the worker is killed with SIGKILL mid-stream while a writer
//! keeps inserting, and restarted. Every committed row change must be in Kafka (no
//! loss); duplicates (changes after the last offset the runtime committed) are counted.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use testkit::database::{PASSWORD, USER};
use testkit::{free_port, wait_until, Broker, MariaDb, Worker};

const TOPIC: &str = "shop.test.items";

fn write_configs(dir: &Path, bootstrap: &str, port: u16, db: &MariaDb) {
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
    fs::write(
        dir.join("cdc.properties"),
        format!(
            "name=mariadb-cdc\n\
             connector.class=io.debezium.connector.mariadb.MariaDbConnector\n\
             tasks.max=1\n\
             database.hostname=127.0.0.1\n\
             database.port={}\n\
             database.user={USER}\n\
             database.password={PASSWORD}\n\
             database.server.id=5402\n\
             topic.prefix=shop\n\
             table.include.list=test.items\n\
             poll.interval.ms=100\n",
            db.port
        ),
    )
    .expect("cdc.properties");
}

fn start(dir: &Path, port: u16) -> Worker {
    Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &dir.join("worker.properties"),
        &[&dir.join("cdc.properties")],
        &dir.join("worker.log"),
        port,
    )
}

/// (id, op, source.connector) of every event in the topic (tombstones left out).
fn events(broker: &Broker, at_least: usize) -> Vec<(i64, String, String)> {
    broker
        .read_values(TOPIC, at_least)
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| {
            let json: serde_json::Value = serde_json::from_slice(v).expect("JSON value");
            let p = &json["payload"];
            let id = p["after"]["id"]
                .as_i64()
                .or_else(|| p["before"]["id"].as_i64());
            (
                id.unwrap_or(-1),
                p["op"].as_str().unwrap_or("?").to_string(),
                p["source"]["connector"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

#[test]
fn snapshot_and_binlog_survive_kill_9() {
    let broker = Broker::start();
    broker.create_topic(TOPIC, 1);
    let db = MariaDb::start();
    db.sql("CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)");
    db.sql("INSERT INTO items SELECT seq, 'snap' FROM seq_0_to_199");
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    write_configs(dir.path(), &broker.bootstrap, port, &db);

    // A writer committing one row per transaction until told to stop.
    let next = Arc::new(AtomicUsize::new(200));
    let stop = Arc::new(AtomicBool::new(false));
    let db = Arc::new(db);
    let writer = {
        let (next, stop, db) = (next.clone(), stop.clone(), db.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let id = next.load(Ordering::SeqCst);
                db.sql(&format!("INSERT INTO items VALUES ({id}, 'live')"));
                next.store(id + 1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    let mut worker = start(dir.path(), port);
    let streaming = wait_until(Duration::from_secs(90), || events(&broker, 0).len() >= 400);
    assert!(streaming, "log:\n{}", worker.log_text());
    worker.kill9();
    std::thread::sleep(Duration::from_secs(1));

    let mut worker = start(dir.path(), port);
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("writer");
    let total = next.load(Ordering::SeqCst);
    let all_in = wait_until(Duration::from_secs(90), || {
        let mut ids: Vec<i64> = events(&broker, 0).iter().map(|e| e.0).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() >= total
    });
    let got = events(&broker, total);
    assert!(
        all_in,
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

    let mut seen: HashMap<i64, usize> = HashMap::new();
    for (id, op, connector) in &got {
        // Rows the writer committed before the snapshot are read by it (r).
        let allowed: &[&str] = if *id < 200 { &["r"] } else { &["r", "c"] };
        assert!(allowed.contains(&op.as_str()), "id {id}: op {op}");
        assert_eq!(connector, "mariadb");
        *seen.entry(*id).or_default() += 1;
    }
    let missing: Vec<i64> = (0..total as i64)
        .filter(|i| !seen.contains_key(i))
        .collect();
    assert!(missing.is_empty(), "lost rows: {missing:?}");
    let snapshot_repeats = seen.iter().filter(|(id, n)| **id < 200 && **n > 1).count();
    assert_eq!(
        snapshot_repeats, 0,
        "the snapshot finished before the kill and is not taken again"
    );
    let duplicates = got.len() - total;
    println!(
        "{total} rows, {} events, {duplicates} duplicates after kill -9",
        got.len()
    );
}
