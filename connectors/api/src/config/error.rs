//! Kafka's `ConfigException`, with its exact messages.

use crate::error::ConnectError;

/// A configuration problem, worded exactly as Kafka's `ConfigException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A key with no default value is absent:
    /// `Missing required configuration "file" which has no default value.`
    #[error("Missing required configuration \"{key}\" which has no default value.")]
    Missing { key: String },
    /// A value does not parse or fails its validator:
    /// `Invalid value abc for configuration batch.size: Not a number of type INT`.
    /// `value` is as Java prints it (`null` for an absent value); an empty `reason` gives
    /// Kafka's short form `Invalid value X for configuration K`.
    #[error("Invalid value {value} for configuration {key}{}", if reason.is_empty() { String::new() } else { format!(": {reason}") })]
    Invalid {
        key: String,
        value: String,
        reason: String,
    },
    /// Any other problem with the definition or the configuration as a whole (Kafka's
    /// `new ConfigException(message)`).
    #[error("{0}")]
    Other(String),
}

impl ConfigError {
    pub fn missing(key: impl Into<String>) -> Self {
        ConfigError::Missing { key: key.into() }
    }

    pub fn invalid(
        key: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// The key the error is about, when it is about one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Missing { key } | ConfigError::Invalid { key, .. } => Some(key),
            ConfigError::Other(_) => None,
        }
    }
}

/// A config error surfacing from a connector or task: the message stays Kafka's text.
impl From<ConfigError> for ConnectError {
    fn from(e: ConfigError) -> Self {
        ConnectError::Other(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_kafkas() {
        assert_eq!(
            ConfigError::missing("file").to_string(),
            "Missing required configuration \"file\" which has no default value."
        );
        assert_eq!(
            ConfigError::invalid("batch.size", "abc", "Not a number of type INT").to_string(),
            "Invalid value abc for configuration batch.size: Not a number of type INT"
        );
        assert_eq!(
            ConfigError::invalid("k", "v", "").to_string(),
            "Invalid value v for configuration k"
        );
        assert_eq!(ConfigError::missing("file").key(), Some("file"));
        assert_eq!(ConfigError::Other("x".into()).key(), None);
        let ce: ConnectError = ConfigError::missing("file").into();
        assert_eq!(
            ce.to_string(),
            "Missing required configuration \"file\" which has no default value."
        );
    }
}
