//! Files that are test code because of how they are declared: the file
//! behind `#[cfg(test)] mod tests;` (and every module file below a test
//! module) is as exempt as an inline `#[cfg(test)] mod tests { .. }`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The files declared, directly or through other test modules, as test
/// modules by `files` (each a path and its parsed syntax tree).
pub fn test_module_files(files: &[(PathBuf, &syn::File)]) -> HashSet<PathBuf> {
    let mut test_files = HashSet::new();
    // Each pass adds the children of the files known to be test modules; a
    // chain of modules is at most as long as the number of files.
    for _ in 0..=files.len() {
        let n_before = test_files.len();
        for (path, file) in files {
            let parent_is_test = test_files.contains(path);
            for (name, is_test) in out_of_line_modules(file) {
                if is_test || parent_is_test {
                    test_files.extend(module_file_candidates(path, &name));
                }
            }
        }
        if test_files.len() == n_before {
            break;
        }
    }
    test_files
}

/// `(name, declared as test)` for each top-level `mod name;` of a file.
fn out_of_line_modules(file: &syn::File) -> Vec<(String, bool)> {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(module) if module.content.is_none() => Some((
                module.ident.to_string(),
                super::visitor::is_test_code(&module.attrs),
            )),
            _ => None,
        })
        .collect()
}

/// Where `mod name;` in `parent` may live: `name.rs` or `name/mod.rs`, next
/// to a crate root or `mod.rs`, else in the directory named after `parent`.
fn module_file_candidates(parent: &Path, name: &str) -> [PathBuf; 2] {
    let dir = parent.parent().unwrap_or(Path::new(""));
    let stem = parent.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let base = if matches!(stem, "lib" | "main" | "mod") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    [
        base.join(format!("{name}.rs")),
        base.join(name).join("mod.rs"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> syn::File {
        syn::parse_file(source).expect("parses")
    }

    #[test]
    fn cfg_test_modules_and_their_children_are_test_files() {
        let lib = parse("mod engine; #[cfg(test)] mod tests; #[cfg(test)] mod support;");
        let support = parse("mod fixtures;");
        let engine = parse("mod keys;");
        let files = [
            (PathBuf::from("server/src/lib.rs"), &lib),
            (PathBuf::from("server/src/support/mod.rs"), &support),
            (PathBuf::from("server/src/engine.rs"), &engine),
        ];
        let test_files = test_module_files(&files);
        assert!(test_files.contains(Path::new("server/src/tests.rs")));
        assert!(test_files.contains(Path::new("server/src/support/mod.rs")));
        assert!(test_files.contains(Path::new("server/src/support/fixtures.rs")));
        assert!(!test_files.contains(Path::new("server/src/engine.rs")));
        assert!(!test_files.contains(Path::new("server/src/engine/keys.rs")));
    }
}
