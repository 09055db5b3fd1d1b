//! Converters: see the crate description.
