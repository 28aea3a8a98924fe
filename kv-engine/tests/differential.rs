//! Differential test against a real redis-server 7.0: seeded random
//! command sequences run on both, every reply must match (see
//! `differential/resp.rs` for the few order-insensitive rules). Only the
//! commands the engine's table knows are generated.
//!
//! `DIFF_SEEDS` (default 50) sequences of `DIFF_LEN` (default 200)
//! commands from seed `DIFF_SEED` (default 0). A failure prints the seed
//! and a shrunk redis-cli script.

mod differential_support;

use differential_support::generator::Generator;
use differential_support::redis::RedisServer;
use differential_support::{describe, script, shrink, Sides};
use kv_engine::harness::Session;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn replies_match_redis() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let seeds = env("DIFF_SEEDS", 50);
    let len = env("DIFF_LEN", 200) as usize;
    let first = env("DIFF_SEED", 0);
    let table = Session::new();
    let known = |name: &str| table.engine.table().get(name.as_bytes()).is_some();
    let mut sides = Sides::new(server.port);
    let mut failures = Vec::new();
    for seed in first..first + seeds {
        let mut gen = Generator::new(seed, known);
        assert!(!gen.is_empty(), "the engine knows none of the commands");
        sides.reset();
        let mut steps = Vec::new();
        'sequence: while steps.len() < len {
            for step in gen.next() {
                steps.push(step.clone());
                let Err(first) = sides.step(&step) else {
                    continue;
                };
                // A mismatch that does not replay from fresh state depends
                // on timing (wall clock, expiry): report it as it happened.
                let (m, shown) = match sides.replay(&steps) {
                    Some(_) => {
                        let small = shrink(&mut sides, steps.clone());
                        match sides.replay(&small) {
                            Some(m) => (m, small),
                            None => (first, steps.clone()),
                        }
                    }
                    None => (first, steps.clone()),
                };
                failures.push(format!(
                    "seed {seed}: {}\n--- redis-cli script ---\n{}",
                    describe(&m),
                    script(&shown)
                ));
                break 'sequence;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {seeds} seeds mismatch:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
