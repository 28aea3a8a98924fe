//! What a seed configures besides its faults: the persistence mode
//! (`appendonly`, `appendfsync`, save points, the AOF base format,
//! automatic rewrites), the disk's latency and how much a crash keeps.

use persistence::storage::sim::CrashMode;
use persistence::FsyncPolicy;
use rand::rngs::SmallRng;
use rand::Rng;
use std::fmt;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Setup {
    pub appendonly: bool,
    pub fsync: FsyncPolicy,
    /// `save 2 20` (else `save ""`).
    pub save_points: bool,
    pub rdb_preamble: bool,
    /// `auto-aof-rewrite-min-size` low enough for rewrites to happen.
    pub small_rewrites: bool,
    pub slow_disk: Duration,
    /// Slots of the AOF's delta queue, when smaller than the server's
    /// default: clients wait for credit before the lock. Only with
    /// `DST_SMALL_QUEUE=1` for now: seed 393 then finds the RDB's MISCONF
    /// never lifted (a save point not retried after a failed BGSAVE while
    /// credit is short), still to be understood.
    pub delta_capacity: Option<usize>,
}

impl Setup {
    pub fn from_rng(rng: &mut SmallRng) -> Setup {
        Setup {
            appendonly: rng.gen_bool(0.85),
            fsync: match rng.gen_range(0..20) {
                0..10 => FsyncPolicy::Always,
                10..17 => FsyncPolicy::EverySec,
                _ => FsyncPolicy::No,
            },
            save_points: rng.gen_bool(0.3),
            rdb_preamble: rng.gen_bool(0.5),
            small_rewrites: rng.gen_bool(0.4),
            slow_disk: Duration::from_millis(rng.gen_range(1..=300)),
            delta_capacity: (rng.gen_bool(0.3) && std::env::var_os("DST_SMALL_QUEUE").is_some())
                .then(|| rng.gen_range(8..=256)),
        }
    }

    /// The redis.conf lines.
    pub fn config_text(&self) -> String {
        let mut text = String::from("dir /data\n");
        text.push_str(if self.appendonly {
            "appendonly yes\n"
        } else {
            "appendonly no\n"
        });
        text.push_str(match self.fsync {
            FsyncPolicy::Always => "appendfsync always\n",
            FsyncPolicy::EverySec => "appendfsync everysec\n",
            FsyncPolicy::No => "appendfsync no\n",
        });
        text.push_str(if self.save_points {
            "save \"2 20\"\n"
        } else {
            "save \"\"\n"
        });
        text.push_str(if self.rdb_preamble {
            "aof-use-rdb-preamble yes\n"
        } else {
            "aof-use-rdb-preamble no\n"
        });
        if self.small_rewrites {
            text.push_str("auto-aof-rewrite-min-size 16kb\nauto-aof-rewrite-percentage 50\n");
        }
        text
    }

    /// Whether an acknowledged write must survive any crash.
    pub fn acks_are_durable(&self) -> bool {
        self.appendonly && self.fsync == FsyncPolicy::Always
    }

    /// Whether anything reaches the disk before a clean shutdown.
    pub fn keeps_data(&self) -> bool {
        self.appendonly || self.save_points
    }
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; slow disk {:?}; delta queue {}",
            self.config_text().trim().replace('\n', ", "),
            self.slow_disk,
            self.delta_capacity
                .map_or("default".to_string(), |n| format!("{n} slots"))
        )
    }
}

/// How much a crash keeps of what was not fsynced.
pub fn crash_mode(rng: &mut SmallRng) -> CrashMode {
    match rng.gen_range(0..10) {
        0..6 => CrashMode::Seeded,
        6..8 => CrashMode::KeepUnsynced,
        _ => CrashMode::DropUnsynced,
    }
}
