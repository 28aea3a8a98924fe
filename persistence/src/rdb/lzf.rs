//! LZF, the compression RDB uses for long strings (`rdbcompression yes`).
//!
//! The format is a sequence of runs, each introduced by a control byte:
//! - `000LLLLL`: a literal run of L+1 bytes (1..=32) follows;
//! - `LLLOOOOO oooooooo` (LLL in 1..=6) or `111OOOOO llllllll oooooooo`: a
//!   back reference copying LLL+2 (or 7+l+2, up to 264) bytes from
//!   `OOOOOoooooooo + 1` bytes behind the output's end; source and
//!   destination may overlap (a run of one byte repeats it).
//!
//! `decompress` checks every length and offset against the buffers (a
//! corrupt stream is an error, never a panic or an out-of-bounds read);
//! `compress` is a greedy single pass with a hash of the next three bytes.

/// The longest literal run one control byte introduces.
const MAX_LITERAL: usize = 32;
/// The farthest a back reference reaches.
const MAX_OFFSET: usize = 1 << 13;
/// The longest back reference.
const MAX_MATCH: usize = 7 + 255 + 2;
/// log2 of the compressor's hash table size.
const HASH_LOG: u32 = 14;

/// Why a compressed stream could not be expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LzfError {
    #[error("the compressed data ends inside a run")]
    Truncated,
    #[error("a back reference points before the start of the output")]
    BadReference,
    #[error("the data expands to more than the {0} bytes announced")]
    TooLong(usize),
    #[error("the data expands to {got} bytes, not the {expected} announced")]
    WrongLength { got: usize, expected: usize },
}

/// Expands `input`, which must produce exactly `expected_len` bytes.
pub fn decompress(input: &[u8], expected_len: usize) -> Result<Vec<u8>, LzfError> {
    let mut out: Vec<u8> = Vec::with_capacity(expected_len);
    let mut at = 0;
    while at < input.len() {
        let ctrl = usize::from(input[at]);
        at += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let literal = input.get(at..at + run).ok_or(LzfError::Truncated)?;
            if out.len() + run > expected_len {
                return Err(LzfError::TooLong(expected_len));
            }
            out.extend_from_slice(literal);
            at += run;
            continue;
        }
        let mut len = ctrl >> 5;
        if len == 7 {
            len += usize::from(*input.get(at).ok_or(LzfError::Truncated)?);
            at += 1;
        }
        let low = usize::from(*input.get(at).ok_or(LzfError::Truncated)?);
        at += 1;
        let back = ((ctrl & 0x1f) << 8) + low + 1;
        let from = out.len().checked_sub(back).ok_or(LzfError::BadReference)?;
        let len = len + 2;
        if out.len() + len > expected_len {
            return Err(LzfError::TooLong(expected_len));
        }
        if back >= len {
            out.extend_from_within(from..from + len);
        } else {
            for i in 0..len {
                let byte = out[from + i];
                out.push(byte);
            }
        }
    }
    if out.len() != expected_len {
        return Err(LzfError::WrongLength {
            got: out.len(),
            expected: expected_len,
        });
    }
    Ok(out)
}

fn hash3(data: &[u8], at: usize) -> usize {
    let v = u32::from(data[at]) << 16 | u32::from(data[at + 1]) << 8 | u32::from(data[at + 2]);
    (v.wrapping_mul(0x9e37_79b1) >> (32 - HASH_LOG)) as usize
}

/// Compresses `input`; None when the result would be longer than
/// `max_len` bytes (the caller then stores the data as it is).
pub fn compress(input: &[u8], max_len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(max_len.min(input.len()));
    // Position + 1 of the last occurrence of each 3-byte hash (0: none).
    let mut table = vec![0u32; 1 << HASH_LOG];
    let mut literal_start = 0;
    let mut at = 0;
    let flush_literals = |out: &mut Vec<u8>, from: usize, to: usize| {
        for run in input[from..to].chunks(MAX_LITERAL) {
            out.push((run.len() - 1) as u8);
            out.extend_from_slice(run);
        }
    };
    while at + 2 < input.len() {
        let h = hash3(input, at);
        let candidate = table[h] as usize;
        table[h] = (at + 1) as u32;
        if candidate > 0 {
            let reference = candidate - 1;
            let back = at - reference;
            if back <= MAX_OFFSET && input[reference..reference + 3] == input[at..at + 3] {
                let limit = (input.len() - at).min(MAX_MATCH);
                let mut len = 3;
                while len < limit && input[reference + len] == input[at + len] {
                    len += 1;
                }
                flush_literals(&mut out, literal_start, at);
                let offset = back - 1;
                let l = len - 2;
                if l < 7 {
                    out.push(((l << 5) | (offset >> 8)) as u8);
                } else {
                    out.push(((7 << 5) | (offset >> 8)) as u8);
                    out.push((l - 7) as u8);
                }
                out.push((offset & 0xff) as u8);
                for p in at + 1..(at + len).min(input.len().saturating_sub(2)) {
                    table[hash3(input, p)] = (p + 1) as u32;
                }
                at += len;
                literal_start = at;
                if out.len() > max_len {
                    return None;
                }
                continue;
            }
        }
        at += 1;
    }
    flush_literals(&mut out, literal_start, input.len());
    (out.len() <= max_len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        let packed = compress(data, data.len() * 2 + 8).expect("room enough");
        assert_eq!(decompress(&packed, data.len()).as_deref(), Ok(data));
    }

    #[test]
    fn compresses_repetition_and_round_trips_anything() {
        let repeated = vec![b'a'; 10_000];
        let packed = compress(&repeated, repeated.len()).expect("compressible");
        assert!(packed.len() < 200, "{} bytes", packed.len());
        round_trip(&repeated);
        round_trip(b"");
        round_trip(b"ab");
        round_trip(b"abcabcabcabcabcabcabcabcabcabc-hello-hello-hello");
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..5000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        round_trip(&noise);
        assert_eq!(compress(&noise, noise.len() - 4), None);
    }

    #[test]
    fn a_known_stream_expands() {
        // Literal "ab", then a reference 2 back of length 4: "ababab".
        assert_eq!(
            decompress(&[1, b'a', b'b', 0x40, 1], 6).as_deref(),
            Ok(&b"ababab"[..])
        );
    }

    #[test]
    fn corrupt_streams_are_errors() {
        assert_eq!(decompress(&[5, b'a'], 6), Err(LzfError::Truncated));
        assert_eq!(decompress(&[0x20, 5], 3), Err(LzfError::BadReference));
        assert_eq!(decompress(&[0, b'a', 0xe0], 20), Err(LzfError::Truncated));
        assert_eq!(
            decompress(&[1, b'a', b'b'], 3),
            Err(LzfError::WrongLength {
                got: 2,
                expected: 3
            })
        );
        assert_eq!(decompress(&[1, b'a', b'b'], 1), Err(LzfError::TooLong(1)));
    }
}
