//! The raftconnect worker: a Kafka Connect runtime on a Raft-replicated brain.
//!
//! - [`cli`]: the `raftconnect` command line (standalone mode today).
//! - [`runtime`]: the worker actor and the connector/task instance loops.
//! - [`herder`]: what the REST API asks of the cluster; [`rest`]: the API itself.
//! - [`kafka`]: Kafka client configs, topic admin, the development broker.
//! - [`worker_config`], [`connector_config`]: the two kinds of user configuration;
//!   [`config_providers`]: `${provider:[path:]key}` placeholders in connector configs.

pub mod auth;
pub mod cli;
pub mod cluster_config;
pub mod config_providers;
pub mod connector_config;
pub mod herder;
pub mod kafka;
pub mod plugins;
pub mod rest;
pub mod runtime;
pub mod transform_cli;
pub mod worker_config;
