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
//!   (the prompt, or commands from stdin), [`pipe`] (`--pipe`) and
//!   [`tools`] (`--scan`, `--bigkeys`, `--latency`, `--stat`, ...);
//!   [`bench`] is the load generator (`redis-rust-cli bench`).
//! - [`exit`]: the exit status.
//!
//! Where it differs from redis-cli 7.0.15, on purpose:
//! - a NOAUTH reply exits 1 with a hint on stderr (redis-cli exits 0);
//! - `-p`/`-n` values that are not numbers are refused (redis-cli reads 0);
//! - RESP3 big numbers and attributes are shown (redis-cli exits), and a
//!   RESP3 UNSUBSCRIBE without subscriptions returns (redis-cli hangs);
//! - commands piped on stdin survive a lost connection: it is made again in
//!   the selected database and the command retried once, as at the prompt;
//! - Ctrl-C during SUBSCRIBE, MONITOR or a blocking command returns to the
//!   prompt instead of leaving;
//! - a RESP3 double's text is rebuilt from its value as Redis 7.0 writes it
//!   (`%.17g`), since `Frame::Double` does not keep the server's text;
//! - `--bigkeys`/`--memkeys` word their header comment anew, and
//!   `--latency-history` off a terminal prints one line per interval.

pub mod args;
pub mod bench;
pub mod commands;
pub mod connection;
pub mod exit;
pub mod format;
pub mod oneshot;
pub mod pipe;
pub mod printer;
pub mod repl;
pub mod session;
pub mod tools;
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
    if args
        .get(1)
        .is_some_and(|first| first == "bench" || first == "--bench")
    {
        return bench::run(args[1..].to_vec());
    }
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
        Mode::Pipe { timeout } => runtime.block_on(pipe::run(&settings, *timeout)),
        tool => {
            let result = runtime.block_on(run_tool(&settings, tool));
            match result {
                Ok(()) => ExitStatus::Success,
                Err(error) => {
                    eprintln!("{error}");
                    ExitStatus::Failure
                }
            }
        }
    }
}

async fn run_tool(settings: &Settings, mode: &Mode) -> Result<(), tools::ToolError> {
    use tools::bigkeys::Measure;
    match mode {
        Mode::Scan { pattern } => tools::scan::run(settings, pattern.as_deref()).await,
        Mode::BigKeys { pattern } => {
            tools::bigkeys::run(settings, pattern.as_deref(), Measure::Elements).await
        }
        Mode::MemKeys { pattern, samples } => {
            let measure = Measure::Memory { samples: *samples };
            tools::bigkeys::run(settings, pattern.as_deref(), measure).await
        }
        Mode::Latency => tools::latency::run(settings, false).await,
        Mode::LatencyHistory => tools::latency::run(settings, true).await,
        Mode::Stat => tools::stat::run(settings).await,
        Mode::Rdb(path) => tools::rdb::run(path),
        Mode::Help | Mode::Version | Mode::Command(_) | Mode::Repl | Mode::Pipe { .. } => {
            unreachable!("{mode:?} is not a tool")
        }
    }
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
