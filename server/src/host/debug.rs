//! DEBUG SLEEP, OBJECT, RELOAD, SET-ACTIVE-EXPIRE, HELP, refused unless
//! `enable-debug-command` allows it, as Redis 7 does.
//!
//! DEBUG SLEEP here delays the calling connection only (the reply comes
//! after the sleep); Redis's whole-server stall would block a runtime
//! thread, which this server never does.

use super::{check_arity, ConnHost};
use crate::config::settings::Access;
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};
use std::time::Duration;

/// Why this connection may not run DEBUG at all, if it may not: checked
/// before the command runs or is queued (`Host::refuses`), as Redis
/// checks its protected commands.
pub fn refused(host: &ConnHost<'_>) -> Option<CommandError> {
    let allowed = match host.state.settings.enable_debug_command {
        Access::Yes => true,
        Access::Local => host.conn.handle.local,
        Access::No => false,
    };
    (!allowed).then(|| CommandError::text(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
    ))
}

pub fn debug(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    // Inside EXEC too: `enable-debug-command` cannot change meanwhile,
    // but the check costs nothing.
    if let Some(error) = refused(host) {
        return Err(error);
    }
    let unknown = || {
        CommandError::owned(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(ctx.arg(1))
        ))
    };
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        b"sleep" if ctx.argc() == 3 => {
            let seconds: f64 = std::str::from_utf8(ctx.arg(2))
                .ok()
                .and_then(|s| s.parse().ok())
                .filter(|s: &f64| s.is_finite())
                .ok_or(CommandError::NotFloat)?;
            host.conn.sleep = Some(Duration::from_secs_f64(seconds.clamp(0.0, 3600.0)));
            ctx.out.ok();
        }
        b"object" if ctx.argc() == 3 => {
            let now_secs = ctx.db.now_ms / 1000;
            let value = ctx.db.lookup(ctx.arg(2)).ok_or(CommandError::NoSuchKey)?;
            let encoding = kv_engine::commands::keys::encoding(value);
            let serialized = super::memory::value_heap_bytes(value).max(1);
            let text = format!(
                "Value at:0x0 refcount:1 encoding:{encoding} serializedlength:{serialized} lru:{} lru_seconds_idle:0",
                now_secs & ((1 << 24) - 1)
            );
            ctx.out.simple(text.as_bytes());
        }
        b"reload" if ctx.argc() == 2 => super::persistence::debug_reload(host, ctx)?,
        b"set-active-expire" if ctx.argc() == 3 => {
            let on = super::arg_i64(ctx, 2)?;
            host.state.active_expire = on != 0;
            ctx.out.ok();
        }
        b"help" => {
            check_arity(ctx, 2)?;
            super::help(
                ctx,
                &[
                    "RELOAD",
                    "    Save the RDB on disk and reload it back to memory.",
                    "OBJECT <key>",
                    "    Show low level info about `key` and associated value.",
                    "SET-ACTIVE-EXPIRE <0|1>",
                    "    Setting it to 0 disables expiring keys in background when they are not",
                    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                    "    default.",
                    "SLEEP <seconds>",
                    "    Stop the server for <seconds>. Decimals allowed.",
                ],
            )?;
        }
        _ => return Err(unknown()),
    }
    Ok(())
}
