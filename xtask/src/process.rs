//! Running child processes: the workspace root, `cargo`, and a timed,
//! named run that turns a non-zero exit into an error naming the step.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// The workspace root: xtask lives one level below it.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir.to_path_buf())
}

/// Where cargo puts build output: `$CARGO_TARGET_DIR` or `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        None => workspace_root().join("target"),
    }
}

/// A `cargo` command (the one that runs us, when known) in the workspace root.
pub fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(workspace_root());
    command
}

/// True when `cargo <subcommand> --version` runs, e.g. `nextest` or `fuzz`.
pub fn cargo_has_subcommand(subcommand: &str) -> bool {
    cargo()
        .args([subcommand, "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// True when `program` can be started at all (it is on PATH).
pub fn program_exists(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

/// Runs `command` with inherited stdio, printing what runs and how long it
/// took; a failure names `step`.
pub fn run_step(step: &str, command: &mut Command) -> anyhow::Result<Duration> {
    println!("==> [{step}] {}", describe(command));
    let started = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("step `{step}`: could not start `{}`", describe(command)))?;
    let elapsed = started.elapsed();
    if !status.success() {
        bail!(
            "step `{step}` failed ({status}) after {}",
            format_duration(elapsed)
        );
    }
    println!("<== [{step}] ok in {}", format_duration(elapsed));
    Ok(elapsed)
}

/// The command line as a person would type it, with env overrides first.
pub fn describe(command: &Command) -> String {
    let mut words: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| {
            let value = value?;
            Some(format!(
                "{}={}",
                key.to_string_lossy(),
                value.to_string_lossy()
            ))
        })
        .collect();
    // `cargo` rather than the toolchain path in $CARGO, as a person types it.
    let program = Path::new(command.get_program());
    if program.file_name().is_some_and(|name| name == "cargo") {
        words.push("cargo".into());
    } else {
        words.push(program.to_string_lossy().into_owned());
    }
    words.extend(command.get_args().map(|arg| {
        let arg = arg.to_string_lossy();
        if arg.is_empty() || arg.contains(' ') {
            format!("'{arg}'")
        } else {
            arg.into_owned()
        }
    }));
    words.join(" ")
}

/// `1m 02.3s` or `4.5s`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 60.0 {
        let minutes = (seconds / 60.0).floor();
        format!("{minutes:.0}m {:04.1}s", seconds - minutes * 60.0)
    } else {
        format!("{seconds:.1}s")
    }
}
