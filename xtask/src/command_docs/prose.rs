//! The prose the data files already hold, read back from their Rust
//! source: summaries, key spec notes, complexities, `replaced_by` and
//! history descriptions, by command (and position). Rewriting a file keeps
//! these, so our own words survive a new recording and Redis's never
//! enter.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::Context;
use syn::visit::Visit;
use syn::{Expr, ExprStruct, Lit, Member};

/// Our words from the files, and which commands they document.
#[derive(Default)]
pub struct Prose {
    /// Every command and subcommand documented, by full name.
    pub documented: BTreeSet<String>,
    pub summaries: HashMap<String, String>,
    pub complexities: HashMap<String, String>,
    pub replaced_by: HashMap<String, String>,
    /// (command, position) to (version, description).
    pub history: HashMap<(String, usize), (String, String)>,
    /// (command, key spec index) to notes.
    pub notes: HashMap<(String, usize), String>,
}

/// Reads every group file in `dir` (all `.rs` files but `mod.rs`).
pub fn read(dir: &Path) -> anyhow::Result<Prose> {
    let mut prose = Prose::default();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| !p.ends_with("mod.rs"))
        .collect();
    paths.sort();
    for path in paths {
        let source = std::fs::read_to_string(&path)?;
        let file =
            syn::parse_file(&source).with_context(|| format!("parsing {}", path.display()))?;
        prose.visit_file(&file);
    }
    Ok(prose)
}

impl<'ast> Visit<'ast> for Prose {
    fn visit_expr_struct(&mut self, node: &'ast ExprStruct) {
        if node
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "CommandMeta")
        {
            self.command_meta(node);
        }
        syn::visit::visit_expr_struct(self, node);
    }
}

impl Prose {
    fn command_meta(&mut self, node: &ExprStruct) {
        let field = |name: &str| {
            node.fields.iter().find_map(|f| match &f.member {
                Member::Named(ident) if ident == name => Some(&f.expr),
                _ => None,
            })
        };
        let Some(name) = field("name").and_then(lit_str) else {
            return;
        };
        self.documented.insert(name.clone());
        if let Some(summary) = field("summary").and_then(lit_str) {
            self.summaries.insert(name.clone(), summary);
        }
        if let Some(text) = field("complexity").and_then(some_str) {
            self.complexities.insert(name.clone(), text);
        }
        if let Some(text) = field("replaced_by").and_then(some_str) {
            self.replaced_by.insert(name.clone(), text);
        }
        let elements_of = |name: &str| field(name).map(elements).unwrap_or_default();
        for (i, entry) in elements_of("history").iter().enumerate() {
            if let Expr::Tuple(tuple) = entry {
                let texts: Vec<String> = tuple.elems.iter().filter_map(lit_str).collect();
                if let [version, change] = &texts[..] {
                    self.history
                        .insert((name.clone(), i), (version.clone(), change.clone()));
                }
            }
        }
        for (i, spec) in elements_of("key_specs").iter().enumerate() {
            if let Expr::MethodCall(call) = spec {
                if call.method == "notes" {
                    if let Some(notes) = call.args.first().and_then(lit_str) {
                        self.notes.insert((name.clone(), i), notes);
                    }
                }
            }
        }
    }
}

fn lit_str(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(text.value()),
        _ => None,
    }
}

/// The text of `Some("...")`.
fn some_str(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Call(call) if call.args.len() == 1 => lit_str(&call.args[0]),
        _ => None,
    }
}

/// The elements of `&[a, b, ...]`.
fn elements(expr: &Expr) -> Vec<Expr> {
    match expr {
        Expr::Reference(reference) => match &*reference.expr {
            Expr::Array(array) => array.elems.iter().cloned().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
