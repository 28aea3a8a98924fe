//! MEMORY USAGE, STATS, DOCTOR, HELP.
//!
//! USAGE is the engine's (`kv_engine::memory`): what the key costs in the
//! keyspace, found as Redis finds it (no touch, no expiry).

use super::{check_arity, unknown_subcommand, ConnHost};
use crate::memory;
use kv_engine::context::Ctx;
use kv_engine::CommandResult;

pub fn memory(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        // Not a lookup: it neither touches the key (LRU/LFU) nor expires it.
        b"usage" => kv_engine::memory::memory_usage_command(ctx),
        b"stats" => {
            check_arity(ctx, 2)?;
            stats(host, ctx);
            Ok(())
        }
        b"doctor" => {
            check_arity(ctx, 2)?;
            let alloc = memory::allocator();
            let rss = memory::rss_bytes();
            let text = format!(
                "Allocated {} ({} active, {} resident); the process holds {} (fragmentation {:.2}).\n",
                memory::human(alloc.allocated),
                memory::human(alloc.active),
                memory::human(alloc.resident),
                memory::human(rss),
                rss as f64 / alloc.allocated.max(1) as f64
            );
            ctx.out.verbatim(*b"txt", text.as_bytes());
            Ok(())
        }
        b"help" => {
            check_arity(ctx, 2)?;
            super::help(
                ctx,
                &[
                    "DOCTOR",
                    "    Return memory problems reports.",
                    "STATS",
                    "    Return information about the memory usage of the server.",
                    "USAGE <key> [SAMPLES <count>]",
                    "    Return memory in bytes used by <key> and its value. Nested values are",
                    "    sampled up to <count> times (default: 5, 0 means sample all).",
                ],
            )
        }
        _ => Err(unknown_subcommand(ctx)),
    }
}

/// MEMORY STATS: Redis's field names, our measurements.
fn stats(host: &ConnHost<'_>, ctx: &mut Ctx<'_, '_>) {
    let alloc = memory::allocator();
    let used = super::info::used_memory(host, ctx);
    let rss = memory::rss_bytes();
    let startup = memory::startup_bytes();
    let clients = crate::memory::client_buffers(&host.state.clients);
    let mut tables: Vec<(usize, u64)> = Vec::new();
    for i in 0..ctx.db.databases() {
        let keyspace = ctx.db.keyspace_at(i);
        if !keyspace.is_empty() {
            tables.push((i, keyspace.table_bytes() as u64));
        }
    }
    let n_keys: u64 = (0..ctx.db.databases())
        .map(|i| ctx.db.keyspace_at(i).len() as u64)
        .sum();
    let overhead = (startup + clients + tables.iter().map(|(_, b)| b).sum::<u64>()).min(used);
    let dataset = used - overhead;
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let peak = memory::note_peak(used);
    ctx.out.map(27 + tables.len());
    let int = |ctx: &mut Ctx<'_, '_>, name: &str, value: i64| {
        ctx.out.bulk(name.as_bytes());
        ctx.out.integer(value);
    };
    int(ctx, "peak.allocated", peak as i64);
    int(ctx, "total.allocated", used as i64);
    int(ctx, "startup.allocated", startup as i64);
    for name in ["replication.backlog", "clients.slaves"] {
        int(ctx, name, 0);
    }
    int(ctx, "clients.normal", clients as i64);
    for name in [
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
    ] {
        int(ctx, name, 0);
    }
    for (db, bytes) in &tables {
        ctx.out.bulk(format!("db.{db}").as_bytes());
        ctx.out.map(3);
        int(ctx, "overhead.hashtable.main", *bytes as i64);
        int(ctx, "overhead.hashtable.expires", 0);
        int(ctx, "overhead.hashtable.slot-to-keys", 0);
    }
    int(ctx, "overhead.total", overhead as i64);
    int(ctx, "keys.count", n_keys as i64);
    int(
        ctx,
        "keys.bytes-per-key",
        alloc
            .allocated
            .saturating_sub(startup)
            .checked_div(n_keys)
            .unwrap_or(0) as i64,
    );
    int(ctx, "dataset.bytes", dataset as i64);
    let double = |ctx: &mut Ctx<'_, '_>, name: &str, value: f64| {
        ctx.out.bulk(name.as_bytes());
        ctx.out.double(value);
    };
    double(
        ctx,
        "dataset.percentage",
        ratio(dataset, used.saturating_sub(startup)) * 100.0,
    );
    double(ctx, "peak.percentage", ratio(used, peak) * 100.0);
    int(ctx, "allocator.allocated", alloc.allocated as i64);
    int(ctx, "allocator.active", alloc.active as i64);
    int(ctx, "allocator.resident", alloc.resident as i64);
    double(
        ctx,
        "allocator-fragmentation.ratio",
        ratio(alloc.active, alloc.allocated),
    );
    int(
        ctx,
        "allocator-fragmentation.bytes",
        alloc.active as i64 - alloc.allocated as i64,
    );
    double(
        ctx,
        "allocator-rss.ratio",
        ratio(alloc.resident, alloc.active),
    );
    int(
        ctx,
        "allocator-rss.bytes",
        alloc.resident as i64 - alloc.active as i64,
    );
    double(ctx, "rss-overhead.ratio", ratio(rss, alloc.resident));
    int(
        ctx,
        "rss-overhead.bytes",
        rss as i64 - alloc.resident as i64,
    );
    double(ctx, "fragmentation", ratio(rss, used));
    int(ctx, "fragmentation.bytes", rss as i64 - used as i64);
}
