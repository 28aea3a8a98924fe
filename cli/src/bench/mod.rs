//! `redis-rust-cli bench`: a load generator comparable to
//! redis-benchmark, with its options and test names, a live progress bar
//! and an HDR-histogram latency summary.
//!
//! - [`args`]: the options;
//! - [`workload`]: the tests and their command templates;
//! - [`runner`]: one test over many connections (tokio tasks);
//! - [`report`]: the results as text, CSV or JSON lines.

pub mod args;
pub mod report;
pub mod runner;
pub mod workload;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

use rand::rngs::SmallRng;
use rand::SeedableRng;

use crate::exit::ExitStatus;
use args::{BenchConfig, BenchRequest, ReportFormat};
use runner::{run_test, BenchError, Progress};
use workload::{payload, select, standard_tests, Template, Test};

/// Runs `redis-rust-cli bench ARGS` (`args[0]` is the program name).
pub fn run(args: Vec<OsString>) -> ExitStatus {
    let config = match args::parse(args) {
        Ok(BenchRequest::Run(config)) => config,
        Ok(BenchRequest::Help) => {
            print!("{}", args::usage());
            return ExitStatus::Success;
        }
        Err(error) => {
            eprintln!("{error}");
            return ExitStatus::Failure;
        }
    };
    let runtime = if config.threads > 1 {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.threads)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Error: cannot start the async runtime: {error}");
            return ExitStatus::Failure;
        }
    };
    match runtime.block_on(run_all(&config)) {
        Ok(()) => ExitStatus::Success,
        Err(error) => {
            eprintln!("{error}");
            ExitStatus::Failure
        }
    }
}

async fn run_all(config: &BenchConfig) -> Result<(), BenchError> {
    let tests = tests_of(config)?;
    let progress = match config.format {
        ReportFormat::Full | ReportFormat::Quiet if std::io::stderr().is_terminal() => {
            Progress::Shown
        }
        _ => Progress::Hidden,
    };
    if config.format == ReportFormat::Csv {
        println!("{}", report::CSV_HEADER);
    }
    loop {
        for test in &tests {
            let result = run_test(config, test, progress).await?;
            let mut text = report::render(&result, config.format, config.precision);
            if config.format == ReportFormat::Json {
                text.push('\n');
            }
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
        if !config.repeat_forever {
            return Ok(());
        }
    }
}

/// The command given on the command line, or the standard tests `-t`
/// selects.
fn tests_of(config: &BenchConfig) -> Result<Vec<Test>, BenchError> {
    let randomize = config.keyspace.is_some();
    if let Some(command) = &config.command {
        let title = command
            .iter()
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        return Ok(vec![Test {
            title,
            selectors: Vec::new(),
            command: Template::command(command, randomize),
        }]);
    }
    let data = payload(config.data_size, &mut SmallRng::from_entropy());
    select(standard_tests(&data, randomize), &config.tests).map_err(BenchError::UnknownTest)
}
