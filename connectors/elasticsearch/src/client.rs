//! The HTTP client: round robin over the `connection.url` hosts (a failed attempt moves
//! on to the next one), basic auth, timeouts, and retries with exponential backoff for
//! what is worth retrying (connection errors, timeouts, 429 and 5xx answers).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, StatusCode};

use crate::config::{EsSettings, CONNECTION_URL_CONFIG, CONNECTION_USERNAME_CONFIG};
use crate::error::EsError;

/// The longest wait between two retries, however many there were.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The wait before retry number `attempt` (0-based): `retry.backoff.ms` doubled per
/// attempt, capped.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(attempt.min(20)))
        .min(MAX_BACKOFF)
}

/// Whether an HTTP status is worth retrying: the server is busy or failing, not
/// refusing the request.
pub fn is_retriable_status(status: u16) -> bool {
    status == 429 || status >= 500
}

/// An answer: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct EsClient {
    http: reqwest::Client,
    urls: Vec<String>,
    next: AtomicUsize,
    auth: Option<(String, String)>,
    max_retries: u32,
    retry_backoff: Duration,
}

impl EsClient {
    pub fn new(settings: &EsSettings) -> Result<EsClient, EsError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connection_timeout)
            .read_timeout(settings.read_timeout)
            .pool_max_idle_per_host(settings.max_in_flight_requests);
        if let Some(idle) = settings.max_connection_idle {
            builder = builder.pool_idle_timeout(idle);
        }
        let http = builder.build().map_err(|e| EsError::Http {
            context: "Failed to build the HTTP client".into(),
            source: e,
        })?;
        Ok(EsClient {
            http,
            urls: settings.urls.clone(),
            next: AtomicUsize::new(0),
            auth: settings.username.clone().zip(settings.password.clone()),
            max_retries: settings.max_retries,
            retry_backoff: settings.retry_backoff,
        })
    }

    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    pub fn retry_backoff(&self) -> Duration {
        self.retry_backoff
    }

    /// The next host, round robin.
    fn host(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.urls.len();
        &self.urls[i]
    }

    /// One attempt against one host.
    async fn send_to(
        &self,
        base: &str,
        method: Method,
        path: &str,
        body: Option<(Bytes, &'static str)>,
    ) -> Result<Answer, reqwest::Error> {
        let mut req = self.http.request(method, format!("{base}{path}"));
        if let Some((user, password)) = &self.auth {
            req = req.basic_auth(user, Some(password));
        }
        if let Some((body, content_type)) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await?;
        Ok(Answer { status, body })
    }

    /// Sends a request, retrying connection errors, timeouts, 429 and 5xx answers up
    /// to `max.retries` times on the next hosts, with exponential backoff. Returns the
    /// last answer (which may be an error status the caller interprets) or, when no
    /// attempt got an answer, the last connection error.
    pub async fn send(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<(Bytes, &'static str)>,
    ) -> Result<Answer, EsError> {
        let mut attempt = 0;
        loop {
            let base = self.host().to_string();
            let result = self
                .send_to(&base, method.clone(), path, body.clone())
                .await;
            let (retry_reason, last_error) = match result {
                Ok(answer) if !is_retriable_status(answer.status) => return Ok(answer),
                Ok(answer) => (
                    format!("HTTP {}: {:.300}", answer.status, answer.text()),
                    EsError::Status {
                        context: format!("Failed to {what} after {} attempts", attempt + 1),
                        status: answer.status,
                        body: answer.text(),
                    },
                ),
                Err(e) => (
                    e.to_string(),
                    EsError::Http {
                        context: format!(
                            "Failed to {what} after {} attempts (last host {base})",
                            attempt + 1
                        ),
                        source: e,
                    },
                ),
            };
            if attempt >= self.max_retries {
                return Err(last_error);
            }
            let wait = backoff(self.retry_backoff, attempt);
            tracing::warn!(
                "Failed to {what} on {base} (attempt {} of {}): {retry_reason}; retrying in {wait:?}",
                attempt + 1,
                self.max_retries + 1
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// `POST /_bulk` with an NDJSON body; the answer body on 200, an error otherwise.
    pub async fn bulk(&self, body: Bytes) -> Result<Bytes, EsError> {
        let answer = self
            .send(
                "execute a bulk request",
                Method::POST,
                "/_bulk",
                Some((body, "application/x-ndjson")),
            )
            .await?;
        if answer.status != 200 {
            return Err(EsError::Status {
                context: "Bulk request failed".into(),
                status: answer.status,
                body: answer.text(),
            });
        }
        Ok(answer.body)
    }

    /// Creates `index` unless it exists (Confluent's `createIndexOrDataStream`).
    pub async fn create_index(&self, index: &str) -> Result<bool, EsError> {
        let answer = self
            .send(
                &format!("create index {index}"),
                Method::PUT,
                &format!("/{}", urlencode(index)),
                None,
            )
            .await?;
        match answer.status {
            200..=299 => Ok(true),
            400 if answer.text().contains("resource_already_exists_exception") => Ok(false),
            status => Err(EsError::Status {
                context: format!("Failed to create index {index}"),
                status,
                body: answer.text(),
            }),
        }
    }

    /// The mapping of `index` (`GET /{index}/_mapping`).
    pub async fn mapping(&self, index: &str) -> Result<serde_json::Value, EsError> {
        let path = format!("/{}/_mapping", urlencode(index));
        let answer = self
            .send(
                &format!("get the mapping of index {index}"),
                Method::GET,
                &path,
                None,
            )
            .await?;
        if answer.status != 200 {
            return Err(EsError::Status {
                context: format!("Failed to get the mapping of index {index}"),
                status: answer.status,
                body: answer.text(),
            });
        }
        serde_json::from_slice(&answer.body)
            .map_err(|e| EsError::Failed(format!("The mapping of index {index} is not JSON: {e}")))
    }

    /// Puts `mapping` on `index` (`PUT /{index}/_mapping`).
    pub async fn put_mapping(
        &self,
        index: &str,
        mapping: &serde_json::Value,
    ) -> Result<(), EsError> {
        let path = format!("/{}/_mapping", urlencode(index));
        let body = Bytes::from(mapping.to_string());
        let answer = self
            .send(
                &format!("create the mapping of index {index}"),
                Method::PUT,
                &path,
                Some((body, "application/json")),
            )
            .await?;
        if !(200..300).contains(&answer.status) {
            return Err(EsError::Status {
                context: format!("Failed to create the mapping of index {index}"),
                status: answer.status,
                body: answer.text(),
            });
        }
        Ok(())
    }

    /// Checks the hosts answer `GET /` with these credentials (Confluent's
    /// `validateConnection`): one reachable host is enough (the others are failovers),
    /// but any host refusing the credentials is an error. Names the key to fix:
    /// `connection.url` when no host can be reached, `connection.username` when the
    /// credentials are refused.
    pub async fn check_connection(&self) -> Result<(), EsError> {
        let mut unreachable = Vec::new();
        for base in &self.urls {
            match self.send_to(base, Method::GET, "/", None).await {
                Ok(answer) => match check_answer(base, &answer) {
                    Ok(()) => {}
                    Err(e) if e.key() == Some(CONNECTION_USERNAME_CONFIG) => return Err(e),
                    Err(e) => unreachable.push(e.to_string()),
                },
                Err(e) => unreachable.push(format!("{base}: {e}")),
            }
        }
        if unreachable.len() == self.urls.len() {
            return Err(EsError::config(
                CONNECTION_URL_CONFIG,
                format!(
                    "Could not connect to Elasticsearch. Error message: {}",
                    unreachable.join("; ")
                ),
            ));
        }
        for problem in unreachable {
            tracing::warn!("Elasticsearch host not reachable (the others are): {problem}");
        }
        Ok(())
    }
}

/// What a `GET /` answer says about the connection settings.
pub fn check_answer(base: &str, answer: &Answer) -> Result<(), EsError> {
    match StatusCode::from_u16(answer.status) {
        Ok(s) if s.is_success() => Ok(()),
        Ok(StatusCode::UNAUTHORIZED) | Ok(StatusCode::FORBIDDEN) => Err(EsError::config(
            CONNECTION_USERNAME_CONFIG,
            format!(
                "Could not authenticate the user at {base} (HTTP {}). Check the 'connection.username' and 'connection.password'. Error message: {:.300}",
                answer.status,
                answer.text()
            ),
        )),
        _ => Err(EsError::config(
            CONNECTION_URL_CONFIG,
            format!(
                "Could not connect to Elasticsearch at {base}: HTTP {}: {:.300}",
                answer.status,
                answer.text()
            ),
        )),
    }
}

/// Index names are lower-case and free of most punctuation; escape what a path needs.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'+' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_millis(100);
        assert_eq!(backoff(base, 0), Duration::from_millis(100));
        assert_eq!(backoff(base, 3), Duration::from_millis(800));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }

    #[test]
    fn retriable_statuses() {
        assert!(is_retriable_status(429));
        assert!(is_retriable_status(503));
        assert!(!is_retriable_status(400));
        assert!(!is_retriable_status(401));
    }

    #[test]
    fn connection_answers_name_the_key_to_fix() {
        let answer = |status| Answer {
            status,
            body: Bytes::from_static(b"{\"error\":\"security_exception\"}"),
        };
        assert!(check_answer("http://h", &answer(200)).is_ok());
        let key = |status| {
            check_answer("http://h", &answer(status))
                .err()
                .and_then(|e| e.key().map(str::to_string))
        };
        assert_eq!(key(401).as_deref(), Some(CONNECTION_USERNAME_CONFIG));
        assert_eq!(key(403).as_deref(), Some(CONNECTION_USERNAME_CONFIG));
        assert_eq!(key(404).as_deref(), Some(CONNECTION_URL_CONFIG));
    }

    #[test]
    fn index_paths_are_escaped() {
        assert_eq!(urlencode("my-index.v1"), "my-index.v1");
        assert_eq!(urlencode("a b/c"), "a%20b%2Fc");
    }
}
