//! RDB, Redis's snapshot format, version 10 (Redis 7.0), read and written.
//!
//! - [`load`]: `load_with` reads RDB data (versions 1..=10, every type and
//!   encoding Redis 7.0 writes or still loads: ziplists, zipmaps,
//!   quicklists, listpacks, intsets, LZF strings) and hands keys to an
//!   [`RdbVisitor`]; `load` fills an `Engine`. Corrupt or truncated data
//!   is an [`RdbError`] naming the byte offset and what was expected.
//! - [`save`]: `RdbWriter` streams a snapshot (aux fields, SELECTDB and
//!   RESIZEDB per db, EXPIRETIME_MS, values, EOF, CRC-64); `save` writes an
//!   engine.
//! - [`snapshot`]: `SnapshotWriter` writes an engine snapshot taken in
//!   slices (`Engine::snapshot_step`, no fork) as RDB.
//! - [`dump`]: DUMP/RESTORE payloads with the same value codec;
//!   [`restore`]: the DUMP and RESTORE commands, and the host AOF replay
//!   runs RESTORE with.
//! - [`file`]: atomic, fsynced `save_to_path` and `load_from_path`.
//!
//! The pieces: [`input`] (offsets, CRC, bounded reads), [`decode`] and
//! [`encode`] (one value), [`listpack`], [`ziplist`], [`intset`],
//! [`zipmap`] (packed blobs), [`lzf`], [`crc64`], [`format`] (constants).
//! Everything works on bytes (`BufRead` / `Write`), not on files, so the
//! AOF side can place an RDB preamble wherever its storage puts it.

pub mod crc64;
pub mod decode;
pub mod dump;
pub mod encode;
pub mod error;
pub mod file;
pub mod format;
pub mod input;
pub mod intset;
pub mod listpack;
pub mod load;
pub mod lzf;
pub mod restore;
pub mod save;
pub mod snapshot;
pub mod ziplist;
pub mod zipmap;

pub use dump::{dump_value, dump_value_with, restore_value, RestoreError};
pub use encode::ValueOptions;
pub use error::{RdbError, RdbErrorKind, RdbResult};
pub use file::{load_from_path, save_to_path};
pub use load::{
    load, load_replacing, load_with, Checksum, EngineLoader, EntryMeta, LoadOptions, RdbReport,
    RdbVisitor,
};
pub use save::{save, RdbWriter, SaveOptions, SaveReport};
pub use snapshot::{save_in_steps, SnapshotWriter};
