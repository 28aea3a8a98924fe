//! The memory comparison: load about 1M keys into each side with
//! `redis-benchmark -t set -r 1000000 -n 2000000 -d 10 -P 16`
//! (`redis_benchmark::load_keys`), then compare
//! resident memory (VmRSS) and INFO's used_memory.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::probe;
use super::redis_benchmark;
use super::server::{rss_kib, RunningServer, Side};

const KEYSPACE_LEN: u64 = 1_000_000;
const LOAD_TIMEOUT: Duration = Duration::from_secs(600);

struct Footprint {
    label: String,
    rss_idle_kib: u64,
    rss_loaded_kib: u64,
    used_memory_bytes: Option<u64>,
    n_keys: Option<u64>,
}

/// Loads each side in turn (one server up at a time) and renders a table.
pub fn compare(sides: &[Side; 2], scratch: &Path) -> anyhow::Result<String> {
    let mut footprints = Vec::with_capacity(sides.len());
    for side in sides {
        let server = RunningServer::start(side, scratch)?;
        footprints.push(load_and_measure(&server, scratch)?);
    }
    Ok(render(&footprints))
}

fn load_and_measure(server: &RunningServer, scratch: &Path) -> anyhow::Result<Footprint> {
    let rss_idle_kib = rss_kib(server.pid())?;
    println!(
        "bench: loading ~{KEYSPACE_LEN} keys into {} ...",
        server.label
    );
    redis_benchmark::load_keys(server.port, KEYSPACE_LEN, LOAD_TIMEOUT, scratch)?;
    let rss_loaded_kib = rss_kib(server.pid())?;
    let info = probe::request(server.port, &["INFO", "memory"])
        .ok()
        .and_then(Result::ok);
    let used_memory_bytes = info
        .as_deref()
        .and_then(|info| probe::info_field(info, "used_memory"))
        .and_then(|value| value.parse().ok());
    let n_keys = probe::request(server.port, &["DBSIZE"])
        .ok()
        .and_then(Result::ok)
        .and_then(|value| value.parse().ok());
    Ok(Footprint {
        label: server.label.clone(),
        rss_idle_kib,
        rss_loaded_kib,
        used_memory_bytes,
        n_keys,
    })
}

fn render(footprints: &[Footprint]) -> String {
    let mut table = String::new();
    let _ = writeln!(
        table,
        "memory after redis-benchmark -t set -r {KEYSPACE_LEN} -n {} -d 10 -P 16",
        2 * KEYSPACE_LEN
    );
    let _ = writeln!(
        table,
        "| side | keys | RSS idle MiB | RSS loaded MiB | used_memory MiB | bytes/key (RSS growth) |"
    );
    let _ = writeln!(table, "|---|--:|--:|--:|--:|--:|");
    for footprint in footprints {
        let growth_bytes = footprint
            .rss_loaded_kib
            .saturating_sub(footprint.rss_idle_kib)
            * 1024;
        let per_key = match footprint.n_keys {
            Some(n_keys) if n_keys > 0 => format!("{:.0}", growth_bytes as f64 / n_keys as f64),
            _ => "-".into(),
        };
        let _ = writeln!(
            table,
            "| {} | {} | {:.1} | {:.1} | {} | {per_key} |",
            footprint.label,
            footprint
                .n_keys
                .map_or_else(|| "-".into(), |n| n.to_string()),
            footprint.rss_idle_kib as f64 / 1024.0,
            footprint.rss_loaded_kib as f64 / 1024.0,
            footprint.used_memory_bytes.map_or_else(
                || "-".into(),
                |bytes| format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
            ),
        );
    }
    if let [a, b] = footprints {
        if b.rss_loaded_kib > 0 {
            let _ = writeln!(
                table,
                "RSS loaded {}/{}: {:.2}",
                a.label,
                b.label,
                a.rss_loaded_kib as f64 / b.rss_loaded_kib as f64
            );
        }
    }
    table
}
