//! SORT and SORT_RO against replies recorded from redis-server 7.0.15.

mod collections_support;

use kv_engine::harness::Session;

#[test]
fn replies_match_redis() {
    collections_support::replay("sort");
}

#[test]
fn sort_store_propagates_as_is_and_only_when_it_changes_something() {
    let mut s = Session::new();
    s.cmd("RPUSH l 2 1");
    collections_support::propagated(&mut s);
    assert_eq!(s.cmd("SORT l STORE d"), ":2\r\n");
    assert_eq!(s.cmd("SORT nokey STORE nothere"), ":0\r\n");
    assert_eq!(s.cmd("SORT l"), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_eq!(
        collections_support::propagated(&mut s),
        vec!["SORT l STORE d".to_string()]
    );
}
