//! Kafka Connect converters, byte-for-byte compatible with Apache Kafka Connect 3.9's:
//! a Java Connect cluster and ours can share topics.
//!
//! * [`JsonConverter`] (`org.apache.kafka.connect.json.JsonConverter`), also a header converter;
//! * [`StringConverter`] (`org.apache.kafka.connect.storage.StringConverter`), also a header converter;
//! * [`ByteArrayConverter`] and the fixed-width [`NumberConverter`]s / [`BooleanConverter`]
//!   (`org.apache.kafka.connect.converters.*`), also header converters;
//! * [`SimpleHeaderConverter`] (`org.apache.kafka.connect.storage.SimpleHeaderConverter`), the
//!   default header converter, with Kafka's `Values.parseString` inference.
//!
//! Instantiate by Java class name or alias with [`new_converter`] / [`new_header_converter`].

mod config;
mod error;
mod json;
mod plugin_config;
mod simple;
pub(crate) mod string;
mod values;

pub use plugin_config::config_def;

use connect_api::{Props, SchemaRef, Value};

pub use connect_api::data::values::{convert_to_string, parse_string};
pub use connect_api::SchemaAndValue;
pub use error::ConverterError;
pub use json::{DecimalFormat, JsonConverter};
pub use simple::{BooleanConverter, ByteArrayConverter, NumberConverter, NumberKind};
pub use string::StringConverter;
pub use values::SimpleHeaderConverter;

/// Converts record keys and values between Connect data and bytes (Kafka's `Converter`).
// The method names are Kafka's (`fromConnectData`), which the runtime codes against.
#[allow(clippy::wrong_self_convention)]
pub trait Converter: Send + Sync {
    /// `props` are the converter's own keys with the `key.converter.`/`value.converter.`
    /// prefix already stripped.
    fn configure(&mut self, props: &Props, is_key: bool) -> Result<(), ConverterError>;
    /// The serialized form; `None` is a Kafka null (a tombstone for values).
    fn from_connect_data(
        &self,
        topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError>;
    fn to_connect_data(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError>;
}

/// Converts record headers between Connect data and bytes (Kafka's `HeaderConverter`).
#[allow(clippy::wrong_self_convention)]
pub trait HeaderConverter: Send + Sync {
    /// `props` are the converter's own keys with the `header.converter.` prefix stripped.
    fn configure(&mut self, props: &Props) -> Result<(), ConverterError>;
    fn from_connect_header(
        &self,
        topic: &str,
        header_key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError>;
    fn to_connect_header(
        &self,
        topic: &str,
        header_key: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError>;
}

const JSON: &str = "org.apache.kafka.connect.json.JsonConverter";
const STRING: &str = "org.apache.kafka.connect.storage.StringConverter";
const SIMPLE_HEADER: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";
const BYTE_ARRAY: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";
const BOOLEAN: &str = "org.apache.kafka.connect.converters.BooleanConverter";
const DOUBLE: &str = "org.apache.kafka.connect.converters.DoubleConverter";
const FLOAT: &str = "org.apache.kafka.connect.converters.FloatConverter";
const INTEGER: &str = "org.apache.kafka.connect.converters.IntegerConverter";
const LONG: &str = "org.apache.kafka.connect.converters.LongConverter";
const SHORT: &str = "org.apache.kafka.connect.converters.ShortConverter";

/// Every class we implement: (class name, usable as a converter, usable as a header converter).
const CLASSES: [(&str, bool, bool); 10] = [
    (BOOLEAN, true, true),
    (BYTE_ARRAY, true, true),
    (DOUBLE, true, true),
    (FLOAT, true, true),
    (INTEGER, true, true),
    (LONG, true, true),
    (SHORT, true, true),
    (JSON, true, true),
    (SIMPLE_HEADER, false, true),
    (STRING, true, true),
];

fn simple_name(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

/// Kafka's `PluginUtils.prunedName`: the simple name without the plugin type's suffix.
fn pruned_name<'a>(simple: &'a str, suffix: &str) -> &'a str {
    match simple.rfind(suffix) {
        Some(pos) if pos > 0 => &simple[..pos],
        _ => simple,
    }
}

/// Resolves a class name or alias (simple name, or simple name without the
/// `Converter`/`HeaderConverter` suffix) to one of [`CLASSES`], as Kafka's plugin aliases do.
fn resolve(class: &str) -> Option<(&'static str, bool, bool)> {
    let class = class.trim();
    CLASSES.iter().copied().find(|(name, conv, header)| {
        let simple = simple_name(name);
        *name == class
            || simple == class
            || (*conv && pruned_name(simple, "Converter") == class)
            || (*header && pruned_name(simple, "HeaderConverter") == class)
    })
}

/// The full Java class name a converter class name or alias stands for (e.g.
/// `JsonConverter` -> `org.apache.kafka.connect.json.JsonConverter`), for error reports
/// that name the executing class.
pub fn canonical_class(class: &str) -> Option<&'static str> {
    resolve(class).map(|(name, _, _)| name)
}

/// Instantiates a converter by Java class name or alias (e.g. `JsonConverter`, `Json`).
pub fn new_converter(class: &str) -> Result<Box<dyn Converter>, ConverterError> {
    let (name, conv, _) =
        resolve(class).ok_or_else(|| ConverterError::UnknownClass(class.to_string()))?;
    if !conv {
        return Err(ConverterError::WrongKind {
            class: name.to_string(),
            expected: "org.apache.kafka.connect.storage.Converter".to_string(),
        });
    }
    Ok(match name {
        JSON => Box::new(JsonConverter::new()),
        STRING => Box::new(StringConverter::new()),
        BYTE_ARRAY => Box::new(ByteArrayConverter),
        BOOLEAN => Box::new(BooleanConverter),
        DOUBLE => Box::new(NumberConverter::new(NumberKind::Double)),
        FLOAT => Box::new(NumberConverter::new(NumberKind::Float)),
        INTEGER => Box::new(NumberConverter::new(NumberKind::Integer)),
        LONG => Box::new(NumberConverter::new(NumberKind::Long)),
        SHORT => Box::new(NumberConverter::new(NumberKind::Short)),
        _ => return Err(ConverterError::UnknownClass(class.to_string())),
    })
}

/// Instantiates a header converter by Java class name or alias (e.g. `SimpleHeaderConverter`,
/// `Simple`, `JsonConverter`).
pub fn new_header_converter(class: &str) -> Result<Box<dyn HeaderConverter>, ConverterError> {
    let (name, _, header) =
        resolve(class).ok_or_else(|| ConverterError::UnknownClass(class.to_string()))?;
    if !header {
        return Err(ConverterError::WrongKind {
            class: name.to_string(),
            expected: "org.apache.kafka.connect.storage.HeaderConverter".to_string(),
        });
    }
    Ok(match name {
        SIMPLE_HEADER => Box::new(SimpleHeaderConverter),
        JSON => Box::new(JsonConverter::new()),
        STRING => Box::new(StringConverter::new()),
        BYTE_ARRAY => Box::new(ByteArrayConverter),
        BOOLEAN => Box::new(BooleanConverter),
        DOUBLE => Box::new(NumberConverter::new(NumberKind::Double)),
        FLOAT => Box::new(NumberConverter::new(NumberKind::Float)),
        INTEGER => Box::new(NumberConverter::new(NumberKind::Integer)),
        LONG => Box::new(NumberConverter::new(NumberKind::Long)),
        SHORT => Box::new(NumberConverter::new(NumberKind::Short)),
        _ => return Err(ConverterError::UnknownClass(class.to_string())),
    })
}

/// The classes we implement, for `GET /connector-plugins?connectorsOnly=false`:
/// `(class name, "converter" | "header_converter")`, converters first, each group sorted
/// by class name as Kafka lists them.
pub fn plugins() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = CLASSES
        .iter()
        .filter(|(_, conv, _)| *conv)
        .map(|(name, _, _)| (*name, "converter"))
        .collect();
    out.extend(
        CLASSES
            .iter()
            .filter(|(_, _, header)| *header)
            .map(|(name, _, _)| (*name, "header_converter")),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::Schema;

    #[test]
    fn instantiates_by_full_name_and_alias() {
        for class in [
            JSON,
            "JsonConverter",
            "Json",
            STRING,
            "StringConverter",
            "String",
            BYTE_ARRAY,
            "ByteArrayConverter",
            "ByteArray",
            "IntegerConverter",
            "Long",
            "org.apache.kafka.connect.converters.DoubleConverter",
            "Boolean",
        ] {
            assert!(new_converter(class).is_ok(), "{class}");
        }
        for class in [
            SIMPLE_HEADER,
            "SimpleHeaderConverter",
            "Simple",
            "JsonConverter",
            "Json",
            "String",
        ] {
            assert!(new_header_converter(class).is_ok(), "{class}");
        }
        let err = new_converter("com.example.Nope").err().unwrap();
        assert_eq!(err, ConverterError::UnknownClass("com.example.Nope".into()));
        assert_eq!(
            err.to_string(),
            "Class com.example.Nope could not be found."
        );
        assert!(matches!(
            new_converter("SimpleHeaderConverter"),
            Err(ConverterError::WrongKind { .. })
        ));
        assert!(new_header_converter("org.apache.kafka.connect.json.Nope").is_err());
    }

    #[test]
    fn factory_converters_work() {
        let mut c = new_converter("JsonConverter").unwrap();
        c.configure(&Props::new(), false).unwrap();
        let bytes = c
            .from_connect_data("t", Some(&Schema::string()), &Value::from("line"))
            .unwrap()
            .unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"schema":{"type":"string","optional":false},"payload":"line"}"#
        );
        let mut h = new_header_converter("SimpleHeaderConverter").unwrap();
        h.configure(&Props::new()).unwrap();
        let b = h
            .from_connect_header("t", "k", Some(&Schema::int32()), &Value::Int32(42))
            .unwrap()
            .unwrap();
        assert_eq!(b, b"42");
        let back = h.to_connect_header("t", "k", Some(&b)).unwrap();
        assert_eq!(back.value, Value::Int8(42));
    }

    #[test]
    fn plugin_list() {
        let p = plugins();
        assert_eq!(p.len(), 19);
        assert_eq!(p[0], (BOOLEAN, "converter"));
        assert!(p.contains(&(SIMPLE_HEADER, "header_converter")));
        assert!(!p.contains(&(SIMPLE_HEADER, "converter")));
        assert!(p.contains(&(JSON, "converter")));
        assert!(p.contains(&(JSON, "header_converter")));
        let converters: Vec<_> = p
            .iter()
            .filter(|(_, t)| *t == "converter")
            .map(|(c, _)| *c)
            .collect();
        let mut sorted = converters.clone();
        sorted.sort();
        assert_eq!(converters, sorted);
    }
}
