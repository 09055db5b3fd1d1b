//! The connector's own errors, so callers (and tests) can tell a bad config from a
//! database failure before they become [`ConnectError`]s for the runtime.

use connect_api::{ConnectError, DataError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum JdbcError {
    /// A configuration value is wrong or does not match the database (missing table,
    /// missing column, unreachable server, bad credentials); names the key.
    #[error("Invalid value for configuration {key}: {message}")]
    Config { key: String, message: String },
    /// The database rejected or failed a statement.
    #[error("{context}: {source}")]
    Sql {
        context: String,
        #[source]
        source: sqlx::Error,
    },
    /// A record or row does not fit what the connector can write or read.
    #[error("{0}")]
    Data(String),
}

impl JdbcError {
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        JdbcError::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    pub fn sql(context: impl Into<String>, source: sqlx::Error) -> Self {
        JdbcError::Sql {
            context: context.into(),
            source,
        }
    }

    /// The configuration key this error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            JdbcError::Config { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// Connection-level failures (network, pool timeouts) are worth retrying; anything
/// the database said about the statement or the data is not.
fn is_transient(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
    )
}

impl From<JdbcError> for ConnectError {
    fn from(e: JdbcError) -> Self {
        match e {
            JdbcError::Config { key, message } => ConnectError::config(key, message),
            JdbcError::Sql { ref source, .. } if is_transient(source) => {
                ConnectError::Retriable(e.to_string())
            }
            JdbcError::Sql { .. } => ConnectError::Other(e.to_string()),
            JdbcError::Data(message) => ConnectError::Data(DataError::new(message)),
        }
    }
}
