//! Errors of the Connect API, typed so the runtime can decide what to retry.

use thiserror::Error;

/// A value did not fit its schema, or a record could not be interpreted
/// (Kafka's `DataException`).
#[derive(Debug, Clone, Error, PartialEq)]
#[error("{message}")]
pub struct DataError {
    pub message: String,
}

impl DataError {
    pub fn new(message: impl Into<String>) -> Self {
        DataError {
            message: message.into(),
        }
    }
}

/// What a connector or task reports when something goes wrong.
#[derive(Debug, Error)]
pub enum ConnectError {
    /// A transient failure: the runtime may retry the operation (Kafka's
    /// `RetriableException`).
    #[error("retriable: {0}")]
    Retriable(String),
    #[error(transparent)]
    Data(#[from] DataError),
    /// A configuration value is wrong; names the key.
    #[error("Invalid value for configuration {key}: {message}")]
    Config { key: String, message: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl ConnectError {
    pub fn is_retriable(&self) -> bool {
        matches!(self, ConnectError::Retriable(_))
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ConnectError::Io {
            context: context.into(),
            source,
        }
    }

    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConnectError::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The Java exception class a Kafka user would expect in a trace or DLQ header.
    pub fn java_class(&self) -> &'static str {
        match self {
            ConnectError::Retriable(_) => "org.apache.kafka.connect.errors.RetriableException",
            ConnectError::Data(_) => "org.apache.kafka.connect.errors.DataException",
            ConnectError::Config { .. } => "org.apache.kafka.common.config.ConfigException",
            ConnectError::Io { .. } => "java.io.IOException",
            ConnectError::Other(_) => "org.apache.kafka.connect.errors.ConnectException",
        }
    }
}
