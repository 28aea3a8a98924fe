//! Bitmap commands against replies recorded from redis-server 7.0.15
//! (`coll_data/bitmaps.txt`: every option and error case), plus their
//! propagation, which the recording cannot show.

mod collections_support;
mod keyspace_support;

use collections_support::propagated;
use keyspace_support::run_as;
use kv_engine::harness::Session;

#[test]
fn replies_match_redis() {
    collections_support::replay("bitmaps");
}

/// What redis-server 7.0.15 writes to its AOF for the same commands
/// (checked with appendonly on): no-op writes are left out.
#[test]
fn writes_propagate_only_when_a_bit_changed() {
    let mut s = Session::new();
    s.cmd("SET a 1");
    s.cmd("SETBIT a 0 0");
    s.cmd("SETBIT b 3 0");
    s.cmd("SETBIT b 3 0");
    s.cmd("SETBIT b 3 1");
    s.cmd("SETBIT b 20 0");
    s.cmd("BITFIELD c GET u8 0");
    s.cmd("BITFIELD c3 SET u8 0 0");
    s.cmd("BITFIELD c3 SET u8 0 0");
    s.cmd("BITFIELD c3 INCRBY u8 0 0");
    s.cmd("BITFIELD c3 SET u8 8 0");
    s.cmd("BITFIELD c3 SET u8 0 7");
    s.cmd("BITFIELD c3 OVERFLOW FAIL INCRBY u8 0 1000");
    s.cmd("BITOP AND d nokey");
    s.cmd("SET d 1");
    s.cmd("BITOP AND d nokey");
    s.cmd("BITOP OR e a");
    assert_eq!(
        propagated(&mut s),
        vec![
            "SET a 1",
            "SETBIT b 3 0",
            "SETBIT b 3 1",
            "SETBIT b 20 0",
            "BITFIELD c3 SET u8 0 0",
            "BITFIELD c3 SET u8 8 0",
            "BITFIELD c3 SET u8 0 7",
            "SET d 1",
            "BITOP AND d nokey",
            "BITOP OR e a",
        ]
    );
}

/// Redis does not propagate a BITFIELD whose every write FAILed, even
/// when it created the key; the delta must still replay the key.
#[test]
fn a_failed_bitfield_that_created_the_key_still_propagates() {
    let mut s = Session::new();
    assert_eq!(
        s.cmd("BITFIELD c OVERFLOW FAIL INCRBY u2 0 10"),
        "*1\r\n$-1\r\n"
    );
    assert_eq!(s.cmd("STRLEN c"), ":1\r\n");
    assert_eq!(
        propagated(&mut s),
        vec!["BITFIELD c OVERFLOW FAIL INCRBY u2 0 10"]
    );
}

/// A SETBIT that changes nothing is no modification: a WATCH on the key
/// survives it (as in Redis 7.0.15), one that changes a bit does not.
#[test]
fn a_no_op_setbit_leaves_watch_intact() {
    let mut s = Session::new();
    let mut other = kv_engine::ClientState::new(9);
    s.cmd("SETBIT k 0 1");
    s.cmd("WATCH k");
    run_as(&mut s, &mut other, "SETBIT k 0 1");
    s.cmd("MULTI");
    s.cmd("GET k");
    assert_eq!(s.run(&[b"EXEC"]), b"*1\r\n$1\r\n\x80\r\n");
    s.cmd("WATCH k");
    run_as(&mut s, &mut other, "SETBIT k 0 0");
    s.cmd("MULTI");
    s.cmd("GET k");
    assert_eq!(s.cmd("EXEC"), "*-1\r\n");
}

/// The offset limit follows proto-max-bulk-len (small here, so the test
/// does not build a 512 MB string; the recording checks the default's
/// edge).
#[test]
fn offsets_stop_at_proto_max_bulk_len() {
    let mut s = Session::with_config(kv_engine::EngineConfig {
        proto_max_bulk_len: 16,
        ..kv_engine::EngineConfig::default()
    });
    let error = "-ERR bit offset is not an integer or out of range\r\n";
    assert_eq!(s.cmd("SETBIT big 127 1"), ":0\r\n");
    assert_eq!(s.cmd("STRLEN big"), ":16\r\n");
    assert_eq!(s.cmd("BITPOS big 1"), ":127\r\n");
    assert_eq!(s.cmd("SETBIT big 128 1"), error);
    assert_eq!(s.cmd("GETBIT big 128"), error);
    assert_eq!(s.cmd("BITFIELD big GET u8 #15"), "*1\r\n:1\r\n");
    assert_eq!(s.cmd("BITFIELD big GET u8 #16"), error);
    assert_eq!(
        s.cmd("BITFIELD big SET i64 120 1"),
        "*1\r\n:72057594037927936\r\n"
    );
    assert_eq!(s.cmd("STRLEN big"), ":23\r\n");
}
