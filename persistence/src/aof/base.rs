//! Writing an AOF base file in AOF (RESP) form from a snapshot, as Redis's
//! rewrite does without the RDB preamble: per database a SELECT, per key
//! the commands that rebuild it (SET, RPUSH, SADD, ZADD, HMSET, at most 64
//! items a command) and a PEXPIREAT for a key with a TTL.

use super::encode::write_command;
use crate::snapshot::{Snapshot, SnapshotEntry};
use crate::storage::{StorageError, StorageFile};
use bytes::Bytes;
use kv_engine::value::Value;
use std::sync::atomic::{AtomicBool, Ordering};

/// Items per rebuilding command (Redis's AOF_REWRITE_ITEMS_PER_CMD).
pub const ITEMS_PER_COMMAND: usize = 64;
/// Bytes buffered before an append.
const CHUNK_BYTES: usize = 1 << 20;

/// Why writing a base stopped.
#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("base file writing cancelled")]
    Cancelled,
}

/// Writes `snapshot` into `file` (fresh, empty) and fsyncs it; returns the
/// bytes written. Checks `cancel` between chunks (shutdown).
pub fn write_base(
    file: &dyn StorageFile,
    snapshot: &Snapshot,
    cancel: &AtomicBool,
) -> Result<u64, BaseError> {
    let mut buf = Vec::with_capacity(CHUNK_BYTES + 4096);
    let mut total = 0u64;
    for (db, entries) in snapshot.dbs.iter().enumerate() {
        if entries.is_empty() {
            continue;
        }
        write_command(&mut buf, &[b"SELECT".as_slice(), db.to_string().as_bytes()]);
        for entry in entries {
            rebuild(entry, &mut buf);
            if buf.len() >= CHUNK_BYTES {
                if cancel.load(Ordering::Relaxed) {
                    return Err(BaseError::Cancelled);
                }
                file.append(&buf)?;
                total += buf.len() as u64;
                buf.clear();
            }
        }
    }
    if !buf.is_empty() {
        file.append(&buf)?;
        total += buf.len() as u64;
    }
    file.sync()?;
    Ok(total)
}

/// The commands that rebuild one key.
pub fn rebuild(entry: &SnapshotEntry, out: &mut Vec<u8>) {
    let key = entry.key.as_ref();
    match &entry.value {
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
    if let Some(at) = entry.expire_at_ms {
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
    use crate::snapshot::capture;
    use crate::storage::sim::SimStorage;
    use crate::storage::Storage;
    use bytes::BytesMut;
    use kv_engine::{ClientState, Engine, EngineConfig, ManualClock, NoHost};
    use resp_codec::{Protocol, ReplyWriter};
    use std::path::Path;

    fn engine_with(commands: &[Vec<String>]) -> Engine {
        let mut engine = Engine::new(
            EngineConfig::default(),
            ManualClock::new(1_000),
            Box::new(kv_engine::delta::NoDeltas),
        );
        let mut client = ClientState::new(1);
        for argv in commands {
            let argv: Vec<Bytes> = argv.iter().map(|a| Bytes::from(a.clone())).collect();
            let mut buf = BytesMut::new();
            let mut out = ReplyWriter::new(&mut buf, Protocol::Resp2);
            engine.execute(&mut client, &argv, &mut out, &mut NoHost);
            assert!(!buf.starts_with(b"-"), "{argv:?}: {buf:?}");
        }
        engine
    }

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn a_base_replays_into_the_same_keyspace() {
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
        let engine = engine_with(&commands);
        let snapshot = capture(&engine);
        assert_eq!(snapshot.keys(), 7);

        let sim = SimStorage::new(1);
        let path = Path::new("/base.aof");
        let file = sim.create(path).unwrap();
        let len = write_base(&*file, &snapshot, &AtomicBool::new(false)).unwrap();
        sim.sync_dir(Path::new("/")).unwrap();
        assert_eq!(
            sim.durable_contents(path).unwrap().len() as u64,
            len,
            "fsynced"
        );

        let mut fresh = engine_with(&[]);
        let data = Bytes::from(sim.read(path).unwrap());
        let replayed = replay(&mut fresh, data.clone(), 0).unwrap();
        assert_eq!(replayed.truncated_at, None);
        let mut again = capture(&fresh);
        let mut original = snapshot;
        for s in [&mut again, &mut original] {
            s.lsn = 0;
            for db in &mut s.dbs {
                db.sort_by(|a, b| a.key.cmp(&b.key));
            }
        }
        assert_eq!(again, original);
        let text = String::from_utf8_lossy(&data);
        assert_eq!(text.matches("RPUSH").count(), 4, "200 items, 64 a command");
        assert!(text.contains("PEXPIREAT\r\n$1\r\nn\r\n$7\r\n5000000\r\n"));
    }

    #[test]
    fn an_empty_keyspace_is_an_empty_base_as_redis_writes_it() {
        let sim = SimStorage::new(1);
        let file = sim.create(Path::new("/b")).unwrap();
        let engine = engine_with(&[]);
        let len = write_base(&*file, &capture(&engine), &AtomicBool::new(false)).unwrap();
        assert_eq!(len, 0);
    }

    #[test]
    fn cancel_stops_between_chunks() {
        let mut commands = Vec::new();
        for i in 0..3000 {
            commands.push(vec!["SET".into(), format!("key{i}"), "v".repeat(600)]);
        }
        let engine = engine_with(&commands);
        let sim = SimStorage::new(1);
        let file = sim.create(Path::new("/b")).unwrap();
        let result = write_base(&*file, &capture(&engine), &AtomicBool::new(true));
        assert!(matches!(result, Err(BaseError::Cancelled)));
    }
}
