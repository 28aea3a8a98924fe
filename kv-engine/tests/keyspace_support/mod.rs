//! Shared by the keyspace-level tests (keys, expire, db, transactions):
//! run one command and compare its raw reply; list what was propagated.

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use kv_engine::harness::Session;

/// Runs `command` (space-separated words) and asserts its exact reply.
#[track_caller]
pub fn check(s: &mut Session, command: &str, expected: &str) {
    assert_eq!(s.cmd(command), expected, "reply to {command:?}");
}

/// The ops of every delta since the last call, as "db:ARG ARG" lines.
pub fn propagated(s: &mut Session) -> Vec<String> {
    s.deltas
        .take()
        .into_iter()
        .flat_map(|d| d.ops)
        .map(|op| {
            let words: Vec<String> = op
                .argv
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            format!("{}:{}", op.db, words.join(" "))
        })
        .collect()
}

/// Runs `command` for another client of the same engine; returns its reply.
pub fn run_as(s: &mut Session, client: &mut kv_engine::ClientState, command: &str) -> String {
    let argv: Vec<bytes::Bytes> = command
        .split_whitespace()
        .map(|w| bytes::Bytes::copy_from_slice(w.as_bytes()))
        .collect();
    let mut buf = bytes::BytesMut::new();
    let mut out = resp_codec::ReplyWriter::new(&mut buf, client.protocol);
    s.engine
        .execute(client, &argv, &mut out, &mut kv_engine::NoHost);
    String::from_utf8_lossy(&buf).into_owned()
}
