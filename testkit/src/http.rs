//! A minimal blocking HTTP/1.1 client for tests against the REST API (no extra
//! dependencies: one request per connection, `Connection: close`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Sends `method path` with an optional JSON body to 127.0.0.1:port; returns the status
/// code and body, or None if the server is not reachable.
pub fn request(port: u16, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
    request_to(
        SocketAddr::from(([127, 0, 0, 1], port)),
        method,
        path,
        body,
        Duration::from_secs(10),
    )
    .ok()
}

/// Why a request got no HTTP answer: it never reached the server (`Connect`: nothing
/// happened there), or it did and the answer did not come back (`Lost`: the request may
/// or may not have taken effect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    Connect(String),
    Lost(String),
}

/// Sends `method path` with an optional JSON body to `addr`, waiting at most `timeout`
/// for the connection and again for the answer.
pub fn request_to(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    timeout: Duration,
) -> Result<(u16, String), RequestError> {
    let mut s = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| RequestError::Connect(e.to_string()))?;
    let lost = |e: std::io::Error| RequestError::Lost(e.to_string());
    s.set_read_timeout(Some(timeout)).map_err(lost)?;
    s.set_write_timeout(Some(timeout)).map_err(lost)?;
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(lost)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(lost)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let malformed = || RequestError::Lost(format!("malformed HTTP response: {text:.200}"));
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(malformed)?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(malformed)?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    Ok((
        status,
        if chunked {
            dechunk(rest)
        } else {
            rest.to_string()
        },
    ))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    request(port, "GET", path, None)
}
