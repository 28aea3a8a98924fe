//! Hash commands: HSET/HMSET/HSETNX, HGET/HMGET/HGETALL/HKEYS/HVALS,
//! HDEL, HLEN, HSTRLEN, HEXISTS, HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN.
//!
//! HINCRBYFLOAT propagates as HSET of the result (as Redis does), so replay
//! never redoes float arithmetic. HRANDFIELD draws from the engine's seeded
//! source.

use super::command;
use crate::collection_lookup::{hash, hash_mut};
use crate::collection_random::{check_random_args, draw, Draw};
use crate::collection_scan::{parse_cursor, scan_positions, write_scan_reply, ScanOptions};
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::long_double::{parse_long_double, LongDouble};
use crate::notify::EventClass;
use crate::parse::parse_i64;
use crate::value::hash::HashLimits;
use crate::value::{HashValue, Value};
use bytes::Bytes;

pub const COMMANDS: &[CommandSpec] = &[
    command!("hdel", -3, hdel, flags: F::of(&[F::WRITE, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::HASH, C::FAST])),
    command!("hexists", 3, hexists, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::FAST])),
    command!("hget", 3, hget, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::FAST])),
    command!("hgetall", 2, hgetall, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::SLOW])),
    command!("hincrby", 4, hincrby, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::HASH, C::FAST])),
    command!("hincrbyfloat", 4, hincrbyfloat, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::HASH, C::FAST])),
    command!("hkeys", 2, hkeys, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::SLOW])),
    command!("hlen", 2, hlen, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::FAST])),
    command!("hmget", -3, hmget, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::FAST])),
    command!("hmset", -4, hmset, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::HASH, C::FAST])),
    command!("hrandfield", -2, hrandfield, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::SLOW])),
    command!("hscan", -3, hscan, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::SLOW])),
    command!("hset", -4, hset, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::HASH, C::FAST])),
    command!("hsetnx", 4, hsetnx, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::HASH, C::FAST])),
    command!("hstrlen", 3, hstrlen, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::FAST])),
    command!("hvals", 2, hvals, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::HASH, C::SLOW])),
];

fn limits(ctx: &Ctx<'_, '_>) -> HashLimits {
    ctx.db.state.config.hash_limits()
}

/// The hash under `key` for writing, created empty if missing (the caller
/// stores something before returning, so no empty hash is left behind).
fn hash_for_write<'c>(ctx: &'c mut Ctx<'_, '_>, key: &[u8]) -> CommandResult<&'c mut HashValue> {
    let mut found = ctx.db.find(key, true);
    if !found.is_live() {
        found = ctx.db.create_found(found, key, Value::Hash(Box::default()));
    }
    hash_mut(ctx.db.value_mut(found))?.ok_or(CommandError::NoSuchKey)
}

fn hset(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let added = set_pairs(ctx)?;
    ctx.out.integer(added as i64);
    Ok(())
}

fn hmset(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    set_pairs(ctx)?;
    ctx.out.ok();
    Ok(())
}

/// HSET/HMSET key field value [field value ...]: how many fields were new.
fn set_pairs(ctx: &mut Ctx<'_, '_>) -> CommandResult<usize> {
    if !ctx.argc().is_multiple_of(2) {
        return Err(CommandError::WrongArity(ctx.spec.name.into()));
    }
    let key = ctx.arg(1);
    let pairs = ctx.argv.slice(2..);
    let limits = limits(ctx);
    let h = hash_for_write(ctx, key)?;
    let added = pairs
        .pairs()
        .filter(|&(field, value)| h.insert_limited(field, value, limits))
        .count();
    ctx.db.touched(key);
    ctx.db.notify(EventClass::Hash, "hset", key);
    ctx.db.add_dirty(pairs.len() as u64 / 2 - 1);
    ctx.propagate_as_is();
    Ok(added)
}

fn hsetnx(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let (key, field, value) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    if hash(ctx.db.lookup(key))?.is_some_and(|h| h.contains(field)) {
        ctx.out.integer(0);
        return Ok(());
    }
    let limits = limits(ctx);
    hash_for_write(ctx, key)?.insert_limited(field, value, limits);
    ctx.db.touched(key);
    ctx.db.notify(EventClass::Hash, "hset", key);
    ctx.propagate_as_is();
    ctx.out.integer(1);
    Ok(())
}

fn hget(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let field = ctx.arg(2);
    match hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))?.and_then(|h| h.get(field)) {
        Some(value) => ctx.out.bulk(value),
        None => ctx.out.null(),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let fields = ctx.argv.slice(2..);
    let h = hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    ctx.out.array(fields.len());
    for field in fields {
        match h.and_then(|h| h.get(field)) {
            Some(value) => ctx.out.bulk(value),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

fn hdel(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let fields = ctx.argv.slice(2..);
    let Some(h) = hash_mut(ctx.db.lookup_mut(key))? else {
        ctx.out.integer(0);
        return Ok(());
    };
    let removed = fields.iter().filter(|f| h.remove(f)).count();
    if removed > 0 {
        ctx.db.notify(EventClass::Hash, "hdel", key);
        ctx.db.remove_if_empty(key, removed as u64);
        ctx.propagate_as_is();
    }
    ctx.out.integer(removed as i64);
    Ok(())
}

fn hlen(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let len = hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))?.map_or(0, |h| h.len());
    ctx.out.integer(len as i64);
    Ok(())
}

fn hstrlen(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let field = ctx.arg(2);
    let h = hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    let len = h.and_then(|h| h.get(field)).map_or(0, <[u8]>::len);
    ctx.out.integer(len as i64);
    Ok(())
}

fn hexists(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let field = ctx.arg(2);
    let found = hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))?.is_some_and(|h| h.contains(field));
    ctx.out.integer(i64::from(found));
    Ok(())
}

fn hgetall(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let Some(h) = hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        ctx.out.map(0);
        return Ok(());
    };
    ctx.out.map(h.len());
    for (field, value) in h.iter() {
        ctx.out.bulk(field);
        ctx.out.bulk(value);
    }
    Ok(())
}

fn hkeys(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let h = hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    ctx.out.array(h.map_or(0, |h| h.len()));
    for (field, _) in h.iter().flat_map(|h| h.iter()) {
        ctx.out.bulk(field);
    }
    Ok(())
}

fn hvals(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let h = hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    ctx.out.array(h.map_or(0, |h| h.len()));
    for (_, value) in h.iter().flat_map(|h| h.iter()) {
        ctx.out.bulk(value);
    }
    Ok(())
}

/// HINCRBY key field increment.
fn hincrby(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let increment = parse_i64(ctx.arg(3))?;
    let current = match hash(ctx.db.lookup(key))?.and_then(|h| h.get(field)) {
        Some(text) => crate::value::string::parse_canonical_i64(text)
            .ok_or(CommandError::text("ERR hash value is not an integer"))?,
        None => 0,
    };
    let result = current
        .checked_add(increment)
        .ok_or(CommandError::Overflow)?;
    let mut scratch = [0u8; 20];
    let text = resp_codec::encode::format_i64(&mut scratch, result);
    let limits = limits(ctx);
    hash_for_write(ctx, key)?.insert_limited(field, text, limits);
    ctx.db.touched(key);
    ctx.db.notify(EventClass::Hash, "hincrby", key);
    ctx.propagate_as_is();
    ctx.out.integer(result);
    Ok(())
}

/// HINCRBYFLOAT key field increment; propagates HSET key field result.
fn hincrbyfloat(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let increment = match parse_long_double(ctx.arg(3)) {
        Some(Some(value)) => value,
        Some(None) => return Err(CommandError::text("ERR value is NaN or Infinity")),
        None => return Err(CommandError::NotFloat),
    };
    let would_be_infinite = CommandError::text("ERR increment would produce NaN or Infinity");
    let current = match hash(ctx.db.lookup(key))?.and_then(|h| h.get(field)) {
        Some(text) => match parse_long_double(text) {
            Some(Some(value)) => value,
            Some(None) => return Err(would_be_infinite),
            None => return Err(CommandError::text("ERR hash value is not a float")),
        },
        None => LongDouble::ZERO,
    };
    let text = current
        .checked_add(increment)
        .ok_or(would_be_infinite)?
        .to_human();
    let limits = limits(ctx);
    hash_for_write(ctx, key)?.insert_limited(field, text.as_bytes(), limits);
    ctx.db.touched(key);
    ctx.db.notify(EventClass::Hash, "hincrbyfloat", key);
    ctx.db.propagate(vec![
        Bytes::from_static(b"HSET"),
        ctx.argv.bytes(1),
        ctx.argv.bytes(2),
        Bytes::from(text.clone()),
    ]);
    ctx.out.bulk(text.as_bytes());
    Ok(())
}

/// HRANDFIELD key [count [WITHVALUES]].
fn hrandfield(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    check_random_args(ctx, b"withvalues")?;
    let with_values = ctx.argc() == 4;
    let Some(Draw {
        count,
        picks,
        whole,
    }) = draw(ctx, |v| Ok(hash(v)?.map(HashValue::len)))?
    else {
        return Ok(());
    };
    let Some(h) = hash(ctx.db.lookup(ctx.argv[1].as_ref()))? else {
        return Err(CommandError::NoSuchKey);
    };
    let entries: Vec<(&[u8], &[u8])> = if whole {
        h.iter().collect()
    } else if h.is_compact() {
        // Positions in a packed hash cost a scan each: decode it once.
        let all: Vec<(&[u8], &[u8])> = h.iter().collect();
        picks.iter().map(|&i| all[i]).collect()
    } else {
        picks.iter().filter_map(|&i| h.get_index(i)).collect()
    };
    if count.is_none() {
        ctx.out.bulk(entries[0].0);
        return Ok(());
    }
    let resp3 = ctx.out.protocol() == resp_codec::Protocol::Resp3;
    ctx.out.array(if with_values && !resp3 {
        2 * entries.len()
    } else {
        entries.len()
    });
    for (field, value) in entries {
        if with_values && resp3 {
            ctx.out.array(2);
        }
        ctx.out.bulk(field);
        if with_values {
            ctx.out.bulk(value);
        }
    }
    Ok(())
}

/// HSCAN key cursor [MATCH pattern] [COUNT count].
fn hscan(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let cursor = parse_cursor(ctx.arg(2))?;
    let Some(h) = hash(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        write_scan_reply(ctx.out, 0, &[]);
        return Ok(());
    };
    let options = ScanOptions::parse(ctx.argv.slice(3..))?;
    type Pairs<'a> = Vec<(&'a [u8], &'a [u8])>;
    let (items, next): (Pairs<'_>, u64) = if h.is_compact() {
        (h.iter().collect(), 0)
    } else {
        let (positions, next) = scan_positions(cursor, h.len(), options.count);
        (
            positions.iter().filter_map(|&i| h.get_index(i)).collect(),
            next,
        )
    };
    let flat: Vec<&[u8]> = items
        .into_iter()
        .filter(|(field, _)| options.wants(field))
        .flat_map(|(f, v)| [f, v])
        .collect();
    write_scan_reply(ctx.out, next, &flat);
    Ok(())
}
