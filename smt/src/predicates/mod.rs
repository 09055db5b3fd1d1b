//! Kafka's built-in predicates.

pub mod has_header_key;
pub mod record_is_tombstone;
pub mod topic_name_matches;

use crate::PredicatePlugin;

pub fn plugins() -> Vec<PredicatePlugin> {
    [
        topic_name_matches::plugins(),
        has_header_key::plugins(),
        record_is_tombstone::plugins(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
