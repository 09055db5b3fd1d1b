//! `TopicNameMatches`: true for records whose topic matches `pattern` as a whole (Java's
//! `Matcher.matches()`). The pattern is a Java regular expression (see
//! [`crate::transforms::regex_router`] for the syntax accepted).

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use connect_api::{ConnectRecord, Props};
use regex::Regex;

use crate::transforms::regex_router::{compile_java_regex, compile_java_regex_whole};
use crate::{Predicate, PredicatePlugin, TransformError};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches";

pub const OVERVIEW_DOC: &str = "A predicate which is true for records with a topic name that matches the configured regular expression.";

pub const PATTERN_CONFIG: &str = "pattern";

pub fn plugins() -> Vec<PredicatePlugin> {
    vec![PredicatePlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(TopicNameMatches::configure(p)?)),
        create_sink: |p| Ok(Box::new(TopicNameMatches::configure(p)?)),
    }]
}

/// `CompositeValidator.of(new NonEmptyString(), new RegexValidator())`.
fn validator() -> Validator {
    Validator::custom("non-empty string, valid regex", |_, value| match value {
        ConfigValue::String(s) if s.is_empty() => Err("String must be non-empty".into()),
        ConfigValue::String(s) => compile_java_regex(s)
            .map(|_| ())
            .map_err(|e| format!("Invalid regex: {e}")),
        _ => Ok(()),
    })
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(PATTERN_CONFIG, ConfigType::String)
            .validator(validator())
            .importance(Importance::Medium)
            .doc("A Java regular expression for matching against the name of a record's topic."),
    )
}

#[derive(Debug, Clone)]
pub struct TopicNameMatches {
    pattern: Regex,
}

impl TopicNameMatches {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let config = config_def()
            .parse(props)
            .map_err(|e| TransformError::new(CLASS, e.to_string()))?;
        let value = config.get_string(PATTERN_CONFIG).unwrap_or_default();
        let pattern = compile_java_regex_whole(value).map_err(|e| {
            TransformError::new(
                CLASS,
                format!("Invalid value {value} for configuration {PATTERN_CONFIG}: entry must be a Java-compatible regular expression: {e}"),
            )
        })?;
        Ok(TopicNameMatches { pattern })
    }
}

impl<R: ConnectRecord> Predicate<R> for TopicNameMatches {
    fn test(&self, record: &R) -> bool {
        self.pattern.is_match(&record.record().topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{SinkRecord, SourceRecord, Value};

    fn props(pattern: Option<&str>) -> Props {
        pattern
            .map(|p| (PATTERN_CONFIG.to_string(), p.to_string()))
            .into_iter()
            .collect()
    }

    fn record(topic: &str) -> SourceRecord {
        SourceRecord::new(
            Default::default(),
            Default::default(),
            topic,
            None,
            Value::Null,
        )
    }

    #[test]
    fn pattern_required_non_empty_and_valid() {
        let e = TopicNameMatches::configure(&props(None))
            .unwrap_err()
            .message;
        assert!(
            e.contains("Missing required configuration \"pattern\""),
            "{e}"
        );
        let e = TopicNameMatches::configure(&props(Some("")))
            .unwrap_err()
            .message;
        assert_eq!(
            e,
            "Invalid value  for configuration pattern: String must be non-empty"
        );
        let e = TopicNameMatches::configure(&props(Some("[")))
            .unwrap_err()
            .message;
        assert!(e.contains("Invalid regex"), "{e}");
    }

    #[test]
    fn validate_reports_one_error() {
        assert_eq!(
            config_def()
                .validate(&props(Some("my-prefix-.*")))
                .error_count,
            0
        );
        let infos = config_def().validate(&props(Some("*")));
        assert_eq!(infos.error_count, 1);
        let errors = &infos.configs[0].value.errors;
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("Invalid regex"), "{errors:?}");
        assert_eq!(
            config_def()
                .key(PATTERN_CONFIG)
                .unwrap()
                .validator
                .as_ref()
                .unwrap()
                .to_string(),
            "non-empty string, valid regex"
        );
    }

    #[test]
    fn matches_whole_topic() {
        let p = TopicNameMatches::configure(&props(Some("my-prefix-.*"))).unwrap();
        assert!(p.test(&record("my-prefix-")));
        assert!(p.test(&record("my-prefix-foo")));
        assert!(!p.test(&record("x-my-prefix-")));
        assert!(!p.test(&record("x-my-prefix-foo")));
        assert!(!p.test(&record("your-prefix-")));
        assert!(!p.test(&record("your-prefix-foo")));
        let sink = SinkRecord::default();
        assert!(!Predicate::<SinkRecord>::test(&p, &sink));
        let p = TopicNameMatches::configure(&props(Some("a|ab"))).unwrap();
        assert!(p.test(&record("ab")));
    }
}
