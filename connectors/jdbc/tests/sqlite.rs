//! The JDBC source and sink on SQLite, in process on a temporary database file: every
//! source mode with a restart from the committed offset, query mode, the sink's
//! insert/upsert/update with auto.create and auto.evolve, tombstone deletes, replay
//! idempotency, values written by the sink read back by the source, and bad configs
//! failing on the key to fix.

mod common;

use std::path::PathBuf;

use common::{person, poll_n, props, record, Offsets};
use connect_api::data::logical;
use connect_api::{
    ConnectError, Connector, ConnectorContext, Props, Schema, SchemaBuilder, SchemaRef, SchemaType,
    SinkRecord, SinkTask, SinkTaskContext, SourceRecord, SourceTask, Struct, Value,
};
use connect_jdbc::{JdbcSinkConnector, JdbcSinkTask, JdbcSourceConnector, JdbcSourceTask};
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{AssertSqlSafe, Row};

/// A SQLite database file in a directory removed at the end of the test.
struct Sqlite {
    _dir: tempfile::TempDir,
    path: PathBuf,
    pool: SqlitePool,
}

impl Sqlite {
    async fn new() -> Sqlite {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        let pool = SqlitePool::connect_with(
            SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .expect("create database");
        Sqlite {
            _dir: dir,
            path,
            pool,
        }
    }

    fn url(&self) -> String {
        format!("jdbc:sqlite:{}", self.path.display())
    }

    fn props(&self, pairs: &[(&str, &str)]) -> Props {
        let mut base = Props::new();
        base.insert("connection.url".into(), self.url());
        props(base, pairs)
    }

    /// Runs one or more statements.
    async fn sql(&self, sql: &str) {
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The first column of the first row as SQLite's text conversion of it.
    async fn scalar(&self, sql: &str) -> String {
        let row = sqlx::query(AssertSqlSafe(sql.to_string()))
            .fetch_one(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        row.try_get_unchecked::<Option<String>, _>(0)
            .expect("text")
            .unwrap_or_else(|| "NULL".into())
    }
}

fn field<'a>(r: &'a SourceRecord, name: &str) -> Option<&'a Value> {
    r.record.value.as_struct().and_then(|s| s.get(name))
}

fn ids(records: &[SourceRecord]) -> Vec<i64> {
    records
        .iter()
        .map(|r| match field(r, "id") {
            Some(Value::Int64(i)) => *i,
            other => panic!("id {other:?}"),
        })
        .collect()
}

async fn start_task(props: Props, offsets: &Offsets) -> JdbcSourceTask {
    let mut task = JdbcSourceTask::new();
    task.start(offsets.context(), props).await.expect("start");
    task
}

fn config_key(e: &ConnectError) -> String {
    match e {
        ConnectError::Config { key, .. } => key.clone(),
        other => panic!("not a config error: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn incrementing_maps_declared_types_and_resumes() {
    let db = Sqlite::new().await;
    db.sql(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(50) NOT NULL, \
         amount DECIMAL(10,2), score REAL, data BLOB, born DATE, flag BOOLEAN, anything);
         INSERT INTO orders (name, amount, score, data, born, flag, anything) VALUES
           ('a', '1.5', 0.25, x'0102', '2000-01-02', 1, 42),
           ('b', 2, NULL, NULL, NULL, 0, 'text'),
           ('c', NULL, 3, NULL, NULL, NULL, NULL);",
    )
    .await;
    let config = db.props(&[
        ("mode", "incrementing"),
        ("incrementing.column.name", "id"),
        ("table.whitelist", "orders"),
        ("topic.prefix", "db-"),
        ("poll.interval.ms", "100"),
        ("batch.max.rows", "2"),
    ]);
    let mut connector = JdbcSourceConnector::new();
    connector
        .start(ConnectorContext::new(), config.clone())
        .await
        .expect("connector start");
    let task_configs = connector.task_configs(2).await.expect("task configs");
    assert_eq!(task_configs.len(), 1);

    let offsets = Offsets::default();
    let mut task = start_task(task_configs[0].clone(), &offsets).await;
    let first = poll_n(&mut task, 3).await;
    assert_eq!(ids(&first), vec![1, 2, 3]);
    assert_eq!(first[0].record.topic, "db-orders");
    assert_eq!(json!(first[0].source_partition), json!({"table": "orders"}));
    assert_eq!(json!(first[2].source_offset), json!({"incrementing": 3}));

    let schema = first[0].record.value_schema.clone().expect("schema");
    let f = |name: &str| schema.field(name).expect(name).schema.clone();
    // INTEGER PRIMARY KEY is the rowid: never null, so the field is required.
    assert_eq!(f("id").schema_type, SchemaType::Int64);
    assert!(!f("id").optional);
    assert_eq!(f("name").schema_type, SchemaType::String);
    assert!(!f("name").optional);
    assert_eq!(f("amount").name.as_deref(), Some(logical::DECIMAL_NAME));
    assert_eq!(f("amount").parameter("scale"), Some("2"));
    assert_eq!(f("score").schema_type, SchemaType::Float64);
    assert_eq!(f("data").schema_type, SchemaType::Bytes);
    assert_eq!(f("born").name.as_deref(), Some(logical::DATE_NAME));
    assert_eq!(f("flag").schema_type, SchemaType::Boolean);
    assert_eq!(f("anything").schema_type, SchemaType::String);

    // Values come from each value's storage class: '1.5' text and 2 integer in a
    // DECIMAL column, 3 integer in a REAL one, 42 integer in an untyped column.
    let amount = |r: &SourceRecord| field(r, "amount").map(|v| v.to_string());
    assert_eq!(amount(&first[0]).as_deref(), Some("1.50"));
    assert_eq!(amount(&first[1]).as_deref(), Some("2.00"));
    assert_eq!(field(&first[2], "amount"), Some(&Value::Null));
    assert_eq!(field(&first[2], "score"), Some(&Value::Float64(3.0)));
    assert_eq!(field(&first[0], "data"), Some(&Value::Bytes(vec![1, 2])));
    assert!(
        matches!(field(&first[0], "born"), Some(Value::Date(d)) if d.to_string() == "2000-01-02")
    );
    assert_eq!(field(&first[0], "flag"), Some(&Value::Boolean(true)));
    assert_eq!(field(&first[1], "flag"), Some(&Value::Boolean(false)));
    assert_eq!(field(&first[0], "anything"), Some(&Value::from("42")));
    offsets.commit(&first[..2]);

    db.sql("INSERT INTO orders (name) VALUES ('d')").await;
    assert_eq!(ids(&poll_n(&mut task, 1).await), vec![4]);
    task.stop().await.expect("stop");
    // Only rows 1 and 2 were committed: a new task resumes after id 2.
    let mut resumed = start_task(task_configs[0].clone(), &offsets).await;
    let again = poll_n(&mut resumed, 2).await;
    assert_eq!(ids(&again), vec![3, 4]);
    resumed.stop().await.expect("stop");

    // Text in an INTEGER column is an error naming the column, not a silent 0.
    db.sql("INSERT INTO orders (id, name, score) VALUES (10, 'e', 'not a number')")
        .await;
    let mut task = start_task(task_configs[0].clone(), &offsets).await;
    let mut polls = 0;
    let err = loop {
        match task.poll().await {
            Err(e) => break e,
            Ok(records) => {
                assert!(ids(&records).iter().all(|id| *id < 10), "row 10 read");
                polls += 1;
                assert!(polls < 100, "no error for the undecodable row");
            }
        }
    };
    assert!(err.to_string().contains("score"), "{err}");
    task.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn timestamp_incrementing_catches_updates_and_resumes() {
    let db = Sqlite::new().await;
    // Text of several precisions and an epoch-milliseconds integer (how Confluent's
    // connector stores timestamps through the xerial driver).
    db.sql(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated_at DATETIME NOT NULL);
         INSERT INTO events VALUES
           (1, 'x', '2024-01-01 00:00:00'),
           (2, 'y', '2024-01-01T00:00:00.123'),
           (3, 'z', '2024-01-01 00:00:00.123'),
           (4, 'w', 1704067201000);",
    )
    .await;
    let config = db.props(&[
        ("mode", "timestamp+incrementing"),
        ("incrementing.column.name", "id"),
        ("timestamp.column.name", "updated_at"),
        ("table.include.list", "events"),
        ("topic.prefix", ""),
        ("poll.interval.ms", "100"),
        // One row per query: the second row of the same instant must still come.
        ("batch.max.rows", "1"),
    ]);
    let offsets = Offsets::default();
    let mut task = start_task(config.clone(), &offsets).await;
    let first = poll_n(&mut task, 4).await;
    assert_eq!(ids(&first), vec![1, 2, 3, 4]);
    assert_eq!(
        json!(first[2].source_offset),
        json!({"incrementing": 3, "timestamp": 1_704_067_200_123i64, "timestamp_nanos": 123_000_000})
    );
    assert!(
        matches!(field(&first[3], "updated_at"), Some(Value::Timestamp(t)) if t.timestamp_millis() == 1_704_067_201_000)
    );
    offsets.commit(&first[..2]);

    // An update to the database's clock brings the row again.
    db.sql("UPDATE events SET name = 'x2', updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1")
        .await;
    let updated = poll_n(&mut task, 1).await;
    assert_eq!(ids(&updated), vec![1]);
    assert_eq!(field(&updated[0], "name"), Some(&Value::from("x2")));
    task.stop().await.expect("stop");

    // From the committed offset (row 2): row 3 (same instant, higher id), 4, the update.
    let mut resumed = start_task(config, &offsets).await;
    assert_eq!(ids(&poll_n(&mut resumed, 3).await), vec![3, 4, 1]);
    resumed.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_and_timestamp_modes() {
    let db = Sqlite::new().await;
    db.sql(
        "CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, name TEXT, modified TIMESTAMP NOT NULL);
         INSERT INTO items VALUES (1, 'one', '2024-05-01 10:00:00.000'), (2, NULL, '2024-05-01 11:00:00.000');",
    )
    .await;
    let offsets = Offsets::default();
    let bulk = db.props(&[
        ("mode", "bulk"),
        ("table.whitelist", "items"),
        ("topic.prefix", "bulk-"),
        ("poll.interval.ms", "200"),
    ]);
    let mut task = start_task(bulk, &offsets).await;
    let mut got = poll_n(&mut task, 2).await;
    let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while got.len() < 4 && std::time::Instant::now() < end {
        got.extend(task.poll().await.expect("poll"));
    }
    assert_eq!(&ids(&got)[..4], &[1, 2, 1, 2], "bulk reads the table again");
    assert!(got[0].source_offset.is_empty());
    task.stop().await.expect("stop");

    let ts = db.props(&[
        ("mode", "timestamp"),
        ("timestamp.column.name", "modified"),
        ("table.whitelist", "items"),
        ("topic.prefix", "ts-"),
        ("poll.interval.ms", "100"),
    ]);
    let mut task = start_task(ts.clone(), &offsets).await;
    let first = poll_n(&mut task, 2).await;
    assert_eq!(ids(&first), vec![1, 2]);
    assert_eq!(
        json!(first[1].source_offset),
        json!({"timestamp": 1_714_561_200_000i64, "timestamp_nanos": 0})
    );
    offsets.commit(&first);
    task.stop().await.expect("stop");
    db.sql("INSERT INTO items VALUES (3, 'three', '2024-05-01 12:00:00.500')")
        .await;
    let mut resumed = start_task(ts, &offsets).await;
    assert_eq!(ids(&poll_n(&mut resumed, 1).await), vec![3]);
    resumed.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn query_mode_reads_a_join_and_resumes() {
    let db = Sqlite::new().await;
    db.sql(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, total DECIMAL(8,2));
         INSERT INTO customers VALUES (1, 'ann'), (2, 'bob');
         INSERT INTO orders VALUES (10, 1, 5.5), (11, 2, 7), (12, 1, 1.25);",
    )
    .await;
    let config = db.props(&[
        ("mode", "incrementing"),
        ("incrementing.column.name", "id"),
        (
            "query",
            "SELECT o.id, c.name, o.total, CAST(o.total * 2 AS REAL) AS doubled, \
             o.total * 2 AS untyped FROM orders o \
             JOIN customers c ON c.id = o.customer WHERE c.name <> 'bob'",
        ),
        ("topic.prefix", "joined"),
        ("poll.interval.ms", "100"),
    ]);
    let mut connector = JdbcSourceConnector::new();
    connector
        .start(ConnectorContext::new(), config.clone())
        .await
        .expect("connector start");
    let task_configs = connector.task_configs(3).await.expect("task configs");
    assert_eq!(task_configs.len(), 1, "a query is one task");

    let offsets = Offsets::default();
    let mut task = start_task(task_configs[0].clone(), &offsets).await;
    let first = poll_n(&mut task, 2).await;
    assert_eq!(ids(&first), vec![10, 12]);
    assert_eq!(first[0].record.topic, "joined");
    assert_eq!(json!(first[0].source_partition), json!({"query": "query"}));
    let schema = first[0].record.value_schema.clone().expect("schema");
    let total = schema.field("total").expect("total").schema.clone();
    assert_eq!(
        total.parameter("scale"),
        Some("2"),
        "the view keeps DECIMAL(8,2)"
    );
    // An expression has no declared type: read as text unless a CAST gives it one.
    let doubled = schema.field("doubled").expect("doubled").schema.clone();
    assert_eq!(doubled.schema_type, SchemaType::Float64);
    assert_eq!(field(&first[0], "doubled"), Some(&Value::Float64(11.0)));
    let untyped = schema.field("untyped").expect("untyped").schema.clone();
    assert_eq!(untyped.schema_type, SchemaType::String);
    assert_eq!(field(&first[0], "untyped"), Some(&Value::from("11.0")));
    assert_eq!(
        field(&first[1], "total").map(|v| v.to_string()).as_deref(),
        Some("1.25")
    );
    offsets.commit(&first[..1]);
    task.stop().await.expect("stop");

    db.sql("INSERT INTO orders VALUES (13, 1, 2)").await;
    let mut resumed = start_task(task_configs[0].clone(), &offsets).await;
    assert_eq!(ids(&poll_n(&mut resumed, 2).await), vec![12, 13]);
    resumed.stop().await.expect("stop");

    // A query that does not run fails on the key, naming the problem.
    let err = JdbcSourceConnector::new()
        .start(
            ConnectorContext::new(),
            db.props(&[
                ("mode", "bulk"),
                ("query", "SELECT id, nope FROM orders"),
                ("topic.prefix", "x"),
            ]),
        )
        .await
        .expect_err("bad query");
    assert_eq!(config_key(&err), "query");
    assert!(err.to_string().contains("nope"), "{err}");
    // The temporary view is gone, even after the failure.
    assert_eq!(
        db.scalar("SELECT count(*) FROM sqlite_temp_master").await,
        "0"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_configs_name_the_key() {
    let db = Sqlite::new().await;
    db.sql("CREATE TABLE present (id INTEGER PRIMARY KEY)")
        .await;
    let source = |url: &str, table: &str| {
        props(
            Props::new(),
            &[
                ("connection.url", url),
                ("mode", "incrementing"),
                ("incrementing.column.name", "id"),
                ("table.whitelist", table),
                ("topic.prefix", "p-"),
            ],
        )
    };
    let start_err = |props: Props| async move {
        JdbcSourceConnector::new()
            .start(ConnectorContext::new(), props)
            .await
            .expect_err("must fail")
    };

    let missing = db.path.with_file_name("missing.db");
    let err = start_err(source(
        &format!("jdbc:sqlite:{}", missing.display()),
        "present",
    ))
    .await;
    assert_eq!(config_key(&err), "connection.url");
    assert!(err.to_string().contains("missing.db"), "{err}");
    assert!(!missing.exists(), "a missing database must not be created");

    // A file that is not a database.
    let junk = db.path.with_file_name("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).expect("write junk");
    let err = start_err(source(&format!("sqlite:{}", junk.display()), "present")).await;
    assert_eq!(config_key(&err), "connection.url");

    // A directory.
    let dir = db.path.parent().expect("dir").display().to_string();
    let err = start_err(source(&format!("sqlite://{dir}"), "present")).await;
    assert_eq!(config_key(&err), "connection.url");

    let err = start_err(source("jdbc:sqlite::memory:", "present")).await;
    assert_eq!(config_key(&err), "connection.url");
    assert!(err.to_string().contains("in-memory"), "{err}");

    let err = start_err(source(&db.url(), "absent")).await;
    assert_eq!(config_key(&err), "table.whitelist");
    assert!(err.to_string().contains("absent"), "{err}");

    // validate() reports the same, on the keys; the sink's too.
    let infos = JdbcSourceConnector::new().validate(&source(&db.url(), "absent"));
    assert!(
        infos
            .errors()
            .iter()
            .any(|(k, m)| k == "table.whitelist" && m.contains("absent")),
        "{:?}",
        infos.errors()
    );
    let sink = props(
        Props::new(),
        &[
            (
                "connection.url",
                &format!("jdbc:sqlite:{}", missing.display()),
            ),
            ("topics", "t"),
        ],
    );
    let infos = JdbcSinkConnector::new().validate(&sink);
    assert!(
        infos.errors().iter().any(|(k, _)| k == "connection.url"),
        "{:?}",
        infos.errors()
    );
    JdbcSourceConnector::new()
        .start(ConnectorContext::new(), source(&db.url(), "present"))
        .await
        .expect("the right one works");
}

#[tokio::test(flavor = "multi_thread")]
async fn sink_upserts_replay_idempotently_deletes_and_reads_back() {
    let db = Sqlite::new().await;
    let config = db.props(&[
        ("topics", "people"),
        ("insert.mode", "upsert"),
        ("pk.mode", "record_key"),
        ("pk.fields", "id"),
        ("auto.create", "true"),
        ("delete.enabled", "true"),
        ("batch.size", "500"),
    ]);
    let mut task = JdbcSinkTask::new();
    task.start(SinkTaskContext::default(), config)
        .await
        .expect("start");
    let n = 2000;
    let put = |version: &str, from: i64| {
        (0..n)
            .map(|i| {
                record(
                    "people",
                    from + i,
                    i,
                    Some(person(i, &format!("{version}-{i}"))),
                )
            })
            .collect::<Vec<_>>()
    };
    task.put(put("v1", 0)).await.expect("put");
    assert_eq!(
        db.scalar("SELECT count(*) FROM people").await,
        n.to_string()
    );
    // Confluent's column types; the primary key from the record key.
    let ddl = db
        .scalar("SELECT sql FROM sqlite_master WHERE name = 'people'")
        .await;
    for part in [
        "`id` INTEGER NOT NULL",
        "`name` TEXT NOT NULL",
        "`age` INTEGER NULL",
        "`balance` DECIMAL(38,2) NULL",
        "`born` DATE NULL",
        "`seen` DATETIME NULL",
        "`vip` INTEGER NULL",
        "PRIMARY KEY(`id`)",
    ] {
        assert!(ddl.contains(part), "{part} in {ddl}");
    }

    let replay = put("v2", n);
    task.put(replay.clone()).await.expect("replay");
    task.put(replay).await.expect("replay again");
    assert_eq!(
        db.scalar("SELECT count(*) FROM people").await,
        n.to_string()
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM people WHERE name LIKE 'v2-%'")
            .await,
        n.to_string()
    );
    assert_eq!(
        db.scalar("SELECT balance FROM people WHERE id = 7").await,
        "7.25"
    );
    assert_eq!(
        db.scalar("SELECT born FROM people WHERE id = 0").await,
        "1997-05-19"
    );
    assert_eq!(
        db.scalar("SELECT seen FROM people WHERE id = 5").await,
        "2023-11-14 22:13:20.005"
    );
    assert_eq!(db.scalar("SELECT vip FROM people WHERE id = 4").await, "1");

    let tombstones: Vec<SinkRecord> = (0..10)
        .map(|i| record("people", 3 * n + i, i, None))
        .collect();
    task.put(tombstones).await.expect("deletes");
    assert_eq!(
        db.scalar("SELECT count(*) FROM people").await,
        (n - 10).to_string()
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM people WHERE id < 10").await,
        "0"
    );
    task.stop().await.expect("stop");

    // The source reads the sink's table back as the same Connect values.
    let offsets = Offsets::default();
    let mut source = start_task(
        db.props(&[
            ("mode", "incrementing"),
            ("incrementing.column.name", "id"),
            ("table.whitelist", "people"),
            ("topic.prefix", ""),
            ("batch.max.rows", "5"),
        ]),
        &offsets,
    )
    .await;
    let mut back = Vec::new();
    while back.len() < 5 {
        back.extend(source.poll().await.expect("poll"));
    }
    let sent = person(10, "v2-10");
    let got = back[0].record.value.as_struct().expect("struct");
    assert_eq!(got.get("id"), Some(&Value::Int64(10)));
    for name in ["name", "balance", "born", "seen"] {
        assert_eq!(got.get(name), sent.get(name), "{name}");
    }
    source.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn sink_insert_update_auto_create_and_evolve() {
    let db = Sqlite::new().await;
    let v1 = SchemaBuilder::struct_()
        .field("id", Schema::string())
        .field("name", Schema::string())
        .build();
    let v2 = SchemaBuilder::struct_()
        .field("id", Schema::string())
        .field("name", Schema::string())
        .field("email", Schema::optional_string())
        .field("score", Schema::optional_float64())
        .build();
    let row = |schema: &SchemaRef, id: &str, name: &str, email: Option<&str>| {
        let mut s = Struct::new(schema.clone())
            .and_then(|s| s.with("id", id))
            .and_then(|s| s.with("name", name))
            .expect("struct");
        if let Some(e) = email {
            s.put("email", e).expect("email");
            s.put("score", Value::Float64(1.5)).expect("score");
        }
        let mut r = record("accounts", 0, 0, Some(s));
        r.record.key_schema = None;
        r.record.key = Value::Null;
        r
    };
    let base = db.props(&[
        ("insert.mode", "insert"),
        ("pk.mode", "record_value"),
        ("pk.fields", "id"),
        ("table.name.format", "sink_${topic}"),
    ]);
    let start = |extra: &[(&str, &str)]| {
        let config = props(base.clone(), extra);
        async move {
            let mut task = JdbcSinkTask::new();
            task.start(SinkTaskContext::default(), config)
                .await
                .expect("start");
            task
        }
    };

    // Without auto.create, a missing table fails naming the key.
    let mut task = start(&[]).await;
    let err = task
        .put(vec![row(&v1, "a", "ann", None)])
        .await
        .expect_err("no table");
    assert_eq!(config_key(&err), "auto.create");
    task.stop().await.expect("stop");

    let mut task = start(&[("auto.create", "true")]).await;
    task.put(vec![row(&v1, "a", "ann", None), row(&v1, "b", "bob", None)])
        .await
        .expect("create");
    assert_eq!(db.scalar("SELECT count(*) FROM sink_accounts").await, "2");
    // insert mode: a duplicate key fails the whole put, which writes nothing.
    let err = task
        .put(vec![
            row(&v1, "c", "cid", None),
            row(&v1, "a", "again", None),
        ])
        .await
        .expect_err("duplicate key");
    assert!(err.to_string().contains("UNIQUE"), "{err}");
    assert_eq!(db.scalar("SELECT count(*) FROM sink_accounts").await, "2");
    // A wider schema without auto.evolve fails naming the key.
    let err = task
        .put(vec![row(&v2, "c", "cid", Some("c@x"))])
        .await
        .expect_err("narrow table");
    assert_eq!(config_key(&err), "auto.evolve");
    task.stop().await.expect("stop");

    let mut task = start(&[("auto.create", "true"), ("auto.evolve", "true")]).await;
    task.put(vec![
        row(&v2, "c", "cid", Some("c@x")),
        row(&v1, "d", "dan", None),
    ])
    .await
    .expect("evolve");
    assert_eq!(db.scalar("SELECT count(*) FROM sink_accounts").await, "4");
    assert_eq!(
        db.scalar("SELECT email || ' ' || score FROM sink_accounts WHERE id = 'c'")
            .await,
        "c@x 1.5"
    );
    task.stop().await.expect("stop");

    // update mode changes existing rows and ignores unknown keys.
    let mut task = start(&[("insert.mode", "update")]).await;
    task.put(vec![
        row(&v1, "a", "ann2", None),
        row(&v1, "zzz", "nobody", None),
    ])
    .await
    .expect("update");
    assert_eq!(
        db.scalar("SELECT name FROM sink_accounts WHERE id = 'a'")
            .await,
        "ann2"
    );
    assert_eq!(db.scalar("SELECT count(*) FROM sink_accounts").await, "4");
    task.stop().await.expect("stop");
}

/// 100,000 upserts in puts of 5,000, then replayed: the table ends identical (about
/// 4 s in a debug build; `--nocapture` shows the rates).
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_100k_upserts_replayed_leave_the_table_identical() {
    let db = Sqlite::new().await;
    let mut task = JdbcSinkTask::new();
    task.start(
        SinkTaskContext::default(),
        db.props(&[
            ("topics", "people"),
            ("insert.mode", "upsert"),
            ("pk.mode", "record_key"),
            ("pk.fields", "id"),
            ("auto.create", "true"),
            ("batch.size", "3000"),
        ]),
    )
    .await
    .expect("start");
    let n = 100_000;
    let records: Vec<SinkRecord> = (0..n)
        .map(|i| record("people", i, i, Some(person(i, &format!("p-{i}")))))
        .collect();
    let checksum = "SELECT count(*) || ' ' || sum(length(name)) || ' ' || sum(balance) FROM people";
    for round in ["first", "replay"] {
        let started = std::time::Instant::now();
        for chunk in records.chunks(5_000) {
            task.put(chunk.to_vec()).await.expect("put");
        }
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{round}: {n} upserts in {secs:.2} s ({:.0} rows/s)",
            n as f64 / secs
        );
        assert_eq!(db.scalar(checksum).await, "100000 688890 4999975000.0");
    }
    task.stop().await.expect("stop");
}
