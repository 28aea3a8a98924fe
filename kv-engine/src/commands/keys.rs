//! Generic key commands: DEL, EXISTS, ...

use super::command;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::CommandResult;

pub const COMMANDS: &[CommandSpec] = &[
    command!("del", -2, del, flags: F::WRITE, keys: KeySpec::ALL, acl: C::of(&[C::KEYSPACE, C::WRITE, C::SLOW])),
    command!("exists", -2, exists, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::ALL, acl: C::of(&[C::KEYSPACE, C::READ, C::FAST])),
];

/// DEL key [key ...]: the number of keys removed. Propagates as DEL of the
/// keys that existed.
fn del(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut removed = Vec::new();
    for key in &ctx.argv[1..] {
        if ctx.db.lookup(key).is_some() {
            ctx.db.remove(key);
            removed.push(key.clone());
        }
    }
    ctx.out.integer(removed.len() as i64);
    if !removed.is_empty() {
        let mut argv = Vec::with_capacity(removed.len() + 1);
        argv.push(bytes::Bytes::from_static(b"DEL"));
        argv.extend(removed);
        ctx.db.propagate(argv);
    }
    Ok(())
}

/// EXISTS key [key ...]: how many of the keys exist (repeats count).
fn exists(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut count = 0;
    for key in &ctx.argv[1..] {
        if ctx.db.lookup(key).is_some() {
            count += 1;
        }
    }
    ctx.out.integer(count);
    Ok(())
}
