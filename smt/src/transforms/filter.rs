//! `Filter`: drops every record. Meant to run under a predicate (`transforms.<a>.predicate`,
//! possibly negated) so that only the records it matches are dropped.

use connect_api::config::ConfigDef;
use connect_api::ConnectRecord;

use crate::{TransformError, TransformPlugin, Transformation};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.Filter";

pub const OVERVIEW_DOC: &str = "Drops all records, filtering them from subsequent transformations in the chain. This is intended to be used conditionally to filter out records matching (or not matching) a particular Predicate.";

pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: CLASS,
        config_def,
        create_source: |_| Ok(Box::new(Filter)),
        create_sink: |_| Ok(Box::new(Filter)),
    }]
}

/// Filter has no keys.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter;

impl<R: ConnectRecord> Transformation<R> for Filter {
    fn apply(&self, _record: R) -> Result<Option<R>, TransformError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::TransformChain;
    use connect_api::{Props, SinkRecord, SourceRecord, Value};

    #[test]
    fn drops_every_record() {
        let source = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::from("v"),
        );
        assert_eq!(
            Transformation::<SourceRecord>::apply(&Filter, source).unwrap(),
            None
        );
        let sink = SinkRecord::default();
        assert_eq!(
            Transformation::<SinkRecord>::apply(&Filter, sink).unwrap(),
            None
        );
        assert_eq!(config_def().len(), 0);
    }

    #[test]
    fn drops_only_what_its_predicate_matches() {
        let props: Props = [
            ("transforms", "dropFoo"),
            ("transforms.dropFoo.type", CLASS),
            ("transforms.dropFoo.predicate", "isFoo"),
            ("predicates", "isFoo"),
            (
                "predicates.isFoo.type",
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            ),
            ("predicates.isFoo.pattern", "foo.*"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let chain = TransformChain::<SourceRecord>::from_config(&props).unwrap();
        let record = |topic: &str| {
            SourceRecord::new(
                Default::default(),
                Default::default(),
                topic,
                None,
                Value::Null,
            )
        };
        assert_eq!(chain.apply(record("foo-1")).unwrap(), None);
        assert!(chain.apply(record("bar")).unwrap().is_some());

        let mut negated = props.clone();
        negated.insert("transforms.dropFoo.negate".into(), "true".into());
        let chain = TransformChain::<SourceRecord>::from_config(&negated).unwrap();
        assert!(chain.apply(record("foo-1")).unwrap().is_some());
        assert_eq!(chain.apply(record("bar")).unwrap(), None);
    }
}
