//! The cost of a fork-less snapshot while writes go on: a 1M-key engine
//! (RDB_BENCH_KEYS) is written as RDB in steps of STEP entries (RDB_BENCH_STEP,
//! default 1000, encoding included, the encoded bytes drained between
//! steps as a server would off the engine lock), with WRITES commands
//! (RDB_BENCH_WRITES, default 100: overwrites of random existing keys)
//! between steps. Prints the longest and the median step, the total, and
//! the snapshot's peak extra memory (pending bits + copies of written
//! entries), against the dataset's size.
//!
//! `cargo bench -p persistence --bench rdb_snapshot`

mod support;

use bytes::{Bytes, BytesMut};
use kv_engine::NoHost;
use persistence::rdb::{RdbWriter, SaveOptions, SnapshotWriter};
use resp_codec::{Protocol, ReplyWriter};
use std::time::{Duration, Instant};
use support::{build, keys};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n = keys();
    let step_entries = env("RDB_BENCH_STEP", 1000);
    let writes = env("RDB_BENCH_WRITES", 100);
    for kind in ["strings", "mixed"] {
        let mut session = build(kind, n);
        let dataset_bytes: usize = session.engine.db(0).table_bytes();
        let mut client = kv_engine::ClientState::new(7);
        let start = session.engine.begin_snapshot().expect("no snapshot yet");
        let writer =
            RdbWriter::new(Vec::with_capacity(1 << 20), SaveOptions::default()).expect("header");
        let mut sink = SnapshotWriter::new(writer, &start);
        let mut steps: Vec<Duration> = Vec::new();
        let (mut peak_extra, mut seed) = (0usize, 0x9e37_79b9u64);
        let began = Instant::now();
        loop {
            let t = Instant::now();
            let step = session.engine.snapshot_step(step_entries, &mut sink);
            steps.push(t.elapsed());
            let stats = session.engine.snapshot_stats();
            peak_extra = peak_extra.max(stats.bitset_bytes + stats.stash_bytes);
            let buf = sink.flush().expect("in memory");
            buf.clear();
            if step.done {
                break;
            }
            for _ in 0..writes {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let key = format!("key:{:012}", seed % n as u64);
                let argv = [
                    Bytes::from_static(b"SET"),
                    Bytes::from(key),
                    Bytes::from_static(b"overwritten"),
                ];
                let mut out_buf = BytesMut::new();
                let mut out = ReplyWriter::new(&mut out_buf, Protocol::Resp2);
                session
                    .engine
                    .execute(&mut client, &argv, &mut out, &mut NoHost);
            }
            // The copies the writes made wait for the next step: the peak
            // is now, not after a step has handed them over.
            let stats = session.engine.snapshot_stats();
            peak_extra = peak_extra.max(stats.bitset_bytes + stats.stash_bytes);
        }
        let total = began.elapsed();
        let (_, report) = sink.finish().expect("finish");
        steps.sort();
        println!(
            "snapshot {kind} {n} keys, steps of {step_entries} entries, {writes} writes between steps: \
             {} steps, longest {:.3} ms, p99 {:.3} ms, median {:.3} ms, total {:.2} s (writes included), \
             {} keys / {:.1} MB written; peak extra memory {:.2} MB (keyspace table alone {:.1} MB)",
            steps.len(),
            steps.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
            steps[steps.len() * 99 / 100].as_secs_f64() * 1e3,
            steps[steps.len() / 2].as_secs_f64() * 1e3,
            total.as_secs_f64(),
            report.keys,
            report.bytes as f64 / 1e6,
            peak_extra as f64 / 1e6,
            dataset_bytes as f64 / 1e6,
        );
    }
}
