//! `HasHeaderKey`: true for records with at least one header named `name`.

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use connect_api::{ConnectRecord, Props};

use crate::{Predicate, PredicatePlugin, TransformError};

pub const CLASS: &str = "org.apache.kafka.connect.transforms.predicates.HasHeaderKey";

pub const OVERVIEW_DOC: &str =
    "A predicate which is true for records with at least one header with the configured name.";

pub const NAME_CONFIG: &str = "name";

pub fn plugins() -> Vec<PredicatePlugin> {
    vec![PredicatePlugin {
        class: CLASS,
        config_def,
        create_source: |p| Ok(Box::new(HasHeaderKey::configure(p)?)),
        create_sink: |p| Ok(Box::new(HasHeaderKey::configure(p)?)),
    }]
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(NAME_CONFIG, ConfigType::String)
            .validator(Validator::NonEmptyString)
            .importance(Importance::Medium)
            .doc("The header name."),
    )
}

#[derive(Debug, Clone)]
pub struct HasHeaderKey {
    name: String,
}

impl HasHeaderKey {
    pub fn configure(props: &Props) -> Result<Self, TransformError> {
        let config = config_def()
            .parse(props)
            .map_err(|e| TransformError::new(CLASS, e.to_string()))?;
        Ok(HasHeaderKey {
            name: config
                .get_string(NAME_CONFIG)
                .unwrap_or_default()
                .to_string(),
        })
    }
}

impl<R: ConnectRecord> Predicate<R> for HasHeaderKey {
    fn test(&self, record: &R) -> bool {
        record.record().headers.iter().any(|h| h.key == self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{SinkRecord, SourceRecord, Value};

    fn props(name: Option<&str>) -> Props {
        name.map(|n| (NAME_CONFIG.to_string(), n.to_string()))
            .into_iter()
            .collect()
    }

    fn record(headers: &[&str]) -> SourceRecord {
        let mut r = SourceRecord::default();
        for h in headers {
            r.record.headers.add(*h, None, Value::Null);
        }
        r
    }

    #[test]
    fn name_required_and_non_empty() {
        let e = HasHeaderKey::configure(&props(None)).unwrap_err().message;
        assert!(e.contains("Missing required configuration \"name\""), "{e}");
        let e = HasHeaderKey::configure(&props(Some("")))
            .unwrap_err()
            .message;
        assert!(e.contains("String must be non-empty"), "{e}");
        let infos = config_def().validate(&props(Some("")));
        assert_eq!(
            infos.configs[0].value.errors,
            vec!["Invalid value  for configuration name: String must be non-empty".to_string()]
        );
        assert_eq!(config_def().validate(&props(Some("foo"))).error_count, 0);
    }

    #[test]
    fn test_headers() {
        let p = HasHeaderKey::configure(&props(Some("foo"))).unwrap();
        assert!(p.test(&record(&["foo"])));
        assert!(p.test(&record(&["foo", "bar"])));
        assert!(p.test(&record(&["bar", "foo", "bar", "foo"])));
        assert!(!p.test(&record(&["bar"])));
        assert!(!p.test(&record(&["bar", "bar"])));
        assert!(!p.test(&record(&[])));
        assert!(!Predicate::<SinkRecord>::test(&p, &SinkRecord::default()));
    }
}
