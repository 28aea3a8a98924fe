//! One client's wait: the `Slot` through which the server hands it the
//! end of its wait, and `Blocked`, the connection's guard for it.
//!
//! The rule that keeps elements from being lost or delivered twice: a
//! waiter is served (popped for) only under the engine lock, only while
//! it is registered, and serving unregisters it and fills its slot in the
//! same step. The connection ends its wait under the same lock (timeout,
//! disconnect) or by dropping `Blocked`, whose `Drop` unregisters it under
//! the lock unless the slot was already filled. So whatever await point a
//! connection future is dropped at, from then on nothing is popped for it.

use super::Wake;
use crate::client::ClientId;
use crate::shared::Shared;
use parking_lot::Mutex;
use resp_codec::Protocol;
use std::sync::Arc;
use tokio::sync::Notify;

/// Where the end of a wait is left for the waiting connection.
#[derive(Debug, Default)]
pub struct Slot {
    state: Mutex<SlotState>,
    filled: Notify,
}

#[derive(Debug, Default)]
enum SlotState {
    #[default]
    Waiting,
    Filled(Wake),
    Taken,
}

impl Slot {
    /// Ends the wait (under the engine lock, as the waiter is
    /// unregistered). A slot is filled once.
    pub(super) fn fill(&self, wake: Wake) {
        let mut state = self.state.lock();
        assert!(
            matches!(*state, SlotState::Waiting),
            "a waiter's slot is filled once"
        );
        *state = SlotState::Filled(wake);
        drop(state);
        self.filled.notify_one();
    }

    fn take(&self) -> Option<Wake> {
        let mut state = self.state.lock();
        match std::mem::replace(&mut *state, SlotState::Taken) {
            SlotState::Filled(wake) => Some(wake),
            other => {
                *state = other;
                None
            }
        }
    }

    /// The wait ended without a fill (timeout, disconnect): nothing will
    /// fill it now, and `Drop` has nothing to undo.
    fn close(&self) {
        let mut state = self.state.lock();
        if matches!(*state, SlotState::Waiting) {
            *state = SlotState::Taken;
        }
    }

    fn is_waiting(&self) -> bool {
        matches!(*self.state.lock(), SlotState::Waiting)
    }
}

/// A connection's registration as a waiter. Dropping it (the wait ended,
/// the connection closed, its future was dropped) unregisters it.
pub struct Blocked {
    shared: Arc<Shared>,
    id: ClientId,
    slot: Arc<Slot>,
    deadline: Option<tokio::time::Instant>,
    /// The client's protocol as it blocked (for the timeout's nil).
    pub protocol: Protocol,
}

impl Blocked {
    pub(super) fn new(
        shared: Arc<Shared>,
        id: ClientId,
        slot: Arc<Slot>,
        deadline: Option<tokio::time::Instant>,
        protocol: Protocol,
    ) -> Blocked {
        Blocked {
            shared,
            id,
            slot,
            deadline,
            protocol,
        }
    }

    /// Completes when the wait may be over: the slot was filled or the
    /// timeout passed. Cancel safe (a fill while nobody polls is kept);
    /// `finish` then says how it ended.
    pub async fn woken(&self) {
        let deadline = async {
            match self.deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = self.slot.filled.notified() => {}
            _ = deadline => {}
        }
    }

    /// How the wait ended, after `woken`: what the slot holds or, if the
    /// timeout passed first, a timeout. Takes the engine lock only for a
    /// timeout, to unregister before anyone can serve it.
    pub fn finish(self) -> Wake {
        if let Some(wake) = self.slot.take() {
            return wake;
        }
        let mut core = self.shared.core.lock();
        if core.host.waiters.remove(self.id) {
            self.slot.close();
            return Wake::Timeout;
        }
        drop(core);
        self.slot
            .take()
            .expect("an unregistered waiter's slot is filled")
    }

    /// The client went away (EOF): unregisters it, returning what it was
    /// served if that happened first (its reply can still be written).
    pub fn abandon(self) -> Option<Wake> {
        let mut core = self.shared.core.lock();
        if core.host.waiters.remove(self.id) {
            self.slot.close();
            return None;
        }
        drop(core);
        self.slot.take()
    }
}

impl std::fmt::Debug for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocked")
            .field("id", &self.id)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        // Filled means unregistered already (both happen in one step
        // under the lock); waiting means it may still be served, so
        // unregister under the lock, which no serving step can overlap.
        if self.slot.is_waiting() && self.shared.core.lock().host.waiters.remove(self.id) {
            self.slot.close();
            return;
        }
        // Served (perhaps between the look and the lock).
        if let Some(Wake::Served { .. }) = self.slot.take() {
            // Served, then its connection went before writing the reply:
            // like any reply lost with its connection, but counted.
            tracing::debug!("client id={} dropped a served reply", self.id);
            self.shared.core.lock().host.waiters.n_replies_dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_taken_once() {
        let slot = Slot::default();
        assert!(slot.is_waiting());
        assert_eq!(slot.take(), None);
        slot.fill(Wake::Error);
        assert!(!slot.is_waiting());
        assert_eq!(slot.take(), Some(Wake::Error));
        assert_eq!(slot.take(), None);
        let slot = Slot::default();
        slot.close();
        assert!(!slot.is_waiting());
        assert_eq!(slot.take(), None);
    }

    #[test]
    #[should_panic(expected = "filled once")]
    fn filling_twice_is_a_bug() {
        let slot = Slot::default();
        slot.fill(Wake::Timeout);
        slot.fill(Wake::Timeout);
    }
}
