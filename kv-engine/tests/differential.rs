//! Differential test against a real redis-server 7.0 (started by the test
//! on a free port): seeded random command sequences over every engine
//! command family (strings, bitmaps, keys, expiry, databases, transactions
//! with a second client, collections) run on both, and every reply must
//! match byte for byte, except where Redis leaves order or choice
//! unspecified (`differential_support/resp.rs`). Every fourth sequence
//! speaks RESP3.
//!
//! `DIFF_SEEDS` (default 50) sequences of `DIFF_LEN` (default 200)
//! commands from seed `DIFF_SEED` (default 0); CI runs 2000 in release
//! (`cargo xtask ci`), `cargo xtask diff --seeds N` runs more. A failure
//! prints the seed and a shrunk redis-cli script.

mod differential_support;

use differential_support::generator::{Generator, GRAMMARS, NOT_GENERATED};
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
    let mut sides = Sides::new(server.port, false);
    let mut failures = Vec::new();
    for seed in first..first + seeds {
        let mut gen = Generator::new(seed, known);
        assert!(!gen.is_empty(), "the engine knows none of the commands");
        // Every fourth sequence speaks RESP3.
        sides.reset_with(seed % 4 == 3);
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
                    "seed {seed}{}: {}\n--- redis-cli script ---\n{}",
                    if seed % 4 == 3 { " (RESP3)" } else { "" },
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

/// The generator covers the whole command table: a command added to the
/// engine without a grammar here fails this test.
#[test]
fn every_engine_command_is_generated() {
    let session = Session::new();
    let mut missing: Vec<String> = session
        .engine
        .table()
        .iter()
        .map(|spec| spec.name.to_ascii_uppercase())
        .filter(|name| {
            !GRAMMARS.iter().any(|(g, _)| g == name) && !NOT_GENERATED.contains(&name.as_str())
        })
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "commands without a grammar: {missing:?}"
    );
}
