//! `RequestDecoder`: what a Redis server reads from a client. Each command
//! is either a multibulk (`*<n>\r\n` then `n` bulk strings `$<len>\r\n...`)
//! or an inline line; the first byte decides, as in Redis.
//!
//! The decoder follows Redis's own reading rules, because clients depend on
//! what Redis accepts and what it rejects, with which text:
//! - a header line ends at the first `\r`, and the byte after it is taken
//!   as its `\n` without looking; the two bytes after a bulk's payload are
//!   skipped the same way;
//! - lengths are read by `string2ll` rules (no `+`, no leading zeros);
//! - a header line or inline command longer than 64 KiB without its end is
//!   an error, so a peer cannot make us buffer an endless line;
//! - lengths over the limits are errors before anything is allocated, and
//!   argument storage is never preallocated past 1024 entries;
//! - empty commands (`*0`, `*-1`, blank lines) are skipped.
//!
//! Progress through a partly received multibulk is kept between calls:
//! each byte is scanned once however many reads a command takes, and
//! nothing is consumed until the command is whole. The arguments are then
//! slices of one frozen piece of the read buffer: no copy.

use crate::error::{CodecError, ProtocolError};
use crate::inline::split_inline_args;
use crate::lex::{find_cr, find_lf, parse_length};
use crate::limits::Limits;
use bytes::{Buf, Bytes, BytesMut};
use std::ops::Range;

/// Redis's limits for a client that has not authenticated yet, when a
/// password is required: at most 10 arguments of at most 16 KiB.
const UNAUTHENTICATED_MAX_ARGS: i64 = 10;
const UNAUTHENTICATED_MAX_BULK: i64 = 16 * 1024;

/// Decodes client requests into argument vectors.
#[derive(Debug, Default)]
pub struct RequestDecoder {
    limits: Limits,
    /// Apply Redis's smaller limits for unauthenticated clients.
    auth_required: bool,
    /// The multibulk being read, if its header has been.
    partial: Option<Multibulk>,
    /// Where each argument of the multibulk being read lies in the
    /// buffer; kept between commands so reading one allocates nothing.
    args: Vec<Range<usize>>,
}

#[derive(Clone, Copy, Debug)]
struct Multibulk {
    /// Bytes of the buffer already read for this command.
    scanned: usize,
    /// Arguments still to come.
    remaining: usize,
    /// The length of the argument whose header has been read.
    bulk_len: Option<usize>,
}

/// A `*<n>` or `$<n>` header line at the start of the input.
enum Header {
    /// Its `\r` and the byte after it are here: the value by `string2ll`
    /// rules (None if it is not a valid number) and where the `\r` is.
    Whole { value: Option<i64>, cr: usize },
    /// The `\r` is here, the byte after it is not yet.
    Unfinished,
    /// No `\r` yet.
    NoEnd,
}

impl Header {
    /// Reads the header line starting at `line[0]` (its type byte). Plain
    /// short digits, what clients send, are read in the same pass that
    /// finds the `\r`; anything else by the general rules.
    fn read(line: &[u8]) -> Header {
        let mut value: u64 = 0;
        let mut i = 1;
        // At most 18 digits: no overflow, and no doubt about the range.
        while i < line.len().min(19) && line[i].is_ascii_digit() {
            value = value * 10 + u64::from(line[i] - b'0');
            i += 1;
        }
        let plain = i > 1 && (line[1] != b'0' || i == 2);
        if plain && i + 1 < line.len() && line[i] == b'\r' {
            return Header::Whole {
                value: Some(value as i64),
                cr: i,
            };
        }
        match find_cr(line) {
            None => Header::NoEnd,
            Some(cr) if cr + 1 >= line.len() => Header::Unfinished,
            Some(cr) => Header::Whole {
                value: parse_length(&line[1..cr]),
                cr,
            },
        }
    }
}

impl RequestDecoder {
    pub fn new(limits: Limits) -> Self {
        RequestDecoder {
            limits,
            auth_required: false,
            partial: None,
            args: Vec::new(),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// New limits (CONFIG SET proto-max-bulk-len) take effect from the next
    /// length read.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// While true, lengths are held to Redis's unauthenticated limits
    /// (`unauthenticated multibulk length` / `bulk length` errors).
    pub fn set_auth_required(&mut self, required: bool) {
        self.auth_required = required;
    }

    /// True while a command has been started but not finished.
    pub fn is_partial(&self) -> bool {
        self.partial.is_some()
    }

    /// At least how many more bytes the command being read needs (0 when
    /// unknown): a hint for sizing the next read of a large argument.
    pub fn bytes_wanted(&self, buf: &[u8]) -> usize {
        match &self.partial {
            Some(Multibulk {
                scanned,
                bulk_len: Some(len),
                ..
            }) => (scanned + len + 2).saturating_sub(buf.len()),
            _ => 0,
        }
    }

    /// The next whole command in `buf`, consuming exactly its bytes;
    /// `Ok(None)` when more input is needed. After an error the connection
    /// is to be closed, as Redis does: the decoder's state is unspecified.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let mut argv = Vec::new();
        Ok(self.decode_into(buf, &mut argv)?.then_some(argv))
    }

    /// As `decode`, appending the arguments to `argv` (which the caller
    /// may reuse between commands); returns whether a command was read.
    pub fn decode_into(
        &mut self,
        buf: &mut BytesMut,
        argv: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        loop {
            if self.partial.is_none() {
                match buf.first() {
                    None => return Ok(false),
                    Some(b'*') => {
                        if !self.start_multibulk(buf)? {
                            return Ok(false);
                        }
                        continue;
                    }
                    Some(_) => match self.inline(buf)? {
                        Step::NeedMore => return Ok(false),
                        Step::Skipped => continue,
                        Step::Command(args) => {
                            argv.extend(args);
                            return Ok(true);
                        }
                    },
                }
            }
            return self.continue_multibulk(buf, argv);
        }
    }

    /// Reads a multibulk header; false if it is not all here yet.
    /// `*0` and negative counts are consumed and skipped.
    fn start_multibulk(&mut self, buf: &mut BytesMut) -> Result<bool, ProtocolError> {
        let (value, cr) = match Header::read(buf) {
            Header::Whole { value, cr } => (value, cr),
            Header::Unfinished => return Ok(false),
            Header::NoEnd => {
                if buf.len() > self.limits.max_inline_len {
                    return Err(ProtocolError::TooBigMultibulkCount);
                }
                return Ok(false);
            }
        };
        let count = value
            .filter(|&n| n <= self.limits.max_multibulk_len.min(i32::MAX as usize) as i64)
            .ok_or(ProtocolError::InvalidMultibulkLength)?;
        if count > UNAUTHENTICATED_MAX_ARGS && self.auth_required {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        if count <= 0 {
            buf.advance(cr + 2);
            return Ok(true);
        }
        let count = count as usize;
        self.args.clear();
        self.args.reserve(count.min(Limits::PREALLOCATE_MAX));
        self.partial = Some(Multibulk {
            scanned: cr + 2,
            remaining: count,
            bulk_len: None,
        });
        Ok(true)
    }

    fn continue_multibulk(
        &mut self,
        buf: &mut BytesMut,
        argv: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        let mut partial = self
            .partial
            .take()
            .expect("continue_multibulk without a header");
        while partial.remaining > 0 {
            let len = match partial.bulk_len {
                Some(len) => len,
                None => {
                    let line = &buf[partial.scanned..];
                    let (value, cr) = match Header::read(line) {
                        Header::Whole { value, cr } => (value, cr),
                        Header::Unfinished => {
                            self.partial = Some(partial);
                            return Ok(false);
                        }
                        Header::NoEnd => {
                            if line.len() > self.limits.max_inline_len {
                                return Err(ProtocolError::TooBigBulkCount);
                            }
                            self.partial = Some(partial);
                            return Ok(false);
                        }
                    };
                    if line[0] != b'$' {
                        return Err(ProtocolError::ExpectedDollar(line[0]));
                    }
                    let len = value
                        .filter(|&n| n >= 0 && n as u64 <= self.limits.max_bulk_len as u64)
                        .ok_or(ProtocolError::InvalidBulkLength)?;
                    if len > UNAUTHENTICATED_MAX_BULK && self.auth_required {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    partial.scanned += cr + 2;
                    partial.bulk_len = Some(len as usize);
                    len as usize
                }
            };
            if buf.len() - partial.scanned < len + 2 {
                self.partial = Some(partial);
                return Ok(false);
            }
            self.args.push(partial.scanned..partial.scanned + len);
            partial.scanned += len + 2;
            partial.bulk_len = None;
            partial.remaining -= 1;
        }
        let frame = buf.split_to(partial.scanned).freeze();
        argv.extend(self.args.drain(..).map(|range| frame.slice(range)));
        Ok(true)
    }

    fn inline(&mut self, buf: &mut BytesMut) -> Result<Step, ProtocolError> {
        let Some(lf) = find_lf(buf) else {
            if buf.len() > self.limits.max_inline_len {
                return Err(ProtocolError::TooBigInlineRequest);
            }
            return Ok(Step::NeedMore);
        };
        let line = &buf[..lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let args = split_inline_args(line).ok_or(ProtocolError::UnbalancedQuotes)?;
        buf.advance(lf + 1);
        if args.is_empty() {
            return Ok(Step::Skipped);
        }
        Ok(Step::Command(args.into_iter().map(Bytes::from).collect()))
    }
}

enum Step {
    NeedMore,
    Skipped,
    Command(Vec<Bytes>),
}

impl tokio_util::codec::Decoder for RequestDecoder {
    type Item = Vec<Bytes>;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Vec<Bytes>>, CodecError> {
        Ok(RequestDecoder::decode(self, src)?)
    }
}
