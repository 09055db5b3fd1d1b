//! The Kafka Connect REST API (warp). Being written; see `serve`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::herder::Herder;

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("cannot listen on {addr} (listeners): {reason}")]
    Bind { addr: SocketAddr, reason: String },
}

/// Serves the API on `addr` until `shutdown` resolves. Binding errors are returned
/// before serving starts.
pub async fn serve(
    _herder: Arc<Herder>,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RestError> {
    let _ = addr;
    shutdown.await;
    Ok(())
}
