//! Where the multi-part AOF lives and how its files are named, as Redis 7.0
//! names them: in `dir/appenddirname`, `<appendfilename>.<seq>.base.rdb`
//! (or `.base.aof`), `<appendfilename>.<seq>.incr.aof` and
//! `<appendfilename>.manifest`, replaced atomically through
//! `temp-<appendfilename>.manifest`.

use super::manifest::{AofFileInfo, FileKind, Manifest, ManifestError};
use crate::config::PersistenceConfig;
use crate::storage::{write_file, Storage, StorageError, StorageFile};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The AOF directory and its naming scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofLayout {
    dir: PathBuf,
    basename: String,
}

/// Reading the manifest failed.
#[derive(Debug, thiserror::Error)]
pub enum ManifestReadError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{}: {source}", path.display())]
    Invalid {
        path: PathBuf,
        source: ManifestError,
    },
}

impl AofLayout {
    pub fn new(config: &PersistenceConfig) -> Self {
        AofLayout {
            dir: config.aof_dir(),
            basename: config.appendfilename.clone(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates the AOF directory if it is missing, as a rewrite must
    /// before it starts (Redis checks the same before it forks); logs
    /// Redis's warning when it cannot.
    pub fn create_dir(&self, storage: &dyn Storage) -> Result<(), StorageError> {
        storage.create_dir_all(&self.dir).inspect_err(|error| {
            tracing::warn!(
                "Can't open or create append-only dir {}: {}",
                self.dir.display(),
                error.reason()
            )
        })
    }

    /// Creates the AOF directory if it is missing and a file named `name`
    /// in it, as Redis opens its next incremental file before a rewrite;
    /// logs Redis's warning for whichever of the two fails.
    pub fn create_in_dir(
        &self,
        storage: &dyn Storage,
        name: &str,
    ) -> Result<Arc<dyn StorageFile>, StorageError> {
        self.create_dir(storage)?;
        let path = self.path(name);
        storage.create(&path).inspect_err(|error| {
            tracing::warn!(
                "Can't open the append-only file {}: {}",
                path.display(),
                error.reason()
            )
        })
    }

    pub fn basename(&self) -> &str {
        &self.basename
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.path(&format!("{}.manifest", self.basename))
    }

    fn temp_manifest_path(&self) -> PathBuf {
        self.path(&format!("temp-{}.manifest", self.basename))
    }

    pub fn base_info(&self, seq: u64, rdb: bool) -> AofFileInfo {
        let ext = if rdb { "rdb" } else { "aof" };
        AofFileInfo {
            name: format!("{}.{seq}.base.{ext}", self.basename),
            seq,
            kind: FileKind::Base,
        }
    }

    pub fn incr_info(&self, seq: u64) -> AofFileInfo {
        AofFileInfo {
            name: format!("{}.{seq}.incr.aof", self.basename),
            seq,
            kind: FileKind::Incr,
        }
    }

    /// Whether `name` is one of the AOF's own files (base, incremental,
    /// the pre-7.0 single file moved in, or a temporary manifest): the
    /// only names garbage collection may remove.
    pub fn is_aof_file(&self, name: &str) -> bool {
        let Some(rest) = name.strip_prefix(self.basename.as_str()) else {
            return name == format!("temp-{}.manifest", self.basename);
        };
        if rest.is_empty() {
            return true;
        }
        let Some(rest) = rest.strip_prefix('.') else {
            return false;
        };
        let Some((seq, kind)) = rest.split_once('.') else {
            return false;
        };
        seq.parse::<u64>().is_ok() && matches!(kind, "base.rdb" | "base.aof" | "incr.aof")
    }

    /// Removes the AOF's own files that `manifest` does not name. Only
    /// after `manifest` is durable: until then an older manifest may still
    /// be the one a restart reads. Returns how many it removed.
    pub fn collect_garbage(
        &self,
        storage: &dyn Storage,
        manifest: &Manifest,
    ) -> Result<usize, StorageError> {
        let names = storage.list_dir(&self.dir)?;
        let mut removed = 0;
        for name in names {
            if self.is_aof_file(&name) && !manifest.all_files().any(|f| f.name == name) {
                storage.remove(&self.path(&name))?;
                removed += 1;
            }
        }
        if removed > 0 {
            storage.sync_dir(&self.dir)?;
        }
        Ok(removed)
    }

    /// The manifest, or None if there is none.
    pub fn read_manifest(
        &self,
        storage: &dyn Storage,
    ) -> Result<Option<Manifest>, ManifestReadError> {
        let path = self.manifest_path();
        if !storage.exists(&path)? {
            return Ok(None);
        }
        let data = storage.read(&path)?;
        Manifest::parse(&data)
            .map(Some)
            .map_err(|source| ManifestReadError::Invalid { path, source })
    }

    /// Replaces the manifest atomically: a temporary file, fsynced, renamed
    /// over the old one, then the directory fsynced so the rename holds.
    pub fn write_manifest(
        &self,
        storage: &dyn Storage,
        manifest: &Manifest,
    ) -> Result<(), StorageError> {
        let temp = self.temp_manifest_path();
        write_file(storage, &temp, &manifest.to_bytes())?;
        storage.rename(&temp, &self.manifest_path())?;
        storage.sync_dir(&self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sim::{CrashMode, SimStorage};

    fn layout() -> AofLayout {
        let config = PersistenceConfig {
            dir: PathBuf::from("/data"),
            ..PersistenceConfig::default()
        };
        AofLayout::new(&config)
    }

    #[test]
    fn names_files_as_redis_does() {
        let layout = layout();
        assert_eq!(layout.dir(), Path::new("/data/appendonlydir"));
        assert_eq!(layout.base_info(1, true).name, "appendonly.aof.1.base.rdb");
        assert_eq!(layout.base_info(2, false).name, "appendonly.aof.2.base.aof");
        assert_eq!(layout.incr_info(7).name, "appendonly.aof.7.incr.aof");
        assert_eq!(
            layout.manifest_path(),
            Path::new("/data/appendonlydir/appendonly.aof.manifest")
        );
    }

    #[test]
    fn the_manifest_is_replaced_atomically_and_durably() {
        let layout = layout();
        let sim = SimStorage::new(11);
        sim.create_dir_all(layout.dir()).unwrap();
        assert_eq!(layout.read_manifest(&sim).unwrap(), None);
        let first = Manifest {
            base: Some(layout.base_info(1, false)),
            history: vec![],
            incrs: vec![layout.incr_info(1)],
        };
        layout.write_manifest(&sim, &first).unwrap();
        let sim = sim.crash(CrashMode::DropUnsynced);
        assert_eq!(layout.read_manifest(&sim).unwrap(), Some(first.clone()));
        let second = Manifest {
            base: Some(layout.base_info(2, false)),
            history: vec![],
            incrs: vec![layout.incr_info(2)],
        };
        layout.write_manifest(&sim, &second).unwrap();
        let sim = sim.crash(CrashMode::Seeded);
        assert_eq!(layout.read_manifest(&sim).unwrap(), Some(second));
    }

    #[test]
    fn garbage_is_only_our_own_unlisted_files() {
        let layout = layout();
        for (name, ours) in [
            ("appendonly.aof.3.base.rdb", true),
            ("appendonly.aof.12.incr.aof", true),
            ("appendonly.aof.1.base.aof", true),
            ("appendonly.aof", true),
            ("temp-appendonly.aof.manifest", true),
            ("appendonly.aof.manifest", false),
            ("appendonly.aof.x.incr.aof", false),
            ("appendonly.aof.3.base.txt", false),
            ("notes.txt", false),
            ("dump.rdb", false),
        ] {
            assert_eq!(layout.is_aof_file(name), ours, "{name}");
        }
        let sim = SimStorage::new(1);
        sim.create_dir_all(layout.dir()).unwrap();
        let manifest = Manifest {
            base: Some(layout.base_info(2, true)),
            history: vec![],
            incrs: vec![layout.incr_info(2)],
        };
        for name in [
            "appendonly.aof.1.base.rdb",
            "appendonly.aof.2.base.rdb",
            "appendonly.aof.1.incr.aof",
            "appendonly.aof.2.incr.aof",
            "notes.txt",
        ] {
            write_file(&sim, &layout.path(name), b"x").unwrap();
        }
        layout.write_manifest(&sim, &manifest).unwrap();
        assert_eq!(layout.collect_garbage(&sim, &manifest).unwrap(), 2);
        assert_eq!(
            sim.list_dir(layout.dir()).unwrap(),
            [
                "appendonly.aof.2.base.rdb",
                "appendonly.aof.2.incr.aof",
                "appendonly.aof.manifest",
                "notes.txt"
            ]
        );
    }

    #[test]
    fn an_invalid_manifest_names_its_path() {
        let layout = layout();
        let sim = SimStorage::new(1);
        sim.create_dir_all(layout.dir()).unwrap();
        write_file(&sim, &layout.manifest_path(), b"nonsense\n").unwrap();
        let error = layout.read_manifest(&sim).unwrap_err().to_string();
        assert_eq!(
            error,
            "/data/appendonlydir/appendonly.aof.manifest: line 1: invalid AOF manifest file format"
        );
    }
}
