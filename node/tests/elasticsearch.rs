//! The Elasticsearch sink end to end through a real worker process, a real broker and
//! an OpenSearch-compatible server (osmem): keyed JSON records produced to Kafka land
//! as documents (the last value per key); a document the server refuses goes to the dead
//! letter queue while the rest land; after a restart, a new connector over the same
//! topic replays it from offset 0 and the documents are unchanged (external versions
//! turn the replay into version conflicts, not duplicates).

use std::fs;
use std::path::Path;
use std::time::Duration;

use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use serde_json::{json, Value};
use testkit::{create_topic, free_port, http, wait_until, Broker, SearchServer, Worker};

const TOPIC: &str = "Orders";
const INDEX: &str = "orders";
/// Records 0..300 with keys k0..k99 (each key written three times), and one record the
/// server refuses at offset 150.
const RECORDS: i64 = 301;
const BAD_OFFSET: i64 = 150;

fn produce(bootstrap: &str) {
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("producer");
    for offset in 0..RECORDS {
        let (key, value) = if offset == BAD_OFFSET {
            (
                "bad".to_string(),
                json!({"n": {"not": "a number"}}).to_string(),
            )
        } else {
            let i = if offset > BAD_OFFSET {
                offset - 1
            } else {
                offset
            };
            (
                format!("k{}", i % 100),
                json!({"n": i, "name": format!("order-{i}")}).to_string(),
            )
        };
        loop {
            match p.send(
                BaseRecord::to(TOPIC)
                    .key(key.as_bytes())
                    .payload(value.as_bytes()),
            ) {
                Ok(()) => break,
                Err(_) => {
                    p.poll(Duration::from_millis(50));
                }
            }
        }
    }
    p.flush(Duration::from_secs(30)).expect("flush");
}

fn start_worker(dir: &Path, bootstrap: &str, port: u16) -> Worker {
    let props = dir.join("worker.properties");
    fs::write(
        &props,
        format!(
            "bootstrap.servers={bootstrap}\nlisteners=http://127.0.0.1:{port}\ndata.dir={}\noffset.flush.interval.ms=500\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n",
            dir.join("data").display()
        ),
    )
    .expect("worker.properties");
    let worker = Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &props,
        &[],
        &dir.join("worker.log"),
        port,
    );
    let up = wait_until(Duration::from_secs(30), || {
        http::get(port, "/").is_some_and(|(c, _)| c == 200)
    });
    assert!(up, "worker did not start:\n{}", worker.log_text());
    worker
}

fn create_sink(port: u16, name: &str, es_url: &str) {
    let config = json!({
        "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
        "tasks.max": "1",
        "topics": TOPIC,
        "connection.url": es_url,
        "key.ignore": "false",
        "schema.ignore": "true",
        "behavior.on.malformed.documents": "warn",
        "batch.size": "40",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": "es-dlq",
        "errors.deadletterqueue.topic.replication.factor": "1",
    });
    let body = json!({"name": name, "config": config}).to_string();
    let (code, body) =
        http::request(port, "POST", "/connectors", Some(&body)).expect("worker reachable");
    assert_eq!(code, 201, "{body}");
}

/// The next offset the connector committed for partition 0, if any.
fn committed(port: u16, name: &str) -> Option<i64> {
    let (code, body) = http::get(port, &format!("/connectors/{name}/offsets"))?;
    if code != 200 {
        return None;
    }
    let v: Value = serde_json::from_str(&body).ok()?;
    v["offsets"]
        .as_array()?
        .iter()
        .find_map(|o| o["offset"]["kafka_offset"].as_i64())
}

/// (id, n, version) of every document, sorted by id.
fn snapshot(es: &SearchServer) -> Vec<(String, Value, i64)> {
    es.all(INDEX, 1000)
        .into_iter()
        .map(|(id, doc)| {
            let version = es.get(INDEX, &id).map(|d| d.1).unwrap_or(-1);
            (id, doc["n"].clone(), version)
        })
        .collect()
}

#[test]
fn keyed_records_land_malformed_go_to_the_dlq_and_a_replay_changes_nothing() {
    let broker = Broker::start();
    let es = SearchServer::start();
    create_topic(&broker.bootstrap, TOPIC, 1);
    create_topic(&broker.bootstrap, "es-dlq", 1);
    produce(&broker.bootstrap);

    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut worker = start_worker(dir.path(), &broker.bootstrap, port);
    create_sink(port, "es-sink", &es.url);
    let done = wait_until(Duration::from_secs(90), || {
        committed(port, "es-sink") == Some(RECORDS)
    });
    assert!(
        done,
        "committed {:?}, {} documents; log:\n{}",
        committed(port, "es-sink"),
        es.count(INDEX),
        worker.log_text()
    );
    assert_eq!(es.count(INDEX), 100);
    // The last value of each key, with the offset of that record as its version.
    let k7 = es.get(INDEX, "k7").expect("k7");
    assert_eq!(k7.0, json!({"n": 207, "name": "order-207"}));
    assert_eq!(k7.1, 208, "k7 was last written at offset 208");
    assert!(es.get(INDEX, "bad").is_none());
    let dlq = broker.read_values("es-dlq", 1);
    assert_eq!(dlq.len(), 1, "{dlq:?}");
    assert!(String::from_utf8_lossy(&dlq[0]).contains("not"), "{dlq:?}");
    let before = snapshot(&es);
    assert_eq!(before.len(), 100);

    // Restart, and replay the whole topic from offset 0 under a new connector name.
    assert_eq!(
        worker.stop(Duration::from_secs(30)),
        Some(0),
        "{}",
        worker.log_text()
    );
    let mut worker = start_worker(dir.path(), &broker.bootstrap, port);
    create_sink(port, "es-sink-replay", &es.url);
    let replayed = wait_until(Duration::from_secs(90), || {
        committed(port, "es-sink-replay") == Some(RECORDS)
    });
    assert!(
        replayed,
        "replay did not finish; log:\n{}",
        worker.log_text()
    );
    assert_eq!(es.count(INDEX), 100);
    assert_eq!(snapshot(&es), before, "the replay changed documents");
    let status = http::get(port, "/connectors/es-sink-replay/status").map(|s| s.1);
    assert!(
        status.as_deref().is_some_and(|s| !s.contains("FAILED")),
        "{status:?}"
    );
    assert_eq!(worker.stop(Duration::from_secs(30)), Some(0));
}
