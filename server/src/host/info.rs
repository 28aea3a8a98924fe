//! INFO [section ...]: every section and field name of Redis 7.0 that
//! redis-cli, monitoring agents and client libraries read, with values
//! that are true for this server (a feature we lack reports its idle
//! state: no forks, no replicas, no AOF running).

use super::ConnHost;
use crate::memory::{self, human};
use crate::pubsub::Kind;
use kv_engine::context::Ctx;
use kv_engine::CommandResult;
use std::fmt::Write as _;

/// Sections in INFO's order, and whether `INFO` / `INFO default` shows them.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("commandstats", false),
    ("errorstats", true),
    ("latencystats", false),
    ("cluster", true),
    ("keyspace", true),
];

pub fn info(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let wanted: Vec<String> = (1..ctx.argc())
        .map(|i| String::from_utf8_lossy(ctx.arg(i)).to_ascii_lowercase())
        .collect();
    let text = render(host, ctx, &wanted);
    ctx.out.verbatim(*b"txt", text.as_bytes());
    Ok(())
}

/// The INFO text for the `wanted` section names (empty: the defaults).
pub fn render(host: &ConnHost<'_>, ctx: &mut Ctx<'_, '_>, wanted: &[String]) -> String {
    let everything = wanted.iter().any(|w| w == "all" || w == "everything");
    let defaults = wanted.is_empty() || wanted.iter().any(|w| w == "default");
    let mut text = String::with_capacity(4096);
    for (name, default) in SECTIONS {
        let shown = everything || (defaults && *default) || wanted.iter().any(|w| w == name);
        if !shown {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        let title = match *name {
            "commandstats" => "Commandstats".to_owned(),
            "errorstats" => "Errorstats".to_owned(),
            "latencystats" => "Latencystats".to_owned(),
            "cpu" => "CPU".to_owned(),
            other => format!("{}{}", other[..1].to_ascii_uppercase(), &other[1..]),
        };
        let _ = write!(text, "# {title}\r\n");
        match *name {
            "server" => server(host, &mut text),
            "clients" => clients(host, &mut text),
            "memory" => memory_section(host, ctx, &mut text),
            "persistence" => persistence(host, ctx, &mut text),
            "stats" => stats(host, ctx, &mut text),
            "replication" => replication(host, &mut text),
            "cpu" => cpu(&mut text),
            "commandstats" => commandstats(host, &mut text),
            "errorstats" => errorstats(host, &mut text),
            "latencystats" => latencystats(host, &mut text),
            "cluster" => text.push_str("cluster_enabled:0\r\n"),
            "keyspace" => keyspace(ctx, &mut text),
            _ => {}
        }
    }
    text
}

fn field(text: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = write!(text, "{name}:{value}\r\n");
}

fn server(host: &ConnHost<'_>, text: &mut String) {
    let shared = host.shared;
    let now_us = shared.clock.now_us();
    let uptime = shared.started.elapsed().as_secs();
    let settings = &host.state.settings;
    let os_release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    field(text, "redis_version", super::connection::REDIS_VERSION);
    field(text, "redis_rust_version", env!("CARGO_PKG_VERSION"));
    field(text, "redis_git_sha1", "00000000");
    field(text, "redis_git_dirty", 0);
    field(text, "redis_build_id", &shared.run_id[..16]);
    field(text, "redis_mode", "standalone");
    field(
        text,
        "os",
        format!(
            "{} {} {}",
            std::env::consts::OS.replace("linux", "Linux"),
            os_release.trim(),
            std::env::consts::ARCH
        ),
    );
    field(text, "arch_bits", usize::BITS);
    field(text, "monotonic_clock", "POSIX clock_gettime");
    field(text, "multiplexing_api", "epoll");
    field(text, "atomicvar_api", "c11-builtin");
    field(text, "gcc_version", "0.0.0");
    field(text, "process_id", std::process::id());
    field(text, "process_supervised", "no");
    field(text, "run_id", &shared.run_id);
    field(
        text,
        "tcp_port",
        shared.tcp_port.load(std::sync::atomic::Ordering::Relaxed),
    );
    field(text, "server_time_usec", now_us);
    field(text, "uptime_in_seconds", uptime);
    field(text, "uptime_in_days", uptime / 86400);
    field(text, "hz", settings.hz);
    field(text, "configured_hz", settings.hz);
    field(text, "lru_clock", (now_us / 1_000_000) & ((1 << 24) - 1));
    field(text, "executable", shared.executable.display());
    field(
        text,
        "config_file",
        host.state
            .config
            .file()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    field(text, "io_threads_active", 0);
}

fn clients(host: &ConnHost<'_>, text: &mut String) {
    let stats = &host.state.stats;
    field(text, "connected_clients", host.state.clients.len());
    field(text, "cluster_connections", 0);
    field(text, "maxclients", host.state.settings.maxclients);
    field(
        text,
        "client_recent_max_input_buffer",
        stats.client_recent_max_input_buffer,
    );
    field(
        text,
        "client_recent_max_output_buffer",
        stats.client_recent_max_output_buffer,
    );
    field(text, "blocked_clients", host.state.waiters.len());
    field(text, "tracking_clients", 0);
    field(
        text,
        "clients_in_timeout_table",
        host.state.waiters.n_with_timeout(),
    );
}

/// INFO's used_memory (and MEMORY STATS' total.allocated): what
/// `maxmemory` is compared with, the engine's count of its databases plus
/// what the server holds outside them (startup footprint, client
/// buffers), as the engine is told on every tick.
pub fn used_memory(host: &ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> u64 {
    let keyspaces: u64 = (0..ctx.db.databases())
        .map(|i| ctx.db.keyspace_at(i).used_bytes() as u64)
        .sum();
    keyspaces + memory::outside_engine(&host.state.clients)
}

/// The engine's hash tables across databases.
pub fn table_bytes(ctx: &mut Ctx<'_, '_>) -> u64 {
    (0..ctx.db.databases())
        .map(|i| ctx.db.keyspace_at(i).table_bytes() as u64)
        .sum()
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn memory_section(host: &ConnHost<'_>, ctx: &mut Ctx<'_, '_>, text: &mut String) {
    let alloc = memory::allocator();
    let clients = memory::client_buffers(&host.state.clients);
    let used = used_memory(host, ctx);
    let rss = memory::rss_bytes();
    let peak = memory::note_peak(used);
    let startup = memory::startup_bytes();
    let overhead = (startup + table_bytes(ctx) + clients).min(used);
    let dataset = used - overhead;
    let maxmemory: u64 = host.state.config.value("maxmemory").parse().unwrap_or(0);
    let total = memory::total_system_bytes();
    field(text, "used_memory", used);
    field(text, "used_memory_human", human(used));
    field(text, "used_memory_rss", rss);
    field(text, "used_memory_rss_human", human(rss));
    field(text, "used_memory_peak", peak);
    field(text, "used_memory_peak_human", human(peak));
    field(
        text,
        "used_memory_peak_perc",
        format!("{:.2}%", ratio(used, peak) * 100.0),
    );
    field(text, "used_memory_overhead", overhead);
    field(text, "used_memory_startup", startup);
    field(text, "used_memory_dataset", dataset);
    field(
        text,
        "used_memory_dataset_perc",
        format!(
            "{:.2}%",
            ratio(dataset, used.saturating_sub(startup)) * 100.0
        ),
    );
    field(text, "allocator_allocated", alloc.allocated);
    field(text, "allocator_active", alloc.active);
    field(text, "allocator_resident", alloc.resident);
    field(text, "total_system_memory", total);
    field(text, "total_system_memory_human", human(total));
    for name in ["used_memory_lua", "used_memory_vm_eval"] {
        field(text, name, 0);
    }
    field(text, "used_memory_lua_human", "0B");
    for name in [
        "used_memory_scripts_eval",
        "number_of_cached_scripts",
        "number_of_functions",
        "number_of_libraries",
        "used_memory_vm_functions",
        "used_memory_vm_total",
    ] {
        field(text, name, 0);
    }
    field(text, "used_memory_vm_total_human", "0B");
    field(text, "used_memory_functions", 0);
    field(text, "used_memory_scripts", 0);
    field(text, "used_memory_scripts_human", "0B");
    // Printed signed, as Redis prints it (%lld).
    field(text, "maxmemory", maxmemory as i64);
    field(text, "maxmemory_human", human(maxmemory));
    field(
        text,
        "maxmemory_policy",
        host.state.config.value("maxmemory-policy"),
    );
    field(
        text,
        "allocator_frag_ratio",
        format!("{:.2}", ratio(alloc.active, alloc.allocated)),
    );
    field(
        text,
        "allocator_frag_bytes",
        alloc.active.saturating_sub(alloc.allocated),
    );
    field(
        text,
        "allocator_rss_ratio",
        format!("{:.2}", ratio(alloc.resident, alloc.active)),
    );
    field(
        text,
        "allocator_rss_bytes",
        alloc.resident.saturating_sub(alloc.active),
    );
    field(
        text,
        "rss_overhead_ratio",
        format!("{:.2}", ratio(rss, alloc.resident)),
    );
    field(
        text,
        "rss_overhead_bytes",
        rss as i64 - alloc.resident as i64,
    );
    field(
        text,
        "mem_fragmentation_ratio",
        format!("{:.2}", ratio(rss, used)),
    );
    field(text, "mem_fragmentation_bytes", rss as i64 - used as i64);
    for name in [
        "mem_not_counted_for_evict",
        "mem_replication_backlog",
        "mem_total_replication_buffers",
        "mem_clients_slaves",
    ] {
        field(text, name, 0);
    }
    field(text, "mem_clients_normal", clients);
    field(text, "mem_cluster_links", 0);
    let aof_buffer = host
        .shared
        .durability
        .aof()
        .map_or(0, |aof| aof.status().aof_buffer_length);
    field(text, "mem_aof_buffer", aof_buffer);
    field(text, "mem_allocator", memory::ALLOCATOR_NAME);
    field(text, "active_defrag_running", 0);
    field(
        text,
        "lazyfree_pending_objects",
        host.shared
            .lazyfree_pending
            .load(std::sync::atomic::Ordering::Relaxed),
    );
    field(
        text,
        "lazyfreed_objects",
        host.shared
            .lazyfreed
            .load(std::sync::atomic::Ordering::Relaxed),
    );
}

fn persistence(host: &ConnHost<'_>, ctx: &mut Ctx<'_, '_>, text: &mut String) {
    // Loading finishes before clients are accepted; no fork ever runs, so
    // the copy-on-write fields stay 0.
    for name in [
        "loading",
        "async_loading",
        "current_cow_peak",
        "current_cow_size",
        "current_cow_size_age",
    ] {
        field(text, name, 0);
    }
    let disk = &host.state.disk;
    let bgsave = disk.bgsave.as_ref();
    let background = bgsave.filter(|run| !run.foreground);
    field(text, "current_fork_perc", "0.00");
    field(
        text,
        "current_save_keys_processed",
        bgsave.map_or(0, |r| r.keys_done),
    );
    field(
        text,
        "current_save_keys_total",
        bgsave.map_or(0, |r| r.keys_total),
    );
    field(text, "rdb_changes_since_last_save", ctx.db.dirty());
    field(
        text,
        "rdb_bgsave_in_progress",
        u8::from(background.is_some()),
    );
    field(text, "rdb_last_save_time", disk.last_save_unix);
    field(
        text,
        "rdb_last_bgsave_status",
        if disk.last_bgsave_ok { "ok" } else { "err" },
    );
    field(text, "rdb_last_bgsave_time_sec", disk.last_bgsave_time_sec);
    field(
        text,
        "rdb_current_bgsave_time_sec",
        background.map_or(-1, |r| r.started.elapsed().as_secs() as i64),
    );
    field(text, "rdb_saves", disk.saves);
    field(text, "rdb_last_cow_size", 0);
    field(text, "rdb_last_load_keys_expired", disk.load_keys_expired);
    field(text, "rdb_last_load_keys_loaded", disk.load_keys_loaded);
    let mut aof = host.shared.durability.status();
    if host.state.aof_rewrite_after_off || host.state.aof_switch == Some(false) {
        // The running rewrite is given up (as Redis kills it at CONFIG
        // SET appendonly no); a BGREWRITEAOF after it waits its turn.
        aof.aof_enabled = false;
        aof.aof_rewrite_in_progress = false;
        aof.aof_rewrite_scheduled |= host.state.aof_rewrite_after_off;
    }
    for (name, value) in aof.info_fields() {
        field(text, name, value);
    }
}

fn stats(host: &ConnHost<'_>, ctx: &mut Ctx<'_, '_>, text: &mut String) {
    let s = &host.state.stats;
    let engine = ctx.db.stats().clone();
    let (in_kbps, out_kbps) = s.instantaneous_kbps();
    field(
        text,
        "total_connections_received",
        s.total_connections_received,
    );
    field(text, "total_commands_processed", engine.total_commands);
    field(
        text,
        "instantaneous_ops_per_sec",
        s.instantaneous_ops_per_sec(),
    );
    field(text, "total_net_input_bytes", s.net_input_bytes);
    field(text, "total_net_output_bytes", s.net_output_bytes);
    field(text, "total_net_repl_input_bytes", 0);
    field(text, "total_net_repl_output_bytes", 0);
    field(text, "instantaneous_input_kbps", format!("{in_kbps:.2}"));
    field(text, "instantaneous_output_kbps", format!("{out_kbps:.2}"));
    field(text, "instantaneous_input_repl_kbps", "0.00");
    field(text, "instantaneous_output_repl_kbps", "0.00");
    field(text, "rejected_connections", s.rejected_connections);
    for name in ["sync_full", "sync_partial_ok", "sync_partial_err"] {
        field(text, name, 0);
    }
    field(text, "expired_keys", engine.expired_keys);
    field(
        text,
        "expired_stale_perc",
        format!("{:.2}", s.expired_stale_perc),
    );
    field(
        text,
        "expired_time_cap_reached_count",
        s.expired_time_cap_reached_count,
    );
    field(
        text,
        "expire_cycle_cpu_milliseconds",
        s.expire_cycle_cpu_us / 1000,
    );
    field(text, "evicted_keys", engine.evicted_keys);
    for name in [
        "evicted_clients",
        "total_eviction_exceeded_time",
        "current_eviction_exceeded_time",
    ] {
        field(text, name, 0);
    }
    field(text, "keyspace_hits", engine.keyspace_hits);
    field(text, "keyspace_misses", engine.keyspace_misses);
    let pubsub = &host.state.pubsub;
    field(text, "pubsub_channels", pubsub.n_names(Kind::Channel));
    field(text, "pubsub_patterns", pubsub.n_names(Kind::Pattern));
    field(text, "pubsubshard_channels", pubsub.n_names(Kind::Shard));
    for name in [
        "latest_fork_usec",
        "total_forks",
        "migrate_cached_sockets",
        "slave_expires_tracked_keys",
        "active_defrag_hits",
        "active_defrag_misses",
        "active_defrag_key_hits",
        "active_defrag_key_misses",
        "total_active_defrag_time",
        "current_active_defrag_time",
        "tracking_total_keys",
        "tracking_total_items",
        "tracking_total_prefixes",
        "unexpected_error_replies",
    ] {
        field(text, name, 0);
    }
    field(text, "total_error_replies", s.total_error_replies);
    field(text, "dump_payload_sanitizations", 0);
    field(text, "total_reads_processed", s.reads_processed);
    field(text, "total_writes_processed", s.writes_processed);
    for name in [
        "io_threaded_reads_processed",
        "io_threaded_writes_processed",
        "reply_buffer_shrinks",
        "reply_buffer_expands",
    ] {
        field(text, name, 0);
    }
}

fn replication(host: &ConnHost<'_>, text: &mut String) {
    field(text, "role", "master");
    field(text, "connected_slaves", 0);
    field(text, "master_failover_state", "no-failover");
    field(
        text,
        "master_replid",
        crate::shared::random_hex(40, host.shared.seed ^ 1),
    );
    field(text, "master_replid2", "0".repeat(40));
    field(text, "master_repl_offset", 0);
    field(text, "second_repl_offset", -1);
    field(text, "repl_backlog_active", 0);
    field(
        text,
        "repl_backlog_size",
        host.state.config.value("repl-backlog-size"),
    );
    field(text, "repl_backlog_first_byte_offset", 0);
    field(text, "repl_backlog_histlen", 0);
}

/// CPU seconds from /proc (the kernel's tick counts, 100 a second).
fn cpu(text: &mut String) {
    let ticks = |path: &str| -> Option<[f64; 4]> {
        let stat = std::fs::read_to_string(path).ok()?;
        // Fields after the parenthesised command name; utime is the 14th.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<f64> = rest
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        Some([
            fields.get(11)? / 100.0,
            fields.get(12)? / 100.0,
            fields.get(13)? / 100.0,
            fields.get(14)? / 100.0,
        ])
    };
    let process = ticks("/proc/self/stat").unwrap_or_default();
    let main = ticks(&format!("/proc/self/task/{}/stat", std::process::id())).unwrap_or_default();
    field(text, "used_cpu_sys", format!("{:.6}", process[1]));
    field(text, "used_cpu_user", format!("{:.6}", process[0]));
    field(text, "used_cpu_sys_children", format!("{:.6}", process[3]));
    field(text, "used_cpu_user_children", format!("{:.6}", process[2]));
    field(text, "used_cpu_sys_main_thread", format!("{:.6}", main[1]));
    field(text, "used_cpu_user_main_thread", format!("{:.6}", main[0]));
}

fn commandstats(host: &ConnHost<'_>, text: &mut String) {
    let mut names: Vec<_> = host.state.stats.commands.iter().collect();
    names.sort_by_key(|(name, _)| *name);
    for (name, stat) in names {
        let per_call = if stat.calls == 0 {
            0.0
        } else {
            stat.usec as f64 / stat.calls as f64
        };
        let _ = write!(
            text,
            "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
            stat.calls, stat.usec, stat.rejected_calls, stat.failed_calls
        );
    }
}

/// Each tracked command's percentiles, in microseconds to 3 decimals;
/// only the title while `latency-tracking` is off, as in Redis.
fn latencystats(host: &ConnHost<'_>, text: &mut String) {
    if !host.state.settings.latency_tracking {
        return;
    }
    let mut names: Vec<_> = host.state.stats.commands.latencies().collect();
    names.sort_by_key(|(name, _)| *name);
    let percentiles = &host.state.settings.latency_percentiles;
    for (name, histogram) in names {
        let _ = write!(text, "latency_percentiles_usec_{name}:");
        for (i, &percentile) in percentiles.iter().enumerate() {
            let separator = if i == 0 { "" } else { "," };
            let label = crate::config::values::percentile_label(percentile);
            let usec = histogram.percentile_usec(percentile);
            let _ = write!(text, "{separator}p{label}={usec:.3}");
        }
        text.push_str("\r\n");
    }
}

fn errorstats(host: &ConnHost<'_>, text: &mut String) {
    let mut codes: Vec<_> = host.state.stats.errors.iter().collect();
    codes.sort();
    for (code, count) in codes {
        let _ = write!(text, "errorstat_{code}:count={count}\r\n");
    }
}

fn keyspace(ctx: &mut Ctx<'_, '_>, text: &mut String) {
    let now_ms = ctx.db.now_ms;
    for i in 0..ctx.db.databases() {
        let keyspace = ctx.db.keyspace_at(i);
        if keyspace.is_empty() {
            continue;
        }
        let expires = keyspace.expires_len();
        // Redis's avg_ttl is an estimate from sampling too.
        let sample: Vec<i64> = (0..expires.min(64))
            .filter_map(|k| keyspace.volatile_at(k * expires / expires.clamp(1, 64)))
            .map(|(_, at)| (at - now_ms).max(0))
            .collect();
        let avg_ttl = if sample.is_empty() {
            0
        } else {
            sample.iter().sum::<i64>() / sample.len() as i64
        };
        let _ = write!(
            text,
            "db{i}:keys={},expires={expires},avg_ttl={avg_ttl}\r\n",
            keyspace.len()
        );
    }
}
