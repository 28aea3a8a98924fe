//! `redis-rust-cli bench` against a redis-server the test starts: every
//! request is answered, keys land where redis-benchmark puts them, and the
//! report formats carry the numbers.

mod support;

use support::{run, temp_dir, RedisServer, OURS};

fn bench(server: &RedisServer, args: &[&str]) -> (String, String, Option<i32>) {
    let home = temp_dir("bench");
    let port = server.port.to_string();
    let mut all = vec!["bench", "-p", port.as_str()];
    all.extend_from_slice(args);
    let output = run(OURS, &all, b"", &home);
    let _ = std::fs::remove_dir_all(&home);
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code(),
    )
}

#[test]
fn csv_report_has_a_row_per_test_with_its_numbers() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let (stdout, stderr, status) = bench(
        &server,
        &[
            "-n",
            "3000",
            "-c",
            "4",
            "-P",
            "3",
            "-r",
            "50",
            "-t",
            "set,get,lrange_100",
            "--csv",
        ],
    );
    assert_eq!(status, Some(0), "{stderr}");
    let rows: Vec<Vec<String>> = stdout
        .lines()
        .map(|line| {
            line.split(',')
                .map(|field| field.trim_matches('"').to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows[0][0], "test");
    let names: Vec<&str> = rows[1..].iter().map(|row| row[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "SET",
            "GET",
            "LPUSH (needed to benchmark LRANGE)",
            "LRANGE_100 (first 100 elements)"
        ]
    );
    for row in &rows[1..] {
        let number = |i: usize| row[i].parse::<f64>().unwrap_or_else(|_| panic!("{row:?}"));
        assert!(number(1) > 0.0, "rps: {row:?}");
        let (min, p50, p99, max) = (number(3), number(4), number(6), number(7));
        assert!(
            min <= p50 && p50 <= p99 && p99 <= max,
            "ordered latencies: {row:?}"
        );
        assert_eq!(row[10], "0", "no error replies: {row:?}");
    }
    // -r 50: SET wrote keys key:000000000000 .. key:000000000049 only.
    let keys = server.redis_cli(&["--scan", "--pattern", "key:*"]);
    let keys = String::from_utf8_lossy(&keys);
    assert!(
        keys.lines().count() <= 50 && keys.lines().count() > 10,
        "{keys}"
    );
    for key in keys.lines() {
        let n: u64 = key.strip_prefix("key:").unwrap().parse().unwrap();
        assert!(n < 50 && key.len() == 16, "{key}");
    }
    let list = server.redis_cli(&["llen", "mylist"]);
    assert_eq!(
        String::from_utf8_lossy(&list).trim(),
        "3000",
        "the LRANGE filler pushed -n elements"
    );
}

#[test]
fn custom_command_json_and_quiet() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let (stdout, stderr, status) = bench(
        &server,
        &["-n", "500", "-c", "5", "--json", "incr", "counter"],
    );
    assert_eq!(status, Some(0), "{stderr}");
    assert!(
        stdout.starts_with("{\"test\":\"incr counter\",\"requests\":500,\"errors\":0,"),
        "{stdout}"
    );
    assert_eq!(
        String::from_utf8_lossy(&server.redis_cli(&["get", "counter"])).trim(),
        "500"
    );
    let (stdout, _, status) = bench(&server, &["-n", "200", "-c", "2", "-q", "-t", "ping"]);
    assert_eq!(status, Some(0));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("PING_INLINE: ") && lines[0].contains(" requests per second, p50="),
        "{stdout}"
    );
}

#[test]
fn error_replies_are_counted_and_shown() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    server.redis_cli(&["set", "notalist", "x"]);
    let (stdout, stderr, status) =
        bench(&server, &["-n", "100", "-c", "2", "lpush", "notalist", "x"]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(
        stdout.contains("100 error replies, the first: WRONGTYPE"),
        "{stdout}"
    );
}

#[test]
fn an_unreachable_server_or_unknown_test_fails() {
    let home = temp_dir("bench-refused");
    let output = run(OURS, &["bench", "-p", "1", "-n", "10"], b"", &home);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Could not connect to Redis at 127.0.0.1:1: Connection refused\n"
    );
    let output = run(OURS, &["bench", "-p", "1", "-t", "nosuch"], b"", &home);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Unknown test name: 'nosuch'\n"
    );
    let _ = std::fs::remove_dir_all(&home);
}
