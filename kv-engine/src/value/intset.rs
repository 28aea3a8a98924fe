//! `IntSet`: Redis's intset. Sorted integers stored at the narrowest width
//! (1, 2, 4 or 8 bytes) that fits them all, upgraded when a wider one
//! arrives: a set of integers in -128..=127 costs a byte a member (Redis's
//! narrowest is 2), one of 16-bit integers 2 bytes.

use super::packed::{reserve_fit, shrink_fit, splice_bytes};
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntSet {
    /// Bytes per member: 1, 2, 4 or 8.
    width: usize,
    /// Members in ascending order, little-endian, `width` bytes each.
    bytes: Vec<u8>,
}

impl Default for IntSet {
    fn default() -> Self {
        IntSet {
            width: 1,
            bytes: Vec::new(),
        }
    }
}

fn width_for(n: i64) -> usize {
    if i8::try_from(n).is_ok() {
        1
    } else if i16::try_from(n).is_ok() {
        2
    } else if i32::try_from(n).is_ok() {
        4
    } else {
        8
    }
}

impl IntSet {
    pub fn len(&self) -> usize {
        self.bytes.len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The member at position `i` (ascending).
    pub fn get(&self, i: usize) -> Option<i64> {
        let raw = self.bytes.get(i * self.width..(i + 1) * self.width)?;
        Some(match self.width {
            1 => i64::from(raw[0] as i8),
            2 => i64::from(i16::from_le_bytes([raw[0], raw[1]])),
            4 => i64::from(i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]])),
            _ => {
                let mut eight = [0u8; 8];
                eight.copy_from_slice(raw);
                i64::from_le_bytes(eight)
            }
        })
    }

    fn encode(&self, n: i64) -> Vec<u8> {
        n.to_le_bytes()[..self.width].to_vec()
    }

    /// Ok(position) if present, Err(insertion point) if not.
    pub fn search(&self, n: i64) -> Result<usize, usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = (low + high) / 2;
            match self.get(mid).map_or(Ordering::Greater, |m| m.cmp(&n)) {
                Ordering::Less => low = mid + 1,
                Ordering::Greater => high = mid,
                Ordering::Equal => return Ok(mid),
            }
        }
        Err(low)
    }

    pub fn contains(&self, n: i64) -> bool {
        self.search(n).is_ok()
    }

    /// Adds `n`; true when it is new.
    pub fn insert(&mut self, n: i64) -> bool {
        if width_for(n) > self.width {
            let members: Vec<i64> = self.iter().collect();
            self.width = width_for(n);
            self.bytes = Vec::with_capacity((members.len() + 1) * self.width);
            for m in members {
                let raw = self.encode(m);
                self.bytes.extend_from_slice(&raw);
            }
        }
        match self.search(n) {
            Ok(_) => false,
            Err(at) => {
                let raw = self.encode(n);
                reserve_fit(&mut self.bytes, raw.len());
                let offset = at * self.width;
                splice_bytes(&mut self.bytes, offset..offset, &raw);
                true
            }
        }
    }

    /// Removes `n`; true if it was there.
    pub fn remove(&mut self, n: i64) -> bool {
        match self.search(n) {
            Ok(at) => {
                self.bytes.drain(at * self.width..(at + 1) * self.width);
                shrink_fit(&mut self.bytes);
                true
            }
            Err(_) => false,
        }
    }

    /// Members in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Heap bytes held (as the allocator charges them).
    pub fn heap_bytes(&self) -> usize {
        crate::memory::charged(self.bytes.capacity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widens_and_stays_sorted() {
        let mut set = IntSet::default();
        assert!(set.insert(5));
        assert!(set.insert(-3));
        assert!(!set.insert(5));
        assert!(set.heap_bytes() >= 4);
        assert!(set.insert(100_000));
        assert!(set.insert(i64::MIN));
        assert!(set.insert(i64::MAX));
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![i64::MIN, -3, 5, 100_000, i64::MAX]
        );
        assert!(set.contains(100_000));
        assert!(set.remove(-3));
        assert!(!set.contains(-3));
        assert_eq!(set.len(), 4);
    }

    #[test]
    fn bytes_until_a_member_leaves_i8() {
        let mut set = IntSet::default();
        for n in -128..=127 {
            assert!(set.insert(n));
        }
        assert_eq!((set.width, set.len()), (1, 256));
        assert_eq!(set.heap_bytes(), 256, "a byte a member");
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            (-128..=127).collect::<Vec<_>>()
        );
        assert!(set.insert(128));
        assert_eq!(set.width, 2);
        assert!(set.insert(-129));
        assert_eq!(set.get(0), Some(-129));
        assert_eq!(set.get(1), Some(-128));
        assert_eq!(set.get(set.len() - 1), Some(128));
        assert!(set.contains(-1) && set.contains(127) && !set.contains(129));
        for n in -129..=128 {
            assert!(set.remove(n));
        }
        assert!(set.is_empty());
        assert_eq!(set.heap_bytes(), 0, "an emptied set gives its buffer back");
    }
}
