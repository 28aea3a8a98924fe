//! Set commands against replies recorded from redis-server 7.0.15, plus
//! the random and propagation behaviour a recording cannot pin down.

mod collections_support;

use kv_engine::harness::Session;

#[test]
fn replies_match_redis() {
    collections_support::replay("sets");
}

#[test]
fn spop_propagates_the_chosen_members_as_srem() {
    let mut s = Session::new();
    s.cmd("SADD s a b c d e");
    collections_support::propagated(&mut s);
    let reply = s.cmd("SPOP s 2");
    let popped: Vec<&str> = reply
        .split("\r\n")
        .filter(|l| l.len() == 1 && l.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    assert_eq!(popped.len(), 2, "{reply}");
    assert_eq!(
        collections_support::propagated(&mut s),
        vec![format!("SREM s {}", popped.join(" "))]
    );
    let one = s.cmd("SPOP s");
    let member = one.split("\r\n").nth(1).unwrap_or_default().to_string();
    assert_eq!(
        collections_support::propagated(&mut s),
        vec![format!("SREM s {member}")]
    );
    assert_eq!(s.cmd("SCARD s"), ":2\r\n");
    s.cmd("SPOP s 10");
    assert_eq!(
        collections_support::propagated(&mut s),
        vec!["DEL s".to_string()]
    );
    assert_eq!(s.cmd("EXISTS s"), ":0\r\n");
}

#[test]
fn random_members_come_from_the_seeded_source() {
    let run = || {
        let mut s = Session::new();
        s.cmd("SADD s a b c d e f g h i j");
        (
            s.cmd("SRANDMEMBER s -20"),
            s.cmd("SRANDMEMBER s 4"),
            s.cmd("SPOP s 3"),
        )
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.0.starts_with("*20\r\n"));
    assert!(first.1.starts_with("*4\r\n"));
}

#[test]
fn huge_random_counts_are_refused_not_allocated() {
    // Redis 7.0 dies trying to answer these; the engine refuses.
    let mut s = Session::new();
    s.cmd("SADD s a b");
    s.cmd("HSET h a 1");
    s.cmd("ZADD z 1 a");
    for command in [
        "SRANDMEMBER s -9223372036854775807",
        "HRANDFIELD h -9223372036854775807 WITHVALUES",
        "ZRANDMEMBER z -16777217",
    ] {
        assert_eq!(
            s.cmd(command),
            "-ERR value is out of range\r\n",
            "{command}"
        );
    }
    assert!(s.cmd("SRANDMEMBER s -1000").starts_with("*1000\r\n"));
}

#[test]
fn sscan_covers_a_large_set() {
    let mut s = Session::new();
    for i in 0..300 {
        s.cmd(&format!("SADD s m{i}"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    for _ in 0..100 {
        let reply = s.cmd(&format!("SSCAN s {cursor} COUNT 20"));
        let lines: Vec<&str> = reply.split("\r\n").collect();
        cursor = lines[2].to_string();
        seen.extend(
            lines
                .iter()
                .filter(|l| l.starts_with('m'))
                .map(|l| l.to_string()),
        );
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 300);
}
