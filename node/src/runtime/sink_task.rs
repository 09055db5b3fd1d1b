//! The sink task loop (Kafka's WorkerSinkTask), without consumer groups: the task's
//! partitions are assign()ed and positioned at the offsets in our store; records go
//! through the converters and the SMT chain to put(); flushed offsets are committed
//! through the store.
//!
//! A record that fails conversion or transformation is reported (log, DLQ with its
//! consumed bytes) and skipped under `errors.tolerance=all`; a record a transformation
//! drops is simply not put. Either way its offset advances with the batch. Offsets are
//! committed only after every DLQ write before them is acknowledged.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use connect_api::{
    ErrantRecordReporter, Record, SinkRecord, SinkTask, SinkTaskContext, TimestampType,
    TopicPartition,
};
use futures::{FutureExt, StreamExt};
use raftconnect_raft::{Command, CommandOutcome, InstanceId, RunState, StoreError};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers, Message, Timestamp};
use rdkafka::{Offset, TopicPartitionList};
use regex::Regex;
use smt::TransformChain;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::context::{Control, WorkerContext};
use super::converters::RecordConverters;
use super::error::{error_chain, InstanceError, Stage};
use super::errors::config::{RetryLimit, Tolerance};
use super::errors::dlq::{DlqRecord, Origin};
use super::errors::reporter::{consumed_details, BatchOriginals, ErrorHandler, SinkErrantReporter};
use super::errors::retry::{decide, Decision};
use super::errors::{Failure, SINK_TASK_CLASS};
use super::source_task::sleep_unless_stopped;
use super::TaskSpec;
use crate::kafka;

const POLL_TIMEOUT: Duration = Duration::from_millis(500);
const TOPIC_REFRESH: Duration = Duration::from_secs(30);
const DATA_EXCEPTION: &str = "org.apache.kafka.connect.errors.DataException";

/// Which topics a sink reads: `topics` or `topics.regex`.
enum TopicSelector {
    List(Vec<String>),
    Regex(Regex),
}

impl TopicSelector {
    fn from_config(config: &connect_api::Props) -> Result<Self, InstanceError> {
        let list: Vec<String> = config
            .get("topics")
            .map(|t| {
                t.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        match config.get("topics.regex").filter(|r| !r.trim().is_empty()) {
            Some(r) if list.is_empty() => Regex::new(&format!("^(?:{r})$"))
                .map(TopicSelector::Regex)
                .map_err(|e| {
                    InstanceError::new(
                        Stage::Setup,
                        "org.apache.kafka.common.config.ConfigException",
                        format!("Invalid value {r} for configuration topics.regex: {e}"),
                    )
                }),
            Some(_) => Err(InstanceError::new(
                Stage::Setup,
                "org.apache.kafka.common.config.ConfigException",
                "Must configure one of topics or topics.regex, not both",
            )),
            None if list.is_empty() => Err(InstanceError::new(
                Stage::Setup,
                "org.apache.kafka.common.config.ConfigException",
                "Must configure one of topics or topics.regex",
            )),
            None => Ok(TopicSelector::List(list)),
        }
    }
}

/// Key, value, then headers, as Kafka converts them; a failure names the stage and the
/// converter class.
fn convert(conv: &RecordConverters, msg: &BorrowedMessage<'_>) -> Result<SinkRecord, Failure> {
    let topic = msg.topic();
    let fail = |stage, class: &str, e: converters::ConverterError| {
        Failure::new(stage, class, e.java_class(), error_chain(&e))
    };
    let key = conv
        .key
        .to_connect_data(topic, msg.key())
        .map_err(|e| fail(Stage::KeyConverter, &conv.key_class, e))?;
    let value = conv
        .value
        .to_connect_data(topic, msg.payload())
        .map_err(|e| fail(Stage::ValueConverter, &conv.value_class, e))?;
    let headers = match msg.headers() {
        None => connect_api::Headers::new(),
        Some(h) => conv
            .headers_from_bytes(topic, h.iter().map(|h| (h.key, h.value)))
            .map_err(|e| fail(Stage::HeaderConverter, &conv.header_class, e))?,
    };
    let (timestamp, timestamp_type) = match msg.timestamp() {
        Timestamp::NotAvailable => (None, TimestampType::NoTimestampType),
        Timestamp::CreateTime(t) => (Some(t), TimestampType::CreateTime),
        Timestamp::LogAppendTime(t) => (Some(t), TimestampType::LogAppendTime),
    };
    Ok(SinkRecord {
        record: Record {
            topic: topic.to_string(),
            kafka_partition: Some(msg.partition()),
            key_schema: key.schema,
            key: key.value,
            value_schema: value.schema,
            value: value.value,
            timestamp,
            headers,
        },
        kafka_offset: msg.offset(),
        timestamp_type,
        original_topic: topic.to_string(),
        original_kafka_partition: msg.partition(),
        original_kafka_offset: msg.offset(),
    })
}

fn origin_of(msg: &BorrowedMessage<'_>) -> Origin {
    Origin::Consumed {
        topic: msg.topic().to_string(),
        partition: msg.partition(),
        offset: msg.offset(),
    }
}

fn timestamp_of(msg: &BorrowedMessage<'_>) -> Option<i64> {
    msg.timestamp().to_millis()
}

/// How a `put` ended.
enum PutOutcome {
    /// Put (possibly after retries), or skipped after its retries ran out
    /// (`errors.tolerance=all`): the batch's offsets advance.
    Done,
    /// The task was told to stop while waiting to retry: the batch was not put.
    Stopped,
}

struct SinkLoop {
    ctx: Arc<WorkerContext>,
    spec: TaskSpec,
    consumer: StreamConsumer,
    selector: TopicSelector,
    assignment: Vec<TopicPartition>,
    /// Next offset to read, per partition, for records already put.
    positions: HashMap<TopicPartition, i64>,
    /// What was last committed, so unchanged offsets are not written again.
    committed: HashMap<TopicPartition, i64>,
    max_batch: usize,
    conv: Arc<RecordConverters>,
    chain: TransformChain<SinkRecord>,
    handler: Arc<ErrorHandler>,
}

impl SinkLoop {
    async fn resolve_partitions(&self) -> Result<Vec<TopicPartition>, InstanceError> {
        let topics = match &self.selector {
            TopicSelector::List(l) => l.clone(),
            TopicSelector::Regex(re) => self
                .ctx
                .topics
                .all_topics()
                .await
                .map_err(|e| InstanceError::connect(Stage::KafkaConsume, e.to_string()))?
                .into_iter()
                .filter(|t| re.is_match(t))
                .collect(),
        };
        self.ctx
            .topics
            .partitions(&topics)
            .await
            .map_err(|e| InstanceError::connect(Stage::KafkaConsume, e.to_string()))
    }

    /// Assigns any newly found partitions, positioned at their stored offsets.
    async fn refresh_assignment(
        &mut self,
        task: &mut Box<dyn SinkTask>,
    ) -> Result<(), InstanceError> {
        let found = self.resolve_partitions().await?;
        // Without a consumer group, tasks split the partitions themselves: task i of n
        // takes every n-th partition of the sorted list, so the split is the same on
        // every node and every partition has exactly one task.
        let count = self.spec.task_count.max(1) as usize;
        let mine = self.spec.id.task as usize % count;
        let new: Vec<TopicPartition> = found
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % count == mine)
            .map(|(_, tp)| tp)
            .filter(|tp| !self.assignment.contains(tp))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let stored = self.ctx.store.state().read(|s| {
            s.sink_offsets
                .get(&self.spec.id.connector)
                .cloned()
                .unwrap_or_default()
        });
        // assign() (not incremental_assign, which needs a consumer group) with the whole
        // set: partitions already read continue from their next offset, new ones from
        // the stored offset, or where auto.offset.reset says when there is none.
        let mut tpl = TopicPartitionList::new();
        for tp in self.assignment.iter().chain(new.iter()) {
            let offset = match self
                .positions
                .get(tp)
                .or_else(|| stored.get(&(tp.topic.clone(), tp.partition)))
            {
                Some(o) => Offset::Offset(*o),
                None => Offset::Invalid,
            };
            if let Some(o) = stored.get(&(tp.topic.clone(), tp.partition)) {
                self.committed.entry(tp.clone()).or_insert(*o);
            }
            tpl.add_partition_offset(&tp.topic, tp.partition, offset)
                .map_err(|e| InstanceError::connect(Stage::KafkaConsume, e.to_string()))?;
        }
        self.consumer.assign(&tpl).map_err(|e| {
            InstanceError::connect(Stage::KafkaConsume, format!("assign failed: {e}"))
        })?;
        info!(task = %self.spec.id, partitions = ?new, "assigned partitions");
        let mut topics: Vec<String> = new.iter().map(|tp| tp.topic.clone()).collect();
        topics.sort();
        topics.dedup();
        self.ctx
            .record_topics(&self.spec.id.connector, topics)
            .await;
        task.open(&new)
            .await
            .map_err(|e| InstanceError::from_connect(Stage::TaskStart, e))?;
        self.assignment.extend(new);
        Ok(())
    }

    /// Asks the task what is flushed and commits those offsets through the store.
    async fn commit(&mut self, task: &mut Box<dyn SinkTask>) -> Result<(), InstanceError> {
        if self.positions.is_empty() {
            return Ok(());
        }
        let ready = task
            .pre_commit(&self.positions)
            .await
            .map_err(|e| InstanceError::from_connect(Stage::TaskFlush, e))?;
        let offsets: Vec<((String, i32), Option<i64>)> = ready
            .into_iter()
            .filter(|(tp, o)| self.assignment.contains(tp) && self.committed.get(tp) != Some(o))
            .map(|(tp, o)| ((tp.topic, tp.partition), Some(o)))
            .collect();
        if offsets.is_empty() {
            return Ok(());
        }
        // Records reported to the DLQ (by us or by the task) are durable before any
        // offset past them is committed.
        self.handler.wait_pending().await?;
        let outcome = match self
            .ctx
            .store
            .submit(Command::CommitSinkOffsets {
                connector: self.spec.id.connector.clone(),
                offsets: offsets.clone(),
                fence: self.spec.fence.clone(),
            })
            .await
        {
            Ok(outcome) => outcome,
            // No quorum for now: retried at the next commit (the offsets stay
            // uncommitted), as Kafka retries a failed commit; a lost lease stops the
            // task through the lease watch.
            Err(StoreError::Unavailable(reason)) => {
                warn!(task = %self.spec.id, partitions = offsets.len(), "offset commit postponed, retried at the next commit: {reason}");
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
        for ((t, p), o) in offsets {
            if let Some(o) = o {
                self.committed.insert(TopicPartition::new(t, p), o);
            }
        }
        debug!(task = %self.spec.id, "committed sink offsets");
        Ok(())
    }

    /// One consumed record: converters, then transformations; the record to put, if
    /// any. A failure is reported, then skipped (None) or fails the task.
    fn process(&self, msg: &BorrowedMessage<'_>) -> Result<Option<SinkRecord>, InstanceError> {
        let failure = match convert(&self.conv, msg) {
            Ok(record) if self.chain.is_empty() => return Ok(Some(record)),
            Ok(record) => match self.chain.apply(record) {
                Ok(r) => return Ok(r),
                Err(e) => Failure::new(Stage::Transformation, e.class, DATA_EXCEPTION, e.message),
            },
            Err(f) => f,
        };
        let origin = origin_of(msg);
        let details = consumed_details(&origin, timestamp_of(msg));
        // The DLQ write is awaited (with every other pending one) before the next commit.
        let _dlq_ack = self.handler.fail_record(
            failure,
            origin,
            false,
            || Some(DlqRecord::consumed(msg)),
            || details,
        )?;
        Ok(None)
    }

    /// `put`, retrying retriable failures as `errors.retry.timeout` allows. When the
    /// retries run out: under `errors.tolerance=all` every record of the batch is
    /// reported and skipped; else the task fails.
    async fn put(
        &self,
        task: &mut Box<dyn SinkTask>,
        mut batch: Vec<SinkRecord>,
        control: &mut watch::Receiver<Control>,
    ) -> Result<PutOutcome, InstanceError> {
        let metrics = self.handler.metrics();
        let mut retrying = self.handler.task_retrying();
        // A copy for the next attempt, unless no retry or report could need it.
        let keep_copy = self.handler.config.tolerance == Tolerance::All
            || self.handler.config.task_retry_limit() != RetryLimit::Within(Duration::ZERO);
        loop {
            let attempt = if keep_copy {
                batch.clone()
            } else {
                std::mem::take(&mut batch)
            };
            let e = match task.put(attempt).await {
                Ok(()) => return Ok(PutOutcome::Done),
                Err(e) if e.is_retriable() => e,
                Err(e) => return Err(InstanceError::from_connect(Stage::TaskPut, e)),
            };
            metrics.failure();
            if let Some(delay) = retrying.next_delay() {
                warn!(task = %self.spec.id, attempt = retrying.attempts(), records = batch.len(), "put() failed with a retriable error, retrying in {delay:?}: {}", error_chain(&e));
                metrics.retry();
                if !sleep_unless_stopped(delay, control).await {
                    return Ok(PutOutcome::Stopped);
                }
                continue;
            }
            let attempts = retrying.attempts();
            let why = format!(
                "put() failed with retriable errors {attempts} time(s) until errors.retry.timeout ran out"
            );
            if decide(self.handler.config.tolerance, Stage::TaskPut, true) == Decision::Fail {
                metrics.error();
                return Err(InstanceError::from_connect(Stage::TaskPut, e).caused_by(why));
            }
            warn!(task = %self.spec.id, records = batch.len(), "{why}: skipping the batch (errors.tolerance=all)");
            let failure = Failure::new(
                Stage::TaskPut,
                SINK_TASK_CLASS,
                e.java_class(),
                format!("{}: {why}", error_chain(&e)),
            );
            // The retry failure was counted once above; each skipped record is reported.
            for r in &batch {
                let origin = Origin::Consumed {
                    topic: r.original_topic.clone(),
                    partition: r.original_kafka_partition,
                    offset: r.original_kafka_offset,
                };
                let details = consumed_details(&origin, r.record.timestamp);
                let _dlq_ack = self.handler.fail_record(
                    failure.clone(),
                    origin,
                    true,
                    || {
                        self.handler
                            .original(
                                &r.original_topic,
                                r.original_kafka_partition,
                                r.original_kafka_offset,
                            )
                            .or_else(|| Some(DlqRecord::from_record(&self.conv, &r.record)))
                    },
                    || details,
                )?;
            }
            return Ok(PutOutcome::Done);
        }
    }

    fn set_paused(&self, paused: bool) -> Result<(), InstanceError> {
        let mut tpl = TopicPartitionList::new();
        for tp in &self.assignment {
            tpl.add_partition(&tp.topic, tp.partition);
        }
        let r = if paused {
            self.consumer.pause(&tpl)
        } else {
            self.consumer.resume(&tpl)
        };
        r.map_err(|e| InstanceError::connect(Stage::KafkaConsume, e.to_string()))
    }
}

pub async fn run(
    ctx: Arc<WorkerContext>,
    spec: TaskSpec,
    mut task: Box<dyn SinkTask>,
    mut control: watch::Receiver<Control>,
) -> Result<(), InstanceError> {
    let id = InstanceId::Task(spec.id.clone());
    let generation = spec.generation;
    let conv = Arc::new(
        RecordConverters::new(&ctx.config, &spec.connector_config)
            .map_err(|e| InstanceError::connect(Stage::Setup, e.to_string()))?,
    );
    let chain = TransformChain::<SinkRecord>::from_config(&spec.connector_config).map_err(|e| {
        InstanceError::new(
            Stage::Setup,
            "org.apache.kafka.common.config.ConfigException",
            e.to_string(),
        )
    })?;
    let selector = TopicSelector::from_config(&spec.connector_config)?;
    let metrics = ctx.task_metrics.start(&spec.id);
    let handler = ErrorHandler::new(&ctx, &spec, metrics).await?;
    let reporter: Option<Arc<dyn ErrantRecordReporter>> =
        handler.config.errant_reporter_enabled().then(|| {
            Arc::new(SinkErrantReporter {
                handler: handler.clone(),
                converters: conv.clone(),
            }) as Arc<dyn ErrantRecordReporter>
        });
    let overrides = kafka::connector_overrides(&spec.connector_config, "consumer.override.");
    let max_batch = overrides
        .get("max.poll.records")
        .or(ctx.config.consumer_overrides.get("max.poll.records"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(500usize);
    let consumer: StreamConsumer = kafka::consumer_config(&ctx.config, &overrides)
        .create()
        .map_err(|e| {
            InstanceError::connect(Stage::Setup, format!("cannot create consumer: {e}"))
        })?;
    let context = SinkTaskContext {
        assignment: Vec::new(),
        errant_record_reporter: reporter,
    };
    super::call_plugin(task.start(context, spec.task_config.clone()))
        .await
        .map_err(|e| InstanceError::from_connect(Stage::TaskStart, e))?;
    let mut lp = SinkLoop {
        ctx: ctx.clone(),
        spec,
        consumer,
        selector,
        assignment: Vec::new(),
        positions: HashMap::new(),
        committed: HashMap::new(),
        max_batch,
        conv,
        chain,
        handler,
    };
    info!(task = %lp.spec.id, "sink task started");

    let result: Result<(), InstanceError> = async {
        // Positions come from the committed offsets: claim a run of our own first (see
        // WorkerContext::claim_run), which also brings this node up to date.
        if !ctx.claim_run(&mut lp.spec.fence, &mut control).await {
            return Ok(());
        }
        lp.refresh_assignment(&mut task).await?;
        let mut reported = None;
        let mut next_commit = Instant::now() + ctx.config.offset_flush_interval;
        let mut next_refresh = Instant::now() + TOPIC_REFRESH;
        loop {
            let wanted = *control.borrow_and_update();
            match wanted {
                Control::Stopping => return Ok(()),
                Control::Paused => {
                    if reported != Some(RunState::Paused) {
                        lp.set_paused(true)?;
                        lp.commit(&mut task).await?;
                        ctx.report(
                            &id,
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
                        if reported == Some(RunState::Paused) {
                            lp.set_paused(false)?;
                        }
                        ctx.report(
                            &id,
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
            if Instant::now() >= next_refresh || lp.assignment.is_empty() {
                lp.refresh_assignment(&mut task).await?;
                next_refresh = Instant::now() + TOPIC_REFRESH;
            }
            let mut batch = Vec::new();
            // Next offsets of the records consumed for this batch: they become
            // positions once the batch is put (skipped and dropped records included).
            let mut consumed: HashMap<TopicPartition, i64> = HashMap::new();
            // The batch's records as consumed, for an errant record reporter's DLQ writes.
            let mut originals: Option<BatchOriginals> = (lp.handler.dlq_enabled()
                && lp.handler.config.errant_reporter_enabled())
            .then(HashMap::new);
            {
                let mut stream = lp.consumer.stream();
                let first = tokio::select! {
                    m = tokio::time::timeout(POLL_TIMEOUT, stream.next()) => m.ok().flatten(),
                    _ = control.changed() => None,
                };
                let mut next = first;
                let mut count = 0;
                while let Some(m) = next {
                    let msg = match m {
                        Ok(msg) => msg,
                        // The broker went away or a connection dropped: librdkafka
                        // reconnects by itself, as Kafka's consumer does. Put what this
                        // batch has and keep polling.
                        Err(e) if is_transient_consume_error(&e) => {
                            warn!(task = %lp.spec.id, "consumer: {e}; waiting for the broker");
                            break;
                        }
                        Err(e) => {
                            return Err(InstanceError::connect(Stage::KafkaConsume, e.to_string()))
                        }
                    };
                    if let Some(record) = lp.process(&msg)? {
                        if let Some(o) = originals.as_mut() {
                            o.insert(
                                (msg.topic().to_string(), msg.partition(), msg.offset()),
                                DlqRecord::consumed(&msg),
                            );
                        }
                        batch.push(record);
                    }
                    consumed.insert(
                        TopicPartition::new(msg.topic(), msg.partition()),
                        msg.offset() + 1,
                    );
                    count += 1;
                    if count >= lp.max_batch {
                        break;
                    }
                    next = stream.next().now_or_never().flatten();
                }
            }
            if !batch.is_empty() {
                lp.handler.set_batch(originals.map(Arc::new));
                let outcome = lp.put(&mut task, batch, &mut control).await;
                lp.handler.set_batch(None);
                if let PutOutcome::Stopped = outcome? {
                    return Ok(());
                }
                // An errant record report under errors.tolerance=none fails the task,
                // whatever put() made of the report's error.
                if let Some(e) = lp.handler.take_tolerance_exceeded() {
                    return Err(e);
                }
            }
            lp.positions.extend(consumed);
            if Instant::now() >= next_commit {
                lp.commit(&mut task).await?;
                next_commit = Instant::now() + ctx.config.offset_flush_interval;
            }
        }
    }
    .await;

    // Flush and commit what was put, then let the task go. After a failure the put
    // records may be partly written, which is why only a successful flush commits.
    let finish = if result.is_ok() {
        lp.commit(&mut task).await
    } else {
        Ok(())
    };
    // Records reported to the DLQ just before a failure get there too.
    lp.handler.finish(ctx.config.offset_flush_timeout).await;
    let assigned = lp.assignment.clone();
    if let Err(e) = task.close(&assigned).await {
        warn!(task = %lp.spec.id, "task close() failed: {}", error_chain(&e));
    }
    if let Err(e) = task.stop().await {
        warn!(task = %lp.spec.id, "task stop() failed: {}", error_chain(&e));
    }
    result?;
    finish
}

/// Whether a consumer error is one librdkafka recovers from on its own (a broker down,
/// a dropped connection, a timeout): the task goes on polling. A fatal consumer error
/// fails the task.
fn is_transient_consume_error(e: &rdkafka::error::KafkaError) -> bool {
    use rdkafka::error::{KafkaError, RDKafkaErrorCode as C};
    match e {
        KafkaError::MessageConsumption(code) => matches!(
            code,
            C::AllBrokersDown
                | C::BrokerTransportFailure
                | C::Resolve
                | C::MessageTimedOut
                | C::RequestTimedOut
                | C::OperationTimedOut
                | C::NetworkException
                | C::LeaderNotAvailable
                | C::NotLeaderForPartition
                | C::BrokerNotAvailable
                | C::CoordinatorLoadInProgress
                | C::UnknownTopicOrPartition
        ),
        _ => false,
    }
}

#[cfg(test)]
mod transient_tests {
    use super::is_transient_consume_error;
    use rdkafka::error::{KafkaError, RDKafkaErrorCode as C};

    #[test]
    fn broker_outages_are_transient_and_fatal_errors_are_not() {
        assert!(is_transient_consume_error(&KafkaError::MessageConsumption(
            C::AllBrokersDown
        )));
        assert!(is_transient_consume_error(&KafkaError::MessageConsumption(
            C::BrokerTransportFailure
        )));
        assert!(!is_transient_consume_error(
            &KafkaError::MessageConsumptionFatal(C::Fatal)
        ));
        assert!(!is_transient_consume_error(
            &KafkaError::MessageConsumption(C::TopicAuthorizationFailed)
        ));
    }
}
