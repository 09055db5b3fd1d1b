//! The JDBC sink task against real PostgreSQL and MariaDB servers (testkit starts a
//! private one per test): upserts are idempotent under replay, tombstones delete,
//! auto.create / auto.evolve create and widen tables, and bad configs fail naming the
//! key to fix.

mod common;

use common::{person, props, record, Server};
use connect_api::data::logical;
use connect_api::{
    ConnectError, Connector, ConnectorContext, Schema, SchemaBuilder, SchemaRef, SinkRecord,
    SinkTask, SinkTaskContext, Struct, Value,
};
use connect_jdbc::{JdbcSinkConnector, JdbcSinkTask};

fn upsert_props(server: &Server) -> connect_api::Props {
    props(
        server.connection_props(),
        &[
            ("topics", "people"),
            ("insert.mode", "upsert"),
            ("pk.mode", "record_key"),
            ("pk.fields", "id"),
            ("auto.create", "true"),
            ("delete.enabled", "true"),
            ("batch.size", "200"),
        ],
    )
}

async fn upsert_replay_and_delete(server: Server) {
    let mut task = JdbcSinkTask::new();
    task.start(SinkTaskContext::default(), upsert_props(&server))
        .await
        .expect("start");
    let n = 1000;
    let first: Vec<SinkRecord> = (0..n)
        .map(|i| record("people", i, i, Some(person(i, &format!("v1-{i}")))))
        .collect();
    task.put(first).await.expect("put");
    assert_eq!(server.scalar("SELECT COUNT(*) FROM people"), n.to_string());

    // Replay the same keys with new values: still n rows, values updated.
    let replay: Vec<SinkRecord> = (0..n)
        .map(|i| record("people", n + i, i, Some(person(i, &format!("v2-{i}")))))
        .collect();
    task.put(replay.clone()).await.expect("replay");
    task.put(replay).await.expect("replay again");
    assert_eq!(server.scalar("SELECT COUNT(*) FROM people"), n.to_string());
    assert_eq!(
        server.scalar("SELECT name FROM people WHERE id = 7"),
        "v2-7"
    );
    assert_eq!(
        server.scalar("SELECT balance FROM people WHERE id = 7"),
        "7.25"
    );
    assert_eq!(
        server.scalar("SELECT born FROM people WHERE id = 0"),
        "1997-05-19"
    );
    let seen = server.scalar("SELECT seen FROM people WHERE id = 5");
    assert!(seen.starts_with("2023-11-14 22:13:20.005"), "{seen}");
    assert_eq!(
        server.scalar("SELECT COUNT(*) FROM people WHERE name LIKE 'v2-%'"),
        n.to_string()
    );

    // Tombstones delete by key.
    let tombstones: Vec<SinkRecord> = (0..10)
        .map(|i| record("people", 3 * n + i, i, None))
        .collect();
    task.put(tombstones).await.expect("deletes");
    assert_eq!(
        server.scalar("SELECT COUNT(*) FROM people"),
        (n - 10).to_string()
    );
    assert_eq!(
        server.scalar("SELECT COUNT(*) FROM people WHERE id < 10"),
        "0"
    );
    task.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_upsert_is_idempotent_and_tombstones_delete() {
    upsert_replay_and_delete(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_upsert_is_idempotent_and_tombstones_delete() {
    upsert_replay_and_delete(Server::mariadb()).await;
}

async fn auto_create_and_evolve(server: Server) {
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
    let row = |schema: &SchemaRef, id: &str, email: Option<&str>| {
        let mut s = Struct::new(schema.clone())
            .and_then(|s| s.with("id", id))
            .and_then(|s| s.with("name", format!("name-{id}")))
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
    let base = props(
        server.connection_props(),
        &[
            ("insert.mode", "upsert"),
            ("pk.mode", "record_value"),
            ("pk.fields", "id"),
            ("table.name.format", "sink_${topic}"),
        ],
    );

    // Without auto.create, a missing table fails naming the key.
    let mut task = JdbcSinkTask::new();
    task.start(SinkTaskContext::default(), base.clone())
        .await
        .expect("start");
    let err = task
        .put(vec![row(&v1, "a", None)])
        .await
        .expect_err("no table");
    assert!(
        matches!(&err, ConnectError::Config { key, .. } if key == "auto.create"),
        "{err}"
    );
    task.stop().await.expect("stop");

    let mut task = JdbcSinkTask::new();
    task.start(
        SinkTaskContext::default(),
        props(base.clone(), &[("auto.create", "true")]),
    )
    .await
    .expect("start");
    task.put(vec![row(&v1, "a", None), row(&v1, "b", None)])
        .await
        .expect("create");
    assert_eq!(server.scalar("SELECT COUNT(*) FROM sink_accounts"), "2");
    // A wider schema without auto.evolve fails naming the key.
    let err = task
        .put(vec![row(&v2, "c", Some("c@x"))])
        .await
        .expect_err("narrow table");
    assert!(
        matches!(&err, ConnectError::Config { key, .. } if key == "auto.evolve"),
        "{err}"
    );
    task.stop().await.expect("stop");

    let mut task = JdbcSinkTask::new();
    task.start(
        SinkTaskContext::default(),
        props(base, &[("auto.create", "true"), ("auto.evolve", "true")]),
    )
    .await
    .expect("start");
    task.put(vec![row(&v2, "c", Some("c@x")), row(&v1, "a", None)])
        .await
        .expect("evolve");
    assert_eq!(server.scalar("SELECT COUNT(*) FROM sink_accounts"), "3");
    assert_eq!(
        server.scalar("SELECT email FROM sink_accounts WHERE id = 'c'"),
        "c@x"
    );
    assert_eq!(
        server.scalar("SELECT score FROM sink_accounts WHERE id = 'c'"),
        "1.5"
    );
    task.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_auto_create_and_auto_evolve() {
    auto_create_and_evolve(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_auto_create_and_auto_evolve() {
    auto_create_and_evolve(Server::mariadb()).await;
}

async fn bad_connections_name_the_key(server: Server) {
    // Wrong password.
    let wrong = props(upsert_props(&server), &[("connection.password", "nope")]);
    let mut connector = JdbcSinkConnector::new();
    let err = connector
        .start(ConnectorContext::new(), wrong.clone())
        .await
        .expect_err("wrong password");
    assert!(
        matches!(&err, ConnectError::Config { key, .. } if key == "connection.password"),
        "{err}"
    );
    assert!(!err.to_string().contains("nope"), "password leaked: {err}");
    let infos = connector.validate(&wrong);
    assert!(
        infos
            .errors()
            .iter()
            .any(|(k, _)| k == "connection.password"),
        "{:?}",
        infos.errors()
    );

    // Nothing listening.
    let port = testkit::free_port();
    let url = if server.is_postgres() {
        format!("jdbc:postgresql://127.0.0.1:{port}/test")
    } else {
        format!("jdbc:mariadb://127.0.0.1:{port}/test")
    };
    let unreachable = props(upsert_props(&server), &[("connection.url", &url)]);
    let err = JdbcSinkConnector::new()
        .start(ConnectorContext::new(), unreachable)
        .await
        .expect_err("unreachable");
    assert!(
        matches!(&err, ConnectError::Config { key, .. } if key == "connection.url"),
        "{err}"
    );

    // The right one works.
    let mut connector = JdbcSinkConnector::new();
    connector
        .start(ConnectorContext::new(), upsert_props(&server))
        .await
        .expect("start");
    assert_eq!(connector.task_configs(2).await.expect("configs").len(), 2);
    assert!(connector
        .validate(&upsert_props(&server))
        .errors()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_bad_connections_name_the_key() {
    bad_connections_name_the_key(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_bad_connections_name_the_key() {
    bad_connections_name_the_key(Server::mariadb()).await;
}

/// The replay check at size: 100,000 upserts into PostgreSQL, then the same
/// records again: the table is identical (same rows, same values).
#[tokio::test(flavor = "multi_thread")]
async fn postgres_100k_upserts_replayed_leave_the_table_identical() {
    let server = Server::postgres();
    let mut task = JdbcSinkTask::new();
    task.start(
        SinkTaskContext::default(),
        props(upsert_props(&server), &[("batch.size", "1000")]),
    )
    .await
    .expect("start");
    let n: i64 = 100_000;
    let batch: i64 = 5_000;
    let digest = "SELECT COUNT(*), md5(string_agg(id || name || balance || born || seen || vip, ',' ORDER BY id)) FROM people";
    let mut digests = Vec::new();
    for round in 0..2 {
        let started = std::time::Instant::now();
        for chunk in 0..n / batch {
            let records: Vec<SinkRecord> = (chunk * batch..(chunk + 1) * batch)
                .map(|i| {
                    record(
                        "people",
                        round * n + i,
                        i,
                        Some(person(i, &format!("p-{i}"))),
                    )
                })
                .collect();
            task.put(records).await.expect("put");
        }
        eprintln!(
            "round {round}: 100k upserts in {:?} ({:.0} rows/s)",
            started.elapsed(),
            n as f64 / started.elapsed().as_secs_f64()
        );
        digests.push(server.scalar(digest));
    }
    assert!(digests[0].starts_with("100000|"), "{}", digests[0]);
    assert_eq!(digests[1], digests[0], "the replay changed the table");
    task.stop().await.expect("stop");
}

/// Collects what the task reports, as the runtime's reporter would send it to a DLQ.
#[derive(Default)]
struct Collect(std::sync::Mutex<Vec<(i64, String)>>);

impl connect_api::ErrantRecordReporter for Collect {
    fn report(&self, record: &SinkRecord, error: &ConnectError) -> connect_api::ReportFuture {
        if let Ok(mut v) = self.0.lock() {
            v.push((record.kafka_offset, error.to_string()));
        }
        Box::pin(async { Ok(()) })
    }
}

/// A row the database refuses goes to the errant record reporter and the other rows of
/// the batch are written; without a reporter the put fails and writes nothing.
async fn refused_rows_are_reported(server: Server) {
    let reporter = std::sync::Arc::new(Collect::default());
    let context = SinkTaskContext {
        errant_record_reporter: Some(reporter.clone()),
        ..SinkTaskContext::default()
    };
    let mut task = JdbcSinkTask::new();
    task.start(context, upsert_props(&server))
        .await
        .expect("start");
    task.put(vec![record("people", 0, 0, Some(person(0, "first")))])
        .await
        .expect("create the table");
    // Ages are 20 + id % 50: ids 40..49 are 60 or older and now refused.
    server.sql("ALTER TABLE people ADD CONSTRAINT young CHECK (age < 60)");
    let batch: Vec<SinkRecord> = (1..=45)
        .map(|i| record("people", i, i, Some(person(i, "p"))))
        .collect();

    let mut strict = JdbcSinkTask::new();
    strict
        .start(SinkTaskContext::default(), upsert_props(&server))
        .await
        .expect("start");
    let e = strict
        .put(batch.clone())
        .await
        .expect_err("a refused row fails the put without a reporter");
    assert!(e.to_string().contains("Failed to write"), "{e}");
    assert_eq!(server.scalar("SELECT COUNT(*) FROM people"), "1");

    task.put(batch).await.expect("put with a reporter");
    assert_eq!(server.scalar("SELECT COUNT(*) FROM people"), "40");
    let reported = reporter.0.lock().expect("reports").clone();
    let offsets: Vec<i64> = reported.iter().map(|(o, _)| *o).collect();
    assert_eq!(offsets, (40..=45).collect::<Vec<_>>());
    assert!(
        reported[0].1.contains("people-0 at offset 40"),
        "{}",
        reported[0].1
    );
    task.stop().await.expect("stop");
    strict.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_refused_rows_are_reported() {
    refused_rows_are_reported(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_refused_rows_are_reported() {
    refused_rows_are_reported(Server::mariadb()).await;
}

/// `db.timezone` on the sink: a column without time zone gets the zone's wall clock; a
/// PostgreSQL `timestamptz` column keeps the instant. Several rows, so PostgreSQL's
/// UNNEST path (timestamptz arrays) is the one exercised.
async fn sink_time_zone(server: Server, zone: &str, wall_clock: &str) {
    let tz_column = if server.is_postgres() {
        ", instant TIMESTAMPTZ"
    } else {
        ""
    };
    server.sql(&format!(
        "CREATE TABLE stamps (id BIGINT NOT NULL PRIMARY KEY, local {}{tz_column})",
        if server.is_postgres() {
            "TIMESTAMP(3)"
        } else {
            "DATETIME(3)"
        }
    ));
    let mut builder = SchemaBuilder::struct_()
        .field("id", Schema::int64())
        .field("local", logical::timestamp_schema().build());
    if server.is_postgres() {
        builder = builder.field("instant", logical::timestamp_schema().build());
    }
    let schema = builder.build();
    // 2024-07-01T10:00:00.250Z, plus id seconds.
    let records: Vec<SinkRecord> = (0..3)
        .map(|id| {
            let ts = Value::Timestamp(
                logical::timestamp_from_millis(1_719_828_000_250 + id * 1000).expect("ts"),
            );
            let mut value = Struct::new(schema.clone())
                .and_then(|s| s.with("id", id))
                .and_then(|s| s.with("local", ts.clone()))
                .expect("value");
            if server.is_postgres() {
                value = value.with("instant", ts).expect("instant");
            }
            record("stamps", id, id, Some(value))
        })
        .collect();
    let mut task = JdbcSinkTask::new();
    task.start(
        SinkTaskContext::default(),
        props(
            server.connection_props(),
            &[
                ("insert.mode", "upsert"),
                ("pk.mode", "record_value"),
                ("pk.fields", "id"),
                ("db.timezone", zone),
            ],
        ),
    )
    .await
    .expect("start");
    task.put(records).await.expect("put");
    task.stop().await.expect("stop");
    let local = if server.is_postgres() {
        server.scalar("SELECT to_char(local, 'YYYY-MM-DD HH24:MI:SS.MS') FROM stamps WHERE id = 2")
    } else {
        server.scalar("SELECT DATE_FORMAT(local, '%Y-%m-%d %H:%i:%s.%f') FROM stamps WHERE id = 2")
    };
    assert!(local.starts_with(wall_clock), "{local} in {zone}");
    if server.is_postgres() {
        let instant = server.scalar(
            "SELECT to_char(instant AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM stamps WHERE id = 2",
        );
        assert_eq!(instant, "2024-07-01 10:00:02.250", "the instant is kept");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_db_timezone_writes_wall_clocks() {
    sink_time_zone(
        Server::postgres(),
        "Europe/Berlin",
        "2024-07-01 12:00:02.250",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_db_timezone_takes_offsets() {
    sink_time_zone(Server::postgres(), "-05:30", "2024-07-01 04:30:02.250").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_db_timezone_writes_wall_clocks() {
    sink_time_zone(
        Server::mariadb(),
        "Europe/Berlin",
        "2024-07-01 12:00:02.250",
    )
    .await;
}

/// Statements go to the database while later records are still being converted: a
/// record that cannot be converted (an array field, which no column type holds) after
/// 2,500 good ones must leave none of the put's rows behind.
async fn conversion_error_rolls_back_the_put(server: Server) {
    server.sql("CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, name TEXT, tags TEXT)");
    let plain = SchemaBuilder::struct_()
        .field("id", Schema::int64())
        .field("name", Schema::string())
        .build();
    let tagged = SchemaBuilder::struct_()
        .field("id", Schema::int64())
        .field("name", Schema::string())
        .field(
            "tags",
            SchemaBuilder::array(Schema::string()).optional().build(),
        )
        .build();
    let records: Vec<SinkRecord> = (0..3000)
        .map(|id| {
            let schema = if id == 2500 { &tagged } else { &plain };
            let value = Struct::new(schema.clone())
                .and_then(|s| s.with("id", id))
                .and_then(|s| s.with("name", format!("n{id}")))
                .expect("value");
            record("items", id, id, Some(value))
        })
        .collect();
    let mut task = JdbcSinkTask::new();
    task.start(
        SinkTaskContext::default(),
        props(
            server.connection_props(),
            &[
                ("insert.mode", "upsert"),
                ("pk.mode", "record_value"),
                ("pk.fields", "id"),
                ("batch.size", "1000"),
            ],
        ),
    )
    .await
    .expect("start");
    let err = task.put(records).await.expect_err("the array field fails");
    assert!(matches!(err, ConnectError::Data(_)), "{err}");
    assert!(err.to_string().contains("tags"), "{err}");
    assert_eq!(server.scalar("SELECT COUNT(*) FROM items"), "0");
    task.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_conversion_error_rolls_back_the_put() {
    conversion_error_rolls_back_the_put(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_conversion_error_rolls_back_the_put() {
    conversion_error_rolls_back_the_put(Server::mariadb()).await;
}
