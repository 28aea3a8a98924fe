//! Connection commands the engine answers itself: PING, ECHO, SELECT.
//! (HELLO, AUTH, CLIENT, QUIT, RESET belong to the server.)

use super::command;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::parse::parse_i64;

const CONN: C = C::of(&[C::CONNECTION, C::FAST]);

pub const COMMANDS: &[CommandSpec] = &[
    command!("ping", -1, ping, flags: F::FAST, keys: KeySpec::NONE, acl: CONN),
    command!("echo", 2, echo, flags: F::FAST, keys: KeySpec::NONE, acl: CONN),
    command!("select", 2, select, flags: F::of(&[F::LOADING, F::STALE, F::FAST]), keys: KeySpec::NONE, acl: CONN),
];

/// PING [message]: PONG, or the message as a bulk string.
fn ping(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    match ctx.argc() {
        1 => ctx.out.simple(b"PONG"),
        2 => ctx.out.bulk(ctx.arg(1)),
        _ => return Err(CommandError::WrongArity("ping".into())),
    }
    Ok(())
}

/// ECHO message
fn echo(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    ctx.out.bulk(ctx.arg(1));
    Ok(())
}

/// SELECT index
fn select(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    // Redis reads a C int: out of its range is "not an integer".
    let index = parse_i64(ctx.arg(1))
        .ok()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or(CommandError::NotInteger)?;
    if index < 0 || index >= ctx.db.databases() as i64 {
        return Err(CommandError::DbIndexOutOfRange);
    }
    ctx.select(index as usize);
    ctx.out.ok();
    Ok(())
}
