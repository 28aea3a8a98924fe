//! Keyspace notifications from the engine's side: which events are kept
//! (by class), events outside commands (active expiry), transactions, and
//! the names and order of the trickier cases, as redis-server 7.0.15
//! raises them. (`notify_diff.rs` compares random sequences with a live
//! redis-server.)

use kv_engine::expiry_cycle::ExpiryBudget;
use kv_engine::harness::Session;
use kv_engine::{EngineConfig, EventClass, NotifyFlags};

fn session(flags: &str) -> Session {
    Session::with_config(EngineConfig {
        notify_keyspace_events: NotifyFlags::parse(flags.as_bytes()).expect("flags"),
        ..EngineConfig::default()
    })
}

/// The events taken so far as `db:event:key` strings.
fn events(s: &mut Session) -> Vec<String> {
    s.engine
        .take_notifications()
        .iter()
        .map(|e| format!("{}:{}:{}", e.db, e.event, String::from_utf8_lossy(&e.key)))
        .collect()
}

#[test]
fn nothing_is_recorded_by_default_or_without_k_or_e() {
    for flags in ["", "A", "g$lshzxe"] {
        let mut s = session(flags);
        s.cmd("SET k v");
        s.cmd("DEL k");
        assert!(events(&mut s).is_empty(), "flags {flags:?}");
    }
}

#[test]
fn only_enabled_classes_are_recorded() {
    let mut s = session("Kl");
    s.cmd("SET k v");
    s.cmd("LPUSH l a");
    s.cmd("DEL k l");
    assert_eq!(events(&mut s), vec!["0:lpush:l"]);
    let mut s = session("Eg");
    s.cmd("SET k v");
    s.cmd("LPUSH l a");
    s.cmd("DEL k l");
    assert_eq!(events(&mut s), vec!["0:del:k", "0:del:l"]);
}

#[test]
fn new_keys_come_before_the_command_event() {
    let mut s = session("KEAn");
    s.cmd("SET k v");
    s.cmd("SET k w");
    s.cmd("MSET a 1 b 2");
    assert_eq!(
        events(&mut s),
        vec!["0:new:k", "0:set:k", "0:set:k", "0:new:a", "0:set:a", "0:new:b", "0:set:b"]
    );
}

#[test]
fn emptied_collections_raise_del_after_the_command_event() {
    let mut s = session("KEA");
    s.cmd("RPUSH l a b");
    s.cmd("LPOP l 2");
    s.cmd("HSET h f v");
    s.cmd("HDEL h f");
    s.cmd("SADD s m");
    s.cmd("SPOP s");
    s.cmd("ZADD z 1 m");
    s.cmd("ZPOPMAX z");
    assert_eq!(
        events(&mut s),
        vec![
            "0:rpush:l",
            "0:lpop:l",
            "0:del:l",
            "0:hset:h",
            "0:hdel:h",
            "0:del:h",
            "0:sadd:s",
            "0:spop:s",
            "0:del:s",
            "0:zadd:z",
            "0:zpopmax:z",
            "0:del:z"
        ]
    );
}

#[test]
fn lmove_pushes_before_it_pops_and_a_rotation_keeps_the_list() {
    let mut s = session("KEAn");
    s.cmd("RPUSH src a");
    events(&mut s);
    s.cmd("LMOVE src src LEFT RIGHT");
    assert_eq!(events(&mut s), vec!["0:rpush:src", "0:lpop:src"]);
    s.cmd("LMOVE src dst RIGHT LEFT");
    assert_eq!(
        events(&mut s),
        vec!["0:new:dst", "0:lpush:dst", "0:rpop:src", "0:del:src"]
    );
}

#[test]
fn rename_move_and_copy_name_both_ends() {
    let mut s = session("KEAn");
    s.cmd("SET a 1");
    s.cmd("SET b 2");
    events(&mut s);
    s.cmd("RENAME a b");
    assert_eq!(
        events(&mut s),
        vec!["0:new:b", "0:rename_from:a", "0:rename_to:b"]
    );
    s.cmd("COPY b c DB 2");
    s.cmd("COPY b c DB 2 REPLACE");
    s.cmd("MOVE b 3");
    assert_eq!(
        events(&mut s),
        vec![
            "2:new:c",
            "2:copy_to:c",
            "2:new:c",
            "2:copy_to:c",
            "3:new:b",
            "0:move_from:b",
            "3:move_to:b"
        ]
    );
}

#[test]
fn expiry_raises_expired_lazily_and_from_the_active_cycle() {
    let mut s = session("KEA");
    s.cmd("SET lazy v PX 10");
    s.cmd("SET active v PX 10");
    s.cmd("SET kept v");
    assert_eq!(
        events(&mut s),
        vec![
            "0:set:lazy",
            "0:expire:lazy",
            "0:set:active",
            "0:expire:active",
            "0:set:kept"
        ]
    );
    s.clock.advance(11);
    s.cmd("GET lazy");
    assert_eq!(events(&mut s), vec!["0:expired:lazy"]);
    let stats = s.engine.active_expire_cycle(ExpiryBudget::default());
    assert_eq!(stats.expired, 1);
    assert_eq!(events(&mut s), vec!["0:expired:active"]);
    // A past time given to EXPIRE deletes at once: `del`, not `expired`.
    s.cmd("EXPIRE kept -1");
    assert_eq!(events(&mut s), vec!["0:del:kept"]);
}

#[test]
fn exec_raises_its_commands_events_in_order_and_queueing_none() {
    let mut s = session("KEA");
    s.cmd("MULTI");
    s.cmd("SET k 1");
    s.cmd("INCRBY k 2");
    s.cmd("INCRBYFLOAT k 0.5");
    s.cmd("APPEND k x");
    s.cmd("SETRANGE k 0 y");
    assert!(events(&mut s).is_empty(), "queued commands raise nothing");
    s.cmd("EXEC");
    assert_eq!(
        events(&mut s),
        vec![
            "0:set:k",
            "0:incrby:k",
            "0:incrbyfloat:k",
            "0:append:k",
            "0:setrange:k"
        ]
    );
}

#[test]
fn key_misses_are_raised_by_reads_only() {
    let mut s = session("KEm");
    s.cmd("GET nokey");
    s.cmd("EXISTS nokey");
    s.cmd("SET nokey v");
    s.cmd("DEL other");
    s.cmd("OBJECT ENCODING gone");
    assert_eq!(events(&mut s), vec!["0:keymiss:nokey", "0:keymiss:nokey"]);
}

#[test]
fn events_carry_their_class() {
    let mut s = session("KEA");
    s.cmd("SET k v");
    s.cmd("EXPIRE k 100");
    let classes: Vec<EventClass> = s
        .engine
        .take_notifications()
        .iter()
        .map(|e| e.class)
        .collect();
    assert_eq!(classes, vec![EventClass::String, EventClass::Generic]);
}
