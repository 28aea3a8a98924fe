//! `cargo xtask`: the project's automation in one binary.
//!
//! Parts:
//! - `ci`      every check CI runs, in order, failing fast (`ci.rs`)
//! - `lint`    the cancel-safety rules checked on parsed Rust (`lint/`)
//! - `diff`    the differential suite against a real redis-server (`suites.rs`)
//! - `dst`     the deterministic simulation suite (`suites.rs`)
//! - `fuzz`    build (and optionally run) every fuzz target (`fuzz.rs`)
//! - `bench`   redis-benchmark against ours and redis-server, as ratios (`bench/`)
//! - `command-docs` kv-engine's COMMAND INFO/DOCS data from a live
//!   redis-server, keeping our prose (`command_docs/`)
//!
//! Child processes are run through `process.rs`, which knows the workspace
//! root and how to time and name a step.

mod bench;
mod ci;
mod command_docs;
mod fuzz;
mod lint;
mod process;
mod suites;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "redis-rust project automation"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run every check CI runs, in order, stopping at the first failure.
    Ci(ci::CiArgs),
    /// Check the cancel-safety rules on the library and binary crates.
    Lint(lint::LintArgs),
    /// Run the differential suite (kv-engine vs a real redis-server).
    Diff(suites::DiffArgs),
    /// Run the deterministic simulation suite (server under faults).
    Dst(suites::DstArgs),
    /// Build every fuzz target; `--run SECONDS` also runs each one.
    Fuzz(fuzz::FuzzArgs),
    /// Benchmark ours against redis-server with redis-benchmark.
    Bench(bench::BenchArgs),
    /// Rewrite kv-engine's COMMAND INFO/DOCS data from a live redis-server.
    CommandDocs(command_docs::CommandDocsArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.task {
        Task::Ci(args) => ci::run(&args),
        Task::Lint(args) => lint::run(&args),
        Task::Diff(args) => suites::run_diff(&args),
        Task::Dst(args) => suites::run_dst(&args),
        Task::Fuzz(args) => fuzz::run(&args),
        Task::Bench(args) => bench::run(&args),
        Task::CommandDocs(args) => command_docs::run(&args),
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
