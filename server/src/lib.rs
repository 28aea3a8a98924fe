//! redis-rust-server: the tokio wiring that serves kv-engine to Redis
//! clients, as a library so tests and the simulator drive it in process.
//!
//! - [`config`]: redis.conf and redis-server arguments, the directive
//!   table, typed settings, CONFIG REWRITE.
//! - [`run`]: start (bind, spawn) and stop (cooperative shutdown).
//! - [`listener`]: TCP and unix sockets, maxclients, protected mode.
//! - [`connection`]: one task per client: read, batch under one lock, write.
//! - [`host`]: the commands the server answers itself, one file per family.
//! - [`core`] and [`shared`]: what is behind the engine lock, and what
//!   every task shares.
//! - [`client`], [`outbox`]: clients as others see them, and pushes to them.
//! - [`pubsub`]: channels, patterns, shard channels.
//! - [`blocking`]: blocked clients (BLPOP & co.), served FIFO from ready
//!   keys.
//! - [`durability`]: the write path's credit, MISCONF gate and fsync
//!   wait; [`disk`]: startup loading and RDB saves.
//! - [`cron`]: the `hz` timer (active expiry, lazy free, rates).
//! - [`stats`] (with [`latency_histogram`]), [`slowlog`], [`latency`],
//!   [`memory`]: what INFO and friends report.
//! - [`logging`], [`clock`].
//! - `sim` (feature `sim`, tests only): the simulation's way in, a
//!   server started on a given clock, seed and storage, without sockets.

pub mod blocking;
pub mod client;
pub mod clock;
pub mod config;
pub mod connection;
pub mod core;
pub mod cron;
pub mod disk;
pub mod durability;
pub mod fd_limit;
pub mod host;
pub mod latency;
pub mod latency_histogram;
pub mod listener;
pub mod logging;
pub mod memory;
pub mod outbox;
pub mod pubsub;
pub mod run;
pub mod shared;
#[cfg(feature = "sim")]
pub mod sim;
pub mod slowlog;
pub mod stats;

/// Redis's allocator, for comparable memory use and for INFO memory's
/// allocator statistics.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
