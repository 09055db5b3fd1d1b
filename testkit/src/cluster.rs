//! A cluster of `raftconnect node` processes on loopback, for distributed-mode tests.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::http;
use crate::process::{free_port, wait_until, Worker};

pub struct ClusterNode {
    pub id: u64,
    pub raft_port: u16,
    pub rest_port: u16,
    pub data_dir: PathBuf,
    pub worker: Option<Worker>,
}

pub struct Cluster {
    bin: PathBuf,
    pub dir: tempfile::TempDir,
    pub bootstrap: String,
    pub nodes: Vec<ClusterNode>,
    /// Extra worker.properties lines for every node.
    pub extra_props: String,
}

impl Cluster {
    /// Starts `n` nodes (ids 1..=n) that form one cluster, and waits until every one is
    /// a live voter with a lease.
    pub fn start(bin: &Path, bootstrap: &str, n: u64, extra_props: &str) -> Cluster {
        let dir = tempfile::tempdir().expect("cluster dir");
        let mut c = Cluster {
            bin: bin.to_path_buf(),
            bootstrap: bootstrap.to_string(),
            nodes: Vec::new(),
            extra_props: extra_props.to_string(),
            dir,
        };
        for id in 1..=n {
            c.add_node_spec(id);
        }
        for i in 0..c.nodes.len() {
            c.start_node(c.nodes[i].id);
        }
        c.wait_formed(n as usize);
        c
    }

    fn add_node_spec(&mut self, id: u64) {
        self.nodes.push(ClusterNode {
            id,
            raft_port: free_port(),
            rest_port: free_port(),
            data_dir: self.dir.path().join(format!("node{id}")),
            worker: None,
        });
    }

    fn peers(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("{}=127.0.0.1:{}", n.id, n.raft_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn node(&self, id: u64) -> &ClusterNode {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .expect("known node id")
    }

    fn node_mut(&mut self, id: u64) -> &mut ClusterNode {
        self.nodes
            .iter_mut()
            .find(|n| n.id == id)
            .expect("known node id")
    }

    pub fn rest_port(&self, id: u64) -> u16 {
        self.node(id).rest_port
    }

    /// (Re)starts node `id` with its data dir.
    pub fn start_node(&mut self, id: u64) {
        let peers = self.peers();
        let props = self.dir.path().join(format!("worker{id}.properties"));
        std::fs::write(
            &props,
            format!(
                "bootstrap.servers={}\noffset.flush.interval.ms=500\n{}\n",
                self.bootstrap, self.extra_props
            ),
        )
        .expect("worker props");
        let log = self.dir.path().join(format!("node{id}.log"));
        let bin = self.bin.clone();
        let n = self.node_mut(id);
        let args = vec![
            "node".to_string(),
            props.display().to_string(),
            "--node-id".into(),
            id.to_string(),
            "--data-dir".into(),
            n.data_dir.display().to_string(),
            "--raft-addr".into(),
            format!("127.0.0.1:{}", n.raft_port),
            "--rest-addr".into(),
            format!("127.0.0.1:{}", n.rest_port),
            "--peers".into(),
            peers,
        ];
        n.worker = Some(Worker::spawn(&bin, &args, &log, n.rest_port));
    }

    /// Adds node `id` (not yet a member) and starts it: it joins the cluster.
    pub fn add_node(&mut self, id: u64) {
        self.add_node_spec(id);
        self.start_node(id);
    }

    pub fn kill9(&mut self, id: u64) {
        if let Some(w) = self.node_mut(id).worker.as_mut() {
            w.kill9();
        }
        self.node_mut(id).worker = None;
    }

    pub fn worker(&self, id: u64) -> &Worker {
        self.node(id).worker.as_ref().expect("node is running")
    }

    pub fn log(&self, id: u64) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("node{id}.log"))).unwrap_or_default()
    }

    /// `GET path` on node `id`, parsed as JSON (Null when unreachable or not 2xx).
    pub fn get(&self, id: u64, path: &str) -> serde_json::Value {
        http::get(self.rest_port(id), path)
            .filter(|(code, _)| (200..300).contains(code))
            .and_then(|(_, body)| serde_json::from_str(&body).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    pub fn request(
        &self,
        id: u64,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, String) {
        http::request(self.rest_port(id), method, path, Some(&body.to_string()))
            .unwrap_or((0, "unreachable".into()))
    }

    /// Waits until node `via` reports `n` live voters and a leader.
    pub fn wait_formed(&self, n: usize) {
        let via = self.nodes[0].id;
        let ok = wait_until(Duration::from_secs(60), || {
            let c = self.get_any("/cluster");
            c["leader"].is_u64()
                && c["members"].as_array().is_some_and(|m| {
                    m.iter()
                        .filter(|m| m["voter"] == true && m["live"] == true)
                        .count()
                        == n
                })
        });
        assert!(
            ok,
            "cluster of {n} did not form; node {via} log:\n{}",
            self.log(via)
        );
        // Every running node's REST API answers too (it starts after the cluster port),
        // and knows the leader.
        for node in self.nodes.iter().filter(|n| n.worker.is_some()) {
            let up = wait_until(Duration::from_secs(30), || {
                self.get(node.id, "/cluster")["leader"].is_u64()
            });
            assert!(
                up,
                "node {} REST API not up:\n{}",
                node.id,
                self.log(node.id)
            );
        }
    }

    /// `GET path` from the first running node that answers.
    pub fn get_any(&self, path: &str) -> serde_json::Value {
        for n in &self.nodes {
            if n.worker.is_some() {
                let v = self.get(n.id, path);
                if !v.is_null() {
                    return v;
                }
            }
        }
        serde_json::Value::Null
    }

    /// The node whose REST port is in a status's worker_id.
    pub fn node_of_worker_id(&self, worker_id: &str) -> Option<u64> {
        self.nodes
            .iter()
            .find(|n| worker_id.ends_with(&format!(":{}", n.rest_port)))
            .map(|n| n.id)
    }

    /// The node running task 0 of `connector` (RUNNING status), asking node `via`.
    pub fn task_owner(&self, via: u64, connector: &str) -> Option<u64> {
        let s = self.get(via, &format!("/connectors/{connector}/status"));
        let t = &s["tasks"][0];
        if t["state"] != "RUNNING" {
            return None;
        }
        self.node_of_worker_id(t["worker_id"].as_str()?)
    }

    /// Waits until `cond` holds, returning how long it took.
    pub fn time_until(timeout: Duration, cond: impl FnMut() -> bool) -> Option<Duration> {
        let start = Instant::now();
        wait_until(timeout, cond).then(|| start.elapsed())
    }
}
