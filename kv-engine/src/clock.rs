//! The injected clock: the only way time enters the engine (invariant 1).
//!
//! The engine reads the clock once per command and uses that reading for
//! every expiry decision inside it, as Redis does with its command time
//! snapshot, so a command never sees a key both alive and expired.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Milliseconds since the Unix epoch, from whatever source the owner chose.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// A clock that moves only when told to: tests and the simulator.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicI64,
}

impl ManualClock {
    pub fn new(start_ms: i64) -> Arc<Self> {
        Arc::new(ManualClock {
            now_ms: AtomicI64::new(start_ms),
        })
    }

    pub fn set(&self, now_ms: i64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
    }

    pub fn advance(&self, delta_ms: i64) {
        self.now_ms.fetch_add(delta_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}
