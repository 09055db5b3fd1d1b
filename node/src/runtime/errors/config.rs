//! The `errors.*` keys of a connector config, with Kafka's names, defaults and docs
//! (`ConnectorConfig` and `SinkConnectorConfig`), and their parsed form.
//!
//! The dead letter queue keys (`errors.deadletterqueue.*`) are Kafka's sink keys; we
//! accept them on source connectors too (our addition: Kafka's sources can only log).

use std::time::Duration;

use connect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator, Width};
use connect_api::{ConnectorKind, Props};

pub const RETRY_TIMEOUT: &str = "errors.retry.timeout";
pub const RETRY_DELAY_MAX: &str = "errors.retry.delay.max.ms";
pub const TOLERANCE: &str = "errors.tolerance";
pub const LOG_ENABLE: &str = "errors.log.enable";
pub const LOG_INCLUDE_MESSAGES: &str = "errors.log.include.messages";
pub const DLQ_TOPIC_NAME: &str = "errors.deadletterqueue.topic.name";
pub const DLQ_TOPIC_REPLICATION_FACTOR: &str = "errors.deadletterqueue.topic.replication.factor";
pub const DLQ_CONTEXT_HEADERS_ENABLE: &str = "errors.deadletterqueue.context.headers.enable";

/// Kafka's `ConnectorConfig.ERROR_GROUP`.
pub const ERROR_GROUP: &str = "Error Handling";

pub const RETRY_TIMEOUT_DEFAULT: i64 = 0;
pub const RETRY_DELAY_MAX_DEFAULT: i64 = 60_000;
pub const DLQ_TOPIC_REPLICATION_FACTOR_DEFAULT: i16 = 3;

/// The `errors.*` keys for a connector of `kind`, in Kafka's order within the
/// "Error Handling" group.
pub fn config_def(kind: ConnectorKind) -> ConfigDef {
    let dlq_doc = match kind {
        ConnectorKind::Sink => "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.",
        ConnectorKind::Source => "The name of the topic to be used as the dead letter queue (DLQ) for records that result in an error when processed by this source connector's transformations or converters, or when written to Kafka. The topic name is blank by default, which means that no records are to be recorded in the DLQ. (raftconnect addition: Kafka Connect has no DLQ for source connectors.)",
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(RETRY_TIMEOUT, ConfigType::Long)
                .default_value(RETRY_TIMEOUT_DEFAULT)
                .importance(Importance::Medium)
                .doc("The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.")
                .group(ERROR_GROUP)
                .order(1)
                .width(Width::Medium)
                .display_name("Retry Timeout for Errors"),
        )
        .define(
            ConfigKey::new(RETRY_DELAY_MAX, ConfigType::Long)
                .default_value(RETRY_DELAY_MAX_DEFAULT)
                .importance(Importance::Medium)
                .doc("The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.")
                .group(ERROR_GROUP)
                .order(2)
                .width(Width::Medium)
                .display_name("Maximum Delay Between Retries for Errors"),
        )
        .define(
            ConfigKey::new(TOLERANCE, ConfigType::String)
                .default_value("none")
                .validator(Validator::ValidString(vec!["none".into(), "all".into()]))
                .importance(Importance::Medium)
                .doc("Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.")
                .group(ERROR_GROUP)
                .order(3)
                .width(Width::Short)
                .display_name("Error Tolerance"),
        )
        .define(
            ConfigKey::new(LOG_ENABLE, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Medium)
                .doc("If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported.")
                .group(ERROR_GROUP)
                .order(4)
                .width(Width::Short)
                .display_name("Log Errors"),
        )
        .define(
            ConfigKey::new(LOG_INCLUDE_MESSAGES, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Medium)
                .doc("Whether to include in the log the Connect record that resulted in a failure. For sink records, the topic, partition, offset, and timestamp will be logged. For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files.")
                .group(ERROR_GROUP)
                .order(5)
                .width(Width::Short)
                .display_name("Log Error Details"),
        )
        .define(
            ConfigKey::new(DLQ_TOPIC_NAME, ConfigType::String)
                .default_value("")
                .importance(Importance::Medium)
                .doc(dlq_doc)
                .group(ERROR_GROUP)
                .order(6)
                .width(Width::Medium)
                .display_name("Dead Letter Queue Topic Name"),
        )
        .define(
            ConfigKey::new(DLQ_TOPIC_REPLICATION_FACTOR, ConfigType::Short)
                .default_value(DLQ_TOPIC_REPLICATION_FACTOR_DEFAULT)
                .importance(Importance::Medium)
                .doc("Replication factor used to create the dead letter queue topic when it doesn't already exist. (raftconnect: -1 asks for the broker's default; a factor larger than the number of brokers is lowered to that number, with a warning.)")
                .group(ERROR_GROUP)
                .order(7)
                .width(Width::Medium)
                .display_name("Dead Letter Queue Topic Replication Factor"),
        )
        .define(
            ConfigKey::new(DLQ_CONTEXT_HEADERS_ENABLE, ConfigType::Boolean)
                .default_value(false)
                .importance(Importance::Medium)
                .doc("If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with <code>__connect.errors.</code>")
                .group(ERROR_GROUP)
                .order(8)
                .width(Width::Medium)
                .display_name("Enable Error Context Headers"),
        )
}

/// `errors.tolerance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// Any error fails the task.
    None,
    /// Records failing in a tolerable stage are skipped (and reported).
    All,
}

/// How long retriable failures of an operation are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryLimit {
    /// `-1`, or (for `put`/`poll`) the key absent: Kafka's WorkerSinkTask and
    /// WorkerSourceTask retry a RetriableException of `put`/`poll` indefinitely.
    Forever,
    /// Retries stop once this much time passed since the first attempt; zero: no retries.
    Within(Duration),
}

/// The dead letter queue of a connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlqConfig {
    pub topic: String,
    /// -1: the broker's default.
    pub replication_factor: i16,
    pub context_headers: bool,
}

/// A connector's parsed `errors.*` keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorsConfig {
    /// `errors.retry.timeout` in ms; None when the key is absent.
    pub retry_timeout_ms: Option<i64>,
    pub retry_delay_max: Duration,
    pub tolerance: Tolerance,
    pub log_enable: bool,
    pub log_include_messages: bool,
    pub dlq: Option<DlqConfig>,
}

impl Default for ErrorsConfig {
    fn default() -> Self {
        ErrorsConfig {
            retry_timeout_ms: None,
            retry_delay_max: Duration::from_millis(RETRY_DELAY_MAX_DEFAULT as u64),
            tolerance: Tolerance::None,
            log_enable: false,
            log_include_messages: false,
            dlq: None,
        }
    }
}

impl ErrorsConfig {
    /// Parses the keys (validation already rejected bad values; this returns the first
    /// problem as Kafka's ConfigException text).
    pub fn parse(props: &Props) -> Result<Self, String> {
        let parsed = config_def(ConnectorKind::Sink)
            .parse(props)
            .map_err(|e| e.to_string())?;
        let retry_timeout_ms = props
            .contains_key(RETRY_TIMEOUT)
            .then(|| parsed.get_long(RETRY_TIMEOUT));
        let delay_max = parsed.get_long(RETRY_DELAY_MAX).max(0) as u64;
        let tolerance = match parsed.get_string(TOLERANCE).unwrap_or("none") {
            t if t.eq_ignore_ascii_case("all") => Tolerance::All,
            _ => Tolerance::None,
        };
        let topic = parsed
            .get_string(DLQ_TOPIC_NAME)
            .unwrap_or("")
            .trim()
            .to_string();
        let dlq = (!topic.is_empty()).then(|| DlqConfig {
            topic,
            replication_factor: parsed.get_short(DLQ_TOPIC_REPLICATION_FACTOR),
            context_headers: parsed.get_bool(DLQ_CONTEXT_HEADERS_ENABLE),
        });
        Ok(ErrorsConfig {
            retry_timeout_ms,
            retry_delay_max: Duration::from_millis(delay_max),
            tolerance,
            log_enable: parsed.get_bool(LOG_ENABLE),
            log_include_messages: parsed.get_bool(LOG_INCLUDE_MESSAGES),
            dlq,
        })
    }

    /// How long a retriable failure of `put` / `poll` is retried: as configured, or,
    /// when `errors.retry.timeout` is absent, indefinitely (Kafka's behaviour for these
    /// two operations, which its `errors.retry.timeout` does not govern).
    pub fn task_retry_limit(&self) -> RetryLimit {
        match self.retry_timeout_ms {
            None => RetryLimit::Forever,
            Some(ms) => Self::limit(ms),
        }
    }

    /// How long a retriable failure of a converter or transformation is retried
    /// (`errors.retry.timeout`, 0 by default: not at all).
    pub fn operation_retry_limit(&self) -> RetryLimit {
        Self::limit(self.retry_timeout_ms.unwrap_or(RETRY_TIMEOUT_DEFAULT))
    }

    fn limit(ms: i64) -> RetryLimit {
        if ms < 0 {
            RetryLimit::Forever
        } else {
            RetryLimit::Within(Duration::from_millis(ms as u64))
        }
    }

    /// Whether a sink task gets an errant record reporter (Kafka's
    /// `SinkConnectorConfig.enableErrantRecordReporter`: a DLQ topic or error logging).
    pub fn errant_reporter_enabled(&self) -> bool {
        self.dlq.is_some() || self.log_enable
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
    fn defaults_are_kafkas() {
        let c = ErrorsConfig::parse(&Props::new()).unwrap();
        assert_eq!(c, ErrorsConfig::default());
        assert_eq!(
            c.operation_retry_limit(),
            RetryLimit::Within(Duration::ZERO)
        );
        assert_eq!(c.task_retry_limit(), RetryLimit::Forever);
        assert!(!c.errant_reporter_enabled());
        let def = config_def(ConnectorKind::Sink);
        let rf = def.key(DLQ_TOPIC_REPLICATION_FACTOR).unwrap().info();
        assert_eq!(rf.default_value.as_deref(), Some("3"));
        assert_eq!(
            def.key(TOLERANCE).unwrap().info().default_value.as_deref(),
            Some("none")
        );
    }

    #[test]
    fn parses_every_key() {
        let c = ErrorsConfig::parse(&props(&[
            (RETRY_TIMEOUT, "30000"),
            (RETRY_DELAY_MAX, "1000"),
            (TOLERANCE, "all"),
            (LOG_ENABLE, "true"),
            (LOG_INCLUDE_MESSAGES, "true"),
            (DLQ_TOPIC_NAME, " dlq "),
            (DLQ_TOPIC_REPLICATION_FACTOR, "1"),
            (DLQ_CONTEXT_HEADERS_ENABLE, "true"),
        ]))
        .unwrap();
        assert_eq!(c.tolerance, Tolerance::All);
        assert_eq!(
            c.task_retry_limit(),
            RetryLimit::Within(Duration::from_secs(30))
        );
        assert_eq!(c.retry_delay_max, Duration::from_secs(1));
        assert_eq!(
            c.dlq,
            Some(DlqConfig {
                topic: "dlq".into(),
                replication_factor: 1,
                context_headers: true
            })
        );
        assert!(c.log_enable && c.log_include_messages && c.errant_reporter_enabled());
    }

    #[test]
    fn minus_one_retries_forever_and_zero_never() {
        let c = ErrorsConfig::parse(&props(&[(RETRY_TIMEOUT, "-1")])).unwrap();
        assert_eq!(c.task_retry_limit(), RetryLimit::Forever);
        assert_eq!(c.operation_retry_limit(), RetryLimit::Forever);
        let c = ErrorsConfig::parse(&props(&[(RETRY_TIMEOUT, "0")])).unwrap();
        assert_eq!(c.task_retry_limit(), RetryLimit::Within(Duration::ZERO));
    }

    #[test]
    fn bad_values_are_config_errors() {
        let e = ErrorsConfig::parse(&props(&[(TOLERANCE, "some")])).unwrap_err();
        assert!(e.contains("errors.tolerance"), "{e}");
        let e = ErrorsConfig::parse(&props(&[(RETRY_TIMEOUT, "soon")])).unwrap_err();
        assert!(e.contains("errors.retry.timeout"), "{e}");
        // A blank DLQ topic is no DLQ.
        let c = ErrorsConfig::parse(&props(&[(DLQ_TOPIC_NAME, "  ")])).unwrap();
        assert_eq!(c.dlq, None);
    }
}
