//! Property tests: random methods, paths, query strings and bodies thrown at the real
//! routes (a herder on a `LocalStore` in a temp dir). Whatever comes in, the API
//! answers without panicking, never with a 5xx (a `LocalStore` is never unavailable),
//! and every 4xx is Kafka's `{"error_code","message"}` JSON.

use std::sync::Arc;

use futures::stream;
use proptest::prelude::*;
use raftconnect_raft::local::LocalStore;
use serde_json::{json, Value};
use warp::http::{HeaderMap, Method, StatusCode};
use warp::hyper::body::Bytes;

use super::{read_body, routes, Request, MAX_BODY_BYTES};
use crate::herder::Herder;
use crate::plugins::Plugins;

struct Fixture {
    _dir: tempfile::TempDir,
    herder: Arc<Herder>,
    rt: tokio::runtime::Runtime,
}

impl Fixture {
    /// A herder with a source connector `c` and a sink `s` (stopped, so offsets can be
    /// changed).
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LocalStore::open(dir.path()).unwrap());
        let herder = Arc::new(Herder::new(
            store,
            Arc::new(Plugins::builtin()),
            "worker-1:8083".to_string(),
        ));
        let fixture = Fixture {
            _dir: dir,
            herder,
            rt,
        };
        for (method, path, body) in [
            (
                "POST",
                "/connectors",
                json!({"name": "c", "config": {"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "t"}}),
            ),
            (
                "POST",
                "/connectors",
                json!({"name": "s", "config": {"connector.class": "FileStreamSink", "file": "/tmp/out.txt", "topics": "t"}, "initial_state": "STOPPED"}),
            ),
        ] {
            let (status, _) = fixture.call(method, path, None, body.to_string().into_bytes());
            assert_eq!(status, StatusCode::CREATED);
        }
        fixture
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Bytes) {
        let mut request = warp::test::request().method(method).path(path);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let request = request.body(body);
        let response = self
            .rt
            .block_on(request.reply(&routes(self.herder.clone())));
        (response.status(), response.body().clone())
    }
}

/// Checks one answer: no 5xx, and a 4xx is `{"error_code": <status>, "message": "..."}`.
fn check(method: &str, path: &str, status: StatusCode, body: &[u8]) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(&body[..body.len().min(500)]).into_owned();
    prop_assert!(
        !status.is_server_error(),
        "{} {} -> {}: {}",
        method,
        path,
        status,
        shown
    );
    if status.is_client_error() {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            TestCaseError::fail(format!(
                "{method} {path} -> {status}: not JSON ({e}): {shown}"
            ))
        })?;
        prop_assert_eq!(
            value.get("error_code").and_then(Value::as_u64),
            Some(u64::from(status.as_u16())),
            "{} {} -> {}: {}",
            method,
            path,
            status,
            shown
        );
        prop_assert!(
            value.get("message").is_some_and(Value::is_string),
            "{} {} -> {}: {}",
            method,
            path,
            status,
            shown
        );
    }
    Ok(())
}

/// Percent-encodes every byte.
fn encode_all(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec!["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
            .prop_map(str::to_string),
        1 => "[A-Z]{1,12}",
    ]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec![
            "connectors", "connector-plugins", "admin", "loggers", "cluster", "openapi.json",
            "config", "validate", "status", "tasks", "restart", "pause", "resume", "stop",
            "offsets", "topics", "reset", "metrics", "c", "s", "missing", "0", "1", "-1",
            "4294967296", "FileStreamSource", "FileStreamSink", "root", "", "..", ".",
            "%2E", "%2F", "%00", "%ZZ", "%", "%E2%82", "%FF%FE", "+", "%20",
        ])
        .prop_map(str::to_string),
        3 => "[A-Za-z0-9._~!$&'()*+,;=:@-]{0,24}",
        2 => prop::collection::vec(any::<u8>(), 0..24).prop_map(|b| encode_all(&b)),
        1 => prop::collection::vec(0u8..0x20, 1..8).prop_map(|b| encode_all(&b)),
        1 => "[a-z]{200,3000}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(segment(), 0..7).prop_map(|segments| format!("/{}", segments.join("/")))
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        3 => prop::sample::select(vec!["expand", "includeTasks", "onlyFailed", "connectorsOnly", "scope"])
            .prop_map(str::to_string),
        1 => "[A-Za-z0-9_.-]{0,12}",
        1 => prop::collection::vec(any::<u8>(), 0..12).prop_map(|b| encode_all(&b)),
    ];
    let value = prop_oneof![
        3 => prop::sample::select(vec!["status", "info", "true", "false", "TRUE", "worker", "cluster", "", "%00", "%FF"])
            .prop_map(str::to_string),
        1 => "[A-Za-z0-9_.+-]{0,12}",
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| encode_all(&b)),
    ];
    prop::collection::vec((key, prop::option::of(value)), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k,
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<u64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "FileStreamSource",
            "FileStreamSink",
            "RUNNING",
            "PAUSED",
            "STOPPED",
            "DEBUG",
            "connector.class",
            "tasks.max",
            "t",
            "c",
            "",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        let key = prop_oneof![
            3 => prop::sample::select(vec![
                "name", "config", "initial_state", "connector.class", "tasks.max", "topic",
                "topics", "file", "offsets", "partition", "offset", "kafka_topic",
                "kafka_partition", "kafka_offset", "level", "transforms", "errors.tolerance",
            ])
            .prop_map(str::to_string),
            1 => ".{0,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        3 => prop::collection::vec(any::<u8>(), 0..512),
        6 => json_value().prop_map(|v| v.to_string().into_bytes()),
        2 => json_value().prop_map(|config| {
            json!({"name": "fz", "config": config}).to_string().into_bytes()
        }),
        1 => (0usize..3, any::<u8>()).prop_map(|(extra, b)| vec![b; MAX_BODY_BYTES + extra]),
        1 => Just(b"{\"a\":".repeat(4000)),
        1 => Just(b"[".repeat(10_000)),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(vec![
        "application/json",
        "text/plain",
        "application/json; charset=utf-8",
        "application/x-www-form-urlencoded",
    ]))
}

/// Cluster-scope and worker-scope log levels are process-wide: a fuzzed PUT that would
/// really change one is left out (the other tests read them).
fn changes_log_levels(method: &str, path: &str, body: &[u8]) -> bool {
    let request = Request::new(Method::GET, path, "", Bytes::new());
    let is_logger =
        matches!(request.segments.as_slice(), [a, l, _] if a == "admin" && l == "loggers");
    let has_level = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("level").cloned())
        .is_some_and(|l| !l.is_null());
    method == "PUT" && is_logger && has_level
}

#[test]
fn random_requests_never_fail_the_server() {
    let fixture = Fixture::new();
    let config = ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(method in method(), path in path(), query in query(), body in body(), ct in content_type())| {
        if changes_log_levels(&method, &path, &body) {
            return Ok(());
        }
        let target = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        let (status, reply) = fixture.call(&method, &target, ct, body.clone());
        check(&method, &target, status, &reply)?;
        let not_json = ct.is_some_and(|c| !c.starts_with("application/json"));
        if not_json && matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            // Refused by its Content-Type before the body is read.
            prop_assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        } else if body.len() > MAX_BODY_BYTES {
            prop_assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        }
    });
}

/// Well-formed requests to the real routes with random JSON bodies: every handler that
/// reads a body gets shapes it does not expect.
#[test]
fn random_json_bodies_on_every_route_never_fail_the_server() {
    let fixture = Fixture::new();
    let config = ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let operations = vec![
        ("POST", "/connectors"),
        ("PUT", "/connectors/c/config"),
        ("PUT", "/connectors/new/config"),
        ("PATCH", "/connectors/c/config"),
        ("PATCH", "/connectors/s/offsets"),
        ("PATCH", "/connectors/c/offsets"),
        ("PUT", "/connector-plugins/FileStreamSource/config/validate"),
        ("PUT", "/connector-plugins/FileStreamSink/config/validate"),
        ("PUT", "/connector-plugins/Nope/config/validate"),
        ("POST", "/connectors/c/restart?includeTasks=true"),
        ("DELETE", "/connectors/s/offsets"),
        ("GET", "/connectors?expand=status&expand=info"),
    ];
    proptest!(config, |(op in prop::sample::select(operations), body in json_value())| {
        let (method, path) = op;
        let (status, reply) = fixture.call(method, path, Some("application/json"), body.to_string().into_bytes());
        check(method, path, status, &reply)?;
    });
}

#[test]
fn a_body_over_the_limit_is_a_413_naming_the_limit() {
    let fixture = Fixture::new();
    let (status, reply) = fixture.call(
        "POST",
        "/connectors",
        Some("application/json"),
        vec![b' '; MAX_BODY_BYTES + 1],
    );
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let value: Value = serde_json::from_slice(&reply).unwrap();
    assert_eq!(value["error_code"], 413);
    assert!(
        value["message"].as_str().unwrap().contains("1048576 bytes"),
        "{value}"
    );
    // At the limit the body is read (and here refused as JSON, not for its size).
    let (status, _) = fixture.call(
        "POST",
        "/connectors",
        Some("application/json"),
        vec![b' '; MAX_BODY_BYTES],
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn a_chunked_body_over_the_limit_is_cut_off() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let chunks = |n: usize| {
        stream::iter((0..n).map(|_| Ok::<_, warp::Error>(Bytes::from(vec![b'x'; 64 * 1024]))))
    };
    // 16 chunks of 64 KiB are exactly the limit; 17 are over it.
    let body = rt
        .block_on(read_body(&HeaderMap::new(), chunks(16)))
        .unwrap();
    assert_eq!(body.len(), MAX_BODY_BYTES);
    let error = rt
        .block_on(read_body(&HeaderMap::new(), chunks(17)))
        .unwrap_err();
    assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A declared length over the limit is refused before reading.
    let mut headers = HeaderMap::new();
    headers.insert("content-length", "2000000".parse().unwrap());
    let error = rt.block_on(read_body(&headers, chunks(0))).unwrap_err();
    assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[A-Za-z0-9._-]{1,20}",
        2 => ".{0,16}",
        2 => prop::collection::vec(prop_oneof![Just('\u{0}'), Just('\t'), Just('\n'), Just('\u{7f}'), Just('\u{85}'), Just('a'), Just(' ')], 1..8)
            .prop_map(|c| c.into_iter().collect()),
        1 => "[a-z]{200,5000}",
        1 => prop::sample::select(vec![" ", "/", "a/b", "..", ".", "%", "%2F", "?", "#", "\u{feff}", "\u{1F600}"])
            .prop_map(str::to_string),
    ]
}

/// Valid configs under random names (control characters, very long, slashes, unicode):
/// created through both POST and PUT, then read, changed and deleted by that name.
#[test]
fn random_connector_names_never_fail_the_server() {
    let fixture = Fixture::new();
    let config = ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(name in name(), via_put in any::<bool>())| {
        let connector = json!({"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "t"});
        let encoded = super::percent_encode_segment(&name);
        let base = format!("/connectors/{encoded}");
        let (method, path, body) = if via_put {
            ("PUT", format!("{base}/config"), connector.to_string())
        } else {
            ("POST", "/connectors".to_string(), json!({"name": name, "config": connector}).to_string())
        };
        let (status, reply) = fixture.call(method, &path, Some("application/json"), body.into_bytes());
        check(method, &path, status, &reply)?;
        for (method, suffix, body) in [
            ("GET", "", ""),
            ("GET", "/status", ""),
            ("GET", "/config", ""),
            ("GET", "/tasks", ""),
            ("GET", "/offsets", ""),
            ("GET", "/topics", ""),
            ("PUT", "/stop", ""),
            ("PATCH", "/offsets", "{\"offsets\":[{\"partition\":{\"filename\":\"x\"},\"offset\":{\"position\":1}}]}"),
            ("DELETE", "/offsets", ""),
            ("PATCH", "/config", "{\"topic\":null,\"tasks.max\":2}"),
            ("POST", "/restart?includeTasks=true&onlyFailed=false", ""),
            ("PUT", "/topics/reset", ""),
            ("DELETE", "", ""),
        ] {
            let path = format!("{base}{suffix}");
            let (status, reply) = fixture.call(method, &path, Some("application/json"), body.as_bytes().to_vec());
            check(method, &path, status, &reply)?;
        }
    });
}
