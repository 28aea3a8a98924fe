//! Deltas: the deterministic effect of each write, in Redis propagation form.
//!
//! Every write command produces one `Delta` with the next LSN. The AOF,
//! future replicas and anything else that follows changes consume this one
//! stream (invariant 4). A delta's operations are what replays the change
//! exactly: relative expiries are absolute (`PXAT`), random choices are the
//! chosen members, INCRBYFLOAT is a SET, an expired key is a DEL, and a whole
//! EXEC is one delta marked `transaction` (written as MULTI ... EXEC).

use bytes::Bytes;

/// One command to replay, in the database it applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaOp {
    pub db: u32,
    pub argv: Vec<Bytes>,
}

/// The effect of one command (or one EXEC, or one expiry batch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delta {
    /// Log sequence number: strictly increasing, without gaps, per engine.
    pub lsn: u64,
    /// Replay the ops inside MULTI/EXEC so they apply atomically.
    pub transaction: bool,
    pub ops: Vec<DeltaOp>,
}

impl Delta {
    /// Approximate encoded size in bytes, for byte-bounded batching.
    pub fn approx_len(&self) -> usize {
        self.ops
            .iter()
            .map(|op| 16 + op.argv.iter().map(|a| a.len() + 16).sum::<usize>())
            .sum()
    }
}

/// Where the engine hands deltas. It must never block: the owner reserves
/// capacity before taking the engine lock (invariant 2), so an `emit` always
/// has room.
pub trait DeltaSink: Send {
    fn emit(&mut self, delta: Delta);

    /// Whether the sink looks at a delta's ops. When false the engine
    /// still counts LSNs and emits a delta per write, with no ops: it
    /// skips building them (an allocation and a clone of every argument
    /// per write).
    fn wants_ops(&self) -> bool {
        true
    }
}

/// Keeps deltas in memory: for tests and for embedding without persistence.
#[derive(Debug, Default)]
pub struct DeltaLog {
    pub deltas: Vec<Delta>,
}

impl DeltaSink for DeltaLog {
    fn emit(&mut self, delta: Delta) {
        self.deltas.push(delta);
    }
}

/// Discards deltas: an engine with no persistence and no followers.
#[derive(Debug, Default)]
pub struct NoDeltas;

impl DeltaSink for NoDeltas {
    fn emit(&mut self, _delta: Delta) {}

    fn wants_ops(&self) -> bool {
        false
    }
}

/// A bounded crossbeam channel as a sink. `try_send` never blocks; capacity
/// is reserved by the caller before the lock, so `Full` means the reservation
/// protocol was broken, which is a bug worth stopping for.
impl DeltaSink for crossbeam_channel::Sender<Delta> {
    fn emit(&mut self, delta: Delta) {
        match self.try_send(delta) {
            Ok(()) => {}
            Err(crossbeam_channel::TrySendError::Disconnected(_)) => {
                // The consumer is gone (shutdown or a persistence failure the
                // owner already reports as MISCONF); nothing to deliver to.
            }
            Err(crossbeam_channel::TrySendError::Full(_)) => {
                panic!("delta channel full: capacity must be reserved before the engine lock")
            }
        }
    }
}
