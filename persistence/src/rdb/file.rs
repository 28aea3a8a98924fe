//! Synchronous file helpers: `save_to_path` writes a temp file in the
//! target's directory, fsyncs it, renames it over the target and fsyncs
//! the directory (so a crash leaves the old file or the new one, never a
//! torn one); `load_from_path` reads a file into an engine. For tests and
//! for the server until persistence's storage trait places files itself.

use super::error::{RdbError, RdbErrorKind};
use super::load::{load, LoadOptions, RdbReport};
use super::save::{save, SaveOptions, SaveReport};
use kv_engine::Engine;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

/// Writes `engine` to `path` atomically and durably.
pub fn save_to_path(
    path: &Path,
    engine: &Engine,
    options: SaveOptions,
) -> std::io::Result<SaveReport> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = dir.join(format!("temp-{}-{n}.rdb", std::process::id()));
    let result = (|| {
        let file = File::create(&temp)?;
        let (writer, report) = save(engine, BufWriter::with_capacity(256 * 1024, file), options)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        File::open(dir)?.sync_all()?;
        Ok(report)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Loads the RDB file at `path` into `engine`.
pub fn load_from_path(
    path: &Path,
    engine: &mut Engine,
    options: LoadOptions,
) -> Result<RdbReport, RdbError> {
    let file = File::open(path).map_err(|e| RdbError::new(0, RdbErrorKind::Io(e)))?;
    load(BufReader::with_capacity(256 * 1024, file), engine, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kv_engine::harness::Session;
    use kv_engine::value::{StrValue, Value};

    #[test]
    fn saves_atomically_and_loads_back() {
        let dir = std::env::temp_dir().join(format!("rdb-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dump.rdb");
        std::fs::write(&path, b"the old file").unwrap();
        let mut session = Session::new();
        session
            .engine
            .restore_entry(2, b"k", Value::Str(StrValue::Int(7)), Some(99));
        let report = save_to_path(&path, &session.engine, SaveOptions::default()).unwrap();
        assert_eq!(report.keys, 1);
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("dump.rdb")],
            "no temp file left"
        );
        let mut loaded = Session::new();
        let report = load_from_path(&path, &mut loaded.engine, LoadOptions::default()).unwrap();
        assert_eq!(report.keys_loaded, 1);
        assert_eq!(loaded.engine.db(2).expire_at(b"k"), Some(99));
        let err = load_from_path(
            &dir.join("missing.rdb"),
            &mut loaded.engine,
            LoadOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err.kind, RdbErrorKind::Io(_)), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
