//! `Frame`: one RESP2 or RESP3 value, as it travels on the wire.
//!
//! Payloads are `Bytes`, so a frame parsed from a read buffer shares that
//! buffer instead of copying it.

use bytes::Bytes;

/// Which protocol a connection speaks. RESP2 is the default; `HELLO 3`
/// switches a connection to RESP3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

/// Every RESP2 and RESP3 type.
///
/// RESP2 has two nulls (the null bulk string `$-1` and the null array `*-1`)
/// and Redis chooses between them per command, so both are kept: in RESP3
/// both are written as `_`.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+OK`
    Simple(Bytes),
    /// `-ERR message`; the payload holds the code and the message.
    Error(Bytes),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo`
    Bulk(Bytes),
    /// RESP3 `_`, RESP2 `$-1`.
    Null,
    /// RESP2 `*-1`, RESP3 `_`.
    NullArray,
    /// `*N`
    Array(Vec<Frame>),
    /// RESP3 `%N`; RESP2 sends a flat array of 2N elements.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~N`; RESP2 sends an array.
    Set(Vec<Frame>),
    /// RESP3 `,3.14`; RESP2 sends a bulk string.
    Double(f64),
    /// RESP3 `#t`; RESP2 sends `:1` / `:0`.
    Boolean(bool),
    /// RESP3 `(123...`; RESP2 sends a bulk string.
    BigNumber(Bytes),
    /// RESP3 `=N\r\ntxt:...`; RESP2 sends the text as a bulk string.
    Verbatim { format: [u8; 3], text: Bytes },
    /// RESP3 `>N`; RESP2 sends an array.
    Push(Vec<Frame>),
    /// RESP3 `|N` attributes followed by the frame they describe; RESP2
    /// drops the attributes and sends the frame alone.
    Attribute {
        attributes: Vec<(Frame, Frame)>,
        data: Box<Frame>,
    },
}

impl Frame {
    /// A simple string from static text, without allocating.
    pub fn simple(text: &'static str) -> Frame {
        Frame::Simple(Bytes::from_static(text.as_bytes()))
    }

    /// An error frame; `text` holds the code and message, e.g. `ERR syntax error`.
    pub fn error(text: impl Into<Bytes>) -> Frame {
        Frame::Error(text.into())
    }

    /// A bulk string copied from a slice.
    pub fn bulk(data: &[u8]) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(data))
    }

    /// True for both nulls.
    pub fn is_null(&self) -> bool {
        matches!(self, Frame::Null | Frame::NullArray)
    }

    /// The payload of a simple string, error, bulk string, big number or
    /// verbatim string.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Frame::Simple(b) | Frame::Error(b) | Frame::Bulk(b) | Frame::BigNumber(b) => Some(b),
            Frame::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }
}
