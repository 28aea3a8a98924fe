//! COMMAND against the real redis-server 7.0.15, for every command we
//! implement: COMMAND INFO's ten fields exactly (subcommands included),
//! COMMAND DOCS exactly but for our own prose (held to the rules in
//! `own_words/`), GETKEYS and
//! GETKEYSANDFLAGS on generated and chosen argv, LIST FILTERBY, COUNT and
//! the errors. Under CI=true a missing redis-server fails the test.
//!
//! Where we differ on purpose the difference is listed below with its
//! reason, and checked to be exactly that.

mod own_words;
mod support;

use bytes::Bytes;
use resp_codec::Frame;
use std::collections::BTreeSet;
use support::process::{redis_available, Conn, Process};

/// Subcommands Redis has and we do not implement (our container answers
/// `unknown subcommand` for each): ours lists exactly the others.
const UNIMPLEMENTED_SUBCOMMANDS: &[(&str, &str)] = &[
    (
        "client|caching",
        "client-side caching (tracking) is not implemented",
    ),
    (
        "client|getredir",
        "client-side caching (tracking) is not implemented",
    ),
    (
        "client|tracking",
        "client-side caching (tracking) is not implemented",
    ),
    (
        "client|trackinginfo",
        "client-side caching (tracking) is not implemented",
    ),
    (
        "latency|graph",
        "ASCII-art latency graphs are not implemented",
    ),
    ("memory|malloc-stats", "no allocator statistics text yet"),
    ("memory|purge", "no allocator purge yet"),
];

/// Subcommands we implement that Redis 7.0.15, the version we report,
/// does not have: COMMAND lists them only once they can be checked
/// against a server that does.
const BEYOND_7_0: &[(&str, &str)] = &[
    ("client|setinfo", "added in Redis 7.2"),
    ("client|no-touch", "added in Redis 7.2"),
];

/// Key spec fields we write ourselves, compared for presence only (the
/// COMMAND DOCS prose is `own_words/`'s).
const OWN_WORDS: &[&str] = &["notes"];

/// Argv samples beyond the generated ones, for the commands whose keys
/// depend on their arguments.
const GETKEYS_SAMPLES: &[&str] = &[
    "set k v",
    "set k v get",
    "set k v ex 10 GET",
    "set k v nx",
    "bitfield k get u8 0",
    "bitfield k get u8 0 overflow sat get i4 2",
    "bitfield k set u8 0 1",
    "bitfield k incrby u8 0 1",
    "bitfield k get u8",
    "bitfield k bogus",
    "bitfield_ro k get u8 0",
    "sort k",
    "sort k store d",
    "sort k by w_* get # get o_* limit 0 10 store d",
    "sort k store d1 STORE d2",
    "sort k get store store d",
    "sort k limit store 1 store d",
    "sort k store",
    "sort_ro k by w_* get #",
    "zunionstore d 2 a b",
    "zunionstore d 2 a b weights 1 2 aggregate max",
    "zunionstore d 0 a",
    "zunionstore d 3 a b",
    "zunionstore d -1 a b",
    "zunionstore d 2abc a b",
    "zunionstore d ' 1' a",
    "zinterstore d 1 a",
    "zdiffstore d 2 a b",
    "zunion 2 a b withscores",
    "zinter 1 a",
    "zdiff 2 a b",
    "zdiff 3 a b",
    "zintercard 2 a b limit 1",
    "sintercard 2 a b",
    "sintercard 1x a b",
    "lmpop 2 a b left count 2",
    "lmpop 1 a right",
    "lmpop 0 a left",
    "blmpop 0 2 a b left",
    "blmpop 0 3 a b left",
    "zmpop 1 a min",
    "bzmpop 1.5 2 a b max count 3",
    "bzmpop 0 2x a b max",
    "mset a 1 b 2",
    "mset a 1 b",
    "msetnx a 1 b 2 c 3",
    "mget a b c",
    "del a b c",
    "bitop and d a b",
    "lcs a b",
    "lcs a b len",
    "rename a b",
    "copy a b db 1 replace",
    "smove a b m",
    "lmove a b left right",
    "blmove a b left right 0",
    "blpop a b c 0",
    "bzpopmin a b 0",
    "sinterstore d a b",
    "sdiffstore d a",
    "zrangestore d a 0 -1",
    "object encoding k",
    "object freq k",
    "memory usage k samples 5",
    "memory usage",
    "memory stats",
    "config get maxmemory",
    "config",
    "client list",
    "pubsub numsub a b",
    "ssubscribe a b",
    "spublish c m",
    "sunsubscribe",
    "watch a b",
    "restore k 0 payload replace",
    "dump k",
    "exists a",
    "get",
    "nosuch k",
    "ping",
    "debug object k",
];

struct Pair {
    _ours: Process,
    _redis: Process,
    ours: Conn,
    redis: Conn,
}

fn start() -> Pair {
    let ours_process = Process::ours(&[]);
    let redis_process = Process::redis(&[]);
    let mut ours = Conn::open(ours_process.port).unwrap();
    let mut redis = Conn::open(redis_process.port).unwrap();
    ours.call(&["HELLO", "3"]);
    redis.call(&["HELLO", "3"]);
    Pair {
        _ours: ours_process,
        _redis: redis_process,
        ours,
        redis,
    }
}

fn bulk(text: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(text.as_bytes()))
}

fn text(frame: &Frame) -> String {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) | Frame::Error(b) => {
            String::from_utf8_lossy(b).into_owned()
        }
        other => format!("{other:?}"),
    }
}

fn items(frame: &Frame) -> &[Frame] {
    match frame {
        Frame::Array(items) | Frame::Set(items) => items,
        other => panic!("not an array: {other:?}"),
    }
}

fn names(frame: &Frame) -> BTreeSet<String> {
    items(frame).iter().map(text).collect()
}

fn unimplemented(name: &str) -> bool {
    UNIMPLEMENTED_SUBCOMMANDS
        .iter()
        .any(|(sub, _)| *sub == name)
}

/// A COMMAND INFO entry with its subcommands in name order (Redis lists
/// them in its hash table's order) and Redis's unimplemented ones out,
/// and the text of our own prose replaced by whether it is there.
fn normalize_info(entry: &Frame) -> Frame {
    let Frame::Array(fields) = entry else {
        return entry.clone();
    };
    let mut fields = fields.clone();
    if let Frame::Set(specs) = &mut fields[8] {
        for spec in specs.iter_mut() {
            *spec = own_words_out(spec);
        }
    }
    if let Frame::Array(subs) = &mut fields[9] {
        subs.retain(|sub| !unimplemented(&text(&items(sub)[0])));
        subs.sort_by_key(|sub| text(&items(sub)[0]));
        for sub in subs.iter_mut() {
            *sub = normalize_info(sub);
        }
    }
    Frame::Array(fields)
}

/// A map with the values of OWN_WORDS fields replaced by a marker.
fn own_words_out(frame: &Frame) -> Frame {
    match frame {
        Frame::Map(pairs) => Frame::Map(
            pairs
                .iter()
                .map(|(k, v)| {
                    if OWN_WORDS.contains(&text(k).as_str()) {
                        (k.clone(), bulk("<own words>"))
                    } else {
                        (k.clone(), v.clone())
                    }
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A COMMAND DOCS entry likewise: our prose masked, subcommands sorted
/// and Redis's unimplemented ones out.
fn normalize_docs(entry: &Frame) -> Frame {
    let Frame::Map(pairs) = own_words::masked(entry) else {
        return entry.clone();
    };
    Frame::Map(
        pairs
            .into_iter()
            .map(|(k, v)| match (text(&k).as_str(), v) {
                ("subcommands", Frame::Map(mut subs)) => {
                    subs.retain(|(name, _)| !unimplemented(&text(name)));
                    subs.sort_by_key(|(name, _)| text(name));
                    let subs = subs
                        .into_iter()
                        .map(|(name, docs)| (name, normalize_docs(&docs)))
                        .collect();
                    (k, Frame::Map(subs))
                }
                (_, v) => (k, v),
            })
            .collect(),
    )
}

fn single_docs(conn: &mut Conn, name: &str) -> Frame {
    match conn.call(&["COMMAND", "DOCS", name]) {
        Frame::Map(mut pairs) if pairs.len() == 1 => pairs.remove(0).1,
        other => panic!("COMMAND DOCS {name}: {other:?}"),
    }
}

/// Every command we implement, and its subcommands, by full name.
fn implemented(pair: &mut Pair) -> (Vec<String>, Vec<String>) {
    // COMMAND LIST names subcommands too (`config|get`), as Redis's does.
    let commands: Vec<String> = names(&pair.ours.call(&["COMMAND", "LIST"]))
        .into_iter()
        .filter(|name| !name.contains('|'))
        .collect();
    let mut subcommands = Vec::new();
    for name in &commands {
        let info = pair.ours.call(&["COMMAND", "INFO", name]);
        for sub in items(&items(&items(&info)[0])[9]) {
            subcommands.push(text(&items(sub)[0]));
        }
    }
    (commands, subcommands)
}

#[test]
fn command_info_and_docs_match_redis_for_every_command() {
    if !redis_available() {
        return;
    }
    let mut pair = start();
    let (commands, subcommands) = implemented(&mut pair);
    let redis_commands: BTreeSet<String> = names(&pair.redis.call(&["COMMAND", "LIST"]))
        .into_iter()
        .filter(|name| !name.contains('|'))
        .collect();
    let mut differences = Vec::new();
    assert!(commands.len() > 150, "only {} commands", commands.len());
    assert_eq!(
        pair.ours.call(&["COMMAND", "COUNT"]),
        Frame::Integer(commands.len() as i64)
    );
    for name in &commands {
        assert!(redis_commands.contains(name), "{name}: not a Redis command");
        let ours = pair.ours.call(&["COMMAND", "INFO", name]);
        let redis = pair.redis.call(&["COMMAND", "INFO", name]);
        let (ours, redis) = (&items(&ours)[0], &items(&redis)[0]);
        if normalize_info(ours) != normalize_info(redis) {
            differences.push(format!(
                "INFO {name}:\n  ours  {:?}\n  redis {:?}",
                normalize_info(ours),
                normalize_info(redis)
            ));
        }
        let (ours, redis) = (
            single_docs(&mut pair.ours, name),
            single_docs(&mut pair.redis, name),
        );
        if normalize_docs(&ours) != normalize_docs(&redis) {
            differences.push(format!(
                "DOCS {name}:\n  ours  {:?}\n  redis {:?}",
                normalize_docs(&ours),
                normalize_docs(&redis)
            ));
        }
        let (mut our_prose, mut redis_prose) = (Vec::new(), Vec::new());
        own_words::collect(&ours, name, &mut our_prose);
        own_words::collect(&redis, name, &mut redis_prose);
        own_words::check(&our_prose, &redis_prose, &mut differences);
    }
    // A subcommand by its full name answers its own entry, on both.
    for name in &subcommands {
        let ours = pair.ours.call(&["COMMAND", "INFO", name]);
        let redis = pair.redis.call(&["COMMAND", "INFO", name]);
        if normalize_info(&items(&ours)[0]) != normalize_info(&items(&redis)[0]) {
            differences.push(format!("INFO {name}: ours {ours:?}\n  redis {redis:?}"));
        }
        let (ours, redis) = (
            single_docs(&mut pair.ours, name),
            single_docs(&mut pair.redis, name),
        );
        if normalize_docs(&ours) != normalize_docs(&redis) {
            differences.push(format!("DOCS {name}: ours {ours:?}\n  redis {redis:?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn the_unimplemented_subcommands_are_unknown_and_unlisted() {
    if !redis_available() {
        return;
    }
    let mut pair = start();
    let (_, subcommands) = implemented(&mut pair);
    for (name, reason) in UNIMPLEMENTED_SUBCOMMANDS {
        assert!(!reason.is_empty());
        assert!(!subcommands.iter().any(|s| s == name), "{name} is listed");
        let (container, sub) = name.split_once('|').unwrap();
        let reply = text(&pair.ours.call(&[container, sub]));
        assert!(
            reply.starts_with("ERR unknown subcommand '"),
            "{name}: {reply}"
        );
        assert_eq!(
            pair.ours.call(&["COMMAND", "INFO", name]),
            Frame::Array(vec![Frame::Null])
        );
    }
    // Every subcommand Redis has of our containers is either ours or
    // listed above.
    let redis_subcommands = names(
        &pair
            .redis
            .call(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "*|*"]),
    );
    let containers: BTreeSet<&str> = subcommands
        .iter()
        .map(|s| s.split('|').next().unwrap())
        .collect();
    for name in redis_subcommands {
        let container = name.split('|').next().unwrap();
        if containers.contains(container) {
            assert!(
                subcommands.contains(&name) || unimplemented(&name),
                "{name}: neither implemented nor listed as a difference"
            );
        }
    }
    for name in &subcommands {
        let (container, sub) = name.split_once('|').unwrap();
        let reply = text(&pair.ours.call(&[container, sub]));
        assert!(
            !reply.starts_with("ERR unknown subcommand '"),
            "{name}: {reply}"
        );
    }
    for (name, reason) in BEYOND_7_0 {
        assert!(!reason.is_empty());
        assert!(!subcommands.iter().any(|s| s == name), "{name} is listed");
        let (container, sub) = name.split_once('|').unwrap();
        let ours = text(&pair.ours.call(&[container, sub]));
        let redis = text(&pair.redis.call(&[container, sub]));
        assert!(
            !ours.starts_with("ERR unknown subcommand '"),
            "{name}: {ours}"
        );
        assert!(
            redis.starts_with("ERR unknown subcommand '"),
            "{name}: {redis}"
        );
    }
    let mut differences = Vec::new();
    // A subcommand's arity is the table's: where either server answers
    // a wrong number of arguments, both answer the same.
    for name in &subcommands {
        let (container, sub) = name.split_once('|').unwrap();
        for extra in 0..=4 {
            let mut call = vec![container, sub];
            call.extend(std::iter::repeat_n("x", extra));
            let ours = pair.ours.call(&call);
            let redis = pair.redis.call(&call);
            let arity = |f: &Frame| text(f).starts_with("ERR wrong number of arguments");
            if (arity(&ours) || arity(&redis)) && ours != redis {
                differences.push(format!("{call:?}: ours {ours:?}, redis {redis:?}"));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    let unlisted: Vec<&str> = kv_engine::command_docs::UNLISTED_SUBCOMMANDS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let beyond: Vec<&str> = BEYOND_7_0.iter().map(|(name, _)| *name).collect();
    assert_eq!(unlisted, beyond);
    // Subcommands are checked before MULTI queues them, as in Redis.
    for call in [
        &["MULTI"][..],
        &["CONFIG", "FOO"],
        &["CONFIG", "GET"],
        &["CLIENT", "NOSUCH"],
        &["client", "nosuch"],
        &["SLOWLOG", "GET", "1", "2"],
        &["OBJECT", "FOO"],
        &["object", "encoding"],
        &["MEMORY", "USAGE"],
        &["COMMAND", "GETKEYS"],
        &["CLIENT", "SETINFO", "lib-name"],
        &["CLIENT", "ID"],
        &["EXEC"],
    ] {
        let (ours, redis) = (pair.ours.call(call), pair.redis.call(call));
        if call == ["CLIENT", "SETINFO", "lib-name"] {
            // Redis 7.0.15 does not know SETINFO; we check its arity.
            assert_eq!(
                text(&ours),
                "ERR wrong number of arguments for 'client|setinfo' command"
            );
            continue;
        }
        assert_eq!(ours, redis, "{call:?}");
    }
    // Every documented command is one the server runs.
    let commands: BTreeSet<String> = names(&pair.ours.call(&["COMMAND", "LIST"]));
    for meta in kv_engine::command_docs::all() {
        assert!(
            commands.contains(meta.name),
            "{} is documented, not implemented",
            meta.name
        );
    }
}

fn words(line: &str) -> Vec<String> {
    line.split(' ')
        .map(|w| {
            if w == "''" {
                String::new()
            } else {
                w.to_string()
            }
        })
        .collect()
}

#[test]
fn getkeys_and_getkeysandflags_match_redis() {
    if !redis_available() {
        return;
    }
    let mut pair = start();
    let (commands, subcommands) = implemented(&mut pair);
    let mut argvs: Vec<Vec<String>> = GETKEYS_SAMPLES
        .iter()
        .map(|line| words(&line.replace("' 1'", "\u{0}1")))
        .map(|argv| argv.into_iter().map(|w| w.replace('\u{0}', " ")).collect())
        .collect();
    // Every command and subcommand with 0 to 5 arguments of each of a few
    // kinds: counts, names.
    for base in commands.iter().map(|c| vec![c.clone()]).chain(
        subcommands
            .iter()
            .map(|s| s.split('|').map(String::from).collect()),
    ) {
        for filler in ["2", "k", "0", "STORE"] {
            for extra in 0..=5 {
                let mut argv = base.clone();
                argv.extend(std::iter::repeat_n(filler.to_string(), extra));
                argvs.push(argv);
            }
        }
    }
    let mut differences = Vec::new();
    let mut compared = 0;
    for argv in &argvs {
        for sub in ["GETKEYS", "GETKEYSANDFLAGS"] {
            let mut call: Vec<&str> = vec!["COMMAND", sub];
            call.extend(argv.iter().map(String::as_str));
            let ours = pair.ours.call(&call);
            let redis = pair.redis.call(&call);
            compared += 1;
            if ours != redis {
                differences.push(format!("{call:?}:\n  ours  {ours:?}\n  redis {redis:?}"));
            }
        }
    }
    assert!(compared > 8000, "{compared}");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn list_filters_count_and_errors_match_redis() {
    if !redis_available() {
        return;
    }
    let mut pair = start();
    let (commands, subcommands) = implemented(&mut pair);
    let ours_all: BTreeSet<String> = commands.iter().chain(&subcommands).cloned().collect();
    let mut filters: Vec<Vec<&str>> = vec![
        vec![],
        vec!["FILTERBY", "PATTERN", "*"],
        vec!["FILTERBY", "PATTERN", "z*"],
        vec!["filterby", "pattern", "CONFIG*"],
        vec!["FILTERBY", "PATTERN", "*|*"],
        vec!["FILTERBY", "PATTERN", "nothing"],
        vec!["FILTERBY", "MODULE", "none"],
        vec!["FILTERBY", "ACLCAT", "nosuch"],
    ];
    let categories = names(&pair.redis.call(&["ACL", "CAT"]));
    let categories: Vec<String> = categories.into_iter().collect();
    for category in &categories {
        filters.push(vec!["FILTERBY", "ACLCAT", category]);
    }
    filters.push(vec!["FILTERBY", "ACLCAT", "STRING"]);
    for filter in &filters {
        let mut call = vec!["COMMAND", "LIST"];
        call.extend(filter);
        let ours = names(&pair.ours.call(&call));
        let redis: BTreeSet<String> = names(&pair.redis.call(&call))
            .into_iter()
            .filter(|name| ours_all.contains(name))
            .collect();
        assert_eq!(ours, redis, "{call:?}");
    }
    assert!(
        names(
            &pair
                .ours
                .call(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "read"])
        )
        .len()
            > 30
    );
    // Replies that must be byte for byte the same.
    for line in [
        "COMMAND LIST FILTERBY",
        "COMMAND LIST FILTERBY PATTERN",
        "COMMAND LIST FILTERBY BOGUS x",
        "COMMAND LIST BOGUS",
        "COMMAND LIST FILTERBY PATTERN a extra",
        "COMMAND COUNT extra",
        "COMMAND GETKEYS",
        "COMMAND GETKEYS get",
        "COMMAND GETKEYSANDFLAGS",
        "COMMAND INFO get|foo config|get|x nosuch GET",
        "COMMAND INFO CONFIG|GET",
        "COMMAND DOCS nosuch get|foo",
        "COMMAND DOCS",
        "COMMAND BOGUS",
        "COMMAND HELP",
        "COMMAND HELP extra",
    ] {
        let call: Vec<&str> = line.split(' ').collect();
        let ours = pair.ours.call(&call);
        let redis = pair.redis.call(&call);
        if line == "COMMAND DOCS" {
            // Every command's docs; ours are checked entry by entry above.
            let Frame::Map(pairs) = ours else {
                panic!("{ours:?}")
            };
            let listed: BTreeSet<String> = pairs.iter().map(|(k, _)| text(k)).collect();
            assert_eq!(listed, commands.iter().cloned().collect(), "{line}");
            continue;
        }
        assert_eq!(ours, redis, "{line}");
    }
    // The whole table, in both protocols: the same entries as one by one.
    for protocol in ["2", "3"] {
        pair.ours.call(&["HELLO", protocol]);
        pair.redis.call(&["HELLO", protocol]);
        for call in [
            &["COMMAND", "INFO", "nosuch", "get|x"][..],
            &["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "get"],
            &["COMMAND", "DOCS", "nosuch"],
        ] {
            assert_eq!(pair.ours.call(call), pair.redis.call(call), "{call:?}");
        }
        let all = pair.ours.call(&["COMMAND"]);
        assert_eq!(items(&all).len(), commands.len());
        let ours = pair
            .ours
            .call(&["COMMAND", "INFO", "sort", "config", "zunionstore"]);
        let redis = pair
            .redis
            .call(&["COMMAND", "INFO", "sort", "config", "zunionstore"]);
        let normalized = |f: &Frame| items(f).iter().map(normalize_info).collect::<Vec<_>>();
        if protocol == "3" {
            assert_eq!(normalized(&ours), normalized(&redis));
        } else {
            // RESP2 flattens maps: the fields before the key specs, then
            // whole entries and docs of commands without subcommands or
            // notes, our prose masked where it follows its field name.
            for (o, r) in items(&ours).iter().zip(items(&redis)) {
                assert_eq!(items(o)[..8], items(r)[..8]);
            }
            for call in [
                &["COMMAND", "INFO", "get", "zunionstore", "lmpop", "mset"][..],
                &["COMMAND", "DOCS", "set"],
                &["COMMAND", "DOCS", "zadd"],
                &["COMMAND", "DOCS", "rpoplpush"],
            ] {
                let ours = own_words::masked_flat(&pair.ours.call(call));
                let redis = own_words::masked_flat(&pair.redis.call(call));
                assert_eq!(ours, redis, "{call:?}");
            }
        }
    }
}

/// A Frame map's value for `field`.
fn field<'f>(frame: &'f Frame, name: &str) -> &'f Frame {
    let Frame::Map(pairs) = frame else {
        panic!("not a map: {frame:?}")
    };
    &pairs.iter().find(|(k, _)| text(k) == name).unwrap().1
}

fn int(frame: &Frame, name: &str) -> i32 {
    match field(frame, name) {
        Frame::Integer(n) => *n as i32,
        other => panic!("{name}: {other:?}"),
    }
}

/// A key specification as COMMAND INFO gives it, read back into ours.
fn key_spec(frame: &Frame) -> kv_engine::command_docs::KeySpecDef {
    use kv_engine::command_docs::{BeginSearch, FindKeys, KeyFlags};
    let mut flags = KeyFlags(0);
    for name in names(field(frame, "flags")) {
        let (flag, _) = KeyFlags::NAMES.iter().find(|(_, n)| *n == name).unwrap();
        flags = KeyFlags(flags.0 | flag.0);
    }
    let begin = field(frame, "begin_search");
    let begin_spec = field(begin, "spec");
    let begin = match text(field(begin, "type")).as_str() {
        "index" => BeginSearch::Index(int(begin_spec, "index")),
        "keyword" => BeginSearch::Keyword {
            keyword: text(field(begin_spec, "keyword")).leak(),
            startfrom: int(begin_spec, "startfrom"),
        },
        _ => BeginSearch::Unknown,
    };
    let find = field(frame, "find_keys");
    let find_spec = field(find, "spec");
    let find = match text(field(find, "type")).as_str() {
        "range" => FindKeys::Range {
            lastkey: int(find_spec, "lastkey"),
            keystep: int(find_spec, "keystep"),
            limit: int(find_spec, "limit"),
        },
        "keynum" => FindKeys::Keynum {
            keynumidx: int(find_spec, "keynumidx"),
            firstkey: int(find_spec, "firstkey"),
            keystep: int(find_spec, "keystep"),
        },
        _ => FindKeys::Unknown,
    };
    kv_engine::command_docs::ks(flags, (begin, find))
}

/// The key search paths no command of ours takes yet (a keyword to begin
/// from, forwards and backwards; a range with a limit), on commands of
/// Redis's that take them: their specs as Redis reports them, searched
/// by kv_engine::key_search, against Redis's own GETKEYSANDFLAGS.
#[test]
fn key_search_follows_keyword_and_limit_specs_as_redis_does() {
    if !redis_available() {
        return;
    }
    let redis_process = Process::redis(&[]);
    let mut redis = Conn::open(redis_process.port).unwrap();
    redis.call(&["HELLO", "3"]);
    let samples = [
        "georadius k 1 2 3 m store d",
        "georadius k 1 2 3 m withcoord storedist d2",
        "georadius k 1 2 3 m store d storedist d2",
        "georadius k 1 2 3 m STORE x STORE y",
        "georadius k 1 2 3 m",
        "georadius k 1 2 3 m store",
        "georadius k 1 2 3 m store d store",
        "xread streams a b 0 0",
        "xread count 2 streams a b c 0 0 0",
        "xread streams a 0",
        "xreadgroup group g c streams a b 0 0",
        "xreadgroup group g c count 1 streams s 0",
        // MIGRATE's KEYS spec is searched backwards. Redis marks it
        // incomplete and answers by its own reading, which agrees with
        // the spec alone on these.
        "migrate h 1 '' 0 5000 KEYS a b",
        "migrate h 1 '' 0 5000 COPY REPLACE KEYS a",
    ];
    let mut compared = 0;
    for line in samples {
        let argv = words(line);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let info = redis.call(&["COMMAND", "INFO", argv[0]]);
        let entry = items(&items(&info)[0]);
        let Frame::Integer(arity) = entry[1] else {
            panic!("{entry:?}")
        };
        let mut specs: Vec<_> = items(&entry[8]).iter().map(key_spec).collect();
        if argv[0] == "migrate" {
            use kv_engine::command_docs::{BeginSearch, KeyFlags};
            specs.retain(|spec| matches!(spec.begin, BeginSearch::Keyword { .. }));
            specs[0].flags.0 &= !KeyFlags::INCOMPLETE.0;
        }
        let meta = kv_engine::command_docs::CommandMeta {
            name: "a command of redis's",
            key_specs: specs.leak(),
            ..kv_engine::command_docs::CommandMeta::NONE
        };
        let bytes: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        let ours: Vec<Frame> = kv_engine::key_search::find_keys(&meta, arity as i32, &bytes)
            .iter()
            .map(|key| {
                let flags = key
                    .flags
                    .names()
                    .map(|n| Frame::Simple(Bytes::from(n)))
                    .collect();
                Frame::Array(vec![bulk(argv[key.index]), Frame::Set(flags)])
            })
            .collect();
        let mut call = vec!["COMMAND", "GETKEYSANDFLAGS"];
        call.extend(&argv);
        assert_eq!(Frame::Array(ours), redis.call(&call), "{line}");
        compared += 1;
    }
    assert_eq!(compared, samples.len());
}
