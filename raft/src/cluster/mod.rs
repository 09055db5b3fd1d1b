//! Distributed mode: the cluster state machine replicated with openraft.
//!
//! - [`types`]: the openraft type configuration.
//! - [`log_store`], [`state_machine`]: openraft's storage-v2 traits on sled.

pub mod log_store;
pub mod state_machine;
pub mod types;
