//! How a connection task ends, and TASK_CANCEL's dice.
//!
//! The scheduler (`sched.rs`) polls each connection's real
//! `connection::serve` future; each time it returns `Pending` it is
//! suspended at one of its awaits (a read, the durability permit, the
//! fsync wait, a reply write, a timer), and the dice decide whether to
//! drop it right there, as a `select!` losing a race or a runtime
//! shutting down would. What the drop must leave behind is the point of
//! the exercise: whole commands only, and every registration, permit and
//! waiter released.

use crate::tap::Events;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The cancellation decisions of one server process, from the seed.
pub struct Dice {
    rng: SmallRng,
    probability: f64,
    pub fired: u64,
}

impl Dice {
    pub fn new(seed: u64, probability: f64) -> Dice {
        Dice {
            rng: SmallRng::seed_from_u64(seed),
            probability,
            fired: 0,
        }
    }

    /// Faults stop: no more cancellations.
    pub fn stop(&mut self) {
        self.probability = 0.0;
    }

    /// Whether to drop the future that just returned `Pending`.
    pub fn roll(&mut self) -> bool {
        let cancel = self.probability > 0.0 && self.rng.gen_bool(self.probability);
        self.fired += u64::from(cancel);
        cancel
    }
}

/// How a connection task ended, as the harness sees it.
pub struct TaskEnd {
    events: Events,
    /// The event number of its end (`u64::MAX` while it runs).
    ended_at: AtomicU64,
    cancelled: AtomicBool,
}

impl TaskEnd {
    pub fn new(events: Events) -> TaskEnd {
        TaskEnd {
            events,
            ended_at: AtomicU64::new(u64::MAX),
            cancelled: AtomicBool::new(false),
        }
    }

    /// The task is over (returned, cancelled, or dropped with its process).
    pub fn end(&self, cancelled: bool) {
        if self.ended_at.load(Ordering::Relaxed) == u64::MAX {
            self.cancelled.store(cancelled, Ordering::Relaxed);
            self.ended_at.store(self.events.next(), Ordering::Relaxed);
        }
    }

    pub fn ended(&self) -> bool {
        self.ended_at.load(Ordering::Relaxed) != u64::MAX
    }

    /// Whether it had ended before event `seq` happened.
    pub fn ended_before(&self, seq: u64) -> bool {
        self.ended_at.load(Ordering::Relaxed) < seq
    }

    pub fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}
