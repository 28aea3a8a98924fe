//! redis-rust-cli as a library: everything the `redis-rust-cli` binary does,
//! in parts the tests can drive.
//!
//! - [`format`]: replies as text, in redis-cli's standard, raw and CSV forms.

pub mod format;
