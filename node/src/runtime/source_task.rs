//! The source task loop (Kafka's WorkerSourceTask):
//! poll -> converters -> producer -> delivery ack -> offsets committed through the store.

use std::collections::HashSet;
use std::sync::Arc;

use connect_api::{SourceRecord, SourceTask, SourceTaskContext};
use raftconnect_raft::{Command, CommandOutcome, InstanceId, RunState};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::context::{Control, WorkerContext};
use super::converters::RecordConverters;
use super::error::{error_chain, InstanceError, Stage};
use super::offsets::{canonical_json, StoreOffsetReader, SubmittedRecords};
use super::TaskSpec;
use crate::kafka;

/// Records handed to the producer and not yet acknowledged, at most.
const MAX_IN_FLIGHT: usize = 200_000;

struct Converted {
    topic: String,
    partition: Option<i32>,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Option<OwnedHeaders>,
    timestamp: Option<i64>,
}

fn convert(conv: &RecordConverters, r: &SourceRecord) -> Result<Converted, InstanceError> {
    let rec = &r.record;
    let key = conv
        .key
        .from_connect_data(&rec.topic, rec.key_schema.as_ref(), &rec.key)
        .map_err(|e| {
            InstanceError::new(
                Stage::KeyConverter,
                "org.apache.kafka.connect.errors.DataException",
                error_chain(&e),
            )
        })?;
    let value = conv
        .value
        .from_connect_data(&rec.topic, rec.value_schema.as_ref(), &rec.value)
        .map_err(|e| {
            InstanceError::new(
                Stage::ValueConverter,
                "org.apache.kafka.connect.errors.DataException",
                error_chain(&e),
            )
        })?;
    let headers = if rec.headers.is_empty() {
        None
    } else {
        let pairs = conv
            .headers_to_bytes(&rec.topic, &rec.headers)
            .map_err(|e| {
                InstanceError::new(
                    Stage::HeaderConverter,
                    "org.apache.kafka.connect.errors.DataException",
                    error_chain(&e),
                )
            })?;
        let mut h = OwnedHeaders::new_with_capacity(pairs.len());
        for (k, v) in &pairs {
            h = h.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        Some(h)
    };
    Ok(Converted {
        topic: rec.topic.clone(),
        partition: rec.kafka_partition,
        key,
        value,
        headers,
        timestamp: rec.timestamp,
    })
}

struct SourceLoop {
    ctx: Arc<WorkerContext>,
    spec: TaskSpec,
    id: InstanceId,
    producer: FutureProducer,
    submitted: SubmittedRecords,
    known_topics: HashSet<String>,
    topic_partitions: i32,
    topic_replication: i32,
}

impl SourceLoop {
    async fn ensure_topic(&mut self, topic: &str) -> Result<(), InstanceError> {
        if self.known_topics.contains(topic) {
            return Ok(());
        }
        self.ctx
            .topics
            .ensure_topic(topic, self.topic_partitions, self.topic_replication)
            .await
            .map_err(|e| InstanceError::connect(Stage::KafkaProduce, e.to_string()))?;
        self.known_topics.insert(topic.to_string());
        Ok(())
    }

    async fn send(
        &mut self,
        conv: &RecordConverters,
        record: &SourceRecord,
    ) -> Result<(), InstanceError> {
        let c = convert(conv, record)?;
        self.ensure_topic(&c.topic).await?;
        let partition_key: Arc<str> = canonical_json(&record.source_partition).into();
        let offset =
            (!record.source_offset.is_empty()).then(|| canonical_json(&record.source_offset));
        let mut fr: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&c.topic);
        if let Some(k) = &c.key {
            fr = fr.key(k.as_slice());
        }
        if let Some(v) = &c.value {
            fr = fr.payload(v.as_slice());
        }
        if let Some(p) = c.partition {
            fr = fr.partition(p);
        }
        if let Some(ts) = c.timestamp {
            fr = fr.timestamp(ts);
        }
        if let Some(h) = c.headers.clone() {
            fr = fr.headers(h);
        }
        loop {
            match self.producer.send_result(fr) {
                Ok(delivery) => {
                    self.submitted.push(partition_key, offset, delivery);
                    return Ok(());
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    fr = back;
                    self.wait_oldest().await?;
                }
                Err((e, _)) => {
                    return Err(InstanceError::connect(Stage::KafkaProduce, e.to_string()));
                }
            }
        }
    }

    async fn wait_oldest(&mut self) -> Result<(), InstanceError> {
        self.submitted
            .wait_oldest()
            .await
            .map_err(|e| InstanceError::connect(Stage::KafkaProduce, e.to_string()))
    }

    /// Commits the offsets of every acknowledged record.
    async fn commit(&mut self, task: &mut Box<dyn SourceTask>) -> Result<(), InstanceError> {
        self.submitted
            .drain_ready()
            .map_err(|e| InstanceError::connect(Stage::KafkaProduce, e.to_string()))?;
        let offsets = self.submitted.take_committable();
        if offsets.is_empty() {
            return Ok(());
        }
        let n = offsets.len();
        let outcome = self
            .ctx
            .store
            .submit(Command::CommitSourceOffsets {
                connector: self.spec.id.connector.clone(),
                offsets,
                fence: self.spec.fence.clone(),
            })
            .await
            .map_err(|e| InstanceError::connect(Stage::OffsetCommit, e.to_string()))?;
        if outcome == CommandOutcome::Fenced {
            return Err(super::error::fenced(&self.spec));
        }
        debug!(task = %self.spec.id, partitions = n, acked = self.submitted.acked(), "committed source offsets");
        if let Err(e) = task.commit().await {
            warn!(task = %self.spec.id, "task commit() failed: {}", error_chain(&e));
        }
        Ok(())
    }

    /// On stop: wait (bounded) for outstanding acknowledgements and commit what was
    /// acknowledged; anything later is re-sent on restart (at-least-once).
    async fn finish(&mut self, task: &mut Box<dyn SourceTask>) -> Result<(), InstanceError> {
        let timeout = self.ctx.config.offset_flush_timeout;
        let all = self
            .submitted
            .wait_all(timeout)
            .await
            .map_err(|e| InstanceError::connect(Stage::KafkaProduce, e.to_string()))?;
        if !all {
            warn!(task = %self.spec.id, pending = self.submitted.len(), "records not acknowledged within offset.flush.timeout.ms; they will be re-sent");
        }
        self.commit(task).await
    }
}

pub async fn run(
    ctx: Arc<WorkerContext>,
    spec: TaskSpec,
    mut task: Box<dyn SourceTask>,
    mut control: watch::Receiver<Control>,
) -> Result<(), InstanceError> {
    let id = InstanceId::Task(spec.id.clone());
    let conv = RecordConverters::new(&ctx.config, &spec.connector_config)
        .map_err(|e| InstanceError::connect(Stage::Setup, e.to_string()))?;
    let overrides = kafka::connector_overrides(&spec.connector_config, "producer.override.");
    let producer: FutureProducer = kafka::producer_config(&ctx.config, &overrides)
        .create()
        .map_err(|e| {
            InstanceError::connect(Stage::Setup, format!("cannot create producer: {e}"))
        })?;
    let int_key = |k: &str, d: i32| -> Result<i32, InstanceError> {
        match spec.connector_config.get(k) {
            None => Ok(d),
            Some(v) => v.trim().parse().map_err(|_| {
                InstanceError::new(
                    Stage::Setup,
                    "org.apache.kafka.common.config.ConfigException",
                    format!("Invalid value {v} for configuration {k}: Not a number of type INT"),
                )
            }),
        }
    };
    let mut lp = SourceLoop {
        topic_partitions: int_key("topic.creation.default.partitions", 1)?,
        topic_replication: int_key("topic.creation.default.replication.factor", -1)?,
        ctx: ctx.clone(),
        id: id.clone(),
        producer,
        submitted: SubmittedRecords::default(),
        known_topics: HashSet::new(),
        spec,
    };
    let offsets = Arc::new(StoreOffsetReader {
        store: ctx.store.clone(),
        connector: lp.spec.id.connector.clone(),
    });
    task.start(SourceTaskContext { offsets }, lp.spec.task_config.clone())
        .await
        .map_err(|e| InstanceError::from_connect(Stage::TaskStart, e))?;
    info!(task = %lp.spec.id, "source task started");
    let generation = lp.spec.generation;
    let mut reported = None;
    let mut next_commit = Instant::now() + ctx.config.offset_flush_interval;

    let result: Result<(), InstanceError> = async {
        loop {
            let wanted = *control.borrow_and_update();
            match wanted {
                Control::Stopping => return Ok(()),
                Control::Paused => {
                    if reported != Some(RunState::Paused) {
                        lp.finish(&mut task).await?;
                        ctx.report(
                            &lp.id,
                            RunState::Paused,
                            None,
                            generation,
                            lp.spec.fence.clone(),
                        )
                        .await;
                        reported = Some(RunState::Paused);
                    }
                    if control.changed().await.is_err() {
                        return Ok(());
                    }
                    continue;
                }
                Control::Running => {
                    if reported != Some(RunState::Running) {
                        ctx.report(
                            &lp.id,
                            RunState::Running,
                            None,
                            generation,
                            lp.spec.fence.clone(),
                        )
                        .await;
                        reported = Some(RunState::Running);
                    }
                }
            }
            let records = task
                .poll()
                .await
                .map_err(|e| InstanceError::from_connect(Stage::TaskPoll, e))?;
            for record in &records {
                while lp.submitted.len() >= MAX_IN_FLIGHT {
                    lp.wait_oldest().await?;
                }
                lp.send(&conv, record).await?;
            }
            lp.submitted
                .drain_ready()
                .map_err(|e| InstanceError::connect(Stage::KafkaProduce, e.to_string()))?;
            if Instant::now() >= next_commit {
                lp.commit(&mut task).await?;
                next_commit = Instant::now() + ctx.config.offset_flush_interval;
            }
        }
    }
    .await;

    // Whatever happened, commit what Kafka has acknowledged and stop the task.
    let finish = lp.finish(&mut task).await;
    let _ = lp.producer.flush(std::time::Duration::from_millis(100));
    if let Err(e) = task.stop().await {
        warn!(task = %lp.spec.id, "task stop() failed: {}", error_chain(&e));
    }
    result?;
    finish
}
