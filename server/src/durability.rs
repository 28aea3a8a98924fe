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
//! Disk errors, as Redis orders them: a failed background save with
//! `stop-writes-on-bgsave-error yes` and save points configured (RDB), else
//! a failing AOF. Either refuses every write command (and PING, and an
//! EXEC holding writes) with Redis's `-MISCONF` text; reads keep working.

use crate::core::Core;
use bytes::{Bytes, BytesMut};
use kv_engine::command::Flags;
use kv_engine::ClientState;
use parking_lot::RwLock;
use persistence::{DurabilityError, FsyncPolicy, Misconf};
use resp_codec::ReplyWriter;

pub use persistence::DeltaPermit;

/// Persistence as the connection tasks and the timer see it.
#[derive(Default)]
pub struct Durability {
    aof: RwLock<Option<persistence::Durability>>,
}

impl Durability {
    /// No AOF: nothing to reserve, nothing to wait for.
    pub fn disabled() -> Durability {
        Durability::default()
    }

    /// Installs the started AOF pipeline (startup, before any client).
    pub fn install(&self, aof: persistence::Durability) {
        *self.aof.write() = Some(aof);
    }

    /// The AOF pipeline, if one runs.
    pub fn aof(&self) -> Option<persistence::Durability> {
        self.aof.read().clone()
    }

    /// The largest `n` `reserve` accepts in one call.
    pub fn max_reserve(&self) -> usize {
        self.aof
            .read()
            .as_ref()
            .map_or(usize::MAX, |a| a.max_reserve())
    }

    /// Room for `n` deltas (at most `max_reserve()`), BEFORE the engine
    /// lock. Cancel-safe: dropping the future holds nothing. The permit
    /// carries the AOF's MISCONF, if it is failing. Err once persistence
    /// has shut down.
    pub async fn reserve(&self, n: usize) -> Result<DeltaPermit, DurabilityError> {
        let aof = self.aof();
        match aof {
            Some(aof) => aof.reserve(n.min(aof.max_reserve())).await,
            None => persistence::Durability::disabled().reserve(n).await,
        }
    }

    /// Room for `n` deltas if it is there now, without waiting: for
    /// deltas emitted under the engine lock by work no batch reserved for
    /// (serving blocked clients), which must not wait there.
    pub fn try_reserve(&self, n: usize) -> Option<DeltaPermit> {
        match self.aof() {
            Some(aof) => aof.try_reserve(n),
            None => persistence::Durability::disabled().try_reserve(n),
        }
    }

    /// Waits until every delta up to `lsn` is as durable as the fsync
    /// policy promises; Err when the AOF failed before covering it.
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
            .as_ref()
            .is_some_and(|a| a.fsync_policy() == Some(FsyncPolicy::Always))
    }

    /// Stops the AOF pipeline in order (drain, write, fsync); see
    /// `persistence::Durability::shutdown`. Call once no command runs.
    pub async fn shutdown(&self) -> Result<(), DurabilityError> {
        let aof = self.aof();
        match aof {
            Some(aof) => aof.shutdown().await,
            None => Ok(()),
        }
    }
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
    argv: &[Bytes],
    out: &mut BytesMut,
    misconf: &Misconf,
) -> bool {
    let lookup = |name: &[u8]| crate::connection::batch::lookup(core, name);
    let Some(spec) = lookup(&argv[0]) else {
        return false;
    };
    if !spec.arity_ok(argv.len()) {
        return false;
    }
    let is_write = |flags: Flags| flags.contains(Flags::WRITE);
    let text = misconf.to_string();
    let mut writer = ReplyWriter::new(out, client.protocol);
    if spec.name == "exec" {
        let queued_write = client.multi.as_ref().is_some_and(|queued| {
            queued
                .iter()
                .any(|argv| lookup(&argv[0]).is_some_and(|s| is_write(s.flags)))
        });
        if !queued_write {
            return false;
        }
        writer.error(format!("EXECABORT Transaction discarded because of: {text}").as_bytes());
        client.multi = None;
        client.multi_failed = false;
        return true;
    }
    if !is_write(spec.flags) && spec.name != "ping" {
        return false;
    }
    writer.error(text.as_bytes());
    if client.in_multi() {
        client.multi_failed = true;
    }
    true
}
