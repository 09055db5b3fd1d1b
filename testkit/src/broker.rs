//! A real Kafka-protocol broker for tests: tansu with its sqlite storage engine (the
//! memory engine skips records when a fetch starts inside a batch, so it must not be
//! used for anything that checks data).
//!
//! The binary comes from `TANSU_BIN`, or the cache that `scripts/install-tansu.sh`
//! fills. Every test gets its own broker and data: tests never share topics.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;

use crate::process::{free_port, wait_until};

pub struct Broker {
    pub bootstrap: String,
    child: Option<Child>,
    data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

/// Runs tansu in `dir` (its sqlite path is relative to the working directory), appending
/// to `dir/tansu.log`.
fn spawn_tansu(dir: &Path, listen: &str) -> Child {
    let bin = tansu_bin();
    assert!(
        bin.exists(),
        "the tansu broker is not installed at {} (run scripts/install-tansu.sh or set TANSU_BIN)",
        bin.display()
    );
    let url = format!("tcp://{listen}");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("tansu.log"))
        .expect("broker log file");
    Command::new(&bin)
        .arg("broker")
        .args(["--listener-url", &url, "--advertised-listener-url", &url])
        .args(["--storage-engine", "sqlite://tansu.db"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()))
}

/// The tansu binary: `TANSU_BIN`, or where scripts/install-tansu.sh puts it.
pub fn tansu_bin() -> PathBuf {
    if let Ok(p) = std::env::var("TANSU_BIN") {
        return PathBuf::from(p);
    }
    let cache = std::env::var("RAFTCONNECT_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                .join(".cache/raftconnect")
        });
    cache.join("tansu-0.6.0/bin/tansu")
}

impl Broker {
    /// Starts a fresh broker on a free loopback port, and waits until it answers
    /// metadata requests.
    pub fn start() -> Broker {
        let dir = tempfile::tempdir().expect("temp dir for the broker");
        let listen = format!("127.0.0.1:{}", free_port());
        let child = spawn_tansu(dir.path(), &listen);
        let b = Broker {
            bootstrap: listen,
            child: Some(child),
            data_dir: dir.path().to_path_buf(),
            _dir: Some(dir),
        };
        b.wait_ready();
        b
    }

    /// Starts a broker listening on `listen` ("ip:port") with its data in `data_dir`
    /// (kept: a broker killed with [`Broker::kill`] comes back with its records through
    /// [`Broker::restart`]).
    pub fn start_at(listen: &str, data_dir: &Path) -> Broker {
        std::fs::create_dir_all(data_dir).expect("broker data dir");
        let child = spawn_tansu(data_dir, listen);
        let b = Broker {
            bootstrap: listen.to_string(),
            child: Some(child),
            data_dir: data_dir.to_path_buf(),
            _dir: None,
        };
        b.wait_ready();
        b
    }

    /// SIGKILL: the broker stops answering; its data stays.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Whether the broker process runs (false after [`Broker::kill`]).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Starts the broker again on the same address and data (after [`Broker::kill`]).
    pub fn restart(&mut self) {
        self.kill();
        self.child = Some(spawn_tansu(&self.data_dir, &self.bootstrap));
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .create()
            .expect("metadata client");
        let ok = wait_until(Duration::from_secs(30), || {
            consumer
                .fetch_metadata(None, Duration::from_secs(1))
                .is_ok()
        });
        assert!(ok, "broker at {} did not become ready", self.bootstrap);
    }

    /// Creates a topic (the broker does not auto-create them).
    pub fn create_topic(&self, topic: &str, partitions: i32) {
        create_topic(&self.bootstrap, topic, partitions)
    }

    /// The broker process id (None when using an already running broker).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Every record value of partition 0 of `topic`, from the beginning, read until at
    /// least `at_least` arrived and then nothing new for a second (or 60 s passed).
    pub fn read_values(&self, topic: &str, at_least: usize) -> Vec<Vec<u8>> {
        use rdkafka::{Message, Offset, TopicPartitionList};
        let c: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("group.id", "testkit-reader")
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, 0, Offset::Beginning)
            .expect("partition");
        c.assign(&tpl).expect("assign");
        let mut out = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let mut quiet_since = std::time::Instant::now();
        while std::time::Instant::now() < deadline {
            match c.poll(Duration::from_millis(200)) {
                Some(Ok(m)) => {
                    out.push(m.payload().unwrap_or_default().to_vec());
                    quiet_since = std::time::Instant::now();
                }
                _ => {
                    if out.len() >= at_least && quiet_since.elapsed() > Duration::from_secs(1) {
                        break;
                    }
                }
            }
        }
        out
    }

    /// The broker's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("tansu.log")).unwrap_or_default()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Creates a topic on the broker at `bootstrap` (tansu does not auto-create them); one
/// that already exists is fine.
pub fn create_topic(bootstrap: &str, topic: &str, partitions: i32) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    let admin: AdminClient<rdkafka::client::DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(-1));
    let results = rt
        .block_on(admin.create_topics([&new], &AdminOptions::new()))
        .expect("create_topics request");
    for r in results {
        if let Err((t, code)) = r {
            assert_eq!(
                code,
                rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists,
                "create topic {t}"
            );
        }
    }
}
