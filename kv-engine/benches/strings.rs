//! String benchmarks: GET, SET and INCR through the whole engine
//! (parse-free argv → reply bytes) on a keyspace of 1M keys, as
//! `redis-benchmark -t set,get,incr -r 1000000` would address it (keys
//! `key:%012d`, 10-byte values), plus the memory per key of that keyspace
//! (the table's own accounting and the process RSS growth) to set against
//! redis-server's `used_memory` for the same data.
//!
//! `cargo bench -p kv-engine --bench strings` runs the 1M keyspace; under
//! `cargo test` (no `--bench` flag) a 10K one, once.

mod support;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use support::{argv, rss_bytes, Runner};

/// redis-benchmark's key for random index `i` (`key:__rand_int__`).
fn key(i: usize) -> Vec<u8> {
    format!("key:{i:012}").into_bytes()
}

/// redis-benchmark's `-d 10` value.
const VALUE: &[u8] = b"xxxxxxxxxx";

/// Commands cycled through in a benchmark: enough distinct keys that the
/// table, not one cache line, is measured.
const PROBES: usize = 4096;

fn keys() -> usize {
    if support::full_run() {
        1_000_000
    } else {
        10_000
    }
}

/// Keys spread over the keyspace by a multiplicative hash, so that
/// consecutive probes land far apart.
fn probe_keys(n: usize) -> Vec<Vec<u8>> {
    (0..PROBES)
        .map(|i| key((i.wrapping_mul(2_654_435_761)) % n))
        .collect()
}

fn load(runner: &mut Runner, n: usize) {
    for i in 0..n {
        runner.run(&argv(&[b"SET", &key(i), VALUE]));
    }
}

/// Bytes per key of `n` keys with 10-byte values: the keyspace's own
/// accounting (`Keyspace::table_bytes`, no value needs the heap) and the
/// growth of the process's resident memory.
fn memory_table(n: usize) -> Runner {
    let before = rss_bytes();
    let mut runner = Runner::new();
    load(&mut runner, n);
    let after = rss_bytes();
    let keyspace = runner.engine.db(0);
    assert_eq!(keyspace.len(), n, "every key loaded");
    let values: usize = keyspace
        .iter()
        .map(|(_, value, _)| match value {
            kv_engine::value::Value::Str(s) => s.heap_bytes(),
            _ => 0,
        })
        .sum();
    println!(
        "{n} keys (16-byte keys, 10-byte values): table {:.1} bytes/key, values' heap {:.1} bytes/key, rss growth {:.1} bytes/key",
        keyspace.table_bytes() as f64 / n as f64,
        values as f64 / n as f64,
        after.saturating_sub(before) as f64 / n as f64,
    );
    runner
}

fn strings(c: &mut Criterion) {
    let n = keys();
    let mut runner = memory_table(n);
    let probes = probe_keys(n);
    let gets: Vec<Vec<Bytes>> = probes.iter().map(|k| argv(&[b"GET", k])).collect();
    let sets: Vec<Vec<Bytes>> = probes.iter().map(|k| argv(&[b"SET", k, VALUE])).collect();
    let incrs: Vec<Vec<Bytes>> = probes.iter().map(|k| argv(&[b"INCR", k])).collect();

    let mut group = c.benchmark_group(format!("keys={n}"));
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));
    let mut at = 0;
    group.bench_function("GET", |b| {
        b.iter(|| {
            at = (at + 1) % PROBES;
            runner.run(&gets[at])
        })
    });
    runner.run(&gets[0]);
    assert_eq!(runner.reply(), b"$10\r\nxxxxxxxxxx\r\n");
    group.bench_function("SET", |b| {
        b.iter(|| {
            at = (at + 1) % PROBES;
            runner.run(&sets[at])
        })
    });
    // INCR needs integers: the probed keys hold counters from here on.
    for probe in &probes {
        runner.run(&argv(&[b"SET", probe, b"1000"]));
    }
    group.bench_function("INCR", |b| {
        b.iter(|| {
            at = (at + 1) % PROBES;
            runner.run(&incrs[at])
        })
    });
    runner.run(&incrs[0]);
    assert!(runner.reply().starts_with(b":"), "INCR answers integers");
    group.bench_function("GET(missing)", |b| {
        let missing = argv(&[b"GET", b"key:missing"]);
        b.iter(|| runner.run(&missing))
    });
    group.finish();
}

criterion_group!(benches, strings);
criterion_main!(benches);
