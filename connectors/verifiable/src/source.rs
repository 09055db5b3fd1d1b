//! The verifiable source: per task, the sequence 0, 1, 2, … as records, each logged as
//! a JSON line when polled and again when Kafka acknowledges it. Kafka's
//! `VerifiableSourceConnector` and `VerifiableSourceTask`.
//!
//! # Behaviour (as Kafka's)
//!
//! * Keys: `topic` (required), `throughput` (long, required: records per second per
//!   task; negative means unlimited, 0 produces nothing), `complete.record.data`
//!   (boolean, default false). Task configs are `tasks.max` copies of the connector's
//!   config with `id` = the task index.
//! * Source partition `{"id": <task id>}`, offset `{"seqno": <n>}`; a started task
//!   resumes at the committed seqno + 1 (0 without one).
//! * Record: key the task id (INT32), value the seqno (INT64), or with
//!   `complete.record.data=true` a struct {name, task, topic, time_ms, seqno}.
//! * Polled: `{"name":..,"task":..,"topic":..,"time_ms":..,"seqno":..}`;
//!   acknowledged: the same with `"committed":true`.
//!
//! # Deviations from Kafka
//!
//! * `poll` returns batches (up to [`MAX_BATCH`], about 10 ms worth when throttled)
//!   rather than one record, and never sleeps more than about a second.
//! * The `"committed"` line is written only for records Kafka acknowledged; Kafka's also
//!   follows records a transformation dropped (its `commitRecord` gets null metadata).
//! * Our `verifiable.log.dir` key sends lines to a file per task instance (see
//!   [`crate::log`]); a committed offset without an integer seqno fails the task.

use std::time::Duration;

use async_trait::async_trait;
use connect_api::config::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use connect_api::{
    ConnectError, Connector, ConnectorContext, ConnectorKind, Props, RecordMetadata, Schema,
    SchemaBuilder, SchemaRef, SourceConnector, SourcePartition, SourceRecord, SourceTask,
    SourceTaskContext, Struct, Value,
};
use serde::Serialize;
use tokio::time::Instant;

use crate::log::{push_line, LineLog};
use crate::{
    now_ms, numbered_task_configs, VerifiableError, ID_CONFIG, LOG_DIR_CONFIG, NAME_CONFIG, VERSION,
};

pub const TOPIC_CONFIG: &str = "topic";
pub const THROUGHPUT_CONFIG: &str = "throughput";
pub const COMPLETE_RECORD_DATA_CONFIG: &str = "complete.record.data";

/// The source partition key: `{"id": 0}`.
pub const ID_FIELD: &str = "id";
/// The source offset key: `{"seqno": 41}`.
pub const SEQNO_FIELD: &str = "seqno";

/// Records per poll at most.
pub const MAX_BATCH: usize = 1000;
/// The longest a poll waits for its next record to be due (the runtime needs `poll` to
/// return about every second to stop or pause the task).
pub const MAX_WAIT: Duration = Duration::from_secs(1);

/// The connector's keys. Kafka declares none and parses them in the task; declaring them
/// lets validation name missing or malformed ones before the task starts.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(TOPIC_CONFIG, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("The topic to produce the sequence numbers to"),
        )
        .define(
            ConfigKey::new(THROUGHPUT_CONFIG, ConfigType::Long)
                .importance(Importance::High)
                .doc("Records per second each task produces; negative for no limit, 0 to produce nothing"),
        )
        .define(
            ConfigKey::new(COMPLETE_RECORD_DATA_CONFIG, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Low)
                .doc("Whether each record's value is the whole logged data (a struct of name, task, topic, time_ms and seqno) instead of the seqno"),
        )
        .define(
            ConfigKey::new(LOG_DIR_CONFIG, ConfigType::String)
                .default_null()
                .importance(Importance::Medium)
                .doc("Directory for one JSON-lines file per task instance; standard output when not set"),
        )
}

/// The task's keys: the connector's plus those the runtime and connector add.
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

/// Kafka's `VerifiableSourceConnector`: `tasks.max` numbered copies of its config.
#[derive(Debug, Default)]
pub struct VerifiableSourceConnector {
    props: Props,
}

impl VerifiableSourceConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for VerifiableSourceConnector {
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

impl SourceConnector for VerifiableSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(VerifiableSourceTask::new())
    }
}

/// One logged line; the field order is the line's.
#[derive(Serialize)]
struct Line<'a> {
    name: &'a str,
    task: i32,
    topic: &'a str,
    time_ms: i64,
    seqno: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    committed: Option<bool>,
}

/// Paces records to `per_sec` since a reference point (as Kafka's
/// `ThroughputThrottler`), in batches of about 10 ms worth.
#[derive(Debug)]
struct Pacer {
    per_sec: i64,
    since: Instant,
    sent: u64,
}

impl Pacer {
    fn new(per_sec: i64) -> Self {
        Pacer {
            per_sec,
            since: Instant::now(),
            sent: 0,
        }
    }

    fn batch(&self) -> u64 {
        (self.per_sec as u64 / 100).clamp(1, MAX_BATCH as u64)
    }

    /// Records due at `now` and not yet sent.
    fn due(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.since).as_secs_f64();
        ((elapsed * self.per_sec as f64) as u64).saturating_sub(self.sent)
    }

    /// How many records to produce now, after waiting (at most [`MAX_WAIT`]) for a
    /// batch to be due.
    async fn take(&mut self) -> usize {
        if self.per_sec < 0 {
            return MAX_BATCH;
        }
        if self.per_sec == 0 {
            tokio::time::sleep(MAX_WAIT).await;
            return 0;
        }
        let mut now = Instant::now();
        // More than a second behind (paused, or Kafka pushed back): start afresh
        // rather than burst to catch up.
        if self.due(now) > self.per_sec as u64 + self.batch() {
            self.since = now;
            self.sent = 0;
        }
        if self.due(now) < self.batch() {
            let at = self.since
                + Duration::from_secs_f64((self.sent + self.batch()) as f64 / self.per_sec as f64);
            tokio::time::sleep_until(at.min(now + MAX_WAIT)).await;
            now = Instant::now();
        }
        let n = self.due(now).min(MAX_BATCH as u64);
        self.sent += n;
        n as usize
    }
}

fn complete_value_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .field("name", Schema::string())
        .field("task", Schema::int32())
        .field("topic", Schema::string())
        .field("time_ms", Schema::int64())
        .field("seqno", Schema::int64())
        .build()
}

/// Kafka's `VerifiableSourceTask`. See the [module docs](self).
pub struct VerifiableSourceTask {
    name: String,
    id: i32,
    topic: String,
    complete_record_data: bool,
    partition: SourcePartition,
    seqno: i64,
    pacer: Pacer,
    log: LineLog,
    key_schema: SchemaRef,
    value_schema: SchemaRef,
    complete_schema: SchemaRef,
    lines: Vec<u8>,
}

impl Default for VerifiableSourceTask {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifiableSourceTask {
    pub fn new() -> Self {
        VerifiableSourceTask {
            name: String::new(),
            id: 0,
            topic: String::new(),
            complete_record_data: false,
            partition: SourcePartition::new(),
            seqno: 0,
            pacer: Pacer::new(-1),
            log: LineLog::Stdout,
            key_schema: Schema::int32(),
            value_schema: Schema::int64(),
            complete_schema: complete_value_schema(),
            lines: Vec::new(),
        }
    }

    /// The file this task logs to (None: stdout).
    pub fn log_path(&self) -> Option<&std::path::Path> {
        self.log.path()
    }

    /// The next seqno this task will produce.
    pub fn next_seqno(&self) -> i64 {
        self.seqno
    }

    fn record(&self, seqno: i64, time_ms: i64) -> Result<SourceRecord, ConnectError> {
        let offset = [(SEQNO_FIELD.to_string(), seqno.into())]
            .into_iter()
            .collect();
        let (schema, value) = if self.complete_record_data {
            let value = Struct::new(self.complete_schema.clone())?
                .with("name", self.name.as_str())?
                .with("task", self.id)?
                .with("topic", self.topic.as_str())?
                .with("time_ms", time_ms)?
                .with("seqno", seqno)?;
            (self.complete_schema.clone(), Value::Struct(value))
        } else {
            (self.value_schema.clone(), Value::Int64(seqno))
        };
        let mut record = SourceRecord::new(
            self.partition.clone(),
            offset,
            self.topic.clone(),
            Some(schema),
            value,
        );
        record.record.key_schema = Some(self.key_schema.clone());
        record.record.key = Value::Int32(self.id);
        Ok(record)
    }

    fn line(&self, time_ms: i64, seqno: i64, committed: Option<bool>) -> Line<'_> {
        Line {
            name: &self.name,
            task: self.id,
            topic: &self.topic,
            time_ms,
            seqno,
            committed,
        }
    }
}

/// The seqno a record carries: its source offset's (what the task wrote), else its value.
fn seqno_of(record: &SourceRecord) -> Option<i64> {
    match record.source_offset.get(SEQNO_FIELD) {
        Some(v) => v.as_i64(),
        None => match &record.record.value {
            Value::Int64(n) => Some(*n),
            _ => None,
        },
    }
}

#[async_trait]
impl SourceTask for VerifiableSourceTask {
    async fn start(
        &mut self,
        context: SourceTaskContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let parsed = task_config_def().parse_connector_config(&props)?;
        self.name = parsed
            .get_string(NAME_CONFIG)
            .unwrap_or_default()
            .to_string();
        self.id = parsed.get_int(ID_CONFIG);
        self.topic = parsed
            .get_string(TOPIC_CONFIG)
            .unwrap_or_default()
            .to_string();
        self.complete_record_data = parsed.get_bool(COMPLETE_RECORD_DATA_CONFIG);
        self.partition = [(ID_FIELD.to_string(), self.id.into())]
            .into_iter()
            .collect();
        self.seqno = match context.offsets.offset(&self.partition) {
            None => 0,
            Some(offset) => match offset.get(SEQNO_FIELD).and_then(|v| v.as_i64()) {
                Some(n) => n.saturating_add(1),
                None => {
                    return Err(VerifiableError::BadOffset {
                        task: self.id,
                        offset: serde_json::Value::Object(offset).to_string(),
                    }
                    .into())
                }
            },
        };
        self.log = LineLog::open(
            parsed.get_string(LOG_DIR_CONFIG).filter(|d| !d.is_empty()),
            &self.name,
            ConnectorKind::Source,
            self.id,
        )?;
        self.pacer = Pacer::new(parsed.get_long(THROUGHPUT_CONFIG));
        tracing::info!(
            "Started VerifiableSourceTask {}-{} producing to topic {} resuming from seqno {}",
            self.name,
            self.id,
            self.topic,
            self.seqno
        );
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        let n = self.pacer.take().await;
        if n == 0 {
            return Ok(Vec::new());
        }
        let time_ms = now_ms();
        let mut records = Vec::with_capacity(n);
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        for seqno in self.seqno..self.seqno + n as i64 {
            push_line(&mut lines, &self.line(time_ms, seqno, None));
            records.push(self.record(seqno, time_ms)?);
        }
        // Logged before the records are returned: a line exists for every record the
        // runtime may produce.
        let written = self.log.append(&lines);
        self.lines = lines;
        written?;
        self.seqno += n as i64;
        Ok(records)
    }

    fn wants_commit_record(&self) -> bool {
        true
    }

    async fn commit_record(
        &mut self,
        record: &SourceRecord,
        metadata: Option<&RecordMetadata>,
    ) -> Result<(), ConnectError> {
        if metadata.is_none() {
            return Ok(());
        }
        let Some(seqno) = seqno_of(record) else {
            return Ok(());
        };
        let mut line = Vec::with_capacity(128);
        push_line(&mut line, &self.line(now_ms(), seqno, Some(true)));
        self.log.append(&line)?;
        Ok(())
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use connect_api::{OffsetReader, SourceOffset};

    use super::*;

    struct Offsets(Option<SourceOffset>);

    impl OffsetReader for Offsets {
        fn offset(&self, partition: &SourcePartition) -> Option<SourceOffset> {
            assert_eq!(
                serde_json::Value::Object(partition.clone()).to_string(),
                r#"{"id":2}"#
            );
            self.0.clone()
        }
    }

    fn context(offset: Option<&str>) -> SourceTaskContext {
        SourceTaskContext {
            offsets: Arc::new(Offsets(offset.map(|o| serde_json::from_str(o).unwrap()))),
        }
    }

    fn props(dir: &std::path::Path, throughput: &str) -> Props {
        [
            (NAME_CONFIG, "vs"),
            (ID_CONFIG, "2"),
            (TOPIC_CONFIG, "seq"),
            (THROUGHPUT_CONFIG, throughput),
            (LOG_DIR_CONFIG, dir.to_str().unwrap()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn lines(task: &VerifiableSourceTask) -> Vec<serde_json::Value> {
        std::fs::read_to_string(task.log_path().unwrap())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn validation_names_missing_and_malformed_keys() {
        let def = config_def();
        let err = def.parse_connector_config(&Props::new()).unwrap_err();
        assert!(err.to_string().contains("topic"), "{err}");
        let p: Props = [("topic".to_string(), "t".to_string())].into();
        let err = def.parse_connector_config(&p).unwrap_err();
        assert!(
            matches!(&err, ConnectError::Config { key, .. } if key == THROUGHPUT_CONFIG),
            "{err}"
        );
        let mut p = p;
        p.insert(THROUGHPUT_CONFIG.into(), "fast".into());
        let err = def.parse_connector_config(&p).unwrap_err();
        assert!(err.to_string().contains(THROUGHPUT_CONFIG), "{err}");
        p.insert(THROUGHPUT_CONFIG.into(), "-1".into());
        def.parse_connector_config(&p).unwrap();
        let infos = def.validate(&Props::new());
        assert_eq!(infos.error_count, 2, "{infos:?}");
    }

    #[tokio::test]
    async fn connector_numbers_its_tasks() {
        let mut c = VerifiableSourceConnector::new();
        let p: Props = [("topic", "t"), ("throughput", "10"), ("name", "vs")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        c.start(ConnectorContext::new(), p).await.unwrap();
        let configs = c.task_configs(2).await.unwrap();
        assert_eq!(configs[1].get(ID_CONFIG).map(String::as_str), Some("1"));
        let mut bad = VerifiableSourceConnector::new();
        assert!(bad
            .start(ConnectorContext::new(), Props::new())
            .await
            .is_err());
    }

    #[tokio::test]
    async fn produces_the_sequence_and_logs_polled_and_committed_lines() {
        let dir = tempfile::tempdir().unwrap();
        let mut task = VerifiableSourceTask::new();
        task.start(context(None), props(dir.path(), "-1"))
            .await
            .unwrap();
        let records = task.poll().await.unwrap();
        assert_eq!(records.len(), MAX_BATCH);
        for (i, r) in records.iter().enumerate() {
            assert_eq!(r.record.key, Value::Int32(2));
            assert_eq!(r.record.value, Value::Int64(i as i64));
            assert_eq!(r.record.topic, "seq");
            assert_eq!(
                serde_json::Value::Object(r.source_offset.clone()).to_string(),
                format!(r#"{{"seqno":{i}}}"#)
            );
        }
        let meta = RecordMetadata {
            topic: "seq".into(),
            partition: 0,
            offset: 0,
        };
        assert!(task.wants_commit_record());
        task.commit_record(&records[0], Some(&meta)).await.unwrap();
        task.commit_record(&records[1], None).await.unwrap();
        let logged = lines(&task);
        assert_eq!(logged.len(), MAX_BATCH + 1);
        let first = logged[0].as_object().unwrap();
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            ["name", "task", "topic", "time_ms", "seqno"]
        );
        assert_eq!(first["name"], "vs");
        assert_eq!(first["task"], 2);
        assert_eq!(first["topic"], "seq");
        assert_eq!(first["seqno"], 0);
        assert!(first["time_ms"].as_i64().unwrap() > 1_600_000_000_000);
        let committed = &logged[MAX_BATCH];
        assert_eq!(committed["seqno"], 0);
        assert_eq!(committed["committed"], true);
    }

    #[tokio::test]
    async fn resumes_after_the_committed_seqno() {
        let dir = tempfile::tempdir().unwrap();
        let mut task = VerifiableSourceTask::new();
        task.start(context(Some(r#"{"seqno":41}"#)), props(dir.path(), "-1"))
            .await
            .unwrap();
        assert_eq!(task.next_seqno(), 42);
        let records = task.poll().await.unwrap();
        assert_eq!(records[0].record.value, Value::Int64(42));

        let mut task = VerifiableSourceTask::new();
        let err = task
            .start(context(Some(r#"{"seqno":"x"}"#)), props(dir.path(), "-1"))
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("seqno"), "{err}");
    }

    #[tokio::test]
    async fn complete_record_data_makes_a_struct_value() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = props(dir.path(), "-1");
        p.insert(COMPLETE_RECORD_DATA_CONFIG.into(), "true".into());
        let mut task = VerifiableSourceTask::new();
        task.start(context(None), p).await.unwrap();
        let records = task.poll().await.unwrap();
        let Value::Struct(s) = &records[3].record.value else {
            panic!("not a struct: {:?}", records[3].record.value);
        };
        assert_eq!(s.get("seqno"), Some(&Value::Int64(3)));
        assert_eq!(s.get("task"), Some(&Value::Int32(2)));
        assert_eq!(seqno_of(&records[3]), Some(3));
    }

    #[tokio::test]
    async fn throughput_paces_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut task = VerifiableSourceTask::new();
        task.start(context(None), props(dir.path(), "200"))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let mut n = 0;
        while started.elapsed() < Duration::from_millis(1000) {
            let batch = task.poll().await.unwrap();
            assert!(batch.len() <= 10, "{}", batch.len());
            n += batch.len();
        }
        assert!((150..=230).contains(&n), "{n} records in 1 s at 200/s");
    }

    #[tokio::test]
    async fn zero_throughput_produces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut task = VerifiableSourceTask::new();
        task.start(context(None), props(dir.path(), "0"))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        assert!(task.poll().await.unwrap().is_empty());
        assert!(started.elapsed() <= MAX_WAIT + Duration::from_millis(500));
    }

    #[tokio::test]
    async fn an_unwritable_log_dir_fails_start_naming_key_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let bad = file.join("logs");
        let mut task = VerifiableSourceTask::new();
        let err = task
            .start(context(None), props(&bad, "-1"))
            .await
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(msg.contains(LOG_DIR_CONFIG), "{msg}");
        assert!(msg.contains(bad.to_str().unwrap()), "{msg}");
    }
}
