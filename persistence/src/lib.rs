//! persistence: durability for kv-engine, in Redis 7.0's own file formats.
//!
//! - [`config`]: `PersistenceConfig`, the redis.conf directives, typed.
//! - [`storage`]: the `Storage` trait, the real disk and the simulated one.
//! - [`io`]: how async code reaches blocking storage.
//! - [`aof`]: the multi-part AOF: manifest, names, encoding, reading, replay.
//! - [`recovery`]: `recover`, loading the files into the engine at startup.

pub mod aof;
pub mod config;
pub mod io;
pub mod recovery;
pub mod storage;

pub use config::{FsyncPolicy, PersistenceConfig, SavePoint};
pub use recovery::{recover, RecoveryError, RecoveryReport, RecoverySource};
pub use storage::{RealStorage, Storage, StorageError, StorageFile};
