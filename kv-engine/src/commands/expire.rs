//! Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX, XX, GT,
//! LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
//!
//! Every setter propagates as `PEXPIREAT key <absolute ms> [flags]`, so a
//! replay sets the same instant whatever its clock says. A time already in
//! the past deletes the key and propagates `DEL key`, as Redis does.

use super::command;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::{Ctx, Lookup};
use crate::error::{CommandError, CommandResult};
use crate::notify::EventClass;
use crate::parse::parse_i64;
use bytes::Bytes;
use resp_codec::Argv;

const SETTER: C = C::of(&[C::KEYSPACE, C::WRITE, C::FAST]);
const GETTER: C = C::of(&[C::KEYSPACE, C::READ, C::FAST]);
const WRITE_FAST: F = F::of(&[F::WRITE, F::FAST]);
const READ_FAST: F = F::of(&[F::READONLY, F::FAST]);

pub const COMMANDS: &[CommandSpec] = &[
    command!("expire", -3, expire, flags: WRITE_FAST, keys: KeySpec::ONE, acl: SETTER),
    command!("pexpire", -3, pexpire, flags: WRITE_FAST, keys: KeySpec::ONE, acl: SETTER),
    command!("expireat", -3, expireat, flags: WRITE_FAST, keys: KeySpec::ONE, acl: SETTER),
    command!("pexpireat", -3, pexpireat, flags: WRITE_FAST, keys: KeySpec::ONE, acl: SETTER),
    command!("ttl", 2, ttl, flags: READ_FAST, keys: KeySpec::ONE, acl: GETTER),
    command!("pttl", 2, pttl, flags: READ_FAST, keys: KeySpec::ONE, acl: GETTER),
    command!("expiretime", 2, expiretime, flags: READ_FAST, keys: KeySpec::ONE, acl: GETTER),
    command!("pexpiretime", 2, pexpiretime, flags: READ_FAST, keys: KeySpec::ONE, acl: GETTER),
    command!("persist", 2, persist, flags: WRITE_FAST, keys: KeySpec::ONE, acl: SETTER),
];

/// How an expiry argument is read.
#[derive(Clone, Copy)]
struct Form {
    name: &'static str,
    /// Seconds (true) or milliseconds.
    seconds: bool,
    /// Relative to now (true) or an absolute Unix time.
    relative: bool,
}

fn expire(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    set_expiry(
        ctx,
        Form {
            name: "expire",
            seconds: true,
            relative: true,
        },
    )
}

fn pexpire(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    set_expiry(
        ctx,
        Form {
            name: "pexpire",
            seconds: false,
            relative: true,
        },
    )
}

fn expireat(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    set_expiry(
        ctx,
        Form {
            name: "expireat",
            seconds: true,
            relative: false,
        },
    )
}

fn pexpireat(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    set_expiry(
        ctx,
        Form {
            name: "pexpireat",
            seconds: false,
            relative: false,
        },
    )
}

/// NX, XX, GT, LT as given after the time.
#[derive(Clone, Copy, Default)]
struct Conditions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl Conditions {
    fn parse(args: Argv<'_>) -> CommandResult<Conditions> {
        let mut c = Conditions::default();
        for arg in args {
            if arg.eq_ignore_ascii_case(b"nx") {
                c.nx = true;
            } else if arg.eq_ignore_ascii_case(b"xx") {
                c.xx = true;
            } else if arg.eq_ignore_ascii_case(b"gt") {
                c.gt = true;
            } else if arg.eq_ignore_ascii_case(b"lt") {
                c.lt = true;
            } else {
                return Err(CommandError::owned(format!(
                    "ERR Unsupported option {}",
                    String::from_utf8_lossy(arg)
                )));
            }
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(CommandError::text(
                "ERR NX and XX, GT or LT options at the same time are not compatible",
            ));
        }
        if c.gt && c.lt {
            return Err(CommandError::text(
                "ERR GT and LT options at the same time are not compatible",
            ));
        }
        Ok(c)
    }

    /// Whether a key whose expiry is `current` may get `new`. No expiry is
    /// an infinite TTL: GT never beats it, LT always does.
    fn allow(self, current: Option<i64>, new: i64) -> bool {
        if self.nx && current.is_some() {
            return false;
        }
        if self.xx && current.is_none() {
            return false;
        }
        if self.gt && current.is_none_or(|at| new <= at) {
            return false;
        }
        if self.lt && current.is_some_and(|at| new >= at) {
            return false;
        }
        true
    }
}

fn set_expiry(ctx: &mut Ctx<'_, '_>, form: Form) -> CommandResult {
    let conditions = Conditions::parse(ctx.argv.slice(3..))?;
    let given = parse_i64(ctx.arg(2))?;
    let invalid = || {
        CommandError::owned(format!(
            "ERR invalid expire time in '{}' command",
            form.name
        ))
    };
    let mut at_ms = given;
    if form.seconds {
        at_ms = at_ms.checked_mul(1000).ok_or_else(invalid)?;
    }
    if form.relative {
        at_ms = at_ms.checked_add(ctx.db.now_ms).ok_or_else(invalid)?;
    }
    let key = ctx.arg(1);
    if ctx.db.lookup(key).is_none() {
        ctx.out.integer(0);
        return Ok(());
    }
    let current = ctx.db.keyspace().expire_at(key);
    if !conditions.allow(current, at_ms) {
        ctx.out.integer(0);
        return Ok(());
    }
    if ctx.db.already_expired(at_ms) {
        ctx.db.remove(key);
        ctx.db.notify(EventClass::Generic, "del", key);
        ctx.db
            .propagate(vec![Bytes::from_static(b"DEL"), ctx.argv.bytes(1)]);
    } else {
        ctx.db.keyspace().set_expire_at(key, at_ms);
        ctx.db.touched(key);
        ctx.db.notify(EventClass::Generic, "expire", key);
        let mut argv = ctx.argv.to_vec();
        argv[0] = Bytes::from_static(b"PEXPIREAT");
        let mut scratch = [0u8; 20];
        let text = resp_codec::encode::format_i64(&mut scratch, at_ms);
        argv[2] = Bytes::copy_from_slice(text);
        ctx.db.propagate(argv);
    }
    ctx.out.integer(1);
    Ok(())
}

/// What the TTL family reports.
#[derive(Clone, Copy)]
enum Report {
    /// Remaining time (TTL, PTTL).
    Remaining,
    /// The absolute Unix time (EXPIRETIME, PEXPIRETIME).
    Absolute,
}

fn ttl(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    report_expiry(ctx, Report::Remaining, true)
}

fn pttl(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    report_expiry(ctx, Report::Remaining, false)
}

fn expiretime(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    report_expiry(ctx, Report::Absolute, true)
}

fn pexpiretime(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    report_expiry(ctx, Report::Absolute, false)
}

/// -2 for no key, -1 for no expiry, else the time (seconds rounded to the
/// nearest, as Redis does).
fn report_expiry(ctx: &mut Ctx<'_, '_>, report: Report, seconds: bool) -> CommandResult {
    let key = ctx.arg(1);
    if ctx.db.lookup_with(key, Lookup::READ_NO_TOUCH).is_none() {
        ctx.out.integer(-2);
        return Ok(());
    }
    let Some(at_ms) = ctx.db.keyspace().expire_at(key) else {
        ctx.out.integer(-1);
        return Ok(());
    };
    let ms = match report {
        Report::Remaining => at_ms.saturating_sub(ctx.db.now_ms).max(0),
        Report::Absolute => at_ms.max(0),
    };
    ctx.out.integer(if seconds {
        ms.saturating_add(500) / 1000
    } else {
        ms
    });
    Ok(())
}

/// PERSIST key: 1 if an expiry was removed.
fn persist(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    if ctx.db.lookup(key).is_none() || !ctx.db.keyspace().persist(key) {
        ctx.out.integer(0);
        return Ok(());
    }
    ctx.db.touched(key);
    ctx.db.notify(EventClass::Generic, "persist", key);
    ctx.propagate_as_is();
    ctx.out.integer(1);
    Ok(())
}
