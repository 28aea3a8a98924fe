//! Memory accounting: what the keyspaces hold on the heap, for INFO's
//! `used_memory`, `maxmemory` and MEMORY USAGE.
//!
//! Each `Keyspace` keeps its own byte count up to date on every write (see
//! `Keyspace::used_bytes`: capacities for the table, counters for long keys
//! and values, whose `heap_bytes` is O(1)), so reading the total is a sum
//! over the databases, cheap enough to do before every command. Each block
//! is counted at what the system allocator charges for it (`charged`:
//! glibc's chunk header and 16-byte granularity, pages for large blocks),
//! so many small blocks (sorted-set members, long keys) are not
//! under-counted.
//!
//! The owner may add memory it holds for clients (`set_owner_memory`:
//! output buffers, queued replies), which counts towards `maxmemory` as it
//! does in Redis.

use crate::context::Ctx;
use crate::engine::Engine;
use crate::error::{CommandError, CommandResult};
use crate::parse::parse_i64;

impl Engine {
    /// INFO's `used_memory` and what `maxmemory` is compared with: every
    /// database's heap bytes (`keyspace_memory`) plus what the owner
    /// declared with `set_owner_memory`.
    pub fn used_memory(&self) -> usize {
        self.state.used_memory()
    }

    /// Heap bytes held by every database (keys, values, tables, expiries).
    pub fn keyspace_memory(&self) -> usize {
        self.state.keyspace_memory()
    }

    /// Declares bytes the owner holds outside the engine that count towards
    /// `maxmemory` (client buffers); replaces the previous figure.
    pub fn set_owner_memory(&mut self, bytes: usize) {
        self.state.owner_memory = bytes;
    }

    /// What MEMORY USAGE reports for `key` in database `db`: the bytes the
    /// key costs (see `Keyspace::key_usage`); None when it is missing. As in
    /// Redis, an expired key not yet deleted still answers, and the key's
    /// access time is left alone.
    pub fn memory_usage(&self, db: usize, key: &[u8]) -> Option<usize> {
        self.state.dbs.get(db)?.key_usage(key)
    }
}

impl crate::engine::EngineState {
    pub(crate) fn keyspace_memory(&self) -> usize {
        self.dbs.iter().map(|db| db.used_bytes()).sum()
    }

    pub(crate) fn used_memory(&self) -> usize {
        self.keyspace_memory() + self.owner_memory
    }
}

/// Blocks this large are mapped by glibc's malloc (its default threshold).
const MMAP_THRESHOLD: usize = 128 * 1024;

/// The bytes the system allocator (glibc) takes for a block of `size`
/// bytes: an 8-byte header, rounded up to 16, at least 32; blocks from
/// `MMAP_THRESHOLD` on are whole pages with a 16-byte header. 0 for 0 (an
/// empty `Vec` allocates nothing).
pub const fn charged(size: usize) -> usize {
    if size == 0 {
        0
    } else if size >= MMAP_THRESHOLD {
        (size + 16 + 4095) & !4095
    } else {
        let chunk = (size + 8 + 15) & !15;
        if chunk < 32 {
            32
        } else {
            chunk
        }
    }
}

/// MEMORY USAGE key [SAMPLES count], for the host's MEMORY command
/// (`ctx.argv` is `MEMORY USAGE key ...`): the key's bytes, or nil. Our
/// sizes are exact and O(1), so SAMPLES is checked as Redis checks it and
/// then has nothing to change.
pub fn memory_usage_command(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if ctx.argc() < 3 {
        return Err(CommandError::WrongArity("memory|usage".into()));
    }
    let mut i = 3;
    while i < ctx.argc() {
        if ctx.arg(i).eq_ignore_ascii_case(b"samples") && i + 1 < ctx.argc() {
            if parse_i64(ctx.arg(i + 1))? < 0 {
                return Err(CommandError::Syntax);
            }
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    let key = ctx.arg(2);
    match ctx.db.keyspace().key_usage(key) {
        Some(bytes) => ctx.out.integer(bytes as i64),
        None => ctx.out.null(),
    }
    Ok(())
}
