//! `Waiters`: clients blocked on keys (BLPOP & co., issue 6), woken in
//! FIFO order by the keys the engine reports ready.
//!
//! Nothing blocks yet, so waking finds nobody; what matters today is that
//! the engine's ready-keys and swapped-dbs lists are drained after every
//! batch (they would otherwise grow with every push). Issue 6 puts the
//! registry here: `wake` then serves waiters from the ready keys.

use bytes::Bytes;
use kv_engine::Engine;

#[derive(Debug, Default)]
pub struct Waiters {
    /// Ready keys seen (for tests of the draining).
    pub n_ready_seen: u64,
}

impl Waiters {
    /// Called with the engine lock held, after each batch and each expiry
    /// cycle.
    pub fn wake(&mut self, engine: &mut Engine) {
        let ready: Vec<(usize, Bytes)> = engine.take_ready_keys();
        let _swapped = engine.take_swapped_dbs();
        self.n_ready_seen += ready.len() as u64;
    }
}
