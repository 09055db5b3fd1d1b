//! The transformation chain of one connector (Kafka's `TransformationChain`), built from
//! the `transforms` and `predicates` keys of its config.

use std::collections::BTreeMap;

use connect_api::{ConnectRecord, Props, SinkRecord, SourceRecord};

use crate::error::{ChainConfigError, TransformError};
use crate::registry::{find_predicate, find_transform};
use crate::{Predicate, PredicatePlugin, TransformPlugin, Transformation};

/// Source or sink records: picks the matching factory of a plugin.
pub trait RecordKind: ConnectRecord {
    fn transform(
        p: &TransformPlugin,
        props: &Props,
    ) -> Result<Box<dyn Transformation<Self>>, TransformError>;
    fn predicate(
        p: &PredicatePlugin,
        props: &Props,
    ) -> Result<Box<dyn Predicate<Self>>, TransformError>;
}

impl RecordKind for SourceRecord {
    fn transform(
        p: &TransformPlugin,
        props: &Props,
    ) -> Result<Box<dyn Transformation<Self>>, TransformError> {
        (p.create_source)(props)
    }
    fn predicate(
        p: &PredicatePlugin,
        props: &Props,
    ) -> Result<Box<dyn Predicate<Self>>, TransformError> {
        (p.create_source)(props)
    }
}

impl RecordKind for SinkRecord {
    fn transform(
        p: &TransformPlugin,
        props: &Props,
    ) -> Result<Box<dyn Transformation<Self>>, TransformError> {
        (p.create_sink)(props)
    }
    fn predicate(
        p: &PredicatePlugin,
        props: &Props,
    ) -> Result<Box<dyn Predicate<Self>>, TransformError> {
        (p.create_sink)(props)
    }
}

struct Step<R: ConnectRecord> {
    alias: String,
    class: &'static str,
    transform: Box<dyn Transformation<R>>,
    /// Applied only when the predicate holds (or does not, when negated).
    predicate: Option<(Box<dyn Predicate<R>>, bool)>,
}

pub struct TransformChain<R: ConnectRecord> {
    steps: Vec<Step<R>>,
}

fn list(props: &Props, key: &str) -> Vec<String> {
    props
        .get(key)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// `prefix.*` keys with the prefix stripped.
fn sub_props(props: &Props, prefix: &str) -> Props {
    props
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone())))
        .collect()
}

fn err(key: String, value: &str, reason: impl Into<String>) -> ChainConfigError {
    ChainConfigError {
        key,
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Every problem with the `transforms` / `predicates` keys, as (key, message) pairs,
/// for the validate endpoint. Empty when the chain can be built.
pub fn validate(props: &Props) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let predicates = list(props, "predicates");
    for alias in &predicates {
        let key = format!("predicates.{alias}.type");
        match props.get(&key) {
            None => errors.push((key.clone(), format!("Missing required configuration \"{key}\" which has no default value."))),
            Some(class) => match find_predicate(class) {
                None => errors.push((key.clone(), format!("Invalid value {class} for configuration {key}: Class {class} could not be found."))),
                Some(p) => {
                    let sub = sub_props(props, &format!("predicates.{alias}."));
                    for (k, e) in (p.config_def)().validate(&sub).errors() {
                        errors.push((format!("predicates.{alias}.{k}"), e));
                    }
                }
            },
        }
    }
    for alias in list(props, "transforms") {
        let key = format!("transforms.{alias}.type");
        match props.get(&key) {
            None => errors.push((key.clone(), format!("Missing required configuration \"{key}\" which has no default value."))),
            Some(class) => match find_transform(class) {
                None => errors.push((key.clone(), format!("Invalid value {class} for configuration {key}: Class {class} could not be found."))),
                Some(p) => {
                    let sub = step_props(props, &alias);
                    let key_errors = (p.config_def)().validate(&sub).errors();
                    let clean = key_errors.is_empty();
                    for (k, e) in key_errors {
                        errors.push((format!("transforms.{alias}.{k}"), e));
                    }
                    // Cross-key checks happen when the transformation is built.
                    if clean {
                        if let Err(e) = (p.create_sink)(&sub) {
                            errors.push((format!("transforms.{alias}"), e.message));
                        }
                    }
                }
            },
        }
        let pkey = format!("transforms.{alias}.predicate");
        if let Some(p) = props.get(&pkey).filter(|p| !p.trim().is_empty()) {
            if !predicates.iter().any(|a| a == p.trim()) {
                errors.push((pkey, format!("Invalid value {p} for configuration transforms.{alias}.predicate: the predicate is not listed in 'predicates'")));
            }
        }
        let nkey = format!("transforms.{alias}.negate");
        if let Some(n) = props.get(&nkey) {
            if !matches!(n.trim().to_ascii_lowercase().as_str(), "true" | "false") {
                errors.push((nkey, format!("Invalid value {n} for configuration transforms.{alias}.negate: Expected value to be either true or false")));
            }
        }
    }
    errors
}

/// A transformation's own keys: `transforms.<alias>.*` minus the chain's own
/// (`type`, `predicate`, `negate`).
fn step_props(props: &Props, alias: &str) -> Props {
    let mut sub = sub_props(props, &format!("transforms.{alias}."));
    sub.remove("type");
    sub.remove("predicate");
    sub.remove("negate");
    sub
}

impl<R: RecordKind> TransformChain<R> {
    /// An empty chain (no `transforms`).
    pub fn empty() -> Self {
        TransformChain { steps: Vec::new() }
    }

    /// Builds the chain a connector config describes; the first problem is an error
    /// naming its key (run [`validate`] for all of them).
    pub fn from_config(props: &Props) -> Result<Self, ChainConfigError> {
        if let Some((key, message)) = validate(props).into_iter().next() {
            return Err(err(key, "", message));
        }
        let mut preds: BTreeMap<String, &'static str> = BTreeMap::new();
        for alias in list(props, "predicates") {
            if let Some(class) = props.get(&format!("predicates.{alias}.type")) {
                if let Some(p) = find_predicate(class) {
                    preds.insert(alias, p.class);
                }
            }
        }
        let mut steps = Vec::new();
        for alias in list(props, "transforms") {
            let key = format!("transforms.{alias}.type");
            let class = props.get(&key).cloned().unwrap_or_default();
            let plugin = find_transform(&class).ok_or_else(|| {
                err(
                    key.clone(),
                    &class,
                    format!("Class {class} could not be found."),
                )
            })?;
            let transform = R::transform(&plugin, &step_props(props, &alias))
                .map_err(|e| err(format!("transforms.{alias}"), &class, e.message))?;
            let predicate = match props
                .get(&format!("transforms.{alias}.predicate"))
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
            {
                None => None,
                Some(pa) => {
                    let pclass = preds.get(&pa).copied().unwrap_or_default();
                    let pplugin = find_predicate(pclass).ok_or_else(|| {
                        err(
                            format!("transforms.{alias}.predicate"),
                            &pa,
                            "unknown predicate",
                        )
                    })?;
                    let pred =
                        R::predicate(&pplugin, &sub_props(props, &format!("predicates.{pa}.")))
                            .map_err(|e| err(format!("predicates.{pa}"), pclass, e.message))?;
                    let negate = props
                        .get(&format!("transforms.{alias}.negate"))
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case("true"));
                    Some((pred, negate))
                }
            };
            steps.push(Step {
                alias,
                class: plugin.class,
                transform,
                predicate,
            });
        }
        Ok(TransformChain { steps })
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Runs the record through every step; None when a step dropped it. An error names
    /// the transformation's class (the `__connect.errors.class.name` of a DLQ record).
    pub fn apply(&self, mut record: R) -> Result<Option<R>, TransformError> {
        for step in &self.steps {
            if let Some((pred, negate)) = &step.predicate {
                if pred.test(&record) == *negate {
                    continue;
                }
            }
            match step.transform.apply(record) {
                Ok(Some(r)) => record = r,
                Ok(None) => return Ok(None),
                Err(mut e) => {
                    if e.class.is_empty() {
                        e.class = step.class.to_string();
                    }
                    e.message = format!("{} (transform '{}')", e.message, step.alias);
                    return Err(e);
                }
            }
        }
        Ok(Some(record))
    }
}
