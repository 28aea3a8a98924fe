//! Saving dump.rdb without fork and without stalls: the engine's
//! point-in-time snapshot (`Engine::begin_snapshot`) is taken under the
//! lock in an instant, then a task serialises it slice by slice, each
//! slice a brief hold of the engine lock (at most `SLICE` of work), and
//! hands the bytes to the storage on a blocking thread. Commands run
//! between slices; a key written meanwhile is copied first by the
//! engine's pre-write hook, so the file is the keyspace at the start.
//!
//! The file is written to a temp name, fsynced, renamed over dbfilename
//! and the directory fsynced: a crash leaves the old dump or the new one.
//! One snapshot at a time (the engine's rule, and Redis's for children).
//!
//! BGSAVE replies at once; SAVE, DEBUG RELOAD and the save at shutdown
//! wait for the job's outcome (`SaveJob::done`).

use crate::core::{Core, HostState};
use crate::disk::BgsaveRun;
use crate::shared::Shared;
use persistence::io;
use persistence::rdb::{RdbWriter, SaveOptions, SnapshotWriter, ValueOptions};
use persistence::Storage;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The longest one slice holds the engine lock.
const SLICE: Duration = Duration::from_millis(1);
/// Entries per engine step inside a slice (the clock is read between).
const STEP_ENTRIES: usize = 64;
/// Bytes serialised before they go to the disk.
const CHUNK_BYTES: usize = 1 << 20;

/// Why a save did not start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// A background save runs.
    #[error("ERR Background save already in progress")]
    SaveInProgress,
    /// Another snapshot (an AOF rewrite) holds the engine's snapshot.
    #[error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")]
    OtherSnapshot,
}

/// How a save ended.
pub type SaveOutcome = Result<persistence::rdb::SaveReport, String>;

/// A started save.
pub struct SaveJob {
    pub done: oneshot::Receiver<SaveOutcome>,
}

/// Who asked, for the log lines and INFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// BGSAVE, a save point, BGSAVE SCHEDULE.
    Background,
    /// SAVE, DEBUG RELOAD, SHUTDOWN: the caller waits.
    Foreground,
}

/// A snapshot just begun in the engine, and what the save needs from it.
pub struct Began {
    start: kv_engine::snapshot::SnapshotStart,
    dirty: u64,
    list_max_listpack_size: i64,
}

impl Began {
    /// Begins the engine's snapshot (the save's point in time).
    pub fn engine(engine: &mut kv_engine::Engine) -> Result<Began, StartError> {
        let start = engine
            .begin_snapshot()
            .map_err(|_| StartError::OtherSnapshot)?;
        Ok(Began {
            start,
            dirty: engine.dirty(),
            list_max_listpack_size: engine.config().list_max_listpack_size,
        })
    }

    /// The same, from a host command's view of the engine.
    pub fn db(db: &mut kv_engine::context::Db<'_>) -> Result<Began, StartError> {
        let start = db.begin_snapshot().map_err(|_| StartError::OtherSnapshot)?;
        Ok(Began {
            start,
            dirty: db.dirty(),
            list_max_listpack_size: db.config().list_max_listpack_size,
        })
    }
}

/// Begins a save under the engine lock: checks that none runs, begins the
/// snapshot through `begin`, and spawns the task that writes it.
pub fn start(
    host: &mut HostState,
    shared: &Shared,
    trigger: Trigger,
    begin: impl FnOnce() -> Result<Began, StartError>,
) -> Result<SaveJob, StartError> {
    if host.disk.bgsave.is_some() {
        return Err(StartError::SaveInProgress);
    }
    let began = begin()?;
    let config = crate::disk::persistence_config(&host.config);
    let now_secs = shared.clock.now_secs();
    let options = save_options(&config, began.list_max_listpack_size, now_secs);
    let header = RdbWriter::new(Vec::new(), options).expect("writing to memory cannot fail");
    let writer = SnapshotWriter::new(header, &began.start);
    let keys_total = began.start.databases.iter().map(|d| d.1).sum();
    host.disk.bgsave = Some(BgsaveRun {
        started: Instant::now(),
        keys_total,
        keys_done: 0,
        foreground: trigger == Trigger::Foreground,
        dirty_at_start: began.dirty,
    });
    host.disk.last_try_unix = now_secs;
    if trigger == Trigger::Background {
        tracing::info!("Background saving started");
    }
    let (tx, rx) = oneshot::channel();
    let job = Job {
        shared: shared.me(),
        storage: shared.storage.clone(),
        target: config.rdb_path(),
        temp: temp_path(&config.dir),
        trigger,
        snapshot: began.start.id,
    };
    shared.tracker.spawn(async move {
        let outcome = job.run(writer).await;
        let _ = tx.send(outcome);
    });
    Ok(SaveJob { done: rx })
}

/// The file's options for a save begun at `now_secs`.
fn save_options(
    config: &persistence::PersistenceConfig,
    list_max_listpack_size: i64,
    now_secs: i64,
) -> SaveOptions {
    SaveOptions {
        values: ValueOptions {
            compression: config.rdbcompression,
            list_max_listpack_size,
        },
        checksum: config.rdbchecksum,
        ctime_secs: now_secs,
        used_mem: crate::memory::allocator().allocated,
        aof_base: false,
    }
}

/// Saves the whole keyspace within the caller's one hold of the lock, with
/// no snapshot: nothing runs meanwhile (DEBUG RELOAD, which then loads
/// exactly what it saved, as Redis does with the server stopped). Call it
/// on a blocking thread. Same temp file, fsync and rename as `start`.
pub fn save_locked(core: &mut Core, shared: &Shared) -> Result<(), String> {
    // A background save may run: it keeps its own snapshot and temp file
    // (and renames its older file over this one when it ends, as Redis's
    // child would).
    let Core { engine, host } = core;
    let config = crate::disk::persistence_config(&host.config);
    let now_secs = shared.clock.now_secs();
    host.disk.last_try_unix = now_secs;
    let options = save_options(&config, engine.config().list_max_listpack_size, now_secs);
    let (temp, target) = (temp_path(&config.dir), config.rdb_path());
    let storage = &shared.storage;
    let written = (|| {
        let file = storage.create(&temp).map_err(|e| e.to_string())?;
        let out = std::io::BufWriter::with_capacity(CHUNK_BYTES, Appender(file.clone()));
        let (out, _) = persistence::rdb::save(engine, out, options).map_err(|e| e.to_string())?;
        out.into_inner().map_err(|e| e.error().to_string())?;
        file.sync().map_err(|e| e.to_string())?;
        storage.rename(&temp, &target).map_err(|e| e.to_string())?;
        let dir = target.parent().unwrap_or(std::path::Path::new("."));
        storage.sync_dir(dir).map_err(|e| e.to_string())
    })();
    match &written {
        Ok(()) => {
            let dirty = engine.dirty();
            engine.sub_dirty(dirty);
            host.disk.last_save_unix = now_secs;
            host.disk.last_bgsave_ok = true;
            // (Not counted in rdb_saves: Redis counts SAVE and BGSAVE
            // there, not DEBUG RELOAD's save.)
            tracing::info!("DB saved on disk");
        }
        Err(error) => {
            let _ = storage.remove(&temp);
            tracing::warn!("Write error saving DB on disk: {error}");
        }
    }
    written
}

/// A storage file as `std::io::Write`, for the serialiser.
struct Appender(Arc<dyn persistence::StorageFile>);

impl std::io::Write for Appender {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.append(bytes).map_err(std::io::Error::other)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `start` from the timer or shutdown, holding the whole `Core`.
pub fn start_in_core(
    core: &mut Core,
    shared: &Shared,
    trigger: Trigger,
) -> Result<SaveJob, StartError> {
    let Core { engine, host } = core;
    start(host, shared, trigger, || Began::engine(engine))
}

/// `temp-<pid>-<n>.rdb` in `dir`, never reused within a process.
fn temp_path(dir: &std::path::Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    dir.join(format!("temp-{}-{n}.rdb", std::process::id()))
}

struct Job {
    shared: Arc<Shared>,
    storage: Arc<dyn Storage>,
    target: PathBuf,
    temp: PathBuf,
    trigger: Trigger,
    /// The engine's id for this save's snapshot (`SnapshotStart::id`).
    snapshot: u64,
}

impl Job {
    async fn run(self, writer: SnapshotWriter<Vec<u8>>) -> SaveOutcome {
        let result = self.write(writer).await;
        if result.is_err() {
            let temp = self.temp.clone();
            let _ = io::run(&self.storage, move |s| s.remove(&temp)).await;
        }
        self.finish(result)
    }

    async fn write(&self, mut writer: SnapshotWriter<Vec<u8>>) -> SaveOutcome {
        let temp = self.temp.clone();
        let file = io::run(&self.storage, move |s| s.create(&temp))
            .await
            .map_err(|e| self.abandon(e.to_string()))?;
        loop {
            let (chunk, done) = self.slice(&mut writer);
            if !chunk.is_empty() {
                let file = file.clone();
                io::run(&self.storage, move |_| file.append(&chunk))
                    .await
                    .map_err(|e| self.abandon(e.to_string()))?;
            }
            if done {
                break;
            }
            if self.shared.shutdown.is_cancelled() && self.trigger == Trigger::Background {
                return Err(self.abandon("the server is shutting down".to_string()));
            }
            tokio::task::yield_now().await;
        }
        let (tail, report) = writer.finish().map_err(|e| e.to_string())?;
        let (temp, target) = (self.temp.clone(), self.target.clone());
        let dir = target
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        io::run(&self.storage, move |s| {
            file.append(&tail)?;
            file.sync()?;
            s.rename(&temp, &target)?;
            s.sync_dir(&dir)
        })
        .await
        .map_err(|e| e.to_string())?;
        Ok(report)
    }

    /// One slice under the engine lock: steps until the time budget or
    /// the chunk is used up. The bytes serialised, and whether the
    /// snapshot is over.
    fn slice(&self, writer: &mut SnapshotWriter<Vec<u8>>) -> (Vec<u8>, bool) {
        let mut core = self.shared.core.lock();
        let began = Instant::now();
        let mut done = false;
        let mut emitted = 0;
        loop {
            let step = core.engine.snapshot_step(STEP_ENTRIES, writer);
            emitted += step.emitted as u64;
            if step.done {
                done = true;
                break;
            }
            let buffered = writer.flush().map_or(0, |sink| sink.len());
            if began.elapsed() >= SLICE || buffered >= CHUNK_BYTES {
                break;
            }
        }
        if let Some(run) = &mut core.host.disk.bgsave {
            run.keys_done += emitted;
        }
        drop(core);
        let chunk = writer
            .flush()
            .map(std::mem::take)
            .expect("writing to memory cannot fail");
        (chunk, done)
    }

    /// Stops this save's snapshot after a failure, if it is still going:
    /// the last chunk's write fails after the snapshot ended, and an AOF
    /// rewrite may have begun its own meanwhile, which must go on.
    fn abandon(&self, error: String) -> String {
        self.shared
            .core
            .lock()
            .engine
            .cancel_snapshot_if(self.snapshot);
        error
    }

    fn finish(&self, result: SaveOutcome) -> SaveOutcome {
        let mut core = self.shared.core.lock();
        let Core { engine, host } = &mut *core;
        let run = host.disk.bgsave.take().expect("the save's run");
        let seconds = run.started.elapsed().as_secs() as i64;
        match &result {
            Ok(_) => {
                engine.sub_dirty(run.dirty_at_start);
                host.disk.last_save_unix = self.shared.clock.now_secs();
                host.disk.last_bgsave_ok = true;
                host.disk.saves += 1;
                tracing::info!("DB saved on disk");
                if self.trigger == Trigger::Background {
                    tracing::info!("Background saving terminated with success");
                }
            }
            Err(error) => {
                tracing::warn!("Write error saving DB on disk: {error}");
                if self.trigger == Trigger::Background {
                    host.disk.last_bgsave_ok = false;
                    tracing::warn!("Background saving error");
                }
            }
        }
        if self.trigger == Trigger::Background {
            host.disk.last_bgsave_time_sec = seconds;
        }
        result
    }
}
