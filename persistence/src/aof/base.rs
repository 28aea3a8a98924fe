//! Writing an AOF base file from a snapshot, in either of Redis's forms:
//! - RDB (`aof-use-rdb-preamble yes`, `.base.rdb`): the RDB codec's
//!   writer, with the `aof-base` aux field set as Redis sets it;
//! - AOF (`.base.aof`): per database a SELECT, per key the commands that
//!   rebuild it (SET, RPUSH, SADD, ZADD, HMSET, at most 64 items a command)
//!   and a PEXPIREAT for a key with a TTL, as Redis's rewrite writes them.
//!
//! The data comes from a fork-less snapshot of the engine, a slice at a
//! time (`crate::snapshot`), so commands run between slices.

use super::encode::write_command;
use crate::config::PersistenceConfig;
use crate::rdb::{RdbWriter, SaveOptions, SnapshotWriter, ValueOptions};
use crate::snapshot::{self, EngineAccess, SnapshotBegun};
use crate::storage::{StorageError, StorageFile};
use bytes::Bytes;
use kv_engine::snapshot::{SnapshotEntry, SnapshotVisitor};
use kv_engine::value::Value;
use std::sync::atomic::{AtomicBool, Ordering};

/// Items per rebuilding command (Redis's AOF_REWRITE_ITEMS_PER_CMD).
pub const ITEMS_PER_COMMAND: usize = 64;
/// Bytes gathered (over slices) before an append.
const CHUNK_BYTES: usize = 1 << 20;

/// Why writing a base stopped.
#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("base file writing cancelled")]
    Cancelled,
}

/// The form of a base file.
#[derive(Clone, Debug)]
pub enum BaseFormat {
    Aof,
    Rdb(SaveOptions),
}

impl BaseFormat {
    /// `aof-use-rdb-preamble`, `rdbcompression` and `rdbchecksum`.
    pub fn from_config(config: &PersistenceConfig) -> Self {
        if !config.aof_use_rdb_preamble {
            return BaseFormat::Aof;
        }
        BaseFormat::Rdb(SaveOptions {
            values: ValueOptions {
                compression: config.rdbcompression,
                ..ValueOptions::default()
            },
            checksum: config.rdbchecksum,
            aof_base: true,
            ..SaveOptions::default()
        })
    }

    pub fn is_rdb(&self) -> bool {
        matches!(self, BaseFormat::Rdb(_))
    }
}

/// Writes the snapshot `begun` into `file` (fresh, empty) in `format`, a
/// slice at a time (the engine lock is taken per slice, the file written
/// with it released), and fsyncs it; returns the bytes written. The
/// snapshot ends either way: fully visited, or cancelled on an error or
/// when `cancel` is set (shutdown, or the AOF failed meanwhile).
pub fn write_base(
    file: &dyn StorageFile,
    engine: &dyn EngineAccess,
    begun: &SnapshotBegun,
    format: &BaseFormat,
    cancel: &AtomicBool,
) -> Result<u64, BaseError> {
    let result = match format {
        BaseFormat::Aof => {
            let mut visitor = AofBaseVisitor::default();
            stream(file, engine, cancel, &mut visitor, |v| {
                Ok(std::mem::take(&mut v.buf))
            })
        }
        BaseFormat::Rdb(options) => {
            let options = SaveOptions {
                ctime_secs: begun.now_ms / 1000,
                used_mem: begun.used_memory,
                ..options.clone()
            };
            (|| {
                let writer = RdbWriter::new(Vec::new(), options).map_err(io_error)?;
                let mut visitor = SnapshotWriter::new(writer, &begun.start);
                let streamed = stream(file, engine, cancel, &mut visitor, |v| {
                    v.flush().map(std::mem::take).map_err(io_error)
                })?;
                let (tail, _) = visitor.finish().map_err(io_error)?;
                file.append(&tail)?;
                Ok(streamed + tail.len() as u64)
            })()
        }
    };
    if result.is_err() {
        snapshot::cancel(engine, begun);
    }
    let written = result?;
    file.sync()?;
    Ok(written)
}

/// Steps the snapshot into `visitor` until it is done, appending what
/// `drain` takes out of the visitor after each step.
fn stream<V: SnapshotVisitor>(
    file: &dyn StorageFile,
    engine: &dyn EngineAccess,
    cancel: &AtomicBool,
    visitor: &mut V,
    mut drain: impl FnMut(&mut V) -> Result<Vec<u8>, BaseError>,
) -> Result<u64, BaseError> {
    let mut total = 0u64;
    let mut chunk = Vec::new();
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(BaseError::Cancelled);
        }
        let step = snapshot::step(engine, visitor);
        chunk.extend_from_slice(&drain(visitor)?);
        if (chunk.len() >= CHUNK_BYTES || step.done) && !chunk.is_empty() {
            file.append(&chunk)?;
            total += chunk.len() as u64;
            chunk.clear();
        }
        if step.done {
            return Ok(total);
        }
    }
}

/// The AOF form of a base: per database a SELECT, per key its commands.
#[derive(Default)]
struct AofBaseVisitor {
    buf: Vec<u8>,
    db: Option<usize>,
}

impl SnapshotVisitor for AofBaseVisitor {
    /// The command form keeps no eviction data (as Redis's rewrite).
    fn entry(&mut self, entry: SnapshotEntry<'_>) {
        let db = entry.db;
        if self.db != Some(db) {
            write_command(
                &mut self.buf,
                &[b"SELECT".as_slice(), db.to_string().as_bytes()],
            );
            self.db = Some(db);
        }
        rebuild(entry.key, entry.value, entry.expire_at_ms, &mut self.buf);
    }
}

fn io_error(error: std::io::Error) -> BaseError {
    BaseError::Storage(StorageError::new(
        "write",
        std::path::Path::new("RDB base"),
        error,
    ))
}

/// The commands that rebuild one key.
pub fn rebuild(key: &[u8], value: &Value, expire_at_ms: Option<i64>, out: &mut Vec<u8>) {
    match value {
        Value::Str(s) => {
            let mut scratch = [0u8; 20];
            write_command(out, &[b"SET".as_slice(), key, s.as_bytes(&mut scratch)]);
        }
        Value::List(list) => in_chunks(out, b"RPUSH", key, list.iter(), |item, argv| {
            argv.push(Bytes::copy_from_slice(item))
        }),
        Value::Set(set) => in_chunks(out, b"SADD", key, set.iter(), |member, argv| {
            argv.push(Bytes::copy_from_slice(&member))
        }),
        Value::ZSet(zset) => in_chunks(out, b"ZADD", key, zset.iter(), |(member, score), argv| {
            argv.push(Bytes::from(resp_codec::encode::format_double(score)));
            argv.push(Bytes::copy_from_slice(member));
        }),
        Value::Hash(hash) => in_chunks(out, b"HMSET", key, hash.iter(), |(field, value), argv| {
            argv.push(Bytes::copy_from_slice(field));
            argv.push(Bytes::copy_from_slice(value));
        }),
    }
    if let Some(at) = expire_at_ms {
        write_command(
            out,
            &[b"PEXPIREAT".as_slice(), key, at.to_string().as_bytes()],
        );
    }
}

/// Writes `name key items...` commands of at most ITEMS_PER_COMMAND items.
fn in_chunks<T>(
    out: &mut Vec<u8>,
    name: &'static [u8],
    key: &[u8],
    items: impl Iterator<Item = T>,
    mut push: impl FnMut(T, &mut Vec<Bytes>),
) {
    let head = [Bytes::from_static(name), Bytes::copy_from_slice(key)];
    let mut argv: Vec<Bytes> = head.to_vec();
    let mut count = 0;
    for item in items {
        push(item, &mut argv);
        count += 1;
        if count == ITEMS_PER_COMMAND {
            write_command(out, &argv);
            argv.truncate(2);
            count = 0;
        }
    }
    if count > 0 {
        write_command(out, &argv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aof::replay::replay;
    use crate::storage::sim::SimStorage;
    use crate::storage::Storage;
    use bytes::BytesMut;
    use kv_engine::{ClientState, Engine, EngineConfig, ManualClock, NoHost};
    use parking_lot::Mutex;
    use resp_codec::{Protocol, ReplyWriter};
    use std::path::Path;

    fn run(engine: &mut Engine, argv: &[String]) {
        let argv: Vec<Bytes> = argv.iter().map(|a| Bytes::from(a.clone())).collect();
        let mut buf = BytesMut::new();
        let mut out = ReplyWriter::new(&mut buf, Protocol::Resp2);
        engine.execute(&mut ClientState::new(1), &argv, &mut out, &mut NoHost);
        assert!(!buf.starts_with(b"-"), "{argv:?}: {buf:?}");
    }

    fn engine_with(commands: &[Vec<String>]) -> Engine {
        let mut engine = Engine::new(
            EngineConfig::default(),
            ManualClock::new(1_000),
            Box::new(kv_engine::delta::NoDeltas),
        );
        for argv in commands {
            run(&mut engine, argv);
        }
        engine
    }

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    /// (db, key, items, expiry).
    type Content = (usize, Vec<u8>, Vec<Vec<u8>>, Option<i64>);

    /// Every key by content (whatever the encoding), sorted.
    fn contents(engine: &Engine) -> Vec<Content> {
        let mut all = Vec::new();
        for db in 0..engine.databases() {
            for (key, value, at) in engine.db(db).iter() {
                let mut scratch = [0u8; 20];
                let items: Vec<Vec<u8>> = match value {
                    Value::Str(s) => vec![s.as_bytes(&mut scratch).to_vec()],
                    Value::List(l) => l.iter().map(<[u8]>::to_vec).collect(),
                    Value::Hash(h) => {
                        let mut v: Vec<_> = h.iter().map(|(f, x)| [f, b"=", x].concat()).collect();
                        v.sort();
                        v
                    }
                    Value::Set(s) => {
                        let mut v: Vec<_> = s.iter().map(|m| m.to_vec()).collect();
                        v.sort();
                        v
                    }
                    Value::ZSet(z) => z
                        .iter()
                        .map(|(m, sc)| [m, format!("={sc}").as_bytes()].concat())
                        .collect(),
                };
                all.push((db, key.to_vec(), items, at));
            }
        }
        all.sort();
        all
    }

    /// Writes the engine's base in `format` on a simulated disk; returns it.
    fn base_of(engine: Mutex<Engine>, format: &BaseFormat) -> (Vec<u8>, u64, Mutex<Engine>) {
        let sim = SimStorage::new(1);
        let path = Path::new("/base");
        let file = sim.create(path).unwrap();
        let begun = snapshot::begin(&engine).unwrap();
        let len = write_base(&*file, &engine, &begun, format, &AtomicBool::new(false)).unwrap();
        sim.sync_dir(Path::new("/")).unwrap();
        let durable = sim.durable_contents(path).unwrap();
        assert_eq!(durable.len() as u64, len, "written and fsynced");
        assert!(!engine.lock().snapshot_in_progress(), "the snapshot ended");
        (durable, len, engine)
    }

    fn rdb() -> BaseFormat {
        BaseFormat::from_config(&PersistenceConfig::default())
    }

    fn load(data: Vec<u8>, format: &BaseFormat) -> Engine {
        let mut fresh = engine_with(&[]);
        if format.is_rdb() {
            crate::rdb::load(&data[..], &mut fresh, Default::default()).unwrap();
        } else {
            let replayed = replay(&mut fresh, Bytes::from(data), 0).unwrap();
            assert_eq!(replayed.truncated_at, None);
        }
        fresh
    }

    #[test]
    fn a_base_loads_back_into_the_same_keyspace_in_both_forms() {
        let mut commands = vec![
            words("SET s hello"),
            words("SET n 12345"),
            words("PEXPIREAT n 5000000"),
            words("SELECT 2"),
            words("HSET h a 1 b 2"),
            words("SADD small 1 2 3"),
            words("ZADD z 1.5 a -inf b 1e300 c"),
        ];
        let mut big_list = words("RPUSH l");
        big_list.extend((0..200).map(|i| format!("item{i}")));
        commands.push(big_list);
        let mut big_set = words("SADD words");
        big_set.extend((0..150).map(|i| format!("w{i}")));
        commands.push(big_set);
        for i in 0..3000 {
            commands.push(vec!["SET".into(), format!("many{i}"), format!("{i}")]);
        }
        for format in [BaseFormat::Aof, rdb()] {
            let engine = Mutex::new(engine_with(&commands));
            let (data, _, engine) = base_of(engine, &format);
            assert_eq!(
                contents(&load(data.clone(), &format)),
                contents(&engine.lock())
            );
            if !format.is_rdb() {
                let text = String::from_utf8_lossy(&data);
                assert_eq!(text.matches("RPUSH").count(), 4, "200 items, 64 a command");
                assert!(text.contains("PEXPIREAT\r\n$1\r\nn\r\n$7\r\n5000000\r\n"));
            } else {
                assert!(data.starts_with(b"REDIS0010"));
            }
        }
    }

    #[test]
    fn an_empty_keyspace_is_an_empty_base_as_redis_writes_it() {
        let (data, len, _) = base_of(Mutex::new(engine_with(&[])), &BaseFormat::Aof);
        assert_eq!((data.len(), len), (0, 0));
        let (data, _, _) = base_of(Mutex::new(engine_with(&[])), &rdb());
        assert_eq!(contents(&load(data, &rdb())), []);
    }

    /// An engine whose every snapshot step first runs a write, as commands
    /// do between slices.
    struct Busy {
        engine: Mutex<Engine>,
        writes: Mutex<Vec<Vec<String>>>,
    }

    impl EngineAccess for Busy {
        fn with_engine(&self, f: &mut dyn FnMut(&mut Engine)) {
            let mut engine = self.engine.lock();
            if engine.snapshot_in_progress() {
                if let Some(write) = self.writes.lock().pop() {
                    run(&mut engine, &write);
                }
            }
            f(&mut engine);
        }
    }

    #[test]
    fn writes_between_slices_do_not_reach_the_base() {
        let commands: Vec<Vec<String>> = (0..5000)
            .map(|i| vec!["SET".into(), format!("k{i}"), "old".into()])
            .collect();
        for format in [BaseFormat::Aof, rdb()] {
            let engine = engine_with(&commands);
            let before = contents(&engine);
            let writes: Vec<Vec<String>> = (0..6)
                .flat_map(|i| {
                    [
                        vec!["SET".into(), format!("k{}", 4999 - i * 700), "new".into()],
                        vec!["DEL".into(), format!("k{}", i * 800)],
                        vec!["SET".into(), format!("fresh{i}"), "x".into()],
                    ]
                })
                .collect();
            let busy = Busy {
                engine: Mutex::new(engine),
                writes: Mutex::new(writes),
            };
            let sim = SimStorage::new(1);
            let file = sim.create(Path::new("/b")).unwrap();
            let begun = snapshot::begin(&busy).unwrap();
            write_base(&*file, &busy, &begun, &format, &AtomicBool::new(false)).unwrap();
            assert!(busy.writes.lock().len() < 18, "writes ran between slices");
            let data = sim.read(Path::new("/b")).unwrap();
            let loaded = contents(&load(data, &format));
            let differ = loaded.iter().zip(&before).position(|(a, b)| a != b);
            assert!(
                loaded.len() == before.len() && differ.is_none(),
                "not the moment it began: {} keys vs {}, first difference at {differ:?}",
                loaded.len(),
                before.len()
            );
            assert_ne!(
                contents(&busy.engine.lock()),
                before,
                "the engine did change"
            );
        }
    }

    /// A file whose writes fail once the snapshot has ended, after
    /// someone else (a BGSAVE) began the next snapshot in the gap.
    struct FailsAfterTheEnd {
        engine: std::sync::Arc<Mutex<Engine>>,
        path: std::path::PathBuf,
    }

    impl StorageFile for FailsAfterTheEnd {
        fn append(&self, _: &[u8]) -> Result<(), StorageError> {
            let mut engine = self.engine.lock();
            if engine.snapshot_in_progress() {
                return Ok(());
            }
            engine.begin_snapshot().expect("the next snapshot begins");
            let eio = std::io::Error::from_raw_os_error(crate::storage::errno::EIO);
            Err(StorageError::new("write", &self.path, eio))
        }
        fn sync(&self) -> Result<(), StorageError> {
            Ok(())
        }
        fn truncate(&self, _: u64) -> Result<(), StorageError> {
            Ok(())
        }
        fn path(&self) -> &Path {
            &self.path
        }
    }

    /// The RDB base's tail is written after its snapshot ended; when that
    /// write fails, the snapshot someone began meanwhile goes on (it was
    /// cancelled once, and stepped on to an early "done": a BGSAVE with
    /// keys missing).
    #[test]
    fn a_failed_tail_leaves_the_next_snapshot_alone() {
        let commands: Vec<Vec<String>> = (0..100)
            .map(|i| vec!["SET".into(), format!("key{i}"), "v".into()])
            .collect();
        let engine = std::sync::Arc::new(Mutex::new(engine_with(&commands)));
        let file = FailsAfterTheEnd {
            engine: engine.clone(),
            path: "/b".into(),
        };
        let begun = snapshot::begin(&*engine).unwrap();
        let result = write_base(&file, &*engine, &begun, &rdb(), &AtomicBool::new(false));
        assert!(matches!(result, Err(BaseError::Storage(_))), "{result:?}");
        assert!(
            engine.lock().snapshot_in_progress(),
            "the BGSAVE's snapshot was cancelled by the base that failed"
        );
    }

    #[test]
    fn cancel_stops_and_ends_the_snapshot() {
        let commands: Vec<Vec<String>> = (0..3000)
            .map(|i| vec!["SET".into(), format!("key{i}"), "v".repeat(600)])
            .collect();
        let engine = Mutex::new(engine_with(&commands));
        let sim = SimStorage::new(1);
        let file = sim.create(Path::new("/b")).unwrap();
        let begun = snapshot::begin(&engine).unwrap();
        let result = write_base(
            &*file,
            &engine,
            &begun,
            &BaseFormat::Aof,
            &AtomicBool::new(true),
        );
        assert!(matches!(result, Err(BaseError::Cancelled)));
        assert!(!engine.lock().snapshot_in_progress());
        assert!(snapshot::begin(&engine).is_ok(), "the next one can begin");
    }
}
