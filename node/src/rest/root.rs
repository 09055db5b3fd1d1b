//! `GET /`: the worker's version (Kafka's `RootResource` and `ServerInfo`).

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::Response;

/// Kafka's `ServerInfo`: `{"version","commit","kafka_cluster_id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    pub version: &'static str,
    pub commit: &'static str,
    pub kafka_cluster_id: &'static str,
}

/// The build's git commit, when the build exported one (`RAFTCONNECT_GIT_COMMIT` or
/// `GIT_COMMIT`), else `unknown`.
pub fn commit() -> &'static str {
    option_env!("RAFTCONNECT_GIT_COMMIT")
        .or(option_env!("GIT_COMMIT"))
        .filter(|c| !c.is_empty())
        .unwrap_or("unknown")
}

pub fn server_info() -> Response {
    let info = ServerInfo {
        version: env!("CARGO_PKG_VERSION"),
        commit: commit(),
        // The Kafka cluster id is not looked up yet: a stable placeholder.
        kafka_cluster_id: "",
    };
    super::json(StatusCode::OK, &info)
}
