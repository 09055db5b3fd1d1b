//! The S3 sink end to end through a real worker process, a real broker and a real
//! S3-compatible server (s3s-fs, checking SigV4): JSON records produced to a
//! two-partition topic while the worker runs are written as JsonFormat objects of
//! flush.size records. The worker is killed with SIGKILL mid-stream and restarted: the
//! bucket ends with every record exactly once (no duplicates, no gaps, in offset
//! order), and every object written before the kill is still there, byte for byte.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use serde_json::Value;
use testkit::s3::{ACCESS_KEY, REGION, SECRET_KEY};
use testkit::{create_topic, free_port, http, wait_until, Broker, S3Server, Worker};

const TOPIC: &str = "events";
const BUCKET: &str = "exports";
const CONNECTOR: &str = "s3-sink";
const RECORDS: i64 = 20_000;
const PARTITIONS: i64 = 2;
const FLUSH_SIZE: i64 = 1_000;

/// Record i goes to partition i % 2 with value {"n": i}: record n of partition p is
/// at offset n / 2.
fn produce_slowly(bootstrap: String, spread: Duration) {
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    let batches = 40;
    let per_batch = RECORDS / batches;
    for b in 0..batches {
        for i in b * per_batch..(b + 1) * per_batch {
            let value = format!("{{\"n\":{i}}}");
            let key = format!("k{i}");
            let mut record = BaseRecord::to(TOPIC)
                .key(key.as_bytes())
                .payload(value.as_bytes())
                .partition((i % PARTITIONS) as i32);
            loop {
                match p.send(record) {
                    Ok(()) => break,
                    Err((_, r)) => {
                        record = r;
                        p.poll(Duration::from_millis(20));
                    }
                }
            }
        }
        p.poll(Duration::ZERO);
        std::thread::sleep(spread / batches as u32);
    }
    p.flush(Duration::from_secs(30)).expect("flush");
}

fn write_configs(dir: &Path, bootstrap: &str, port: u16, s3: &S3Server) {
    fs::write(
        dir.join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\nlisteners=http://127.0.0.1:{port}\ndata.dir={}\n\
             offset.flush.interval.ms=300\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter.schemas.enable=false\n",
            dir.join("data").display()
        ),
    )
    .expect("worker.properties");
    fs::write(
        dir.join("s3-sink.properties"),
        format!(
            "name={CONNECTOR}\n\
             connector.class=io.confluent.connect.s3.S3SinkConnector\n\
             tasks.max=1\n\
             topics={TOPIC}\n\
             s3.bucket.name={BUCKET}\n\
             s3.region={REGION}\n\
             store.url={}\n\
             aws.access.key.id={ACCESS_KEY}\n\
             aws.secret.access.key={SECRET_KEY}\n\
             format.class=io.confluent.connect.s3.format.json.JsonFormat\n\
             storage.class=io.confluent.connect.s3.storage.S3Storage\n\
             partitioner.class=io.confluent.connect.storage.partitioner.DefaultPartitioner\n\
             flush.size={FLUSH_SIZE}\n",
            s3.endpoint()
        ),
    )
    .expect("s3-sink.properties");
}

fn start(dir: &Path, port: u16) -> Worker {
    let worker = Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &dir.join("worker.properties"),
        &[&dir.join("s3-sink.properties")],
        &dir.join("worker.log"),
        port,
    );
    let up = wait_until(Duration::from_secs(30), || {
        http::get(port, "/").is_some_and(|(c, _)| c == 200)
    });
    assert!(up, "worker did not start:\n{}", worker.log_text());
    worker
}

/// The committed next offset of each partition.
fn committed(port: u16) -> BTreeMap<i64, i64> {
    let Some((200, body)) = http::get(port, &format!("/connectors/{CONNECTOR}/offsets")) else {
        return BTreeMap::new();
    };
    let v: Value = serde_json::from_str(&body).unwrap_or_default();
    v["offsets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| {
            Some((
                o["partition"]["kafka_partition"].as_i64()?,
                o["offset"]["kafka_offset"].as_i64()?,
            ))
        })
        .collect()
}

fn snapshot(s3: &S3Server) -> BTreeMap<String, Vec<u8>> {
    s3.objects(BUCKET)
        .into_iter()
        .map(|k| {
            let bytes = s3.read(BUCKET, &k);
            (k, bytes)
        })
        .collect()
}

#[test]
fn kill9_mid_stream_and_restart_leaves_every_record_exactly_once() {
    let started = Instant::now();
    let broker = Broker::start();
    let s3 = S3Server::start();
    s3.create_bucket(BUCKET);
    create_topic(&broker.bootstrap, TOPIC, PARTITIONS as i32);
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    write_configs(dir.path(), &broker.bootstrap, port, &s3);

    // Records keep arriving for ~10 s, so the kill lands with files open.
    let bootstrap = broker.bootstrap.clone();
    let producer = std::thread::spawn(move || produce_slowly(bootstrap, Duration::from_secs(10)));
    let mut worker = start(dir.path(), port);
    let progressed = wait_until(Duration::from_secs(60), || {
        committed(port).values().sum::<i64>() >= 4 * FLUSH_SIZE
    });
    assert!(
        progressed,
        "committed {:?}; log:\n{}",
        committed(port),
        worker.log_text()
    );
    let at_kill = committed(port);
    worker.kill9();
    let before_kill = snapshot(&s3);
    assert!(!before_kill.is_empty());

    let mut worker = start(dir.path(), port);
    producer.join().expect("producer");
    let per_partition = RECORDS / PARTITIONS;
    let done = wait_until(Duration::from_secs(60), || {
        let c = committed(port);
        (0..PARTITIONS).all(|p| c.get(&p) == Some(&per_partition))
    });
    assert!(
        done,
        "committed {:?} (at the kill {at_kill:?}); log:\n{}",
        committed(port),
        worker.log_text()
    );
    assert_eq!(
        worker.stop(Duration::from_secs(30)),
        Some(0),
        "{}",
        worker.log_text()
    );

    // Exactly the objects of flush.size records each, named by their first offset.
    let after = snapshot(&s3);
    let expected: Vec<String> = (0..PARTITIONS)
        .flat_map(|p| {
            (0..per_partition / FLUSH_SIZE).map(move |f| {
                format!(
                    "topics/{TOPIC}/partition={p}/{TOPIC}+{p}+{:010}.json",
                    f * FLUSH_SIZE
                )
            })
        })
        .collect();
    assert_eq!(after.keys().cloned().collect::<Vec<_>>(), expected);
    // Objects written before the kill were rewritten (if at all) with the same bytes.
    for (key, bytes) in &before_kill {
        assert_eq!(
            after.get(key),
            Some(bytes),
            "{key} changed after the restart"
        );
    }
    // Every record once, in offset order: line j of the file starting at offset s of
    // partition p holds n = 2 * (s + j) + p.
    let mut seen = 0;
    for (key, bytes) in &after {
        let name = key.rsplit('/').next().unwrap_or_default();
        let parts: Vec<&str> = name.trim_end_matches(".json").split('+').collect();
        let (p, start): (i64, i64) = (parts[1].parse().unwrap(), parts[2].parse().unwrap());
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        let ns: Vec<i64> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["n"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        let want: Vec<i64> = (start..start + FLUSH_SIZE).map(|o| 2 * o + p).collect();
        assert_eq!(ns, want, "{key}");
        seen += ns.len() as i64;
    }
    assert_eq!(seen, RECORDS);
    eprintln!(
        "s3 e2e: {} objects before the kill (committed {at_kill:?}), {} after; {:?} in all",
        before_kill.len(),
        after.len(),
        started.elapsed()
    );
}
