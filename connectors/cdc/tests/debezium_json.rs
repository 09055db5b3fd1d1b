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

mod common;

use common::*;
use connect_api::{Props, SourceTask};
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
        snapshot_enum_field(),
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
    add_transaction_block(&mut schema);
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
    expected_event(
        expected_schema(),
        actual,
        &source,
        &order,
        op,
        before,
        after,
    )
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
    let props: Props = props_for(
        &[
            ("database.hostname", "127.0.0.1"),
            ("database.user", USER),
            ("database.password", PASSWORD),
            ("database.dbname", "test"),
            ("topic.prefix", "PostgreSQL_server"),
            ("table.include.list", "inventory.customers"),
            ("poll.interval.ms", "100"),
        ],
        pg.port,
        &[],
    );
    let mut task = PostgresSourceTask::new();
    // No stored offsets: a first start.
    task.start(Offsets::default().context(), props)
        .await
        .expect("start");
    let read = poll_n(&mut task, 1).await;
    pg.psql("INSERT INTO inventory.customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org')");
    pg.psql("UPDATE inventory.customers SET first_name = 'Anne Marie' WHERE id = 1");
    pg.psql("DELETE FROM inventory.customers WHERE id = 1");
    let changes = poll_n(&mut task, 4).await; // c, u, d, tombstone
    task.stop().await.unwrap();

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
    assert_documented_values(cases.into(), expected);
    // The key, as the documentation's key example with real JSON types.
    let key_conv = json_converter(true);
    assert_eq!(
        render(key_conv.as_ref(), &changes[1], true),
        r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"PostgreSQL_server.inventory.customers.Key"},"payload":{"id":1}}"#
    );
    assert!(
        changes[3].record.value.is_null(),
        "tombstone after the delete"
    );
}
