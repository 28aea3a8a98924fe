//! String commands that read or write whole values and ranges: GET, MGET,
//! STRLEN, GETRANGE/SUBSTR, GETDEL, GETSET, SETNX, MSET, MSETNX, APPEND,
//! SETRANGE. SET with its options, SETEX, PSETEX and GETEX are in
//! `string_set`; the counters in `counters`; LCS in `lcs`.
//!
//! Propagation follows Redis: GETDEL becomes DEL, GETSET becomes SET, the
//! rest go as sent, and a write that changed nothing sends nothing.

use super::command;
use crate::collection_lookup::{string, string_mut};
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::parse::parse_i64;
use crate::value::{StrValue, Value};
use bytes::Bytes;

const READ_FAST: C = C::of(&[C::READ, C::STRING, C::FAST]);
const READ_SLOW: C = C::of(&[C::READ, C::STRING, C::SLOW]);
const WRITE_FAST: C = C::of(&[C::WRITE, C::STRING, C::FAST]);
const WRITE_SLOW: C = C::of(&[C::WRITE, C::STRING, C::SLOW]);
const RO_FAST: F = F::of(&[F::READONLY, F::FAST]);
const OOM_FAST: F = F::of(&[F::WRITE, F::DENYOOM, F::FAST]);
const OOM: F = F::of(&[F::WRITE, F::DENYOOM]);
/// MSET's keys: every other argument.
const PAIRS: KeySpec = KeySpec {
    first: 1,
    last: -1,
    step: 2,
};

pub const COMMANDS: &[CommandSpec] = &[
    command!("get", 2, get, flags: RO_FAST, keys: KeySpec::ONE, acl: READ_FAST),
    command!("mget", -2, mget, flags: RO_FAST, keys: KeySpec::ALL, acl: READ_FAST),
    command!("strlen", 2, strlen, flags: RO_FAST, keys: KeySpec::ONE, acl: READ_FAST),
    command!("getrange", 4, getrange, flags: F::READONLY, keys: KeySpec::ONE, acl: READ_SLOW),
    command!("substr", 4, getrange, flags: F::READONLY, keys: KeySpec::ONE, acl: READ_SLOW),
    command!("getdel", 2, getdel, flags: F::of(&[F::WRITE, F::FAST]), keys: KeySpec::ONE, acl: WRITE_FAST),
    command!("getset", 3, getset, flags: OOM_FAST, keys: KeySpec::ONE, acl: WRITE_FAST),
    command!("setnx", 3, setnx, flags: OOM_FAST, keys: KeySpec::ONE, acl: WRITE_FAST),
    command!("mset", -3, mset, flags: OOM, keys: PAIRS, acl: WRITE_SLOW),
    command!("msetnx", -3, msetnx, flags: OOM, keys: PAIRS, acl: WRITE_SLOW),
    command!("append", 3, append, flags: OOM_FAST, keys: KeySpec::ONE, acl: WRITE_FAST),
    command!("setrange", 4, setrange, flags: OOM, keys: KeySpec::ONE, acl: WRITE_SLOW),
];

/// GET key: the value, nil for a missing key, WRONGTYPE for another type.
/// Shared by GETSET, GETDEL and SET ... GET (Redis's `getGenericCommand`).
pub(crate) fn get(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut scratch = [0u8; 20];
    match string(ctx.db.lookup_read(ctx.arg(1)))? {
        Some(value) => ctx.out.bulk(value.as_bytes(&mut scratch)),
        None => ctx.out.null(),
    }
    Ok(())
}

/// MGET key [key ...]: each value, nil for a missing key or one holding
/// another type (no WRONGTYPE).
fn mget(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    ctx.out.array(ctx.argc() - 1);
    let mut scratch = [0u8; 20];
    for key in ctx.argv.slice(1..) {
        match ctx.db.lookup_read(key) {
            Some(Value::Str(value)) => ctx.out.bulk(value.as_bytes(&mut scratch)),
            _ => ctx.out.null(),
        }
    }
    Ok(())
}

/// STRLEN key: the value's length in bytes, 0 for a missing key.
fn strlen(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let len = string(ctx.db.lookup_read(ctx.arg(1)))?.map_or(0, StrValue::len);
    ctx.out.integer(len as i64);
    Ok(())
}

/// GETRANGE key start end (and SUBSTR): the bytes from start to end,
/// inclusive, negative offsets counting from the end; "" when the range
/// is empty or the key missing.
fn getrange(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let start = parse_i64(ctx.arg(2))?;
    let end = parse_i64(ctx.arg(3))?;
    let Some(value) = string(ctx.db.lookup_read(ctx.arg(1)))? else {
        ctx.out.bulk(b"");
        return Ok(());
    };
    let mut scratch = [0u8; 20];
    let bytes = value.as_bytes(&mut scratch);
    match byte_range(start, end, bytes.len() as i64) {
        Some((from, to)) => ctx.out.bulk(&bytes[from..=to]),
        None => ctx.out.bulk(b""),
    }
    Ok(())
}

/// Redis's inclusive range over `len` items (GETRANGE, BITCOUNT, BITPOS):
/// negative ends count from the end, then both are clamped into the value.
/// None when nothing is left.
pub(crate) fn byte_range(start: i64, end: i64, len: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end }.max(0).min(len - 1);
    (len > 0 && start <= end).then_some((start as usize, end as usize))
}

/// GETDEL key: the value, then the key is gone; propagates as DEL.
fn getdel(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let Some(value) = string(ctx.db.lookup_read(key))? else {
        ctx.out.null();
        return Ok(());
    };
    let mut scratch = [0u8; 20];
    ctx.out.bulk(value.as_bytes(&mut scratch));
    ctx.db.remove(key);
    ctx.db
        .notify(crate::notify::EventClass::Generic, "del", key);
    ctx.db
        .propagate(vec![Bytes::from_static(b"DEL"), ctx.argv.bytes(1)]);
    Ok(())
}

/// GETSET key value: the old value (or nil), then the new value without
/// any TTL; propagates as SET.
fn getset(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    get(ctx)?;
    let (key, value) = (ctx.arg(1), ctx.arg(2));
    ctx.db
        .store(key, Value::Str(StrValue::from_bytes(value)), false);
    ctx.db.notify(crate::notify::EventClass::String, "set", key);
    let mut argv = ctx.argv.to_vec();
    argv[0] = Bytes::from_static(b"SET");
    ctx.db.propagate(argv);
    Ok(())
}

/// SETNX key value: 1 if the key was missing and is now set, else 0.
fn setnx(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let (key, value) = (ctx.arg(1), ctx.arg(2));
    if ctx.db.lookup(key).is_some() {
        ctx.out.integer(0);
        return Ok(());
    }
    ctx.db
        .store(key, Value::Str(StrValue::from_bytes(value)), false);
    ctx.db.notify(crate::notify::EventClass::String, "set", key);
    ctx.propagate_as_is();
    ctx.out.integer(1);
    Ok(())
}

/// MSET key value [key value ...]: sets them all (dropping TTLs); OK.
fn mset(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    store_pairs(ctx)?;
    ctx.out.ok();
    Ok(())
}

/// MSETNX key value [key value ...]: sets them all only if none exists;
/// 1 if set, 0 if not.
fn msetnx(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if ctx.argc().is_multiple_of(2) {
        return Err(CommandError::WrongArity(ctx.spec.name.into()));
    }
    for key in ctx.argv.slice(1..).iter().step_by(2) {
        if ctx.db.lookup(key).is_some() {
            ctx.out.integer(0);
            return Ok(());
        }
    }
    store_pairs(ctx)?;
    ctx.out.integer(1);
    Ok(())
}

fn store_pairs(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if ctx.argc().is_multiple_of(2) {
        return Err(CommandError::WrongArity(ctx.spec.name.into()));
    }
    for (key, value) in ctx.argv.slice(1..).pairs() {
        ctx.db
            .store(key, Value::Str(StrValue::from_bytes(value)), false);
        ctx.db.notify(crate::notify::EventClass::String, "set", key);
    }
    ctx.propagate_as_is();
    Ok(())
}

/// Redis's size limit for a string that grows to `current + added` bytes
/// (`proto-max-bulk-len`).
pub(crate) fn check_length(ctx: &Ctx<'_, '_>, current: u64, added: u64) -> CommandResult {
    let max = ctx.db.state.config.proto_max_bulk_len;
    if current.checked_add(added).is_none_or(|total| total > max) {
        return Err(CommandError::text(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        ));
    }
    Ok(())
}

/// The bytes of the string under `key`, which the caller has seen exists,
/// for changing in place (the value becomes `raw`). The caller signals the
/// change.
pub(crate) fn growable_mut<'c>(
    ctx: &'c mut Ctx<'_, '_>,
    key: &[u8],
) -> CommandResult<&'c mut Vec<u8>> {
    match string_mut(ctx.db.lookup_mut(key))? {
        Some(value) => Ok(value.make_growable()),
        None => Err(CommandError::NoSuchKey),
    }
}

/// Applies `edit` to the existing string under `key` and signals the
/// change; returns the new length.
fn edit_in_place(
    ctx: &mut Ctx<'_, '_>,
    key: &[u8],
    edit: impl FnOnce(&mut Vec<u8>),
) -> CommandResult<usize> {
    let bytes = growable_mut(ctx, key)?;
    edit(bytes);
    let len = bytes.len();
    ctx.db.touched(key);
    Ok(len)
}

/// APPEND key value: the length after appending. A missing key is
/// created as SET would; an existing value becomes `raw`.
fn append(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let (key, tail) = (ctx.arg(1), ctx.arg(2));
    let current = string(ctx.db.lookup(key))?.map(StrValue::len);
    let len = match current {
        None => {
            ctx.db
                .store(key, Value::Str(StrValue::from_bytes(tail)), false);
            tail.len()
        }
        Some(len) => {
            check_length(ctx, len as u64, tail.len() as u64)?;
            edit_in_place(ctx, key, |bytes| bytes.extend_from_slice(tail))?
        }
    };
    ctx.db
        .notify(crate::notify::EventClass::String, "append", key);
    ctx.propagate_as_is();
    ctx.out.integer(len as i64);
    Ok(())
}

/// SETRANGE key offset value: overwrites from `offset`, zero-padding a
/// short value; the length after. An empty value changes nothing (and
/// creates nothing).
fn setrange(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let offset = parse_i64(ctx.arg(2))?;
    if offset < 0 {
        return Err(CommandError::text("ERR offset is out of range"));
    }
    let (key, patch) = (ctx.arg(1), ctx.arg(3));
    let current = string(ctx.db.lookup(key))?.map(StrValue::len);
    if patch.is_empty() {
        ctx.out.integer(current.unwrap_or(0) as i64);
        return Ok(());
    }
    check_length(ctx, offset as u64, patch.len() as u64)?;
    let offset = offset as usize;
    let end = offset + patch.len();
    let len = match current {
        None => {
            let mut bytes = vec![0u8; end];
            bytes[offset..].copy_from_slice(patch);
            ctx.db
                .store(key, Value::Str(StrValue::growable(bytes)), false);
            end
        }
        Some(_) => edit_in_place(ctx, key, |bytes| {
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            bytes[offset..end].copy_from_slice(patch);
        })?,
    };
    ctx.db
        .notify(crate::notify::EventClass::String, "setrange", key);
    ctx.propagate_as_is();
    ctx.out.integer(len as i64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn ranges_clamp_as_redis() {
        assert_eq!(byte_range(0, -1, 5), Some((0, 4)));
        assert_eq!(byte_range(-3, -1, 5), Some((2, 4)));
        assert_eq!(byte_range(-1, -3, 5), None);
        assert_eq!(byte_range(3, 1, 5), None);
        assert_eq!(byte_range(-100, 100, 5), Some((0, 4)));
        assert_eq!(byte_range(0, 0, 0), None);
        assert_eq!(byte_range(i64::MIN, i64::MAX, 5), Some((0, 4)));
        assert_eq!(byte_range(5, 10, 5), None);
    }
}
