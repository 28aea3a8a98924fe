//! The delta tap: wraps the server engine's sink (persistence's, or none)
//! and keeps a copy of every delta with the wall-clock reading it was made
//! at, in LSN order. It is how the harness learns which units ran, in
//! which order, without trusting replies. Installed under the engine
//! lock before any client connects; it passes every delta on unchanged,
//! in the form the sink behind it takes (persistence's takes them
//! encoded: the tap keeps them decoded, so the harness also checks that
//! the encoding reads back as the ops).

use kv_engine::{Delta, DeltaForm, DeltaSink, EncodedDelta};
use parking_lot::Mutex;
use server::clock::ServerClock;
use std::sync::Arc;

/// A delta as the engine emitted it, and when.
pub struct Tapped {
    pub at_ms: i64,
    /// Its place among the process's events (`Events`).
    pub seq: u64,
    pub delta: Delta,
}

/// A process-wide event counter: deltas and task ends take numbers from
/// it, so the harness can tell which came first.
#[derive(Clone, Default)]
pub struct Events(Arc<std::sync::atomic::AtomicU64>);

impl Events {
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

/// What the tap saw and the harness has not taken yet.
#[derive(Clone, Default)]
pub struct TapLog(Arc<Mutex<Vec<Tapped>>>);

impl TapLog {
    pub fn take(&self) -> Vec<Tapped> {
        std::mem::take(&mut *self.0.lock())
    }
}

struct Tap {
    inner: Box<dyn DeltaSink>,
    clock: Arc<ServerClock>,
    events: Events,
    log: TapLog,
}

impl Tap {
    fn keep(&self, delta: Delta) {
        self.log.0.lock().push(Tapped {
            at_ms: self.clock.now_us() / 1000,
            seq: self.events.next(),
            delta,
        });
    }
}

impl DeltaSink for Tap {
    fn emit(&mut self, delta: Delta) {
        self.keep(delta.clone());
        self.inner.emit(delta);
    }

    /// Ops either way: encoded when the sink behind takes them so.
    fn form(&self) -> DeltaForm {
        match self.inner.form() {
            DeltaForm::Encoded => DeltaForm::Encoded,
            DeltaForm::Ops | DeltaForm::Lsn | DeltaForm::Nothing => DeltaForm::Ops,
        }
    }

    fn emit_encoded(&mut self, delta: EncodedDelta<'_>) {
        self.keep(delta.to_delta());
        self.inner.emit_encoded(delta);
    }
}

/// Puts a tap in front of the engine's current sink, and of every sink a
/// CONFIG SET appendonly installs later.
pub fn install(
    engine: &mut kv_engine::Engine,
    durability: &server::durability::Durability,
    clock: Arc<ServerClock>,
    events: Events,
) -> TapLog {
    let log = TapLog::default();
    let tap = {
        let log = log.clone();
        move |inner: Box<dyn DeltaSink>| -> Box<dyn DeltaSink> {
            Box::new(Tap {
                inner,
                clock: clock.clone(),
                events: events.clone(),
                log: log.clone(),
            })
        }
    };
    let inner = engine.set_delta_sink(Box::new(kv_engine::delta::NoDeltas));
    engine.set_delta_sink(tap(inner));
    durability.set_sink_wrap(Box::new(tap));
    log
}
