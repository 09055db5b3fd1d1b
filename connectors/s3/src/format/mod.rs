//! Object formats (`format.class`): how a file's records become bytes.
//!
//! * `JsonFormat` (`.json`): one JSON value per line, as Kafka's JsonConverter with
//!   `schemas.enable=false` renders the record value.
//! * `ByteArrayFormat` (`.bin` or `format.bytearray.extension`): the value bytes,
//!   each followed by `format.bytearray.separator` (a newline by default).
//! * `ParquetFormat` (`.snappy.parquet` / `.parquet` per `parquet.codec`): the Connect
//!   schema as a Parquet schema, logical types included.
//!
//! An encoder appends to its output as records come; the upload takes the bytes out as
//! they reach a part's size, so a file is never held whole in memory.

mod bytearray;
mod json;
mod parquet;

use connect_api::{ConnectError, ParsedConfig, SinkRecord};

use crate::error::S3Error;
use crate::keys::{
    BYTEARRAY_EXTENSION_CONFIG, BYTEARRAY_SEPARATOR_CONFIG, FORMAT_CLASS_CONFIG,
    JSON_DECIMAL_FORMAT_CONFIG, PARQUET_CODEC_CONFIG,
};

pub use self::bytearray::ByteArrayEncoder;
pub use self::json::JsonEncoder;
pub use self::parquet::{parquet_schema, ParquetCodec, ParquetEncoder};

pub const JSON_FORMAT_CLASS: &str = "io.confluent.connect.s3.format.json.JsonFormat";
pub const BYTEARRAY_FORMAT_CLASS: &str = "io.confluent.connect.s3.format.bytearray.ByteArrayFormat";
pub const PARQUET_FORMAT_CLASS: &str = "io.confluent.connect.s3.format.parquet.ParquetFormat";

/// Encodes one file's records.
pub trait RecordEncoder: Send {
    /// Encodes `record` (its value is not null: null values are handled before).
    fn write(&mut self, record: &SinkRecord) -> Result<(), S3Error>;
    /// The bytes encoded so far and not yet taken; the caller drains what it uploads.
    fn output(&mut self) -> &mut Vec<u8>;
    /// Ends the file: whatever is still buffered (e.g. Parquet's last row group and
    /// footer) is appended to the output.
    fn finish(&mut self) -> Result<(), S3Error>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatSettings {
    /// `decimal_numeric`: `json.decimal.format=NUMERIC` (else BASE64).
    Json {
        decimal_numeric: bool,
    },
    ByteArray {
        extension: String,
        separator: Vec<u8>,
    },
    Parquet {
        codec: ParquetCodec,
    },
}

impl FormatSettings {
    pub fn from_config(parsed: &ParsedConfig) -> Result<FormatSettings, ConnectError> {
        let class = parsed
            .get_class(FORMAT_CLASS_CONFIG)
            .unwrap_or_default()
            .trim();
        let simple = class.rsplit('.').next().unwrap_or(class);
        let known = |full: &str| class == full || simple == full.rsplit('.').next().unwrap_or(full);
        if known(JSON_FORMAT_CLASS) {
            let decimal = parsed
                .get_string(JSON_DECIMAL_FORMAT_CONFIG)
                .unwrap_or("BASE64");
            Ok(FormatSettings::Json {
                decimal_numeric: decimal.eq_ignore_ascii_case("NUMERIC"),
            })
        } else if known(BYTEARRAY_FORMAT_CLASS) {
            // Whitespace is the point of a separator, and the config parser trims
            // values: read the original, as Confluent does.
            let separator = parsed
                .originals()
                .get(BYTEARRAY_SEPARATOR_CONFIG)
                .cloned()
                .unwrap_or_else(|| "\n".to_string());
            Ok(FormatSettings::ByteArray {
                extension: parsed
                    .get_string(BYTEARRAY_EXTENSION_CONFIG)
                    .unwrap_or(".bin")
                    .to_string(),
                separator: separator.into_bytes(),
            })
        } else if known(PARQUET_FORMAT_CLASS) {
            let codec = match parsed.get_string(PARQUET_CODEC_CONFIG).unwrap_or("snappy") {
                "none" => ParquetCodec::None,
                _ => ParquetCodec::Snappy,
            };
            Ok(FormatSettings::Parquet { codec })
        } else {
            Err(ConnectError::config(
                FORMAT_CLASS_CONFIG,
                format!(
                    "unknown or unsupported format {class}: use {JSON_FORMAT_CLASS}, \
                     {BYTEARRAY_FORMAT_CLASS} or {PARQUET_FORMAT_CLASS}"
                ),
            ))
        }
    }

    /// The object name's extension, with its dot.
    pub fn extension(&self) -> &str {
        match self {
            FormatSettings::Json { .. } => ".json",
            FormatSettings::ByteArray { extension, .. } => extension,
            FormatSettings::Parquet { codec } => codec.extension(),
        }
    }

    /// A fresh encoder for one file.
    pub fn new_encoder(&self) -> Box<dyn RecordEncoder> {
        match self {
            FormatSettings::Json { decimal_numeric } => {
                Box::new(JsonEncoder::new(*decimal_numeric))
            }
            FormatSettings::ByteArray { separator, .. } => {
                Box::new(ByteArrayEncoder::new(separator.clone()))
            }
            FormatSettings::Parquet { codec } => Box::new(ParquetEncoder::new(*codec)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::config_def;
    use crate::config::tests::props;

    fn format(pairs: &[(&str, &str)]) -> Result<FormatSettings, ConnectError> {
        FormatSettings::from_config(&config_def().parse(&props(pairs)).unwrap())
    }

    #[test]
    fn classes_extensions_and_options() {
        assert_eq!(format(&[]).unwrap().extension(), ".json");
        assert_eq!(
            format(&[(FORMAT_CLASS_CONFIG, "ByteArrayFormat")]).unwrap(),
            FormatSettings::ByteArray {
                extension: ".bin".into(),
                separator: b"\n".to_vec()
            }
        );
        assert_eq!(
            format(&[
                (FORMAT_CLASS_CONFIG, BYTEARRAY_FORMAT_CLASS),
                (BYTEARRAY_EXTENSION_CONFIG, ".txt"),
                (BYTEARRAY_SEPARATOR_CONFIG, " | "),
            ])
            .unwrap(),
            FormatSettings::ByteArray {
                extension: ".txt".into(),
                separator: b" | ".to_vec()
            }
        );
        assert_eq!(
            format(&[(FORMAT_CLASS_CONFIG, PARQUET_FORMAT_CLASS)])
                .unwrap()
                .extension(),
            ".snappy.parquet"
        );
        assert_eq!(
            format(&[
                (FORMAT_CLASS_CONFIG, PARQUET_FORMAT_CLASS),
                (PARQUET_CODEC_CONFIG, "none")
            ])
            .unwrap()
            .extension(),
            ".parquet"
        );
        let e = format(&[(
            FORMAT_CLASS_CONFIG,
            "io.confluent.connect.s3.format.avro.AvroFormat",
        )])
        .unwrap_err();
        assert!(matches!(e, ConnectError::Config { key, .. } if key == FORMAT_CLASS_CONFIG));
    }
}
