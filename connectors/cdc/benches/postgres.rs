//! PostgreSQL CDC throughput and latency, next to a baseline measured in the same run.
//!
//! * Throughput: 100,000 single-row transactions are committed first (a server-side
//!   loop committing each row: the fastest client there is), then consumed from
//!   two slots: by the raw replication stream decoded with our pgoutput decoder
//!   without building Connect records (the baseline), and by the task (Debezium
//!   envelopes, offsets, commit_record/commit as the runtime calls them).
//! * Latency: 2,000 single-row transactions paced ~1 ms apart while each consumer
//!   runs; commit-to-record latency = when the consumer has the change minus the
//!   transaction's commit timestamp (both on this machine's clock), p50/p99.
//!
//! Run: `cargo bench -p connect-cdc --bench postgres` (CDC_BENCH_ROWS overrides the
//! row count).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use connect_api::{
    OffsetReader, Props, SourceOffset, SourcePartition, SourceTask, SourceTaskContext, Value,
};
use connect_cdc::postgres::lsn::Lsn;
use connect_cdc::postgres::pgoutput::{decode, Message, TupleValue};
use connect_cdc::postgres::replication::{
    ConnectParams, ReplicationConnection, StreamMessage, PG_EPOCH_OFFSET_US,
};
use connect_cdc::postgres::PostgresSourceTask;
use testkit::database::{PASSWORD, USER};
use testkit::Postgres;

struct NoOffsets;

impl OffsetReader for NoOffsets {
    fn offset(&self, _: &SourcePartition) -> Option<SourceOffset> {
        None
    }
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

fn params(pg: &Postgres) -> ConnectParams {
    ConnectParams {
        host: "127.0.0.1".into(),
        port: pg.port,
        user: USER.into(),
        password: PASSWORD.into(),
        database: "test".into(),
        connect_timeout: Duration::from_secs(10),
    }
}

fn insert_loop(pg: &Postgres, from: usize, n: usize, sleep_s: f64) {
    let sleep = if sleep_s > 0.0 {
        format!("PERFORM pg_sleep({sleep_s});")
    } else {
        String::new()
    };
    pg.psql(&format!(
        "DO $$ BEGIN FOR i IN {from}..{} LOOP INSERT INTO bench VALUES (i, 'payload-' || i); COMMIT; {sleep} END LOOP; END $$",
        from + n - 1
    ));
}

/// The baseline: raw stream + pgoutput decoding; returns the time to the last of `n`
/// inserts of rows with id >= `min_id` and their latencies (µs). Rows below `min_id`
/// (a previous run's, resent from the slot's last confirmed position) are skipped.
async fn baseline(
    pg: &Postgres,
    slot: &str,
    start: Lsn,
    n: usize,
    min_id: usize,
) -> (Duration, Vec<i64>) {
    let mut conn = ReplicationConnection::connect(&params(pg))
        .await
        .expect("connect");
    conn.start_replication(slot, start, "dbz_publication")
        .await
        .expect("start");
    let t0 = Instant::now();
    let (mut seen, mut commit_us, mut lat) = (0, 0i64, Vec::with_capacity(n));
    let mut last_ack = Instant::now();
    let mut last_end = start;
    while seen < n {
        match conn.recv().await.expect("recv") {
            StreamMessage::XLogData { wal_end, data, .. } => {
                last_end = last_end.max(wal_end);
                match decode(&data).expect("decode") {
                    Message::Begin { commit_ts, .. } => commit_us = commit_ts + PG_EPOCH_OFFSET_US,
                    Message::Insert { new, .. } => {
                        let id = match new.first() {
                            Some(TupleValue::Text(t)) => t.parse::<usize>().unwrap_or(0),
                            _ => 0,
                        };
                        if id >= min_id {
                            seen += 1;
                            lat.push(now_us() - commit_us);
                        }
                    }
                    _ => {}
                }
                if last_ack.elapsed() > Duration::from_secs(1) {
                    conn.send_status(wal_end, wal_end).await.expect("status");
                    last_ack = Instant::now();
                }
            }
            StreamMessage::Keepalive { wal_end, reply } => {
                if reply {
                    conn.send_status(wal_end, wal_end).await.expect("status");
                }
            }
        }
    }
    let elapsed = t0.elapsed();
    let _ = conn.send_status(last_end, last_end).await;
    conn.close().await;
    (elapsed, lat)
}

async fn task_run(task: &mut PostgresSourceTask, n: usize) -> (Duration, Vec<i64>) {
    let t0 = Instant::now();
    let mut lat = Vec::with_capacity(n);
    let mut seen = 0;
    while seen < n {
        let records = task.poll().await.expect("poll");
        let at = now_us();
        for r in &records {
            if let Some(Value::Int64(ts)) = r
                .record
                .value
                .as_struct()
                .and_then(|v| v.get("source"))
                .and_then(Value::as_struct)
                .and_then(|s| s.get("ts_us"))
            {
                lat.push(at - ts);
            }
            task.commit_record(r, None).await.expect("commit_record");
        }
        seen += records.len();
        task.commit().await.expect("commit");
    }
    (t0.elapsed(), lat)
}

fn pct(v: &mut [i64], p: f64) -> f64 {
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(0) as f64 / 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: usize = std::env::var("CDC_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let pg = Postgres::start();
    pg.psql("CREATE TABLE bench (id INT PRIMARY KEY, v TEXT NOT NULL); CREATE PUBLICATION dbz_publication FOR ALL TABLES");
    // The baseline's own slot, created before any change.
    let mut admin = ReplicationConnection::connect(&params(&pg))
        .await
        .expect("connect");
    let base_start = admin
        .create_slot("baseline", false)
        .await
        .expect("slot")
        .consistent_point;
    // The task's slot too, so that it starts after the inserts with all of them ahead.
    admin.create_slot("debezium", false).await.expect("slot");
    admin.close().await;

    let props: Props = [
        ("database.hostname", "127.0.0.1".to_string()),
        ("database.port", pg.port.to_string()),
        ("database.user", USER.to_string()),
        ("database.password", PASSWORD.to_string()),
        ("database.dbname", "test".to_string()),
        ("topic.prefix", "bench".to_string()),
        ("snapshot.mode", "no_data".to_string()),
        ("poll.interval.ms", "100".to_string()),
        ("max.batch.size", "4096".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let t = Instant::now();
    insert_loop(&pg, 0, rows, 0.0);
    let insert = t.elapsed();
    println!(
        "committed {rows} single-row transactions in {insert:.2?} ({:.0}/s)",
        rows as f64 / insert.as_secs_f64()
    );

    let (base_time, _) = baseline(&pg, "baseline", base_start, rows, 0).await;
    let mut task = PostgresSourceTask::new();
    task.start(
        SourceTaskContext {
            offsets: Arc::new(NoOffsets),
        },
        props,
    )
    .await
    .expect("start");
    let (task_time, _) = task_run(&mut task, rows).await;
    let base_rate = rows as f64 / base_time.as_secs_f64();
    let task_rate = rows as f64 / task_time.as_secs_f64();
    println!("throughput: baseline (raw stream + pgoutput decode) {base_rate:.0} changes/s; task (Debezium records) {task_rate:.0} events/s; ratio {:.2}", task_rate / base_rate);

    // Latency: a paced writer while each consumer follows.
    let paced = 2_000;
    let pg = Arc::new(pg);
    let lat_base = {
        let writer = {
            let pg = pg.clone();
            std::thread::spawn(move || insert_loop(&pg, rows, paced, 0.001))
        };
        let (_, lat) = baseline(&pg, "baseline", Lsn(0), paced, rows).await;
        writer.join().expect("writer");
        lat
    };
    let lat_task = {
        let writer = {
            let pg = pg.clone();
            std::thread::spawn(move || insert_loop(&pg, rows + paced, paced, 0.001))
        };
        // The task first catches up with the baseline's paced rows.
        let (_, mut lat) = task_run(&mut task, 2 * paced).await;
        writer.join().expect("writer");
        lat.drain(..paced);
        lat
    };
    let (mut b, mut t) = (lat_base, lat_task);
    println!(
        "commit-to-record latency: baseline p50 {:.2} ms p99 {:.2} ms; task p50 {:.2} ms p99 {:.2} ms",
        pct(&mut b, 0.5), pct(&mut b, 0.99), pct(&mut t, 0.5), pct(&mut t, 0.99)
    );
    task.stop().await.expect("stop");
}
