//! COMMAND: the command table as clients discover it (COUNT, INFO, DOCS,
//! LIST with FILTERBY, GETKEYS, GETKEYSANDFLAGS, HELP), from the engine's
//! table plus the host's.
//!
//! Arity, flags and ACL categories come from the dispatch tables; key
//! specifications, tips, subcommands and documentation from
//! `kv_engine::command_docs`, which describes exactly the commands and
//! subcommands we implement. COMMAND INFO's first/last/step are the
//! table's for a command and derived from the key specs for a subcommand
//! (as Redis derives them); GETKEYS finds keys with
//! `kv_engine::key_search`. `tests/command_docs.rs` holds every reply
//! against a live redis-server.

use super::{arg_is, unknown_subcommand, ConnHost};
use kv_engine::command::{Categories, CommandSpec, Flags, KeySpec};
use kv_engine::command_docs::{Arg, CommandMeta, KeySpecDef, Subcommand};
use kv_engine::command_docs::{BeginSearch, FindKeys};
use kv_engine::context::Ctx;
use kv_engine::key_search;
use kv_engine::{CommandError, CommandResult};

/// A command or subcommand as COMMAND describes it.
#[derive(Clone, Copy)]
struct Described {
    name: &'static str,
    arity: i32,
    flags: Flags,
    keys: KeySpec,
    categories: Categories,
    meta: Option<&'static CommandMeta>,
}

impl Described {
    fn top(spec: &CommandSpec) -> Described {
        Described {
            name: spec.name,
            arity: spec.arity,
            flags: spec.flags,
            keys: spec.keys,
            categories: spec.categories,
            meta: kv_engine::command_docs::meta(spec.name),
        }
    }

    fn sub(sub: &'static Subcommand) -> Described {
        Described {
            name: sub.meta.name,
            arity: sub.arity,
            flags: sub.flags,
            keys: key_search::legacy_range(sub.meta.key_specs).0,
            categories: sub.categories,
            meta: Some(&sub.meta),
        }
    }

    fn subcommands(&self) -> impl Iterator<Item = Described> {
        let subs = self.meta.map_or(&[][..], |meta| meta.subcommands);
        subs.iter().map(Described::sub)
    }

    /// The subcommand `name` (without the prefix), in any letter case.
    fn subcommand(&self, name: &[u8]) -> Option<Described> {
        self.meta?.subcommand(name).map(Described::sub)
    }

    fn has_subcommands(&self) -> bool {
        self.meta.is_some_and(|meta| !meta.subcommands.is_empty())
    }
}

pub fn command(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let specs = all_specs(host);
    if ctx.argc() == 1 {
        return info_all(ctx, &specs);
    }
    // Dispatch checked the subcommand and its arity (kv_engine's
    // check_subcommand, from the same table).
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        b"count" => ctx.out.integer(specs.len() as i64),
        b"info" if ctx.argc() == 2 => info_all(ctx, &specs)?,
        b"info" => {
            ctx.out.array(ctx.argc() - 2);
            for i in 2..ctx.argc() {
                match by_full_name(&specs, ctx.arg(i)) {
                    Some(described) => write_info(ctx, &described),
                    None => ctx.out.null(),
                }
            }
        }
        b"docs" => {
            let wanted: Vec<Described> = if ctx.argc() == 2 {
                specs.clone()
            } else {
                (2..ctx.argc())
                    .filter_map(|i| by_full_name(&specs, ctx.arg(i)))
                    .collect()
            };
            ctx.out.map(wanted.len());
            for described in &wanted {
                ctx.out.bulk(described.name.as_bytes());
                write_docs(ctx, described);
            }
        }
        b"list" => list(ctx, &specs)?,
        b"getkeys" => getkeys(ctx, &specs, false)?,
        b"getkeysandflags" => getkeys(ctx, &specs, true)?,
        b"help" => {
            super::help(
                ctx,
                &[
                    "(no subcommand)",
                    "    Return details about all Redis commands.",
                    "COUNT",
                    "    Return the total number of commands in this Redis server.",
                    "LIST",
                    "    Return a list of all commands in this Redis server.",
                    "INFO [<command-name> ...]",
                    "    Return details about multiple Redis commands.",
                    "    If no command names are given, documentation details for all",
                    "    commands are returned.",
                    "DOCS [<command-name> ...]",
                    "    Return documentation details about multiple Redis commands.",
                    "    If no command names are given, documentation details for all",
                    "    commands are returned.",
                    "GETKEYS <full-command>",
                    "    Return the keys from a full Redis command.",
                    "GETKEYSANDFLAGS <full-command>",
                    "    Return the keys and the access flags from a full Redis command.",
                ],
            )?;
        }
        _ => return Err(unknown_subcommand(ctx)),
    }
    Ok(())
}

fn info_all(ctx: &mut Ctx<'_, '_>, specs: &[Described]) -> CommandResult {
    ctx.out.array(specs.len());
    for described in specs {
        write_info(ctx, described);
    }
    Ok(())
}

/// Engine and host commands, by name.
fn all_specs(host: &ConnHost<'_>) -> Vec<Described> {
    let engine = kv_engine::commands::CommandTable::new();
    let mut specs: Vec<Described> = engine
        .iter()
        .chain(host.state.commands.iter())
        .map(Described::top)
        .collect();
    specs.sort_by_key(|s| s.name);
    specs
}

fn find(specs: &[Described], name: &[u8]) -> Option<Described> {
    specs
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
        .copied()
}

/// `name` or `container|sub`, as COMMAND INFO and DOCS take them: a
/// subcommand only of a container, a container only by itself.
fn by_full_name(specs: &[Described], name: &[u8]) -> Option<Described> {
    let mut parts = name.split(|&b| b == b'|');
    let base = find(specs, parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) if base.has_subcommands() => base.subcommand(sub),
        _ => None,
    }
}

/// The command an argv runs: its subcommand when it is a container and
/// one is given.
fn by_argv(specs: &[Described], argv: &[&[u8]]) -> Option<Described> {
    let base = find(specs, argv[0])?;
    if argv.len() == 1 || !base.has_subcommands() {
        return Some(base);
    }
    base.subcommand(argv[1])
}

/// Flag names as a set of status replies.
fn write_names<'n>(ctx: &mut Ctx<'_, '_>, names: impl Iterator<Item = &'n str> + Clone) {
    ctx.out.set(names.clone().count());
    for name in names {
        ctx.out.simple(name.as_bytes());
    }
}

/// One COMMAND INFO entry: name, arity, flags, first key, last key, step,
/// ACL categories, tips, key specs, subcommands.
fn write_info(ctx: &mut Ctx<'_, '_>, d: &Described) {
    ctx.out.array(10);
    ctx.out.bulk(d.name.as_bytes());
    ctx.out.integer(d.arity as i64);
    write_names(
        ctx,
        Flags::NAMES
            .iter()
            .filter(|(f, _)| d.flags.contains(*f))
            .map(|(_, n)| *n),
    );
    ctx.out.integer(d.keys.first as i64);
    ctx.out.integer(d.keys.last as i64);
    ctx.out.integer(d.keys.step as i64);
    write_names(
        ctx,
        Categories::NAMES
            .iter()
            .filter(|(c, _)| d.categories.contains(*c))
            .map(|(_, n)| *n),
    );
    let (tips, key_specs) = d.meta.map_or((&[][..], &[][..]), |m| (m.tips, m.key_specs));
    ctx.out.set(tips.len());
    for tip in tips {
        ctx.out.bulk(tip.as_bytes());
    }
    ctx.out.set(key_specs.len());
    for spec in key_specs {
        write_key_spec(ctx, spec);
    }
    // An empty set, or an array of entries (as Redis answers).
    let subcommands: Vec<Described> = d.subcommands().collect();
    if subcommands.is_empty() {
        ctx.out.set(0);
    } else {
        ctx.out.array(subcommands.len());
    }
    for sub in &subcommands {
        write_info(ctx, sub);
    }
}

fn write_key_spec(ctx: &mut Ctx<'_, '_>, spec: &KeySpecDef) {
    ctx.out.map(3 + spec.notes.is_some() as usize);
    if let Some(notes) = spec.notes {
        ctx.out.bulk(b"notes");
        ctx.out.bulk(notes.as_bytes());
    }
    ctx.out.bulk(b"flags");
    write_names(ctx, spec.flags.names());
    ctx.out.bulk(b"begin_search");
    ctx.out.map(2);
    ctx.out.bulk(b"type");
    match spec.begin {
        BeginSearch::Index(index) => {
            ctx.out.bulk(b"index");
            ctx.out.bulk(b"spec");
            ctx.out.map(1);
            ctx.out.bulk(b"index");
            ctx.out.integer(index as i64);
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            ctx.out.bulk(b"keyword");
            ctx.out.bulk(b"spec");
            ctx.out.map(2);
            ctx.out.bulk(b"keyword");
            ctx.out.bulk(keyword.as_bytes());
            ctx.out.bulk(b"startfrom");
            ctx.out.integer(startfrom as i64);
        }
        BeginSearch::Unknown => {
            ctx.out.bulk(b"unknown");
            ctx.out.bulk(b"spec");
            ctx.out.map(0);
        }
    }
    ctx.out.bulk(b"find_keys");
    ctx.out.map(2);
    ctx.out.bulk(b"type");
    let fields: [(&[u8], i32); 3] = match spec.find {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            ctx.out.bulk(b"range");
            [
                (b"lastkey", lastkey),
                (b"keystep", keystep),
                (b"limit", limit),
            ]
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            ctx.out.bulk(b"keynum");
            [
                (b"keynumidx", keynumidx),
                (b"firstkey", firstkey),
                (b"keystep", keystep),
            ]
        }
        FindKeys::Unknown => {
            ctx.out.bulk(b"unknown");
            ctx.out.bulk(b"spec");
            ctx.out.map(0);
            return;
        }
    };
    ctx.out.bulk(b"spec");
    ctx.out.map(3);
    for (name, value) in fields {
        ctx.out.bulk(name);
        ctx.out.integer(value as i64);
    }
}

/// One COMMAND DOCS entry (the name is written by the caller): summary,
/// since, group, complexity, doc_flags, deprecated_since, replaced_by,
/// history, arguments, subcommands, each only when there is one.
fn write_docs(ctx: &mut Ctx<'_, '_>, d: &Described) {
    let Some(meta) = d.meta else {
        ctx.out.map(0);
        return;
    };
    let subcommands: Vec<Described> = d.subcommands().collect();
    let fields = 3
        + meta.complexity.is_some() as usize
        + (meta.doc_flags.0 != 0) as usize
        + meta.deprecated_since.is_some() as usize
        + meta.replaced_by.is_some() as usize
        + !meta.history.is_empty() as usize
        + !meta.arguments.is_empty() as usize
        + !subcommands.is_empty() as usize;
    ctx.out.map(fields);
    for (field, value) in [
        ("summary", Some(meta.summary)),
        ("since", Some(meta.since)),
        ("group", Some(meta.group.name())),
        ("complexity", meta.complexity),
    ] {
        if let Some(value) = value {
            ctx.out.bulk(field.as_bytes());
            ctx.out.bulk(value.as_bytes());
        }
    }
    if meta.doc_flags.0 != 0 {
        ctx.out.bulk(b"doc_flags");
        write_names(ctx, meta.doc_flags.names());
    }
    for (field, value) in [
        ("deprecated_since", meta.deprecated_since),
        ("replaced_by", meta.replaced_by),
    ] {
        if let Some(value) = value {
            ctx.out.bulk(field.as_bytes());
            ctx.out.bulk(value.as_bytes());
        }
    }
    if !meta.history.is_empty() {
        ctx.out.bulk(b"history");
        ctx.out.set(meta.history.len());
        for (version, change) in meta.history {
            ctx.out.array(2);
            ctx.out.bulk(version.as_bytes());
            ctx.out.bulk(change.as_bytes());
        }
    }
    if !meta.arguments.is_empty() {
        ctx.out.bulk(b"arguments");
        write_args(ctx, meta.arguments);
    }
    if !subcommands.is_empty() {
        ctx.out.bulk(b"subcommands");
        ctx.out.map(subcommands.len());
        for sub in &subcommands {
            ctx.out.bulk(sub.name.as_bytes());
            write_docs(ctx, sub);
        }
    }
}

/// Arguments: name, type, key_spec_index, token, since,
/// deprecated_since, flags, nested arguments, each only when there is one.
fn write_args(ctx: &mut Ctx<'_, '_>, args: &[Arg]) {
    ctx.out.array(args.len());
    for arg in args {
        let nested = matches!(
            arg.kind,
            kv_engine::command_docs::ArgType::Oneof | kv_engine::command_docs::ArgType::Block
        );
        let fields = 2
            + arg.key_spec_index.is_some() as usize
            + arg.token.is_some() as usize
            + arg.since.is_some() as usize
            + arg.deprecated_since.is_some() as usize
            + (arg.flags.0 != 0) as usize
            + nested as usize;
        ctx.out.map(fields);
        ctx.out.bulk(b"name");
        ctx.out.bulk(arg.name.as_bytes());
        ctx.out.bulk(b"type");
        ctx.out.bulk(arg.kind.name().as_bytes());
        if let Some(index) = arg.key_spec_index {
            ctx.out.bulk(b"key_spec_index");
            ctx.out.integer(index as i64);
        }
        for (field, value) in [
            ("token", arg.token),
            ("since", arg.since),
            ("deprecated_since", arg.deprecated_since),
        ] {
            if let Some(value) = value {
                ctx.out.bulk(field.as_bytes());
                ctx.out.bulk(value.as_bytes());
            }
        }
        if arg.flags.0 != 0 {
            ctx.out.bulk(b"flags");
            write_names(ctx, arg.flags.names());
        }
        if nested {
            ctx.out.bulk(b"arguments");
            write_args(ctx, arg.args);
        }
    }
}

/// COMMAND LIST's FILTERBY.
enum ListFilter {
    /// No modules: nothing matches.
    Module,
    /// A category by name; an unknown one matches nothing.
    AclCat(Option<Categories>),
    Pattern(Vec<u8>),
}

impl ListFilter {
    fn keeps(&self, d: &Described) -> bool {
        match self {
            ListFilter::Module => false,
            ListFilter::AclCat(category) => category.is_some_and(|c| d.categories.contains(c)),
            ListFilter::Pattern(pattern) => {
                kv_engine::glob::glob_match_nocase(pattern, d.name.as_bytes())
            }
        }
    }
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
/// without a filter the commands; with one, subcommands too.
fn list(ctx: &mut Ctx<'_, '_>, specs: &[Described]) -> CommandResult {
    let mut filter = None;
    let mut i = 2;
    while i < ctx.argc() {
        if !(arg_is(ctx, i, "filterby") && ctx.argc() - 1 - i == 2) {
            return Err(CommandError::Syntax);
        }
        let value = ctx.arg(i + 2);
        filter = Some(if arg_is(ctx, i + 1, "module") {
            ListFilter::Module
        } else if arg_is(ctx, i + 1, "aclcat") {
            let category = Categories::NAMES
                .iter()
                .find(|(_, n)| n.as_bytes()[1..].eq_ignore_ascii_case(value))
                .map(|(c, _)| *c);
            ListFilter::AclCat(category)
        } else if arg_is(ctx, i + 1, "pattern") {
            ListFilter::Pattern(value.to_vec())
        } else {
            return Err(CommandError::Syntax);
        });
        i += 3;
    }
    let names: Vec<&str> = match filter {
        // Subcommands are listed too (`client|list`), as in Redis.
        None => specs
            .iter()
            .flat_map(|s| std::iter::once(*s).chain(s.subcommands()))
            .map(|d| d.name)
            .collect(),
        Some(filter) => specs
            .iter()
            .flat_map(|s| std::iter::once(*s).chain(s.subcommands()))
            .filter(|d| filter.keeps(d))
            .map(|d| d.name)
            .collect(),
    };
    ctx.out.array(names.len());
    for name in names {
        ctx.out.bulk(name.as_bytes());
    }
    Ok(())
}

/// COMMAND GETKEYS / GETKEYSANDFLAGS command [arg ...]
fn getkeys(ctx: &mut Ctx<'_, '_>, specs: &[Described], with_flags: bool) -> CommandResult {
    let argv: Vec<&[u8]> = (2..ctx.argc()).map(|i| ctx.arg(i)).collect();
    let described =
        by_argv(specs, &argv).ok_or(CommandError::text("ERR Invalid command specified"))?;
    let meta = described
        .meta
        .filter(|meta| key_search::has_keys(meta))
        .ok_or(CommandError::text("ERR The command has no key arguments"))?;
    let argc = argv.len() as i32;
    if (described.arity > 0 && described.arity != argc) || argc < -described.arity {
        return Err(CommandError::text(
            "ERR Invalid number of arguments specified for command",
        ));
    }
    let keys = key_search::find_keys(meta, described.arity, &argv);
    if keys.is_empty() && !described.flags.contains(Flags::NO_MANDATORY_KEYS) {
        return Err(CommandError::text(
            "ERR Invalid arguments specified for command",
        ));
    }
    ctx.out.array(keys.len());
    for key in keys {
        if with_flags {
            ctx.out.array(2);
            ctx.out.bulk(argv[key.index]);
            write_names(ctx, key.flags.names());
        } else {
            ctx.out.bulk(argv[key.index]);
        }
    }
    Ok(())
}
