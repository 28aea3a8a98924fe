//! COMMAND INFO and DOCS data for the string commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "append",
        summary: "Adds a string to the end of a key's value, creating the key when missing.",
        since: "2.0.0",
        group: Group::String,
        complexity: Some("O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation."),
        key_specs: &[
            ks(K::of(&[K::RW, K::INSERT]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("value", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "decr",
        summary: "Subtracts one from a key's integer value, from zero when missing.",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "decrby",
        summary: "Subtracts a number from a key's integer value, from zero when missing.",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("decrement", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "get",
        summary: "Answers a key's string value.",
        since: "1.0.0",
        group: Group::String,
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
        name: "getdel",
        summary: "Answers a key's string value and removes the key.",
        since: "6.2.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "getex",
        summary: "Answers a key's string value and changes or removes its expiry.",
        since: "6.2.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)).notes("Read and write, and update: the key's expiry may change."),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("expiration", Oneof).optional().args(&[
                arg("seconds", Integer).token("EX"),
                arg("milliseconds", Integer).token("PX"),
                arg("unix-time-seconds", UnixTime).token("EXAT"),
                arg("unix-time-milliseconds", UnixTime).token("PXAT"),
                arg("persist", PureToken).token("PERSIST"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "getrange",
        summary: "Answers a substring of a key's value.",
        since: "2.4.0",
        group: Group::String,
        complexity: Some("O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("start", Integer),
            arg("end", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "getset",
        summary: "Sets a key's string value and answers the previous one.",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(1)"),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`SET` with the `!GET` argument"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("value", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "incr",
        summary: "Adds one to a key's integer value, from zero when missing.",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "incrby",
        summary: "Adds an integer to a key's integer value, from zero when missing.",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("increment", Integer),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "incrbyfloat",
        summary: "Adds a floating point number to a key's value, from zero when missing.",
        since: "2.6.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("increment", Double),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "lcs",
        summary: "Finds the longest common subsequence of two strings.",
        since: "7.0.0",
        group: Group::String,
        complexity: Some("O(N*M) where N and M are the lengths of s1 and s2, respectively"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 1, 1, 0)),
        ],
        arguments: &[
            arg("key1", Key).ks(0),
            arg("key2", Key).ks(0),
            arg("len", PureToken).token("LEN").optional(),
            arg("idx", PureToken).token("IDX").optional(),
            arg("len", Integer).token("MINMATCHLEN").optional(),
            arg("withmatchlen", PureToken).token("WITHMATCHLEN").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "mget",
        summary: "Answers the string values of several keys.",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(N) where N is the number of keys to retrieve."),
        tips: &["request_policy:multi_shard"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, -1, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "mset",
        summary: "Sets several keys to string values.",
        since: "1.0.1",
        group: Group::String,
        complexity: Some("O(N) where N is the number of keys to set."),
        tips: &["request_policy:multi_shard", "response_policy:all_succeeded"],
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, -1, 2, 0)),
        ],
        arguments: &[
            arg("key_value", Block).multiple().args(&[
                arg("key", Key).ks(0),
                arg("value", String),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "msetnx",
        summary: "Sets several keys to string values only when none of them exists.",
        since: "1.0.1",
        group: Group::String,
        complexity: Some("O(N) where N is the number of keys to set."),
        tips: &["request_policy:multi_shard", "response_policy:agg_min"],
        key_specs: &[
            ks(K::of(&[K::OW, K::INSERT]), range(1, -1, 2, 0)),
        ],
        arguments: &[
            arg("key_value", Block).multiple().args(&[
                arg("key", Key).ks(0),
                arg("value", String),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "psetex",
        summary: "Sets a key's string value with a time to live in milliseconds.",
        since: "2.6.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("milliseconds", Integer),
            arg("value", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "set",
        summary: "Sets a key's string value, with optional expiry and conditions.",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(1)"),
        history: &[
            ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
            ("6.0.0", "Added the `KEEPTTL` option."),
            ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
            ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE, K::VARIABLE_FLAGS]), range(1, 0, 1, 0)).notes("Read and write, and access: GET answers the previous value."),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("value", String),
            arg("condition", Oneof).since("2.6.12").optional().args(&[
                arg("nx", PureToken).token("NX"),
                arg("xx", PureToken).token("XX"),
            ]),
            arg("get", PureToken).token("GET").since("6.2.0").optional(),
            arg("expiration", Oneof).optional().args(&[
                arg("seconds", Integer).token("EX").since("2.6.12"),
                arg("milliseconds", Integer).token("PX").since("2.6.12"),
                arg("unix-time-seconds", UnixTime).token("EXAT").since("6.2.0"),
                arg("unix-time-milliseconds", UnixTime).token("PXAT").since("6.2.0"),
                arg("keepttl", PureToken).token("KEEPTTL").since("6.0.0"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "setex",
        summary: "Sets a key's string value with a time to live in seconds.",
        since: "2.0.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("seconds", Integer),
            arg("value", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "setnx",
        summary: "Sets a key's string value only when the key is missing.",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::OW, K::INSERT]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("value", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "setrange",
        summary: "Overwrites part of a key's value from an offset.",
        since: "2.2.0",
        group: Group::String,
        complexity: Some("O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument."),
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("offset", Integer),
            arg("value", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "strlen",
        summary: "Answers the length of a key's string value.",
        since: "2.2.0",
        group: Group::String,
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
        name: "substr",
        summary: "Answers a substring of a key's value (the old name of GETRANGE).",
        since: "1.0.0",
        group: Group::String,
        complexity: Some("O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("2.0.0"),
        replaced_by: Some("`GETRANGE`"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("start", Integer),
            arg("end", Integer),
        ],
        ..CommandMeta::NONE
    },
];
