//! `DurableWaiters`: the clients waiting for their writes to be durable
//! (`appendfsync always`), kept in LSN order, so an fsync that makes LSNs
//! up to D durable wakes exactly the waiters at or below D and nobody
//! else. (A watch channel wakes every receiver on every change: with 50
//! clients and a group commit every few hundred microseconds, most
//! wake-ups would find their LSN still ahead and go back to sleep.)
//!
//! The durable LSN is an atomic, read without the lock by a waiter's
//! first look. A waiter registers under the lock after looking again, and
//! the publisher raises the LSN before taking the lock to collect the
//! covered waiters, so no wake-up is lost between a look and a
//! registration. A health change (MISCONF, closed) wakes everyone: each
//! then reads the health itself. The set is bounded by the futures
//! waiting (one per connection); a future dropped while waiting removes
//! itself (cancel-safe, invariant 5).

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

/// Waiters by (LSN, registration number).
pub(crate) struct DurableWaiters {
    durable: AtomicU64,
    state: Mutex<WaitState>,
}

/// A waiter's place: its LSN, then the order it registered in.
type Key = (u64, u64);

/// Sorted by key. Writes run one at a time and wait right after, so
/// waiters mostly register in LSN order: an insert is usually a push at
/// the back, a publish pops from the front.
#[derive(Default)]
struct WaitState {
    waiting: VecDeque<(Key, Waker)>,
    next_id: u64,
}

impl WaitState {
    fn find(&self, key: Key) -> Result<usize, usize> {
        self.waiting.binary_search_by(|(k, _)| k.cmp(&key))
    }

    fn remove(&mut self, key: Key) {
        if let Ok(i) = self.find(key) {
            self.waiting.remove(i);
        }
    }

    /// Registers `key` with `waker`, or refreshes the waker it has.
    fn register(&mut self, key: Key, waker: &Waker) {
        if self.waiting.back().is_none_or(|(last, _)| *last < key) {
            self.waiting.push_back((key, waker.clone()));
            return;
        }
        match self.find(key) {
            Ok(i) => self.waiting[i].1.clone_from(waker),
            Err(i) => self.waiting.insert(i, (key, waker.clone())),
        }
    }
}

impl DurableWaiters {
    pub(crate) fn new(durable: u64) -> Self {
        DurableWaiters {
            durable: AtomicU64::new(durable),
            state: Mutex::new(WaitState::default()),
        }
    }

    pub(crate) fn durable(&self) -> u64 {
        self.durable.load(Ordering::Acquire)
    }

    /// Every LSN up to `lsn` is durable: wakes the waiters it covers.
    pub(crate) fn publish(&self, lsn: u64) {
        if self.durable.fetch_max(lsn, Ordering::AcqRel) >= lsn {
            return;
        }
        // Woken under the lock: a wake-up only schedules the task, it
        // never polls it here.
        let mut state = self.state.lock();
        while state.waiting.front().is_some_and(|((at, _), _)| *at <= lsn) {
            if let Some((_, waker)) = state.waiting.pop_front() {
                waker.wake();
            }
        }
    }

    /// Wakes every waiter (the health changed: each reads it).
    pub(crate) fn wake_all(&self) {
        let all = std::mem::take(&mut self.state.lock().waiting);
        for (_, waker) in all {
            waker.wake();
        }
    }

    /// Waiters registered now (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state.lock().waiting.len()
    }
}

/// What a waiter found besides "durable": the health it must report.
pub(crate) trait HealthCheck {
    type Error;
    /// Some(error) when waiting is over without durability.
    fn failed(&self) -> Option<Self::Error>;
    /// True when nobody need wait for durability any more (the policy
    /// left `appendfsync always`): waiting is over, Ok.
    fn released(&self) -> bool {
        false
    }
}

/// Waits until `lsn` is durable, or `health` says it will not be.
pub(crate) struct WaitDurable<'a, H: HealthCheck> {
    waiters: &'a DurableWaiters,
    health: H,
    lsn: u64,
    /// The registration, while there is one.
    key: Option<Key>,
}

impl<'a, H: HealthCheck> WaitDurable<'a, H> {
    pub(crate) fn new(waiters: &'a DurableWaiters, health: H, lsn: u64) -> Self {
        WaitDurable {
            waiters,
            health,
            lsn,
            key: None,
        }
    }
}

impl<H: HealthCheck + Unpin> Future for WaitDurable<'_, H> {
    type Output = Result<(), H::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let waiters = this.waiters;
        if this.key.is_none() && waiters.durable() >= this.lsn {
            return Poll::Ready(Ok(()));
        }
        let mut state = waiters.state.lock();
        // Looked at again under the lock: a publisher raises the LSN
        // before it takes the lock, a health change or a release is set
        // before.
        let outcome = if waiters.durable() >= this.lsn || this.health.released() {
            Some(Ok(()))
        } else {
            this.health.failed().map(Err)
        };
        if let Some(outcome) = outcome {
            if let Some(key) = this.key.take() {
                state.remove(key);
            }
            return Poll::Ready(outcome);
        }
        let key = *this.key.get_or_insert_with(|| {
            state.next_id += 1;
            (this.lsn, state.next_id)
        });
        // New, polled again, or woken (and removed) by a health change
        // that left waiting worthwhile.
        state.register(key, cx.waker());
        Poll::Pending
    }
}

impl<H: HealthCheck> Drop for WaitDurable<'_, H> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.waiters.state.lock().remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use std::task::Wake;

    struct Healthy<'a>(&'a AtomicBool);

    impl HealthCheck for Healthy<'_> {
        type Error = &'static str;
        fn failed(&self) -> Option<&'static str> {
            self.0.load(Ordering::Acquire).then_some("failed")
        }
    }

    #[derive(Default)]
    struct CountingWaker(AtomicU64);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn poll<F: Future + Unpin>(future: &mut F, waker: &Arc<CountingWaker>) -> Poll<F::Output> {
        let waker = Waker::from(waker.clone());
        Pin::new(future).poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn a_durable_advance_wakes_only_the_waiters_it_covers() {
        let waiters = DurableWaiters::new(10);
        let failed = AtomicBool::new(false);
        let wakers: Vec<Arc<CountingWaker>> = (0..3).map(|_| Arc::default()).collect();
        // Registered out of LSN order: 20 before 12.
        let mut futures: Vec<_> = [11, 20, 12]
            .into_iter()
            .map(|lsn| WaitDurable::new(&waiters, Healthy(&failed), lsn))
            .collect();
        for (future, waker) in futures.iter_mut().zip(&wakers) {
            assert!(poll(future, waker).is_pending());
        }
        assert_eq!(waiters.len(), 3);
        waiters.publish(12);
        let woken: Vec<u64> = wakers.iter().map(|w| w.0.load(Ordering::Relaxed)).collect();
        assert_eq!(woken, [1, 0, 1], "only LSNs 11 and 12 are covered");
        assert!(poll(&mut futures[0], &wakers[0]).is_ready());
        assert!(poll(&mut futures[2], &wakers[2]).is_ready());
        assert!(poll(&mut futures[1], &wakers[1]).is_pending());
        waiters.publish(11);
        assert_eq!(waiters.durable(), 12, "the durable LSN never goes back");
        assert_eq!(wakers[1].0.load(Ordering::Relaxed), 0);
        failed.store(true, Ordering::Release);
        waiters.wake_all();
        assert_eq!(wakers[1].0.load(Ordering::Relaxed), 1);
        assert_eq!(
            poll(&mut futures[1], &wakers[1]),
            Poll::Ready(Err("failed"))
        );
        assert_eq!(waiters.len(), 0);
    }

    #[test]
    fn a_waiter_dropped_while_waiting_leaves_nothing_behind() {
        let waiters = DurableWaiters::new(0);
        let failed = AtomicBool::new(false);
        let waker = Arc::new(CountingWaker::default());
        let mut first = WaitDurable::new(&waiters, Healthy(&failed), 5);
        let mut second = WaitDurable::new(&waiters, Healthy(&failed), 5);
        assert!(poll(&mut first, &waker).is_pending());
        assert!(poll(&mut second, &waker).is_pending());
        assert!(
            poll(&mut first, &waker).is_pending(),
            "polled again: one entry"
        );
        assert_eq!(waiters.len(), 2);
        drop(first);
        assert_eq!(waiters.len(), 1);
        waiters.publish(5);
        assert_eq!(
            waker.0.load(Ordering::Relaxed),
            1,
            "the dropped one is not woken"
        );
        assert!(poll(&mut second, &waker).is_ready());
        let mut late = WaitDurable::new(&waiters, Healthy(&failed), 3);
        assert!(poll(&mut late, &waker).is_ready(), "already durable");
        assert_eq!(waiters.len(), 0);
    }
}
