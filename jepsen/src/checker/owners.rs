//! "No task has two live owners after the failover timeout."
//!
//! Each record says which task produced (or handled) it and which owner instance (worker
//! generation) did so, and when. An instance's activity is the set of intervals spanned by
//! its record times, split wherever it went quiet for longer than `gap_ms` (a pause, a
//! restart). During a failover the old owner may still run until it notices it lost its
//! lease, so a short overlap is expected; two instances active for the same task at the
//! same time for longer than `allowed_overlap_ms` means fencing failed (split brain).

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::{Deserialize, Serialize};

/// A stretch of continuous activity: consecutive records no more than `gap_ms` apart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub start_ms: f64,
    pub end_ms: f64,
    pub records: usize,
}

/// Two instances of one task active at the same time for too long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlapViolation {
    pub task: String,
    pub a: String,
    pub b: String,
    pub a_interval: Interval,
    pub b_interval: Interval,
    pub overlap_ms: f64,
}

/// Per-task summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskOwners {
    pub task: String,
    /// Owner instance -> its activity intervals.
    pub instances: BTreeMap<String, Vec<Interval>>,
    /// Longest contiguous overlap between any two instances (0 = none).
    pub max_overlap_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_overlap_pair: Option<(String, String)>,
    pub violations: Vec<OverlapViolation>,
    pub valid: bool,
}

/// Result of [`check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnersReport {
    pub valid: bool,
    pub gap_ms: f64,
    pub allowed_overlap_ms: f64,
    pub max_overlap_ms: f64,
    pub tasks: Vec<TaskOwners>,
    pub violation_count: usize,
}

/// Splits record times (sorted or not) into intervals at gaps longer than `gap_ms`.
pub fn intervals(times: &[f64], gap_ms: f64) -> Vec<Interval> {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut out: Vec<Interval> = Vec::new();
    for t in sorted {
        match out.last_mut() {
            Some(iv) if t - iv.end_ms <= gap_ms => {
                iv.end_ms = t;
                iv.records += 1;
            }
            _ => out.push(Interval {
                start_ms: t,
                end_ms: t,
                records: 1,
            }),
        }
    }
    out
}

/// Length of the common part of two closed intervals (0 when disjoint or touching).
fn overlap(a: &Interval, b: &Interval) -> f64 {
    (a.end_ms.min(b.end_ms) - a.start_ms.max(b.start_ms)).max(0.0)
}

/// Checks every pair of instances of every task. `activity`: task -> instance -> record
/// times (ms; any clock shared by all instances, e.g. epoch ms).
pub fn check<K: Ord + Display>(
    activity: &BTreeMap<K, BTreeMap<String, Vec<f64>>>,
    gap_ms: f64,
    allowed_overlap_ms: f64,
) -> OwnersReport {
    let mut report = OwnersReport {
        valid: true,
        gap_ms,
        allowed_overlap_ms,
        max_overlap_ms: 0.0,
        tasks: Vec::new(),
        violation_count: 0,
    };
    for (task, instances) in activity {
        let task = task.to_string();
        let ivs: BTreeMap<String, Vec<Interval>> = instances
            .iter()
            .map(|(inst, times)| (inst.clone(), intervals(times, gap_ms)))
            .collect();
        let names: Vec<&String> = ivs.keys().collect();
        let mut t = TaskOwners {
            task: task.clone(),
            instances: BTreeMap::new(),
            max_overlap_ms: 0.0,
            max_overlap_pair: None,
            violations: Vec::new(),
            valid: true,
        };
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                // Both lists are sorted and each is disjoint: merge with two cursors.
                let (xs, ys) = (&ivs[*a], &ivs[*b]);
                let (mut x, mut y) = (0, 0);
                while x < xs.len() && y < ys.len() {
                    let o = overlap(&xs[x], &ys[y]);
                    if o > t.max_overlap_ms {
                        t.max_overlap_ms = o;
                        t.max_overlap_pair = Some(((*a).clone(), (*b).clone()));
                    }
                    if o > allowed_overlap_ms {
                        t.violations.push(OverlapViolation {
                            task: task.clone(),
                            a: (*a).clone(),
                            b: (*b).clone(),
                            a_interval: xs[x],
                            b_interval: ys[y],
                            overlap_ms: o,
                        });
                    }
                    if xs[x].end_ms < ys[y].end_ms {
                        x += 1;
                    } else {
                        y += 1;
                    }
                }
            }
        }
        t.valid = t.violations.is_empty();
        t.instances = ivs;
        report.valid &= t.valid;
        report.max_overlap_ms = report.max_overlap_ms.max(t.max_overlap_ms);
        report.violation_count += t.violations.len();
        report.tasks.push(t);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    type Activity = BTreeMap<u32, BTreeMap<String, Vec<f64>>>;
    type Spec<'a> = &'a [(u32, &'a [(&'a str, &'a [f64])])];

    fn activity(entries: Spec) -> Activity {
        entries
            .iter()
            .map(|(task, insts)| {
                let insts = insts
                    .iter()
                    .map(|(name, times)| (name.to_string(), times.to_vec()))
                    .collect();
                (*task, insts)
            })
            .collect()
    }

    fn iv(start_ms: f64, end_ms: f64, records: usize) -> Interval {
        Interval {
            start_ms,
            end_ms,
            records,
        }
    }

    #[test]
    fn intervals_split_at_long_gaps() {
        let ivs = intervals(&[0.0, 100.0, 200.0, 1500.0, 1600.0, 5000.0], 1000.0);
        assert_eq!(
            ivs,
            vec![
                iv(0.0, 200.0, 3),
                iv(1500.0, 1600.0, 2),
                iv(5000.0, 5000.0, 1)
            ]
        );
        // A gap of exactly gap_ms does not split; unsorted input is fine.
        assert_eq!(intervals(&[1000.0, 0.0], 1000.0).len(), 1);
        assert!(intervals(&[], 1000.0).is_empty());
    }

    #[test]
    fn clean_handover_is_valid() {
        let a = activity(&[(
            0,
            &[
                ("w1-a", &[0.0, 100.0, 200.0, 300.0]),
                ("w2-a", &[400.0, 500.0, 600.0]),
            ],
        )]);
        let r = check(&a, 1000.0, 0.0);
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.max_overlap_ms, 0.0);
        assert_eq!(r.tasks[0].max_overlap_pair, None);
    }

    #[test]
    fn short_overlap_within_the_failover_timeout_is_allowed() {
        let a = activity(&[(
            0,
            &[
                ("old", &[0.0, 100.0, 200.0, 300.0]),
                ("new", &[250.0, 350.0, 450.0]),
            ],
        )]);
        let r = check(&a, 1000.0, 100.0);
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.tasks[0].max_overlap_ms, 50.0);
        assert_eq!(
            r.tasks[0].max_overlap_pair,
            Some(("new".to_string(), "old".to_string()))
        );
    }

    #[test]
    fn two_live_owners_is_a_violation() {
        let old: Vec<f64> = (0..100).map(|i| i as f64 * 100.0).collect(); // 0..9900
        let new: Vec<f64> = (30..130).map(|i| i as f64 * 100.0).collect(); // 3000..12900
        let a = activity(&[
            (7, &[("old", &old), ("new", &new)]),
            (8, &[("x", &[1.0, 2.0])]),
        ]);
        let r = check(&a, 1000.0, 5000.0);
        assert!(!r.valid);
        assert_eq!(r.violation_count, 1);
        let v = &r.tasks[0].violations[0];
        assert_eq!(v.task, "7");
        assert_eq!(v.overlap_ms, 6900.0);
        assert_eq!(r.max_overlap_ms, 6900.0);
        assert!(r.tasks[1].valid);
    }

    #[test]
    fn a_paused_owner_is_not_live_during_its_pause() {
        // "old" is paused from 300 to 10_000 (SIGSTOP), "new" takes over meanwhile; when
        // "old" wakes up it emits two records before being fenced.
        let a = activity(&[(
            0,
            &[
                ("old", &[0.0, 100.0, 200.0, 300.0, 10_000.0, 10_050.0]),
                ("new", &[2000.0, 3000.0, 4000.0, 9000.0, 10_000.0, 11_000.0]),
            ],
        )]);
        let r = check(&a, 1500.0, 100.0);
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.tasks[0].max_overlap_ms, 50.0);
        assert_eq!(r.tasks[0].instances["old"].len(), 2);
        // With a gap threshold longer than the pause, the pause counts as activity.
        let r = check(&a, 20_000.0, 100.0);
        assert!(!r.valid);
    }
}
