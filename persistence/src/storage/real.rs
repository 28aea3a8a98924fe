//! `RealStorage`: the real file system. Appends go through one descriptor
//! opened with `O_APPEND`; `sync` is `fdatasync`, as Redis's AOF uses,
//! each on a descriptor of its own (see `RealFile::syncers`).

use super::{Storage, StorageError, StorageFile, SyncLatch};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The real disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealStorage;

/// fdatasyncs that may run at once on one file: the AOF's `always` groups
/// in flight (`aof::actor`'s `MAX_GROUPS`).
pub(crate) const SYNCERS: usize = 2;

struct RealFile {
    file: File,
    /// Descriptors opened on the same file (not dup'd: each is an open
    /// file description of its own) before anything was written, one per
    /// fdatasync that may run at once. Linux reports a writeback error to
    /// one fsync per open file description: two fdatasyncs racing on one
    /// descriptor could hand the error to the newer and 0 to the older,
    /// whose pages were the ones lost. With a descriptor each, every
    /// fsync running when a page fails sees the failure; one that starts
    /// on a descriptor after it reported the failure, `latch` fails.
    syncers: Vec<parking_lot::Mutex<File>>,
    /// A failed fdatasync fails every later one (see `SyncLatch`).
    latch: SyncLatch,
    path: PathBuf,
}

impl StorageFile for RealFile {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        (&self.file)
            .write_all(bytes)
            .map_err(|e| StorageError::new("write", &self.path, e))
    }

    fn sync(&self) -> Result<(), StorageError> {
        // A free descriptor, or (more syncs than `SYNCERS` at once, which
        // the actor never starts) the first one's turn.
        let syncer = self
            .syncers
            .iter()
            .find_map(|syncer| syncer.try_lock())
            .unwrap_or_else(|| self.syncers[0].lock());
        self.latch.sync(&self.path, || {
            syncer
                .sync_data()
                .map_err(|e| StorageError::new("fsync", &self.path, e))
        })
    }

    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        self.file
            .set_len(len)
            .map_err(|e| StorageError::new("truncate", &self.path, e))
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

fn open(path: &Path, truncate: bool) -> Result<Arc<dyn StorageFile>, StorageError> {
    Ok(Arc::new(open_file(path, truncate)?))
}

fn open_file(path: &Path, truncate: bool) -> Result<RealFile, StorageError> {
    let mut options = OpenOptions::new();
    if truncate {
        // A fresh file is written from offset 0 by this handle only.
        options.write(true).create(true).truncate(true);
    } else {
        options.append(true);
    }
    let op = if truncate { "create" } else { "open" };
    let file = options
        .open(path)
        .map_err(|e| StorageError::new(op, path, e))?;
    let syncer = || {
        OpenOptions::new()
            .read(true)
            .open(path)
            .map(parking_lot::Mutex::new)
            .map_err(|e| StorageError::new(op, path, e))
    };
    Ok(RealFile {
        file,
        syncers: (0..SYNCERS).map(|_| syncer()).collect::<Result<_, _>>()?,
        latch: SyncLatch::default(),
        path: path.to_path_buf(),
    })
}

impl Storage for RealStorage {
    fn create(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError> {
        open(path, true)
    }

    fn open_append(&self, path: &Path) -> Result<Arc<dyn StorageFile>, StorageError> {
        open(path, false)
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, StorageError> {
        fs::read(path).map_err(|e| StorageError::new("read", path, e))
    }

    fn len(&self, path: &Path) -> Result<u64, StorageError> {
        fs::metadata(path)
            .map(|m| m.len())
            .map_err(|e| StorageError::new("stat", path, e))
    }

    fn truncate(&self, path: &Path, len: u64) -> Result<(), StorageError> {
        OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|file| file.set_len(len))
            .map_err(|e| StorageError::new("truncate", path, e))
    }

    fn rename(&self, from: &Path, to: &Path) -> Result<(), StorageError> {
        fs::rename(from, to).map_err(|e| StorageError::new("rename", from, e))
    }

    fn remove(&self, path: &Path) -> Result<(), StorageError> {
        fs::remove_file(path).map_err(|e| StorageError::new("remove", path, e))
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<String>, StorageError> {
        let entries = fs::read_dir(dir).map_err(|e| StorageError::new("list", dir, e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StorageError::new("list", dir, e))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    fn create_dir_all(&self, dir: &Path) -> Result<(), StorageError> {
        fs::create_dir_all(dir).map_err(|e| StorageError::new("mkdir", dir, e))
    }

    fn sync_dir(&self, dir: &Path) -> Result<(), StorageError> {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StorageError::new("fsync dir", dir, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_sync_rename_list_and_truncate_on_the_real_disk() {
        let dir = tempfile::tempdir().unwrap();
        let storage = RealStorage;
        let sub = dir.path().join("aofdir");
        storage.create_dir_all(&sub).unwrap();
        let a = sub.join("a");
        let file = storage.create(&a).unwrap();
        file.append(b"hello").unwrap();
        file.sync().unwrap();
        let again = storage.open_append(&a).unwrap();
        again.append(b" world").unwrap();
        assert_eq!(storage.read(&a).unwrap(), b"hello world");
        assert_eq!(storage.len(&a).unwrap(), 11);
        storage.truncate(&a, 5).unwrap();
        assert_eq!(storage.read(&a).unwrap(), b"hello");
        let b = sub.join("b");
        storage.rename(&a, &b).unwrap();
        storage.sync_dir(&sub).unwrap();
        assert_eq!(storage.list_dir(&sub).unwrap(), ["b"]);
        assert!(!storage.exists(&a).unwrap());
        let recreated = storage.create(&b).unwrap();
        recreated.append(b"x").unwrap();
        assert_eq!(storage.read(&b).unwrap(), b"x", "create truncates");
        storage.remove(&b).unwrap();
        assert_eq!(
            storage.read(&b).unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
    }

    #[test]
    fn each_fdatasync_has_an_open_file_description_of_its_own() {
        use std::io::{Read, Seek, SeekFrom};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let file = open_file(&path, true).unwrap();
        file.append(b"0123456789").unwrap();
        // Offsets are per open file description: moving one syncer's
        // leaves the other's where it was (a dup'd descriptor would share
        // it, and with it the one report of a writeback error).
        let [a, b, ..] = &file.syncers[..] else {
            panic!("two syncers at least");
        };
        a.lock().seek(SeekFrom::Start(4)).unwrap();
        let mut byte = [0u8; 1];
        b.lock().read_exact(&mut byte).unwrap();
        assert_eq!(&byte, b"0", "the second syncer has its own offset");
        a.lock().read_exact(&mut byte).unwrap();
        assert_eq!(&byte, b"4");
        // Two fdatasyncs at once each take a descriptor and succeed.
        std::thread::scope(|scope| {
            let first = scope.spawn(|| file.sync());
            assert!(file.sync().is_ok());
            assert!(first.join().unwrap().is_ok());
        });
    }
}
