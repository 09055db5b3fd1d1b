//! Decoder of the pgoutput logical replication protocol, version 1 (PostgreSQL's
//! "Logical Replication Message Formats"): Begin, Commit, Origin, Relation, Type,
//! Insert, Update, Delete, Truncate and Message. Column values arrive in text format.

use super::lsn::Lsn;
use crate::error::CdcError;

/// One column of a Relation message.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationColumn {
    /// Part of the replica identity (the key under REPLICA IDENTITY DEFAULT; every
    /// column under FULL).
    pub identity: bool,
    pub name: String,
    pub type_oid: u32,
    pub type_modifier: i32,
}

/// A Relation message: the shape of a table, sent before its first change in a
/// session and again after its definition changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub oid: u32,
    pub namespace: String,
    pub name: String,
    /// `d` default, `n` nothing, `f` full, `i` index.
    pub replica_identity: u8,
    pub columns: Vec<RelationColumn>,
}

/// One column value of a tuple.
#[derive(Debug, Clone, PartialEq)]
pub enum TupleValue {
    Null,
    /// An unchanged TOASTed value that was not sent.
    Unchanged,
    Text(String),
}

pub type Tuple = Vec<TupleValue>;

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Begin {
        /// The LSN of the transaction's commit record.
        final_lsn: Lsn,
        /// Commit time, µs since 2000-01-01.
        commit_ts: i64,
        xid: u32,
    },
    Commit {
        commit_lsn: Lsn,
        end_lsn: Lsn,
        commit_ts: i64,
    },
    Origin,
    Relation(Relation),
    Type {
        oid: u32,
        namespace: String,
        name: String,
    },
    Insert {
        relation: u32,
        new: Tuple,
    },
    Update {
        relation: u32,
        /// The old key (`K`, the replica identity changed) or the whole old row (`O`,
        /// REPLICA IDENTITY FULL).
        old: Option<Tuple>,
        new: Tuple,
    },
    Delete {
        relation: u32,
        old: Tuple,
    },
    Truncate {
        relations: Vec<u32>,
    },
    /// A logical decoding message (pg_logical_emit_message).
    LogicalMessage,
}

/// A cursor over a message body.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CdcError> {
        let s = self.b.get(self.at..self.at + n).ok_or_else(|| {
            CdcError::Protocol(format!(
                "pgoutput message truncated at byte {} (wanted {n} more)",
                self.at
            ))
        })?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, CdcError> {
        Ok(self.take(1)?[0])
    }
    fn i16(&mut self) -> Result<i16, CdcError> {
        let s = self.take(2)?;
        Ok(i16::from_be_bytes([s[0], s[1]]))
    }
    fn i32(&mut self) -> Result<i32, CdcError> {
        let s = self.take(4)?;
        Ok(i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u32(&mut self) -> Result<u32, CdcError> {
        Ok(self.i32()? as u32)
    }
    fn i64(&mut self) -> Result<i64, CdcError> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(i64::from_be_bytes(a))
    }
    fn lsn(&mut self) -> Result<Lsn, CdcError> {
        Ok(Lsn(self.i64()? as u64))
    }
    fn cstr(&mut self) -> Result<String, CdcError> {
        let rest = self.b.get(self.at..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|&c| c == 0)
            .ok_or_else(|| CdcError::Protocol("unterminated string in pgoutput message".into()))?;
        let s = String::from_utf8_lossy(&rest[..end]).into_owned();
        self.at += end + 1;
        Ok(s)
    }
    fn tuple(&mut self) -> Result<Tuple, CdcError> {
        let n = self.i16()?;
        let mut out = Vec::with_capacity(n.max(0) as usize);
        for _ in 0..n {
            out.push(match self.u8()? {
                b'n' => TupleValue::Null,
                b'u' => TupleValue::Unchanged,
                b't' => {
                    let len = self.i32()?;
                    let len = usize::try_from(len)
                        .map_err(|_| CdcError::Protocol(format!("negative column length {len}")))?;
                    TupleValue::Text(String::from_utf8_lossy(self.take(len)?).into_owned())
                }
                b'b' => {
                    return Err(CdcError::Protocol(
                        "binary tuple data is not supported (protocol version 1 sends text)".into(),
                    ))
                }
                other => {
                    return Err(CdcError::Protocol(format!(
                        "unknown tuple column kind '{}'",
                        other as char
                    )))
                }
            });
        }
        Ok(out)
    }
}

/// Decodes one pgoutput message.
pub fn decode(data: &[u8]) -> Result<Message, CdcError> {
    let mut r = Reader { b: data, at: 0 };
    let tag = r.u8()?;
    Ok(match tag {
        b'B' => Message::Begin {
            final_lsn: r.lsn()?,
            commit_ts: r.i64()?,
            xid: r.u32()?,
        },
        b'C' => {
            let _flags = r.u8()?;
            Message::Commit {
                commit_lsn: r.lsn()?,
                end_lsn: r.lsn()?,
                commit_ts: r.i64()?,
            }
        }
        b'O' => Message::Origin,
        b'R' => {
            let oid = r.u32()?;
            let namespace = r.cstr()?;
            let name = r.cstr()?;
            let replica_identity = r.u8()?;
            let n = r.i16()?;
            let mut columns = Vec::with_capacity(n.max(0) as usize);
            for _ in 0..n {
                let flags = r.u8()?;
                columns.push(RelationColumn {
                    identity: flags & 1 == 1,
                    name: r.cstr()?,
                    type_oid: r.u32()?,
                    type_modifier: r.i32()?,
                });
            }
            Message::Relation(Relation {
                oid,
                // pgoutput sends an empty namespace for pg_catalog.
                namespace: if namespace.is_empty() {
                    "pg_catalog".into()
                } else {
                    namespace
                },
                name,
                replica_identity,
                columns,
            })
        }
        b'Y' => Message::Type {
            oid: r.u32()?,
            namespace: r.cstr()?,
            name: r.cstr()?,
        },
        b'I' => {
            let relation = r.u32()?;
            expect(&mut r, b'N')?;
            Message::Insert {
                relation,
                new: r.tuple()?,
            }
        }
        b'U' => {
            let relation = r.u32()?;
            let mut old = None;
            let mut kind = r.u8()?;
            if kind == b'K' || kind == b'O' {
                old = Some(r.tuple()?);
                kind = r.u8()?;
            }
            if kind != b'N' {
                return Err(CdcError::Protocol(format!(
                    "Update without new tuple (got '{}')",
                    kind as char
                )));
            }
            Message::Update {
                relation,
                old,
                new: r.tuple()?,
            }
        }
        b'D' => {
            let relation = r.u32()?;
            let kind = r.u8()?;
            if kind != b'K' && kind != b'O' {
                return Err(CdcError::Protocol(format!(
                    "Delete without old tuple (got '{}')",
                    kind as char
                )));
            }
            Message::Delete {
                relation,
                old: r.tuple()?,
            }
        }
        b'T' => {
            let n = r.i32()?;
            let _options = r.u8()?;
            let mut relations = Vec::new();
            for _ in 0..n {
                relations.push(r.u32()?);
            }
            Message::Truncate { relations }
        }
        b'M' => Message::LogicalMessage,
        other => {
            return Err(CdcError::Protocol(format!(
                "unknown pgoutput message type '{}'",
                other as char
            )))
        }
    })
}

fn expect(r: &mut Reader<'_>, want: u8) -> Result<(), CdcError> {
    let got = r.u8()?;
    if got != want {
        return Err(CdcError::Protocol(format!(
            "expected '{}' in pgoutput message, got '{}'",
            want as char, got as char
        )));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds pgoutput bytes for tests.
    #[derive(Default)]
    pub struct Bytes(pub Vec<u8>);

    impl Bytes {
        pub fn u8(mut self, v: u8) -> Self {
            self.0.push(v);
            self
        }
        pub fn i16(mut self, v: i16) -> Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        pub fn i32(mut self, v: i32) -> Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        pub fn i64(mut self, v: i64) -> Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        pub fn str(mut self, s: &str) -> Self {
            self.0.extend_from_slice(s.as_bytes());
            self.0.push(0);
            self
        }
        pub fn text(self, s: &str) -> Self {
            let mut b = self.u8(b't').i32(s.len() as i32);
            b.0.extend_from_slice(s.as_bytes());
            b
        }
    }

    #[test]
    fn begin_and_commit() {
        let b = Bytes::default().u8(b'B').i64(0x100).i64(42).i32(777);
        assert_eq!(
            decode(&b.0).unwrap(),
            Message::Begin {
                final_lsn: Lsn(0x100),
                commit_ts: 42,
                xid: 777
            }
        );
        let c = Bytes::default()
            .u8(b'C')
            .u8(0)
            .i64(0x100)
            .i64(0x130)
            .i64(42);
        assert_eq!(
            decode(&c.0).unwrap(),
            Message::Commit {
                commit_lsn: Lsn(0x100),
                end_lsn: Lsn(0x130),
                commit_ts: 42
            }
        );
    }

    #[test]
    fn relation_and_type() {
        let b = Bytes::default()
            .u8(b'R')
            .i32(16384)
            .str("public")
            .str("customers")
            .u8(b'f')
            .i16(2)
            .u8(1)
            .str("id")
            .i32(23)
            .i32(-1)
            .u8(0)
            .str("price")
            .i32(1700)
            .i32(((10 << 16) | 2) + 4);
        let Message::Relation(r) = decode(&b.0).unwrap() else {
            panic!("relation")
        };
        assert_eq!(r.oid, 16384);
        assert_eq!(
            (r.namespace.as_str(), r.name.as_str()),
            ("public", "customers")
        );
        assert_eq!(r.replica_identity, b'f');
        assert!(r.columns[0].identity && !r.columns[1].identity);
        assert_eq!(r.columns[1].type_oid, 1700);
        assert_eq!(r.columns[1].type_modifier, 655_366);
        let t = Bytes::default()
            .u8(b'Y')
            .i32(99999)
            .str("public")
            .str("mood");
        assert_eq!(
            decode(&t.0).unwrap(),
            Message::Type {
                oid: 99999,
                namespace: "public".into(),
                name: "mood".into()
            }
        );
    }

    #[test]
    fn insert_update_delete_tuples() {
        let i = Bytes::default()
            .u8(b'I')
            .i32(16384)
            .u8(b'N')
            .i16(3)
            .text("1")
            .u8(b'n')
            .u8(b'u');
        assert_eq!(
            decode(&i.0).unwrap(),
            Message::Insert {
                relation: 16384,
                new: vec![
                    TupleValue::Text("1".into()),
                    TupleValue::Null,
                    TupleValue::Unchanged
                ]
            }
        );
        let u = Bytes::default()
            .u8(b'U')
            .i32(5)
            .u8(b'O')
            .i16(1)
            .text("old")
            .u8(b'N')
            .i16(1)
            .text("new");
        assert_eq!(
            decode(&u.0).unwrap(),
            Message::Update {
                relation: 5,
                old: Some(vec![TupleValue::Text("old".into())]),
                new: vec![TupleValue::Text("new".into())]
            }
        );
        let u = Bytes::default().u8(b'U').i32(5).u8(b'N').i16(1).text("x");
        assert!(matches!(
            decode(&u.0).unwrap(),
            Message::Update { old: None, .. }
        ));
        let d = Bytes::default().u8(b'D').i32(5).u8(b'K').i16(1).text("7");
        assert_eq!(
            decode(&d.0).unwrap(),
            Message::Delete {
                relation: 5,
                old: vec![TupleValue::Text("7".into())]
            }
        );
    }

    #[test]
    fn truncate_and_errors() {
        let t = Bytes::default().u8(b'T').i32(2).u8(0).i32(10).i32(11);
        assert_eq!(
            decode(&t.0).unwrap(),
            Message::Truncate {
                relations: vec![10, 11]
            }
        );
        assert!(decode(b"Z").is_err());
        assert!(decode(&Bytes::default().u8(b'B').i64(1).0).is_err());
        let bad = Bytes::default()
            .u8(b'I')
            .i32(1)
            .u8(b'N')
            .i16(1)
            .u8(b't')
            .i32(10);
        assert!(decode(&bad.0).is_err());
        assert!(decode(&Bytes::default().u8(b'D').i32(5).u8(b'N').0).is_err());
    }
}
