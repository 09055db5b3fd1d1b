//! The distributed-mode keys of a worker config (ours; Kafka's distributed workers use
//! group.id and three internal topics instead, which are accepted and ignored).

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use connect_api::Props;
use raftconnect_raft::cluster::config::{ClusterConfig, ClusterSecret};

pub const KEYS: &[&str] = &[
    "node.id",
    "raft.addr",
    "raft.advertised.addr",
    "peers",
    "lease.timeout.ms",
    "failover.timeout.ms",
    "raft.heartbeat.interval.ms",
    "raft.election.timeout.min.ms",
    "raft.election.timeout.max.ms",
    "cluster.write.timeout.ms",
    "join.timeout.ms",
    "cluster.secret",
];

/// Kafka distributed-worker keys that mean nothing here.
pub const IGNORED_KAFKA_KEYS: &[&str] = &[
    "group.id",
    "config.storage.topic",
    "offset.storage.topic",
    "status.storage.topic",
    "config.storage.replication.factor",
    "offset.storage.replication.factor",
    "status.storage.replication.factor",
    "offset.storage.partitions",
    "status.storage.partitions",
    "scheduled.rebalance.max.delay.ms",
    "connect.protocol",
    "session.timeout.ms",
    "heartbeat.interval.ms",
];

fn invalid(key: &str, value: &str, reason: &str) -> String {
    format!("Invalid value {value} for configuration {key}: {reason}")
}

fn millis(props: &Props, key: &str, default: Duration) -> Result<Duration, String> {
    match props.get(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| invalid(key, v, "Not a number of type LONG")),
    }
}

fn resolve(key: &str, addr: &str) -> Result<SocketAddr, String> {
    addr.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| invalid(key, addr, "expected host:port"))
}

/// `1=host:port,2=host:port`.
pub fn parse_peers(value: &str) -> Result<BTreeMap<u64, String>, String> {
    let mut out = BTreeMap::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, addr) = part
            .split_once('=')
            .ok_or_else(|| invalid("peers", part, "expected id=host:port"))?;
        let id: u64 = id
            .trim()
            .parse()
            .map_err(|_| invalid("peers", part, "the node id is not a number"))?;
        resolve("peers", addr.trim())?;
        if out.insert(id, addr.trim().to_string()).is_some() {
            return Err(invalid(
                "peers",
                value,
                &format!("node id {id} appears twice"),
            ));
        }
    }
    Ok(out)
}

pub fn from_props(props: &Props) -> Result<ClusterConfig, String> {
    let id_raw = props
        .get("node.id")
        .ok_or_else(|| "Missing required configuration \"node.id\" (or --node-id)".to_string())?;
    let node_id: u64 = id_raw
        .trim()
        .parse()
        .map_err(|_| invalid("node.id", id_raw, "Not a number of type LONG"))?;
    let raft_raw = props.get("raft.addr").ok_or_else(|| {
        "Missing required configuration \"raft.addr\" (or --raft-addr)".to_string()
    })?;
    let listen = resolve("raft.addr", raft_raw.trim())?;
    let mut c = ClusterConfig::new(node_id, PathBuf::new(), listen);
    c.raft_advertised = props
        .get("raft.advertised.addr")
        .cloned()
        .unwrap_or_else(|| raft_raw.trim().to_string());
    c.peers = match props.get("peers") {
        Some(p) => parse_peers(p)?,
        None => BTreeMap::new(),
    };
    c.peers.remove(&node_id);
    c.lease_timeout = millis(props, "lease.timeout.ms", c.lease_timeout)?;
    c.failover_timeout = millis(props, "failover.timeout.ms", c.failover_timeout)?;
    c.heartbeat = millis(props, "raft.heartbeat.interval.ms", c.heartbeat)?;
    c.election_min = millis(props, "raft.election.timeout.min.ms", c.election_min)?;
    c.election_max = millis(props, "raft.election.timeout.max.ms", c.election_max)?;
    c.write_timeout = millis(props, "cluster.write.timeout.ms", c.write_timeout)?;
    c.join_timeout = millis(props, "join.timeout.ms", c.join_timeout)?;
    // Every node of the cluster must have the same secret (off when unset or empty).
    c.secret = props
        .get("cluster.secret")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(ClusterSecret::new);
    c.validate()?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_peers_and_drops_self() {
        let c = from_props(&props(&[
            ("node.id", "2"),
            ("raft.addr", "127.0.0.1:7002"),
            (
                "peers",
                "1=127.0.0.1:7001, 2=127.0.0.1:7002,3=127.0.0.1:7003",
            ),
        ]))
        .unwrap();
        assert_eq!(c.node_id, 2);
        assert_eq!(c.peers.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn cluster_secret_is_optional_and_hidden() {
        let base = [("node.id", "1"), ("raft.addr", "127.0.0.1:7001")];
        assert!(from_props(&props(&base)).unwrap().secret.is_none());
        let mut with = base.to_vec();
        with.push(("cluster.secret", "s3cret"));
        let c = from_props(&props(&with)).unwrap();
        assert_eq!(c.secret.as_ref().unwrap().value(), "s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    /// The cluster port refuses requests without the secret (401); the cluster's HTTP
    /// client sends it on every request.
    #[tokio::test]
    async fn cluster_requests_carry_and_need_the_secret() {
        use raftconnect_raft::cluster::network::{server, Network};
        use raftconnect_raft::store::SharedState;
        use std::sync::Arc;
        use warp::Filter;

        let secret = ClusterSecret::new("s3cret");
        let routes = server::with_secret(Some(secret.clone()))
            .and(warp::path!("cluster" / "ping"))
            .map(|| warp::reply::Response::new("pong".into()))
            .recover(server::recover)
            .unify();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(warp::serve(routes).incoming(listener).run());
        let url = format!("http://{addr}/cluster/ping");
        let shared = || Arc::new(SharedState::new(Default::default()));

        let with = Network::for_cluster(shared(), Some(&secret));
        let r = with.http.get(&url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);

        let without = Network::for_cluster(shared(), None);
        let r = without.http.get(&url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let wrong = Network::for_cluster(shared(), Some(&ClusterSecret::new("other")));
        let r = wrong.http.get(&url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);

        // Without a configured secret, anything goes (the default).
        let open = server::with_secret(None)
            .map(|| warp::reply::Response::new("ok".into()))
            .recover(server::recover)
            .unify();
        let r = warp::test::request()
            .path("/cluster/ping")
            .reply(&open)
            .await;
        assert_eq!(r.status(), 200);
    }

    #[test]
    fn bad_input_names_the_key() {
        let e = from_props(&props(&[("raft.addr", "127.0.0.1:1")])).unwrap_err();
        assert!(e.contains("node.id"), "{e}");
        let e = from_props(&props(&[("node.id", "x"), ("raft.addr", "127.0.0.1:1")])).unwrap_err();
        assert!(e.contains("node.id"), "{e}");
        let e = from_props(&props(&[
            ("node.id", "1"),
            ("raft.addr", "127.0.0.1:1"),
            ("peers", "2=127.0.0.1:2,2=127.0.0.1:3"),
        ]))
        .unwrap_err();
        assert!(e.contains("appears twice"), "{e}");
        let e = from_props(&props(&[
            ("node.id", "1"),
            ("raft.addr", "127.0.0.1:1"),
            ("lease.timeout.ms", "5000"),
        ]))
        .unwrap_err();
        assert!(e.contains("lease.timeout.ms"), "{e}");
    }
}
