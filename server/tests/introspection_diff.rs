//! What the server reports of itself, against the real redis-server
//! 7.0.15, where a reply's order is free (so not in differential.rs's
//! exact script): INFO commandstats and errorstats (what counts as a
//! call, a rejected or failed call, an error reply), COMMAND LIST's
//! names, the latency monitor after CONFIG RESETSTAT, a client's flags
//! after RESET. Under CI=true a missing redis-server fails the test.

mod support;

use resp_codec::Frame;
use std::collections::{BTreeMap, BTreeSet};
use support::process::{redis_available, Conn, Process};

/// Runs `exchange` against redis-server, then against ours, both started
/// with `args`, and asserts they answered alike; Redis's answer.
fn alike<T: PartialEq + std::fmt::Debug>(args: &[&str], exchange: impl Fn(u16) -> T) -> T {
    let (ours, redis) = (Process::ours(args), Process::redis(args));
    let want = exchange(redis.port);
    assert_eq!(exchange(ours.port), want, "ours, then redis-server's");
    want
}

/// The lines of INFO `section` (sorted: Redis's commandstats come in its
/// dictionary's order), `usec` fields masked.
fn section_lines(conn: &mut Conn, section: &str) -> BTreeSet<String> {
    let Frame::Bulk(text) = conn.call(&["INFO", section]) else {
        panic!("INFO's bulk");
    };
    String::from_utf8_lossy(&text)
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            line.split(',')
                .filter(|field| !field.contains("usec"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

/// Runs `script` after a CONFIG RESETSTAT on ours and on redis-server and
/// compares their commandstats and errorstats.
fn counted_alike(script: &[&[&str]]) {
    let counted = |port: u16| {
        let mut conn = Conn::open(port).unwrap();
        conn.call(&["CONFIG", "RESETSTAT"]);
        for command in script {
            conn.call(command);
        }
        (
            section_lines(&mut conn, "commandstats"),
            section_lines(&mut conn, "errorstats"),
        )
    };
    alike(&[], counted);
}

/// An unknown subcommand is no call of its container, only an error.
#[test]
fn an_unknown_subcommand_counts_no_call() {
    if !redis_available() {
        return;
    }
    counted_alike(&[
        &["CLIENT", "FOO"],
        &["CONFIG", "FOO"],
        &["OBJECT", "FOO", "x"],
        &["CLIENT"],
    ]);
}

/// COMMAND LIST names every command and subcommand we run, as Redis's
/// does (ours runs a subset of Redis's commands: compared on it).
#[test]
fn command_list_names_subcommands_too() {
    if !redis_available() {
        return;
    }
    let names = |port: u16| -> BTreeSet<String> {
        let Frame::Array(names) = Conn::open(port).unwrap().call(&["COMMAND", "LIST"]) else {
            panic!("COMMAND LIST's array");
        };
        names
            .into_iter()
            .map(|name| match name {
                Frame::Bulk(name) => String::from_utf8_lossy(&name).into_owned(),
                other => panic!("a name: {other:?}"),
            })
            .collect()
    };
    let (ours, redis) = (Process::ours(&[]), Process::redis(&[]));
    let (got, want) = (names(ours.port), names(redis.port));
    assert!(
        got.contains("client|list") && got.contains("config|get"),
        "{got:?}"
    );
    let unknown: Vec<_> = got.difference(&want).collect();
    // Two of ours came with Redis 7.2 (`command_docs`'s list of them).
    assert!(
        unknown
            .iter()
            .all(|name| ["client|no-touch", "client|setinfo"].contains(&name.as_str())),
        "{unknown:?}"
    );
}

/// CONFIG RESETSTAT leaves the latency monitor's events, and RESET a
/// client's NO-EVICT flag, as Redis does.
#[test]
fn resetstat_and_reset_keep_what_redis_keeps() {
    if !redis_available() {
        return;
    }
    let exchange = |port: u16| {
        let mut conn = Conn::open(port).unwrap();
        conn.call(&["CONFIG", "SET", "latency-monitor-threshold", "1"]);
        let mut got = vec![conn.call(&["DEBUG", "SLEEP", "0.01"])];
        conn.call(&["CONFIG", "RESETSTAT"]);
        got.push(conn.call(&["LATENCY", "RESET", "command"]));
        conn.call(&["CLIENT", "NO-EVICT", "on"]);
        conn.call(&["RESET"]);
        let Frame::Bulk(info) = conn.call(&["CLIENT", "INFO"]) else {
            panic!("CLIENT INFO's bulk");
        };
        let info = String::from_utf8_lossy(&info).into_owned();
        let flags = info
            .split(' ')
            .find(|f| f.starts_with("flags="))
            .map(str::to_owned);
        (got, flags)
    };
    let args = ["--enable-debug-command", "yes"];
    let want = alike(&args, exchange);
    assert_eq!(want.0[1], Frame::Integer(1));
}

/// DEBUG SLEEP stalls every client, not only the caller, and counts its
/// sleep as its time, as Redis's does.
#[test]
fn debug_sleep_stalls_the_server_and_is_timed() {
    if !redis_available() {
        return;
    }
    let stalled = |port: u16| {
        let (mut sleeper, mut other) = (Conn::open(port).unwrap(), Conn::open(port).unwrap());
        sleeper.call(&["CONFIG", "RESETSTAT"]);
        sleeper.send(&["DEBUG", "SLEEP", "0.5"]);
        // The sleep has begun once the sleeper's connection ran it.
        std::thread::sleep(std::time::Duration::from_millis(100));
        let began = std::time::Instant::now();
        assert_eq!(other.call(&["PING"]), Frame::Simple("PONG".into()));
        let waited = began.elapsed();
        assert_eq!(sleeper.read(), Some(Frame::Simple("OK".into())));
        let debug = section_lines(&mut other, "commandstats")
            .into_iter()
            .find(|line| line.starts_with("cmdstat_debug:"));
        let Frame::Bulk(stats) = other.call(&["INFO", "commandstats"]) else {
            panic!("INFO's bulk");
        };
        let usec: u64 = String::from_utf8_lossy(&stats)
            .split("cmdstat_debug:calls=1,usec=")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .and_then(|usec| usec.parse().ok())
            .expect("DEBUG's usec");
        (waited, usec, debug)
    };
    let args = ["--enable-debug-command", "yes"];
    let (ours, redis) = (Process::ours(&args), Process::redis(&args));
    for port in [redis.port, ours.port] {
        let (waited, usec, debug) = stalled(port);
        assert!(
            waited >= std::time::Duration::from_millis(250),
            "{port}: PING after {waited:?}"
        );
        assert!((500_000..5_000_000).contains(&usec), "{port}: usec {usec}");
        assert_eq!(
            debug.as_deref(),
            Some("cmdstat_debug:calls=1,rejected_calls=0,failed_calls=0")
        );
    }
}

/// Commands EXEC runs count as calls there, their errors as errors
/// (failed_calls, errorstats); queuing them counts nothing (DISCARD).
#[test]
fn commands_in_exec_count_as_redis_counts_them() {
    if !redis_available() {
        return;
    }
    counted_alike(&[
        &["SET", "a", "1"],
        &["MULTI"],
        &["LPUSH", "a", "x"],
        &["INCR", "a"],
        &["CONFIG", "GET", "maxclients"],
        &["SET", "b", "2"],
        &["EXEC"],
        &["MULTI"],
        &["HSET", "h", "f", "v"],
        &["DISCARD"],
        &["MULTI"],
        &["FOO"],
        &["EXEC"],
    ]);
}

/// DEBUG OBJECT's fields (but the address and the LRU clock), and it
/// leaves the key's idle time alone.
#[test]
fn debug_object_reports_as_redis_and_touches_nothing() {
    if !redis_available() {
        return;
    }
    let exchange = |port: u16| {
        let mut conn = Conn::open(port).unwrap();
        for command in [
            &["SET", "k", "hello"][..],
            &["SET", "n", "12345"],
            &["HSET", "h", "f", "v"],
            &["SADD", "s", "1", "2"],
            &["ZADD", "z", "1", "a"],
        ] {
            conn.call(command);
        }
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let mut got = Vec::new();
        for key in ["k", "n", "h", "s", "z"] {
            let Frame::Simple(text) = conn.call(&["DEBUG", "OBJECT", key]) else {
                panic!("DEBUG OBJECT's status");
            };
            let text = String::from_utf8_lossy(&text).into_owned();
            let kept: Vec<&str> = text
                .split(' ')
                .filter(|field| !field.starts_with("at:") && !field.starts_with("lru:"))
                // Seconds idle, at least the 1.1 s slept (whole seconds on
                // a clock each server ticks its own way: 1 or 2).
                .map(|field| match field.strip_prefix("lru_seconds_idle:") {
                    Some(secs) if secs.parse::<u64>().is_ok_and(|s| (1..=3).contains(&s)) => {
                        "lru_seconds_idle:1..3"
                    }
                    _ => field,
                })
                .collect();
            got.push(kept.join(" "));
        }
        // DEBUG OBJECT did not touch the key.
        let idle = conn.call(&["OBJECT", "IDLETIME", "k"]);
        got.push(format!("{}", matches!(idle, Frame::Integer(1..=3))));
        got.push(format!("{:?}", conn.call(&["DEBUG", "OBJECT", "nosuch"])));
        got
    };
    let args = ["--enable-debug-command", "yes"];
    let want = alike(&args, exchange);
    assert!(want[0].contains("lru_seconds_idle:1..3"), "{want:?}");
    assert_eq!(want[5], "true", "{want:?}");
}

/// DEBUG OBJECT on a list built by pushes at its tail: the quicklist's
/// fields (nodes, elements per node, fill, compression, bytes) by fill
/// and element sizes.
#[test]
fn debug_object_counts_a_list_s_quicklist_as_redis() {
    if !redis_available() {
        return;
    }
    let exchange = |port: u16| {
        let mut conn = Conn::open(port).unwrap();
        let mut got = Vec::new();
        let lists: &[(&str, &str, usize, usize)] = &[
            // (list-max-listpack-size, list-compress-depth, elements, bytes each)
            ("-2", "0", 3, 1),
            ("-2", "0", 300, 8),
            ("-2", "0", 5, 3000),
            ("-1", "0", 7, 1000),
            ("5", "0", 11, 2),
            ("5", "1", 16, 2),
            ("0", "0", 3, 1),
            ("-10", "0", 2, 1),
            ("100000", "0", 2, 1),
        ];
        for (i, &(fill, depth, n, size)) in lists.iter().enumerate() {
            conn.call(&["CONFIG", "SET", "list-max-listpack-size", fill]);
            conn.call(&["CONFIG", "SET", "list-compress-depth", depth]);
            let key = format!("l{i}");
            for j in 0..n {
                let item = format!("{j:0size$}");
                conn.call(&["RPUSH", &key, &item]);
            }
            let Frame::Simple(text) = conn.call(&["DEBUG", "OBJECT", &key]) else {
                panic!("DEBUG OBJECT's status");
            };
            let text = String::from_utf8_lossy(&text).into_owned();
            let fields: Vec<&str> = text
                .split(' ')
                .filter(|field| field.starts_with("ql_") || field.starts_with("encoding:"))
                .collect();
            got.push(fields.join(" "));
        }
        got
    };
    let want = alike(&["--enable-debug-command", "yes"], exchange);
    assert!(want[0].contains("ql_nodes:1"), "{want:?}");
}

/// CLIENT LIST's query buffer fields: another client's command not whole
/// yet shows in its `qbuf` (what is not read into an argument yet) and
/// `argv-mem` (the arguments read), and the asking client's `argv-mem` is
/// its command's argument bytes.
#[test]
fn client_list_shows_the_query_buffer_and_argv_memory() {
    if !redis_available() {
        return;
    }
    let field = |line: &str, name: &str| -> String {
        line.split(' ')
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or("missing")
            .to_string()
    };
    let exchange = |port: u16| {
        use std::io::Write;
        // The first client: CLIENT LIST names it first.
        let mut partial = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        partial
            .write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nxxxxxxxxxx")
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let mut conn = Conn::open(port).unwrap();
        let text = |frame: Frame| String::from_utf8_lossy(frame.as_bytes().unwrap()).into_owned();
        let list = text(conn.call(&["CLIENT", "LIST"]));
        let partial_line = list.lines().next().expect("the partial client's line");
        let own = text(conn.call(&["CLIENT", "INFO"]));
        conn.call(&["MULTI"]);
        conn.call(&["CLIENT", "INFO"]);
        let Frame::Array(in_exec) = conn.call(&["EXEC"]) else {
            panic!("EXEC's array");
        };
        vec![
            field(partial_line, "qbuf"),
            field(partial_line, "argv-mem"),
            field(partial_line, "cmd"),
            field(&own, "argv-mem"),
            field(&text(in_exec[0].clone()), "argv-mem"),
        ]
    };
    let want = alike(&[], exchange);
    assert_eq!(want[..2], ["10", "4"], "{want:?}");
}

/// More clients than the open-files limit can take are refused, naming
/// how many would fit (that number depends on each process's limits);
/// maxclients stays as it was.
#[test]
fn maxclients_past_the_open_files_limit_is_refused() {
    if !redis_available() {
        return;
    }
    let exchange = |port: u16| {
        let mut conn = Conn::open(port).unwrap();
        let Frame::Error(text) = conn.call(&["CONFIG", "SET", "maxclients", "100000000"]) else {
            panic!("an error");
        };
        let text = String::from_utf8_lossy(&text).into_owned();
        let (refusal, fits) = text.rsplit_once(' ').expect("try with N");
        assert!(fits.parse::<u64>().is_ok_and(|n| n < 100_000_000), "{text}");
        (
            refusal.to_owned(),
            conn.call(&["CONFIG", "GET", "maxclients"]),
        )
    };
    alike(&[], exchange);
}

/// DEBUG PROTOCOL's test values of every RESP type, in RESP2 and RESP3.
#[test]
fn debug_protocol_sends_what_redis_sends() {
    if !redis_available() {
        return;
    }
    let types = [
        "string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push",
        "verbatim", "true", "false", "foo",
    ];
    let exchange = |port: u16| {
        let mut got = Vec::new();
        for protocol in ["2", "3"] {
            let mut conn = Conn::open(port).unwrap();
            conn.call(&["HELLO", protocol]);
            // DEBUG SLEEP reads its number as C's atof does.
            got.push(conn.call(&["DEBUG", "SLEEP", "abc"]));
            got.push(conn.call(&["DEBUG", "SLEEP", "0.01xyz"]));
            for kind in types {
                got.push(conn.call(&["DEBUG", "PROTOCOL", kind]));
                // A push comes before its command's reply.
                if protocol == "3" && kind == "push" {
                    got.push(conn.read().expect("the reply after the push"));
                }
            }
        }
        got
    };
    let args = ["--enable-debug-command", "yes"];
    let want = alike(&args, exchange);
    assert!(want.iter().any(|frame| matches!(frame, Frame::Push(_))));
}

/// DEBUG SLEEP's stall is its own: it neither turns a CLIENT PAUSE WRITE
/// into a pause of everything for as long, nor ends at CLIENT UNPAUSE.
#[test]
fn debug_sleep_stall_is_apart_from_client_pause() {
    if !redis_available() {
        return;
    }
    let ms = std::time::Duration::from_millis;
    let stalls = |port: u16| {
        let conns = || Conn::open(port).unwrap();
        let (mut pauser, mut sleeper, mut reader) = (conns(), conns(), conns());
        // A write pause of 5 s, a sleep of 0.3 s: reads wait for the sleep only.
        pauser.call(&["CLIENT", "PAUSE", "5000", "WRITE"]);
        sleeper.send(&["DEBUG", "SLEEP", "0.3"]);
        std::thread::sleep(ms(100));
        let began = std::time::Instant::now();
        reader.call(&["GET", "foo"]);
        let read_after = began.elapsed();
        sleeper.read().expect("DEBUG SLEEP's reply");
        pauser.call(&["CLIENT", "UNPAUSE"]);
        // CLIENT UNPAUSE during a sleep of 1 s does not end it.
        sleeper.send(&["DEBUG", "SLEEP", "1"]);
        std::thread::sleep(ms(100));
        let began = std::time::Instant::now();
        pauser.call(&["CLIENT", "UNPAUSE"]);
        pauser.call(&["SET", "x", "1"]);
        let unpaused_after = began.elapsed();
        sleeper.read().expect("DEBUG SLEEP's reply");
        (read_after, unpaused_after)
    };
    let args = ["--enable-debug-command", "yes"];
    let (ours, redis) = (Process::ours(&args), Process::redis(&args));
    for port in [redis.port, ours.port] {
        let (read_after, unpaused_after) = stalls(port);
        assert!(read_after < ms(2000), "{port}: GET after {read_after:?}");
        assert!(
            unpaused_after >= ms(600),
            "{port}: SET after {unpaused_after:?}"
        );
    }
}

/// A command a gate refuses (here NOAUTH) is a rejected call of it.
#[test]
fn commands_refused_by_a_gate_count_as_rejected_calls() {
    if !redis_available() {
        return;
    }
    let counted = |port: u16| {
        // The connection that sets the password stays authenticated.
        let mut conn = Conn::open(port).unwrap();
        conn.call(&["CONFIG", "SET", "requirepass", "pw"]);
        let mut stranger = Conn::open(port).unwrap();
        stranger.call(&["GET", "a"]);
        stranger.call(&["EXEC"]);
        let counted = section_lines(&mut conn, "commandstats")
            .into_iter()
            .filter(|line| line.starts_with("cmdstat_get") || line.starts_with("cmdstat_exec"))
            .collect::<Vec<_>>();
        conn.call(&["CONFIG", "SET", "requirepass", ""]);
        counted
    };
    let want = alike(&[], counted);
    assert_eq!(want.len(), 2, "{want:?}");
}

/// A slow command inside EXEC is logged when EXEC runs it, with its own
/// time (here DEBUG SLEEP's), and two sleeps in one EXEC sleep both.
#[test]
fn slow_commands_inside_exec_are_logged_as_redis_logs_them() {
    if !redis_available() {
        return;
    }
    let logged = |port: u16| {
        let mut conn = Conn::open(port).unwrap();
        conn.call(&["CONFIG", "SET", "slowlog-log-slower-than", "100000"]);
        conn.call(&["SLOWLOG", "RESET"]);
        let began = std::time::Instant::now();
        for command in [
            &["MULTI"][..],
            &["DEBUG", "SLEEP", "0.15"],
            &["LPUSH", "a", "x"],
            &["DEBUG", "SLEEP", "0.15"],
            &["EXEC"],
        ] {
            conn.call(command);
        }
        let took = began.elapsed();
        let Frame::Array(entries) = conn.call(&["SLOWLOG", "GET"]) else {
            panic!("SLOWLOG GET's array");
        };
        let logged: Vec<(Frame, bool)> = entries
            .into_iter()
            .map(|entry| match entry {
                Frame::Array(fields) => {
                    let slow = matches!(fields[2], Frame::Integer(us) if us >= 150_000);
                    (fields[3].clone(), slow)
                }
                other => panic!("an entry: {other:?}"),
            })
            .collect();
        (logged, took >= std::time::Duration::from_millis(300))
    };
    let args = ["--enable-debug-command", "yes"];
    let want = alike(&args, logged);
    assert!(want.1 && !want.0.is_empty(), "{want:?}");
}

/// INFO latencystats as {command: [(percentile label, usec)]}, each
/// number checked to be printed with 3 decimals.
fn latency_lines(conn: &mut Conn) -> BTreeMap<String, Vec<(String, f64)>> {
    let Frame::Bulk(text) = conn.call(&["INFO", "latencystats"]) else {
        panic!("INFO's bulk");
    };
    let text = String::from_utf8_lossy(&text).into_owned();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("# Latencystats"), "{text}");
    lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, fields) = line.split_once(':').expect("name:fields");
            let name = name
                .strip_prefix("latency_percentiles_usec_")
                .unwrap_or_else(|| panic!("{line}"));
            let fields = fields
                .split(',')
                .filter(|field| !field.is_empty())
                .map(|field| {
                    let (label, usec) = field.split_once('=').expect("label=usec");
                    let decimals = usec.split_once('.').map(|(_, d)| d.len());
                    assert_eq!(decimals, Some(3), "{line}");
                    (label.to_owned(), usec.parse().expect("a number"))
                })
                .collect();
            (name.to_owned(), fields)
        })
        .collect()
}

/// Only the labels of `latency_lines`.
fn latency_labels(lines: &BTreeMap<String, Vec<(String, f64)>>) -> BTreeMap<String, Vec<String>> {
    lines
        .iter()
        .map(|(name, fields)| {
            let labels = fields.iter().map(|(label, _)| label.clone()).collect();
            (name.clone(), labels)
        })
        .collect()
}

/// The `# Title` lines of INFO `sections`.
fn info_titles(conn: &mut Conn, sections: &[&str]) -> Vec<String> {
    let mut command = vec!["INFO"];
    command.extend(sections);
    let Frame::Bulk(text) = conn.call(&command) else {
        panic!("INFO's bulk");
    };
    String::from_utf8_lossy(&text)
        .lines()
        .filter(|line| line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// INFO latencystats: the sections that show it, the commands it names
/// (those called, subcommands by their full name; no rejected call, no
/// unknown subcommand, a command EXEC ran), its fields, and numbers that
/// fit (p50 <= p99 <= p99.9, DEBUG SLEEP 0.01 at 10 ms or more).
#[test]
fn latencystats_name_what_redis_names() {
    if !redis_available() {
        return;
    }
    let exchange = |port: u16| {
        let mut conn = Conn::open(port).unwrap();
        conn.call(&["CONFIG", "RESETSTAT"]);
        for command in [
            &["GET", "a"][..],
            &["SET", "a", "1"],
            &["GET", "a"],
            &["CONFIG", "GET", "maxclients"],
            &["CLIENT", "FOO"],
            &["LPUSH", "a"],
            &["MULTI"],
            &["INCR", "n"],
            &["EXEC"],
            &["DEBUG", "SLEEP", "0.01"],
        ] {
            conn.call(command);
        }
        let titles: Vec<Vec<String>> = [
            &[][..],
            &["default"],
            &["all"],
            &["everything"],
            &["latencystats"],
            &["LatencyStats", "errorstats"],
        ]
        .iter()
        .map(|sections| info_titles(&mut conn, sections))
        .collect();
        let lines = latency_lines(&mut conn);
        for (name, fields) in &lines {
            let usecs: Vec<f64> = fields.iter().map(|(_, usec)| *usec).collect();
            assert!(
                usecs.windows(2).all(|w| w[0] <= w[1]),
                "{port}: {name} {fields:?}"
            );
            assert!(usecs[0] > 0.0, "{port}: {name} {fields:?}");
        }
        let debug = &lines["debug"];
        assert!(debug[0].1 >= 10_000.0, "{port}: {debug:?}");
        (titles, latency_labels(&lines))
    };
    let args = ["--enable-debug-command", "yes"];
    let (titles, labels) = alike(&args, exchange);
    assert!(
        titles[2].contains(&"# Latencystats".to_owned()),
        "{titles:?}"
    );
    assert!(labels.contains_key("config|get"), "{labels:?}");
}

/// One LATENCY HISTOGRAM entry: name, calls, (us, calls up to it).
type Histogram = (String, i64, Vec<(i64, i64)>);

/// LATENCY HISTOGRAM's entries, read from RESP2's flat arrays or RESP3's
/// maps (each checked to be its protocol's shape).
fn histograms(reply: Frame, resp3: bool) -> Vec<Histogram> {
    fn pairs(frame: Frame, resp3: bool) -> Vec<(Frame, Frame)> {
        match frame {
            Frame::Map(pairs) if resp3 => pairs,
            Frame::Array(flat) if !resp3 => {
                assert!(flat.len() % 2 == 0, "{flat:?}");
                let mut flat = flat.into_iter();
                std::iter::from_fn(|| Some((flat.next()?, flat.next()?))).collect()
            }
            other => panic!("a map (resp3: {resp3}): {other:?}"),
        }
    }
    let text = |frame: Frame| match frame {
        Frame::Bulk(text) => String::from_utf8_lossy(&text).into_owned(),
        other => panic!("a name: {other:?}"),
    };
    let integer = |frame: Frame| match frame {
        Frame::Integer(n) => n,
        other => panic!("an integer: {other:?}"),
    };
    pairs(reply, resp3)
        .into_iter()
        .map(|(name, entry)| {
            let fields = pairs(entry, resp3);
            let [(calls_key, calls), (buckets_key, buckets)] = <[_; 2]>::try_from(fields)
                .unwrap_or_else(|fields| panic!("calls and histogram_usec: {fields:?}"));
            assert_eq!(text(calls_key), "calls");
            assert_eq!(text(buckets_key), "histogram_usec");
            let buckets = pairs(buckets, resp3)
                .into_iter()
                .map(|(usec, count)| (integer(usec), integer(count)))
                .collect();
            (text(name), integer(calls), buckets)
        })
        .collect()
}

/// The bucket labels Redis's histograms have: each power of two from
/// 1024 ns, as the highest time of its slot, in us (and the last slot's).
fn bucket_labels() -> Vec<i64> {
    let mut labels: Vec<i64> = (0..20)
        .map(|k| ((1024 << k) + (8 << k) - 1) / 1000)
        .collect();
    labels.push(1_073_741);
    labels
}

/// LATENCY HISTOGRAM in RESP2 and RESP3: which commands a list of names
/// gives (any case, a container's subcommands, a name twice, unknown or
/// uncalled names skipped), all of them without names, and entries whose
/// calls match and whose buckets are Redis's, cumulative up to the calls.
#[test]
fn latency_histogram_answers_as_redis() {
    if !redis_available() {
        return;
    }
    let labels = bucket_labels();
    let exchange = |port: u16| {
        let mut got = Vec::new();
        for resp3 in [false, true] {
            let mut conn = Conn::open(port).unwrap();
            conn.call(&["HELLO", if resp3 { "3" } else { "2" }]);
            conn.call(&["CONFIG", "RESETSTAT"]);
            for command in [
                &["GET", "a"][..],
                &["GET", "a"],
                &["GET", "a"],
                &["SET", "a", "1"],
                &["CONFIG", "GET", "maxclients"],
                &["DEBUG", "SLEEP", "0.01"],
            ] {
                conn.call(command);
            }
            for query in [
                &["LATENCY", "HISTOGRAM", "Get"][..],
                &[
                    "LATENCY",
                    "HISTOGRAM",
                    "nosuch",
                    "hset",
                    "get|x",
                    "config|get|x",
                ],
                &["LATENCY", "HISTOGRAM", "set", "debug", "SET"],
                &["LATENCY", "HISTOGRAM", "CONFIG", "config|GET"],
                &["LATENCY", "HISTOGRAM"],
            ] {
                let mut entries = histograms(conn.call(query), resp3);
                if query.len() == 2 || query[2] == "CONFIG" {
                    // Commands or subcommands in each server's own order.
                    entries.sort();
                }
                for (name, calls, buckets) in &entries {
                    assert!(!buckets.is_empty(), "{port}: {name}");
                    assert!(buckets.iter().all(|(usec, _)| labels.contains(usec)));
                    assert!(buckets
                        .windows(2)
                        .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
                    assert_eq!(buckets.last().unwrap().1, *calls, "{port}: {name}");
                    if name == "debug" {
                        assert!(buckets[0].0 >= 10_000, "{port}: {buckets:?}");
                    }
                }
                let shown: Vec<(String, i64)> = entries
                    .into_iter()
                    .map(|(name, calls, _)| (name, calls))
                    .collect();
                got.push(shown);
            }
        }
        got
    };
    let args = ["--enable-debug-command", "yes"];
    let want = alike(&args, exchange);
    assert_eq!(want[0], [("get".to_owned(), 3)]);
    assert!(want[1].is_empty(), "{want:?}");
}

/// CONFIG SET/GET of latency-tracking and its percentiles (Redis's
/// reading of numbers and its errors), what INFO latencystats prints
/// under them, tracking switched off (nothing recorded, INFO shows no
/// line, LATENCY HISTOGRAM still has what was recorded) and on again,
/// and CONFIG RESETSTAT clearing the histograms.
#[test]
fn latency_tracking_settings_as_redis() {
    if !redis_available() {
        return;
    }
    let names = |conn: &mut Conn| -> BTreeSet<String> {
        let reply = conn.call(&["LATENCY", "HISTOGRAM"]);
        histograms(reply, false)
            .into_iter()
            .map(|(name, _, _)| name)
            .collect()
    };
    let exchange = |port: u16| {
        let mut conn = Conn::open(port).unwrap();
        let mut got = vec![format!(
            "{:?}",
            conn.call(&["CONFIG", "GET", "latency-tracking"])
        )];
        for value in [
            "0 12.5 100 99.99999",
            "1e1 0x10",
            "abc",
            " 50  99 ",
            "50  99",
            "101",
            "-1",
            "inf",
            "nan",
            "1e1 99 50 99",
            "0.0000001",
            "",
            "50 99 99.9",
        ] {
            let set = ["CONFIG", "SET", "latency-tracking-info-percentiles", value];
            got.push(format!("{value:?}: {:?}", conn.call(&set)));
            let get = ["CONFIG", "GET", "latency-tracking-info-percentiles"];
            got.push(format!("{:?}", conn.call(&get)));
        }
        conn.call(&["CONFIG", "RESETSTAT"]);
        conn.call(&["GET", "a"]);
        for value in ["0 12.5 100", "", "99 50 99"] {
            conn.call(&["CONFIG", "SET", "latency-tracking-info-percentiles", value]);
            got.push(format!("{:?}", latency_labels(&latency_lines(&mut conn))));
        }
        for value in ["maybe", "no"] {
            let set = ["CONFIG", "SET", "latency-tracking", value];
            got.push(format!("{value}: {:?}", conn.call(&set)));
        }
        conn.call(&["SET", "a", "1"]);
        got.push(format!("{:?}", latency_lines(&mut conn)));
        got.push(format!("{:?}", names(&mut conn)));
        conn.call(&["CONFIG", "SET", "latency-tracking", "yes"]);
        got.push(format!("{:?}", latency_labels(&latency_lines(&mut conn))));
        conn.call(&["CONFIG", "RESETSTAT"]);
        got.push(format!("{:?}", names(&mut conn)));
        got
    };
    let want = alike(&[], exchange);
    assert!(want.iter().any(|line| line.contains("Invalid")), "{want:?}");
}

/// A blocking command that blocked is timed in its latency histogram only
/// once served or ended by CLIENT UNBLOCK: a wait whose timeout passes
/// leaves no time there (its call still counts in commandstats), as in
/// Redis 7.0.
#[test]
fn blocked_commands_are_timed_once_served() {
    if !redis_available() {
        return;
    }
    let exchange = |port: u16| {
        let (mut waiter, mut other) = (Conn::open(port).unwrap(), Conn::open(port).unwrap());
        let timed = |conn: &mut Conn| -> Vec<(String, i64)> {
            let names = ["blpop", "brpop", "brpoplpush", "bzpopmin"];
            let reply = conn.call(&[&["LATENCY", "HISTOGRAM"][..], &names].concat());
            histograms(reply, false)
                .into_iter()
                .map(|(name, calls, _)| (name, calls))
                .collect()
        };
        other.call(&["CONFIG", "RESETSTAT"]);
        let mut got = vec![format!("{:?}", waiter.call(&["BLPOP", "nokey", "0.1"]))];
        let Frame::Integer(id) = waiter.call(&["CLIENT", "ID"]) else {
            panic!("CLIENT ID's integer");
        };
        let id = id.to_string();
        waiter.send(&["BRPOP", "nokey", "0"]);
        std::thread::sleep(std::time::Duration::from_millis(100));
        other.call(&["CLIENT", "UNBLOCK", &id]);
        got.push(format!("{:?}", waiter.read()));
        waiter.send(&["BRPOPLPUSH", "nokey", "dest", "0"]);
        std::thread::sleep(std::time::Duration::from_millis(100));
        other.call(&["CLIENT", "UNBLOCK", &id, "ERROR"]);
        got.push(format!("{:?}", waiter.read()));
        got.push(format!("{:?}", timed(&mut other)));
        waiter.send(&["BLPOP", "list", "0"]);
        std::thread::sleep(std::time::Duration::from_millis(100));
        other.call(&["RPUSH", "list", "a"]);
        got.push(format!("{:?}", waiter.read()));
        // Not blocked: it found something at once.
        other.call(&["ZADD", "z", "1", "m"]);
        waiter.call(&["BZPOPMIN", "z", "0"]);
        got.push(format!("{:?}", timed(&mut other)));
        // (Redis also counts a failed call of a wait CLIENT UNBLOCK ends,
        // which ours does not: not compared here.)
        let counted = section_lines(&mut other, "commandstats");
        got.extend(counted.into_iter().filter(|line| {
            line.starts_with("cmdstat_blpop:") || line.starts_with("cmdstat_bzpopmin:")
        }));
        got
    };
    let want = alike(&[], exchange);
    assert!(want[5].contains("blpop"), "{want:?}");
}
