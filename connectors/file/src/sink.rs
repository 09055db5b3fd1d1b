//! The FileStream sink: appends each record's value as a line to a file (or stdout).
//! Kafka's `FileStreamSinkConnector` and `FileStreamSinkTask`.
//!
//! # Behaviour (as Kafka's)
//!
//! * One key: `file` (string, default null: absent or empty writes to stdout).
//! * The connector hands out `max_tasks` copies of its full config (KAFKA-13809).
//! * The task opens the file in append mode, creating it if needed; failing that,
//!   `start` fails with "Couldn't find or create file '<file>' for FileStreamSinkTask".
//! * `put` writes each record's value as Java's `PrintStream.println(Object)` does:
//!   `String.valueOf(value)` (see `impl Display for Value` in connect-api: a string as
//!   is, `null`, `1.0E10`, `Struct{name=ann,age=7}`, `{k=v}`, `[a, b]`, …) followed by
//!   `\n` (Java's line separator on Unix). Key, headers and topic are not written.
//!
//! # Deviations from Kafka
//!
//! * Durability: `flush` flushes the buffered lines to the file and then `fsync`s its
//!   data (`sync_data`), so everything put before a successful flush survives a crash;
//!   the runtime commits offsets only after that. Kafka only flushes the stream to the
//!   OS. Between flushes lines are buffered in memory (Kafka's `PrintStream` hands each
//!   line to the OS at once), so other readers see them after the next flush.
//! * Write errors fail `put`/`flush` with an error naming the file; Kafka's
//!   `PrintStream` swallows them (records would be lost silently).
//! * Bytes values print as base64 rather than Java's useless `[B@1b6d3586`.

use std::collections::HashMap;

use async_trait::async_trait;
use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use connect_api::{
    ConnectError, Connector, ConnectorContext, Props, SinkConnector, SinkRecord, SinkTask,
    SinkTaskContext, TopicPartition,
};
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};

use crate::VERSION;

pub const FILE_CONFIG: &str = "file";

const WRITE_BUFFER: usize = 64 * 1024;

/// The sink connector's configuration keys, as Kafka's `FileStreamSinkConnector.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(FILE_CONFIG, ConfigType::String)
            .default_null()
            .importance(Importance::High)
            .doc("Destination filename. If not specified, the standard output will be used"),
    )
}

/// The configured file; None for stdout (absent, null or empty).
fn parse_file(props: &Props) -> Result<Option<String>, ConnectError> {
    let parsed = config_def().parse_connector_config(props)?;
    Ok(parsed
        .get_string(FILE_CONFIG)
        .filter(|f| !f.is_empty())
        .map(str::to_string))
}

/// Kafka's `FileStreamSinkConnector`: validates its config and hands out `max_tasks`
/// copies of it.
#[derive(Debug, Default)]
pub struct FileStreamSinkConnector {
    props: Props,
}

impl FileStreamSinkConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for FileStreamSinkConnector {
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
        let file = parse_file(&props)?;
        tracing::info!(
            "Starting file sink connector writing to {}",
            file.as_deref().unwrap_or("standard output")
        );
        self.props = props;
        Ok(())
    }

    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        Ok(vec![self.props.clone(); max_tasks])
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl SinkConnector for FileStreamSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(FileStreamSinkTask::new())
    }
}

type Stream = Box<dyn AsyncWrite + Send + Unpin>;

enum Output {
    File {
        path: String,
        writer: BufWriter<tokio::fs::File>,
    },
    Stream(BufWriter<Stream>),
}

/// Kafka's `FileStreamSinkTask`. See the [module docs](self) for its behaviour.
#[derive(Default)]
pub struct FileStreamSinkTask {
    output: Option<Output>,
    /// Written to instead of stdout when no file is configured (see [`Self::with_output`]).
    output_override: Option<Stream>,
}

impl FileStreamSinkTask {
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes to `writer` instead of stdout when no file is configured (Kafka's
    /// `FileStreamSinkTask(PrintStream)` test constructor; also for embedding).
    pub fn with_output(mut self, writer: impl AsyncWrite + Send + Unpin + 'static) -> Self {
        self.output_override = Some(Box::new(writer));
        self
    }

    fn describe(&self) -> &str {
        match &self.output {
            Some(Output::File { path, .. }) => path,
            _ => "stdout",
        }
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> ConnectError {
        ConnectError::io(format!("{what} {}", self.describe()), e)
    }

    async fn flush_output(&mut self) -> Result<(), ConnectError> {
        let result = match &mut self.output {
            None => return Ok(()),
            Some(Output::File { writer, .. }) => match writer.flush().await {
                Ok(()) => writer.get_ref().sync_data().await,
                Err(e) => Err(e),
            },
            Some(Output::Stream(writer)) => writer.flush().await,
        };
        result.map_err(|e| self.io_error("Error while flushing", e))
    }
}

#[async_trait]
impl SinkTask for FileStreamSinkTask {
    async fn start(&mut self, _context: SinkTaskContext, props: Props) -> Result<(), ConnectError> {
        self.output = Some(match parse_file(&props)? {
            Some(path) => {
                let file = tokio::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .await
                    .map_err(|e| {
                        ConnectError::io(
                            format!("Couldn't find or create file '{path}' for FileStreamSinkTask"),
                            e,
                        )
                    })?;
                Output::File {
                    path,
                    writer: BufWriter::with_capacity(WRITE_BUFFER, file),
                }
            }
            None => {
                let stream = match self.output_override.take() {
                    Some(stream) => stream,
                    None => Box::new(tokio::io::stdout()),
                };
                Output::Stream(BufWriter::with_capacity(WRITE_BUFFER, stream))
            }
        });
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        let mut lines = String::new();
        for record in &records {
            tracing::trace!(
                "Writing line to {}: {}",
                self.describe(),
                record.record.value
            );
            lines.push_str(&record.record.value.to_string());
            lines.push('\n');
        }
        // Each batch goes to the OS right away (as Kafka's PrintStream writes every line),
        // so readers of the file see it; flush() adds the fsync that offsets wait for.
        let result = match &mut self.output {
            Some(Output::File { writer, .. }) => match writer.write_all(lines.as_bytes()).await {
                Ok(()) => writer.flush().await,
                Err(e) => Err(e),
            },
            Some(Output::Stream(writer)) => writer.write_all(lines.as_bytes()).await,
            None => {
                return Err(ConnectError::Other(
                    "FileStreamSinkTask received records before it was started".into(),
                ))
            }
        };
        result.map_err(|e| self.io_error("Error while writing to", e))
    }

    async fn flush(&mut self, _offsets: &HashMap<TopicPartition, i64>) -> Result<(), ConnectError> {
        tracing::trace!("Flushing output stream for {}", self.describe());
        self.flush_output().await
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        // Like Kafka's close(): flush what was put, without failing the stop over it
        // (offsets of unflushed records were not committed, so they are redelivered).
        if let Err(e) = self.flush_output().await {
            tracing::warn!("Failed to flush FileStreamSinkTask output on stop: {e}");
        }
        self.output = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};

    use connect_api::{Record, Schema, SchemaBuilder, Struct, Value};

    use super::*;

    fn record(topic: &str, offset: i64, value: Value) -> SinkRecord {
        SinkRecord {
            record: Record {
                topic: topic.into(),
                kafka_partition: Some(0),
                value_schema: None,
                value,
                ..Record::default()
            },
            kafka_offset: offset,
            original_topic: topic.into(),
            original_kafka_partition: 0,
            original_kafka_offset: offset,
            ..SinkRecord::default()
        }
    }

    fn line(topic: &str, offset: i64, value: &str) -> SinkRecord {
        let mut r = record(topic, offset, value.into());
        r.record.value_schema = Some(Schema::string());
        r
    }

    fn file_props(path: &std::path::Path) -> Props {
        [(FILE_CONFIG.to_string(), path.to_str().unwrap().to_string())].into()
    }

    fn offsets(entries: &[(&str, i64)]) -> HashMap<TopicPartition, i64> {
        entries
            .iter()
            .map(|(t, o)| (TopicPartition::new(*t, 0), *o))
            .collect()
    }

    /// An in-memory stream, shared so the test can look at what was written.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl AsyncWrite for Shared {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Kafka's FileStreamSinkTaskTest.testPutFlush.
    #[tokio::test]
    async fn put_flush_to_a_stream() {
        let out = Shared::default();
        let mut task = FileStreamSinkTask::new().with_output(out.clone());
        task.start(SinkTaskContext::default(), Props::new())
            .await
            .unwrap();

        task.put(vec![line("topic1", 0, "line1")]).await.unwrap();
        task.flush(&offsets(&[("topic1", 1)])).await.unwrap();
        assert_eq!(out.text(), "line1\n");

        task.put(vec![line("topic1", 1, "line2"), line("topic2", 0, "line3")])
            .await
            .unwrap();
        task.flush(&offsets(&[("topic1", 2), ("topic2", 1)]))
            .await
            .unwrap();
        assert_eq!(out.text(), "line1\nline2\nline3\n");
        task.stop().await.unwrap();
    }

    /// Kafka's FileStreamSinkTaskTest.testStart: appends, and flushed lines are on disk.
    #[tokio::test]
    async fn writes_to_a_file_in_append_mode_and_flush_persists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.output");
        std::fs::write(&path, "existing\n").unwrap();

        let mut task = FileStreamSinkTask::new();
        task.start(SinkTaskContext::default(), file_props(&path))
            .await
            .unwrap();
        task.put(vec![line("topic1", 0, "line0")]).await.unwrap();
        task.flush(&offsets(&[("topic1", 1)])).await.unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "existing\nline0\n");

        task.put(vec![line("topic1", 1, "line1"), line("topic2", 0, "line2")])
            .await
            .unwrap();
        task.flush(&offsets(&[("topic1", 2), ("topic2", 1)]))
            .await
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "existing\nline0\nline1\nline2\n"
        );

        // Records put but not flushed are written by stop.
        task.put(vec![line("topic1", 2, "line3")]).await.unwrap();
        task.stop().await.unwrap();
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .ends_with("line2\nline3\n"));

        // A new task appends rather than truncating.
        let mut task = FileStreamSinkTask::new();
        task.start(SinkTaskContext::default(), file_props(&path))
            .await
            .unwrap();
        task.put(vec![line("topic1", 3, "line4")]).await.unwrap();
        task.flush(&HashMap::new()).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "existing\nline0\nline1\nline2\nline3\nline4\n"
        );
    }

    #[tokio::test]
    async fn values_are_written_as_java_would_print_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.txt");
        let schema = SchemaBuilder::struct_()
            .field("name", Schema::string())
            .field("age", Schema::optional_int32())
            .field("nick", Schema::optional_string())
            .build();
        let person = Struct::new(schema)
            .unwrap()
            .with("name", "ann")
            .unwrap()
            .with("age", 7)
            .unwrap();
        let values = vec![
            Value::from("plain"),
            Value::Null,
            Value::Int32(42),
            Value::Int64(-7),
            Value::Float64(1.0),
            Value::Float64(1e10),
            Value::Float32(0.5),
            Value::Boolean(true),
            Value::Struct(person),
            Value::Map(vec![("k".into(), "v".into()), ("k2".into(), 2.into())]),
            Value::Array(vec!["a".into(), "b".into()]),
            Value::Bytes(b"foo".to_vec()),
        ];
        let mut task = FileStreamSinkTask::new();
        task.start(SinkTaskContext::default(), file_props(&path))
            .await
            .unwrap();
        let records = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| record("t", i as i64, v))
            .collect();
        task.put(records).await.unwrap();
        task.flush(&HashMap::new()).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "plain\nnull\n42\n-7\n1.0\n1.0E10\n0.5\ntrue\nStruct{name=ann,age=7}\n{k=v, k2=2}\n[a, b]\nZm9v\n"
        );
    }

    #[tokio::test]
    async fn uncreatable_file_fails_start_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/out.txt");
        let mut task = FileStreamSinkTask::new();
        let err = task
            .start(SinkTaskContext::default(), file_props(&path))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(&format!(
                "Couldn't find or create file '{}'",
                path.display()
            )),
            "{message}"
        );
    }

    #[tokio::test]
    async fn empty_file_setting_means_stdout() {
        let out = Shared::default();
        let mut task = FileStreamSinkTask::new().with_output(out.clone());
        let props: Props = [(FILE_CONFIG.to_string(), String::new())].into();
        task.start(SinkTaskContext::default(), props).await.unwrap();
        task.put(vec![line("t", 0, "x")]).await.unwrap();
        task.flush(&HashMap::new()).await.unwrap();
        assert_eq!(out.text(), "x\n");
    }

    #[tokio::test]
    async fn connector_hands_out_max_tasks_copies_of_its_config() {
        let mut connector = FileStreamSinkConnector::new();
        let props: Props = [
            ("topics".to_string(), "test1,test2".to_string()),
            (FILE_CONFIG.to_string(), "/afilename".to_string()),
            ("transforms".to_string(), "insert".to_string()),
        ]
        .into();
        connector
            .start(ConnectorContext::new(), props.clone())
            .await
            .unwrap();
        assert_eq!(
            connector.task_configs(1).await.unwrap(),
            vec![props.clone()]
        );
        assert_eq!(
            connector.task_configs(2).await.unwrap(),
            vec![props.clone(), props]
        );
        connector.stop().await.unwrap();

        let mut connector = FileStreamSinkConnector::new();
        let stdout: Props = [("topics".to_string(), "t".to_string())].into();
        connector
            .start(ConnectorContext::new(), stdout)
            .await
            .unwrap();
        let configs = connector.task_configs(1).await.unwrap();
        assert_eq!(configs.len(), 1);
        assert!(!configs[0].contains_key(FILE_CONFIG));
    }
}
