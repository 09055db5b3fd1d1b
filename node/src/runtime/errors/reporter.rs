//! The error handler of one task: reports failed records (counters, the log reporter,
//! the dead letter queue reporter), applies `errors.tolerance`, and keeps the DLQ
//! writes a commit must wait for. Also the errant record reporter that sink tasks get
//! in their context.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connect_api::{ConnectError, ErrantRecordReporter, ReportFuture, SinkRecord};
use futures::FutureExt;
use raftconnect_raft::TaskId;
use tracing::{error, warn};

use super::config::{ErrorsConfig, Tolerance};
use super::dlq::{settled, DlqAck, DlqRecord, DlqWriter, Origin};
use super::metrics::ErrorMetrics;
use super::retry::{decide, Decision, Retrying};
use super::{Failure, SINK_TASK_CLASS};
use crate::runtime::context::WorkerContext;
use crate::runtime::converters::RecordConverters;
use crate::runtime::error::{error_chain, InstanceError, Stage};
use crate::runtime::TaskSpec;

const CONFIG_EXCEPTION: &str = "org.apache.kafka.common.config.ConfigException";
const CONNECT_EXCEPTION: &str = "org.apache.kafka.connect.errors.ConnectException";

/// The consumed form of the records of the batch being put, by (topic, partition,
/// offset), so an errant record reporter sends the original bytes to the DLQ.
pub type BatchOriginals = HashMap<(String, i32, i64), DlqRecord>;

pub struct ErrorHandler {
    pub config: ErrorsConfig,
    task: TaskId,
    metrics: Arc<ErrorMetrics>,
    dlq: Option<DlqWriter>,
    /// DLQ writes not yet known to be acknowledged.
    pending: Mutex<Vec<DlqAck>>,
    /// Set when an errant record report exceeded the tolerance (`none`): the task fails
    /// once `put` returns.
    tolerance_exceeded: Mutex<Option<InstanceError>>,
    batch: Mutex<Option<Arc<BatchOriginals>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ErrorHandler {
    /// Parses the connector's `errors.*` keys and, when a DLQ is configured, creates
    /// its topic and producer.
    pub async fn new(
        ctx: &WorkerContext,
        spec: &TaskSpec,
        metrics: Arc<ErrorMetrics>,
    ) -> Result<Arc<Self>, InstanceError> {
        let config = ErrorsConfig::parse(&spec.connector_config)
            .map_err(|e| InstanceError::new(Stage::Setup, CONFIG_EXCEPTION, e))?;
        let dlq = match &config.dlq {
            Some(d) => Some(DlqWriter::create(ctx, &spec.connector_config, d).await?),
            None => None,
        };
        Ok(Arc::new(Self::with_writer(
            config,
            spec.id.clone(),
            metrics,
            dlq,
        )))
    }

    pub fn with_writer(
        config: ErrorsConfig,
        task: TaskId,
        metrics: Arc<ErrorMetrics>,
        dlq: Option<DlqWriter>,
    ) -> Self {
        ErrorHandler {
            config,
            task,
            metrics,
            dlq,
            pending: Mutex::new(Vec::new()),
            tolerance_exceeded: Mutex::new(None),
            batch: Mutex::new(None),
        }
    }

    pub fn metrics(&self) -> &Arc<ErrorMetrics> {
        &self.metrics
    }

    pub fn dlq_enabled(&self) -> bool {
        self.dlq.is_some()
    }

    /// Whether reports need a failed record's original content (for the DLQ or the log).
    pub fn wants_originals(&self) -> bool {
        self.dlq.is_some() || (self.config.log_enable && self.config.log_include_messages)
    }

    /// The retries of `put` or `poll`.
    pub fn task_retrying(&self) -> Retrying {
        Retrying::new(self.config.task_retry_limit(), self.config.retry_delay_max)
    }

    /// Reports a failure: counts it, logs it (`errors.log.enable`), writes the record to
    /// the DLQ (if one is configured and `record` gives the record). Returns the DLQ
    /// write's acknowledgement (already settled when nothing was written).
    pub fn report(
        &self,
        failure: &Failure,
        origin: &Origin,
        record: impl FnOnce() -> Option<DlqRecord>,
        details: impl FnOnce() -> String,
    ) -> DlqAck {
        self.metrics.failure();
        if self.config.log_enable {
            let where_ = if self.config.log_include_messages {
                details()
            } else {
                String::new()
            };
            error!(
                task = %self.task,
                "Error encountered in task {}. Executing stage '{}' with class '{}'{}. {}",
                self.task,
                failure.stage.as_str(),
                failure.executing_class,
                where_,
                failure.summary()
            );
            self.metrics.logged();
        }
        let Some(dlq) = &self.dlq else {
            return settled();
        };
        let Some(record) = record() else {
            return settled();
        };
        let ack = dlq.send(&record, origin, &self.task, failure, self.metrics.clone());
        let mut pending = lock(&self.pending);
        // Forget writes that are acknowledged; keep failed ones for wait_pending to see.
        pending.retain(|a| !matches!(a.clone().now_or_never(), Some(Ok(()))));
        pending.push(ack.clone());
        ack
    }

    /// A record failed for good in `failure.stage` (after any retries): reports it,
    /// then, per `errors.tolerance`, skips it (returning the DLQ acknowledgement its
    /// offset must wait for) or fails the task.
    pub fn fail_record(
        &self,
        failure: Failure,
        origin: Origin,
        retriable: bool,
        record: impl FnOnce() -> Option<DlqRecord>,
        details: impl FnOnce() -> String,
    ) -> Result<DlqAck, InstanceError> {
        let ack = self.report(&failure, &origin, record, details);
        match decide(self.config.tolerance, failure.stage, retriable) {
            Decision::Skip => {
                self.metrics.skipped(1);
                self.warn_if_unreported();
                Ok(ack)
            }
            Decision::Fail => {
                self.metrics.error();
                Err(tolerance_exceeded(&failure))
            }
        }
    }

    /// Kafka skips records silently when neither a DLQ nor `errors.log.enable` is set;
    /// we say so in the log, for the first skipped record and every 10,000th.
    fn warn_if_unreported(&self) {
        if self.dlq.is_some() || self.config.log_enable {
            return;
        }
        let skipped = self.metrics.snapshot().total_records_skipped;
        if skipped == 1 || skipped.is_multiple_of(10_000) {
            warn!(task = %self.task, skipped, "records skipped after errors (errors.tolerance=all) are neither logged nor sent to a dead letter queue: set errors.log.enable or errors.deadletterqueue.topic.name to keep them; counts at /connectors/{}/tasks/{}/metrics", self.task.connector, self.task.task);
        }
    }

    /// The error a task fails with under `errors.tolerance=none` (Kafka's).
    pub fn take_tolerance_exceeded(&self) -> Option<InstanceError> {
        lock(&self.tolerance_exceeded).take()
    }

    /// Keeps the consumed form of the batch being put (None when it was put).
    pub fn set_batch(&self, originals: Option<Arc<BatchOriginals>>) {
        *lock(&self.batch) = originals;
    }

    pub fn original(&self, topic: &str, partition: i32, offset: i64) -> Option<DlqRecord> {
        lock(&self.batch)
            .as_ref()
            .and_then(|b| b.get(&(topic.to_string(), partition, offset)).cloned())
    }

    /// Waits until every DLQ write so far is acknowledged: offsets past a reported
    /// record are committed only after this. A failed DLQ write fails the task (its
    /// record would be lost).
    pub async fn wait_pending(&self) -> Result<(), InstanceError> {
        let acks: Vec<DlqAck> = std::mem::take(&mut *lock(&self.pending));
        for ack in acks {
            ack.await
                .map_err(|e| InstanceError::connect(Stage::KafkaProduce, e))?;
        }
        Ok(())
    }

    /// On task end: sends and waits for outstanding DLQ writes (bounded), so a record
    /// reported just before a failure is in the DLQ.
    pub async fn finish(&self, timeout: Duration) {
        if let Some(dlq) = &self.dlq {
            match tokio::time::timeout(timeout, self.wait_pending()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => warn!(task = %self.task, "{e}"),
                Err(_) => {
                    warn!(task = %self.task, topic = dlq.topic(), "dead letter queue writes not acknowledged within {timeout:?}")
                }
            }
            dlq.flush(Duration::from_millis(100));
        }
    }
}

/// Kafka's "Tolerance exceeded in error handler", caused by the record's failure.
pub fn tolerance_exceeded(failure: &Failure) -> InstanceError {
    InstanceError::new(
        failure.stage,
        CONNECT_EXCEPTION,
        "Tolerance exceeded in error handler",
    )
    .caused_by(failure.summary())
}

/// What a sink task's context offers as `errant_record_reporter` (Kafka's
/// `WorkerErrantRecordReporter`): the record goes to the DLQ in its consumed form when
/// it is one of the batch being put (else serialized again with the converters, as
/// Kafka does for records it does not know), stage TASK_PUT, class `SinkTask`.
pub struct SinkErrantReporter {
    pub handler: Arc<ErrorHandler>,
    pub converters: Arc<RecordConverters>,
}

impl ErrantRecordReporter for SinkErrantReporter {
    fn report(&self, record: &SinkRecord, error: &ConnectError) -> ReportFuture {
        let h = &self.handler;
        let failure = Failure::new(
            Stage::TaskPut,
            SINK_TASK_CLASS,
            error.java_class(),
            error_chain(error),
        );
        let origin = Origin::Consumed {
            topic: record.original_topic.clone(),
            partition: record.original_kafka_partition,
            offset: record.original_kafka_offset,
        };
        let ack = h.report(
            &failure,
            &origin,
            || {
                h.original(
                    &record.original_topic,
                    record.original_kafka_partition,
                    record.original_kafka_offset,
                )
                .or_else(|| Some(DlqRecord::from_record(&self.converters, &record.record)))
            },
            || consumed_details(&origin, record.record.timestamp),
        );
        let exceeded = h.config.tolerance == Tolerance::None;
        if exceeded {
            h.metrics.error();
            lock(&h.tolerance_exceeded).get_or_insert_with(|| tolerance_exceeded(&failure));
        } else {
            h.metrics.skipped(1);
        }
        async move {
            ack.await.map_err(ConnectError::Other)?;
            if exceeded {
                return Err(ConnectError::Other(
                    "Tolerance exceeded in error handler".into(),
                ));
            }
            Ok(())
        }
        .boxed()
    }
}

/// Kafka's log detail of a consumed record (`errors.log.include.messages`).
pub fn consumed_details(origin: &Origin, timestamp: Option<i64>) -> String {
    match origin {
        Origin::Consumed {
            topic,
            partition,
            offset,
        } => format!(
            ", where consumed record is {{topic='{topic}', partition={partition}, offset={offset}, timestamp={}}}",
            timestamp.unwrap_or(-1)
        ),
        Origin::Source { partition, offset } => format!(
            ", where source record is {{sourcePartition={partition}, sourceOffset={}}}",
            offset.as_deref().unwrap_or("null")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::errors::config::ErrorsConfig;

    fn handler(tolerance: Tolerance) -> ErrorHandler {
        let config = ErrorsConfig {
            tolerance,
            ..ErrorsConfig::default()
        };
        ErrorHandler::with_writer(
            config,
            TaskId {
                connector: "c".into(),
                task: 0,
            },
            Arc::new(ErrorMetrics::default()),
            None,
        )
    }

    fn converter_failure() -> Failure {
        Failure::new(
            Stage::ValueConverter,
            "org.apache.kafka.connect.json.JsonConverter",
            "org.apache.kafka.connect.errors.DataException",
            "bad json",
        )
    }

    fn origin() -> Origin {
        Origin::Consumed {
            topic: "t".into(),
            partition: 0,
            offset: 1,
        }
    }

    #[tokio::test]
    async fn tolerance_all_skips_and_counts() {
        let h = handler(Tolerance::All);
        let ack = h
            .fail_record(converter_failure(), origin(), false, || None, String::new)
            .unwrap();
        assert_eq!(ack.await, Ok(()));
        let m = h.metrics().snapshot();
        assert_eq!(
            (
                m.total_record_failures,
                m.total_records_skipped,
                m.total_record_errors
            ),
            (1, 1, 0)
        );
        h.wait_pending().await.unwrap();
    }

    #[tokio::test]
    async fn tolerance_none_fails_with_kafkas_message_and_the_cause() {
        let h = handler(Tolerance::None);
        let e = h
            .fail_record(converter_failure(), origin(), false, || None, String::new)
            .unwrap_err();
        assert_eq!(e.stage, Stage::ValueConverter);
        assert_eq!(e.message, "Tolerance exceeded in error handler");
        let trace = e.trace("c-0");
        assert!(trace.starts_with("org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler"), "{trace}");
        assert!(trace.contains("VALUE_CONVERTER"), "{trace}");
        assert!(
            trace.contains("Caused by: org.apache.kafka.connect.errors.DataException: bad json"),
            "{trace}"
        );
        let m = h.metrics().snapshot();
        assert_eq!(
            (
                m.total_record_failures,
                m.total_records_skipped,
                m.total_record_errors
            ),
            (1, 0, 1)
        );
    }

    #[tokio::test]
    async fn errant_reports_under_none_fail_the_task_after_put() {
        let h = Arc::new(handler(Tolerance::None));
        let worker = crate::worker_config::WorkerConfig::from_props(connect_api::Props::from([(
            "bootstrap.servers".to_string(),
            "localhost:9092".to_string(),
        )]))
        .unwrap();
        let conv = Arc::new(RecordConverters::new(&worker, &connect_api::Props::new()).unwrap());
        let r = SinkErrantReporter {
            handler: h.clone(),
            converters: conv,
        };
        let rec = SinkRecord::default();
        let res = r
            .report(&rec, &ConnectError::Other("row rejected".into()))
            .await;
        assert!(res.is_err());
        let e = h.take_tolerance_exceeded().expect("task must fail");
        assert_eq!(e.stage, Stage::TaskPut);
        assert!(e.trace("c-0").contains("row rejected"));

        let h = Arc::new(handler(Tolerance::All));
        let r = SinkErrantReporter {
            handler: h.clone(),
            converters: r.converters.clone(),
        };
        r.report(&rec, &ConnectError::Other("row rejected".into()))
            .await
            .unwrap();
        assert!(h.take_tolerance_exceeded().is_none());
        assert_eq!(h.metrics().snapshot().total_records_skipped, 1);
    }
}
