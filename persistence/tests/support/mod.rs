//! Shared helpers for persistence's integration tests: engines, commands,
//! keyspace dumps to compare, and files written as Redis would.

#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use kv_engine::harness::SharedDeltas;
use kv_engine::{ClientState, Engine, EngineConfig, ManualClock, NoHost, Outcome};
use persistence::aof::encode::write_command;
use persistence::Storage;
use resp_codec::{Protocol, ReplyWriter};
use std::path::Path;
use std::sync::Arc;

pub const NOW_MS: i64 = 1_700_000_000_000;

/// An engine with a manual clock and a sink the test can read.
pub fn new_engine() -> (Engine, SharedDeltas, Arc<ManualClock>) {
    let deltas = SharedDeltas::default();
    let clock = ManualClock::new(NOW_MS);
    let engine = Engine::new(
        EngineConfig::default(),
        clock.clone(),
        Box::new(deltas.clone()),
    );
    (engine, deltas, clock)
}

/// Runs one command given as words; returns its reply and outcome.
pub fn run(engine: &mut Engine, client: &mut ClientState, words: &[&[u8]]) -> (Vec<u8>, Outcome) {
    let argv: Vec<Bytes> = words.iter().map(|w| Bytes::copy_from_slice(w)).collect();
    let mut buf = BytesMut::new();
    let mut out = ReplyWriter::new(&mut buf, Protocol::Resp2);
    let outcome = engine.execute(client, &argv, &mut out, &mut NoHost);
    (buf.to_vec(), outcome)
}

/// Runs space-separated commands on a fresh client.
pub fn run_all(engine: &mut Engine, commands: &[&str]) {
    let mut client = ClientState::new(1);
    for c in commands {
        let words: Vec<&[u8]> = c.split(' ').map(str::as_bytes).collect();
        run(engine, &mut client, &words);
    }
}

pub use kv_engine::harness::{content, Content};

/// Every key of every database with its content and expiry, sorted.
pub fn dump(engine: &Engine) -> Vec<(usize, Vec<u8>, Content, Option<i64>)> {
    let mut all = Vec::new();
    for db in 0..engine.databases() {
        for (key, value, expire) in engine.db(db).iter() {
            all.push((db, key.to_vec(), content(value), expire));
        }
    }
    all.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    all
}

/// RESP bytes of space-separated commands.
pub fn aof_bytes(commands: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in commands {
        let argv: Vec<&str> = c.split(' ').collect();
        write_command(&mut out, &argv);
    }
    out
}

/// Writes a file durably (file and directory fsynced).
pub fn put(storage: &dyn Storage, path: &Path, bytes: &[u8]) {
    storage.create_dir_all(path.parent().unwrap()).unwrap();
    persistence::storage::write_file(storage, path, bytes).unwrap();
    storage.sync_dir(path.parent().unwrap()).unwrap();
}

/// An engine behind a lock with persistence attached, driven the way the
/// server drives it: credit before the lock, durability after.
pub struct Node {
    pub engine: Arc<parking_lot::Mutex<Engine>>,
    pub durability: persistence::Durability,
    pub clock: Arc<ManualClock>,
    pub report: persistence::RecoveryReport,
    /// (argv, LSN) of every command that emitted a delta, in LSN order.
    pub executed: parking_lot::Mutex<Vec<(Vec<Vec<u8>>, u64)>>,
}

/// How a write ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// Acknowledged (for `always`: durable) with this LSN, if it changed anything.
    Ok(Vec<u8>, Option<u64>),
    /// Not run: persistence refused it.
    Refused(persistence::DurabilityError),
    /// Run (in memory, with this LSN) but not confirmed durable: the
    /// client gets the error.
    Unconfirmed(u64, persistence::DurabilityError),
}

impl Written {
    /// The LSN of the delta it emitted, if it ran and changed something.
    pub fn lsn(&self) -> Option<u64> {
        match self {
            Written::Ok(_, lsn) => *lsn,
            Written::Refused(_) => None,
            Written::Unconfirmed(lsn, _) => Some(*lsn),
        }
    }

    /// The error the client sees, if any.
    pub fn error(&self) -> Option<String> {
        match self {
            Written::Ok(..) => None,
            Written::Refused(e) | Written::Unconfirmed(_, e) => Some(e.to_string()),
        }
    }
}

impl Node {
    /// Recovers from `storage` and starts persistence on it.
    pub async fn start(
        config: &persistence::PersistenceConfig,
        storage: Arc<dyn Storage>,
        options: persistence::DurabilityOptions,
        now_ms: i64,
    ) -> Node {
        let clock = ManualClock::new(now_ms);
        let mut engine = Engine::new(
            EngineConfig::default(),
            clock.clone(),
            Box::new(kv_engine::delta::NoDeltas),
        );
        let report = persistence::recover(config, &*storage, &mut engine).expect("recovery");
        let durable_lsn = engine.next_lsn() - 1;
        let engine = Arc::new(parking_lot::Mutex::new(engine));
        let durability =
            persistence::Durability::start(config, storage, engine.clone(), durable_lsn, options)
                .await
                .expect("persistence starts");
        engine.lock().set_delta_sink(durability.delta_sink());
        Node {
            engine,
            durability,
            clock,
            report,
            executed: parking_lot::Mutex::new(Vec::new()),
        }
    }

    /// One write as the server does it; `always` waits for its fsync.
    pub async fn write(&self, client: &mut ClientState, words: &[&[u8]]) -> Written {
        let mut permit = match self.durability.reserve(1).await {
            Ok(permit) => permit,
            Err(e) => return Written::Refused(e),
        };
        if let Some(misconf) = permit.misconf() {
            return Written::Refused(misconf.clone().into());
        }
        let (reply, outcome) = {
            let mut engine = self.engine.lock();
            let (reply, outcome) = run(&mut engine, client, words);
            if let Some(lsn) = outcome.lsn {
                let argv = words.iter().map(|w| w.to_vec()).collect();
                self.executed.lock().push((argv, lsn));
            }
            (reply, outcome)
        };
        if outcome.lsn.is_some() {
            permit.spent(1);
        }
        drop(permit);
        if let Some(lsn) = outcome.lsn {
            if self.durability.fsync_policy() == Some(persistence::FsyncPolicy::Always) {
                if let Err(e) = self.durability.wait_durable(lsn).await {
                    return Written::Unconfirmed(lsn, e);
                }
            }
        }
        Written::Ok(reply, outcome.lsn)
    }

    /// A read: credit too (it may expire a key), never refused for MISCONF.
    pub async fn read(&self, client: &mut ClientState, words: &[&[u8]]) -> Vec<u8> {
        let mut permit = self.durability.reserve(1).await.expect("credit");
        let (reply, outcome) = run(&mut self.engine.lock(), client, words);
        if outcome.lsn.is_some() {
            permit.spent(1);
        }
        reply
    }

    pub fn dump(&self) -> Vec<(usize, Vec<u8>, Content, Option<i64>)> {
        dump(&self.engine.lock())
    }
}

/// Words of a command line.
pub fn words(line: &str) -> Vec<&[u8]> {
    line.split(' ').map(str::as_bytes).collect()
}

/// `appendonly yes` in `/data` on the simulated disk.
pub fn sim_config(policy: persistence::FsyncPolicy) -> persistence::PersistenceConfig {
    persistence::PersistenceConfig {
        dir: std::path::PathBuf::from("/data"),
        appendonly: true,
        appendfsync: policy,
        ..persistence::PersistenceConfig::default()
    }
}

/// Directories where the bases of the next recoveries in `aof_dir` would
/// go (sequence numbers 2 to `last`): none of them can be created, as a
/// directory that takes no file refuses them.
pub fn block_bases(sim: &persistence::storage::sim::SimStorage, aof_dir: &str, last: u64) {
    use persistence::Storage;
    for seq in 2..=last {
        let base = std::path::Path::new(aof_dir).join(format!("appendonly.aof.{seq}.base.rdb"));
        sim.create_dir_all(&base).unwrap();
    }
}

/// A simulated disk with `/data`.
pub fn sim_disk(seed: u64) -> persistence::storage::sim::SimStorage {
    let sim = persistence::storage::sim::SimStorage::new(seed);
    sim.create_dir_all(Path::new("/data")).unwrap();
    sim
}

/// A node on `sim` (recovering what is there) with these options.
pub async fn start_with(
    sim: &persistence::storage::sim::SimStorage,
    policy: persistence::FsyncPolicy,
    options: persistence::DurabilityOptions,
) -> Node {
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    Node::start(&sim_config(policy), storage, options, NOW_MS).await
}

/// A node on `sim` with the default options.
pub async fn start_on(
    sim: &persistence::storage::sim::SimStorage,
    policy: persistence::FsyncPolicy,
) -> Node {
    start_with(sim, policy, persistence::DurabilityOptions::default()).await
}

impl Node {
    /// One active expiry cycle as the server's timer runs it: credit first.
    pub async fn expire_cycle(&self) {
        let mut permit = self.durability.reserve(1).await.expect("credit");
        let mut engine = self.engine.lock();
        let before = engine.next_lsn();
        engine.active_expire_cycle(kv_engine::expiry_cycle::ExpiryBudget::per_tick(10));
        if engine.next_lsn() > before {
            permit.spent(1);
        }
    }
}

/// A node on `sim` with this configuration.
pub async fn start_config(
    sim: &persistence::storage::sim::SimStorage,
    config: &persistence::PersistenceConfig,
    now_ms: i64,
) -> Node {
    let storage: Arc<dyn Storage> = Arc::new(sim.clone());
    Node::start(
        config,
        storage,
        persistence::DurabilityOptions::default(),
        now_ms,
    )
    .await
}
