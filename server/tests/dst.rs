//! Deterministic simulation testing (DST) of the real server: the real
//! connection tasks, engine, timer and persistence, on single-threaded
//! tokio runtimes with paused time, clients on `tokio::io::duplex` pipes,
//! faults injected at named points, everything a function of the seed.
//! The same seed gives the same trace (a test compares trace hashes).
//!
//! Running it:
//! - `cargo xtask dst --seeds 10000`: the soak (seeds 0..N; `DST_SEEDS`).
//! - `cargo xtask dst --seed N`: replays seed N with its trace (`DST_SEED`).
//! - `DST_FAULTS=TASK_CANCEL=0.05,CRASH=0.01` (or `none`, `all`) replaces
//!   the seed's own fault choice; `DST_STEPS=N` the storm's length;
//!   `DST_FIRST_SEED=K` starts the seeds at K; `DST_TRACE=1` prints every
//!   event as it happens (with `DST_SEED`), `DST_LOG=info` the server's log
//!   lines too; `DST_DUMP=DIR` copies the data directory there when a
//!   restart fails.
//! - `DST_FSYNCGATE=1`: a process that saw an fsync fail and then merely
//!   exits is followed by a restart on its page cache (by default that
//!   exit is taken as a power loss): shows the known limitation that a
//!   later power loss then finds an AOF whose start never reached the disk
//!   (Linux drops the failed pages' dirty bit; Redis is exposed the same way).
//! - Without variables (the plain `cargo test` run) a dozen seeds.
//!
//! A failure prints its seed, its fault configuration (in the
//! `DST_FAULTS` form), the replay command and the last events of its
//! trace.
//!
//! What a run is (see `dst/world.rs`): a storm of clients sending
//! pipelined units (reads, writes, MULTI blocks) while faults fire, then
//! a calm in which every client must get every reply, a fresh client's
//! PING/SET/GET must work, nothing may leak once everyone hangs up, and
//! the server must shut down by itself. After every step the server's
//! keyspace must equal a shadow model's (`dst/model.rs`), which was fed
//! exactly the units whose execution began (`dst/ledger.rs` learns which
//! from the tokens their deltas carry, `dst/tap.rs`).
//!
//! Some seeds' clients also switch the AOF at run time (CONFIG SET
//! appendonly yes/no, appendfsync, BGREWRITEAOF in their pipelines): the
//! next process starts with the switched setup, and what a crash may lose
//! follows the mode each write ran under (`World::follow_switches`).
//!
//! The faults (`dst/faults.rs`): TASK_CANCEL, CHANNEL_CLOSE,
//! CLIENT_DISCONNECT, DISK_WRITE_ERROR, DISK_FSYNC_ERROR, DISK_FULL,
//! TORN_WRITE, SLOW_DISK, CRASH, CLOCK_JUMP. The server's injection
//! points (the jumping clock, the simulated disk) exist only with the
//! `server/sim` feature, which only tests turn on.

#[path = "dst/cancel.rs"]
mod cancel;
#[path = "dst/client.rs"]
mod client;
#[path = "dst/faults.rs"]
mod faults;
#[path = "dst/ledger.rs"]
mod ledger;
#[path = "dst/model.rs"]
mod model;
#[path = "dst/node.rs"]
mod node;
#[path = "dst/sched.rs"]
mod sched;
#[path = "dst/setup.rs"]
mod setup;
#[path = "dst/tap.rs"]
mod tap;
#[path = "dst/trace.rs"]
mod trace;
#[path = "dst/workload.rs"]
mod workload;
#[path = "dst/world.rs"]
mod world;

use faults::{Fault, FaultConfig, FaultCounts};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use world::{Failure, Report, World};

/// Seeds run by a plain `cargo test`.
const DEFAULT_SEEDS: u64 = 12;

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value}: not a number")),
    )
}

/// The faults of `seed`: `DST_FAULTS` if set, else the seed's choice.
fn faults_for(seed: u64) -> FaultConfig {
    match std::env::var("DST_FAULTS") {
        Ok(text) => FaultConfig::parse(&text).unwrap_or_else(|e| panic!("DST_FAULTS: {e}")),
        Err(_) => FaultConfig::from_seed(seed),
    }
}

fn run_seed(seed: u64, faults: FaultConfig) -> Result<Report, Box<Failure>> {
    World::new(seed, faults, env_u64("DST_STEPS").map(|n| n as usize)).run()
}

/// Runs `seeds` on every core, each seed on one thread (its runtimes are
/// single-threaded); returns the reports and the failures.
fn run_many(seeds: Vec<(u64, FaultConfig)>) -> (Vec<Report>, Vec<Failure>) {
    let next = AtomicU64::new(0);
    let reports = Mutex::new(Vec::new());
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers.min(seeds.len().max(1)) {
            std::thread::Builder::new()
                .stack_size(16 << 20)
                .spawn_scoped(scope, || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some((seed, faults)) = seeds.get(i).cloned() else {
                        return;
                    };
                    match run_seed(seed, faults) {
                        Ok(report) => reports.lock().unwrap().push(report),
                        Err(failure) => failures.lock().unwrap().push(*failure),
                    }
                })
                .expect("a worker thread");
        }
    });
    let mut reports = reports.into_inner().unwrap();
    reports.sort_by_key(|r| r.seed);
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|f| f.seed);
    (reports, failures)
}

fn summary(reports: &[Report]) -> String {
    let mut fired = FaultCounts::default();
    for report in reports {
        fired.add(&report.fired);
    }
    let units: usize = reports.iter().map(|r| r.units).sum();
    let executed: usize = reports.iter().map(|r| r.executed).sum();
    let processes: u32 = reports.iter().map(|r| r.processes).sum();
    let switches: u32 = reports.iter().map(|r| r.switches).sum();
    let steps: usize = reports.iter().map(|r| r.steps).sum();
    format!(
        "{} seeds passed: {steps} steps, {units} units sent, {executed} ran, {processes} server processes, {switches} AOF switches at run time; faults fired: {fired}",
        reports.len()
    )
}

/// With a planted bug compiled in (`server::sim::MUTATION`), only the
/// seeds are the point: the other tests would fail on the bug too.
fn skip_for_planted_bug() -> bool {
    let planted = server::sim::MUTATION.is_some();
    if planted {
        eprintln!("skipped: a planted bug (dst_mutation) is compiled in");
    }
    planted
}

/// The suite: `DST_SEED` replays one seed, `DST_SEEDS` runs that many.
#[test]
fn seeds() {
    if let Some(seed) = env_u64("DST_SEED") {
        if let Ok(filter) = std::env::var("DST_LOG") {
            // The server's own log lines, interleaved with DST_TRACE's.
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_writer(std::io::stderr)
                .without_time()
                .try_init();
        }
        let faults = faults_for(seed);
        match run_seed(seed, faults) {
            Ok(report) => println!(
                "DST seed {seed} passed (faults {}; {}; trace hash {:016x}, {} events): {}",
                report.faults,
                report.setup,
                report.trace_hash,
                report.events,
                summary(std::slice::from_ref(&report))
            ),
            Err(failure) => panic!("{failure}"),
        }
        return;
    }
    let first = env_u64("DST_FIRST_SEED").unwrap_or(0);
    let n = env_u64("DST_SEEDS").unwrap_or(DEFAULT_SEEDS);
    let started = Instant::now();
    let seeds = (first..first + n).map(|s| (s, faults_for(s))).collect();
    let (reports, failures) = run_many(seeds);
    println!("{} in {:.1?}", summary(&reports), started.elapsed());
    let planted = server::sim::MUTATION
        .map(|name| format!(" (planted bug: dst_mutation=\"{name}\")"))
        .unwrap_or_default();
    if !failures.is_empty() {
        for failure in failures.iter().take(3) {
            eprintln!("{failure}");
        }
        let seeds: Vec<u64> = failures.iter().map(|f| f.seed).collect();
        panic!("{} of {n} seeds failed{planted}: {seeds:?}", failures.len());
    }
    if !planted.is_empty() {
        println!("every seed passed{planted}: the simulation did not find it");
    }
}

/// Determinism: a seed run twice (on different threads, so tokio's
/// per-thread randomness differs) gives the same trace, event for event.
#[test]
fn the_same_seed_gives_the_same_trace() {
    if skip_for_planted_bug() {
        return;
    }
    let seeds: Vec<(u64, FaultConfig)> = [3, 11, 27]
        .into_iter()
        .flat_map(|s| [(s, FaultConfig::all()), (s, FaultConfig::all())])
        .collect();
    let (reports, failures) = run_many(seeds);
    if let Some(failure) = failures.first() {
        panic!("{failure}");
    }
    for pair in reports.chunks(2) {
        assert_eq!(pair[0].seed, pair[1].seed);
        assert!(pair[0].events > 100, "a run does something");
        assert_eq!(
            (pair[0].trace_hash, pair[0].events),
            (pair[1].trace_hash, pair[1].events),
            "seed {} traced differently twice",
            pair[0].seed
        );
    }
}

/// Every fault the running server can take fires somewhere in a few
/// seeds with every fault on: none of them is dead code.
#[test]
fn every_fault_fires() {
    if skip_for_planted_bug() {
        return;
    }
    let seeds = (100..110).map(|s| (s, FaultConfig::all())).collect();
    let (reports, failures) = run_many(seeds);
    if let Some(failure) = failures.first() {
        panic!("{failure}");
    }
    let mut fired = FaultCounts::default();
    for report in &reports {
        fired.add(&report.fired);
    }
    for fault in Fault::ALL {
        assert!(
            fired.get(fault) > 0,
            "{} never fired: {fired}",
            fault.name()
        );
    }
}
