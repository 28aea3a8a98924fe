//! How persistence reaches the engine for point-in-time views (AOF
//! rewrites, and the fresh base that recovers from a disk error): through
//! kv-engine's fork-less snapshots, taken in slices.
//!
//! `begin` marks the snapshot under the engine lock and notes its LSN:
//! every delta up to it is in the snapshot, none after. The base writer
//! then takes `step`s of at most `SLICE_ENTRIES` entries, each under the
//! lock for a moment, and writes them to the file between steps with the
//! lock released, so commands run meanwhile and none waits longer than one
//! slice. The engine keeps the view at the moment it began (a write to a
//! not-yet-visited entry copies its old value first).
//!
//! The owner says how to get at its engine by implementing `EngineAccess`
//! (a `parking_lot::Mutex<Engine>` already does). Calls come from a
//! blocking thread, never from a runtime worker.

use kv_engine::snapshot::{SnapshotError, SnapshotStart, SnapshotStep, SnapshotVisitor};
use kv_engine::Engine;

/// Entries handed over per step: a step's time under the engine lock.
pub const SLICE_ENTRIES: usize = 1024;

/// Runs `f` with the engine, under the owner's lock, briefly.
pub trait EngineAccess: Send + Sync + 'static {
    fn with_engine(&self, f: &mut dyn FnMut(&mut Engine));
}

impl EngineAccess for parking_lot::Mutex<Engine> {
    fn with_engine(&self, f: &mut dyn FnMut(&mut Engine)) {
        f(&mut self.lock());
    }
}

/// A snapshot begun: its LSN and the database sizes at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotBegun {
    /// Every delta with an LSN up to this one is in the snapshot; none after.
    pub lsn: u64,
    /// The engine's clock then (an RDB's `ctime`).
    pub now_ms: i64,
    /// The engine's memory then (an RDB's `used-mem`).
    pub used_memory: u64,
    pub start: SnapshotStart,
}

/// Begins a snapshot. Err(InProgress) while another one (a BGSAVE) runs.
pub fn begin(engine: &dyn EngineAccess) -> Result<SnapshotBegun, SnapshotError> {
    let mut begun = Err(SnapshotError::InProgress);
    engine.with_engine(&mut |engine| {
        begun = engine.begin_snapshot().map(|start| SnapshotBegun {
            lsn: engine.next_lsn() - 1,
            now_ms: engine.now_ms(),
            used_memory: engine.used_memory() as u64,
            start,
        });
    });
    begun
}

/// Hands the next slice of the snapshot to `visitor`.
pub fn step(engine: &dyn EngineAccess, visitor: &mut dyn SnapshotVisitor) -> SnapshotStep {
    let mut step = SnapshotStep::default();
    engine.with_engine(&mut |engine| step = engine.snapshot_step(SLICE_ENTRIES, visitor));
    step
}

/// Abandons snapshot `begun` if it is still in progress (its file failed
/// or was cancelled). One that ended is left alone, and so is one begun
/// since by someone else (a BGSAVE that began while this file's last
/// write failed must not lose its snapshot halfway).
pub fn cancel(engine: &dyn EngineAccess, begun: &SnapshotBegun) {
    engine.with_engine(&mut |engine| {
        engine.cancel_snapshot_if(begun.start.id);
    });
}
