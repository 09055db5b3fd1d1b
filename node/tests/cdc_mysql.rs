//! Debezium-compatible MySQL/MariaDB CDC end to end through a real worker process and
//! broker: existing rows are snapshotted and new ones streamed from the binlog into
//! Kafka as Debezium JSON; the worker is killed with SIGKILL mid-stream while a writer
//! keeps inserting, and restarted. Every committed row change must be in Kafka (no
//! loss); duplicates (changes after the last offset the runtime committed) are counted.

mod cdc_support;

use std::sync::Arc;
use std::time::Duration;

use cdc_support::{count_per_id, events, Deployment, Writer};
use testkit::database::{PASSWORD, USER};
use testkit::{wait_until, Broker, MariaDb};

const TOPIC: &str = "shop.test.items";

fn connector_config(db: &MariaDb) -> String {
    format!(
        "name=mariadb-cdc\n\
         connector.class=io.debezium.connector.mariadb.MariaDbConnector\n\
         tasks.max=1\n\
         database.hostname=127.0.0.1\n\
         database.port={}\n\
         database.user={USER}\n\
         database.password={PASSWORD}\n\
         database.server.id=5402\n\
         topic.prefix=shop\n\
         table.include.list=test.items\n\
         poll.interval.ms=100\n",
        db.port
    )
}

#[test]
fn snapshot_and_binlog_survive_kill_9() {
    let broker = Broker::start();
    broker.create_topic(TOPIC, 1);
    let db = MariaDb::start();
    db.sql("CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)");
    db.sql("INSERT INTO items SELECT seq, 'snap' FROM seq_0_to_199");
    let deployment = Deployment::new(&broker.bootstrap, &connector_config(&db));

    let db = Arc::new(db);
    let writer = {
        let db = db.clone();
        Writer::start(200, move |id| {
            db.sql(&format!("INSERT INTO items VALUES ({id}, 'live')"));
        })
    };

    let mut worker = deployment.start();
    let streaming = wait_until(Duration::from_secs(90), || {
        events(&broker, TOPIC, 0).len() >= 400
    });
    assert!(streaming, "log:\n{}", worker.log_text());
    worker.kill9();
    std::thread::sleep(Duration::from_secs(1));

    let (got, total) = deployment.restart_and_drain(writer, &broker, TOPIC, |total| {
        let mut ids: Vec<i64> = events(&broker, TOPIC, 0).iter().map(|e| e.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() >= total
    });

    for e in &got {
        assert_eq!(e.source["connector"], "mariadb", "id {}", e.id);
    }
    let seen = count_per_id(&got, total, 200, |_| {});
    let snapshot_repeats = seen.iter().filter(|(id, n)| **id < 200 && **n > 1).count();
    assert_eq!(
        snapshot_repeats, 0,
        "the snapshot finished before the kill and is not taken again"
    );
    let duplicates = got.len() - total;
    println!(
        "{total} rows, {} events, {duplicates} duplicates after kill -9",
        got.len()
    );
}
