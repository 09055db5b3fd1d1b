//! An OpenSearch-compatible server (osmem-server, in memory) for the Elasticsearch
//! sink's tests and benchmarks: `_bulk` with external versions, `_doc`, `_count`,
//! `_refresh`, `_search`, updates with `doc_as_upsert`, deletes and dynamic-mapping
//! errors, as OpenSearch answers them. No authentication.
//!
//! The binary is `$OSMEM_SERVER_BIN` (scripts/install-test-servers.sh puts it in
//! ~/.cache/raftconnect). It picks a free port itself (`-addr 127.0.0.1:0`) and prints
//! one JSON line with its `url` on stdout; it exits when the test process does
//! (`-parent-pid`), and [`SearchServer`] kills it on drop.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::http::request_to;
use crate::process::wait_until;

/// The osmem-server binary: `$OSMEM_SERVER_BIN`, else where the install script puts it.
pub fn osmem_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("OSMEM_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let cache = std::env::var_os("RAFTCONNECT_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/raftconnect")
        });
    cache.join("osmem-0.1.6/bin/osmem-server")
}

/// A running osmem-server.
pub struct SearchServer {
    child: Child,
    /// `http://127.0.0.1:PORT`, what `connection.url` takes.
    pub url: String,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl SearchServer {
    /// Starts a fresh, empty server and waits until it answers. Panics (with its log)
    /// when it cannot start.
    pub fn start() -> SearchServer {
        let bin = osmem_bin();
        assert!(
            bin.exists(),
            "osmem-server not found at {} (run scripts/install-test-servers.sh)",
            bin.display()
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("osmem.log");
        let err = std::fs::File::create(&log).expect("osmem log");
        let mut child = Command::new(&bin)
            .args(["-addr", "127.0.0.1:0", "-no-stdin-watch", "-no-ja"])
            .arg("-parent-pid")
            .arg(std::process::id().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        // The first stdout line: {"url":"http://127.0.0.1:PORT","pid":...}.
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let url = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v.get("url").and_then(|u| u.as_str()).map(str::to_string));
        let Some(url) = url else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "osmem-server did not print its address (stdout: {line:?}); log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let addr: SocketAddr = url
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|e| panic!("osmem-server address {url}: {e}"));
        let mut server = SearchServer {
            child,
            url,
            addr,
            _dir: dir,
            log,
        };
        let up = wait_until(Duration::from_secs(20), || {
            server
                .request("GET", "/", None)
                .is_some_and(|(s, _)| s == 200)
        });
        if !up {
            let log = server.log_text();
            let _ = server.child.kill();
            panic!("osmem-server at {} did not answer; log:\n{log}", server.url);
        }
        server
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends a request; the status and body, or None when the server is unreachable.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
        request_to(self.addr, method, path, body, Duration::from_secs(10)).ok()
    }

    fn json(&self, method: &str, path: &str, body: Option<&str>) -> (u16, serde_json::Value) {
        let (status, text) = self
            .request(method, path, body)
            .unwrap_or_else(|| panic!("osmem-server at {} is unreachable", self.url));
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, value)
    }

    /// Makes recent writes visible to search and count.
    pub fn refresh(&self, index: &str) {
        self.json("POST", &format!("/{index}/_refresh"), None);
    }

    /// The number of documents in `index` (after a refresh); 0 when it does not exist.
    pub fn count(&self, index: &str) -> u64 {
        self.refresh(index);
        let (status, v) = self.json("GET", &format!("/{index}/_count"), None);
        if status == 404 {
            return 0;
        }
        v.get("count")
            .and_then(|c| c.as_u64())
            .unwrap_or_else(|| panic!("count of {index}: HTTP {status}: {v}"))
    }

    /// The document's `_source` and `_version`, None when it does not exist.
    pub fn get(&self, index: &str, id: &str) -> Option<(serde_json::Value, i64)> {
        let (status, v) = self.json("GET", &format!("/{index}/_doc/{id}"), None);
        if status == 404 || v.get("found").and_then(|f| f.as_bool()) != Some(true) {
            return None;
        }
        let version = v.get("_version").and_then(|n| n.as_i64()).unwrap_or(-1);
        Some((v.get("_source").cloned().unwrap_or_default(), version))
    }

    /// Every document of `index` as (id, source), sorted by id (up to `size`).
    pub fn all(&self, index: &str, size: usize) -> Vec<(String, serde_json::Value)> {
        self.refresh(index);
        let body = format!("{{\"size\":{size},\"query\":{{\"match_all\":{{}}}}}}");
        let (status, v) = self.json("POST", &format!("/{index}/_search"), Some(&body));
        if status == 404 {
            return Vec::new();
        }
        let hits = v
            .pointer("/hits/hits")
            .and_then(|h| h.as_array())
            .unwrap_or_else(|| panic!("search of {index}: HTTP {status}: {v}"));
        let mut docs: Vec<(String, serde_json::Value)> = hits
            .iter()
            .map(|h| {
                (
                    h.get("_id")
                        .and_then(|i| i.as_str())
                        .unwrap_or_default()
                        .to_string(),
                    h.get("_source").cloned().unwrap_or_default(),
                )
            })
            .collect();
        docs.sort_by(|a, b| a.0.cmp(&b.0));
        docs
    }
}

impl Drop for SearchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
