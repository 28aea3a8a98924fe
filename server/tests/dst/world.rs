//! The driver of one seeded run.
//!
//! A run is a storm (a few hundred steps of clients sending pipelined
//! units, reading some replies, time passing, faults firing) and then a
//! calm (`calm.rs`). Each server process lives on its own single-threaded
//! runtime with paused time; a crash drops that runtime (kill -9), the
//! simulated disk loses what was not fsynced, and the next process starts
//! from the files, which must hold what the model held after some prefix
//! of the executed writes (`recovery.rs`).
//!
//! After every step: the deltas the tap saw go through the ledger into
//! the model, and the server's keyspace must equal the model's, key for
//! key, value for value, expiry for expiry.

#[path = "calm.rs"]
mod calm;
#[path = "recovery.rs"]
mod recovery;

use crate::cancel::{Dice, TaskEnd};
use crate::client::{Awaited, Read, SimClient};
use crate::faults::{Fault, FaultConfig, FaultCounts};
use crate::ledger::{Ledger, TaskState};
use crate::model::{entries, Entry, Model};
use crate::node::Node;
use crate::sched::Scheduler;
use crate::setup::{self, Setup};
use crate::trace::{show, Trace};
use crate::workload::{Unit, Workload};
use persistence::storage::sim::SimStorage;
use persistence::Storage;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use recovery::{DumpOrigin, Expect};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The wall clock when a run starts (2023-11-14), whatever the host's.
const START_WALL_US: i64 = 1_700_000_000_000_000;
/// Processes that may fail to start in a row (disk faults while opening
/// the AOF) before that is a failure.
const MAX_START_FAILURES: u32 = 50;

/// What a run reports when it passes.
#[derive(Clone, Debug)]
pub struct Report {
    pub seed: u64,
    pub faults: FaultConfig,
    pub setup: String,
    pub trace_hash: u64,
    pub events: u64,
    pub steps: usize,
    pub units: usize,
    pub executed: usize,
    pub processes: u32,
    /// Run-time switches of appendonly or appendfsync seen.
    pub switches: u32,
    pub fired: FaultCounts,
}

/// A failed run: enough to replay and to read what happened.
#[derive(Debug)]
pub struct Failure {
    pub seed: u64,
    pub faults: FaultConfig,
    pub setup: String,
    pub step: usize,
    pub message: String,
    pub trace_tail: String,
    pub trace_hash: u64,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "DST seed {} FAILED at step {}: {}",
            self.seed, self.step, self.message
        )?;
        writeln!(f, "  faults: DST_FAULTS={}", self.faults)?;
        writeln!(f, "  setup: {}", self.setup)?;
        let flags = server::sim::MUTATION
            .map(|name| format!("RUSTFLAGS='--cfg dst_mutation=\"{name}\"' "))
            .unwrap_or_default();
        writeln!(
            f,
            "  replay: {flags}cargo xtask dst --seed {}   ({flags}DST_SEED={} DST_TRACE=1 cargo test -p server --test dst for every event)",
            self.seed, self.seed
        )?;
        writeln!(f, "  trace hash {:016x}; last events:", self.trace_hash)?;
        f.write_str(&self.trace_tail)
    }
}

/// How one server process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The storm and the calm passed and the server shut down.
    Done,
    /// The process is gone (a crash, or an exit after its persistence
    /// closed); the next one starts from the files.
    Restart { power_lost: bool },
}

struct Tasks(HashMap<usize, Arc<TaskEnd>>);

impl TaskState for Tasks {
    fn task_ended_before(&self, client: usize, seq: u64) -> bool {
        self.0.get(&client).is_some_and(|t| t.ended_before(seq))
    }
}

pub struct World {
    seed: u64,
    faults: FaultConfig,
    setup: Setup,
    rng: SmallRng,
    workload: Workload,
    ledger: Ledger,
    model: Option<Model>,
    trace: Trace,
    fired: FaultCounts,
    clients: Vec<SimClient>,
    tasks: Tasks,
    /// Runs the connection tasks of the process running now.
    sched: Scheduler,
    next_client: usize,
    max_clients: usize,
    step: usize,
    storm_steps: usize,
    processes: u32,
    start_failures: u32,
    wall_us: i64,
    /// Simulated milliseconds of the processes before this one.
    elapsed_before_ms: u64,
    started: Option<tokio::time::Instant>,
    /// The machine's disk, and the handle of the process running now.
    disk: SimStorage,
    handle: SimStorage,
    /// What the next process must recover.
    expect: Option<Expect>,
    /// The disk's fault counters at the last step (to trace new ones).
    disk_injected: [u64; 5],
    /// The step at which a process whose persistence closed exits.
    exit_at: Option<usize>,
    /// The run's final check is over: stop after this process.
    last_process: bool,
    /// Steps of the model's history that reached the platter (found by a
    /// start after a power loss): no later crash may lose them.
    durable_floor: usize,
    /// Units from this one on were queued after the last switch of
    /// appendonly or appendfsync the world saw (`follow_switches`): only
    /// they can run under a promise made since.
    promise_from: usize,
    /// When the last switch was seen (simulated ms since the run began).
    switched_at_ms: Option<u64>,
    switches: u32,
    /// The running process's pipeline generation at the last check (None
    /// until its first): a switch off and on again between two checks
    /// leaves the config as it was, but not what was promised meanwhile.
    generation_seen: Option<u64>,
    /// The AOF was switched on and has no base of its own yet (as of the
    /// last check): a crash now leaves the directory's older files.
    first_base_pending: bool,
    /// Which lineage the dump.rdb on disk was written on.
    dump: DumpOrigin,
    /// Successful RDB saves of the process running now, as of the last
    /// check (`rdb_saves`).
    saves_seen: u64,
}

thread_local! {
    /// Panics on this thread (server tasks run here): a panic anywhere in
    /// the server fails the run, even one tokio catches.
    static PANICS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.borrow_mut().push(info.to_string()));
            default(info);
        }));
    });
}

impl World {
    pub fn new(seed: u64, faults: FaultConfig, steps: Option<usize>) -> World {
        let mut rng = SmallRng::seed_from_u64(seed);
        let workload = Workload::new(&mut rng);
        let setup = Setup::from_rng(&mut rng);
        let storm_steps = steps.unwrap_or_else(|| rng.gen_range(150..=500));
        let max_clients = rng.gen_range(1..=5);
        let disk = SimStorage::new(rng.gen());
        disk.create_dir_all(Path::new("/data"))
            .expect("a fresh simulated disk");
        disk.set_slow_latency(setup.slow_disk);
        World {
            seed,
            faults,
            setup,
            rng,
            workload,
            ledger: Ledger::default(),
            model: None,
            trace: Trace::default(),
            fired: FaultCounts::default(),
            clients: Vec::new(),
            tasks: Tasks(HashMap::new()),
            sched: Scheduler::new(0, Dice::new(0, 0.0)),
            next_client: 1,
            max_clients,
            step: 0,
            storm_steps,
            processes: 0,
            start_failures: 0,
            wall_us: START_WALL_US,
            elapsed_before_ms: 0,
            started: None,
            handle: disk.clone(),
            disk,
            expect: None,
            disk_injected: [0; 5],
            exit_at: None,
            last_process: false,
            durable_floor: 0,
            promise_from: 0,
            switched_at_ms: None,
            switches: 0,
            generation_seen: None,
            first_base_pending: false,
            dump: DumpOrigin::Lineage,
            saves_seen: 0,
        }
    }

    /// Runs the whole seed.
    pub fn run(mut self) -> Result<Report, Box<Failure>> {
        install_panic_hook();
        PANICS.with(|p| p.borrow_mut().clear());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.processes()))
            .unwrap_or_else(|panic| {
                let text = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("panic: {text}"))
            });
        let disk = self.disk.stats();
        for fault in Fault::ALL {
            if let Some(point) = fault.disk() {
                self.fired.0[fault as usize] += disk.injected(point);
            }
        }
        match result {
            Ok(()) => Ok(Report {
                seed: self.seed,
                faults: self.faults.clone(),
                setup: self.setup.to_string(),
                trace_hash: self.trace.hash(),
                events: self.trace.len(),
                steps: self.step,
                units: self.ledger.records.len(),
                executed: self
                    .ledger
                    .records
                    .iter()
                    .filter(|r| r.executed.is_some())
                    .count(),
                processes: self.processes,
                switches: self.switches,
                fired: self.fired.clone(),
            }),
            Err(message) => Err(Box::new(Failure {
                seed: self.seed,
                faults: self.faults.clone(),
                setup: self.setup.to_string(),
                step: self.step,
                message,
                trace_tail: self.trace.tail(),
                trace_hash: self.trace.hash(),
            })),
        }
    }

    /// One server process after another, until the run is done.
    fn processes(&mut self) -> Result<(), String> {
        self.trace.event(format!("setup: {}", self.setup));
        self.set_disk_faults(true);
        loop {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .map_err(|e| format!("runtime: {e}"))?;
            let end = runtime.block_on(self.process())?;
            // kill -9: every task of the process is dropped where it stands.
            drop(runtime);
            self.clients.clear();
            match end {
                End::Done => return Ok(()),
                End::Restart { power_lost: true } => {
                    let mode = setup::crash_mode(&mut self.rng);
                    self.trace.event(format!("CRASH: power lost ({mode:?})"));
                    self.handle = self.disk.crash(mode);
                }
                End::Restart { power_lost: false } => {
                    // The process exited; the OS keeps its page cache.
                    self.handle = self.disk.reboot();
                }
            }
        }
    }

    async fn process(&mut self) -> Result<End, String> {
        self.processes += 1;
        self.started = Some(tokio::time::Instant::now());
        let dice = Dice::new(self.rng.gen(), self.faults.get(Fault::TaskCancel));
        self.sched = Scheduler::new(self.rng.gen(), dice);
        self.exit_at = None;
        self.saves_seen = 0;
        let fsync_errors = self.fsync_errors();
        let storage: Arc<dyn Storage> = Arc::new(self.handle.clone());
        let started = Node::start(
            &self.setup.config_text(),
            self.seed,
            self.wall_us,
            storage,
            self.setup.delta_capacity,
        )
        .await;
        let node = match started {
            Ok(node) => node,
            Err(error) => {
                self.trace_disk_faults();
                self.start_failures += 1;
                self.trace.event(format!(
                    "process {} does not start: {error}",
                    self.processes
                ));
                if self.start_failures > MAX_START_FAILURES {
                    return Err(format!(
                        "the server failed to start {} times in a row; last: {error}; the disk: {}",
                        self.start_failures,
                        self.disk_listing()
                    ));
                }
                self.elapsed_before_ms = self.sim_ms();
                let end = self.after_fsync_error(End::Restart { power_lost: false }, fsync_errors);
                if let (Some(expect), End::Restart { power_lost: true }) = (&mut self.expect, end) {
                    expect.after_power_loss = true;
                }
                return Ok(end);
            }
        };
        self.start_failures = 0;
        self.generation_seen = None;
        self.trace.event(format!(
            "process {} starts at wall {} ms",
            self.processes,
            node.now_ms()
        ));
        match self.expect.take() {
            Some(expect) => self.check_recovery(&node, expect)?,
            None => {
                let config = node.shared.core.lock().engine.config().clone();
                self.model = Some(Model::new(config, node.now_ms()));
            }
        }
        let end = if self.last_process {
            self.check(&node)?;
            End::Done
        } else {
            let end = self.storm(&node).await?;
            if end == End::Done && self.exit_at.take().is_some() {
                // Its persistence closed: the calm belongs to the next one.
                let end = self.after_fsync_error(End::Restart { power_lost: false }, fsync_errors);
                self.expect =
                    Some(self.expect_after_crash(end == End::Restart { power_lost: true }));
                end
            } else if end == End::Done {
                self.calm(&node).await?;
                // A clean shutdown keeps everything: the next start must
                // find the whole model.
                self.expect = Some(self.expect_after_shutdown());
                self.last_process = true;
                End::Restart { power_lost: false }
            } else {
                let end = self.after_fsync_error(end, fsync_errors);
                if let End::Restart { power_lost } = end {
                    self.expect = Some(self.expect_after_crash(power_lost));
                }
                end
            }
        };
        let late = node.tap.take();
        if let Some(first) = late.first() {
            return Err(format!(
                "harness: delta {} came after the process's last check",
                first.delta.lsn
            ));
        }
        self.wall_us = node.clock.now_us();
        self.elapsed_before_ms = self.sim_ms();
        // The process ends here: its connections go with it.
        let sched = std::mem::replace(&mut self.sched, Scheduler::new(0, Dice::new(0, 0.0)));
        self.fired.0[Fault::TaskCancel as usize] += sched.dice.fired;
        drop(sched);
        Ok(end)
    }

    fn fsync_errors(&self) -> u64 {
        self.disk
            .stats()
            .injected(persistence::storage::sim::Fault::FsyncError)
    }

    /// A process that saw an fsync fail and then merely exits leaves the
    /// next one a page cache that reads fine over blocks that never reached
    /// the disk (Linux drops the failed pages' dirty bit): it appends to
    /// that file, its own fsyncs succeed, and a later power loss finds the
    /// AOF unreadable. Neither Redis nor this server can tell; the report
    /// of the `DST_FSYNCGATE=1` runs describes it. By default such an exit
    /// is a power loss instead, so the runs test everything else.
    fn after_fsync_error(&mut self, end: End, fsync_errors_before: u64) -> End {
        let quiet_exit = end == End::Restart { power_lost: false };
        if quiet_exit
            && self.fsync_errors() > fsync_errors_before
            && std::env::var_os("DST_FSYNCGATE").is_none()
        {
            self.trace.event(
                "an exit after a failed fsync: taken as a power loss (DST_FSYNCGATE)".into(),
            );
            return End::Restart { power_lost: true };
        }
        end
    }

    fn sim_ms(&self) -> u64 {
        self.elapsed_before_ms + self.started.map_or(0, |s| s.elapsed().as_millis() as u64)
    }

    fn fire(&mut self, fault: Fault) -> bool {
        let p = self.faults.get(fault);
        if p > 0.0 && self.rng.gen_bool(p) {
            self.fired.note(fault);
            true
        } else {
            false
        }
    }

    /// Disk faults that fired since the last look, into the trace.
    fn trace_disk_faults(&mut self) {
        let injected = self.disk.stats().injected;
        for point in persistence::storage::sim::Fault::ALL {
            let i = point as usize;
            if injected[i] > self.disk_injected[i] {
                self.trace.event(format!(
                    "{} x{}",
                    point.name(),
                    injected[i] - self.disk_injected[i]
                ));
            }
        }
        self.disk_injected = injected;
    }

    /// The data directory as the next process would read it (for
    /// failures); with `DST_DUMP=DIR` also copied there whole.
    pub(crate) fn disk_listing(&self) -> String {
        let dump = std::env::var_os("DST_DUMP").map(std::path::PathBuf::from);
        let mut out = Vec::new();
        for dir in ["/data", "/data/appendonlydir"] {
            let Ok(names) = self.handle.list_dir(Path::new(dir)) else {
                continue;
            };
            for name in names {
                let path = Path::new(dir).join(&name);
                match self.handle.read(&path) {
                    Ok(bytes) => {
                        if let Some(dir) = &dump {
                            let _ = std::fs::create_dir_all(dir);
                            let _ = std::fs::write(dir.join(&name), &bytes);
                        }
                        out.push(format!(
                            "{} ({} bytes): {}",
                            path.display(),
                            bytes.len(),
                            show(&bytes)
                        ))
                    }
                    Err(_) => out.push(format!("{}/", path.display())),
                }
            }
        }
        out.join(" | ")
    }

    /// The disk faults of the configuration, on or off.
    fn set_disk_faults(&self, on: bool) {
        if !on {
            self.disk.clear_faults();
            return;
        }
        for fault in Fault::ALL {
            if let Some(point) = fault.disk() {
                self.disk.set_probability(point, self.faults.get(fault));
            }
        }
    }

    // ----- the storm -----

    async fn storm(&mut self, node: &Node) -> Result<End, String> {
        while self.step < self.storm_steps {
            self.step += 1;
            self.check(node)?;
            if self.exit_at == Some(self.step) {
                self.exit_at = None;
                self.trace
                    .event("the process exits (its persistence has closed)".into());
                return Ok(End::Restart { power_lost: false });
            }
            if self.fire(Fault::Crash) {
                return Ok(End::Restart { power_lost: true });
            }
            if self.fire(Fault::ChannelClose) {
                self.close_channel(node);
            }
            if self.fire(Fault::ClockJump) {
                let delta_ms: i64 = if self.rng.gen_bool(0.6) {
                    self.rng.gen_range(1_000..30_000)
                } else {
                    -self.rng.gen_range(1_000..10_000)
                };
                node.clock.jump(delta_ms * 1000);
                self.trace.event(format!("CLOCK_JUMP {delta_ms:+} ms"));
            }
            if self.fire(Fault::ClientDisconnect) {
                self.disconnect_one();
            }
            if self.fire(Fault::TaskCancel) {
                self.cancel_parked();
            }
            match self.rng.gen_range(0..100) {
                0..35 => self.send(node),
                35..45 => self.flush_one(),
                45..70 => {
                    let i = self.rng.gen_range(0..self.clients.len().max(1));
                    self.read_client(node, i)?;
                }
                70..95 => self.pass_time().await,
                _ => self.connect(node),
            }
            self.sched.run_until(tokio::task::yield_now()).await;
            self.reap();
        }
        self.check(node)?;
        Ok(End::Done)
    }

    /// TASK_CANCEL on a connection parked at an await (`Scheduler::
    /// cancel_parked`).
    fn cancel_parked(&mut self) {
        let pick = self.rng.gen();
        if let Some(end) = self.sched.cancel_parked(pick) {
            let name = self
                .tasks
                .0
                .iter()
                .find(|(_, e)| Arc::ptr_eq(e, &end))
                .map(|(name, _)| *name);
            self.trace.event(format!(
                "TASK_CANCEL c{} (parked)",
                name.unwrap_or(usize::MAX)
            ));
        }
    }

    /// CHANNEL_CLOSE: the persistence pipeline shuts down under the
    /// running connections (its channels close, the writer stops); the
    /// process goes on without it for a while, then exits.
    fn close_channel(&mut self, node: &Node) {
        let Some(aof) = node.aof() else {
            return;
        };
        if self.exit_at.is_some() {
            return;
        }
        self.trace
            .event("CHANNEL_CLOSE: persistence shuts down".into());
        tokio::spawn(async move {
            let _ = aof.shutdown().await;
        });
        self.exit_at = Some(self.step + self.rng.gen_range(5..40));
    }

    /// The per-step invariants: no panic, every delta explained, the
    /// keyspace equal to the model's.
    fn check(&mut self, node: &Node) -> Result<(), String> {
        if let Some(panic) = PANICS.with(|p| p.borrow().first().cloned()) {
            return Err(format!("a task panicked: {panic}"));
        }
        self.follow_switches(node)?;
        self.trace_disk_faults();
        let tapped = node.tap.take();
        let model = self.model.as_mut().expect("a model");
        self.ledger
            .absorb(tapped, model, &self.tasks, &mut self.trace)?;
        let server = {
            let core = node.shared.core.lock();
            let host = &core.host;
            if host.disk.saves > self.saves_seen {
                // A save completed: dump.rdb now holds a state of this lineage.
                self.saves_seen = host.disk.saves;
                self.dump = DumpOrigin::Lineage;
            }
            let orphan = (host
                .waiters
                .client_ids()
                .map(|id| (id, "blocked-client waiter")))
            .chain(
                host.pubsub
                    .client_ids()
                    .map(|id| (id, "pub/sub subscriber")),
            )
            .find(|(id, _)| host.clients.get(*id).is_none());
            if let Some((id, what)) = orphan {
                return Err(format!(
                    "a {what} outlived its connection: client id={id} is no longer in the client list"
                ));
            }
            entries(&core.engine)
        };
        let ours = entries(model.engine());
        if server != ours {
            return Err(format!(
                "the keyspace differs from the model's: {}",
                diff(&describe(&server), &describe(&ours))
            ));
        }
        Ok(())
    }

    /// What CONFIG SET appendonly/appendfsync changed at run time becomes
    /// the setup: the next process starts with it (as after a CONFIG
    /// REWRITE), and what a crash may lose follows it. Promises start over
    /// at a switch: only units queued after it was seen are certain to
    /// have run under the new mode. Switching the AOF on or off changes
    /// where a restart reads the data, so what an earlier one found on
    /// the platter no longer binds it.
    fn follow_switches(&mut self, node: &Node) -> Result<(), String> {
        let (appendonly, fsync) = {
            let core = node.shared.core.lock();
            let config = server::disk::persistence_config(&core.host.config);
            (config.appendonly, config.appendfsync)
        };
        let running = node.aof().is_some();
        self.first_base_pending = node.aof().is_some_and(|a| a.first_base_pending());
        if running != appendonly {
            return Err(format!(
                "CONFIG says appendonly {} but the AOF pipeline is {}",
                if appendonly { "yes" } else { "no" },
                if running { "running" } else { "off" }
            ));
        }
        let generation = node.shared.durability.generation();
        let pipeline_changed = self.generation_seen.is_some_and(|seen| seen != generation);
        self.generation_seen = Some(generation);
        if !pipeline_changed && appendonly == self.setup.appendonly && fsync == self.setup.fsync {
            return Ok(());
        }
        if pipeline_changed || appendonly != self.setup.appendonly {
            self.durable_floor = 0;
        }
        self.setup.appendonly = appendonly;
        self.setup.fsync = fsync;
        self.promise_from = self.ledger.records.len();
        self.switched_at_ms = Some(self.sim_ms());
        self.switches += 1;
        self.trace.event(format!(
            "switched: appendonly {}, appendfsync {} (promises from u{})",
            if appendonly { "yes" } else { "no" },
            fsync.name(),
            self.promise_from
        ));
        Ok(())
    }

    fn connect(&mut self, node: &Node) {
        let subscriber = self.rng.gen_bool(0.15);
        self.connect_as(node, subscriber);
    }

    /// A new client, if there is room; a subscriber listens from the start.
    fn connect_as(&mut self, node: &Node, subscriber: bool) {
        if self.clients.len() >= self.max_clients {
            return;
        }
        let name = self.next_client;
        self.next_client += 1;
        let pipe = 1usize << self.rng.gen_range(6..=16);
        let (stream, future, end) = node.connect(name, pipe);
        self.sched.spawn(future, end.clone());
        self.tasks.0.insert(name, end.clone());
        self.clients.push(SimClient::new(name, stream, end));
        self.trace
            .event(format!("c{name} connects (pipe {pipe} bytes)"));
        if subscriber {
            let i = self.clients.len() - 1;
            self.queue(i, crate::workload::subscribe());
            self.clients[i].subscriber = true;
            self.clients[i].flush(usize::MAX);
        }
    }

    /// Some units from one client, written whole or in part.
    fn send(&mut self, node: &Node) {
        if self.clients.iter().all(|c| c.subscriber) {
            self.connect(node);
        }
        let talkers: Vec<usize> = (0..self.clients.len())
            .filter(|&i| !self.clients[i].subscriber)
            .collect();
        if talkers.is_empty() {
            return;
        }
        let i = talkers[self.rng.gen_range(0..talkers.len())];
        let n = self.rng.gen_range(1..=4);
        for _ in 0..n {
            let unit = self.workload.unit(&mut self.rng);
            self.queue(i, unit);
        }
        let pending = self.clients[i].unsent.len();
        let limit = if self.rng.gen_bool(0.7) {
            usize::MAX
        } else {
            self.rng.gen_range(1..=pending)
        };
        let sent = self.clients[i].flush(limit);
        let name = self.clients[i].name;
        self.trace
            .event(format!("c{name} sends {sent} of {pending} bytes"));
    }

    fn queue(&mut self, i: usize, unit: Unit) -> usize {
        let client = &mut self.clients[i];
        let text = unit.describe();
        let commands = unit.commands.clone();
        let replies = unit.replies();
        let id = self.ledger.add(client.name, unit);
        for argv in &commands {
            client.queue(argv);
        }
        for index in 0..replies {
            client.await_reply(Awaited { unit: id, index });
        }
        self.trace
            .event(format!("c{} queues u{id}: {text}", client.name));
        id
    }

    fn flush_one(&mut self) {
        if self.clients.is_empty() {
            return;
        }
        let i = self.rng.gen_range(0..self.clients.len());
        let sent = self.clients[i].flush(usize::MAX);
        if sent > 0 {
            let name = self.clients[i].name;
            self.trace.event(format!("c{name} sends {sent} more bytes"));
        }
    }

    /// Reads what client `i` has been sent; every reply goes to the
    /// ledger (after the deltas, so each unit's fate is known).
    fn read_client(&mut self, node: &Node, i: usize) -> Result<(), String> {
        if i >= self.clients.len() {
            return Ok(());
        }
        self.check(node)?;
        let now = self.sim_ms();
        let Read {
            replies,
            messages,
            closed,
        } = self.clients[i].read()?;
        let name = self.clients[i].name;
        for (channel, payload) in messages {
            self.trace.event(format!(
                "c{name} hears {} on {}",
                show(&payload),
                show(&channel)
            ));
            self.ledger.on_message(name, &channel, &payload)?;
        }
        for (awaited, bytes) in replies {
            self.trace.event(format!(
                "c{name} <- u{}[{}] {}",
                awaited.unit,
                awaited.index,
                show(&bytes)
            ));
            self.ledger
                .on_reply(awaited.unit, awaited.index, &bytes, now)?;
        }
        if let Some(partial) = closed {
            let client = &self.clients[i];
            let cancelled = client.task.cancelled();
            self.trace.event(format!(
                "c{name} closed by the server{} ({} replies never came{})",
                if cancelled { " (task cancelled)" } else { "" },
                client.awaited.len(),
                if partial > 0 {
                    format!(", {partial} bytes of one did")
                } else {
                    String::new()
                }
            ));
            if partial > 0 && !cancelled {
                return Err(format!(
                    "c{name}: the server closed the connection in the middle of a reply"
                ));
            }
        }
        Ok(())
    }

    /// CLIENT_DISCONNECT: a client vanishes mid-frame or mid-reply.
    fn disconnect_one(&mut self) {
        if self.clients.is_empty() {
            return;
        }
        let i = self.rng.gen_range(0..self.clients.len());
        if self.rng.gen_bool(0.5) && !self.clients[i].subscriber {
            // Mid-frame: part of one more unit, then gone.
            let unit = self.workload.unit(&mut self.rng);
            let before = self.clients[i].unsent.len();
            self.queue(i, unit);
            let frame = self.clients[i].unsent.len() - before;
            let cut = before + self.rng.gen_range(1..frame.max(2));
            self.clients[i].flush(cut);
        }
        let client = &mut self.clients[i];
        self.trace.event(format!(
            "CLIENT_DISCONNECT c{} ({} unsent bytes, {} replies unread)",
            client.name,
            client.unsent.len(),
            client.awaited.len()
        ));
        client.hang_up();
    }

    /// Lets the server run: a few scheduler rounds, or time passing.
    async fn pass_time(&mut self) {
        let roll = self.rng.gen_range(0..100);
        if roll < 40 {
            let n = self.rng.gen_range(1..=8);
            for _ in 0..n {
                self.sched.run_until(tokio::task::yield_now()).await;
            }
            return;
        }
        let ms = match roll {
            40..80 => self.rng.gen_range(1..50),
            80..95 => self.rng.gen_range(50..1000),
            _ => self.rng.gen_range(1000..5000),
        };
        self.trace.event(format!("{ms} ms pass"));
        self.sched
            .run_until(tokio::time::sleep(Duration::from_millis(ms)))
            .await;
    }

    /// Forgets clients that are gone (hung up, or closed by the server).
    fn reap(&mut self) {
        self.clients.retain(|c| c.is_connected());
    }
}

/// Keys with their value's content and expiry, as text.
fn describe(entries: &[Entry]) -> Vec<(usize, bytes::Bytes, String)> {
    entries
        .iter()
        .map(|(db, key, value, expire)| {
            (
                *db,
                key.clone(),
                format!("{:?} expire {expire:?}", kv_engine::harness::content(value)),
            )
        })
        .collect()
}

/// A value's text cut to a line's worth (a failure stays short).
fn clip(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...({} chars)", &text[..at], text.len()),
        None => text.to_string(),
    }
}

/// The first few keys where two keyspaces differ.
fn diff(a: &[(usize, bytes::Bytes, String)], b: &[(usize, bytes::Bytes, String)]) -> String {
    let mut keys: Vec<(usize, &bytes::Bytes)> =
        a.iter().chain(b).map(|(db, key, _)| (*db, key)).collect();
    keys.sort();
    keys.dedup();
    let find = |all: &[(usize, bytes::Bytes, String)], db: usize, key: &bytes::Bytes| {
        all.iter()
            .find(|(d, k, _)| *d == db && k == key)
            .map(|(_, _, text)| text.clone())
    };
    let mut out = Vec::new();
    for (db, key) in keys {
        let (x, y) = (find(a, db, key), find(b, db, key));
        if x != y {
            out.push(format!(
                "[db{db}] {}: {} / {}",
                String::from_utf8_lossy(key),
                clip(x.as_deref().unwrap_or("absent")),
                clip(y.as_deref().unwrap_or("absent"))
            ));
        }
        if out.len() == 4 {
            break;
        }
    }
    if out.is_empty() {
        "same content, different encodings or internal order".into()
    } else {
        out.join("; ")
    }
}
