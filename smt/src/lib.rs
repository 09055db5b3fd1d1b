//! Single Message Transforms (Kafka Connect's SMTs) and predicates, and the chain that
//! runs them, configured with Kafka's keys:
//!
//! ```text
//! transforms=a,b
//! transforms.a.type=org.apache.kafka.connect.transforms.InsertField$Value
//! transforms.a.static.field=origin
//! transforms.a.predicate=isFoo
//! transforms.a.negate=true
//! predicates=isFoo
//! predicates.isFoo.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches
//! predicates.isFoo.pattern=foo.*
//! ```
//!
//! Every transformation works on source and sink records alike ([`ConnectRecord`]), with
//! a schema (Struct values) or without (maps), as Kafka's do.

pub mod chain;
pub mod error;
pub mod java_time;
pub mod predicates;
pub mod registry;
pub mod transforms;

pub use chain::TransformChain;
pub use error::{ChainConfigError, TransformError};

use connect_api::config::ConfigDef;
use connect_api::ConnectRecord;

/// One transformation (Kafka's `Transformation<R>`), configured once, applied per record.
pub trait Transformation<R: ConnectRecord>: Send + Sync {
    /// The transformed record, or None to drop it.
    fn apply(&self, record: R) -> Result<Option<R>, TransformError>;
}

/// A condition on a record (Kafka's `Predicate<R>`).
pub trait Predicate<R: ConnectRecord>: Send + Sync {
    fn test(&self, record: &R) -> bool;
}

/// Whether a plugin transforms keys or values (`$Key` / `$Value` class variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Key,
    Value,
}

/// Builds a transformation (or predicate) from its validated keys.
pub type Factory<T> = fn(&connect_api::Props) -> Result<Box<T>, TransformError>;

/// A transformation class this crate implements.
pub struct TransformPlugin {
    /// Kafka's class name, e.g. `org.apache.kafka.connect.transforms.InsertField$Value`.
    pub class: &'static str,
    /// The keys it accepts (validated before `create` is called).
    pub config_def: fn() -> ConfigDef,
    /// Builds the transformation for source or sink records from its validated keys.
    pub create_source: Factory<dyn Transformation<connect_api::SourceRecord>>,
    pub create_sink: Factory<dyn Transformation<connect_api::SinkRecord>>,
}

/// A predicate class this crate implements.
pub struct PredicatePlugin {
    pub class: &'static str,
    pub config_def: fn() -> ConfigDef,
    pub create_source: Factory<dyn Predicate<connect_api::SourceRecord>>,
    pub create_sink: Factory<dyn Predicate<connect_api::SinkRecord>>,
}

/// Every transformation and predicate class, for `GET /connector-plugins?connectorsOnly=false`:
/// (class, "transformation" | "predicate").
pub fn plugins() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = registry::transforms()
        .iter()
        .map(|p| (p.class, "transformation"))
        .collect();
    out.extend(
        registry::predicates()
            .iter()
            .map(|p| (p.class, "predicate")),
    );
    out
}
