//! The short run of the fault-injection suite that CI carries: every nemesis for a few
//! seconds against a fresh three-node cluster. A run whose nemesis cannot work here
//! (partitions without root) is SKIPPED, not passed; everything else must PASS.
//!
//! `RAFTCONNECT_JEPSEN_TIME_LIMIT` (seconds per nemesis, default 15) lengthens it.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn every_nemesis_passes_a_short_run() {
    let jepsen = PathBuf::from(env!("CARGO_BIN_EXE_jepsen"));
    let raftconnect = jepsen.with_file_name("raftconnect");
    assert!(
        raftconnect.exists(),
        "{} is missing: build it first (`cargo build -p raftconnect`; `cargo test --workspace` does)",
        raftconnect.display()
    );
    let results = tempfile::tempdir().expect("results dir");
    let time_limit =
        std::env::var("RAFTCONNECT_JEPSEN_TIME_LIMIT").unwrap_or_else(|_| "15".to_string());
    let out = Command::new(&jepsen)
        .args([
            "suite",
            "--time-limit",
            &time_limit,
            "--quiet",
            "3",
            "--fault",
            "5",
        ])
        .arg("--results")
        .arg(results.path())
        .output()
        .expect("run jepsen");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    let mut summaries = Vec::new();
    for entry in std::fs::read_dir(results.path())
        .expect("results")
        .flatten()
    {
        if let Ok(text) = std::fs::read_to_string(entry.path().join("summary.txt")) {
            summaries.push(text);
        }
    }
    assert!(
        out.status.success(),
        "jepsen exited with {:?}\n{stdout}\n{}\n--- stderr (tail)\n{}",
        out.status.code(),
        summaries.join("\n"),
        stderr
            .lines()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Every nemesis produced a verdict line.
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
}
