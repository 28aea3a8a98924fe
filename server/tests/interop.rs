//! Data directories shared with redis-server 7.0.15, end to end over real
//! processes: Redis writes dump.rdb (or an appendonlydir), our server
//! starts on it and every key, value and TTL is there; and the other way
//! round. Keys are compared by content (TYPE, the value read back in a
//! canonical order, whether a TTL is set). Under CI=true a missing
//! redis-server fails the test.

mod support;

use resp_codec::Frame;
use support::process::{redis_available, temp_dir, Conn, Process};

/// Every value type and the encodings Redis picks by size, expiries, a
/// second database.
fn load_dataset(conn: &mut Conn) {
    let mut run = |words: Vec<String>| {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let reply = conn.call(&words);
        assert!(!matches!(reply, Frame::Error(_)), "{words:?}: {reply:?}");
    };
    let w = |text: &str| text.split(' ').map(str::to_string).collect::<Vec<_>>();
    run(w("SET s hello"));
    run(w("SET n 12345"));
    run(vec!["SET".into(), "long".into(), "abc".repeat(400)]);
    run(w("SET ttl v PX 100000000"));
    run(w("RPUSH l a b 3"));
    let mut big = w("RPUSH biglist");
    big.extend((0..300).map(|i| format!("item-{i}")));
    run(big);
    run(w("HSET h f1 v1 f2 2"));
    let mut bighash = w("HSET bighash");
    bighash.extend((0..600).flat_map(|i| [format!("f{i}"), format!("v{i}")]));
    run(bighash);
    run(w("SADD ints 1 2 3 100000"));
    run(w("SADD words x y z"));
    let mut bigset = w("SADD bigset");
    bigset.extend((0..700).map(|i| format!("m{i}")));
    run(bigset);
    run(w("ZADD z 1.5 a 2 b -3 c"));
    let mut bigz = w("ZADD bigz");
    bigz.extend((0..200).flat_map(|i| [format!("{i}.25"), format!("m{i}")]));
    run(bigz);
    run(w("HSET expiring a 1"));
    run(w("PEXPIRE expiring 100000000"));
    run(w("SELECT 3"));
    run(w("SET other-db yes"));
    run(w("SELECT 0"));
}

fn bulks(frame: Frame) -> Vec<String> {
    match frame {
        Frame::Array(items) => items
            .into_iter()
            .map(|f| String::from_utf8_lossy(f.as_bytes().expect("bulk")).into_owned())
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}

/// Every key of every database with its type, value and TTL presence.
fn describe(conn: &mut Conn) -> Vec<String> {
    let mut lines = Vec::new();
    for db in 0..16 {
        conn.call(&["SELECT", &db.to_string()]);
        let mut keys = bulks(conn.call(&["KEYS", "*"]));
        keys.sort();
        for key in keys {
            let kind = match conn.call(&["TYPE", &key]) {
                Frame::Simple(t) => String::from_utf8_lossy(&t).into_owned(),
                other => panic!("{other:?}"),
            };
            let value = match kind.as_str() {
                "string" => bulks(Frame::Array(vec![conn.call(&["GET", &key])])),
                "list" => bulks(conn.call(&["LRANGE", &key, "0", "-1"])),
                "hash" => {
                    let mut pairs: Vec<String> = bulks(conn.call(&["HGETALL", &key]))
                        .chunks(2)
                        .map(|p| format!("{}={}", p[0], p[1]))
                        .collect();
                    pairs.sort();
                    pairs
                }
                "set" => {
                    let mut members = bulks(conn.call(&["SMEMBERS", &key]));
                    members.sort();
                    members
                }
                "zset" => bulks(conn.call(&["ZRANGE", &key, "0", "-1", "WITHSCORES"])),
                other => panic!("type {other}"),
            };
            let ttl = matches!(conn.call(&["PTTL", &key]), Frame::Integer(n) if n > 0);
            lines.push(format!("{db} {key} {kind} ttl={ttl} {}", value.join(",")));
        }
    }
    conn.call(&["SELECT", "0"]);
    lines
}

/// Writes the dataset with `writer`, stops it cleanly, starts `reader`
/// on the same directory and compares.
fn round_trip(
    name: &str,
    args: &[&str],
    writer: fn(&std::path::Path, &[&str]) -> Process,
    reader: fn(&std::path::Path, &[&str]) -> Process,
) {
    let dir = temp_dir(name);
    let expected = {
        let mut server = writer(&dir, args);
        let mut conn = Conn::open(server.port).unwrap();
        load_dataset(&mut conn);
        let expected = describe(&mut conn);
        conn.send(&["SHUTDOWN", "SAVE"]);
        assert_eq!(conn.read(), None);
        assert_eq!(
            server.wait_exit(std::time::Duration::from_secs(20)),
            Some(0),
            "{}",
            server.log_text()
        );
        expected
    };
    assert_eq!(expected.len(), 15, "keys written: {}", expected.len());
    let server = reader(&dir, args);
    let mut conn = Conn::open(server.port).unwrap();
    let got = describe(&mut conn);
    let short = |lines: Vec<&String>| -> Vec<String> {
        lines
            .iter()
            .map(|l| l.chars().take(120).collect())
            .collect()
    };
    let missing = short(expected.iter().filter(|l| !got.contains(l)).collect());
    let extra = short(got.iter().filter(|l| !expected.contains(l)).collect());
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: missing {missing:#?}\nextra {extra:#?}\n{}",
        server.log_text()
    );
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

const RDB: &[&str] = &["--appendonly", "no"];
const AOF: &[&str] = &["--appendonly", "yes"];

#[test]
fn ours_loads_what_redis_wrote() {
    if !redis_available() {
        return;
    }
    round_trip("redis-rdb", RDB, Process::redis_in, Process::ours_in);
    round_trip("redis-aof", AOF, Process::redis_in, Process::ours_in);
}

#[test]
fn redis_loads_what_ours_wrote() {
    if !redis_available() {
        return;
    }
    round_trip("ours-rdb", RDB, Process::ours_in, Process::redis_in);
    round_trip("ours-aof", AOF, Process::ours_in, Process::redis_in);
}

/// What `script` leaves in the incremental AOF file of a server started
/// by `start` (appendfsync always, so it is written before each reply),
/// absolute expiry times masked.
fn incr_aof_after(
    label: &str,
    start: fn(&std::path::Path, &[&str]) -> Process,
    script: &[&[&str]],
) -> String {
    let dir = temp_dir(label);
    let args = [
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--enable-debug-command",
        "yes",
    ];
    let server = start(&dir, &args);
    let mut conn = Conn::open(server.port).unwrap();
    for command in script {
        let reply = conn.call(command);
        assert!(!matches!(reply, Frame::Error(_)), "{command:?}: {reply:?}");
    }
    let manifest = std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest"))
        .expect("the manifest");
    let incr = manifest
        .lines()
        .find(|line| line.ends_with("type i"))
        .and_then(|line| line.split(' ').nth(1))
        .expect("an incremental file in the manifest");
    let bytes = std::fs::read(dir.join("appendonlydir").join(incr)).unwrap();
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
    // The times PX becomes differ; a 13-digit argument is one of them.
    String::from_utf8_lossy(&bytes)
        .split("\r\n")
        .map(|line| {
            let time = line.len() == 13 && line.bytes().all(|b| b.is_ascii_digit());
            if time {
                "<ms>"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Redis 7.0 wraps what one command (EXEC included) propagates in
/// MULTI ... EXEC only when it is more than one command: an EXEC with
/// one write is the bare write, one with none writes nothing, and the
/// DEL of a key found expired inside it counts as a command.
#[test]
fn an_exec_reaches_the_aof_as_redis_propagates_it() {
    if !redis_available() {
        return;
    }
    let script: &[&[&str]] = &[
        &["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
        &["SET", "gone", "1", "PX", "1"],
        &["MULTI"],
        &["SET", "a", "1"],
        &["EXEC"],
        &["MULTI"],
        &["GET", "a"],
        &["EXEC"],
        &["MULTI"],
        &["SET", "b", "1"],
        &["INCR", "n"],
        &["EXEC"],
        &["MULTI"],
        &["SET", "d", "1"],
        &["GET", "d"],
        &["DEL", "missing"],
        &["EXEC"],
        &["MULTI"],
        &["SELECT", "3"],
        &["SET", "e", "1"],
        &["EXEC"],
        &["MULTI"],
        &["DEL", "missing"],
        &["EXEC"],
        &["MULTI"],
        &["SELECT", "0"],
        &["LPUSH", "l", "x"],
        &["SELECT", "3"],
        &["SET", "f", "1"],
        &["EXEC"],
        &["DEBUG", "SLEEP", "0.01"],
        &["SELECT", "0"],
        &["MULTI"],
        &["SET", "gone", "2"],
        &["EXEC"],
    ];
    let redis = incr_aof_after("exec-aof-redis", Process::redis_in, script);
    let ours = incr_aof_after("exec-aof-ours", Process::ours_in, script);
    assert_eq!(ours, redis, "ours, then redis-server's");
}

/// OBJECT `field` of `keys`, as integers.
fn access_of(conn: &mut Conn, field: &str, keys: &[String]) -> Vec<i64> {
    keys.iter()
        .map(|key| match conn.call(&["OBJECT", field, key]) {
            Frame::Integer(n) => n,
            other => panic!("OBJECT {field} {key}: {other:?}"),
        })
        .collect()
}

/// `save` (SAVE, BGSAVE or BGREWRITEAOF) on `conn`, waiting for what it
/// started in the background to end.
fn save_now(conn: &mut Conn, save: &str) {
    let reply = conn.call(&[save]);
    assert!(!matches!(reply, Frame::Error(_)), "{save}: {reply:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let info = conn.call(&["INFO", "persistence"]);
        let idle = [
            "rdb_bgsave_in_progress",
            "aof_rewrite_in_progress",
            "aof_rewrite_scheduled",
        ]
        .iter()
        .all(|field| support::process::info_field(&info, field).as_deref() == Some("0"));
        if idle {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{save} never ended");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Under an LFU policy a dump.rdb keeps each key's access counter (FREQ
/// records), under an LRU one its idle time (IDLE records), and a load
/// puts them back, as Redis's rdbSaveKeyValuePair and
/// objectSetLRUOrLFU do: whichever server wrote the file, the one that
/// loads it reports the OBJECT FREQ / IDLETIME the writer had. Written
/// by SAVE under LFU and by BGSAVE under LRU, so both of our save paths
/// are held to it.
#[test]
fn eviction_data_crosses_in_dump_rdb() {
    if !redis_available() {
        return;
    }
    type Start = fn(&std::path::Path, &[&str]) -> Process;
    let pairs: [(&str, Start, Start); 2] = [
        ("redis-to-ours", Process::redis_in, Process::ours_in),
        ("ours-to-redis", Process::ours_in, Process::redis_in),
    ];
    let keys: Vec<String> = (0..5).map(|i| format!("k{i}")).collect();
    let policies = [
        ("allkeys-lfu", "FREQ", "SAVE"),
        ("allkeys-lru", "IDLETIME", "BGSAVE"),
    ];
    for (policy, field, save) in policies {
        for (label, writer, reader) in pairs {
            let dir = temp_dir(&format!("access-{label}"));
            // No decay, so counters read the same minutes later.
            let args = ["--maxmemory-policy", policy, "--lfu-decay-time", "0"];
            let held = {
                let server = writer(&dir, &args);
                let mut conn = Conn::open(server.port).unwrap();
                for (i, key) in keys.iter().enumerate() {
                    conn.call(&["SET", key, "v"]);
                    for _ in 0..i * 40 {
                        conn.call(&["GET", key]);
                    }
                }
                if field == "IDLETIME" {
                    std::thread::sleep(std::time::Duration::from_millis(2100));
                    conn.call(&["GET", "k4"]);
                }
                let held = access_of(&mut conn, field, &keys);
                save_now(&mut conn, save);
                held
            };
            let server = reader(&dir, &args);
            let mut conn = Conn::open(server.port).unwrap();
            let loaded = access_of(&mut conn, field, &keys);
            let close = held.iter().zip(&loaded).all(|(h, l)| {
                if field == "FREQ" {
                    h == l
                } else {
                    (l - h).abs() <= 1
                }
            });
            assert!(
                close && held.iter().any(|&n| n > 1),
                "{policy} {label}: OBJECT {field} held {held:?}, after the load {loaded:?}"
            );
            drop(server);
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A Redis 7.0 dump.rdb or AOF base with a function library (FUNCTION
/// LOAD) loads its keys, and since we have no FUNCTION the library is
/// dropped with a warning in the log, never in silence (the next save
/// would lose it for good).
#[test]
fn function_libraries_in_redis_files_are_reported_not_dropped_silently() {
    if !redis_available() {
        return;
    }
    let library = "#!lua name=mylib\nredis.register_function('f', function() return 1 end)";
    for (label, args, save) in [
        ("functions-rdb", RDB, "SAVE"),
        ("functions-aof", AOF, "BGREWRITEAOF"),
    ] {
        let dir = temp_dir(label);
        {
            let server = Process::redis_in(&dir, args);
            let mut conn = Conn::open(server.port).unwrap();
            assert_eq!(
                conn.call(&["FUNCTION", "LOAD", library]),
                Frame::Bulk("mylib".into())
            );
            conn.call(&["SET", "k", "v"]);
            save_now(&mut conn, save);
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let server = Process::ours_in(&dir, args);
        let mut conn = Conn::open(server.port).unwrap();
        assert_eq!(conn.call(&["GET", "k"]), Frame::Bulk("v".into()), "{label}");
        let log = server.log_text();
        assert!(
            log.contains("hold 1 function library (FUNCTION LOAD)"),
            "{label}: no warning about the function library:\n{log}"
        );
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// DEBUG RELOAD's options as Redis 7.0 takes them: NOSAVE loads the
/// dump.rdb on disk as it is, NOFLUSH loads it into what is held, MERGE
/// lets its keys replace those held, anything else is refused; the
/// replies, the keyspace after and INFO's counters are Redis's.
#[test]
fn debug_reload_options_as_redis() {
    if !redis_available() {
        return;
    }
    let scripts: &[&[&[&str]]] = &[
        &[
            &["SET", "a", "b"],
            &["SAVE"],
            &["SET", "c", "d"],
            &["DEBUG", "RELOAD", "NOSAVE"],
            &["DBSIZE"],
            &["GET", "c"],
        ],
        &[
            &["SET", "a", "b"],
            &["SAVE"],
            &["DEL", "a"],
            &["SET", "c", "d"],
            &["DEBUG", "RELOAD", "noflush", "NOSAVE"],
            &["DBSIZE"],
        ],
        &[
            &["SET", "a", "b"],
            &["SAVE"],
            &["SET", "a", "x"],
            &["SET", "c", "d"],
            &["DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE"],
            &["DBSIZE"],
            &["GET", "a"],
        ],
        &[
            &["SET", "a", "b"],
            &["DEBUG", "RELOAD", "NOSAVE"],
            &["DBSIZE"],
        ],
        &[&["DEBUG", "RELOAD", "NOSAVE", "BOGUS"]],
    ];
    let fields = [
        "rdb_changes_since_last_save",
        "rdb_saves",
        "rdb_last_load_keys_loaded",
    ];
    let run = |label: &str, start: fn(&std::path::Path, &[&str]) -> Process| {
        let mut all = Vec::new();
        for script in scripts {
            let dir = temp_dir(label);
            let server = start(&dir, &["--enable-debug-command", "yes"]);
            let mut conn = Conn::open(server.port).unwrap();
            let mut replies: Vec<String> = script
                .iter()
                .map(|command| format!("{:?}", conn.call(command)))
                .collect();
            let info = conn.call(&["INFO", "persistence"]);
            for field in fields {
                replies.push(format!(
                    "{field}:{:?}",
                    support::process::info_field(&info, field)
                ));
            }
            all.push(replies);
            drop(server);
            let _ = std::fs::remove_dir_all(dir);
        }
        all
    };
    let redis = run("reload-redis", Process::redis_in);
    let ours = run("reload-ours", Process::ours_in);
    assert_eq!(ours, redis, "ours, then redis-server's");
}

/// BGREWRITEAOF while a BGSAVE runs is scheduled and says so at once, as
/// in Redis 7.0, with the AOF on and off (with it off, INFO says
/// scheduled, not in progress); the rewrite then runs once the BGSAVE has ended (one
/// rewrite counted, an AOF base on disk).
#[test]
fn bgrewriteaof_behind_a_bgsave_is_scheduled_as_in_redis() {
    if !redis_available() {
        return;
    }
    let run = |label: &str, start: fn(&std::path::Path, &[&str]) -> Process, aof: &str| {
        let dir = temp_dir(label);
        let server = start(
            &dir,
            &["--appendonly", aof, "--enable-debug-command", "yes"],
        );
        let mut conn = Conn::open(server.port).unwrap();
        conn.call(&["DEBUG", "POPULATE", "200000"]);
        let mut replies = vec![conn.call(&["BGSAVE"]), conn.call(&["BGREWRITEAOF"])];
        if aof == "no" {
            // (With the AOF on, ours may show the rewrite in progress
            // while it waits for the snapshot: not compared.)
            let info = conn.call(&["INFO", "persistence"]);
            for field in ["aof_rewrite_scheduled", "aof_rewrite_in_progress"] {
                let value = support::process::info_field(&info, field);
                replies.push(Frame::Bulk(format!("{field}:{value:?}").into()));
            }
        }
        save_now(&mut conn, "PING");
        let info = conn.call(&["INFO", "persistence"]);
        let rewrites = support::process::info_field(&info, "aof_rewrites");
        replies.push(Frame::Bulk(format!("aof_rewrites:{rewrites:?}").into()));
        let manifest = std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest"))
            .unwrap_or_default();
        let base = manifest.lines().any(|line| line.ends_with("type b"));
        replies.push(Frame::Bulk(format!("base:{base}").into()));
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
        replies
    };
    for aof in ["no", "yes"] {
        let redis = run("behind-bgsave-redis", Process::redis_in, aof);
        let ours = run("behind-bgsave-ours", Process::ours_in, aof);
        assert_eq!(ours, redis, "appendonly {aof}: ours, then redis-server's");
    }
}

/// The `used-mem` aux field of an AOF base written with the RDB
/// preamble, as redis-check-rdb reads it: Redis 7.0 records its memory
/// there, as in a dump.rdb; so do we (before, 0).
#[test]
fn an_rdb_base_records_used_memory_as_redis() {
    if !redis_available() {
        return;
    }
    let used_mem = |label: &str, start: fn(&std::path::Path, &[&str]) -> Process| {
        let dir = temp_dir(label);
        let server = start(
            &dir,
            &["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"],
        );
        let mut conn = Conn::open(server.port).unwrap();
        for i in 0..100 {
            conn.call(&["SET", &format!("k{i}"), "value"]);
        }
        save_now(&mut conn, "BGREWRITEAOF");
        let manifest =
            std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
        let base = manifest
            .lines()
            .find(|line| line.ends_with("type b"))
            .and_then(|line| line.split(' ').nth(1))
            .expect("a base in the manifest");
        let output = std::process::Command::new("redis-check-rdb")
            .arg(dir.join("appendonlydir").join(base))
            .output()
            .expect("redis-check-rdb");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
        text.lines()
            .find_map(|line| line.split("AUX FIELD used-mem = '").nth(1))
            .and_then(|rest| rest.trim_end_matches('\'').parse::<u64>().ok())
            .unwrap_or_else(|| panic!("{label}: no used-mem in\n{text}"))
    };
    let redis = used_mem("base-mem-redis", Process::redis_in);
    let ours = used_mem("base-mem-ours", Process::ours_in);
    assert!(redis > 0, "redis-server's used-mem {redis}");
    assert!(ours > 0, "our base records used-mem {ours}");
}
