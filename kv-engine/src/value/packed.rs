//! Byte surgery the packed encodings share (list chunks, small hashes,
//! small sorted sets, intsets): replacing a range of a byte vector.

use std::ops::Range;

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
