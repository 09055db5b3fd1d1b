//! The leader's duties: watch member liveness (pings over the cluster port) and keep
//! the placement of connector and task instances current. Runs on every node and acts
//! only while that node is the leader.
//!
//! The leader pings members only while it holds its own lease (acks from a quorum); a
//! ping renews the member's lease. A member is dead once it has not answered for
//! `failover_timeout`. A new leader gives a member it has never reached only a short
//! grace: its lease had already lapsed when this leader was elected, because voters
//! grant a vote only after hearing nothing from the old leader for an election timeout,
//! which exceeds lease + lease (the old leader's quorum lease, then the member's).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use tracing::{info, warn};

use super::node::{ping, ClusterNode};
use crate::placement;
use crate::state::{Command, NodeId};
use crate::store::Store;

const TICK: Duration = Duration::from_millis(200);
const PING_TIMEOUT: Duration = Duration::from_millis(400);
/// How long a new leader tries to reach a member before counting it dead.
const NEW_LEADER_GRACE: Duration = Duration::from_millis(600);

pub fn spawn(node: Arc<ClusterNode>) {
    tokio::spawn(async move {
        let mut leader_since: Option<Instant> = None;
        let mut last_live: BTreeSet<NodeId> = BTreeSet::new();
        loop {
            tokio::time::sleep(TICK).await;
            if !node.is_leader() {
                if leader_since.take().is_some() {
                    info!(node = node.id, "no longer the leader");
                }
                continue;
            }
            let since = *leader_since.get_or_insert_with(|| {
                info!(
                    node = node.id,
                    "became the leader: placement starts after one failover timeout at most"
                );
                Instant::now()
            });
            if !super::lease::holds_lease(&node) {
                // A leader without a quorum neither vouches for members (pings renew
                // their leases) nor places anything.
                continue;
            }
            let live = check_liveness(&node, since).await;
            if live != last_live {
                info!(node = node.id, ?live, "live members");
                last_live = live.clone();
            }
            if let Err(e) = rebalance(&node, &live).await {
                warn!(node = node.id, "placement failed: {e}");
            }
            if let Err(e) = release_dead_owners(&node, &live).await {
                warn!(node = node.id, "release failed: {e}");
            }
        }
    });
}

/// Pings every member; returns the ones considered live.
async fn check_liveness(node: &ClusterNode, leader_since: Instant) -> BTreeSet<NodeId> {
    let members: BTreeMap<NodeId, String> = {
        let m = node.raft.metrics().borrow().clone();
        m.membership_config
            .membership()
            .voter_ids()
            .filter_map(|id| {
                m.membership_config
                    .membership()
                    .get_node(&id)
                    .map(|n| (id, n.raft_addr.clone()))
            })
            .collect()
    };
    let http = node.http().clone();
    let results = join_all(members.iter().map(|(id, addr)| {
        let http = http.clone();
        let me = node.id;
        async move { (*id, *id == me || ping(&http, me, addr, PING_TIMEOUT).await) }
    }))
    .await;
    let now = Instant::now();
    let mut seen = match node.last_seen.lock() {
        Ok(s) => s,
        Err(p) => p.into_inner(),
    };
    seen.retain(|id, _| members.contains_key(id));
    let mut live = BTreeSet::new();
    for (id, ok) in results {
        if ok {
            seen.insert(id, now);
        }
        let alive = match seen.get(&id).filter(|t| **t >= leader_since) {
            Some(last) => now.duration_since(*last) <= node.config.failover_timeout,
            None => now.duration_since(leader_since) <= NEW_LEADER_GRACE,
        };
        if alive {
            live.insert(id);
        }
    }
    live
}

/// Releases instances whose previous owner is dead: its lease has expired, so it runs
/// nothing, and the new owner may start.
async fn release_dead_owners(node: &ClusterNode, live: &BTreeSet<NodeId>) -> Result<(), String> {
    let releases: Vec<Command> = node.state().read(|s| {
        s.assignment
            .iter()
            .filter_map(|(id, a)| match a.pending_release {
                Some((old, epoch)) if !live.contains(&old) => Some(Command::Release {
                    instance: id.clone(),
                    epoch,
                }),
                _ => None,
            })
            .collect()
    });
    for cmd in releases {
        info!(node = node.id, ?cmd, "releasing an instance of a dead node");
        node.submit(cmd).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes a new placement if the desired instances or the live nodes changed it.
async fn rebalance(node: &ClusterNode, live: &BTreeSet<NodeId>) -> Result<(), String> {
    let changes = node.state().read(|s| {
        let desired = placement::desired_instances(s);
        let current: BTreeMap<_, _> = s
            .assignment
            .iter()
            .map(|(id, a)| (id.clone(), a.node))
            .collect();
        let target = placement::place(&desired, live, &current);
        placement::diff(&s.assignment, &target)
    });
    if changes.is_empty() {
        return Ok(());
    }
    info!(node = node.id, moves = changes.len(), "updating placement");
    node.submit(Command::Assign { changes })
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
