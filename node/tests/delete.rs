//! Deleting a running connector ends its tasks cleanly: their last offset commit is
//! refused (the offsets went with the connector), which must not be mistaken for a
//! zombie (no "fenced" warning, no FAILED status). Cluster mode, where assignments
//! carry fencing epochs.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use testkit::{wait_until, Broker, Cluster};

#[test]
fn deleting_a_running_source_is_clean() {
    let broker = Broker::start();
    let c = Cluster::start(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &broker.bootstrap,
        1,
        "offset.flush.interval.ms=200",
    );
    let body = json!({"name": "seq", "config": {
        "connector.class": "VerifiableSource", "topic": "seq", "throughput": "200",
        "tasks.max": "2"}});
    let (code, reply) = c.request(1, "POST", "/connectors", &body);
    assert_eq!(code, 201, "{reply}");
    // Running, with offsets committed for both tasks.
    let committed = wait_until(Duration::from_secs(30), || {
        c.get(1, "/connectors/seq/offsets")["offsets"]
            .as_array()
            .is_some_and(|o| o.len() == 2)
    });
    assert!(committed, "{}", c.log(1));
    let (code, _) = c.request(1, "DELETE", "/connectors/seq", &json!(null));
    assert_eq!(code, 204);
    // The connector and both tasks stop.
    let stopped = wait_until(Duration::from_secs(15), || {
        c.log(1)
            .lines()
            .filter(|l| l.contains("stopped id=") && l.contains("seq"))
            .count()
            >= 3
    });
    std::thread::sleep(Duration::from_millis(500));
    let log = c.log(1);
    assert!(stopped, "not every instance stopped:\n{log}");
    assert!(
        !log.contains("fenced"),
        "a deleted connector's task was treated as a zombie:\n{log}"
    );
    assert!(!log.contains("FAILED"), "{log}");
}
