//! FileStream connectors: Kafka Connect's `connect-file` module (the example source
//! and sink connectors), with Kafka's class names, configuration keys, source
//! partition/offset format and output format.
//!
//! * [`source::FileStreamSourceConnector`] / [`source::FileStreamSourceTask`] tail a
//!   file (or read stdin) line by line and produce one string record per line.
//! * [`sink::FileStreamSinkConnector`] / [`sink::FileStreamSinkTask`] append each
//!   record's value, printed as Java's `String.valueOf` would, as a line to a file (or
//!   stdout).
//!
//! [`plugins`] registers both under their Java class names and short aliases.

use connect_api::{ConnectorInstance, ConnectorKind, ConnectorPlugin};

pub mod sink;
pub mod source;

pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::{FileStreamSourceConnector, FileStreamSourceTask};

/// The version both connectors and their tasks report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub const SOURCE_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
pub const SINK_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";

/// The FileStream source and sink connector plugins.
pub fn plugins() -> Vec<ConnectorPlugin> {
    vec![
        ConnectorPlugin {
            class: SOURCE_CLASS,
            aliases: &["FileStreamSource", "FileStreamSourceConnector"],
            kind: ConnectorKind::Source,
            version: VERSION,
            create: || ConnectorInstance::Source(Box::new(FileStreamSourceConnector::new())),
        },
        ConnectorPlugin {
            class: SINK_CLASS,
            aliases: &["FileStreamSink", "FileStreamSinkConnector"],
            kind: ConnectorKind::Sink,
            version: VERSION,
            create: || ConnectorInstance::Sink(Box::new(FileStreamSinkConnector::new())),
        },
    ]
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
            "FileStreamSource",
            "FileStreamSourceConnector",
        ] {
            assert!(source.answers_to(name), "{name}");
        }
        assert!(!source.answers_to("FileStreamSink"));
        assert!(matches!((source.create)(), ConnectorInstance::Source(_)));

        let sink = plugins
            .iter()
            .find(|p| p.kind == ConnectorKind::Sink)
            .unwrap();
        for name in [SINK_CLASS, "FileStreamSink", "FileStreamSinkConnector"] {
            assert!(sink.answers_to(name), "{name}");
        }
        assert!(matches!((sink.create)(), ConnectorInstance::Sink(_)));
        assert_eq!(sink.version, VERSION);
    }
}
