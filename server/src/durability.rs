//! The write path's seam to persistence (shared seams.md): credit taken
//! BEFORE the engine lock for the deltas a batch may emit, the disk-error
//! gate under the lock, and the durability wait AFTER the lock for
//! `appendfsync always`.
//!
//! `Durability` wraps the persistence crate's handle (installed once at
//! startup, after recovery; disabled until then and with `appendonly no`).
//! Every emitter of deltas takes credit first: connection batches (one
//! slot per command, at most `max_reserve()` commands per run), the `hz`
//! timer (the active expiry cycle's one delta a tick), and serving a
//! blocked client (one slot, `try_reserve` under the lock: without credit
//! the serving waits for the next batch or tick rather than the lock).
//!
//! CONFIG SET appendonly switches pipelines at run time, under the engine
//! lock (`switch_on`, `switch_off`): the engine's sink and the current
//! pipeline change together and the pipeline generation moves on. A permit
//! remembers the generation it came from; a batch whose permit is from an
//! older one re-reserves before running anything (its credit is not the
//! current queue's), and a batch that switched runs the rest of its
//! commands on a new permit. The durability wait goes to the pipeline the
//! deltas went to, not to whichever is current by then.
//!
//! Disk errors, as Redis orders them: a failed background save with
//! `stop-writes-on-bgsave-error yes` and save points configured (RDB), else
//! a failing AOF. Either refuses every write command (and PING, and an
//! EXEC holding writes) with Redis's `-MISCONF` text; reads keep working.

use crate::core::Core;
use bytes::BytesMut;
use kv_engine::command::Flags;
use kv_engine::delta::NoDeltas;
use kv_engine::{ClientState, Engine};
use parking_lot::RwLock;
use persistence::{AofDir, DurabilityError, FsyncPolicy, Misconf, PersistenceConfig};
use resp_codec::Argv;
use std::sync::OnceLock;

/// Credit for a batch's deltas, from the pipeline of one generation.
#[must_use = "a permit holds channel slots; dropping it returns them"]
pub struct DeltaPermit {
    credit: persistence::DeltaPermit,
    generation: u64,
    /// Where the deltas emitted on this permit go (None: the AOF is off).
    pipeline: Option<persistence::Durability>,
}

impl DeltaPermit {
    /// See `persistence::DeltaPermit::misconf`.
    pub fn misconf(&self) -> Option<&Misconf> {
        self.credit.misconf()
    }

    pub fn spent(&mut self, n: usize) {
        self.credit.spent(n);
    }

    pub fn remaining(&self) -> usize {
        self.credit.remaining()
    }

    /// See `persistence::DeltaPermit::release_unspent`.
    pub fn release_unspent(&mut self) {
        self.credit.release_unspent();
    }

    /// True when replies to writes emitted on this permit wait for
    /// `wait_durable` (its pipeline's `appendfsync always`, as it is now).
    pub fn waits_for_fsync(&self) -> bool {
        self.pipeline
            .as_ref()
            .is_some_and(|a| a.fsync_policy() == Some(FsyncPolicy::Always))
    }

    /// Waits until the delta `lsn`, emitted on this permit, is durable in
    /// the pipeline it went to (one switched off since answers at once
    /// once it has written and fsynced what it had).
    pub async fn wait_durable(&self, lsn: u64) -> Result<(), DurabilityError> {
        match &self.pipeline {
            Some(aof) => aof.wait_durable(lsn).await,
            None => Ok(()),
        }
    }
}

/// How the simulation puts its tap in front of a sink (`set_sink_wrap`).
#[cfg(feature = "sim")]
pub type SinkWrap =
    Box<dyn Fn(Box<dyn kv_engine::DeltaSink>) -> Box<dyn kv_engine::DeltaSink> + Send + Sync>;

/// The pipeline deltas go to now, and its generation.
#[derive(Default)]
struct Current {
    pipeline: Option<persistence::Durability>,
    generation: u64,
}

/// Persistence as the connection tasks and the timer see it.
#[derive(Default)]
pub struct Durability {
    aof: RwLock<Current>,
    /// The AOF directory, set at startup (before any client).
    dir: OnceLock<AofDir>,
    /// The simulation's delta tap: wraps every sink a switch installs.
    #[cfg(feature = "sim")]
    sink_wrap: parking_lot::Mutex<Option<SinkWrap>>,
    /// The planted bug `lock_across_await` (`sim::MUTATION`).
    #[cfg(dst_mutation = "lock_across_await")]
    pub gate: mutation::Gate,
}

/// The planted bug `lock_across_await`: a gate that lets one durability
/// wait through at a time, taken before the await and given back by hand
/// after it, so a future dropped at the await never gives it back.
#[cfg(dst_mutation = "lock_across_await")]
pub mod mutation {
    pub struct Gate(pub tokio::sync::Semaphore);

    impl Default for Gate {
        fn default() -> Gate {
            Gate(tokio::sync::Semaphore::new(1))
        }
    }
}

impl Durability {
    /// No AOF: nothing to reserve, nothing to wait for.
    pub fn disabled() -> Durability {
        Durability::default()
    }

    /// Sets the AOF directory and installs the pipeline started on it
    /// (startup, before any client; `aof` is None with `appendonly no`).
    pub fn install(&self, dir: AofDir, aof: Option<persistence::Durability>) {
        assert!(self.dir.set(dir).is_ok(), "installed once");
        let mut current = self.aof.write();
        current.pipeline = aof;
        current.generation += 1;
    }

    /// Moves on at every install and switch of the pipeline: two switches
    /// between two looks (off, then on again) show as a new generation
    /// though the config reads the same.
    pub fn generation(&self) -> u64 {
        self.aof.read().generation
    }

    /// The AOF directory (None before startup installed it).
    pub fn dir(&self) -> Option<&AofDir> {
        self.dir.get()
    }

    /// The AOF pipeline, if one runs.
    pub fn aof(&self) -> Option<persistence::Durability> {
        self.aof.read().pipeline.clone()
    }

    /// The AOF fields of INFO persistence, on or off.
    pub fn status(&self) -> persistence::PersistenceStatus {
        match (self.aof(), self.dir()) {
            (Some(aof), _) => aof.status(),
            (None, Some(dir)) => dir.status(),
            (None, None) => persistence::Durability::disabled().status(),
        }
    }

    /// The largest `n` `reserve` accepts in one call.
    pub fn max_reserve(&self) -> usize {
        self.aof
            .read()
            .pipeline
            .as_ref()
            .map_or(usize::MAX, |a| a.max_reserve())
    }

    /// Room for `n` deltas (at most `max_reserve()` are granted), BEFORE
    /// the engine lock. Cancel-safe: dropping the future holds nothing.
    /// The permit carries the AOF's MISCONF, if it is failing. Err once
    /// persistence has shut down. Check `is_current` under the lock.
    pub async fn reserve(&self, n: usize) -> Result<DeltaPermit, DurabilityError> {
        // A pipeline switched off while we waited on it refuses: the next
        // one is asked (a switch a round, so this ends).
        for _ in 0..16 {
            let (pipeline, generation) = {
                let current = self.aof.read();
                (current.pipeline.clone(), current.generation)
            };
            let credit = match &pipeline {
                Some(aof) => aof.reserve(n.min(aof.max_reserve())).await,
                None => persistence::Durability::disabled().reserve(n).await,
            };
            match credit {
                Ok(credit) => {
                    return Ok(DeltaPermit {
                        credit,
                        generation,
                        pipeline,
                    })
                }
                Err(DurabilityError::Closed) if self.aof.read().generation != generation => {}
                Err(error) => return Err(error),
            }
        }
        Err(DurabilityError::Closed)
    }

    /// Room for `n` deltas if it is there now, without waiting: for
    /// deltas emitted under the engine lock by work no batch reserved for
    /// (serving blocked clients), which must not wait there. Under the
    /// engine lock, so always of the current generation.
    pub fn try_reserve(&self, n: usize) -> Option<DeltaPermit> {
        let current = self.aof.read();
        let credit = match &current.pipeline {
            Some(aof) => aof.try_reserve(n),
            None => persistence::Durability::disabled().try_reserve(n),
        }?;
        Some(DeltaPermit {
            credit,
            generation: current.generation,
            pipeline: current.pipeline.clone(),
        })
    }

    /// Under the engine lock: deltas emitted on `permit` now go where its
    /// credit is. False after a switch: drop it and reserve again.
    pub fn is_current(&self, permit: &DeltaPermit) -> bool {
        self.aof.read().generation == permit.generation
    }

    /// Waits until every delta up to `lsn` of the current pipeline is as
    /// durable as the fsync policy promises; Err when the AOF failed
    /// before covering it.
    pub async fn wait_durable(&self, lsn: u64) -> Result<(), DurabilityError> {
        let aof = self.aof();
        match aof {
            Some(aof) => aof.wait_durable(lsn).await,
            None => Ok(()),
        }
    }

    /// True when replies to writes must wait for `wait_durable`.
    pub fn waits_for_fsync(&self) -> bool {
        self.aof
            .read()
            .pipeline
            .as_ref()
            .is_some_and(|a| a.fsync_policy() == Some(FsyncPolicy::Always))
    }

    /// CONFIG SET appendonly yes, under the engine lock: a new pipeline
    /// (its first base written in the background, as Redis's rewrite),
    /// the engine's sink pointed at it, the generation moved on. No-op
    /// when on already (or before startup installed the directory).
    pub fn switch_on(&self, engine: &mut Engine, config: &PersistenceConfig) {
        let Some(dir) = self.dir() else {
            return;
        };
        let mut current = self.aof.write();
        if current.pipeline.is_some() {
            return;
        }
        let aof = dir.enable(config, engine.next_lsn() - 1);
        engine.set_delta_sink(self.wrap(aof.delta_sink()));
        current.pipeline = Some(aof);
        current.generation += 1;
    }

    /// CONFIG SET appendonly no, under the engine lock: the engine's sink
    /// discards from the next delta on, the generation moves on, and the
    /// old pipeline is returned, to be stopped (`persistence::Durability::
    /// stop`) off the lock: it writes and fsyncs what it has first.
    pub fn switch_off(&self, engine: &mut Engine) -> Option<persistence::Durability> {
        let mut current = self.aof.write();
        let old = current.pipeline.take()?;
        engine.set_delta_sink(self.wrap(Box::new(NoDeltas)));
        current.generation += 1;
        if let Some(dir) = self.dir() {
            dir.disabled();
        }
        Some(old)
    }

    /// The simulation's tap goes in front of every sink a switch installs
    /// (the one installed at startup it wraps itself).
    #[cfg(feature = "sim")]
    pub fn set_sink_wrap(&self, wrap: SinkWrap) {
        *self.sink_wrap.lock() = Some(wrap);
    }

    fn wrap(&self, sink: Box<dyn kv_engine::DeltaSink>) -> Box<dyn kv_engine::DeltaSink> {
        #[cfg(feature = "sim")]
        if let Some(wrap) = &*self.sink_wrap.lock() {
            return wrap(sink);
        }
        sink
    }

    /// CONFIG SET appendfsync: the running pipeline's policy, live.
    pub fn set_fsync(&self, policy: FsyncPolicy) {
        if let Some(aof) = self.aof() {
            aof.set_fsync(policy);
        }
    }

    /// Stops the AOF pipeline in order (drain, write, fsync); see
    /// `persistence::Durability::shutdown`, then waits for whatever still
    /// writes the AOF directory (a pipeline switched off, BGREWRITEAOF
    /// with the AOF off). Call once no command runs.
    pub async fn shutdown(&self) -> Result<(), DurabilityError> {
        let aof = self.aof();
        let result = match aof {
            Some(aof) => aof.shutdown().await,
            None => Ok(()),
        };
        if let Some(dir) = self.dir() {
            dir.shutdown(std::time::Duration::from_secs(60)).await;
        }
        result
    }
}

/// Applies the CONFIG SET appendonly the command just run asked for, if
/// any, under the engine lock (see `HostState::aof_switch`). A pipeline
/// switched off is stopped on the server's tracker: it writes and fsyncs
/// what it was given first.
pub fn apply_switch(core: &mut Core, shared: &crate::shared::Shared) {
    let Some(on) = core.host.aof_switch.take() else {
        return;
    };
    let old = if on {
        let config = crate::disk::persistence_config(&core.host.config);
        shared.durability.switch_on(&mut core.engine, &config);
        None
    } else {
        shared.durability.switch_off(&mut core.engine)
    };
    let Some(old) = old else {
        // No pipeline stops: no rewrite waits for one.
        core.host.aof_rewrite_after_off = false;
        return;
    };
    // Made now, so a switch on before it runs supersedes it.
    let rewrite = match shared.durability.dir() {
        Some(dir) if core.host.aof_rewrite_after_off => {
            let config = crate::disk::persistence_config(&core.host.config);
            Some(dir.rewrite_offline(&config))
        }
        _ => None,
    };
    let shared = shared.me();
    shared.tracker.clone().spawn(async move {
        if let Err(error) = old.stop().await {
            tracing::warn!("Stopping the AOF: {error}");
        }
        let Some(rewrite) = rewrite else {
            return;
        };
        let started = tokio::select! {
            started = rewrite => Some(started),
            () = shared.shutdown.cancelled() => None,
        };
        // Under way (INFO shows it in progress) or failed: no longer
        // scheduled.
        shared.core.lock().host.aof_rewrite_after_off = false;
        if let Some(Err(error)) = started {
            tracing::warn!("BGREWRITEAOF scheduled in EXEC: {error}");
        }
    });
}

/// Why write commands are refused now, if they are: the RDB error first,
/// as Redis checks it first, then the AOF's (from the batch's permit).
pub fn disk_error(core: &Core, aof: Option<&Misconf>) -> Option<Misconf> {
    if core.host.disk.rdb_refuses_writes() {
        return Some(Misconf::Rdb);
    }
    aof.cloned()
}

/// The disk-error gate for one command: true (with the reply written) when
/// `argv` must be refused. Redis refuses write commands, PING, and an EXEC
/// whose queue holds a write (the transaction is then discarded); a write
/// queued in MULTI is refused and marks the transaction failed.
pub fn refuse_on_disk_error(
    core: &Core,
    client: &mut ClientState,
    argv: Argv<'_>,
    out: &mut BytesMut,
    misconf: &Misconf,
) -> bool {
    let lookup = |name: &[u8]| crate::connection::batch::lookup(core, name);
    // (Wrong arities never get here: `batch::refused_at_lookup`.)
    let Some(spec) = lookup(argv.arg(0)) else {
        return false;
    };
    let is_write = |flags: Flags| flags.contains(Flags::WRITE);
    let text = misconf.to_string();
    if spec.name == "exec" {
        let queued_write = client.multi.as_ref().is_some_and(|queued| {
            queued
                .iter()
                .any(|argv| lookup(&argv[0]).is_some_and(|s| is_write(s.flags)))
        });
        if !queued_write {
            return false;
        }
        crate::connection::batch::refuse_at_gate(client, out, spec.name, &text);
        return true;
    }
    if !is_write(spec.flags) && spec.name != "ping" {
        return false;
    }
    crate::connection::batch::refuse_at_gate(client, out, spec.name, &text);
    true
}
