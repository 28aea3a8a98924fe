//! DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, SELECT at the reply-byte level. The
//! scripted cases are replies recorded from redis-server 7.0.15 (each script
//! run after FLUSHALL).

mod keyspace_support;
use keyspace_support::{check, propagated};
use kv_engine::harness::Session;

#[test]
fn recorded_dbsize_flush() {
    let mut s = Session::new();
    check(&mut s, "DBSIZE", ":0\r\n");
    check(&mut s, "SET a 1", "+OK\r\n");
    check(&mut s, "SET b 2", "+OK\r\n");
    check(&mut s, "DBSIZE", ":2\r\n");
    check(&mut s, "FLUSHDB", "+OK\r\n");
    check(&mut s, "DBSIZE", ":0\r\n");
    check(&mut s, "SET a 1", "+OK\r\n");
    check(&mut s, "FLUSHDB ASYNC", "+OK\r\n");
    check(&mut s, "FLUSHDB sync", "+OK\r\n");
    check(&mut s, "FLUSHDB foo", "-ERR syntax error\r\n");
    check(&mut s, "FLUSHDB sync async", "-ERR syntax error\r\n");
    check(&mut s, "FLUSHALL", "+OK\r\n");
    check(&mut s, "FLUSHALL async", "+OK\r\n");
    check(&mut s, "FLUSHALL SYNC", "+OK\r\n");
    check(&mut s, "FLUSHALL x", "-ERR syntax error\r\n");
    check(
        &mut s,
        "DBSIZE x",
        "-ERR wrong number of arguments for 'dbsize' command\r\n",
    );
}

#[test]
fn recorded_flushall_every_db() {
    let mut s = Session::new();
    check(&mut s, "SET a 1", "+OK\r\n");
    check(&mut s, "SELECT 3", "+OK\r\n");
    check(&mut s, "SET b 1", "+OK\r\n");
    check(&mut s, "FLUSHDB", "+OK\r\n");
    check(&mut s, "DBSIZE", ":0\r\n");
    check(&mut s, "SELECT 0", "+OK\r\n");
    check(&mut s, "DBSIZE", ":1\r\n");
    check(&mut s, "SELECT 3", "+OK\r\n");
    check(&mut s, "SET b 1", "+OK\r\n");
    check(&mut s, "FLUSHALL", "+OK\r\n");
    check(&mut s, "DBSIZE", ":0\r\n");
    check(&mut s, "SELECT 0", "+OK\r\n");
    check(&mut s, "DBSIZE", ":0\r\n");
}

#[test]
fn recorded_swapdb() {
    let mut s = Session::new();
    check(&mut s, "SET a 0", "+OK\r\n");
    check(&mut s, "SELECT 1", "+OK\r\n");
    check(&mut s, "SET b 1", "+OK\r\n");
    check(&mut s, "SWAPDB 0 1", "+OK\r\n");
    check(&mut s, "GET a", "$1\r\n0\r\n");
    check(&mut s, "GET b", "$-1\r\n");
    check(&mut s, "SELECT 0", "+OK\r\n");
    check(&mut s, "GET b", "$1\r\n1\r\n");
    check(&mut s, "SWAPDB 0 0", "+OK\r\n");
    check(&mut s, "SWAPDB 0 16", "-ERR DB index is out of range\r\n");
    check(&mut s, "SWAPDB -1 0", "-ERR DB index is out of range\r\n");
    check(&mut s, "SWAPDB a 0", "-ERR invalid first DB index\r\n");
    check(&mut s, "SWAPDB 0 b", "-ERR invalid second DB index\r\n");
    check(&mut s, "SWAPDB a b", "-ERR invalid first DB index\r\n");
    check(
        &mut s,
        "SWAPDB 99999999999 0",
        "-ERR invalid first DB index\r\n",
    );
    check(
        &mut s,
        "SWAPDB 0",
        "-ERR wrong number of arguments for 'swapdb' command\r\n",
    );
}

#[test]
fn recorded_select() {
    let mut s = Session::new();
    check(&mut s, "SELECT 15", "+OK\r\n");
    check(&mut s, "SELECT 16", "-ERR DB index is out of range\r\n");
    check(&mut s, "SELECT -1", "-ERR DB index is out of range\r\n");
    check(
        &mut s,
        "SELECT x",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut s,
        "SELECT 99999999999",
        "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
    );
    check(
        &mut s,
        "SELECT 1.5",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(&mut s, "SELECT 0", "+OK\r\n");
}
// ---- hand-written: propagation ----

#[test]
fn flushes_and_swapdb_propagate_as_sent_even_when_nothing_changed() {
    let mut s = Session::new();
    check(&mut s, "FLUSHDB", "+OK\r\n");
    check(&mut s, "SELECT 4", "+OK\r\n");
    check(&mut s, "FLUSHALL ASYNC", "+OK\r\n");
    check(&mut s, "SWAPDB 2 2", "+OK\r\n");
    check(&mut s, "FLUSHDB bad", "-ERR syntax error\r\n");
    assert_eq!(
        propagated(&mut s),
        vec!["0:FLUSHDB", "4:FLUSHALL ASYNC", "4:SWAPDB 2 2"]
    );
}

#[test]
fn swapdb_keeps_clients_on_their_numbers_and_moves_ttls() {
    let mut s = Session::new();
    s.cmd("SET a 1");
    s.cmd("PEXPIRE a 7000");
    check(&mut s, "SWAPDB 0 5", "+OK\r\n");
    check(&mut s, "EXISTS a", ":0\r\n");
    check(&mut s, "SELECT 5", "+OK\r\n");
    check(&mut s, "PTTL a", ":7000\r\n");
    check(&mut s, "DBSIZE", ":1\r\n");
}

#[test]
fn swapdb_reports_both_databases_for_blocked_clients() {
    let mut s = Session::new();
    assert!(s.engine.take_swapped_dbs().is_empty());
    check(&mut s, "SWAPDB 3 1", "+OK\r\n");
    check(&mut s, "SWAPDB 1 2", "+OK\r\n");
    check(&mut s, "SWAPDB 4 4", "+OK\r\n");
    assert_eq!(s.engine.take_swapped_dbs(), vec![3, 1, 2]);
    assert!(s.engine.take_swapped_dbs().is_empty());
}

#[test]
fn flush_async_hands_the_old_contents_to_the_owner() {
    let mut s = Session::new();
    for i in 0..100 {
        s.cmd(&format!("SET k{i} v"));
    }
    s.cmd("SELECT 2");
    s.cmd("SET other v");
    check(&mut s, "FLUSHDB", "+OK\r\n");
    assert!(s.engine.take_garbage().is_empty(), "SYNC frees in place");
    s.cmd("SET other v");
    check(&mut s, "FLUSHALL ASYNC", "+OK\r\n");
    check(&mut s, "DBSIZE", ":0\r\n");
    let garbage = s.engine.take_garbage();
    let mut sizes: Vec<usize> = garbage.iter().map(|k| k.len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![1, 100]);
    // The emptied databases work as before.
    check(&mut s, "SET k v", "+OK\r\n");
    check(&mut s, "GET k", "$1\r\nv\r\n");
    // Garbage an owner never collects stays bounded.
    for _ in 0..5 {
        for db in 0..16 {
            s.cmd(&format!("SELECT {db}"));
            s.cmd("SET x 1");
        }
        s.cmd("FLUSHALL ASYNC");
    }
    assert!(s.engine.take_garbage().len() <= 16);
}
