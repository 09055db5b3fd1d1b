//! A client of PostgreSQL's streaming replication protocol, over tokio: startup with
//! `replication=database`, authentication (SCRAM-SHA-256, MD5 or cleartext), simple
//! queries (`IDENTIFY_SYSTEM`, `CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT`,
//! `START_REPLICATION`), then the CopyBoth stream: XLogData and primary keepalives in,
//! standby status updates out.
//!
//! We write it ourselves rather than use a crate because the connector needs control
//! of the slot's exported snapshot (alive only until this connection's next command)
//! and of the flush position it reports, which is what lets an LSN be confirmed only
//! after its records are committed in our offset store.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::lsn::Lsn;
use super::scram::{md5_password, Scram};
use crate::error::CdcError;

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
pub const PG_EPOCH_OFFSET_US: i64 = 946_684_800_000_000;

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct ConnectParams {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub database: String,
    pub connect_timeout: Duration,
}

/// One backend message: its type byte and body.
#[derive(Debug)]
struct Frame {
    tag: u8,
    body: Vec<u8>,
}

/// The result of a simple query: rows of text columns (None is NULL).
pub type Rows = Vec<Vec<Option<String>>>;

/// A slot created with `CREATE_REPLICATION_SLOT`.
#[derive(Debug, Clone)]
pub struct CreatedSlot {
    pub consistent_point: Lsn,
    /// The exported snapshot, valid until this connection runs its next command.
    pub snapshot_name: Option<String>,
}

/// What arrives on the replication stream.
#[derive(Debug)]
pub enum StreamMessage {
    /// `XLogData`: WAL data starting at `wal_start` (for pgoutput, one message).
    XLogData {
        wal_start: Lsn,
        wal_end: Lsn,
        data: Vec<u8>,
    },
    /// `Primary keepalive`: the server's WAL end; `reply` asks for a status update now.
    Keepalive { wal_end: Lsn, reply: bool },
}

/// A replication connection.
pub struct ReplicationConnection {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    pos: usize,
}

fn put_cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(tag);
    out.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// The fields of an ErrorResponse / NoticeResponse.
fn error_fields(body: &[u8]) -> (String, String, String) {
    let (mut severity, mut code, mut text) = (String::new(), String::new(), String::new());
    let mut rest = body;
    while let Some((&kind, tail)) = rest.split_first() {
        if kind == 0 {
            break;
        }
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        let value = String::from_utf8_lossy(&tail[..end]).into_owned();
        match kind {
            b'S' => severity = value,
            b'C' => code = value,
            b'M' => text = value,
            _ => {}
        }
        rest = tail.get(end + 1..).unwrap_or_default();
    }
    (severity, code, text)
}

fn be_u32(b: &[u8], at: usize) -> Result<u32, CdcError> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| CdcError::Protocol("message too short".into()))
}

fn be_u64(b: &[u8], at: usize) -> Result<u64, CdcError> {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| CdcError::Protocol("message too short".into()))
}

/// Now as PostgreSQL timestamps count it (µs since 2000-01-01).
pub fn pg_now() -> i64 {
    let unix_us = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    unix_us - PG_EPOCH_OFFSET_US
}

/// Quotes an identifier for replication commands and SQL.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl ReplicationConnection {
    /// Connects, authenticates and waits for ReadyForQuery. `TimeZone` is UTC and
    /// `IntervalStyle` postgres so that pgoutput's text values parse the same way as
    /// the snapshot's.
    pub async fn connect(params: &ConnectParams) -> Result<ReplicationConnection, CdcError> {
        let addr = format!("{}:{}", params.host, params.port);
        let stream = tokio::time::timeout(params.connect_timeout, TcpStream::connect(&addr))
            .await
            .map_err(|_| {
                CdcError::io(
                    format!("Cannot connect to PostgreSQL at {addr}"),
                    std::io::Error::new(std::io::ErrorKind::TimedOut, "connection timed out"),
                )
            })?
            .map_err(|e| CdcError::io(format!("Cannot connect to PostgreSQL at {addr}"), e))?;
        let _ = stream.set_nodelay(true);
        let mut conn = ReplicationConnection {
            stream,
            buf: Vec::with_capacity(64 * 1024),
            pos: 0,
        };
        let mut body = Vec::new();
        body.extend_from_slice(&196_608u32.to_be_bytes());
        for (k, v) in [
            ("user", params.user.as_str()),
            ("database", params.database.as_str()),
            ("replication", "database"),
            ("application_name", "raftconnect-cdc"),
            ("TimeZone", "UTC"),
            ("DateStyle", "ISO"),
            ("IntervalStyle", "postgres"),
            ("extra_float_digits", "3"),
        ] {
            put_cstr(&mut body, k);
            put_cstr(&mut body, v);
        }
        body.push(0);
        let mut startup = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        startup.extend_from_slice(&body);
        conn.write(&startup).await?;
        conn.authenticate(params).await?;
        loop {
            let f = conn.read_frame().await?;
            match f.tag {
                b'Z' => return Ok(conn),
                b'E' => return Err(server_error("Connection refused", &f.body)),
                _ => {} // ParameterStatus, BackendKeyData, notices
            }
        }
    }

    async fn authenticate(&mut self, params: &ConnectParams) -> Result<(), CdcError> {
        let mut scram: Option<Scram> = None;
        loop {
            let f = self.read_frame().await?;
            match f.tag {
                b'E' => return Err(server_error("Authentication failed", &f.body)),
                b'R' => {}
                other => {
                    return Err(CdcError::Protocol(format!(
                        "unexpected message '{}' during authentication",
                        other as char
                    )))
                }
            }
            match be_u32(&f.body, 0)? {
                0 => return Ok(()),
                3 => {
                    let mut b = Vec::new();
                    put_cstr(&mut b, &params.password);
                    self.write(&message(b'p', &b)).await?;
                }
                5 => {
                    let salt: [u8; 4] = f
                        .body
                        .get(4..8)
                        .and_then(|s| s.try_into().ok())
                        .ok_or_else(|| CdcError::Protocol("MD5 request without salt".into()))?;
                    let mut b = Vec::new();
                    put_cstr(&mut b, &md5_password(&params.user, &params.password, salt));
                    self.write(&message(b'p', &b)).await?;
                }
                10 => {
                    let mechanisms = String::from_utf8_lossy(&f.body[4..]).into_owned();
                    if !mechanisms.split('\0').any(|m| m == "SCRAM-SHA-256") {
                        return Err(CdcError::Protocol(format!(
                            "server offers no supported SASL mechanism ({mechanisms:?}); SCRAM-SHA-256 is supported"
                        )));
                    }
                    let s = Scram::new(&params.password)
                        .map_err(|e| CdcError::io("Cannot read random bytes for SCRAM", e))?;
                    let first = s.client_first();
                    let mut b = Vec::new();
                    put_cstr(&mut b, "SCRAM-SHA-256");
                    b.extend_from_slice(&(first.len() as u32).to_be_bytes());
                    b.extend_from_slice(first.as_bytes());
                    self.write(&message(b'p', &b)).await?;
                    scram = Some(s);
                }
                11 => {
                    let s = scram
                        .as_mut()
                        .ok_or_else(|| CdcError::Protocol("SASLContinue before SASL".into()))?;
                    let server_first = String::from_utf8_lossy(&f.body[4..]).into_owned();
                    let fin = s.client_final(&server_first).map_err(CdcError::Protocol)?;
                    self.write(&message(b'p', fin.as_bytes())).await?;
                }
                12 => {
                    let s = scram
                        .as_ref()
                        .ok_or_else(|| CdcError::Protocol("SASLFinal before SASL".into()))?;
                    s.verify_server_final(&String::from_utf8_lossy(&f.body[4..]))
                        .map_err(CdcError::Protocol)?;
                }
                other => {
                    return Err(CdcError::Protocol(format!(
                        "unsupported authentication method {other} (supported: SCRAM-SHA-256, md5, password)"
                    )))
                }
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), CdcError> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| CdcError::io("Cannot write to PostgreSQL", e))
    }

    /// The next complete frame, if `buf` holds one.
    fn take_frame(&mut self) -> Option<Frame> {
        let avail = &self.buf[self.pos..];
        if avail.len() < 5 {
            return None;
        }
        let len = u32::from_be_bytes([avail[1], avail[2], avail[3], avail[4]]) as usize;
        if avail.len() < len + 1 {
            return None;
        }
        let frame = Frame {
            tag: avail[0],
            body: avail[5..len + 1].to_vec(),
        };
        self.pos += len + 1;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        Some(frame)
    }

    /// Reads the next frame. Cancel-safe: bytes read stay in `buf`.
    async fn read_frame(&mut self) -> Result<Frame, CdcError> {
        loop {
            if let Some(f) = self.take_frame() {
                return Ok(f);
            }
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.pos = 0;
            }
            let n = self
                .stream
                .read_buf(&mut self.buf)
                .await
                .map_err(|e| CdcError::io("Cannot read from PostgreSQL", e))?;
            if n == 0 {
                return Err(CdcError::io(
                    "PostgreSQL closed the replication connection",
                    std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"),
                ));
            }
        }
    }

    /// Runs a simple query and collects its rows (text format).
    pub async fn simple_query(&mut self, sql: &str) -> Result<Rows, CdcError> {
        let mut b = Vec::new();
        put_cstr(&mut b, sql);
        self.write(&message(b'Q', &b)).await?;
        let mut rows = Vec::new();
        let mut error = None;
        loop {
            let f = self.read_frame().await?;
            match f.tag {
                b'D' => rows.push(parse_data_row(&f.body)?),
                b'E' => error = Some(server_error(&format!("Command {sql} failed"), &f.body)),
                b'Z' => break,
                _ => {} // RowDescription, CommandComplete, notices
            }
        }
        match error {
            Some(e) => Err(e),
            None => Ok(rows),
        }
    }

    /// `CREATE_REPLICATION_SLOT <name> LOGICAL pgoutput`, exporting a snapshot when
    /// `export_snapshot` (the snapshot the initial read must use).
    pub async fn create_slot(
        &mut self,
        name: &str,
        export_snapshot: bool,
    ) -> Result<CreatedSlot, CdcError> {
        let mode = if export_snapshot {
            "EXPORT_SNAPSHOT"
        } else {
            "NOEXPORT_SNAPSHOT"
        };
        let rows = self
            .simple_query(&format!(
                "CREATE_REPLICATION_SLOT {} LOGICAL pgoutput {mode}",
                quote_ident(name)
            ))
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| CdcError::Protocol("CREATE_REPLICATION_SLOT returned no row".into()))?;
        let point = row
            .get(1)
            .cloned()
            .flatten()
            .ok_or_else(|| CdcError::Protocol("slot without consistent_point".into()))?;
        Ok(CreatedSlot {
            consistent_point: point.parse().map_err(CdcError::Protocol)?,
            snapshot_name: row.get(2).cloned().flatten(),
        })
    }

    pub async fn drop_slot(&mut self, name: &str) -> Result<(), CdcError> {
        self.simple_query(&format!("DROP_REPLICATION_SLOT {} WAIT", quote_ident(name)))
            .await
            .map(|_| ())
    }

    /// `START_REPLICATION SLOT ... LOGICAL <start> (proto_version '1',
    /// publication_names '...')`; after this the connection is a CopyBoth stream.
    pub async fn start_replication(
        &mut self,
        slot: &str,
        start: Lsn,
        publication: &str,
    ) -> Result<(), CdcError> {
        let sql = format!(
            "START_REPLICATION SLOT {} LOGICAL {start} (proto_version '1', publication_names '{}')",
            quote_ident(slot),
            quote_ident(publication).replace('\'', "''")
        );
        let mut b = Vec::new();
        put_cstr(&mut b, &sql);
        self.write(&message(b'Q', &b)).await?;
        let mut error = None;
        loop {
            let f = self.read_frame().await?;
            match f.tag {
                b'W' => return Ok(()),
                b'E' => error = Some(server_error("START_REPLICATION failed", &f.body)),
                // After an error the connection is ready for the next command.
                b'Z' => {
                    return Err(error.unwrap_or_else(|| {
                        CdcError::Protocol("START_REPLICATION ended without streaming".into())
                    }))
                }
                _ => {}
            }
        }
    }

    /// The next message of the replication stream.
    pub async fn recv(&mut self) -> Result<StreamMessage, CdcError> {
        loop {
            let f = self.read_frame().await?;
            match f.tag {
                b'd' => {
                    let b = &f.body;
                    match b.first() {
                        Some(b'w') => {
                            return Ok(StreamMessage::XLogData {
                                wal_start: Lsn(be_u64(b, 1)?),
                                wal_end: Lsn(be_u64(b, 9)?),
                                data: b.get(25..).unwrap_or_default().to_vec(),
                            })
                        }
                        Some(b'k') => {
                            return Ok(StreamMessage::Keepalive {
                                wal_end: Lsn(be_u64(b, 1)?),
                                reply: b.get(17).copied() == Some(1),
                            })
                        }
                        _ => continue,
                    }
                }
                b'E' => return Err(server_error("Replication stream failed", &f.body)),
                b'c' => {
                    return Err(CdcError::io(
                        "PostgreSQL ended the replication stream",
                        std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "CopyDone"),
                    ))
                }
                _ => continue,
            }
        }
    }

    /// A standby status update: everything up to `flushed` is durably processed, so
    /// the server may recycle WAL before it and restart decoding from there.
    pub async fn send_status(&mut self, received: Lsn, flushed: Lsn) -> Result<(), CdcError> {
        let mut b = Vec::with_capacity(34);
        b.push(b'r');
        b.extend_from_slice(&received.0.to_be_bytes());
        b.extend_from_slice(&flushed.0.to_be_bytes());
        b.extend_from_slice(&flushed.0.to_be_bytes());
        b.extend_from_slice(&pg_now().to_be_bytes());
        b.push(0);
        self.write(&message(b'd', &b)).await
    }

    /// Ends the session politely (Terminate).
    pub async fn close(mut self) {
        let _ = self.write(&message(b'X', &[])).await;
        let _ = self.stream.shutdown().await;
    }
}

fn parse_data_row(body: &[u8]) -> Result<Vec<Option<String>>, CdcError> {
    let n = body
        .get(0..2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]) as usize)
        .ok_or_else(|| CdcError::Protocol("short DataRow".into()))?;
    let mut at = 2;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let len = be_u32(body, at)? as i32;
        at += 4;
        if len < 0 {
            out.push(None);
        } else {
            let end = at + len as usize;
            let v = body
                .get(at..end)
                .ok_or_else(|| CdcError::Protocol("short DataRow".into()))?;
            out.push(Some(String::from_utf8_lossy(v).into_owned()));
            at = end;
        }
    }
    Ok(out)
}

fn server_error(context: &str, body: &[u8]) -> CdcError {
    let (severity, code, message) = error_fields(body);
    CdcError::Server {
        context: context.to_string(),
        severity,
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_fields_are_parsed() {
        let body = b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"x\"\0\0";
        let (s, c, m) = error_fields(body);
        assert_eq!(s, "FATAL");
        assert_eq!(c, "28P01");
        assert_eq!(m, "password authentication failed for user \"x\"");
    }

    #[test]
    fn data_rows_with_nulls() {
        let mut body = 2u16.to_be_bytes().to_vec();
        body.extend_from_slice(&3u32.to_be_bytes());
        body.extend_from_slice(b"0/1");
        body.extend_from_slice(&(-1i32).to_be_bytes());
        assert_eq!(
            parse_data_row(&body).unwrap(),
            vec![Some("0/1".to_string()), None]
        );
        assert!(parse_data_row(&body[..5]).is_err());
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
