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
        complexity: Some("O(N) where N is the number of fields to be removed."),
        history: &[
            ("2.4.0", "Accepts multiple `field` arguments."),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hexists",
        summary: "Tells whether a hash has a field.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RO]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hget",
        summary: "Answers the value of a hash field.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hgetall",
        summary: "Answers every field and value of a hash.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) where N is the size of the hash."),
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
        name: "hincrby",
        summary: "Adds an integer to a hash field's value, from zero when missing.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
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
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
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
        complexity: Some("O(N) where N is the size of the hash."),
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
        name: "hlen",
        summary: "Counts the fields of a hash.",
        since: "2.0.0",
        group: Group::Hash,
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
        name: "hmget",
        summary: "Answers the values of several hash fields.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) where N is the number of fields being requested."),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hmset",
        summary: "Sets several hash fields.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) where N is the number of fields being set."),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("4.0.0"),
        replaced_by: Some("`HSET` with multiple field-value pairs"),
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field_value", Block).multiple().args(&[
                arg("field", String),
                arg("value", String),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hrandfield",
        summary: "Answers random fields of a hash, optionally with their values.",
        since: "6.2.0",
        group: Group::Hash,
        complexity: Some("O(N) where N is the number of fields returned"),
        tips: &["nondeterministic_output"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
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
        name: "hset",
        summary: "Sets hash fields, creating the hash when missing.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."),
        history: &[
            ("4.0.0", "Accepts multiple `field` and `value` arguments."),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field_value", Block).multiple().args(&[
                arg("field", String),
                arg("value", String),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hsetnx",
        summary: "Sets a hash field only when it is missing.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0)),
        ],
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
        key_specs: &[
            ks(K::of(&[K::RO]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("field", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "hvals",
        summary: "Answers every value of a hash.",
        since: "2.0.0",
        group: Group::Hash,
        complexity: Some("O(N) where N is the size of the hash."),
        tips: &["nondeterministic_output_order"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
];
