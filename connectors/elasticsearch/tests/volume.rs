//! 100,000 keyed records through the Elasticsearch sink task into a real
//! OpenSearch-compatible server (osmem), then the whole topic replayed from offset 0 (a
//! restart that lost its committed offsets): the replay creates no duplicates and rolls
//! no document back. Keys repeat (50,000 documents, each written twice), so external
//! versions decide which write wins.
//!
//! About 20 s against osmem on 2 cores:
//! `cargo test -p connect-elasticsearch --test volume -- --nocapture` (RECORDS=n to
//! change the count).

use std::collections::HashMap;
use std::time::Instant;

use connect_api::{Props, Record, Schema, SinkRecord, SinkTask, SinkTaskContext, Value};
use connect_elasticsearch::ElasticsearchSinkTask;
use testkit::SearchServer;

fn records() -> i64 {
    std::env::var("RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Record `o` has key `k<o mod n/2>`: each document is written at o and at o + n/2.
fn record(o: i64, documents: i64) -> SinkRecord {
    let key = format!("k{}", o % documents);
    let value = Value::Map(
        [
            (Value::from("key"), Value::from(key.as_str())),
            (Value::from("offset"), Value::Int64(o)),
        ]
        .into_iter()
        .collect(),
    );
    SinkRecord {
        record: Record {
            topic: "volume".into(),
            kafka_partition: Some(0),
            key_schema: Some(Schema::optional_string()),
            key: Value::from(key.as_str()),
            value,
            ..Record::default()
        },
        kafka_offset: o,
        original_topic: "volume".into(),
        original_kafka_offset: o,
        ..SinkRecord::default()
    }
}

async fn write_all(task: &mut ElasticsearchSinkTask, n: i64, documents: i64) -> f64 {
    let started = Instant::now();
    for start in (0..n).step_by(2_000) {
        let batch = (start..(start + 2_000).min(n))
            .map(|o| record(o, documents))
            .collect();
        task.put(batch).await.expect("put");
    }
    task.flush(&HashMap::new()).await.expect("flush");
    n as f64 / started.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_of_100k_keyed_records_creates_no_duplicates() {
    let n = records();
    let documents = n / 2;
    let server = SearchServer::start();
    let props: Props = [
        ("connection.url", server.url.as_str()),
        ("topics", "volume"),
        ("key.ignore", "false"),
        ("schema.ignore", "true"),
        ("batch.size", "2000"),
        ("max.in.flight.requests", "5"),
        ("read.timeout.ms", "60000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut task = ElasticsearchSinkTask::new();
    task.start(SinkTaskContext::default(), props.clone())
        .await
        .expect("start");
    let first = write_all(&mut task, n, documents).await;
    assert_eq!(server.count("volume") as i64, documents);
    task.stop().await.expect("stop");

    // A new task replays the topic from offset 0.
    let mut task = ElasticsearchSinkTask::new();
    task.start(SinkTaskContext::default(), props)
        .await
        .expect("start");
    let replay = write_all(&mut task, n, documents).await;
    task.stop().await.expect("stop");
    assert_eq!(server.count("volume") as i64, documents, "no duplicates");
    for key in [0, 1, documents / 2, documents - 1] {
        let (doc, version) = server
            .get("volume", &format!("k{key}"))
            .expect("a document");
        let last = key + documents;
        assert_eq!(
            (doc["offset"].as_i64(), version),
            (Some(last), last),
            "k{key} keeps its newest write"
        );
    }
    println!(
        "{n} records, {documents} documents: first pass {first:.0} rec/s, replay {replay:.0} rec/s, count unchanged"
    );
}
