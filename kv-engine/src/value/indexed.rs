//! `IndexedMap`: a hash map from byte strings to values whose entries also
//! sit in a dense vector, so a uniformly random entry (SRANDMEMBER, SPOP,
//! HRANDFIELD) is one index away and iteration is a slice walk.
//!
//! The hash table holds only u32 positions into the vector; removal swaps
//! the last entry into the hole. Hashing uses fixed seeds so iteration order
//! (and so every reply) is the same on every run, as the engine's
//! determinism requires.

use hashbrown::HashTable;

/// The fixed-seed hasher of collection members.
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

#[derive(Clone, Debug, Default)]
pub struct IndexedMap<V> {
    entries: Vec<(Box<[u8]>, V)>,
    table: HashTable<u32>,
}

impl<V: PartialEq> PartialEq for IndexedMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|o| o == v))
    }
}

impl<V> IndexedMap<V> {
    pub fn new() -> Self {
        IndexedMap {
            entries: Vec::new(),
            table: HashTable::new(),
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        IndexedMap {
            entries: Vec::with_capacity(n),
            table: HashTable::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &[u8]) -> Option<usize> {
        let entries = &self.entries;
        self.table
            .find(hash_of(key), |&i| &*entries[i as usize].0 == key)
            .map(|&i| i as usize)
    }

    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`; returns the previous value.
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        if let Some(i) = self.position(key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        let index = u32::try_from(self.entries.len()).expect("collections hold < 2^32 entries");
        self.entries.push((key.into(), value));
        let entries = &self.entries;
        self.table
            .insert_unique(hash_of(key), index, |&i| hash_of(&entries[i as usize].0));
        None
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        let i = self.position(key)?;
        Some(self.swap_remove_index(i).1)
    }

    /// Removes the entry at `index` (moving the last entry into its place).
    pub fn swap_remove_index(&mut self, index: usize) -> (Box<[u8]>, V) {
        let hash = hash_of(&self.entries[index].0);
        match self.table.find_entry(hash, |&i| i as usize == index) {
            Ok(entry) => {
                entry.remove();
            }
            Err(_) => unreachable!("every entry is in the table"),
        }
        let last = self.entries.len() - 1;
        if index != last {
            let moved_hash = hash_of(&self.entries[last].0);
            if let Some(slot) = self.table.find_mut(moved_hash, |&i| i as usize == last) {
                *slot = index as u32;
            }
        }
        self.entries.swap_remove(index)
    }

    /// The entry at `index` (0..len), for random picks.
    pub fn get_index(&self, index: usize) -> Option<(&[u8], &V)> {
        self.entries.get(index).map(|(k, v)| (&**k, v))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], &V)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }

    /// Heap bytes held (for MEMORY USAGE estimates).
    pub fn heap_bytes(&self) -> usize {
        let keys: usize = self.entries.iter().map(|(k, _)| k.len()).sum();
        self.entries.capacity() * std::mem::size_of::<(Box<[u8]>, V)>()
            + self.table.capacity() * (std::mem::size_of::<u32>() + 1)
            + keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_remove_keep_positions_consistent() {
        let mut map = IndexedMap::new();
        for i in 0..100u32 {
            assert_eq!(map.insert(i.to_string().as_bytes(), i), None);
        }
        assert_eq!(map.insert(b"5", 500), Some(5));
        for i in (0..100u32).step_by(3) {
            assert!(map.remove(i.to_string().as_bytes()).is_some());
        }
        assert_eq!(map.len(), 66);
        for i in 0..100u32 {
            let expected = match i {
                5 => Some(500),
                _ if i % 3 == 0 => None,
                _ => Some(i),
            };
            assert_eq!(map.get(i.to_string().as_bytes()).copied(), expected, "{i}");
        }
        for index in 0..map.len() {
            let (key, _) = map.get_index(index).expect("dense");
            assert!(map.contains(key));
        }
    }
}
