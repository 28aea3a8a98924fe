//! The frame parser: any RESP2 or RESP3 value (what a client reads from a
//! server, or a proxy from either side), streaming and zero-copy.
//!
//! [`FrameParser`] keeps its place in a partly received frame between
//! calls: completed elements are remembered as positions and the scan
//! resumes where it stopped, so a large reply arriving in many reads is
//! scanned once, and a bulk known to need N more bytes is not looked at
//! again until they are there. Nothing is consumed until the frame is
//! whole; then its bytes are frozen once and every payload is a slice of
//! them. [`parse_frame`] is the one-shot form over a `Bytes`.
//!
//! Single elements are read with nom's streaming parsers, whose
//! `Incomplete` answers say how many bytes are missing.
//!
//! Accepted: every RESP3 type, both RESP2 nulls (`$-1`, `*-1`), blob errors
//! (`!`), attributes (`|`), and RESP3's streamed strings (`$?` with `;`
//! chunks) and streamed aggregates (`*?` ... `.`). Limits (bulk length,
//! element count, line length, nesting depth) are checked before anything
//! is allocated from a length.

use crate::error::{CodecError, ProtocolError};
use crate::frame::Frame;
use crate::lex::parse_length;
use crate::limits::Limits;
use bytes::{Bytes, BytesMut};
use nom::bytes::streaming::{tag, take, take_until};
use nom::sequence::terminated;
use nom::IResult;
use std::ops::Range;

/// Parses one frame from the start of `input`: `Ok(None)` if it is not
/// all there, else the frame (sharing `input`'s memory) and its length.
pub fn parse_frame(
    input: &Bytes,
    limits: &Limits,
) -> Result<Option<(Frame, usize)>, ProtocolError> {
    let mut parser = FrameParser::new(limits.clone());
    match parser.scan(input)? {
        None => Ok(None),
        Some(node) => {
            let len = parser.reset();
            Ok(Some((node.into_frame(input), len)))
        }
    }
}

/// A resumable frame parser over a growing buffer.
#[derive(Debug, Default)]
pub struct FrameParser {
    limits: Limits,
    /// Bytes of the buffer scanned into `stack` so far.
    scanned: usize,
    /// Aggregates opened and not yet complete, outermost first.
    stack: Vec<Open>,
    /// Do not scan again before the buffer holds this many bytes.
    resume_at: usize,
}

impl FrameParser {
    pub fn new(limits: Limits) -> Self {
        FrameParser {
            limits,
            ..FrameParser::default()
        }
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The next whole frame in `buf`, consuming exactly its bytes;
    /// `Ok(None)` when more input is needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ProtocolError> {
        match self.scan(buf)? {
            None => Ok(None),
            Some(node) => {
                let len = self.reset();
                let bytes = buf.split_to(len).freeze();
                Ok(Some(node.into_frame(&bytes)))
            }
        }
    }

    /// Forgets the frame in progress; returns how far it had got.
    fn reset(&mut self) -> usize {
        self.stack.clear();
        self.resume_at = 0;
        std::mem::take(&mut self.scanned)
    }

    /// Scans on from where the last call stopped.
    fn scan(&mut self, buf: &[u8]) -> Result<Option<Node>, ProtocolError> {
        if buf.len() < self.resume_at {
            return Ok(None);
        }
        loop {
            let rest = &buf[self.scanned..];
            let in_streamed_string = matches!(
                self.stack.last(),
                Some(Open {
                    kind: Kind::StreamedString,
                    ..
                })
            );
            let (token, used) = match read_token(rest, &self.limits, in_streamed_string)? {
                Read::Done(token, used) => (token, used),
                Read::Missing(n) => {
                    self.resume_at = buf.len() + n;
                    return Ok(None);
                }
            };
            let start = self.scanned;
            self.scanned += used;
            let mut finished = match token {
                Token::Value(value) => Some(value.at(start)),
                Token::Open(kind, count) => {
                    if self.stack.len() >= self.limits.max_depth {
                        return Err(ProtocolError::TooDeep);
                    }
                    let items = count.unwrap_or(0).min(Limits::PREALLOCATE_MAX);
                    self.stack.push(Open {
                        kind,
                        remaining: count,
                        items: Vec::with_capacity(items),
                    });
                    match count {
                        Some(0) => self.close_top(),
                        _ => None,
                    }
                }
                Token::End => match self.stack.last() {
                    Some(Open {
                        kind: Kind::Array | Kind::Map | Kind::Set | Kind::Push,
                        remaining: None,
                        ..
                    }) => self.close_top(),
                    _ => return Err(ProtocolError::Invalid("stream end outside a stream")),
                },
            };
            // Hand each finished node to its parent, closing every
            // aggregate it completes.
            while let Some(node) = finished.take() {
                let Some(top) = self.stack.last_mut() else {
                    return Ok(Some(node));
                };
                if let Kind::StreamedString = top.kind {
                    match node {
                        Node::Bulk(ref range) if range.is_empty() => finished = self.close_top(),
                        Node::Bulk(_) => top.items.push(node),
                        _ => return Err(ProtocolError::Invalid("streamed string chunk")),
                    }
                    continue;
                }
                top.items.push(node);
                if let Some(n) = &mut top.remaining {
                    *n -= 1;
                    if *n == 0 {
                        finished = self.close_top();
                    }
                }
            }
        }
    }

    /// Pops the innermost aggregate as a node. An attribute instead waits
    /// for the value it describes: `None`, and scanning goes on.
    fn close_top(&mut self) -> Option<Node> {
        let open = self.stack.pop().expect("close_top on an empty stack");
        match open.kind {
            Kind::Attribute => {
                self.stack.push(Open {
                    kind: Kind::Attributed(open.items),
                    remaining: Some(1),
                    items: Vec::with_capacity(1),
                });
                None
            }
            kind => Some(Node::Aggregate(kind, open.items)),
        }
    }
}

#[derive(Debug)]
struct Open {
    kind: Kind,
    /// Elements still to come; `None` for a streamed aggregate.
    remaining: Option<usize>,
    items: Vec<Node>,
}

#[derive(Debug)]
enum Kind {
    Array,
    Map,
    Set,
    Push,
    Attribute,
    /// The attribute pairs, waiting for the value they describe.
    Attributed(Vec<Node>),
    StreamedString,
}

/// A parsed element, with payloads as positions in the frame's bytes.
#[derive(Debug)]
enum Node {
    Simple(Range<usize>),
    Error(Range<usize>),
    Integer(i64),
    Bulk(Range<usize>),
    Null,
    NullArray,
    Double(f64),
    Boolean(bool),
    BigNumber(Range<usize>),
    Verbatim([u8; 3], Range<usize>),
    Aggregate(Kind, Vec<Node>),
}

impl Node {
    fn into_frame(self, bytes: &Bytes) -> Frame {
        let frames = |nodes: Vec<Node>| nodes.into_iter().map(|n| n.into_frame(bytes)).collect();
        let pairs = |nodes: Vec<Node>| {
            let mut frames = nodes.into_iter().map(|n| n.into_frame(bytes));
            let mut pairs = Vec::with_capacity(frames.len() / 2);
            while let (Some(k), Some(v)) = (frames.next(), frames.next()) {
                pairs.push((k, v));
            }
            pairs
        };
        match self {
            Node::Simple(r) => Frame::Simple(bytes.slice(r)),
            Node::Error(r) => Frame::Error(bytes.slice(r)),
            Node::Integer(n) => Frame::Integer(n),
            Node::Bulk(r) => Frame::Bulk(bytes.slice(r)),
            Node::Null => Frame::Null,
            Node::NullArray => Frame::NullArray,
            Node::Double(d) => Frame::Double(d),
            Node::Boolean(b) => Frame::Boolean(b),
            Node::BigNumber(r) => Frame::BigNumber(bytes.slice(r)),
            Node::Verbatim(format, r) => Frame::Verbatim {
                format,
                text: bytes.slice(r),
            },
            Node::Aggregate(kind, items) => match kind {
                Kind::Array => Frame::Array(frames(items)),
                Kind::Map => Frame::Map(pairs(items)),
                Kind::Set => Frame::Set(frames(items)),
                Kind::Push => Frame::Push(frames(items)),
                Kind::Attributed(attributes) => Frame::Attribute {
                    attributes: pairs(attributes),
                    data: Box::new(
                        items
                            .into_iter()
                            .next()
                            .map_or(Frame::Null, |n| n.into_frame(bytes)),
                    ),
                },
                Kind::StreamedString => {
                    let mut text = BytesMut::new();
                    for item in items {
                        if let Node::Bulk(r) = item {
                            text.extend_from_slice(&bytes[r]);
                        }
                    }
                    Frame::Bulk(text.freeze())
                }
                Kind::Attribute => unreachable!("attributes close into Attributed"),
            },
        }
    }
}

/// One token: a whole scalar, the header of an aggregate, or a stream end.
enum Token {
    Value(Scalar),
    Open(Kind, Option<usize>),
    End,
}

/// A scalar with payload offsets relative to the token's start.
enum Scalar {
    Line(LineKind, Range<usize>),
    Integer(i64),
    Bulk(Range<usize>),
    Verbatim([u8; 3], Range<usize>),
    Null,
    NullArray,
    Double(f64),
    Boolean(bool),
}

#[derive(Clone, Copy)]
enum LineKind {
    Simple,
    Error,
    BigNumber,
}

impl Scalar {
    fn at(self, start: usize) -> Node {
        let shift = |r: Range<usize>| r.start + start..r.end + start;
        match self {
            Scalar::Line(LineKind::Simple, r) => Node::Simple(shift(r)),
            Scalar::Line(LineKind::Error, r) => Node::Error(shift(r)),
            Scalar::Line(LineKind::BigNumber, r) => Node::BigNumber(shift(r)),
            Scalar::Integer(n) => Node::Integer(n),
            Scalar::Bulk(r) => Node::Bulk(shift(r)),
            Scalar::Verbatim(format, r) => Node::Verbatim(format, shift(r)),
            Scalar::Null => Node::Null,
            Scalar::NullArray => Node::NullArray,
            Scalar::Double(d) => Node::Double(d),
            Scalar::Boolean(b) => Node::Boolean(b),
        }
    }
}

enum Read {
    Done(Token, usize),
    /// At least this many more bytes are needed.
    Missing(usize),
}

/// A CRLF-terminated line (without the CRLF).
fn line(input: &[u8]) -> IResult<&[u8], &[u8]> {
    terminated(take_until(&b"\r\n"[..]), tag(&b"\r\n"[..]))(input)
}

/// `len` payload bytes followed by CRLF. While the frame is incomplete,
/// what is missing is counted only up to the next terminator byte, so a
/// wrong terminator is reported as soon as its first byte arrives.
fn payload(input: &[u8], len: usize) -> Result<Result<&[u8], Read>, ProtocolError> {
    let data: IResult<&[u8], &[u8]> = take(len)(input);
    let (rest, data) = match data {
        Ok(parsed) => parsed,
        Err(nom::Err::Incomplete(needed)) => {
            let missing = match needed {
                nom::Needed::Size(n) => n.get() + 1,
                nom::Needed::Unknown => 1,
            };
            return Ok(Err(Read::Missing(missing)));
        }
        Err(_) => return Err(ProtocolError::Invalid("bulk string")),
    };
    let end: IResult<&[u8], &[u8]> = tag(&b"\r\n"[..])(rest);
    match end {
        Ok(_) => Ok(Ok(data)),
        Err(nom::Err::Incomplete(_)) if b"\r\n".starts_with(rest) => Ok(Err(Read::Missing(1))),
        Err(_) => Err(ProtocolError::Invalid("bulk string terminator")),
    }
}

fn missing(needed: nom::Needed) -> Read {
    match needed {
        nom::Needed::Size(n) => Read::Missing(n.get()),
        nom::Needed::Unknown => Read::Missing(1),
    }
}

/// Reads the token at the start of `input`.
fn read_token(
    input: &[u8],
    limits: &Limits,
    in_streamed_string: bool,
) -> Result<Read, ProtocolError> {
    let Some(&type_byte) = input.first() else {
        return Ok(Read::Missing(1));
    };
    if in_streamed_string != (type_byte == b';') {
        return Err(ProtocolError::Invalid("streamed string chunk"));
    }
    // The header or the whole line of a line-based type.
    let (after, text) = match line(&input[1..]) {
        Ok(parsed) => parsed,
        Err(nom::Err::Incomplete(needed)) => {
            if input.len() > limits.max_inline_len {
                return Err(ProtocolError::LineTooLong);
            }
            return Ok(missing(needed));
        }
        Err(_) => return Err(ProtocolError::Invalid("line")),
    };
    let header_len = input.len() - after.len();
    let text_range = 1..1 + text.len();
    let token = match type_byte {
        b'+' => Token::Value(Scalar::Line(LineKind::Simple, text_range)),
        b'-' => Token::Value(Scalar::Line(LineKind::Error, text_range)),
        b'(' => {
            check_big_number(text)?;
            Token::Value(Scalar::Line(LineKind::BigNumber, text_range))
        }
        b':' => Token::Value(Scalar::Integer(parse_integer(text)?)),
        b'_' if text.is_empty() => Token::Value(Scalar::Null),
        b'#' => match text {
            b"t" => Token::Value(Scalar::Boolean(true)),
            b"f" => Token::Value(Scalar::Boolean(false)),
            _ => return Err(ProtocolError::Invalid("boolean")),
        },
        b',' => Token::Value(Scalar::Double(parse_double(text)?)),
        b'.' if text.is_empty() => Token::End,
        b'$' | b'!' | b'=' | b';' => {
            if type_byte == b'$' && text == b"?" {
                return Ok(Read::Done(
                    Token::Open(Kind::StreamedString, None),
                    header_len,
                ));
            }
            let len = match parse_length(text) {
                Some(-1) if type_byte == b'$' => {
                    return Ok(Read::Done(Token::Value(Scalar::Null), header_len))
                }
                Some(n) if n >= 0 && n as u64 <= limits.max_bulk_len as u64 => n as usize,
                _ => return Err(ProtocolError::InvalidBulkLength),
            };
            if type_byte == b';' && len == 0 {
                // The end of a streamed string has no payload.
                let end = Scalar::Bulk(header_len..header_len);
                return Ok(Read::Done(Token::Value(end), header_len));
            }
            let data = match payload(after, len)? {
                Ok(data) => data,
                Err(missing) => return Ok(missing),
            };
            let range = header_len..header_len + data.len();
            let used = header_len + len + 2;
            let scalar = match type_byte {
                b'!' => Scalar::Line(LineKind::Error, range),
                b'=' => {
                    if data.len() < 4 || data[3] != b':' {
                        return Err(ProtocolError::Invalid("verbatim string"));
                    }
                    let format = [data[0], data[1], data[2]];
                    Scalar::Verbatim(format, range.start + 4..range.end)
                }
                _ => Scalar::Bulk(range),
            };
            return Ok(Read::Done(Token::Value(scalar), used));
        }
        b'*' | b'%' | b'~' | b'>' | b'|' => {
            let kind = match type_byte {
                b'*' => Kind::Array,
                b'%' => Kind::Map,
                b'~' => Kind::Set,
                b'>' => Kind::Push,
                _ => Kind::Attribute,
            };
            let pairs = matches!(kind, Kind::Map | Kind::Attribute);
            if text == b"?" && !matches!(kind, Kind::Attribute) {
                return Ok(Read::Done(Token::Open(kind, None), header_len));
            }
            let count = match parse_length(text) {
                Some(-1) if type_byte == b'*' => {
                    return Ok(Read::Done(Token::Value(Scalar::NullArray), header_len))
                }
                Some(n) if n >= 0 && n as u64 <= limits.max_multibulk_len as u64 => n as usize,
                _ => return Err(ProtocolError::InvalidMultibulkLength),
            };
            let items = if pairs {
                count.checked_mul(2)
            } else {
                Some(count)
            }
            .ok_or(ProtocolError::InvalidMultibulkLength)?;
            Token::Open(kind, Some(items))
        }
        other => return Err(ProtocolError::InvalidType(other)),
    };
    Ok(Read::Done(token, header_len))
}

fn parse_integer(text: &[u8]) -> Result<i64, ProtocolError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(ProtocolError::Invalid("integer"))
}

fn parse_double(text: &[u8]) -> Result<f64, ProtocolError> {
    match text {
        b"inf" | b"+inf" => Ok(f64::INFINITY),
        b"-inf" => Ok(f64::NEG_INFINITY),
        b"nan" | b"-nan" => Ok(f64::NAN),
        _ => std::str::from_utf8(text)
            .ok()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b"+-.eE0123456789".contains(&b)))
            .and_then(|t| t.parse().ok())
            .ok_or(ProtocolError::Invalid("double")),
    }
}

fn check_big_number(text: &[u8]) -> Result<(), ProtocolError> {
    let digits = text
        .strip_prefix(b"-")
        .or(text.strip_prefix(b"+"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ProtocolError::Invalid("big number"));
    }
    Ok(())
}

/// tokio-util codec for frames: decodes any RESP2/RESP3 frame, encodes
/// frames in the protocol it was made for.
#[derive(Debug, Default)]
pub struct FrameCodec {
    parser: FrameParser,
    protocol: crate::Protocol,
}

impl FrameCodec {
    pub fn new(protocol: crate::Protocol, limits: Limits) -> Self {
        FrameCodec {
            parser: FrameParser::new(limits),
            protocol,
        }
    }

    pub fn protocol(&self) -> crate::Protocol {
        self.protocol
    }

    /// Frames written from now on use `protocol` (after `HELLO 3`).
    pub fn set_protocol(&mut self, protocol: crate::Protocol) {
        self.protocol = protocol;
    }
}

impl tokio_util::codec::Decoder for FrameCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        Ok(self.parser.decode(src)?)
    }
}

impl tokio_util::codec::Encoder<&Frame> for FrameCodec {
    type Error = CodecError;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        crate::encode_frame(frame, self.protocol, dst);
        Ok(())
    }
}

impl tokio_util::codec::Encoder<Frame> for FrameCodec {
    type Error = CodecError;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        crate::encode_frame(&frame, self.protocol, dst);
        Ok(())
    }
}
