//! Error handling against a real broker: Kafka's dead letter queue scenario for sinks
//! (tolerance all and none), retries of a failing put() (within and past
//! errors.retry.timeout), the errant record reporter, and the same DLQ scenario for a
//! source with poison records (our addition: Kafka has no source DLQ).
//!
//! The failing connectors are the hidden test plugins (`RAFTCONNECT_TEST_PLUGINS=1`).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use serde_json::{json, Value};
use testkit::{free_port, http, wait_until, Broker, Worker};

/// A record as read back from a topic.
#[derive(Debug, Clone)]
struct Rec {
    offset: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

impl Rec {
    fn header(&self, key: &str) -> Option<String> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.clone())
            .map(|v| String::from_utf8(v).unwrap())
    }

    fn value_str(&self) -> String {
        String::from_utf8(self.value.clone().unwrap_or_default()).unwrap()
    }
}

/// Every record of partition 0 of `topic`, read until at least `at_least` arrived and
/// then nothing new for `quiet` (or 60 s passed).
fn read_records(bootstrap: &str, topic: &str, at_least: usize, quiet: Duration) -> Vec<Rec> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "errors-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    c.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut quiet_since = Instant::now();
    while Instant::now() < deadline {
        match c.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                out.push(Rec {
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    value: m.payload().map(<[u8]>::to_vec),
                    headers: m
                        .headers()
                        .map(|h| {
                            h.iter()
                                .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                                .collect()
                        })
                        .unwrap_or_default(),
                });
                quiet_since = Instant::now();
            }
            _ => {
                if out.len() >= at_least && quiet_since.elapsed() > quiet {
                    break;
                }
            }
        }
    }
    out
}

fn produce(bootstrap: &str, topic: &str, records: &[(String, Vec<u8>)]) {
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    for (i, (key, value)) in records.iter().enumerate() {
        let headers = OwnedHeaders::new().insert(Header {
            key: "origin",
            value: Some(format!("h-{i}").as_bytes()),
        });
        loop {
            let r = BaseRecord::to(topic)
                .key(key.as_bytes())
                .payload(value.as_slice())
                .headers(headers.clone())
                .timestamp(1_700_000_000_000 + i as i64);
            match p.send(r) {
                Ok(()) => break,
                Err(_) => {
                    p.poll(Duration::from_millis(50));
                }
            }
        }
    }
    p.flush(Duration::from_secs(30)).unwrap();
}

struct Setup {
    dir: tempfile::TempDir,
    port: u16,
    worker: Worker,
}

/// A standalone worker (JsonConverter without schemas for values, StringConverter for
/// keys) with the test plugins, no connectors yet.
fn start_worker(broker: &Broker) -> Setup {
    // The worker process inherits this: it registers the failing test connectors.
    std::env::set_var("RAFTCONNECT_TEST_PLUGINS", "1");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = dir.path().join("worker.properties");
    fs::write(
        &props,
        format!(
            "bootstrap.servers={}\nlisteners=http://127.0.0.1:{port}\ndata.dir={}\noffset.flush.interval.ms=300\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n",
            broker.bootstrap,
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let worker = Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &props,
        &[],
        &dir.path().join("worker.log"),
        port,
    );
    let up = wait_until(Duration::from_secs(30), || {
        http::get(port, "/").is_some_and(|(c, _)| c == 200)
    });
    assert!(up, "worker did not start:\n{}", worker.log_text());
    Setup { dir, port, worker }
}

impl Setup {
    fn create(&self, name: &str, config: Value) {
        let body = json!({"name": name, "config": config}).to_string();
        let (code, body) = http::request(self.port, "POST", "/connectors", Some(&body)).unwrap();
        assert_eq!(code, 201, "{body}");
    }

    fn get(&self, path: &str) -> Value {
        http::get(self.port, path)
            .filter(|(c, _)| *c == 200)
            .and_then(|(_, b)| serde_json::from_str(&b).ok())
            .unwrap_or(Value::Null)
    }

    fn task_state(&self, name: &str) -> Value {
        self.get(&format!("/connectors/{name}/status"))["tasks"][0].clone()
    }

    fn wait_task_state(&self, name: &str, state: &str) -> Value {
        let ok = wait_until(Duration::from_secs(60), || {
            self.task_state(name)["state"] == state
        });
        let st = self.task_state(name);
        assert!(
            ok,
            "{name}: task not {state}: {st}\n{}",
            self.worker.log_text()
        );
        st
    }

    fn metrics(&self, name: &str) -> Value {
        self.get(&format!("/connectors/{name}/tasks/0/metrics"))["task-error-metrics"].clone()
    }

    fn lines(&self, file: &str) -> Vec<String> {
        fs::read_to_string(self.dir.path().join(file))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn path(&self, file: &str) -> String {
        self.dir.path().join(file).display().to_string()
    }

    /// The committed offsets (GET /connectors/{name}/offsets).
    fn offsets(&self, name: &str) -> Value {
        self.get(&format!("/connectors/{name}/offsets"))["offsets"].clone()
    }
}

const N: usize = 1000;

/// Kafka's scenario: 1,000 records, the odd ones malformed JSON.
fn dlq_input() -> Vec<(String, Vec<u8>)> {
    (0..N)
        .map(|i| {
            let value = if i % 2 == 0 {
                format!("\"good-{i}\"").into_bytes()
            } else {
                format!("{{bad json {i}").into_bytes()
            };
            (format!("k-{i}"), value)
        })
        .collect()
}

#[test]
fn sink_dead_letter_queue_as_kafka() {
    let broker = Broker::start();
    broker.create_topic("dlq-in-all", 1);
    broker.create_topic("dlq-in-none", 1);
    let input = dlq_input();
    produce(&broker.bootstrap, "dlq-in-all", &input);
    produce(&broker.bootstrap, "dlq-in-none", &input);
    let s = start_worker(&broker);

    // errors.tolerance=all: the good records in the file, the bad ones in the DLQ. The
    // DLQ's replication factor is Kafka's default 3, lowered to our one broker.
    s.create(
        "sink-all",
        json!({
            "connector.class": "FileStreamSink",
            "topics": "dlq-in-all",
            "file": s.path("all.txt"),
            "errors.tolerance": "all",
            "errors.log.enable": "true",
            "errors.log.include.messages": "true",
            "errors.deadletterqueue.topic.name": "dlq-all",
            "errors.deadletterqueue.context.headers.enable": "true",
        }),
    );
    // errors.tolerance=none: the task fails at the first bad record, which is in the DLQ.
    s.create(
        "sink-none",
        json!({
            "connector.class": "FileStreamSink",
            "topics": "dlq-in-none",
            "file": s.path("none.txt"),
            "errors.deadletterqueue.topic.name": "dlq-none",
            "errors.deadletterqueue.context.headers.enable": "true",
        }),
    );

    let done = wait_until(Duration::from_secs(90), || {
        s.lines("all.txt").len() >= N / 2
    });
    assert!(
        done,
        "{:?}\n{}",
        s.task_state("sink-all"),
        s.worker.log_text()
    );
    let want: Vec<String> = (0..N).step_by(2).map(|i| format!("good-{i}")).collect();
    assert_eq!(
        s.lines("all.txt"),
        want,
        "exactly the good records, in order"
    );

    let dlq = read_records(&broker.bootstrap, "dlq-all", N / 2, Duration::from_secs(2));
    assert_eq!(dlq.len(), N / 2, "exactly the bad records in the DLQ");
    for (j, r) in dlq.iter().enumerate() {
        let i = 2 * j + 1;
        assert_eq!(
            r.value.as_deref(),
            Some(input[i].1.as_slice()),
            "raw value {i}"
        );
        assert_eq!(r.key.as_deref(), Some(input[i].0.as_bytes()), "raw key {i}");
        // The original headers come first, then the context headers.
        assert_eq!(
            r.headers[0],
            ("origin".to_string(), Some(format!("h-{i}").into_bytes()))
        );
        assert_eq!(r.header("__connect.errors.topic").unwrap(), "dlq-in-all");
        assert_eq!(r.header("__connect.errors.partition").unwrap(), "0");
        assert_eq!(r.header("__connect.errors.offset").unwrap(), i.to_string());
        assert_eq!(
            r.header("__connect.errors.connector.name").unwrap(),
            "sink-all"
        );
        assert_eq!(r.header("__connect.errors.task.id").unwrap(), "0");
        assert_eq!(
            r.header("__connect.errors.stage").unwrap(),
            "VALUE_CONVERTER"
        );
        assert_eq!(
            r.header("__connect.errors.class.name").unwrap(),
            "org.apache.kafka.connect.json.JsonConverter"
        );
        assert_eq!(
            r.header("__connect.errors.exception.class.name").unwrap(),
            "org.apache.kafka.connect.errors.DataException"
        );
        let msg = r.header("__connect.errors.exception.message").unwrap();
        assert!(
            msg.starts_with(
                "Converting byte[] to Kafka Connect data failed due to serialization error"
            ),
            "{msg}"
        );
        let trace = r.header("__connect.errors.exception.stacktrace").unwrap();
        assert!(
            trace.starts_with("org.apache.kafka.connect.errors.DataException: Converting"),
            "{trace}"
        );
    }
    // Timestamps are the originals.
    let ts_ok = {
        let c: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &broker.bootstrap)
            .set("group.id", "errors-test-ts")
            .create()
            .unwrap();
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset("dlq-all", 0, Offset::Beginning)
            .unwrap();
        c.assign(&tpl).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut ts = None;
        while ts.is_none() && Instant::now() < deadline {
            if let Some(Ok(m)) = c.poll(Duration::from_secs(1)) {
                ts = m.timestamp().to_millis();
            }
        }
        ts == Some(1_700_000_000_001)
    };
    assert!(ts_ok, "the DLQ record keeps the original timestamp");
    assert_eq!(s.task_state("sink-all")["state"], "RUNNING");
    // Every offset is committed, the DLQ'd ones included.
    let committed = wait_until(Duration::from_secs(30), || {
        s.offsets("sink-all")[0]["offset"]["kafka_offset"] == N as u64
    });
    assert!(committed, "{}", s.offsets("sink-all"));
    let m = s.metrics("sink-all");
    assert_eq!(m["total-records-skipped"], 500, "{m}");
    assert_eq!(m["total-record-failures"], 500, "{m}");
    assert_eq!(m["deadletterqueue-produce-requests"], 500, "{m}");
    assert_eq!(m["total-records-dead-lettered"], 500, "{m}");
    assert_eq!(m["total-errors-logged"], 500, "{m}");
    assert_eq!(m["total-record-errors"], 0, "{m}");

    // tolerance=none: FAILED with the trace, the DLQ holds exactly the first bad record.
    let st = s.wait_task_state("sink-none", "FAILED");
    let trace = st["trace"].as_str().unwrap();
    assert!(
        trace.contains("Tolerance exceeded in error handler"),
        "{trace}"
    );
    assert!(trace.contains("VALUE_CONVERTER"), "{trace}");
    assert!(
        trace.contains("org.apache.kafka.connect.errors.DataException"),
        "{trace}"
    );
    let dlq = read_records(&broker.bootstrap, "dlq-none", 1, Duration::from_secs(3));
    assert_eq!(dlq.len(), 1, "{dlq:?}");
    assert_eq!(dlq[0].value.as_deref(), Some(input[1].1.as_slice()));
    assert_eq!(dlq[0].header("__connect.errors.offset").unwrap(), "1");
    assert_eq!(
        dlq[0].header("__connect.errors.stage").unwrap(),
        "VALUE_CONVERTER"
    );
    // Nothing past the bad record was written; no offset was committed past it.
    assert!(!s.lines("none.txt").iter().any(|l| l == "good-2"));
    let off = &s.offsets("sink-none")[0]["offset"]["kafka_offset"];
    assert!(off.is_null() || off.as_u64().unwrap() <= 1, "{off}");
    let m = s.metrics("sink-none");
    assert_eq!(m["total-record-errors"], 1, "{m}");
    assert_eq!(m["total-records-skipped"], 0, "{m}");
}

#[test]
fn put_retries_within_the_timeout_and_fails_past_it() {
    let broker = Broker::start();
    for t in ["flaky-in", "dead-in", "errant-in"] {
        broker.create_topic(t, 1);
    }
    let records: Vec<(String, Vec<u8>)> = (0..100)
        .map(|i| (format!("k-{i}"), format!("\"v-{i}\"").into_bytes()))
        .collect();
    produce(&broker.bootstrap, "flaky-in", &records);
    produce(&broker.bootstrap, "dead-in", &records);
    let errant: Vec<(String, Vec<u8>)> = (0..100)
        .map(|i| {
            let v = if i % 10 == 3 {
                format!("\"bad-{i}\"")
            } else {
                format!("\"v-{i}\"")
            };
            (format!("k-{i}"), v.into_bytes())
        })
        .collect();
    produce(&broker.bootstrap, "errant-in", &errant);
    let s = start_worker(&broker);

    // put() fails retriably 3 times, then works: every record once, in order.
    s.create(
        "flaky",
        json!({
            "connector.class": "FlakySink",
            "topics": "flaky-in",
            "file": s.path("flaky.txt"),
            "fail.times": "3",
            "errors.retry.timeout": "30000",
            "errors.retry.delay.max.ms": "1000",
        }),
    );
    // put() keeps failing: past errors.retry.timeout the task fails.
    s.create(
        "dead",
        json!({
            "connector.class": "FlakySink",
            "topics": "dead-in",
            "file": s.path("dead.txt"),
            "fail.times": "1000000",
            "errors.retry.timeout": "2000",
            "errors.retry.delay.max.ms": "500",
        }),
    );
    // The task reports records it rejects with the errant record reporter.
    s.create(
        "errant",
        json!({
            "connector.class": "FlakySink",
            "topics": "errant-in",
            "file": s.path("errant.txt"),
            "report.matching": "bad",
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": "errant-dlq",
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
        }),
    );

    let want: Vec<String> = (0..100).map(|i| format!("v-{i}")).collect();
    let started = Instant::now();
    let ok = wait_until(Duration::from_secs(60), || {
        s.lines("flaky.txt").len() >= 100
    });
    assert!(ok, "{}\n{}", s.task_state("flaky"), s.worker.log_text());
    // Three waits of 300, 600 and 1000 ms at most (jittered past the 1 s cap).
    assert!(started.elapsed() < Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(s.lines("flaky.txt"), want, "every record exactly once");
    assert_eq!(s.task_state("flaky")["state"], "RUNNING");
    let m = s.metrics("flaky");
    assert_eq!(m["total-retries"], 3, "{m}");
    assert_eq!(m["total-record-failures"], 3, "{m}");
    assert_eq!(m["total-records-skipped"], 0, "{m}");

    let st = s.wait_task_state("dead", "FAILED");
    let trace = st["trace"].as_str().unwrap();
    assert!(
        trace.contains("org.apache.kafka.connect.errors.RetriableException"),
        "{trace}"
    );
    assert!(trace.contains("TASK_PUT"), "{trace}");
    assert!(trace.contains("errors.retry.timeout"), "{trace}");
    assert!(s.lines("dead.txt").is_empty());
    let m = s.metrics("dead");
    assert!(m["total-retries"].as_u64().unwrap() >= 2, "{m}");
    assert_eq!(m["total-record-errors"], 1, "{m}");

    // Errant records: the others written, the rejected ones in the DLQ as consumed.
    let good: Vec<String> = (0..100)
        .filter(|i| i % 10 != 3)
        .map(|i| format!("v-{i}"))
        .collect();
    let ok = wait_until(Duration::from_secs(60), || {
        s.lines("errant.txt").len() >= 90
    });
    assert!(ok, "{}\n{}", s.task_state("errant"), s.worker.log_text());
    assert_eq!(s.lines("errant.txt"), good);
    let dlq = read_records(&broker.bootstrap, "errant-dlq", 10, Duration::from_secs(2));
    let got: Vec<String> = dlq.iter().map(Rec::value_str).collect();
    let want: Vec<String> = (0..100)
        .filter(|i| i % 10 == 3)
        .map(|i| format!("\"bad-{i}\""))
        .collect();
    assert_eq!(got, want);
    for r in &dlq {
        assert_eq!(r.header("__connect.errors.stage").unwrap(), "TASK_PUT");
        assert_eq!(
            r.header("__connect.errors.class.name").unwrap(),
            "org.apache.kafka.connect.sink.SinkTask"
        );
        let offset: i64 = r
            .header("__connect.errors.offset")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(offset % 10, 3);
        assert!(r
            .header("__connect.errors.exception.message")
            .unwrap()
            .contains("rejected"));
        assert!(r.offset >= 0);
    }
    let committed = wait_until(Duration::from_secs(30), || {
        s.offsets("errant")[0]["offset"]["kafka_offset"] == 100
    });
    assert!(committed, "{}", s.offsets("errant"));
    assert_eq!(s.metrics("errant")["total-records-dead-lettered"], 10);
}

#[test]
fn source_poison_records_go_to_the_dead_letter_queue() {
    let broker = Broker::start();
    let s = start_worker(&broker);
    // Records 50 and 120 have a value that does not fit their schema: the value
    // converter (JsonConverter) rejects them.
    s.create(
        "src-all",
        json!({
            "connector.class": "PoisonSource",
            "topic": "src-all-out",
            "count": "200",
            "poison": "50,120",
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": "src-all-dlq",
            "errors.deadletterqueue.context.headers.enable": "true",
        }),
    );
    s.create(
        "src-none",
        json!({
            "connector.class": "PoisonSource",
            "topic": "src-none-out",
            "count": "200",
            "poison": "50,120",
            "errors.deadletterqueue.topic.name": "src-none-dlq",
            "errors.deadletterqueue.context.headers.enable": "true",
        }),
    );

    let out = read_records(
        &broker.bootstrap,
        "src-all-out",
        198,
        Duration::from_secs(2),
    );
    let got: Vec<String> = out.iter().map(Rec::value_str).collect();
    let want: Vec<String> = (0..200)
        .filter(|i| *i != 50 && *i != 120)
        .map(|i| format!("\"record-{i}\""))
        .collect();
    assert_eq!(got, want);
    let dlq = read_records(&broker.bootstrap, "src-all-dlq", 2, Duration::from_secs(2));
    assert_eq!(dlq.len(), 2, "{dlq:?}");
    for (r, i) in dlq.iter().zip([50, 120]) {
        // Written as JSON without the schema it does not fit.
        assert_eq!(r.value_str(), i.to_string());
        assert_eq!(
            r.header("__connect.errors.source.partition").unwrap(),
            r#"{"source":"poison"}"#
        );
        assert_eq!(
            r.header("__connect.errors.source.offset").unwrap(),
            format!(r#"{{"i":{i}}}"#)
        );
        assert!(r.header("__connect.errors.topic").is_none());
        assert_eq!(
            r.header("__connect.errors.connector.name").unwrap(),
            "src-all"
        );
        assert_eq!(
            r.header("__connect.errors.stage").unwrap(),
            "VALUE_CONVERTER"
        );
        assert_eq!(
            r.header("__connect.errors.class.name").unwrap(),
            "org.apache.kafka.connect.json.JsonConverter"
        );
        assert_eq!(
            r.header("__connect.errors.exception.class.name").unwrap(),
            "org.apache.kafka.connect.errors.DataException"
        );
    }
    // The source offset moves past the poison records (after their DLQ writes).
    let committed = wait_until(Duration::from_secs(30), || {
        s.offsets("src-all")[0]["offset"] == json!({"i": 199})
    });
    assert!(committed, "{}", s.offsets("src-all"));
    assert_eq!(s.task_state("src-all")["state"], "RUNNING");
    let m = s.metrics("src-all");
    assert_eq!(m["total-records-skipped"], 2, "{m}");
    assert_eq!(m["total-records-dead-lettered"], 2, "{m}");

    // tolerance=none: FAILED at record 50; the DLQ has exactly it; the topic and the
    // committed offset stop right before it.
    let st = s.wait_task_state("src-none", "FAILED");
    let trace = st["trace"].as_str().unwrap();
    assert!(
        trace.contains("Tolerance exceeded in error handler"),
        "{trace}"
    );
    assert!(trace.contains("VALUE_CONVERTER"), "{trace}");
    let dlq = read_records(&broker.bootstrap, "src-none-dlq", 1, Duration::from_secs(3));
    assert_eq!(dlq.len(), 1, "{dlq:?}");
    assert_eq!(
        dlq[0].header("__connect.errors.source.offset").unwrap(),
        r#"{"i":50}"#
    );
    let out = read_records(
        &broker.bootstrap,
        "src-none-out",
        50,
        Duration::from_secs(2),
    );
    assert_eq!(out.len(), 50);
    let committed = wait_until(Duration::from_secs(30), || {
        s.offsets("src-none")[0]["offset"] == json!({"i": 49})
    });
    assert!(committed, "{}", s.offsets("src-none"));

    // Metrics of a task that does not exist: 404.
    let (code, body) = http::get(s.port, "/connectors/nope/tasks/0/metrics").unwrap();
    assert_eq!(code, 404, "{body}");
}

#[test]
fn transformation_failures_in_both_pipelines() {
    let broker = Broker::start();
    let s = start_worker(&broker);
    let input = s.path("numbers.txt");
    fs::write(&input, "1\n2\nthree\n4\n").unwrap();
    // Source: FileStreamSource -> Cast$Value (int32) -> topic; "three" cannot be cast.
    s.create(
        "cast-src",
        json!({
            "connector.class": "FileStreamSource",
            "file": input,
            "topic": "numbers",
            "transforms": "toInt",
            "transforms.toInt.type": "org.apache.kafka.connect.transforms.Cast$Value",
            "transforms.toInt.spec": "int32",
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": "numbers-dlq",
            "errors.deadletterqueue.context.headers.enable": "true",
        }),
    );
    // Sink: numbers -> HoistField$Value -> file; the chain runs after the converters.
    s.create(
        "hoist-sink",
        json!({
            "connector.class": "FileStreamSink",
            "topics": "numbers",
            "file": s.path("hoisted.txt"),
            "transforms": "hoist",
            "transforms.hoist.type": "HoistField$Value",
            "transforms.hoist.field": "n",
        }),
    );
    let out = read_records(&broker.bootstrap, "numbers", 3, Duration::from_secs(2));
    let got: Vec<String> = out.iter().map(Rec::value_str).collect();
    assert_eq!(got, ["1", "2", "4"], "{}", s.worker.log_text());
    let dlq = read_records(&broker.bootstrap, "numbers-dlq", 1, Duration::from_secs(2));
    assert_eq!(dlq.len(), 1);
    // The record as the connector produced it, before the transformation.
    assert_eq!(dlq[0].value_str(), "\"three\"");
    assert_eq!(
        dlq[0].header("__connect.errors.stage").unwrap(),
        "TRANSFORMATION"
    );
    assert_eq!(
        dlq[0].header("__connect.errors.class.name").unwrap(),
        "org.apache.kafka.connect.transforms.Cast$Value"
    );
    let ok = wait_until(Duration::from_secs(60), || {
        s.lines("hoisted.txt").len() >= 3
    });
    assert!(
        ok,
        "{}\n{}",
        s.task_state("hoist-sink"),
        s.worker.log_text()
    );
    assert_eq!(s.lines("hoisted.txt"), ["{n=1}", "{n=2}", "{n=4}"]);
    assert_eq!(s.task_state("cast-src")["state"], "RUNNING");
}
