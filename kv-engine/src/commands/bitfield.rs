//! BITFIELD key [GET type offset] [SET type offset value] [INCRBY type
//! offset increment] [OVERFLOW WRAP|SAT|FAIL] ... and BITFIELD_RO (GET
//! only): integers of 1 to 64 bits (signed) or 1 to 63 (unsigned) at any
//! bit offset, `#N` meaning N fields in.
//!
//! Every operation is parsed before any runs (so a bad one changes
//! nothing); then they run in order, one reply each. OVERFLOW applies to
//! the SET and INCRBY after it: WRAP (the default) wraps around, SAT
//! saturates, FAIL skips the write and replies nil.
//!
//! Propagation: as sent when some write changed a bit or the string was
//! created or grew. Redis 7.0 counts the growth only if a write also
//! happened, so a BITFIELD whose every write FAILs on a missing key leaves
//! an empty-ish key behind without propagating it; we propagate that too
//! (the delta must replay the key), without signalling WATCH as Redis
//! does not.

use super::bitmaps::{bits_for_write, parse_bit_offset};
use super::command;
use crate::bits;
use crate::collection_lookup::string;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::parse::{is_word, parse_i64};

pub const COMMANDS: &[CommandSpec] = &[
    command!("bitfield", -2, bitfield, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::BITMAP, C::SLOW])),
    command!("bitfield_ro", -2, bitfield_ro, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::BITMAP, C::FAST])),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// An integer field: signedness and width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Field {
    signed: bool,
    bits: u32,
}

impl Field {
    /// `i1`..`i64` or `u1`..`u63` (lower case, as Redis reads them).
    fn parse(text: &[u8]) -> CommandResult<Field> {
        let error = CommandError::text(
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
        );
        let signed = match text.first() {
            Some(b'i') => true,
            Some(b'u') => false,
            _ => return Err(error),
        };
        // The width is read as a C string: up to a NUL.
        match parse_i64(crate::parse::c_str(&text[1..])) {
            Ok(bits @ 1..=64) if signed || bits <= 63 => Ok(Field {
                signed,
                bits: bits as u32,
            }),
            _ => Err(error),
        }
    }

    /// The field at bit `offset`, as Redis replies it (an unsigned field
    /// of at most 63 bits always fits an i64).
    fn read(self, bytes: &[u8], offset: u64) -> i64 {
        if self.signed {
            bits::read_signed(bytes, offset, self.bits)
        } else {
            bits::read_unsigned(bytes, offset, self.bits) as i64
        }
    }

    /// `value + incr` fitted into the field under `overflow` (SET passes
    /// the new value with `incr` 0): Some(value to store), None when FAIL
    /// refuses it. The range checks are Redis's, in C's wrapping 64-bit
    /// arithmetic, quirks included: a SET far below a signed field's
    /// minimum overflows its `max - value` and saturates to the maximum.
    fn apply(self, value: i64, incr: i64, overflow: Overflow) -> Option<i64> {
        let (fits, saturated) = if self.signed {
            self.check_signed(value, incr)
        } else {
            self.check_unsigned(value as u64, incr)
        };
        match (fits, overflow) {
            (true, _) => Some(value.wrapping_add(incr)),
            (false, Overflow::Fail) => None,
            (false, Overflow::Sat) => Some(saturated),
            (false, Overflow::Wrap) => Some(self.wrap(value.wrapping_add(incr))),
        }
    }

    /// Redis's `checkSignedBitfieldOverflow`: (no overflow, the limit to
    /// saturate to).
    fn check_signed(self, value: i64, incr: i64) -> (bool, i64) {
        let max = if self.bits == 64 {
            i64::MAX
        } else {
            (1i64 << (self.bits - 1)) - 1
        };
        let min = -max - 1;
        let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
        let min_incr = min.wrapping_sub(value);
        let narrow = self.bits != 64;
        if value > max || (narrow && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)
        {
            (false, max)
        } else if value < min
            || (narrow && incr < min_incr)
            || (value < 0 && incr < 0 && incr < min_incr)
        {
            (false, min)
        } else {
            (true, 0)
        }
    }

    /// Redis's `checkUnsignedBitfieldOverflow` (at most 63 bits).
    fn check_unsigned(self, value: u64, incr: i64) -> (bool, i64) {
        let max = (1u64 << self.bits) - 1;
        let max_incr = max.wrapping_sub(value) as i64;
        let min_incr = value.wrapping_neg() as i64;
        if value > max || (incr > 0 && incr > max_incr) {
            (false, max as i64)
        } else if incr < 0 && incr < min_incr {
            (false, 0)
        } else {
            (true, 0)
        }
    }

    /// The low `bits` bits of a sum, sign-extended for a signed field.
    fn wrap(self, sum: i64) -> i64 {
        if self.bits == 64 {
            return sum;
        }
        let low = (sum as u64) & !(u64::MAX << self.bits);
        if self.signed && low & (1 << (self.bits - 1)) != 0 {
            (low | (u64::MAX << self.bits)) as i64
        } else {
            low as i64
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Get,
    Set(i64),
    IncrBy(i64),
}

#[derive(Clone, Copy, Debug)]
struct Op {
    kind: Kind,
    field: Field,
    offset: u64,
    overflow: Overflow,
}

/// Parses every operation after the key, as Redis does: left to right,
/// stopping at the first error.
fn parse_ops(ctx: &Ctx<'_, '_>) -> CommandResult<Vec<Op>> {
    let args = ctx.argv.slice(2..);
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut i = 0;
    while i < args.len() {
        let word = &args[i][..];
        let left = args.len() - i - 1;
        let takes_value = if is_word(word, "get") && left >= 2 {
            false
        } else if (is_word(word, "set") || is_word(word, "incrby")) && left >= 3 {
            true
        } else if is_word(word, "overflow") && left >= 1 {
            let mode = &args[i + 1][..];
            overflow = [
                ("wrap", Overflow::Wrap),
                ("sat", Overflow::Sat),
                ("fail", Overflow::Fail),
            ]
            .into_iter()
            .find(|(name, _)| is_word(mode, name))
            .map(|(_, o)| o)
            .ok_or(CommandError::text("ERR Invalid OVERFLOW type specified"))?;
            i += 2;
            continue;
        } else {
            return Err(CommandError::Syntax);
        };
        let field = Field::parse(&args[i + 1])?;
        let offset = parse_bit_offset(ctx, &args[i + 2], Some(field.bits))?;
        let kind = if !takes_value {
            Kind::Get
        } else {
            let value = parse_i64(&args[i + 3])?;
            if is_word(word, "set") {
                Kind::Set(value)
            } else {
                Kind::IncrBy(value)
            }
        };
        ops.push(Op {
            kind,
            field,
            offset,
            overflow,
        });
        i += if takes_value { 4 } else { 3 };
    }
    Ok(ops)
}

fn bitfield(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let ops = parse_ops(ctx)?;
    if ops.iter().all(|op| matches!(op.kind, Kind::Get)) {
        return read_only(ctx, &ops);
    }
    let last_bit = ops
        .iter()
        .filter(|op| !matches!(op.kind, Kind::Get))
        .map(|op| op.offset + u64::from(op.field.bits) - 1)
        .max()
        .unwrap_or(0);
    let key = ctx.arg(1);
    let (bytes, grew) = bits_for_write(ctx, key, last_bit)?;
    let mut replies: Vec<Option<i64>> = Vec::with_capacity(ops.len());
    let mut changes = 0;
    for op in &ops {
        let old = op.field.read(bytes, op.offset);
        let (value, incr) = match op.kind {
            Kind::Get => {
                replies.push(Some(old));
                continue;
            }
            Kind::Set(value) => (value, 0),
            Kind::IncrBy(by) => (old, by),
        };
        match op.field.apply(value, incr, op.overflow) {
            Some(stored) => {
                bits::write(bytes, op.offset, op.field.bits, stored as u64);
                let is_incr = matches!(op.kind, Kind::IncrBy(_));
                replies.push(Some(if is_incr { stored } else { old }));
                if grew || stored != old {
                    changes += 1;
                }
            }
            None => replies.push(None),
        }
    }
    if changes > 0 {
        ctx.db.touched(key);
        ctx.db
            .notify(crate::notify::EventClass::String, "setbit", key);
        ctx.db.add_dirty(changes - 1);
    }
    if changes > 0 || grew {
        ctx.propagate_as_is();
    }
    write_replies(ctx, &replies);
    Ok(())
}

/// BITFIELD_RO key [GET type offset ...].
fn bitfield_ro(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let ops = parse_ops(ctx)?;
    if !ops.iter().all(|op| matches!(op.kind, Kind::Get)) {
        return Err(CommandError::text(
            "ERR BITFIELD_RO only supports the GET subcommand",
        ));
    }
    read_only(ctx, &ops)
}

/// Only GETs: the key is read, never created.
fn read_only(ctx: &mut Ctx<'_, '_>, ops: &[Op]) -> CommandResult {
    let mut scratch = [0u8; 20];
    let bytes = match string(ctx.db.lookup_read(ctx.arg(1)))? {
        Some(value) => value.as_bytes(&mut scratch).to_vec(),
        None => Vec::new(),
    };
    let replies: Vec<Option<i64>> = ops
        .iter()
        .map(|op| Some(op.field.read(&bytes, op.offset)))
        .collect();
    write_replies(ctx, &replies);
    Ok(())
}

fn write_replies(ctx: &mut Ctx<'_, '_>, replies: &[Option<i64>]) {
    ctx.out.array(replies.len());
    for reply in replies {
        match reply {
            Some(n) => ctx.out.integer(*n),
            None => ctx.out.null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_follows_the_overflow_mode() {
        let field = |signed, bits| Field { signed, bits };
        let (u8, i8, i16, i64) = (
            field(false, 8),
            field(true, 8),
            field(true, 16),
            field(true, 64),
        );
        assert_eq!(u8.apply(300, 0, Overflow::Wrap), Some(44));
        assert_eq!(u8.apply(-1, 0, Overflow::Wrap), Some(255));
        assert_eq!(u8.apply(-1, 0, Overflow::Sat), Some(255));
        assert_eq!(u8.apply(200, 100, Overflow::Sat), Some(255));
        assert_eq!(u8.apply(5, -10, Overflow::Sat), Some(0));
        assert_eq!(u8.apply(5, -10, Overflow::Wrap), Some(251));
        assert_eq!(u8.apply(255, 1, Overflow::Fail), None);
        assert_eq!(i8.apply(127, 1, Overflow::Wrap), Some(-128));
        assert_eq!(i8.apply(-128, -1, Overflow::Wrap), Some(127));
        assert_eq!(i8.apply(1000, 0, Overflow::Sat), Some(127));
        assert_eq!(i8.apply(-1000, 0, Overflow::Sat), Some(-128));
        // Redis's quirk, checked against redis-server 7.0.15.
        assert_eq!(
            i16.apply(-9223372036854775807, 0, Overflow::Sat),
            Some(32767)
        );
        assert_eq!(i64.apply(i64::MAX, 1, Overflow::Wrap), Some(i64::MIN));
        assert_eq!(i64.apply(i64::MAX, 1, Overflow::Sat), Some(i64::MAX));
        assert_eq!(i64.apply(i64::MIN, -1, Overflow::Sat), Some(i64::MIN));
    }

    #[test]
    fn types_are_lower_case_and_bounded() {
        assert!(Field::parse(b"i64").is_ok());
        assert!(Field::parse(b"u63").is_ok());
        assert!(Field::parse(b"u64").is_err());
        assert!(Field::parse(b"i65").is_err());
        assert!(Field::parse(b"U8").is_err());
        assert!(Field::parse(b"u0").is_err());
        assert!(Field::parse(b"u08").is_err());
        assert!(Field::parse(b"u").is_err());
    }
}
