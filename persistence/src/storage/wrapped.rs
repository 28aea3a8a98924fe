//! `WrappedReal`: the real disk with every file it opens passed through a
//! function, for tests and benches that count or hold up calls on files
//! (on the real disk, where the writer's threads run beside the actor).

use super::{RealStorage, Storage, StorageError, StorageFile};
use std::path::Path;
use std::sync::Arc;

/// The real disk; each file it creates or opens goes through `wrap`.
pub struct WrappedReal<W> {
    wrap: W,
}

impl<W> WrappedReal<W>
where
    W: Fn(Arc<dyn StorageFile>) -> Arc<dyn StorageFile> + Send + Sync + 'static,
{
    pub fn new(wrap: W) -> Self {
        WrappedReal { wrap }
    }
}

impl<W> Storage for WrappedReal<W>
where
    W: Fn(Arc<dyn StorageFile>) -> Arc<dyn StorageFile> + Send + Sync + 'static,
{
    fn create(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError> {
        RealStorage.create(path).map(&self.wrap)
    }
    fn open_append(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError> {
        RealStorage.open_append(path).map(&self.wrap)
    }
    fn read(&self, path: &Path) -> Result<Vec<u8>, StorageError> {
        RealStorage.read(path)
    }
    fn len(&self, path: &Path) -> Result<u64, StorageError> {
        RealStorage.len(path)
    }
    fn truncate(&self, path: &Path, len: u64) -> Result<(), StorageError> {
        RealStorage.truncate(path, len)
    }
    fn rename(&self, from: &Path, to: &Path) -> Result<(), StorageError> {
        RealStorage.rename(from, to)
    }
    fn remove(&self, path: &Path) -> Result<(), StorageError> {
        RealStorage.remove(path)
    }
    fn list_dir(&self, dir: &Path) -> Result<Vec<String>, StorageError> {
        RealStorage.list_dir(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> Result<(), StorageError> {
        RealStorage.create_dir_all(dir)
    }
    fn sync_dir(&self, dir: &Path) -> Result<(), StorageError> {
        RealStorage.sync_dir(dir)
    }
}
