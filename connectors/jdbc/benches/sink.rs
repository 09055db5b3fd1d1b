//! Sink throughput into a private PostgreSQL: JdbcSinkTask upserts with batch.size 1,
//! 100 and 1000, next to a baseline this benchmark writes itself in the same run
//! (plain multi-row INSERTs of 1000 rows, one transaction per 5000 rows, the same
//! data). The ratio at batch 1000 is the figure (target: at least 70%). A second
//! baseline runs the same statements with `ON CONFLICT DO UPDATE`: PostgreSQL's own
//! cost of an upsert, which bounds what any upserting sink can reach.
//!
//! `cargo bench -p connect-jdbc --bench sink` (ROWS=50000 rows per run, ROUNDS=3
//! rounds, RUNS=upsert:1000,insert:1000 to pick the runs). Each round runs the baseline
//! and then every sink run, each into a fresh table; the medians are reported, so a
//! burst of load from other processes does not decide the ratio.

use std::time::Instant;

use connect_api::{
    Props, Record, Schema, SchemaBuilder, SchemaRef, SinkRecord, SinkTask, SinkTaskContext, Struct,
    Value,
};
use connect_jdbc::JdbcSinkTask;
use sqlx::{AssertSqlSafe, Connection};
use testkit::database::{PASSWORD, USER};
use testkit::Postgres;

const PUT: usize = 5000;

fn schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .field("id", Schema::int64())
        .field("name", Schema::string())
        .field("qty", Schema::int32())
        .field("price", Schema::float64())
        .build()
}

fn records(schema: &SchemaRef, n: usize, offset: usize) -> Vec<SinkRecord> {
    (0..n)
        .map(|i| {
            let id = (offset + i) as i64;
            let value = Struct::new(schema.clone())
                .and_then(|s| s.with("id", id))
                .and_then(|s| s.with("name", format!("item-{id}")))
                .and_then(|s| s.with("qty", Value::Int32((id % 1000) as i32)))
                .and_then(|s| s.with("price", Value::Float64(id as f64 * 0.5)))
                .expect("struct");
            SinkRecord {
                record: Record {
                    topic: "bench".into(),
                    kafka_partition: Some(0),
                    value_schema: Some(schema.clone()),
                    value: Value::Struct(value),
                    ..Record::default()
                },
                kafka_offset: id,
                ..SinkRecord::default()
            }
        })
        .collect()
}

async fn sink_run(pg: &Postgres, table: &str, mode: &str, batch_size: usize, rows: usize) -> f64 {
    let props: Props = [
        ("connection.url", pg.jdbc_url()),
        ("connection.user", USER.to_string()),
        ("connection.password", PASSWORD.to_string()),
        ("insert.mode", mode.to_string()),
        ("pk.mode", "record_value".to_string()),
        ("pk.fields", "id".to_string()),
        ("auto.create", "true".to_string()),
        ("table.name.format", table.to_string()),
        ("batch.size", batch_size.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut task = JdbcSinkTask::new();
    task.start(SinkTaskContext::default(), props)
        .await
        .expect("start");
    let schema = schema();
    let batches: Vec<Vec<SinkRecord>> = (0..rows / PUT)
        .map(|b| records(&schema, PUT, b * PUT))
        .collect();
    let started = Instant::now();
    for batch in batches {
        task.put(batch).await.expect("put");
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    task.stop().await.expect("stop");
    rate
}

/// Multi-row statements of 1000 rows the benchmark writes itself: plain INSERTs, or
/// (`upsert`) the same INSERTs with `ON CONFLICT (id) DO UPDATE`, which shows what the
/// server itself spends on an upsert.
async fn baseline(pg: &Postgres, table: &str, rows: usize, upsert: bool) -> f64 {
    pg.psql(&format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, qty INT NOT NULL, price DOUBLE PRECISION NOT NULL)"));
    let mut conn = sqlx::PgConnection::connect(&pg.url())
        .await
        .expect("connect");
    let started = Instant::now();
    for put in 0..rows / PUT {
        let mut tx = conn.begin().await.expect("begin");
        for chunk in 0..PUT / 1000 {
            let mut sql = format!("INSERT INTO {table} (id, name, qty, price) VALUES ");
            let marks: Vec<String> = (0..1000)
                .map(|r| {
                    format!(
                        "(${}, ${}, ${}, ${})",
                        r * 4 + 1,
                        r * 4 + 2,
                        r * 4 + 3,
                        r * 4 + 4
                    )
                })
                .collect();
            sql.push_str(&marks.join(", "));
            if upsert {
                sql.push_str(
                    " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, \
                     qty = EXCLUDED.qty, price = EXCLUDED.price",
                );
            }
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in 0..1000 {
                let id = (put * PUT + chunk * 1000 + r) as i64;
                q = q
                    .bind(id)
                    .bind(format!("item-{id}"))
                    .bind((id % 1000) as i32)
                    .bind(id as f64 * 0.5);
            }
            q.execute(&mut *tx).await.expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    rows as f64 / started.elapsed().as_secs_f64()
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn main() {
    let rows: usize = std::env::var("ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50_000);
    let rows = rows.max(PUT) / PUT * PUT;
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    // RUNS=upsert:1000 (comma-separated mode:batch pairs) to profile one of them.
    let runs: Vec<(String, usize)> = match std::env::var("RUNS") {
        Ok(list) => list
            .split(',')
            .filter_map(|run| {
                let (mode, batch) = run.split_once(':')?;
                Some((mode.to_string(), batch.parse().ok()?))
            })
            .collect(),
        Err(_) => [
            ("upsert", 1usize),
            ("upsert", 100),
            ("upsert", 1000),
            ("insert", 1000),
        ]
        .iter()
        .map(|(m, b)| (m.to_string(), *b))
        .collect(),
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let pg = Postgres::start();
    runtime.block_on(async {
        // Rounds interleave the baseline with the sink runs, each into a fresh table,
        // so load from other processes hits both alike; medians are reported.
        let mut base = Vec::new();
        let mut upsert_base = Vec::new();
        let mut sink: Vec<Vec<f64>> = vec![Vec::new(); runs.len()];
        for round in 0..rounds {
            base.push(baseline(&pg, &format!("baseline_{round}"), rows, false).await);
            upsert_base.push(baseline(&pg, &format!("baseline_upsert_{round}"), rows, true).await);
            for (i, (mode, batch)) in runs.iter().enumerate() {
                let table = format!("sink_{mode}_{batch}_{round}");
                sink[i].push(sink_run(&pg, &table, mode, *batch, rows).await);
            }
        }
        let base = median(base);
        let upsert_base = median(upsert_base);
        println!(
            "{rows} rows, median of {rounds} rounds\n\
             baseline (multi-row INSERT, 1000 rows/statement): {base:>10.0} rows/s\n\
             the same with ON CONFLICT DO UPDATE:              {upsert_base:>10.0} rows/s  ({:.0}% of baseline: the server's own cost of an upsert)",
            100.0 * upsert_base / base
        );
        for ((mode, batch), rates) in runs.iter().zip(sink) {
            let rate = median(rates);
            let versus_upsert = if mode == "upsert" {
                format!(", {:.0}% of the ON CONFLICT baseline", 100.0 * rate / upsert_base)
            } else {
                String::new()
            };
            println!(
                "JdbcSinkTask {mode}, batch.size={batch:<5}:        {rate:>10.0} rows/s  ({:.0}% of baseline{versus_upsert})",
                100.0 * rate / base
            );
        }
    });
}
