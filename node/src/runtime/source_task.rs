//! The source task loop (Kafka's WorkerSourceTask):
//! poll -> SMT chain -> converters -> producer -> delivery ack -> offsets committed
//! through the store.
//!
//! Every polled record takes its place in [`SubmittedRecords`], produced or not: a
//! record a transformation drops, or one skipped after a tolerated failure (its DLQ
//! write acknowledged first), still commits its source offset, in poll order.

use std::collections::HashSet;
use std::sync::Arc;

use connect_api::{SourceRecord, SourceTask, SourceTaskContext};
use raftconnect_raft::{Command, CommandOutcome, InstanceId, RunState, StoreError};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use smt::TransformChain;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::context::{Control, WorkerContext};
use super::converters::{HeaderBytes, RecordConverters};
use super::error::{error_chain, InstanceError, Stage};
use super::errors::dlq::{DlqRecord, Origin};
use super::errors::reporter::{consumed_details, ErrorHandler};
use super::errors::{Failure, SOURCE_TASK_CLASS};
use super::offsets::{
    canonical_json, DeliveryError, KeptRecord, OnProduceFailure, StoreOffsetReader,
    SubmittedRecords,
};
use super::TaskSpec;
use crate::kafka;

/// Records handed to the producer and not yet acknowledged, at most.
const MAX_IN_FLIGHT: usize = 200_000;

const DATA_EXCEPTION: &str = "org.apache.kafka.connect.errors.DataException";
const KAFKA_EXCEPTION: &str = "org.apache.kafka.common.KafkaException";

struct Converted {
    topic: String,
    partition: Option<i32>,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<HeaderBytes>,
    timestamp: Option<i64>,
}

impl Converted {
    fn dlq_record(&self) -> DlqRecord {
        DlqRecord {
            key: self.key.clone(),
            value: self.value.clone(),
            headers: self.headers.clone(),
            timestamp: self.timestamp,
        }
    }
}

/// Key, value, then headers, as Kafka converts them; a failure names the stage and the
/// converter class.
fn convert(conv: &RecordConverters, r: &SourceRecord) -> Result<Converted, Failure> {
    let rec = &r.record;
    let fail = |stage, class: &str, e: converters::ConverterError| {
        Failure::new(stage, class, e.java_class(), error_chain(&e))
    };
    let key = conv
        .key
        .from_connect_data(&rec.topic, rec.key_schema.as_ref(), &rec.key)
        .map_err(|e| fail(Stage::KeyConverter, &conv.key_class, e))?;
    let value = conv
        .value
        .from_connect_data(&rec.topic, rec.value_schema.as_ref(), &rec.value)
        .map_err(|e| fail(Stage::ValueConverter, &conv.value_class, e))?;
    let headers = if rec.headers.is_empty() {
        Vec::new()
    } else {
        conv.headers_to_bytes(&rec.topic, &rec.headers)
            .map_err(|e| fail(Stage::HeaderConverter, &conv.header_class, e))?
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

/// Kafka's log detail of a source record (`errors.log.include.messages`).
fn source_details(r: &SourceRecord) -> String {
    let rec = &r.record;
    format!(
        ", where source record is = SourceRecord{{sourcePartition={}, sourceOffset={}}} ConnectRecord{{topic='{}', kafkaPartition={}, key={}, value={}, timestamp={}, headers={:?}}}",
        serde_json::Value::Object(r.source_partition.clone()),
        serde_json::Value::Object(r.source_offset.clone()),
        rec.topic,
        rec.kafka_partition.map_or("null".to_string(), |p| p.to_string()),
        rec.key,
        rec.value,
        rec.timestamp.map_or("null".to_string(), |t| t.to_string()),
        rec.headers.iter().map(|h| h.key.as_str()).collect::<Vec<_>>()
    )
}

/// Sleeps `delay` unless the task is told to stop meanwhile (false then).
pub(crate) async fn sleep_unless_stopped(
    delay: std::time::Duration,
    control: &mut watch::Receiver<Control>,
) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        if *control.borrow_and_update() == Control::Stopping {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return true,
            changed = control.changed() => if changed.is_err() { return false },
        }
    }
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
    conv: Arc<RecordConverters>,
    chain: TransformChain<SourceRecord>,
    handler: Arc<ErrorHandler>,
    /// The last source partition seen and its canonical key: most tasks read one or a
    /// few partitions, so the key is rarely serialized again.
    last_partition: Option<(connect_api::SourcePartition, Arc<str>)>,
    /// The task asked for `commit_record` calls: only then are records kept until they
    /// settle.
    wants_commit_record: bool,
}

impl SourceLoop {
    fn partition_key(&mut self, partition: &connect_api::SourcePartition) -> Arc<str> {
        if let Some((p, key)) = &self.last_partition {
            if p == partition {
                return key.clone();
            }
        }
        let key: Arc<str> = canonical_json(partition).into();
        self.last_partition = Some((partition.clone(), key.clone()));
        key
    }

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
        self.ctx
            .record_topics(&self.spec.id.connector, vec![topic.to_string()])
            .await;
        Ok(())
    }

    /// A copy of `record` for the task's `commit_record`, when it wants one.
    fn keep(&self, record: Option<&SourceRecord>, topic: Option<&str>) -> Option<Box<KeptRecord>> {
        if !self.wants_commit_record {
            return None;
        }
        record.map(|r| {
            Box::new(KeptRecord {
                record: r.clone(),
                topic: topic.map(str::to_string),
            })
        })
    }

    /// Hands the records settled since the last call to the task's `commit_record`, in
    /// order. Its errors are logged and ignored, as Kafka does.
    async fn commit_records(&mut self, task: &mut Box<dyn SourceTask>) {
        if !self.submitted.has_settled_records() {
            return;
        }
        for (record, metadata) in self.submitted.take_settled_records() {
            if let Err(e) = task.commit_record(&record, metadata.as_ref()).await {
                warn!(task = %self.spec.id, "task commit_record() failed: {}", error_chain(&e));
            }
        }
    }

    /// A record failed for good before it was produced: report it, then skip it (its
    /// offset commits once the DLQ write is acknowledged) or fail the task.
    fn fail_record(
        &mut self,
        failure: Failure,
        partition: Arc<str>,
        offset: Option<String>,
        record: Option<&SourceRecord>,
        dlq_record: impl FnOnce() -> Option<DlqRecord>,
    ) -> Result<(), InstanceError> {
        let kept = self.keep(record, None);
        let origin = Origin::Source {
            partition: partition.to_string(),
            offset: offset.clone(),
        };
        let ack = self
            .handler
            .fail_record(failure, origin, false, dlq_record, || {
                record.map(source_details).unwrap_or_default()
            })?;
        self.submitted
            .push_skipped(partition, offset, Some(ack), kept);
        Ok(())
    }

    /// One polled record: transformations, converters, producer.
    async fn process(&mut self, record: SourceRecord) -> Result<(), InstanceError> {
        let partition_key = self.partition_key(&record.source_partition);
        let offset =
            (!record.source_offset.is_empty()).then(|| canonical_json(&record.source_offset));
        // Failures are reported, and commit_record called, with the record as the
        // connector produced it.
        let original = (!self.chain.is_empty()
            && (self.handler.wants_originals() || self.wants_commit_record))
            .then(|| record.clone());
        let record = if self.chain.is_empty() {
            record
        } else {
            match self.chain.apply(record) {
                Ok(Some(r)) => r,
                Ok(None) => {
                    let kept = self.keep(original.as_ref(), None);
                    self.submitted
                        .push_skipped(partition_key, offset, None, kept);
                    return Ok(());
                }
                Err(e) => {
                    let failure =
                        Failure::new(Stage::Transformation, e.class, DATA_EXCEPTION, e.message);
                    let conv = self.conv.clone();
                    return self.fail_record(
                        failure,
                        partition_key,
                        offset,
                        original.as_ref(),
                        || {
                            original
                                .as_ref()
                                .map(|r| DlqRecord::from_record(&conv, &r.record))
                        },
                    );
                }
            }
        };
        let c = match convert(&self.conv, &record) {
            Ok(c) => c,
            Err(failure) => {
                let conv = self.conv.clone();
                let orig = original.as_ref().unwrap_or(&record);
                return self.fail_record(failure, partition_key, offset, Some(orig), || {
                    Some(DlqRecord::from_record(&conv, &orig.record))
                });
            }
        };
        self.ensure_topic(&c.topic).await?;
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
        if !c.headers.is_empty() {
            let mut h = OwnedHeaders::new_with_capacity(c.headers.len());
            for (k, v) in &c.headers {
                h = h.insert(Header {
                    key: k,
                    value: v.as_deref(),
                });
            }
            fr = fr.headers(h);
        }
        loop {
            match self.producer.send_result(fr) {
                Ok(delivery) => {
                    let kept = self.wants_commit_record.then(|| {
                        Box::new(KeptRecord {
                            record: original.unwrap_or(record),
                            topic: Some(c.topic.clone()),
                        })
                    });
                    self.submitted.push(partition_key, offset, delivery, kept);
                    return Ok(());
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    fr = back;
                    self.wait_oldest().await?;
                }
                Err((e, _)) => {
                    // Refused before it was queued (e.g. too large): KIP-779 tolerance.
                    let failure = Failure::new(
                        Stage::KafkaProduce,
                        SOURCE_TASK_CLASS,
                        KAFKA_EXCEPTION,
                        e.to_string(),
                    );
                    let orig = original.as_ref().unwrap_or(&record);
                    return self.fail_record(failure, partition_key, offset, Some(orig), || {
                        Some(c.dlq_record())
                    });
                }
            }
        }
    }

    /// `poll`, retrying retriable failures as `errors.retry.timeout` allows. None: the
    /// task was told to stop while waiting to retry.
    async fn poll(
        &mut self,
        task: &mut Box<dyn SourceTask>,
        control: &mut watch::Receiver<Control>,
    ) -> Result<Option<Vec<SourceRecord>>, InstanceError> {
        let mut retrying = self.handler.task_retrying();
        loop {
            match task.poll().await {
                Ok(records) => return Ok(Some(records)),
                Err(e) if e.is_retriable() => {
                    let metrics = self.handler.metrics();
                    metrics.failure();
                    match retrying.next_delay() {
                        Some(delay) => {
                            warn!(task = %self.spec.id, attempt = retrying.attempts(), "poll() failed with a retriable error, retrying in {delay:?}: {}", error_chain(&e));
                            metrics.retry();
                            if !sleep_unless_stopped(delay, control).await {
                                return Ok(None);
                            }
                        }
                        None => {
                            metrics.error();
                            let attempts = retrying.attempts();
                            return Err(InstanceError::from_connect(Stage::TaskPoll, e)
                                .caused_by(format!("poll() failed with retriable errors {attempts} time(s) until errors.retry.timeout ran out")));
                        }
                    }
                }
                Err(e) => return Err(InstanceError::from_connect(Stage::TaskPoll, e)),
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
        self.commit_records(task).await;
        let offsets = self.submitted.take_committable();
        if offsets.is_empty() {
            // As Kafka: commit() runs even when no new offset was produced, so a task
            // that confirms a position upstream (a CDC slot) can move it on when it
            // filtered everything out.
            if let Err(e) = task.commit().await {
                warn!(task = %self.spec.id, "task commit() failed: {}", error_chain(&e));
            }
            return Ok(());
        }
        let n = offsets.len();
        let outcome = match self
            .ctx
            .store
            .submit(Command::CommitSourceOffsets {
                connector: self.spec.id.connector.clone(),
                offsets: offsets.clone(),
                fence: self.spec.fence.clone(),
            })
            .await
        {
            Ok(outcome) => outcome,
            // No quorum for now (an election, a partition): as in Kafka, a failed
            // offset commit is retried at the next interval, not a task failure. If this
            // node lost its lease, the lease watch stops the task anyway.
            Err(StoreError::Unavailable(reason)) => {
                warn!(task = %self.spec.id, partitions = n, "offset commit postponed, retried at the next commit: {reason}");
                self.submitted.restore_committable(offsets);
                return Ok(());
            }
            Err(e) => return Err(InstanceError::connect(Stage::OffsetCommit, e.to_string())),
        };
        if outcome == CommandOutcome::Fenced {
            if super::error::connector_deleted(&self.ctx, &self.spec) {
                return Ok(());
            }
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
    let conv = Arc::new(
        RecordConverters::new(&ctx.config, &spec.connector_config)
            .map_err(|e| InstanceError::connect(Stage::Setup, e.to_string()))?,
    );
    let chain =
        TransformChain::<SourceRecord>::from_config(&spec.connector_config).map_err(|e| {
            InstanceError::new(
                Stage::Setup,
                "org.apache.kafka.common.config.ConfigException",
                e.to_string(),
            )
        })?;
    let metrics = ctx.task_metrics.start(&spec.id);
    let handler = ErrorHandler::new(&ctx, &spec, metrics).await?;
    // A record Kafka refuses: skipped and reported under errors.tolerance=all (KIP-779).
    let on_failure: OnProduceFailure = {
        let handler = handler.clone();
        Box::new(move |partition, offset, err, msg| {
            let failure = Failure::new(
                Stage::KafkaProduce,
                SOURCE_TASK_CLASS,
                KAFKA_EXCEPTION,
                err.to_string(),
            );
            let origin = Origin::Source {
                partition: partition.to_string(),
                offset: offset.map(str::to_string),
            };
            let details = origin.clone();
            handler
                .fail_record(
                    failure,
                    origin,
                    false,
                    || Some(DlqRecord::produced(&msg)),
                    || consumed_details(&details, None),
                )
                .map_err(|e| DeliveryError(e.to_string()))
        })
    };
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
        submitted: SubmittedRecords::new(Some(on_failure)),
        known_topics: HashSet::new(),
        spec,
        conv,
        chain,
        handler,
        last_partition: None,
        wants_commit_record: false,
    };
    // A run of our own before reading offsets (see WorkerContext::claim_run).
    if !ctx.claim_run(&mut lp.spec.fence, &mut control).await {
        return Ok(());
    }
    let offsets = Arc::new(StoreOffsetReader {
        store: ctx.store.clone(),
        connector: lp.spec.id.connector.clone(),
    });
    super::call_plugin(task.start(SourceTaskContext { offsets }, lp.spec.task_config.clone()))
        .await
        .map_err(|e| InstanceError::from_connect(Stage::TaskStart, e))?;
    lp.wants_commit_record = task.wants_commit_record();
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
            let Some(records) = lp.poll(&mut task, &mut control).await? else {
                return Ok(());
            };
            for record in records {
                while lp.submitted.len() >= MAX_IN_FLIGHT {
                    lp.wait_oldest().await?;
                }
                lp.process(record).await?;
                lp.commit_records(&mut task).await;
            }
            lp.submitted
                .drain_ready()
                .map_err(|e| InstanceError::connect(Stage::KafkaProduce, e.to_string()))?;
            lp.commit_records(&mut task).await;
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
    // Records reported to the DLQ just before a failure get there too.
    lp.handler.finish(ctx.config.offset_flush_timeout).await;
    if let Err(e) = task.stop().await {
        warn!(task = %lp.spec.id, "task stop() failed: {}", error_chain(&e));
    }
    result?;
    finish
}
