//! Protocol errors, carrying Redis's exact reply texts.

/// What is wrong with the bytes a peer sent. For requests, `Display` is the
/// error reply Redis sends before it closes the connection (without the
/// leading `-`), byte for byte except where `ExpectedDollar` holds a
/// non-UTF-8 byte; `reply_text` is exact in every case.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("ERR Protocol error: too big inline request")]
    TooBigInlineRequest,
    #[error("ERR Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    #[error("ERR Protocol error: too big mbulk count string")]
    TooBigMultibulkCount,
    #[error("ERR Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    #[error("ERR Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    #[error("ERR Protocol error: too big bulk count string")]
    TooBigBulkCount,
    #[error("ERR Protocol error: expected '$', got '{}'", char::from(shown_byte(*.0)))]
    ExpectedDollar(u8),
    #[error("ERR Protocol error: invalid bulk length")]
    InvalidBulkLength,
    #[error("ERR Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
    // The rest are frame (reply) errors, which Redis never sends itself.
    #[error("ERR Protocol error: invalid frame type byte 0x{0:02x}")]
    InvalidType(u8),
    #[error("ERR Protocol error: line too long")]
    LineTooLong,
    #[error("ERR Protocol error: invalid {0}")]
    Invalid(&'static str),
    #[error("ERR Protocol error: aggregates nested too deep")]
    TooDeep,
}

impl ProtocolError {
    /// The error reply's text exactly as Redis writes it (without the
    /// leading `-` and the CRLF), including a raw non-ASCII byte after
    /// "got".
    pub fn reply_text(&self) -> Vec<u8> {
        match self {
            ProtocolError::ExpectedDollar(byte) => {
                let mut text = b"ERR Protocol error: expected '$', got '".to_vec();
                text.push(shown_byte(*byte));
                text.push(b'\'');
                text
            }
            other => other.to_string().into_bytes(),
        }
    }
}

/// A byte as an error reply shows it: Redis turns CR and LF into spaces
/// so the reply stays one line.
fn shown_byte(byte: u8) -> u8 {
    match byte {
        b'\r' | b'\n' => b' ',
        other => other,
    }
}

/// The error type of the tokio-util codecs: the peer's fault or the
/// transport's.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
