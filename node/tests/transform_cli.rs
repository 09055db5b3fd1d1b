//! `raftconnect transform` and `raftconnect test`: an SMT chain run offline, from the
//! command line, on JSON-line records.

use std::fs;
use std::process::Command;

fn raftconnect(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_raftconnect"))
        .args(args)
        .output()
        .expect("run raftconnect")
}

const CONFIG: &str = r#"
name=demo
connector.class=FileStreamSink
topics=orders
transforms=tag,route,dropTest
transforms.tag.type=org.apache.kafka.connect.transforms.InsertField$Value
transforms.tag.static.field=origin
transforms.tag.static.value=web
transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
transforms.route.regex=orders-(.*)
transforms.route.replacement=$1-orders
transforms.dropTest.type=org.apache.kafka.connect.transforms.Filter
transforms.dropTest.predicate=isTest
predicates=isTest
predicates.isTest.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches
predicates.isTest.pattern=test-.*
"#;

#[test]
fn transform_prints_the_transformed_records() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.properties");
    fs::write(&config, CONFIG).unwrap();
    let records = dir.path().join("in.jsonl");
    fs::write(
        &records,
        concat!(
            r#"{"topic": "orders-eu", "value": {"id": 1}}"#, "\n",
            r#"{"topic": "orders-test", "value": {"id": 2}}"#, "\n",
            r#"{"topic": "orders-us", "value": {"schema": {"type": "struct", "fields": [{"type": "int32", "optional": false, "field": "id"}], "optional": false}, "payload": {"id": 3}}}"#, "\n",
        ),
    )
    .unwrap();
    let out = raftconnect(&[
        "transform",
        config.to_str().unwrap(),
        records.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "the test-* record is filtered: {lines:?}");
    assert_eq!(lines[0]["topic"], "eu-orders");
    assert_eq!(
        lines[0]["value"],
        serde_json::json!({"id": 1, "origin": "web"})
    );
    assert_eq!(lines[1]["topic"], "us-orders");
    assert_eq!(
        lines[1]["value"]["payload"],
        serde_json::json!({"id": 3, "origin": "web"})
    );
    assert_eq!(lines[1]["value"]["schema"]["fields"][1]["field"], "origin");
}

#[test]
fn test_files_pass_and_fail_with_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let config: serde_json::Map<String, serde_json::Value> = CONFIG
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    let case = |expected_topic: &str| {
        serde_json::json!({
            "name": format!("routes to {expected_topic}"),
            "config": config,
            "input": [{"topic": "orders-eu", "value": {"id": 1}}],
            "expected": [{"topic": expected_topic, "value": {"id": 1, "origin": "web"}}],
        })
    };
    let good = dir.path().join("good.json");
    fs::write(&good, case("eu-orders").to_string()).unwrap();
    let out = raftconnect(&["test", good.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");

    let bad = dir.path().join("bad.json");
    fs::write(&bad, case("nowhere").to_string()).unwrap();
    let out = raftconnect(&["test", bad.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("\"nowhere\"") && stdout.contains("eu-orders"),
        "{stdout}"
    );
}

#[test]
fn a_bad_transform_config_names_the_alias_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.properties");
    fs::write(
        &config,
        "name=x\nconnector.class=FileStreamSink\ntopics=t\ntransforms=c\ntransforms.c.type=org.apache.kafka.connect.transforms.Cast$Value\ntransforms.c.spec=id:float128\n",
    )
    .unwrap();
    let records = dir.path().join("in.jsonl");
    fs::write(&records, "").unwrap();
    let out = raftconnect(&[
        "transform",
        config.to_str().unwrap(),
        records.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("transforms.c"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
