//! `Input`: the RDB reader's view of its source — a `BufRead` read without
//! copying through a second buffer, with the byte offset (for errors) and
//! the running CRC-64 of everything read.
//!
//! Bytes are taken from the source's buffer and consumed in bulk when the
//! buffer runs out (the CRC is folded over them then), so reading a byte
//! costs a bounds check. `finish` consumes what was read and nothing more:
//! data after the RDB (an AOF's commands after its RDB preamble) stays in
//! the source.
//!
//! Lengths come from the data and may be corrupt, so nothing is allocated
//! from a length alone: buffers grow as bytes actually arrive, at most
//! `PREALLOC_MAX` ahead.

use super::crc64;
use super::error::{RdbError, RdbErrorKind, RdbResult};
use super::format::*;
use std::io::BufRead;

/// The most any read reserves before its bytes have arrived.
pub const PREALLOC_MAX: usize = 1 << 20;
/// LZF expands at most 88-fold (a 3-byte back reference copies 264
/// bytes): a larger announced length is corrupt, and refused before the
/// output buffer is allocated.
const LZF_MAX_RATIO: usize = 89;

pub struct Input<R> {
    source: R,
    /// Bytes of the source's current buffer already read, not yet consumed.
    pending: usize,
    /// Offset of the next byte from the start of the data.
    offset: u64,
    /// CRC-64 of the consumed bytes.
    crc: u64,
}

/// A string as RDB stores it: integer encodings stay integers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RdbString {
    Int(i64),
    Bytes(Vec<u8>),
}

impl RdbString {
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            RdbString::Int(n) => n.to_string().into_bytes(),
            RdbString::Bytes(bytes) => bytes,
        }
    }
}

/// A decoded length, or the marker of a specially encoded string.
enum Length {
    Plain(u64),
    Encoded(u8),
}

impl<R: BufRead> Input<R> {
    pub fn new(source: R) -> Self {
        Input {
            source,
            pending: 0,
            offset: 0,
            crc: 0,
        }
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn error(&self, kind: RdbErrorKind) -> RdbError {
        RdbError::new(self.offset, kind)
    }

    pub fn corrupt(&self, what: impl Into<String>) -> RdbError {
        self.error(RdbErrorKind::Corrupt(what.into()))
    }

    fn io(&self, error: std::io::Error) -> RdbError {
        self.error(RdbErrorKind::Io(error))
    }

    /// Consumes the bytes read from the source's buffer, folding them into
    /// the CRC.
    fn commit(&mut self) -> RdbResult<()> {
        if self.pending > 0 {
            let offset = self.offset;
            let buf = self
                .source
                .fill_buf()
                .map_err(|e| RdbError::new(offset, RdbErrorKind::Io(e)))?;
            self.crc = crc64::update(self.crc, &buf[..self.pending]);
            let n = self.pending;
            self.pending = 0;
            self.source.consume(n);
        }
        Ok(())
    }

    /// The unread part of the source's buffer, refilled when empty; empty
    /// only at the end of the data.
    fn available(&mut self) -> RdbResult<&[u8]> {
        let len = match self.source.fill_buf() {
            Ok(buf) => buf.len(),
            Err(e) => return Err(self.io(e)),
        };
        if self.pending == len {
            self.commit()?;
        }
        let pending = self.pending;
        match self.source.fill_buf() {
            Ok(buf) => Ok(&buf[pending..]),
            Err(e) => Err(RdbError::new(self.offset, RdbErrorKind::Io(e))),
        }
    }

    pub fn u8(&mut self, what: &'static str) -> RdbResult<u8> {
        let byte = match self.available()?.first() {
            Some(&b) => b,
            None => return Err(self.error(RdbErrorKind::Truncated(what))),
        };
        self.pending += 1;
        self.offset += 1;
        Ok(byte)
    }

    /// Exactly `N` bytes.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> RdbResult<[u8; N]> {
        let mut out = [0u8; N];
        let mut filled = 0;
        while filled < N {
            let buf = self.available()?;
            if buf.is_empty() {
                return Err(self.error(RdbErrorKind::Truncated(what)));
            }
            let n = buf.len().min(N - filled);
            out[filled..filled + n].copy_from_slice(&buf[..n]);
            filled += n;
            self.pending += n;
            self.offset += n as u64;
        }
        Ok(out)
    }

    /// Exactly `len` bytes, allocated as they arrive.
    pub fn bytes(&mut self, len: u64, what: &'static str) -> RdbResult<Vec<u8>> {
        let len = usize::try_from(len)
            .map_err(|_| self.corrupt(format!("{what}: length {len} does not fit in memory")))?;
        let mut out = Vec::with_capacity(len.min(PREALLOC_MAX));
        while out.len() < len {
            let buf = self.available()?;
            if buf.is_empty() {
                return Err(self.error(RdbErrorKind::Truncated(what)));
            }
            let n = buf.len().min(len - out.len());
            out.extend_from_slice(&buf[..n]);
            self.pending += n;
            self.offset += n as u64;
        }
        Ok(out)
    }

    fn length_or_encoding(&mut self, what: &'static str) -> RdbResult<Length> {
        let first = self.u8(what)?;
        Ok(match first >> 6 {
            LEN_6BIT => Length::Plain(u64::from(first & 0x3f)),
            LEN_14BIT => {
                let next = self.u8(what)?;
                Length::Plain(u64::from(first & 0x3f) << 8 | u64::from(next))
            }
            LEN_ENCVAL => Length::Encoded(first & 0x3f),
            _ => match first {
                LEN_32BIT => Length::Plain(u64::from(u32::from_be_bytes(self.array(what)?))),
                LEN_64BIT => Length::Plain(u64::from_be_bytes(self.array(what)?)),
                other => {
                    return Err(RdbError::new(
                        self.offset - 1,
                        RdbErrorKind::Corrupt(format!(
                            "{what}: unknown length encoding {other:#04x}"
                        )),
                    ))
                }
            },
        })
    }

    /// A length (6, 14, 32 or 64 bits).
    pub fn length(&mut self, what: &'static str) -> RdbResult<u64> {
        match self.length_or_encoding(what)? {
            Length::Plain(n) => Ok(n),
            Length::Encoded(e) => Err(RdbError::new(
                self.offset - 1,
                RdbErrorKind::Corrupt(format!(
                    "{what}: expected a length, found string encoding {e}"
                )),
            )),
        }
    }

    /// A string in any encoding: raw, integer or LZF-compressed.
    pub fn string(&mut self, what: &'static str) -> RdbResult<RdbString> {
        let start = self.offset;
        match self.length_or_encoding(what)? {
            Length::Plain(len) => Ok(RdbString::Bytes(self.bytes(len, what)?)),
            Length::Encoded(ENC_INT8) => Ok(RdbString::Int(i64::from(self.u8(what)? as i8))),
            Length::Encoded(ENC_INT16) => Ok(RdbString::Int(i64::from(i16::from_le_bytes(
                self.array(what)?,
            )))),
            Length::Encoded(ENC_INT32) => Ok(RdbString::Int(i64::from(i32::from_le_bytes(
                self.array(what)?,
            )))),
            Length::Encoded(ENC_LZF) => {
                let compressed_len = self.length(what)?;
                let len = self.length(what)?;
                let data = self.bytes(compressed_len, what)?;
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&n| n <= data.len().saturating_mul(LZF_MAX_RATIO))
                    .ok_or_else(|| {
                        self.corrupt(format!(
                            "{what}: {compressed_len} LZF bytes cannot expand to {len}"
                        ))
                    })?;
                super::lzf::decompress(&data, len)
                    .map(RdbString::Bytes)
                    .map_err(|e| {
                        RdbError::new(start, RdbErrorKind::Corrupt(format!("{what}: LZF: {e}")))
                    })
            }
            Length::Encoded(other) => Err(RdbError::new(
                start,
                RdbErrorKind::Corrupt(format!("{what}: unknown string encoding {other}")),
            )),
        }
    }

    /// A string's bytes (integers in decimal).
    pub fn string_bytes(&mut self, what: &'static str) -> RdbResult<Vec<u8>> {
        self.string(what).map(RdbString::into_bytes)
    }

    /// The CRC of everything read so far.
    pub fn crc(&mut self) -> RdbResult<u64> {
        self.commit()?;
        Ok(self.crc)
    }

    /// Consumes what was read from the source and hands it back,
    /// positioned just after the last byte read.
    pub fn finish(mut self) -> RdbResult<R> {
        self.commit()?;
        Ok(self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_in_every_width() {
        let data = [
            0x05, 0x41, 0x02, 0x80, 0, 1, 0, 0, 0x81, 0, 0, 0, 1, 0, 0, 0, 0,
        ];
        let mut input = Input::new(&data[..]);
        assert_eq!(input.length("len").ok(), Some(5));
        assert_eq!(input.length("len").ok(), Some(0x102));
        assert_eq!(input.length("len").ok(), Some(65536));
        assert_eq!(input.length("len").ok(), Some(1 << 32));
        let err = input.length("a length").unwrap_err();
        assert!(matches!(err.kind, RdbErrorKind::Truncated("a length")));
        assert_eq!(err.offset, data.len() as u64);
        let bad = [0x82];
        let err = Input::new(&bad[..]).length("len").unwrap_err();
        assert_eq!(err.offset, 0);
        assert!(
            err.to_string().contains("unknown length encoding 0x82"),
            "{err}"
        );
    }

    #[test]
    fn integer_and_compressed_strings() {
        let data = [0xc0, 0xfe, 0xc1, 0x34, 0x12, 0xc2, 0xff, 0xff, 0xff, 0xff];
        let mut input = Input::new(&data[..]);
        assert_eq!(input.string("s").ok(), Some(RdbString::Int(-2)));
        assert_eq!(input.string("s").ok(), Some(RdbString::Int(0x1234)));
        assert_eq!(input.string("s").ok(), Some(RdbString::Int(-1)));
        let lzf = [0xc3, 5, 6, 1, b'a', b'b', 0x40, 1];
        assert_eq!(
            Input::new(&lzf[..]).string("s").ok(),
            Some(RdbString::Bytes(b"ababab".to_vec()))
        );
    }

    #[test]
    fn a_huge_length_on_short_data_fails_without_allocating_it() {
        // 2^62 bytes announced, three present.
        let data = [0x81, 0x40, 0, 0, 0, 0, 0, 0, 0, b'a', b'b', b'c'];
        let err = Input::new(&data[..]).string("a value").unwrap_err();
        assert!(matches!(
            err.kind,
            RdbErrorKind::Truncated(_) | RdbErrorKind::Corrupt(_)
        ));
    }

    #[test]
    fn crc_covers_exactly_what_was_read_and_the_rest_stays() {
        let data = b"REDIS0010tail";
        let mut input = Input::new(std::io::BufReader::with_capacity(4, &data[..]));
        let magic: [u8; 9] = input.array("magic").unwrap();
        assert_eq!(&magic, b"REDIS0010");
        assert_eq!(input.crc().unwrap(), crc64::checksum(b"REDIS0010"));
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut input.finish().unwrap(), &mut rest).unwrap();
        assert_eq!(rest, b"tail");
    }
}
