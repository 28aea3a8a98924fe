//! EXPIRE and friends, TTL and friends, PERSIST at the reply-byte level,
//! plus their propagation. The scripted cases are replies recorded from
//! redis-server 7.0.15 (each script run after FLUSHALL).

mod keyspace_support;
use keyspace_support::{check, propagated};
use kv_engine::harness::Session;

#[test]
fn recorded_expire_options() {
    let mut s = Session::new();
    check(&mut s, "SET k v", "+OK\r\n");
    check(&mut s, "EXPIRE k 100 XX", ":0\r\n");
    check(&mut s, "TTL k", ":-1\r\n");
    check(&mut s, "EXPIRE k 200 NX", ":1\r\n");
    check(&mut s, "EXPIRE k 50 GT", ":0\r\n");
    check(&mut s, "EXPIRE k 200 GT", ":0\r\n");
    check(&mut s, "TTL k", ":200\r\n");
    check(&mut s, "EXPIRE k 300 LT", ":0\r\n");
    check(&mut s, "EXPIRE k 100 LT", ":1\r\n");
    check(&mut s, "TTL k", ":100\r\n");
    check(&mut s, "PERSIST k", ":1\r\n");
    check(&mut s, "EXPIRE k 100 GT", ":0\r\n");
    check(&mut s, "EXPIRE k 100 LT", ":1\r\n");
    check(&mut s, "TTL k", ":100\r\n");
    check(&mut s, "EXPIRE k 10 NX", ":0\r\n");
    check(&mut s, "EXPIRE k 10 xx gt", ":0\r\n");
    check(
        &mut s,
        "EXPIRE k 10 nx xx",
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
    );
    check(
        &mut s,
        "EXPIRE k 10 nx gt",
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
    );
    check(
        &mut s,
        "EXPIRE k 10 nx lt",
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
    );
    check(
        &mut s,
        "EXPIRE k 10 gt lt",
        "-ERR GT and LT options at the same time are not compatible\r\n",
    );
    check(&mut s, "EXPIRE k 10 foo", "-ERR Unsupported option foo\r\n");
    check(
        &mut s,
        "EXPIRE k 10 nx foo",
        "-ERR Unsupported option foo\r\n",
    );
    check(
        &mut s,
        "EXPIRE k abc",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut s,
        "EXPIRE k abc foo",
        "-ERR Unsupported option foo\r\n",
    );
    check(&mut s, "EXPIRE nokey 10", ":0\r\n");
    check(&mut s, "EXPIRE nokey 10 XX", ":0\r\n");
    check(
        &mut s,
        "EXPIRE k",
        "-ERR wrong number of arguments for 'expire' command\r\n",
    );
}

#[test]
fn recorded_overflow() {
    let mut s = Session::new();
    check(&mut s, "SET k v", "+OK\r\n");
    check(
        &mut s,
        "EXPIRE k 9223372036854775",
        "-ERR invalid expire time in 'expire' command\r\n",
    );
    check(
        &mut s,
        "EXPIRE k 9223372036854776",
        "-ERR invalid expire time in 'expire' command\r\n",
    );
    check(
        &mut s,
        "EXPIRE k -9223372036854776",
        "-ERR invalid expire time in 'expire' command\r\n",
    );
    check(
        &mut s,
        "PEXPIRE k 9223372036854775807",
        "-ERR invalid expire time in 'pexpire' command\r\n",
    );
    check(&mut s, "PEXPIREAT k 9223372036854775807", ":1\r\n");
    check(
        &mut s,
        "EXPIREAT k 9223372036854776",
        "-ERR invalid expire time in 'expireat' command\r\n",
    );
    check(&mut s, "EXPIREAT k 9223372036854775", ":1\r\n");
    check(&mut s, "PEXPIRE k -9223372036854775808", ":1\r\n");
    check(&mut s, "EXISTS k", ":0\r\n");
}

#[test]
fn recorded_past_deletes() {
    let mut s = Session::new();
    check(&mut s, "SET k v", "+OK\r\n");
    check(&mut s, "EXPIRE k -1", ":1\r\n");
    check(&mut s, "EXISTS k", ":0\r\n");
    check(&mut s, "SET k v", "+OK\r\n");
    check(&mut s, "EXPIREAT k 100", ":1\r\n");
    check(&mut s, "EXISTS k", ":0\r\n");
    check(&mut s, "SET k v", "+OK\r\n");
    check(&mut s, "PEXPIRE k 0", ":1\r\n");
    check(&mut s, "EXISTS k", ":0\r\n");
    check(&mut s, "SET k v", "+OK\r\n");
    check(&mut s, "EXPIRE k 0 GT", ":0\r\n");
    check(&mut s, "EXPIRE k 0 NX", ":1\r\n");
    check(&mut s, "EXISTS k", ":0\r\n");
}

#[test]
fn recorded_ttl_family() {
    let mut s = Session::new();
    check(&mut s, "TTL nokey", ":-2\r\n");
    check(&mut s, "PTTL nokey", ":-2\r\n");
    check(&mut s, "EXPIRETIME nokey", ":-2\r\n");
    check(&mut s, "PEXPIRETIME nokey", ":-2\r\n");
    check(&mut s, "SET k v", "+OK\r\n");
    check(&mut s, "TTL k", ":-1\r\n");
    check(&mut s, "PTTL k", ":-1\r\n");
    check(&mut s, "EXPIRETIME k", ":-1\r\n");
    check(&mut s, "PEXPIRETIME k", ":-1\r\n");
    check(&mut s, "EXPIREAT k 33177117420", ":1\r\n");
    check(&mut s, "EXPIRETIME k", ":33177117420\r\n");
    check(&mut s, "PEXPIRETIME k", ":33177117420000\r\n");
    check(&mut s, "PEXPIREAT k 33177117420999", ":1\r\n");
    check(&mut s, "EXPIRETIME k", ":33177117421\r\n");
    check(&mut s, "PEXPIRETIME k", ":33177117420999\r\n");
    check(&mut s, "PERSIST k", ":1\r\n");
    check(&mut s, "PERSIST k", ":0\r\n");
    check(&mut s, "PERSIST nokey", ":0\r\n");
    check(&mut s, "TTL k", ":-1\r\n");
    check(
        &mut s,
        "TTL",
        "-ERR wrong number of arguments for 'ttl' command\r\n",
    );
}
// ---- hand-written: time and propagation (the session's clock starts at
// 1_000_000 ms and moves only when told) ----

#[test]
fn setters_propagate_as_absolute_pexpireat_with_their_flags() {
    let mut s = Session::new();
    s.cmd("SET k v");
    s.deltas.take();
    check(&mut s, "EXPIRE k 10 NX", ":1\r\n");
    check(&mut s, "PEXPIRE k 20000", ":1\r\n");
    check(&mut s, "EXPIREAT k 2000 GT", ":1\r\n");
    check(&mut s, "PEXPIREAT k 1500000", ":1\r\n");
    check(&mut s, "EXPIRE k 10 NX", ":0\r\n");
    check(&mut s, "PERSIST k", ":1\r\n");
    check(&mut s, "PERSIST k", ":0\r\n");
    assert_eq!(
        propagated(&mut s),
        vec![
            "0:PEXPIREAT k 1010000 NX",
            "0:PEXPIREAT k 1020000",
            "0:PEXPIREAT k 2000000 GT",
            "0:PEXPIREAT k 1500000",
            "0:PERSIST k",
        ]
    );
}

#[test]
fn a_time_in_the_past_deletes_and_propagates_del() {
    let mut s = Session::new();
    s.cmd("SET k v");
    s.deltas.take();
    check(&mut s, "PEXPIREAT k 1000000", ":1\r\n");
    check(&mut s, "EXISTS k", ":0\r\n");
    assert_eq!(propagated(&mut s), vec!["0:DEL k"]);
}

#[test]
fn ttl_counts_down_with_the_clock_and_rounds_seconds() {
    let mut s = Session::new();
    s.cmd("SET k v");
    s.cmd("PEXPIRE k 10000");
    check(&mut s, "PTTL k", ":10000\r\n");
    s.clock.advance(1499);
    check(&mut s, "PTTL k", ":8501\r\n");
    check(&mut s, "TTL k", ":9\r\n");
    s.clock.advance(2);
    check(&mut s, "TTL k", ":8\r\n");
    check(&mut s, "PEXPIRETIME k", ":1010000\r\n");
    check(&mut s, "EXPIRETIME k", ":1010\r\n");
    s.clock.advance(8499);
    // Redis expires a key once the time is past its expiry, not at it.
    check(&mut s, "PTTL k", ":0\r\n");
    s.clock.advance(1);
    check(&mut s, "PTTL k", ":-2\r\n");
}

#[test]
fn lazy_expiry_on_read_propagates_del_once() {
    let mut s = Session::new();
    s.cmd("SET k v");
    s.cmd("PEXPIRE k 5");
    s.deltas.take();
    s.clock.advance(5);
    check(&mut s, "GET k", "$1\r\nv\r\n");
    s.clock.advance(1);
    check(&mut s, "GET k", "$-1\r\n");
    check(&mut s, "GET k", "$-1\r\n");
    assert_eq!(propagated(&mut s), vec!["0:DEL k"]);
    assert_eq!(s.engine.stats().expired_keys, 1);
}

#[test]
fn expire_on_an_expired_key_is_a_miss() {
    let mut s = Session::new();
    s.cmd("SET k v");
    s.cmd("PEXPIRE k 5");
    s.deltas.take();
    s.clock.advance(6);
    check(&mut s, "EXPIRE k 100", ":0\r\n");
    check(&mut s, "PERSIST k", ":0\r\n");
    assert_eq!(propagated(&mut s), vec!["0:DEL k"]);
}

#[test]
fn overwriting_clears_the_ttl_but_gt_lt_treat_none_as_infinite() {
    let mut s = Session::new();
    s.cmd("SET k v");
    check(&mut s, "EXPIRE k 100 GT", ":0\r\n");
    check(&mut s, "EXPIRE k 100 LT", ":1\r\n");
    s.cmd("SET k w");
    check(&mut s, "TTL k", ":-1\r\n");
    check(&mut s, "EXPIRE k 100 XX", ":0\r\n");
}

// ---- the active expiry cycle ----

use kv_engine::expiry_cycle::{ExpiryBudget, ExpiryCycleStats};

fn generous() -> ExpiryBudget {
    ExpiryBudget {
        time_limit_ms: 1_000,
        max_samples: 1_000_000,
    }
}

#[test]
fn cycle_deletes_expired_keys_in_every_db_as_one_delta_of_dels() {
    let mut s = Session::new();
    for db in [0, 3] {
        s.cmd(&format!("SELECT {db}"));
        for i in 0..100 {
            s.cmd(&format!("SET short{i} v"));
            s.cmd(&format!("PEXPIRE short{i} 10"));
            s.cmd(&format!("SET plain{i} v"));
        }
    }
    s.deltas.take();
    s.clock.advance(11);
    let stats = s.engine.active_expire_cycle(generous());
    assert_eq!(stats.expired, 200);
    assert!(!stats.budget_exhausted);
    let deltas = s.deltas.take();
    assert_eq!(deltas.len(), 1, "one delta per cycle");
    assert!(!deltas[0].transaction);
    assert_eq!(deltas[0].ops.len(), 200);
    assert!(deltas[0].ops.iter().all(|op| op.argv[0] == "DEL"
        && op.argv[1].starts_with(b"short")
        && (op.db == 0 || op.db == 3)));
    assert_eq!(s.engine.db(0).len(), 100);
    assert_eq!(s.engine.db(3).len(), 100);
    assert_eq!(s.engine.stats().expired_keys, 200);
    // Nothing left to do: no delta.
    let stats = s.engine.active_expire_cycle(generous());
    assert_eq!(stats.expired, 0);
    assert!(s.deltas.take().is_empty());
}

#[test]
fn cycle_stops_sampling_a_db_when_few_keys_are_expired() {
    let mut s = Session::new();
    for i in 0..1000 {
        s.cmd(&format!("SET k{i} v"));
        // 2% expire soon, the rest much later.
        let ttl = if i % 50 == 0 { 10 } else { 100_000 };
        s.cmd(&format!("PEXPIRE k{i} {ttl}"));
    }
    s.clock.advance(11);
    let stats = s.engine.active_expire_cycle(generous());
    // Under 10% of a 20-key sample is stale: one round and done.
    assert_eq!(stats.sampled, 20);
    assert!(stats.expired <= 20);
}

#[test]
fn cycle_keeps_sampling_while_many_keys_are_expired_until_the_sample_cap() {
    let mut s = Session::new();
    for i in 0..1000 {
        s.cmd(&format!("SET k{i} v"));
        s.cmd(&format!("PEXPIRE k{i} 10"));
    }
    s.clock.advance(11);
    let capped = ExpiryBudget {
        time_limit_ms: 1_000,
        max_samples: 100,
    };
    let stats = s.engine.active_expire_cycle(capped);
    assert!(stats.budget_exhausted);
    assert_eq!(stats.sampled, 100);
    assert!(stats.expired > 0 && stats.expired <= 100);
    // Later cycles finish the job.
    let mut total = stats.expired;
    for _ in 0..1000 {
        let stats = s.engine.active_expire_cycle(capped);
        total += stats.expired;
        if !stats.budget_exhausted {
            break;
        }
    }
    assert_eq!(total, 1000);
    check(&mut s, "DBSIZE", ":0\r\n");
}

/// A clock that moves 5 ms every time it is read.
struct TickingClock(std::sync::atomic::AtomicI64);

impl kv_engine::Clock for TickingClock {
    fn now_ms(&self) -> i64 {
        self.0.fetch_add(5, std::sync::atomic::Ordering::SeqCst)
    }
}

#[test]
fn cycle_stops_at_its_time_limit_by_the_injected_clock() {
    let clock = std::sync::Arc::new(TickingClock(std::sync::atomic::AtomicI64::new(0)));
    let mut engine = kv_engine::Engine::new(
        kv_engine::EngineConfig::default(),
        clock,
        Box::new(kv_engine::delta::NoDeltas),
    );
    let mut client = ClientStateFor::new(1);
    for i in 0..2000 {
        run_on(&mut engine, &mut client, &format!("SET k{i} v"));
        run_on(&mut engine, &mut client, &format!("PEXPIREAT k{i} 1"));
    }
    // PEXPIREAT 1 is in the past for this clock: keys are already gone.
    assert_eq!(engine.db(0).len(), 0);
    for i in 0..2000 {
        run_on(&mut engine, &mut client, &format!("SET k{i} v"));
        run_on(&mut engine, &mut client, &format!("PEXPIRE k{i} 1"));
    }
    let budget = ExpiryBudget {
        time_limit_ms: 12,
        max_samples: 1_000_000,
    };
    let stats: ExpiryCycleStats = engine.active_expire_cycle(budget);
    // Each round reads the clock once (5 ms): the third read passes 12 ms.
    assert!(stats.budget_exhausted);
    assert_eq!(stats.sampled, 60);
}

use kv_engine::ClientState as ClientStateFor;

fn run_on(engine: &mut kv_engine::Engine, client: &mut ClientStateFor, line: &str) {
    let argv: Vec<bytes::Bytes> = line
        .split_whitespace()
        .map(|w| bytes::Bytes::copy_from_slice(w.as_bytes()))
        .collect();
    let mut buf = bytes::BytesMut::new();
    let mut out = resp_codec::ReplyWriter::new(&mut buf, client.protocol);
    engine.execute(client, &argv, &mut out, &mut kv_engine::NoHost);
}

#[test]
fn repeated_cycles_sweep_every_volatile_key_even_when_few_are_expired() {
    let mut s = Session::new();
    for i in 0..1000 {
        s.cmd(&format!("SET k{i} v"));
        let ttl = if i % 20 == 0 { 10 } else { 100_000 };
        s.cmd(&format!("PEXPIRE k{i} {ttl}"));
    }
    s.clock.advance(11);
    // 5% are stale, so each cycle checks one round of 20 keys and stops;
    // walking with a cursor, 50 cycles cover all 1000.
    let mut expired = 0;
    for _ in 0..50 {
        let stats = s.engine.active_expire_cycle(generous());
        assert_eq!(stats.sampled, 20);
        expired += stats.expired;
    }
    assert_eq!(expired, 50);
    check(&mut s, "DBSIZE", ":950\r\n");
}

#[test]
fn loading_neither_expires_nor_hides_keys() {
    // An AOF replayed after its keys' times passed: `SET .. PXAT` then a
    // PEXPIREAT that, when it ran, extended a live key. Replayed with
    // today's clock the key would be gone before the PEXPIREAT; Redis
    // loads with expiry off, and so do we.
    let mut s = Session::new();
    let now = kv_engine::Clock::now_ms(&*s.clock);
    let (past, later) = ((now - 5_000).to_string(), (now + 5_000).to_string());
    s.engine.set_loading(true);
    assert_eq!(
        s.run(&[b"SET", b"k", b"v", b"PXAT", past.as_bytes()]),
        b"+OK\r\n"
    );
    assert_eq!(s.run(&[b"GET", b"k"]), b"$1\r\nv\r\n");
    assert_eq!(s.run(&[b"PEXPIREAT", b"k", later.as_bytes()]), b":1\r\n");
    // A past absolute expiry is stored, not turned into a deletion.
    assert_eq!(s.run(&[b"PEXPIREAT", b"j", past.as_bytes()]), b":0\r\n");
    assert_eq!(s.run(&[b"SET", b"j", b"w"]), b"+OK\r\n");
    assert_eq!(s.run(&[b"PEXPIREAT", b"j", past.as_bytes()]), b":1\r\n");
    assert_eq!(s.engine.active_expire_cycle(Default::default()).expired, 0);
    s.engine.set_loading(false);
    assert_eq!(s.run(&[b"PTTL", b"k"]), b":5000\r\n");
    assert_eq!(s.run(&[b"GET", b"j"]), b"$-1\r\n");
}
