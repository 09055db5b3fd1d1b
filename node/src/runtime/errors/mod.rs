//! Error handling of a task's pipeline (Kafka's `runtime/errors` package): retries with
//! backoff, tolerance, and reporting failed records to the log and to a dead letter
//! queue topic.
//!
//! - [`config`]: the `errors.*` keys (Kafka's names, defaults and docs).
//! - [`retry`]: the retry-with-tolerance operator: backoff schedule, tolerance rules.
//! - [`reporter`]: the per-task [`reporter::ErrorHandler`] (log and DLQ reporting,
//!   tolerance decisions, pending DLQ writes) and the sink tasks' errant record reporter.
//! - [`dlq`]: the dead letter queue producer and the `__connect.errors.*` headers.
//! - [`metrics`]: the per-task counters behind `GET /connectors/{name}/tasks/{id}/metrics`.
//! - [`test_plugins`]: connectors that fail on purpose, for integration tests (registered
//!   only when `RAFTCONNECT_TEST_PLUGINS=1`).
//!
//! Which failures are tolerable, and what happens then:
//!
//! | stage | retried (`errors.retry.timeout`) | `errors.tolerance=all` | `none` |
//! |---|---|---|---|
//! | KEY/VALUE/HEADER_CONVERTER, TRANSFORMATION | never (these never fail retriably) | skip, report | report, fail |
//! | TASK_PUT | retriable errors | retries exhausted: skip the batch, report each record | fail |
//! | TASK_POLL | retriable errors | fail | fail |
//! | KAFKA_PRODUCE (sources) | by the producer | skip, report | report, fail |
//!
//! "Report" is: count, log (`errors.log.enable`), write to the DLQ
//! (`errors.deadletterqueue.topic.name`). A skipped record's offset is committed only once
//! its DLQ write is acknowledged; a DLQ write that fails fails the task (the record would
//! otherwise be lost).

pub mod config;
pub mod dlq;
pub mod metrics;
pub mod reporter;
pub mod retry;
pub mod test_plugins;

use super::error::Stage;

/// One failure of one record, as reported to the log and in the DLQ headers (Kafka's
/// `ProcessingContext`: stage, executing class, error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub stage: Stage,
    /// The class that was executing: the converter, the transformation, `SinkTask`, ...
    pub executing_class: String,
    /// The Java exception class a Kafka user would expect.
    pub exception_class: String,
    pub message: String,
}

impl Failure {
    pub fn new(
        stage: Stage,
        executing_class: impl Into<String>,
        exception_class: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Failure {
            stage,
            executing_class: executing_class.into(),
            exception_class: exception_class.into(),
            message: message.into(),
        }
    }

    /// `class: message`, as the first line of a Java stack trace.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.exception_class, self.message)
    }

    /// What stands in for Java's stack trace (`__connect.errors.exception.stacktrace`):
    /// the exception, then where it happened.
    pub fn stacktrace(&self, task: &str) -> String {
        format!(
            "{}\n\tat {} (stage {}) in task {}\n",
            self.summary(),
            self.executing_class,
            self.stage.as_str(),
            task
        )
    }
}

/// Kafka's classes named as the executing class of stages that have no plugin class.
pub const SINK_TASK_CLASS: &str = "org.apache.kafka.connect.sink.SinkTask";
pub const SOURCE_TASK_CLASS: &str = "org.apache.kafka.connect.runtime.WorkerSourceTask";
