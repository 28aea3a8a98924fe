//! The command table's types: what each command is (arity, flags, where
//! its keys are, ACL categories) and the function that runs it.
//!
//! One table drives arity checks, MULTI queueing rules, COMMAND INFO/LIST,
//! key extraction for shard routing and WATCH, and (later) ACL checks.

use crate::context::Ctx;
use crate::error::CommandResult;

/// Runs one command: reads `ctx.argv`, changes the keyspace through `ctx`,
/// writes the reply into `ctx.out`, and records its propagation form.
pub type CommandFn = fn(&mut Ctx<'_, '_>) -> CommandResult;

/// Who runs a command: the engine itself, or the host that embeds it (the
/// server's PUBLISH, CONFIG, CLIENT, INFO...). Host commands are in the same
/// dispatch so arity errors, MULTI queueing and EXEC treat them alike.
#[derive(Clone, Copy)]
pub enum Handler {
    Engine(CommandFn),
    Host,
    /// EXEC: the one command that dispatches others.
    Exec,
}

/// Command flags, as COMMAND INFO names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags(pub u32);

impl Flags {
    pub const WRITE: Flags = Flags(1);
    pub const READONLY: Flags = Flags(1 << 1);
    pub const DENYOOM: Flags = Flags(1 << 2);
    pub const ADMIN: Flags = Flags(1 << 3);
    pub const PUBSUB: Flags = Flags(1 << 4);
    pub const NOSCRIPT: Flags = Flags(1 << 5);
    pub const BLOCKING: Flags = Flags(1 << 6);
    pub const LOADING: Flags = Flags(1 << 7);
    pub const STALE: Flags = Flags(1 << 8);
    pub const SKIP_MONITOR: Flags = Flags(1 << 9);
    pub const SKIP_SLOWLOG: Flags = Flags(1 << 10);
    pub const FAST: Flags = Flags(1 << 11);
    pub const NO_AUTH: Flags = Flags(1 << 12);
    pub const MAY_REPLICATE: Flags = Flags(1 << 13);
    pub const NO_MULTI: Flags = Flags(1 << 14);
    pub const MOVABLE_KEYS: Flags = Flags(1 << 15);
    pub const ALLOW_BUSY: Flags = Flags(1 << 16);
    pub const ASKING: Flags = Flags(1 << 17);
    pub const NO_MANDATORY_KEYS: Flags = Flags(1 << 18);
    pub const NO_ASYNC_LOADING: Flags = Flags(1 << 19);

    /// Names in COMMAND INFO's order. MAY_REPLICATE is not among them:
    /// Redis keeps it to itself.
    pub const NAMES: [(Flags, &'static str); 19] = [
        (Flags::WRITE, "write"),
        (Flags::READONLY, "readonly"),
        (Flags::DENYOOM, "denyoom"),
        (Flags::ADMIN, "admin"),
        (Flags::PUBSUB, "pubsub"),
        (Flags::NOSCRIPT, "noscript"),
        (Flags::BLOCKING, "blocking"),
        (Flags::LOADING, "loading"),
        (Flags::STALE, "stale"),
        (Flags::SKIP_MONITOR, "skip_monitor"),
        (Flags::SKIP_SLOWLOG, "skip_slowlog"),
        (Flags::ASKING, "asking"),
        (Flags::FAST, "fast"),
        (Flags::NO_AUTH, "no_auth"),
        (Flags::NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (Flags::NO_ASYNC_LOADING, "no_async_loading"),
        (Flags::NO_MULTI, "no_multi"),
        (Flags::MOVABLE_KEYS, "movablekeys"),
        (Flags::ALLOW_BUSY, "allow_busy"),
    ];

    pub const fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    /// All of `flags` together (usable in const tables).
    pub const fn of(flags: &[Flags]) -> Flags {
        let mut bits = 0;
        let mut i = 0;
        while i < flags.len() {
            bits |= flags[i].0;
            i += 1;
        }
        Flags(bits)
    }

    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// ACL categories (`@string`, `@read`, ...) as a bit set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Categories(pub u32);

impl Categories {
    pub const KEYSPACE: Categories = Categories(1);
    pub const READ: Categories = Categories(1 << 1);
    pub const WRITE: Categories = Categories(1 << 2);
    pub const SET: Categories = Categories(1 << 3);
    pub const SORTEDSET: Categories = Categories(1 << 4);
    pub const LIST: Categories = Categories(1 << 5);
    pub const HASH: Categories = Categories(1 << 6);
    pub const STRING: Categories = Categories(1 << 7);
    pub const BITMAP: Categories = Categories(1 << 8);
    pub const HYPERLOGLOG: Categories = Categories(1 << 9);
    pub const GEO: Categories = Categories(1 << 10);
    pub const STREAM: Categories = Categories(1 << 11);
    pub const PUBSUB: Categories = Categories(1 << 12);
    pub const ADMIN: Categories = Categories(1 << 13);
    pub const FAST: Categories = Categories(1 << 14);
    pub const SLOW: Categories = Categories(1 << 15);
    pub const BLOCKING: Categories = Categories(1 << 16);
    pub const DANGEROUS: Categories = Categories(1 << 17);
    pub const CONNECTION: Categories = Categories(1 << 18);
    pub const TRANSACTION: Categories = Categories(1 << 19);
    pub const SCRIPTING: Categories = Categories(1 << 20);

    pub const NAMES: [(Categories, &'static str); 21] = [
        (Categories::KEYSPACE, "@keyspace"),
        (Categories::READ, "@read"),
        (Categories::WRITE, "@write"),
        (Categories::SET, "@set"),
        (Categories::SORTEDSET, "@sortedset"),
        (Categories::LIST, "@list"),
        (Categories::HASH, "@hash"),
        (Categories::STRING, "@string"),
        (Categories::BITMAP, "@bitmap"),
        (Categories::HYPERLOGLOG, "@hyperloglog"),
        (Categories::GEO, "@geo"),
        (Categories::STREAM, "@stream"),
        (Categories::PUBSUB, "@pubsub"),
        (Categories::ADMIN, "@admin"),
        (Categories::FAST, "@fast"),
        (Categories::SLOW, "@slow"),
        (Categories::BLOCKING, "@blocking"),
        (Categories::DANGEROUS, "@dangerous"),
        (Categories::CONNECTION, "@connection"),
        (Categories::TRANSACTION, "@transaction"),
        (Categories::SCRIPTING, "@scripting"),
    ];

    pub const fn union(self, other: Categories) -> Categories {
        Categories(self.0 | other.0)
    }

    /// All of `categories` together (usable in const tables).
    pub const fn of(categories: &[Categories]) -> Categories {
        let mut bits = 0;
        let mut i = 0;
        while i < categories.len() {
            bits |= categories[i].0;
            i += 1;
        }
        Categories(bits)
    }

    pub const fn contains(self, other: Categories) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Where a command's keys are in its argv, as COMMAND INFO reports them:
/// `first` and `last` argument indexes (negative `last` counts from the
/// end) and the `step` between keys. `first == 0` means no keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    pub first: i32,
    pub last: i32,
    pub step: i32,
}

impl KeySpec {
    pub const NONE: KeySpec = KeySpec {
        first: 0,
        last: 0,
        step: 0,
    };
    pub const ONE: KeySpec = KeySpec {
        first: 1,
        last: 1,
        step: 1,
    };
    pub const ALL: KeySpec = KeySpec {
        first: 1,
        last: -1,
        step: 1,
    };

    /// Indexes of the keys in `argc` arguments (for commands whose keys are
    /// not movable).
    pub fn key_indexes(self, argc: usize) -> impl Iterator<Item = usize> {
        let argc = argc as i32;
        let last = if self.last < 0 {
            argc + self.last
        } else {
            self.last.min(argc - 1)
        };
        let (first, step) = (self.first, self.step.max(1));
        let range = if first == 0 { 0..0 } else { first..last + 1 };
        range.step_by(step as usize).map(|i| i as usize)
    }
}

/// One command of the table.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    /// Lower case, as COMMAND reports it.
    pub name: &'static str,
    /// Redis's arity: N means exactly N arguments (name included), -N at
    /// least N.
    pub arity: i32,
    pub flags: Flags,
    pub keys: KeySpec,
    pub categories: Categories,
    pub run: Handler,
}

impl CommandSpec {
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }

    pub fn is_write(&self) -> bool {
        self.flags.contains(Flags::WRITE)
    }
}

impl std::fmt::Debug for CommandSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandSpec")
            .field("name", &self.name)
            .field("arity", &self.arity)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_indexes_follow_first_last_step() {
        let mset = KeySpec {
            first: 1,
            last: -1,
            step: 2,
        };
        assert_eq!(mset.key_indexes(5).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(KeySpec::ONE.key_indexes(3).collect::<Vec<_>>(), vec![1]);
        assert_eq!(
            KeySpec::ALL.key_indexes(4).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(KeySpec::NONE.key_indexes(4).count(), 0);
        let smove = KeySpec {
            first: 1,
            last: 2,
            step: 1,
        };
        assert_eq!(smove.key_indexes(4).collect::<Vec<_>>(), vec![1, 2]);
    }
}
