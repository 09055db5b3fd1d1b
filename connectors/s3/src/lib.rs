//! S3 sink connector: Confluent's `kafka-connect-s3`
//! (`io.confluent.connect.s3.S3SinkConnector`) with its configuration keys, formats,
//! partitioners and object names, against AWS S3 or any S3-compatible store.
//!
//! * [`sink`]: the connector and task; [`writer`]: one Kafka partition's files and
//!   their rotation rules; [`upload`]: an object's multipart upload.
//! * [`format`]: JsonFormat, ByteArrayFormat, ParquetFormat.
//! * [`partitioner`]: Default, Field, TimeBased (Hourly, Daily) partitioners.
//! * [`client`]: a small S3 client over reqwest, signed with [`sigv4`], with retries;
//!   [`credentials`]: config keys, environment, shared credentials file.
//!
//! # Exactly-once objects
//! Offsets are committed only up to the last record whose file is in S3, and files
//! are cut by record count, schema changes and record time only, so after a crash the
//! task rewrites the same records into the same object names with the same contents.
//! Wall-clock rotation (`rotate.schedule.interval.ms`) and the `Wallclock` timestamp
//! extractor cut files by the clock instead: then a restart may produce different
//! files (as with Confluent's connector).
//!
//! # Deviations from Confluent's connector
//! * Formats: JSON, ByteArray and Parquet (Avro and CSV are not built in); Parquet
//!   codecs none and snappy; Parquet arrays and maps are not supported yet.
//! * `schema.compatibility` NONE only (BACKWARD/FORWARD/FULL projection is refused).
//! * `locale` is accepted, but text fields of `path.format` (MMM, EEE) are English.
//! * Credentials: config keys, environment, shared credentials file; no instance
//!   metadata, container credentials, web identity or assume-role.
//! * `behavior.on.null.values`: fail (default) or ignore. `s3.compression.type`, SSE,
//!   ACLs, tagging and `store.kafka.keys` / `store.kafka.headers` are not supported.

use connect_api::{ConnectorInstance, ConnectorKind, ConnectorPlugin};

pub mod client;
pub mod config;
pub mod credentials;
pub mod error;
pub mod format;
pub mod keys;
pub mod partitioner;
pub mod sigv4;
pub mod sink;
pub mod upload;
pub mod writer;

pub use error::S3Error;
pub use sink::{S3SinkConnector, S3SinkTask};

/// The version the connectors and their tasks report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub const SINK_CLASS: &str = "io.confluent.connect.s3.S3SinkConnector";

/// The connector plugins of this crate.
pub fn plugins() -> Vec<ConnectorPlugin> {
    vec![ConnectorPlugin {
        class: SINK_CLASS,
        aliases: &["S3SinkConnector", "S3Sink"],
        kind: ConnectorKind::Sink,
        version: VERSION,
        create: || ConnectorInstance::Sink(Box::new(S3SinkConnector::new())),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_answers_to_class_name_and_aliases() {
        let plugins = plugins();
        assert_eq!(plugins.len(), 1);
        for name in [SINK_CLASS, "S3SinkConnector", "S3Sink"] {
            assert!(plugins[0].answers_to(name), "{name}");
        }
        assert!(matches!((plugins[0].create)(), ConnectorInstance::Sink(_)));
    }
}
