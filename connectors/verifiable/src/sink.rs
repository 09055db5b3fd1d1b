//! The verifiable sink: logs a JSON line for every record put and again for each once
//! it is flushed, so a checker can tell which of the source's seqnos reached the sink
//! and which were flushed (their offsets committed). Kafka's `VerifiableSinkConnector`
//! and `VerifiableSinkTask`.
//!
//! # Behaviour (as Kafka's)
//!
//! * Task configs are `tasks.max` copies of the connector's config with `id` = index.
//! * Put: `{"name":..,"task":<record key>,"sinkTask":<id>,"topic":..,"time_ms":..,
//!   "seqno":<record value>,"offset":<kafka offset>}`; flush: each record put since the
//!   last flush again, with the flush's `time_ms` and `"flushed":true`.
//!
//! # Deviations from Kafka
//!
//! * Key and value must be integers (any width) or strings holding one, so both the
//!   source's INT32/INT64 and schemaless JSON (Int64) work; a value may also be the
//!   source's `complete.record.data` struct (or map) with an integer `seqno`. Anything
//!   else fails `put`, naming the record's topic, partition and offset (Kafka prints
//!   whatever it got).
//! * Our `verifiable.log.dir` key sends lines to a file per task instance (see
//!   [`crate::log`]).

use std::collections::HashMap;

use async_trait::async_trait;
use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use connect_api::{
    ConnectError, Connector, ConnectorContext, ConnectorKind, Props, SinkConnector, SinkRecord,
    SinkTask, SinkTaskContext, TopicPartition, Value,
};
use serde::Serialize;

use crate::log::{push_line, LineLog};
use crate::{
    now_ms, numbered_task_configs, VerifiableError, ID_CONFIG, LOG_DIR_CONFIG, NAME_CONFIG, VERSION,
};

/// The connector's keys: Kafka's sink has none of its own; ours has the log directory.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(LOG_DIR_CONFIG, ConfigType::String)
            .default_null()
            .importance(Importance::Medium)
            .doc(
                "Directory for one JSON-lines file per task instance; standard output when not set",
            ),
    )
}

fn task_config_def() -> ConfigDef {
    config_def()
        .define(
            ConfigKey::new(NAME_CONFIG, ConfigType::String)
                .importance(Importance::High)
                .doc("The connector's name"),
        )
        .define(
            ConfigKey::new(ID_CONFIG, ConfigType::Int)
                .importance(Importance::High)
                .doc("The task's index, set by the connector"),
        )
}

/// Kafka's `VerifiableSinkConnector`: `tasks.max` numbered copies of its config.
#[derive(Debug, Default)]
pub struct VerifiableSinkConnector {
    props: Props,
}

impl VerifiableSinkConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for VerifiableSinkConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    async fn start(
        &mut self,
        _context: ConnectorContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        config_def().parse_connector_config(&props)?;
        self.props = props;
        Ok(())
    }

    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        Ok(numbered_task_configs(&self.props, max_tasks))
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl SinkConnector for VerifiableSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(VerifiableSinkTask::new())
    }
}

/// A record put and not yet flushed: what its lines need.
#[derive(Debug, Clone)]
struct Seen {
    task: i64,
    topic: String,
    seqno: i64,
    offset: i64,
}

/// One logged line; the field order is the line's.
#[derive(Serialize)]
struct Line<'a> {
    name: &'a str,
    task: i64,
    #[serde(rename = "sinkTask")]
    sink_task: i32,
    topic: &'a str,
    time_ms: i64,
    seqno: i64,
    offset: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    flushed: Option<bool>,
}

/// An integer the verifiable source wrote, however the converter handed it back.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Int8(n) => Some(i64::from(*n)),
        Value::Int16(n) => Some(i64::from(*n)),
        Value::Int32(n) => Some(i64::from(*n)),
        Value::Int64(n) => Some(*n),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The seqno of a value: an integer, or the `seqno` of a `complete.record.data` value.
fn seqno(value: &Value) -> Option<i64> {
    match value {
        Value::Struct(s) => s.get("seqno").and_then(integer),
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(k, Value::String(k) if k == "seqno"))
            .and_then(|(_, v)| integer(v)),
        other => integer(other),
    }
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 100 {
        let cut = (0..=100)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}…", &text[..cut])
    } else {
        text
    }
}

/// Kafka's `VerifiableSinkTask`. See the [module docs](self).
#[derive(Debug)]
pub struct VerifiableSinkTask {
    name: String,
    id: i32,
    log: LineLog,
    unflushed: Vec<Seen>,
    lines: Vec<u8>,
}

impl Default for VerifiableSinkTask {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifiableSinkTask {
    pub fn new() -> Self {
        VerifiableSinkTask {
            name: String::new(),
            id: 0,
            log: LineLog::Stdout,
            unflushed: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// The file this task logs to (None: stdout).
    pub fn log_path(&self) -> Option<&std::path::Path> {
        self.log.path()
    }

    fn read(record: &SinkRecord) -> Result<Seen, VerifiableError> {
        let bad = |field, value: &Value| VerifiableError::NotAnInteger {
            field,
            topic: record.topic().to_string(),
            partition: record.kafka_partition(),
            offset: record.kafka_offset,
            found: describe(value),
        };
        let key = &record.record.key;
        let value = &record.record.value;
        Ok(Seen {
            task: integer(key).ok_or_else(|| bad("key", key))?,
            topic: record.topic().to_string(),
            seqno: seqno(value).ok_or_else(|| bad("value", value))?,
            offset: record.kafka_offset,
        })
    }

    fn push(&mut self, seen: &Seen, time_ms: i64, flushed: Option<bool>) {
        let line = Line {
            name: &self.name,
            task: seen.task,
            sink_task: self.id,
            topic: &seen.topic,
            time_ms,
            seqno: seen.seqno,
            offset: seen.offset,
            flushed,
        };
        push_line(&mut self.lines, &line);
    }

    /// Writes the lines gathered in `self.lines` as one append.
    fn write_lines(&mut self) -> Result<(), ConnectError> {
        let result = self.log.append(&self.lines);
        self.lines.clear();
        Ok(result?)
    }
}

#[async_trait]
impl SinkTask for VerifiableSinkTask {
    async fn start(&mut self, _context: SinkTaskContext, props: Props) -> Result<(), ConnectError> {
        let parsed = task_config_def().parse_connector_config(&props)?;
        self.name = parsed
            .get_string(NAME_CONFIG)
            .unwrap_or_default()
            .to_string();
        self.id = parsed.get_int(ID_CONFIG);
        self.unflushed.clear();
        self.log = LineLog::open(
            parsed.get_string(LOG_DIR_CONFIG).filter(|d| !d.is_empty()),
            &self.name,
            ConnectorKind::Sink,
            self.id,
        )?;
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        // Every record is checked before any is logged: a failed put logs nothing.
        let seen = records
            .iter()
            .map(Self::read)
            .collect::<Result<Vec<_>, _>>()?;
        let time_ms = now_ms();
        self.lines.clear();
        for s in &seen {
            self.push(s, time_ms, None);
        }
        self.write_lines()?;
        self.unflushed.extend(seen);
        Ok(())
    }

    async fn flush(&mut self, _offsets: &HashMap<TopicPartition, i64>) -> Result<(), ConnectError> {
        if self.unflushed.is_empty() {
            return Ok(());
        }
        let time_ms = now_ms();
        let unflushed = std::mem::take(&mut self.unflushed);
        self.lines.clear();
        for s in &unflushed {
            self.push(s, time_ms, Some(true));
        }
        if let Err(e) = self.write_lines() {
            // Not logged as flushed: keep them for the next flush.
            self.unflushed = unflushed;
            return Err(e);
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use connect_api::{Record, Schema, SchemaBuilder, Struct};

    use super::*;

    fn record(offset: i64, key: Value, value: Value) -> SinkRecord {
        SinkRecord {
            record: Record {
                topic: "seq".into(),
                kafka_partition: Some(1),
                key,
                value,
                ..Record::default()
            },
            kafka_offset: offset,
            original_topic: "seq".into(),
            original_kafka_partition: 1,
            original_kafka_offset: offset,
            ..SinkRecord::default()
        }
    }

    fn props(dir: &std::path::Path) -> Props {
        [
            (NAME_CONFIG, "vsink"),
            (ID_CONFIG, "1"),
            (LOG_DIR_CONFIG, dir.to_str().unwrap()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn lines(task: &VerifiableSinkTask) -> Vec<serde_json::Map<String, serde_json::Value>> {
        std::fs::read_to_string(task.log_path().unwrap())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    async fn started(dir: &std::path::Path) -> VerifiableSinkTask {
        let mut task = VerifiableSinkTask::new();
        task.start(SinkTaskContext::default(), props(dir))
            .await
            .unwrap();
        task
    }

    #[tokio::test]
    async fn logs_put_records_then_flushed_ones_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut task = started(dir.path()).await;
        task.put(vec![
            record(10, Value::Int32(0), Value::Int64(5)),
            record(11, Value::Int64(3), Value::String("6".into())),
        ])
        .await
        .unwrap();
        let logged = lines(&task);
        assert_eq!(logged.len(), 2);
        assert_eq!(
            logged[0].keys().collect::<Vec<_>>(),
            ["name", "task", "sinkTask", "topic", "time_ms", "seqno", "offset"]
        );
        assert_eq!(logged[0]["name"], "vsink");
        assert_eq!(logged[0]["task"], 0);
        assert_eq!(logged[0]["sinkTask"], 1);
        assert_eq!(logged[0]["topic"], "seq");
        assert_eq!(logged[0]["seqno"], 5);
        assert_eq!(logged[0]["offset"], 10);
        assert_eq!(logged[1]["task"], 3);
        assert_eq!(logged[1]["seqno"], 6);

        task.flush(&HashMap::new()).await.unwrap();
        let logged = lines(&task);
        assert_eq!(logged.len(), 4);
        for (i, line) in logged[2..].iter().enumerate() {
            assert_eq!(line["flushed"], true);
            assert_eq!(line["offset"], 10 + i as i64);
        }
        // Flushed ones are not logged again.
        task.flush(&HashMap::new()).await.unwrap();
        task.put(vec![record(12, Value::Int8(0), Value::Int16(7))])
            .await
            .unwrap();
        task.pre_commit(&HashMap::new()).await.unwrap();
        let logged = lines(&task);
        assert_eq!(logged.len(), 6);
        assert_eq!(logged[5]["seqno"], 7);
        assert_eq!(logged[5]["flushed"], true);
    }

    #[tokio::test]
    async fn complete_record_data_values_give_their_seqno() {
        let dir = tempfile::tempdir().unwrap();
        let mut task = started(dir.path()).await;
        let schema = SchemaBuilder::struct_()
            .field("seqno", Schema::int64())
            .build();
        let s = Struct::new(schema).unwrap().with("seqno", 9i64).unwrap();
        let map = Value::Map(vec![("seqno".into(), Value::Int64(10))]);
        task.put(vec![
            record(0, Value::Int32(0), Value::Struct(s)),
            record(1, Value::Int32(0), map),
        ])
        .await
        .unwrap();
        let logged = lines(&task);
        assert_eq!(logged[0]["seqno"], 9);
        assert_eq!(logged[1]["seqno"], 10);
    }

    #[tokio::test]
    async fn non_integer_keys_and_values_fail_put_naming_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut task = started(dir.path()).await;
        for (key, value, field) in [
            (Value::Null, Value::Int64(1), "key"),
            (Value::String("x".into()), Value::Int64(1), "key"),
            (Value::Int32(0), Value::Float64(1.5), "value"),
            (Value::Int32(0), Value::Null, "value"),
        ] {
            let err = task
                .put(vec![
                    record(1, Value::Int32(0), Value::Int64(0)),
                    record(7, key, value),
                ])
                .await
                .unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, ConnectError::Data(_)), "{msg}");
            assert!(
                msg.contains(&format!(
                    "the {field} of the record at topic seq partition 1 offset 7"
                )),
                "{msg}"
            );
        }
        // Nothing from the failed batches was logged or kept for flushing.
        task.flush(&HashMap::new()).await.unwrap();
        assert!(lines(&task).is_empty());
    }

    #[tokio::test]
    async fn connector_numbers_tasks_and_start_needs_an_id() {
        let mut c = VerifiableSinkConnector::new();
        c.start(
            ConnectorContext::new(),
            [("name".to_string(), "s".to_string())].into(),
        )
        .await
        .unwrap();
        let configs = c.task_configs(3).await.unwrap();
        assert_eq!(configs[2].get(ID_CONFIG).map(String::as_str), Some("2"));
        let mut task = VerifiableSinkTask::new();
        let err = task
            .start(
                SinkTaskContext::default(),
                [("name".to_string(), "s".to_string())].into(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ConnectError::Config { key, .. } if key == ID_CONFIG),
            "{err}"
        );
    }
}
