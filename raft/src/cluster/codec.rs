//! How the Raft storage encodes what it keeps in sled.
//!
//! Values are bincode 2 (serde, standard config). Every openraft type we store (`Entry`,
//! `Vote`, `LogId`, `StoredMembership`, `SnapshotMeta`) derives plain serde in 0.9.25, with
//! no `untagged`, `flatten`, `skip_serializing_if` or `deserialize_any`, so it round-trips
//! under bincode (checked by the tests below); nothing needs a self-describing format.
//!
//! Log keys are the entry index as 8 big-endian bytes, so sled's byte order is log order.

use openraft::AnyError;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("cannot encode {what}: {source}")]
    Encode {
        what: String,
        #[source]
        source: bincode::error::EncodeError,
    },
    #[error("cannot decode {what}: {source}")]
    Decode {
        what: String,
        #[source]
        source: bincode::error::DecodeError,
    },
    #[error("cannot decode {what}: {extra} bytes left after the value")]
    Trailing { what: String, extra: usize },
    #[error("log key {key:?} is not an 8-byte index")]
    BadKey { key: Vec<u8> },
}

impl From<CodecError> for AnyError {
    fn from(e: CodecError) -> Self {
        AnyError::new(&e)
    }
}

/// Encodes `value`; `what` names it in the error.
pub fn encode<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|source| CodecError::Encode {
        what: what.to_string(),
        source,
    })
}

/// Decodes a whole value: bytes left over mean the data is not what we wrote.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, CodecError> {
    let (value, read) = bincode::serde::decode_from_slice(bytes, config()).map_err(|source| {
        CodecError::Decode {
            what: what.to_string(),
            source,
        }
    })?;
    if read != bytes.len() {
        return Err(CodecError::Trailing {
            what: what.to_string(),
            extra: bytes.len() - read,
        });
    }
    Ok(value)
}

/// The sled key of log entry `index`.
pub fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

/// The log index stored under `key`.
pub fn key_index(key: &[u8]) -> Result<u64, CodecError> {
    let bytes: [u8; 8] = key
        .try_into()
        .map_err(|_| CodecError::BadKey { key: key.to_vec() })?;
    Ok(u64::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::fmt::Debug;

    use openraft::{CommittedLeaderId, EntryPayload, Membership, SnapshotId};

    use super::*;
    use crate::cluster::types::{Entry, LogId, SnapshotMeta, StoredMembership, Vote};
    use crate::state::{Command, InstanceId, NodeInfo, TaskId};

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
        let bytes = encode(&value, "value").unwrap();
        let back: T = decode(&bytes, "value").unwrap();
        assert_eq!(back, value);
    }

    fn log_id(term: u64, node: u64, index: u64) -> LogId {
        LogId::new(CommittedLeaderId::new(term, node), index)
    }

    fn membership() -> Membership<u64, NodeInfo> {
        let nodes: BTreeMap<u64, NodeInfo> = (1..=3)
            .map(|i| {
                (
                    i,
                    NodeInfo {
                        raft_addr: format!("127.0.0.1:{}", 7000 + i),
                        rest_url: format!("http://127.0.0.1:{}", 8000 + i),
                    },
                )
            })
            .collect();
        // A joint config plus a learner (node 3 is in `nodes` but in no config).
        Membership::new(vec![BTreeSet::from([1, 2]), BTreeSet::from([1])], nodes)
    }

    #[test]
    fn openraft_types_round_trip_under_bincode() {
        round_trip(Vote::new(7, 3));
        round_trip(Vote::new_committed(9, 2));
        round_trip(Some(log_id(3, 1, 42)));
        round_trip(None::<LogId>);
        round_trip(StoredMembership::new(Some(log_id(2, 1, 5)), membership()));
        round_trip(StoredMembership::default());
        round_trip(SnapshotMeta {
            last_log_id: Some(log_id(4, 2, 100)),
            last_membership: StoredMembership::new(Some(log_id(2, 1, 5)), membership()),
            snapshot_id: SnapshotId::from("4-2-100-1"),
        });
        round_trip(SnapshotMeta::default());

        round_trip(Entry {
            log_id: log_id(1, 1, 1),
            payload: EntryPayload::Blank,
        });
        round_trip(Entry {
            log_id: log_id(1, 1, 2),
            payload: EntryPayload::Membership(membership()),
        });
        let cmd = Command::Idempotent {
            client: "n1".into(),
            request: 9,
            command: Box::new(Command::Assign {
                changes: vec![(
                    InstanceId::Task(TaskId {
                        connector: "c".into(),
                        task: 0,
                    }),
                    Some(2),
                )],
            }),
        };
        round_trip(Entry {
            log_id: log_id(1, 1, 3),
            payload: EntryPayload::Normal(cmd),
        });
    }

    #[test]
    fn trailing_bytes_and_bad_keys_are_errors() {
        let mut bytes = encode(&5u64, "n").unwrap();
        bytes.push(0);
        assert!(matches!(
            decode::<u64>(&bytes, "n"),
            Err(CodecError::Trailing { extra: 1, .. })
        ));
        assert!(decode::<Vote>(&[0xff], "vote").is_err());
        assert_eq!(key_index(&index_key(77)).unwrap(), 77);
        assert!(key_index(b"abc").is_err());
    }
}
