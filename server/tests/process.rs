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

/// Runs `program` with `args` until it exits (5 s at most): its exit code
/// and the fatal config error block it printed, from its first line on.
fn refused_start(program: &str, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{program} {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&output.stderr).into_owned();
    let block = printed
        .find("*** FATAL")
        .map_or(printed.clone(), |at| printed[at..].to_owned());
    (output.status.code(), block)
}

#[test]
fn bad_directives_stop_startup_as_redis_stops_it() {
    if !support::process::redis_available() {
        return;
    }
    let cases: &[&[&str]] = &[
        &["--port", "0", "--hz"],
        &["--port", "0", "--dir"],
        &["--port", "0", "--notify-keyspace-events"],
        &["--port", "0", "--oom-score-adj-values"],
        &["--port", "0", "--replicaof"],
        &["--port", "0", "--foo"],
        // Redis enters `dir` while reading its line.
        &["--port", "0", "--dir", "/nonexistent-rr-dir"],
        &["--port", "0", "--dir", "/etc/hostname"],
    ];
    for args in cases {
        let ours = refused_start(env!("CARGO_BIN_EXE_redis-rust-server"), args);
        let redis = refused_start("redis-server", args);
        assert_eq!(ours, redis, "{args:?}");
    }
}

/// An address that cannot be bound: the two lines Redis logs, without
/// their pid and time.
#[test]
fn an_address_that_cannot_be_bound_is_logged_as_redis_logs_it() {
    if !support::process::redis_available() {
        return;
    }
    // TEST-NET-1 is never a local address, so the port is never taken.
    let args = ["--port", "7149", "--bind", "192.0.2.1", "--save", ""];
    let listening_lines = |program: &str| {
        let output = Command::new(program).args(args).output().unwrap();
        let log = String::from_utf8_lossy(&output.stdout).into_owned();
        let lines: Vec<String> = log
            .lines()
            .filter(|line| line.contains("listening") || line.contains("Failed listening"))
            .map(|line| {
                line.split_once(" # ")
                    .map_or(line, |(_, text)| text)
                    .to_owned()
            })
            .collect();
        (output.status.code(), lines)
    };
    let ours = listening_lines(env!("CARGO_BIN_EXE_redis-rust-server"));
    let redis = listening_lines("redis-server");
    assert_eq!(redis.1.len(), 2, "{redis:?}");
    assert_eq!(ours, redis);
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
