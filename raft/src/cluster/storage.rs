//! A node's Raft storage: one sled db holding the log ([`LogStore`]) and the state
//! machine's snapshot ([`StateMachineStore`]).
//!
//! What the caller must know:
//! - Hand both stores to `Raft::new`; keep the `Arc<SharedState>` to read and watch the
//!   applied state (it is the state machine's own, so it sees every apply).
//! - On restart the state machine starts from the last snapshot, and `Raft::new` re-applies
//!   the log from there up to the last committed log id the node saved, before it returns.
//!   So after `Raft::new` the shared state is what this node had applied (up to the last
//!   commit that reached its disk); watchers may see the version tick through the replay.
//! - Snapshots keep the log short: set `snapshot_policy: LogsSinceLast(n)` and
//!   `max_in_snapshot_log_to_keep` in openraft's `Config`; openraft purges the log up to
//!   the snapshot after building it.
//! - One process per db: sled locks it, so a second `open` of the same dir fails until the
//!   stores (and the `Raft` holding them) are dropped.

use std::path::Path;
use std::sync::Arc;

use crate::cluster::log_store::LogStore;
use crate::cluster::state_machine::StateMachineStore;
use crate::cluster::types::StorageError;
use crate::store::{SharedState, StoreError};

/// Opens (or creates) the sled db at `dir` and the stores in it.
pub fn open(dir: &Path) -> Result<(LogStore, StateMachineStore, Arc<SharedState>), StoreError> {
    let path = dir.display().to_string();
    let db = sled::open(dir).map_err(|source| StoreError::Sled {
        path: path.clone(),
        source,
    })?;
    open_db(db).map_err(|e| StoreError::Corrupt {
        path,
        reason: e.to_string(),
    })
}

/// The stores in an open sled db.
#[allow(clippy::result_large_err)] // openraft's StorageError, as the stores' constructors
pub fn open_db(
    db: sled::Db,
) -> Result<(LogStore, StateMachineStore, Arc<SharedState>), StorageError> {
    let log = LogStore::new(db.clone())?;
    let sm = StateMachineStore::new(db)?;
    let shared = sm.shared();
    Ok((log, sm, shared))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Process, Stdio};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use openraft::error::{InstallSnapshotError, RPCError, RaftError, Unreachable};
    use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
    use openraft::raft::{
        AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest,
        InstallSnapshotResponse, VoteRequest, VoteResponse,
    };
    use openraft::storage::{RaftLogStorage, RaftLogStorageExt, RaftStateMachine};
    use openraft::testing::{StoreBuilder, Suite};
    use openraft::{
        CommittedLeaderId, EntryPayload, LogState, Membership, RaftLogReader, RaftSnapshotBuilder,
        StorageHelper,
    };
    use tempfile::TempDir;

    use super::*;
    use crate::cluster::types::{Entry, LogId, Raft, StoredMembership, TypeConfig, Vote};
    use crate::state::{ClusterState, Command, CommandOutcome, NodeId, NodeInfo, TargetState};

    struct SledBuilder;

    impl StoreBuilder<TypeConfig, LogStore, StateMachineStore, TempDir> for SledBuilder {
        async fn build(&self) -> Result<(TempDir, LogStore, StateMachineStore), StorageError> {
            let dir = tempfile::tempdir().expect("tempdir");
            let db = sled::open(dir.path()).expect("open sled");
            let (log, sm, _) = open_db(db)?;
            Ok((dir, log, sm))
        }
    }

    #[test]
    fn openraft_storage_suite() {
        Suite::test_all(SledBuilder).unwrap();
    }

    fn log_id(term: u64, index: u64) -> LogId {
        LogId::new(CommittedLeaderId::new(term, 1), index)
    }

    fn put(name: &str, v: u64) -> Command {
        Command::PutConnector {
            name: name.into(),
            config: [("v".to_string(), v.to_string())].into(),
            initial_target: TargetState::Running,
            create_only: false,
            now_ms: 0,
        }
    }

    fn offsets(v: u64) -> Command {
        Command::CommitSourceOffsets {
            connector: "c0".into(),
            offsets: vec![("p".into(), Some(v.to_string()))],
            fence: None,
        }
    }

    fn membership(ids: &[u64]) -> Membership<NodeId, NodeInfo> {
        let nodes: BTreeMap<NodeId, NodeInfo> = ids
            .iter()
            .map(|&id| {
                let info = NodeInfo {
                    raft_addr: format!("127.0.0.1:{}", 7000 + id),
                    rest_url: format!("http://127.0.0.1:{}", 8000 + id),
                };
                (id, info)
            })
            .collect();
        Membership::new(vec![ids.iter().copied().collect::<BTreeSet<_>>()], nodes)
    }

    /// Entry 1 is a membership, then normal commands alternating puts and offsets.
    fn entry(index: u64) -> Entry {
        let payload = match index {
            1 => EntryPayload::Membership(membership(&[1, 2, 3])),
            i if i % 2 == 0 => EntryPayload::Normal(put(&format!("c{}", i % 5), i)),
            i => EntryPayload::Normal(offsets(i)),
        };
        Entry {
            log_id: log_id(1, index),
            payload,
        }
    }

    fn entries(range: std::ops::RangeInclusive<u64>) -> Vec<Entry> {
        range.map(entry).collect()
    }

    /// The state after applying entries 1..=n to an empty state.
    fn expected_state(n: u64) -> ClusterState {
        let mut state = ClusterState::default();
        for e in entries(1..=n) {
            if let EntryPayload::Normal(cmd) = e.payload {
                state.apply(e.log_id.index, cmd);
            }
        }
        state
    }

    #[tokio::test]
    async fn shared_state_sees_applied_commands() {
        let dir = tempfile::tempdir().unwrap();
        let (_log, mut sm, shared) = open(dir.path()).unwrap();
        let mut rx = shared.subscribe();
        let outcomes = sm.apply(entries(1..=3)).await.unwrap();
        assert_eq!(
            outcomes,
            vec![
                CommandOutcome::Unchanged,
                CommandOutcome::Created,
                CommandOutcome::Updated
            ]
        );
        assert!(rx.has_changed().unwrap());
        shared.read(|s| {
            assert_eq!(s.connectors["c2"].config["v"], "2");
            assert_eq!(s.source_offsets["c0"]["p"], "3");
        });
        let (applied, mem) = sm.applied_state().await.unwrap();
        assert_eq!(applied, Some(log_id(1, 3)));
        assert_eq!(mem.log_id(), &Some(log_id(1, 1)));
        assert_eq!(mem.membership(), &membership(&[1, 2, 3]));

        // Installing a snapshot replaces the shared state and wakes watchers.
        let (_log2, mut other, _) = open(tempfile::tempdir().unwrap().path()).unwrap();
        other.apply(entries(1..=10)).await.unwrap();
        let snap = other
            .get_snapshot_builder()
            .await
            .build_snapshot()
            .await
            .unwrap();
        rx.borrow_and_update();
        sm.install_snapshot(&snap.meta, snap.snapshot)
            .await
            .unwrap();
        assert!(rx.has_changed().unwrap());
        assert_eq!(shared.read(|s| s.clone()), expected_state(10));
        assert_eq!(sm.applied_state().await.unwrap().0, Some(log_id(1, 10)));
        let current = sm.get_current_snapshot().await.unwrap().unwrap();
        assert_eq!(current.meta, snap.meta);
    }

    #[tokio::test]
    async fn snapshot_data_that_does_not_match_its_meta_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let (_log, mut sm, shared) = open(dir.path()).unwrap();
        sm.apply(entries(1..=4)).await.unwrap();
        let snap = sm
            .get_snapshot_builder()
            .await
            .build_snapshot()
            .await
            .unwrap();
        let mut meta = snap.meta.clone();
        meta.last_log_id = Some(log_id(1, 9));
        let err = sm.install_snapshot(&meta, snap.snapshot).await.unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
        let garbage = Box::new(std::io::Cursor::new(vec![1, 2, 3]));
        assert!(sm.install_snapshot(&snap.meta, garbage).await.is_err());
        // Nothing changed.
        assert_eq!(shared.read(|s| s.clone()), expected_state(4));
        assert_eq!(sm.applied_state().await.unwrap().0, Some(log_id(1, 4)));
    }

    #[tokio::test]
    async fn state_and_log_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let vote = Vote::new_committed(3, 1);
        {
            let (mut log, mut sm, _) = open(dir.path()).unwrap();
            log.save_vote(&vote).await.unwrap();
            log.blocking_append(entries(1..=30)).await.unwrap();
            log.save_committed(Some(log_id(1, 25))).await.unwrap();
            sm.apply(entries(1..=20)).await.unwrap();
            let snap = sm
                .get_snapshot_builder()
                .await
                .build_snapshot()
                .await
                .unwrap();
            assert_eq!(snap.meta.last_log_id, Some(log_id(1, 20)));
            log.purge(log_id(1, 15)).await.unwrap();
            sm.apply(entries(21..=25)).await.unwrap();
        }
        let (mut log, mut sm, shared) = open(dir.path()).unwrap();
        assert_eq!(log.read_vote().await.unwrap(), Some(vote));
        assert_eq!(log.read_committed().await.unwrap(), Some(log_id(1, 25)));
        assert_eq!(
            log.get_log_state().await.unwrap(),
            LogState {
                last_purged_log_id: Some(log_id(1, 15)),
                last_log_id: Some(log_id(1, 30)),
            }
        );
        let read = log.try_get_log_entries(0..100).await.unwrap();
        assert_eq!(read, entries(16..=30));

        // The state machine restarts from the snapshot...
        assert_eq!(sm.applied_state().await.unwrap().0, Some(log_id(1, 20)));
        assert_eq!(shared.read(|s| s.clone()), expected_state(20));
        let snap = sm.get_current_snapshot().await.unwrap().unwrap();
        assert_eq!(snap.meta.last_log_id, Some(log_id(1, 20)));
        assert_eq!(
            snap.meta.last_membership,
            StoredMembership::new(Some(log_id(1, 1)), membership(&[1, 2, 3]))
        );

        // ...and openraft's startup (what `Raft::new` runs) re-applies up to committed.
        let initial = StorageHelper::new(&mut log, &mut sm)
            .get_initial_state()
            .await
            .unwrap();
        assert_eq!(initial.committed, Some(log_id(1, 25)));
        assert_eq!(sm.applied_state().await.unwrap().0, Some(log_id(1, 25)));
        assert_eq!(shared.read(|s| s.clone()), expected_state(25));
    }

    #[tokio::test]
    async fn truncate_and_purge_leave_no_hole() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _sm, _) = open(dir.path()).unwrap();
        log.blocking_append(entries(1..=10)).await.unwrap();
        log.truncate(log_id(1, 8)).await.unwrap();
        log.purge(log_id(1, 3)).await.unwrap();
        assert_eq!(log.try_get_log_entries(..).await.unwrap(), entries(4..=7));
        assert_eq!(
            log.try_get_log_entries(5..=5).await.unwrap(),
            entries(5..=5)
        );
        assert!(log.try_get_log_entries(6..6).await.unwrap().is_empty());
        assert!(log
            .try_get_log_entries(u64::MAX..)
            .await
            .unwrap()
            .is_empty());
        // Re-append after the truncation point: what a follower does after a conflict.
        log.blocking_append(vec![Entry {
            log_id: log_id(2, 8),
            payload: EntryPayload::Blank,
        }])
        .await
        .unwrap();
        assert_eq!(
            log.get_log_state().await.unwrap().last_log_id,
            Some(log_id(2, 8))
        );
    }

    // --- kill -9: the child process appends and acknowledges; the parent kills it.

    const KILL9_DIR: &str = "RAFTCONNECT_TEST_KILL9_DIR";
    const KILL9_SNAPSHOT_AT: u64 = 50;

    /// The child half of `acknowledged_entries_survive_kill_9`; does nothing on its own.
    #[test]
    #[ignore = "run by acknowledged_entries_survive_kill_9 in a child process"]
    fn kill9_child() {
        let Some(dir) = std::env::var_os(KILL9_DIR) else {
            return;
        };
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let (mut log, mut sm, _) = open(Path::new(&dir)).unwrap();
            log.save_vote(&Vote::new_committed(1, 1)).await.unwrap();
            println!("ACK vote");
            for i in 1..=20_000 {
                log.blocking_append(vec![entry(i)]).await.unwrap();
                log.save_committed(Some(log_id(1, i))).await.unwrap();
                sm.apply(vec![entry(i)]).await.unwrap();
                if i == KILL9_SNAPSHOT_AT {
                    sm.get_snapshot_builder()
                        .await
                        .build_snapshot()
                        .await
                        .unwrap();
                    log.purge(log_id(1, KILL9_SNAPSHOT_AT - 10)).await.unwrap();
                }
                // Printed only once the entry is flushed: an acknowledged write.
                println!("ACK {i}");
            }
        });
    }

    /// What an output line of the child acknowledges (libtest's "test ... " may precede it).
    fn ack(line: &str) -> Option<&str> {
        line.find("ACK ").map(|at| &line[at + 4..])
    }

    #[test]
    fn acknowledged_entries_survive_kill_9() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Process::new(std::env::current_exe().unwrap())
            .args([
                "cluster::storage::tests::kill9_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(KILL9_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acked = 0u64;
        let mut vote_acked = false;
        let deadline = Instant::now() + Duration::from_secs(120);
        while acked < KILL9_SNAPSHOT_AT + 150 && Instant::now() < deadline {
            let Some(line) = lines.next() else { break };
            let line = line.unwrap();
            match ack(&line) {
                Some("vote") => vote_acked = true,
                Some(n) => acked = n.parse().unwrap(),
                None => {}
            }
        }
        child.kill().unwrap(); // SIGKILL
                               // Lines already written were acknowledged before the kill.
        for line in lines {
            if let Some(n) = ack(&line.unwrap()) {
                acked = acked.max(n.parse().unwrap_or(0));
            }
        }
        child.wait().unwrap();
        assert!(vote_acked);
        assert!(
            acked > KILL9_SNAPSHOT_AT,
            "the child acknowledged only {acked} entries"
        );

        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let (mut log, mut sm, shared) = open(dir.path()).unwrap();
            assert_eq!(
                log.read_vote().await.unwrap(),
                Some(Vote::new_committed(1, 1))
            );
            let state = log.get_log_state().await.unwrap();
            assert_eq!(
                state.last_purged_log_id,
                Some(log_id(1, KILL9_SNAPSHOT_AT - 10))
            );
            let last = state.last_log_id.unwrap().index;
            assert!(last >= acked, "acknowledged {acked}, found {last}");
            let read = log.try_get_log_entries(..).await.unwrap();
            assert_eq!(read, entries(KILL9_SNAPSHOT_AT - 9..=last));

            assert_eq!(
                sm.applied_state().await.unwrap().0,
                Some(log_id(1, KILL9_SNAPSHOT_AT))
            );
            let initial = StorageHelper::new(&mut log, &mut sm)
                .get_initial_state()
                .await
                .unwrap();
            let applied = initial.committed.unwrap().index;
            // Committed is saved after each flushed append, and not flushed itself.
            assert!(
                applied + 1 >= acked,
                "applied {applied}, acknowledged {acked}"
            );
            assert_eq!(shared.read(|s| s.clone()), expected_state(applied));
        });
    }

    // --- a real single-node Raft on the store.

    /// A network for a single-node cluster: there is nobody to talk to.
    #[derive(Clone)]
    struct NoNetwork;

    fn unreachable<E: std::error::Error>() -> RPCError<NodeId, NodeInfo, E> {
        RPCError::Unreachable(Unreachable::new(&std::io::Error::other("no network")))
    }

    impl RaftNetworkFactory<TypeConfig> for NoNetwork {
        type Network = NoNetwork;

        async fn new_client(&mut self, _target: NodeId, _node: &NodeInfo) -> NoNetwork {
            NoNetwork
        }
    }

    impl RaftNetwork<TypeConfig> for NoNetwork {
        async fn append_entries(
            &mut self,
            _rpc: AppendEntriesRequest<TypeConfig>,
            _option: RPCOption,
        ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, NodeInfo, RaftError<NodeId>>>
        {
            Err(unreachable())
        }

        async fn install_snapshot(
            &mut self,
            _rpc: InstallSnapshotRequest<TypeConfig>,
            _option: RPCOption,
        ) -> Result<
            InstallSnapshotResponse<NodeId>,
            RPCError<NodeId, NodeInfo, RaftError<NodeId, InstallSnapshotError>>,
        > {
            Err(unreachable())
        }

        async fn vote(
            &mut self,
            _rpc: VoteRequest<NodeId>,
            _option: RPCOption,
        ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, NodeInfo, RaftError<NodeId>>> {
            Err(unreachable())
        }
    }

    async fn start_raft(dir: &Path) -> (Raft, Arc<SharedState>) {
        let (log, sm, shared) = open(dir).unwrap();
        let config = openraft::Config {
            heartbeat_interval: 100,
            election_timeout_min: 300,
            election_timeout_max: 600,
            snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(20),
            max_in_snapshot_log_to_keep: 5,
            purge_batch_size: 1,
            ..Default::default()
        };
        let raft = Raft::new(1, Arc::new(config.validate().unwrap()), NoNetwork, log, sm)
            .await
            .unwrap();
        (raft, shared)
    }

    #[tokio::test]
    async fn single_node_raft_restarts_with_its_state() {
        let dir = tempfile::tempdir().unwrap();
        let n = 57u64;
        let expected = {
            let (raft, shared) = start_raft(dir.path()).await;
            let node = NodeInfo {
                raft_addr: "127.0.0.1:7001".into(),
                rest_url: "http://127.0.0.1:8001".into(),
            };
            raft.initialize(BTreeMap::from([(1, node)])).await.unwrap();
            for i in 0..n {
                let cmd = if i % 2 == 0 {
                    put(&format!("c{}", i % 5), i)
                } else {
                    offsets(i)
                };
                raft.client_write(cmd).await.unwrap();
            }
            // Snapshots were built and the log purged behind them.
            let metrics = raft
                .wait(Some(Duration::from_secs(10)))
                .metrics(
                    |m| {
                        m.snapshot.is_some_and(|s| s.index >= 20)
                            && m.purged.is_some_and(|p| p.index >= 15)
                    },
                    "snapshot and purge",
                )
                .await
                .unwrap();
            let state = shared.read(|s| s.clone());
            assert_eq!(state.source_offsets["c0"]["p"], (n - 2).to_string());
            raft.shutdown().await.unwrap();
            drop(raft);
            assert!(metrics.last_applied.is_some());
            state
        };
        // Raft::new is done only when the db is released by the previous instance.
        let (raft, shared) = start_raft(dir.path()).await;
        // Before any election: the snapshot plus the committed log re-applied.
        assert_eq!(shared.read(|s| s.clone()), expected);
        raft.wait(Some(Duration::from_secs(10)))
            .metrics(
                |m| {
                    m.snapshot.is_some_and(|s| s.index >= 20)
                        && m.last_applied.is_some_and(|a| a.index >= n)
                },
                "snapshot and applied state after restart",
            )
            .await
            .unwrap();
        raft.client_write(offsets(1000)).await.unwrap();
        assert_eq!(shared.read(|s| s.source_offsets["c0"]["p"].clone()), "1000");
        raft.shutdown().await.unwrap();
    }
}
