//! Per-key access clocks, for eviction and OBJECT IDLETIME / FREQ: Redis's
//! 24-bit field, read one of two ways depending on `maxmemory-policy`.
//!
//! - LRU (every policy but the LFU ones): the time of the last access in
//!   seconds, modulo 2^24 (Redis's `LRU_CLOCK`, wrapping every 194 days).
//! - LFU: the time of the last decrement in minutes, modulo 2^16, above an
//!   8-bit logarithmic access counter. A hit increments the counter with
//!   probability 1 / ((counter - 5) * lfu-log-factor + 1), so it takes
//!   ever more hits to climb; an idle key loses one per `lfu-decay-time`
//!   minutes. New keys start at 5, so they are not evicted at once.
//!
//! A policy switch reinterprets the same bits, as in Redis ("LRU and LFU
//! data will take some time to adjust"). A command counts as one access to
//! each key it looks up, however many lookups it makes (see
//! `context::TouchedEntries`); Redis itself looks a few keys up twice (SET
//! ... GET), which only shows as one LFU increment more there. Redis gives
//! small integers one shared object (and so one shared counter) when
//! `maxmemory` is 0; here every key has its own field. Time is the command's clock
//! reading; the randomness is the engine's seeded generator.

use crate::eviction::MaxmemoryPolicy;
use rand::Rng;

/// The largest LRU clock value (24 bits).
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
/// The LRU clock's resolution in milliseconds.
const LRU_RESOLUTION_MS: i64 = 1000;
/// A new key's LFU counter.
pub const LFU_INIT_VAL: u8 = 5;

/// The LRU clock at `now_ms`.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / LRU_RESOLUTION_MS) as u64 & u64::from(LRU_CLOCK_MAX)) as u32
}

/// Milliseconds since the access an LRU field records (Redis's
/// `estimateObjectIdleTime`, which unwraps the clock once).
pub fn idle_ms(field: u32, now_ms: i64) -> u64 {
    let clock = lru_clock(now_ms);
    let field = field & LRU_CLOCK_MAX;
    let ticks = if clock >= field {
        clock - field
    } else {
        clock + (LRU_CLOCK_MAX - field)
    };
    u64::from(ticks) * LRU_RESOLUTION_MS as u64
}

/// The LFU clock at `now_ms`: minutes modulo 2^16.
fn lfu_minutes(now_ms: i64) -> u32 {
    ((now_ms / 60_000) as u64 & 0xffff) as u32
}

/// Minutes since `then` on the wrapping LFU clock.
fn lfu_elapsed(then: u32, now_ms: i64) -> u32 {
    let now = lfu_minutes(now_ms);
    if now >= then {
        now - then
    } else {
        65_535 - then + now
    }
}

/// An LFU field's counter after the decay its idle time earned (Redis's
/// `LFUDecrAndReturn`; the field itself is not changed).
pub fn lfu_counter(field: u32, now_ms: i64, decay_time: u32) -> u8 {
    let counter = (field & 0xff) as u8;
    if decay_time == 0 {
        return counter;
    }
    let periods = lfu_elapsed(field >> 8, now_ms) / decay_time;
    counter.saturating_sub(periods.min(255) as u8)
}

/// One logarithmic increment (Redis's `LFULogIncr`).
fn lfu_increment(counter: u8, log_factor: u32, rng: &mut impl Rng) -> u8 {
    if counter == u8::MAX {
        return counter;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if rng.gen::<f64>() < p {
        counter + 1
    } else {
        counter
    }
}

fn lfu_field(counter: u8, now_ms: i64) -> u32 {
    (lfu_minutes(now_ms) << 8) | u32::from(counter)
}

/// The field of a key created (or, under LRU, overwritten) at `now_ms`.
pub fn fresh(policy: MaxmemoryPolicy, now_ms: i64) -> u32 {
    if policy.is_lfu() {
        lfu_field(LFU_INIT_VAL, now_ms)
    } else {
        lru_clock(now_ms)
    }
}

/// The field after an access at `now_ms` (Redis's `updateLFU`, or the
/// LRU clock).
pub fn touched(
    field: u32,
    policy: MaxmemoryPolicy,
    now_ms: i64,
    log_factor: u32,
    decay_time: u32,
    rng: &mut impl Rng,
) -> u32 {
    if policy.is_lfu() {
        let counter = lfu_counter(field, now_ms, decay_time);
        lfu_field(lfu_increment(counter, log_factor, rng), now_ms)
    } else {
        lru_clock(now_ms)
    }
}

/// What a key's access field says, in the terms of the policy in force:
/// RDB's IDLE and FREQ records, RESTORE's IDLETIME and FREQ options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAccess {
    /// Seconds since the last access (LRU policies).
    IdleSecs(u64),
    /// The decayed LFU counter (LFU policies).
    Freq(u8),
}

/// The field that records `access` at `now_ms` (Redis's
/// `objectSetLRUOrLFU`); None when `access` is of the other kind than
/// `policy` keeps, which leaves the field as it was.
pub fn field_for(access: KeyAccess, policy: MaxmemoryPolicy, now_ms: i64) -> Option<u32> {
    match access {
        KeyAccess::Freq(freq) if policy.is_lfu() => Some(lfu_field(freq, now_ms)),
        KeyAccess::IdleSecs(secs) if !policy.is_lfu() => {
            let idle = (secs.min(u64::from(LRU_CLOCK_MAX))) as u32;
            let clock = lru_clock(now_ms);
            Some(if idle <= clock {
                clock - idle
            } else {
                clock + LRU_CLOCK_MAX - idle
            })
        }
        _ => None,
    }
}

/// How to read access fields for a file (an RDB's IDLE and FREQ records):
/// the policy and the time of the save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavedAccess {
    pub policy: MaxmemoryPolicy,
    pub now_ms: i64,
    pub decay_time: u32,
}

impl SavedAccess {
    /// The fields of an engine configured with `config`, read at `now_ms`.
    pub fn new(config: &crate::config::EngineConfig, now_ms: i64) -> Self {
        SavedAccess {
            policy: config.maxmemory_policy,
            now_ms,
            decay_time: config.lfu_decay_time,
        }
    }

    /// The record a file keeps of `field`, as Redis's rdbSaveKeyValuePair
    /// writes one: IDLE under an LRU policy, FREQ under an LFU one, none
    /// under the others.
    pub fn record(&self, field: u32) -> Option<KeyAccess> {
        (self.policy.is_lfu() || self.policy.is_lru())
            .then(|| describe(field, self.policy, self.now_ms, self.decay_time))
    }
}

/// `field` in the terms of `policy` (for saving IDLE/FREQ).
pub fn describe(field: u32, policy: MaxmemoryPolicy, now_ms: i64, decay_time: u32) -> KeyAccess {
    if policy.is_lfu() {
        KeyAccess::Freq(lfu_counter(field, now_ms, decay_time))
    } else {
        KeyAccess::IdleSecs(idle_ms(field, now_ms) / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const LFU: MaxmemoryPolicy = MaxmemoryPolicy::AllkeysLfu;
    const LRU: MaxmemoryPolicy = MaxmemoryPolicy::AllkeysLru;

    #[test]
    fn lru_idle_time_counts_seconds_and_survives_the_wrap() {
        let field = fresh(LRU, 5_000_000);
        assert_eq!(idle_ms(field, 5_000_999), 0);
        assert_eq!(idle_ms(field, 5_001_000), 1000);
        assert_eq!(idle_ms(field, 5_000_000 + 3_600_000), 3_600_000);
        // Just before the 24-bit clock wraps, then just after it.
        let wrap_ms = i64::from(LRU_CLOCK_MAX) * 1000;
        let late = fresh(LRU, wrap_ms - 10_000);
        let idle = idle_ms(late, wrap_ms + 5_000);
        assert!((14_000..=16_000).contains(&idle), "{idle}");
    }

    #[test]
    fn lfu_counter_grows_logarithmically() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let now = 60_000 * 1000;
        let mut field = fresh(LFU, now);
        assert_eq!(lfu_counter(field, now, 1), LFU_INIT_VAL);
        let mut counters = Vec::new();
        for hits in 1..=100_000u32 {
            field = touched(field, LFU, now, 10, 1, &mut rng);
            if [100, 1_000, 10_000, 100_000].contains(&hits) {
                counters.push(lfu_counter(field, now, 1));
            }
        }
        // redis.conf's table for lfu-log-factor 10: 10 after 100 hits, 18
        // after 1k, 142 after 100k; the curve climbs ever more slowly.
        assert!(counters.windows(2).all(|w| w[0] < w[1]), "{counters:?}");
        assert!((7..=14).contains(&counters[0]), "{counters:?}");
        assert!((14..=24).contains(&counters[1]), "{counters:?}");
        assert!((120..=170).contains(&counters[3]), "{counters:?}");
    }

    #[test]
    fn lfu_counter_decays_one_per_period_and_log_factor_zero_counts_every_hit() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(2);
        let now = 600_000_000;
        let mut field = fresh(LFU, now);
        for _ in 0..20 {
            field = touched(field, LFU, now, 0, 1, &mut rng);
        }
        assert_eq!(lfu_counter(field, now, 1), LFU_INIT_VAL + 20);
        assert_eq!(lfu_counter(field, now + 3 * 60_000, 1), LFU_INIT_VAL + 17);
        assert_eq!(lfu_counter(field, now + 3 * 60_000, 2), LFU_INIT_VAL + 19);
        assert_eq!(lfu_counter(field, now + 3 * 60_000, 0), LFU_INIT_VAL + 20);
        assert_eq!(lfu_counter(field, now + 600 * 60_000, 1), 0);
    }

    #[test]
    fn restored_access_reads_back() {
        let now = 777_000_000;
        let field = field_for(KeyAccess::IdleSecs(42), LRU, now).expect("lru");
        assert_eq!(describe(field, LRU, now, 1), KeyAccess::IdleSecs(42));
        let field = field_for(KeyAccess::Freq(99), LFU, now).expect("lfu");
        assert_eq!(describe(field, LFU, now, 1), KeyAccess::Freq(99));
        assert_eq!(field_for(KeyAccess::Freq(3), LRU, now), None);
        assert_eq!(field_for(KeyAccess::IdleSecs(3), LFU, now), None);
    }
}
