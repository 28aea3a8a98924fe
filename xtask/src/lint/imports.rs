//! What the `use` items of one file bring into scope, so that `mpsc::channel`
//! after `use tokio::sync::mpsc;` resolves to `tokio::sync::mpsc::channel`.
//!
//! Scoping is ignored: every `use` anywhere in the file counts for the whole
//! file. When one name is imported twice (in different modules), both
//! targets are candidates. That is approximate but errs towards reporting.

use std::collections::HashMap;

use syn::visit::Visit;

/// One name a `use` item imports, with the line it is written on.
#[derive(Clone, Debug)]
pub struct UseLeaf {
    pub full_path: Vec<String>,
    pub line: usize,
}

/// A path after alias expansion.
#[derive(Debug)]
pub struct Resolved {
    pub path: Vec<String>,
    /// What the first segment was imported as, when it was imported: a
    /// rule that forbids that import reported it at the `use` already.
    pub imported_as: Option<Vec<String>>,
}

#[derive(Default, Debug)]
pub struct Imports {
    aliases: HashMap<String, Vec<Vec<String>>>,
    globs: Vec<Vec<String>>,
}

/// First segments that name a crate, never a glob-imported item.
const CRATE_ROOTS: &[&str] = &[
    "std",
    "core",
    "alloc",
    "tokio",
    "crossbeam_channel",
    "crossbeam",
    "futures",
    "flume",
    "crate",
    "self",
    "super",
    "Self",
];

impl Imports {
    pub fn of_file(file: &syn::File) -> Imports {
        let mut collector = Collector::default();
        collector.visit_file(file);
        collector.imports
    }

    /// Every reading of `segments` the file's imports allow.
    pub fn resolve(&self, segments: &[String]) -> Vec<Resolved> {
        let Some((first, rest)) = segments.split_first() else {
            return Vec::new();
        };
        if let Some(targets) = self.aliases.get(first) {
            return targets
                .iter()
                .map(|target| Resolved {
                    path: target.iter().chain(rest).cloned().collect(),
                    imported_as: Some(target.clone()),
                })
                .collect();
        }
        let mut readings = vec![Resolved {
            path: segments.to_vec(),
            imported_as: None,
        }];
        if !CRATE_ROOTS.contains(&first.as_str()) {
            readings.extend(self.globs.iter().map(|glob| Resolved {
                path: glob.iter().chain(segments).cloned().collect(),
                imported_as: None,
            }));
        }
        readings
    }
}

/// Flattens a `use` tree into the names it imports, calling `leaf` for each
/// named import and `glob` for each `*`.
pub fn flatten_use_tree(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    leaf: &mut dyn FnMut(String, UseLeaf),
    glob: &mut dyn FnMut(Vec<String>),
) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten_use_tree(&path.tree, prefix, leaf, glob);
            prefix.pop();
        }
        syn::UseTree::Name(name) => {
            let (alias, full_path) = named_import(prefix, &name.ident);
            leaf(alias, use_leaf(full_path, &name.ident));
        }
        syn::UseTree::Rename(rename) => {
            let (_, full_path) = named_import(prefix, &rename.ident);
            leaf(
                rename.rename.to_string(),
                use_leaf(full_path, &rename.ident),
            );
        }
        syn::UseTree::Glob(_) => glob(prefix.clone()),
        syn::UseTree::Group(group) => {
            for item in &group.items {
                flatten_use_tree(item, prefix, leaf, glob);
            }
        }
    }
}

/// `(alias, full path)` for `prefix::ident`, where `ident` may be `self`.
fn named_import(prefix: &[String], ident: &syn::Ident) -> (String, Vec<String>) {
    if ident == "self" {
        let alias = prefix.last().cloned().unwrap_or_default();
        (alias, prefix.to_vec())
    } else {
        let mut full_path = prefix.to_vec();
        full_path.push(ident.to_string());
        (ident.to_string(), full_path)
    }
}

fn use_leaf(full_path: Vec<String>, ident: &syn::Ident) -> UseLeaf {
    UseLeaf {
        full_path,
        line: ident.span().start().line,
    }
}

#[derive(Default)]
struct Collector {
    imports: Imports,
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let aliases = &mut self.imports.aliases;
        let globs = &mut self.imports.globs;
        flatten_use_tree(
            &item.tree,
            &mut Vec::new(),
            &mut |alias, leaf| {
                if alias != "_" {
                    aliases.entry(alias).or_default().push(leaf.full_path);
                }
            },
            &mut |prefix| globs.push(prefix),
        );
    }
}
