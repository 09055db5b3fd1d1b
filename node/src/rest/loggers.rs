//! `/admin/loggers` (Kafka's `LoggingResource`, worker scope): log levels changed at
//! run time through a reload handle on the process's `EnvFilter`.
//!
//! A logger is a `tracing` target (a module path such as `raftconnect::runtime`);
//! `root` is the default level. Kafka's levels map to tracing's: FATAL and ERROR to
//! `error`, WARN, INFO, DEBUG, TRACE as themselves, ALL to `trace`, OFF to `off`.
//! Setting a logger also sets every explicitly set logger below it, as log4j does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;
use warp::http::StatusCode;
use warp::reply::Response;

use super::errors::ApiError;
use super::{empty, json, json_kind, Request};
use crate::herder::Herder;

/// Kafka's `LoggerLevel`: `{"level": "...", "last_modified": ms | null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggerLevel {
    pub level: String,
    pub last_modified: Option<i64>,
}

type Reload = Box<dyn Fn(tracing_subscriber::EnvFilter) -> Result<(), String> + Send + Sync>;

struct Loggers {
    /// The directives the process started with (`RAFTCONNECT_LOG` or the default).
    base: String,
    /// Loggers whose level was set, `root` included once set.
    levels: BTreeMap<String, LoggerLevel>,
}

fn state() -> &'static Mutex<Loggers> {
    static STATE: OnceLock<Mutex<Loggers>> = OnceLock::new();
    STATE.get_or_init(|| {
        Mutex::new(Loggers {
            base: "info".to_string(),
            levels: BTreeMap::new(),
        })
    })
}

static RELOAD: OnceLock<Reload> = OnceLock::new();

/// Called once by the process's logging setup: the directives it started with and how
/// to swap the filter.
pub fn install(base: &str, reload: Reload) {
    if let Ok(mut s) = state().lock() {
        s.base = base.to_string();
    }
    let _ = RELOAD.set(reload);
}

const ROOT: &str = "root";

/// A Kafka (log4j) level name to the tracing directive's level.
fn directive_level(level: &str) -> Option<&'static str> {
    Some(match level.to_ascii_uppercase().as_str() {
        "FATAL" | "ERROR" => "error",
        "WARN" => "warn",
        "INFO" => "info",
        "DEBUG" => "debug",
        "TRACE" | "ALL" => "trace",
        "OFF" => "off",
        _ => return None,
    })
}

/// The default level of a directive string: its first directive without a target.
fn base_root_level(base: &str) -> String {
    base.split(',')
        .map(str::trim)
        .find(|d| !d.contains('=') && directive_level(d).is_some())
        .map(|d| d.to_ascii_uppercase())
        .unwrap_or_else(|| "ERROR".to_string())
}

impl Loggers {
    fn root(&self) -> LoggerLevel {
        self.levels.get(ROOT).cloned().unwrap_or(LoggerLevel {
            level: base_root_level(&self.base),
            last_modified: None,
        })
    }

    /// The level in effect for `logger`: its own, else its nearest set ancestor's
    /// (module path prefixes), else root's.
    fn effective(&self, logger: &str) -> LoggerLevel {
        let mut name = logger;
        loop {
            if let Some(l) = self.levels.get(name) {
                return l.clone();
            }
            match name.rfind("::") {
                Some(i) => name = &name[..i],
                None => return self.root(),
            }
        }
    }

    /// The loggers with `logger` (and its descendants, or every one for root) set to
    /// `level`, and the names changed; `self` is left as it is.
    fn with_level(&self, logger: &str, level: &str, now: i64) -> (Loggers, Vec<String>) {
        let prefix = format!("{logger}::");
        let mut affected: Vec<String> = self
            .levels
            .keys()
            .filter(|n| logger == ROOT || n.starts_with(&prefix))
            .cloned()
            .collect();
        affected.push(logger.to_string());
        affected.sort();
        affected.dedup();
        let entry = LoggerLevel {
            level: level.to_string(),
            last_modified: Some(now),
        };
        let mut levels = self.levels.clone();
        for name in &affected {
            levels.insert(name.clone(), entry.clone());
        }
        let next = Loggers {
            base: self.base.clone(),
            levels,
        };
        (next, affected)
    }

    fn directives(&self) -> String {
        let mut parts: Vec<String> = self
            .base
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .filter(|d| !self.levels.contains_key(ROOT) || d.contains('='))
            .map(str::to_string)
            .collect();
        for (name, l) in &self.levels {
            let level = directive_level(&l.level).unwrap_or("info");
            if name == ROOT {
                parts.insert(0, level.to_string());
            } else {
                parts.push(format!("{name}={level}"));
            }
        }
        parts.join(",")
    }
}

/// `GET /admin/loggers`: every logger whose level is set, and root.
pub fn all() -> BTreeMap<String, LoggerLevel> {
    let Ok(s) = state().lock() else {
        return BTreeMap::new();
    };
    let mut out = s.levels.clone();
    out.insert(ROOT.to_string(), s.root());
    out
}

/// `GET /admin/loggers/{logger}`: its level, the effective one if not set itself.
pub fn get(logger: &str) -> Result<Response, ApiError> {
    let s = state()
        .lock()
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "logger state poisoned"))?;
    Ok(json(StatusCode::OK, &s.effective(logger)))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `PUT /admin/loggers/{logger}[?scope=worker|cluster]` with `{"level": "DEBUG"}`:
/// worker scope answers 200 with the loggers changed on this worker; cluster scope
/// stores the level (every worker applies it, see [`follow`]) and answers 204.
pub async fn set(herder: &Herder, logger: &str, request: &Request) -> Result<Response, ApiError> {
    let body = request.json()?;
    let Value::Object(map) = body else {
        return Err(ApiError::bad_request(format!(
            "Request body must be a JSON object with \"level\", not {}",
            json_kind(&body)
        )));
    };
    let level = match map.get("level") {
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(
                "Desired 'level' parameter was not specified in request.",
            ))
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if directive_level(&level).is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("invalid log level '{level}'."),
        ));
    }
    let scope = request.query_first("scope").unwrap_or("worker");
    let cluster = scope.eq_ignore_ascii_case("cluster");
    if !cluster && !scope.eq_ignore_ascii_case("worker") {
        tracing::warn!(scope, "invalid logging scope; defaulting to worker");
    }
    let level = level.to_ascii_uppercase();
    if cluster {
        herder.set_cluster_logger_level(logger, &level).await?;
        return Ok(empty(StatusCode::NO_CONTENT));
    }
    Ok(json(StatusCode::OK, &set_level(logger, &level)?))
}

/// Applies the cluster-wide levels of the store on this worker, now and whenever they
/// change, until the store goes away.
pub async fn follow(herder: Arc<Herder>) {
    let mut changes = herder.subscribe();
    let mut applied: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let levels = herder.cluster_logger_levels();
        if levels != applied {
            // Parents before children (sorted names), so a child's own level wins.
            for (logger, level) in &levels {
                if applied.get(logger) != Some(level) {
                    if let Err(e) = set_level(logger, level) {
                        tracing::warn!(
                            logger,
                            level,
                            "cannot apply the cluster log level: {}",
                            e.message
                        );
                    }
                }
            }
            applied = levels;
        }
        if changes.changed().await.is_err() {
            return;
        }
    }
}

/// Sets `logger` and the set loggers below it; returns their names, sorted.
fn set_level(logger: &str, level: &str) -> Result<Vec<String>, ApiError> {
    let mut s = state()
        .lock()
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "logger state poisoned"))?;
    let (next, affected) = s.with_level(logger, level, now_ms());
    // The new levels are kept only once the filter built from them is in place: a
    // refused one (a name tracing cannot parse) must not poison later changes.
    if let Some(reload) = RELOAD.get() {
        let directives = next.directives();
        let filter = tracing_subscriber::EnvFilter::try_new(&directives).map_err(|e| {
            ApiError::bad_request(format!("Cannot set the log level of {logger}: {e}"))
        })?;
        reload(filter).map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Cannot set the log level of {logger}: {e}"),
            )
        })?;
    }
    *s = next;
    tracing::info!(logger, level, "log level changed");
    Ok(affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_put_set_levels_after_the_base() {
        let s = Loggers {
            base: "info,librdkafka=warn".into(),
            levels: BTreeMap::from([(
                "raftconnect::runtime".to_string(),
                LoggerLevel {
                    level: "DEBUG".into(),
                    last_modified: Some(1),
                },
            )]),
        };
        assert_eq!(
            s.directives(),
            "info,librdkafka=warn,raftconnect::runtime=debug"
        );
        assert_eq!(s.effective("raftconnect::runtime::worker").level, "DEBUG");
        assert_eq!(s.effective("raftconnect::rest").level, "INFO");
        let mut s = s;
        s.levels.insert(
            ROOT.into(),
            LoggerLevel {
                level: "FATAL".into(),
                last_modified: Some(2),
            },
        );
        assert_eq!(
            s.directives(),
            "error,librdkafka=warn,raftconnect::runtime=debug"
        );
    }

    #[test]
    fn with_level_leaves_the_current_levels_alone() {
        let s = Loggers {
            base: "info".into(),
            levels: BTreeMap::new(),
        };
        let (next, affected) = s.with_level("a=b,c", "DEBUG", 5);
        assert_eq!(affected, vec!["a=b,c".to_string()]);
        assert!(s.levels.is_empty(), "only the returned state changes");
        assert_eq!(next.levels["a=b,c"].last_modified, Some(5));
        assert!(tracing_subscriber::EnvFilter::try_new(next.directives()).is_err());
    }
}
