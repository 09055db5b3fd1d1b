//! Errors of the converters, shaped after the Java exceptions Kafka throws.

use connect_api::{ConnectError, DataError};
use thiserror::Error;

#[derive(Error, Debug, Clone, PartialEq)]
pub enum ConverterError {
    /// A converter property has a value the converter cannot use (Kafka's
    /// `ConfigException`); `key` is the property name without the converter prefix.
    #[error("Invalid value for configuration {key}: {message}")]
    Config { key: String, message: String },
    /// The data cannot be converted (Kafka's `DataException`); the message is Kafka's.
    #[error("{0}")]
    Data(String),
    /// No converter of that class (or alias) exists here.
    #[error("Class {0} could not be found.")]
    UnknownClass(String),
    /// The class exists but cannot be used in the requested role (e.g. a
    /// `SimpleHeaderConverter` configured as a key converter).
    #[error("{class} is not a subclass of {expected}")]
    WrongKind { class: String, expected: String },
}

impl ConverterError {
    pub(crate) fn data(message: impl Into<String>) -> Self {
        ConverterError::Data(message.into())
    }

    pub(crate) fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConverterError::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The Java exception class a Kafka user would expect in a trace or DLQ header.
    pub fn java_class(&self) -> &'static str {
        match self {
            ConverterError::Config { .. } => "org.apache.kafka.common.config.ConfigException",
            ConverterError::Data(_) => "org.apache.kafka.connect.errors.DataException",
            ConverterError::UnknownClass(_) | ConverterError::WrongKind { .. } => {
                "org.apache.kafka.common.config.ConfigException"
            }
        }
    }
}

impl From<DataError> for ConverterError {
    fn from(e: DataError) -> Self {
        ConverterError::Data(e.message)
    }
}

impl From<ConverterError> for ConnectError {
    fn from(e: ConverterError) -> Self {
        match e {
            ConverterError::Config { key, message } => ConnectError::Config { key, message },
            ConverterError::Data(message) => ConnectError::Data(DataError::new(message)),
            other => ConnectError::Other(other.to_string()),
        }
    }
}
