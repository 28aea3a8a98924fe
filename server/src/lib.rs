//! redis-rust-server: the tokio wiring that serves kv-engine to Redis
//! clients, as a library so tests and the simulator drive it in process.
//!
//! - [`config`]: redis.conf and redis-server arguments, CONFIG GET/SET/REWRITE.

pub mod config;
