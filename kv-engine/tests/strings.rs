//! String commands against replies recorded from redis-server 7.0.15
//! (`coll_data/strings.txt`: every option and error case), plus their
//! propagation (checked against what redis-server 7.0.15 writes to its
//! AOF) and the limits a recording would need 512 MB for.

mod collections_support;

use collections_support::propagated;
use kv_engine::harness::Session;
use kv_engine::EngineConfig;

#[test]
fn replies_match_redis() {
    collections_support::replay("strings");
}

#[test]
fn set_propagates_absolute_times_and_drops_get() {
    let mut s = Session::new();
    s.cmd("SET a v EX 100");
    s.cmd("SET a v PX 5000 GET");
    s.cmd("SET a v EXAT 2000");
    s.cmd("SET a v PXAT 3000500 GET");
    s.cmd("SET a v XX GET");
    s.cmd("SET a w KEEPTTL get");
    s.cmd("SET a v NX");
    s.cmd("SET a v NX GET");
    s.cmd("SET b v XX");
    s.cmd("SET a v EX 0");
    s.cmd("SETEX b 10 v");
    s.cmd("PSETEX b 10 v");
    s.cmd("SETNX b v");
    s.cmd("SETNX c v");
    assert_eq!(
        propagated(&mut s),
        vec![
            "SET a v PXAT 1100000",
            "SET a v PXAT 1005000",
            "SET a v PXAT 2000000",
            "SET a v PXAT 3000500",
            "SET a v XX",
            "SET a w KEEPTTL",
            "SET b v PXAT 1010000",
            "SET b v PXAT 1000010",
            "SETNX c v",
        ]
    );
}

#[test]
fn getex_getdel_getset_propagate_their_effect() {
    let mut s = Session::new();
    s.cmd("SET a v");
    s.cmd("GETEX a");
    s.cmd("GETEX a PERSIST");
    s.cmd("GETEX a EX 100");
    s.cmd("GETEX a PXAT 5000000");
    s.cmd("GETEX a PERSIST");
    s.cmd("GETEX nokey EX 100");
    s.cmd("GETEX a EXAT 1");
    s.cmd("GETDEL a");
    s.cmd("SET a v");
    s.cmd("GETDEL a");
    s.cmd("GETSET a 5");
    assert_eq!(
        propagated(&mut s),
        vec![
            "SET a v",
            "PEXPIREAT a 1100000",
            "PEXPIREAT a 5000000",
            "PERSIST a",
            "DEL a",
            "SET a v",
            "DEL a",
            "SET a 5",
        ]
    );
}

#[test]
fn counters_and_in_place_writes_propagate_unless_nothing_changed() {
    let mut s = Session::new();
    s.cmd("INCR n");
    s.cmd("INCRBY n x");
    s.cmd("DECRBY n 3");
    s.cmd("SET n 9223372036854775807");
    s.cmd("INCR n");
    s.cmd("INCRBYFLOAT f 1.5");
    s.cmd("INCRBYFLOAT f 0.1");
    s.cmd("INCRBYFLOAT f inf");
    s.cmd("APPEND f x");
    s.run(&[b"APPEND", b"f", b""]);
    s.cmd("APPEND e");
    s.run(&[b"SETRANGE", b"f", b"0", b""]);
    s.run(&[b"SETRANGE", b"g", b"0", b""]);
    s.cmd("SETRANGE f 1 y");
    s.cmd("MSETNX f 1 h 2");
    s.cmd("MSETNX h 1 i 2");
    s.cmd("MSET h 1");
    assert_eq!(
        propagated(&mut s),
        vec![
            "INCR n",
            "DECRBY n 3",
            "SET n 9223372036854775807",
            "SET f 1.5 KEEPTTL",
            "SET f 1.6 KEEPTTL",
            "APPEND f x",
            "APPEND f ",
            "SETRANGE f 1 y",
            "MSETNX h 1 i 2",
            "MSET h 1",
        ]
    );
}

#[test]
fn incrbyfloat_keeps_the_ttl_and_stores_a_string() {
    let mut s = Session::new();
    s.cmd("SET f 10 EX 100");
    assert_eq!(s.cmd("INCRBYFLOAT f 0.5"), "$4\r\n10.5\r\n");
    assert_eq!(s.cmd("TTL f"), ":100\r\n");
    assert_eq!(s.cmd("INCRBYFLOAT f -0.5"), "$2\r\n10\r\n");
    assert_eq!(s.cmd("OBJECT ENCODING f"), "$6\r\nembstr\r\n");
    assert_eq!(s.cmd("INCR f"), ":11\r\n");
    assert_eq!(s.cmd("OBJECT ENCODING f"), "$3\r\nint\r\n");
    assert_eq!(s.cmd("TTL f"), ":100\r\n");
}

#[test]
fn expired_keys_are_missing_to_every_string_command() {
    let mut s = Session::new();
    s.cmd("SET a 5 PX 100");
    s.clock.advance(101);
    assert_eq!(s.cmd("INCR a"), ":1\r\n");
    s.cmd("SET b v PX 100");
    s.clock.advance(101);
    assert_eq!(s.cmd("APPEND b w"), ":1\r\n");
    s.cmd("SET c v PX 100");
    s.clock.advance(101);
    assert_eq!(s.cmd("SET c x XX"), "$-1\r\n");
    assert_eq!(s.cmd("MSETNX c 1"), ":1\r\n");
    assert_eq!(
        propagated(&mut s),
        vec![
            "SET a 5 PXAT 1000100",
            "DEL a",
            "INCR a",
            "SET b v PXAT 1000201",
            "DEL b",
            "APPEND b w",
            "SET c v PXAT 1000302",
            "DEL c",
            "MSETNX c 1",
        ]
    );
}

/// The size limit, with a small proto-max-bulk-len so the test does not
/// allocate 512 MB (the recording checks the default limit's edge).
#[test]
fn growth_past_proto_max_bulk_len_is_refused() {
    let mut s = Session::with_config(EngineConfig {
        proto_max_bulk_len: 16,
        ..EngineConfig::default()
    });
    let too_big = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
    assert_eq!(s.cmd("APPEND a 0123456789abcdef"), ":16\r\n");
    assert_eq!(s.cmd("APPEND a x"), too_big);
    assert_eq!(s.run(&[b"APPEND", b"a", b""]), b":16\r\n");
    assert_eq!(s.cmd("SETRANGE b 15 x"), ":16\r\n");
    assert_eq!(s.cmd("SETRANGE b 16 x"), too_big);
    assert_eq!(s.cmd("SETRANGE c 16 x"), too_big);
    assert_eq!(s.cmd("SETRANGE b 9223372036854775807 x"), too_big);
    assert_eq!(s.cmd("EXISTS c"), ":0\r\n");
    assert_eq!(s.cmd("STRLEN a"), ":16\r\n");
}

#[test]
fn appends_grow_in_place_and_stay_raw() {
    let mut s = Session::new();
    for i in 0..2000 {
        s.cmd(&format!("APPEND big {}", i % 10));
    }
    assert_eq!(s.cmd("STRLEN big"), ":2000\r\n");
    assert_eq!(s.cmd("GETRANGE big 1995 -1"), "$5\r\n56789\r\n");
    assert_eq!(s.cmd("OBJECT ENCODING big"), "$3\r\nraw\r\n");
}
