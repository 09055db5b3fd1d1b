//! The checks against the server: what the connector verifies before it starts
//! ([`check`]) and what the task verifies again at each start (`check_server`).
//! Kept apart from the connector and the task so both can use them.

use sqlx::postgres::PgConnection;

use super::catalog;
use super::config::{PostgresSettings, HOSTNAME, SLOT_NAME, TABLE_INCLUDE_LIST, USER};
use super::replication::ReplicationConnection;
use crate::error::CdcError;

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
