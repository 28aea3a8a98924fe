//! The write path's seam to persistence (see shared seams.md): a permit
//! taken BEFORE the engine lock for the deltas a batch may emit, and a
//! durability wait AFTER the lock for `appendfsync always`.
//!
//! Until the persistence crate lands this is `Durability::None`: deltas
//! are dropped by the engine's sink, `reserve` grants at once and
//! `wait_durable` returns at once. The connection code already calls both
//! in the right places, so wiring persistence changes this file only.

use std::fmt;

/// Persistence as the connection tasks see it.
#[derive(Clone, Debug, Default)]
pub enum Durability {
    /// No persistence: nothing to reserve, nothing to wait for.
    #[default]
    None,
}

/// Credit for the deltas of one batch; unused credit goes back on drop.
#[derive(Debug)]
pub struct DeltaPermit {
    granted: usize,
}

/// Persistence cannot take writes: each write command of the batch is
/// answered with this text (Redis's MISCONF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misconf(pub String);

impl fmt::Display for Misconf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Durability {
    /// Room for `n` deltas. Cancel safe: dropping the future takes nothing.
    pub async fn reserve(&self, n: usize) -> Result<DeltaPermit, Misconf> {
        match self {
            Durability::None => Ok(DeltaPermit { granted: n }),
        }
    }

    /// Room for `n` deltas if it is there now, without waiting: for
    /// deltas emitted under the engine lock by work no batch reserved for
    /// (serving blocked clients), which must not wait there.
    pub fn try_reserve(&self, n: usize) -> Option<DeltaPermit> {
        match self {
            Durability::None => Some(DeltaPermit { granted: n }),
        }
    }

    /// Waits until every delta up to `lsn` is as durable as the fsync
    /// policy promises before a reply may go out.
    pub async fn wait_durable(&self, _lsn: u64) -> Result<(), Misconf> {
        match self {
            Durability::None => Ok(()),
        }
    }

    /// True when a batch's replies must wait for `wait_durable`.
    pub fn waits_for_fsync(&self) -> bool {
        false
    }
}

impl DeltaPermit {
    /// Records that `n` of the granted deltas were emitted.
    pub fn spent(&mut self, n: usize) {
        assert!(
            n <= self.granted,
            "{n} deltas emitted on a permit for {}",
            self.granted
        );
        self.granted -= n;
    }
}
