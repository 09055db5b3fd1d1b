//! The contracts between the runtime and a plugin: connectors split work into task
//! configs; tasks move records.
//!
//! Lifecycle, as in Kafka Connect: the runtime calls `start`, then (for a connector)
//! `task_configs`, and finally `stop`. Task calls are never concurrent with each other
//! (`&mut self`); the runtime waits for `poll`/`put` to return rather than cancelling
//! them, so a task must return from `poll` within about a second when it has no data.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Notify;

use crate::config::{ConfigDef, ConfigInfos};
use crate::error::ConnectError;
use crate::record::{RecordMetadata, SinkRecord, SourceOffset, SourcePartition, SourceRecord};
use crate::Props;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorKind {
    Source,
    Sink,
}

impl fmt::Display for ConnectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectorKind::Source => "source",
            ConnectorKind::Sink => "sink",
        })
    }
}

#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// Lets a running connector ask the runtime for a new set of task configs (e.g. a new
/// table appeared) or report an unrecoverable error.
#[derive(Clone, Default)]
pub struct ConnectorContext {
    reconfigure: Arc<Notify>,
}

impl ConnectorContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Kafka's `requestTaskReconfiguration`.
    pub fn request_task_reconfiguration(&self) {
        self.reconfigure.notify_one();
    }

    /// Resolves when the connector asked for reconfiguration.
    pub async fn reconfiguration_requested(&self) {
        self.reconfigure.notified().await
    }
}

/// Common to source and sink connectors.
/// Runs `f` to completion on a private runtime in a thread of its own and returns its
/// output (None if that thread panicked or no runtime could be built).
///
/// [`Connector::validate`] is synchronous, as Kafka's, yet connectors check their
/// external system there (a database, a bucket, a cluster) with async clients; and
/// `validate` may be called from inside a runtime, where `block_on` panics.
pub fn block_on_side<T: Send>(f: impl std::future::Future<Output = T> + Send) -> Option<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()
                    .map(|rt| rt.block_on(f))
            })
            .join()
            .ok()
            .flatten()
    })
}

#[async_trait]
pub trait Connector: Send + Sync {
    fn version(&self) -> String;

    /// The keys this connector accepts; the runtime validates configs against it.
    fn config_def(&self) -> ConfigDef;

    /// Validates a config; the default checks it against [`Connector::config_def`].
    fn validate(&self, props: &Props) -> ConfigInfos {
        self.config_def().validate(props)
    }

    async fn start(&mut self, context: ConnectorContext, props: Props) -> Result<(), ConnectError>;

    /// Up to `max_tasks` task configs (Kafka's `taskConfigs`).
    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError>;

    async fn stop(&mut self) -> Result<(), ConnectError>;
}

pub trait SourceConnector: Connector {
    fn create_task(&self) -> Box<dyn SourceTask>;
}

pub trait SinkConnector: Connector {
    fn create_task(&self) -> Box<dyn SinkTask>;
}

/// Reads the committed offset of a source partition (Kafka's `OffsetStorageReader`).
pub trait OffsetReader: Send + Sync {
    fn offset(&self, partition: &SourcePartition) -> Option<SourceOffset>;
}

#[derive(Clone)]
pub struct SourceTaskContext {
    pub offsets: Arc<dyn OffsetReader>,
}

#[async_trait]
pub trait SourceTask: Send {
    async fn start(&mut self, context: SourceTaskContext, props: Props)
        -> Result<(), ConnectError>;

    /// The next batch of records; an empty batch means "nothing now, call again".
    async fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError>;

    /// Called after offsets up to the latest acknowledged records are committed.
    async fn commit(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }

    /// Whether the runtime should call [`SourceTask::commit_record`]. Only then does it
    /// keep a copy of each record until it is acknowledged, so tasks that do not need
    /// per-record acknowledgements (the default) cost nothing extra.
    fn wants_commit_record(&self) -> bool {
        false
    }

    /// Kafka's `commitRecord(SourceRecord, RecordMetadata)`, called only when
    /// [`SourceTask::wants_commit_record`] is true: once per polled record, in poll
    /// order, when it is settled. `metadata` is where Kafka wrote it once acknowledged;
    /// None when it was not written (dropped by a transformation, or skipped under
    /// `errors.tolerance=all`). `record` is the record as `poll` returned it, before
    /// transformations. An error is logged and otherwise ignored, as in Kafka.
    async fn commit_record(
        &mut self,
        _record: &SourceRecord,
        _metadata: Option<&RecordMetadata>,
    ) -> Result<(), ConnectError> {
        Ok(())
    }

    async fn stop(&mut self) -> Result<(), ConnectError>;
}

/// What [`ErrantRecordReporter::report`] returns: resolves once the record is durably
/// reported (written to the dead letter queue and acknowledged, or logged), or with the
/// error that stops the task (e.g. `errors.tolerance=none`).
pub type ReportFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ConnectError>> + Send>>;

/// Lets a sink task report one record it cannot handle (e.g. a row the database rejects)
/// and carry on with the others (Kafka's `ErrantRecordReporter`, KIP-610).
///
/// The record goes wherever the connector's `errors.*` keys send failed records: the
/// dead letter queue (`errors.deadletterqueue.topic.name`) and/or the log
/// (`errors.log.enable`). The report is sent when `report` is called; awaiting the
/// returned future is optional. Either way the runtime commits the offset of the
/// record's partition only after the report is durable, so a reported record is never
/// lost. Under `errors.tolerance=none` the future resolves to an error and the task
/// fails after `put` returns, as Kafka's reporter throws.
pub trait ErrantRecordReporter: Send + Sync {
    fn report(&self, record: &SinkRecord, error: &ConnectError) -> ReportFuture;
}

#[derive(Clone, Default)]
pub struct SinkTaskContext {
    /// The partitions assigned to this task.
    pub assignment: Vec<crate::TopicPartition>,
    /// Present when the connector config routes failed records somewhere (a dead
    /// letter queue topic or `errors.log.enable=true`), as Kafka's
    /// `SinkTaskContext.errantRecordReporter()` is non-null only then.
    pub errant_record_reporter: Option<Arc<dyn ErrantRecordReporter>>,
}

#[async_trait]
pub trait SinkTask: Send {
    async fn start(&mut self, context: SinkTaskContext, props: Props) -> Result<(), ConnectError>;

    /// Partitions newly assigned to this task, before any of their records are put.
    async fn open(&mut self, _partitions: &[TopicPartition]) -> Result<(), ConnectError> {
        Ok(())
    }

    /// Partitions taken away; flush or discard state for them.
    async fn close(&mut self, _partitions: &[TopicPartition]) -> Result<(), ConnectError> {
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError>;

    /// Makes every record put so far durable. `offsets` are the next offsets to consume.
    async fn flush(&mut self, _offsets: &HashMap<TopicPartition, i64>) -> Result<(), ConnectError> {
        Ok(())
    }

    /// The offsets safe to commit (Kafka's `preCommit`): by default, flush everything and
    /// commit all offsets.
    async fn pre_commit(
        &mut self,
        offsets: &HashMap<TopicPartition, i64>,
    ) -> Result<HashMap<TopicPartition, i64>, ConnectError> {
        self.flush(offsets).await?;
        Ok(offsets.clone())
    }

    async fn stop(&mut self) -> Result<(), ConnectError>;
}

/// A connector instance of either kind, as created by a plugin.
pub enum ConnectorInstance {
    Source(Box<dyn SourceConnector>),
    Sink(Box<dyn SinkConnector>),
}

impl ConnectorInstance {
    pub fn kind(&self) -> ConnectorKind {
        match self {
            ConnectorInstance::Source(_) => ConnectorKind::Source,
            ConnectorInstance::Sink(_) => ConnectorKind::Sink,
        }
    }

    pub fn as_connector(&self) -> &dyn Connector {
        match self {
            ConnectorInstance::Source(c) => c.as_ref(),
            ConnectorInstance::Sink(c) => c.as_ref(),
        }
    }

    pub fn as_connector_mut(&mut self) -> &mut dyn Connector {
        match self {
            ConnectorInstance::Source(c) => c.as_mut(),
            ConnectorInstance::Sink(c) => c.as_mut(),
        }
    }
}

/// How a connector crate makes a connector class known to the runtime: its Java class
/// name (what users write in `connector.class`), short aliases, and a factory.
#[derive(Clone, Copy)]
pub struct ConnectorPlugin {
    pub class: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: ConnectorKind,
    pub version: &'static str,
    pub create: fn() -> ConnectorInstance,
}

impl ConnectorPlugin {
    /// True when `name` is this plugin's class name or one of its aliases.
    pub fn answers_to(&self, name: &str) -> bool {
        self.class == name || self.aliases.contains(&name)
    }
}

impl fmt::Debug for ConnectorPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorPlugin")
            .field("class", &self.class)
            .field("kind", &self.kind)
            .finish()
    }
}

#[cfg(test)]
mod block_on_side_tests {
    use super::block_on_side;

    #[test]
    fn runs_inside_a_runtime_and_outside() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        assert_eq!(rt.block_on(async { block_on_side(async { 7 }) }), Some(7));
        assert_eq!(block_on_side(async { 8 }), Some(8));
    }
}
