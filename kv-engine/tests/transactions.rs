//! MULTI/EXEC/WATCH semantics, at the reply-byte level.

use kv_engine::harness::Session;

#[test]
fn exec_runs_queued_commands_and_propagates_one_transaction() {
    let mut s = Session::new();
    assert_eq!(s.cmd("MULTI"), "+OK\r\n");
    assert_eq!(s.cmd("SET a 1"), "+QUEUED\r\n");
    assert_eq!(s.cmd("GET a"), "+QUEUED\r\n");
    assert_eq!(s.cmd("EXEC"), "*2\r\n+OK\r\n$1\r\n1\r\n");
    let deltas = s.deltas.take();
    assert_eq!(deltas.len(), 1);
    assert!(deltas[0].transaction);
    assert_eq!(deltas[0].lsn, 1);
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
