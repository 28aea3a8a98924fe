//! `EndsBuf`: bytes that grow and shrink at either end in amortized O(1),
//! for list chunks (their elements' bytes and their lengths).
//!
//! The bytes are `buf[head..]`; the room before them takes pushes at the
//! front and pops there just move `head`, so LPUSH into a chunk writes its
//! element into that room instead of moving the whole chunk up (what a
//! `Vec`'s insert at 0 does on every push, and Redis's listpack too).
//!
//! Capacities are the ones a `Vec` grown with `packed::reserve_fit` and
//! trimmed with `packed::shrink_fit` would have (the size class of the
//! length): only where the spare room sits differs, so memory use is as
//! before. A buffer that grows for a push at one end puts all its spare
//! room at that end; when the room there runs out while the other end
//! still has some, half of that is moved over, so pushes alternating
//! between the two ends do not move the bytes on every push.

use super::packed::{class_capacity, splice_bytes};
use std::ops::Range;

#[derive(Clone, Debug, Default)]
pub(super) struct EndsBuf {
    buf: Vec<u8>,
    /// Where the bytes start in `buf`; `buf[..head]` is spare room.
    head: usize,
}

impl PartialEq for EndsBuf {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for EndsBuf {}

impl std::ops::Deref for EndsBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[self.head..]
    }
}

impl std::ops::DerefMut for EndsBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.head..]
    }
}

impl From<Vec<u8>> for EndsBuf {
    fn from(buf: Vec<u8>) -> Self {
        EndsBuf { buf, head: 0 }
    }
}

impl EndsBuf {
    pub(super) const fn new() -> Self {
        EndsBuf {
            buf: Vec::new(),
            head: 0,
        }
    }

    /// Bytes allocated, spare room at both ends included.
    pub(super) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Puts the bytes at `head` in a buffer of `capacity` (the current one
    /// when it is that size, else a new one), the rest spare.
    fn relayout(&mut self, capacity: usize, head: usize) {
        let len = self.len();
        debug_assert!(head + len <= capacity);
        if capacity == self.buf.capacity() {
            let old_end = self.buf.len();
            if head > self.head {
                self.buf.resize(head + len, 0);
                self.buf.copy_within(self.head..old_end, head);
            } else {
                self.buf.copy_within(self.head..old_end, head);
                self.buf.truncate(head + len);
            }
        } else {
            let mut moved = Vec::with_capacity(capacity);
            moved.resize(head, 0);
            moved.extend_from_slice(&self.buf[self.head..]);
            self.buf = moved;
        }
        self.head = head;
    }

    /// Makes room for `extra` more bytes before the bytes.
    fn room_at_front(&mut self, extra: usize) {
        if self.head >= extra {
            return;
        }
        let len = self.len();
        let capacity = self.buf.capacity();
        let back_room = capacity - self.buf.len();
        if self.head + back_room >= extra {
            // Half the room behind (at least what is needed) moves over.
            let moved = (back_room / 2).max(extra - self.head);
            self.relayout(capacity, self.head + moved);
        } else {
            let capacity = class_capacity::<u8>(len + extra);
            self.relayout(capacity, capacity - len);
        }
    }

    /// Makes room for `extra` more bytes after the bytes.
    fn room_at_back(&mut self, extra: usize) {
        let capacity = self.buf.capacity();
        let back_room = capacity - self.buf.len();
        if back_room >= extra {
            return;
        }
        if self.head + back_room >= extra {
            let moved = (self.head / 2).max(extra - back_room);
            self.relayout(capacity, self.head - moved);
        } else {
            let len = self.len();
            self.relayout(class_capacity::<u8>(len + extra), 0);
        }
    }

    pub(super) fn push_front(&mut self, bytes: &[u8]) {
        self.room_at_front(bytes.len());
        let start = self.head - bytes.len();
        self.buf[start..self.head].copy_from_slice(bytes);
        self.head = start;
    }

    pub(super) fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.room_at_back(bytes.len());
        self.buf.extend_from_slice(bytes);
    }

    /// Replaces `range` (of the bytes) with `bytes`.
    pub(super) fn splice(&mut self, range: Range<usize>, bytes: &[u8]) {
        assert!(range.start <= range.end && range.end <= self.len());
        if range.start == 0 && range.end == 0 {
            return self.push_front(bytes);
        }
        self.room_at_back(bytes.len().saturating_sub(range.len()));
        let head = self.head;
        splice_bytes(&mut self.buf, head + range.start..head + range.end, bytes);
    }

    /// Removes `range` of the bytes: from the front by moving `head`.
    pub(super) fn drain(&mut self, range: Range<usize>) {
        assert!(range.start <= range.end && range.end <= self.len());
        if range.start == 0 {
            self.head += range.end;
        } else {
            self.buf
                .drain(self.head + range.start..self.head + range.end);
        }
        if self.head == self.buf.len() {
            self.buf.clear();
            self.head = 0;
        }
    }

    pub(super) fn truncate(&mut self, len: usize) {
        self.buf.truncate(self.head + len);
    }

    /// Splits off the bytes from `at` on.
    pub(super) fn split_off(&mut self, at: usize) -> EndsBuf {
        EndsBuf::from(self.buf.split_off(self.head + at))
    }

    /// `packed::shrink_fit` for the bytes: gives back whole size classes
    /// once more than a quarter of the buffer is spare.
    pub(super) fn shrink_fit(&mut self) {
        let len = self.len();
        let capacity = self.buf.capacity();
        if capacity - len > len / 4 && capacity > class_capacity::<u8>(len + len / 4) {
            self.relayout(class_capacity::<u8>(len), 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Pushes and pops at both ends and in the middle against a VecDeque.
    #[test]
    fn behaves_as_a_deque_of_bytes_with_reserve_fit_capacities() {
        let mut buf = EndsBuf::new();
        let mut model: VecDeque<u8> = VecDeque::new();
        let mut seed = 11u64;
        for step in 0..20_000u32 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = ((seed >> 40) % 7) as usize;
            let bytes: Vec<u8> = (0..n).map(|i| (step as u8).wrapping_add(i as u8)).collect();
            match (seed >> 33) % 8 {
                0..=2 => {
                    buf.push_front(&bytes);
                    for &b in bytes.iter().rev() {
                        model.push_front(b);
                    }
                }
                3 | 4 => {
                    buf.extend_from_slice(&bytes);
                    model.extend(&bytes);
                }
                5 if model.len() >= n => {
                    buf.drain(0..n);
                    model.drain(..n);
                    buf.shrink_fit();
                }
                6 if model.len() >= n => {
                    let len = model.len();
                    buf.truncate(len - n);
                    model.truncate(len - n);
                    buf.shrink_fit();
                }
                _ => {
                    let at = model.len() / 3;
                    let end = (at + n / 2).min(model.len());
                    buf.splice(at..end, &bytes);
                    model.drain(at..end);
                    for (i, &b) in bytes.iter().enumerate() {
                        model.insert(at + i, b);
                    }
                }
            }
            assert!(buf.iter().eq(model.iter()), "step {step}");
            let len = buf.len();
            assert!(
                buf.capacity() <= class_capacity::<u8>(len + len / 4 + 7).max(64),
                "step {step}: capacity {} for {len} bytes",
                buf.capacity()
            );
        }
        let tail = buf.split_off(buf.len() / 2);
        let half = model.len() / 2;
        assert!(buf.iter().eq(model.iter().take(half)));
        assert!(tail.iter().eq(model.iter().skip(half)));
    }

    #[test]
    fn front_pushes_move_the_bytes_only_when_the_buffer_grows() {
        let mut buf = EndsBuf::new();
        let mut moves = 0;
        for i in 0..4000u32 {
            let before = buf.buf.as_ptr();
            let head = buf.head;
            buf.push_front(&i.to_le_bytes());
            if buf.buf.as_ptr() == before && buf.head + 4 != head {
                moves += 1;
            }
        }
        assert_eq!(moves, 0, "no relayout within an allocation");
        assert_eq!(buf.len(), 16_000);
        assert_eq!(&buf[..4], &3999u32.to_le_bytes());
    }
}
