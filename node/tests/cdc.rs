//! Debezium-compatible PostgreSQL CDC end to end through a real worker process and
//! broker: existing rows are snapshotted and new ones streamed into Kafka as
//! Debezium JSON; the worker is killed with SIGKILL mid-stream while a writer keeps
//! inserting, and restarted. Every committed row change must be in Kafka (no loss);
//! duplicates are counted and may only be changes after the position the connector
//! had confirmed to PostgreSQL.

mod cdc_support;

use std::sync::Arc;
use std::time::Duration;

use cdc_support::{count_per_id, Deployment, Writer};
use testkit::database::{PASSWORD, USER};
use testkit::{wait_until, Broker, Postgres};

const TOPIC: &str = "srv.public.items";

fn connector_config(pg: &Postgres) -> String {
    format!(
        "name=pg-cdc\n\
         connector.class=io.debezium.connector.postgresql.PostgresConnector\n\
         tasks.max=1\n\
         database.hostname=127.0.0.1\n\
         database.port={}\n\
         database.user={USER}\n\
         database.password={PASSWORD}\n\
         database.dbname=test\n\
         topic.prefix=srv\n\
         table.include.list=public.items\n\
         poll.interval.ms=100\n\
         status.update.interval.ms=500\n",
        pg.port
    )
}

/// How many records the topic holds (its high watermark).
fn topic_len(broker: &Broker) -> i64 {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let c: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &broker.bootstrap)
        .create()
        .expect("consumer");
    c.fetch_watermarks(TOPIC, 0, Duration::from_secs(5))
        .map(|(_, high)| high)
        .unwrap_or(0)
}

#[test]
fn snapshot_and_stream_survive_kill_9() {
    let broker = Broker::start();
    broker.create_topic(TOPIC, 1);
    let pg = Postgres::start();
    pg.psql("CREATE TABLE items (id INT PRIMARY KEY, v TEXT NOT NULL)");
    pg.psql("INSERT INTO items SELECT g, 'snap' FROM generate_series(0, 199) g");
    let deployment = Deployment::new(&broker.bootstrap, &connector_config(&pg));

    let pg = Arc::new(pg);
    let writer = {
        let pg = pg.clone();
        Writer::start(200, move |id| {
            pg.psql(&format!("INSERT INTO items VALUES ({id}, 'live')"));
        })
    };

    let mut worker = deployment.start();
    let streaming = wait_until(Duration::from_secs(90), || topic_len(&broker) >= 400);
    assert!(streaming, "log:\n{}", worker.log_text());
    worker.kill9();
    // What PostgreSQL was told is done when the worker died.
    let confirmed: i64 = pg
        .psql("SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'debezium'")
        .parse()
        .expect("confirmed_flush_lsn");
    std::thread::sleep(Duration::from_secs(1));

    let (got, total) = deployment.restart_and_drain(writer, &broker, TOPIC, |total| {
        topic_len(&broker) >= total as i64
    });

    count_per_id(&got, total, 200, |e| {
        let lsn = e.source["lsn"].as_i64().unwrap_or(-1);
        assert!(
            lsn >= confirmed,
            "id {} at LSN {lsn} repeated although {confirmed} was confirmed",
            e.id
        );
    });
    let duplicates = got.len() - total;
    println!(
        "{total} rows, {} events, {duplicates} duplicates after kill -9",
        got.len()
    );
}
