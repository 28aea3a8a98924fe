//! COMMAND INFO and DOCS data for the hash commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "hdel",
        summary: "Removes fields from a hash.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) for N fields given"),
        history: &[("2.4.0", "Several fields in one call")],
        key_specs: &[ks(K::of(&[K::RW, K::DELETE]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0), arg("field", String).multiple()],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hexists",
        summary: "Tells whether a hash has a field.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RO]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0), arg("field", String)],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hget",
        summary: "Answers the value of a hash field.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0), arg("field", String)],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hgetall",
        summary: "Answers every field and value of a hash.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) for a hash of N fields"),
        tips: &["nondeterministic_output_order"],
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0)],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hincrby",
        summary: "Adds an integer to a hash field's value, from zero when missing.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field", String),
            arg("increment", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hincrbyfloat",
        summary: "Adds a floating point number to a hash field's value, from zero when missing.",
        since: "2.6.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field", String),
            arg("increment", Double),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hkeys",
        summary: "Answers every field of a hash.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) for a hash of N fields"),
        tips: &["nondeterministic_output_order"],
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0)],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hlen",
        summary: "Counts the fields of a hash.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RO]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0)],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hmget",
        summary: "Answers the values of several hash fields.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) for N fields asked for"),
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0), arg("field", String).multiple()],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hmset",
        summary: "Sets several hash fields.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) for N fields written"),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("4.0.0"),
        replaced_by: Some("`HSET key field value [field value ...]`"),
        key_specs: &[ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field_value", Block)
                .multiple()
                .args(&[arg("field", String), arg("value", String)]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hrandfield",
        summary: "Answers random fields of a hash, optionally with their values.",
        since: "6.2.0",
        group: Group::Hash,
        complexity: Some("O(N) for N fields answered"),
        tips: &["nondeterministic_output"],
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("options", Block).optional().args(&[
                arg("count", Integer),
                arg("withvalues", PureToken).token("WITHVALUES").optional(),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hscan",
        summary: "Walks the fields and values of a hash with a cursor.",
        since: "2.8.0",
        group: Group::Hash,
        complexity: Some(
            "O(1) per call; O(N) for the whole cursor cycle back to 0 over N elements",
        ),
        tips: &["nondeterministic_output"],
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("cursor", Integer),
            arg("pattern", Pattern).token("MATCH").optional(),
            arg("count", Integer).token("COUNT").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hset",
        summary: "Sets hash fields, creating the hash when missing.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1) per field and value, O(N) for N of them"),
        history: &[("4.0.0", "Several field-value pairs in one call")],
        key_specs: &[ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field_value", Block)
                .multiple()
                .args(&[arg("field", String), arg("value", String)]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hsetnx",
        summary: "Sets a hash field only when it is missing.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field", String),
            arg("value", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hstrlen",
        summary: "Answers the length of a hash field's value.",
        since: "3.2.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RO]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0), arg("field", String)],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hvals",
        summary: "Answers every value of a hash.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) for a hash of N fields"),
        tips: &["nondeterministic_output_order"],
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0)],
        ..CommandMeta::NONE
    },
];
