//! The deterministic simulation's way in (feature `sim`, tests only): a
//! server's core started without sockets, on a given clock, seed and
//! storage (the simulated disk), exactly as `run::start` starts it
//! otherwise: the files loaded, the AOF pipeline started, the timer
//! running. Clients come in through `connection::serve` over in-memory
//! streams; `run::Running { shared, port: None }.serve()` stops it.

use crate::clock::ServerClock;
use crate::config::Config;
use crate::shared::Shared;
use persistence::Storage;
use std::sync::Arc;

/// Loads the data files from `storage`, starts persistence on it and the
/// `hz` timer. Call inside the simulation's runtime.
pub async fn start(
    config: Config,
    clock: Arc<ServerClock>,
    seed: u64,
    storage: Arc<dyn Storage>,
) -> anyhow::Result<Arc<Shared>> {
    let persistence = crate::disk::persistence_config(&config);
    let shared = Shared::with_storage(config, clock, storage, seed);
    crate::disk::startup::load(&shared, &persistence, shared.storage.clone()).await?;
    crate::run::start_aof(&shared, &persistence).await?;
    shared.tracker.spawn(crate::cron::run(shared.clone()));
    Ok(shared)
}
