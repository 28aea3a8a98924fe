//! The table of every directive redis-server 7.0 accepts in redis.conf and
//! CONFIG GET/SET: name, alias, value kind, Redis's default (in the form
//! CONFIG GET prints it), whether CONFIG SET may change it, and what this
//! server does with it.
//!
//! The names and defaults are those of redis-server 7.0.15 started without
//! a config file (`CONFIG GET *`), except where noted: `bind` defaults to
//! the shipped redis.conf's loopback pair so that `redis-rust-server` with
//! no arguments listens on 127.0.0.1:6379 only.

/// How a directive's value is read, checked and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `yes` / `no`.
    Bool,
    /// A decimal integer within a range.
    Int { min: i64, max: i64 },
    /// An integer that may carry a unit (`1gb`, `64mb`, `100k`), read as
    /// Redis's `memtoull` reads it and checked as a signed number (or one
    /// no larger than `i64::MAX`).
    Memory { min: i64, max: i64 },
    /// A memory value over the whole unsigned 64-bit range (`maxmemory`).
    MemoryUnsigned,
    /// A memory value or a percentage up to `100%` (`maxmemory-clients`).
    MemoryOrPercent,
    /// One of a fixed set of names.
    Enum(&'static [&'static str]),
    /// Any text (paths, passwords, names).
    Str,
    /// An octal file mode (`unixsocketperm 700`).
    Octal,
    /// `save <seconds> <changes> [...]`, or `save ""`.
    Save,
    /// `client-output-buffer-limit <class> <hard> <soft> <seconds>`.
    OutputBufferLimit,
    /// Space-separated addresses (`bind 127.0.0.1 -::1`).
    Bind,
    /// `notify-keyspace-events` flag letters.
    NotifyFlags,
    /// `latency-tracking-info-percentiles 50 99 99.9`.
    Percentiles,
    /// `oom-score-adj-values 0 200 800`.
    OomScoreValues,
    /// `replicaof <host> <port>` (or empty).
    ReplicaOf,
}

impl Kind {
    /// Whether a config line gives it a list of words (Redis's multi-arg
    /// directives), any number of them, rather than exactly one value.
    pub fn takes_a_list(self) -> bool {
        matches!(
            self,
            Kind::Save
                | Kind::OutputBufferLimit
                | Kind::Bind
                | Kind::Percentiles
                | Kind::OomScoreValues
        )
    }
}

/// What this server does with a directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Obeyed now.
    Live,
    /// Kept and reported, and obeyed once the named part lands (persistence,
    /// eviction, notifications, replication).
    Pending(&'static str),
    /// Accepted so that existing redis.conf files load, reported by CONFIG
    /// GET, but it changes nothing here (TLS, cluster, threads, ...). A
    /// non-default value is logged at startup.
    Inert,
}

#[derive(Clone, Copy, Debug)]
pub struct Directive {
    pub name: &'static str,
    /// The old name Redis still accepts (`slaveof` for `replicaof`).
    pub alias: Option<&'static str>,
    pub kind: Kind,
    /// Redis's default, canonical (as CONFIG GET prints it).
    pub default: &'static str,
    /// CONFIG SET refuses it: "can't set immutable config".
    pub immutable: bool,
    /// CONFIG SET refuses it while `enable-protected-configs` is `no`.
    pub protected: bool,
    pub effect: Effect,
}

const INT: Kind = Kind::Int {
    min: 0,
    max: i32::MAX as i64,
};
const LONG: Kind = Kind::Int {
    min: 0,
    max: i64::MAX,
};
const MEM: Kind = Kind::Memory {
    min: 0,
    max: i64::MAX,
};
const YES_NO_LOCAL: &[&str] = &["no", "yes", "local"];
const LOGLEVELS: &[&str] = &["debug", "verbose", "notice", "warning"];
// In Redis 7.0's order (its error text lists them so).
const FSYNC: &[&str] = &["everysec", "always", "no"];
const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];
const SHUTDOWN_SIGNAL: &[&str] = &["default", "save", "nosave", "now", "force"];

const PERSISTENCE: Effect = Effect::Pending("persistence");
const REPLICATION: Effect = Effect::Inert;

macro_rules! d {
    ($name:literal, $kind:expr, $default:literal, $effect:expr) => {
        d!($name, None, $kind, $default, false, false, $effect)
    };
    ($name:literal, $kind:expr, $default:literal, $effect:expr, immutable) => {
        d!($name, None, $kind, $default, true, false, $effect)
    };
    ($name:literal, $kind:expr, $default:literal, $effect:expr, protected) => {
        d!($name, None, $kind, $default, false, true, $effect)
    };
    ($name:literal, alias $alias:literal, $kind:expr, $default:literal, $effect:expr) => {
        d!($name, Some($alias), $kind, $default, false, false, $effect)
    };
    ($name:literal, $alias:expr, $kind:expr, $default:literal, $immutable:expr, $protected:expr, $effect:expr) => {
        Directive {
            name: $name,
            alias: $alias,
            kind: $kind,
            default: $default,
            immutable: $immutable,
            protected: $protected,
            effect: $effect,
        }
    };
}

use Effect::{Inert, Live};
use Kind::{Bool, Enum, Str};

/// Every directive, in alphabetical order of name.
pub const DIRECTIVES: &[Directive] = &[
    d!(
        "acl-pubsub-default",
        // In Redis 7.0's order (its error text lists them so).
        Enum(&["allchannels", "resetchannels"]),
        "resetchannels",
        Inert
    ),
    d!("aclfile", Str, "", Inert, immutable),
    d!("acllog-max-len", LONG, "128", Inert),
    d!(
        "active-defrag-cycle-max",
        Kind::Int { min: 1, max: 99 },
        "25",
        Inert
    ),
    d!(
        "active-defrag-cycle-min",
        Kind::Int { min: 1, max: 99 },
        "1",
        Inert
    ),
    d!(
        "active-defrag-ignore-bytes",
        Kind::Memory {
            min: 1,
            max: i64::MAX
        },
        "104857600",
        Inert
    ),
    d!(
        "active-defrag-max-scan-fields",
        Kind::Int {
            min: 1,
            max: i64::MAX
        },
        "1000",
        Inert
    ),
    d!(
        "active-defrag-threshold-lower",
        Kind::Int { min: 0, max: 1000 },
        "10",
        Inert
    ),
    d!(
        "active-defrag-threshold-upper",
        Kind::Int { min: 0, max: 1000 },
        "100",
        Inert
    ),
    d!(
        "active-expire-effort",
        Kind::Int { min: 1, max: 10 },
        "1",
        Live
    ),
    d!("activedefrag", Bool, "no", Inert),
    d!("activerehashing", Bool, "yes", Inert),
    d!("always-show-logo", Bool, "no", Inert, immutable),
    d!("aof-disable-auto-gc", Bool, "no", PERSISTENCE),
    d!("aof-load-truncated", Bool, "yes", Live),
    d!("aof-rewrite-incremental-fsync", Bool, "yes", PERSISTENCE),
    d!("aof-timestamp-enabled", Bool, "no", PERSISTENCE),
    d!("aof-use-rdb-preamble", Bool, "yes", Live),
    d!("aof_rewrite_cpulist", Str, "", Inert, immutable),
    d!("appenddirname", Str, "appendonlydir", Live, immutable),
    d!("appendfilename", Str, "appendonly.aof", Live, immutable),
    d!("appendfsync", Enum(FSYNC), "everysec", Live),
    d!("appendonly", Bool, "no", Live),
    d!("auto-aof-rewrite-min-size", MEM, "67108864", Live),
    d!("auto-aof-rewrite-percentage", INT, "100", Live),
    d!("bgsave_cpulist", Str, "", Inert, immutable),
    d!("bind", Kind::Bind, "127.0.0.1 -::1", Live),
    d!("bind-source-addr", Str, "", Inert),
    d!("bio_cpulist", Str, "", Inert, immutable),
    d!("busy-reply-threshold", alias "lua-time-limit", LONG, "5000", Inert),
    d!(
        "client-output-buffer-limit",
        Kind::OutputBufferLimit,
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        Live
    ),
    d!(
        "client-query-buffer-limit",
        Kind::Memory {
            min: 1024 * 1024,
            max: i64::MAX
        },
        "1073741824",
        Live
    ),
    d!("cluster-allow-pubsubshard-when-down", Bool, "yes", Inert),
    d!("cluster-allow-reads-when-down", Bool, "no", Inert),
    d!("cluster-allow-replica-migration", Bool, "yes", Inert),
    d!(
        "cluster-announce-bus-port",
        Kind::Int { min: 0, max: 65535 },
        "0",
        Inert
    ),
    d!("cluster-announce-hostname", Str, "", Inert),
    d!("cluster-announce-ip", Str, "", Inert),
    d!(
        "cluster-announce-port",
        Kind::Int { min: 0, max: 65535 },
        "0",
        Inert
    ),
    d!(
        "cluster-announce-tls-port",
        Kind::Int { min: 0, max: 65535 },
        "0",
        Inert
    ),
    d!("cluster-config-file", Str, "nodes.conf", Inert, immutable),
    d!("cluster-enabled", Bool, "no", Inert, immutable),
    d!(
        "cluster-link-sendbuf-limit",
        Kind::MemoryUnsigned,
        "0",
        Inert
    ),
    d!("cluster-migration-barrier", INT, "1", Inert),
    d!("cluster-node-timeout", LONG, "15000", Inert),
    d!(
        "cluster-port",
        Kind::Int { min: 0, max: 65535 },
        "0",
        Inert,
        immutable
    ),
    d!(
        "cluster-preferred-endpoint-type",
        Enum(&["ip", "hostname", "unknown-endpoint"]),
        "ip",
        Inert
    ),
    d!("cluster-replica-no-failover", alias "cluster-slave-no-failover", Bool, "no", Inert),
    d!("cluster-replica-validity-factor", alias "cluster-slave-validity-factor", INT, "10", Inert),
    d!("cluster-require-full-coverage", Bool, "yes", Inert),
    d!("crash-log-enabled", Bool, "yes", Inert),
    d!("crash-memcheck-enabled", Bool, "yes", Inert),
    d!("daemonize", Bool, "no", Inert, immutable),
    d!(
        "databases",
        Kind::Int {
            min: 1,
            max: i32::MAX as i64
        },
        "16",
        Live,
        immutable
    ),
    d!("dbfilename", Str, "dump.rdb", Live, protected),
    d!("dir", Str, "", Live, protected),
    d!("disable-thp", Bool, "yes", Inert, immutable),
    d!("dynamic-hz", Bool, "yes", Inert),
    d!(
        "enable-debug-command",
        Enum(YES_NO_LOCAL),
        "no",
        Live,
        immutable
    ),
    d!(
        "enable-module-command",
        Enum(YES_NO_LOCAL),
        "no",
        Inert,
        immutable
    ),
    d!(
        "enable-protected-configs",
        Enum(YES_NO_LOCAL),
        "no",
        Live,
        immutable
    ),
    d!("hash-max-listpack-entries", alias "hash-max-ziplist-entries", LONG, "512", Live),
    d!("hash-max-listpack-value", alias "hash-max-ziplist-value", MEM, "64", Live),
    d!("hll-sparse-max-bytes", MEM, "3000", Inert),
    d!("hz", INT, "10", Live),
    d!("ignore-warnings", Str, "", Inert),
    d!(
        "io-threads",
        Kind::Int { min: 1, max: 128 },
        "1",
        Inert,
        immutable
    ),
    d!("io-threads-do-reads", Bool, "no", Inert, immutable),
    d!("jemalloc-bg-thread", Bool, "yes", Inert),
    d!("latency-monitor-threshold", LONG, "0", Live),
    d!("latency-tracking", Bool, "yes", Live),
    d!(
        "latency-tracking-info-percentiles",
        Kind::Percentiles,
        "50 99 99.9",
        Live
    ),
    d!("lazyfree-lazy-eviction", Bool, "no", Inert),
    d!("lazyfree-lazy-expire", Bool, "no", Inert),
    d!("lazyfree-lazy-server-del", Bool, "no", Inert),
    d!("lazyfree-lazy-user-del", Bool, "no", Inert),
    d!("lazyfree-lazy-user-flush", Bool, "no", Inert),
    d!("lfu-decay-time", INT, "1", Live),
    d!("lfu-log-factor", INT, "10", Live),
    d!("list-compress-depth", INT, "0", Inert),
    d!("list-max-listpack-size", alias "list-max-ziplist-size", Kind::Int { min: i32::MIN as i64, max: i32::MAX as i64 }, "-2", Live),
    d!("logfile", Str, "", Live, immutable),
    d!("loglevel", Enum(LOGLEVELS), "notice", Live),
    d!("masterauth", Str, "", REPLICATION),
    d!("masteruser", Str, "", REPLICATION),
    d!(
        "maxclients",
        Kind::Int {
            min: 1,
            max: u32::MAX as i64
        },
        "10000",
        Live
    ),
    d!("maxmemory", Kind::MemoryUnsigned, "0", Live),
    d!("maxmemory-clients", Kind::MemoryOrPercent, "0", Inert),
    d!(
        "maxmemory-eviction-tenacity",
        Kind::Int { min: 0, max: 100 },
        "10",
        Live
    ),
    d!("maxmemory-policy", Enum(POLICIES), "noeviction", Live),
    d!(
        "maxmemory-samples",
        Kind::Int {
            min: 1,
            max: i32::MAX as i64
        },
        "5",
        Live
    ),
    d!("min-replicas-max-lag", alias "min-slaves-max-lag", INT, "10", REPLICATION),
    d!("min-replicas-to-write", alias "min-slaves-to-write", INT, "0", REPLICATION),
    d!("no-appendfsync-on-rewrite", Bool, "no", PERSISTENCE),
    d!("notify-keyspace-events", Kind::NotifyFlags, "", Live),
    d!(
        "oom-score-adj",
        Enum(&["no", "yes", "relative", "absolute"]),
        "no",
        Inert
    ),
    d!(
        "oom-score-adj-values",
        Kind::OomScoreValues,
        "0 200 800",
        Inert
    ),
    d!("pidfile", Str, "", Live, immutable),
    d!("port", Kind::Int { min: 0, max: 65535 }, "6379", Live),
    d!(
        "proc-title-template",
        Str,
        "{title} {listen-addr} {server-mode}",
        Inert
    ),
    d!(
        "propagation-error-behavior",
        Enum(&["ignore", "panic", "panic-on-replicas"]),
        "ignore",
        Inert
    ),
    d!("protected-mode", Bool, "yes", Live),
    d!(
        "proto-max-bulk-len",
        Kind::Memory {
            min: 1024 * 1024,
            max: i64::MAX
        },
        "536870912",
        Live
    ),
    d!("rdb-del-sync-files", Bool, "no", PERSISTENCE),
    d!("rdb-save-incremental-fsync", Bool, "yes", PERSISTENCE),
    d!("rdbchecksum", Bool, "yes", Live, immutable),
    d!("rdbcompression", Bool, "yes", Live),
    d!(
        "repl-backlog-size",
        Kind::Memory {
            min: 1,
            max: i64::MAX
        },
        "1048576",
        REPLICATION
    ),
    d!("repl-backlog-ttl", LONG, "3600", REPLICATION),
    d!("repl-disable-tcp-nodelay", Bool, "no", REPLICATION),
    d!(
        "repl-diskless-load",
        Enum(&["disabled", "on-empty-db", "swapdb"]),
        "disabled",
        REPLICATION
    ),
    d!("repl-diskless-sync", Bool, "yes", REPLICATION),
    d!("repl-diskless-sync-delay", INT, "5", REPLICATION),
    d!("repl-diskless-sync-max-replicas", INT, "0", REPLICATION),
    d!("repl-ping-replica-period", alias "repl-ping-slave-period", Kind::Int { min: 1, max: i32::MAX as i64 }, "10", REPLICATION),
    d!(
        "repl-timeout",
        Kind::Int {
            min: 1,
            max: i32::MAX as i64
        },
        "60",
        REPLICATION
    ),
    d!("replica-announce-ip", alias "slave-announce-ip", Str, "", REPLICATION),
    d!("replica-announce-port", alias "slave-announce-port", Kind::Int { min: 0, max: 65535 }, "0", REPLICATION),
    d!("replica-announced", Bool, "yes", REPLICATION),
    d!("replica-ignore-disk-write-errors", Bool, "no", REPLICATION),
    d!("replica-ignore-maxmemory", alias "slave-ignore-maxmemory", Bool, "yes", REPLICATION),
    d!("replica-lazy-flush", alias "slave-lazy-flush", Bool, "no", REPLICATION),
    d!("replica-priority", alias "slave-priority", INT, "100", REPLICATION),
    d!("replica-read-only", alias "slave-read-only", Bool, "yes", REPLICATION),
    d!("replica-serve-stale-data", alias "slave-serve-stale-data", Bool, "yes", REPLICATION),
    d!(
        "replicaof",
        Some("slaveof"),
        Kind::ReplicaOf,
        "",
        true,
        false,
        REPLICATION
    ),
    d!("requirepass", Str, "", Live),
    d!(
        "sanitize-dump-payload",
        Enum(&["no", "yes", "clients"]),
        "no",
        Inert
    ),
    d!("save", Kind::Save, "3600 1 300 100 60 10000", Live),
    d!("server_cpulist", Str, "", Inert, immutable),
    d!("set-max-intset-entries", LONG, "512", Live),
    d!("set-proc-title", Bool, "yes", Inert, immutable),
    d!("shutdown-on-sigint", Enum(SHUTDOWN_SIGNAL), "default", Live),
    d!(
        "shutdown-on-sigterm",
        Enum(SHUTDOWN_SIGNAL),
        "default",
        Live
    ),
    d!("shutdown-timeout", INT, "10", Live),
    d!(
        "slowlog-log-slower-than",
        Kind::Int {
            min: -1,
            max: i64::MAX
        },
        "10000",
        Live
    ),
    d!("slowlog-max-len", LONG, "128", Live),
    d!(
        "socket-mark-id",
        Kind::Int {
            min: 0,
            max: u32::MAX as i64
        },
        "0",
        Inert,
        immutable
    ),
    d!("stop-writes-on-bgsave-error", Bool, "yes", Live),
    d!("stream-node-max-bytes", MEM, "4096", Inert),
    d!("stream-node-max-entries", LONG, "100", Inert),
    d!(
        "supervised",
        Enum(&["upstart", "systemd", "auto", "no"]),
        "no",
        Inert,
        immutable
    ),
    d!("syslog-enabled", Bool, "no", Inert, immutable),
    d!(
        "syslog-facility",
        Enum(&[
            "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"
        ]),
        "local0",
        Inert,
        immutable
    ),
    d!("syslog-ident", Str, "redis", Inert, immutable),
    d!("tcp-backlog", INT, "511", Live, immutable),
    d!("tcp-keepalive", INT, "300", Live),
    d!("timeout", INT, "0", Live),
    d!(
        "tls-auth-clients",
        Enum(&["no", "yes", "optional"]),
        "yes",
        Inert
    ),
    d!("tls-ca-cert-dir", Str, "", Inert),
    d!("tls-ca-cert-file", Str, "", Inert),
    d!("tls-cert-file", Str, "", Inert),
    d!("tls-ciphers", Str, "", Inert),
    d!("tls-ciphersuites", Str, "", Inert),
    d!("tls-client-cert-file", Str, "", Inert),
    d!("tls-client-key-file", Str, "", Inert),
    d!("tls-client-key-file-pass", Str, "", Inert),
    d!("tls-cluster", Bool, "no", Inert),
    d!("tls-dh-params-file", Str, "", Inert),
    d!("tls-key-file", Str, "", Inert),
    d!("tls-key-file-pass", Str, "", Inert),
    d!("tls-port", Kind::Int { min: 0, max: 65535 }, "0", Inert),
    d!("tls-prefer-server-ciphers", Bool, "no", Inert),
    d!("tls-protocols", Str, "", Inert),
    d!("tls-replication", Bool, "no", Inert),
    d!("tls-session-cache-size", INT, "20480", Inert),
    d!("tls-session-cache-timeout", INT, "300", Inert),
    d!("tls-session-caching", Bool, "yes", Inert),
    d!("tracking-table-max-keys", LONG, "1000000", Inert),
    d!("unixsocket", Str, "", Live, immutable),
    d!("unixsocketperm", Kind::Octal, "0", Live, immutable),
    d!("zset-max-listpack-entries", alias "zset-max-ziplist-entries", LONG, "128", Live),
    d!("zset-max-listpack-value", alias "zset-max-ziplist-value", MEM, "64", Live),
];

/// The index in `DIRECTIVES` of `name` or an alias, case-insensitively.
pub fn find(name: &str) -> Option<usize> {
    DIRECTIVES.iter().position(|d| {
        d.name.eq_ignore_ascii_case(name) || d.alias.is_some_and(|a| a.eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::values::normalize;

    #[test]
    fn names_are_sorted_unique_and_lower_case() {
        for pair in DIRECTIVES.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
        for directive in DIRECTIVES {
            assert_eq!(directive.name, directive.name.to_ascii_lowercase());
        }
    }

    #[test]
    fn every_default_is_valid_and_canonical() {
        for directive in DIRECTIVES {
            let args = vec![directive.default.to_owned()];
            let value = normalize(directive.kind, &args).unwrap_or_else(|e| {
                panic!("{}: default {:?}: {e}", directive.name, directive.default)
            });
            assert_eq!(
                value, directive.default,
                "{} default is not canonical",
                directive.name
            );
        }
    }

    #[test]
    fn redis_7_0_names_are_all_here() {
        // CONFIG GET * of redis-server 7.0.15 lists 192 names, aliases included.
        let n_names = DIRECTIVES.len() + DIRECTIVES.iter().filter(|d| d.alias.is_some()).count();
        assert_eq!(n_names, 192);
        assert_eq!(find("SLAVEOF"), find("replicaof"));
        assert!(find("no-such-directive").is_none());
    }
}
