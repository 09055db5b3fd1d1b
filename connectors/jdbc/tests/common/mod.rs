//! Shared by the JDBC integration tests: one private database server per test (from
//! testkit), SQL through the server's own client, and task contexts without a broker.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::str::FromStr;

use bigdecimal::BigDecimal;
use connect_api::data::logical;
use connect_api::{
    OffsetReader, Props, Record, Schema, SchemaBuilder, SchemaRef, SinkRecord, SourceOffset,
    SourcePartition, SourceRecord, SourceTask, SourceTaskContext, Struct, Value,
};
use testkit::database::{PASSWORD, USER};
use testkit::{MariaDb, Postgres};

/// A running database of either kind.
pub enum Server {
    Postgres(Postgres),
    MariaDb(MariaDb),
}

impl Server {
    pub fn postgres() -> Server {
        Server::Postgres(Postgres::start())
    }

    pub fn mariadb() -> Server {
        Server::MariaDb(MariaDb::start())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Server::Postgres(_))
    }

    pub fn jdbc_url(&self) -> String {
        match self {
            Server::Postgres(p) => p.jdbc_url(),
            Server::MariaDb(m) => m.jdbc_url(),
        }
    }

    /// Runs SQL with the server's command-line client; output is tab/pipe separated.
    pub fn sql(&self, sql: &str) -> String {
        match self {
            Server::Postgres(p) => p.psql(sql),
            Server::MariaDb(m) => m.sql(sql),
        }
    }

    /// The first column of a one-row query, as text.
    pub fn scalar(&self, sql: &str) -> String {
        self.sql(sql)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// Connection keys with the JDBC URL and separate user/password.
    pub fn connection_props(&self) -> Props {
        let mut props = Props::new();
        props.insert("connection.url".into(), self.jdbc_url());
        props.insert("connection.user".into(), USER.into());
        props.insert("connection.password".into(), PASSWORD.into());
        props
    }

    /// The SQL type of an auto-incrementing primary key.
    pub fn serial_pk(&self) -> &'static str {
        if self.is_postgres() {
            "BIGSERIAL PRIMARY KEY"
        } else {
            "BIGINT AUTO_INCREMENT PRIMARY KEY"
        }
    }

    /// A microsecond timestamp column type.
    pub fn timestamp_type(&self) -> &'static str {
        if self.is_postgres() {
            "TIMESTAMP(6)"
        } else {
            "DATETIME(6)"
        }
    }

    /// The database's current UTC time as an SQL expression.
    pub fn now_expr(&self) -> &'static str {
        if self.is_postgres() {
            "LOCALTIMESTAMP"
        } else {
            "UTC_TIMESTAMP(6)"
        }
    }
}

pub fn props(base: Props, pairs: &[(&str, &str)]) -> Props {
    let mut props = base;
    for (k, v) in pairs {
        props.insert(k.to_string(), v.to_string());
    }
    props
}

/// Committed source offsets, as the runtime's offset store would hand them to a task.
#[derive(Default, Clone)]
pub struct Offsets(Arc<Mutex<HashMap<String, SourceOffset>>>);

impl Offsets {
    /// Records the offsets of `records` as committed (the last one per partition wins).
    pub fn commit(&self, records: &[SourceRecord]) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for r in records {
            let key = serde_json::Value::Object(r.source_partition.clone()).to_string();
            map.insert(key, r.source_offset.clone());
        }
    }

    pub fn context(&self) -> SourceTaskContext {
        SourceTaskContext {
            offsets: Arc::new(self.clone()),
        }
    }
}

impl OffsetReader for Offsets {
    fn offset(&self, partition: &SourcePartition) -> Option<SourceOffset> {
        let key = serde_json::Value::Object(partition.clone()).to_string();
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned()
    }
}

/// Polls until `n` records arrived (or 20 s passed), then polls once more to show
/// nothing else comes; returns everything polled.
pub async fn poll_n(task: &mut dyn SourceTask, n: usize) -> Vec<SourceRecord> {
    let mut out = Vec::new();
    let end = Instant::now() + Duration::from_secs(20);
    while out.len() < n && Instant::now() < end {
        out.extend(task.poll().await.expect("poll"));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    out.extend(task.poll().await.expect("poll"));
    out
}

// ---- sink records: a `person` table's rows, keyed by id ----

/// The value schema of the sink tests' `person` records.
pub fn person_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .name("person")
        .field("id", Schema::int64())
        .field("name", Schema::string())
        .field("age", Schema::optional_int32())
        .field("balance", logical::decimal_schema(2).optional().build())
        .field("born", logical::date_schema().optional().build())
        .field("seen", logical::timestamp_schema().optional().build())
        .field("vip", Schema::optional_boolean())
        .build()
}

/// Person `id`, with every column type the sinks map.
pub fn person(id: i64, name: &str) -> Struct {
    let balance = BigDecimal::from_str(&format!("{id}.25")).expect("decimal");
    Struct::new(person_schema())
        .and_then(|s| s.with("id", id))
        .and_then(|s| s.with("name", name))
        .and_then(|s| s.with("age", Value::Int32(20 + (id % 50) as i32)))
        .and_then(|s| s.with("balance", Value::Decimal(balance)))
        .and_then(|s| {
            s.with(
                "born",
                Value::Date(logical::date_from_days(10_000 + id as i32).expect("date")),
            )
        })
        .and_then(|s| {
            s.with(
                "seen",
                Value::Timestamp(
                    logical::timestamp_from_millis(1_700_000_000_000 + id).expect("ts"),
                ),
            )
        })
        .and_then(|s| s.with("vip", id % 2 == 0))
        .expect("person")
}

/// A record of `topic` at `offset` keyed by `id`; no value is a tombstone.
pub fn record(topic: &str, offset: i64, id: i64, value: Option<Struct>) -> SinkRecord {
    SinkRecord {
        record: Record {
            topic: topic.into(),
            kafka_partition: Some(0),
            key_schema: Some(Schema::int64()),
            key: Value::Int64(id),
            value_schema: value.as_ref().map(|v| v.schema().clone()),
            value: value.map(Value::Struct).unwrap_or(Value::Null),
            ..Record::default()
        },
        kafka_offset: offset,
        original_topic: topic.into(),
        original_kafka_offset: offset,
        ..SinkRecord::default()
    }
}
