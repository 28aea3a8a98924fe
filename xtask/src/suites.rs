//! The seeded suites: `cargo xtask diff` (differential, kv-engine against a
//! real redis-server) and `cargo xtask dst` (deterministic simulation of the
//! server under faults).
//!
//! Each suite is an ordinary integration test target run in release mode;
//! the test reads its seeds from an environment variable (`DIFF_SEEDS`,
//! `DST_SEED`, `DST_SEEDS`). `CI=true` is inherited, and the tests use it to
//! fail rather than skip when redis-server is missing.

use std::process::Command;
use std::time::Duration;

use anyhow::bail;

use crate::process;

/// One seeded integration test target.
pub struct Suite {
    pub name: &'static str,
    pub package: &'static str,
    pub test_target: &'static str,
}

pub const DIFFERENTIAL: Suite = Suite {
    name: "differential",
    package: "kv-engine",
    test_target: "differential",
};

pub const DST: Suite = Suite {
    name: "dst",
    package: "server",
    test_target: "dst",
};

#[derive(clap::Args)]
pub struct DiffArgs {
    /// How many random command streams to compare (sets DIFF_SEEDS).
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
    let env = [("DIFF_SEEDS", args.seeds.to_string())];
    run_suite(&DIFFERENTIAL, &env, &args.test_args).map(|_| ())
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

    /// `cargo test --release -p PACKAGE --test TARGET [-- ARGS]` with `env`.
    pub fn command(&self, env: &[(&str, String)], test_args: &[String]) -> Command {
        let mut command = process::cargo();
        command.args([
            "test",
            "--release",
            "-p",
            self.package,
            "--test",
            self.test_target,
        ]);
        if !test_args.is_empty() {
            command.arg("--").args(test_args);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        // The suites are built in release for speed of execution, but fat LTO
        // with one codegen unit would cost minutes of CI's 2 cores per build
        // and changes no behaviour; the benchmarks keep the real profile.
        command.env("CARGO_PROFILE_RELEASE_LTO", "off");
        command.env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
        command
    }

    fn missing_message(&self) -> String {
        format!(
            "the {} suite does not exist yet: package `{}` has no test target `{}` \
             (expected {}/tests/{}.rs)",
            self.name, self.package, self.test_target, self.package, self.test_target
        )
    }
}

/// Runs `suite`, failing clearly when its test target is not there.
pub fn run_suite(
    suite: &Suite,
    env: &[(&str, String)],
    test_args: &[String],
) -> anyhow::Result<Duration> {
    if !suite.exists() {
        bail!("{}", suite.missing_message());
    }
    process::run_step(suite.name, &mut suite.command(env, test_args))
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
            line.ends_with("cargo test --release -p server --test dst -- crash"),
            "{line}"
        );
    }

    #[test]
    fn a_missing_suite_is_an_error_that_names_the_file() {
        let missing = Suite {
            name: "ghost",
            package: "server",
            test_target: "no_such_suite",
        };
        assert!(!missing.exists());
        let error = run_suite(&missing, &[], &[]).expect_err("must fail");
        assert!(error.to_string().contains("server/tests/no_such_suite.rs"));
    }
}
