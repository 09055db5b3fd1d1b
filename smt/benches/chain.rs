//! Records/s through a three-transformation chain, against the same records through an
//! empty chain, in one run: the ratio is the figure.
//!
//! `cargo bench -p smt --bench chain` (RAFTCONNECT_BENCH_RECORDS, default 500000).

use std::time::Instant;

use connect_api::{Props, Record, Schema, SchemaBuilder, SinkRecord, Struct, Value};
use smt::TransformChain;

fn records(n: usize) -> Vec<SinkRecord> {
    let schema = SchemaBuilder::struct_()
        .name("order")
        .field("id", Schema::int64())
        .field("amount", Schema::string())
        .field("customer", Schema::string())
        .build();
    (0..n)
        .map(|i| {
            let value = Struct::new(schema.clone())
                .and_then(|s| s.with("id", Value::Int64(i as i64)))
                .and_then(|s| s.with("amount", Value::String(format!("{}.5", i % 1000))))
                .and_then(|s| s.with("customer", Value::String(format!("c{}", i % 97))))
                .expect("valid struct");
            SinkRecord {
                record: Record {
                    topic: "orders".into(),
                    kafka_partition: Some(0),
                    value_schema: Some(schema.clone()),
                    value: Value::Struct(value),
                    timestamp: Some(1_700_000_000_000 + i as i64),
                    ..Record::default()
                },
                kafka_offset: i as i64,
                original_topic: "orders".into(),
                ..SinkRecord::default()
            }
        })
        .collect()
}

fn run(chain: &TransformChain<SinkRecord>, input: Vec<SinkRecord>) -> (f64, usize) {
    let start = Instant::now();
    let mut kept = 0;
    for r in input {
        if chain.apply(r).expect("chain applies").is_some() {
            kept += 1;
        }
    }
    (start.elapsed().as_secs_f64(), kept)
}

fn main() {
    let n: usize = std::env::var("RAFTCONNECT_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500_000);
    let config: Props = [
        ("transforms", "insert,rename,cast"),
        (
            "transforms.insert.type",
            "org.apache.kafka.connect.transforms.InsertField$Value",
        ),
        ("transforms.insert.static.field", "source"),
        ("transforms.insert.static.value", "bench"),
        (
            "transforms.rename.type",
            "org.apache.kafka.connect.transforms.ReplaceField$Value",
        ),
        ("transforms.rename.renames", "customer:customer_id"),
        (
            "transforms.cast.type",
            "org.apache.kafka.connect.transforms.Cast$Value",
        ),
        ("transforms.cast.spec", "amount:float64"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let chain = TransformChain::<SinkRecord>::from_config(&config).expect("valid chain");
    let empty = TransformChain::<SinkRecord>::empty();
    // Warm up, then measure both on fresh inputs (record building is not timed).
    let _ = run(&chain, records(n / 10));
    let (base_secs, _) = run(&empty, records(n));
    let (chain_secs, kept) = run(&chain, records(n));
    assert_eq!(kept, n, "no record dropped");
    let base = n as f64 / base_secs;
    let with = n as f64 / chain_secs;
    println!("records                 {n}");
    println!("no SMT                  {base:>12.0} rec/s");
    println!("InsertField+ReplaceField+Cast {with:>12.0} rec/s");
    println!("ratio (chain / none)    {:.3}", with / base);
    println!(
        "chain cost per record   {:.2} us",
        (chain_secs - base_secs) * 1e6 / n as f64
    );
}
