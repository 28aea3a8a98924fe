//! The encoder: frames, or a reply built piece by piece, into a `BytesMut`.
//!
//! `ReplyWriter` is the hot path: the engine writes each reply straight into
//! the connection's output buffer in the connection's protocol, so a GET
//! costs no intermediate `Frame` and no allocation beyond buffer growth.
//! `encode_frame` is the same writer driven by a `Frame`.

use crate::frame::{Frame, Protocol};
use bytes::{BufMut, BytesMut};

/// Writes RESP replies for one protocol into a borrowed buffer.
///
/// Methods follow the RESP3 shape; under RESP2 each one downgrades the way
/// Redis does (maps become flat arrays, doubles bulk strings, booleans
/// integers, both nulls keep their RESP2 form).
pub struct ReplyWriter<'a> {
    buf: &'a mut BytesMut,
    protocol: Protocol,
}

impl<'a> ReplyWriter<'a> {
    pub fn new(buf: &'a mut BytesMut, protocol: Protocol) -> Self {
        ReplyWriter { buf, protocol }
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Bytes written so far into the underlying buffer (including what was
    /// there before this writer).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drops everything written after `len` (used to replace a partly
    /// written reply with an error).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// The underlying buffer, for callers that splice pre-encoded bytes.
    pub fn buffer(&mut self) -> &mut BytesMut {
        self.buf
    }

    pub fn simple(&mut self, text: &[u8]) {
        self.line(b'+', text);
    }

    pub fn ok(&mut self) {
        self.buf.put_slice(b"+OK\r\n");
    }

    /// An error reply; `text` is the code and message (`ERR syntax error`).
    /// Newlines would break the frame, so they become spaces, as Redis does.
    pub fn error(&mut self, text: &[u8]) {
        self.buf.reserve(text.len() + 3);
        self.buf.put_u8(b'-');
        for &b in text {
            self.buf
                .put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.buf.put_slice(b"\r\n");
    }

    pub fn integer(&mut self, n: i64) {
        self.header(b':', n);
    }

    /// One reservation for the header, the data and the CRLF, so the
    /// appends after it never grow the buffer (LRANGE writes a hundred of
    /// these per reply).
    #[inline]
    pub fn bulk(&mut self, data: &[u8]) {
        self.buf.reserve(data.len() + 24);
        self.header(b'$', data.len() as i64);
        self.buf.put_slice(data);
        self.buf.put_slice(b"\r\n");
    }

    /// A bulk string holding the decimal form of `n` (e.g. INCRBYFLOAT's
    /// reply, or an integer-encoded string value).
    pub fn bulk_integer(&mut self, n: i64) {
        let mut digits = itoa_buf();
        let text = format_i64(&mut digits, n);
        self.bulk(text);
    }

    /// The null a command returns in place of a bulk string: `$-1` / `_`.
    pub fn null(&mut self) {
        match self.protocol {
            Protocol::Resp2 => self.buf.put_slice(b"$-1\r\n"),
            Protocol::Resp3 => self.buf.put_slice(b"_\r\n"),
        }
    }

    /// The null a command returns in place of an array: `*-1` / `_`.
    pub fn null_array(&mut self) {
        match self.protocol {
            Protocol::Resp2 => self.buf.put_slice(b"*-1\r\n"),
            Protocol::Resp3 => self.buf.put_slice(b"_\r\n"),
        }
    }

    pub fn array(&mut self, len: usize) {
        self.header(b'*', len as i64);
    }

    /// A map of `len` pairs; the caller then writes 2 * `len` values.
    pub fn map(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header(b'*', 2 * len as i64),
            Protocol::Resp3 => self.header(b'%', len as i64),
        }
    }

    pub fn set(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header(b'*', len as i64),
            Protocol::Resp3 => self.header(b'~', len as i64),
        }
    }

    pub fn push(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header(b'*', len as i64),
            Protocol::Resp3 => self.header(b'>', len as i64),
        }
    }

    /// A double in Redis's reply form (`inf`, `-inf`, `nan`, else the
    /// shortest text that reads back as the same value).
    pub fn double(&mut self, value: f64) {
        let text = format_double(value);
        match self.protocol {
            Protocol::Resp2 => self.bulk(text.as_bytes()),
            Protocol::Resp3 => self.line(b',', text.as_bytes()),
        }
    }

    pub fn boolean(&mut self, value: bool) {
        match self.protocol {
            Protocol::Resp2 => self.integer(i64::from(value)),
            Protocol::Resp3 => self
                .buf
                .put_slice(if value { b"#t\r\n" } else { b"#f\r\n" }),
        }
    }

    pub fn big_number(&mut self, digits: &[u8]) {
        match self.protocol {
            Protocol::Resp2 => self.bulk(digits),
            Protocol::Resp3 => self.line(b'(', digits),
        }
    }

    /// A verbatim string (`txt` or `mkd`); RESP2 sends the text alone.
    pub fn verbatim(&mut self, format: [u8; 3], text: &[u8]) {
        match self.protocol {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.header(b'=', text.len() as i64 + 4);
                self.buf.put_slice(&format);
                self.buf.put_u8(b':');
                self.buf.put_slice(text);
                self.buf.put_slice(b"\r\n");
            }
        }
    }

    /// Attributes precede the frame they describe; RESP2 has none, so the
    /// caller must skip writing the pairs when this returns false.
    pub fn attribute(&mut self, len: usize) -> bool {
        match self.protocol {
            Protocol::Resp2 => false,
            Protocol::Resp3 => {
                self.header(b'|', len as i64);
                true
            }
        }
    }

    /// Writes a whole frame.
    pub fn frame(&mut self, frame: &Frame) {
        match frame {
            Frame::Simple(s) => self.simple(s),
            Frame::Error(e) => self.error(e),
            Frame::Integer(n) => self.integer(*n),
            Frame::Bulk(b) => self.bulk(b),
            Frame::Null => self.null(),
            Frame::NullArray => self.null_array(),
            Frame::Array(items) => {
                self.array(items.len());
                items.iter().for_each(|f| self.frame(f));
            }
            Frame::Map(pairs) => {
                self.map(pairs.len());
                for (k, v) in pairs {
                    self.frame(k);
                    self.frame(v);
                }
            }
            Frame::Set(items) => {
                self.set(items.len());
                items.iter().for_each(|f| self.frame(f));
            }
            Frame::Double(d) => self.double(*d),
            Frame::Boolean(b) => self.boolean(*b),
            Frame::BigNumber(n) => self.big_number(n),
            Frame::Verbatim { format, text } => self.verbatim(*format, text),
            Frame::Push(items) => {
                self.push(items.len());
                items.iter().for_each(|f| self.frame(f));
            }
            Frame::Attribute { attributes, data } => {
                if self.attribute(attributes.len()) {
                    for (k, v) in attributes {
                        self.frame(k);
                        self.frame(v);
                    }
                }
                self.frame(data);
            }
        }
    }

    fn line(&mut self, prefix: u8, text: &[u8]) {
        self.buf.reserve(text.len() + 3);
        self.buf.put_u8(prefix);
        self.buf.put_slice(text);
        self.buf.put_slice(b"\r\n");
    }

    /// `<prefix><n>\r\n` (every integer reply and every bulk, array and
    /// map header). The common one- and two-digit values are one
    /// fixed-size store; the others are assembled on the stack and
    /// appended at once.
    #[inline(always)]
    fn header(&mut self, prefix: u8, n: i64) {
        match n {
            0..=9 => self.buf.put_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']),
            10..=99 => self.buf.put_slice(&[
                prefix,
                b'0' + (n / 10) as u8,
                b'0' + (n % 10) as u8,
                b'\r',
                b'\n',
            ]),
            _ => self.long_header(prefix, n),
        }
    }

    fn long_header(&mut self, prefix: u8, n: i64) {
        // Prefix, sign, 19 digits, CRLF.
        let mut line = [0u8; 23];
        let end = line.len() - 2;
        line[end..].copy_from_slice(b"\r\n");
        let mut pos = write_decimal(&mut line[..end], n);
        pos -= 1;
        line[pos] = prefix;
        self.buf.put_slice(&line[pos..]);
    }
}

/// Encodes `frame` for `protocol`, appending to `buf`.
pub fn encode_frame(frame: &Frame, protocol: Protocol, buf: &mut BytesMut) {
    ReplyWriter::new(buf, protocol).frame(frame);
}

fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

/// Formats `n` in decimal into `buf` without allocating; returns the text.
pub fn format_i64(buf: &mut [u8; 20], n: i64) -> &[u8] {
    let start = write_decimal(buf, n);
    &buf[start..]
}

/// Writes `n` in decimal at the end of `buf` (at least 20 bytes: i64::MIN
/// has 19 digits and a sign); returns where the text starts.
/// Two digits at a time, from a table of "00" to "99": half the
/// divisions of a digit-by-digit loop (every integer reply formats one).
fn write_decimal(buf: &mut [u8], n: i64) -> usize {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut magnitude = n.unsigned_abs();
    let mut pos = buf.len();
    while magnitude >= 100 {
        let pair = (magnitude % 100) as usize * 2;
        magnitude /= 100;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if magnitude >= 10 {
        let pair = magnitude as usize * 2;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        pos -= 1;
        buf[pos] = b'0' + magnitude as u8;
    }
    if n < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    pos
}

/// Redis 7.0's reply text for a double: `inf`, `-inf`, `nan`, otherwise C's
/// `%.17g` (17 significant digits, trailing zeros dropped, an exponent of
/// at least two digits), so 0.1 is `0.10000000000000001` and 1e20 is
/// `1e+20`, exactly as redis-server 7.0 writes scores in both protocols.
pub fn format_double(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // `%g` decides between fixed and exponent form by the exponent of the
    // `%e` conversion at the same precision (after its rounding).
    let scientific = format!("{value:.16e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("Rust's {:e} always has an exponent");
    let exponent: i32 = exponent.parse().expect("a decimal exponent");
    if (-4..17).contains(&exponent) {
        let decimals = (16 - exponent) as usize;
        trim_fraction(format!("{value:.decimals$}"))
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        let mantissa = trim_fraction(mantissa.to_string());
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

/// Drops trailing zeros of a fraction, and the point if nothing is left.
fn trim_fraction(mut text: String) -> String {
    if text.contains('.') {
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
    }
    text
}

/// Appends one command as a RESP multibulk (`*N\r\n`, then
/// `$len\r\narg\r\n` per argument) to a plain vector: the form the AOF
/// and the engine's propagated deltas take. Room for all of it is
/// reserved once.
#[inline]
pub fn write_command<I>(out: &mut Vec<u8>, argv: I)
where
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator + Clone,
    I::Item: AsRef<[u8]>,
{
    let argv = argv.into_iter();
    let payload: usize = argv.clone().map(|arg| arg.as_ref().len()).sum();
    // A header is at most 1 + 20 digits + 2 bytes; each argument ends in 2.
    out.reserve(payload + (argv.len() + 1) * 25);
    write_header(out, b'*', argv.len());
    for arg in argv {
        let arg = arg.as_ref();
        write_header(out, b'$', arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// `<kind><n>\r\n`, with the common one- and two-digit counts written
/// as one fixed-size store (inlined: a command has a header per argument).
#[inline(always)]
fn write_header(out: &mut Vec<u8>, kind: u8, n: usize) {
    if n < 10 {
        out.extend_from_slice(&[kind, b'0' + n as u8, b'\r', b'\n']);
    } else if n < 100 {
        out.extend_from_slice(&[
            kind,
            b'0' + (n / 10) as u8,
            b'0' + (n % 10) as u8,
            b'\r',
            b'\n',
        ]);
    } else {
        write_long_header(out, kind, n);
    }
}

#[cold]
fn write_long_header(out: &mut Vec<u8>, kind: u8, n: usize) {
    let mut digits = [0u8; 20];
    out.push(kind);
    out.extend_from_slice(format_i64(&mut digits, n as i64));
    out.extend_from_slice(b"\r\n");
}

/// Encodes a command as a client sends it: an array of bulk strings.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A], buf: &mut BytesMut) {
    let mut writer = ReplyWriter::new(buf, Protocol::Resp2);
    writer.array(args.len());
    for arg in args {
        writer.bulk(arg.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::{format_double, format_i64, write_command, ReplyWriter};
    use crate::frame::Protocol;
    use bytes::BytesMut;

    #[test]
    fn decimals_are_what_display_writes() {
        let mut powers: Vec<i64> = (0..19).map(|e| 10i64.pow(e)).collect();
        powers.extend(powers.clone().iter().map(|p| p - 1));
        powers.extend([i64::MAX, i64::MIN, 12_345, 99_999, 100_001]);
        let mut values: Vec<i64> = (-1000..1000).collect();
        values.extend(powers.iter().flat_map(|&p| {
            [
                p.checked_neg(),
                p.checked_add(1),
                p.checked_neg().and_then(|n| n.checked_sub(1)),
            ]
            .into_iter()
            .flatten()
            .chain([p])
        }));
        for n in values {
            let mut buf = [0u8; 20];
            assert_eq!(format_i64(&mut buf, n), n.to_string().as_bytes(), "{n}");
        }
    }

    #[test]
    fn integer_and_length_lines_hold_every_i64() {
        let mut buf = BytesMut::from(&b"+OK\r\n"[..]);
        let mut out = ReplyWriter::new(&mut buf, Protocol::Resp2);
        for n in [0, 7, -7, 10, 99, -100, i64::MAX, i64::MIN] {
            out.integer(n);
        }
        out.bulk(b"abc");
        out.array(12);
        let expected = [
            "+OK\r\n",
            ":0\r\n:7\r\n:-7\r\n:10\r\n:99\r\n:-100\r\n",
            ":9223372036854775807\r\n:-9223372036854775808\r\n",
            "$3\r\nabc\r\n*12\r\n",
        ]
        .concat();
        assert_eq!(&buf[..], expected.as_bytes());
    }

    #[test]
    fn headers_of_every_width_match_the_decimal_form() {
        // The one- and two-digit fast paths and the general one meet at
        // 9/10 and 99/100.
        for n in [-1i64, 0, 1, 9, 10, 11, 42, 99, 100, 101, 999, 1000, 65536] {
            let mut buf = BytesMut::new();
            let mut out = ReplyWriter::new(&mut buf, Protocol::Resp2);
            out.integer(n);
            if n >= 0 {
                out.array(n as usize);
                let data = vec![b'v'; n as usize];
                out.bulk(&data);
            }
            let mut expect = format!(":{n}\r\n").into_bytes();
            if n >= 0 {
                expect.extend_from_slice(format!("*{n}\r\n${n}\r\n").as_bytes());
                expect.extend(std::iter::repeat_n(b'v', n as usize));
                expect.extend_from_slice(b"\r\n");
            }
            assert_eq!(&buf[..], &expect[..], "n = {n}");
        }
    }

    #[test]
    fn commands_are_length_prefixed_binary_safe_multibulks() {
        let mut out = Vec::new();
        write_command(&mut out, &[b"SET".as_slice(), b"k\r\n", b""]);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$0\r\n\r\n");
    }

    #[test]
    fn command_lengths_of_every_width_are_written_in_decimal() {
        for len in [0usize, 9, 10, 99, 100, 12345] {
            let arg = vec![b'x'; len];
            let mut out = Vec::new();
            write_command(&mut out, &[arg.as_slice()]);
            let mut expect = format!("*1\r\n${len}\r\n").into_bytes();
            expect.extend_from_slice(&arg);
            expect.extend_from_slice(b"\r\n");
            assert_eq!(out, expect, "length {len}");
        }
        let many: Vec<&[u8]> = vec![b"a"; 123];
        let mut out = Vec::new();
        write_command(&mut out, &many);
        assert!(out.starts_with(b"*123\r\n$1\r\na\r\n"));
    }

    #[test]
    fn doubles_are_written_as_redis_7_0_writes_them() {
        // Each expectation is what redis-server 7.0.15 replied for the score.
        for (value, text) in [
            (0.1, "0.10000000000000001"),
            (1.5, "1.5"),
            (3.0, "3"),
            (1e20, "1e+20"),
            (82.1, "82.099999999999994"),
            (127.1, "127.09999999999999"),
            (1e-5, "1.0000000000000001e-05"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
            (0.0, "0"),
            (-0.0, "-0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "4.9406564584124654e-324"),
            (4.321, "4.3209999999999997"),
            (1e300, "1.0000000000000001e+300"),
            (-2.5e-10, "-2.5000000000000002e-10"),
            (1e21, "1e+21"),
            (1e308, "1e+308"),
            (1e-300, "1e-300"),
        ] {
            assert_eq!(format_double(value), text, "{value:e}");
        }
    }
}
