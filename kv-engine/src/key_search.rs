//! Finding a command's keys in its argv, as COMMAND GETKEYS does: by its
//! key specifications first, and by the command's own reading of its
//! arguments where Redis has one (the specs cannot say, or their flags
//! depend on the arguments).

use crate::command::KeySpec;
use crate::command_docs::{BeginSearch, CommandMeta, FindKeys, KeyFlags, KeySpecDef};
use crate::parse::{is_word, parse_i64};

/// One key found: its index in argv and how the command uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoundKey {
    pub index: usize,
    pub flags: KeyFlags,
}

/// Does the command take keys at all (Redis's `doesCommandHaveKeys`)?
pub fn has_keys(meta: &CommandMeta) -> bool {
    own_reading(meta.name).is_some()
        || meta
            .key_specs
            .iter()
            .any(|spec| !spec.flags.contains(KeyFlags::NOT_KEY))
}

/// The keys of `argv` (the command's name first, then its subcommand's
/// if it has one), found as Redis finds them. Empty when the arguments
/// name none (Redis then answers "Invalid arguments" unless the command
/// has `no_mandatory_keys`). `arity` is the command's own.
pub fn find_keys(meta: &CommandMeta, arity: i32, argv: &[&[u8]]) -> Vec<FoundKey> {
    let real_specs = meta
        .key_specs
        .iter()
        .any(|spec| !spec.flags.contains(KeyFlags::NOT_KEY));
    let variable = meta
        .key_specs
        .iter()
        .any(|spec| spec.flags.contains(KeyFlags::VARIABLE_FLAGS));
    if real_specs && !variable {
        if let Some(keys) = by_specs(meta, arity, argv) {
            return keys;
        }
    }
    own_reading(meta.name).map_or_else(Vec::new, |read| read(argv))
}

/// The keys by the key specifications, or None when a spec cannot find
/// them (unknown positions, an incomplete spec, counts out of range).
fn by_specs(meta: &CommandMeta, arity: i32, argv: &[&[u8]]) -> Option<Vec<FoundKey>> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in meta.key_specs {
        if spec.flags.contains(KeyFlags::NOT_KEY) {
            continue;
        }
        let first = match spec.begin {
            BeginSearch::Index(index) => index as i64,
            BeginSearch::Keyword { keyword, startfrom } => {
                match keyword_position(argv, keyword, startfrom) {
                    Some(at) => at as i64 + 1,
                    None => continue,
                }
            }
            BeginSearch::Unknown => return None,
        };
        let (first, last, step) = match spec.find {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let (lastkey, limit) = (lastkey as i64, limit as i64);
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, keystep as i64)
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let at = first + keynumidx as i64;
                if at >= argc {
                    return None;
                }
                let count = parse_i64(argv[at as usize]).ok().filter(|n| *n >= 0)?;
                let first = first + firstkey as i64;
                (first, first.saturating_add(count) - 1, keystep as i64)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            // A command of variable arity may be given too few arguments
            // for its specs; it reports that itself when run.
            assert!(
                i < argc || arity < 0,
                "{}: key specs beyond a fixed arity",
                meta.name
            );
            if i < argc {
                keys.push(FoundKey {
                    index: i as usize,
                    flags: spec.flags,
                });
            }
            i += step.max(1);
        }
        if spec.flags.contains(KeyFlags::INCOMPLETE) {
            return None;
        }
    }
    Some(keys)
}

/// Where `keyword` is, searching from `startfrom` (negative: backwards
/// from the end). As in Redis, a forward search stops before the last
/// argument and a backward one before the first after the name.
fn keyword_position(argv: &[&[u8]], keyword: &str, startfrom: i32) -> Option<usize> {
    let argc = argv.len() as i64;
    let is_keyword = |i: &i64| is_word(argv[*i as usize], keyword);
    if startfrom > 0 {
        (startfrom as i64..argc - 1).find(is_keyword)
    } else {
        (2..=argc + startfrom as i64).rev().find(is_keyword)
    }
    .map(|i| i as usize)
}

/// A command's own reading of its keys.
type OwnReading = fn(&[&[u8]]) -> Vec<FoundKey>;

/// The commands that read their keys themselves, as in Redis (used when
/// the specs cannot find them or their flags depend on the arguments).
fn own_reading(name: &str) -> Option<OwnReading> {
    Some(match name {
        "set" => set_keys,
        "bitfield" => bitfield_keys,
        "sort" => sort_keys,
        "sort_ro" => |_| vec![key(1, KeyFlags::of(&[KeyFlags::RO, KeyFlags::ACCESS]))],
        "zunionstore" | "zinterstore" | "zdiffstore" => |argv| counted_keys(argv, 1, 2, 3),
        "zunion" | "zinter" | "zdiff" | "zintercard" | "sintercard" | "lmpop" | "zmpop" => {
            |argv| counted_keys(argv, 0, 1, 2)
        }
        "blmpop" | "bzmpop" => |argv| counted_keys(argv, 0, 2, 3),
        _ => return None,
    })
}

fn key(index: usize, flags: KeyFlags) -> FoundKey {
    FoundKey { index, flags }
}

/// SET: the key is read as well when GET is among the options.
fn set_keys(argv: &[&[u8]]) -> Vec<FoundKey> {
    let get = argv.iter().skip(3).any(|a| is_word(a, "get"));
    let flags = if get {
        KeyFlags::of(&[KeyFlags::RW, KeyFlags::ACCESS, KeyFlags::UPDATE])
    } else {
        KeyFlags::of(&[KeyFlags::OW, KeyFlags::UPDATE])
    };
    vec![key(1, flags)]
}

/// BITFIELD: read-only when every operation is a GET (OVERFLOW aside);
/// anything else, malformed included, counts as a write.
fn bitfield_keys(argv: &[&[u8]]) -> Vec<FoundKey> {
    let mut readonly = true;
    let mut i = 2;
    while i < argv.len() {
        let remaining = argv.len() - i - 1;
        let op = argv[i];
        if is_word(op, "get") && remaining >= 2 {
            i += 3;
        } else if is_word(op, "overflow") && remaining >= 1 {
            i += 2;
        } else {
            readonly = false;
            break;
        }
    }
    let flags = if readonly {
        KeyFlags::of(&[KeyFlags::RO, KeyFlags::ACCESS])
    } else {
        KeyFlags::of(&[KeyFlags::RW, KeyFlags::ACCESS, KeyFlags::UPDATE])
    };
    vec![key(1, flags)]
}

/// SORT: the sorted key, and the last STORE's destination (LIMIT, GET and
/// BY skip their arguments).
fn sort_keys(argv: &[&[u8]]) -> Vec<FoundKey> {
    let mut keys = vec![key(1, KeyFlags::of(&[KeyFlags::RO, KeyFlags::ACCESS]))];
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let arg = argv[i];
        if is_word(arg, "limit") {
            i += 2;
        } else if is_word(arg, "get") || is_word(arg, "by") {
            i += 1;
        } else if is_word(arg, "store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store.map(|at| key(at, KeyFlags::of(&[KeyFlags::OW, KeyFlags::UPDATE]))));
    keys
}

/// The numkeys commands' own reading: `count` at `count_at` (read as C's
/// atoi reads it), the keys from `first_at`, then the destination at
/// `store_at` (0: none), all without flags. Nothing when the count is
/// out of range.
fn counted_keys(
    argv: &[&[u8]],
    store_at: usize,
    count_at: usize,
    first_at: usize,
) -> Vec<FoundKey> {
    let Some(count) = argv.get(count_at).map(|arg| atoi(arg)) else {
        return Vec::new();
    };
    let room = argv.len().saturating_sub(first_at);
    if count < 1 || count as usize > room {
        return Vec::new();
    }
    let mut keys: Vec<FoundKey> = (0..count as usize)
        .map(|i| key(first_at + i, KeyFlags(0)))
        .collect();
    if store_at != 0 {
        keys.push(key(store_at, KeyFlags(0)));
    }
    keys
}

/// C's `atoi` on glibc: leading white space, a sign, digits up to the
/// first non-digit; `strtol`'s saturation, then truncation to int.
fn atoi(s: &[u8]) -> i32 {
    let mut rest = s;
    while let [b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r', tail @ ..] = rest {
        rest = tail;
    }
    let negative = matches!(rest.first(), Some(b'-'));
    if matches!(rest.first(), Some(b'-' | b'+')) {
        rest = &rest[1..];
    }
    let mut value: i64 = 0;
    for &b in rest.iter().take_while(|b| b.is_ascii_digit()) {
        let digit = (b - b'0') as i64;
        value = if negative {
            value.saturating_mul(10).saturating_sub(digit)
        } else {
            value.saturating_mul(10).saturating_add(digit)
        };
    }
    value as i32
}

/// The first, last and step COMMAND INFO reports (Redis's "legacy range"),
/// derived from the key specifications as Redis derives it: the specs
/// that are consecutive plain ranges, merged. The flag says the keys are
/// movable (some spec is not such a range, or is incomplete).
pub fn legacy_range(specs: &[KeySpecDef]) -> (KeySpec, bool) {
    let absolute = |index: i32, lastkey: i32| {
        if lastkey >= 0 {
            index + lastkey
        } else {
            lastkey
        }
    };
    if let [spec] = specs {
        if let (
            BeginSearch::Index(index),
            FindKeys::Range {
                lastkey, keystep, ..
            },
        ) = (spec.begin, spec.find)
        {
            // One plain range is taken as it is, its step included.
            let keys = KeySpec {
                first: index,
                last: absolute(index, lastkey),
                step: keystep,
            };
            return (keys, spec.flags.contains(KeyFlags::INCOMPLETE));
        }
    }
    let mut movable = false;
    let (mut first, mut last) = (i32::MAX, 0i32);
    for spec in specs {
        let (
            BeginSearch::Index(index),
            FindKeys::Range {
                lastkey, keystep, ..
            },
        ) = (spec.begin, spec.find)
        else {
            movable = true;
            continue;
        };
        if keystep != 1 || (last != 0 && last != index - 1) {
            movable = true;
            continue;
        }
        movable |= spec.flags.contains(KeyFlags::INCOMPLETE);
        first = first.min(index);
        // Compared as unsigned, as Redis does: a from-the-end last wins.
        last = (last as u32).max(absolute(index, lastkey) as u32) as i32;
    }
    if first == i32::MAX {
        return (KeySpec::NONE, movable);
    }
    let keys = KeySpec {
        first,
        last,
        step: 1,
    };
    (keys, movable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Flags;

    #[test]
    fn the_engine_table_agrees_with_the_key_specs() {
        let table = crate::commands::CommandTable::new();
        let mut differences = Vec::new();
        for spec in table.iter() {
            let Some(meta) = crate::command_docs::meta(spec.name) else {
                differences.push(format!("{}: no metadata", spec.name));
                continue;
            };
            let (keys, movable) = legacy_range(meta.key_specs);
            if keys != spec.keys || movable != spec.flags.contains(Flags::MOVABLE_KEYS) {
                differences.push(format!(
                    "{}: table {:?} movable {}, specs {keys:?} movable {movable}",
                    spec.name,
                    spec.keys,
                    spec.flags.contains(Flags::MOVABLE_KEYS)
                ));
            }
        }
        assert!(differences.is_empty(), "{}", differences.join("\n"));
    }

    #[test]
    fn atoi_reads_as_c_does() {
        assert_eq!(atoi(b"2abc"), 2);
        assert_eq!(atoi(b"  -3"), -3);
        assert_eq!(atoi(b"+7"), 7);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"99999999999999999999"), -1);
    }

    #[test]
    fn specs_find_numkeys_and_ranges() {
        let meta = crate::command_docs::meta("zunionstore").unwrap();
        let argv: Vec<&[u8]> = vec![b"zunionstore", b"d", b"2", b"a", b"b"];
        let found: Vec<usize> = find_keys(meta, -4, &argv).iter().map(|k| k.index).collect();
        assert_eq!(found, vec![1, 3, 4]);
        // A count the specs cannot use falls back to the command's own
        // reading: keys first, then the destination.
        let argv: Vec<&[u8]> = vec![b"zunionstore", b"d", b"2abc", b"a", b"b"];
        let found: Vec<usize> = find_keys(meta, -4, &argv).iter().map(|k| k.index).collect();
        assert_eq!(found, vec![3, 4, 1]);
        let argv: Vec<&[u8]> = vec![b"zunionstore", b"d", b"3", b"a", b"b"];
        assert!(find_keys(meta, -4, &argv).is_empty());
        let mset = crate::command_docs::meta("mset").unwrap();
        let argv: Vec<&[u8]> = vec![b"mset", b"a", b"1", b"b", b"2"];
        let found: Vec<usize> = find_keys(mset, -3, &argv).iter().map(|k| k.index).collect();
        assert_eq!(found, vec![1, 3]);
    }

    #[test]
    fn sort_finds_the_last_store() {
        let meta = crate::command_docs::meta("sort").unwrap();
        let argv: Vec<&[u8]> = vec![
            b"sort", b"k", b"LIMIT", b"0", b"1", b"STORE", b"a", b"store", b"b",
        ];
        let found: Vec<usize> = find_keys(meta, -2, &argv).iter().map(|k| k.index).collect();
        assert_eq!(found, vec![1, 8]);
        let argv: Vec<&[u8]> = vec![b"sort", b"k", b"GET", b"store", b"x"];
        let found: Vec<usize> = find_keys(meta, -2, &argv).iter().map(|k| k.index).collect();
        assert_eq!(found, vec![1]);
    }
}
