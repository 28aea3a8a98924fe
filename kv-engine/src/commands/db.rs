//! Whole-database commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB. (SELECT is
//! a connection command.)
//!
//! FLUSHDB and FLUSHALL propagate as sent, even on empty databases (Redis
//! 7.0 forces their propagation); SWAPDB propagates as sent. Each fails the
//! WATCH of clients whose watched keys existed in a database that changed.
//! With ASYNC the flushed contents go to the owner to free off the engine
//! lock (`Engine::take_garbage`), as Redis frees them in a background thread.

use super::command;
use super::transactions::touch_watched_in_db;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::parse::parse_i64;

const FLUSH: C = C::of(&[C::KEYSPACE, C::WRITE, C::SLOW, C::DANGEROUS]);

pub const COMMANDS: &[CommandSpec] = &[
    command!("dbsize", 1, dbsize, flags: F::of(&[F::READONLY, F::FAST]), keys: KeySpec::NONE, acl: C::of(&[C::KEYSPACE, C::READ, C::FAST])),
    command!("flushdb", -1, flushdb, flags: F::WRITE, keys: KeySpec::NONE, acl: FLUSH),
    command!("flushall", -1, flushall, flags: F::WRITE, keys: KeySpec::NONE, acl: FLUSH),
    command!("swapdb", 3, swapdb, flags: F::of(&[F::WRITE, F::FAST]), keys: KeySpec::NONE, acl: C::of(&[C::KEYSPACE, C::WRITE, C::FAST, C::DANGEROUS])),
];

/// DBSIZE: keys in the selected database, counting not-yet-deleted expired
/// ones (as Redis does).
fn dbsize(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let len = ctx.db.keyspace().len();
    ctx.out.integer(len as i64);
    Ok(())
}

/// `[ASYNC|SYNC]`: true for ASYNC.
fn flush_is_async(ctx: &Ctx<'_, '_>) -> CommandResult<bool> {
    match ctx.argc() {
        1 => Ok(false),
        2 if ctx.arg(1).eq_ignore_ascii_case(b"sync") => Ok(false),
        2 if ctx.arg(1).eq_ignore_ascii_case(b"async") => Ok(true),
        _ => Err(CommandError::Syntax),
    }
}

/// FLUSHDB [ASYNC|SYNC]
fn flushdb(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let lazy = flush_is_async(ctx)?;
    let index = ctx.db.index;
    flush(ctx, index, lazy);
    ctx.propagate_as_is();
    ctx.out.ok();
    Ok(())
}

/// FLUSHALL [ASYNC|SYNC]
fn flushall(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let lazy = flush_is_async(ctx)?;
    for index in 0..ctx.db.databases() {
        flush(ctx, index, lazy);
    }
    ctx.propagate_as_is();
    ctx.out.ok();
    Ok(())
}

/// Empties database `index`. With `lazy` (ASYNC) the old contents are
/// handed to the owner to free off the engine lock (`Engine::take_garbage`)
/// instead of being dropped here, which for millions of keys takes a while.
fn flush(ctx: &mut Ctx<'_, '_>, index: usize, lazy: bool) {
    let now_ms = ctx.db.now_ms;
    touch_watched_in_db(ctx.db.state, index, None, now_ms);
    let state = &mut *ctx.db.state;
    let removed = state.dbs[index].len() as u64;
    if lazy && removed > 0 {
        if let Some(old) = state.dbs[index].take_table() {
            state.add_garbage(old);
        }
    } else {
        state.dbs[index].clear();
    }
    ctx.db.add_dirty(removed);
}

/// SWAPDB index1 index2: exchanges two databases' contents; clients stay
/// on their numbers.
fn swapdb(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let first = db_number(ctx.arg(1), "ERR invalid first DB index")?;
    let second = db_number(ctx.arg(2), "ERR invalid second DB index")?;
    let databases = ctx.db.databases() as i64;
    if !(0..databases).contains(&first) || !(0..databases).contains(&second) {
        return Err(CommandError::DbIndexOutOfRange);
    }
    let (first, second) = (first as usize, second as usize);
    if first != second {
        let now_ms = ctx.db.now_ms;
        let state = &mut *ctx.db.state;
        touch_watched_in_db(state, first, Some(second), now_ms);
        touch_watched_in_db(state, second, Some(first), now_ms);
        state.dbs.swap(first, second);
        for db in [first, second] {
            if !state.swapped_dbs.contains(&db) {
                state.swapped_dbs.push(db);
            }
        }
    }
    ctx.db.add_dirty(1);
    ctx.propagate_as_is();
    ctx.out.ok();
    Ok(())
}

/// A database index as SELECT, MOVE and COPY read it: a C int (Redis's
/// range error past it), then within the configured databases.
pub fn parse_db_index(text: &[u8], databases: usize) -> CommandResult<usize> {
    let index = parse_i64(text)?;
    if i32::try_from(index).is_err() {
        return Err(CommandError::text(
            "ERR value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    usize::try_from(index)
        .ok()
        .filter(|&i| i < databases)
        .ok_or(CommandError::DbIndexOutOfRange)
}

/// A database number as SWAPDB reads it (a C int), with its own error.
fn db_number(text: &[u8], error: &'static str) -> CommandResult<i64> {
    parse_i64(text)
        .ok()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or(CommandError::text(error))
}
