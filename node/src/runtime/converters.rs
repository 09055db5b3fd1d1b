//! The converters of one connector: the worker's defaults, overridden by the connector's
//! own `key.converter` / `value.converter` / `header.converter` keys (with their prefixed
//! settings), as in Kafka Connect.

use connect_api::{Headers, Props};
use converters::{new_converter, new_header_converter, Converter, ConverterError, HeaderConverter};

use crate::worker_config::WorkerConfig;

/// A Kafka header: key and optional value bytes.
pub type HeaderBytes = (String, Option<Vec<u8>>);

pub struct RecordConverters {
    pub key: Box<dyn Converter>,
    pub value: Box<dyn Converter>,
    pub header: Box<dyn HeaderConverter>,
    /// The converters' full Java class names (what a failure report names as the
    /// executing class).
    pub key_class: String,
    pub value_class: String,
    pub header_class: String,
}

/// The full class name of a converter class or alias.
fn full_class(class: &str) -> String {
    converters::canonical_class(class)
        .map(str::to_string)
        .unwrap_or_else(|| class.trim().to_string())
}

#[derive(Debug, thiserror::Error)]
#[error("{key}: {source}")]
pub struct ConverterSetupError {
    /// The config key that chose or configured the failing converter.
    pub key: &'static str,
    #[source]
    pub source: ConverterError,
}

fn pick(connector: &Props, worker_class: &str, worker_props: &Props, key: &str) -> (String, Props) {
    match connector.get(key) {
        Some(class) => {
            let prefix = format!("{key}.");
            let props = connector
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_string(), v.clone())))
                .collect();
            (class.clone(), props)
        }
        None => (worker_class.to_string(), worker_props.clone()),
    }
}

impl RecordConverters {
    pub fn new(worker: &WorkerConfig, connector: &Props) -> Result<Self, ConverterSetupError> {
        let (kc, kp) = pick(
            connector,
            &worker.key_converter,
            &worker.key_converter_props,
            "key.converter",
        );
        let (vc, vp) = pick(
            connector,
            &worker.value_converter,
            &worker.value_converter_props,
            "value.converter",
        );
        let (hc, hp) = pick(
            connector,
            &worker.header_converter,
            &worker.header_converter_props,
            "header.converter",
        );
        let err = |key| move |source| ConverterSetupError { key, source };
        let mut key = new_converter(&kc).map_err(err("key.converter"))?;
        key.configure(&kp, true).map_err(err("key.converter"))?;
        let mut value = new_converter(&vc).map_err(err("value.converter"))?;
        value
            .configure(&vp, false)
            .map_err(err("value.converter"))?;
        let mut header = new_header_converter(&hc).map_err(err("header.converter"))?;
        header.configure(&hp).map_err(err("header.converter"))?;
        Ok(RecordConverters {
            key,
            value,
            header,
            key_class: full_class(&kc),
            value_class: full_class(&vc),
            header_class: full_class(&hc),
        })
    }

    /// Converts Connect headers to Kafka header bytes.
    pub fn headers_to_bytes(
        &self,
        topic: &str,
        headers: &Headers,
    ) -> Result<Vec<HeaderBytes>, ConverterError> {
        headers
            .iter()
            .map(|h| {
                let bytes =
                    self.header
                        .from_connect_header(topic, &h.key, h.schema.as_ref(), &h.value)?;
                Ok((h.key.clone(), bytes))
            })
            .collect()
    }

    /// Converts Kafka headers to Connect headers.
    pub fn headers_from_bytes<'a>(
        &self,
        topic: &str,
        headers: impl Iterator<Item = (&'a str, Option<&'a [u8]>)>,
    ) -> Result<Headers, ConverterError> {
        let mut out = Headers::new();
        for (key, bytes) in headers {
            let sv = self.header.to_connect_header(topic, key, bytes)?;
            out.add(key, sv.schema, sv.value);
        }
        Ok(out)
    }
}
