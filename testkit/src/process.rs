//! raftconnect worker processes for tests, and small waiting helpers.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 for a server a test is about to start.
///
/// Ports come from 20000-31999, below the kernel's ephemeral range (32768+): a port
/// taken from the ephemeral range could be handed to some client's outgoing
/// connection between this check and the server's bind. Each test process walks its
/// own slice of the range (by pid) and never hands out the same port twice.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    let start = (std::process::id() * 97) % SPAN;
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (LOW + (start + n) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in 20000-31999");
}

/// Polls `cond` every 50 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `raftconnect standalone` process.
pub struct Worker {
    child: Option<Child>,
    pub log: PathBuf,
    pub rest_port: u16,
}

impl Worker {
    /// Starts `bin standalone worker.properties connectors...`, logging to `log`.
    pub fn standalone(
        bin: &Path,
        worker_props: &Path,
        connectors: &[&Path],
        log: &Path,
        rest_port: u16,
    ) -> Worker {
        let mut args = vec!["standalone".to_string(), worker_props.display().to_string()];
        args.extend(connectors.iter().map(|c| c.display().to_string()));
        Worker::spawn(bin, &args, log, rest_port)
    }

    /// Starts `bin args...` (e.g. a `node` of a cluster), logging to `log`.
    pub fn spawn(bin: &Path, args: &[String], log: &Path, rest_port: u16) -> Worker {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("worker log");
        let child = Command::new(bin)
            .args(args)
            .env("RAFTCONNECT_LOG", "info,raftconnect=debug")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log handle"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        Worker {
            child: Some(child),
            log: log.to_path_buf(),
            rest_port,
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// SIGTERM, then wait for a clean exit (up to `timeout`); returns the exit code.
    pub fn stop(&mut self, timeout: Duration) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let end = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            if Instant::now() >= end {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGSTOP: the process freezes (as a long GC pause or a VM stall would).
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// SIGCONT.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").arg(sig).arg(pid.to_string()).status();
        }
    }

    /// SIGKILL: no chance to commit anything.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill9();
    }
}
