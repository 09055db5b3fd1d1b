//! Debezium-compatible PostgreSQL CDC end to end through a real worker process and
//! broker: existing rows are snapshotted and new ones streamed into Kafka as
//! Debezium JSON; the worker is killed with SIGKILL mid-stream while a writer keeps
//! inserting, and restarted. Every committed row change must be in Kafka (no loss);
//! duplicates are counted and may only be changes after the position the connector
//! had confirmed to PostgreSQL.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use testkit::database::{PASSWORD, USER};
use testkit::{free_port, wait_until, Broker, Postgres, Worker};

const TOPIC: &str = "srv.public.items";

fn write_configs(dir: &Path, bootstrap: &str, port: u16, pg: &Postgres) {
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
            "name=pg-cdc\n\
             connector.class=io.debezium.connector.postgresql.PostgresConnector\n\
             tasks.max=1\n\
             database.hostname=127.0.0.1\n\
             database.port={}\n\
             database.user={USER}\n\
             database.password={PASSWORD}\n\
             database.dbname=test\n\
             topic.prefix=srv\n\
             table.include.list=public.items\n\
             poll.interval.ms=100\n\
             status.update.interval.ms=500\n",
            pg.port
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

/// How many records the topic holds (its high watermark).
fn topic_len(broker: &Broker) -> i64 {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let c: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &broker.bootstrap)
        .create()
        .expect("consumer");
    c.fetch_watermarks(TOPIC, 0, Duration::from_secs(5))
        .map(|(_, high)| high)
        .unwrap_or(0)
}

/// (id, op, source.lsn) of every event in the topic (tombstones left out).
fn events(broker: &Broker, at_least: usize) -> Vec<(i64, String, i64)> {
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
                p["source"]["lsn"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[test]
fn snapshot_and_stream_survive_kill_9() {
    let broker = Broker::start();
    broker.create_topic(TOPIC, 1);
    let pg = Postgres::start();
    pg.psql("CREATE TABLE items (id INT PRIMARY KEY, v TEXT NOT NULL)");
    pg.psql("INSERT INTO items SELECT g, 'snap' FROM generate_series(0, 199) g");
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    write_configs(dir.path(), &broker.bootstrap, port, &pg);

    // A writer committing one row per transaction until told to stop.
    let next = Arc::new(AtomicUsize::new(200));
    let stop = Arc::new(AtomicBool::new(false));
    let pg = Arc::new(pg);
    let writer = {
        let (next, stop, pg) = (next.clone(), stop.clone(), pg.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let id = next.load(Ordering::SeqCst);
                pg.psql(&format!("INSERT INTO items VALUES ({id}, 'live')"));
                next.store(id + 1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    let mut worker = start(dir.path(), port);
    let streaming = wait_until(Duration::from_secs(90), || topic_len(&broker) >= 400);
    assert!(streaming, "log:\n{}", worker.log_text());
    worker.kill9();
    // What PostgreSQL was told is done when the worker died.
    let confirmed: i64 = pg
        .psql("SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'debezium'")
        .parse()
        .expect("confirmed_flush_lsn");
    std::thread::sleep(Duration::from_secs(1));

    let mut worker = start(dir.path(), port);
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("writer");
    let total = next.load(Ordering::SeqCst);
    let all_in = wait_until(Duration::from_secs(90), || {
        topic_len(&broker) >= total as i64
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
    for (id, op, lsn) in &got {
        // Rows the writer committed before the snapshot are in it.
        let ok = if *id < 200 {
            op == "r"
        } else {
            op == "r" || op == "c"
        };
        assert!(ok, "id {id} op {op}");
        let n = seen.entry(*id).or_default();
        *n += 1;
        if *n > 1 {
            assert!(
                *lsn >= confirmed,
                "id {id} at LSN {lsn} repeated although {confirmed} was confirmed"
            );
        }
    }
    let missing: Vec<i64> = (0..total as i64)
        .filter(|i| !seen.contains_key(i))
        .collect();
    assert!(missing.is_empty(), "lost rows: {missing:?}");
    let duplicates = got.len() - total;
    println!(
        "{total} rows, {} events, {duplicates} duplicates after kill -9",
        got.len()
    );
}
