//! Why a task or connector failed, in a form that becomes the `trace` of a FAILED status.

use std::fmt;

/// The pipeline stage where a failure happened (Kafka's `Stage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    TaskStart,
    TaskPoll,
    TaskPut,
    TaskFlush,
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    Transformation,
    KafkaProduce,
    KafkaConsume,
    OffsetCommit,
    ConnectorStart,
    ConnectorTaskConfigs,
    Setup,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::TaskStart => "TASK_START",
            Stage::TaskPoll => "TASK_POLL",
            Stage::TaskPut => "TASK_PUT",
            Stage::TaskFlush => "TASK_FLUSH",
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation => "TRANSFORMATION",
            Stage::KafkaProduce => "KAFKA_PRODUCE",
            Stage::KafkaConsume => "KAFKA_CONSUME",
            Stage::OffsetCommit => "OFFSET_COMMIT",
            Stage::ConnectorStart => "CONNECTOR_START",
            Stage::ConnectorTaskConfigs => "CONNECTOR_TASK_CONFIGS",
            Stage::Setup => "SETUP",
        }
    }
}

/// A failure of a connector or task instance.
#[derive(Debug, thiserror::Error)]
pub struct InstanceError {
    pub stage: Stage,
    /// The Java exception class a Kafka user would expect to see.
    pub class: &'static str,
    pub message: String,
    /// The error behind this one, as `class: message` (Java's "Caused by:").
    pub cause: Option<String>,
}

impl InstanceError {
    pub fn new(stage: Stage, class: &'static str, message: impl Into<String>) -> Self {
        InstanceError {
            stage,
            class,
            message: message.into(),
            cause: None,
        }
    }

    /// The same error, caused by `cause` (`class: message`).
    pub fn caused_by(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn connect(stage: Stage, message: impl Into<String>) -> Self {
        Self::new(
            stage,
            "org.apache.kafka.connect.errors.ConnectException",
            message,
        )
    }

    pub fn from_connect(stage: Stage, err: connect_api::ConnectError) -> Self {
        Self::new(stage, err.java_class(), error_chain(&err))
    }

    /// The status trace: exception class and message, then where it happened.
    pub fn trace(&self, instance: &str) -> String {
        let mut t = format!(
            "{}: {}\n\tat stage {} of {}",
            self.class,
            self.message,
            self.stage.as_str(),
            instance
        );
        if let Some(cause) = &self.cause {
            t.push_str("\nCaused by: ");
            t.push_str(cause);
        }
        t
    }
}

impl fmt::Display for InstanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in stage {}: {}",
            self.class,
            self.stage.as_str(),
            self.message
        )?;
        if let Some(cause) = &self.cause {
            write!(f, " (caused by {cause})")?;
        }
        Ok(())
    }
}

/// An error and all its sources, joined as "a: b: c".
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}

/// Whether the task's connector was deleted: its last offset commit is rejected (the
/// offsets went with the connector), which is the expected end, not a zombie.
pub fn connector_deleted(ctx: &super::context::WorkerContext, spec: &super::TaskSpec) -> bool {
    let deleted = !ctx
        .store
        .state()
        .read(|s| s.connectors.contains_key(&spec.id.connector));
    if deleted {
        tracing::debug!(task = %spec.id, "connector deleted: its offsets went with it");
    }
    deleted
}

/// An offset commit was rejected because the task now belongs to another assignment:
/// this instance is a zombie and must stop.
pub fn fenced(spec: &super::TaskSpec) -> InstanceError {
    let epoch = spec.fence.as_ref().map_or(0, |f| f.epoch);
    tracing::warn!(task = %spec.id, epoch, "offset commit rejected (fenced): the task is assigned elsewhere now; stopping this instance");
    InstanceError::connect(
        Stage::OffsetCommit,
        format!(
            "offset commit of task {} rejected: its assignment epoch {epoch} is no longer current (fenced)",
            spec.id
        ),
    )
}
