//! `Engine`: owns the databases and runs commands, one at a time.
//!
//! `execute` is the single entry point: look the command up, check arity,
//! queue it if the client is in MULTI, otherwise run it with a `Ctx`, write
//! its reply, and emit its delta (one LSN per command or per EXEC). The
//! engine never blocks and never does I/O: the owner supplies the clock, the
//! delta sink and the host commands.

use crate::client::{ClientId, ClientState};
use crate::clock::Clock;
use crate::command::{CommandSpec, Flags, Handler};
use crate::commands::transactions::{touch_watched_key, Watcher};
use crate::commands::CommandTable;
use crate::config::EngineConfig;
use crate::context::{Ctx, Db};
use crate::delta::{AsSent, Delta, DeltaForm, DeltaOp, DeltaSink, EncodedDelta, EncodedOps};
use crate::error::CommandError;
use crate::eviction::Eviction;
use crate::expiry_cycle::{ExpiryBudget, ExpiryCycleStats};
use crate::keyspace::{KeyHasher, Keyspace};
use crate::notify::{EventClass, KeyEvent, Notifications};
use bytes::Bytes;
use hashbrown::{HashMap, HashSet};
use rand::SeedableRng;
use resp_codec::{Argv, ReplyWriter};
use std::sync::Arc;

/// Counters INFO reports from the engine.
#[derive(Clone, Debug, Default)]
pub struct EngineStats {
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub expired_keys: u64,
    pub evicted_keys: u64,
    pub total_commands: u64,
}

/// The engine's state that commands reach through `Ctx`.
pub struct EngineState {
    pub(crate) dbs: Vec<Keyspace>,
    pub(crate) rng: rand::rngs::SmallRng,
    pub(crate) stats: EngineStats,
    /// Changes since the last save (`rdb_changes_since_last_save`).
    pub(crate) dirty: u64,
    /// Ops of the command being run, emitted as one delta when it ends:
    /// structured (`DeltaForm::Ops`) or encoded (`DeltaForm::Encoded`).
    pub(crate) pending_ops: Vec<DeltaOp>,
    pub(crate) pending_encoded: EncodedOps,
    /// Encoded form: the command being run propagates as sent, in this
    /// database, before `pending_encoded`'s op number `.1` (`AsSent`).
    pub(crate) pending_as_sent: Option<(u32, usize)>,
    /// The command being run wrote (its delta is due, ops or not).
    pub(crate) pending_write: bool,
    /// Ops of the command being run when the sink takes none
    /// (`DeltaForm::Lsn`, `Nothing`): what an EXEC counts to know whether
    /// it is a transaction (`pending_op_count`).
    pub(crate) unbuilt_ops: usize,
    /// What the sink takes (`DeltaSink::form`): which ops to build.
    pub(crate) form: DeltaForm,
    /// The pending ops come from EXEC: replay them inside MULTI/EXEC.
    pub(crate) pending_transaction: bool,
    /// Eviction's candidates, kept across passes (see `eviction`).
    pub(crate) eviction_pool: crate::eviction::EvictionPool,
    /// The database a random eviction looked at last.
    pub(crate) evict_next_db: usize,
    /// The last eviction pass ran out of time while still over the limit.
    pub(crate) eviction_pending: bool,
    /// The eviction pass before this command failed: denyoom commands
    /// (and anything queued in MULTI) are refused.
    pub(crate) out_of_memory: bool,
    /// Keyspace events raised since the owner last took them.
    pub(crate) notifications: Notifications,
    /// Keys that received elements, in order, for blocked clients.
    pub(crate) ready_keys: Vec<(usize, Bytes)>,
    ready_set: HashSet<(usize, Bytes)>,
    /// Databases whose whole contents changed (SWAPDB), in order, without
    /// repeats: every client blocked on a key there must be re-checked.
    pub(crate) swapped_dbs: Vec<usize>,
    /// (db, key) -> clients watching it.
    pub(crate) watched_keys: HashMap<(usize, Bytes), Vec<Watcher>>,
    /// Clients whose watched keys changed: their EXEC fails.
    pub(crate) dirty_watchers: HashSet<ClientId>,
    pub(crate) config: EngineConfig,
    /// The database the next active expiry cycle starts with.
    pub(crate) expiry_next_db: usize,
    /// Snapshots begun so far: the last one's id (`SnapshotStart::id`).
    pub(crate) snapshots_begun: u64,
    /// Bytes the owner holds for clients, counted towards `maxmemory`.
    pub(crate) owner_memory: usize,
    /// Flushed databases (FLUSHDB/FLUSHALL ASYNC) for the owner to drop
    /// off the engine lock.
    garbage: Vec<Keyspace>,
    /// Replaying persisted data: no key counts as expired, and absolute
    /// expiry times in the past are stored rather than deleting the key
    /// (Redis's `server.loading`). A file records each change at the time
    /// it happened; judging expiry by the time of the replay would drop a
    /// key whose TTL a later command extends.
    pub(crate) loading: bool,
    /// The command name `dispatch` looked up last.
    pub(crate) last_name: crate::command_name::LastName,
}

impl EngineState {
    pub(crate) fn expire_if_needed(&mut self, db: usize, key: &[u8], now_ms: i64) -> bool {
        if self.loading || !self.dbs[db].is_expired(key, now_ms) {
            return false;
        }
        self.dbs[db].remove(key);
        self.stats.expired_keys += 1;
        self.notify(db, EventClass::Expired, "expired", key);
        self.signal_modified(db, key);
        self.push_op(db, || {
            vec![Bytes::from_static(b"DEL"), Bytes::copy_from_slice(key)]
        });
        true
    }

    /// Adds an op (to replay in database `db`) to the pending delta; the
    /// op is built only if the sink takes ops.
    pub(crate) fn push_op(&mut self, db: usize, argv: impl FnOnce() -> Vec<Bytes>) {
        self.pending_write = true;
        match self.form {
            DeltaForm::Lsn | DeltaForm::Nothing => self.unbuilt_ops += 1,
            DeltaForm::Ops => self.pending_ops.push(DeltaOp {
                db: db as u32,
                argv: argv(),
            }),
            DeltaForm::Encoded => self.pending_encoded.push(db as u32, argv().as_slice()),
        }
    }

    /// `push_op` for arguments at hand (a command propagated as sent):
    /// encoded straight from them, cloned only for structured ops.
    pub(crate) fn push_op_from(&mut self, db: usize, argv: Argv<'_>) {
        self.pending_write = true;
        match self.form {
            DeltaForm::Lsn | DeltaForm::Nothing => self.unbuilt_ops += 1,
            DeltaForm::Ops => self.pending_ops.push(DeltaOp {
                db: db as u32,
                argv: argv.to_vec(),
            }),
            DeltaForm::Encoded => self.pending_encoded.push(db as u32, argv),
        }
    }

    /// `push_op_from` for the arguments of the command `execute` runs
    /// (not one EXEC runs): encoded form leaves them to the sink
    /// (`AsSent`), which encodes them once into its own buffer; a sink
    /// that takes no ops only learns that there was a write.
    #[inline]
    pub(crate) fn push_command_as_sent(&mut self, db: usize, argv: Argv<'_>) {
        match self.form {
            DeltaForm::Encoded if self.pending_as_sent.is_none() => {
                self.pending_write = true;
                self.pending_as_sent = Some((db as u32, self.pending_encoded.len()));
            }
            DeltaForm::Lsn | DeltaForm::Nothing => self.pending_write = true,
            DeltaForm::Encoded | DeltaForm::Ops => self.push_op_from(db, argv),
        }
    }

    /// How many ops the pending delta holds, in whatever form the sink
    /// takes it.
    pub(crate) fn pending_op_count(&self) -> usize {
        match self.form {
            DeltaForm::Lsn | DeltaForm::Nothing => self.unbuilt_ops,
            DeltaForm::Ops => self.pending_ops.len(),
            DeltaForm::Encoded => {
                self.pending_encoded.len() + usize::from(self.pending_as_sent.is_some())
            }
        }
    }

    /// Keeps a flushed keyspace for the owner to free. Bounded: at most one
    /// flush's worth of databases waits; older garbage an owner never
    /// collected is dropped here, synchronously.
    pub(crate) fn add_garbage(&mut self, keyspace: Keyspace) {
        if self.garbage.len() >= self.dbs.len() {
            self.garbage.clear();
        }
        self.garbage.push(keyspace);
    }

    /// Records a keyspace event, if its class is published (checked here,
    /// inline: most servers publish none, and every write raises one).
    #[inline]
    pub(crate) fn notify(&mut self, db: usize, class: EventClass, event: &'static str, key: &[u8]) {
        let flags = self.config.notify_keyspace_events;
        if flags.wants(class) {
            self.notifications.record(flags, db, class, event, key);
        }
    }

    /// Records an access to entry `index` of database `db` (LRU clock or
    /// LFU counter, by the policy in force).
    #[inline]
    pub(crate) fn touch(&mut self, db: usize, index: u32, now_ms: i64) {
        let config = &self.config;
        let field = if config.maxmemory_policy.is_lfu() {
            crate::access::touched(
                self.dbs[db].access_at(index),
                config.maxmemory_policy,
                now_ms,
                config.lfu_log_factor,
                config.lfu_decay_time,
                &mut self.rng,
            )
        } else {
            // The common case, without reading the old field.
            crate::access::lru_clock(now_ms)
        };
        self.dbs[db].set_access_at(index, field);
    }

    /// Sets the access field of entry `index` just stored: `moved` carries
    /// a value's own field along (RENAME, MOVE); otherwise a new key is
    /// stamped as just created, and so is an overwritten one except under
    /// LFU, where an overwrite keeps the key's counter (Redis's
    /// `dbOverwrite`).
    pub(crate) fn stamp(
        &mut self,
        db: usize,
        index: u32,
        new: bool,
        moved: Option<u32>,
        now_ms: i64,
    ) {
        let policy = self.config.maxmemory_policy;
        let field = match moved {
            Some(field) => field,
            None if new || !policy.is_lfu() => crate::access::fresh(policy, now_ms),
            None => return,
        };
        self.dbs[db].set_access_at(index, field);
    }

    /// Fails the WATCH of clients watching `key` (checked inline: most
    /// writes happen with nobody watching anything).
    #[inline]
    pub(crate) fn signal_modified(&mut self, db: usize, key: &[u8]) {
        if !self.watched_keys.is_empty() {
            touch_watched_key(self, db, key);
        }
    }

    pub(crate) fn signal_ready(&mut self, db: usize, key: &[u8]) {
        let entry = (db, Bytes::copy_from_slice(key));
        if self.ready_set.insert(entry.clone()) {
            self.ready_keys.push(entry);
        }
    }
}

/// Commands implemented by whoever embeds the engine (the server's PUBLISH,
/// CONFIG, CLIENT, INFO, ...). The engine dispatches them like its own, so
/// they are arity-checked, queued in MULTI and run inside EXEC.
pub trait Host {
    /// The spec of a host command, by lower-case name.
    fn command(&self, name: &str) -> Option<&CommandSpec>;
    /// Runs a host command; `ctx` is as for engine commands.
    fn run(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), CommandError>;
    /// Whether this connection may not run `spec`, an admin command, at
    /// all (Redis's protected commands: DEBUG under
    /// `enable-debug-command`): checked before the command is queued in
    /// MULTI, which it then aborts, and before it runs.
    fn refuses(&self, _spec: &CommandSpec) -> Option<CommandError> {
        None
    }
    /// EXEC is about to run its next queued command (the host may time
    /// it: the engine reads no wall clock).
    fn exec_step_begins(&mut self) {}
    /// EXEC ran a queued command, `argv` (its spec's `flags`), which ended
    /// as `outcome` with `reply`: counted, and logged if slow, as a call of
    /// its own, as Redis does (queuing it did neither, `Outcome::queued`).
    fn exec_step_ran(&mut self, _argv: Argv<'_>, _flags: Flags, _outcome: &Outcome, _reply: &[u8]) {
    }
}

/// A host with no commands of its own.
pub struct NoHost;

impl Host for NoHost {
    fn command(&self, _name: &str) -> Option<&CommandSpec> {
        None
    }
    fn run(&mut self, _ctx: &mut Ctx<'_, '_>) -> Result<(), CommandError> {
        Err(CommandError::text("ERR no host commands"))
    }
}

/// How a command ended, for the caller's statistics and durability wait.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The command's table name, if it was found.
    pub command: Option<&'static str>,
    /// The LSN of the delta this command emitted, if it changed anything.
    pub lsn: Option<u64>,
    /// The command replied with an error.
    pub failed: bool,
    /// The command was refused before running (unknown, arity, EXECABORT).
    pub rejected: bool,
    /// The command was queued in MULTI, not run: no call yet (EXEC's
    /// `Host::exec_step_ran` counts it).
    pub queued: bool,
    /// The command ran and may block (Redis's `blocking` flag: BLPOP,
    /// BZPOPMIN, BLMOVE...): only then can its nil reply make the client
    /// wait, so the owner looks at no other command's reply for that.
    pub blocking: bool,
}

pub struct Engine {
    pub(crate) state: EngineState,
    table: CommandTable,
    clock: Arc<dyn Clock>,
    sink: Box<dyn DeltaSink>,
    next_lsn: u64,
}

impl Engine {
    pub fn new(config: EngineConfig, clock: Arc<dyn Clock>, sink: Box<dyn DeltaSink>) -> Self {
        let hasher = KeyHasher::seeded(config.seed);
        let dbs = (0..config.databases.max(1))
            .map(|_| Keyspace::new(hasher.clone()))
            .collect();
        Engine {
            state: EngineState {
                dbs,
                rng: rand::rngs::SmallRng::seed_from_u64(config.seed),
                stats: EngineStats::default(),
                dirty: 0,
                pending_ops: Vec::new(),
                pending_encoded: EncodedOps::default(),
                pending_as_sent: None,
                pending_write: false,
                unbuilt_ops: 0,
                form: sink.form(),
                pending_transaction: false,
                notifications: Notifications::default(),
                eviction_pool: crate::eviction::EvictionPool::default(),
                evict_next_db: 0,
                eviction_pending: false,
                out_of_memory: false,
                ready_keys: Vec::new(),
                ready_set: HashSet::new(),
                swapped_dbs: Vec::new(),
                watched_keys: HashMap::new(),
                dirty_watchers: HashSet::new(),
                config,
                expiry_next_db: 0,
                snapshots_begun: 0,
                owner_memory: 0,
                garbage: Vec::new(),
                loading: false,
                last_name: Default::default(),
            },
            table: CommandTable::new(),
            clock,
            sink,
            next_lsn: 1,
        }
    }

    pub(crate) fn state_mut(&mut self) -> &mut EngineState {
        &mut self.state
    }

    /// Replaces the delta sink and returns the previous one. Recovery
    /// replays the AOF with a sink that discards (that data is already
    /// durable), then hands the owner's sink back.
    pub fn set_delta_sink(&mut self, sink: Box<dyn DeltaSink>) -> Box<dyn DeltaSink> {
        debug_assert!(!self.state.pending_write, "sink replaced mid-command");
        self.state.form = sink.form();
        std::mem::replace(&mut self.sink, sink)
    }

    /// Enters or leaves loading mode (replaying an AOF or a base file):
    /// while loading, expiry neither deletes keys nor hides them, as in
    /// Redis. The active expiry cycle does nothing meanwhile.
    pub fn set_loading(&mut self, loading: bool) {
        self.state.loading = loading;
    }

    pub fn is_loading(&self) -> bool {
        self.state.loading
    }

    pub fn config(&self) -> &EngineConfig {
        &self.state.config
    }

    /// Replaces the configuration (CONFIG SET). The number of databases is
    /// fixed at start, as in Redis.
    pub fn set_config(&mut self, mut config: EngineConfig) {
        config.databases = self.state.dbs.len();
        self.state.config = config;
    }

    pub fn table(&self) -> &CommandTable {
        &self.table
    }

    pub fn stats(&self) -> &EngineStats {
        &self.state.stats
    }

    /// Changes since the last save.
    pub fn dirty(&self) -> u64 {
        self.state.dirty
    }

    pub fn reset_dirty(&mut self) {
        self.state.dirty = 0;
    }

    /// Forgets `n` changes (a background save covered the changes made
    /// before it began; those made while it ran still count).
    pub fn sub_dirty(&mut self, n: u64) {
        self.state.dirty = self.state.dirty.saturating_sub(n);
    }

    /// The time of the injected clock (loaders skip keys expired by now).
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The LSN the next delta will carry.
    pub fn next_lsn(&self) -> u64 {
        self.next_lsn
    }

    pub fn db(&self, index: usize) -> &Keyspace {
        &self.state.dbs[index]
    }

    pub fn databases(&self) -> usize {
        self.state.dbs.len()
    }

    /// Loads one key as recovery found it (RDB, AOF base). Emits no delta:
    /// the data is already durable. An `expire_at_ms` in the past still
    /// loads (the key expires on first access, as on a Redis replica); the
    /// RDB loader skips such keys itself when loading as a master would.
    pub fn restore_entry(
        &mut self,
        db: usize,
        key: &[u8],
        value: crate::value::Value,
        expire_at_ms: Option<i64>,
    ) {
        let (index, new) = self.state.dbs[db].insert_at(key, value, false);
        let now_ms = self.clock.now_ms();
        self.state.stamp(db, index, new, None, now_ms);
        if let Some(at) = expire_at_ms {
            self.state.dbs[db].set_expire_at(key, at);
        }
    }

    /// A key's access field in the terms of the policy in force (idle
    /// seconds under LRU, the LFU counter under LFU): what an RDB file's
    /// IDLE or FREQ record saves. None for a missing key.
    pub fn key_access(&self, db: usize, key: &[u8]) -> Option<crate::access::KeyAccess> {
        let field = self.state.dbs.get(db)?.access_of(key)?;
        let config = &self.state.config;
        Some(crate::access::describe(
            field,
            config.maxmemory_policy,
            self.clock.now_ms(),
            config.lfu_decay_time,
        ))
    }

    /// Sets a key's access field from an RDB IDLE/FREQ record or RESTORE's
    /// IDLETIME/FREQ (Redis's `objectSetLRUOrLFU`): a record of the kind
    /// the policy keeps is applied, the other kind is ignored. True if
    /// applied.
    pub fn restore_access(
        &mut self,
        db: usize,
        key: &[u8],
        access: crate::access::KeyAccess,
    ) -> bool {
        let policy = self.state.config.maxmemory_policy;
        let Some(field) = crate::access::field_for(access, policy, self.clock.now_ms()) else {
            return false;
        };
        self.state
            .dbs
            .get_mut(db)
            .is_some_and(|keyspace| keyspace.set_access(key, field))
    }

    /// Replaces the whole keyspace of every db with empty ones (DEBUG
    /// RELOAD), failing the WATCH of every watched key that exists, as
    /// Redis's emptying of the data does.
    pub fn clear_all(&mut self) {
        let now_ms = self.clock.now_ms();
        for db in 0..self.state.dbs.len() {
            crate::commands::transactions::touch_watched_in_db(&mut self.state, db, None, now_ms);
        }
        self.state.dbs.iter_mut().for_each(Keyspace::clear);
    }

    /// The keyspace events raised since the last call, in the order Redis
    /// raises them (see `notify`). Call it after every `execute`,
    /// `active_expire_cycle` and `evict`: events wait here until taken
    /// (at most `notify::MAX_PENDING_EVENTS`; later ones are dropped and
    /// counted in `notifications_dropped`).
    /// Whether `take_notifications` has anything: a check per command
    /// that costs nothing when no class is published.
    pub fn has_notifications(&self) -> bool {
        !self.state.notifications.events.is_empty()
    }

    pub fn take_notifications(&mut self) -> Vec<KeyEvent> {
        std::mem::take(&mut self.state.notifications.events)
    }

    /// Events raised so far and not taken: what `follow_replies` counts from.
    pub fn notifications_raised(&self) -> usize {
        self.state.notifications.events.len()
    }

    /// The events raised since `from` (`notifications_raised`) go after
    /// every reply (`KeyEvent::AFTER_ALL`): they came from a command run
    /// on nobody's reply buffer (serving a blocked client), so the places
    /// `dispatch` stamped them with are offsets in a buffer the raising
    /// client's copies never go into.
    pub fn follow_replies(&mut self, from: usize) {
        let events = &mut self.state.notifications.events;
        for event in events.iter_mut().skip(from) {
            event.at = KeyEvent::AFTER_ALL;
        }
    }

    /// Events dropped because the owner had not taken the earlier ones.
    pub fn notifications_dropped(&self) -> u64 {
        self.state.notifications.dropped
    }

    /// Whether `take_ready_keys` or `take_swapped_dbs` has anything.
    #[inline]
    pub fn has_ready_keys(&self) -> bool {
        !self.state.ready_keys.is_empty() || !self.state.swapped_dbs.is_empty()
    }

    /// Keys that received elements since the last call, in order.
    pub fn take_ready_keys(&mut self) -> Vec<(usize, Bytes)> {
        self.state.ready_set.clear();
        std::mem::take(&mut self.state.ready_keys)
    }

    /// Databases emptied by FLUSHDB/FLUSHALL ASYNC since the last call,
    /// for the owner to drop where a slow drop cannot stall commands (a
    /// blocking thread). Dropping is the only thing to do with them.
    pub fn take_garbage(&mut self) -> Vec<Keyspace> {
        std::mem::take(&mut self.state.garbage)
    }

    /// Databases SWAPDB exchanged since the last call: a client blocked on
    /// any key of these may now be served (Redis re-scans their blocked
    /// keys); the engine does not know which keys have waiters.
    pub fn take_swapped_dbs(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.state.swapped_dbs)
    }

    /// Forgets a client that disconnected: its WATCHes go away.
    pub fn forget_client(&mut self, client: &mut ClientState) {
        crate::commands::transactions::unwatch_all(&mut self.state, client);
        client.multi = None;
    }

    /// One eviction pass now (see `eviction`), for the owner's timer while
    /// `eviction_pending` says a pass ran out of time still over the limit
    /// (Redis's eviction timer). `execute` runs a pass before every command
    /// by itself. The deletions leave as one delta of DELs, as the active
    /// expiry cycle's do.
    pub fn evict(&mut self) -> Eviction {
        debug_assert!(!self.state.pending_write);
        let now_ms = self.clock.now_ms();
        let eviction = crate::eviction::perform(&mut self.state, &*self.clock, now_ms);
        self.flush_delta(Argv::default(), None);
        eviction
    }

    /// The last eviction pass stopped at its time budget while memory was
    /// still over `maxmemory`: call `evict` again soon.
    pub fn eviction_pending(&self) -> bool {
        self.state.eviction_pending
    }

    /// Deletes expired keys nobody read (Redis's active expiry); the server
    /// calls it on a timer. Deletions propagate as one delta of DELs. See
    /// `expiry_cycle` for the algorithm and the budget.
    pub fn active_expire_cycle(&mut self, budget: ExpiryBudget) -> ExpiryCycleStats {
        debug_assert!(!self.state.pending_write);
        if self.state.loading {
            return ExpiryCycleStats::default();
        }
        let stats = crate::expiry_cycle::run(&mut self.state, &*self.clock, budget);
        self.flush_delta(Argv::default(), None);
        stats
    }

    /// Runs one command for `client`, writing its reply into `out`.
    pub fn execute<'a>(
        &mut self,
        client: &mut ClientState,
        argv: impl Into<Argv<'a>>,
        out: &mut ReplyWriter<'_>,
        host: &mut dyn Host,
    ) -> Outcome {
        let now_ms = self.clock.now_ms();
        self.execute_at(client, argv, out, host, now_ms)
    }

    /// As `execute`, at `now_ms` read by the caller from the engine's own
    /// clock: an owner that reads the clock anyway (to time the command)
    /// saves a second reading per command.
    pub fn execute_at<'a>(
        &mut self,
        client: &mut ClientState,
        argv: impl Into<Argv<'a>>,
        out: &mut ReplyWriter<'_>,
        host: &mut dyn Host,
        now_ms: i64,
    ) -> Outcome {
        self.execute_sent_at(client, argv.into(), None, out, host, now_ms)
    }

    /// As `execute_at`, with the bytes the command came in when they are
    /// exactly `argv`'s RESP encoding (`resp_codec::Commands::sent`): a
    /// sink that writes commands as sent copies them (`AsSent::sent`).
    pub fn execute_sent_at(
        &mut self,
        client: &mut ClientState,
        argv: Argv<'_>,
        sent: Option<&[u8]>,
        out: &mut ReplyWriter<'_>,
        host: &mut dyn Host,
        now_ms: i64,
    ) -> Outcome {
        debug_assert!(
            !self.state.pending_write,
            "ops left over from a previous command"
        );
        self.state.out_of_memory = false;
        if self.state.config.maxmemory > 0 {
            self.evict_before(out.len(), now_ms);
        }
        let outcome = dispatch(
            &mut self.state,
            &self.table,
            host,
            client,
            argv,
            out,
            now_ms,
            false,
        );
        let lsn = self.flush_delta(argv, sent);
        Outcome { lsn, ..outcome }
    }

    /// Evicts what maxmemory asks for before a command whose reply starts
    /// at `reply_at`. Out of line: without a maxmemory it never runs, and
    /// inline it kept `execute_sent_at` from being inlined into the
    /// connection's loop (callgrind: about 20 instructions a command).
    #[cold]
    #[inline(never)]
    fn evict_before(&mut self, reply_at: usize, now_ms: i64) {
        let raised = self.state.notifications.events.len();
        let eviction = crate::eviction::perform(&mut self.state, &*self.clock, now_ms);
        self.state.out_of_memory = eviction == Eviction::Failed;
        // Evicted before the command runs: before its reply. (Only these:
        // the events not taken yet may be many, e.g. while an AOF loads.)
        for event in self.state.notifications.events.iter_mut().skip(raised) {
            event.at = event.at.min(reply_at);
        }
    }

    /// Emits the pending ops as one delta; returns its LSN. `argv` is the
    /// command that ran (empty if none) and `sent` its bytes, which an
    /// `AsSent` op refers to.
    fn flush_delta(&mut self, argv: Argv<'_>, sent: Option<&[u8]>) -> Option<u64> {
        let transaction = std::mem::take(&mut self.state.pending_transaction);
        if !std::mem::take(&mut self.state.pending_write) {
            return None;
        }
        self.state.unbuilt_ops = 0;
        let lsn = self.next_lsn;
        self.next_lsn += 1;
        match self.state.form {
            DeltaForm::Nothing => {}
            DeltaForm::Encoded => self.emit_encoded(lsn, transaction, argv, sent),
            DeltaForm::Ops | DeltaForm::Lsn => {
                let ops = std::mem::take(&mut self.state.pending_ops);
                self.sink.emit(Delta {
                    lsn,
                    transaction,
                    ops,
                });
            }
        }
        Some(lsn)
    }

    fn emit_encoded(&mut self, lsn: u64, transaction: bool, argv: Argv<'_>, sent: Option<&[u8]>) {
        let as_sent = self.state.pending_as_sent.take().map(|(db, at)| {
            assert!(!argv.is_empty(), "an op as sent, with no command");
            AsSent { db, at, argv, sent }
        });
        self.sink.emit_encoded(EncodedDelta {
            lsn,
            transaction,
            ops: &self.state.pending_encoded,
            as_sent,
        });
        if !self.state.pending_encoded.is_empty() {
            self.state.pending_encoded.clear();
        }
    }
}

/// The refusals Redis makes as it looks a command up, before it asks for
/// authentication: a wrong arity, an unknown subcommand, and a protected
/// command (DEBUG) this connection may not run. Inline: every command
/// asks, and the call cost more than its checks (callgrind).
#[inline]
pub fn refused_at_lookup(
    spec: &CommandSpec,
    argv: Argv<'_>,
    host: &dyn Host,
) -> Option<CommandError> {
    if !spec.arity_ok(argv.len()) {
        Some(CommandError::WrongArity(spec.name.into()))
    } else if let Err(error) = crate::commands::check_subcommand(spec.name, argv) {
        Some(error)
    } else if spec.flags.contains(Flags::ADMIN) {
        host.refuses(spec)
    } else {
        None
    }
}

/// Looks up, checks and runs (or queues) one command. `in_exec` is true for
/// commands run by EXEC, which are never queued again.
#[allow(clippy::too_many_arguments)]
pub(crate) fn dispatch(
    state: &mut EngineState,
    table: &CommandTable,
    host: &mut dyn Host,
    client: &mut ClientState,
    argv: Argv<'_>,
    out: &mut ReplyWriter<'_>,
    now_ms: i64,
    in_exec: bool,
) -> Outcome {
    let Some(name) = argv.first() else {
        return Outcome::default();
    };
    let spec = match table
        .get_remembered(&mut state.last_name, name)
        .or_else(|| lower_name(name).and_then(|n| host.command(&n).copied()))
    {
        Some(spec) => spec,
        None => {
            if client.in_multi() {
                client.multi_failed = true;
            }
            out.error(&unknown_command(argv));
            return Outcome {
                failed: true,
                rejected: true,
                ..Outcome::default()
            };
        }
    };
    let rejection = if let Some(error) = refused_at_lookup(&spec, argv, host) {
        Some(error)
    } else if client.in_multi() && !in_exec && spec.flags.contains(Flags::NO_MULTI) {
        // SAVE, SHUTDOWN (Redis's no-multi): refused, and EXEC then aborts.
        Some(CommandError::text(
            "ERR Command not allowed inside a transaction",
        ))
    } else if !in_exec && state.out_of_memory && rejected_for_memory(&spec, client, table, host) {
        Some(CommandError::OutOfMemory)
    } else {
        None
    };
    if let Some(error) = rejection {
        if client.in_multi() {
            client.multi_failed = true;
        }
        if let Handler::Exec = spec.run {
            crate::commands::transactions::abort_exec(state, client, out, &error);
        } else {
            out.error(error.to_string().as_bytes());
        }
        return Outcome {
            command: Some(spec.name),
            failed: true,
            rejected: true,
            ..Outcome::default()
        };
    }
    if client.in_multi() && !in_exec && !crate::commands::transactions::runs_inside_multi(spec.name)
    {
        if let Some(queue) = client.multi.as_mut() {
            queue.push(argv.to_vec());
        }
        out.simple(b"QUEUED");
        return Outcome {
            command: Some(spec.name),
            queued: true,
            ..Outcome::default()
        };
    }
    state.stats.total_commands += 1;
    let start = out.len();
    if let Handler::Exec = spec.run {
        let failed = crate::commands::transactions::exec(state, table, host, client, out, now_ms);
        return Outcome {
            command: Some(spec.name),
            failed,
            ..Outcome::default()
        };
    }
    let db = Db {
        state,
        index: client.db,
        now_ms,
        no_touch: client.no_touch && spec.name != "touch",
        touched_entries: Default::default(),
    };
    let mut ctx = Ctx {
        db,
        client,
        argv,
        out,
        spec: &spec,
        in_exec,
    };
    let raised_before = ctx.db.state.notifications.events.len();
    let result = match spec.run {
        Handler::Engine(run) => run(&mut ctx),
        Handler::Host => host.run(&mut ctx),
        Handler::Exec => unreachable!("EXEC is dispatched above"),
    };
    let outcome = match result {
        Ok(()) => Outcome {
            command: Some(spec.name),
            blocking: spec.flags.contains(Flags::BLOCKING),
            ..Outcome::default()
        },
        Err(error) => {
            out.truncate(start);
            out.error(error.to_string().as_bytes());
            Outcome {
                command: Some(spec.name),
                failed: true,
                ..Outcome::default()
            }
        }
    };
    let events = &mut state.notifications.events;
    if events.len() > raised_before {
        let raised = &mut events[raised_before..];
        let keyspace = &state.dbs[client.db];
        let exists = |key: &[u8]| keyspace.contains(key);
        crate::notify_place::place(argv, spec.name, raised, out.buffer(), start, &exists);
    }
    outcome
}

/// Redis's rule for refusing a command while eviction cannot bring memory
/// under `maxmemory` (`-OOM`): commands flagged denyoom; anything queued in
/// MULTI (queueing takes memory too) except EXEC, DISCARD, QUIT and RESET;
/// and EXEC of a transaction holding a denyoom command. Reads run.
fn rejected_for_memory(
    spec: &CommandSpec,
    client: &ClientState,
    table: &CommandTable,
    host: &dyn Host,
) -> bool {
    if spec.flags.contains(Flags::DENYOOM) {
        return true;
    }
    if client.in_multi() && !matches!(spec.name, "exec" | "discard" | "quit" | "reset") {
        return true;
    }
    if let Handler::Exec = spec.run {
        let denyoom = |argv: &Vec<Bytes>| {
            let name = argv.first()?;
            let spec = table
                .get(name)
                .or_else(|| lower_name(name).and_then(|n| host.command(&n).copied()))?;
            Some(spec.flags.contains(Flags::DENYOOM))
        };
        return client
            .multi
            .as_ref()
            .is_some_and(|queue| queue.iter().any(|argv| denyoom(argv) == Some(true)));
    }
    false
}

fn lower_name(name: &[u8]) -> Option<String> {
    std::str::from_utf8(name).ok().map(str::to_ascii_lowercase)
}

/// Redis's text for an unknown command, byte for byte: the name and the
/// first arguments quoted, each cut at 128 bytes (and at a NUL byte, where
/// C's `%s` stops), arguments added while the list is under 128 bytes, CR
/// and LF turned into spaces so the error stays one line.
fn unknown_command(argv: Argv<'_>) -> Vec<u8> {
    fn c_str(bytes: &[u8], max: usize) -> &[u8] {
        let bytes = &bytes[..bytes.len().min(max)];
        bytes
            .iter()
            .position(|&b| b == 0)
            .map_or(bytes, |nul| &bytes[..nul])
    }
    let mut args = Vec::new();
    for arg in argv.slice(1..) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push(b'\'');
        args.extend_from_slice(c_str(arg, room));
        args.extend_from_slice(b"' ");
    }
    let mut text = Vec::with_capacity(args.len() + 200);
    text.extend_from_slice(b"ERR unknown command '");
    text.extend_from_slice(c_str(&argv[0], 128));
    text.extend_from_slice(b"', with args beginning with: ");
    text.extend_from_slice(&args);
    for byte in &mut text {
        if *byte == b'\r' || *byte == b'\n' {
            *byte = b' ';
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use bytes::BytesMut;
    use std::sync::Mutex;

    /// Keeps every delta; takes the form it is told (encoded deltas
    /// arrive decoded, through `emit_encoded`'s default).
    struct Recorder {
        seen: Arc<Mutex<Vec<Delta>>>,
        form: DeltaForm,
    }

    impl DeltaSink for Recorder {
        fn emit(&mut self, delta: Delta) {
            self.seen.lock().unwrap().push(delta);
        }

        fn form(&self) -> DeltaForm {
            self.form
        }
    }

    fn recorder(form: DeltaForm) -> (Box<dyn DeltaSink>, Arc<Mutex<Vec<Delta>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Recorder {
            seen: seen.clone(),
            form,
        };
        (Box::new(sink), seen)
    }

    fn run(engine: &mut Engine, client: &mut ClientState, words: &[&str]) -> Option<u64> {
        let argv: Vec<Bytes> = words.iter().map(|w| Bytes::from(w.to_string())).collect();
        let mut buf = BytesMut::new();
        let mut out = ReplyWriter::new(&mut buf, client.protocol);
        engine.execute(client, &argv, &mut out, &mut NoHost).lsn
    }

    #[test]
    fn only_blocking_commands_that_ran_say_they_may_block() {
        let (sink, _) = recorder(DeltaForm::Nothing);
        let mut engine = Engine::new(EngineConfig::default(), ManualClock::new(1), sink);
        let mut client = ClientState::new(1);
        let mut outcome = |words: &[&str]| {
            let argv: Vec<Bytes> = words.iter().map(|w| Bytes::from(w.to_string())).collect();
            let mut buf = BytesMut::new();
            let mut out = ReplyWriter::new(&mut buf, client.protocol);
            let outcome = engine.execute(&mut client, &argv, &mut out, &mut NoHost);
            (outcome.blocking, buf)
        };
        assert_eq!(outcome(&["blpop", "l", "0"]), (true, "*-1\r\n".into()));
        assert!(outcome(&["bzpopmin", "z", "0"]).0);
        assert!(outcome(&["blmove", "a", "b", "left", "left", "0"]).0);
        assert_eq!(outcome(&["get", "k"]), (false, "$-1\r\n".into()));
        assert!(!outcome(&["lpop", "l"]).0);
        // Refused before running: nothing to wait for.
        assert!(!outcome(&["blpop", "l"]).0);
    }

    #[test]
    fn a_sink_that_wants_no_ops_still_gets_one_delta_per_write_in_lsn_order() {
        let clock = ManualClock::new(1_000);
        let (sink, seen) = recorder(DeltaForm::Lsn);
        let mut engine = Engine::new(EngineConfig::default(), clock.clone(), sink);
        let mut client = ClientState::new(1);
        assert_eq!(run(&mut engine, &mut client, &["SET", "k", "v"]), Some(1));
        assert_eq!(run(&mut engine, &mut client, &["GET", "k"]), None);
        assert_eq!(run(&mut engine, &mut client, &["MULTI"]), None);
        run(&mut engine, &mut client, &["INCR", "n"]);
        run(&mut engine, &mut client, &["SET", "k", "w", "PX", "5"]);
        assert_eq!(run(&mut engine, &mut client, &["EXEC"]), Some(2));
        clock.advance(10);
        assert_eq!(
            run(&mut engine, &mut client, &["GET", "k"]),
            Some(3),
            "a lazy expiry is a write"
        );
        let shape: Vec<_> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|d| (d.lsn, d.transaction, d.ops.len()))
            .collect();
        assert_eq!(shape, [(1, false, 0), (2, true, 0), (3, false, 0)]);

        let (sink, seen) = recorder(DeltaForm::Ops);
        engine.set_delta_sink(sink);
        run(&mut engine, &mut client, &["SET", "a", "b"]);
        let deltas = seen.lock().unwrap();
        assert_eq!(deltas[0].lsn, 4, "LSNs go on across sinks");
        assert_eq!(
            deltas[0].ops[0].argv,
            [&b"SET"[..], b"a", b"b"].map(Bytes::from_static)
        );
    }

    #[test]
    fn encoded_deltas_are_the_structured_ones_encoded() {
        let script: &[&[&str]] = &[
            &["SET", "k", "v", "PX", "5"],
            &["RPUSH", "l", "a", "b", "c"],
            &["INCRBYFLOAT", "f", "1.5"],
            &["SELECT", "2"],
            &["SADD", "s", "x"],
            &["MULTI"],
            &["SET", "a", "1"],
            &["SELECT", "0"],
            &["LPOP", "l"],
            &["SWAPDB", "0", "2"],
            &["EXEC"],
            &["GET", "k"],
            &["EXPIRE", "a", "100"],
            &["SPOP", "s"],
            &["SET", "e", "1", "PX", "1"],
            // As sent, after the DEL of the expired key.
            &["SET", "e", "2"],
            &["LPUSH", "l", "x"],
            &["INCR", "n"],
        ];
        let run_all = |form| {
            let clock = ManualClock::new(1_000);
            let (sink, seen) = recorder(form);
            let mut engine = Engine::new(EngineConfig::default(), clock.clone(), sink);
            let mut client = ClientState::new(1);
            for words in script {
                run(&mut engine, &mut client, words);
                clock.advance(3);
            }
            let deltas = seen.lock().unwrap().clone();
            deltas
        };
        let structured = run_all(DeltaForm::Ops);
        assert!(structured.len() >= 7 && structured.iter().any(|d| d.transaction));
        assert!(
            structured
                .iter()
                .any(|d| d.ops.len() == 2 && d.ops[1].argv[1] == "e"),
            "a command as sent after another op"
        );
        assert_eq!(run_all(DeltaForm::Encoded), structured);
    }
}
