//! (to be written)

use crate::TransformPlugin;

pub fn plugins() -> Vec<TransformPlugin> {
    Vec::new()
}
