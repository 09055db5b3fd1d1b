//! Throughput of the FileStream pipelines against a real broker, each next to a raw
//! rdkafka baseline measured on the same broker in the same run:
//!
//! * source: raw `FutureProducer` (the pipeline's producer settings: acks=all,
//!   idempotence, linger.ms=5) vs `raftconnect standalone` with a FileStreamSource;
//! * sink: raw `BaseConsumer` vs `raftconnect standalone` with a FileStreamSink.
//!
//! Records carry 100 bytes of text (file lines of 100 bytes; StringConverter, so the
//! Kafka payload is the same 100 bytes, no key). The figure that matters is the ratio
//! pipeline / raw (target >= 0.80); a low ratio is printed, not failed. The bench exits
//! non-zero only when a correctness check fails (record counts or contents).
//!
//! Pipeline rates exclude process start-up: they are measured by polling (every 50 ms)
//! the topic's high watermark (source) or the output file's line count (sink), from the
//! first observation of any data to the observation of all N records, and computed as
//! (records that arrived in that window) / (window).
//!
//! `cargo bench -p raftconnect --bench pipeline`; RAFTCONNECT_BENCH_RECORDS=N (default
//! 200000) sets the record count.

use std::collections::VecDeque;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use testkit::{free_port, Broker, Worker};

const RECORD_BYTES: usize = 100;
const RAW_TOPIC: &str = "bench-raw";
const SRC_TOPIC: &str = "bench-src";
const POLL_EVERY: Duration = Duration::from_millis(50);
/// How long a pipeline may take to deliver everything before the bench gives up.
const PIPELINE_TIMEOUT: Duration = Duration::from_secs(600);
/// How long the pipeline may take to show its first record (process start-up).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// Record `i`'s payload: exactly 100 bytes of printable ASCII, distinct per record.
fn payload(i: usize) -> Vec<u8> {
    let mut p = format!("record {i:010} ").into_bytes();
    let fill = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut j = i;
    while p.len() < RECORD_BYTES {
        p.push(fill[j % fill.len()]);
        j += 7;
    }
    p.truncate(RECORD_BYTES);
    p
}

/// A failed correctness check (the bench reports it and exits non-zero).
struct Failure(String);

type Checked<T> = Result<T, Failure>;

fn fail<T>(msg: impl Into<String>) -> Checked<T> {
    Err(Failure(msg.into()))
}

fn rate(records: usize, d: Duration) -> f64 {
    records as f64 / d.as_secs_f64().max(1e-9)
}

fn client(bootstrap: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", bootstrap);
    c
}

fn create_topic(bootstrap: &str, topic: &str) -> Checked<()> {
    let admin: AdminClient<DefaultClientContext> = client(bootstrap)
        .create()
        .map_err(|e| Failure(format!("admin client: {e}")))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let new = NewTopic::new(topic, 1, TopicReplication::Fixed(-1));
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let results = rt
        .block_on(admin.create_topics([&new], &opts))
        .map_err(|e| Failure(format!("create topic {topic}: {e}")))?;
    for r in results {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, code)) => return fail(format!("create topic {t}: {code}")),
        }
    }
    Ok(())
}

fn high_watermark(c: &BaseConsumer, topic: &str) -> Option<i64> {
    c.fetch_watermarks(topic, 0, Duration::from_secs(5))
        .ok()
        .map(|(_, hi)| hi)
}

/// Baseline: N records through a FutureProducer with the pipeline's settings; the time
/// from the first send to the last acknowledgement.
fn raw_produce(bootstrap: &str, n: usize) -> Checked<f64> {
    create_topic(bootstrap, RAW_TOPIC)?;
    let producer: FutureProducer = client(bootstrap)
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .set("message.timeout.ms", "0")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .map_err(|e| Failure(format!("producer: {e}")))?;
    // Connection, metadata and producer id are set up before the clock starts, as the
    // pipeline's are before its first record reaches the topic.
    producer
        .client()
        .fetch_metadata(Some(RAW_TOPIC), Duration::from_secs(10))
        .map_err(|e| Failure(format!("metadata for {RAW_TOPIC}: {e}")))?;
    let payloads: Vec<Vec<u8>> = (0..n).map(payload).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut inflight = VecDeque::with_capacity(n);
        let start = Instant::now();
        for p in &payloads {
            let mut fr: FutureRecord<'_, [u8], [u8]> =
                FutureRecord::to(RAW_TOPIC).payload(p.as_slice());
            loop {
                match producer.send_result(fr) {
                    Ok(delivery) => {
                        inflight.push_back(delivery);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        fr = back;
                        if let Some(d) = inflight.pop_front() {
                            check_delivery(d.await)?;
                        }
                    }
                    Err((e, _)) => return fail(format!("raw produce: {e}")),
                }
            }
        }
        while let Some(d) = inflight.pop_front() {
            check_delivery(d.await)?;
        }
        Ok(rate(n, start.elapsed()))
    })
}

fn check_delivery(
    r: Result<
        rdkafka::producer::future_producer::OwnedDeliveryResult,
        futures::channel::oneshot::Canceled,
    >,
) -> Checked<()> {
    match r {
        Ok(Ok(_)) => Ok(()),
        Ok(Err((e, _))) => fail(format!("raw produce: delivery failed: {e}")),
        Err(_) => fail("raw produce: producer dropped a delivery"),
    }
}

/// Baseline: N records of partition 0 from the beginning through a BaseConsumer; the
/// time from the first record to the last. Checks every payload.
fn raw_consume(bootstrap: &str, n: usize) -> Checked<f64> {
    let c: BaseConsumer = client(bootstrap)
        .set("group.id", "bench-raw-consumer")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .map_err(|e| Failure(format!("consumer: {e}")))?;
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(RAW_TOPIC, 0, Offset::Beginning)
        .unwrap();
    c.assign(&tpl)
        .map_err(|e| Failure(format!("assign: {e}")))?;
    let deadline = Instant::now() + PIPELINE_TIMEOUT;
    let mut first = None;
    let mut got = 0usize;
    while got < n {
        if Instant::now() > deadline {
            return fail(format!("raw consumer read {got} of {n} records"));
        }
        let Some(m) = c.poll(Duration::from_millis(100)) else {
            continue;
        };
        let m = m.map_err(|e| Failure(format!("raw consume: {e}")))?;
        first.get_or_insert_with(Instant::now);
        if m.payload() != Some(payload(got).as_slice()) {
            return fail(format!("raw consumer: record {got} differs"));
        }
        got += 1;
    }
    let elapsed = first.map(|f| f.elapsed()).unwrap_or_default();
    Ok(rate(n - 1, elapsed))
}

/// A standalone worker's directory: worker properties with StringConverters.
fn worker_dir(bootstrap: &str, rest_port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("worker dir");
    fs::write(
        dir.path().join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             offset.storage.file.filename={}/connect.offsets\n\
             offset.flush.interval.ms=10000\n\
             listeners=http://127.0.0.1:{rest_port}\n",
            dir.path().display()
        ),
    )
    .expect("worker.properties");
    dir
}

fn start_worker(dir: &Path, rest_port: u16, connector: &Path) -> Worker {
    Worker::standalone(
        Path::new(env!("CARGO_BIN_EXE_raftconnect")),
        &dir.join("worker.properties"),
        &[connector],
        &dir.join("worker.log"),
        rest_port,
    )
}

fn log_tail(w: &Worker) -> String {
    let text = w.log_text();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A window of the pipeline's progress: `records` arrived in `elapsed`, after start-up
/// took `startup`.
struct Window {
    startup: Duration,
    first_seen: usize,
    elapsed: Duration,
    /// When 99% of the records had arrived (relative to the window's start).
    p99: Duration,
}

impl Window {
    fn rate(&self, n: usize) -> f64 {
        rate(n - self.first_seen, self.elapsed)
    }
}

/// Polls `count` every 50 ms: the window from its first non-zero value to `n`.
fn watch_progress(n: usize, mut count: impl FnMut() -> Checked<usize>) -> Checked<Window> {
    let launched = Instant::now();
    let (start, first_seen) = loop {
        let c = count()?;
        if c > 0 {
            break (Instant::now(), c);
        }
        if launched.elapsed() > STARTUP_TIMEOUT {
            return fail("the pipeline delivered nothing within its start-up timeout");
        }
        std::thread::sleep(POLL_EVERY);
    };
    let startup = start - launched;
    let mut p99 = None;
    loop {
        let c = count()?;
        if c * 100 >= n * 99 && p99.is_none() {
            p99 = Some(start.elapsed());
        }
        if c >= n {
            let elapsed = start.elapsed();
            return Ok(Window {
                startup,
                first_seen: first_seen.min(n - 1),
                elapsed,
                p99: p99.unwrap_or(elapsed),
            });
        }
        if start.elapsed() > PIPELINE_TIMEOUT {
            return fail(format!("the pipeline delivered {c} of {n} records"));
        }
        std::thread::sleep(POLL_EVERY);
    }
}

/// FileStreamSource: N lines into a file, then a worker that reads it into bench-src.
fn pipeline_source(bootstrap: &str, n: usize) -> Checked<Window> {
    let port = free_port();
    let dir = worker_dir(bootstrap, port);
    let input = dir.path().join("input.txt");
    let mut buf = Vec::with_capacity(n * (RECORD_BYTES + 1));
    for i in 0..n {
        buf.extend_from_slice(&payload(i));
        buf.push(b'\n');
    }
    fs::write(&input, &buf).expect("input file");
    let connector = dir.path().join("source.properties");
    fs::write(
        &connector,
        format!(
            "name=bench-file-source\nconnector.class=FileStreamSource\ntasks.max=1\nfile={}\ntopic={SRC_TOPIC}\n",
            input.display()
        ),
    )
    .expect("source.properties");

    let watcher: BaseConsumer = client(bootstrap).create().expect("watermark client");
    let mut worker = start_worker(dir.path(), port, &connector);
    let window = watch_progress(n, || {
        Ok(high_watermark(&watcher, SRC_TOPIC).unwrap_or(0).max(0) as usize)
    })
    .map_err(|Failure(m)| {
        Failure(format!(
            "source pipeline: {m}; worker log:\n{}",
            log_tail(&worker)
        ))
    })?;
    // Anything past N would be a duplicate: give it a moment to show up.
    std::thread::sleep(Duration::from_secs(1));
    let code = worker.stop(Duration::from_secs(30));
    let hw = high_watermark(&watcher, SRC_TOPIC).unwrap_or(-1);
    if hw != n as i64 {
        return fail(format!(
            "source pipeline: {SRC_TOPIC} holds {hw} records, expected {n}"
        ));
    }
    if code != Some(0) {
        return fail(format!(
            "source pipeline: worker exit {code:?}; log:\n{}",
            log_tail(&worker)
        ));
    }
    check_topic(bootstrap, SRC_TOPIC, n)?;
    Ok(window)
}

/// Every record of `topic` is the expected 100-byte payload, in order, without a key.
fn check_topic(bootstrap: &str, topic: &str, n: usize) -> Checked<()> {
    let c: BaseConsumer = client(bootstrap)
        .set("group.id", "bench-check")
        .set("enable.auto.commit", "false")
        .create()
        .map_err(|e| Failure(format!("consumer: {e}")))?;
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    c.assign(&tpl)
        .map_err(|e| Failure(format!("assign: {e}")))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut got = 0;
    while got < n {
        if Instant::now() > deadline {
            return fail(format!("{topic}: read {got} of {n} records back"));
        }
        let Some(m) = c.poll(Duration::from_millis(100)) else {
            continue;
        };
        let m = m.map_err(|e| Failure(format!("reading {topic}: {e}")))?;
        if m.payload() != Some(payload(got).as_slice()) || m.key().is_some() {
            return fail(format!(
                "{topic}: record {got} is key {:?} payload {:?}, expected no key and {:?}",
                m.key().map(String::from_utf8_lossy),
                m.payload().map(String::from_utf8_lossy),
                String::from_utf8_lossy(&payload(got))
            ));
        }
        got += 1;
    }
    Ok(())
}

/// Counts newlines in a growing file, reading only what was appended since last time.
struct LineCounter {
    path: PathBuf,
    file: Option<fs::File>,
    lines: usize,
    buf: Vec<u8>,
}

impl LineCounter {
    fn new(path: PathBuf) -> Self {
        LineCounter {
            path,
            file: None,
            lines: 0,
            buf: vec![0; 1 << 20],
        }
    }

    fn count(&mut self) -> Checked<usize> {
        if self.file.is_none() {
            match fs::File::open(&self.path) {
                Ok(f) => self.file = Some(f),
                Err(_) => return Ok(0),
            }
        }
        let f = self.file.as_mut().unwrap();
        loop {
            let k = f
                .read(&mut self.buf)
                .map_err(|e| Failure(format!("reading the sink output: {e}")))?;
            if k == 0 {
                return Ok(self.lines);
            }
            self.lines += self.buf[..k].iter().filter(|&&b| b == b'\n').count();
        }
    }
}

/// FileStreamSink: a worker that writes bench-raw to a file.
fn pipeline_sink(bootstrap: &str, n: usize) -> Checked<Window> {
    let port = free_port();
    let dir = worker_dir(bootstrap, port);
    let output = dir.path().join("output.txt");
    let connector = dir.path().join("sink.properties");
    fs::write(
        &connector,
        format!(
            "name=bench-file-sink\nconnector.class=FileStreamSink\ntasks.max=1\nfile={}\ntopics={RAW_TOPIC}\n",
            output.display()
        ),
    )
    .expect("sink.properties");
    let mut counter = LineCounter::new(output.clone());
    let mut worker = start_worker(dir.path(), port, &connector);
    let window = watch_progress(n, || counter.count()).map_err(|Failure(m)| {
        Failure(format!(
            "sink pipeline: {m}; worker log:\n{}",
            log_tail(&worker)
        ))
    })?;
    std::thread::sleep(Duration::from_secs(1));
    let code = worker.stop(Duration::from_secs(30));
    if code != Some(0) {
        return fail(format!(
            "sink pipeline: worker exit {code:?}; log:\n{}",
            log_tail(&worker)
        ));
    }
    let got = fs::read(&output).map_err(|e| Failure(format!("sink output: {e}")))?;
    let mut want = Vec::with_capacity(n * (RECORD_BYTES + 1));
    for i in 0..n {
        want.extend_from_slice(&payload(i));
        want.push(b'\n');
    }
    if got != want {
        let lines = got.iter().filter(|&&b| b == b'\n').count();
        return fail(format!(
            "sink pipeline: output differs from the produced payloads ({lines} lines, {} bytes; expected {n} lines, {} bytes)",
            got.len(),
            want.len()
        ));
    }
    Ok(window)
}

fn run(n: usize) -> Checked<()> {
    let broker = Broker::start();
    let bootstrap = broker.bootstrap.clone();
    println!("raftconnect pipeline bench: {n} records of {RECORD_BYTES} bytes, broker {bootstrap}");
    println!("(pipeline rates exclude process start-up: measured from the first record seen to the last, polled every 50 ms)");

    let raw_p = raw_produce(&bootstrap, n)?;
    eprintln!("raw producer: {raw_p:.0} rec/s");
    let src = pipeline_source(&bootstrap, n)?;
    eprintln!(
        "source pipeline: {:.0} rec/s (start-up {:.2}s, {} records at first sight, window {:.3}s, 99% at {:.3}s)",
        src.rate(n),
        src.startup.as_secs_f64(),
        src.first_seen,
        src.elapsed.as_secs_f64(),
        src.p99.as_secs_f64()
    );
    let raw_c = raw_consume(&bootstrap, n)?;
    eprintln!("raw consumer: {raw_c:.0} rec/s");
    let sink = pipeline_sink(&bootstrap, n)?;
    eprintln!(
        "sink pipeline: {:.0} rec/s (start-up {:.2}s, {} records at first sight, window {:.3}s, 99% at {:.3}s)",
        sink.rate(n),
        sink.startup.as_secs_f64(),
        sink.first_seen,
        sink.elapsed.as_secs_f64(),
        sink.p99.as_secs_f64()
    );

    let (sp, kp) = (src.rate(n), sink.rate(n));
    println!();
    println!(
        "source  raw producer {raw_p:>9.0} rec/s | pipeline {sp:>9.0} rec/s | ratio {:.2}",
        sp / raw_p
    );
    println!(
        "sink    raw consumer {raw_c:>9.0} rec/s | pipeline {kp:>9.0} rec/s | ratio {:.2}",
        kp / raw_c
    );
    println!(
        "        (windows: source {:.3}s, 99% at {:.3}s; sink {:.3}s, 99% at {:.3}s; start-up excluded: source {:.2}s, sink {:.2}s)",
        src.elapsed.as_secs_f64(),
        src.p99.as_secs_f64(),
        sink.elapsed.as_secs_f64(),
        sink.p99.as_secs_f64(),
        src.startup.as_secs_f64(),
        sink.startup.as_secs_f64()
    );
    let _ = std::io::stdout().flush();
    drop(broker);
    Ok(())
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` (and any filter); there is nothing to select.
    let n: usize = match std::env::var("RAFTCONNECT_BENCH_RECORDS") {
        Ok(v) => match v.trim().parse() {
            Ok(n) if n >= 2 => n,
            _ => {
                eprintln!("RAFTCONNECT_BENCH_RECORDS must be an integer >= 2, not {v:?}");
                return ExitCode::FAILURE;
            }
        },
        Err(_) => 200_000,
    };
    match run(n) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(m)) => {
            eprintln!("correctness check failed: {m}");
            ExitCode::FAILURE
        }
    }
}
