//! Zipmap blobs (RDB type 9, Redis before 2.6): a count byte (254 or more:
//! unknown), then `len key len free value <free bytes>` per entry, and a
//! 0xFF terminator. A length is one byte below 254, or 254 and a u32 LE.

/// A field and its value.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

/// The field/value pairs of a zipmap blob, in order.
pub fn decode(blob: &[u8]) -> Result<Vec<Pair<'_>>, String> {
    let Some(&declared) = blob.first() else {
        return Err("an empty zipmap".into());
    };
    let mut at = 1;
    let length = |at: &mut usize| -> Result<Option<usize>, String> {
        match blob.get(*at) {
            None => Err("the zipmap ends inside an entry".into()),
            Some(0xff) => Ok(None),
            Some(254) => {
                let raw = blob
                    .get(*at + 1..*at + 5)
                    .ok_or_else(|| "the zipmap ends inside a length".to_string())?;
                *at += 5;
                Ok(Some(
                    u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize
                ))
            }
            Some(&n) => {
                *at += 1;
                Ok(Some(usize::from(n)))
            }
        }
    };
    let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
        let data = blob
            .get(*at..at.saturating_add(n))
            .ok_or_else(|| "a zipmap entry runs past the end".to_string())?;
        *at += n;
        Ok(data)
    };
    let mut pairs = Vec::new();
    while let Some(key_len) = length(&mut at)? {
        let key = take(&mut at, key_len)?;
        let value_len =
            length(&mut at)?.ok_or_else(|| "a zipmap key without a value".to_string())?;
        let free = usize::from(*take(&mut at, 1)?.first().unwrap_or(&0));
        let value = take(&mut at, value_len)?;
        take(&mut at, free)?;
        pairs.push((key, value));
    }
    if at + 1 != blob.len() {
        return Err("bytes after the zipmap's end".into());
    }
    if declared < 254 && usize::from(declared) != pairs.len() {
        return Err(format!(
            "the zipmap counts {declared} entries, it holds {}",
            pairs.len()
        ));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_with_free_space_and_long_lengths() {
        let mut blob = vec![2, 3, b'f', b'o', b'o', 3, 2, b'b', b'a', b'r', 0, 0];
        let long = vec![b'v'; 300];
        blob.extend_from_slice(&[1, b'k', 254]);
        blob.extend_from_slice(&300u32.to_le_bytes());
        blob.push(0);
        blob.extend_from_slice(&long);
        blob.push(0xff);
        let pairs = decode(&blob).unwrap();
        assert_eq!(
            pairs,
            vec![(&b"foo"[..], &b"bar"[..]), (&b"k"[..], &long[..])]
        );
        assert!(decode(&blob[..blob.len() - 1]).is_err());
        let mut miscounted = blob.clone();
        miscounted[0] = 5;
        assert!(decode(&miscounted).is_err());
    }
}
