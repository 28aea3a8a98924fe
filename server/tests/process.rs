//! The real binary: startup banner, fatal config errors, and cooperative
//! shutdown on SIGTERM, SIGINT and SHUTDOWN (exit 0, in-flight commands
//! answered, pid file and unix socket removed).

mod support;

use resp_codec::Frame;
use std::process::Command;
use std::time::Duration;
use support::process::{Conn, Process};

#[test]
fn a_bad_directive_stops_startup_as_redis_does() {
    let output = Command::new(env!("CARGO_BIN_EXE_redis-rust-server"))
        .args(["--port", "0", "--foo", "bar"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'foo \"bar\"'\nBad directive or wrong number of arguments"),
        "{stderr}"
    );
}

#[test]
fn sigterm_finishes_in_flight_work_and_exits_zero() {
    let dir = support::process::temp_dir("sigterm");
    let socket = dir.join("redis.sock");
    let pidfile = dir.join("redis.pid");
    let mut server = Process::ours(&[
        "--unixsocket",
        socket.to_str().unwrap(),
        "--pidfile",
        pidfile.to_str().unwrap(),
    ]);
    assert!(socket.exists() && pidfile.exists());
    let log = server.log_text();
    assert!(
        log.contains("* Server initialized") && log.contains("* Ready to accept connections tcp"),
        "{log}"
    );
    // A client with a deep pipeline in flight.
    let mut client = Conn::open(server.port).unwrap();
    let n = 20_000;
    for i in 0..n {
        client.send(&["SET", &format!("k{i}"), "v"]);
    }
    server.signal("TERM");
    let mut answered = 0;
    while let Some(frame) = client.read() {
        assert_eq!(frame, Frame::simple("OK"));
        answered += 1;
    }
    assert!(answered <= n);
    assert_eq!(
        server.wait_exit(Duration::from_secs(15)),
        Some(0),
        "{}",
        server.log_text()
    );
    let log = server.log_text();
    assert!(
        log.contains("Received SIGTERM scheduling shutdown..."),
        "{log}"
    );
    assert!(
        log.contains("Redis is now ready to exit, bye bye..."),
        "{log}"
    );
    assert!(!socket.exists(), "the unix socket is removed");
    assert!(!pidfile.exists(), "the pid file is removed");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn shutdown_command_and_sigint_exit_zero() {
    let mut server = Process::ours(&[]);
    let mut client = Conn::open(server.port).unwrap();
    client.send(&["SHUTDOWN", "NOSAVE"]);
    assert_eq!(client.read(), None, "SHUTDOWN closes without a reply");
    assert_eq!(server.wait_exit(Duration::from_secs(15)), Some(0));

    let mut server = Process::ours(&[]);
    server.signal("INT");
    assert_eq!(server.wait_exit(Duration::from_secs(15)), Some(0));
    assert!(server
        .log_text()
        .contains("Received SIGINT scheduling shutdown..."));
}
