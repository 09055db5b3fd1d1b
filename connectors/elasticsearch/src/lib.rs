//! Elasticsearch/OpenSearch sink connector: Confluent's `kafka-connect-elasticsearch`
//! (`io.confluent.connect.elasticsearch.ElasticsearchSinkConnector`), with its
//! configuration keys and semantics, over the `_bulk` API of Elasticsearch 7/8 and
//! OpenSearch (typeless: `_doc`).
//!
//! * [`config`]: the keys, defaults and cross-key rules.
//! * [`convert`]: records to bulk items (ids, external versions, JSON documents).
//! * [`bulk`]: NDJSON requests and the per-item answers.
//! * [`client`]: hosts round robin, auth, timeouts, retries with backoff.
//! * [`mapping`]: index mappings from record schemas.
//! * [`sink`]: the connector and its task (batching, flushing, error handling).

use connect_api::{ConnectorInstance, ConnectorKind, ConnectorPlugin};

pub mod bulk;
pub mod client;
pub mod config;
pub mod convert;
pub mod error;
pub mod mapping;
pub mod sink;

pub use error::EsError;
pub use sink::{ElasticsearchSinkConnector, ElasticsearchSinkTask};

/// The version the connectors and their tasks report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub const SINK_CLASS: &str = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector";

/// The connector plugins of this crate.
pub fn plugins() -> Vec<ConnectorPlugin> {
    vec![ConnectorPlugin {
        class: SINK_CLASS,
        aliases: &["ElasticsearchSinkConnector", "ElasticsearchSink"],
        kind: ConnectorKind::Sink,
        version: VERSION,
        create: || ConnectorInstance::Sink(Box::new(ElasticsearchSinkConnector::new())),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_answers_to_class_name_and_aliases() {
        let plugins = plugins();
        assert_eq!(plugins.len(), 1);
        for name in [
            SINK_CLASS,
            "ElasticsearchSinkConnector",
            "ElasticsearchSink",
        ] {
            assert!(plugins[0].answers_to(name), "{name}");
        }
        assert!(matches!((plugins[0].create)(), ConnectorInstance::Sink(_)));
    }
}
