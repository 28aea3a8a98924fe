//! `ArenaMap`: the large form of hashes and sets. Every entry's key and
//! value bytes live back to back in one arena (`len key len value`, lengths
//! as varints), a dense vector holds each entry's arena offset, and a hash
//! table holds positions in that vector. An entry costs its bytes plus
//! about 11 (Redis's hashtable spends ~40 plus its sds strings), lookups
//! are O(1), a uniformly random entry is one index away, and removal moves
//! the last entry into the hole (which is what lets HSCAN/SSCAN walk
//! positions downwards safely).
//!
//! Dead bytes (removed or resized entries) are reclaimed by compacting once
//! they outweigh the live ones, so each operation stays amortized O(1).
//! Hashing uses fixed seeds, so iteration order replays exactly.

use crate::memory::charged;
use hashbrown::HashTable;

fn hash_of(key: &[u8]) -> u64 {
    static STATE: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    STATE
        .get_or_init(|| {
            ahash::RandomState::with_seeds(
                0x243f_6a88_85a3_08d3,
                0x1319_8a2e_0370_7344,
                0xa409_3822_299f_31d0,
                0x082e_fa98_ec4e_6c89,
            )
        })
        .hash_one(key)
}

/// Appends a varint length and the bytes.
pub(super) fn put(buf: &mut Vec<u8>, data: &[u8]) {
    let mut n = data.len();
    while n >= 0x80 {
        buf.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    buf.push(n as u8);
    buf.extend_from_slice(data);
}

/// Bytes `put` writes for `len` data bytes.
pub(super) fn put_len(len: usize) -> usize {
    let mut header = 1;
    let mut n = len >> 7;
    while n > 0 {
        header += 1;
        n >>= 7;
    }
    header + len
}

/// Reads the string at `at`; returns it and where the next one starts.
/// Inline, with the one-byte length of every string under 128 bytes read
/// first: each lookup decodes the entries it compares.
#[inline]
pub(super) fn take(buf: &[u8], at: usize) -> (&[u8], usize) {
    let first = buf[at];
    if first < 0x80 {
        let start = at + 1;
        let end = start + usize::from(first);
        return (&buf[start..end], end);
    }
    take_long(buf, at)
}

/// `take` of a string whose length takes more than one byte.
fn take_long(buf: &[u8], mut at: usize) -> (&[u8], usize) {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = buf[at];
        at += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    (&buf[at..at + n], at + n)
}

#[derive(Clone, Debug, Default)]
pub struct ArenaMap {
    data: Vec<u8>,
    slots: Vec<u32>,
    table: HashTable<u32>,
    /// Bytes of `data` no slot refers to any more.
    garbage: usize,
}

impl PartialEq for ArenaMap {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

/// (key, value, end offset) of the entry at `offset`.
#[inline]
fn entry(data: &[u8], offset: u32) -> (&[u8], &[u8], usize) {
    let (key, next) = take(data, offset as usize);
    let (value, end) = take(data, next);
    (key, value, end)
}

impl ArenaMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    #[inline]
    fn position(&self, key: &[u8]) -> Option<usize> {
        let (data, slots) = (&self.data, &self.slots);
        self.table
            .find(hash_of(key), |&i| entry(data, slots[i as usize]).0 == key)
            .map(|&i| i as usize)
    }

    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.position(key)
            .map(|i| entry(&self.data, self.slots[i]).1)
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.position(key).is_some()
    }

    /// Appends an entry to the arena (growing it by a quarter at a time, to
    /// keep slack low); returns its offset.
    fn append(&mut self, key: &[u8], value: &[u8]) -> u32 {
        let size = put_len(key.len()) + put_len(value.len());
        if self.data.len() + size > self.data.capacity() {
            self.data
                .reserve_exact(size.max(self.data.len() / 4).max(64));
        }
        let offset =
            u32::try_from(self.data.len()).expect("a collection's arena stays under 4 GiB");
        put(&mut self.data, key);
        put(&mut self.data, value);
        offset
    }

    /// Sets `key` to `value`; true when the key is new.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> bool {
        if let Some(i) = self.position(key) {
            let (_, old, end) = entry(&self.data, self.slots[i]);
            if old.len() == value.len() {
                let at = end - old.len();
                self.data[at..end].copy_from_slice(value);
            } else {
                self.garbage += end - self.slots[i] as usize;
                self.slots[i] = self.append(key, value);
                self.compact_if_wasteful();
            }
            return false;
        }
        let offset = self.append(key, value);
        let index = u32::try_from(self.slots.len()).expect("collections hold < 2^32 entries");
        self.slots.push(offset);
        let (data, slots) = (&self.data, &self.slots);
        self.table.insert_unique(hash_of(key), index, |&i| {
            hash_of(entry(data, slots[i as usize]).0)
        });
        true
    }

    /// Removes `key`; true if it was there.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        let Some(i) = self.position(key) else {
            return false;
        };
        self.swap_remove_index(i);
        true
    }

    /// Removes the entry at `index`, moving the last entry into its place.
    pub fn swap_remove_index(&mut self, index: usize) {
        let (key, _, end) = entry(&self.data, self.slots[index]);
        self.garbage += end - self.slots[index] as usize;
        if let Ok(found) = self
            .table
            .find_entry(hash_of(key), |&i| i as usize == index)
        {
            found.remove();
        }
        let last = self.slots.len() - 1;
        if index != last {
            let moved = entry(&self.data, self.slots[last]).0;
            if let Some(slot) = self.table.find_mut(hash_of(moved), |&i| i as usize == last) {
                *slot = index as u32;
            }
        }
        self.slots.swap_remove(index);
        self.compact_if_wasteful();
    }

    fn compact_if_wasteful(&mut self) {
        if self.garbage <= 64 || self.garbage * 2 <= self.data.len() {
            return;
        }
        let mut data = Vec::with_capacity(self.data.len() - self.garbage);
        for slot in &mut self.slots {
            let start = *slot as usize;
            let (_, _, end) = entry(&self.data, *slot);
            *slot = data.len() as u32;
            data.extend_from_slice(&self.data[start..end]);
        }
        self.data = data;
        self.garbage = 0;
        if self.slots.is_empty() {
            self.slots.shrink_to_fit();
        }
    }

    /// The entry at `index` (0..len).
    pub fn get_index(&self, index: usize) -> Option<(&[u8], &[u8])> {
        let &offset = self.slots.get(index)?;
        let (key, value, _) = entry(&self.data, offset);
        Some((key, value))
    }

    /// Entries in position order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> {
        self.slots.iter().map(|&offset| {
            let (key, value, _) = entry(&self.data, offset);
            (key, value)
        })
    }

    /// Heap bytes held, in O(1) (memory accounting, MEMORY USAGE).
    pub fn heap_bytes(&self) -> usize {
        charged(self.data.capacity())
            + charged(4 * self.slots.capacity())
            + charged(self.table.allocation_size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hash_map_through_inserts_resizes_and_removals() {
        let mut map = ArenaMap::new();
        let mut model = std::collections::HashMap::new();
        let mut seed = 5u64;
        for step in 0..20_000u32 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = format!("k{}", (seed >> 33) % 500).into_bytes();
            let value = vec![b'v'; ((seed >> 45) % 300) as usize];
            if (seed >> 20).is_multiple_of(3) {
                assert_eq!(
                    map.remove(&key),
                    model.remove(&key).is_some(),
                    "step {step}"
                );
            } else {
                assert_eq!(map.insert(&key, &value), model.insert(key, value).is_none());
            }
        }
        assert_eq!(map.len(), model.len());
        for (k, v) in &model {
            assert_eq!(map.get(k), Some(v.as_slice()));
        }
        for i in 0..map.len() {
            let (k, v) = map.get_index(i).expect("dense positions");
            assert_eq!(model.get(k).map(Vec::as_slice), Some(v));
        }
        assert!(map.garbage * 2 <= map.data.len() || map.garbage <= 64);
    }
}
