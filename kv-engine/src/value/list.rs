//! The list type: a deque of packed chunks, Redis's quicklist idea. Each
//! chunk holds its elements' bytes back to back plus their end offsets, so
//! an element costs its length plus 2 bytes (about what Redis's listpack
//! spends); chunks are sized by `list-max-listpack-size` (negative: a byte
//! budget, positive: a count).
//! Pushes and pops at either end are O(1) chunk operations; indexing walks
//! chunks from the nearer end, as Redis does.

use super::packed::splice_bytes;
use crate::memory::charged;
use std::collections::VecDeque;

/// Redis's hard cap on a node's bytes when the fill is a count.
const SIZE_SAFETY_LIMIT: usize = 8192;

/// End offsets of a chunk's elements: two bytes each while the chunk's
/// bytes fit in u16 (always, at the default sizes), four beyond.
///
/// Each end is stored minus `bias`, in wrapping arithmetic (an end is
/// always below 2^16 while narrow, so the stored value mod 2^16 plus the
/// bias gives it back exactly): shifting every end, which each push to
/// the front of a chunk does, is one addition to the bias instead of a
/// pass over up to a few thousand ends.
#[derive(Clone, Debug, Default)]
struct Ends {
    offsets: Offsets,
    bias: u32,
}

#[derive(Clone, Debug)]
enum Offsets {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Default for Offsets {
    fn default() -> Self {
        Offsets::Narrow(Vec::new())
    }
}

/// Equal when they hold the same ends, whatever their bias or width.
impl PartialEq for Ends {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|i| self.get(i) == other.get(i))
    }
}

impl Eq for Ends {}

impl Ends {
    fn len(&self) -> usize {
        match &self.offsets {
            Offsets::Narrow(v) => v.len(),
            Offsets::Wide(v) => v.len(),
        }
    }
    fn get(&self, i: usize) -> usize {
        match &self.offsets {
            Offsets::Narrow(v) => usize::from(v[i].wrapping_add(self.bias as u16)),
            Offsets::Wide(v) => v[i].wrapping_add(self.bias) as usize,
        }
    }
    /// Makes room for offsets up to `max`.
    fn widen_for(&mut self, max: usize) {
        if let Offsets::Narrow(v) = &self.offsets {
            if max > usize::from(u16::MAX) {
                let bias = self.bias as u16;
                let wide = v.iter().map(|&e| u32::from(e.wrapping_add(bias))).collect();
                self.offsets = Offsets::Wide(wide);
                self.bias = 0;
            }
        }
    }
    fn insert(&mut self, i: usize, end: usize) {
        // Grow by a quarter, not double: these vectors are most of a
        // small list's overhead.
        fn room<T>(v: &mut Vec<T>) {
            if v.len() == v.capacity() {
                v.reserve_exact((v.len() / 4).max(4));
            }
        }
        let stored = (end as u32).wrapping_sub(self.bias);
        match &mut self.offsets {
            Offsets::Narrow(v) => {
                debug_assert!(end <= usize::from(u16::MAX), "widen_for first");
                room(v);
                v.insert(i, stored as u16);
            }
            Offsets::Wide(v) => {
                room(v);
                v.insert(i, stored);
            }
        }
    }
    fn drain(&mut self, a: usize, b: usize) {
        match &mut self.offsets {
            Offsets::Narrow(v) => {
                v.drain(a..b);
            }
            Offsets::Wide(v) => {
                v.drain(a..b);
            }
        }
    }
    /// Adds `delta` to every end from `i` on (all of them: the bias).
    fn shift(&mut self, i: usize, delta: isize) {
        let delta = delta as i64 as u32;
        if i == 0 {
            self.bias = self.bias.wrapping_add(delta);
            return;
        }
        match &mut self.offsets {
            Offsets::Narrow(v) => v[i..]
                .iter_mut()
                .for_each(|e| *e = e.wrapping_add(delta as u16)),
            Offsets::Wide(v) => v[i..].iter_mut().for_each(|e| *e = e.wrapping_add(delta)),
        }
    }
    /// Splits off the ends from `at`, rebased to start at `base`.
    fn split_off(&mut self, at: usize, base: usize) -> Ends {
        let offsets = match &mut self.offsets {
            Offsets::Narrow(v) => Offsets::Narrow(v.split_off(at)),
            Offsets::Wide(v) => Offsets::Wide(v.split_off(at)),
        };
        let mut tail = Ends {
            offsets,
            bias: self.bias,
        };
        tail.shift(0, -(base as isize));
        tail
    }
    fn shrink_to_fit(&mut self) {
        match &mut self.offsets {
            Offsets::Narrow(v) => v.shrink_to_fit(),
            Offsets::Wide(v) => v.shrink_to_fit(),
        }
    }
    fn heap_bytes(&self) -> usize {
        match &self.offsets {
            Offsets::Narrow(v) => 2 * v.capacity(),
            Offsets::Wide(v) => 4 * v.capacity(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Chunk {
    data: Vec<u8>,
    /// `ends.get(i)` is where element i's bytes end in `data`.
    ends: Ends,
}

impl Chunk {
    fn len(&self) -> usize {
        self.ends.len()
    }
    fn start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.ends.get(i - 1)
        }
    }
    fn get(&self, i: usize) -> &[u8] {
        &self.data[self.start(i)..self.ends.get(i)]
    }
    /// Grows `data` by at most a quarter at a time, so a chunk's slack
    /// stays small (chunks are bounded, so this stays amortized O(1)).
    fn reserve(&mut self, extra: usize) {
        let needed = self.data.len() + extra;
        if needed > self.data.capacity() {
            let grow = (needed - self.data.len()).max(self.data.len() / 4).max(16);
            self.data.reserve_exact(grow);
        }
    }
    fn insert(&mut self, i: usize, item: &[u8]) {
        let at = self.start(i);
        self.reserve(item.len());
        self.ends.widen_for(self.data.len() + item.len());
        splice_bytes(&mut self.data, at..at, item);
        self.ends.shift(i, item.len() as isize);
        self.ends.insert(i, at + item.len());
    }
    /// Removes elements `a..b`.
    fn remove_range(&mut self, a: usize, b: usize) {
        let (from, to) = (self.start(a), self.start(b));
        self.data.drain(from..to);
        self.ends.drain(a, b);
        self.ends.shift(a, -((to - from) as isize));
    }
    fn replace(&mut self, i: usize, item: &[u8]) {
        let (from, to) = (self.start(i), self.ends.get(i));
        self.reserve(item.len().saturating_sub(to - from));
        self.ends
            .widen_for(self.data.len() + item.len().saturating_sub(to - from));
        splice_bytes(&mut self.data, from..to, item);
        self.ends
            .shift(i, item.len() as isize - (to - from) as isize);
    }
    /// Splits off the second half into a new chunk.
    fn split(&mut self) -> Chunk {
        let half = self.len() / 2;
        let cut = self.start(half);
        let data = self.data.split_off(cut);
        let ends = self.ends.split_off(half, cut);
        Chunk { data, ends }
    }
    /// Drops spare capacity once no more pushes are expected here.
    fn seal(&mut self) {
        self.data.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
    fn heap_bytes(&self) -> usize {
        charged(self.data.capacity()) + charged(self.ends.heap_bytes())
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

    fn fits(&self, chunk: &Chunk, extra: usize) -> bool {
        if chunk.len() == 0 {
            return true;
        }
        let bytes = chunk.data.len() + extra;
        if self.fill < 0 {
            let shift = (-self.fill - 1).clamp(0, 4) as u32;
            bytes <= 4096 << shift
        } else {
            chunk.len() < self.fill.max(1) as usize && bytes <= SIZE_SAFETY_LIMIT
        }
    }

    /// Room for one more chunk: exactly one for the first (most lists fit
    /// in one chunk), then the deque's usual doubling.
    fn new_chunk_room(&mut self) {
        if self.chunks.capacity() == 0 {
            self.chunks.reserve_exact(1);
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
    }

    pub fn push_front(&mut self, item: &[u8]) {
        match self.chunks.front() {
            Some(chunk) if self.fits(chunk, item.len()) => {}
            _ => {
                if !self.chunks.is_empty() {
                    self.edit(0, Chunk::seal);
                }
                self.new_chunk_room();
                self.chunks.push_front(Chunk::default());
            }
        }
        self.edit(0, |chunk| chunk.insert(0, item));
        self.len += 1;
    }
    pub fn push_back(&mut self, item: &[u8]) {
        match self.chunks.back() {
            Some(chunk) if self.fits(chunk, item.len()) => {}
            _ => {
                if let Some(last) = self.chunks.len().checked_sub(1) {
                    self.edit(last, Chunk::seal);
                }
                self.new_chunk_room();
                self.chunks.push_back(Chunk::default());
            }
        }
        let last = self.chunks.len() - 1;
        self.edit(last, |chunk| chunk.insert(chunk.len(), item));
        self.len += 1;
    }
    pub fn pop_front(&mut self) -> Option<Box<[u8]>> {
        if self.chunks.is_empty() {
            return None;
        }
        let item = self.edit(0, |chunk| {
            let item: Box<[u8]> = chunk.get(0).into();
            chunk.remove_range(0, 1);
            item
        });
        if self.chunks[0].len() == 0 {
            self.drop_chunk(0);
        }
        self.len -= 1;
        Some(item)
    }
    pub fn pop_back(&mut self) -> Option<Box<[u8]>> {
        let c = self.chunks.len().checked_sub(1)?;
        let item = self.edit(c, |chunk| {
            let last = chunk.len() - 1;
            let item: Box<[u8]> = chunk.get(last).into();
            chunk.remove_range(last, last + 1);
            item
        });
        if self.chunks[c].len() == 0 {
            self.drop_chunk(c);
        }
        self.len -= 1;
        Some(item)
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
        if chunk.len() > 1 && !self.fits(chunk, 0) {
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
            return ListIter {
                list: self,
                front: (0, 0),
                back: (0, 0),
                remaining: 0,
            };
        }
        let front = self.locate(start);
        let (c, i) = self.locate(end - 1);
        ListIter {
            list: self,
            front,
            back: (c, i + 1),
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

/// Iterates a range of a list from either end.
pub struct ListIter<'a> {
    list: &'a ListValue,
    /// Next element from the front: (chunk, offset).
    front: (usize, usize),
    /// One past the next element from the back: (chunk, offset).
    back: (usize, usize),
    remaining: usize,
}

impl<'a> Iterator for ListIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        let chunk = &self.list.chunks[self.front.0];
        let item = chunk.get(self.front.1);
        self.front.1 += 1;
        if self.front.1 == chunk.len() {
            self.front = (self.front.0 + 1, 0);
        }
        self.remaining -= 1;
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for ListIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        if self.back.1 == 0 {
            self.back.0 -= 1;
            self.back.1 = self.list.chunks[self.back.0].len();
        }
        self.back.1 -= 1;
        self.remaining -= 1;
        Some(self.list.chunks[self.back.0].get(self.back.1))
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
            let item = format!("v{}", step % 17).into_bytes();
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
