//! The connector's own errors, so callers (and tests) can tell a bad config from a
//! server failure before they become [`ConnectError`]s for the runtime.

use connect_api::{ConnectError, DataError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum EsError {
    /// A configuration value is wrong or does not match the server (unreachable URL,
    /// bad credentials); names the key.
    #[error("Invalid value for configuration {key}: {message}")]
    Config { key: String, message: String },
    /// The server could not be reached or did not answer in time.
    #[error("{context}: {source}")]
    Http {
        context: String,
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status; `body` is its own message.
    #[error("{context}: HTTP {status}: {body}")]
    Status {
        context: String,
        status: u16,
        body: String,
    },
    /// A record cannot be turned into a document (Kafka's `DataException`).
    #[error("{0}")]
    Data(String),
    /// Retries ran out, a document failed under `behavior.on.malformed.documents=fail`,
    /// or a flush took longer than `flush.timeout.ms`.
    #[error("{0}")]
    Failed(String),
}

impl EsError {
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        EsError::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The configuration key this error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            EsError::Config { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl From<EsError> for ConnectError {
    fn from(e: EsError) -> Self {
        match e {
            EsError::Config { key, message } => ConnectError::config(key, message),
            EsError::Data(message) => ConnectError::Data(DataError::new(message)),
            other => ConnectError::Other(other.to_string()),
        }
    }
}
