//! RDB interop with redis-server 7.0: Redis writes a dump.rdb with every
//! type and encoding and our loader reads every key, value and TTL; we
//! write one of the same data and Redis loads it all back; redis-check-rdb
//! accepts ours; and a file in the pre-7.0 encodings (ziplists, zipmap,
//! quicklist 1, text scores, second expiries) loads the same in both.

mod rdb_support;

use kv_engine::harness::Session;
use kv_engine::value::Value;
use persistence::rdb::{self, Checksum, LoadOptions, SaveOptions, ValueOptions};
use rdb_support::dataset::{commands, Commands};
use rdb_support::*;
use std::collections::BTreeSet;
use std::path::Path;

const DATABASES: usize = 16;

fn populate_redis(client: &mut RedisClient, commands: &Commands) {
    let mut db = usize::MAX;
    let mut sent = 0;
    for (cmd_db, argv) in commands {
        if *cmd_db != db {
            db = *cmd_db;
            client.send(&["SELECT".to_string(), db.to_string()]);
            sent += 1;
        }
        client.send(argv);
        sent += 1;
    }
    for _ in 0..sent {
        if let Frame::Error(e) = client.read() {
            panic!(
                "redis refused a populate command: {}",
                String::from_utf8_lossy(&e)
            );
        }
    }
}

fn populate_ours(session: &mut Session, commands: &Commands) {
    for (db, argv) in commands {
        session.run(&[b"SELECT", db.to_string().as_bytes()]);
        let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let reply = session.run(&args);
        assert_ne!(
            reply.first(),
            Some(&b'-'),
            "{:?}: {}",
            String::from_utf8_lossy(&argv[0]),
            String::from_utf8_lossy(&reply)
        );
    }
}

fn session_now() -> Session {
    let session = Session::new();
    session.clock.set(now_ms());
    session
}

/// Every encoding OBJECT ENCODING reports in the data set: proof that the
/// data exercises each of them.
fn encodings(client: &mut RedisClient) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for db in 0..DATABASES {
        client.ok(&["SELECT".to_string(), db.to_string()]);
        for key in client.ok(&["KEYS", "*"]).items() {
            let key = key.bulk();
            let kind = String::from_utf8(client.ok(&[&b"TYPE"[..], &key]).bulk()).unwrap();
            let encoding =
                String::from_utf8(client.ok(&[&b"OBJECT"[..], b"ENCODING", &key]).bulk()).unwrap();
            seen.insert(format!("{kind}:{encoding}"));
        }
    }
    client.ok(&["SELECT", "0"]);
    seen
}

fn load_file(path: &Path) -> (Session, rdb::RdbReport) {
    let mut session = session_now();
    let report = rdb::load_from_path(path, &mut session.engine, LoadOptions::at(now_ms()))
        .unwrap_or_else(|e| panic!("loading {}: {e}", path.display()));
    (session, report)
}

fn check_rdb(path: &Path) {
    let output = std::process::Command::new(CHECK_RDB)
        .arg(path)
        .output()
        .expect("run redis-check-rdb");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && text.contains("RDB looks OK"),
        "redis-check-rdb refused {}:\n{text}{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_dump_redis_wrote_loads_key_for_key() {
    if !redis_available() {
        return;
    }
    let dir = TempDir::new("from-redis");
    let configs: [(&str, &[&str], Checksum); 2] = [
        ("dump.rdb", &[], Checksum::Verified),
        (
            "plain.rdb",
            &["--rdbcompression", "no", "--rdbchecksum", "no"],
            Checksum::Disabled,
        ),
    ];
    for (name, options, checksum) in configs {
        let mut args = vec!["--enable-debug-command", "yes"];
        args.extend_from_slice(options);
        let server = RedisServer::start(dir.path(), name, &args);
        let mut client = server.client();
        let data = commands(1, now_ms() + 3_600_000);
        populate_redis(&mut client, &data);
        // A key that has expired by the time the file is read (active
        // expiry off so SAVE still writes it): Redis skips it on load, and
        // so do we.
        client.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        client.ok(&["SET", "gone", "soon", "PX", "1"]);
        std::thread::sleep(std::time::Duration::from_millis(5));
        client.ok(&["SAVE"]);
        let seen = encodings(&mut client);
        for wanted in [
            "string:int",
            "string:embstr",
            "string:raw",
            "list:quicklist",
            "hash:listpack",
            "hash:hashtable",
            "set:intset",
            "set:hashtable",
            "zset:listpack",
            "zset:skiplist",
        ] {
            assert!(
                seen.contains(wanted),
                "the data set lacks {wanted}: {seen:?}"
            );
        }
        let redis = snapshot_of_redis(&mut client, DATABASES);
        assert!(redis.len() > 80, "{} keys", redis.len());

        let (ours, report) = load_file(&dir.path().join(name));
        assert_same(&snapshot_of_engine(&ours.engine, now_ms()), &redis, name);
        assert_eq!(report.version, 10);
        assert_eq!(report.aux("redis-ver"), Some(&b"7.0.15"[..]));
        assert_eq!(report.checksum, checksum);
        assert_eq!(report.expired_skipped, 1, "the expired key");
        assert_eq!(report.keys_loaded, redis.len() as u64);
    }
}

#[test]
fn a_dump_we_wrote_loads_into_redis_key_for_key() {
    if !redis_available() {
        return;
    }
    let dir = TempDir::new("from-us");
    let mut session = session_now();
    populate_ours(&mut session, &commands(2, now_ms() + 3_600_000));
    // Already expired: Redis skips it on load, and so must a reload of ours.
    session.engine.restore_entry(
        3,
        b"expired",
        Value::Str(kv_engine::value::StrValue::Int(1)),
        Some(now_ms() - 1000),
    );
    let ours = snapshot_of_engine(&session.engine, now_ms());
    for (name, compression, checksum) in
        [("ours.rdb", true, true), ("ours-plain.rdb", false, false)]
    {
        let path = dir.path().join(name);
        let options = SaveOptions {
            values: ValueOptions {
                compression,
                ..ValueOptions::default()
            },
            checksum,
            ctime_secs: now_ms() / 1000,
            ..SaveOptions::default()
        };
        let report = rdb::save_to_path(&path, &session.engine, options).expect("save");
        assert_eq!(report.keys as usize, ours.len() + 1);
        check_rdb(&path);
        let server = RedisServer::start(dir.path(), name, &[]);
        let redis = snapshot_of_redis(&mut server.client(), DATABASES);
        assert_same(&ours, &redis, name);
        let log = server.log_text();
        assert!(log.contains("DB loaded from disk"), "{log}");
        let (reloaded, report) = load_file(&path);
        assert_same(
            &snapshot_of_engine(&reloaded.engine, now_ms()),
            &ours,
            "our reload",
        );
        assert_eq!(report.expired_skipped, 1);
    }
}
