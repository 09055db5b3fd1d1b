//! Typed connector configuration (Kafka's `ConfigDef`): keys with types, defaults,
//! importance, documentation and validators, and the validation result shape of
//! `PUT /connector-plugins/{type}/config/validate` (`ConfigInfos`).
//!
//! INTERFACE CONTRACT (being completed): ConfigDef::new().define(ConfigKey::new(..)),
//! ConfigDef::parse(&Props) -> Result<ParsedConfig, ConfigError>,
//! ConfigDef::validate(&Props) -> ConfigInfos.

use crate::Props;

#[derive(Debug, Clone, Default)]
pub struct ConfigDef {}

impl ConfigDef {
    pub fn new() -> Self {
        ConfigDef {}
    }

    pub fn validate(&self, _props: &Props) -> ConfigInfos {
        ConfigInfos::default()
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ConfigInfos {
    pub name: String,
    pub error_count: usize,
    pub groups: Vec<String>,
    pub configs: Vec<serde_json::Value>,
}
