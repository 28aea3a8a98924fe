//! Snapshots in slices: a snapshot begun at time T and stepped between
//! random commands — writes, in-place edits (APPEND, SETRANGE, INCR,
//! HINCRBY, LSET), deletes, expiries (lazy and
//! active), renames, MOVE, SWAPDB, FLUSHDB/FLUSHALL (sync and async), and
//! bulk inserts and deletes that resize the tables — hands over exactly the
//! keyspace at T: every key once, with its value and expiry of then.

use kv_engine::expiry_cycle::ExpiryBudget;
use kv_engine::harness::Session;
use kv_engine::snapshot::{SnapshotEntry, SnapshotVisitor};
use kv_engine::value::Value;
use proptest::prelude::*;
use std::collections::BTreeMap;

type State = BTreeMap<(usize, Vec<u8>), (Value, Option<i64>)>;

/// Collects entries, failing on a key handed over twice.
#[derive(Default)]
struct Collect {
    got: State,
    twice: Vec<(usize, Vec<u8>)>,
}

impl SnapshotVisitor for Collect {
    fn entry(&mut self, entry: SnapshotEntry<'_>) {
        let (db, key, value, expire_at_ms) = (entry.db, entry.key, entry.value, entry.expire_at_ms);
        if self
            .got
            .insert((db, key.to_vec()), (value.clone(), expire_at_ms))
            .is_some()
        {
            self.twice.push((db, key.to_vec()));
        }
    }
}

fn state_of(session: &Session) -> State {
    let engine = &session.engine;
    let mut state = State::new();
    for db in 0..engine.databases() {
        for (key, value, expiry) in engine.db(db).iter() {
            state.insert((db, key.to_vec()), (value.clone(), expiry));
        }
    }
    state
}

#[derive(Clone, Debug)]
enum Op {
    Command(Vec<String>),
    /// Insert (positive) or delete (negative) this many keys: resizes.
    Bulk(i32),
    Advance(i64),
    ActiveExpire,
    Step(usize),
}

const DBS: u8 = 4;

fn key() -> impl Strategy<Value = String> {
    (0u8..40).prop_map(|k| {
        if k % 5 == 0 {
            format!("a-long-key-stored-on-the-heap-{k}")
        } else {
            format!("k{k}")
        }
    })
}

fn op() -> impl Strategy<Value = Op> {
    let cmd = |parts: Vec<String>| Op::Command(parts);
    prop_oneof![
        4 => (key(), 0u32..1000).prop_map(move |(k, v)| cmd(vec!["SET".into(), k, v.to_string()])),
        2 => (key(), 0u8..9).prop_map(move |(k, f)| cmd(vec!["HINCRBY".into(), k, format!("f{f}"), "3".into()])),
        2 => key().prop_map(move |k| cmd(vec!["APPEND".into(), k, "+".into()])),
        1 => key().prop_map(move |k| cmd(vec!["INCR".into(), k])),
        1 => (key(), 0u8..30).prop_map(move |(k, at)| cmd(vec!["SETRANGE".into(), k, at.to_string(), "r".into()])),
        1 => (key(), key()).prop_map(move |(a, b)| cmd(vec!["COPY".into(), a, b])),
        1 => (key(), -3i32..3).prop_map(move |(k, i)| cmd(vec!["LSET".into(), k, i.to_string(), "set".into()])),
        2 => key().prop_map(move |k| cmd(vec!["DEL".into(), k])),
        2 => (key(), 0u8..9).prop_map(move |(k, n)| cmd(vec!["RPUSH".into(), k, "x".into(), n.to_string()])),
        1 => key().prop_map(move |k| cmd(vec!["LPOP".into(), k])),
        2 => (key(), 0u8..9).prop_map(move |(k, f)| cmd(vec!["HSET".into(), k, format!("f{f}"), "v".into()])),
        2 => (key(), 0u16..600).prop_map(move |(k, m)| cmd(vec!["SADD".into(), k, m.to_string()])),
        2 => (key(), -5i32..5, 0u8..9).prop_map(move |(k, s, m)| cmd(vec!["ZADD".into(), k, s.to_string(), format!("m{m}")])),
        2 => (key(), 1i64..200).prop_map(move |(k, ms)| cmd(vec!["PEXPIRE".into(), k, ms.to_string()])),
        1 => key().prop_map(move |k| cmd(vec!["PERSIST".into(), k])),
        2 => (key(), key()).prop_map(move |(a, b)| cmd(vec!["RENAME".into(), a, b])),
        1 => (key(), 0..DBS).prop_map(move |(k, db)| cmd(vec!["MOVE".into(), k, db.to_string()])),
        2 => (0..DBS).prop_map(move |db| cmd(vec!["SELECT".into(), db.to_string()])),
        1 => (0..DBS, 0..DBS).prop_map(move |(a, b)| cmd(vec!["SWAPDB".into(), a.to_string(), b.to_string()])),
        1 => any::<bool>().prop_map(move |a| cmd(vec!["FLUSHDB".into(), if a { "ASYNC" } else { "SYNC" }.into()])),
        1 => any::<bool>().prop_map(move |a| cmd(vec!["FLUSHALL".into(), if a { "ASYNC" } else { "SYNC" }.into()])),
        1 => key().prop_map(move |k| cmd(vec!["GET".into(), k])),
        2 => (-300i32..300).prop_map(Op::Bulk),
        1 => (1i64..100).prop_map(Op::Advance),
        1 => Just(Op::ActiveExpire),
        6 => (1usize..40).prop_map(Op::Step),
    ]
}

fn run(session: &mut Session, parts: &[String]) {
    let args: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
    let reply = session.run(&args);
    assert!(
        !reply.starts_with(b"-ERR unknown command"),
        "the test relies on {parts:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn a_snapshot_is_the_keyspace_at_its_start(
        setup in proptest::collection::vec(op(), 0..150),
        during in proptest::collection::vec(op(), 0..300),
    ) {
        let mut session = Session::new();
        let mut bulk = 0u32;
        let mut apply = |session: &mut Session, op: &Op, collect: &mut Collect| match op {
            Op::Command(parts) => run(session, parts),
            Op::Bulk(n) if *n >= 0 => {
                for _ in 0..*n {
                    bulk += 1;
                    run(session, &["SET".into(), format!("bulk:{bulk}"), "b".into()]);
                }
            }
            Op::Bulk(n) => {
                for i in 0..n.unsigned_abs() {
                    run(session, &["DEL".into(), format!("bulk:{}", bulk.saturating_sub(i))]);
                }
            }
            Op::Advance(ms) => session.clock.advance(*ms),
            Op::ActiveExpire => {
                session.engine.active_expire_cycle(ExpiryBudget::default());
            }
            Op::Step(n) => {
                session.engine.snapshot_step(*n, collect);
            }
        };
        let mut ignored = Collect::default();
        for op in &setup {
            apply(&mut session, op, &mut ignored);
        }
        prop_assume!(ignored.got.is_empty());
        let at_start = state_of(&session);
        let start = session.engine.begin_snapshot().unwrap();
        prop_assert_eq!(start.databases.iter().map(|d| d.1).sum::<u64>() as usize, at_start.len());
        prop_assert!(session.engine.begin_snapshot().is_err(), "one snapshot at a time");
        let mut collect = Collect::default();
        for op in &during {
            apply(&mut session, op, &mut collect);
        }
        let mut steps = 0;
        while !session.engine.snapshot_step(7, &mut collect).done {
            steps += 1;
            prop_assert!(steps < 100_000, "the snapshot never ends");
        }
        prop_assert!(!session.engine.snapshot_in_progress());
        prop_assert!(collect.twice.is_empty(), "handed over twice: {:?}", collect.twice);
        prop_assert_eq!(collect.got.len(), at_start.len());
        prop_assert!(collect.got == at_start, "the snapshot differs from the keyspace at its start");
        // Writes after the end cost nothing more and a new snapshot starts.
        prop_assert_eq!(session.engine.snapshot_stats(), Default::default());
        prop_assert!(session.engine.begin_snapshot().is_ok());
    }
}

#[test]
fn stats_count_what_the_hook_copied() {
    let mut session = Session::new();
    for i in 0..1000 {
        session.run(&[b"HSET", format!("k{i}").as_bytes(), b"f", b"v"]);
    }
    session.run(&[b"SET", b"str", b"abc"]);
    session.engine.begin_snapshot().unwrap();
    let stats = session.engine.snapshot_stats();
    assert_eq!(stats.remaining, 1001);
    session.run(&[b"APPEND", b"str", b"def"]);
    session.run(&[b"SETRANGE", b"str", b"0", b"X"]);
    assert_eq!(
        session.engine.snapshot_stats().stashed,
        1,
        "an in-place string edit"
    );
    session.run(&[b"DEL", b"str"]);
    assert_eq!(stats.bitset_bytes, 1001usize.div_ceil(64) * 8);
    for i in 0..10 {
        session.run(&[b"HSET", format!("k{i}").as_bytes(), b"g", b"w"]);
        session.run(&[b"HSET", format!("k{i}").as_bytes(), b"h", b"w"]);
    }
    let stats = session.engine.snapshot_stats();
    assert_eq!(stats.stashed, 11, "one copy per key, however often written");
    assert_eq!(
        stats.remaining, 1001,
        "str deleted, yet still to be handed over"
    );
    session.run(&[b"FLUSHALL"]);
    let stats = session.engine.snapshot_stats();
    assert_eq!((stats.remaining, stats.frozen_tables), (1001, 1));
    let mut collect = Collect::default();
    let step = session.engine.snapshot_step(100, &mut collect);
    assert_eq!((step.emitted, step.done), (100, false));
    let mut one_field = kv_engine::value::HashValue::new();
    one_field.insert(b"f", b"v");
    let k3 = Value::Hash(Box::new(one_field));
    assert_eq!(
        collect.got.get(&(0, b"k3".to_vec())).map(|e| &e.0),
        Some(&k3),
        "as before the writes"
    );
    session.engine.cancel_snapshot();
    assert!(!session.engine.snapshot_in_progress());
    assert_eq!(
        session.engine.take_garbage().len(),
        1,
        "the flushed table is freed off the lock"
    );
}

/// A consumer that fails after its snapshot ended must not cancel the
/// next one (a BGSAVE's last write failing while an AOF rewrite's
/// snapshot runs): `cancel_snapshot_if` names the snapshot it means.
#[test]
fn cancelling_by_id_leaves_a_later_snapshot_alone() {
    let mut session = Session::new();
    session.cmd("SET a 1");
    let first = session.engine.begin_snapshot().unwrap();
    let mut collect = Collect::default();
    while !session.engine.snapshot_step(10, &mut collect).done {}
    let second = session.engine.begin_snapshot().unwrap();
    assert_ne!(first.id, second.id);
    assert!(
        !session.engine.cancel_snapshot_if(first.id),
        "the first is over"
    );
    assert!(session.engine.snapshot_in_progress(), "the second goes on");
    assert!(session.engine.cancel_snapshot_if(second.id));
    assert!(!session.engine.snapshot_in_progress());
    assert!(!session.engine.cancel_snapshot_if(second.id), "once");
}
