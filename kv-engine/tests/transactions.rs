//! MULTI/EXEC/WATCH semantics, at the reply-byte level.

use kv_engine::harness::Session;

/// One delta per EXEC, a transaction only when it holds more than one op
/// (Redis 7.0 propagates a lone write bare: `interop.rs` compares AOFs).
#[test]
fn exec_runs_queued_commands_and_propagates_one_delta() {
    let mut s = Session::new();
    assert_eq!(s.cmd("MULTI"), "+OK\r\n");
    assert_eq!(s.cmd("SET a 1"), "+QUEUED\r\n");
    assert_eq!(s.cmd("GET a"), "+QUEUED\r\n");
    assert_eq!(s.cmd("EXEC"), "*2\r\n+OK\r\n$1\r\n1\r\n");
    s.cmd("MULTI");
    s.cmd("SET b 1");
    s.cmd("INCR a");
    assert_eq!(s.cmd("EXEC"), "*2\r\n+OK\r\n:2\r\n");
    s.cmd("MULTI");
    s.cmd("GET a");
    assert_eq!(s.cmd("EXEC"), "*1\r\n$1\r\n2\r\n");
    let deltas = s.deltas.take();
    let shape: Vec<_> = deltas
        .iter()
        .map(|d| (d.lsn, d.transaction, d.ops.len()))
        .collect();
    assert_eq!(shape, [(1, false, 1), (2, true, 2)]);
}

#[test]
fn queued_error_aborts_exec() {
    let mut s = Session::new();
    s.cmd("MULTI");
    assert_eq!(
        s.cmd("GET"),
        "-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_eq!(s.cmd("SET a 1"), "+QUEUED\r\n");
    assert_eq!(
        s.cmd("EXEC"),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    assert_eq!(s.cmd("GET a"), "$-1\r\n");
    assert!(s.deltas.take().is_empty());
}

#[test]
fn watch_fails_exec_after_a_change() {
    let mut s = Session::new();
    s.cmd("SET k v");
    s.cmd("WATCH k");
    s.cmd("SET k w");
    s.cmd("MULTI");
    s.cmd("SET x 1");
    assert_eq!(s.cmd("EXEC"), "*-1\r\n");
    assert_eq!(s.cmd("GET x"), "$-1\r\n");
    // The WATCH was consumed by EXEC: a new transaction succeeds.
    s.cmd("MULTI");
    s.cmd("SET x 1");
    assert_eq!(s.cmd("EXEC"), "*1\r\n+OK\r\n");
}

#[test]
fn unknown_command_text_matches_redis() {
    let mut s = Session::new();
    assert_eq!(
        s.cmd("FOO a b"),
        "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
    );
}

// ---- WATCH against a second client, as redis-server 7.0.15 answered the
// same scenarios (recorded with two connections) ----

mod keyspace_support;
use keyspace_support::{check, propagated, run_as};
use kv_engine::ClientState;

/// (what happens, setup by the watcher, commands by another client between
/// WATCH k and MULTI, commands queued, EXEC's reply from Redis).
type WatchCase = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);

const WATCH_CASES: &[WatchCase] = &[
    ("flushall of a missing key", &[], &["FLUSHALL"], &["PING"], "*1\r\n+PONG\r\n"),
    ("flushdb of an existing key", &["SET k 1"], &["FLUSHDB"], &["PING"], "*-1\r\n"),
    ("flushdb of another db", &["SET k 1"], &["SELECT 1", "FLUSHDB", "SELECT 0"], &["PING"], "*1\r\n+PONG\r\n"),
    ("swapdb, missing in both", &[], &["SWAPDB 0 1"], &["PING"], "*1\r\n+PONG\r\n"),
    ("swapdb brings the key in", &[], &["SELECT 1", "SET k 1", "SELECT 0", "SWAPDB 0 1"], &["PING"], "*-1\r\n"),
    ("rename from the key", &["SET k 1"], &["RENAME k j"], &["PING"], "*-1\r\n"),
    ("rename onto the key", &["SET j 1"], &["RENAME j k"], &["PING"], "*-1\r\n"),
    ("expire GT that changes nothing", &["SET k 1"], &["EXPIRE k 100 GT"], &["PING"], "*1\r\n+PONG\r\n"),
    ("del of a missing key", &[], &["DEL k"], &["PING"], "*1\r\n+PONG\r\n"),
    ("set to the same value", &["SET k 1"], &["SET k 1"], &["PING"], "*-1\r\n"),
    ("move away", &["SET k 1"], &["MOVE k 1"], &["PING"], "*-1\r\n"),
    ("move in", &[], &["SELECT 1", "SET k 1", "MOVE k 0", "SELECT 0"], &["PING"], "*-1\r\n"),
    ("copy onto", &["SET j 1"], &["COPY j k"], &["PING"], "*-1\r\n"),
    ("persist with no ttl", &["SET k 1"], &["PERSIST k"], &["PING"], "*1\r\n+PONG\r\n"),
    ("expire", &["SET k 1"], &["EXPIRE k 100"], &["PING"], "*-1\r\n"),
    (
        "runtime error inside exec",
        &[],
        &[],
        &["SET k 1", "LPUSH k x", "GET k"],
        "*3\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\n1\r\n",
    ),
];

#[test]
fn watch_cases_match_redis() {
    for &(what, setup, between, queued, expected) in WATCH_CASES {
        let mut s = Session::new();
        let mut other = ClientState::new(2);
        for line in setup {
            s.cmd(line);
        }
        check(&mut s, "WATCH k", "+OK\r\n");
        for line in between {
            run_as(&mut s, &mut other, line);
        }
        check(&mut s, "MULTI", "+OK\r\n");
        for line in queued {
            check(&mut s, line, "+QUEUED\r\n");
        }
        assert_eq!(s.cmd("EXEC"), expected, "{what}");
    }
}

/// Watches k, which was set with a 20 ms TTL; `before_watch_ms` passes
/// before WATCH, then the other client runs `between`; returns EXEC's reply.
fn exec_with_expiring_key(before_watch_ms: i64, between: &[&str], after_ms: i64) -> String {
    let mut s = Session::new();
    let mut other = ClientState::new(2);
    s.cmd("SET k 1");
    s.cmd("PEXPIRE k 20");
    s.clock.advance(before_watch_ms);
    s.cmd("WATCH k");
    for line in between {
        run_as(&mut s, &mut other, line);
    }
    s.clock.advance(after_ms);
    s.cmd("MULTI");
    s.cmd("PING");
    s.cmd("EXEC")
}

#[test]
fn expiry_and_watch_follow_redis_7_rules() {
    // Expires between WATCH and EXEC, untouched: EXEC fails.
    assert_eq!(exec_with_expiring_key(0, &[], 50), "*-1\r\n");
    // Already expired when watched: no change.
    assert_eq!(exec_with_expiring_key(50, &[], 0), "*1\r\n+PONG\r\n");
    // ... and its lazy deletion is no logical change either.
    assert_eq!(exec_with_expiring_key(50, &["GET k"], 0), "*1\r\n+PONG\r\n");
    // ... but writing it afterwards is.
    assert_eq!(exec_with_expiring_key(50, &["SET k 2"], 0), "*-1\r\n");
    // ... and FLUSHALL deleting it is not.
    assert_eq!(
        exec_with_expiring_key(50, &["FLUSHALL"], 0),
        "*1\r\n+PONG\r\n"
    );
    // Deleted by the active expiry cycle after WATCH: EXEC fails.
    let mut s = Session::new();
    s.cmd("SET k 1");
    s.cmd("PEXPIRE k 20");
    s.cmd("WATCH k");
    s.clock.advance(21);
    s.engine
        .active_expire_cycle(kv_engine::expiry_cycle::ExpiryBudget::default());
    s.cmd("MULTI");
    s.cmd("PING");
    assert_eq!(s.cmd("EXEC"), "*-1\r\n");
}

#[test]
fn swapped_in_expired_key_is_no_change() {
    let mut s = Session::new();
    let mut other = ClientState::new(2);
    run_as(&mut s, &mut other, "SELECT 1");
    run_as(&mut s, &mut other, "SET k 1");
    run_as(&mut s, &mut other, "PEXPIRE k 20");
    s.clock.advance(50);
    s.cmd("WATCH k");
    run_as(&mut s, &mut other, "SWAPDB 0 1");
    s.cmd("MULTI");
    s.cmd("PING");
    assert_eq!(s.cmd("EXEC"), "*1\r\n+PONG\r\n");
}

#[test]
fn transaction_state_errors() {
    let mut s = Session::new();
    check(&mut s, "EXEC", "-ERR EXEC without MULTI\r\n");
    check(&mut s, "DISCARD", "-ERR DISCARD without MULTI\r\n");
    check(&mut s, "MULTI", "+OK\r\n");
    check(&mut s, "MULTI", "-ERR MULTI calls can not be nested\r\n");
    check(
        &mut s,
        "WATCH x",
        "-ERR WATCH inside MULTI is not allowed\r\n",
    );
    check(&mut s, "SET q 1", "+QUEUED\r\n");
    // Neither error aborts the transaction (as in Redis).
    check(&mut s, "EXEC", "*1\r\n+OK\r\n");
    check(&mut s, "EXEC", "-ERR EXEC without MULTI\r\n");
    check(&mut s, "MULTI", "+OK\r\n");
    check(&mut s, "SET q 2", "+QUEUED\r\n");
    check(&mut s, "DISCARD", "+OK\r\n");
    check(&mut s, "GET q", "$1\r\n1\r\n");
}

#[test]
fn exec_propagates_lazy_expiry_inside_the_transaction() {
    let mut s = Session::new();
    s.cmd("SET gone 1");
    s.cmd("PEXPIRE gone 5");
    s.deltas.take();
    s.clock.advance(6);
    s.cmd("MULTI");
    s.cmd("GET gone");
    s.cmd("SET k 1");
    check(&mut s, "EXEC", "*2\r\n$-1\r\n+OK\r\n");
    let deltas = s.deltas.take();
    assert_eq!(deltas.len(), 1);
    assert!(deltas[0].transaction);
    let ops: Vec<_> = deltas[0].ops.iter().map(|o| o.argv.clone()).collect();
    assert_eq!(
        ops,
        vec![
            vec![
                bytes::Bytes::from_static(b"DEL"),
                bytes::Bytes::from_static(b"gone")
            ],
            vec![
                bytes::Bytes::from_static(b"SET"),
                bytes::Bytes::from_static(b"k"),
                bytes::Bytes::from_static(b"1")
            ],
        ]
    );
    assert!(propagated(&mut s).is_empty());
}

#[test]
fn forgetting_a_client_drops_its_watches() {
    let mut s = Session::new();
    let mut other = ClientState::new(2);
    run_as(&mut s, &mut other, "WATCH k");
    s.engine.forget_client(&mut other);
    s.cmd("SET k 1");
    // A new client with the same id starts clean.
    let mut again = ClientState::new(2);
    run_as(&mut s, &mut again, "MULTI");
    assert_eq!(run_as(&mut s, &mut again, "EXEC"), "*0\r\n");
}

// ---- property: expiry + WATCH against a tiny model ----
//
// The model keeps only the logical keyspace (a key past its expiry is gone)
// and, for the watching client, whether a watched key changed logically or
// expired since WATCH. Redis 7.0's rules reduce to exactly that: a key
// already expired when watched behaves as absent, and physical deletion of
// expired keys (lazy or active, whichever keys the random cycle picks) is
// invisible. So any reply difference is a bug in the engine or the model.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
enum Op {
    Set(usize, u8),
    Del(usize),
    PExpire(usize, i64),
    Persist(usize),
    Get(usize),
    PTtl(usize),
    Rename(usize, usize),
    FlushAll,
    Advance(i64),
    Cycle,
    Watch(usize),
    Exec,
}

const KEYS: [&str; 3] = ["a", "b", "c"];

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    prop_oneof![
        (key.clone(), 0u8..4).prop_map(|(k, v)| Op::Set(k, v)),
        key.clone().prop_map(Op::Del),
        (key.clone(), -5i64..40).prop_map(|(k, ms)| Op::PExpire(k, ms)),
        key.clone().prop_map(Op::Persist),
        key.clone().prop_map(Op::Get),
        key.clone().prop_map(Op::PTtl),
        (key.clone(), key.clone()).prop_map(|(a, b)| Op::Rename(a, b)),
        Just(Op::FlushAll),
        (0i64..25).prop_map(Op::Advance),
        Just(Op::Cycle),
        key.prop_map(Op::Watch),
        Just(Op::Exec),
    ]
}

#[derive(Default)]
struct Model {
    now: i64,
    /// key -> (value, expiry)
    keys: BTreeMap<usize, (u8, Option<i64>)>,
    watched: BTreeSet<usize>,
    dirty: bool,
}

impl Model {
    fn touch(&mut self, key: usize) {
        if self.watched.contains(&key) {
            self.dirty = true;
        }
    }

    /// Applies `op`; returns the reply it expects (None: don't compare).
    fn apply(&mut self, op: &Op) -> Option<String> {
        match *op {
            Op::Set(k, v) => {
                self.keys.insert(k, (v, None));
                self.touch(k);
                Some("+OK\r\n".into())
            }
            Op::Del(k) => {
                let removed = self.keys.remove(&k).is_some();
                if removed {
                    self.touch(k);
                }
                Some(format!(":{}\r\n", i64::from(removed)))
            }
            Op::PExpire(k, ms) => {
                let Some(entry) = self.keys.get_mut(&k) else {
                    return Some(":0\r\n".into());
                };
                if ms <= 0 {
                    self.keys.remove(&k);
                } else {
                    entry.1 = Some(self.now + ms);
                }
                self.touch(k);
                Some(":1\r\n".into())
            }
            Op::Persist(k) => {
                let had = self
                    .keys
                    .get_mut(&k)
                    .is_some_and(|entry| entry.1.take().is_some());
                if had {
                    self.touch(k);
                }
                Some(format!(":{}\r\n", i64::from(had)))
            }
            Op::Get(k) => Some(match self.keys.get(&k) {
                Some((v, _)) => format!("$1\r\n{v}\r\n"),
                None => "$-1\r\n".into(),
            }),
            Op::PTtl(k) => Some(match self.keys.get(&k) {
                None => ":-2\r\n".into(),
                Some((_, None)) => ":-1\r\n".into(),
                Some((_, Some(at))) => format!(":{}\r\n", at - self.now),
            }),
            Op::Rename(from, to) => {
                let Some(entry) = self.keys.get(&from).copied() else {
                    return Some("-ERR no such key\r\n".into());
                };
                if from != to {
                    self.keys.remove(&from);
                    self.keys.insert(to, entry);
                    self.touch(from);
                    self.touch(to);
                }
                Some("+OK\r\n".into())
            }
            Op::FlushAll => {
                let present: Vec<usize> = self.keys.keys().copied().collect();
                self.keys.clear();
                for k in present {
                    self.touch(k);
                }
                Some("+OK\r\n".into())
            }
            Op::Advance(ms) => {
                self.now += ms;
                let now = self.now;
                let due: Vec<usize> = self
                    .keys
                    .iter()
                    // Redis: expired once the time is past the expiry.
                    .filter(|(_, (_, at))| at.is_some_and(|at| at < now))
                    .map(|(&k, _)| k)
                    .collect();
                for k in due {
                    self.keys.remove(&k);
                    self.touch(k);
                }
                None
            }
            Op::Cycle => None,
            Op::Watch(k) => {
                self.watched.insert(k);
                Some("+OK\r\n".into())
            }
            Op::Exec => {
                let failed = self.dirty;
                self.watched.clear();
                self.dirty = false;
                Some(if failed { "*-1\r\n" } else { "*1\r\n+PONG\r\n" }.into())
            }
        }
    }
}

fn run_engine(s: &mut Session, other: &mut ClientState, op: &Op) -> String {
    match *op {
        Op::Set(k, v) => run_as(s, other, &format!("SET {} {v}", KEYS[k])),
        Op::Del(k) => run_as(s, other, &format!("DEL {}", KEYS[k])),
        Op::PExpire(k, ms) => run_as(s, other, &format!("PEXPIRE {} {ms}", KEYS[k])),
        Op::Persist(k) => run_as(s, other, &format!("PERSIST {}", KEYS[k])),
        Op::Get(k) => run_as(s, other, &format!("GET {}", KEYS[k])),
        Op::PTtl(k) => run_as(s, other, &format!("PTTL {}", KEYS[k])),
        Op::Rename(a, b) => run_as(s, other, &format!("RENAME {} {}", KEYS[a], KEYS[b])),
        Op::FlushAll => run_as(s, other, "FLUSHALL"),
        Op::Advance(ms) => {
            s.clock.advance(ms);
            String::new()
        }
        Op::Cycle => {
            s.engine
                .active_expire_cycle(kv_engine::expiry_cycle::ExpiryBudget::default());
            String::new()
        }
        Op::Watch(k) => s.cmd(&format!("WATCH {}", KEYS[k])),
        Op::Exec => {
            s.cmd("MULTI");
            s.cmd("PING");
            s.cmd("EXEC")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn expiry_and_watch_agree_with_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut s = Session::new();
        let mut other = ClientState::new(2);
        let mut model = Model { now: kv_engine::Clock::now_ms(&*s.clock), ..Model::default() };
        for (i, op) in ops.iter().enumerate() {
            let got = run_engine(&mut s, &mut other, op);
            if let Some(expected) = model.apply(op) {
                prop_assert_eq!(&got, &expected, "op {} {:?}", i, op);
            }
        }
    }
}
