//! `Durability`: the handle the server holds. It starts the bridge and the
//! AOF actor, hands out the engine's delta sink, takes credit before the
//! engine lock (`reserve`), waits for fsyncs (`wait_durable`), reports
//! status, starts rewrites and shuts everything down in order.
//!
//! With `appendonly no` it is a pass-through: the sink discards, credit is
//! free, everything is "durable" at once.
//!
//! One `Durability` is one pipeline: CONFIG SET appendonly switches from
//! one to the next (`AofDir::enable`, `Durability::stop`), and
//! `set_fsync` changes its policy live.

use crate::aof::actor::{self, ActorSetup, Control, Health, OpenAof, Published};
use crate::aof::base::BaseFormat;
use crate::aof::layout::{AofLayout, ManifestReadError};
use crate::aof::open::open_aof;
use crate::aof_dir::AofDir;
use crate::bridge::{BatchLimits, DeltaQueue, DeltaReceiver, QueueSink, PACE};
use crate::config::{FsyncPolicy, PersistenceConfig};
use crate::credit::DeltaPermit;
use crate::error::{DurabilityError, Misconf, RewriteError};
use crate::snapshot::EngineAccess;
use crate::status::PersistenceStatus;
use crate::storage::{Storage, StorageError};
use crate::waiters::{DurableWaiters, HealthCheck, WaitDurable};
use kv_engine::delta::NoDeltas;
use kv_engine::DeltaSink;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tokio::task::JoinHandle;

/// Sizes of the pipeline; the defaults suit a server.
#[derive(Clone, Copy, Debug)]
pub struct DurabilityOptions {
    /// Slots of the delta queue: the most deltas emitted and not yet
    /// taken by the AOF actor, and the largest `reserve`.
    pub delta_capacity: usize,
    /// Largest batch the actor takes from the queue, in deltas and bytes.
    pub batch_max_deltas: usize,
    pub batch_max_bytes: usize,
    /// How long `shutdown` waits for outstanding credit to come back.
    pub shutdown_credit_timeout: Duration,
}

impl Default for DurabilityOptions {
    fn default() -> Self {
        DurabilityOptions {
            // A paced actor (everysec, no) takes the queue every 10 ms
            // (`bridge::PACE`): 64 Ki slots hold that long at 6M writes a
            // second before clients wait for credit, and one batch takes
            // it whole (a split copies the rest).
            delta_capacity: 64 * 1024,
            batch_max_deltas: 64 * 1024,
            batch_max_bytes: 4 << 20,
            shutdown_credit_timeout: Duration::from_secs(10),
        }
    }
}

/// Why persistence could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("Bad AOF manifest {0}")]
    Manifest(#[from] ManifestReadError),
    #[error("creating the AOF base file: {0}")]
    Base(String),
}

/// The durability pipeline; clones share it.
#[derive(Clone)]
pub struct Durability {
    active: Option<Arc<Active>>,
}

struct Active {
    capacity: usize,
    credits: Arc<Semaphore>,
    closing: AtomicBool,
    queue: Arc<DeltaQueue>,
    published: Arc<Published>,
    control: mpsc::Sender<Control>,
    running: Mutex<Option<Running>>,
    options: DurabilityOptions,
}

/// What `shutdown` stops and joins.
struct Running {
    actor: JoinHandle<Result<(), Misconf>>,
}

impl Durability {
    /// Persistence off (`appendonly no`): nothing is written.
    pub fn disabled() -> Self {
        Durability { active: None }
    }

    /// Opens (or creates) the AOF and starts the writer.
    /// Call inside a tokio runtime, after `recover` and before the engine
    /// runs commands; give the engine `delta_sink()` afterwards.
    /// `engine` is how rewrites reach the engine for their snapshots (an
    /// `Arc<parking_lot::Mutex<Engine>>` will do). `durable_lsn` is
    /// `engine.next_lsn() - 1`: what recovery loaded is on disk already.
    /// With `appendonly no` this is `disabled()`.
    pub async fn start(
        config: &PersistenceConfig,
        storage: Arc<dyn Storage>,
        engine: Arc<dyn EngineAccess>,
        durable_lsn: u64,
        options: DurabilityOptions,
    ) -> Result<Durability, StartError> {
        AofDir::new(storage, engine, options)
            .start(config, durable_lsn)
            .await
    }

    /// `start` for `dir`'s first pipeline.
    pub(crate) async fn start_in(
        dir: &AofDir,
        config: &PersistenceConfig,
        durable_lsn: u64,
    ) -> Result<Durability, StartError> {
        if !config.appendonly {
            return Ok(Durability::disabled());
        }
        let layout = AofLayout::new(config);
        let base_format = BaseFormat::from_config(config);
        let aof = open_aof(dir.storage(), &layout, dir.engine(), &base_format).await?;
        Ok(Durability::spawn(dir, config, Some(aof), durable_lsn))
    }

    /// A pipeline with its actor: on the files `aof` found, or (None) on
    /// none yet, the actor writing the first base itself.
    pub(crate) fn spawn(
        dir: &AofDir,
        config: &PersistenceConfig,
        aof: Option<OpenAof>,
        durable_lsn: u64,
    ) -> Durability {
        let options = dir.options();
        assert!(options.delta_capacity > 0 && options.delta_capacity <= u32::MAX as usize);
        {
            let mut status = dir.status_cell().lock();
            status.aof_enabled = true;
            status.appendfsync = config.appendfsync;
            status.written_lsn = durable_lsn;
            status.durable_lsn = durable_lsn;
            status.aof_buffer_length = 0;
            status.aof_pending_bio_fsync = 0;
            if let Some(aof) = &aof {
                status.aof_current_size = aof.total_len;
                status.aof_base_size = aof.total_len;
            } else {
                status.aof_current_size = 0;
                status.aof_base_size = 0;
                // Shown at once, as Redis shows its rewrite child.
                status.aof_rewrite_in_progress = true;
            }
        }
        let published = Arc::new(Published {
            durable: watch::Sender::new(durable_lsn),
            waiters: DurableWaiters::new(durable_lsn),
            health: watch::Sender::new(Health::Ok),
            status: dir.status_cell().clone(),
            rewrite_started: dir.rewrite_started().clone(),
            policy: AtomicU8::new(config.appendfsync.code()),
            first_base_pending: AtomicBool::new(aof.is_none()),
            next_layout: parking_lot::Mutex::new(None),
        });
        let queue = DeltaQueue::new(options.delta_capacity);
        let credits = Arc::new(Semaphore::new(options.delta_capacity));
        let (control_tx, control_rx) = mpsc::channel(16);
        let limits = BatchLimits {
            max_deltas: options.batch_max_deltas.max(1),
            max_bytes: options.batch_max_bytes.max(1),
        };
        let setup = ActorSetup {
            storage: dir.storage().clone(),
            layout: AofLayout::new(config),
            auto_rewrite_percentage: config.auto_aof_rewrite_percentage,
            auto_rewrite_min_size: config.auto_aof_rewrite_min_size,
            base_format: BaseFormat::from_config(config),
            aof,
            dir_owner: dir.owner().clone(),
            last_incr_seq: dir.last_incr_seq().clone(),
            durable_lsn,
            engine: dir.engine().clone(),
            published: published.clone(),
        };
        // Nobody waits for everysec's and no's deltas to reach the file:
        // the actor takes them on a pace instead of at every wake-up.
        let pace = (config.appendfsync != FsyncPolicy::Always).then_some(PACE);
        let input = DeltaReceiver::new(queue.clone(), credits.clone(), limits, pace);
        let actor = tokio::spawn(actor::run(setup, input, control_rx));
        Durability {
            active: Some(Arc::new(Active {
                capacity: options.delta_capacity,
                credits,
                closing: AtomicBool::new(false),
                queue,
                published,
                control: control_tx,
                running: Mutex::new(Some(Running { actor })),
                options,
            })),
        }
    }

    /// The sink to give the engine (`Engine::set_delta_sink`).
    pub fn delta_sink(&self) -> Box<dyn DeltaSink> {
        match &self.active {
            None => Box::new(NoDeltas),
            Some(active) => Box::new(QueueSink(active.queue.clone())),
        }
    }

    /// The largest `n` `reserve` accepts.
    pub fn max_reserve(&self) -> usize {
        self.active.as_ref().map_or(usize::MAX, |a| a.capacity)
    }

    /// Free slots of the delta queue. Equals `max_reserve()` once no
    /// permit is held and the actor has taken every delta: the leak check
    /// of tests and the simulation.
    pub fn credit_available(&self) -> usize {
        self.active
            .as_ref()
            .map_or(usize::MAX, |a| a.credits.available_permits())
    }

    /// Takes room for `n` deltas, BEFORE the engine lock: one per command
    /// about to run (a read may emit one too, a lazy-expiry DEL). Waits
    /// while the pipeline is full: that is the backpressure. Cancel-safe:
    /// dropped while waiting it holds nothing. The permit says whether
    /// write commands must be refused (`DeltaPermit::misconf`); reads run
    /// either way. Err only once persistence has shut down.
    ///
    /// Panics if `n > max_reserve()`: split larger batches.
    pub async fn reserve(&self, n: usize) -> Result<DeltaPermit, DurabilityError> {
        let Some(active) = &self.active else {
            return Ok(DeltaPermit::unlimited(n, None));
        };
        assert!(
            n <= active.capacity,
            "reserve({n}) exceeds the delta channel's {} slots",
            active.capacity
        );
        if active.closing.load(Ordering::Acquire) {
            return Err(DurabilityError::Closed);
        }
        if n > 0 {
            // Free credit is taken at once (no waiter node, no poll of
            // the semaphore's queue); else the fair wait.
            match active.credits.try_acquire_many(n as u32) {
                Ok(slots) => slots.forget(),
                Err(_) => {
                    let slots = active.credits.acquire_many(n as u32).await;
                    // The semaphore closes only at shutdown.
                    slots.map_err(|_| DurabilityError::Closed)?.forget();
                }
            }
        }
        // From here on the slots are the permit's: it returns them on drop.
        let permit = DeltaPermit::new(active.credits.clone(), n, None);
        let misconf = match &*active.published.health.borrow() {
            Health::Ok => None,
            Health::Failed(misconf) => Some(misconf.clone()),
            Health::Closed => return Err(DurabilityError::Closed),
        };
        Ok(permit.with_misconf(misconf))
    }

    /// `reserve` without waiting: room for `n` deltas if it is free now,
    /// else `None` (also while persistence is failing or closing). For
    /// deltas emitted under the engine lock by work no batch reserved for,
    /// such as serving blocked clients, which must never wait there.
    pub fn try_reserve(&self, n: usize) -> Option<DeltaPermit> {
        let Some(active) = &self.active else {
            return Some(DeltaPermit::unlimited(n, None));
        };
        if n > active.capacity || active.closing.load(Ordering::Acquire) {
            return None;
        }
        if !matches!(&*active.published.health.borrow(), Health::Ok) {
            return None;
        }
        if n > 0 {
            active.credits.try_acquire_many(n as u32).ok()?.forget();
        }
        Some(DeltaPermit::new(active.credits.clone(), n, None))
    }

    /// Why write commands are refused now, if they are.
    pub fn misconf(&self) -> Option<Misconf> {
        let active = self.active.as_ref()?;
        match &*active.published.health.borrow() {
            Health::Failed(misconf) => Some(misconf.clone()),
            _ => None,
        }
    }

    /// The durable LSN as it moves: every delta up to it is as durable as
    /// `appendfsync` promises.
    pub fn durable_lsn(&self) -> watch::Receiver<u64> {
        match &self.active {
            Some(active) => active.published.durable.subscribe(),
            None => watch::Sender::new(u64::MAX).subscribe(),
        }
    }

    /// Waits until the delta with `lsn` is durable. For `appendfsync
    /// always`, await this before replying to a write. Err(Misconf) when
    /// the AOF failed before covering it (the write is in memory; the reply
    /// must be the MISCONF error); Err(Closed) after shutdown. Cancel-safe.
    pub async fn wait_durable(&self, lsn: u64) -> Result<(), DurabilityError> {
        let Some(active) = &self.active else {
            return Ok(());
        };
        let published = &*active.published;
        WaitDurable::new(&published.waiters, HealthOf(published), lsn).await
    }

    /// `appendfsync`, or None when the AOF is off.
    pub fn fsync_policy(&self) -> Option<FsyncPolicy> {
        self.active.as_ref().map(|a| a.published.policy())
    }

    /// Switched on at run time and its first base and manifest not in
    /// place yet (a restart now would read the directory's older files).
    pub fn first_base_pending(&self) -> bool {
        self.active
            .as_ref()
            .is_some_and(|a| a.published.first_base_pending.load(Ordering::Acquire))
    }

    /// CONFIG SET appendfsync: from the next write on. Switching to
    /// `always` also fsyncs what is written so far (the actor sees the
    /// change at its next wake-up, within its 100 ms tick). No-op when off.
    pub fn set_fsync(&self, policy: FsyncPolicy) {
        if let Some(active) = &self.active {
            active
                .published
                .policy
                .store(policy.code(), Ordering::Release);
            active.published.status.lock().appendfsync = policy;
            if policy != FsyncPolicy::Always {
                // Set before: every waiter woken reads it (`released`).
                active.published.waiters.wake_all();
            }
            // Wake the actor now rather than at its tick.
            let _ = active.control.try_send(Control::PolicyChanged);
        }
    }

    /// CONFIG SET dir: the next rewrite (BGREWRITEAOF, an automatic one,
    /// a recovery) writes its files and manifest in `config.aof_dir()`,
    /// creating it; until then writes go on to the open incremental file,
    /// and the old directory keeps its files, as Redis 7.0 does after its
    /// chdir.
    pub fn set_dir(&self, config: &PersistenceConfig) {
        if let Some(active) = &self.active {
            *active.published.next_layout.lock() = Some(AofLayout::new(config));
        }
    }

    /// The AOF fields of INFO persistence.
    pub fn status(&self) -> PersistenceStatus {
        let Some(active) = &self.active else {
            return PersistenceStatus::new(false, FsyncPolicy::default());
        };
        let mut status = active.published.status.lock().clone();
        if let Some(started) = *active.published.rewrite_started.lock() {
            status.aof_current_rewrite_time_sec = started.elapsed().as_secs() as i64;
        }
        status.durable_lsn = *active.published.durable.borrow();
        status
    }

    /// BGREWRITEAOF: Ok once a rewrite has started (reply
    /// "+Background append only file rewriting started").
    pub async fn rewrite(&self) -> Result<(), RewriteError> {
        let Some(active) = &self.active else {
            return Err(RewriteError::Disabled);
        };
        let (reply, answer) = oneshot::channel();
        active
            .control
            .send(Control::Rewrite { reply })
            .await
            .map_err(|_| RewriteError::Closed)?;
        answer.await.unwrap_or(Err(RewriteError::Closed))
    }

    /// BGREWRITEAOF inside EXEC, which cannot wait for the rewrite to
    /// start: it is asked for and starts as soon as the actor can, as
    /// Redis schedules it there ("+Background append only file rewriting
    /// scheduled"). InProgress if one runs already.
    pub fn schedule_rewrite(&self) -> Result<(), RewriteError> {
        let Some(active) = &self.active else {
            return Err(RewriteError::Disabled);
        };
        if active.published.status.lock().aof_rewrite_in_progress {
            return Err(RewriteError::InProgress);
        }
        // Nobody waits for the answer.
        let (reply, _) = oneshot::channel();
        match active.control.try_send(Control::Rewrite { reply }) {
            // Full: 16 messages wait and the actor is busy. Asked for all
            // the same: it takes one when it can, and any rewrite it then
            // starts serves this one too.
            Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(RewriteError::Closed),
        }
    }

    /// Stops in order: refuses new credit, waits for outstanding credit
    /// (every permit dropped, every delta taken by the actor), closes the
    /// queue, lets the actor write and fsync everything, and joins it. Call after the server stopped running commands. Returns the
    /// disk error persistence ended in, if any. Later calls return Ok.
    pub async fn shutdown(&self) -> Result<(), DurabilityError> {
        self.close(false).await
    }

    /// CONFIG SET appendonly no, once the engine's sink no longer leads
    /// here: `shutdown`, except that a rewrite in progress (the first base
    /// of an AOF just switched on included) is given up, as Redis kills
    /// its child, and whoever still waits for a delta of this pipeline is
    /// answered as durable (nothing is promised without an AOF). The files
    /// stay as they are.
    pub async fn stop(&self) -> Result<(), DurabilityError> {
        self.close(true).await
    }

    async fn close(&self, abandon: bool) -> Result<(), DurabilityError> {
        let Some(active) = &self.active else {
            return Ok(());
        };
        if abandon {
            let _ = active.control.send(Control::Abandon).await;
        }
        active.closing.store(true, Ordering::Release);
        let Some(running) = active.running.lock().take() else {
            return Ok(());
        };
        let all = active.capacity as u32;
        let timeout = active.options.shutdown_credit_timeout;
        match tokio::time::timeout(timeout, active.credits.acquire_many(all)).await {
            Ok(Ok(slots)) => slots.forget(),
            Ok(Err(_)) => {}
            Err(_) => tracing::error!(
                "persistence shutdown: delta credit still held after {timeout:?}; stopping anyway"
            ),
        }
        active.credits.close();
        active.queue.close();
        match running.actor.await {
            Ok(result) => result.map_err(DurabilityError::from),
            Err(_) => Err(DurabilityError::Closed),
        }
    }
}

/// The AOF's health as a durability waiter reads it.
struct HealthOf<'a>(&'a Published);

impl HealthCheck for HealthOf<'_> {
    type Error = DurabilityError;

    fn failed(&self) -> Option<DurabilityError> {
        match &*self.0.health.borrow() {
            Health::Ok => None,
            Health::Failed(misconf) => Some(misconf.clone().into()),
            Health::Closed => Some(DurabilityError::Closed),
        }
    }

    /// A reply that waited under `always` does not go on waiting once
    /// the policy is another: under it the reply would not have waited
    /// (a first base still pending, or one that then fails and is retried
    /// at the ticks, would otherwise hold it for as long as that takes).
    fn released(&self) -> bool {
        self.0.policy() != FsyncPolicy::Always
    }
}
