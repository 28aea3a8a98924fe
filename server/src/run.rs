//! Starting and stopping a server: bind, spawn the accept loops and the
//! timer under one `TaskTracker`, wait for SHUTDOWN or a signal, then stop
//! cooperatively: stop accepting, let each connection finish the batch it
//! is running and write its replies, close the clients, wait for every
//! task (bounded by `shutdown-timeout`), remove the pid file and the unix
//! socket. No task is aborted.

use crate::clock::ServerClock;
use crate::config::Config;
use crate::core::ShutdownRequest;
use crate::durability::Durability;
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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Arc::new(ServerClock::system()),
            seed: random_seed(),
            signals: true,
        }
    }
}

/// Binds and starts serving; returns once the server accepts clients.
pub fn start(mut config: Config, options: Options) -> anyhow::Result<Running> {
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
    let settings = config.settings(options.seed);
    let listeners = listener::bind(&settings)?;
    if let Some(pidfile) = &settings.pidfile {
        if let Err(e) = std::fs::write(pidfile, format!("{}\n", std::process::id())) {
            tracing::warn!("Failed to write PID file: {e}");
        }
    }
    let shared = Shared::new(config, options.clock, Durability::None, options.seed);
    let port = listeners.tcp_port();
    shared.tcp_port.store(
        u64::from(port.unwrap_or(0)),
        std::sync::atomic::Ordering::Relaxed,
    );
    tracing::info!("Server initialized");
    let accept_stop = shared.shutdown.child_token();
    for tcp in listeners.tcp {
        shared.tracker.spawn(listener::accept_tcp(
            tcp,
            shared.clone(),
            accept_stop.clone(),
        ));
    }
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
    /// Waits for SHUTDOWN or a signal, then stops.
    pub async fn serve(self) {
        self.shared.shutdown.cancelled().await;
        self.stop().await;
    }

    /// Stops now, as SHUTDOWN NOSAVE would.
    pub async fn shutdown(self) {
        self.shared.request_shutdown(ShutdownRequest {
            save: Some(false),
            ..ShutdownRequest::default()
        });
        self.stop().await;
    }

    async fn stop(self) {
        let shared = self.shared;
        let request = shared.shutdown_request.lock().unwrap_or_default();
        let timeout = shared
            .core
            .lock()
            .host
            .settings
            .shutdown_timeout
            .max(Duration::from_secs(1));
        if request.save == Some(true) {
            tracing::warn!("Not saving: no persistence is wired into this server yet.");
        }
        shared.tracker.close();
        if tokio::time::timeout(timeout, shared.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("Some tasks did not stop within {timeout:?}; exiting anyway.");
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
    }
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
