//! The multi-part AOF of Redis 7.0.
//!
//! - [`manifest`]: the manifest format; [`layout`]: file names and the
//!   atomic manifest replace.
//! - [`encode`]: deltas to RESP commands; [`reader`]: RESP commands back,
//!   with offsets; [`replay`]: one file into the engine.

pub mod encode;
pub mod layout;
pub mod manifest;
pub mod reader;
pub mod replay;
