//! What COMMAND INFO and COMMAND DOCS say about every command we
//! implement, engine and host alike, beyond the dispatch table's arity,
//! flags and categories: key specifications, tips, subcommands, and the
//! documentation (group, since, complexity, history, arguments).
//!
//! The facts (everything but the prose) are redis-server 7.0.15's, as its
//! COMMAND INFO and COMMAND DOCS report them. The prose is our own words:
//! summaries, key spec notes, history descriptions, `replaced_by` (naming
//! the same commands and arguments), and complexities (leading with the
//! same big-O formula; a bare formula such as `O(1)` is a fact and kept). The data lives in one file per documentation group;
//! this file holds its types and the lookup. `server/tests/command_docs.rs`
//! compares every entry with a live redis-server.
//!
//! The group files are written by `cargo xtask command-docs --port N`
//! from a redis-server's replies, keeping the prose they hold: a newly
//! implemented command or subcommand is added with `--add NAME`, then its
//! `TODO` texts written by hand. Listing a command here
//! that we do not implement is a bug (the test checks both directions).

mod bitmap;
mod connection;
mod generic;
mod hash;
mod list;
mod pubsub;
mod server;
mod set;
mod sorted_set;
mod string;
mod transactions;

use crate::command::{Categories, Flags};

/// How a command uses a key, as key specifications and COMMAND
/// GETKEYSANDFLAGS name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct KeyFlags(pub u16);

impl KeyFlags {
    pub const RO: KeyFlags = KeyFlags(1);
    pub const RW: KeyFlags = KeyFlags(1 << 1);
    pub const OW: KeyFlags = KeyFlags(1 << 2);
    pub const RM: KeyFlags = KeyFlags(1 << 3);
    pub const ACCESS: KeyFlags = KeyFlags(1 << 4);
    pub const UPDATE: KeyFlags = KeyFlags(1 << 5);
    pub const INSERT: KeyFlags = KeyFlags(1 << 6);
    pub const DELETE: KeyFlags = KeyFlags(1 << 7);
    pub const NOT_KEY: KeyFlags = KeyFlags(1 << 8);
    pub const INCOMPLETE: KeyFlags = KeyFlags(1 << 9);
    pub const VARIABLE_FLAGS: KeyFlags = KeyFlags(1 << 10);

    /// Names in Redis's reply order.
    pub const NAMES: [(KeyFlags, &'static str); 11] = [
        (KeyFlags::RO, "RO"),
        (KeyFlags::RW, "RW"),
        (KeyFlags::OW, "OW"),
        (KeyFlags::RM, "RM"),
        (KeyFlags::ACCESS, "access"),
        (KeyFlags::UPDATE, "update"),
        (KeyFlags::INSERT, "insert"),
        (KeyFlags::DELETE, "delete"),
        (KeyFlags::NOT_KEY, "not_key"),
        (KeyFlags::INCOMPLETE, "incomplete"),
        (KeyFlags::VARIABLE_FLAGS, "variable_flags"),
    ];

    pub const fn of(flags: &[KeyFlags]) -> KeyFlags {
        let mut bits = 0;
        let mut i = 0;
        while i < flags.len() {
            bits |= flags[i].0;
            i += 1;
        }
        KeyFlags(bits)
    }

    pub const fn contains(self, other: KeyFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names of the flags set, in reply order.
    pub fn names(self) -> impl Iterator<Item = &'static str> + Clone {
        KeyFlags::NAMES
            .into_iter()
            .filter(move |(flag, _)| self.contains(*flag))
            .map(|(_, name)| name)
    }
}

/// Where the search for a key specification's keys begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argument index.
    Index(i32),
    /// After `keyword`, searched from `startfrom` (negative: from the end,
    /// backwards).
    Keyword {
        keyword: &'static str,
        startfrom: i32,
    },
    /// Not knowable from the argument positions.
    Unknown,
}

/// How the keys are found from where the search began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// `lastkey` relative to the first key (negative: from the end),
    /// `keystep` apart; a non-zero `limit` with `lastkey == -1` takes
    /// 1/limit of the remaining arguments.
    Range {
        lastkey: i32,
        keystep: i32,
        limit: i32,
    },
    /// The argument at `keynumidx` (relative) counts the keys, the first of
    /// which is at `firstkey` (relative), `keystep` apart.
    Keynum {
        keynumidx: i32,
        firstkey: i32,
        keystep: i32,
    },
    Unknown,
}

/// One key specification.
#[derive(Clone, Copy, Debug)]
pub struct KeySpecDef {
    pub flags: KeyFlags,
    pub begin: BeginSearch,
    pub find: FindKeys,
    pub notes: Option<&'static str>,
}

/// Shorthand for the data files: a key specification from its flags and
/// where its keys are.
pub const fn ks(flags: KeyFlags, (begin, find): (BeginSearch, FindKeys)) -> KeySpecDef {
    KeySpecDef {
        flags,
        begin,
        find,
        notes: None,
    }
}

/// `index`, then `range lastkey keystep limit`.
pub const fn range(index: i32, lastkey: i32, keystep: i32, limit: i32) -> (BeginSearch, FindKeys) {
    (
        BeginSearch::Index(index),
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        },
    )
}

/// `index`, then `keynum keynumidx firstkey keystep`.
pub const fn keynum(
    index: i32,
    keynumidx: i32,
    firstkey: i32,
    keystep: i32,
) -> (BeginSearch, FindKeys) {
    (
        BeginSearch::Index(index),
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        },
    )
}

impl KeySpecDef {
    pub const fn notes(self, notes: &'static str) -> KeySpecDef {
        KeySpecDef {
            notes: Some(notes),
            ..self
        }
    }
}

/// COMMAND DOCS's argument types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    PureToken,
    Oneof,
    Block,
}

impl ArgType {
    pub fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Key => "key",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::Oneof => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// An argument's flags: optional, multiple, multiple_token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ArgFlags(pub u8);

impl ArgFlags {
    pub const OPTIONAL: ArgFlags = ArgFlags(1);
    pub const MULTIPLE: ArgFlags = ArgFlags(1 << 1);
    pub const MULTIPLE_TOKEN: ArgFlags = ArgFlags(1 << 2);

    pub const NAMES: [(ArgFlags, &'static str); 3] = [
        (ArgFlags::OPTIONAL, "optional"),
        (ArgFlags::MULTIPLE, "multiple"),
        (ArgFlags::MULTIPLE_TOKEN, "multiple_token"),
    ];

    pub fn names(self) -> impl Iterator<Item = &'static str> + Clone {
        ArgFlags::NAMES
            .into_iter()
            .filter(move |(flag, _)| self.0 & flag.0 != 0)
            .map(|(_, name)| name)
    }
}

/// One documented argument; blocks and oneofs hold their own.
#[derive(Clone, Copy, Debug)]
pub struct Arg {
    pub name: &'static str,
    pub kind: ArgType,
    /// Index into the command's key specifications, for key arguments.
    pub key_spec_index: Option<u8>,
    pub token: Option<&'static str>,
    pub since: Option<&'static str>,
    pub deprecated_since: Option<&'static str>,
    pub flags: ArgFlags,
    pub args: &'static [Arg],
}

/// Shorthand for the data files: an argument with nothing optional set.
pub const fn arg(name: &'static str, kind: ArgType) -> Arg {
    Arg {
        name,
        kind,
        key_spec_index: None,
        token: None,
        since: None,
        deprecated_since: None,
        flags: ArgFlags(0),
        args: &[],
    }
}

impl Arg {
    pub const fn ks(self, index: u8) -> Arg {
        Arg {
            key_spec_index: Some(index),
            ..self
        }
    }
    pub const fn token(self, token: &'static str) -> Arg {
        Arg {
            token: Some(token),
            ..self
        }
    }
    pub const fn since(self, since: &'static str) -> Arg {
        Arg {
            since: Some(since),
            ..self
        }
    }
    pub const fn deprecated_since(self, since: &'static str) -> Arg {
        Arg {
            deprecated_since: Some(since),
            ..self
        }
    }
    pub const fn optional(self) -> Arg {
        Arg {
            flags: ArgFlags(self.flags.0 | ArgFlags::OPTIONAL.0),
            ..self
        }
    }
    pub const fn multiple(self) -> Arg {
        Arg {
            flags: ArgFlags(self.flags.0 | ArgFlags::MULTIPLE.0),
            ..self
        }
    }
    pub const fn multiple_token(self) -> Arg {
        Arg {
            flags: ArgFlags(self.flags.0 | ArgFlags::MULTIPLE_TOKEN.0),
            ..self
        }
    }
    pub const fn args(self, args: &'static [Arg]) -> Arg {
        Arg { args, ..self }
    }
}

/// COMMAND DOCS's groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Bitmap,
    Connection,
    Generic,
    Hash,
    List,
    Pubsub,
    Server,
    Set,
    SortedSet,
    String,
    Transactions,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Bitmap => "bitmap",
            Group::Connection => "connection",
            Group::Generic => "generic",
            Group::Hash => "hash",
            Group::List => "list",
            Group::Pubsub => "pubsub",
            Group::Server => "server",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::String => "string",
            Group::Transactions => "transactions",
        }
    }
}

/// doc_flags: deprecated, syscmd.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DocFlags(pub u8);

impl DocFlags {
    pub const NONE: DocFlags = DocFlags(0);
    pub const DEPRECATED: DocFlags = DocFlags(1);
    pub const SYSCMD: DocFlags = DocFlags(1 << 1);

    pub fn names(self) -> impl Iterator<Item = &'static str> + Clone {
        [
            (DocFlags::DEPRECATED, "deprecated"),
            (DocFlags::SYSCMD, "syscmd"),
        ]
        .into_iter()
        .filter(move |(flag, _)| self.0 & flag.0 != 0)
        .map(|(_, name)| name)
    }
}

/// Everything COMMAND INFO and DOCS report about one command or
/// subcommand beyond its dispatch entry. `name` is the full name
/// (`config|get` for a subcommand).
#[derive(Clone, Copy, Debug)]
pub struct CommandMeta {
    pub name: &'static str,
    pub summary: &'static str,
    pub since: &'static str,
    pub group: Group,
    /// Redis's leading big-O formula, explained in our words.
    pub complexity: Option<&'static str>,
    pub doc_flags: DocFlags,
    pub deprecated_since: Option<&'static str>,
    /// The command (and arguments) to use instead, in our words.
    pub replaced_by: Option<&'static str>,
    /// (version, what changed in our words).
    pub history: &'static [(&'static str, &'static str)],
    pub tips: &'static [&'static str],
    pub key_specs: &'static [KeySpecDef],
    pub arguments: &'static [Arg],
    pub subcommands: &'static [Subcommand],
}

impl CommandMeta {
    /// The subcommand `short` (without the container's prefix), in any
    /// letter case.
    pub fn subcommand(&self, short: &[u8]) -> Option<&Subcommand> {
        self.subcommands.iter().find(|sub| {
            (sub.meta.name.split_once('|'))
                .is_some_and(|(_, name)| name.as_bytes().eq_ignore_ascii_case(short))
        })
    }

    /// The defaults the data files fill in from.
    pub const NONE: CommandMeta = CommandMeta {
        name: "",
        summary: "",
        since: "",
        group: Group::Generic,
        complexity: None,
        doc_flags: DocFlags::NONE,
        deprecated_since: None,
        replaced_by: None,
        history: &[],
        tips: &[],
        key_specs: &[],
        arguments: &[],
        subcommands: &[],
    };
}

/// A container's subcommand: its own dispatch facts (the container's
/// table entry holds only the container's) and its metadata.
#[derive(Clone, Copy, Debug)]
pub struct Subcommand {
    pub arity: i32,
    pub flags: Flags,
    pub categories: Categories,
    pub meta: CommandMeta,
}

/// Subcommands we run that Redis 7.0.15, whose table we report, does not
/// have (both came with 7.2): by full name, with their arity. COMMAND does
/// not list them; dispatch checks them as it checks the listed ones.
pub const UNLISTED_SUBCOMMANDS: &[(&str, i32)] = &[("client|setinfo", 4), ("client|no-touch", 3)];

/// Every documented command, by group.
const GROUPS: &[&[CommandMeta]] = &[
    bitmap::COMMANDS,
    connection::COMMANDS,
    generic::COMMANDS,
    hash::COMMANDS,
    list::COMMANDS,
    pubsub::COMMANDS,
    server::COMMANDS,
    set::COMMANDS,
    sorted_set::COMMANDS,
    string::COMMANDS,
    transactions::COMMANDS,
];

/// The metadata of the top-level command `name` (lower case).
pub fn meta(name: &str) -> Option<&'static CommandMeta> {
    all().find(|meta| meta.name == name)
}

/// Every top-level command's metadata.
pub fn all() -> impl Iterator<Item = &'static CommandMeta> {
    GROUPS.iter().flat_map(|group| group.iter())
}
