//! Generic key commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN,
//! RANDOMKEY, RENAME, RENAMENX, MOVE, COPY, OBJECT.
//!
//! Texts, reply shapes and propagation follow Redis 7.0: RENAME, MOVE and
//! COPY propagate as sent (expiry times are absolute in the keyspace, so a
//! replay moves the same TTL), as do DEL and UNLINK when they removed a key.

use super::command;
use super::db::parse_db_index;
use crate::collection_scan::{parse_cursor, write_scan_reply};
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::{Ctx, Lookup};
use crate::error::{CommandError, CommandResult};
use crate::glob::{glob_match, matches_everything};
use crate::notify::EventClass;
use crate::parse::parse_i64;
use crate::value::Value;
use bytes::Bytes;

const KEY_WRITE_SLOW: C = C::of(&[C::KEYSPACE, C::WRITE, C::SLOW]);
const KEY_WRITE_FAST: C = C::of(&[C::KEYSPACE, C::WRITE, C::FAST]);
const KEY_READ_FAST: C = C::of(&[C::KEYSPACE, C::READ, C::FAST]);
const KEY_READ_SLOW: C = C::of(&[C::KEYSPACE, C::READ, C::SLOW]);
const READ_FAST: F = F::of(&[F::READONLY, F::FAST]);
const WRITE_FAST: F = F::of(&[F::WRITE, F::FAST]);
const TWO_KEYS: KeySpec = KeySpec {
    first: 1,
    last: 2,
    step: 1,
};

pub const COMMANDS: &[CommandSpec] = &[
    command!("del", -2, del, flags: F::WRITE, keys: KeySpec::ALL, acl: KEY_WRITE_SLOW),
    command!("unlink", -2, del, flags: WRITE_FAST, keys: KeySpec::ALL, acl: KEY_WRITE_FAST),
    command!("exists", -2, exists, flags: READ_FAST, keys: KeySpec::ALL, acl: KEY_READ_FAST),
    command!("touch", -2, exists, flags: READ_FAST, keys: KeySpec::ALL, acl: KEY_READ_FAST),
    command!("type", 2, type_of, flags: READ_FAST, keys: KeySpec::ONE, acl: KEY_READ_FAST),
    command!("keys", 2, keys, flags: F::READONLY, keys: KeySpec::NONE, acl: C::of(&[C::KEYSPACE, C::READ, C::SLOW, C::DANGEROUS])),
    command!("scan", -2, scan, flags: F::READONLY, keys: KeySpec::NONE, acl: KEY_READ_SLOW),
    command!("randomkey", 1, randomkey, flags: F::READONLY, keys: KeySpec::NONE, acl: KEY_READ_SLOW),
    command!("rename", 3, rename, flags: F::WRITE, keys: TWO_KEYS, acl: KEY_WRITE_SLOW),
    command!("renamenx", 3, renamenx, flags: WRITE_FAST, keys: TWO_KEYS, acl: KEY_WRITE_FAST),
    command!("move", 3, move_key, flags: WRITE_FAST, keys: KeySpec::ONE, acl: KEY_WRITE_FAST),
    command!("copy", -3, copy, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: TWO_KEYS, acl: KEY_WRITE_SLOW),
    command!("object", -2, object, flags: F(0), keys: KeySpec::NONE, acl: C::SLOW),
];

/// DEL / UNLINK key [key ...]: the number of keys removed. Propagates as
/// sent when it removed any (as Redis does; missing keys replay as no-ops).
fn del(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut removed = 0;
    for key in ctx.argv.slice(1..) {
        if ctx.db.lookup(key).is_some() {
            ctx.db.remove(key);
            ctx.db.notify(EventClass::Generic, "del", key);
            removed += 1;
        }
    }
    ctx.out.integer(removed);
    if removed > 0 {
        ctx.propagate_as_is();
    }
    Ok(())
}

/// EXISTS / TOUCH key [key ...]: how many of the keys exist (repeats
/// count). TOUCH updates the keys' access time; EXISTS leaves it alone.
fn exists(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let how = if ctx.spec.name == "touch" {
        Lookup::READ
    } else {
        Lookup::READ_NO_TOUCH
    };
    let mut count = 0;
    for key in ctx.argv.slice(1..) {
        if ctx.db.lookup_with(key, how).is_some() {
            count += 1;
        }
    }
    ctx.out.integer(count);
    Ok(())
}

/// TYPE key: string, list, ... or none.
fn type_of(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let name = ctx
        .db
        .lookup_with(ctx.arg(1), Lookup::READ_NO_TOUCH)
        .map_or("none", Value::type_name);
    ctx.out.simple(name.as_bytes());
    Ok(())
}

/// KEYS pattern: every live key that matches. Expired keys are skipped,
/// not deleted (as Redis 7.0 does).
fn keys(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let pattern = ctx.arg(1);
    let all = matches_everything(pattern);
    let now_ms = ctx.db.now_ms;
    let keyspace = ctx.db.keyspace();
    let found: Vec<&[u8]> = keyspace
        .iter()
        .filter(|(key, _, at)| at.is_none_or(|at| at > now_ms) && (all || glob_match(pattern, key)))
        .map(|(key, _, _)| key)
        .collect();
    ctx.out.array(found.len());
    for key in found {
        ctx.out.bulk(key);
    }
    Ok(())
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. Walks the table's
/// buckets in reverse-binary order (see `Keyspace::scan_step`), visiting up
/// to COUNT*10 buckets or until COUNT keys were gathered, then filters by
/// pattern, expiry (deleting expired keys) and type.
fn scan(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut cursor = parse_cursor(ctx.arg(1))?;
    let mut count: usize = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut type_name: Option<&[u8]> = None;
    let mut i = 2;
    while i < ctx.argc() {
        let option = ctx.arg(i);
        if i + 1 >= ctx.argc() {
            return Err(CommandError::Syntax);
        }
        let value = ctx.arg(i + 1);
        if option.eq_ignore_ascii_case(b"count") {
            let n = parse_i64(value)?;
            if n < 1 {
                return Err(CommandError::Syntax);
            }
            count = n as usize;
        } else if option.eq_ignore_ascii_case(b"match") {
            pattern = (!matches_everything(value)).then_some(value);
        } else if option.eq_ignore_ascii_case(b"type") {
            type_name = Some(value);
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    let mut gathered: Vec<Bytes> = Vec::new();
    let keyspace = ctx.db.keyspace();
    let mut buckets_left = count.saturating_mul(10);
    loop {
        cursor = keyspace.scan_step(cursor, |key, _| {
            gathered.push(Bytes::copy_from_slice(key));
        });
        buckets_left = buckets_left.saturating_sub(1);
        if cursor == 0 || buckets_left == 0 || gathered.len() >= count {
            break;
        }
    }
    let mut keys: Vec<&[u8]> = Vec::with_capacity(gathered.len());
    for key in &gathered {
        if pattern.is_some_and(|p| !glob_match(p, key)) {
            continue;
        }
        if ctx.db.expire_if_needed(ctx.db.index, key) {
            continue;
        }
        if let Some(wanted) = type_name {
            let actual = ctx
                .db
                .lookup_with(key, Lookup::READ_NO_TOUCH)
                .map_or("none", Value::type_name);
            if !wanted.eq_ignore_ascii_case(actual.as_bytes()) {
                continue;
            }
        }
        keys.push(key);
    }
    write_scan_reply(ctx.out, cursor, &keys);
    Ok(())
}

/// RANDOMKEY: a random live key, or nil. Expired keys it lands on are
/// deleted (and propagated) before trying again.
fn randomkey(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    // Each failed try deletes a key, so the loop ends by the table's size.
    let tries = ctx.db.keyspace().len() + 1;
    for _ in 0..tries {
        let pick = ctx.db.random_u64();
        let Some(key) = ctx.db.keyspace().key_at_random(pick) else {
            break;
        };
        let key = key.to_vec();
        if !ctx.db.expire_if_needed(ctx.db.index, &key) {
            ctx.out.bulk(&key);
            return Ok(());
        }
    }
    ctx.out.null();
    Ok(())
}

/// RENAME key newkey: OK, or "no such key".
fn rename(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    rename_key(ctx, false)
}

/// RENAMENX key newkey: 1 if renamed, 0 if newkey exists.
fn renamenx(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    rename_key(ctx, true)
}

fn rename_key(ctx: &mut Ctx<'_, '_>, only_new: bool) -> CommandResult {
    let (from, to) = (ctx.arg(1), ctx.arg(2));
    if ctx.db.lookup(from).is_none() {
        return Err(CommandError::NoSuchKey);
    }
    if from == to {
        // Redis: RENAME to itself is OK, RENAMENX to itself renames nothing.
        reply_renamed(ctx, only_new, false);
        return Ok(());
    }
    if ctx.db.lookup(to).is_some() {
        if only_new {
            reply_renamed(ctx, only_new, false);
            return Ok(());
        }
        ctx.db.keyspace().remove(to);
    }
    let index = ctx.db.index;
    let expire_at = ctx.db.keyspace().expire_at(from);
    let access = ctx.db.keyspace().access_of(from);
    let Some(value) = ctx.db.keyspace().remove(from) else {
        return Err(CommandError::NoSuchKey);
    };
    ctx.db.signal_modified_at(index, from);
    ctx.db.store_at(index, to, value, expire_at, access);
    ctx.db.notify(EventClass::Generic, "rename_from", from);
    ctx.db.notify(EventClass::Generic, "rename_to", to);
    ctx.propagate_as_is();
    reply_renamed(ctx, only_new, true);
    Ok(())
}

fn reply_renamed(ctx: &mut Ctx<'_, '_>, only_new: bool, renamed: bool) {
    if only_new {
        ctx.out.integer(i64::from(renamed));
    } else {
        ctx.out.ok();
    }
}

const SAME_OBJECT: CommandError =
    CommandError::text("ERR source and destination objects are the same");

/// MOVE key db: 1 if moved, 0 if missing here or present there.
fn move_key(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let target = parse_db_index(ctx.arg(2), ctx.db.databases())?;
    let source = ctx.db.index;
    if target == source {
        return Err(SAME_OBJECT);
    }
    if ctx.db.lookup(key).is_none() {
        ctx.out.integer(0);
        return Ok(());
    }
    ctx.db.expire_if_needed(target, key);
    if ctx.db.keyspace_at(target).contains(key) {
        ctx.out.integer(0);
        return Ok(());
    }
    let expire_at = ctx.db.keyspace().expire_at(key);
    let access = ctx.db.keyspace().access_of(key);
    let Some(value) = ctx.db.keyspace().remove(key) else {
        return Err(CommandError::NoSuchKey);
    };
    ctx.db.signal_modified_at(source, key);
    ctx.db.store_at(target, key, value, expire_at, access);
    ctx.db.notify(EventClass::Generic, "move_from", key);
    ctx.db
        .notify_at(target, EventClass::Generic, "move_to", key);
    ctx.propagate_as_is();
    ctx.out.integer(1);
    Ok(())
}

/// COPY source destination [DB db] [REPLACE]: 1 if copied, else 0.
fn copy(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let (from, to) = (ctx.arg(1), ctx.arg(2));
    let source = ctx.db.index;
    let mut target = source;
    let mut replace = false;
    let mut i = 3;
    while i < ctx.argc() {
        let option = ctx.arg(i);
        if option.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if option.eq_ignore_ascii_case(b"db") && i + 1 < ctx.argc() {
            target = parse_db_index(ctx.arg(i + 1), ctx.db.databases())?;
            i += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    if source == target && from == to {
        return Err(SAME_OBJECT);
    }
    let value = match ctx.db.lookup_read(from) {
        Some(Value::Str(s)) => Some(Value::Str(s.copied())),
        other => other.cloned(),
    };
    let Some(value) = value else {
        ctx.out.integer(0);
        return Ok(());
    };
    let expire_at = ctx.db.keyspace().expire_at(from);
    ctx.db.expire_if_needed(target, to);
    if ctx.db.keyspace_at(target).contains(to) {
        if !replace {
            ctx.out.integer(0);
            return Ok(());
        }
        // Redis deletes the old destination and adds a new key.
        ctx.db.keyspace_at(target).remove(to);
    }
    ctx.db.store_at(target, to, value, expire_at, None);
    ctx.db.notify_at(target, EventClass::Generic, "copy_to", to);
    ctx.propagate_as_is();
    ctx.out.integer(1);
    Ok(())
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// What OBJECT FREQ answers unless the policy is LFU.
const NO_LFU: CommandError = CommandError::text(
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
);

/// What OBJECT IDLETIME answers under an LFU policy.
const LFU_SELECTED: CommandError = CommandError::text(
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
);

/// OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP. The key is looked up
/// without touching it; FREQ and IDLETIME read its access field in the
/// terms of the policy in force, with Redis's errors for the other kind.
fn object(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let name = super::subcommand("object", ctx.argv)?;
    let name = &name["object|".len()..];
    if name == "help" {
        ctx.out.array(OBJECT_HELP.len());
        for line in OBJECT_HELP {
            ctx.out.simple(line.as_bytes());
        }
        return Ok(());
    }
    let Some(value) = ctx
        .db
        .lookup_with(ctx.arg(2), Lookup::READ_NO_TOUCH_NO_NOTIFY)
    else {
        ctx.out.null();
        return Ok(());
    };
    match name {
        "encoding" => {
            let encoding = encoding(value);
            ctx.out.bulk(encoding.as_bytes());
            return Ok(());
        }
        "refcount" => {
            ctx.out.integer(refcount(value));
            return Ok(());
        }
        _ => {}
    }
    let config = ctx.db.config();
    let (policy, decay) = (config.maxmemory_policy, config.lfu_decay_time);
    let now_ms = ctx.db.now_ms;
    let key = ctx.arg(2);
    let field = ctx.db.keyspace().access_of(key).unwrap_or(0);
    match (name, policy.is_lfu()) {
        ("freq", true) => {
            let counter = crate::access::lfu_counter(field, now_ms, decay);
            ctx.out.integer(i64::from(counter));
        }
        ("freq", false) => return Err(NO_LFU),
        (_, false) => ctx
            .out
            .integer((crate::access::idle_ms(field, now_ms) / 1000) as i64),
        (_, true) => return Err(LFU_SELECTED),
    }
    Ok(())
}

/// Redis's text for an unknown subcommand of `command`.
pub fn unknown_subcommand(sub: &[u8], command: &str) -> CommandError {
    CommandError::owned(format!(
        "ERR unknown subcommand '{}'. Try {command} HELP.",
        shown_arg(sub)
    ))
}

/// An argument as Redis prints it inside an error: at most 128 bytes, with
/// newlines turned into spaces (Redis sanitises them so the reply stays
/// one line).
pub fn shown_arg(arg: &[u8]) -> String {
    let shown = String::from_utf8_lossy(&arg[..arg.len().min(128)]).into_owned();
    shown.replace(['\r', '\n'], " ")
}

/// The encoding name OBJECT ENCODING reports.
pub fn encoding(value: &Value) -> &'static str {
    match value {
        Value::Str(s) => s.encoding(),
        Value::List(list) => list.encoding(),
        Value::Hash(hash) => hash.encoding(),
        Value::Set(set) => set.encoding(),
        Value::ZSet(zset) => zset.encoding(),
    }
}

/// OBJECT REFCOUNT: what Redis's object sharing would say.
fn refcount(value: &Value) -> i64 {
    match value {
        Value::Str(s) => s.refcount(),
        _ => 1,
    }
}
