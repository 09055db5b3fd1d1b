//! Checkers: pure functions from recorded evidence to a verdict. Each has its own detailed
//! report; every report converts into a [`CheckResult`] so the harness can print one
//! summary table and write one results.json whatever ran.

pub mod linearizable;
pub mod offsets;
pub mod owners;
pub mod sequences;

use serde::{Deserialize, Serialize};

/// The common verdict of one checker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub valid: bool,
    /// One line for the summary table.
    pub summary: String,
    /// The checker's full report.
    pub details: serde_json::Value,
}

impl CheckResult {
    pub fn new(
        name: impl Into<String>,
        valid: bool,
        summary: impl Into<String>,
        details: &impl Serialize,
    ) -> CheckResult {
        CheckResult {
            name: name.into(),
            valid,
            summary: summary.into(),
            // Reports are plain data (string keys, finite numbers): this cannot fail in
            // practice, and a verdict must not be lost to a reporting error.
            details: serde_json::to_value(details)
                .unwrap_or_else(|e| serde_json::Value::String(format!("unserializable: {e}"))),
        }
    }
}

/// True when every result is valid (and there is at least one).
pub fn all_valid(results: &[CheckResult]) -> bool {
    !results.is_empty() && results.iter().all(|r| r.valid)
}

/// A plain-text table: one line per checker, "ok"/"FAIL", name, summary.
pub fn summary_table(results: &[CheckResult]) -> String {
    let width = results.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in results {
        let verdict = if r.valid { "ok  " } else { "FAIL" };
        out.push_str(&format!("{verdict}  {:width$}  {}\n", r.name, r.summary));
    }
    out
}

impl From<&linearizable::LinearizabilityReport> for CheckResult {
    fn from(r: &linearizable::LinearizabilityReport) -> Self {
        let ops: usize = r.keys.iter().map(|k| k.ops).sum();
        let mut summary = format!("{} keys, {} ops", r.keys.len(), ops);
        if !r.invalid_keys.is_empty() {
            summary.push_str(&format!(
                "; not linearizable: {}",
                r.invalid_keys.join(", ")
            ));
            if let Some(ce) = r.keys.iter().find_map(|k| k.counterexample.as_ref()) {
                summary.push_str(&format!(": {}", ce.message));
            }
        }
        if !r.unknown_keys.is_empty() {
            summary.push_str(&format!(
                "; search gave up (unknown): {}",
                r.unknown_keys.join(", ")
            ));
        }
        if r.anomaly_count > 0 {
            summary.push_str(&format!("; {} malformed history entries", r.anomaly_count));
        }
        CheckResult::new("linearizable", r.valid, summary, r)
    }
}

impl From<&sequences::SequenceReport> for CheckResult {
    fn from(r: &sequences::SequenceReport) -> Self {
        let mut summary = format!(
            "{} tasks, {} records, {} distinct, {} duplicates, {} gaps",
            r.tasks.len(),
            r.total_count,
            r.total_distinct,
            r.total_duplicates,
            r.total_missing
        );
        if r.total_acknowledged_missing > 0 {
            summary.push_str(&format!(
                "; LOST {} acknowledged",
                r.total_acknowledged_missing
            ));
            for t in r.tasks.iter().filter(|t| t.acknowledged_missing_count > 0) {
                summary.push_str(&format!(" (task {}: {})", t.task, t.acknowledged_missing));
            }
        }
        if r.expect_no_duplicates && r.total_duplicates > 0 {
            summary.push_str("; duplicates where none were allowed");
        }
        CheckResult::new(format!("sequences:{}", r.stage), r.valid, summary, r)
    }
}

impl From<&offsets::OffsetReport> for CheckResult {
    fn from(r: &offsets::OffsetReport) -> Self {
        let mut summary = format!(
            "{} samples, {} partitions, {} regressions",
            r.samples,
            r.partitions.len(),
            r.violation_count
        );
        if let Some(v) = r.violations.first() {
            summary.push_str(&format!(
                "; first: {} went {} -> {} (node {} at {:.0} ms, then node {} at {:.0} ms)",
                v.partition,
                v.earlier.offset,
                v.later.offset,
                v.earlier.node,
                v.earlier.complete_ms,
                v.later.node,
                v.later.invoke_ms
            ));
        }
        CheckResult::new("offsets-monotonic", r.valid, summary, r)
    }
}

impl From<&owners::OwnersReport> for CheckResult {
    fn from(r: &owners::OwnersReport) -> Self {
        let mut summary = format!(
            "{} tasks, max overlap {} ms (allowed {} ms), {} violations",
            r.tasks.len(),
            r.max_overlap_ms,
            r.allowed_overlap_ms,
            r.violation_count
        );
        if let Some(v) = r.tasks.iter().flat_map(|t| &t.violations).next() {
            summary.push_str(&format!(
                "; first: task {} owned by {} and {} for {} ms",
                v.task, v.a, v.b, v.overlap_ms
            ));
        }
        CheckResult::new("single-owner", r.valid, summary, r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn reports_convert_into_results_and_a_table() {
        let seq = sequences::check(
            "kafka",
            &BTreeMap::from([(0u32, vec![0u64, 1, 3])]),
            &BTreeMap::from([(0u32, BTreeSet::from([0u64, 1, 2]))]),
            false,
        );
        let off = offsets::check(&[]);
        let lin = linearizable::check(&[]);
        let own = owners::check::<u32>(&BTreeMap::new(), 1000.0, 100.0);
        let results = vec![
            CheckResult::from(&seq),
            CheckResult::from(&off),
            CheckResult::from(&lin),
            CheckResult::from(&own),
        ];
        assert!(!all_valid(&results));
        assert!(!results[0].valid);
        assert!(
            results[0]
                .summary
                .contains("LOST 1 acknowledged (task 0: 2)"),
            "{}",
            results[0].summary
        );
        assert_eq!(results[0].name, "sequences:kafka");
        assert_eq!(results[0].details["tasks"][0]["acknowledged_missing"], "2");
        assert!(results[1].valid && results[2].valid && results[3].valid);
        let table = summary_table(&results);
        assert_eq!(table.lines().count(), 4);
        assert!(table.starts_with("FAIL  sequences:kafka"), "{table}");
        let json = serde_json::to_string(&results).unwrap();
        let back: Vec<CheckResult> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, results);
        assert!(!all_valid(&[]));
    }
}
