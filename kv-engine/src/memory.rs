//! Memory accounting: what the keyspaces hold on the heap, for INFO's
//! `used_memory`, `maxmemory` and MEMORY USAGE.
//!
//! Each `Keyspace` keeps its own byte count up to date on every write (see
//! `Keyspace::used_bytes`: capacities for the table, counters for long keys
//! and values, whose `heap_bytes` is O(1)), so reading the total is a sum
//! over the databases, cheap enough to do before every command. Each block
//! is counted at what the allocator charges for it (`charged`: jemalloc's
//! size classes, as Redis's `used_memory` counts them), so many small
//! blocks (sorted-set members, long keys) are not under-counted.
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

/// The bytes the allocator takes for a block of `size` bytes: jemalloc's
/// size class (the server's allocator, and Redis's): 8, then multiples of
/// 16 up to 128, then four classes per doubling (160, 192, 224, 256, 320,
/// ...; pages from 16 KiB on). 0 for 0: an empty `Vec` allocates nothing.
pub const fn charged(size: usize) -> usize {
    if size == 0 {
        return 0;
    }
    if size <= 8 {
        return 8;
    }
    if size <= 128 {
        return (size + 15) & !15;
    }
    let log2 = usize::BITS - 1 - (size - 1).leading_zeros();
    let spacing = 1usize << (log2 - 2);
    (size + spacing - 1) & !(spacing - 1)
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

#[cfg(test)]
mod tests {
    use super::charged;

    #[test]
    fn blocks_are_charged_at_jemalloc_size_classes() {
        for (size, class) in [
            (0, 0),
            (1, 8),
            (8, 8),
            (9, 16),
            (17, 32),
            (33, 48),
            (100, 112),
            (128, 128),
            (129, 160),
            (257, 320),
            (1025, 1280),
            (4096, 4096),
            (4097, 5120),
            (16385, 20480),
            (49152, 49152),
            (1 << 20, 1 << 20),
            ((1 << 20) + 1, 1310720),
        ] {
            assert_eq!(charged(size), class, "size {size}");
        }
    }
}
