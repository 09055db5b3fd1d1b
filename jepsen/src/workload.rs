//! What the clients do while the nemesis works: read and write connector configs as
//! registers (for the linearizability checker), and sample committed offsets (for the
//! never-backwards checker). The data pipeline itself is in [`crate::pipeline`].

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::checker::offsets::OffsetSample;
use crate::client::{Client, Outcome};
use crate::history::{Func, History, OpType};
use crate::rng::Rng;
use crate::runtime::NodeId;

/// The registers: connector configs whose `jepsen.value` key holds the value. The
/// connectors are STOPPED, so writing them moves no data.
pub const REGISTERS: usize = 3;

pub fn register_name(k: usize) -> String {
    format!("jepsen-register-{k}")
}

fn register_config(value: i64) -> serde_json::Value {
    json!({
        "connector.class": "FileStreamSink",
        "topics": "jepsen-registers",
        "file": "/dev/null",
        "tasks.max": "1",
        "jepsen.value": value.to_string(),
    })
}

/// Creates the registers (STOPPED connectors) with value 0, recorded in the history as
/// writes by process 0.
pub fn create_registers(client: &Client, history: &History) -> Result<(), String> {
    for k in 0..REGISTERS {
        let key = register_name(k);
        history.invoke(0, Func::Write, &key, Some(0), 0);
        let body = json!({"name": key, "config": register_config(0), "initial_state": "STOPPED"});
        match client.write_until_ok("POST", "/connectors", &body, Duration::from_secs(60)) {
            Ok(_) => history.complete(0, OpType::Ok, Func::Write, &key, Some(0), 0, None),
            Err(e) => {
                history.complete(
                    0,
                    OpType::Info,
                    Func::Write,
                    &key,
                    Some(0),
                    0,
                    Some(e.clone()),
                );
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Runs `clients` register clients until `stop`: each picks a node, a register and
/// read-or-write at random, one operation at a time. A client whose operation ends in
/// `info` takes a new process id (Jepsen's rule: its operation may still be pending).
pub fn run_registers(
    client: &Client,
    history: &History,
    nodes: &[NodeId],
    clients: usize,
    stop: &AtomicBool,
    seed: u64,
) {
    let next_value = AtomicI64::new(1);
    let next_process = Mutex::new(clients as u64 + 1);
    std::thread::scope(|s| {
        for c in 0..clients {
            let next_value = &next_value;
            let next_process = &next_process;
            s.spawn(move || {
                let mut rng = Rng::new(seed.wrapping_add(c as u64 * 7919));
                let mut process = c as u64 + 1;
                while !stop.load(Ordering::Relaxed) {
                    let node = nodes[rng.below(nodes.len())];
                    let key = register_name(rng.below(REGISTERS));
                    let info = if rng.below(2) == 0 {
                        history.invoke(process, Func::Read, &key, None, node);
                        match client.get(node, &format!("/connectors/{key}/config")) {
                            o @ Outcome::Ok { .. } => {
                                let v = o.json().and_then(|j| {
                                    j["jepsen.value"].as_str().and_then(|v| v.parse().ok())
                                });
                                match v {
                                    Some(v) => history.complete(
                                        process,
                                        OpType::Ok,
                                        Func::Read,
                                        &key,
                                        Some(v),
                                        node,
                                        None,
                                    ),
                                    None => history.complete(
                                        process,
                                        OpType::Fail,
                                        Func::Read,
                                        &key,
                                        None,
                                        node,
                                        Some("config without jepsen.value".into()),
                                    ),
                                }
                            }
                            Outcome::Fail(e) | Outcome::Info(e) => history.complete(
                                process,
                                OpType::Fail,
                                Func::Read,
                                &key,
                                None,
                                node,
                                Some(e),
                            ),
                        }
                        false
                    } else {
                        let v = next_value.fetch_add(1, Ordering::Relaxed);
                        history.invoke(process, Func::Write, &key, Some(v), node);
                        let path = format!("/connectors/{key}/config");
                        let (typ, err) = match client.write(node, "PUT", &path, &register_config(v))
                        {
                            Outcome::Ok { .. } => (OpType::Ok, None),
                            Outcome::Fail(e) => (OpType::Fail, Some(e)),
                            Outcome::Info(e) => (OpType::Info, Some(e)),
                        };
                        history.complete(process, typ, Func::Write, &key, Some(v), node, err);
                        typ == OpType::Info
                    };
                    if info {
                        let mut p = next_process.lock().unwrap_or_else(|p| p.into_inner());
                        process = *p;
                        *p += 1;
                    }
                    std::thread::sleep(Duration::from_millis(50 + rng.below(100) as u64));
                }
            });
        }
    });
}

/// Samples the committed offsets of `connectors` from random nodes every `every` until
/// `stop`. A partition is named by connector and canonical partition JSON; the offset
/// is the source's `seqno` or the sink's `kafka_offset`.
pub fn sample_offsets(
    client: &Client,
    nodes: &[NodeId],
    connectors: &[&str],
    start: Instant,
    every: Duration,
    stop: &AtomicBool,
    seed: u64,
) -> Vec<OffsetSample> {
    let mut rng = Rng::new(seed);
    let mut samples = Vec::new();
    let ms = |t: Instant| t.duration_since(start).as_secs_f64() * 1000.0;
    while !stop.load(Ordering::Relaxed) {
        for name in connectors {
            let node = nodes[rng.below(nodes.len())];
            let invoked = Instant::now();
            let answer = client.get(node, &format!("/connectors/{name}/offsets"));
            let completed = Instant::now();
            let Some(body) = answer.json() else { continue };
            for entry in body["offsets"].as_array().into_iter().flatten() {
                let offset = entry["offset"]["seqno"]
                    .as_i64()
                    .or_else(|| entry["offset"]["kafka_offset"].as_i64());
                if let Some(offset) = offset {
                    samples.push(OffsetSample {
                        invoke_ms: ms(invoked),
                        complete_ms: ms(completed),
                        node,
                        partition: format!("{name} {}", entry["partition"]),
                        offset,
                    });
                }
            }
        }
        std::thread::sleep(every);
    }
    samples
}
