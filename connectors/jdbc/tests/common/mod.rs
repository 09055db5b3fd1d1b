//! Shared by the JDBC integration tests: one private database server per test (from
//! testkit), SQL through the server's own client, and task contexts without a broker.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connect_api::{
    OffsetReader, Props, SourceOffset, SourcePartition, SourceRecord, SourceTask, SourceTaskContext,
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
