//! The worker's own configuration: Kafka Connect's worker keys (as in
//! connect-standalone.properties / connect-distributed.properties), parsed and typed.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use connect_api::Props;

use crate::config_providers::ConfigProviders;
use tracing::{info, warn};

#[derive(Debug, thiserror::Error)]
pub enum WorkerConfigError {
    #[error("Invalid value {value} for configuration {key}: {reason}")]
    Invalid {
        key: &'static str,
        value: String,
        reason: String,
    },
    #[error(transparent)]
    Provider(#[from] crate::config_providers::ProviderError),
    #[error("Invalid value for configuration {key}: {reason}")]
    Auth { key: &'static str, reason: String },
    #[error("Invalid configuration for the https listener: {0}")]
    Tls(#[from] crate::rest::tls::TlsConfigError),
}

/// Keys we read, with Kafka's defaults.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub bootstrap_servers: String,
    pub key_converter: String,
    pub value_converter: String,
    pub header_converter: String,
    /// `key.converter.*` etc, prefixes stripped.
    pub key_converter_props: Props,
    pub value_converter_props: Props,
    pub header_converter_props: Props,
    pub offset_flush_interval: Duration,
    pub offset_flush_timeout: Duration,
    pub task_shutdown_timeout: Duration,
    pub listener: SocketAddr,
    /// Set when the listener is `https://`: the REST API's TLS settings.
    pub rest_tls: Option<crate::rest::tls::RestTls>,
    /// What statuses report as `worker_id` (Kafka's advertised host:port).
    pub worker_id: String,
    pub data_dir: PathBuf,
    /// `producer.*`, `consumer.*`, `admin.*` client overrides, prefixes stripped.
    pub producer_overrides: Props,
    pub consumer_overrides: Props,
    pub admin_overrides: Props,
    /// `config.providers`: resolve `${provider:[path:]key}` in connector configs.
    pub config_providers: Arc<ConfigProviders>,
    /// `rest.auth.basic.users`: HTTP basic auth for the REST API (None: off).
    pub rest_auth: Option<Arc<crate::auth::BasicAuth>>,
    pub originals: Props,
}

pub const DEFAULT_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";
pub const DEFAULT_HEADER_CONVERTER: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// Worker keys Kafka accepts that we accept and deliberately do not act on.
const ACCEPTED_NOT_USED: &[&str] = &[
    "plugin.path",
    "plugin.discovery",
    "offset.storage.file.filename",
    "rest.extension.classes",
    "metrics.recording.level",
    "client.id",
    "rest.host.name",
    "rest.port",
];

fn millis(props: &Props, key: &'static str, default: u64) -> Result<Duration, WorkerConfigError> {
    match props.get(key) {
        None => Ok(Duration::from_millis(default)),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| WorkerConfigError::Invalid {
                key,
                value: v.clone(),
                reason: "Not a number of type LONG".into(),
            }),
    }
}

fn prefixed(props: &Props, prefix: &str) -> Props {
    props
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone())))
        .collect()
}

/// Parses Kafka's `listeners` (e.g. `http://:8083,https://0.0.0.0:8443`): the first
/// listener, and whether it is https; an empty host means all interfaces, as in Kafka.
fn parse_listener(value: &str) -> Result<(SocketAddr, bool), WorkerConfigError> {
    let invalid = |reason: &str| WorkerConfigError::Invalid {
        key: "listeners",
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let first = value
        .split(',')
        .map(str::trim)
        .find(|s| !s.is_empty())
        .ok_or_else(|| invalid("no listener given"))?;
    let (rest, https) = match first.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (rest, false),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (rest, true),
        _ => return Err(invalid("expected http://host:port or https://host:port")),
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| invalid("expected http://host:port or https://host:port"))?;
    let port: u16 = port.parse().map_err(|_| invalid("port is not a number"))?;
    let host = match host.trim_start_matches('[').trim_end_matches(']') {
        "" => "0.0.0.0",
        "localhost" => "127.0.0.1",
        h => h,
    };
    let addr = format!("{host}:{port}")
        .parse::<SocketAddr>()
        .or_else(|_| format!("[{host}]:{port}").parse())
        .map_err(|_| invalid("host must be an IP address or localhost"))?;
    Ok((addr, https))
}

impl WorkerConfig {
    pub fn from_props(props: Props) -> Result<Self, WorkerConfigError> {
        let get = |k: &str, d: &str| props.get(k).cloned().unwrap_or_else(|| d.to_string());
        let (listener, https) = parse_listener(&get("listeners", "http://:8083"))?;
        let rest_tls = if https {
            Some(crate::rest::tls::RestTls::from_props(&props)?)
        } else {
            None
        };
        let advertised_host = props
            .get("rest.advertised.host.name")
            .cloned()
            .unwrap_or_else(|| {
                if listener.ip().is_unspecified() {
                    "localhost".to_string()
                } else {
                    listener.ip().to_string()
                }
            });
        let advertised_port = props
            .get("rest.advertised.port")
            .cloned()
            .unwrap_or_else(|| listener.port().to_string());
        let data_dir = match (
            props.get("data.dir"),
            props.get("offset.storage.file.filename"),
        ) {
            (Some(d), _) => PathBuf::from(d),
            (None, Some(f)) => PathBuf::from(format!("{f}.raftconnect")),
            (None, None) => PathBuf::from("raftconnect-data"),
        };
        if !props.contains_key("key.converter") || !props.contains_key("value.converter") {
            info!("key.converter / value.converter not set: using {DEFAULT_CONVERTER}");
        }
        let known_prefixes = [
            "key.converter.",
            "value.converter.",
            "header.converter.",
            "producer.",
            "consumer.",
            "admin.",
        ];
        let known = [
            "bootstrap.servers",
            "key.converter",
            "value.converter",
            "header.converter",
            "offset.flush.interval.ms",
            "offset.flush.timeout.ms",
            "task.shutdown.graceful.timeout.ms",
            "listeners",
            "rest.advertised.host.name",
            "rest.advertised.port",
            "data.dir",
            "config.providers",
            "rest.auth.basic.users",
        ];
        let tls_keys = crate::rest::tls::KEYS;
        for key in props.keys() {
            if known.contains(&key.as_str())
                || ACCEPTED_NOT_USED.contains(&key.as_str())
                || crate::cluster_config::KEYS.contains(&key.as_str())
                || crate::cluster_config::IGNORED_KAFKA_KEYS.contains(&key.as_str())
                || known_prefixes.iter().any(|p| key.starts_with(p))
                || key.starts_with("config.providers.")
                || tls_keys.contains(&key.as_str())
                || key
                    .strip_prefix(crate::rest::tls::LISTENER_PREFIX)
                    .is_some_and(|k| tls_keys.contains(&k))
            {
                continue;
            }
            warn!("worker config key {key} is not known to raftconnect and is ignored");
        }
        let config_providers = Arc::new(ConfigProviders::from_worker_props(&props)?);
        let rest_auth = match props.get("rest.auth.basic.users") {
            Some(v) if !v.trim().is_empty() => {
                Some(Arc::new(crate::auth::BasicAuth::from_config(v).map_err(
                    |reason| WorkerConfigError::Auth {
                        key: "rest.auth.basic.users",
                        reason,
                    },
                )?))
            }
            _ => None,
        };
        Ok(WorkerConfig {
            bootstrap_servers: get("bootstrap.servers", "localhost:9092"),
            key_converter: get("key.converter", DEFAULT_CONVERTER),
            value_converter: get("value.converter", DEFAULT_CONVERTER),
            header_converter: get("header.converter", DEFAULT_HEADER_CONVERTER),
            key_converter_props: prefixed(&props, "key.converter."),
            value_converter_props: prefixed(&props, "value.converter."),
            header_converter_props: prefixed(&props, "header.converter."),
            offset_flush_interval: millis(&props, "offset.flush.interval.ms", 60_000)?,
            offset_flush_timeout: millis(&props, "offset.flush.timeout.ms", 5_000)?,
            task_shutdown_timeout: millis(&props, "task.shutdown.graceful.timeout.ms", 5_000)?,
            listener,
            rest_tls,
            worker_id: format!("{advertised_host}:{advertised_port}"),
            data_dir,
            producer_overrides: prefixed(&props, "producer."),
            consumer_overrides: prefixed(&props, "consumer."),
            admin_overrides: prefixed(&props, "admin."),
            config_providers,
            rest_auth,
            originals: props,
        })
    }

    /// The Kafka-client settings every client of this worker shares.
    /// What every Kafka client of the worker starts from. The reconnect backoff is the
    /// Java clients' (50 ms growing to 1 s) rather than librdkafka's (100 ms to 10 s):
    /// after a broker restart, tasks resume within a second, as Kafka Connect's do.
    pub fn common_client_props(&self) -> BTreeMap<String, String> {
        [
            ("bootstrap.servers", self.bootstrap_servers.as_str()),
            ("reconnect.backoff.ms", "50"),
            ("reconnect.backoff.max.ms", "1000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_kafka() {
        let c = WorkerConfig::from_props(Props::new()).unwrap();
        assert_eq!(c.bootstrap_servers, "localhost:9092");
        assert_eq!(c.listener.port(), 8083);
        assert_eq!(c.offset_flush_interval, Duration::from_secs(60));
        assert_eq!(c.worker_id, "localhost:8083");
        assert_eq!(c.header_converter, DEFAULT_HEADER_CONVERTER);
    }

    #[test]
    fn prefixes_and_listeners() {
        let c = WorkerConfig::from_props(props(&[
            ("listeners", "http://127.0.0.1:9999"),
            ("key.converter.schemas.enable", "false"),
            ("producer.linger.ms", "5"),
            ("offset.storage.file.filename", "/tmp/connect.offsets"),
        ]))
        .unwrap();
        assert_eq!(c.listener, "127.0.0.1:9999".parse().unwrap());
        assert_eq!(c.key_converter_props["schemas.enable"], "false");
        assert_eq!(c.producer_overrides["linger.ms"], "5");
        assert_eq!(
            c.data_dir,
            PathBuf::from("/tmp/connect.offsets.raftconnect")
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        let e =
            WorkerConfig::from_props(props(&[("offset.flush.interval.ms", "soon")])).unwrap_err();
        assert!(e.to_string().contains("offset.flush.interval.ms"), "{e}");
        let e = WorkerConfig::from_props(props(&[("listeners", "ftp://:1")])).unwrap_err();
        assert!(e.to_string().contains("listeners"), "{e}");
        // https needs a keystore, and says which key is missing.
        let e = WorkerConfig::from_props(props(&[("listeners", "https://:1")])).unwrap_err();
        assert!(e.to_string().contains("ssl.keystore.location"), "{e}");
    }
}
