//! CONFIG GET, SET, RESETSTAT, REWRITE, HELP.
//!
//! SET checks every pair before applying any (all or nothing), then
//! derives the typed settings again, hands the engine its part, and bumps
//! the settings epoch so connections pick up new limits on their next
//! batch.

use super::{check_arity, unknown_subcommand, ConnHost};
use crate::config::settings::Access;
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};
use std::path::Path;

pub fn config(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        b"get" => get(host, ctx),
        b"set" => set(host, ctx),
        b"resetstat" => {
            check_arity(ctx, 2)?;
            host.state.stats.reset();
            host.state.latency.reset(&[]);
            ctx.db.reset_stats();
            ctx.out.ok();
            Ok(())
        }
        b"rewrite" => {
            check_arity(ctx, 2)?;
            match crate::config::rewrite::rewrite(&host.state.config) {
                Ok(()) => {
                    tracing::info!("CONFIG REWRITE executed with success.");
                    ctx.out.ok();
                    Ok(())
                }
                Err(error) => {
                    tracing::warn!("CONFIG REWRITE failed: {error}");
                    Err(CommandError::owned(error.to_string()))
                }
            }
        }
        b"help" => {
            check_arity(ctx, 2)?;
            super::help(
                ctx,
                &[
                    "GET <pattern>",
                    "    Return parameters matching the glob-like <pattern> and their values.",
                    "SET <directive> <value>",
                    "    Set the configuration <directive> to <value>.",
                    "RESETSTAT",
                    "    Reset statistics reported by the INFO command.",
                    "REWRITE",
                    "    Rewrite the configuration file.",
                ],
            )
        }
        _ => Err(unknown_subcommand(ctx)),
    }
}

/// CONFIG GET pattern [pattern ...]
fn get(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    check_arity(ctx, -3)?;
    let patterns: Vec<&[u8]> = (2..ctx.argc()).map(|i| ctx.arg(i)).collect();
    let found = host.state.config.matching(&patterns);
    ctx.out.map(found.len());
    for (name, value) in found {
        ctx.out.bulk(name.as_bytes());
        ctx.out.bulk(value.as_bytes());
    }
    Ok(())
}

/// CONFIG SET directive value [directive value ...]
fn set(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    check_arity(ctx, -4)?;
    if !ctx.argc().is_multiple_of(2) {
        return Err(CommandError::Syntax);
    }
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(ctx.argc() / 2 - 1);
    for i in (2..ctx.argc()).step_by(2) {
        pairs.push((
            String::from_utf8_lossy(ctx.arg(i)).into_owned(),
            String::from_utf8_lossy(ctx.arg(i + 1)).into_owned(),
        ));
    }
    let local = host.conn.handle.local;
    let protected_allowed = match host.state.settings.enable_protected_configs {
        Access::Yes => true,
        Access::Local => local,
        Access::No => false,
    };
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let saved = host.state.config.clone();
    let changed = host
        .state
        .config
        .set_many(&borrowed, protected_allowed)
        .map_err(|e| CommandError::owned(e.to_string()))?;
    if let Err(error) = apply(host, ctx, &changed) {
        host.state.config.restore(&saved);
        // `apply` may have changed the working directory before it failed:
        // back to the restored `dir`, as Redis applies the old values again.
        let dir = host.state.config.value("dir");
        if std::env::current_dir().is_ok_and(|now| now != Path::new(dir)) {
            let _ = std::env::set_current_dir(dir);
        }
        return Err(error);
    }
    ctx.out.ok();
    Ok(())
}

/// Makes the changed directives take effect.
fn apply(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>, changed: &[usize]) -> CommandResult {
    let names: Vec<&str> = changed
        .iter()
        .map(|i| crate::config::Config::name_of(*i))
        .collect();
    if names.contains(&"dir") {
        let dir = host.state.config.value("dir").to_owned();
        std::env::set_current_dir(&dir).map_err(|e| {
            CommandError::owned(format!(
                "ERR CONFIG SET failed (possibly related to argument 'dir') - {e}"
            ))
        })?;
        let absolute = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or(dir);
        host.state.config.set_dir(absolute);
    }
    let persistence = crate::disk::persistence_config(&host.state.config);
    // While a BGSAVE runs, Redis only schedules the first rewrite and
    // checks nothing yet. A directory that cannot take it fails later, as
    // in Redis: writes go on, the rewrite is marked failed and tried again
    // at every tick.
    let switching_on = names.contains(&"appendonly")
        && persistence.appendonly
        && host.shared.durability.aof().is_none()
        && host.state.disk.bgsave.is_none();
    if switching_on
        && host
            .shared
            .durability
            .dir()
            .is_some_and(|dir| !dir.can_enable(&persistence))
    {
        tracing::warn!("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
        return Err(CommandError::text(
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.",
        ));
    }
    let settings = host.state.config.settings(host.shared.seed);
    let port_changed = names.contains(&"port") && settings.port != host.state.settings.port;
    if port_changed || (names.contains(&"bind") && settings.bind != host.state.settings.bind) {
        // Bound under the lock, as Redis binds in its main thread: a bind
        // is one quick syscall, no wait.
        crate::listener::rebind(host.shared, &settings, port_changed).map_err(|text| {
            let name = if port_changed { "port" } else { "bind" };
            CommandError::owned(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - {text}"
            ))
        })?;
    }
    // Last, once nothing can fail any more.
    if names.contains(&"dir") {
        if let Some(aof) = host.shared.durability.aof() {
            aof.set_dir(&persistence);
        }
    }
    if names.contains(&"appendfsync") {
        host.shared.durability.set_fsync(persistence.appendfsync);
    }
    if names.contains(&"appendonly")
        && persistence.appendonly != host.shared.durability.aof().is_some()
    {
        // The engine's sink changes right after this command, under the
        // same lock (`durability::apply_switch`).
        host.state.aof_switch = Some(persistence.appendonly);
    }
    host.state.disk.configure(&host.state.config);
    ctx.db.set_config(settings.engine.clone());
    if names.contains(&"loglevel") {
        crate::logging::set_level(settings.loglevel);
    }
    host.state.slowlog.truncate(settings.slowlog_max_len);
    host.state.settings = settings;
    host.state.settings_epoch += 1;
    Ok(())
}
