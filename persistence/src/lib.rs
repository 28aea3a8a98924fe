//! persistence: durability for kv-engine, in Redis 7.0's own file formats.
//!
//! - [`config`]: `PersistenceConfig`, the redis.conf directives, typed.
//! - [`durability`]: `Durability`, the handle the server holds: the delta
//!   sink, credit (`reserve`), `wait_durable`, status, rewrite, shutdown.
//! - [`credit`]: `DeltaPermit`; [`bridge`]: the bounded queue from the
//!   engine's sink to the AOF actor, taken in batches.
//! - [`aof`]: the multi-part AOF: the writer actor, manifest, names,
//!   encoding, reading, replay, base files.
//! - [`rdb`]: RDB v10 snapshots (read, write, DUMP/RESTORE payloads).
//! - [`recovery`]: `recover`, loading the files into the engine at startup.
//! - [`snapshot`]: the engine's fork-less snapshots for rewrites, in slices.
//! - [`storage`]: the `Storage` trait, the real disk and the simulated one;
//!   [`io`]: how async code reaches blocking work.
//! - [`error`]: MISCONF and friends with Redis's texts; [`status`]: INFO.
//! - `waiters`: clients waiting for durability, woken in LSN order.

pub mod aof;
pub mod aof_dir;
pub mod bridge;
pub mod config;
pub mod credit;
pub mod durability;
pub mod error;
pub mod io;
pub mod rdb;
pub mod recovery;
pub mod snapshot;
pub mod status;
pub mod storage;
mod waiters;

pub use aof_dir::AofDir;
pub use config::{FsyncPolicy, PersistenceConfig, SavePoint};
pub use credit::DeltaPermit;
pub use durability::{Durability, DurabilityOptions, StartError};
pub use error::{DurabilityError, Misconf, RewriteError};
pub use recovery::{recover, RecoveryError, RecoveryReport, RecoverySource};
pub use snapshot::{EngineAccess, SnapshotBegun};
pub use status::PersistenceStatus;
pub use storage::{RealStorage, Storage, StorageError, StorageFile};
