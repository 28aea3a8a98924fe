//! The prompt: with stdin a terminal, an editor with history, hints and
//! completion; otherwise one command per line of stdin, as redis-cli reads
//! a script piped to it.
//!
//! - [`client`]: what one line does (the prompt's words, commands, retry);
//! - [`docs`]: command documentation from `COMMAND DOCS`;
//! - [`help`]: the `HELP` texts;
//! - [`editor`]: rustyline with completion, hints and the history file.

pub mod client;
pub mod docs;
pub mod editor;
pub mod help;

use std::io::{BufRead, IsTerminal, Read};
use std::sync::Arc;

use tokio::runtime::Runtime;

use crate::args::Settings;
use crate::commands::is_sensitive;
use crate::exit::ExitStatus;
use crate::printer::Printer;
use client::{Flow, ReplClient};

/// Longest line read from stdin; a longer one is refused, not buffered.
const MAX_LINE_LEN: usize = 512 * 1024 * 1024;

pub fn run(settings: &Settings, printer: Printer, runtime: &Runtime) -> ExitStatus {
    let interactive = std::io::stdin().is_terminal();
    // The prompt shows errors as replies; `-e` is for one-shot mode.
    let printer = Printer {
        errors_to_stderr: false,
        ..printer
    };
    let mut client = ReplClient::new(settings.connection.clone(), printer, interactive);
    runtime.block_on(client.connect());
    if interactive {
        runtime.block_on(client.load_docs());
        prompt_loop(&mut client, runtime)
    } else {
        stdin_loop(&mut client, runtime)
    }
}

/// Commands from a terminal, until `quit`, Ctrl-D or Ctrl-C at the prompt.
fn prompt_loop(client: &mut ReplClient, runtime: &Runtime) -> ExitStatus {
    let mut editor = match editor::editor(Arc::new(client.docs().clone())) {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("Error: cannot open the terminal: {error}");
            return ExitStatus::Failure;
        }
    };
    let history = editor::history_path();
    if let Some(path) = &history {
        // A missing history file is the normal first run.
        let _ = editor.load_history(path);
    }
    loop {
        let line = match editor.readline(&client.prompt()) {
            Ok(line) => line,
            Err(
                rustyline::error::ReadlineError::Interrupted | rustyline::error::ReadlineError::Eof,
            ) => return ExitStatus::Success,
            Err(error) => {
                eprintln!("Error: {error}");
                return ExitStatus::Failure;
            }
        };
        remember(&mut editor, history.as_deref(), &line);
        let flow = runtime.block_on(async {
            tokio::select! {
                flow = client.run_line(line.as_bytes()) => Some(flow),
                _ = tokio::signal::ctrl_c() => None,
            }
        });
        match flow {
            Some(Flow::Quit) => return ExitStatus::Success,
            Some(Flow::Continue) => {}
            None => runtime.block_on(client.interrupted()),
        }
    }
}

/// Adds `line` to the history (and its file) unless it holds a secret.
fn remember(editor: &mut editor::PromptEditor, path: Option<&std::path::Path>, line: &str) {
    let args = resp_codec::split_inline_args(line.as_bytes()).unwrap_or_default();
    if args.is_empty() || is_sensitive(&args) {
        return;
    }
    let _ = editor.add_history_entry(line);
    if let Some(path) = path {
        if let Err(error) = editor.save_history(path) {
            eprintln!(
                "Warning: cannot write the history file {}: {error}",
                path.display()
            );
        }
    }
}

/// One command per line of stdin, until its end or `quit`.
fn stdin_loop(client: &mut ReplClient, runtime: &Runtime) -> ExitStatus {
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut stdin)
            .take(MAX_LINE_LEN as u64 + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) => return ExitStatus::Success,
            Ok(_) if line.len() > MAX_LINE_LEN => {
                eprintln!("Error: a line of stdin is longer than {MAX_LINE_LEN} bytes");
                return ExitStatus::Failure;
            }
            Ok(_) => {}
            Err(error) => {
                eprintln!("Error reading stdin: {error}");
                return ExitStatus::Failure;
            }
        }
        if runtime.block_on(client.run_line(&line)) == Flow::Quit {
            return ExitStatus::Success;
        }
    }
}
