//! `Shared`: what every task of one server holds (through an `Arc`): the
//! engine lock, the clock, persistence (the durability pipeline and the
//! storage saves go through), the shutdown token and task tracker, and
//! the few counters read without the lock.

use crate::clock::ServerClock;
use crate::config::Config;
use crate::core::{Core, HostState, ShutdownRequest};
use crate::durability::Durability;
use kv_engine::Engine;
use parking_lot::Mutex;
use persistence::Storage;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub struct Shared {
    pub core: Mutex<Core>,
    pub clock: Arc<ServerClock>,
    /// The AOF pipeline (disabled until startup installs it).
    pub durability: Durability,
    /// Where saves and the AOF write (the real disk in production).
    pub storage: Arc<dyn Storage>,
    /// This `Shared` itself, for tasks a host command spawns.
    me: Weak<Shared>,
    /// Cancelled when the server begins to shut down; every listener and
    /// connection token is a child of it.
    pub shutdown: CancellationToken,
    /// Why it shuts down (SHUTDOWN's options), set before cancelling.
    pub shutdown_request: Mutex<Option<ShutdownRequest>>,
    pub tracker: TaskTracker,
    pub started: std::time::Instant,
    pub started_unix_secs: i64,
    pub run_id: String,
    pub next_client_id: AtomicU64,
    /// Connected clients, for maxclients before any lock is taken.
    pub connected: AtomicU64,
    /// MONITOR clients; zero means no command needs formatting for them.
    pub monitors: AtomicUsize,
    /// Woken when a CLIENT PAUSE ends early (CLIENT UNPAUSE).
    pub unpaused: Notify,
    /// The TCP port actually listened on (INFO tcp_port).
    pub tcp_port: AtomicU64,
    /// Stops the TCP accept loops (CONFIG SET port/bind replaces them).
    pub tcp_accept: parking_lot::Mutex<Vec<crate::listener::TcpAccept>>,
    pub executable: PathBuf,
    /// Seed of the engine's hash (kept so CONFIG SET can rebuild its config).
    pub seed: u64,
    /// Keys of flushed keyspaces waiting to be freed / freed so far.
    pub lazyfree_pending: Arc<AtomicU64>,
    pub lazyfreed: Arc<AtomicU64>,
    /// Keeps the runtime polling between -P 1 requests (`connection::spin`).
    pub spin: crate::connection::spin::Spin,
}

impl Shared {
    /// A server's state on the real disk, persistence not started.
    pub fn new(config: Config, clock: Arc<ServerClock>, seed: u64) -> Arc<Shared> {
        Shared::with_storage(config, clock, Arc::new(persistence::RealStorage), seed)
    }

    pub fn with_storage(
        config: Config,
        clock: Arc<ServerClock>,
        storage: Arc<dyn Storage>,
        seed: u64,
    ) -> Arc<Shared> {
        let settings = config.settings(seed);
        let engine = Engine::new(
            settings.engine.clone(),
            clock.clone(),
            Box::new(kv_engine::delta::NoDeltas),
        );
        let now = clock.now_secs();
        let host = HostState::new(config, settings, now);
        Arc::new_cyclic(|me| Shared {
            core: Mutex::new(Core { engine, host }),
            clock,
            durability: Durability::disabled(),
            storage,
            me: me.clone(),
            shutdown: CancellationToken::new(),
            shutdown_request: Mutex::new(None),
            tracker: TaskTracker::new(),
            started: std::time::Instant::now(),
            started_unix_secs: now,
            run_id: random_hex(40, seed),
            next_client_id: AtomicU64::new(1),
            connected: AtomicU64::new(0),
            monitors: AtomicUsize::new(0),
            unpaused: Notify::new(),
            tcp_port: AtomicU64::new(0),
            tcp_accept: parking_lot::Mutex::new(Vec::new()),
            executable: std::env::current_exe().unwrap_or_default(),
            seed,
            lazyfree_pending: Arc::new(AtomicU64::new(0)),
            lazyfreed: Arc::new(AtomicU64::new(0)),
            spin: Default::default(),
        })
    }

    /// An owning handle to this server (for a task to keep).
    pub fn me(&self) -> Arc<Shared> {
        self.me.upgrade().expect("a Shared in use is alive")
    }

    pub fn next_client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Asks the server to stop (SHUTDOWN, a signal): stop accepting,
    /// finish in-flight commands, close clients.
    pub fn request_shutdown(&self, request: ShutdownRequest) {
        self.shutdown_request.lock().get_or_insert(request);
        self.shutdown.cancel();
    }
}

/// A seed from the OS's per-process hash randomness (no extra dependency).
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(std::process::id() as u64);
    hasher.finish()
}

/// `len` hex digits derived from `seed` (run_id, replid).
pub fn random_hex(len: usize, seed: u64) -> String {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed ^ 0x05ee_d1d5);
    (0..len)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}
