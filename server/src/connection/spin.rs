//! `Spin`: keeps the runtime polling for input for a short window after
//! the last batch, instead of sleeping in the kernel at once.
//!
//! At `-P 1` a client waits for each reply before it sends again, so after
//! most batches the server finds no input and goes to sleep in
//! epoll_wait; the client's next request must then wake it, and on a
//! loopback connection that wake-up (the scheduler's, and in a VM an
//! interrupt to the idle CPU) is paid inside the client's send. A server
//! faster than the client idles more, is woken more, and so slows the
//! client down: on 2 cores, LRANGE_100 at -P 1 was 0.87x redis-server
//! with a third of its instructions, because the client spent 2 us more
//! of kernel time per request (our server slept 0.15 times a request,
//! redis-server 0.03).
//!
//! While batches keep coming, the spinner yields to the runtime in a
//! loop; a yielded task runs again only after the runtime has polled its
//! I/O driver without blocking, so every ready connection still runs
//! first. After `window` without a batch it sleeps until the next one, so
//! an idle server burns nothing and a lone request costs at most `window`
//! of polling. A yield that comes back late says the thread was
//! preempted (the machine is busier than its cores): then it stops
//! spinning for a while, since there a runnable server waits for its turn
//! of the CPU where a sleeping one would be woken at once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The default polling window after the last batch: more than the gap
/// between two -P 1 requests of a busy client, little for a lone one.
pub const WINDOW: Duration = Duration::from_micros(50);

/// Yields between two looks at the shutdown token.
const YIELDS_PER_CHECK: u32 = 16;

/// A yield that came back this late means the thread was preempted: the
/// cores are oversubscribed. A runtime turn of ready connections takes
/// well under this (50 clients at -P 1: about 0.3 ms).
const PREEMPTED: Duration = Duration::from_millis(2);

/// How long spinning stays off once preempted. A spinning thread is
/// always runnable, so under contention each request waits for its turn
/// of the CPU instead of being woken at once, and it takes time from the
/// client: on a busy machine spinning cost more than sleeping saves.
const BACK_OFF: Duration = Duration::from_millis(250);

#[derive(Debug, Default)]
pub struct Spin {
    /// Batches run by any connection: the spinner's sign of activity.
    batches: AtomicU64,
    /// The spinner sleeps until the next batch wakes it.
    asleep: AtomicBool,
    /// Spinning is held off (`hold`).
    held: AtomicBool,
    wake: Notify,
}

impl Spin {
    /// A connection is about to run a batch (one atomic add, and a wake-up
    /// only when the spinner sleeps).
    #[inline]
    pub fn note_batch(&self) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        if self.asleep.load(Ordering::Relaxed) && self.asleep.swap(false, Ordering::AcqRel) {
            self.wake.notify_one();
        }
    }

    /// Holds spinning off, or lets it go on: under `appendfsync always`
    /// every write's reply waits for an fsync, which dwarfs a wake-up, and
    /// a spinning thread only takes the cores from the client and the
    /// fsync (at -P 1 it cost a fifth of the throughput). Looked at when
    /// a batch wakes the spinner; held, it backs off as when preempted.
    pub fn hold(&self, held: bool) {
        self.held.store(held, Ordering::Relaxed);
    }

    /// Whether the spinner is asleep (no batch within its window).
    pub fn is_asleep(&self) -> bool {
        self.asleep.load(Ordering::Acquire)
    }

    /// The spinner, until `shutdown`: sleeps until a batch, then polls
    /// until `window` has passed without one. Cancel-safe: it holds
    /// nothing, and a wake-up it misses only skips one window.
    pub async fn run(&self, window: Duration, shutdown: CancellationToken) {
        let cancelled = shutdown.cancelled();
        tokio::pin!(cancelled);
        loop {
            self.asleep.store(true, Ordering::Release);
            tokio::select! {
                biased;
                _ = &mut cancelled => return,
                _ = self.wake.notified() => {}
            }
            let mut seen = self.batches.load(Ordering::Relaxed);
            let mut quiet_since = Instant::now();
            let mut last = quiet_since;
            // Bounded by the window: each round without a new batch
            // brings its end closer.
            let mut yields = 0u32;
            let preempted = self.held.load(Ordering::Relaxed)
                || loop {
                    tokio::task::yield_now().await;
                    let now = Instant::now();
                    if now - last >= PREEMPTED {
                        break true;
                    }
                    last = now;
                    yields = yields.wrapping_add(1);
                    if yields.is_multiple_of(YIELDS_PER_CHECK) && shutdown.is_cancelled() {
                        return;
                    }
                    let batches = self.batches.load(Ordering::Relaxed);
                    if batches != seen {
                        seen = batches;
                        quiet_since = now;
                    } else if now - quiet_since >= window {
                        break false;
                    }
                };
            if preempted {
                // Preempted or held. Asleep stays false meanwhile: batches
                // do not wake it.
                tokio::select! {
                    biased;
                    _ = &mut cancelled => return,
                    _ = tokio::time::sleep(BACK_OFF) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct Running {
        spin: Arc<Spin>,
        shutdown: CancellationToken,
        task: tokio::task::JoinHandle<()>,
    }

    fn start(window: Duration) -> Running {
        let spin = Arc::new(Spin::default());
        let shutdown = CancellationToken::new();
        let task = tokio::spawn({
            let (spin, shutdown) = (spin.clone(), shutdown.clone());
            async move { spin.run(window, shutdown).await }
        });
        Running {
            spin,
            shutdown,
            task,
        }
    }

    /// Waits (in real time, bounded) until the spinner is asleep.
    async fn until_asleep(spin: &Spin) -> bool {
        for _ in 0..2000 {
            if spin.is_asleep() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        false
    }

    async fn stop(running: Running) {
        running.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(5), running.task)
            .await
            .expect("the spinner ends on shutdown")
            .expect("the spinner does not panic");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn spins_after_a_batch_then_sleeps() {
        let running = start(Duration::from_millis(2));
        let spin = running.spin.clone();
        assert!(until_asleep(&spin).await, "an idle spinner sleeps");
        spin.note_batch();
        assert!(!spin.is_asleep(), "a batch wakes it");
        // Other tasks still run while it polls: this one does.
        tokio::task::yield_now().await;
        assert!(until_asleep(&spin).await, "asleep again after its window");
        stop(running).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_preempted_spinner_backs_off() {
        let running = start(Duration::from_millis(2));
        let spin = running.spin.clone();
        assert!(until_asleep(&spin).await);
        spin.note_batch();
        tokio::task::yield_now().await;
        // The runtime's thread is held, as a preemption would: the
        // spinner's next yield comes back late.
        std::thread::sleep(PREEMPTED * 2);
        tokio::task::yield_now().await;
        // Past its 2 ms window it would sleep (and be woken by batches);
        // backing off, it does neither until BACK_OFF has passed.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!spin.is_asleep(), "backing off, not waiting for batches");
        assert!(
            until_asleep(&spin).await,
            "spinning again after the back-off"
        );
        stop(running).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_held_spinner_does_not_spin() {
        let running = start(Duration::from_millis(2));
        let spin = running.spin.clone();
        assert!(until_asleep(&spin).await);
        spin.hold(true);
        spin.note_batch();
        tokio::task::yield_now().await;
        // Spinning, it would be asleep again 2 ms after the batch; held,
        // it backs off and waits for no batch until BACK_OFF has passed.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!spin.is_asleep(), "held: backing off");
        spin.hold(false);
        assert!(until_asleep(&spin).await, "let go: waiting for batches");
        spin.note_batch();
        assert!(!spin.is_asleep(), "a batch wakes it");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(spin.is_asleep(), "it spun its 2 ms window and sleeps");
        stop(running).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn ends_on_shutdown_while_spinning() {
        let running = start(Duration::from_secs(3600));
        assert!(until_asleep(&running.spin).await);
        running.spin.note_batch();
        tokio::task::yield_now().await;
        assert!(!running.spin.is_asleep(), "spinning for an hour");
        stop(running).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn ends_on_shutdown_while_asleep() {
        let running = start(WINDOW);
        assert!(until_asleep(&running.spin).await);
        stop(running).await;
    }
}
