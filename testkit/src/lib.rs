//! The one test harness: starts the real components integration tests and benchmarks
//! need (the Kafka-protocol broker, raftconnect worker processes) and cleans up after
//! them. Every crate's tests use this; none starts processes on its own.

pub mod broker;
pub mod cluster;
pub mod database;
pub mod http;
pub mod opensearch;
pub mod process;
pub mod s3;

pub use broker::{create_topic, tansu_bin, Broker};
pub use cluster::Cluster;
pub use database::{MariaDb, Postgres};
pub use opensearch::SearchServer;
pub use process::{free_port, wait_until, Worker};
pub use s3::S3Server;
