//! Class name -> plugin. Full Kafka class names, and the short aliases Kafka accepts
//! (the simple class name, e.g. `InsertField$Value`).

use crate::{PredicatePlugin, TransformPlugin};

pub fn transforms() -> Vec<TransformPlugin> {
    let mut v = crate::transforms::plugins();
    v.sort_by_key(|p| p.class);
    v
}

pub fn predicates() -> Vec<PredicatePlugin> {
    let mut v = crate::predicates::plugins();
    v.sort_by_key(|p| p.class);
    v
}

/// The simple name of a Java class (`a.b.C$D` -> `C$D`).
fn simple_name(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

pub fn find_transform(name: &str) -> Option<TransformPlugin> {
    let name = name.trim();
    transforms()
        .into_iter()
        .find(|p| p.class == name || simple_name(p.class) == name)
}

pub fn find_predicate(name: &str) -> Option<PredicatePlugin> {
    let name = name.trim();
    predicates()
        .into_iter()
        .find(|p| p.class == name || simple_name(p.class) == name)
}
