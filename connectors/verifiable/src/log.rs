//! Where the verifiable tasks' JSON lines go.
//!
//! Without `verifiable.log.dir`, lines go to stdout as in Kafka. With it, each task
//! instance appends to its own file
//! `<dir>/<connector name>.<source|sink>.task<id>.<pid>-<start epoch nanos>.jsonl`:
//! several processes (possibly in different containers, where pids repeat) may share
//! the directory, so the name carries the start time too, and the file is created with
//! `create_new` so two instances can never share one.
//!
//! Durability: each batch of lines is one `write_all` on an `O_APPEND` file descriptor
//! with no userspace buffer, so once `poll`/`put`/`flush` returns the lines are in the
//! kernel and survive a kill -9 of the process (not a machine crash: no fsync, which
//! the checkers do not need).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use connect_api::ConnectorKind;

use crate::VerifiableError;

/// How many times a file name that already exists is retried with a later timestamp.
const CREATE_ATTEMPTS: u32 = 16;

/// One task instance's line log.
#[derive(Debug)]
pub enum LineLog {
    Stdout,
    File { path: PathBuf, file: File },
}

/// Keeps a connector name usable as part of a file name (no `/`, no control or shell
/// characters); everything else is kept so the file is easy to match to its connector.
fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        "_".to_string()
    } else {
        safe
    }
}

impl LineLog {
    /// Opens the log of one task instance: stdout when `dir` is None, else a new file in
    /// `dir` (created, with its parents, if missing).
    pub fn open(
        dir: Option<&str>,
        connector: &str,
        kind: ConnectorKind,
        task: i32,
    ) -> Result<Self, VerifiableError> {
        let Some(dir) = dir else {
            return Ok(LineLog::Stdout);
        };
        let dir_error = |source| VerifiableError::LogDir {
            path: dir.to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(dir_error)?;
        let pid = std::process::id();
        let mut nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut attempt = 0;
        loop {
            let name = format!(
                "{}.{kind}.task{task}.{pid}-{nanos}.jsonl",
                file_safe(connector)
            );
            let path = Path::new(dir).join(name);
            match OpenOptions::new().append(true).create_new(true).open(&path) {
                Ok(file) => {
                    tracing::info!(
                        connector,
                        task,
                        "verifiable {kind} task logging to {}",
                        path.display()
                    );
                    return Ok(LineLog::File { path, file });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists && attempt < CREATE_ATTEMPTS => {
                    attempt += 1;
                    nanos += 1;
                }
                Err(e) => return Err(dir_error(e)),
            }
        }
    }

    /// The file written, None for stdout.
    pub fn path(&self) -> Option<&Path> {
        match self {
            LineLog::Stdout => None,
            LineLog::File { path, .. } => Some(path),
        }
    }

    /// Appends `lines` (complete, `\n`-terminated) in one write; returns once they are
    /// handed to the kernel.
    pub fn append(&mut self, lines: &[u8]) -> Result<(), VerifiableError> {
        if lines.is_empty() {
            return Ok(());
        }
        // Plain blocking writes: a local append is microseconds, and async file I/O would
        // buffer in userspace (tokio's File) or split the batch.
        let (path, result) = match self {
            LineLog::Stdout => {
                let mut out = std::io::stdout().lock();
                (
                    "stdout".to_string(),
                    out.write_all(lines).and_then(|()| out.flush()),
                )
            }
            LineLog::File { path, file } => (path.display().to_string(), file.write_all(lines)),
        };
        result.map_err(|source| VerifiableError::Write { path, source })
    }
}

/// Serializes `line` as one JSON line into `buf`.
pub(crate) fn push_line<T: serde::Serialize>(buf: &mut Vec<u8>, line: &T) {
    // Serializing plain structs of strings and integers into a Vec cannot fail.
    if serde_json::to_writer(&mut *buf, line).is_ok() {
        buf.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_new_file_per_instance_named_after_connector_kind_and_task() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        let sub = sub.to_str().unwrap();
        let mut a = LineLog::open(Some(sub), "my conn/1", ConnectorKind::Source, 3).unwrap();
        let mut b = LineLog::open(Some(sub), "my conn/1", ConnectorKind::Source, 3).unwrap();
        let (pa, pb) = (a.path().unwrap().to_owned(), b.path().unwrap().to_owned());
        assert_ne!(pa, pb);
        let name = pa.file_name().unwrap().to_str().unwrap();
        let prefix = format!("my_conn_1.source.task3.{}-", std::process::id());
        assert!(name.starts_with(&prefix), "{name}");
        assert!(name.ends_with(".jsonl"), "{name}");
        a.append(b"{\"x\":1}\n").unwrap();
        a.append(b"{\"x\":2}\n").unwrap();
        b.append(b"{\"y\":1}\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&pa).unwrap(),
            "{\"x\":1}\n{\"x\":2}\n"
        );
        assert_eq!(std::fs::read_to_string(&pb).unwrap(), "{\"y\":1}\n");
    }

    #[test]
    fn an_unusable_dir_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let bad = file.join("sub");
        let err =
            LineLog::open(Some(bad.to_str().unwrap()), "c", ConnectorKind::Sink, 0).unwrap_err();
        assert!(err.to_string().contains(bad.to_str().unwrap()), "{err}");
    }
}
