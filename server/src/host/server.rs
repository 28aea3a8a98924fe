//! Server commands: TIME, LASTSAVE, WAIT, SHUTDOWN.

use super::{arg_i64, ConnHost};
use crate::connection::session::After;
use crate::core::ShutdownRequest;
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};

/// TIME: unix seconds and microseconds, as two bulk strings.
pub fn time(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let now_us = host.shared.clock.now_us();
    ctx.out.array(2);
    ctx.out.bulk_integer(now_us / 1_000_000);
    ctx.out.bulk_integer(now_us % 1_000_000);
    Ok(())
}

/// LASTSAVE: when the data was last saved (startup until the first save).
pub fn lastsave(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    ctx.out.integer(host.state.disk.last_save_unix);
    Ok(())
}

/// WAIT numreplicas timeout: no replicas exist, so 0, at once.
pub fn wait(_host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    arg_i64(ctx, 1)?;
    let timeout = arg_i64(ctx, 2)
        .map_err(|_| CommandError::text("ERR timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CommandError::text("ERR timeout is negative"));
    }
    ctx.out.integer(0);
    Ok(())
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
pub fn shutdown(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut request = ShutdownRequest::default();
    let mut abort = false;
    for i in 1..ctx.argc() {
        match ctx.arg(i).to_ascii_lowercase().as_slice() {
            b"nosave" if request.save.is_none() => request.save = Some(false),
            b"save" if request.save.is_none() => request.save = Some(true),
            b"now" => request.now = true,
            b"force" => request.force = true,
            b"abort" => abort = true,
            _ => return Err(CommandError::Syntax),
        }
    }
    if abort {
        if ctx.argc() != 2 {
            return Err(CommandError::Syntax);
        }
        // Shutdown here never waits for replicas, so there is never one in
        // progress to abort.
        return Err(CommandError::text("ERR No shutdown in progress."));
    }
    tracing::warn!("User requested shutdown...");
    host.shared.request_shutdown(request);
    // Redis closes the connection without a reply when it goes down.
    host.conn.after = After::Close;
    host.conn.reply = crate::connection::session::ReplyMode::Skipping;
    Ok(())
}
