//! The cluster as docker containers, from the images `docker/build-images.sh` builds
//! (`raftconnect:dev`, `tansu:dev`; nothing is pulled).
//!
//! Each run gets its own bridge network `rcj-<id>` on a free `10.232.N.0/24`, a broker
//! container and one container per node, each started with a plain `docker run -d` so the
//! harness controls every one of them. Every container has a fixed address; the harness
//! reaches REST and the broker at those addresses directly (no published ports). Node
//! data dirs, the broker's sqlite file and the verifiable connectors' log dir are bind
//! mounts under the run directory: they survive kill and restart and the harness reads
//! them. Containers run as the run directory's owner, so the harness can read and
//! remove what they write.
//!
//! Faults: `docker kill` (SIGKILL), `docker stop -t`, `docker pause` / `unpause`, and
//! partitions as host iptables DROP rules between container addresses, in a chain of
//! the run's own (`RCJ-<id>`) jumped to from `DOCKER-USER` (bridged container traffic
//! passes FORWARD when `net.bridge.bridge-nf-call-iptables` is 1, docker's default).

use std::fs::File;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{NodeId, Result, Runtime, RuntimeError, RuntimeOptions};

pub const RAFTCONNECT_IMAGE: &str = "raftconnect:dev";
pub const TANSU_IMAGE: &str = "tansu:dev";

const RAFT_PORT: u16 = 7000;
const REST_PORT: u16 = 8083;
const BROKER_PORT: u16 = 9092;
/// Where the nodes see the verifiable connectors' log dir.
const VERIFIABLE_DIR_IN_NODES: &str = "/verifiable";
/// Subnets 10.232.N.0/24 (the process runtime's namespaces use 10.231.N.0/24).
const SUBNET_PREFIX: [u8; 2] = [10, 232];

pub struct DockerRuntime {
    opts: RuntimeOptions,
    /// Short and unique: names the network, the containers and the iptables chain.
    id: String,
    subnet: u8,
    /// `uid:gid` the containers run as (the run directory's owner).
    user: String,
    /// Whether the iptables chain exists (partitions possible).
    chain_ready: bool,
    /// Serialises partition / heal.
    net_lock: Mutex<()>,
    shut_down: AtomicBool,
}

/// Runs `program args`, returning its stdout; a failure names the command and its stderr.
fn run(program: &str, args: &[&str]) -> Result<String> {
    run_with_input(program, args, None)
}

fn run_with_input(program: &str, args: &[&str], input: Option<&str>) -> Result<String> {
    let what = format!("{program} {}", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| RuntimeError::io(&what, e))?;
    if let Some(text) = input {
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| RuntimeError::io(&what, e))?;
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| RuntimeError::io(&what, e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr = stderr.trim();
        Err(RuntimeError::command(
            what,
            if stderr.is_empty() {
                format!("exited with {}", out.status)
            } else {
                format!("{stderr} ({})", out.status)
            },
        ))
    }
}

fn docker(args: &[&str]) -> Result<String> {
    run("docker", args)
}

fn unique_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mixed = (nanos ^ (u64::from(std::process::id()) << 20)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{:06x}", mixed >> 40)
}

/// Warns when the image was not built from `bin` (build-images.sh labels the image with
/// its binary's sha256): the run would test other code than the harness was built with.
fn warn_if_stale(bin: &Path) {
    if !bin.is_file() {
        return;
    }
    let label = docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .Config.Labels \"raftconnect.binary.sha256\"}}",
        RAFTCONNECT_IMAGE,
    ])
    .unwrap_or_default();
    let Some(bin_sha) = run("sha256sum", &[&bin.display().to_string()])
        .ok()
        .and_then(|out| out.split_whitespace().next().map(str::to_string))
    else {
        return;
    };
    if label.trim() != bin_sha {
        eprintln!(
            "warning: the image {RAFTCONNECT_IMAGE} was not built from {} (rebuild it with \
             docker/build-images.sh, RAFTCONNECT_BIN={} for that binary)",
            bin.display(),
            bin.display()
        );
    }
}

fn wait_for_tcp(addr: SocketAddr, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

impl DockerRuntime {
    /// Creates the network and starts the broker and `opts.nodes` node containers;
    /// returns once the broker accepts connections and every node container runs (the
    /// caller waits for the cluster to form). On failure, removes what it created.
    pub fn start(opts: &RuntimeOptions) -> Result<DockerRuntime> {
        docker(&["version", "--format", "{{.Server.Version}}"])?;
        for image in [RAFTCONNECT_IMAGE, TANSU_IMAGE] {
            if docker(&["image", "inspect", "--format", "{{.Id}}", image]).is_err() {
                return Err(RuntimeError::Unsupported(format!(
                    "the docker image {image} does not exist: run docker/build-images.sh \
                     (add --profile dev for a faster debug build)"
                )));
            }
        }
        warn_if_stale(&opts.raftconnect_bin);
        std::fs::create_dir_all(&opts.run_dir)
            .map_err(|e| RuntimeError::io(format!("create {}", opts.run_dir.display()), e))?;
        let meta = std::fs::metadata(&opts.run_dir)
            .map_err(|e| RuntimeError::io(format!("stat {}", opts.run_dir.display()), e))?;
        let id = unique_id();
        let subnet = Self::create_network(&id)?;
        let mut rt = DockerRuntime {
            opts: opts.clone(),
            id,
            subnet,
            user: format!("{}:{}", meta.uid(), meta.gid()),
            chain_ready: false,
            net_lock: Mutex::new(()),
            shut_down: AtomicBool::new(false),
        };
        match rt.start_containers() {
            Ok(()) => Ok(rt),
            Err(e) => {
                rt.shutdown();
                Err(e)
            }
        }
    }

    /// `docker network create` on the first free 10.232.N.0/24 (docker refuses pools
    /// overlapping its other networks; host routes are checked here).
    fn create_network(id: &str) -> Result<u8> {
        let routes = run("ip", &["-4", "route"]).unwrap_or_default();
        let start = u8::from_str_radix(&id[..2], 16).unwrap_or(0);
        let mut last = None;
        for k in 0..64u16 {
            let n = ((u16::from(start) + k * 7) % 250 + 1) as u8;
            let [a, b] = SUBNET_PREFIX;
            if routes.contains(&format!("{a}.{b}.{n}.")) {
                continue;
            }
            let subnet = format!("{a}.{b}.{n}.0/24");
            let gateway = format!("{a}.{b}.{n}.1");
            let name = format!("rcj-{id}");
            match docker(&[
                "network",
                "create",
                "--driver",
                "bridge",
                "--subnet",
                &subnet,
                "--gateway",
                &gateway,
                "--label",
                &format!("rcj={id}"),
                &name,
            ]) {
                Ok(_) => return Ok(n),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            RuntimeError::Unsupported("no free 10.232.N.0/24 subnet for the docker network".into())
        }))
    }

    fn start_containers(&mut self) -> Result<()> {
        for dir in [self.broker_dir(), self.verifiable_log_dir()] {
            std::fs::create_dir_all(&dir)
                .map_err(|e| RuntimeError::io(format!("create {}", dir.display()), e))?;
        }
        self.chain_ready = self.create_chain().is_ok();
        self.run_broker()?;
        for id in self.node_ids() {
            self.run_node(id)?;
        }
        Ok(())
    }

    fn network(&self) -> String {
        format!("rcj-{}", self.id)
    }

    fn chain(&self) -> String {
        format!("RCJ-{}", self.id)
    }

    fn ip(&self, host: u8) -> Ipv4Addr {
        let [a, b] = SUBNET_PREFIX;
        Ipv4Addr::new(a, b, self.subnet, host)
    }

    fn broker_ip(&self) -> Ipv4Addr {
        self.ip(2)
    }

    fn node_ip(&self, id: NodeId) -> Ipv4Addr {
        self.ip(10 + id as u8)
    }

    fn broker_container(&self) -> String {
        format!("rcj-{}-broker", self.id)
    }

    fn node_container(&self, id: NodeId) -> String {
        format!("rcj-{}-node{id}", self.id)
    }

    fn broker_dir(&self) -> PathBuf {
        self.opts.run_dir.join("broker")
    }

    fn node_dir(&self, id: NodeId) -> PathBuf {
        self.opts.run_dir.join(format!("node{id}"))
    }

    fn check_node(&self, id: NodeId) -> Result<()> {
        if (1..=self.opts.nodes).contains(&id) {
            Ok(())
        } else {
            Err(RuntimeError::Unsupported(format!("no node {id}")))
        }
    }

    fn broker_addr(&self) -> SocketAddr {
        SocketAddr::new(self.broker_ip().into(), BROKER_PORT)
    }

    fn run_broker(&self) -> Result<()> {
        let listen = format!("tcp://0.0.0.0:{BROKER_PORT}");
        let advertised = format!("tcp://{}", self.broker_addr());
        let volume = format!("{}:/var/lib/tansu", self.broker_dir().display());
        let ip = self.broker_ip().to_string();
        docker(&[
            "run",
            "-d",
            "--name",
            &self.broker_container(),
            "--hostname",
            "broker",
            "--network",
            &self.network(),
            "--ip",
            &ip,
            "--user",
            &self.user,
            "--label",
            &format!("rcj={}", self.id),
            "-v",
            &volume,
            "-w",
            "/var/lib/tansu",
            TANSU_IMAGE,
            "broker",
            "--listener-url",
            &listen,
            "--advertised-listener-url",
            &advertised,
            // Relative to the working directory, the bind mount. Never the memory
            // engine: it loses data.
            "--storage-engine",
            "sqlite://tansu.db",
        ])?;
        self.wait_broker()
    }

    fn wait_broker(&self) -> Result<()> {
        if wait_for_tcp(self.broker_addr(), Duration::from_secs(30)) {
            Ok(())
        } else {
            Err(RuntimeError::command(
                format!("wait for the broker at {}", self.broker_addr()),
                format!(
                    "not accepting connections after 30 s; its log:\n{}",
                    self.logs_of(&self.broker_container())
                ),
            ))
        }
    }

    fn peers(&self) -> String {
        self.node_ids()
            .iter()
            .map(|&id| format!("{id}={}:{RAFT_PORT}", self.node_ip(id)))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn run_node(&self, id: NodeId) -> Result<()> {
        let dir = self.node_dir(id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| RuntimeError::io(format!("create {}", dir.display()), e))?;
        let props = self.opts.run_dir.join(format!("worker{id}.properties"));
        std::fs::write(
            &props,
            format!(
                "bootstrap.servers={}\n{}\n",
                self.broker_addr(),
                self.opts.worker_props
            ),
        )
        .map_err(|e| RuntimeError::io(format!("write {}", props.display()), e))?;
        let ip = self.node_ip(id);
        let raft = SocketAddr::new(ip.into(), RAFT_PORT).to_string();
        let rest = SocketAddr::new(ip.into(), REST_PORT).to_string();
        let ip = ip.to_string();
        docker(&[
            "run",
            "-d",
            "--name",
            &self.node_container(id),
            "--hostname",
            &format!("node{id}"),
            "--network",
            &self.network(),
            "--ip",
            &ip,
            "--user",
            &self.user,
            "--label",
            &format!("rcj={}", self.id),
            // Plain logs for collect_logs (no ANSI colours).
            "-e",
            "NO_COLOR=1",
            "-v",
            &format!("{}:/data", dir.display()),
            "-v",
            &format!(
                "{}:{VERIFIABLE_DIR_IN_NODES}",
                self.verifiable_log_dir().display()
            ),
            "-v",
            &format!("{}:/etc/raftconnect/worker.properties:ro", props.display()),
            RAFTCONNECT_IMAGE,
            "node",
            "/etc/raftconnect/worker.properties",
            "--node-id",
            &id.to_string(),
            "--data-dir",
            "/data",
            "--raft-addr",
            &raft,
            "--rest-addr",
            &rest,
            "--peers",
            &self.peers(),
        ])?;
        Ok(())
    }

    /// `running`, `paused`, `exited`, … or None when the container does not exist.
    fn state(&self, container: &str) -> Option<String> {
        docker(&["inspect", "--format", "{{.State.Status}}", container])
            .ok()
            .map(|s| s.trim().to_string())
    }

    fn logs_of(&self, container: &str) -> String {
        match Command::new("docker")
            .args(["logs", "--tail", "200", container])
            .output()
        {
            Ok(o) => format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => format!("(docker logs {container}: {e})"),
        }
    }

    /// SIGKILL, also for a paused container (docker 20.10 kills a paused one; should an
    /// engine refuse, it is unpaused and killed at once).
    fn kill(&self, container: &str) -> Result<()> {
        match self.state(container).as_deref() {
            Some("running") | Some("restarting") => {}
            Some("paused") => {
                if docker(&["kill", "--signal", "KILL", container]).is_ok() {
                    return Ok(());
                }
                docker(&["unpause", container])?;
            }
            _ => return Ok(()),
        }
        match docker(&["kill", "--signal", "KILL", container]) {
            Ok(_) => Ok(()),
            // It exited on its own in between.
            Err(_) if self.state(container).as_deref() == Some("exited") => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn start_container(&self, container: &str) -> Result<()> {
        match self.state(container).as_deref() {
            Some("running") => Ok(()),
            Some("paused") => docker(&["unpause", container]).map(drop),
            _ => docker(&["start", container]).map(drop),
        }
    }

    fn create_chain(&self) -> Result<()> {
        let chain = self.chain();
        run("iptables", &["-S", "DOCKER-USER"])?;
        run("iptables", &["-N", &chain])?;
        run("iptables", &["-I", "DOCKER-USER", "1", "-j", &chain])?;
        Ok(())
    }

    fn remove_chain(&self) {
        let chain = self.chain();
        while run("iptables", &["-D", "DOCKER-USER", "-j", &chain]).is_ok() {}
        let _ = run("iptables", &["-F", &chain]);
        let _ = run("iptables", &["-X", &chain]);
    }

    fn container_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .node_ids()
            .into_iter()
            .map(|id| self.node_container(id))
            .collect();
        names.push(self.broker_container());
        names
    }
}

impl Runtime for DockerRuntime {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn node_ids(&self) -> Vec<NodeId> {
        (1..=self.opts.nodes).collect()
    }

    fn rest_addr(&self, id: NodeId) -> SocketAddr {
        SocketAddr::new(self.node_ip(id).into(), REST_PORT)
    }

    fn bootstrap(&self) -> String {
        self.broker_addr().to_string()
    }

    fn start_node(&self, id: NodeId) -> Result<()> {
        self.check_node(id)?;
        self.start_container(&self.node_container(id))
    }

    fn kill_node(&self, id: NodeId) -> Result<()> {
        self.check_node(id)?;
        self.kill(&self.node_container(id))
    }

    fn stop_node(&self, id: NodeId, timeout: Duration) -> Result<()> {
        self.check_node(id)?;
        let name = self.node_container(id);
        match self.state(&name).as_deref() {
            Some("running") => {}
            // SIGTERM cannot reach a frozen process: thaw it first.
            Some("paused") => docker(&["unpause", &name]).map(drop)?,
            _ => return Ok(()),
        }
        let secs = timeout.as_secs_f64().ceil().max(0.0) as u64;
        docker(&["stop", "-t", &secs.to_string(), &name]).map(drop)
    }

    fn pause_node(&self, id: NodeId) -> Result<()> {
        self.check_node(id)?;
        let name = self.node_container(id);
        match self.state(&name).as_deref() {
            Some("running") => docker(&["pause", &name]).map(drop),
            _ => Ok(()),
        }
    }

    fn resume_node(&self, id: NodeId) -> Result<()> {
        self.check_node(id)?;
        let name = self.node_container(id);
        match self.state(&name).as_deref() {
            Some("paused") => docker(&["unpause", &name]).map(drop),
            _ => Ok(()),
        }
    }

    fn partition(&self, groups: &[Vec<NodeId>]) -> Result<()> {
        if !self.chain_ready {
            return Err(RuntimeError::Unsupported(
                "partitions need iptables and docker's DOCKER-USER chain (run as root)".into(),
            ));
        }
        let _guard = self.net_lock.lock().unwrap_or_else(|p| p.into_inner());
        // One iptables-restore: the chain is flushed and refilled atomically, so the
        // new partition replaces the old one with no moment of full connectivity.
        let chain = self.chain();
        let mut rules = format!("*filter\n:{chain} - [0:0]\n");
        for (gi, group) in groups.iter().enumerate() {
            for &a in group {
                for (gj, other) in groups.iter().enumerate() {
                    if gi == gj {
                        continue;
                    }
                    for &b in other {
                        rules.push_str(&format!(
                            "-A {chain} -s {}/32 -d {}/32 -j DROP\n",
                            self.node_ip(a),
                            self.node_ip(b)
                        ));
                    }
                }
            }
        }
        rules.push_str("COMMIT\n");
        run_with_input("iptables-restore", &["--noflush"], Some(&rules)).map(drop)
    }

    fn heal(&self) -> Result<()> {
        if !self.chain_ready {
            return Ok(());
        }
        let _guard = self.net_lock.lock().unwrap_or_else(|p| p.into_inner());
        run("iptables", &["-F", &self.chain()]).map(drop)
    }

    fn can_partition(&self) -> bool {
        self.chain_ready
    }

    fn kill_broker(&self) -> Result<()> {
        self.kill(&self.broker_container())
    }

    fn start_broker(&self) -> Result<()> {
        self.start_container(&self.broker_container())?;
        self.wait_broker()
    }

    fn verifiable_log_dir_for_nodes(&self) -> String {
        VERIFIABLE_DIR_IN_NODES.to_string()
    }

    fn verifiable_log_dir(&self) -> PathBuf {
        self.opts.run_dir.join("verifiable")
    }

    fn collect_logs(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .map_err(|e| RuntimeError::io(format!("create {}", dir.display()), e))?;
        let mut files: Vec<(String, String)> = self
            .node_ids()
            .into_iter()
            .map(|id| (self.node_container(id), format!("node{id}.log")))
            .collect();
        files.push((self.broker_container(), "broker.log".into()));
        let mut first_error = None;
        for (container, file) in files {
            let path = dir.join(&file);
            let result = File::create(&path)
                .and_then(|f| Ok((f.try_clone()?, f)))
                .map_err(|e| RuntimeError::io(format!("create {}", path.display()), e))
                .and_then(|(out, err)| {
                    let what = format!("docker logs {container}");
                    let status = Command::new("docker")
                        .args(["logs", "--timestamps", &container])
                        .stdin(Stdio::null())
                        .stdout(out)
                        .stderr(err)
                        .status()
                        .map_err(|e| RuntimeError::io(&what, e))?;
                    if status.success() {
                        Ok(())
                    } else {
                        Err(RuntimeError::command(
                            what,
                            format!("{status}; see {}", path.display()),
                        ))
                    }
                });
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn shutdown(&self) {
        if self.shut_down.swap(true, Ordering::SeqCst) {
            return;
        }
        let names = self.container_names();
        let mut args = vec!["rm", "-f", "-v"];
        args.extend(names.iter().map(String::as_str));
        // Fails for containers never created; the others are removed anyway.
        let _ = docker(&args);
        self.remove_chain();
        let _ = docker(&["network", "rm", &self.network()]);
    }
}

impl Drop for DockerRuntime {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster_json(addr: SocketAddr) -> Option<serde_json::Value> {
        let (status, body) =
            testkit::http::request_to(addr, "GET", "/cluster", None, Duration::from_secs(5))
                .ok()?;
        (status == 200).then(|| serde_json::from_str(&body).ok())?
    }

    /// Member ids the node at `addr` reports as live voters.
    fn live_voters(addr: SocketAddr) -> Vec<u64> {
        let Some(c) = cluster_json(addr) else {
            return Vec::new();
        };
        c["members"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .filter(|m| m["voter"] == true && m["live"] == true)
                    .filter_map(|m| m["id"].as_u64())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if f() {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("timed out after {timeout:?} waiting for {what}");
    }

    /// Needs the docker engine, the images of docker/build-images.sh and root (iptables):
    /// `cargo test -p jepsen docker_runtime -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn docker_runtime_forms_a_cluster_and_partitions_it() {
        let dir = tempfile::tempdir().unwrap();
        let opts = RuntimeOptions {
            run_dir: dir.path().join("run"),
            nodes: 3,
            raftconnect_bin: PathBuf::from("unused"),
            tansu_bin: PathBuf::from("unused"),
            worker_props: "failover.timeout.ms=2000\nlease.timeout.ms=1000\n".into(),
        };
        let rt = DockerRuntime::start(&opts).expect("docker runtime");
        assert!(rt.can_partition(), "run as root for iptables");
        let a1 = rt.rest_addr(1);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_for(
                "3 live voters on every node",
                Duration::from_secs(90),
                || {
                    rt.node_ids()
                        .iter()
                        .all(|&id| live_voters(rt.rest_addr(id)).len() == 3)
                },
            );
            rt.partition(&[vec![1, 2], vec![3]]).unwrap();
            wait_for(
                "node 1 to see node 3 not live",
                Duration::from_secs(30),
                || {
                    let live = live_voters(a1);
                    !live.is_empty() && !live.contains(&3)
                },
            );
            rt.heal().unwrap();
            wait_for("3 live voters again", Duration::from_secs(60), || {
                live_voters(a1).len() == 3
            });
            // A killed node is seen dead, and rejoins from its data dir once started.
            rt.kill_node(2).unwrap();
            wait_for(
                "node 1 to see node 2 not live",
                Duration::from_secs(30),
                || {
                    let live = live_voters(a1);
                    !live.is_empty() && !live.contains(&2)
                },
            );
            rt.start_node(2).unwrap();
            rt.start_node(2).unwrap();
            wait_for(
                "3 live voters after a restart",
                Duration::from_secs(60),
                || live_voters(a1).len() == 3,
            );
            // A paused node is not live; resumed, it is again.
            rt.pause_node(3).unwrap();
            wait_for(
                "node 1 to see paused node 3 not live",
                Duration::from_secs(30),
                || {
                    let live = live_voters(a1);
                    !live.is_empty() && !live.contains(&3)
                },
            );
            rt.resume_node(3).unwrap();
            rt.stop_node(1, Duration::from_secs(10)).unwrap();
            rt.start_node(1).unwrap();
            wait_for(
                "3 live voters after pause and stop",
                Duration::from_secs(60),
                || {
                    rt.node_ids()
                        .iter()
                        .all(|&id| live_voters(rt.rest_addr(id)).len() == 3)
                },
            );
            rt.kill_broker().unwrap();
            rt.start_broker().unwrap();
            assert!(dir.path().join("run/broker/tansu.db").exists());
            assert!(std::fs::read_dir(dir.path().join("run/node2"))
                .unwrap()
                .next()
                .is_some());
            let logs = dir.path().join("logs");
            rt.collect_logs(&logs).unwrap();
            let node1 = std::fs::read_to_string(logs.join("node1.log")).unwrap();
            assert!(node1.contains("cluster node started"), "{node1}");
        }));
        let network = rt.network();
        let chain = rt.chain();
        rt.shutdown();
        rt.shutdown();
        assert!(docker(&["network", "inspect", &network]).is_err());
        assert!(run("iptables", &["-S", &chain]).is_err());
        if let Err(p) = result {
            std::panic::resume_unwind(p);
        }
    }
}
