//! Pub/sub and blocking commands against the real redis-server 7.0.15,
//! over TCP, in both protocols: the same multi-client script runs on both
//! servers and every reply (and every silence) must match exactly.
//! Under CI=true a missing redis-server fails the test.
//!
//! A script is data, one step per line: `a: CMD args` sends from client
//! `a` (words split on spaces; `$a` stands for client a's id, `''` for an
//! empty argument), `a? N`
//! reads N replies (a client reading `id` after `a: CLIENT ID` remembers
//! it instead), `a~ N` reads N replies compared as sets (Redis's order
//! for unsubscribe-all and PUBSUB CHANNELS is its hash table's), `a*`
//! reads whatever comes until a moment of silence, `a-` expects nothing for a
//! moment, `a.` sends the rest of the line and discards the reply (HELLO,
//! whose map has the id), `=blocked N` waits until N clients are blocked.

mod support;

use resp_codec::Frame;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::process::{redis_available, Conn, Process};

const SILENCE: Duration = Duration::from_millis(150);

const PUBSUB_RESP2: &str = "
a: SUBSCRIBE c1 c2
a? 2
a: GET x
a? 1
a: CLIENT LIST
a? 1
a: PING
a: PING hi
a: PING a b
a? 3
a: HELLO 3
a? 1
a: MULTI
a? 1
a: FOO
a: GET
a? 2
a: PSUBSCRIBE c* c*
a? 2
b: PUBLISH c1 m1
b? 1
a? 2
b: PUBLISH c3 m2
b: PUBLISH zz m3
b? 2
a? 1
a-
a: SSUBSCRIBE s1 s2
a? 2
b: SPUBLISH s1 m4
b: SPUBLISH c1 m5
b: PUBSUB SHARDNUMSUB s1 s2 s3
b: PUBSUB SHARDCHANNELS s1*
b? 4
b: PUBSUB SHARDCHANNELS
b~ 1
a? 1
a: UNSUBSCRIBE c1
a? 1
a: PUNSUBSCRIBE
a? 1
a: UNSUBSCRIBE
a? 1
a: UNSUBSCRIBE
a? 1
a: PUNSUBSCRIBE zz
a? 1
a: GET x
a? 1
a: SUNSUBSCRIBE s2
a? 1
a: SUNSUBSCRIBE s1 s9
a? 2
a: GET x
a? 1
a: SUBSCRIBE
a? 1
a: UNSUBSCRIBE
a? 1
a: SUBSCRIBE q1 q2 q3
a? 3
a: UNSUBSCRIBE
a~ 3
b: SUBSCRIBE z
b? 1
b: RESET
b: GET x
b? 2
c: PUBSUB CHANNELS
c~ 1
c: PUBSUB NUMPAT
c: PUBSUB NUMSUB c1 zz
c: PUBSUB
c: PUBSUB FOO
c: PUBSUB HELP
c: PUBSUB CHANNELS a b
c: PUBSUB NUMPAT x
c: PUBSUB NUMSUB
c: PUBSUB HELP x
c? 9
c: MULTI
c: SUBSCRIBE m
c: PUBLISH m hi
c: EXEC
c? 4
c: GET x
c? 1
c: QUIT
c? 1
";

const PUBSUB_RESP3: &str = "
a. HELLO 3
a: SUBSCRIBE c1
a: PSUBSCRIBE c*
a? 2
a: GET x
a: PING
a: PUBLISH c1 self
a? 5
b: PUBLISH c1 other
b? 1
a? 2
a: UNSUBSCRIBE
a: UNSUBSCRIBE
a: PUNSUBSCRIBE
a: SUNSUBSCRIBE
a? 4
a: SSUBSCRIBE s1
a? 1
b: SPUBLISH s1 m
b? 1
a? 1
a: MULTI
a: SUBSCRIBE q
a: PUBLISH q m
a: EXEC
a? 5
a. HELLO 2
b: PUBLISH q in-resp2
b? 1
a? 1
a: GET x
a? 1
a: RESET
a: GET x
a? 2
";

const BLOCKING: &str = "
z: FLUSHALL
z? 1
a: BLPOP k1 k2 0
a: PING
=blocked 1
z: MULTI
z: RPUSH k2 x
z: RPUSH k1 y
z: EXEC
z? 4
a? 2
a: BLPOP nokey 0.1
a? 1
a: BRPOPLPUSH nokey d 0.1
a? 1
a: BLMOVE nokey d LEFT RIGHT 0.1
a? 1
a: BLMPOP 0.1 1 nokey LEFT
a? 1
a: BZPOPMIN nokey 0.1
a? 1
a: BZMPOP 0.1 1 nokey MIN
a? 1
a: BLPOP nokey -1
a: BLPOP nokey x
a: BLPOP nokey inf
a: BLPOP nokey 1e400
a: BLPOP nokey nan
a: BLMPOP 0 0 k LEFT
a: BLMPOP 0 1 k UP
a: BZMPOP 0 1 k MIN COUNT 0
a? 8
a: BLPOP nokey 1e-400
a? 1
a: BRPOP nokey 1e-4950
a? 1
a: BLMOVE nokey d LEFT RIGHT 1e-400
a? 1
a: BZPOPMIN nokey 0.0001
a? 1
a: BLPOP nokey 1e-5000
a: BZPOPMIN nokey 1e5000
a? 2
a: BLPOP tiny -1e-400
=blocked 1
a-
z: RPUSH tiny v
z? 1
a? 1
a: BLPOP huge 9223372036854775.807
=blocked 1
a-
z: RPUSH huge v
z? 1
a? 1
a: BLPOP nokey 9223372036854775.808
a: BLPOP nokey inf
a: BLPOP nokey 5000000000000000000000000000000000000000000000000000000000000e-5010
a? 3
a: MULTI
a: BLPOP nokey 0
a: BRPOPLPUSH nokey d 0
a: BZPOPMIN nokey 0
a: BLMPOP 0 1 nokey LEFT
a: EXEC
a? 6
a: BLMPOP 0 2 l1 l2 LEFT COUNT 5
=blocked 1
z: RPUSH l2 x x2 x3
z? 1
a? 1
a: BZMPOP 0 2 z1 z2 MAX COUNT 5
=blocked 1
z: ZADD z2 1 a 2 b
z? 1
a? 1
a: BZPOPMAX z1 z2 0
=blocked 1
z: ZADD z2 1 a 2 b
z? 1
a? 1
a: BLMOVE src dst RIGHT LEFT 0
=blocked 1
z: RPUSH src 1 2
z? 1
a? 1
z: LRANGE src 0 -1
z: LRANGE dst 0 -1
z? 2
z: FLUSHALL
z? 1
a: BLPOP k 0
=blocked 1
z: ZADD k 1 m
z? 1
a-
z: DEL k
z: RPUSH k v
z? 2
a? 1
a: BLMOVE src dst RIGHT LEFT 0
=blocked 1
z: SET dst str
z: RPUSH src 1
z? 2
a? 1
z: LRANGE src 0 -1
z? 1
a: SELECT 1
a: BLPOP sk 0
a? 1
=blocked 1
z: RPUSH sk v0
z: SWAPDB 0 1
z? 2
a? 1
a: SELECT 0
a? 1
z: FLUSHALL
z? 1
a: BLPOP q 0
=blocked 1
b: BLPOP q 0
=blocked 2
z: RPUSH q 1 2 3
z? 1
a? 1
b? 1
z: LRANGE q 0 -1
z? 1
a: BLPOP q2 0
=blocked 1
z: RPUSH q2 x
z: LPOP q2
z? 2
a? 1
a: BLPOP dst 0
=blocked 1
b: BLMOVE src dst LEFT RIGHT 0
=blocked 2
z: RPUSH src e
z? 1
b? 1
a? 1
a: CLIENT ID
a: BLPOP k1 k2 0
a: PING
=blocked 1
z: CLIENT UNBLOCK $a
z: CLIENT UNBLOCK $a
z? 2
a? 2
a: BRPOPLPUSH k1 k2 0
=blocked 1
z: CLIENT UNBLOCK $a timeout
z? 1
a? 1
a: BZPOPMAX k1 k2 0
=blocked 1
z: CLIENT UNBLOCK $a ERROR
z? 1
a? 1
z: CLIENT UNBLOCK $a FOO
z: CLIENT UNBLOCK x
z: CLIENT UNBLOCK 999999
z: CLIENT UNBLOCK
z: CLIENT UNBLOCK 1 2 3
z: CLIENT UNBLOCK -5
z? 6
a. HELLO 3
a: BLPOP r3 0.1
a: BLMOVE r3 x LEFT LEFT 0.1
a: BZMPOP 0.1 1 r3 MIN
a? 3
a: BLMPOP 0 1 r4 LEFT
=blocked 1
z: RPUSH r4 a b
z? 1
a? 1
a: BZPOPMIN r5 0
=blocked 1
z: ZADD r5 2.5 m
z? 1
a? 1
";

/// Keyspace notifications: every event a subscriber to `__key*__:*` gets,
/// in order (the engine's event names are checked command by command in
/// kv-engine's notify_diff; this is their delivery).
const NOTIFICATIONS: &str = "
z: CONFIG SET notify-keyspace-events KEA
z: CONFIG GET notify-keyspace-events
z? 2
s: PSUBSCRIBE __key*__:*
s? 1
r. HELLO 3
r: SUBSCRIBE __keyevent@0__:set __keyspace@0__:own
r? 2
z: SET k v
z: SET k v2
z: DEL k
z: LPUSH l a b
z: RPOP l
z: RPOP l
z: EXPIRE nokey 10
z: SET e 1 PX 40
z: HSET h f v
z: ZADD zs 1 m
z: ZINCRBY zs 2 m
z: SADD st a
z: SPOP st
z? 13
s*
z: MULTI
z: INCR n
z: RENAME n m
z: EXPIRE m 100
z: PERSIST m
z: EXEC
z? 6
s*
b: BLPOP q 0
=blocked 1
z: RPUSH q x
z? 1
b? 1
s*
z: SELECT 3
z: SADD s 1
z: MOVE s 0
z: SELECT 0
z: SWAPDB 0 3
z: SWAPDB 0 3
z? 6
s*
r*
r: SET own 1
r: GET own
r? 4
s*
z: CONFIG SET notify-keyspace-events Ex
z: SET t 1 PX 10
z? 2
s*
z: CONFIG SET notify-keyspace-events Kg$
z: SET a 1
z: DEL a
z? 3
s*
z: CONFIG SET notify-keyspace-events ''
z: SET nn 1
z? 2
s-
";

#[test]
fn keyspace_notifications_match_redis() {
    compare("notifications", NOTIFICATIONS);
}

#[test]
fn pubsub_in_resp2_matches_redis() {
    compare("pubsub RESP2", PUBSUB_RESP2);
}

#[test]
fn pubsub_in_resp3_matches_redis() {
    compare("pubsub RESP3", PUBSUB_RESP3);
}

#[test]
fn blocking_commands_match_redis() {
    compare("blocking", BLOCKING);
}

fn compare(name: &str, script: &str) {
    if !redis_available() {
        return;
    }
    let redis = Process::redis(&[]);
    let ours = Process::ours(&[]);
    let expected = run(redis.port, script);
    let got = run(ours.port, script);
    if std::env::var_os("WAITS_DIFF_SHOW").is_some() {
        for line in &got {
            eprintln!("{line}");
        }
    }
    for (want, have) in expected.iter().zip(&got) {
        assert_eq!(have, want, "{name}: ours differs from redis-server");
    }
    assert_eq!(got.len(), expected.len(), "{name}: transcript lengths");
}

/// Runs `script` against the server on `port`: one transcript line per
/// check.
fn run(port: u16, script: &str) -> Vec<String> {
    let mut conns: HashMap<String, Conn> = HashMap::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut transcript = Vec::new();
    for (n, line) in script.lines().map(str::trim).enumerate() {
        if line.is_empty() {
            continue;
        }
        let step = format!("line {n}: {line}");
        if let Some(count) = line.strip_prefix("=blocked ") {
            wait_blocked(port, count.parse().unwrap());
            continue;
        }
        let (client, rest) = line.split_at(line.find([':', '?', '~', '-', '.', '*']).unwrap());
        let conn = conns
            .entry(client.to_string())
            .or_insert_with(|| Conn::open(port).unwrap());
        let (op, args) = rest.split_at(1);
        match op {
            ":" | "." => {
                let words: Vec<String> = args
                    .split_whitespace()
                    .map(|w| match w.strip_prefix('$') {
                        Some(c) => ids.get(c).cloned().unwrap_or_else(|| w.to_string()),
                        None if w == "''" => String::new(),
                        None => w.to_string(),
                    })
                    .collect();
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                if op == "." {
                    conn.call(&words);
                    continue;
                }
                conn.send(&words);
                if words == ["CLIENT", "ID"] {
                    let Some(Frame::Integer(id)) = conn.read() else {
                        panic!("{step}: CLIENT ID");
                    };
                    ids.insert(client.to_string(), id.to_string());
                    transcript.push(format!("{step} -> (an id)"));
                }
            }
            "?" | "~" => {
                let count: usize = args.trim().parse().unwrap();
                let frames: Vec<Option<Frame>> = (0..count)
                    .map(|_| conn.read_within(Duration::from_secs(5)))
                    .collect();
                let text = if op == "~" {
                    as_set(&frames)
                } else {
                    format!("{frames:?}")
                };
                transcript.push(format!("{step} -> {text}"));
            }
            "-" => {
                let frame = conn.read_within(SILENCE);
                transcript.push(format!("{step} -> {frame:?}"));
            }
            "*" => {
                let frames: Vec<Frame> = std::iter::from_fn(|| conn.read_within(SILENCE)).collect();
                transcript.push(format!("{step} -> {frames:?}"));
            }
            _ => panic!("{step}: unknown step"),
        }
    }
    transcript
}

/// Replies whose order is free: (un)subscribe confirmations as a set of
/// names and a set of counts (each count depends on the order), arrays
/// (PUBSUB CHANNELS) with their elements sorted.
fn as_set(frames: &[Option<Frame>]) -> String {
    let mut names = Vec::new();
    let mut counts = Vec::new();
    for frame in frames {
        match frame {
            Some(Frame::Array(parts) | Frame::Push(parts))
                if matches!(parts.as_slice(), [Frame::Bulk(_), _, Frame::Integer(_)]) =>
            {
                names.push(format!("{:?} {:?}", parts[0], parts[1]));
                counts.push(format!("{:?}", parts[2]));
            }
            Some(Frame::Array(parts)) => {
                let mut parts: Vec<String> = parts.iter().map(|p| format!("{p:?}")).collect();
                parts.sort();
                names.push(format!("{parts:?}"));
            }
            other => names.push(format!("{other:?}")),
        }
    }
    names.sort();
    counts.sort();
    format!("{names:?} counts {counts:?}")
}

/// Waits until INFO says `n` clients are blocked.
fn wait_blocked(port: u16, n: usize) {
    let mut admin = Conn::open(port).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let wanted = format!("blocked_clients:{n}\r\n");
    loop {
        let info = match admin.call(&["INFO", "clients"]) {
            Frame::Bulk(text) | Frame::Verbatim { text, .. } => text,
            other => panic!("INFO replied {other:?}"),
        };
        if String::from_utf8_lossy(&info).contains(&wanted) {
            return;
        }
        assert!(Instant::now() < deadline, "never {wanted}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
