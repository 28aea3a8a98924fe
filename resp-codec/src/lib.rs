//! resp-codec: the Redis serialization protocol (RESP2 and RESP3).
//!
//! - [`frame`]: the `Frame` type and the `Protocol` a connection speaks.
//! - [`encode`]: `ReplyWriter`, an allocation-free encoder into `BytesMut`.
//!
//! The crate has no runtime and knows nothing of commands: it turns bytes
//! into frames and frames into bytes, with Redis's limits and error texts.

pub mod encode;
pub mod frame;

pub use encode::{encode_frame, ReplyWriter};
pub use frame::{Frame, Protocol};
