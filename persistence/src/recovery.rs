//! Startup recovery: load what the files hold into the engine, following
//! Redis 7.0's rules.
//!
//! - `appendonly yes`: the multi-part AOF in `dir/appenddirname`, base then
//!   incrementals in manifest order. A pre-7.0 single `appendonly.aof` in
//!   `dir` is first moved into the directory as the base and a manifest
//!   written, as Redis upgrades it. No AOF at all loads nothing (Redis
//!   ignores dump.rdb then too); `Durability::start` creates the files.
//! - `appendonly no`: `dir/dbfilename` if it exists.
//!
//! A truncated last command of the last file (a crash mid-append, or a
//! MULTI never closed) is dropped with a warning and the file cut there
//! when `aof-load-truncated yes`; anywhere else a truncation, a malformed
//! byte, an unknown command or a missing file stops startup with an error
//! naming the file and the offset. Nothing is ever half loaded silently.
//!
//! Commands replay through `Engine::execute` with the engine's delta sink
//! swapped for one that discards (recovered data is already durable), in
//! the engine's loading mode (nothing expires mid-replay, as Redis does not
//! expire keys while loading: a file's expiries are absolute and a later
//! command may still touch the key). A command that fails on
//! replay stops startup: a file of propagated writes never holds one, so
//! going on would silently diverge.

use crate::aof::layout::{AofLayout, ManifestReadError};
use crate::aof::manifest::{AofFileInfo, Manifest};
use crate::aof::replay::{replay, ReplayError};
use crate::config::PersistenceConfig;
use crate::rdb::{self, LoadOptions, RdbError};
use crate::storage::{Storage, StorageError};
use bytes::Bytes;
use kv_engine::delta::NoDeltas;
use kv_engine::Engine;
use std::path::PathBuf;

/// Where the data came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecoverySource {
    /// Nothing to load.
    Empty,
    /// The multi-part AOF.
    Aof,
    /// `dbfilename`.
    Rdb,
}

/// One file recovery read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedFile {
    pub name: String,
    pub bytes: u64,
    pub commands: u64,
    /// Set when a truncated tail was dropped: the length the file was cut to.
    pub truncated_to: Option<u64>,
}

/// What recovery did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryReport {
    pub source: RecoverySource,
    pub files: Vec<LoadedFile>,
    /// An old single-file AOF was moved into the AOF directory.
    pub upgraded_legacy_aof: bool,
    /// Keys in all databases after loading.
    pub keys: usize,
    /// Keys an RDB (dump.rdb or a base) held and loaded
    /// (`rdb_last_load_keys_loaded`).
    pub rdb_keys_loaded: u64,
    /// Keys of a dump.rdb skipped as already expired
    /// (`rdb_last_load_keys_expired`).
    pub rdb_keys_expired: u64,
    /// Function libraries an RDB held, not loaded: no FUNCTION support.
    pub rdb_functions_skipped: u64,
}

/// Why startup cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("Bad AOF manifest {0}")]
    Manifest(#[source] ManifestReadError),
    #[error("The AOF file {name} listed in the manifest doesn't exist")]
    MissingFile { name: String },
    #[error(
        "Bad file format reading the append only file {file} at offset {offset}: {what}; \
         make a backup of your AOF file, then use redis-check-aof --fix <filename.manifest>"
    )]
    Corrupt {
        file: String,
        offset: u64,
        what: String,
    },
    #[error("Command failed replaying the append only file {file} at offset {offset}: {reply}")]
    CommandFailed {
        file: String,
        offset: u64,
        reply: String,
    },
    #[error("Unknown command '{name}' reading the append only file {file} at offset {offset}")]
    UnknownCommand {
        file: String,
        offset: u64,
        name: String,
    },
    #[error(
        "Unexpected end of file reading the append only file {file} at offset {offset}: \
         the truncated file is not the last file"
    )]
    TruncatedNotLast { file: String, offset: u64 },
    #[error(
        "Unexpected end of file reading the append only file {file} at offset {offset}; \
         set aof-load-truncated yes to drop the incomplete command, or repair it with \
         redis-check-aof --fix"
    )]
    Truncated { file: String, offset: u64 },
    #[error("Bad RDB data in {file}: {source}")]
    Rdb {
        file: String,
        #[source]
        source: RdbError,
    },
}

/// Loads the data files into `engine` (which should be empty). The
/// engine's delta sink is restored before returning, error or not.
pub fn recover(
    config: &PersistenceConfig,
    storage: &dyn Storage,
    engine: &mut Engine,
) -> Result<RecoveryReport, RecoveryError> {
    let sink = engine.set_delta_sink(Box::new(NoDeltas));
    // Each command in the files ran at its own time: judged by today's
    // clock, a key whose TTL a later command extended would be gone
    // before that command replays (Redis loads with expiry off too).
    engine.set_loading(true);
    let result = load(config, storage, engine);
    engine.set_loading(false);
    engine.set_delta_sink(sink);
    engine.reset_dirty();
    let mut report = result?;
    report.keys = (0..engine.databases()).map(|db| engine.db(db).len()).sum();
    Ok(report)
}

fn load(
    config: &PersistenceConfig,
    storage: &dyn Storage,
    engine: &mut Engine,
) -> Result<RecoveryReport, RecoveryError> {
    let mut report = RecoveryReport {
        source: RecoverySource::Empty,
        files: Vec::new(),
        upgraded_legacy_aof: false,
        keys: 0,
        rdb_keys_loaded: 0,
        rdb_keys_expired: 0,
        rdb_functions_skipped: 0,
    };
    if !config.appendonly {
        let path = config.rdb_path();
        if storage.exists(&path)? {
            report.source = RecoverySource::Rdb;
            let data = Bytes::from(storage.read(&path)?);
            let name = path.display().to_string();
            // As a master loads its dump: keys already expired are skipped.
            let options = LoadOptions {
                skip_expired_before: Some(engine.now_ms()),
                verify_checksum: config.rdbchecksum,
            };
            let loaded = load_rdb(&name, &data, engine, options)?;
            report.rdb_keys_loaded = loaded.keys_loaded;
            report.rdb_keys_expired = loaded.expired_skipped;
            report.rdb_functions_skipped = loaded.functions_skipped;
            report.files.push(LoadedFile {
                name,
                bytes: data.len() as u64,
                commands: 0,
                truncated_to: None,
            });
        }
        return Ok(report);
    }
    let layout = AofLayout::new(config);
    let manifest = match layout.read_manifest(storage) {
        Ok(Some(manifest)) => manifest,
        Ok(None) => match upgrade_legacy_aof(config, &layout, storage)? {
            Some(manifest) => {
                report.upgraded_legacy_aof = true;
                manifest
            }
            None => return Ok(report),
        },
        Err(ManifestReadError::Storage(e)) => return Err(e.into()),
        Err(e) => return Err(RecoveryError::Manifest(e)),
    };
    report.source = RecoverySource::Aof;
    let files: Vec<&AofFileInfo> = manifest.load_order().collect();
    for (i, info) in files.iter().enumerate() {
        let is_last = i + 1 == files.len();
        let file = load_aof_file(config, &layout, storage, engine, info, is_last)?;
        report.rdb_keys_loaded += file.rdb_keys;
        report.rdb_functions_skipped += file.rdb_functions;
        report.files.push(file.loaded);
    }
    Ok(report)
}

/// One AOF file loaded, and the keys its RDB preamble held.
struct AofFileLoad {
    loaded: LoadedFile,
    rdb_keys: u64,
    /// Function libraries it held, skipped.
    rdb_functions: u64,
}

fn load_aof_file(
    config: &PersistenceConfig,
    layout: &AofLayout,
    storage: &dyn Storage,
    engine: &mut Engine,
    info: &AofFileInfo,
    is_last: bool,
) -> Result<AofFileLoad, RecoveryError> {
    let path = layout.path(&info.name);
    if !storage.exists(&path)? {
        return Err(RecoveryError::MissingFile {
            name: info.name.clone(),
        });
    }
    let data = Bytes::from(storage.read(&path)?);
    // A base written with aof-use-rdb-preamble is an RDB (a pre-7.0 AOF
    // may be an RDB followed by commands); Redis loads it whole, expired
    // keys included, as the commands after it may refer to them.
    let (start, rdb_keys, rdb_functions) = if data.starts_with(b"REDIS") {
        let options = LoadOptions {
            skip_expired_before: None,
            verify_checksum: config.rdbchecksum,
        };
        let loaded = load_rdb(&info.name, &data, engine, options)?;
        (
            loaded.bytes as usize,
            loaded.keys_loaded,
            loaded.functions_skipped,
        )
    } else {
        (0, 0, 0)
    };
    let file = info.name.clone();
    let replayed = replay(engine, data.clone(), start).map_err(|e| match e {
        ReplayError::Corrupt { offset, what } => RecoveryError::Corrupt {
            file: file.clone(),
            offset: offset as u64,
            what,
        },
        ReplayError::UnknownCommand { offset, name } => RecoveryError::UnknownCommand {
            file: file.clone(),
            offset: offset as u64,
            name,
        },
        ReplayError::CommandFailed { offset, reply } => RecoveryError::CommandFailed {
            file: file.clone(),
            offset: offset as u64,
            reply,
        },
    })?;
    let mut loaded = LoadedFile {
        name: info.name.clone(),
        bytes: data.len() as u64,
        commands: replayed.commands,
        truncated_to: None,
    };
    if let Some(offset) = replayed.truncated_at {
        let offset = offset as u64;
        if !config.aof_load_truncated {
            return Err(RecoveryError::Truncated { file, offset });
        }
        if !is_last {
            return Err(RecoveryError::TruncatedNotLast { file, offset });
        }
        tracing::warn!(
            "!!! Warning: short read while loading the AOF file {file}!!! \
             Truncating the AOF {file} at offset {offset} !!! \
             AOF {file} loaded anyway because aof-load-truncated is enabled"
        );
        crate::storage::cut_durably(storage, &path, offset)?;
        loaded.truncated_to = Some(offset);
    }
    Ok(AofFileLoad {
        loaded,
        rdb_keys,
        rdb_functions,
    })
}

/// Redis before 7.0 kept one `appendonly.aof` in `dir`. Moves it into the
/// AOF directory as the base and writes a manifest naming it, as Redis 7.0
/// does; a file already moved by an upgrade that crashed before its
/// manifest was written is picked up too.
fn upgrade_legacy_aof(
    config: &PersistenceConfig,
    layout: &AofLayout,
    storage: &dyn Storage,
) -> Result<Option<Manifest>, RecoveryError> {
    let legacy = config.legacy_aof_path();
    let moved: PathBuf = layout.path(&config.appendfilename);
    let in_dir = storage.exists(&moved)?;
    if !in_dir && !storage.exists(&legacy)? {
        return Ok(None);
    }
    storage.create_dir_all(layout.dir())?;
    if !in_dir {
        storage.rename(&legacy, &moved)?;
        storage.sync_dir(layout.dir())?;
        storage.sync_dir(&config.dir)?;
    }
    let manifest = Manifest {
        base: Some(AofFileInfo {
            name: config.appendfilename.clone(),
            seq: 1,
            kind: crate::aof::manifest::FileKind::Base,
        }),
        history: Vec::new(),
        incrs: Vec::new(),
    };
    layout.write_manifest(storage, &manifest)?;
    tracing::info!(
        "Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
        config.appendfilename,
        config.appenddirname
    );
    Ok(Some(manifest))
}

/// Loads an RDB (a dump.rdb, an RDB base, or an AOF's RDB preamble); the
/// report says how many bytes it used.
fn load_rdb(
    file: &str,
    data: &Bytes,
    engine: &mut Engine,
    options: LoadOptions,
) -> Result<rdb::RdbReport, RecoveryError> {
    rdb::load(&data[..], engine, options).map_err(|source| RecoveryError::Rdb {
        file: file.to_string(),
        source,
    })
}
