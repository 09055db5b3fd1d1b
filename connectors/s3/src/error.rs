//! The connector's own errors, so callers (and tests) can tell a bad config from a
//! storage failure or a record the sink cannot write, before they become
//! [`ConnectError`]s for the runtime.

use connect_api::{ConnectError, DataError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum S3Error {
    /// A configuration value is wrong or does not match the store (missing bucket, bad
    /// credentials, unreachable endpoint); names the key.
    #[error("Invalid value for configuration {key}: {message}")]
    Config { key: String, message: String },
    /// The store answered with an error (after retries, for retriable ones): the
    /// server's own code and message.
    #[error("S3 {operation} {target} failed: HTTP {status} {code}: {message}")]
    Server {
        operation: &'static str,
        target: String,
        status: u16,
        code: String,
        message: String,
    },
    /// The store could not be reached (after retries).
    #[error("S3 {operation} {target} failed: {message}")]
    Transport {
        operation: &'static str,
        target: String,
        message: String,
    },
    /// A record does not fit the format or the partitioner; names its coordinates.
    #[error("{0}")]
    Data(String),
    /// Encoding an object failed (e.g. the Parquet writer refused a schema).
    #[error("{context}: {message}")]
    Encode { context: String, message: String },
}

impl S3Error {
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        S3Error::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    pub fn encode(context: impl Into<String>, e: impl std::fmt::Display) -> Self {
        S3Error::Encode {
            context: context.into(),
            message: e.to_string(),
        }
    }

    /// The configuration key this error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            S3Error::Config { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl From<S3Error> for ConnectError {
    fn from(e: S3Error) -> Self {
        match e {
            S3Error::Config { key, message } => ConnectError::config(key, message),
            S3Error::Data(message) => ConnectError::Data(DataError::new(message)),
            // The client already retried with backoff (s3.part.retries): what is left
            // fails the task with the server's message.
            other => ConnectError::Other(other.to_string()),
        }
    }
}

/// `topic-partition@offset`, for errors about one record.
pub(crate) fn coordinates(record: &connect_api::SinkRecord) -> String {
    format!(
        "{}-{}@{}",
        record.topic(),
        record.kafka_partition(),
        record.kafka_offset
    )
}
