//! Connectors that fail on purpose, for the error handling integration tests. They are
//! registered only when the environment has `RAFTCONNECT_TEST_PLUGINS=1` (see
//! [`crate::plugins::Plugins::builtin`]), so they never show up in a normal worker.
//!
//! - `io.raftconnect.test.FlakySink` (alias `FlakySink`): appends record values as lines
//!   to `file`; its first `fail.times` `put` calls fail with a retriable error
//!   (`fail.kind=fatal`: a non-retriable one); records whose value contains
//!   `report.matching` are not written but reported with the errant record reporter.
//! - `io.raftconnect.test.PoisonSource` (alias `PoisonSource`): produces `count` records
//!   `record-<i>` (STRING schema) to `topic`, source partition `{"source":"poison"}`,
//!   offset `{"i":<i>}`; the indexes in `poison` get an INT32 value under their STRING
//!   schema, which a schema-checking converter (JsonConverter) rejects.
//! - `io.raftconnect.test.BlockingConnector` (alias `BlockingConnector`): a source whose
//!   code blocks its thread (`std::thread::sleep`, as Kafka's BlockingConnectorTest
//!   connectors do) for `block.ms` (default an hour) in the method named by `block`:
//!   `start` (the connector's start()), `validate` (its validate(), so validation
//!   requests block) or `task_start` (its task's start()); `none` (the default) never
//!   blocks. Its tasks produce nothing.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use connect_api::config::{ConfigDef, ConfigInfos, ConfigKey, ConfigType, ConfigValue, Importance};
use connect_api::{
    ConnectError, Connector, ConnectorContext, ConnectorInstance, ConnectorKind, ConnectorPlugin,
    Props, Schema, SinkConnector, SinkRecord, SinkTask, SinkTaskContext, SourceConnector,
    SourceRecord, SourceTask, SourceTaskContext, Value,
};
use tokio::io::AsyncWriteExt;

pub const ENV: &str = "RAFTCONNECT_TEST_PLUGINS";

pub fn enabled() -> bool {
    std::env::var(ENV).is_ok_and(|v| v == "1")
}

pub fn plugins() -> Vec<ConnectorPlugin> {
    vec![
        ConnectorPlugin {
            class: "io.raftconnect.test.FlakySink",
            aliases: &["FlakySink"],
            kind: ConnectorKind::Sink,
            version: env!("CARGO_PKG_VERSION"),
            create: || ConnectorInstance::Sink(Box::new(Copies::<FlakySinkTask>::default())),
        },
        ConnectorPlugin {
            class: "io.raftconnect.test.PoisonSource",
            aliases: &["PoisonSource"],
            kind: ConnectorKind::Source,
            version: env!("CARGO_PKG_VERSION"),
            create: || ConnectorInstance::Source(Box::new(Copies::<PoisonSourceTask>::default())),
        },
        ConnectorPlugin {
            class: "io.raftconnect.test.BlockingConnector",
            aliases: &["BlockingConnector"],
            kind: ConnectorKind::Source,
            version: env!("CARGO_PKG_VERSION"),
            create: || ConnectorInstance::Source(Box::new(Copies::<BlockingTask>::default())),
        },
    ]
}

/// Blocks the calling thread for `block.ms` when `block` names `stage`, in short sleeps
/// (so the blocked thread shows up in a stack dump as sleeping here).
fn block_if(props: &Props, stage: &str) {
    if props.get("block").map(|b| b.trim()) != Some(stage) {
        return;
    }
    let ms = int(props, "block.ms", 3_600_000)
        .unwrap_or(3_600_000)
        .max(0) as u64;
    let end = Instant::now() + Duration::from_millis(ms);
    tracing::info!(stage, ms, "BlockingConnector: blocking");
    while Instant::now() < end {
        std::thread::sleep(
            Duration::from_millis(50).min(end.saturating_duration_since(Instant::now())),
        );
    }
}

/// A connector that hands its config to every task.
struct Copies<T> {
    props: Props,
    _task: std::marker::PhantomData<fn() -> T>,
}

impl<T> Default for Copies<T> {
    fn default() -> Self {
        Copies {
            props: Props::new(),
            _task: std::marker::PhantomData,
        }
    }
}

trait TestTask {
    fn config_def() -> ConfigDef;
    /// Called first by the connector's start(), validate() (before the ConfigDef checks).
    fn connector_hook(_props: &Props, _stage: &str) {}
}

#[async_trait]
impl<T: TestTask + Send + 'static> Connector for Copies<T> {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }
    fn config_def(&self) -> ConfigDef {
        T::config_def()
    }
    fn validate(&self, props: &Props) -> ConfigInfos {
        T::connector_hook(props, "validate");
        self.config_def().validate(props)
    }
    async fn start(&mut self, _: ConnectorContext, props: Props) -> Result<(), ConnectError> {
        T::connector_hook(&props, "start");
        self.props = props;
        Ok(())
    }
    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        Ok(vec![self.props.clone(); max_tasks.max(1)])
    }
    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl SinkConnector for Copies<FlakySinkTask> {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::<FlakySinkTask>::default()
    }
}

impl SourceConnector for Copies<PoisonSourceTask> {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::<PoisonSourceTask>::default()
    }
}

impl SourceConnector for Copies<BlockingTask> {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::<BlockingTask>::default()
    }
}

fn int(props: &Props, key: &str, default: i64) -> Result<i64, ConnectError> {
    match props.get(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConnectError::config(key, format!("not a number: {v}"))),
    }
}

#[derive(Default)]
pub struct FlakySinkTask {
    context: SinkTaskContext,
    file: Option<tokio::fs::File>,
    failures_left: i64,
    fatal: bool,
    report_matching: Option<String>,
    puts: u64,
}

impl TestTask for FlakySinkTask {
    fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new("file", ConfigType::String).importance(Importance::High))
            .define(
                ConfigKey::new("fail.times", ConfigType::Long).default_value(ConfigValue::Long(0)),
            )
            .define(ConfigKey::new("fail.kind", ConfigType::String).default_value("retriable"))
            .define(ConfigKey::new("report.matching", ConfigType::String).default_null())
    }
}

#[async_trait]
impl SinkTask for FlakySinkTask {
    async fn start(&mut self, context: SinkTaskContext, props: Props) -> Result<(), ConnectError> {
        let path = props
            .get("file")
            .ok_or_else(|| ConnectError::config("file", "required"))?;
        self.file = Some(
            tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .await
                .map_err(|e| ConnectError::io(format!("cannot open {path}"), e))?,
        );
        self.failures_left = int(&props, "fail.times", 0)?;
        self.fatal = props.get("fail.kind").is_some_and(|k| k == "fatal");
        self.report_matching = props
            .get("report.matching")
            .filter(|s| !s.is_empty())
            .cloned();
        self.context = context;
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        if records.is_empty() {
            return Ok(());
        }
        self.puts += 1;
        if self.failures_left > 0 {
            self.failures_left -= 1;
            let msg = format!("injected failure of put #{}", self.puts);
            return Err(if self.fatal {
                ConnectError::Other(msg)
            } else {
                ConnectError::Retriable(msg)
            });
        }
        let mut lines = String::new();
        for r in &records {
            let v = r.record.value.to_string();
            if let Some(m) = &self.report_matching {
                if v.contains(m.as_str()) {
                    let reporter = self
                        .context
                        .errant_record_reporter
                        .as_ref()
                        .ok_or_else(|| ConnectError::Other("no errant record reporter".into()))?;
                    reporter
                        .report(r, &ConnectError::Other(format!("rejected {v}")))
                        .await?;
                    continue;
                }
            }
            lines.push_str(&v);
            lines.push('\n');
        }
        let f = self.file.as_mut().expect("started");
        f.write_all(lines.as_bytes())
            .await
            .map_err(|e| ConnectError::io("write", e))?;
        f.flush().await.map_err(|e| ConnectError::io("flush", e))
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        self.file = None;
        Ok(())
    }
}

#[derive(Default)]
pub struct PoisonSourceTask {
    topic: String,
    count: i64,
    next: i64,
    batch: i64,
    poison: BTreeSet<i64>,
}

impl TestTask for PoisonSourceTask {
    fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new("topic", ConfigType::String).importance(Importance::High))
            .define(ConfigKey::new("count", ConfigType::Long).default_value(ConfigValue::Long(100)))
            .define(
                ConfigKey::new("poison", ConfigType::List)
                    .default_value(ConfigValue::List(Vec::new())),
            )
            .define(
                ConfigKey::new("batch.size", ConfigType::Long)
                    .default_value(ConfigValue::Long(100)),
            )
    }
}

fn source_partition() -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("source".into(), "poison".into());
    m
}

#[async_trait]
impl SourceTask for PoisonSourceTask {
    async fn start(
        &mut self,
        context: SourceTaskContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        self.topic = props
            .get("topic")
            .cloned()
            .ok_or_else(|| ConnectError::config("topic", "required"))?;
        self.count = int(&props, "count", 100)?;
        self.batch = int(&props, "batch.size", 100)?.max(1);
        self.poison = props
            .get("poison")
            .map(|p| p.split(',').filter_map(|s| s.trim().parse().ok()).collect())
            .unwrap_or_default();
        self.next = context
            .offsets
            .offset(&source_partition())
            .and_then(|o| o.get("i").and_then(|i| i.as_i64()))
            .map_or(0, |i| i + 1);
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        if self.next >= self.count {
            tokio::time::sleep(Duration::from_millis(200)).await;
            return Ok(Vec::new());
        }
        let end = (self.next + self.batch).min(self.count);
        let records = (self.next..end)
            .map(|i| {
                let mut offset = serde_json::Map::new();
                offset.insert("i".into(), i.into());
                let value = if self.poison.contains(&i) {
                    Value::Int32(i as i32)
                } else {
                    Value::String(format!("record-{i}"))
                };
                SourceRecord::new(
                    source_partition(),
                    offset,
                    self.topic.clone(),
                    Some(Schema::string()),
                    value,
                )
            })
            .collect();
        self.next = end;
        Ok(records)
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

/// The task of `BlockingConnector`: blocks in start() with `block=task_start`, then
/// produces nothing.
#[derive(Default)]
pub struct BlockingTask;

impl TestTask for BlockingTask {
    fn config_def() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("block", ConfigType::String)
                    .default_value("none")
                    .doc("start, validate, task_start or none: where to block"),
            )
            .define(
                ConfigKey::new("block.ms", ConfigType::Long)
                    .default_value(ConfigValue::Long(3_600_000))
                    .doc("How long to block"),
            )
    }
    fn connector_hook(props: &Props, stage: &str) {
        block_if(props, stage);
    }
}

#[async_trait]
impl SourceTask for BlockingTask {
    async fn start(&mut self, _: SourceTaskContext, props: Props) -> Result<(), ConnectError> {
        block_if(&props, "task_start");
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(Vec::new())
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poison_record_fails_a_schema_checking_converter_only() {
        let mut json = converters::new_converter("JsonConverter").unwrap();
        let props = [("schemas.enable".to_string(), "false".to_string())]
            .into_iter()
            .collect();
        json.configure(&props, false).unwrap();
        let schema = Schema::string();
        assert!(json
            .from_connect_data("t", Some(&schema), &Value::String("record-1".into()))
            .is_ok());
        let e = json
            .from_connect_data("t", Some(&schema), &Value::Int32(1))
            .unwrap_err();
        assert_eq!(
            e.java_class(),
            "org.apache.kafka.connect.errors.DataException"
        );
    }
}
