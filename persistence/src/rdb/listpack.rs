//! Listpack, the packed form Redis 7.0 stores small hashes, sorted sets and
//! list nodes in (RDB types 16, 17, 18's nodes, and 7.2's sets): a header
//! of total bytes (u32 LE) and element count (u16 LE, 65535 = unknown),
//! entries, and a 0xFF terminator. An entry is its encoding and data, then
//! a "backlen" (the length of encoding+data, 7 bits a byte, the most
//! significant group first, every byte but the first with its top bit
//! set) that lets Redis walk backwards.
//!
//! Entry encodings: `0xxxxxxx` 7-bit unsigned; `10xxxxxx` string up to 63
//! bytes; `110xxxxx` + 1 byte: 13-bit signed; `1110xxxx` + 1 byte: string
//! up to 4095 bytes; `11110000` + u32 LE: longer string; `11110001..0100`:
//! 16/24/32/64-bit signed LE integers.
//!
//! The reader validates everything (header, every length, every backlen,
//! the count, the terminator); the writer encodes canonical integers as
//! integers in the narrowest form, as Redis does.

use kv_engine::value::string::parse_canonical_i64;

const HEADER: usize = 6;
const END: u8 = 0xff;
/// The count field's "too many to count" value.
const COUNT_UNKNOWN: u16 = u16::MAX;

/// One element of a packed blob: a string or an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl<'a> Item<'a> {
    /// The element's bytes (integers in decimal, formatted into `scratch`).
    pub fn bytes<'s>(&self, scratch: &'s mut [u8; 20]) -> &'s [u8]
    where
        'a: 's,
    {
        match *self {
            Item::Str(s) => s,
            Item::Int(n) => resp_codec::encode::format_i64(scratch, n),
        }
    }

    /// The element as a sorted-set score.
    pub fn score(&self) -> Result<f64, String> {
        match *self {
            Item::Int(n) => Ok(n as f64),
            Item::Str(s) => parse_score(s),
        }
    }
}

/// Parses a score written as text (strtod's forms: decimals, exponents,
/// `inf`); NaN is refused, as no sorted set may hold it.
pub fn parse_score(text: &[u8]) -> Result<f64, String> {
    let parsed = std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<f64>().ok());
    match parsed {
        Some(score) if !score.is_nan() => Ok(score),
        _ => Err(format!(
            "score {:?} is not a number",
            String::from_utf8_lossy(&text[..text.len().min(40)])
        )),
    }
}

/// Bytes a backlen takes for an entry of `len` bytes.
fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

fn put_backlen(out: &mut Vec<u8>, len: usize) {
    let size = backlen_size(len);
    for i in (0..size).rev() {
        let group = ((len >> (7 * i)) & 0x7f) as u8;
        out.push(if i == size - 1 { group } else { group | 0x80 });
    }
}

/// Reads 1 to 8 little-endian bytes as a signed integer.
pub fn signed_le(bytes: &[u8]) -> i64 {
    let mut raw = [0u8; 8];
    raw[..bytes.len()].copy_from_slice(bytes);
    let bits = 64 - 8 * bytes.len() as u32;
    (i64::from_le_bytes(raw) << bits) >> bits
}

/// Calls `visit` for every element of a listpack, in order; returns the
/// count. Any inconsistency is an error naming the byte.
pub fn for_each<'a>(
    blob: &'a [u8],
    mut visit: impl FnMut(Item<'a>) -> Result<(), String>,
) -> Result<usize, String> {
    if blob.len() < HEADER + 1 {
        return Err(format!("a listpack of {} bytes is too short", blob.len()));
    }
    let total = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if total != blob.len() {
        return Err(format!(
            "the listpack header says {total} bytes, the blob has {}",
            blob.len()
        ));
    }
    let declared = u16::from_le_bytes([blob[4], blob[5]]);
    let last = blob.len() - 1;
    let mut at = HEADER;
    let mut count = 0usize;
    while at < last {
        let start = at;
        let need = |n: usize| -> Result<&'a [u8], String> {
            blob.get(start..start + n)
                .filter(|_| start + n <= last)
                .ok_or_else(|| format!("listpack entry at byte {start} runs past the end"))
        };
        let first = blob[at];
        let (item, len) = if first & 0x80 == 0 {
            (Item::Int(i64::from(first)), 1)
        } else if first & 0xc0 == 0x80 {
            let n = usize::from(first & 0x3f);
            let raw = need(1 + n)?;
            (Item::Str(&raw[1..]), 1 + n)
        } else if first & 0xe0 == 0xc0 {
            let raw = need(2)?;
            let v = i64::from(first & 0x1f) << 8 | i64::from(raw[1]);
            (Item::Int((v << 51) >> 51), 2)
        } else if first & 0xf0 == 0xe0 {
            let raw = need(2)?;
            let n = usize::from(first & 0x0f) << 8 | usize::from(raw[1]);
            let raw = need(2 + n)?;
            (Item::Str(&raw[2..]), 2 + n)
        } else {
            match first {
                0xf0 => {
                    let raw = need(5)?;
                    let n = u32::from_le_bytes([raw[1], raw[2], raw[3], raw[4]]) as usize;
                    let raw = need(5usize.saturating_add(n))?;
                    (Item::Str(&raw[5..]), 5 + n)
                }
                0xf1 => (Item::Int(signed_le(&need(3)?[1..])), 3),
                0xf2 => (Item::Int(signed_le(&need(4)?[1..])), 4),
                0xf3 => (Item::Int(signed_le(&need(5)?[1..])), 5),
                0xf4 => (Item::Int(signed_le(&need(9)?[1..])), 9),
                other => {
                    return Err(format!(
                        "unknown listpack entry encoding {other:#04x} at byte {start}"
                    ))
                }
            }
        };
        let back = backlen_size(len);
        let end = start + len + back;
        if end > last {
            return Err(format!("listpack entry at byte {start} runs past the end"));
        }
        let mut expected = Vec::with_capacity(5);
        put_backlen(&mut expected, len);
        if blob[start + len..end] != expected[..] {
            return Err(format!("bad listpack backlen at byte {}", start + len));
        }
        visit(item)?;
        count += 1;
        at = end;
    }
    if blob[last] != END {
        return Err("the listpack does not end with 0xFF".into());
    }
    if declared != COUNT_UNKNOWN && usize::from(declared) != count {
        return Err(format!(
            "the listpack header counts {declared} elements, it holds {count}"
        ));
    }
    Ok(count)
}

/// Builds a listpack, element by element.
#[derive(Debug)]
pub struct ListpackWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ListpackWriter {
    pub fn new() -> Self {
        ListpackWriter {
            buf: vec![0; HEADER],
            count: 0,
        }
    }

    /// Bytes of the finished listpack if nothing more were added.
    pub fn len(&self) -> usize {
        self.buf.len() + 1
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes an element would add.
    pub fn entry_size(item: &[u8]) -> usize {
        let len = match parse_canonical_i64(item) {
            Some(n) => int_len(n),
            None => string_header(item.len()) + item.len(),
        };
        len + backlen_size(len)
    }

    /// Appends an element; canonical integers are stored as integers.
    pub fn push(&mut self, item: &[u8]) {
        match parse_canonical_i64(item) {
            Some(n) => self.push_int(n),
            None => self.push_str(item),
        }
    }

    pub fn push_int(&mut self, n: i64) {
        let start = self.buf.len();
        match int_len(n) {
            1 => self.buf.push(n as u8),
            2 => {
                let v = (n as u16) & 0x1fff;
                self.buf.push(0xc0 | (v >> 8) as u8);
                self.buf.push(v as u8);
            }
            3 => {
                self.buf.push(0xf1);
                self.buf.extend_from_slice(&(n as i16).to_le_bytes());
            }
            4 => {
                self.buf.push(0xf2);
                self.buf.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
            }
            5 => {
                self.buf.push(0xf3);
                self.buf.extend_from_slice(&(n as i32).to_le_bytes());
            }
            _ => {
                self.buf.push(0xf4);
                self.buf.extend_from_slice(&n.to_le_bytes());
            }
        }
        let len = self.buf.len() - start;
        put_backlen(&mut self.buf, len);
        self.count += 1;
    }

    fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let n = s.len();
        match string_header(n) {
            1 => self.buf.push(0x80 | n as u8),
            2 => {
                self.buf.push(0xe0 | (n >> 8) as u8);
                self.buf.push(n as u8);
            }
            _ => {
                self.buf.push(0xf0);
                self.buf.extend_from_slice(&(n as u32).to_le_bytes());
            }
        }
        self.buf.extend_from_slice(s);
        let len = self.buf.len() - start;
        put_backlen(&mut self.buf, len);
        self.count += 1;
    }

    /// The finished listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(END);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = u16::try_from(self.count)
            .ok()
            .filter(|&c| c != COUNT_UNKNOWN)
            .unwrap_or(COUNT_UNKNOWN);
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// Bytes of an integer entry's encoding and data.
fn int_len(n: i64) -> usize {
    match n {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    }
}

/// Bytes of a string entry's header.
fn string_header(len: usize) -> usize {
    match len {
        0..=63 => 1,
        64..=4095 => 2,
        _ => 5,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every element of a packed blob as bytes, through `walk` (this
    /// module's `for_each` or the ziplist's).
    pub(crate) fn collect<'a>(
        blob: &'a [u8],
        walk: impl FnOnce(
            &'a [u8],
            &mut dyn FnMut(Item<'a>) -> Result<(), String>,
        ) -> Result<usize, String>,
    ) -> Result<Vec<Vec<u8>>, String> {
        let mut out = Vec::new();
        walk(blob, &mut |item| {
            let mut scratch = [0u8; 20];
            out.push(item.bytes(&mut scratch).to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    fn items(blob: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        collect(blob, |b, visit| for_each(b, visit))
    }

    #[test]
    fn every_encoding_round_trips() {
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let values: Vec<Vec<u8>> = [
            "0",
            "127",
            "128",
            "-1",
            "-4096",
            "4095",
            "4096",
            "-32768",
            "32767",
            "40000",
            "-8388608",
            "8388607",
            "8388608",
            "2147483647",
            "-2147483649",
            "9223372036854775807",
            "-9223372036854775808",
            "",
            "a",
            "007",
            "-0",
            "1.5",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([long, mid])
        .collect();
        let mut writer = ListpackWriter::new();
        let mut predicted = writer.len();
        for v in &values {
            predicted += ListpackWriter::entry_size(v);
            writer.push(v);
        }
        assert_eq!(writer.len(), predicted);
        let blob = writer.finish();
        assert_eq!(blob.len(), predicted);
        assert_eq!(items(&blob).unwrap(), values);
    }

    #[test]
    fn a_hand_assembled_blob_reads() {
        // a -> 1, bb -> 300: a 6-bit string, a 7-bit int, a 13-bit int.
        let blob = [
            0x16, 0, 0, 0, 4, 0, 0x81, b'a', 2, 1, 1, 0x82, b'b', b'b', 3, 0xc1, 0x2c, 2, 0xff,
        ];
        let mut blob = blob.to_vec();
        blob[0] = blob.len() as u8;
        assert_eq!(
            items(&blob).unwrap(),
            vec![
                b"a".to_vec(),
                b"1".to_vec(),
                b"bb".to_vec(),
                b"300".to_vec()
            ]
        );
    }

    #[test]
    fn corruption_is_reported() {
        let mut writer = ListpackWriter::new();
        writer.push(b"hello");
        writer.push(b"12");
        let blob = writer.finish();
        assert!(items(&blob[..blob.len() - 1]).is_err());
        let mut bad_count = blob.clone();
        bad_count[4] = 3;
        assert!(items(&bad_count).unwrap_err().contains("counts 3"));
        let mut bad_back = blob.clone();
        bad_back[12] ^= 1;
        assert!(items(&bad_back).is_err());
        let mut bad_end = blob.clone();
        let last = bad_end.len() - 1;
        bad_end[last] = 0;
        assert!(items(&bad_end).is_err());
        let mut unknown = blob;
        unknown[6] = 0xf7;
        assert!(items(&unknown).unwrap_err().contains("unknown"));
    }
}
