//! Option parsing: redis-cli's spellings, its defaults, and its
//! left-to-right overriding when options are combined (each case checked
//! against redis-cli 7.0.15 with `CLIENT INFO`/`PING`).

use std::time::Duration;

use resp_codec::Protocol;

use super::{parse, Environment, Mode, Settings, UsageError};
use crate::format::OutputMode;

fn env() -> Environment {
    Environment {
        stdout_is_tty: true,
        fake_tty: false,
        auth: None,
    }
}

fn parse_in(env: &Environment, line: &str) -> Result<Settings, UsageError> {
    let args = std::iter::once("redis-rust-cli")
        .chain(line.split_whitespace())
        .map(Into::into)
        .collect();
    parse(args, env)
}

fn settings(line: &str) -> Settings {
    parse_in(&env(), line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

fn error(line: &str) -> String {
    parse_in(&env(), line).expect_err(line).to_string()
}

#[test]
fn defaults() {
    let s = settings("");
    assert_eq!(s.connection.host, "127.0.0.1");
    assert_eq!(s.connection.port, 6379);
    assert_eq!(s.connection.db, 0);
    assert_eq!(s.connection.protocol, Protocol::Resp2);
    assert_eq!(s.connection.password, None);
    assert_eq!(s.mode, Mode::Repl);
    assert_eq!(s.output.mode, OutputMode::Standard);
    assert_eq!(s.repeat, 1);
    assert_eq!(s.interval, None);
}

#[test]
fn connection_options() {
    let s = settings("-h example.com -p 7000 -n 2 -a pw --user bob -3 get k");
    assert_eq!(s.connection.host, "example.com");
    assert_eq!(s.connection.port, 7000);
    assert_eq!(s.connection.db, 2);
    assert_eq!(s.connection.password.as_deref(), Some(&b"pw"[..]));
    assert_eq!(s.connection.user.as_deref(), Some(&b"bob"[..]));
    assert_eq!(s.connection.protocol, Protocol::Resp3);
    assert_eq!(s.mode, Mode::Command(vec![b"get".to_vec(), b"k".to_vec()]));
    assert!(s.warn_about_password);
    let s = settings("-s /tmp/redis.sock --pass pw --no-auth-warning ping");
    assert_eq!(
        s.connection.socket.as_deref(),
        Some("/tmp/redis.sock".as_ref())
    );
    assert_eq!(s.connection.password.as_deref(), Some(&b"pw"[..]));
    assert!(!s.warn_about_password);
}

#[test]
fn uri_sets_every_part_it_names() {
    let s = settings("-u redis://bob:p%21w@10.0.0.1:7001/4 ping");
    assert_eq!(s.connection.host, "10.0.0.1");
    assert_eq!(s.connection.port, 7001);
    assert_eq!(s.connection.db, 4);
    assert_eq!(s.connection.user.as_deref(), Some(&b"bob"[..]));
    assert_eq!(s.connection.password.as_deref(), Some(&b"p!w"[..]));
    assert!(s.warn_about_password);
}

#[test]
fn later_options_override_earlier_ones_across_spellings() {
    assert_eq!(settings("-u redis://127.0.0.1:1/2 -n 3").connection.db, 3);
    assert_eq!(settings("-n 3 -u redis://127.0.0.1:1/2").connection.db, 2);
    assert_eq!(settings("-n 3 -u redis://127.0.0.1:1").connection.db, 3);
    assert_eq!(settings("-u redis://h:1 -h other").connection.host, "other");
    assert_eq!(settings("-h other -u redis://h:1").connection.host, "h");
    assert_eq!(settings("-p 5 -u redis://h").connection.port, 5);
    let pw = |line| settings(line).connection.password;
    assert_eq!(pw("-u redis://uri@h -a opt"), Some(b"opt".to_vec()));
    assert_eq!(pw("-a opt -u redis://uri@h"), Some(b"uri".to_vec()));
    assert_eq!(settings("-p 1 -p 2").connection.port, 2);
    assert_eq!(settings("-3 -2").connection.protocol, Protocol::Resp2);
    assert_eq!(settings("-2 -3").connection.protocol, Protocol::Resp3);
}

#[test]
fn output_mode_follows_stdout_and_the_last_flag() {
    let piped = Environment {
        stdout_is_tty: false,
        ..env()
    };
    let mode = |env: &Environment, line| parse_in(env, line).unwrap().output.mode;
    assert_eq!(mode(&piped, ""), OutputMode::Raw);
    assert_eq!(mode(&piped, "--no-raw"), OutputMode::Standard);
    assert_eq!(mode(&env(), "--raw"), OutputMode::Raw);
    assert_eq!(mode(&env(), "--raw --csv"), OutputMode::Csv);
    assert_eq!(mode(&env(), "--csv --no-raw"), OutputMode::Standard);
    assert_eq!(mode(&piped, "--no-raw --raw"), OutputMode::Raw);
    let fake_tty = Environment {
        fake_tty: true,
        ..piped
    };
    assert_eq!(mode(&fake_tty, ""), OutputMode::Standard);
}

#[test]
fn rediscli_auth_is_the_password_when_no_option_gives_one() {
    let with_auth = Environment {
        auth: Some(b"fromenv".to_vec()),
        ..env()
    };
    let s = parse_in(&with_auth, "ping").unwrap();
    assert_eq!(s.connection.password.as_deref(), Some(&b"fromenv"[..]));
    assert!(!s.warn_about_password, "the environment is the safe way");
    let s = parse_in(&with_auth, "-a opt ping").unwrap();
    assert_eq!(s.connection.password.as_deref(), Some(&b"opt"[..]));
}

#[test]
fn options_stop_at_the_command() {
    let s = settings("-r 3 -i 0.25 set key -1 -p");
    assert_eq!(s.repeat, 3);
    assert_eq!(s.interval, Some(Duration::from_millis(250)));
    assert_eq!(
        s.connection.port, 6379,
        "-p after the command is an argument"
    );
    let expect: Vec<Vec<u8>> = ["set", "key", "-1", "-p"]
        .iter()
        .map(|a| a.as_bytes().to_vec())
        .collect();
    assert_eq!(s.mode, Mode::Command(expect));
    assert_eq!(settings("-r -1 ping").repeat, -1);
}

#[test]
fn delimiters_and_stdin_options() {
    let s = settings("--raw -d | -D # -x -e set k");
    assert_eq!(s.output.bulk_delimiter, b"|");
    assert_eq!(s.output.reply_delimiter, b"#");
    assert!(s.stdin_last_arg);
    assert!(s.exit_on_error);
    assert_eq!(
        settings("-X tag set k tag").stdin_tag.as_deref(),
        Some(&b"tag"[..])
    );
    assert_eq!(settings("--show-pushes no").show_pushes, Some(false));
}

#[test]
fn tools() {
    assert_eq!(
        settings("--pipe").mode,
        Mode::Pipe {
            timeout: Some(Duration::from_secs(30))
        }
    );
    assert_eq!(
        settings("--pipe --pipe-timeout 0").mode,
        Mode::Pipe { timeout: None }
    );
    assert_eq!(
        settings("--scan --pattern k*").mode,
        Mode::Scan {
            pattern: Some(b"k*".to_vec())
        }
    );
    assert_eq!(
        settings(r#"--scan --quoted-pattern "a\x00*""#).mode,
        Mode::Scan {
            pattern: Some(b"a\x00*".to_vec())
        }
    );
    assert_eq!(settings("--bigkeys").mode, Mode::BigKeys { pattern: None });
    assert_eq!(
        settings("--memkeys-samples 5").mode,
        Mode::MemKeys {
            pattern: None,
            samples: Some(5)
        }
    );
    assert_eq!(settings("--latency").mode, Mode::Latency);
    assert_eq!(
        settings("--latency --latency-history").mode,
        Mode::LatencyHistory
    );
    assert_eq!(settings("--stat").mode, Mode::Stat);
    assert_eq!(
        settings("--rdb dump.rdb").mode,
        Mode::Rdb("dump.rdb".into())
    );
    assert_eq!(settings("--help").mode, Mode::Help);
    assert_eq!(settings("-v").mode, Mode::Version);
}

#[test]
fn bad_command_lines_are_refused_as_redis_cli_words_them() {
    assert_eq!(
        error("--bogus ping"),
        "Unrecognized option or bad number of args for: '--bogus'"
    );
    assert_eq!(
        error("-p"),
        "Unrecognized option or bad number of args for: '-p'"
    );
    assert_eq!(error("-p abc ping"), "Invalid server port: 'abc'");
    assert_eq!(error("-p 99999 ping"), "Invalid server port: '99999'");
    assert_eq!(error("-n x ping"), "Invalid database number: 'x'");
    assert_eq!(error("-u http://x ping"), "Invalid URI scheme");
    assert_eq!(error("-i soon ping"), "Invalid -i value: 'soon'");
    assert_eq!(
        error("--show-pushes maybe"),
        "Invalid --show-pushes value: 'maybe'"
    );
}

#[test]
fn tls_and_cluster_say_they_are_not_supported() {
    assert_eq!(
        error("--tls ping"),
        "TLS (--tls) is not supported yet by redis-rust-cli"
    );
    assert_eq!(
        error("-u rediss://h ping"),
        "TLS (rediss://) is not supported yet by redis-rust-cli"
    );
    assert_eq!(
        error("-c ping"),
        "Cluster mode (-c) is not supported yet by redis-rust-cli"
    );
}
