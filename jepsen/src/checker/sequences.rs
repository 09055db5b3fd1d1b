//! At-least-once delivery on sequence numbers.
//!
//! Each producer task numbers its records 0, 1, 2, ... The harness collects, per task, the
//! seqnos seen at a stage ("kafka": what the topic holds at the end; "sink": what the sink
//! flushed) and the seqnos the source acknowledged (committed). An acknowledged seqno
//! absent from a stage is data loss: the one thing at-least-once forbids. Gaps that were
//! never acknowledged and duplicates are reported but are legal under at-least-once
//! (duplicates are a violation only when the caller asks for exactly-once).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Ranges listed in full before the rest is summarized, so a report stays readable.
const MAX_RANGES: usize = 50;

/// One task at one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSequences {
    pub task: u32,
    /// Highest seqno observed; `None` when nothing was observed.
    pub max_seen: Option<u64>,
    /// Records observed (with duplicates).
    pub count: usize,
    pub distinct: usize,
    /// Records beyond the first copy of each seqno.
    pub duplicates: usize,
    /// Seqnos in [0, max_seen] never observed (acknowledged or not), e.g. "17-20, 33".
    pub missing: String,
    pub missing_count: u64,
    pub acknowledged: usize,
    /// Acknowledged but not observed: lost data.
    pub acknowledged_missing: String,
    pub acknowledged_missing_count: u64,
    pub valid: bool,
}

/// Result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceReport {
    pub stage: String,
    pub valid: bool,
    pub expect_no_duplicates: bool,
    pub tasks: Vec<TaskSequences>,
    pub total_count: usize,
    pub total_distinct: usize,
    pub total_duplicates: usize,
    pub total_missing: u64,
    pub total_acknowledged_missing: u64,
}

/// Checks one stage. Tasks that were acknowledged but never observed at all are reported
/// (everything they acknowledged is missing).
pub fn check(
    stage: &str,
    observed: &BTreeMap<u32, Vec<u64>>,
    acknowledged: &BTreeMap<u32, BTreeSet<u64>>,
    expect_no_duplicates: bool,
) -> SequenceReport {
    let empty_obs = Vec::new();
    let empty_ack = BTreeSet::new();
    let tasks: BTreeSet<u32> = observed
        .keys()
        .chain(acknowledged.keys())
        .copied()
        .collect();
    let mut report = SequenceReport {
        stage: stage.to_string(),
        valid: true,
        expect_no_duplicates,
        tasks: Vec::new(),
        total_count: 0,
        total_distinct: 0,
        total_duplicates: 0,
        total_missing: 0,
        total_acknowledged_missing: 0,
    };
    for task in tasks {
        let seen = observed.get(&task).unwrap_or(&empty_obs);
        let acked = acknowledged.get(&task).unwrap_or(&empty_ack);
        let mut distinct = seen.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let max_seen = distinct.last().copied();
        let missing = match max_seen {
            Some(max) => gaps(&distinct, max),
            None => Vec::new(),
        };
        let acknowledged_missing = to_ranges(
            acked
                .iter()
                .copied()
                .filter(|s| distinct.binary_search(s).is_err()),
        );
        let duplicates = seen.len() - distinct.len();
        let acknowledged_missing_count = range_len(&acknowledged_missing);
        let valid = acknowledged_missing_count == 0 && !(expect_no_duplicates && duplicates > 0);
        let t = TaskSequences {
            task,
            max_seen,
            count: seen.len(),
            distinct: distinct.len(),
            duplicates,
            missing_count: range_len(&missing),
            missing: format_ranges(&missing),
            acknowledged: acked.len(),
            acknowledged_missing: format_ranges(&acknowledged_missing),
            acknowledged_missing_count,
            valid,
        };
        report.valid &= valid;
        report.total_count += t.count;
        report.total_distinct += t.distinct;
        report.total_duplicates += t.duplicates;
        report.total_missing += t.missing_count;
        report.total_acknowledged_missing += t.acknowledged_missing_count;
        report.tasks.push(t);
    }
    report
}

/// Inclusive ranges of the values in [0, max] absent from `sorted_distinct`.
fn gaps(sorted_distinct: &[u64], max: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    // The next seqno expected; `None` once past u64::MAX.
    let mut expect = Some(0u64);
    for &s in sorted_distinct {
        let Some(e) = expect else { break };
        if s > max {
            break;
        }
        if s > e {
            out.push((e, s - 1));
        }
        expect = s.checked_add(1);
    }
    if let Some(e) = expect.filter(|e| *e <= max) {
        out.push((e, max));
    }
    out
}

/// Collapses ascending values into inclusive ranges.
fn to_ranges(sorted: impl IntoIterator<Item = u64>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for s in sorted {
        match out.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(s) => *end = s,
            Some((_, end)) if *end == s => {}
            _ => out.push((s, s)),
        }
    }
    out
}

fn range_len(ranges: &[(u64, u64)]) -> u64 {
    ranges.iter().map(|(a, b)| b - a + 1).sum()
}

/// Formats inclusive ranges compactly: "17-20, 33"; after 50 ranges the rest is
/// summarized ("... (+12 more ranges)"); empty = "".
pub fn format_ranges(ranges: &[(u64, u64)]) -> String {
    let mut out = String::new();
    for (i, (a, b)) in ranges.iter().enumerate() {
        if i == MAX_RANGES {
            let _ = write!(out, ", ... (+{} more ranges)", ranges.len() - MAX_RANGES);
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        if a == b {
            let _ = write!(out, "{a}");
        } else {
            let _ = write!(out, "{a}-{b}");
        }
    }
    out
}

/// Compact ranges of ascending seqnos: `[17, 18, 19, 20, 33]` -> "17-20, 33".
pub fn compact(sorted: impl IntoIterator<Item = u64>) -> String {
    format_ranges(&to_ranges(sorted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(entries: &[(u32, &[u64])]) -> BTreeMap<u32, Vec<u64>> {
        entries.iter().map(|(t, s)| (*t, s.to_vec())).collect()
    }
    fn acks(entries: &[(u32, &[u64])]) -> BTreeMap<u32, BTreeSet<u64>> {
        entries
            .iter()
            .map(|(t, s)| (*t, s.iter().copied().collect()))
            .collect()
    }

    #[test]
    fn ranges_are_compact() {
        assert_eq!(compact([17, 18, 19, 20, 33]), "17-20, 33");
        assert_eq!(compact([]), "");
        assert_eq!(compact([5, 5, 6]), "5-6");
        let many = compact((0..200).map(|i| i * 2));
        assert!(many.ends_with(", ... (+150 more ranges)"), "{many}");
        assert_eq!(gaps(&[0, 1, 2], 2), vec![]);
        assert_eq!(gaps(&[3, 5], 5), vec![(0, 2), (4, 4)]);
        assert_eq!(gaps(&[0], 0), vec![]);
    }

    #[test]
    fn complete_stream_is_valid() {
        let r = check(
            "kafka",
            &obs(&[(0, &[0, 1, 2, 3]), (1, &[0, 1])]),
            &acks(&[(0, &[0, 1, 2, 3]), (1, &[0])]),
            true,
        );
        assert!(r.valid, "{r:#?}");
        assert_eq!(r.tasks[0].max_seen, Some(3));
        assert_eq!(r.tasks[0].missing, "");
        assert_eq!(r.total_count, 6);
    }

    #[test]
    fn gaps_and_duplicates_are_reported_unacknowledged_gaps_are_legal() {
        let seen: Vec<u64> = (0..=40)
            .filter(|s| !(17..=20).contains(s) && *s != 33)
            .chain([5, 5, 6])
            .collect();
        let r = check(
            "kafka",
            &obs(&[(3, &seen)]),
            &acks(&[(3, &[0, 1, 2])]),
            false,
        );
        assert!(r.valid, "{r:#?}");
        let t = &r.tasks[0];
        assert_eq!(t.missing, "17-20, 33");
        assert_eq!(t.missing_count, 5);
        assert_eq!(t.duplicates, 3);
        assert_eq!(t.distinct, 36);
        assert_eq!(t.count, 39);

        let strict = check("kafka", &obs(&[(3, &seen)]), &acks(&[]), true);
        assert!(!strict.valid);
    }

    #[test]
    fn acknowledged_but_missing_is_data_loss() {
        let r = check(
            "sink",
            &obs(&[(0, &[0, 1, 4, 5])]),
            &acks(&[(0, &[0, 1, 2, 3, 4, 5, 6]), (7, &[0, 1])]),
            false,
        );
        assert!(!r.valid);
        assert_eq!(r.tasks[0].acknowledged_missing, "2-3, 6");
        assert_eq!(r.tasks[0].acknowledged_missing_count, 3);
        // a task acknowledged but never seen at all
        assert_eq!(r.tasks[1].task, 7);
        assert_eq!(r.tasks[1].max_seen, None);
        assert_eq!(r.tasks[1].acknowledged_missing, "0-1");
        assert_eq!(r.total_acknowledged_missing, 5);
    }
}
