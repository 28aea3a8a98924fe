//! COMMAND INFO and DOCS data for the sorted-set commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "bzmpop",
        summary: "Pops members by score from the first non-empty sorted set, waiting if all are empty.",
        since: "7.0.0",
        group: Group::SortedSet,
        complexity: Some("O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), keynum(2, 0, 1, 1)),
        ],
        arguments: &[
            arg("timeout", Double),
            arg("numkeys", Integer),
            arg("key", Key).ks(0).multiple(),
            arg("where", Oneof).args(&[
                arg("min", PureToken).token("MIN"),
                arg("max", PureToken).token("MAX"),
            ]),
            arg("count", Integer).token("COUNT").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "bzpopmax",
        summary: "Pops the highest-scored member of the first non-empty sorted set, waiting if all are empty.",
        since: "5.0.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)) with N being the number of elements in the sorted set."),
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
        name: "bzpopmin",
        summary: "Pops the lowest-scored member of the first non-empty sorted set, waiting if all are empty.",
        since: "5.0.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)) with N being the number of elements in the sorted set."),
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
        name: "zadd",
        summary: "Adds members with scores to a sorted set, or updates their scores.",
        since: "1.2.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)) for each item added, where N is the number of elements in the sorted set."),
        history: &[
            ("2.4.0", "Accepts multiple elements."),
            ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
            ("6.2.0", "Added the `GT` and `LT` options."),
        ],
        key_specs: &[
            ks(K::of(&[K::RW, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("condition", Oneof).since("3.0.2").optional().args(&[
                arg("nx", PureToken).token("NX"),
                arg("xx", PureToken).token("XX"),
            ]),
            arg("comparison", Oneof).since("6.2.0").optional().args(&[
                arg("gt", PureToken).token("GT"),
                arg("lt", PureToken).token("LT"),
            ]),
            arg("change", PureToken).token("CH").since("3.0.2").optional(),
            arg("increment", PureToken).token("INCR").since("3.0.2").optional(),
            arg("score_member", Block).multiple().args(&[
                arg("score", Double),
                arg("member", String),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zcard",
        summary: "Counts the members of a sorted set.",
        since: "1.2.0",
        group: Group::SortedSet,
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
        name: "zcount",
        summary: "Counts the members of a sorted set within a score range.",
        since: "2.0.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)) with N being the number of elements in the sorted set."),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("min", Double),
            arg("max", Double),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zdiff",
        summary: "Answers the members of the first sorted set missing from all the others.",
        since: "6.2.0",
        group: Group::SortedSet,
        complexity: Some("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), keynum(1, 0, 1, 1)),
        ],
        arguments: &[
            arg("numkeys", Integer),
            arg("key", Key).ks(0).multiple(),
            arg("withscores", PureToken).token("WITHSCORES").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zdiffstore",
        summary: "Stores the members of the first sorted set missing from all the others.",
        since: "6.2.0",
        group: Group::SortedSet,
        complexity: Some("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), keynum(2, 0, 1, 1)),
        ],
        arguments: &[
            arg("destination", Key).ks(0),
            arg("numkeys", Integer),
            arg("key", Key).ks(1).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zincrby",
        summary: "Adds to the score of a sorted set member.",
        since: "1.2.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)) where N is the number of elements in the sorted set."),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("increment", Integer),
            arg("member", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zinter",
        summary: "Answers the members common to all the given sorted sets, with combined scores.",
        since: "6.2.0",
        group: Group::SortedSet,
        complexity: Some("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), keynum(1, 0, 1, 1)),
        ],
        arguments: &[
            arg("numkeys", Integer),
            arg("key", Key).ks(0).multiple(),
            arg("weight", Integer).token("WEIGHTS").optional().multiple(),
            arg("aggregate", Oneof).token("AGGREGATE").optional().args(&[
                arg("sum", PureToken).token("SUM"),
                arg("min", PureToken).token("MIN"),
                arg("max", PureToken).token("MAX"),
            ]),
            arg("withscores", PureToken).token("WITHSCORES").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zintercard",
        summary: "Counts the members common to all the given sorted sets.",
        since: "7.0.0",
        group: Group::SortedSet,
        complexity: Some("O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."),
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
        name: "zinterstore",
        summary: "Stores the members common to all the given sorted sets, with combined scores.",
        since: "2.0.0",
        group: Group::SortedSet,
        complexity: Some("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), keynum(2, 0, 1, 1)),
        ],
        arguments: &[
            arg("destination", Key).ks(0),
            arg("numkeys", Integer),
            arg("key", Key).ks(1).multiple(),
            arg("weight", Integer).token("WEIGHTS").optional().multiple(),
            arg("aggregate", Oneof).token("AGGREGATE").optional().args(&[
                arg("sum", PureToken).token("SUM"),
                arg("min", PureToken).token("MIN"),
                arg("max", PureToken).token("MAX"),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zlexcount",
        summary: "Counts the members of a sorted set within a lexicographic range.",
        since: "2.8.9",
        group: Group::SortedSet,
        complexity: Some("O(log(N)) with N being the number of elements in the sorted set."),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("min", String),
            arg("max", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zmpop",
        summary: "Pops members by score from the first non-empty sorted set among several.",
        since: "7.0.0",
        group: Group::SortedSet,
        complexity: Some("O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), keynum(1, 0, 1, 1)),
        ],
        arguments: &[
            arg("numkeys", Integer),
            arg("key", Key).ks(0).multiple(),
            arg("where", Oneof).args(&[
                arg("min", PureToken).token("MIN"),
                arg("max", PureToken).token("MAX"),
            ]),
            arg("count", Integer).token("COUNT").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zmscore",
        summary: "Answers the scores of several sorted set members.",
        since: "6.2.0",
        group: Group::SortedSet,
        complexity: Some("O(N) where N is the number of members being requested."),
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
        name: "zpopmax",
        summary: "Removes and answers the highest-scored members of a sorted set.",
        since: "5.0.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("count", Integer).optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zpopmin",
        summary: "Removes and answers the lowest-scored members of a sorted set.",
        since: "5.0.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."),
        key_specs: &[
            ks(K::of(&[K::RW, K::ACCESS, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("count", Integer).optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrandmember",
        summary: "Answers random members of a sorted set, optionally with scores.",
        since: "6.2.0",
        group: Group::SortedSet,
        complexity: Some("O(N) where N is the number of elements returned"),
        tips: &["nondeterministic_output"],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("options", Block).optional().args(&[
                arg("count", Integer),
                arg("withscores", PureToken).token("WITHSCORES").optional(),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrange",
        summary: "Answers a range of a sorted set's members, by rank, score or lexicographic order.",
        since: "1.2.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
        history: &[
            ("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."),
        ],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("start", String),
            arg("stop", String),
            arg("sortby", Oneof).since("6.2.0").optional().args(&[
                arg("byscore", PureToken).token("BYSCORE"),
                arg("bylex", PureToken).token("BYLEX"),
            ]),
            arg("rev", PureToken).token("REV").since("6.2.0").optional(),
            arg("offset_count", Block).token("LIMIT").since("6.2.0").optional().args(&[
                arg("offset", Integer),
                arg("count", Integer),
            ]),
            arg("withscores", PureToken).token("WITHSCORES").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrangebylex",
        summary: "Answers the members of a sorted set within a lexicographic range.",
        since: "2.8.9",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `BYLEX` argument"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("min", String),
            arg("max", String),
            arg("offset_count", Block).token("LIMIT").optional().args(&[
                arg("offset", Integer),
                arg("count", Integer),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrangebyscore",
        summary: "Answers the members of a sorted set within a score range.",
        since: "1.0.5",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `BYSCORE` argument"),
        history: &[
            ("2.0.0", "Added the `WITHSCORES` modifier."),
        ],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("min", Double),
            arg("max", Double),
            arg("withscores", PureToken).token("WITHSCORES").since("2.0.0").optional(),
            arg("offset_count", Block).token("LIMIT").optional().args(&[
                arg("offset", Integer),
                arg("count", Integer),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrangestore",
        summary: "Stores a range of a sorted set's members in another key.",
        since: "6.2.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), range(2, 0, 1, 0)),
        ],
        arguments: &[
            arg("dst", Key).ks(0),
            arg("src", Key).ks(1),
            arg("min", String),
            arg("max", String),
            arg("sortby", Oneof).optional().args(&[
                arg("byscore", PureToken).token("BYSCORE"),
                arg("bylex", PureToken).token("BYLEX"),
            ]),
            arg("rev", PureToken).token("REV").optional(),
            arg("offset_count", Block).token("LIMIT").optional().args(&[
                arg("offset", Integer),
                arg("count", Integer),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrank",
        summary: "Answers the rank of a member in a sorted set, lowest score first.",
        since: "2.0.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N))"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("member", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrem",
        summary: "Removes members from a sorted set.",
        since: "1.2.0",
        group: Group::SortedSet,
        complexity: Some("O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."),
        history: &[
            ("2.4.0", "Accepts multiple elements."),
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
        name: "zremrangebylex",
        summary: "Removes the members of a sorted set within a lexicographic range.",
        since: "2.8.9",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
        key_specs: &[
            ks(K::of(&[K::RW, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("min", String),
            arg("max", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zremrangebyrank",
        summary: "Removes the members of a sorted set within a rank range.",
        since: "2.0.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
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
        name: "zremrangebyscore",
        summary: "Removes the members of a sorted set within a score range.",
        since: "1.2.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
        key_specs: &[
            ks(K::of(&[K::RW, K::DELETE]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("min", Double),
            arg("max", Double),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrevrange",
        summary: "Answers a range of a sorted set's members by rank, highest score first.",
        since: "1.2.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `REV` argument"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("start", Integer),
            arg("stop", Integer),
            arg("withscores", PureToken).token("WITHSCORES").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrevrangebylex",
        summary: "Answers the members of a sorted set within a lexicographic range, in reverse order.",
        since: "2.8.9",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `REV` and `BYLEX` arguments"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("max", String),
            arg("min", String),
            arg("offset_count", Block).token("LIMIT").optional().args(&[
                arg("offset", Integer),
                arg("count", Integer),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrevrangebyscore",
        summary: "Answers the members of a sorted set within a score range, highest first.",
        since: "2.2.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."),
        doc_flags: DocFlags(DocFlags::DEPRECATED.0),
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `REV` and `BYSCORE` arguments"),
        history: &[
            ("2.1.6", "`min` and `max` can be exclusive."),
        ],
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("max", Double),
            arg("min", Double),
            arg("withscores", PureToken).token("WITHSCORES").optional(),
            arg("offset_count", Block).token("LIMIT").optional().args(&[
                arg("offset", Integer),
                arg("count", Integer),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zrevrank",
        summary: "Answers the rank of a member in a sorted set, highest score first.",
        since: "2.0.0",
        group: Group::SortedSet,
        complexity: Some("O(log(N))"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("member", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zscan",
        summary: "Walks the members and scores of a sorted set with a cursor.",
        since: "2.8.0",
        group: Group::SortedSet,
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
        name: "zscore",
        summary: "Answers the score of a sorted set member.",
        since: "1.2.0",
        group: Group::SortedSet,
        complexity: Some("O(1)"),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0)),
        ],
        arguments: &[
            arg("key", Key).ks(0),
            arg("member", String),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zunion",
        summary: "Answers the members of any of the given sorted sets, with combined scores.",
        since: "6.2.0",
        group: Group::SortedSet,
        complexity: Some("O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
        key_specs: &[
            ks(K::of(&[K::RO, K::ACCESS]), keynum(1, 0, 1, 1)),
        ],
        arguments: &[
            arg("numkeys", Integer),
            arg("key", Key).ks(0).multiple(),
            arg("weight", Integer).token("WEIGHTS").optional().multiple(),
            arg("aggregate", Oneof).token("AGGREGATE").optional().args(&[
                arg("sum", PureToken).token("SUM"),
                arg("min", PureToken).token("MIN"),
                arg("max", PureToken).token("MAX"),
            ]),
            arg("withscores", PureToken).token("WITHSCORES").optional(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "zunionstore",
        summary: "Stores the members of any of the given sorted sets, with combined scores.",
        since: "2.0.0",
        group: Group::SortedSet,
        complexity: Some("O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(1, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), keynum(2, 0, 1, 1)),
        ],
        arguments: &[
            arg("destination", Key).ks(0),
            arg("numkeys", Integer),
            arg("key", Key).ks(1).multiple(),
            arg("weight", Integer).token("WEIGHTS").optional().multiple(),
            arg("aggregate", Oneof).token("AGGREGATE").optional().args(&[
                arg("sum", PureToken).token("SUM"),
                arg("min", PureToken).token("MIN"),
                arg("max", PureToken).token("MAX"),
            ]),
        ],
        ..CommandMeta::NONE
    },
];
