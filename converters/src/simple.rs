//! The pass-through and fixed-width converters of `org.apache.kafka.connect.converters`:
//! `ByteArrayConverter`, `BooleanConverter` and the big-endian number converters.

use connect_api::{Props, Schema, SchemaRef, SchemaType, Value};

use crate::{Converter, ConverterError, HeaderConverter, SchemaAndValue};
use connect_api::java::{class_of, type_name};

/// Implements `HeaderConverter` by delegating to the type's `Converter` impl, as Kafka's
/// classes do (a header converter is configured as a value converter).
macro_rules! header_via_converter {
    ($t:ty) => {
        impl HeaderConverter for $t {
            fn configure(&mut self, props: &Props) -> Result<(), ConverterError> {
                Converter::configure(self, props, false)
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
    };
}

/// Kafka's `ByteArrayConverter`: bytes in, bytes out.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByteArrayConverter;

impl Converter for ByteArrayConverter {
    fn configure(&mut self, _props: &Props, _is_key: bool) -> Result<(), ConverterError> {
        Ok(())
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        if let Some(s) = schema {
            if s.schema_type != SchemaType::Bytes {
                return Err(ConverterError::data(format!(
                    "Invalid schema type for ByteArrayConverter: {}",
                    type_name(s.schema_type)
                )));
            }
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b.clone())),
            other => Err(ConverterError::data(format!(
                "ByteArrayConverter is not compatible with objects of type {}",
                class_of(other)
            ))),
        }
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        Ok(SchemaAndValue::new(
            Some(Schema::optional_bytes()),
            bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec())),
        ))
    }
}

header_via_converter!(ByteArrayConverter);

/// Kafka's `BooleanConverter`: one byte, 1 for true and 0 for false.
#[derive(Debug, Clone, Copy, Default)]
pub struct BooleanConverter;

impl Converter for BooleanConverter {
    fn configure(&mut self, _props: &Props, _is_key: bool) -> Result<(), ConverterError> {
        Ok(())
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        if let Some(s) = schema {
            if s.schema_type != SchemaType::Boolean {
                return Err(ConverterError::data(format!(
                    "Invalid schema type for BooleanConverter: {}",
                    type_name(s.schema_type)
                )));
            }
        }
        match value {
            Value::Null => Ok(None),
            Value::Boolean(b) => Ok(Some(vec![u8::from(*b)])),
            other => Err(ConverterError::data(format!(
                "BooleanConverter is not compatible with objects of type {}",
                class_of(other)
            ))),
        }
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        let value = match bytes {
            None => Value::Null,
            Some([1]) => Value::Boolean(true),
            Some([0]) => Value::Boolean(false),
            Some([b]) => {
                return Err(ConverterError::data(format!(
                    "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: {}",
                    *b as i8
                )))
            }
            Some(_) => {
                return Err(ConverterError::data(
                    "Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1",
                ))
            }
        };
        Ok(SchemaAndValue::new(Some(Schema::optional_boolean()), value))
    }
}

header_via_converter!(BooleanConverter);

/// Which of Kafka's number converters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    Short,
    Integer,
    Long,
    Float,
    Double,
}

impl NumberKind {
    fn type_name(self) -> &'static str {
        match self {
            NumberKind::Short => "short",
            NumberKind::Integer => "integer",
            NumberKind::Long => "long",
            NumberKind::Float => "float",
            NumberKind::Double => "double",
        }
    }

    fn width(self) -> usize {
        match self {
            NumberKind::Short => 2,
            NumberKind::Integer | NumberKind::Float => 4,
            NumberKind::Long | NumberKind::Double => 8,
        }
    }

    /// The message of Kafka's deserializer when the size is wrong.
    fn size_error(self) -> String {
        match self {
            NumberKind::Short => "Size of data received by ShortDeserializer is not 2".into(),
            NumberKind::Integer => "Size of data received by IntegerDeserializer is not 4".into(),
            NumberKind::Long => "Size of data received by LongDeserializer is not 8".into(),
            NumberKind::Float => "Size of data received by Deserializer is not 4".into(),
            NumberKind::Double => "Size of data received by Deserializer is not 8".into(),
        }
    }

    fn schema(self) -> SchemaRef {
        match self {
            NumberKind::Short => Schema::optional_int16(),
            NumberKind::Integer => Schema::optional_int32(),
            NumberKind::Long => Schema::optional_int64(),
            NumberKind::Float => Schema::optional_float32(),
            NumberKind::Double => Schema::optional_float64(),
        }
    }
}

/// Kafka's `ShortConverter`, `IntegerConverter`, `LongConverter`, `FloatConverter` and
/// `DoubleConverter`: the big-endian fixed-width encoding of Kafka's serializers. Like
/// Kafka's, they ignore the schema and accept only values of exactly their Java type.
#[derive(Debug, Clone, Copy)]
pub struct NumberConverter {
    kind: NumberKind,
}

impl NumberConverter {
    pub fn new(kind: NumberKind) -> Self {
        NumberConverter { kind }
    }
}

impl Converter for NumberConverter {
    fn configure(&mut self, _props: &Props, _is_key: bool) -> Result<(), ConverterError> {
        Ok(())
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        Ok(Some(match (self.kind, value) {
            (_, Value::Null) => return Ok(None),
            (NumberKind::Short, Value::Int16(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Integer, Value::Int32(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Long, Value::Int64(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Float, Value::Float32(v)) => v.to_bits().to_be_bytes().to_vec(),
            (NumberKind::Double, Value::Float64(v)) => v.to_bits().to_be_bytes().to_vec(),
            (kind, other) => {
                return Err(ConverterError::data(format!(
                    "Failed to serialize to {} (was {}): ",
                    kind.type_name(),
                    class_of(other)
                )))
            }
        }))
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        let schema = Some(self.kind.schema());
        let Some(b) = bytes else {
            return Ok(SchemaAndValue::new(schema, Value::Null));
        };
        if b.len() != self.kind.width() {
            return Err(ConverterError::data(format!(
                "Failed to deserialize {}: {}",
                self.kind.type_name(),
                self.kind.size_error()
            )));
        }
        let mut buf = [0u8; 8];
        buf[..b.len()].copy_from_slice(b);
        let value = match self.kind {
            NumberKind::Short => Value::Int16(i16::from_be_bytes([buf[0], buf[1]])),
            NumberKind::Integer => {
                Value::Int32(i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]))
            }
            NumberKind::Long => Value::Int64(i64::from_be_bytes(buf)),
            NumberKind::Float => Value::Float32(f32::from_bits(u32::from_be_bytes([
                buf[0], buf[1], buf[2], buf[3],
            ]))),
            NumberKind::Double => Value::Float64(f64::from_bits(u64::from_be_bytes(buf))),
        };
        Ok(SchemaAndValue::new(schema, value))
    }
}

header_via_converter!(NumberConverter);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_array_round_trip() {
        let c = ByteArrayConverter;
        let data = b"test-bytes".to_vec();
        let b = c
            .from_connect_data("t", Some(&Schema::bytes()), &Value::Bytes(data.clone()))
            .unwrap();
        assert_eq!(b.as_deref(), Some(&data[..]));
        assert_eq!(
            c.from_connect_data("t", None, &Value::Bytes(data.clone()))
                .unwrap(),
            Some(data.clone())
        );
        assert_eq!(
            c.to_connect_data("t", Some(&data)).unwrap(),
            SchemaAndValue::new(Some(Schema::optional_bytes()), Value::Bytes(data))
        );
        assert_eq!(
            c.from_connect_data("t", Some(&Schema::bytes()), &Value::Null)
                .unwrap(),
            None
        );
        assert_eq!(
            c.to_connect_data("t", None).unwrap(),
            SchemaAndValue::new(Some(Schema::optional_bytes()), Value::Null)
        );
    }

    #[test]
    fn byte_array_rejects_other_types() {
        let c = ByteArrayConverter;
        let err = c
            .from_connect_data("t", Some(&Schema::int32()), &Value::Int32(12))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid schema type for ByteArrayConverter: INT32"
        );
        let err = c
            .from_connect_data("t", None, &Value::Int32(12))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ByteArrayConverter is not compatible with objects of type class java.lang.Integer"
        );
    }

    #[test]
    fn numbers_are_big_endian() {
        let cases = [
            (NumberKind::Short, Value::Int16(-2), vec![0xFF, 0xFE]),
            (NumberKind::Integer, Value::Int32(258), vec![0, 0, 1, 2]),
            (
                NumberKind::Long,
                Value::Int64(1),
                vec![0, 0, 0, 0, 0, 0, 0, 1],
            ),
            (
                NumberKind::Float,
                Value::Float32(1.0),
                vec![0x3F, 0x80, 0, 0],
            ),
            (
                NumberKind::Double,
                Value::Float64(-2.0),
                vec![0xC0, 0, 0, 0, 0, 0, 0, 0],
            ),
        ];
        for (kind, value, bytes) in cases {
            let c = NumberConverter::new(kind);
            assert_eq!(
                c.from_connect_data("t", None, &value).unwrap(),
                Some(bytes.clone())
            );
            let back = c.to_connect_data("t", Some(&bytes)).unwrap();
            assert_eq!(back.value, value);
            assert_eq!(back.schema, Some(kind.schema()));
            assert!(back.schema.unwrap().optional);
            assert_eq!(c.from_connect_data("t", None, &Value::Null).unwrap(), None);
            assert_eq!(c.to_connect_data("t", None).unwrap().value, Value::Null);
        }
    }

    #[test]
    fn number_errors() {
        let c = NumberConverter::new(NumberKind::Integer);
        let err = c
            .from_connect_data("t", None, &Value::Int64(1))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to serialize to integer (was class java.lang.Long): "
        );
        let err = c.to_connect_data("t", Some(&[1, 2])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to deserialize integer: Size of data received by IntegerDeserializer is not 4"
        );
    }

    #[test]
    fn booleans() {
        let c = BooleanConverter;
        assert_eq!(
            c.from_connect_data("t", None, &Value::Boolean(true))
                .unwrap(),
            Some(vec![1])
        );
        assert_eq!(
            c.from_connect_data("t", None, &Value::Boolean(false))
                .unwrap(),
            Some(vec![0])
        );
        assert_eq!(
            c.to_connect_data("t", Some(&[1])).unwrap().value,
            Value::Boolean(true)
        );
        assert!(c.to_connect_data("t", Some(&[2])).is_err());
        assert!(c.to_connect_data("t", Some(&[0, 0])).is_err());
        assert!(c
            .from_connect_data("t", Some(&Schema::string()), &Value::Boolean(true))
            .is_err());
        assert!(c.from_connect_data("t", None, &Value::Int8(1)).is_err());
    }

    #[test]
    fn header_delegation() {
        let mut c = NumberConverter::new(NumberKind::Long);
        HeaderConverter::configure(&mut c, &Props::new()).unwrap();
        let b = c
            .from_connect_header("t", "h", None, &Value::Int64(5))
            .unwrap();
        assert_eq!(
            c.to_connect_header("t", "h", b.as_deref()).unwrap().value,
            Value::Int64(5)
        );
    }
}
