//! String commands: GET, SET, ...

use super::command;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::value::{StrValue, Value};

pub const COMMANDS: &[CommandSpec] = &[
    command!("get", 2, get, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::READ, C::STRING, C::FAST])),
    command!("set", -3, set, flags: F::of(&[F::WRITE, F::DENYOOM]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::STRING, C::SLOW])),
];

/// GET key: the value, or nil.
fn get(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let mut scratch = [0u8; 20];
    match ctx.db.lookup_read(key) {
        None => ctx.out.null(),
        Some(Value::Str(s)) => {
            let bytes = s.as_bytes(&mut scratch);
            ctx.out.bulk(bytes);
        }
        Some(_) => return Err(CommandError::WrongType),
    }
    Ok(())
}

/// SET key value (options to come).
fn set(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if ctx.argc() != 3 {
        return Err(CommandError::Syntax);
    }
    let (key, value) = (ctx.arg(1), ctx.arg(2));
    ctx.db
        .store(key, Value::Str(StrValue::from_bytes(value)), false);
    ctx.propagate_as_is();
    ctx.out.ok();
    Ok(())
}
