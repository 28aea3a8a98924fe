//! The host commands against the real redis-server 7.0.15, over TCP: the
//! same commands to both, replies compared exactly, masking only what
//! must differ (ids, times, ports, paths, run ids). Also CONFIG GET *
//! (every name and default) and the field names of every INFO section.
//! Under CI=true a missing redis-server fails the test.

mod support;

use bytes::Bytes;
use resp_codec::Frame;
use std::collections::{BTreeMap, BTreeSet};
use support::process::{redis_available, Conn, Process};

/// How to compare one reply.
#[derive(Clone, Copy, PartialEq)]
enum Mask {
    Exact,
    /// Same frame kind and length, values free (ids, times).
    Shape,
}

const SCRIPT: &[(Mask, &[&str])] = &[
    (Mask::Exact, &["PING"]),
    (Mask::Exact, &["ECHO", "hello"]),
    (Mask::Shape, &["HELLO", "3"]),
    (Mask::Exact, &["GET", "nosuchkey"]),
    (Mask::Exact, &["CONFIG", "GET", "maxmemory-policy"]),
    (Mask::Shape, &["HELLO", "2"]),
    (Mask::Exact, &["HELLO", "4"]),
    (Mask::Exact, &["HELLO", "x"]),
    (Mask::Exact, &["HELLO", "2", "AUTH", "a", "b"]),
    (Mask::Exact, &["HELLO", "2", "FOO"]),
    (Mask::Exact, &["AUTH", "x"]),
    (Mask::Exact, &["AUTH", "default", "x"]),
    (Mask::Exact, &["AUTH", "a", "b", "c"]),
    (Mask::Shape, &["CLIENT", "ID"]),
    (Mask::Exact, &["CLIENT", "GETNAME"]),
    (Mask::Exact, &["CLIENT", "HELP"]),
    (Mask::Exact, &["CLIENT", "SETNAME", "n1"]),
    (Mask::Exact, &["CLIENT", "GETNAME"]),
    (Mask::Exact, &["CLIENT", "SETNAME", "a b"]),
    (Mask::Exact, &["CLIENT", "SETNAME", ""]),
    (Mask::Exact, &["CLIENT", "GETNAME"]),
    (Mask::Exact, &["CLIENT", "NO-EVICT", "maybe"]),
    (Mask::Exact, &["CLIENT", "NO-EVICT", "off"]),
    (Mask::Exact, &["CLIENT", "REPLY", "foo"]),
    (Mask::Exact, &["CLIENT", "PAUSE", "x"]),
    (Mask::Exact, &["CLIENT", "PAUSE", "10", "FOO"]),
    // The mode is read before the timeout; a negative one has its own text.
    (Mask::Exact, &["CLIENT", "PAUSE", "-1", "FOO"]),
    (Mask::Exact, &["CLIENT", "PAUSE", "x", "FOO"]),
    (Mask::Exact, &["CLIENT", "PAUSE", "-1"]),
    (Mask::Exact, &["CLIENT", "PAUSE", "-1", "WRITE"]),
    (Mask::Exact, &["CLIENT", "PAUSE", "1", "WRITE", "x"]),
    (Mask::Exact, &["CLIENT", "UNPAUSE"]),
    (Mask::Exact, &["CLIENT", "KILL", "ID", "99999"]),
    (Mask::Exact, &["CLIENT", "KILL", "ID", "x"]),
    (Mask::Exact, &["CLIENT", "KILL", "1.2.3.4:5"]),
    (Mask::Exact, &["CLIENT", "KILL", "ADDR", "1.2.3.4:5"]),
    (Mask::Exact, &["CLIENT", "KILL", "FOO", "bar"]),
    (Mask::Exact, &["CLIENT", "KILL", "USER", "nobody"]),
    (Mask::Exact, &["CLIENT", "KILL", "SKIPME", "maybe"]),
    (Mask::Exact, &["CLIENT", "LIST", "TYPE", "foo"]),
    (Mask::Exact, &["CLIENT", "LIST", "ID", "x"]),
    (Mask::Exact, &["CLIENT", "LIST", "ID", "99999"]),
    (Mask::Exact, &["CLIENT", "FOO"]),
    (Mask::Exact, &["CLIENT"]),
    (Mask::Exact, &["CONFIG", "SET", "foo", "bar"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "hz", "10", "maxmemory", "1x"],
    ),
    (Mask::Exact, &["CONFIG", "SET", "databases", "3"]),
    (Mask::Exact, &["CONFIG", "SET", "hz", "1", "hz", "2"]),
    (Mask::Exact, &["CONFIG", "SET", "hz", "1", "HZ", "2"]),
    // A name and its alias are not duplicates to Redis; the later wins.
    (
        Mask::Exact,
        &[
            "CONFIG",
            "SET",
            "hash-max-listpack-entries",
            "300",
            "hash-max-ziplist-entries",
            "400",
        ],
    ),
    (Mask::Exact, &["CONFIG", "GET", "hash-max-listpack-entries"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "hash-max-listpack-entries", "512"],
    ),
    (Mask::Exact, &["CONFIG", "SET", "save", "10"]),
    (Mask::Exact, &["CONFIG", "SET", "loglevel", "foo"]),
    (Mask::Exact, &["CONFIG", "SET", "appendonly", "maybe"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "client-output-buffer-limit", "foo 1 2 3"],
    ),
    (
        Mask::Exact,
        &["CONFIG", "SET", "notify-keyspace-events", "Q"],
    ),
    (Mask::Exact, &["CONFIG", "SET", "timeout", "-1"]),
    (Mask::Exact, &["CONFIG", "SET", "dir", "/tmp"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "hz", "15", "maxmemory", "1gb"],
    ),
    (Mask::Exact, &["CONFIG", "GET", "hz"]),
    (Mask::Exact, &["CONFIG", "GET", "maxmemory"]),
    (Mask::Exact, &["CONFIG", "SET", "hz", "100000"]),
    (Mask::Exact, &["CONFIG", "GET", "hz"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "hz", "10", "maxmemory", "0"],
    ),
    (
        Mask::Exact,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 1mb 2k 3",
        ],
    ),
    (
        Mask::Exact,
        &["CONFIG", "GET", "client-output-buffer-limit"],
    ),
    (
        Mask::Exact,
        &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
    ),
    (Mask::Exact, &["CONFIG", "GET", "notify-keyspace-events"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "notify-keyspace-events", ""],
    ),
    (Mask::Exact, &["CONFIG", "GET", "HZ", "nonexistent"]),
    // Memory values as memtoull reads them, each directive's own kind
    // and range, percentages, and what CONFIG SET alone adjusts.
    (
        Mask::Exact,
        &["CONFIG", "SET", "maxmemory", "99999999999999999999"],
    ),
    (Mask::Exact, &["CONFIG", "GET", "maxmemory"]),
    (Mask::Exact, &["CONFIG", "SET", "maxmemory", ""]),
    (Mask::Exact, &["CONFIG", "GET", "maxmemory"]),
    (Mask::Exact, &["CONFIG", "SET", "maxmemory-clients", "10%"]),
    (Mask::Exact, &["CONFIG", "GET", "maxmemory-clients"]),
    (Mask::Exact, &["CONFIG", "SET", "maxmemory-clients", "101%"]),
    (Mask::Exact, &["CONFIG", "SET", "maxmemory-clients", "x"]),
    (Mask::Exact, &["CONFIG", "SET", "maxmemory-clients", "0"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "hash-max-listpack-value", "1kb"],
    ),
    (Mask::Exact, &["CONFIG", "GET", "hash-max-listpack-value"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "hash-max-listpack-value", "x"],
    ),
    (
        Mask::Exact,
        &["CONFIG", "SET", "hash-max-listpack-value", "64"],
    ),
    (
        Mask::Exact,
        &["CONFIG", "SET", "zset-max-listpack-value", "-1"],
    ),
    (
        Mask::Exact,
        &[
            "CONFIG",
            "SET",
            "auto-aof-rewrite-min-size",
            "99999999999999999999",
        ],
    ),
    (
        Mask::Exact,
        &["CONFIG", "SET", "active-defrag-ignore-bytes", "0"],
    ),
    (
        Mask::Exact,
        &["CONFIG", "SET", "active-defrag-max-scan-fields", "0"],
    ),
    (Mask::Exact, &["CONFIG", "SET", "socket-mark-id", "0"]),
    (Mask::Exact, &["CONFIG", "SET", "acl-pubsub-default", "x"]),
    (Mask::Exact, &["CONFIG", "SET", "repl-backlog-size", "1"]),
    (Mask::Exact, &["CONFIG", "GET", "repl-backlog-size"]),
    (Mask::Exact, &["CONFIG", "SET", "repl-backlog-size", "1mb"]),
    // Output buffer limits, save points and OOM scores split on single
    // spaces and read by strtoll; an empty limit changes nothing.
    (
        Mask::Exact,
        &["CONFIG", "SET", "client-output-buffer-limit", ""],
    ),
    (
        Mask::Exact,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 01",
        ],
    ),
    (
        Mask::Exact,
        &["CONFIG", "GET", "client-output-buffer-limit"],
    ),
    (
        Mask::Exact,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0  0",
        ],
    ),
    (
        Mask::Exact,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 99999999999999999999",
        ],
    ),
    (
        Mask::Exact,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0",
        ],
    ),
    (Mask::Exact, &["CONFIG", "SET", "save", "+60 01"]),
    (Mask::Exact, &["CONFIG", "GET", "save"]),
    (Mask::Exact, &["CONFIG", "SET", "save", "0 1"]),
    (Mask::Exact, &["CONFIG", "SET", "save", ""]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "oom-score-adj-values", "2001 0 0"],
    ),
    (
        Mask::Exact,
        &["CONFIG", "SET", "oom-score-adj-values", " 0 200 800"],
    ),
    (Mask::Exact, &["COMMAND", "GETKEYS", "ping", "x"]),
    (Mask::Exact, &["COMMAND", "GETKEYS", "foo", "x"]),
    (Mask::Exact, &["COMMAND", "GETKEYS", "get", "a", "b"]),
    (Mask::Exact, &["CONFIG", "GET", "slave-read*"]),
    (Mask::Exact, &["CONFIG", "SET"]),
    (Mask::Exact, &["CONFIG", "SET", "port", "1", "hz"]),
    (Mask::Exact, &["CONFIG", "GET"]),
    (Mask::Exact, &["CONFIG", "FOO"]),
    (Mask::Exact, &["CONFIG", "HELP"]),
    (Mask::Exact, &["CONFIG", "RESETSTAT"]),
    (Mask::Shape, &["TIME"]),
    (Mask::Exact, &["DBSIZE"]),
    (Mask::Shape, &["LASTSAVE"]),
    (Mask::Exact, &["WAIT", "0", "0"]),
    (Mask::Exact, &["WAIT", "x", "0"]),
    (Mask::Exact, &["SLOWLOG", "GET", "-2"]),
    (Mask::Exact, &["SLOWLOG", "FOO"]),
    (Mask::Exact, &["SLOWLOG", "HELP"]),
    (Mask::Exact, &["LATENCY", "LATEST"]),
    (Mask::Exact, &["LATENCY", "HISTORY", "command"]),
    (Mask::Exact, &["LATENCY", "RESET"]),
    (Mask::Exact, &["COMMAND", "GETKEYS", "get", "a"]),
    (Mask::Exact, &["COMMAND", "GETKEYS", "ping"]),
    (Mask::Exact, &["COMMAND", "GETKEYS", "foo"]),
    (Mask::Exact, &["COMMAND", "GETKEYS", "get"]),
    (Mask::Exact, &["COMMAND", "GETKEYS", "set", "a", "b"]),
    (Mask::Exact, &["COMMAND", "FOO"]),
    (Mask::Exact, &["MEMORY", "USAGE", "nokey"]),
    (Mask::Exact, &["MEMORY", "FOO"]),
    (Mask::Exact, &["DEBUG", "SLEEP", "0"]),
    (Mask::Exact, &["SHUTDOWN", "ABORT"]),
    (Mask::Exact, &["SHUTDOWN", "FOO"]),
    (Mask::Exact, &["DUMP", "nosuchkey"]),
    (Mask::Exact, &["SET", "dk", "12345"]),
    (Mask::Exact, &["DUMP", "dk"]),
    (Mask::Exact, &["RESTORE", "dk", "0", "x"]),
    (Mask::Exact, &["RESTORE", "dk2", "0", "garbage"]),
    (Mask::Exact, &["RESTORE", "dk2", "-5", "x"]),
    (Mask::Exact, &["RESTORE", "dk2", "x", "x"]),
    (Mask::Exact, &["RESTORE", "dk2", "0", "x", "FOO"]),
    (Mask::Exact, &["RESTORE", "dk2", "0", "x", "FREQ", "1000"]),
    (Mask::Exact, &["RESTORE", "dk2", "0", "x", "IDLETIME", "-1"]),
    (Mask::Exact, &["BGSAVE", "FOO"]),
    (Mask::Exact, &["BGSAVE", "SCHEDULE", "X"]),
    (Mask::Exact, &["SAVE"]),
    (Mask::Exact, &["SAVE", "x"]),
    (Mask::Shape, &["LASTSAVE"]),
    // Which argument Redis checks first.
    (Mask::Exact, &["HSET", "hk", "f", "v"]),
    (Mask::Exact, &["ZADD", "zk", "1", "a"]),
    (Mask::Exact, &["HRANDFIELD", "hk", "x", "y"]),
    (Mask::Exact, &["ZRANDMEMBER", "zk", "x", "y"]),
    (Mask::Exact, &["HRANDFIELD", "hk", "1", "y"]),
    (Mask::Exact, &["BLMPOP", "abc", "0", "l", "LEFT"]),
    (Mask::Exact, &["BZMPOP", "abc", "0", "l", "MIN"]),
    (Mask::Exact, &["SLOWLOG", "GET", "abc"]),
    (Mask::Exact, &["MEMORY", "USAGE", "hk", "SAMPLES", "-1"]),
    (Mask::Exact, &["MEMORY", "USAGE", "hk", "SAMPLES", "x"]),
    // SAMPLES may come more than once; the look touches nothing (the
    // LFU counter of a new key stays at its start, 5).
    (
        Mask::Shape,
        &["MEMORY", "USAGE", "hk", "SAMPLES", "1", "SAMPLES", "0"],
    ),
    (
        Mask::Exact,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
    ),
    (Mask::Exact, &["SET", "fk", "v"]),
    (Mask::Shape, &["MEMORY", "USAGE", "fk"]),
    (Mask::Exact, &["OBJECT", "FREQ", "fk"]),
    (
        Mask::Exact,
        &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
    ),
    (Mask::Exact, &["CONFIG", "SET", "save", "  100   1  "]),
    (Mask::Exact, &["CONFIG", "SET", "save", ""]),
    (Mask::Exact, &["SET", "k", "v"]),
    (Mask::Exact, &["MULTI"]),
    (Mask::Exact, &["CLIENT", "GETNAME"]),
    (Mask::Exact, &["CONFIG", "GET", "hz"]),
    (Mask::Exact, &["EXEC"]),
    (Mask::Exact, &["RESET"]),
    (Mask::Exact, &["QUIT"]),
];

fn same_shape(a: &Frame, b: &Frame) -> bool {
    match (a, b) {
        (Frame::Array(x), Frame::Array(y))
        | (Frame::Set(x), Frame::Set(y))
        | (Frame::Push(x), Frame::Push(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_shape(a, b))
        }
        (Frame::Map(x), Frame::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same_shape(v1, v2))
        }
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

#[test]
fn host_commands_reply_as_redis_does() {
    if !redis_available() {
        return;
    }
    let ours = Process::ours(&[]);
    let redis = Process::redis(&[]);
    let mut a = Conn::open(ours.port).unwrap();
    let mut b = Conn::open(redis.port).unwrap();
    let mut failures = Vec::new();
    for (mask, command) in SCRIPT {
        let (got, want) = (a.call(command), b.call(command));
        let ok = match mask {
            Mask::Exact => got == want,
            Mask::Shape => same_shape(&got, &want),
        };
        if !ok {
            failures.push(format!(
                "{command:?}\n   ours:  {got:?}\n   redis: {want:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} replies differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn pairs(frame: Frame) -> BTreeMap<String, String> {
    let Frame::Array(items) = frame else {
        panic!("CONFIG GET answers an array")
    };
    let text = |f: &Frame| String::from_utf8_lossy(f.as_bytes().expect("bulk")).into_owned();
    items
        .chunks(2)
        .map(|p| (text(&p[0]), text(&p[1])))
        .collect()
}

#[test]
fn config_get_star_lists_every_directive_with_redis_defaults() {
    if !redis_available() {
        return;
    }
    let ours = Process::ours(&[]);
    let redis = Process::redis(&[]);
    let got = pairs(Conn::open(ours.port).unwrap().call(&["CONFIG", "GET", "*"]));
    let want = pairs(
        Conn::open(redis.port)
            .unwrap()
            .call(&["CONFIG", "GET", "*"]),
    );
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    // Values that are about where and how each process runs.
    const OWN: &[&str] = &["port", "dir", "bind", "daemonize", "pidfile", "logfile"];
    let differing: Vec<String> = want
        .iter()
        .filter(|(name, value)| !OWN.contains(&name.as_str()) && got.get(*name) != Some(value))
        .map(|(name, value)| format!("{name}: ours {:?} redis {value:?}", got.get(name)))
        .collect();
    assert!(
        differing.is_empty(),
        "defaults differ:\n{}",
        differing.join("\n")
    );
}

fn info_fields(frame: Frame) -> BTreeMap<String, BTreeSet<String>> {
    let text =
        String::from_utf8_lossy(frame.as_bytes().expect("INFO is a bulk string")).into_owned();
    let mut sections: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("# ") {
            current = title.to_owned();
            sections.entry(current.clone()).or_default();
        } else if let Some((name, _)) = line.split_once(':') {
            sections
                .entry(current.clone())
                .or_default()
                .insert(name.to_owned());
        }
    }
    sections
}

#[test]
fn info_has_every_field_redis_has() {
    if !redis_available() {
        return;
    }
    let ours = Process::ours(&[]);
    let redis = Process::redis(&[]);
    for conn in [
        Conn::open(ours.port).unwrap(),
        Conn::open(redis.port).unwrap(),
    ]
    .iter_mut()
    {
        conn.call(&["SET", "k", "v"]);
        conn.call(&["FOO"]);
    }
    let got = info_fields(Conn::open(ours.port).unwrap().call(&["INFO", "all"]));
    let want = info_fields(Conn::open(redis.port).unwrap().call(&["INFO", "all"]));
    let mut missing = Vec::new();
    for (section, fields) in &want {
        // Per-command latency histograms are not kept (yet).
        if section == "Latencystats" {
            continue;
        }
        let Some(ours) = got.get(section) else {
            missing.push(format!("section {section}"));
            continue;
        };
        for field in fields.difference(ours) {
            if !field.starts_with("cmdstat_") {
                missing.push(format!("{section}: {field}"));
            }
        }
    }
    assert!(missing.is_empty(), "INFO lacks:\n{}", missing.join("\n"));
    assert!(got["Server"].contains("redis_rust_version"));
    let _ = Bytes::new();
}

/// MEMORY STATS's field names, in order, in RESP3 (a map whose declared
/// size is its real one: the next reply is PING's), with a key in db 0.
#[test]
fn memory_stats_fields_are_redis_s_in_order() {
    if !redis_available() {
        return;
    }
    let ours = Process::ours(&[]);
    let redis = Process::redis(&[]);
    let names = |port: u16| -> Vec<String> {
        let mut conn = Conn::open(port).unwrap();
        conn.call(&["HELLO", "3"]);
        conn.call(&["SET", "k", "v"]);
        let stats = conn.call(&["MEMORY", "STATS"]);
        assert_eq!(
            conn.call(&["PING"]),
            Frame::Simple(Bytes::from_static(b"PONG"))
        );
        let Frame::Map(pairs) = stats else {
            panic!("MEMORY STATS: {stats:?}")
        };
        pairs
            .iter()
            .map(|(k, _)| String::from_utf8_lossy(k.as_bytes().unwrap()).into_owned())
            .collect()
    };
    let (got, want) = (names(ours.port), names(redis.port));
    assert_eq!(got, want);
    assert!(got.contains(&"allocator-rss.ratio".to_owned()));
}

/// INFO persistence's field names, in order, with the AOF on.
#[test]
fn info_persistence_fields_are_redis_s_in_order_with_the_aof_on() {
    if !redis_available() {
        return;
    }
    let ours = Process::ours(&["--appendonly", "yes"]);
    let redis = Process::redis(&["--appendonly", "yes"]);
    let names = |port: u16| -> Vec<String> {
        let frame = Conn::open(port).unwrap().call(&["INFO", "persistence"]);
        let text = String::from_utf8_lossy(frame.as_bytes().expect("bulk")).into_owned();
        text.lines()
            .filter_map(|l| l.split_once(':').map(|(n, _)| n.to_owned()))
            .collect()
    };
    let (got, want) = (names(ours.port), names(redis.port));
    assert_eq!(got, want);
    assert!(got.contains(&"aof_current_size".to_owned()));
}

/// A background save that fails (its directory removed) with save points
/// and `stop-writes-on-bgsave-error yes`: writes, PING and an EXEC of
/// writes get Redis's MISCONF; reads and a read-only EXEC still work.
#[test]
fn a_failed_bgsave_refuses_writes_as_redis_does() {
    if !redis_available() {
        return;
    }
    let args = ["--save", "3600 1", "--enable-protected-configs", "yes"];
    let ours = Process::ours(&args);
    let redis = Process::redis(&args);
    let mut replies = Vec::new();
    for server in [&ours, &redis] {
        let gone = server.dir.join("gone");
        std::fs::create_dir_all(&gone).unwrap();
        let mut conn = Conn::open(server.port).unwrap();
        conn.call(&["SET", "a", "1"]);
        conn.call(&["CONFIG", "SET", "dir", gone.to_str().unwrap()]);
        std::fs::remove_dir(&gone).unwrap();
        let started = conn.call(&["BGSAVE"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let info = conn.call(&["INFO", "persistence"]);
            let text = String::from_utf8_lossy(info.as_bytes().unwrap()).into_owned();
            if text.contains("rdb_bgsave_in_progress:0") {
                assert!(text.contains("rdb_last_bgsave_status:err"), "{text}");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the BGSAVE never ended"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let mut got = vec![started];
        for command in [
            &["SET", "a", "2"][..],
            &["GET", "a"],
            &["PING"],
            &["MULTI"],
            &["SET", "a", "3"],
            &["EXEC"],
            &["MULTI"],
            &["GET", "a"],
            &["EXEC"],
            &["MULTI"],
            &["INCR", "a"],
            &["EXEC"],
        ] {
            got.push(conn.call(command));
        }
        replies.push(got);
    }
    assert_eq!(replies[0], replies[1]);
    assert!(
        matches!(&replies[0][1], Frame::Error(e) if e.starts_with(b"MISCONF Redis is configured to save RDB snapshots")),
        "{:?}",
        replies[0][1]
    );
}

/// Starts ours and redis-server with `args`, runs `exchange` against
/// each (given its port) and asserts both answered the same; the replies.
fn both_answer_alike(args: &[&str], exchange: impl Fn(u16) -> Vec<Frame>) -> Vec<Frame> {
    let (ours, redis) = (Process::ours(args), Process::redis(args));
    let (got, want) = (exchange(ours.port), exchange(redis.port));
    assert_eq!(got, want, "ours, then redis-server's, with {args:?}");
    want
}

/// Each command's reply on `conn`, in order.
fn replies(conn: &mut Conn, script: &[&[&str]]) -> Vec<Frame> {
    script.iter().map(|command| conn.call(command)).collect()
}

/// Before authentication, Redis answers what it finds as it looks the
/// command up (an unknown command or subcommand, a wrong arity, a DEBUG
/// this server does not allow) and only then NOAUTH.
#[test]
fn refusals_before_authentication_come_in_redis_s_order() {
    if !redis_available() {
        return;
    }
    for debug in ["no", "yes"] {
        let want = both_answer_alike(&["--enable-debug-command", debug], |port| {
            // Set after the start, which waits for a PONG.
            Conn::open(port)
                .unwrap()
                .call(&["CONFIG", "SET", "requirepass", "pw"]);
            let script: &[&[&str]] = &[
                &["DEBUG", "SLEEP", "0"],
                &["DEBUG"],
                &["CONFIG", "FOO"],
                &["OBJECT", "FOO", "x"],
                &["CLIENT"],
                &["NOSUCH"],
                &["GET", "a"],
                &["AUTH", "pw"],
                &["DEBUG", "SLEEP", "0"],
            ];
            replies(&mut Conn::open(port).unwrap(), script)
        });
        // The exchange is the point, so it must hold what it is about.
        assert!(
            matches!(&want[0], Frame::Error(e) if e.as_ref() != b"NOAUTH Authentication required.")
                == (debug == "no")
        );
    }
}

/// In RESP2's subscribed mode, too, what Redis finds at lookup comes
/// before the subscribed-mode refusal.
#[test]
fn subscribed_mode_refusals_come_after_the_lookup_s() {
    if !redis_available() {
        return;
    }
    both_answer_alike(&[], |port| {
        let script: &[&[&str]] = &[
            &["SUBSCRIBE", "ch"],
            &["DEBUG", "SLEEP", "0"],
            &["OBJECT", "ENCODING"],
            &["CONFIG", "GET"],
            &["CONFIG", "FOO"],
            &["NOSUCH"],
            &["GET"],
            &["GET", "a"],
            // EXEC refused there is an EXECABORT (Redis's rejectCommand).
            &["EXEC"],
            &["MULTI"],
            &["EXEC"],
        ];
        replies(&mut Conn::open(port).unwrap(), script)
    });
}

/// An INFO field as a frame, to compare with the replies.
fn info_frame(conn: &mut Conn, section: &str, field: &str) -> Frame {
    let info = conn.call(&["INFO", section]);
    let value = support::process::info_field(&info, field).unwrap();
    Frame::Bulk(format!("{field}:{value}").into())
}

/// INFO's maxmemory fields at the largest maxmemory CONFIG SET takes.
#[test]
fn info_shows_the_largest_maxmemory_as_redis_does() {
    if !redis_available() {
        return;
    }
    both_answer_alike(&[], |port| {
        let mut conn = Conn::open(port).unwrap();
        let set = conn.call(&["CONFIG", "SET", "maxmemory", "99999999999999999999"]);
        vec![
            set,
            info_frame(&mut conn, "memory", "maxmemory"),
            info_frame(&mut conn, "memory", "maxmemory_human"),
        ]
    });
}

/// DEBUG POPULATE as Redis does it: names, values (cut or padded with
/// zero bytes to a size), existing keys kept, its argument errors, and no
/// change counted towards the next save.
#[test]
fn debug_populate_fills_as_redis_does() {
    if !redis_available() {
        return;
    }
    let (long, longest) = ("x".repeat(200), "x".repeat(127));
    both_answer_alike(&["--enable-debug-command", "yes"], |port| {
        let mut conn = Conn::open(port).unwrap();
        let script: &[&[&str]] = &[
            &["SET", "w:0", "keep"],
            &["DEBUG", "POPULATE", "3", "w"],
            &["GET", "w:0"],
            &["GET", "w:2"],
            &["DEBUG", "POPULATE", "2", "z", "10"],
            &["GET", "z:1"],
            &["DEBUG", "POPULATE", "2", "y", "3"],
            &["GET", "y:1"],
            &["DEBUG", "POPULATE", "2", "x", "0"],
            &["GET", "x:1"],
            &["DEBUG", "POPULATE", "0"],
            &["DEBUG", "POPULATE", "-1"],
            &["DEBUG", "POPULATE", "1", "a", "b"],
            &["DEBUG", "POPULATE", "99999999999999999999"],
            &["DEBUG", "POPULATE", "1", "a", "1", "c"],
            &["DEBUG", "POPULATE", "+3"],
            &["DEBUG", "POPULATE", "1", "p", "+5"],
            &["DEBUG", "POPULATE", "2", "ab\0cd"],
            &["GET", "ab:1"],
            &["DEBUG", "POPULATE", "2", &long],
            &["STRLEN", &longest],
            &["DEBUG", "POPULATE", "2"],
            &["GET", "key:1"],
            &["TYPE", "key:0"],
            &["DBSIZE"],
        ];
        let mut got = replies(&mut conn, script);
        got.push(info_frame(
            &mut conn,
            "persistence",
            "rdb_changes_since_last_save",
        ));
        got
    });
}

/// DEBUG RELOAD as Redis does it: a WATCH on a key that exists fails (the
/// data was emptied), one on a missing key holds; the reload's save is not
/// counted in rdb_saves; rdb_last_load_keys_loaded is the reload's.
#[test]
fn debug_reload_watches_and_counts_as_redis_does() {
    if !redis_available() {
        return;
    }
    both_answer_alike(&["--enable-debug-command", "yes"], |port| {
        let (mut a, mut b) = (Conn::open(port).unwrap(), Conn::open(port).unwrap());
        let mut got = replies(&mut a, &[&["SET", "k", "v"], &["SET", "j", "w"]]);
        for watched in ["k", "missing"] {
            got.push(b.call(&["WATCH", watched]));
            got.push(a.call(&["DEBUG", "RELOAD"]));
            got.extend(replies(&mut b, &[&["MULTI"], &["PING"], &["EXEC"]]));
        }
        for field in [
            "rdb_saves",
            "rdb_last_load_keys_loaded",
            "rdb_changes_since_last_save",
        ] {
            got.push(info_frame(&mut a, "persistence", field));
        }
        got
    });
}

/// Everything that arrives up to (and without) the PONG of a PING sent
/// after `commands`, all sent at once (one write: one pipeline).
fn frames_until_pong(conn: &mut Conn, commands: &[&[&str]]) -> Vec<Frame> {
    conn.send_pipeline(&[commands, &[&["PING"]]].concat());
    let pong = Frame::Simple(Bytes::from_static(b"PONG"));
    let mut frames = Vec::new();
    loop {
        let frame = conn.read().expect("a reply before PING's");
        if frame == pong {
            return frames;
        }
        assert!(frames.len() < 1000, "no PONG: {frames:?}");
        frames.push(frame);
    }
}

/// A RESP3 client subscribed to its own keyspace events gets each push
/// where Redis 7.0 writes it: before the reply (SET, DEL, INCR, RENAME),
/// after it (LPUSH, HSET, ZADD, EXPIRE, SET GET), split around it (LMOVE,
/// SPOP) or inside it (the zset pops); a lazy expiry's first; inside
/// EXEC's array at each queued command's place; pipelined alike.
#[test]
fn own_keyspace_pushes_come_where_redis_writes_them() {
    if !redis_available() {
        return;
    }
    let singles: &[&[&str]] = &[
        &["SET", "a", "1"],
        &["SET", "a", "2", "GET", "EX", "100"],
        &["GETSET", "a", "3"],
        &["GETEX", "a", "PERSIST"],
        &["EXPIRE", "a", "100"],
        &["INCR", "n"],
        &["RENAME", "n", "m"],
        &["GETDEL", "m"],
        &["EXPIRE", "a", "0"],
        &["BITFIELD", "b", "SET", "u8", "0", "1"],
        &["LPUSH", "l", "x", "y", "z"],
        &["LPOP", "l"],
        &["LSET", "l", "0", "w"],
        &["LINSERT", "l", "BEFORE", "w", "v"],
        &["LMOVE", "l", "d", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "l", "d"],
        &["LMPOP", "1", "d", "LEFT", "COUNT", "5"],
        &["BLPOP", "l", "0"],
        &["SADD", "s", "a"],
        &["SPOP", "s"],
        &["SADD", "s", "a", "b"],
        &["SADD", "t", "b"],
        &["SINTERSTORE", "st", "s", "t"],
        &["SMOVE", "s", "t", "a"],
        &["HSET", "h", "f", "1"],
        &["HINCRBY", "h", "f", "2"],
        &["HDEL", "h", "f"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
        &["ZINCRBY", "z", "1", "a"],
        &["ZPOPMIN", "z"],
        &["ZPOPMAX", "z", "1"],
        &["BZPOPMIN", "z", "0"],
        &["ZMPOP", "1", "z", "MIN", "COUNT", "5"],
        &["ZADD", "y", "1", "a"],
        &["ZUNIONSTORE", "zu", "1", "y"],
        &["ZREM", "y", "a"],
        &["SET", "e", "1", "PX", "1"],
        &["DEBUG", "SLEEP", "0.01"],
        &["LPUSH", "e", "x"],
        &["DEL", "e", "l", "nosuch"],
    ];
    let grouped: &[&[&[&str]]] = &[
        &[&["SET", "p", "1"], &["LPUSH", "q", "x"], &["INCR", "p"]],
        &[
            &["MULTI"],
            &["SET", "p", "2"],
            &["LPUSH", "q", "y"],
            &["LMOVE", "q", "r", "LEFT", "RIGHT"],
            &["ZADD", "zz", "1", "a"],
            &["ZPOPMIN", "zz"],
            &["EXEC"],
        ],
    ];
    let want = both_answer_alike(&["--enable-debug-command", "yes"], |port| {
        let mut conn = Conn::open(port).unwrap();
        let setup: &[&[&str]] = &[
            &["HELLO", "3"],
            &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
            &["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
            &["PSUBSCRIBE", "__key*__:*"],
        ];
        frames_until_pong(&mut conn, setup);
        let mut got = Vec::new();
        for command in singles {
            got.push(Frame::Array(frames_until_pong(&mut conn, &[command])));
        }
        for group in grouped {
            got.push(Frame::Array(frames_until_pong(&mut conn, group)));
        }
        got
    });
    // LPUSH's push follows its reply: the exchange holds what it is about.
    let lpush = singles.iter().position(|c| c[0] == "LPUSH").unwrap();
    let Frame::Array(frames) = &want[lpush] else {
        unreachable!()
    };
    assert_eq!(frames[0], Frame::Integer(3), "{frames:?}");
    assert!(matches!(frames[1], Frame::Push(_)), "{frames:?}");
}

/// With `new` and `keymiss` events on too: MGET's lookups raise inside
/// its array, SET GET and GETSET create the key after their reply.
#[test]
fn lookup_and_new_pushes_come_where_redis_writes_them() {
    if !redis_available() {
        return;
    }
    let singles: &[&[&str]] = &[
        &["SET", "mg", "1"],
        &["SET", "mx", "1", "PX", "1"],
        &["DEBUG", "SLEEP", "0.01"],
        &["MGET", "mg", "mx", "nosuch", "mg"],
        &["SET", "fresh", "v", "GET"],
        &["GETSET", "fresh2", "v"],
        &["LPUSH", "newlist", "x"],
        &["GET", "nosuch"],
        // A missing source deletes the destination before the reply; an
        // empty intersection of existing sets after it.
        &["SADD", "s1", "a"],
        &["SADD", "s2", "b"],
        &["SADD", "dest", "x"],
        &["SINTERSTORE", "dest", "s1", "nosuch"],
        &["SADD", "dest", "x"],
        &["SINTERSTORE", "dest", "s1", "s2"],
    ];
    let want = both_answer_alike(&["--enable-debug-command", "yes"], |port| {
        let mut conn = Conn::open(port).unwrap();
        let setup: &[&[&str]] = &[
            &["HELLO", "3"],
            &["CONFIG", "SET", "notify-keyspace-events", "KEAnm"],
            &["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
            &["PSUBSCRIBE", "__keyevent@0__:*"],
        ];
        frames_until_pong(&mut conn, setup);
        singles
            .iter()
            .map(|command| Frame::Array(frames_until_pong(&mut conn, &[command])))
            .collect()
    });
    // MGET's expired and keymiss pushes are inside its reply's frames (a
    // reader that does not know pushes takes them for its elements).
    let Frame::Array(mget) = &want[3] else {
        unreachable!()
    };
    assert!(
        matches!(&mget[0], Frame::Array(inner) if matches!(inner[1], Frame::Push(_))),
        "{mget:?}"
    );
}

/// A blocked client served by another's EXEC: the events its serving
/// raises reach the waking client after EXEC's whole reply, as in Redis
/// (they once landed at an offset of the served client's reply, inside
/// the waking client's bulk string).
#[test]
fn pushes_of_a_served_waiter_follow_the_waking_reply() {
    if !redis_available() {
        return;
    }
    let value = "v".repeat(50);
    both_answer_alike(&[], |port| {
        let mut waker = Conn::open(port).unwrap();
        let setup: &[&[&str]] = &[
            &["HELLO", "3"],
            &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
            &["SET", "k", &value],
            &["PSUBSCRIBE", "__keyevent@0__:*"],
        ];
        frames_until_pong(&mut waker, setup);
        let mut waiter = Conn::open(port).unwrap();
        waiter.send(&["BLPOP", "l", "0"]);
        std::thread::sleep(std::time::Duration::from_millis(200));
        // (A PING inside MULTI would be queued.)
        let mut got = replies(
            &mut waker,
            &[&["MULTI"], &["LPUSH", "l", "x"], &["GET", "k"]],
        );
        got.extend(frames_until_pong(&mut waker, &[&["EXEC"]]));
        got.push(waiter.read().expect("BLPOP's reply"));
        got
    });
}

/// The AOF switched off and on again in one EXEC stays on, with a new
/// base, as Redis restarts it (it once stayed off, CONFIG saying yes).
#[test]
fn appendonly_off_and_on_in_one_exec_stays_on() {
    if !redis_available() {
        return;
    }
    both_answer_alike(&["--appendonly", "yes"], |port| {
        let mut conn = Conn::open(port).unwrap();
        let mut got = replies(
            &mut conn,
            &[
                &["SET", "a", "1"],
                &["MULTI"],
                &["CONFIG", "SET", "appendonly", "no"],
                &["CONFIG", "SET", "appendonly", "yes"],
                &["EXEC"],
            ],
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let idle = Frame::Bulk(Bytes::from_static(b"aof_rewrite_in_progress:0"));
        let unscheduled = Frame::Bulk(Bytes::from_static(b"aof_rewrite_scheduled:0"));
        while info_frame(&mut conn, "persistence", "aof_rewrites")
            != Frame::Bulk(Bytes::from_static(b"aof_rewrites:1"))
            || info_frame(&mut conn, "persistence", "aof_rewrite_in_progress") != idle
            || info_frame(&mut conn, "persistence", "aof_rewrite_scheduled") != unscheduled
        {
            assert!(std::time::Instant::now() < deadline, "no rewrite ended");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        got.push(info_frame(&mut conn, "persistence", "aof_enabled"));
        got.push(conn.call(&["CONFIG", "GET", "appendonly"]));
        got
    });
}

/// DEBUG RELOAD inside MULTI/EXEC runs, as Redis runs it: +OK in EXEC's
/// array, the data kept, another client's WATCH on an existing key
/// broken, the load counted, the changes saved.
#[test]
fn debug_reload_inside_exec_runs_as_redis_runs_it() {
    if !redis_available() {
        return;
    }
    let want = both_answer_alike(&["--enable-debug-command", "yes"], |port| {
        let (mut a, mut b) = (Conn::open(port).unwrap(), Conn::open(port).unwrap());
        let mut got = replies(&mut a, &[&["SET", "k", "v"]]);
        got.push(b.call(&["WATCH", "k"]));
        got.extend(replies(
            &mut a,
            &[
                &["MULTI"],
                &["SET", "k2", "v2"],
                &["DEBUG", "RELOAD"],
                &["GET", "k2"],
                &["EXEC"],
                &["DBSIZE"],
                &["GET", "k"],
            ],
        ));
        got.extend(replies(&mut b, &[&["MULTI"], &["PING"], &["EXEC"]]));
        for field in ["rdb_last_load_keys_loaded", "rdb_changes_since_last_save"] {
            got.push(info_frame(&mut a, "persistence", field));
        }
        got
    });
    assert_eq!(
        want[6],
        Frame::Array(vec![
            Frame::Simple(Bytes::from_static(b"OK")),
            Frame::Simple(Bytes::from_static(b"OK")),
            Frame::Bulk(Bytes::from_static(b"v2")),
        ])
    );
}

/// BGSAVE inside EXEC is scheduled, as Redis schedules it (twice too),
/// and the timer then saves once.
#[test]
fn bgsave_inside_exec_is_scheduled_as_redis_does() {
    if !redis_available() {
        return;
    }
    let want = both_answer_alike(&[], |port| {
        let mut conn = Conn::open(port).unwrap();
        let mut got = replies(
            &mut conn,
            &[
                &["SET", "k", "v"],
                &["MULTI"],
                &["BGSAVE"],
                &["BGSAVE", "SCHEDULE"],
                &["EXEC"],
            ],
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let saved = |conn: &mut Conn| {
            info_frame(conn, "persistence", "rdb_saves")
                == Frame::Bulk(Bytes::from_static(b"rdb_saves:1"))
                && info_frame(conn, "persistence", "rdb_bgsave_in_progress")
                    == Frame::Bulk(Bytes::from_static(b"rdb_bgsave_in_progress:0"))
        };
        while !saved(&mut conn) {
            assert!(std::time::Instant::now() < deadline, "never saved");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        for field in ["rdb_bgsave_in_progress", "rdb_last_bgsave_status"] {
            got.push(info_frame(&mut conn, "persistence", field));
        }
        got
    });
    let scheduled = Frame::Simple(Bytes::from_static(b"Background saving scheduled"));
    assert_eq!(want[4], Frame::Array(vec![scheduled.clone(), scheduled]));
}

/// A RESP3 client subscribed to keyspace events whose LPUSH serves a
/// blocked BLPOP gets the pushes of the serving after its reply and those
/// of its own events, as Redis serves waiters after the command.
#[test]
fn pushes_of_serving_a_waiter_follow_the_serving_command_s_reply() {
    if !redis_available() {
        return;
    }
    both_answer_alike(&["--notify-keyspace-events", "KEA"], |port| {
        let (mut waiter, mut pusher) = (Conn::open(port).unwrap(), Conn::open(port).unwrap());
        frames_until_pong(
            &mut pusher,
            &[&["HELLO", "3"], &["PSUBSCRIBE", "__key*__:*"]],
        );
        waiter.send(&["BLPOP", "l", "0"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut admin = Conn::open(port).unwrap();
        let blocked = Frame::Bulk(Bytes::from_static(b"blocked_clients:1"));
        while info_frame(&mut admin, "clients", "blocked_clients") != blocked {
            assert!(std::time::Instant::now() < deadline, "never blocked");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let mut got = frames_until_pong(
            &mut pusher,
            &[&["SET", "a", "1"], &["LPUSH", "l", "x"], &["SET", "b", "1"]],
        );
        got.push(waiter.read().unwrap());
        got
    });
}
