//! `cargo xtask command-docs --port N [--add NAME ...]`: rewrites
//! kv-engine's `command_docs/<group>.rs` data files from a live
//! redis-server 7.0.15's COMMAND INFO and COMMAND DOCS.
//!
//! The files document the commands and subcommands they already hold,
//! plus each NAME (`hget`, `client|tracking`) once it is implemented. The
//! facts (arity, flags, key specs, tips, subcommands, since, arguments,
//! history versions) come from Redis; the prose (summaries, key spec
//! notes, complexities, `replaced_by`, history descriptions) is kept from
//! the files (`prose.rs`), and a new entry's prose is `TODO` until written
//! by hand in our own words. Redis's prose is never written (`render.rs`),
//! and `server/tests/command_docs.rs` refuses a `TODO` or Redis's text.
//! The files are rustfmt'ed afterwards.

mod client;
mod prose;
mod render;

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use clap::Args;
use resp_codec::Frame;

use crate::process::{cargo, run_step, workspace_root};
use client::Client;
use render::Entry;

#[derive(Args)]
pub struct CommandDocsArgs {
    /// The port of a running redis-server 7.0.15 to ask.
    #[arg(long)]
    port: u16,
    /// Also document these commands or subcommands (`hget`,
    /// `client|tracking`): ones we now implement.
    #[arg(long = "add", value_name = "NAME", num_args = 1..)]
    add: Vec<String>,
}

pub fn run(args: &CommandDocsArgs) -> anyhow::Result<()> {
    let dir = workspace_root().join("kv-engine/src/command_docs");
    let prose = prose::read(&dir)?;
    let mut documented = prose.documented.clone();
    documented.extend(args.add.iter().map(|name| name.to_lowercase()));
    let mut client = Client::connect(args.port)?;
    let mut by_group: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for name in documented.iter().filter(|name| !name.contains('|')) {
        let info = match client.call(&["COMMAND", "INFO", name])? {
            Frame::Array(mut entries) if entries.len() == 1 => entries.remove(0),
            other => bail!("COMMAND INFO {name}: {other:?}"),
        };
        if info.is_null() {
            bail!("{name}: the server does not know this command");
        }
        let docs = client.call(&["COMMAND", "DOCS", name])?;
        let docs = render::field(&docs, name)
            .with_context(|| format!("COMMAND DOCS {name}"))?
            .clone();
        let group = render::group_name(&docs)?;
        by_group.entry(group).or_default().push(Entry {
            name: name.clone(),
            info,
            docs,
        });
    }
    for (group, entries) in &by_group {
        let source = render::group_file(group, entries, &prose, &documented)?;
        let path = dir.join(format!("{}.rs", group.replace('-', "_")));
        if !path.exists() {
            println!("new group file {}: add it to mod.rs", path.display());
        }
        std::fs::write(&path, source).with_context(|| format!("writing {}", path.display()))?;
        println!("{} {}", path.display(), entries.len());
    }
    run_step("cargo fmt", cargo().args(["fmt", "-p", "kv-engine"]))?;
    Ok(())
}
