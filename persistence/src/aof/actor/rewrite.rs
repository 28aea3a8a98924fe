//! Rewrites, and the recovery from a disk error (a rewrite into fresh
//! files): taking the snapshot, holding deltas until its LSN is known,
//! finishing the old incremental file up to it, the switch to a new one,
//! the base written in the background, and the manifest that names the
//! new files once it is durable. The actor's other half; see `mod.rs` for
//! the whole story.

use super::{
    AofActor, Health, RewriteRun, AUTO_RETRY_FIRST, AUTO_RETRY_MAX, RETRY_MAX,
    REWRITE_LIMIT_THRESHOLD,
};
use crate::aof::base::{write_base, BaseError};
use crate::aof::encode::Selected;
use crate::aof::manifest::{AofFileInfo, Manifest};
use crate::config::FsyncPolicy;
use crate::io;
use crate::snapshot::{self, SnapshotBegun};
use crate::storage::{StorageError, StorageFile};
use kv_engine::snapshot::SnapshotError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

impl AofActor {
    pub(super) fn start_rewrite(&mut self, recovery: bool) {
        debug_assert!(self.rewrite.is_none() && self.snapshot_task.is_none());
        self.first_base_retrying = false;
        let now = Instant::now();
        self.rewrite = Some(RewriteRun {
            recovery,
            started: now,
            snapshot_lsn: None,
            received_at_start: self.received_lsn,
            base: None,
            cancel: Arc::new(AtomicBool::new(false)),
        });
        *self.published.rewrite_started.lock() = Some(now);
        self.published.status.lock().aof_rewrite_in_progress = true;
        let engine = self.engine.clone();
        self.snapshot_task = Some(io::blocking(self.inline, move || snapshot::begin(&*engine)));
    }

    /// The incremental file `prepare.rs` created in the current layout,
    /// or a new one created now.
    async fn take_prepared_incr(
        &mut self,
    ) -> Result<(AofFileInfo, Arc<dyn StorageFile>), StorageError> {
        if let Some(prepared) = self.prepared_incr.take() {
            if prepared.layout == self.layout {
                return Ok((prepared.info, prepared.file));
            }
        }
        let seq = self.take_incr_seq();
        let info = self.layout.incr_info(seq);
        let path = self.layout.path(&info.name);
        let dir = self
            .moved_from
            .is_some()
            .then(|| self.layout.dir().to_path_buf());
        let file = io::run(&self.storage, move |s| {
            if let Some(dir) = &dir {
                s.create_dir_all(dir)?;
            }
            s.create(&path)
        })
        .await?;
        Ok((info, file))
    }

    pub(super) async fn snapshot_done(
        &mut self,
        result: Result<Result<SnapshotBegun, SnapshotError>, StorageError>,
    ) {
        let snapshot = match result {
            Ok(Ok(snapshot)) => snapshot,
            Ok(Err(SnapshotError::InProgress)) => {
                // A BGSAVE holds the engine's snapshot: try again later,
                // as Redis schedules a rewrite behind a BGSAVE.
                self.release_held_unsnapshotted();
                self.rewrite_scheduled();
                return;
            }
            Err(error) => {
                self.release_held_unsnapshotted();
                self.rewrite_failed(&error.to_string());
                self.first_base_failed(&error.to_string());
                return;
            }
        };
        let run = self
            .rewrite
            .as_mut()
            .expect("a snapshot belongs to a rewrite");
        assert!(
            snapshot.lsn >= run.received_at_start,
            "snapshot at LSN {} misses deltas up to {} already received",
            snapshot.lsn,
            run.received_at_start
        );
        if !run.recovery || self.incr.is_none() {
            // Counted where Redis counts it, when its child is forked: a
            // BGREWRITEAOF, or the first base of an AOF switched on (every
            // try, under `always` too, where a failed one is MISCONF).
            self.published.status.lock().aof_rewrites += 1;
        }
        if self.failed.is_some() {
            run.recovery = true;
        }
        if run.recovery {
            self.begin_recovery_base(snapshot);
            return;
        }
        if self.abandoned {
            // `appendonly no` came first: the deltas it waits for may never
            // come. Held ones go to the current file; the base, cancelled
            // already, ends the snapshot and the rewrite.
            self.release_held_unsnapshotted();
            self.start_base(snapshot);
            return;
        }
        // Routine: deltas up to the snapshot finish in the old file. Those
        // not received yet are on their way; the switch waits for them.
        self.release_held_through(snapshot.lsn);
        let drained = self.received_lsn >= snapshot.lsn;
        self.draining = Some(snapshot);
        if drained {
            self.finish_switch().await;
        }
    }

    /// Switches to a new incremental file at the drained snapshot's LSN
    /// and starts writing the base; on a disk error, recovers from the
    /// same snapshot instead.
    pub(super) async fn finish_switch(&mut self) {
        let snapshot = self.draining.take().expect("a drained snapshot");
        if let Err(error) = self.switch_incr().await {
            self.fail(&error);
        }
        if self.failed.is_some() {
            self.begin_recovery_base(snapshot);
            return;
        }
        let run = self.rewrite.as_mut().expect("still rewriting");
        run.snapshot_lsn = Some(snapshot.lsn);
        self.release_held_after(snapshot.lsn);
        self.start_base(snapshot);
    }

    /// Recovery from `snapshot`: the old files are out of use; deltas
    /// after it wait in memory for the new incremental file.
    pub(super) fn begin_recovery_base(&mut self, snapshot: SnapshotBegun) {
        let run = self.rewrite.as_mut().expect("still rewriting");
        run.recovery = true;
        run.snapshot_lsn = Some(snapshot.lsn);
        self.selected = Selected::new();
        self.pending.clear();
        self.pending_lsn = 0;
        self.release_held_after(snapshot.lsn);
        self.start_base(snapshot);
    }

    /// Encodes held deltas up to `lsn` for the current file.
    pub(super) fn release_held_through(&mut self, lsn: u64) {
        let n = self.held.count_through(lsn);
        let earlier = self.held.split_front(n);
        self.encode(earlier.all());
    }

    /// Encodes the held deltas after `lsn` for the file that will take
    /// them; the others are in the snapshot.
    pub(super) fn release_held_after(&mut self, lsn: u64) {
        let held = std::mem::take(&mut self.held);
        self.encode(held.part(held.count_through(lsn)..held.len()));
    }

    /// The snapshot failed: held deltas go where they would have gone had
    /// no rewrite started (the current file, or nowhere while failed).
    pub(super) fn release_held_unsnapshotted(&mut self) {
        let held = std::mem::take(&mut self.held);
        if self.failed.is_none() {
            self.encode(held.all());
        }
    }

    /// Finishes the current incremental file up to the snapshot (written
    /// and fsynced), then adds a new one to the manifest and makes it
    /// current: everything after the snapshot goes there.
    pub(super) async fn switch_incr(&mut self) -> Result<(), StorageError> {
        // The running fsync first: with `always`, no append starts while
        // one runs, so the loop below would wait for nothing forever.
        if let Some(fsync) = self.fsync.take() {
            let result = fsync.await;
            self.fsync_done(result);
            if self.failed.is_some() {
                return Ok(());
            }
        }
        loop {
            while !self.writes.is_empty() {
                let write = super::next_write(&mut self.writes).await;
                self.write_done(write);
            }
            if self.failed.is_some() {
                return Ok(()); // already failed; the caller recovers
            }
            if self.pending.is_empty() {
                break;
            }
            self.start_io();
            debug_assert!(
                !self.writes.is_empty(),
                "pending bytes, no failure, and no write started"
            );
            if self.writes.is_empty() {
                // Never: no plain fsync runs (awaited above, and none
                // starts beside a group), and no group waits for the
                // writer (a recovery drops the one of the file it
                // replaced, `retire_replaced_io`). So no call retired from
                // a replaced file is waited for here, however long it
                // hangs; were one ever to hold the write up, the switch
                // fails (and the rewrite turns into a recovery) rather
                // than wait for it.
                let file = self.incr.as_ref().expect("switching from a file");
                return Err(StorageError::new(
                    "write",
                    file.path(),
                    std::io::Error::other("no write could start before the switch"),
                ));
            }
        }
        if let Some(fsync) = self.fsync.take() {
            let result = fsync.await;
            self.fsync_done(result);
            if self.failed.is_some() {
                return Ok(());
            }
        }
        if self.synced_lsn < self.written_lsn {
            let file = self.incr.clone().expect("written: a file");
            if let Err(error) = io::run(&self.storage, move |_| file.sync()).await {
                self.sync_failed(&error);
                return Ok(()); // failed; the caller recovers
            }
            self.synced_lsn = self.written_lsn;
            self.publish_durable(self.written_lsn);
        }
        let (info, file) = self.take_prepared_incr().await?;
        let mut next = self.manifest.clone();
        next.incrs.push(info);
        let (layout, manifest) = (self.layout.clone(), next.clone());
        io::run(&self.storage, move |s| layout.write_manifest(s, &manifest)).await?;
        self.manifest = next;
        self.incr = Some(file);
        self.incr_len = 0;
        self.durable_len = Some(0);
        self.selected = Selected::new();
        Ok(())
    }

    pub(super) fn take_incr_seq(&mut self) -> u64 {
        let seq = self.next_incr_seq;
        self.next_incr_seq += 1;
        self.last_incr_seq
            .fetch_max(seq, std::sync::atomic::Ordering::AcqRel);
        seq
    }

    pub(super) fn start_base(&mut self, snapshot: SnapshotBegun) {
        let rdb = self.base_format.is_rdb();
        let seq = self.next_base_seq;
        self.next_base_seq += 1;
        let run = self.rewrite.as_mut().expect("still rewriting");
        let info = self.layout.base_info(seq, rdb);
        let path = self.layout.path(&info.name);
        run.base = Some(info);
        let cancel = run.cancel.clone();
        let format = self.base_format.clone();
        let engine = self.engine.clone();
        // The first base of an AOF switched on, or of one moved by CONFIG
        // SET dir, may find no directory yet.
        let dir = (self.incr.is_none() || self.moved_from.is_some())
            .then(|| self.layout.dir().to_path_buf());
        self.base_task = Some(io::run(&self.storage, move |s| {
            let created = match &dir {
                Some(dir) => s.create_dir_all(dir).and_then(|()| s.create(&path)),
                None => s.create(&path),
            };
            let file = match created {
                Ok(file) => file,
                Err(error) => {
                    // The snapshot must end whatever becomes of its file.
                    snapshot::cancel(&*engine, &snapshot);
                    return Err(error);
                }
            };
            Ok(write_base(&*file, &*engine, &snapshot, &format, &cancel))
        }));
    }

    pub(super) async fn base_done(&mut self, result: Result<Result<u64, BaseError>, StorageError>) {
        let run = self.rewrite.as_ref().expect("a base belongs to a rewrite");
        let base = run.base.clone().expect("a base file was named");
        let written = match result {
            Ok(Ok(len)) if !run.cancel.load(Ordering::Relaxed) => Ok(len),
            Ok(Ok(_)) | Ok(Err(BaseError::Cancelled)) => Err("cancelled".to_string()),
            Ok(Err(BaseError::Storage(error))) | Err(error) => Err(error.to_string()),
        };
        let base_written = written.is_ok();
        let outcome = match written {
            Ok(len) if run.recovery => self.install_recovery(base.clone(), len).await,
            Ok(len) if self.failed.is_none() => self.install_rewrite(base.clone(), len).await,
            Ok(_) => Err("a disk error during the rewrite".to_string()),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => self.rewrite_succeeded(),
            Err(error) => {
                if !base_written {
                    // Never named by a manifest: safe to remove now.
                    let path = self.layout.path(&base.name);
                    let _ = io::run(&self.storage, move |s| s.remove(&path)).await;
                }
                self.rewrite_failed(&error);
                self.first_base_failed(&error);
            }
        }
    }

    /// Routine rewrite: the manifest names the new base and the
    /// incremental files since the snapshot; the older files go.
    pub(super) async fn install_rewrite(
        &mut self,
        base: AofFileInfo,
        len: u64,
    ) -> Result<(), String> {
        let current_seq = self.manifest.last_incr_seq();
        let next = Manifest {
            base: Some(base),
            history: Vec::new(),
            incrs: self
                .manifest
                .incrs
                .iter()
                .filter(|i| i.seq == current_seq)
                .cloned()
                .collect(),
        };
        self.replace_manifest(next, len + self.incr_len).await
    }

    /// Recovery: a new empty incremental file after the fresh base, the
    /// manifest switched to both, writes accepted again.
    pub(super) async fn install_recovery(
        &mut self,
        base: AofFileInfo,
        len: u64,
    ) -> Result<(), String> {
        let lsn = self.recovery_lsn().expect("a recovery has its snapshot");
        let (info, file) = self.take_prepared_incr().await.map_err(|e| e.to_string())?;
        let next = Manifest {
            base: Some(base),
            history: Vec::new(),
            incrs: vec![info],
        };
        self.replace_manifest(next, len).await?;
        let first = self.incr.is_none();
        self.retire_replaced_io();
        self.incr = Some(file);
        self.incr_len = 0;
        self.durable_len = Some(0);
        self.based_lsn = self.based_lsn.max(lsn);
        self.written_lsn = lsn;
        self.synced_lsn = lsn;
        let failed = self.failed.take().is_some();
        self.publish_durable(lsn);
        self.published.set_health(Health::Ok);
        {
            let mut status = self.published.status.lock();
            status.aof_last_write_ok = true;
            status.aof_last_write_error = None;
        }
        if failed {
            tracing::warn!(
                "AOF write error looks solved: a fresh base covers LSN {lsn}, Redis can write again."
            );
        } else if first {
            tracing::info!("The AOF switched on has its first base, covering LSN {lsn}");
        }
        self.published
            .first_base_pending
            .store(false, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Writes `next` as the manifest; once it is durable, removes every
    /// file of ours it does not name. On failure nothing is removed: the
    /// rename may have happened, so either manifest may be the one a
    /// restart reads, and both must stay loadable.
    pub(super) async fn replace_manifest(
        &mut self,
        next: Manifest,
        total_len: u64,
    ) -> Result<(), String> {
        let (layout, manifest) = (self.layout.clone(), next.clone());
        io::run(&self.storage, move |s| {
            layout.write_manifest(s, &manifest)?;
            if let Err(error) = layout.collect_garbage(s, &manifest) {
                // Not named by the manifest: leftovers, not data.
                tracing::warn!("removing old AOF files: {error}");
            }
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?;
        self.manifest = next;
        self.total_len = total_len;
        self.rewrite_base_len = total_len;
        Ok(())
    }

    pub(super) fn rewrite_succeeded(&mut self) {
        let run = self.rewrite.take().expect("rewriting");
        // The failures in a row are over, and so is their limit on
        // automatic rewrites (Redis's lifts as the count drops).
        self.next_auto_rewrite = Instant::now();
        self.moved_from = None;
        self.recovery_failed_in = None;
        let mut status = self.published.status.lock();
        status.aof_rewrite_in_progress = false;
        status.aof_last_rewrite_time_sec = run.started.elapsed().as_secs() as i64;
        status.aof_last_bgrewrite_ok = true;
        status.aof_rewrites_consecutive_failures = 0;
        *self.published.rewrite_started.lock() = None;
        tracing::info!("Background AOF rewrite finished successfully");
    }

    /// The engine's snapshot was busy: the rewrite waits (aof_rewrite_scheduled)
    /// and the next tick tries again; a recovery retries the same way.
    pub(super) fn rewrite_scheduled(&mut self) {
        let run = self.rewrite.take().expect("rewriting");
        *self.published.rewrite_started.lock() = None;
        self.published.status.lock().aof_rewrite_in_progress = false;
        if run.recovery || self.failed.is_some() {
            if let Some(failure) = &mut self.failed {
                failure.retry_at = Instant::now();
            }
        } else {
            self.rewrite_requested = true;
        }
    }

    /// The first base of an AOF switched on could not be written (or its
    /// directory takes no file). As in Redis, not a disk error: writes go
    /// on, no MISCONF, and the switch's rewrite is tried again at the next
    /// tick (`first_base_due`). What was encoded for the incremental file
    /// that never came goes: the next base's snapshot has it.
    ///
    /// Except under `appendfsync always`, where a reply waits for the
    /// fsync that covers its write and no file can cover it: there
    /// MISCONF, then recoveries with backoff, as for any disk error.
    /// Redis answers those writes at once while its switch waits; that
    /// would acknowledge writes that no file holds under the policy that
    /// promises each one is on disk.
    pub(super) fn first_base_failed(&mut self, reason: &str) {
        if self.incr.is_some() || self.failed.is_some() || self.abandoned {
            return;
        }
        if self.policy == FsyncPolicy::Always {
            self.fail_with(format!("the AOF's first base failed: {reason}"));
        } else {
            self.pending.clear();
            self.pending_lsn = 0;
            self.first_base_retrying = true;
        }
    }

    /// Whether the first base of an AOF switched on may be tried now:
    /// at every tick, as Redis's cron tries the switch's rewrite, until
    /// `REWRITE_LIMIT_THRESHOLD` have failed in a row; then at the
    /// automatic rewrites' backoff (`rewrite_failed`), as Redis limits it.
    pub(super) fn first_base_due(&self) -> bool {
        let failures = self
            .published
            .status
            .lock()
            .aof_rewrites_consecutive_failures;
        failures < REWRITE_LIMIT_THRESHOLD || Instant::now() >= self.next_auto_rewrite
    }

    pub(super) fn rewrite_failed(&mut self, error: &str) {
        let run = self.rewrite.take().expect("rewriting");
        if self.abandoned {
            // Stopped by `appendonly no`, as Redis kills its rewrite child:
            // not a failed rewrite.
            *self.published.rewrite_started.lock() = None;
            self.published.status.lock().aof_rewrite_in_progress = false;
            tracing::info!("AOF rewrite stopped: the AOF is switched off");
            return;
        }
        tracing::warn!("Background AOF rewrite failed: {error}");
        if run.recovery && self.moved_from.is_some() {
            // Its directory took the mkdir, perhaps even a file, but not
            // the recovery: the next one goes back (`recovery_layout`).
            self.recovery_failed_in = Some(self.layout.clone());
        } else if run.recovery {
            // Back where the files were, and failed there too: the
            // directory moved to gets its turn again (it may be fixed by
            // now), so the recoveries take turns between the two.
            self.recovery_failed_in = None;
        }
        let mut status = self.published.status.lock();
        status.aof_rewrite_in_progress = false;
        status.aof_last_rewrite_time_sec = run.started.elapsed().as_secs() as i64;
        status.aof_last_bgrewrite_ok = false;
        status.aof_rewrites_consecutive_failures += 1;
        *self.published.rewrite_started.lock() = None;
        let failures = status.aof_rewrites_consecutive_failures;
        drop(status);
        // Redis's limit on automatic rewrites: none before the third
        // failure in a row, then 1 min, doubling with each failure after
        // it, at most 1 h.
        self.next_auto_rewrite = Instant::now()
            + match failures.checked_sub(REWRITE_LIMIT_THRESHOLD) {
                None => Duration::ZERO,
                Some(past) => (AUTO_RETRY_FIRST * 2u32.pow(past.min(6) as u32)).min(AUTO_RETRY_MAX),
            };
        if let Some(failure) = &mut self.failed {
            let now = Instant::now();
            failure.retry_at = if run.recovery {
                now + failure.backoff
            } else {
                now
            };
            if run.recovery {
                failure.backoff = (failure.backoff * 2).min(RETRY_MAX);
            }
        }
    }
}
