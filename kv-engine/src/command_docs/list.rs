//! COMMAND INFO and DOCS data for the list commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "blmove",
        summary: "Moves an element from one list to another, waiting for one when the source is empty.",
        since: "6.2.0",
        group: Group::List,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RW, K::INSERT]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("source", Key).ks(0),
            arg("destination", Key).ks(1),
            arg("wherefrom", Oneof).args(&[
                arg("left", PureToken).token("LEFT"),
                arg("right", PureToken).token("RIGHT"),
            ]),
            arg("whereto", Oneof).args(&[
                arg("left", PureToken).token("LEFT"),
                arg("right", PureToken).token("RIGHT"),
            ]),
            arg("timeout", Double),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "blmpop",
        summary: "Pops elements from the first non-empty list among several, waiting if all are empty.",
        since: "7.0.0",
        group: Group::List,
        complexity: Some("O(N+M) for N keys given and M elements answered"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), keynum(2, 0, 1, 1)),
        ],
        arguments: &[
            arg("timeout", Double),
            arg("numkeys", Integer),
            arg("key", Key).ks(0).multiple(),
            arg("where", Oneof).args(&[
                arg("left", PureToken).token("LEFT"),
                arg("right", PureToken).token("RIGHT"),
            ]),
            arg("count", Integer).token("COUNT").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "blpop",
        summary: "Pops the head of the first non-empty list, waiting if all are empty.",
        since: "2.0.0",
        group: Group::List,
        complexity: Some("O(N) for N keys given"),
        history: &[
            ("6.0.0", "`timeout` may be fractional"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, -2, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
            arg("timeout", Double),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "brpop",
        summary: "Pops the tail of the first non-empty list, waiting if all are empty.",
        since: "2.0.0",
        group: Group::List,
        complexity: Some("O(N) for N keys given"),
        history: &[
            ("6.0.0", "`timeout` may be fractional"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, -2, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
            arg("timeout", Double),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "brpoplpush",
        summary: "Moves the tail of one list to the head of another, waiting when the source is empty.",
        since: "2.2.0",
        group: Group::List,
        complexity: Some("O(1)"),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`BLMOVE source destination RIGHT LEFT timeout`"),
        history: &[
            ("6.0.0", "`timeout` may be fractional"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RW, K::INSERT]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("source", Key).ks(0),
            arg("destination", Key).ks(1),
            arg("timeout", Double),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lindex",
        summary: "Answers the list element at an index.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(N) for N elements walked to reach the index; O(1) at either end"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("index", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "linsert",
        summary: "Inserts an element before or after another one in a list.",
        since: "2.2.0",
        group: Group::List,
        complexity: Some("O(N) for N elements walked to find the pivot: O(1) near the head, O(N) near the tail"),
        key_specs: &[
            ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("where", Oneof).args(&[
                arg("before", PureToken).token("BEFORE"),
                arg("after", PureToken).token("AFTER"),
            ]),
            arg("pivot", String),
            arg("element", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "llen",
        summary: "Answers the length of a list.",
        since: "1.0.0",
        group: Group::List,
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
        name: "lmove",
        summary: "Moves an element from one end of a list to an end of another.",
        since: "6.2.0",
        group: Group::List,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RW, K::INSERT]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("source", Key).ks(0),
            arg("destination", Key).ks(1),
            arg("wherefrom", Oneof).args(&[
                arg("left", PureToken).token("LEFT"),
                arg("right", PureToken).token("RIGHT"),
            ]),
            arg("whereto", Oneof).args(&[
                arg("left", PureToken).token("LEFT"),
                arg("right", PureToken).token("RIGHT"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lmpop",
        summary: "Pops elements from the first non-empty list among several.",
        since: "7.0.0",
        group: Group::List,
        complexity: Some("O(N+M) for N keys given and M elements answered"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), keynum(1, 0, 1, 1)),
        ],
        arguments: &[
            arg("numkeys", Integer),
            arg("key", Key).ks(0).multiple(),
            arg("where", Oneof).args(&[
                arg("left", PureToken).token("LEFT"),
                arg("right", PureToken).token("RIGHT"),
            ]),
            arg("count", Integer).token("COUNT").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lpop",
        summary: "Removes and answers elements from the head of a list.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(N) for N elements answered"),
        history: &[
            ("6.2.0", "Pops up to `count` at once"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("count", Integer).since("6.2.0").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lpos",
        summary: "Answers the positions of the elements equal to a value in a list.",
        since: "6.0.6",
        group: Group::List,
        complexity: Some("O(N) on average for a list of N elements; constant near either end or with MAXLEN"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("element", String),
            arg("rank", Integer).token("RANK").optional(),
            arg("num-matches", Integer).token("COUNT").optional(),
            arg("len", Integer).token("MAXLEN").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lpush",
        summary: "Adds elements to the head of a list, creating it when missing.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(1) per element, O(N) for N of them"),
        history: &[
            ("2.4.0", "Several elements in one call"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("element", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lpushx",
        summary: "Adds elements to the head of a list only when it exists.",
        since: "2.2.0",
        group: Group::List,
        complexity: Some("O(1) per element, O(N) for N of them"),
        history: &[
            ("4.0.0", "Several elements in one call"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("element", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lrange",
        summary: "Answers a range of a list's elements.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(S+N): S is the walk to the start offset (from the head in a small list, from the nearer end in a large one), N the elements in range"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("start", Integer),
            arg("stop", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lrem",
        summary: "Removes the elements equal to a value from a list.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(N+M) for a list of N elements, M of them deleted"),
        key_specs: &[
            ks(K::of(&[K::RW, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("count", Integer),
            arg("element", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lset",
        summary: "Replaces the list element at an index.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(N) for a list of N elements; O(1) at either end"),
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("index", Integer),
            arg("element", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "ltrim",
        summary: "Keeps only a range of a list's elements.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(N) for N elements trimmed away"),
        key_specs: &[
            ks(K::of(&[K::RW, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("start", Integer),
            arg("stop", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "rpop",
        summary: "Removes and answers elements from the tail of a list.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(N) for N elements answered"),
        history: &[
            ("6.2.0", "Pops up to `count` at once"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("count", Integer).since("6.2.0").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "rpoplpush",
        summary: "Moves the tail of one list to the head of another.",
        since: "1.2.0",
        group: Group::List,
        complexity: Some("O(1)"),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`LMOVE source destination RIGHT LEFT`"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RW, K::INSERT]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("source", Key).ks(0),
            arg("destination", Key).ks(1),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "rpush",
        summary: "Adds elements to the tail of a list, creating it when missing.",
        since: "1.0.0",
        group: Group::List,
        complexity: Some("O(1) per element, O(N) for N of them"),
        history: &[
            ("2.4.0", "Several elements in one call"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("element", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "rpushx",
        summary: "Adds elements to the tail of a list only when it exists.",
        since: "2.2.0",
        group: Group::List,
        complexity: Some("O(1) per element, O(N) for N of them"),
        history: &[
            ("4.0.0", "Several elements in one call"),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("element", String).multiple(),
        ],
        ..CommandMeta::NONE
    },
];
