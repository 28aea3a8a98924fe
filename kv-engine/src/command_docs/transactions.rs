//! COMMAND INFO and DOCS data for the transactions commands (see `mod.rs`).

use super::ArgType::*;
use super::KeyFlags as K;
use super::*;

pub const COMMANDS: &[CommandMeta] = &[
    CommandMeta {
        name: "discard",
        summary: "Drops the commands queued since MULTI.",
        since: "2.0.0",
        group: Group::Transactions,
        complexity: Some("O(N), when N is the number of queued commands"),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "exec",
        summary: "Runs the commands queued since MULTI, all together.",
        since: "1.2.0",
        group: Group::Transactions,
        complexity: Some("Depends on commands in the transaction"),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "multi",
        summary: "Starts queueing commands for a transaction.",
        since: "1.2.0",
        group: Group::Transactions,
        complexity: Some("O(1)"),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "unwatch",
        summary: "Forgets every key watched by this connection.",
        since: "2.2.0",
        group: Group::Transactions,
        complexity: Some("O(1)"),
        ..CommandMeta::NONE
    },
    CommandMeta {
        name: "watch",
        summary: "Watches keys so that EXEC fails if any of them changes.",
        since: "2.2.0",
        group: Group::Transactions,
        complexity: Some("O(1) for every key."),
        key_specs: &[ks(K::of(&[K::RO]), range(1, -1, 1, 0))],
        arguments: &[arg("key", Key).ks(0).multiple()],
        ..CommandMeta::NONE
    },
];
