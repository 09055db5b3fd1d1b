//! `JsonFormat`: one JSON value per line (Kafka's JsonConverter, schemas.enable=false).

use connect_api::{Props, SinkRecord};
use converters::{Converter, JsonConverter};

use super::RecordEncoder;
use crate::error::{coordinates, S3Error};

pub struct JsonEncoder {
    converter: JsonConverter,
    out: Vec<u8>,
}

impl JsonEncoder {
    /// `decimal_numeric`: Decimals as JSON numbers rather than base64 bytes
    /// (`json.decimal.format`).
    pub fn new(decimal_numeric: bool) -> JsonEncoder {
        let mut converter = JsonConverter::new();
        let mut props = Props::new();
        props.insert("schemas.enable".into(), "false".into());
        let decimal = if decimal_numeric { "NUMERIC" } else { "BASE64" };
        props.insert("decimal.format".into(), decimal.into());
        // Only fails on bad values of these keys, and these are fixed and valid.
        if let Err(e) = converter.configure(&props, false) {
            tracing::error!("JsonConverter refused schemas.enable=false: {e}");
        }
        JsonEncoder {
            converter,
            out: Vec::new(),
        }
    }
}

impl RecordEncoder for JsonEncoder {
    fn write(&mut self, record: &SinkRecord) -> Result<(), S3Error> {
        let json = self
            .converter
            .from_connect_data(
                record.topic(),
                record.record.value_schema.as_ref(),
                &record.record.value,
            )
            .map_err(|e| {
                S3Error::Data(format!(
                    "record {} cannot be written as JSON: {e}",
                    coordinates(record)
                ))
            })?;
        self.out
            .extend_from_slice(json.as_deref().unwrap_or(b"null"));
        self.out.push(b'\n');
        Ok(())
    }

    fn output(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    fn finish(&mut self) -> Result<(), S3Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partitioner::tests::record;
    use bigdecimal::BigDecimal;
    use connect_api::data::logical;
    use connect_api::{Schema, SchemaBuilder, Struct, Value};
    use std::str::FromStr;

    #[test]
    fn one_value_per_line_without_schema_envelope() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("name", Schema::optional_string())
            .build();
        let value = Struct::new(schema.clone())
            .and_then(|s| s.with("id", 7i64))
            .unwrap();
        let mut r = record(0, 0, Value::Struct(value), None);
        r.record.value_schema = Some(schema);
        let mut e = JsonEncoder::new(false);
        e.write(&r).unwrap();
        e.write(&record(0, 1, Value::String("plain".into()), None))
            .unwrap();
        let map = Value::Map(vec![(Value::String("k".into()), Value::Int32(1))]);
        e.write(&record(0, 2, map, None)).unwrap();
        e.finish().unwrap();
        assert_eq!(
            String::from_utf8(std::mem::take(e.output())).unwrap(),
            "{\"id\":7,\"name\":null}\n\"plain\"\n{\"k\":1}\n"
        );
    }

    #[test]
    fn decimals_as_base64_or_numbers() {
        let schema = logical::decimal_schema(2).build();
        let value = Value::Decimal(BigDecimal::from_str("12.34").unwrap());
        let mut r = record(0, 0, value, None);
        r.record.value_schema = Some(schema);
        let mut base64 = JsonEncoder::new(false);
        base64.write(&r).unwrap();
        // 1234 = 0x04D2, base64 "BNI=".
        assert_eq!(base64.output().as_slice(), b"\"BNI=\"\n");
        let mut numeric = JsonEncoder::new(true);
        numeric.write(&r).unwrap();
        assert_eq!(numeric.output().as_slice(), b"12.34\n");
    }
}
