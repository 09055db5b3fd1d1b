//! Debezium-compatible change data capture source connectors: PostgreSQL (pgoutput) and MySQL/MariaDB (binlog).

use connect_api::ConnectorPlugin;

/// The version the connectors and their tasks report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The connector plugins of this crate.
pub fn plugins() -> Vec<ConnectorPlugin> {
    Vec::new()
}
