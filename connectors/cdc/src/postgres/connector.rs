//! Debezium's `PostgresConnector`: checks the configuration against the server before
//! anything starts (each problem reported on the key to change, with what to change
//! on the database) and runs a single task, as Debezium does.

use std::future::Future;

use connect_api::config::ConfigDef;
use connect_api::{ConnectError, Props, SourceTask};

use super::checks::check;
use super::config::{config_def, PostgresSettings};
use super::task::PostgresSourceTask;
use crate::connector_support::{CdcConnector, CdcDatabase};
use crate::error::CdcError;

/// PostgreSQL as the shared connector half needs it.
#[derive(Debug)]
pub enum Postgres {}

impl CdcDatabase for Postgres {
    type Settings = PostgresSettings;

    fn config_def() -> ConfigDef {
        config_def()
    }

    fn parse(props: &Props) -> Result<PostgresSettings, ConnectError> {
        PostgresSettings::parse(props)
    }

    fn check(settings: &PostgresSettings) -> impl Future<Output = Result<(), CdcError>> + Send {
        check(settings)
    }

    fn create_task() -> Box<dyn SourceTask> {
        Box::new(PostgresSourceTask::new())
    }
}

/// Debezium's `io.debezium.connector.postgresql.PostgresConnector`.
pub type PostgresConnector = CdcConnector<Postgres>;
