//! Load time of a 1M-key RDB file, ours (criterion) and Redis's (the
//! "DB loaded from disk: N seconds" line of a redis-server started on the
//! same file, when one is installed), printed as a ratio.
//!
//! `cargo bench -p persistence --bench rdb_load` (RDB_BENCH_KEYS=N to
//! change the size).

mod support;

use criterion::{criterion_group, Criterion};
use kv_engine::harness::Session;
use persistence::rdb::{self, LoadOptions, SaveOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{build, keys};

fn file_for(kind: &str, n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join(format!("{kind}-{n}.rdb"));
    if !path.exists() {
        let session = build(kind, n);
        rdb::save_to_path(&path, &session.engine, SaveOptions::default()).expect("save");
    }
    path
}

fn load_ours(path: &Path) -> Duration {
    let mut session = Session::new();
    let start = Instant::now();
    let report =
        rdb::load_from_path(path, &mut session.engine, LoadOptions::default()).expect("load");
    let took = start.elapsed();
    assert_eq!(report.keys_loaded as usize, session.engine.db(0).len());
    drop(session);
    took
}

/// Redis's own figure for loading `path`, from its log; None without a
/// redis-server.
fn load_redis(path: &Path) -> Option<f64> {
    let server = Path::new("/usr/bin/redis-server");
    if !server.exists() {
        return None;
    }
    let dir = path.parent()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let log = dir.join(format!("redis-{port}.log"));
    let mut child = std::process::Command::new(server)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir)
        .arg("--dbfilename")
        .arg(path.file_name()?)
        .arg("--logfile")
        .arg(&log)
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seconds = None;
    while Instant::now() < deadline && seconds.is_none() {
        std::thread::sleep(Duration::from_millis(50));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        seconds = text
            .lines()
            .find_map(|l| l.split("DB loaded from disk: ").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|s| s.parse::<f64>().ok());
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&log);
    seconds
}

fn bench_load(c: &mut Criterion) {
    let n = keys();
    let mut group = c.benchmark_group("rdb_load");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for kind in ["strings", "mixed"] {
        let path = file_for(kind, n);
        group.bench_function(format!("{kind}/{n}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| load_ours(&path)).sum())
        });
    }
    group.finish();
}

/// Median of three loads each, and the ratio.
fn compare_with_redis() {
    let n = keys();
    for kind in ["strings", "mixed"] {
        let path = file_for(kind, n);
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        let mut ours: Vec<f64> = (0..3).map(|_| load_ours(&path).as_secs_f64()).collect();
        ours.sort_by(f64::total_cmp);
        let mut redis: Vec<f64> = (0..3).filter_map(|_| load_redis(&path)).collect();
        redis.sort_by(f64::total_cmp);
        match redis.get(redis.len() / 2) {
            Some(&theirs) => println!(
                "rdb load {kind} {n} keys ({size} bytes): ours {:.3} s, redis {theirs:.3} s, ours/redis {:.2}",
                ours[1],
                ours[1] / theirs
            ),
            None => println!("rdb load {kind} {n} keys: ours {:.3} s (no redis-server to compare)", ours[1]),
        }
        let _ = std::fs::remove_file(&path);
    }
}

criterion_group!(benches, bench_load);

fn main() {
    benches();
    compare_with_redis();
    Criterion::default().configure_from_args().final_summary();
}
