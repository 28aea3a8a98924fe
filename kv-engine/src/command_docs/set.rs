//! COMMAND INFO and DOCS data for the set commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "sadd",
        summary: "Adds members to a set, creating it when missing.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
        history: &[
            ("2.4.0", "Accepts multiple `member` arguments."),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("member", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "scard",
        summary: "Counts the members of a set.",
        since: "1.0.0",
        group: Group::Set,
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
        name: "sdiff",
        summary: "Answers the members of the first set missing from all the others.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(N) where N is the total number of elements in all given sets."),
        tips: &["nondeterministic_output_order"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sdiffstore",
        summary: "Stores the members of the first set missing from all the others.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(N) where N is the total number of elements in all given sets."),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), range(2, -1, 1, 0)),
        ],
        arguments: &[
            arg("destination", Key).ks(0),
            arg("key", Key).ks(1).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sinter",
        summary: "Answers the members common to all the given sets.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
        tips: &["nondeterministic_output_order"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sintercard",
        summary: "Counts the members common to all the given sets.",
        since: "7.0.0",
        group: Group::Set,
        complexity: Some("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), keynum(1, 0, 1, 1)),
        ],
        arguments: &[
            arg("numkeys", Integer),
            arg("key", Key).ks(0).multiple(),
            arg("limit", Integer).token("LIMIT").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sinterstore",
        summary: "Stores the members common to all the given sets.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), range(2, -1, 1, 0)),
        ],
        arguments: &[
            arg("destination", Key).ks(0),
            arg("key", Key).ks(1).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sismember",
        summary: "Tells whether a value is a member of a set.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RO]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("member", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "smembers",
        summary: "Answers every member of a set.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(N) where N is the set cardinality."),
        tips: &["nondeterministic_output_order"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "smismember",
        summary: "Tells for each of several values whether it is a member of a set.",
        since: "6.2.0",
        group: Group::Set,
        complexity: Some("O(N) where N is the number of elements being checked for membership"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("member", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "smove",
        summary: "Moves a member from one set to another.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RW, K::INSERT]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("source", Key).ks(0),
            arg("destination", Key).ks(1),
            arg("member", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "spop",
        summary: "Removes and answers random members of a set.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("Without the count argument O(1), otherwise O(N) where N is the value of the passed count."),
        history: &[
            ("3.2.0", "Added the `count` argument."),
        ],
        tips: &["nondeterministic_output"],
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("count", Integer).since("3.2.0").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "srandmember",
        summary: "Answers random members of a set.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."),
        history: &[
            ("2.6.0", "Added the optional `count` argument."),
        ],
        tips: &["nondeterministic_output"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("count", Integer).since("2.6.0").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "srem",
        summary: "Removes members from a set.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(N) where N is the number of members to be removed."),
        history: &[
            ("2.4.0", "Accepts multiple `member` arguments."),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("member", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sscan",
        summary: "Walks the members of a set with a cursor.",
        since: "2.8.0",
        group: Group::Set,
        complexity: Some("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."),
        tips: &["nondeterministic_output"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("cursor", Integer),
            arg("pattern", Pattern).token("MATCH").optional(),
            arg("count", Integer).token("COUNT").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sunion",
        summary: "Answers the members of any of the given sets.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(N) where N is the total number of elements in all given sets."),
        tips: &["nondeterministic_output_order"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "sunionstore",
        summary: "Stores the members of any of the given sets.",
        since: "1.0.0",
        group: Group::Set,
        complexity: Some("O(N) where N is the total number of elements in all given sets."),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), range(2, -1, 1, 0)),
        ],
        arguments: &[
            arg("destination", Key).ks(0),
            arg("key", Key).ks(1).multiple(),
        ],
        ..CommandMeta::NONE
    },
];
