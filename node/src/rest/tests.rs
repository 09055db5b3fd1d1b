//! The REST API against a real herder on a `LocalStore` in a temp dir (no Kafka, no
//! worker: statuses are UNASSIGNED unless a test puts some in the store).

use std::collections::BTreeMap;
use std::sync::Arc;

use raftconnect_raft::local::LocalStore;
use raftconnect_raft::{
    Command, InstanceId, RunState, Status, Store, StoreError, TargetState, TaskId,
};
use serde_json::{json, Value};
use warp::http::{header, HeaderMap, StatusCode};

use super::errors::ApiError;
use super::{percent_decode, percent_encode_segment, routes};
use crate::herder::{Herder, HerderError};
use crate::plugins::Plugins;

const WORKER: &str = "worker-1:8083";
const SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";

struct Api {
    _dir: tempfile::TempDir,
    store: Arc<LocalStore>,
    herder: Arc<Herder>,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    raw: Vec<u8>,
    body: Value,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Api {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LocalStore::open(dir.path()).unwrap());
        let herder = Arc::new(Herder::new(
            store.clone(),
            Arc::new(Plugins::builtin()),
            WORKER.to_string(),
        ));
        Api {
            _dir: dir,
            store,
            herder,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        let mut request = warp::test::request().method(method).path(path);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.reply(&routes(self.herder.clone())).await;
        let raw = response.body().to_vec();
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).unwrap_or_else(|e| {
                panic!(
                    "{method} {path}: body is not JSON ({e}): {}",
                    String::from_utf8_lossy(&raw)
                )
            })
        };
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            raw,
            body,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None).await
    }

    async fn send(&self, method: &str, path: &str, body: &Value) -> Reply {
        self.call(method, path, Some(&body.to_string())).await
    }

    fn target(&self, name: &str) -> Option<TargetState> {
        self.store
            .state()
            .read(|s| s.connectors.get(name).map(|c| c.target))
    }

    async fn create_source(&self, name: &str) -> Reply {
        let reply = self
            .send(
                "POST",
                "/connectors",
                &json!({"name": name, "config": source_config()}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply
    }
}

fn source_config() -> Value {
    json!({"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "lines"})
}

fn sink_config() -> Value {
    json!({"connector.class": "FileStreamSink", "file": "/tmp/out.txt", "topics": "lines"})
}

fn error(code: u16, message: &str) -> Value {
    json!({"error_code": code, "message": message})
}

fn assert_json_content(reply: &Reply) {
    assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/json"));
}

#[tokio::test]
async fn root_reports_version_commit_and_cluster_id() {
    let api = Api::new();
    let reply = api.get("/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_json_content(&reply);
    assert_eq!(
        reply.body,
        json!({"version": env!("CARGO_PKG_VERSION"), "commit": super::root::commit(), "kafka_cluster_id": ""})
    );
}

#[tokio::test]
async fn create_then_read_info_config_tasks_and_status() {
    let api = Api::new();
    assert_eq!(api.get("/connectors").await.body, json!([]));

    let reply = api.create_source("local-file-source").await;
    assert_json_content(&reply);
    assert_eq!(
        reply.header(header::LOCATION),
        Some("/connectors/local-file-source")
    );
    let config = json!({
        "connector.class": "FileStreamSource",
        "file": "/tmp/in.txt",
        "name": "local-file-source",
        "topic": "lines"
    });
    let info =
        json!({"name": "local-file-source", "config": config, "tasks": [], "type": "source"});
    assert_eq!(reply.body, info);
    assert_eq!(api.target("local-file-source"), Some(TargetState::Running));

    assert_eq!(
        api.get("/connectors").await.body,
        json!(["local-file-source"])
    );
    assert_eq!(
        api.get("/connectors/").await.body,
        json!(["local-file-source"])
    );
    let reply = api.get("/connectors/local-file-source").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, info);
    assert_eq!(
        api.get("/connectors/local-file-source/config").await.body,
        config
    );
    assert_eq!(
        api.get("/connectors/local-file-source/tasks").await.body,
        json!([])
    );
    let reply = api.get("/connectors/local-file-source/status").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({
            "name": "local-file-source",
            "connector": {"state": "UNASSIGNED", "worker_id": WORKER},
            "tasks": [],
            "type": "source"
        })
    );
}

#[tokio::test]
async fn tasks_and_task_status_with_a_failed_connector() {
    let api = Api::new();
    api.create_source("src").await;
    let task_config: BTreeMap<String, String> = [
        ("file".to_string(), "/tmp/in.txt".to_string()),
        ("topic".to_string(), "lines".to_string()),
    ]
    .into();
    api.store
        .submit(Command::PutTaskConfigs {
            name: "src".into(),
            generation: 1,
            tasks: vec![task_config],
            fence: None,
        })
        .await
        .unwrap();
    api.store
        .submit(Command::PutStatus {
            id: InstanceId::Connector("src".into()),
            status: Status {
                state: RunState::Failed,
                worker_id: "w2:8083".into(),
                trace: Some("boom".into()),
                generation: 1,
            },
            fence: None,
        })
        .await
        .unwrap();
    api.store
        .submit(Command::PutStatus {
            id: InstanceId::Task(TaskId {
                connector: "src".into(),
                task: 0,
            }),
            status: Status {
                state: RunState::Running,
                worker_id: "w2:8083".into(),
                trace: None,
                generation: 1,
            },
            fence: None,
        })
        .await
        .unwrap();

    assert_eq!(
        api.get("/connectors/src/tasks").await.body,
        json!([{"id": {"connector": "src", "task": 0}, "config": {"file": "/tmp/in.txt", "topic": "lines"}}])
    );
    assert_eq!(
        api.get("/connectors/src").await.body["tasks"],
        json!([{"connector": "src", "task": 0}])
    );
    assert_eq!(
        api.get("/connectors/src/status").await.body,
        json!({
            "name": "src",
            "connector": {"state": "FAILED", "worker_id": "w2:8083", "trace": "boom"},
            "tasks": [{"id": 0, "state": "RUNNING", "worker_id": "w2:8083"}],
            "type": "source"
        })
    );
    let reply = api.get("/connectors/src/tasks/0/status").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"id": 0, "state": "RUNNING", "worker_id": "w2:8083"})
    );

    let reply = api.get("/connectors/src/tasks/1/status").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, error(404, "Task src-1 not found"));
    let reply = api.get("/connectors/src/tasks/x/status").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, error(404, "HTTP 404 Not Found"));
    let reply = api.get("/connectors/nope/tasks/0/status").await;
    assert_eq!(reply.body, error(404, "Connector nope not found"));
}

#[tokio::test]
async fn list_with_expansions() {
    let api = Api::new();
    api.create_source("a").await;
    let reply = api
        .send("PUT", "/connectors/b/config", &sink_config())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);

    let status = |name: &str, kind: &str| json!({"name": name, "connector": {"state": "UNASSIGNED", "worker_id": WORKER}, "tasks": [], "type": kind});
    let a_info = api.get("/connectors/a").await.body;
    let b_info = api.get("/connectors/b").await.body;

    let reply = api.get("/connectors?expand=status&expand=info").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({
            "a": {"status": status("a", "source"), "info": a_info},
            "b": {"status": status("b", "sink"), "info": b_info},
        })
    );
    assert_eq!(
        api.get("/connectors?expand=info").await.body,
        json!({"a": {"info": a_info}, "b": {"info": b_info}})
    );
    assert_eq!(
        api.get("/connectors?expand=status").await.body,
        json!({"a": {"status": status("a", "source")}, "b": {"status": status("b", "sink")}})
    );
    assert_eq!(
        api.get("/connectors?expand=nothing").await.body,
        json!({"a": {}, "b": {}})
    );
}

#[tokio::test]
async fn put_config_creates_then_updates() {
    let api = Api::new();
    let mut config = sink_config();
    config["tasks.max"] = json!(2);
    let reply = api.send("PUT", "/connectors/sink/config", &config).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.header(header::LOCATION), Some("/connectors/sink"));
    let expected = json!({
        "connector.class": "FileStreamSink",
        "file": "/tmp/out.txt",
        "name": "sink",
        "tasks.max": "2",
        "topics": "lines"
    });
    assert_eq!(
        reply.body,
        json!({"name": "sink", "config": expected, "tasks": [], "type": "sink"})
    );

    config["file"] = json!("/tmp/other.txt");
    config["name"] = json!("sink");
    let reply = api.send("PUT", "/connectors/sink/config", &config).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::LOCATION), None);
    assert_eq!(reply.body["config"]["file"], "/tmp/other.txt");
    assert_eq!(
        api.get("/connectors/sink/config").await.body["file"],
        "/tmp/other.txt"
    );

    // Unchanged is still an update.
    let reply = api.send("PUT", "/connectors/sink/config", &config).await;
    assert_eq!(reply.status, StatusCode::OK);

    config["name"] = json!("other");
    let reply = api.send("PUT", "/connectors/sink/config", &config).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        error(
            400,
            "Connector name configuration (other) doesn't match connector name in the URL (sink)"
        )
    );
}

#[tokio::test]
async fn create_conflicts_and_bad_requests() {
    let api = Api::new();
    api.create_source("src").await;
    let reply = api
        .send(
            "POST",
            "/connectors",
            &json!({"name": "src", "config": source_config()}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_json_content(&reply);
    assert_eq!(reply.body, error(409, "Connector src already exists"));

    // Missing name.
    let reply = api
        .send("POST", "/connectors", &json!({"config": source_config()}))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error_code"], 400);

    // The config's name must be the request's.
    let mut config = source_config();
    config["name"] = json!("other");
    let reply = api
        .send(
            "POST",
            "/connectors",
            &json!({"name": "mine", "config": config}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        error(
            400,
            "Connector name configuration (other) doesn't match connector name in the URL (mine)"
        )
    );

    // Missing config.
    let reply = api.send("POST", "/connectors", &json!({"name": "x"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        error(
            400,
            "Missing \"config\" in the request body: {\"name\":..., \"config\":{...}} is expected"
        )
    );

    // Unknown class.
    let reply = api
        .send(
            "POST",
            "/connectors",
            &json!({"name": "x", "config": {"connector.class": "Nope"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let message = reply.body["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "Failed to find any class that implements Connector and which name matches Nope"
        ),
        "{message}"
    );
    assert_eq!(api.get("/connectors").await.body, json!(["src"]));
}

#[tokio::test]
async fn invalid_config_is_a_400_with_kafkas_message() {
    let api = Api::new();
    let reply = api
        .send(
            "POST",
            "/connectors",
            &json!({"name": "src", "config": {"connector.class": "FileStreamSource", "file": "/tmp/in"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        error(
            400,
            "Connector configuration is invalid and contains the following 1 error(s):\n\
             Missing required configuration \"topic\" which has no default value.\n\
             You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
        )
    );
    let reply = api
        .send(
            "PUT",
            "/connectors/src/config",
            &json!({"connector.class": "FileStreamSource", "file": "/tmp/in"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.get("/connectors").await.body, json!([]));
}

#[tokio::test]
async fn initial_state() {
    let api = Api::new();
    for (name, state, expected) in [
        ("p", "PAUSED", TargetState::Paused),
        ("s", "stopped", TargetState::Stopped),
        ("r", "RUNNING", TargetState::Running),
    ] {
        let reply = api
            .send(
                "POST",
                "/connectors",
                &json!({"name": name, "config": source_config(), "initial_state": state}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        assert_eq!(api.target(name), Some(expected));
    }
    let reply = api
        .send(
            "POST",
            "/connectors",
            &json!({"name": "f", "config": source_config(), "initial_state": "FROZEN"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        error(
            400,
            "Invalid initial_state FROZEN: must be one of RUNNING, PAUSED, STOPPED"
        )
    );
    assert_eq!(api.target("f"), None);
}

#[tokio::test]
async fn pause_resume_stop_and_delete() {
    let api = Api::new();
    api.create_source("src").await;

    let reply = api.call("PUT", "/connectors/src/pause", None).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(reply.raw.is_empty());
    assert_eq!(api.target("src"), Some(TargetState::Paused));
    // Idempotent.
    assert_eq!(
        api.call("PUT", "/connectors/src/pause", None).await.status,
        StatusCode::ACCEPTED
    );

    let reply = api.call("PUT", "/connectors/src/stop", None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.raw.is_empty());
    assert_eq!(api.target("src"), Some(TargetState::Stopped));

    let reply = api.call("PUT", "/connectors/src/resume", None).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(reply.raw.is_empty());
    assert_eq!(api.target("src"), Some(TargetState::Running));

    let reply = api.call("DELETE", "/connectors/src", None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.raw.is_empty());
    assert_eq!(api.target("src"), None);
    assert_eq!(api.get("/connectors").await.body, json!([]));
    let reply = api.get("/connectors/src").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, error(404, "Connector src not found"));
}

#[tokio::test]
async fn unknown_connector_is_404_everywhere() {
    let api = Api::new();
    for (method, path) in [
        ("GET", "/connectors/nope"),
        ("GET", "/connectors/nope/config"),
        ("GET", "/connectors/nope/status"),
        ("GET", "/connectors/nope/tasks"),
        ("PUT", "/connectors/nope/pause"),
        ("PUT", "/connectors/nope/resume"),
        ("PUT", "/connectors/nope/stop"),
        ("DELETE", "/connectors/nope"),
    ] {
        let reply = api.call(method, path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_json_content(&reply);
        assert_eq!(
            reply.body,
            error(404, "Connector nope not found"),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn url_encoded_names_are_decoded() {
    let api = Api::new();
    let reply = api.create_source("my source/1").await;
    assert_eq!(
        reply.header(header::LOCATION),
        Some("/connectors/my%20source%2F1")
    );
    assert_eq!(reply.body["name"], "my source/1");
    let reply = api.get("/connectors/my%20source%2F1").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["name"], "my source/1");
    assert_eq!(reply.body["config"]["name"], "my source/1");
    let reply = api.get("/connectors/my%20source%2f1/status").await;
    assert_eq!(reply.body["name"], "my source/1");

    let reply = api
        .send("PUT", "/connectors/caf%C3%A9/config", &source_config())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["name"], "café");
    assert_eq!(
        reply.header(header::LOCATION),
        Some("/connectors/caf%C3%A9")
    );
    assert_eq!(
        api.get("/connectors").await.body,
        json!(["café", "my source/1"])
    );
}

#[tokio::test]
async fn connector_plugins() {
    let api = Api::new();
    let reply = api.get("/connector-plugins").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_json_content(&reply);
    let plugins = reply.body.as_array().unwrap().clone();
    let classes: Vec<&str> = plugins
        .iter()
        .map(|p| p["class"].as_str().unwrap())
        .collect();
    // Sorted by class, as Kafka lists them.
    assert_eq!(
        classes,
        [
            "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
            "io.confluent.connect.jdbc.JdbcSinkConnector",
            "io.confluent.connect.jdbc.JdbcSourceConnector",
            "io.confluent.connect.s3.S3SinkConnector",
            "io.debezium.connector.mariadb.MariaDbConnector",
            "io.debezium.connector.mysql.MySqlConnector",
            "io.debezium.connector.postgresql.PostgresConnector",
            SINK,
            SOURCE
        ]
    );
    for p in &plugins {
        let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["class", "type", "version"]);
    }
    let types: Vec<&str> = plugins
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["sink", "sink", "source", "sink", "source", "source", "source", "sink", "source"]
    );
    assert_eq!(
        reply.body,
        serde_json::to_value(api.herder.connector_plugins()).unwrap()
    );
    assert_eq!(
        api.get("/connector-plugins?connectorsOnly=true").await.body,
        reply.body
    );

    let all = api
        .get("/connector-plugins?connectorsOnly=false")
        .await
        .body;
    assert_eq!(all, serde_json::to_value(api.herder.all_plugins()).unwrap());
    let all = all.as_array().unwrap();
    assert!(all.len() > plugins.len());
    assert!(all.iter().any(|p| p["type"] == "converter"), "{all:?}");
    assert_eq!(&all[..plugins.len()], &plugins[..]);
}

#[tokio::test]
async fn validate_returns_config_infos_even_with_errors() {
    let api = Api::new();
    let config = json!({"connector.class": SOURCE, "name": "v", "file": "/tmp/in"});
    let reply = api
        .send(
            "PUT",
            "/connector-plugins/FileStreamSourceConnector/config/validate",
            &config,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_json_content(&reply);
    let props = super::config_from_json(config, "test").unwrap();
    let expected = serde_json::to_value(api.herder.validate(&props).unwrap()).unwrap();
    assert_eq!(reply.body, expected);
    assert_eq!(reply.body["name"], SOURCE);
    assert_eq!(reply.body["error_count"], 1);
    let topic = reply.body["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"]["name"] == "topic")
        .unwrap();
    assert_eq!(
        topic["value"]["errors"],
        json!(["Missing required configuration \"topic\" which has no default value."])
    );

    // The full class name in the path, URL-encoded dots included.
    let reply = api
        .send(
            "PUT",
            "/connector-plugins/org%2Eapache.kafka.connect.file.FileStreamSourceConnector/config/validate",
            &json!({"connector.class": SOURCE, "name": "v", "topic": "t"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["error_count"], 0);
}

#[tokio::test]
async fn validate_takes_the_class_from_the_path_and_checks_it() {
    let api = Api::new();
    let reply = api
        .send(
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            &json!({"name": "v", "topics": "t", "file": "/tmp/out"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["name"], SINK);
    assert_eq!(reply.body["error_count"], 0);
    assert_eq!(
        reply.body["groups"],
        json!(["Common", "Transforms", "Predicates", "Error Handling"])
    );

    // An alias of the same plugin is fine.
    let reply = api
        .send(
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            &json!({"connector.class": "FileStreamSinkConnector", "name": "v", "topics": "t"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    let reply = api
        .send(
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            &json!({"connector.class": SOURCE, "topic": "t"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        error(
            400,
            &format!("Included connector type {SOURCE} does not match request type FileStreamSink")
        )
    );

    let reply = api
        .send(
            "PUT",
            "/connector-plugins/Nope/config/validate",
            &json!({"topic": "t"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body["message"].as_str().unwrap().contains("Nope"));
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let api = Api::new();
    for path in [
        "/nope",
        "/connectors/a/b",
        "/connectors/a/tasks/0",
        "/connector-plugins/x/config/nope",
        "/admin/loggers/a/b",
    ] {
        let reply = api.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_json_content(&reply);
        assert_eq!(reply.body, error(404, "HTTP 404 Not Found"), "{path}");
    }
    for (method, path, allow) in [
        ("DELETE", "/connectors", "GET, POST"),
        ("POST", "/connectors/a", "GET, DELETE"),
        ("POST", "/connectors/a/config", "GET, PUT, PATCH"),
        ("GET", "/connectors/a/restart", "POST"),
        ("GET", "/connectors/a/tasks/0/restart", "POST"),
        ("POST", "/connectors/a/offsets", "GET, PATCH, DELETE"),
        ("POST", "/connectors/a/topics", "GET"),
        ("GET", "/connectors/a/topics/reset", "PUT"),
        ("PUT", "/connector-plugins/FileStreamSink/config", "GET"),
        ("POST", "/admin/loggers", "GET"),
        ("POST", "/admin/loggers/root", "GET, PUT"),
        ("GET", "/connectors/a/pause", "PUT"),
        ("POST", "/connectors/a/stop", "PUT"),
        ("PUT", "/connectors/a/status", "GET"),
        ("POST", "/", "GET"),
        ("POST", "/connector-plugins", "GET"),
        (
            "GET",
            "/connector-plugins/FileStreamSink/config/validate",
            "PUT",
        ),
    ] {
        let reply = api.call(method, path, None).await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_json_content(&reply);
        assert_eq!(
            reply.body,
            error(405, "HTTP 405 Method Not Allowed"),
            "{method} {path}"
        );
        assert_eq!(reply.header(header::ALLOW), Some(allow), "{method} {path}");
    }
}

#[tokio::test]
async fn malformed_bodies_are_400_naming_the_problem() {
    let api = Api::new();
    let cases: [(&str, &str, &str, &str); 8] = [
        (
            "POST",
            "/connectors",
            "{not json",
            "Request body is not valid JSON: key must be a string at line 1 column 2",
        ),
        (
            "POST",
            "/connectors",
            "",
            "Request body is empty: a JSON object is expected",
        ),
        (
            "POST",
            "/connectors",
            "[1]",
            "Request body must be a JSON object with \"name\" and \"config\"",
        ),
        (
            "POST",
            "/connectors",
            r#"{"name":"x","config":"a=b"}"#,
            "\"config\" must be a JSON object of string values, not a string",
        ),
        (
            "PUT",
            "/connectors/x/config",
            r#"{"a":{"b":1}}"#,
            "The connector config: the value of \"a\" must be a string, not an object",
        ),
        (
            "PUT",
            "/connectors/x/config",
            "[]",
            "The connector config must be a JSON object of string values, not an array",
        ),
        (
            "PUT",
            "/connectors/x/config",
            "{\"a\":",
            "Request body is not valid JSON: EOF while parsing a value at line 1 column 5",
        ),
        (
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            "nope",
            "Request body is not valid JSON: expected ident at line 1 column 2",
        ),
    ];
    for (method, path, body, message) in cases {
        let reply = api.call(method, path, Some(body)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body}"
        );
        assert_json_content(&reply);
        assert_eq!(reply.body, error(400, message), "{method} {path} {body}");
    }
    assert_eq!(api.get("/connectors").await.body, json!([]));
}

#[test]
fn herder_errors_map_to_kafkas_statuses() {
    let status = |e: HerderError| ApiError::from(e).status;
    assert_eq!(
        status(HerderError::NotFound("a".into())),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(HerderError::TaskNotFound("a-0".into())),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(HerderError::AlreadyExists("a".into())),
        StatusCode::CONFLICT
    );
    assert_eq!(
        status(HerderError::BadRequest("x".into())),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        status(HerderError::Store(StoreError::Unavailable(
            "no leader".into()
        ))),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        status(HerderError::Store(StoreError::Codec("bad".into()))),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let e = ApiError::from(HerderError::Store(StoreError::Unavailable(
        "no leader".into(),
    )));
    assert_eq!(
        e.message,
        "the cluster cannot accept writes right now: no leader"
    );
}

#[test]
fn percent_coding() {
    assert_eq!(percent_decode("a%20b%2Fc%zz%", false), "a b/c%zz%");
    assert_eq!(percent_decode("a+b%2B", true), "a b+");
    assert_eq!(percent_decode("a+b", false), "a+b");
    assert_eq!(
        percent_encode_segment("a b/c-d_e.f~g:h@é"),
        "a%20b%2Fc-d_e.f~g:h@%C3%A9"
    );
}

#[tokio::test]
async fn serve_answers_over_http_and_stops_on_shutdown() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let api = Api::new();
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(super::serve(api.herder.clone(), addr, None, async move {
        let _ = stop_rx.await;
    }));

    let mut stream = None;
    for _ in 0..100 {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
    let mut stream = stream.expect("the REST server must accept connections");
    stream
        .write_all(b"GET /connectors HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{response}"
    );
    assert!(response.ends_with("[]"), "{response}");

    // A second server on the same address fails to bind, with the address named.
    let err = super::serve(api.herder.clone(), addr, None, async {})
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("cannot listen on {addr} (listeners): ")),
        "{err}"
    );

    stop_tx.send(()).unwrap();
    let done = tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("serve must return after shutdown");
    done.unwrap().unwrap();
}

// ---- PATCH config, restarts, offsets (KIP-875), active topics (KIP-558), plugin
// ---- config, loggers.

impl Api {
    async fn put_status(&self, id: InstanceId, state: RunState) {
        self.store
            .submit(Command::PutStatus {
                id,
                status: Status {
                    state,
                    worker_id: "w2:8083".into(),
                    trace: (state == RunState::Failed).then(|| "boom".to_string()),
                    generation: 1,
                },
                fence: None,
            })
            .await
            .unwrap();
    }

    async fn put_tasks(&self, name: &str, n: usize) {
        let task_config: BTreeMap<String, String> =
            [("file".to_string(), "/tmp/in.txt".to_string())].into();
        self.store
            .submit(Command::PutTaskConfigs {
                name: name.into(),
                generation: 1,
                tasks: vec![task_config; n],
                fence: None,
            })
            .await
            .unwrap();
    }

    fn restarts(&self, id: &InstanceId) -> u64 {
        self.store
            .state()
            .read(|s| s.restarts.get(id).copied().unwrap_or(0))
    }
}

fn task(name: &str, task: u32) -> InstanceId {
    InstanceId::Task(TaskId {
        connector: name.into(),
        task,
    })
}

#[tokio::test]
async fn patch_config_merges_and_null_deletes() {
    let api = Api::new();
    api.create_source("src").await;
    let reply = api
        .send(
            "PATCH",
            "/connectors/src/config",
            &json!({"file": "/tmp/other.txt", "batch.size": 7}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_json_content(&reply);
    assert_eq!(
        reply.body,
        json!({
            "name": "src",
            "config": {
                "connector.class": "FileStreamSource",
                "file": "/tmp/other.txt",
                "topic": "lines",
                "batch.size": "7",
                "name": "src",
            },
            "tasks": [],
            "type": "source",
        })
    );
    let reply = api
        .send(
            "PATCH",
            "/connectors/src/config",
            &json!({"batch.size": null}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["config"].get("batch.size"), None);
    assert_eq!(
        api.get("/connectors/src/config").await.body["file"],
        "/tmp/other.txt"
    );
    // Unknown connector, invalid result, bad bodies.
    let reply = api
        .send("PATCH", "/connectors/nope/config", &json!({"a": "b"}))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, error(404, "Connector nope not found"));
    let reply = api
        .send("PATCH", "/connectors/src/config", &json!({"name": "other"}))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    for body in [json!([1]), json!({"a": [1]}), json!({"a": {"b": 1}})] {
        let reply = api.send("PATCH", "/connectors/src/config", &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body["error_code"], 400);
    }
    let reply = api.call("PATCH", "/connectors/src/config", Some("{")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn restart_connector_and_tasks() {
    let api = Api::new();
    api.create_source("src").await;
    api.put_tasks("src", 2).await;
    let conn = InstanceId::Connector("src".into());
    api.put_status(conn.clone(), RunState::Failed).await;
    api.put_status(task("src", 0), RunState::Failed).await;
    api.put_status(task("src", 1), RunState::Running).await;

    // The plain form: the connector instance only, 204.
    let reply = api.call("POST", "/connectors/src/restart", None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.raw.is_empty());
    assert_eq!(api.restarts(&conn), 1);
    assert_eq!(api.restarts(&task("src", 0)), 0);
    let status = api.get("/connectors/src/status").await.body;
    assert_eq!(
        status["connector"],
        json!({"state": "RESTARTING", "worker_id": "w2:8083"})
    );
    assert_eq!(status["tasks"][0]["state"], "FAILED");

    // includeTasks&onlyFailed: 202 with the plan; only FAILED instances restart.
    api.put_status(conn.clone(), RunState::Running).await;
    let reply = api
        .call(
            "POST",
            "/connectors/src/restart?includeTasks=true&onlyFailed=true",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_json_content(&reply);
    assert_eq!(
        reply.body,
        json!({
            "name": "src",
            "connector": {"state": "RUNNING", "worker_id": "w2:8083"},
            "tasks": [
                {"id": 0, "state": "RESTARTING", "worker_id": "w2:8083"},
                {"id": 1, "state": "RUNNING", "worker_id": "w2:8083"},
            ],
            "type": "source",
        })
    );
    assert_eq!(api.restarts(&conn), 1);
    assert_eq!(api.restarts(&task("src", 0)), 1);
    assert_eq!(api.restarts(&task("src", 1)), 0);

    // includeTasks alone: everything.
    let reply = api
        .call("POST", "/connectors/src/restart?includeTasks=true", None)
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.body["connector"]["state"], "RESTARTING");
    assert_eq!(reply.body["tasks"][1]["state"], "RESTARTING");
    assert_eq!(api.restarts(&conn), 2);
    assert_eq!(api.restarts(&task("src", 1)), 1);

    // onlyFailed alone: the connector if it failed; it has not.
    api.put_status(conn.clone(), RunState::Running).await;
    let reply = api
        .call("POST", "/connectors/src/restart?onlyFailed=true", None)
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.body["connector"]["state"], "RUNNING");
    assert_eq!(api.restarts(&conn), 2);

    // A task.
    let reply = api
        .call("POST", "/connectors/src/tasks/1/restart", None)
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(api.restarts(&task("src", 1)), 2);
    let reply = api
        .call("POST", "/connectors/src/tasks/9/restart", None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, error(404, "Task src-9 not found"));

    for path in [
        "/connectors/nope/restart",
        "/connectors/nope/restart?includeTasks=true",
        "/connectors/nope/tasks/0/restart",
    ] {
        let reply = api.call("POST", path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body, error(404, "Connector nope not found"), "{path}");
    }
}

#[tokio::test]
async fn offsets_can_be_altered_and_reset_only_when_stopped() {
    let api = Api::new();
    api.create_source("src").await;
    let patch = json!({"offsets": [
        {"partition": {"filename": "/tmp/in.txt"}, "offset": {"position": 42}},
    ]});
    let not_stopped = error(
        400,
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/src/stop' endpoint",
    );
    let reply = api.send("PATCH", "/connectors/src/offsets", &patch).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, not_stopped);
    let reply = api.call("DELETE", "/connectors/src/offsets", None).await;
    assert_eq!(reply.body, not_stopped);

    assert_eq!(
        api.call("PUT", "/connectors/src/stop", None).await.status,
        StatusCode::NO_CONTENT
    );
    let reply = api.send("PATCH", "/connectors/src/offsets", &patch).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_json_content(&reply);
    assert_eq!(
        reply.body,
        json!({"message": "The offsets for this connector have been altered successfully"})
    );
    assert_eq!(
        api.get("/connectors/src/offsets").await.body,
        json!({"offsets": [{"partition": {"filename": "/tmp/in.txt"}, "offset": {"position": 42}}]})
    );
    // Stored under the runtime's canonical key.
    api.store.state().read(|s| {
        assert_eq!(
            s.source_offsets["src"]["{\"filename\":\"/tmp/in.txt\"}"],
            "{\"position\":42}"
        )
    });
    // A null offset removes the partition's.
    let reply = api
        .send(
            "PATCH",
            "/connectors/src/offsets",
            &json!({"offsets": [{"partition": {"filename": "/tmp/in.txt"}, "offset": null}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        api.get("/connectors/src/offsets").await.body,
        json!({"offsets": []})
    );

    api.send("PATCH", "/connectors/src/offsets", &patch).await;
    let reply = api.call("DELETE", "/connectors/src/offsets", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({"message": "The offsets for this connector have been reset successfully"})
    );
    assert_eq!(
        api.get("/connectors/src/offsets").await.body,
        json!({"offsets": []})
    );

    for body in [
        json!({}),
        json!({"offsets": []}),
        json!({"offsets": "x"}),
        json!({"offsets": [1]}),
        json!({"offsets": [{"partition": null, "offset": {"position": 1}}]}),
        json!({"offsets": [{"partition": {"f": 1}, "offset": 5}]}),
        json!([]),
    ] {
        let reply = api.send("PATCH", "/connectors/src/offsets", &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body["error_code"], 400, "{body}");
    }
    let reply = api.send("PATCH", "/connectors/nope/offsets", &patch).await;
    assert_eq!(reply.body, error(404, "Connector nope not found"));
    let reply = api.call("DELETE", "/connectors/nope/offsets", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sink_offsets_use_kafka_partitions() {
    let api = Api::new();
    let reply = api
        .send(
            "POST",
            "/connectors",
            &json!({"name": "snk", "config": sink_config(), "initial_state": "STOPPED"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let reply = api
        .send(
            "PATCH",
            "/connectors/snk/offsets",
            &json!({"offsets": [
                {"partition": {"kafka_topic": "lines", "kafka_partition": 0}, "offset": {"kafka_offset": 10}},
                {"partition": {"kafka_topic": "lines", "kafka_partition": "1"}, "offset": {"kafka_offset": 20}},
            ]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(
        api.get("/connectors/snk/offsets").await.body,
        json!({"offsets": [
            {"partition": {"kafka_topic": "lines", "kafka_partition": 0}, "offset": {"kafka_offset": 10}},
            {"partition": {"kafka_topic": "lines", "kafka_partition": 1}, "offset": {"kafka_offset": 20}},
        ]})
    );
    let reply = api
        .send(
            "PATCH",
            "/connectors/snk/offsets",
            &json!({"offsets": [{"partition": {"kafka_topic": "lines", "kafka_partition": 0}, "offset": null}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        api.get("/connectors/snk/offsets").await.body["offsets"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for (partition, offset) in [
        (json!({"kafka_topic": "lines"}), json!({"kafka_offset": 1})),
        (
            json!({"kafka_topic": "lines", "kafka_partition": "x"}),
            json!({"kafka_offset": 1}),
        ),
        (
            json!({"kafka_topic": "lines", "kafka_partition": -1}),
            json!({"kafka_offset": 1}),
        ),
        (
            json!({"kafka_topic": 5, "kafka_partition": 0}),
            json!({"kafka_offset": 1}),
        ),
        (
            json!({"kafka_topic": "lines", "kafka_partition": 0}),
            json!({"position": 1}),
        ),
        (
            json!({"kafka_topic": "lines", "kafka_partition": 0}),
            json!({"kafka_offset": -3}),
        ),
    ] {
        let body = json!({"offsets": [{"partition": partition, "offset": offset}]});
        let reply = api.send("PATCH", "/connectors/snk/offsets", &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
    }
    let reply = api.call("DELETE", "/connectors/snk/offsets", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        api.get("/connectors/snk/offsets").await.body,
        json!({"offsets": []})
    );
}

#[tokio::test]
async fn active_topics_and_reset() {
    let api = Api::new();
    api.create_source("src").await;
    assert_eq!(
        api.get("/connectors/src/topics").await.body,
        json!({"src": {"topics": []}})
    );
    api.store
        .submit(Command::RecordTopics {
            connector: "src".into(),
            topics: vec!["lines".into(), "dlq".into()],
        })
        .await
        .unwrap();
    let reply = api.get("/connectors/src/topics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_json_content(&reply);
    assert_eq!(reply.body, json!({"src": {"topics": ["dlq", "lines"]}}));
    let reply = api.call("PUT", "/connectors/src/topics/reset", None).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(reply.raw.is_empty());
    assert_eq!(
        api.get("/connectors/src/topics").await.body,
        json!({"src": {"topics": []}})
    );
    // As Kafka, an unknown connector has no active topics (no 404).
    assert_eq!(
        api.get("/connectors/nope/topics").await.body,
        json!({"nope": {"topics": []}})
    );
}

#[tokio::test]
async fn plugin_config_lists_config_key_infos() {
    let api = Api::new();
    for plugin in [
        "FileStreamSource",
        SOURCE,
        "org%2Eapache%2Ekafka%2Econnect%2Efile%2EFileStreamSinkConnector",
    ] {
        let reply = api
            .get(&format!("/connector-plugins/{plugin}/config"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{plugin}");
        assert_json_content(&reply);
        let keys = reply.body.as_array().unwrap();
        let names: Vec<&str> = keys.iter().map(|k| k["name"].as_str().unwrap()).collect();
        for name in [
            "name",
            "connector.class",
            "tasks.max",
            "file",
            "errors.tolerance",
        ] {
            assert!(names.contains(&name), "{plugin}: {name} in {names:?}");
        }
        let mut dedup = names.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), names.len(), "{plugin}: {names:?}");
        let key = keys.iter().find(|k| k["name"] == "tasks.max").unwrap();
        let mut fields: Vec<&String> = key.as_object().unwrap().keys().collect();
        fields.sort();
        let mut expected = vec![
            "default_value",
            "dependents",
            "display_name",
            "documentation",
            "group",
            "importance",
            "name",
            "order",
            "required",
            "type",
            "width",
        ];
        expected.sort();
        assert_eq!(fields, expected, "{plugin}");
        assert_eq!(key["type"], "INT");
        assert_eq!(key["default_value"], "1");
        assert_eq!(key["required"], false);
    }
    let sink = api.get(&format!("/connector-plugins/{SINK}/config")).await;
    assert!(sink
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["name"] == "topics"));
    let source = api.get("/connector-plugins/FileStreamSource/config").await;
    assert!(!source
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["name"] == "topics"));

    // Transformations and predicates by class or alias.
    let plugins = api
        .get("/connector-plugins?connectorsOnly=false")
        .await
        .body;
    let transform = plugins
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == "transformation")
        .unwrap()["class"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = api
        .get(&format!("/connector-plugins/{transform}/config"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{transform}");
    assert!(reply.body.is_array());

    let reply = api.get("/connector-plugins/nope/config").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, error(404, "Unknown plugin nope."));
}

#[tokio::test]
async fn loggers_get_and_set_levels() {
    let api = Api::new();
    let logger = "raftconnect::rest_tests_logger";
    let reply = api
        .send(
            "PUT",
            &format!("/admin/loggers/{logger}"),
            &json!({"level": "debug"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_json_content(&reply);
    assert_eq!(reply.body, json!([logger]));
    let reply = api.get(&format!("/admin/loggers/{logger}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["level"], "DEBUG");
    assert!(reply.body["last_modified"].is_i64(), "{:?}", reply.body);
    // A child inherits; unset loggers show root's level, last_modified null.
    let child = api.get(&format!("/admin/loggers/{logger}::child")).await;
    assert_eq!(child.body["level"], "DEBUG");
    let all = api.get("/admin/loggers").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body[logger]["level"], "DEBUG");
    assert!(all.body["root"]["level"].is_string());
    // Setting the parent sets the explicitly set children too.
    api.send(
        "PUT",
        &format!("/admin/loggers/{logger}::child"),
        &json!({"level": "TRACE"}),
    )
    .await;
    let reply = api
        .send(
            "PUT",
            &format!("/admin/loggers/{logger}"),
            &json!({"level": "WARN"}),
        )
        .await;
    assert_eq!(reply.body, json!([logger, format!("{logger}::child")]));
    assert_eq!(
        api.get(&format!("/admin/loggers/{logger}::child"))
            .await
            .body["level"],
        "WARN"
    );
    // Cluster scope: 204, stored for every worker to apply.
    let reply = api
        .send(
            "PUT",
            &format!("/admin/loggers/{logger}?scope=cluster"),
            &json!({"level": "info"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.raw.is_empty());
    api.store
        .state()
        .read(|s| assert_eq!(s.logger_levels[logger], "INFO"));
    let follow = tokio::spawn(super::loggers::follow(api.herder.clone()));
    let applied = async {
        while api.get(&format!("/admin/loggers/{logger}")).await.body["level"] != "INFO" {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), applied)
        .await
        .expect("the cluster level is applied on this worker");
    follow.abort();
    // Kafka's errors: a missing level is 400, an unknown one 404.
    let reply = api
        .send("PUT", &format!("/admin/loggers/{logger}"), &json!({}))
        .await;
    assert_eq!(
        reply.body,
        error(
            400,
            "Desired 'level' parameter was not specified in request."
        )
    );
    let reply = api
        .send(
            "PUT",
            &format!("/admin/loggers/{logger}"),
            &json!({"level": "LOUD"}),
        )
        .await;
    assert_eq!(reply.body, error(404, "invalid log level 'LOUD'."));
}

#[tokio::test]
async fn a_body_that_is_not_json_by_its_content_type_is_415() {
    let api = Api::new();
    let body = json!({"name": "x", "config": source_config()}).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let response = warp::test::request()
            .method("POST")
            .path("/connectors")
            .header("content-type", content_type)
            .body(&body)
            .reply(&routes(api.herder.clone()))
            .await;
        assert_eq!(response.status(), 415, "{content_type}");
        let reply: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(
            reply,
            json!({"error_code": 415, "message": "HTTP 415 Unsupported Media Type"})
        );
    }
    // JSON with a charset, and no Content-Type at all, are read as JSON.
    let response = warp::test::request()
        .method("POST")
        .path("/connectors")
        .header("content-type", "application/json; charset=utf-8")
        .body(&body)
        .reply(&routes(api.herder.clone()))
        .await;
    assert_eq!(response.status(), 201);
    let response = warp::test::request()
        .method("PUT")
        .path("/connectors/x/pause")
        .reply(&routes(api.herder.clone()))
        .await;
    assert_eq!(response.status(), 202);
    assert!(api.target("x").is_some());
}
