//! redis-rust-cli as a library: everything the `redis-rust-cli` binary does,
//! in parts the tests can drive.
//!
//! - [`args`]: the command line, as redis-cli spells and combines it;
//!   [`uri`] reads `-u redis://...`.
//! - [`connection`]: one socket, commands out, frames in; [`session`] makes
//!   it ready (AUTH, SELECT, HELLO 3).
//! - [`format`]: replies as text, in redis-cli's standard, raw and CSV
//!   forms; [`printer`] writes them where they belong.
//! - [`commands`]: the little the cli must know about particular commands.
//! - Run modes: [`oneshot`] (a command from the command line), [`repl`]
//!   (the prompt, or commands from stdin).
//! - [`exit`]: the exit status.

pub mod args;
pub mod commands;
pub mod connection;
pub mod exit;
pub mod format;
pub mod oneshot;
pub mod printer;
pub mod repl;
pub mod session;
pub mod uri;

use std::ffi::OsString;
use std::io::IsTerminal;

use args::{Environment, Mode, Settings};
use exit::ExitStatus;
use printer::Printer;

/// The version `-v` prints.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs the cli with `args` (program name first) and returns its status.
pub fn run(args: Vec<OsString>) -> ExitStatus {
    let env = Environment::from_process();
    let settings = match args::parse(args, &env) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitStatus::Failure;
        }
    };
    if settings.warn_about_password {
        eprintln!("Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.");
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Error: cannot start the async runtime: {error}");
            return ExitStatus::Failure;
        }
    };
    let printer = Printer {
        output: settings.output.clone(),
        errors_to_stderr: settings.exit_on_error,
        show_pushes: settings
            .show_pushes
            .unwrap_or_else(|| std::io::stdout().is_terminal()),
    };
    match &settings.mode {
        Mode::Help => {
            print!("{}", usage());
            ExitStatus::Success
        }
        Mode::Version => {
            println!("redis-rust-cli {VERSION}");
            ExitStatus::Success
        }
        Mode::Command(command) => {
            runtime.block_on(oneshot::run(&settings, &printer, command.clone()))
        }
        Mode::Repl => repl::run(&settings, printer, &runtime),
        other => not_yet(&settings, other),
    }
}

fn not_yet(_settings: &Settings, mode: &Mode) -> ExitStatus {
    eprintln!("{mode:?} is not implemented yet");
    ExitStatus::Failure
}

/// `--help`.
pub fn usage() -> String {
    format!(
        "redis-rust-cli {VERSION}, a redis-cli compatible client\n\
         \n\
         Usage: redis-rust-cli [OPTIONS] [cmd [arg [arg ...]]]\n\
         \x20      redis-rust-cli bench [BENCH OPTIONS]\n\
         \n\
         Without a command it opens a prompt (or runs one command per line of stdin).\n\
         The options are redis-cli's: -h -p -s -a --user --pass -u -n -2 -3 -r -i -x -X -d -D -e\n\
         --raw --no-raw --csv --show-pushes --no-auth-warning --pipe --pipe-timeout --scan\n\
         --pattern --quoted-pattern --bigkeys --memkeys --memkeys-samples --latency\n\
         --latency-history --stat --rdb; REDISCLI_AUTH holds a password, REDISCLI_HISTFILE\n\
         names the history file. `redis-rust-cli bench --help` explains the load generator.\n"
    )
}
