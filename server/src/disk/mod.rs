//! The server's side of persistence: what it loads at startup and how it
//! saves snapshots. The AOF itself is the persistence crate's actor,
//! reached through `crate::durability`.
//!
//! - [`startup`]: recovery by Redis's rules (AOF when `appendonly yes`,
//!   else dump.rdb) with Redis's log lines, before clients are accepted.
//! - [`rdb_save`]: SAVE, BGSAVE, save points and the save at shutdown: a
//!   fork-less snapshot written in slices between commands.
//! - [`save_points`]: `save <seconds> <changes>` checked on the timer.
//!
//! `DiskState` (behind the engine lock, in `HostState`) is what INFO
//! persistence, LASTSAVE and the MISCONF gate read.

pub mod rdb_save;
pub mod save_points;
pub mod startup;

use crate::config::Config;
use persistence::{FsyncPolicy, PersistenceConfig, SavePoint};
use std::time::Instant;

/// The RDB side of the server's persistence state.
#[derive(Debug)]
pub struct DiskState {
    /// Unix seconds of the last successful save (LASTSAVE); startup until then.
    pub last_save_unix: i64,
    /// When the last save was attempted (failed ones are retried after a pause).
    pub last_try_unix: i64,
    pub last_bgsave_ok: bool,
    /// Seconds the last background save took, -1 before the first.
    pub last_bgsave_time_sec: i64,
    /// The background save running, if one is.
    pub bgsave: Option<BgsaveRun>,
    /// BGSAVE SCHEDULE: start one as soon as nothing else snapshots.
    pub bgsave_scheduled: bool,
    /// Successful saves since startup (`rdb_saves`).
    pub saves: u64,
    /// Keys the startup load read and skipped as expired.
    pub load_keys_loaded: u64,
    pub load_keys_expired: u64,
    /// `save` points and `stop-writes-on-bgsave-error`, as configured.
    pub save_points: Vec<SavePoint>,
    pub stop_writes_on_bgsave_error: bool,
}

/// A background save in progress.
#[derive(Debug)]
pub struct BgsaveRun {
    pub started: Instant,
    /// Keys the snapshot holds and keys written so far (INFO's
    /// current_save_keys_*).
    pub keys_total: u64,
    pub keys_done: u64,
    /// SAVE (the caller waits; INFO shows no background save).
    pub foreground: bool,
    /// The engine's change count when it began: a success forgets these.
    pub dirty_at_start: u64,
}

impl DiskState {
    pub fn new(config: &Config, now_unix: i64) -> DiskState {
        let mut state = DiskState {
            last_save_unix: now_unix,
            last_try_unix: 0,
            last_bgsave_ok: true,
            last_bgsave_time_sec: -1,
            bgsave: None,
            bgsave_scheduled: false,
            saves: 0,
            load_keys_loaded: 0,
            load_keys_expired: 0,
            save_points: Vec::new(),
            stop_writes_on_bgsave_error: true,
        };
        state.configure(config);
        state
    }

    /// Takes the directives it follows again (startup, CONFIG SET).
    pub fn configure(&mut self, config: &Config) {
        let persistence = persistence_config(config);
        self.save_points = persistence.save;
        self.stop_writes_on_bgsave_error = persistence.stop_writes_on_bgsave_error;
    }

    /// Redis refuses writes after a failed background save while
    /// `stop-writes-on-bgsave-error yes` and save points are configured.
    pub fn rdb_refuses_writes(&self) -> bool {
        !self.last_bgsave_ok && self.stop_writes_on_bgsave_error && !self.save_points.is_empty()
    }
}

/// The persistence crate's configuration from the server's directives.
pub fn persistence_config(config: &Config) -> PersistenceConfig {
    let p = config.persistence();
    PersistenceConfig {
        dir: p.dir,
        appendonly: p.appendonly,
        appendfilename: p.appendfilename,
        appenddirname: p.appenddirname,
        appendfsync: FsyncPolicy::parse(&p.appendfsync).unwrap_or_default(),
        aof_use_rdb_preamble: p.aof_use_rdb_preamble,
        aof_load_truncated: p.aof_load_truncated,
        aof_timestamp_enabled: p.aof_timestamp_enabled,
        auto_aof_rewrite_percentage: p.auto_aof_rewrite_percentage,
        auto_aof_rewrite_min_size: p.auto_aof_rewrite_min_size,
        dbfilename: p.dbfilename,
        save: p
            .save
            .iter()
            .map(|&(seconds, changes)| SavePoint { seconds, changes })
            .collect(),
        rdbcompression: p.rdbcompression,
        rdbchecksum: p.rdbchecksum,
        stop_writes_on_bgsave_error: p.stop_writes_on_bgsave_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rdb_gate_needs_a_failure_save_points_and_the_directive() {
        let mut config = Config::defaults();
        let mut state = DiskState::new(&config, 100);
        assert!(!state.rdb_refuses_writes());
        state.last_bgsave_ok = false;
        assert!(state.rdb_refuses_writes(), "default save points");
        config
            .set_many(&[("stop-writes-on-bgsave-error", "no")], false)
            .unwrap();
        state.configure(&config);
        assert!(!state.rdb_refuses_writes());
        config
            .set_many(
                &[("stop-writes-on-bgsave-error", "yes"), ("save", "")],
                false,
            )
            .unwrap();
        state.configure(&config);
        assert!(!state.rdb_refuses_writes(), "no save points");
    }

    #[test]
    fn the_persistence_config_follows_the_directives() {
        let mut config = Config::defaults();
        let text = "appendonly yes\nappendfsync always\nsave 10 2\nappenddirname aofs\n";
        crate::config::load::load_text(&mut config, text).unwrap();
        let p = persistence_config(&config);
        assert!(p.appendonly);
        assert_eq!(p.appendfsync, FsyncPolicy::Always);
        assert_eq!(
            p.save,
            [SavePoint {
                seconds: 10,
                changes: 2
            }]
        );
        assert_eq!(p.appenddirname, "aofs");
    }
}
