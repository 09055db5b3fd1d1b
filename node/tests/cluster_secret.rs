//! `cluster.secret`: nodes that share it form a cluster (every node-to-node request
//! carries it), and the cluster port answers 401 to a request without it.

use std::path::Path;
use std::time::Duration;

use testkit::cluster::Cluster;
use testkit::{http, wait_until, Broker};

#[test]
fn nodes_with_a_shared_secret_form_a_cluster_and_refuse_strangers() {
    let broker = Broker::start();
    let cluster = Cluster::start(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &broker.bootstrap,
        3,
        "cluster.secret=s3cret-between-nodes\n",
    );
    // Formed (Raft votes, joins, pings all passed the check); writes forward too,
    // once node 2's REST API is up.
    let up = wait_until(Duration::from_secs(30), || {
        http::get(cluster.rest_port(2), "/").is_some_and(|(code, _)| code == 200)
    });
    assert!(up, "node 2 REST API: {}", cluster.log(2));
    let (code, body) = cluster.request(
        2,
        "POST",
        "/connectors",
        &serde_json::json!({
            "name": "c",
            "config": {"connector.class": "FileStreamSource", "topic": "t", "file": "/dev/null"},
        }),
    );
    assert_eq!(code, 201, "{body}");
    for n in &cluster.nodes {
        let (code, body) = http::get(n.raft_port, "/cluster/info").expect("cluster port answers");
        assert_eq!(code, 401, "node {}: {body}", n.id);
        assert!(body.contains("cluster.secret"), "{body}");
    }
    // The secret never shows in the REST API.
    let info = cluster.get_any("/cluster").to_string();
    assert!(!info.contains("s3cret"), "{info}");
}
