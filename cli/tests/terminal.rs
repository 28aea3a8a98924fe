//! The interactive prompt in a real terminal: redis-rust-cli runs in a
//! pseudo-terminal (rexpect) against a redis-server, and each step waits
//! for what a person would see before typing on. Covers what piped mode
//! cannot: the prompt naming the selected database, hints from the
//! server's COMMAND DOCS while typing, HELP, recalling history with the up
//! arrow, and the history file surviving the session.

mod support;

use rexpect::session::{spawn_command, PtySession};
use std::process::Command;
use support::{temp_dir, RedisServer, OURS};

/// How long one expected output may take to appear.
const STEP_TIMEOUT_MS: u64 = 10_000;

/// What the up-arrow key sends.
const UP_ARROW: &str = "\x1b[A";

/// Keystrokes without Enter, flushed to the terminal at once.
fn type_keys(cli: &mut PtySession, keys: &str) {
    cli.send(keys).expect("type");
    cli.flush().expect("flush the keystrokes");
}

fn start_cli(port: u16, history: &std::path::Path) -> PtySession {
    let mut command = Command::new(OURS);
    command
        .args(["-p", &port.to_string()])
        .env("REDISCLI_HISTFILE", history)
        .env("TERM", "xterm");
    spawn_command(command, Some(STEP_TIMEOUT_MS)).expect("spawn redis-rust-cli in a pty")
}

#[test]
fn the_prompt_hints_helps_recalls_and_keeps_history() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let home = temp_dir("terminal");
    let history = home.join("history");
    let prompt = format!("127.0.0.1:{}> ", server.port);
    let mut cli = start_cli(server.port, &history);
    cli.exp_string(&prompt).expect("the prompt");

    cli.send_line("set greeting hello").expect("type");
    cli.exp_string("OK").expect("SET's reply");
    cli.exp_string(&prompt).expect("the prompt again");

    // Typing a command name shows its arguments as a hint, from the
    // server's COMMAND DOCS; nothing runs until Enter.
    type_keys(&mut cli, "lpush ");
    cli.exp_string("key element [element ...]")
        .expect("LPUSH's argument hint");
    cli.send_line("").expect("enter");
    cli.exp_string("ERR wrong number of arguments for 'lpush' command")
        .expect("LPUSH without arguments is the server's error");

    cli.send_line("get greeting").expect("type");
    cli.exp_string("\"hello\"").expect("GET's reply");
    // Up arrow brings back the last line; Enter runs it again.
    type_keys(&mut cli, UP_ARROW);
    cli.send_line("").expect("enter");
    cli.exp_string("\"hello\"")
        .expect("the recalled GET's reply");

    cli.send_line("select 3").expect("type");
    cli.exp_string(&format!("127.0.0.1:{}[3]> ", server.port))
        .expect("the prompt names database 3");

    cli.send_line("help get").expect("type");
    cli.exp_string("summary:").expect("HELP's summary");
    cli.exp_string("group:").expect("HELP's group");

    cli.send_line("quit").expect("type");
    cli.exp_eof().expect("quit ends the session");

    let saved = std::fs::read_to_string(&history).expect("the history file was written");
    for line in ["set greeting hello", "get greeting", "select 3"] {
        assert!(
            saved.contains(line),
            "{line:?} missing from history:\n{saved}"
        );
    }

    // A new session starts from that history.
    let mut cli = start_cli(server.port, &history);
    cli.exp_string(&prompt).expect("the prompt");
    // The last line typed was `quit` (kept, as redis-cli keeps it); one
    // more up arrow is the HELP before it.
    type_keys(&mut cli, UP_ARROW);
    cli.exp_string("quit")
        .expect("the last session's last line");
    type_keys(&mut cli, UP_ARROW);
    cli.exp_string("help get").expect("the line before it");
    cli.send_control('c').expect("ctrl-c clears the line");
    cli.send_line("quit").expect("type");
    cli.exp_eof().expect("quit ends the session");
    let _ = std::fs::remove_dir_all(&home);
}
