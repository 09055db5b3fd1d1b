//! The S3 sink task against a real S3-compatible server (s3s-fs, which checks every
//! SigV4 signature): object names and contents for each format with the partitioners,
//! offsets committable only for files in the bucket, a restart rewriting the same
//! objects, rotation on schema changes and record time, and null values.

mod common;

use std::collections::HashMap;

use common::{committable, lines, order_record, props, record, server, task, BUCKET};
use connect_api::data::logical;
use connect_api::{Schema, SchemaBuilder, SinkTask, Struct, Value};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

#[tokio::test]
async fn json_default_partitioner_commits_whole_files_only() {
    let server = server();
    let mut task = task(props(&server, &[("flush.size", "3")]), &[0, 1]).await;
    let records: Vec<_> = (0..7)
        .flat_map(|o| [order_record(0, o), order_record(1, 100 + o)])
        .collect();
    task.put(records).await.expect("put");

    assert_eq!(
        server.objects(BUCKET),
        vec![
            "topics/orders/partition=0/orders+0+0000000000.json",
            "topics/orders/partition=0/orders+0+0000000003.json",
            "topics/orders/partition=1/orders+1+0000000100.json",
            "topics/orders/partition=1/orders+1+0000000103.json",
        ]
    );
    assert_eq!(
        lines(
            &server,
            "topics/orders/partition=0/orders+0+0000000003.json"
        ),
        vec![
            r#"{"id":3,"region":"eu","amount":4.5,"note":null}"#,
            r#"{"id":4,"region":"us","amount":6.0,"note":null}"#,
            r#"{"id":5,"region":"ap","amount":7.5,"note":null}"#,
        ]
    );
    // Offsets 6 and 106 are in open files: not committable yet.
    assert_eq!(
        committable(&mut task, &[0, 1]).await,
        HashMap::from([(0, 6), (1, 106)])
    );
    task.stop().await.expect("stop");
}

#[tokio::test]
async fn bytearray_daily_partitioner_with_separator_and_extension() {
    let server = server();
    let p = props(
        &server,
        &[
            ("format.class", "ByteArrayFormat"),
            ("format.bytearray.extension", ".txt"),
            ("format.bytearray.separator", "|"),
            (
                "partitioner.class",
                "io.confluent.connect.storage.partitioner.DailyPartitioner",
            ),
            ("locale", "en"),
            ("timezone", "UTC"),
            ("timestamp.extractor", "Record"),
            ("flush.size", "4"),
            ("topics.dir", "raw"),
            ("filename.offset.zero.pad.width", "5"),
        ],
    );
    let mut task = task(p, &[2]).await;
    // 2024-03-05T23:59:59Z, then a second later: the day changes, and without
    // rotate.interval.ms both days' files stay open until flush.size.
    let day_end = 1_709_683_199_000i64;
    let records = (10..18)
        .map(|o| {
            let ts = day_end + if o % 2 == 0 { 0 } else { 1000 };
            record(
                2,
                o,
                Some(Schema::optional_bytes()),
                Value::Bytes(format!("b{o}").into_bytes()),
                Some(ts),
            )
        })
        .collect();
    task.put(records).await.expect("put");
    assert_eq!(
        server.objects(BUCKET),
        vec![
            "raw/orders/year=2024/month=03/day=05/orders+2+00010.txt",
            "raw/orders/year=2024/month=03/day=05/orders+2+00014.txt",
            "raw/orders/year=2024/month=03/day=06/orders+2+00011.txt",
            "raw/orders/year=2024/month=03/day=06/orders+2+00015.txt",
        ]
    );
    assert_eq!(
        server.read(
            BUCKET,
            "raw/orders/year=2024/month=03/day=06/orders+2+00015.txt"
        ),
        b"b15|b17|"
    );
    assert_eq!(committable(&mut task, &[2]).await, HashMap::from([(2, 18)]));

    // A value that is not bytes names the record and the converter to use.
    let err = task
        .put(vec![record(
            2,
            18,
            None,
            Value::String("text".into()),
            Some(day_end),
        )])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("orders-2@18") && err.to_string().contains("ByteArrayConverter"),
        "{err}"
    );
}

#[tokio::test]
async fn json_field_partitioner_keeps_one_file_per_value() {
    let server = server();
    let p = props(
        &server,
        &[
            ("partitioner.class", "FieldPartitioner"),
            ("partition.field.name", "region"),
            ("flush.size", "6"),
        ],
    );
    let mut task = task(p, &[0]).await;
    task.put((0..8).map(|o| order_record(0, o)).collect())
        .await
        .expect("put");
    // The first 6 records (ids 0..6) are committed together, one file per region,
    // each named by its first offset.
    assert_eq!(
        server.objects(BUCKET),
        vec![
            "topics/orders/region=ap/orders+0+0000000002.json",
            "topics/orders/region=eu/orders+0+0000000000.json",
            "topics/orders/region=us/orders+0+0000000001.json",
        ]
    );
    let ids = |key: &str| -> Vec<i64> {
        lines(&server, key)
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_i64()
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(
        ids("topics/orders/region=eu/orders+0+0000000000.json"),
        vec![0, 3]
    );
    assert_eq!(
        ids("topics/orders/region=ap/orders+0+0000000002.json"),
        vec![2, 5]
    );
    assert_eq!(committable(&mut task, &[0]).await, HashMap::from([(0, 6)]));

    // A record without the field fails naming its coordinates and the key.
    let bad = record(0, 8, None, Value::Map(vec![]), None);
    let err = task.put(vec![bad]).await.unwrap_err();
    assert!(
        err.to_string().contains("orders-0@8") && err.to_string().contains("partition.field.name"),
        "{err}"
    );
}

fn parquet_rows(server: &testkit::S3Server, key: &str) -> Vec<Vec<(String, Field)>> {
    let bytes = bytes::Bytes::from(server.read(BUCKET, key));
    let reader = SerializedFileReader::new(bytes).expect("a Parquet file");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|r| {
            r.expect("row")
                .get_column_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn parquet_time_based_partitioner_rotates_on_record_time_and_schema() {
    let server = server();
    let p = props(
        &server,
        &[
            (
                "format.class",
                "io.confluent.connect.s3.format.parquet.ParquetFormat",
            ),
            (
                "partitioner.class",
                "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
            ),
            ("path.format", "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH"),
            ("partition.duration.ms", "3600000"),
            ("locale", "en-US"),
            ("timezone", "UTC"),
            ("timestamp.extractor", "Record"),
            ("rotate.interval.ms", "600000"),
            ("flush.size", "1000"),
        ],
    );
    let mut task = task(p, &[0]).await;
    // 2024-03-05T07:00:00Z; records a minute apart: 07:00..07:09 go in one file (the
    // 10th minute reaches rotate.interval.ms), 07:10..07:14 in the next.
    let base = 1_709_622_000_000i64;
    let minute = 60_000;
    let mut records: Vec<_> = (0..15)
        .map(|i| {
            let mut r = order_record(0, i);
            r.record.timestamp = Some(base + i * minute);
            r
        })
        .collect();
    // Then a schema change at 07:15 (a new optional field): it rotates too.
    let v2 = SchemaBuilder::struct_()
        .name("com.example.Order")
        .field("id", Schema::int64())
        .field("region", Schema::string())
        .field("amount", Schema::float64())
        .field("note", Schema::optional_string())
        .field("paid", logical::timestamp_schema().optional().build())
        .build();
    let mut changed = Struct::new(v2.clone()).unwrap();
    changed.put("id", 15i64).unwrap();
    changed.put("region", "eu").unwrap();
    changed.put("amount", Value::Float64(1.0)).unwrap();
    changed
        .put(
            "paid",
            Value::Timestamp(logical::timestamp_from_millis(base).unwrap()),
        )
        .unwrap();
    records.push(record(
        0,
        15,
        Some(v2),
        Value::Struct(changed),
        Some(base + 15 * minute),
    ));
    // And a record an hour later: another encoded partition (rotation again).
    let mut late = order_record(0, 16);
    late.record.timestamp = Some(base + 61 * minute);
    records.push(late);
    task.put(records).await.expect("put");

    let dir = "topics/orders/year=2024/month=03/day=05/hour=07";
    assert_eq!(
        server.objects(BUCKET),
        vec![
            format!("{dir}/orders+0+0000000000.snappy.parquet"),
            format!("{dir}/orders+0+0000000010.snappy.parquet"),
            format!("{dir}/orders+0+0000000015.snappy.parquet"),
        ]
    );
    let rows = parquet_rows(
        &server,
        &format!("{dir}/orders+0+0000000000.snappy.parquet"),
    );
    assert_eq!(rows.len(), 10);
    assert_eq!(
        rows[4],
        vec![
            ("id".to_string(), Field::Long(4)),
            ("region".to_string(), Field::Str("us".into())),
            ("amount".to_string(), Field::Double(6.0)),
            ("note".to_string(), Field::Null),
        ]
    );
    let rows = parquet_rows(
        &server,
        &format!("{dir}/orders+0+0000000015.snappy.parquet"),
    );
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].contains(&("paid".to_string(), Field::TimestampMillis(base))),
        "{:?}",
        rows[0]
    );
    // The 08:01 record is in an open file.
    assert_eq!(committable(&mut task, &[0]).await, HashMap::from([(0, 16)]));
}

#[tokio::test]
async fn restart_from_the_committed_offset_rewrites_the_same_objects() {
    let server = server();
    let p = props(
        &server,
        &[
            ("flush.size", "5"),
            ("format.class", "ParquetFormat"),
            ("parquet.codec", "none"),
        ],
    );
    let mut first = task(p.clone(), &[0]).await;
    first
        .put((0..13).map(|o| order_record(0, o)).collect())
        .await
        .expect("put");
    let committed = committable(&mut first, &[0]).await[&0];
    assert_eq!(committed, 10);
    let before: Vec<(String, Vec<u8>)> = server
        .objects(BUCKET)
        .into_iter()
        .map(|k| {
            let bytes = server.read(BUCKET, &k);
            (k, bytes)
        })
        .collect();
    assert_eq!(before.len(), 2);
    // A crash: the task is dropped without close/stop; its open file (offsets 10..12)
    // never reaches the bucket.
    drop(first);

    // The runtime resumes from the committed offset, but say the crash came before the
    // commit reached the store: the new task replays from 5.
    let mut second = task(p, &[0]).await;
    second
        .put((5..20).map(|o| order_record(0, o)).collect())
        .await
        .expect("put");
    assert_eq!(committable(&mut second, &[0]).await[&0], 20);
    let after = server.objects(BUCKET);
    assert_eq!(
        after,
        vec![
            "topics/orders/partition=0/orders+0+0000000000.parquet",
            "topics/orders/partition=0/orders+0+0000000005.parquet",
            "topics/orders/partition=0/orders+0+0000000010.parquet",
            "topics/orders/partition=0/orders+0+0000000015.parquet",
        ]
    );
    for (key, bytes) in before {
        assert_eq!(
            server.read(BUCKET, &key),
            bytes,
            "{key} rewritten with the same bytes"
        );
    }
    let ids: Vec<i64> = after
        .iter()
        .flat_map(|k| parquet_rows(&server, k))
        .map(|row| match &row[0].1 {
            Field::Long(id) => *id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, (0..20).collect::<Vec<_>>(), "every record once");
}

#[tokio::test]
async fn null_values_fail_or_are_skipped() {
    let server = server();
    let mut task = task(props(&server, &[]), &[0]).await;
    let err = task
        .put(vec![record(0, 0, None, Value::Null, None)])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("orders-0@0")
            && err.to_string().contains("behavior.on.null.values"),
        "{err}"
    );

    let mut task = common::task(
        props(
            &server,
            &[("behavior.on.null.values", "ignore"), ("flush.size", "2")],
        ),
        &[0],
    )
    .await;
    task.put(vec![
        order_record(0, 0),
        record(0, 1, None, Value::Null, None),
        order_record(0, 2),
    ])
    .await
    .expect("put");
    assert_eq!(
        server.objects(BUCKET),
        vec!["topics/orders/partition=0/orders+0+0000000000.json"]
    );
    assert_eq!(
        lines(
            &server,
            "topics/orders/partition=0/orders+0+0000000000.json"
        )
        .len(),
        2
    );
    assert_eq!(committable(&mut task, &[0]).await, HashMap::from([(0, 3)]));
}

#[tokio::test]
async fn wall_clock_rotation_commits_idle_files() {
    let server = server();
    let p = props(
        &server,
        &[
            ("flush.size", "1000"),
            ("rotate.schedule.interval.ms", "2000"),
        ],
    );
    let mut task = task(p, &[0]).await;
    task.put(vec![order_record(0, 0), order_record(0, 1)])
        .await
        .expect("put");
    // Nothing is due yet (unless the put itself crossed a 2 s boundary of the clock,
    // which commits record 0 alone: both cases are checked by content below).
    let early = committable(&mut task, &[0]).await;
    assert!(early.get(&0).is_none_or(|o| *o == 1), "{early:?}");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    // No new records: the wall clock alone commits the idle file.
    assert_eq!(committable(&mut task, &[0]).await, HashMap::from([(0, 2)]));
    let objects = server.objects(BUCKET);
    assert_eq!(
        objects[0],
        "topics/orders/partition=0/orders+0+0000000000.json"
    );
    let ids: Vec<String> = objects.iter().flat_map(|k| lines(&server, k)).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
}

#[tokio::test]
async fn files_larger_than_a_part_go_up_in_multipart_parts() {
    let server = server();
    let p = props(
        &server,
        &[
            ("format.class", "ByteArrayFormat"),
            ("s3.part.size", "5242880"),
            ("flush.size", "6000"),
        ],
    );
    let mut task = task(p, &[0]).await;
    let payload = |o: i64| -> Vec<u8> {
        let mut v = format!("{o:08}").into_bytes();
        v.resize(1023, b'x');
        v
    };
    // 5,999 records of 1 KiB: one full 5 MiB part is sent while the file is open.
    task.put(
        (0..5999)
            .map(|o| record(0, o, None, Value::Bytes(payload(o)), None))
            .collect(),
    )
    .await
    .expect("put");
    let parts = std::fs::read_dir(server.root())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".upload_id-"))
        .count();
    assert_eq!(parts, 1, "one 5 MiB part uploaded, the rest buffered");
    assert!(
        server.objects(BUCKET).is_empty(),
        "an open file is invisible"
    );
    task.put(vec![record(
        0,
        5999,
        None,
        Value::Bytes(payload(5999)),
        None,
    )])
    .await
    .expect("put");
    let key = "topics/orders/partition=0/orders+0+0000000000.bin";
    assert_eq!(server.objects(BUCKET), vec![key]);
    let expected: Vec<u8> = (0..6000)
        .flat_map(|o| {
            let mut p = payload(o);
            p.push(b'\n');
            p
        })
        .collect();
    assert!(server.read(BUCKET, key) == expected, "the parts in order");
    assert_eq!(
        committable(&mut task, &[0]).await,
        HashMap::from([(0, 6000)])
    );
}
