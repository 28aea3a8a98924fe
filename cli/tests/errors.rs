//! Friendly failures: each a one-line explanation on stderr and exit
//! status 1 — a server that is not there, a reply that is not RESP, a
//! server that hangs up, a missing or wrong password.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;

use support::{run, temp_dir, RedisServer, OURS};

/// A fake server that answers the first command with `reply` and then
/// closes; returns its port.
fn answering_once(reply: &'static [u8]) -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("a client connects");
        let mut request = [0u8; 256];
        let _ = socket.read(&mut request);
        let _ = socket.write_all(reply);
    });
    (port, server)
}

fn ours(args: &[&str]) -> (String, String, Option<i32>) {
    let home = temp_dir("errors");
    let output = run(OURS, args, b"", &home);
    let _ = std::fs::remove_dir_all(&home);
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code(),
    )
}

#[test]
fn connection_refused() {
    let (stdout, stderr, status) = ours(&["-p", "1", "ping"]);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "Could not connect to Redis at 127.0.0.1:1: Connection refused\n"
    );
    assert_eq!(status, Some(1));
}

#[test]
fn a_reply_that_is_not_resp_is_a_protocol_error() {
    let (port, server) = answering_once(b"xyz\r\n");
    let (stdout, stderr, status) = ours(&["-p", &port.to_string(), "ping"]);
    server.join().expect("fake server");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "Error: Protocol error: invalid frame type byte 0x78\n"
    );
    assert_eq!(status, Some(1));
}

#[test]
fn a_server_that_hangs_up() {
    let (port, server) = answering_once(b"");
    let (stdout, stderr, status) = ours(&["-p", &port.to_string(), "ping"]);
    server.join().expect("fake server");
    assert_eq!(stdout, "");
    assert_eq!(stderr, "Error: Server closed the connection\n");
    assert_eq!(status, Some(1));
}

#[test]
fn missing_and_wrong_passwords() {
    let Some(server) = RedisServer::start(&["--requirepass", "sekret"]) else {
        return;
    };
    let port = server.port.to_string();
    let (stdout, stderr, status) = ours(&["-p", &port, "--no-raw", "get", "k"]);
    assert_eq!(
        stdout, "(error) NOAUTH Authentication required.\n",
        "as redis-cli prints it"
    );
    assert!(
        stderr.starts_with("hint: the server wants a password"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(status, Some(1), "redis-cli exits 0 here; we do not");
    let (stdout, stderr, status) =
        ours(&["-p", &port, "--no-auth-warning", "-a", "wrong", "get", "k"]);
    assert_eq!(stdout, "NOAUTH Authentication required.\n\n");
    assert_eq!(
        stderr,
        "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n"
    );
    assert_eq!(status, Some(1));
}
