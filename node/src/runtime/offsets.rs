//! Source offsets: reading committed ones for a task, and tracking which produced
//! records Kafka has acknowledged so only those offsets are committed.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use connect_api::{OffsetReader, SourceOffset, SourcePartition};
use futures::FutureExt;
use raftconnect_raft::Store;
use rdkafka::producer::DeliveryFuture;

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

/// Records handed to the producer, oldest first, with the offset each one would commit.
/// An offset becomes committable only when its record and every record before it are
/// acknowledged, so a commit never skips an unacknowledged record.
#[derive(Default)]
pub struct SubmittedRecords {
    inflight: VecDeque<(Arc<str>, Option<String>, DeliveryFuture)>,
    committable: HashMap<Arc<str>, String>,
    acked: u64,
}

impl SubmittedRecords {
    /// `offset` None: a record without a source offset (e.g. stdin) commits nothing.
    pub fn push(&mut self, partition: Arc<str>, offset: Option<String>, delivery: DeliveryFuture) {
        self.inflight.push_back((partition, offset, delivery));
    }

    pub fn len(&self) -> usize {
        self.inflight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inflight.is_empty()
    }

    pub fn acked(&self) -> u64 {
        self.acked
    }

    fn settle(
        &mut self,
        partition: Arc<str>,
        offset: Option<String>,
        result: Result<
            rdkafka::producer::future_producer::OwnedDeliveryResult,
            futures::channel::oneshot::Canceled,
        >,
    ) -> Result<(), DeliveryError> {
        match result {
            Ok(Ok(_)) => {
                self.acked += 1;
                if let Some(o) = offset {
                    self.committable.insert(partition, o);
                }
                Ok(())
            }
            Ok(Err((e, _))) => Err(DeliveryError(e.to_string())),
            Err(_) => Err(DeliveryError(
                "the producer was closed before delivery".into(),
            )),
        }
    }

    /// Settles every acknowledged record at the head of the queue, without waiting.
    pub fn drain_ready(&mut self) -> Result<(), DeliveryError> {
        while let Some((_, _, fut)) = self.inflight.front_mut() {
            let Some(result) = fut.now_or_never() else {
                break;
            };
            let (p, o, _) = self.inflight.pop_front().expect("front exists");
            self.settle(p, o, result)?;
        }
        Ok(())
    }

    /// Waits for the oldest record's acknowledgement.
    pub async fn wait_oldest(&mut self) -> Result<(), DeliveryError> {
        if let Some((p, o, fut)) = self.inflight.pop_front() {
            let result = fut.await;
            self.settle(p, o, result)?;
        }
        Ok(())
    }

    /// Waits for every record, up to `timeout`; true when all were acknowledged.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_recursively() {
        let a: serde_json::Map<_, _> =
            serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"c":3,"d":2},"b":1}"#);
    }
}
