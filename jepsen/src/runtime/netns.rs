//! A private network of Linux network namespaces for local processes: one namespace per
//! node, each with its own address on a bridge in the root namespace (where the broker
//! and the harness live). Partitions are iptables DROP rules inside the nodes'
//! namespaces, so they cut exactly the node-to-node traffic the test names and nothing
//! else on the machine.
//!
//! Needs root (CAP_NET_ADMIN); [`NetnsNetwork::create`] says so when it cannot.

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use super::{NodeId, Result, RuntimeError};

pub struct NetnsNetwork {
    /// Distinguishes this run's namespaces, bridge and rules from other runs'.
    tag: String,
    subnet: [u8; 3],
    nodes: Vec<NodeId>,
}

/// Runs a command, turning a non-zero exit into an error carrying its stderr.
pub(crate) fn run(program: &str, args: &[&str]) -> Result<String> {
    let what = format!("{program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| RuntimeError::io(what.clone(), e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(RuntimeError::command(
            what,
            String::from_utf8_lossy(&out.stderr).trim(),
        ))
    }
}

impl NetnsNetwork {
    /// Creates the bridge and one namespace per node. The subnet 10.231.N.0/24 is picked
    /// from the process id and skipped while some interface already uses it.
    pub fn create(nodes: &[NodeId]) -> Result<NetnsNetwork> {
        reap_abandoned();
        let used = run("ip", &["-o", "-4", "addr", "show"])?;
        let pid = std::process::id();
        let n = (0..200u32)
            .map(|i| ((pid + i) % 200 + 20) as u8)
            .find(|n| !used.contains(&format!("10.231.{n}.")))
            .ok_or_else(|| RuntimeError::Unsupported("no free 10.231.N.0/24 subnet".into()))?;
        let net = NetnsNetwork {
            tag: format!("rcj{n}"),
            subnet: [10, 231, n],
            nodes: nodes.to_vec(),
        };
        // A leftover of an earlier run that used the same subnet and died: remove it.
        net.destroy();
        if let Err(e) = net.build() {
            net.destroy();
            return Err(e);
        }
        net.write_owner();
        Ok(net)
    }

    /// Records which process owns this network, so a later run can remove it if this
    /// one dies without cleaning up (kill -9, a CI timeout).
    fn write_owner(&self) {
        let _ = std::fs::create_dir_all(OWNERS_DIR);
        let _ = std::fs::write(
            Path::new(OWNERS_DIR).join(&self.tag),
            format!("{} {}\n", std::process::id(), self.nodes.len()),
        );
    }

    fn build(&self) -> Result<()> {
        let br = self.bridge();
        run("ip", &["link", "add", &br, "type", "bridge"])?;
        run(
            "ip",
            &["addr", "add", &format!("{}/24", self.host_ip()), "dev", &br],
        )?;
        run("ip", &["link", "set", &br, "up"])?;
        // With br_netfilter loaded (docker loads it), bridged frames pass the root
        // namespace's FORWARD chain, whose policy docker sets to DROP.
        run(
            "iptables",
            &["-I", "FORWARD", "-i", &br, "-o", &br, "-j", "ACCEPT"],
        )?;
        for &id in &self.nodes {
            let ns = self.namespace(id);
            let host_if = format!("{}h{id}", self.tag);
            let peer_if = format!("{}p{id}", self.tag);
            run("ip", &["netns", "add", &ns])?;
            run(
                "ip",
                &[
                    "link", "add", &host_if, "type", "veth", "peer", "name", &peer_if,
                ],
            )?;
            run("ip", &["link", "set", &peer_if, "netns", &ns])?;
            run("ip", &["link", "set", &host_if, "master", &br])?;
            run("ip", &["link", "set", &host_if, "up"])?;
            let ip = format!("{}/24", self.node_ip(id));
            self.exec(id, &["ip", "addr", "add", &ip, "dev", &peer_if])?;
            self.exec(id, &["ip", "link", "set", &peer_if, "up"])?;
            self.exec(id, &["ip", "link", "set", "lo", "up"])?;
        }
        Ok(())
    }

    pub fn bridge(&self) -> String {
        format!("{}br", self.tag)
    }

    pub fn namespace(&self, id: NodeId) -> String {
        format!("{}-n{id}", self.tag)
    }

    /// The root namespace's address on the bridge: the broker listens here.
    pub fn host_ip(&self) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        Ipv4Addr::new(a, b, c, 1)
    }

    pub fn node_ip(&self, id: NodeId) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        Ipv4Addr::new(a, b, c, 10 + id as u8)
    }

    /// `ip netns exec <node's namespace> args...`
    fn exec(&self, id: NodeId, args: &[&str]) -> Result<String> {
        let ns = self.namespace(id);
        let mut full = vec!["netns", "exec", ns.as_str()];
        full.extend_from_slice(args);
        run("ip", &full)
    }

    /// The command prefix that runs a program inside node `id`'s namespace.
    pub fn command_prefix(&self, id: NodeId) -> Vec<String> {
        vec!["netns".into(), "exec".into(), self.namespace(id)]
    }

    /// Drops all traffic between nodes of different groups; the broker and the harness
    /// (the bridge address) stay reachable from every node.
    pub fn partition(&self, groups: &[Vec<NodeId>]) -> Result<()> {
        self.heal()?;
        for (gi, group) in groups.iter().enumerate() {
            for &id in group {
                for (gj, other) in groups.iter().enumerate() {
                    if gi == gj {
                        continue;
                    }
                    for &peer in other {
                        let ip = self.node_ip(peer).to_string();
                        self.exec(id, &["iptables", "-A", "INPUT", "-s", &ip, "-j", "DROP"])?;
                        self.exec(id, &["iptables", "-A", "OUTPUT", "-d", &ip, "-j", "DROP"])?;
                    }
                }
            }
        }
        Ok(())
    }

    pub fn heal(&self) -> Result<()> {
        for &id in &self.nodes {
            self.exec(id, &["iptables", "-F", "INPUT"])?;
            self.exec(id, &["iptables", "-F", "OUTPUT"])?;
        }
        Ok(())
    }

    /// Removes the namespaces, veths, bridge and the FORWARD rule; ignores what is
    /// already gone.
    pub fn destroy(&self) {
        for &id in &self.nodes {
            let _ = run("ip", &["netns", "del", &self.namespace(id)]);
            let _ = run("ip", &["link", "del", &format!("{}h{id}", self.tag)]);
        }
        let br = self.bridge();
        while run(
            "iptables",
            &["-D", "FORWARD", "-i", &br, "-o", &br, "-j", "ACCEPT"],
        )
        .is_ok()
        {}
        let _ = run("ip", &["link", "del", &br]);
        let _ = std::fs::remove_file(Path::new(OWNERS_DIR).join(&self.tag));
    }
}

/// Where each run's network records its owning process.
const OWNERS_DIR: &str = "/tmp/raftconnect-jepsen-netns";

/// Removes the networks of runs whose process is gone.
fn reap_abandoned() {
    let Ok(entries) = std::fs::read_dir(OWNERS_DIR) else {
        return;
    };
    for entry in entries.flatten() {
        let tag = entry.file_name().to_string_lossy().into_owned();
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let mut fields = text.split_whitespace();
        let (Some(pid), Some(nodes)) = (
            fields.next().and_then(|p| p.parse::<u32>().ok()),
            fields.next().and_then(|n| n.parse::<u64>().ok()),
        ) else {
            continue;
        };
        let alive = Path::new(&format!("/proc/{pid}")).exists();
        let Some(n) = tag.strip_prefix("rcj").and_then(|n| n.parse::<u8>().ok()) else {
            continue;
        };
        if !alive {
            eprintln!("removing the network of an abandoned run ({tag}, pid {pid})");
            NetnsNetwork {
                tag,
                subnet: [10, 231, n],
                nodes: (1..=nodes).collect(),
            }
            .destroy();
        }
    }
}

/// Whether this process may create network namespaces (root with CAP_NET_ADMIN and the
/// `ip` tool), checked by creating and deleting one.
pub fn available() -> bool {
    let probe = format!("rcjprobe{}", std::process::id());
    let ok = run("ip", &["netns", "add", &probe]).is_ok();
    if ok {
        let _ = run("ip", &["netns", "del", &probe]);
    }
    ok && run("iptables", &["-S", "FORWARD"]).is_ok()
}
