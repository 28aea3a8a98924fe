//! The set type. Sets of integers are an `IntSet` (Redis's intset: 1, 2, 4
//! or 8 bytes a member, replies in ascending order) up to
//! `set-max-intset-entries`; any other member or more entries turn the set
//! into an `ArenaMap` (O(1) membership and random picks) for good, as in
//! Redis 7.0, which has no listpack sets.

use super::arena_map::ArenaMap;
use super::intset::IntSet;
use super::string::parse_canonical_i64;
use std::borrow::Cow;

/// Redis's default `set-max-intset-entries`.
const DEFAULT_MAX_INTSET: usize = 512;

#[derive(Clone, Debug, PartialEq)]
enum Repr {
    Ints(IntSet),
    /// Boxed, so a small one (the compact form) carries no
    /// table-sized header.
    Table(Box<ArenaMap>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SetValue {
    repr: Repr,
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue {
            repr: Repr::Ints(IntSet::default()),
        }
    }
}

fn int_text<'a>(n: i64) -> Cow<'a, [u8]> {
    let mut scratch = [0u8; 20];
    Cow::Owned(resp_codec::encode::format_i64(&mut scratch, n).to_vec())
}

impl SetValue {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(ints) => ints.len(),
            Repr::Table(map) => map.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Ints(_) => "intset",
            Repr::Table(_) => "hashtable",
        }
    }
    /// True while an intset (SSCAN returns everything in one call then).
    pub fn is_compact(&self) -> bool {
        matches!(self.repr, Repr::Ints(_))
    }
    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.repr {
            Repr::Ints(ints) => parse_canonical_i64(member).is_some_and(|n| ints.contains(n)),
            Repr::Table(map) => map.contains(member),
        }
    }
    /// Adds a member (default intset limit); true when it is new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        self.insert_limited(member, DEFAULT_MAX_INTSET)
    }
    /// Adds a member, leaving the intset form past `max_intset` members or
    /// for a non-integer; true when it is new.
    pub fn insert_limited(&mut self, member: &[u8], max_intset: usize) -> bool {
        if let Repr::Ints(ints) = &mut self.repr {
            if let Some(n) = parse_canonical_i64(member) {
                if ints.contains(n) {
                    return false;
                }
                if ints.len() < max_intset {
                    return ints.insert(n);
                }
            }
            self.convert();
        }
        match &mut self.repr {
            Repr::Table(map) => map.insert(member, b""),
            Repr::Ints(_) => unreachable!("converted above"),
        }
    }
    fn convert(&mut self) {
        if let Repr::Ints(ints) = &self.repr {
            let mut map = ArenaMap::new();
            for n in ints.iter() {
                map.insert(&int_text(n), b"");
            }
            self.repr = Repr::Table(Box::new(map));
        }
    }
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Ints(ints) => parse_canonical_i64(member).is_some_and(|n| ints.remove(n)),
            Repr::Table(map) => map.remove(member),
        }
    }
    /// The member at `index` (0..len), for random picks and SSCAN.
    pub fn get_index(&self, index: usize) -> Option<Cow<'_, [u8]>> {
        match &self.repr {
            Repr::Ints(ints) => ints.get(index).map(int_text),
            Repr::Table(map) => map.get_index(index).map(|(m, _)| Cow::Borrowed(m)),
        }
    }
    /// Members: ascending for an intset, else in no particular order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'_, [u8]>> + '_> {
        match &self.repr {
            Repr::Ints(ints) => Box::new(ints.iter().map(int_text)),
            Repr::Table(map) => Box::new(map.iter().map(|(m, _)| Cow::Borrowed(m))),
        }
    }
    /// The integers of an intset-encoded set, ascending (for RDB's intset
    /// encoding).
    pub fn as_ints(&self) -> Option<Vec<i64>> {
        match &self.repr {
            Repr::Ints(ints) => Some(ints.iter().collect()),
            Repr::Table(_) => None,
        }
    }
    /// Heap bytes held (for MEMORY USAGE estimates).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Ints(ints) => ints.heap_bytes(),
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
    fn intset_until_a_string_or_too_many() {
        let mut s = SetValue::new();
        assert!(s.insert_limited(b"3", 3));
        assert!(s.insert_limited(b"-1", 3));
        assert!(!s.insert_limited(b"3", 3));
        assert!(s.insert_limited(b"2", 3));
        assert_eq!(s.encoding(), "intset");
        let members: Vec<Vec<u8>> = s.iter().map(|m| m.into_owned()).collect();
        assert_eq!(members, vec![b"-1".to_vec(), b"2".to_vec(), b"3".to_vec()]);
        assert!(s.insert_limited(b"4", 3));
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"-1") && s.contains(b"4"));
        let mut t = SetValue::new();
        t.insert_limited(b"01", 3);
        assert_eq!(t.encoding(), "hashtable", "01 is not a canonical integer");
        assert!(t.remove(b"01"));
        assert!(t.is_empty());
    }
}
