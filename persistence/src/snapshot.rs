//! A point-in-time view of the keyspace, for AOF rewrites and for the fresh
//! base that recovers from a disk error.
//!
//! `capture` copies every entry while the caller holds the engine lock, in
//! one step: simple and exact, but a stall proportional to the dataset
//! (known; about a second per few million small keys) and a full copy in
//! memory. The fork-less slice-by-slice snapshot planned in kv-engine will
//! replace it behind `SnapshotSource` without the AOF actor changing.

use bytes::Bytes;
use kv_engine::value::Value;
use kv_engine::Engine;

/// One key as the snapshot saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotEntry {
    pub key: Bytes,
    pub value: Value,
    pub expire_at_ms: Option<i64>,
}

/// Every database's entries at one LSN.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Every delta with an LSN up to this one is reflected; none after.
    pub lsn: u64,
    /// Entries by database index (one Vec per database, maybe empty).
    pub dbs: Vec<Vec<SnapshotEntry>>,
}

impl Snapshot {
    pub fn keys(&self) -> usize {
        self.dbs.iter().map(Vec::len).sum()
    }
}

/// Where the AOF actor gets a snapshot from: the server implements it by
/// taking its engine lock and calling [`capture`]. Called on a blocking
/// thread, never on a runtime worker.
pub trait SnapshotSource: Send + Sync + 'static {
    fn snapshot(&self) -> Snapshot;
}

impl<F> SnapshotSource for F
where
    F: Fn() -> Snapshot + Send + Sync + 'static,
{
    fn snapshot(&self) -> Snapshot {
        self()
    }
}

/// Copies the engine's whole keyspace; call with the engine lock held.
pub fn capture(engine: &Engine) -> Snapshot {
    let dbs = (0..engine.databases())
        .map(|db| {
            engine
                .db(db)
                .iter()
                .map(|(key, value, expire_at_ms)| SnapshotEntry {
                    key: Bytes::copy_from_slice(key),
                    value: value.clone(),
                    expire_at_ms,
                })
                .collect()
        })
        .collect();
    Snapshot {
        lsn: engine.next_lsn() - 1,
        dbs,
    }
}
