//! The value side of a `ConfigDef`: types, importance, width, passwords, typed values, and
//! Kafka's `ConfigDef.parseType` / `convertToString` rules.

use std::fmt;

use super::error::ConfigError;
use crate::java::{
    double_to_string as java_double_to_string, parse_double as java_parse_double, trim as java_trim,
};

/// The type of a configuration key (Kafka's `ConfigDef.Type`). `Display` gives the Java
/// enum name (`"BOOLEAN"`, `"STRING"`, ...), as in `ConfigKeyInfo.type` and in the
/// message "Not a number of type INT".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConfigType {
    Boolean,
    String,
    Int,
    Short,
    Long,
    Double,
    List,
    Class,
    Password,
}

impl ConfigType {
    /// The Java enum name: `"BOOLEAN"`, `"STRING"`, `"INT"`, ...
    pub fn name(self) -> &'static str {
        match self {
            ConfigType::Boolean => "BOOLEAN",
            ConfigType::String => "STRING",
            ConfigType::Int => "INT",
            ConfigType::Short => "SHORT",
            ConfigType::Long => "LONG",
            ConfigType::Double => "DOUBLE",
            ConfigType::List => "LIST",
            ConfigType::Class => "CLASS",
            ConfigType::Password => "PASSWORD",
        }
    }

    /// Whether values of this type are secrets (Kafka's `Type.isSensitive`).
    pub fn is_sensitive(self) -> bool {
        self == ConfigType::Password
    }

    /// Parses a user-supplied string as a value of this type, exactly as Kafka's
    /// `ConfigDef.parseType(name, String, type)`: the input is trimmed (Java `String.trim`),
    /// booleans are `true`/`false` in any case, lists are comma separated with the
    /// whitespace around commas dropped (an empty string is the empty list).
    ///
    /// Errors name the key: `Invalid value abc for configuration batch.size: Not a number
    /// of type INT`.
    pub fn parse(self, key: &str, raw: &str) -> Result<ConfigValue, ConfigError> {
        coerce(key, &ConfigValue::String(raw.to_string()), self)
    }
}

impl fmt::Display for ConfigType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How much a user should care about a key (Kafka's `ConfigDef.Importance`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Importance {
    High,
    Medium,
    Low,
}

impl Importance {
    pub fn name(self) -> &'static str {
        match self {
            Importance::High => "HIGH",
            Importance::Medium => "MEDIUM",
            Importance::Low => "LOW",
        }
    }
}

impl fmt::Display for Importance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The width of a value's input field in a UI (Kafka's `ConfigDef.Width`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Width {
    None,
    Short,
    Medium,
    Long,
}

impl Width {
    pub fn name(self) -> &'static str {
        match self {
            Width::None => "NONE",
            Width::Short => "SHORT",
            Width::Medium => "MEDIUM",
            Width::Long => "LONG",
        }
    }
}

impl fmt::Display for Width {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A secret (Kafka's `types.Password`): `Debug` and `Display` print `[hidden]`; only
/// [`Password::value`] gives the secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Password(String);

impl Password {
    /// What a password prints as (Kafka's `Password.HIDDEN`).
    pub const HIDDEN: &'static str = "[hidden]";

    pub fn new(value: impl Into<String>) -> Self {
        Password(value.into())
    }

    /// The secret itself. Never log it.
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Password::HIDDEN)
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Password::HIDDEN)
    }
}

/// A parsed configuration value. `Display` is Kafka's `ConfigDef.convertToString`: what the
/// REST API shows (lists joined with `,`, doubles as Java prints them, passwords as
/// `[hidden]`, classes by name).
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    Boolean(bool),
    String(String),
    Int(i32),
    Short(i16),
    Long(i64),
    Double(f64),
    List(Vec<String>),
    /// A class (here: plugin) name; not resolved at parse time.
    Class(String),
    Password(Password),
}

impl ConfigValue {
    /// The type this variant naturally belongs to.
    pub fn config_type(&self) -> ConfigType {
        match self {
            ConfigValue::Boolean(_) => ConfigType::Boolean,
            ConfigValue::String(_) => ConfigType::String,
            ConfigValue::Int(_) => ConfigType::Int,
            ConfigValue::Short(_) => ConfigType::Short,
            ConfigValue::Long(_) => ConfigType::Long,
            ConfigValue::Double(_) => ConfigType::Double,
            ConfigValue::List(_) => ConfigType::List,
            ConfigValue::Class(_) => ConfigType::Class,
            ConfigValue::Password(_) => ConfigType::Password,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ConfigValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The text of a `String` or `Class` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ConfigValue::String(s) | ConfigValue::Class(s) => Some(s),
            _ => None,
        }
    }

    /// An `Int` or `Short` value.
    pub fn as_int(&self) -> Option<i32> {
        match self {
            ConfigValue::Int(i) => Some(*i),
            ConfigValue::Short(s) => Some(i32::from(*s)),
            _ => None,
        }
    }

    /// An `Int`, `Short` or `Long` value.
    pub fn as_long(&self) -> Option<i64> {
        match self {
            ConfigValue::Int(i) => Some(i64::from(*i)),
            ConfigValue::Short(s) => Some(i64::from(*s)),
            ConfigValue::Long(l) => Some(*l),
            _ => None,
        }
    }

    /// Any numeric value, as Java's `Number.doubleValue()`.
    pub fn as_double(&self) -> Option<f64> {
        match self {
            ConfigValue::Int(i) => Some(f64::from(*i)),
            ConfigValue::Short(s) => Some(f64::from(*s)),
            ConfigValue::Long(l) => Some(*l as f64),
            ConfigValue::Double(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[String]> {
        match self {
            ConfigValue::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_password(&self) -> Option<&Password> {
        match self {
            ConfigValue::Password(p) => Some(p),
            _ => None,
        }
    }

    /// Java's `toString()` of the value object, as Kafka puts it in `ConfigException`
    /// messages ("Invalid value [a, b] for configuration ..."): lists as `[a, b]`, classes
    /// as `class com.example.Foo`, passwords as `[hidden]`.
    pub fn java_string(&self) -> String {
        match self {
            ConfigValue::List(items) => format!("[{}]", items.join(", ")),
            ConfigValue::Class(name) => format!("class {name}"),
            other => other.to_string(),
        }
    }

    /// The Java class of the value, for Kafka's "but it was a java.lang.Long" messages.
    fn java_class(&self) -> &'static str {
        match self {
            ConfigValue::Boolean(_) => "java.lang.Boolean",
            ConfigValue::String(_) => "java.lang.String",
            ConfigValue::Int(_) => "java.lang.Integer",
            ConfigValue::Short(_) => "java.lang.Short",
            ConfigValue::Long(_) => "java.lang.Long",
            ConfigValue::Double(_) => "java.lang.Double",
            ConfigValue::List(_) => "java.util.List",
            ConfigValue::Class(_) => "java.lang.Class",
            ConfigValue::Password(_) => "org.apache.kafka.common.config.types.Password",
        }
    }
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Boolean(b) => write!(f, "{b}"),
            ConfigValue::String(s) | ConfigValue::Class(s) => f.write_str(s),
            ConfigValue::Int(i) => write!(f, "{i}"),
            ConfigValue::Short(s) => write!(f, "{s}"),
            ConfigValue::Long(l) => write!(f, "{l}"),
            ConfigValue::Double(d) => f.write_str(&java_double_to_string(*d)),
            ConfigValue::List(items) => f.write_str(&items.join(",")),
            ConfigValue::Password(p) => write!(f, "{p}"),
        }
    }
}

impl From<bool> for ConfigValue {
    fn from(v: bool) -> Self {
        ConfigValue::Boolean(v)
    }
}
impl From<i16> for ConfigValue {
    fn from(v: i16) -> Self {
        ConfigValue::Short(v)
    }
}
impl From<i32> for ConfigValue {
    fn from(v: i32) -> Self {
        ConfigValue::Int(v)
    }
}
impl From<i64> for ConfigValue {
    fn from(v: i64) -> Self {
        ConfigValue::Long(v)
    }
}
impl From<f64> for ConfigValue {
    fn from(v: f64) -> Self {
        ConfigValue::Double(v)
    }
}
/// A string default; `ConfigDef::define` parses it into the key's type, as Kafka does
/// for `define("topics", Type.LIST, "a,b", ...)`.
impl From<&str> for ConfigValue {
    fn from(v: &str) -> Self {
        ConfigValue::String(v.to_string())
    }
}
impl From<String> for ConfigValue {
    fn from(v: String) -> Self {
        ConfigValue::String(v)
    }
}
impl From<Vec<String>> for ConfigValue {
    fn from(v: Vec<String>) -> Self {
        ConfigValue::List(v)
    }
}
impl From<Vec<&str>> for ConfigValue {
    fn from(v: Vec<&str>) -> Self {
        ConfigValue::List(v.into_iter().map(str::to_string).collect())
    }
}
impl From<Password> for ConfigValue {
    fn from(v: Password) -> Self {
        ConfigValue::Password(v)
    }
}

/// Java regex `\s`: `[ \t\n\x0B\f\r]`.
fn is_java_regex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// Kafka's `ConfigDef.parseType`, for a value that may already be typed (a default given
/// in code) or a string (user input).
pub(crate) fn coerce(
    key: &str,
    value: &ConfigValue,
    ty: ConfigType,
) -> Result<ConfigValue, ConfigError> {
    let invalid = |reason: String| ConfigError::invalid(key, value.java_string(), reason);
    let not_a_number = || invalid(format!("Not a number of type {ty}"));
    let raw = match value {
        ConfigValue::String(s) => Some(s.as_str()),
        _ => None,
    };
    let trimmed = raw.map(java_trim);
    match ty {
        ConfigType::Boolean => match (value, trimmed) {
            (ConfigValue::Boolean(b), _) => Ok(ConfigValue::Boolean(*b)),
            (_, Some(t)) if t.eq_ignore_ascii_case("true") => Ok(ConfigValue::Boolean(true)),
            (_, Some(t)) if t.eq_ignore_ascii_case("false") => Ok(ConfigValue::Boolean(false)),
            _ => Err(invalid("Expected value to be either true or false".into())),
        },
        ConfigType::Password => match (value, trimmed) {
            (ConfigValue::Password(p), _) => Ok(ConfigValue::Password(p.clone())),
            (_, Some(t)) => Ok(ConfigValue::Password(Password::new(t))),
            _ => Err(invalid(format!(
                "Expected value to be a string, but it was a {}",
                value.java_class()
            ))),
        },
        ConfigType::String => match trimmed {
            Some(t) => Ok(ConfigValue::String(t.to_string())),
            None => Err(invalid(format!(
                "Expected value to be a string, but it was a {}",
                value.java_class()
            ))),
        },
        ConfigType::Int => match (value, trimmed) {
            (ConfigValue::Int(i), _) => Ok(ConfigValue::Int(*i)),
            (_, Some(t)) => t
                .parse::<i32>()
                .map(ConfigValue::Int)
                .map_err(|_| not_a_number()),
            _ => Err(invalid(format!(
                "Expected value to be a 32-bit integer, but it was a {}",
                value.java_class()
            ))),
        },
        ConfigType::Short => match (value, trimmed) {
            (ConfigValue::Short(s), _) => Ok(ConfigValue::Short(*s)),
            (_, Some(t)) => t
                .parse::<i16>()
                .map(ConfigValue::Short)
                .map_err(|_| not_a_number()),
            _ => Err(invalid(format!(
                "Expected value to be a 16-bit integer (short), but it was a {}",
                value.java_class()
            ))),
        },
        ConfigType::Long => match (value, trimmed) {
            (ConfigValue::Int(i), _) => Ok(ConfigValue::Long(i64::from(*i))),
            (ConfigValue::Long(l), _) => Ok(ConfigValue::Long(*l)),
            (_, Some(t)) => t
                .parse::<i64>()
                .map(ConfigValue::Long)
                .map_err(|_| not_a_number()),
            _ => Err(invalid(format!(
                "Expected value to be a 64-bit integer (long), but it was a {}",
                value.java_class()
            ))),
        },
        ConfigType::Double => match (value.as_double(), trimmed) {
            (Some(d), _) => Ok(ConfigValue::Double(d)),
            (None, Some(t)) => java_parse_double(t)
                .map(ConfigValue::Double)
                .ok_or_else(not_a_number),
            _ => Err(invalid(format!(
                "Expected value to be a double, but it was a {}",
                value.java_class()
            ))),
        },
        ConfigType::List => match (value, trimmed) {
            (ConfigValue::List(l), _) => Ok(ConfigValue::List(l.clone())),
            (_, Some(t)) => Ok(ConfigValue::List(split_list(t))),
            _ => Err(invalid("Expected a comma separated list.".into())),
        },
        ConfigType::Class => match (value, trimmed) {
            (ConfigValue::Class(c), _) => Ok(ConfigValue::Class(c.clone())),
            (_, Some(t)) => Ok(ConfigValue::Class(t.to_string())),
            _ => Err(invalid("Expected a Class instance or class name.".into())),
        },
    }
}

/// Kafka's list parsing of an already trimmed string: empty is `[]`, otherwise
/// `split("\\s*,\\s*", -1)` (empty items kept).
fn split_list(trimmed: &str) -> Vec<String> {
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed
        .split(',')
        .map(|item| item.trim_matches(is_java_regex_space).to_string())
        .collect()
}

/// A number as Java's `Number.toString()` prints a bound given as an integer or a
/// double: integral values without a fraction (`0`, `100`), others as Java doubles.
pub(crate) fn java_number_to_string(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.2e18 {
        format!("{}", n as i64)
    } else {
        java_double_to_string(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(ty: ConfigType, raw: &str) -> Result<ConfigValue, String> {
        ty.parse("k", raw).map_err(|e| e.to_string())
    }

    #[test]
    fn type_names_are_kafkas() {
        assert_eq!(ConfigType::Boolean.to_string(), "BOOLEAN");
        assert_eq!(ConfigType::Password.to_string(), "PASSWORD");
        assert_eq!(Importance::Medium.to_string(), "MEDIUM");
        assert_eq!(Width::None.to_string(), "NONE");
        assert_eq!(serde_json::to_string(&ConfigType::Int).unwrap(), "\"INT\"");
    }

    #[test]
    fn basic_types_parse_like_kafka() {
        // Kafka's ConfigDefTest.testBasicTypes.
        assert_eq!(parse(ConfigType::Int, "1   "), Ok(ConfigValue::Int(1)));
        assert_eq!(parse(ConfigType::Long, "2"), Ok(ConfigValue::Long(2)));
        assert_eq!(
            parse(ConfigType::String, "  hello "),
            Ok(ConfigValue::String("hello".into()))
        );
        assert_eq!(
            parse(ConfigType::List, " a , b, c"),
            Ok(ConfigValue::List(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert_eq!(
            parse(ConfigType::Double, "42.5"),
            Ok(ConfigValue::Double(42.5))
        );
        assert_eq!(
            parse(ConfigType::Class, " java.lang.String "),
            Ok(ConfigValue::Class("java.lang.String".into()))
        );
        assert_eq!(
            parse(ConfigType::Boolean, "true"),
            Ok(ConfigValue::Boolean(true))
        );
        assert_eq!(
            parse(ConfigType::Boolean, "FalSE"),
            Ok(ConfigValue::Boolean(false))
        );
        assert_eq!(
            parse(ConfigType::Boolean, " TRUE\t"),
            Ok(ConfigValue::Boolean(true))
        );
        assert_eq!(parse(ConfigType::Short, "-7"), Ok(ConfigValue::Short(-7)));
        let pw = parse(ConfigType::Password, " secret ").unwrap();
        assert_eq!(pw, ConfigValue::Password(Password::new("secret")));
        assert_eq!(pw.to_string(), "[hidden]");
        assert_eq!(format!("{pw:?}"), "Password([hidden])");
    }

    #[test]
    fn bad_inputs_are_rejected_with_kafkas_messages() {
        // Kafka's ConfigDefTest.testBadInputs.
        for raw in ["hello", "42.5", "9223372036854775807", "2147483648", ""] {
            assert_eq!(
                parse(ConfigType::Int, raw),
                Err(format!(
                    "Invalid value {raw} for configuration k: Not a number of type INT"
                ))
            );
        }
        for raw in ["hello", "42.5", "922337203685477580700"] {
            assert!(parse(ConfigType::Long, raw)
                .unwrap_err()
                .ends_with("Not a number of type LONG"));
        }
        assert_eq!(
            parse(ConfigType::Short, "40000"),
            Err("Invalid value 40000 for configuration k: Not a number of type SHORT".into())
        );
        assert_eq!(
            parse(ConfigType::Double, "hello"),
            Err("Invalid value hello for configuration k: Not a number of type DOUBLE".into())
        );
        for raw in ["hello", "truee", "fals", "1", "yes"] {
            assert_eq!(
                parse(ConfigType::Boolean, raw),
                Err(format!(
                    "Invalid value {raw} for configuration k: Expected value to be either true or false"
                ))
            );
        }
        // The message shows the raw, untrimmed value.
        assert_eq!(
            parse(ConfigType::Int, " abc "),
            Err("Invalid value  abc  for configuration k: Not a number of type INT".into())
        );
    }

    #[test]
    fn doubles_follow_java_parse_double() {
        assert_eq!(parse(ConfigType::Double, "5"), Ok(ConfigValue::Double(5.0)));
        assert_eq!(
            parse(ConfigType::Double, "+1.5e3"),
            Ok(ConfigValue::Double(1500.0))
        );
        assert_eq!(
            parse(ConfigType::Double, "-.5"),
            Ok(ConfigValue::Double(-0.5))
        );
        assert_eq!(
            parse(ConfigType::Double, "5."),
            Ok(ConfigValue::Double(5.0))
        );
        assert_eq!(
            parse(ConfigType::Double, "1.5d"),
            Ok(ConfigValue::Double(1.5))
        );
        assert_eq!(
            parse(ConfigType::Double, "2F"),
            Ok(ConfigValue::Double(2.0))
        );
        assert_eq!(
            parse(ConfigType::Double, "-Infinity"),
            Ok(ConfigValue::Double(f64::NEG_INFINITY))
        );
        assert!(
            matches!(parse(ConfigType::Double, "NaN"), Ok(ConfigValue::Double(d)) if d.is_nan())
        );
        for bad in [
            "inf", "nan", "infinity", "1e", "e5", ".", "1.5dd", "1_000", "0x1p3", "1,5",
        ] {
            assert!(
                parse(ConfigType::Double, bad).is_err(),
                "{bad} should not parse"
            );
        }
    }

    #[test]
    fn lists_split_on_commas_and_keep_empty_items() {
        assert_eq!(parse(ConfigType::List, ""), Ok(ConfigValue::List(vec![])));
        assert_eq!(
            parse(ConfigType::List, "   "),
            Ok(ConfigValue::List(vec![]))
        );
        assert_eq!(
            parse(ConfigType::List, "a,,b ,"),
            Ok(ConfigValue::List(vec![
                "a".into(),
                "".into(),
                "b".into(),
                "".into()
            ]))
        );
        assert_eq!(
            parse(ConfigType::List, "a b , c"),
            Ok(ConfigValue::List(vec!["a b".into(), "c".into()]))
        );
    }

    #[test]
    fn typed_values_coerce_like_parse_type_on_objects() {
        assert_eq!(
            coerce("k", &ConfigValue::Int(3), ConfigType::Long),
            Ok(ConfigValue::Long(3))
        );
        assert_eq!(
            coerce("k", &ConfigValue::Long(3), ConfigType::Double),
            Ok(ConfigValue::Double(3.0))
        );
        assert_eq!(
            coerce("k", &ConfigValue::Long(3), ConfigType::Int).unwrap_err().to_string(),
            "Invalid value 3 for configuration k: Expected value to be a 32-bit integer, but it was a java.lang.Long"
        );
        assert_eq!(
            coerce("k", &ConfigValue::Int(53), ConfigType::List)
                .unwrap_err()
                .to_string(),
            "Invalid value 53 for configuration k: Expected a comma separated list."
        );
        assert_eq!(
            coerce("k", &ConfigValue::Boolean(true), ConfigType::String).unwrap_err().to_string(),
            "Invalid value true for configuration k: Expected value to be a string, but it was a java.lang.Boolean"
        );
    }

    #[test]
    fn convert_to_string_matches_kafka() {
        // Kafka's ConfigDefTest.testConvertValueToString*.
        assert_eq!(ConfigValue::Boolean(true).to_string(), "true");
        assert_eq!(ConfigValue::Short(i16::MAX).to_string(), "32767");
        assert_eq!(ConfigValue::Int(i32::MAX).to_string(), "2147483647");
        assert_eq!(
            ConfigValue::Long(i64::MAX).to_string(),
            "9223372036854775807"
        );
        assert_eq!(ConfigValue::Double(3.125).to_string(), "3.125");
        assert_eq!(ConfigValue::String("foobar".into()).to_string(), "foobar");
        assert_eq!(
            ConfigValue::Password(Password::new("foobar")).to_string(),
            "[hidden]"
        );
        assert_eq!(
            ConfigValue::from(vec!["a", "bc", "d"]).to_string(),
            "a,bc,d"
        );
        assert_eq!(
            ConfigValue::Class("org.Foo$Bar".into()).to_string(),
            "org.Foo$Bar"
        );
        assert_eq!(ConfigValue::from(vec!["a", "b"]).java_string(), "[a, b]");
    }

    #[test]
    fn numbers_print_like_java() {
        assert_eq!(ConfigValue::Double(1.5e10).to_string(), "1.5E10");
        assert_eq!(java_number_to_string(0.0), "0");
        assert_eq!(java_number_to_string(-5.0), "-5");
        assert_eq!(java_number_to_string(0.5), "0.5");
    }
}
