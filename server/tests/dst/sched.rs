//! The connections' scheduler: the simulation polls every connection's
//! `connection::serve` future itself, in an order the seed chooses,
//! instead of leaving them to tokio's run queue.
//!
//! Why: tokio's wake order is not a function of the seed (a `watch`
//! channel spreads its waiters over slots picked by tokio's per-thread
//! random generator, seeded afresh by every runtime), so two connections
//! woken by one fsync would run in a different order from run to run.
//! Here a connection's waker only marks it ready and wakes the driver;
//! the driver polls the ready ones in a seeded shuffle. The rest of the
//! server (the AOF actor, the bridge, the timer, saves) stays on tokio as
//! in production; they are single tasks whose order follows from these
//! polls.
//!
//! TASK_CANCEL lives here too: after a poll that returns `Pending`, the
//! dice may drop the future at that await point.

use crate::cancel::{Dice, TaskEnd};
use parking_lot::Mutex;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Connection polls per wake-up of the driver before it lets the rest of
/// the runtime run (a connection that keeps waking itself cannot starve
/// the actor).
const MAX_POLLS_PER_TURN: usize = 4096;

pub type ConnFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The driver's waker, for connections to call.
#[derive(Default)]
struct DriverWake(Mutex<Option<Waker>>);

impl DriverWake {
    fn set(&self, waker: &Waker) {
        let mut slot = self.0.lock();
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    fn wake(&self) {
        if let Some(waker) = self.0.lock().as_ref() {
            waker.wake_by_ref();
        }
    }
}

/// A connection's waker: marks it ready and wakes the driver.
struct ConnWake {
    ready: AtomicBool,
    driver: Arc<DriverWake>,
}

impl Wake for ConnWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.store(true, Ordering::Release);
        self.driver.wake();
    }
}

struct Conn {
    future: Option<ConnFuture>,
    wake: Arc<ConnWake>,
    waker: Waker,
    end: Arc<TaskEnd>,
}

pub struct Scheduler {
    conns: Vec<Conn>,
    rng: SmallRng,
    pub dice: Dice,
    driver: Arc<DriverWake>,
}

impl Scheduler {
    pub fn new(seed: u64, dice: Dice) -> Scheduler {
        Scheduler {
            conns: Vec::new(),
            rng: SmallRng::seed_from_u64(seed),
            dice,
            driver: Arc::new(DriverWake::default()),
        }
    }

    /// Adds a connection task (ready for its first poll). It runs outside
    /// tokio's cooperative budget, as a task of its own would have its own.
    pub fn spawn<F>(&mut self, future: F, end: Arc<TaskEnd>)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let future: ConnFuture = Box::pin(tokio::task::unconstrained(future));
        let wake = Arc::new(ConnWake {
            ready: AtomicBool::new(true),
            driver: self.driver.clone(),
        });
        let waker = Waker::from(wake.clone());
        self.conns.push(Conn {
            future: Some(future),
            wake,
            waker,
            end,
        });
        self.driver.wake();
    }

    /// Connection tasks still running.
    pub fn live(&self) -> usize {
        self.conns.iter().filter(|c| c.future.is_some()).count()
    }

    /// Runs `until` while polling ready connections; its output.
    pub async fn run_until<F: Future>(&mut self, until: F) -> F::Output {
        let mut until = std::pin::pin!(until);
        std::future::poll_fn(|cx| {
            self.driver.set(cx.waker());
            if self.poll_ready() {
                // More to do: come back after the rest of the runtime ran.
                cx.waker().wake_by_ref();
            }
            until.as_mut().poll(cx)
        })
        .await
    }

    /// Polls the ready connections, a shuffled round at a time, until
    /// none is ready; true if it stopped at its bound instead.
    fn poll_ready(&mut self) -> bool {
        let mut polls = 0;
        loop {
            let mut ready: Vec<usize> = (0..self.conns.len())
                .filter(|&i| {
                    self.conns[i].future.is_some()
                        && self.conns[i].wake.ready.swap(false, Ordering::AcqRel)
                })
                .collect();
            if ready.is_empty() {
                return false;
            }
            ready.shuffle(&mut self.rng);
            for i in ready {
                self.poll_one(i);
                polls += 1;
            }
            self.conns.retain(|c| c.future.is_some());
            if polls >= MAX_POLLS_PER_TURN {
                return true;
            }
        }
    }

    /// TASK_CANCEL's other half: a connection parked at an await (a
    /// blocked client waiting on its keys, a batch waiting on the disk)
    /// returns `Pending` once and then waits unpolled, so the dice after
    /// polls rarely reach it; this drops parked connection `pick` (modulo
    /// how many there are) where it waits. Its end, if there was one.
    pub fn cancel_parked(&mut self, pick: usize) -> Option<Arc<TaskEnd>> {
        let parked: Vec<usize> = (0..self.conns.len())
            .filter(|&i| {
                self.conns[i].future.is_some() && !self.conns[i].wake.ready.load(Ordering::Acquire)
            })
            .collect();
        let conn = &mut self.conns[*parked.get(pick % parked.len().max(1))?];
        conn.future = None;
        conn.end.end(true);
        Some(conn.end.clone())
    }

    fn poll_one(&mut self, i: usize) {
        let conn = &mut self.conns[i];
        let Some(future) = conn.future.as_mut() else {
            return;
        };
        let mut cx = Context::from_waker(&conn.waker);
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(()) => {
                conn.future = None;
                conn.end.end(false);
            }
            Poll::Pending => {
                if self.dice.roll() {
                    // Dropped here, suspended at whatever it awaits.
                    conn.future = None;
                    conn.end.end(true);
                }
            }
        }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        // The process is gone: its connections with it.
        for conn in &mut self.conns {
            conn.future = None;
            conn.end.end(false);
        }
    }
}
