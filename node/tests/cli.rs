//! Bad input on the command line: a clear message naming the file or key, a non-zero
//! exit, never a panic. None of these need a broker.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raftconnect"))
        .arg("standalone")
        .args(args)
        .output()
        .expect("run raftconnect")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_fails_with(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "exit code; stderr:\n{err}");
    assert!(!err.contains("panicked"), "panicked:\n{err}");
    for n in needles {
        assert!(err.contains(n), "stderr should mention {n:?}:\n{err}");
    }
}

fn worker_props(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("worker.properties");
    fs::write(
        &p,
        format!(
            "bootstrap.servers=127.0.0.1:1\nlisteners=http://127.0.0.1:0\ndata.dir={}\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    p
}

#[test]
fn missing_worker_file_is_named() {
    let o = run(&[Path::new("/nonexistent/worker.properties")]);
    assert_fails_with(&o, &["/nonexistent/worker.properties"]);
}

#[test]
fn unknown_connector_class_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let w = worker_props(dir.path());
    let c = dir.path().join("c.properties");
    fs::write(
        &c,
        "name=x\nconnector.class=com.example.NoSuchConnector\ntopic=t\n",
    )
    .unwrap();
    let o = run(&[&w, &c]);
    assert_fails_with(&o, &["com.example.NoSuchConnector", "c.properties"]);
}

#[test]
fn missing_required_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let w = worker_props(dir.path());
    let c = dir.path().join("c.properties");
    fs::write(&c, "name=x\nconnector.class=FileStreamSource\n").unwrap();
    let o = run(&[&w, &c]);
    assert_fails_with(&o, &["topic", "Connector configuration is invalid"]);
}

#[test]
fn connector_without_name_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let w = worker_props(dir.path());
    let c = dir.path().join("c.json");
    fs::write(
        &c,
        r#"{"connector.class": "FileStreamSink", "topics": "t"}"#,
    )
    .unwrap();
    let o = run(&[&w, &c]);
    assert_fails_with(&o, &["name", "c.json"]);
}

#[test]
fn malformed_properties_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("worker.properties");
    fs::write(&w, "bootstrap.servers=x\nbad=\\uZZZZ\n").unwrap();
    let o = run(&[&w]);
    assert_fails_with(&o, &["worker.properties", "2"]);
}

#[test]
fn bad_worker_value_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("worker.properties");
    fs::write(&w, "offset.flush.interval.ms=soon\n").unwrap();
    let o = run(&[&w]);
    assert_fails_with(&o, &["offset.flush.interval.ms"]);
}

#[test]
fn unknown_converter_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let w = worker_props(dir.path());
    let c = dir.path().join("c.properties");
    fs::write(
        &c,
        "name=x\nconnector.class=FileStreamSource\ntopic=t\nvalue.converter=com.example.Nope\n",
    )
    .unwrap();
    let o = run(&[&w, &c]);
    assert_fails_with(&o, &["com.example.Nope"]);
}
