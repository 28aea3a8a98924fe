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
//! each byte is scanned at most twice however many reads a command takes
//! (once by the fast path below, which gives up on a partial command, and
//! once by the resumable reader), and nothing is consumed until the
//! command is whole. The arguments are then ranges of one frozen piece of
//! the read buffer: no copy, and no reference count per argument
//! (`Commands`, read as `Argv`s).
//!
//! The fast path: a whole multibulk whose lengths are all plain digits
//! within the limits and whose lines all end in `\r\n` (what every client
//! sends) is read in one pass with no state kept, and `decode_batch`
//! freezes the read buffer once for all the commands one read brought.
//! Anything else (a partial command, leading zeros, a length over a
//! limit, a `\r` not followed by `\n`, inline commands) goes to the
//! general reader, which decides exactly as before: the fast path only
//! ever accepts what the general reader would accept the same way. So a
//! command the fast path read came in exactly its arguments' RESP
//! encoding, and `decode_batch` keeps where those bytes are too
//! (`Commands::sent`): whoever writes the command on as sent (the AOF)
//! copies them instead of encoding it again.

use crate::commands::Commands;
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
    /// Where each argument of the command being read (by the general
    /// reader, or by `decode`) lies in the buffer; kept between commands
    /// so reading one allocates nothing.
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
            // A bulk header may begin with its `\r` (`*1\r\n\r\n`):
            // no number, and the caller's `$` check names the byte.
            Some(cr) => Header::Whole {
                value: line.get(1..cr).and_then(parse_length),
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

    /// Where the command not whole yet in `buf` stands, as Redis's
    /// reader, which takes each argument out of its query buffer as it
    /// completes, would show it (CLIENT LIST's `qbuf` and `argv-mem`): the
    /// bytes not read into an argument, and the bytes of the arguments
    /// read. `(buf.len(), 0)` when no multibulk is started (an inline
    /// command stays whole in Redis's buffer until its line ends).
    pub fn partial_progress(&self, buf: &[u8]) -> (usize, usize) {
        match &self.partial {
            Some(partial) => (
                buf.len().saturating_sub(partial.scanned),
                self.args.iter().map(|arg| arg.len()).sum(),
            ),
            None => (buf.len(), 0),
        }
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
        let frame = if self.partial.is_none() {
            debug_assert!(self.args.is_empty());
            let mut args = std::mem::take(&mut self.args);
            let end = plain_multibulk(self.plain_limits(), buf, 0, &mut args);
            self.args = args;
            match end {
                Some(end) => Some(buf.split_to(end).freeze()),
                None => self.decode_general(buf)?,
            }
        } else {
            self.decode_general(buf)?
        };
        let Some(frame) = frame else {
            return Ok(false);
        };
        argv.extend(self.args.drain(..).map(|range| frame.slice(range)));
        Ok(true)
    }

    /// Every whole command in `buf` (only the first when `one_only`),
    /// appended to `commands`: the commands one read brought share one
    /// frozen piece of the buffer, and each argument is a range of it. On
    /// an error the commands before it are in `commands`, and the
    /// connection is to be closed as after `decode`.
    pub fn decode_batch(
        &mut self,
        buf: &mut BytesMut,
        commands: &mut Commands,
        one_only: bool,
    ) -> Result<(), ProtocolError> {
        loop {
            if self.partial.is_none() {
                debug_assert!(self.args.is_empty());
                let limits = self.plain_limits();
                let mut end = 0;
                while end < buf.len() {
                    let Some(next) = plain_multibulk(limits, buf, end, &mut commands.spans) else {
                        break;
                    };
                    commands.end_command(Some(end..next));
                    end = next;
                    if one_only {
                        break;
                    }
                }
                if end > 0 {
                    commands.push_frame(buf.split_to(end).freeze());
                    if one_only {
                        return Ok(());
                    }
                }
            }
            if buf.is_empty() {
                return Ok(());
            }
            let Some(frame) = self.decode_general(buf)? else {
                return Ok(());
            };
            commands.spans.append(&mut self.args);
            commands.end_command(None);
            commands.push_frame(frame);
            if one_only {
                return Ok(());
            }
        }
    }

    /// The fast path's limits: (arguments, bytes of one).
    fn plain_limits(&self) -> (usize, usize) {
        let (mut max_count, mut max_bulk) = (
            self.limits.max_multibulk_len.min(i32::MAX as usize),
            self.limits.max_bulk_len,
        );
        if self.auth_required {
            max_count = max_count.min(UNAUTHENTICATED_MAX_ARGS as usize);
            max_bulk = max_bulk.min(UNAUTHENTICATED_MAX_BULK as usize);
        }
        (max_count, max_bulk)
    }

    /// The general reader: one command (or a step towards one), by every
    /// rule, resuming a partial multibulk. A whole command is handed out
    /// as its frozen bytes, its arguments' ranges there in `self.args`.
    fn decode_general(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, ProtocolError> {
        loop {
            if self.partial.is_none() {
                match buf.first() {
                    None => return Ok(None),
                    Some(b'*') => {
                        if !self.start_multibulk(buf)? {
                            return Ok(None);
                        }
                        continue;
                    }
                    Some(_) => match self.inline(buf)? {
                        Step::NeedMore => return Ok(None),
                        Step::Skipped => continue,
                        Step::Command(frame) => return Ok(Some(frame)),
                    },
                }
            }
            return self.continue_multibulk(buf);
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

    fn continue_multibulk(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, ProtocolError> {
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
                            return Ok(None);
                        }
                        Header::NoEnd => {
                            if line.len() > self.limits.max_inline_len {
                                return Err(ProtocolError::TooBigBulkCount);
                            }
                            self.partial = Some(partial);
                            return Ok(None);
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
                return Ok(None);
            }
            self.args.push(partial.scanned..partial.scanned + len);
            partial.scanned += len + 2;
            partial.bulk_len = None;
            partial.remaining -= 1;
        }
        Ok(Some(buf.split_to(partial.scanned).freeze()))
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
        // The unquoted arguments, end to end in a frame of their own.
        let mut frame = Vec::with_capacity(args.iter().map(Vec::len).sum());
        debug_assert!(self.args.is_empty());
        for arg in &args {
            self.args.push(frame.len()..frame.len() + arg.len());
            frame.extend_from_slice(arg);
        }
        Ok(Step::Command(Bytes::from(frame)))
    }
}

/// The fast path: the whole multibulk starting at `buf[start]` if all its
/// lengths are plain and within `(max_count, max_bulk)`, its argument
/// ranges pushed onto `args`; its end. None (and `args` as it was) for
/// anything else, which the general reader then takes.
#[inline]
fn plain_multibulk(
    (max_count, max_bulk): (usize, usize),
    buf: &[u8],
    start: usize,
    args: &mut Vec<Range<usize>>,
) -> Option<usize> {
    let (count, header) = plain_header(b'*', buf.get(start..)?)?;
    if count == 0 || count > max_count {
        return None;
    }
    let mark = args.len();
    let mut pos = start + header;
    for _ in 0..count {
        let rest = &buf[pos..];
        // The payload and its CRLF all here (which `get` checks too).
        let whole = plain_header(b'$', rest).filter(|&(len, header)| {
            len <= max_bulk && rest.get(header + len..header + len + 2) == Some(b"\r\n")
        });
        let Some((len, header)) = whole else {
            args.truncate(mark);
            return None;
        };
        let data = pos + header;
        args.push(data..data + len);
        pos = data + len + 2;
    }
    Some(pos)
}

/// A `*` or `$` header line (`kind`) with a plain length at the start of
/// `rest`, ended by `\r\n`: the length and the header's size. One and two
/// digits, what clients send for argument counts and lengths up to 99,
/// are matched whole.
#[inline(always)]
fn plain_header(kind: u8, rest: &[u8]) -> Option<(usize, usize)> {
    // One digit in one load: the type byte and the `\r\n` by a mask.
    if let Some(&four) = rest.first_chunk::<4>() {
        let word = u32::from_le_bytes(four);
        let digit = four[1].wrapping_sub(b'0');
        let line = u32::from(kind) | u32::from(b'\r') << 16 | u32::from(b'\n') << 24;
        if word & 0xffff_00ff == line && digit < 10 {
            return Some((usize::from(digit), 4));
        }
    }
    match *rest {
        [k, d1 @ b'1'..=b'9', d2 @ b'0'..=b'9', b'\r', b'\n', ..] if k == kind => {
            Some((usize::from(d1 - b'0') * 10 + usize::from(d2 - b'0'), 5))
        }
        [k, ..] if k == kind => plain_length(rest, 1)
            .filter(|&(_, cr)| rest[cr + 1] == b'\n')
            .map(|(len, cr)| (len, cr + 2)),
        _ => None,
    }
}

/// A plain length (1 to 18 digits, no leading zero but `0` itself) at
/// `buf[at..]`, ended by a `\r` that has a byte after it: the value and
/// where the `\r` is. None for anything else, including "not all here".
fn plain_length(buf: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = buf.get(at)?.wrapping_sub(b'0');
    if first > 9 {
        return None;
    }
    let mut value = u64::from(first);
    let mut i = at + 1;
    loop {
        let digit = buf.get(i)?.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value * 10 + u64::from(digit);
        i += 1;
        if i - at > 18 {
            return None;
        }
    }
    let plain = first != 0 || i == at + 1;
    if !plain || buf[i] != b'\r' || i + 1 >= buf.len() {
        return None;
    }
    Some((usize::try_from(value).ok()?, i))
}

enum Step {
    NeedMore,
    Skipped,
    /// The command's frame, its arguments' ranges in `args`.
    Command(Bytes),
}

impl tokio_util::codec::Decoder for RequestDecoder {
    type Item = Vec<Bytes>;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Vec<Bytes>>, CodecError> {
        Ok(RequestDecoder::decode(self, src)?)
    }
}
