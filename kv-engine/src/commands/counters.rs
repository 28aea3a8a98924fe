//! Counters on string values: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT.
//!
//! A missing key counts as 0; the key's TTL survives. Integer results are
//! stored as integers (`int`). INCRBYFLOAT computes in Redis's long double
//! (`long_double`) and propagates as `SET key <result> KEEPTTL`, so a
//! replay never redoes float arithmetic.

use super::command;
use crate::collection_lookup::{string, string_entry};
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::{Ctx, Entry};
use crate::error::{CommandError, CommandResult};
use crate::long_double::{parse_long_double, LongDouble};
use crate::parse::parse_i64;
use crate::value::{StrValue, Value};
use bytes::Bytes;

const FLAGS: F = F::of(&[F::WRITE, F::DENYOOM, F::FAST]);
const ACL: C = C::of(&[C::WRITE, C::STRING, C::FAST]);

pub const COMMANDS: &[CommandSpec] = &[
    command!("incr", 2, incr, flags: FLAGS, keys: KeySpec::ONE, acl: ACL),
    command!("decr", 2, decr, flags: FLAGS, keys: KeySpec::ONE, acl: ACL),
    command!("incrby", 3, incrby, flags: FLAGS, keys: KeySpec::ONE, acl: ACL),
    command!("decrby", 3, decrby, flags: FLAGS, keys: KeySpec::ONE, acl: ACL),
    command!("incrbyfloat", 3, incrbyfloat, flags: FLAGS, keys: KeySpec::ONE, acl: ACL),
];

/// INCR key: the value plus one.
fn incr(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    add(ctx, 1)
}

/// DECR key: the value minus one.
fn decr(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    add(ctx, -1)
}

/// INCRBY key increment.
fn incrby(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let increment = parse_i64(ctx.arg(2))?;
    add(ctx, increment)
}

/// DECRBY key decrement (the most negative decrement cannot be negated).
fn decrby(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let decrement = parse_i64(ctx.arg(2))?;
    let increment = decrement
        .checked_neg()
        .ok_or(CommandError::text("ERR decrement would overflow"))?;
    add(ctx, increment)
}

/// Adds `increment` to the integer under the key, in place; replies with
/// the result. Errors for a value that is not an integer, or a result out
/// of the 64-bit range.
fn add(ctx: &mut Ctx<'_, '_>, increment: i64) -> CommandResult {
    let key = ctx.arg(1);
    let result = match string_entry(ctx.db.entry(key))? {
        Entry::Occupied(value) => {
            let current = value.as_i64().ok_or(CommandError::NotInteger)?;
            let result = current
                .checked_add(increment)
                .ok_or(CommandError::Overflow)?;
            *value = StrValue::Int(result);
            result
        }
        Entry::Vacant(found) => {
            ctx.db
                .create_found(found, key, Value::Str(StrValue::Int(increment)));
            increment
        }
    };
    ctx.db.touched(key);
    ctx.db
        .notify(crate::notify::EventClass::String, "incrby", key);
    ctx.propagate_as_is();
    ctx.out.integer(result);
    Ok(())
}

/// INCRBYFLOAT key increment: the sum as Redis formats a long double (no
/// exponent, at most 17 decimals, trailing zeros trimmed), stored as a
/// string (`embstr`, never `int`).
fn incrbyfloat(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let current = match string(ctx.db.lookup(key))? {
        Some(value) => {
            let mut scratch = [0u8; 20];
            parse_long_double(value.as_bytes(&mut scratch)).ok_or(CommandError::NotFloat)?
        }
        None => Some(LongDouble::ZERO),
    };
    let increment = parse_long_double(ctx.arg(2)).ok_or(CommandError::NotFloat)?;
    let sum = current
        .zip(increment)
        .and_then(|(a, b)| a.checked_add(b))
        .ok_or(CommandError::text(
            "ERR increment would produce NaN or Infinity",
        ))?;
    let text = sum.to_human();
    ctx.db
        .store(key, Value::Str(StrValue::plain(text.as_bytes())), true);
    ctx.db
        .notify(crate::notify::EventClass::String, "incrbyfloat", key);
    ctx.out.bulk(text.as_bytes());
    ctx.db.propagate(vec![
        Bytes::from_static(b"SET"),
        ctx.argv.bytes(1),
        Bytes::from(text),
        Bytes::from_static(b"KEEPTTL"),
    ]);
    Ok(())
}
