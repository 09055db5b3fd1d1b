//! Kafka's BlockingConnectorTest problem: a connector whose code blocks its thread in
//! start() or validate() must not stall the REST API. Other requests still answer in
//! under a second each.
//!
//! The blocking connector is a hidden test plugin (`RAFTCONNECT_TEST_PLUGINS=1`), run by
//! a standalone worker with its in-process development broker.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::{free_port, http, wait_until, Worker};

const FAST: Duration = Duration::from_secs(1);

struct Setup {
    _dir: tempfile::TempDir,
    port: u16,
    worker: Worker,
}

fn start_worker() -> Setup {
    // The worker process inherits this: it registers the blocking test connector.
    std::env::set_var("RAFTCONNECT_TEST_PLUGINS", "1");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = dir.path().join("worker.properties");
    fs::write(
        &props,
        format!(
            "bootstrap.servers=127.0.0.1:9\nlisteners=http://127.0.0.1:{port}\ndata.dir={}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let worker = Worker::spawn(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &[
            "standalone".to_string(),
            props.display().to_string(),
            "--dev-broker".to_string(),
        ],
        &dir.path().join("worker.log"),
        port,
    );
    let up = wait_until(Duration::from_secs(30), || {
        http::get(port, "/").is_some_and(|(c, _)| c == 200)
    });
    assert!(up, "worker did not start:\n{}", worker.log_text());
    Setup {
        _dir: dir,
        port,
        worker,
    }
}

impl Setup {
    /// Sends a request and asserts it answers `code` within a second.
    fn fast(&self, method: &str, path: &str, body: Option<&str>, code: u16) -> Value {
        let started = Instant::now();
        let answer = http::request(self.port, method, path, body);
        let took = started.elapsed();
        let (c, body) = answer.unwrap_or_else(|| {
            panic!(
                "{method} {path}: no answer after {took:?}\n{}",
                self.worker.log_text()
            )
        });
        assert!(
            took < FAST,
            "{method} {path} took {took:?} (must be under {FAST:?})"
        );
        assert_eq!(c, code, "{method} {path}: {body}");
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    fn create(&self, name: &str, config: Value) {
        let body = json!({"name": name, "config": config}).to_string();
        self.fast("POST", "/connectors", Some(&body), 201);
    }

    fn connector_state(&self, name: &str) -> Option<String> {
        let (c, body) = http::get(self.port, &format!("/connectors/{name}/status"))?;
        if c != 200 {
            return None;
        }
        let v: Value = serde_json::from_str(&body).ok()?;
        v["connector"]["state"].as_str().map(str::to_string)
    }

    /// SIGTERM: the worker exits cleanly (code 0) within seconds, although threads are
    /// still blocked in connector code (they are left behind after a grace period).
    fn stops_despite_blocked_threads(mut self) {
        let started = Instant::now();
        let code = self.worker.stop(Duration::from_secs(30));
        assert_eq!(
            code,
            Some(0),
            "the worker did not exit in {:?}:\n{}",
            started.elapsed(),
            self.worker.log_text()
        );
        assert!(self
            .worker
            .log_text()
            .contains("threads are still blocked in connector code"));
    }

    fn blocked(&self, stage: &str) -> bool {
        self.worker
            .log_text()
            .lines()
            .any(|l| l.contains("BlockingConnector: blocking") && l.contains(stage))
    }
}

fn blocking(stage: &str) -> Value {
    json!({
        "connector.class": "BlockingConnector",
        "tasks.max": "1",
        "block": stage,
    })
}

#[test]
fn a_connector_blocked_in_start_does_not_stall_the_api() {
    let w = start_worker();
    w.create("stuck-start", blocking("start"));
    assert!(
        wait_until(Duration::from_secs(10), || w.blocked("start")),
        "the connector never reached start():\n{}",
        w.worker.log_text()
    );
    // A second one blocked in start() too: with two worker threads on a two-core
    // machine, two stuck starts would starve the executor if they ran on it.
    w.create("stuck-start-2", blocking("start"));
    assert!(wait_until(Duration::from_secs(10), || w
        .worker
        .log_text()
        .matches("BlockingConnector: blocking")
        .count()
        >= 2));

    let names = w.fast("GET", "/connectors", None, 200);
    let mut names: Vec<_> = names
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["stuck-start", "stuck-start-2"]);
    let plugins = w.fast("GET", "/connector-plugins", None, 200);
    assert!(plugins
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["class"] == "io.raftconnect.test.BlockingConnector"));
    w.fast("GET", "/", None, 200);
    w.fast("GET", "/connectors/stuck-start/status", None, 200);
    w.fast("GET", "/connectors/stuck-start/config", None, 200);

    // Deleting a stuck connector answers at once (its start() is left to run out).
    w.fast("DELETE", "/connectors/stuck-start-2", None, 204);
    w.fast("GET", "/connectors/stuck-start-2", None, 404);

    // A normal connector still starts and runs its task.
    w.create("normal", blocking("none"));
    w.fast("GET", "/connectors/normal/status", None, 200);
    assert!(
        wait_until(Duration::from_secs(10), || {
            let s = w.fast("GET", "/connectors/normal/status", None, 200);
            s["connector"]["state"] == "RUNNING"
                && s["tasks"]
                    .as_array()
                    .is_some_and(|t| t.len() == 1 && t[0]["state"] == "RUNNING")
        }),
        "the normal connector did not run:\n{}",
        w.worker.log_text()
    );

    // One whose task blocks in start(): the connector runs, the API still answers.
    w.create("stuck-task", blocking("task_start"));
    assert!(wait_until(Duration::from_secs(10), || w.blocked("task_start")));
    w.fast("GET", "/connectors?expand=status", None, 200);
    w.fast("GET", "/connectors/normal/status", None, 200);
    w.fast("PUT", "/connectors/normal/pause", None, 202);
    assert!(wait_until(Duration::from_secs(10), || w
        .connector_state("normal")
        .as_deref()
        == Some("PAUSED")));
    w.fast("DELETE", "/connectors/normal", None, 204);
    w.stops_despite_blocked_threads();
}

#[test]
fn a_connector_blocked_in_validate_does_not_stall_the_api() {
    let w = start_worker();
    let port = w.port;
    let config = blocking("validate").to_string();
    let stuck = std::thread::spawn(move || {
        http::request(
            port,
            "PUT",
            "/connector-plugins/BlockingConnector/config/validate",
            Some(&config),
        )
    });
    assert!(
        wait_until(Duration::from_secs(10), || w.blocked("validate")),
        "validate() was never called:\n{}",
        w.worker.log_text()
    );
    // Two more validations stuck at the same time, one of them a create.
    let config = json!({"name": "stuck-create", "config": blocking("validate")}).to_string();
    let stuck_create =
        std::thread::spawn(move || http::request(port, "POST", "/connectors", Some(&config)));
    let config = blocking("validate").to_string();
    let stuck_2 = std::thread::spawn(move || {
        http::request(
            port,
            "PUT",
            "/connector-plugins/io.raftconnect.test.BlockingConnector/config/validate",
            Some(&config),
        )
    });
    assert!(wait_until(Duration::from_secs(10), || w
        .worker
        .log_text()
        .matches("BlockingConnector: blocking")
        .count()
        >= 3));

    w.fast("GET", "/", None, 200);
    w.fast("GET", "/connectors", None, 200);
    w.fast("GET", "/connector-plugins", None, 200);
    w.fast(
        "GET",
        "/connector-plugins/BlockingConnector/config",
        None,
        200,
    );
    // Validating a config that does not block still answers at once.
    let infos = w.fast(
        "PUT",
        "/connector-plugins/BlockingConnector/config/validate",
        Some(&json!({"name": "checked", "connector.class": "BlockingConnector"}).to_string()),
        200,
    );
    assert_eq!(infos["error_count"], 0, "{infos}");
    w.create("normal", blocking("none"));
    w.fast("GET", "/connectors/normal/status", None, 200);
    // The stuck requests are still waiting (the validation timeout is 30 s).
    assert!(!stuck.is_finished() && !stuck_2.is_finished() && !stuck_create.is_finished());
    w.stops_despite_blocked_threads();
}
