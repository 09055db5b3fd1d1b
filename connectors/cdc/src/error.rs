//! The CDC connectors' own errors, so callers (and tests) can tell a configuration the
//! database rejects from a protocol or network failure before they become
//! [`ConnectError`]s for the runtime.

use connect_api::{ConnectError, DataError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CdcError {
    /// A configuration value is wrong or does not match the database (unreachable
    /// server, bad credentials, wal_level, privileges, slot in use); names the key.
    #[error("Invalid value for configuration {key}: {message}")]
    Config { key: String, message: String },
    /// A normal SQL query failed.
    #[error("{context}: {source}")]
    Sql {
        context: String,
        #[source]
        source: sqlx::Error,
    },
    /// The server sent an ErrorResponse on the replication connection.
    #[error("{context}: {severity} {code}: {message}")]
    Server {
        context: String,
        severity: String,
        /// SQLSTATE, e.g. 28P01 (bad password), 55006 (slot active).
        code: String,
        message: String,
    },
    /// The connection broke or timed out.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The server sent something this client cannot understand.
    #[error("Replication protocol error: {0}")]
    Protocol(String),
    /// A row or value could not be turned into a Connect value.
    #[error("{0}")]
    Data(String),
}

impl CdcError {
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        CdcError::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    pub fn sql(context: impl Into<String>, source: sqlx::Error) -> Self {
        CdcError::Sql {
            context: context.into(),
            source,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CdcError::Io {
            context: context.into(),
            source,
        }
    }

    /// The configuration key this error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            CdcError::Config { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl From<CdcError> for ConnectError {
    fn from(e: CdcError) -> Self {
        match e {
            CdcError::Config { key, message } => ConnectError::config(key, message),
            // A broken connection is worth retrying; what the server said is not.
            CdcError::Io { .. } => ConnectError::Retriable(e.to_string()),
            CdcError::Sql {
                source: sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut,
                ..
            } => ConnectError::Retriable(e.to_string()),
            CdcError::Data(message) => ConnectError::Data(DataError::new(message)),
            other => ConnectError::Other(other.to_string()),
        }
    }
}
