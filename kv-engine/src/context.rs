//! `Ctx`: everything one command may touch while it runs.
//!
//! `ctx.db` is the only door to the keyspace for command implementations.
//! Reads go through `lookup*`, which expire a key lazily (deleting it and
//! propagating a DEL) before anyone can see it. Writes go through `store`,
//! `remove` and `touched`, so every change signals WATCH, counts towards
//! `dirty`, and `propagate` leaves its replay form for the delta. The reply
//! goes to `ctx.out`; the fields are separate so a command can hold a value
//! borrowed from `ctx.db` while writing it to `ctx.out`.

use crate::client::ClientState;
use crate::command::CommandSpec;
use crate::engine::EngineState;
use crate::keyspace::{Keyspace, Slot};
use crate::notify::EventClass;
use crate::value::Value;
use bytes::Bytes;
use resp_codec::{Argv, ReplyWriter};

pub struct Ctx<'e, 'w> {
    pub db: Db<'e>,
    pub client: &'e mut ClientState,
    pub argv: Argv<'e>,
    pub out: &'e mut ReplyWriter<'w>,
    pub spec: &'e CommandSpec,
    /// Run by EXEC: `argv` is a queued command, not the one `execute` got.
    pub(crate) in_exec: bool,
}

impl<'e, 'w> Ctx<'e, 'w> {
    /// Argument `i` (0 is the command name).
    pub fn arg(&self, i: usize) -> &'e [u8] {
        self.argv.arg(i)
    }

    pub fn argc(&self) -> usize {
        self.argv.len()
    }

    /// Whether EXEC runs this command (its reply is part of EXEC's, so it
    /// cannot wait for anything).
    pub fn in_exec(&self) -> bool {
        self.in_exec
    }

    /// Switches the client and this command to database `index`.
    pub fn select(&mut self, index: usize) {
        assert!(
            index < self.db.databases(),
            "db index checked by the caller"
        );
        self.client.db = index;
        self.db.index = index;
    }

    /// Propagates this command exactly as the client sent it.
    pub fn propagate_as_is(&mut self) {
        if self.in_exec {
            self.db.state.push_op_from(self.db.index, self.argv);
        } else {
            self.db.state.push_command_as_sent(self.db.index, self.argv);
        }
    }
}

/// How a lookup treats the key it finds or misses (Redis's `LOOKUP_*`
/// flags). Every lookup expires the key lazily first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lookup(u8);

impl Lookup {
    /// A lookup on the way to a write: no hit/miss counting, no `keymiss`.
    pub const WRITE: Lookup = Lookup(0);
    /// A read: counts a keyspace hit or miss and raises `keymiss`.
    pub const READ: Lookup = Lookup(1);
    /// A read that leaves the key's access time alone (TYPE, EXISTS, TTL).
    pub const READ_NO_TOUCH: Lookup = Lookup(1 | 2);
    /// A read that neither touches the key nor raises `keymiss` (OBJECT).
    pub const READ_NO_TOUCH_NO_NOTIFY: Lookup = Lookup(1 | 2 | 4);
    /// A look that counts, touches and raises nothing (DEBUG OBJECT).
    pub const PEEK: Lookup = Lookup(2 | 4);

    fn counts(self) -> bool {
        self.0 & 1 != 0
    }
    fn touches(self) -> bool {
        self.0 & 2 == 0
    }
    fn notifies_miss(self) -> bool {
        self.0 & 4 == 0 && self.counts()
    }
}

/// Where `Db::find` found a key, or where it goes: its database, its hash
/// (None when the database was empty) and, when live, its entry. Valid
/// until the keyspace next changes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found {
    db: usize,
    hash: Option<u64>,
    entry: Option<u32>,
}

impl Found {
    pub(crate) fn is_live(&self) -> bool {
        self.entry.is_some()
    }
}

/// What `Db::entry` found: a live value to change in place, or the spot
/// of a missing key for `Db::create_found`.
pub(crate) enum Entry<'a, T> {
    Occupied(&'a mut T),
    Vacant(Found),
}

/// The keyspace as one command sees it: the selected database, the
/// command's time, and the engine's bookkeeping.
pub struct Db<'e> {
    pub(crate) state: &'e mut EngineState,
    /// The selected database.
    pub index: usize,
    /// The command's time: read once from the clock, used throughout.
    pub now_ms: i64,
    /// Lookups leave keys' access times alone (the client's CLIENT
    /// NO-TOUCH, except for TOUCH itself).
    pub no_touch: bool,
    /// Entries this command has touched already (see `live_slot`).
    pub(crate) touched_entries: TouchedEntries,
}

/// The last few (db, entry) a command touched: a command that looks a key
/// up more than once (to check its type, then to change it) counts as one
/// access, as Redis's single lookup does. Cleared when entries may move.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TouchedEntries {
    /// (db << 32 | entry index), or `EMPTY`.
    slots: [u64; 4],
    next: usize,
}

impl TouchedEntries {
    const EMPTY: u64 = u64::MAX;

    /// True the first time (db, index) is seen (and records it).
    fn first_touch(&mut self, db: usize, index: u32) -> bool {
        let entry = ((db as u64) << 32) | u64::from(index);
        if self.slots.contains(&entry) {
            return false;
        }
        self.slots[self.next] = entry;
        self.next = (self.next + 1) % self.slots.len();
        true
    }

    fn clear(&mut self) {
        *self = TouchedEntries::default();
    }
}

impl Default for TouchedEntries {
    fn default() -> Self {
        TouchedEntries {
            slots: [Self::EMPTY; 4],
            next: 0,
        }
    }
}

impl Db<'_> {
    /// The selected database, without expiry checks.
    pub fn keyspace(&mut self) -> &mut Keyspace {
        &mut self.state.dbs[self.index]
    }

    /// Database `index`, without expiry checks (MOVE, SWAPDB, COPY DB).
    pub fn keyspace_at(&mut self, index: usize) -> &mut Keyspace {
        &mut self.state.dbs[index]
    }

    pub fn databases(&self) -> usize {
        self.state.dbs.len()
    }

    /// The engine's counters (for the host's INFO).
    pub fn stats(&self) -> &crate::engine::EngineStats {
        &self.state.stats
    }

    /// Zeroes the engine's counters (the host's CONFIG RESETSTAT).
    pub fn reset_stats(&mut self) {
        self.state.stats = crate::engine::EngineStats::default();
    }

    /// Changes since the last save (the host's INFO persistence).
    pub fn dirty(&self) -> u64 {
        self.state.dirty
    }

    /// `Engine::begin_snapshot`, for a host command (BGSAVE).
    pub fn begin_snapshot(
        &mut self,
    ) -> Result<crate::snapshot::SnapshotStart, crate::snapshot::SnapshotError> {
        crate::snapshot::begin_snapshot(self.state, self.now_ms)
    }

    /// Drops every WATCH of `client` (the host's RESET).
    pub fn unwatch_all(&mut self, client: &mut ClientState) {
        crate::commands::transactions::unwatch_all(self.state, client);
    }

    pub fn config(&self) -> &crate::config::EngineConfig {
        &self.state.config
    }

    /// Replaces the engine's configuration from inside a host command
    /// (CONFIG SET); the number of databases stays what it was.
    pub fn set_config(&mut self, mut config: crate::config::EngineConfig) {
        config.databases = self.state.dbs.len();
        self.state.config = config;
    }

    /// Redis's `checkAlreadyExpired`: an absolute expiry time at or before
    /// now deletes the key instead of setting a TTL, except while loading,
    /// when it is stored as it is.
    pub fn already_expired(&self, at_ms: i64) -> bool {
        at_ms <= self.now_ms && !self.state.loading
    }

    /// Deletes `key` from database `db` if its time has come; returns true
    /// if it did. The deletion propagates as DEL.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        self.state.expire_if_needed(db, key, self.now_ms)
    }

    /// The value under `key`, after lazy expiry (a write's lookup: it
    /// updates the key's access time, as every lookup but the no-touch
    /// reads does).
    pub fn lookup(&mut self, key: &[u8]) -> Option<&Value> {
        let index = self.live_slot(key, true)?;
        Some(self.state.dbs[self.index].value_in(index))
    }

    /// Like `lookup`, for a command that changes the value in place. The
    /// caller must call `touched(key)` after changing it.
    pub fn lookup_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        let index = self.live_slot(key, true)?;
        Some(self.state.dbs[self.index].value_in_mut(index))
    }

    /// A lookup that counts keyspace hits and misses and raises `keymiss`
    /// (GET-like commands).
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&Value> {
        self.lookup_with(key, Lookup::READ)
    }

    /// A lookup as `how` says (see `Lookup`).
    pub fn lookup_with(&mut self, key: &[u8], how: Lookup) -> Option<&Value> {
        let found = self.live_slot(key, how.touches());
        if how.counts() {
            match found {
                Some(_) => self.state.stats.keyspace_hits += 1,
                None => self.state.stats.keyspace_misses += 1,
            }
        }
        let Some(index) = found else {
            if how.notifies_miss() {
                self.notify(EventClass::KeyMiss, "keymiss", key);
            }
            return None;
        };
        Some(self.state.dbs[self.index].value_in(index))
    }

    /// The entry of a live `key` in the selected database, found with one
    /// hash lookup; an expired key is deleted (and propagated) first. With
    /// `touch`, the key's access time (or LFU counter) is updated.
    fn live_slot(&mut self, key: &[u8], touch: bool) -> Option<u32> {
        self.find(key, touch).entry
    }

    /// Where `key` is in the selected database: hashed once, its chain
    /// walked once, an expired key deleted (and propagated) first. With
    /// `touch`, a live key's access time (or LFU counter) is updated. The
    /// result feeds `store_found`, `create_found` or `value_mut` before
    /// anything else changes the keyspace, so a command that reads a key
    /// and then writes it looks it up once.
    #[inline]
    pub(crate) fn find(&mut self, key: &[u8], touch: bool) -> Found {
        let expiry_now = if self.state.loading {
            i64::MIN
        } else {
            self.now_ms
        };
        let keyspace = &self.state.dbs[self.index];
        // An empty database needs no hash to know the key is missing (GET
        // or LPOP on nothing); `create_found` hashes it then.
        let hash = (!keyspace.is_empty()).then(|| keyspace.hash(key));
        let slot = match hash {
            Some(hash) => keyspace.slot(key, hash, expiry_now),
            None => Slot::Missing,
        };
        let entry = match slot {
            Slot::Live(index) => {
                if touch && !self.no_touch {
                    self.touch_entry(index);
                }
                Some(index)
            }
            Slot::Missing => None,
            Slot::Expired => {
                // The removal moves another entry into this one's place.
                self.touched_entries.clear();
                self.state.expire_if_needed(self.index, key, self.now_ms);
                None
            }
        };
        Found {
            db: self.index,
            hash,
            entry,
        }
    }

    /// Records an access to entry `index` of the selected database, once
    /// per command. Under an LRU policy a second access in the same
    /// command writes the same clock again, so only LFU (whose counter
    /// may grow at each access) needs to remember what it touched.
    #[inline]
    fn touch_entry(&mut self, index: u32) {
        if !self.state.config.maxmemory_policy.is_lfu() {
            let clock = crate::access::lru_clock(self.now_ms);
            self.state.dbs[self.index].set_access_at(index, clock);
        } else if self.touched_entries.first_touch(self.index, index) {
            self.state.touch(self.index, index, self.now_ms);
        }
    }

    /// The live value `found` names, for changing in place (the caller
    /// calls `touched` after changing it); None for a missing key.
    pub(crate) fn value_mut(&mut self, found: Found) -> Option<&mut Value> {
        let index = found.entry?;
        debug_assert_eq!(found.db, self.index, "found in another database");
        Some(self.state.dbs[found.db].value_in_mut(index))
    }

    /// `lookup_mut` that also says where a missing key goes: the live
    /// value for changing in place, or the spot for `create_found`.
    pub(crate) fn entry(&mut self, key: &[u8]) -> Entry<'_, Value> {
        let found = self.find(key, true);
        match found.entry {
            Some(index) => Entry::Occupied(self.state.dbs[found.db].value_in_mut(index)),
            None => Entry::Vacant(found),
        }
    }

    /// Stores a value (new key or replacement), dropping any TTL unless
    /// `keep_ttl`, and signals the key as modified. A key whose time had
    /// come is expired first (as Redis's write lookup does, with its DEL
    /// and `expired` event), so storing over it adds a `new` key.
    pub fn store(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        let found = self.find(key, false);
        self.store_found(found, key, value, keep_ttl);
    }

    /// `store` at the place `find` returned for `key` (nothing may have
    /// changed the keyspace since).
    pub(crate) fn store_found(&mut self, found: Found, key: &[u8], value: Value, keep_ttl: bool) {
        let db = found.db;
        let keyspace = &mut self.state.dbs[db];
        let (entry, new) = match found.entry {
            Some(index) => {
                debug_assert_eq!(
                    found.hash.map(|hash| keyspace.slot(key, hash, i64::MIN)),
                    Some(Slot::Live(index))
                );
                keyspace.replace_at(index, value, keep_ttl);
                (index, false)
            }
            None => {
                let hash = found.hash.unwrap_or_else(|| keyspace.hash(key));
                (keyspace.insert_new(key, hash, value), true)
            }
        };
        self.state.stamp(db, entry, new, None, self.now_ms);
        if new {
            self.notify_at(db, EventClass::New, "new", key);
        }
        self.touched_at(db, key);
    }

    /// Stores `value` under `key` in database `db` with the given expiry
    /// (replacing any value and expiry there) and signals it as modified
    /// (RENAME, MOVE, COPY). `access` carries a moved value's access field
    /// along (RENAME, MOVE); None stamps it as new (COPY). A list or sorted
    /// set arriving this way is signalled ready for blocked clients, as
    /// Redis's `dbAdd` does.
    pub fn store_at(
        &mut self,
        db: usize,
        key: &[u8],
        value: Value,
        expire_at_ms: Option<i64>,
        access: Option<u32>,
    ) {
        if matches!(value, Value::List(_) | Value::ZSet(_)) {
            self.state.signal_ready(db, key);
        }
        self.touched_entries.clear();
        self.state.expire_if_needed(db, key, self.now_ms);
        let (entry, new) = self.state.dbs[db].insert_at(key, value, false);
        self.state.stamp(db, entry, new, access, self.now_ms);
        let keyspace = &mut self.state.dbs[db];
        if let Some(at) = expire_at_ms {
            keyspace.set_expire_at(key, at);
        }
        if new {
            self.notify_at(db, EventClass::New, "new", key);
        }
        self.touched_at(db, key);
    }

    /// Adds `key`, which the caller found missing, holding `value`, and
    /// raises `new`; the caller signals the change once it has filled the
    /// value in.
    pub fn create(&mut self, key: &[u8], value: Value) {
        let found = self.find(key, false);
        debug_assert!(found.entry.is_none(), "create() of an existing key");
        self.create_found(found, key, value);
    }

    /// `create` at the spot `find` (or `entry`) returned for the missing
    /// `key` (nothing may have changed the keyspace since); returns where
    /// the key is now, for `value_mut`.
    pub(crate) fn create_found(&mut self, found: Found, key: &[u8], value: Value) -> Found {
        assert!(found.entry.is_none(), "create of an existing key");
        let db = found.db;
        let keyspace = &mut self.state.dbs[db];
        let hash = found.hash.unwrap_or_else(|| keyspace.hash(key));
        let entry = keyspace.insert_new(key, hash, value);
        self.state.stamp(db, entry, true, None, self.now_ms);
        self.notify_at(db, EventClass::New, "new", key);
        Found {
            entry: Some(entry),
            ..found
        }
    }

    /// Removes a key and signals it as modified; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        self.touched_entries.clear();
        let value = self.state.dbs[self.index].remove(key)?;
        self.touched(key);
        Some(value)
    }

    /// After elements left the collection under `key`: deletes the key if
    /// the collection is now empty (raising `del`, as Redis does), else
    /// signals it modified; counts `changes` towards `dirty`, what Redis
    /// counts: the elements popped, removed or trimmed (none for LMOVE's
    /// source, whose one change is counted at the destination). True if it
    /// deleted the key.
    pub fn remove_if_empty(&mut self, key: &[u8], changes: u64) -> bool {
        let empty = self.state.dbs[self.index]
            .get(key)
            .is_some_and(Value::is_empty_collection);
        self.removed_from(key, changes, empty);
        empty
    }

    /// `remove_if_empty` for a caller that knows whether the collection
    /// under `key` is now empty (`now_empty`), sparing a second lookup
    /// (LPOP).
    pub fn removed_from(&mut self, key: &[u8], changes: u64, now_empty: bool) {
        let index = self.index;
        debug_assert_eq!(
            self.state.dbs[index]
                .get(key)
                .is_some_and(Value::is_empty_collection),
            now_empty,
            "told the wrong emptiness"
        );
        if now_empty {
            self.touched_entries.clear();
            self.state.dbs[index].remove(key);
            self.notify(EventClass::Generic, "del", key);
        }
        self.state.signal_modified(index, key);
        self.state.dirty += changes;
    }

    /// Stores a store command's result under `destination` and raises
    /// `event`, or, for `None` (an empty result), deletes the destination,
    /// raising `del` if it existed (SINTERSTORE, ZUNIONSTORE, ...). True
    /// when the keyspace changed.
    pub fn store_result(
        &mut self,
        destination: &[u8],
        result: Option<Value>,
        class: EventClass,
        event: &'static str,
    ) -> bool {
        match result {
            Some(value) => {
                self.store(destination, value, false);
                self.notify(class, event, destination);
                true
            }
            None => {
                let removed = self.remove(destination).is_some();
                if removed {
                    self.notify(EventClass::Generic, "del", destination);
                }
                removed
            }
        }
    }

    /// Raises keyspace event `event` of `class` for `key` in the selected
    /// database (recorded only if the class is published).
    pub fn notify(&mut self, class: EventClass, event: &'static str, key: &[u8]) {
        self.state.notify(self.index, class, event, key);
    }

    /// Like `notify`, for a key in database `db`.
    pub fn notify_at(&mut self, db: usize, class: EventClass, event: &'static str, key: &[u8]) {
        self.state.notify(db, class, event, key);
    }

    /// Records that `key` changed: invalidates WATCHes on it and counts one
    /// change towards `dirty`.
    pub fn touched(&mut self, key: &[u8]) {
        self.state.signal_modified(self.index, key);
        self.state.dirty += 1;
    }

    /// Like `touched`, for a key in another database.
    pub fn touched_at(&mut self, db: usize, key: &[u8]) {
        self.state.signal_modified(db, key);
        self.state.dirty += 1;
    }

    /// Invalidates WATCHes on `key` in database `db` without counting a
    /// change: the source of a RENAME or MOVE, whose one change is counted
    /// where the value lands, as Redis counts it.
    pub fn signal_modified_at(&mut self, db: usize, key: &[u8]) {
        self.state.signal_modified(db, key);
    }

    /// Counts additional changes (SADD of many members...) towards `dirty`.
    pub fn add_dirty(&mut self, n: u64) {
        self.state.dirty += n;
    }

    /// Adds `argv` (to replay in the selected db) to this command's delta.
    pub fn propagate(&mut self, argv: Vec<Bytes>) {
        self.state.push_op(self.index, || argv);
    }

    /// As `propagate`, building the op only if the sink wants ops.
    pub fn propagate_with(&mut self, argv: impl FnOnce() -> Vec<Bytes>) {
        self.state.push_op(self.index, argv);
    }

    /// Notes that `key` received elements, so the server can serve clients
    /// blocked on it.
    pub fn signal_ready(&mut self, key: &[u8]) {
        self.state.signal_ready(self.index, key);
    }

    /// A random u64 from the engine's seeded source.
    pub fn random_u64(&mut self) -> u64 {
        rand::RngCore::next_u64(&mut self.state.rng)
    }
}
