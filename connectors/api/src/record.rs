//! Records flowing through a pipeline: what a source task produces and a sink task
//! consumes, with their headers.

use crate::data::{SchemaRef, Value};

/// A source partition (e.g. `{"filename": "/tmp/in.txt"}`): connector-defined JSON.
pub type SourcePartition = serde_json::Map<String, serde_json::Value>;
/// A position within a source partition (e.g. `{"position": 1234}`).
pub type SourceOffset = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub key: String,
    pub schema: Option<SchemaRef>,
    pub value: Value,
}

/// Record headers in order; keys may repeat, as in Kafka.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headers(pub Vec<Header>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    pub fn add(&mut self, key: impl Into<String>, schema: Option<SchemaRef>, value: Value) {
        self.0.push(Header {
            key: key.into(),
            schema,
            value,
        });
    }

    /// The last header with this key, as Kafka's `lastWithName`.
    pub fn last_with_name(&self, key: &str) -> Option<&Header> {
        self.0.iter().rev().find(|h| h.key == key)
    }

    pub fn remove_all(&mut self, key: &str) {
        self.0.retain(|h| h.key != key);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampType {
    #[default]
    NoTimestampType,
    CreateTime,
    LogAppendTime,
}

/// The part every Connect record shares (Kafka's `ConnectRecord`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub topic: String,
    pub kafka_partition: Option<i32>,
    pub key_schema: Option<SchemaRef>,
    pub key: Value,
    pub value_schema: Option<SchemaRef>,
    pub value: Value,
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
    pub headers: Headers,
}

/// Shared access to a record's common part, so transformations work on both kinds.
pub trait ConnectRecord: Clone + Send + Sync + 'static {
    fn record(&self) -> &Record;
    fn record_mut(&mut self) -> &mut Record;
}

/// What a source task produces.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceRecord {
    pub source_partition: SourcePartition,
    pub source_offset: SourceOffset,
    pub record: Record,
}

impl SourceRecord {
    /// A record with a value and its schema, as the common `new SourceRecord(partition,
    /// offset, topic, valueSchema, value)` constructor.
    pub fn new(
        source_partition: SourcePartition,
        source_offset: SourceOffset,
        topic: impl Into<String>,
        value_schema: Option<SchemaRef>,
        value: Value,
    ) -> Self {
        SourceRecord {
            source_partition,
            source_offset,
            record: Record {
                topic: topic.into(),
                value_schema,
                value,
                ..Record::default()
            },
        }
    }
}

impl ConnectRecord for SourceRecord {
    fn record(&self) -> &Record {
        &self.record
    }
    fn record_mut(&mut self) -> &mut Record {
        &mut self.record
    }
}

/// Where Kafka wrote a source record: the parts of Kafka's `RecordMetadata` that
/// [`crate::SourceTask::commit_record`] passes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    /// The topic written to (after transformations).
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// What a sink task consumes: a record read from a Kafka topic partition at an offset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SinkRecord {
    pub record: Record,
    pub kafka_offset: i64,
    pub timestamp_type: TimestampType,
    /// Where the record was read from before any transformation renamed its topic or
    /// partition (KIP-793); offsets are tracked against these.
    pub original_topic: String,
    pub original_kafka_partition: i32,
    pub original_kafka_offset: i64,
}

impl SinkRecord {
    pub fn topic(&self) -> &str {
        &self.record.topic
    }

    pub fn kafka_partition(&self) -> i32 {
        self.record
            .kafka_partition
            .unwrap_or(self.original_kafka_partition)
    }
}

impl ConnectRecord for SinkRecord {
    fn record(&self) -> &Record {
        &self.record
    }
    fn record_mut(&mut self) -> &mut Record {
        &mut self.record
    }
}
