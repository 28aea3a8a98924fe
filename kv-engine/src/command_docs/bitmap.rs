//! COMMAND INFO and DOCS data for the bitmap commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "bitcount",
        summary: "Counts the bits set to 1 in a string, optionally within a range.",
        since: "2.6.0",
        group: Group::Bitmap,
        complexity: Some("O(N)"),
        history: &[("7.0.0", "Added the `BYTE|BIT` option.")],
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("index", Block).optional().args(&[
                arg("start", Integer),
                arg("end", Integer),
                arg("index_unit", Oneof).since("7.0.0").optional().args(&[
                    arg("byte", PureToken).token("BYTE"),
                    arg("bit", PureToken).token("BIT"),
                ]),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "bitfield",
        summary: "Reads, writes and increments integer fields of arbitrary width inside a string.",
        since: "3.2.0",
        group: Group::Bitmap,
        complexity: Some("O(1) for each subcommand specified"),
        key_specs: &[ks(
            K::of(&[K::RW, K::ACCESS, K::UPDATE, K::VARIABLE_FLAGS]),
            range(1, 0, 1, 0),
        )
        .notes("Read and write: the key may be changed by the subcommands given.")],
        arguments: &[
            arg("key", Key).ks(0),
            arg("operation", Oneof).optional().multiple().args(&[
                arg("encoding_offset", Block)
                    .token("GET")
                    .args(&[arg("encoding", String), arg("offset", Integer)]),
                arg("write", Block).args(&[
                    arg("wrap_sat_fail", Oneof)
                        .token("OVERFLOW")
                        .optional()
                        .args(&[
                            arg("wrap", PureToken).token("WRAP"),
                            arg("sat", PureToken).token("SAT"),
                            arg("fail", PureToken).token("FAIL"),
                        ]),
                    arg("write_operation", Oneof).args(&[
                        arg("encoding_offset_value", Block).token("SET").args(&[
                            arg("encoding", String),
                            arg("offset", Integer),
                            arg("value", Integer),
                        ]),
                        arg("encoding_offset_increment", Block)
                            .token("INCRBY")
                            .args(&[
                                arg("encoding", String),
                                arg("offset", Integer),
                                arg("increment", Integer),
                            ]),
                    ]),
                ]),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "bitfield_ro",
        summary: "Reads integer fields of arbitrary width inside a string, without writing.",
        since: "6.0.0",
        group: Group::Bitmap,
        complexity: Some("O(1) for each subcommand specified"),
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("encoding_offset", Block)
                .token("GET")
                .optional()
                .multiple()
                .multiple_token()
                .args(&[arg("encoding", String), arg("offset", Integer)]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "bitop",
        summary: "Combines strings bit by bit (AND, OR, XOR, NOT) into a destination key.",
        since: "2.6.0",
        group: Group::Bitmap,
        complexity: Some("O(N)"),
        key_specs: &[
            ks(K::of(&[K::OW, K::UPDATE]), range(2, 0, 1, 0)),
            ks(K::of(&[K::RO, K::ACCESS]), range(3, -1, 1, 0)),
        ],
        arguments: &[
            arg("operation", String),
            arg("destkey", Key).ks(0),
            arg("key", Key).ks(1).multiple(),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "bitpos",
        summary: "Finds the position of the first bit set to 0 or 1 in a string.",
        since: "2.8.7",
        group: Group::Bitmap,
        complexity: Some("O(N)"),
        history: &[("7.0.0", "Added the `BYTE|BIT` option.")],
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("bit", Integer),
            arg("index", Block).optional().args(&[
                arg("start", Integer),
                arg("end_index", Block).optional().args(&[
                    arg("end", Integer),
                    arg("index_unit", Oneof).since("7.0.0").optional().args(&[
                        arg("byte", PureToken).token("BYTE"),
                        arg("bit", PureToken).token("BIT"),
                    ]),
                ]),
            ]),
        ],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "getbit",
        summary: "Answers the bit at an offset in a string.",
        since: "2.2.0",
        group: Group::Bitmap,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RO, K::ACCESS]), range(1, 0, 1, 0))],
        arguments: &[arg("key", Key).ks(0), arg("offset", Integer)],
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "setbit",
        summary: "Sets or clears the bit at an offset in a string.",
        since: "2.2.0",
        group: Group::Bitmap,
        complexity: Some("O(1)"),
        key_specs: &[ks(K::of(&[K::RW, K::ACCESS, K::UPDATE]), range(1, 0, 1, 0))],
        arguments: &[
            arg("key", Key).ks(0),
            arg("offset", Integer),
            arg("value", Integer),
        ],
        ..CommandMeta::NONE
    },
];
