//! Active expiry: deleting expired keys nobody reads, a little per tick.
//!
//! Redis's adaptive sampling (`activeExpireCycle`, slow cycle): visit the
//! databases round-robin (resuming where the last cycle stopped); in each,
//! check the next 20 keys with an expiry (more with higher
//! `active-expire-effort`; each database keeps a cursor into its keys with
//! an expiry, as Redis keeps one into its expires table), delete the
//! expired ones, and go on while more than 10% of a round was expired (less
//! with higher effort). Stop at the budget.
//!
//! The budget: the engine has no wall clock, so time comes from the
//! injected `Clock` (read at the start and after every sampling round; the
//! server's clock is real time, a simulation's moves only when told) and a
//! cap on keys sampled, which bounds the work even when the clock stands
//! still. Expiry decisions use the cycle's start time, so a cycle is
//! deterministic given its clock readings.
//!
//! Deletions go through the same path as lazy expiry (`expire_if_needed`):
//! they count in `expired_keys`, fail WATCHes, and propagate as DEL. All DELs
//! of one cycle leave as one delta.

use crate::clock::Clock;
use crate::engine::EngineState;

/// Redis's keys sampled per round at effort 1.
const KEYS_PER_ROUND: usize = 20;
/// Redis's acceptable share of expired keys in a sample, percent, at effort 1.
const ACCEPTABLE_STALE_PERCENT: usize = 10;

/// How much one cycle may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpiryBudget {
    /// Stop once the clock has moved this far since the cycle began.
    pub time_limit_ms: i64,
    /// Stop after sampling this many keys, whatever the clock says.
    pub max_samples: u64,
}

impl ExpiryBudget {
    /// Redis's slow cycle at `hz` timer ticks a second: 25% of a tick.
    pub fn per_tick(hz: u32) -> ExpiryBudget {
        ExpiryBudget {
            time_limit_ms: (250 / i64::from(hz.max(1))).max(1),
            max_samples: 200_000,
        }
    }
}

impl Default for ExpiryBudget {
    /// The budget at Redis's default `hz 10`: 25 ms.
    fn default() -> Self {
        ExpiryBudget::per_tick(10)
    }
}

/// What one cycle did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpiryCycleStats {
    pub sampled: u64,
    pub expired: u64,
    /// The cycle stopped at its budget rather than running out of work.
    pub budget_exhausted: bool,
}

/// Runs one cycle over `state`; the caller emits the pending DELs.
pub(crate) fn run(
    state: &mut EngineState,
    clock: &dyn Clock,
    budget: ExpiryBudget,
) -> ExpiryCycleStats {
    let start_ms = clock.now_ms();
    let effort = state.config.active_expire_effort.clamp(1, 10) as usize - 1;
    let keys_per_round = KEYS_PER_ROUND + KEYS_PER_ROUND / 4 * effort;
    let acceptable_stale = ACCEPTABLE_STALE_PERCENT - effort;
    let mut stats = ExpiryCycleStats::default();
    let databases = state.dbs.len();
    for _ in 0..databases {
        let db = state.expiry_next_db % databases;
        state.expiry_next_db = (db + 1) % databases;
        loop {
            let (sampled, expired) = sample_round(state, db, keys_per_round, start_ms);
            stats.sampled += sampled;
            stats.expired += expired;
            if sampled == 0 {
                break;
            }
            if stats.sampled >= budget.max_samples
                || clock.now_ms().saturating_sub(start_ms) >= budget.time_limit_ms
            {
                // Resume in this database next time: it still had work.
                state.expiry_next_db = db;
                stats.budget_exhausted = true;
                return stats;
            }
            if expired * 100 / sampled <= acceptable_stale as u64 {
                break;
            }
        }
    }
    stats
}

/// Checks the next `n` keys with an expiry in `db`, continuing where the
/// last round stopped, and deletes the expired ones. Returns (checked,
/// expired).
///
/// Like Redis 6+, which walks its expires table with a cursor rather than
/// sampling at random, every volatile key is visited once per sweep, so
/// none lingers expired by bad luck. The walk goes from the end of the
/// dense volatile list down: a removal moves the list's last key into the
/// hole, and that key comes from the part already visited (or was added
/// after the sweep began), so the unvisited part below the cursor never
/// loses a key to a move.
fn sample_round(state: &mut EngineState, db: usize, n: usize, now_ms: i64) -> (u64, u64) {
    let keyspace = &mut state.dbs[db];
    let volatile = keyspace.expires_len();
    if volatile == 0 {
        return (0, 0);
    }
    let mut top = keyspace.expiry_cursor();
    if top == 0 || top > volatile {
        top = volatile;
    }
    let low = top.saturating_sub(n);
    let due: Vec<Vec<u8>> = (low..top)
        .filter_map(|pos| keyspace.volatile_at(pos))
        .filter(|&(_, at)| at < now_ms)
        .map(|(key, _)| key.to_vec())
        .collect();
    keyspace.set_expiry_cursor(low);
    let mut expired = 0;
    for key in &due {
        if state.expire_if_needed(db, key, now_ms) {
            expired += 1;
        }
    }
    ((top - low) as u64, expired)
}
