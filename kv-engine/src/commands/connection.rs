//! Connection commands the engine answers itself: PING, ECHO, SELECT.
//! (HELLO, AUTH, CLIENT, QUIT, RESET belong to the server.)

use super::command;
use super::db::parse_db_index;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};

const CONN: C = C::of(&[C::CONNECTION, C::FAST]);

pub const COMMANDS: &[CommandSpec] = &[
    command!("ping", -1, ping, flags: F::FAST, keys: KeySpec::NONE, acl: CONN),
    command!("echo", 2, echo, flags: F::of(&[F::LOADING, F::STALE, F::FAST]), keys: KeySpec::NONE, acl: CONN),
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
    let index = parse_db_index(ctx.arg(1), ctx.db.databases())?;
    ctx.select(index);
    ctx.out.ok();
    Ok(())
}
