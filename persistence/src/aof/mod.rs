//! The multi-part AOF of Redis 7.0.
//!
//! - `actor`: the writer that owns the files (fsync policies, group
//!   commit, MISCONF and its recovery, rewrites).
//! - [`manifest`]: the manifest format; [`layout`]: file names and the
//!   atomic manifest replace.
//! - [`encode`]: deltas to RESP commands; [`reader`]: RESP commands back,
//!   with offsets; [`replay`]: one file into the engine.
//! - [`base`]: a base file (RDB or AOF form) from a snapshot; `open`: the
//!   AOF at start, found or created.

pub(crate) mod actor;
pub mod base;
pub mod encode;
pub mod layout;
pub mod manifest;
pub(crate) mod open;
pub mod reader;
pub mod replay;
