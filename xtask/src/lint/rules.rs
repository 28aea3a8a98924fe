//! The rules: their stable names, what each one explains, where each applies,
//! and the resolved paths each one forbids.

/// A rule of the cancel-safety checklist that a machine can check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    NoAbort,
    BoundedChannels,
    NoTokioMutex,
    TrackedSpawn,
    EnginePurity,
}

pub const ALL_RULES: [Rule; 5] = [
    Rule::NoAbort,
    Rule::BoundedChannels,
    Rule::NoTokioMutex,
    Rule::TrackedSpawn,
    Rule::EnginePurity,
];

impl Rule {
    /// The stable name printed in findings and written in escape comments.
    pub fn name(self) -> &'static str {
        match self {
            Rule::NoAbort => "no-abort",
            Rule::BoundedChannels => "bounded-channels",
            Rule::NoTokioMutex => "no-tokio-mutex",
            Rule::TrackedSpawn => "tracked-spawn",
            Rule::EnginePurity => "engine-purity",
        }
    }

    pub fn from_name(name: &str) -> Option<Rule> {
        ALL_RULES.into_iter().find(|rule| rule.name() == name)
    }

    /// The crates a rule is limited to; `None` means every linted crate.
    pub fn crates(self) -> Option<&'static [&'static str]> {
        match self {
            // Only the async crates have hot paths where a task could wait on
            // an async lock; kv-engine has no tokio at all.
            Rule::NoTokioMutex => Some(&["server", "persistence"]),
            // The engine is pure and deterministic (DESIGN.md invariant 1).
            Rule::EnginePurity => Some(&["kv-engine"]),
            _ => None,
        }
    }

    /// Whether the rule also applies inside test code (see `lint/mod.rs`).
    pub fn applies_in_tests(self) -> bool {
        false
    }
}

/// Why a resolved path is an unbounded channel, or `None` when it is not.
pub fn unbounded_channel_reason(path: &[String]) -> Option<&'static str> {
    const UNBOUNDED: &[(&[&str], &str)] = &[
        (
            &["tokio", "sync", "mpsc", "unbounded_channel"],
            "tokio's unbounded_channel grows without limit; use mpsc::channel(capacity)",
        ),
        (
            &["tokio", "sync", "mpsc", "UnboundedSender"],
            "UnboundedSender is one end of an unbounded channel; use mpsc::Sender",
        ),
        (
            &["tokio", "sync", "mpsc", "UnboundedReceiver"],
            "UnboundedReceiver is one end of an unbounded channel; use mpsc::Receiver",
        ),
        (
            &["tokio", "sync", "mpsc", "WeakUnboundedSender"],
            "WeakUnboundedSender is one end of an unbounded channel; use mpsc::WeakSender",
        ),
        (
            &["crossbeam_channel", "unbounded"],
            "crossbeam_channel::unbounded grows without limit; use bounded(capacity)",
        ),
        (
            &["crossbeam", "channel", "unbounded"],
            "crossbeam::channel::unbounded grows without limit; use bounded(capacity)",
        ),
        (
            &["std", "sync", "mpsc", "channel"],
            "std::sync::mpsc::channel is unbounded; use sync_channel(capacity)",
        ),
        (
            &["std", "sync", "mpsc", "Sender"],
            "std::sync::mpsc::Sender is the unbounded channel's sender; use SyncSender",
        ),
        (
            &["futures", "channel", "mpsc", "unbounded"],
            "futures' mpsc::unbounded grows without limit; use mpsc::channel(capacity)",
        ),
        (
            &["flume", "unbounded"],
            "flume::unbounded grows without limit; use flume::bounded(capacity)",
        ),
    ];
    UNBOUNDED
        .iter()
        .find(|(forbidden, _)| starts_with(path, forbidden))
        .map(|(_, reason)| *reason)
}

/// Why a resolved path is a tokio lock, or `None` when it is not.
pub fn tokio_lock_reason(path: &[String]) -> Option<&'static str> {
    if path.len() < 3 || path[0] != "tokio" || path[1] != "sync" {
        return None;
    }
    let name = &path[2];
    if name.contains("Mutex") || name.contains("RwLock") {
        Some(
            "tokio's async locks invite holding a lock across .await; \
             use parking_lot for brief synchronous sections, or an actor",
        )
    } else {
        None
    }
}

/// Why a resolved path is I/O, wall-clock time, threads or unseeded
/// randomness, which the engine must never touch, or `None`.
pub fn impure_engine_reason(path: &[String]) -> Option<&'static str> {
    const IMPURE: &[(&[&str], &str)] = &[
        (&["tokio"], "the engine never awaits: no tokio"),
        (&["std", "fs"], "the engine does no file I/O"),
        (&["std", "net"], "the engine does no network I/O"),
        (&["std", "io", "stdin"], "the engine does no I/O"),
        (&["std", "io", "stdout"], "the engine does no I/O"),
        (&["std", "process"], "the engine starts no processes"),
        (&["std", "env"], "the engine reads no environment"),
        (
            &["std", "thread"],
            "the engine neither sleeps nor starts threads",
        ),
        (
            &["std", "time", "Instant"],
            "time enters the engine only through the injected Clock",
        ),
        (
            &["std", "time", "SystemTime"],
            "time enters the engine only through the injected Clock",
        ),
        (
            &["rand", "thread_rng"],
            "randomness in the engine comes from seeded sources",
        ),
        (
            &["rand", "random"],
            "randomness in the engine comes from seeded sources",
        ),
        (
            &["rand", "rngs", "ThreadRng"],
            "randomness in the engine comes from seeded sources",
        ),
        (
            &["rand", "rngs", "OsRng"],
            "randomness in the engine comes from seeded sources",
        ),
        (
            &["ahash", "RandomState", "new"],
            "hash seeds in the engine are given (RandomState::with_seeds)",
        ),
    ];
    IMPURE
        .iter()
        .find(|(forbidden, _)| starts_with(path, forbidden))
        .map(|(_, reason)| *reason)
}

/// True when a resolved call path starts a task or thread whose handle
/// must be kept (or the task put in a TaskTracker).
pub fn is_spawn_function(path: &[String]) -> bool {
    const SPAWNS: &[&[&str]] = &[
        &["tokio", "spawn"],
        &["tokio", "task", "spawn"],
        &["tokio", "task", "spawn_blocking"],
        &["tokio", "task", "spawn_local"],
        &["std", "thread", "spawn"],
    ];
    SPAWNS.iter().any(|spawn| path_equals(path, spawn))
}

/// Why a resolved path breaks a rule, or `None` when it does not.
pub type PathCheck = fn(&[String]) -> Option<&'static str>;

/// The rules decided by a resolved path alone, each with its check.
pub const PATH_RULES: [(Rule, PathCheck); 3] = [
    (Rule::BoundedChannels, unbounded_channel_reason),
    (Rule::NoTokioMutex, tokio_lock_reason),
    (Rule::EnginePurity, impure_engine_reason),
];

fn starts_with(path: &[String], prefix: &[&str]) -> bool {
    path.len() >= prefix.len() && path.iter().zip(prefix).all(|(a, b)| a == b)
}

fn path_equals(path: &[String], other: &[&str]) -> bool {
    path.len() == other.len() && starts_with(path, other)
}
