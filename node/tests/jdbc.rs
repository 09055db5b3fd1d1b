//! JDBC end to end through a real worker and broker: a JDBC source reads a PostgreSQL
//! table (incrementing mode) into a topic with the JsonConverter, and a JDBC sink
//! upserts that topic into MariaDB. The worker is stopped mid-way and restarted while
//! rows keep arriving: MariaDB ends with exactly the PostgreSQL rows (the source
//! resumed from its stored offset; any replayed records were idempotent upserts).

use std::fs;
use std::path::Path;
use std::time::Duration;

use testkit::database::{PASSWORD, USER};
use testkit::{free_port, wait_until, Broker, MariaDb, Postgres, Worker};

fn write_configs(dir: &Path, bootstrap: &str, port: u16, pg: &Postgres, maria: &MariaDb) {
    fs::write(
        dir.join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             offset.storage.file.filename={}/connect.offsets\n\
             offset.flush.interval.ms=1000\n\
             listeners=http://127.0.0.1:{port}\n",
            dir.display()
        ),
    )
    .expect("worker.properties");
    fs::write(
        dir.join("source.properties"),
        format!(
            "name=pg-source\n\
             connector.class=io.confluent.connect.jdbc.JdbcSourceConnector\n\
             tasks.max=1\n\
             connection.url={}\n\
             connection.user={USER}\n\
             connection.password={PASSWORD}\n\
             mode=incrementing\n\
             incrementing.column.name=id\n\
             table.whitelist=orders\n\
             topic.prefix=pg-\n\
             poll.interval.ms=200\n\
             batch.max.rows=50\n",
            pg.jdbc_url()
        ),
    )
    .expect("source.properties");
    fs::write(
        dir.join("sink.properties"),
        format!(
            "name=maria-sink\n\
             connector.class=JdbcSink\n\
             tasks.max=1\n\
             topics=pg-orders\n\
             connection.url={}\n\
             connection.user={USER}\n\
             connection.password={PASSWORD}\n\
             insert.mode=upsert\n\
             pk.mode=record_value\n\
             pk.fields=id\n\
             auto.create=true\n\
             table.name.format=copy_orders\n",
            maria.jdbc_url()
        ),
    )
    .expect("sink.properties");
}

fn start(dir: &Path, port: u16) -> Worker {
    Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &dir.join("worker.properties"),
        &[&dir.join("source.properties"), &dir.join("sink.properties")],
        &dir.join("worker.log"),
        port,
    )
}

fn insert(pg: &Postgres, range: std::ops::Range<usize>) {
    let rows: Vec<String> = range
        .map(|i| {
            format!(
                "('name-{i}', {i}.{:02}, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '{i} seconds')",
                i % 100
            )
        })
        .collect();
    pg.psql(&format!(
        "INSERT INTO orders (name, amount, created) VALUES {}",
        rows.join(", ")
    ));
}

fn copied(maria: &MariaDb) -> usize {
    std::panic::catch_unwind(|| maria.sql("SELECT COUNT(*) FROM copy_orders"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn postgres_to_mariadb_through_kafka_survives_a_restart() {
    let broker = Broker::start();
    let pg = Postgres::start();
    let maria = MariaDb::start();
    pg.psql(
        "CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, \
         amount NUMERIC(10,2) NOT NULL, created TIMESTAMP(3) NOT NULL)",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    write_configs(dir.path(), &broker.bootstrap, port, &pg, &maria);

    insert(&pg, 0..300);
    let mut worker = start(dir.path(), port);
    let halfway = wait_until(Duration::from_secs(90), || copied(&maria) >= 100);
    assert!(
        halfway,
        "copied {}; log:\n{}",
        copied(&maria),
        worker.log_text()
    );
    insert(&pg, 300..400);
    assert_eq!(
        worker.stop(Duration::from_secs(30)),
        Some(0),
        "log:\n{}",
        worker.log_text()
    );

    // Rows that arrive while the worker is down come after the restart.
    insert(&pg, 400..500);
    let mut worker = start(dir.path(), port);
    let done = wait_until(Duration::from_secs(90), || copied(&maria) >= 500);
    assert!(
        done,
        "copied {} of 500; log:\n{}",
        copied(&maria),
        worker.log_text()
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(worker.stop(Duration::from_secs(30)), Some(0));

    let source = pg.psql(
        "SELECT id, name, amount, to_char(created, 'YYYY-MM-DD HH24:MI:SS.MS') FROM orders ORDER BY id",
    );
    let copy = maria.sql(
        "SELECT id, name, amount, DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f') FROM copy_orders ORDER BY id",
    );
    let source: Vec<String> = source.lines().map(|l| l.replace('|', "\t")).collect();
    // MariaDB's %f has microseconds; the source had milliseconds.
    let copy: Vec<String> = copy
        .lines()
        .map(|l| l.strip_suffix("000").unwrap_or(l).to_string())
        .collect();
    assert_eq!(copy.len(), 500);
    assert_eq!(copy, source);
}
