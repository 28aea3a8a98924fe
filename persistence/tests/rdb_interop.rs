//! RDB interop with redis-server 7.0: Redis writes a dump.rdb with every
//! type and encoding and our loader reads every key, value and TTL; we
//! write one of the same data and Redis loads it all back; redis-check-rdb
//! accepts ours; and a file in the pre-7.0 encodings (ziplists, zipmap,
//! quicklist 1, text scores, second expiries) loads the same in both.

mod rdb_support;

use kv_engine::harness::Session;
use kv_engine::value::Value;
use persistence::rdb::{
    self, crc64, encode, format, ziplist, Checksum, LoadOptions, SaveOptions, ValueOptions,
};
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

/// Builds an RDB file by hand, record by record.
struct OldFile(Vec<u8>);

impl OldFile {
    fn new(version: u32) -> OldFile {
        OldFile(format!("REDIS{version:04}").into_bytes())
    }
    fn byte(&mut self, b: u8) -> &mut Self {
        self.0.push(b);
        self
    }
    fn len(&mut self, n: u64) -> &mut Self {
        encode::put_length(&mut self.0, n);
        self
    }
    fn string(&mut self, s: &[u8], compress: bool) -> &mut Self {
        encode::put_string(&mut self.0, s, compress);
        self
    }
    fn key(&mut self, type_byte: u8, key: &[u8]) -> &mut Self {
        self.byte(type_byte).string(key, false)
    }
    fn finish(&mut self) -> Vec<u8> {
        self.byte(format::OP_EOF);
        let crc = crc64::checksum(&self.0);
        self.0.extend_from_slice(&crc.to_le_bytes());
        self.0.clone()
    }
}

/// A zipmap blob (Redis before 2.6).
fn zipmap(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut blob = vec![pairs.len() as u8];
    let put_len = |blob: &mut Vec<u8>, n: usize| {
        if n < 254 {
            blob.push(n as u8);
        } else {
            blob.push(254);
            blob.extend_from_slice(&(n as u32).to_le_bytes());
        }
    };
    for (field, value) in pairs {
        put_len(&mut blob, field.len());
        blob.extend_from_slice(field);
        put_len(&mut blob, value.len());
        blob.extend_from_slice(&[2]);
        blob.extend_from_slice(value);
        blob.extend_from_slice(&[0, 0]);
    }
    blob.push(0xff);
    blob
}

#[test]
fn old_encodings_load_the_same_in_redis_and_in_ours() {
    if !redis_available() {
        return;
    }
    use format::*;
    let future_ms = now_ms() + 3_600_000;
    let mut file = OldFile::new(9);
    file.byte(OP_AUX)
        .string(b"redis-ver", false)
        .string(b"6.2.0", false);
    file.byte(OP_AUX)
        .string(b"x-custom", false)
        .string(b"ignored by both", false);
    file.byte(OP_SELECTDB)
        .len(0)
        .byte(OP_RESIZEDB)
        .len(12)
        .len(2);
    let zl = |items: &[&[u8]]| ziplist::encode(items);
    file.key(TYPE_HASH_ZIPLIST, b"old:hash-zl")
        .string(&zl(&[b"f1", b"v1", b"f2", b"12", b"f3", b"-300"]), false);
    file.key(TYPE_ZSET_ZIPLIST, b"old:zset-zl")
        .string(&zl(&[b"c", b"-3", b"a", b"1", b"b", b"2.5"]), false);
    file.key(TYPE_LIST_ZIPLIST, b"old:list-zl").string(
        &zl(&[b"x", b"1", b"70000", b"y", b"-9223372036854775808"]),
        true,
    );
    let repeated: Vec<&[u8]> = std::iter::repeat_n(&b"repeat-repeat"[..], 20).collect();
    file.key(TYPE_LIST_QUICKLIST, b"old:quicklist")
        .len(2)
        .string(&zl(&[b"a", b"b", b"c"]), false)
        .string(&zl(&repeated), true);
    let long_value = [b'w'; 300];
    file.key(TYPE_HASH_ZIPMAP, b"old:zipmap")
        .string(&zipmap(&[(b"foo", b"bar"), (b"k", b"12")]), false);
    file.key(TYPE_HASH_ZIPMAP, b"old:zipmap-long")
        .string(&zipmap(&[(b"long", &long_value)]), false);
    file.key(TYPE_ZSET, b"old:zset-text").len(3);
    file.string(b"m1", false)
        .byte(3)
        .0
        .extend_from_slice(b"1.5");
    file.string(b"m2", false).byte(DOUBLE_POS_INF);
    file.string(b"m3", false).byte(2).0.extend_from_slice(b"-2");
    file.key(TYPE_LIST, b"old:list-plain")
        .len(3)
        .string(b"p", false)
        .string(b"7", false)
        .string(&[b'q'; 50], true);
    file.key(TYPE_SET, b"old:set-plain")
        .len(2)
        .string(b"s1", false)
        .string(b"s2", false);
    file.key(TYPE_SET_INTSET, b"old:intset")
        .string(&persistence::rdb::intset::encode(&[-4, 9, 70_000]), false);
    file.byte(OP_EXPIRETIME)
        .0
        .extend_from_slice(&((future_ms / 1000) as i32).to_le_bytes());
    file.key(TYPE_STRING, b"old:expire-secs")
        .string(b"v", false);
    file.byte(OP_EXPIRETIME_MS)
        .0
        .extend_from_slice(&future_ms.to_le_bytes());
    file.byte(OP_FREQ).byte(5).byte(OP_IDLE).len(100);
    file.key(TYPE_STRING, b"old:expire-ms")
        .string(b"-42", false);
    file.byte(OP_SELECTDB).len(3);
    file.key(TYPE_STRING, b"db3").string(&[b'z'; 64], true);
    let bytes = file.finish();

    let dir = TempDir::new("old-format");
    let path = dir.path().join("old.rdb");
    std::fs::write(&path, &bytes).unwrap();
    let (ours, report) = load_file(&path);
    assert_eq!(report.version, 9);
    assert_eq!(report.keys_loaded, 13);
    assert_eq!(report.aux("x-custom"), Some(&b"ignored by both"[..]));
    assert_eq!(report.checksum, Checksum::Verified);
    assert_eq!(report.bytes, bytes.len() as u64);
    let server = RedisServer::start(dir.path(), "old.rdb", &[]);
    let redis = snapshot_of_redis(&mut server.client(), DATABASES);
    assert_eq!(redis.len(), 13, "{}", server.log_text());
    assert_same(
        &snapshot_of_engine(&ours.engine, now_ms()),
        &redis,
        "old.rdb",
    );
}

#[test]
fn dump_payloads_cross_between_redis_and_ours() {
    if !redis_available() {
        return;
    }
    let dir = TempDir::new("dump-restore");
    let server = RedisServer::start(dir.path(), "unused.rdb", &[]);
    let mut client = server.client();
    let data = commands(3, now_ms() + 3_600_000);
    populate_redis(&mut client, &data);
    let redis = snapshot_of_redis(&mut client, DATABASES);
    let config = kv_engine::EngineConfig::default();
    // Redis's payloads restore into equal values here.
    for ((db, key), (content, _)) in &redis {
        client.ok(&["SELECT".to_string(), db.to_string()]);
        let payload = client.ok(&[&b"DUMP"[..], key]).bulk();
        let value = rdb::restore_value(&payload, &config)
            .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(key)));
        assert_eq!(
            &content_of(&value),
            content,
            "{:?}",
            String::from_utf8_lossy(key)
        );
    }
    // Ours restore into equal values there.
    let mut session = session_now();
    populate_ours(&mut session, &data);
    client.ok(&["FLUSHALL"]);
    let ours = snapshot_of_engine(&session.engine, now_ms());
    for db in 0..DATABASES {
        client.ok(&["SELECT".to_string(), db.to_string()]);
        for (key, value, expiry) in session.engine.db(db).iter() {
            let payload = rdb::dump_value(value);
            let ttl = expiry.map_or("0".to_string(), |at| at.to_string());
            let reply = client.run(&[&b"RESTORE"[..], key, ttl.as_bytes(), &payload, b"ABSTTL"]);
            assert_eq!(
                reply,
                Frame::simple("OK"),
                "{:?}",
                String::from_utf8_lossy(key)
            );
        }
    }
    assert_same(
        &ours,
        &snapshot_of_redis(&mut client, DATABASES),
        "RESTORE of our payloads",
    );
    // And Redis refuses a payload we damaged with the text we use.
    let mut bad = rdb::dump_value(&Value::Str(kv_engine::value::StrValue::Int(5)));
    bad[0] ^= 1;
    let reply = client.run(&[&b"RESTORE"[..], b"bad", b"0", &bad]);
    assert_eq!(
        reply,
        Frame::error(rdb::RestoreError::VersionOrChecksum.to_string())
    );
    // A good footer around a body that is no value: both say so alike.
    let mut body = vec![42u8, 1, 2, 10, 0];
    let crc = crc64::checksum(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(
        rdb::restore_value(&body, &config),
        Err(rdb::RestoreError::BadData)
    );
    let reply = client.run(&[&b"RESTORE"[..], b"bad", b"0", &body]);
    assert_eq!(reply, Frame::error(rdb::RestoreError::BadData.to_string()));
}
