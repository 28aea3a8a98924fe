//! The AOF writer actor: the only owner of the AOF files.
//!
//! It takes batches of deltas from the delta queue, already encoded by the
//! engine's sink (`DeltaChunk`), appends them to the current incremental
//! file and fsyncs per `appendfsync`, publishing the durable LSN on a watch
//! channel and to the waiters it covers (`waiters`):
//! - `always`: what has arrived is appended and fsynced as one group
//!   (group commit) by the pipeline's `GroupWriter` threads. What arrives
//!   meanwhile forms the next group, which starts once the one before it
//!   has appended (not fsynced) and a thread is free: up to
//!   `group_writer::WRITERS` fsyncs run at once, and a group's LSN is
//!   published only once every older group is durable too, by the thread
//!   whose fsync made it so (the actor publishes at least as much when it
//!   hears, again). The engine never waits for any of it.
//! - `everysec`: at most one fsync a second, never on the request path.
//! - `no`: durable means written; the OS decides when it reaches the disk.
//!
//! With `everysec` and `no` the actor takes deltas on a pace (see
//! `bridge::PACE`, 10 ms): what arrives within one pace goes out in one
//! append, so a busy server makes about a hundred trips to the blocking
//! thread a second, not one per batch. A reply under these policies may
//! therefore go out up to one pace before its write reaches the page
//! cache (Redis writes first): a process crash can lose that much, within
//! everysec's second.
//!
//! Otherwise at most one append and one fsync are in flight, each on a
//! blocking thread, so appends continue while an fsync runs; an fsync
//! covers what had landed when it started.
//!
//! A failed append or fsync turns the AOF into MISCONF (published as
//! health). The file is then never written or fsynced again: after a failed
//! fsync Linux may have dropped the dirty pages, and a later fsync would
//! "succeed" over the hole. Recovery writes a fresh base from a snapshot of
//! the engine into new files and switches the manifest to them, retried
//! with backoff; deltas in the snapshot are dropped, later ones kept.
//!
//! A rewrite (BGREWRITEAOF, or automatic by growth) takes a snapshot at LSN
//! S, holding deltas while it is taken; deltas up to S finish in the old
//! incremental file, which is fsynced; a new incremental file is added to
//! the manifest and takes every delta after S; a new base is written from
//! the snapshot in the background; finally the manifest names the new base
//! and the new incremental file only, and the old files are deleted. Any
//! crash along the way leaves a manifest that loads the same data.

mod group_writer;
mod prepare;
mod rewrite;

use super::base::{BaseError, BaseFormat};
use super::encode::{DeltaChunk, Part, Selected};
use super::layout::AofLayout;
use super::manifest::Manifest;
use crate::bridge::{Batch, DeltaReceiver};
use crate::config::FsyncPolicy;
use crate::error::{Misconf, RewriteError};
use crate::io::{self, IoFuture, Task};
use crate::snapshot::{EngineAccess, SnapshotBegun};
use crate::status::PersistenceStatus;
use crate::storage::{Storage, StorageError, StorageFile};
use crate::waiters::DurableWaiters;
use kv_engine::snapshot::SnapshotError;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tokio::time::Instant;

/// How often the actor looks at the clock (everysec, retries, automatic
/// rewrites), as Redis's serverCron at hz 10.
const TICK: Duration = Duration::from_millis(100);
/// `everysec`.
const EVERYSEC: Duration = Duration::from_secs(1);
/// Encoded bytes waiting to be written before the actor stops taking
/// batches (backpressure then reaches clients through credit).
const MAX_PENDING_BYTES: usize = 64 << 20;
/// `always` groups in flight at once: one on each of the `GroupWriter`'s
/// threads (one fsyncing while the next appends and fsyncs: a slow fsync
/// does not hold up the writes that arrived meanwhile for a second whole
/// fsync), and the next one forming behind them, which a thread takes as
/// soon as it is free.
///
/// When an older group's fsync fails after a newer one has appended, the
/// newer one's fsync must fail too: the failed writeback marked pages of
/// both clean, and a "successful" fsync would make the file's new length
/// durable over them, leaving a hole of zeros (DST seed 206458 did this on
/// a simulator that reported a failure to one fsync only). Each fsync
/// running at once has a descriptor of its own, to which Linux reports the
/// failure too, and a file whose sync failed fails every later one
/// (`storage::SyncLatch`); a group taken after the failure is never
/// written (`group_writer`).
const MAX_GROUPS: usize = group_writer::WRITERS + 1;
/// Bytes an `always` group waiting for the writer grows to; what comes
/// after waits in `pending` for the next group (so behind a hung fsync
/// the actor holds at most this plus `MAX_PENDING_BYTES`).
const MAX_GROUP_BYTES: usize = 8 << 20;
/// Deltas held while a snapshot is taken, in bytes.
const MAX_HELD_BYTES: usize = 64 << 20;
/// First and longest wait between recovery attempts after a disk error.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);
/// Wait before an automatic rewrite once `REWRITE_LIMIT_THRESHOLD` have
/// failed in a row (doubling with each failure after).
const AUTO_RETRY_FIRST: Duration = Duration::from_secs(60);
/// The longest of those waits (Redis's `AOF_REWRITE_LIMITE_MAX_MINUTES`).
const AUTO_RETRY_MAX: Duration = Duration::from_secs(60 * 60);
/// Failed rewrites in a row after which the first base of an AOF switched
/// on is no longer tried at every tick (Redis's limit on its rewrites).
const REWRITE_LIMIT_THRESHOLD: u64 = 3;

/// Requests to the actor.
pub(crate) enum Control {
    /// BGREWRITEAOF.
    Rewrite {
        reply: oneshot::Sender<Result<(), RewriteError>>,
    },
    /// `CONFIG SET appendonly no`: stop without finishing a rewrite (the
    /// first base of an AOF switched on included) and without a last
    /// recovery; what was queued is still written and fsynced.
    Abandon,
    /// CONFIG SET appendfsync changed `Published::policy`: look now.
    PolicyChanged,
}

/// Whether the AOF can take writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Health {
    Ok,
    Failed(Misconf),
    /// The writer has stopped (shutdown, or it died).
    Closed,
}

/// What the actor publishes to every `Durability` handle.
pub(crate) struct Published {
    pub durable: watch::Sender<u64>,
    /// The same durable LSN, for `wait_durable`: waiters in LSN order.
    pub waiters: DurableWaiters,
    pub health: watch::Sender<Health>,
    /// Shared by every pipeline of one AOF directory (`AofDir`): INFO's
    /// counters outlive a switch off and on.
    pub status: Arc<Mutex<PersistenceStatus>>,
    /// When the running rewrite began (for aof_current_rewrite_time_sec).
    pub rewrite_started: Arc<Mutex<Option<Instant>>>,
    /// `appendfsync`, changed live by CONFIG SET (`FsyncPolicy::code`).
    pub policy: AtomicU8,
    /// Switched on at run time, its first base and manifest not in place
    /// yet: a restart would read the directory's older files, if any.
    pub first_base_pending: AtomicBool,
    /// CONFIG SET dir: where the next rewrite puts its files (Redis's
    /// chdir). Until then writes go on to the open incremental file.
    pub next_layout: Mutex<Option<AofLayout>>,
}

impl Published {
    pub(crate) fn policy(&self) -> FsyncPolicy {
        FsyncPolicy::from_code(self.policy.load(Ordering::Acquire))
    }
}

impl Published {
    /// Sets the health and wakes every durability waiter to read it.
    pub fn set_health(&self, health: Health) {
        self.health.send_replace(health);
        self.waiters.wake_all();
    }

    /// Every delta up to `lsn` is durable: the watch and the waiters.
    pub fn publish_durable(&self, lsn: u64) {
        self.durable.send_if_modified(|durable| {
            if lsn > *durable {
                *durable = lsn;
                true
            } else {
                false
            }
        });
        self.waiters.publish(lsn);
    }
}

/// The open AOF, as `Durability::start` found or created it.
pub(crate) struct OpenAof {
    pub manifest: Manifest,
    pub incr: Option<Arc<dyn StorageFile>>,
    pub incr_len: u64,
    /// Bytes of every file the manifest loads.
    pub total_len: u64,
}

pub(crate) struct ActorSetup {
    pub storage: Arc<dyn Storage>,
    pub layout: AofLayout,
    pub auto_rewrite_percentage: u64,
    pub auto_rewrite_min_size: u64,
    pub base_format: BaseFormat,
    /// The files, or None for an AOF switched on at run time: the actor
    /// then writes its first base and incremental file (a rewrite, as
    /// Redis starts one for `CONFIG SET appendonly yes`).
    pub aof: Option<OpenAof>,
    /// One owner of the AOF directory at a time: the actor holds this
    /// for its whole life (a pipeline switched off may still be writing
    /// when the next one is switched on).
    pub dir_owner: Arc<Semaphore>,
    /// The highest incremental file number used in the directory, also by
    /// pipelines before this one (a BGREWRITEAOF with the AOF off leaves a
    /// manifest that no longer names them; Redis's numbers go on).
    pub last_incr_seq: Arc<AtomicU64>,
    pub durable_lsn: u64,
    pub engine: Arc<dyn EngineAccess>,
    pub published: Arc<Published>,
}

/// A rewrite (routine, or the recovery from a disk error) in progress.
struct RewriteRun {
    recovery: bool,
    started: Instant,
    /// The snapshot's LSN, once taken.
    snapshot_lsn: Option<u64>,
    /// The highest LSN received when the snapshot was asked for.
    received_at_start: u64,
    base: Option<super::manifest::AofFileInfo>,
    cancel: Arc<AtomicBool>,
}

/// The next incremental file, created before the rewrite or recovery
/// that switches to it starts (`prepare.rs`).
struct PreparedIncr {
    layout: AofLayout,
    info: super::manifest::AofFileInfo,
    file: Arc<dyn StorageFile>,
}

/// Where a received delta goes; along the LSNs of a batch a route only
/// moves forward in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Route {
    /// The snapshot already has it.
    Drop,
    /// Encode it for the current (or next) incremental file.
    Encode,
    /// Keep it in memory until the snapshot's LSN is known.
    Hold,
}

/// The disk error the AOF is in.
struct Failure {
    misconf: Misconf,
    retry_at: Instant,
    backoff: Duration,
}

struct AofActor {
    storage: Arc<dyn Storage>,
    inline: bool,
    layout: AofLayout,
    /// Where the files were before CONFIG SET dir moved `layout`, until a
    /// rewrite finishes in the new directory: a recovery goes back there
    /// if the new one becomes unusable.
    moved_from: Option<AofLayout>,
    /// A directory moved to where a recovery failed: recoveries write
    /// where the files were until a rewrite succeeds.
    recovery_failed_in: Option<AofLayout>,
    /// The policy the actor last acted on (the live one is `published`'s).
    policy: FsyncPolicy,
    auto_rewrite_percentage: u64,
    auto_rewrite_min_size: u64,
    base_format: BaseFormat,
    engine: Arc<dyn EngineAccess>,
    published: Arc<Published>,

    manifest: Manifest,
    /// The incremental file deltas go to; None until the first base of an
    /// AOF switched on at run time is installed.
    incr: Option<Arc<dyn StorageFile>>,
    incr_len: u64,
    total_len: u64,
    /// `total_len` after the last rewrite or at start.
    rewrite_base_len: u64,
    /// Sequence numbers for the next files: never reused, even when a
    /// manifest write failed halfway and which manifest holds is unknown.
    next_base_seq: u64,
    next_incr_seq: u64,
    last_incr_seq: Arc<AtomicU64>,
    /// See `PreparedIncr`.
    prepared_incr: Option<PreparedIncr>,
    /// The check before a rewrite or recovery, running (`prepare.rs`):
    /// on the disk it may take long, and the actor goes on meanwhile.
    preparing: Option<prepare::Preparing>,
    /// The database the current incremental file has selected.
    selected: Selected,

    /// Encoded, not yet handed to a write; `pending_lsn` is its last LSN.
    pending: Vec<u8>,
    pending_lsn: u64,
    received_lsn: u64,
    /// Every delta up to this LSN is in the current base, whether it has
    /// arrived yet or not: a recovery's snapshot can be ahead of what the
    /// bridge has delivered, and what is still on its way must not be
    /// written after that base (a replay would apply it twice).
    based_lsn: u64,
    written_lsn: u64,
    synced_lsn: u64,
    /// Appends in flight, oldest first, handled in that order: one plain
    /// append, or with `always` up to `MAX_GROUPS` groups that each
    /// fsync after appending (see `start_io`).
    writes: VecDeque<Write>,
    /// Appends and fsyncs the `always` groups.
    writer: group_writer::GroupWriter,
    /// Appends and fsyncs still in flight on the files a recovery
    /// replaced (`retire_replaced_io`): their results say nothing about
    /// the new file, so they hold up nothing on it, and are polled until
    /// they end and dropped.
    retired: Vec<Retired>,
    fsync: Option<IoFuture<()>>,
    /// What the plain fsync in flight covers (Some while `fsync` is).
    fsync_covers: Option<FsyncCovers>,
    last_fsync_start: Instant,
    /// Bytes of the current incremental file a successful fsync covered
    /// (at start, its length: as durable as the last process left it).
    /// None once something was written under `appendfsync no` since: the
    /// kernel writes back on its own, so how much is on the disk is not
    /// known (at least that much), and no cut may go back to it.
    durable_len: Option<u64>,
    /// Writes that ended under `appendfsync no`, ever: an fsync that
    /// started before one of them ended does not cover it, so it cannot
    /// make `durable_len` known again.
    writes_under_no: u64,
    /// After a failed fsync: the file to cut back to its durable length,
    /// once nothing is in flight on it (`start_cut_back`).
    cut_back: Option<(Arc<dyn StorageFile>, u64)>,
    /// That cut, running: on the disk that just failed it may take long,
    /// and the actor goes on meanwhile (like `fsync`).
    cutting: Option<IoFuture<()>>,

    failed: Option<Failure>,
    rewrite: Option<RewriteRun>,
    rewrite_requested: bool,
    /// No automatic rewrite before this (after failed ones, as Redis limits).
    next_auto_rewrite: Instant,
    /// The first base of this AOF switched on failed (or its directory
    /// took no file) and waits for its next try (`first_base_failed`).
    first_base_retrying: bool,
    snapshot_task: Option<Task<Result<Result<SnapshotBegun, SnapshotError>, StorageError>>>,
    base_task: Option<IoFuture<Result<u64, BaseError>>>,
    /// Deltas received while a snapshot decides their file, in order.
    held: DeltaChunk,
    /// A routine rewrite's snapshot while deltas up to its LSN are still
    /// arriving for the old file; the switch waits for the last of them.
    draining: Option<SnapshotBegun>,
    closing: bool,
    /// Stopping for `appendonly no`: no rewrite or recovery is finished.
    abandoned: bool,
    final_recovery_tried: bool,
}

/// An append in flight.
struct Write {
    /// Its last LSN and its length in bytes.
    lsn: u64,
    len: u64,
    /// An `always` group: it fsyncs after appending, in the same blocking
    /// call (the inner result is that fsync's).
    syncs: bool,
    /// The file it appends to: a write still in flight on a file that a
    /// recovery has since replaced says nothing about the new one.
    file: Arc<dyn StorageFile>,
    task: IoFuture<Result<(), StorageError>>,
    /// The task's result once it ended: a group may end before an older
    /// one, and is handled after it.
    done: Option<Result<Result<(), StorageError>, StorageError>>,
}

/// The oldest write, once it has ended; pending while none is in flight.
/// Every write in flight is polled and keeps its result, so dropping this
/// future (another `select!` branch won) loses nothing.
async fn next_write(writes: &mut VecDeque<Write>) -> Write {
    std::future::poll_fn(|cx| {
        for write in writes.iter_mut().filter(|w| w.done.is_none()) {
            if let Poll::Ready(result) = write.task.as_mut().poll(cx) {
                write.done = Some(result);
            }
        }
        match writes.front() {
            Some(oldest) if oldest.done.is_some() => {
                Poll::Ready(writes.pop_front().expect("a front"))
            }
            _ => Poll::Pending,
        }
    })
    .await
}

/// What a plain fsync covers, as it was when it started.
struct FsyncCovers {
    /// LSNs up to this one.
    lsn: u64,
    /// The file's first `len` bytes (`incr_len`).
    len: u64,
    /// `AofActor::writes_under_no` then.
    writes_under_no: u64,
    /// The file it syncs (as `Write.file`).
    file: Arc<dyn StorageFile>,
}

/// Whether two handles are the same open file.
fn same_file(a: &Arc<dyn StorageFile>, b: &Arc<dyn StorageFile>) -> bool {
    std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b))
}

/// A call in flight on a file a recovery replaced (`AofActor::retired`).
struct Retired {
    /// A plain fsync (INFO counts it in aof_pending_bio_fsync until it
    /// ends, as Redis counts its background fsync jobs), or a write.
    fsync: bool,
    task: Task<()>,
}

/// Polls every retired call, dropping those that ended; ready once one
/// did, pending while none is left. Dropping it loses nothing.
async fn drain_retired(retired: &mut Vec<Retired>) {
    std::future::poll_fn(|cx| {
        let before = retired.len();
        retired.retain_mut(|call| call.task.as_mut().poll(cx).is_pending());
        if retired.len() < before {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Polls the task in `slot`, emptying it when done; pending while empty.
async fn poll_slot<T>(slot: &mut Option<Task<T>>) -> T {
    match slot {
        Some(task) => {
            let out = task.await;
            *slot = None;
            out
        }
        None => std::future::pending().await,
    }
}

/// Runs the actor until the queue is closed and drained, then flushes and
/// fsyncs what it has. Returns the disk error it ended in, if any.
pub(crate) async fn run(
    setup: ActorSetup,
    mut input: DeltaReceiver,
    mut control: mpsc::Receiver<Control>,
) -> Result<(), Misconf> {
    let guard = ClosedOnDrop(setup.published.clone());
    // Waits for a pipeline switched off before, still writing its last
    // deltas, or a BGREWRITEAOF run while the AOF was off. Deltas queue
    // meanwhile (credit bounds them).
    let _owner = setup
        .dir_owner
        .clone()
        .acquire_owned()
        .await
        .expect("the AOF directory's owner semaphore never closes");
    let mut actor = AofActor::new(setup);
    if actor.incr.is_none() {
        // Its check reads the directory's manifest first (`prepare.rs`).
        actor.prepare(prepare::PrepareFor::Recovery);
    }
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut control_open = true;
    loop {
        actor.follow_policy(&mut input);
        actor.start_io();
        actor.start_cut_back();
        if actor.closing && actor.quiescent() {
            break;
        }
        let accepting = !actor.closing && actor.accepting();
        tokio::select! {
            biased;
            result = poll_slot(&mut actor.fsync) => actor.fsync_done(result),
            result = poll_slot(&mut actor.cutting) => actor.cut_done(result),
            (preparing, result) = prepare::poll_preparing(&mut actor.preparing) => {
                actor.prepared(preparing, result);
            }
            write = next_write(&mut actor.writes) => actor.write_done(write),
            () = drain_retired(&mut actor.retired) => {}
            result = poll_slot(&mut actor.snapshot_task) => actor.snapshot_done(result).await,
            result = poll_slot(&mut actor.base_task) => actor.base_done(result).await,
            batch = input.next_batch(), if accepting => match batch {
                Some(batch) => {
                    let spent = actor.on_batch(batch).await;
                    input.recycle(spent);
                }
                None => actor.begin_close(),
            },
            message = control.recv(), if control_open => match message {
                Some(message) => actor.on_control(message),
                None => control_open = false,
            },
            _ = tick.tick() => actor.on_tick(),
        }
        actor.publish_status();
    }
    let result = actor.finish().await;
    actor.writer.stop().await;
    std::mem::forget(guard);
    result
}

/// Publishes `Closed` if the actor stops without finishing (a panic), so
/// nobody waits forever for durability that will not come.
struct ClosedOnDrop(Arc<Published>);

impl Drop for ClosedOnDrop {
    fn drop(&mut self) {
        tracing::error!("the AOF writer stopped unexpectedly");
        self.0.set_health(Health::Closed);
    }
}

impl AofActor {
    fn new(setup: ActorSetup) -> Self {
        let inline = setup.storage.is_inline();
        let now = Instant::now();
        let aof = setup.aof.unwrap_or(OpenAof {
            manifest: Manifest::default(),
            incr: None,
            incr_len: 0,
            total_len: 0,
        });
        let next_base_seq = aof.manifest.base_seq() + 1;
        let next_incr_seq = aof.manifest.last_incr_seq() + 1;
        setup
            .last_incr_seq
            .fetch_max(next_incr_seq - 1, Ordering::AcqRel);
        AofActor {
            writer: group_writer::GroupWriter::new(setup.storage.clone(), {
                let published = setup.published.clone();
                Box::new(move |lsn| published.publish_durable(lsn))
            }),
            storage: setup.storage,
            inline,
            layout: setup.layout,
            moved_from: None,
            recovery_failed_in: None,
            policy: setup.published.policy(),
            auto_rewrite_percentage: setup.auto_rewrite_percentage,
            auto_rewrite_min_size: setup.auto_rewrite_min_size,
            base_format: setup.base_format,
            engine: setup.engine,
            published: setup.published,
            manifest: aof.manifest,
            incr: aof.incr,
            incr_len: aof.incr_len,
            total_len: aof.total_len,
            rewrite_base_len: aof.total_len,
            next_base_seq,
            next_incr_seq,
            last_incr_seq: setup.last_incr_seq,
            prepared_incr: None,
            preparing: None,
            selected: Selected::new(),
            pending: Vec::new(),
            pending_lsn: 0,
            received_lsn: setup.durable_lsn,
            based_lsn: setup.durable_lsn,
            written_lsn: setup.durable_lsn,
            synced_lsn: setup.durable_lsn,
            writes: VecDeque::with_capacity(MAX_GROUPS),
            retired: Vec::new(),
            fsync: None,
            fsync_covers: None,
            last_fsync_start: now,
            durable_len: Some(aof.incr_len),
            writes_under_no: 0,
            cut_back: None,
            cutting: None,
            failed: None,
            rewrite: None,
            rewrite_requested: false,
            next_auto_rewrite: now,
            first_base_retrying: false,
            snapshot_task: None,
            base_task: None,
            held: DeltaChunk::default(),
            draining: None,
            closing: false,
            abandoned: false,
            final_recovery_tried: false,
        }
    }

    // ----- deltas in -----

    /// Room to take another batch.
    fn accepting(&self) -> bool {
        // With `always`, what arrives while a group runs is taken at once
        // and joins the next group (`start_io`), which the writer takes
        // the moment that fsync returns.
        self.pending.len() < MAX_PENDING_BYTES && self.held.byte_len() < MAX_HELD_BYTES
    }

    /// Routes a batch (a chunk of encoded deltas) and gives it back for
    /// the queue to reuse. Routes only ever move forward along the LSNs
    /// of one batch (`Route`'s order), so a batch splits into at most
    /// three runs, found by binary search; a batch in the steady state is
    /// one run appended as it is.
    async fn on_batch(&mut self, batch: Batch) -> Batch {
        let marks = batch.marks();
        let (Some(first), Some(last)) = (marks.first(), marks.last()) else {
            return batch;
        };
        assert!(
            first.lsn > self.received_lsn,
            "deltas out of order: {} after {}",
            first.lsn,
            self.received_lsn
        );
        let encode_from = marks.partition_point(|m| self.route(m.lsn) < Route::Encode);
        let hold_from = marks.partition_point(|m| self.route(m.lsn) < Route::Hold);
        debug_assert!(
            marks
                .windows(2)
                .all(|w| self.route(w[0].lsn) <= self.route(w[1].lsn)),
            "routes go forward along a batch"
        );
        self.received_lsn = last.lsn;
        let all = marks.len();
        let mut batch = batch;
        if encode_from == 0 && hold_from == all && self.pending.is_empty() {
            self.take_whole(&mut batch);
        } else {
            self.encode(batch.part(encode_from..hold_from));
            self.held.append(batch.part(hold_from..all));
        }
        if let Some(snapshot) = &self.draining {
            if self.received_lsn >= snapshot.lsn {
                self.finish_switch().await;
            }
        }
        batch
    }

    /// Where a delta just received goes.
    fn route(&self, lsn: u64) -> Route {
        if lsn <= self.based_lsn {
            return Route::Drop;
        }
        if self.snapshot_task.is_some() {
            // The snapshot decides which file it belongs to.
            return Route::Hold;
        }
        if let Some(snapshot) = &self.draining {
            // Up to the snapshot: the old file; after: the new one.
            return if lsn <= snapshot.lsn {
                Route::Encode
            } else {
                Route::Hold
            };
        }
        if let Some(at) = self.recovery_lsn() {
            // The fresh base has it, or the new incremental file will.
            return if lsn <= at {
                Route::Drop
            } else {
                Route::Encode
            };
        }
        if self.failed.is_some() || self.incr.is_none() {
            // In memory already; the recovery snapshot (or the first base
            // of an AOF switched on) will include it.
            return Route::Drop;
        }
        if let Some(at) = self.rewrite.as_ref().and_then(|r| r.snapshot_lsn) {
            assert!(lsn > at, "delta {lsn} arrived after the switch at {at}");
        }
        Route::Encode
    }

    /// The whole of `batch` for the current file, with nothing pending
    /// yet: its buffer becomes the pending one (no copy) when its bytes
    /// need no SELECT first.
    fn take_whole(&mut self, batch: &mut Batch) {
        let whole = batch.all();
        if !self.selected.fits(whole) {
            self.encode(whole);
            return;
        }
        let (lsn, db_after) = (whole.last_lsn(), whole.db_after());
        batch.move_bytes_into(&mut self.pending);
        self.selected.0 = db_after.or(self.selected.0);
        if let Some(lsn) = lsn {
            self.pending_lsn = lsn;
        }
    }

    /// Appends `part` to what the current file will be written.
    fn encode(&mut self, part: Part<'_>) {
        if let Some(lsn) = part.last_lsn() {
            self.selected.append(part, &mut self.pending);
            self.pending_lsn = lsn;
        }
    }

    /// The snapshot LSN of a recovery whose base is being written.
    fn recovery_lsn(&self) -> Option<u64> {
        self.rewrite
            .as_ref()
            .filter(|r| r.recovery)
            .and_then(|r| r.snapshot_lsn)
    }

    // ----- appends and fsyncs -----

    fn can_write(&self) -> bool {
        self.failed.is_none() && self.incr.is_some()
    }

    /// Picks up a CONFIG SET appendfsync; switching to `always` makes
    /// what is written durable at once (an fsync starts), as Redis fsyncs
    /// then, and the queue is taken at every wake-up from then on.
    fn follow_policy(&mut self, input: &mut DeltaReceiver) {
        let policy = self.published.policy();
        if policy == self.policy {
            return;
        }
        tracing::info!("appendfsync is now {}", policy.name());
        self.policy = policy;
        input.set_pace((policy != FsyncPolicy::Always).then_some(crate::bridge::PACE));
        self.published.status.lock().appendfsync = policy;
        if policy != FsyncPolicy::Always && self.incr.is_none() && self.failed.is_some() {
            self.first_base_misconf_lifted();
        }
        if policy == FsyncPolicy::Always {
            // everysec's last fsync may be up to a second old.
            self.last_fsync_start = Instant::now() - EVERYSEC;
            if self.first_base_retrying && self.rewrite.is_none() && self.preparing.is_none() {
                // Waiting to try a failed first base again (perhaps minutes,
                // after three failures): no reply under `always` may wait
                // for it (`first_base_failed`).
                self.first_base_failed("it is waiting for its next try");
            }
        }
    }

    /// Leaving `always` while the first base of an AOF switched on is in
    /// MISCONF: that was a disk error only because no reply under `always`
    /// may wait for a base (`first_base_failed`). Under this policy it is
    /// what Redis makes it at once: a failed rewrite tried again at the
    /// ticks (`first_base_due`) while writes go on, no MISCONF. A recovery
    /// already running goes on as that try.
    fn first_base_misconf_lifted(&mut self) {
        tracing::info!("The AOF's first base is tried again at the ticks; writes go on");
        self.failed = None;
        self.published.set_health(Health::Ok);
        {
            let mut status = self.published.status.lock();
            status.aof_last_write_ok = true;
            status.aof_last_write_error = None;
        }
        self.first_base_retrying = self.rewrite.is_none() && self.preparing.is_none();
    }

    fn fsync_due(&self) -> bool {
        match self.policy {
            FsyncPolicy::Always => true,
            FsyncPolicy::EverySec => self.last_fsync_start.elapsed() >= EVERYSEC,
            FsyncPolicy::No => false,
        }
    }

    /// Whether an append of what is pending may start now. Appends land
    /// in the order they start: a plain one waits for every write in
    /// flight to end; an `always` group is handed to the writer, which
    /// writes groups in order, while fewer than `MAX_GROUPS` are in
    /// flight and no plain fsync runs.
    fn room_for_write(&self, sync: bool) -> bool {
        match self.writes.back() {
            None => {
                // A group waiting for the writer is in `writes`: a
                // recovery drops the replaced file's (`retire_replaced_io`).
                debug_assert!(!self.writer.has_waiting(), "a group waits unseen");
                !(sync && self.fsync.is_some())
            }
            // Not while one waits for the writer that could not be
            // extended (full, or for a file a recovery since replaced).
            Some(last) => {
                sync && last.syncs && self.writes.len() < MAX_GROUPS && !self.writer.has_waiting()
            }
        }
    }

    /// Adds what is pending to the last group handed to the writer, if
    /// the writer has not taken it yet.
    fn extend_group(&mut self) -> bool {
        // A group waiting behind a stalled fsync grows no further than
        // `MAX_GROUP_BYTES`: then `pending` fills, `accepting` stops
        // taking batches, and backpressure reaches the clients.
        let Some(last) =
            (self.writes.back_mut()).filter(|last| last.syncs && last.len < MAX_GROUP_BYTES as u64)
        else {
            return false;
        };
        if !self
            .incr
            .as_ref()
            .is_some_and(|incr| same_file(incr, &last.file))
            || !(self.writer).try_extend(&last.file, &self.pending, self.pending_lsn)
        {
            return false;
        }
        last.lsn = self.pending_lsn;
        last.len += self.pending.len() as u64;
        self.pending.clear();
        true
    }

    /// Starts an append and an fsync when there is work and room.
    fn start_io(&mut self) {
        // `always`: each group appends and fsyncs on the writer; deltas
        // arriving meanwhile form the next group (an append alone would
        // not let them be acknowledged any sooner).
        let sync = self.policy == FsyncPolicy::Always;
        if sync && !self.pending.is_empty() && self.can_write() && self.extend_group() {
            // Joined the group waiting for the writer.
        } else if !self.pending.is_empty() && self.can_write() && self.room_for_write(sync) {
            // The next buffer starts at this one's size (up to 1 MiB):
            // appends come in a steady rhythm, and regrowing from nothing
            // costs a realloc and a copy per doubling.
            let next = Vec::with_capacity(self.pending.len().min(1 << 20));
            let buf = std::mem::replace(&mut self.pending, next);
            let len = buf.len() as u64;
            let file = self.incr.clone().expect("can_write: a file");
            if sync {
                self.last_fsync_start = Instant::now();
            }
            let task = if sync {
                self.writer.submit(file.clone(), buf, self.pending_lsn)
            } else {
                let file = file.clone();
                io::run(&self.storage, move |_| file.append(&buf).map(Ok))
            };
            self.writes.push_back(Write {
                lsn: self.pending_lsn,
                len,
                syncs: sync,
                file,
                task,
                done: None,
            });
        }
        if self.fsync.is_none()
            && self.synced_lsn < self.written_lsn
            && self.can_write()
            && self.fsync_due()
            && !self.writes.iter().any(|w| w.syncs)
        {
            self.last_fsync_start = Instant::now();
            let file = self.incr.clone().expect("can_write: a file");
            self.fsync_covers = Some(FsyncCovers {
                lsn: self.written_lsn,
                len: self.incr_len,
                writes_under_no: self.writes_under_no,
                file: file.clone(),
            });
            self.fsync = Some(io::sync(&self.storage, file));
        }
    }

    /// The oldest write in flight ended (`next_write`): writes are
    /// handled in the order they started, so a group's LSN is published
    /// only once every group before it is durable too.
    fn write_done(&mut self, write: Write) {
        let (lsn, len) = (write.lsn, write.len);
        let result = write.done.expect("next_write hands out ended writes");
        if self.failed.is_some() {
            return; // the file is abandoned; the recovery base covers it
        }
        if !self.is_current(&write.file) {
            // A group that was in flight on the file a recovery replaced
            // (its older group's fsync failed): the recovery's base covers
            // its deltas, and its result, good or bad, is the old file's.
            return;
        }
        match result {
            Ok(synced) => {
                self.incr_len += len;
                self.total_len += len;
                self.written_lsn = lsn;
                if self.policy == FsyncPolicy::No {
                    self.durable_len = None;
                    self.writes_under_no += 1;
                    self.publish_durable(lsn);
                }
                if write.syncs {
                    // The fsync ran after this append, in the same call:
                    // it covers everything written so far (writes are
                    // handled in the order they started).
                    self.synced(lsn, self.incr_len, self.writes_under_no, synced);
                }
            }
            Err(error) => {
                // Undo a short write so the file ends on a whole command,
                // as Redis does; the file is abandoned either way. The
                // cut runs in its slot once nothing is in flight on the
                // file (`start_cut_back`), never on this loop: the disk
                // that just failed may hang. (No later group is written:
                // the writer refuses groups for a file after a failed one.)
                self.cut_back_to(self.incr_len);
                self.fail(&error);
            }
        }
    }

    /// A recovery's files replace the current ones: what is still in
    /// flight on the old file (a group whose fsync hangs, the plain
    /// fsync) is retired, so the new file's writes are published once its
    /// own fsyncs cover them, never behind a call on the old one. Nothing
    /// on the old file is published any more (the recovery's base covers
    /// it), so no LSN is published out of order. At most `MAX_GROUPS` and
    /// an fsync a recovery, and a recovery needs a failure on the file
    /// before it, with backoff: on a disk that hangs some calls and fails
    /// others these accumulate no faster than the recoveries.
    fn retire_replaced_io(&mut self) {
        // A group still waiting for the writer is never written: the new
        // file's first group is handed over at once, not behind it (which
        // waits for the old file's append before it, perhaps hung).
        self.writer.retire_waiting();
        for write in self.writes.drain(..) {
            if write.done.is_none() {
                let task = write.task;
                self.retired.push(Retired {
                    fsync: false,
                    task: Box::pin(async move {
                        let _ = task.await;
                    }),
                });
            }
        }
        self.fsync_covers = None;
        if let Some(fsync) = self.fsync.take() {
            self.retired.push(Retired {
                fsync: true,
                task: Box::pin(async move {
                    let _ = fsync.await;
                }),
            });
        }
        if self.retired.len() > MAX_GROUPS + 1 {
            tracing::warn!(
                "{} AOF disk calls still hang on files recoveries replaced",
                self.retired.len()
            );
        }
    }

    /// Whether `file` is the incremental file being written now.
    fn is_current(&self, file: &Arc<dyn StorageFile>) -> bool {
        self.incr.as_ref().is_some_and(|incr| same_file(incr, file))
    }

    fn fsync_done(&mut self, result: Result<(), StorageError>) {
        let covers = self
            .fsync_covers
            .take()
            .expect("an fsync says what it covers");
        if !self.is_current(&covers.file) {
            // Started on the file a recovery replaced: as for a write
            // (`write_done`), its result is the old file's.
            return;
        }
        self.synced(covers.lsn, covers.len, covers.writes_under_no, result);
    }

    /// An fsync of the current file that covers LSNs up to `covers`, its
    /// first `len` bytes, ended with `result`; `writes_under_no` was the
    /// count when it started.
    fn synced(
        &mut self,
        covers: u64,
        len: u64,
        writes_under_no: u64,
        result: Result<(), StorageError>,
    ) {
        match result {
            Ok(()) => {
                // Started before any failure, so what it covers is on disk.
                self.synced_lsn = self.synced_lsn.max(covers);
                if writes_under_no == self.writes_under_no {
                    self.durable_len = Some(self.durable_len.map_or(len, |known| known.max(len)));
                }
                // Else a write under `no` ended while it ran, past `len`:
                // what reached the disk stays unknown (`durable_len`).
                if self.policy != FsyncPolicy::No {
                    self.publish_durable(covers);
                }
            }
            Err(error) => self.sync_failed(&error),
        }
    }

    /// A failed fsync of the current file: MISCONF, and the file is to be
    /// cut back to what the last good fsync covered, if that is known
    /// (`start_cut_back`). Every fsync of the current file ends here or in
    /// `synced`.
    fn sync_failed(&mut self, error: &StorageError) {
        if let Some(len) = self.durable_len {
            self.cut_back_to(len);
        }
        self.fail(error);
    }

    /// The current file is to be cut back to `len` bytes (`start_cut_back`):
    /// a short write's tail, or what a failed fsync did not cover. The
    /// shorter cut wins when both come before it runs (an append failed,
    /// then an older group's fsync).
    fn cut_back_to(&mut self, len: u64) {
        let file = self.incr.clone().expect("a failure on the current file");
        match &mut self.cut_back {
            Some((cut, keep)) if same_file(cut, &file) => *keep = (*keep).min(len),
            _ => self.cut_back = Some((file, len)),
        }
    }

    /// After a failed fsync, once nothing is in flight on the file: cuts
    /// it back to the bytes the last good fsync covered, and makes that
    /// durable through a descriptor opened now (the file's own fails every
    /// sync since, `SyncLatch`; a new one has no failure to report). The
    /// failed writeback dropped some pages, but the kernel may still write
    /// back others after them (a later group's, or later pages of the same
    /// group), and a crash would then leave a hole inside the file. This
    /// narrows that to the window between the failure and this cut: a
    /// crash inside it can still leave the hole, and the server then
    /// refuses to start, naming the file and the offset, as Redis does
    /// (`redis-check-aof --fix` cuts there; nothing acknowledged is past
    /// it). The recovery does not wait for it (a slow call in flight on
    /// the failed file must not hold it up); once the recovery's files are
    /// in place the old file no longer counts, and is left alone. The cut
    /// runs in its own slot (`cutting`), polled by the loop: on a disk
    /// that hangs, the actor still takes batches, control and ticks.
    fn start_cut_back(&mut self) {
        let Some((file, _)) = &self.cut_back else {
            return;
        };
        let busy = self.fsync.is_some() || self.writes.iter().any(|w| same_file(&w.file, file));
        if busy {
            return;
        }
        let (file, len) = self.cut_back.take().expect("looked at above");
        if !self.is_current(&file) {
            return; // replaced by the recovery's files
        }
        let path = file.path().to_path_buf();
        drop(file);
        self.cutting = Some(io::run(&self.storage, move |s| {
            crate::storage::cut_durably(s, &path, len)
        }));
    }

    fn cut_done(&mut self, result: Result<(), StorageError>) {
        if let Err(error) = result {
            tracing::error!("Cutting the failed AOF file back to its last fsync: {error}");
        }
    }

    /// Enters MISCONF; a recovery starts at once, then with backoff.
    fn fail(&mut self, error: &StorageError) {
        if self.failed.is_none() {
            tracing::error!("Error writing to the AOF file: {error}");
            self.fail_with(error.reason());
        }
    }

    /// `fail` with the OS's text for the error.
    fn fail_with(&mut self, reason: String) {
        if self.failed.is_some() {
            return;
        }
        let misconf = Misconf::Aof {
            reason: reason.clone(),
        };
        self.published.set_health(Health::Failed(misconf.clone()));
        {
            let mut status = self.published.status.lock();
            status.aof_last_write_ok = false;
            status.aof_last_write_error = Some(reason);
        }
        self.failed = Some(Failure {
            misconf,
            retry_at: Instant::now(),
            backoff: RETRY_FIRST,
        });
        self.pending.clear();
        self.pending_lsn = 0;
        if let Some(snapshot) = self.draining.take() {
            // The routine rewrite's snapshot serves the recovery.
            self.begin_recovery_base(snapshot);
        } else if let Some(run) = &self.rewrite {
            if !run.recovery && run.snapshot_lsn.is_some() {
                // Its base can no longer be switched to; a recovery
                // follows once it has stopped. (While its snapshot is
                // still being taken, the snapshot becomes the recovery's.)
                run.cancel.store(true, Ordering::Relaxed);
            }
        }
    }

    fn publish_durable(&self, lsn: u64) {
        self.published.publish_durable(lsn);
    }

    // ----- control and timers -----

    fn on_control(&mut self, message: Control) {
        match message {
            Control::Rewrite { reply } => {
                let answer = if self.closing {
                    Err(RewriteError::Closed)
                } else if self.rewrite.is_some()
                    || self.preparing_rewrite()
                    || self.preparing_first_base()
                {
                    Err(RewriteError::InProgress)
                } else if self.failed.is_none() && self.incr.is_some() {
                    // Answered once the check ends (`prepare.rs`). No other
                    // check runs: a recovery's runs only while failed or
                    // before the first base.
                    self.prepare(prepare::PrepareFor::Rewrite { reply: Some(reply) });
                    return;
                } else if let Some(failure) = &mut self.failed {
                    failure.retry_at = Instant::now();
                    // (A first base in MISCONF: at once too, `on_tick`.)
                    self.rewrite_requested = self.incr.is_none();
                    Ok(())
                } else {
                    self.rewrite_requested = true;
                    Ok(())
                };
                let _ = reply.send(answer);
                self.on_tick();
            }
            Control::PolicyChanged => {}
            Control::Abandon => {
                self.abandoned = true;
                if let Some(run) = &self.rewrite {
                    run.cancel.store(true, Ordering::Relaxed);
                } else {
                    // No base began (switched off before its check ended
                    // or before the first tick): INFO showed the switch's
                    // rewrite from the start (`Durability::spawn`), and no
                    // rewrite's end will clear it now. Nothing else writes
                    // the status while this actor owns the directory.
                    let mut status = self.published.status.lock();
                    status.aof_rewrite_in_progress = false;
                    drop(status);
                    *self.published.rewrite_started.lock() = None;
                }
                self.final_recovery_tried = true;
                if let Some(snapshot) = self.draining.take() {
                    // Deltas up to its LSN may never come: the engine's
                    // sink no longer leads here. Its base, cancelled
                    // already, ends the snapshot and the rewrite.
                    self.start_base(snapshot);
                }
            }
        }
    }

    fn on_tick(&mut self) {
        if self.rewrite.is_some() || self.preparing.is_some() {
            return;
        }
        if let Some(failure) = &self.failed {
            let retry = if self.incr.is_none() && !self.closing {
                // The first base of an AOF switched on, in MISCONF under
                // `always`: tried as Redis's cron tries the switch's
                // rewrite whatever the policy (`first_base_due`), so INFO's
                // rewrite fields count what Redis's would.
                std::mem::take(&mut self.rewrite_requested) || self.first_base_due()
            } else {
                Instant::now() >= failure.retry_at
            };
            if retry && !self.abandoned && (!self.closing || !self.final_recovery_tried) {
                self.final_recovery_tried |= self.closing;
                self.prepare(prepare::PrepareFor::Recovery);
            }
            return;
        }
        if self.closing {
            return;
        }
        if self.incr.is_none() {
            // Switched on at run time, its first base not written yet (it
            // waited behind a BGSAVE's snapshot, or its directory took no
            // file, or it failed).
            // A BGREWRITEAOF asked for meanwhile is this base, and is
            // tried now whatever the backoff, as Redis runs a requested
            // rewrite at the next cron.
            if std::mem::take(&mut self.rewrite_requested) || self.first_base_due() {
                self.prepare(prepare::PrepareFor::Recovery);
            }
            return;
        }
        if self.rewrite_requested || self.growth_calls_for_rewrite() {
            self.rewrite_requested = false;
            self.prepare(prepare::PrepareFor::Rewrite { reply: None });
        }
    }

    /// Redis's rule: past the minimum size and grown by the percentage
    /// since the last rewrite (or start).
    fn growth_calls_for_rewrite(&self) -> bool {
        if self.auto_rewrite_percentage == 0
            || self.total_len <= self.auto_rewrite_min_size
            || Instant::now() < self.next_auto_rewrite
        {
            return false;
        }
        let base = self.rewrite_base_len.max(1);
        let growth = (self.total_len * 100 / base).saturating_sub(100);
        growth >= self.auto_rewrite_percentage
    }

    // ----- shutdown -----

    fn begin_close(&mut self) {
        self.closing = true;
        if let Some(run) = &self.rewrite {
            if !run.recovery {
                run.cancel.store(true, Ordering::Relaxed);
            }
        }
        if let Some(failure) = &mut self.failed {
            failure.retry_at = Instant::now();
        }
    }

    /// Nothing in flight and nothing left that could still be written.
    /// Asked only while closing.
    fn quiescent(&self) -> bool {
        debug_assert!(self.closing);
        // (Calls retired from replaced files are not waited for: nothing
        // needs their results, and one may hang for good.)
        let nothing_running = self.writes.is_empty()
            && self.fsync.is_none()
            && self.cut_back.is_none()
            && self.cutting.is_none()
            && self.preparing.is_none()
            && self.snapshot_task.is_none()
            && self.base_task.is_none()
            && self.draining.is_none()
            && self.rewrite.is_none();
        let retry_left = self.failed.is_some() && !self.final_recovery_tried;
        // An AOF switched on has no file yet until its first base is in.
        // While closing, a base that is running is waited for (above); one
        // not started (it waited behind a BGSAVE's snapshot, or failed and
        // waits for its next try) is not started now, as `on_tick` starts
        // nothing new while closing, so nothing is left to wait for (Redis
        // exits there too). Else a directory it cannot be written in, or a
        // snapshot, would hold the shutdown forever.
        let unwritable = self.failed.is_some() || self.incr.is_none();
        nothing_running && !retry_left && (self.pending.is_empty() || unwritable)
    }

    /// The last fsync (whatever the policy, as Redis fsyncs at shutdown),
    /// then `Closed` for everyone.
    async fn finish(&mut self) -> Result<(), Misconf> {
        if self.failed.is_none() && self.synced_lsn < self.written_lsn {
            let file = self.incr.clone().expect("written: a file");
            match io::run(&self.storage, move |_| file.sync()).await {
                Ok(()) => {
                    self.synced_lsn = self.written_lsn;
                    self.publish_durable(self.written_lsn);
                }
                Err(error) => {
                    // The cut, now: nothing else runs any more.
                    self.sync_failed(&error);
                    self.start_cut_back();
                    if let Some(cut) = self.cutting.take() {
                        let result = cut.await;
                        self.cut_done(result);
                    }
                }
            }
        }
        self.publish_status();
        if self.abandoned {
            // `appendonly no`: what was written is fsynced, and nothing
            // more is promised to anyone still waiting.
            self.published.publish_durable(u64::MAX);
        }
        match &self.failed {
            Some(failure) => Err(failure.misconf.clone()),
            None => {
                self.published.set_health(Health::Closed);
                Ok(())
            }
        }
    }

    fn publish_status(&self) {
        let mut status = self.published.status.lock();
        status.aof_current_size = self.total_len;
        status.aof_base_size = self.rewrite_base_len;
        status.aof_buffer_length = self.pending.len() as u64;
        let retired_fsyncs = self.retired.iter().filter(|call| call.fsync).count();
        status.aof_pending_bio_fsync = u64::from(self.fsync.is_some()) + retired_fsyncs as u64;
        let first_base_checked = self.preparing_first_base();
        status.aof_rewrite_scheduled = self.rewrite_requested
            || (self.incr.is_none()
                && self.rewrite.is_none()
                && !self.closing
                && !first_base_checked);
        status.written_lsn = self.written_lsn;
        status.durable_lsn = *self.published.durable.borrow();
        if self.abandoned {
            // Switched off: a BGREWRITEAOF with the AOF off may be the
            // rewrite INFO shows now.
            return;
        }
        // This pipeline's rewrite is the one INFO shows (an offline
        // BGREWRITEAOF that the switch on overtook may have written them).
        status.aof_rewrite_in_progress = self.rewrite.is_some() || first_base_checked;
        drop(status);
        let started = self.rewrite.as_ref().map(|run| run.started);
        let mut shown = self.published.rewrite_started.lock();
        if *shown != started {
            *shown = started;
        }
    }
}
