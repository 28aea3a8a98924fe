//! `maxmemory` and every `maxmemory-policy`: each test fills past the limit
//! and checks the policy's promise (volatile policies never touch keys
//! without a TTL, LRU keeps a working set that is read, LFU keeps what is
//! read often, TTL evicts the soonest to expire), the OOM refusals of
//! noeviction and of volatile policies with nothing volatile left (texts
//! and which commands, as redis-server 7.0.15 answers), what an eviction
//! owes (DEL deltas, `evicted` events, stats, WATCH), the time budget, and
//! OBJECT FREQ / IDLETIME (replies checked against redis-server 7.0.15).

use kv_engine::access::KeyAccess;
use kv_engine::eviction::{Eviction, MaxmemoryPolicy};
use kv_engine::harness::Session;
use kv_engine::{ClientState, Clock, EngineConfig, NotifyFlags};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const OOM: &str = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

fn session(policy: MaxmemoryPolicy, maxmemory: u64) -> Session {
    Session::with_config(EngineConfig {
        maxmemory,
        maxmemory_policy: policy,
        notify_keyspace_events: NotifyFlags::parse(b"Ee").expect("flags"),
        ..EngineConfig::default()
    })
}

/// A 100-byte value.
fn value(i: usize) -> String {
    format!("{i:0>100}")
}

fn exists(s: &mut Session, key: &str) -> bool {
    s.engine.db(0).contains(key.as_bytes())
}

/// Runs a no-op so the engine's pre-command eviction pass runs.
fn settle(s: &mut Session) {
    assert_eq!(s.cmd("PING"), "+PONG\r\n");
}

fn assert_under_limit(s: &Session, limit: u64) {
    let used = s.engine.used_memory() as u64;
    assert!(used <= limit, "used {used} over maxmemory {limit}");
}

#[test]
fn noeviction_refuses_denyoom_writes_and_serves_the_rest() {
    let limit = 400_000;
    let mut s = session(MaxmemoryPolicy::NoEviction, limit);
    let mut i = 0;
    loop {
        let reply = s.cmd(&format!("SET key:{i} {}", value(i)));
        if reply == OOM {
            break;
        }
        assert_eq!(reply, "+OK\r\n", "key {i}");
        i += 1;
        assert!(i < 100_000, "never refused");
    }
    assert!(s.engine.used_memory() as u64 > limit);
    assert_eq!(s.engine.stats().evicted_keys, 0);
    // Refused: denyoom commands (checked against redis-server 7.0.15).
    for line in [
        "SET a b",
        "APPEND key:0 x",
        "LPUSH l a",
        "HSET h f v",
        "SADD s m",
        "ZADD z 1 m",
        "INCR key:1",
        "SETRANGE key:0 0 x",
        "RPOPLPUSH l l2",
    ] {
        assert_eq!(s.cmd(line), OOM, "{line}");
    }
    // Served: reads, and writes that only free memory.
    assert_eq!(s.cmd("GET key:0"), format!("$100\r\n{}\r\n", value(0)));
    assert_eq!(s.cmd("EXISTS key:1"), ":1\r\n");
    assert_eq!(s.cmd("LPOP nolist"), "$-1\r\n");
    assert_eq!(s.cmd("EXPIRE key:2 100"), ":1\r\n");
    assert_eq!(s.cmd("DEL key:0"), ":1\r\n");
    // Below the limit again, writes pass.
    for j in 1..200 {
        s.cmd(&format!("DEL key:{j}"));
    }
    assert_eq!(s.cmd("SET a b"), "+OK\r\n");
}

#[test]
fn oom_inside_multi_follows_redis() {
    let mut s = session(MaxmemoryPolicy::NoEviction, 0);
    for i in 0..3000 {
        s.cmd(&format!("SET key:{i} {}", value(i)));
    }
    let used = s.engine.used_memory() as u64;
    let over = || EngineConfig {
        maxmemory: used / 2,
        ..EngineConfig::default()
    };
    // Queued while memory was fine, EXEC'd after: the transaction goes.
    s.cmd("MULTI");
    assert_eq!(s.cmd("SET q 1"), "+QUEUED\r\n");
    s.engine.set_config(over());
    assert_eq!(
        s.cmd("EXEC"),
        "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n"
    );
    assert_eq!(s.cmd("EXEC"), "-ERR EXEC without MULTI\r\n");
    // Queueing anything under OOM fails it, even a read; DISCARD works.
    s.cmd("MULTI");
    assert_eq!(s.cmd("GET key:1"), OOM);
    assert_eq!(s.cmd("MULTI"), OOM);
    assert_eq!(s.cmd("DISCARD"), "+OK\r\n");
    s.cmd("MULTI");
    assert_eq!(s.cmd("GET key:1"), OOM);
    assert_eq!(
        s.cmd("EXEC"),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    // A transaction of reads, queued while fine, runs under OOM.
    s.engine.set_config(EngineConfig::default());
    s.cmd("MULTI");
    s.cmd("GET nokey");
    s.engine.set_config(over());
    assert_eq!(s.cmd("EXEC"), "*1\r\n$-1\r\n");
}

/// Fills a volatile-policy engine: `plain` keys without TTL, then keys with
/// one until the limit has been passed many times over.
fn fill_volatile(policy: MaxmemoryPolicy) -> Session {
    let limit = 1_500_000;
    let mut s = session(policy, limit);
    for i in 0..3000 {
        assert_eq!(s.cmd(&format!("SET plain:{i} {}", value(i))), "+OK\r\n");
    }
    for i in 0..20_000 {
        let reply = s.cmd(&format!("SET vol:{i} {} EX {}", value(i), 1000 + i));
        assert_eq!(reply, "+OK\r\n", "vol:{i}");
    }
    settle(&mut s);
    assert_under_limit(&s, limit);
    assert!(s.engine.stats().evicted_keys > 5000);
    for i in 0..3000 {
        assert!(
            exists(&mut s, &format!("plain:{i}")),
            "{policy:?} evicted plain:{i}"
        );
    }
    s
}

#[test]
fn volatile_policies_never_evict_keys_without_a_ttl() {
    for policy in [
        MaxmemoryPolicy::VolatileLru,
        MaxmemoryPolicy::VolatileLfu,
        MaxmemoryPolicy::VolatileRandom,
        MaxmemoryPolicy::VolatileTtl,
    ] {
        let mut s = fill_volatile(policy);
        // Keep writing keys without a TTL: the volatile ones go, then
        // writes are refused (nothing evictable is left) while reads work.
        let mut refused = false;
        for i in 3000..40_000 {
            let reply = s.cmd(&format!("SET plain:{i} {}", value(i)));
            if reply == OOM {
                refused = true;
                break;
            }
        }
        assert!(refused, "{policy:?} never refused");
        assert_eq!(s.engine.db(0).expires_len(), 0, "{policy:?}");
        assert_eq!(s.cmd("GET plain:0"), format!("$100\r\n{}\r\n", value(0)));
    }
}

#[test]
fn allkeys_policies_evict_any_key_and_stay_under_the_limit() {
    for policy in [
        MaxmemoryPolicy::AllkeysLru,
        MaxmemoryPolicy::AllkeysLfu,
        MaxmemoryPolicy::AllkeysRandom,
    ] {
        let limit = 1_000_000;
        let mut s = session(policy, limit);
        for i in 0..20_000 {
            assert_eq!(s.cmd(&format!("SET key:{i} {}", value(i))), "+OK\r\n");
        }
        settle(&mut s);
        assert_under_limit(&s, limit);
        let kept = (0..20_000)
            .filter(|i| exists(&mut s, &format!("key:{i}")))
            .count();
        assert!(kept > 2000 && kept < 10_000, "{policy:?} kept {kept}");
        assert_eq!(s.engine.stats().evicted_keys as usize, 20_000 - kept);
    }
}

/// Writes cold keys while reading a hot working set between batches; the
/// clock moves a second per batch. Returns how many hot keys survived.
fn hot_set_survivors(policy: MaxmemoryPolicy, log_factor: u32) -> (usize, u64) {
    let limit = 1_000_000;
    let mut s = Session::with_config(EngineConfig {
        maxmemory: limit,
        maxmemory_policy: policy,
        lfu_log_factor: log_factor,
        ..EngineConfig::default()
    });
    let hot = 300;
    for i in 0..hot {
        s.cmd(&format!("SET hot:{i} {}", value(i)));
    }
    for batch in 0..200 {
        for i in 0..100 {
            let n = batch * 100 + i;
            assert_eq!(s.cmd(&format!("SET cold:{n} {}", value(n))), "+OK\r\n");
        }
        for i in 0..hot {
            s.cmd(&format!("GET hot:{i}"));
        }
        s.clock.advance(1000);
    }
    let survivors = (0..hot)
        .filter(|i| exists(&mut s, &format!("hot:{i}")))
        .count();
    (survivors, s.engine.stats().evicted_keys)
}

#[test]
fn allkeys_lru_keeps_a_working_set_that_is_read() {
    let (survivors, evicted) = hot_set_survivors(MaxmemoryPolicy::AllkeysLru, 10);
    assert!(evicted > 10_000, "{evicted}");
    assert!(survivors >= 290, "{survivors} of 300 hot keys survived");
    // Random eviction, the control: it loses many of them.
    let (random, _) = hot_set_survivors(MaxmemoryPolicy::AllkeysRandom, 10);
    assert!(random < 200, "{random} of 300 survived random eviction");
}

#[test]
fn allkeys_lfu_keeps_the_keys_read_often() {
    let (survivors, evicted) = hot_set_survivors(MaxmemoryPolicy::AllkeysLfu, 10);
    assert!(evicted > 10_000, "{evicted}");
    assert!(survivors >= 290, "{survivors} of 300 hot keys survived");
}

#[test]
fn volatile_ttl_evicts_the_soonest_to_expire_first() {
    let mut s = session(MaxmemoryPolicy::VolatileTtl, 0);
    let n = 10_000;
    // TTLs in a scrambled order, so the table order says nothing.
    let ttl = |i: usize| 1000 + (i * 7919) % n;
    for i in 0..n {
        s.cmd(&format!("SET k:{i} {} EX {}", value(i), ttl(i)));
    }
    let limit = s.engine.used_memory() as u64 / 2;
    s.engine.set_config(EngineConfig {
        maxmemory: limit,
        maxmemory_policy: MaxmemoryPolicy::VolatileTtl,
        ..EngineConfig::default()
    });
    settle(&mut s);
    assert_under_limit(&s, limit);
    let evicted = |s: &mut Session, range: std::ops::Range<usize>| {
        let size = range.len();
        let gone = (0..n)
            .filter(|&i| range.contains(&(ttl(i) - 1000)))
            .filter(|&i| !exists(s, &format!("k:{i}")))
            .count();
        gone as f64 / size as f64
    };
    let soonest = evicted(&mut s, 0..n / 4);
    let latest = evicted(&mut s, 3 * n / 4..n);
    assert!(
        soonest > 0.9,
        "only {soonest:.2} of the soonest quarter evicted"
    );
    assert!(latest < 0.05, "{latest:.2} of the latest quarter evicted");
}

#[test]
fn evictions_propagate_as_dels_raise_events_count_and_fail_watch() {
    let mut s = session(MaxmemoryPolicy::AllkeysRandom, 0);
    for i in 0..2000 {
        s.cmd(&format!("SET key:{i} {}", value(i)));
    }
    let mut watcher = ClientState::new(9);
    let watch = |s: &mut Session, client: &mut ClientState, line: &str| {
        let argv: Vec<bytes::Bytes> = line
            .split(' ')
            .map(|w| bytes::Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        let mut buf = bytes::BytesMut::new();
        let mut out = resp_codec::ReplyWriter::new(&mut buf, client.protocol);
        s.engine
            .execute(client, &argv, &mut out, &mut kv_engine::NoHost);
        String::from_utf8_lossy(&buf).into_owned()
    };
    let all: Vec<String> = (0..2000).map(|i| format!("key:{i}")).collect();
    watch(&mut s, &mut watcher, &format!("WATCH {}", all.join(" ")));
    s.deltas.take();
    s.engine.take_notifications();
    let limit = s.engine.used_memory() as u64 * 3 / 4;
    s.engine.set_config(EngineConfig {
        maxmemory: limit,
        maxmemory_policy: MaxmemoryPolicy::AllkeysRandom,
        notify_keyspace_events: NotifyFlags::parse(b"Ee").expect("flags"),
        ..EngineConfig::default()
    });
    assert_eq!(s.cmd("GET nokey"), "$-1\r\n");
    let evicted = s.engine.stats().evicted_keys as usize;
    assert!(evicted > 100, "{evicted}");
    assert_eq!(s.engine.db(0).len(), 2000 - evicted);
    // One delta (the GET's) holding a DEL per evicted key.
    let deltas = s.deltas.take();
    assert_eq!(deltas.len(), 1);
    assert_eq!(deltas[0].ops.len(), evicted);
    let events = s.engine.take_notifications();
    assert_eq!(events.len(), evicted);
    for (op, event) in deltas[0].ops.iter().zip(&events) {
        assert_eq!(op.argv[0], "DEL");
        assert_eq!(op.argv[1], event.key);
        assert_eq!(event.event, "evicted");
        assert!(!exists(
            &mut s,
            std::str::from_utf8(&event.key).expect("utf8")
        ));
    }
    watch(&mut s, &mut watcher, "MULTI");
    watch(&mut s, &mut watcher, "PING");
    assert_eq!(watch(&mut s, &mut watcher, "EXEC"), "*-1\r\n");
}

/// A clock that moves a millisecond each time it is read.
#[derive(Default)]
struct Ticking(AtomicI64);

impl Clock for Ticking {
    fn now_ms(&self) -> i64 {
        1_000_000 + self.0.fetch_add(1, Ordering::SeqCst)
    }
}

#[test]
fn a_pass_out_of_time_lets_the_command_through_and_the_timer_finishes() {
    let config = EngineConfig {
        maxmemory_policy: MaxmemoryPolicy::AllkeysRandom,
        ..EngineConfig::default()
    };
    let clock = Arc::new(Ticking::default());
    let mut engine =
        kv_engine::Engine::new(config.clone(), clock, Box::new(kv_engine::delta::NoDeltas));
    for i in 0..5000 {
        engine.restore_entry(
            0,
            format!("key:{i}").as_bytes(),
            kv_engine::value::Value::Str(kv_engine::value::StrValue::plain(value(i).as_bytes())),
            None,
        );
    }
    let limit = engine.used_memory() as u64 / 2;
    engine.set_config(EngineConfig {
        maxmemory: limit,
        // 500 us: every clock reading is a millisecond later, so a pass
        // stops after its first 16 keys.
        maxmemory_eviction_tenacity: 10,
        ..config
    });
    let mut client = ClientState::new(1);
    let mut buf = bytes::BytesMut::new();
    let mut out = resp_codec::ReplyWriter::new(&mut buf, client.protocol);
    let argv = [bytes::Bytes::from_static(b"SET"), "k".into(), "v".into()];
    engine.execute(&mut client, &argv, &mut out, &mut kv_engine::NoHost);
    assert_eq!(&buf[..], b"+OK\r\n", "a running eviction is no OOM");
    assert_eq!(engine.stats().evicted_keys, 16);
    assert!(engine.eviction_pending());
    let mut passes = 0;
    while engine.evict() == Eviction::Running {
        passes += 1;
        assert!(passes < 1000);
    }
    assert!(!engine.eviction_pending());
    assert!(engine.used_memory() as u64 <= limit);
    assert!(passes > 10, "{passes}");
}

#[test]
fn object_idletime_and_freq_follow_the_policy_as_redis_does() {
    let nolfu = "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";
    let lfu_selected = "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";
    let mut s = Session::new();
    s.cmd("SET i v");
    assert_eq!(s.cmd("OBJECT IDLETIME i"), ":0\r\n");
    assert_eq!(s.cmd("OBJECT FREQ i"), nolfu);
    assert_eq!(s.cmd("OBJECT IDLETIME nokey"), "$-1\r\n");
    s.clock.advance(2100);
    assert_eq!(s.cmd("OBJECT IDLETIME i"), ":2\r\n");
    // Reads that leave the access time alone, as in Redis.
    for line in ["TYPE i", "EXISTS i", "TTL i", "OBJECT ENCODING i", "PTTL i"] {
        s.cmd(line);
    }
    assert_eq!(s.cmd("OBJECT IDLETIME i"), ":2\r\n");
    s.cmd("GET i");
    assert_eq!(s.cmd("OBJECT IDLETIME i"), ":0\r\n");
    // CLIENT NO-TOUCH (the server sets the flag): only TOUCH touches.
    s.clock.advance(5000);
    s.client.no_touch = true;
    s.cmd("GET i");
    assert_eq!(s.cmd("OBJECT IDLETIME i"), ":5\r\n");
    s.cmd("TOUCH i");
    assert_eq!(s.cmd("OBJECT IDLETIME i"), ":0\r\n");
    s.client.no_touch = false;

    // The sequence below was run on redis-server 7.0.15 with allkeys-lfu
    // and lfu-log-factor 0 (every hit counts).
    let mut s = Session::with_config(EngineConfig {
        maxmemory_policy: MaxmemoryPolicy::AllkeysLfu,
        lfu_log_factor: 0,
        ..EngineConfig::default()
    });
    for (line, reply) in [
        ("SET f v", "+OK\r\n"),
        ("OBJECT FREQ f", ":5\r\n"),
        ("GET f", "$1\r\nv\r\n"),
        ("GET f", "$1\r\nv\r\n"),
        ("OBJECT FREQ f", ":7\r\n"),
        ("EXISTS f", ":1\r\n"),
        ("TYPE f", "+string\r\n"),
        ("TTL f", ":-1\r\n"),
        ("OBJECT FREQ f", ":7\r\n"),
        ("TOUCH f", ":1\r\n"),
        ("OBJECT FREQ f", ":8\r\n"),
        ("SET f w", "+OK\r\n"),
        ("OBJECT FREQ f", ":9\r\n"),
        ("APPEND f x", ":2\r\n"),
        ("OBJECT FREQ f", ":10\r\n"),
        ("RENAME f g", "+OK\r\n"),
        ("OBJECT FREQ g", ":11\r\n"),
        ("COPY g h", ":1\r\n"),
        ("OBJECT FREQ h", ":5\r\n"),
        ("OBJECT FREQ g", ":12\r\n"),
        ("OBJECT IDLETIME g", lfu_selected),
        ("OBJECT FREQ nokey", "$-1\r\n"),
    ] {
        assert_eq!(s.cmd(line), reply, "{line}");
    }
    // Idle minutes decay the counter, one per lfu-decay-time.
    s.clock.advance(3 * 60_000);
    assert_eq!(s.cmd("OBJECT FREQ g"), ":9\r\n");
    // The access field reads back for RDB's FREQ, and restores.
    assert_eq!(s.engine.key_access(0, b"g"), Some(KeyAccess::Freq(9)));
    assert!(s.engine.restore_access(0, b"g", KeyAccess::Freq(200)));
    assert_eq!(s.cmd("OBJECT FREQ g"), ":200\r\n");
    assert!(!s.engine.restore_access(0, b"g", KeyAccess::IdleSecs(5)));
}
