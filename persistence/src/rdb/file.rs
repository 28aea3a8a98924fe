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
    let temp = dir.join(format!("temp-{}.rdb", std::process::id()));
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
