//! Kafka Connect's data model: schemas, values, structs and the logical types.

mod display;
pub mod logical;
mod schema;
mod structs;
mod value;
pub mod values;

pub use schema::{Field, Schema, SchemaBuilder, SchemaRef, SchemaType};
pub use structs::Struct;
pub use value::Value;
pub use values::SchemaAndValue;
