//! Starting and stopping a server: bind, load the data files, start the
//! AOF pipeline, spawn the accept loops and the timer under one
//! `TaskTracker`, wait for SHUTDOWN or a signal, then stop cooperatively:
//! stop accepting, let each connection finish the batch it is running and
//! write its replies, close the clients, wait for every task (bounded by
//! `shutdown-timeout`), save dump.rdb if asked or configured, drain and
//! fsync the AOF, remove the pid file and the unix socket. No task is
//! aborted.

use crate::clock::ServerClock;
use crate::config::Config;
use crate::core::ShutdownRequest;
use crate::disk::rdb_save::{self, Trigger};
use crate::listener;
use crate::shared::{random_seed, Shared};
use std::sync::Arc;
use std::time::Duration;

/// A started server.
pub struct Running {
    pub shared: Arc<Shared>,
    /// The TCP port bound, if any (useful with `--port 0` in tests).
    pub port: Option<u16>,
}

/// Options that tests and the simulator change.
pub struct Options {
    pub clock: Arc<ServerClock>,
    pub seed: u64,
    /// Install SIGTERM/SIGINT handlers.
    pub signals: bool,
    /// Keep polling this long after each batch before sleeping
    /// (`connection::spin`); None: sleep at once (the binary's
    /// multi-threaded runtime, or `REDIS_RUST_SPIN_US=0`).
    pub spin: Option<std::time::Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Arc::new(ServerClock::system()),
            seed: random_seed(),
            signals: true,
            spin: Some(crate::connection::spin::WINDOW),
        }
    }
}

/// Binds, loads the data files, starts persistence and serves; returns
/// once the server accepts clients. A corrupt data file is an error.
pub async fn start(mut config: Config, options: Options) -> anyhow::Result<Running> {
    let dir = config.value("dir").to_owned();
    if !dir.is_empty() {
        std::env::set_current_dir(&dir)
            .map_err(|e| anyhow::anyhow!("Can't chdir to '{dir}': {e}"))?;
    }
    if let Ok(cwd) = std::env::current_dir() {
        config.set_dir(cwd.display().to_string());
    }
    for (name, value, effect) in config.ineffective() {
        tracing::warn!("WARNING: '{name} {value}' has no effect in redis-rust ({effect:?})");
    }
    fit_maxclients(&mut config);
    let settings = config.settings(options.seed);
    let listeners = listener::bind(&settings)?;
    if let Some(pidfile) = &settings.pidfile {
        if let Err(e) = std::fs::write(pidfile, format!("{}\n", std::process::id())) {
            tracing::warn!("Failed to write PID file: {e}");
        }
    }
    let persistence = crate::disk::persistence_config(&config);
    let shared = Shared::new(config, options.clock, options.seed);
    tracing::info!("Server initialized");
    crate::disk::startup::load(&shared, &persistence, shared.storage.clone()).await?;
    start_aof(
        &shared,
        &persistence,
        persistence::DurabilityOptions::default(),
    )
    .await?;
    let port = listeners.tcp_port();
    listener::serve_tcp(&shared, listeners.tcp);
    let accept_stop = shared.shutdown.child_token();
    if let Some((unix, path)) = listeners.unix {
        shared.tracker.spawn(listener::accept_unix(
            unix,
            path,
            shared.clone(),
            accept_stop.clone(),
        ));
        tracing::info!(
            "The server is now ready to accept connections at {}",
            settings
                .unixsocket
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    shared.tracker.spawn(crate::cron::run(shared.clone()));
    if let Some(window) = options.spin {
        let spinner = shared.clone();
        shared.tracker.spawn(async move {
            let shutdown = spinner.shutdown.clone();
            spinner.spin.run(window, shutdown).await;
        });
    }
    if options.signals {
        shared.tracker.spawn(watch_signals(shared.clone()));
    }
    crate::memory::mark_startup();
    if port.is_some() {
        tracing::info!("Ready to accept connections tcp");
    }
    Ok(Running { shared, port })
}

impl Running {
    /// Waits for SHUTDOWN or a signal, then stops. Err when the final
    /// save or the AOF's last fsync failed.
    pub async fn serve(self) -> anyhow::Result<()> {
        self.shared.shutdown.cancelled().await;
        self.stop().await
    }

    /// Stops now, as SHUTDOWN NOSAVE would.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.shared.request_shutdown(ShutdownRequest {
            save: Some(false),
            ..ShutdownRequest::default()
        });
        self.stop().await
    }

    async fn stop(self) -> anyhow::Result<()> {
        let shared = self.shared;
        let request = shared.shutdown_request.lock().unwrap_or_default();
        let timeout = shared
            .core
            .lock()
            .host
            .settings
            .shutdown_timeout
            .max(Duration::from_secs(1));
        shared.tracker.close();
        if tokio::time::timeout(timeout, shared.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("Some tasks did not stop within {timeout:?}; exiting anyway.");
        }
        let mut result = Ok(());
        let has_save_points = !shared.core.lock().host.disk.save_points.is_empty();
        if request.save.unwrap_or(has_save_points) {
            tracing::info!("Saving the final RDB snapshot before exiting.");
            if let Err(error) = final_save(&shared).await {
                tracing::warn!("Error trying to save the DB: {error}");
                result = Err(anyhow::anyhow!("Error trying to save the DB: {error}"));
            }
        }
        if shared.durability.aof().is_some() {
            tracing::info!("Calling fsync() on the AOF file.");
        }
        if let Err(error) = shared.durability.shutdown().await {
            tracing::warn!("Error stopping the AOF: {error}");
            result = Err(anyhow::anyhow!("Error stopping the AOF: {error}"));
        }
        let settings = shared.core.lock().host.settings.clone();
        if let Some(pidfile) = &settings.pidfile {
            tracing::info!("Removing the pid file.");
            let _ = std::fs::remove_file(pidfile);
        }
        if let Some(path) = &settings.unixsocket {
            tracing::info!("Removing the unix socket file.");
            let _ = std::fs::remove_file(path);
        }
        tracing::warn!("Redis is now ready to exit, bye bye...");
        result
    }
}

/// Starts the AOF pipeline when `appendonly yes` (after loading: what was
/// loaded is durable already) and gives the engine its sink; either way
/// the AOF directory is set up for CONFIG SET appendonly and BGREWRITEAOF.
pub(crate) async fn start_aof(
    shared: &Arc<Shared>,
    config: &persistence::PersistenceConfig,
    options: persistence::DurabilityOptions,
) -> anyhow::Result<()> {
    let dir = persistence::AofDir::new(
        shared.storage.clone(),
        Arc::new(EngineLock(Arc::downgrade(shared))),
        options,
    );
    let aof = if config.appendonly {
        let durable_lsn = shared.core.lock().engine.next_lsn() - 1;
        let aof = dir
            .start(config, durable_lsn)
            .await
            .map_err(|e| anyhow::anyhow!("Can't open the append-only file: {e}"))?;
        shared.core.lock().engine.set_delta_sink(aof.delta_sink());
        Some(aof)
    } else {
        None
    };
    shared.durability.install(dir, aof);
    Ok(())
}

/// How the AOF actor reaches the engine for its sliced snapshots: the
/// server's lock, briefly. Weak, so the actor does not keep the server
/// alive (it is stopped before the server is dropped).
struct EngineLock(std::sync::Weak<Shared>);

impl persistence::EngineAccess for EngineLock {
    fn with_engine(&self, f: &mut dyn FnMut(&mut kv_engine::Engine)) {
        if let Some(shared) = self.0.upgrade() {
            f(&mut shared.core.lock().engine);
        }
    }
}

/// The save at shutdown: no command runs any more, so the snapshot is the
/// final state.
async fn final_save(shared: &Shared) -> Result<(), String> {
    let job = {
        let mut core = shared.core.lock();
        if core.host.disk.bgsave.is_some() || core.engine.snapshot_in_progress() {
            tracing::warn!("There is a save in progress: abandoning it for the final one.");
            core.engine.cancel_snapshot();
        }
        core.host.disk.bgsave = None;
        rdb_save::start_in_core(&mut core, shared, Trigger::Foreground)
            .map_err(|e| e.to_string())?
    };
    job.done
        .await
        .unwrap_or_else(|_| Err("the save task stopped".to_string()))?;
    Ok(())
}

/// SIGTERM and SIGINT start a shutdown, as `shutdown-on-sig*` says.
async fn watch_signals(shared: Arc<Shared>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("Could not install signal handlers");
        return;
    };
    let name = tokio::select! {
        _ = shared.shutdown.cancelled() => return,
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    tracing::warn!("Received {name} scheduling shutdown...");
    shared.request_shutdown(ShutdownRequest::default());
}

/// Raises the open-files limit for `maxclients`, or lowers `maxclients`
/// to what the limit allows, with Redis's warnings.
fn fit_maxclients(config: &mut Config) {
    let wanted = config.value("maxclients").parse::<u64>().unwrap_or(10000);
    let allowed = crate::fd_limit::fit(wanted);
    if allowed >= wanted {
        return;
    }
    let needed = wanted + crate::fd_limit::RESERVED_FDS;
    tracing::warn!(
        "You requested maxclients of {wanted} requiring at least {needed} max file descriptors."
    );
    tracing::warn!(
        "Current maximum open files is {}. maxclients has been reduced to {allowed} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
        allowed + crate::fd_limit::RESERVED_FDS
    );
    let allowed = allowed.max(1).to_string();
    if let Err(error) = config.set_many(&[("maxclients", allowed.as_str())], false) {
        tracing::warn!("maxclients could not be reduced: {error}");
    }
}
