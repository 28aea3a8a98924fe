//! `AofDir`: the AOF directory of one server across its whole life, while
//! the AOF is switched on and off at run time (CONFIG SET appendonly).
//!
//! What outlives one pipeline (`Durability`) lives here: how to reach the
//! storage and the engine, INFO's AOF counters (`aof_rewrites`, the last
//! rewrite's status and time), and the directory's single owner. A
//! pipeline's actor holds the owner for its whole life, so a pipeline
//! switched on waits until the one switched off before it has written and
//! fsynced its last deltas, and neither ever writes a manifest over the
//! other's.
//!
//! With the AOF off, BGREWRITEAOF still writes a base of the data and a
//! manifest naming only that base (`rewrite_offline`), as Redis 7.0 does;
//! the older files go once that manifest is durable.

use crate::aof::base::{write_base, BaseError, BaseFormat};
use crate::aof::layout::AofLayout;
use crate::aof::manifest::Manifest;
use crate::config::{FsyncPolicy, PersistenceConfig};
use crate::durability::{Durability, DurabilityOptions, StartError};
use crate::error::RewriteError;
use crate::io;
use crate::snapshot::{self, EngineAccess};
use crate::status::PersistenceStatus;
use crate::storage::Storage;
use kv_engine::snapshot::SnapshotError;
use parking_lot::Mutex;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How often an offline rewrite looks again for the engine's snapshot
/// while a BGSAVE holds it (Redis's cron runs its scheduled rewrite so).
const SCHEDULED_RETRY: Duration = Duration::from_millis(100);
/// The most retries of that wait (about ten minutes): then it gives up.
const SCHEDULED_RETRIES: u32 = 6000;

/// The AOF directory and what every pipeline of it shares; clones share it.
#[derive(Clone)]
pub struct AofDir {
    inner: Arc<Inner>,
}

struct Inner {
    storage: Arc<dyn Storage>,
    engine: Arc<dyn EngineAccess>,
    options: DurabilityOptions,
    /// One permit: whoever writes the directory holds it.
    owner: Arc<Semaphore>,
    status: Arc<Mutex<PersistenceStatus>>,
    /// See `ActorSetup::last_incr_seq`.
    last_incr_seq: Arc<AtomicU64>,
    rewrite_started: Arc<Mutex<Option<Instant>>>,
    /// An offline rewrite runs (claimed before it is spawned).
    offline: AtomicBool,
    /// Set at shutdown: an offline rewrite gives up.
    cancel: Arc<AtomicBool>,
    /// The last offline rewrite's task, joined at shutdown.
    offline_task: Mutex<Option<JoinHandle<()>>>,
    /// Pipelines switched on so far (`enable`), rung at each: an offline
    /// rewrite asked for before one gives up (`write_offline`).
    switches_on: AtomicU64,
    switched_on: Notify,
}

impl AofDir {
    pub fn new(
        storage: Arc<dyn Storage>,
        engine: Arc<dyn EngineAccess>,
        options: DurabilityOptions,
    ) -> AofDir {
        AofDir {
            inner: Arc::new(Inner {
                storage,
                engine,
                options,
                owner: Arc::new(Semaphore::new(1)),
                status: Arc::new(Mutex::new(PersistenceStatus::new(
                    false,
                    FsyncPolicy::default(),
                ))),
                last_incr_seq: Arc::new(AtomicU64::new(0)),
                rewrite_started: Arc::new(Mutex::new(None)),
                offline: AtomicBool::new(false),
                cancel: Arc::new(AtomicBool::new(false)),
                offline_task: Mutex::new(None),
                switches_on: AtomicU64::new(0),
                switched_on: Notify::new(),
            }),
        }
    }

    /// The pipeline at startup, on the files recovery loaded (or new ones);
    /// `disabled()` with `appendonly no`. See `Durability::start`.
    pub async fn start(
        &self,
        config: &PersistenceConfig,
        durable_lsn: u64,
    ) -> Result<Durability, StartError> {
        self.inner.status.lock().appendfsync = config.appendfsync;
        Durability::start_in(self, config, durable_lsn).await
    }

    /// CONFIG SET appendonly yes: a new pipeline whose actor first writes
    /// a base of the data (a snapshot at or after `durable_lsn`, RDB or
    /// commands per aof-use-rdb-preamble), then an empty incremental file
    /// and the manifest naming both, the directory's older files removed;
    /// writes go to the incremental file from the snapshot on, and count as
    /// durable only once the manifest holds. Call under the engine lock,
    /// inside a tokio runtime, and give the engine `delta_sink()` before
    /// unlocking: `durable_lsn` is `engine.next_lsn() - 1` then, and every
    /// delta after it reaches this pipeline.
    pub fn enable(&self, config: &PersistenceConfig, durable_lsn: u64) -> Durability {
        tracing::info!("Background append only file rewriting started (appendonly switched on)");
        self.inner.switches_on.fetch_add(1, Ordering::AcqRel);
        self.inner.switched_on.notify_waiters();
        Durability::spawn(self, config, None, durable_lsn)
    }

    /// CONFIG SET appendonly yes: whether `enable` may be called, the AOF
    /// directory existing or created and a file created in it (Redis
    /// creates its first incremental file before it answers, and refuses
    /// the switch when it cannot: a directory that exists but takes no
    /// file is refused too). If not, logs why and marks the rewrite failed
    /// in INFO, and the AOF must stay off. A mkdir and a create (removed
    /// again) on a blocking thread: await it outside the engine lock (a
    /// hung disk must not stall every client), then switch under it.
    pub fn check_enable(&self, config: &PersistenceConfig) -> impl Future<Output = bool> + Send {
        let layout = AofLayout::new(config);
        let status = self.inner.status.clone();
        let probed = io::run(&self.inner.storage, move |s| {
            let name = format!("temp-{}.incr", layout.basename());
            let file = layout.create_in_dir(s, &name)?;
            drop(file);
            let _ = s.remove(&layout.path(&name));
            Ok(())
        });
        async move {
            let usable = probed.await.is_ok();
            if !usable {
                status.lock().aof_last_bgrewrite_ok = false;
            }
            usable
        }
    }

    /// Marks the AOF off in INFO (CONFIG SET appendonly no); the pipeline
    /// itself stops with `Durability::stop`.
    pub fn disabled(&self) {
        self.inner.status.lock().aof_enabled = false;
    }

    /// INFO persistence's AOF fields while the AOF is off (when it is on,
    /// `Durability::status` has the same counters and the sizes).
    pub fn status(&self) -> PersistenceStatus {
        let mut status = self.inner.status.lock().clone();
        status.aof_enabled = false;
        if let Some(started) = *self.inner.rewrite_started.lock() {
            status.aof_current_rewrite_time_sec = started.elapsed().as_secs() as i64;
        }
        status
    }

    /// A BGREWRITEAOF with the AOF off that waits for a BGSAVE (or is in
    /// EXEC): INFO says scheduled, not in progress, until it begins.
    pub fn mark_scheduled(&self) {
        self.inner.status.lock().aof_rewrite_scheduled = true;
    }

    /// BGREWRITEAOF with the AOF off: Ok once the rewrite is under way; it
    /// writes a base of the data and a manifest naming only that base, in
    /// the background. InProgress while one already runs; DirUnusable
    /// (nothing started, INFO's last status `err`, as Redis) when the AOF
    /// directory cannot be created. Call under the engine lock, where the
    /// AOF was found off, and await the future after it: if the AOF is
    /// switched on before the rewrite holds the directory, the rewrite
    /// gives up (the pipeline's first base supersedes it, as Redis kills
    /// its rewrite child to start the switch's).
    pub fn rewrite_offline(
        &self,
        config: &PersistenceConfig,
    ) -> impl Future<Output = Result<(), RewriteError>> + Send + 'static {
        let dir = self.clone();
        let config = config.clone();
        let since = self.inner.switches_on.load(Ordering::Acquire);
        async move { dir.start_offline(&config, since).await }
    }

    async fn start_offline(
        &self,
        config: &PersistenceConfig,
        since: u64,
    ) -> Result<(), RewriteError> {
        if self.inner.cancel.load(Ordering::Acquire) {
            return Err(RewriteError::Closed);
        }
        let Some(claim) = OfflineClaim::take(&self.inner.offline) else {
            return Err(RewriteError::InProgress);
        };
        if self.inner.status.lock().aof_rewrite_in_progress {
            return Err(RewriteError::InProgress);
        }
        let layout = AofLayout::new(config);
        // The caller may drop this future here (a client gone): the claim
        // is released then.
        if io::run(&self.inner.storage, move |s| layout.create_dir(s))
            .await
            .is_err()
        {
            self.inner.status.lock().aof_last_bgrewrite_ok = false;
            return Err(RewriteError::DirUnusable);
        }
        {
            // In progress at once, unless scheduled (`mark_scheduled`):
            // then from when it begins.
            let mut status = self.inner.status.lock();
            status.aof_rewrite_in_progress = !status.aof_rewrite_scheduled;
        }
        *self.inner.rewrite_started.lock() = Some(Instant::now());
        let dir = self.clone();
        let config = config.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let result = dir.write_offline(&config, since).await;
            dir.offline_done(started, since, result);
        });
        // The previous one has finished (`offline` was free): nothing to join.
        *self.inner.offline_task.lock() = Some(task);
        // The task releases it when it ends (`offline_done`).
        claim.hand_over();
        Ok(())
    }

    /// Gives up an offline rewrite, if one runs, and waits (up to
    /// `timeout`) until nobody writes the directory any more. Call at
    /// shutdown after the running pipeline's `shutdown`.
    pub async fn shutdown(&self, timeout: Duration) {
        self.inner.cancel.store(true, Ordering::Release);
        let task = self.inner.offline_task.lock().take();
        let owner = self.inner.owner.clone();
        let quiet = async move {
            if let Some(task) = task {
                let _ = task.await;
            }
            let _ = owner.acquire_owned().await;
        };
        if tokio::time::timeout(timeout, quiet).await.is_err() {
            tracing::warn!("The AOF directory is still being written after {timeout:?}");
        }
    }

    /// Whether a pipeline was switched on since `since` (`enable`).
    fn superseded(&self, since: u64) -> bool {
        self.inner.switches_on.load(Ordering::Acquire) != since
    }

    /// Written, or None when superseded by an AOF switched on.
    async fn write_offline(
        &self,
        config: &PersistenceConfig,
        since: u64,
    ) -> Result<Option<()>, String> {
        let owner = self.inner.owner.clone();
        let switched_on = async {
            loop {
                // Made before the look, so a switch after it still wakes it.
                let notified = self.inner.switched_on.notified();
                if self.superseded(since) {
                    return;
                }
                notified.await;
            }
        };
        // A pipeline switched on holds the directory for its whole life.
        let _owner = tokio::select! {
            permit = owner.acquire_owned() => permit.map_err(|_| "closed".to_string())?,
            () = switched_on => return Ok(None),
        };
        if self.superseded(since) {
            return Ok(None);
        }
        let storage = &self.inner.storage;
        let engine = self.inner.engine.clone();
        let mut retries = 0;
        let begun = loop {
            if self.inner.cancel.load(Ordering::Acquire) {
                return Err("cancelled by shutdown".to_string());
            }
            if self.superseded(since) {
                return Ok(None);
            }
            let source = engine.clone();
            match io::blocking(storage.is_inline(), move || snapshot::begin(&*source))
                .await
                .map_err(|e| e.to_string())?
            {
                Ok(begun) => break begun,
                Err(SnapshotError::InProgress) if retries < SCHEDULED_RETRIES => {
                    // Behind a BGSAVE, as Redis schedules it.
                    retries += 1;
                    {
                        let mut status = self.inner.status.lock();
                        status.aof_rewrite_scheduled = true;
                        status.aof_rewrite_in_progress = false;
                    }
                    tokio::time::sleep(SCHEDULED_RETRY).await;
                }
                Err(error) => return Err(error.to_string()),
            }
        };
        {
            let mut status = self.inner.status.lock();
            status.aof_rewrite_scheduled = false;
            status.aof_rewrite_in_progress = true;
            status.aof_rewrites += 1;
        }
        let layout = AofLayout::new(config);
        let format = BaseFormat::from_config(config);
        let cancel = self.inner.cancel.clone();
        io::run(storage, move |s| {
            let fail = |e| {
                snapshot::cancel(&*engine, &begun);
                e
            };
            s.create_dir_all(layout.dir()).map_err(fail)?;
            // The numbers go on from the manifest in use, as Redis's do.
            let seq = match layout.read_manifest(s) {
                Ok(Some(manifest)) => manifest.base_seq() + 1,
                _ => 1,
            };
            let base = layout.base_info(seq, format.is_rdb());
            let path = layout.path(&base.name);
            let file = s.create(&path).map_err(fail)?;
            if let Err(error) = write_base(&*file, &*engine, &begun, &format, &cancel) {
                let _ = s.remove(&path);
                return match error {
                    BaseError::Storage(error) => Err(error),
                    BaseError::Cancelled => Ok(Err("cancelled by shutdown".to_string())),
                };
            }
            let manifest = Manifest {
                base: Some(base),
                history: Vec::new(),
                incrs: Vec::new(),
            };
            layout.write_manifest(s, &manifest)?;
            if let Err(error) = layout.collect_garbage(s, &manifest) {
                tracing::warn!("removing old AOF files: {error}");
            }
            Ok(Ok(Some(())))
        })
        .await
        .map_err(|e| e.to_string())?
    }

    fn offline_done(&self, started: Instant, since: u64, result: Result<Option<()>, String>) {
        let outcome = match result {
            Ok(Some(())) if !self.superseded(since) => Ok(()),
            Err(error) if !self.superseded(since) => Err(error),
            _ => {
                // Given up (Ok(None)) or overtaken: not a failure. Redis
                // kills such a child with SIGUSR1, which leaves the last
                // status alone, and the AOF switched on owns INFO's
                // rewrite fields from then on (its first base is the
                // rewrite in progress): nothing of this one goes there.
                tracing::info!("BGREWRITEAOF given up: the AOF was switched on meanwhile");
                self.inner.offline.store(false, Ordering::Release);
                return;
            }
        };
        *self.inner.rewrite_started.lock() = None;
        let mut status = self.inner.status.lock();
        status.aof_rewrite_in_progress = false;
        status.aof_rewrite_scheduled = false;
        status.aof_last_rewrite_time_sec = started.elapsed().as_secs() as i64;
        match outcome {
            Ok(()) => {
                status.aof_last_bgrewrite_ok = true;
                status.aof_rewrites_consecutive_failures = 0;
                tracing::info!("Background AOF rewrite finished successfully");
            }
            Err(error) => {
                status.aof_last_bgrewrite_ok = false;
                status.aof_rewrites_consecutive_failures += 1;
                tracing::warn!("Background AOF rewrite failed: {error}");
            }
        }
        drop(status);
        self.inner.offline.store(false, Ordering::Release);
    }

    pub(crate) fn storage(&self) -> &Arc<dyn Storage> {
        &self.inner.storage
    }

    pub(crate) fn engine(&self) -> &Arc<dyn EngineAccess> {
        &self.inner.engine
    }

    pub(crate) fn options(&self) -> DurabilityOptions {
        self.inner.options
    }

    pub(crate) fn owner(&self) -> &Arc<Semaphore> {
        &self.inner.owner
    }

    pub(crate) fn status_cell(&self) -> &Arc<Mutex<PersistenceStatus>> {
        &self.inner.status
    }

    pub(crate) fn last_incr_seq(&self) -> &Arc<AtomicU64> {
        &self.inner.last_incr_seq
    }

    pub(crate) fn rewrite_started(&self) -> &Arc<Mutex<Option<Instant>>> {
        &self.inner.rewrite_started
    }
}

/// The claim on `Inner::offline` while BGREWRITEAOF (AOF off) checks the
/// directory: released when dropped, unless handed over to the task it
/// spawned.
struct OfflineClaim<'a>(Option<&'a AtomicBool>);

impl<'a> OfflineClaim<'a> {
    fn take(offline: &'a AtomicBool) -> Option<Self> {
        offline
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| OfflineClaim(Some(offline)))
    }

    fn hand_over(mut self) {
        self.0 = None;
    }
}

impl Drop for OfflineClaim<'_> {
    fn drop(&mut self) {
        if let Some(offline) = self.0 {
            offline.store(false, Ordering::Release);
        }
    }
}
