//! Every REST endpoint of a real worker process, called over HTTP as Kafka Connect's
//! tools call it, with the status code and the exact JSON shape (field names, JSON
//! types, nesting) Kafka Connect 3.9 answers with.
//!
//! The shapes are Kafka's REST entities (connect/runtime/.../rest/entities):
//! `ServerInfo`, `ConnectorInfo`, `ConnectorStateInfo`, `TaskInfo`, `ConnectorOffsets`,
//! `ActiveTopicsInfo`, `PluginInfo`, `ConfigKeyInfo`, `ConfigInfos`, `LoggerLevel`,
//! `Message` and `ErrorMessage`, written as patterns (see [`matches`]): an object
//! pattern lists exactly the fields Kafka serialises, `"<string>"`, `"<int>"`,
//! `"<bool>"`, `"<any>"` stand for a value of that JSON type, `"<string|null>"` and
//! `"<int|null>"` for a nullable one, `{"<map>": P}` for an object with any keys whose values match P, and an
//! array pattern's one element must match every element.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use testkit::{free_port, http, wait_until, Broker, Worker};

/// Checks `actual` against `pattern`; the error names the JSON path that differs.
fn matches(pattern: &Value, actual: &Value, path: &str) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{path}: expected {what}, got {actual}"));
    match pattern {
        Value::String(p) if p.starts_with('<') => {
            let ok = match p.as_str() {
                "<any>" => true,
                "<string>" => actual.is_string(),
                "<string|null>" => actual.is_string() || actual.is_null(),
                "<int>" => actual.is_i64() || actual.is_u64(),
                "<int|null>" => actual.is_i64() || actual.is_u64() || actual.is_null(),
                "<bool>" => actual.is_boolean(),
                other => return Err(format!("{path}: unknown pattern {other}")),
            };
            if ok {
                Ok(())
            } else {
                fail(p)
            }
        }
        Value::Object(fields) if fields.len() == 1 && fields.contains_key("<map>") => {
            let Some(object) = actual.as_object() else {
                return fail("an object");
            };
            object
                .iter()
                .try_for_each(|(k, v)| matches(&fields["<map>"], v, &format!("{path}.{k}")))
        }
        Value::Object(fields) => {
            let Some(object) = actual.as_object() else {
                return fail("an object");
            };
            let expected: Vec<&String> = fields.keys().collect();
            let got: Vec<&String> = object.keys().collect();
            let mut e = expected.clone();
            let mut g = got.clone();
            e.sort();
            g.sort();
            if e != g {
                return Err(format!("{path}: fields {g:?}, Kafka has {e:?}"));
            }
            fields
                .iter()
                .try_for_each(|(k, p)| matches(p, &object[k], &format!("{path}.{k}")))
        }
        Value::Array(items) => {
            let Some(array) = actual.as_array() else {
                return fail("an array");
            };
            match items.first() {
                None => Ok(()),
                Some(p) => array
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, v)| matches(p, v, &format!("{path}[{i}]"))),
            }
        }
        literal => {
            if literal == actual {
                Ok(())
            } else {
                fail(&literal.to_string())
            }
        }
    }
}

fn connector_info() -> Value {
    json!({
        "name": "<string>",
        "config": {"<map>": "<string>"},
        "tasks": [{"connector": "<string>", "task": "<int>"}],
        "type": "<string>"
    })
}

fn connector_status() -> Value {
    json!({
        "name": "<string>",
        "connector": {"state": "<string>", "worker_id": "<string>"},
        "tasks": [{"id": "<int>", "state": "<string>", "worker_id": "<string>"}],
        "type": "<string>"
    })
}

fn config_key_info() -> Value {
    json!({
        "name": "<string>", "type": "<string>", "required": "<bool>",
        "default_value": "<string|null>", "importance": "<string>",
        "documentation": "<string|null>", "group": "<string|null>", "width": "<string>",
        "display_name": "<string>", "dependents": ["<string>"], "order": "<int>"
    })
}

fn error_message() -> Value {
    json!({"error_code": "<int>", "message": "<string>"})
}

struct Api {
    port: u16,
    checked: Vec<String>,
}

impl Api {
    /// Calls the endpoint and checks Kafka's status and shape; returns the body.
    fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
        status: u16,
        shape: Option<Value>,
    ) -> Value {
        let body = body.map(|b| b.to_string());
        let (code, text) = http::request(self.port, method, path, body.as_deref())
            .unwrap_or_else(|| panic!("{method} {path}: no answer"));
        assert_eq!(code, status, "{method} {path}: {text}");
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
        };
        match shape {
            Some(shape) => {
                if let Err(e) = matches(&shape, &value, "$") {
                    panic!("{method} {path}: {e}");
                }
            }
            None => assert!(
                value.is_null(),
                "{method} {path}: Kafka sends no body, got {value}"
            ),
        }
        self.checked.push(format!("{method} {path} -> {status}"));
        value
    }

    fn wait_running(&self, name: &str) {
        let path = format!("/connectors/{name}/status");
        let running = wait_until(Duration::from_secs(30), || {
            http::get(self.port, &path)
                .and_then(|(_, b)| serde_json::from_str::<Value>(&b).ok())
                .is_some_and(|s| {
                    s["connector"]["state"] == "RUNNING"
                        && s["tasks"].as_array().is_some_and(|t| {
                            !t.is_empty() && t.iter().all(|t| t["state"] == "RUNNING")
                        })
                })
        });
        assert!(running, "{name} never RUNNING with its tasks");
    }
}

#[test]
fn every_endpoint_answers_with_kafkas_status_and_shape() {
    let broker = Broker::start();
    broker.create_topic("lines", 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "a\nb\nc\n").expect("input");
    let port = free_port();
    let props = dir.path().join("worker.properties");
    std::fs::write(
        &props,
        format!(
            "bootstrap.servers={}\nlisteners=http://127.0.0.1:{port}\ndata.dir={}\n\
             offset.flush.interval.ms=200\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n",
            broker.bootstrap,
            dir.path().join("data").display()
        ),
    )
    .expect("worker.properties");
    let mut worker = Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &props,
        &[],
        &dir.path().join("worker.log"),
        port,
    );
    assert!(
        wait_until(Duration::from_secs(30), || http::get(port, "/").is_some()),
        "worker never answered:\n{}",
        worker.log_text()
    );
    let mut api = Api {
        port,
        checked: Vec::new(),
    };
    let source_config = json!({
        "connector.class": "FileStreamSource", "tasks.max": "1",
        "file": input.display().to_string(), "topic": "lines"
    });
    let out = dir.path().join("out.txt");
    let sink_config = json!({
        "connector.class": "FileStreamSink", "tasks.max": "1",
        "file": out.display().to_string(), "topics": "lines"
    });

    // Root and health (ServerInfo; Kafka 3.9's health check).
    api.call(
        "GET",
        "/",
        None,
        200,
        Some(json!({
            "version": "<string>", "commit": "<string>", "kafka_cluster_id": "<string>"
        })),
    );
    api.call(
        "GET",
        "/health",
        None,
        200,
        Some(json!({
            "status": "healthy", "message": "<string>"
        })),
    );

    // Create (201 ConnectorInfo), conflict (409), list.
    api.call(
        "POST",
        "/connectors",
        Some(json!({"name": "src", "config": source_config})),
        201,
        Some(connector_info()),
    );
    api.call(
        "POST",
        "/connectors",
        Some(json!({"name": "src", "config": source_config})),
        409,
        Some(error_message()),
    );
    api.call("GET", "/connectors", None, 200, Some(json!(["<string>"])));
    api.wait_running("src");

    // PUT config creates (201) and updates (200); PATCH merges (200).
    api.call(
        "PUT",
        "/connectors/snk/config",
        Some(sink_config.clone()),
        201,
        Some(connector_info()),
    );
    api.call(
        "PUT",
        "/connectors/snk/config",
        Some(sink_config),
        200,
        Some(connector_info()),
    );
    api.call(
        "PATCH",
        "/connectors/snk/config",
        Some(json!({"tasks.max": "1"})),
        200,
        Some(connector_info()),
    );
    api.wait_running("snk");

    // Expansions: name -> {"status": ConnectorStateInfo, "info": ConnectorInfo}.
    api.call(
        "GET",
        "/connectors?expand=status&expand=info",
        None,
        200,
        Some(json!({"<map>": {"status": connector_status(), "info": connector_info()}})),
    );
    api.call(
        "GET",
        "/connectors?expand=status",
        None,
        200,
        Some(json!({"<map>": {"status": connector_status()}})),
    );

    // One connector.
    api.call("GET", "/connectors/src", None, 200, Some(connector_info()));
    api.call(
        "GET",
        "/connectors/src/config",
        None,
        200,
        Some(json!({"<map>": "<string>"})),
    );
    api.call(
        "GET",
        "/connectors/src/status",
        None,
        200,
        Some(connector_status()),
    );
    api.call(
        "GET",
        "/connectors/src/tasks",
        None,
        200,
        Some(json!([{
            "id": {"connector": "<string>", "task": "<int>"},
            "config": {"<map>": "<string>"}
        }])),
    );
    api.call(
        "GET",
        "/connectors/src/tasks/0/status",
        None,
        200,
        Some(json!({
            "id": "<int>", "state": "<string>", "worker_id": "<string>"
        })),
    );
    let topics = api.call(
        "GET",
        "/connectors/src/topics",
        None,
        200,
        Some(json!({"src": {"topics": ["<string>"]}})),
    );
    assert_eq!(topics["src"]["topics"], json!(["lines"]), "{topics}");
    api.call("PUT", "/connectors/src/topics/reset", None, 202, None);

    // Restarts: plain 204; with includeTasks a 202 carrying the restart plan.
    api.call("POST", "/connectors/src/tasks/0/restart", None, 204, None);
    api.call("POST", "/connectors/src/restart", None, 204, None);
    api.call(
        "POST",
        "/connectors/src/restart?includeTasks=true&onlyFailed=false",
        None,
        202,
        Some(connector_status()),
    );
    api.wait_running("src");

    // Pause and resume (202, no body); stop (204).
    api.call("PUT", "/connectors/src/pause", None, 202, None);
    api.call("PUT", "/connectors/src/resume", None, 202, None);
    api.call("PUT", "/connectors/src/stop", None, 204, None);
    let stopped = wait_until(Duration::from_secs(30), || {
        http::get(port, "/connectors/src/status")
            .and_then(|(_, b)| serde_json::from_str::<Value>(&b).ok())
            .is_some_and(|s| s["connector"]["state"] == "STOPPED" && s["tasks"] == json!([]))
    });
    assert!(stopped, "src never STOPPED with no tasks");

    // Offsets (KIP-875): a source's partitions are connector-defined; a sink's are Kafka's.
    let offsets_shape = json!({"offsets": [{
        "partition": {"<map>": "<any>"}, "offset": {"<map>": "<any>"}
    }]});
    let offsets = api.call(
        "GET",
        "/connectors/src/offsets",
        None,
        200,
        Some(offsets_shape),
    );
    assert!(
        offsets["offsets"].as_array().is_some_and(|o| !o.is_empty()),
        "the source read 3 lines, so it has an offset: {offsets}"
    );
    api.call(
        "PATCH",
        "/connectors/src/offsets",
        Some(json!({"offsets": [{
            "partition": {"filename": input.display().to_string()},
            "offset": {"position": 2}
        }]})),
        200,
        Some(json!({"message": "<string>"})),
    );
    api.call(
        "DELETE",
        "/connectors/src/offsets",
        None,
        200,
        Some(json!({"message": "<string>"})),
    );
    // Offsets of a running connector cannot be changed (400, Kafka's message).
    api.call(
        "DELETE",
        "/connectors/snk/offsets",
        None,
        400,
        Some(error_message()),
    );
    api.call(
        "GET",
        "/connectors/snk/offsets",
        None,
        200,
        Some(json!({"offsets": [{
            "partition": {"kafka_topic": "<string>", "kafka_partition": "<int>"},
            "offset": {"kafka_offset": "<int>"}
        }]})),
    );

    // Plugins: PluginInfo, ConfigKeyInfo, ConfigInfos.
    api.call(
        "GET",
        "/connector-plugins",
        None,
        200,
        Some(json!([{
            "class": "<string>", "type": "<string>", "version": "<string>"
        }])),
    );
    api.call(
        "GET",
        "/connector-plugins?connectorsOnly=false",
        None,
        200,
        Some(json!([{
            "class": "<string>", "type": "<string>", "version": "<string|null>"
        }])),
    );
    for plugin in [
        "FileStreamSource",
        "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.transforms.InsertField$Value",
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
    ] {
        api.call(
            "GET",
            &format!("/connector-plugins/{plugin}/config"),
            None,
            200,
            Some(json!([config_key_info()])),
        );
    }
    api.call(
        "GET",
        "/connector-plugins/NoSuchPlugin/config",
        None,
        404,
        Some(error_message()),
    );
    let validation = api.call(
        "PUT",
        "/connector-plugins/FileStreamSource/config/validate",
        Some(json!({"connector.class": "FileStreamSource", "topic": "t", "tasks.max": "x"})),
        200,
        Some(json!({
            "name": "<string>", "error_count": "<int>", "groups": ["<string>"],
            "configs": [{
                "definition": config_key_info(),
                "value": {
                    "name": "<string>", "value": "<string|null>",
                    "recommended_values": ["<string>"], "errors": ["<string>"],
                    "visible": "<bool>"
                }
            }]
        })),
    );
    let errors: Vec<(&Value, &Value)> = validation["configs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["value"]["errors"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        })
        .map(|c| (&c["value"]["name"], &c["value"]["errors"]))
        .collect();
    // As Kafka's ConfigDef: "name" is missing (1), and tasks.max=x fails to parse and then
    // fails its validator as null (2); error_count counts messages.
    assert_eq!(validation["error_count"], 3, "{errors:?}");
    assert_eq!(errors.len(), 2, "{errors:?}");

    // Loggers: LoggerLevel per logger; a PUT answers the loggers it changed.
    // LoggerLevel: last_modified is null until a level is set over the API (KIP-976).
    let level = json!({"level": "<string>", "last_modified": "<int|null>"});
    api.call(
        "GET",
        "/admin/loggers",
        None,
        200,
        Some(json!({"<map>": level})),
    );
    api.call("GET", "/admin/loggers/root", None, 200, Some(level));
    api.call(
        "PUT",
        "/admin/loggers/raftconnect::rest",
        Some(json!({"level": "DEBUG"})),
        200,
        Some(json!(["<string>"])),
    );

    // Delete (204), then everything about it is a 404 ErrorMessage.
    api.call("DELETE", "/connectors/src", None, 204, None);
    for (method, path) in [
        ("GET", "/connectors/src"),
        ("GET", "/connectors/src/config"),
        ("GET", "/connectors/src/status"),
        ("GET", "/connectors/src/tasks"),
        ("PUT", "/connectors/src/pause"),
        ("DELETE", "/connectors/src"),
    ] {
        api.call(method, path, None, 404, Some(error_message()));
    }
    // Client mistakes are 4xx ErrorMessages, never 5xx.
    api.call(
        "POST",
        "/connectors",
        Some(json!({"name": "x"})),
        400,
        Some(error_message()),
    );
    api.call(
        "POST",
        "/connectors",
        Some(json!({
            "name": "bad", "config": {"connector.class": "NoSuchConnector"}
        })),
        400,
        Some(error_message()),
    );
    api.call("GET", "/no/such/path", None, 404, Some(error_message()));
    api.call(
        "DELETE",
        "/connector-plugins",
        None,
        405,
        Some(error_message()),
    );

    assert!(api.checked.len() >= 45, "{:#?}", api.checked);
    assert_eq!(worker.stop(Duration::from_secs(20)), Some(0));
}

#[test]
fn the_shape_matcher_catches_what_it_should() {
    let info = connector_info();
    let good = json!({"name": "a", "config": {"k": "v"}, "tasks": [{"connector": "a", "task": 0}], "type": "sink"});
    assert_eq!(matches(&info, &good, "$"), Ok(()));
    let extra = json!({"name": "a", "config": {}, "tasks": [], "type": "sink", "extra": 1});
    assert!(matches(&info, &extra, "$").is_err());
    let missing = json!({"name": "a", "config": {}, "tasks": []});
    assert!(matches(&info, &missing, "$").is_err());
    let wrong_type = json!({"name": "a", "config": {}, "tasks": [{"connector": "a", "task": "0"}], "type": "sink"});
    let e = matches(&info, &wrong_type, "$").unwrap_err();
    assert!(e.starts_with("$.tasks[0].task"), "{e}");
    let map_value = json!({"name": "a", "config": {"k": 1}, "tasks": [], "type": "sink"});
    assert!(matches(&info, &map_value, "$").is_err());
}
