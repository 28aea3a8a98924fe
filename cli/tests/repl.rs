//! The prompt's behaviour beyond what redis-cli's piped mode shows: a lost
//! connection is made again (keeping the selected database) and the
//! command retried once; `connect` switches servers.

mod support;

use support::{run, temp_dir, RedisServer, OURS};

fn run_lines(port: u16, lines: &str) -> (String, String) {
    let home = temp_dir("repl");
    let output = run(
        OURS,
        &["-p", &port.to_string(), "--no-raw"],
        lines.as_bytes(),
        &home,
    );
    let _ = std::fs::remove_dir_all(&home);
    assert_eq!(output.status.code(), Some(0));
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_killed_connection_is_reopened_with_its_database_and_the_command_retried() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let (stdout, stderr) = run_lines(
        server.port,
        "select 2\nclient kill type normal skipme no\nping\nclient info\n",
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        &lines[..3],
        ["OK", "(integer) 1", "PONG"],
        "{stdout}{stderr}"
    );
    assert!(
        lines[3].contains(" db=2 "),
        "reconnected into db 2: {stdout}"
    );
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn connect_switches_to_another_server() {
    let (Some(first), Some(second)) = (RedisServer::start(&[]), RedisServer::start(&[])) else {
        return;
    };
    let lines = format!(
        "set where first\nconnect 127.0.0.1 {}\nget where\nset where second\nconnect 127.0.0.1 {}\nget where\n",
        second.port, first.port
    );
    let (stdout, stderr) = run_lines(first.port, &lines);
    assert_eq!(stdout, "OK\n(nil)\nOK\n\"first\"\n", "{stderr}");
}

#[test]
fn a_server_that_is_down_is_reported_per_command() {
    let home = temp_dir("repl-down");
    let output = run(OURS, &["-p", "1"], b"ping\nping\n", &home);
    let _ = std::fs::remove_dir_all(&home);
    let refused = "Could not connect to Redis at 127.0.0.1:1: Connection refused\n";
    assert_eq!(String::from_utf8_lossy(&output.stderr), refused.repeat(3));
    assert_eq!(
        output.status.code(),
        Some(0),
        "as redis-cli: the script ran, each command failed"
    );
}
