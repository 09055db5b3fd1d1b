//! Verifiable connectors: Kafka Connect's `VerifiableSourceConnector` and
//! `VerifiableSinkConnector` (`org.apache.kafka.connect.tools`), the connectors Kafka's
//! system tests and our fault-injection suite use to check that no record is lost or
//! reordered across failures.
//!
//! * [`source::VerifiableSourceTask`] produces, per task, the sequence 0, 1, 2, … (key:
//!   the task id, value: the seqno) and logs one JSON line per record polled and
//!   another once Kafka acknowledged it (`"committed": true`).
//! * [`sink::VerifiableSinkTask`] logs one JSON line per record put and another for
//!   each record once it is flushed (`"flushed": true`).
//!
//! Lines go to stdout, as Kafka's do, or, with our `verifiable.log.dir` key, to one file
//! per task instance in that directory (see [`log`]), so a checker can collect them
//! from several processes or containers sharing the directory.

use connect_api::{
    ConnectError, ConnectorInstance, ConnectorKind, ConnectorPlugin, DataError, Props,
};

pub mod log;
pub mod sink;
pub mod source;

pub use sink::{VerifiableSinkConnector, VerifiableSinkTask};
pub use source::{VerifiableSourceConnector, VerifiableSourceTask};

/// The version both connectors and their tasks report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub const SOURCE_CLASS: &str = "org.apache.kafka.connect.tools.VerifiableSourceConnector";
pub const SINK_CLASS: &str = "org.apache.kafka.connect.tools.VerifiableSinkConnector";

/// The connector's name, which the runtime puts in every task config (Kafka's
/// `NAME_CONFIG`).
pub const NAME_CONFIG: &str = "name";
/// The task index the connector adds to each task config (Kafka's `ID_CONFIG`).
pub const ID_CONFIG: &str = "id";
/// Our addition: a directory for one JSON-lines file per task instance instead of stdout.
pub const LOG_DIR_CONFIG: &str = "verifiable.log.dir";

/// The source and sink connector plugins.
pub fn plugins() -> Vec<ConnectorPlugin> {
    vec![
        ConnectorPlugin {
            class: SOURCE_CLASS,
            aliases: &["VerifiableSource", "VerifiableSourceConnector"],
            kind: ConnectorKind::Source,
            version: VERSION,
            create: || ConnectorInstance::Source(Box::new(VerifiableSourceConnector::new())),
        },
        ConnectorPlugin {
            class: SINK_CLASS,
            aliases: &["VerifiableSink", "VerifiableSinkConnector"],
            kind: ConnectorKind::Sink,
            version: VERSION,
            create: || ConnectorInstance::Sink(Box::new(VerifiableSinkConnector::new())),
        },
    ]
}

/// What goes wrong in these connectors beyond config parsing.
#[derive(Debug, thiserror::Error)]
pub enum VerifiableError {
    /// The log directory cannot be created, or a file cannot be created in it.
    #[error("cannot write verifiable log file in {path}: {source}")]
    LogDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Appending lines to an open log (file or stdout) failed.
    #[error("cannot append to verifiable log {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A sink record whose key or value is not an integer the source could have written.
    #[error("VerifiableSinkTask cannot read the {field} of the record at topic {topic} partition {partition} offset {offset}: expected an integer (or a string holding one), got {found}")]
    NotAnInteger {
        field: &'static str,
        topic: String,
        partition: i32,
        offset: i64,
        found: String,
    },
    /// A committed source offset that this task could not have written.
    #[error("VerifiableSourceTask {task}: the committed offset {offset} has no integer \"seqno\"")]
    BadOffset { task: i32, offset: String },
}

impl From<VerifiableError> for ConnectError {
    fn from(e: VerifiableError) -> Self {
        match e {
            VerifiableError::LogDir { .. } => ConnectError::config(LOG_DIR_CONFIG, e.to_string()),
            VerifiableError::Write { path, source } => {
                ConnectError::io(format!("cannot append to verifiable log {path}"), source)
            }
            VerifiableError::NotAnInteger { .. } | VerifiableError::BadOffset { .. } => {
                ConnectError::Data(DataError::new(e.to_string()))
            }
        }
    }
}

/// Milliseconds since the epoch, the `time_ms` of every line.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Hands out `max_tasks` copies of `props`, each with its index as `id` (both Kafka
/// connectors do exactly this).
pub(crate) fn numbered_task_configs(props: &Props, max_tasks: usize) -> Vec<Props> {
    (0..max_tasks)
        .map(|i| {
            let mut p = props.clone();
            p.insert(ID_CONFIG.to_string(), i.to_string());
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_answer_to_class_names_and_aliases() {
        let plugins = plugins();
        assert_eq!(plugins.len(), 2);
        let source = plugins
            .iter()
            .find(|p| p.kind == ConnectorKind::Source)
            .unwrap();
        for name in [
            SOURCE_CLASS,
            "VerifiableSource",
            "VerifiableSourceConnector",
        ] {
            assert!(source.answers_to(name), "{name}");
        }
        assert!(!source.answers_to("VerifiableSink"));
        assert!(matches!((source.create)(), ConnectorInstance::Source(_)));
        let sink = plugins
            .iter()
            .find(|p| p.kind == ConnectorKind::Sink)
            .unwrap();
        for name in [SINK_CLASS, "VerifiableSink", "VerifiableSinkConnector"] {
            assert!(sink.answers_to(name), "{name}");
        }
        assert!(matches!((sink.create)(), ConnectorInstance::Sink(_)));
    }

    #[test]
    fn task_configs_are_numbered_copies() {
        let props: Props = [("topic".to_string(), "t".to_string())].into();
        let configs = numbered_task_configs(&props, 3);
        assert_eq!(configs.len(), 3);
        for (i, c) in configs.iter().enumerate() {
            assert_eq!(c.get(ID_CONFIG), Some(&i.to_string()));
            assert_eq!(c.get("topic").map(String::as_str), Some("t"));
        }
    }
}
