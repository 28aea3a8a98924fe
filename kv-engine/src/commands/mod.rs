//! The command implementations, one file per family, and the table that
//! finds them by name.

pub mod bitfield;
pub mod bitmaps;
pub mod connection;
pub mod counters;
pub mod db;
pub mod expire;
pub mod hashes;
pub mod keys;
pub mod lcs;
pub mod lists;
pub mod sets;
pub mod sort;
pub mod string_set;
pub mod strings;
pub mod transactions;
pub mod zsets;

use crate::command::CommandSpec;
use crate::command_name::NameIndex;

/// Every engine command, found by name case-insensitively without
/// allocating (`command_name`).
pub struct CommandTable {
    by_name: NameIndex<CommandSpec>,
}

/// The families' tables, concatenated. A new family adds one line here.
const FAMILIES: &[&[CommandSpec]] = &[
    bitfield::COMMANDS,
    bitmaps::COMMANDS,
    connection::COMMANDS,
    counters::COMMANDS,
    db::COMMANDS,
    expire::COMMANDS,
    hashes::COMMANDS,
    keys::COMMANDS,
    lcs::COMMANDS,
    lists::COMMANDS,
    sets::COMMANDS,
    sort::COMMANDS,
    string_set::COMMANDS,
    strings::COMMANDS,
    transactions::COMMANDS,
    zsets::COMMANDS,
];

/// Checks a container command's subcommand (name and arity) before it
/// runs or is queued in MULTI, as Redis's command lookup does, engine and
/// host containers alike.
pub(crate) fn check_subcommand(
    name: &str,
    argv: resp_codec::Argv<'_>,
) -> crate::error::CommandResult {
    if argv.len() < 2 || !is_container(name) {
        return Ok(());
    }
    subcommand(name, argv).map(|_| ())
}

/// The commands with subcommands (those `command_docs` gives subcommands),
/// matched without a table lookup: this runs for every command.
fn is_container(name: &str) -> bool {
    matches!(
        name,
        "client" | "command" | "config" | "latency" | "memory" | "object" | "pubsub" | "slowlog"
    )
}

/// The full name (`object|encoding`) of the subcommand `argv` names, once
/// it is known and given its arity: Redis's errors otherwise.
pub(crate) fn subcommand(
    name: &str,
    argv: resp_codec::Argv<'_>,
) -> crate::error::CommandResult<&'static str> {
    let sub = &argv[1];
    let listed = crate::command_docs::meta(name)
        .into_iter()
        .flat_map(|meta| meta.subcommands)
        .map(|sub| (sub.meta.name, sub.arity));
    let unlisted = crate::command_docs::UNLISTED_SUBCOMMANDS.iter().copied();
    let (full, arity) = listed
        .chain(unlisted)
        .find(|(full, _)| {
            full.split_once('|').is_some_and(|(container, short)| {
                container == name && short.as_bytes().eq_ignore_ascii_case(sub)
            })
        })
        .ok_or_else(|| {
            keys::unknown_subcommand(sub, &String::from_utf8_lossy(&argv[0]).to_ascii_uppercase())
        })?;
    let argc = argv.len() as i32;
    let fits = if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    };
    if !fits {
        return Err(crate::error::CommandError::WrongArity(full.into()));
    }
    Ok(full)
}

impl CommandTable {
    pub fn new() -> Self {
        let specs = FAMILIES.iter().flat_map(|family| family.iter());
        CommandTable {
            by_name: NameIndex::new(specs.map(|spec| (spec.name, *spec))),
        }
    }

    /// The command named `name`, in any letter case.
    #[inline]
    pub fn get(&self, name: &[u8]) -> Option<CommandSpec> {
        self.by_name.get(name).copied()
    }

    /// `get`, remembering the name in `last` (see `NameIndex::get_remembered`).
    #[inline]
    pub(crate) fn get_remembered(
        &self,
        last: &mut crate::command_name::LastName,
        name: &[u8],
    ) -> Option<CommandSpec> {
        self.by_name.get_remembered(last, name).copied()
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CommandSpec> {
        self.by_name.values()
    }
}

impl Default for CommandTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Shorthand for table entries.
macro_rules! command {
    ($name:literal, $arity:expr, $run:expr, flags: $flags:expr, keys: $keys:expr, acl: $acl:expr) => {
        $crate::command::CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            keys: $keys,
            categories: $acl,
            run: $crate::command::Handler::Engine($run),
        }
    };
}
pub(crate) use command;

#[cfg(test)]
mod tests {
    #[test]
    fn the_containers_are_the_commands_documented_with_subcommands() {
        let documented: Vec<&str> = crate::command_docs::all()
            .filter(|meta| !meta.subcommands.is_empty())
            .map(|meta| meta.name)
            .collect();
        assert_eq!(documented.len(), 8);
        for name in documented {
            assert!(super::is_container(name), "{name}");
        }
        for (full, _) in crate::command_docs::UNLISTED_SUBCOMMANDS {
            let container = full.split('|').next().unwrap();
            assert!(super::is_container(container), "{full}");
        }
        assert!(!super::is_container("get"));
    }
}
