//! Private PostgreSQL and MariaDB servers for the JDBC connector's tests.
//!
//! Each [`Postgres::start`] / [`MariaDb::start`] creates a fresh data directory in a
//! tempdir and runs its own server on a free loopback port, so tests never share state
//! and need no service manager (our machines have no systemd). The binaries come from
//! Debian's packages (scripts/install-databases.sh). Dropping the handle kills the
//! server and removes its directory.
//!
//! Both servers require a password over TCP ([`USER`]/[`PASSWORD`]), so tests can
//! check what a connector does with wrong credentials.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::free_port;

/// The user tests connect as (PostgreSQL: the superuser; MariaDB: a user with all
/// privileges).
pub const USER: &str = "connect";
/// Its password.
pub const PASSWORD: &str = "connect-secret";
/// The database tests use on either server.
pub const DATABASE: &str = "test";

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A private PostgreSQL server (fsync off: tests, not durability).
pub struct Postgres {
    child: Option<Child>,
    pub port: u16,
    /// Holds the data directory, socket and log; removed on drop.
    dir: tempfile::TempDir,
}

/// A private MariaDB server.
pub struct MariaDb {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// The directory of the newest PostgreSQL's binaries (`/usr/lib/postgresql/<v>/bin`);
/// Debian keeps `initdb` and `postgres` off PATH.
fn postgres_bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => bin,
        None => panic!("PostgreSQL is not installed: run scripts/install-databases.sh"),
    }
}

/// PostgreSQL refuses to run as root: as root we run it as the `postgres` system user
/// (uid, gid); otherwise as ourselves (None).
fn postgres_identity() -> Option<(u32, u32)> {
    if !is_root() {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    passwd.lines().find_map(|line| {
        let parts: Vec<&str> = line.split(':').collect();
        if parts.first() == Some(&"postgres") && parts.len() > 3 {
            Some((parts[2].parse().ok()?, parts[3].parse().ok()?))
        } else {
            None
        }
    })
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn as_identity(cmd: &mut Command, identity: Option<(u32, u32)>) -> &mut Command {
    use std::os::unix::process::CommandExt;
    if let Some((uid, gid)) = identity {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn log_file(path: &Path) -> std::fs::File {
    std::fs::File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()))
}

/// Waits until `ready` holds, panicking with the server log if the server exits or
/// the timeout passes.
fn wait_ready(child: &mut Child, log: &Path, what: &str, mut ready: impl FnMut() -> bool) {
    let end = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}) while starting:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if ready() {
            return;
        }
        if Instant::now() >= end {
            let _ = child.kill();
            panic!(
                "{what} not ready after {START_TIMEOUT:?}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Ends a server: `signal` (its fast clean shutdown), then SIGKILL after 10 s.
fn stop(child: &mut Child, signal: &str) {
    let _ = Command::new("kill")
        .arg(signal)
        .arg(child.id().to_string())
        .status();
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Postgres {
    /// Initialises a cluster in a tempdir and starts `postgres` on a free port; returns
    /// once it accepts connections. Panics (with the server's log) if it cannot.
    ///
    /// The server is ready for logical replication (CDC): `wal_level=logical`, with
    /// replication slots and WAL senders to spare.
    pub fn start() -> Postgres {
        Postgres::start_with(&[])
    }

    /// [`Postgres::start`] with extra server settings (`-c name=value`), which win
    /// over the defaults (e.g. `("wal_level", "replica")`).
    pub fn start_with(settings: &[(&str, &str)]) -> Postgres {
        let bin = postgres_bin_dir();
        let identity = postgres_identity();
        let dir = tempfile::Builder::new()
            .prefix("raftconnect-pg")
            .tempdir()
            .expect("tempdir");
        if let Some((uid, gid)) = identity {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown tempdir");
        }
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).expect("write password file");
        if let Some((uid, gid)) = identity {
            std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).expect("chown pwfile");
        }
        run(
            as_identity(
                Command::new(bin.join("initdb"))
                    .arg("-D")
                    .arg(&data)
                    .args([
                        "-U",
                        USER,
                        "--auth-host=scram-sha-256",
                        "--auth-local=trust",
                    ])
                    .arg(format!("--pwfile={}", pwfile.display()))
                    .args(["-E", "UTF8", "--locale=C", "--no-sync"]),
                identity,
            ),
            "initdb",
        );
        let port = free_port();
        let log = dir.path().join("postgres.log");
        let mut child = as_identity(
            Command::new(bin.join("postgres"))
                .arg("-D")
                .arg(&data)
                .arg("-p")
                .arg(port.to_string())
                .arg("-k")
                .arg(dir.path())
                .args(["-c", "listen_addresses=127.0.0.1"])
                .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off", "-c", "max_connections=50"])
                .args(["-c", "shared_buffers=16MB", "-c", "TimeZone=UTC"])
                .args(["-c", "wal_level=logical", "-c", "max_replication_slots=10"])
                .args(["-c", "max_wal_senders=10"])
                .args(
                    settings
                        .iter()
                        .flat_map(|(k, v)| ["-c".to_string(), format!("{k}={v}")]),
                )
                .stdin(Stdio::null())
                .stdout(log_file(&log))
                .stderr(log_file(&dir.path().join("postgres.err"))),
            identity,
        )
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start postgres: {e}"));
        let socket_dir = dir.path().to_path_buf();
        let isready = bin.join("pg_isready");
        wait_ready(
            &mut child,
            &dir.path().join("postgres.err"),
            "postgres",
            || {
                Command::new(&isready)
                    .arg("-h")
                    .arg(&socket_dir)
                    .arg("-p")
                    .arg(port.to_string())
                    .arg("-q")
                    .status()
                    .map(|s| s.success())
                    .unwrap_or(false)
            },
        );
        let pg = Postgres {
            child: Some(child),
            port,
            dir,
        };
        pg.psql_on("postgres", &format!("CREATE DATABASE {DATABASE}"));
        pg
    }

    /// `postgres://connect:…@127.0.0.1:<port>/test`
    pub fn url(&self) -> String {
        format!(
            "postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{DATABASE}",
            self.port
        )
    }

    /// `jdbc:postgresql://127.0.0.1:<port>/test` (credentials go in connection.user /
    /// connection.password).
    pub fn jdbc_url(&self) -> String {
        format!("jdbc:postgresql://127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// Runs SQL with `psql` over the server's socket (test setup), returning its
    /// unaligned, tuples-only output. Panics on an SQL error.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_on(DATABASE, sql)
    }

    fn psql_on(&self, database: &str, sql: &str) -> String {
        let out = Command::new(postgres_bin_dir().join("psql"))
            .arg("-h")
            .arg(self.dir.path())
            .arg("-p")
            .arg(self.port.to_string())
            .args([
                "-U",
                USER,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ])
            .output()
            .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
        if !out.status.success() {
            panic!(
                "psql failed on {sql:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGQUIT: immediate shutdown (nothing to keep).
            stop(&mut child, "-QUIT");
        }
    }
}

impl MariaDb {
    /// Creates a data directory in a tempdir (mariadb-install-db) and starts `mariadbd`
    /// on a free port with a password user [`USER`] and database [`DATABASE`]; returns
    /// once it accepts that user. Panics (with the server's log) if it cannot.
    ///
    /// The server keeps a row-based binary log (`log-bin`, `server-id=1`,
    /// `binlog_format=ROW`, `binlog_row_image=FULL`) so binlog CDC can read it; [`USER`]
    /// has every privilege, REPLICATION SLAVE / CLIENT, RELOAD and SELECT included.
    pub fn start() -> MariaDb {
        MariaDb::start_with(&[])
    }

    /// [`MariaDb::start`] with extra server options (`--name=value`), which win over
    /// the defaults (e.g. `("binlog_format", "STATEMENT")`).
    pub fn start_with(settings: &[(&str, &str)]) -> MariaDb {
        let dir = tempfile::Builder::new()
            .prefix("raftconnect-mariadb")
            .tempdir()
            .expect("tempdir");
        let data = dir.path().join("data");
        // A private tmpdir: servers bootstrapping at once in a shared /tmp collide on
        // their temporary table files.
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).expect("create tmpdir");
        let mut install = Command::new("mariadb-install-db");
        install
            .arg("--no-defaults")
            .env("TMPDIR", &tmp)
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        if is_root() {
            install.arg("--user=root");
        }
        run(&mut install, "mariadb-install-db");
        let init = dir.path().join("init.sql");
        std::fs::write(
            &init,
            format!(
                "CREATE DATABASE IF NOT EXISTS {DATABASE};\n\
                 CREATE USER IF NOT EXISTS '{USER}'@'%' IDENTIFIED BY '{PASSWORD}';\n\
                 GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'%';\n"
            ),
        )
        .expect("write init.sql");
        let port = free_port();
        let log = dir.path().join("mariadb.log");
        let socket = dir.path().join("mysqld.sock");
        let mut cmd = Command::new(mariadbd());
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--port={port}"))
            .arg(format!(
                "--pid-file={}",
                dir.path().join("mysqld.pid").display()
            ))
            .arg(format!("--init-file={}", init.display()))
            .arg(format!("--log-error={}", log.display()))
            .args([
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M",
                "--innodb-flush-log-at-trx-commit=0",
                "--default-time-zone=+00:00",
                "--character-set-server=utf8mb4",
                "--log-bin=mariadb-bin",
                "--server-id=1",
                "--binlog-format=ROW",
                "--binlog-row-image=FULL",
            ])
            .args(settings.iter().map(|(k, v)| format!("--{k}={v}")))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if is_root() {
            cmd.arg("--user=root");
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start mariadbd: {e}"));
        wait_ready(&mut child, &log, "mariadbd", || {
            Command::new("mariadb")
                .args(["--no-defaults", "-h", "127.0.0.1"])
                .arg(format!("--port={port}"))
                .arg(format!("--user={USER}"))
                .arg(format!("--password={PASSWORD}"))
                .args(["-e", "SELECT 1", DATABASE])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        });
        MariaDb {
            child: Some(child),
            port,
            dir,
        }
    }

    /// `mysql://connect:…@127.0.0.1:<port>/test`
    pub fn url(&self) -> String {
        format!(
            "mysql://{USER}:{PASSWORD}@127.0.0.1:{}/{DATABASE}",
            self.port
        )
    }

    /// `jdbc:mariadb://127.0.0.1:<port>/test`
    pub fn jdbc_url(&self) -> String {
        format!("jdbc:mariadb://127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// Runs SQL with the `mariadb` client (test setup), returning its tab-separated
    /// output without column names. Panics on an SQL error.
    pub fn sql(&self, sql: &str) -> String {
        let out = Command::new("mariadb")
            .arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("mysqld.sock").display()
            ))
            .arg(format!("--user={USER}"))
            .arg(format!("--password={PASSWORD}"))
            .args(["-N", "-B", "-e", sql, DATABASE])
            .output()
            .unwrap_or_else(|e| panic!("cannot run mariadb: {e}"));
        if !out.status.success() {
            panic!(
                "mariadb failed on {sql:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }
}

fn mariadbd() -> PathBuf {
    for candidate in [
        "/usr/sbin/mariadbd",
        "/usr/bin/mariadbd",
        "/usr/sbin/mysqld",
    ] {
        if Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    panic!("MariaDB is not installed: run scripts/install-databases.sh")
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop(&mut child, "-KILL");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_starts_and_runs_sql() {
        let pg = Postgres::start();
        pg.psql("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2)");
        assert_eq!(pg.psql("SELECT count(*) FROM t"), "2");
        assert!(pg.url().starts_with("postgres://"));
        let dir = pg.dir.path().to_path_buf();
        drop(pg);
        assert!(!dir.exists());
    }

    #[test]
    fn mariadb_starts_and_runs_sql() {
        let db = MariaDb::start();
        db.sql("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2)");
        assert_eq!(db.sql("SELECT count(*) FROM t"), "2");
        assert!(db.jdbc_url().starts_with("jdbc:mariadb://"));
        let dir = db.dir.path().to_path_buf();
        drop(db);
        assert!(!dir.exists());
    }
}
