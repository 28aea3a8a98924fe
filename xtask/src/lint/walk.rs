//! Which files the lint reads: every `.rs` file of the linted crates (not
//! xtask, whose fixtures break the rules on purpose), skipping build output.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// The crates whose source the lint checks.
pub const LINTED_CRATES: &[&str] = &["resp-codec", "kv-engine", "persistence", "server", "cli"];

/// Directories under a crate whose files are all test code.
const TEST_DIRS: &[&str] = &["tests", "benches", "examples", "fuzz"];

/// Directories never read: build output and fuzzing state.
const SKIPPED_DIRS: &[&str] = &["target", "corpus", "artifacts"];

/// How deep a crate's directory tree is searched.
const DEPTH_MAX: usize = 16;

pub struct SourceFile {
    pub path: PathBuf,
    pub crate_name: String,
    pub is_test_file: bool,
}

impl SourceFile {
    pub fn shown_path(&self, root: &Path) -> String {
        self.path
            .strip_prefix(root)
            .unwrap_or(&self.path)
            .display()
            .to_string()
    }
}

pub fn linted_files(root: &Path) -> anyhow::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for crate_name in LINTED_CRATES {
        let crate_dir = root.join(crate_name);
        if crate_dir.is_dir() {
            collect_rs_files(&crate_dir, 0, &mut files)?;
        }
    }
    files.sort();
    Ok(files.into_iter().map(|path| describe(root, path)).collect())
}

/// The `.rs` files at or under `paths`, given relative to the workspace root
/// or the current directory.
pub fn files_under(root: &Path, paths: &[PathBuf]) -> anyhow::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for path in paths {
        let path = std::fs::canonicalize(path)
            .or_else(|_| std::fs::canonicalize(root.join(path)))
            .with_context(|| format!("no such file or directory: {}", path.display()))?;
        if path.is_dir() {
            collect_rs_files(&path, 0, &mut files)?;
        } else {
            files.push(path);
        }
    }
    files.sort();
    Ok(files.into_iter().map(|path| describe(root, path)).collect())
}

fn collect_rs_files(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if depth > DEPTH_MAX {
        bail!("{} is nested deeper than {DEPTH_MAX} levels", dir.display());
    }
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name) {
                collect_rs_files(&path, depth + 1, files)?;
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// Crate name and test-ness from the path relative to the workspace root.
fn describe(root: &Path, path: PathBuf) -> SourceFile {
    let relative: Vec<String> = path
        .strip_prefix(root)
        .unwrap_or(&path)
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    let crate_name = relative.first().cloned().unwrap_or_default();
    let inside_crate = relative.iter().skip(1);
    let is_test_file = inside_crate
        .take(relative.len().saturating_sub(2))
        .any(|dir| TEST_DIRS.contains(&dir.as_str()));
    SourceFile {
        path,
        crate_name,
        is_test_file,
    }
}
