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
//! (records that arrived in that window) / (window). The consumer baseline likewise
//! leaves out its first burst (the first fetch response). Each baseline runs before and
//! after its pipeline; the ratio uses the mean of the two, and a spread above 15% is
//! flagged (the machine's load changed: the ratio is unreliable). Alongside: the rate up
//! to 99% of the records and the CPU the client (bench or worker) and the broker used.
//!
//! `cargo bench -p raftconnect --bench pipeline`. Environment:
//! * RAFTCONNECT_BENCH_RECORDS=N: the record count (default 200000);
//! * RAFTCONNECT_BENCH_KEEP=1: keep the workers' directories (logs, files) and print
//!   where they are.

use std::collections::VecDeque;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use testkit::{free_port, Broker, Worker};

const RECORD_BYTES: usize = 100;
const RAW_TOPIC: &str = "bench-raw";
/// The second raw producer run (after the source pipeline) writes here.
const RAW_TOPIC_2: &str = "bench-raw-2";
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

/// All payloads as file lines.
fn lines(n: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(n * (RECORD_BYTES + 1));
    for i in 0..n {
        buf.extend_from_slice(&payload(i));
        buf.push(b'\n');
    }
    buf
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

/// CPU seconds (user + system) a process has used so far, from /proc (Linux; clock
/// ticks assumed to be 100 Hz). None when unavailable.
fn cpu_secs(pid: Option<u32>) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the command: state is field 3, utime 14, stime 15 (1-based).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// CPU used by the client side (the bench itself, or the worker) and by the broker.
#[derive(Default, Clone, Copy)]
struct Cpu {
    client: Option<f64>,
    broker: Option<f64>,
}

impl Cpu {
    fn sample(client: Option<u32>, broker: Option<u32>) -> Cpu {
        Cpu {
            client: cpu_secs(client),
            broker: cpu_secs(broker),
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        let d = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        Cpu {
            client: d(self.client, before.client),
            broker: d(self.broker, before.broker),
        }
    }

    fn describe(&self, client: &str) -> String {
        let f = |v: Option<f64>| v.map_or_else(|| "?".into(), |v| format!("{v:.2}s"));
        format!(
            "cpu: {client} {}, broker {}",
            f(self.client),
            f(self.broker)
        )
    }
}

/// A baseline's rate and the CPU used meanwhile.
struct Measured {
    rate: f64,
    elapsed: Duration,
    cpu: Cpu,
}

impl Measured {
    fn describe(&self) -> String {
        format!(
            "{:.0} rec/s (window {:.3}s, {})",
            self.rate,
            self.elapsed.as_secs_f64(),
            self.cpu.describe("bench")
        )
    }
}

fn client(bootstrap: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", bootstrap);
    c
}

fn high_watermark(c: &BaseConsumer, topic: &str) -> Option<i64> {
    c.fetch_watermarks(topic, 0, Duration::from_secs(5))
        .ok()
        .map(|(_, hi)| hi)
}

fn me() -> Option<u32> {
    Some(std::process::id())
}

/// Baseline: N records through a FutureProducer with the pipeline's settings; the time
/// from the first send to the last acknowledgement.
fn raw_produce(broker: &Broker, topic: &str, n: usize) -> Checked<Measured> {
    broker.create_topic(topic, 1);
    let producer: FutureProducer = client(&broker.bootstrap)
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .set("message.timeout.ms", "0")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .map_err(|e| Failure(format!("producer: {e}")))?;
    // Connection and metadata are set up before the clock starts, as the pipeline's
    // are before its first record reaches the topic.
    producer
        .client()
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|e| Failure(format!("metadata for {topic}: {e}")))?;
    let payloads: Vec<Vec<u8>> = (0..n).map(payload).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut inflight = VecDeque::with_capacity(n);
        let cpu0 = Cpu::sample(me(), broker.pid());
        let start = Instant::now();
        for p in &payloads {
            let mut fr: FutureRecord<'_, [u8], [u8]> =
                FutureRecord::to(topic).payload(p.as_slice());
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
        let elapsed = start.elapsed();
        Ok(Measured {
            rate: rate(n, elapsed),
            elapsed,
            cpu: Cpu::sample(me(), broker.pid()).since(cpu0),
        })
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

/// Reads partition 0 of `topic` from the beginning, checking that record `i` is
/// `payload(i)` without a key; calls `on_record(i)` as record `i` arrives.
fn read_back(
    bootstrap: &str,
    topic: &str,
    n: usize,
    mut on_record: impl FnMut(usize),
) -> Checked<()> {
    let c: BaseConsumer = client(bootstrap)
        .set("group.id", "bench-reader")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .map_err(|e| Failure(format!("consumer: {e}")))?;
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    c.assign(&tpl)
        .map_err(|e| Failure(format!("assign: {e}")))?;
    let deadline = Instant::now() + PIPELINE_TIMEOUT;
    let mut got = 0usize;
    while got < n {
        if Instant::now() > deadline {
            return fail(format!("{topic}: read {got} of {n} records"));
        }
        let Some(m) = c.poll(Duration::from_millis(100)) else {
            continue;
        };
        let m = m.map_err(|e| Failure(format!("reading {topic}: {e}")))?;
        on_record(got);
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

/// Records arriving within this long of the first one came in the same fetch response
/// (librdkafka prefetches while the first response is awaited): the consumer baseline
/// leaves them out, as the pipelines leave out the records present at first sight.
const BURST: Duration = Duration::from_millis(5);

/// Baseline: N records of bench-raw from the beginning through a BaseConsumer; the time
/// from the first record to the last, not counting the first burst. Checks every payload.
fn raw_consume(broker: &Broker, n: usize) -> Checked<Measured> {
    let mut start = None;
    let mut burst = 0;
    read_back(&broker.bootstrap, RAW_TOPIC, n, |i| {
        let (t0, _) =
            *start.get_or_insert_with(|| (Instant::now(), Cpu::sample(me(), broker.pid())));
        if t0.elapsed() <= BURST {
            burst = i + 1;
        }
    })?;
    let (t0, cpu0) = start.expect("a first record");
    let elapsed = t0.elapsed();
    eprintln!("raw consumer: {burst} records in the first burst (not counted)");
    Ok(Measured {
        rate: rate(n - burst.min(n - 1), elapsed),
        elapsed,
        cpu: Cpu::sample(me(), broker.pid()).since(cpu0),
    })
}

/// A standalone worker's directory (temporary unless RAFTCONNECT_BENCH_KEEP is set),
/// with worker properties using StringConverters.
struct WorkerDir {
    path: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl WorkerDir {
    fn new(bootstrap: &str, rest_port: u16) -> WorkerDir {
        let temp = tempfile::tempdir().expect("worker dir");
        let (path, temp) = if std::env::var_os("RAFTCONNECT_BENCH_KEEP").is_some() {
            let path = temp.keep();
            eprintln!("keeping {}", path.display());
            (path, None)
        } else {
            (temp.path().to_path_buf(), Some(temp))
        };
        fs::write(
            path.join("worker.properties"),
            format!(
                "bootstrap.servers={bootstrap}\n\
                 key.converter=org.apache.kafka.connect.storage.StringConverter\n\
                 value.converter=org.apache.kafka.connect.storage.StringConverter\n\
                 offset.storage.file.filename={}/connect.offsets\n\
                 offset.flush.interval.ms=10000\n\
                 listeners=http://127.0.0.1:{rest_port}\n",
                path.display()
            ),
        )
        .expect("worker.properties");
        WorkerDir { path, _temp: temp }
    }

    fn start(&self, rest_port: u16, connector: &Path) -> Worker {
        Worker::standalone(
            Path::new(env!("CARGO_BIN_EXE_raftconnect")),
            &self.path.join("worker.properties"),
            &[connector],
            &self.path.join("worker.log"),
            rest_port,
        )
    }
}

fn log_tail(w: &Worker) -> String {
    let text = w.log_text();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A pipeline's progress window: from the first observation of any record
/// (`first_seen` of them) to the observation of all `n`.
struct Window {
    n: usize,
    startup: Duration,
    first_seen: usize,
    elapsed: Duration,
    /// When 99% of the records had arrived (from the window's start).
    p99: Duration,
    cpu: Cpu,
}

impl Window {
    fn rate(&self) -> f64 {
        rate(self.n - self.first_seen, self.elapsed)
    }

    /// The rate up to 99% of the records (leaves out a slow tail).
    fn rate99(&self) -> f64 {
        rate(
            (self.n * 99 / 100).saturating_sub(self.first_seen),
            self.p99,
        )
    }

    fn describe(&self) -> String {
        format!(
            "{:.0} rec/s (start-up {:.2}s; {} records at first sight; window {:.3}s; \
             99% at {:.3}s = {:.0} rec/s; {})",
            self.rate(),
            self.startup.as_secs_f64(),
            self.first_seen,
            self.elapsed.as_secs_f64(),
            self.p99.as_secs_f64(),
            self.rate99(),
            self.cpu.describe("worker"),
        )
    }
}

/// Polls `count` every 50 ms: the window from its first non-zero value to `n`.
fn watch_progress(
    n: usize,
    mut count: impl FnMut() -> Checked<usize>,
    cpu: impl Fn() -> Cpu,
) -> Checked<Window> {
    let launched = Instant::now();
    let mut cpu0 = cpu();
    let (start, first_seen) = loop {
        let c = count()?;
        if c > 0 {
            break (Instant::now(), c);
        }
        if launched.elapsed() > STARTUP_TIMEOUT {
            return fail("the pipeline delivered nothing within its start-up timeout");
        }
        cpu0 = cpu();
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
                n,
                startup,
                first_seen: first_seen.min(n - 1),
                elapsed,
                p99: p99.unwrap_or(elapsed),
                cpu: cpu().since(cpu0),
            });
        }
        if start.elapsed() > PIPELINE_TIMEOUT {
            return fail(format!("the pipeline delivered {c} of {n} records"));
        }
        std::thread::sleep(POLL_EVERY);
    }
}

/// FileStreamSource: N lines into a file, then a worker that reads it into bench-src.
fn pipeline_source(broker: &Broker, n: usize) -> Checked<Window> {
    let bootstrap = &broker.bootstrap;
    let port = free_port();
    let dir = WorkerDir::new(bootstrap, port);
    let input = dir.path.join("input.txt");
    fs::write(&input, lines(n)).expect("input file");
    let connector = dir.path.join("source.properties");
    fs::write(
        &connector,
        format!(
            "name=bench-file-source\nconnector.class=FileStreamSource\ntasks.max=1\n\
             file={}\ntopic={SRC_TOPIC}\n",
            input.display()
        ),
    )
    .expect("source.properties");

    let watcher: BaseConsumer = client(bootstrap).create().expect("watermark client");
    let mut worker = dir.start(port, &connector);
    let pid = worker.pid();
    let window = watch_progress(
        n,
        || Ok(high_watermark(&watcher, SRC_TOPIC).unwrap_or(0).max(0) as usize),
        || Cpu::sample(pid, broker.pid()),
    )
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
    read_back(bootstrap, SRC_TOPIC, n, |_| {})?;
    Ok(window)
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
        let f = self.file.as_mut().expect("opened above");
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
fn pipeline_sink(broker: &Broker, n: usize) -> Checked<Window> {
    let bootstrap = &broker.bootstrap;
    let port = free_port();
    let dir = WorkerDir::new(bootstrap, port);
    let output = dir.path.join("output.txt");
    let connector = dir.path.join("sink.properties");
    fs::write(
        &connector,
        format!(
            "name=bench-file-sink\nconnector.class=FileStreamSink\ntasks.max=1\n\
             file={}\ntopics={RAW_TOPIC}\n",
            output.display()
        ),
    )
    .expect("sink.properties");
    let mut counter = LineCounter::new(output.clone());
    let mut worker = dir.start(port, &connector);
    let pid = worker.pid();
    let window = watch_progress(n, || counter.count(), || Cpu::sample(pid, broker.pid())).map_err(
        |Failure(m)| {
            Failure(format!(
                "sink pipeline: {m}; worker log:\n{}",
                log_tail(&worker)
            ))
        },
    )?;
    // Anything past N would be a duplicate: give it a moment to show up.
    std::thread::sleep(Duration::from_secs(1));
    let code = worker.stop(Duration::from_secs(30));
    if code != Some(0) {
        return fail(format!(
            "sink pipeline: worker exit {code:?}; log:\n{}",
            log_tail(&worker)
        ));
    }
    let got = fs::read(&output).map_err(|e| Failure(format!("sink output: {e}")))?;
    let want = lines(n);
    if got != want {
        let count = got.iter().filter(|&&b| b == b'\n').count();
        return fail(format!(
            "sink pipeline: output differs from the produced payloads \
             ({count} lines, {} bytes; expected {n} lines, {} bytes)",
            got.len(),
            want.len()
        ));
    }
    Ok(window)
}

/// The two runs of a baseline (before and after the pipeline, to see whether the
/// machine's load changed meanwhile) and their mean.
fn baseline(a: &Measured, b: &Measured) -> (f64, String) {
    let mean = (a.rate + b.rate) / 2.0;
    let spread = (a.rate - b.rate).abs() / mean;
    let note = if spread > 0.15 {
        format!(
            "runs {:.0} and {:.0} differ by {:.0}%: the machine is busy, the ratio is unreliable",
            a.rate,
            b.rate,
            spread * 100.0
        )
    } else {
        format!("runs {:.0} and {:.0}", a.rate, b.rate)
    };
    (mean, note)
}

fn run(n: usize) -> Checked<()> {
    let broker = Broker::start();
    println!(
        "raftconnect pipeline bench: {n} records of {RECORD_BYTES} bytes, broker {}",
        broker.bootstrap
    );

    // Each baseline runs before and after its pipeline; the ratio uses their mean.
    let raw_p1 = raw_produce(&broker, RAW_TOPIC, n)?;
    eprintln!("raw producer:    {}", raw_p1.describe());
    let src = pipeline_source(&broker, n)?;
    eprintln!("source pipeline: {}", src.describe());
    let raw_p2 = raw_produce(&broker, RAW_TOPIC_2, n)?;
    eprintln!("raw producer:    {}", raw_p2.describe());
    let raw_c1 = raw_consume(&broker, n)?;
    eprintln!("raw consumer:    {}", raw_c1.describe());
    let sink = pipeline_sink(&broker, n)?;
    eprintln!("sink pipeline:   {}", sink.describe());
    let raw_c2 = raw_consume(&broker, n)?;
    eprintln!("raw consumer:    {}", raw_c2.describe());

    let (raw_p, p_note) = baseline(&raw_p1, &raw_p2);
    let (raw_c, c_note) = baseline(&raw_c1, &raw_c2);
    let (sp, kp) = (src.rate(), sink.rate());
    println!();
    println!(
        "source  raw producer {raw_p:>8.0} rec/s | pipeline {sp:>8.0} rec/s | ratio {:.2}  \
         (to 99%: {:.2}; raw {p_note})",
        sp / raw_p,
        src.rate99() / raw_p
    );
    println!(
        "sink    raw consumer {raw_c:>8.0} rec/s | pipeline {kp:>8.0} rec/s | ratio {:.2}  \
         (to 99%: {:.2}; raw {c_note})",
        kp / raw_c,
        sink.rate99() / raw_c
    );
    println!(
        "pipeline rates exclude process start-up (source {:.2}s, sink {:.2}s): they run from \
         the first record seen to the last, polled every 50 ms",
        src.startup.as_secs_f64(),
        sink.startup.as_secs_f64()
    );
    let _ = std::io::stdout().flush();
    Ok(())
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` (and any filter); there is nothing to select.
    let n: usize = match std::env::var("RAFTCONNECT_BENCH_RECORDS") {
        Ok(v) => match v.trim().parse() {
            Ok(n) if n >= 100 => n,
            _ => {
                eprintln!("RAFTCONNECT_BENCH_RECORDS must be an integer >= 100, not {v:?}");
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
