//! COMMAND INFO and DOCS data for the pubsub commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;
use crate::command::{Categories as C, Flags as F};

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "psubscribe",
        summary: "Subscribes this connection to the channels matching patterns.",
        since: "2.0.0",
        group: Group::Pubsub,
        complexity: Some("O(N) where N is the number of patterns the client is already subscribed to."),
        arguments: &[
            arg("pattern", Block).multiple().args(&[
                arg("pattern", Pattern),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "publish",
        summary: "Sends a message to a channel's subscribers.",
        since: "2.0.0",
        group: Group::Pubsub,
        complexity: Some("O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."),
        arguments: &[
            arg("channel", String),
            arg("message", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "pubsub",
        summary: "Container for the subcommands that inspect publish/subscribe state.",
        since: "2.8.0",
        group: Group::Pubsub,
        complexity: Some("Depends on subcommand."),
        subcommands: &[
            Subcommand {
                arity: -2,
                flags: F::of(&[F::PUBSUB, F::LOADING, F::STALE]),
                categories: C::of(&[C::PUBSUB, C::SLOW]),
                meta: CommandMeta {
                    name: "pubsub|channels",
                    summary: "Answers the channels that have subscribers, optionally matching a pattern.",
                    since: "2.8.0",
                    group: Group::Pubsub,
                    complexity: Some("O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"),
                    arguments: &[
                        arg("pattern", Pattern).optional(),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::LOADING, F::STALE]),
                categories: C::of(&[C::SLOW]),
                meta: CommandMeta {
                    name: "pubsub|help",
                    summary: "Lists the PUBSUB subcommands.",
                    since: "6.2.0",
                    group: Group::Pubsub,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: 2,
                flags: F::of(&[F::PUBSUB, F::LOADING, F::STALE]),
                categories: C::of(&[C::PUBSUB, C::SLOW]),
                meta: CommandMeta {
                    name: "pubsub|numpat",
                    summary: "Answers how many pattern subscriptions exist.",
                    since: "2.8.0",
                    group: Group::Pubsub,
                    complexity: Some("O(1)"),
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::PUBSUB, F::LOADING, F::STALE]),
                categories: C::of(&[C::PUBSUB, C::SLOW]),
                meta: CommandMeta {
                    name: "pubsub|numsub",
                    summary: "Answers the number of subscribers of each given channel.",
                    since: "2.8.0",
                    group: Group::Pubsub,
                    complexity: Some("O(N) for the NUMSUB subcommand, where N is the number of requested channels"),
                    arguments: &[
                        arg("channel", String).optional().multiple(),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::PUBSUB, F::LOADING, F::STALE]),
                categories: C::of(&[C::PUBSUB, C::SLOW]),
                meta: CommandMeta {
                    name: "pubsub|shardchannels",
                    summary: "Answers the shard channels that have subscribers, optionally matching a pattern.",
                    since: "7.0.0",
                    group: Group::Pubsub,
                    complexity: Some("O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)."),
                    arguments: &[
                        arg("pattern", Pattern).optional(),
                    ],
                    ..CommandMeta::NONE
                },
            },
            Subcommand {
                arity: -2,
                flags: F::of(&[F::PUBSUB, F::LOADING, F::STALE]),
                categories: C::of(&[C::PUBSUB, C::SLOW]),
                meta: CommandMeta {
                    name: "pubsub|shardnumsub",
                    summary: "Answers the number of subscribers of each given shard channel.",
                    since: "7.0.0",
                    group: Group::Pubsub,
                    complexity: Some("O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels"),
                    arguments: &[
                        arg("shardchannel", String).optional().multiple(),
                    ],
                    ..CommandMeta::NONE
                },
            },
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "punsubscribe",
        summary: "Removes this connection's pattern subscriptions.",
        since: "2.0.0",
        group: Group::Pubsub,
        complexity: Some("O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client)."),
        arguments: &[
            arg("pattern", Pattern).optional().multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "spublish",
        summary: "Sends a message to a shard channel's subscribers.",
        since: "7.0.0",
        group: Group::Pubsub,
        complexity: Some("O(N) where N is the number of clients subscribed to the receiving shard channel."),
        key_specs: &[
            ks(K::of(&[K::NOT_KEY]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("shardchannel", String),
            arg("message", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "ssubscribe",
        summary: "Subscribes this connection to shard channels.",
        since: "7.0.0",
        group: Group::Pubsub,
        complexity: Some("O(N) where N is the number of shard channels to subscribe to."),
        key_specs: &[
            ks(K::of(&[K::NOT_KEY]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("shardchannel", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "subscribe",
        summary: "Subscribes this connection to channels.",
        since: "2.0.0",
        group: Group::Pubsub,
        complexity: Some("O(N) where N is the number of channels to subscribe to."),
        arguments: &[
            arg("channel", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sunsubscribe",
        summary: "Removes this connection's shard channel subscriptions.",
        since: "7.0.0",
        group: Group::Pubsub,
        complexity: Some("O(N) where N is the number of clients already subscribed to a shard channel."),
        key_specs: &[
            ks(K::of(&[K::NOT_KEY]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("shardchannel", String).optional().multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "unsubscribe",
        summary: "Removes this connection's channel subscriptions.",
        since: "2.0.0",
        group: Group::Pubsub,
        complexity: Some("O(N) where N is the number of clients already subscribed to a channel."),
        arguments: &[
            arg("channel", String).optional().multiple(),
        ],
        ..CommandMeta::NONE
    },
];
