//! The PostgreSQL CDC task against a real PostgreSQL (testkit, wal_level=logical),
//! driven through the task API as the runtime drives it: a snapshot of existing rows
//! (op r), then inserts, updates and deletes (+ tombstones) in commit order with
//! Debezium's before/after images under REPLICA IDENTITY FULL and DEFAULT, an ALTER
//! TABLE picked up, validation errors naming the key, and a restart from a stored
//! offset that neither loses nor repeats changes.

mod common;

use std::time::{Duration, Instant};

use common::*;
use connect_api::{Props, SourceTask, Value};
use connect_cdc::postgres::{PostgresConnector, PostgresSourceTask};
use testkit::database::{PASSWORD, USER};
use testkit::Postgres;

fn props(pg: &Postgres, extra: &[(&str, &str)]) -> Props {
    let base = [
        (
            "connector.class",
            "io.debezium.connector.postgresql.PostgresConnector",
        ),
        ("database.hostname", "127.0.0.1"),
        ("database.user", USER),
        ("database.password", PASSWORD),
        ("database.dbname", "test"),
        ("topic.prefix", "srv"),
        ("poll.interval.ms", "100"),
        ("status.update.interval.ms", "200"),
    ];
    props_for(&base, pg.port, extra)
}

#[tokio::test]
async fn snapshot_then_changes_in_commit_order() {
    let pg = Postgres::start();
    pg.psql(
        "CREATE TABLE customers (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT); \
         ALTER TABLE customers REPLICA IDENTITY FULL; \
         CREATE TABLE orders (id INT PRIMARY KEY, amount NUMERIC(10,2) NOT NULL, note TEXT); \
         CREATE TABLE ignored (id INT PRIMARY KEY); \
         INSERT INTO customers (name, email) VALUES ('ann', 'a@x'), ('bob', NULL), ('cy', 'c@x'); \
         INSERT INTO orders VALUES (1, 10.50, 'first'), (2, 3, NULL); \
         INSERT INTO ignored VALUES (1)",
    );
    let config = props(
        &pg,
        &[("table.include.list", "public.customers,public.orders")],
    );
    let mut connector = PostgresConnector::new();
    start_connector(&mut connector, &config).await;

    let offsets = Offsets::default();
    let mut task = PostgresSourceTask::new();
    task.start(offsets.context(), config.clone())
        .await
        .expect("start");

    // Snapshot: every row once, op r, the last one marked "last".
    let snap = poll_n(&mut task, 5).await;
    assert_scenario_snapshot(&snap, "public");
    assert_eq!(source(&snap[0], "connector"), Value::from("postgresql"));
    assert_eq!(source(&snap[0], "db"), Value::from("test"));
    assert_eq!(source(&snap[0], "table"), Value::from("customers"));
    assert_eq!(
        snap[0].source_partition.get("server"),
        Some(&serde_json::json!("srv"))
    );
    assert_eq!(
        snap[4].source_offset.get("last_snapshot_record"),
        Some(&serde_json::json!(true))
    );
    offsets.settle(&mut task, &snap).await;

    // Changes, each transaction in commit order; the second commits before the first.
    pg.psql("INSERT INTO customers (name, email) VALUES ('dee', 'd@x')");
    pg.psql(
        "BEGIN; UPDATE customers SET email = 'ann@x' WHERE id = 1; \
         UPDATE orders SET note = 'changed' WHERE id = 1; DELETE FROM orders WHERE id = 2; COMMIT",
    );
    let changes = poll_n(&mut task, 5).await;
    let ops: Vec<String> = changes.iter().map(op).collect();
    assert_eq!(
        ops,
        ["c", "u", "u", "d", "tombstone"],
        "{:?}",
        summary(&changes)
    );
    // Insert: no before.
    assert!(image(&changes[0], "before").is_none());
    assert_eq!(field(image(&changes[0], "after"), "id"), Value::Int32(4));
    assert_eq!(source(&changes[0], "snapshot"), Value::from("false"));
    // REPLICA IDENTITY FULL: the whole old row.
    assert_eq!(
        field(image(&changes[1], "before"), "email"),
        Value::from("a@x")
    );
    assert_eq!(
        field(image(&changes[1], "after"), "email"),
        Value::from("ann@x")
    );
    // DEFAULT: no old row on update; the key (and Debezium's fallbacks) on delete.
    assert!(image(&changes[2], "before").is_none());
    let deleted = image(&changes[3], "before");
    assert_eq!(field(deleted, "id"), Value::Int32(2));
    assert_eq!(field(deleted, "note"), Value::Null);
    assert!(image(&changes[3], "after").is_none());
    assert_eq!(id_of(&changes[4]), 2);
    assert!(changes[4].record.value_schema.is_none());
    // One transaction: same txId, increasing LSNs.
    assert_eq!(source(&changes[1], "txId"), source(&changes[3], "txId"));
    assert_ne!(source(&changes[0], "txId"), source(&changes[1], "txId"));
    let lsns: Vec<i64> = changes[..4]
        .iter()
        .map(|r| match source(r, "lsn") {
            Value::Int64(l) => l,
            other => panic!("lsn {other:?}"),
        })
        .collect();
    assert!(lsns.windows(2).all(|w| w[0] < w[1]), "{lsns:?}");
    let o = &changes[4].source_offset;
    for k in ["lsn_proc", "lsn_commit", "lsn", "txId", "ts_usec"] {
        assert!(o.contains_key(k), "offset {o:?} lacks {k}");
    }
    offsets.settle(&mut task, &changes).await;

    // Schema change: the value schema follows ALTER TABLE.
    pg.psql("ALTER TABLE customers ADD COLUMN age INT; INSERT INTO customers (name, age) VALUES ('eve', 33)");
    pg.psql(
        "ALTER TABLE customers DROP COLUMN email; UPDATE customers SET age = 34 WHERE name = 'eve'",
    );
    let evolved = poll_n(&mut task, 2).await;
    assert_eq!(field(image(&evolved[0], "after"), "age"), Value::Int32(33));
    assert_eq!(field(image(&evolved[0], "after"), "email"), Value::Null);
    let after = image(&evolved[1], "after").unwrap();
    assert!(
        after.schema().field("email").is_none(),
        "dropped column gone"
    );
    assert_eq!(after.get("age"), Some(&Value::Int32(34)));
    assert_eq!(field(image(&evolved[1], "before"), "age"), Value::Int32(33));

    // A primary key change: delete + tombstone of the old key, create of the new.
    pg.psql("UPDATE orders SET id = 10 WHERE id = 1");
    let moved = poll_n(&mut task, 3).await;
    assert_eq!(
        moved.iter().map(op).collect::<Vec<_>>(),
        ["d", "tombstone", "c"]
    );
    assert_eq!((id_of(&moved[0]), id_of(&moved[2])), (1, 10));
    // Only the create completes the change: a restart after the delete and the
    // tombstone were committed emits the whole change again rather than losing it.
    let previous = &evolved[1].source_offset;
    assert_eq!(&moved[0].source_offset, previous);
    assert_eq!(&moved[1].source_offset, previous);
    assert_ne!(&moved[2].source_offset, previous);
    poll_nothing(&mut task).await;
    task.stop().await.unwrap();
}

#[tokio::test]
async fn restart_resumes_after_the_committed_offset() {
    let pg = Postgres::start();
    pg.psql("CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t SELECT g, 'v' FROM generate_series(1, 10) g");
    let config = props(
        &pg,
        &[
            ("table.include.list", "public.t"),
            ("tombstones.on.delete", "false"),
        ],
    );
    let offsets = Offsets::default();
    let mut task = PostgresSourceTask::new();
    task.start(offsets.context(), config.clone())
        .await
        .expect("start");
    let snap = poll_n(&mut task, 10).await;
    offsets.settle(&mut task, &snap).await;

    for i in 11..=20 {
        pg.psql(&format!("INSERT INTO t VALUES ({i}, 'v')"));
    }
    // A transaction of several changes, cut in the middle by the committed offset.
    pg.psql("BEGIN; INSERT INTO t VALUES (21, 'a'); INSERT INTO t VALUES (22, 'b'); UPDATE t SET v = 'c' WHERE id = 21; COMMIT");
    let streamed = poll_n(&mut task, 13).await;
    let ids: Vec<i32> = streamed.iter().map(id_of).collect();
    assert_eq!(ids, (11..=22).chain([21]).collect::<Vec<_>>());
    // Only records up to id 21 (the first change of the last transaction) are committed.
    offsets.settle(&mut task, &streamed[..11]).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    task.stop().await.unwrap();
    drop(task);

    // The server was told nothing beyond what is committed: the last transaction is
    // still ahead of the slot.
    let confirmed = pg.psql("SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'debezium'");
    let committed_tx: i64 = match streamed[10].source_offset.get("lsn_commit") {
        Some(v) => v.as_i64().unwrap(),
        None => panic!("no lsn_commit"),
    };
    let confirmed: i64 = confirmed.parse().unwrap();
    assert!(
        confirmed <= committed_tx,
        "confirmed {confirmed} beyond the uncommitted transaction at {committed_tx}"
    );
    let before: i64 = match streamed[9].source_offset.get("lsn_commit") {
        Some(v) => v.as_i64().unwrap(),
        None => panic!("no lsn_commit"),
    };
    assert!(
        confirmed > before,
        "confirmed {confirmed} did not pass the committed transaction at {before}"
    );

    pg.psql("INSERT INTO t VALUES (30, 'while-down'); DELETE FROM t WHERE id = 1");
    let mut task = PostgresSourceTask::new();
    task.start(offsets.context(), config)
        .await
        .expect("restart");
    let resumed = poll_n(&mut task, 4).await;
    let got: Vec<(String, i32)> = resumed.iter().map(|r| (op(r), id_of(r))).collect();
    assert_eq!(
        got,
        [
            ("c".to_string(), 22),
            ("u".to_string(), 21),
            ("c".to_string(), 30),
            ("d".to_string(), 1)
        ],
        "exactly the changes after the committed offset"
    );
    poll_nothing(&mut task).await;
    task.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_names_the_key_to_fix() {
    let pg = Postgres::start();
    pg.psql("CREATE TABLE t (id INT PRIMARY KEY)");
    let c = PostgresConnector::new();

    assert_common_validation_errors(&c, |extra| props(&pg, extra), "public.nope");

    expect_error_on(
        &c,
        &props(&pg, &[("plugin.name", "wal2json")]),
        "plugin.name",
    );

    pg.psql("CREATE ROLE plain LOGIN PASSWORD 'plain-pw'; GRANT ALL ON ALL TABLES IN SCHEMA public TO plain");
    let msg = expect_error_on(
        &c,
        &props(
            &pg,
            &[
                ("database.user", "plain"),
                ("database.password", "plain-pw"),
            ],
        ),
        "database.user",
    );
    assert!(msg.contains("REPLICATION"), "{msg}");

    // A slot in use by a running task.
    let config = props(&pg, &[]);
    let offsets = Offsets::default();
    let mut task = PostgresSourceTask::new();
    task.start(offsets.context(), config.clone())
        .await
        .expect("start");
    let _ = poll_n(&mut task, 0).await;
    let _ = task.poll().await.unwrap();
    let msg = expect_error_on(&c, &config, "slot.name");
    assert!(msg.contains("in use"), "{msg}");
    task.stop().await.unwrap();

    // wal_level=replica: no logical decoding.
    let replica = Postgres::start_with(&[("wal_level", "replica")]);
    let msg = expect_error_on(&c, &props(&replica, &[]), "database.hostname");
    assert!(msg.contains("wal_level=logical"), "{msg}");
}

/// Only tables we do not capture change: no record, so the runtime never calls
/// commit(); the slot must still advance, or PostgreSQL keeps all that WAL.
#[tokio::test]
async fn slot_advances_while_captured_tables_are_idle() {
    let pg = Postgres::start();
    pg.psql("CREATE TABLE t (id INT PRIMARY KEY); CREATE TABLE other (id INT PRIMARY KEY)");
    let config = props(&pg, &[("table.include.list", "public.t")]);
    let offsets = Offsets::default();
    let mut task = PostgresSourceTask::new();
    task.start(offsets.context(), config).await.expect("start");
    assert!(task.poll().await.unwrap().is_empty(), "empty snapshot");
    for i in 0..20 {
        pg.psql(&format!("INSERT INTO other VALUES ({i})"));
    }
    let written: i64 = pg
        .psql("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        .parse()
        .unwrap();
    let confirmed = || -> i64 {
        pg.psql("SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'debezium'")
            .parse()
            .unwrap()
    };
    let end = Instant::now() + Duration::from_secs(20);
    while confirmed() < written && Instant::now() < end {
        assert!(task.poll().await.unwrap().is_empty());
    }
    assert!(
        confirmed() >= written,
        "slot at {} behind {written}",
        confirmed()
    );
    task.stop().await.unwrap();
}
