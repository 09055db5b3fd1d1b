//! Throughput of the S3 sink into a real S3-compatible server (s3s-fs on loopback),
//! next to a raw baseline measured in the same run: the same object bytes PUT with the
//! same client (SigV4 and all), so the ratio is what encoding, partitioning and
//! rotation cost on top of the uploads.
//!
//! `cargo bench -p connect-s3 --bench s3` (S3_BENCH_RECORDS overrides the 100,000).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{order_record, props, server, task, BUCKET};
use connect_api::SinkTask;
use connect_s3::client::{Endpoint, RetryPolicy, S3Client};
use connect_s3::credentials::Credentials;
use testkit::s3::{ACCESS_KEY, REGION, SECRET_KEY};
use testkit::S3Server;

const BATCH: usize = 500;
const FLUSH_SIZE: usize = 10_000;

fn client(server: &S3Server) -> S3Client {
    S3Client::new(
        Endpoint::parse(Some(&server.endpoint()), REGION, true).expect("endpoint"),
        BUCKET,
        REGION,
        Credentials {
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET_KEY.into(),
            session_token: None,
            source: "bench".into(),
        },
        RetryPolicy {
            retries: 3,
            backoff: Duration::from_millis(50),
        },
    )
    .expect("client")
}

struct Run {
    elapsed: Duration,
    objects: Vec<(String, Vec<u8>)>,
}

/// Puts `n` records through a task in batches of [`BATCH`], then lists what it wrote.
async fn sink(server: &S3Server, n: usize, format: &str, dir: &str) -> Run {
    let flush = FLUSH_SIZE.to_string();
    let p = props(
        server,
        &[
            ("format.class", format),
            ("flush.size", &flush),
            ("topics.dir", dir),
        ],
    );
    let mut t = task(p, &[0]).await;
    let records: Vec<_> = (0..n as i64).map(|o| order_record(0, o)).collect();
    let started = Instant::now();
    for chunk in records.chunks(BATCH) {
        t.put(chunk.to_vec()).await.expect("put");
    }
    let elapsed = started.elapsed();
    t.stop().await.expect("stop");
    let objects = server
        .objects(BUCKET)
        .into_iter()
        .filter(|k| k.starts_with(dir))
        .map(|k| {
            let bytes = server.read(BUCKET, &k);
            (k, bytes)
        })
        .collect();
    Run { elapsed, objects }
}

/// The same bytes as `run`'s objects, PUT one object at a time under another prefix.
async fn raw(client: &S3Client, run: &Run) -> Duration {
    let started = Instant::now();
    for (key, bytes) in &run.objects {
        client
            .put_object(&format!("raw/{key}"), Bytes::from(bytes.clone()))
            .await
            .expect("put");
    }
    started.elapsed()
}

fn report(name: &str, n: usize, run: &Run, raw: Duration) {
    let bytes: usize = run.objects.iter().map(|(_, b)| b.len()).sum();
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "{name:8} {n} records, {} objects, {:.1} MB: sink {:>9.0} rec/s ({:.2} s), raw PUT of the same bytes {:>9.0} rec/s ({:.2} s), sink/raw = {:.2}",
        run.objects.len(),
        bytes as f64 / 1e6,
        rate(run.elapsed),
        run.elapsed.as_secs_f64(),
        rate(raw),
        raw.as_secs_f64(),
        raw.as_secs_f64() / run.elapsed.as_secs_f64(),
    );
}

fn main() {
    let n: usize = std::env::var("S3_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = server();
    let client = client(&server);
    runtime.block_on(async {
        for (name, format, dir) in [
            (
                "json",
                "io.confluent.connect.s3.format.json.JsonFormat",
                "json",
            ),
            (
                "parquet",
                "io.confluent.connect.s3.format.parquet.ParquetFormat",
                "parquet",
            ),
        ] {
            let run = sink(&server, n, format, dir).await;
            assert_eq!(run.objects.len(), n / FLUSH_SIZE, "{name}");
            let raw = raw(&client, &run).await;
            report(name, n, &run, raw);
        }
    });
}
