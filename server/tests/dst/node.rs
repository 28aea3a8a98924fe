//! One simulated server process: started by `server::sim::start` on the
//! simulated disk (the files loaded, the real AOF actor and bridge, the
//! real timer task), real connection futures over duplex pipes (run by
//! the scheduler, `sched.rs`), a simulated wall clock, and the delta tap.
//! It lives on the current runtime; a crash drops the runtime and
//! everything on it, as kill -9 would.

use crate::cancel::TaskEnd;
use crate::model::{entries, Entry};
use crate::tap::{self, Events, TapLog};
use persistence::Storage;
use server::clock::ServerClock;
use server::config::{load, Config};
use server::connection::{self, Peer};
use server::shared::Shared;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::io::DuplexStream;

pub struct Node {
    pub shared: Arc<Shared>,
    pub clock: Arc<ServerClock>,
    pub tap: TapLog,
    pub events: Events,
    /// The keyspace as the start loaded it, taken with the tap's
    /// installation, before any task of the server ran: the timer's first
    /// expiry cycle deletes keys already expired, and those deletions are
    /// steps of the model's history (the tap sees them), not part of what
    /// was on disk. Once the clock steps back a key they deleted can be
    /// alive again in a shorter prefix, so the difference shows.
    pub loaded: Vec<Entry>,
    /// Tasks alive on the runtime once started, before any client.
    pub baseline_tasks: usize,
    /// Tasks on the server's tracker then.
    pub baseline_tracked: usize,
    /// The AOF ran then (its writer is one of the baseline's tasks; CONFIG
    /// SET appendonly adds or removes it).
    pub baseline_aof: bool,
}

impl Node {
    /// Starts a server from `config_text` (redis.conf lines) on `storage`
    /// with its wall clock at `wall_us`. Call inside the simulation's
    /// runtime. Err is the server refusing to start (as it would exit).
    pub async fn start(
        config_text: &str,
        seed: u64,
        wall_us: i64,
        storage: Arc<dyn Storage>,
        delta_capacity: Option<usize>,
    ) -> Result<Node, String> {
        let mut config = Config::defaults();
        load::load_text(&mut config, config_text).expect("the simulation's config");
        let clock = Arc::new(ServerClock::simulated(wall_us));
        let mut options = persistence::DurabilityOptions::default();
        if let Some(slots) = delta_capacity {
            options.delta_capacity = slots;
        }
        let shared = server::sim::start_with(config, clock.clone(), seed, storage, options)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let events = Events::default();
        let (tap, loaded) = {
            let mut core = shared.core.lock();
            let tap = tap::install(
                &mut core.engine,
                &shared.durability,
                clock.clone(),
                events.clone(),
            );
            (tap, entries(&core.engine))
        };
        tokio::task::yield_now().await;
        let baseline_tasks = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        let baseline_tracked = shared.tracker.len();
        let baseline_aof = shared.durability.aof().is_some();
        Ok(Node {
            shared,
            clock,
            tap,
            events,
            loaded,
            baseline_tasks,
            baseline_tracked,
            baseline_aof,
        })
    }

    /// The AOF pipeline, when `appendonly yes`.
    pub fn aof(&self) -> Option<persistence::Durability> {
        self.shared.durability.aof()
    }

    /// Why writes are refused now, if they are (the RDB's or the AOF's
    /// MISCONF).
    pub fn misconf(&self) -> Option<String> {
        let core = self.shared.core.lock();
        let aof = self.aof().and_then(|a| a.misconf());
        server::durability::disk_error(&core, aof.as_ref()).map(|m| m.to_string())
    }

    /// A client connection: the real connection task's future (counted
    /// for maxclients as the listener does), for the scheduler to run.
    pub fn connect(
        &self,
        name: usize,
        pipe_bytes: usize,
    ) -> (
        DuplexStream,
        impl std::future::Future<Output = ()> + Send + 'static,
        Arc<TaskEnd>,
    ) {
        let (ours, theirs) = tokio::io::duplex(pipe_bytes);
        let peer = Peer {
            addr: addr(name),
            laddr: "127.0.0.1:6379".into(),
            fd: -1,
            local: true,
        };
        self.shared.connected.fetch_add(1, Ordering::Relaxed);
        let serve = connection::serve(theirs, peer, self.shared.clone());
        (ours, serve, Arc::new(TaskEnd::new(self.events.clone())))
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_us() / 1000
    }
}

/// The peer address client `name` connects from.
pub fn addr(name: usize) -> String {
    format!("127.0.0.1:{}", 10_000 + name)
}
