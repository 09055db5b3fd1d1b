//! Self-fencing: a node runs instances only while it holds a lease, i.e. while it hears
//! from a leader (as a follower: append-entries/heartbeats; as the leader: acks from a
//! quorum) within `lease_timeout`. A node cut off from the leader, or paused and
//! resumed, loses its lease and stops its instances before the leader can give them to
//! another node (`failover_timeout` > `lease_timeout`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use openraft::ServerState;
use tracing::{info, warn};

use super::node::ClusterNode;

const CHECK_EVERY: Duration = Duration::from_millis(50);
/// After a lapse, the lease stays lost this long even if the leader is heard again at
/// once, so the worker sees the loss and stops its instances before any may run again.
const HOLD_DOWN_AFTER_LAPSE: Duration = Duration::from_millis(500);

/// Whether this node may run instances now.
pub fn holds_lease(node: &ClusterNode) -> bool {
    let m = node.raft.metrics().borrow().clone();
    let lease = node.config.lease_timeout;
    match m.state {
        ServerState::Leader => m
            .millis_since_quorum_ack
            .is_some_and(|ms| ms <= lease.as_millis() as u64),
        ServerState::Follower => m.current_leader.is_some() && node.since_leader_contact() <= lease,
        // A learner is not yet a member that instances may be assigned to; a candidate
        // has no leader.
        ServerState::Learner | ServerState::Candidate | ServerState::Shutdown => false,
    }
}

pub fn spawn(node: Arc<ClusterNode>) {
    tokio::spawn(async move {
        let mut held = false;
        let mut lapsed_at: Option<Instant> = None;
        loop {
            if node.take_lease_lapse() {
                lapsed_at = Some(Instant::now());
            }
            let mut now = holds_lease(&node);
            if let Some(at) = lapsed_at {
                if at.elapsed() < HOLD_DOWN_AFTER_LAPSE {
                    now = false;
                } else {
                    lapsed_at = None;
                }
            }
            if now != held {
                if now {
                    info!(
                        node = node.id,
                        "lease acquired: this node may run its instances"
                    );
                } else {
                    warn!(
                        node = node.id,
                        "lease lost: no contact with a leader within lease.timeout.ms"
                    );
                }
                held = now;
            }
            node.set_lease(now);
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
}
