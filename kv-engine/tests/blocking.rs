//! The blocking list and sorted set commands' non-blocking path (data
//! present, errors, inside MULTI) against replies recorded from
//! redis-server 7.0.15, and their propagation forms.

mod collections_support;

use kv_engine::harness::Session;

#[test]
fn replies_match_redis() {
    collections_support::replay("blocking");
}

#[test]
fn blocking_forms_propagate_as_their_plain_forms() {
    let mut s = Session::new();
    s.cmd("RPUSH src a b c d e f");
    s.cmd("ZADD z 1 a 2 b 3 c");
    collections_support::propagated(&mut s);
    s.cmd("BLMOVE src dst LEFT RIGHT 0");
    s.cmd("BRPOPLPUSH src dst 0");
    s.cmd("BLPOP nokey src 0");
    s.cmd("BRPOP src 0");
    s.cmd("BLMPOP 0 1 src RIGHT COUNT 5");
    s.cmd("BZPOPMAX z 0");
    s.cmd("BZMPOP 0 1 z MIN COUNT 10");
    s.cmd("BLPOP nokey 0");
    assert_eq!(
        collections_support::propagated(&mut s),
        vec![
            "LMOVE src dst LEFT RIGHT",
            "RPOPLPUSH src dst",
            "LPOP src",
            "RPOP src",
            "RPOP src 2",
            "ZPOPMAX z",
            "ZPOPMIN z 2",
        ]
    );
}
