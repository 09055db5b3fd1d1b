//! (to be written)

use crate::PredicatePlugin;

pub fn plugins() -> Vec<PredicatePlugin> {
    Vec::new()
}
