//! 100,000 keyed records through the Elasticsearch sink task into osmem, next to a raw
//! baseline in the same run: the same documents (same ids, external versions, index
//! and batch size, the same number of requests in flight) sent as plain reqwest `_bulk`
//! requests. Prints records/s for both and their ratio. Each run gets a fresh server
//! (osmem slows down as it fills).
//!
//! `cargo bench -p connect-elasticsearch --bench bulk` (RECORDS=n to change the count).

use std::collections::HashMap;
use std::time::Instant;

use connect_api::{
    Record, Schema, SchemaBuilder, SinkRecord, SinkTask, SinkTaskContext, Struct, Value,
};
use connect_elasticsearch::ElasticsearchSinkTask;
use futures::stream::{self, StreamExt};
use testkit::SearchServer;

const BATCH_SIZE: usize = 2000;
const IN_FLIGHT: usize = 5;

fn records(n: usize) -> Vec<SinkRecord> {
    let schema = SchemaBuilder::struct_()
        .field("id", Schema::int64())
        .field("name", Schema::string())
        .field("amount", Schema::float64())
        .field("active", Schema::boolean())
        .build();
    (0..n)
        .map(|i| {
            let value = Struct::new(schema.clone())
                .and_then(|s| s.with("id", i as i64))
                .and_then(|s| s.with("name", format!("customer-{i}")))
                .and_then(|s| s.with("amount", Value::Float64(i as f64 * 1.5)))
                .and_then(|s| s.with("active", i % 2 == 0))
                .expect("struct");
            SinkRecord {
                record: Record {
                    topic: "bench".into(),
                    kafka_partition: Some(0),
                    key_schema: Some(Schema::int64()),
                    key: Value::Int64(i as i64),
                    value_schema: Some(schema.clone()),
                    value: Value::Struct(value),
                    ..Record::default()
                },
                kafka_offset: i as i64,
                ..SinkRecord::default()
            }
        })
        .collect()
}

async fn through_the_task(url: &str, records: Vec<SinkRecord>) -> f64 {
    let mut task = ElasticsearchSinkTask::new();
    let props = [
        ("connection.url", url),
        ("topics", "bench"),
        ("batch.size", "2000"),
        ("max.in.flight.requests", "5"),
        // osmem answers a 2,000-document request in seconds when 5 are queued: the
        // default 3 s read timeout would retry requests the raw client waits for.
        ("read.timeout.ms", "60000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    task.start(SinkTaskContext::default(), props)
        .await
        .expect("start");
    let n = records.len();
    let started = Instant::now();
    // As the runtime delivers them: polls of 500 records.
    let mut records = records.into_iter();
    loop {
        let chunk: Vec<SinkRecord> = records.by_ref().take(500).collect();
        if chunk.is_empty() {
            break;
        }
        task.put(chunk).await.expect("put");
    }
    task.flush(&HashMap::new()).await.expect("flush");
    n as f64 / started.elapsed().as_secs_f64()
}

async fn raw_baseline(url: &str, n: usize) -> f64 {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let bodies = (0..n).step_by(BATCH_SIZE).map(|start| {
        let mut body = String::new();
        for i in start..(start + BATCH_SIZE).min(n) {
            body.push_str(&format!(
                "{{\"index\":{{\"_index\":\"raw\",\"_id\":\"{i}\",\"version\":{i},\"version_type\":\"external\"}}}}\n"
            ));
            body.push_str(&serde_json::json!({"id": i, "name": format!("customer-{i}"), "amount": i as f64 * 1.5, "active": i % 2 == 0}).to_string());
            body.push('\n');
        }
        body
    });
    let statuses: Vec<u16> = stream::iter(bodies)
        .map(|body| {
            let client = client.clone();
            async move {
                let resp = client
                    .post(format!("{url}/_bulk"))
                    .header("content-type", "application/x-ndjson")
                    .body(body)
                    .send()
                    .await
                    .expect("bulk");
                let status = resp.status().as_u16();
                let _ = resp.bytes().await;
                status
            }
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    n as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let n: usize = std::env::var("RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let input = records(n);
    // A fresh server for each run: osmem slows down as it fills.
    let server = SearchServer::start();
    let raw = rt.block_on(raw_baseline(&server.url, n));
    assert_eq!(server.count("raw") as usize, n);
    drop(server);
    let server = SearchServer::start();
    let sink = rt.block_on(through_the_task(&server.url, input));
    assert_eq!(server.count("bench") as usize, n, "every record landed");
    println!("records: {n}, batch.size {BATCH_SIZE}, {IN_FLIGHT} requests in flight, osmem-server");
    println!("raw reqwest _bulk:  {raw:>10.0} records/s");
    println!("sink task:          {sink:>10.0} records/s");
    println!("ratio sink/raw:     {:>10.2}", sink / raw);
}
