//! The harness's REST client, which sorts every answer into what Jepsen needs to know:
//! did the operation happen (ok), certainly not happen (fail), or is it unknown (info)?

use std::sync::Arc;
use std::time::Duration;

use testkit::http::{request_to, RequestError};

use crate::runtime::{NodeId, Runtime};

/// The outcome of one request, classified for the history.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A 2xx answer.
    Ok { status: u16, body: String },
    /// Certainly had no effect: a read that failed, a write the server refused with a
    /// 4xx, or a request that never reached the server.
    Fail(String),
    /// May or may not have had effect: a write whose answer was lost or that failed
    /// with a 5xx (a 503 write timeout can still commit later).
    Info(String),
}

impl Outcome {
    pub fn json(&self) -> Option<serde_json::Value> {
        match self {
            Outcome::Ok { body, .. } => serde_json::from_str(body).ok(),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    runtime: Arc<dyn Runtime>,
    timeout: Duration,
}

impl Client {
    pub fn new(runtime: Arc<dyn Runtime>, timeout: Duration) -> Client {
        Client { runtime, timeout }
    }

    /// `GET path` on `node`: reads have no effect, so anything but a 2xx is a fail.
    pub fn get(&self, node: NodeId, path: &str) -> Outcome {
        match request_to(
            self.runtime.rest_addr(node),
            "GET",
            path,
            None,
            self.timeout,
        ) {
            Ok((status, body)) if (200..300).contains(&status) => Outcome::Ok { status, body },
            Ok((status, body)) => Outcome::Fail(format!("{status}: {}", short(&body))),
            Err(RequestError::Connect(e) | RequestError::Lost(e)) => Outcome::Fail(e),
        }
    }

    /// A write (`PUT`, `POST`, `DELETE`) on `node`.
    pub fn write(
        &self,
        node: NodeId,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Outcome {
        let body = body.to_string();
        match request_to(
            self.runtime.rest_addr(node),
            method,
            path,
            Some(&body),
            self.timeout,
        ) {
            Ok((status, body)) if (200..300).contains(&status) => Outcome::Ok { status, body },
            Ok((status, body)) if (400..500).contains(&status) => {
                Outcome::Fail(format!("{status}: {}", short(&body)))
            }
            Ok((status, body)) => Outcome::Info(format!("{status}: {}", short(&body))),
            Err(RequestError::Connect(e)) => Outcome::Fail(format!("not sent: {e}")),
            Err(RequestError::Lost(e)) => Outcome::Info(format!("answer lost: {e}")),
        }
    }

    /// `GET path` on the first node that answers 2xx, as JSON.
    pub fn get_any(&self, path: &str) -> Option<serde_json::Value> {
        self.runtime
            .node_ids()
            .into_iter()
            .find_map(|id| self.get(id, path).json())
    }

    /// Retries a write on each node in turn until one answers 2xx (or `expect_conflict`
    /// and a 409), for setup steps; gives up after `deadline`.
    pub fn write_until_ok(
        &self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
        deadline: Duration,
    ) -> Result<Outcome, String> {
        let end = std::time::Instant::now() + deadline;
        let mut last = String::new();
        while std::time::Instant::now() < end {
            for id in self.runtime.node_ids() {
                match self.write(id, method, path, body) {
                    ok @ Outcome::Ok { .. } => return Ok(ok),
                    Outcome::Fail(e) if e.starts_with("409") => {
                        return Ok(Outcome::Ok {
                            status: 409,
                            body: String::new(),
                        })
                    }
                    Outcome::Fail(e) | Outcome::Info(e) => last = e,
                }
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!("{method} {path} did not succeed: {last}"))
    }

    /// The Raft leader's node id, as some node reports it.
    pub fn leader(&self) -> Option<NodeId> {
        self.get_any("/cluster")?["leader"].as_u64()
    }

    /// The node whose REST address is `worker_id` ("host:port").
    pub fn node_of_worker(&self, worker_id: &str) -> Option<NodeId> {
        self.runtime
            .node_ids()
            .into_iter()
            .find(|&id| self.runtime.rest_addr(id).to_string() == worker_id)
    }
}

fn short(body: &str) -> String {
    body.chars().take(200).collect()
}
