//! resp-codec: the Redis serialization protocol (RESP2 and RESP3).
//!
//! - [`frame`]: the `Frame` type and the `Protocol` a connection speaks.
//! - [`encode`]: `ReplyWriter`, an allocation-free encoder into `BytesMut`,
//!   and `encode_command` for clients.
//! - [`request`]: `RequestDecoder`, what a server reads: multibulk or inline
//!   commands, by Redis's rules and with its error texts, into
//!   [`commands`] (`Commands`), each command an [`argv`] (`Argv`): its
//!   arguments as ranges of the frozen read buffer.
//! - [`parse`]: `FrameParser`/`parse_frame`, any RESP2/RESP3 frame (what a
//!   client reads), and `FrameCodec` for tokio-util.
//! - [`inline`]: Redis's quoting rules for inline commands (and prompts).
//! - [`limits`] and [`error`]: the bounds checked before allocating, and the
//!   errors, carrying Redis's texts.
//!
//! The crate has no runtime and knows nothing of commands: it turns bytes
//! into frames and frames into bytes, with Redis's limits and error texts.
//! Parsed payloads are zero-copy slices of the read buffer.
//!
//! ```
//! use bytes::BytesMut;
//! use resp_codec::{Limits, RequestDecoder};
//!
//! let mut decoder = RequestDecoder::new(Limits::default());
//! let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*1\r\n$4\r\nPI"[..]);
//! assert_eq!(decoder.decode(&mut buf).unwrap().unwrap(), vec!["GET", "k"]);
//! assert_eq!(decoder.decode(&mut buf).unwrap().unwrap(), vec!["PING"]);
//! assert_eq!(decoder.decode(&mut buf).unwrap(), None); // the rest is partial
//! buf.extend_from_slice(b"NG\r\n");
//! assert_eq!(decoder.decode(&mut buf).unwrap().unwrap(), vec!["PING"]);
//! ```

pub mod argv;
pub mod commands;
pub mod encode;
pub mod error;
pub mod frame;
pub mod inline;
mod lex;
pub mod limits;
pub mod parse;
pub mod request;

pub use argv::Argv;
pub use commands::Commands;
pub use encode::{encode_command, encode_frame, ReplyWriter};
pub use error::{CodecError, ProtocolError};
pub use frame::{Frame, Protocol};
pub use inline::split_inline_args;
pub use limits::Limits;
pub use parse::{parse_frame, FrameCodec, FrameParser};
pub use request::RequestDecoder;
