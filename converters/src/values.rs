//! `org.apache.kafka.connect.storage.SimpleHeaderConverter`: headers written with Kafka's
//! `Values.convertToString` and read back with `Values.parseString` (both in
//! [`connect_api::data::values`]).

use connect_api::data::values::{convert_to_string, parse_string};
use connect_api::{Props, Schema, SchemaRef, Value};

use crate::{ConverterError, HeaderConverter, SchemaAndValue};

/// Kafka's default header converter: headers as the strings `Values.convertToString`
/// writes, read back with `Values.parseString`; unparseable headers are kept as bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimpleHeaderConverter;

impl HeaderConverter for SimpleHeaderConverter {
    fn configure(&mut self, _props: &Props) -> Result<(), ConverterError> {
        Ok(())
    }

    fn from_connect_header(
        &self,
        _topic: &str,
        _header_key: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        Ok(convert_to_string(value).map(String::into_bytes))
    }

    fn to_connect_header(
        &self,
        _topic: &str,
        _header_key: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::NULL);
        };
        let s = String::from_utf8_lossy(bytes);
        Ok(match parse_string(&s) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => SchemaAndValue::NULL,
            Err(_) => SchemaAndValue::new(Some(Schema::bytes()), Value::Bytes(bytes.to_vec())),
        })
    }
}

#[cfg(test)]
mod tests;
