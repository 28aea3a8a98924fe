//! `Keyspace`: one numbered database — keys, values and expiry times.
//!
//! It knows nothing of commands, deltas or clocks: callers pass the time and
//! decide what an expired key means (the engine deletes it and propagates a
//! DEL). Keys are hashed with a seeded hasher (keys come from clients, so no
//! hash flooding; the seed is injectable so simulations replay exactly).
//!
//! Why our own table rather than `hashbrown`: SCAN must return every key that
//! is present for the whole scan even while the table grows or shrinks. Redis
//! gets that from chained buckets in a power-of-two table walked with a
//! reverse-binary cursor: a key's bucket in a table of 2^n buckets is a prefix
//! (in reversed bit order) of its bucket in any larger table, so the cursor
//! never jumps over one. That needs bucket positions, which hashbrown hides.
//!
//! Layout, chosen to be lean per key:
//! - `entries`: a dense array of `Entry` (key, value, chain link), 48 bytes
//!   each, in fixed pages of 1024 so growing never copies the array (a
//!   single `Vec` of a million entries would move 48 MB at a reallocation);
//!   keys up to 18 bytes live inside the entry, longer ones on the heap.
//! - `buckets`: the head of each chain as a 4-byte entry index (plus one,
//!   so an empty bucket is zero), at most one bucket per key (load factor
//!   <= 1, as Redis).
//! - expiry times only for keys that have one: `expires` (entry index ->
//!   time) and `volatile` (a dense list the active expiry cycle samples from).
//!
//! Memory accounting (`used_bytes`) is kept per write, never by walking:
//! the table's allocations follow from capacities, and counters hold the
//! bytes of long keys and of values (`Value::heap_bytes` is O(1)). A value
//! handed out for changing in place (`get_mut`) is re-measured at the next
//! change to the keyspace, or read fresh by `used_bytes` meanwhile; handing
//! the same entry out again (one hot key, command after command) measures
//! nothing until then.
//!
//! Removal unlinks the entry and moves the last entry into its place, so
//! `entries` stays dense and a random key is one index away.
//!
//! Resizing is incremental, as in Redis, so no command pays for rehashing a
//! whole table: a resize allocates the new bucket array and every later
//! insert or removal moves a few old buckets' chains into it. Meanwhile a
//! key lives in exactly one chain, chosen by its hash: the old table's
//! bucket if that bucket has not been moved yet, else the new table's. SCAN
//! then walks both tables as Redis's `dictScan` does.

use crate::memory::charged;
use crate::snapshot::{KeyspaceSnapshot, SnapshotEntry, SnapshotVisitor, Stashed};
use crate::value::Value;
use hashbrown::HashMap;
use std::hash::BuildHasher;

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
    hasher: KeyHasher,
    /// Head entry of each bucket's chain. Empty, or a power of two long.
    /// While rehashing, the new table.
    buckets: Vec<Head>,
    /// While rehashing: the table being drained (else empty). Its buckets
    /// below `rehash_pos` have been moved into `buckets`.
    old: Vec<Head>,
    rehash_pos: usize,
    entries: Entries,
    /// Entry index -> expiry, for the keys that have one.
    expires: HashMap<u32, Expiry, KeyHasher>,
    /// Entry indexes of the keys with an expiry, densely, for sampling.
    volatile: Vec<u32>,
    /// The active expiry cycle's position in `volatile` (see
    /// `expiry_cursor`).
    expiry_cursor: usize,
    /// A snapshot in progress (see `snapshot`): which entries are still to
    /// be handed over, and copies of those written since it began.
    snapshot: Option<Box<KeyspaceSnapshot>>,
    /// Bytes of keys too long to live inside their entry.
    key_bytes: usize,
    /// `Value::heap_bytes` summed over every entry (as of `changing`).
    value_bytes: usize,
    /// The entry last handed out for changing in place, with its value's
    /// bytes at that moment: re-measured by `settle`.
    changing: Option<(u32, usize)>,
}

/// The end of a chain.
const NIL: u32 = u32::MAX;

/// A bucket: its first entry's index plus one, or None when empty. Zero
/// for empty lets a new bucket array come from zeroed pages the OS hands
/// out lazily, rather than filling megabytes when a large table doubles.
type Head = Option<std::num::NonZeroU32>;

fn head_of(index: u32) -> Head {
    std::num::NonZeroU32::new(index.wrapping_add(1))
}

fn index_of(head: Head) -> u32 {
    head.map_or(NIL, |h| h.get() - 1)
}
/// Keys up to this long are stored inside the entry.
const INLINE_MAX: usize = 18;
/// The smallest non-empty table.
const MIN_BUCKETS: usize = 4;
/// Old buckets moved per insert or removal while rehashing. Growth doubles
/// the table when it is full, so one per insert would finish in time; four
/// also outpaces shrinking.
const REHASH_STEPS: usize = 4;
/// Tables up to this many buckets are rehashed at once.
const REHASH_AT_ONCE_MAX: usize = 256;

/// What `Keyspace::slot` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Missing,
    /// Present, but its expiry has come.
    Expired,
    /// Present and live, at this entry index.
    Live(u32),
}

/// Where a key's chain starts: a bucket of the old or of the new table.
#[derive(Clone, Copy, Debug)]
enum Chain {
    Old(usize),
    New(usize),
}

#[derive(Clone, Debug)]
struct Entry {
    key: EntryKey,
    value: Value,
}

/// A key's bytes and the index of the next entry in its bucket's chain,
/// packed into 24 bytes.
#[derive(Clone, Debug)]
enum EntryKey {
    Inline {
        len: u8,
        bytes: [u8; INLINE_MAX],
        next: u32,
    },
    Heap {
        next: u32,
        bytes: Box<[u8]>,
    },
}

#[derive(Clone, Copy, Debug)]
struct Expiry {
    at_ms: i64,
    /// Where this entry sits in `volatile`.
    volatile_pos: u32,
}

/// Entries per page of `Entries`.
const PAGE: usize = 1024;

/// A dense array of entries in fixed-size pages. Every page but the last is
/// full; the last may be empty (kept as a spare so a key count hovering at
/// a page boundary does not allocate and free a page each time).
#[derive(Clone, Debug, Default)]
struct Entries {
    pages: Vec<Vec<Entry>>,
    /// Each entry's access field (`access`: LRU clock or LFU counter), in
    /// blocks parallel to `pages`: four bytes a key, apart from the entry
    /// so an entry stays 48 bytes.
    access: Vec<Box<[u32]>>,
    len: usize,
}

impl Entries {
    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, entry: Entry, access: u32) {
        if self.pages.last().is_none_or(|page| page.len() == PAGE) {
            self.pages.push(Vec::with_capacity(PAGE));
            self.access.push(vec![0; PAGE].into_boxed_slice());
        }
        let index = self.len;
        if let Some(page) = self.pages.last_mut() {
            page.push(entry);
            self.len += 1;
        }
        self.set_access(index, access);
    }

    fn access(&self, index: usize) -> u32 {
        self.access[index / PAGE][index % PAGE]
    }

    #[inline]
    fn set_access(&mut self, index: usize, field: u32) {
        self.access[index / PAGE][index % PAGE] = field;
    }

    /// Removes entry `index`, moving the last entry into its place.
    fn swap_remove(&mut self, index: u32) -> Entry {
        let index = index as usize;
        assert!(index < self.len, "entry {index} out of {}", self.len);
        if self.pages.last().is_some_and(Vec::is_empty) {
            self.pages.pop();
            self.access.pop();
        }
        let last_access = self.access(self.len - 1);
        let last = self
            .pages
            .last_mut()
            .and_then(Vec::pop)
            .expect("a non-empty array has a last entry");
        self.len -= 1;
        if index == self.len {
            last
        } else {
            self.set_access(index, last_access);
            std::mem::replace(&mut self[index], last)
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.pages.iter().flatten()
    }

    /// Heap bytes of the pages, their access blocks and the page lists.
    fn heap_bytes(&self) -> usize {
        charged(self.pages.capacity() * std::mem::size_of::<Vec<Entry>>())
            + self.pages.len() * charged(PAGE * std::mem::size_of::<Entry>())
            + charged(self.access.capacity() * std::mem::size_of::<Box<[u32]>>())
            + self.access.len() * charged(PAGE * std::mem::size_of::<u32>())
    }
}

impl std::ops::Index<usize> for Entries {
    type Output = Entry;
    fn index(&self, index: usize) -> &Entry {
        &self.pages[index / PAGE][index % PAGE]
    }
}

impl std::ops::IndexMut<usize> for Entries {
    fn index_mut(&mut self, index: usize) -> &mut Entry {
        &mut self.pages[index / PAGE][index % PAGE]
    }
}

impl EntryKey {
    fn new(key: &[u8], next: u32) -> EntryKey {
        if key.len() <= INLINE_MAX {
            let mut bytes = [0u8; INLINE_MAX];
            bytes[..key.len()].copy_from_slice(key);
            EntryKey::Inline {
                len: key.len() as u8,
                bytes,
                next,
            }
        } else {
            EntryKey::Heap {
                next,
                bytes: key.into(),
            }
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            EntryKey::Inline { len, bytes, .. } => &bytes[..*len as usize],
            EntryKey::Heap { bytes, .. } => bytes,
        }
    }

    /// True when this is `key`: for an inline key a length check and a
    /// few word compares, not a call to `memcmp` (most lookups compare
    /// one short key).
    #[inline(always)]
    fn is(&self, key: &[u8]) -> bool {
        match self {
            EntryKey::Inline { len, bytes, .. } => {
                *len as usize == key.len() && short_eq(&bytes[..key.len()], key)
            }
            EntryKey::Heap { bytes, .. } => **bytes == *key,
        }
    }

    fn next(&self) -> u32 {
        match self {
            EntryKey::Inline { next, .. } | EntryKey::Heap { next, .. } => *next,
        }
    }

    fn set_next(&mut self, to: u32) {
        match self {
            EntryKey::Inline { next, .. } | EntryKey::Heap { next, .. } => *next = to,
        }
    }

    fn heap_len(&self) -> usize {
        match self {
            EntryKey::Inline { .. } => 0,
            EntryKey::Heap { bytes, .. } => bytes.len(),
        }
    }
}

impl Keyspace {
    pub fn new(hasher: KeyHasher) -> Self {
        Keyspace {
            expires: HashMap::with_hasher(hasher.clone()),
            hasher,
            buckets: Vec::new(),
            old: Vec::new(),
            rehash_pos: 0,
            entries: Entries::default(),
            volatile: Vec::new(),
            expiry_cursor: 0,
            snapshot: None,
            key_bytes: 0,
            value_bytes: 0,
            changing: None,
        }
    }

    /// A new, empty keyspace hashing as this one does.
    pub fn empty_like(&self) -> Keyspace {
        Keyspace::new(self.hasher.clone())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many keys have an expiry.
    pub fn expires_len(&self) -> usize {
        self.volatile.len()
    }

    /// True when `key` has an expiry that has passed: Redis expires a key
    /// once the time is past its expiry (`now > when`), not at it.
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        self.expire_at(key).is_some_and(|at| at < now_ms)
    }

    /// The value, ignoring expiry (the caller has already checked it).
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        let index = self.find(key)?;
        Some(&self.entries[index as usize].value)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        let index = self.find(key)?;
        Some(self.value_in_mut(index))
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    /// Stores `value`, keeping an existing expiry only if `keep_ttl`;
    /// true when the key is new.
    pub fn insert(&mut self, key: &[u8], value: Value, keep_ttl: bool) -> bool {
        self.insert_at(key, value, keep_ttl).1
    }

    /// `insert`, returning the entry's index too. A new entry's access
    /// field is 0 (the caller stamps it); a replaced one keeps its own.
    pub(crate) fn insert_at(&mut self, key: &[u8], value: Value, keep_ttl: bool) -> (u32, bool) {
        let hash = self.hash(key);
        match self.find_hashed(key, hash) {
            Some(index) => {
                self.replace_at(index, value, keep_ttl);
                (index, false)
            }
            None => (self.insert_new(key, hash, value), true),
        }
    }

    /// Replaces the value of entry `index` (from `slot` or `find_hashed`),
    /// keeping its expiry only if `keep_ttl` and its access field always.
    #[inline]
    pub(crate) fn replace_at(&mut self, index: u32, value: Value, keep_ttl: bool) {
        self.settle();
        self.before_write(index);
        let bytes = value.heap_bytes();
        let entry = &mut self.entries[index as usize];
        self.value_bytes = self.value_bytes - entry.value.heap_bytes() + bytes;
        entry.value = value;
        if !keep_ttl && !self.volatile.is_empty() {
            self.clear_expiry(index);
        }
    }

    /// Adds `key`, which must be missing, with `hash` (from `hash`: the
    /// caller looked it up with that hash already); returns its entry
    /// index. Its access field is 0 (the caller stamps it).
    pub(crate) fn insert_new(&mut self, key: &[u8], hash: u64, value: Value) -> u32 {
        debug_assert_eq!(hash, self.hash(key), "hash of another key");
        debug_assert!(self.find_hashed(key, hash).is_none(), "key present");
        assert!(
            self.entries.len() < NIL as usize,
            "keyspace full: {} keys",
            self.entries.len()
        );
        self.settle();
        self.rehash_steps(REHASH_STEPS);
        if self.entries.len() >= self.buckets.len() {
            self.finish_rehash();
            self.start_resize(
                (self.entries.len() + 1)
                    .next_power_of_two()
                    .max(MIN_BUCKETS),
            );
        }
        let index = self.entries.len() as u32;
        let chain = self.chain_of(hash);
        let entry_key = EntryKey::new(key, self.head(chain));
        self.key_bytes += charged(entry_key.heap_len());
        self.value_bytes += value.heap_bytes();
        self.entries.push(
            Entry {
                key: entry_key,
                value,
            },
            0,
        );
        self.set_head(chain, index);
        index
    }

    /// The access field (LRU clock or LFU counter, see `access`) of `key`.
    pub fn access_of(&self, key: &[u8]) -> Option<u32> {
        let index = self.find(key)?;
        Some(self.entries.access(index as usize))
    }

    /// Sets `key`'s access field; false if the key is missing.
    pub fn set_access(&mut self, key: &[u8], field: u32) -> bool {
        match self.find(key) {
            Some(index) => {
                self.entries.set_access(index as usize, field);
                true
            }
            None => false,
        }
    }

    pub(crate) fn access_at(&self, index: u32) -> u32 {
        self.entries.access(index as usize)
    }

    pub(crate) fn set_access_at(&mut self, index: u32, field: u32) {
        self.entries.set_access(index as usize, field);
    }

    /// Removes the key and its expiry; returns the value it held.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        if self.buckets.is_empty() {
            return None;
        }
        self.settle();
        self.rehash_steps(REHASH_STEPS);
        let chain = self.chain_of(self.hash(key));
        let mut previous = NIL;
        let mut current = self.head(chain);
        while current != NIL {
            let entry = &self.entries[current as usize];
            if entry.key.is(key) {
                break;
            }
            previous = current;
            current = entry.key.next();
        }
        if current == NIL {
            return None;
        }
        self.before_write(current);
        let next = self.entries[current as usize].key.next();
        if previous == NIL {
            self.set_head(chain, next);
        } else {
            self.entries[previous as usize].key.set_next(next);
        }
        self.clear_expiry(current);
        let last = (self.entries.len() - 1) as u32;
        if current != last {
            self.renumber(last, current);
        }
        let removed = self.entries.swap_remove(current);
        self.key_bytes -= charged(removed.key.heap_len());
        self.value_bytes -= removed.value.heap_bytes();
        if let Some(snapshot) = self.snapshot.as_mut() {
            if current != last {
                snapshot.moved(last as usize, current as usize, self.entries.len());
            } else {
                snapshot.truncated(self.entries.len());
            }
        }
        self.shrink_if_sparse();
        Some(removed.value)
    }

    /// The key's absolute expiry (Unix ms), if it has one.
    pub fn expire_at(&self, key: &[u8]) -> Option<i64> {
        if self.volatile.is_empty() {
            return None;
        }
        let index = self.find(key)?;
        self.expires.get(&index).map(|e| e.at_ms)
    }

    /// Sets an absolute expiry; the key must exist.
    pub fn set_expire_at(&mut self, key: &[u8], at_ms: i64) {
        let Some(index) = self.find(key) else {
            debug_assert!(false, "expiry for a missing key");
            return;
        };
        self.before_write(index);
        if let Some(expiry) = self.expires.get_mut(&index) {
            expiry.at_ms = at_ms;
            return;
        }
        let volatile_pos = self.volatile.len() as u32;
        self.volatile.push(index);
        self.expires.insert(
            index,
            Expiry {
                at_ms,
                volatile_pos,
            },
        );
    }

    /// Removes an expiry; returns true if there was one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        if self.volatile.is_empty() {
            return false;
        }
        match self.find(key) {
            Some(index) => {
                if self.expires.contains_key(&index) {
                    self.before_write(index);
                }
                self.clear_expiry(index)
            }
            None => false,
        }
    }

    /// Every key with its value and expiry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Value, Option<i64>)> {
        self.iter_with_access()
            .map(|(key, value, expiry, _)| (key, value, expiry))
    }

    /// `iter`, with each key's access field (a save's IDLE/FREQ records),
    /// read in the same pass rather than by a second lookup per key.
    pub fn iter_with_access(&self) -> impl Iterator<Item = (&[u8], &Value, Option<i64>, u32)> {
        self.entries.iter().enumerate().map(|(i, e)| {
            (
                e.key.bytes(),
                &e.value,
                self.expiry_of(i as u32),
                self.entries.access(i),
            )
        })
    }

    /// Keys with an expiry, in no particular order (the active expiry cycle
    /// samples from these).
    pub fn volatile_keys(&self) -> impl Iterator<Item = (&[u8], i64)> {
        self.volatile.iter().map(|&i| {
            let at = self.expires.get(&i).map_or(i64::MAX, |e| e.at_ms);
            (self.entries[i as usize].key.bytes(), at)
        })
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        drop(self.take_table());
    }

    /// Removes every key and returns the old table for the caller to drop
    /// where it likes (FLUSHDB ASYNC). During a snapshot a table that still
    /// has entries to hand over stays with the snapshot instead (None).
    pub fn take_table(&mut self) -> Option<Keyspace> {
        let empty = self.empty_like();
        let mut old = std::mem::replace(self, empty);
        let Some(mut snapshot) = old.snapshot.take() else {
            return Some(old);
        };
        let mut kept = Box::new(KeyspaceSnapshot::new(snapshot.db, 0));
        kept.stash = std::mem::take(&mut snapshot.stash);
        kept.stash_bytes = std::mem::take(&mut snapshot.stash_bytes);
        kept.frozen = std::mem::take(&mut snapshot.frozen);
        let dropped = if snapshot.cursor > 0 {
            old.snapshot = Some(snapshot);
            kept.frozen.push(old);
            None
        } else {
            Some(old)
        };
        self.snapshot = Some(kept);
        dropped
    }

    /// Empties the table; a snapshot's state stays.
    fn reset_table(&mut self) {
        self.buckets = Vec::new();
        self.old = Vec::new();
        self.rehash_pos = 0;
        self.entries = Entries::default();
        self.expires.clear();
        self.expires.shrink_to_fit();
        self.volatile = Vec::new();
    }

    /// One step of SCAN: calls `visit` for every key of the bucket `cursor`
    /// names and returns the next cursor (0 when the scan is complete).
    /// Redis's guarantee holds: a key present from the first call to the
    /// last is visited at least once, however the table is resized between
    /// calls; a key may be visited twice if the table shrank.
    pub fn scan_step(&self, cursor: u64, mut visit: impl FnMut(&[u8], &Value)) -> u64 {
        if self.buckets.is_empty() {
            return 0;
        }
        if self.old.is_empty() {
            let mask = (self.buckets.len() - 1) as u64;
            self.visit_chain(index_of(self.buckets[(cursor & mask) as usize]), &mut visit);
            return next_cursor(cursor, mask);
        }
        // Rehashing: visit the cursor's bucket in the smaller table, then
        // every bucket of the larger table that it expands to (Redis's
        // `dictScan`). The larger table's cursor bits above the smaller
        // mask are incremented in reverse until they wrap, which carries
        // into the smaller table's bits.
        let (small, large) = if self.old.len() < self.buckets.len() {
            (&self.old, &self.buckets)
        } else {
            (&self.buckets, &self.old)
        };
        let small_mask = (small.len() - 1) as u64;
        let large_mask = (large.len() - 1) as u64;
        let mut cursor = cursor;
        self.visit_chain(index_of(small[(cursor & small_mask) as usize]), &mut visit);
        loop {
            self.visit_chain(index_of(large[(cursor & large_mask) as usize]), &mut visit);
            cursor = next_cursor(cursor, large_mask);
            if cursor & (small_mask ^ large_mask) == 0 {
                return cursor;
            }
        }
    }

    /// The key at position `pick % len` (RANDOMKEY); None when empty.
    pub fn key_at_random(&self, pick: u64) -> Option<&[u8]> {
        if self.entries.is_empty() {
            return None;
        }
        let index = (pick % self.entries.len() as u64) as usize;
        Some(self.entries[index].key.bytes())
    }

    /// The key with an expiry at position `pos` of the dense list the
    /// active expiry cycle walks, with its expiry.
    pub fn volatile_at(&self, pos: usize) -> Option<(&[u8], i64)> {
        let index = *self.volatile.get(pos)?;
        let at = self.expires.get(&index).map_or(i64::MAX, |e| e.at_ms);
        Some((self.entries[index as usize].key.bytes(), at))
    }

    /// Where the active expiry cycle continues in this database: it walks
    /// volatile positions downwards from here (0: start a new sweep).
    pub fn expiry_cursor(&self) -> usize {
        self.expiry_cursor
    }

    pub fn set_expiry_cursor(&mut self, pos: usize) {
        self.expiry_cursor = pos;
    }

    /// Bytes this keyspace has asked the allocator for, excluding the values'
    /// own heap data (which `Value` owns): the table, the entries, long keys
    /// and the expiry index. O(1).
    pub fn table_bytes(&self) -> usize {
        let head = std::mem::size_of::<Head>();
        charged(self.buckets.capacity() * head)
            + charged(self.old.capacity() * head)
            + self.entries.heap_bytes()
            + self.key_bytes
            + charged(self.expires.allocation_size())
            + charged(self.volatile.capacity() * std::mem::size_of::<u32>())
    }

    /// Every byte this keyspace holds on the heap: `table_bytes` plus the
    /// values'. O(1), kept up to date by every change.
    pub fn used_bytes(&self) -> usize {
        let mut values = self.value_bytes;
        if let Some((index, before)) = self.changing {
            values = values - before + self.entries[index as usize].value.heap_bytes();
        }
        self.table_bytes() + values
    }

    /// `used_bytes` by walking every entry: what the counters must equal
    /// (for tests of the accounting).
    pub fn walked_used_bytes(&self) -> usize {
        let keys: usize = self.entries.iter().map(|e| charged(e.key.heap_len())).sum();
        let values: usize = self.entries.iter().map(|e| e.value.heap_bytes()).sum();
        self.table_bytes() - self.key_bytes + keys + values
    }

    /// What one key costs on the heap (MEMORY USAGE): its entry, access
    /// field and share of the buckets, a long key's bytes, its value's, and its expiry
    /// record if it has one. None for a missing key (expired or not).
    pub fn key_usage(&self, key: &[u8]) -> Option<usize> {
        use std::mem::size_of;
        let index = self.find(key)?;
        let entry = &self.entries[index as usize];
        let expiry = if self.expires.contains_key(&index) {
            // The map's slot and control byte, and the dense list's slot.
            size_of::<(u32, Expiry)>() + 1 + size_of::<u32>()
        } else {
            0
        };
        Some(
            size_of::<Entry>()
                + size_of::<Head>()
                + size_of::<u32>()
                + charged(entry.key.heap_len())
                + entry.value.heap_bytes()
                + expiry,
        )
    }

    /// Re-measures the value last handed out for changing in place.
    #[inline]
    fn settle(&mut self) {
        if let Some((index, before)) = self.changing.take() {
            let now = self.entries[index as usize].value.heap_bytes();
            self.value_bytes = self.value_bytes - before + now;
        }
    }

    /// Where `key`, whose hash is `hash` (see `hash`), is at `now_ms`,
    /// with one walk of its chain. The index stays valid only until the
    /// keyspace next changes.
    #[inline]
    pub(crate) fn slot(&self, key: &[u8], hash: u64, now_ms: i64) -> Slot {
        let Some(index) = self.find_hashed(key, hash) else {
            return Slot::Missing;
        };
        match self.expiry_of(index) {
            Some(at) if at < now_ms => Slot::Expired,
            _ => Slot::Live(index),
        }
    }

    /// The value of the entry `slot` returned.
    pub(crate) fn value_in(&self, index: u32) -> &Value {
        &self.entries[index as usize].value
    }

    pub(crate) fn value_in_mut(&mut self, index: u32) -> &mut Value {
        self.before_write(index);
        // The entry handed out last time (a command on the same key as the
        // one before) is still measured from then: `settle` or `used_bytes`
        // will see both changes at once.
        if self.changing.is_none_or(|(changing, _)| changing != index) {
            self.settle();
            let bytes = self.entries[index as usize].value.heap_bytes();
            self.changing = Some((index, bytes));
        }
        &mut self.entries[index as usize].value
    }

    /// The pre-write hook of snapshots: if entry `index` is still to be
    /// handed to a snapshot, copy it there now, as it is.
    #[inline]
    fn before_write(&mut self, index: u32) {
        if self.snapshot.is_some() {
            self.stash_for_snapshot(index);
        }
    }

    #[cold]
    fn stash_for_snapshot(&mut self, index: u32) {
        let Some(snapshot) = self.snapshot.as_mut() else {
            return;
        };
        if snapshot.take(index as usize) {
            let entry = &self.entries[index as usize];
            snapshot.stash(Stashed {
                key: entry.key.bytes().into(),
                value: entry.value.clone(),
                expire_at_ms: self.expires.get(&index).map(|e| e.at_ms),
                access: self.entries.access(index as usize),
            });
        }
    }

    pub(crate) fn snapshot_state(&self) -> Option<&KeyspaceSnapshot> {
        self.snapshot.as_deref()
    }

    /// Marks every entry pending for a snapshot that calls this db `db`.
    pub(crate) fn begin_snapshot(&mut self, db: usize) {
        debug_assert!(self.snapshot.is_none());
        self.snapshot = Some(Box::new(KeyspaceSnapshot::new(db, self.entries.len())));
    }

    pub(crate) fn end_snapshot(&mut self) -> Option<KeyspaceSnapshot> {
        self.snapshot.take().map(|s| *s)
    }

    /// Hands up to `budget` entries to `visitor`: copies made by the hook
    /// first, then pending entries (scanning at most 64 indices an entry),
    /// then flushed tables, which go to `finished` once visited. Returns
    /// how many were handed over and whether nothing is left.
    pub(crate) fn snapshot_step(
        &mut self,
        budget: usize,
        visitor: &mut dyn SnapshotVisitor,
        finished: &mut Vec<Keyspace>,
    ) -> (usize, bool) {
        let Some(snapshot) = self.snapshot.as_mut() else {
            return (0, true);
        };
        let db = snapshot.db;
        let mut emitted = 0;
        while emitted < budget {
            let Some(stashed) = snapshot.stash.pop() else {
                break;
            };
            visitor.entry(SnapshotEntry {
                db,
                key: &stashed.key,
                value: &stashed.value,
                expire_at_ms: stashed.expire_at_ms,
                access: stashed.access,
            });
            emitted += 1;
        }
        if snapshot.stash.is_empty() {
            snapshot.stash_bytes = 0;
        }
        let mut scan_limit = budget.saturating_sub(emitted).saturating_mul(64);
        while emitted < budget {
            let Some(index) = snapshot.next_pending(&mut scan_limit) else {
                break;
            };
            let entry = &self.entries[index];
            let expiry = self.expires.get(&(index as u32)).map(|e| e.at_ms);
            visitor.entry(SnapshotEntry {
                db,
                key: entry.key.bytes(),
                value: &entry.value,
                expire_at_ms: expiry,
                access: self.entries.access(index),
            });
            emitted += 1;
        }
        while emitted < budget {
            let Some(table) = snapshot.frozen.last_mut() else {
                break;
            };
            let (n, done) = table.snapshot_step(budget - emitted, visitor, finished);
            emitted += n;
            if !done {
                break;
            }
            if let Some(mut table) = snapshot.frozen.pop() {
                table.snapshot = None;
                finished.push(table);
            }
        }
        (emitted, snapshot.is_done())
    }

    /// Number of buckets (of the new table while rehashing).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// True while an incremental resize is in progress.
    pub fn is_rehashing(&self) -> bool {
        !self.old.is_empty()
    }

    /// The hash `slot` and `insert_new` take: computed once for a
    /// command's lookup and its insert.
    #[inline]
    pub(crate) fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The chain a key with `hash` belongs to (the table must exist).
    fn chain_of(&self, hash: u64) -> Chain {
        if !self.old.is_empty() {
            let bucket = (hash & (self.old.len() as u64 - 1)) as usize;
            if bucket >= self.rehash_pos {
                return Chain::Old(bucket);
            }
        }
        debug_assert!(self.buckets.len().is_power_of_two());
        Chain::New((hash & (self.buckets.len() as u64 - 1)) as usize)
    }

    fn head(&self, chain: Chain) -> u32 {
        match chain {
            Chain::Old(b) => index_of(self.old[b]),
            Chain::New(b) => index_of(self.buckets[b]),
        }
    }

    fn set_head(&mut self, chain: Chain, index: u32) {
        match chain {
            Chain::Old(b) => self.old[b] = head_of(index),
            Chain::New(b) => self.buckets[b] = head_of(index),
        }
    }

    fn visit_chain(&self, mut index: u32, visit: &mut impl FnMut(&[u8], &Value)) {
        while index != NIL {
            let entry = &self.entries[index as usize];
            visit(entry.key.bytes(), &entry.value);
            index = entry.key.next();
        }
    }

    fn find(&self, key: &[u8]) -> Option<u32> {
        if self.buckets.is_empty() {
            return None;
        }
        self.find_hashed(key, self.hash(key))
    }

    #[inline(always)]
    fn find_hashed(&self, key: &[u8], hash: u64) -> Option<u32> {
        if self.buckets.is_empty() {
            return None;
        }
        let mut index = self.head(self.chain_of(hash));
        while index != NIL {
            let entry = &self.entries[index as usize];
            if entry.key.is(key) {
                return Some(index);
            }
            index = entry.key.next();
        }
        None
    }

    fn expiry_of(&self, index: u32) -> Option<i64> {
        if self.volatile.is_empty() {
            return None;
        }
        self.expires.get(&index).map(|e| e.at_ms)
    }

    /// Drops the expiry of entry `index`; true if it had one.
    fn clear_expiry(&mut self, index: u32) -> bool {
        if self.volatile.is_empty() {
            return false;
        }
        let Some(expiry) = self.expires.remove(&index) else {
            return false;
        };
        let pos = expiry.volatile_pos as usize;
        self.volatile.swap_remove(pos);
        if let Some(&moved) = self.volatile.get(pos) {
            if let Some(e) = self.expires.get_mut(&moved) {
                e.volatile_pos = pos as u32;
            }
        }
        true
    }

    /// Points whatever referred to entry `from` (its chain predecessor or
    /// bucket, its expiry) at `to`, where `swap_remove` is about to move it.
    fn renumber(&mut self, from: u32, to: u32) {
        let chain = self.chain_of(self.hash(self.entries[from as usize].key.bytes()));
        if self.head(chain) == from {
            self.set_head(chain, to);
        } else {
            let mut index = self.head(chain);
            while index != NIL {
                let entry = &mut self.entries[index as usize];
                if entry.key.next() == from {
                    entry.key.set_next(to);
                    break;
                }
                index = entry.key.next();
            }
            debug_assert!(index != NIL, "entry {from} not in its chain");
        }
        if let Some(expiry) = self.expires.remove(&from) {
            self.volatile[expiry.volatile_pos as usize] = to;
            self.expires.insert(to, expiry);
        }
    }

    /// Shrinks the table when it is less than 1/8 full (Redis resizes
    /// below 10%). (Entry pages are freed as they empty.)
    fn shrink_if_sparse(&mut self) {
        let len = self.entries.len();
        if len == 0 {
            self.reset_table();
            return;
        }
        if !self.is_rehashing() && self.buckets.len() > MIN_BUCKETS && len * 8 < self.buckets.len()
        {
            self.start_resize(len.next_power_of_two().max(MIN_BUCKETS));
        }
    }

    /// Starts moving every key into a table of `size` (a power of two)
    /// buckets; small tables are moved at once.
    fn start_resize(&mut self, size: usize) {
        debug_assert!(size.is_power_of_two());
        debug_assert!(!self.is_rehashing());
        let old = std::mem::replace(&mut self.buckets, vec![None; size]);
        if old.is_empty() {
            return;
        }
        self.old = old;
        self.rehash_pos = 0;
        if self.old.len() <= REHASH_AT_ONCE_MAX && size <= REHASH_AT_ONCE_MAX {
            self.finish_rehash();
        }
    }

    fn finish_rehash(&mut self) {
        while self.is_rehashing() {
            self.rehash_steps(usize::MAX);
        }
    }

    /// Moves up to `n` non-empty old buckets (visiting at most 10n empty
    /// ones, as Redis bounds it) into the new table.
    fn rehash_steps(&mut self, n: usize) {
        if self.old.is_empty() {
            return;
        }
        let new_mask = (self.buckets.len() - 1) as u64;
        let mut empty_left = n.saturating_mul(10);
        let mut moved = 0;
        while moved < n && self.rehash_pos < self.old.len() {
            let mut index = index_of(std::mem::take(&mut self.old[self.rehash_pos]));
            self.rehash_pos += 1;
            if index == NIL {
                empty_left -= 1;
                if empty_left == 0 {
                    break;
                }
                continue;
            }
            while index != NIL {
                let entry = &self.entries[index as usize];
                let next = entry.key.next();
                let bucket = (self.hash(entry.key.bytes()) & new_mask) as usize;
                self.entries[index as usize]
                    .key
                    .set_next(index_of(self.buckets[bucket]));
                self.buckets[bucket] = head_of(index);
                index = next;
            }
            moved += 1;
        }
        if self.rehash_pos == self.old.len() {
            self.old = Vec::new();
            self.rehash_pos = 0;
        }
    }
}

/// `a == b` for two slices of the same length up to `INLINE_MAX`, in
/// overlapping word loads.
#[inline(always)]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    debug_assert!(a.len() == b.len() && a.len() <= INLINE_MAX);
    let n = a.len();
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4 bytes"));
    if n >= 16 {
        word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && word(a, n - 8) == word(b, n - 8)
    } else if n >= 8 {
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else {
        a == b
    }
}

/// SCAN's cursor increment for a table with `mask`: add one to the
/// reversed cursor, so the high bits of the bucket index move fastest. A
/// bucket's keys in a table of 2^n buckets then land in buckets that share
/// its low n bits in any larger table, and the walk never jumps over them.
fn next_cursor(cursor: u64, mask: u64) -> u64 {
    (cursor | !mask)
        .reverse_bits()
        .wrapping_add(1)
        .reverse_bits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::StrValue;

    fn space() -> Keyspace {
        Keyspace::new(KeyHasher::seeded(7))
    }

    fn v(n: i64) -> Value {
        Value::Str(StrValue::Int(n))
    }

    #[test]
    fn short_keys_compare_equal_exactly_when_their_bytes_do() {
        for n in 0..=INLINE_MAX {
            let a: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37)).collect();
            assert!(short_eq(&a, &a.clone()), "length {n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x40;
                assert!(!short_eq(&a, &b), "length {n}, byte {at} differs");
            }
        }
        let key = EntryKey::new(b"key:__rand_int__", NIL);
        assert!(key.is(b"key:__rand_int__"));
        assert!(!key.is(b"key:__rand_int_"));
        assert!(!key.is(b"key:__rand_int__x"));
        let long = EntryKey::new(b"a-key-longer-than-eighteen-bytes", NIL);
        assert!(long.is(b"a-key-longer-than-eighteen-bytes"));
        assert!(!long.is(b"a-key-longer-than-eighteen-byteZ"));
    }

    #[test]
    fn entry_is_48_bytes() {
        assert_eq!(std::mem::size_of::<EntryKey>(), 24);
        assert_eq!(std::mem::size_of::<Entry>(), 48);
    }

    #[test]
    fn insert_get_remove_many_keeps_every_key() {
        let mut ks = space();
        for i in 0..5000i64 {
            let key = format!("key:{i:0>20}");
            ks.insert(key.as_bytes(), v(i), false);
            if i % 3 == 0 {
                ks.set_expire_at(key.as_bytes(), i);
            }
        }
        assert_eq!(ks.len(), 5000);
        assert_eq!(ks.expires_len(), 1667);
        for i in (0..5000i64).step_by(2) {
            let key = format!("key:{i:0>20}");
            assert_eq!(ks.remove(key.as_bytes()), Some(v(i)));
            assert_eq!(ks.remove(key.as_bytes()), None);
        }
        assert_eq!(ks.len(), 2500);
        for i in 0..5000i64 {
            let key = format!("key:{i:0>20}");
            let expected = (i % 2 == 1).then(|| v(i));
            assert_eq!(ks.get(key.as_bytes()), expected.as_ref(), "key {i}");
            let expiry = (i % 2 == 1 && i % 3 == 0).then_some(i);
            assert_eq!(ks.expire_at(key.as_bytes()), expiry, "expiry of {i}");
        }
        assert_eq!(ks.volatile_keys().count(), ks.expires_len());
        assert!(ks
            .volatile_keys()
            .all(|(k, at)| ks.expire_at(k) == Some(at)));
    }

    #[test]
    fn table_shrinks_after_mass_removal() {
        let mut ks = space();
        for i in 0..1024 {
            ks.insert(format!("{i}").as_bytes(), v(i), false);
        }
        assert_eq!(ks.bucket_count(), 1024);
        for i in 0..1000 {
            ks.remove(format!("{i}").as_bytes());
        }
        // Shrinks below 1/8 full, to the power of two above the count.
        assert_eq!(ks.bucket_count(), 128);
        for i in 1000..1024 {
            assert!(ks.contains(format!("{i}").as_bytes()));
        }
    }

    #[test]
    fn keys_stay_reachable_while_rehashing_incrementally() {
        let mut ks = space();
        let mut saw_rehash = false;
        for i in 0..20_000i64 {
            ks.insert(format!("k{i}").as_bytes(), v(i), false);
            if i % 7 == 0 {
                ks.set_expire_at(format!("k{i}").as_bytes(), i);
            }
            saw_rehash |= ks.is_rehashing();
            if i % 997 == 0 {
                for j in 0..=i {
                    assert_eq!(ks.get(format!("k{j}").as_bytes()), Some(&v(j)));
                }
            }
        }
        assert!(saw_rehash, "growth never rehashed incrementally");
        let mut saw_shrink = false;
        for i in 0..19_990i64 {
            assert_eq!(ks.remove(format!("k{i}").as_bytes()), Some(v(i)));
            saw_shrink |= ks.is_rehashing();
        }
        assert!(saw_shrink, "shrinking never rehashed incrementally");
        for i in 19_990..20_000i64 {
            assert_eq!(ks.get(format!("k{i}").as_bytes()), Some(&v(i)));
            assert_eq!(
                ks.expire_at(format!("k{i}").as_bytes()),
                (i % 7 == 0).then_some(i)
            );
        }
    }

    #[test]
    fn scan_during_a_rehash_sees_both_tables() {
        let mut ks = space();
        for i in 0..4096 {
            ks.insert(format!("k{i}").as_bytes(), v(i), false);
        }
        // The next insert doubles the table and starts moving buckets.
        ks.insert(b"trigger", v(0), false);
        assert!(ks.is_rehashing());
        let mut seen = std::collections::BTreeSet::new();
        let mut cursor = 0;
        loop {
            cursor = ks.scan_step(cursor, |key, _| {
                seen.insert(key.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        assert!(ks.is_rehashing(), "scanning must not move buckets");
        assert_eq!(seen.len(), 4097);
    }

    #[test]
    fn insert_keep_ttl_and_replace() {
        let mut ks = space();
        ks.insert(b"a", v(1), false);
        ks.set_expire_at(b"a", 50);
        ks.insert(b"a", v(2), true);
        assert_eq!(ks.expire_at(b"a"), Some(50));
        ks.insert(b"a", v(3), false);
        assert_eq!(ks.expire_at(b"a"), None);
        assert_eq!(ks.get(b"a"), Some(&v(3)));
        assert!(!ks.persist(b"a"));
    }

    mod model_property {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        #[derive(Clone, Debug)]
        enum Op {
            Insert(u16, i64, bool),
            Remove(u16),
            Expire(u16, i64),
            Persist(u16),
            /// Insert or remove this many keys in a row (forces resizes).
            Bulk(i16),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                (0u16..500, any::<i64>(), any::<bool>())
                    .prop_map(|(k, v, keep)| Op::Insert(k, v, keep)),
                (0u16..500).prop_map(Op::Remove),
                (0u16..500, any::<i64>()).prop_map(|(k, at)| Op::Expire(k, at)),
                (0u16..500).prop_map(Op::Persist),
                (-300i16..300).prop_map(Op::Bulk),
            ]
        }

        fn key(k: u16) -> Vec<u8> {
            // Short keys inline, long ones on the heap.
            if k.is_multiple_of(3) {
                format!("a-long-key-that-lives-on-the-heap-{k}").into_bytes()
            } else {
                format!("k{k}").into_bytes()
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// The table (with incremental rehashing and entry moves) agrees
            /// with a BTreeMap of key -> (value, expiry) after every step.
            #[test]
            fn keyspace_agrees_with_a_map(ops in proptest::collection::vec(op(), 1..120)) {
                let mut ks = space();
                let mut model: BTreeMap<Vec<u8>, (i64, Option<i64>)> = BTreeMap::new();
                let mut bulk_next = 1000u16;
                for op in ops {
                    match op {
                        Op::Insert(k, value, keep_ttl) => {
                            ks.insert(&key(k), v(value), keep_ttl);
                            let expiry = model.get(&key(k)).and_then(|e| e.1).filter(|_| keep_ttl);
                            model.insert(key(k), (value, expiry));
                        }
                        Op::Remove(k) => {
                            let got = ks.remove(&key(k));
                            let expected = model.remove(&key(k)).map(|e| v(e.0));
                            prop_assert_eq!(got, expected);
                        }
                        Op::Expire(k, at) => {
                            if let Some(entry) = model.get_mut(&key(k)) {
                                ks.set_expire_at(&key(k), at);
                                entry.1 = Some(at);
                            }
                        }
                        Op::Persist(k) => {
                            let had = model.get_mut(&key(k)).and_then(|e| e.1.take()).is_some();
                            prop_assert_eq!(ks.persist(&key(k)), had);
                        }
                        Op::Bulk(n) if n >= 0 => {
                            for _ in 0..n {
                                bulk_next = bulk_next.wrapping_add(1).max(1000);
                                ks.insert(&key(bulk_next), v(0), false);
                                model.insert(key(bulk_next), (0, None));
                            }
                        }
                        Op::Bulk(n) => {
                            let doomed: Vec<Vec<u8>> = model.keys().take(n.unsigned_abs() as usize).cloned().collect();
                            for k in doomed {
                                prop_assert!(ks.remove(&k).is_some());
                                model.remove(&k);
                            }
                        }
                    }
                    prop_assert_eq!(ks.len(), model.len());
                }
                for (k, (value, expiry)) in &model {
                    prop_assert_eq!(ks.get(k), Some(&v(*value)));
                    prop_assert_eq!(ks.expire_at(k), *expiry);
                }
                let expiring = model.values().filter(|e| e.1.is_some()).count();
                prop_assert_eq!(ks.expires_len(), expiring);
                prop_assert_eq!(ks.iter().count(), model.len());
                for (k, at) in ks.volatile_keys() {
                    prop_assert_eq!(model.get(k).and_then(|e| e.1), Some(at));
                }
            }
        }
    }

    mod scan_property {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeSet;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            /// Keys present for the whole scan are all visited, whatever
            /// inserts and removals (and so resizes) happen between steps.
            #[test]
            fn scan_visits_every_key_present_throughout(
                stable in 1usize..100,
                // Between scan steps: insert this many new keys (positive)
                // or remove this many of the oldest (negative).
                churn in proptest::collection::vec(-400i32..400, 1..40),
            ) {
                let mut ks = space();
                let stable_keys: Vec<String> = (0..stable).map(|i| format!("stable:{i}")).collect();
                for key in &stable_keys {
                    ks.insert(key.as_bytes(), v(0), false);
                }
                let mut seen = BTreeSet::new();
                let (mut oldest, mut next) = (0u32, 0u32);
                let mut churn = churn.into_iter().cycle().take(120);
                let mut cursor = 0;
                for _ in 0..1_000_000 {
                    cursor = ks.scan_step(cursor, |key, _| {
                        seen.insert(key.to_vec());
                    });
                    if cursor == 0 {
                        break;
                    }
                    match churn.next() {
                        Some(n) if n > 0 => {
                            for _ in 0..n {
                                ks.insert(format!("churn:{next}").as_bytes(), v(1), false);
                                next += 1;
                            }
                        }
                        Some(n) => {
                            for _ in 0..n.unsigned_abs().min(next - oldest) {
                                ks.remove(format!("churn:{oldest}").as_bytes());
                                oldest += 1;
                            }
                        }
                        None => {}
                    }
                }
                prop_assert_eq!(cursor, 0);
                for key in &stable_keys {
                    prop_assert!(seen.contains(key.as_bytes()), "missed {}", key);
                }
            }
        }
    }
}
