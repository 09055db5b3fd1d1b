//! `RecordIsTombstone`: true for records whose value is null (tombstones).

use connect_api::config::ConfigDef;
use connect_api::ConnectRecord;

use crate::{Predicate, PredicatePlugin};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone";

pub const OVERVIEW_DOC: &str =
    "A predicate which is true for records which are tombstones (i.e. have null value).";

pub fn plugins() -> Vec<PredicatePlugin> {
    vec![PredicatePlugin {
        class: CLASS,
        config_def,
        create_source: |_| Ok(Box::new(RecordIsTombstone)),
        create_sink: |_| Ok(Box::new(RecordIsTombstone)),
    }]
}

/// RecordIsTombstone has no keys.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RecordIsTombstone;

impl<R: ConnectRecord> Predicate<R> for RecordIsTombstone {
    fn test(&self, record: &R) -> bool {
        record.record().value.is_null()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{Schema, SinkRecord, SourceRecord, Value};

    #[test]
    fn null_values_are_tombstones() {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::Null,
        );
        r.record.key = Value::from("k");
        assert!(RecordIsTombstone.test(&r));
        // A schema does not make a null value less of a tombstone.
        r.record.value_schema = Some(Schema::optional_string());
        assert!(RecordIsTombstone.test(&r));
        r.record.value = Value::from("v");
        assert!(!RecordIsTombstone.test(&r));
        assert!(Predicate::<SinkRecord>::test(
            &RecordIsTombstone,
            &SinkRecord::default()
        ));
        assert_eq!(config_def().len(), 0);
    }
}
