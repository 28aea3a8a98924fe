//! Loading an RDB file: the header, aux fields, database selectors and
//! size hints, key metadata (expiry, LRU idle time, LFU frequency), values
//! and the EOF marker with its CRC-64. Versions 1 to 10 are read; newer
//! files are refused rather than half-understood.
//!
//! `load_with` hands each key to an `RdbVisitor`; `load` is the visitor
//! that fills an `Engine`. Like a Redis master, the loader skips keys whose
//! expiry has passed (unless told otherwise, as for an AOF preamble, which
//! Redis loads whole), skips empty collections, and refuses duplicate keys.

use super::decode::read_value;
use super::error::{RdbError, RdbErrorKind, RdbResult};
use super::format::*;
use super::input::Input;
use kv_engine::access::KeyAccess;
use kv_engine::value::Value;
use kv_engine::{Engine, EngineConfig};
use std::io::BufRead;

/// How to load.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Skip keys that expired before this time (Unix ms), as Redis does
    /// when it loads a dump as a master. `None` loads them all (an AOF
    /// preamble; a replica).
    pub skip_expired_before: Option<i64>,
    /// `rdbchecksum`: verify the CRC-64 at the end.
    pub verify_checksum: bool,
}

impl LoadOptions {
    /// Redis's behaviour for a dump.rdb at startup, at `now_ms`.
    pub fn at(now_ms: i64) -> Self {
        LoadOptions {
            skip_expired_before: Some(now_ms),
            verify_checksum: true,
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            skip_expired_before: None,
            verify_checksum: true,
        }
    }
}

/// What the CRC-64 at the end of the file said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// Stored and equal to the contents' CRC.
    Verified,
    /// Stored as 0: the file was written with `rdbchecksum no`.
    Disabled,
    /// Not compared (`verify_checksum` was off).
    NotChecked,
    /// The file predates checksums (version < 5).
    Absent,
}

/// What a load found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdbReport {
    pub version: u32,
    /// Aux fields in file order (redis-ver, ctime, aof-base, repl-id, ...).
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    pub keys_loaded: u64,
    pub expired_skipped: u64,
    pub empty_skipped: u64,
    /// Function libraries (FUNCTION2 records) skipped: no FUNCTION support.
    pub functions_skipped: u64,
    /// Bytes of RDB data read, up to and including the checksum.
    pub bytes: u64,
    pub checksum: Checksum,
}

impl RdbReport {
    /// An aux field's value.
    pub fn aux(&self, key: &str) -> Option<&[u8]> {
        self.aux
            .iter()
            .find(|(k, _)| k == key.as_bytes())
            .map(|(_, v)| v.as_slice())
    }
}

/// What the file says about a key besides its value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EntryMeta {
    pub expire_at_ms: Option<i64>,
    /// OBJECT IDLETIME seconds, saved under an LRU `maxmemory-policy`.
    pub lru_idle_secs: Option<u64>,
    /// OBJECT FREQ, saved under an LFU policy.
    pub lfu_freq: Option<u8>,
}

/// Receives what the loader reads. An error stops the load at that key.
pub trait RdbVisitor {
    /// A SELECTDB: keys that follow belong to `db`.
    fn select_db(&mut self, db: u64) -> Result<(), RdbErrorKind>;
    /// A RESIZEDB hint for the current db.
    fn resize_db(&mut self, _keys: u64, _expires: u64) {}
    fn entry(
        &mut self,
        db: u32,
        key: &[u8],
        value: Value,
        meta: EntryMeta,
    ) -> Result<(), RdbErrorKind>;
}

/// Reads RDB data from `source`, handing each key to `visitor`. Returns the
/// report and the source, positioned just after the RDB's last byte (the
/// commands of an AOF after its RDB preamble are still there).
pub fn load_with<R: BufRead>(
    source: R,
    config: &EngineConfig,
    options: LoadOptions,
    visitor: &mut impl RdbVisitor,
) -> RdbResult<(RdbReport, R)> {
    let mut input = Input::new(source);
    let magic: [u8; 5] = input.array("the REDIS signature")?;
    if &magic != MAGIC {
        return Err(RdbError::new(0, RdbErrorKind::BadMagic));
    }
    let digits: [u8; 4] = input.array("the version")?;
    let version = std::str::from_utf8(&digits)
        .ok()
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|&v| v >= 1)
        .ok_or_else(|| {
            RdbError::new(
                5,
                RdbErrorKind::BadVersion(String::from_utf8_lossy(&digits).into()),
            )
        })?;
    if version > u32::from(RDB_VERSION) {
        return Err(RdbError::new(5, RdbErrorKind::UnsupportedVersion(version)));
    }
    let mut report = RdbReport {
        version,
        aux: Vec::new(),
        keys_loaded: 0,
        expired_skipped: 0,
        empty_skipped: 0,
        functions_skipped: 0,
        bytes: 0,
        checksum: Checksum::Absent,
    };
    let mut db: u32 = 0;
    let mut meta = EntryMeta::default();
    loop {
        let opcode_at = input.offset();
        let opcode = input.u8("a value type or opcode")?;
        match opcode {
            OP_EXPIRETIME => {
                let secs = i32::from_le_bytes(input.array("an expiry time")?);
                meta.expire_at_ms = Some(i64::from(secs) * 1000);
                continue;
            }
            OP_EXPIRETIME_MS => {
                meta.expire_at_ms = Some(i64::from_le_bytes(input.array("an expiry time")?));
                continue;
            }
            OP_FREQ => {
                meta.lfu_freq = Some(input.u8("an LFU frequency")?);
                continue;
            }
            OP_IDLE => {
                meta.lru_idle_secs = Some(input.length("an LRU idle time")?);
                continue;
            }
            OP_EOF => break,
            OP_SELECTDB => {
                let id = input.length("a db number")?;
                visitor
                    .select_db(id)
                    .map_err(|kind| RdbError::new(opcode_at, kind))?;
                db = u32::try_from(id).map_err(|_| {
                    RdbError::new(opcode_at, RdbErrorKind::Corrupt(format!("db number {id}")))
                })?;
                continue;
            }
            OP_RESIZEDB => {
                let keys = input.length("a db size")?;
                let expires = input.length("an expires size")?;
                visitor.resize_db(keys, expires);
                continue;
            }
            OP_AUX => {
                let key = input.string_bytes("an aux field name")?;
                let value = input.string_bytes("an aux field value")?;
                report.aux.push((key, value));
                continue;
            }
            OP_MODULE_AUX => {
                return Err(RdbError::new(
                    opcode_at,
                    RdbErrorKind::Unsupported(
                        "module auxiliary data (a module's RDB section)".into(),
                    ),
                ))
            }
            OP_FUNCTION_PRE_GA => {
                return Err(RdbError::new(
                    opcode_at,
                    RdbErrorKind::Unsupported("the pre-release (7.0 RC) function format".into()),
                ))
            }
            OP_FUNCTION2 => {
                input.string_bytes("a function library")?;
                report.functions_skipped += 1;
                continue;
            }
            _ => {}
        }
        let key = input.string_bytes("a key")?;
        let value = read_value(&mut input, opcode, config).map_err(|e| e.in_key(db, &key))?;
        let key_meta = std::mem::take(&mut meta);
        let Some(value) = value else {
            report.empty_skipped += 1;
            continue;
        };
        if let (Some(at), Some(now)) = (key_meta.expire_at_ms, options.skip_expired_before) {
            if at < now {
                report.expired_skipped += 1;
                continue;
            }
        }
        visitor
            .entry(db, &key, value, key_meta)
            .map_err(|kind| RdbError::new(input.offset(), kind).in_key(db, &key))?;
        report.keys_loaded += 1;
    }
    if version >= 5 {
        let computed = input.crc()?;
        let stored = u64::from_le_bytes(input.array("the checksum")?);
        report.checksum = if stored == 0 {
            Checksum::Disabled
        } else if !options.verify_checksum {
            Checksum::NotChecked
        } else if stored == computed {
            Checksum::Verified
        } else {
            return Err(input.error(RdbErrorKind::Checksum { stored, computed }));
        };
    }
    report.bytes = input.offset();
    Ok((report, input.finish()?))
}

/// Fills an engine: keys go to their db through `Engine::restore_entry`.
pub struct EngineLoader<'e> {
    engine: &'e mut Engine,
    db: usize,
    /// A key of the file replaces one the engine holds (else an error).
    replace_existing: bool,
}

impl<'e> EngineLoader<'e> {
    pub fn new(engine: &'e mut Engine) -> Self {
        EngineLoader {
            engine,
            db: 0,
            replace_existing: false,
        }
    }
}

impl RdbVisitor for EngineLoader<'_> {
    fn select_db(&mut self, db: u64) -> Result<(), RdbErrorKind> {
        let databases = self.engine.databases();
        match usize::try_from(db) {
            Ok(index) if index < databases => {
                self.db = index;
                Ok(())
            }
            _ => Err(RdbErrorKind::DbOutOfRange { db, databases }),
        }
    }

    fn entry(
        &mut self,
        db: u32,
        key: &[u8],
        value: Value,
        meta: EntryMeta,
    ) -> Result<(), RdbErrorKind> {
        if !self.replace_existing && self.engine.db(self.db).contains(key) {
            return Err(RdbErrorKind::DuplicateKey(db));
        }
        self.engine
            .restore_entry(self.db, key, value, meta.expire_at_ms);
        // The eviction data the file saved for it (Redis's
        // objectSetLRUOrLFU at load): the kind the policy keeps applies.
        let records = [
            meta.lfu_freq.map(KeyAccess::Freq),
            meta.lru_idle_secs.map(KeyAccess::IdleSecs),
        ];
        for access in records.into_iter().flatten() {
            if self.engine.restore_access(self.db, key, access) {
                break;
            }
        }
        Ok(())
    }
}

/// Loads RDB data into `engine` (which keeps what it already holds; a key
/// already present is an error, as in Redis).
pub fn load<R: BufRead>(
    source: R,
    engine: &mut Engine,
    options: LoadOptions,
) -> RdbResult<RdbReport> {
    load_into(source, EngineLoader::new(engine), options)
}

/// `load`, where a key of the file replaces one `engine` already holds
/// (DEBUG RELOAD MERGE: Redis's RDBFLAGS_ALLOW_DUP).
pub fn load_replacing<R: BufRead>(
    source: R,
    engine: &mut Engine,
    options: LoadOptions,
) -> RdbResult<RdbReport> {
    let mut loader = EngineLoader::new(engine);
    loader.replace_existing = true;
    load_into(source, loader, options)
}

fn load_into<R: BufRead>(
    source: R,
    mut loader: EngineLoader<'_>,
    options: LoadOptions,
) -> RdbResult<RdbReport> {
    let config = loader.engine.config().clone();
    let (report, _) = load_with(source, &config, options, &mut loader)?;
    Ok(report)
}
