//! COMMAND INFO and DOCS data for the generic commands (see `mod.rs`).

use super::ArgType::*;
use super::BeginSearch as B;
use super::FindKeys as FK;
use super::KeyFlags as K;
use super::*;
use crate::command::{Categories as C, Flags as F};

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "copy",
        summary: "Copies a key's value to another key.",
        since: "6.2.0",
        group: Group::Generic,
        complexity: Some("O(N) at worst for a collection of N items; O(1) for a string"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
            ks(K::of(&[K::OW, K::UPDATE]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("source", Key).ks(0),
            arg("destination", Key).ks(1),
            arg("destination-db", Integer).token("DB").optional(),
            arg("replace", PureToken).token("REPLACE").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "del",
        summary: "Removes keys.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(N) for N keys deleted, each collection adding O(M) for its M elements; O(1) for one string key"),
        tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
        key_specs: &[
            ks(K::of(&[K::RM, K::DELETE]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "dump",
        summary: "Serializes a key's value in the RDB format.",
        since: "2.6.0",
        group: Group::Generic,
        complexity: Some("O(1) to find the key plus O(N*M) to encode a value of N objects of mean size M; about O(1) for a short string"),
        tips: &["nondeterministic_output"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "exists",
        summary: "Counts how many of the given keys exist.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(N) for N keys given"),
        history: &[
            ("3.0.3", "Several keys in one call"),
        ],
        tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
        key_specs: &[
            ks(K::of(&[K::RO]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "expire",
        summary: "Sets a key's time to live in seconds.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        history: &[
            ("7.0.0", "The `NX`, `XX`, `GT` and `LT` conditions"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("seconds", Integer),
            arg("condition", Oneof).since("7.0.0").optional().args(&[
                arg("nx", PureToken).token("NX"),
                arg("xx", PureToken).token("XX"),
                arg("gt", PureToken).token("GT"),
                arg("lt", PureToken).token("LT"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "expireat",
        summary: "Sets a key to expire at a Unix time in seconds.",
        since: "1.2.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        history: &[
            ("7.0.0", "The `NX`, `XX`, `GT` and `LT` conditions"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("unix-time-seconds", UnixTime),
            arg("condition", Oneof).since("7.0.0").optional().args(&[
                arg("nx", PureToken).token("NX"),
                arg("xx", PureToken).token("XX"),
                arg("gt", PureToken).token("GT"),
                arg("lt", PureToken).token("LT"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "expiretime",
        summary: "Answers the Unix time in seconds at which a key expires.",
        since: "7.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "keys",
        summary: "Answers the key names matching a glob pattern.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(N) for a database of N keys, given short key names and pattern"),
        tips: &["request_policy:all_shards", "nondeterministic_output_order"],
        arguments: &[
            arg("pattern", Pattern),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "move",
        summary: "Moves a key to another database.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("db", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "object",
        summary: "Container for the subcommands that inspect a key's value.",
        since: "2.2.3",
        group: Group::Generic,
        complexity: Some("See each subcommand"),
        subcommands: &[
            Subcommand {
                arity: 3,
                flags: F::of(&[F::READONLY]),
                categories: C::of(&[C::KEYSPACE, C::READ, C::SLOW]),
                meta: CommandMeta {
                    name: "object|encoding",
                    summary: "Answers how a key's value is represented in memory.",
                    since: "2.2.3",
                    group: Group::Generic,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output"],
                    key_specs: &[
                        ks(K::of(&[K::RO]), range(2, 0, 1, 0)),
                    ],
                    arguments: &[
                        arg("key", Key).ks(0),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 3,
                flags: F::of(&[F::READONLY]),
                categories: C::of(&[C::KEYSPACE, C::READ, C::SLOW]),
                meta: CommandMeta {
                    name: "object|freq",
                    summary: "Answers the access frequency counter of a key.",
                    since: "4.0.0",
                    group: Group::Generic,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output"],
                    key_specs: &[
                        ks(K::of(&[K::RO]), range(2, 0, 1, 0)),
                    ],
                    arguments: &[
                        arg("key", Key).ks(0),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::KEYSPACE, C::SLOW]),
                meta: CommandMeta {
                    name: "object|help",
                    summary: "Lists the OBJECT subcommands.",
                    since: "6.2.0",
                    group: Group::Generic,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 3,
                flags: F::of(&[F::READONLY]),
                categories: C::of(&[C::KEYSPACE, C::READ, C::SLOW]),
                meta: CommandMeta {
                    name: "object|idletime",
                    summary: "Answers how many seconds passed since a key was last read or written.",
                    since: "2.2.3",
                    group: Group::Generic,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output"],
                    key_specs: &[
                        ks(K::of(&[K::RO]), range(2, 0, 1, 0)),
                    ],
                    arguments: &[
                        arg("key", Key).ks(0),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 3,
                flags: F::of(&[F::READONLY]),
                categories: C::of(&[C::KEYSPACE, C::READ, C::SLOW]),
                meta: CommandMeta {
                    name: "object|refcount",
                    summary: "Answers the reference count of a key's value.",
                    since: "2.2.3",
                    group: Group::Generic,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output"],
                    key_specs: &[
                        ks(K::of(&[K::RO]), range(2, 0, 1, 0)),
                    ],
                    arguments: &[
                        arg("key", Key).ks(0),
                    ],
                    ..CommandMeta::NONE
                },
            },
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "persist",
        summary: "Removes a key's expiry.",
        since: "2.2.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "pexpire",
        summary: "Sets a key's time to live in milliseconds.",
        since: "2.6.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        history: &[
            ("7.0.0", "The `NX`, `XX`, `GT` and `LT` conditions"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("milliseconds", Integer),
            arg("condition", Oneof).since("7.0.0").optional().args(&[
                arg("nx", PureToken).token("NX"),
                arg("xx", PureToken).token("XX"),
                arg("gt", PureToken).token("GT"),
                arg("lt", PureToken).token("LT"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "pexpireat",
        summary: "Sets a key to expire at a Unix time in milliseconds.",
        since: "2.6.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        history: &[
            ("7.0.0", "The `NX`, `XX`, `GT` and `LT` conditions"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("unix-time-milliseconds", UnixTime),
            arg("condition", Oneof).since("7.0.0").optional().args(&[
                arg("nx", PureToken).token("NX"),
                arg("xx", PureToken).token("XX"),
                arg("gt", PureToken).token("GT"),
                arg("lt", PureToken).token("LT"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "pexpiretime",
        summary: "Answers the Unix time in milliseconds at which a key expires.",
        since: "7.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "pttl",
        summary: "Answers a key's remaining time to live in milliseconds.",
        since: "2.6.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        history: &[
            ("2.8.0", "-2 for a missing key"),
        ],
        tips: &["nondeterministic_output"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "randomkey",
        summary: "Answers a key name chosen at random.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        tips: &["request_policy:all_shards", "nondeterministic_output"],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "rename",
        summary: "Gives a key a new name, replacing any key of that name.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::OW, K::UPDATE]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("newkey", Key).ks(1),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "renamenx",
        summary: "Gives a key a new name only when no key has it.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        history: &[
            ("3.2.0", "Same source and destination is no error"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::OW, K::INSERT]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("newkey", Key).ks(1),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "restore",
        summary: "Creates a key from a value serialized by DUMP.",
        since: "2.6.0",
        group: Group::Generic,
        complexity: Some("O(1) to make the key plus O(N*M) to decode a value of N objects of mean size M; about O(1) for a short string, O(N*M*log(N)) for a sorted set"),
        history: &[
            ("3.0.0", "The `REPLACE` flag"),
            ("5.0.0", "The `ABSTTL` flag"),
            ("5.0.0", "The `IDLETIME` and `FREQ` arguments"),
        ],
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("ttl", Integer),
            arg("serialized-value", String),
            arg("replace", PureToken).token("REPLACE").since("3.0.0").optional(),
            arg("absttl", PureToken).token("ABSTTL").since("5.0.0").optional(),
            arg("seconds", Integer).token("IDLETIME").since("5.0.0").optional(),
            arg("frequency", Integer).token("FREQ").since("5.0.0").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "scan",
        summary: "Walks the key space with a cursor.",
        since: "2.8.0",
        group: Group::Generic,
        complexity: Some("O(1) per call; O(N) for the whole cursor cycle back to 0 over N elements"),
        history: &[
            ("6.0.0", "Filters by `TYPE`"),
        ],
        tips: &["nondeterministic_output", "request_policy:special"],
        arguments: &[
            arg("cursor", Integer),
            arg("pattern", Pattern).token("MATCH").optional(),
            arg("count", Integer).token("COUNT").optional(),
            arg("type", String).token("TYPE").since("6.0.0").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sort",
        summary: "Sorts the elements of a list, set or sorted set, optionally storing the result.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(N+M*log(M)) for N input elements and M answered; O(N) with no sorting"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), (B::Unknown, FK::Unknown)).notes("BY and GET patterns name keys derived from the sorted values, so their positions cannot be known."),
            ks(K::of(&[K::OW, K::UPDATE]), (B::Unknown, FK::Unknown)).notes("STORE may appear anywhere among the options, so its position cannot be known."),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("pattern", Pattern).ks(1).token("BY").optional(),
            arg("offset_count", Block).token("LIMIT").optional().args(&[
                arg("offset", Integer),
                arg("count", Integer),
            ]),
            arg("pattern", Pattern).ks(1).token("GET").optional().multiple().multiple_token(),
            arg("order", Oneof).optional().args(&[
                arg("asc", PureToken).token("ASC"),
                arg("desc", PureToken).token("DESC"),
            ]),
            arg("sorting", PureToken).token("ALPHA").optional(),
            arg("destination", Key).ks(2).token("STORE").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sort_ro",
        summary: "Sorts the elements of a list, set or sorted set, without writing.",
        since: "7.0.0",
        group: Group::Generic,
        complexity: Some("O(N+M*log(M)) for N input elements and M answered; O(N) with no sorting"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), (B::Unknown, FK::Unknown)).notes("BY and GET patterns name keys derived from the sorted values, so their positions cannot be known."),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("pattern", Pattern).ks(1).token("BY").optional(),
            arg("offset_count", Block).token("LIMIT").optional().args(&[
                arg("offset", Integer),
                arg("count", Integer),
            ]),
            arg("pattern", Pattern).ks(1).token("GET").optional().multiple().multiple_token(),
            arg("order", Oneof).optional().args(&[
                arg("asc", PureToken).token("ASC"),
                arg("desc", PureToken).token("DESC"),
            ]),
            arg("sorting", PureToken).token("ALPHA").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "touch",
        summary: "Counts the given keys that exist, marking them as accessed.",
        since: "3.2.1",
        group: Group::Generic,
        complexity: Some("O(N) for N keys given"),
        tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
        key_specs: &[
            ks(K::of(&[K::RO]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "ttl",
        summary: "Answers a key's remaining time to live in seconds.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        history: &[
            ("2.8.0", "-2 for a missing key"),
        ],
        tips: &["nondeterministic_output"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "type",
        summary: "Answers the type of a key's value.",
        since: "1.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RO]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "unlink",
        summary: "Removes keys, freeing their memory in the background.",
        since: "4.0.0",
        group: Group::Generic,
        complexity: Some("O(1) per key whatever its size, then O(N) in the background to free its N allocations"),
        tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
        key_specs: &[
            ks(K::of(&[K::RM, K::DELETE]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "wait",
        summary: "Waits until earlier writes reach a number of replicas.",
        since: "3.0.0",
        group: Group::Generic,
        complexity: Some("O(1)"),
        tips: &["request_policy:all_shards", "response_policy:agg_min"],
        arguments: &[
            arg("numreplicas", Integer),
            arg("timeout", Integer),
        ],
        ..CommandMeta::NONE
    },
];
