//! `OnWake`: a future that is polled again only after its own waker fired.
//!
//! The connection's select waits on the kill switch and the outbox in
//! every round that finds no input: at -P 1, every request. Polling a
//! registered `WaitForCancellationFuture` or `Notified` again costs a lock
//! of its notifier and a waker comparison (about 160 instructions each)
//! for nothing: neither fired. `OnWake` gives the inner future a waker of
//! its own that sets a flag and then wakes the task, and skips the poll
//! while the flag is down. The inner future is created once and kept
//! (never recreated in the loop), so a notification it already holds is
//! never lost.

use parking_lot::Mutex;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

pub struct OnWake<F> {
    future: Pin<Box<F>>,
    flag: Arc<Flag>,
    /// The waker the inner future is given: `flag`'s.
    own: Waker,
    /// The inner future was polled and is waiting on `own`: until the
    /// flag goes up, polling it again would only say Pending.
    armed: bool,
    /// The task waker `flag` forwards to (kept here to compare without
    /// the lock).
    task: Option<Waker>,
}

#[derive(Default)]
struct Flag {
    fired: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.fired.store(true, Ordering::Release);
        if let Some(task) = self.task.lock().as_ref() {
            task.wake_by_ref();
        }
    }
}

impl<F: Future> OnWake<F> {
    pub fn new(future: F) -> Self {
        let flag = Arc::new(Flag::default());
        OnWake {
            future: Box::pin(future),
            own: Waker::from(flag.clone()),
            flag,
            armed: false,
            task: None,
        }
    }

    /// Replaces the inner future (after it completed), reusing its box.
    pub fn set(&mut self, future: F) {
        self.future.set(future);
        self.armed = false;
    }

    /// Whether the inner future may be ready: it fired, or it has not
    /// been polled yet. False means a poll would be Pending.
    pub fn may_be_ready(&self) -> bool {
        !self.armed || self.flag.fired.load(Ordering::Acquire)
    }

    fn forward_to(&mut self, cx: &Context<'_>) {
        if !self.task.as_ref().is_some_and(|t| t.will_wake(cx.waker())) {
            let task = cx.waker().clone();
            *self.flag.task.lock() = Some(task.clone());
            self.task = Some(task);
        }
    }
}

impl<F: Future> Future for OnWake<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        this.forward_to(cx);
        if !this.may_be_ready() {
            return Poll::Pending;
        }
        // Lowered before the poll: a wake-up during it raises it again.
        this.flag.fired.store(false, Ordering::Release);
        let mut own = Context::from_waker(&this.own);
        match this.future.as_mut().poll(&mut own) {
            Poll::Ready(output) => {
                // A completed future is polled again if asked (both inner
                // futures stay ready once they were).
                this.armed = false;
                Poll::Ready(output)
            }
            Poll::Pending => {
                this.armed = true;
                Poll::Pending
            }
        }
    }
}

/// Polls `future` once in this task (registering the task's waker with
/// it) and says what it said.
pub async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::Notify;
    use tokio_util::sync::CancellationToken;

    #[tokio::test(flavor = "current_thread")]
    async fn a_notification_completes_it_and_set_rearms_it() {
        let notify = Notify::new();
        let mut ready = OnWake::new(notify.notified());
        assert!(poll_once(&mut ready).await.is_pending());
        assert!(!ready.may_be_ready(), "armed and not fired");
        assert!(poll_once(&mut ready).await.is_pending(), "skipped poll");
        notify.notify_one();
        assert!(ready.may_be_ready(), "the notification raised the flag");
        assert!(poll_once(&mut ready).await.is_ready());
        ready.set(notify.notified());
        assert!(ready.may_be_ready(), "a new future is polled");
        assert!(poll_once(&mut ready).await.is_pending());
        // A notification given while nobody waits is kept by Notify and
        // seen by the next registered future.
        notify.notify_one();
        assert!(poll_once(&mut ready).await.is_ready());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_cancellation_wakes_the_waiting_task() {
        let token = CancellationToken::new();
        let killed = OnWake::new(token.cancelled());
        let cancel = token.clone();
        let waiter = async move {
            killed.await;
        };
        let canceller = async move {
            tokio::task::yield_now().await;
            cancel.cancel();
        };
        tokio::time::timeout(Duration::from_secs(5), async {
            tokio::join!(waiter, canceller);
        })
        .await
        .expect("the cancellation woke the task through the flag");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_cancellation_before_the_first_poll_is_seen() {
        let token = CancellationToken::new();
        token.cancel();
        let mut killed = OnWake::new(token.cancelled());
        assert!(poll_once(&mut killed).await.is_ready());
    }
}
