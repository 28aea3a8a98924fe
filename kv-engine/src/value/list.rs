//! The list type: a deque of packed chunks, Redis's quicklist idea. Each
//! chunk holds its elements' bytes back to back plus their lengths, one
//! byte each while they are under 256 bytes long, so an element costs its
//! length plus a byte (Redis's listpack spends two: an encoding byte and a
//! back-length); chunks are sized by `list-max-listpack-size` (negative: a
//! budget of element bytes, positive: a count), their buffers by the
//! allocator's size classes (`packed::reserve_fit`), with room at both ends
//! (`ends_buf`) so a push at the front does not move the chunk.
//! Pushes and pops at either end are O(1) chunk operations; indexing walks
//! chunks from the nearer end and then the chunk's lengths from its nearer
//! end, as Redis walks quicklist nodes and then a listpack's entries.

use super::ends_buf::EndsBuf;
use crate::memory::charged;
use std::collections::VecDeque;

/// Redis's hard cap on a node's bytes when the fill is a count.
const SIZE_SAFETY_LIMIT: usize = 8192;

/// log2 of the bytes a length takes for an element of `len` bytes (1, 2,
/// 4 or 8): a shift, so a chunk's count costs no division.
fn shift_for(len: usize) -> u32 {
    if len <= usize::from(u8::MAX) {
        0
    } else if len <= usize::from(u16::MAX) {
        1
    } else if u32::try_from(len).is_ok() {
        2
    } else {
        3
    }
}

/// A chunk: its elements' bytes back to back in `data`, and their lengths
/// in `lens`, `1 << shift` bytes each (little-endian), the narrowest that
/// holds its longest element so far.
#[derive(Clone, Debug, Default)]
struct Chunk {
    data: EndsBuf,
    lens: EndsBuf,
    shift: u32,
}

/// Equal when they hold the same elements, whatever their widths.
impl PartialEq for Chunk {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
            && self.len() == other.len()
            && (0..self.len()).all(|i| self.len_of(i) == other.len_of(i))
    }
}

impl Eq for Chunk {}

impl Chunk {
    fn len(&self) -> usize {
        self.lens.len() >> self.shift
    }
    fn width(&self) -> usize {
        1 << self.shift
    }
    /// The length of element `i`.
    #[inline]
    fn len_of(&self, i: usize) -> usize {
        if self.shift == 0 {
            usize::from(self.lens[i])
        } else {
            self.wide_len_of(i)
        }
    }
    /// `len_of` in a chunk holding an element of 256 bytes or more.
    #[inline(never)]
    fn wide_len_of(&self, i: usize) -> usize {
        let w = self.width();
        let at = i << self.shift;
        let mut raw = [0u8; 8];
        raw[..w].copy_from_slice(&self.lens[at..at + w]);
        u64::from_le_bytes(raw) as usize
    }
    /// Total length of elements `a..b`.
    fn sum(&self, a: usize, b: usize) -> usize {
        if self.shift == 0 {
            self.lens[a..b].iter().map(|&l| usize::from(l)).sum()
        } else {
            (a..b).map(|i| self.len_of(i)).sum()
        }
    }
    /// Where element `i` (0..=len) starts, summing lengths from the
    /// nearer end.
    fn start(&self, i: usize) -> usize {
        if i <= self.len() / 2 {
            self.sum(0, i)
        } else {
            self.data.len() - self.sum(i, self.len())
        }
    }
    fn get(&self, i: usize) -> &[u8] {
        let at = self.start(i);
        &self.data[at..at + self.len_of(i)]
    }
    /// The length's bytes for an element of `len` bytes.
    fn encode(&self, len: usize) -> [u8; 8] {
        debug_assert!(shift_for(len) <= self.shift, "widen first");
        (len as u64).to_le_bytes()
    }
    /// Makes the lengths wide enough for an element of `len` bytes.
    fn widen_for(&mut self, len: usize) {
        let shift = shift_for(len);
        if shift > self.shift {
            let mut lens = Vec::with_capacity(self.len() << shift);
            for i in 0..self.len() {
                lens.extend_from_slice(&(self.len_of(i) as u64).to_le_bytes()[..1 << shift]);
            }
            self.lens = lens.into();
            self.shift = shift;
        }
    }
    fn insert(&mut self, i: usize, item: &[u8]) {
        self.widen_for(item.len());
        let at = self.start(i);
        self.data.splice(at..at, item);
        let w = self.width();
        let len = self.encode(item.len());
        self.lens.splice(i * w..i * w, &len[..w]);
    }
    /// Appends an element: no walk over the lengths.
    fn push_back(&mut self, item: &[u8]) {
        self.widen_for(item.len());
        self.data.extend_from_slice(item);
        let w = self.width();
        let len = self.encode(item.len());
        self.lens.extend_from_slice(&len[..w]);
    }
    /// Hands the first element to `take`, then removes it (the chunk is
    /// not empty).
    fn pop_front_with<R>(&mut self, take: impl FnOnce(&[u8]) -> R) -> R {
        let len = self.len_of(0);
        let result = take(&self.data[..len]);
        self.data.drain(0..len);
        self.lens.drain(0..self.width());
        self.data.shrink_fit();
        self.lens.shrink_fit();
        result
    }
    /// Hands the last element to `take`, then removes it (the chunk is
    /// not empty).
    fn pop_back_with<R>(&mut self, take: impl FnOnce(&[u8]) -> R) -> R {
        let last = self.len() - 1;
        let from = self.data.len() - self.len_of(last);
        let result = take(&self.data[from..]);
        self.data.truncate(from);
        self.lens.truncate(last << self.shift);
        self.data.shrink_fit();
        self.lens.shrink_fit();
        result
    }
    /// Removes elements `a..b`.
    fn remove_range(&mut self, a: usize, b: usize) {
        let from = self.start(a);
        let to = from + self.sum(a, b);
        self.data.drain(from..to);
        self.lens.drain(a << self.shift..b << self.shift);
        self.data.shrink_fit();
        self.lens.shrink_fit();
    }
    fn replace(&mut self, i: usize, item: &[u8]) {
        self.widen_for(item.len());
        let from = self.start(i);
        let to = from + self.len_of(i);
        self.data.splice(from..to, item);
        self.data.shrink_fit();
        let w = self.width();
        let len = self.encode(item.len());
        self.lens[i * w..(i + 1) * w].copy_from_slice(&len[..w]);
    }
    /// Splits off the second half into a new chunk.
    fn split(&mut self) -> Chunk {
        let half = self.len() / 2;
        let cut = self.start(half);
        let tail = Chunk {
            data: self.data.split_off(cut),
            lens: self.lens.split_off(half << self.shift),
            shift: self.shift,
        };
        self.data.shrink_fit();
        self.lens.shrink_fit();
        tail
    }
    fn heap_bytes(&self) -> usize {
        charged(self.data.capacity()) + charged(self.lens.capacity())
    }
}

#[derive(Clone, Debug)]
pub struct ListValue {
    chunks: VecDeque<Chunk>,
    len: usize,
    /// `list-max-listpack-size` in force when elements are added.
    fill: i64,
    /// Heap bytes of the chunks' buffers, kept up to date by every change
    /// (so `heap_bytes` is O(1) for memory accounting).
    chunk_bytes: usize,
}

/// Lists are equal when their chunks are (capacities aside).
impl PartialEq for ListValue {
    fn eq(&self, other: &Self) -> bool {
        self.chunks == other.chunks && self.len == other.len && self.fill == other.fill
    }
}

impl Eq for ListValue {}

impl Default for ListValue {
    fn default() -> Self {
        ListValue {
            chunks: VecDeque::new(),
            len: 0,
            fill: -2,
            chunk_bytes: 0,
        }
    }
}

impl ListValue {
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the chunk size rule (`list-max-listpack-size`) for future adds.
    pub fn set_fill(&mut self, fill: i64) {
        self.fill = fill;
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// OBJECT ENCODING: Redis 7.0 keeps every list as a quicklist.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Whether `chunk` stays within the fill with one more element of
    /// `extra` bytes (`extra` 0: as it is). The budget holds for the data
    /// and, separately, for the length bytes, so a chunk of empty strings
    /// fills up like any other (at most 8192 of them at the default fill)
    /// while the data of ordinary elements still fills its size class.
    fn fits(&self, chunk: &Chunk, extra: Option<usize>) -> bool {
        if chunk.len() == 0 {
            return true;
        }
        let data = chunk.data.len() + extra.unwrap_or(0);
        let lens = chunk.lens.len() + usize::from(extra.is_some());
        if self.fill < 0 {
            let shift = (-self.fill - 1).clamp(0, 4) as u32;
            let budget = 4096 << shift;
            data <= budget && lens <= budget
        } else {
            chunk.len() < self.fill.max(1) as usize && data <= SIZE_SAFETY_LIMIT
        }
    }

    /// Room for one more chunk: exactly one for the first (most lists fit
    /// in one chunk), then a quarter more at a time (amortized O(1), and
    /// at most a quarter of the chunk headers spare).
    fn new_chunk_room(&mut self) {
        let n = self.chunks.len();
        if n == self.chunks.capacity() {
            self.chunks.reserve_exact((n / 4).max(1));
        }
    }

    /// Runs `change` on chunk `c`, keeping `chunk_bytes` true.
    fn edit<R>(&mut self, c: usize, change: impl FnOnce(&mut Chunk) -> R) -> R {
        let chunk = &mut self.chunks[c];
        let before = chunk.heap_bytes();
        let result = change(chunk);
        self.chunk_bytes = self.chunk_bytes - before + chunk.heap_bytes();
        result
    }

    /// Removes chunk `c`.
    fn drop_chunk(&mut self, c: usize) {
        if let Some(chunk) = self.chunks.remove(c) {
            self.chunk_bytes -= chunk.heap_bytes();
        }
        // Give back headers once fewer than half are used.
        let n = self.chunks.len();
        if self.chunks.capacity() > 2 * n + 4 {
            self.chunks.shrink_to(n + n / 4);
        }
    }

    pub fn push_front(&mut self, item: &[u8]) {
        match self.chunks.front() {
            Some(chunk) if self.fits(chunk, Some(item.len())) => {}
            _ => {
                self.new_chunk_room();
                self.chunks.push_front(Chunk::default());
            }
        }
        self.edit(0, |chunk| chunk.insert(0, item));
        self.len += 1;
    }
    pub fn push_back(&mut self, item: &[u8]) {
        match self.chunks.back() {
            Some(chunk) if self.fits(chunk, Some(item.len())) => {}
            _ => {
                self.new_chunk_room();
                self.chunks.push_back(Chunk::default());
            }
        }
        let last = self.chunks.len() - 1;
        self.edit(last, |chunk| chunk.push_back(item));
        self.len += 1;
    }
    pub fn pop_front(&mut self) -> Option<Box<[u8]>> {
        self.pop_front_with(|item| item.into())
    }
    pub fn pop_back(&mut self) -> Option<Box<[u8]>> {
        self.pop_back_with(|item| item.into())
    }
    /// Hands the first element to `take` and removes it: a reply is
    /// written from the list's own bytes, without a copy of the element
    /// (LPOP). None, without calling `take`, when the list is empty.
    pub fn pop_front_with<R>(&mut self, take: impl FnOnce(&[u8]) -> R) -> Option<R> {
        if self.chunks.is_empty() {
            return None;
        }
        let result = self.edit(0, |chunk| chunk.pop_front_with(take));
        if self.chunks[0].len() == 0 {
            self.drop_chunk(0);
        }
        self.len -= 1;
        Some(result)
    }
    /// `pop_front_with` at the tail.
    pub fn pop_back_with<R>(&mut self, take: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let c = self.chunks.len().checked_sub(1)?;
        let result = self.edit(c, |chunk| chunk.pop_back_with(take));
        if self.chunks[c].len() == 0 {
            self.drop_chunk(c);
        }
        self.len -= 1;
        Some(result)
    }

    /// (chunk, offset) of element `index` (< len), walking from the nearer end.
    fn locate(&self, index: usize) -> (usize, usize) {
        debug_assert!(index < self.len);
        if index < self.len / 2 {
            let mut rest = index;
            for (c, chunk) in self.chunks.iter().enumerate() {
                if rest < chunk.len() {
                    return (c, rest);
                }
                rest -= chunk.len();
            }
        } else {
            let mut rest = self.len - 1 - index;
            for (c, chunk) in self.chunks.iter().enumerate().rev() {
                if rest < chunk.len() {
                    return (c, chunk.len() - 1 - rest);
                }
                rest -= chunk.len();
            }
        }
        unreachable!("index {index} < len {}", self.len)
    }

    /// Element `index` (0 is the head).
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        if index >= self.len {
            return None;
        }
        let (c, i) = self.locate(index);
        Some(self.chunks[c].get(i))
    }

    /// Replaces element `index`; false if out of range.
    pub fn set(&mut self, index: usize, item: &[u8]) -> bool {
        if index >= self.len {
            return false;
        }
        let (c, i) = self.locate(index);
        self.edit(c, |chunk| chunk.replace(i, item));
        self.split_if_needed(c);
        true
    }

    /// Inserts `item` so it becomes element `index` (0..=len).
    pub fn insert(&mut self, index: usize, item: &[u8]) {
        if index == 0 {
            return self.push_front(item);
        }
        if index >= self.len {
            return self.push_back(item);
        }
        let (c, i) = self.locate(index);
        self.edit(c, |chunk| chunk.insert(i, item));
        self.len += 1;
        self.split_if_needed(c);
    }

    fn split_if_needed(&mut self, c: usize) {
        let chunk = &self.chunks[c];
        if chunk.len() > 1 && !self.fits(chunk, None) {
            let tail = self.edit(c, Chunk::split);
            self.chunk_bytes += tail.heap_bytes();
            self.chunks.insert(c + 1, tail);
        }
    }

    /// Removes element `index`.
    pub fn remove(&mut self, index: usize) -> Option<Box<[u8]>> {
        if index >= self.len {
            return None;
        }
        let (c, i) = self.locate(index);
        let item: Box<[u8]> = self.chunks[c].get(i).into();
        self.edit(c, |chunk| chunk.remove_range(i, i + 1));
        if self.chunks[c].len() == 0 {
            self.drop_chunk(c);
        }
        self.len -= 1;
        Some(item)
    }

    /// Drops `n` elements from the head.
    pub fn drain_front(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(chunk) = self.chunks.front() else {
                break;
            };
            if chunk.len() <= n {
                n -= chunk.len();
                self.drop_chunk(0);
            } else {
                self.edit(0, |chunk| chunk.remove_range(0, n));
                n = 0;
            }
        }
    }

    /// Drops `n` elements from the tail.
    pub fn drain_back(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(chunk) = self.chunks.back() else {
                break;
            };
            let (c, len) = (self.chunks.len() - 1, chunk.len());
            if len <= n {
                n -= len;
                self.drop_chunk(c);
            } else {
                self.edit(c, |chunk| chunk.remove_range(len - n, len));
                n = 0;
            }
        }
    }

    /// Removes up to `limit` elements equal to `item` (0: all), scanning
    /// from the tail when `from_tail`; returns how many went.
    pub fn remove_matching(&mut self, item: &[u8], limit: usize, from_tail: bool) -> usize {
        let mut kept = ListValue {
            fill: self.fill,
            ..ListValue::default()
        };
        let mut removed = 0;
        let mut keep = |element: &[u8], kept: &mut ListValue| {
            if element == item && (limit == 0 || removed < limit) {
                removed += 1;
            } else if from_tail {
                kept.push_front(element);
            } else {
                kept.push_back(element);
            }
        };
        if from_tail {
            self.iter().rev().for_each(|e| keep(e, &mut kept));
        } else {
            self.iter().for_each(|e| keep(e, &mut kept));
        }
        if removed > 0 {
            *self = kept;
        }
        removed
    }

    /// Head to tail.
    pub fn iter(&self) -> ListIter<'_> {
        self.range(0, self.len)
    }

    /// Elements `start..end` (clamped to the list).
    pub fn range(&self, start: usize, end: usize) -> ListIter<'_> {
        let end = end.min(self.len);
        if start >= end {
            let none = Cursor {
                chunk: &EMPTY_CHUNK,
                at: 0,
                index: 0,
                byte: 0,
            };
            return ListIter {
                list: self,
                front: none,
                back: none,
                remaining: 0,
            };
        }
        let (c, i) = self.locate(start);
        let chunk = &self.chunks[c];
        let front = Cursor {
            chunk,
            at: c,
            index: i,
            byte: chunk.start(i),
        };
        let (c, i) = self.locate(end - 1);
        let chunk = &self.chunks[c];
        let back = Cursor {
            chunk,
            at: c,
            index: i + 1,
            byte: chunk.start(i + 1),
        };
        ListIter {
            list: self,
            front,
            back,
            remaining: end - start,
        }
    }

    /// Heap bytes held, in O(1) (memory accounting, MEMORY USAGE).
    pub fn heap_bytes(&self) -> usize {
        charged(self.chunks.capacity() * std::mem::size_of::<Chunk>()) + self.chunk_bytes
    }

    /// `heap_bytes` by walking every chunk (what the counter must equal).
    #[cfg(test)]
    fn walked_heap_bytes(&self) -> usize {
        charged(self.chunks.capacity() * std::mem::size_of::<Chunk>())
            + self.chunks.iter().map(Chunk::heap_bytes).sum::<usize>()
    }
}

/// What an empty range's cursors point at.
static EMPTY_CHUNK: Chunk = Chunk {
    data: EndsBuf::new(),
    lens: EndsBuf::new(),
    shift: 0,
};

/// A position in a list: element `index` of `chunk` (the list's chunk
/// `at`), whose bytes start (from the front) or end (from the back) at
/// `byte`. A front cursor may rest one past its chunk's last element and
/// a back cursor before its first: they move on to the next chunk only
/// when another element is asked for.
#[derive(Clone, Copy, Debug)]
struct Cursor<'a> {
    chunk: &'a Chunk,
    at: usize,
    index: usize,
    byte: usize,
}

/// Iterates a range of a list from either end, each step O(1).
pub struct ListIter<'a> {
    list: &'a ListValue,
    /// The next element from the front.
    front: Cursor<'a>,
    /// One past the next element from the back.
    back: Cursor<'a>,
    remaining: usize,
}

impl<'a> ListIter<'a> {
    /// Moves the front cursor to the start of the next chunk.
    #[cold]
    fn next_chunk(&mut self) {
        let at = self.front.at + 1;
        self.front = Cursor {
            chunk: &self.list.chunks[at],
            at,
            index: 0,
            byte: 0,
        };
    }
    /// Moves the back cursor to the end of the previous chunk.
    #[cold]
    fn previous_chunk(&mut self) {
        let at = self.back.at - 1;
        let chunk = &self.list.chunks[at];
        self.back = Cursor {
            chunk,
            at,
            index: chunk.len(),
            byte: chunk.data.len(),
        };
    }
}

impl<'a> Iterator for ListIter<'a> {
    type Item = &'a [u8];
    // Always: LRANGE calls it once an element (out of line it cost a
    // third more per element than the reply's encoding).
    #[inline(always)]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        if self.front.index == self.front.chunk.len() {
            self.next_chunk();
        }
        let Cursor {
            chunk, index, byte, ..
        } = self.front;
        let end = byte + chunk.len_of(index);
        self.front.index = index + 1;
        self.front.byte = end;
        Some(&chunk.data[byte..end])
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for ListIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        if self.back.index == 0 {
            self.previous_chunk();
        }
        let Cursor {
            chunk, index, byte, ..
        } = self.back;
        let start = byte - chunk.len_of(index - 1);
        self.back.index = index - 1;
        self.back.byte = start;
        Some(&chunk.data[start..byte])
    }
}

impl ExactSizeIterator for ListIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_check(list: &ListValue, model: &VecDeque<Vec<u8>>) {
        assert_eq!(list.len(), model.len());
        let got: Vec<&[u8]> = list.iter().collect();
        let want: Vec<&[u8]> = model.iter().map(|v| v.as_slice()).collect();
        assert_eq!(got, want);
        let back: Vec<&[u8]> = list.iter().rev().collect();
        assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
        for (i, w) in want.iter().enumerate() {
            assert_eq!(list.get(i), Some(*w));
        }
        assert_eq!(list.heap_bytes(), list.walked_heap_bytes(), "byte counter");
    }

    #[test]
    fn empty_elements_fill_chunks_too() {
        // A chunk's budget is 8 KiB at the default fill, whatever its
        // elements weigh: an element costs its length byte at least.
        let mut list = ListValue::new();
        for _ in 0..100_000 {
            list.push_back(b"");
            list.push_front(b"");
        }
        let largest = list.chunks.iter().map(Chunk::len).max().unwrap();
        assert!(largest <= 8192, "a chunk holds {largest} elements");
        assert!(
            list.chunks.len() >= 200_000 / 8192,
            "{} chunks",
            list.chunks.len()
        );
        assert_eq!(list.len(), 200_000);
    }

    #[test]
    fn chunked_list_matches_a_deque() {
        // Tiny chunks (many splits and merges) and Redis's default 8 KiB
        // ones (long runs of pushes to a chunk's front: its ends' bias).
        for fill in [3, -2] {
            matches_a_deque(fill);
        }
    }

    fn matches_a_deque(fill: i64) {
        let mut list = ListValue::new();
        list.set_fill(fill);
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        let mut seed = 7u64;
        for step in 0..2000u32 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Empty elements too: a zero length must not end a walk early.
            let item = match step % 17 {
                0 => Vec::new(),
                n => format!("v{n}").into_bytes(),
            };
            let pick = (seed >> 33) % 10;
            let at = if model.is_empty() {
                0
            } else {
                (seed >> 40) as usize % model.len()
            };
            match pick {
                0 | 1 => {
                    list.push_front(&item);
                    model.push_front(item);
                }
                2 | 3 => {
                    list.push_back(&item);
                    model.push_back(item);
                }
                4 => assert_eq!(list.pop_front().map(Vec::from), model.pop_front()),
                5 => assert_eq!(list.pop_back().map(Vec::from), model.pop_back()),
                6 => {
                    list.insert(at, &item);
                    model.insert(at, item);
                }
                7 if !model.is_empty() => {
                    assert!(list.set(at, &item));
                    model[at] = item;
                }
                8 => {
                    assert_eq!(list.remove(at).map(Vec::from), model.remove(at));
                }
                _ => {
                    let n = (seed >> 20) as usize % 3;
                    list.drain_front(n);
                    list.drain_back(n);
                    for _ in 0..n {
                        model.pop_front();
                        model.pop_back();
                    }
                }
            }
            model_check(&list, &model);
        }
    }

    #[test]
    fn a_chunk_pushed_at_its_front_widens_and_splits_exactly() {
        let mut list = ListValue::new();
        list.set_fill(-5);
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        for i in 0..3000u32 {
            let item = format!("e{i}").into_bytes();
            list.push_front(&item);
            model.push_front(item);
        }
        model_check(&list, &model);
        // Past 64 KiB the chunk's ends turn four bytes wide, biased.
        let big = vec![b'x'; 60_000];
        list.insert(1500, &big);
        model.insert(1500, big);
        model_check(&list, &model);
        for _ in 0..100 {
            assert_eq!(list.pop_front().map(Vec::from), model.pop_front());
            list.push_front(b"f");
            model.push_front(b"f".to_vec());
        }
        model_check(&list, &model);
        let copy = list.clone();
        let mut rebuilt = ListValue::new();
        rebuilt.set_fill(-5);
        for item in &model {
            rebuilt.push_back(item);
        }
        assert_eq!(copy, list);
        assert_eq!(
            rebuilt.iter().collect::<Vec<_>>(),
            list.iter().collect::<Vec<_>>()
        );
    }

    #[test]
    fn huge_elements_widen_their_chunk() {
        let mut list = ListValue::new();
        list.set_fill(-5);
        let big = vec![b'x'; 70_000];
        list.push_back(b"a");
        list.push_back(&big);
        list.push_back(b"b");
        list.insert(1, b"c");
        list.set(0, &big);
        let got: Vec<usize> = list.iter().map(<[u8]>::len).collect();
        assert_eq!(got, vec![70_000, 1, 70_000, 1]);
        assert_eq!(list.get(1), Some(&b"c"[..]));
        assert_eq!(list.pop_front().map(|e| e.len()), Some(70_000));
        assert_eq!(list.pop_back().map(Vec::from), Some(b"b".to_vec()));
    }

    #[test]
    fn range_iterates_both_ways() {
        let mut list = ListValue::new();
        list.set_fill(2);
        for i in 0..9u8 {
            list.push_back(&[i]);
        }
        let fwd: Vec<u8> = list.range(2, 7).map(|e| e[0]).collect();
        assert_eq!(fwd, vec![2, 3, 4, 5, 6]);
        let back: Vec<u8> = list.range(2, 7).rev().map(|e| e[0]).collect();
        assert_eq!(back, vec![6, 5, 4, 3, 2]);
        assert_eq!(list.remove_matching(&[3], 0, false), 1);
        assert_eq!(list.len(), 8);
    }
}
