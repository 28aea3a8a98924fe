//! How async code calls blocking work (storage, taking a snapshot under the
//! engine lock): on tokio's blocking pool for the real disk, never on a
//! runtime worker; inline for the simulator (memory only, and it must stay
//! deterministic), after its SLOW_DISK delay on tokio's clock so
//! paused-time tests stay exact.

use crate::storage::{Storage, StorageError, StorageFile};
use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

/// Blocking work in flight. Polled to completion by its owner; dropping it
/// early lets a blocking call finish unobserved, it never cuts one.
pub type Task<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A storage call in flight.
pub type IoFuture<T> = Task<Result<T, StorageError>>;

/// Runs `op` against `storage` off the async worker threads.
pub fn run<T, F>(storage: &Arc<dyn Storage>, op: F) -> IoFuture<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Storage) -> Result<T, StorageError> + Send + 'static,
{
    let storage = storage.clone();
    if storage.is_inline() {
        Box::pin(async move {
            if let Some(delay) = storage.delay() {
                tokio::time::sleep(delay).await;
            }
            op(&*storage)
        })
    } else {
        let task = blocking(false, move || op(&*storage));
        Box::pin(async move { task.await.unwrap_or_else(Err) })
    }
}

/// `file.sync()` as `run` makes it, after `Storage::sync_delay` on the
/// simulator.
pub fn sync(storage: &Arc<dyn Storage>, file: Arc<dyn StorageFile>) -> IoFuture<()> {
    if storage.is_inline() {
        let storage = storage.clone();
        Box::pin(async move {
            if let Some(delay) = storage.sync_delay() {
                tokio::time::sleep(delay).await;
            }
            file.sync()
        })
    } else {
        run(storage, move |_| file.sync())
    }
}

/// Runs `work` on the blocking pool, or inline when `inline`. A panic in
/// `work` comes back as a StorageError naming it, not as a second panic.
pub fn blocking<T, F>(inline: bool, work: F) -> Task<Result<T, StorageError>>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    if inline {
        Box::pin(async move { Ok(work()) })
    } else {
        let handle = tokio::task::spawn_blocking(work);
        Box::pin(async move {
            handle.await.map_err(|join| {
                StorageError::new(
                    "blocking call",
                    Path::new(""),
                    io::Error::other(format!("blocking work failed: {join}")),
                )
            })
        })
    }
}
