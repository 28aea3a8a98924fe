//! Typed views of a `Config`: what the server, the engine and persistence
//! read, derived once per change so no hot path parses text.

use super::values::{parse_buffer_limits, BufferLimit};
use super::Config;
use kv_engine::EngineConfig;
use std::path::PathBuf;
use std::time::Duration;

/// Redis's log levels, most verbose first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
}

/// `enable-debug-command` and friends: never, always, or from loopback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    No,
    Yes,
    Local,
}

/// What a SIGINT/SIGTERM does (`shutdown-on-sigint`, `shutdown-on-sigterm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalShutdown {
    Default,
    Save,
    NoSave,
    Now,
    Force,
}

/// Client classes for output buffer limits, in Redis's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientClass {
    Normal = 0,
    Replica = 1,
    PubSub = 2,
}

/// Everything the server itself obeys.
#[derive(Clone, Debug)]
pub struct Settings {
    pub engine: EngineConfig,
    /// `bind`: the addresses, a leading `-` marking one whose failure is
    /// not fatal.
    pub bind: Vec<String>,
    pub port: u16,
    pub unixsocket: Option<PathBuf>,
    pub unixsocketperm: u32,
    pub tcp_backlog: u32,
    pub tcp_keepalive: Option<Duration>,
    pub protected_mode: bool,
    pub requirepass: Option<Vec<u8>>,
    pub maxclients: u64,
    /// Idle clients are closed after this (`timeout`; `None` for 0).
    pub timeout: Option<Duration>,
    pub client_query_buffer_limit: usize,
    pub proto_max_bulk_len: usize,
    pub output_buffer_limits: [BufferLimit; 3],
    pub hz: u32,
    /// Microseconds; negative disables the slow log, 0 logs everything.
    pub slowlog_log_slower_than_us: i64,
    pub slowlog_max_len: usize,
    /// Milliseconds; 0 disables the latency monitor.
    pub latency_monitor_threshold_ms: u64,
    /// Per-command latency histograms are kept (`latency-tracking`).
    pub latency_tracking: bool,
    /// INFO latencystats's percentiles (0 ..= 100).
    pub latency_percentiles: Vec<f64>,
    pub loglevel: LogLevel,
    pub logfile: Option<PathBuf>,
    pub pidfile: Option<PathBuf>,
    pub enable_debug_command: Access,
    pub enable_protected_configs: Access,
    pub shutdown_timeout: Duration,
    pub shutdown_on_sigint: SignalShutdown,
    pub shutdown_on_sigterm: SignalShutdown,
}

/// The directives the persistence crate will obey, read here so they live
/// in one config table (CONFIG GET/SET/REWRITE) with the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistenceSettings {
    pub dir: PathBuf,
    pub dbfilename: String,
    pub appendonly: bool,
    pub appendfilename: String,
    pub appenddirname: String,
    /// `always`, `everysec` or `no`.
    pub appendfsync: String,
    /// (seconds, changes) pairs; empty: no automatic snapshots.
    pub save: Vec<(u64, u64)>,
    pub aof_use_rdb_preamble: bool,
    pub aof_load_truncated: bool,
    pub aof_timestamp_enabled: bool,
    pub rdbcompression: bool,
    pub rdbchecksum: bool,
    pub stop_writes_on_bgsave_error: bool,
    pub no_appendfsync_on_rewrite: bool,
    pub auto_aof_rewrite_percentage: u64,
    pub auto_aof_rewrite_min_size: u64,
}

impl Config {
    fn int(&self, name: &str) -> i64 {
        self.value(name)
            .parse()
            .unwrap_or_else(|_| panic!("{name} holds an integer"))
    }

    fn flag(&self, name: &str) -> bool {
        self.value(name) == "yes"
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        Some(self.value(name))
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    fn access(&self, name: &str) -> Access {
        match self.value(name) {
            "yes" => Access::Yes,
            "local" => Access::Local,
            _ => Access::No,
        }
    }

    fn signal(&self, name: &str) -> SignalShutdown {
        match self.value(name) {
            "save" => SignalShutdown::Save,
            "nosave" => SignalShutdown::NoSave,
            "now" => SignalShutdown::Now,
            "force" => SignalShutdown::Force,
            _ => SignalShutdown::Default,
        }
    }

    /// The engine's part, with `seed` for its hash and random choices.
    pub fn engine_config(&self, seed: u64) -> EngineConfig {
        EngineConfig {
            databases: self.int("databases") as usize,
            seed,
            list_max_listpack_size: self.int("list-max-listpack-size"),
            hash_max_listpack_entries: self.int("hash-max-listpack-entries") as usize,
            hash_max_listpack_value: self.int("hash-max-listpack-value") as usize,
            set_max_intset_entries: self.int("set-max-intset-entries") as usize,
            zset_max_listpack_entries: self.int("zset-max-listpack-entries") as usize,
            zset_max_listpack_value: self.int("zset-max-listpack-value") as usize,
            active_expire_effort: self.int("active-expire-effort") as u32,
            proto_max_bulk_len: self.int("proto-max-bulk-len") as u64,
            notify_keyspace_events: kv_engine::notify::NotifyFlags::parse(
                self.value("notify-keyspace-events").as_bytes(),
            )
            .expect("notify-keyspace-events is stored canonical"),
            maxmemory: self
                .value("maxmemory")
                .parse()
                .expect("maxmemory holds an unsigned integer"),
            maxmemory_policy: kv_engine::eviction::MaxmemoryPolicy::parse(
                self.value("maxmemory-policy"),
            )
            .expect("maxmemory-policy is one of the policies"),
            maxmemory_samples: self.int("maxmemory-samples") as u32,
            maxmemory_eviction_tenacity: self.int("maxmemory-eviction-tenacity") as u32,
            lfu_log_factor: self.int("lfu-log-factor") as u32,
            lfu_decay_time: self.int("lfu-decay-time") as u32,
            ..EngineConfig::default()
        }
    }

    pub fn settings(&self, seed: u64) -> Settings {
        let seconds = |name: &str| {
            Some(self.int(name))
                .filter(|s| *s > 0)
                .map(|s| Duration::from_secs(s as u64))
        };
        Settings {
            engine: self.engine_config(seed),
            bind: self
                .value("bind")
                .split(' ')
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
            port: self.int("port") as u16,
            unixsocket: self.path("unixsocket"),
            unixsocketperm: u32::from_str_radix(self.value("unixsocketperm"), 8).unwrap_or(0),
            tcp_backlog: self.int("tcp-backlog") as u32,
            tcp_keepalive: seconds("tcp-keepalive"),
            protected_mode: self.flag("protected-mode"),
            requirepass: Some(self.value("requirepass"))
                .filter(|p| !p.is_empty())
                .map(|p| p.as_bytes().to_vec()),
            maxclients: self.int("maxclients") as u64,
            timeout: seconds("timeout"),
            client_query_buffer_limit: self.int("client-query-buffer-limit") as usize,
            proto_max_bulk_len: self.int("proto-max-bulk-len") as usize,
            output_buffer_limits: parse_buffer_limits(self.value("client-output-buffer-limit")),
            hz: self.int("hz").clamp(1, 500) as u32,
            slowlog_log_slower_than_us: self.int("slowlog-log-slower-than"),
            slowlog_max_len: self.int("slowlog-max-len") as usize,
            latency_monitor_threshold_ms: self.int("latency-monitor-threshold") as u64,
            latency_tracking: self.flag("latency-tracking"),
            // Stored as CONFIG GET prints them, plain decimals ("%f"
            // trimmed), which std reads without `values::percentile`'s
            // exact long double arithmetic.
            latency_percentiles: self
                .value("latency-tracking-info-percentiles")
                .split(' ')
                .filter_map(|word| word.parse().ok())
                .collect(),
            loglevel: match self.value("loglevel") {
                "debug" => LogLevel::Debug,
                "verbose" => LogLevel::Verbose,
                "warning" => LogLevel::Warning,
                _ => LogLevel::Notice,
            },
            logfile: self.path("logfile"),
            pidfile: self.path("pidfile"),
            enable_debug_command: self.access("enable-debug-command"),
            enable_protected_configs: self.access("enable-protected-configs"),
            shutdown_timeout: Duration::from_secs(self.int("shutdown-timeout") as u64),
            shutdown_on_sigint: self.signal("shutdown-on-sigint"),
            shutdown_on_sigterm: self.signal("shutdown-on-sigterm"),
        }
    }

    /// `appendonly yes` with `appendfsync always`: every write's reply
    /// waits for an fsync (read without building `persistence()`).
    pub fn fsyncs_every_write(&self) -> bool {
        self.flag("appendonly") && self.value("appendfsync").eq_ignore_ascii_case("always")
    }

    pub fn persistence(&self) -> PersistenceSettings {
        // Changes are kept as Redis keeps them, an int that a huge count
        // wraps negative; any count below 0 is reached as 0 is.
        let numbers: Vec<u64> = self
            .value("save")
            .split(' ')
            .filter_map(|n| n.parse::<i64>().ok())
            .map(|n| n.max(0) as u64)
            .collect();
        PersistenceSettings {
            dir: PathBuf::from(self.value("dir")),
            dbfilename: self.value("dbfilename").to_owned(),
            appendonly: self.flag("appendonly"),
            appendfilename: self.value("appendfilename").to_owned(),
            appenddirname: self.value("appenddirname").to_owned(),
            appendfsync: self.value("appendfsync").to_owned(),
            save: numbers
                .chunks(2)
                .filter(|p| p.len() == 2)
                .map(|p| (p[0], p[1]))
                .collect(),
            aof_use_rdb_preamble: self.flag("aof-use-rdb-preamble"),
            aof_load_truncated: self.flag("aof-load-truncated"),
            aof_timestamp_enabled: self.flag("aof-timestamp-enabled"),
            rdbcompression: self.flag("rdbcompression"),
            rdbchecksum: self.flag("rdbchecksum"),
            stop_writes_on_bgsave_error: self.flag("stop-writes-on-bgsave-error"),
            no_appendfsync_on_rewrite: self.flag("no-appendfsync-on-rewrite"),
            auto_aof_rewrite_percentage: self.int("auto-aof-rewrite-percentage") as u64,
            auto_aof_rewrite_min_size: self.int("auto-aof-rewrite-min-size") as u64,
        }
    }
}

impl Settings {
    pub fn output_limit(&self, class: ClientClass) -> BufferLimit {
        self.output_buffer_limits[class as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_redis_defaults() {
        let settings = Config::defaults().settings(7);
        assert_eq!(settings.port, 6379);
        assert_eq!(settings.bind, vec!["127.0.0.1", "-::1"]);
        assert_eq!(settings.engine.databases, 16);
        assert_eq!(settings.engine.seed, 7);
        assert_eq!(settings.engine.hash_max_listpack_entries, 512);
        assert_eq!(settings.hz, 10);
        assert_eq!(settings.tcp_keepalive, Some(Duration::from_secs(300)));
        assert_eq!(settings.timeout, None);
        assert_eq!(settings.requirepass, None);
        assert_eq!(
            settings.output_limit(ClientClass::PubSub).hard_bytes,
            32 * 1024 * 1024
        );
        assert_eq!(settings.output_limit(ClientClass::Normal).hard_bytes, 0);
        let persistence = Config::defaults().persistence();
        assert_eq!(persistence.save, vec![(3600, 1), (300, 100), (60, 10000)]);
        assert!(!persistence.appendonly);
        assert_eq!(persistence.appendfsync, "everysec");
    }

    #[test]
    fn hz_is_clamped_as_redis_clamps_it() {
        let mut config = Config::defaults();
        config.set_many(&[("hz", "100000")], false).unwrap();
        assert_eq!(config.value("hz"), "500");
        assert_eq!(config.settings(0).hz, 500);
        config.set_many(&[("hz", "0")], false).unwrap();
        assert_eq!(config.settings(0).hz, 1);
    }

    #[test]
    fn latency_tracking_and_its_percentiles() {
        let mut config = Config::defaults();
        let percentiles = |config: &Config| config.settings(0).latency_percentiles;
        assert!(config.settings(0).latency_tracking);
        assert_eq!(percentiles(&config), [50.0, 99.0, 99.9]);
        let name = "latency-tracking-info-percentiles";
        config.set_many(&[(name, "0x10 1e1 99")], false).unwrap();
        assert_eq!(percentiles(&config), [16.0, 10.0, 99.0]);
        config.set_many(&[(name, "")], false).unwrap();
        assert_eq!(percentiles(&config), []);
        config
            .set_many(&[("latency-tracking", "no")], false)
            .unwrap();
        assert!(!config.settings(0).latency_tracking);
    }
}
