//! Loading the data files at startup, before any client is accepted, by
//! Redis 7.0's rules (`persistence::recover`): `appendonly yes` loads the
//! multi-part AOF (and never dump.rdb), else dump.rdb if it exists. The
//! load runs on a blocking thread with the engine moved out of the lock;
//! the log lines are Redis's. A corrupt file stops startup with an error
//! naming the file and the offset.

use crate::shared::Shared;
use kv_engine::Engine;
use persistence::{PersistenceConfig, RecoveryError, RecoveryReport, RecoverySource, Storage};
use std::sync::Arc;
use std::time::Instant;

/// Loads what `config` says into the server's engine.
pub async fn load(
    shared: &Arc<Shared>,
    config: &PersistenceConfig,
    storage: Arc<dyn Storage>,
) -> anyhow::Result<RecoveryReport> {
    let mut engine = {
        let mut core = shared.core.lock();
        let empty = Engine::new(
            core.engine.config().clone(),
            shared.clock.clone(),
            Box::new(kv_engine::delta::NoDeltas),
        );
        std::mem::replace(&mut core.engine, empty)
    };
    let config = config.clone();
    let began = Instant::now();
    let (engine, result) = tokio::task::spawn_blocking(move || {
        let result = persistence::recover(&config, &*storage, &mut engine);
        (engine, result)
    })
    .await
    .map_err(|e| anyhow::anyhow!("the loading thread failed: {e}"))?;
    let seconds = began.elapsed().as_secs_f64();
    shared.core.lock().engine = engine;
    let report = result.map_err(fatal)?;
    if report.rdb_functions_skipped > 0 {
        // Not loaded, and no save of ours will write them: say so
        // rather than lose the user's libraries in silence.
        tracing::warn!(
            "The data files hold {} function librar{} (FUNCTION LOAD), which this server does not support: they were not loaded, and the next save or AOF rewrite will not keep them",
            report.rdb_functions_skipped,
            if report.rdb_functions_skipped == 1 { "y" } else { "ies" }
        );
    }
    match report.source {
        RecoverySource::Empty => {}
        RecoverySource::Rdb => {
            tracing::info!(
                "Done loading RDB, keys loaded: {}, keys expired: {}.",
                report.rdb_keys_loaded,
                report.rdb_keys_expired
            );
            tracing::info!("DB loaded from disk: {seconds:.3} seconds");
        }
        RecoverySource::Aof => {
            for file in &report.files {
                if let Some(len) = file.truncated_to {
                    tracing::warn!(
                        "AOF {} was truncated to {len} bytes (an incomplete last command)",
                        file.name
                    );
                }
            }
            tracing::info!("DB loaded from append only file: {seconds:.3} seconds");
        }
    }
    {
        let mut core = shared.core.lock();
        core.host.disk.load_keys_loaded = report.rdb_keys_loaded;
        core.host.disk.load_keys_expired = report.rdb_keys_expired;
    }
    Ok(report)
}

/// The startup error: logged as Redis logs it, then it stops the server.
fn fatal(error: RecoveryError) -> anyhow::Error {
    tracing::warn!("{error}");
    tracing::warn!("Fatal error loading the DB, check server logs. Exiting.");
    anyhow::anyhow!("Fatal error loading the DB: {error}")
}
