//! Normal SQL (sqlx) against the server: what the connector checks before it starts,
//! the tables and columns it captures, the publication, and the slot's state.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row};

use super::config::{PostgresSettings, PublicationMode, DBNAME, HOSTNAME, PUBLICATION_NAME, USER};
use super::replication::quote_ident;
use crate::error::CdcError;

/// A table by schema and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId {
    pub schema: String,
    pub table: String,
}

impl TableId {
    pub fn new(schema: impl Into<String>, table: impl Into<String>) -> TableId {
        TableId {
            schema: schema.into(),
            table: table.into(),
        }
    }

    /// `"schema"."table"`
    pub fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.table))
    }
}

impl std::fmt::Display for TableId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.table)
    }
}

/// A column as the catalog describes it (domains resolved to their base type).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogColumn {
    pub name: String,
    pub type_oid: u32,
    pub typmod: i32,
    pub not_null: bool,
    /// 1-based position in the primary key, 0 when not part of it.
    pub pk_position: i32,
}

/// The state of a replication slot.
#[derive(Debug, Clone)]
pub struct SlotInfo {
    pub active_pid: Option<i32>,
    pub plugin: Option<String>,
    pub database: Option<String>,
    pub confirmed_flush: Option<String>,
}

/// Maps a connection failure to the key to fix.
fn connect_error(settings: &PostgresSettings, e: sqlx::Error) -> CdcError {
    let c = &settings.connect;
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            match code.as_str() {
                "28P01" | "28000" => CdcError::config(
                    super::config::PASSWORD,
                    format!("PostgreSQL rejected user '{}': {}", c.user, db.message()),
                ),
                "3D000" => CdcError::config(DBNAME, db.message().to_string()),
                _ => CdcError::config(USER, db.message().to_string()),
            }
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => CdcError::config(
            HOSTNAME,
            format!("Cannot connect to PostgreSQL at {}:{}: {e}", c.host, c.port),
        ),
        _ => CdcError::sql(
            format!("Cannot connect to PostgreSQL at {}:{}", c.host, c.port),
            e,
        ),
    }
}

/// A normal connection in UTC, with the text formats the value parser expects.
pub async fn connect(settings: &PostgresSettings) -> Result<PgConnection, CdcError> {
    let c = &settings.connect;
    let options = PgConnectOptions::new()
        .host(&c.host)
        .port(c.port)
        .username(&c.user)
        .password(&c.password)
        .database(&c.database)
        .application_name("raftconnect-cdc")
        .options([
            ("TimeZone", "UTC"),
            ("DateStyle", "ISO"),
            ("IntervalStyle", "postgres"),
            ("extra_float_digits", "3"),
        ])
        .disable_statement_logging();
    tokio::time::timeout(c.connect_timeout, options.connect())
        .await
        .map_err(|_| {
            CdcError::config(
                HOSTNAME,
                format!(
                    "Cannot connect to PostgreSQL at {}:{}: timed out",
                    c.host, c.port
                ),
            )
        })?
        .map_err(|e| connect_error(settings, e))
}

pub async fn wal_level(conn: &mut PgConnection) -> Result<String, CdcError> {
    sqlx::query_scalar::<_, String>("SHOW wal_level")
        .fetch_one(conn)
        .await
        .map_err(|e| CdcError::sql("Cannot read wal_level", e))
}

/// Whether the current user may open replication connections.
pub async fn can_replicate(conn: &mut PgConnection) -> Result<bool, CdcError> {
    sqlx::query_scalar::<_, bool>(
        "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(conn)
    .await
    .map_err(|e| CdcError::sql("Cannot read the user's privileges", e))
}

pub async fn slot(conn: &mut PgConnection, name: &str) -> Result<Option<SlotInfo>, CdcError> {
    let row = sqlx::query(
        "SELECT active_pid, plugin::text, database::text, confirmed_flush_lsn::text \
         FROM pg_replication_slots WHERE slot_name = $1",
    )
    .bind(name)
    .fetch_optional(conn)
    .await
    .map_err(|e| CdcError::sql("Cannot read pg_replication_slots", e))?;
    Ok(row.map(|r| SlotInfo {
        active_pid: r.try_get(0).ok().flatten(),
        plugin: r.try_get(1).ok().flatten(),
        database: r.try_get(2).ok().flatten(),
        confirmed_flush: r.try_get(3).ok().flatten(),
    }))
}

/// Every ordinary and partitioned table the filter captures, sorted.
pub async fn captured_tables(
    conn: &mut PgConnection,
    settings: &PostgresSettings,
) -> Result<Vec<TableId>, CdcError> {
    let rows = sqlx::query(
        "SELECT n.nspname::text, c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' \
         ORDER BY 1, 2",
    )
    .fetch_all(conn)
    .await
    .map_err(|e| CdcError::sql("Cannot list tables", e))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let schema: String = r.try_get(0).ok()?;
            let table: String = r.try_get(1).ok()?;
            settings
                .filter
                .includes_table(&schema, &table)
                .then(|| TableId::new(schema, table))
        })
        .collect())
}

/// A table's columns in attribute order (generated columns left out, as pgoutput
/// version 1 does).
pub async fn columns(
    conn: &mut PgConnection,
    table: &TableId,
) -> Result<Vec<CatalogColumn>, CdcError> {
    let rows = sqlx::query(
        "SELECT a.attname::text, \
                (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END)::int8, \
                (CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)::int4, \
                a.attnotnull, \
                COALESCE((SELECT k.n FROM unnest(i.indkey) WITH ORDINALITY k(att, n) WHERE k.att = a.attnum), 0)::int4 \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary \
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 \
           AND NOT a.attisdropped AND a.attgenerated = '' \
         ORDER BY a.attnum",
    )
    .bind(&table.schema)
    .bind(&table.table)
    .fetch_all(conn)
    .await
    .map_err(|e| CdcError::sql(format!("Cannot read the columns of {table}"), e))?;
    rows.into_iter()
        .map(|r| {
            let oid: i64 = r.try_get(1).map_err(|e| CdcError::sql("column type", e))?;
            Ok(CatalogColumn {
                name: r.try_get(0).map_err(|e| CdcError::sql("column name", e))?,
                type_oid: u32::try_from(oid).unwrap_or(0),
                typmod: r
                    .try_get(2)
                    .map_err(|e| CdcError::sql("column typmod", e))?,
                not_null: r
                    .try_get(3)
                    .map_err(|e| CdcError::sql("column nullability", e))?,
                pk_position: r.try_get(4).map_err(|e| CdcError::sql("primary key", e))?,
            })
        })
        .collect()
}

/// Makes sure the publication exists as `publication.autocreate.mode` asks.
pub async fn ensure_publication(
    conn: &mut PgConnection,
    settings: &PostgresSettings,
    tables: &[TableId],
) -> Result<(), CdcError> {
    let name = &settings.publication_name;
    let exists =
        sqlx::query_scalar::<_, bool>("SELECT puballtables FROM pg_publication WHERE pubname = $1")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| CdcError::sql("Cannot read pg_publication", e))?;
    let table_list = tables
        .iter()
        .map(TableId::quoted)
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match (settings.publication_mode, exists) {
        (PublicationMode::Disabled, None) => {
            return Err(CdcError::config(
                PUBLICATION_NAME,
                format!("Publication '{name}' does not exist and publication.autocreate.mode is disabled: create it (CREATE PUBLICATION {name} FOR ALL TABLES) or change the mode"),
            ))
        }
        (PublicationMode::AllTables, None) => {
            format!("CREATE PUBLICATION {} FOR ALL TABLES", quote_ident(name))
        }
        (PublicationMode::Filtered, None) if tables.is_empty() => {
            format!("CREATE PUBLICATION {}", quote_ident(name))
        }
        (PublicationMode::Filtered, None) => {
            format!("CREATE PUBLICATION {} FOR TABLE {table_list}", quote_ident(name))
        }
        (PublicationMode::Filtered, Some(false)) if !tables.is_empty() => {
            format!("ALTER PUBLICATION {} SET TABLE {table_list}", quote_ident(name))
        }
        _ => return Ok(()),
    };
    tracing::info!(publication = %name, "{sql}");
    sqlx::query(AssertSqlSafe(sql.clone())).execute(conn).await.map_err(|e| {
        CdcError::config(
            PUBLICATION_NAME,
            format!("Cannot create publication '{name}' ({sql}): {e}; create it as a superuser or the tables' owner"),
        )
    })?;
    Ok(())
}

pub async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}
