//! The hash type. Small hashes are one packed buffer of
//! `len field len value` entries in insertion order (Redis's listpack:
//! about two bytes of overhead per string); past `hash-max-listpack-entries`
//! entries or a string longer than `hash-max-listpack-value` bytes they
//! become an `ArenaMap` (O(1) lookups and random picks) and never go back,
//! as in Redis.

use super::arena_map::{put, put_len, take, ArenaMap};
use super::packed::{reserve_fit, shrink_fit, splice_bytes};

/// The thresholds of the compact form (from the engine config).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashLimits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Default for HashLimits {
    fn default() -> Self {
        HashLimits {
            max_entries: 128,
            max_value: 64,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Repr {
    Packed {
        bytes: Vec<u8>,
        len: usize,
    },
    /// Boxed, so a small one (the compact form) carries no
    /// table-sized header.
    Table(Box<ArenaMap>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct HashValue {
    repr: Repr,
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue {
            repr: Repr::Packed {
                bytes: Vec::new(),
                len: 0,
            },
        }
    }
}

/// Walks packed entries: (field, value, entry start, entry end).
fn packed_entries(buf: &[u8]) -> impl Iterator<Item = (&[u8], &[u8], usize, usize)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= buf.len() {
            return None;
        }
        let start = at;
        let (field, next) = take(buf, at);
        let (value, end) = take(buf, next);
        at = end;
        Some((field, value, start, end))
    })
}

impl HashValue {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Packed { len, .. } => *len,
            Repr::Table(map) => map.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Packed { .. } => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Packed { bytes, .. } => packed_entries(bytes)
                .find(|(f, ..)| *f == field)
                .map(|(_, v, ..)| v),
            Repr::Table(map) => map.get(field),
        }
    }
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }
    /// Sets a field (default limits); returns true when the field is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        self.insert_limited(field, value, HashLimits::default())
    }
    /// Sets a field, converting to the table form past `limits`; returns
    /// true when the field is new.
    pub fn insert_limited(&mut self, field: &[u8], value: &[u8], limits: HashLimits) -> bool {
        if let Repr::Packed { bytes, len } = &mut self.repr {
            // One walk finds the field (where it is, how long its value
            // is) for both the conversion check and the write.
            let found = packed_entries(bytes)
                .find(|(f, ..)| *f == field)
                .map(|(_, v, start, end)| (start, end, v.len()));
            let too_long = field.len() > limits.max_value || value.len() > limits.max_value;
            let overflows = found.is_none() && *len + 1 > limits.max_entries;
            if !too_long && !overflows {
                match found {
                    // A value of the same length is overwritten in place.
                    Some((_, end, old)) if old == value.len() => {
                        bytes[end - old..end].copy_from_slice(value);
                    }
                    Some((start, end, _)) => {
                        let mut entry =
                            Vec::with_capacity(put_len(field.len()) + put_len(value.len()));
                        put(&mut entry, field);
                        put(&mut entry, value);
                        reserve_fit(bytes, entry.len().saturating_sub(end - start));
                        splice_bytes(bytes, start..end, &entry);
                    }
                    None => {
                        reserve_fit(bytes, put_len(field.len()) + put_len(value.len()));
                        put(bytes, field);
                        put(bytes, value);
                        *len += 1;
                    }
                }
                return found.is_none();
            }
            self.convert();
        }
        match &mut self.repr {
            Repr::Table(map) => map.insert(field, value),
            Repr::Packed { .. } => unreachable!("converted above"),
        }
    }
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Packed { bytes, len } => {
                let found = packed_entries(bytes)
                    .find(|(f, ..)| *f == field)
                    .map(|(.., start, end)| (start, end));
                match found {
                    Some((start, end)) => {
                        bytes.drain(start..end);
                        shrink_fit(bytes);
                        *len -= 1;
                        true
                    }
                    None => false,
                }
            }
            Repr::Table(map) => map.remove(field),
        }
    }
    fn convert(&mut self) {
        if let Repr::Packed { bytes, .. } = &self.repr {
            let mut map = ArenaMap::new();
            for (f, v, ..) in packed_entries(bytes) {
                map.insert(f, v);
            }
            self.repr = Repr::Table(Box::new(map));
        }
    }
    /// The entry at `index` (0..len), for random picks.
    pub fn get_index(&self, index: usize) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Packed { bytes, .. } => packed_entries(bytes).nth(index).map(|(f, v, ..)| (f, v)),
            Repr::Table(map) => map.get_index(index),
        }
    }
    /// Field/value pairs: insertion order while compact, else unspecified.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match &self.repr {
            Repr::Packed { bytes, .. } => Box::new(packed_entries(bytes).map(|(f, v, ..)| (f, v))),
            Repr::Table(map) => Box::new(map.iter()),
        }
    }
    /// True while compact (HSCAN returns everything in one call then).
    pub fn is_compact(&self) -> bool {
        matches!(self.repr, Repr::Packed { .. })
    }
    /// Heap bytes held (for MEMORY USAGE estimates).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Packed { bytes, .. } => crate::memory::charged(bytes.capacity()),
            Repr::Table(map) => {
                crate::memory::charged(std::mem::size_of::<ArenaMap>()) + map.heap_bytes()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_until_limits_then_table() {
        let limits = HashLimits {
            max_entries: 3,
            max_value: 8,
        };
        let mut h = HashValue::new();
        assert!(h.insert_limited(b"a", b"1", limits));
        assert!(h.insert_limited(b"b", b"2", limits));
        assert!(!h.insert_limited(b"a", b"one", limits));
        assert!(h.insert_limited(b"c", b"3", limits));
        assert_eq!(h.encoding(), "listpack");
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(order, vec![&b"a"[..], b"b", b"c"]);
        assert_eq!(h.get(b"a"), Some(&b"one"[..]));
        assert!(h.insert_limited(b"d", b"4", limits));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 4);
        assert!(h.remove(b"a"));
        assert_eq!(h.get(b"b"), Some(&b"2"[..]));
        let mut long = HashValue::new();
        long.insert_limited(b"f", &[b'x'; 9], limits);
        assert_eq!(long.encoding(), "hashtable");
        let mut big = HashValue::new();
        let value = vec![b'v'; 300];
        big.insert_limited(
            b"f",
            &value,
            HashLimits {
                max_entries: 9,
                max_value: 1000,
            },
        );
        assert_eq!(big.get(b"f"), Some(&value[..]));
    }
}
