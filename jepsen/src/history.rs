//! Jepsen-style operation history: every client operation is recorded twice, once when it
//! is invoked and once when it completes, so checkers can reason about real-time order and
//! concurrency. The history is appended to a JSON-lines file as it happens (one op per
//! line), so a run that crashes still leaves evidence, and a saved run can be re-checked
//! with [`read_history`].
//!
//! Conventions (Jepsen's):
//! - A process has at most one operation in flight.
//! - [`OpType::Info`] means the outcome is unknown (timeout, connection cut, 5xx): the
//!   operation may or may not have taken effect, at any time after its invocation. It is
//!   never counted as failed. After an `Info` the caller retires the process id and uses a
//!   fresh one, because the old operation may still be in flight.
//! - [`OpType::Fail`] means the operation definitely did not take effect.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// What a history line records: an invocation or one of the three completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    /// The client is about to send the request.
    Invoke,
    /// The operation took effect (for a read: `value` is what it returned).
    Ok,
    /// The operation definitely did not take effect.
    Fail,
    /// Unknown outcome: it may take effect at any time after the invocation, or never.
    Info,
}

/// The operation on a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Func {
    Read,
    Write,
}

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Position in the history; strictly increasing, and consistent with `time_ms`.
    pub index: u64,
    /// The logical client (one op in flight at a time).
    pub process: u64,
    #[serde(rename = "type")]
    pub typ: OpType,
    pub f: Func,
    pub key: String,
    /// For a write: the value written. For a read completion: the value read (`None`:
    /// the key has never been written).
    pub value: Option<i64>,
    /// Which cluster node the client asked.
    pub node: u64,
    /// Milliseconds since the start of the run (microsecond resolution).
    pub time_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Op {
    /// True for the invocation line; false for completions.
    pub fn is_invoke(&self) -> bool {
        self.typ == OpType::Invoke
    }
}

/// Errors reading a saved history.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("reading history: {0}")]
    Io(#[from] io::Error),
    #[error("history line {line}: {source}")]
    Parse {
        line: usize,
        #[source]
        source: serde_json::Error,
    },
}

struct Inner {
    out: Option<File>,
    ops: Vec<Op>,
    /// The first write error; reported by [`History::finish`] rather than by every call,
    /// so recording never interrupts the workload.
    write_error: Option<io::Error>,
}

/// Thread-safe history recorder. Index and timestamp are assigned under one lock, so the
/// index order is the real-time order the checkers rely on.
pub struct History {
    start: Instant,
    path: Option<PathBuf>,
    inner: Mutex<Inner>,
}

impl History {
    /// Creates (truncates) the JSON-lines file at `path` and starts the run clock.
    pub fn create(path: impl AsRef<Path>) -> io::Result<History> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)?;
        Ok(History {
            start: Instant::now(),
            path: Some(path),
            inner: Mutex::new(Inner {
                out: Some(file),
                ops: Vec::new(),
                write_error: None,
            }),
        })
    }

    /// A history kept only in memory (tests, dry runs).
    pub fn in_memory() -> History {
        History {
            start: Instant::now(),
            path: None,
            inner: Mutex::new(Inner {
                out: None,
                ops: Vec::new(),
                write_error: None,
            }),
        }
    }

    /// The file the history is written to, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Milliseconds since the run started, on the same clock as `Op::time_ms` (for other
    /// recorders, e.g. offset samples, that must be ordered against the history).
    /// Microsecond resolution: such values survive the JSON round trip exactly.
    pub fn elapsed_ms(&self) -> f64 {
        self.start.elapsed().as_micros() as f64 / 1000.0
    }

    /// Records the invocation of an operation; returns its index.
    pub fn invoke(&self, process: u64, f: Func, key: &str, value: Option<i64>, node: u64) -> u64 {
        self.record(process, OpType::Invoke, f, key, value, node, None)
    }

    /// Records the completion (`Ok`, `Fail` or `Info`) of `process`'s operation in flight.
    /// For a read, `value` is the value read.
    #[allow(clippy::too_many_arguments)]
    pub fn complete(
        &self,
        process: u64,
        typ: OpType,
        f: Func,
        key: &str,
        value: Option<i64>,
        node: u64,
        error: Option<String>,
    ) {
        debug_assert!(typ != OpType::Invoke, "complete() with OpType::Invoke");
        self.record(process, typ, f, key, value, node, error);
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        process: u64,
        typ: OpType,
        f: Func,
        key: &str,
        value: Option<i64>,
        node: u64,
        error: Option<String>,
    ) -> u64 {
        // A panicking recorder thread must not stop the others from recording.
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let index = inner.ops.len() as u64;
        let op = Op {
            index,
            process,
            typ,
            f,
            key: key.to_string(),
            value,
            node,
            time_ms: self.elapsed_ms(),
            error,
        };
        if inner.write_error.is_none() {
            if let Some(out) = inner.out.as_mut() {
                // One write per line: a crash leaves at most the last line torn.
                let mut line = serde_json::to_vec(&op).expect("Op serializes");
                line.push(b'\n');
                if let Err(e) = out.write_all(&line) {
                    inner.write_error = Some(e);
                }
            }
        }
        inner.ops.push(op);
        index
    }

    /// A copy of every op recorded so far, in index order.
    pub fn ops(&self) -> Vec<Op> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ops
            .clone()
    }

    /// Number of ops recorded so far.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ops
            .len()
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Syncs the file to disk and reports the first write error, if any occurred.
    pub fn finish(&self) -> io::Result<()> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = inner.write_error.take() {
            return Err(e);
        }
        match inner.out.as_mut() {
            Some(out) => {
                out.flush()?;
                out.sync_all()
            }
            None => Ok(()),
        }
    }
}

/// Reads a history written by [`History`]. Blank lines are skipped; a torn last line
/// (no trailing newline and not valid JSON: the recorder was killed mid-write) is ignored.
pub fn read_history(path: impl AsRef<Path>) -> Result<Vec<Op>, HistoryError> {
    let text = std::fs::read_to_string(path)?;
    parse_history(&text)
}

/// Parses JSON-lines history text (see [`read_history`]).
pub fn parse_history(text: &str) -> Result<Vec<Op>, HistoryError> {
    let mut ops = Vec::new();
    let torn_tail = !text.is_empty() && !text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Op>(line) {
            Ok(op) => ops.push(op),
            Err(_) if torn_tail && i + 1 == lines.len() => break,
            Err(source) => {
                return Err(HistoryError::Parse {
                    line: i + 1,
                    source,
                })
            }
        }
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn records_to_file_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let h = History::create(&path).unwrap();
        assert_eq!(h.invoke(1, Func::Write, "k", Some(3), 2), 0);
        h.complete(1, OpType::Ok, Func::Write, "k", Some(3), 2, None);
        h.invoke(2, Func::Read, "k", None, 0);
        h.complete(
            2,
            OpType::Info,
            Func::Read,
            "k",
            None,
            0,
            Some("timeout".into()),
        );
        h.finish().unwrap();

        let saved = read_history(&path).unwrap();
        assert_eq!(saved, h.ops());
        assert_eq!(saved.len(), 4);
        assert_eq!(saved[3].typ, OpType::Info);
        assert_eq!(saved[3].error.as_deref(), Some("timeout"));
        assert!(saved.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));

        // The wire format is the documented one.
        let text = std::fs::read_to_string(&path).unwrap();
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["type"], "invoke");
        assert_eq!(first["f"], "write");
        assert_eq!(first["value"], 3);
        assert!(first.get("error").is_none());
    }

    #[test]
    fn concurrent_recording_keeps_indices_dense_and_ordered() {
        let h = Arc::new(History::in_memory());
        let threads: Vec<_> = (0..8)
            .map(|p| {
                let h = h.clone();
                std::thread::spawn(move || {
                    for i in 0..100 {
                        h.invoke(p, Func::Write, "k", Some(i), 0);
                        h.complete(p, OpType::Ok, Func::Write, "k", Some(i), 0, None);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let ops = h.ops();
        assert_eq!(ops.len(), 1600);
        for (i, op) in ops.iter().enumerate() {
            assert_eq!(op.index, i as u64);
        }
        assert!(ops.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
    }

    #[test]
    fn torn_last_line_is_ignored_but_corruption_elsewhere_is_an_error() {
        let good = r#"{"index":0,"process":1,"type":"invoke","f":"read","key":"k","value":null,"node":0,"time_ms":0.5}"#;
        let ops = parse_history(&format!("{good}\n\n{{\"index\":1,\"proc")).unwrap();
        assert_eq!(ops.len(), 1);
        let err = parse_history(&format!("{good}\nnot json\n{good}\n")).unwrap_err();
        assert!(matches!(err, HistoryError::Parse { line: 2, .. }), "{err}");
    }
}
