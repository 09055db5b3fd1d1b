//! Keys every connector config has, whatever its class (Kafka's ConnectorConfig,
//! SinkConnectorConfig, SourceConnectorConfig), and whole-config validation.

use connect_api::config::{
    ConfigDef, ConfigInfos, ConfigKey, ConfigType, ConfigValue, Importance, Password, Validator,
};
use connect_api::{ConnectorKind, Props};

use crate::config_providers::{has_placeholder, ConfigProviders};
use crate::plugins::Plugins;
use crate::runtime::errors::config as errors_config;

const COMMON: &str = "Common";
const TRANSFORMS: &str = "Transforms";
const PREDICATES: &str = "Predicates";

fn common_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new("name", ConfigType::String)
                .validator(Validator::NonEmptyStringWithoutControlChars)
                .importance(Importance::High)
                .doc("Globally unique name to use for this connector.")
                .group(COMMON)
                .order(1)
                .display_name("Connector name"),
        )
        .define(
            ConfigKey::new("connector.class", ConfigType::String)
                .importance(Importance::High)
                .doc("Name or alias of the class for this connector.")
                .group(COMMON)
                .order(2)
                .display_name("Connector class"),
        )
        .define(
            ConfigKey::new("tasks.max", ConfigType::Int)
                .default_value(ConfigValue::Int(1))
                .validator(Validator::at_least(1.0))
                .importance(Importance::High)
                .doc("Maximum number of tasks to use for this connector.")
                .group(COMMON)
                .order(3)
                .display_name("Tasks max"),
        )
        .define(
            ConfigKey::new("key.converter", ConfigType::Class)
                .default_null()
                .importance(Importance::Low)
                .doc("Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.")
                .group(COMMON)
                .order(5)
                .display_name("Key converter class"),
        )
        .define(
            ConfigKey::new("value.converter", ConfigType::Class)
                .default_null()
                .importance(Importance::Low)
                .doc("Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.")
                .group(COMMON)
                .order(6)
                .display_name("Value converter class"),
        )
        .define(
            ConfigKey::new("header.converter", ConfigType::Class)
                .default_null()
                .importance(Importance::Low)
                .doc("HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.")
                .group(COMMON)
                .order(7)
                .display_name("Header converter class"),
        )
        .define(
            ConfigKey::new("transforms", ConfigType::List)
                .default_value(ConfigValue::List(Vec::new()))
                .importance(Importance::Low)
                .doc("Aliases for the transformations to be applied to records.")
                .group(TRANSFORMS)
                .order(1)
                .display_name("Transforms"),
        )
        .define(
            ConfigKey::new("predicates", ConfigType::List)
                .default_value(ConfigValue::List(Vec::new()))
                .importance(Importance::Low)
                .doc("Aliases for the predicates used by transformations.")
                .group(PREDICATES)
                .order(1)
                .display_name("Predicates"),
        )
}

fn sink_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new("topics", ConfigType::List)
                .default_value(ConfigValue::List(Vec::new()))
                .importance(Importance::High)
                .doc("List of topics to consume, separated by commas")
                .group(COMMON)
                .order(4)
                .display_name("Topics"),
        )
        .define(
            ConfigKey::new("topics.regex", ConfigType::String)
                .default_value(ConfigValue::String(String::new()))
                .importance(Importance::High)
                .doc("Regular expression giving topics to consume.")
                .group(COMMON)
                .order(4)
                .display_name("Topics regex"),
        )
}

/// Why a config cannot even be validated (Kafka answers these with a plain 400).
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    #[error("Connector config {0} contains no connector type")]
    NoConnectorClass(String),
    #[error("Failed to find any class that implements Connector and which name matches {class}, available connectors are: {available}")]
    UnknownClass { class: String, available: String },
}

/// Validates a whole connector config: common keys, kind-specific keys, the
/// connector's own ConfigDef and its cross-key checks. Returns Kafka's ConfigInfos.
/// Placeholders (`${provider:...}`) are not resolved: see [`validate_with`].
pub fn validate(plugins: &Plugins, config: &Props) -> Result<ConfigInfos, ValidationError> {
    validate_with(plugins, &ConfigProviders::default(), config)
}

/// [`validate`] with the worker's config providers: values are resolved before they are
/// type-checked (so `${env:PORT}` validates as an INT), but the answer never shows a
/// resolved value: a key whose value has a placeholder shows the placeholder (or
/// `[hidden]` for a PASSWORD), and the resolved text in its errors is replaced by the
/// placeholder. A provider that fails is an error on the key.
pub fn validate_with(
    plugins: &Plugins,
    providers: &ConfigProviders,
    raw: &Props,
) -> Result<ConfigInfos, ValidationError> {
    let mut resolved = raw.clone();
    let mut provider_errors = Vec::new();
    if !providers.is_empty() {
        for (key, value) in raw {
            if !has_placeholder(value) {
                continue;
            }
            match providers.resolve_value(value) {
                Ok(r) => {
                    resolved.insert(key.clone(), r);
                }
                Err(e) => provider_errors.push((key.clone(), e.to_string())),
            }
        }
    }
    if resolved == *raw && provider_errors.is_empty() {
        return validate_resolved(plugins, raw);
    }
    let mut infos = validate_resolved(plugins, &resolved).map_err(|e| match e {
        ValidationError::NoConnectorClass(_) => {
            ValidationError::NoConnectorClass(format!("{raw:?}"))
        }
        ValidationError::UnknownClass { available, .. } => ValidationError::UnknownClass {
            class: raw.get("connector.class").cloned().unwrap_or_default(),
            available,
        },
    })?;
    for c in &mut infos.configs {
        let key = c.value.name.clone();
        let (Some(raw_value), Some(resolved_value)) = (raw.get(&key), resolved.get(&key)) else {
            continue;
        };
        if raw_value == resolved_value {
            continue;
        }
        if c.value.value.as_deref() != Some(Password::HIDDEN) {
            c.value.value = Some(raw_value.clone());
        }
        let secret = resolved_value.trim();
        if !secret.is_empty() {
            for e in &mut c.value.errors {
                *e = e
                    .replace(resolved_value.as_str(), raw_value)
                    .replace(secret, raw_value);
            }
        }
    }
    for (key, message) in provider_errors {
        infos.add_error(&key, message);
    }
    Ok(infos)
}

fn validate_resolved(plugins: &Plugins, config: &Props) -> Result<ConfigInfos, ValidationError> {
    let class = config
        .get("connector.class")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ValidationError::NoConnectorClass(format!("{config:?}")))?;
    let plugin = plugins
        .find(class)
        .ok_or_else(|| ValidationError::UnknownClass {
            class: class.to_string(),
            available: plugins
                .connectors()
                .iter()
                .map(|p| p.class)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let mut def = common_def();
    if plugin.kind == ConnectorKind::Sink {
        def = def.merge(&sink_def());
    }
    def = def.merge(&errors_config::config_def(plugin.kind));
    let mut infos = def.validate(config);
    infos.name = plugin.class.to_string();
    let instance = (plugin.create)();
    let own = instance.as_connector().validate(config);
    infos.extend(own.configs);

    for key in ["key.converter", "value.converter"] {
        if let Some(class) = config.get(key).filter(|c| !c.trim().is_empty()) {
            if let Err(e) = converters::new_converter(class.trim()) {
                infos.add_error(key, e.to_string());
            }
        }
    }
    if let Some(class) = config
        .get("header.converter")
        .filter(|c| !c.trim().is_empty())
    {
        if let Err(e) = converters::new_header_converter(class.trim()) {
            infos.add_error("header.converter", e.to_string());
        }
    }
    for (key, message) in smt::chain::validate(config) {
        infos.add_error(&key, message);
    }
    if plugin.kind == ConnectorKind::Sink {
        let has_topics = config.get("topics").is_some_and(|t| !t.trim().is_empty());
        let has_regex = config
            .get("topics.regex")
            .is_some_and(|t| !t.trim().is_empty());
        match (has_topics, has_regex) {
            (true, true) => {
                let msg = "Must configure one of topics or topics.regex, not both".to_string();
                infos.add_error("topics", msg.clone());
                infos.add_error("topics.regex", msg);
            }
            (false, false) => {
                let msg = "Must configure one of topics or topics.regex".to_string();
                infos.add_error("topics", msg.clone());
                infos.add_error("topics.regex", msg);
            }
            (false, true) => {
                if let Err(e) = regex::Regex::new(config["topics.regex"].trim()) {
                    infos.add_error("topics.regex", format!("Invalid regex: {e}"));
                }
            }
            (true, false) => {}
        }
        validate_dlq_topic(config, &mut infos);
    }
    Ok(infos)
}

/// The DLQ topic may not be one the sink reads (Kafka's `SinkConnectorConfig.validate`:
/// the error on `topics` / `topics.regex`; we also name the DLQ key).
fn validate_dlq_topic(config: &Props, infos: &mut ConfigInfos) {
    let dlq = config
        .get(errors_config::DLQ_TOPIC_NAME)
        .map(|t| t.trim())
        .unwrap_or("");
    if dlq.is_empty() {
        return;
    }
    if let Some(topics) = config.get("topics").filter(|t| !t.trim().is_empty()) {
        let mut list: Vec<&str> = Vec::new();
        for t in topics.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if !list.contains(&t) {
                list.push(t);
            }
        }
        if list.contains(&dlq) {
            let msg = format!(
                "The DLQ topic '{dlq}' may not be included in the list of topics ('topics=[{}]') consumed by the connector",
                list.join(", ")
            );
            infos.add_error("topics", msg.clone());
            infos.add_error(errors_config::DLQ_TOPIC_NAME, msg);
        }
    }
    if let Some(regex) = config.get("topics.regex").filter(|t| !t.trim().is_empty()) {
        if let Ok(re) = regex::Regex::new(&format!("^(?:{})$", regex.trim())) {
            if re.is_match(dlq) {
                let msg = format!(
                    "The DLQ topic '{dlq}' may not be matched by the regex for the topics ('topics.regex={regex}') consumed by the connector"
                );
                infos.add_error("topics.regex", msg.clone());
                infos.add_error(errors_config::DLQ_TOPIC_NAME, msg);
            }
        }
    }
}

/// Kafka's 400 message for a config that failed validation.
pub fn invalid_message(infos: &ConfigInfos) -> String {
    let errors = infos.errors();
    let mut msg = format!(
        "Connector configuration is invalid and contains the following {} error(s):",
        errors.len()
    );
    for (_, e) in &errors {
        msg.push('\n');
        msg.push_str(e);
    }
    msg.push_str("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`");
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn errors_of(infos: &ConfigInfos, key: &str) -> Vec<String> {
        infos
            .errors()
            .into_iter()
            .filter(|(k, _)| k == key)
            .map(|(_, e)| e)
            .collect()
    }

    #[test]
    fn errors_keys_are_defined_for_sinks_and_sources() {
        let plugins = Plugins::builtin();
        for (class, extra) in [
            ("FileStreamSink", ("topics", "in")),
            ("FileStreamSource", ("topic", "out")),
        ] {
            let infos = validate(
                &plugins,
                &props(&[("connector.class", class), ("name", "c"), extra]),
            )
            .unwrap();
            assert_eq!(infos.error_count, 0, "{:?}", infos.errors());
            for key in [
                "errors.retry.timeout",
                "errors.retry.delay.max.ms",
                "errors.tolerance",
                "errors.log.enable",
                "errors.log.include.messages",
                "errors.deadletterqueue.topic.name",
                "errors.deadletterqueue.topic.replication.factor",
                "errors.deadletterqueue.context.headers.enable",
                "predicates",
            ] {
                let c = infos
                    .config(key)
                    .unwrap_or_else(|| panic!("{class}: {key}"));
                assert!(c.definition.group.is_some(), "{key}");
            }
            assert_eq!(
                infos
                    .config("errors.tolerance")
                    .unwrap()
                    .value
                    .value
                    .as_deref(),
                Some("none")
            );
        }
    }

    #[test]
    fn a_bad_tolerance_is_an_error_on_its_key() {
        let infos = validate(
            &Plugins::builtin(),
            &props(&[
                ("connector.class", "FileStreamSink"),
                ("name", "c"),
                ("topics", "in"),
                ("errors.tolerance", "most"),
            ]),
        )
        .unwrap();
        assert_eq!(
            errors_of(&infos, "errors.tolerance").len(),
            1,
            "{:?}",
            infos.errors()
        );
    }

    #[test]
    fn the_dlq_topic_may_not_be_a_topic_the_sink_reads() {
        let plugins = Plugins::builtin();
        let infos = validate(
            &plugins,
            &props(&[
                ("connector.class", "FileStreamSink"),
                ("name", "c"),
                ("topics", "a, dlq"),
                ("errors.deadletterqueue.topic.name", "dlq"),
            ]),
        )
        .unwrap();
        let e = errors_of(&infos, "errors.deadletterqueue.topic.name");
        assert_eq!(
            e,
            ["The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') consumed by the connector"]
        );
        assert_eq!(errors_of(&infos, "topics"), e);

        let infos = validate(
            &plugins,
            &props(&[
                ("connector.class", "FileStreamSink"),
                ("name", "c"),
                ("topics.regex", "d.*"),
                ("errors.deadletterqueue.topic.name", "dlq"),
            ]),
        )
        .unwrap();
        assert_eq!(errors_of(&infos, "topics.regex").len(), 1);
        assert_eq!(
            errors_of(&infos, "errors.deadletterqueue.topic.name").len(),
            1
        );

        // Another name is fine; sources may have a DLQ too (our addition).
        let infos = validate(
            &plugins,
            &props(&[
                ("connector.class", "FileStreamSource"),
                ("name", "c"),
                ("topic", "dlq"),
                ("errors.deadletterqueue.topic.name", "dlq2"),
            ]),
        )
        .unwrap();
        assert_eq!(infos.error_count, 0, "{:?}", infos.errors());
    }

    #[test]
    fn transform_errors_name_the_alias_and_key() {
        let infos = validate(
            &Plugins::builtin(),
            &props(&[
                ("connector.class", "FileStreamSink"),
                ("name", "c"),
                ("topics", "in"),
                ("transforms", "a"),
                ("transforms.a.type", "NoSuchTransform"),
            ]),
        )
        .unwrap();
        let e = errors_of(&infos, "transforms.a.type");
        assert_eq!(e.len(), 1, "{:?}", infos.errors());
        assert!(e[0].contains("NoSuchTransform"), "{e:?}");
        // A missing type is named too.
        let infos = validate(
            &Plugins::builtin(),
            &props(&[
                ("connector.class", "FileStreamSink"),
                ("name", "c"),
                ("topics", "in"),
                ("transforms", "b"),
            ]),
        )
        .unwrap();
        assert_eq!(errors_of(&infos, "transforms.b.type").len(), 1);
    }

    #[test]
    fn validation_resolves_placeholders_but_never_shows_them() {
        std::env::set_var("RC_VALIDATE_BATCH", "250");
        std::env::set_var("RC_VALIDATE_BAD", "lots");
        std::env::set_var("RC_VALIDATE_TOPIC", "secret-topic");
        let providers = ConfigProviders::from_worker_props(&props(&[
            ("config.providers", "env"),
            (
                "config.providers.env.class",
                crate::config_providers::ENV_PROVIDER,
            ),
        ]))
        .unwrap();
        let plugins = Plugins::builtin();
        let raw = props(&[
            ("connector.class", "FileStreamSource"),
            ("name", "c"),
            ("topic", "${env:RC_VALIDATE_TOPIC}"),
            ("batch.size", "${env:RC_VALIDATE_BATCH}"),
        ]);
        // Without providers an INT placeholder does not validate...
        let infos = validate(&plugins, &raw).unwrap();
        assert!(!errors_of(&infos, "batch.size").is_empty());
        // ...with them it does, and the answer shows the placeholders.
        let infos = validate_with(&plugins, &providers, &raw).unwrap();
        assert_eq!(infos.error_count, 0, "{:?}", infos.errors());
        let shown = serde_json::to_string(&infos).unwrap();
        assert!(!shown.contains("secret-topic"), "{shown}");
        assert!(!shown.contains("250"), "{shown}");
        assert_eq!(
            infos.config("batch.size").unwrap().value.value.as_deref(),
            Some("${env:RC_VALIDATE_BATCH}")
        );
        assert_eq!(
            infos.config("topic").unwrap().value.value.as_deref(),
            Some("${env:RC_VALIDATE_TOPIC}")
        );
        // An invalid resolved value is an error that names the placeholder, not the value.
        let mut bad = raw.clone();
        bad.insert("batch.size".into(), "${env:RC_VALIDATE_BAD}".into());
        let infos = validate_with(&plugins, &providers, &bad).unwrap();
        let e = errors_of(&infos, "batch.size");
        assert_eq!(e.len(), 1, "{:?}", infos.errors());
        let shown = serde_json::to_string(&infos).unwrap();
        assert!(!shown.contains("lots"), "{shown}");
        // A failing provider is an error on its key.
        let mut bad = raw.clone();
        bad.insert("topic".into(), "${env:/p:RC_VALIDATE_TOPIC}".into());
        let infos = validate_with(&plugins, &providers, &bad).unwrap();
        assert_eq!(errors_of(&infos, "topic").len(), 1, "{:?}", infos.errors());
        // Also when it is the only placeholder.
        let only = props(&[
            ("connector.class", "FileStreamSource"),
            ("name", "c"),
            ("topic", "${env:/p:RC_VALIDATE_TOPIC}"),
        ]);
        let infos = validate_with(&plugins, &providers, &only).unwrap();
        assert_eq!(errors_of(&infos, "topic").len(), 1, "{:?}", infos.errors());
    }
}
