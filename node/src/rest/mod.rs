//! The Kafka Connect REST API (warp), with Kafka Connect 3.9's paths, JSON shapes and
//! status codes.
//!
//! One warp filter takes every request; [`route`] matches the decoded path segments, so
//! an unknown path is a 404 and a known path asked with another method a 405, both in
//! Kafka's `{"error_code":N,"message":"..."}` shape ([`errors`]). The handlers live in
//! [`root`] (`GET /`), [`connectors`] (`/connectors/...`), [`plugins`]
//! (`/connector-plugins/...`) and [`loggers`] (`/admin/loggers/...`).
//!
//! Our extensions: `GET /cluster` (the Raft cluster) and
//! `GET /connectors/{name}/tasks/{id}/metrics` (a task's error handling counters, with
//! the names of Kafka's `task-error-metrics`: `total-record-failures`,
//! `total-record-errors`, `total-records-skipped`, `total-retries`,
//! `total-errors-logged`, `deadletterqueue-produce-requests`,
//! `deadletterqueue-produce-failures`, `last-error-timestamp`, plus
//! `total-records-dead-lettered`). Only the worker running the task has them; others
//! answer 404 naming the task's worker. `GET /openapi.json` serves the OpenAPI 3.0
//! document of the whole API ([`openapi`]; a test checks it against `route` and
//! `dispatch`). Request bodies over [`MAX_BODY_BYTES`] (1 MiB) are refused with 413.

pub mod auth;
pub mod connectors;
pub mod errors;
pub mod loggers;
pub mod openapi;
pub mod plugins;
pub mod root;
pub mod tls;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use connect_api::Props;
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use warp::filters::path::FullPath;
use warp::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use warp::hyper::body::{Buf, Bytes};
use warp::reply::Response;
use warp::{Filter, Reply};

use crate::herder::Herder;
use errors::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("cannot listen on {addr} (listeners): {reason}")]
    Bind { addr: SocketAddr, reason: String },
}

/// Serves the API on `addr` (over TLS when `tls` is set) until `shutdown` resolves.
/// Binding errors are returned before serving starts.
pub async fn serve(
    herder: Arc<Herder>,
    addr: SocketAddr,
    tls: Option<tls::RestTls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RestError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| RestError::Bind {
            addr,
            reason: e.to_string(),
        })?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!(listener = %format!("{}://{local}", tls::scheme(tls.as_ref())), "REST API listening");
    let auth = herder.rest_auth();
    // Cluster-scope log levels (`PUT /admin/loggers/..?scope=cluster`) apply here too.
    let levels = tokio::spawn(loggers::follow(herder.clone()));
    let filter = auth::protect(auth, routes(herder));
    match tls {
        Some(tls) => tls::serve(listener, tls, filter, shutdown).await,
        None => {
            warp::serve(filter)
                .incoming(listener)
                .graceful(shutdown)
                .run()
                .await
        }
    }
    levels.abort();
    Ok(())
}

/// The largest request body the API reads (1 MiB); a larger one is a 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole API as one filter; it never rejects (errors are JSON responses).
pub fn routes(
    herder: Arc<Herder>,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    warp::method()
        .and(warp::path::full())
        .and(query)
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .and_then(
            move |method: Method, path: FullPath, query: String, headers: HeaderMap, body| {
                let herder = herder.clone();
                async move {
                    if let Err(e) = check_content_type(&method, &headers) {
                        return Ok::<_, Infallible>(e.into_response());
                    }
                    let body = match read_body(&headers, body).await {
                        Ok(body) => body,
                        Err(e) => return Ok::<_, Infallible>(e.into_response()),
                    };
                    let request = Request::new(method, path.as_str(), &query, body);
                    Ok::<_, Infallible>(handle(&herder, &request).await)
                }
            },
        )
        .recover(errors::handle_rejection)
        .unify()
}

/// Bodies are JSON: a request that says it sends something else is refused with 415,
/// as Jersey does for Kafka Connect's `@Consumes(APPLICATION_JSON)` resources. A
/// request without a Content-Type is read as JSON (curl -X PUT sends none).
fn check_content_type(method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    if !matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        return Ok(());
    }
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media == "application/json" || media.is_empty() || media == "*/*" {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "HTTP 415 Unsupported Media Type".to_string(),
        ))
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request body is larger than the limit of {MAX_BODY_BYTES} bytes (1 MiB)"),
    )
}

/// The request body, up to [`MAX_BODY_BYTES`]: a declared `Content-Length` over the
/// limit is refused before reading, and a chunked body is cut off once over it.
async fn read_body<S, B>(headers: &HeaderMap, body: S) -> Result<Bytes, ApiError>
where
    S: futures::Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = std::pin::pin!(body);
    let mut out = Vec::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk
            .map_err(|e| ApiError::bad_request(format!("Cannot read the request body: {e}")))?;
        if out.len() + chunk.remaining() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            out.extend_from_slice(part);
            chunk.advance(n);
        }
    }
    Ok(Bytes::from(out))
}

async fn handle(herder: &Herder, request: &Request) -> Response {
    let response = match dispatch(herder, request).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    tracing::debug!(
        method = %request.method,
        path = %request.path,
        status = response.status().as_u16(),
        "REST request"
    );
    response
}

/// A request as the handlers see it: path segments and query decoded.
#[derive(Debug)]
pub struct Request {
    pub method: Method,
    /// The raw path, for logs.
    pub path: String,
    /// Percent-decoded path segments, without the leading empty one and a trailing
    /// slash's empty one.
    pub segments: Vec<String>,
    /// Percent-decoded query parameters, in order, repeated keys kept.
    pub query: Vec<(String, String)>,
    pub body: Bytes,
}

impl Request {
    pub fn new(method: Method, path: &str, query: &str, body: Bytes) -> Self {
        let mut segments: Vec<String> = path
            .strip_prefix('/')
            .unwrap_or(path)
            .split('/')
            .map(|s| percent_decode(s, false))
            .collect();
        if segments.last().is_some_and(|s| s.is_empty()) {
            segments.pop();
        }
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k, true), percent_decode(v, true))
            })
            .collect();
        Request {
            method,
            path: path.to_string(),
            segments,
            query,
            body,
        }
    }

    /// Every value of query parameter `key`.
    pub fn query_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of query parameter `key` (as JAX-RS's `@QueryParam`).
    pub fn query_first(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; a 400 naming the problem when it is not.
    pub fn json(&self) -> Result<Value, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "Request body is empty: a JSON object is expected",
            ));
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::bad_request(format!("Request body is not valid JSON: {e}")))
    }
}

/// The paths the API serves, with their decoded parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    Root,
    Connectors,
    Connector(&'a str),
    ConnectorConfig(&'a str),
    ConnectorStatus(&'a str),
    ConnectorTasks(&'a str),
    TaskStatus(&'a str, u32),
    /// Our extension: a task's error handling counters.
    TaskMetrics(&'a str, u32),
    Pause(&'a str),
    Resume(&'a str),
    Stop(&'a str),
    Plugins,
    Validate(&'a str),
    /// Our extension: the Raft cluster's members, leader and liveness.
    Cluster,
    Health,
    Offsets(&'a str),
    Restart(&'a str),
    TaskRestart(&'a str, u32),
    Topics(&'a str),
    TopicsReset(&'a str),
    PluginConfig(&'a str),
    Loggers,
    Logger(&'a str),
    /// This API's OpenAPI document.
    OpenApi,
}

impl Route<'_> {
    /// Whether a GET of this path reads the replicated state (connectors, statuses,
    /// offsets, topics), as opposed to this node's own view (plugins, health, the
    /// cluster's membership, metrics, loggers).
    fn reads_cluster_state(&self) -> bool {
        matches!(
            self,
            Route::Connectors
                | Route::Connector(_)
                | Route::ConnectorConfig(_)
                | Route::ConnectorStatus(_)
                | Route::ConnectorTasks(_)
                | Route::TaskStatus(..)
                | Route::Offsets(_)
                | Route::Topics(_)
        )
    }

    /// The methods the path answers to (the `Allow` of a 405).
    fn allowed(&self) -> &'static [&'static str] {
        match self {
            Route::Connectors => &["GET", "POST"],
            Route::Connector(_) => &["GET", "DELETE"],
            Route::ConnectorConfig(_) => &["GET", "PUT", "PATCH"],
            Route::Offsets(_) => &["GET", "PATCH", "DELETE"],
            Route::Restart(_) | Route::TaskRestart(..) => &["POST"],
            Route::Logger(_) => &["GET", "PUT"],
            Route::Pause(_)
            | Route::Resume(_)
            | Route::Stop(_)
            | Route::Validate(_)
            | Route::TopicsReset(_) => &["PUT"],
            Route::Root
            | Route::ConnectorStatus(_)
            | Route::ConnectorTasks(_)
            | Route::TaskStatus(..)
            | Route::TaskMetrics(..)
            | Route::Plugins
            | Route::Cluster
            | Route::Health
            | Route::Topics(_)
            | Route::PluginConfig(_)
            | Route::Loggers
            | Route::OpenApi => &["GET"],
        }
    }
}

fn route(segments: &[String]) -> Option<Route<'_>> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    Some(match s.as_slice() {
        [] => Route::Root,
        ["connectors"] => Route::Connectors,
        ["connectors", name] => Route::Connector(name),
        ["connectors", name, "config"] => Route::ConnectorConfig(name),
        ["connectors", name, "status"] => Route::ConnectorStatus(name),
        ["connectors", name, "tasks"] => Route::ConnectorTasks(name),
        // A task id that is not a number matches no resource (as Jersey's Integer param).
        ["connectors", name, "tasks", task, "status"] => {
            Route::TaskStatus(name, task.parse().ok()?)
        }
        ["connectors", name, "tasks", task, "metrics"] => {
            Route::TaskMetrics(name, task.parse().ok()?)
        }
        ["connectors", name, "pause"] => Route::Pause(name),
        ["connectors", name, "resume"] => Route::Resume(name),
        ["connectors", name, "stop"] => Route::Stop(name),
        ["connectors", name, "offsets"] => Route::Offsets(name),
        ["connectors", name, "restart"] => Route::Restart(name),
        ["connectors", name, "tasks", task, "restart"] => {
            Route::TaskRestart(name, task.parse().ok()?)
        }
        ["connectors", name, "topics"] => Route::Topics(name),
        ["connectors", name, "topics", "reset"] => Route::TopicsReset(name),
        ["connector-plugins", plugin, "config"] => Route::PluginConfig(plugin),
        ["admin", "loggers"] => Route::Loggers,
        ["admin", "loggers", logger] => Route::Logger(logger),
        ["connector-plugins"] => Route::Plugins,
        ["cluster"] => Route::Cluster,
        ["health"] => Route::Health,
        ["openapi.json"] => Route::OpenApi,
        ["connector-plugins", plugin, "config", "validate"] => Route::Validate(plugin),
        _ => return None,
    })
}

async fn dispatch(herder: &Herder, request: &Request) -> Result<Response, ApiError> {
    let route = route(&request.segments).ok_or_else(ApiError::not_found)?;
    // HEAD is GET without a body (hyper drops it), as Jersey serves it.
    let method = match request.method {
        Method::HEAD => "GET",
        ref m => m.as_str(),
    };
    if method == "GET" && route.reads_cluster_state() {
        // Linearizable reads: a node cut off from the quorum answers 503, never a
        // stale config, status or offset.
        herder.read_barrier().await?;
    }
    match (method, route) {
        ("GET", Route::Root) => Ok(root::server_info()),
        ("GET", Route::OpenApi) => Ok(openapi::document()),
        ("GET", Route::Connectors) => connectors::list(herder, request),
        ("POST", Route::Connectors) => connectors::create(herder, request).await,
        ("GET", Route::Connector(name)) => connectors::info(herder, name),
        ("DELETE", Route::Connector(name)) => connectors::delete(herder, name).await,
        ("GET", Route::ConnectorConfig(name)) => connectors::config(herder, name),
        ("PUT", Route::ConnectorConfig(name)) => {
            connectors::put_config(herder, name, request).await
        }
        ("GET", Route::ConnectorStatus(name)) => connectors::status(herder, name),
        ("GET", Route::ConnectorTasks(name)) => connectors::tasks(herder, name),
        ("GET", Route::TaskStatus(name, task)) => connectors::task_status(herder, name, task),
        ("GET", Route::TaskMetrics(name, task)) => {
            Ok(json(StatusCode::OK, &herder.task_metrics(name, task)?))
        }
        ("PUT", Route::Pause(name)) => connectors::pause(herder, name).await,
        ("PUT", Route::Resume(name)) => connectors::resume(herder, name).await,
        ("PUT", Route::Stop(name)) => connectors::stop(herder, name).await,
        ("GET", Route::Plugins) => Ok(plugins::list(herder, request)),
        ("PUT", Route::Validate(plugin)) => plugins::validate(herder, plugin, request).await,
        ("PATCH", Route::ConnectorConfig(name)) => {
            connectors::patch_config(herder, name, request).await
        }
        ("POST", Route::Restart(name)) => connectors::restart(herder, name, request).await,
        ("POST", Route::TaskRestart(name, task)) => {
            herder.restart_task(name, task).await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        ("GET", Route::Offsets(name)) => Ok(json(StatusCode::OK, &herder.offsets(name)?)),
        ("PATCH", Route::Offsets(name)) => connectors::alter_offsets(herder, name, request).await,
        ("DELETE", Route::Offsets(name)) => {
            Ok(json(StatusCode::OK, &herder.reset_offsets(name).await?))
        }
        ("GET", Route::Topics(name)) => Ok(json(
            StatusCode::OK,
            &BTreeMap::from([(name, herder.active_topics(name))]),
        )),
        ("PUT", Route::TopicsReset(name)) => {
            herder.reset_active_topics(name).await?;
            Ok(empty(StatusCode::ACCEPTED))
        }
        ("GET", Route::PluginConfig(plugin)) => plugins::config(herder, plugin),
        ("GET", Route::Loggers) => Ok(json(StatusCode::OK, &loggers::all())),
        ("GET", Route::Logger(logger)) => loggers::get(logger),
        ("PUT", Route::Logger(logger)) => loggers::set(herder, logger, request).await,
        ("GET", Route::Health) => {
            let health = herder.health();
            let status = if health.status == "healthy" {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            Ok(json(status, &health))
        }
        ("GET", Route::Cluster) => match herder.cluster_info().await {
            Some(info) => Ok(json(StatusCode::OK, &info)),
            None => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "This worker runs in standalone mode: there is no cluster",
            )),
        },
        (_, route) => Err(ApiError::method_not_allowed(route.allowed())),
    }
}

/// `value` as a JSON response with `status`.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    warp::reply::with_status(warp::reply::json(value), status).into_response()
}

/// An empty response with `status` (Kafka's `Response.accepted().build()`, `void`).
pub fn empty(status: StatusCode) -> Response {
    warp::reply::with_status(warp::reply(), status).into_response()
}

/// `response` with a `Location: /connectors/{name}` header (name percent-encoded).
pub fn with_location(mut response: Response, name: &str) -> Response {
    let location = format!("/connectors/{}", percent_encode_segment(name));
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A connector config from JSON: an object whose values are strings. Numbers and
/// booleans are taken as their text and nulls as absent keys, as Jackson reads a
/// `Map<String, String>`; `what` names the value in errors.
pub fn config_from_json(value: Value, what: &str) -> Result<Props, ApiError> {
    let Value::Object(map) = value else {
        return Err(ApiError::bad_request(format!(
            "{what} must be a JSON object of string values, not {}",
            json_kind(&value)
        )));
    };
    let mut config = Props::new();
    for (key, value) in map {
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(ApiError::bad_request(format!(
                    "{what}: the value of \"{key}\" must be a string, not {}",
                    json_kind(&other)
                )))
            }
        };
        config.insert(key, text);
    }
    Ok(config)
}

pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (and `+` as a space in query strings); malformed escapes stay
/// as they are, invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes `s` for use as one path segment: everything but RFC 3986's unreserved
/// characters and sub-delimiters (and `:`/`@`) is percent-encoded, `/` included.
pub fn percent_encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
