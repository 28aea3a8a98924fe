//! Persistence commands: SAVE, BGSAVE [SCHEDULE], BGREWRITEAOF, DUMP and
//! RESTORE (the last two run the persistence crate's commands, shared
//! with AOF replay), with Redis 7.0's replies.
//!
//! SAVE does not stop the server as Redis's does: it takes the same
//! point-in-time snapshot as BGSAVE and the client's reply waits for the
//! file to be on disk (a deferred reply), while other clients run.

use super::ConnHost;
use crate::connection::session::DeferredReply;
use crate::disk::rdb_save::{self, StartError, Trigger};
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};
use persistence::rdb::restore;
use persistence::rdb::ValueOptions;

/// SAVE: a snapshot now; the reply once it is on disk.
pub fn save(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let job = start_save(host, ctx, Trigger::Foreground)
        .map_err(|e| CommandError::owned(e.to_string()))?;
    host.conn.deferred = Some(Box::pin(async move {
        match job.done.await {
            Ok(Ok(_)) => DeferredReply::Ok,
            _ => DeferredReply::Error("ERR".to_string()),
        }
    }));
    Ok(())
}

/// BGSAVE [SCHEDULE]; inside EXEC always scheduled, as in Redis.
pub fn bgsave(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let schedule = match ctx.argc() {
        1 => false,
        2 if ctx.arg(1).eq_ignore_ascii_case(b"schedule") => true,
        _ => return Err(CommandError::Syntax),
    };
    if ctx.in_exec() && host.state.disk.bgsave.is_none() {
        // Redis schedules every BGSAVE inside EXEC (its timer starts it),
        // unless one runs.
        host.state.disk.bgsave_scheduled = true;
        ctx.out.simple(b"Background saving scheduled");
        return Ok(());
    }
    match start_save(host, ctx, Trigger::Background) {
        Ok(_job) => {
            ctx.out.simple(b"Background saving started");
            Ok(())
        }
        Err(StartError::OtherSnapshot) if schedule => {
            host.state.disk.bgsave_scheduled = true;
            ctx.out.simple(b"Background saving scheduled");
            Ok(())
        }
        Err(error) => Err(CommandError::owned(error.to_string())),
    }
}

/// Starts a save from a host command (the engine lock is held).
fn start_save(
    host: &mut ConnHost<'_>,
    ctx: &mut Ctx<'_, '_>,
    trigger: Trigger,
) -> Result<rdb_save::SaveJob, StartError> {
    rdb_save::start(host.state, host.shared, trigger, || {
        rdb_save::Began::db(&mut ctx.db)
    })
}

/// BGREWRITEAOF: the AOF actor rewrites; the reply once it has started.
/// With the AOF off, a base of the data and a manifest naming only it are
/// written in the background, as Redis 7.0 does.
pub fn bgrewriteaof(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    // Behind a BGSAVE, Redis schedules the rewrite and says so at once.
    let behind_bgsave = host
        .state
        .disk
        .bgsave
        .as_ref()
        .is_some_and(|run| !run.foreground);
    if ctx.in_exec() || behind_bgsave {
        return bgrewriteaof_scheduled(host, ctx);
    }
    let Some(aof) = host.shared.durability.aof() else {
        let Some(dir) = host.shared.durability.dir() else {
            return Err(CommandError::text("ERR persistence is not started"));
        };
        let config = crate::disk::persistence_config(&host.state.config);
        // Made here, where the AOF is off: a switch on before it runs
        // supersedes it.
        let rewrite = dir.rewrite_offline(&config);
        host.conn.deferred = Some(Box::pin(async move {
            match rewrite.await {
                Ok(()) => started(),
                Err(error) => DeferredReply::Error(error.to_string()),
            }
        }));
        return Ok(());
    };
    host.conn.deferred = Some(Box::pin(async move {
        match aof.rewrite().await {
            Ok(()) => started(),
            Err(error) => DeferredReply::Error(error.to_string()),
        }
    }));
    Ok(())
}

/// Inside EXEC nothing can wait (the reply belongs in EXEC's array), and
/// behind a BGSAVE Redis does not wait either: the rewrite is scheduled
/// and starts once it can, as Redis answers there.
/// With the AOF off the offline rewrite runs as a task of its own, given
/// up at shutdown (its claim on the directory goes with it); in the EXEC
/// that switches the AOF off, after the pipeline has stopped (a rewrite
/// it ran is given up, as Redis kills it).
fn bgrewriteaof_scheduled(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    // A CONFIG SET appendonly no earlier in this EXEC switches the
    // pipeline off once EXEC ends, and that drops a rewrite asked of it:
    // this one is the AOF-off kind, as Redis runs it then.
    let switching_off = host.state.aof_switch == Some(false);
    if switching_off && host.shared.durability.dir().is_some() {
        // Redis's CONFIG SET appendonly no killed any rewrite running: this
        // one starts once the pipeline has stopped (`apply_switch`).
        host.state.aof_rewrite_after_off = true;
        ctx.out
            .simple(b"Background append only file rewriting scheduled");
        return Ok(());
    }
    match host.shared.durability.aof() {
        Some(aof) => aof
            .schedule_rewrite()
            .map_err(|e| CommandError::owned(e.to_string()))?,
        None => {
            let Some(dir) = host.shared.durability.dir() else {
                return Err(CommandError::text("ERR persistence is not started"));
            };
            if dir.status().aof_rewrite_in_progress {
                return Err(CommandError::owned(
                    persistence::RewriteError::InProgress.to_string(),
                ));
            }
            let config = crate::disk::persistence_config(&host.state.config);
            dir.mark_scheduled();
            let rewrite = dir.rewrite_offline(&config);
            let stop = host.shared.shutdown.clone();
            host.shared.tracker.spawn(async move {
                tokio::select! {
                    result = rewrite => {
                        if let Err(error) = result {
                            tracing::warn!("BGREWRITEAOF scheduled in EXEC: {error}");
                        }
                    }
                    () = stop.cancelled() => {}
                }
            });
        }
    }
    ctx.out
        .simple(b"Background append only file rewriting scheduled");
    Ok(())
}

fn started() -> DeferredReply {
    DeferredReply::Status("Background append only file rewriting started".into())
}

/// DUMP key
pub fn dump(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let options = ValueOptions {
        compression: host.state.config.value("rdbcompression") == "yes",
        list_max_listpack_size: ctx.db.config().list_max_listpack_size,
    };
    restore::dump(ctx, options)
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]
pub fn restore(_host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    restore::restore(ctx)
}

/// DEBUG RELOAD: save dump.rdb, empty the keyspace, load the file back,
/// all in one hold of the engine lock on a blocking thread, as Redis does
/// with the server stopped: a write that ran between the save and the
/// load would otherwise be acknowledged and then lost. Both go through
/// the server's storage (the simulated disk, under simulation).
///
/// Inside EXEC, Redis saves and loads at that point of the transaction
/// and answers +OK in EXEC's array. Here the +OK goes in and the reload
/// runs right after EXEC, before EXEC's reply is sent (a failure is
/// logged, the +OK already given): so the commands after it in the same
/// EXEC are in the saved file and the keyspace it loads, and the save
/// counts their changes as saved (`rdb_changes_since_last_save` 0 where
/// Redis counts them). Not in place because EXEC runs on a runtime
/// worker under the engine lock, inside `Engine::execute` (a host command
/// has no `&mut Engine` to save and load), and the save is disk I/O: in
/// place it would block the worker on the disk for the whole save.
/// Doing it in place would take an EXEC that stops at DEBUG RELOAD and
/// resumes after a reload on a blocking thread, the lock held across
/// both (a guard handed between threads): not worth it for a debug
/// command.
pub fn debug_reload(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut how = Reload {
        save: true,
        flush: true,
        merge: false,
    };
    for option in ctx.argv.iter().skip(2) {
        match option.to_ascii_lowercase().as_slice() {
            b"merge" => how.merge = true,
            b"noflush" => how.flush = false,
            b"nosave" => how.save = false,
            _ => {
                return Err(CommandError::owned(
                    "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.".into(),
                ))
            }
        }
    }
    let shared = host.shared.me();
    if ctx.in_exec() {
        ctx.out.ok();
        if host.conn.deferred.is_none() {
            // (A second DEBUG RELOAD in the same EXEC: one reload after
            // it covers both.)
            host.conn.deferred = Some(Box::pin(async move {
                if let DeferredReply::Error(error) = reload(shared, how).await {
                    tracing::warn!("DEBUG RELOAD in EXEC, answered +OK: {error}");
                }
                DeferredReply::Given
            }));
        }
        return Ok(());
    }
    host.conn.deferred = Some(Box::pin(reload(shared, how)));
    Ok(())
}

/// DEBUG RELOAD's options: NOSAVE loads the file as it is, NOFLUSH keeps
/// the keyspace and loads into it, MERGE lets a key of the file replace
/// one held (without it a key held twice fails the load).
#[derive(Clone, Copy)]
struct Reload {
    save: bool,
    flush: bool,
    merge: bool,
}

/// The save and the load, under one hold of the engine lock.
async fn reload(shared: std::sync::Arc<crate::shared::Shared>, how: Reload) -> DeferredReply {
    let reloaded = tokio::task::spawn_blocking(move || {
        let mut core = shared.core.lock();
        if how.save {
            if let Err(error) = crate::disk::rdb_save::save_locked(&mut core, &shared) {
                tracing::warn!("DEBUG RELOAD: {error}");
                // Redis answers its shared bare error.
                return DeferredReply::Error("ERR".into());
            }
        }
        let path = crate::disk::persistence_config(&core.host.config).rdb_path();
        if how.flush {
            core.engine.clear_all();
        }
        let now_ms = core.engine.now_ms();
        let loaded = shared
            .storage
            .read(&path)
            .map_err(|e| e.to_string())
            .and_then(|data| {
                let options = persistence::rdb::LoadOptions::at(now_ms);
                if how.merge {
                    persistence::rdb::load_replacing(&data[..], &mut core.engine, options)
                } else {
                    persistence::rdb::load(&data[..], &mut core.engine, options)
                }
                .map_err(|e| e.to_string())
            });
        match loaded {
            Ok(report) => {
                core.host.disk.load_keys_loaded = report.keys_loaded;
                core.host.disk.load_keys_expired = report.expired_skipped;
                tracing::info!("DB reloaded by DEBUG RELOAD");
                DeferredReply::Ok
            }
            Err(error) => {
                tracing::warn!("DEBUG RELOAD: {error}");
                DeferredReply::Error("ERR Error trying to load the RDB dump".into())
            }
        }
    })
    .await;
    reloaded
        .unwrap_or_else(|_| DeferredReply::Error("ERR Error trying to load the RDB dump".into()))
}
