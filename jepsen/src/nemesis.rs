//! The faults a run injects, on a schedule: quiet, fault, heal, quiet, ... Every fault
//! and heal is logged with its time so the report can line them up with what the
//! clients saw.

use std::io::Write;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::client::Client;
use crate::rng::Rng;
use crate::runtime::{NodeId, Runtime};

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Nemesis {
    /// Nothing: the baseline.
    None,
    /// kill -9 a random node, restart it after the fault period.
    Kill,
    /// kill -9 the Raft leader.
    KillLeader,
    /// kill -9 the node running source task 0.
    KillOwner,
    /// SIGSTOP a random node (the leader every other time), SIGCONT after.
    Pause,
    /// Isolate one random node from the other nodes (the broker stays reachable).
    PartitionOne,
    /// Isolate the Raft leader.
    PartitionLeader,
    /// Split the nodes in a majority and a minority, the leader in the minority.
    PartitionMajority,
    /// Restart every node in turn with SIGTERM (Kafka's clean bounce): no duplicates.
    BounceClean,
    /// Restart every node in turn with SIGKILL.
    BounceHard,
    /// kill -9 the broker, restart it after the fault period.
    Broker,
}

pub const ALL: &[Nemesis] = &[
    Nemesis::Kill,
    Nemesis::KillLeader,
    Nemesis::KillOwner,
    Nemesis::Pause,
    Nemesis::PartitionOne,
    Nemesis::PartitionLeader,
    Nemesis::PartitionMajority,
    Nemesis::BounceClean,
    Nemesis::BounceHard,
    Nemesis::Broker,
];

impl Nemesis {
    pub fn name(self) -> &'static str {
        match self {
            Nemesis::None => "none",
            Nemesis::Kill => "kill",
            Nemesis::KillLeader => "kill-leader",
            Nemesis::KillOwner => "kill-owner",
            Nemesis::Pause => "pause",
            Nemesis::PartitionOne => "partition-one",
            Nemesis::PartitionLeader => "partition-leader",
            Nemesis::PartitionMajority => "partition-majority",
            Nemesis::BounceClean => "bounce-clean",
            Nemesis::BounceHard => "bounce-hard",
            Nemesis::Broker => "broker",
        }
    }

    pub fn needs_partitions(self) -> bool {
        matches!(
            self,
            Nemesis::PartitionOne | Nemesis::PartitionLeader | Nemesis::PartitionMajority
        )
    }

    /// A clean bounce promises more: no record twice.
    pub fn expects_no_duplicates(self) -> bool {
        matches!(self, Nemesis::None | Nemesis::BounceClean)
    }
}

impl FromStr for Nemesis {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        std::iter::once(Nemesis::None)
            .chain(ALL.iter().copied())
            .find(|n| n.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = ALL.iter().map(|n| n.name()).collect();
                format!("unknown nemesis {s:?}: one of none, {}", names.join(", "))
            })
    }
}

/// One line of nemesis.jsonl.
#[derive(Debug, Clone, Serialize)]
pub struct NemesisEvent {
    pub time_ms: f64,
    pub action: String,
    pub nodes: Vec<NodeId>,
    pub error: Option<String>,
}

pub struct NemesisLog {
    start: Instant,
    file: Mutex<std::fs::File>,
    events: Mutex<Vec<NemesisEvent>>,
}

impl NemesisLog {
    pub fn create(path: &std::path::Path, start: Instant) -> std::io::Result<NemesisLog> {
        Ok(NemesisLog {
            start,
            file: Mutex::new(std::fs::File::create(path)?),
            events: Mutex::new(Vec::new()),
        })
    }

    pub fn record(&self, action: &str, nodes: &[NodeId], error: Option<String>) {
        let e = NemesisEvent {
            time_ms: self.start.elapsed().as_secs_f64() * 1000.0,
            action: action.to_string(),
            nodes: nodes.to_vec(),
            error,
        };
        eprintln!(
            "[{:>8.1}s] nemesis {} {:?}{}",
            e.time_ms / 1000.0,
            e.action,
            e.nodes,
            e.error
                .as_deref()
                .map(|x| format!(" FAILED: {x}"))
                .unwrap_or_default()
        );
        if let Ok(line) = serde_json::to_string(&e) {
            let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(f, "{line}");
        }
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(e);
    }

    pub fn events(&self) -> Vec<NemesisEvent> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Timing of the schedule.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Between faults: the cluster settles.
    pub quiet: Duration,
    /// How long a fault lasts (longer than the failover timeout, so tasks move).
    pub fault: Duration,
}

/// Runs `nemesis` until `stop` is set, then heals everything.
pub fn run(
    nemesis: Nemesis,
    runtime: &Arc<dyn Runtime>,
    client: &Client,
    log: &NemesisLog,
    schedule: Schedule,
    stop: &AtomicBool,
    rng: &mut Rng,
) {
    let nodes = runtime.node_ids();
    let sleep = |d: Duration| {
        let end = Instant::now() + d;
        while Instant::now() < end && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let mut round = 0usize;
    while !stop.load(Ordering::Relaxed) {
        sleep(schedule.quiet);
        if stop.load(Ordering::Relaxed) {
            break;
        }
        round += 1;
        let random = nodes[rng.below(nodes.len())];
        let leader = client.leader().unwrap_or(random);
        let act = |action: &str, targets: &[NodeId], r: crate::runtime::Result<()>| {
            log.record(action, targets, r.err().map(|e| e.to_string()));
        };
        match nemesis {
            Nemesis::None => {}
            Nemesis::Kill | Nemesis::KillLeader | Nemesis::KillOwner => {
                let target = match nemesis {
                    Nemesis::KillLeader => leader,
                    Nemesis::KillOwner => task_owner(client, "verifiable-source").unwrap_or(random),
                    _ => random,
                };
                act("kill", &[target], runtime.kill_node(target));
                sleep(schedule.fault);
                act("start", &[target], runtime.start_node(target));
            }
            Nemesis::Pause => {
                let target = if round.is_multiple_of(2) {
                    leader
                } else {
                    random
                };
                act("pause", &[target], runtime.pause_node(target));
                sleep(schedule.fault);
                act("resume", &[target], runtime.resume_node(target));
            }
            Nemesis::PartitionOne | Nemesis::PartitionLeader | Nemesis::PartitionMajority => {
                let target = if nemesis == Nemesis::PartitionOne {
                    random
                } else {
                    leader
                };
                let rest: Vec<NodeId> = nodes.iter().copied().filter(|&n| n != target).collect();
                // With three nodes "majority/minority" is one node against two; with five
                // the leader gets a companion in the minority.
                let minority: Vec<NodeId> = if nemesis == Nemesis::PartitionMajority {
                    std::iter::once(target)
                        .chain(rest.iter().copied().take((nodes.len() - 1) / 2 - 1))
                        .collect()
                } else {
                    vec![target]
                };
                let majority: Vec<NodeId> = nodes
                    .iter()
                    .copied()
                    .filter(|n| !minority.contains(n))
                    .collect();
                act(
                    "partition",
                    &minority,
                    runtime.partition(&[minority.clone(), majority]),
                );
                sleep(schedule.fault);
                act("heal", &[], runtime.heal());
            }
            Nemesis::BounceClean | Nemesis::BounceHard => {
                for &n in &nodes {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if nemesis == Nemesis::BounceClean {
                        act("stop", &[n], runtime.stop_node(n, Duration::from_secs(30)));
                    } else {
                        act("kill", &[n], runtime.kill_node(n));
                    }
                    sleep(Duration::from_millis(500));
                    act("start", &[n], runtime.start_node(n));
                    // A rolling restart waits for the node to be back as a live voter
                    // and for every task to run before the next node goes.
                    wait_member_live(client, n, Duration::from_secs(30), stop);
                    wait_all_running(client, Duration::from_secs(30), stop);
                }
            }
            Nemesis::Broker => {
                act("kill-broker", &[], runtime.kill_broker());
                sleep(schedule.fault);
                act("start-broker", &[], runtime.start_broker());
            }
        }
    }
}

/// Undoes every fault: heal the network, resume paused nodes, start stopped ones.
pub fn heal_all(runtime: &Arc<dyn Runtime>, log: &NemesisLog) {
    let r = runtime.heal();
    log.record("heal-all", &[], r.err().map(|e| e.to_string()));
    for n in runtime.node_ids() {
        let _ = runtime.resume_node(n);
        let _ = runtime.start_node(n);
    }
    let _ = runtime.start_broker();
}

/// The node running task 0 of `connector`, by its status.
pub fn task_owner(client: &Client, connector: &str) -> Option<NodeId> {
    let s = client.get_any(&format!("/connectors/{connector}/status"))?;
    client.node_of_worker(s["tasks"][0]["worker_id"].as_str()?)
}

/// Waits until node `id` answers and reports every member live, itself a voter.
pub fn wait_member_live(client: &Client, id: NodeId, timeout: Duration, stop: &AtomicBool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout && !stop.load(Ordering::Relaxed) {
        if let Some(c) = client.get(id, "/cluster").json() {
            let members = c["members"].as_array().cloned().unwrap_or_default();
            if c["leader"].is_u64()
                && !members.is_empty()
                && members
                    .iter()
                    .all(|m| m["live"] == true && m["voter"] == true)
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Whether every connector and task reports RUNNING (asking any node).
pub fn all_running(client: &Client) -> bool {
    let Some(list) = client.get_any("/connectors?expand=status") else {
        return false;
    };
    let Some(map) = list.as_object() else {
        return false;
    };
    map.values().all(|c| {
        let s = &c["status"];
        let connector_ok = matches!(
            s["connector"]["state"].as_str(),
            Some("RUNNING" | "STOPPED")
        );
        let tasks_ok = s["tasks"]
            .as_array()
            .is_some_and(|t| t.iter().all(|t| t["state"] == "RUNNING"));
        connector_ok && tasks_ok
    })
}

/// Waits until [`all_running`] (or `stop`); returns how long it took, None on timeout.
pub fn wait_all_running(client: &Client, timeout: Duration, stop: &AtomicBool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < timeout && !stop.load(Ordering::Relaxed) {
        if all_running(client) {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}
