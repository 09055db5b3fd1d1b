//! What each converter's `config()` returns in Kafka (`ConverterConfig`,
//! `JsonConverterConfig`, `StringConverterConfig`, ...), for
//! `GET /connector-plugins/{converter}/config`.

use connect_api::{ConfigDef, ConfigKey, ConfigType, Importance, Validator, Width};

use crate::{resolve, JSON, SIMPLE_HEADER, STRING};

/// Kafka's `ConverterConfig.newConfigDef()`: every converter's `converter.type`.
fn converter_config() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new("converter.type", ConfigType::String)
            .validator(Validator::ValidString(
                ["key", "value", "header"].map(String::from).to_vec(),
            ))
            .importance(Importance::Low)
            .doc("How this converter will be used."),
    )
}

fn json_config() -> ConfigDef {
    let key = |name: &str, ty: ConfigType, order: i32, display: &str, doc: &str| {
        ConfigKey::new(name, ty)
            .doc(doc)
            .group("Schemas")
            .order(order)
            .width(Width::Medium)
            .display_name(display)
    };
    converter_config()
        .define(
            key(
                "schemas.enable",
                ConfigType::Boolean,
                0,
                "Enable Schemas",
                "Include schemas within each of the serialized values and keys.",
            )
            .default_value(true)
            .importance(Importance::High),
        )
        .define(
            key(
                "schemas.cache.size",
                ConfigType::Int,
                1,
                "Schema Cache Size",
                "The maximum number of schemas that can be cached in this converter instance.",
            )
            .default_value(1000)
            .importance(Importance::High),
        )
        .define(
            key(
                "decimal.format",
                ConfigType::String,
                2,
                "Decimal Format",
                "Controls which format this converter will serialize decimals in. This value \
                 is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
            )
            .default_value("BASE64")
            .validator(Validator::CaseInsensitiveValidString(
                ["BASE64", "NUMERIC"].map(String::from).to_vec(),
            ))
            .importance(Importance::Low),
        )
        .define(
            key(
                "replace.null.with.default",
                ConfigType::Boolean,
                3,
                "Replace null with default",
                "Whether to replace fields that have a default value and that are null to the \
                 default value. When set to true, the default value is used, otherwise null is \
                 used.",
            )
            .default_value(true)
            .importance(Importance::Low),
        )
}

fn string_config() -> ConfigDef {
    converter_config().define(
        ConfigKey::new(crate::string::ENCODING_CONFIG, ConfigType::String)
            .default_value("UTF-8")
            .importance(Importance::High)
            .doc("The name of the Java character set to use for encoding strings as byte arrays.")
            .group("Converter")
            .order(0)
            .width(Width::Medium)
            .display_name("Character encoding"),
    )
}

/// The config definition of a converter or header converter, by class name or alias;
/// None for a class we do not have.
pub fn config_def(class: &str) -> Option<ConfigDef> {
    let (name, _, _) = resolve(class)?;
    Some(match name {
        JSON => json_config(),
        STRING => string_config(),
        // Kafka's SimpleHeaderConverter.config() is an empty ConfigDef.
        SIMPLE_HEADER => ConfigDef::new(),
        // ByteArray, Boolean and the number converters: converter.type only.
        _ => converter_config(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafkas_keys_per_converter() {
        let names = |class: &str| -> Vec<String> {
            config_def(class)
                .map(|d| d.names().map(String::from).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            names("JsonConverter"),
            [
                "converter.type",
                "schemas.enable",
                "schemas.cache.size",
                "decimal.format",
                "replace.null.with.default"
            ]
        );
        assert_eq!(names(STRING), ["converter.type", "converter.encoding"]);
        assert_eq!(
            names("org.apache.kafka.connect.converters.LongConverter"),
            ["converter.type"]
        );
        assert!(names("SimpleHeaderConverter").is_empty());
        assert!(config_def("SimpleHeaderConverter").is_some());
        assert!(config_def("NoSuchConverter").is_none());
    }
}
