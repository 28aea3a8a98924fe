//! What MONITOR and SLOWLOG show of other clients' commands, against the
//! real redis-server 7.0.15: secrets as `(redacted)` (AUTH, HELLO's AUTH,
//! CONFIG SET of a sensitive directive), and no admin command or
//! subcommand, unknown command or refused arity on a monitor.
//! Under CI=true a missing redis-server fails the test.

mod support;

use resp_codec::Frame;
use support::process::{redis_available, Conn, Process};

/// Commands run by a client while another monitors: the secrets, admin
/// commands and subcommands, refusals, a transaction.
const SCRIPT: &[&[&str]] = &[
    &["AUTH", "default", "pw"],
    &["AUTH", "pw"],
    &["HELLO", "3", "AUTH", "u", "pw2", "SETNAME", "n"],
    &[
        "CONFIG",
        "SET",
        "maxclients",
        "1000",
        "masterauth",
        "s3cret",
    ],
    &["CONFIG", "SET", "requirepass", ""],
    &["SET", "requirepass", "visible"],
    &["CLIENT", "LIST"],
    &["CLIENT", "ID"],
    &["CLIENT", "SETNAME", "x"],
    &["DEBUG", "SLEEP", "0"],
    &["SLOWLOG", "LEN"],
    &["INFO", "server"],
    &["FOO", "bar"],
    &["GET"],
    &["MULTI"],
    &["SET", "a", "1"],
    &["CONFIG", "GET", "maxclients"],
    &["EXEC"],
];

/// A monitor line without its time and client address.
fn command_part(frame: &Frame) -> String {
    let Frame::Simple(line) = frame else {
        panic!("a monitor line: {frame:?}");
    };
    let line = String::from_utf8_lossy(line);
    match line.split_once("] ") {
        Some((_, command)) => command.to_string(),
        None => panic!("a monitor line: {line}"),
    }
}

/// What a monitor saw of `SCRIPT` on the server at `port`.
fn monitored(port: u16) -> Vec<String> {
    let mut monitor = Conn::open(port).unwrap();
    assert!(matches!(monitor.call(&["MONITOR"]), Frame::Simple(_)));
    let mut client = Conn::open(port).unwrap();
    for command in SCRIPT {
        client.call(command);
    }
    client.call(&["ECHO", "end"]);
    let mut seen = Vec::new();
    loop {
        let line = command_part(&monitor.read().expect("a monitor line"));
        if line == r#""ECHO" "end""# {
            return seen;
        }
        assert!(seen.len() < 100, "no end: {seen:?}");
        seen.push(line);
    }
}

/// The arguments of each SLOWLOG entry of `SCRIPT` on the server at `port`.
fn slowlogged(port: u16) -> Vec<Frame> {
    let mut client = Conn::open(port).unwrap();
    client.call(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
    client.call(&["SLOWLOG", "RESET"]);
    for command in SCRIPT {
        client.call(command);
    }
    let Frame::Array(entries) = client.call(&["SLOWLOG", "GET", "100"]) else {
        panic!("SLOWLOG GET's array");
    };
    entries
        .into_iter()
        .map(|entry| match entry {
            Frame::Array(fields) => fields[3].clone(),
            other => panic!("an entry: {other:?}"),
        })
        .collect()
}

#[test]
fn monitors_see_what_redis_shows_them() {
    if !redis_available() {
        return;
    }
    let (ours, redis) = (Process::ours(&[]), Process::redis(&[]));
    let want = monitored(redis.port);
    assert_eq!(monitored(ours.port), want, "ours, then redis-server's");
    assert!(want.iter().any(|line| line.contains("(redacted)")));
    assert!(!want.iter().any(|line| line.contains("pw")));
}

#[test]
fn slowlog_redacts_what_redis_redacts() {
    if !redis_available() {
        return;
    }
    let (ours, redis) = (Process::ours(&[]), Process::redis(&[]));
    let want = slowlogged(redis.port);
    assert_eq!(slowlogged(ours.port), want, "ours, then redis-server's");
    assert!(format!("{want:?}").contains("redacted"));
    assert!(!format!("{want:?}").contains("s3cret"));
}
