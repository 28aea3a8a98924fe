//! `cargo xtask fuzz`: builds every fuzz directory (`<crate>/fuzz/` with a
//! Cargo.toml) with `cargo fuzz build`; `--run SECONDS` then runs each of
//! its targets for that long. Not part of `ci`: fuzzing needs cargo-fuzz and
//! sanitizer flags, which the stable toolchain allows only with
//! `RUSTC_BOOTSTRAP=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use crate::process;

#[derive(clap::Args)]
pub struct FuzzArgs {
    /// Also run every target for this many seconds after building.
    #[arg(long, value_name = "SECONDS")]
    run: Option<u64>,
    /// Only the fuzz directory of this crate, e.g. `resp-codec`.
    #[arg(long = "crate", value_name = "NAME")]
    crate_name: Option<String>,
}

pub fn run(args: &FuzzArgs) -> anyhow::Result<()> {
    if !process::cargo_has_subcommand("fuzz") {
        bail!("cargo-fuzz is not installed; install it with `cargo install cargo-fuzz`");
    }
    let mut fuzz_dirs = fuzz_dirs(&process::workspace_root())?;
    if let Some(wanted) = &args.crate_name {
        fuzz_dirs.retain(|dir| dir.parent().and_then(Path::file_name) == Some(wanted.as_ref()));
    }
    if fuzz_dirs.is_empty() {
        bail!("no fuzz directories found (expected <crate>/fuzz/Cargo.toml)");
    }
    for fuzz_dir in &fuzz_dirs {
        let crate_dir = fuzz_dir.parent().unwrap_or(fuzz_dir);
        let crate_name = crate_dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let step = format!("fuzz build {crate_name}");
        process::run_step(&step, &mut fuzz_command(crate_dir, &["build"]))?;
        if let Some(seconds) = args.run {
            for target in fuzz_targets(crate_dir)? {
                let step = format!("fuzz run {crate_name}/{target}");
                let max_time = format!("-max_total_time={seconds}");
                let mut command = fuzz_command(crate_dir, &["run", &target, "--", &max_time]);
                process::run_step(&step, &mut command)?;
            }
        }
    }
    Ok(())
}

/// `cargo fuzz ARGS` in `crate_dir`, which holds the `fuzz/` directory.
fn fuzz_command(crate_dir: &Path, args: &[&str]) -> Command {
    let mut command = process::cargo();
    command
        .arg("fuzz")
        .args(args)
        .current_dir(crate_dir)
        .env("RUSTC_BOOTSTRAP", "1");
    command
}

fn fuzz_targets(crate_dir: &Path) -> anyhow::Result<Vec<String>> {
    let output = fuzz_command(crate_dir, &["list"])
        .output()
        .context("running cargo fuzz list")?;
    if !output.status.success() {
        bail!(
            "cargo fuzz list failed in {}: {}",
            crate_dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Every `<root>/<crate>/fuzz` that has a Cargo.toml, sorted.
fn fuzz_dirs(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root).context("listing the workspace root")? {
        let fuzz_dir = entry?.path().join("fuzz");
        if fuzz_dir.join("Cargo.toml").is_file() {
            dirs.push(fuzz_dir);
        }
    }
    dirs.sort();
    Ok(dirs)
}
