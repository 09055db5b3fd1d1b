//! An S3-compatible server (s3s-fs over a temporary directory) for the S3 sink's tests.
//!
//! [`S3Server::start`] runs `s3s-fs` (scripts/install-test-servers.sh installs it at
//! `$S3S_FS_BIN`) on a free loopback port with an access key and secret, so every
//! request must carry a valid SigV4 signature. s3s-fs keeps bucket `b`'s object `k` in
//! the file `<root>/b/k` (its own bookkeeping lives in dot-files at the root), so tests
//! read what the sink wrote straight from the directory. Dropping the handle kills the
//! server and removes the directory.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::free_port;

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "raftconnect-test";
/// Its secret key.
pub const SECRET_KEY: &str = "raftconnect-test-secret";
/// Any region: s3s-fs checks the signature, whatever region it was made for.
pub const REGION: &str = "us-east-1";

const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The s3s-fs binary: `S3S_FS_BIN`, or where scripts/install-test-servers.sh puts it.
pub fn s3s_fs_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("S3S_FS_BIN") {
        return PathBuf::from(bin);
    }
    let cache = std::env::var_os("RAFTCONNECT_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/raftconnect")))
        .unwrap_or_else(|| PathBuf::from(".cache/raftconnect"));
    cache.join("s3s-fs-0.14.1/bin/s3s-fs")
}

pub struct S3Server {
    child: Option<Child>,
    pub port: u16,
    /// The served directory: one subdirectory per bucket.
    root: tempfile::TempDir,
    /// The server's log, kept outside the root (where it would look like a bucket).
    log_dir: tempfile::TempDir,
}

impl S3Server {
    /// Starts a server over a fresh directory; panics with its log if it does not answer.
    pub fn start() -> S3Server {
        let bin = s3s_fs_bin();
        assert!(
            bin.exists(),
            "s3s-fs is not installed at {}: run scripts/install-test-servers.sh",
            bin.display()
        );
        let root = tempfile::tempdir().expect("s3 root dir");
        let log_dir = tempfile::tempdir().expect("s3 log dir");
        let port = free_port();
        let log = std::fs::File::create(log_dir.path().join("s3s-fs.log")).expect("s3s-fs log");
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .env("RUST_LOG", "s3s_fs=info,s3s=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut server = S3Server {
            child: Some(child),
            port,
            root,
            log_dir,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let end = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("s3s-fs exited ({status}) on start; log:\n{}", self.log());
                }
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if Instant::now() >= end {
                panic!(
                    "s3s-fs did not listen on {} within {START_TIMEOUT:?}; log:\n{}",
                    self.port,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:<port>`: the `store.url` of a connector.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a bucket (a directory of the root, as s3s-fs's CreateBucket makes).
    pub fn create_bucket(&self, name: &str) {
        std::fs::create_dir_all(self.root.path().join(name)).expect("create bucket dir");
    }

    /// The keys of every object in `bucket`, sorted.
    pub fn objects(&self, bucket: &str) -> Vec<String> {
        let base = self.root.path().join(bucket);
        let mut keys = Vec::new();
        collect(&base, &base, &mut keys);
        keys.sort();
        keys
    }

    /// The bytes of an object.
    pub fn read(&self, bucket: &str, key: &str) -> Vec<u8> {
        let path = self.root.path().join(bucket).join(key);
        std::fs::read(&path).unwrap_or_else(|e| panic!("read s3://{bucket}/{key}: {e}"))
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_dir.path().join("s3s-fs.log")).unwrap_or_default()
    }

    /// The directory served (for tests that look at the server's files).
    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

fn collect(base: &Path, dir: &Path, keys: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(base, &path, keys);
        } else if let Ok(rel) = path.strip_prefix(base) {
            keys.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
