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
        complexity: Some("O(N+M) where N is the number of provided keys and M is the number of elements returned."),
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
        complexity: Some("O(N) where N is the number of provided keys."),
        history: &[
            ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
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
        complexity: Some("O(N) where N is the number of provided keys."),
        history: &[
            ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
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
        replaced_by: Some("`BLMOVE` with the `RIGHT` and `LEFT` arguments"),
        history: &[
            ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
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
        complexity: Some("O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."),
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
        complexity: Some("O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)."),
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
        complexity: Some("O(N+M) where N is the number of provided keys and M is the number of elements returned."),
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
        complexity: Some("O(N) where N is the number of elements returned"),
        history: &[
            ("6.2.0", "Added the `count` argument."),
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
        complexity: Some("O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."),
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
        complexity: Some("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
        history: &[
            ("2.4.0", "Accepts multiple `element` arguments."),
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
        complexity: Some("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
        history: &[
            ("4.0.0", "Accepts multiple `element` arguments."),
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
        complexity: Some("O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."),
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
        complexity: Some("O(N+M) where N is the length of the list and M is the number of elements removed."),
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
        complexity: Some("O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."),
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
        complexity: Some("O(N) where N is the number of elements to be removed by the operation."),
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
        complexity: Some("O(N) where N is the number of elements returned"),
        history: &[
            ("6.2.0", "Added the `count` argument."),
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
        replaced_by: Some("`LMOVE` with the `RIGHT` and `LEFT` arguments"),
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
        complexity: Some("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
        history: &[
            ("2.4.0", "Accepts multiple `element` arguments."),
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
        complexity: Some("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
        history: &[
            ("4.0.0", "Accepts multiple `element` arguments."),
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
