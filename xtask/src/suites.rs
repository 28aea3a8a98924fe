//! The seeded suites: `cargo xtask diff` (differential: kv-engine against a
//! real redis-server) and `cargo xtask dst` (deterministic simulation of the
//! server under faults).
//!
//! Each suite is an ordinary integration test target; the test reads how
//! many seeds to run from an environment variable (`DIFF_SEEDS`,
//! `REDIS_DIFF_SEQUENCES`, `DST_SEEDS`; `DST_SEED` replays one). A suite
//! that compares against redis-server and does not start one itself gets a
//! fresh one from xtask, its port in the variable the test reads, stopped
//! afterwards by a Drop guard. `CI=true` is inherited: under it, tests that
//! need redis-server fail rather than skip.

use std::process::Command;
use std::time::Duration;

use anyhow::bail;

use crate::bench::server::{RunningServer, ScratchDir, Side};
use crate::process;

/// One seeded integration test target.
pub struct Suite {
    pub name: &'static str,
    pub package: &'static str,
    pub test_target: &'static str,
    /// The variable the test reads its number of seeds from.
    pub seeds_variable: &'static str,
    /// When set, xtask starts a redis-server and passes its port here.
    pub redis_port_variable: Option<&'static str>,
    /// Built with `--release` (long seed loops) or in the test profile
    /// (reusing what the tests step already built).
    pub release: bool,
}

/// The differential suite over all command families (it starts its own
/// redis-server).
pub const DIFFERENTIAL: Suite = Suite {
    name: "differential",
    package: "kv-engine",
    test_target: "differential",
    seeds_variable: "DIFF_SEEDS",
    redis_port_variable: None,
    release: true,
};

/// kv-engine's collection commands against a live redis-server; the test
/// needs the server's port and skips without one.
pub const COLLECTIONS_DIFF: Suite = Suite {
    name: "collections-diff",
    package: "kv-engine",
    test_target: "collections_diff",
    seeds_variable: "REDIS_DIFF_SEQUENCES",
    redis_port_variable: Some("REDIS_DIFF_PORT"),
    release: false,
};

pub const DST: Suite = Suite {
    name: "dst",
    package: "server",
    test_target: "dst",
    seeds_variable: "DST_SEEDS",
    redis_port_variable: None,
    release: true,
};

/// The simulation as `cargo xtask ci` runs it: in the test profile, whose
/// build the tests step just made (a release build of the server would
/// cost CI's 2 cores more minutes than the seeds), with debug assertions.
pub const DST_CI: Suite = Suite {
    release: false,
    ..DST
};

/// The variables through which tests receive a redis-server's port; the
/// tests step of `cargo xtask ci` sets each to a server it starts.
pub const REDIS_PORT_VARIABLES: [&str; 1] = ["REDIS_DIFF_PORT"];

/// What `cargo xtask diff` runs: every differential suite that exists.
const DIFFERENTIAL_SUITES: [&Suite; 2] = [&DIFFERENTIAL, &COLLECTIONS_DIFF];

#[derive(clap::Args)]
pub struct DiffArgs {
    /// How many random command streams to compare (the suite's seeds variable).
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// Extra arguments for the test binary (after `--`), e.g. a test name.
    #[arg(last = true)]
    test_args: Vec<String>,
}

#[derive(clap::Args)]
pub struct DstArgs {
    /// Replay exactly this seed (sets DST_SEED), e.g. one a failure printed.
    #[arg(long, conflicts_with = "seeds")]
    seed: Option<u64>,
    /// Run this many seeds (sets DST_SEEDS).
    #[arg(long)]
    seeds: Option<u64>,
    /// Extra arguments for the test binary (after `--`), e.g. a test name.
    #[arg(last = true)]
    test_args: Vec<String>,
}

pub fn run_diff(args: &DiffArgs) -> anyhow::Result<()> {
    let present: Vec<&Suite> = DIFFERENTIAL_SUITES
        .into_iter()
        .filter(|suite| suite.exists())
        .collect();
    for suite in DIFFERENTIAL_SUITES {
        if !suite.exists() {
            println!("diff: note: {}", suite.missing_message());
        }
    }
    if present.is_empty() {
        bail!("no differential suite exists yet");
    }
    for suite in present {
        let env = [(suite.seeds_variable, args.seeds.to_string())];
        run_suite(suite, &env, &args.test_args)?;
    }
    Ok(())
}

pub fn run_dst(args: &DstArgs) -> anyhow::Result<()> {
    let env = match (args.seed, args.seeds) {
        (Some(seed), _) => [("DST_SEED", seed.to_string())],
        (None, Some(seeds)) => [("DST_SEEDS", seeds.to_string())],
        (None, None) => [("DST_SEEDS", "100".to_string())],
    };
    run_suite(&DST, &env, &args.test_args).map(|_| ())
}

impl Suite {
    /// True when the package declares this test target (a `tests/NAME.rs`,
    /// `tests/NAME/main.rs`, or a `[[test]]` named NAME in its manifest).
    pub fn exists(&self) -> bool {
        let package_dir = process::workspace_root().join(self.package);
        let tests_dir = package_dir.join("tests");
        if tests_dir.join(format!("{}.rs", self.test_target)).is_file()
            || tests_dir.join(self.test_target).join("main.rs").is_file()
        {
            return true;
        }
        let manifest = std::fs::read_to_string(package_dir.join("Cargo.toml")).unwrap_or_default();
        let declared_name = format!("name = \"{}\"", self.test_target);
        manifest.contains("[[test]]") && manifest.contains(&declared_name)
    }

    /// `cargo test [--release] --workspace --test TARGET [-- ARGS]` with `env`.
    pub fn command(&self, env: &[(&str, String)], test_args: &[String]) -> Command {
        let mut command = process::cargo();
        command.arg("test");
        if self.release {
            command.arg("--release");
            // Release for speed of execution, but fat LTO with one codegen
            // unit would cost minutes of CI's 2 cores per build and changes
            // no behaviour; the benchmarks keep the real profile.
            command.env("CARGO_PROFILE_RELEASE_LTO", "off");
            command.env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
        }
        // `--workspace` rather than `-p PACKAGE` (test target names are
        // unique): the same feature set as the tests step, so its build is
        // reused instead of recompiling dependencies with other features.
        command.args(["--workspace", "--test", self.test_target]);
        if !test_args.is_empty() {
            command.arg("--").args(test_args);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    pub fn missing_message(&self) -> String {
        format!(
            "the {} suite does not exist yet: package `{}` has no test target `{}` \
             (expected {}/tests/{}.rs)",
            self.name, self.package, self.test_target, self.package, self.test_target
        )
    }
}

/// Runs `suite`, failing clearly when its test target is not there; starts
/// the redis-server it needs, if any, and stops it afterwards.
pub fn run_suite(
    suite: &Suite,
    env: &[(&str, String)],
    test_args: &[String],
) -> anyhow::Result<Duration> {
    if !suite.exists() {
        bail!("{}", suite.missing_message());
    }
    let Some(port_variable) = suite.redis_port_variable else {
        return process::run_step(suite.name, &mut suite.command(env, test_args));
    };
    let scratch = ScratchDir::new()?;
    let redis = RunningServer::start(&Side::redis("redis"), &scratch.path)?;
    let mut env = env.to_vec();
    env.push((port_variable, redis.port.to_string()));
    process::run_step(suite.name, &mut suite.command(&env, test_args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_runs_its_release_test_target_with_the_seed_variable() {
        let command = DST.command(&[("DST_SEED", "7".to_string())], &["crash".to_string()]);
        let line = process::describe(&command);
        assert!(line.contains("DST_SEED=7"), "{line}");
        assert!(
            line.ends_with("cargo test --release --workspace --test dst -- crash"),
            "{line}"
        );
    }

    #[test]
    fn a_missing_suite_is_an_error_that_names_the_file() {
        let missing = Suite {
            name: "ghost",
            test_target: "no_such_suite",
            ..DST
        };
        assert!(!missing.exists());
        let error = run_suite(&missing, &[], &[]).expect_err("must fail");
        assert!(error.to_string().contains("server/tests/no_such_suite.rs"));
    }
}
