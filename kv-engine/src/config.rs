//! Engine configuration: the redis.conf directives the engine itself obeys.
//!
//! Field names are Redis's directive names with `_` for `-`
//! (`maxmemory_policy` is `maxmemory-policy`), so the server's config table
//! maps onto them one to one.

use crate::eviction::MaxmemoryPolicy;
use crate::notify::NotifyFlags;

/// Settings the engine reads on every command; the server owns parsing and
/// CONFIG SET and hands the engine a new copy.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub databases: usize,
    /// Seed of the keyspace hash and of the engine's random choices.
    pub seed: u64,
    pub list_max_listpack_size: i64,
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub set_max_intset_entries: usize,
    pub set_max_listpack_entries: usize,
    pub set_max_listpack_value: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    /// The active expiry cycle's effort, 1..=10 (`active-expire-effort`).
    pub active_expire_effort: u32,
    pub proto_max_bulk_len: u64,
    /// Bytes the engine may use before evicting (0: no limit); compared
    /// with `Engine::used_memory`.
    pub maxmemory: u64,
    pub maxmemory_policy: MaxmemoryPolicy,
    /// Keys sampled per database and eviction round, 1..=64.
    pub maxmemory_samples: u32,
    /// How long one eviction pass may run, 0..=100 (10: 500 us; 100: no
    /// limit).
    pub maxmemory_eviction_tenacity: u32,
    /// How slowly LFU counters climb (0: every hit counts).
    pub lfu_log_factor: u32,
    /// Minutes of idleness per LFU counter decrement (0: never decays).
    pub lfu_decay_time: u32,
    /// Which events are recorded for the owner to publish; the owner keeps
    /// the directive's text and parses it with `NotifyFlags::parse`.
    pub notify_keyspace_events: NotifyFlags,
}

impl EngineConfig {
    /// When a hash leaves the listpack form.
    pub fn hash_limits(&self) -> crate::value::hash::HashLimits {
        crate::value::hash::HashLimits {
            max_entries: self.hash_max_listpack_entries,
            max_value: self.hash_max_listpack_value,
        }
    }

    /// When a sorted set leaves the listpack form.
    pub fn zset_limits(&self) -> crate::value::zset::ZSetLimits {
        crate::value::zset::ZSetLimits {
            max_entries: self.zset_max_listpack_entries,
            max_value: self.zset_max_listpack_value,
        }
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            databases: 16,
            seed: 0,
            list_max_listpack_size: -2,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            active_expire_effort: 1,
            proto_max_bulk_len: 512 * 1024 * 1024,
            maxmemory: 0,
            maxmemory_policy: MaxmemoryPolicy::NoEviction,
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            notify_keyspace_events: NotifyFlags::NONE,
        }
    }
}
