//! Debezium's `MySqlConnector` (and `MariaDbConnector`): checks the configuration
//! against the server before anything starts (each problem reported on the key to
//! change, with what to change on the database) and runs a single task, as Debezium
//! does: one binlog is read in order by one reader.

use async_trait::async_trait;
use connect_api::config::ConfigDef;
use connect_api::{
    ConfigInfos, ConnectError, Connector, ConnectorContext, Props, SourceConnector, SourceTask,
};

use super::catalog;
use super::config::{config_def, MySqlSettings, HOSTNAME, TABLE_INCLUDE_LIST};
use super::task::MySqlSourceTask;
use crate::error::CdcError;
use crate::VERSION;

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

/// Runs `f` to completion on a private runtime in another thread: `validate` is
/// synchronous, and may be called from inside a runtime.
fn block_on_side<T: Send>(f: impl std::future::Future<Output = T> + Send) -> Option<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()
                    .map(|rt| rt.block_on(f))
            })
            .join()
            .ok()
            .flatten()
    })
}

/// Debezium's `io.debezium.connector.mysql.MySqlConnector` /
/// `io.debezium.connector.mariadb.MariaDbConnector`.
#[derive(Debug, Default)]
pub struct MySqlConnector {
    props: Props,
}

impl MySqlConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for MySqlConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    /// The keys' own checks, then the cross-key rules and the server checks of
    /// `start`, each reported on the key to fix.
    fn validate(&self, props: &Props) -> ConfigInfos {
        let mut infos = config_def().validate(props);
        if !infos.errors().is_empty() {
            return infos;
        }
        match MySqlSettings::parse(props) {
            Err(ConnectError::Config { key, message }) => infos.add_error(&key, message),
            Err(e) => infos.add_error(HOSTNAME, e.to_string()),
            Ok(settings) => {
                if let Some(Err(e)) = block_on_side(check(&settings)) {
                    let key = e.key().unwrap_or(HOSTNAME).to_string();
                    let message = match e {
                        CdcError::Config { message, .. } => message,
                        other => other.to_string(),
                    };
                    infos.add_error(&key, message);
                }
            }
        }
        infos
    }

    async fn start(
        &mut self,
        _context: ConnectorContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let settings = MySqlSettings::parse(&props)?;
        check(&settings).await?;
        self.props = props;
        Ok(())
    }

    /// One task, whatever `tasks.max` says.
    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        if max_tasks == 0 {
            return Ok(Vec::new());
        }
        Ok(vec![self.props.clone()])
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl SourceConnector for MySqlConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(MySqlSourceTask::new())
    }
}
