//! CONFIG GET, SET, RESETSTAT, REWRITE, HELP.
//!
//! SET checks every pair before applying any (all or nothing), then
//! derives the typed settings again, hands the engine its part, and bumps
//! the settings epoch so connections pick up new limits on their next
//! batch. One that switches the AOF on checks the AOF directory first
//! (Redis creates its first incremental file before it answers) on a
//! blocking thread, never under the engine lock: its reply is deferred,
//! and every pair is applied once the check is back, under the lock.

use super::{check_arity, unknown_subcommand, ConnHost};
use crate::config::settings::Access;
use crate::connection::session::DeferredReply;
use crate::core::{Core, HostState};
use crate::shared::Shared;
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult, EngineConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn config(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    match ctx.arg(1).to_ascii_lowercase().as_slice() {
        b"get" => get(host, ctx),
        b"set" => set(host, ctx),
        b"resetstat" => {
            check_arity(ctx, 2)?;
            // The latency monitor's events stay, as in Redis (LATENCY
            // RESET clears them).
            host.state.stats.reset();
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
        if name == "notify-keyspace-events" {
            // `n` stays stored, hidden behind `A` as Redis shows it.
            let shown = crate::config::values::notify_flags_shown(&value);
            ctx.out.bulk(shown.as_bytes());
        } else {
            ctx.out.bulk(value.as_bytes());
        }
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
    let request = SetRequest {
        pairs,
        protected_allowed,
    };
    // EXEC's reply cannot wait for a check: switched on unchecked there, as
    // behind a BGSAVE (a directory that takes no file fails the switch's
    // rewrite, tried again at every tick).
    let probe = if ctx.in_exec() {
        Probe::Skip
    } else {
        Probe::Ask
    };
    let db = &mut ctx.db;
    match request.apply(host.state, host.shared, &mut |c| db.set_config(c), &probe) {
        Ok(()) => {
            ctx.out.ok();
            Ok(())
        }
        Err(SetError::Command(error)) => Err(error),
        Err(SetError::Probe(persistence)) => {
            host.conn.deferred = Some(Box::pin(request.after_probe(host.shared.me(), persistence)));
            Ok(())
        }
    }
}

/// The pairs of one CONFIG SET, applied all or nothing.
struct SetRequest {
    pairs: Vec<(String, String)>,
    protected_allowed: bool,
}

/// What is known about the AOF directory a CONFIG SET appendonly yes
/// switches the AOF on in.
enum Probe {
    /// Nothing: it must be checked first, off the engine lock.
    Ask,
    /// It is not checked (inside EXEC).
    Skip,
    /// Checked (`AofDir::check_enable`) for this directory.
    Found { aof_dir: PathBuf, usable: bool },
}

/// Why a CONFIG SET did not apply.
enum SetError {
    /// Its error reply.
    Command(CommandError),
    /// It switches the AOF on in a directory not checked yet (this config).
    Probe(Box<persistence::PersistenceConfig>),
}

impl From<CommandError> for SetError {
    fn from(error: CommandError) -> SetError {
        SetError::Command(error)
    }
}

/// Checks of a directory before a CONFIG SET gives up waiting for one
/// that holds (each time another client moved `dir` meanwhile) and
/// switches unchecked.
const MAX_PROBES: u32 = 3;

impl SetRequest {
    /// Sets every pair, or none (the config and working directory as they
    /// were) when one is refused or the AOF directory must be checked first.
    fn apply(
        &self,
        state: &mut HostState,
        shared: &Shared,
        set_engine: &mut dyn FnMut(EngineConfig),
        probe: &Probe,
    ) -> Result<(), SetError> {
        let borrowed: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let saved = state.config.clone();
        let changed = state
            .config
            .set_many(&borrowed, self.protected_allowed)
            .map_err(|e| CommandError::owned(e.to_string()))?;
        if let Err(error) = apply(state, shared, set_engine, &changed, probe) {
            state.config.restore(&saved);
            // `apply` may have changed the working directory before it
            // failed: back to the restored `dir`, as Redis applies the old
            // values again.
            let dir = state.config.value("dir");
            if std::env::current_dir().is_ok_and(|now| now != Path::new(dir)) {
                let _ = std::env::set_current_dir(dir);
            }
            return Err(error);
        }
        Ok(())
    }

    /// The reply of a CONFIG SET that switches the AOF on: the directory
    /// checked on a blocking thread, then every pair applied under the
    /// engine lock as if the command ran now, the switch made there too.
    async fn after_probe(
        self,
        shared: Arc<Shared>,
        mut persistence: Box<persistence::PersistenceConfig>,
    ) -> DeferredReply {
        let mut probes = 0;
        loop {
            probes += 1;
            let probe = match shared.durability.dir() {
                Some(dir) if probes <= MAX_PROBES => Probe::Found {
                    aof_dir: persistence.aof_dir(),
                    usable: dir.check_enable(&persistence).await,
                },
                _ => Probe::Skip,
            };
            let mut core = shared.core.lock();
            let Core { engine, host } = &mut *core;
            match self.apply(host, &shared, &mut |c| engine.set_config(c), &probe) {
                Ok(()) => {
                    crate::durability::apply_switch(&mut core, &shared);
                    return DeferredReply::Ok;
                }
                Err(SetError::Command(error)) => return DeferredReply::Error(error.to_string()),
                // Another client moved `dir` while it was checked.
                Err(SetError::Probe(moved)) => persistence = moved,
            }
        }
    }
}

/// Makes the changed directives take effect.
fn apply(
    state: &mut HostState,
    shared: &Shared,
    set_engine: &mut dyn FnMut(EngineConfig),
    changed: &[usize],
    probe: &Probe,
) -> Result<(), SetError> {
    let names: Vec<&str> = changed
        .iter()
        .map(|i| crate::config::Config::name_of(*i))
        .collect();
    if names.contains(&"maxclients") {
        // More clients need more descriptors: refused if the OS cannot
        // give them, as Redis refuses it (first: nothing applied yet).
        let wanted = state.config.value("maxclients").parse::<u64>().unwrap_or(0);
        let allowed = if wanted > state.settings.maxclients {
            crate::fd_limit::fit(wanted)
        } else {
            wanted
        };
        if allowed < wanted {
            return Err(CommandError::owned(format!(
                "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with {allowed}"
            ))
            .into());
        }
    }
    if names.contains(&"dir") {
        let dir = state.config.value("dir").to_owned();
        std::env::set_current_dir(&dir).map_err(|e| {
            CommandError::owned(format!(
                "ERR CONFIG SET failed (possibly related to argument 'dir') - {e}"
            ))
        })?;
        let absolute = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or(dir);
        state.config.set_dir(absolute);
    }
    let persistence = crate::disk::persistence_config(&state.config);
    // While a BGSAVE runs, Redis only schedules the first rewrite and
    // checks nothing yet. A directory that cannot take it fails later, as
    // in Redis: writes go on, the rewrite is marked failed and tried again
    // at every tick.
    let switching_on = names.contains(&"appendonly")
        && persistence.appendonly
        && shared.durability.aof().is_none()
        && state.disk.bgsave.is_none()
        && shared.durability.dir().is_some();
    if switching_on {
        match probe {
            Probe::Skip => {}
            Probe::Found { aof_dir, usable } if *aof_dir == persistence.aof_dir() => {
                if !usable {
                    tracing::warn!("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
                    return Err(CommandError::text(
                        "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.",
                    )
                    .into());
                }
            }
            Probe::Ask | Probe::Found { .. } => return Err(SetError::Probe(Box::new(persistence))),
        }
    }
    let settings = state.config.settings(shared.seed);
    let port_changed = names.contains(&"port") && settings.port != state.settings.port;
    if port_changed || (names.contains(&"bind") && settings.bind != state.settings.bind) {
        // Bound under the lock, as Redis binds in its main thread: a bind
        // is one quick syscall, no wait.
        crate::listener::rebind(shared, &settings, port_changed).map_err(|text| {
            let name = if port_changed { "port" } else { "bind" };
            CommandError::owned(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - {text}"
            ))
        })?;
    }
    // Last, once nothing can fail any more.
    if names.contains(&"dir") {
        if let Some(aof) = shared.durability.aof() {
            aof.set_dir(&persistence);
        }
    }
    if names.contains(&"appendfsync") {
        shared.durability.set_fsync(persistence.appendfsync);
    }
    if names.contains(&"appendonly") {
        if persistence.appendonly != shared.durability.aof().is_some() {
            // The engine's sink changes right after this command (after
            // EXEC, in a transaction), under the same lock
            // (`durability::apply_switch`).
            state.aof_switch = Some(persistence.appendonly);
        } else if state.aof_switch.take().is_some() {
            // Switched and back in one EXEC. Redis stopped the AOF and
            // started it again, which writes a new base: the open AOF
            // stays here, and a rewrite gives it its new base (one a
            // BGREWRITEAOF in between asked for, as the AOF-off kind, too).
            state.aof_rewrite_after_off = false;
            if let Some(aof) = shared.durability.aof() {
                if let Err(error) = aof.schedule_rewrite() {
                    tracing::warn!("the AOF switched off and on again: {error}");
                }
            }
        }
    }
    state.disk.configure(&state.config);
    set_engine(settings.engine.clone());
    if names.contains(&"loglevel") {
        crate::logging::set_level(settings.loglevel);
    }
    state.slowlog.truncate(settings.slowlog_max_len);
    state.stats.latency_tracking = settings.latency_tracking;
    state.settings = settings;
    state.settings_epoch += 1;
    Ok(())
}
