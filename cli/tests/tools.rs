//! The tools against a redis-server the test starts: `--pipe` (compared
//! with redis-cli's and checked on the server), `--scan`, `--bigkeys`,
//! `--memkeys`, `--latency` and `--rdb`.

mod support;

use support::{assert_same, assert_same_after, run, temp_dir, RedisServer, OURS, THEIRS};

/// `n` SET commands in RESP, with an unknown command every `error_every`.
fn mass_insert(n: usize, error_every: usize) -> (Vec<u8>, usize) {
    let mut stream = Vec::new();
    let mut errors = 0;
    for i in 0..n {
        if i % error_every == error_every - 1 {
            stream.extend_from_slice(b"*2\r\n$7\r\nNOSUCHC\r\n$1\r\nx\r\n");
            errors += 1;
            continue;
        }
        let key = format!("key:{i}");
        let value = format!("value {i}");
        stream.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${}\r\n{value}\r\n",
                key.len(),
                value.len()
            )
            .as_bytes(),
        );
    }
    (stream, errors)
}

#[test]
fn pipe_inserts_everything_and_counts_replies_and_errors() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let port = server.port.to_string();
    let (stream, errors) = mass_insert(20_000, 1000);
    let home = temp_dir("pipe");
    let ours = run(OURS, &["-p", &port, "--pipe"], &stream, &home);
    let stdout = String::from_utf8_lossy(&ours.stdout);
    assert!(
        stdout.ends_with(&format!("errors: {errors}, replies: 20000\n")),
        "{stdout}"
    );
    assert_eq!(ours.status.code(), Some(1), "errors make the exit status 1");
    let error_lines = String::from_utf8_lossy(&ours.stderr).lines().count();
    assert_eq!(error_lines, errors, "each error reply is printed");
    let keys = server.redis_cli(&["dbsize"]);
    assert_eq!(
        String::from_utf8_lossy(&keys).trim(),
        (20_000 - errors).to_string()
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn pipe_output_matches_redis_cli() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let port = server.port.to_string();
    let (stream, _) = mass_insert(500, 100);
    let flush = || {
        server.redis_cli(&["flushall"]);
    };
    assert_same_after(flush, &["-p", &port, "--pipe"], &stream);
    // Inline commands work too, and no errors means exit status 0.
    assert_same_after(
        flush,
        &["-p", &port, "--pipe"],
        b"SET a 1\r\nINCR a\r\nPING\r\n",
    );
    assert_same(&["-p", &port, "--pipe"], b"");
}

#[test]
fn pipe_reports_a_server_that_cannot_be_reached() {
    let home = temp_dir("pipe-refused");
    let ours = run(OURS, &["-p", "1", "--pipe"], b"PING\r\n", &home);
    assert_eq!(ours.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&ours.stderr),
        "Could not connect to Redis at 127.0.0.1:1: Connection refused\n"
    );
    let _ = std::fs::remove_dir_all(&home);
}

fn fill(server: &RedisServer) {
    server.redis_cli(&["rpush", "list", "a", "b", "c", "d"]);
    server.redis_cli(&["hset", "hash", "f", "v"]);
    server.redis_cli(&["sadd", "set", "x", "y"]);
    server.redis_cli(&["zadd", "zset", "1", "a"]);
    server.redis_cli(&["xadd", "stream", "1-1", "f", "v"]);
    server.redis_cli(&["set", "big string", "0123456789"]);
    for i in 0..40 {
        server.redis_cli(&["set", &format!("s:{i}"), &"x".repeat(i)]);
    }
}

#[test]
fn scan_lists_keys_like_redis_cli() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    fill(&server);
    let port = server.port.to_string();
    assert_same(&["-p", &port, "--scan"], b"");
    assert_same(&["-p", &port, "--scan", "--pattern", "s:1*"], b"");
    assert_same(
        &["-p", &port, "--no-raw", "--scan", "--pattern", "big*"],
        b"",
    );
}

/// `--bigkeys`/`--memkeys` print the same lines as redis-cli but for the
/// three comment lines at the top, which are worded anew.
#[test]
fn bigkeys_and_memkeys_report_like_redis_cli() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    fill(&server);
    let port = server.port.to_string();
    let home = temp_dir("bigkeys");
    for tool in ["--bigkeys", "--memkeys"] {
        let args = ["-p", port.as_str(), tool];
        let theirs = run(THEIRS, &args, b"", &home);
        let ours = run(OURS, &args, b"", &home);
        let body = |out: &[u8]| -> Vec<String> {
            String::from_utf8_lossy(out)
                .lines()
                .filter(|line| !line.starts_with('#'))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(body(&theirs.stdout), body(&ours.stdout), "{tool}");
        assert!(body(&ours.stdout)
            .iter()
            .any(|l| l.starts_with("Biggest stream found")));
        assert_eq!(ours.status.code(), Some(0));
    }
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn latency_prints_one_line_when_not_on_a_terminal() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let port = server.port.to_string();
    let home = temp_dir("latency");
    for (mode, separator) in [("--raw", ' '), ("--csv", ',')] {
        let ours = run(
            OURS,
            &["-p", &port, "--latency", mode, "-i", "0.2"],
            b"",
            &home,
        );
        let line = String::from_utf8_lossy(&ours.stdout);
        let fields: Vec<&str> = line.trim_end().split(separator).collect();
        assert_eq!(fields.len(), 4, "min max avg samples: {line:?}");
        let min: u64 = fields[0].parse().expect("min is whole milliseconds");
        let max: u64 = fields[1].parse().expect("max is whole milliseconds");
        let avg: f64 = fields[2].parse().expect("avg is a number");
        let samples: u64 = fields[3].parse().expect("samples is a count");
        assert!(
            min <= max && avg >= min as f64 && avg <= max as f64,
            "{line}"
        );
        assert!(
            (2..=25).contains(&samples),
            "a sample every 10 ms for 0.2 s: {samples}"
        );
    }
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn rdb_is_refused_until_replication_exists() {
    let home = temp_dir("rdb");
    let ours = run(OURS, &["-p", "1", "--rdb", "dump.rdb"], b"", &home);
    assert_eq!(ours.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ours.stderr).contains("not supported yet"));
    let _ = std::fs::remove_dir_all(&home);
}
