//! The connector plugins built into this binary, found by Java class name or alias.

use connect_api::{ConnectorKind, ConnectorPlugin};

pub struct Plugins {
    connectors: Vec<ConnectorPlugin>,
}

impl Plugins {
    pub fn builtin() -> Self {
        let mut connectors = connect_file::plugins();
        connectors.extend(connect_verifiable::plugins());
        connectors.extend(connect_jdbc::plugins());
        connectors.extend(connect_s3::plugins());
        connectors.extend(connect_elasticsearch::plugins());
        connectors.extend(connect_cdc::plugins());
        if crate::runtime::errors::test_plugins::enabled() {
            connectors.extend(crate::runtime::errors::test_plugins::plugins());
        }
        connectors.sort_by_key(|p| p.class);
        Plugins { connectors }
    }

    /// Exactly these connector plugins (tests).
    pub fn from_connectors(mut connectors: Vec<ConnectorPlugin>) -> Self {
        connectors.sort_by_key(|p| p.class);
        Plugins { connectors }
    }

    pub fn find(&self, class: &str) -> Option<&ConnectorPlugin> {
        let class = class.trim();
        self.connectors.iter().find(|p| p.answers_to(class))
    }

    pub fn connectors(&self) -> &[ConnectorPlugin] {
        &self.connectors
    }

    pub fn kind_of(&self, class: &str) -> Option<ConnectorKind> {
        self.find(class).map(|p| p.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_the_verifiable_connectors() {
        let plugins = Plugins::builtin();
        assert_eq!(
            plugins.kind_of("VerifiableSource"),
            Some(ConnectorKind::Source)
        );
        assert_eq!(
            plugins.kind_of("org.apache.kafka.connect.tools.VerifiableSinkConnector"),
            Some(ConnectorKind::Sink)
        );
    }

    #[test]
    fn builtin_has_the_jdbc_connectors() {
        let plugins = Plugins::builtin();
        assert_eq!(
            plugins.kind_of("io.confluent.connect.jdbc.JdbcSourceConnector"),
            Some(ConnectorKind::Source)
        );
        assert_eq!(plugins.kind_of("JdbcSink"), Some(ConnectorKind::Sink));
    }
}
