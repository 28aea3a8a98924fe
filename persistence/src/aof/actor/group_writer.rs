//! `GroupWriter`: appends and fsyncs the `appendfsync always` groups of one
//! AOF pipeline, in the order the actor hands them over.
//!
//! On the real disk it is `WRITERS` threads of its own, started with the
//! first group and stopped with the actor. A thread takes the next group
//! once no other is appending to its file (appends on one file land in
//! the order groups were handed over), appends it, lets the other thread
//! take the group after it, and fsyncs. So a group that forms while
//! another fsyncs starts at once, without waiting for that fsync (a slow
//! one would otherwise hold everyone who wrote meanwhile for a whole
//! second fsync), and when an fsync returns its thread takes the next
//! group itself: the disk never waits for a trip through the runtime.
//! (A spawn_blocking per group cost a futex wake of a pool thread, tens
//! of microseconds before each fsync started on a busy machine, its pool
//! mutex, and a wake of the runtime before the next group could be
//! handed over.) While every
//! thread is busy the next group forms: the actor extends it with what
//! arrives (`try_extend`) until a thread takes it.
//!
//! With the simulator (inline storage) each group is a task of its own on
//! the runtime (tracked, waited for at `stop`), taking its turn to append
//! after the group before it on its file: the same queue and rules, the append and the
//! fsync as two steps with their own latency on the simulated clock, so
//! groups overlap and end out of order as on the real disk, and go on
//! while the actor awaits something else, as the threads do. A group's
//! place in the queue is given back if its future is dropped mid-turn
//! (`TurnHeld`).
//!
//! Appends are ordered per file, not globally: a group still appending
//! to a file a recovery replaced (a hung disk call) holds up no group for
//! the new file, and the group waiting behind it, for the old file too,
//! is dropped unwritten when the actor retires the old file's calls
//! (`retire_waiting`), so the new file's group can be handed over. What
//! hangs on a replaced file keeps its thread: see `WRITERS` for why one
//! thread is always left for the current file.
//!
//! A group's thread publishes its LSN durable itself, the moment its fsync
//! returns, once every group handed over before it on its file is durable
//! too (`Durable`): the clients waiting for it are woken from the thread,
//! not after a trip through the runtime to the actor (a cross-thread wake
//! of a runtime worker, then the actor's turn, on the path of every
//! `always` reply). The actor still learns every result and publishes at
//! least what the writer did (again, a no-op), and it alone handles
//! failures: a group that failed publishes nothing, and nothing on its
//! file is published by the writer after it.
//!
//! After a group fails (its append or its fsync), a group for the same
//! file taken later is never written: its result is an error without
//! touching the disk (the actor is in MISCONF by the time it looks, and a
//! recovery replaces the file). One taken before the failure fsyncs on a
//! descriptor of its own, to which Linux reports the failure too
//! (`storage::real`), and a file whose sync failed fails every later one
//! (`storage::SyncLatch`).

use crate::io::{self, IoFuture};
use crate::storage::{Storage, StorageError, StorageFile};
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::io as stdio;
use std::sync::Arc;
use tokio::sync::{oneshot, Notify};
use tokio_util::task::TaskTracker;

/// A group's result: the append's error, or the fsync's result.
pub(super) type GroupResult = Result<Result<(), StorageError>, StorageError>;

/// A group handed over and not taken by the writer yet.
struct Group {
    /// Its place in the order of hand-over: the simulator's task finds
    /// its own group by it (it may have been dropped, `retire_waiting`).
    id: u64,
    file: Arc<dyn StorageFile>,
    bytes: Vec<u8>,
    /// The last LSN its bytes hold.
    lsn: u64,
    /// The thread's answer (None inline: the group's future writes it).
    done: Option<oneshot::Sender<GroupResult>>,
}

/// Threads writing groups at once on the real disk: one fsyncing while
/// the next group appends and fsyncs. Each fsync running at once needs a
/// descriptor of its own (`storage::real::SYNCERS`).
///
/// Two, not three: concurrent fdatasyncs on one file do add throughput on
/// this VM's disk, and under load a third thread won -P16 rounds, but on
/// a quiet machine (stop 16, same run, A B A B) three were no faster at
/// -P16 (SET 1.47/1.32x Redis against 1.67/1.61 with two) and cost 1-2 us
/// more CPU per request at -P1, where each extra, smaller group is a whole
/// fdatasync.
///
/// A thread hung in a call on a file a recovery replaced stays hung, and
/// is not replaced: at most `WRITERS - 1` threads can be, so one is always
/// left for the current file. A recovery needs a failed group on the file
/// before it (the plain appends and fsyncs never run while groups are in
/// flight, `room_for_write`; a failed switch or first base has none in
/// flight), and the thread that reported the failure is free by the time
/// the actor sees it; each recovery retires only the calls of the file it
/// replaces, so every later recovery again needs a failure reported by a
/// free thread. Should that argument ever break, the current file's groups
/// wait (the backpressure a hung disk gives) and `stop` leaves the hung
/// threads behind after `STOP_GRACE`.
pub(super) const WRITERS: usize = 2;
const _: () = assert!(WRITERS <= crate::storage::real::SYNCERS);

/// How long `stop` waits for a thread before leaving it behind.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Default)]
struct Queue {
    /// The next group, still forming: at most one waits.
    next: Option<Group>,
    /// The id the next group handed over gets.
    next_id: u64,
    /// The files a group is appending to: the next group waits while one
    /// is appending to its file (appends on one file land in the order
    /// groups were handed over). One per file, at most `WRITERS` (a group
    /// on a replaced file may hang in its append meanwhile).
    appending: Vec<Arc<dyn StorageFile>>,
    /// Inline: groups taken and not fsynced yet, at most `WRITERS`, as
    /// the real disk has threads (each thread is one there).
    running: usize,
    /// The files a group failed on: later groups for them are refused.
    /// Several: a group on the file a recovery replaced may fail after one
    /// on the new file did, and must not lift the new file's refusal.
    /// Pruned of files nobody else holds any more (`poison`).
    poisoned: Vec<Arc<dyn StorageFile>>,
    /// The groups handed over whose LSNs the writer has not published.
    durable: Durable,
    closed: bool,
}

/// The groups handed over and not published yet, in the order of hand-over:
/// a group's LSN is published once its fsync returned and every group
/// before it on its file is published (groups on a file a recovery replaced
/// hold up no group on the new one). A failure forgets its file's groups
/// (a recovery replaces the file, so groups that hang there later are not
/// here either): bounded by the groups in flight and the one waiting,
/// `MAX_GROUPS`, and those a panic lost, until the threads restart.
#[derive(Default)]
struct Durable {
    handed: VecDeque<Handed>,
}

struct Handed {
    id: u64,
    file: Arc<dyn StorageFile>,
    lsn: u64,
    synced: bool,
}

impl Durable {
    fn handed_over(&mut self, id: u64, file: &Arc<dyn StorageFile>, lsn: u64) {
        self.handed.push_back(Handed {
            id,
            file: file.clone(),
            lsn,
            synced: false,
        });
        debug_assert!(
            self.handed.len() <= 4 * WRITERS,
            "{} groups unpublished",
            self.handed.len()
        );
    }

    /// The group waiting (handed over last) now holds LSNs up to `lsn`.
    /// Unless it was forgotten with its file (it will not publish).
    fn extended(&mut self, id: u64, lsn: u64) {
        if let Some(last) = self.handed.back_mut().filter(|h| h.id == id) {
            last.lsn = lsn;
        }
    }

    /// Group `id` ended, its fsync returned Ok if `ok`: the LSN durable
    /// now on its file, if it moved. A failed group takes every group of
    /// its file with it: nothing on the file is published here again.
    fn ended(&mut self, id: u64, ok: bool) -> Option<u64> {
        let at = self.handed.iter().position(|h| h.id == id)?;
        let file = self.handed[at].file.clone();
        if !ok {
            self.forget(&file);
            return None;
        }
        self.handed[at].synced = true;
        let mut durable = None;
        // The file's groups from its oldest on, while synced.
        let mut i = 0;
        while i < self.handed.len() {
            if !super::same_file(&self.handed[i].file, &file) {
                i += 1;
                continue;
            }
            if !self.handed[i].synced {
                break;
            }
            let done = self.handed.remove(i).expect("in range");
            debug_assert!(
                durable.is_none_or(|lsn| lsn <= done.lsn),
                "LSNs rise along the hand-over"
            );
            durable = Some(done.lsn);
        }
        durable
    }

    /// Nothing on `file` is published by the writer any more.
    fn forget(&mut self, file: &Arc<dyn StorageFile>) {
        self.handed.retain(|h| !super::same_file(&h.file, file));
    }

    /// Nothing on group `id`'s file is published by the writer any more
    /// (the group will never end).
    fn forget_group(&mut self, id: u64) {
        if let Some(h) = self.handed.iter().find(|h| h.id == id) {
            let file = h.file.clone();
            self.forget(&file);
        }
    }
}

struct Shared {
    queue: Mutex<Queue>,
    /// The threads sleep here while they cannot take a group.
    work: Condvar,
    /// Inline: rung when a group's append or fsync ends, for the next
    /// one's turn.
    turn: Notify,
    /// Told each LSN that becomes durable (`Durable`), outside the lock.
    publish: Publish,
}

/// Where the writer publishes a durable LSN (the actor's waiters).
pub(super) type Publish = Box<dyn Fn(u64) + Send + Sync>;

/// The writer of one pipeline's `always` groups.
pub(super) struct GroupWriter {
    shared: Arc<Shared>,
    storage: Arc<dyn Storage>,
    /// The real disk's threads, once started.
    threads: Vec<std::thread::JoinHandle<()>>,
    /// The simulator's group tasks.
    sim_groups: TaskTracker,
}

impl GroupWriter {
    pub(super) fn new(storage: Arc<dyn Storage>, publish: Publish) -> Self {
        GroupWriter {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue::default()),
                work: Condvar::new(),
                turn: Notify::new(),
                publish,
            }),
            storage,
            threads: Vec::new(),
            sim_groups: TaskTracker::new(),
        }
    }

    /// Adds `bytes`, which hold LSNs up to `lsn`, to the group handed over
    /// last, if the writer has not taken it yet and it is for `file`: they
    /// go out in its append and are covered by its fsync.
    pub(super) fn try_extend(&self, file: &Arc<dyn StorageFile>, bytes: &[u8], lsn: u64) -> bool {
        let mut queue = self.shared.queue.lock();
        let queue = &mut *queue;
        if queue.refuses(file) {
            // A group on it failed: the waiting one will not be written.
            return false;
        }
        match &mut queue.next {
            Some(next) if super::same_file(&next.file, file) => {
                next.bytes.extend_from_slice(bytes);
                next.lsn = lsn;
                queue.durable.extended(next.id, lsn);
                true
            }
            _ => false,
        }
    }

    /// Hands over a group holding LSNs up to `lsn` (none may be waiting:
    /// `try_extend` found none): the future ends with its append's and
    /// fsync's results.
    pub(super) fn submit(
        &mut self,
        file: Arc<dyn StorageFile>,
        bytes: Vec<u8>,
        lsn: u64,
    ) -> IoFuture<Result<(), StorageError>> {
        let inline = self.storage.is_inline();
        if !inline {
            if let Err(error) = self.ensure_threads() {
                // The group never reaches the disk: MISCONF, as a failed
                // write.
                return Box::pin(async move { Err(error) });
            }
        }
        let (done, result) = oneshot::channel();
        let id;
        {
            let mut queue = self.shared.queue.lock();
            if queue.closed {
                // The thread is gone (it panicked): nobody would take it.
                return Box::pin(async move { Ok(Err(stopped())) });
            }
            assert!(queue.next.is_none(), "one group waits at a time");
            let done = (!inline).then_some(done);
            id = queue.next_id;
            queue.next_id += 1;
            queue.durable.handed_over(id, &file, lsn);
            queue.next = Some(Group {
                id,
                file,
                bytes,
                lsn,
                done,
            });
        }
        if inline {
            let group = take_turn(self.shared.clone(), self.storage.clone(), id);
            let task = self.sim_groups.spawn(group);
            return Box::pin(async move { task.await.unwrap_or_else(|_| Ok(Err(stopped()))) });
        }
        self.shared.work.notify_one();
        // A thread that panicked took the group with it: whether its
        // append happened is unknown, so it is a failed sync (the cut-back
        // runs once nothing is in flight on the file), never an append
        // error, whose truncate would run beside the other thread's group.
        Box::pin(async move { result.await.unwrap_or_else(|_| Ok(Err(stopped()))) })
    }

    fn ensure_threads(&mut self) -> Result<(), StorageError> {
        self.restart_after_a_panic();
        while self.threads.len() < WRITERS {
            let shared = self.shared.clone();
            let handle = std::thread::Builder::new()
                .name("aof-writer".into())
                .spawn(move || run_thread(&shared))
                .map_err(|e| {
                    StorageError::new("start the AOF writer", std::path::Path::new(""), e)
                })?;
            self.threads.push(handle);
        }
        Ok(())
    }

    /// A thread panicked (`Unwinding` closed the queue) and every thread
    /// has ended since: the queue opens again for new threads. Without
    /// this every later group would fail, and each recovery after it. The
    /// files that failed stay refused; the lost group's was reported as a
    /// failed sync, so the actor recovers onto a new file.
    fn restart_after_a_panic(&mut self) {
        if self.threads.is_empty() || !self.threads.iter().all(|t| t.is_finished()) {
            return;
        }
        {
            let mut queue = self.shared.queue.lock();
            if !queue.closed {
                return;
            }
            queue.closed = false;
            // The panic may have come mid-append; nobody appends now.
            queue.appending.clear();
            // Nor is anything in flight: the groups still unpublished were
            // lost (the one that panicked, the one waiting behind it) and
            // reported as failed syncs. Their files are refused from now
            // on, as after any failure: a later group there would land
            // behind a torn append, and must not publish past the lost ones.
            let lost: Vec<_> = queue.durable.handed.drain(..).map(|h| h.file).collect();
            for file in &lost {
                poison(&mut queue, file);
            }
            debug_assert!(queue.next.is_none(), "dropped by `Unwinding`");
        }
        tracing::warn!("the AOF writer threads are started again after a panic");
        for thread in self.threads.drain(..) {
            // Ended already: no wait.
            let _ = thread.join();
        }
    }

    /// Whether a group handed over waits for the writer to take it (a new
    /// one may be handed over only once it has).
    pub(super) fn has_waiting(&self) -> bool {
        self.shared.queue.lock().next.is_some()
    }

    /// A recovery replaced the file every group handed over so far is
    /// for: the group still waiting for the writer, if any, is never
    /// written (its future ends with an error, which nobody reads), so a
    /// group for the new file can be handed over at once rather than
    /// behind it (it would wait for the old file's append before it, which
    /// may hang). Groups already taken go on; nothing of the old file is
    /// acknowledged either way.
    pub(super) fn retire_waiting(&self) {
        let dropped = {
            let mut queue = self.shared.queue.lock();
            let dropped = queue.next.take();
            if let Some(group) = &dropped {
                // Never written: the writer publishes nothing more of its
                // file (a recovery replaced it; its older groups in flight
                // are covered by the recovery's base, and the actor ignores
                // their results).
                queue.durable.forget(&group.file);
            }
            dropped
        };
        let Some(group) = dropped else {
            return;
        };
        if let Some(done) = group.done {
            let _ = done.send(Err(replaced(group.file.path())));
        }
        // Inline: its task finds its group gone and ends.
        self.shared.turn.notify_waiters();
    }

    /// Stops the threads once what was handed over is written; waits for
    /// them off the runtime thread. The actor calls it once nothing is in
    /// flight on the current file, so a thread still busy after
    /// `STOP_GRACE` hangs in a call on a file a recovery replaced, whose
    /// result nobody needs: it is left behind (detached), never waited for
    /// by a shutdown.
    pub(super) async fn stop(&mut self) {
        self.close();
        // The simulator's groups the same: a task still sleeping out a
        // hung fsync after the grace is left behind.
        self.sim_groups.close();
        let _ = tokio::time::timeout(STOP_GRACE, self.sim_groups.wait()).await;
        let threads = std::mem::take(&mut self.threads);
        if !threads.is_empty() {
            let _ = io::blocking(false, move || {
                let deadline = std::time::Instant::now() + STOP_GRACE;
                while !threads.iter().all(|t| t.is_finished())
                    && std::time::Instant::now() < deadline
                {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                for thread in threads {
                    if thread.is_finished() {
                        let _ = thread.join();
                    } else {
                        tracing::warn!(
                            "an AOF writer thread still hangs in a call on a replaced file; left behind"
                        );
                    }
                }
            })
            .await;
        }
    }

    fn close(&self) {
        self.shared.queue.lock().closed = true;
        self.shared.work.notify_all();
    }
}

impl Drop for GroupWriter {
    /// The actor stopped without `stop` (a panic): the thread ends after
    /// what it has, detached.
    fn drop(&mut self) {
        self.close();
    }
}

/// A real disk's thread: the next group once no other is appending.
fn run_thread(shared: &Shared) {
    let _unwinding = Unwinding(shared);
    loop {
        let (group, refused) = {
            let mut queue = shared.queue.lock();
            loop {
                if let Some(taken) = queue.take_next() {
                    break taken;
                }
                if queue.closed && queue.next.is_none() {
                    return;
                }
                shared.work.wait(&mut queue);
            }
        };
        let appended = if refused {
            Err(skipped(&group.file))
        } else {
            group.file.append(&group.bytes)
        };
        let next_waits = {
            let mut queue = shared.queue.lock();
            appended_ended(&mut queue, &group.file, &appended);
            queue.next.is_some()
        };
        if next_waits {
            // The other thread, if it waits, may take it now.
            shared.work.notify_one();
        }
        let result = appended.map(|()| group.file.sync());
        ended(shared, group.id, &group.file, &result);
        // The actor may be gone (a panic): nobody to tell.
        if let Some(done) = group.done {
            let _ = done.send(result);
        }
    }
}

/// Held for a thread's life: if it unwinds (a storage call panicked),
/// the group waiting behind is dropped, so its future ends with
/// `stopped()` rather than never (a shutdown would wait for it forever),
/// no group is handed over any more, and the other thread ends once its
/// own group is done.
struct Unwinding<'a>(&'a Shared);

impl Drop for Unwinding<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            {
                let mut queue = self.0.queue.lock();
                queue.closed = true;
                queue.next = None;
            }
            self.0.work.notify_all();
        }
    }
}

/// The simulator's group `id`: waits for the append before it on its file
/// to end and a free place among the `WRITERS`, takes what formed, appends
/// and fsyncs it as two steps on the simulated clock.
async fn take_turn(shared: Arc<Shared>, storage: Arc<dyn Storage>, id: u64) -> GroupResult {
    let mut held = TurnHeld {
        shared: shared.clone(),
        id,
        waiting: Some(id),
        appending: None,
        running: false,
    };
    let (group, refused) = loop {
        // Made before looking: a turn handed on meanwhile is not missed.
        let turn = shared.turn.notified();
        {
            let mut queue = shared.queue.lock();
            let Some(waiting) = queue.next.as_ref().filter(|group| group.id == id) else {
                // Its file was replaced before a turn came (`retire_waiting`).
                held.waiting = None;
                return Err(replaced(std::path::Path::new("")));
            };
            let file = waiting.file.clone();
            if queue.running < WRITERS {
                if let Some(taken) = queue.take_next() {
                    queue.running += 1;
                    (held.waiting, held.appending, held.running) = (None, Some(file), true);
                    break taken;
                }
            }
        }
        turn.await;
    };
    let Group {
        id, file, bytes, ..
    } = group;
    let appended = if refused {
        Err(skipped(&file))
    } else {
        let appending = file.clone();
        io::run(&storage, move |_| appending.append(&bytes)).await
    };
    appended_ended(&mut shared.queue.lock(), &file, &appended);
    held.appending = None;
    shared.turn.notify_waiters();
    let result = match appended {
        Err(error) => Err(error),
        Ok(()) => Ok(io::sync(&storage, file.clone()).await),
    };
    ended(&shared, id, &file, &result);
    shared.queue.lock().running -= 1;
    held.running = false;
    shared.turn.notify_waiters();
    result
}

/// What a simulated group holds of the queue while its future runs: its
/// place as the group waiting (its id), the append's turn on its file, its
/// count among those running. Given back if the future is dropped before
/// it ends (its task ended with the runtime, or a test dropped it), so no
/// later group waits for a turn that never ends and the actor is not
/// left with a waiting group nobody takes. (Dropped mid-append, it wrote nothing: a simulated
/// call runs whole once its latency has passed.)
struct TurnHeld {
    shared: Arc<Shared>,
    /// Its group: if the future is dropped before the group ends, the
    /// writer publishes nothing more of its file.
    id: u64,
    waiting: Option<u64>,
    appending: Option<Arc<dyn StorageFile>>,
    running: bool,
}

impl Drop for TurnHeld {
    fn drop(&mut self) {
        if self.waiting.is_none() && self.appending.is_none() && !self.running {
            return;
        }
        {
            let mut queue = self.shared.queue.lock();
            if let Some(id) = self.waiting {
                // Still this one, unless its file was replaced meanwhile.
                if queue.next.as_ref().is_some_and(|group| group.id == id) {
                    queue.next = None;
                }
            }
            if let Some(file) = &self.appending {
                queue.append_ended(file);
            }
            if self.running {
                queue.running -= 1;
            }
            queue.durable.forget_group(self.id);
        }
        self.shared.turn.notify_waiters();
    }
}

/// A group's append ended: the next on its file may take its turn, unless
/// this one failed, which refuses every later group for the file first
/// (under the same lock: a turn taken next must see it).
fn appended_ended(
    queue: &mut Queue,
    file: &Arc<dyn StorageFile>,
    appended: &Result<(), StorageError>,
) {
    queue.append_ended(file);
    if appended.is_err() {
        poison(queue, file);
    }
}

/// Refuses every later group for `file`.
fn poison(queue: &mut Queue, file: &Arc<dyn StorageFile>) {
    // Only the queue holds them: no group can come for those any more.
    queue.poisoned.retain(|bad| Arc::strong_count(bad) > 1);
    if !queue.refuses(file) {
        queue.poisoned.push(file.clone());
    }
    // The current file and the few a recovery replaced with groups still
    // in flight on them.
    debug_assert!(
        queue.poisoned.len() <= 8,
        "{} poisoned files",
        queue.poisoned.len()
    );
}

impl Queue {
    /// The waiting group, if none is appending to its file: it appends
    /// now. With whether an earlier group on its file failed.
    fn take_next(&mut self) -> Option<(Group, bool)> {
        let file = &self.next.as_ref()?.file;
        if self
            .appending
            .iter()
            .any(|busy| super::same_file(busy, file))
        {
            return None;
        }
        let group = self.next.take().expect("looked at above");
        self.appending.push(group.file.clone());
        assert!(
            self.appending.len() <= WRITERS,
            "more appends at once than writers"
        );
        let refused = self.refuses(&group.file);
        Some((group, refused))
    }

    /// The append on `file` ended (one runs per file at a time).
    fn append_ended(&mut self, file: &Arc<dyn StorageFile>) {
        let at = self
            .appending
            .iter()
            .position(|busy| super::same_file(busy, file));
        let at = at.expect("an append was running on the file");
        self.appending.swap_remove(at);
    }

    /// Whether an earlier group on `file` failed (asked as a group is
    /// taken, under the same lock).
    fn refuses(&self, file: &Arc<dyn StorageFile>) -> bool {
        self.poisoned.iter().any(|bad| super::same_file(bad, file))
    }
}

/// Group `id` on `file` ended with `result`: a failure refuses every later
/// group for the file; a success publishes what is durable now.
fn ended(shared: &Shared, id: u64, file: &Arc<dyn StorageFile>, result: &GroupResult) {
    let ok = matches!(result, Ok(Ok(())));
    let durable = {
        let mut queue = shared.queue.lock();
        if !ok {
            poison(&mut queue, file);
        }
        queue.durable.ended(id, ok)
    };
    if let Some(lsn) = durable {
        // Outside the lock: it wakes the clients waiting. Two threads may
        // publish out of order here; publishing keeps the maximum.
        (shared.publish)(lsn);
    }
}

/// The result of a group never written: one before it on its file failed.
fn skipped(file: &Arc<dyn StorageFile>) -> StorageError {
    StorageError::new(
        "write",
        file.path(),
        stdio::Error::other("not written: an earlier group on this file failed"),
    )
}

/// The result of a group dropped unwritten: a recovery replaced its file
/// before the writer took it (`GroupWriter::retire_waiting`).
fn replaced(path: &std::path::Path) -> StorageError {
    StorageError::new(
        "write",
        path,
        stdio::Error::other("not written: a recovery replaced the file"),
    )
}

fn stopped() -> StorageError {
    StorageError::new(
        "write",
        std::path::Path::new(""),
        stdio::Error::other("the AOF writer thread stopped"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RealStorage;
    use std::path::{Path, PathBuf};
    use std::sync::mpsc;
    use std::time::Duration;

    /// A file that takes every append and sync, or, with a gate, whose
    /// append says it entered, waits to be let go, then panics (or, with
    /// `hangs`, returns).
    struct TestFile {
        gate: Option<(mpsc::Sender<()>, Mutex<mpsc::Receiver<()>>)>,
        hangs: bool,
        path: PathBuf,
    }

    impl TestFile {
        fn plain(path: &str) -> Arc<dyn StorageFile> {
            Arc::new(TestFile {
                gate: None,
                hangs: false,
                path: PathBuf::from(path),
            })
        }

        /// A gated file, the sender that learns of each append entering
        /// it, and the one that lets each go.
        fn gated(
            path: &str,
            hangs: bool,
        ) -> (Arc<dyn StorageFile>, mpsc::Receiver<()>, mpsc::Sender<()>) {
            let (entered_tx, entered) = mpsc::channel();
            let (release, release_rx) = mpsc::channel();
            let file = Arc::new(TestFile {
                gate: Some((entered_tx, Mutex::new(release_rx))),
                hangs,
                path: PathBuf::from(path),
            });
            (file, entered, release)
        }
    }

    impl StorageFile for TestFile {
        fn append(&self, _: &[u8]) -> Result<(), StorageError> {
            let Some((entered, release)) = &self.gate else {
                return Ok(());
            };
            let _ = entered.send(());
            let _ = release.lock().recv();
            if self.hangs {
                return Ok(());
            }
            panic!("a storage call panicked");
        }
        fn sync(&self) -> Result<(), StorageError> {
            Ok(())
        }
        fn truncate(&self, _: u64) -> Result<(), StorageError> {
            Ok(())
        }
        fn path(&self) -> &Path {
            &self.path
        }
    }

    fn sim_with_file(path: &str) -> (crate::storage::sim::SimStorage, Arc<dyn StorageFile>) {
        let sim = crate::storage::sim::SimStorage::new(1);
        sim.create_dir_all(Path::new("/d")).unwrap();
        let file = sim.create(Path::new(path)).unwrap();
        (sim, file)
    }

    /// On the simulator a group runs as a task of its own: it appends and
    /// fsyncs while nobody polls its future (the actor awaiting something
    /// else), as the real disk's threads do.
    #[tokio::test(start_paused = true)]
    async fn a_simulated_group_goes_on_while_nobody_polls_it() {
        let (sim, file) = sim_with_file("/d/a.aof");
        sim.set_slow_latency(Duration::from_millis(50));
        sim.set_probability(crate::storage::sim::Fault::SlowDisk, 1.0);
        let mut writer = GroupWriter::new(Arc::new(sim.clone()), Box::new(|_| {}));
        let group = writer.submit(file, b"abc".to_vec(), 1);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(sim.read(Path::new("/d/a.aof")).unwrap(), b"abc");
        assert_eq!(sim.fsyncs_of(Path::new("/d/a.aof")), 1);
        assert!(matches!(group.await, Ok(Ok(()))));
        writer.stop().await;
    }

    /// A simulated group's future dropped mid-turn gives back what it held
    /// of the queue: the next group still gets its turn.
    #[tokio::test(start_paused = true)]
    async fn a_simulated_group_dropped_mid_turn_gives_its_turn_back() {
        let (sim, file) = sim_with_file("/d/a.aof");
        sim.set_slow_latency(Duration::from_secs(60));
        sim.fail_next(crate::storage::sim::Fault::SlowDisk);
        let storage: Arc<dyn Storage> = Arc::new(sim.clone());
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
            turn: Notify::new(),
            publish: Box::new(|_| {}),
        });
        shared.queue.lock().next = Some(Group {
            id: 0,
            file,
            bytes: b"abc".to_vec(),
            lsn: 1,
            done: None,
        });
        let mut turn = Box::pin(take_turn(shared.clone(), storage, 0));
        // Its append sleeps out the minute: dropped there.
        let cut = tokio::time::timeout(Duration::from_millis(10), &mut turn).await;
        assert!(cut.is_err());
        assert_eq!(shared.queue.lock().appending.len(), 1);
        drop(turn);
        let queue = shared.queue.lock();
        assert!(queue.appending.is_empty() && queue.running == 0 && queue.next.is_none());
    }

    /// A group's LSN is published once every group before it on its file
    /// is durable, at the latest group's LSN; a failure publishes nothing
    /// of its file again; another file's groups are not held up.
    #[test]
    fn durable_lsns_are_published_in_order_per_file() {
        let (old, new) = (TestFile::plain("old"), TestFile::plain("new"));
        let mut durable = Durable::default();
        durable.handed_over(0, &old, 10);
        durable.handed_over(1, &old, 20);
        durable.handed_over(2, &old, 25);
        durable.extended(2, 30);
        assert_eq!(durable.ended(1, true), None, "group 0 is still in flight");
        assert_eq!(durable.ended(0, true), Some(20), "0 and 1 at once");
        assert_eq!(durable.ended(2, true), Some(30), "its extended LSN");
        assert!(durable.handed.is_empty());

        // A hung group on the old file holds up nothing on the new one.
        durable.handed_over(3, &old, 40);
        durable.handed_over(4, &old, 50);
        durable.handed_over(5, &new, 60);
        assert_eq!(durable.ended(5, true), Some(60));
        // The old file's group 4 failed: 3 and 4 never publish.
        assert_eq!(durable.ended(4, false), None);
        assert_eq!(durable.ended(3, true), None, "forgotten with its file");
        assert!(durable.handed.is_empty());

        // A failure takes the later groups of its file along.
        durable.handed_over(6, &new, 70);
        durable.handed_over(7, &new, 80);
        assert_eq!(durable.ended(6, false), None);
        assert_eq!(durable.ended(7, true), None);
    }

    /// The thread that fsynced a group publishes its LSN itself: nobody
    /// polls the group's future (the actor may be busy) and the waiters
    /// learn it anyway, in order.
    #[tokio::test]
    async fn a_group_thread_publishes_its_lsn_without_the_actor() {
        let file = TestFile::plain("/nowhere/appendonly.aof.1.incr.aof");
        let (tx, published) = mpsc::channel();
        let tx = Mutex::new(tx);
        let mut writer = GroupWriter::new(
            Arc::new(RealStorage),
            Box::new(move |lsn| {
                let _ = tx.lock().send(lsn);
            }),
        );
        let first = writer.submit(file.clone(), b"a".to_vec(), 7);
        let within = Duration::from_secs(10);
        assert_eq!(published.recv_timeout(within), Ok(7));
        let second = writer.submit(file.clone(), b"b".to_vec(), 9);
        assert_eq!(published.recv_timeout(within), Ok(9));
        assert!(matches!(first.await, Ok(Ok(()))));
        assert!(matches!(second.await, Ok(Ok(()))));
        writer.stop().await;
    }

    /// A failure on the file a recovery replaced, after one on the new
    /// file, leaves the new file refused: a later group there would land
    /// behind a torn append.
    #[test]
    fn a_failure_on_an_old_file_keeps_the_new_file_refused() {
        let shared = Shared {
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
            turn: Notify::new(),
            publish: Box::new(|_| {}),
        };
        let (old, new) = (TestFile::plain("old"), TestFile::plain("new"));
        let failed: GroupResult = Ok(Err(stopped()));
        ended(&shared, 0, &new, &failed);
        ended(&shared, 0, &old, &failed);
        let refused = |file: &Arc<dyn StorageFile>| shared.queue.lock().refuses(file);
        assert!(refused(&new) && refused(&old));
        // Nobody holds the old file any more: it is forgotten, the new one kept.
        drop(old);
        ended(&shared, 0, &new, &failed);
        assert_eq!(shared.queue.lock().poisoned.len(), 1);
        assert!(refused(&new));
    }

    /// A panic on the writer thread ends the group waiting behind the one
    /// that panicked, and every later one, with an error: none is left
    /// for a thread that is gone (a shutdown would wait for it forever).
    #[tokio::test]
    async fn a_panic_on_the_writer_ends_every_group_with_an_error() {
        let (file, entered, release) = TestFile::gated("/nowhere/appendonly.aof.1.incr.aof", false);
        let mut writer = GroupWriter::new(Arc::new(RealStorage), Box::new(|_| {}));
        let first = writer.submit(file.clone(), b"a".to_vec(), 1);
        entered
            .recv_timeout(Duration::from_secs(10))
            .expect("the thread took the first group");
        let second = writer.submit(file.clone(), b"b".to_vec(), 2);
        release.send(()).unwrap();
        // Any later append on it panics at once.
        drop(release);
        let within = Duration::from_secs(10);
        let first = tokio::time::timeout(within, first).await;
        assert!(matches!(first, Ok(Ok(Err(_)))), "{first:?}");
        let second = tokio::time::timeout(within, second).await;
        assert!(matches!(second, Ok(Ok(Err(_)))), "{second:?}");
        let third =
            tokio::time::timeout(within, writer.submit(file.clone(), b"c".to_vec(), 3)).await;
        // Stopped (the threads are still ending), or refused (new threads
        // took it, and its file counts as failed).
        assert!(matches!(third, Ok(Ok(Err(_)) | Err(_))), "{third:?}");
        // Once both threads have ended, new ones take the groups of a new
        // file (the recovery's).
        let good = TestFile::plain("/nowhere/appendonly.aof.2.incr.aof");
        let mut written = false;
        for _ in 0..200 {
            let group = writer.submit(good.clone(), b"d".to_vec(), 4);
            if matches!(tokio::time::timeout(within, group).await, Ok(Ok(Ok(())))) {
                written = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(written, "the writer came back");
        // The file of the lost groups stays refused: a group there would
        // land behind a torn append, and its thread would publish past the
        // lost groups' LSNs.
        assert!(writer.shared.queue.lock().refuses(&file));
        let refused = skipped(&file).to_string();
        let late = tokio::time::timeout(within, writer.submit(file, b"e".to_vec(), 5)).await;
        assert!(
            matches!(&late, Ok(Err(e)) if e.to_string() == refused),
            "{late:?}"
        );
        writer.stop().await;
    }

    /// A group that fails while the next waits to be taken: the actor,
    /// which has not heard yet, finds the waiting group not extendable
    /// (it will not be written), and nothing breaks.
    #[test]
    fn a_group_failed_on_the_file_is_not_extended() {
        let file = TestFile::plain("/nowhere/appendonly.aof.1.incr.aof");
        let writer = GroupWriter::new(Arc::new(RealStorage), Box::new(|_| {}));
        {
            let mut queue = writer.shared.queue.lock();
            queue.durable.handed_over(0, &file, 1);
            queue.durable.handed_over(1, &file, 2);
            queue.next = Some(Group {
                id: 1,
                file: file.clone(),
                bytes: b"b".to_vec(),
                lsn: 2,
                done: None,
            });
        }
        let failed: GroupResult = Ok(Err(stopped()));
        ended(&writer.shared, 0, &file, &failed);
        assert!(!writer.try_extend(&file, b"c", 3));
        assert_eq!(
            writer
                .shared
                .queue
                .lock()
                .next
                .as_ref()
                .map(|g| g.bytes.len()),
            Some(1)
        );
    }

    /// An append hung on a file a recovery replaced holds up no group for
    /// the new file: the other thread takes it (appends are ordered per
    /// file). The group waiting behind the hung one, for the old file too,
    /// is dropped unwritten by `retire_waiting`, so the new file's group
    /// can be handed over at all.
    #[tokio::test]
    async fn a_hung_append_on_a_replaced_file_holds_up_no_group_for_the_new_one() {
        let (old, entered, release) = TestFile::gated("/nowhere/appendonly.aof.1.incr.aof", true);
        let mut writer = GroupWriter::new(Arc::new(RealStorage), Box::new(|_| {}));
        let mut hung = writer.submit(old.clone(), b"a".to_vec(), 5);
        entered
            .recv_timeout(Duration::from_secs(10))
            .expect("a thread took the first group");
        let behind = writer.submit(old.clone(), b"b".to_vec(), 6);
        assert!(writer.has_waiting(), "it waits for the hung append");
        writer.retire_waiting();
        assert!(!writer.has_waiting());
        let within = Duration::from_secs(10);
        let behind = tokio::time::timeout(within, behind).await;
        assert!(
            matches!(behind, Ok(Err(_))),
            "dropped unwritten: {behind:?}"
        );
        let new = TestFile::plain("/nowhere/appendonly.aof.2.incr.aof");
        for _ in 0..3 {
            let group = writer.submit(new.clone(), b"c".to_vec(), 7);
            let written = tokio::time::timeout(within, group).await;
            assert!(matches!(written, Ok(Ok(Ok(())))), "{written:?}");
        }
        let still = tokio::time::timeout(Duration::from_millis(10), &mut hung).await;
        assert!(still.is_err(), "the old file's append still hangs");
        release.send(()).unwrap();
        let ended = tokio::time::timeout(within, hung).await;
        assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
        writer.stop().await;
    }

    /// The simulator's groups follow the same rule: a group on the new
    /// file appends and fsyncs while one on the replaced file sleeps out
    /// a minute-long append, and the one waiting behind that is dropped.
    #[tokio::test(start_paused = true)]
    async fn a_simulated_hung_append_on_a_replaced_file_holds_up_no_group_for_the_new_one() {
        let (sim, old) = sim_with_file("/d/a.aof");
        let new = sim.create(Path::new("/d/b.aof")).unwrap();
        sim.set_slow_latency(Duration::from_secs(60));
        sim.fail_next(crate::storage::sim::Fault::SlowDisk);
        let mut writer = GroupWriter::new(Arc::new(sim.clone()), Box::new(|_| {}));
        let mut hung = writer.submit(old.clone(), b"a".to_vec(), 8);
        tokio::time::sleep(Duration::from_millis(1)).await;
        let behind = writer.submit(old.clone(), b"b".to_vec(), 9);
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(writer.has_waiting(), "it waits for the hung append");
        writer.retire_waiting();
        let within = Duration::from_secs(1);
        let behind = tokio::time::timeout(within, behind).await;
        assert!(
            matches!(behind, Ok(Err(_))),
            "dropped unwritten: {behind:?}"
        );
        let written = tokio::time::timeout(within, writer.submit(new, b"c".to_vec(), 10)).await;
        assert!(matches!(written, Ok(Ok(Ok(())))), "{written:?}");
        assert_eq!(sim.read(Path::new("/d/b.aof")).unwrap(), b"c");
        assert_eq!(sim.fsyncs_of(Path::new("/d/b.aof")), 1);
        let still = tokio::time::timeout(Duration::from_millis(10), &mut hung).await;
        assert!(still.is_err(), "the old file's append still sleeps");
        let ended = tokio::time::timeout(Duration::from_secs(120), hung).await;
        assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
        assert_eq!(sim.read(Path::new("/d/a.aof")).unwrap(), b"a");
        writer.stop().await;
    }
}
