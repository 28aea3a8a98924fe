//! The delta bridge: the engine's sink puts deltas in a bounded queue (it
//! never blocks: credit taken before the engine lock guarantees room) and
//! the AOF actor takes them from it in batches.
//!
//! The sink takes deltas encoded (`DeltaForm::Encoded`) and frames them
//! straight into the queue's `DeltaChunk`, the bytes the AOF file takes:
//! no structured ops are built, queued or dropped per write, and the
//! actor appends what it takes as it is. The queue is a `parking_lot`
//! mutex over that chunk, held for a push or a swap, never across an
//! await. The sink wakes the actor (a tokio `Notify`)
//! only when the actor said it is listening, i.e. it found the queue empty
//! and has nothing else to do: a busy server pays one wake-up per batch,
//! not one per delta, and a wake-up from the runtime thread is a local
//! reschedule, no syscall and no thread hop. An idle server adds no
//! latency: the first delta wakes the actor at once (no polling sleep).
//!
//! With a pace (`everysec`, `no`: nobody waits for these deltas to reach
//! the file) the actor, once woken, takes the queue on a timer instead,
//! every `pace`, and listens again only after a tick found nothing: a busy
//! server wakes it about a hundred times a second whatever its command
//! rate, and its appends come in the same rhythm. `always` has no pace.
//!
//! Credit goes back as the actor takes deltas. While the actor stops
//! taking (its encoded bytes are past their bound), the queue fills,
//! credit runs out and `reserve` makes clients wait: backpressure reaches
//! them before the engine lock. The same code serves the real disk and the
//! simulator (everything on one deterministic runtime there). On close the
//! actor still takes everything queued before it sees the end.

use crate::aof::encode::{encode_ops, DeltaChunk};
use kv_engine::{Delta, DeltaForm, DeltaSink, EncodedDelta};
use parking_lot::Mutex;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio::time::{Instant, Sleep};

/// How often a paced actor takes the queue (`everysec` and `no`): about a
/// hundred wake-ups and appends a second at most, well inside everysec's
/// one second. Each append is a hop to a blocking thread and back (a
/// futex wake, two context switches): at 1 ms those hops were a third of
/// the CPU everysec adds at -P16 SET; at 10 ms they are gone from the
/// profile. The queue must hold a pace's deltas (`delta_capacity`).
pub(crate) const PACE: Duration = Duration::from_millis(10);

/// The most room `DeltaReceiver::recycle` makes in the queue's next chunk.
const MAX_ROOM: usize = 4 << 20;

/// A batch of deltas in LSN order.
pub(crate) type Batch = DeltaChunk;

/// How large a batch may grow.
#[derive(Clone, Copy, Debug)]
pub struct BatchLimits {
    pub max_deltas: usize,
    pub max_bytes: usize,
}

/// The queue between the engine's sink and the AOF actor.
pub(crate) struct DeltaQueue {
    state: Mutex<QueueState>,
    /// Woken by the first delta while the actor listens, and on close.
    wake: Notify,
    capacity: usize,
}

struct QueueState {
    deltas: DeltaChunk,
    closed: bool,
    /// The actor found the queue empty and waits for `wake`.
    listening: bool,
}

impl DeltaQueue {
    pub(crate) fn new(capacity: usize) -> Arc<DeltaQueue> {
        Arc::new(DeltaQueue {
            state: Mutex::new(QueueState {
                deltas: DeltaChunk::default(),
                closed: false,
                listening: false,
            }),
            wake: Notify::new(),
            capacity,
        })
    }

    fn push(&self, delta: EncodedDelta<'_>) {
        let wake = {
            let mut state = self.state.lock();
            if state.closed {
                // The actor is gone (shutdown); nothing to deliver to.
                return;
            }
            assert!(
                state.deltas.len() < self.capacity,
                "delta queue full: capacity must be reserved before the engine lock"
            );
            state.deltas.push(delta);
            std::mem::take(&mut state.listening)
        };
        if wake {
            self.wake.notify_one();
        }
    }

    /// Ends the stream: the actor takes what is queued, then sees None.
    pub(crate) fn close(&self) {
        self.state.lock().closed = true;
        self.wake.notify_one();
    }

    /// Everything queued, in order, into `taken` (empty), and whether the
    /// queue is closed. When nothing is queued and `listen`, the next push
    /// wakes the actor. O(1) under the lock: the sink never waits long.
    /// The queue goes on in `spare` (empty; a chunk the actor gave back),
    /// so the sink pushes into room made earlier rather than regrowing
    /// from nothing after every take.
    fn take_all(&self, listen: bool, spare: &mut DeltaChunk) -> (DeltaChunk, bool) {
        debug_assert!(spare.is_empty());
        let mut state = self.state.lock();
        if state.deltas.is_empty() {
            state.listening = listen;
            return (DeltaChunk::default(), state.closed);
        }
        spare.clear_after(state.deltas.db_after());
        std::mem::swap(&mut state.deltas, spare);
        (std::mem::take(spare), state.closed)
    }
}

/// The actor's end of the queue: hands out batches within `limits`. What
/// it took from the queue and has not handed out yet keeps its credit, so
/// `queued + carried + held by permits <= capacity` still holds.
pub(crate) struct DeltaReceiver {
    queue: Arc<DeltaQueue>,
    credits: Arc<Semaphore>,
    limits: BatchLimits,
    carry: DeltaChunk,
    /// The queue's next chunk: one the actor gave back (`recycle`).
    spare: DeltaChunk,
    /// The bytes of the last batch handed out.
    last_bytes: usize,
    /// Take the queue at most this often (None: whenever woken).
    pace: Option<Duration>,
    /// The next paced take, while the actor is not listening.
    tick: Pin<Box<Sleep>>,
    ticking: bool,
}

impl DeltaReceiver {
    pub(crate) fn new(
        queue: Arc<DeltaQueue>,
        credits: Arc<Semaphore>,
        limits: BatchLimits,
        pace: Option<Duration>,
    ) -> Self {
        DeltaReceiver {
            queue,
            credits,
            limits,
            carry: DeltaChunk::default(),
            spare: DeltaChunk::default(),
            last_bytes: 0,
            pace,
            tick: Box::pin(tokio::time::sleep(Duration::ZERO)),
            ticking: false,
        }
    }

    /// The next batch (at least one delta, then up to `limits`), waiting
    /// until one is queued (and, paced, until the next tick); None once the
    /// queue is closed and drained. Cancel-safe: deltas leave `carry` only
    /// in the poll that returns them, the tick is kept across calls, and a
    /// wake-up arriving between looking and waiting is kept by `Notify`.
    pub(crate) async fn next_batch(&mut self) -> Option<Batch> {
        loop {
            if !self.carry.is_empty() {
                return Some(self.hand_out());
            }
            if self.ticking {
                self.tick.as_mut().await;
            }
            let (deltas, closed) = self.queue.take_all(true, &mut self.spare);
            if !deltas.is_empty() {
                self.carry = deltas;
                if let Some(pace) = self.pace {
                    // Not listening (a queue found non-empty never is):
                    // look again in `pace`.
                    self.tick.as_mut().reset(Instant::now() + pace);
                    self.ticking = true;
                }
                continue;
            }
            self.ticking = false;
            if closed {
                // A push after close is refused: empty stays empty.
                return None;
            }
            self.queue.wake.notified().await;
            // Woken by the first delta: let the tasks already runnable go
            // first (on a multi-thread runtime the waker's worker would run
            // this task next, ahead of the rest of the pipeline it belongs
            // with), so one batch takes them all.
            tokio::task::yield_now().await;
        }
    }

    /// Changes the pace (CONFIG SET appendfsync): `None` takes the queue
    /// at every wake-up. A tick already set still runs out.
    pub(crate) fn set_pace(&mut self, pace: Option<Duration>) {
        self.pace = pace;
    }

    /// The carried deltas up to `limits` (at least one): usually all of
    /// them, handed over whole.
    fn hand_out(&mut self) -> Batch {
        let marks = self.carry.marks();
        let mut n = marks.len().min(self.limits.max_deltas);
        if let Some(past) = marks[..n]
            .iter()
            .position(|m| m.end >= self.limits.max_bytes)
        {
            // Stop once past max_bytes, the delta that crosses included.
            n = past + 1;
        }
        let batch = if n == marks.len() {
            std::mem::take(&mut self.carry)
        } else {
            self.carry.split_front(n)
        };
        self.last_bytes = batch.byte_len();
        self.credits.add_permits(batch.len());
        batch
    }

    /// Gives a handled batch back: its buffers take the next deltas, with
    /// room for twice what the last batch held (up to `MAX_ROOM`), so the
    /// sink does not regrow them, copying, under the engine lock.
    pub(crate) fn recycle(&mut self, mut batch: Batch) {
        if batch.capacity() >= self.spare.capacity() {
            batch.clear_after(None);
            self.spare = batch;
        }
        self.spare.make_room((self.last_bytes * 2).min(MAX_ROOM));
    }
}

/// The engine's sink: frames encoded deltas into the queue.
pub(crate) struct QueueSink(pub(crate) Arc<DeltaQueue>);

impl DeltaSink for QueueSink {
    fn form(&self) -> DeltaForm {
        DeltaForm::Encoded
    }

    fn emit_encoded(&mut self, delta: EncodedDelta<'_>) {
        self.0.push(delta);
    }

    /// A structured delta (from a sink in front of this one): encoded here.
    fn emit(&mut self, delta: Delta) {
        let ops = encode_ops(&delta.ops);
        self.0
            .push(EncodedDelta::of(delta.lsn, delta.transaction, &ops));
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

    fn lsns(batch: &Batch) -> Vec<u64> {
        batch.marks().iter().map(|m| m.lsn).collect()
    }

    #[tokio::test]
    async fn batches_take_what_is_queued_within_limits_and_return_credit() {
        let queue = DeltaQueue::new(100);
        let credits = Arc::new(Semaphore::new(100));
        credits.try_acquire_many(12).unwrap().forget();
        let mut sink = QueueSink(queue.clone());
        for lsn in 1..=10 {
            sink.emit(delta(lsn, 40));
        }
        let limits = BatchLimits {
            max_deltas: 4,
            max_bytes: 100,
        };
        let mut rx = DeltaReceiver::new(queue.clone(), credits.clone(), limits, None);
        let batch = rx.next_batch().await.unwrap();
        assert_eq!(lsns(&batch), [1, 2], "a batch stops once past max_bytes");
        assert_eq!(
            credits.available_permits(),
            90,
            "credit back for what was handed out"
        );
        sink.emit(delta(11, 1));
        sink.emit(delta(12, 1));
        let mut seen = Vec::new();
        while seen.len() < 10 {
            let batch = rx.next_batch().await.unwrap();
            assert!(batch.len() <= 4);
            seen.extend(lsns(&batch));
        }
        assert_eq!(seen, (3..=12).collect::<Vec<_>>(), "in order, across takes");
        assert_eq!(
            credits.available_permits(),
            100,
            "every taken delta gave credit back"
        );
    }

    #[tokio::test]
    async fn a_waiting_actor_is_woken_by_the_first_delta_and_close_drains_first() {
        let queue = DeltaQueue::new(8);
        let credits = Arc::new(Semaphore::new(8));
        let limits = BatchLimits {
            max_deltas: 8,
            max_bytes: 1 << 20,
        };
        let consumer = {
            let mut rx = DeltaReceiver::new(queue.clone(), credits.clone(), limits, None);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while let Some(batch) = rx.next_batch().await {
                    seen.extend(lsns(&batch));
                }
                seen
            })
        };
        let mut sink = QueueSink(queue.clone());
        for lsn in 1..=5 {
            credits.try_acquire().unwrap().forget();
            sink.emit(delta(lsn, 1));
            tokio::task::yield_now().await;
        }
        credits.try_acquire().unwrap().forget();
        sink.emit(delta(6, 1));
        queue.close();
        sink.emit(delta(7, 1)); // after close: dropped
        assert_eq!(consumer.await.unwrap(), [1, 2, 3, 4, 5, 6]);
        assert_eq!(credits.available_permits(), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn a_paced_actor_takes_on_its_tick_and_listens_again_when_idle() {
        let queue = DeltaQueue::new(64);
        let credits = Arc::new(Semaphore::new(64));
        credits.try_acquire_many(64).unwrap().forget();
        let limits = BatchLimits {
            max_deltas: 64,
            max_bytes: 1 << 20,
        };
        let mut rx = DeltaReceiver::new(queue.clone(), credits, limits, Some(PACE));
        let mut sink = QueueSink(queue.clone());
        let start = Instant::now();
        sink.emit(delta(1, 1));
        assert_eq!(lsns(&rx.next_batch().await.unwrap()), [1]);
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "the first delta after idle goes at once"
        );
        sink.emit(delta(2, 1));
        sink.emit(delta(3, 1));
        assert!(
            !queue.state.lock().listening,
            "while ticking the sink wakes nobody"
        );
        assert_eq!(lsns(&rx.next_batch().await.unwrap()), [2, 3]);
        assert_eq!(start.elapsed(), PACE, "later ones together, on the tick");
        let idle = tokio::time::timeout(10 * PACE, rx.next_batch()).await;
        assert!(idle.is_err(), "nothing queued: it waits");
        assert!(queue.state.lock().listening, "an empty tick listens again");
        let woken = Instant::now();
        sink.emit(delta(4, 1));
        assert_eq!(lsns(&rx.next_batch().await.unwrap()), [4]);
        assert_eq!(woken.elapsed(), Duration::ZERO);
    }

    #[test]
    #[should_panic(expected = "delta queue full")]
    fn a_full_queue_is_a_broken_reservation() {
        let queue = DeltaQueue::new(1);
        let mut sink = QueueSink(queue);
        sink.emit(delta(1, 1));
        sink.emit(delta(2, 1));
    }
}
