//! Eviction: keeping memory under `maxmemory` by deleting the keys
//! `maxmemory-policy` chooses (Redis's `performEvictions`).
//!
//! `Engine::execute` runs a pass before every command while `maxmemory` is
//! set. A pass does nothing under the limit; over it, `noeviction` fails at
//! once, and the other policies delete keys until the memory they freed
//! covers the excess:
//! - `allkeys-random` / `volatile-random`: a random key (one with a TTL for
//!   volatile), visiting the databases round-robin;
//! - LRU, LFU and TTL policies: every round samples `maxmemory-samples`
//!   keys of each database into a pool of the 16 best candidates seen so
//!   far (the pool lives across passes, as Redis's does), scored by idle
//!   time, by 255 minus the LFU counter, or by how soon the TTL ends, and
//!   deletes the pool's best that still exists.
//!
//! A pass stops early when `maxmemory-eviction-tenacity`'s time budget is
//! spent (checked every 16 keys on the injected clock): the command goes
//! ahead, and the owner should call `Engine::evict` on a timer while
//! `Engine::eviction_pending` says more is to do (Redis's eviction timer).
//! A pass that runs out of candidates (nothing left, or no key with a TTL
//! under a volatile policy) fails: the command is refused with `-OOM` if it
//! is flagged denyoom or queued in MULTI (the rules are in
//! `engine::rejected_for_memory`).
//!
//! Each deletion fails WATCHes, raises `evicted`, counts in `evicted_keys`
//! and propagates as `DEL key` with the pass's other deletions. Every
//! random choice comes from the engine's seeded generator.

use crate::access;
use crate::clock::Clock;
use crate::engine::EngineState;
use crate::keyspace::Keyspace;
use crate::notify::EventClass;
use bytes::Bytes;
use rand::Rng;

/// `maxmemory-policy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MaxmemoryPolicy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllkeysLru,
    AllkeysLfu,
    AllkeysRandom,
    #[default]
    NoEviction,
}

impl MaxmemoryPolicy {
    /// Every policy with its directive value, in redis.conf's order.
    pub const ALL: [(MaxmemoryPolicy, &'static str); 8] = [
        (MaxmemoryPolicy::VolatileLru, "volatile-lru"),
        (MaxmemoryPolicy::VolatileLfu, "volatile-lfu"),
        (MaxmemoryPolicy::VolatileRandom, "volatile-random"),
        (MaxmemoryPolicy::VolatileTtl, "volatile-ttl"),
        (MaxmemoryPolicy::AllkeysLru, "allkeys-lru"),
        (MaxmemoryPolicy::AllkeysLfu, "allkeys-lfu"),
        (MaxmemoryPolicy::AllkeysRandom, "allkeys-random"),
        (MaxmemoryPolicy::NoEviction, "noeviction"),
    ];

    /// The policy a directive value names, in any letter case.
    pub fn parse(name: &str) -> Option<MaxmemoryPolicy> {
        Self::ALL
            .iter()
            .find(|(_, text)| text.eq_ignore_ascii_case(name))
            .map(|&(policy, _)| policy)
    }

    /// The directive value (what CONFIG GET shows).
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(policy, _)| *policy == self)
            .map_or("noeviction", |&(_, text)| text)
    }

    /// The access fields hold LFU counters (else LRU clocks).
    pub const fn is_lfu(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu
        )
    }

    /// The policies that evict by idle time (an RDB saves IDLE records).
    pub const fn is_lru(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLru | MaxmemoryPolicy::AllkeysLru
        )
    }

    /// Only keys with a TTL may be evicted.
    pub const fn is_volatile(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLru
                | MaxmemoryPolicy::VolatileLfu
                | MaxmemoryPolicy::VolatileRandom
                | MaxmemoryPolicy::VolatileTtl
        )
    }
}

/// How an eviction pass ended (Redis's `EVICT_OK`, `EVICT_RUNNING`,
/// `EVICT_FAIL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    /// Under the limit (or no limit).
    Ok,
    /// Still over the limit when the time budget ran out; call
    /// `Engine::evict` again soon.
    Running,
    /// Over the limit with nothing (more) that may be evicted.
    Failed,
}

/// Candidates the pool keeps (Redis's `EVPOOL_SIZE`).
const POOL_SIZE: usize = 16;
/// Sampling rounds one pick may take before giving up (a round that finds
/// only deleted keys empties them from the pool, so two suffice).
const MAX_ROUNDS: usize = 8;

#[derive(Clone, Debug)]
struct Candidate {
    /// Higher is better to evict.
    score: u64,
    db: usize,
    key: Bytes,
}

/// The best candidates sampled so far, ascending by score.
#[derive(Clone, Debug, Default)]
pub(crate) struct EvictionPool {
    candidates: Vec<Candidate>,
}

impl EvictionPool {
    /// Offers a sampled key: kept if the pool has room or it beats the
    /// worst candidate, which then leaves.
    fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        if self
            .candidates
            .iter()
            .any(|c| c.db == db && c.key.as_ref() == key)
        {
            return;
        }
        let at = self.candidates.partition_point(|c| c.score < score);
        let candidate = Candidate {
            score,
            db,
            key: Bytes::copy_from_slice(key),
        };
        if self.candidates.len() < POOL_SIZE {
            self.candidates.insert(at, candidate);
        } else if at > 0 {
            self.candidates.remove(0);
            self.candidates.insert(at - 1, candidate);
        }
    }
}

/// `maxmemory-eviction-tenacity` as Redis's time budget in microseconds
/// (None: no limit).
fn budget_us(tenacity: u32) -> Option<u64> {
    match tenacity.min(100) {
        t @ 0..=10 => Some(50 * u64::from(t)),
        100 => None,
        t => Some((500.0 * 1.15f64.powi(t as i32 - 10)) as u64),
    }
}

/// One pass: evicts until under `maxmemory`, out of candidates, or out of
/// time. Deletions are left in the pending delta (`push_op`) for the caller.
pub(crate) fn perform(state: &mut EngineState, clock: &dyn Clock, now_ms: i64) -> Eviction {
    let limit = state.config.maxmemory;
    if limit == 0 || state.loading {
        state.eviction_pending = false;
        return Eviction::Ok;
    }
    let used = state.used_memory() as u64;
    if used <= limit {
        state.eviction_pending = false;
        return Eviction::Ok;
    }
    if state.config.maxmemory_policy == MaxmemoryPolicy::NoEviction {
        return Eviction::Failed;
    }
    let to_free = used - limit;
    let budget = budget_us(state.config.maxmemory_eviction_tenacity);
    let start_ms = clock.now_ms();
    let mut freed = 0u64;
    let mut evicted = 0u64;
    while freed < to_free {
        let Some((db, key)) = pick(state, now_ms) else {
            state.eviction_pending = false;
            return Eviction::Failed;
        };
        let before = state.keyspace_memory();
        evict_key(state, db, &key);
        freed += before.saturating_sub(state.keyspace_memory()) as u64;
        evicted += 1;
        if evicted.is_multiple_of(16) {
            let spent_us = clock.now_ms().saturating_sub(start_ms).max(0) as u64 * 1000;
            if budget.is_some_and(|budget| spent_us >= budget) && freed < to_free {
                state.eviction_pending = true;
                return Eviction::Running;
            }
        }
    }
    state.eviction_pending = false;
    Eviction::Ok
}

/// Deletes one key for eviction, with everything a deletion owes.
fn evict_key(state: &mut EngineState, db: usize, key: &[u8]) {
    if state.dbs[db].remove(key).is_none() {
        debug_assert!(false, "evicting a missing key");
        return;
    }
    state.stats.evicted_keys += 1;
    state.signal_modified(db, key);
    state.notify(db, EventClass::Evicted, "evicted", key);
    state.push_op(db, || {
        vec![Bytes::from_static(b"DEL"), Bytes::copy_from_slice(key)]
    });
}

/// The next key to evict under the policy in force, if any may go.
fn pick(state: &mut EngineState, now_ms: i64) -> Option<(usize, Bytes)> {
    let policy = state.config.maxmemory_policy;
    match policy {
        MaxmemoryPolicy::NoEviction => None,
        MaxmemoryPolicy::AllkeysRandom | MaxmemoryPolicy::VolatileRandom => {
            pick_random(state, policy.is_volatile())
        }
        _ => pick_from_pool(state, policy, now_ms),
    }
}

/// A random key (with a TTL, for volatile), from the next database in
/// round-robin order that has one.
/// How many keys a policy chooses among in `keyspace`: those with an
/// expiry for the volatile policies, else all.
fn candidates(keyspace: &Keyspace, volatile: bool) -> usize {
    if volatile {
        keyspace.expires_len()
    } else {
        keyspace.len()
    }
}

fn pick_random(state: &mut EngineState, volatile: bool) -> Option<(usize, Bytes)> {
    let databases = state.dbs.len();
    for _ in 0..databases {
        state.evict_next_db = (state.evict_next_db + 1) % databases;
        let db = state.evict_next_db;
        let keyspace = &state.dbs[db];
        let n = candidates(keyspace, volatile);
        if n == 0 {
            continue;
        }
        let pick = state.rng.gen_range(0..n);
        let key = if volatile {
            keyspace.volatile_at(pick).map(|(key, _)| key)
        } else {
            keyspace.key_at_random(pick as u64)
        };
        if let Some(key) = key {
            return Some((db, Bytes::copy_from_slice(key)));
        }
    }
    None
}

/// Refills the pool from every database, then takes its best candidate
/// that still exists (and, for volatile, still has a TTL).
fn pick_from_pool(
    state: &mut EngineState,
    policy: MaxmemoryPolicy,
    now_ms: i64,
) -> Option<(usize, Bytes)> {
    let volatile = policy.is_volatile();
    for _ in 0..MAX_ROUNDS {
        let mut total = 0;
        for db in 0..state.dbs.len() {
            total += populate(state, db, policy, now_ms);
        }
        if total == 0 {
            return None;
        }
        while let Some(best) = state.eviction_pool.candidates.pop() {
            let keyspace = &state.dbs[best.db];
            let alive = if volatile {
                keyspace.expire_at(&best.key).is_some()
            } else {
                keyspace.contains(&best.key)
            };
            if alive {
                return Some((best.db, best.key));
            }
        }
    }
    None
}

/// Samples `maxmemory-samples` keys of `db` (every key when it has no more)
/// into the pool; returns how many keys the database offers.
fn populate(state: &mut EngineState, db: usize, policy: MaxmemoryPolicy, now_ms: i64) -> usize {
    let volatile = policy.is_volatile();
    let samples = state.config.maxmemory_samples.clamp(1, 64) as usize;
    let decay = state.config.lfu_decay_time;
    let keyspace = &state.dbs[db];
    let n = candidates(keyspace, volatile);
    if n == 0 {
        return 0;
    }
    for i in 0..samples.min(n) {
        let pos = if n <= samples {
            i
        } else {
            state.rng.gen_range(0..n)
        };
        let (key, expire_at) = if volatile {
            match keyspace.volatile_at(pos) {
                Some((key, at)) => (key, Some(at)),
                None => continue,
            }
        } else {
            match keyspace.key_at_random(pos as u64) {
                Some(key) => (key, keyspace.expire_at(key)),
                None => continue,
            }
        };
        let score = match policy {
            MaxmemoryPolicy::VolatileTtl => u64::MAX - expire_at.unwrap_or(i64::MAX).max(0) as u64,
            _ => {
                let field = keyspace.access_of(key).unwrap_or(0);
                if policy.is_lfu() {
                    255 - u64::from(access::lfu_counter(field, now_ms, decay))
                } else {
                    access::idle_ms(field, now_ms)
                }
            }
        };
        state.eviction_pool.offer(score, db, key);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_read_back_their_names() {
        for (policy, name) in MaxmemoryPolicy::ALL {
            assert_eq!(MaxmemoryPolicy::parse(name), Some(policy));
            assert_eq!(MaxmemoryPolicy::parse(&name.to_uppercase()), Some(policy));
            assert_eq!(policy.name(), name);
        }
        assert_eq!(MaxmemoryPolicy::parse("allkeys"), None);
        assert_eq!(MaxmemoryPolicy::default(), MaxmemoryPolicy::NoEviction);
    }

    #[test]
    fn tenacity_budgets_are_redis_s() {
        assert_eq!(budget_us(0), Some(0));
        assert_eq!(budget_us(10), Some(500));
        assert_eq!(budget_us(11), Some(575));
        let ninety_nine = budget_us(99).expect("bounded");
        assert!((100_000_000..200_000_000).contains(&ninety_nine), "~2 min");
        assert_eq!(budget_us(100), None);
    }

    #[test]
    fn the_pool_keeps_the_best_sixteen_in_order() {
        let mut pool = EvictionPool::default();
        for score in [
            5u64, 1, 9, 3, 7, 30, 2, 11, 4, 8, 6, 10, 12, 13, 14, 15, 16, 0, 20,
        ] {
            pool.offer(score, 0, format!("k{score}").as_bytes());
        }
        pool.offer(20, 0, b"k20");
        let scores: Vec<u64> = pool.candidates.iter().map(|c| c.score).collect();
        // The best 16 of the 19 different keys, worst first.
        let expected: Vec<u64> = (3..=16).chain([20, 30]).collect();
        assert_eq!(scores, expected);
    }
}
