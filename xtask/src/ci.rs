//! `cargo xtask ci`: every check, in order, stopping at the first failure.
//!
//! The whole pipeline is the `STEPS` table below: to add a check, add a line.
//! Each step prints its command and wall time; a failure names the step.
//! The budget is 25 minutes on CI's 2 cores; the summary says how much of it
//! the run used.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::bench::server::{RunningServer, ScratchDir, Side};
use crate::lint;
use crate::process::{self, format_duration};
use crate::suites::{self, Suite};

/// One check and how to run it.
struct Step {
    name: &'static str,
    action: Action,
}

enum Action {
    /// `cargo ARGS`.
    Cargo(&'static [&'static str]),
    /// The test suite: nextest when installed, else `cargo test`, with a
    /// redis-server for the tests that compare against one.
    Tests,
    /// `cargo test --doc`: nextest cannot run doctests (`cargo test` does).
    Doctests,
    /// `cargo xtask lint`, run in this process.
    Lint,
    /// A seeded suite and how many seeds CI runs; skipped until its test
    /// file exists.
    Suite(&'static Suite, u64),
}

const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        action: Action::Cargo(&["fmt", "--all", "--check"]),
    },
    Step {
        name: "clippy",
        action: Action::Cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    },
    // Doctests first: their per-crate "0 passed" lines would otherwise be
    // the last test-runner lines CI reads, hiding the real count.
    Step {
        name: "doctests",
        action: Action::Doctests,
    },
    Step {
        name: "tests",
        action: Action::Tests,
    },
    Step {
        name: "lint",
        action: Action::Lint,
    },
    // Seed counts are sized for CI's budget; run more locally with
    // `cargo xtask diff --seeds N` / `cargo xtask dst --seeds N`.
    Step {
        name: "differential",
        action: Action::Suite(&suites::DIFFERENTIAL, 2000),
    },
    Step {
        name: "dst",
        action: Action::Suite(&suites::DST_CI, 1000),
    },
];

/// CI's time limit for this command, from the project's CI contract.
const BUDGET: Duration = Duration::from_secs(25 * 60);

#[derive(clap::Args, Default)]
pub struct CiArgs {
    /// Leave out a step (repeatable), e.g. `--skip fmt` while a neighbour's
    /// crate is mid-edit. CI itself never skips.
    #[arg(long, value_name = "STEP")]
    skip: Vec<String>,
    /// Run every step even after one fails; fail at the end.
    #[arg(long)]
    keep_going: bool,
}

enum Outcome {
    Passed(Duration),
    Skipped(String),
    Failed(String),
}

pub fn run(args: &CiArgs) -> anyhow::Result<()> {
    for name in &args.skip {
        if !STEPS.iter().any(|step| step.name == name) {
            let names: Vec<&str> = STEPS.iter().map(|step| step.name).collect();
            bail!("no step `{name}`; the steps are {}", names.join(", "));
        }
    }
    let started = Instant::now();
    let mut outcomes: Vec<(&str, Outcome)> = Vec::with_capacity(STEPS.len());
    for step in STEPS {
        if args.skip.iter().any(|name| name == step.name) {
            outcomes.push((step.name, Outcome::Skipped("--skip".into())));
            continue;
        }
        let step_started = Instant::now();
        match run_one(step) {
            Ok(outcome) => outcomes.push((step.name, outcome)),
            Err(error) => {
                eprintln!("ci: step `{}` FAILED: {error:#}", step.name);
                let elapsed = format_duration(step_started.elapsed());
                outcomes.push((step.name, Outcome::Failed(elapsed)));
                if !args.keep_going {
                    break;
                }
            }
        }
    }
    print_summary(&outcomes, started.elapsed());
    if started.elapsed() > BUDGET {
        eprintln!(
            "ci: warning: the run took longer than CI's {} budget",
            format_duration(BUDGET)
        );
    }
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
        .map(|(name, _)| *name)
        .collect();
    if !failed.is_empty() {
        bail!("ci failed at step(s): {}", failed.join(", "));
    }
    println!("ci: all steps passed");
    Ok(())
}

fn run_one(step: &Step) -> anyhow::Result<Outcome> {
    let elapsed = match &step.action {
        Action::Cargo(args) => process::run_step(step.name, process::cargo().args(*args))?,
        Action::Tests => {
            // Kept alive (and then stopped by its guard) for the whole step.
            let scratch = ScratchDir::new()?;
            let mut command = test_command();
            let _redis = if process::program_exists("redis-server") {
                Some(lend_redis(&mut command, &scratch)?)
            } else {
                None
            };
            process::run_step(step.name, &mut command)?
        }
        Action::Doctests => {
            if !has_nextest() {
                return Ok(Outcome::Skipped(
                    "`cargo test` in the tests step runs them".into(),
                ));
            }
            let mut command = process::cargo();
            command.args(["test", "--workspace", "--doc"]);
            process::run_step(step.name, &mut command)?
        }
        Action::Lint => {
            println!("==> [{}] cargo xtask lint", step.name);
            let started = Instant::now();
            lint::run(&lint::LintArgs::default())?;
            let elapsed = started.elapsed();
            println!("<== [{}] ok in {}", step.name, format_duration(elapsed));
            elapsed
        }
        Action::Suite(suite, n_seeds) => {
            if !suite.exists() {
                println!(
                    "==> [{}] SKIPPED: {}/tests/{}.rs does not exist yet",
                    step.name, suite.package, suite.test_target
                );
                return Ok(Outcome::Skipped("test target not written yet".into()));
            }
            let env = [(suite.seeds_variable, n_seeds.to_string())];
            suites::run_suite(suite, &env, &[])?
        }
    };
    Ok(Outcome::Passed(elapsed))
}

fn has_nextest() -> bool {
    process::cargo_has_subcommand("nextest")
}

/// Starts a redis-server and tells the tests its port through the variable
/// of every suite that needs one (e.g. `REDIS_DIFF_PORT`).
fn lend_redis(command: &mut Command, scratch: &ScratchDir) -> anyhow::Result<RunningServer> {
    let redis = RunningServer::start(&Side::redis("redis"), &scratch.path)?;
    for variable in suites::REDIS_PORT_VARIABLES {
        command.env(variable, redis.port.to_string());
    }
    Ok(redis)
}

fn test_command() -> Command {
    let mut command = process::cargo();
    if has_nextest() {
        command.args(["nextest", "run", "--workspace", "--no-tests=warn"]);
    } else {
        command.args(["test", "--workspace"]);
    }
    command
}

fn print_summary(outcomes: &[(&str, Outcome)], total: Duration) {
    println!();
    println!("ci summary:");
    for (name, outcome) in outcomes {
        match outcome {
            Outcome::Passed(elapsed) => {
                println!("  {name:<16} ok       {:>10}", format_duration(*elapsed))
            }
            Outcome::Skipped(reason) => println!("  {name:<16} skipped  ({reason})"),
            Outcome::Failed(elapsed) => println!("  {name:<16} FAILED   {elapsed:>10}"),
        }
    }
    println!(
        "  {:<16} {:>19}  (budget {})",
        "total",
        format_duration(total),
        format_duration(BUDGET)
    );
}
