//! How async code calls blocking storage: on tokio's blocking pool for the
//! real disk (never on a runtime worker), inline for the simulator (memory
//! only, and it must stay deterministic), after its SLOW_DISK delay on
//! tokio's clock so paused-time tests stay exact.

use crate::storage::{Storage, StorageError};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

/// A storage call in flight. Polled to completion by its owner; dropping
/// it early lets a blocking call finish unobserved, it never cuts one.
pub type IoFuture<T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send>>;

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
        let handle = tokio::task::spawn_blocking(move || op(&*storage));
        Box::pin(async move {
            handle.await.unwrap_or_else(|join| {
                Err(StorageError::new(
                    "blocking call",
                    std::path::Path::new(""),
                    io::Error::other(format!("storage call panicked: {join}")),
                ))
            })
        })
    }
}
