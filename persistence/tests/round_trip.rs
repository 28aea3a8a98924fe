//! The round trip: a seeded random workload over every value type (and
//! MULTI/EXEC, SELECT, SWAPDB, expiries with the clock moving and active
//! expiry cycles), through deltas into the AOF files, recovered into a
//! fresh engine: the same live keyspace, whatever rewrites happened.

mod support;

use kv_engine::ClientState;
use persistence::storage::sim::CrashMode;
use persistence::FsyncPolicy;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;
use support::{sim_disk, Node};

const NAMES: [&str; 4] = ["a", "b", "{t}c", "long:key:name"];

/// One random write, as words. Keys are named by type (`l:a` is a list)
/// so most commands find the type they expect.
fn command(rng: &mut SmallRng, now_ms: i64) -> Vec<String> {
    let name = NAMES[rng.gen_range(0..NAMES.len())];
    let other = NAMES[rng.gen_range(0..NAMES.len())];
    let n = rng.gen_range(0..20).to_string();
    let m = rng.gen_range(-5..30).to_string();
    let ms = (now_ms + rng.gen_range(-1000..5000)).to_string();
    let score = format!("{:.3}", rng.gen_range(-100.0..100.0f64));
    let family = ["s", "l", "h", "S", "z"][rng.gen_range(0..5)];
    let (k, k2) = (format!("{family}:{name}"), format!("{family}:{other}"));
    let line = match (family, rng.gen_range(0..10)) {
        (_, 0) => match rng.gen_range(0..8) {
            0 => format!("DEL {k} {k2}"),
            1 => format!("EXPIRE {k} {}", rng.gen_range(1..5)),
            2 => format!("PEXPIREAT {k} {ms}"),
            3 => format!("PERSIST {k}"),
            4 => format!("RENAME {k} {k2}"),
            5 => format!("COPY {k} {k2} REPLACE"),
            6 => format!("MOVE {k} {}", rng.gen_range(0..3)),
            _ => format!("SELECT {}", rng.gen_range(0..3)),
        },
        (_, 1) if rng.gen_bool(0.05) => format!("SWAPDB 0 {}", rng.gen_range(1..3)),
        (_, 1) if rng.gen_bool(0.02) => "FLUSHDB".to_string(),
        // (kv-engine's SET takes no options yet.)
        ("s", i) => match i % 5 {
            0 | 3 => format!("SET {k} v{n}"),
            1 => format!("PEXPIRE {k} {}", rng.gen_range(1..3000)),
            2 => format!("PEXPIREAT {k} {ms}"),
            _ => format!("SET {k} {n}"),
        },
        ("l", i) => match i % 8 {
            0 => format!("RPUSH {k} {n} {m}"),
            1 => format!("LPUSH {k} {n}"),
            2 => format!("LPOP {k} 2"),
            3 => format!("LSET {k} 0 {m}"),
            4 => format!("LTRIM {k} 1 -2"),
            5 => format!("LMOVE {k} {k2} LEFT RIGHT"),
            6 => format!("LINSERT {k} BEFORE {n} {m}"),
            _ => format!("LREM {k} 0 {n}"),
        },
        ("h", i) => match i % 5 {
            0 => format!("HSET {k} f{n} {m} g {n}"),
            1 => format!("HDEL {k} f{n}"),
            2 => format!("HINCRBY {k} f{n} {m}"),
            3 => format!("HINCRBYFLOAT {k} g {score}"),
            _ => format!("HSETNX {k} h{n} {m}"),
        },
        ("S", i) => match i % 6 {
            0 | 1 => format!("SADD {k} {n} {m} s{n}"),
            2 => format!("SREM {k} {n}"),
            3 => format!("SPOP {k} {}", rng.gen_range(1..3)),
            4 => format!("SMOVE {k} {k2} {n}"),
            _ => format!("SUNIONSTORE {k} {k2} {k}"),
        },
        (_, i) => match i % 7 {
            0 | 1 => format!("ZADD {k} {score} m{n} {n} m{m}"),
            2 => format!("ZINCRBY {k} {score} m{n}"),
            3 => format!("ZREM {k} m{n}"),
            4 => format!("ZPOPMIN {k}"),
            5 => format!("ZUNIONSTORE {k2} 2 {k} {k2} WEIGHTS 2 1"),
            _ => format!("ZREMRANGEBYSCORE {k} -inf {score}"),
        },
    };
    line.split(' ').map(str::to_string).collect()
}

/// Live keys only: an expired key nobody touched yet may or may not
/// still be in memory, on either side, and that is invisible to clients.
fn live(node: &Node) -> Vec<(usize, Vec<u8>, support::Content, Option<i64>)> {
    let now = kv_engine::Clock::now_ms(&*node.clock);
    node.dump()
        .into_iter()
        .filter(|(_, _, _, at)| at.is_none_or(|at| at > now))
        .collect()
}

async fn workload(seed: u64, policy: FsyncPolicy) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let sim = sim_disk(seed);
    // Both forms of base file: RDB (Redis's default) and AOF.
    let mut config = support::sim_config(policy);
    config.aof_use_rdb_preamble = seed.is_multiple_of(2);
    let node = support::start_config(&sim, &config, support::NOW_MS).await;
    let mut client = ClientState::new(1);
    for step in 0..400 {
        let now = kv_engine::Clock::now_ms(&*node.clock);
        let transaction = rng.gen_bool(0.1);
        if transaction {
            node.write(&mut client, &[b"MULTI"]).await;
        }
        for _ in 0..if transaction { rng.gen_range(1..5) } else { 1 } {
            let argv = command(&mut rng, now);
            let words: Vec<&[u8]> = argv.iter().map(|w| w.as_bytes()).collect();
            node.write(&mut client, &words).await;
        }
        if transaction {
            node.write(&mut client, &[b"EXEC"]).await;
        }
        if rng.gen_bool(0.1) {
            node.clock.advance(rng.gen_range(1..800));
            node.expire_cycle().await;
        }
        if step % 97 == 96 {
            let _ = node.durability.rewrite().await;
        }
        if rng.gen_bool(0.05) {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(1..300))).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    node.durability.shutdown().await.unwrap();
    let sim = sim.crash(CrashMode::DropUnsynced);
    let now = kv_engine::Clock::now_ms(&*node.clock);
    let again = support::start_config(&sim, &config, now).await;
    let executed = node.executed.lock().len();
    assert!(
        executed > 150,
        "seed {seed}: most commands wrote ({executed})"
    );
    assert!(
        !live(&node).is_empty(),
        "seed {seed}: the workload kept something"
    );
    assert_eq!(live(&again), live(&node), "seed {seed}");
}

#[tokio::test(start_paused = true)]
async fn random_workloads_recover_into_the_same_keyspace() {
    for seed in 0..30 {
        let policy =
            [FsyncPolicy::Always, FsyncPolicy::EverySec, FsyncPolicy::No][seed as usize % 3];
        workload(seed, policy).await;
    }
}
