//! Where the process's memory is, as INFO memory and MEMORY STATS report
//! it: the allocator's own statistics (jemalloc, Redis's allocator too),
//! the resident set from /proc, the engine's table overhead, and what the
//! server holds outside the engine that counts towards `maxmemory`.

use crate::client::ClientRegistry;
use std::sync::atomic::{AtomicU64, Ordering};

/// jemalloc's counters, refreshed on each read.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllocatorStats {
    pub allocated: u64,
    pub active: u64,
    pub resident: u64,
}

/// Highest used_memory seen (INFO used_memory_peak).
static PEAK: AtomicU64 = AtomicU64::new(0);
/// `allocated` right after startup (used_memory_startup).
static STARTUP: AtomicU64 = AtomicU64::new(0);

pub fn allocator() -> AllocatorStats {
    // jemalloc caches its statistics until the epoch is advanced.
    let _ = tikv_jemalloc_ctl::epoch::advance();
    AllocatorStats {
        allocated: tikv_jemalloc_ctl::stats::allocated::read().unwrap_or(0) as u64,
        active: tikv_jemalloc_ctl::stats::active::read().unwrap_or(0) as u64,
        resident: tikv_jemalloc_ctl::stats::resident::read().unwrap_or(0) as u64,
    }
}

/// Records `used` (INFO used_memory) for the peak; returns the peak.
pub fn note_peak(used: u64) -> u64 {
    PEAK.fetch_max(used, Ordering::Relaxed).max(used)
}

/// Bytes the server holds for clients: read buffers, replies, and what
/// waits in outboxes (read live: a client that never reads does not
/// refresh its own figures).
pub fn client_buffers(clients: &ClientRegistry) -> u64 {
    clients
        .iter()
        .map(|c| {
            let info = c.info.lock();
            (info.rbs + info.obl + c.outbox.held()) as u64
        })
        .sum()
}

/// What counts towards `maxmemory` besides the engine's databases, as in
/// Redis: the startup footprint and client buffers (the cron tick tells
/// the engine, `Engine::set_owner_memory`).
pub fn outside_engine(clients: &ClientRegistry) -> u64 {
    startup_bytes() + client_buffers(clients)
}

/// Records the startup footprint (call once the server is up).
pub fn mark_startup() {
    STARTUP.store(allocator().allocated, Ordering::Relaxed);
}

pub fn startup_bytes() -> u64 {
    STARTUP.load(Ordering::Relaxed)
}

pub fn peak_bytes() -> u64 {
    PEAK.load(Ordering::Relaxed)
}

/// Resident set size in bytes, from /proc/self/statm.
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Physical memory of the machine, from /proc/meminfo.
pub fn total_system_bytes() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Redis's `bytesToHuman`: `512B`, `1015.85K`, `6.88M`, ...
pub fn human(bytes: u64) -> String {
    const UNITS: [(f64, &str); 5] = [
        (1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0, "P"),
        (1024.0 * 1024.0 * 1024.0 * 1024.0, "T"),
        (1024.0 * 1024.0 * 1024.0, "G"),
        (1024.0 * 1024.0, "M"),
        (1024.0, "K"),
    ];
    // Past the petabytes Redis prints plain bytes.
    const EXBIBYTE: u64 = 1 << 60;
    if bytes >= EXBIBYTE {
        return format!("{bytes}B");
    }
    let b = bytes as f64;
    for (size, unit) in UNITS {
        if b >= size {
            return format!("{:.2}{unit}", b / size);
        }
    }
    format!("{bytes}B")
}

/// The version string INFO's mem_allocator reports.
pub const ALLOCATOR_NAME: &str = "jemalloc-5.3.0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes_as_redis_prints_them() {
        assert_eq!(human(512), "512B");
        assert_eq!(human(1040232), "1015.85K");
        assert_eq!(human(7217152), "6.88M");
        assert_eq!(human(25276502016), "23.54G");
        assert_eq!(human(u64::MAX), "18446744073709551615B");
    }

    #[test]
    fn allocator_counters_move() {
        // The counters are process-wide and other tests allocate and free
        // in parallel: one attempt can see a concurrent free hide ours, so
        // a few are allowed; counters that never move fail all of them.
        const BLOCK: usize = 8 << 20;
        let moved = (0..5).any(|_| {
            let before = allocator();
            let block = std::hint::black_box(vec![1u8; BLOCK]);
            let after = allocator();
            drop(block);
            after.allocated >= before.allocated + BLOCK as u64 - 4096
        });
        assert!(moved, "allocating 8 MiB never showed in {:?}", allocator());
        assert!(rss_bytes() > 0);
        assert!(total_system_bytes() > 0);
    }
}
