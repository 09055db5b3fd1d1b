//! The fault-injection suite: a cluster runtime (local processes in network namespaces,
//! or docker containers), a workload that drives the cluster and records every client
//! operation, nemeses that kill, pause and partition nodes, and checkers that judge the
//! recorded history and the final data.

pub mod checker;
pub mod client;
pub mod history;
pub mod judge;
pub mod nemesis;
pub mod pipeline;
pub mod rng;
pub mod run;
pub mod runtime;
pub mod workload;
