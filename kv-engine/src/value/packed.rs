//! Byte surgery the packed encodings share (list chunks, small hashes,
//! small sorted sets, intsets): replacing a range of a byte vector, and
//! sizing their buffers to the allocator's size classes.
//!
//! A packed buffer grows to the end of the size class its new length falls
//! in (`reserve_fit`): the allocator charges the whole class anyway, so the
//! capacity costs nothing over an exact fit (what Redis's listpacks, which
//! are reallocated to their exact length on every change, are charged),
//! and the classes step by at most a quarter, so growth stays amortized
//! O(1). After removals a buffer gives back whole classes (`shrink_fit`)
//! once it has more than a quarter to spare, so alternating pushes and pops
//! at a class boundary do not reallocate each time.

use crate::memory::charged;
use std::mem::size_of;
use std::ops::Range;

/// The capacity (in `T`s) that fills the size class of `len` `T`s.
pub(crate) fn class_capacity<T>(len: usize) -> usize {
    let size = size_of::<T>().max(1);
    charged(len * size) / size
}

/// Makes room for `extra` more `T`s: when they do not fit, grows to the
/// end of the size class the new length falls in.
pub(crate) fn reserve_fit<T>(buf: &mut Vec<T>, extra: usize) {
    let needed = buf.len() + extra;
    if needed > buf.capacity() {
        let capacity = class_capacity::<T>(needed);
        debug_assert!(capacity >= needed, "a size class holds its length");
        buf.reserve_exact(capacity - buf.len());
    }
}

/// Gives back spare capacity once more than a quarter of the buffer is
/// spare, keeping the size class of the length.
#[inline]
pub(crate) fn shrink_fit<T>(buf: &mut Vec<T>) {
    let len = buf.len();
    // Within a quarter of the length spare: nothing to give back (the
    // common case after a pop, checked without working out classes).
    if buf.capacity() - len > len / 4 && buf.capacity() > class_capacity::<T>(len + len / 4) {
        buf.shrink_to(class_capacity::<T>(len));
    }
}

/// Replaces `data[range]` with `item`: one move of the tail and one copy.
/// `Vec::splice` does the same through its generic iterator machinery,
/// which cost several times the move itself on every LPUSH into a chunk.
/// Grows within the capacity the caller reserved, as `splice` would.
pub(crate) fn splice_bytes(data: &mut Vec<u8>, range: Range<usize>, item: &[u8]) {
    let Range { start, end } = range;
    assert!(start <= end && end <= data.len(), "range out of bounds");
    let len = data.len();
    let removed = end - start;
    if item.len() >= removed {
        let grow = item.len() - removed;
        data.resize(len + grow, 0);
        data.copy_within(end..len, end + grow);
    } else {
        let shrink = removed - item.len();
        data.copy_within(end..len, end - shrink);
        data.truncate(len - shrink);
    }
    data[start..start + item.len()].copy_from_slice(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_fill_their_size_class_and_give_back_spare_ones() {
        let mut buf: Vec<u8> = Vec::new();
        for n in 1..=10_000usize {
            reserve_fit(&mut buf, 1);
            buf.push(0);
            // Never more than the class of the length: what an exact fit costs.
            assert_eq!(charged(buf.capacity()), charged(n), "len {n}");
        }
        let mut ends: Vec<u16> = Vec::new();
        reserve_fit(&mut ends, 100);
        assert_eq!(ends.capacity(), 112, "224 bytes: the class of 200");
        buf.truncate(9_000);
        shrink_fit(&mut buf);
        assert_eq!(buf.capacity(), 10_240, "a tenth spare: kept");
        buf.truncate(1_000);
        shrink_fit(&mut buf);
        assert_eq!(buf.capacity(), 1_024, "shrunk to the class of 1000");
        buf.clear();
        shrink_fit(&mut buf);
        assert_eq!(buf.capacity(), 0);
    }

    #[test]
    fn splice_bytes_matches_vec_splice() {
        let cases: &[(&[u8], Range<usize>, &[u8])] = &[
            (b"abcdef", 0..0, b"XY"),
            (b"abcdef", 6..6, b"XY"),
            (b"abcdef", 2..2, b"XYZ"),
            (b"abcdef", 1..3, b"XYZW"),
            (b"abcdef", 1..5, b"X"),
            (b"abcdef", 0..6, b""),
            (b"abcdef", 2..4, b"XY"),
            (b"", 0..0, b"abc"),
        ];
        for (data, range, item) in cases {
            let mut expected = data.to_vec();
            expected.splice(range.clone(), item.iter().copied());
            let mut got = data.to_vec();
            splice_bytes(&mut got, range.clone(), item);
            assert_eq!(got, expected, "{data:?} {range:?} {item:?}");
        }
    }
}
