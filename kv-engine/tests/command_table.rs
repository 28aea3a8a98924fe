//! The string and bitmap commands' table entries against what
//! redis-server 7.0.15 reports in COMMAND INFO: arity, flags, key
//! positions and ACL categories.

use kv_engine::command::{Categories, Flags};
use kv_engine::harness::Session;

type Row = (
    &'static str,
    i32,
    &'static [&'static str],
    (i32, i32, i32),
    &'static [&'static str],
);

/// `COMMAND INFO <name>` from redis-server 7.0.15, fields 1 to 7.
#[rustfmt::skip]
const REDIS: &[Row] = &[
    ("append", 3, &["write", "denyoom", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("decr", 2, &["write", "denyoom", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("decrby", 3, &["write", "denyoom", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("get", 2, &["readonly", "fast"], (1, 1, 1), &["@read", "@string", "@fast"]),
    ("getdel", 2, &["write", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("getex", -2, &["write", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("getrange", 4, &["readonly"], (1, 1, 1), &["@read", "@string", "@slow"]),
    ("getset", 3, &["write", "denyoom", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("incr", 2, &["write", "denyoom", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("incrby", 3, &["write", "denyoom", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("incrbyfloat", 3, &["write", "denyoom", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("lcs", -3, &["readonly"], (1, 2, 1), &["@read", "@string", "@slow"]),
    ("mget", -2, &["readonly", "fast"], (1, -1, 1), &["@read", "@string", "@fast"]),
    ("mset", -3, &["write", "denyoom"], (1, -1, 2), &["@write", "@string", "@slow"]),
    ("msetnx", -3, &["write", "denyoom"], (1, -1, 2), &["@write", "@string", "@slow"]),
    ("psetex", 4, &["write", "denyoom"], (1, 1, 1), &["@write", "@string", "@slow"]),
    ("set", -3, &["write", "denyoom"], (1, 1, 1), &["@write", "@string", "@slow"]),
    ("setex", 4, &["write", "denyoom"], (1, 1, 1), &["@write", "@string", "@slow"]),
    ("setnx", 3, &["write", "denyoom", "fast"], (1, 1, 1), &["@write", "@string", "@fast"]),
    ("setrange", 4, &["write", "denyoom"], (1, 1, 1), &["@write", "@string", "@slow"]),
    ("strlen", 2, &["readonly", "fast"], (1, 1, 1), &["@read", "@string", "@fast"]),
    ("substr", 4, &["readonly"], (1, 1, 1), &["@read", "@string", "@slow"]),
    ("bitcount", -2, &["readonly"], (1, 1, 1), &["@read", "@bitmap", "@slow"]),
    ("bitfield", -2, &["write", "denyoom"], (1, 1, 1), &["@write", "@bitmap", "@slow"]),
    ("bitfield_ro", -2, &["readonly", "fast"], (1, 1, 1), &["@read", "@bitmap", "@fast"]),
    ("bitop", -4, &["write", "denyoom"], (2, -1, 1), &["@write", "@bitmap", "@slow"]),
    ("bitpos", -3, &["readonly"], (1, 1, 1), &["@read", "@bitmap", "@slow"]),
    ("getbit", 3, &["readonly", "fast"], (1, 1, 1), &["@read", "@bitmap", "@fast"]),
    ("setbit", 4, &["write", "denyoom"], (1, 1, 1), &["@write", "@bitmap", "@slow"]),
];

#[test]
fn string_and_bitmap_entries_match_command_info() {
    let session = Session::new();
    let table = session.engine.table();
    let mut differences = Vec::new();
    for &(name, arity, flags, (first, last, step), categories) in REDIS {
        let Some(spec) = table.get(name.as_bytes()) else {
            differences.push(format!("{name}: missing"));
            continue;
        };
        let our_flags: Vec<&str> = Flags::NAMES
            .iter()
            .filter(|(flag, _)| spec.flags.contains(*flag))
            .map(|(_, name)| *name)
            .collect();
        let our_categories: Vec<&str> = Categories::NAMES
            .iter()
            .filter(|(category, _)| spec.categories.contains(*category))
            .map(|(_, name)| *name)
            .collect();
        let keys = (spec.keys.first, spec.keys.last, spec.keys.step);
        if spec.arity != arity
            || sorted(&our_flags) != sorted(flags)
            || keys != (first, last, step)
            || sorted(&our_categories) != sorted(categories)
        {
            differences.push(format!(
                "{name}: ours {} {our_flags:?} {keys:?} {our_categories:?}, redis {arity} {flags:?} {:?} {categories:?}",
                spec.arity,
                (first, last, step)
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

fn sorted<'a>(names: &[&'a str]) -> Vec<&'a str> {
    let mut names = names.to_vec();
    names.sort_unstable();
    names
}
