//! Debezium's `PostgresConnector`: checks the configuration against the server before
//! anything starts (each problem reported on the key to change, with what to change
//! on the database) and runs a single task, as Debezium does.

use async_trait::async_trait;
use connect_api::config::ConfigDef;
use connect_api::{
    ConfigInfos, ConnectError, Connector, ConnectorContext, Props, SourceConnector, SourceTask,
};
use sqlx::postgres::PgConnection;

use super::catalog;
use super::config::{config_def, PostgresSettings, HOSTNAME, SLOT_NAME, TABLE_INCLUDE_LIST, USER};
use super::replication::ReplicationConnection;
use super::task::PostgresSourceTask;
use crate::error::CdcError;
use crate::VERSION;

/// Checks the server can serve logical replication to this user: wal_level, the
/// REPLICATION attribute, and that an existing slot of ours is a pgoutput slot of
/// this database.
pub(crate) async fn check_server(
    conn: &mut PgConnection,
    settings: &PostgresSettings,
) -> Result<(), CdcError> {
    let level = catalog::wal_level(conn).await?;
    if level != "logical" {
        return Err(CdcError::config(
            HOSTNAME,
            format!(
                "The server at {}:{} has wal_level={level}; logical decoding needs wal_level=logical: set it in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL",
                settings.connect.host, settings.connect.port
            ),
        ));
    }
    if !catalog::can_replicate(conn).await? {
        return Err(CdcError::config(
            USER,
            format!(
                "User '{}' may not open replication connections: grant it the REPLICATION attribute (ALTER ROLE {} REPLICATION)",
                settings.connect.user, settings.connect.user
            ),
        ));
    }
    if let Some(slot) = catalog::slot(conn, &settings.slot_name).await? {
        if slot.plugin.as_deref() != Some("pgoutput") {
            return Err(CdcError::config(
                SLOT_NAME,
                format!(
                    "Slot '{}' exists with plug-in {}; choose another slot.name or drop the slot (SELECT pg_drop_replication_slot('{}'))",
                    settings.slot_name,
                    slot.plugin.as_deref().unwrap_or("none"),
                    settings.slot_name
                ),
            ));
        }
        if slot.database.as_deref() != Some(settings.connect.database.as_str()) {
            return Err(CdcError::config(
                SLOT_NAME,
                format!(
                    "Slot '{}' belongs to database {}; choose another slot.name",
                    settings.slot_name,
                    slot.database.as_deref().unwrap_or("none")
                ),
            ));
        }
    }
    Ok(())
}

/// Everything the connector checks before it starts.
pub async fn check(settings: &PostgresSettings) -> Result<(), CdcError> {
    let mut conn = catalog::connect(settings).await?;
    let result = async {
        check_server(&mut conn, settings).await?;
        if let Some(slot) = catalog::slot(&mut conn, &settings.slot_name).await? {
            if let Some(pid) = slot.active_pid {
                return Err(CdcError::config(
                    SLOT_NAME,
                    format!(
                        "Slot '{}' is in use by process {pid} (another connector or client with the same slot.name?): stop it or choose a different slot.name",
                        settings.slot_name
                    ),
                ));
            }
        }
        let tables = catalog::captured_tables(&mut conn, settings).await?;
        if tables.is_empty() && !settings.filter.table_include.is_empty() {
            return Err(CdcError::config(
                TABLE_INCLUDE_LIST,
                "matches no table of the database (patterns are regular expressions on schema.table)",
            ));
        }
        // The replication connection has its own pg_hba.conf rules.
        let repl = ReplicationConnection::connect(&settings.connect)
            .await
            .map_err(|e| match e {
                CdcError::Server { message, .. } => CdcError::config(
                    USER,
                    format!("PostgreSQL refused a replication connection: {message}; allow it in pg_hba.conf (host replication ...) and grant the REPLICATION attribute"),
                ),
                other => other,
            })?;
        repl.close().await;
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

/// Debezium's `io.debezium.connector.postgresql.PostgresConnector`.
#[derive(Debug, Default)]
pub struct PostgresConnector {
    props: Props,
}

impl PostgresConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for PostgresConnector {
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
        match PostgresSettings::parse(props) {
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
        let settings = PostgresSettings::parse(&props)?;
        check(&settings).await?;
        self.props = props;
        Ok(())
    }

    /// One task, whatever `tasks.max` says: one slot streams in commit order.
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

impl SourceConnector for PostgresConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(PostgresSourceTask::new())
    }
}
