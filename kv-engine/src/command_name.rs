//! `NameIndex`: finds a command by its name in any letter case, once per
//! command, without copying the name or running a general hasher.
//!
//! A name of up to `NAME_MAX` bytes becomes a `NameKey`: its length and
//! its bytes lower-cased eight at a time (SWAR, ASCII letters only, as
//! Redis's `strcasecmp` lookup folds them) into four words, zero padded.
//! Two names are the same command exactly when their keys are equal, so
//! a lookup is a multiply-shift of the first word into an open-addressed
//! table and a comparison of words: no byte loop, and for the common
//! names of up to eight bytes a single word.

/// Longest command name looked up; longer names are unknown.
pub const NAME_MAX: usize = 32;

/// A command name as compared: length, then the lower-cased bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NameKey {
    len: usize,
    words: [u64; NAME_MAX / 8],
}

impl NameKey {
    /// None for an empty name or one longer than `NAME_MAX`.
    fn of(name: &[u8]) -> Option<NameKey> {
        if name.is_empty() || name.len() > NAME_MAX {
            return None;
        }
        let mut words = [0u64; NAME_MAX / 8];
        for (word, chunk) in words.iter_mut().zip(name.chunks(8)) {
            *word = lower_word(load(chunk));
        }
        Some(NameKey {
            len: name.len(),
            words,
        })
    }

    /// Whether the bytes of `name` past the first word are this key's
    /// (`name` being as long as the key).
    fn rest_is(&self, name: &[u8]) -> bool {
        name[8..]
            .chunks(8)
            .zip(&self.words[1..])
            .all(|(chunk, word)| lower_word(load(chunk)) == *word)
    }
}

/// Where a name with this first word and length starts probing: the
/// first word alone tells almost every command name apart.
#[inline]
fn slot_of(first: u64, len: usize, mask: usize) -> usize {
    ((first ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

/// Up to eight bytes as a little-endian word, zero padded, read with at
/// most two loads (overlapping reads put the same byte in the same place).
#[inline]
fn load(chunk: &[u8]) -> u64 {
    let n = chunk.len();
    debug_assert!((1..=8).contains(&n));
    if n == 8 {
        u64::from_le_bytes(chunk.try_into().expect("eight bytes"))
    } else if n >= 4 {
        let low = u32::from_le_bytes(chunk[..4].try_into().expect("four bytes"));
        let high = u32::from_le_bytes(chunk[n - 4..].try_into().expect("four bytes"));
        u64::from(low) | u64::from(high) << ((n - 4) * 8)
    } else {
        u64::from(chunk[0])
            | u64::from(chunk[n / 2]) << (n / 2 * 8)
            | u64::from(chunk[n - 1]) << ((n - 1) * 8)
    }
}

/// ASCII upper-case letters of each byte of `word` to lower case; every
/// other byte (including non-ASCII ones) unchanged.
#[inline]
fn lower_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low_bits = word & (0x7f * ONES);
    // Per byte, no carries (0x7f + 0x3f < 0x100): the high bit says
    // "at least 'A'" and "past 'Z'".
    let from_a = low_bits + (0x80 - u64::from(b'A')) * ONES;
    let past_z = low_bits + (0x80 - u64::from(b'Z') - 1) * ONES;
    let upper = from_a & !past_z & !word & (0x80 * ONES);
    word | (upper >> 2)
}

/// The name `NameIndex::get_remembered` found last, exactly as it was
/// written (not folded), and where its value is: the index's address, the
/// name's bytes as one word, its length (0: nothing yet) and the entry.
#[derive(Clone, Copy, Debug, Default)]
pub struct LastName {
    owner: usize,
    word: u64,
    len: u8,
    entry: u16,
}

/// Values found by name, case-insensitively. Built once; a lookup costs a
/// few dozen instructions whatever the table's size.
#[derive(Clone, Debug)]
pub struct NameIndex<T> {
    entries: Vec<(NameKey, T)>,
    /// Index into `entries` plus one; 0 is an empty slot.
    slots: Vec<u16>,
    mask: usize,
}

impl<T> NameIndex<T> {
    /// Indexes `(name, value)` pairs; names are lower case, unique, and at
    /// most `NAME_MAX` bytes (asserted: the table is static data).
    pub fn new(items: impl IntoIterator<Item = (&'static str, T)>) -> Self {
        let entries: Vec<(NameKey, T)> = items
            .into_iter()
            .map(|(name, value)| {
                assert_eq!(name, name.to_ascii_lowercase(), "names are lower case");
                let key = NameKey::of(name.as_bytes())
                    .unwrap_or_else(|| panic!("command name {name:?} is empty or too long"));
                (key, value)
            })
            .collect();
        assert!(entries.len() < usize::from(u16::MAX), "too many names");
        // At most a quarter full: probes stay short.
        let size = (entries.len() * 4).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u16; size];
        for (i, (key, _)) in entries.iter().enumerate() {
            let mut slot = slot_of(key.words[0], key.len, mask);
            while slots[slot] != 0 {
                let (other, _) = &entries[usize::from(slots[slot]) - 1];
                assert_ne!(other, key, "a name registered twice");
                slot = (slot + 1) & mask;
            }
            slots[slot] = (i + 1) as u16;
        }
        NameIndex {
            entries,
            slots,
            mask,
        }
    }

    /// The value named `name` in any letter case. Only the first word is
    /// folded up front; the rest only for a name longer than eight bytes
    /// whose first word and length match.
    #[inline]
    pub fn get(&self, name: &[u8]) -> Option<&T> {
        self.position(name).map(|entry| &self.entries[entry].1)
    }

    /// `get`, answered from `last` when `name` is byte for byte the name
    /// it holds (a name up to eight bytes, compared as one word), which
    /// then remembers this one: a pipeline of one command (what
    /// benchmarks and bulk loads send) folds and probes its name once.
    #[inline]
    pub fn get_remembered(&self, last: &mut LastName, name: &[u8]) -> Option<&T> {
        let len = name.len();
        if len == 0 || len > 8 {
            return self.get(name);
        }
        let owner = self as *const Self as usize;
        let word = load(name);
        if usize::from(last.len) == len && last.word == word && last.owner == owner {
            if let Some((_, value)) = self.entries.get(usize::from(last.entry)) {
                return Some(value);
            }
        }
        let entry = self.position(name)?;
        *last = LastName {
            owner,
            word,
            len: len as u8,
            entry: entry as u16,
        };
        Some(&self.entries[entry].1)
    }

    /// Where in `entries` the value named `name` is.
    #[inline]
    fn position(&self, name: &[u8]) -> Option<usize> {
        let len = name.len();
        if len == 0 || len > NAME_MAX {
            return None;
        }
        let first = lower_word(load(&name[..len.min(8)]));
        let mut slot = slot_of(first, len, self.mask);
        // Bounded: the table is never more than a quarter full.
        loop {
            let entry = usize::from(self.slots[slot]);
            if entry == 0 {
                return None;
            }
            let (key, _) = &self.entries[entry - 1];
            if key.len == len && key.words[0] == first && (len <= 8 || key.rest_is(name)) {
                return Some(entry - 1);
            }
            slot = (slot + 1) & self.mask;
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every value, in the order given to `new`.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_lower_ascii_letters_only() {
        let all: Vec<u8> = (0..=255u8).collect();
        for chunk in all.chunks(8) {
            let lowered = lower_word(load(chunk)).to_le_bytes();
            for (byte, got) in chunk.iter().zip(lowered) {
                assert_eq!(got, byte.to_ascii_lowercase(), "byte {byte:#x}");
            }
        }
    }

    #[test]
    fn loads_put_every_byte_in_place() {
        let bytes = *b"abcdefgh";
        for n in 1..=8 {
            let mut expect = [0u8; 8];
            expect[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(load(&bytes[..n]), u64::from_le_bytes(expect), "{n} bytes");
        }
    }

    #[test]
    fn names_are_found_in_any_case_and_only_whole() {
        let names = [
            "get",
            "set",
            "getset",
            "georadiusbymember_ro",
            "zremrangebyscore",
            "client",
            "a",
            "restore-asking",
        ];
        let index = NameIndex::new(names.iter().enumerate().map(|(i, n)| (*n, i)));
        assert_eq!(index.len(), names.len());
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.get(name.as_bytes()), Some(&i));
            let upper = name.to_ascii_uppercase();
            assert_eq!(index.get(upper.as_bytes()), Some(&i), "{upper}");
            let mut mixed = name.as_bytes().to_vec();
            mixed[0] = mixed[0].to_ascii_uppercase();
            assert_eq!(index.get(&mixed), Some(&i));
        }
        for unknown in [
            &b"ge"[..],
            b"gett",
            b"get\0",
            b"",
            b"GEt ",
            b"georadiusbymember_rO_",
            b"georadiusbymember_rx",
            b"ZREMRANGEBYSCORF",
            &[b'a'; 40],
            // Not letters: folding them like letters would make these
            // `get` or `set`.
            b"GE\x14",
            b"\xd3ET",
        ] {
            assert_eq!(
                index.get(unknown),
                None,
                "{:?}",
                String::from_utf8_lossy(unknown)
            );
        }
    }

    #[test]
    fn remembered_lookups_answer_as_plain_ones() {
        let names = ["get", "set", "mset", "lpush", "zremrangebyscore", "a"];
        let index = NameIndex::new(names.iter().enumerate().map(|(i, n)| (*n, i)));
        let other = NameIndex::new([("set", 100), ("get", 200)]);
        let mut last = LastName::default();
        let asked: [&[u8]; 14] = [
            b"set",
            b"set",
            b"SET",
            b"sEt",
            b"set",
            b"get",
            b"gett",
            b"get",
            b"mset",
            b"mset",
            b"ZREMRANGEBYSCORE",
            b"mset",
            b"",
            b"a",
        ];
        for name in asked {
            assert_eq!(index.get_remembered(&mut last, name), index.get(name));
            // Another index never answers from this one's memory.
            assert_eq!(other.get_remembered(&mut last, name), other.get(name));
        }
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn a_name_twice_is_refused() {
        NameIndex::new([("get", 1), ("get", 2)]);
    }
}
