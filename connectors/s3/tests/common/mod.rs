//! Shared helpers of the S3 sink's integration tests: a real s3s-fs server with a
//! bucket, connector props pointing at it, records, and a task driven as the runtime
//! drives it (start, open, put, pre_commit).

#![allow(dead_code)]

use std::collections::HashMap;

use connect_api::{
    Props, Record, Schema, SchemaBuilder, SchemaRef, SinkRecord, SinkTask, SinkTaskContext, Struct,
    TopicPartition, Value,
};
use connect_s3::S3SinkTask;
use testkit::s3::{ACCESS_KEY, REGION, SECRET_KEY};
use testkit::S3Server;

pub const BUCKET: &str = "sink-bucket";
pub const TOPIC: &str = "orders";

/// A fresh server with [`BUCKET`].
pub fn server() -> S3Server {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    server
}

/// Props for `server`'s bucket with the test credentials, plus `pairs`.
pub fn props(server: &S3Server, pairs: &[(&str, &str)]) -> Props {
    let mut p = Props::new();
    for (k, v) in [
        ("connector.class", "io.confluent.connect.s3.S3SinkConnector"),
        ("topics", TOPIC),
        ("s3.bucket.name", BUCKET),
        ("s3.region", REGION),
        ("aws.access.key.id", ACCESS_KEY),
        ("aws.secret.access.key", SECRET_KEY),
        (
            "format.class",
            "io.confluent.connect.s3.format.json.JsonFormat",
        ),
        ("flush.size", "3"),
        ("s3.retry.backoff.ms", "20"),
    ] {
        p.insert(k.into(), v.into());
    }
    p.insert("store.url".into(), server.endpoint());
    for (k, v) in pairs {
        p.insert(k.to_string(), v.to_string());
    }
    p
}

pub fn order_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .name("com.example.Order")
        .field("id", Schema::int64())
        .field("region", Schema::string())
        .field("amount", Schema::float64())
        .field("note", Schema::optional_string())
        .build()
}

pub fn order(id: i64) -> Struct {
    let region = ["eu", "us", "ap"][(id % 3) as usize];
    Struct::new(order_schema())
        .and_then(|s| s.with("id", id))
        .and_then(|s| s.with("region", region))
        .and_then(|s| s.with("amount", Value::Float64(id as f64 * 1.5)))
        .expect("order")
}

/// A record of [`TOPIC`] at `partition`/`offset` with a schema'd value.
pub fn record(
    partition: i32,
    offset: i64,
    schema: Option<SchemaRef>,
    value: Value,
    ts: Option<i64>,
) -> SinkRecord {
    SinkRecord {
        record: Record {
            topic: TOPIC.into(),
            kafka_partition: Some(partition),
            value_schema: schema,
            value,
            timestamp: ts,
            ..Record::default()
        },
        kafka_offset: offset,
        original_topic: TOPIC.into(),
        original_kafka_partition: partition,
        original_kafka_offset: offset,
        ..SinkRecord::default()
    }
}

pub fn order_record(partition: i32, offset: i64) -> SinkRecord {
    record(
        partition,
        offset,
        Some(order_schema()),
        Value::Struct(order(offset)),
        Some(1_700_000_000_000 + offset),
    )
}

pub fn tps(partitions: &[i32]) -> Vec<TopicPartition> {
    partitions
        .iter()
        .map(|p| TopicPartition::new(TOPIC, *p))
        .collect()
}

/// A started task with `partitions` opened.
pub async fn task(props: Props, partitions: &[i32]) -> S3SinkTask {
    let mut task = S3SinkTask::new();
    let assignment = tps(partitions);
    task.start(
        SinkTaskContext {
            assignment: assignment.clone(),
            errant_record_reporter: None,
        },
        props,
    )
    .await
    .expect("start");
    task.open(&assignment).await.expect("open");
    task
}

/// What pre_commit says is safe to commit, by partition.
pub async fn committable(task: &mut S3SinkTask, partitions: &[i32]) -> HashMap<i32, i64> {
    let consumed: HashMap<TopicPartition, i64> = tps(partitions)
        .into_iter()
        .map(|tp| (tp, i64::MAX))
        .collect();
    task.pre_commit(&consumed)
        .await
        .expect("pre_commit")
        .into_iter()
        .map(|(tp, o)| (tp.partition, o))
        .collect()
}

/// The lines of a JSON object.
pub fn lines(server: &S3Server, key: &str) -> Vec<String> {
    String::from_utf8(server.read(BUCKET, key))
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect()
}
