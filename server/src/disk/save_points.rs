//! `save <seconds> <changes>`: on the timer, a background save starts
//! when some point's changes happened and its seconds passed since the
//! last save, as Redis's serverCron does; after a failed save, not again
//! before `RETRY_AFTER_FAILURE`. A BGSAVE SCHEDULE starts here too, once
//! no other snapshot runs.

use super::rdb_save::{self, Trigger};
use crate::core::Core;
use crate::shared::Shared;

/// Redis's CONFIG_BGSAVE_RETRY_DELAY.
const RETRY_AFTER_FAILURE_SECS: i64 = 5;

/// Starts a save if one is due (call under the engine lock).
pub fn check(core: &mut Core, shared: &Shared) {
    let disk = &core.host.disk;
    if disk.bgsave.is_some() || core.engine.snapshot_in_progress() {
        return;
    }
    if disk.bgsave_scheduled {
        if rdb_save::start_in_core(core, shared, Trigger::Background).is_ok() {
            core.host.disk.bgsave_scheduled = false;
        }
        return;
    }
    let now = shared.clock.now_secs();
    let dirty = core.engine.dirty();
    let since_save = now - disk.last_save_unix;
    let may_retry = disk.last_bgsave_ok || now - disk.last_try_unix > RETRY_AFTER_FAILURE_SECS;
    let due = disk
        .save_points
        .iter()
        .find(|p| dirty >= p.changes && since_save > p.seconds as i64);
    if let (Some(point), true) = (due, may_retry) {
        tracing::info!(
            "{} changes in {} seconds. Saving...",
            point.changes,
            point.seconds
        );
        let _ = rdb_save::start_in_core(core, shared, Trigger::Background);
    }
}
