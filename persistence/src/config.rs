//! `PersistenceConfig`: the redis.conf directives persistence obeys, typed,
//! with Redis 7.0's names and defaults. The server parses redis.conf and
//! CONFIG SET; this crate only reads the struct.

use std::path::PathBuf;

/// `appendfsync`: when appended data is forced to the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// `always`: a write is acknowledged only after the fsync covering it.
    Always,
    /// `everysec`: fsync once a second, off the request path.
    #[default]
    EverySec,
    /// `no`: the OS decides; durable means written to the page cache.
    No,
}

impl FsyncPolicy {
    /// The directive's value as redis.conf spells it.
    pub fn name(self) -> &'static str {
        match self {
            FsyncPolicy::Always => "always",
            FsyncPolicy::EverySec => "everysec",
            FsyncPolicy::No => "no",
        }
    }

    /// A number for an atomic (the live policy CONFIG SET changes).
    pub(crate) fn code(self) -> u8 {
        match self {
            FsyncPolicy::Always => 0,
            FsyncPolicy::EverySec => 1,
            FsyncPolicy::No => 2,
        }
    }

    pub(crate) fn from_code(code: u8) -> FsyncPolicy {
        match code {
            0 => FsyncPolicy::Always,
            1 => FsyncPolicy::EverySec,
            _ => FsyncPolicy::No,
        }
    }

    /// Parses a redis.conf value (case-insensitive, as Redis's enum configs).
    pub fn parse(text: &str) -> Option<FsyncPolicy> {
        match text.to_ascii_lowercase().as_str() {
            "always" => Some(FsyncPolicy::Always),
            "everysec" => Some(FsyncPolicy::EverySec),
            "no" => Some(FsyncPolicy::No),
            _ => None,
        }
    }
}

/// One `save <seconds> <changes>` point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavePoint {
    pub seconds: u64,
    pub changes: u64,
}

/// The persistence directives, with Redis 7.0.15's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistenceConfig {
    /// `dir`: where dump.rdb and the AOF directory live.
    pub dir: PathBuf,
    /// `appendonly`.
    pub appendonly: bool,
    /// `appendfilename`: the base name of every AOF file.
    pub appendfilename: String,
    /// `appenddirname`: the multi-part AOF directory inside `dir`.
    pub appenddirname: String,
    /// `appendfsync`.
    pub appendfsync: FsyncPolicy,
    /// `aof-use-rdb-preamble`: the AOF base file is an RDB.
    pub aof_use_rdb_preamble: bool,
    /// `aof-load-truncated`: a truncated last command is dropped (and the
    /// file repaired) instead of stopping startup.
    pub aof_load_truncated: bool,
    /// `aof-timestamp-enabled`: annotations are not written (only `no`).
    pub aof_timestamp_enabled: bool,
    /// `auto-aof-rewrite-percentage`: 0 disables automatic rewrites.
    pub auto_aof_rewrite_percentage: u64,
    /// `auto-aof-rewrite-min-size`, bytes.
    pub auto_aof_rewrite_min_size: u64,
    /// `dbfilename`.
    pub dbfilename: String,
    /// `save`: empty disables snapshots by schedule.
    pub save: Vec<SavePoint>,
    /// `rdbcompression`.
    pub rdbcompression: bool,
    /// `rdbchecksum`.
    pub rdbchecksum: bool,
    /// `stop-writes-on-bgsave-error`.
    pub stop_writes_on_bgsave_error: bool,
}

impl Default for PersistenceConfig {
    fn default() -> Self {
        PersistenceConfig {
            dir: PathBuf::from("."),
            appendonly: false,
            appendfilename: "appendonly.aof".to_string(),
            appenddirname: "appendonlydir".to_string(),
            appendfsync: FsyncPolicy::EverySec,
            aof_use_rdb_preamble: true,
            aof_load_truncated: true,
            aof_timestamp_enabled: false,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
            dbfilename: "dump.rdb".to_string(),
            save: vec![
                SavePoint {
                    seconds: 3600,
                    changes: 1,
                },
                SavePoint {
                    seconds: 300,
                    changes: 100,
                },
                SavePoint {
                    seconds: 60,
                    changes: 10000,
                },
            ],
            rdbcompression: true,
            rdbchecksum: true,
            stop_writes_on_bgsave_error: true,
        }
    }
}

impl PersistenceConfig {
    /// `dir/appenddirname`.
    pub fn aof_dir(&self) -> PathBuf {
        self.dir.join(&self.appenddirname)
    }

    /// `dir/dbfilename`.
    pub fn rdb_path(&self) -> PathBuf {
        self.dir.join(&self.dbfilename)
    }

    /// `dir/appendfilename`: the single-file AOF of Redis before 7.0.
    pub fn legacy_aof_path(&self) -> PathBuf {
        self.dir.join(&self.appendfilename)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_redis_7_0s() {
        let config = PersistenceConfig::default();
        assert!(!config.appendonly);
        assert_eq!(config.appendfilename, "appendonly.aof");
        assert_eq!(config.appenddirname, "appendonlydir");
        assert_eq!(config.appendfsync, FsyncPolicy::EverySec);
        assert!(config.aof_use_rdb_preamble);
        assert!(config.aof_load_truncated);
        assert!(!config.aof_timestamp_enabled);
        assert_eq!(config.auto_aof_rewrite_percentage, 100);
        assert_eq!(config.auto_aof_rewrite_min_size, 67_108_864);
        assert_eq!(config.dbfilename, "dump.rdb");
        let save: Vec<(u64, u64)> = config.save.iter().map(|p| (p.seconds, p.changes)).collect();
        assert_eq!(save, [(3600, 1), (300, 100), (60, 10000)]);
        assert!(config.rdbcompression);
        assert!(config.rdbchecksum);
        assert_eq!(config.aof_dir(), PathBuf::from("./appendonlydir"));
    }

    #[test]
    fn fsync_policy_names_round_trip() {
        for policy in [FsyncPolicy::Always, FsyncPolicy::EverySec, FsyncPolicy::No] {
            assert_eq!(FsyncPolicy::parse(policy.name()), Some(policy));
            assert_eq!(FsyncPolicy::from_code(policy.code()), policy);
        }
        assert_eq!(FsyncPolicy::parse("ALWAYS"), Some(FsyncPolicy::Always));
        assert_eq!(FsyncPolicy::parse("sometimes"), None);
    }
}
