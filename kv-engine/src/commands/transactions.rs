//! MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Queued commands are checked (name, arity) when queued; a rejected one
//! makes EXEC answer EXECABORT. Runtime errors inside EXEC do not roll back.
//! WATCH is optimistic locking: any change to a watched key (including its
//! expiry, FLUSHDB, SWAPDB, RENAME) makes EXEC reply with a null array.
//!
//! Redis 7.0's rule for keys already expired when watched: their deletion
//! (lazy or active expiry, a flush) is no logical change, so it does not
//! fail EXEC; a key that expires after WATCH does, even if nobody touched it.

use super::command;
use crate::client::{ClientId, ClientState, WatchedKey};
use crate::command::{Categories as C, CommandSpec, Flags as F, Handler, KeySpec};
use crate::commands::CommandTable;
use crate::context::Ctx;
use crate::engine::{dispatch, EngineState, Host};
use crate::error::{CommandError, CommandResult};
use bytes::Bytes;
use resp_codec::ReplyWriter;

/// One client watching one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Watcher {
    pub client: ClientId,
    /// The key was logically expired (but not yet deleted) when watched.
    pub expired: bool,
}

const TX: C = C::of(&[C::TRANSACTION, C::FAST]);
const TX_FLAGS: F = F::of(&[F::NOSCRIPT, F::LOADING, F::STALE, F::FAST, F::ALLOW_BUSY]);

pub const COMMANDS: &[CommandSpec] = &[
    command!("multi", 1, multi, flags: TX_FLAGS, keys: KeySpec::NONE, acl: TX),
    CommandSpec {
        name: "exec",
        arity: 1,
        flags: F::of(&[F::NOSCRIPT, F::LOADING, F::STALE, F::SKIP_SLOWLOG]),
        keys: KeySpec::NONE,
        categories: C::of(&[C::TRANSACTION, C::SLOW]),
        run: Handler::Exec,
    },
    command!("discard", 1, discard, flags: TX_FLAGS, keys: KeySpec::NONE, acl: TX),
    command!("watch", -2, watch, flags: TX_FLAGS, keys: KeySpec::ALL, acl: TX),
    command!("unwatch", 1, unwatch, flags: TX_FLAGS, keys: KeySpec::NONE, acl: TX),
];

/// Commands that run at once even inside MULTI, rather than being queued.
pub fn runs_inside_multi(name: &str) -> bool {
    matches!(
        name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

fn multi(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if ctx.client.in_multi() {
        return Err(CommandError::text("ERR MULTI calls can not be nested"));
    }
    ctx.client.multi = Some(Vec::new());
    ctx.client.multi_failed = false;
    ctx.out.ok();
    Ok(())
}

fn discard(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if !ctx.client.in_multi() {
        return Err(CommandError::text("ERR DISCARD without MULTI"));
    }
    end_transaction(ctx.db.state, ctx.client);
    ctx.out.ok();
    Ok(())
}

fn watch(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    if ctx.client.in_multi() {
        return Err(CommandError::text("ERR WATCH inside MULTI is not allowed"));
    }
    let db = ctx.db.index;
    let now_ms = ctx.db.now_ms;
    for i in 1..ctx.argc() {
        let key = ctx.arg(i);
        if ctx
            .client
            .watched
            .iter()
            .any(|w| w.db == db && w.key == key)
        {
            continue;
        }
        let state = &mut *ctx.db.state;
        let expired = state.dbs[db].is_expired(key, now_ms);
        let key = ctx.argv.bytes(i);
        ctx.client.watched.push(WatchedKey {
            db,
            key: key.clone(),
        });
        state
            .watched_keys
            .entry((db, key))
            .or_default()
            .push(Watcher {
                client: ctx.client.id,
                expired,
            });
    }
    ctx.out.ok();
    Ok(())
}

fn unwatch(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    unwatch_all(ctx.db.state, ctx.client);
    ctx.out.ok();
    Ok(())
}

/// Runs the queued commands; returns true if EXEC itself failed.
pub(crate) fn exec(
    state: &mut EngineState,
    table: &CommandTable,
    host: &mut dyn Host,
    client: &mut ClientState,
    out: &mut ReplyWriter<'_>,
    now_ms: i64,
) -> bool {
    let Some(queue) = client.multi.take() else {
        out.error(b"ERR EXEC without MULTI");
        return true;
    };
    if client.multi_failed {
        end_transaction(state, client);
        out.error(b"EXECABORT Transaction discarded because of previous errors.");
        return true;
    }
    let watch_failed =
        state.dirty_watchers.contains(&client.id) || watched_key_expired(state, client, now_ms);
    end_transaction(state, client);
    if watch_failed {
        out.null_array();
        return false;
    }
    out.array(queue.len());
    for argv in &queue {
        host.exec_step_begins();
        let start = out.len();
        let outcome = dispatch(state, table, host, client, argv.into(), out, now_ms, true);
        let flags = outcome
            .command
            .and_then(|name| {
                table
                    .get(name.as_bytes())
                    .or_else(|| host.command(name).copied())
            })
            .map(|spec| spec.flags)
            .unwrap_or_default();
        host.exec_step_ran(argv.into(), flags, &outcome, &out.buffer()[start..]);
    }
    // Redis 7.0 wraps what a command propagated in MULTI ... EXEC only
    // when it is more than one command (`propagatePendingCommands`): an
    // EXEC with one write propagates it bare, as the write alone would.
    // Every op counts, a lazily expired key's DEL too.
    state.pending_transaction = state.pending_op_count() > 1;
    false
}

/// An EXEC refused before running (wrong arity): Redis discards the
/// transaction and drops the WATCHes (even outside MULTI) and names the
/// reason in an EXECABORT error.
pub(crate) fn abort_exec(
    state: &mut EngineState,
    client: &mut ClientState,
    out: &mut ReplyWriter<'_>,
    reason: &CommandError,
) {
    end_transaction(state, client);
    let reason = reason.to_string();
    let reason = reason.strip_prefix("ERR ").unwrap_or(&reason);
    out.error(format!("EXECABORT Transaction discarded because of: {reason}").as_bytes());
}

/// Leaves MULTI and drops the client's WATCHes.
fn end_transaction(state: &mut EngineState, client: &mut ClientState) {
    client.multi = None;
    client.multi_failed = false;
    unwatch_all(state, client);
}

/// Removes every WATCH of `client` from the engine's registry.
pub(crate) fn unwatch_all(state: &mut EngineState, client: &mut ClientState) {
    for watched in client.watched.drain(..) {
        let slot = (watched.db, watched.key);
        if let Some(clients) = state.watched_keys.get_mut(&slot) {
            clients.retain(|w| w.client != client.id);
            if clients.is_empty() {
                state.watched_keys.remove(&slot);
            }
        }
    }
    state.dirty_watchers.remove(&client.id);
}

/// True when a key `client` watches has expired since it was watched
/// (whether or not anything deleted it yet).
fn watched_key_expired(state: &EngineState, client: &ClientState, now_ms: i64) -> bool {
    client.watched.iter().any(|w| {
        let was_expired = state
            .watched_keys
            .get(&(w.db, w.key.clone()))
            .and_then(|ws| ws.iter().find(|x| x.client == client.id))
            .is_some_and(|x| x.expired);
        !was_expired && state.dbs[w.db].is_expired(&w.key, now_ms)
    })
}

/// Signals that `key` in `db` changed: its watchers' EXEC will fail, except
/// those that watched it already expired and now see it deleted.
pub(crate) fn touch_watched_key(state: &mut EngineState, db: usize, key: &[u8]) {
    if state.watched_keys.is_empty() {
        return;
    }
    let exists = state.dbs[db].contains(key);
    let Some(watchers) = state
        .watched_keys
        .get_mut(&(db, Bytes::copy_from_slice(key)))
    else {
        return;
    };
    for watcher in watchers {
        if watcher.expired && !exists {
            watcher.expired = false;
        } else {
            state.dirty_watchers.insert(watcher.client);
        }
    }
}

/// Database `emptied` is about to be flushed (`replaced_with: None`) or
/// swapped with `replaced_with`: fails the WATCH of every client whose
/// watched key there exists now or will exist after the swap (Redis 7.0's
/// `touchAllWatchedKeysInDb`, including its handling of expired keys).
pub(crate) fn touch_watched_in_db(
    state: &mut EngineState,
    emptied: usize,
    replaced_with: Option<usize>,
    now_ms: i64,
) {
    let EngineState {
        dbs,
        watched_keys,
        dirty_watchers,
        ..
    } = state;
    for ((db, key), watchers) in watched_keys.iter_mut() {
        if *db != emptied {
            continue;
        }
        let in_emptied = dbs[emptied].contains(key);
        let replacement = replaced_with.map(|r| &dbs[r]);
        let in_replacement = replacement.is_some_and(|r| r.contains(key));
        if !in_emptied && !in_replacement {
            continue;
        }
        let replacement_expired = replacement.is_some_and(|r| r.is_expired(key, now_ms));
        for watcher in watchers.iter_mut() {
            if watcher.expired {
                if !in_replacement {
                    watcher.expired = false;
                    continue;
                }
                if replacement_expired {
                    continue;
                }
            } else if !in_emptied && replacement_expired {
                watcher.expired = true;
                continue;
            }
            dirty_watchers.insert(watcher.client);
        }
    }
}
