//! The sink task loop (Kafka's WorkerSinkTask), without consumer groups: the task's
//! partitions are assign()ed and positioned at the offsets in our store; records go
//! through the converters to put(); flushed offsets are committed through the store.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use connect_api::{Record, SinkRecord, SinkTask, SinkTaskContext, TimestampType, TopicPartition};
use futures::{FutureExt, StreamExt};
use raftconnect_raft::{Command, CommandOutcome, InstanceId, RunState};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers, Message, Timestamp};
use rdkafka::{Offset, TopicPartitionList};
use regex::Regex;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::context::{Control, WorkerContext};
use super::converters::RecordConverters;
use super::error::{error_chain, InstanceError, Stage};
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

fn convert(
    conv: &RecordConverters,
    msg: &BorrowedMessage<'_>,
) -> Result<SinkRecord, InstanceError> {
    let topic = msg.topic();
    let key = conv
        .key
        .to_connect_data(topic, msg.key())
        .map_err(|e| InstanceError::new(Stage::KeyConverter, DATA_EXCEPTION, error_chain(&e)))?;
    let value = conv
        .value
        .to_connect_data(topic, msg.payload())
        .map_err(|e| InstanceError::new(Stage::ValueConverter, DATA_EXCEPTION, error_chain(&e)))?;
    let headers = match msg.headers() {
        None => connect_api::Headers::new(),
        Some(h) => conv
            .headers_from_bytes(topic, h.iter().map(|h| (h.key, h.value)))
            .map_err(|e| {
                InstanceError::new(Stage::HeaderConverter, DATA_EXCEPTION, error_chain(&e))
            })?,
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
        let outcome = self
            .ctx
            .store
            .submit(Command::CommitSinkOffsets {
                connector: self.spec.id.connector.clone(),
                offsets: offsets.clone(),
                fence: self.spec.fence.clone(),
            })
            .await
            .map_err(|e| InstanceError::connect(Stage::OffsetCommit, e.to_string()))?;
        if outcome == CommandOutcome::Fenced {
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
    let conv = RecordConverters::new(&ctx.config, &spec.connector_config)
        .map_err(|e| InstanceError::connect(Stage::Setup, e.to_string()))?;
    let selector = TopicSelector::from_config(&spec.connector_config)?;
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
    task.start(SinkTaskContext::default(), spec.task_config.clone())
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
    };
    info!(task = %lp.spec.id, "sink task started");

    let result: Result<(), InstanceError> = async {
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
            {
                let mut stream = lp.consumer.stream();
                let first = tokio::select! {
                    m = tokio::time::timeout(POLL_TIMEOUT, stream.next()) => m.ok().flatten(),
                    _ = control.changed() => None,
                };
                let mut next = first;
                while let Some(m) = next {
                    let msg =
                        m.map_err(|e| InstanceError::connect(Stage::KafkaConsume, e.to_string()))?;
                    let record = convert(&conv, &msg)?;
                    lp.positions.insert(
                        TopicPartition::new(msg.topic(), msg.partition()),
                        msg.offset() + 1,
                    );
                    batch.push(record);
                    if batch.len() >= lp.max_batch {
                        break;
                    }
                    next = stream.next().now_or_never().flatten();
                }
            }
            if !batch.is_empty() {
                task.put(batch)
                    .await
                    .map_err(|e| InstanceError::from_connect(Stage::TaskPut, e))?;
            }
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
