//! 100,000 records (two Kafka partitions of 50,000) through the S3 sink task for each
//! format with the partitioners, into a real S3-compatible server (s3s-fs), and every
//! object read back (Parquet with the parquet crate's reader):
//!
//! - every object's name is `<path>/<topic>+<partition>+<first offset, padded>.<ext>`
//!   and its path is the one the partitioner gives each record in it;
//! - offsets inside an object are consecutive records of the partition in order;
//! - no record is in two objects, and every record below the committable offset
//!   (what `pre_commit` returns) is in the bucket: nothing acknowledged is missing.
//!
//! `cargo test -p connect-s3 --test volume` (RECORDS=n to change the count).

mod common;

use std::collections::{BTreeMap, HashMap};

use common::{committable, order_record, props, record, server, task, BUCKET, TOPIC};
use connect_api::{Schema, SinkTask, Value};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

const FLUSH_SIZE: usize = 5_000;
/// Record timestamps: one record every 150 ms from this instant, so the time-based
/// partitioners see a few hours.
const BASE_TS: i64 = 1_709_683_200_000; // 2024-03-06T00:00:00Z

fn records_per_partition() -> i64 {
    std::env::var("RECORDS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(100_000)
        / 2
}

#[derive(Clone, Copy, Debug)]
enum Format {
    Json,
    ByteArray,
    Parquet,
}

impl Format {
    fn class(self) -> &'static str {
        match self {
            Format::Json => "io.confluent.connect.s3.format.json.JsonFormat",
            Format::ByteArray => "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
            Format::Parquet => "io.confluent.connect.s3.format.parquet.ParquetFormat",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Json => ".json",
            Format::ByteArray => ".bin",
            Format::Parquet => ".snappy.parquet",
        }
    }

    /// The record ids an object holds, in order.
    fn ids(self, bytes: Vec<u8>) -> Vec<i64> {
        match self {
            Format::Json => String::from_utf8(bytes)
                .expect("utf-8")
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                    v["id"].as_i64().expect("an id")
                })
                .collect(),
            Format::ByteArray => String::from_utf8(bytes)
                .expect("utf-8")
                .lines()
                .map(|l| l.parse::<i64>().expect("an id"))
                .collect(),
            Format::Parquet => {
                let reader =
                    SerializedFileReader::new(bytes::Bytes::from(bytes)).expect("a Parquet file");
                reader
                    .get_row_iter(None)
                    .expect("rows")
                    .map(|row| {
                        let row = row.expect("row");
                        row.get_column_iter()
                            .find_map(|(name, field)| match (name.as_str(), field) {
                                ("id", Field::Long(id)) => Some(*id),
                                _ => None,
                            })
                            .expect("an id column")
                    })
                    .collect()
            }
        }
    }
}

/// Record `offset` of `partition`: its id encodes both, so any mix-up shows.
fn id_of(partition: i32, offset: i64) -> i64 {
    i64::from(partition) * 10_000_000 + offset
}

fn sink_record(format: Format, partition: i32, offset: i64) -> connect_api::SinkRecord {
    let ts = Some(BASE_TS + offset * 150);
    let id = id_of(partition, offset);
    match format {
        Format::ByteArray => record(
            partition,
            offset,
            Some(Schema::optional_bytes()),
            Value::Bytes(id.to_string().into_bytes()),
            ts,
        ),
        _ => {
            let mut r = order_record(partition, offset);
            if let Value::Struct(s) = &mut r.record.value {
                s.put("id", Value::Int64(id)).expect("id");
                s.put("region", ["eu", "us", "ap"][(offset % 3) as usize])
                    .expect("region");
            }
            r.record.timestamp = ts;
            r
        }
    }
}

/// The directory a record's object must be in, as the partitioner should encode it.
fn expected_dir(partitioner: &str, partition: i32, offset: i64) -> String {
    match partitioner {
        "DefaultPartitioner" => format!("topics/{TOPIC}/partition={partition}"),
        "FieldPartitioner" => format!(
            "topics/{TOPIC}/region={}",
            ["eu", "us", "ap"][(offset % 3) as usize]
        ),
        "HourlyPartitioner" => {
            let ts = BASE_TS + offset * 150;
            let hour = (ts - BASE_TS) / 3_600_000;
            format!("topics/{TOPIC}/year=2024/month=03/day=06/hour={hour:02}")
        }
        other => panic!("no expectation for {other}"),
    }
}

async fn run(format: Format, partitioner: &str) {
    let server = server();
    let flush = FLUSH_SIZE.to_string();
    let mut pairs = vec![
        ("format.class", format.class()),
        ("partitioner.class", partitioner),
        ("flush.size", flush.as_str()),
    ];
    match partitioner {
        "FieldPartitioner" => pairs.push(("partition.field.name", "region")),
        "HourlyPartitioner" => pairs.extend([
            ("locale", "en"),
            ("timezone", "UTC"),
            ("timestamp.extractor", "Record"),
        ]),
        _ => {}
    }
    let mut task = task(props(&server, &pairs), &[0, 1]).await;
    let per_partition = records_per_partition();
    let started = std::time::Instant::now();
    // Put in batches of 500, alternating partitions, as the runtime hands them over.
    for start in (0..per_partition).step_by(500) {
        let end = (start + 500).min(per_partition);
        let batch = (start..end)
            .flat_map(|o| [sink_record(format, 0, o), sink_record(format, 1, o)])
            .collect();
        task.put(batch).await.expect("put");
    }
    let committed = committable(&mut task, &[0, 1]).await;
    let elapsed = started.elapsed();
    task.stop().await.expect("stop");

    // Read every object back.
    let mut seen: HashMap<i64, String> = HashMap::new();
    let mut per_partition_objects: BTreeMap<i32, usize> = BTreeMap::new();
    let keys = server.objects(BUCKET);
    assert!(!keys.is_empty(), "{format:?}/{partitioner}: no objects");
    for key in &keys {
        let (dir, file) = key.rsplit_once('/').expect("a directory");
        let stem = file
            .strip_suffix(format.extension())
            .unwrap_or_else(|| panic!("{key}: extension is not {}", format.extension()));
        let parts: Vec<&str> = stem.split('+').collect();
        assert_eq!(parts.len(), 3, "{key}");
        assert_eq!(parts[0], TOPIC, "{key}");
        let partition: i32 = parts[1].parse().expect("partition");
        assert_eq!(parts[2].len(), 10, "{key}: zero-padded to 10");
        let start: i64 = parts[2].parse().expect("start offset");
        *per_partition_objects.entry(partition).or_default() += 1;
        let ids = format.ids(server.read(BUCKET, key));
        assert!(!ids.is_empty(), "{key}: empty object");
        assert!(ids.len() <= FLUSH_SIZE, "{key}: {} records", ids.len());
        assert_eq!(ids[0], id_of(partition, start), "{key}: first record");
        let mut previous = None;
        for id in ids {
            let offset = id - id_of(partition, 0);
            assert!((0..per_partition).contains(&offset), "{key}: id {id}");
            if let Some(p) = previous {
                assert!(offset > p, "{key}: offsets out of order");
            }
            previous = Some(offset);
            assert_eq!(
                dir,
                expected_dir(partitioner, partition, offset),
                "{key}: id {id}"
            );
            if let Some(other) = seen.insert(id, key.clone()) {
                panic!("record {id} is in {other} and in {key}");
            }
        }
    }
    for partition in [0, 1] {
        let upto = committed.get(&partition).copied().unwrap_or(0);
        for offset in 0..upto {
            assert!(
                seen.contains_key(&id_of(partition, offset)),
                "{format:?}/{partitioner}: partition {partition} offset {offset} is below the committed {upto} but not in the bucket"
            );
        }
    }
    let total = 2 * per_partition as usize;
    println!(
        "{format:?} + {partitioner}: {total} records in {:.2?} ({:.0} rec/s), {} objects, {} in the bucket, committable {committed:?}",
        elapsed,
        total as f64 / elapsed.as_secs_f64(),
        keys.len(),
        seen.len()
    );
    // With these sizes most records are in whole files.
    assert!(
        seen.len() * 10 >= total * 8,
        "only {} of {total} in the bucket",
        seen.len()
    );
}

#[tokio::test]
async fn json_with_the_default_partitioner() {
    run(Format::Json, "DefaultPartitioner").await;
}

#[tokio::test]
async fn json_with_the_field_partitioner() {
    run(Format::Json, "FieldPartitioner").await;
}

#[tokio::test]
async fn bytearray_with_the_hourly_partitioner() {
    run(Format::ByteArray, "HourlyPartitioner").await;
}

#[tokio::test]
async fn parquet_with_the_default_partitioner() {
    run(Format::Parquet, "DefaultPartitioner").await;
}

#[tokio::test]
async fn parquet_with_the_hourly_partitioner() {
    run(Format::Parquet, "HourlyPartitioner").await;
}
