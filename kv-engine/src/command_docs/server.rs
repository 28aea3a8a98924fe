//! COMMAND INFO and DOCS data for the server commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;
use crate::command::{Categories as C, Flags as F};

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "bgrewriteaof",
        summary: "Starts rewriting the append-only file in the background.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(1)"),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "bgsave",
        summary: "Starts writing a snapshot of the dataset to disk in the background.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(1)"),
        history: &[
            ("3.2.2", "The `SCHEDULE` flag"),
        ],
        arguments: &[
            arg("schedule", PureToken).token("SCHEDULE").since("3.2.2").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "command",
        summary: "Describes every command the server implements.",
        since: "2.8.13",
        group: Group::Server,
        complexity: Some("O(N) for N commands in the server"),
        tips: &["nondeterministic_output_order"],
        subcommands: &[
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "command|count",
                    summary: "Answers how many commands the server implements.",
                    since: "2.8.13",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "command|docs",
                    summary: "Answers the documentation of some or all commands.",
                    since: "7.0.0",
                    group: Group::Server,
                    complexity: Some("O(N) for N commands named"),
                    tips: &["nondeterministic_output_order"],
                    arguments: &[
                        arg("command-name", String).optional().multiple(),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -4,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "command|getkeys",
                    summary: "Extracts the key names from a full command line.",
                    since: "2.8.13",
                    group: Group::Server,
                    complexity: Some("O(N) for N arguments"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -4,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "command|getkeysandflags",
                    summary: "Extracts the key names from a full command line, with how each key is used.",
                    since: "7.0.0",
                    group: Group::Server,
                    complexity: Some("O(N) for N arguments"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "command|help",
                    summary: "Lists the COMMAND subcommands.",
                    since: "5.0.0",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "command|info",
                    summary: "Describes some or all commands: arity, flags, keys, categories.",
                    since: "2.8.13",
                    group: Group::Server,
                    complexity: Some("O(N) for N commands named"),
                    history: &[
                        ("7.0.0", "With no names, describes every command"),
                    ],
                    tips: &["nondeterministic_output_order"],
                    arguments: &[
                        arg("command-name", String).optional().multiple(),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "command|list",
                    summary: "Lists command names, optionally filtered.",
                    since: "7.0.0",
                    group: Group::Server,
                    complexity: Some("O(N) for N commands in the server"),
                    tips: &["nondeterministic_output_order"],
                    arguments: &[
                        arg("filterby", Oneof).token("FILTERBY").optional().args(&[
                            arg("module-name", String).token("MODULE"),
                            arg("category", String).token("ACLCAT"),
                            arg("pattern", Pattern).token("PATTERN"),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "config",
        summary: "Container for the subcommands that read and change the configuration.",
        since: "2.0.0",
        group: Group::Server,
        complexity: Some("See each subcommand"),
        subcommands: &[
            Subcommand {
                arity: -3,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "config|get",
                    summary: "Answers the values of the parameters matching one or more patterns.",
                    since: "2.0.0",
                    group: Group::Server,
                    complexity: Some("O(N) for N parameters given"),
                    history: &[
                        ("7.0.0", "Several patterns in one call"),
                    ],
                    arguments: &[
                        arg("parameter", Block).multiple().args(&[
                            arg("parameter", String),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW]),
                meta: CommandMeta {
                    name: "config|help",
                    summary: "Lists the CONFIG subcommands.",
                    since: "5.0.0",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "config|resetstat",
                    summary: "Zeroes the statistics the server keeps.",
                    since: "2.0.0",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "config|rewrite",
                    summary: "Writes the running configuration back to the configuration file.",
                    since: "2.8.0",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -4,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "config|set",
                    summary: "Changes one or more parameters at once, all or none.",
                    since: "2.0.0",
                    group: Group::Server,
                    complexity: Some("O(N) for N parameters given"),
                    history: &[
                        ("7.0.0", "Several parameters in one call"),
                    ],
                    tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
                    arguments: &[
                        arg("parameter_value", Block).multiple().args(&[
                            arg("parameter", String),
                            arg("value", String),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "dbsize",
        summary: "Answers how many keys the selected database holds.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(1)"),
        tips: &["request_policy:all_shards", "response_policy:agg_sum"],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "debug",
        summary: "Debugging and testing helpers.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("See each subcommand"),
        doc_flags: DocFlags(DocFlags::SYSCMD.0),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "flushall",
        summary: "Removes every key from every database.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(N) for N keys across the databases"),
        history: &[
            ("4.0.0", "The `ASYNC` mode"),
            ("6.2.0", "The `SYNC` mode"),
        ],
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        arguments: &[
            arg("async", Oneof).optional().args(&[
                arg("async", PureToken).token("ASYNC").since("4.0.0"),
                arg("sync", PureToken).token("SYNC").since("6.2.0"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "flushdb",
        summary: "Removes every key from the selected database.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(N) for N keys in the current database"),
        history: &[
            ("4.0.0", "The `ASYNC` mode"),
            ("6.2.0", "The `SYNC` mode"),
        ],
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        arguments: &[
            arg("async", Oneof).optional().args(&[
                arg("async", PureToken).token("ASYNC").since("4.0.0"),
                arg("sync", PureToken).token("SYNC").since("6.2.0"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "info",
        summary: "Answers information and statistics about the server, by section.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(1)"),
        history: &[
            ("7.0.0", "Several sections in one call"),
        ],
        tips: &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
        arguments: &[
            arg("section", String).optional().multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lastsave",
        summary: "Answers the Unix time of the last successful save to disk.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(1)"),
        tips: &["nondeterministic_output"],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "latency",
        summary: "Container for the latency monitor's subcommands.",
        since: "2.8.13",
        group: Group::Server,
        complexity: Some("See each subcommand"),
        subcommands: &[
            Subcommand {
                arity: 2,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "latency|doctor",
                    summary: "Reports on latency events in plain language.",
                    since: "2.8.13",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW]),
                meta: CommandMeta {
                    name: "latency|help",
                    summary: "Lists the LATENCY subcommands.",
                    since: "2.8.13",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "latency|histogram",
                    summary: "Answers the latency histograms of some or all commands.",
                    since: "7.0.0",
                    group: Group::Server,
                    complexity: Some("O(N), N the number of commands answered"),
                    tips: &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"],
                    arguments: &[
                        arg("command", String).optional().multiple(),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 3,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "latency|history",
                    summary: "Answers the recorded samples of one latency event.",
                    since: "2.8.13",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"],
                    arguments: &[
                        arg("event", String),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "latency|latest",
                    summary: "Answers the latest sample of every latency event.",
                    since: "2.8.13",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "latency|reset",
                    summary: "Clears the recorded samples of some or all latency events.",
                    since: "2.8.13",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
                    arguments: &[
                        arg("event", String).optional().multiple(),
                    ],
                    ..CommandMeta::NONE
                },
            },
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "memory",
        summary: "Container for the memory introspection subcommands.",
        since: "4.0.0",
        group: Group::Server,
        complexity: Some("See each subcommand"),
        subcommands: &[
            Subcommand {
                arity: 2,
                flags: F(0),
                categories: C::of(&[C::SLOW]),
                meta: CommandMeta {
                    name: "memory|doctor",
                    summary: "Reports on memory use in plain language.",
                    since: "4.0.0",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW]),
                meta: CommandMeta {
                    name: "memory|help",
                    summary: "Lists the MEMORY subcommands.",
                    since: "4.0.0",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F(0),
                categories: C::of(&[C::SLOW]),
                meta: CommandMeta {
                    name: "memory|stats",
                    summary: "Answers details of the server's memory use.",
                    since: "4.0.0",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -3,
                flags: F::of(&[F::READONLY]),
                categories: C::of(&[C::READ, C::SLOW]),
                meta: CommandMeta {
                    name: "memory|usage",
                    summary: "Estimates how many bytes a key and its value take.",
                    since: "4.0.0",
                    group: Group::Server,
                    complexity: Some("O(N) for N samples taken"),
                    key_specs: &[
                        ks(K::of(&[K::RO]), range(2, 0, 1, 0)),
                    ],
                    arguments: &[
                        arg("key", Key).ks(0),
                        arg("count", Integer).token("SAMPLES").optional(),
                    ],
                    ..CommandMeta::NONE
                },
            },
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "monitor",
        summary: "Streams every command the server runs to this connection.",
        since: "1.0.0",
        group: Group::Server,
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "save",
        summary: "Writes a snapshot of the dataset to disk, blocking until done.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(N) for N keys across the databases"),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "shutdown",
        summary: "Stops the server, saving first when configured to.",
        since: "1.0.0",
        group: Group::Server,
        complexity: Some("O(N) for N keys across the databases when it saves, O(1) when not"),
        history: &[
            ("7.0.0", "The `NOW`, `FORCE` and `ABORT` flags"),
        ],
        arguments: &[
            arg("nosave_save", Oneof).optional().args(&[
                arg("nosave", PureToken).token("NOSAVE"),
                arg("save", PureToken).token("SAVE"),
            ]),
            arg("now", PureToken).token("NOW").since("7.0.0").optional(),
            arg("force", PureToken).token("FORCE").since("7.0.0").optional(),
            arg("abort", PureToken).token("ABORT").since("7.0.0").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "slowlog",
        summary: "Container for the slow log's subcommands.",
        since: "2.2.12",
        group: Group::Server,
        complexity: Some("See each subcommand"),
        subcommands: &[
            Subcommand {
                arity: -2,
                flags: F::of(&[F::ADMIN, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "slowlog|get",
                    summary: "Answers the most recent slow log entries.",
                    since: "2.2.12",
                    group: Group::Server,
                    complexity: Some("O(N) for N entries answered"),
                    history: &[
                        ("4.0.0", "Entries carry the client's address and name"),
                    ],
                    tips: &["request_policy:all_nodes", "nondeterministic_output"],
                    arguments: &[
                        arg("count", Integer).optional(),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW]),
                meta: CommandMeta {
                    name: "slowlog|help",
                    summary: "Lists the SLOWLOG subcommands.",
                    since: "6.2.0",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::ADMIN, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "slowlog|len",
                    summary: "Answers how many entries the slow log holds.",
                    since: "2.2.12",
                    group: Group::Server,
                    complexity: Some("O(1)"),
                    tips: &["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::ADMIN, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]),
                meta: CommandMeta {
                    name: "slowlog|reset",
                    summary: "Empties the slow log.",
                    since: "2.2.12",
                    group: Group::Server,
                    complexity: Some("O(N) for N entries in the log"),
                    tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
                    ..CommandMeta::NONE
                },
            },
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "swapdb",
        summary: "Exchanges the contents of two databases.",
        since: "4.0.0",
        group: Group::Server,
        complexity: Some("O(N) for N clients watching or blocked on keys of the two databases"),
        arguments: &[
            arg("index1", Integer),
            arg("index2", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "time",
        summary: "Answers the server's clock as seconds and microseconds.",
        since: "2.6.0",
        group: Group::Server,
        complexity: Some("O(1)"),
        tips: &["nondeterministic_output"],
        ..CommandMeta::NONE
    },
];
