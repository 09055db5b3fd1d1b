//! Elasticsearch/OpenSearch sink connector (Confluent's io.confluent.connect.elasticsearch.ElasticsearchSinkConnector keys) over the _bulk API.

use connect_api::ConnectorPlugin;

/// The version the connectors and their tasks report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The connector plugins of this crate.
pub fn plugins() -> Vec<ConnectorPlugin> {
    Vec::new()
}
