//! The short run of the fault-injection suite that CI carries: every nemesis for a few
//! seconds against a fresh three-node cluster, then a longer pause run (the nemesis
//! that found the most bugs: tasks failed for good when a commit found no quorum, and
//! a task restarted on a lagging node committed offsets lower than ones already
//! committed). A run whose nemesis cannot work here (partitions without root) is
//! SKIPPED, not passed; everything else must PASS.
//!
//! `RAFTCONNECT_JEPSEN_TIME_LIMIT` (seconds per nemesis, default 15) lengthens it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn jepsen(args: &[&str], results: &Path) -> String {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_jepsen"));
    let raftconnect = bin.with_file_name("raftconnect");
    assert!(
        raftconnect.exists(),
        "{} is missing: build it first (`cargo build -p raftconnect`; `cargo test --workspace` does)",
        raftconnect.display()
    );
    let out = Command::new(&bin)
        .args(args)
        .arg("--results")
        .arg(results)
        .output()
        .expect("run jepsen");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    let mut summaries = Vec::new();
    for entry in std::fs::read_dir(results).expect("results").flatten() {
        if let Ok(text) = std::fs::read_to_string(entry.path().join("summary.txt")) {
            summaries.push(text);
        }
    }
    let tail: Vec<&str> = stderr.lines().rev().take(60).collect();
    assert!(
        out.status.success(),
        "jepsen {args:?} exited with {:?}; results, node logs included, kept in {}\n{stdout}\n{}\n--- stderr (tail)\n{}",
        out.status.code(),
        results.display(),
        summaries.join("\n"),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    // Passed: nothing to look into.
    let _ = std::fs::remove_dir_all(results);
    stdout
}

/// A results directory that outlives a failed run (its node logs are the evidence).
fn results_dir() -> PathBuf {
    tempfile::Builder::new()
        .prefix("raftconnect-jepsen-")
        .tempdir()
        .expect("results dir")
        .keep()
}

#[test]
fn every_nemesis_passes_a_short_run() {
    let time_limit =
        std::env::var("RAFTCONNECT_JEPSEN_TIME_LIMIT").unwrap_or_else(|_| "15".to_string());
    let results = tempfile::tempdir().expect("results dir");
    let stdout = jepsen(
        &[
            "suite",
            "--time-limit",
            &time_limit,
            "--quiet",
            "3",
            "--fault",
            "5",
        ],
        results.path(),
    );
    for nemesis in [
        "kill ",
        "kill-leader",
        "kill-owner",
        "pause",
        "partition-one",
        "partition-leader",
        "partition-majority",
        "bounce-clean",
        "bounce-hard",
        "broker",
    ] {
        assert!(
            stdout.contains(nemesis),
            "no verdict for {nemesis}:\n{stdout}"
        );
    }
    jepsen(
        &["run", "--nemesis", "pause", "--time-limit", "45"],
        &results_dir(),
    );
}
