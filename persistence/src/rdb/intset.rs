//! Intset blobs (RDB type 11): encoding width (u32 LE: 2, 4 or 8), count
//! (u32 LE), then the members, little-endian, strictly ascending.

/// The members of an intset blob, checked for width, length and order.
pub fn decode(blob: &[u8]) -> Result<Vec<i64>, String> {
    if blob.len() < 8 {
        return Err(format!("an intset of {} bytes is too short", blob.len()));
    }
    let width = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(format!("intset width {width} is not 2, 4 or 8"));
    }
    let count = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    let body = &blob[8..];
    if count.checked_mul(width) != Some(body.len()) {
        return Err(format!(
            "an intset of {count} members of {width} bytes cannot be {} bytes",
            body.len()
        ));
    }
    let mut members = Vec::with_capacity(count);
    for raw in body.chunks_exact(width) {
        let n = super::listpack::signed_le(raw);
        if members.last().is_some_and(|&prev| prev >= n) {
            return Err(format!("intset members out of order at {n}"));
        }
        members.push(n);
    }
    Ok(members)
}

/// The intset blob of `members` (ascending, distinct), at the narrowest
/// width that holds them all.
pub fn encode(members: &[i64]) -> Vec<u8> {
    debug_assert!(members.windows(2).all(|w| w[0] < w[1]));
    let width = members.iter().fold(2usize, |w, &n| {
        if i16::try_from(n).is_ok() {
            w
        } else if i32::try_from(n).is_ok() {
            w.max(4)
        } else {
            8
        }
    });
    let mut blob = Vec::with_capacity(8 + width * members.len());
    blob.extend_from_slice(&(width as u32).to_le_bytes());
    blob.extend_from_slice(&(members.len() as u32).to_le_bytes());
    for &n in members {
        blob.extend_from_slice(&n.to_le_bytes()[..width]);
    }
    blob
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_each_width() {
        for members in [
            vec![-3, 5, 700],
            vec![-3, 70_000],
            vec![i64::MIN, 0, i64::MAX],
            vec![],
        ] {
            let blob = encode(&members);
            assert_eq!(decode(&blob), Ok(members));
        }
        assert_eq!(encode(&[1, 70_000]).len(), 8 + 2 * 4);
    }

    #[test]
    fn bad_blobs_are_errors() {
        let blob = encode(&[1, 2, 3]);
        assert!(decode(&blob[..blob.len() - 1]).is_err());
        let mut unordered = blob.clone();
        unordered[8] = 9;
        assert!(decode(&unordered).unwrap_err().contains("order"));
        let mut width = blob;
        width[0] = 3;
        assert!(decode(&width).is_err());
        assert!(decode(&[2, 0, 0]).is_err());
    }
}
