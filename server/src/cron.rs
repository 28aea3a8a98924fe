//! The server's timer (`serverCron` in Redis terms), `hz` times a second,
//! off the command path: the active expiry cycle (unless DEBUG
//! SET-ACTIVE-EXPIRE 0; with credit taken first, and not while the AOF
//! refuses writes), the `save` points, FLUSHALL ASYNC garbage and expired keyspaces
//! freed on a blocking thread, waking waiters, and sampling the rates
//! INFO reports.
//!
//! Only the expiry cycle (and eviction) emit deltas and need credit in
//! the AOF's queue. A tick takes it without waiting; without it, the
//! cycle is skipped and the rest of the tick runs. After a second of
//! skipped cycles, a reservation waits its turn in the queue (one, kept
//! across ticks: credit goes to waiters in order, so a full queue would
//! otherwise starve the cycle), and an extra tick runs when it comes.

use crate::core::Core;
use crate::durability::DeltaPermit;
use crate::shared::Shared;
use kv_engine::expiry_cycle::ExpiryBudget;
use persistence::DurabilityError;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the instantaneous rates are sampled (Redis: every 100 ms).
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

type Reserved = Result<DeltaPermit, DurabilityError>;

/// What woke the timer.
enum Wake {
    Tick,
    /// The waiting reservation got its credit, or was refused.
    Credit(Reserved),
}

pub async fn run(shared: Arc<Shared>) {
    let mut hz = shared.core.lock().host.settings.hz;
    let mut ticker = interval(hz);
    let mut last_sample = tokio::time::Instant::now();
    let mut waiting: Option<Pin<Box<dyn Future<Output = Reserved> + Send>>> = None;
    // Ticks in a row whose expiry cycle found no credit.
    let mut starved = 0u32;
    loop {
        let wake = tokio::select! {
            biased;
            _ = shared.shutdown.cancelled() => return,
            reserved = async {
                match waiting.as_mut() {
                    Some(reservation) => reservation.await,
                    None => std::future::pending().await,
                }
            } => Wake::Credit(reserved),
            _ = ticker.tick() => Wake::Tick,
        };
        let (permit, ticked) = match wake {
            Wake::Tick => (shared.durability.try_reserve(1), true),
            Wake::Credit(reserved) => {
                waiting = None;
                // Refused (the queue closed): a second of ticks before the
                // next reservation, which would be refused as fast.
                starved = 0;
                (reserved.ok(), false)
            }
        };
        if permit.is_some() {
            starved = 0;
        } else if ticked {
            starved += 1;
        }
        let now_hz = tick(&shared, permit);
        if last_sample.elapsed() >= SAMPLE_EVERY {
            sample(&shared);
            last_sample = tokio::time::Instant::now();
        }
        if now_hz != hz {
            hz = now_hz;
            ticker = interval(hz);
        }
        if starved >= hz && waiting.is_none() {
            let shared = shared.clone();
            waiting = Some(Box::pin(async move { shared.durability.reserve(1).await }));
        }
    }
}

fn interval(hz: u32) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / u64::from(hz.max(1))));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}

/// One tick under the lock, the expiry cycle only with `permit`; returns
/// the current hz.
fn tick(shared: &Shared, mut permit: Option<DeltaPermit>) -> u32 {
    let mut core = shared.core.lock();
    let hz = core.host.settings.hz;
    let lsn_before = core.engine.next_lsn();
    // A permit from before a CONFIG SET appendonly is not the current
    // queue's credit: the cycle waits for the next tick.
    let usable = permit
        .as_ref()
        .is_some_and(|p| p.misconf().is_none() && shared.durability.is_current(p));
    if core.host.active_expire && usable {
        let began = Instant::now();
        let cycle = core.engine.active_expire_cycle(ExpiryBudget::per_tick(hz));
        let stats = &mut core.host.stats;
        stats.expire_cycle_cpu_us += began.elapsed().as_micros() as u64;
        if cycle.budget_exhausted {
            stats.expired_time_cap_reached_count += 1;
        }
        if cycle.sampled > 0 {
            // Redis's running estimate of the share of stale keys.
            let current = cycle.expired as f64 * 100.0 / cycle.sampled as f64;
            stats.expired_stale_perc = stats.expired_stale_perc * 0.95 + current * 0.05;
        }
        let latency_ms = began.elapsed().as_millis() as u64;
        let threshold = core.host.settings.latency_monitor_threshold_ms;
        let now_secs = shared.clock.now_secs();
        core.host
            .latency
            .record(threshold, "expire-cycle", latency_ms, now_secs);
    }
    if let Some(permit) = &mut permit {
        permit.spent((core.engine.next_lsn() - lsn_before) as usize);
    }
    evict(&mut core, shared);
    shared.spin.hold(core.host.config.fsyncs_every_write());
    crate::disk::save_points::check(&mut core, shared);
    let garbage = core.engine.take_garbage();
    let crate::core::Core { engine, host } = &mut *core;
    host.waiters
        .wake(engine, &shared.durability, &mut host.stats);
    crate::pubsub::notify::publish_events(&mut core, shared, None);
    drop(core);
    free(shared, garbage);
    hz
}

/// Tells the engine what the server holds outside it (it counts towards
/// `maxmemory`), and runs Redis's eviction timer: another pass while the
/// last one ran out of time over the limit. A pass's DELs are one delta,
/// on credit taken without waiting (none: the next tick tries again).
fn evict(core: &mut Core, shared: &Shared) {
    let outside = crate::memory::outside_engine(&core.host.clients);
    core.engine.set_owner_memory(outside as usize);
    crate::memory::note_peak(core.engine.used_memory() as u64);
    if !core.engine.eviction_pending() {
        return;
    }
    let Some(mut permit) = shared.durability.try_reserve(1) else {
        return;
    };
    let lsn_before = core.engine.next_lsn();
    core.engine.evict();
    permit.spent((core.engine.next_lsn() - lsn_before) as usize);
}

/// Drops flushed keyspaces on a blocking thread, counting them for INFO.
pub fn free(shared: &Shared, garbage: Vec<kv_engine::keyspace::Keyspace>) {
    if garbage.is_empty() {
        return;
    }
    let n_keys: u64 = garbage.iter().map(|k| k.len() as u64).sum();
    let pending = shared.lazyfree_pending.clone();
    let freed = shared.lazyfreed.clone();
    pending.fetch_add(n_keys, Ordering::Relaxed);
    shared.tracker.spawn_blocking(move || {
        drop(garbage);
        pending.fetch_sub(n_keys, Ordering::Relaxed);
        freed.fetch_add(n_keys, Ordering::Relaxed);
    });
}

fn sample(shared: &Shared) {
    let mut core = shared.core.lock();
    let total = core.engine.stats().total_commands;
    let now_ms = shared.clock.now_us() / 1000;
    core.host.stats.sample_ops(now_ms, total);
    let now = shared.clock.now_us() / 1000;
    if core.host.pause.is_some_and(|p| now >= p.until_ms) {
        core.host.pause = None;
    }
}
