//! The dead letter queue: its topic, its producer, and the `__connect.errors.*` context
//! headers, named and encoded as Kafka's `DeadLetterQueueReporter` writes them (every
//! value UTF-8 text; partition, offset and task id as decimal digits).

use std::sync::Arc;
use std::time::Duration;

use connect_api::{Record, SchemaRef, Value};
use converters::Converter;
use futures::future::{BoxFuture, Shared};
use futures::FutureExt;
use raftconnect_raft::TaskId;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{
    BorrowedMessage, Header, Headers as _, Message, OwnedHeaders, OwnedMessage, Timestamp,
};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use tracing::{error, warn};

use super::config::DlqConfig;
use super::metrics::ErrorMetrics;
use super::Failure;
use crate::runtime::context::WorkerContext;
use crate::runtime::converters::{HeaderBytes, RecordConverters};
use crate::runtime::error::{InstanceError, Stage};

pub const HEADER_PREFIX: &str = "__connect.errors.";
pub const ERROR_HEADER_ORIG_TOPIC: &str = "__connect.errors.topic";
pub const ERROR_HEADER_ORIG_PARTITION: &str = "__connect.errors.partition";
pub const ERROR_HEADER_ORIG_OFFSET: &str = "__connect.errors.offset";
pub const ERROR_HEADER_CONNECTOR_NAME: &str = "__connect.errors.connector.name";
pub const ERROR_HEADER_TASK_ID: &str = "__connect.errors.task.id";
pub const ERROR_HEADER_STAGE: &str = "__connect.errors.stage";
pub const ERROR_HEADER_EXECUTING_CLASS: &str = "__connect.errors.class.name";
pub const ERROR_HEADER_EXCEPTION: &str = "__connect.errors.exception.class.name";
pub const ERROR_HEADER_EXCEPTION_MESSAGE: &str = "__connect.errors.exception.message";
pub const ERROR_HEADER_EXCEPTION_STACK_TRACE: &str = "__connect.errors.exception.stacktrace";
/// Our addition, for source records: the source partition and offset as JSON.
pub const ERROR_HEADER_SOURCE_PARTITION: &str = "__connect.errors.source.partition";
pub const ERROR_HEADER_SOURCE_OFFSET: &str = "__connect.errors.source.offset";

/// Kafka's `DLQ_NUM_DESIRED_PARTITIONS`: one partition keeps the DLQ in failure order.
const DLQ_PARTITIONS: i32 = 1;

/// Kafka's producer default `delivery.timeout.ms` (2 minutes).
const DLQ_DELIVERY_TIMEOUT_MS: &str = "120000";

/// Where a failed record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A record a sink consumed.
    Consumed {
        topic: String,
        partition: i32,
        offset: i64,
    },
    /// A record a source task polled: its source partition and offset as canonical JSON.
    Source {
        partition: String,
        offset: Option<String>,
    },
}

/// The record written to the DLQ: for sinks the record as consumed (raw bytes), for
/// sources the record as the connector produced it, serialized.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DlqRecord {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<HeaderBytes>,
    pub timestamp: Option<i64>,
}

impl DlqRecord {
    /// A copy of a consumed record, exactly as it was read.
    pub fn consumed(msg: &BorrowedMessage<'_>) -> Self {
        DlqRecord {
            key: msg.key().map(<[u8]>::to_vec),
            value: msg.payload().map(<[u8]>::to_vec),
            headers: msg
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default(),
            timestamp: match msg.timestamp() {
                Timestamp::NotAvailable => None,
                Timestamp::CreateTime(t) | Timestamp::LogAppendTime(t) => Some(t),
            },
        }
    }

    /// A record the producer gave back after failing to write it.
    pub fn produced(msg: &OwnedMessage) -> Self {
        DlqRecord {
            key: msg.key().map(<[u8]>::to_vec),
            value: msg.payload().map(<[u8]>::to_vec),
            headers: msg
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default(),
            timestamp: match msg.timestamp() {
                Timestamp::NotAvailable => None,
                Timestamp::CreateTime(t) | Timestamp::LogAppendTime(t) => Some(t),
            },
        }
    }

    /// A Connect record serialized with the connector's converters: a source record as
    /// the connector produced it, or a sink record a task reported that is no longer
    /// known in its consumed form. A part the converter cannot serialize (often the very
    /// reason the record failed) is written as JSON instead: with its schema
    /// (`{"schema":..,"payload":..}`) if that works, else without.
    pub fn from_record(conv: &RecordConverters, rec: &Record) -> Self {
        let key = serialize_or_json(
            conv.key.as_ref(),
            &rec.topic,
            rec.key_schema.as_ref(),
            &rec.key,
            true,
        );
        let value = serialize_or_json(
            conv.value.as_ref(),
            &rec.topic,
            rec.value_schema.as_ref(),
            &rec.value,
            false,
        );
        let headers = rec
            .headers
            .iter()
            .map(|h| {
                let bytes = conv
                    .header
                    .from_connect_header(&rec.topic, &h.key, h.schema.as_ref(), &h.value)
                    .ok()
                    .flatten()
                    .or_else(|| json_fallback(&rec.topic, h.schema.as_ref(), &h.value, false));
                (h.key.clone(), bytes)
            })
            .collect();
        DlqRecord {
            key,
            value,
            headers,
            timestamp: rec.timestamp,
        }
    }
}

fn serialize_or_json(
    conv: &dyn Converter,
    topic: &str,
    schema: Option<&SchemaRef>,
    value: &Value,
    is_key: bool,
) -> Option<Vec<u8>> {
    match conv.from_connect_data(topic, schema, value) {
        Ok(bytes) => bytes,
        Err(_) => json_fallback(topic, schema, value, is_key),
    }
}

fn json_fallback(
    topic: &str,
    schema: Option<&SchemaRef>,
    value: &Value,
    is_key: bool,
) -> Option<Vec<u8>> {
    let json = |schemas: bool| -> Option<Box<dyn Converter>> {
        let mut c =
            converters::new_converter("org.apache.kafka.connect.json.JsonConverter").ok()?;
        let props = [("schemas.enable".to_string(), schemas.to_string())]
            .into_iter()
            .collect();
        c.configure(&props, is_key).ok()?;
        Some(c)
    };
    if schema.is_some() {
        if let Some(Ok(bytes)) = json(true).map(|c| c.from_connect_data(topic, schema, value)) {
            return bytes;
        }
    }
    json(false).and_then(|c| c.from_connect_data(topic, None, value).ok().flatten())
}

/// The `__connect.errors.*` headers for a failure, in Kafka's order.
pub fn context_headers(
    origin: &Origin,
    task: &TaskId,
    failure: &Failure,
) -> Vec<(String, Vec<u8>)> {
    let mut h: Vec<(String, Vec<u8>)> = Vec::with_capacity(10);
    let mut add = |k: &str, v: String| h.push((k.to_string(), v.into_bytes()));
    match origin {
        Origin::Consumed {
            topic,
            partition,
            offset,
        } => {
            add(ERROR_HEADER_ORIG_TOPIC, topic.clone());
            add(ERROR_HEADER_ORIG_PARTITION, partition.to_string());
            add(ERROR_HEADER_ORIG_OFFSET, offset.to_string());
        }
        Origin::Source { partition, offset } => {
            add(ERROR_HEADER_SOURCE_PARTITION, partition.clone());
            if let Some(o) = offset {
                add(ERROR_HEADER_SOURCE_OFFSET, o.clone());
            }
        }
    }
    add(ERROR_HEADER_CONNECTOR_NAME, task.connector.clone());
    add(ERROR_HEADER_TASK_ID, task.task.to_string());
    add(ERROR_HEADER_STAGE, failure.stage.as_str().to_string());
    add(
        ERROR_HEADER_EXECUTING_CLASS,
        failure.executing_class.clone(),
    );
    add(ERROR_HEADER_EXCEPTION, failure.exception_class.clone());
    add(ERROR_HEADER_EXCEPTION_MESSAGE, failure.message.clone());
    add(
        ERROR_HEADER_EXCEPTION_STACK_TRACE,
        failure.stacktrace(&task.to_string()),
    );
    h
}

/// Resolves when the broker acknowledged a DLQ write (Err: it did not, and why).
pub type DlqAck = Shared<BoxFuture<'static, Result<(), String>>>;

/// A DLQ write that is already settled, for reports that write nothing.
pub fn settled() -> DlqAck {
    futures::future::ready(Ok(())).boxed().shared()
}

/// Writes failed records to the DLQ topic.
pub struct DlqWriter {
    producer: FutureProducer,
    topic: Arc<str>,
    context_headers: bool,
}

impl DlqWriter {
    /// Creates the DLQ topic if it is missing (one partition, the configured replication
    /// factor lowered to the number of brokers when there are fewer) and the producer.
    pub async fn create(
        ctx: &WorkerContext,
        connector_config: &connect_api::Props,
        dlq: &DlqConfig,
    ) -> Result<Self, InstanceError> {
        let setup = |m: String| {
            InstanceError::connect(
                Stage::Setup,
                format!(
                    "Could not initialize dead letter queue with topic={}: {m}",
                    dlq.topic
                ),
            )
        };
        let mut rf = i32::from(dlq.replication_factor);
        if rf > 1 {
            match ctx.topics.broker_count().await {
                Ok(n) if n > 0 && (n as i32) < rf => {
                    warn!(topic = %dlq.topic, "errors.deadletterqueue.topic.replication.factor={rf} but the cluster has {n} broker(s): creating the DLQ topic with replication factor {n}");
                    rf = n as i32;
                }
                Ok(_) => {}
                Err(e) => return Err(setup(e.to_string())),
            }
        }
        ctx.topics
            .ensure_topic(&dlq.topic, DLQ_PARTITIONS, rf)
            .await
            .map_err(|e| setup(e.to_string()))?;
        let overrides = crate::kafka::connector_overrides(connector_config, "producer.override.");
        let mut config = crate::kafka::producer_config(&ctx.config, &overrides);
        // Unlike the task's producer (which retries forever, as Kafka Connect's), a DLQ
        // write gives up after Kafka's default delivery.timeout.ms: a DLQ that cannot
        // be written fails the task rather than stalling its commits forever.
        if !overrides.contains_key("message.timeout.ms")
            && !ctx
                .config
                .producer_overrides
                .contains_key("message.timeout.ms")
        {
            config.set("message.timeout.ms", DLQ_DELIVERY_TIMEOUT_MS);
        }
        let producer: FutureProducer = config
            .create()
            .map_err(|e| setup(format!("cannot create producer: {e}")))?;
        Ok(DlqWriter {
            producer,
            topic: dlq.topic.as_str().into(),
            context_headers: dlq.context_headers,
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Sends `record` (with the context headers when enabled) and returns its
    /// acknowledgement. The send is queued now, so DLQ records keep the order of the
    /// failures.
    pub fn send(
        &self,
        record: &DlqRecord,
        origin: &Origin,
        task: &TaskId,
        failure: &Failure,
        metrics: Arc<ErrorMetrics>,
    ) -> DlqAck {
        metrics.dlq_request();
        let mut headers = OwnedHeaders::new_with_capacity(record.headers.len() + 10);
        for (k, v) in &record.headers {
            headers = headers.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        if self.context_headers {
            for (k, v) in context_headers(origin, task, failure) {
                headers = headers.insert(Header {
                    key: &k,
                    value: Some(&v),
                });
            }
        }
        let topic = self.topic.clone();
        let mut fr: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&topic).headers(headers);
        if let Some(k) = &record.key {
            fr = fr.key(k.as_slice());
        }
        if let Some(v) = &record.value {
            fr = fr.payload(v.as_slice());
        }
        if let Some(ts) = record.timestamp {
            fr = fr.timestamp(ts);
        }
        let failed = {
            let metrics = metrics.clone();
            let topic = topic.clone();
            move |e: String| {
                metrics.dlq_failure();
                error!("Could not produce message to dead letter queue. topic={topic}: {e}");
                Err(format!(
                    "Could not produce message to dead letter queue. topic={topic}: {e}"
                ))
            }
        };
        let delivery = loop {
            match self.producer.send_result(fr) {
                Ok(d) => break d,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // The local queue is full (a million records): let it drain.
                    fr = back;
                    self.producer.poll(Duration::from_millis(100));
                }
                Err((e, _)) => {
                    let r = failed(e.to_string());
                    return futures::future::ready(r).boxed().shared();
                }
            }
        };
        async move {
            match delivery.await {
                Ok(Ok(_)) => {
                    metrics.dlq_produced();
                    Ok(())
                }
                Ok(Err((e, _))) => failed(e.to_string()),
                Err(_) => failed("the producer was closed before delivery".into()),
            }
        }
        .boxed()
        .shared()
    }

    /// Sends whatever is queued (bounded).
    pub fn flush(&self, timeout: Duration) {
        let _ = self.producer.flush(timeout);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> TaskId {
        TaskId {
            connector: "my-sink".into(),
            task: 2,
        }
    }

    fn failure() -> Failure {
        Failure::new(
            Stage::ValueConverter,
            "org.apache.kafka.connect.json.JsonConverter",
            "org.apache.kafka.connect.errors.DataException",
            "Converting byte[] to Kafka Connect data failed due to serialization error: ",
        )
    }

    fn text(h: &[(String, Vec<u8>)], key: &str) -> Option<String> {
        h.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
    }

    #[test]
    fn sink_headers_are_kafkas_names_and_utf8_text() {
        let origin = Origin::Consumed {
            topic: "orders".into(),
            partition: 3,
            offset: 1_234_567_890_123,
        };
        let h = context_headers(&origin, &task(), &failure());
        let keys: Vec<&str> = h.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "__connect.errors.topic",
                "__connect.errors.partition",
                "__connect.errors.offset",
                "__connect.errors.connector.name",
                "__connect.errors.task.id",
                "__connect.errors.stage",
                "__connect.errors.class.name",
                "__connect.errors.exception.class.name",
                "__connect.errors.exception.message",
                "__connect.errors.exception.stacktrace",
            ]
        );
        assert_eq!(text(&h, ERROR_HEADER_ORIG_TOPIC).unwrap(), "orders");
        assert_eq!(text(&h, ERROR_HEADER_ORIG_PARTITION).unwrap(), "3");
        assert_eq!(text(&h, ERROR_HEADER_ORIG_OFFSET).unwrap(), "1234567890123");
        assert_eq!(text(&h, ERROR_HEADER_CONNECTOR_NAME).unwrap(), "my-sink");
        assert_eq!(text(&h, ERROR_HEADER_TASK_ID).unwrap(), "2");
        assert_eq!(text(&h, ERROR_HEADER_STAGE).unwrap(), "VALUE_CONVERTER");
        assert_eq!(
            text(&h, ERROR_HEADER_EXECUTING_CLASS).unwrap(),
            "org.apache.kafka.connect.json.JsonConverter"
        );
        assert_eq!(
            text(&h, ERROR_HEADER_EXCEPTION).unwrap(),
            "org.apache.kafka.connect.errors.DataException"
        );
        let trace = text(&h, ERROR_HEADER_EXCEPTION_STACK_TRACE).unwrap();
        assert!(
            trace.starts_with("org.apache.kafka.connect.errors.DataException: Converting byte[]")
        );
        assert!(
            trace.contains("VALUE_CONVERTER") && trace.contains("my-sink-2"),
            "{trace}"
        );
    }

    #[test]
    fn source_headers_carry_partition_and_offset_json() {
        let origin = Origin::Source {
            partition: r#"{"filename":"/tmp/in.txt"}"#.into(),
            offset: Some(r#"{"position":42}"#.into()),
        };
        let h = context_headers(&origin, &task(), &failure());
        assert_eq!(h.len(), 9);
        assert_eq!(h[0].0, "__connect.errors.source.partition");
        assert_eq!(
            text(&h, ERROR_HEADER_SOURCE_PARTITION).unwrap(),
            r#"{"filename":"/tmp/in.txt"}"#
        );
        assert_eq!(
            text(&h, ERROR_HEADER_SOURCE_OFFSET).unwrap(),
            r#"{"position":42}"#
        );
        assert!(text(&h, ERROR_HEADER_ORIG_TOPIC).is_none());
        let h = context_headers(
            &Origin::Source {
                partition: "{}".into(),
                offset: None,
            },
            &task(),
            &failure(),
        );
        assert!(text(&h, ERROR_HEADER_SOURCE_OFFSET).is_none());
    }

    #[test]
    fn a_source_record_the_converter_rejects_is_written_as_json() {
        use connect_api::{Props, Schema, SourceRecord};
        let worker = crate::worker_config::WorkerConfig::from_props(Props::from([
            (
                "bootstrap.servers".to_string(),
                "localhost:9092".to_string(),
            ),
            (
                "value.converter".to_string(),
                "org.apache.kafka.connect.json.JsonConverter".to_string(),
            ),
            (
                "value.converter.schemas.enable".to_string(),
                "true".to_string(),
            ),
            (
                "key.converter".to_string(),
                "org.apache.kafka.connect.storage.StringConverter".to_string(),
            ),
        ]))
        .unwrap();
        let conv = RecordConverters::new(&worker, &Props::new()).unwrap();
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            Some(Schema::int32()),
            Value::Int32(7),
        );
        let ok = DlqRecord::from_record(&conv, &r.record);
        assert_eq!(
            String::from_utf8(ok.value.unwrap()).unwrap(),
            r#"{"schema":{"type":"int32","optional":false},"payload":7}"#
        );
        // A value that does not match its schema: the converter fails; it is written
        // as schemaless JSON instead.
        r.record.value = Value::String("seven".into());
        let d = DlqRecord::from_record(&conv, &r.record);
        assert_eq!(d.value.as_deref(), Some(&b"\"seven\""[..]));
        assert_eq!(d.key, None);
    }
}
