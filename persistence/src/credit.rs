//! Credit for the delta channel: the engine's sink must never find the
//! bounded channel full (invariant 2), so every emitter takes credit before
//! the engine lock and the bridge gives it back as it receives deltas.
//!
//! Credit is a tokio `Semaphore` whose permits are slots of the channel. A
//! `DeltaPermit` holds `n` slots; the caller marks the ones its commands
//! filled (`spent`), and the rest go back when the permit drops. Slots in
//! the channel come back from the bridge. So, always:
//! `deltas in the channel + slots held by permits <= capacity`.

use crate::error::Misconf;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Slots of the delta channel held for commands about to run.
#[must_use = "a permit holds channel slots; dropping it returns them"]
#[derive(Debug)]
pub struct DeltaPermit {
    credits: Option<Arc<Semaphore>>,
    remaining: usize,
    misconf: Option<Misconf>,
}

impl DeltaPermit {
    pub(crate) fn new(credits: Arc<Semaphore>, n: usize, misconf: Option<Misconf>) -> Self {
        DeltaPermit {
            credits: Some(credits),
            remaining: n,
            misconf,
        }
    }

    /// A permit that holds nothing (persistence disabled: the sink discards).
    pub(crate) fn unlimited(n: usize, misconf: Option<Misconf>) -> Self {
        DeltaPermit {
            credits: None,
            remaining: n,
            misconf,
        }
    }

    pub(crate) fn with_misconf(mut self, misconf: Option<Misconf>) -> Self {
        self.misconf = misconf;
        self
    }

    /// Set when persistence was failing as the permit was granted: refuse
    /// every write command of the batch with this error (reads run).
    pub fn misconf(&self) -> Option<&Misconf> {
        self.misconf.as_ref()
    }

    /// Marks `n` slots as filled by emitted deltas: they now travel with
    /// the deltas and come back when the bridge receives them.
    pub fn spent(&mut self, n: usize) {
        assert!(
            n <= self.remaining,
            "spent {n} delta slots of {} reserved",
            self.remaining
        );
        self.remaining -= n;
    }

    /// Slots still held (commands that may yet emit).
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// Gives back the slots no delta filled, now: once a batch has run,
    /// before anything that may wait (its replies' write to a client that
    /// does not read, a pause), which must not hold others' credit.
    pub fn release_unspent(&mut self) {
        if let Some(credits) = &self.credits {
            if self.remaining > 0 {
                credits.add_permits(self.remaining);
            }
        }
        self.remaining = 0;
    }
}

impl Drop for DeltaPermit {
    fn drop(&mut self) {
        self.release_unspent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspent_slots_return_on_drop() {
        let credits = Arc::new(Semaphore::new(10));
        credits.try_acquire_many(4).unwrap().forget();
        let mut permit = DeltaPermit::new(credits.clone(), 4, None);
        permit.spent(3);
        assert_eq!(permit.remaining(), 1);
        drop(permit);
        assert_eq!(credits.available_permits(), 7, "3 travel with deltas");
    }

    #[test]
    #[should_panic(expected = "spent 2 delta slots of 1 reserved")]
    fn spending_more_than_reserved_is_a_bug() {
        let mut permit = DeltaPermit::unlimited(1, None);
        permit.spent(2);
    }
}
