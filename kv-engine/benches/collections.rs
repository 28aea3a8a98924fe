//! Collection benchmarks: LPUSH/LPOP, HSET/HGET, SADD/SISMEMBER and
//! ZADD/ZRANK/ZRANGE through the whole engine (parse-free argv → reply
//! bytes), on collections of 1K, 100K and 1M elements, plus a memory table
//! (bytes per element: the value's heap bytes, what MEMORY USAGE answers
//! for its key, which is what Redis's `MEMORY USAGE key SAMPLES 0` counts
//! too, and the process RSS growth).
//!
//! `cargo bench -p kv-engine --bench collections` runs every size; under
//! `cargo test` (no `--bench` flag) only the 1K size runs, once.

mod support;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kv_engine::value::Value;
use std::time::Duration;
use support::{argv, rss_bytes, Runner};

fn sizes() -> Vec<usize> {
    if support::full_run() {
        vec![1_000, 100_000, 1_000_000]
    } else {
        vec![1_000]
    }
}

/// The kinds of collection measured, and how element `i` is added.
const KINDS: [&str; 5] = ["list", "hash", "set_int", "set_str", "zset"];

fn add_command(kind: &str, key: &[u8], i: usize) -> Vec<Bytes> {
    let member = format!("member:{i}");
    match kind {
        "list" => argv(&[b"RPUSH", key, member.as_bytes()]),
        "hash" => argv(&[
            b"HSET",
            key,
            member.as_bytes(),
            format!("value:{i}").as_bytes(),
        ]),
        "set_int" => argv(&[b"SADD", key, i.to_string().as_bytes()]),
        "set_str" => argv(&[b"SADD", key, member.as_bytes()]),
        _ => argv(&[b"ZADD", key, i.to_string().as_bytes(), member.as_bytes()]),
    }
}

fn build(runner: &mut Runner, kind: &str, key: &[u8], n: usize) {
    for i in 0..n {
        runner.run(&add_command(kind, key, i));
    }
}

fn encoding(value: &Value) -> &'static str {
    match value {
        Value::List(l) => l.encoding(),
        Value::Hash(h) => h.encoding(),
        Value::Set(s) => s.encoding(),
        Value::ZSet(z) => z.encoding(),
        Value::Str(_) => "string",
    }
}

/// Prints bytes per element for every kind and size (collections are kept
/// alive so freed memory is not reused by the next measurement).
fn memory_table() {
    let mut keep = Vec::new();
    println!("kind     n        heap/elem usage/elem  rss/elem  encoding");
    // 100 elements: the compact encodings.
    for n in std::iter::once(100).chain(sizes()) {
        for kind in KINDS {
            let mut runner = Runner::new();
            let key = format!("{kind}:{n}").into_bytes();
            let before = rss_bytes();
            build(&mut runner, kind, &key, n);
            let after = rss_bytes();
            let value = runner.engine.db(0).get(&key).expect("built");
            let usage = runner.engine.db(0).key_usage(&key).expect("built");
            println!(
                "{kind:<8} {n:<8} {:>9.2} {:>10.2} {:>9.1}  {}",
                value.heap_bytes() as f64 / n as f64,
                usage as f64 / n as f64,
                after.saturating_sub(before) as f64 / n as f64,
                encoding(value)
            );
            keep.push(runner);
        }
    }
}

fn collections(c: &mut Criterion) {
    memory_table();
    for n in sizes() {
        let mut group = c.benchmark_group(format!("n={n}"));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));

        let mut list = Runner::new();
        build(&mut list, "list", b"l", n);
        let (push, pop) = (argv(&[b"LPUSH", b"l", b"x"]), argv(&[b"LPOP", b"l"]));
        group.bench_function(BenchmarkId::new("LPUSH+LPOP", n), |b| {
            b.iter(|| {
                list.run(&push);
                list.run(&pop);
            })
        });

        let mut hash = Runner::new();
        build(&mut hash, "hash", b"h", n);
        let probe = format!("member:{}", n / 2);
        let hset = argv(&[b"HSET", b"h", probe.as_bytes(), b"v"]);
        let hget = argv(&[b"HGET", b"h", probe.as_bytes()]);
        group.bench_function(BenchmarkId::new("HSET", n), |b| b.iter(|| hash.run(&hset)));
        group.bench_function(BenchmarkId::new("HGET", n), |b| b.iter(|| hash.run(&hget)));

        let mut set = Runner::new();
        build(&mut set, "set_str", b"s", n);
        let sadd = argv(&[b"SADD", b"s", probe.as_bytes()]);
        let sismember = argv(&[b"SISMEMBER", b"s", probe.as_bytes()]);
        group.bench_function(BenchmarkId::new("SADD", n), |b| b.iter(|| set.run(&sadd)));
        group.bench_function(BenchmarkId::new("SISMEMBER", n), |b| {
            b.iter(|| set.run(&sismember))
        });

        let mut zset = Runner::new();
        build(&mut zset, "zset", b"z", n);
        let mut flip = 0u64;
        let zrank = argv(&[b"ZRANK", b"z", probe.as_bytes()]);
        let mid = (n / 2).to_string();
        let mid_end = (n / 2 + 9).to_string();
        let zrange = argv(&[b"ZRANGE", b"z", mid.as_bytes(), mid_end.as_bytes()]);
        group.bench_function(BenchmarkId::new("ZADD(update)", n), |b| {
            b.iter(|| {
                flip ^= 1;
                let score = (n as u64 / 2 + flip * 3).to_string();
                zset.run(&argv(&[b"ZADD", b"z", score.as_bytes(), probe.as_bytes()]));
            })
        });
        group.bench_function(BenchmarkId::new("ZRANK", n), |b| {
            b.iter(|| zset.run(&zrank))
        });
        group.bench_function(BenchmarkId::new("ZRANGE(10)", n), |b| {
            b.iter(|| zset.run(&zrange))
        });
        group.finish();
    }
}

criterion_group!(benches, collections);
criterion_main!(benches);
