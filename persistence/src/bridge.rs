//! The delta bridge: deltas leave the engine on a bounded crossbeam channel
//! (the sink never blocks, credit guarantees room) and reach the AOF actor
//! in batches over a bounded tokio channel.
//!
//! The bridge waits on the channel itself (no polling sleep), then drains
//! whatever is already queued up to a count and a byte bound, so an idle
//! server adds microseconds, a busy one gets large batches. Credit goes
//! back as soon as deltas leave the channel. A full actor queue blocks the
//! bridge, the channel then fills, credit runs out and `reserve` makes
//! clients wait: backpressure reaches them before the engine lock.
//!
//! Two forms: a thread (`recv` blocks, `blocking_send` hands over) for the
//! real disk, and a tokio task woken by the sink (`DeltaSender` with a
//! `Notify`) for the simulator, where everything must run on one
//! deterministic runtime. On stop both drain everything queued first.

use kv_engine::{Delta, DeltaSink};
use std::sync::Arc;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::sync::CancellationToken;

/// A batch of deltas in LSN order.
pub type Batch = Vec<Delta>;

/// How large a batch may grow.
#[derive(Clone, Copy, Debug)]
pub struct BatchLimits {
    pub max_deltas: usize,
    pub max_bytes: usize,
}

/// The engine's sink in the task form: sends, then wakes the bridge task.
pub struct DeltaSender {
    tx: crossbeam_channel::Sender<Delta>,
    wake: Arc<Notify>,
}

impl DeltaSender {
    pub(crate) fn new(tx: crossbeam_channel::Sender<Delta>, wake: Arc<Notify>) -> Self {
        DeltaSender { tx, wake }
    }
}

impl DeltaSink for DeltaSender {
    fn emit(&mut self, delta: Delta) {
        self.tx.emit(delta);
        self.wake.notify_one();
    }
}

/// Takes `first` and whatever else is queued, within `limits`.
fn fill(first: Delta, rx: &crossbeam_channel::Receiver<Delta>, limits: BatchLimits) -> Batch {
    let mut bytes = first.approx_len();
    let mut batch = vec![first];
    while batch.len() < limits.max_deltas && bytes < limits.max_bytes {
        match rx.try_recv() {
            Ok(delta) => {
                bytes += delta.approx_len();
                batch.push(delta);
            }
            Err(_) => break,
        }
    }
    batch
}

/// The thread form. Returns when `stop` disconnects (after draining) or
/// the actor is gone.
pub(crate) fn run_thread(
    rx: crossbeam_channel::Receiver<Delta>,
    stop: crossbeam_channel::Receiver<()>,
    credits: Arc<Semaphore>,
    out: mpsc::Sender<Batch>,
    limits: BatchLimits,
) {
    loop {
        let first = crossbeam_channel::select! {
            recv(rx) -> delta => match delta {
                Ok(delta) => delta,
                Err(_) => return,
            },
            recv(stop) -> _ => {
                drain_blocking(&rx, &credits, &out, limits);
                return;
            }
        };
        let batch = fill(first, &rx, limits);
        credits.add_permits(batch.len());
        if out.blocking_send(batch).is_err() {
            return;
        }
    }
}

fn drain_blocking(
    rx: &crossbeam_channel::Receiver<Delta>,
    credits: &Semaphore,
    out: &mpsc::Sender<Batch>,
    limits: BatchLimits,
) {
    while let Ok(first) = rx.try_recv() {
        let batch = fill(first, rx, limits);
        credits.add_permits(batch.len());
        if out.blocking_send(batch).is_err() {
            return;
        }
    }
}

/// The task form, for the simulator: woken by `DeltaSender`.
pub(crate) async fn run_task(
    rx: crossbeam_channel::Receiver<Delta>,
    wake: Arc<Notify>,
    stop: CancellationToken,
    credits: Arc<Semaphore>,
    out: mpsc::Sender<Batch>,
    limits: BatchLimits,
) {
    loop {
        match rx.try_recv() {
            Ok(first) => {
                let batch = fill(first, &rx, limits);
                credits.add_permits(batch.len());
                if out.send(batch).await.is_err() {
                    return;
                }
            }
            Err(crossbeam_channel::TryRecvError::Disconnected) => return,
            Err(crossbeam_channel::TryRecvError::Empty) => {
                if stop.is_cancelled() {
                    return;
                }
                // `Notify` keeps a wake-up that arrives between the check
                // above and this wait, so a fresh `notified()` each time
                // loses nothing.
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = stop.cancelled() => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use kv_engine::DeltaOp;

    fn delta(lsn: u64, value_len: usize) -> Delta {
        Delta {
            lsn,
            transaction: false,
            ops: vec![DeltaOp {
                db: 0,
                argv: vec![
                    Bytes::from_static(b"SET"),
                    Bytes::from(vec![b'v'; value_len]),
                ],
            }],
        }
    }

    #[test]
    fn batches_take_what_is_queued_within_limits() {
        let (tx, rx) = crossbeam_channel::bounded(100);
        for lsn in 2..=10 {
            tx.send(delta(lsn, 10)).unwrap();
        }
        let limits = BatchLimits {
            max_deltas: 4,
            max_bytes: 1 << 20,
        };
        let batch = fill(delta(1, 10), &rx, limits);
        assert_eq!(
            batch.iter().map(|d| d.lsn).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let by_bytes = BatchLimits {
            max_deltas: 100,
            max_bytes: 100,
        };
        let batch = fill(rx.recv().unwrap(), &rx, by_bytes);
        assert_eq!(batch.len(), 2, "a batch stops once past max_bytes");
    }

    #[test]
    fn the_thread_returns_credit_drains_on_stop_and_keeps_order() {
        let (tx, rx) = crossbeam_channel::bounded(64);
        let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
        let credits = Arc::new(Semaphore::new(64));
        credits.try_acquire_many(64).unwrap().forget();
        let (out_tx, mut out_rx) = mpsc::channel(2);
        for lsn in 1..=64 {
            tx.send(delta(lsn, 1)).unwrap();
        }
        let limits = BatchLimits {
            max_deltas: 8,
            max_bytes: 1 << 20,
        };
        let thread = {
            let credits = credits.clone();
            std::thread::spawn(move || run_thread(rx, stop_rx, credits, out_tx, limits))
        };
        let mut lsns = Vec::new();
        while lsns.len() < 64 {
            let batch = out_rx.blocking_recv().unwrap();
            assert!(batch.len() <= 8);
            lsns.extend(batch.iter().map(|d| d.lsn));
        }
        assert_eq!(lsns, (1..=64).collect::<Vec<_>>());
        tx.send(delta(65, 1)).unwrap();
        drop(stop_tx);
        let mut tail = Vec::new();
        while let Some(batch) = out_rx.blocking_recv() {
            tail.extend(batch.iter().map(|d| d.lsn));
        }
        thread.join().unwrap();
        assert_eq!(tail, [65]);
        assert_eq!(
            credits.available_permits(),
            65,
            "every received delta gave credit back"
        );
    }
}
