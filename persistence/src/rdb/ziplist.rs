//! Ziplist, the packed form of Redis before 7.0 (RDB types 10, 12, 13 and
//! the nodes of 14): a header of total bytes (u32 LE), the offset of the
//! last entry (u32 LE) and the count (u16 LE, 65535 = unknown), entries,
//! and a 0xFF terminator. An entry is the previous entry's length (1 byte,
//! or 0xFE and a u32 LE), an encoding and the data.
//!
//! Encodings: `00xxxxxx` string up to 63 bytes; `01xxxxxx` + 1 byte: up to
//! 16383 (big-endian 14 bits); `10000000` + u32 BE: longer; `11000000`
//! int16, `11010000` int32, `11100000` int64, `11110000` int24,
//! `11111110` int8 (all LE); `1111xxxx` with xxxx in 1..=13: the integer
//! xxxx-1. Redis 7.0 never writes ziplists, and neither do we: `encode`
//! exists to make old-format data for tests and fuzzing.

use super::listpack::Item;

const HEADER: usize = 10;
const END: u8 = 0xff;

/// Calls `visit` for every element of a ziplist, in order; returns the
/// count. Checks the header, every length, every prevlen, the tail offset,
/// the count and the terminator.
pub fn for_each<'a>(
    blob: &'a [u8],
    mut visit: impl FnMut(Item<'a>) -> Result<(), String>,
) -> Result<usize, String> {
    if blob.len() < HEADER + 1 {
        return Err(format!("a ziplist of {} bytes is too short", blob.len()));
    }
    let u32_at =
        |at: usize| u32::from_le_bytes([blob[at], blob[at + 1], blob[at + 2], blob[at + 3]]);
    let total = u32_at(0) as usize;
    if total != blob.len() {
        return Err(format!(
            "the ziplist header says {total} bytes, the blob has {}",
            blob.len()
        ));
    }
    let tail = u32_at(4) as usize;
    let declared = u16::from_le_bytes([blob[8], blob[9]]);
    let last = blob.len() - 1;
    let mut at = HEADER;
    let mut previous_len = 0usize;
    let mut last_entry = HEADER;
    let mut count = 0usize;
    while at < last {
        let start = at;
        let need = |from: usize, n: usize| -> Result<&'a [u8], String> {
            blob.get(from..from + n)
                .filter(|_| from + n <= last)
                .ok_or_else(|| format!("ziplist entry at byte {start} runs past the end"))
        };
        let (prevlen, header) = match blob[at] {
            0xfe => {
                let raw = need(at + 1, 4)?;
                (
                    u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize,
                    5,
                )
            }
            END => return Err(format!("a prevlen of 0xFF at byte {at}")),
            n => (usize::from(n), 1),
        };
        if prevlen != previous_len {
            return Err(format!(
                "ziplist entry at byte {start} says the previous entry is {prevlen} bytes, it is {previous_len}"
            ));
        }
        at += header;
        let encoding = blob[at];
        let (item, len) = match encoding >> 6 {
            0 => {
                let n = usize::from(encoding & 0x3f);
                (Item::Str(need(at + 1, n)?), 1 + n)
            }
            1 => {
                let next = need(at + 1, 1)?[0];
                let n = usize::from(encoding & 0x3f) << 8 | usize::from(next);
                (Item::Str(need(at + 2, n)?), 2 + n)
            }
            2 => {
                if encoding != 0x80 {
                    return Err(format!(
                        "unknown ziplist string encoding {encoding:#04x} at byte {at}"
                    ));
                }
                let raw = need(at + 1, 4)?;
                let n = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
                (Item::Str(need(at + 5, n)?), 5 + n)
            }
            _ => match encoding {
                0xc0 => {
                    let raw = need(at + 1, 2)?;
                    (
                        Item::Int(i64::from(i16::from_le_bytes([raw[0], raw[1]]))),
                        3,
                    )
                }
                0xd0 => {
                    let raw = need(at + 1, 4)?;
                    (
                        Item::Int(i64::from(i32::from_le_bytes([
                            raw[0], raw[1], raw[2], raw[3],
                        ]))),
                        5,
                    )
                }
                0xe0 => {
                    let raw = need(at + 1, 8)?;
                    let mut eight = [0u8; 8];
                    eight.copy_from_slice(raw);
                    (Item::Int(i64::from_le_bytes(eight)), 9)
                }
                0xf0 => {
                    let raw = need(at + 1, 3)?;
                    let v = i32::from_le_bytes([0, raw[0], raw[1], raw[2]]) >> 8;
                    (Item::Int(i64::from(v)), 4)
                }
                0xfe => (Item::Int(i64::from(need(at + 1, 1)?[0] as i8)), 2),
                0xf1..=0xfd => (Item::Int(i64::from(encoding & 0x0f) - 1), 1),
                other => {
                    return Err(format!(
                        "unknown ziplist entry encoding {other:#04x} at byte {at}"
                    ))
                }
            },
        };
        visit(item)?;
        count += 1;
        last_entry = start;
        previous_len = header + len;
        at += len;
    }
    if at != last || blob[last] != END {
        return Err("the ziplist does not end with 0xFF".into());
    }
    let expected_tail = if count == 0 { HEADER } else { last_entry };
    if tail != expected_tail {
        return Err(format!(
            "the ziplist header puts the last entry at byte {tail}, it is at {expected_tail}"
        ));
    }
    if declared != u16::MAX && usize::from(declared) != count {
        return Err(format!(
            "the ziplist header counts {declared} elements, it holds {count}"
        ));
    }
    Ok(count)
}

/// A ziplist of `items`: canonical integers in the narrowest integer
/// encoding (0..=12 inside the encoding byte), other strings as strings.
pub fn encode(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut previous = 0usize;
    let mut tail = HEADER;
    for item in items {
        tail = HEADER + body.len();
        let mut entry = Vec::new();
        if previous < 254 {
            entry.push(previous as u8);
        } else {
            entry.push(0xfe);
            entry.extend_from_slice(&(previous as u32).to_le_bytes());
        }
        match kv_engine::value::string::parse_canonical_i64(item) {
            Some(n @ 0..=12) => entry.push(0xf1 + n as u8),
            Some(n) if i8::try_from(n).is_ok() => entry.extend_from_slice(&[0xfe, n as u8]),
            Some(n) if i16::try_from(n).is_ok() => {
                entry.push(0xc0);
                entry.extend_from_slice(&(n as i16).to_le_bytes());
            }
            Some(n) if (-(1 << 23)..1 << 23).contains(&n) => {
                entry.push(0xf0);
                entry.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
            }
            Some(n) if i32::try_from(n).is_ok() => {
                entry.push(0xd0);
                entry.extend_from_slice(&(n as i32).to_le_bytes());
            }
            Some(n) => {
                entry.push(0xe0);
                entry.extend_from_slice(&n.to_le_bytes());
            }
            None => {
                let n = item.len();
                if n < 64 {
                    entry.push(n as u8);
                } else if n < 16384 {
                    entry.push(0x40 | (n >> 8) as u8);
                    entry.push(n as u8);
                } else {
                    entry.push(0x80);
                    entry.extend_from_slice(&(n as u32).to_be_bytes());
                }
                entry.extend_from_slice(item);
            }
        }
        previous = entry.len();
        body.extend_from_slice(&entry);
    }
    let mut blob = Vec::with_capacity(HEADER + body.len() + 1);
    blob.extend_from_slice(&((HEADER + body.len() + 1) as u32).to_le_bytes());
    blob.extend_from_slice(&(tail as u32).to_le_bytes());
    let count = u16::try_from(items.len()).unwrap_or(u16::MAX);
    blob.extend_from_slice(&count.to_le_bytes());
    blob.extend_from_slice(&body);
    blob.push(END);
    blob
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(blob: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        crate::rdb::listpack::tests::collect(blob, |b, visit| for_each(b, visit))
    }

    #[test]
    fn every_encoding_round_trips() {
        let long = vec![b'z'; 300];
        let huge = vec![b'h'; 20_000];
        let values: Vec<Vec<u8>> = [
            "abc",
            "0",
            "12",
            "13",
            "-1",
            "-128",
            "127",
            "128",
            "-32768",
            "32767",
            "40000",
            "-8388608",
            "8388607",
            "8388608",
            "-2147483648",
            "2147483647",
            "2147483648",
            "-9223372036854775808",
            "9223372036854775807",
            "",
            "007",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([long, huge])
        .collect();
        let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
        let blob = encode(&refs);
        assert_eq!(items(&blob).unwrap(), values);
        // After the 303-byte entry of `long`, the prevlen takes five bytes.
        assert!(blob
            .windows(5)
            .any(|w| w[0] == 0xfe && w[1..] == 303u32.to_le_bytes()));
        assert_eq!(items(&encode(&[])).unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn corruption_is_reported() {
        let blob = encode(&[b"abc", b"de"]);
        let mut bad_prev = blob.clone();
        bad_prev[HEADER + 5] = 9;
        assert!(items(&bad_prev).unwrap_err().contains("previous entry"));
        let mut bad_tail = blob.clone();
        bad_tail[4] = 11;
        assert!(items(&bad_tail).unwrap_err().contains("last entry"));
        let mut bad_count = blob.clone();
        bad_count[8] = 7;
        assert!(items(&bad_count).unwrap_err().contains("counts 7"));
        assert!(items(&blob[..blob.len() - 1]).is_err());
        let mut long_string = blob;
        long_string[HEADER + 1] = 60;
        assert!(items(&long_string).is_err());
    }
}
