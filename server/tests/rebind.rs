//! CONFIG SET port and bind at run time, as redis-server 7.0.15 does them:
//! the server listens on the new address and no longer on the old one,
//! clients already connected stay, and an address that cannot be bound
//! (a port in use, an address not on this host) is refused with Redis's
//! text, the old listeners and settings kept; an address overlapping the
//! open one (`*` after `127.0.0.1` on the same port) is bound. Both
//! servers are asked the same and must answer the same.

mod support;

use bytes::Bytes;
use resp_codec::Frame;
use std::net::TcpListener;
use support::process::{free_port, redis_available, Conn, Process};

/// Whether a new connection to `port` gets PONG.
fn answers_ping(port: u16) -> bool {
    Conn::open(port)
        .is_ok_and(|mut c| c.call(&["PING"]) == Frame::Simple(Bytes::from_static(b"PONG")))
}

/// What the server answers, and where it listens afterwards.
/// CONFIG SET bind, what CONFIG GET bind says after it, and whether the
/// port still answers.
fn rebind_step(seen: &mut Vec<String>, conn: &mut Conn, port: u16, bind: &str) {
    seen.push(format!(
        "set bind {bind}: {:?}",
        conn.call(&["CONFIG", "SET", "bind", bind])
    ));
    seen.push(format!(
        "bind after {bind}: {:?}",
        conn.call(&["CONFIG", "GET", "bind"])
    ));
    seen.push(format!("listening after {bind}: {}", answers_ping(port)));
}

fn scenario(server: &Process) -> Vec<String> {
    let mut seen = Vec::new();
    let mut old = Conn::open(server.port).unwrap();
    let moved = free_port();
    let reply = old.call(&["CONFIG", "SET", "port", &moved.to_string()]);
    seen.push(format!("set port: {reply:?}"));
    seen.push(format!("new port answers: {}", answers_ping(moved)));
    seen.push(format!(
        "old port refuses: {}",
        Conn::open(server.port).is_err()
    ));
    seen.push(format!(
        "the connection from before stays: {:?}",
        old.call(&["PING"])
    ));
    // A port somebody else listens on.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port().to_string();
    seen.push(format!(
        "set a port in use: {:?}",
        old.call(&["CONFIG", "SET", "port", &taken_port])
    ));
    let get = old.call(&["CONFIG", "GET", "port"]);
    seen.push(format!(
        "port kept: {}",
        get == Frame::Array(vec![
            Frame::bulk(b"port"),
            Frame::bulk(moved.to_string().as_bytes())
        ])
    ));
    seen.push(format!(
        "set an address not here: {:?}",
        old.call(&["CONFIG", "SET", "bind", "10.99.99.99"])
    ));
    seen.push(format!(
        "bind kept: {:?}",
        old.call(&["CONFIG", "GET", "bind"])
    ));
    seen.push(format!("still listening: {}", Conn::open(moved).is_ok()));
    seen.push(format!(
        "set bind: {:?}",
        old.call(&["CONFIG", "SET", "bind", "127.0.0.1 -::1"])
    ));
    seen.push(format!("listening after bind: {}", answers_ping(moved)));
    // An address named twice while it is open: the second bind finds it
    // in use, the setting is refused and the listener kept. Then
    // addresses overlapping the open one on the same port: the old
    // listener is closed first, so they can be bound.
    for bind in [
        "127.0.0.1 127.0.0.1",
        "* -::*",
        "127.0.0.1 127.0.0.1",
        "0.0.0.0",
        "127.0.0.1",
    ] {
        rebind_step(&mut seen, &mut old, moved, bind);
    }
    seen.push(format!(
        "set port abc: {:?}",
        old.call(&["CONFIG", "SET", "port", "abc"])
    ));
    drop(taken);
    seen
}

#[test]
fn config_set_port_and_bind_rebind_as_redis_does() {
    let ours = Process::ours(&[]);
    let seen_ours = scenario(&ours);
    assert!(
        seen_ours.contains(&"new port answers: true".to_string()),
        "{seen_ours:#?}"
    );
    if !redis_available() {
        return;
    }
    let redis = Process::redis(&[]);
    let seen_redis = scenario(&redis);
    assert_eq!(seen_ours, seen_redis);
}
