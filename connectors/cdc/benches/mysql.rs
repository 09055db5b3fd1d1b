//! MySQL/MariaDB CDC throughput and latency against a real MariaDB (testkit).
//!
//! `cargo bench -p connect-cdc --bench mysql` (MYSQL_BENCH_ROWS overrides 100,000):
//! * change events/s: N single-row transactions (a stored procedure in autocommit
//!   mode) are written first, then read from the binlog twice from the same position:
//!   the baseline is mysql_async's raw binlog stream counting row events (no Connect
//!   records), then our task producing Debezium records; the ratio is printed;
//! * commit-to-record latency p50/p99: single-row inserts committed one by one while
//!   the task streams, each timed from the client's commit to the record's poll.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connect_api::{
    OffsetReader, Props, SourceOffset, SourcePartition, SourceTask, SourceTaskContext, Value,
};
use connect_cdc::mysql::MySqlSourceTask;
use futures::StreamExt;
use mysql_async::binlog::events::EventData;
use mysql_async::prelude::Queryable;
use testkit::database::{PASSWORD, USER};
use testkit::MariaDb;

#[derive(Clone, Default)]
struct Offsets(Arc<Mutex<Option<SourceOffset>>>);

impl OffsetReader for Offsets {
    fn offset(&self, _: &SourcePartition) -> Option<SourceOffset> {
        self.0.lock().unwrap().clone()
    }
}

fn opts(db: &MariaDb) -> mysql_async::OptsBuilder {
    mysql_async::OptsBuilder::default()
        .ip_or_hostname("127.0.0.1")
        .tcp_port(db.port)
        .user(Some(USER))
        .pass(Some(PASSWORD))
        .db_name(Some("test"))
}

async fn position(conn: &mut mysql_async::Conn) -> (String, u64) {
    let row: mysql_async::Row = conn
        .query_first("SHOW MASTER STATUS")
        .await
        .unwrap()
        .unwrap();
    (row.get(0).unwrap(), row.get(1).unwrap())
}

/// Reads the binlog from (file, pos) until `n` write-rows events: the raw stream.
async fn raw_stream(db: &MariaDb, file: &str, pos: u64, n: usize) -> Duration {
    let conn = mysql_async::Conn::new(opts(db)).await.unwrap();
    let started = Instant::now();
    let mut stream = conn
        .get_binlog_stream(
            mysql_async::BinlogStreamRequest::new(7001)
                .with_filename(file.as_bytes())
                .with_pos(pos),
        )
        .await
        .unwrap();
    let mut rows = 0;
    while rows < n {
        let event = stream.next().await.unwrap().unwrap();
        if let Ok(Some(EventData::RowsEvent(r))) = event.read_data() {
            if let Some(tme) = stream.get_tme(r.table_id()) {
                rows += r.rows(tme).count();
            }
        }
    }
    started.elapsed()
}

fn props(db: &MariaDb) -> Props {
    let mut p: Props = [
        (
            "connector.class",
            "io.debezium.connector.mariadb.MariaDbConnector",
        ),
        ("database.hostname", "127.0.0.1"),
        ("database.user", USER),
        ("database.password", PASSWORD),
        ("database.server.id", "7002"),
        ("topic.prefix", "bench"),
        ("table.include.list", "test.t"),
        ("poll.interval.ms", "50"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    p.insert("database.port".into(), db.port.to_string());
    p
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let n: usize = std::env::var("MYSQL_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let db = MariaDb::start();
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DECIMAL(10,2), created DATETIME(6))");
    rt.block_on(async {
        let mut conn = mysql_async::Conn::new(opts(&db)).await.unwrap();
        // (Through the protocol: the command-line client splits the body at ';'.)
        conn.query_drop(
            "CREATE PROCEDURE fill(n INT) BEGIN DECLARE i INT DEFAULT 0; \
             WHILE i < n DO INSERT INTO t VALUES (i, CONCAT('name-', i), i / 100, NOW(6)); SET i = i + 1; END WHILE; END",
        )
        .await
        .unwrap();
        let (file, pos) = position(&mut conn).await;
        let written = Instant::now();
        conn.query_drop(format!("CALL fill({n})")).await.unwrap();
        println!("wrote {n} single-row transactions in {:.1?}", written.elapsed());

        let raw = raw_stream(&db, &file, pos, n).await;
        let raw_rate = n as f64 / raw.as_secs_f64();
        println!("baseline (raw mysql_async binlog stream): {n} row events in {raw:.2?} = {raw_rate:.0} events/s");

        // Our task from the same position (a stored streaming offset).
        let mut stored = SourceOffset::new();
        stored.insert("file".into(), serde_json::json!(file));
        stored.insert("pos".into(), serde_json::json!(pos));
        let offsets = Offsets(Arc::new(Mutex::new(Some(stored))));
        let mut task = MySqlSourceTask::new();
        let started = Instant::now();
        task.start(SourceTaskContext { offsets: Arc::new(offsets) }, props(&db)).await.unwrap();
        let mut got = 0;
        while got < n {
            got += task.poll().await.unwrap().len();
        }
        let ours = started.elapsed();
        let rate = n as f64 / ours.as_secs_f64();
        println!("connector (Debezium records): {n} change events in {ours:.2?} = {rate:.0} events/s");
        println!("ratio connector / baseline: {:.2}", rate / raw_rate);

        // Latency: one insert at a time while the task streams.
        let samples = 500;
        let committed: Arc<Mutex<HashMap<i32, Instant>>> = Arc::default();
        let writer = {
            let committed = committed.clone();
            let o = opts(&db);
            tokio::spawn(async move {
                let mut conn = mysql_async::Conn::new(o).await.unwrap();
                for i in 0..samples {
                    let id = 10_000_000 + i;
                    conn.query_drop(format!("INSERT INTO t VALUES ({id}, 'lat', 1, NOW(6))")).await.unwrap();
                    committed.lock().unwrap().insert(id, Instant::now());
                    tokio::time::sleep(Duration::from_millis(4)).await;
                }
            })
        };
        let mut latencies = Vec::new();
        while latencies.len() < samples as usize {
            for r in task.poll().await.unwrap() {
                let seen = Instant::now();
                let id = r
                    .record
                    .key
                    .as_struct()
                    .and_then(|k| k.get("id"))
                    .and_then(|v| if let Value::Int32(i) = v { Some(*i) } else { None });
                if let Some(id) = id {
                    // The commit instant is noted just after the client's OK; a record
                    // seen first counts as zero.
                    let at = committed.lock().unwrap().get(&id).copied();
                    latencies.push(at.map_or(Duration::ZERO, |c| seen.saturating_duration_since(c)));
                }
            }
        }
        writer.await.unwrap();
        latencies.sort();
        println!(
            "commit-to-record latency over {samples} single-row transactions: p50 {:.2?}, p99 {:.2?}",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99)
        );
        task.stop().await.unwrap();
    });
}
