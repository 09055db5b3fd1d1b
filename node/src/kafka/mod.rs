//! Kafka clients for the worker: client configs built from worker keys and overrides,
//! topic creation, and the in-process development broker.

pub mod dev_broker;
pub mod topics;

use std::collections::BTreeMap;

use rdkafka::ClientConfig;
use tracing::warn;

use crate::worker_config::WorkerConfig;

/// Java client keys that librdkafka does not know; we drop them with a warning rather
/// than fail, since Kafka Connect configs routinely carry them.
const JAVA_ONLY_KEYS: &[&str] = &[
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "buffer.memory",
    "max.block.ms",
    "max.poll.records",
    "max.poll.interval.ms",
    "interceptor.classes",
    "metric.reporters",
    "partitioner.class",
    "default.api.timeout.ms",
    "allow.auto.create.topics",
];

#[derive(Debug, thiserror::Error)]
pub enum KafkaClientError {
    #[error("cannot create Kafka {role} client: {source}")]
    Create {
        role: &'static str,
        #[source]
        source: rdkafka::error::KafkaError,
    },
    #[error("{0}")]
    Other(String),
}

fn build(base: BTreeMap<String, String>, overrides: &BTreeMap<String, String>) -> ClientConfig {
    let mut cfg = ClientConfig::new();
    for (k, v) in base.iter().chain(overrides.iter()) {
        if JAVA_ONLY_KEYS.contains(&k.as_str()) {
            warn!("Kafka client key {k} has no librdkafka equivalent and is ignored");
            continue;
        }
        cfg.set(k, v);
    }
    cfg
}

/// Producer settings for source tasks: every record acknowledged by all in-sync
/// replicas, idempotent so retries neither duplicate nor reorder (Kafka Connect gets
/// the same ordering by limiting in-flight requests to one).
pub fn producer_config(
    worker: &WorkerConfig,
    connector_overrides: &BTreeMap<String, String>,
) -> ClientConfig {
    let mut base = worker.common_client_props();
    for (k, v) in [
        ("acks", "all"),
        ("enable.idempotence", "true"),
        ("linger.ms", "5"),
        ("message.timeout.ms", "0"), // Kafka Connect: delivery.timeout.ms = MAX
        ("queue.buffering.max.messages", "1000000"),
    ] {
        base.insert(k.into(), v.into());
    }
    let mut overrides = worker.producer_overrides.clone();
    overrides.extend(connector_overrides.clone());
    build(base, &overrides)
}

/// Consumer settings for sink tasks: no consumer group (partitions are assigned by us,
/// positions come from our offset store), no auto commit.
pub fn consumer_config(
    worker: &WorkerConfig,
    connector_overrides: &BTreeMap<String, String>,
) -> ClientConfig {
    let mut base = worker.common_client_props();
    for (k, v) in [
        ("enable.auto.commit", "false"),
        ("enable.auto.offset.store", "false"),
        ("auto.offset.reset", "earliest"),
        ("enable.partition.eof", "false"),
        // librdkafka's assign() lives on its group handle, which exists only with a
        // group.id (without one, assign fails with "Unknown group"). We never
        // subscribe() and never commit to Kafka, so no group is joined: the broker sees
        // at most coordinator lookups.
        ("group.id", "raftconnect-assign-only"),
    ] {
        base.insert(k.into(), v.into());
    }
    let mut overrides = worker.consumer_overrides.clone();
    overrides.extend(connector_overrides.clone());
    build(base, &overrides)
}

pub fn admin_config(worker: &WorkerConfig) -> ClientConfig {
    build(worker.common_client_props(), &worker.admin_overrides)
}

/// `producer.override.*` / `consumer.override.*` keys of a connector config.
pub fn connector_overrides(
    config: &BTreeMap<String, String>,
    prefix: &str,
) -> BTreeMap<String, String> {
    config
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone())))
        .collect()
}
