//! What the CDC integration tests share: the runtime's part (an in-memory offset
//! store, polling), reading Debezium events, and the JSON comparison with Debezium's
//! documented events. The servers come from testkit.

// Each test crate compiles this module and uses a part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connect_api::{
    Connector, OffsetReader, Props, SourceOffset, SourcePartition, SourceRecord, SourceTask,
    SourceTaskContext, Struct, Value,
};
use serde_json::{json, Value as Json};

/// The runtime's offset store, in memory.
#[derive(Clone, Default)]
pub struct Offsets(Arc<Mutex<HashMap<String, SourceOffset>>>);

impl OffsetReader for Offsets {
    fn offset(&self, partition: &SourcePartition) -> Option<SourceOffset> {
        let key = serde_json::Value::Object(partition.clone()).to_string();
        self.0.lock().unwrap().get(&key).cloned()
    }
}

impl Offsets {
    pub fn context(&self) -> SourceTaskContext {
        SourceTaskContext {
            offsets: Arc::new(self.clone()),
        }
    }

    /// Stores the last record's offset, as the runtime does once records are
    /// acknowledged.
    pub fn store(&self, records: &[SourceRecord]) {
        if let Some(last) = records.last() {
            let key = serde_json::Value::Object(last.source_partition.clone()).to_string();
            self.0
                .lock()
                .unwrap()
                .insert(key, last.source_offset.clone());
        }
    }

    /// All the runtime does once records are acknowledged: commit_record each, store
    /// the last offset, then commit().
    pub async fn settle(&self, task: &mut dyn SourceTask, records: &[SourceRecord]) {
        for r in records {
            task.commit_record(r, None).await.unwrap();
        }
        self.store(records);
        task.commit().await.unwrap();
    }
}

/// Connector properties: `base`, the server's port, then `extra` over them.
pub fn props_for(base: &[(&str, &str)], port: u16, extra: &[(&str, &str)]) -> Props {
    let mut p: Props = base
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    p.insert("database.port".into(), port.to_string());
    for (k, v) in extra {
        p.insert(k.to_string(), v.to_string());
    }
    p
}

/// Polls until `n` records came (30 s at most) and expects exactly `n`.
pub async fn poll_n(task: &mut dyn SourceTask, n: usize) -> Vec<SourceRecord> {
    let end = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < end {
        out.extend(task.poll().await.expect("poll"));
    }
    assert_eq!(out.len(), n, "records: {:#?}", summary(&out));
    out
}

/// Polls for a while and expects nothing more.
pub async fn poll_nothing(task: &mut dyn SourceTask) {
    for _ in 0..3 {
        let more = task.poll().await.expect("poll");
        assert!(more.is_empty(), "unexpected: {:?}", summary(&more));
    }
}

/// The one validation error `config` gets: (key, message).
pub fn error_key(connector: &dyn Connector, config: &Props) -> (String, String) {
    let infos = connector.validate(config);
    let errors = infos.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].clone()
}

/// Validation fails on `key` alone; returns the message.
pub fn expect_error_on(connector: &dyn Connector, config: &Props, key: &str) -> String {
    let (got, msg) = error_key(connector, config);
    assert_eq!(got, key, "{msg}");
    msg
}

/// The validation errors both connectors report alike: a wrong password, an
/// include list that matches no table (`no_table`), and no server at the port.
/// `props(extra)` is the test's connector config with `extra` over it.
pub fn assert_common_validation_errors(
    connector: &dyn Connector,
    props: impl Fn(&[(&str, &str)]) -> Props,
    no_table: &str,
) {
    expect_error_on(
        connector,
        &props(&[("database.password", "wrong")]),
        "database.password",
    );
    expect_error_on(
        connector,
        &props(&[("table.include.list", no_table)]),
        "table.include.list",
    );
    let closed = testkit::free_port().to_string();
    expect_error_on(
        connector,
        &props(&[("database.port", closed.as_str())]),
        "database.hostname",
    );
}

pub fn value(r: &SourceRecord) -> Option<&Struct> {
    r.record.value.as_struct()
}

/// The event's `op`, or "tombstone".
pub fn op(r: &SourceRecord) -> String {
    match value(r) {
        None => "tombstone".into(),
        Some(v) => v
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
    }
}

/// `before` or `after`.
pub fn image<'a>(r: &'a SourceRecord, which: &str) -> Option<&'a Struct> {
    value(r)?.get(which)?.as_struct()
}

pub fn field(s: Option<&Struct>, name: &str) -> Value {
    s.and_then(|s| s.get(name)).cloned().unwrap_or(Value::Null)
}

/// A field of the `source` block.
pub fn source(r: &SourceRecord, name: &str) -> Value {
    field(
        value(r)
            .and_then(|v| v.get("source"))
            .and_then(Value::as_struct),
        name,
    )
}

pub fn summary(records: &[SourceRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{} {} key={:?}", r.record.topic, op(r), r.record.key))
        .collect()
}

/// The INT32 `id` of the key.
pub fn id_of(r: &SourceRecord) -> i32 {
    match field(r.record.key.as_struct(), "id") {
        Value::Int32(i) => i,
        other => panic!("key id {other:?}"),
    }
}

/// (op, key id) of each record.
pub fn got_after(records: &[SourceRecord]) -> Vec<(String, i32)> {
    records.iter().map(|r| (op(r), id_of(r))).collect()
}

/// The connector validates `config` without an error, starts, and runs one task.
pub async fn start_connector(connector: &mut dyn Connector, config: &Props) {
    let infos = connector.validate(config);
    assert!(infos.errors().is_empty(), "{:?}", infos.errors());
    connector
        .start(connect_api::ConnectorContext::new(), config.clone())
        .await
        .expect("connector start");
    assert_eq!(
        connector.task_configs(4).await.unwrap().len(),
        1,
        "single task"
    );
}

/// The snapshot of the scenario both database tests share: customers ann, bob
/// (no email) and cy, then orders 1 and 2, in `namespace` (schema or database) of
/// server `srv`: every row once, op r, the last one marked "last".
pub fn assert_scenario_snapshot(snap: &[SourceRecord], namespace: &str) {
    assert!(snap.iter().all(|r| op(r) == "r"), "{:?}", summary(snap));
    let topics: Vec<&str> = snap.iter().map(|r| r.record.topic.as_str()).collect();
    let customers = format!("srv.{namespace}.customers");
    let orders = format!("srv.{namespace}.orders");
    assert_eq!(
        topics,
        [&customers, &customers, &customers, &orders, &orders]
    );
    let markers: Vec<Value> = snap.iter().map(|r| source(r, "snapshot")).collect();
    assert_eq!(markers[..4], vec![Value::from("true"); 4][..]);
    assert_eq!(markers[4], Value::from("last"));
    assert_eq!(
        snap[0]
            .record
            .key_schema
            .as_ref()
            .and_then(|s| s.name.clone()),
        Some(format!("{customers}.Key"))
    );
    assert_eq!(field(image(&snap[1], "after"), "name"), Value::from("bob"));
    assert_eq!(field(image(&snap[1], "after"), "email"), Value::Null);
}

// ---- Comparison with Debezium's documented JSON events ----

/// Debezium 2.x's source `snapshot` field (an Enum string), where the 1.x
/// documentation shows a boolean.
pub fn snapshot_enum_field() -> Json {
    json!({ "type": "string", "optional": true, "name": "io.debezium.data.Enum", "version": 1,
        "parameters": { "allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental" },
        "default": "false", "field": "snapshot" })
}

/// Corrects a documented envelope schema to Debezium 2.x's code: the `transaction`
/// block after `source` and `"version": 2`.
pub fn add_transaction_block(schema: &mut Json) {
    schema["fields"].as_array_mut().unwrap().insert(
        3,
        json!({
            "type": "struct",
            "fields": [
                { "type": "string", "optional": false, "field": "id" },
                { "type": "int64", "optional": false, "field": "total_order" },
                { "type": "int64", "optional": false, "field": "data_collection_order" }
            ],
            "optional": true, "name": "event.block", "version": 1, "field": "transaction"
        }),
    );
    schema
        .as_object_mut()
        .unwrap()
        .insert("version".into(), json!(2));
}

/// The expected event JSON: `schema`, and a payload with `source`'s fields in
/// `order` and the envelope's timestamps copied from the event under test (`actual`).
pub fn expected_event(
    schema: Json,
    actual: &Json,
    source: &Json,
    order: &[&str],
    op: &str,
    before: Json,
    after: Json,
) -> String {
    let got = &actual["payload"];
    let source: serde_json::Map<String, Json> = order
        .iter()
        .map(|k| (k.to_string(), source[*k].clone()))
        .collect();
    let payload = json!({
        "before": before,
        "after": after,
        "source": source,
        "transaction": null,
        "op": op,
        "ts_ms": got["ts_ms"],
        "ts_us": got["ts_us"],
        "ts_ns": got["ts_ns"],
    });
    serde_json::to_string(&json!({ "schema": schema, "payload": payload })).unwrap()
}

/// A JsonConverter for keys or values (schemas.enable=true, its default for keys
/// here as in the documentation's examples).
pub fn json_converter(key: bool) -> Box<dyn converters::Converter> {
    let mut conv =
        converters::new_converter("org.apache.kafka.connect.json.JsonConverter").unwrap();
    let props = if key {
        Props::new()
    } else {
        Props::from([("schemas.enable".to_string(), "true".to_string())])
    };
    conv.configure(&props, key).unwrap();
    conv
}

/// The record's key or value as the converter writes it.
pub fn render(conv: &dyn converters::Converter, record: &SourceRecord, key: bool) -> String {
    let (schema, value) = if key {
        (record.record.key_schema.as_ref(), &record.record.key)
    } else {
        (record.record.value_schema.as_ref(), &record.record.value)
    };
    let bytes = conv
        .from_connect_data(&record.record.topic, schema, value)
        .expect("convert")
        .expect("not null");
    String::from_utf8(bytes).expect("utf-8")
}

/// One documented case: the record, its op, and the expected before, after and
/// source.snapshot.
pub type DocCase<'a> = (&'a SourceRecord, &'a str, Json, Json, Json);

/// Each case's value, rendered with a JsonConverter, equals byte for byte what
/// `expected(actual, op, before, after, snapshot)` builds from the documentation.
pub fn assert_documented_values(
    cases: Vec<DocCase<'_>>,
    expected: impl Fn(&Json, &str, Json, Json, Json) -> String,
) {
    let conv = json_converter(false);
    for (record, op, before, after, snapshot) in cases {
        let actual = render(conv.as_ref(), record, false);
        let parsed: Json = serde_json::from_str(&actual).unwrap();
        assert_eq!(
            actual,
            expected(&parsed, op, before, after, snapshot),
            "op {op}"
        );
    }
}
