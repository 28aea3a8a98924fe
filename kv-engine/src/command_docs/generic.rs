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
        complexity: Some("O(N) worst case for collections, where N is the number of nested items. O(1) for string values."),
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
        complexity: Some("O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)."),
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
        complexity: Some("O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)."),
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
        complexity: Some("O(N) where N is the number of keys to check."),
        history: &[
            ("3.0.3", "Accepts multiple `key` arguments."),
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
            ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
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
            ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
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
        complexity: Some("O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length."),
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
        complexity: Some("Depends on subcommand."),
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
            ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
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
            ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
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
            ("2.8.0", "Added the -2 reply."),
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
            ("3.2.0", "The command no longer returns an error when source and destination names are the same."),
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
        complexity: Some("O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."),
        history: &[
            ("3.0.0", "Added the `REPLACE` modifier."),
            ("5.0.0", "Added the `ABSTTL` modifier."),
            ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
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
        complexity: Some("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
        history: &[
            ("6.0.0", "Added the `TYPE` subcommand."),
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
        complexity: Some("O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."),
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
        complexity: Some("O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."),
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
        complexity: Some("O(N) where N is the number of keys that will be touched."),
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
            ("2.8.0", "Added the -2 reply."),
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
        complexity: Some("O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of."),
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
