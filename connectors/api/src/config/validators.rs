//! Kafka's built-in `ConfigDef.Validator`s, with their messages and `toString`s.

use std::fmt;
use std::sync::Arc;

use super::error::ConfigError;
use super::types::{java_number_to_string, ConfigValue};

/// The check of a [`Validator::Custom`]: given the key and its parsed value, `Err(reason)`
/// rejects the value with "Invalid value V for configuration K: reason".
pub type CustomCheck = Arc<dyn Fn(&str, &ConfigValue) -> Result<(), String> + Send + Sync>;

/// Validation of a single key's parsed value (Kafka's `ConfigDef.Validator`).
///
/// `Display` is Kafka's `toString()`, the "Valid Values" text of the documentation.
#[derive(Clone)]
pub enum Validator {
    /// A numeric range, bounds inclusive (Kafka's `Range.atLeast` / `Range.between`).
    /// Applies to `INT`, `SHORT`, `LONG` and `DOUBLE` keys.
    Range { min: Option<f64>, max: Option<f64> },
    /// One of these strings, case-sensitively (Kafka's `ValidString.in`).
    ValidString(Vec<String>),
    /// One of these strings in any case (Kafka's `CaseInsensitiveValidString.in`).
    CaseInsensitiveValidString(Vec<String>),
    /// Not the empty string (a null value passes) (Kafka's `NonEmptyString`).
    NonEmptyString,
    /// Not empty and without ISO control characters (a null value passes) (Kafka's
    /// `NonEmptyStringWithoutControlChars`).
    NonEmptyStringWithoutControlChars,
    /// Every item of a `LIST` is one of these strings (Kafka's `ValidList.in`).
    ValidList(Vec<String>),
    /// A check of one's own (Kafka's `LambdaValidator.with`). It is not called for a
    /// key without a value (a null default, or a missing or unparsable value in
    /// `validate`).
    Custom {
        description: String,
        check: CustomCheck,
    },
}

impl Validator {
    /// Kafka's `Range.atLeast(min)`.
    pub fn at_least(min: impl Into<f64>) -> Self {
        Validator::Range {
            min: Some(min.into()),
            max: None,
        }
    }

    /// Kafka's `Range.between(min, max)`, both inclusive.
    pub fn between(min: impl Into<f64>, max: impl Into<f64>) -> Self {
        Validator::Range {
            min: Some(min.into()),
            max: Some(max.into()),
        }
    }

    /// Kafka's `ValidString.in(...)`.
    pub fn valid_string(values: &[&str]) -> Self {
        Validator::ValidString(values.iter().map(|s| s.to_string()).collect())
    }

    /// Kafka's `CaseInsensitiveValidString.in(...)`.
    pub fn case_insensitive_valid_string(values: &[&str]) -> Self {
        Validator::CaseInsensitiveValidString(values.iter().map(|s| s.to_string()).collect())
    }

    /// Kafka's `ValidList.in(...)`.
    pub fn valid_list(values: &[&str]) -> Self {
        Validator::ValidList(values.iter().map(|s| s.to_string()).collect())
    }

    /// A custom check, documented as `description`.
    pub fn custom<F>(description: impl Into<String>, check: F) -> Self
    where
        F: Fn(&str, &ConfigValue) -> Result<(), String> + Send + Sync + 'static,
    {
        Validator::Custom {
            description: description.into(),
            check: Arc::new(check),
        }
    }

    /// Kafka's `ensureValid(name, value)`; `None` is Java's `null` (a key with a null
    /// default, or one that is missing or unparsable during `validate`).
    pub fn ensure_valid(&self, key: &str, value: Option<&ConfigValue>) -> Result<(), ConfigError> {
        let shown = || value.map_or_else(|| "null".to_string(), ConfigValue::java_string);
        match self {
            Validator::Range { min, max } => {
                let Some(v) = value else {
                    return Err(ConfigError::invalid(key, "null", "Value must be non-null"));
                };
                let Some(n) = v.as_double() else {
                    return Err(ConfigError::invalid(key, shown(), "Value must be a number"));
                };
                if let Some(min) = min {
                    if n < *min {
                        return Err(ConfigError::invalid(
                            key,
                            shown(),
                            format!("Value must be at least {}", java_number_to_string(*min)),
                        ));
                    }
                }
                if let Some(max) = max {
                    if n > *max {
                        return Err(ConfigError::invalid(
                            key,
                            shown(),
                            format!("Value must be no more than {}", java_number_to_string(*max)),
                        ));
                    }
                }
                Ok(())
            }
            Validator::ValidString(valid) => check_valid_string(key, value, valid),
            Validator::CaseInsensitiveValidString(valid) => {
                let upper = upper_dedup(valid);
                let ok = value
                    .and_then(string_of)
                    .is_some_and(|s| upper.contains(&s.to_uppercase()));
                if ok {
                    Ok(())
                } else {
                    Err(ConfigError::invalid(
                        key,
                        shown(),
                        format!(
                            "String must be one of (case insensitive): {}",
                            upper.join(", ")
                        ),
                    ))
                }
            }
            Validator::NonEmptyString => match value.and_then(string_of) {
                Some("") => Err(ConfigError::invalid(key, "", "String must be non-empty")),
                _ => Ok(()),
            },
            Validator::NonEmptyStringWithoutControlChars => {
                let Some(s) = value.and_then(string_of) else {
                    return Ok(());
                };
                if s.is_empty() {
                    return Err(ConfigError::invalid(key, "", "String may not be empty"));
                }
                let controls: Vec<String> = s
                    .chars()
                    .filter(|c| c.is_control())
                    .map(|c| u32::from(c).to_string())
                    .collect();
                if controls.is_empty() {
                    Ok(())
                } else {
                    Err(ConfigError::invalid(
                        key,
                        s,
                        format!(
                            "String may not contain control sequences but had the following ASCII chars: {}",
                            controls.join(", ")
                        ),
                    ))
                }
            }
            Validator::ValidList(valid) => match value {
                None => Ok(()),
                Some(ConfigValue::List(items)) => {
                    for item in items {
                        check_valid_string(key, Some(&ConfigValue::String(item.clone())), valid)?;
                    }
                    Ok(())
                }
                Some(other) => check_valid_string(key, Some(other), valid),
            },
            Validator::Custom { check, .. } => match value {
                None => Ok(()),
                Some(v) => check(key, v)
                    .map_err(|reason| ConfigError::invalid(key, v.java_string(), reason)),
            },
        }
    }
}

/// The string inside a `String`, `Class` or `Password` value.
fn string_of(v: &ConfigValue) -> Option<&str> {
    match v {
        ConfigValue::String(s) | ConfigValue::Class(s) => Some(s),
        ConfigValue::Password(p) => Some(p.value()),
        _ => None,
    }
}

fn check_valid_string(
    key: &str,
    value: Option<&ConfigValue>,
    valid: &[String],
) -> Result<(), ConfigError> {
    let ok = value
        .and_then(string_of)
        .is_some_and(|s| valid.iter().any(|v| v == s));
    if ok {
        Ok(())
    } else {
        let shown = value.map_or_else(|| "null".to_string(), ConfigValue::java_string);
        Err(ConfigError::invalid(
            key,
            shown,
            format!("String must be one of: {}", valid.join(", ")),
        ))
    }
}

fn upper_dedup(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        let up = v.to_uppercase();
        if !out.contains(&up) {
            out.push(up);
        }
    }
    out
}

impl fmt::Display for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validator::Range { min, max } => match (min, max) {
                (None, None) => f.write_str("[...]"),
                (None, Some(max)) => write!(f, "[...,{}]", java_number_to_string(*max)),
                (Some(min), None) => write!(f, "[{},...]", java_number_to_string(*min)),
                (Some(min), Some(max)) => write!(
                    f,
                    "[{},...,{}]",
                    java_number_to_string(*min),
                    java_number_to_string(*max)
                ),
            },
            Validator::ValidString(valid) | Validator::ValidList(valid) => {
                write!(f, "[{}]", valid.join(", "))
            }
            Validator::CaseInsensitiveValidString(valid) => {
                write!(f, "(case insensitive) [{}]", upper_dedup(valid).join(", "))
            }
            Validator::NonEmptyString => f.write_str("non-empty string"),
            Validator::NonEmptyStringWithoutControlChars => {
                f.write_str("non-empty string without ISO control characters")
            }
            Validator::Custom { description, .. } => f.write_str(description),
        }
    }
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validator::Range { min, max } => f
                .debug_struct("Range")
                .field("min", min)
                .field("max", max)
                .finish(),
            Validator::ValidString(v) => f.debug_tuple("ValidString").field(v).finish(),
            Validator::CaseInsensitiveValidString(v) => f
                .debug_tuple("CaseInsensitiveValidString")
                .field(v)
                .finish(),
            Validator::NonEmptyString => f.write_str("NonEmptyString"),
            Validator::NonEmptyStringWithoutControlChars => {
                f.write_str("NonEmptyStringWithoutControlChars")
            }
            Validator::ValidList(v) => f.debug_tuple("ValidList").field(v).finish(),
            Validator::Custom { description, .. } => f
                .debug_struct("Custom")
                .field("description", description)
                .finish_non_exhaustive(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: &Validator, value: Option<ConfigValue>) -> Result<(), String> {
        v.ensure_valid("name", value.as_ref())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn range_messages_and_to_string() {
        let r = Validator::between(0, 10);
        assert_eq!(r.to_string(), "[0,...,10]");
        for ok in [0, 5, 10] {
            assert_eq!(check(&r, Some(ConfigValue::Int(ok))), Ok(()));
        }
        assert_eq!(
            check(&r, Some(ConfigValue::Int(-1))),
            Err("Invalid value -1 for configuration name: Value must be at least 0".into())
        );
        assert_eq!(
            check(&r, Some(ConfigValue::Long(11))),
            Err("Invalid value 11 for configuration name: Value must be no more than 10".into())
        );
        assert_eq!(
            check(&r, None),
            Err("Invalid value null for configuration name: Value must be non-null".into())
        );
        let d = Validator::between(0.5, 1.5);
        assert_eq!(d.to_string(), "[0.5,...,1.5]");
        assert_eq!(
            check(&d, Some(ConfigValue::Double(2.0))),
            Err("Invalid value 2.0 for configuration name: Value must be no more than 1.5".into())
        );
        assert_eq!(Validator::at_least(1).to_string(), "[1,...]");
        assert_eq!(
            Validator::Range {
                min: None,
                max: Some(3.0)
            }
            .to_string(),
            "[...,3]"
        );
        assert_eq!(
            Validator::Range {
                min: None,
                max: None
            }
            .to_string(),
            "[...]"
        );
    }

    #[test]
    fn valid_string_and_list() {
        let v = Validator::valid_string(&["good", "values", "default"]);
        assert_eq!(v.to_string(), "[good, values, default]");
        assert_eq!(check(&v, Some("good".into())), Ok(()));
        assert_eq!(
            check(&v, Some("bad".into())),
            Err("Invalid value bad for configuration name: String must be one of: good, values, default".into())
        );
        assert!(check(&v, None).is_err());

        let l = Validator::valid_list(&["1", "2", "3"]);
        assert_eq!(l.to_string(), "[1, 2, 3]");
        assert_eq!(check(&l, Some(vec!["1", "3"].into())), Ok(()));
        assert_eq!(
            check(&l, Some(vec!["1", "4"].into())),
            Err("Invalid value 4 for configuration name: String must be one of: 1, 2, 3".into())
        );
    }

    #[test]
    fn case_insensitive_valid_string() {
        let v = Validator::case_insensitive_valid_string(&["none", "Gzip"]);
        assert_eq!(v.to_string(), "(case insensitive) [NONE, GZIP]");
        assert_eq!(check(&v, Some("gZiP".into())), Ok(()));
        assert_eq!(
            check(&v, Some("lz4".into())),
            Err("Invalid value lz4 for configuration name: String must be one of (case insensitive): NONE, GZIP".into())
        );
        assert!(check(&v, None).is_err());
    }

    #[test]
    fn non_empty_strings() {
        let v = Validator::NonEmptyString;
        assert_eq!(v.to_string(), "non-empty string");
        assert_eq!(check(&v, None), Ok(()));
        assert_eq!(
            check(&v, Some("".into())),
            Err("Invalid value  for configuration name: String must be non-empty".into())
        );

        // Kafka's ConfigDefTest.testValidators cases for NonEmptyStringWithoutControlChars.
        let v = Validator::NonEmptyStringWithoutControlChars;
        assert_eq!(
            v.to_string(),
            "non-empty string without ISO control characters"
        );
        for ok in [
            "test",
            "name",
            "test/test",
            "test\u{1234}",
            "\u{1324}name\\",
            "/+%>&):??<&()?-",
            "+1",
            "\u{1F601}",
            "\u{F3B1}",
        ] {
            assert_eq!(check(&v, Some(ok.into())), Ok(()), "{ok:?}");
        }
        for bad in [
            "nontrailing\nnotallowed",
            "as\u{1}cii control char",
            "tes\rt",
            "test\u{8}test",
            "1\t2",
            "",
        ] {
            assert!(check(&v, Some(bad.into())).is_err(), "{bad:?}");
        }
        assert_eq!(
            check(&v, Some("a\u{1}b\u{7f}".into())),
            Err("Invalid value a\u{1}b\u{7f} for configuration name: String may not contain control sequences but had the following ASCII chars: 1, 127".into())
        );
        assert_eq!(
            check(&v, Some("".into())),
            Err("Invalid value  for configuration name: String may not be empty".into())
        );
        assert_eq!(check(&v, None), Ok(()));
    }

    #[test]
    fn custom_validator() {
        let v = Validator::custom("an even number", |_, value| match value.as_int() {
            Some(i) if i % 2 == 0 => Ok(()),
            _ => Err("Value must be even".into()),
        });
        assert_eq!(v.to_string(), "an even number");
        assert_eq!(
            format!("{v:?}"),
            "Custom { description: \"an even number\", .. }"
        );
        assert_eq!(check(&v, Some(ConfigValue::Int(4))), Ok(()));
        assert_eq!(check(&v, None), Ok(()));
        assert_eq!(
            check(&v, Some(ConfigValue::Int(3))),
            Err("Invalid value 3 for configuration name: Value must be even".into())
        );
    }
}
