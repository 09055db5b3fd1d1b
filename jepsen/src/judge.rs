//! Turns what a run recorded into a verdict: runs every checker, gathers the figures
//! (failover, stalls, duplicates), and writes summary.json / summary.txt.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::checker::offsets::OffsetSample;
use crate::checker::{self, linearizable, offsets, owners, sequences, CheckResult};
use crate::history::{Op, OpType};
use crate::nemesis::{Nemesis, NemesisEvent};
use crate::pipeline::ConnectorLogs;

/// Everything a run recorded, for the checkers.
pub struct Evidence {
    pub nemesis: Nemesis,
    pub runtime: String,
    pub time_limit: Duration,
    pub ops: Vec<Op>,
    pub nemesis_events: Vec<NemesisEvent>,
    pub offsets: Vec<OffsetSample>,
    /// Per source task, the seqnos the topic holds.
    pub kafka: BTreeMap<u32, Vec<u64>>,
    pub logs: ConnectorLogs,
    /// How long after healing every task was RUNNING (None: not within the bound).
    pub recovery: Option<Duration>,
    pub recovery_bound: Duration,
    pub source_stopped: bool,
    pub sink_caught_up: Option<Duration>,
    pub node_logs: PathBuf,
}

/// Two task instances producing for the same task at once for longer than this is a
/// violation: a deposed owner must stop within its lease (1 s by default) of losing it.
const ALLOWED_OWNER_OVERLAP_MS: f64 = 1500.0;
/// Gaps longer than this split an instance's activity (a pause, a broker outage).
const ACTIVITY_GAP_MS: f64 = 1000.0;

#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub client_ops: BTreeMap<String, usize>,
    pub faults: usize,
    pub records_in_kafka: usize,
    pub duplicates_in_kafka: usize,
    pub records_flushed_by_sink: usize,
    pub duplicates_in_sink: usize,
    pub recovery_ms: Option<u128>,
    pub sink_catch_up_ms: Option<u128>,
    /// Per source task: the longest time no record was produced, in ms.
    pub longest_stall_ms: BTreeMap<u32, f64>,
    pub offset_samples: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub nemesis: String,
    pub runtime: String,
    pub valid: bool,
    /// Why the run did not happen (its nemesis cannot run here); not a failure.
    pub skipped: Option<String>,
    pub checks: Vec<CheckResult>,
    pub figures: Option<Figures>,
}

impl Summary {
    pub fn skipped(nemesis: Nemesis, runtime: &str, why: &str) -> Summary {
        Summary {
            nemesis: nemesis.name().to_string(),
            runtime: runtime.to_string(),
            valid: true,
            skipped: Some(why.to_string()),
            checks: Vec::new(),
            figures: None,
        }
    }

    pub fn verdict(&self) -> &'static str {
        match (&self.skipped, self.valid) {
            (Some(_), _) => "SKIPPED",
            (None, true) => "PASS",
            (None, false) => "FAIL",
        }
    }

    /// One line per run: the verdict and the headline figures.
    pub fn table(summaries: &[Summary]) -> String {
        let mut out = String::from(
            "nemesis             verdict  faults  kafka   dup  sink    dup  recovery  longest-stall  failed-checks\n",
        );
        for s in summaries {
            let failed: Vec<&str> = s
                .checks
                .iter()
                .filter(|c| !c.valid)
                .map(|c| c.name.as_str())
                .collect();
            match &s.figures {
                Some(f) => {
                    let stall = f.longest_stall_ms.values().copied().fold(0.0f64, f64::max);
                    let _ = writeln!(
                        out,
                        "{:<19} {:<8} {:>6} {:>6} {:>5} {:>5} {:>5} {:>8} {:>13}  {}",
                        s.nemesis,
                        s.verdict(),
                        f.faults,
                        f.records_in_kafka,
                        f.duplicates_in_kafka,
                        f.records_flushed_by_sink,
                        f.duplicates_in_sink,
                        f.recovery_ms
                            .map(|m| format!("{m}ms"))
                            .unwrap_or_else(|| "never".into()),
                        format!("{stall:.0}ms"),
                        failed.join(",")
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "{:<19} {:<8} {}",
                        s.nemesis,
                        s.verdict(),
                        s.skipped.as_deref().unwrap_or("")
                    );
                }
            }
        }
        out
    }
}

/// Whether `held` has, per task, every seqno of `required`.
fn covers<'a>(
    held: &BTreeMap<u32, Vec<u64>>,
    required: impl IntoIterator<Item = (&'a u32, Vec<u64>)>,
) -> bool {
    required.into_iter().all(|(task, need)| {
        let have: BTreeSet<u64> = held
            .get(task)
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        need.iter().all(|s| have.contains(s))
    })
}

/// Whether the topic holds every seqno the source saw acknowledged.
pub fn kafka_has_acknowledged(kafka: &BTreeMap<u32, Vec<u64>>, logs: &ConnectorLogs) -> bool {
    covers(
        kafka,
        logs.source_acked
            .iter()
            .map(|(t, acked)| (t, acked.iter().copied().collect())),
    )
}

/// Whether the sink flushed every seqno the topic holds.
pub fn sink_has_all(kafka: &BTreeMap<u32, Vec<u64>>, logs: &ConnectorLogs) -> bool {
    covers(
        &logs.sink_flushed,
        kafka.iter().map(|(t, seqnos)| (t, seqnos.clone())),
    )
}

pub fn judge(e: &Evidence) -> Summary {
    let no_dups = e.nemesis.expects_no_duplicates();
    let mut checks = Vec::new();

    let lin = linearizable::check(&e.ops);
    checks.push(CheckResult::from(&lin));

    // Kafka holds every acknowledged record, with no hole in [0, max] per task.
    let kafka = sequences::check("kafka", &e.kafka, &e.logs.source_acked, no_dups);
    let holes: u64 = kafka.tasks.iter().map(|t| t.missing_count).sum();
    let mut kafka_check = CheckResult::from(&kafka);
    if holes > 0 {
        kafka_check.valid = false;
        kafka_check.summary = format!("{} holes in the sequences; {}", holes, kafka_check.summary);
    }
    checks.push(kafka_check);

    // The sink flushed every record the topic holds.
    let required: BTreeMap<u32, BTreeSet<u64>> = e
        .kafka
        .iter()
        .map(|(t, v)| (*t, v.iter().copied().collect()))
        .collect();
    let sink = sequences::check("sink", &e.logs.sink_flushed, &required, no_dups);
    checks.push(CheckResult::from(&sink));

    checks.push(CheckResult::from(&offsets::check(&e.offsets)));

    let owner_report = owners::check(
        &e.logs.source_activity,
        ACTIVITY_GAP_MS,
        ALLOWED_OWNER_OVERLAP_MS,
    );
    checks.push(CheckResult::from(&owner_report));

    let live = e.recovery.is_some() && e.sink_caught_up.is_some() && e.source_stopped;
    checks.push(CheckResult {
        name: "liveness".into(),
        valid: live,
        summary: format!(
            "after healing: every task RUNNING in {}, source stopped cleanly: {}, sink caught up in {} (bound {} s each)",
            fmt_ms(e.recovery),
            e.source_stopped,
            fmt_ms(e.sink_caught_up),
            e.recovery_bound.as_secs()
        ),
        details: json!({
            "recovery_ms": e.recovery.map(|d| d.as_millis()),
            "sink_catch_up_ms": e.sink_caught_up.map(|d| d.as_millis()),
            "source_stopped": e.source_stopped,
        }),
    });

    if e.logs.malformed > 3 * 6 {
        checks.push(CheckResult {
            name: "connector-logs".into(),
            valid: false,
            summary: format!(
                "{} malformed lines in the verifiable connectors' logs (a torn last line per killed task is expected)",
                e.logs.malformed
            ),
            details: json!({}),
        });
    }

    let mut client_ops = BTreeMap::new();
    for op in e.ops.iter().filter(|o| o.typ != OpType::Invoke) {
        *client_ops
            .entry(format!("{:?}", op.typ).to_lowercase())
            .or_insert(0) += 1;
    }
    let figures = Figures {
        client_ops,
        faults: e
            .nemesis_events
            .iter()
            .filter(|ev| {
                matches!(
                    ev.action.as_str(),
                    "kill" | "pause" | "partition" | "stop" | "kill-broker"
                )
            })
            .count(),
        records_in_kafka: kafka.total_count,
        duplicates_in_kafka: kafka.total_duplicates,
        records_flushed_by_sink: sink.total_count,
        duplicates_in_sink: sink.total_duplicates,
        recovery_ms: e.recovery.map(|d| d.as_millis()),
        sink_catch_up_ms: e.sink_caught_up.map(|d| d.as_millis()),
        longest_stall_ms: e
            .logs
            .longest_stalls()
            .into_iter()
            .map(|(t, (ms, _))| (t, ms))
            .collect(),
        offset_samples: e.offsets.len(),
    };
    Summary {
        nemesis: e.nemesis.name().to_string(),
        runtime: e.runtime.clone(),
        valid: checker::all_valid(&checks),
        skipped: None,
        checks,
        figures: Some(figures),
    }
}

fn fmt_ms(d: Option<Duration>) -> String {
    d.map(|d| format!("{} ms", d.as_millis()))
        .unwrap_or_else(|| "never".into())
}

/// Writes summary.json, summary.txt and offsets.jsonl into the run's directory.
pub fn write(dir: &Path, summary: &Summary, e: &Evidence) -> std::io::Result<()> {
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(summary).unwrap_or_default(),
    )?;
    let mut text = format!(
        "nemesis {} on {} for {} s: {}\n\n",
        summary.nemesis,
        summary.runtime,
        e.time_limit.as_secs(),
        summary.verdict()
    );
    text.push_str(&checker::summary_table(&summary.checks));
    text.push('\n');
    text.push_str(&Summary::table(std::slice::from_ref(summary)));
    let _ = writeln!(text, "\nnode logs: {}", e.node_logs.display());
    std::fs::write(dir.join("summary.txt"), text)?;
    let lines: Vec<String> = e
        .offsets
        .iter()
        .filter_map(|s| serde_json::to_string(s).ok())
        .collect();
    std::fs::write(dir.join("offsets.jsonl"), lines.join("\n"))?;
    Ok(())
}
