//! AWS Signature Version 4 (header-based signing), as the S3 API requires it.
//!
//! The steps and names follow AWS's documentation ("Create a signed AWS API request"):
//! canonical request -> string to sign -> signing key -> signature -> Authorization header.
//! The unit tests check each step against AWS's published SigV4 test-suite vectors.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The `x-amz-content-sha256` of an empty body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Who signs, where: the credential scope's parts and the keys.
#[derive(Clone)]
pub struct Signer {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub region: String,
    pub service: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret or the token.
        f.debug_struct("Signer")
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field("service", &self.service)
            .finish()
    }
}

/// A request to sign: the path is already URI-encoded (S3 signs it as sent), query
/// parameters are raw and encoded here.
pub struct Request<'a> {
    pub method: &'a str,
    pub encoded_path: &'a str,
    pub query: &'a [(String, String)],
    /// Headers to sign (name, value); `host` must be among them.
    pub headers: &'a [(String, String)],
    /// Hex SHA-256 of the body (or `UNSIGNED-PAYLOAD`).
    pub payload_hash: &'a str,
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length: new_from_slice cannot fail for it.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 percent-encoding of everything but the unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), and `/` too unless `keep_slash`: AWS's `UriEncode`.
pub fn uri_encode(input: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The query string as signed and as sent: encoded pairs sorted by name, then value.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// (canonical request, signed header names).
pub fn canonical_request(req: &Request<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| {
            // Lower-case names; values trimmed with inner runs of spaces collapsed.
            let value = v.split_whitespace().collect::<Vec<_>>().join(" ");
            (k.to_ascii_lowercase(), value)
        })
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let path = if req.encoded_path.is_empty() {
        "/"
    } else {
        req.encoded_path
    };
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        path,
        canonical_query(req.query),
        canonical_headers,
        signed_headers,
        req.payload_hash
    );
    (canonical, signed_headers)
}

/// `20150830T123600Z`
pub fn amz_date(time: &DateTime<Utc>) -> String {
    time.format("%Y%m%dT%H%M%SZ").to_string()
}

impl Signer {
    fn scope(&self, date: &str) -> String {
        format!("{date}/{}/{}/aws4_request", self.region, self.service)
    }

    pub fn string_to_sign(&self, time: &DateTime<Utc>, canonical_request: &str) -> String {
        let date = time.format("%Y%m%d").to_string();
        format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            amz_date(time),
            self.scope(&date),
            sha256_hex(canonical_request.as_bytes())
        )
    }

    /// The derived key: HMAC chain over date, region, service and "aws4_request".
    fn signing_key(&self, date: &str) -> Vec<u8> {
        let k_date = hmac(
            format!("AWS4{}", self.secret_access_key).as_bytes(),
            date.as_bytes(),
        );
        let k_region = hmac(&k_date, self.region.as_bytes());
        let k_service = hmac(&k_region, self.service.as_bytes());
        hmac(&k_service, b"aws4_request")
    }

    pub fn signature(&self, time: &DateTime<Utc>, string_to_sign: &str) -> String {
        let date = time.format("%Y%m%d").to_string();
        hex::encode(hmac(&self.signing_key(&date), string_to_sign.as_bytes()))
    }

    /// The `Authorization` header value for `req` signed at `time`. The request must
    /// carry the same `x-amz-date` (and `host`, ...) headers it lists.
    pub fn authorization(&self, req: &Request<'_>, time: &DateTime<Utc>) -> String {
        let (canonical, signed_headers) = canonical_request(req);
        let sts = self.string_to_sign(time, &canonical);
        let date = time.format("%Y%m%d").to_string();
        format!(
            "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={}",
            self.access_key_id,
            self.scope(&date),
            signed_headers,
            self.signature(time, &sts)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The credentials and scope of AWS's SigV4 test suite.
    fn suite_signer() -> Signer {
        Signer {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
            region: "us-east-1".into(),
            service: "service".into(),
        }
    }

    fn suite_time() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap()
    }

    fn suite_headers() -> Vec<(String, String)> {
        vec![
            ("Host".into(), "example.amazonaws.com".into()),
            ("X-Amz-Date".into(), "20150830T123600Z".into()),
        ]
    }

    #[test]
    fn get_vanilla() {
        let headers = suite_headers();
        let req = Request {
            method: "GET",
            encoded_path: "/",
            query: &[],
            headers: &headers,
            payload_hash: EMPTY_SHA256,
        };
        let (canonical, signed) = canonical_request(&req);
        assert_eq!(
            canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(signed, "host;x-amz-date");
        let signer = suite_signer();
        let sts = signer.string_to_sign(&suite_time(), &canonical);
        assert_eq!(
            sts,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
             bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        assert_eq!(
            signer.signature(&suite_time(), &sts),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            signer.authorization(&req, &suite_time()),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn get_vanilla_query_order_key_case() {
        // Parameters are sorted by (encoded) name: Param1 before Param2.
        let headers = suite_headers();
        let query = vec![
            ("Param2".to_string(), "value2".to_string()),
            ("Param1".to_string(), "value1".to_string()),
        ];
        let req = Request {
            method: "GET",
            encoded_path: "/",
            query: &query,
            headers: &headers,
            payload_hash: EMPTY_SHA256,
        };
        let (canonical, _) = canonical_request(&req);
        assert_eq!(
            canonical,
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n\
             x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{EMPTY}"
                .replace("{EMPTY}", EMPTY_SHA256)
        );
        let signer = suite_signer();
        let sts = signer.string_to_sign(&suite_time(), &canonical);
        assert_eq!(
            signer.signature(&suite_time(), &sts),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    /// AWS's S3 example "GET Object" (examplebucket, a Range header, signed payload hash).
    #[test]
    fn s3_get_object_example() {
        let signer = Signer {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
            region: "us-east-1".into(),
            service: "s3".into(),
        };
        let time = Utc.with_ymd_and_hms(2013, 5, 24, 0, 0, 0).unwrap();
        let headers = vec![
            (
                "Host".to_string(),
                "examplebucket.s3.amazonaws.com".to_string(),
            ),
            ("Range".to_string(), "bytes=0-9".to_string()),
            ("x-amz-content-sha256".to_string(), EMPTY_SHA256.to_string()),
            ("x-amz-date".to_string(), "20130524T000000Z".to_string()),
        ];
        let req = Request {
            method: "GET",
            encoded_path: "/test.txt",
            query: &[],
            headers: &headers,
            payload_hash: EMPTY_SHA256,
        };
        let (canonical, _) = canonical_request(&req);
        let sts = signer.string_to_sign(&time, &canonical);
        assert_eq!(
            sts,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
             7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        assert_eq!(
            signer.signature(&time, &sts),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn uri_encoding_of_object_keys() {
        assert_eq!(
            uri_encode("topics/t/partition=0/t+0+0000000000.json", true),
            "topics/t/partition%3D0/t%2B0%2B0000000000.json"
        );
        assert_eq!(uri_encode("a b/c~", false), "a%20b%2Fc~");
        assert_eq!(uri_encode("é", true), "%C3%A9");
    }
}
