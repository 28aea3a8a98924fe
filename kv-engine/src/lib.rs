//! kv-engine: a Redis-compatible keyspace as a pure, synchronous library.
//!
//! - [`engine`]: `Engine`, which runs one command at a time (`execute`).
//! - [`context`]: `Ctx`, what a command may touch while it runs.
//! - [`command`] and [`commands`]: the command table and the implementations,
//!   one file per family.
//! - [`keyspace`]: `Keyspace`, one database of keys, values and expiries.
//! - [`value`]: the value types.
//! - [`delta`]: `Delta`, the propagation form of every write, with its LSN.
//! - [`clock`]: the injected clock; [`client`]: per-connection state.
//! - [`snapshot`]: point-in-time snapshots in slices, without fork.
//! - [`notify`]: keyspace notification events and `notify-keyspace-events`.
//! - [`memory`]: memory accounting (`used_memory`, MEMORY USAGE).
//! - [`eviction`]: `maxmemory` and its policies; [`access`]: the per-key
//!   LRU clock / LFU counter they read.
//! - [`expiry_cycle`]: active expiry (Redis's adaptive sampling);
//!   [`glob`]: Redis's glob patterns (KEYS, SCAN MATCH).
//!
//! Deliberately absent: no tokio, no sockets, no files, no wall clock. The
//! owner supplies time (`Clock`), the delta sink, and host commands.

pub mod access;
pub mod bits;
pub mod client;
pub mod clock;
pub mod collection_args;
pub mod collection_lookup;
pub mod collection_random;
pub mod collection_scan;
pub mod command;
pub mod command_docs;
pub mod command_name;
pub mod commands;
pub mod config;
pub mod context;
pub mod delta;
pub mod engine;
pub mod error;
pub mod eviction;
pub mod expiry_cycle;
pub mod glob;
pub mod harness;
pub mod key_search;
pub mod keyspace;
pub mod long_double;
pub mod memory;
pub mod notify;
mod notify_place;
pub mod parse;
pub mod snapshot;
pub mod value;

pub use client::{ClientId, ClientState};
pub use clock::{Clock, ManualClock};
pub use config::EngineConfig;
pub use delta::{
    AsSent, Delta, DeltaForm, DeltaLog, DeltaOp, DeltaSink, EncodedDelta, EncodedOp, EncodedOps,
};
pub use engine::{Engine, Host, NoHost, Outcome};
pub use error::{CommandError, CommandResult};
pub use notify::{EventClass, KeyEvent, NotifyFlags};
pub use resp_codec::Argv;
