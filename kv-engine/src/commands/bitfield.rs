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
        let width = &text[1..];
        let width = width
            .iter()
            .position(|&b| b == 0)
            .map_or(width, |nul| &width[..nul]);
        match parse_i64(width) {
            Ok(bits @ 1..=64) if signed || bits <= 63 => Ok(Field {
                signed,
                bits: bits as u32,
            }),
            _ => Err(error),
        }
    }

    fn max(self) -> i128 {
        if self.signed {
            (1i128 << (self.bits - 1)) - 1
        } else {
            (1i128 << self.bits) - 1
        }
    }

    fn min(self) -> i128 {
        if self.signed {
            -(1i128 << (self.bits - 1))
        } else {
            0
        }
    }

    fn read(self, bytes: &[u8], offset: u64) -> i128 {
        if self.signed {
            i128::from(bits::read_signed(bytes, offset, self.bits))
        } else {
            i128::from(bits::read_unsigned(bytes, offset, self.bits))
        }
    }

    /// `value` fitted into the field under `overflow`: Ok with the value to
    /// store, Err(()) when FAIL refuses it.
    fn fit(self, value: i128, overflow: Overflow) -> Result<i128, ()> {
        if (self.min()..=self.max()).contains(&value) {
            return Ok(value);
        }
        match overflow {
            Overflow::Fail => Err(()),
            Overflow::Sat if value > self.max() => Ok(self.max()),
            Overflow::Sat => Ok(self.min()),
            Overflow::Wrap => {
                let modulus = 1i128 << self.bits;
                let low = value.rem_euclid(modulus);
                Ok(if self.signed && low > self.max() {
                    low - modulus
                } else {
                    low
                })
            }
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
    let args = &ctx.argv[2..];
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
    let mut replies: Vec<Option<i128>> = Vec::with_capacity(ops.len());
    let mut changes = 0;
    for op in &ops {
        let old = op.field.read(bytes, op.offset);
        let (new, reply) = match op.kind {
            Kind::Get => {
                replies.push(Some(old));
                continue;
            }
            // SET reinterprets the value as unsigned for an unsigned field,
            // as Redis's C does (so -1 saturates to the maximum).
            Kind::Set(value) if !op.field.signed => (i128::from(value as u64), false),
            Kind::Set(value) => (i128::from(value), false),
            Kind::IncrBy(by) => (old + i128::from(by), true),
        };
        match op.field.fit(new, op.overflow) {
            Ok(stored) => {
                bits::write(bytes, op.offset, op.field.bits, stored as u64);
                replies.push(Some(if reply { stored } else { old }));
                if grew || stored != old {
                    changes += 1;
                }
            }
            Err(()) => replies.push(None),
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
    let replies: Vec<Option<i128>> = ops
        .iter()
        .map(|op| Some(op.field.read(&bytes, op.offset)))
        .collect();
    write_replies(ctx, &replies);
    Ok(())
}

fn write_replies(ctx: &mut Ctx<'_, '_>, replies: &[Option<i128>]) {
    ctx.out.array(replies.len());
    for reply in replies {
        match reply {
            Some(n) => ctx.out.integer(*n as i64),
            None => ctx.out.null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_follows_the_overflow_mode() {
        let u8 = Field {
            signed: false,
            bits: 8,
        };
        let i8 = Field {
            signed: true,
            bits: 8,
        };
        assert_eq!(u8.fit(300, Overflow::Wrap), Ok(44));
        assert_eq!(u8.fit(-1, Overflow::Wrap), Ok(255));
        assert_eq!(u8.fit(300, Overflow::Sat), Ok(255));
        assert_eq!(u8.fit(-5, Overflow::Sat), Ok(0));
        assert_eq!(u8.fit(256, Overflow::Fail), Err(()));
        assert_eq!(i8.fit(128, Overflow::Wrap), Ok(-128));
        assert_eq!(i8.fit(-129, Overflow::Wrap), Ok(127));
        assert_eq!(i8.fit(1000, Overflow::Sat), Ok(127));
        assert_eq!(i8.fit(-1000, Overflow::Sat), Ok(-128));
        let i64 = Field {
            signed: true,
            bits: 64,
        };
        assert_eq!(
            i64.fit(i128::from(i64::MAX) + 1, Overflow::Wrap),
            Ok(i128::from(i64::MIN))
        );
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
