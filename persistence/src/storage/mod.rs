//! `Storage`: the few file operations persistence needs, behind a trait so
//! that tests and the deterministic simulation run on a simulated disk.
//!
//! - [`real`]: the real file system (`std::fs`, `fdatasync`, directory fsync).
//! - [`sim`] (feature `sim` or tests): an honest page-cache model with a
//!   seeded crash and named fault-injection points.
//! - [`wrapped`] (feature `sim` or tests): the real disk with its files
//!   wrapped, for tests that count or hold up calls.
//!
//! Every call blocks. Async code reaches storage only through
//! [`crate::io::run`], which uses `spawn_blocking` for the real disk and runs
//! the simulator inline (it is memory only and must stay deterministic).

pub mod real;
#[cfg(any(test, feature = "sim"))]
pub mod sim;
#[cfg(any(test, feature = "sim"))]
pub mod wrapped;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use real::RealStorage;

/// A file open for appending. Methods take `&self` so that one fsync can run
/// on a blocking thread while the next append runs on another (Linux allows
/// both on one descriptor).
pub trait StorageFile: Send + Sync {
    /// Appends all of `bytes`, or fails; on failure a prefix may have been
    /// written (a short write), exactly as `write(2)` can leave it.
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError>;
    /// Forces the written data to stable storage (`fdatasync`). Once a
    /// sync of this file has failed, every later one fails too, without
    /// reaching the disk (`SyncLatch`).
    fn sync(&self) -> Result<(), StorageError>;
    /// Cuts the file to `len` bytes (undoing a short write).
    fn truncate(&self, len: u64) -> Result<(), StorageError>;
    /// The file's path, for messages.
    fn path(&self) -> &Path;
}

/// File-system operations, all blocking.
pub trait Storage: Send + Sync + 'static {
    /// Creates `path` empty (truncating what was there), open for appending.
    fn create(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError>;
    /// Opens an existing file for appending at its end.
    fn open_append(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError>;
    /// The whole contents of a file.
    fn read(&self, path: &Path) -> Result<Vec<u8>, StorageError>;
    /// The length of a file; `ErrorKind::NotFound` if it does not exist.
    fn len(&self, path: &Path) -> Result<u64, StorageError>;
    /// Cuts a file to `len` bytes.
    fn truncate(&self, path: &Path, len: u64) -> Result<(), StorageError>;
    /// Renames atomically, replacing `to` if it exists.
    fn rename(&self, from: &Path, to: &Path) -> Result<(), StorageError>;
    /// Removes a file.
    fn remove(&self, path: &Path) -> Result<(), StorageError>;
    /// The names of the files in a directory, sorted.
    fn list_dir(&self, dir: &Path) -> Result<Vec<String>, StorageError>;
    /// Creates a directory and its parents if missing.
    fn create_dir_all(&self, dir: &Path) -> Result<(), StorageError>;
    /// Makes a directory's entries (creates, renames, removes) durable.
    fn sync_dir(&self, dir: &Path) -> Result<(), StorageError>;

    /// True when calls are cheap and deterministic (the simulator): async
    /// code calls them inline instead of on a blocking thread.
    fn is_inline(&self) -> bool {
        false
    }
    /// A latency the async caller should wait (on tokio's clock) before the
    /// next call: the simulator's SLOW_DISK. Only asked when `is_inline`.
    fn delay(&self) -> Option<Duration> {
        None
    }
    /// `delay` before an fsync made through `io::sync` (the simulator may
    /// script those apart).
    fn sync_delay(&self) -> Option<Duration> {
        self.delay()
    }

    /// Whether `path` exists.
    fn exists(&self, path: &Path) -> Result<bool, StorageError> {
        match self.len(path) {
            Ok(_) => Ok(true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(error),
        }
    }
}

/// Makes a failed sync of one open file stick. After a failed writeback
/// Linux marks the lost pages clean and reports the error once to each
/// open file description (errseq): a later fdatasync on a description
/// that has seen it returns 0 over the hole, and a file's descriptors may
/// take turns. So a file answers every sync after its first failure with
/// that failure, as PostgreSQL does since "fsyncgate".
///
/// The latch is read after the caller has its descriptor to itself and
/// set before it lets go, so any sync that ends after a writeback error
/// was recorded fails: either its descriptor reports the error itself, or
/// an earlier sync on it did, and latched it first.
#[derive(Debug, Default)]
pub struct SyncLatch(std::sync::atomic::AtomicBool);

impl SyncLatch {
    /// Runs `sync` unless an earlier one failed; latches a failure.
    pub fn sync(
        &self,
        path: &Path,
        sync: impl FnOnce() -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        use std::sync::atomic::Ordering;
        if self.0.load(Ordering::Acquire) {
            let eio = io::Error::from_raw_os_error(errno::EIO);
            return Err(StorageError::new("fsync", path, eio));
        }
        let result = sync();
        if result.is_err() {
            self.0.store(true, Ordering::Release);
        }
        result
    }
}

/// Writes a whole file durably: create, append, fsync. The caller syncs the
/// directory (once for several files) and renames as it needs.
pub fn write_file(storage: &dyn Storage, path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let file = storage.create(path)?;
    file.append(bytes)?;
    file.sync()
}

/// Cuts `path` to `len` bytes and makes the new length durable through a
/// descriptor opened for it (whatever the file's other descriptors have
/// reported: after a failed writeback, or a torn tail found at load).
pub fn cut_durably(storage: &dyn Storage, path: &Path, len: u64) -> Result<(), StorageError> {
    storage.truncate(path, len)?;
    storage.open_append(path)?.sync()
}

/// A failed storage operation: what, on which path, and the OS error.
#[derive(Debug, thiserror::Error)]
#[error("{op} {}: {source}", path.display())]
pub struct StorageError {
    pub op: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl StorageError {
    pub fn new(op: &'static str, path: &Path, source: io::Error) -> Self {
        StorageError {
            op,
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }

    /// The OS's text for the error without Rust's " (os error N)" suffix:
    /// what C's `strerror` prints, as Redis puts it in MISCONF replies
    /// ("No space left on device").
    pub fn reason(&self) -> String {
        os_reason(&self.source)
    }
}

/// `strerror`-style text of an I/O error.
pub fn os_reason(error: &io::Error) -> String {
    let text = error.to_string();
    match (error.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text[..at].to_string(),
        _ => text,
    }
}

/// Linux errno values the simulator reports, so its errors read as the real
/// disk's (`strerror` text included).
pub mod errno {
    pub const EIO: i32 = 5;
    pub const EBADF: i32 = 9;
    pub const EISDIR: i32 = 21;
    pub const ENOSPC: i32 = 28;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_strerror_text() {
        let error = StorageError::new(
            "write",
            Path::new("/x"),
            io::Error::from_raw_os_error(errno::ENOSPC),
        );
        assert_eq!(error.reason(), "No space left on device");
        let eio = io::Error::from_raw_os_error(errno::EIO);
        assert_eq!(os_reason(&eio), "Input/output error");
        let custom = io::Error::other("stale handle");
        assert_eq!(os_reason(&custom), "stale handle");
    }

    #[test]
    fn a_failed_sync_fails_every_later_one_without_reaching_the_disk() {
        let latch = SyncLatch::default();
        let path = Path::new("/f");
        let mut calls = 0;
        assert!(latch
            .sync(path, || {
                calls += 1;
                Ok(())
            })
            .is_ok());
        let eio = || StorageError::new("fsync", path, io::Error::from_raw_os_error(errno::EIO));
        assert!(latch
            .sync(path, || {
                calls += 1;
                Err(eio())
            })
            .is_err());
        let later = latch.sync(path, || {
            calls += 1;
            Ok(())
        });
        assert_eq!(later.unwrap_err().reason(), "Input/output error");
        assert_eq!(calls, 2, "the third sync never ran");
    }
}
