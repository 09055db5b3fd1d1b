//! The data pipeline under test: VerifiableSource -> Kafka -> VerifiableSink, and how
//! the harness reads back what each stage holds (the topic itself, and the JSON lines
//! the verifiable connectors wrote).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use serde_json::json;

use crate::client::Client;

pub const TOPIC: &str = "verifiable";
pub const PARTITIONS: i32 = 3;
pub const SOURCE: &str = "verifiable-source";
pub const SINK: &str = "verifiable-sink";

/// Creates the topic and both connectors (`tasks` tasks each, `throughput` records/s
/// per source task).
pub fn create(
    client: &Client,
    bootstrap: &str,
    log_dir: &str,
    tasks: u32,
    throughput: u32,
) -> Result<(), String> {
    testkit::create_topic(bootstrap, TOPIC, PARTITIONS);
    testkit::create_topic(bootstrap, "jepsen-registers", 1);
    let source = json!({"name": SOURCE, "config": {
        "connector.class": "VerifiableSource",
        "tasks.max": tasks.to_string(),
        "topic": TOPIC,
        "throughput": throughput.to_string(),
        "verifiable.log.dir": log_dir,
    }});
    let sink = json!({"name": SINK, "config": {
        "connector.class": "VerifiableSink",
        "tasks.max": tasks.to_string(),
        "topics": TOPIC,
        "verifiable.log.dir": log_dir,
    }});
    for body in [sink, source] {
        client.write_until_ok("POST", "/connectors", &body, Duration::from_secs(60))?;
    }
    Ok(())
}

/// What the topic holds: per source task (the record key), every seqno (the value), in
/// offset order per partition. Reads up to the high watermarks taken at the start.
pub fn read_topic(bootstrap: &str) -> Result<BTreeMap<u32, Vec<u64>>, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "jepsen-reader")
        .set("enable.auto.commit", "false")
        .create()
        .map_err(|e| format!("consumer: {e}"))?;
    let mut tpl = TopicPartitionList::new();
    let mut remaining = BTreeMap::new();
    for p in 0..PARTITIONS {
        let (low, high) = consumer
            .fetch_watermarks(TOPIC, p, Duration::from_secs(10))
            .map_err(|e| format!("watermarks of {TOPIC}-{p}: {e}"))?;
        if high > low {
            remaining.insert(p, high);
            tpl.add_partition_offset(TOPIC, p, Offset::Offset(low))
                .map_err(|e| e.to_string())?;
        }
    }
    let mut out: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    if remaining.is_empty() {
        return Ok(out);
    }
    consumer.assign(&tpl).map_err(|e| format!("assign: {e}"))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !remaining.is_empty() {
        if std::time::Instant::now() > deadline {
            return Err(format!("reading {TOPIC} timed out; left: {remaining:?}"));
        }
        let Some(msg) = consumer.poll(Duration::from_millis(500)) else {
            continue;
        };
        let msg = msg.map_err(|e| format!("fetch: {e}"))?;
        let parse =
            |b: Option<&[u8]>| -> Option<u64> { std::str::from_utf8(b?).ok()?.trim().parse().ok() };
        let (task, seqno) = match (parse(msg.key()), parse(msg.payload())) {
            (Some(t), Some(s)) => (t as u32, s),
            _ => {
                return Err(format!(
                    "record {}-{}@{} is not a verifiable record",
                    TOPIC,
                    msg.partition(),
                    msg.offset()
                ))
            }
        };
        out.entry(task).or_default().push(seqno);
        if let Some(&high) = remaining.get(&msg.partition()) {
            if msg.offset() + 1 >= high {
                remaining.remove(&msg.partition());
            }
        }
    }
    Ok(out)
}

/// What the verifiable connectors' JSON lines say.
#[derive(Debug, Default)]
pub struct ConnectorLogs {
    /// Source seqnos acknowledged by Kafka ("committed": true), per task.
    pub source_acked: BTreeMap<u32, BTreeSet<u64>>,
    /// Per source task, per task instance (file): when it polled or had records
    /// acknowledged (epoch ms): when that instance was alive and working.
    pub source_activity: BTreeMap<u32, BTreeMap<String, Vec<f64>>>,
    /// Per source task: when Kafka acknowledged its records (epoch ms), any instance.
    pub source_acked_at: BTreeMap<u32, Vec<f64>>,
    /// Sink seqnos flushed ("flushed": true), per source task, with repeats.
    pub sink_flushed: BTreeMap<u32, Vec<u64>>,
    /// Lines that were not JSON objects of the expected shape (a torn last line of a
    /// killed process is expected; more than a few is a bug).
    pub malformed: usize,
}

impl ConnectorLogs {
    pub fn read(dir: &Path) -> Result<ConnectorLogs, String> {
        let mut logs = ConnectorLogs::default();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(logs),
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".jsonl") {
                continue;
            }
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let is_source = name.contains(".source.");
            for line in text.lines() {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                    logs.malformed += 1;
                    continue;
                };
                let (Some(task), Some(seqno)) = (v["task"].as_u64(), v["seqno"].as_u64()) else {
                    logs.malformed += 1;
                    continue;
                };
                let task = task as u32;
                if is_source {
                    if let Some(t) = v["time_ms"].as_f64() {
                        logs.source_activity
                            .entry(task)
                            .or_default()
                            .entry(name.clone())
                            .or_default()
                            .push(t);
                    }
                    if v["committed"] == true {
                        logs.source_acked.entry(task).or_default().insert(seqno);
                        if let Some(t) = v["time_ms"].as_f64() {
                            logs.source_acked_at.entry(task).or_default().push(t);
                        }
                    }
                } else if v["flushed"] == true {
                    logs.sink_flushed.entry(task).or_default().push(seqno);
                }
            }
        }
        for instances in logs.source_activity.values_mut() {
            for times in instances.values_mut() {
                times.sort_by(f64::total_cmp);
            }
        }
        Ok(logs)
    }

    /// Per source task, the longest time Kafka acknowledged none of its records, with
    /// when it began (epoch ms): how long the task's data was stalled at worst.
    pub fn longest_stalls(&self) -> BTreeMap<u32, (f64, f64)> {
        self.source_acked_at
            .iter()
            .map(|(&task, times)| {
                let mut all = times.clone();
                all.sort_by(f64::total_cmp);
                let stall = all
                    .windows(2)
                    .map(|w| (w[1] - w[0], w[0]))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .unwrap_or((0.0, 0.0));
                (task, stall)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_connector_logs_and_tolerates_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("verifiable-source.source.task0.1-1.jsonl"),
            concat!(
                r#"{"name":"s","task":0,"topic":"t","time_ms":1000,"seqno":0}"#,
                "\n",
                r#"{"name":"s","task":0,"topic":"t","time_ms":1001,"seqno":0,"committed":true}"#,
                "\n",
                r#"{"name":"s","task":0,"topic":"t","time_ms":4000,"seqno":1,"committed":true}"#,
                "\n",
                r#"{"name":"s","task":0,"to"#,
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("verifiable-sink.sink.task0.1-1.jsonl"),
            concat!(
                r#"{"name":"k","task":0,"sinkTask":0,"topic":"t","time_ms":1,"seqno":0,"offset":0}"#,
                "\n",
                r#"{"name":"k","task":0,"sinkTask":0,"topic":"t","time_ms":2,"seqno":0,"offset":0,"flushed":true}"#,
                "\n",
            ),
        )
        .unwrap();
        let logs = ConnectorLogs::read(dir.path()).unwrap();
        assert_eq!(logs.source_acked[&0], BTreeSet::from([0, 1]));
        assert_eq!(logs.sink_flushed[&0], vec![0]);
        assert_eq!(logs.malformed, 1);
        assert_eq!(logs.longest_stalls()[&0], (2999.0, 1001.0));
    }
}
