//! `Keyspace`: one numbered database — keys, values and expiry times.
//!
//! It knows nothing of commands, deltas or clocks: callers pass the time and
//! decide what an expired key means (the engine deletes it and propagates a
//! DEL). Keys are hashed with a per-process random seed (keys come from
//! clients, so no hash flooding), injectable for simulation.

use crate::value::Value;
use hashbrown::HashMap;

pub type Key = Box<[u8]>;

/// The hasher every keyspace uses; seeded so simulations replay exactly.
#[derive(Clone, Debug)]
pub struct KeyHasher(ahash::RandomState);

impl KeyHasher {
    pub fn seeded(seed: u64) -> Self {
        KeyHasher(ahash::RandomState::with_seeds(
            seed,
            seed.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15,
            seed.rotate_left(31) ^ 0xbf58_476d_1ce4_e5b9,
            seed.rotate_left(47) ^ 0x94d0_49bb_1331_11eb,
        ))
    }
}

impl std::hash::BuildHasher for KeyHasher {
    type Hasher = ahash::AHasher;
    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}

/// One database.
#[derive(Clone, Debug)]
pub struct Keyspace {
    entries: HashMap<Key, Value, KeyHasher>,
    /// Absolute expiry (Unix ms) of the keys that have one.
    expires: HashMap<Key, i64, KeyHasher>,
}

impl Keyspace {
    pub fn new(hasher: KeyHasher) -> Self {
        Keyspace {
            entries: HashMap::with_hasher(hasher.clone()),
            expires: HashMap::with_hasher(hasher),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// True when `key` has an expiry at or before `now_ms`.
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        self.expires.get(key).is_some_and(|&at| at <= now_ms)
    }

    /// The value, ignoring expiry (the caller has already checked it).
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.entries.get(key)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.entries.get_mut(key)
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.entries.contains_key(key)
    }

    /// Stores `value`, keeping an existing expiry only if `keep_ttl`.
    pub fn insert(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        if !keep_ttl {
            self.expires.remove(key);
        }
        match self.entries.get_mut(key) {
            Some(slot) => *slot = value,
            None => {
                self.entries.insert(key.into(), value);
            }
        }
    }

    /// Removes the key and its expiry; returns the value it held.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let value = self.entries.remove(key)?;
        self.expires.remove(key);
        Some(value)
    }

    pub fn expire_at(&self, key: &[u8]) -> Option<i64> {
        self.expires.get(key).copied()
    }

    /// Sets an absolute expiry; the key must exist.
    pub fn set_expire_at(&mut self, key: &[u8], at_ms: i64) {
        debug_assert!(self.entries.contains_key(key), "expiry for a missing key");
        match self.expires.get_mut(key) {
            Some(slot) => *slot = at_ms,
            None => {
                self.expires.insert(key.into(), at_ms);
            }
        }
    }

    /// Removes an expiry; returns true if there was one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.expires.remove(key).is_some()
    }

    /// Every key with its value and expiry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Value, Option<i64>)> {
        self.entries
            .iter()
            .map(|(k, v)| (&**k, v, self.expires.get(k).copied()))
    }

    /// Keys with an expiry, in no particular order (the active expiry cycle
    /// samples from these).
    pub fn volatile_keys(&self) -> impl Iterator<Item = (&[u8], i64)> {
        self.expires.iter().map(|(k, &at)| (&**k, at))
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.expires.clear();
    }
}
