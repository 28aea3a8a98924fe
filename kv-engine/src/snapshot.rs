//! Point-in-time snapshots without fork and without stalls (versioned
//! iteration, as Dragonfly does it).
//!
//! `Engine::begin_snapshot` marks every entry of every database "pending"
//! (one bit per entry). The owner then calls `Engine::snapshot_step`
//! between commands; each step hands at most `max_entries` entries to a
//! `SnapshotVisitor` (clearing their bits), so no step takes long however
//! large the keyspace. Meanwhile commands run as usual, and the keyspace's
//! pre-write hook keeps the snapshot at the moment it began: before any
//! change to a pending entry (a new value, an in-place edit, an expiry set
//! or removed, a delete, a rename away), the entry's key, value and expiry
//! are copied into the keyspace's `stash` and its bit cleared; the next
//! step hands the stash over first. Entries created after the start are
//! never pending. So every key present at the start is visited exactly once
//! with its value and expiry of that moment, and no key created later is.
//!
//! Why it holds under the table's moves: entries live in a dense array and
//! a removal moves the last entry into the hole. Steps scan that array
//! downwards from `cursor`, with the invariant that no entry at or above
//! `cursor` is pending; the moved (last) entry is then either above the
//! cursor (not pending, wherever it lands) or the cursor shrinks with the
//! array. Its bit moves with it. Rehashing moves chains, never entries.
//!
//! Whole databases: FLUSHDB/FLUSHALL (sync or async) and `clear_all` keep
//! the old table inside the snapshot (`frozen`) while it still has pending
//! entries, instead of dropping it; SWAPDB moves a keyspace together with
//! its snapshot state, and every entry is reported with the database
//! number it had at the start (`db`).
//!
//! Extra memory: one bit per entry at the start, plus copies of the
//! entries written during the snapshot (until the next step), plus flushed
//! tables until they are visited — proportional to the writes, not to the
//! dataset.

use crate::engine::Engine;
use crate::keyspace::Keyspace;
use crate::value::Value;

/// One key as it was when the snapshot began.
#[derive(Clone, Copy, Debug)]
pub struct SnapshotEntry<'a> {
    /// The database it was in then.
    pub db: usize,
    pub key: &'a [u8],
    pub value: &'a Value,
    pub expire_at_ms: Option<i64>,
    /// Its access field then (read it with `SnapshotStart::access`).
    pub access: u32,
}

/// Receives a snapshot's entries.
pub trait SnapshotVisitor {
    fn entry(&mut self, entry: SnapshotEntry<'_>);
}

/// The size of each database when a snapshot began (for RESIZEDB hints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotStart {
    /// (db, keys, keys with an expiry), non-empty databases only.
    pub databases: Vec<(usize, u64, u64)>,
    /// Which snapshot this is (a count of those begun): what
    /// `Engine::cancel_snapshot_if` names, so a consumer cancels its own
    /// and never one begun after its own had ended.
    pub id: u64,
    /// How the entries' access fields read (policy and time at the start).
    pub access: crate::access::SavedAccess,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("a snapshot is already in progress")]
    InProgress,
}

/// What a step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotStep {
    pub emitted: usize,
    /// Every entry has been handed over; the snapshot is over.
    pub done: bool,
}

/// Memory a snapshot holds, for INFO and for the report of its cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// Entries not yet handed over (pending bits plus stash).
    pub remaining: u64,
    /// Bytes of the pending bitsets.
    pub bitset_bytes: usize,
    /// Entries copied by the pre-write hook and not yet handed over.
    pub stashed: usize,
    /// Approximate bytes of those copies.
    pub stash_bytes: usize,
    /// Flushed tables kept until they are visited.
    pub frozen_tables: usize,
}

/// A key copied by the pre-write hook.
#[derive(Clone, Debug)]
pub(crate) struct Stashed {
    pub key: Box<[u8]>,
    pub value: Value,
    pub expire_at_ms: Option<i64>,
    pub access: u32,
}

/// One keyspace's part of a snapshot.
#[derive(Clone, Debug)]
pub(crate) struct KeyspaceSnapshot {
    /// The database number at the start.
    pub db: usize,
    /// Bit i: entry i is pending. Bits at or above `cursor` are all zero.
    pub pending: Vec<u64>,
    /// Entries below this index remain to be scanned.
    pub cursor: usize,
    pub stash: Vec<Stashed>,
    pub stash_bytes: usize,
    /// Tables flushed while pending entries remained, each with its own
    /// snapshot state.
    pub frozen: Vec<Keyspace>,
}

impl KeyspaceSnapshot {
    pub fn new(db: usize, len: usize) -> Self {
        let mut pending = vec![u64::MAX; len.div_ceil(64)];
        if !len.is_multiple_of(64) {
            if let Some(last) = pending.last_mut() {
                *last = (1u64 << (len % 64)) - 1;
            }
        }
        KeyspaceSnapshot {
            db,
            pending,
            cursor: len,
            stash: Vec::new(),
            stash_bytes: 0,
            frozen: Vec::new(),
        }
    }

    #[cfg(test)]
    pub fn is_pending(&self, index: usize) -> bool {
        self.pending
            .get(index / 64)
            .is_some_and(|w| w & (1 << (index % 64)) != 0)
    }

    /// Clears bit `index`; true if it was set.
    pub fn take(&mut self, index: usize) -> bool {
        match self.pending.get_mut(index / 64) {
            Some(word) if *word & (1 << (index % 64)) != 0 => {
                *word &= !(1 << (index % 64));
                true
            }
            _ => false,
        }
    }

    /// Entry `from` (the last) moved to `to`; the array is now `len` long.
    pub fn moved(&mut self, from: usize, to: usize, len: usize) {
        if self.take(from) {
            self.pending[to / 64] |= 1 << (to % 64);
        }
        self.cursor = self.cursor.min(len);
    }

    /// The array shrank to `len` without a move (the last entry removed).
    pub fn truncated(&mut self, len: usize) {
        self.cursor = self.cursor.min(len);
    }

    pub fn stash(&mut self, stashed: Stashed) {
        self.stash_bytes += stashed.key.len() + value_bytes(&stashed.value);
        self.stash.push(stashed);
    }

    /// Takes the highest pending index below the cursor (clearing its
    /// bit), scanning at most `limit` indices (decremented by what was
    /// scanned); moves the cursor down past what was scanned.
    pub fn next_pending(&mut self, limit: &mut usize) -> Option<usize> {
        while self.cursor > 0 && *limit > 0 {
            let top = self.cursor - 1;
            let word = self.pending[top / 64] & (u64::MAX >> (63 - top % 64));
            if word == 0 {
                let skipped = top % 64 + 1;
                self.cursor -= skipped;
                *limit = limit.saturating_sub(skipped);
                continue;
            }
            let index = (top / 64) * 64 + (63 - word.leading_zeros() as usize);
            *limit = limit.saturating_sub(top - index + 1);
            self.cursor = index;
            self.take(index);
            return Some(index);
        }
        None
    }

    /// Nothing left to hand over.
    pub fn is_done(&self) -> bool {
        self.cursor == 0 && self.stash.is_empty() && self.frozen.is_empty()
    }

    pub fn remaining(&self) -> u64 {
        let own: u64 = self.pending.iter().map(|w| u64::from(w.count_ones())).sum();
        own + self.stash.len() as u64
            + self
                .frozen
                .iter()
                .filter_map(Keyspace::snapshot_state)
                .map(KeyspaceSnapshot::remaining)
                .sum::<u64>()
    }

    fn add_stats(&self, stats: &mut SnapshotStats) {
        stats.bitset_bytes += self.pending.capacity() * 8;
        stats.stashed += self.stash.len();
        stats.stash_bytes += self.stash_bytes;
        stats.frozen_tables += self.frozen.len();
        for frozen in &self.frozen {
            if let Some(state) = frozen.snapshot_state() {
                state.add_stats(stats);
            }
        }
    }
}

/// Heap bytes of a stashed value (for the stash's accounting).
fn value_bytes(value: &Value) -> usize {
    std::mem::size_of::<Value>() + value.heap_bytes()
}

impl Engine {
    /// Starts a snapshot of every database as it is now.
    pub fn begin_snapshot(&mut self) -> Result<SnapshotStart, SnapshotError> {
        let now_ms = self.now_ms();
        begin_snapshot(self.state_mut(), now_ms)
    }

    pub fn snapshot_in_progress(&self) -> bool {
        (0..self.databases()).any(|db| self.db(db).snapshot_state().is_some())
    }

    /// Hands at most `max_entries` more entries to `visitor`. When the step
    /// reports `done`, the snapshot is over and its memory freed.
    pub fn snapshot_step(
        &mut self,
        max_entries: usize,
        visitor: &mut dyn SnapshotVisitor,
    ) -> SnapshotStep {
        let state = self.state_mut();
        let mut step = SnapshotStep::default();
        if !state.dbs.iter().any(|ks| ks.snapshot_state().is_some()) {
            step.done = true;
            return step;
        }
        let mut finished_tables = Vec::new();
        let mut all_done = true;
        for keyspace in state.dbs.iter_mut() {
            let budget = max_entries.saturating_sub(step.emitted);
            let (emitted, done) = keyspace.snapshot_step(budget, visitor, &mut finished_tables);
            step.emitted += emitted;
            all_done &= done;
        }
        for table in finished_tables {
            state.add_garbage(table);
        }
        if all_done {
            for keyspace in state.dbs.iter_mut() {
                keyspace.end_snapshot();
            }
            step.done = true;
        }
        step
    }

    /// Abandons snapshot `id` if it is still in progress (its consumer
    /// failed); a snapshot that ended, or one begun since, is left alone.
    /// True when it cancelled.
    pub fn cancel_snapshot_if(&mut self, id: u64) -> bool {
        if self.state_mut().snapshots_begun != id || !self.snapshot_in_progress() {
            return false;
        }
        self.cancel_snapshot();
        true
    }

    /// Abandons whatever snapshot is in progress: frees its memory.
    pub fn cancel_snapshot(&mut self) {
        let state = self.state_mut();
        let mut frozen = Vec::new();
        for keyspace in state.dbs.iter_mut() {
            if let Some(snapshot) = keyspace.end_snapshot() {
                frozen.extend(snapshot.frozen);
            }
        }
        for table in frozen {
            state.add_garbage(table);
        }
    }

    pub fn snapshot_stats(&self) -> SnapshotStats {
        let mut stats = SnapshotStats::default();
        for db in 0..self.databases() {
            if let Some(state) = self.db(db).snapshot_state() {
                state.add_stats(&mut stats);
                stats.remaining += state.remaining();
            }
        }
        stats
    }
}

/// `Engine::begin_snapshot` on the engine's state (also reached from a
/// host command through `Db::begin_snapshot`).
pub(crate) fn begin_snapshot(
    state: &mut crate::engine::EngineState,
    now_ms: i64,
) -> Result<SnapshotStart, SnapshotError> {
    if state.dbs.iter().any(|ks| ks.snapshot_state().is_some()) {
        return Err(SnapshotError::InProgress);
    }
    let mut databases = Vec::new();
    for (db, keyspace) in state.dbs.iter_mut().enumerate() {
        if !keyspace.is_empty() {
            databases.push((db, keyspace.len() as u64, keyspace.expires_len() as u64));
        }
        keyspace.begin_snapshot(db);
    }
    state.snapshots_begun += 1;
    Ok(SnapshotStart {
        databases,
        id: state.snapshots_begun,
        access: crate::access::SavedAccess::new(&state.config, now_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_scan_downwards_and_follow_moves() {
        let mut snap = KeyspaceSnapshot::new(0, 130);
        assert!(snap.is_pending(129) && snap.is_pending(0) && !snap.is_pending(130));
        assert_eq!(snap.remaining(), 130);
        // Entry 5 written: its bit goes; the last (129) moves into 7.
        assert!(snap.take(5));
        assert!(!snap.take(5));
        snap.moved(129, 7, 129);
        assert!(snap.is_pending(7) && !snap.is_pending(129));
        assert_eq!(snap.cursor, 129);
        let mut seen = Vec::new();
        while let Some(i) = snap.next_pending(&mut usize::MAX.clone()) {
            assert!(!snap.is_pending(i));
            seen.push(i);
        }
        let expected: Vec<usize> = (0..129).rev().filter(|&i| i != 5).collect();
        assert_eq!(seen, expected);
        assert_eq!(snap.remaining(), 0);
    }

    #[test]
    fn a_scan_limit_bounds_the_work_over_empty_words() {
        let mut snap = KeyspaceSnapshot::new(0, 64 * 100);
        for i in 64..64 * 100 {
            snap.take(i);
        }
        // Far more empty indices than the limit: the scan stops early and
        // resumes where it left off.
        let mut limit = 640;
        assert_eq!(snap.next_pending(&mut limit), None);
        assert_eq!(limit, 0);
        assert!(snap.cursor > 64);
        let mut found = None;
        for _ in 0..100 {
            found = found.or_else(|| snap.next_pending(&mut 640));
        }
        assert_eq!(found, Some(63));
    }
}
