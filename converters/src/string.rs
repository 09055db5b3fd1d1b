//! `org.apache.kafka.connect.storage.StringConverter`: `value.toString()` encoded in
//! `converter.encoding` (UTF-8 by default); reads always give an optional string schema.

use connect_api::{Props, Schema, SchemaRef, Value};

use crate::{Converter, ConverterError, HeaderConverter, SchemaAndValue};

pub const ENCODING_CONFIG: &str = "converter.encoding";

/// The Java charsets we support, by their canonical names and common aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    Utf8,
    Ascii,
    Latin1,
    /// Big-endian with a byte-order mark on encode; BOM-detecting on decode.
    Utf16,
    Utf16Be,
    Utf16Le,
}

impl Charset {
    /// Java's `Charset.forName` for the charsets we know (case-insensitive, with aliases).
    pub(crate) fn for_name(name: &str) -> Option<Charset> {
        let n = name.to_ascii_lowercase();
        Some(match n.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => Charset::Utf8,
            "us-ascii" | "ascii" | "iso646-us" | "iso-ir-6" | "ansi_x3.4-1968"
            | "ansi_x3.4-1986" | "iso_646.irv:1991" | "iso_646.irv:1983" | "cp367" | "ibm367"
            | "csascii" | "us" | "646" | "default" | "ascii7" => Charset::Ascii,
            "iso-8859-1" | "iso8859_1" | "iso_8859_1" | "iso_8859-1" | "iso8859-1" | "8859_1"
            | "latin1" | "l1" | "ibm819" | "ibm-819" | "cp819" | "819" | "csisolatin1"
            | "iso_8859-1:1987" | "iso-ir-100" => Charset::Latin1,
            "utf-16" | "utf_16" | "utf16" | "unicode" => Charset::Utf16,
            "utf-16be" | "utf_16be" | "x-utf-16be" | "iso-10646-ucs-2" | "unicodebigunmarked" => {
                Charset::Utf16Be
            }
            "utf-16le" | "utf_16le" | "x-utf-16le" | "unicodelittleunmarked" => Charset::Utf16Le,
            _ => return None,
        })
    }

    /// Java's `String.getBytes(charset)`: unmappable characters become `?`.
    pub(crate) fn encode(self, s: &str) -> Vec<u8> {
        match self {
            Charset::Utf8 => s.as_bytes().to_vec(),
            Charset::Ascii => s
                .chars()
                .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                .collect(),
            Charset::Latin1 => s
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
            Charset::Utf16 | Charset::Utf16Be => {
                if s.is_empty() {
                    return Vec::new();
                }
                let mut out = if self == Charset::Utf16 {
                    vec![0xFE, 0xFF]
                } else {
                    Vec::new()
                };
                out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
                out
            }
            Charset::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        }
    }

    /// Java's `new String(bytes, charset)`: malformed input becomes U+FFFD.
    pub(crate) fn decode(self, b: &[u8]) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(b).into_owned(),
            Charset::Ascii => b
                .iter()
                .map(|c| {
                    if c.is_ascii() {
                        char::from(*c)
                    } else {
                        '\u{FFFD}'
                    }
                })
                .collect(),
            Charset::Latin1 => b.iter().map(|c| char::from(*c)).collect(),
            Charset::Utf16 => match b {
                [0xFE, 0xFF, rest @ ..] => decode_utf16(rest, true),
                [0xFF, 0xFE, rest @ ..] => decode_utf16(rest, false),
                _ => decode_utf16(b, true),
            },
            Charset::Utf16Be => decode_utf16(b, true),
            Charset::Utf16Le => decode_utf16(b, false),
        }
    }
}

fn decode_utf16(b: &[u8], big_endian: bool) -> String {
    let units = b.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    let mut s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect();
    if b.len() % 2 == 1 {
        s.push('\u{FFFD}');
    }
    s
}

/// Kafka's `StringConverter`.
#[derive(Debug, Clone)]
pub struct StringConverter {
    serializer: Charset,
    deserializer: Charset,
}

impl Default for StringConverter {
    fn default() -> Self {
        StringConverter {
            serializer: Charset::Utf8,
            deserializer: Charset::Utf8,
        }
    }
}

impl StringConverter {
    pub fn new() -> Self {
        Self::default()
    }

    fn apply(&mut self, props: &Props, is_key: bool) -> Result<(), ConverterError> {
        let encoding = props
            .get(ENCODING_CONFIG)
            .map(|s| s.trim())
            .unwrap_or("UTF-8");
        // As in Kafka, the (de)serializer's own `key./value.(de)serializer.encoding` wins
        // over `converter.encoding`.
        let role = if is_key { "key" } else { "value" };
        let ser = props
            .get(&format!("{role}.serializer.encoding"))
            .map(String::as_str)
            .unwrap_or(encoding);
        let de = props
            .get(&format!("{role}.deserializer.encoding"))
            .map(String::as_str)
            .unwrap_or(encoding);
        let lookup = |name: &str| {
            Charset::for_name(name).ok_or_else(|| {
                ConverterError::config(ENCODING_CONFIG, format!("Unsupported encoding {name}"))
            })
        };
        self.serializer = lookup(ser)?;
        self.deserializer = lookup(de)?;
        Ok(())
    }
}

impl Converter for StringConverter {
    fn configure(&mut self, props: &Props, is_key: bool) -> Result<(), ConverterError> {
        self.apply(props, is_key)
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        Ok(match value {
            Value::Null => None,
            Value::String(s) => Some(self.serializer.encode(s)),
            other => Some(self.serializer.encode(&other.to_string())),
        })
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        Ok(SchemaAndValue::new(
            Some(Schema::optional_string()),
            match bytes {
                None => Value::Null,
                Some(b) => Value::String(self.deserializer.decode(b)),
            },
        ))
    }
}

impl HeaderConverter for StringConverter {
    fn configure(&mut self, props: &Props) -> Result<(), ConverterError> {
        self.apply(props, false)
    }

    fn from_connect_header(
        &self,
        topic: &str,
        _header_key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        self.from_connect_data(topic, schema, value)
    }

    fn to_connect_header(
        &self,
        topic: &str,
        _header_key: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        self.to_connect_data(topic, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_api::{SchemaBuilder, Struct};

    fn configured(props: &[(&str, &str)], is_key: bool) -> StringConverter {
        let props: Props = props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut c = StringConverter::new();
        Converter::configure(&mut c, &props, is_key).unwrap();
        c
    }

    #[test]
    fn string_round_trip() {
        let c = configured(&[], false);
        let b = c
            .from_connect_data("t", Some(&Schema::string()), &"my string".into())
            .unwrap();
        assert_eq!(b.as_deref(), Some(&b"my string"[..]));
        let back = c.to_connect_data("t", b.as_deref()).unwrap();
        assert_eq!(
            back,
            SchemaAndValue::new(Some(Schema::optional_string()), "my string".into())
        );
        let utf = c
            .from_connect_data("t", None, &"Ünïcödé ☃".into())
            .unwrap()
            .unwrap();
        assert_eq!(
            c.to_connect_data("t", Some(&utf)).unwrap().value,
            Value::from("Ünïcödé ☃")
        );
    }

    #[test]
    fn non_strings_use_java_to_string() {
        let c = configured(&[], false);
        let to = |v: Value| {
            String::from_utf8(c.from_connect_data("t", None, &v).unwrap().unwrap()).unwrap()
        };
        assert_eq!(to(Value::Int32(12)), "12");
        assert_eq!(to(Value::Float64(1.0)), "1.0");
        assert_eq!(to(Value::Float32(1e10)), "1.0E10");
        assert_eq!(to(Value::Boolean(true)), "true");
        assert_eq!(to(Value::Decimal("1.50".parse().unwrap())), "1.50");
        let schema = SchemaBuilder::struct_()
            .field("a", Schema::int32())
            .field("b", Schema::optional_string())
            .field("c", Schema::string())
            .build();
        let s = Struct::new(schema)
            .unwrap()
            .with("a", 1)
            .unwrap()
            .with("c", "x")
            .unwrap();
        assert_eq!(to(Value::Struct(s)), "Struct{a=1,c=x}");
    }

    #[test]
    fn nulls() {
        let c = configured(&[], true);
        assert_eq!(
            c.from_connect_data("t", Some(&Schema::optional_string()), &Value::Null)
                .unwrap(),
            None
        );
        assert_eq!(
            c.to_connect_data("t", None).unwrap(),
            SchemaAndValue::new(Some(Schema::optional_string()), Value::Null)
        );
    }

    #[test]
    fn encodings() {
        let c = configured(&[("converter.encoding", "UTF-16")], false);
        let b = c
            .from_connect_data("t", None, &"hi".into())
            .unwrap()
            .unwrap();
        assert_eq!(b, vec![0xFE, 0xFF, 0, b'h', 0, b'i']);
        assert_eq!(
            c.to_connect_data("t", Some(&b)).unwrap().value,
            Value::from("hi")
        );
        assert_eq!(
            c.to_connect_data("t", Some(&[0xFF, 0xFE, b'h', 0]))
                .unwrap()
                .value,
            Value::from("h")
        );
        let c = configured(&[("converter.encoding", "iso-8859-1")], false);
        assert_eq!(
            c.from_connect_data("t", None, &"é☃".into())
                .unwrap()
                .unwrap(),
            vec![0xE9, b'?']
        );
        assert_eq!(
            c.to_connect_data("t", Some(&[0xE9])).unwrap().value,
            Value::from("é")
        );
        let c = configured(&[("converter.encoding", "US-ASCII")], false);
        assert_eq!(
            c.from_connect_data("t", None, &"aé".into())
                .unwrap()
                .unwrap(),
            b"a?"
        );
        let c = configured(&[("converter.encoding", "UTF-16LE")], false);
        assert_eq!(
            c.from_connect_data("t", None, &"a".into())
                .unwrap()
                .unwrap(),
            vec![b'a', 0]
        );
        // a per-role serializer encoding overrides converter.encoding, as in Kafka
        let c = configured(
            &[
                ("converter.encoding", "UTF-16"),
                ("key.serializer.encoding", "UTF-8"),
            ],
            true,
        );
        assert_eq!(
            c.from_connect_data("t", None, &"a".into())
                .unwrap()
                .unwrap(),
            b"a"
        );
        let mut c = StringConverter::new();
        let props: Props = [("converter.encoding".to_string(), "klingon".to_string())].into();
        let err = Converter::configure(&mut c, &props, false).unwrap_err();
        assert!(
            err.to_string().contains("Unsupported encoding klingon"),
            "{err}"
        );
    }

    #[test]
    fn malformed_utf8_is_replaced() {
        let c = configured(&[], false);
        assert_eq!(
            c.to_connect_data("t", Some(b"a\xffb")).unwrap().value,
            Value::from("a\u{FFFD}b")
        );
    }

    #[test]
    fn header_converter_delegates() {
        let mut c = StringConverter::new();
        HeaderConverter::configure(&mut c, &Props::new()).unwrap();
        let b = c
            .from_connect_header("t", "h", None, &Value::Int64(7))
            .unwrap()
            .unwrap();
        assert_eq!(
            c.to_connect_header("t", "h", Some(&b)).unwrap().value,
            Value::from("7")
        );
    }
}
