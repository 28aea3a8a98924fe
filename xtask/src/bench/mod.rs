//! `cargo xtask bench`: ours against Debian's redis-server, measured by
//! redis-benchmark in one run and reported as ratios (issue 5).
//!
//! - default: build `target/release/redis-rust-server`, start it and
//!   `redis-server` on free loopback ports, run each test at each pipeline
//!   depth against A then B for `--rounds` rounds (`throughput.rs`).
//! - `--memory`: load ~1M keys into each and compare RSS and used_memory
//!   (`memory.rs`).
//! - `--bgsave-stall`: the longest PING reply while BGSAVE runs on 5M keys
//!   (`--keys`) under redis-benchmark load, and the memory it takes
//!   (`stall.rs`). Not part of CI.
//! - `--appendfsync always|everysec|no`: both sides with `appendonly yes`
//!   and that fsync policy (their files in the scratch directory).
//! - `--only-redis`: both sides are redis-server, to check the harness
//!   itself (the ratios should be near 1.0).
//! - `--criterion`: just `cargo bench --workspace`.
//!
//! Servers are stopped by a Drop guard (`server.rs`), on success or error.

mod cpu;
mod loader;
mod memory;
mod probe;
mod redis_benchmark;
pub mod server;
mod stall;
mod throughput;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;

use crate::process;
use server::{RunningServer, ScratchDir, Side};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Rounds per test; each round runs A then B.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Requests per redis-benchmark run (-n).
    #[arg(long, short = 'n', default_value_t = 100_000)]
    requests: u64,
    /// Parallel connections (-c).
    #[arg(long, short = 'c', default_value_t = 50)]
    clients: u32,
    /// Pipeline depths to run (-P), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    pipelines: Vec<u32>,
    /// redis-benchmark tests (-t), comma separated.
    #[arg(
        long,
        short = 't',
        default_value = "set,get,incr,lpush,lpop,sadd,hset,zadd,lrange_100,mset"
    )]
    tests: String,
    /// Compare two redis-servers (tests the harness without our server).
    #[arg(long)]
    only_redis: bool,
    /// Use this server binary instead of building target/release/redis-rust-server.
    #[arg(long, value_name = "PATH", conflicts_with = "only_redis")]
    server_bin: Option<PathBuf>,
    /// Compare memory after loading ~1M keys instead of throughput.
    #[arg(long)]
    memory: bool,
    /// Measure the longest command stall during BGSAVE under load, and
    /// its memory, instead of throughput.
    #[arg(long, conflicts_with_all = ["memory", "appendfsync"])]
    bgsave_stall: bool,
    /// Keys loaded for --bgsave-stall.
    #[arg(long, default_value_t = 5_000_000, requires = "bgsave_stall")]
    keys: u64,
    /// BGSAVEs run for --bgsave-stall.
    #[arg(long, default_value_t = 3, requires = "bgsave_stall")]
    saves: u32,
    /// Run the criterion benches (`cargo bench --workspace`) instead.
    #[arg(long, conflicts_with_all = ["memory", "only_redis"])]
    criterion: bool,
    /// Both sides with `appendonly yes` and this `appendfsync` (always,
    /// everysec, no); without it, no AOF.
    #[arg(long, value_name = "POLICY", value_parser = ["always", "everysec", "no"])]
    appendfsync: Option<String>,
    /// Seconds one redis-benchmark run may take before it is stopped.
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
}

impl BenchArgs {
    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.criterion {
        let mut command = process::cargo();
        command.args(["bench", "--workspace"]);
        process::run_step("criterion", &mut command)?;
        return Ok(());
    }
    if args.rounds == 0 || args.pipelines.is_empty() {
        bail!("--rounds and --pipelines need at least one value");
    }
    for tool in ["redis-server", "redis-benchmark"] {
        if !process::program_exists(tool) {
            bail!("{tool} is not installed (apt-get install redis-server redis-tools)");
        }
    }
    let mut sides = sides(args)?;
    if let Some(fsync) = &args.appendfsync {
        sides = sides.map(|side| side.with_aof(fsync));
    }
    let scratch = ScratchDir::new()?;
    let table = if args.memory {
        memory::compare(&sides, &scratch.path)?
    } else if args.bgsave_stall {
        if args.keys == 0 || args.saves == 0 {
            bail!("--keys and --saves need to be at least 1");
        }
        stall::compare(&sides, &scratch.path, args.keys, args.saves)?
    } else {
        let mut servers = [
            RunningServer::start(&sides[0], &scratch.path)?,
            RunningServer::start(&sides[1], &scratch.path)?,
        ];
        throughput::compare(&mut servers, args, &scratch.path)?
    };
    println!();
    print!("{table}");
    Ok(())
}

/// Side A (ours, or a first redis-server) and side B (redis-server).
fn sides(args: &BenchArgs) -> anyhow::Result<[Side; 2]> {
    if args.only_redis {
        return Ok([Side::redis("redis-a"), Side::redis("redis-b")]);
    }
    let binary = match &args.server_bin {
        Some(path) => path.clone(),
        None => {
            let mut build = process::cargo();
            build.args(["build", "--release", "-p", "server"]);
            process::run_step("build server", &mut build)?;
            process::target_dir().join("release/redis-rust-server")
        }
    };
    if !binary.is_file() {
        bail!("server binary {} does not exist", binary.display());
    }
    Ok([Side::ours(binary), Side::redis("redis")])
}
