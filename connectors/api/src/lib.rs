//! The Connect API: what every connector, transformation and converter codes against.
//!
//! It mirrors Kafka Connect's `connect-api` module: the data model ([`data`]), the
//! records that flow through a pipeline ([`record`]), the connector and task contracts
//! ([`connector`]) and typed configuration ([`config`]). Nothing here knows about Kafka
//! clients, Raft or the worker runtime.

pub mod config;
pub mod connector;
pub mod data;
pub mod error;
pub mod java;
pub mod record;

pub use config::{
    ConfigDef, ConfigError, ConfigInfos, ConfigKey, ConfigType, ConfigValue, Importance,
    ParsedConfig, Password, Validator, Width,
};
pub use connector::{
    block_on_side, Connector, ConnectorContext, ConnectorInstance, ConnectorKind, ConnectorPlugin,
    ErrantRecordReporter, OffsetReader, ReportFuture, SinkConnector, SinkTask, SinkTaskContext,
    SourceConnector, SourceTask, SourceTaskContext, TopicPartition,
};
pub use data::{
    Field, Schema, SchemaAndValue, SchemaBuilder, SchemaRef, SchemaType, Struct, Value,
};
pub use error::{ConnectError, DataError};
pub use record::{
    ConnectRecord, Header, Headers, Record, RecordMetadata, SinkRecord, SourceOffset,
    SourcePartition, SourceRecord, TimestampType,
};

/// A connector's or worker's configuration as the user wrote it: string keys to string
/// values, exactly as Kafka Connect's `Map<String, String>`.
pub type Props = std::collections::BTreeMap<String, String>;
