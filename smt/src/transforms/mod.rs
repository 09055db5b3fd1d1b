//! Kafka's built-in transformations, one module each.

pub mod cast;
pub mod drop_headers;
pub mod extract_field;
pub mod extract_new_record_state;
pub mod filter;
pub mod flatten;
pub mod header_from;
pub mod hoist_field;
pub mod insert_field;
pub mod insert_header;
pub mod mask_field;
pub mod regex_router;
pub mod replace_field;
pub mod set_schema_metadata;
pub mod timestamp_converter;
pub mod timestamp_router;
pub mod util;
pub mod value_to_key;

use crate::TransformPlugin;

/// Every transformation this crate implements.
pub fn plugins() -> Vec<TransformPlugin> {
    [
        insert_field::plugins(),
        replace_field::plugins(),
        mask_field::plugins(),
        value_to_key::plugins(),
        extract_field::plugins(),
        hoist_field::plugins(),
        cast::plugins(),
        flatten::plugins(),
        set_schema_metadata::plugins(),
        timestamp_converter::plugins(),
        timestamp_router::plugins(),
        regex_router::plugins(),
        filter::plugins(),
        header_from::plugins(),
        insert_header::plugins(),
        drop_headers::plugins(),
        extract_new_record_state::plugins(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
