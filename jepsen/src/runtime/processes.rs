//! The cluster as local processes: the broker and the harness in the root network
//! namespace, each node in its own namespace (see [`super::netns`]) so partitions are
//! real packet drops. Without root the nodes share loopback and partitions are not
//! available (the nemeses that need them say so and are skipped).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use testkit::{Broker, Worker};

use super::netns::NetnsNetwork;
use super::{NodeId, Result, Runtime, RuntimeError, RuntimeOptions};

const RAFT_PORT: u16 = 7000;
const REST_PORT: u16 = 8083;
const BROKER_PORT: u16 = 9092;

struct Node {
    id: NodeId,
    raft: SocketAddr,
    rest: SocketAddr,
    worker: Option<Worker>,
}

pub struct ProcessRuntime {
    opts: RuntimeOptions,
    net: Option<NetnsNetwork>,
    broker: Mutex<Option<Broker>>,
    bootstrap: String,
    nodes: Mutex<Vec<Node>>,
}

impl ProcessRuntime {
    /// Starts the broker and `opts.nodes` nodes, in namespaces when `namespaces` and
    /// possible, and returns once every node process is started (the caller waits for
    /// the cluster to form).
    pub fn start(opts: &RuntimeOptions, namespaces: bool) -> Result<ProcessRuntime> {
        let ids: Vec<NodeId> = (1..=opts.nodes).collect();
        let net = if namespaces {
            Some(NetnsNetwork::create(&ids)?)
        } else {
            None
        };
        let host: IpAddr = match &net {
            Some(n) => n.host_ip().into(),
            None => Ipv4Addr::LOCALHOST.into(),
        };
        let addr = |ns_ip: Option<Ipv4Addr>, fixed: u16| -> SocketAddr {
            match ns_ip {
                Some(ip) => SocketAddr::new(ip.into(), fixed),
                None => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), testkit::free_port()),
            }
        };
        let nodes = ids
            .iter()
            .map(|&id| {
                let ip = net.as_ref().map(|n| n.node_ip(id));
                Node {
                    id,
                    raft: addr(ip, RAFT_PORT),
                    rest: addr(ip, REST_PORT),
                    worker: None,
                }
            })
            .collect();
        let broker_port = if net.is_some() {
            BROKER_PORT
        } else {
            testkit::free_port()
        };
        let bootstrap = SocketAddr::new(host, broker_port).to_string();
        std::fs::create_dir_all(&opts.run_dir)
            .map_err(|e| RuntimeError::io(format!("create {}", opts.run_dir.display()), e))?;
        let rt = ProcessRuntime {
            opts: opts.clone(),
            net,
            broker: Mutex::new(None),
            bootstrap,
            nodes: Mutex::new(nodes),
        };
        rt.start_broker()?;
        for id in ids {
            rt.start_node(id)?;
        }
        Ok(rt)
    }

    fn node_dir(&self, id: NodeId) -> PathBuf {
        self.opts.run_dir.join(format!("node{id}"))
    }

    fn log_path(&self, id: NodeId) -> PathBuf {
        self.opts.run_dir.join(format!("node{id}.log"))
    }

    fn with_node<T>(&self, id: NodeId, f: impl FnOnce(&mut Node) -> T) -> Result<T> {
        let mut nodes = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        let node = nodes
            .iter_mut()
            .find(|n| n.id == id)
            .ok_or_else(|| RuntimeError::Unsupported(format!("no node {id}")))?;
        Ok(f(node))
    }

    fn peers(&self) -> String {
        let nodes = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        nodes
            .iter()
            .map(|n| format!("{}={}", n.id, n.raft))
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Runtime for ProcessRuntime {
    fn name(&self) -> &'static str {
        if self.net.is_some() {
            "processes (network namespaces)"
        } else {
            "processes (loopback)"
        }
    }

    fn node_ids(&self) -> Vec<NodeId> {
        (1..=self.opts.nodes).collect()
    }

    fn rest_addr(&self, id: NodeId) -> SocketAddr {
        self.with_node(id, |n| n.rest)
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 1)))
    }

    fn bootstrap(&self) -> String {
        self.bootstrap.clone()
    }

    fn start_node(&self, id: NodeId) -> Result<()> {
        let peers = self.peers();
        let dir = self.node_dir(id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| RuntimeError::io(format!("create {}", dir.display()), e))?;
        let props = self.opts.run_dir.join(format!("worker{id}.properties"));
        std::fs::write(
            &props,
            format!(
                "bootstrap.servers={}\n{}\n",
                self.bootstrap, self.opts.worker_props
            ),
        )
        .map_err(|e| RuntimeError::io(format!("write {}", props.display()), e))?;
        let log = self.log_path(id);
        let bin = self.opts.raftconnect_bin.clone();
        let prefix = self.net.as_ref().map(|n| n.command_prefix(id));
        self.with_node(id, |n| {
            if n.worker.is_some() {
                return;
            }
            let mut args: Vec<String> = Vec::new();
            let program = match &prefix {
                Some(p) => {
                    args.extend(p.iter().cloned());
                    args.push(bin.display().to_string());
                    PathBuf::from("ip")
                }
                None => bin.clone(),
            };
            args.extend([
                "node".to_string(),
                props.display().to_string(),
                "--node-id".into(),
                id.to_string(),
                "--data-dir".into(),
                dir.display().to_string(),
                "--raft-addr".into(),
                n.raft.to_string(),
                "--rest-addr".into(),
                n.rest.to_string(),
                "--peers".into(),
                peers,
            ]);
            n.worker = Some(Worker::spawn(&program, &args, &log, n.rest.port()));
        })
    }

    fn kill_node(&self, id: NodeId) -> Result<()> {
        self.with_node(id, |n| {
            if let Some(mut w) = n.worker.take() {
                // SIGKILL reaches a stopped (paused) process too.
                w.kill9();
            }
        })
    }

    fn stop_node(&self, id: NodeId, timeout: Duration) -> Result<()> {
        self.with_node(id, |n| {
            if let Some(mut w) = n.worker.take() {
                w.stop(timeout);
            }
        })
    }

    fn pause_node(&self, id: NodeId) -> Result<()> {
        self.with_node(id, |n| {
            if let Some(w) = &n.worker {
                w.pause();
            }
        })
    }

    fn resume_node(&self, id: NodeId) -> Result<()> {
        self.with_node(id, |n| {
            if let Some(w) = &n.worker {
                w.resume();
            }
        })
    }

    fn partition(&self, groups: &[Vec<NodeId>]) -> Result<()> {
        match &self.net {
            Some(net) => net.partition(groups),
            None => Err(RuntimeError::Unsupported(
                "partitions need network namespaces (run as root)".into(),
            )),
        }
    }

    fn heal(&self) -> Result<()> {
        match &self.net {
            Some(net) => net.heal(),
            None => Ok(()),
        }
    }

    fn can_partition(&self) -> bool {
        self.net.is_some()
    }

    fn kill_broker(&self) -> Result<()> {
        if let Some(b) = self
            .broker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            b.kill();
        }
        Ok(())
    }

    fn start_broker(&self) -> Result<()> {
        let mut slot = self.broker.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_mut() {
            Some(b) if b.is_running() => {}
            Some(b) => b.restart(),
            None => {
                let dir = self.opts.run_dir.join("broker");
                *slot = Some(Broker::start_at(&self.bootstrap, &dir));
            }
        }
        Ok(())
    }

    fn verifiable_log_dir_for_nodes(&self) -> String {
        self.verifiable_log_dir().display().to_string()
    }

    fn verifiable_log_dir(&self) -> PathBuf {
        self.opts.run_dir.join("verifiable")
    }

    fn collect_logs(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .map_err(|e| RuntimeError::io(format!("create {}", dir.display()), e))?;
        for id in self.node_ids() {
            let _ = std::fs::copy(self.log_path(id), dir.join(format!("node{id}.log")));
        }
        let _ = std::fs::copy(
            self.opts.run_dir.join("broker/tansu.log"),
            dir.join("broker.log"),
        );
        Ok(())
    }

    fn shutdown(&self) {
        for id in self.node_ids() {
            let _ = self.resume_node(id);
            let _ = self.kill_node(id);
        }
        if let Some(mut b) = self.broker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            b.kill();
        }
        if let Some(net) = &self.net {
            net.destroy();
        }
    }
}
