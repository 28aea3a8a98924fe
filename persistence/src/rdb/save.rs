//! Writing an RDB file: `RdbWriter` streams the header and aux fields,
//! then per database a SELECTDB and a RESIZEDB, then each key (with
//! EXPIRETIME_MS when it has an expiry), then EOF and the CRC-64 (eight
//! zero bytes with `rdbchecksum no`, as Redis writes).
//!
//! The writer is incremental, so a snapshot can be fed in slices; `save`
//! writes a whole engine at once.

use super::crc64;
use super::encode::{
    put_int_string, put_length, put_string, put_value_body, value_type, ValueOptions,
};
use super::format::*;
use kv_engine::access::{KeyAccess, SavedAccess};
use kv_engine::value::Value;
use kv_engine::Engine;
use std::io::Write;

/// Bytes buffered before they are written out.
const FLUSH_AT: usize = 64 * 1024;

/// How to write.
#[derive(Clone, Debug)]
pub struct SaveOptions {
    pub values: ValueOptions,
    /// `rdbchecksum`: compute the CRC-64 (else write 0).
    pub checksum: bool,
    /// The `ctime` aux field, Unix seconds (from the owner's clock).
    pub ctime_secs: i64,
    /// The `used-mem` aux field.
    pub used_mem: u64,
    /// The `aof-base` aux field: this RDB is an AOF's base file.
    pub aof_base: bool,
}

impl Default for SaveOptions {
    fn default() -> Self {
        SaveOptions {
            values: ValueOptions::default(),
            checksum: true,
            ctime_secs: 0,
            used_mem: 0,
            aof_base: false,
        }
    }
}

/// What a save wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaveReport {
    pub keys: u64,
    pub bytes: u64,
}

/// Writes RDB data to `out` as it is fed.
pub struct RdbWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    crc: u64,
    options: SaveOptions,
    report: SaveReport,
}

impl<W: Write> RdbWriter<W> {
    /// Writes the header and the aux fields.
    pub fn new(out: W, options: SaveOptions) -> std::io::Result<Self> {
        let mut writer = RdbWriter {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 1024),
            crc: 0,
            options,
            report: SaveReport::default(),
        };
        writer.buf.extend_from_slice(MAGIC);
        writer
            .buf
            .extend_from_slice(format!("{RDB_VERSION:04}").as_bytes());
        writer.aux(b"redis-ver", REDIS_VER.as_bytes());
        writer.aux_int(b"redis-bits", 64);
        writer.aux_int(b"ctime", writer.options.ctime_secs);
        writer.aux_int(
            b"used-mem",
            writer.options.used_mem.min(i64::MAX as u64) as i64,
        );
        writer.aux_int(b"aof-base", i64::from(writer.options.aof_base));
        Ok(writer)
    }

    /// The sink (e.g. to drain an in-memory buffer between snapshot steps).
    pub fn sink_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// An aux field (Redis ignores names it does not know).
    pub fn aux(&mut self, key: &[u8], value: &[u8]) {
        self.buf.push(OP_AUX);
        put_string(&mut self.buf, key, false);
        put_string(&mut self.buf, value, false);
    }

    fn aux_int(&mut self, key: &[u8], value: i64) {
        self.buf.push(OP_AUX);
        put_string(&mut self.buf, key, false);
        put_int_string(&mut self.buf, value);
    }

    /// Starts database `db`, which holds `keys` keys, `expires` of them
    /// with an expiry (size hints for the reader).
    pub fn select_db(&mut self, db: u32, keys: u64, expires: u64) -> std::io::Result<()> {
        self.buf.push(OP_SELECTDB);
        put_length(&mut self.buf, u64::from(db));
        self.buf.push(OP_RESIZEDB);
        put_length(&mut self.buf, keys);
        put_length(&mut self.buf, expires);
        self.flush_if_full()
    }

    /// One key of the current database, with the eviction record the
    /// policy saves (`SavedAccess::record`), in Redis's order: expiry,
    /// IDLE or FREQ, then the value.
    pub fn entry(
        &mut self,
        key: &[u8],
        value: &Value,
        expire_at_ms: Option<i64>,
        access: Option<KeyAccess>,
    ) -> std::io::Result<()> {
        if let Some(at) = expire_at_ms {
            self.buf.push(OP_EXPIRETIME_MS);
            self.buf.extend_from_slice(&at.to_le_bytes());
        }
        match access {
            Some(KeyAccess::IdleSecs(secs)) => {
                self.buf.push(OP_IDLE);
                put_length(&mut self.buf, secs);
            }
            Some(KeyAccess::Freq(freq)) => self.buf.extend_from_slice(&[OP_FREQ, freq]),
            None => {}
        }
        self.buf.push(value_type(value));
        put_string(&mut self.buf, key, self.options.values.compression);
        put_value_body(&mut self.buf, value, self.options.values);
        self.report.keys += 1;
        self.flush_if_full()
    }

    /// Hands everything buffered so far to the sink.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.flush_buf()
    }

    fn flush_if_full(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> std::io::Result<()> {
        if self.options.checksum {
            self.crc = crc64::update(self.crc, &self.buf);
        }
        self.out.write_all(&self.buf)?;
        self.report.bytes += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Writes EOF and the checksum, flushes, and returns the sink.
    pub fn finish(mut self) -> std::io::Result<(W, SaveReport)> {
        self.buf.push(OP_EOF);
        self.flush_buf()?;
        let crc = if self.options.checksum { self.crc } else { 0 };
        self.buf.extend_from_slice(&crc.to_le_bytes());
        self.flush_buf()?;
        self.out.flush()?;
        Ok((self.out, self.report))
    }
}

/// Writes every database of `engine` (empty ones are left out, as Redis
/// does).
pub fn save<W: Write>(
    engine: &Engine,
    out: W,
    options: SaveOptions,
) -> std::io::Result<(W, SaveReport)> {
    let mut writer = RdbWriter::new(out, options)?;
    let saved = SavedAccess::new(engine.config(), engine.now_ms());
    for index in 0..engine.databases() {
        let db = engine.db(index);
        if db.is_empty() {
            continue;
        }
        writer.select_db(index as u32, db.len() as u64, db.expires_len() as u64)?;
        for (key, value, expire_at_ms, field) in db.iter_with_access() {
            writer.entry(key, value, expire_at_ms, saved.record(field))?;
        }
    }
    writer.finish()
}
