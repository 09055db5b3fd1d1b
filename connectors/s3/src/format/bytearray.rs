//! `ByteArrayFormat`: the raw value bytes (from ByteArrayConverter), each followed by
//! the separator.

use connect_api::{SinkRecord, Value};

use super::RecordEncoder;
use crate::error::{coordinates, S3Error};

pub struct ByteArrayEncoder {
    separator: Vec<u8>,
    out: Vec<u8>,
}

impl ByteArrayEncoder {
    pub fn new(separator: Vec<u8>) -> ByteArrayEncoder {
        ByteArrayEncoder {
            separator,
            out: Vec::new(),
        }
    }
}

impl RecordEncoder for ByteArrayEncoder {
    fn write(&mut self, record: &SinkRecord) -> Result<(), S3Error> {
        match &record.record.value {
            Value::Bytes(bytes) => {
                self.out.extend_from_slice(bytes);
                self.out.extend_from_slice(&self.separator);
                Ok(())
            }
            other => Err(S3Error::Data(format!(
                "ByteArrayFormat needs byte array values (value.converter=org.apache.kafka.connect.converters.ByteArrayConverter); record {} has {}",
                coordinates(record),
                other.kind_name()
            ))),
        }
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

    #[test]
    fn values_and_separators() {
        let mut e = ByteArrayEncoder::new(b"\n".to_vec());
        e.write(&record(0, 0, Value::Bytes(b"a\x00b".to_vec()), None))
            .unwrap();
        e.write(&record(0, 1, Value::Bytes(Vec::new()), None))
            .unwrap();
        assert_eq!(e.output().as_slice(), b"a\x00b\n\n");
        let mut none = ByteArrayEncoder::new(Vec::new());
        none.write(&record(0, 0, Value::Bytes(b"xy".to_vec()), None))
            .unwrap();
        assert_eq!(none.output().as_slice(), b"xy");
        let err = none
            .write(&record(3, 8, Value::String("s".into()), None))
            .unwrap_err();
        assert!(err.to_string().contains("orders-3@8"), "{err}");
    }
}
