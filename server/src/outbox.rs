//! `Outbox`: bytes pushed to a client by others (MONITOR lines today;
//! pub/sub messages and notifications later), waiting for its connection
//! task to write them.
//!
//! A producer never waits on a consumer: `push` appends under a brief lock
//! and wakes the connection. The outbox is bounded by the client's output
//! buffer limit class: past the hard limit, or past the soft limit for
//! longer than its seconds, `push` refuses and reports the client as one
//! to disconnect, as Redis does; the bytes it held are dropped, so memory
//! stays bounded whatever the client does. Pending bytes sit in chunks, so
//! a queue near its limit holds about the limit, not a buffer doubled past
//! it.

use crate::config::values::BufferLimit;
use bytes::BytesMut;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct Outbox {
    inner: Mutex<Inner>,
    /// Something is pending: set with the push, cleared with the drain,
    /// both under the lock, so `take_into` locks only when there is
    /// something to take (a push it does not see yet wakes `ready`).
    has_pending: AtomicBool,
    ready: Notify,
    /// Bytes the connection took (`take_into`) and has not finished
    /// writing (`written`): a client that never reads holds them too, so
    /// they count against its limit.
    in_flight: AtomicUsize,
}

#[derive(Debug, Default)]
struct Inner {
    pending: Chunks,
    /// When the pending bytes first went over the soft limit (ms).
    over_soft_since_ms: Option<i64>,
    /// Over a limit: nothing more is accepted.
    closed: bool,
}

/// What a push did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    /// The client overcame its output buffer limit: disconnect it.
    OverLimit,
    /// Already over its limit before.
    Closed,
}

impl Outbox {
    /// Appends `bytes`; `in_flight` is what the connection holds already
    /// (counted against the limit too).
    pub fn push(&self, bytes: &[u8], limit: BufferLimit, in_flight: usize, now_ms: i64) -> Pushed {
        let mut inner = self.inner.lock();
        if inner.closed {
            return Pushed::Closed;
        }
        let total =
            (inner.pending.len + bytes.len() + in_flight + self.in_flight.load(Ordering::Relaxed))
                as u64;
        let over_hard = limit.hard_bytes > 0 && total > limit.hard_bytes;
        let over_soft = limit.soft_bytes > 0 && total > limit.soft_bytes;
        let soft_expired = if over_soft {
            let since = *inner.over_soft_since_ms.get_or_insert(now_ms);
            now_ms - since > (limit.soft_seconds * 1000) as i64
        } else {
            inner.over_soft_since_ms = None;
            false
        };
        if over_hard || soft_expired {
            inner.closed = true;
            inner.pending = Chunks::default();
            drop(inner);
            self.ready.notify_one();
            return Pushed::OverLimit;
        }
        inner.pending.push(bytes);
        self.has_pending.store(true, Ordering::Release);
        drop(inner);
        self.ready.notify_one();
        Pushed::Queued
    }

    /// Moves everything pending to the end of `out`, which the connection
    /// is about to write: until `written`, all of `out` counts against the
    /// limit.
    pub fn take_into(&self, out: &mut BytesMut) {
        if self.has_pending.load(Ordering::Acquire) {
            let mut inner = self.inner.lock();
            inner.pending.drain_into(out);
            self.has_pending.store(false, Ordering::Relaxed);
        }
        self.in_flight.store(out.len(), Ordering::Relaxed);
    }

    /// The connection wrote what it took.
    pub fn written(&self) {
        self.in_flight.store(0, Ordering::Relaxed);
    }

    pub fn pending_len(&self) -> usize {
        self.inner.lock().pending.len
    }

    /// What counts against the limit: pending, plus taken and not yet
    /// written.
    pub fn held(&self) -> usize {
        self.pending_len() + self.in_flight.load(Ordering::Relaxed)
    }

    /// Waits until something was pushed (or the outbox closed). Cancel
    /// safe: a push that happens while nobody waits is remembered.
    pub async fn ready(&self) {
        self.ready.notified().await;
    }
}

/// Bytes in chunks of at least `CHUNK`: appending never copies what is
/// queued, and the only room unused is the last chunk's.
#[derive(Debug, Default)]
struct Chunks {
    chunks: VecDeque<BytesMut>,
    len: usize,
}

const CHUNK: usize = 16 * 1024;

impl Chunks {
    /// Fills the last chunk's room, then starts a new chunk with the rest.
    fn push(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len();
        if let Some(last) = self.chunks.back_mut() {
            let head = (last.capacity() - last.len()).min(bytes.len());
            last.extend_from_slice(&bytes[..head]);
            bytes = &bytes[head..];
        }
        if !bytes.is_empty() {
            let mut chunk = BytesMut::with_capacity(bytes.len().max(CHUNK));
            chunk.extend_from_slice(bytes);
            self.chunks.push_back(chunk);
        }
    }

    fn drain_into(&mut self, out: &mut BytesMut) {
        if self.chunks.is_empty() {
            return;
        }
        out.reserve(self.len);
        for chunk in self.chunks.drain(..) {
            out.extend_from_slice(&chunk);
        }
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: BufferLimit = BufferLimit {
        hard_bytes: 100,
        soft_bytes: 50,
        soft_seconds: 2,
    };

    #[test]
    fn the_hard_limit_closes_and_frees() {
        let outbox = Outbox::default();
        assert_eq!(outbox.push(&[b'x'; 60], LIMIT, 0, 0), Pushed::Queued);
        assert_eq!(outbox.push(&[b'x'; 60], LIMIT, 0, 0), Pushed::OverLimit);
        assert_eq!(outbox.pending_len(), 0);
        assert_eq!(outbox.push(b"y", LIMIT, 0, 0), Pushed::Closed);
    }

    #[test]
    fn the_soft_limit_needs_its_seconds() {
        let outbox = Outbox::default();
        assert_eq!(outbox.push(&[b'x'; 60], LIMIT, 0, 0), Pushed::Queued);
        assert_eq!(outbox.push(b"x", LIMIT, 0, 1000), Pushed::Queued);
        assert_eq!(outbox.push(b"x", LIMIT, 0, 2001), Pushed::OverLimit);
    }

    #[test]
    fn draining_resets_the_soft_clock() {
        let outbox = Outbox::default();
        outbox.push(&[b'x'; 60], LIMIT, 0, 0);
        let mut out = BytesMut::new();
        outbox.take_into(&mut out);
        assert_eq!(out.len(), 60);
        outbox.written();
        assert_eq!(outbox.push(b"x", LIMIT, 0, 5000), Pushed::Queued);
        assert_eq!(outbox.push(&[b'x'; 60], LIMIT, 0, 5001), Pushed::Queued);
    }

    #[test]
    fn bytes_taken_but_not_written_count_until_written() {
        let outbox = Outbox::default();
        outbox.push(&[b'x'; 60], LIMIT, 0, 0);
        let mut out = BytesMut::new();
        outbox.take_into(&mut out);
        assert_eq!(outbox.pending_len(), 0);
        assert_eq!(
            outbox.push(&[b'x'; 45], LIMIT, 0, 0),
            Pushed::OverLimit,
            "60 in flight + 45 queued is over the hard 100"
        );
        let outbox = Outbox::default();
        outbox.push(&[b'x'; 60], LIMIT, 0, 0);
        outbox.take_into(&mut out);
        outbox.written();
        assert_eq!(outbox.push(&[b'x'; 45], LIMIT, 0, 0), Pushed::Queued);
    }

    #[test]
    fn chunks_keep_order_and_little_slack() {
        let mut chunks = Chunks::default();
        let mut expected = Vec::new();
        for i in 0..20_000u32 {
            // Messages of 100 to 160 bytes, and a large one now and then.
            let len = if i % 1000 == 999 {
                50_000
            } else {
                100 + (i as usize % 61)
            };
            let piece = vec![(i % 251) as u8; len];
            chunks.push(&piece);
            expected.extend_from_slice(&piece);
        }
        assert_eq!(chunks.len, expected.len());
        let capacity: usize = chunks.chunks.iter().map(BytesMut::capacity).sum();
        // Only the last chunk's room is unused: not a doubled buffer.
        assert!(
            capacity - expected.len() < CHUNK,
            "{capacity} bytes held for {}",
            expected.len()
        );
        let mut out = BytesMut::new();
        chunks.drain_into(&mut out);
        assert_eq!(&out[..], &expected[..]);
        assert_eq!(chunks.len, 0);
    }

    #[test]
    fn zero_limits_never_close() {
        let outbox = Outbox::default();
        for _ in 0..100 {
            assert_eq!(
                outbox.push(&[b'x'; 1000], BufferLimit::default(), 0, 0),
                Pushed::Queued
            );
        }
    }
}
