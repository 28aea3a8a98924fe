//! `GroupWriter`: appends and fsyncs the `appendfsync always` groups of one
//! AOF pipeline, one group at a time, in the order the actor hands them
//! over.
//!
//! On the real disk it is a thread of its own, started with the first
//! group and stopped with the actor. When a group's fsync returns, the
//! thread takes the next group at once, if the actor has formed one, and
//! starts its append and fsync: the disk never waits for a trip through
//! the runtime (a spawn_blocking per group cost a futex wake of a pool
//! thread, tens of microseconds before each fsync started on a busy
//! machine, and a wake of the runtime before the next could be handed
//! over). The next group forms while one runs: the actor extends it with
//! what arrives (`try_extend`) until the writer takes it, so the clients
//! split into two halves, one working on its replies while the other's
//! writes are fsynced, as with Redis's fsync between event-loop turns.
//!
//! With the simulator (inline storage) each group is a future the actor
//! polls, taking its turn after the group before it: the same queue, the
//! same rule for a group after a failed one, and the append and the fsync
//! as two steps with their own latency, all on the simulated clock.
//!
//! After a group fails (its append or its fsync), a later group for the
//! same file is never written: its result is an error without touching
//! the disk (the actor is in MISCONF by the time it looks, and a recovery
//! replaces the file).

use crate::io::{self, IoFuture};
use crate::storage::{Storage, StorageError, StorageFile};
use parking_lot::{Condvar, Mutex};
use std::io as stdio;
use std::sync::Arc;
use tokio::sync::{oneshot, Notify};

/// A group's result: the append's error, or the fsync's result.
pub(super) type GroupResult = Result<Result<(), StorageError>, StorageError>;

/// A group handed over and not taken by the writer yet.
struct Group {
    file: Arc<dyn StorageFile>,
    bytes: Vec<u8>,
    /// The thread's answer (None inline: the group's future writes it).
    done: Option<oneshot::Sender<GroupResult>>,
}

#[derive(Default)]
struct Queue {
    /// The next group, still forming: at most one waits (the actor keeps
    /// at most `MAX_GROUPS` = one running and this one).
    next: Option<Group>,
    /// The last file a group failed on: later groups for it are refused.
    poisoned: Option<Arc<dyn StorageFile>>,
    /// Inline: a group is being written (the next waits for its turn).
    busy: bool,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    /// The thread sleeps here while nothing is handed over.
    work: Condvar,
    /// Inline: rung when a group ends, for the next one's turn.
    turn: Notify,
}

/// The writer of one pipeline's `always` groups.
pub(super) struct GroupWriter {
    shared: Arc<Shared>,
    storage: Arc<dyn Storage>,
    /// The real disk's thread, once started.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl GroupWriter {
    pub(super) fn new(storage: Arc<dyn Storage>) -> Self {
        GroupWriter {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue::default()),
                work: Condvar::new(),
                turn: Notify::new(),
            }),
            storage,
            thread: None,
        }
    }

    /// Adds `bytes` to the group handed over last, if the writer has not
    /// taken it yet and it is for `file`: they go out in its append and
    /// are covered by its fsync.
    pub(super) fn try_extend(&self, file: &Arc<dyn StorageFile>, bytes: &[u8]) -> bool {
        let mut queue = self.shared.queue.lock();
        match &mut queue.next {
            Some(next) if super::same_file(&next.file, file) => {
                next.bytes.extend_from_slice(bytes);
                true
            }
            _ => false,
        }
    }

    /// Hands over a group (none may be waiting: `try_extend` found none):
    /// the future ends with its append's and fsync's results.
    pub(super) fn submit(
        &mut self,
        file: Arc<dyn StorageFile>,
        bytes: Vec<u8>,
    ) -> IoFuture<Result<(), StorageError>> {
        let inline = self.storage.is_inline();
        if !inline {
            if let Err(error) = self.ensure_thread() {
                // The group never reaches the disk: MISCONF, as a failed
                // write.
                return Box::pin(async move { Err(error) });
            }
        }
        let (done, result) = oneshot::channel();
        {
            let mut queue = self.shared.queue.lock();
            assert!(queue.next.is_none(), "one group waits at a time");
            let done = (!inline).then_some(done);
            queue.next = Some(Group { file, bytes, done });
        }
        if inline {
            return Box::pin(take_turn(self.shared.clone(), self.storage.clone()));
        }
        self.shared.work.notify_one();
        Box::pin(async move { result.await.unwrap_or_else(|_| Err(stopped())) })
    }

    fn ensure_thread(&mut self) -> Result<(), StorageError> {
        if self.thread.is_some() {
            return Ok(());
        }
        let shared = self.shared.clone();
        let handle = std::thread::Builder::new()
            .name("aof-writer".into())
            .spawn(move || run_thread(&shared))
            .map_err(|e| StorageError::new("start the AOF writer", std::path::Path::new(""), e))?;
        self.thread = Some(handle);
        Ok(())
    }

    /// Stops the thread once what was handed over is written; waits for
    /// it off the runtime thread.
    pub(super) async fn stop(&mut self) {
        self.close();
        if let Some(thread) = self.thread.take() {
            let _ = io::blocking(false, move || thread.join()).await;
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

/// The real disk's thread: each group as soon as it is handed over, or
/// as soon as the one before it is fsynced.
fn run_thread(shared: &Shared) {
    loop {
        let group = {
            let mut queue = shared.queue.lock();
            loop {
                if let Some(group) = queue.next.take() {
                    break group;
                }
                if queue.closed {
                    return;
                }
                shared.work.wait(&mut queue);
            }
        };
        let result = if refused(shared, &group.file) {
            Err(skipped(&group.file))
        } else {
            group.file.append(&group.bytes).map(|()| group.file.sync())
        };
        note_result(shared, &group.file, &result);
        // The actor may be gone (a panic): nobody to tell.
        if let Some(done) = group.done {
            let _ = done.send(result);
        }
    }
}

/// The simulator's group: waits for the one before it to end, takes what
/// formed, appends and fsyncs it as two steps on the simulated clock.
async fn take_turn(shared: Arc<Shared>, storage: Arc<dyn Storage>) -> GroupResult {
    loop {
        // Made before looking: a turn handed on meanwhile is not missed.
        let turn = shared.turn.notified();
        let group = {
            let mut queue = shared.queue.lock();
            (!queue.busy).then(|| {
                queue.busy = true;
                // At most one group waits, and it is this one: another is
                // handed over only once the writer has taken it.
                queue.next.take().expect("the waiting group is this one")
            })
        };
        if let Some(group) = group {
            let result = write_inline(&shared, &storage, group).await;
            shared.queue.lock().busy = false;
            shared.turn.notify_waiters();
            return result;
        }
        turn.await;
    }
}

/// One group on the simulator.
async fn write_inline(shared: &Shared, storage: &Arc<dyn Storage>, group: Group) -> GroupResult {
    let Group { file, bytes, .. } = group;
    let result = if refused(shared, &file) {
        Err(skipped(&file))
    } else {
        let appending = file.clone();
        match io::run(storage, move |_| appending.append(&bytes)).await {
            Err(error) => Err(error),
            Ok(()) => {
                let syncing = file.clone();
                Ok(io::run(storage, move |_| syncing.sync()).await)
            }
        }
    };
    note_result(shared, &file, &result);
    result
}

/// Whether an earlier group on `file` failed.
fn refused(shared: &Shared, file: &Arc<dyn StorageFile>) -> bool {
    let queue = shared.queue.lock();
    queue
        .poisoned
        .as_ref()
        .is_some_and(|bad| super::same_file(bad, file))
}

fn note_result(shared: &Shared, file: &Arc<dyn StorageFile>, result: &GroupResult) {
    if !matches!(result, Ok(Ok(()))) {
        shared.queue.lock().poisoned = Some(file.clone());
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

fn stopped() -> StorageError {
    StorageError::new(
        "write",
        std::path::Path::new(""),
        stdio::Error::other("the AOF writer thread stopped"),
    )
}
