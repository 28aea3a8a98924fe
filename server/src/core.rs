//! `Core`: everything behind the one engine lock: the engine and the host
//! state its host commands read and change (config, statistics, slow log,
//! latency monitor, client registry, pub/sub registry, waiters, pause
//! state).
//!
//! One lock, held for a whole pipelined batch and never across an
//! `.await` (invariant 2), so a command sees the host state and the
//! keyspace at one instant, as in single-threaded Redis.

use crate::blocking::Waiters;
use crate::client::ClientRegistry;
use crate::config::{Config, Settings};
use crate::disk::DiskState;
use crate::host::HostTable;
use crate::latency::LatencyMonitor;
use crate::pubsub::PubSub;
use crate::slowlog::SlowLog;
use crate::stats::ServerStats;
use kv_engine::Engine;

pub struct Core {
    pub engine: Engine,
    pub host: HostState,
}

/// CLIENT PAUSE in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    pub until_ms: i64,
    /// Only writes wait (`WRITE`); else every command (`ALL`).
    pub writes_only: bool,
}

/// How SHUTDOWN (or a signal) asked the server to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ShutdownRequest {
    pub save: Option<bool>,
    pub now: bool,
    pub force: bool,
}

pub struct HostState {
    pub config: Config,
    pub settings: Settings,
    /// Bumped by every CONFIG SET, so connections refresh what they cache.
    pub settings_epoch: u64,
    pub stats: ServerStats,
    pub slowlog: SlowLog,
    pub latency: LatencyMonitor,
    pub clients: ClientRegistry,
    pub pubsub: PubSub,
    pub waiters: Waiters,
    pub commands: HostTable,
    pub pause: Option<Pause>,
    /// DEBUG SLEEP's stall of every client until then: apart from `pause`
    /// (neither merged into a CLIENT PAUSE nor ended by CLIENT UNPAUSE).
    pub stall_until_ms: Option<i64>,
    /// Saves and loads: LASTSAVE, INFO persistence, the RDB MISCONF gate.
    pub disk: DiskState,
    /// DEBUG SET-ACTIVE-EXPIRE.
    pub active_expire: bool,
    /// CONFIG SET appendonly asked for the AOF on (true) or off: applied
    /// right after the command, under the same lock, where the engine's
    /// sink can be changed (`crate::durability::apply_switch`).
    pub aof_switch: Option<bool>,
    /// When EXEC's current queued command began (`Host::exec_step_begins`).
    pub exec_step_began_us: i64,
    /// The connection's DEBUG SLEEP total when that command began.
    pub exec_step_slept: std::time::Duration,
    /// A BGREWRITEAOF in the EXEC that switches the AOF off: Redis kills
    /// the running rewrite and schedules a new one, the AOF-off kind. It
    /// starts once the old pipeline has stopped; INFO shows it scheduled
    /// until then (`durability::apply_switch`).
    pub aof_rewrite_after_off: bool,
}

impl HostState {
    pub fn new(config: Config, settings: Settings, now_unix: i64) -> HostState {
        let latency_tracking = settings.latency_tracking;
        HostState {
            disk: DiskState::new(&config, now_unix),
            config,
            settings,
            settings_epoch: 0,
            stats: ServerStats {
                latency_tracking,
                ..ServerStats::default()
            },
            slowlog: SlowLog::default(),
            latency: LatencyMonitor::default(),
            clients: ClientRegistry::default(),
            pubsub: PubSub::default(),
            waiters: Waiters::default(),
            commands: HostTable::new(),
            pause: None,
            stall_until_ms: None,
            active_expire: true,
            aof_switch: None,
            exec_step_began_us: 0,
            exec_step_slept: std::time::Duration::ZERO,
            aof_rewrite_after_off: false,
        }
    }

    /// The pause that holds back `is_write` commands at `now_ms`, if any
    /// (an expired pause is cleared).
    pub fn pause_for(&mut self, is_write: bool, unpause: bool, now_ms: i64) -> Option<Pause> {
        if let Some(until_ms) = self.stall_until_ms {
            if now_ms < until_ms {
                return Some(Pause {
                    until_ms,
                    writes_only: false,
                });
            }
            self.stall_until_ms = None;
        }
        if unpause {
            // CLIENT UNPAUSE runs through a pause, to end it.
            return None;
        }
        let pause = self.pause?;
        if now_ms >= pause.until_ms {
            self.pause = None;
            return None;
        }
        (is_write || !pause.writes_only).then_some(pause)
    }
}
