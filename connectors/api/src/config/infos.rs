//! The REST shapes of config validation (Kafka Connect's `ConfigInfos`, `ConfigInfo`,
//! `ConfigKeyInfo` and `ConfigValueInfo`), serialized with Kafka's JSON field names in
//! the order Kafka's Jackson mapper writes them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The result of `PUT /connector-plugins/{type}/config/validate`:
/// `{"name":..,"error_count":..,"groups":[..],"configs":[..]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfos {
    /// The connector class (set by the caller).
    pub name: String,
    /// The number of error messages over all configs.
    pub error_count: usize,
    /// The groups of the defined keys, in first-seen order.
    pub groups: Vec<String>,
    pub configs: Vec<ConfigInfo>,
}

impl ConfigInfos {
    /// Builds the result, computing `error_count` (all error messages) and `groups` (the
    /// definitions' groups in first-seen order).
    pub fn new(name: impl Into<String>, configs: Vec<ConfigInfo>) -> Self {
        let mut infos = ConfigInfos {
            name: name.into(),
            error_count: 0,
            groups: Vec::new(),
            configs: Vec::new(),
        };
        infos.extend(configs);
        infos
    }

    /// Appends configs (e.g. those of another `ConfigInfos`, as Kafka's
    /// `mergeConfigInfos`), updating `error_count` and `groups`.
    pub fn extend(&mut self, configs: impl IntoIterator<Item = ConfigInfo>) {
        for config in configs {
            self.error_count += config.value.errors.len();
            if let Some(group) = &config.definition.group {
                if !self.groups.contains(group) {
                    self.groups.push(group.clone());
                }
            }
            self.configs.push(config);
        }
    }

    /// Records an error on `key`, e.g. from a connector's cross-key check. A key with no
    /// entry yet gets one with a null definition (as Kafka reports a `ConfigValue` of a
    /// key its `ConfigDef` does not define).
    pub fn add_error(&mut self, key: &str, message: String) {
        self.error_count += 1;
        if let Some(config) = self.configs.iter_mut().find(|c| c.value.name == key) {
            config.value.errors.push(message);
            return;
        }
        self.configs.push(ConfigInfo {
            definition: ConfigKeyInfo::undefined(key),
            value: ConfigValueInfo {
                name: key.to_string(),
                value: None,
                recommended_values: Vec::new(),
                errors: vec![message],
                visible: true,
            },
        });
    }

    /// Every error as `(key, message)`, in config order.
    pub fn errors(&self) -> Vec<(String, String)> {
        self.configs
            .iter()
            .flat_map(|c| {
                c.value
                    .errors
                    .iter()
                    .map(|e| (c.value.name.clone(), e.clone()))
            })
            .collect()
    }

    /// The entry of `key`, if any.
    pub fn config(&self, key: &str) -> Option<&ConfigInfo> {
        self.configs.iter().find(|c| c.value.name == key)
    }
}

/// One key of a validation result: `{"definition":{..},"value":{..}}`.
///
/// A key that no `ConfigDef` defines has an "undefined" definition (see
/// [`ConfigKeyInfo::undefined`]), which serializes as `"definition":null` as in Kafka.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigInfo {
    pub definition: ConfigKeyInfo,
    pub value: ConfigValueInfo,
}

impl Serialize for ConfigInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            definition: Option<&'a ConfigKeyInfo>,
            value: &'a ConfigValueInfo,
        }
        Wire {
            definition: (!self.definition.is_undefined()).then_some(&self.definition),
            value: &self.value,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ConfigInfo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            definition: Option<ConfigKeyInfo>,
            value: Option<ConfigValueInfo>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let (definition, value) = match (wire.definition, wire.value) {
            (Some(d), Some(v)) => (d, v),
            (None, Some(v)) => (ConfigKeyInfo::undefined(&v.name), v),
            (Some(d), None) => {
                let v = ConfigValueInfo {
                    name: d.name.clone(),
                    value: None,
                    recommended_values: Vec::new(),
                    errors: Vec::new(),
                    visible: true,
                };
                (d, v)
            }
            (None, None) => {
                return Err(serde::de::Error::custom(
                    "config info without definition and value",
                ))
            }
        };
        Ok(ConfigInfo { definition, value })
    }
}

/// A key's definition as the REST API shows it (Kafka's `ConfigKeyInfo`). Fields are
/// strings as on the wire: `type` is `"STRING"`, `"INT"`, ...; `importance` `"HIGH"`, ...;
/// `width` `"NONE"`, ....
///
/// Serialized in Kafka's order, where `order` comes last:
/// `{"name","type","required","default_value","importance","documentation","group",
/// "width","display_name","dependents","order"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKeyInfo {
    pub name: String,
    pub r#type: String,
    pub required: bool,
    /// `None` (JSON `null`) for a required key or a null default.
    pub default_value: Option<String>,
    pub importance: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub documentation: String,
    pub group: Option<String>,
    pub width: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub display_name: String,
    #[serde(default, deserialize_with = "null_as_empty_vec")]
    pub dependents: Vec<String>,
    #[serde(rename = "order", alias = "order_in_group")]
    pub order_in_group: i32,
}

impl ConfigKeyInfo {
    /// The placeholder definition of a key that no `ConfigDef` defines; it has an empty
    /// `type` and serializes as `null` inside a [`ConfigInfo`].
    pub fn undefined(name: &str) -> Self {
        ConfigKeyInfo {
            name: name.to_string(),
            r#type: String::new(),
            required: false,
            default_value: None,
            importance: String::new(),
            documentation: String::new(),
            group: None,
            width: String::new(),
            display_name: name.to_string(),
            dependents: Vec::new(),
            order_in_group: -1,
        }
    }

    /// Whether this is the placeholder of an undefined key (see [`Self::undefined`]).
    pub fn is_undefined(&self) -> bool {
        self.r#type.is_empty()
    }
}

/// A key's value and errors (Kafka's `ConfigValueInfo`):
/// `{"name","value","recommended_values","errors","visible"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigValueInfo {
    pub name: String,
    /// The parsed value as Kafka's `convertToString` gives it (`[hidden]` for passwords);
    /// `None` when missing or unparsable.
    pub value: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty_vec")]
    pub recommended_values: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty_vec")]
    pub errors: Vec<String>,
    pub visible: bool,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn null_as_empty_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::super::{ConfigDef, ConfigKey, ConfigType, Importance, Validator, Width};
    use super::*;
    use crate::Props;

    fn file_source_def() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("file", ConfigType::String)
                    .importance(Importance::High)
                    .doc("Source filename.")
                    .group("Common")
                    .order(1)
                    .display_name("File"),
            )
            .define(
                ConfigKey::new("batch.size", ConfigType::Int)
                    .default_value(2000)
                    .validator(Validator::at_least(1))
                    .importance(Importance::Low)
                    .doc("Batch size.")
                    .width(Width::Short),
            )
    }

    #[test]
    fn serializes_exactly_like_kafka() {
        let mut infos = ConfigDef::new()
            .define(
                ConfigKey::new("file", ConfigType::String)
                    .importance(Importance::High)
                    .doc("Source filename.")
                    .group("Common")
                    .order(1)
                    .display_name("File"),
            )
            .validate(&Props::new());
        infos.name = "FileStreamSource".into();
        let expected = concat!(
            r#"{"name":"FileStreamSource","error_count":1,"groups":["Common"],"configs":[{"definition":"#,
            r#"{"name":"file","type":"STRING","required":true,"default_value":null,"importance":"HIGH","#,
            r#""documentation":"Source filename.","group":"Common","width":"NONE","display_name":"File","#,
            r#""dependents":[],"order":1},"value":{"name":"file","value":null,"recommended_values":[],"#,
            r#""errors":["Missing required configuration \"file\" which has no default value."],"visible":true}}]}"#
        );
        assert_eq!(serde_json::to_string(&infos).unwrap(), expected);
        let back: ConfigInfos = serde_json::from_str(expected).unwrap();
        assert_eq!(back, infos);
    }

    #[test]
    fn defaults_and_groups_in_json() {
        let mut props = Props::new();
        props.insert("file".into(), "/tmp/in".into());
        props.insert("batch.size".into(), "0".into());
        let infos = file_source_def().validate(&props);
        let json: serde_json::Value = serde_json::to_value(&infos).unwrap();
        assert_eq!(json["error_count"], 1);
        assert_eq!(json["groups"], serde_json::json!(["Common"]));
        let batch = &json["configs"][1];
        assert_eq!(batch["definition"]["type"], "INT");
        assert_eq!(batch["definition"]["required"], false);
        assert_eq!(batch["definition"]["default_value"], "2000");
        assert_eq!(batch["definition"]["group"], serde_json::Value::Null);
        assert_eq!(batch["definition"]["order"], -1);
        assert_eq!(batch["definition"]["width"], "SHORT");
        assert_eq!(batch["definition"]["display_name"], "batch.size");
        assert_eq!(batch["value"]["value"], "0");
        assert_eq!(
            batch["value"]["errors"],
            serde_json::json!([
                "Invalid value 0 for configuration batch.size: Value must be at least 1"
            ])
        );
        assert_eq!(
            infos.errors(),
            [(
                "batch.size".to_string(),
                "Invalid value 0 for configuration batch.size: Value must be at least 1"
                    .to_string()
            )]
        );
    }

    #[test]
    fn add_error_on_defined_and_undefined_keys() {
        let mut infos = file_source_def().validate(&Props::new());
        infos.name = "FileStreamSource".into();
        assert_eq!(infos.error_count, 1);
        infos.add_error("batch.size", "too big for this file".into());
        infos.add_error("topic", "Missing topic".into());
        assert_eq!(infos.error_count, 3);
        assert_eq!(
            infos.errors(),
            [
                (
                    "file".to_string(),
                    "Missing required configuration \"file\" which has no default value."
                        .to_string()
                ),
                (
                    "batch.size".to_string(),
                    "too big for this file".to_string()
                ),
                ("topic".to_string(), "Missing topic".to_string()),
            ]
        );
        assert!(infos.config("topic").unwrap().definition.is_undefined());
        let json = serde_json::to_string(&infos).unwrap();
        assert!(
            json.ends_with(
                r#"{"definition":null,"value":{"name":"topic","value":null,"recommended_values":[],"errors":["Missing topic"],"visible":true}}]}"#
            ),
            "{json}"
        );
        let back: ConfigInfos = serde_json::from_str(&json).unwrap();
        assert_eq!(back, infos);
    }

    #[test]
    fn new_counts_messages_and_collects_groups_in_order() {
        let def = ConfigDef::new()
            .define(ConfigKey::new("a", ConfigType::Int).group("G2"))
            .define(ConfigKey::new("b", ConfigType::Int).group("G1"))
            .define(ConfigKey::new("c", ConfigType::Int).group("G2"));
        let infos = ConfigInfos::new("X", def.validate(&Props::new()).configs);
        assert_eq!(infos.name, "X");
        assert_eq!(infos.error_count, 3);
        assert_eq!(infos.groups, ["G2", "G1"]);

        let mut merged = ConfigInfos::new("X", Vec::new());
        merged.extend(infos.configs.clone());
        merged.extend(file_source_def().validate(&Props::new()).configs);
        assert_eq!(merged.error_count, 4);
        assert_eq!(merged.groups, ["G2", "G1", "Common"]);
    }

    #[test]
    fn deserializes_kafka_output_with_nulls() {
        let json = r#"{"name":"c","error_count":0,"groups":[],"configs":[{"definition":{"name":"x","type":"LIST",
            "required":false,"default_value":"","importance":"LOW","documentation":null,"group":null,
            "width":"NONE","display_name":"x","dependents":[],"order":-1},
            "value":{"name":"x","value":"","recommended_values":[],"errors":[],"visible":true}}]}"#;
        let infos: ConfigInfos = serde_json::from_str(json).unwrap();
        assert_eq!(infos.configs[0].definition.documentation, "");
        assert_eq!(infos.configs[0].definition.r#type, "LIST");
        assert_eq!(infos.configs[0].value.value.as_deref(), Some(""));
    }
}
