//! Kafka's standalone quickstart, unchanged but for paths and ports, against a real
//! broker: a FileStream source reads a file into a topic, a FileStream sink writes the
//! topic to another file. The worker is stopped mid-way and restarted; the output must
//! be identical to the input (no loss, no duplicates), and the topic must hold exactly
//! what Kafka Connect's JsonConverter writes.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use testkit::{free_port, wait_until, Broker, Worker};

const LINES: usize = 10_000;

fn line(i: usize) -> String {
    // Varied lengths and characters, including JSON-escaped ones and non-ASCII.
    format!(
        "line {i:05} \"quoted\" \\ tab\t ünïcødé {}",
        "x".repeat(i % 37)
    )
}

fn count_lines(p: &Path) -> usize {
    fs::read_to_string(p)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

fn write_quickstart(dir: &Path, bootstrap: &str, port: u16) {
    // config/connect-standalone.properties from Kafka, with our broker and port.
    fs::write(
        dir.join("connect-standalone.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             key.converter.schemas.enable=true\n\
             value.converter.schemas.enable=true\n\
             offset.storage.file.filename={}/connect.offsets\n\
             offset.flush.interval.ms=10000\n\
             listeners=http://127.0.0.1:{port}\n\
             #plugin.path=\n",
            dir.display()
        ),
    )
    .unwrap();
    fs::write(
        dir.join("connect-file-source.properties"),
        format!(
            "name=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\nfile={}\ntopic=connect-test\n",
            dir.join("test.txt").display()
        ),
    )
    .unwrap();
    fs::write(
        dir.join("connect-file-sink.properties"),
        format!(
            "name=local-file-sink\nconnector.class=FileStreamSink\ntasks.max=1\nfile={}\ntopics=connect-test\n",
            dir.join("test.sink.txt").display()
        ),
    )
    .unwrap();
}

fn start(dir: &Path, port: u16) -> Worker {
    Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &dir.join("connect-standalone.properties"),
        &[
            &dir.join("connect-file-source.properties"),
            &dir.join("connect-file-sink.properties"),
        ],
        &dir.join("worker.log"),
        port,
    )
}

fn append(path: &Path, range: std::ops::Range<usize>) {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut buf = String::new();
    for i in range {
        buf.push_str(&line(i));
        buf.push('\n');
    }
    f.write_all(buf.as_bytes()).unwrap();
}

fn read_topic(bootstrap: &str, topic: &str, expect: usize) -> Vec<Vec<u8>> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "quickstart-check")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    c.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while out.len() < expect && std::time::Instant::now() < deadline {
        if let Some(m) = c.poll(Duration::from_millis(200)) {
            out.push(m.unwrap().payload().unwrap_or_default().to_vec());
        }
    }
    // Anything beyond `expect` would be a duplicate: give it a moment to show up.
    let until = std::time::Instant::now() + Duration::from_secs(2);
    while std::time::Instant::now() < until {
        if let Some(m) = c.poll(Duration::from_millis(200)) {
            out.push(m.unwrap().payload().unwrap_or_default().to_vec());
        }
    }
    out
}

#[test]
fn standalone_quickstart_survives_a_restart_without_loss_or_duplicates() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    write_quickstart(dir.path(), &broker.bootstrap, port);
    let input = dir.path().join("test.txt");
    let output = dir.path().join("test.sink.txt");

    // First run: the input grows while the worker runs; stop it mid-way.
    append(&input, 0..3000);
    let mut worker = start(dir.path(), port);
    append(&input, 3000..6000);
    let halfway = wait_until(Duration::from_secs(90), || count_lines(&output) >= 2000);
    assert!(
        halfway,
        "sink wrote {} lines; worker log:\n{}",
        count_lines(&output),
        worker.log_text()
    );
    assert_eq!(
        worker.stop(Duration::from_secs(30)),
        Some(0),
        "clean exit; log:\n{}",
        worker.log_text()
    );
    let first_run = count_lines(&output);
    assert!(first_run < LINES, "stopped mid-way");

    // While it is down, the rest of the input arrives.
    append(&input, 6000..LINES);
    let mut worker = start(dir.path(), port);
    let done = wait_until(Duration::from_secs(120), || count_lines(&output) >= LINES);
    assert!(
        done,
        "sink wrote {} of {LINES} lines; log:\n{}",
        count_lines(&output),
        worker.log_text()
    );
    std::thread::sleep(Duration::from_secs(2)); // any duplicate would land now
    assert_eq!(worker.stop(Duration::from_secs(30)), Some(0));

    let expected = fs::read(&input).unwrap();
    let got = fs::read(&output).unwrap();
    assert!(
        got == expected,
        "output differs from input: {} vs {} bytes ({first_run} lines in the first run); worker log:\n{}",
        got.len(),
        expected.len(),
        worker.log_text()
    );

    // The topic holds exactly one JsonConverter envelope per line, in order.
    let records = read_topic(&broker.bootstrap, "connect-test", LINES);
    assert_eq!(records.len(), LINES, "records in connect-test");
    for (i, r) in records.iter().enumerate() {
        let want = format!(
            "{{\"schema\":{{\"type\":\"string\",\"optional\":false}},\"payload\":{}}}",
            serde_json::to_string(&line(i)).unwrap()
        );
        assert_eq!(String::from_utf8_lossy(r), want, "record {i}");
    }
}
