//! The leader's scheduler: which instances need a node, which node each one gets, and
//! the `Assign` command that gets there.
//!
//! Everything here is a pure, deterministic function: the same inputs give the same
//! output on every leader (ordered maps and sets only, ties broken by node id and
//! instance order).
//!
//! [`place`] works in two steps:
//! 1. Quotas. Connector instances and task instances are balanced separately: with `c`
//!    connectors on `n` live nodes every node gets `c / n` or `c / n + 1` of them, and
//!    exactly `c % n` nodes get the extra one (the same for tasks). Which nodes get the
//!    extras is chosen so that the total per node is balanced too (no node gets both
//!    extras while another gets none) and so that as few instances as possible move: an
//!    extra goes preferably to a node that already holds more than the base count.
//! 2. Moves. Every instance stays on its node while that node is live and within quota;
//!    a node over quota sheds the excess (tasks of the connector it holds most of first),
//!    and the shed instances plus those without a live node go to the nodes under quota,
//!    each to the node holding the fewest tasks of its connector, then the least loaded,
//!    then the lowest id.
//!
//! The number of instances moved off live nodes is the minimum any placement satisfying
//! both balance rules needs (the property tests check it against a brute force).

use std::collections::{BTreeMap, BTreeSet};

use crate::state::{Assignment, ClusterState, InstanceId, NodeId, TargetState};

/// Instances that need a node: every connector instance (whatever its target state: a
/// STOPPED connector's instance owner reports its STOPPED status) and, for connectors
/// whose target is RUNNING or PAUSED, each task of the task configs whose generation
/// equals the connector's generation.
pub fn desired_instances(state: &ClusterState) -> BTreeSet<InstanceId> {
    let mut out = BTreeSet::new();
    for (name, entry) in &state.connectors {
        out.insert(InstanceId::Connector(name.clone()));
        if entry.target == TargetState::Stopped {
            continue;
        }
        let Some(configs) = state.task_configs.get(name) else {
            continue;
        };
        if configs.generation != entry.generation {
            continue;
        }
        for task in 0..configs.tasks.len() as u32 {
            out.insert(InstanceId::Task(crate::state::TaskId {
                connector: name.clone(),
                task,
            }));
        }
    }
    out
}

/// The new placement of `desired` on the `live` nodes, given the `current` one.
///
/// - complete: every desired instance is placed when any node is live (none otherwise);
/// - only live nodes are used; instances not in `desired` are dropped;
/// - balanced: per node, the connector instances differ by at most one, the task
///   instances by at most one, and the totals by at most one;
/// - sticky with minimal movement: an instance stays on its live node unless balance
///   needs it elsewhere, and no balanced placement moves fewer instances off live nodes
///   (a joining node takes exactly its fair share);
/// - tasks of one connector are spread over the nodes as far as the above allows;
/// - deterministic and idempotent: `place(d, l, &place(d, l, c)) == place(d, l, c)`.
pub fn place(
    desired: &BTreeSet<InstanceId>,
    live: &BTreeSet<NodeId>,
    current: &BTreeMap<InstanceId, NodeId>,
) -> BTreeMap<InstanceId, NodeId> {
    let mut out = BTreeMap::new();
    if live.is_empty() {
        return out;
    }
    let nodes: Vec<NodeId> = live.iter().copied().collect();
    let index: BTreeMap<NodeId, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();

    let mut connectors = Class::new(nodes.len());
    let mut tasks = Class::new(nodes.len());
    for id in desired {
        let class = match id {
            InstanceId::Connector(_) => &mut connectors,
            InstanceId::Task(_) => &mut tasks,
        };
        class.total += 1;
        match current.get(id).and_then(|node| index.get(node)) {
            Some(&v) => class.kept[v].push(id),
            None => class.pool.push(id),
        }
    }

    let (extra_c, extra_t) = choose_extras(
        nodes.len(),
        connectors.total % nodes.len(),
        tasks.total % nodes.len(),
        &connectors.over_base(),
        &tasks.over_base(),
    );
    for (class, extra) in [(connectors, extra_c), (tasks, extra_t)] {
        let base = class.total / nodes.len();
        let quota: Vec<usize> = extra.iter().map(|e| base + usize::from(*e)).collect();
        for (id, v) in class.assign(&quota) {
            out.insert(id.clone(), nodes[v]);
        }
    }
    out
}

/// The `Command::Assign` changes that turn `current` into `target`: `Some(node)` for
/// instances that are new or move, `None` for instances that are no longer desired or
/// have no live node. Sorted by instance; empty when nothing changes.
pub fn diff(
    current: &BTreeMap<InstanceId, Assignment>,
    target: &BTreeMap<InstanceId, NodeId>,
) -> Vec<(InstanceId, Option<NodeId>)> {
    let ids: BTreeSet<&InstanceId> = current.keys().chain(target.keys()).collect();
    ids.into_iter()
        .filter_map(|id| {
            let now = current.get(id).map(|a| a.node);
            let next = target.get(id).copied();
            (now != next).then(|| (id.clone(), next))
        })
        .collect()
}

/// The leader's whole step: the changes that place the desired instances of `state` on
/// the `live` nodes (empty when the assignment is already right).
pub fn schedule(
    state: &ClusterState,
    live: &BTreeSet<NodeId>,
) -> Vec<(InstanceId, Option<NodeId>)> {
    let current: BTreeMap<InstanceId, NodeId> = state
        .assignment
        .iter()
        .map(|(id, a)| (id.clone(), a.node))
        .collect();
    let target = place(&desired_instances(state), live, &current);
    diff(&state.assignment, &target)
}

/// The instances of one class (connectors or tasks) being placed.
struct Class<'a> {
    total: usize,
    /// Per node (by index in the live list): the desired instances it holds now, in order.
    kept: Vec<Vec<&'a InstanceId>>,
    /// Desired instances without a live node, in order.
    pool: Vec<&'a InstanceId>,
}

impl<'a> Class<'a> {
    fn new(nodes: usize) -> Self {
        Class {
            total: 0,
            kept: vec![Vec::new(); nodes],
            pool: Vec::new(),
        }
    }

    /// Per node: whether it holds more than the base share, so that giving it one of
    /// the extras saves a move.
    fn over_base(&self) -> Vec<bool> {
        let base = self.total / self.kept.len();
        self.kept.iter().map(|k| k.len() > base).collect()
    }

    /// Places the class so that node `v` ends with exactly `quota[v]` instances, moving
    /// only the excess of nodes over quota. Returns (instance, node index) pairs.
    fn assign(mut self, quota: &[usize]) -> Vec<(&'a InstanceId, usize)> {
        // Shed the excess: each time, the last task of the connector this node holds the
        // most tasks of (ties: the later connector), so concentrations break up first.
        for (v, kept) in self.kept.iter_mut().enumerate() {
            while kept.len() > quota[v] {
                let counts = per_connector(kept.iter().copied());
                let (at, _) = kept
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, id)| (counts[id.connector()], **id))
                    .expect("a node over quota holds instances");
                self.pool.push(kept.remove(at));
            }
        }
        self.pool.sort();

        // Fill the nodes under quota, spreading each connector's tasks.
        let mut load: Vec<usize> = self.kept.iter().map(Vec::len).collect();
        let mut same: Vec<BTreeMap<&str, usize>> = self
            .kept
            .iter()
            .map(|k| per_connector(k.iter().copied()))
            .collect();
        let mut out: Vec<(&InstanceId, usize)> = Vec::with_capacity(self.total);
        for (v, kept) in self.kept.iter().enumerate() {
            out.extend(kept.iter().map(|id| (*id, v)));
        }
        for id in self.pool {
            let conn = id.connector();
            let v = (0..quota.len())
                .filter(|&v| load[v] < quota[v])
                .min_by_key(|&v| (same[v].get(conn).copied().unwrap_or(0), load[v], v))
                .expect("quotas add up to the class size");
            load[v] += 1;
            *same[v].entry(conn).or_insert(0) += 1;
            out.push((id, v));
        }
        out
    }
}

fn per_connector<'a>(ids: impl Iterator<Item = &'a InstanceId>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(id.connector()).or_insert(0) += 1;
    }
    counts
}

/// Which nodes get the connector extra (`rc` of them) and the task extra (`rt`), so
/// that totals stay balanced and as many extras as possible land on nodes over the base
/// share (each such landing is one instance that need not move).
///
/// Totals are balanced exactly when no node has both extras while another has none:
/// with `rc + rt <= n` the two sets are disjoint; otherwise every node has at least one
/// extra, i.e. the sets of nodes *without* each extra are disjoint.
fn choose_extras(
    n: usize,
    rc: usize,
    rt: usize,
    over_c: &[bool],
    over_t: &[bool],
) -> (Vec<bool>, Vec<bool>) {
    if rc + rt <= n {
        choose_disjoint(rc, rt, over_c, over_t)
    } else {
        // Choose who goes without, preferring nodes where that costs no move.
        let under_c: Vec<bool> = over_c.iter().map(|o| !o).collect();
        let under_t: Vec<bool> = over_t.iter().map(|o| !o).collect();
        let (without_c, without_t) = choose_disjoint(n - rc, n - rt, &under_c, &under_t);
        (
            without_c.iter().map(|w| !w).collect(),
            without_t.iter().map(|w| !w).collect(),
        )
    }
}

/// Disjoint sets A (`want_a` nodes) and B (`want_b` nodes, `want_a + want_b <= n`)
/// maximising the number of members that are good for their set. Nodes good for one
/// set only go to it first; nodes good for both then fill what is left; any remaining
/// need takes the lowest free ids.
fn choose_disjoint(
    want_a: usize,
    want_b: usize,
    good_a: &[bool],
    good_b: &[bool],
) -> (Vec<bool>, Vec<bool>) {
    let n = good_a.len();
    let (mut a, mut b) = (vec![false; n], vec![false; n]);
    let (mut need_a, mut need_b) = (want_a, want_b);
    let mut take = |v: usize, to_a: bool, to_b: bool, a: &mut [bool], b: &mut [bool]| {
        if a[v] || b[v] {
            return;
        }
        if to_a && need_a > 0 {
            a[v] = true;
            need_a -= 1;
        } else if to_b && need_b > 0 {
            b[v] = true;
            need_b -= 1;
        }
    };
    for v in 0..n {
        if good_a[v] && !good_b[v] {
            take(v, true, false, &mut a, &mut b);
        }
    }
    for v in 0..n {
        if good_b[v] && !good_a[v] {
            take(v, false, true, &mut a, &mut b);
        }
    }
    for v in 0..n {
        if good_a[v] && good_b[v] {
            take(v, true, true, &mut a, &mut b);
        }
    }
    for v in 0..n {
        take(v, true, true, &mut a, &mut b);
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Command, TaskConfigs, TaskId};
    use proptest::prelude::*;

    fn conn(c: &str) -> InstanceId {
        InstanceId::Connector(c.into())
    }

    fn task(c: &str, t: u32) -> InstanceId {
        InstanceId::Task(TaskId {
            connector: c.into(),
            task: t,
        })
    }

    /// Connector instances plus `tasks` tasks for each connector.
    fn instances(connectors: &[&str], tasks: u32) -> BTreeSet<InstanceId> {
        let mut out = BTreeSet::new();
        for c in connectors {
            out.insert(conn(c));
            for t in 0..tasks {
                out.insert(task(c, t));
            }
        }
        out
    }

    fn live(ids: &[NodeId]) -> BTreeSet<NodeId> {
        ids.iter().copied().collect()
    }

    fn count(p: &BTreeMap<InstanceId, NodeId>, node: NodeId, tasks: bool) -> usize {
        p.iter()
            .filter(|(id, n)| **n == node && matches!(id, InstanceId::Task(_)) == tasks)
            .count()
    }

    /// (connector instances, task instances, total) per live node.
    fn loads(p: &BTreeMap<InstanceId, NodeId>, live: &BTreeSet<NodeId>) -> Vec<[usize; 3]> {
        live.iter()
            .map(|n| {
                let (c, t) = (count(p, *n, false), count(p, *n, true));
                [c, t, c + t]
            })
            .collect()
    }

    fn assert_balanced(p: &BTreeMap<InstanceId, NodeId>, live: &BTreeSet<NodeId>) {
        let loads = loads(p, live);
        for k in 0..3 {
            let max = loads.iter().map(|l| l[k]).max().unwrap_or(0);
            let min = loads.iter().map(|l| l[k]).min().unwrap_or(0);
            assert!(max - min <= 1, "unbalanced ({k}): {loads:?}");
        }
    }

    /// Instances that were on a live node and are now on another one.
    fn moved(
        before: &BTreeMap<InstanceId, NodeId>,
        after: &BTreeMap<InstanceId, NodeId>,
        live: &BTreeSet<NodeId>,
    ) -> Vec<(InstanceId, NodeId, NodeId)> {
        after
            .iter()
            .filter_map(|(id, to)| {
                let from = *before.get(id)?;
                (live.contains(&from) && from != *to).then(|| (id.clone(), from, *to))
            })
            .collect()
    }

    #[test]
    fn first_placement_on_three_nodes_is_balanced_and_spread() {
        let desired = instances(&["a", "b", "c"], 4);
        let live = live(&[1, 2, 3]);
        let p = place(&desired, &live, &BTreeMap::new());
        assert_eq!(p.keys().cloned().collect::<BTreeSet<_>>(), desired);
        assert_eq!(loads(&p, &live), vec![[1, 4, 5]; 3]);
        // 4 tasks of each connector on 3 nodes: 2, 1, 1.
        for c in ["a", "b", "c"] {
            let mut per_node: Vec<usize> = live
                .iter()
                .map(|n| {
                    p.iter()
                        .filter(|(id, m)| {
                            **m == *n && matches!(id, InstanceId::Task(t) if t.connector == c)
                        })
                        .count()
                })
                .collect();
            per_node.sort();
            assert_eq!(per_node, vec![1, 1, 2], "connector {c}");
        }
    }

    #[test]
    fn a_dead_nodes_instances_move_to_survivors_and_the_rest_stay() {
        let desired = instances(&["a", "b", "c"], 4);
        let before = place(&desired, &live(&[1, 2, 3]), &BTreeMap::new());
        let survivors = live(&[1, 3]);
        let after = place(&desired, &survivors, &before);
        assert_eq!(after.len(), desired.len());
        assert!(after.values().all(|n| survivors.contains(n)));
        assert!(moved(&before, &after, &survivors).is_empty());
        assert_balanced(&after, &survivors);
        // 3 connectors and 12 tasks on 2 nodes.
        let mut l = loads(&after, &survivors);
        l.sort();
        assert_eq!(l, vec![[1, 6, 7], [2, 6, 8]]);
    }

    #[test]
    fn a_joining_node_takes_a_fair_share_from_the_most_loaded() {
        let desired = instances(&["a", "b", "c"], 4);
        let three = live(&[1, 2, 3]);
        let before = place(&desired, &three, &BTreeMap::new());
        let four = live(&[1, 2, 3, 4]);
        let after = place(&desired, &four, &before);
        assert_balanced(&after, &four);
        // 12 tasks: 3 per node; 3 connectors stay on the nodes that have them.
        assert!(four.iter().all(|n| count(&after, *n, true) == 3));
        let moved = moved(&before, &after, &four);
        assert_eq!(moved.len(), 3, "{moved:?}");
        assert!(moved
            .iter()
            .all(|(id, _, to)| *to == 4 && matches!(id, InstanceId::Task(_))));
        let from: BTreeSet<NodeId> = moved.iter().map(|(_, from, _)| *from).collect();
        assert_eq!(from, three, "one task from each old node");
        // The new node's tasks belong to three different connectors.
        let conns: BTreeSet<&str> = moved.iter().map(|(id, _, _)| id.connector()).collect();
        assert_eq!(conns.len(), 3, "{moved:?}");
    }

    #[test]
    fn twelve_tasks_on_three_nodes_give_three_to_a_joining_fourth() {
        let desired: BTreeSet<InstanceId> = (0..12).map(|t| task("x", t)).collect();
        let three = live(&[1, 2, 3]);
        let before = place(&desired, &three, &BTreeMap::new());
        assert_eq!(loads(&before, &three), vec![[0, 4, 4]; 3]);
        let four = live(&[1, 2, 3, 4]);
        let after = place(&desired, &four, &before);
        assert_eq!(loads(&after, &four), vec![[0, 3, 3]; 4]);
        let moved = moved(&before, &after, &four);
        assert_eq!(moved.len(), 3);
        let from: BTreeSet<NodeId> = moved.iter().map(|(_, from, _)| *from).collect();
        assert_eq!(from, three);
    }

    #[test]
    fn a_rejoining_node_gets_work_back_and_nothing_else_moves() {
        let desired = instances(&["a", "b"], 5);
        let all = live(&[1, 2, 3]);
        let first = place(&desired, &all, &BTreeMap::new());
        let without = live(&[1, 2]);
        let degraded = place(&desired, &without, &first);
        assert!(degraded.values().all(|n| *n != 3));
        let back = place(&desired, &all, &degraded);
        assert_balanced(&back, &all);
        // 2 connectors and 10 tasks on 3 nodes: totals 4 each. Only moves onto node 3,
        // and only as many as it needs.
        assert_eq!(
            loads(&back, &all).iter().map(|l| l[2]).collect::<Vec<_>>(),
            vec![4; 3]
        );
        let moved = moved(&degraded, &back, &all);
        assert!(moved.iter().all(|(_, _, to)| *to == 3));
        assert_eq!(moved.len(), back.values().filter(|n| **n == 3).count());
        assert_eq!(moved.len(), 4);
    }

    #[test]
    fn balance_can_need_a_move_from_a_node_at_the_ceiling() {
        // 4 connectors on 3 nodes as 2, 2, 0: no node is above ceil(4/3) = 2, yet one
        // must move (and only one) for 2, 1, 1.
        let desired: BTreeSet<InstanceId> = ["a", "b", "c", "d"].into_iter().map(conn).collect();
        let current: BTreeMap<InstanceId, NodeId> = [
            (conn("a"), 1),
            (conn("b"), 1),
            (conn("c"), 2),
            (conn("d"), 2),
        ]
        .into();
        let live = live(&[1, 2, 3]);
        let p = place(&desired, &live, &current);
        assert_balanced(&p, &live);
        // The extra stays on the lower id; node 2 gives up its later connector.
        assert_eq!(moved(&current, &p, &live), vec![(conn("d"), 2, 3)]);
    }

    #[test]
    fn extras_go_where_totals_stay_balanced() {
        // 2 connectors and 2 tasks, all on node 1 when node 2 joins: one of each moves.
        let desired: BTreeSet<InstanceId> =
            [conn("a"), conn("b"), task("a", 0), task("b", 0)].into();
        let current: BTreeMap<InstanceId, NodeId> =
            desired.iter().map(|id| (id.clone(), 1)).collect();
        let live = live(&[1, 2]);
        let p = place(&desired, &live, &current);
        assert_eq!(loads(&p, &live), vec![[1, 1, 2]; 2]);
        assert_eq!(moved(&current, &p, &live).len(), 2);
        // 3 connectors and 1 task on 2 nodes: the node with 2 connectors must not get
        // the task.
        let desired: BTreeSet<InstanceId> = [conn("a"), conn("b"), conn("c"), task("a", 0)].into();
        let current: BTreeMap<InstanceId, NodeId> = [
            (conn("a"), 1),
            (conn("b"), 1),
            (conn("c"), 2),
            (task("a", 0), 1),
        ]
        .into();
        let p = place(&desired, &live, &current);
        assert_balanced(&p, &live);
        assert_eq!(moved(&current, &p, &live), vec![(task("a", 0), 1, 2)]);
    }

    #[test]
    fn no_live_nodes_means_an_empty_placement() {
        let desired = instances(&["a"], 3);
        let current = place(&desired, &live(&[1]), &BTreeMap::new());
        assert!(place(&desired, &BTreeSet::new(), &current).is_empty());
        assert!(place(&BTreeSet::new(), &live(&[1, 2]), &current).is_empty());
    }

    #[test]
    fn deterministic() {
        let desired = instances(&["a", "b", "c", "d"], 7);
        let live = live(&[10, 20, 30, 40, 50]);
        let mut current = BTreeMap::new();
        for (i, id) in desired.iter().enumerate() {
            // Some on live nodes, some on node 60, which is dead.
            current.insert(id.clone(), [10, 20, 60][i % 3]);
        }
        let p = place(&desired, &live, &current);
        assert_eq!(p, place(&desired, &live, &current));
        assert_eq!(p, place(&desired, &live, &current.clone()));
        assert_balanced(&p, &live);
    }

    fn put(name: &str) -> Command {
        Command::PutConnector {
            name: name.into(),
            config: BTreeMap::new(),
            initial_target: TargetState::Running,
            create_only: true,
            now_ms: 0,
        }
    }

    fn tasks_cmd(name: &str, generation: u64, n: usize) -> Command {
        Command::PutTaskConfigs {
            name: name.into(),
            generation,
            tasks: vec![BTreeMap::new(); n],
            fence: None,
        }
    }

    #[test]
    fn desired_instances_follow_target_state_and_generation() {
        let mut s = ClusterState::default();
        for name in ["run", "pause", "stop", "stale", "none"] {
            s.apply(1, put(name));
        }
        for name in ["run", "pause", "stop", "stale"] {
            s.apply(2, tasks_cmd(name, 1, 2));
        }
        s.apply(
            3,
            Command::SetTargetState {
                name: "pause".into(),
                target: TargetState::Paused,
            },
        );
        s.apply(
            4,
            Command::SetTargetState {
                name: "stop".into(),
                target: TargetState::Stopped,
            },
        );
        // A config change: the old task configs are stale until the connector
        // recomputes them.
        s.connectors.get_mut("stale").unwrap().generation = 2;
        let mut expected: BTreeSet<InstanceId> = ["run", "pause", "stop", "stale", "none"]
            .into_iter()
            .map(conn)
            .collect();
        expected.extend([
            task("run", 0),
            task("run", 1),
            task("pause", 0),
            task("pause", 1),
        ]);
        assert_eq!(desired_instances(&s), expected);
        // Fresh task configs count again.
        s.task_configs.insert(
            "stale".into(),
            TaskConfigs {
                generation: 2,
                tasks: vec![BTreeMap::new()],
            },
        );
        assert!(desired_instances(&s).contains(&task("stale", 0)));
    }

    #[test]
    fn a_deleted_connectors_instances_vanish() {
        let mut s = ClusterState::default();
        for name in ["a", "b", "c"] {
            s.apply(1, put(name));
            s.apply(2, tasks_cmd(name, 1, 3));
        }
        let live = live(&[1, 2, 3]);
        let changes = schedule(&s, &live);
        assert_eq!(changes.len(), 12);
        s.apply(3, Command::Assign { changes });
        assert!(
            schedule(&s, &live).is_empty(),
            "a second round changes nothing"
        );

        let before: BTreeMap<InstanceId, NodeId> = s
            .assignment
            .iter()
            .map(|(id, a)| (id.clone(), a.node))
            .collect();
        let mut after_delete = s.clone();
        after_delete.apply(4, Command::DeleteConnector { name: "b".into() });
        let desired = desired_instances(&after_delete);
        // Even with the stale assignment as input, b's instances are gone.
        let p = place(&desired, &live, &before);
        assert!(p.keys().all(|id| id.connector() != "b"));
        assert_eq!(p.len(), 8);
        assert_balanced(&p, &live);
        let changes = diff(&s.assignment, &p);
        for id in instances(&["b"], 3) {
            assert!(changes.contains(&(id, None)));
        }
    }

    #[test]
    fn diff_lists_new_moved_and_removed_instances() {
        let a = |node| Assignment::new(node, 9);
        let current: BTreeMap<InstanceId, Assignment> = [
            (conn("a"), a(1)),
            (task("a", 0), a(2)),
            (task("a", 1), a(3)),
        ]
        .into();
        let target: BTreeMap<InstanceId, NodeId> =
            [(conn("a"), 1), (task("a", 0), 1), (task("a", 2), 2)].into();
        assert_eq!(
            diff(&current, &target),
            vec![
                (task("a", 0), Some(1)),
                (task("a", 1), None),
                (task("a", 2), Some(2)),
            ]
        );
        let same: BTreeMap<InstanceId, NodeId> =
            current.iter().map(|(id, a)| (id.clone(), a.node)).collect();
        assert!(diff(&current, &same).is_empty());
        assert!(diff(&BTreeMap::new(), &BTreeMap::new()).is_empty());
    }

    #[test]
    fn choose_disjoint_prefers_single_purpose_nodes() {
        // Node 0 is good for both, node 1 only for A, node 2 only for B.
        let (a, b) = choose_disjoint(1, 2, &[true, true, false], &[true, false, true]);
        assert_eq!(a, vec![false, true, false]);
        assert_eq!(b, vec![true, false, true]);
    }

    // ---- properties ----

    /// The fewest instances on live nodes that any placement balanced per class and in
    /// total must move, by trying every choice of which nodes get the extras.
    fn brute_force_min_moves(
        desired: &BTreeSet<InstanceId>,
        live: &BTreeSet<NodeId>,
        current: &BTreeMap<InstanceId, NodeId>,
    ) -> usize {
        let n = live.len();
        let nodes: Vec<NodeId> = live.iter().copied().collect();
        let mut have = vec![[0usize; 2]; n];
        let mut total = [0usize; 2];
        for id in desired {
            let k = usize::from(matches!(id, InstanceId::Task(_)));
            total[k] += 1;
            if let Some(v) = current
                .get(id)
                .and_then(|c| nodes.iter().position(|n| n == c))
            {
                have[v][k] += 1;
            }
        }
        let (base, rem) = ([total[0] / n, total[1] / n], [total[0] % n, total[1] % n]);
        let mut best = usize::MAX;
        for xc in 0u32..(1 << n) {
            if xc.count_ones() as usize != rem[0] {
                continue;
            }
            for xt in 0u32..(1 << n) {
                if xt.count_ones() as usize != rem[1] {
                    continue;
                }
                let extras: Vec<u32> = (0..n).map(|v| (xc >> v & 1) + (xt >> v & 1)).collect();
                if extras.iter().max().unwrap() - extras.iter().min().unwrap() > 1 {
                    continue;
                }
                let cost: usize = (0..n)
                    .map(|v| {
                        let qc = base[0] + (xc >> v & 1) as usize;
                        let qt = base[1] + (xt >> v & 1) as usize;
                        have[v][0].saturating_sub(qc) + have[v][1].saturating_sub(qt)
                    })
                    .sum();
                best = best.min(cost);
            }
        }
        best
    }

    fn arb_instance() -> impl Strategy<Value = InstanceId> {
        (0..6u8, proptest::option::weighted(0.85, 0..12u32)).prop_map(|(c, t)| {
            let c = format!("c{c}");
            match t {
                None => InstanceId::Connector(c),
                Some(t) => InstanceId::Task(TaskId {
                    connector: c,
                    task: t,
                }),
            }
        })
    }

    fn arb_input() -> impl Strategy<
        Value = (
            BTreeSet<InstanceId>,
            BTreeSet<NodeId>,
            BTreeMap<InstanceId, NodeId>,
        ),
    > {
        (
            proptest::collection::btree_set(arb_instance(), 0..=60),
            proptest::collection::btree_set(0..9u64, 0..=6),
            // Includes instances that are not desired and nodes that are not live.
            proptest::collection::btree_map(arb_instance(), 0..9u64, 0..=70),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn placement_properties((desired, live, current) in arb_input()) {
            let p = place(&desired, &live, &current);

            // Completeness, and only live nodes.
            if live.is_empty() {
                prop_assert!(p.is_empty());
                return Ok(());
            }
            prop_assert_eq!(p.keys().cloned().collect::<BTreeSet<_>>(), desired.clone());
            prop_assert!(p.values().all(|n| live.contains(n)));

            // Balance: connectors, tasks and totals.
            let l = loads(&p, &live);
            for k in 0..3 {
                let max = l.iter().map(|x| x[k]).max().unwrap();
                let min = l.iter().map(|x| x[k]).min().unwrap();
                prop_assert!(max - min <= 1, "unbalanced ({}): {:?}", k, l);
            }

            // Stickiness: exactly the minimal number of moves off live nodes, which is
            // at least the per-class lower bound (everything above the ceiling moves).
            let moves = moved(&current, &p, &live).len();
            let min = brute_force_min_moves(&desired, &live, &current);
            prop_assert_eq!(moves, min);
            let n = live.len();
            let mut lower = 0;
            for tasks in [false, true] {
                let total = desired.iter().filter(|id| matches!(id, InstanceId::Task(_)) == tasks).count();
                let ceil = total.div_ceil(n);
                for node in &live {
                    let on = desired.iter().filter(|id| {
                        matches!(id, InstanceId::Task(_)) == tasks && current.get(*id) == Some(node)
                    }).count();
                    lower += on.saturating_sub(ceil);
                }
            }
            prop_assert!(moves >= lower);
            // An instance on a live node within its class's floor never moves.
            for (id, from, _) in moved(&current, &p, &live) {
                let tasks = matches!(id, InstanceId::Task(_));
                let total = desired.iter().filter(|i| matches!(i, InstanceId::Task(_)) == tasks).count();
                let on = desired.iter().filter(|i| {
                    matches!(i, InstanceId::Task(_)) == tasks && current.get(*i) == Some(&from)
                }).count();
                prop_assert!(on > total / n, "{} moved off a node within its share", id);
            }

            // Determinism and idempotence.
            prop_assert_eq!(&p, &place(&desired, &live, &current));
            prop_assert_eq!(&p, &place(&desired, &live, &p));
        }

        #[test]
        fn diff_applied_reaches_the_target((desired, live, current) in arb_input()) {
            let mut s = ClusterState::default();
            for (id, node) in &current {
                s.assignment.insert(id.clone(), Assignment::new(*node, 1));
            }
            let target = place(&desired, &live, &current);
            let changes = diff(&s.assignment, &target);
            // Sorted, one entry per instance, and only real differences.
            prop_assert!(changes.windows(2).all(|w| w[0].0 < w[1].0));
            for (id, to) in &changes {
                prop_assert_ne!(current.get(id).copied(), *to);
            }
            s.apply(2, Command::Assign { changes });
            let now: BTreeMap<InstanceId, NodeId> =
                s.assignment.iter().map(|(id, a)| (id.clone(), a.node)).collect();
            prop_assert_eq!(&now, &target);
            // Unmoved instances keep their epoch; moved and new ones get the new one.
            for (id, a) in &s.assignment {
                prop_assert_eq!(a.epoch, if current.get(id) == Some(&a.node) { 1 } else { 2 });
            }
            prop_assert!(diff(&s.assignment, &target).is_empty());
        }
    }
}
