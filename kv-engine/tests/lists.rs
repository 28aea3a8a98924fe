//! List commands against replies recorded from redis-server 7.0.15, plus
//! propagation and size checks the recording cannot show.

mod collections_support;

use kv_engine::harness::Session;

#[test]
fn replies_match_redis() {
    collections_support::replay("lists");
}

#[test]
fn pops_propagate_as_redis_writes_them_to_the_aof() {
    let mut s = Session::new();
    s.cmd("RPUSH l a b c d e");
    s.cmd("LMPOP 2 nokey l LEFT COUNT 10");
    s.cmd("RPUSH l a b c");
    s.cmd("LMPOP 1 l RIGHT COUNT 2");
    s.cmd("LPOP nokey");
    s.cmd("LREM l 0 zz");
    s.cmd("LPUSHX nokey a");
    assert_eq!(
        collections_support::propagated(&mut s),
        vec!["RPUSH l a b c d e", "LPOP l 5", "RPUSH l a b c", "RPOP l 2",]
    );
}

#[test]
fn new_lists_signal_ready_and_big_lists_stay_ordered() {
    let mut s = Session::new();
    for i in 0..5000 {
        s.cmd(&format!("RPUSH big {i}"));
        s.cmd(&format!("LPUSH big -{i}"));
    }
    assert_eq!(s.cmd("LLEN big"), ":10000\r\n");
    assert_eq!(s.cmd("LINDEX big 0"), "$5\r\n-4999\r\n");
    assert_eq!(s.cmd("LINDEX big 5000"), "$1\r\n0\r\n");
    assert_eq!(s.cmd("LINDEX big -1"), "$4\r\n4999\r\n");
    assert_eq!(
        s.cmd("LRANGE big 4999 5000"),
        "*2\r\n$2\r\n-0\r\n$1\r\n0\r\n"
    );
    assert_eq!(s.cmd("LTRIM big 100 -101"), "+OK\r\n");
    assert_eq!(s.cmd("LLEN big"), ":9800\r\n");
    assert_eq!(s.cmd("LINDEX big 0"), "$5\r\n-4899\r\n");
}
