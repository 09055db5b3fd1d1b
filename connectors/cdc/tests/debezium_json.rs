//! Byte-level comparison with Debezium: one event per op (r, c, u, d) of the
//! `customers` table of Debezium's PostgreSQL documentation ("Data change events"),
//! captured from a real PostgreSQL and rendered with our JsonConverter
//! (schemas.enable=true), must equal, byte for byte, the JSON of the documentation's
//! example with only these adjustments:
//!
//! What varies between runs (copied from the event under test):
//! * `ts_ms` / `ts_us` / `ts_ns` (envelope and source), `source.lsn`, `source.txId`,
//!   `source.sequence` and `source.version`;
//! * `source.db`: our test server's database is `test`, not `postgres`.
//!
//! Where the documentation's example disagrees with Debezium's code (SchemaFactory,
//! Envelope, PostgresSourceInfoStructMaker) we follow the code:
//! * the envelope schema has `"version": 2` and an optional `transaction` block
//!   (`event.block`) after `source`;
//! * the source schema has `"version": 1`, `snapshot` is an `io.debezium.data.Enum`
//!   string (default "false"), `sequence` is in the schema, `ts_us`/`ts_ns` are
//!   optional and come after `sequence`;
//! * `source.schema` is `inventory` (the example's schema names say `inventory`, its
//!   payload `public`); `xmin` is left out of the payload when null, as
//!   JsonConverter writes every field anyway (`null`).
//! * update and delete use REPLICA IDENTITY FULL, so `before` is the whole row (the
//!   example shows `{"id": 1}`, which pgoutput never sends for an update).

use std::sync::Arc;
use std::time::{Duration, Instant};

use connect_api::{
    OffsetReader, Props, SourceOffset, SourcePartition, SourceRecord, SourceTask, SourceTaskContext,
};
use connect_cdc::postgres::PostgresSourceTask;
use serde_json::{json, Value as Json};
use testkit::database::{PASSWORD, USER};
use testkit::Postgres;

/// The create event value of Debezium's documentation, verbatim.
const DOCS_CREATE: &str = r#"{
    "schema": {
        "type": "struct",
        "fields": [
            {
                "type": "struct",
                "fields": [
                    { "type": "int32", "optional": false, "field": "id" },
                    { "type": "string", "optional": false, "field": "first_name" },
                    { "type": "string", "optional": false, "field": "last_name" },
                    { "type": "string", "optional": false, "field": "email" }
                ],
                "optional": true,
                "name": "PostgreSQL_server.inventory.customers.Value",
                "field": "before"
            },
            {
                "type": "struct",
                "fields": [
                    { "type": "int32", "optional": false, "field": "id" },
                    { "type": "string", "optional": false, "field": "first_name" },
                    { "type": "string", "optional": false, "field": "last_name" },
                    { "type": "string", "optional": false, "field": "email" }
                ],
                "optional": true,
                "name": "PostgreSQL_server.inventory.customers.Value",
                "field": "after"
            },
            {
                "type": "struct",
                "fields": [
                    { "type": "string", "optional": false, "field": "version" },
                    { "type": "string", "optional": false, "field": "connector" },
                    { "type": "string", "optional": false, "field": "name" },
                    { "type": "int64", "optional": false, "field": "ts_ms" },
                    { "type": "int64", "optional": false, "field": "ts_us" },
                    { "type": "int64", "optional": false, "field": "ts_ns" },
                    { "type": "boolean", "optional": true, "default": false, "field": "snapshot" },
                    { "type": "string", "optional": false, "field": "db" },
                    { "type": "string", "optional": false, "field": "schema" },
                    { "type": "string", "optional": false, "field": "table" },
                    { "type": "int64", "optional": true, "field": "txId" },
                    { "type": "int64", "optional": true, "field": "lsn" },
                    { "type": "int64", "optional": true, "field": "xmin" }
                ],
                "optional": false,
                "name": "io.debezium.connector.postgresql.Source",
                "field": "source"
            },
            { "type": "string", "optional": false, "field": "op" },
            { "type": "int64", "optional": true, "field": "ts_ms" },
            { "type": "int64", "optional": true, "field": "ts_us" },
            { "type": "int64", "optional": true, "field": "ts_ns" }
        ],
        "optional": false,
        "name": "PostgreSQL_server.inventory.customers.Envelope"
    },
    "payload": {
        "before": null,
        "after": {
            "id": 1,
            "first_name": "Anne",
            "last_name": "Kretchmar",
            "email": "annek@noanswer.org"
        },
        "source": {
            "version": "{debezium-version}",
            "connector": "postgresql",
            "name": "PostgreSQL_server",
            "ts_ms": 1559033904863,
            "ts_us": 1559033904863123,
            "ts_ns": 1559033904863123000,
            "snapshot": true,
            "db": "postgres",
            "sequence": "[\"24023119\",\"24023128\"]",
            "schema": "public",
            "table": "customers",
            "txId": 555,
            "lsn": 24023128,
            "xmin": null
        },
        "op": "c",
        "ts_ms": 1559033904863,
        "ts_us": 1559033904863841,
        "ts_ns": 1559033904863841257
    }
}"#;

/// The documentation's schema, corrected to Debezium's code (see the module docs).
fn expected_schema() -> Json {
    let docs: Json = serde_json::from_str(DOCS_CREATE).unwrap();
    let mut schema = docs["schema"].clone();
    let fields = schema["fields"].as_array_mut().unwrap();
    let source = &mut fields[2];
    source["fields"] = json!([
        { "type": "string", "optional": false, "field": "version" },
        { "type": "string", "optional": false, "field": "connector" },
        { "type": "string", "optional": false, "field": "name" },
        { "type": "int64", "optional": false, "field": "ts_ms" },
        { "type": "string", "optional": true, "name": "io.debezium.data.Enum", "version": 1,
          "parameters": { "allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental" },
          "default": "false", "field": "snapshot" },
        { "type": "string", "optional": false, "field": "db" },
        { "type": "string", "optional": true, "field": "sequence" },
        { "type": "int64", "optional": true, "field": "ts_us" },
        { "type": "int64", "optional": true, "field": "ts_ns" },
        { "type": "string", "optional": false, "field": "schema" },
        { "type": "string", "optional": false, "field": "table" },
        { "type": "int64", "optional": true, "field": "txId" },
        { "type": "int64", "optional": true, "field": "lsn" },
        { "type": "int64", "optional": true, "field": "xmin" }
    ]);
    let mut s = source.as_object().unwrap().clone();
    s.shift_remove("field");
    s.insert("version".into(), json!(1));
    s.insert("field".into(), json!("source"));
    fields[2] = Json::Object(s);
    fields.insert(
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
    schema
}

fn expected(actual: &Json, op: &str, before: Json, after: Json, snapshot: Json) -> String {
    let docs: Json = serde_json::from_str(DOCS_CREATE).unwrap();
    let got = &actual["payload"];
    let mut source = docs["payload"]["source"].clone();
    // What varies between runs.
    for k in [
        "version", "ts_ms", "ts_us", "ts_ns", "txId", "lsn", "sequence",
    ] {
        source[k] = got["source"][k].clone();
    }
    source["db"] = json!("test");
    source["schema"] = json!("inventory");
    source["snapshot"] = snapshot;
    // Source fields in the schema's order.
    let order = [
        "version",
        "connector",
        "name",
        "ts_ms",
        "snapshot",
        "db",
        "sequence",
        "ts_us",
        "ts_ns",
        "schema",
        "table",
        "txId",
        "lsn",
        "xmin",
    ];
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
    serde_json::to_string(&json!({ "schema": expected_schema(), "payload": payload })).unwrap()
}

struct NoOffsets;

impl OffsetReader for NoOffsets {
    fn offset(&self, _: &SourcePartition) -> Option<SourceOffset> {
        None
    }
}

async fn poll_n(task: &mut PostgresSourceTask, n: usize) -> Vec<SourceRecord> {
    let end = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < end {
        out.extend(task.poll().await.expect("poll"));
    }
    assert_eq!(out.len(), n);
    out
}

fn render(conv: &dyn converters::Converter, record: &SourceRecord, key: bool) -> String {
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

#[tokio::test]
async fn events_match_debeziums_documented_json_byte_for_byte() {
    let pg = Postgres::start();
    pg.psql(
        "CREATE SCHEMA inventory; \
         CREATE TABLE inventory.customers (id SERIAL, first_name VARCHAR(255) NOT NULL, \
           last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL, PRIMARY KEY(id)); \
         ALTER TABLE inventory.customers REPLICA IDENTITY FULL; \
         INSERT INTO inventory.customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org')",
    );
    let mut props: Props = [
        ("database.hostname", "127.0.0.1"),
        ("database.user", USER),
        ("database.password", PASSWORD),
        ("database.dbname", "test"),
        ("topic.prefix", "PostgreSQL_server"),
        ("table.include.list", "inventory.customers"),
        ("poll.interval.ms", "100"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    props.insert("database.port".into(), pg.port.to_string());
    let mut task = PostgresSourceTask::new();
    let ctx = SourceTaskContext {
        offsets: Arc::new(NoOffsets),
    };
    task.start(ctx, props).await.expect("start");
    let read = poll_n(&mut task, 1).await;
    pg.psql("INSERT INTO inventory.customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org')");
    pg.psql("UPDATE inventory.customers SET first_name = 'Anne Marie' WHERE id = 1");
    pg.psql("DELETE FROM inventory.customers WHERE id = 1");
    let changes = poll_n(&mut task, 4).await; // c, u, d, tombstone
    task.stop().await.unwrap();

    let mut conv =
        converters::new_converter("org.apache.kafka.connect.json.JsonConverter").unwrap();
    conv.configure(
        &Props::from([("schemas.enable".to_string(), "true".to_string())]),
        false,
    )
    .unwrap();
    let anne = |id: i64, first: &str| json!({ "id": id, "first_name": first, "last_name": "Kretchmar", "email": "annek@noanswer.org" });
    let cases = [
        (&read[0], "r", Json::Null, anne(1, "Anne"), json!("last")),
        // Streaming leaves snapshot null; JsonConverter writes its default, as Kafka's
        // does (replace.null.with.default=true).
        (
            &changes[0],
            "c",
            Json::Null,
            anne(2, "Anne"),
            json!("false"),
        ),
        (
            &changes[1],
            "u",
            anne(1, "Anne"),
            anne(1, "Anne Marie"),
            json!("false"),
        ),
        (
            &changes[2],
            "d",
            anne(1, "Anne Marie"),
            Json::Null,
            json!("false"),
        ),
    ];
    for (record, op, before, after, snapshot) in cases {
        let actual = render(conv.as_ref(), record, false);
        let parsed: Json = serde_json::from_str(&actual).unwrap();
        assert_eq!(
            actual,
            expected(&parsed, op, before, after, snapshot),
            "op {op}"
        );
    }
    // The key, as the documentation's key example with real JSON types.
    let mut key_conv =
        converters::new_converter("org.apache.kafka.connect.json.JsonConverter").unwrap();
    key_conv.configure(&Props::new(), true).unwrap();
    assert_eq!(
        render(key_conv.as_ref(), &changes[1], true),
        r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"PostgreSQL_server.inventory.customers.Key"},"payload":{"id":1}}"#
    );
    assert!(
        changes[3].record.value.is_null(),
        "tombstone after the delete"
    );
}
