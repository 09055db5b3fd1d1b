//! `ConfigKey`, `ConfigDef` and the parsed result (Kafka's `ConfigDef` and the typed
//! getters of `AbstractConfig`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use super::error::ConfigError;
use super::infos::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo};
use super::types::{coerce, ConfigType, ConfigValue, Importance, Password, Width};
use super::validators::Validator;
use crate::Props;

/// The definition of one configuration key (Kafka's `ConfigDef.ConfigKey`).
///
/// Built with [`ConfigKey::new`] and the builder methods; defaults match Kafka's short
/// `define` overloads: required (no default), no validator, importance `MEDIUM`, empty
/// documentation, no group, order `-1`, width `NONE`, display name = the key's name.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    pub name: String,
    pub ty: ConfigType,
    /// The default value; `None` with `default_null == false` means required (Kafka's
    /// `NO_DEFAULT_VALUE`).
    pub default: Option<ConfigValue>,
    /// Kafka's default of `null`: the key is optional and has no value when absent.
    pub default_null: bool,
    pub validator: Option<Validator>,
    pub importance: Importance,
    pub documentation: String,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: Width,
    pub display_name: String,
    /// Keys whose valid values or visibility depend on this one.
    pub dependents: Vec<String>,
}

impl ConfigKey {
    pub fn new(name: impl Into<String>, ty: ConfigType) -> Self {
        let name = name.into();
        ConfigKey {
            display_name: name.clone(),
            name,
            ty,
            default: None,
            default_null: false,
            validator: None,
            importance: Importance::Medium,
            documentation: String::new(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            dependents: Vec::new(),
        }
    }

    /// The value used when the key is absent. A string is parsed into the key's type
    /// when the key is defined (`"a,b"` for a `LIST`, `"5"` for an `INT`), as Kafka
    /// does; an `INT` value is accepted for a `LONG` or `DOUBLE` key.
    pub fn default_value(mut self, value: impl Into<ConfigValue>) -> Self {
        self.default = Some(value.into());
        self.default_null = false;
        self
    }

    /// Optional with no value when absent (Kafka's default of `null`).
    pub fn default_null(mut self) -> Self {
        self.default = None;
        self.default_null = true;
        self
    }

    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = Some(validator);
        self
    }

    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = importance;
        self
    }

    pub fn doc(mut self, documentation: impl Into<String>) -> Self {
        self.documentation = documentation.into();
        self
    }

    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    pub fn order(mut self, order_in_group: i32) -> Self {
        self.order_in_group = order_in_group;
        self
    }

    pub fn width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }

    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = display_name.into();
        self
    }

    pub fn dependents(mut self, dependents: &[&str]) -> Self {
        self.dependents = dependents.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Whether the key has a default (possibly null); Kafka's `hasDefault()`.
    pub fn has_default(&self) -> bool {
        self.default.is_some() || self.default_null
    }

    /// Whether the key must be given (no default at all).
    pub fn is_required(&self) -> bool {
        !self.has_default()
    }

    /// What this key shows in `GET /connector-plugins/{type}/config` and in a
    /// validation result (Kafka's `AbstractHerder.convertConfigKey`).
    pub fn info(&self) -> ConfigKeyInfo {
        ConfigKeyInfo {
            name: self.name.clone(),
            r#type: self.ty.name().to_string(),
            required: self.is_required(),
            default_value: self.default.as_ref().map(ToString::to_string),
            importance: self.importance.name().to_string(),
            documentation: self.documentation.clone(),
            group: self.group.clone(),
            width: self.width.name().to_string(),
            display_name: self.display_name.clone(),
            dependents: self.dependents.clone(),
            order_in_group: self.order_in_group,
        }
    }

    /// Kafka's `ConfigDef.parseValue`: the raw value if given, else the default, then
    /// the validator.
    fn parse_value(&self, raw: Option<&String>) -> Result<Option<ConfigValue>, ConfigError> {
        let value = match raw {
            Some(raw) => Some(self.ty.parse(&self.name, raw)?),
            None if self.is_required() => return Err(ConfigError::missing(&self.name)),
            None => self.default.clone(),
        };
        if let Some(validator) = &self.validator {
            validator.ensure_valid(&self.name, value.as_ref())?;
        }
        Ok(value)
    }

    /// Kafka's `ConfigDef.parseForValidate` for one key: every error, not just the first.
    /// As in Kafka, the validator also runs when the value is missing or unparsable
    /// (seeing `null`).
    fn validate_value(&self, raw: Option<&String>) -> ConfigValueInfo {
        let mut errors = Vec::new();
        let value = match raw {
            Some(raw) => match self.ty.parse(&self.name, raw) {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.push(e.to_string());
                    None
                }
            },
            None if self.is_required() => {
                errors.push(ConfigError::missing(&self.name).to_string());
                None
            }
            None => self.default.clone(),
        };
        if let Some(validator) = &self.validator {
            if let Err(e) = validator.ensure_valid(&self.name, value.as_ref()) {
                errors.push(e.to_string());
            }
        }
        ConfigValueInfo {
            name: self.name.clone(),
            value: value.as_ref().map(ToString::to_string),
            recommended_values: Vec::new(),
            errors,
            visible: true,
        }
    }
}

/// A set of configuration keys (Kafka's `ConfigDef`), kept in definition order.
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: Vec<ConfigKey>,
    index: HashMap<String, usize>,
}

impl ConfigDef {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key. A string default is parsed into the key's type, and the default is
    /// checked against the validator, as Kafka's `define` does.
    ///
    /// # Panics
    ///
    /// On programmer errors that Kafka reports with a `ConfigException` at definition
    /// time: a key defined twice ("Configuration a is defined twice."), a default that
    /// does not parse as the key's type, or a default the validator rejects.
    pub fn define(mut self, mut key: ConfigKey) -> Self {
        if self.index.contains_key(&key.name) {
            panic!("Configuration {} is defined twice.", key.name);
        }
        if let Some(default) = key.default.take() {
            match coerce(&key.name, &default, key.ty) {
                Ok(parsed) => key.default = Some(parsed),
                Err(e) => panic!("invalid default for configuration {}: {e}", key.name),
            }
        }
        if let (Some(validator), true) = (&key.validator, key.has_default()) {
            if let Err(e) = validator.ensure_valid(&key.name, key.default.as_ref()) {
                panic!("invalid default for configuration {}: {e}", key.name);
            }
        }
        self.index.insert(key.name.clone(), self.keys.len());
        self.keys.push(key);
        self
    }

    /// The keys, in definition order.
    pub fn keys(&self) -> impl Iterator<Item = &ConfigKey> {
        self.keys.iter()
    }

    /// The key of this name, if defined.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.index.get(name).map(|&i| &self.keys[i])
    }

    /// The names of the keys, in definition order (Kafka's `names()`).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.name.as_str())
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The groups of the keys, in the order they first appear (Kafka's `groups()`).
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for group in self.keys.iter().filter_map(|k| k.group.as_ref()) {
            if !groups.contains(group) {
                groups.push(group.clone());
            }
        }
        groups
    }

    /// This definition followed by the keys of `other` that it does not define already
    /// (a key defined in both keeps this definition's version).
    pub fn merge(mut self, other: &ConfigDef) -> Self {
        for key in &other.keys {
            if !self.index.contains_key(&key.name) {
                self.index.insert(key.name.clone(), self.keys.len());
                self.keys.push(key.clone());
            }
        }
        self
    }

    /// Dependents that name no defined key, in first-seen order.
    fn undefined_dependents(&self) -> Vec<String> {
        let mut undefined: Vec<String> = Vec::new();
        for dep in self.keys.iter().flat_map(|k| &k.dependents) {
            if !self.index.contains_key(dep) && !undefined.contains(dep) {
                undefined.push(dep.clone());
            }
        }
        undefined
    }

    /// [`ConfigDef::parse`] for a connector or task: an error naming a key becomes
    /// [`ConnectError::Config`] with that key (the message is Kafka's
    /// `ConfigException` text), so validation and REST errors can point at the key.
    pub fn parse_connector_config(
        &self,
        props: &Props,
    ) -> Result<ParsedConfig, crate::ConnectError> {
        self.parse(props).map_err(|e| match e.key() {
            Some(key) => crate::ConnectError::config(key, e.to_string()),
            None => crate::ConnectError::from(e),
        })
    }

    /// Parses and validates `props` (Kafka's `ConfigDef.parse`): each defined key is
    /// parsed from its value, or takes its default; keys not defined here are ignored
    /// (they stay in [`ParsedConfig::originals`]). Returns the first error, in
    /// definition order.
    pub fn parse(&self, props: &Props) -> Result<ParsedConfig, ConfigError> {
        let undefined = self.undefined_dependents();
        if !undefined.is_empty() {
            return Err(ConfigError::Other(format!(
                "Some configurations in are referred in the dependents, but not defined: {}",
                undefined.join(",")
            )));
        }
        let mut values = HashMap::with_capacity(self.keys.len());
        for key in &self.keys {
            let value = key.parse_value(props.get(&key.name))?;
            values.insert(key.name.clone(), (key.ty, value));
        }
        Ok(ParsedConfig {
            values,
            originals: props.clone(),
        })
    }

    /// Validates every key of `props` and collects every error (Kafka's
    /// `ConfigDef.validate`), in definition order. A dependent that names no defined key
    /// gets an invisible entry with the error "X is referred in the dependents, but not
    /// defined.".
    ///
    /// Unlike Kafka, a key that is the dependent of several keys reports its errors once,
    /// not once per parent.
    pub fn validate_values(&self, props: &Props) -> Vec<ConfigValueInfo> {
        let mut values: Vec<ConfigValueInfo> = self
            .keys
            .iter()
            .map(|key| key.validate_value(props.get(&key.name)))
            .collect();
        values.extend(
            self.undefined_dependents()
                .into_iter()
                .map(|dep| ConfigValueInfo {
                    errors: vec![format!(
                        "{dep} is referred in the dependents, but not defined."
                    )],
                    name: dep,
                    value: None,
                    recommended_values: Vec::new(),
                    visible: false,
                }),
        );
        values
    }

    /// The validation result of `PUT /connector-plugins/{type}/config/validate` for these
    /// keys (Kafka's `AbstractHerder.generateResult`): every key with its definition and
    /// its value and errors. `name` is left empty for the caller to set to the connector
    /// class. Entries for undefined dependents come first, with a null definition, as in
    /// Kafka.
    pub fn validate(&self, props: &Props) -> ConfigInfos {
        let mut undefined = Vec::new();
        let mut defined = Vec::with_capacity(self.keys.len());
        for value in self.validate_values(props) {
            match self.key(&value.name) {
                Some(key) => defined.push(ConfigInfo {
                    definition: key.info(),
                    value,
                }),
                None => undefined.push(ConfigInfo {
                    definition: ConfigKeyInfo::undefined(&value.name),
                    value,
                }),
            }
        }
        undefined.extend(defined);
        ConfigInfos::new(String::new(), undefined)
    }

    /// reStructuredText documentation of the keys (Kafka's `toRst()`): required keys
    /// first, then by importance, then by name.
    pub fn to_rst(&self) -> String {
        let mut keys: Vec<&ConfigKey> = self.keys.iter().collect();
        keys.sort_by(|a, b| {
            a.has_default()
                .cmp(&b.has_default())
                .then(a.importance.cmp(&b.importance))
                .then(a.name.cmp(&b.name))
        });
        let mut out = String::new();
        for key in keys {
            out.push_str(&format!("``{}``\n", key.name));
            for line in key.documentation.split('\n').filter(|l| !l.is_empty()) {
                out.push_str(&format!("  {line}\n\n"));
            }
            out.push_str(&format!("  * Type: {}\n", key.ty.name().to_lowercase()));
            if key.has_default() {
                let default = match &key.default {
                    None => "null".to_string(),
                    Some(v) => match v.to_string() {
                        s if s.is_empty() => "\"\"".to_string(),
                        s => s,
                    },
                };
                out.push_str(&format!("  * Default: {default}\n"));
            }
            if let Some(validator) = &key.validator {
                out.push_str(&format!("  * Valid Values: {validator}\n"));
            }
            out.push_str(&format!(
                "  * Importance: {}\n",
                key.importance.name().to_lowercase()
            ));
            out.push('\n');
        }
        out
    }
}

/// A configuration parsed by [`ConfigDef::parse`] (Kafka's `AbstractConfig`).
///
/// The typed getters are for keys the connector itself defined: asking for a key that
/// is not defined, or with the getter of another type, is a programmer error and
/// panics (as Kafka's getters throw). Values that users supply never reach a panic:
/// they were checked by `parse`.
///
/// `Debug` shows parsed values (passwords as `[hidden]`) and only the keys of the
/// originals, which may hold secrets.
#[derive(Clone)]
pub struct ParsedConfig {
    values: HashMap<String, (ConfigType, Option<ConfigValue>)>,
    originals: Props,
}

impl fmt::Debug for ParsedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: BTreeMap<&str, Option<&ConfigValue>> = self
            .values
            .iter()
            .map(|(k, (_, v))| (k.as_str(), v.as_ref()))
            .collect();
        f.debug_struct("ParsedConfig")
            .field("values", &values)
            .field("original_keys", &self.originals.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ParsedConfig {
    /// The value of a key; `None` if it is not defined or has no value (null default).
    pub fn get(&self, key: &str) -> Option<&ConfigValue> {
        self.values.get(key).and_then(|(_, v)| v.as_ref())
    }

    /// Whether `key` is defined in the `ConfigDef` this was parsed with.
    pub fn is_defined(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// The user's configuration as given, including keys the `ConfigDef` does not define.
    pub fn originals(&self) -> &Props {
        &self.originals
    }

    /// The original keys starting with `prefix`, with the prefix stripped (Kafka's
    /// `originalsWithPrefix`).
    pub fn originals_with_prefix(&self, prefix: &str) -> Props {
        self.originals
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(prefix)
                    .map(|rest| (rest.to_string(), v.clone()))
            })
            .collect()
    }

    /// The value of a defined key of type `ty`.
    ///
    /// # Panics
    /// If `key` is not defined or is of another type.
    fn typed(&self, key: &str, ty: ConfigType) -> Option<&ConfigValue> {
        match self.values.get(key) {
            None => panic!("configuration key \"{key}\" is not defined in this ConfigDef"),
            Some((actual, _)) if *actual != ty => {
                panic!("configuration key \"{key}\" is of type {actual}, not {ty}")
            }
            Some((_, value)) => value.as_ref(),
        }
    }

    /// The value of a defined key of type `ty` that must have a value.
    ///
    /// # Panics
    /// As [`Self::typed`], and if the key has no value (it was defined with a null default).
    fn required(&self, key: &str, ty: ConfigType) -> &ConfigValue {
        self.typed(key, ty)
            .unwrap_or_else(|| panic!("configuration key \"{key}\" has no value (null default)"))
    }

    /// A `STRING` key; `None` when it has no value (null default).
    ///
    /// # Panics
    /// If `key` is not defined or is not a `STRING`.
    pub fn get_string(&self, key: &str) -> Option<&str> {
        self.typed(key, ConfigType::String)
            .and_then(ConfigValue::as_str)
    }

    /// An `INT` key.
    ///
    /// # Panics
    /// If `key` is not defined, is not an `INT`, or has no value (null default).
    pub fn get_int(&self, key: &str) -> i32 {
        match self.required(key, ConfigType::Int) {
            ConfigValue::Int(v) => *v,
            other => unreachable!("INT key holds {other:?}"),
        }
    }

    /// A `SHORT` key.
    ///
    /// # Panics
    /// If `key` is not defined, is not a `SHORT`, or has no value (null default).
    pub fn get_short(&self, key: &str) -> i16 {
        match self.required(key, ConfigType::Short) {
            ConfigValue::Short(v) => *v,
            other => unreachable!("SHORT key holds {other:?}"),
        }
    }

    /// A `LONG` key.
    ///
    /// # Panics
    /// If `key` is not defined, is not a `LONG`, or has no value (null default).
    pub fn get_long(&self, key: &str) -> i64 {
        match self.required(key, ConfigType::Long) {
            ConfigValue::Long(v) => *v,
            other => unreachable!("LONG key holds {other:?}"),
        }
    }

    /// A `DOUBLE` key.
    ///
    /// # Panics
    /// If `key` is not defined, is not a `DOUBLE`, or has no value (null default).
    pub fn get_double(&self, key: &str) -> f64 {
        match self.required(key, ConfigType::Double) {
            ConfigValue::Double(v) => *v,
            other => unreachable!("DOUBLE key holds {other:?}"),
        }
    }

    /// A `BOOLEAN` key.
    ///
    /// # Panics
    /// If `key` is not defined, is not a `BOOLEAN`, or has no value (null default).
    pub fn get_bool(&self, key: &str) -> bool {
        match self.required(key, ConfigType::Boolean) {
            ConfigValue::Boolean(v) => *v,
            other => unreachable!("BOOLEAN key holds {other:?}"),
        }
    }

    /// A `LIST` key; empty when it has no value (null default).
    ///
    /// # Panics
    /// If `key` is not defined or is not a `LIST`.
    pub fn get_list(&self, key: &str) -> &[String] {
        self.typed(key, ConfigType::List)
            .and_then(ConfigValue::as_list)
            .unwrap_or(&[])
    }

    /// A `CLASS` key (the class or plugin name); `None` when it has no value (null
    /// default).
    ///
    /// # Panics
    /// If `key` is not defined or is not a `CLASS`.
    pub fn get_class(&self, key: &str) -> Option<&str> {
        self.typed(key, ConfigType::Class)
            .and_then(ConfigValue::as_str)
    }

    /// A `PASSWORD` key; `None` when it has no value (null default).
    ///
    /// # Panics
    /// If `key` is not defined or is not a `PASSWORD`.
    pub fn get_password(&self, key: &str) -> Option<&Password> {
        self.typed(key, ConfigType::Password)
            .and_then(ConfigValue::as_password)
    }
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

    fn key(name: &str, ty: ConfigType) -> ConfigKey {
        ConfigKey::new(name, ty)
            .importance(Importance::High)
            .doc("docs")
    }

    #[test]
    fn basic_types() {
        // Kafka's ConfigDefTest.testBasicTypes.
        let def = ConfigDef::new()
            .define(
                key("a", ConfigType::Int)
                    .default_value(5)
                    .validator(Validator::between(0, 14)),
            )
            .define(key("b", ConfigType::Long))
            .define(key("c", ConfigType::String).default_value("hello"))
            .define(key("d", ConfigType::List))
            .define(key("e", ConfigType::Double))
            .define(key("f", ConfigType::Class))
            .define(key("g", ConfigType::Boolean))
            .define(key("h", ConfigType::Boolean))
            .define(key("i", ConfigType::Boolean))
            .define(key("j", ConfigType::Password))
            .define(key("k", ConfigType::Short));
        let parsed = def
            .parse(&props(&[
                ("a", "1   "),
                ("b", "2"),
                ("d", " a , b, c"),
                ("e", "42.5"),
                ("f", "java.lang.String"),
                ("g", "true"),
                ("h", "FalSE"),
                ("i", "TRUE"),
                ("j", "password"),
                ("k", "12"),
                ("unknown", "kept"),
            ]))
            .unwrap();
        assert_eq!(parsed.get_int("a"), 1);
        assert_eq!(parsed.get_long("b"), 2);
        assert_eq!(parsed.get_string("c"), Some("hello"));
        assert_eq!(parsed.get_list("d"), ["a", "b", "c"]);
        assert_eq!(parsed.get_double("e"), 42.5);
        assert_eq!(parsed.get_class("f"), Some("java.lang.String"));
        assert!(parsed.get_bool("g"));
        assert!(!parsed.get_bool("h"));
        assert!(parsed.get_bool("i"));
        assert_eq!(parsed.get_password("j").unwrap().value(), "password");
        assert_eq!(parsed.get_password("j").unwrap().to_string(), "[hidden]");
        assert_eq!(parsed.get_short("k"), 12);
        assert_eq!(parsed.get("a"), Some(&ConfigValue::Int(1)));
        assert_eq!(parsed.get("unknown"), None);
        assert_eq!(
            parsed.originals().get("unknown").map(String::as_str),
            Some("kept")
        );
    }

    #[test]
    #[should_panic(expected = "Not a number of type INT")]
    fn invalid_default_panics() {
        let _ = ConfigDef::new().define(key("a", ConfigType::Int).default_value("hello"));
    }

    #[test]
    #[should_panic(expected = "Value must be at least 0")]
    fn invalid_default_range_panics() {
        let _ = ConfigDef::new().define(
            key("name", ConfigType::Int)
                .default_value(-1)
                .validator(Validator::between(0, 10)),
        );
    }

    #[test]
    #[should_panic(expected = "String must be one of: valid, values")]
    fn invalid_default_string_panics() {
        let _ = ConfigDef::new().define(
            key("name", ConfigType::String)
                .default_value("bad")
                .validator(Validator::valid_string(&["valid", "values"])),
        );
    }

    #[test]
    #[should_panic(expected = "Value must be non-null")]
    fn null_default_with_range_panics() {
        let _ = ConfigDef::new().define(
            key("a", ConfigType::Int)
                .default_null()
                .validator(Validator::at_least(0)),
        );
    }

    #[test]
    #[should_panic(expected = "Configuration a is defined twice.")]
    fn defined_twice_panics() {
        let _ = ConfigDef::new()
            .define(key("a", ConfigType::String))
            .define(key("a", ConfigType::Int));
    }

    #[test]
    fn null_default() {
        let def = ConfigDef::new()
            .define(key("a", ConfigType::Int).default_null())
            .define(
                key("s", ConfigType::String)
                    .default_null()
                    .validator(Validator::NonEmptyString),
            )
            .define(key("l", ConfigType::List).default_null())
            .define(key("p", ConfigType::Password).default_null())
            .define(key("c", ConfigType::Class).default_null());
        let parsed = def.parse(&Props::new()).unwrap();
        assert_eq!(parsed.get("a"), None);
        assert!(parsed.is_defined("a"));
        assert_eq!(parsed.get_string("s"), None);
        assert!(parsed.get_list("l").is_empty());
        assert_eq!(parsed.get_password("p"), None);
        assert_eq!(parsed.get_class("c"), None);
    }

    #[test]
    #[should_panic(expected = "has no value")]
    fn get_int_of_null_default_panics() {
        let def = ConfigDef::new().define(key("a", ConfigType::Int).default_null());
        def.parse(&Props::new()).unwrap().get_int("a");
    }

    #[test]
    #[should_panic(expected = "is of type INT, not STRING")]
    fn getter_of_wrong_type_panics() {
        let def = ConfigDef::new().define(key("a", ConfigType::Int).default_value(1));
        def.parse(&Props::new()).unwrap().get_string("a");
    }

    #[test]
    #[should_panic(expected = "not defined")]
    fn getter_of_undefined_key_panics() {
        ConfigDef::new()
            .parse(&Props::new())
            .unwrap()
            .get_bool("nope");
    }

    #[test]
    fn missing_required() {
        let def = ConfigDef::new().define(key("file", ConfigType::String));
        let err = def.parse(&Props::new()).unwrap_err();
        assert_eq!(err, ConfigError::missing("file"));
        assert_eq!(
            err.to_string(),
            "Missing required configuration \"file\" which has no default value."
        );
    }

    #[test]
    fn empty_string_default_for_string_key() {
        let def = ConfigDef::new().define(key("a", ConfigType::String).default_value(""));
        assert_eq!(def.parse(&Props::new()).unwrap().get_string("a"), Some(""));
    }

    #[test]
    fn string_defaults_are_parsed_into_the_keys_type() {
        let def = ConfigDef::new()
            .define(key("l", ConfigType::List).default_value("a, b"))
            .define(key("n", ConfigType::Long).default_value(7))
            .define(key("d", ConfigType::Double).default_value(2))
            .define(key("b", ConfigType::Boolean).default_value("TRUE"))
            .define(key("s", ConfigType::String).default_value("  padded "));
        let parsed = def.parse(&Props::new()).unwrap();
        assert_eq!(parsed.get_list("l"), ["a", "b"]);
        assert_eq!(parsed.get_long("n"), 7);
        assert_eq!(parsed.get_double("d"), 2.0);
        assert!(parsed.get_bool("b"));
        assert_eq!(parsed.get_string("s"), Some("padded"));
        assert_eq!(
            def.key("l").unwrap().info().default_value.as_deref(),
            Some("a,b")
        );
    }

    #[test]
    fn bad_inputs() {
        // Kafka's ConfigDefTest.testBadInputs, for the string inputs.
        let cases: &[(ConfigType, &[&str])] = &[
            (ConfigType::Int, &["hello", "42.5", "9223372036854775807"]),
            (
                ConfigType::Long,
                &["hello", "42.5", "922337203685477580700"],
            ),
            (ConfigType::Double, &["hello"]),
            (ConfigType::Boolean, &["hello", "truee", "fals"]),
            (ConfigType::Short, &["hello", "32768"]),
        ];
        for (ty, values) in cases {
            let def = ConfigDef::new().define(key("name", *ty));
            for value in *values {
                let err = def.parse(&props(&[("name", value)])).unwrap_err();
                assert!(
                    matches!(err, ConfigError::Invalid { ref key, .. } if key == "name"),
                    "{ty} {value}: {err}"
                );
            }
        }
        let def = ConfigDef::new().define(key("batch.size", ConfigType::Int));
        assert_eq!(
            def.parse(&props(&[("batch.size", "abc")]))
                .unwrap_err()
                .to_string(),
            "Invalid value abc for configuration batch.size: Not a number of type INT"
        );
    }

    #[test]
    fn validators_on_parse() {
        // Kafka's ConfigDefTest.testValidators.
        fn check(ty: ConfigType, validator: Validator, default: &str, ok: &[&str], bad: &[&str]) {
            let def = ConfigDef::new()
                .define(key("name", ty).default_value(default).validator(validator));
            for v in ok {
                assert!(
                    def.parse(&props(&[("name", v)])).is_ok(),
                    "{v:?} should pass"
                );
            }
            for v in bad {
                assert!(
                    def.parse(&props(&[("name", v)])).is_err(),
                    "{v:?} should fail"
                );
            }
        }
        check(
            ConfigType::Int,
            Validator::between(0, 10),
            "5",
            &["1", "5", "9"],
            &["-1", "11"],
        );
        check(
            ConfigType::String,
            Validator::valid_string(&["good", "values", "default"]),
            "default",
            &["good", "values", "default"],
            &["bad", "inputs"],
        );
        check(
            ConfigType::List,
            Validator::valid_list(&["1", "2", "3"]),
            "1",
            &["1", "2", "3"],
            &["4", "5", "6"],
        );
        check(
            ConfigType::String,
            Validator::NonEmptyStringWithoutControlChars,
            "defaultname",
            &[
                "test",
                "name",
                "test/test",
                "test\u{1234}",
                "\u{1324}name\\",
                "/+%>&):??<&()?-",
                "+1",
                "\u{1F601}",
                "\u{F3B1}",
                "     test   \n\r",
                "\n  hello \t",
            ],
            &[
                "nontrailing\nnotallowed",
                "as\u{1}cii control char",
                "tes\rt",
                "test\u{8}test",
                "1\t2",
                "",
            ],
        );
    }

    #[test]
    fn range_error_on_parse_names_key_and_value() {
        let def = ConfigDef::new().define(
            key("tasks.max", ConfigType::Int)
                .default_value(1)
                .validator(Validator::at_least(1)),
        );
        assert_eq!(
            def.parse(&props(&[("tasks.max", "0")]))
                .unwrap_err()
                .to_string(),
            "Invalid value 0 for configuration tasks.max: Value must be at least 1"
        );
    }

    #[test]
    fn null_default_with_valid_string_accepts_given_value() {
        // Kafka's ConfigDefTest.testNullDefaultWithValidator (a required key there).
        let def = ConfigDef::new().define(
            key("enum_test", ConfigType::String)
                .validator(Validator::valid_string(&["ONE", "TWO", "THREE"])),
        );
        assert_eq!(
            def.parse(&props(&[("enum_test", "ONE")]))
                .unwrap()
                .get_string("enum_test"),
            Some("ONE")
        );
    }

    #[test]
    fn group_inference() {
        let g = |name: &str, group: &str| key(name, ConfigType::Int).group(group);
        let def1 = ConfigDef::new()
            .define(g("a", "group1"))
            .define(g("b", "group2"))
            .define(g("c", "group1"));
        assert_eq!(def1.groups(), ["group1", "group2"]);
        let def2 = ConfigDef::new()
            .define(g("a", "group2"))
            .define(g("b", "group2"))
            .define(g("c", "group1"));
        assert_eq!(def2.groups(), ["group2", "group1"]);
    }

    #[test]
    fn merge_keeps_first_definition_and_order() {
        let base = ConfigDef::new()
            .define(key("name", ConfigType::String))
            .define(key("tasks.max", ConfigType::Int).default_value(1));
        let extra = ConfigDef::new()
            .define(key("tasks.max", ConfigType::Int).default_value(9))
            .define(key("file", ConfigType::String));
        let merged = base.merge(&extra);
        assert_eq!(
            merged.names().collect::<Vec<_>>(),
            ["name", "tasks.max", "file"]
        );
        let parsed = merged
            .parse(&props(&[("name", "n"), ("file", "f")]))
            .unwrap();
        assert_eq!(parsed.get_int("tasks.max"), 1);
        assert_eq!(merged.len(), 3);
    }

    #[test]
    fn missing_dependent_configs() {
        let def = ConfigDef::new().define(
            key("parent", ConfigType::String)
                .default_value("p")
                .dependents(&["child"]),
        );
        assert_eq!(
            def.parse(&Props::new()).unwrap_err().to_string(),
            "Some configurations in are referred in the dependents, but not defined: child"
        );
        let values = def.validate_values(&Props::new());
        assert_eq!(values.len(), 2);
        assert_eq!(values[1].name, "child");
        assert_eq!(
            values[1].errors,
            ["child is referred in the dependents, but not defined."]
        );
        assert!(!values[1].visible);
        let infos = def.validate(&Props::new());
        assert_eq!(infos.configs[0].value.name, "child");
        assert!(infos.configs[0].definition.is_undefined());
        assert_eq!(infos.error_count, 1);
    }

    #[test]
    fn validate_collects_all_errors() {
        // Kafka's ConfigDefTest.testValidate / testValidateCannotParse (without recommenders).
        let def = ConfigDef::new()
            .define(
                key("a", ConfigType::Int)
                    .group("group")
                    .order(1)
                    .width(Width::Short)
                    .dependents(&["b", "c"]),
            )
            .define(key("b", ConfigType::Int).group("group").order(2))
            .define(key("c", ConfigType::Int).group("group").order(3))
            .define(
                key("d", ConfigType::Int)
                    .group("group")
                    .order(4)
                    .dependents(&["b"]),
            )
            .define(key("e", ConfigType::Int).validator(Validator::at_least(0)))
            .define(
                key("f", ConfigType::Int)
                    .default_value(3)
                    .validator(Validator::at_least(0)),
            );
        let values = def.validate_values(&props(&[
            ("a", "1"),
            ("d", "10"),
            ("e", "non_integer"),
            ("f", "-1"),
        ]));
        let by_name: HashMap<&str, &ConfigValueInfo> =
            values.iter().map(|v| (v.name.as_str(), v)).collect();
        assert_eq!(by_name["a"].value.as_deref(), Some("1"));
        assert!(by_name["a"].errors.is_empty());
        assert_eq!(by_name["b"].value, None);
        assert_eq!(
            by_name["b"].errors,
            ["Missing required configuration \"b\" which has no default value."]
        );
        assert_eq!(
            by_name["c"].errors,
            ["Missing required configuration \"c\" which has no default value."]
        );
        assert_eq!(by_name["d"].value.as_deref(), Some("10"));
        // As in Kafka, the validator also sees the unparsable value as null.
        assert_eq!(
            by_name["e"].errors,
            [
                "Invalid value non_integer for configuration e: Not a number of type INT",
                "Invalid value null for configuration e: Value must be non-null",
            ]
        );
        assert_eq!(by_name["f"].value.as_deref(), Some("-1"));
        assert_eq!(
            by_name["f"].errors,
            ["Invalid value -1 for configuration f: Value must be at least 0"]
        );
        assert!(values
            .iter()
            .all(|v| v.visible && v.recommended_values.is_empty()));

        let infos = def.validate(&props(&[
            ("a", "1"),
            ("d", "10"),
            ("e", "non_integer"),
            ("f", "-1"),
        ]));
        assert_eq!(infos.name, "");
        assert_eq!(infos.error_count, 5);
        assert_eq!(infos.groups, ["group"]);
        assert_eq!(infos.configs.len(), 6);
        assert_eq!(infos.configs[0].definition.name, "a");
        assert_eq!(infos.configs[0].definition.order_in_group, 1);
        assert_eq!(infos.configs[0].definition.width, "SHORT");
        assert_eq!(infos.configs[0].definition.dependents, ["b", "c"]);
    }

    #[test]
    fn validate_hides_passwords() {
        let def = ConfigDef::new()
            .define(key("secret", ConfigType::Password))
            .define(key("fallback", ConfigType::Password).default_value(Password::new("dflt")));
        let values = def.validate_values(&props(&[("secret", "s3cr3t")]));
        assert_eq!(values[0].value.as_deref(), Some("[hidden]"));
        assert_eq!(values[1].value.as_deref(), Some("[hidden]"));
        assert_eq!(
            def.key("fallback").unwrap().info().default_value.as_deref(),
            Some("[hidden]")
        );
        let json = serde_json::to_string(&def.validate(&props(&[("secret", "s3cr3t")]))).unwrap();
        assert!(!json.contains("s3cr3t") && !json.contains("dflt"), "{json}");
        let parsed = def.parse(&props(&[("secret", "s3cr3t")])).unwrap();
        assert!(!format!("{parsed:?}").contains("s3cr3t"));
        assert_eq!(parsed.get_password("secret").unwrap().value(), "s3cr3t");
    }

    #[test]
    fn originals_with_prefix_strips_it() {
        let def = ConfigDef::new();
        let parsed = def
            .parse(&props(&[
                ("producer.override.acks", "all"),
                ("producer.override.linger.ms", "5"),
                ("other", "x"),
            ]))
            .unwrap();
        assert_eq!(
            parsed.originals_with_prefix("producer.override."),
            props(&[("acks", "all"), ("linger.ms", "5")])
        );
    }

    #[test]
    fn to_rst_matches_kafka() {
        // Kafka's ConfigDefTest.toRst.
        let def = ConfigDef::new()
            .define(
                ConfigKey::new("opt1", ConfigType::String)
                    .default_value("a")
                    .validator(Validator::valid_string(&["a", "b", "c"]))
                    .importance(Importance::High)
                    .doc("docs1"),
            )
            .define(
                ConfigKey::new("opt2", ConfigType::Int)
                    .importance(Importance::Medium)
                    .doc("docs2"),
            )
            .define(
                ConfigKey::new("opt3", ConfigType::List)
                    .default_value(vec!["a", "b"])
                    .importance(Importance::Low)
                    .doc("docs3"),
            );
        let expected = "``opt2``\n  docs2\n\n  * Type: int\n  * Importance: medium\n\n\
                        ``opt1``\n  docs1\n\n  * Type: string\n  * Default: a\n  * Valid Values: [a, b, c]\n  * Importance: high\n\n\
                        ``opt3``\n  docs3\n\n  * Type: list\n  * Default: a,b\n  * Importance: low\n\n";
        assert_eq!(def.to_rst(), expected);
    }
}
