//! A small S3 client over reqwest with SigV4: the operations the sink needs
//! (PutObject, multipart upload, HeadBucket) and the ones recovery and tests need
//! (ListObjectsV2, GetObject). Failed requests are retried with exponential backoff and
//! full jitter (`s3.retry.backoff.ms`, `s3.part.retries`) on connection errors, 5xx,
//! and throttling; then the error carries the server's own code and message.

use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use reqwest::{Method, StatusCode};

use crate::credentials::Credentials;
use crate::error::S3Error;
use crate::sigv4::{self, Signer};

/// Where the bucket lives and how to address it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: String,
    /// `host` or `host:port`, as the Host header carries it.
    pub authority: String,
    /// A path prefix of the endpoint URL (usually empty), without a trailing slash.
    pub base_path: String,
    /// Path-style (`/bucket/key`) rather than virtual-hosted (`bucket.host/key`).
    pub path_style: bool,
}

impl Endpoint {
    /// `store.url` (any S3-compatible endpoint), or AWS's regional endpoint.
    pub fn parse(
        store_url: Option<&str>,
        region: &str,
        path_style: bool,
    ) -> Result<Endpoint, String> {
        let raw = match store_url.map(str::trim).filter(|s| !s.is_empty()) {
            Some(url) => url.to_string(),
            None => format!("https://s3.{region}.amazonaws.com"),
        };
        let url = reqwest::Url::parse(&raw).map_err(|e| format!("not a URL ({e})"))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(format!(
                "scheme must be http or https, not {}",
                url.scheme()
            ));
        }
        let host = url.host_str().ok_or("the URL has no host")?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        Ok(Endpoint {
            scheme: url.scheme().to_string(),
            authority,
            base_path: url.path().trim_end_matches('/').to_string(),
            path_style,
        })
    }
}

/// How failed requests are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff; it doubles per retry (with full jitter), up to [`MAX_BACKOFF`].
    pub backoff: Duration,
}

/// The longest wait between two attempts (as the AWS SDK's default).
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
}

/// A successful response.
struct Response {
    headers: reqwest::header::HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
pub struct S3Client {
    http: reqwest::Client,
    endpoint: Endpoint,
    bucket: String,
    signer: Signer,
    retry: RetryPolicy,
}

impl std::fmt::Debug for S3Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Client")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .finish()
    }
}

/// What a request is, for signing, sending and error messages.
struct Call<'a> {
    op: &'static str,
    method: Method,
    /// None for bucket-level operations.
    key: Option<&'a str>,
    query: Vec<(String, String)>,
    body: Bytes,
}

impl S3Client {
    pub fn new(
        endpoint: Endpoint,
        bucket: impl Into<String>,
        region: impl Into<String>,
        credentials: Credentials,
        retry: RetryPolicy,
    ) -> Result<S3Client, S3Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // Generous: a 25 MB part over a slow link; a stuck request is retried.
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| S3Error::encode("building the HTTP client", e))?;
        Ok(S3Client {
            http,
            endpoint,
            bucket: bucket.into(),
            signer: Signer {
                access_key_id: credentials.access_key_id,
                secret_access_key: credentials.secret_access_key,
                session_token: credentials.session_token,
                region: region.into(),
                service: "s3".into(),
            },
            retry,
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The signing region.
    pub fn region(&self) -> &str {
        &self.signer.region
    }

    /// (Host header, encoded path) of a bucket or object.
    fn locate(&self, key: Option<&str>) -> (String, String) {
        let base = &self.endpoint.base_path;
        let key_path = key.map(|k| format!("/{}", sigv4::uri_encode(k, true)));
        if self.endpoint.path_style {
            let path = format!(
                "{base}/{}{}",
                sigv4::uri_encode(&self.bucket, false),
                key_path.unwrap_or_default()
            );
            (self.endpoint.authority.clone(), path)
        } else {
            let host = format!("{}.{}", self.bucket, self.endpoint.authority);
            (
                host,
                format!("{base}{}", key_path.unwrap_or_else(|| "/".into())),
            )
        }
    }

    fn target(&self, key: Option<&str>) -> String {
        match key {
            Some(k) => format!("s3://{}/{}", self.bucket, k),
            None => format!("s3://{}", self.bucket),
        }
    }

    /// Sends `call`, retrying what is worth retrying.
    async fn execute(&self, call: Call<'_>) -> Result<Response, S3Error> {
        let (host, path) = self.locate(call.key);
        let query = sigv4::canonical_query(&call.query);
        let url = if query.is_empty() {
            format!("{}://{host}{path}", self.endpoint.scheme)
        } else {
            format!("{}://{host}{path}?{query}", self.endpoint.scheme)
        };
        let payload_hash = sigv4::sha256_hex(&call.body);
        let mut attempt = 0u32;
        loop {
            let result = self.attempt(&call, &host, &path, &url, &payload_hash).await;
            let error = match result {
                Ok(response) => return Ok(response),
                Err(e) => e,
            };
            let retriable = match &error {
                S3Error::Transport { .. } => true,
                S3Error::Server { status, code, .. } => is_retriable(*status, code),
                _ => false,
            };
            if !retriable || attempt >= self.retry.retries {
                return Err(error);
            }
            let wait = backoff(self.retry.backoff, attempt);
            tracing::warn!(
                "{error}; retry {} of {} in {} ms",
                attempt + 1,
                self.retry.retries,
                wait.as_millis()
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        call: &Call<'_>,
        host: &str,
        path: &str,
        url: &str,
        payload_hash: &str,
    ) -> Result<Response, S3Error> {
        let now = Utc::now();
        let amz_date = sigv4::amz_date(&now);
        let mut headers = vec![
            ("host".to_string(), host.to_string()),
            ("x-amz-content-sha256".to_string(), payload_hash.to_string()),
            ("x-amz-date".to_string(), amz_date),
        ];
        if let Some(token) = &self.signer.session_token {
            headers.push(("x-amz-security-token".to_string(), token.clone()));
        }
        let authorization = self.signer.authorization(
            &sigv4::Request {
                method: call.method.as_str(),
                encoded_path: path,
                query: &call.query,
                headers: &headers,
                payload_hash,
            },
            &now,
        );
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .header("authorization", authorization);
        for (name, value) in headers.iter().filter(|(n, _)| n != "host") {
            request = request.header(name.as_str(), value.as_str());
        }
        if !call.body.is_empty() || call.method == Method::PUT {
            request = request.body(call.body.clone());
        }
        let target = self.target(call.key);
        let response = request.send().await.map_err(|e| S3Error::Transport {
            operation: call.op,
            target: target.clone(),
            message: error_chain(&e),
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| S3Error::Transport {
            operation: call.op,
            target: target.clone(),
            message: format!("reading the response: {}", error_chain(&e)),
        })?;
        // CompleteMultipartUpload may answer 200 with an error document.
        if status.is_success() && !body_is_error(&body) {
            return Ok(Response { headers, body });
        }
        let text = String::from_utf8_lossy(&body);
        let (code, message) = match (xml_tag(&text, "Code"), xml_tag(&text, "Message")) {
            (Some(code), message) => (code, message.unwrap_or_default()),
            // HEAD responses have no body: name the status.
            (None, _) => (
                status_code_name(status).to_string(),
                text.trim().chars().take(200).collect(),
            ),
        };
        Err(S3Error::Server {
            operation: call.op,
            target,
            status: status.as_u16(),
            code,
            message,
        })
    }

    /// HeadBucket: the bucket exists and the credentials may use it.
    pub async fn head_bucket(&self) -> Result<(), S3Error> {
        self.execute(Call {
            op: "HeadBucket",
            method: Method::HEAD,
            key: None,
            query: Vec::new(),
            body: Bytes::new(),
        })
        .await
        .map(|_| ())
    }

    /// CreateBucket (tests and tools; the sink never creates buckets).
    pub async fn create_bucket(&self) -> Result<(), S3Error> {
        self.execute(Call {
            op: "CreateBucket",
            method: Method::PUT,
            key: None,
            query: Vec::new(),
            body: Bytes::new(),
        })
        .await
        .map(|_| ())
    }

    pub async fn put_object(&self, key: &str, body: Bytes) -> Result<(), S3Error> {
        self.execute(Call {
            op: "PutObject",
            method: Method::PUT,
            key: Some(key),
            query: Vec::new(),
            body,
        })
        .await
        .map(|_| ())
    }

    pub async fn get_object(&self, key: &str) -> Result<Bytes, S3Error> {
        self.execute(Call {
            op: "GetObject",
            method: Method::GET,
            key: Some(key),
            query: Vec::new(),
            body: Bytes::new(),
        })
        .await
        .map(|r| r.body)
    }

    /// Starts a multipart upload; returns its upload id.
    pub async fn create_multipart_upload(&self, key: &str) -> Result<String, S3Error> {
        let response = self
            .execute(Call {
                op: "CreateMultipartUpload",
                method: Method::POST,
                key: Some(key),
                query: vec![("uploads".into(), String::new())],
                body: Bytes::new(),
            })
            .await?;
        let text = String::from_utf8_lossy(&response.body);
        xml_tag(&text, "UploadId").ok_or_else(|| S3Error::Server {
            operation: "CreateMultipartUpload",
            target: self.target(Some(key)),
            status: 200,
            code: "MissingUploadId".into(),
            message: format!("no UploadId in the response: {}", text.trim()),
        })
    }

    /// Uploads part `part_number` (from 1); returns its ETag.
    pub async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Bytes,
    ) -> Result<String, S3Error> {
        let response = self
            .execute(Call {
                op: "UploadPart",
                method: Method::PUT,
                key: Some(key),
                query: vec![
                    ("partNumber".into(), part_number.to_string()),
                    ("uploadId".into(), upload_id.to_string()),
                ],
                body,
            })
            .await?;
        response
            .headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| S3Error::Server {
                operation: "UploadPart",
                target: self.target(Some(key)),
                status: 200,
                code: "MissingETag".into(),
                message: format!("no ETag for part {part_number}"),
            })
    }

    /// Completes a multipart upload from its parts' (number, ETag), in order.
    pub async fn complete_multipart_upload(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<(), S3Error> {
        let mut xml = String::from("<CompleteMultipartUpload>");
        for (number, etag) in parts {
            xml.push_str(&format!(
                "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>",
                xml_escape(etag)
            ));
        }
        xml.push_str("</CompleteMultipartUpload>");
        self.execute(Call {
            op: "CompleteMultipartUpload",
            method: Method::POST,
            key: Some(key),
            query: vec![("uploadId".into(), upload_id.to_string())],
            body: Bytes::from(xml),
        })
        .await
        .map(|_| ())
    }

    pub async fn abort_multipart_upload(&self, key: &str, upload_id: &str) -> Result<(), S3Error> {
        self.execute(Call {
            op: "AbortMultipartUpload",
            method: Method::DELETE,
            key: Some(key),
            query: vec![("uploadId".into(), upload_id.to_string())],
            body: Bytes::new(),
        })
        .await
        .map(|_| ())
    }

    /// ListObjectsV2 of every object under `prefix`, following continuation tokens.
    pub async fn list_objects(&self, prefix: &str) -> Result<Vec<ObjectInfo>, S3Error> {
        let mut objects = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![
                ("list-type".to_string(), "2".to_string()),
                ("prefix".to_string(), prefix.to_string()),
            ];
            if let Some(t) = &token {
                query.push(("continuation-token".into(), t.clone()));
            }
            let response = self
                .execute(Call {
                    op: "ListObjectsV2",
                    method: Method::GET,
                    key: None,
                    query,
                    body: Bytes::new(),
                })
                .await?;
            let text = String::from_utf8_lossy(&response.body);
            for contents in xml_blocks(&text, "Contents") {
                if let Some(key) = xml_tag(contents, "Key") {
                    let size = xml_tag(contents, "Size")
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    objects.push(ObjectInfo { key, size });
                }
            }
            let truncated = xml_tag(&text, "IsTruncated").as_deref() == Some("true");
            token = xml_tag(&text, "NextContinuationToken");
            if !truncated || token.is_none() {
                break;
            }
        }
        Ok(objects)
    }
}

/// 5xx, 429 and S3's throttling/timeouts codes are transient; 4xx are not.
fn is_retriable(status: u16, code: &str) -> bool {
    status >= 500
        || status == 429
        || matches!(
            code,
            "SlowDown"
                | "Throttling"
                | "ThrottlingException"
                | "RequestTimeout"
                | "RequestTimeTooSkewed"
        )
}

/// Exponential backoff with full jitter: uniform in [0, min(max, base * 2^attempt)].
fn backoff(base: Duration, attempt: u32) -> Duration {
    let cap = base
        .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF);
    let cap_ms = cap.as_millis() as u64;
    if cap_ms == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(random_u64() % (cap_ms + 1))
}

/// A random number from std's per-process hash keys (no rand crate for one jitter).
fn random_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

fn body_is_error(body: &[u8]) -> bool {
    let head = &body[..body.len().min(512)];
    let text = String::from_utf8_lossy(head);
    text.contains("<Error>")
}

/// S3's names for the statuses of bodiless (HEAD) errors.
fn status_code_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        301 => "PermanentRedirect",
        400 => "BadRequest",
        403 => "Forbidden",
        404 => "NotFound",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

/// The text of the first `<tag>...</tag>`, XML-unescaped.
pub(crate) fn xml_tag(text: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&close)? + start;
    Some(xml_unescape(&text[start..end]))
}

/// The inner texts of every `<tag>...</tag>`.
fn xml_blocks<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        blocks.push(&after[..j]);
        rest = &after[j + close.len()..];
    }
    blocks
}

fn xml_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_addressing() {
        let e = Endpoint::parse(Some("http://127.0.0.1:9000"), "us-east-1", true).unwrap();
        assert_eq!(
            (e.scheme.as_str(), e.authority.as_str()),
            ("http", "127.0.0.1:9000")
        );
        let aws = Endpoint::parse(None, "eu-west-1", true).unwrap();
        assert_eq!(aws.authority, "s3.eu-west-1.amazonaws.com");
        assert!(Endpoint::parse(Some("ftp://x"), "r", true).is_err());
        assert!(Endpoint::parse(Some("not a url"), "r", true).is_err());

        let creds = Credentials {
            access_key_id: "a".into(),
            secret_access_key: "b".into(),
            session_token: None,
            source: String::new(),
        };
        let retry = RetryPolicy {
            retries: 0,
            backoff: Duration::ZERO,
        };
        let c = S3Client::new(e, "bkt", "us-east-1", creds.clone(), retry).unwrap();
        assert_eq!(
            c.locate(Some("topics/t/t+0+01.json")),
            (
                "127.0.0.1:9000".to_string(),
                "/bkt/topics/t/t%2B0%2B01.json".to_string()
            )
        );
        let vh = Endpoint::parse(None, "eu-west-1", false).unwrap();
        let c = S3Client::new(vh, "bkt", "eu-west-1", creds, retry).unwrap();
        assert_eq!(
            c.locate(None),
            (
                "bkt.s3.eu-west-1.amazonaws.com".to_string(),
                "/".to_string()
            )
        );
    }

    #[test]
    fn xml_parsing() {
        let list = "<ListBucketResult><IsTruncated>true</IsTruncated>\
            <Contents><Key>a&amp;b</Key><Size>3</Size></Contents>\
            <Contents><Key>c</Key><Size>10</Size></Contents>\
            <NextContinuationToken>tok</NextContinuationToken></ListBucketResult>";
        let keys: Vec<String> = xml_blocks(list, "Contents")
            .into_iter()
            .filter_map(|b| xml_tag(b, "Key"))
            .collect();
        assert_eq!(keys, vec!["a&b", "c"]);
        assert_eq!(
            xml_tag(list, "NextContinuationToken").as_deref(),
            Some("tok")
        );
        assert!(body_is_error(
            b"<?xml version=\"1.0\"?><Error><Code>InternalError</Code></Error>"
        ));
    }

    #[test]
    fn retry_classification_and_backoff_bounds() {
        assert!(is_retriable(503, "SlowDown"));
        assert!(is_retriable(500, "InternalError"));
        assert!(is_retriable(400, "RequestTimeout"));
        assert!(!is_retriable(403, "SignatureDoesNotMatch"));
        assert!(!is_retriable(404, "NoSuchBucket"));
        for attempt in 0..40 {
            let b = backoff(Duration::from_millis(200), attempt);
            assert!(b <= MAX_BACKOFF);
            assert!(b <= Duration::from_millis(200u64 << attempt.min(20)));
        }
    }
}
