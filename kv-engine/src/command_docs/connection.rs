//! COMMAND INFO and DOCS data for the connection commands (see `mod.rs`).

use super::ArgType::*;
use super::*;
use crate::command::{Categories as C, Flags as F};

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "auth",
        summary: "Authenticates the connection with a password.",
        since: "1.0.0",
        group: Group::Connection,
        complexity: Some("O(N) where N is the number of passwords defined for the user"),
        history: &[
            ("6.0.0", "Added ACL style (username and password)."),
        ],
        arguments: &[
            arg("username", String).since("6.0.0").optional(),
            arg("password", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "client",
        summary: "Container for the subcommands that inspect and control client connections.",
        since: "2.4.0",
        group: Group::Connection,
        complexity: Some("Depends on subcommand."),
        subcommands: &[
            Subcommand {
                arity: 2,
                flags: F::of(&[F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|getname",
                    summary: "Answers the name this connection was given.",
                    since: "2.6.9",
                    group: Group::Connection,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|help",
                    summary: "Lists the CLIENT subcommands.",
                    since: "5.0.0",
                    group: Group::Connection,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|id",
                    summary: "Answers this connection's unique id.",
                    since: "5.0.0",
                    group: Group::Connection,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|info",
                    summary: "Describes this connection in CLIENT LIST's format.",
                    since: "6.2.0",
                    group: Group::Connection,
                    complexity: Some("O(1)"),
                    tips: &["nondeterministic_output"],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -3,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|kill",
                    summary: "Closes one or more client connections chosen by filters.",
                    since: "2.4.0",
                    group: Group::Connection,
                    complexity: Some("O(N) where N is the number of client connections"),
                    history: &[
                        ("2.8.12", "Added new filter format."),
                        ("2.8.12", "`ID` option."),
                        ("3.2.0", "Added `master` type in for `TYPE` option."),
                        ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."),
                        ("6.2.0", "`LADDR` option."),
                    ],
                    arguments: &[
                        arg("filter", Oneof).args(&[
                            arg("ip:port", String).deprecated_since("2.8.12"),
                            arg("new-format", Oneof).multiple().args(&[
                                arg("client-id", Integer).token("ID").since("2.8.12").optional(),
                                arg("normal_master_slave_pubsub", Oneof).token("TYPE").since("2.8.12").optional().args(&[
                                    arg("normal", PureToken).token("NORMAL"),
                                    arg("master", PureToken).token("MASTER").since("3.2.0"),
                                    arg("slave", PureToken).token("SLAVE"),
                                    arg("replica", PureToken).token("REPLICA").since("5.0.0"),
                                    arg("pubsub", PureToken).token("PUBSUB"),
                                ]),
                                arg("username", String).token("USER").optional(),
                                arg("ip:port", String).token("ADDR").optional(),
                                arg("ip:port", String).token("LADDR").since("6.2.0").optional(),
                                arg("yes/no", String).token("SKIPME").optional(),
                            ]),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|list",
                    summary: "Describes every client connection, one line each.",
                    since: "2.4.0",
                    group: Group::Connection,
                    complexity: Some("O(N) where N is the number of client connections"),
                    history: &[
                        ("2.8.12", "Added unique client `id` field."),
                        ("5.0.0", "Added optional `TYPE` filter."),
                        ("6.0.0", "Added `user` field."),
                        ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."),
                        ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
                        ("7.0.3", "Added `ssub` field."),
                    ],
                    tips: &["nondeterministic_output"],
                    arguments: &[
                        arg("normal_master_replica_pubsub", Oneof).token("TYPE").since("5.0.0").optional().args(&[
                            arg("normal", PureToken).token("NORMAL"),
                            arg("master", PureToken).token("MASTER"),
                            arg("replica", PureToken).token("REPLICA"),
                            arg("pubsub", PureToken).token("PUBSUB"),
                        ]),
                        arg("id", Block).token("ID").since("6.2.0").optional().args(&[
                            arg("client-id", Integer).multiple(),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 3,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|no-evict",
                    summary: "Turns eviction protection on or off for this connection.",
                    since: "7.0.0",
                    group: Group::Connection,
                    complexity: Some("O(1)"),
                    arguments: &[
                        arg("enabled", Oneof).args(&[
                            arg("on", PureToken).token("ON"),
                            arg("off", PureToken).token("OFF"),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -3,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|pause",
                    summary: "Holds client commands for a number of milliseconds.",
                    since: "2.9.50",
                    group: Group::Connection,
                    complexity: Some("O(1)"),
                    history: &[
                        ("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."),
                    ],
                    arguments: &[
                        arg("timeout", Integer),
                        arg("mode", Oneof).since("6.2.0").optional().args(&[
                            arg("write", PureToken).token("WRITE"),
                            arg("all", PureToken).token("ALL"),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 3,
                flags: F::of(&[F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|reply",
                    summary: "Turns replies to this connection on, off, or off for the next command.",
                    since: "3.2.0",
                    group: Group::Connection,
                    complexity: Some("O(1)"),
                    arguments: &[
                        arg("on_off_skip", Oneof).args(&[
                            arg("on", PureToken).token("ON"),
                            arg("off", PureToken).token("OFF"),
                            arg("skip", PureToken).token("SKIP"),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 3,
                flags: F::of(&[F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|setname",
                    summary: "Gives this connection a name.",
                    since: "2.6.9",
                    group: Group::Connection,
                    complexity: Some("O(1)"),
                    arguments: &[
                        arg("connection-name", String),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -3,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|unblock",
                    summary: "Wakes a client blocked in a blocking command.",
                    since: "5.0.0",
                    group: Group::Connection,
                    complexity: Some("O(log N) where N is the number of client connections"),
                    arguments: &[
                        arg("client-id", Integer),
                        arg("timeout_error", Oneof).optional().args(&[
                            arg("timeout", PureToken).token("TIMEOUT"),
                            arg("error", PureToken).token("ERROR"),
                        ]),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]),
                categories: C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS, C::CONNECTION]),
                meta: CommandMeta {
                    name: "client|unpause",
                    summary: "Ends a pause started by CLIENT PAUSE.",
                    since: "6.2.0",
                    group: Group::Connection,
                    complexity: Some("O(N) Where N is the number of paused clients"),
                    ..CommandMeta::NONE
                },
            },
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "echo",
        summary: "Answers its argument.",
        since: "1.0.0",
        group: Group::Connection,
        complexity: Some("O(1)"),
        arguments: &[
            arg("message", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hello",
        summary: "Negotiates the protocol version, optionally authenticating and naming the connection.",
        since: "6.0.0",
        group: Group::Connection,
        complexity: Some("O(1)"),
        history: &[
            ("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."),
        ],
        arguments: &[
            arg("arguments", Block).optional().args(&[
                arg("protover", Integer),
                arg("username_password", Block).token("AUTH").optional().args(&[
                    arg("username", String),
                    arg("password", String),
                ]),
                arg("clientname", String).token("SETNAME").optional(),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "ping",
        summary: "Answers PONG, or its argument.",
        since: "1.0.0",
        group: Group::Connection,
        complexity: Some("O(1)"),
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        arguments: &[
            arg("message", String).optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "quit",
        summary: "Closes the connection.",
        since: "1.0.0",
        group: Group::Connection,
        complexity: Some("O(1)"),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "reset",
        summary: "Returns the connection to its initial state.",
        since: "6.2.0",
        group: Group::Connection,
        complexity: Some("O(1)"),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "select",
        summary: "Chooses the database this connection works on.",
        since: "1.0.0",
        group: Group::Connection,
        complexity: Some("O(1)"),
        arguments: &[
            arg("index", Integer),
        ],
        ..CommandMeta::NONE
    },
];
