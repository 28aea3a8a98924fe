//! The syntax-tree walk that finds rule breaks in one parsed file.
//!
//! It records every candidate with whether it sits in test code and the
//! line its statement or item starts on (where an escape comment may sit);
//! `lint/mod.rs` then applies each rule's scope and the escapes.

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use super::imports::{flatten_use_tree, Imports};
use super::macros::{fragments_of, Fragment};
use super::rules::{self, Rule};

/// A rule break before scope and escapes are applied.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub line: usize,
    pub rule: Rule,
    pub explanation: String,
    /// First line of the enclosing statement or item.
    pub anchor_line: usize,
    pub in_test: bool,
}

pub fn candidates(file: &syn::File, imports: &Imports, file_is_test: bool) -> Vec<Candidate> {
    let mut walker = Walker {
        imports,
        test_depth: usize::from(file_is_test || is_test_code(&file.attrs)),
        anchor_line: 1,
        candidates: Vec::new(),
    };
    walker.visit_file(file);
    let mut candidates = walker.candidates;
    candidates.sort();
    candidates.dedup();
    candidates
}

struct Walker<'a> {
    imports: &'a Imports,
    /// Greater than zero inside `#[cfg(test)]`/`#[test]` items.
    test_depth: usize,
    anchor_line: usize,
    candidates: Vec<Candidate>,
}

impl Walker<'_> {
    fn report(&mut self, rule: Rule, line: usize, explanation: impl Into<String>) {
        self.candidates.push(Candidate {
            line,
            rule,
            explanation: explanation.into(),
            anchor_line: self.anchor_line,
            in_test: self.test_depth > 0,
        });
    }

    /// Walks an item-like node with its attributes deciding test-ness.
    fn within_item(&mut self, attrs: &[syn::Attribute], line: usize, walk: impl FnOnce(&mut Self)) {
        let is_test = is_test_code(attrs);
        let saved_anchor = std::mem::replace(&mut self.anchor_line, line);
        self.test_depth += usize::from(is_test);
        walk(self);
        self.test_depth -= usize::from(is_test);
        self.anchor_line = saved_anchor;
    }

    /// Reports `path` under every path rule that forbids it, unless the
    /// same rule forbids the import it goes through (reported at the `use`).
    fn check_forbidden_path(
        &mut self,
        path: &[String],
        imported_as: Option<&[String]>,
        line: usize,
    ) {
        for (rule, reason_for) in rules::PATH_RULES {
            let Some(reason) = reason_for(path) else {
                continue;
            };
            let import_reported = imported_as.is_some_and(|import| reason_for(import).is_some());
            if !import_reported {
                self.report(rule, line, reason);
            }
        }
    }

    fn is_spawn_call(&self, expr: &syn::Expr) -> bool {
        let syn::Expr::Call(call) = unparen(expr) else {
            return false;
        };
        let syn::Expr::Path(function) = unparen(&call.func) else {
            return false;
        };
        let segments = segments_of(&function.path);
        self.imports
            .resolve(&segments)
            .iter()
            .any(|resolved| rules::is_spawn_function(&resolved.path))
    }

    /// `spawn(..)` or `drop(spawn(..))` as a whole expression.
    fn discarded_spawn(&self, expr: &syn::Expr) -> bool {
        if self.is_spawn_call(expr) {
            return true;
        }
        let syn::Expr::Call(call) = unparen(expr) else {
            return false;
        };
        let is_drop = matches!(unparen(&call.func), syn::Expr::Path(function)
            if function.path.segments.last().is_some_and(|segment| segment.ident == "drop"));
        is_drop && call.args.len() == 1 && self.is_spawn_call(&call.args[0])
    }

    fn check_spawn_statement(&mut self, stmt: &syn::Stmt) {
        match stmt {
            syn::Stmt::Expr(expr, Some(_)) if self.discarded_spawn(expr) => {
                self.report(
                    Rule::TrackedSpawn,
                    line_of(expr),
                    "the JoinHandle of this spawn is dropped, detaching the task; \
                     spawn through a TaskTracker or keep and join the handle",
                );
            }
            syn::Stmt::Local(local) => {
                let Some(init) = &local.init else { return };
                if !self.is_spawn_call(&init.expr) {
                    return;
                }
                if let Some(binding) = discarding_pattern(&local.pat) {
                    self.report(
                        Rule::TrackedSpawn,
                        line_of(&init.expr),
                        format!(
                            "`let {binding} = spawn(..)` marks the JoinHandle as unused, \
                             detaching the task; spawn through a TaskTracker or join the handle"
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let line = line_of(item);
        self.within_item(item_attrs(item), line, |walker| {
            visit::visit_item(walker, item);
        });
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs: &[syn::Attribute] = match item {
            syn::ImplItem::Const(item) => &item.attrs,
            syn::ImplItem::Fn(item) => &item.attrs,
            syn::ImplItem::Type(item) => &item.attrs,
            syn::ImplItem::Macro(item) => &item.attrs,
            _ => &[],
        };
        let line = line_of(item);
        self.within_item(attrs, line, |walker| visit::visit_impl_item(walker, item));
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        let attrs: &[syn::Attribute] = match item {
            syn::TraitItem::Const(item) => &item.attrs,
            syn::TraitItem::Fn(item) => &item.attrs,
            syn::TraitItem::Type(item) => &item.attrs,
            syn::TraitItem::Macro(item) => &item.attrs,
            _ => &[],
        };
        let line = line_of(item);
        self.within_item(attrs, line, |walker| visit::visit_trait_item(walker, item));
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut leaves = Vec::new();
        flatten_use_tree(
            &item.tree,
            &mut Vec::new(),
            &mut |_, leaf| leaves.push(leaf),
            &mut |_| {},
        );
        for leaf in leaves {
            self.check_forbidden_path(&leaf.full_path, None, leaf.line);
        }
    }

    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        let saved_anchor = std::mem::replace(&mut self.anchor_line, line_of(stmt));
        self.check_spawn_statement(stmt);
        visit::visit_stmt(self, stmt);
        self.anchor_line = saved_anchor;
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "abort" && call.args.is_empty() {
            self.report(
                Rule::NoAbort,
                call.method.span().start().line,
                "abort() stops a task at any await, mid-command; cancel a \
                 CancellationToken and join the task instead",
            );
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(function) = unparen(&call.func) {
            let segments = segments_of(&function.path);
            let is_handle_abort = segments.len() >= 2
                && segments[segments.len() - 1] == "abort"
                && matches!(
                    segments[segments.len() - 2].as_str(),
                    "JoinHandle" | "AbortHandle"
                );
            if is_handle_abort {
                self.report(
                    Rule::NoAbort,
                    line_of(&call.func),
                    "abort() stops a task at any await, mid-command; cancel a \
                     CancellationToken and join the task instead",
                );
            }
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = segments_of(path);
        let line = line_of(path);
        for resolved in self.imports.resolve(&segments) {
            self.check_forbidden_path(&resolved.path, resolved.imported_as.as_deref(), line);
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        visit::visit_macro(self, mac);
        for fragment in fragments_of(mac.tokens.clone()) {
            match fragment {
                Fragment::Expr(expr) => self.visit_expr(&expr),
                Fragment::Stmts(stmts) => {
                    for stmt in &stmts {
                        self.visit_stmt(stmt);
                    }
                }
            }
        }
    }
}

/// `#[cfg(test)]`, `#[cfg(all(test, ..))]`, `#[test]` or `#[tokio::test]`.
pub fn is_test_code(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.is_ident("cfg") {
            return attr
                .parse_args::<syn::Meta>()
                .is_ok_and(|meta| cfg_requires_test(&meta));
        }
        path.segments
            .last()
            .is_some_and(|segment| segment.ident == "test")
    })
}

/// True when the cfg predicate can only hold in a test build.
fn cfg_requires_test(meta: &syn::Meta) -> bool {
    match meta {
        syn::Meta::Path(path) => path.is_ident("test"),
        syn::Meta::List(list) if list.path.is_ident("all") => list
            .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
            .is_ok_and(|predicates| predicates.iter().any(cfg_requires_test)),
        _ => false,
    }
}

/// The binding text when a `let` pattern drops or marks unused its value.
fn discarding_pattern(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Wild(_) => Some("_".into()),
        syn::Pat::Type(typed) => discarding_pattern(&typed.pat),
        syn::Pat::Ident(ident) if ident.ident.to_string().starts_with('_') => {
            Some(ident.ident.to_string())
        }
        _ => None,
    }
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Enum(item) => &item.attrs,
        syn::Item::ExternCrate(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::ForeignMod(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Macro(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Trait(item) => &item.attrs,
        syn::Item::TraitAlias(item) => &item.attrs,
        syn::Item::Type(item) => &item.attrs,
        syn::Item::Union(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

fn segments_of(path: &syn::Path) -> Vec<String> {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect()
}

fn unparen(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Paren(inner) => unparen(&inner.expr),
        syn::Expr::Group(inner) => unparen(&inner.expr),
        other => other,
    }
}

fn line_of(node: &impl Spanned) -> usize {
    node.span().start().line
}
