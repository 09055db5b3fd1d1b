//! `jepsen`: the fault-injection suite's command line.
//!
//! ```text
//! jepsen run --nemesis kill --time-limit 60      # one nemesis, one fresh cluster
//! jepsen suite --time-limit 30                    # every nemesis in turn
//! ```
//! Exit code 0: every check passed; 1: a check failed (a violation); 2: the run could
//! not be carried out (bad arguments, setup failure).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use jepsen::judge::Summary;
use jepsen::nemesis::{self, Nemesis, Schedule};
use jepsen::run::{self, RunOptions, RuntimeKind};

#[derive(Parser)]
#[command(
    name = "jepsen",
    about = "Fault injection against a three-node raftconnect cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One run with one nemesis.
    Run {
        /// none, kill, kill-leader, kill-owner, pause, partition-one, partition-leader,
        /// partition-majority, bounce-clean, bounce-hard, broker
        #[arg(long, default_value = "kill")]
        nemesis: String,
        #[command(flatten)]
        common: Common,
    },
    /// Reads the pipeline's topic from a broker and prints, per source task, how many
    /// records it holds and the highest seqno (for looking into a run's data).
    ReadTopic {
        #[arg(long)]
        bootstrap: String,
    },
    /// One run per nemesis (all of them unless --nemeses), each on a fresh cluster.
    Suite {
        /// Comma-separated nemesis names.
        #[arg(long)]
        nemeses: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args, Clone)]
struct Common {
    /// Seconds the clients and the nemesis run (per nemesis in a suite).
    #[arg(long, default_value_t = 60)]
    time_limit: u64,
    /// processes or docker.
    #[arg(long, default_value = "processes")]
    runtime: String,
    /// Processes: keep every node on loopback instead of network namespaces (no
    /// partitions).
    #[arg(long)]
    no_namespaces: bool,
    /// Where results directories go.
    #[arg(long, default_value = "jepsen/results")]
    results: PathBuf,
    /// Seed for every random choice (default: the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// The raftconnect binary (default: beside this one).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Seconds between faults.
    #[arg(long, default_value_t = 5)]
    quiet: u64,
    /// Seconds a fault lasts (longer than failover.timeout.ms, so tasks move).
    #[arg(long, default_value_t = 6)]
    fault: u64,
    /// Records per second per source task.
    #[arg(long, default_value_t = 100)]
    throughput: u32,
    /// Tasks of the source and of the sink.
    #[arg(long, default_value_t = 3)]
    tasks: u32,
}

impl Common {
    fn options(&self, nemesis: Nemesis) -> Result<RunOptions, String> {
        let runtime = match self.runtime.as_str() {
            "processes" => RuntimeKind::Processes,
            "docker" => RuntimeKind::Docker,
            other => return Err(format!("unknown --runtime {other:?}: processes or docker")),
        };
        let bin = match &self.bin {
            Some(b) => b.clone(),
            None => std::env::current_exe()
                .map_err(|e| format!("cannot find this executable: {e}"))?
                .with_file_name("raftconnect"),
        };
        if !bin.exists() {
            return Err(format!(
                "no raftconnect binary at {} (build it with `cargo build -p raftconnect` or pass --bin)",
                bin.display()
            ));
        }
        let seed = self.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
        Ok(RunOptions {
            nemesis,
            runtime,
            namespaces: !self.no_namespaces,
            time_limit: Duration::from_secs(self.time_limit),
            schedule: Schedule {
                quiet: Duration::from_secs(self.quiet),
                fault: Duration::from_secs(self.fault),
            },
            results: self.results.clone(),
            seed,
            raftconnect_bin: bin,
            tansu_bin: testkit::tansu_bin(),
            register_clients: 3,
            tasks: self.tasks,
            throughput: self.throughput,
            recovery_bound: Duration::from_secs(60),
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (nemeses, common) = match cli.command {
        Command::ReadTopic { bootstrap } => {
            return match jepsen::pipeline::read_topic(&bootstrap) {
                Ok(topic) => {
                    for (task, seqnos) in topic {
                        let max = seqnos.iter().max().copied().unwrap_or(0);
                        println!("task {task}: {} records, max seqno {max}", seqnos.len());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("jepsen: {e}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Run { nemesis, common } => (vec![nemesis], common),
        Command::Suite { nemeses, common } => (
            match nemeses {
                Some(list) => list.split(',').map(|s| s.trim().to_string()).collect(),
                None => nemesis::ALL.iter().map(|n| n.name().to_string()).collect(),
            },
            common,
        ),
    };
    let mut plans = Vec::new();
    for name in &nemeses {
        match name.parse::<Nemesis>().and_then(|n| common.options(n)) {
            Ok(o) => plans.push(o),
            Err(e) => {
                eprintln!("jepsen: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let mut summaries: Vec<Summary> = Vec::new();
    let mut setup_failed = false;
    for plan in &plans {
        match run::run(plan) {
            Ok(s) => summaries.push(s),
            Err(e) => {
                eprintln!("jepsen: {} could not run: {e}", plan.nemesis.name());
                setup_failed = true;
            }
        }
    }
    println!("{}", Summary::table(&summaries));
    if summaries.iter().any(|s| !s.valid) {
        ExitCode::from(1)
    } else if setup_failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
