//! The Elasticsearch sink task against a real OpenSearch-compatible server (osmem,
//! started per test by testkit): keyed replays never duplicate or roll back documents,
//! key.ignore ids, upserts merge, tombstones delete, malformed documents go to the
//! errant record reporter while the rest land, and validation names the key to fix.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use connect_api::{
    ConnectError, Connector, ErrantRecordReporter, Props, Record, ReportFuture, Schema, SinkRecord,
    SinkTask, SinkTaskContext, Value,
};
use connect_elasticsearch::{ElasticsearchSinkConnector, ElasticsearchSinkTask};
use serde_json::json;
use testkit::{free_port, SearchServer};

fn props(server_url: &str, pairs: &[(&str, &str)]) -> Props {
    let mut p: Props = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    p.insert("connection.url".into(), server_url.into());
    p.insert("topics".into(), "orders".into());
    p
}

/// A schemaless (JsonConverter schemas.enable=false) record with a string key.
fn record(topic: &str, offset: i64, key: Option<&str>, value: serde_json::Value) -> SinkRecord {
    SinkRecord {
        record: Record {
            topic: topic.into(),
            kafka_partition: Some(0),
            key_schema: key.map(|_| Schema::optional_string()),
            key: key.map(Value::from).unwrap_or(Value::Null),
            value: json_to_value(&value),
            ..Record::default()
        },
        kafka_offset: offset,
        original_topic: topic.into(),
        original_kafka_offset: offset,
        ..SinkRecord::default()
    }
}

fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int64(i),
            None => Value::Float64(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(json_to_value).collect()),
        serde_json::Value::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (Value::String(k.clone()), json_to_value(v)))
                .collect(),
        ),
    }
}

/// Collects reported records: (offset, error message).
#[derive(Default)]
struct Collecting(Mutex<Vec<(i64, String)>>);

impl ErrantRecordReporter for Collecting {
    fn report(&self, record: &SinkRecord, error: &ConnectError) -> ReportFuture {
        if let Ok(mut v) = self.0.lock() {
            v.push((record.kafka_offset, error.to_string()));
        }
        Box::pin(async { Ok(()) })
    }
}

impl Collecting {
    fn reported(&self) -> Vec<(i64, String)> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

async fn started(props: Props, reporter: Option<Arc<Collecting>>) -> ElasticsearchSinkTask {
    let mut task = ElasticsearchSinkTask::new();
    let context = SinkTaskContext {
        errant_record_reporter: reporter.map(|r| r as Arc<dyn ErrantRecordReporter>),
        ..SinkTaskContext::default()
    };
    task.start(context, props).await.expect("start");
    task
}

async fn put_and_flush(task: &mut ElasticsearchSinkTask, records: Vec<SinkRecord>) {
    task.put(records).await.expect("put");
    task.flush(&HashMap::new()).await.expect("flush");
}

/// Record at offset o has key o % 200: 400 records, 200 documents, each last written
/// at offset 200 + key.
fn keyed(range: std::ops::Range<i64>, tag: &str) -> Vec<SinkRecord> {
    range
        .map(|o| {
            let key = format!("k{}", o % 200);
            record(
                "orders",
                o,
                Some(&key),
                json!({"key": key, "offset": o, "tag": tag}),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_replays_never_duplicate_or_roll_back() {
    let server = SearchServer::start();
    // Small batches and several in flight, so replays race across requests too.
    let mut task = started(
        props(
            &server.url,
            &[
                ("batch.size", "50"),
                ("max.in.flight.requests", "4"),
                ("linger.ms", "100000"),
            ],
        ),
        None,
    )
    .await;
    put_and_flush(&mut task, keyed(0..400, "first")).await;
    assert_eq!(server.count("orders"), 200);
    let (doc, version) = server.get("orders", "k7").expect("k7");
    assert_eq!((doc["offset"].clone(), version), (json!(207), 207));

    // The whole topic again (a restart from offset 0), then only the older half with
    // different content: version conflicts, not errors, and nothing changes.
    put_and_flush(&mut task, keyed(0..400, "first")).await;
    put_and_flush(&mut task, keyed(0..200, "stale")).await;
    assert_eq!(server.count("orders"), 200);
    let docs = server.all("orders", 1000);
    assert_eq!(docs.len(), 200);
    for (id, doc) in &docs {
        let k: i64 = id.trim_start_matches('k').parse().expect("id");
        assert_eq!(doc["offset"], json!(200 + k), "{id}: {doc}");
        assert_eq!(doc["tag"], json!("first"), "{id}: {doc}");
    }
    // A newer offset wins.
    put_and_flush(
        &mut task,
        vec![record(
            "orders",
            400,
            Some("k7"),
            json!({"offset": 400, "tag": "new"}),
        )],
    )
    .await;
    assert_eq!(
        server.get("orders", "k7").map(|d| d.0["tag"].clone()),
        Some(json!("new"))
    );
    task.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_ignore_ids_are_topic_partition_offset() {
    let server = SearchServer::start();
    let mut task = started(props(&server.url, &[("key.ignore", "true")]), None).await;
    let records: Vec<SinkRecord> = (0..30)
        .map(|o| record("Orders", o, None, json!({"n": o})))
        .collect();
    put_and_flush(&mut task, records.clone()).await;
    put_and_flush(&mut task, records).await;
    // Index = topic lower-cased; a replay rewrites the same ids.
    assert_eq!(server.count("orders"), 30);
    assert_eq!(
        server.get("orders", "Orders+0+17").map(|d| d.0),
        Some(json!({"n": 17}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upserts_merge_into_the_document() {
    let server = SearchServer::start();
    let mut task = started(props(&server.url, &[("write.method", "upsert")]), None).await;
    put_and_flush(
        &mut task,
        vec![
            record("orders", 0, Some("a"), json!({"x": 1, "y": 1})),
            record("orders", 1, Some("a"), json!({"y": 2})),
            record("orders", 2, Some("b"), json!({"z": 3})),
        ],
    )
    .await;
    assert_eq!(
        server.get("orders", "a").map(|d| d.0),
        Some(json!({"x": 1, "y": 2}))
    );
    assert_eq!(
        server.get("orders", "b").map(|d| d.0),
        Some(json!({"z": 3}))
    );
    assert_eq!(server.count("orders"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tombstones_delete_and_stay_deleted_under_replay() {
    let server = SearchServer::start();
    let reporter = Arc::new(Collecting::default());
    let mut task = started(
        props(&server.url, &[("behavior.on.null.values", "delete")]),
        Some(reporter.clone()),
    )
    .await;
    let inserts: Vec<SinkRecord> = (0..10)
        .map(|o| record("orders", o, Some(&format!("k{o}")), json!({"n": o})))
        .collect();
    put_and_flush(&mut task, inserts.clone()).await;
    assert_eq!(server.count("orders"), 10);
    put_and_flush(
        &mut task,
        vec![
            record("orders", 10, Some("k3"), serde_json::Value::Null),
            record("orders", 11, None, serde_json::Value::Null),
        ],
    )
    .await;
    assert_eq!(server.count("orders"), 9);
    assert!(server.get("orders", "k3").is_none());
    // Replaying the older insert must not resurrect the deleted document.
    put_and_flush(&mut task, inserts).await;
    assert!(
        server.get("orders", "k3").is_none(),
        "a replay resurrected k3"
    );
    assert_eq!(server.count("orders"), 9);
    assert!(reporter.reported().is_empty(), "{:?}", reporter.reported());

    // behavior.on.null.values=fail (the default) fails the put naming the key.
    let mut strict = started(props(&server.url, &[]), None).await;
    let err = strict
        .put(vec![record(
            "orders",
            12,
            Some("k4"),
            serde_json::Value::Null,
        )])
        .await
        .err()
        .map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("behavior.on.null.values")),
        "{err:?}"
    );
}

fn mixed() -> Vec<SinkRecord> {
    vec![
        record("orders", 0, Some("a"), json!({"n": 1})),
        record("orders", 1, Some("b"), json!({"n": {"nested": 1}})),
        record("orders", 2, Some("c"), json!({"n": "not a number"})),
        record("orders", 3, Some("d"), json!({"n": 2})),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_documents_go_to_the_reporter_and_the_rest_land() {
    let server = SearchServer::start();
    let reporter = Arc::new(Collecting::default());
    let mut task = started(
        props(&server.url, &[("behavior.on.malformed.documents", "warn")]),
        Some(reporter.clone()),
    )
    .await;
    // The first document maps "n" as a number; the next two cannot be indexed.
    put_and_flush(&mut task, mixed()[..1].to_vec()).await;
    put_and_flush(&mut task, mixed()[1..].to_vec()).await;
    assert_eq!(server.count("orders"), 2);
    let reported = reporter.reported();
    let offsets: Vec<i64> = reported.iter().map(|r| r.0).collect();
    assert_eq!(offsets, vec![1, 2], "{reported:?}");
    assert!(
        reported[0].1.contains("mapper_parsing_exception"),
        "{reported:?}"
    );

    // behavior.on.malformed.documents=fail (the default): reported, then the flush
    // fails with the server's own message.
    let reporter = Arc::new(Collecting::default());
    let mut strict = started(props(&server.url, &[]), Some(reporter.clone())).await;
    strict.put(mixed()).await.expect("put buffers");
    let err = strict
        .flush(&HashMap::new())
        .await
        .err()
        .map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("mapper_parsing_exception")
                && e.contains("behavior.on.malformed.documents")),
        "{err:?}"
    );
    assert_eq!(reporter.reported().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_host_fails_over_to_the_next() {
    let server = SearchServer::start();
    let dead = format!("http://127.0.0.1:{}", free_port());
    let urls = format!("{dead},{}", server.url);
    let mut task = started(
        props(
            &urls,
            &[
                ("retry.backoff.ms", "10"),
                ("batch.size", "10"),
                ("key.ignore", "true"),
            ],
        ),
        None,
    )
    .await;
    let records: Vec<SinkRecord> = (0..100)
        .map(|o| record("orders", o, None, json!({"n": o})))
        .collect();
    put_and_flush(&mut task, records).await;
    assert_eq!(server.count("orders"), 100);

    // Only dead hosts: the task fails once the retries run out, saying why.
    let mut p = props(&dead, &[("max.retries", "2"), ("retry.backoff.ms", "10")]);
    let mut task = ElasticsearchSinkTask::new();
    let err = task
        .start(SinkTaskContext::default(), p.clone())
        .await
        .err();
    assert!(
        matches!(err, Some(ConnectError::Config { ref key, .. }) if key == "connection.url"),
        "{err:?}"
    );
    p.insert("connection.url".into(), dead);
    let infos = ElasticsearchSinkConnector::new().validate(&p);
    assert_eq!(infos.errors().len(), 1, "{:?}", infos.errors());
}

#[test]
fn validate_names_the_key_to_fix() {
    let server = SearchServer::start();
    let connector = ElasticsearchSinkConnector::new();
    let ok = connector.validate(&props(&server.url, &[]));
    assert!(ok.errors().is_empty(), "{:?}", ok.errors());

    let dead = connector.validate(&props(&format!("http://127.0.0.1:{}", free_port()), &[]));
    let errors = dead.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let text = format!("{errors:?}");
    assert!(
        text.contains("connection.url") && text.contains("Could not connect"),
        "{text}"
    );

    let bad = connector.validate(&props(&server.url, &[("write.method", "sideways")]));
    assert!(format!("{:?}", bad.errors()).contains("write.method"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn struct_records_create_the_index_mapping_from_their_schema() {
    use connect_api::data::logical;
    use connect_api::{SchemaBuilder, Struct};

    let server = SearchServer::start();
    let mut task = started(props(&server.url, &[]), None).await;
    let schema = SchemaBuilder::struct_()
        .field("id", Schema::int64())
        .field("name", Schema::string())
        .field("price", logical::decimal_schema(2).build())
        .build();
    let price: bigdecimal::BigDecimal = "12.50".parse().expect("decimal");
    let value = Struct::new(schema.clone())
        .and_then(|s| s.with("id", 1i64))
        .and_then(|s| s.with("name", "widget"))
        .and_then(|s| s.with("price", Value::Decimal(price)))
        .expect("struct");
    let mut r = record("orders", 0, Some("1"), serde_json::Value::Null);
    r.record.value_schema = Some(schema);
    r.record.value = Value::Struct(value);
    put_and_flush(&mut task, vec![r]).await;

    let (status, body) = server
        .request("GET", "/orders/_mapping", None)
        .expect("mapping");
    assert_eq!(status, 200, "{body}");
    let mapping: serde_json::Value = serde_json::from_str(&body).expect("json");
    let properties = &mapping["orders"]["mappings"]["properties"];
    assert_eq!(properties["id"]["type"], json!("long"), "{mapping}");
    assert_eq!(properties["price"]["type"], json!("double"), "{mapping}");
    assert_eq!(properties["name"]["type"], json!("text"), "{mapping}");
    assert_eq!(
        properties["name"]["fields"]["keyword"]["type"],
        json!("keyword")
    );
    assert_eq!(
        server.get("orders", "1").map(|d| d.0),
        Some(json!({"id": 1, "name": "widget", "price": 12.5}))
    );
}
