//! Sorted set commands against replies recorded from redis-server 7.0.15,
//! plus propagation, encodings and large-set behaviour.

mod collections_support;

use kv_engine::harness::Session;

#[test]
fn replies_match_redis() {
    collections_support::replay("zsets");
}

#[test]
fn pops_propagate_as_redis_writes_them_to_the_aof() {
    let mut s = Session::new();
    s.cmd("ZADD z 1 a 2 b 3 c");
    s.cmd("ZMPOP 1 z MIN COUNT 5");
    s.cmd("ZADD z 1 a 2 b 3 c");
    s.cmd("ZMPOP 2 nokey z MAX");
    s.cmd("ZPOPMIN z 1");
    s.cmd("ZPOPMIN nokey");
    s.cmd("ZADD z XX 5 nosuch");
    assert_eq!(
        collections_support::propagated(&mut s),
        vec![
            "ZADD z 1 a 2 b 3 c",
            "ZPOPMIN z 3",
            "ZADD z 1 a 2 b 3 c",
            "ZPOPMAX z 1",
            "ZPOPMIN z 1",
        ]
    );
}

#[test]
fn large_sets_keep_rank_and_ranges() {
    let mut s = Session::new();
    for i in 0..3000 {
        s.cmd(&format!("ZADD z {} m{i}", (i * 7) % 3000));
    }
    assert_eq!(s.cmd("ZCARD z"), ":3000\r\n");
    // Scores are a permutation of 0..3000: score k has rank k.
    assert_eq!(s.cmd("ZCOUNT z 100 199"), ":100\r\n");
    let first = s.cmd("ZRANGE z 0 0 WITHSCORES");
    assert!(first.ends_with("$1\r\n0\r\n"), "{first}");
    let at = s.cmd("ZRANGEBYSCORE z 1500 1500");
    let member = at.split("\r\n").nth(2).unwrap_or_default().to_string();
    assert_eq!(s.cmd(&format!("ZRANK z {member}")), ":1500\r\n");
    assert_eq!(s.cmd(&format!("ZREVRANK z {member}")), ":1499\r\n");
    assert_eq!(s.cmd("ZREMRANGEBYRANK z 0 999"), ":1000\r\n");
    assert_eq!(s.cmd(&format!("ZRANK z {member}")), ":500\r\n");
    assert_eq!(s.cmd("ZREMRANGEBYSCORE z -inf (2000"), ":1000\r\n");
    assert_eq!(s.cmd("ZCARD z"), ":1000\r\n");
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    for _ in 0..200 {
        let reply = s.cmd(&format!("ZSCAN z {cursor} COUNT 50"));
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
    assert_eq!(seen.len(), 1000);
}

#[test]
fn random_members_replay_from_the_seed() {
    let run = || {
        let mut s = Session::new();
        s.cmd("ZADD z 1 a 2 b 3 c 4 d 5 e");
        (
            s.cmd("ZRANDMEMBER z -10 WITHSCORES"),
            s.cmd("ZRANDMEMBER z 2"),
        )
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.0.starts_with("*20\r\n"));
}

#[test]
fn score_texts_match_redis() {
    collections_support::replay("zset_scores");
}
