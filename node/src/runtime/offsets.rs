//! Source offsets: reading committed ones for a task, and tracking which produced
//! records Kafka has acknowledged so only those offsets are committed.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use connect_api::{OffsetReader, RecordMetadata, SourceOffset, SourcePartition, SourceRecord};
use futures::FutureExt;
use raftconnect_raft::Store;
use rdkafka::error::KafkaError;
use rdkafka::message::OwnedMessage;
use rdkafka::producer::future_producer::OwnedDeliveryResult;
use rdkafka::producer::DeliveryFuture;

use super::errors::dlq::DlqAck;

/// JSON text with object keys sorted, so equal partitions always give equal strings.
pub fn canonical_json(map: &serde_json::Map<String, serde_json::Value>) -> String {
    fn sort(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let sorted: BTreeMap<&String, serde_json::Value> =
                    m.iter().map(|(k, v)| (k, sort(v))).collect();
                serde_json::Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(&serde_json::Value::Object(map.clone())).to_string()
}

/// Reads a connector's committed source offsets from the store.
pub struct StoreOffsetReader {
    pub store: Arc<dyn Store>,
    pub connector: String,
}

impl OffsetReader for StoreOffsetReader {
    fn offset(&self, partition: &SourcePartition) -> Option<SourceOffset> {
        let key = canonical_json(partition);
        let text = self.store.state().read(|s| {
            s.source_offsets
                .get(&self.connector)
                .and_then(|m| m.get(&key))
                .cloned()
        })?;
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        }
    }
}

/// A Kafka delivery failure: the record was not written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryError(pub String);

/// What a source record waits for before its offset may be committed.
enum Wait {
    /// Kafka's acknowledgement of the record.
    Produce(DeliveryFuture),
    /// A skipped record: the acknowledgement of its dead letter queue write.
    Dlq(DlqAck),
    /// Nothing (dropped by a transformation, or skipped without a DLQ).
    Done,
}

/// A record kept until it settles, for the task's `commit_record`; kept only for tasks
/// that want it (`SourceTask::wants_commit_record`), so other tasks pay nothing.
pub struct KeptRecord {
    /// As the task's `poll` returned it (before transformations).
    pub record: SourceRecord,
    /// The topic it was handed to the producer for; None when it never was.
    pub topic: Option<String>,
}

/// A settled kept record and, when Kafka acknowledged it, where it was written.
pub type SettledRecord = (SourceRecord, Option<RecordMetadata>);

struct Entry {
    partition: Arc<str>,
    offset: Option<String>,
    wait: Wait,
    kept: Option<Box<KeptRecord>>,
}

enum Settled {
    Acked { partition: i32, offset: i64 },
    Dlq(Result<(), String>),
    Failed(KafkaError, OwnedMessage),
    Closed,
}

fn settled_produce(r: Result<OwnedDeliveryResult, futures::channel::oneshot::Canceled>) -> Settled {
    match r {
        Ok(Ok(d)) => Settled::Acked {
            partition: d.partition,
            offset: d.offset,
        },
        Ok(Err((e, msg))) => Settled::Failed(e, msg),
        Err(_) => Settled::Closed,
    }
}

impl Wait {
    fn now(&mut self) -> Option<Settled> {
        match self {
            Wait::Produce(f) => f.now_or_never().map(settled_produce),
            // A Shared future completes only when polled: poll a clone.
            Wait::Dlq(a) => a.clone().now_or_never().map(Settled::Dlq),
            Wait::Done => Some(Settled::Dlq(Ok(()))),
        }
    }

    /// Cancel-safe: the entry keeps its future when the wait is abandoned.
    async fn wait(&mut self) -> Settled {
        match self {
            Wait::Produce(f) => settled_produce(f.await),
            Wait::Dlq(a) => Settled::Dlq(a.clone().await),
            Wait::Done => Settled::Dlq(Ok(())),
        }
    }
}

/// Decides what becomes of a record Kafka refused: Ok(ack) to skip it once that DLQ
/// acknowledgement arrives (`errors.tolerance=all`), Err to fail the task.
pub type OnProduceFailure = Box<
    dyn FnMut(&str, Option<&str>, KafkaError, OwnedMessage) -> Result<DlqAck, DeliveryError> + Send,
>;

/// Records handed to the producer (or skipped), oldest first, with the offset each one
/// would commit. An offset becomes committable only when its record and every record
/// before it are settled (acknowledged by Kafka, or skipped and their DLQ write
/// acknowledged), so a commit never skips an unsettled record.
#[derive(Default)]
pub struct SubmittedRecords {
    inflight: VecDeque<Entry>,
    committable: HashMap<Arc<str>, String>,
    acked: u64,
    on_failure: Option<OnProduceFailure>,
    /// Kept records settled since the last `take_settled_records`, in settling order.
    settled_records: Vec<SettledRecord>,
}

impl SubmittedRecords {
    /// Without `on_failure`, a record Kafka refuses fails the task.
    pub fn new(on_failure: Option<OnProduceFailure>) -> Self {
        SubmittedRecords {
            on_failure,
            ..Default::default()
        }
    }

    /// `offset` None: a record without a source offset (e.g. stdin) commits nothing.
    /// `kept`: the record to hand back once it settles (see [`KeptRecord`]).
    pub fn push(
        &mut self,
        partition: Arc<str>,
        offset: Option<String>,
        delivery: DeliveryFuture,
        kept: Option<Box<KeptRecord>>,
    ) {
        self.inflight.push_back(Entry {
            partition,
            offset,
            wait: Wait::Produce(delivery),
            kept,
        });
    }

    /// A record that is not produced (dropped by a transformation, or skipped after a
    /// tolerated failure): its offset commits in order once `dlq` (if any) is
    /// acknowledged.
    pub fn push_skipped(
        &mut self,
        partition: Arc<str>,
        offset: Option<String>,
        dlq: Option<DlqAck>,
        kept: Option<Box<KeptRecord>>,
    ) {
        self.inflight.push_back(Entry {
            partition,
            offset,
            wait: dlq.map_or(Wait::Done, Wait::Dlq),
            kept,
        });
    }

    /// True when kept records settled since the last [`Self::take_settled_records`].
    pub fn has_settled_records(&self) -> bool {
        !self.settled_records.is_empty()
    }

    /// The kept records settled since the last call, in order, each with where Kafka
    /// wrote it (None: it was not produced, e.g. dropped or skipped).
    pub fn take_settled_records(&mut self) -> Vec<SettledRecord> {
        std::mem::take(&mut self.settled_records)
    }

    pub fn len(&self) -> usize {
        self.inflight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inflight.is_empty()
    }

    /// Records Kafka acknowledged.
    pub fn acked(&self) -> u64 {
        self.acked
    }

    /// Applies how an entry settled; an entry that must wait again (a refused record
    /// now going to the DLQ) is returned.
    fn apply(&mut self, e: Entry, s: Settled) -> Result<Option<Entry>, DeliveryError> {
        match s {
            Settled::Acked { .. } | Settled::Dlq(Ok(())) => {
                let written = match s {
                    Settled::Acked { partition, offset } => {
                        self.acked += 1;
                        Some((partition, offset))
                    }
                    _ => None,
                };
                if let Some(o) = e.offset {
                    self.committable.insert(e.partition, o);
                }
                if let Some(kept) = e.kept {
                    let KeptRecord { record, topic } = *kept;
                    let metadata = match (topic, written) {
                        (Some(topic), Some((partition, offset))) => Some(RecordMetadata {
                            topic,
                            partition,
                            offset,
                        }),
                        _ => None,
                    };
                    self.settled_records.push((record, metadata));
                }
                Ok(None)
            }
            Settled::Dlq(Err(m)) => Err(DeliveryError(m)),
            Settled::Failed(err, msg) => match &mut self.on_failure {
                None => Err(DeliveryError(err.to_string())),
                Some(f) => {
                    let ack = f(&e.partition, e.offset.as_deref(), err, msg)?;
                    Ok(Some(Entry {
                        wait: Wait::Dlq(ack),
                        ..e
                    }))
                }
            },
            Settled::Closed => Err(DeliveryError(
                "the producer was closed before delivery".into(),
            )),
        }
    }

    /// Settles every settled record at the head of the queue, without waiting.
    pub fn drain_ready(&mut self) -> Result<(), DeliveryError> {
        while let Some(front) = self.inflight.front_mut() {
            let Some(s) = front.wait.now() else {
                break;
            };
            let e = self.inflight.pop_front().expect("front exists");
            if let Some(again) = self.apply(e, s)? {
                self.inflight.push_front(again);
            }
        }
        Ok(())
    }

    /// Waits for the oldest record to settle. Cancel-safe.
    pub async fn wait_oldest(&mut self) -> Result<(), DeliveryError> {
        let Some(front) = self.inflight.front_mut() else {
            return Ok(());
        };
        let s = front.wait.wait().await;
        let e = self.inflight.pop_front().expect("front exists");
        if let Some(again) = self.apply(e, s)? {
            self.inflight.push_front(again);
        }
        Ok(())
    }

    /// Waits for every record, up to `timeout`; true when all were settled.
    pub async fn wait_all(&mut self, timeout: std::time::Duration) -> Result<bool, DeliveryError> {
        let deadline = tokio::time::Instant::now() + timeout;
        while !self.inflight.is_empty() {
            match tokio::time::timeout_at(deadline, self.wait_oldest()).await {
                Ok(r) => r?,
                Err(_) => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Takes the offsets that are safe to commit now.
    pub fn take_committable(&mut self) -> Vec<(String, Option<String>)> {
        self.committable
            .drain()
            .map(|(p, o)| (p.to_string(), Some(o)))
            .collect()
    }

    /// Puts back offsets [`SubmittedRecords::take_committable`] gave out whose commit
    /// failed, unless a later offset of the same partition became committable since.
    pub fn restore_committable(&mut self, offsets: Vec<(String, Option<String>)>) {
        for (partition, offset) in offsets {
            if let Some(offset) = offset {
                self.committable
                    .entry(Arc::from(partition.as_str()))
                    .or_insert(offset);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restored_offsets_do_not_override_newer_ones() {
        let mut s = SubmittedRecords::new(None);
        s.committable.insert(Arc::from("a"), "5".into());
        let taken = s.take_committable();
        assert!(s.take_committable().is_empty());
        s.committable.insert(Arc::from("b"), "9".into());
        s.restore_committable(taken.clone());
        let mut again = s.take_committable();
        again.sort();
        assert_eq!(
            again,
            vec![
                ("a".into(), Some("5".into())),
                ("b".into(), Some("9".into()))
            ]
        );
        // A newer offset of "a" wins over the restored older one.
        s.committable.insert(Arc::from("a"), "7".into());
        s.restore_committable(taken);
        assert_eq!(s.take_committable(), vec![("a".into(), Some("7".into()))]);
    }

    #[test]
    fn canonical_json_sorts_keys_recursively() {
        let a: serde_json::Map<_, _> =
            serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"c":3,"d":2},"b":1}"#);
    }

    fn ack(r: Result<(), String>) -> DlqAck {
        futures::future::ready(r).boxed().shared()
    }

    #[tokio::test]
    async fn skipped_records_commit_in_order_after_their_dlq_write() {
        let mut s = SubmittedRecords::new(None);
        let (tx, rx) = futures::channel::oneshot::channel::<Result<(), String>>();
        let pending: DlqAck = async move { rx.await.unwrap_or(Err("dropped".into())) }
            .boxed()
            .shared();
        s.push_skipped("p".into(), Some("1".into()), None, None);
        s.push_skipped("p".into(), Some("2".into()), Some(pending), None);
        s.push_skipped("p".into(), Some("3".into()), Some(ack(Ok(()))), None);
        s.drain_ready().unwrap();
        // Offset 1 (dropped by a transformation) is committable; 2 waits for the DLQ,
        // and so does 3 behind it.
        assert_eq!(
            s.take_committable(),
            vec![("p".to_string(), Some("1".to_string()))]
        );
        assert_eq!(s.len(), 2);
        tx.send(Ok(())).unwrap();
        s.wait_oldest().await.unwrap();
        s.drain_ready().unwrap();
        assert_eq!(
            s.take_committable(),
            vec![("p".to_string(), Some("3".to_string()))]
        );
        assert!(s.is_empty());
        assert_eq!(s.acked(), 0);
    }

    #[tokio::test]
    async fn a_failed_dlq_write_is_an_error() {
        let mut s = SubmittedRecords::new(None);
        s.push_skipped(
            "p".into(),
            Some("1".into()),
            Some(ack(Err("no dlq".into()))),
            None,
        );
        let e = s.drain_ready().unwrap_err();
        assert_eq!(e.0, "no dlq");
        assert!(s.take_committable().is_empty());
    }

    #[tokio::test]
    async fn kept_records_come_back_in_order_once_settled() {
        let kept = |seqno: i64| {
            Some(Box::new(KeptRecord {
                record: SourceRecord::new(
                    Default::default(),
                    Default::default(),
                    "t",
                    None,
                    connect_api::Value::Int64(seqno),
                ),
                topic: None,
            }))
        };
        let mut s = SubmittedRecords::new(None);
        let (tx, rx) = futures::channel::oneshot::channel::<Result<(), String>>();
        let pending: DlqAck = async move { rx.await.unwrap_or(Err("dropped".into())) }
            .boxed()
            .shared();
        s.push_skipped("p".into(), Some("1".into()), None, kept(1));
        s.push_skipped("p".into(), Some("2".into()), Some(pending), kept(2));
        s.push_skipped("p".into(), Some("3".into()), None, None);
        s.push_skipped("p".into(), Some("4".into()), None, kept(4));
        s.drain_ready().unwrap();
        let settled = s.take_settled_records();
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].0.record.value, connect_api::Value::Int64(1));
        assert_eq!(settled[0].1, None);
        assert!(!s.has_settled_records());
        tx.send(Ok(())).unwrap();
        s.wait_oldest().await.unwrap();
        s.drain_ready().unwrap();
        let values: Vec<_> = s
            .take_settled_records()
            .into_iter()
            .map(|(r, m)| (r.record.value, m))
            .collect();
        assert_eq!(
            values,
            vec![
                (connect_api::Value::Int64(2), None),
                (connect_api::Value::Int64(4), None)
            ]
        );
    }
}
