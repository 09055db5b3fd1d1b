//! `GET /openapi.json`: the OpenAPI 3.0 document of this API ([`DOCUMENT`]), kept next
//! to the routes and checked against them by a test (every path and method that
//! `dispatch` answers is documented, and every documented one is answered).

use warp::http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Reply;

/// The OpenAPI 3.0 document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// `GET /openapi.json`: the document, `application/json`.
pub fn document() -> Response {
    let mut response = warp::reply::with_status(DOCUMENT, StatusCode::OK).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use raftconnect_raft::local::LocalStore;
    use serde_json::{json, Value};
    use warp::http::StatusCode;

    use super::super::{route, routes, Request, Route};
    use super::DOCUMENT;
    use crate::herder::Herder;
    use crate::plugins::Plugins;

    /// The OpenAPI path template of each route. The match is exhaustive: a new route
    /// does not compile until it has a template here (and then a sample in `SAMPLES`
    /// and a path in the document, or the test fails).
    fn template(route: Route<'_>) -> &'static str {
        match route {
            Route::Root => "/",
            Route::OpenApi => "/openapi.json",
            Route::Cluster => "/cluster",
            Route::Health => "/health",
            Route::Connectors => "/connectors",
            Route::Connector(_) => "/connectors/{connector}",
            Route::ConnectorConfig(_) => "/connectors/{connector}/config",
            Route::ConnectorStatus(_) => "/connectors/{connector}/status",
            Route::ConnectorTasks(_) => "/connectors/{connector}/tasks",
            Route::TaskStatus(..) => "/connectors/{connector}/tasks/{task}/status",
            Route::TaskMetrics(..) => "/connectors/{connector}/tasks/{task}/metrics",
            Route::TaskRestart(..) => "/connectors/{connector}/tasks/{task}/restart",
            Route::Pause(_) => "/connectors/{connector}/pause",
            Route::Resume(_) => "/connectors/{connector}/resume",
            Route::Stop(_) => "/connectors/{connector}/stop",
            Route::Restart(_) => "/connectors/{connector}/restart",
            Route::Offsets(_) => "/connectors/{connector}/offsets",
            Route::Topics(_) => "/connectors/{connector}/topics",
            Route::TopicsReset(_) => "/connectors/{connector}/topics/reset",
            Route::Plugins => "/connector-plugins",
            Route::PluginConfig(_) => "/connector-plugins/{plugin}/config",
            Route::Validate(_) => "/connector-plugins/{plugin}/config/validate",
            Route::Loggers => "/admin/loggers",
            Route::Logger(_) => "/admin/loggers/{logger}",
        }
    }

    /// Every route with sample parameters (connector `c` exists, with no tasks).
    const SAMPLES: &[&str] = &[
        "/",
        "/openapi.json",
        "/cluster",
        "/health",
        "/connectors",
        "/connectors/c",
        "/connectors/c/config",
        "/connectors/c/status",
        "/connectors/c/tasks",
        "/connectors/c/tasks/0/status",
        "/connectors/c/tasks/0/metrics",
        "/connectors/c/tasks/0/restart",
        "/connectors/c/pause",
        "/connectors/c/resume",
        "/connectors/c/stop",
        "/connectors/c/restart",
        "/connectors/c/offsets",
        "/connectors/c/topics",
        "/connectors/c/topics/reset",
        "/connector-plugins",
        "/connector-plugins/FileStreamSource/config",
        "/connector-plugins/FileStreamSource/config/validate",
        "/admin/loggers",
        "/admin/loggers/raftconnect_fuzz_openapi",
    ];

    const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    fn document() -> Value {
        serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
    }

    fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r.strip_prefix('#').expect("local $ref");
                let target = doc
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r}"));
                resolve(doc, target)
            }
            None => value,
        }
    }

    /// Every `$ref` anywhere in `value` resolves.
    fn check_refs(doc: &Value, value: &Value) {
        match value {
            Value::Object(map) => {
                if map.contains_key("$ref") {
                    resolve(doc, value);
                }
                map.values().for_each(|v| check_refs(doc, v));
            }
            Value::Array(items) => items.iter().for_each(|v| check_refs(doc, v)),
            _ => {}
        }
    }

    /// A small JSON-schema check (the subset the document uses): `Err` names where
    /// `value` does not fit `schema`.
    fn conforms(doc: &Value, value: &Value, schema: &Value, at: &str) -> Result<(), String> {
        let schema = resolve(doc, schema);
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return Ok(());
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                conforms(doc, value, s, at)?;
            }
        }
        if let Some(any) = schema.get("oneOf").and_then(Value::as_array) {
            if !any.iter().any(|s| conforms(doc, value, s, at).is_ok()) {
                return Err(format!("{at}: {value} matches none of oneOf"));
            }
        }
        let fits = match schema.get("type").and_then(Value::as_str) {
            None => true,
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some(other) => return Err(format!("{at}: unknown schema type {other}")),
        };
        if !fits {
            return Err(format!("{at}: {value} is not of type {}", schema["type"]));
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                return Err(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        match value {
            Value::Object(map) => {
                for key in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let key = key.as_str().unwrap_or_default();
                    if !map.contains_key(key) {
                        return Err(format!("{at}: missing required \"{key}\" in {value}"));
                    }
                }
                let properties = schema.get("properties").and_then(Value::as_object);
                for (key, v) in map {
                    let path = format!("{at}.{key}");
                    match (
                        properties.and_then(|p| p.get(key)),
                        schema.get("additionalProperties"),
                    ) {
                        (Some(s), _) => conforms(doc, v, s, &path)?,
                        (None, Some(s)) if s.is_object() => conforms(doc, v, s, &path)?,
                        (None, _) if properties.is_some() => {
                            return Err(format!("{at}: undocumented property \"{key}\""))
                        }
                        (None, _) => {}
                    }
                }
            }
            Value::Array(items) => {
                if let Some(s) = schema.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        conforms(doc, v, s, &format!("{at}[{i}]"))?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    #[test]
    fn the_document_is_well_formed_openapi_3() {
        let doc = document();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.0."));
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        check_refs(&doc, &doc);
        for (path, item) in doc["paths"].as_object().unwrap() {
            assert!(path.starts_with('/'), "{path}");
            let params_of = |v: &Value| -> Vec<String> {
                v.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| resolve(&doc, p))
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap().to_string())
                    .collect()
            };
            let declared_for_path = params_of(item);
            let in_template: BTreeSet<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(str::to_string)
                .collect();
            for (method, operation) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                assert!(
                    ["get", "put", "post", "delete", "patch"].contains(&method.as_str()),
                    "{path}: {method}"
                );
                assert!(operation["operationId"].is_string(), "{method} {path}");
                let mut declared: BTreeSet<String> = declared_for_path.iter().cloned().collect();
                declared.extend(params_of(operation));
                assert_eq!(declared, in_template, "path parameters of {method} {path}");
                let responses = operation["responses"].as_object().unwrap();
                assert!(
                    responses.keys().any(|c| c.starts_with('2')),
                    "{method} {path} documents no success"
                );
                for (code, response) in responses {
                    assert!(code.parse::<u16>().is_ok(), "{method} {path}: {code}");
                    assert!(resolve(&doc, response)["description"].is_string());
                }
            }
        }
        for name in [
            "ConnectorInfo",
            "ConnectorStateInfo",
            "TaskInfo",
            "ConfigInfos",
            "Error",
            "ConnectorOffsets",
            "ClusterInfo",
            "ServerInfo",
        ] {
            assert!(doc["components"]["schemas"][name].is_object(), "{name}");
        }
    }

    #[test]
    fn every_route_has_a_sample_and_a_documented_path() {
        let doc = document();
        let mut sampled = BTreeSet::new();
        for sample in SAMPLES {
            let request = Request::new(warp::http::Method::GET, sample, "", Default::default());
            let r = route(&request.segments).unwrap_or_else(|| panic!("{sample}: no route"));
            sampled.insert(template(r));
        }
        let documented: BTreeSet<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(sampled, documented, "routes vs documented paths");
        assert_eq!(sampled.len(), SAMPLES.len(), "one sample per route");
    }

    /// Calls every sample with every method through the real routes: documented pairs
    /// are answered (neither the router's 404 nor a 405) with a documented status and,
    /// when the document gives one, a body of the documented schema; undocumented pairs
    /// are the router's 404/405. HEAD is answered wherever GET is.
    #[tokio::test]
    async fn the_routes_answer_exactly_the_documented_operations() {
        let doc = document();
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LocalStore::open(dir.path()).unwrap());
        let herder = Arc::new(Herder::new(
            store,
            Arc::new(Plugins::builtin()),
            "worker-1:8083".to_string(),
        ));
        let api = routes(herder);
        let config =
            json!({"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "t"});
        let created = warp::test::request()
            .method("POST")
            .path("/connectors")
            .header("content-type", "application/json")
            .body(json!({"name": "c", "config": config}).to_string())
            .reply(&api)
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);

        let mut checked = 0;
        for sample in SAMPLES {
            let request = Request::new(warp::http::Method::GET, sample, "", Default::default());
            let path = template(route(&request.segments).unwrap());
            for method in METHODS {
                // DELETE /connectors/c last would hide the other answers: recreate it.
                let body = match *method {
                    "PUT" if path == "/connectors/{connector}/config" => config.to_string(),
                    _ => "{}".to_string(),
                };
                let response = warp::test::request()
                    .method(method)
                    .path(sample)
                    .header("content-type", "application/json")
                    .body(&body)
                    .reply(&api)
                    .await;
                let status = response.status();
                let raw = response.body();
                let value: Value = if raw.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(raw)
                        .unwrap_or_else(|e| panic!("{method} {sample}: not JSON: {e}"))
                };
                let routed = !(status == StatusCode::NOT_FOUND
                    && value["message"] == "HTTP 404 Not Found")
                    && status != StatusCode::METHOD_NOT_ALLOWED;
                let documented_method = match *method {
                    "HEAD" => "get".to_string(),
                    m => m.to_ascii_lowercase(),
                };
                let operation = doc["paths"][path].get(&documented_method);
                assert_eq!(
                    routed,
                    operation.is_some(),
                    "{method} {path} ({sample}): {status} {value}"
                );
                let Some(operation) = operation else {
                    continue;
                };
                let response_doc =
                    operation["responses"]
                        .get(status.as_str())
                        .unwrap_or_else(|| {
                            panic!("{method} {path}: status {status} is not documented ({value})")
                        });
                let schema =
                    resolve(&doc, response_doc).pointer("/content/application~1json/schema");
                if let (Some(schema), false) = (schema, *method == "HEAD") {
                    conforms(&doc, &value, schema, "$")
                        .unwrap_or_else(|e| panic!("{method} {sample} -> {status}: {e}"));
                }
                checked += 1;
                if *method == "DELETE" && path == "/connectors/{connector}" {
                    let again = warp::test::request()
                        .method("PUT")
                        .path("/connectors/c/config")
                        .header("content-type", "application/json")
                        .body(config.to_string())
                        .reply(&api)
                        .await;
                    assert_eq!(again.status(), StatusCode::CREATED);
                }
            }
        }
        assert!(checked > SAMPLES.len());
    }

    #[tokio::test]
    async fn get_openapi_json_serves_the_document() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LocalStore::open(dir.path()).unwrap());
        let herder = Arc::new(Herder::new(
            store,
            Arc::new(Plugins::builtin()),
            "worker-1:8083".to_string(),
        ));
        let response = warp::test::request()
            .path("/openapi.json")
            .reply(&routes(herder))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/json"
        );
        let served: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(served, document());
    }
}
