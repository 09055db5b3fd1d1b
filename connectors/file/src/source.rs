//! The FileStream source: reads a file (or stdin) line by line, one string record per
//! line, tailing the file as it grows. Kafka's `FileStreamSourceConnector` and
//! `FileStreamSourceTask`.
//!
//! # Behaviour (as Kafka's)
//!
//! * Keys: `file` (string, default null: absent or empty reads stdin), `topic`
//!   (string, required, non-empty) and `batch.size` (int, default 2000).
//! * The connector hands out exactly one task config (the connector's full config,
//!   KAFKA-13809), whatever `max_tasks` is.
//! * The task's source partition is `{"filename": <file>}`; each record's offset is
//!   `{"position": <byte position just past the line's terminator>}` (an integer). When
//!   the file is opened, the committed offset of that partition is looked up and
//!   reading resumes at that position, so no line is produced twice (or skipped).
//! * A line ends at `\n`, `\r\n` or a lone `\r`; the value is the line without its
//!   terminator, with a required string schema, a null key, and the wall-clock time as
//!   timestamp. A trailing `\r` is held back until the next byte shows whether it is a
//!   `\r\n`; a last line without terminator is not produced until its terminator
//!   arrives.
//! * If the file does not exist (yet), `poll` waits a second and returns no records;
//!   it tries again on the next poll (Kafka retries forever, so does this).
//! * When no complete line is available, `poll` returns an empty batch after waiting
//!   about a second ([`IDLE_WAIT`]); it never blocks longer, so the runtime can stop
//!   the task. Unlike Kafka, which sleeps the whole second, the file is checked for
//!   new data every [`RECHECK_INTERVAL`] meanwhile and lines are returned as soon as
//!   they appear.
//! * At most `batch.size` records per poll.
//!
//! # Deviations from Kafka
//!
//! * Offsets are byte positions. Kafka counts decoded UTF-16 characters but skips
//!   bytes on resume, so its offsets are wrong for files with non-ASCII text; ours
//!   are exact. Invalid UTF-8 is replaced by U+FFFD, as Java's decoder does.
//! * Stdin: Kafka produces partition `{"filename": null}` and offset
//!   `{"position": null}`; we produce empty maps for both (offsets are not tracked
//!   for stdin either way).
//! * When a poll stops at `batch.size`, Kafka leaves the remaining lines in its buffer
//!   until more data arrives in the file; we return them on the next poll.
//! * Read errors other than "file not found" are reported as errors naming the file
//!   (Kafka swallows read errors and returns no records). A committed position that is
//!   not a non-negative integer fails the task (Kafka rejects non-`Long` positions,
//!   and silently misbehaves on negative ones).
//! * `batch.size` below 1 behaves as 1, which is what Kafka's loop effectively does.

use std::io::{ErrorKind, SeekFrom};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use connect_api::config::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use connect_api::{
    ConnectError, Connector, ConnectorContext, Props, Schema, SchemaRef, SourceConnector,
    SourceOffset, SourcePartition, SourceRecord, SourceTask, SourceTaskContext, Value,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};
use tokio::time::Instant;

use crate::VERSION;

pub const FILE_CONFIG: &str = "file";
pub const TOPIC_CONFIG: &str = "topic";
pub const TASK_BATCH_SIZE_CONFIG: &str = "batch.size";
pub const DEFAULT_TASK_BATCH_SIZE: i32 = 2000;

/// The source partition key: `{"filename": "/path/to/file"}`.
pub const FILENAME_FIELD: &str = "filename";
/// The source offset key: `{"position": 1234}`.
pub const POSITION_FIELD: &str = "position";

/// How long `poll` waits for a complete line before returning an empty batch (Kafka's
/// `wait(1000)`).
pub const IDLE_WAIT: Duration = Duration::from_secs(1);
/// How often a file at its end is checked for new data while `poll` waits.
pub const RECHECK_INTERVAL: Duration = Duration::from_millis(100);

const READ_CHUNK: usize = 64 * 1024;

/// The source connector's configuration keys, as Kafka's `FileStreamSourceConnector.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FILE_CONFIG, ConfigType::String)
                .default_null()
                .importance(Importance::High)
                .doc("Source filename. If not specified, the standard input will be used"),
        )
        .define(
            ConfigKey::new(TOPIC_CONFIG, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("The topic to publish data to"),
        )
        .define(
            ConfigKey::new(TASK_BATCH_SIZE_CONFIG, ConfigType::Int)
                .default_value(ConfigValue::Int(DEFAULT_TASK_BATCH_SIZE))
                .importance(Importance::Low)
                .doc("The maximum number of records the source task can read from the file each time it is polled"),
        )
}

/// Reads the source settings; `file` is None for stdin (absent, null or empty).
fn parse_settings(props: &Props) -> Result<(Option<String>, String, i32), ConnectError> {
    let parsed = config_def().parse_connector_config(props)?;
    let file = parsed
        .get_string(FILE_CONFIG)
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    let topic = parsed
        .get_string(TOPIC_CONFIG)
        .unwrap_or_default()
        .to_string();
    let batch_size = parsed.get_int(TASK_BATCH_SIZE_CONFIG);
    Ok((file, topic, batch_size))
}

/// Kafka's `FileStreamSourceConnector`: validates its config and hands out one task
/// config, the connector's own.
#[derive(Debug, Default)]
pub struct FileStreamSourceConnector {
    props: Props,
}

impl FileStreamSourceConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for FileStreamSourceConnector {
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
        let (file, _, _) = parse_settings(&props)?;
        tracing::info!(
            "Starting file source connector reading from {}",
            file.as_deref().unwrap_or("standard input")
        );
        self.props = props;
        Ok(())
    }

    async fn task_configs(&mut self, _max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        // Only one input stream makes sense.
        Ok(vec![self.props.clone()])
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl SourceConnector for FileStreamSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(FileStreamSourceTask::new())
    }
}

type Reader = Box<dyn AsyncRead + Send + Unpin>;

/// Kafka's `FileStreamSourceTask`. See the [module docs](self) for its behaviour.
pub struct FileStreamSourceTask {
    context: Option<SourceTaskContext>,
    /// None reads stdin.
    filename: Option<String>,
    topic: String,
    batch_size: usize,
    /// None until the file is opened (stdin is "opened" by `start`).
    reader: Option<Reader>,
    /// Read instead of stdin when no file is configured (see [`Self::with_input`]).
    input_override: Option<Reader>,
    /// True once the reader hit its end; cleared when new data arrives.
    at_end: bool,
    /// Bytes read but not yet emitted as lines.
    buffer: Vec<u8>,
    /// The byte position of `buffer[0]` in the file; None for stdin.
    stream_offset: Option<i64>,
    partition: SourcePartition,
    value_schema: SchemaRef,
    idle_wait: Duration,
    recheck_interval: Duration,
}

impl Default for FileStreamSourceTask {
    fn default() -> Self {
        Self::new()
    }
}

impl FileStreamSourceTask {
    pub fn new() -> Self {
        FileStreamSourceTask {
            context: None,
            filename: None,
            topic: String::new(),
            batch_size: DEFAULT_TASK_BATCH_SIZE as usize,
            reader: None,
            input_override: None,
            at_end: false,
            buffer: Vec::new(),
            stream_offset: None,
            partition: SourcePartition::new(),
            value_schema: Schema::string(),
            idle_wait: IDLE_WAIT,
            recheck_interval: RECHECK_INTERVAL,
        }
    }

    /// Overrides how long an idle `poll` waits and how often it rechecks the file (tests).
    pub fn with_idle_wait(mut self, idle_wait: Duration, recheck_interval: Duration) -> Self {
        self.idle_wait = idle_wait;
        self.recheck_interval = recheck_interval;
        self
    }

    /// Reads from `reader` instead of stdin when no file is configured (tests, embedding).
    pub fn with_input(mut self, reader: impl AsyncRead + Send + Unpin + 'static) -> Self {
        self.input_override = Some(Box::new(reader));
        self
    }

    fn describe(&self) -> &str {
        self.filename.as_deref().unwrap_or("stdin")
    }

    /// Opens the file and seeks to the committed position. Ok(false) if it does not exist.
    async fn open_file(&mut self, filename: &str) -> Result<bool, ConnectError> {
        let mut file = match tokio::fs::File::open(filename).await {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(ConnectError::io(
                    format!("Error while trying to open file {filename}"),
                    e,
                ))
            }
        };
        let committed = self
            .context
            .as_ref()
            .and_then(|ctx| ctx.offsets.offset(&self.partition));
        let position = match committed.as_ref().and_then(|o| o.get(POSITION_FIELD)) {
            None | Some(serde_json::Value::Null) => 0,
            Some(serde_json::Value::Number(n)) if n.as_i64().is_some_and(|p| p >= 0) => {
                n.as_i64().unwrap_or_default()
            }
            Some(other) => {
                return Err(ConnectError::Other(format!(
                    "Offset position is the incorrect type for file {filename}: {other} (expected a non-negative integer)"
                )))
            }
        };
        if position > 0 {
            tracing::debug!("Found previous offset, trying to skip to file offset {position}");
            file.seek(SeekFrom::Start(position as u64)).await.map_err(|e| {
                ConnectError::io(
                    format!("Error while trying to seek to previous offset {position} in file {filename}"),
                    e,
                )
            })?;
        }
        self.stream_offset = Some(position);
        self.buffer.clear();
        self.reader = Some(Box::new(file));
        tracing::debug!("Opened {filename} for reading");
        Ok(true)
    }

    /// Kafka's `extractLine`: the first line in the buffer, if complete. A `\r` at the
    /// very end of the buffer is not a terminator yet: the next byte may be `\n`.
    fn extract_line(&mut self) -> Option<String> {
        let (until, new_start) = self.buffer.iter().enumerate().find_map(|(i, b)| match b {
            b'\n' => Some(Some((i, i + 1))),
            b'\r' => Some(match self.buffer.get(i + 1) {
                None => None,
                Some(b'\n') => Some((i, i + 2)),
                Some(_) => Some((i, i + 1)),
            }),
            _ => None,
        })??;
        let line = String::from_utf8_lossy(&self.buffer[..until]).into_owned();
        self.buffer.drain(..new_start);
        if let Some(offset) = self.stream_offset.as_mut() {
            *offset += new_start as i64;
        }
        Some(line)
    }

    fn record(&self, line: String) -> SourceRecord {
        let offset: SourceOffset = match self.stream_offset {
            Some(position) => [(POSITION_FIELD.to_string(), position.into())]
                .into_iter()
                .collect(),
            None => SourceOffset::new(),
        };
        let mut record = SourceRecord::new(
            self.partition.clone(),
            offset,
            self.topic.clone(),
            Some(self.value_schema.clone()),
            Value::String(line),
        );
        record.record.timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_millis() as i64);
        record
    }

    fn extract_records(&mut self, records: &mut Vec<SourceRecord>) {
        while records.len() < self.batch_size {
            match self.extract_line() {
                Some(line) => {
                    let record = self.record(line);
                    records.push(record);
                }
                None => break,
            }
        }
    }
}

#[async_trait]
impl SourceTask for FileStreamSourceTask {
    async fn start(
        &mut self,
        context: SourceTaskContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let (file, topic, batch_size) = parse_settings(&props)?;
        self.context = Some(context);
        self.topic = topic;
        self.batch_size = batch_size.max(1) as usize;
        self.buffer.clear();
        self.at_end = false;
        match file {
            Some(filename) => {
                self.partition = [(FILENAME_FIELD.to_string(), filename.clone().into())]
                    .into_iter()
                    .collect();
                self.filename = Some(filename);
                self.stream_offset = Some(0);
                self.reader = None;
            }
            None => {
                // Tracking offsets for stdin does not make sense.
                self.partition = SourcePartition::new();
                self.filename = None;
                self.stream_offset = None;
                self.reader = Some(match self.input_override.take() {
                    Some(reader) => reader,
                    None => Box::new(tokio::io::stdin()),
                });
            }
        }
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        let deadline = Instant::now() + self.idle_wait;
        if self.reader.is_none() {
            let filename = self.filename.clone().unwrap_or_default();
            if !self.open_file(&filename).await? {
                tracing::warn!(
                    "Couldn't find file {filename} for FileStreamSourceTask, sleeping to wait for it to be created"
                );
                tokio::time::sleep_until(deadline).await;
                return Ok(Vec::new());
            }
        }

        let mut records = Vec::new();
        let mut chunk = vec![0u8; READ_CHUNK];
        // Set once a read in this poll found nothing: back off before reading again.
        let mut hit_end = false;
        loop {
            self.extract_records(&mut records);
            if records.len() >= self.batch_size || (self.at_end && !records.is_empty()) {
                return Ok(records);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(records);
            }
            if hit_end {
                // Caught up with the file: wait a little for it to grow, then look again.
                tokio::time::sleep_until(deadline.min(now + self.recheck_interval)).await;
            }
            let reader = self.reader.as_mut().expect("reader opened above");
            // `read` is cancel-safe: if the deadline passes first, nothing was consumed.
            match tokio::time::timeout_at(deadline, reader.read(&mut chunk)).await {
                Err(_elapsed) => return Ok(records),
                Ok(Ok(0)) => {
                    self.at_end = true;
                    hit_end = true;
                }
                Ok(Ok(n)) => {
                    tracing::trace!("Read {n} bytes from {}", self.describe());
                    self.buffer.extend_from_slice(&chunk[..n]);
                    // A short read means we have caught up with the writer for now.
                    self.at_end = n < chunk.len();
                }
                Ok(Err(e)) => {
                    return Err(ConnectError::io(
                        format!("Error while reading from {}", self.describe()),
                        e,
                    ))
                }
            }
        }
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        tracing::trace!("Stopping");
        if self.filename.is_some() {
            // Closes the file; a later poll would reopen it at the committed offset.
            self.reader = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use connect_api::OffsetReader;
    use serde_json::json;
    use tokio::io::AsyncWriteExt;

    use super::*;

    const TOPIC: &str = "test";
    const FAST: Duration = Duration::from_millis(200);
    const RECHECK: Duration = Duration::from_millis(20);

    /// An offset store: what the runtime's `OffsetStorageReader` would return.
    #[derive(Default)]
    struct FakeOffsets {
        offsets: Mutex<HashMap<String, SourceOffset>>,
        lookups: Mutex<Vec<SourcePartition>>,
    }

    impl FakeOffsets {
        fn with(partition: &SourcePartition, offset: SourceOffset) -> Arc<Self> {
            let fake = FakeOffsets::default();
            fake.offsets
                .lock()
                .unwrap()
                .insert(serde_json::to_string(partition).unwrap(), offset);
            Arc::new(fake)
        }
    }

    impl OffsetReader for FakeOffsets {
        fn offset(&self, partition: &SourcePartition) -> Option<SourceOffset> {
            self.lookups.lock().unwrap().push(partition.clone());
            self.offsets
                .lock()
                .unwrap()
                .get(&serde_json::to_string(partition).unwrap())
                .cloned()
        }
    }

    fn props(file: &str) -> Props {
        [(FILE_CONFIG, file), (TOPIC_CONFIG, TOPIC)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn partition(file: &str) -> SourcePartition {
        json!({ "filename": file }).as_object().unwrap().clone()
    }

    fn offset(position: i64) -> SourceOffset {
        json!({ "position": position }).as_object().unwrap().clone()
    }

    fn values(records: &[SourceRecord]) -> Vec<&str> {
        records
            .iter()
            .map(|r| r.record.value.as_str().unwrap())
            .collect()
    }

    fn positions(records: &[SourceRecord]) -> Vec<i64> {
        records
            .iter()
            .map(|r| r.source_offset[POSITION_FIELD].as_i64().unwrap())
            .collect()
    }

    async fn started(props: Props, offsets: Arc<FakeOffsets>) -> FileStreamSourceTask {
        let mut task = FileStreamSourceTask::new().with_idle_wait(FAST, RECHECK);
        task.start(SourceTaskContext { offsets }, props)
            .await
            .unwrap();
        task
    }

    fn append(path: &std::path::Path, data: &[u8]) {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .unwrap();
        f.write_all(data).unwrap();
    }

    /// Kafka's FileStreamSourceTaskTest.testNormalLifecycle, same data and positions.
    #[tokio::test]
    async fn normal_lifecycle_matches_kafka() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, b"").unwrap();
        let file = path.to_str().unwrap();
        let offsets = Arc::new(FakeOffsets::default());
        let mut task = started(props(file), offsets.clone()).await;

        assert!(task.poll().await.unwrap().is_empty());
        assert_eq!(*offsets.lookups.lock().unwrap(), vec![partition(file)]);
        append(&path, b"partial line");
        assert!(
            task.poll().await.unwrap().is_empty(),
            "a partial line is held back"
        );
        append(&path, b" finished\n");
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["partial line finished"]);
        let r = &records[0];
        assert_eq!(r.record.topic, TOPIC);
        assert_eq!(r.source_partition, partition(file));
        assert_eq!(r.source_offset, offset(22));
        assert_eq!(r.record.value_schema, Some(Schema::string()));
        assert_eq!(r.record.key, Value::Null);
        assert!(r.record.key_schema.is_none());
        assert!(r.record.timestamp.is_some());
        assert!(task.poll().await.unwrap().is_empty());

        // Different line endings; the final \r is held until the next byte is known.
        append(&path, b"line1\rline2\r\nline3\nline4\n\r");
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["line1", "line2", "line3", "line4"]);
        assert_eq!(positions(&records), [28, 35, 41, 47]);

        append(&path, b"subsequent text");
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), [""]);
        assert_eq!(positions(&records), [48]);

        task.stop().await.unwrap();
        // Only looked up once, when the file was opened.
        assert_eq!(offsets.lookups.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn batches_are_capped_at_batch_size_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        let line = "Neque porro quisquam est qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit...\n";
        std::fs::write(&path, line.repeat(10_000)).unwrap();
        let mut p = props(path.to_str().unwrap());
        p.insert(TASK_BATCH_SIZE_CONFIG.into(), "3000".into());
        let mut task = started(p, Arc::new(FakeOffsets::default())).await;

        let mut sizes = Vec::new();
        let mut last_position = 0;
        for _ in 0..4 {
            let records = task.poll().await.unwrap();
            sizes.push(records.len());
            assert!(records
                .iter()
                .all(|r| r.record.value.as_str() == Some(line.trim_end())));
            let ps = positions(&records);
            assert!(ps.windows(2).all(|w| w[1] - w[0] == line.len() as i64));
            last_position = *ps.last().unwrap();
        }
        assert_eq!(sizes, [3000, 3000, 3000, 1000]);
        assert_eq!(last_position, (line.len() * 10_000) as i64);
        assert!(task.poll().await.unwrap().is_empty());
    }

    /// Kafka leaves lines beyond `batch.size` in its buffer until the file grows; we
    /// return them on the next polls, promptly.
    #[tokio::test]
    async fn buffered_lines_beyond_the_batch_come_out_without_new_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, b"1\n2\n3\n4\n5\n").unwrap();
        let mut p = props(path.to_str().unwrap());
        p.insert(TASK_BATCH_SIZE_CONFIG.into(), "2".into());
        let mut task = FileStreamSourceTask::new().with_idle_wait(Duration::from_secs(5), RECHECK);
        task.start(
            SourceTaskContext {
                offsets: Arc::new(FakeOffsets::default()),
            },
            p,
        )
        .await
        .unwrap();
        let started_at = Instant::now();
        assert_eq!(values(&task.poll().await.unwrap()), ["1", "2"]);
        assert_eq!(values(&task.poll().await.unwrap()), ["3", "4"]);
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["5"]);
        assert_eq!(positions(&records), [10]);
        assert!(started_at.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn default_batch_size_is_2000() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "x\n".repeat(2500)).unwrap();
        let mut task = started(
            props(path.to_str().unwrap()),
            Arc::new(FakeOffsets::default()),
        )
        .await;
        assert_eq!(task.poll().await.unwrap().len(), 2000);
        assert_eq!(task.poll().await.unwrap().len(), 500);
    }

    #[tokio::test]
    async fn resumes_at_the_committed_position_without_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        let file = path.to_str().unwrap();
        std::fs::write(&path, b"one\ntwo\r\nthree\nfour\npart").unwrap();

        // First run: read everything, remember the offset of "two".
        let mut task = started(props(file), Arc::new(FakeOffsets::default())).await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["one", "two", "three", "four"]);
        assert_eq!(positions(&records), [4, 9, 15, 20]);
        task.stop().await.unwrap();

        // Restart with "two" committed: the remaining lines, then the completed partial one.
        let offsets = FakeOffsets::with(&partition(file), records[1].source_offset.clone());
        let mut task = started(props(file), offsets).await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["three", "four"]);
        assert_eq!(positions(&records), [15, 20]);
        append(&path, b"ial\n");
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["partial"]);
        assert_eq!(positions(&records), [28]);
    }

    #[tokio::test]
    async fn position_at_or_past_the_end_waits_for_growth() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        let file = path.to_str().unwrap();
        std::fs::write(&path, b"a\nb\n").unwrap();
        let offsets = FakeOffsets::with(&partition(file), offset(4));
        let mut task = started(props(file), offsets).await;
        assert!(task.poll().await.unwrap().is_empty());
        append(&path, b"c\n");
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["c"]);
        assert_eq!(positions(&records), [6]);
    }

    #[tokio::test]
    async fn bad_committed_positions_fail_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        let file = path.to_str().unwrap();
        std::fs::write(&path, b"a\n").unwrap();
        for bad in [json!("10"), json!(1.5), json!(-3)] {
            let o = json!({ "position": bad }).as_object().unwrap().clone();
            let mut task = started(props(file), FakeOffsets::with(&partition(file), o)).await;
            let err = task.poll().await.unwrap_err();
            assert!(err.to_string().contains("incorrect type"), "{err}");
            assert!(err.to_string().contains(file), "{err}");
        }
        // A null position or an offset without one starts from the beginning.
        let o = json!({ "position": null }).as_object().unwrap().clone();
        let mut task = started(props(file), FakeOffsets::with(&partition(file), o)).await;
        assert_eq!(values(&task.poll().await.unwrap()), ["a"]);
    }

    #[tokio::test]
    async fn picks_up_lines_appended_while_polling() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, b"first\n").unwrap();
        let mut task = FileStreamSourceTask::new().with_idle_wait(Duration::from_secs(5), RECHECK);
        task.start(
            SourceTaskContext {
                offsets: Arc::new(FakeOffsets::default()),
            },
            props(path.to_str().unwrap()),
        )
        .await
        .unwrap();
        assert_eq!(values(&task.poll().await.unwrap()), ["first"]);

        let writer = {
            let path = path.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                append(&path, b"second\nthird\n");
            })
        };
        let started_at = Instant::now();
        let records = task.poll().await.unwrap();
        writer.await.unwrap();
        assert_eq!(values(&records), ["second", "third"]);
        assert_eq!(positions(&records), [13, 19]);
        assert!(
            started_at.elapsed() < Duration::from_secs(2),
            "returned as soon as lines appeared"
        );
    }

    #[tokio::test]
    async fn idle_poll_returns_after_about_the_idle_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, b"no terminator").unwrap();
        let mut task = started(
            props(path.to_str().unwrap()),
            Arc::new(FakeOffsets::default()),
        )
        .await;
        let started_at = Instant::now();
        assert!(task.poll().await.unwrap().is_empty());
        let took = started_at.elapsed();
        assert!(took >= FAST && took < FAST * 5, "{took:?}");
    }

    #[tokio::test]
    async fn default_idle_wait_is_one_second() {
        let task = FileStreamSourceTask::new();
        assert_eq!(task.idle_wait, Duration::from_secs(1));
    }

    /// Kafka's testInvalidFile: keeps retrying, returns nothing, until the file appears.
    #[tokio::test]
    async fn missing_file_is_retried_until_it_appears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("later.txt");
        let file = path.to_str().unwrap();
        let offsets = Arc::new(FakeOffsets::default());
        let mut task = started(props(file), offsets.clone()).await;
        for _ in 0..3 {
            let started_at = Instant::now();
            assert!(task.poll().await.unwrap().is_empty());
            assert!(started_at.elapsed() >= FAST);
        }
        assert!(
            offsets.lookups.lock().unwrap().is_empty(),
            "offsets are read once the file opens"
        );
        std::fs::write(&path, b"hello\n").unwrap();
        assert_eq!(values(&task.poll().await.unwrap()), ["hello"]);
    }

    #[tokio::test]
    async fn unreadable_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        // A directory opens on Linux but cannot be read.
        let file = dir.path().to_str().unwrap().to_string();
        let mut task = started(props(&file), Arc::new(FakeOffsets::default())).await;
        let err = task.poll().await.unwrap_err();
        assert!(err.to_string().contains(&file), "{err}");
    }

    #[tokio::test]
    async fn non_utf8_bytes_are_replaced_and_offsets_count_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.txt");
        std::fs::write(&path, b"caf\xc3\xa9\nbad\xff\n").unwrap();
        let mut task = started(
            props(path.to_str().unwrap()),
            Arc::new(FakeOffsets::default()),
        )
        .await;
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["caf\u{e9}", "bad\u{fffd}"]);
        assert_eq!(positions(&records), [6, 11]);
    }

    /// Kafka's testUsingSystemInputSourceOnMissingFile, with a pipe standing in for stdin.
    #[tokio::test]
    async fn stdin_without_file_has_empty_partition_and_offset() {
        let (mut writer, reader) = tokio::io::duplex(1024);
        let mut task = FileStreamSourceTask::new()
            .with_idle_wait(FAST, RECHECK)
            .with_input(reader);
        let mut p = props("");
        p.remove(FILE_CONFIG);
        task.start(
            SourceTaskContext {
                offsets: Arc::new(FakeOffsets::default()),
            },
            p,
        )
        .await
        .unwrap();

        // Nothing written: the blocked read is abandoned after the idle wait.
        let started_at = Instant::now();
        assert!(task.poll().await.unwrap().is_empty());
        assert!(started_at.elapsed() < FAST * 5);

        writer.write_all(b"line\nsecond").await.unwrap();
        let records = task.poll().await.unwrap();
        assert_eq!(values(&records), ["line"]);
        assert_eq!(records[0].record.topic, TOPIC);
        assert!(records[0].source_partition.is_empty());
        assert!(records[0].source_offset.is_empty());
        writer.write_all(b"\n").await.unwrap();
        assert_eq!(values(&task.poll().await.unwrap()), ["second"]);
        task.stop().await.unwrap();
    }

    #[tokio::test]
    async fn empty_file_setting_means_stdin() {
        let (_writer, reader) = tokio::io::duplex(16);
        let mut task = FileStreamSourceTask::new()
            .with_idle_wait(FAST, RECHECK)
            .with_input(reader);
        task.start(
            SourceTaskContext {
                offsets: Arc::new(FakeOffsets::default()),
            },
            props(""),
        )
        .await
        .unwrap();
        assert!(task.filename.is_none());
        assert!(task.poll().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn task_requires_a_topic() {
        let mut p = props("/tmp/x");
        p.remove(TOPIC_CONFIG);
        let mut task = FileStreamSourceTask::new();
        let err = task
            .start(
                SourceTaskContext {
                    offsets: Arc::new(FakeOffsets::default()),
                },
                p,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ConnectError::Config { key, .. } if key == TOPIC_CONFIG),
            "{err}"
        );
    }

    #[tokio::test]
    async fn connector_hands_out_one_task_config_with_all_props() {
        let mut connector = FileStreamSourceConnector::new();
        let mut p = props("/somefilename");
        p.insert("transforms".into(), "insert".into());
        connector
            .start(ConnectorContext::new(), p.clone())
            .await
            .unwrap();
        assert_eq!(connector.task_configs(1).await.unwrap(), vec![p.clone()]);
        assert_eq!(connector.task_configs(2).await.unwrap(), vec![p]);
        connector.stop().await.unwrap();

        let mut stdin = props("");
        stdin.remove(FILE_CONFIG);
        connector
            .start(ConnectorContext::new(), stdin)
            .await
            .unwrap();
        let configs = connector.task_configs(1).await.unwrap();
        assert_eq!(configs.len(), 1);
        assert!(!configs[0].contains_key(FILE_CONFIG));
    }

    #[tokio::test]
    async fn connector_rejects_missing_blank_topic_and_bad_batch_size() {
        let mut missing = props("/somefilename");
        missing.remove(TOPIC_CONFIG);
        let mut blank = props("/somefilename");
        blank.insert(TOPIC_CONFIG.into(), "   ".into());
        let mut batch = props("/somefilename");
        batch.insert(TASK_BATCH_SIZE_CONFIG.into(), "abcd".into());
        for (p, key) in [
            (missing, TOPIC_CONFIG),
            (blank, TOPIC_CONFIG),
            (batch, TASK_BATCH_SIZE_CONFIG),
        ] {
            let mut connector = FileStreamSourceConnector::new();
            let err = connector
                .start(ConnectorContext::new(), p)
                .await
                .unwrap_err();
            assert!(
                matches!(&err, ConnectError::Config { key: k, .. } if k == key),
                "{err}"
            );
        }
    }

    #[test]
    fn validation_names_the_missing_topic() {
        let connector = FileStreamSourceConnector::new();
        let mut p = props("/somefilename");
        assert_eq!(connector.validate(&p).error_count, 0);
        p.remove(TOPIC_CONFIG);
        p.remove(FILE_CONFIG);
        let infos = connector.validate(&p);
        assert_eq!(infos.error_count, 1);
        let errors = infos.errors();
        assert_eq!(errors[0].0, TOPIC_CONFIG);
        assert!(errors[0].1.contains("topic"), "{errors:?}");
    }

    #[test]
    fn config_defaults() {
        let parsed = config_def().parse(&props("/somefilename")).unwrap();
        assert_eq!(parsed.get_string(TOPIC_CONFIG), Some(TOPIC));
        assert_eq!(
            parsed.get_int(TASK_BATCH_SIZE_CONFIG),
            DEFAULT_TASK_BATCH_SIZE
        );
        let mut p = props("");
        p.remove(FILE_CONFIG);
        assert_eq!(
            config_def().parse(&p).unwrap().get_string(FILE_CONFIG),
            None
        );
    }
}
