//! The background reader of the replication stream: decodes pgoutput messages into a
//! bounded channel for the task's `poll`, answers the server's keepalives, and reports
//! the flush position the task last confirmed (never more).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::lsn::Lsn;
use super::pgoutput::{decode, Message};
use super::replication::{ReplicationConnection, StreamMessage};
use crate::error::CdcError;

/// What the reader hands to the task.
#[derive(Debug)]
pub enum StreamEvent {
    /// A decoded message and the WAL position it was sent at.
    Change { lsn: Lsn, message: Message },
    /// The server has sent everything up to `wal_end` (only sent when the channel has
    /// room: it is a hint that lets an idle slot advance).
    Keepalive { wal_end: Lsn },
    /// The stream failed; nothing follows.
    Failed(CdcError),
}

/// A running reader.
pub struct Stream {
    pub events: mpsc::Receiver<StreamEvent>,
    /// The flush LSN to report: set by the task once records are committed.
    pub confirmed: Arc<AtomicU64>,
    reader: JoinHandle<()>,
}

impl Stream {
    /// Starts reading `conn`, already in CopyBoth mode.
    pub fn spawn(
        conn: ReplicationConnection,
        capacity: usize,
        status_interval: Duration,
        confirmed_from: Lsn,
    ) -> Stream {
        let (tx, rx) = mpsc::channel(capacity);
        let confirmed = Arc::new(AtomicU64::new(confirmed_from.0));
        let reader = tokio::spawn(read(conn, tx, confirmed.clone(), status_interval));
        Stream {
            events: rx,
            confirmed,
            reader,
        }
    }

    /// Raises the flush position reported to the server (never lowers it).
    pub fn confirm(&self, lsn: Lsn) {
        self.confirmed.fetch_max(lsn.0, Ordering::SeqCst);
    }

    pub fn stop(&self) {
        self.reader.abort();
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

async fn read(
    mut conn: ReplicationConnection,
    tx: mpsc::Sender<StreamEvent>,
    confirmed: Arc<AtomicU64>,
    status_interval: Duration,
) {
    // What the server sent; only logged: the status reports write = flush = what is
    // confirmed, so the server keeps sending keepalives (which advance an idle slot).
    let mut received = Lsn(0);
    let mut next_status = Instant::now() + status_interval;
    let mut last_sent_flush = 0u64;
    loop {
        let flush = Lsn(confirmed.load(Ordering::SeqCst));
        // Report as soon as the confirmed position moves, and on the interval.
        if flush.0 != last_sent_flush || Instant::now() >= next_status {
            if let Err(e) = conn.send_status(flush, flush).await {
                let _ = tx.send(StreamEvent::Failed(e)).await;
                return;
            }
            if flush.0 != last_sent_flush {
                tracing::debug!(%flush, "confirmed flush position to PostgreSQL");
            }
            last_sent_flush = flush.0;
            next_status = Instant::now() + status_interval;
        }
        let msg = tokio::select! {
            m = conn.recv() => m,
            // Wake up to report a newly confirmed position even when the server is quiet.
            _ = tokio::time::sleep(Duration::from_millis(200)) => continue,
        };
        match msg {
            Ok(StreamMessage::XLogData {
                wal_start,
                wal_end,
                data,
            }) => {
                received = received.max(wal_end);
                let event = match decode(&data) {
                    Ok(message) => StreamEvent::Change {
                        lsn: wal_start,
                        message,
                    },
                    Err(e) => StreamEvent::Failed(e),
                };
                let failed = matches!(event, StreamEvent::Failed(_));
                // Wait for room, but keep telling the server we are alive: it drops a
                // standby silent for wal_sender_timeout (60 s by default).
                let permit = loop {
                    match tokio::time::timeout(status_interval, tx.reserve()).await {
                        Ok(Ok(permit)) => break permit,
                        Ok(Err(_)) => return,
                        Err(_) => {
                            let flush = Lsn(confirmed.load(Ordering::SeqCst));
                            if let Err(e) = conn.send_status(flush, flush).await {
                                tracing::warn!("cannot send a status update: {e}");
                                return;
                            }
                            last_sent_flush = flush.0;
                        }
                    }
                };
                permit.send(event);
                if failed {
                    return;
                }
            }
            Ok(StreamMessage::Keepalive { wal_end, reply }) => {
                received = received.max(wal_end);
                let _ = tx.try_send(StreamEvent::Keepalive { wal_end });
                if reply {
                    let flush = Lsn(confirmed.load(Ordering::SeqCst));
                    if let Err(e) = conn.send_status(flush, flush).await {
                        let _ = tx.send(StreamEvent::Failed(e)).await;
                        return;
                    }
                    last_sent_flush = flush.0;
                }
                tracing::trace!(%received, "keepalive");
            }
            Err(e) => {
                let _ = tx.send(StreamEvent::Failed(e)).await;
                return;
            }
        }
    }
}
