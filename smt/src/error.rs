//! Errors of transformations and of the chain's configuration.

/// A transformation could not handle a record (Kafka's `DataException` thrown from
/// `apply`). Tolerable under `errors.tolerance=all`.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{message}")]
pub struct TransformError {
    /// The Java class of the transformation, for traces and DLQ headers.
    pub class: String,
    pub message: String,
}

impl TransformError {
    pub fn new(class: impl Into<String>, message: impl Into<String>) -> Self {
        TransformError {
            class: class.into(),
            message: message.into(),
        }
    }
}

/// The `transforms` / `predicates` keys of a connector config are wrong: names the key.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("Invalid value {value} for configuration {key}: {reason}")]
pub struct ChainConfigError {
    pub key: String,
    pub value: String,
    pub reason: String,
}
