//! `cargo xtask lint`: the machine-checkable part of the cancel-safety
//! checklist (`shared/seeds/cancel-safety.md`), checked on Rust parsed with
//! syn, so comments and string literals never count.
//!
//! Rules (names are stable; they appear as `file:line: [rule] explanation`):
//! - `no-abort`: a `.abort()` call on anything (JoinHandle, AbortHandle, ..)
//!   or `JoinHandle::abort(..)`. Shutdown is a CancellationToken, then join.
//! - `bounded-channels`: tokio's `unbounded_channel`/`UnboundedSender`/
//!   `UnboundedReceiver`, `crossbeam_channel::unbounded`, std's
//!   `mpsc::channel` and `mpsc::Sender` (`sync_channel` is fine). `use`
//!   aliases in the file are resolved (`use tokio::sync::mpsc;` then
//!   `mpsc::unbounded_channel()`); importing a forbidden item by name is
//!   reported once, at the `use`.
//! - `no-tokio-mutex`: `tokio::sync::Mutex`/`RwLock` (and their guards) in
//!   the `server` and `persistence` crates, by path or by `use`.
//! - `tracked-spawn`: `tokio::spawn`, `tokio::task::spawn{,_blocking,_local}`
//!   or `std::thread::spawn` whose JoinHandle is discarded: an expression
//!   statement, `let _ = ..`, `let _name = ..` or `drop(..)`. A
//!   `tracker.spawn(..)` (method call) is how tasks should start.
//! - `engine-purity`: in `kv-engine`, no tokio, file/network I/O, processes,
//!   environment, threads, wall-clock time (`Instant`, `SystemTime`) or
//!   unseeded randomness (DESIGN.md invariant 1: time and randomness enter
//!   only through the injected clock and seeded sources).
//!
//! Test code is exempt from every rule: files under a crate's `tests/`,
//! `benches/`, `examples/` or `fuzz/`, items under `#[cfg(test)]`,
//! `#[test]` or `#[tokio::test]`, and the files of `#[cfg(test)] mod x;`
//! (`test_modules.rs`). The rules guard production behaviour
//! (a task cut mid-command, memory without bound, a lock across an await);
//! tests legitimately detach helpers or share a tokio Mutex between test
//! tasks, and DST needs to cut tasks on purpose. A rule's scope is one line
//! in `rules.rs` (`applies_in_tests`, `crates`) if that choice changes.
//!
//! Escape hatch, greppable: `// lint: allow(rule-name) because <reason>` on
//! the line before (see `escapes.rs`). Escapes used are listed in the
//! summary; one without a reason suppresses nothing.
//!
//! Code inside macro calls is read where it parses (see `macros.rs`).

mod escapes;
mod imports;
mod macros;
mod rules;
mod test_modules;
#[cfg(test)]
mod tests;
mod visitor;
mod walk;

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context};

use escapes::{Escapes, Lookup};
use imports::Imports;
pub use rules::Rule;

#[derive(clap::Args, Default)]
pub struct LintArgs {
    /// Files or directories to check instead of every linted crate.
    paths: Vec<PathBuf>,
}

/// Where a file sits, which decides which rules apply to it.
pub struct FileContext<'a> {
    /// The workspace crate the file belongs to, e.g. `server`.
    pub crate_name: &'a str,
    /// The whole file is test code (under `tests/`, `benches/`, ..).
    pub is_test_file: bool,
}

/// A rule break that no escape covers.
#[derive(Debug, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub rule: Rule,
    pub explanation: String,
}

/// An escape comment that suppressed a finding.
#[derive(Debug)]
pub struct UsedEscape {
    pub line: usize,
    pub rule: Rule,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct FileReport {
    pub findings: Vec<Finding>,
    pub escapes_used: Vec<UsedEscape>,
    /// `(line, text)` of escape comments that matched no finding.
    pub escapes_unused: Vec<(usize, String)>,
}

/// Lints one file's source (the fixture tests' entry point).
#[cfg(test)]
pub fn lint_source(source: &str, context: &FileContext) -> syn::Result<FileReport> {
    let file = syn::parse_file(source)?;
    Ok(lint_parsed(&file, source, context))
}

/// Lints one file already parsed from `source`.
fn lint_parsed(file: &syn::File, source: &str, context: &FileContext) -> FileReport {
    let imports = Imports::of_file(file);
    let escapes = Escapes::of_source(source);
    let mut report = FileReport::default();
    let mut escape_lines_used = Vec::new();
    for candidate in visitor::candidates(file, &imports, context.is_test_file) {
        let rule = candidate.rule;
        let exempt_as_test = candidate.in_test && !rule.applies_in_tests();
        let out_of_crate_scope = rule
            .crates()
            .is_some_and(|crates| !crates.contains(&context.crate_name));
        if exempt_as_test || out_of_crate_scope {
            continue;
        }
        match escapes.lookup(rule.name(), candidate.line, candidate.anchor_line) {
            Lookup::Allowed(escape) => {
                escape_lines_used.push(escape.line);
                report.escapes_used.push(UsedEscape {
                    line: escape.line,
                    rule,
                    reason: escape.reason.clone().unwrap_or_default(),
                });
            }
            Lookup::MissingReason(escape) => {
                escape_lines_used.push(escape.line);
                report.findings.push(Finding {
                    line: candidate.line,
                    rule,
                    explanation: format!(
                        "{} (the escape on line {} needs `because <reason>`)",
                        candidate.explanation, escape.line
                    ),
                });
            }
            Lookup::None => report.findings.push(Finding {
                line: candidate.line,
                rule,
                explanation: candidate.explanation,
            }),
        }
    }
    for escape in escapes.all() {
        if !escape_lines_used.contains(&escape.line) {
            let names = escape.rule_names.join(", ");
            let known = escape
                .rule_names
                .iter()
                .all(|name| Rule::from_name(name).is_some());
            let text = if known {
                format!("escape for [{names}] matches no finding")
            } else {
                format!("escape names an unknown rule: [{names}]")
            };
            report.escapes_unused.push((escape.line, text));
        }
    }
    report
}

pub fn run(args: &LintArgs) -> anyhow::Result<()> {
    let root = crate::process::workspace_root();
    let files = if args.paths.is_empty() {
        walk::linted_files(&root)?
    } else {
        walk::files_under(&root, &args.paths)?
    };
    let mut n_findings = 0usize;
    let mut sources = Vec::with_capacity(files.len());
    for file in &files {
        let source = std::fs::read_to_string(&file.path)
            .with_context(|| format!("reading {}", file.path.display()))?;
        let parsed = syn::parse_file(&source);
        sources.push((source, parsed));
    }
    let parsed_files: Vec<(PathBuf, &syn::File)> = files
        .iter()
        .zip(&sources)
        .filter_map(|(file, (_, parsed))| Some((file.path.clone(), parsed.as_ref().ok()?)))
        .collect();
    let test_modules = test_modules::test_module_files(&parsed_files);
    let mut escapes_summary = String::new();
    let mut warnings = String::new();
    for (file, (source, parsed)) in files.iter().zip(&sources) {
        let shown = file.shown_path(&root);
        let context = FileContext {
            crate_name: &file.crate_name,
            is_test_file: file.is_test_file || test_modules.contains(&file.path),
        };
        let report = match parsed {
            Ok(parsed) => lint_parsed(parsed, source, &context),
            Err(error) => {
                let line = error.span().start().line;
                println!("{shown}:{line}: [parse-error] {error}");
                n_findings += 1;
                continue;
            }
        };
        for finding in &report.findings {
            println!(
                "{shown}:{}: [{}] {}",
                finding.line,
                finding.rule.name(),
                finding.explanation
            );
        }
        n_findings += report.findings.len();
        for escape in &report.escapes_used {
            let _ = writeln!(
                escapes_summary,
                "  {shown}:{}: [{}] allowed because {}",
                escape.line,
                escape.rule.name(),
                escape.reason
            );
        }
        for (line, text) in &report.escapes_unused {
            let _ = writeln!(warnings, "lint: warning: {shown}:{line}: {text}");
        }
    }
    print!("{warnings}");
    let n_escapes = escapes_summary.lines().count();
    println!(
        "lint: {} files checked, {n_findings} findings, {n_escapes} escapes",
        files.len()
    );
    print!("{escapes_summary}");
    if n_findings > 0 {
        bail!("lint found {n_findings} rule breaks (see above)");
    }
    Ok(())
}
