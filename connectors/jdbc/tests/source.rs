//! The JDBC source task against real PostgreSQL and MariaDB servers: incrementing and
//! timestamp+incrementing modes poll inserted (and updated) rows with Confluent-shaped
//! offsets, a new task resumes from the committed offset, and bad configs fail naming
//! the key and the table.

mod common;

use common::{poll_n, props, Offsets, Server};
use connect_api::data::logical;
use connect_api::{
    ConnectError, Connector, ConnectorContext, Props, SourceRecord, SourceTask, Value,
};
use connect_jdbc::{JdbcSourceConnector, JdbcSourceTask};
use serde_json::json;

fn ids(records: &[SourceRecord]) -> Vec<i64> {
    records
        .iter()
        .map(
            |r| match r.record.value.as_struct().and_then(|s| s.get("id")) {
                Some(Value::Int64(i)) => *i,
                other => panic!("id {other:?}"),
            },
        )
        .collect()
}

fn names(records: &[SourceRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            r.record
                .value
                .as_struct()
                .and_then(|s| s.get("name"))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

async fn start_task(props: Props, offsets: &Offsets) -> JdbcSourceTask {
    let mut task = JdbcSourceTask::new();
    task.start(offsets.context(), props).await.expect("start");
    task
}

async fn incrementing(server: Server) {
    server.sql(&format!(
        "CREATE TABLE orders (id {}, name VARCHAR(50) NOT NULL, amount DECIMAL(10,2), note TEXT)",
        server.serial_pk()
    ));
    server.sql("INSERT INTO orders (name, amount) VALUES ('a', 1.50), ('b', 2.00), ('c', NULL)");
    let config = props(
        server.connection_props(),
        &[
            ("mode", "incrementing"),
            ("incrementing.column.name", "id"),
            ("table.whitelist", "orders"),
            ("topic.prefix", "db-"),
            ("poll.interval.ms", "100"),
            ("batch.max.rows", "2"),
        ],
    );

    // The connector checks the table and hands it to one task.
    let mut connector = JdbcSourceConnector::new();
    connector
        .start(ConnectorContext::new(), config.clone())
        .await
        .expect("connector start");
    let task_configs = connector.task_configs(3).await.expect("task configs");
    assert_eq!(task_configs.len(), 1);
    assert_eq!(
        task_configs[0].get("tables").map(String::as_str),
        Some("orders")
    );

    let offsets = Offsets::default();
    let mut task = start_task(task_configs[0].clone(), &offsets).await;
    let first = poll_n(&mut task, 3).await;
    assert_eq!(ids(&first), vec![1, 2, 3]);
    let r = &first[0];
    assert_eq!(r.record.topic, "db-orders");
    assert_eq!(json!(r.source_partition), json!({"table": "orders"}));
    assert_eq!(json!(first[2].source_offset), json!({"incrementing": 3}));
    let schema = r.record.value_schema.clone().expect("schema");
    assert!(!schema.field("id").expect("id").schema.optional);
    assert!(!schema.field("name").expect("name").schema.optional);
    let amount = &schema.field("amount").expect("amount").schema;
    assert!(amount.optional);
    assert_eq!(amount.name.as_deref(), Some(logical::DECIMAL_NAME));
    assert_eq!(amount.parameter("scale"), Some("2"));
    let value = r.record.value.as_struct().expect("struct");
    assert_eq!(
        value.get("amount").map(|v| v.to_string()).as_deref(),
        Some("1.50")
    );
    offsets.commit(&first);

    server.sql("INSERT INTO orders (name) VALUES ('d'), ('e')");
    let more = poll_n(&mut task, 2).await;
    assert_eq!(ids(&more), vec![4, 5]);
    task.stop().await.expect("stop");
    // Only the first three were committed: a new task resumes after id 3.
    let mut resumed = start_task(task_configs[0].clone(), &offsets).await;
    let again = poll_n(&mut resumed, 2).await;
    assert_eq!(ids(&again), vec![4, 5]);
    offsets.commit(&again);
    resumed.stop().await.expect("stop");
    let mut resumed = start_task(task_configs[0].clone(), &offsets).await;
    assert!(poll_n(&mut resumed, 0).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_incrementing_polls_new_rows_and_resumes() {
    incrementing(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_incrementing_polls_new_rows_and_resumes() {
    incrementing(Server::mariadb()).await;
}

async fn timestamp_incrementing(server: Server) {
    server.sql(&format!(
        "CREATE TABLE events (id {}, name VARCHAR(50) NOT NULL, updated_at {} NOT NULL)",
        server.serial_pk(),
        server.timestamp_type()
    ));
    // Two rows in the same instant, one earlier.
    server.sql(
        "INSERT INTO events (name, updated_at) VALUES \
         ('x', '2024-01-01 00:00:00.000001'), \
         ('y', '2024-01-01 00:00:00.123456'), \
         ('z', '2024-01-01 00:00:00.123456')",
    );
    let config = props(
        server.connection_props(),
        &[
            ("mode", "timestamp+incrementing"),
            ("incrementing.column.name", "id"),
            ("timestamp.column.name", "updated_at"),
            ("table.include.list", "events"),
            ("topic.prefix", ""),
            ("poll.interval.ms", "100"),
            // One row per query: the second row of the same instant must still come.
            ("batch.max.rows", "1"),
        ],
    );
    let offsets = Offsets::default();
    let mut task = start_task(config.clone(), &offsets).await;
    let first = poll_n(&mut task, 3).await;
    assert_eq!(ids(&first), vec![1, 2, 3]);
    assert_eq!(
        json!(first[1].source_offset),
        json!({"incrementing": 2, "timestamp": 1_704_067_200_123i64, "timestamp_nanos": 123_456_000})
    );
    assert_eq!(first[0].record.topic, "events");
    let ts = first[0]
        .record
        .value
        .as_struct()
        .and_then(|s| s.get("updated_at"))
        .cloned();
    assert!(
        matches!(ts, Some(Value::Timestamp(t)) if t.timestamp_micros() == 1_704_067_200_000_001)
    );
    offsets.commit(&first[..2]);

    // An update moves the row's timestamp forward: it comes again, with its new values.
    server.sql(&format!(
        "UPDATE events SET name = 'x2', updated_at = {} WHERE id = 1",
        server.now_expr()
    ));
    let updated = poll_n(&mut task, 1).await;
    assert_eq!(ids(&updated), vec![1]);
    assert_eq!(names(&updated), vec!["x2"]);
    task.stop().await.expect("stop");

    // Resuming from the committed offset (after row 2) yields row 3 and the update.
    let mut resumed = start_task(config, &offsets).await;
    let again = poll_n(&mut resumed, 2).await;
    assert_eq!(ids(&again), vec![3, 1]);
    assert_eq!(names(&again), vec!["z", "x2"]);
    resumed.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_timestamp_incrementing_catches_updates_and_resumes() {
    timestamp_incrementing(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_timestamp_incrementing_catches_updates_and_resumes() {
    timestamp_incrementing(Server::mariadb()).await;
}

async fn config_errors(server: Server) {
    server.sql("CREATE TABLE loose (id INT, name TEXT)");
    let base = props(
        server.connection_props(),
        &[
            ("mode", "incrementing"),
            ("incrementing.column.name", "id"),
            ("topic.prefix", "p-"),
        ],
    );
    let start_err = |props: Props| async move {
        JdbcSourceConnector::new()
            .start(ConnectorContext::new(), props)
            .await
            .expect_err("must fail")
    };
    let key_of = |e: &ConnectError| match e {
        ConnectError::Config { key, .. } => key.clone(),
        other => panic!("not a config error: {other}"),
    };

    let err = start_err(props(base.clone(), &[("table.whitelist", "missing")])).await;
    assert_eq!(key_of(&err), "table.whitelist");
    assert!(err.to_string().contains("missing"), "{err}");

    let err = start_err(props(
        base.clone(),
        &[
            ("table.whitelist", "loose"),
            ("incrementing.column.name", "nope"),
        ],
    ))
    .await;
    assert_eq!(key_of(&err), "incrementing.column.name");
    assert!(
        err.to_string().contains("loose") && err.to_string().contains("nope"),
        "{err}"
    );

    // `id` is nullable: refused unless validate.non.null=false.
    let err = start_err(props(base.clone(), &[("table.whitelist", "loose")])).await;
    assert_eq!(key_of(&err), "incrementing.column.name");
    assert!(err.to_string().contains("nullable"), "{err}");
    JdbcSourceConnector::new()
        .start(
            ConnectorContext::new(),
            props(
                base.clone(),
                &[("table.whitelist", "loose"), ("validate.non.null", "false")],
            ),
        )
        .await
        .expect("nullable allowed");

    let err = start_err(props(
        base.clone(),
        &[
            ("table.whitelist", "loose"),
            ("connection.password", "wrong"),
        ],
    ))
    .await;
    assert_eq!(key_of(&err), "connection.password");

    // validate() reports the same, on the key.
    let infos =
        JdbcSourceConnector::new().validate(&props(base, &[("table.whitelist", "missing")]));
    assert!(
        infos
            .errors()
            .iter()
            .any(|(k, m)| k == "table.whitelist" && m.contains("missing")),
        "{:?}",
        infos.errors()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_config_errors_name_key_and_table() {
    config_errors(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_config_errors_name_key_and_table() {
    config_errors(Server::mariadb()).await;
}

async fn bulk_and_timestamp(server: Server) {
    server.sql(&format!(
        "CREATE TABLE items (id INT NOT NULL PRIMARY KEY, name VARCHAR(20), modified {} NOT NULL, born DATE, price DECIMAL(8,3))",
        server.timestamp_type()
    ));
    server.sql(
        "INSERT INTO items VALUES \
         (1, 'one', '2024-05-01 10:00:00', '2000-01-02', 1.5), \
         (2, NULL, '2024-05-01 11:00:00', NULL, NULL)",
    );
    // Bulk: the whole table, every poll interval, with an empty offset.
    let bulk = props(
        server.connection_props(),
        &[
            ("mode", "bulk"),
            ("table.whitelist", "items"),
            ("topic.prefix", "bulk-"),
            ("poll.interval.ms", "300"),
        ],
    );
    let offsets = Offsets::default();
    let mut task = start_task(bulk, &offsets).await;
    let mut got = poll_n(&mut task, 2).await;
    let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while got.len() < 4 && std::time::Instant::now() < end {
        got.extend(task.poll().await.expect("poll"));
    }
    assert_eq!(&ids32(&got)[..4], &[1, 2, 1, 2]);
    assert!(got[0].source_offset.is_empty());
    let v = got[0].record.value.as_struct().expect("struct");
    assert!(
        matches!(v.get("born"), Some(Value::Date(d)) if d.to_string() == "2000-01-02"),
        "{:?}",
        v.get("born")
    );
    assert_eq!(
        v.get("price").map(|d| d.to_string()).as_deref(),
        Some("1.500")
    );
    let schema = got[0].record.value_schema.clone().expect("schema");
    assert_eq!(schema.name.as_deref(), Some("items"));
    assert_eq!(
        schema.field("born").map(|f| f.schema.name.clone()),
        Some(Some(logical::DATE_NAME.to_string()))
    );
    assert!(schema
        .field("name")
        .map(|f| f.schema.optional)
        .unwrap_or(false));
    task.stop().await.expect("stop");

    // Timestamp: rows modified after the last timestamp seen.
    let ts = props(
        server.connection_props(),
        &[
            ("mode", "timestamp"),
            ("timestamp.column.name", "modified"),
            ("table.whitelist", "items"),
            ("topic.prefix", "ts-"),
            ("poll.interval.ms", "100"),
        ],
    );
    let mut task = start_task(ts, &offsets).await;
    let first = poll_n(&mut task, 2).await;
    assert_eq!(ids32(&first), vec![1, 2]);
    assert_eq!(
        json!(first[1].source_offset),
        json!({"timestamp": 1_714_561_200_000i64, "timestamp_nanos": 0})
    );
    server.sql(&format!(
        "UPDATE items SET name = 'uno', modified = {} WHERE id = 1",
        server.now_expr()
    ));
    let updated = poll_n(&mut task, 1).await;
    assert_eq!(ids32(&updated), vec![1]);
    task.stop().await.expect("stop");
}

fn ids32(records: &[SourceRecord]) -> Vec<i32> {
    records
        .iter()
        .map(
            |r| match r.record.value.as_struct().and_then(|s| s.get("id")) {
                Some(Value::Int32(i)) => *i,
                other => panic!("id {other:?}"),
            },
        )
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_bulk_and_timestamp_modes() {
    bulk_and_timestamp(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_bulk_and_timestamp_modes() {
    bulk_and_timestamp(Server::mariadb()).await;
}

/// Without an include list, tables are discovered, spread over tasks, and a new table
/// makes the connector ask for reconfiguration (table.poll.interval.ms).
#[tokio::test(flavor = "multi_thread")]
async fn postgres_new_tables_trigger_reconfiguration() {
    let server = Server::postgres();
    for t in ["a1", "a2", "a3"] {
        server.sql(&format!("CREATE TABLE {t} (id INT NOT NULL PRIMARY KEY)"));
    }
    let config = props(
        server.connection_props(),
        &[
            ("mode", "incrementing"),
            ("incrementing.column.name", "id"),
            ("topic.prefix", "all-"),
            ("table.poll.interval.ms", "200"),
        ],
    );
    let context = ConnectorContext::new();
    let mut connector = JdbcSourceConnector::new();
    connector
        .start(context.clone(), config)
        .await
        .expect("start");
    let configs = connector.task_configs(2).await.expect("configs");
    let tables: Vec<&str> = configs
        .iter()
        .filter_map(|c| c.get("tables").map(String::as_str))
        .collect();
    assert_eq!(tables, vec!["a1,a3", "a2"]);

    server.sql("CREATE TABLE a4 (id INT NOT NULL PRIMARY KEY)");
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        context.reconfiguration_requested(),
    )
    .await
    .expect("reconfiguration requested");
    let configs = connector.task_configs(2).await.expect("configs");
    let tables: Vec<&str> = configs
        .iter()
        .filter_map(|c| c.get("tables").map(String::as_str))
        .collect();
    assert_eq!(tables, vec!["a1,a3", "a2,a4"]);
    connector.stop().await.expect("stop");
}

fn field<'a>(record: &'a SourceRecord, name: &str) -> &'a Value {
    record
        .record
        .value
        .as_struct()
        .and_then(|s| s.get(name))
        .unwrap_or(&Value::Null)
}

/// `query` mode: a join with its own WHERE, read incrementally into the topic named by
/// the prefix alone, with Confluent's `{"query": "query"}` partition; a restart resumes;
/// bulk mode runs the query as written, with `query.suffix` appended.
async fn query_mode(server: Server) {
    server.sql("CREATE TABLE customers (id INT NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL)");
    server.sql(&format!(
        "CREATE TABLE orders (id {}, customer_id INT NOT NULL, amount DECIMAL(10,2))",
        server.serial_pk()
    ));
    server.sql("INSERT INTO customers VALUES (1, 'ann'), (2, 'bob')");
    server.sql("INSERT INTO orders (customer_id, amount) VALUES (1, 1.50), (2, 2.25), (1, NULL)");
    let config = props(
        server.connection_props(),
        &[
            ("mode", "incrementing"),
            ("incrementing.column.name", "id"),
            (
                "query",
                "SELECT o.id, c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.name <> 'bob';",
            ),
            ("topic.prefix", "joined"),
            ("poll.interval.ms", "100"),
            ("batch.max.rows", "1"),
        ],
    );
    let mut connector = JdbcSourceConnector::new();
    connector
        .start(ConnectorContext::new(), config.clone())
        .await
        .expect("connector start");
    let task_configs = connector.task_configs(3).await.expect("task configs");
    assert_eq!(task_configs.len(), 1, "a query is one task");
    assert!(!task_configs[0].contains_key("tables"));

    let offsets = Offsets::default();
    let mut task = start_task(task_configs[0].clone(), &offsets).await;
    let first = poll_n(&mut task, 2).await;
    assert_eq!(
        ids(&first),
        vec![1, 3],
        "bob's order is filtered by the query"
    );
    assert_eq!(names(&first), vec!["ann", "ann"]);
    assert_eq!(first[0].record.topic, "joined");
    assert_eq!(json!(first[0].source_partition), json!({"query": "query"}));
    assert_eq!(json!(first[1].source_offset), json!({"incrementing": 3}));
    let schema = first[0].record.value_schema.clone().expect("schema");
    assert_eq!(schema.name, None);
    let names_of: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names_of, vec!["id", "name", "amount"]);
    assert!(!schema.field("id").expect("id").schema.optional);
    assert!(!schema.field("name").expect("name").schema.optional);
    let amount = &schema.field("amount").expect("amount").schema;
    assert!(amount.optional);
    assert_eq!(amount.name.as_deref(), Some(logical::DECIMAL_NAME));
    assert_eq!(amount.parameter("scale"), Some("2"));
    assert_eq!(field(&first[0], "amount").to_string(), "1.50");
    assert_eq!(field(&first[1], "amount"), &Value::Null);
    offsets.commit(&first);

    server.sql("INSERT INTO orders (customer_id, amount) VALUES (2, 9), (1, 4.75)");
    let more = poll_n(&mut task, 1).await;
    assert_eq!(ids(&more), vec![5]);
    task.stop().await.expect("stop");
    let mut resumed = start_task(task_configs[0].clone(), &offsets).await;
    assert_eq!(ids(&poll_n(&mut resumed, 1).await), vec![5]);
    resumed.stop().await.expect("stop");
    connector.stop().await.expect("stop");

    // Bulk: the query as written (its ORDER BY holds) plus the suffix.
    let bulk = props(
        server.connection_props(),
        &[
            ("mode", "bulk"),
            ("query", "SELECT name, id FROM customers ORDER BY id DESC"),
            ("query.suffix", "LIMIT 1"),
            ("topic.prefix", "customers"),
            ("poll.interval.ms", "60000"),
        ],
    );
    let mut task = start_task(bulk, &Offsets::default()).await;
    let got = poll_n(&mut task, 1).await;
    assert_eq!(names(&got), vec!["bob"]);
    assert!(got[0].source_offset.is_empty());
    task.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_query_mode_reads_a_join_and_resumes() {
    query_mode(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_query_mode_reads_a_join_and_resumes() {
    query_mode(Server::mariadb()).await;
}

/// A query that does not run, a query with a table list, and a mode column missing
/// from the result are errors on the key to fix, from start and from validate.
async fn query_errors(server: Server) {
    server.sql("CREATE TABLE things (id INT NOT NULL PRIMARY KEY, label TEXT)");
    let base = props(
        server.connection_props(),
        &[
            ("mode", "incrementing"),
            ("incrementing.column.name", "id"),
            ("topic.prefix", "q"),
        ],
    );
    let start_err = |props: Props| async move {
        JdbcSourceConnector::new()
            .start(ConnectorContext::new(), props)
            .await
            .expect_err("must fail")
    };
    let key_of = |e: &ConnectError| match e {
        ConnectError::Config { key, .. } => key.clone(),
        other => panic!("not a config error: {other}"),
    };
    let err = start_err(props(
        base.clone(),
        &[("query", "SELECT id, nope FROM things")],
    ))
    .await;
    assert_eq!(key_of(&err), "query");
    assert!(
        err.to_string().contains("nope"),
        "the database's message: {err}"
    );

    let err = start_err(props(
        base.clone(),
        &[
            ("query", "SELECT id FROM things"),
            ("table.whitelist", "things"),
        ],
    ))
    .await;
    assert_eq!(key_of(&err), "query");

    let err = start_err(props(
        base.clone(),
        &[("query", "SELECT label FROM things")],
    ))
    .await;
    assert_eq!(key_of(&err), "incrementing.column.name");
    assert!(err.to_string().contains("the query"), "{err}");

    let infos = JdbcSourceConnector::new()
        .validate(&props(base, &[("query", "SELECT id FROM missing_table")]));
    assert!(
        infos
            .errors()
            .iter()
            .any(|(k, m)| k == "query" && m.contains("missing_table")),
        "{:?}",
        infos.errors()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_query_errors_name_the_key() {
    query_errors(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_query_errors_name_the_key() {
    query_errors(Server::mariadb()).await;
}

/// Reads the one row of `nums` in bulk mode under `mapping`.
async fn read_numbers(server: &Server, mapping: &str) -> SourceRecord {
    let config = props(
        server.connection_props(),
        &[
            ("mode", "bulk"),
            ("table.whitelist", "nums"),
            ("topic.prefix", ""),
            ("numeric.mapping", mapping),
        ],
    );
    let mut task = start_task(config, &Offsets::default()).await;
    let mut got = poll_n(&mut task, 1).await;
    task.stop().await.expect("stop");
    got.truncate(1);
    got.pop().expect("one record")
}

fn type_of(record: &SourceRecord, name: &str) -> String {
    let schema = record.record.value_schema.clone().expect("schema");
    let f = &schema.field(name).expect("field").schema;
    match (&f.name, f.parameter("scale")) {
        (Some(_), Some(scale)) => format!("decimal({scale})"),
        _ => f.schema_type.to_string().to_lowercase(),
    }
}

/// `numeric.mapping` as Confluent maps NUMERIC by precision and scale (PostgreSQL); a
/// MySQL DECIMAL stays Decimal whatever the mapping, as it does with Confluent.
async fn numeric_mapping(server: Server) {
    let unconstrained = if server.is_postgres() {
        ", free NUMERIC"
    } else {
        ""
    };
    server.sql(&format!(
        "CREATE TABLE nums (id INT NOT NULL PRIMARY KEY, small NUMERIC(2,0), mid NUMERIC(9,0), \
         big NUMERIC(18,0), money NUMERIC(10,2), huge NUMERIC(30,5){unconstrained})"
    ));
    let free = if server.is_postgres() { ", 6.125" } else { "" };
    server.sql(&format!(
        "INSERT INTO nums VALUES (1, 12, 123456789, 123456789012345678, 12.34, 1.5{free})"
    ));
    let cols = ["small", "mid", "big", "money", "huge"];
    let types = |r: &SourceRecord| cols.iter().map(|c| type_of(r, c)).collect::<Vec<_>>();

    let none = read_numbers(&server, "none").await;
    assert_eq!(
        types(&none),
        vec![
            "decimal(0)",
            "decimal(0)",
            "decimal(0)",
            "decimal(2)",
            "decimal(5)"
        ]
    );
    assert_eq!(field(&none, "money").to_string(), "12.34");

    let best = read_numbers(&server, "best_fit").await;
    let eager = read_numbers(&server, "best_fit_eager_double").await;
    let precision = read_numbers(&server, "precision_only").await;
    if !server.is_postgres() {
        assert_eq!(types(&best), types(&none));
        assert_eq!(types(&precision), types(&none));
        return;
    }
    assert_eq!(
        types(&best),
        vec!["int8", "int32", "int64", "float64", "decimal(5)"]
    );
    assert_eq!(field(&best, "small"), &Value::Int8(12));
    assert_eq!(field(&best, "mid"), &Value::Int32(123_456_789));
    assert_eq!(field(&best, "big"), &Value::Int64(123_456_789_012_345_678));
    assert_eq!(field(&best, "money"), &Value::Float64(12.34));
    assert_eq!(
        types(&eager),
        vec!["int8", "int32", "int64", "float64", "float64"]
    );
    assert_eq!(field(&eager, "huge"), &Value::Float64(1.5));
    assert_eq!(
        types(&precision),
        vec!["int8", "int32", "int64", "decimal(2)", "decimal(5)"]
    );
    // Unconstrained NUMERIC: Decimal(127) as Confluent's PostgreSQL dialect, FLOAT64
    // under best_fit (where Confluent would truncate to INT8).
    assert_eq!(type_of(&none, "free"), "decimal(127)");
    assert!(field(&none, "free").to_string().starts_with("6.12500"));
    assert_eq!(type_of(&best, "free"), "float64");
    assert_eq!(field(&best, "free"), &Value::Float64(6.125));

    let err = JdbcSourceTask::new()
        .start(
            Offsets::default().context(),
            props(
                server.connection_props(),
                &[
                    ("mode", "bulk"),
                    ("table.whitelist", "nums"),
                    ("topic.prefix", ""),
                    ("numeric.mapping", "closest"),
                ],
            ),
        )
        .await
        .expect_err("bad mapping");
    assert!(
        matches!(&err, ConnectError::Config { key, .. } if key == "numeric.mapping"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_numeric_mapping() {
    numeric_mapping(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_numeric_mapping_leaves_decimal_alone() {
    numeric_mapping(Server::mariadb()).await;
}

/// `db.timezone`: timestamps without zone are wall clocks of that zone, for the values
/// read and for the query's bounds (a row stamped 10 minutes ago in +03:00 is in the
/// future for UTC, and must still be read).
async fn source_time_zone(server: Server) {
    server.sql(&format!(
        "CREATE TABLE ev (id {}, at {} NOT NULL)",
        server.serial_pk(),
        server.timestamp_type()
    ));
    let recent = if server.is_postgres() {
        "(now() AT TIME ZONE 'UTC') + interval '170 minutes'"
    } else {
        "UTC_TIMESTAMP(6) + INTERVAL 170 MINUTE"
    };
    server.sql(&format!(
        "INSERT INTO ev (at) VALUES ('2024-07-01 12:00:00'), ({recent})"
    ));
    let config = props(
        server.connection_props(),
        &[
            ("mode", "timestamp+incrementing"),
            ("incrementing.column.name", "id"),
            ("timestamp.column.name", "at"),
            ("table.whitelist", "ev"),
            ("topic.prefix", ""),
            ("poll.interval.ms", "100"),
            ("db.timezone", "+03:00"),
        ],
    );
    let mut task = start_task(config.clone(), &Offsets::default()).await;
    let got = poll_n(&mut task, 2).await;
    task.stop().await.expect("stop");
    assert_eq!(ids(&got), vec![1, 2]);
    let Value::Timestamp(first) = field(&got[0], "at") else {
        panic!("timestamp")
    };
    assert_eq!(first.to_rfc3339(), "2024-07-01T09:00:00+00:00");
    assert_eq!(
        json!(got[0].source_offset),
        json!({"incrementing": 1, "timestamp": first.timestamp_millis(), "timestamp_nanos": 0})
    );
    let Value::Timestamp(second) = field(&got[1], "at") else {
        panic!("timestamp")
    };
    let age = chrono::Utc::now() - *second;
    assert!(
        age > chrono::Duration::minutes(9) && age < chrono::Duration::minutes(12),
        "{second} is about 10 minutes ago"
    );

    // The same rows under UTC: the first is three hours later, the second is still
    // in the future and not read yet.
    let utc = props(config, &[("db.timezone", "UTC")]);
    let mut task = start_task(utc, &Offsets::default()).await;
    let got = poll_n(&mut task, 1).await;
    task.stop().await.expect("stop");
    assert_eq!(ids(&got), vec![1]);
    assert!(
        matches!(field(&got[0], "at"), Value::Timestamp(t) if t.to_rfc3339() == "2024-07-01T12:00:00+00:00")
    );

    let err = JdbcSourceConnector::new().validate(&props(
        server.connection_props(),
        &[
            ("mode", "bulk"),
            ("topic.prefix", ""),
            ("db.timezone", "Mars/Olympus"),
        ],
    ));
    assert!(
        err.errors().iter().any(|(k, _)| k == "db.timezone"),
        "{:?}",
        err.errors()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_db_timezone_reads_wall_clocks() {
    source_time_zone(Server::postgres()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_db_timezone_reads_wall_clocks() {
    source_time_zone(Server::mariadb()).await;
}
