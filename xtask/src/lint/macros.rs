//! Reading inside macro calls. syn leaves a macro's body as tokens; most
//! bodies are expressions (`assert!`, `vec!`, `format!`) or statements, and
//! `tokio::select!` arms are expressions and blocks between `=`, `=>` and `,`.
//! This turns a body into the expressions and statements it can find, so
//! the rules also see the code in `select!` arms.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::punctuated::Punctuated;

/// A piece of Rust found inside a macro body.
pub enum Fragment {
    Expr(Box<syn::Expr>),
    Stmts(Vec<syn::Stmt>),
}

/// How deep nested groups are searched when a body does not parse whole.
const NESTING_MAX: usize = 16;

pub fn fragments_of(body: TokenStream) -> Vec<Fragment> {
    let mut fragments = Vec::new();
    collect(body, 0, &mut fragments);
    fragments
}

fn collect(body: TokenStream, depth: usize, fragments: &mut Vec<Fragment>) {
    if depth > NESTING_MAX || body.is_empty() {
        return;
    }
    let parse_exprs = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    if let Ok(exprs) = parse_exprs.parse2(body.clone()) {
        fragments.extend(exprs.into_iter().map(|expr| Fragment::Expr(Box::new(expr))));
        return;
    }
    if let Ok(stmts) = syn::Block::parse_within.parse2(body.clone()) {
        fragments.push(Fragment::Stmts(stmts));
        return;
    }
    for chunk in split_top_level(body) {
        if let Ok(expr) = syn::parse2::<syn::Expr>(chunk.clone()) {
            fragments.push(Fragment::Expr(Box::new(expr)));
            continue;
        }
        for tree in chunk {
            if let TokenTree::Group(group) = tree {
                let inner = group.stream();
                if group.delimiter() == Delimiter::Brace {
                    if let Ok(stmts) = syn::Block::parse_within.parse2(inner.clone()) {
                        fragments.push(Fragment::Stmts(stmts));
                        continue;
                    }
                }
                collect(inner, depth + 1, fragments);
            }
        }
    }
}

/// Splits a token stream at top-level `,`, `;`, `=>` and a lone `=`.
fn split_top_level(body: TokenStream) -> Vec<TokenStream> {
    let trees: Vec<TokenTree> = body.into_iter().collect();
    let mut chunks = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    let mut index = 0;
    while index < trees.len() {
        let tree = &trees[index];
        let separator_len = separator_len(&trees, index);
        if separator_len > 0 {
            chunks.push(current.drain(..).collect());
            index += separator_len;
            continue;
        }
        current.push(tree.clone());
        index += 1;
    }
    chunks.push(current.into_iter().collect());
    chunks
}

/// How many tokens the separator at `index` spans (0: not a separator).
fn separator_len(trees: &[TokenTree], index: usize) -> usize {
    let TokenTree::Punct(punct) = &trees[index] else {
        return 0;
    };
    let previous_is_joint = index > 0
        && matches!(&trees[index - 1], TokenTree::Punct(p) if p.spacing() == Spacing::Joint);
    match punct.as_char() {
        ',' | ';' => 1,
        '=' if punct.spacing() == Spacing::Joint => {
            let next_is_arrow =
                matches!(trees.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '>');
            if next_is_arrow && !previous_is_joint {
                2
            } else {
                0
            }
        }
        '=' if !previous_is_joint => 1,
        _ => 0,
    }
}
