//! Set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SMOVE,
//! SPOP, SRANDMEMBER, SSCAN, and the algebra SINTER/SUNION/SDIFF (+STORE)
//! and SINTERCARD.
//!
//! SPOP propagates as SREM of the members it chose (DEL when it took the
//! whole set), so replay never draws random numbers; all draws come from
//! the engine's seeded source.

use super::command;
use crate::collection_args::{parse_at_least, parse_card_limit, parse_positive};
use crate::collection_lookup::{set, set_entry, set_mut};
use crate::collection_random::{draw, random_picks, Draw};
use crate::collection_scan::{parse_cursor, scan_positions, write_scan_reply, ScanOptions};
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::{Ctx, Entry};
use crate::error::{CommandError, CommandResult};
use crate::notify::EventClass;
use crate::value::{SetValue, Value};
use bytes::Bytes;
use resp_codec::Argv;
use std::borrow::Cow;

const TWO_KEYS: KeySpec = KeySpec {
    first: 1,
    last: 2,
    step: 1,
};

pub const COMMANDS: &[CommandSpec] = &[
    command!("sadd", -3, sadd, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::SET, C::FAST])),
    command!("scard", 2, scard, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::SET, C::FAST])),
    command!("sdiff", -2, sdiff, flags: F::of(&[F::READONLY]), keys: KeySpec::ALL, acl: C::of(&[C::READ, C::SET, C::SLOW])),
    command!("sdiffstore", -3, sdiffstore, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: KeySpec::ALL, acl: C::of(&[C::WRITE, C::SET, C::SLOW])),
    command!("sinter", -2, sinter, flags: F::of(&[F::READONLY]), keys: KeySpec::ALL, acl: C::of(&[C::READ, C::SET, C::SLOW])),
    command!("sintercard", -3, sintercard, flags: F::of(&[F::READONLY, F::MOVABLE_KEYS]), keys: KeySpec::NONE, acl: C::of(&[C::READ, C::SET, C::SLOW])),
    command!("sinterstore", -3, sinterstore, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: KeySpec::ALL, acl: C::of(&[C::WRITE, C::SET, C::SLOW])),
    command!("sismember", 3, sismember, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::SET, C::FAST])),
    command!("smembers", 2, smembers, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::SET, C::SLOW])),
    command!("smismember", -3, smismember, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::SET, C::FAST])),
    command!("smove", 4, smove, flags: F::of(&[F::WRITE, F::FAST]), keys: TWO_KEYS, acl: C::of(&[C::WRITE, C::SET, C::FAST])),
    command!("spop", -2, spop, flags: F::of(&[F::WRITE, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::SET, C::FAST])),
    command!("srandmember", -2, srandmember, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::SET, C::SLOW])),
    command!("srem", -3, srem, flags: F::of(&[F::WRITE, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::SET, C::FAST])),
    command!("sscan", -3, sscan, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::SET, C::SLOW])),
    command!("sunion", -2, sunion, flags: F::of(&[F::READONLY]), keys: KeySpec::ALL, acl: C::of(&[C::READ, C::SET, C::SLOW])),
    command!("sunionstore", -3, sunionstore, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: KeySpec::ALL, acl: C::of(&[C::WRITE, C::SET, C::SLOW])),
];

/// SREM batches at most this many members per propagated command.
const SREM_BATCH: usize = 1024;

fn max_intset(ctx: &Ctx<'_, '_>) -> usize {
    ctx.db.state.config.set_max_intset_entries
}

fn sadd(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let members = ctx.argv.slice(2..);
    let limit = max_intset(ctx);
    let added = match set_entry(ctx.db.entry(key))? {
        Entry::Occupied(s) => members
            .iter()
            .filter(|m| s.insert_limited(m, limit))
            .count(),
        Entry::Vacant(found) => {
            let mut s = SetValue::new();
            let added = members
                .iter()
                .filter(|m| s.insert_limited(m, limit))
                .count();
            debug_assert!(added > 0, "a new set holds the first member");
            ctx.db.create_found(found, key, Value::Set(Box::new(s)));
            added
        }
    };
    if added > 0 {
        ctx.db.touched(key);
        ctx.db.notify(EventClass::Set, "sadd", key);
        ctx.db.add_dirty(added as u64 - 1);
        ctx.propagate_as_is();
    }
    ctx.out.integer(added as i64);
    Ok(())
}

fn srem(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let members = ctx.argv.slice(2..);
    let Some(s) = set_mut(ctx.db.lookup_mut(key))? else {
        ctx.out.integer(0);
        return Ok(());
    };
    let removed = members.iter().filter(|m| s.remove(m)).count();
    if removed > 0 {
        finish_removal(ctx, key, "srem", removed as u64);
        ctx.propagate_as_is();
    }
    ctx.out.integer(removed as i64);
    Ok(())
}

/// After `changes` members left the set under `key`: raises `event`, then
/// deletes the set if empty (raising `del`), else marks it changed.
fn finish_removal(ctx: &mut Ctx<'_, '_>, key: &[u8], event: &'static str, changes: u64) {
    ctx.db.notify(EventClass::Set, event, key);
    ctx.db.remove_if_empty(key, changes);
}

fn scard(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let len = set(ctx.db.lookup_read(ctx.argv[1].as_ref()))?.map_or(0, |s| s.len());
    ctx.out.integer(len as i64);
    Ok(())
}

fn sismember(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let member = ctx.arg(2);
    let found = set(ctx.db.lookup_read(ctx.argv[1].as_ref()))?.is_some_and(|s| s.contains(member));
    ctx.out.integer(i64::from(found));
    Ok(())
}

fn smismember(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let members = ctx.argv.slice(2..);
    let s = set(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    ctx.out.array(members.len());
    for member in members {
        ctx.out
            .integer(i64::from(s.is_some_and(|s| s.contains(member))));
    }
    Ok(())
}

fn smembers(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let Some(s) = set(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        ctx.out.set(0);
        return Ok(());
    };
    ctx.out.set(s.len());
    for member in s.iter() {
        ctx.out.bulk(&member);
    }
    Ok(())
}

/// SMOVE source destination member.
fn smove(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let (source, destination, member) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let Some(src) = set(ctx.db.lookup(source))? else {
        ctx.out.integer(0);
        return Ok(());
    };
    let present = src.contains(member);
    set(ctx.db.lookup(destination))?;
    if source == destination || !present {
        ctx.out.integer(i64::from(present));
        return Ok(());
    }
    if let Some(s) = set_mut(ctx.db.lookup_mut(source))? {
        s.remove(member);
    }
    finish_removal(ctx, source, "srem", 1);
    let limit = max_intset(ctx);
    match set_mut(ctx.db.lookup_mut(destination))? {
        Some(s) => {
            if s.insert_limited(member, limit) {
                ctx.db.touched(destination);
                ctx.db.notify(EventClass::Set, "sadd", destination);
            }
        }
        None => {
            let mut s = SetValue::new();
            s.insert_limited(member, limit);
            ctx.db.store(destination, Value::Set(Box::new(s)), false);
            ctx.db.notify(EventClass::Set, "sadd", destination);
        }
    }
    ctx.propagate_as_is();
    ctx.out.integer(1);
    Ok(())
}

/// SPOP key [count].
fn spop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if ctx.argc() > 3 {
        return Err(CommandError::Syntax);
    }
    let key = ctx.arg(1);
    let count = match ctx.argv.get(2) {
        Some(text) => Some(parse_positive(text)? as usize),
        None => None,
    };
    let Some(len) = set(ctx.db.lookup(key))?.map(|s| s.len()) else {
        match count {
            Some(_) => ctx.out.set(0),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    let Some(count) = count else {
        let at = (ctx.db.random_u64() % len as u64) as usize;
        let popped = take_members(ctx, key, &[at]);
        propagate_srem(ctx, &popped);
        ctx.out.bulk(&popped[0]);
        return Ok(());
    };
    if count == 0 {
        ctx.out.set(0);
        return Ok(());
    }
    let popped = if count >= len {
        let all = take_members(ctx, key, &(0..len).collect::<Vec<_>>());
        ctx.db
            .propagate(vec![Bytes::from_static(b"DEL"), ctx.argv.bytes(1)]);
        all
    } else {
        let picks = random_picks(&mut || ctx.db.random_u64(), len, count as i64);
        let popped = take_members(ctx, key, &picks);
        propagate_srem(ctx, &popped);
        popped
    };
    ctx.out.set(popped.len());
    for member in &popped {
        ctx.out.bulk(member);
    }
    Ok(())
}

/// Removes the members at `positions` of the set under `key` (deleting an
/// emptied set); returns them.
fn take_members(ctx: &mut Ctx<'_, '_>, key: &[u8], positions: &[usize]) -> Vec<Vec<u8>> {
    let Ok(Some(s)) = set_mut(ctx.db.lookup_mut(key)) else {
        return Vec::new();
    };
    let members: Vec<Vec<u8>> = positions
        .iter()
        .filter_map(|&i| s.get_index(i).map(Cow::into_owned))
        .collect();
    for member in &members {
        s.remove(member);
    }
    finish_removal(ctx, key, "spop", members.len().max(1) as u64);
    members
}

fn propagate_srem(ctx: &mut Ctx<'_, '_>, members: &[Vec<u8>]) {
    for batch in members.chunks(SREM_BATCH) {
        let mut argv = Vec::with_capacity(batch.len() + 2);
        argv.push(Bytes::from_static(b"SREM"));
        argv.push(ctx.argv.bytes(1));
        argv.extend(batch.iter().map(|m| Bytes::copy_from_slice(m)));
        ctx.db.propagate(argv);
    }
}

/// SRANDMEMBER key [count].
fn srandmember(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if ctx.argc() > 3 {
        return Err(CommandError::Syntax);
    }
    let Some(Draw {
        count,
        picks,
        whole,
    }) = draw(ctx, |v| Ok(set(v)?.map(SetValue::len)))?
    else {
        return Ok(());
    };
    let Some(s) = set(ctx.db.lookup(ctx.argv[1].as_ref()))? else {
        return Err(CommandError::NoSuchKey);
    };
    if count.is_none() {
        let member = s.get_index(picks[0]).unwrap_or_default();
        ctx.out.bulk(&member);
        return Ok(());
    }
    let members: Vec<Cow<'_, [u8]>> = if whole {
        s.iter().collect()
    } else {
        picks.iter().filter_map(|&i| s.get_index(i)).collect()
    };
    ctx.out.array(members.len());
    for member in &members {
        ctx.out.bulk(member);
    }
    Ok(())
}

/// SSCAN key cursor [MATCH pattern] [COUNT count].
fn sscan(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let cursor = parse_cursor(ctx.arg(2))?;
    let Some(s) = set(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        write_scan_reply(ctx.out, 0, &[]);
        return Ok(());
    };
    let options = ScanOptions::parse(ctx.argv.slice(3..))?;
    let (members, next): (Vec<Cow<'_, [u8]>>, u64) = if s.is_compact() {
        (s.iter().collect(), 0)
    } else {
        let (positions, next) = scan_positions(cursor, s.len(), options.count);
        (
            positions.iter().filter_map(|&i| s.get_index(i)).collect(),
            next,
        )
    };
    let members: Vec<&[u8]> = members
        .iter()
        .map(|m| &**m)
        .filter(|m| options.wants(m))
        .collect();
    write_scan_reply(ctx.out, next, &members);
    Ok(())
}

/// The set algebra operations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Algebra {
    Inter,
    Union,
    Diff,
}

/// The sets under `keys` (None for missing keys); WRONGTYPE if any key
/// holds another type.
fn load_sets<'a>(
    ctx: &'a mut Ctx<'_, '_>,
    keys: Argv<'_>,
) -> CommandResult<Vec<Option<&'a SetValue>>> {
    for key in keys {
        set(ctx.db.lookup_read(key))?;
    }
    let db = &ctx.db.state.dbs[ctx.db.index];
    keys.iter()
        .map(|key| match db.get(key) {
            Some(Value::Set(s)) => Ok(Some(&**s)),
            Some(_) => Err(CommandError::WrongType),
            None => Ok(None),
        })
        .collect()
}

/// Computes an operation over the sets under `keys`, members in the order
/// Redis replies them (the smallest set's order for SINTER; a freshly
/// built set's order for SUNION/SDIFF).
fn compute(ctx: &mut Ctx<'_, '_>, keys: Argv<'_>, op: Algebra) -> CommandResult<Vec<Vec<u8>>> {
    let limit = max_intset(ctx);
    let sets = load_sets(ctx, keys)?;
    match op {
        Algebra::Inter => {
            if sets.iter().any(Option::is_none) {
                return Ok(Vec::new());
            }
            let mut sets: Vec<&SetValue> = sets.into_iter().flatten().collect();
            sets.sort_by_key(|s| s.len());
            let (smallest, rest) = sets.split_first().ok_or(CommandError::Syntax)?;
            Ok(smallest
                .iter()
                .filter(|m| rest.iter().all(|s| s.contains(m)))
                .map(Cow::into_owned)
                .collect())
        }
        Algebra::Union | Algebra::Diff => {
            let mut result = SetValue::new();
            let mut present = sets.iter();
            if op == Algebra::Diff {
                let Some(Some(first)) = present.next() else {
                    return Ok(Vec::new());
                };
                let others: Vec<&SetValue> = present.flatten().copied().collect();
                for member in first.iter() {
                    if !others.iter().any(|s| s.contains(&member)) {
                        result.insert_limited(&member, limit);
                    }
                }
            } else {
                for s in present.flatten() {
                    for member in s.iter() {
                        result.insert_limited(&member, limit);
                    }
                }
            }
            Ok(result.iter().map(Cow::into_owned).collect())
        }
    }
}

fn reply_members(ctx: &mut Ctx<'_, '_>, members: &[Vec<u8>]) {
    ctx.out.set(members.len());
    for member in members {
        ctx.out.bulk(member);
    }
}

fn sinter(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let members = compute(ctx, ctx.argv.slice(1..), Algebra::Inter)?;
    reply_members(ctx, &members);
    Ok(())
}

fn sunion(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let members = compute(ctx, ctx.argv.slice(1..), Algebra::Union)?;
    reply_members(ctx, &members);
    Ok(())
}

fn sdiff(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let members = compute(ctx, ctx.argv.slice(1..), Algebra::Diff)?;
    reply_members(ctx, &members);
    Ok(())
}

fn sinterstore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    store(ctx, Algebra::Inter)
}
fn sunionstore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    store(ctx, Algebra::Union)
}
fn sdiffstore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    store(ctx, Algebra::Diff)
}

/// S*STORE destination key [key ...]: stores the result (deleting the
/// destination when it is empty) and replies its size.
fn store(ctx: &mut Ctx<'_, '_>, op: Algebra) -> CommandResult {
    let destination = ctx.arg(1);
    let members = compute(ctx, ctx.argv.slice(2..), op)?;
    let limit = max_intset(ctx);
    let result = (!members.is_empty()).then(|| {
        let mut result = SetValue::new();
        for member in &members {
            result.insert_limited(member, limit);
        }
        Value::Set(Box::new(result))
    });
    let event = match op {
        Algebra::Inter => "sinterstore",
        Algebra::Union => "sunionstore",
        Algebra::Diff => "sdiffstore",
    };
    if ctx
        .db
        .store_result(destination, result, EventClass::Set, event)
    {
        ctx.propagate_as_is();
    }
    ctx.out.integer(members.len() as i64);
    Ok(())
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit].
fn sintercard(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let numkeys = parse_at_least(ctx.arg(1), 1, "ERR numkeys should be greater than 0")? as u64;
    if numkeys > (ctx.argc() - 2) as u64 {
        return Err(CommandError::text(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let after = 2 + numkeys as usize;
    let limit = parse_card_limit(ctx.argv.slice(after..))?;
    let members = compute(ctx, ctx.argv.slice(2..after), Algebra::Inter)?;
    let count = if limit == 0 {
        members.len()
    } else {
        members.len().min(limit)
    };
    ctx.out.integer(count as i64);
    Ok(())
}
