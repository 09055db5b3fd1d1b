//! Error handling counters per task (Kafka's `ErrorHandlingMetrics`, the
//! `task-error-metrics` group), served by `GET /connectors/{name}/tasks/{id}/metrics`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use raftconnect_raft::TaskId;
use serde::Serialize;

/// The counters of one task instance. Relaxed atomics: each counter is exact, the set
/// is not a consistent snapshot (as Kafka's metrics are not).
#[derive(Debug, Default)]
pub struct ErrorMetrics {
    record_failures: AtomicU64,
    record_errors: AtomicU64,
    records_skipped: AtomicU64,
    retries: AtomicU64,
    errors_logged: AtomicU64,
    dlq_requests: AtomicU64,
    dlq_failures: AtomicU64,
    dlq_produced: AtomicU64,
    last_error_timestamp: AtomicI64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl ErrorMetrics {
    /// An operation on a record failed (every failed attempt, retried or not).
    pub fn failure(&self) {
        inc(&self.record_failures);
        self.last_error_timestamp.store(now_ms(), Ordering::Relaxed);
    }

    /// A failure was not recovered by retries and was not tolerated.
    pub fn error(&self) {
        inc(&self.record_errors);
    }

    pub fn skipped(&self, n: u64) {
        self.records_skipped.fetch_add(n, Ordering::Relaxed);
    }

    pub fn retry(&self) {
        inc(&self.retries);
    }

    pub fn logged(&self) {
        inc(&self.errors_logged);
    }

    pub fn dlq_request(&self) {
        inc(&self.dlq_requests);
    }

    pub fn dlq_failure(&self) {
        inc(&self.dlq_failures);
    }

    pub fn dlq_produced(&self) {
        inc(&self.dlq_produced);
    }

    pub fn snapshot(&self) -> ErrorMetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ErrorMetricsSnapshot {
            total_record_failures: get(&self.record_failures),
            total_record_errors: get(&self.record_errors),
            total_records_skipped: get(&self.records_skipped),
            total_retries: get(&self.retries),
            total_errors_logged: get(&self.errors_logged),
            deadletterqueue_produce_requests: get(&self.dlq_requests),
            deadletterqueue_produce_failures: get(&self.dlq_failures),
            total_records_dead_lettered: get(&self.dlq_produced),
            last_error_timestamp: self.last_error_timestamp.load(Ordering::Relaxed),
        }
    }
}

/// The counters as the endpoint shows them, with Kafka's metric names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ErrorMetricsSnapshot {
    /// Failed attempts to process a record (converter, transformation, put, poll,
    /// produce), retried ones included.
    pub total_record_failures: u64,
    /// Failures that were neither fixed by retries nor tolerated (they fail the task).
    pub total_record_errors: u64,
    /// Records skipped because of a tolerated failure.
    pub total_records_skipped: u64,
    pub total_retries: u64,
    pub total_errors_logged: u64,
    pub deadletterqueue_produce_requests: u64,
    pub deadletterqueue_produce_failures: u64,
    /// Our addition: records the dead letter queue topic acknowledged.
    pub total_records_dead_lettered: u64,
    /// Milliseconds since the epoch of the last failure; 0 if none.
    pub last_error_timestamp: i64,
}

/// The counters of every task that ran on this worker since it started (the latest
/// instance of each task: a restarted task starts from zero, as in Kafka).
#[derive(Debug, Default)]
pub struct TaskMetricsRegistry {
    tasks: Mutex<HashMap<TaskId, Arc<ErrorMetrics>>>,
}

impl TaskMetricsRegistry {
    /// Fresh counters for a task instance that is starting.
    pub fn start(&self, id: &TaskId) -> Arc<ErrorMetrics> {
        let m = Arc::new(ErrorMetrics::default());
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone(), m.clone());
        m
    }

    pub fn get(&self, id: &TaskId) -> Option<ErrorMetricsSnapshot> {
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .map(|m| m.snapshot())
    }

    /// Forgets the tasks of connectors that no longer exist.
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|id, _| keep(&id.connector));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_serializes_with_kafkas_names() {
        let reg = TaskMetricsRegistry::default();
        let id = TaskId {
            connector: "c".into(),
            task: 0,
        };
        let m = reg.start(&id);
        m.failure();
        m.failure();
        m.retry();
        m.skipped(3);
        m.dlq_request();
        m.dlq_produced();
        let s = reg.get(&id).unwrap();
        assert_eq!(s.total_record_failures, 2);
        assert_eq!(s.total_records_skipped, 3);
        assert!(s.last_error_timestamp > 0);
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(json["total-retries"], 1);
        assert_eq!(json["deadletterqueue-produce-requests"], 1);
        assert_eq!(json["total-records-dead-lettered"], 1);
        // A new instance starts from zero.
        reg.start(&id);
        assert_eq!(reg.get(&id).unwrap().total_record_failures, 0);
        reg.retain(|c| c != "c");
        assert!(reg.get(&id).is_none());
    }
}
