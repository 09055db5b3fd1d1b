//! "Committed source offsets never move backwards."
//!
//! The harness samples the committed offset of each source partition over time, from any
//! node. Two reads can only be ordered when one completed before the other was invoked
//! (real-time order); overlapping reads may legitimately see either order. A later read
//! returning a smaller offset than an earlier one means a zombie or a stale replica moved
//! the offset back: records would be produced again after a restart (or, with a stale
//! read served as truth, the cluster is not linearizable).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One read of a committed offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsetSample {
    pub invoke_ms: f64,
    pub complete_ms: f64,
    /// Which node answered.
    pub node: u64,
    /// Canonical JSON of the source partition.
    pub partition: String,
    /// The position within the partition (e.g. the last seqno or file position).
    pub offset: i64,
}

/// `later` was invoked after `earlier` completed, yet saw a smaller offset. `earlier` is
/// the sample with the highest offset among those that completed before `later` began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsetViolation {
    pub partition: String,
    pub earlier: OffsetSample,
    pub later: OffsetSample,
    /// How far it went back: earlier.offset - later.offset.
    pub regression: i64,
}

/// Per-partition summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionOffsets {
    pub partition: String,
    pub samples: usize,
    pub min_offset: i64,
    pub max_offset: i64,
    pub violations: usize,
}

/// Result of [`check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsetReport {
    pub valid: bool,
    pub samples: usize,
    pub partitions: Vec<PartitionOffsets>,
    pub violation_count: usize,
    /// The first violations (at most 100), in order of the later sample's invocation.
    pub violations: Vec<OffsetViolation>,
}

const MAX_VIOLATIONS: usize = 100;

/// Checks every sample against the maximum offset of all samples (same partition) that
/// completed strictly before it was invoked. O(n log n) per partition.
pub fn check(samples: &[OffsetSample]) -> OffsetReport {
    let mut by_partition: BTreeMap<&str, Vec<&OffsetSample>> = BTreeMap::new();
    for s in samples {
        by_partition.entry(&s.partition).or_default().push(s);
    }
    let mut report = OffsetReport {
        valid: true,
        samples: samples.len(),
        partitions: Vec::new(),
        violation_count: 0,
        violations: Vec::new(),
    };
    let mut all_violations: Vec<OffsetViolation> = Vec::new();
    for (partition, group) in by_partition {
        let mut by_complete = group.clone();
        by_complete.sort_by(|a, b| a.complete_ms.total_cmp(&b.complete_ms));
        let mut by_invoke = group.clone();
        by_invoke.sort_by(|a, b| a.invoke_ms.total_cmp(&b.invoke_ms));

        // Sweep: before judging a sample, fold in every sample that completed before it
        // was invoked, keeping the one with the highest offset.
        let mut witness: Option<&OffsetSample> = None;
        let mut done = 0;
        let mut violations = 0;
        for later in by_invoke {
            while done < by_complete.len() && by_complete[done].complete_ms < later.invoke_ms {
                let a = by_complete[done];
                if witness.is_none_or(|w| a.offset > w.offset) {
                    witness = Some(a);
                }
                done += 1;
            }
            if let Some(earlier) = witness.filter(|w| later.offset < w.offset) {
                violations += 1;
                all_violations.push(OffsetViolation {
                    partition: partition.to_string(),
                    earlier: earlier.clone(),
                    later: later.clone(),
                    regression: earlier.offset - later.offset,
                });
            }
        }
        report.partitions.push(PartitionOffsets {
            partition: partition.to_string(),
            samples: group.len(),
            min_offset: group.iter().map(|s| s.offset).min().unwrap_or_default(),
            max_offset: group.iter().map(|s| s.offset).max().unwrap_or_default(),
            violations,
        });
    }
    all_violations.sort_by(|a, b| a.later.invoke_ms.total_cmp(&b.later.invoke_ms));
    report.violation_count = all_violations.len();
    report.valid = all_violations.is_empty();
    all_violations.truncate(MAX_VIOLATIONS);
    report.violations = all_violations;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(invoke_ms: f64, complete_ms: f64, partition: &str, offset: i64) -> OffsetSample {
        OffsetSample {
            invoke_ms,
            complete_ms,
            node: 1,
            partition: partition.to_string(),
            offset,
        }
    }

    #[test]
    fn monotonic_offsets_are_valid() {
        let r = check(&[
            s(0.0, 1.0, "p", 1),
            s(2.0, 3.0, "p", 5),
            s(4.0, 5.0, "p", 5),
            s(6.0, 7.0, "p", 9),
        ]);
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.partitions[0].min_offset, 1);
        assert_eq!(r.partitions[0].max_offset, 9);
    }

    #[test]
    fn backwards_after_a_completed_read_is_a_violation() {
        let r = check(&[
            s(0.0, 1.0, "p", 1),
            s(2.0, 3.0, "p", 10),
            s(4.0, 5.0, "p", 7),
        ]);
        assert!(!r.valid);
        assert_eq!(r.violation_count, 1);
        let v = &r.violations[0];
        assert_eq!(v.earlier.offset, 10);
        assert_eq!(v.later.offset, 7);
        assert_eq!(v.regression, 3);
    }

    #[test]
    fn overlapping_reads_are_not_ordered() {
        // The read that saw 7 began before the one that saw 10 completed.
        let r = check(&[s(0.0, 5.0, "p", 10), s(4.0, 6.0, "p", 7)]);
        assert!(r.valid, "{r:#?}");
        // Equal timestamps are not "strictly before" either.
        let r = check(&[s(0.0, 5.0, "p", 10), s(5.0, 6.0, "p", 7)]);
        assert!(r.valid, "{r:#?}");
    }

    #[test]
    fn witness_is_the_highest_earlier_offset() {
        let r = check(&[
            s(0.0, 1.0, "p", 3),
            s(0.5, 2.0, "p", 8),
            s(1.5, 2.5, "p", 4),
            s(3.0, 4.0, "p", 6),
        ]);
        // 4 overlaps the 8 read (invoked at 1.5 < 2.0) but not the 3; fine. 6 < 8: bad.
        assert_eq!(r.violation_count, 1);
        assert_eq!(r.violations[0].earlier.offset, 8);
        assert_eq!(r.violations[0].later.offset, 6);
    }

    #[test]
    fn partitions_are_independent_and_input_order_does_not_matter() {
        let r = check(&[
            s(4.0, 5.0, "b", 1),
            s(2.0, 3.0, "a", 10),
            s(0.0, 1.0, "b", 2),
            s(4.0, 5.0, "a", 11),
        ]);
        assert_eq!(r.violation_count, 1);
        assert_eq!(r.violations[0].partition, "b");
        assert_eq!(r.partitions.len(), 2);
    }
}
