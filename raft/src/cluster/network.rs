//! Raft RPCs between nodes over HTTP on the cluster port: the client side
//! (openraft's RaftNetworkFactory) and the server routes that hand requests to Raft.
//! Bodies are bincode; a response is `Result<reply, RaftError>` so remote Raft errors
//! come back typed.

use std::sync::Arc;
use std::time::Duration;

use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::config::ClusterSecret;
use super::types::TypeConfig;
use crate::state::{NodeId, NodeInfo};
use crate::store::SharedState;

pub fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, String> {
    bincode::serde::encode_to_vec(v, bincode::config::standard()).map_err(|e| e.to_string())
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| e.to_string())
}

/// Creates a client per peer; all share one HTTP connection pool.
#[derive(Clone)]
pub struct Network {
    pub http: reqwest::Client,
    /// To stamp requests with our cluster id, so a node of another cluster refuses them.
    shared: Option<Arc<SharedState>>,
}

/// The header carrying the sender's cluster id.
pub const CLUSTER_HEADER: &str = "x-raftconnect-cluster";

/// The header carrying the cluster's shared secret (`cluster.secret`).
pub const SECRET_HEADER: &str = "x-raftconnect-secret";

impl Network {
    /// Every request this network's client makes (Raft RPCs, forwarded writes, joins,
    /// pings, info) carries the cluster id and, when set, the shared secret.
    pub fn for_cluster(shared: Arc<SharedState>, secret: Option<&ClusterSecret>) -> Self {
        Network {
            shared: Some(shared),
            http: client(secret),
        }
    }

    pub fn new() -> Self {
        Network {
            http: client(None),
            shared: None,
        }
    }
}

fn client(secret: Option<&ClusterSecret>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(v) = secret.and_then(|s| reqwest::header::HeaderValue::from_str(s.value()).ok()) {
        let mut v = v;
        v.set_sensitive(true);
        headers.insert(SECRET_HEADER, v);
    }
    reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(500))
        .pool_idle_timeout(Duration::from_secs(30))
        .default_headers(headers)
        .build()
        .unwrap_or_default()
}

impl Default for Network {
    fn default() -> Self {
        Self::new()
    }
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, node: &NodeInfo) -> PeerClient {
        PeerClient {
            target,
            addr: node.raft_addr.clone(),
            http: self.http.clone(),
            shared: self.shared.clone(),
        }
    }
}

pub struct PeerClient {
    target: NodeId,
    addr: String,
    http: reqwest::Client,
    shared: Option<Arc<SharedState>>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Transport(String);

impl PeerClient {
    async fn call<Req, Resp, E>(
        &self,
        path: &str,
        req: &Req,
        timeout: Duration,
    ) -> Result<Resp, RPCError<NodeId, NodeInfo, RaftError<NodeId, E>>>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        let body = encode(req).map_err(|e| RPCError::Network(NetworkError::new(&Transport(e))))?;
        let url = format!("http://{}/raft/{path}", self.addr);
        let mut req = self.http.post(&url).timeout(timeout).body(body);
        if let Some(id) = self
            .shared
            .as_ref()
            .and_then(|s| s.read(|s| s.cluster_id.clone()))
        {
            req = req.header(CLUSTER_HEADER, id);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| RPCError::Unreachable(Unreachable::new(&e)))?;
        if !resp.status().is_success() {
            let e = Transport(format!("{url}: HTTP {}", resp.status()));
            return Err(RPCError::Network(NetworkError::new(&e)));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        let result: Result<Resp, RaftError<NodeId, E>> =
            decode(&bytes).map_err(|e| RPCError::Network(NetworkError::new(&Transport(e))))?;
        result.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, NodeInfo, RaftError<NodeId>>> {
        self.call("append", &rpc, option.hard_ttl()).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<NodeId>,
        RPCError<NodeId, NodeInfo, RaftError<NodeId, InstallSnapshotError>>,
    > {
        self.call("snapshot", &rpc, option.hard_ttl()).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, NodeInfo, RaftError<NodeId>>> {
        self.call("vote", &rpc, option.hard_ttl()).await
    }
}

/// Server side: decodes a request, hands it to Raft, encodes the result.
pub mod server {
    use super::*;
    use crate::cluster::types::Raft;
    use warp::Filter;

    fn reply<T: Serialize>(v: &T) -> warp::reply::Response {
        match encode(v) {
            Ok(bytes) => warp::reply::Response::new(bytes.into()),
            Err(e) => {
                let mut r = warp::reply::Response::new(format!("encode: {e}").into());
                *r.status_mut() = warp::http::StatusCode::INTERNAL_SERVER_ERROR;
                r
            }
        }
    }

    fn bad_request(e: String) -> warp::reply::Response {
        let mut r = warp::reply::Response::new(format!("cannot decode request: {e}").into());
        *r.status_mut() = warp::http::StatusCode::BAD_REQUEST;
        r
    }

    /// Refuses requests stamped with another cluster's id.
    fn same_cluster(
        shared: Arc<SharedState>,
    ) -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
        warp::header::optional::<String>(CLUSTER_HEADER)
            .and_then(move |theirs: Option<String>| {
                let ours = shared.read(|s| s.cluster_id.clone());
                async move {
                    match (ours, theirs) {
                        (Some(o), Some(t)) if o != t => Err(warp::reject::custom(OtherCluster)),
                        _ => Ok(()),
                    }
                }
            })
            .untuple_one()
    }

    #[derive(Debug)]
    struct OtherCluster;
    impl warp::reject::Reject for OtherCluster {}

    #[derive(Debug)]
    struct BadSecret;
    impl warp::reject::Reject for BadSecret {}

    /// With a `cluster.secret`, refuses requests that do not carry it (401).
    pub fn with_secret(
        secret: Option<ClusterSecret>,
    ) -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
        warp::header::optional::<String>(SECRET_HEADER)
            .and_then(move |theirs: Option<String>| {
                let ok = match &secret {
                    None => true,
                    Some(s) => theirs.is_some_and(|t| s.matches(&t)),
                };
                async move {
                    if ok {
                        Ok(())
                    } else {
                        Err(warp::reject::custom(BadSecret))
                    }
                }
            })
            .untuple_one()
    }

    /// Routes refused for a cluster mismatch answer 409 with a message.
    pub async fn recover(r: warp::Rejection) -> Result<warp::reply::Response, warp::Rejection> {
        if r.find::<OtherCluster>().is_some() {
            let mut resp = warp::reply::Response::new(
                "the sender belongs to another raftconnect cluster".into(),
            );
            *resp.status_mut() = warp::http::StatusCode::CONFLICT;
            return Ok(resp);
        }
        if r.find::<BadSecret>().is_some() {
            let mut resp = warp::reply::Response::new(
                "missing or wrong cluster secret (cluster.secret)".into(),
            );
            *resp.status_mut() = warp::http::StatusCode::UNAUTHORIZED;
            return Ok(resp);
        }
        Err(r)
    }

    pub fn routes(
        raft: Raft,
        shared: Arc<SharedState>,
    ) -> impl Filter<Extract = (warp::reply::Response,), Error = warp::Rejection> + Clone {
        let guard = same_cluster(shared);
        let r1 = raft.clone();
        let append = warp::path!("raft" / "append")
            .and(guard.clone())
            .and(warp::post())
            .and(warp::body::bytes())
            .then(move |body: bytes::Bytes| {
                let raft = r1.clone();
                async move {
                    match decode::<AppendEntriesRequest<TypeConfig>>(&body) {
                        Ok(req) => reply(&raft.append_entries(req).await),
                        Err(e) => bad_request(e),
                    }
                }
            });
        let r2 = raft.clone();
        let vote = warp::path!("raft" / "vote")
            .and(guard.clone())
            .and(warp::post())
            .and(warp::body::bytes())
            .then(move |body: bytes::Bytes| {
                let raft = r2.clone();
                async move {
                    match decode::<VoteRequest<NodeId>>(&body) {
                        Ok(req) => reply(&raft.vote(req).await),
                        Err(e) => bad_request(e),
                    }
                }
            });
        let r3 = raft;
        let snapshot = warp::path!("raft" / "snapshot")
            .and(guard)
            .and(warp::post())
            .and(warp::body::content_length_limit(256 * 1024 * 1024))
            .and(warp::body::bytes())
            .then(move |body: bytes::Bytes| {
                let raft = r3.clone();
                async move {
                    match decode::<InstallSnapshotRequest<TypeConfig>>(&body) {
                        Ok(req) => reply(&raft.install_snapshot(req).await),
                        Err(e) => bad_request(e),
                    }
                }
            });
        append.or(vote).unify().or(snapshot).unify()
    }
}
