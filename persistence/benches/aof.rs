//! AOF benchmarks on the real disk (under target/tmp, not a tmpfs):
//! - `group_commit/<policy>`: 50 clients writing SETs the way the server
//!   does (credit, engine lock, execute, `wait_durable` for always) through
//!   the real delta queue and AOF actor; throughput in deltas/s, and the
//!   fsyncs/s and deltas per fsync printed after each policy.
//! - `load/1M keys/<form>`: `recover` of an appendonlydir of 1M keys, as
//!   commands (an incremental file) and as an RDB base; the same files are
//!   then loaded by redis-server, when installed, and its own "DB loaded"
//!   time printed next to ours.
//!
//! `cargo bench -p persistence --bench aof` (or `cargo xtask bench --criterion`).

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kv_engine::{ClientState, Engine, EngineConfig, ManualClock, NoHost};
use parking_lot::Mutex;
use persistence::aof::encode::write_command;
use persistence::storage::wrapped::WrappedReal;
use persistence::storage::{Storage, StorageError, StorageFile};
use persistence::{Durability, DurabilityOptions, FsyncPolicy, PersistenceConfig, RealStorage};
use resp_codec::{Protocol, ReplyWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: u64 = 50;

/// Writes per run: enough for a few hundred fsyncs with `always`, and
/// with the others enough to see what the pipeline sustains.
fn writes(policy: FsyncPolicy) -> u64 {
    match policy {
        FsyncPolicy::Always => 10_000,
        _ => 200_000,
    }
}
const LOAD_KEYS: u64 = 1_000_000;

fn scratch_dir(tag: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = root.join(format!(
        "bench-{tag}-{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A file of the real disk, counting fsyncs.
struct CountingFile {
    file: Arc<dyn StorageFile>,
    fsyncs: Arc<AtomicU64>,
}

impl StorageFile for CountingFile {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.file.append(bytes)
    }
    fn sync(&self) -> Result<(), StorageError> {
        self.fsyncs.fetch_add(1, Ordering::Relaxed);
        self.file.sync()
    }
    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        self.file.truncate(len)
    }
    fn path(&self) -> &Path {
        self.file.path()
    }
}

fn engine() -> Engine {
    Engine::new(
        EngineConfig::default(),
        ManualClock::new(1_700_000_000_000),
        Box::new(kv_engine::delta::NoDeltas),
    )
}

/// One client's writes, as the server runs them.
async fn client(engine: Arc<Mutex<Engine>>, durability: Durability, id: u64, writes: u64) {
    let mut state = ClientState::new(id);
    let mut reply = BytesMut::new();
    let always = durability.fsync_policy() == Some(FsyncPolicy::Always);
    for i in 0..writes {
        let argv = [
            Bytes::from_static(b"SET"),
            Bytes::from(format!("key:{id}:{i}")),
            Bytes::from_static(b"value-of-some-thirty-two-bytes!!"),
        ];
        let mut permit = durability.reserve(1).await.unwrap();
        let lsn = {
            let mut engine = engine.lock();
            reply.clear();
            let mut out = ReplyWriter::new(&mut reply, Protocol::Resp2);
            engine.execute(&mut state, &argv, &mut out, &mut NoHost).lsn
        };
        permit.spent(usize::from(lsn.is_some()));
        drop(permit);
        if let (true, Some(lsn)) = (always, lsn) {
            durability.wait_durable(lsn).await.unwrap();
        }
    }
}

/// Starts persistence on a fresh directory and runs the writers; returns
/// the time the writes took and the fsyncs they caused.
async fn run_writers(policy: FsyncPolicy) -> (Duration, u64) {
    let dir = scratch_dir(policy.name());
    let config = PersistenceConfig {
        dir: dir.clone(),
        appendonly: true,
        appendfsync: policy,
        ..PersistenceConfig::default()
    };
    let fsyncs = Arc::new(AtomicU64::new(0));
    let counted = fsyncs.clone();
    let storage: Arc<dyn Storage> = Arc::new(WrappedReal::new(move |file| {
        let fsyncs = counted.clone();
        Arc::new(CountingFile { file, fsyncs }) as Arc<dyn StorageFile>
    }));
    let engine = Arc::new(Mutex::new(engine()));
    let options = DurabilityOptions::default();
    let durability = Durability::start(&config, storage, engine.clone(), 0, options)
        .await
        .unwrap();
    engine.lock().set_delta_sink(durability.delta_sink());
    let before = fsyncs.load(Ordering::Relaxed);
    let start = Instant::now();
    let writers: Vec<_> = (0..CLIENTS)
        .map(|id| {
            tokio::spawn(client(
                engine.clone(),
                durability.clone(),
                id,
                writes(policy) / CLIENTS,
            ))
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let elapsed = start.elapsed();
    let used = fsyncs.load(Ordering::Relaxed) - before;
    durability.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (elapsed, used)
}

fn group_commit(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("group_commit");
    group.sample_size(10);
    for policy in [FsyncPolicy::Always, FsyncPolicy::EverySec, FsyncPolicy::No] {
        group.throughput(Throughput::Elements(writes(policy)));
        let (mut time, mut fsyncs, mut runs) = (Duration::ZERO, 0u64, 0u64);
        group.bench_function(policy.name(), |b| {
            b.iter_custom(|iters| {
                let mut took = Duration::ZERO;
                for _ in 0..iters {
                    let (elapsed, used) = runtime.block_on(run_writers(policy));
                    took += elapsed;
                    time += elapsed;
                    fsyncs += used;
                    runs += 1;
                }
                took
            })
        });
        let secs = time.as_secs_f64().max(1e-9);
        let deltas = (runs * writes(policy)) as f64;
        eprintln!(
            "group_commit/{}: {:.0} deltas/s, {:.0} fsyncs/s, {:.1} deltas per fsync ({runs} runs)",
            policy.name(),
            deltas / secs,
            fsyncs as f64 / secs,
            deltas / fsyncs.max(1) as f64,
        );
    }
    group.finish();
}

/// An appendonlydir of LOAD_KEYS string keys: as SET commands in the
/// incremental file (empty base), or as an RDB base (empty incr).
fn load_fixture(rdb_base: bool) -> PathBuf {
    let dir = scratch_dir(if rdb_base { "load-rdb" } else { "load-aof" });
    let aof = dir.join("appendonlydir");
    std::fs::create_dir_all(&aof).unwrap();
    let (base, incr) = if rdb_base {
        let mut engine = engine();
        for i in 0..LOAD_KEYS {
            let value = kv_engine::value::Value::Str(kv_engine::value::StrValue::from_bytes(
                format!("value:{i}").as_bytes(),
            ));
            engine.restore_entry(0, format!("key:{i}").as_bytes(), value, None);
        }
        let options = persistence::rdb::SaveOptions {
            aof_base: true,
            ..Default::default()
        };
        let (bytes, _) = persistence::rdb::save(&engine, Vec::new(), options).unwrap();
        (bytes, Vec::new())
    } else {
        let mut incr = Vec::new();
        write_command(&mut incr, &["SELECT", "0"]);
        for i in 0..LOAD_KEYS {
            let (key, value) = (format!("key:{i}"), format!("value:{i}"));
            write_command(&mut incr, &["SET", key.as_str(), value.as_str()]);
        }
        (Vec::new(), incr)
    };
    let ext = if rdb_base { "rdb" } else { "aof" };
    std::fs::write(aof.join(format!("appendonly.aof.1.base.{ext}")), base).unwrap();
    std::fs::write(aof.join("appendonly.aof.1.incr.aof"), incr).unwrap();
    let manifest = format!(
        "file appendonly.aof.1.base.{ext} seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    std::fs::write(aof.join("appendonly.aof.manifest"), manifest).unwrap();
    dir
}

/// redis-server's own load time of `dir`, from its log, if installed.
fn redis_load_secs(dir: &Path) -> Option<f64> {
    let server = Path::new("/usr/bin/redis-server");
    if !server.exists() {
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let log = dir.join("redis.log");
    let mut child = std::process::Command::new(server)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "yes", "--daemonize", "no"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(&log)
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut secs = None;
    while Instant::now() < deadline && secs.is_none() {
        std::thread::sleep(Duration::from_millis(50));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        secs = text
            .lines()
            .find_map(|l| l.split("DB loaded from append only file: ").nth(1))
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<f64>().ok());
    }
    let _ = child.kill();
    let _ = child.wait();
    secs
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LOAD_KEYS));
    for rdb_base in [false, true] {
        let dir = load_fixture(rdb_base);
        let form = if rdb_base { "rdb-base" } else { "commands" };
        let config = PersistenceConfig {
            dir: dir.clone(),
            appendonly: true,
            ..PersistenceConfig::default()
        };
        let mut ours = Duration::ZERO;
        let mut runs = 0u32;
        group.bench_function(format!("1M keys/{form}"), |b| {
            b.iter_custom(|iters| {
                let mut took = Duration::ZERO;
                for _ in 0..iters {
                    let mut engine = engine();
                    let start = Instant::now();
                    let report = persistence::recover(&config, &RealStorage, &mut engine).unwrap();
                    took += start.elapsed();
                    assert_eq!(report.keys as u64, LOAD_KEYS);
                    drop(engine);
                }
                ours += took;
                runs += iters as u32;
                took
            })
        });
        let mean = ours.as_secs_f64() / f64::from(runs.max(1));
        match redis_load_secs(&dir) {
            Some(redis) => eprintln!(
                "load/1M keys/{form}: ours {mean:.3} s, redis-server {redis:.3} s (ours/redis {:.2})",
                mean / redis.max(1e-9)
            ),
            None => eprintln!("load/1M keys/{form}: ours {mean:.3} s (no redis-server to compare)"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    group.finish();
}

criterion_group!(benches, group_commit, load);
criterion_main!(benches);
