//! List commands: LPUSH/RPUSH(X), LPOP/RPOP (count), LMPOP, LMOVE,
//! RPOPLPUSH, LRANGE, LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS, LLEN.
//!
//! The blocking forms (BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP) are here
//! as their non-blocking attempt: they pop and propagate as LPOP/RPOP/
//! LMOVE/RPOPLPUSH do when a key has data, and reply null when all are
//! empty, which is Redis's reply inside MULTI; outside MULTI the server
//! blocks the client on that null and re-runs the command when a key it
//! waits on is signalled ready. A key that
//! becomes a list signals ready (Redis's dbAdd does the same), and a list
//! that loses its last element is deleted.

use super::command;
use crate::collection_args::{index_range, parse_at_least, parse_positive};
use crate::collection_lookup::{list, list_entry, list_mut};
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::{Ctx, Db, Entry};
use crate::error::{CommandError, CommandResult};
use crate::notify::EventClass;
use crate::parse::parse_i64;
use crate::value::{ListValue, Value};
use bytes::Bytes;
use resp_codec::Argv;

const TWO_KEYS: KeySpec = KeySpec {
    first: 1,
    last: 2,
    step: 1,
};
/// `key [key ...] timeout`.
pub const BLOCKING_KEYS: KeySpec = KeySpec {
    first: 1,
    last: -2,
    step: 1,
};

pub const COMMANDS: &[CommandSpec] = &[
    command!("lindex", 3, lindex, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::LIST, C::SLOW])),
    command!("linsert", 5, linsert, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::SLOW])),
    command!("llen", 2, llen, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::LIST, C::FAST])),
    command!("lmove", 5, lmove, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: TWO_KEYS, acl: C::of(&[C::WRITE, C::LIST, C::SLOW])),
    command!("lmpop", -4, lmpop, flags: F::of(&[F::WRITE, F::MOVABLE_KEYS]), keys: KeySpec::NONE, acl: C::of(&[C::WRITE, C::LIST, C::SLOW])),
    command!("lpop", -2, lpop, flags: F::of(&[F::WRITE, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::FAST])),
    command!("lpos", -3, lpos, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::LIST, C::SLOW])),
    command!("lpush", -3, lpush, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::FAST])),
    command!("lpushx", -3, lpushx, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::FAST])),
    command!("lrange", 4, lrange, flags: F::of(&[F::READONLY]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::LIST, C::SLOW])),
    command!("lrem", 4, lrem, flags: F::of(&[F::WRITE]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::SLOW])),
    command!("lset", 4, lset, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::SLOW])),
    command!("ltrim", 4, ltrim, flags: F::of(&[F::WRITE]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::SLOW])),
    command!("rpop", -2, rpop, flags: F::of(&[F::WRITE, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::FAST])),
    command!("rpoplpush", 3, rpoplpush, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: TWO_KEYS, acl: C::of(&[C::WRITE, C::LIST, C::SLOW])),
    command!("rpush", -3, rpush, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::FAST])),
    command!("blpop", -3, blpop, flags: F::of(&[F::WRITE, F::NOSCRIPT, F::BLOCKING]), keys: BLOCKING_KEYS, acl: C::of(&[C::WRITE, C::LIST, C::SLOW, C::BLOCKING])),
    command!("brpop", -3, brpop, flags: F::of(&[F::WRITE, F::NOSCRIPT, F::BLOCKING]), keys: BLOCKING_KEYS, acl: C::of(&[C::WRITE, C::LIST, C::SLOW, C::BLOCKING])),
    command!("brpoplpush", 4, brpoplpush, flags: F::of(&[F::WRITE, F::DENYOOM, F::NOSCRIPT, F::BLOCKING]), keys: TWO_KEYS, acl: C::of(&[C::WRITE, C::LIST, C::SLOW, C::BLOCKING])),
    command!("blmove", 6, blmove, flags: F::of(&[F::WRITE, F::DENYOOM, F::NOSCRIPT, F::BLOCKING]), keys: TWO_KEYS, acl: C::of(&[C::WRITE, C::LIST, C::SLOW, C::BLOCKING])),
    command!("blmpop", -5, blmpop, flags: F::of(&[F::WRITE, F::BLOCKING, F::MOVABLE_KEYS]), keys: KeySpec::NONE, acl: C::of(&[C::WRITE, C::LIST, C::SLOW, C::BLOCKING])),
    command!("rpushx", -3, rpushx, flags: F::of(&[F::WRITE, F::DENYOOM, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::LIST, C::FAST])),
];

/// Which end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Head,
    Tail,
}

impl End {
    /// LEFT / RIGHT, in any case.
    pub fn parse(text: &[u8]) -> CommandResult<End> {
        if text.eq_ignore_ascii_case(b"left") {
            Ok(End::Head)
        } else if text.eq_ignore_ascii_case(b"right") {
            Ok(End::Tail)
        } else {
            Err(CommandError::Syntax)
        }
    }

    fn pop_command(self) -> &'static [u8] {
        match self {
            End::Head => b"LPOP",
            End::Tail => b"RPOP",
        }
    }

    /// The keyspace event of a pop at this end.
    fn pop_event(self) -> &'static str {
        match self {
            End::Head => "lpop",
            End::Tail => "rpop",
        }
    }

    /// The keyspace event of a push at this end.
    fn push_event(self) -> &'static str {
        match self {
            End::Head => "lpush",
            End::Tail => "rpush",
        }
    }
}

fn lpush(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    push(ctx, End::Head, false)
}
fn rpush(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    push(ctx, End::Tail, false)
}
fn lpushx(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    push(ctx, End::Head, true)
}
fn rpushx(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    push(ctx, End::Tail, true)
}

fn push(ctx: &mut Ctx<'_, '_>, end: End, only_existing: bool) -> CommandResult {
    let key = ctx.arg(1);
    let items = ctx.argv.slice(2..);
    let fill = ctx.db.state.config.list_max_listpack_size;
    let len = match list_entry(ctx.db.entry(key))? {
        Entry::Occupied(l) => {
            l.set_fill(fill);
            push_all(l, end, items);
            l.len()
        }
        Entry::Vacant(_) if only_existing => {
            ctx.out.integer(0);
            return Ok(());
        }
        Entry::Vacant(found) => {
            let mut l = ListValue::new();
            l.set_fill(fill);
            push_all(&mut l, end, items);
            let len = l.len();
            ctx.db.create_found(found, key, Value::List(Box::new(l)));
            ctx.db.signal_ready(key);
            len
        }
    };
    ctx.db.touched(key);
    ctx.db.notify(EventClass::List, end.push_event(), key);
    ctx.db.add_dirty(items.len() as u64 - 1);
    ctx.propagate_as_is();
    ctx.out.integer(len as i64);
    Ok(())
}

fn push_all(l: &mut ListValue, end: End, items: Argv<'_>) {
    for item in items {
        push_one(l, end, item);
    }
}

fn push_one(l: &mut ListValue, end: End, item: &[u8]) {
    match end {
        End::Head => l.push_front(item),
        End::Tail => l.push_back(item),
    }
}

fn lpop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    pop(ctx, End::Head)
}
fn rpop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    pop(ctx, End::Tail)
}

/// LPOP/RPOP key [count]. Also the non-blocking attempt of BLPOP/BRPOP.
fn pop(ctx: &mut Ctx<'_, '_>, end: End) -> CommandResult {
    if ctx.argc() > 3 {
        return Err(CommandError::WrongArity(ctx.spec.name.into()));
    }
    let key = ctx.arg(1);
    let count = match ctx.argv.get(2) {
        Some(text) => Some(parse_positive(text)? as usize),
        None => None,
    };
    let Some(l) = list_mut(ctx.db.lookup_mut(key))? else {
        match count {
            Some(_) => ctx.out.null_array(),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    // The replies are written from the list's bytes as the elements
    // leave (no copy of each), and whether the list is now empty is known
    // here, so the key is not looked up again to find out.
    let Some(count) = count else {
        let written = pop_one_with(l, end, |item| ctx.out.bulk(item));
        let now_empty = l.is_empty();
        if written.is_none() {
            ctx.out.bulk(b""); // never: a list in the keyspace has elements
        }
        finish_pop_known(&mut ctx.db, key, end.pop_event(), 1, now_empty);
        ctx.propagate_as_is();
        return Ok(());
    };
    if count == 0 {
        ctx.out.array(0);
        return Ok(());
    }
    let n = count.min(l.len());
    ctx.out.array(n);
    for _ in 0..n {
        pop_one_with(l, end, |item| ctx.out.bulk(item));
    }
    let now_empty = l.is_empty();
    finish_pop_known(&mut ctx.db, key, end.pop_event(), n as u64, now_empty);
    ctx.propagate_as_is();
    Ok(())
}

fn pop_one(l: &mut ListValue, end: End) -> Option<Box<[u8]>> {
    pop_one_with(l, end, |item| item.into())
}

/// Hands the element at `end` to `take` and removes it.
fn pop_one_with<R>(l: &mut ListValue, end: End, take: impl FnOnce(&[u8]) -> R) -> Option<R> {
    match end {
        End::Head => l.pop_front_with(take),
        End::Tail => l.pop_back_with(take),
    }
}

fn pop_many(l: &mut ListValue, end: End, count: usize) -> Vec<Box<[u8]>> {
    let n = count.min(l.len());
    (0..n).filter_map(|_| pop_one(l, end)).collect()
}

/// After elements left `key`: raises `event`, then deletes the list if
/// it is empty (raising `del`), else marks it changed; counts `changes`
/// towards `dirty` (what Redis counts: the elements that left).
fn finish_pop(db: &mut Db<'_>, key: &[u8], event: &'static str, changes: u64) {
    db.notify(EventClass::List, event, key);
    db.remove_if_empty(key, changes);
}

/// `finish_pop` for a caller that knows whether the list is now empty.
fn finish_pop_known(
    db: &mut Db<'_>,
    key: &[u8],
    event: &'static str,
    changes: u64,
    now_empty: bool,
) {
    db.notify(EventClass::List, event, key);
    db.removed_from(key, changes, now_empty);
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count].
fn lmpop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let request = MultiPop::parse(ctx, 1)?;
    if !multi_pop(ctx, &request)? {
        ctx.out.null_array();
    }
    Ok(())
}

/// The parsed arguments of LMPOP/BLMPOP (and ZMPOP's shape).
pub struct MultiPop {
    pub keys: std::ops::Range<usize>,
    pub end: End,
    pub count: usize,
}

impl MultiPop {
    /// Parses from `numkeys` at argument `at`.
    pub fn parse(ctx: &Ctx<'_, '_>, at: usize) -> CommandResult<MultiPop> {
        let (keys, rest) = parse_numkeys(ctx, at)?;
        let end = End::parse(ctx.arg(rest))?;
        let count = parse_mpop_count(ctx, rest + 1)?;
        Ok(MultiPop { keys, end, count })
    }
}

/// `numkeys key...` at `at`: the key argument range and the index after it.
pub fn parse_numkeys(
    ctx: &Ctx<'_, '_>,
    at: usize,
) -> CommandResult<(std::ops::Range<usize>, usize)> {
    let numkeys = parse_at_least(ctx.arg(at), 1, "ERR numkeys should be greater than 0")?;
    let first = at + 1;
    if numkeys as u64 >= (ctx.argc() - first) as u64 {
        return Err(CommandError::Syntax);
    }
    let after = first + numkeys as usize;
    Ok((first..after, after))
}

/// `[COUNT count]` from argument `at` to the end.
pub fn parse_mpop_count(ctx: &Ctx<'_, '_>, at: usize) -> CommandResult<usize> {
    let mut count = None;
    let mut i = at;
    while i < ctx.argc() {
        if ctx.arg(i).eq_ignore_ascii_case(b"count") && i + 1 < ctx.argc() && count.is_none() {
            let n = parse_at_least(ctx.arg(i + 1), 1, "ERR count should be greater than 0")?;
            count = Some(n as usize);
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    Ok(count.unwrap_or(1))
}

/// Pops from the first non-empty list of `request.keys`; replies
/// `[key, [elements]]` and propagates LPOP/RPOP key n. False if all empty.
pub fn multi_pop(ctx: &mut Ctx<'_, '_>, request: &MultiPop) -> CommandResult<bool> {
    for i in request.keys.clone() {
        let key = ctx.arg(i);
        let Some(l) = list_mut(ctx.db.lookup_mut(key))? else {
            continue;
        };
        let items = pop_many(l, request.end, request.count);
        finish_pop(
            &mut ctx.db,
            key,
            request.end.pop_event(),
            items.len() as u64,
        );
        ctx.db.propagate(vec![
            Bytes::from_static(request.end.pop_command()),
            ctx.argv.bytes(i),
            Bytes::from(items.len().to_string()),
        ]);
        ctx.out.array(2);
        ctx.out.bulk(key);
        ctx.out.array(items.len());
        for item in &items {
            ctx.out.bulk(item);
        }
        return Ok(true);
    }
    Ok(false)
}

/// RPOPLPUSH source destination.
fn rpoplpush(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    move_element(ctx, End::Tail, End::Head, 3)
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT.
fn lmove(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let from = End::parse(ctx.arg(3))?;
    let to = End::parse(ctx.arg(4))?;
    move_element(ctx, from, to, 5)
}

/// BRPOPLPUSH source destination timeout: RPOPLPUSH when the source has
/// an element, else nil (the server blocks outside MULTI).
fn brpoplpush(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    parse_timeout(ctx.arg(3))?;
    move_element(ctx, End::Tail, End::Head, 3)
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
fn blmove(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let from = End::parse(ctx.arg(3))?;
    let to = End::parse(ctx.arg(4))?;
    parse_timeout(ctx.arg(5))?;
    move_element(ctx, from, to, 5)
}

/// A blocking command's timeout in seconds, as milliseconds (0: forever),
/// with Redis 7.0's checks and texts: it reads a long double and converts
/// the ceiling of its milliseconds to a long long, unchecked (overflow,
/// infinities included, comes out negative).
pub fn parse_timeout(text: &[u8]) -> CommandResult<i64> {
    let negative = || CommandError::text("ERR timeout is negative");
    match crate::long_double::parse_long_double(text) {
        Some(Some(seconds)) => match seconds.ceil_millis() {
            Some(ms) if ms >= 0 => Ok(ms),
            _ => Err(negative()),
        },
        Some(None) => Err(negative()),
        None => Err(CommandError::text(
            "ERR timeout is not a float or out of range",
        )),
    }
}

fn blpop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    blocking_pop(ctx, End::Head)
}
fn brpop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    blocking_pop(ctx, End::Tail)
}

/// BLPOP/BRPOP key [key ...] timeout: pops from the first non-empty list,
/// replying `[key, element]` and propagating LPOP/RPOP key; a null array
/// when all are empty (inside MULTI, or for the server to block on).
fn blocking_pop(ctx: &mut Ctx<'_, '_>, end: End) -> CommandResult {
    parse_timeout(ctx.arg(ctx.argc() - 1))?;
    for i in 1..ctx.argc() - 1 {
        let key = ctx.arg(i);
        let Some(l) = list_mut(ctx.db.lookup_mut(key))? else {
            continue;
        };
        let item = pop_one(l, end).unwrap_or_default();
        finish_pop(&mut ctx.db, key, end.pop_event(), 1);
        ctx.db.propagate(vec![
            Bytes::from_static(end.pop_command()),
            ctx.argv.bytes(i),
        ]);
        ctx.out.array(2);
        ctx.out.bulk(key);
        ctx.out.bulk(&item);
        return Ok(());
    }
    ctx.out.null_array();
    Ok(())
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count].
fn blmpop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    // The timeout is checked after the other arguments, as Redis does.
    let request = MultiPop::parse(ctx, 2)?;
    parse_timeout(ctx.arg(1))?;
    if !multi_pop(ctx, &request)? {
        ctx.out.null_array();
    }
    Ok(())
}

/// Moves one element; also the non-blocking attempt of BLMOVE and
/// BRPOPLPUSH. Replies the element, or nil when the source is empty.
/// Propagates the first `n_args` arguments as LMOVE (5) or RPOPLPUSH (3).
pub fn move_element(ctx: &mut Ctx<'_, '_>, from: End, to: End, n_args: usize) -> CommandResult {
    let (source, destination) = (ctx.arg(1), ctx.arg(2));
    if list(ctx.db.lookup(source))?.is_none() {
        ctx.out.null();
        return Ok(());
    }
    list(ctx.db.lookup(destination))?;
    let fill = ctx.db.state.config.list_max_listpack_size;
    let item = match list_mut(ctx.db.lookup_mut(source))? {
        Some(l) => pop_one(l, from).unwrap_or_default(),
        None => return Err(CommandError::NoSuchKey),
    };
    // As Redis: push first (so a list rotated onto itself never empties),
    // then raise the pop and delete an emptied source.
    let pushed = |l: &mut ListValue| {
        l.set_fill(fill);
        push_one(l, to, &item);
    };
    match list_mut(ctx.db.lookup_mut(destination))? {
        Some(l) => {
            pushed(l);
            ctx.db.touched(destination);
        }
        None => {
            let mut l = ListValue::new();
            pushed(&mut l);
            ctx.db.store(destination, Value::List(Box::new(l)), false);
            ctx.db.signal_ready(destination);
        }
    }
    ctx.db
        .notify(EventClass::List, to.push_event(), destination);
    finish_pop(&mut ctx.db, source, from.pop_event(), 0);
    let name: &'static [u8] = if n_args == 5 { b"LMOVE" } else { b"RPOPLPUSH" };
    let mut argv = vec![Bytes::from_static(name)];
    argv.extend(ctx.argv.slice(1..n_args).to_vec());
    ctx.db.propagate(argv);
    ctx.out.bulk(&item);
    Ok(())
}

fn llen(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let len = list(ctx.db.lookup_read(ctx.argv[1].as_ref()))?.map_or(0, |l| l.len());
    ctx.out.integer(len as i64);
    Ok(())
}

fn lrange(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let start = parse_i64(ctx.arg(2))?;
    let stop = parse_i64(ctx.arg(3))?;
    let Some(l) = list(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        ctx.out.array(0);
        return Ok(());
    };
    match index_range(start, stop, l.len()) {
        None => ctx.out.array(0),
        Some((from, to)) => {
            ctx.out.array(to - from);
            for item in l.range(from, to) {
                ctx.out.bulk(item);
            }
        }
    }
    Ok(())
}

/// A Redis list index (negative from the tail) as a position, if in range.
fn position(index: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let index = if index < 0 { len + index } else { index };
    (0..len).contains(&index).then_some(index as usize)
}

fn lindex(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let Some(l) = list(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        ctx.out.null();
        return Ok(());
    };
    let index = parse_i64(&ctx.argv[2])?;
    match position(index, l.len()).and_then(|i| l.get(i)) {
        Some(item) => ctx.out.bulk(item),
        None => ctx.out.null(),
    }
    Ok(())
}

fn lset(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let Some(l) = list_mut(ctx.db.lookup_mut(key))? else {
        return Err(CommandError::NoSuchKey);
    };
    let index = parse_i64(&ctx.argv[2])?;
    let Some(at) = position(index, l.len()) else {
        return Err(CommandError::IndexOutOfRange);
    };
    l.set(at, ctx.argv[3].as_ref());
    ctx.db.touched(key);
    ctx.db.notify(EventClass::List, "lset", key);
    ctx.propagate_as_is();
    ctx.out.ok();
    Ok(())
}

/// LINSERT key BEFORE|AFTER pivot element.
fn linsert(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let after = match ctx.arg(2) {
        w if w.eq_ignore_ascii_case(b"before") => false,
        w if w.eq_ignore_ascii_case(b"after") => true,
        _ => return Err(CommandError::Syntax),
    };
    let (key, pivot, item) = (ctx.arg(1), ctx.arg(3), ctx.arg(4));
    let fill = ctx.db.state.config.list_max_listpack_size;
    let Some(l) = list_mut(ctx.db.lookup_mut(key))? else {
        ctx.out.integer(0);
        return Ok(());
    };
    let Some(found) = l.iter().position(|e| e == pivot) else {
        ctx.out.integer(-1);
        return Ok(());
    };
    l.set_fill(fill);
    l.insert(found + usize::from(after), item);
    let len = l.len();
    ctx.db.touched(key);
    ctx.db.notify(EventClass::List, "linsert", key);
    ctx.propagate_as_is();
    ctx.out.integer(len as i64);
    Ok(())
}

/// LREM key count element.
fn lrem(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let count = parse_i64(ctx.arg(2))?;
    let item = ctx.arg(3);
    let Some(l) = list_mut(ctx.db.lookup_mut(key))? else {
        ctx.out.integer(0);
        return Ok(());
    };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = l.remove_matching(item, limit, count < 0);
    if removed > 0 {
        finish_pop(&mut ctx.db, key, "lrem", removed as u64);
        ctx.propagate_as_is();
    }
    ctx.out.integer(removed as i64);
    Ok(())
}

/// LTRIM key start stop.
fn ltrim(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let start = parse_i64(ctx.arg(2))?;
    let stop = parse_i64(ctx.arg(3))?;
    let Some(l) = list_mut(ctx.db.lookup_mut(key))? else {
        ctx.out.ok();
        return Ok(());
    };
    let len = l.len();
    match index_range(start, stop, len) {
        Some((from, to)) => {
            l.drain_back(len - to);
            l.drain_front(from);
        }
        None => l.drain_front(len),
    }
    let trimmed = len - l.len();
    finish_pop(&mut ctx.db, key, "ltrim", trimmed as u64);
    ctx.propagate_as_is();
    ctx.out.ok();
    Ok(())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
fn lpos(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut rank: i64 = 1;
    let mut count: Option<usize> = None;
    let mut maxlen: usize = 0;
    let mut i = 3;
    while i < ctx.argc() {
        let option = ctx.arg(i);
        let has_value = i + 1 < ctx.argc();
        if option.eq_ignore_ascii_case(b"rank") && has_value {
            // Redis negates i64::MIN to itself: it scans from the tail
            // and takes the first match.
            rank = parse_i64(ctx.arg(i + 1))?;
            if rank == i64::MIN {
                rank = -1;
            }
            if rank == 0 {
                return Err(CommandError::text("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"));
            }
        } else if option.eq_ignore_ascii_case(b"count") && has_value {
            let n = parse_at_least(ctx.arg(i + 1), 0, "ERR COUNT can't be negative")?;
            count = Some(n as usize);
        } else if option.eq_ignore_ascii_case(b"maxlen") && has_value {
            let n = parse_at_least(ctx.arg(i + 1), 0, "ERR MAXLEN can't be negative")?;
            maxlen = n as usize;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 2;
    }
    let item = ctx.arg(2);
    let Some(l) = list(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        match count {
            Some(_) => ctx.out.array(0),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    let len = l.len();
    let scan = if maxlen == 0 { len } else { maxlen.min(len) };
    let wanted = match count {
        Some(0) => usize::MAX,
        Some(n) => n,
        None => 1,
    };
    let skip = rank.unsigned_abs() - 1;
    let matches = |iter: &mut dyn Iterator<Item = (usize, &[u8])>| -> Vec<usize> {
        iter.take(scan)
            .filter(|(_, e)| *e == item)
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(wanted)
            .map(|(i, _)| i)
            .collect()
    };
    let found = if rank > 0 {
        matches(&mut l.iter().enumerate())
    } else {
        matches(&mut l.iter().rev().enumerate().map(|(i, e)| (len - 1 - i, e)))
    };
    match count {
        Some(_) => {
            ctx.out.array(found.len());
            for index in found {
                ctx.out.integer(index as i64);
            }
        }
        None => match found.first() {
            Some(&index) => ctx.out.integer(index as i64),
            None => ctx.out.null(),
        },
    }
    Ok(())
}
