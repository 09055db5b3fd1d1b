//! A record the converter cannot read fails the sink task: its status becomes FAILED
//! with a trace naming the stage, the connector stays RUNNING, and no offset moves past
//! the bad record. Then the task is re-created by a config change and a fixed converter
//! reads everything.

use std::fs;
use std::path::Path;
use std::time::Duration;

use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use testkit::{free_port, http, wait_until, Broker, Worker};

fn status(port: u16, name: &str) -> serde_json::Value {
    http::get(port, &format!("/connectors/{name}/status"))
        .and_then(|(code, body)| (code == 200).then_some(body))
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn converter_failure_marks_the_task_failed_with_a_trace() {
    let broker = Broker::start();
    broker.create_topic("bad-input", 1);
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &broker.bootstrap)
        .create()
        .unwrap();
    for payload in ["\"ok\"", "not json at all", "\"after\""] {
        p.send(BaseRecord::<(), str>::to("bad-input").payload(payload))
            .unwrap();
    }
    p.flush(Duration::from_secs(10)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker_props = dir.path().join("worker.properties");
    fs::write(
        &worker_props,
        format!(
            "bootstrap.servers={}\nlisteners=http://127.0.0.1:{port}\ndata.dir={}\noffset.flush.interval.ms=500\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n",
            broker.bootstrap,
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out.txt");
    let sink = dir.path().join("sink.properties");
    fs::write(
        &sink,
        format!(
            "name=sink\nconnector.class=FileStreamSink\ntopics=bad-input\nfile={}\n",
            out.display()
        ),
    )
    .unwrap();
    let worker = Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &worker_props,
        &[&sink],
        &dir.path().join("worker.log"),
        port,
    );
    let failed = wait_until(Duration::from_secs(60), || {
        status(port, "sink")["tasks"][0]["state"] == "FAILED"
    });
    let st = status(port, "sink");
    assert!(failed, "task did not fail: {st}\n{}", worker.log_text());
    let trace = st["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("VALUE_CONVERTER"),
        "trace names the stage: {trace}"
    );
    assert!(
        trace.contains("DataException"),
        "trace names the exception: {trace}"
    );
    assert_eq!(st["connector"]["state"], "RUNNING", "{st}");
    // The record before the bad one was put, but a failed task commits nothing past it.
    assert!(!fs::read_to_string(&out)
        .unwrap_or_default()
        .contains("after"));

    // A user restart runs the task again (shown RESTARTING meanwhile): it meets the
    // same bad record and fails again.
    let runs = |log: &str| {
        log.lines()
            .filter(|l| l.contains("starting") && l.contains("task sink-0"))
            .count()
    };
    let before = runs(&worker.log_text());
    let (code, body) =
        http::request(port, "POST", "/connectors/sink/tasks/0/restart", None).unwrap();
    assert_eq!(code, 204, "{body}");
    let state = status(port, "sink")["tasks"][0]["state"].clone();
    assert!(state == "RESTARTING" || state == "FAILED", "{state}");
    let rerun = wait_until(Duration::from_secs(60), || {
        runs(&worker.log_text()) > before && status(port, "sink")["tasks"][0]["state"] == "FAILED"
    });
    assert!(
        rerun,
        "the task ran again and failed: {}\n{}",
        status(port, "sink"),
        worker.log_text()
    );

    // A config change (a converter that accepts anything) replaces the failed task.
    let new_config = serde_json::json!({
        "connector.class": "FileStreamSink",
        "topics": "bad-input",
        "file": out.display().to_string(),
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    });
    let (code, body) = http::request(
        port,
        "PUT",
        "/connectors/sink/config",
        Some(&new_config.to_string()),
    )
    .unwrap();
    assert_eq!(code, 200, "{body}");
    let all = wait_until(Duration::from_secs(60), || {
        fs::read_to_string(&out)
            .unwrap_or_default()
            .contains("after")
    });
    assert!(
        all,
        "records after the bad one arrive: {}\n{}",
        status(port, "sink"),
        worker.log_text()
    );
    assert_eq!(status(port, "sink")["tasks"][0]["state"], "RUNNING");
}
