//! COMMAND: the command table as clients discover it (COUNT, INFO, DOCS,
//! LIST with FILTERBY, GETKEYS, HELP), from the engine's table plus the
//! host's.
//!
//! What the table does not hold is answered empty rather than invented:
//! COMMAND INFO has no tips, key specs or subcommands; COMMAND DOCS gives
//! each command's group and nothing more.

use super::{arg_is, check_arity, unknown_subcommand, ConnHost};
use kv_engine::command::{Categories, CommandSpec, Flags};
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};

pub fn command(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let specs = all_specs(host);
    if ctx.argc() == 1 {
        ctx.out.array(specs.len());
        for spec in &specs {
            write_info(ctx, spec);
        }
        return Ok(());
    }
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        b"count" => {
            check_arity(ctx, 2)?;
            ctx.out.integer(specs.len() as i64);
        }
        b"info" => {
            if ctx.argc() == 2 {
                ctx.out.array(specs.len());
                for spec in &specs {
                    write_info(ctx, spec);
                }
            } else {
                ctx.out.array(ctx.argc() - 2);
                for i in 2..ctx.argc() {
                    match find(&specs, ctx.arg(i)) {
                        Some(spec) => write_info(ctx, &spec),
                        None => ctx.out.null_array(),
                    }
                }
            }
        }
        b"docs" => {
            let wanted: Vec<CommandSpec> = if ctx.argc() == 2 {
                specs.clone()
            } else {
                (2..ctx.argc())
                    .filter_map(|i| find(&specs, ctx.arg(i)))
                    .collect()
            };
            ctx.out.map(wanted.len());
            for spec in &wanted {
                ctx.out.bulk(spec.name.as_bytes());
                ctx.out.map(1);
                ctx.out.bulk(b"group");
                ctx.out.bulk(group(spec).as_bytes());
            }
        }
        b"list" => list(ctx, &specs)?,
        b"getkeys" => {
            check_arity(ctx, -4)?;
            getkeys(ctx, &specs)?;
        }
        b"help" => {
            check_arity(ctx, 2)?;
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
                ],
            )?;
        }
        _ => return Err(unknown_subcommand(ctx)),
    }
    Ok(())
}

/// Engine and host commands, by name.
fn all_specs(host: &ConnHost<'_>) -> Vec<CommandSpec> {
    let engine = kv_engine::commands::CommandTable::new();
    let mut specs: Vec<CommandSpec> = engine
        .iter()
        .copied()
        .chain(host.state.commands.iter().copied())
        .collect();
    specs.sort_by_key(|s| s.name);
    specs
}

fn find(specs: &[CommandSpec], name: &[u8]) -> Option<CommandSpec> {
    specs
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
        .copied()
}

/// One COMMAND INFO entry: name, arity, flags, first key, last key, step,
/// ACL categories, tips, key specs, subcommands.
fn write_info(ctx: &mut Ctx<'_, '_>, spec: &CommandSpec) {
    ctx.out.array(10);
    ctx.out.bulk(spec.name.as_bytes());
    ctx.out.integer(spec.arity as i64);
    let flags: Vec<&str> = Flags::NAMES
        .iter()
        .filter(|(f, _)| spec.flags.contains(*f))
        .map(|(_, n)| *n)
        .collect();
    ctx.out.set(flags.len());
    for flag in flags {
        ctx.out.simple(flag.as_bytes());
    }
    ctx.out.integer(spec.keys.first as i64);
    ctx.out.integer(spec.keys.last as i64);
    ctx.out.integer(spec.keys.step as i64);
    let categories: Vec<&str> = Categories::NAMES
        .iter()
        .filter(|(c, _)| spec.categories.contains(*c))
        .map(|(_, n)| *n)
        .collect();
    ctx.out.set(categories.len());
    for category in categories {
        ctx.out.simple(category.as_bytes());
    }
    ctx.out.array(0);
    ctx.out.array(0);
    ctx.out.array(0);
}

/// The docs group, from the command's data-type category.
fn group(spec: &CommandSpec) -> &'static str {
    const GROUPS: [(Categories, &str); 9] = [
        (Categories::STRING, "string"),
        (Categories::LIST, "list"),
        (Categories::HASH, "hash"),
        (Categories::SET, "set"),
        (Categories::SORTEDSET, "sorted-set"),
        (Categories::BITMAP, "bitmap"),
        (Categories::TRANSACTION, "transactions"),
        (Categories::CONNECTION, "connection"),
        (Categories::KEYSPACE, "generic"),
    ];
    GROUPS
        .iter()
        .find(|(c, _)| spec.categories.contains(*c))
        .map_or("server", |(_, g)| g)
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
fn list(ctx: &mut Ctx<'_, '_>, specs: &[CommandSpec]) -> CommandResult {
    let names: Vec<&str> = match ctx.argc() {
        2 => specs.iter().map(|s| s.name).collect(),
        5 if arg_is(ctx, 2, "filterby") => {
            let value = ctx.arg(4);
            if arg_is(ctx, 3, "module") {
                Vec::new()
            } else if arg_is(ctx, 3, "aclcat") {
                let wanted = format!("@{}", String::from_utf8_lossy(value).to_ascii_lowercase());
                match Categories::NAMES.iter().find(|(_, n)| *n == wanted) {
                    Some((category, _)) => specs
                        .iter()
                        .filter(|s| s.categories.contains(*category))
                        .map(|s| s.name)
                        .collect(),
                    None => Vec::new(),
                }
            } else if arg_is(ctx, 3, "pattern") {
                specs
                    .iter()
                    .filter(|s| kv_engine::glob::glob_match_nocase(value, s.name.as_bytes()))
                    .map(|s| s.name)
                    .collect()
            } else {
                return Err(CommandError::Syntax);
            }
        }
        _ => return Err(CommandError::Syntax),
    };
    ctx.out.array(names.len());
    for name in names {
        ctx.out.bulk(name.as_bytes());
    }
    Ok(())
}

/// COMMAND GETKEYS command [arg ...]
fn getkeys(ctx: &mut Ctx<'_, '_>, specs: &[CommandSpec]) -> CommandResult {
    let spec =
        find(specs, ctx.arg(2)).ok_or(CommandError::text("ERR Invalid command specified"))?;
    let argc = ctx.argc() - 2;
    if !spec.arity_ok(argc) {
        return Err(CommandError::text(
            "ERR Invalid number of arguments specified for command",
        ));
    }
    if spec.flags.contains(Flags::MOVABLE_KEYS) {
        return Err(CommandError::text(
            "ERR Invalid arguments specified for command",
        ));
    }
    let keys: Vec<usize> = spec.keys.key_indexes(argc).collect();
    if keys.is_empty() {
        return Err(CommandError::text("ERR The command has no key arguments"));
    }
    ctx.out.array(keys.len());
    for index in keys {
        ctx.out.bulk(ctx.arg(index + 2));
    }
    Ok(())
}
