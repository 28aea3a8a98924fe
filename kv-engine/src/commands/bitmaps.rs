//! Bitmap commands on string values: GETBIT, SETBIT, BITCOUNT, BITPOS,
//! BITOP (BITFIELD is in `bitfield`). Bit 0 is the top bit of byte 0; a
//! missing key is an empty string, whose bits all read 0.
//!
//! Writes leave the value `raw`, as Redis does, and propagate as sent —
//! unless nothing changed (SETBIT to the value the bit already has, BITOP
//! of empty inputs onto a missing key), which propagates nothing.

use super::command;
use super::strings::{byte_range, growable_mut};
use crate::bits;
use crate::collection_lookup::string;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::parse::{is_word, parse_i64};
use crate::value::{StrValue, Value};

const READ_SLOW: C = C::of(&[C::READ, C::BITMAP, C::SLOW]);
const WRITE_SLOW: C = C::of(&[C::WRITE, C::BITMAP, C::SLOW]);
const OOM: F = F::of(&[F::WRITE, F::DENYOOM]);
/// BITOP's keys: the destination and every source.
const BITOP_KEYS: KeySpec = KeySpec {
    first: 2,
    last: -1,
    step: 1,
};

pub const COMMANDS: &[CommandSpec] = &[
    command!("getbit", 3, getbit, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::BITMAP, C::FAST])),
    command!("setbit", 4, setbit, flags: OOM, keys: KeySpec::ONE, acl: WRITE_SLOW),
    command!("bitcount", -2, bitcount, flags: F::READONLY, keys: KeySpec::ONE, acl: READ_SLOW),
    command!("bitpos", -3, bitpos, flags: F::READONLY, keys: KeySpec::ONE, acl: READ_SLOW),
    command!("bitop", -4, bitop, flags: OOM, keys: BITOP_KEYS, acl: WRITE_SLOW),
];

/// A bit offset argument: a non-negative integer whose byte is inside
/// `proto-max-bulk-len`. BITFIELD also takes `#N`, meaning N times the
/// field width (`hash_width`).
pub(crate) fn parse_bit_offset(
    ctx: &Ctx<'_, '_>,
    text: &[u8],
    hash_width: Option<u32>,
) -> CommandResult<u64> {
    let error = CommandError::text("ERR bit offset is not an integer or out of range");
    let (digits, width) = match (text.strip_prefix(b"#"), hash_width) {
        (Some(rest), Some(width)) => (rest, i64::from(width)),
        _ => (text, 1),
    };
    // Redis multiplies in C's wrapping arithmetic before the range check.
    let offset = parse_i64(digits)
        .map_err(|_| error.clone())?
        .wrapping_mul(width);
    if offset < 0 || (offset as u64 >> 3) >= ctx.db.state.config.proto_max_bulk_len {
        return Err(error);
    }
    Ok(offset as u64)
}

/// The string under `key` for a bit command that writes up to bit
/// `last_bit` (Redis's `lookupStringForBitCommand`): created zero-filled
/// if missing, else made `raw` and zero-extended. Returns its bytes and
/// whether the key was created or grew.
pub(crate) fn bits_for_write<'c>(
    ctx: &'c mut Ctx<'_, '_>,
    key: &[u8],
    last_bit: u64,
) -> CommandResult<(&'c mut Vec<u8>, bool)> {
    let len = (last_bit >> 3) as usize + 1;
    let grew = match string(ctx.db.lookup(key))? {
        None => {
            ctx.db
                .create(key, Value::Str(StrValue::growable(Vec::new())));
            true
        }
        Some(value) => value.len() < len,
    };
    let bytes = growable_mut(ctx, key)?;
    if bytes.len() < len {
        bytes.resize(len, 0);
    }
    Ok((bytes, grew))
}

/// GETBIT key offset: the bit, 0 past the end or for a missing key.
fn getbit(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let offset = parse_bit_offset(ctx, ctx.arg(2), None)?;
    let set = match string(ctx.db.lookup_read(ctx.arg(1)))? {
        Some(value) => bits::bit(value.as_bytes(&mut [0u8; 20]), offset),
        None => false,
    };
    ctx.out.integer(i64::from(set));
    Ok(())
}

/// SETBIT key offset 0|1: the bit's old value; the string grows (zero
/// filled) to hold the offset.
fn setbit(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let offset = parse_bit_offset(ctx, ctx.arg(2), None)?;
    let not_a_bit = CommandError::text("ERR bit is not an integer or out of range");
    let on = match parse_i64(ctx.arg(3)) {
        Ok(0) => false,
        Ok(1) => true,
        _ => return Err(not_a_bit),
    };
    let key = ctx.arg(1);
    let (bytes, grew) = bits_for_write(ctx, key, offset)?;
    let old = bits::bit(bytes, offset);
    bits::set_bit(bytes, offset, on);
    if grew || old != on {
        ctx.db.touched(key);
        ctx.db
            .notify(crate::notify::EventClass::String, "setbit", key);
        ctx.propagate_as_is();
    }
    ctx.out.integer(i64::from(old));
    Ok(())
}

/// A range's unit: BITCOUNT and BITPOS count in bytes unless told BIT.
fn parse_unit(word: &[u8]) -> CommandResult<bool> {
    if is_word(word, "bit") {
        Ok(true)
    } else if is_word(word, "byte") {
        Ok(false)
    } else {
        Err(CommandError::Syntax)
    }
}

/// Converts an inclusive range in `unit`s to bits over a `len`-byte string.
fn bit_span(first: usize, last: usize, in_bits: bool) -> (u64, u64) {
    if in_bits {
        (first as u64, last as u64)
    } else {
        (first as u64 * 8, last as u64 * 8 + 7)
    }
}

/// BITCOUNT key [start end [BYTE|BIT]]: the set bits in the range (the
/// whole string by default). A missing key is 0 whatever the arguments
/// (Redis 7.0 looks the key up first).
fn bitcount(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let argv = ctx.argv;
    let Some(value) = string(ctx.db.lookup_read(&argv[1]))? else {
        ctx.out.integer(0);
        return Ok(());
    };
    let mut scratch = [0u8; 20];
    let bytes = value.as_bytes(&mut scratch);
    let (start, end, in_bits) = match argv.len() {
        2 => (0, -1, false),
        4 | 5 => {
            let start = parse_i64(&argv[2])?;
            let end = parse_i64(&argv[3])?;
            // Redis 7.0 answers a reversed negative range before reading
            // the unit.
            if start < 0 && end < 0 && start > end {
                ctx.out.integer(0);
                return Ok(());
            }
            let in_bits = argv.len() == 5 && parse_unit(&argv[4])?;
            (start, end, in_bits)
        }
        _ => return Err(CommandError::Syntax),
    };
    let units = bytes.len() as i64 * if in_bits { 8 } else { 1 };
    let count = match byte_range(start, end, units) {
        Some((first, last)) => {
            let (first, last) = bit_span(first, last, in_bits);
            bits::count_ones(bytes, first, last)
        }
        None => 0,
    };
    ctx.out.integer(count as i64);
    Ok(())
}

/// BITPOS key 0|1 [start [end [BYTE|BIT]]]: the first bit with that value
/// in the range, or -1. A missing key reads as endless zeros (0 for a
/// clear bit, -1 for a set one). Looking for a clear bit without an end
/// finds the first bit past the string if all are set.
fn bitpos(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let argv = ctx.argv;
    let wanted = match parse_i64(&argv[2])? {
        0 => false,
        1 => true,
        _ => return Err(CommandError::text("ERR The bit argument must be 1 or 0.")),
    };
    let Some(value) = string(ctx.db.lookup_read(&argv[1]))? else {
        ctx.out.integer(if wanted { -1 } else { 0 });
        return Ok(());
    };
    let mut scratch = [0u8; 20];
    let bytes = value.as_bytes(&mut scratch);
    let argc = argv.len();
    if argc > 6 {
        return Err(CommandError::Syntax);
    }
    let start = if argc >= 4 { parse_i64(&argv[3])? } else { 0 };
    let in_bits = argc == 6 && parse_unit(&argv[5])?;
    let end = if argc >= 5 { parse_i64(&argv[4])? } else { -1 };
    let units = bytes.len() as i64 * if in_bits { 8 } else { 1 };
    // Unlike BITCOUNT, no early exit for a reversed negative range: both
    // ends are clamped first.
    let clamp = |i: i64| if i < 0 { units + i } else { i }.max(0);
    let (first, last) = (clamp(start), clamp(end).min(units - 1));
    if units == 0 || first > last {
        ctx.out.integer(-1);
        return Ok(());
    }
    let (first, last) = bit_span(first as usize, last as usize, in_bits);
    let found = match bits::first_bit(bytes, first, last, wanted) {
        Some(at) => at as i64,
        None if !wanted && argc < 5 => last as i64 + 1,
        None => -1,
    };
    ctx.out.integer(found);
    Ok(())
}

/// The operations BITOP knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]: stores the bitwise result
/// (shorter inputs padded with zeros) and replies with its length. An
/// empty result deletes the destination.
fn bitop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let op = [
        ("and", BitOp::And),
        ("or", BitOp::Or),
        ("xor", BitOp::Xor),
        ("not", BitOp::Not),
    ]
    .into_iter()
    .find(|(name, _)| is_word(ctx.arg(1), name))
    .map(|(_, op)| op)
    .ok_or(CommandError::Syntax)?;
    if op == BitOp::Not && ctx.argc() != 4 {
        return Err(CommandError::text(
            "ERR BITOP NOT must be called with a single source key.",
        ));
    }
    let mut sources = Vec::with_capacity(ctx.argc() - 3);
    for key in ctx.argv.slice(3..) {
        sources.push(string(ctx.db.lookup_read(key))?.map_or_else(Vec::new, StrValue::to_vec));
    }
    let len = sources.iter().map(Vec::len).max().unwrap_or(0);
    let dest = ctx.arg(2);
    if len == 0 {
        if ctx.db.lookup(dest).is_some() {
            ctx.db.remove(dest);
            ctx.db
                .notify(crate::notify::EventClass::Generic, "del", dest);
            ctx.propagate_as_is();
        }
        ctx.out.integer(0);
        return Ok(());
    }
    let byte = |source: &Vec<u8>, i: usize| source.get(i).copied().unwrap_or(0);
    let result: Vec<u8> = (0..len)
        .map(|i| {
            let mut inputs = sources.iter().map(|s| byte(s, i));
            let first = inputs.next().unwrap_or(0);
            match op {
                BitOp::And => inputs.fold(first, |acc, b| acc & b),
                BitOp::Or => inputs.fold(first, |acc, b| acc | b),
                BitOp::Xor => inputs.fold(first, |acc, b| acc ^ b),
                BitOp::Not => !first,
            }
        })
        .collect();
    ctx.db
        .store(dest, Value::Str(StrValue::growable(result)), false);
    ctx.db
        .notify(crate::notify::EventClass::String, "set", dest);
    ctx.propagate_as_is();
    ctx.out.integer(len as i64);
    Ok(())
}
