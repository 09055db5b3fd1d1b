//! Normal SQL against the server (mysql_async): connections, the checks the connector
//! runs before it starts, the captured tables and their columns, and binlog positions.

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Row};

use super::config::{ConnectParams, MySqlSettings, HOSTNAME, PASSWORD, USER};
use super::offset::BinlogPosition;
use super::types::ColumnDef;
use crate::error::CdcError;

/// Databases never captured.
const SYSTEM_DATABASES: &[&str] = &["mysql", "information_schema", "performance_schema", "sys"];

/// `ER_ACCESS_DENIED_ERROR`.
const ACCESS_DENIED: u16 = 1045;

/// A mysql_async error in this crate's terms: broken connections stay retriable (Io),
/// what the server said keeps its error code.
pub fn my_err(context: impl Into<String>, e: mysql_async::Error) -> CdcError {
    let context = context.into();
    match e {
        mysql_async::Error::Server(s) => CdcError::Server {
            context,
            severity: "ERROR".into(),
            code: s.code.to_string(),
            message: s.message,
        },
        mysql_async::Error::Io(io) => CdcError::io(context, std::io::Error::other(io.to_string())),
        other => CdcError::Protocol(format!("{context}: {other}")),
    }
}

/// The server error code of an error, if it is one.
pub fn server_code(e: &CdcError) -> Option<u16> {
    match e {
        CdcError::Server { code, .. } => code.parse().ok(),
        _ => None,
    }
}

/// Opens a connection (no database selected, session time zone UTC so TIMESTAMPs read
/// as UTC). Unreachable servers and rejected credentials are config errors naming the
/// key to fix.
pub async fn connect(p: &ConnectParams) -> Result<Conn, CdcError> {
    let opts = OptsBuilder::default()
        .ip_or_hostname(p.host.clone())
        .tcp_port(p.port)
        .user(Some(p.user.clone()))
        .pass(Some(p.password.clone()))
        .prefer_socket(false)
        .init(vec!["SET time_zone = '+00:00'".to_string()]);
    let where_ = format!("{}:{}", p.host, p.port);
    match tokio::time::timeout(p.connect_timeout, Conn::new(opts)).await {
        Err(_) => Err(CdcError::config(
            HOSTNAME,
            format!("Timed out after {:?} connecting to MySQL at {where_}", p.connect_timeout),
        )),
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(mysql_async::Error::Server(s))) if s.code == ACCESS_DENIED => Err(CdcError::config(
            PASSWORD,
            format!("MySQL at {where_} rejected user '{}': {} (check database.user and database.password)", p.user, s.message),
        )),
        Ok(Err(e @ (mysql_async::Error::Io(_) | mysql_async::Error::Driver(_)))) => Err(CdcError::config(
            HOSTNAME,
            format!("Cannot connect to MySQL at {where_}: {e}"),
        )),
        Ok(Err(e)) => Err(my_err(format!("Connecting to MySQL at {where_}"), e)),
    }
}

pub async fn close(conn: Conn) {
    if let Err(e) = conn.disconnect().await {
        tracing::debug!(error = %e, "closing a MySQL connection");
    }
}

fn get<T: mysql_async::prelude::FromValue>(row: &mut Row, i: usize) -> Option<T> {
    row.take_opt::<Option<T>, _>(i)
        .and_then(Result::ok)
        .flatten()
}

async fn variable(conn: &mut Conn, name: &str) -> Result<Option<String>, CdcError> {
    let mut rows: Vec<Row> = conn
        .query(format!("SHOW GLOBAL VARIABLES LIKE '{name}'"))
        .await
        .map_err(|e| my_err(format!("Reading @@{name}"), e))?;
    Ok(rows.first_mut().and_then(|r| get::<String>(r, 1)))
}

/// The replication privileges the user holds on `*.*`, from SHOW GRANTS.
async fn global_grants(conn: &mut Conn) -> Result<String, CdcError> {
    let rows: Vec<Row> = conn
        .query("SHOW GRANTS")
        .await
        .map_err(|e| my_err("SHOW GRANTS", e))?;
    let mut all = String::new();
    for mut r in rows {
        if let Some(g) = get::<String>(&mut r, 0) {
            if g.contains(" ON *.* ") {
                all.push_str(&g.to_ascii_uppercase());
                all.push('\n');
            }
        }
    }
    Ok(all)
}

/// Checks the server keeps a binlog this connector can read, and the user may read it.
pub async fn check_server(conn: &mut Conn, settings: &MySqlSettings) -> Result<(), CdcError> {
    let host = format!("{}:{}", settings.connect.host, settings.connect.port);
    let log_bin = variable(conn, "log_bin").await?.unwrap_or_default();
    if !log_bin.eq_ignore_ascii_case("ON") {
        return Err(CdcError::config(
            HOSTNAME,
            format!("The server at {host} has no binary log (log_bin={log_bin}): start it with log-bin, server-id, binlog_format=ROW and binlog_row_image=FULL"),
        ));
    }
    let format = variable(conn, "binlog_format").await?.unwrap_or_default();
    if !format.eq_ignore_ascii_case("ROW") {
        return Err(CdcError::config(
            HOSTNAME,
            format!("The server at {host} has binlog_format={format}; change data capture needs binlog_format=ROW (SET GLOBAL binlog_format = 'ROW', and in the server's configuration)"),
        ));
    }
    // Absent before MySQL 5.6 / MariaDB 10.1.6: those always log full images.
    if let Some(image) = variable(conn, "binlog_row_image").await? {
        if !image.eq_ignore_ascii_case("FULL") {
            return Err(CdcError::config(
                HOSTNAME,
                format!("The server at {host} has binlog_row_image={image}; change events need full row images: SET GLOBAL binlog_row_image = 'FULL' (and in the server's configuration)"),
            ));
        }
    }
    let grants = global_grants(conn).await?;
    let has = |p: &str| grants.contains("ALL PRIVILEGES") || grants.contains(p);
    let mut missing = Vec::new();
    if !has("REPLICATION SLAVE") && !has("REPLICATION REPLICA") {
        missing.push("REPLICATION SLAVE");
    }
    // MariaDB 10.5+ calls REPLICATION CLIENT "BINLOG MONITOR".
    if !has("REPLICATION CLIENT") && !has("BINLOG MONITOR") {
        missing.push("REPLICATION CLIENT");
    }
    if !missing.is_empty() {
        let user = &settings.connect.user;
        return Err(CdcError::config(
            USER,
            format!(
                "User '{user}' lacks {}: GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '{user}'",
                missing.join(" and ")
            ),
        ));
    }
    Ok(())
}

/// The binlog position now (SHOW MASTER STATUS, or SHOW BINARY LOG STATUS on MySQL 8.4+).
pub async fn binlog_position(conn: &mut Conn) -> Result<BinlogPosition, CdcError> {
    let rows = match conn.query::<Row, _>("SHOW MASTER STATUS").await {
        Ok(rows) => rows,
        Err(_) => conn
            .query::<Row, _>("SHOW BINARY LOG STATUS")
            .await
            .map_err(|e| my_err("SHOW BINARY LOG STATUS", e))?,
    };
    let Some(mut row) = rows.into_iter().next() else {
        return Err(CdcError::config(
            HOSTNAME,
            "SHOW MASTER STATUS returned nothing: the server has no binary log (start it with log-bin)",
        ));
    };
    match (get::<String>(&mut row, 0), get::<u64>(&mut row, 1)) {
        (Some(file), Some(pos)) => Ok(BinlogPosition { file, pos }),
        _ => Err(CdcError::Protocol(
            "SHOW MASTER STATUS returned no file and position".into(),
        )),
    }
}

/// The binlog files the server still has.
pub async fn binlog_files(conn: &mut Conn) -> Result<Vec<String>, CdcError> {
    let rows: Vec<Row> = conn
        .query("SHOW BINARY LOGS")
        .await
        .map_err(|e| my_err("SHOW BINARY LOGS", e))?;
    Ok(rows
        .into_iter()
        .filter_map(|mut r| get::<String>(&mut r, 0))
        .collect())
}

/// MariaDB's `@@gtid_binlog_pos` (None on MySQL).
pub async fn mariadb_gtid_pos(conn: &mut Conn) -> Option<String> {
    conn.query_first::<Option<String>, _>("SELECT @@GLOBAL.gtid_binlog_pos")
        .await
        .ok()
        .flatten()
        .flatten()
}

/// A captured table's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId {
    pub db: String,
    pub table: String,
}

impl std::fmt::Display for TableId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.db, self.table)
    }
}

fn is_system(db: &str) -> bool {
    SYSTEM_DATABASES.iter().any(|s| s.eq_ignore_ascii_case(db))
}

/// Whether `db.table` is captured under the settings' filters.
pub fn captured(settings: &MySqlSettings, db: &str, table: &str) -> bool {
    !is_system(db) && settings.filter.includes_table(db, table)
}

/// The base tables the filters select, ordered by name.
pub async fn captured_tables(
    conn: &mut Conn,
    settings: &MySqlSettings,
) -> Result<Vec<TableId>, CdcError> {
    let rows: Vec<Row> = conn
        .query(
            "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME",
        )
        .await
        .map_err(|e| my_err("Listing tables", e))?;
    Ok(rows
        .into_iter()
        .filter_map(|mut r| {
            Some(TableId {
                db: get(&mut r, 0)?,
                table: get(&mut r, 1)?,
            })
        })
        .filter(|t| captured(settings, &t.db, &t.table))
        .collect())
}

/// Quotes an identifier with backticks.
pub fn quote(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

/// A table's columns in ordinal order, with their primary key positions and
/// (MariaDB) whether a LONGTEXT column is JSON.
pub async fn columns(conn: &mut Conn, id: &TableId) -> Result<Vec<ColumnDef>, CdcError> {
    let context = || format!("Reading the columns of {id}");
    let rows: Vec<Row> = conn
        .exec(
            "SELECT c.COLUMN_NAME, LOWER(c.DATA_TYPE), LOWER(c.COLUMN_TYPE), c.IS_NULLABLE, \
                    c.NUMERIC_PRECISION, \
                    c.NUMERIC_SCALE, c.DATETIME_PRECISION, COALESCE(k.ORDINAL_POSITION, 0) \
             FROM information_schema.COLUMNS c \
             LEFT JOIN information_schema.KEY_COLUMN_USAGE k \
               ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME \
              AND k.COLUMN_NAME = c.COLUMN_NAME AND k.CONSTRAINT_NAME = 'PRIMARY' \
             WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ? ORDER BY c.ORDINAL_POSITION",
            (id.db.as_str(), id.table.as_str()),
        )
        .await
        .map_err(|e| my_err(context(), e))?;
    let json_checks: Vec<String> = conn
        .exec(
            "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?",
            (id.db.as_str(), id.table.as_str()),
        )
        .await
        .unwrap_or_default();
    let mut out = Vec::with_capacity(rows.len());
    for mut r in rows {
        let name: String = get(&mut r, 0).ok_or_else(|| CdcError::Protocol(context()))?;
        let is_json = json_checks.iter().any(|c| {
            c.to_ascii_lowercase().replace(' ', "")
                == format!("json_valid(`{}`)", name.to_ascii_lowercase())
        });
        let data_type: String = get(&mut r, 1).unwrap_or_default();
        let column_type: String = get(&mut r, 2).unwrap_or_default();
        let precision = if data_type == "bit" {
            // information_schema reports BIT(n)'s n as NUMERIC_PRECISION.
            get::<u64>(&mut r, 4)
                .map(|p| p as u32)
                .or_else(|| bit_length(&column_type))
        } else {
            get::<u64>(&mut r, 4).map(|p| p as u32)
        };
        out.push(ColumnDef {
            name,
            nullable: get::<String>(&mut r, 3).is_some_and(|n| n.eq_ignore_ascii_case("YES")),
            precision,
            scale: get::<u64>(&mut r, 5).map(|s| s as u32),
            datetime_precision: get::<u64>(&mut r, 6).map(|s| s as u32),
            pk_position: get::<u64>(&mut r, 7).unwrap_or(0) as u32,
            json: is_json,
            data_type,
            column_type,
        });
    }
    Ok(out)
}

fn bit_length(column_type: &str) -> Option<u32> {
    column_type
        .strip_prefix("bit(")?
        .split(')')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_and_bit_lengths_read() {
        assert_eq!(quote("a`b"), "`a``b`");
        assert_eq!(bit_length("bit(12)"), Some(12));
        assert!(is_system("MySQL"));
        assert!(!is_system("inventory"));
    }
}
