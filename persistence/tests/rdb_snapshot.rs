//! An RDB written from a fork-less snapshot, in small steps with writes in
//! between (overwrites, deletes, renames, expiries, FLUSHALL), holds the
//! keyspace as it was when the snapshot began: our loader and redis-server
//! 7.0 both read it back so, and redis-check-rdb accepts it.

mod rdb_support;

use kv_engine::harness::Session;
use kv_engine::Engine;
use persistence::rdb::{self, LoadOptions, RdbWriter, SaveOptions};
use rdb_support::dataset::commands;
use rdb_support::*;

fn run(session: &mut Session, parts: &[&[u8]]) {
    let reply = session.run(parts);
    assert!(
        !reply.starts_with(b"-ERR unknown"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
}

fn execute(engine: &mut Engine, argv: &[&[u8]]) {
    let mut client = kv_engine::ClientState::new(9);
    let argv: Vec<bytes::Bytes> = argv
        .iter()
        .map(|a| bytes::Bytes::copy_from_slice(a))
        .collect();
    let mut buf = bytes::BytesMut::new();
    let mut out = resp_codec::ReplyWriter::new(&mut buf, resp_codec::Protocol::Resp2);
    engine.execute(&mut client, &argv, &mut out, &mut kv_engine::NoHost);
}

/// Writes touching many of the data set's keys; a FLUSHALL in round 40.
fn churn(engine: &mut Engine, round: &mut u64) {
    *round += 1;
    let r = *round;
    let text = format!("changed {r}");
    let extra = format!("db0-extra:{}", r % 50);
    let member = format!("{}", 1000 + r);
    let renamed = format!("renamed:{r}");
    let new = format!("new-after-start:{r}");
    for argv in [
        &[&b"SET"[..], b"s:text", text.as_bytes()][..],
        &[b"DEL", extra.as_bytes()],
        &[b"RPUSH", b"l:small", b"more"],
        &[b"HSET", b"h:big", b"field:1", b"new"],
        &[b"SADD", b"set:ints", member.as_bytes()],
        &[b"ZADD", b"z:big", b"7", b"member:3"],
        &[b"RENAME", b"s:binary", renamed.as_bytes()],
        &[b"PERSIST", b"s:float"],
        &[b"PEXPIRE", b"s:empty", b"100000"],
        &[b"SET", new.as_bytes(), b"x"],
    ] {
        execute(engine, argv);
    }
    if r == 40 {
        execute(engine, &[b"FLUSHALL"]);
    }
}

#[test]
fn a_snapshot_in_steps_is_the_keyspace_at_its_start() {
    let mut session = Session::new();
    session.clock.set(now_ms());
    for (db, argv) in commands(4, now_ms() + 3_600_000) {
        run(&mut session, &[b"SELECT", db.to_string().as_bytes()]);
        let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        run(&mut session, &args);
    }
    for i in 0..2000 {
        run(
            &mut session,
            &[b"SET", format!("db0-extra:{i}").as_bytes(), b"v"],
        );
    }
    let at_start = snapshot_of_engine(&session.engine, now_ms());
    let writer = RdbWriter::new(Vec::new(), SaveOptions::default()).unwrap();
    let mut round = 0;
    let (bytes, report) = rdb::save_in_steps(&mut session.engine, writer, 25, |engine| {
        churn(engine, &mut round)
    })
    .unwrap();
    assert!(
        round > 40,
        "the writes ran between steps ({round} rounds), FLUSHALL included"
    );
    assert_eq!(report.keys as usize, at_start.len());
    assert!(!session.engine.snapshot_in_progress());

    let mut loaded = Session::new();
    rdb::load(&bytes[..], &mut loaded.engine, LoadOptions::default()).unwrap();
    assert_same(
        &snapshot_of_engine(&loaded.engine, now_ms()),
        &at_start,
        "our reload",
    );

    if !redis_available() {
        return;
    }
    let dir = TempDir::new("snapshot");
    let path = dir.path().join("snapshot.rdb");
    std::fs::write(&path, &bytes).unwrap();
    let check = std::process::Command::new(CHECK_RDB)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let server = RedisServer::start(dir.path(), "snapshot.rdb", &[]);
    assert_same(
        &at_start,
        &snapshot_of_redis(&mut server.client(), 16),
        "redis-server",
    );
}
