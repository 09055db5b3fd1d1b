//! Debezium's `MySqlConnector` (and `MariaDbConnector`): checks the configuration
//! against the server before anything starts (each problem reported on the key to
//! change, with what to change on the database) and runs a single task, as Debezium
//! does: one binlog is read in order by one reader.

use std::future::Future;

use connect_api::config::ConfigDef;
use connect_api::{ConnectError, Props, SourceTask};

use super::catalog;
use super::config::{config_def, MySqlSettings, TABLE_INCLUDE_LIST};
use super::task::MySqlSourceTask;
use crate::connector_support::{CdcConnector, CdcDatabase};
use crate::error::CdcError;

/// Everything the connector checks before it starts: the server is reachable with
/// these credentials, keeps a row-based binlog with full images, the user may read
/// it, and the include list matches a table.
pub async fn check(settings: &MySqlSettings) -> Result<(), CdcError> {
    let mut conn = catalog::connect(&settings.connect).await?;
    let result = async {
        catalog::check_server(&mut conn, settings).await?;
        let tables = catalog::captured_tables(&mut conn, settings).await?;
        if tables.is_empty() && !settings.filter.table_include.is_empty() {
            return Err(CdcError::config(
                TABLE_INCLUDE_LIST,
                "matches no table of the server (patterns are regular expressions on database.table)",
            ));
        }
        Ok(())
    }
    .await;
    catalog::close(conn).await;
    result
}

/// MySQL and MariaDB as the shared connector half needs it.
#[derive(Debug)]
pub enum MySql {}

impl CdcDatabase for MySql {
    type Settings = MySqlSettings;

    fn config_def() -> ConfigDef {
        config_def()
    }

    fn parse(props: &Props) -> Result<MySqlSettings, ConnectError> {
        MySqlSettings::parse(props)
    }

    fn check(settings: &MySqlSettings) -> impl Future<Output = Result<(), CdcError>> + Send {
        check(settings)
    }

    fn create_task() -> Box<dyn SourceTask> {
        Box::new(MySqlSourceTask::new())
    }
}

/// Debezium's `io.debezium.connector.mysql.MySqlConnector` /
/// `io.debezium.connector.mariadb.MariaDbConnector`.
pub type MySqlConnector = CdcConnector<MySql>;
