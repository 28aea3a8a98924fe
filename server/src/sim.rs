//! The deterministic simulation's way in (feature `sim`, tests only): a
//! server's core started without sockets, on a given clock, seed and
//! storage (the simulated disk), exactly as `run::start` starts it
//! otherwise: the files loaded, the AOF pipeline started, the timer
//! running. Clients come in through `connection::serve` over in-memory
//! streams; `run::Running { shared, port: None }.serve()` stops it.

use crate::clock::ServerClock;
use crate::config::Config;
use crate::shared::Shared;
use persistence::{DurabilityOptions, Storage};
use std::sync::Arc;

/// Loads the data files from `storage`, starts persistence on it and the
/// `hz` timer. Call inside the simulation's runtime.
pub async fn start(
    config: Config,
    clock: Arc<ServerClock>,
    seed: u64,
    storage: Arc<dyn Storage>,
) -> anyhow::Result<Arc<Shared>> {
    start_with(config, clock, seed, storage, DurabilityOptions::default()).await
}

/// `start` with the AOF pipeline's sizes given (a small delta queue makes
/// clients wait for credit, and park between taking it and the lock).
pub async fn start_with(
    config: Config,
    clock: Arc<ServerClock>,
    seed: u64,
    storage: Arc<dyn Storage>,
    options: DurabilityOptions,
) -> anyhow::Result<Arc<Shared>> {
    let persistence = crate::disk::persistence_config(&config);
    let shared = Shared::with_storage(config, clock, storage, seed);
    crate::disk::startup::load(&shared, &persistence, shared.storage.clone()).await?;
    crate::run::start_aof(&shared, &persistence, options).await?;
    shared.tracker.spawn(crate::cron::run(shared.clone()));
    Ok(shared)
}

/// The deliberate bug compiled in, if any: `--cfg dst_mutation="NAME"`
/// plants it (ARCHITECTURE.md, "Deterministic simulation"), for the
/// simulation to show it finds it.
/// - `ack_before_fsync`: under `appendfsync always` a batch's replies are
///   written before its deltas are durable.
/// - `lock_across_await`: the durability wait takes a one-at-a-time gate
///   by hand and gives it back after the await; a connection dropped at
///   that await keeps it forever.
/// - `waiter_leak`: a blocked client whose connection is dropped stays
///   registered as a waiter.
pub const MUTATION: Option<&str> = if cfg!(dst_mutation = "ack_before_fsync") {
    Some("ack_before_fsync")
} else if cfg!(dst_mutation = "lock_across_await") {
    Some("lock_across_await")
} else if cfg!(dst_mutation = "waiter_leak") {
    Some("waiter_leak")
} else {
    None
};
