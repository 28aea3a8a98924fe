//! `Session`: an engine and one client, driven by argv and returning the
//! raw reply bytes. For tests, examples, benchmarks and the differential
//! harness; it is what a connection does, minus the socket. Also
//! `Content`, a value by what it holds (for tests that compare keyspaces
//! built different ways).

use crate::client::ClientState;
use crate::clock::ManualClock;
use crate::config::EngineConfig;
use crate::delta::{Delta, DeltaSink};
use crate::engine::{Engine, NoHost, Outcome};
use crate::value::Value;
use bytes::{Bytes, BytesMut};
use resp_codec::{Protocol, ReplyWriter};
use std::sync::{Arc, Mutex};

/// A delta sink that shares what it receives with the test that made it.
#[derive(Clone, Debug, Default)]
pub struct SharedDeltas(pub Arc<Mutex<Vec<Delta>>>);

impl SharedDeltas {
    pub fn take(&self) -> Vec<Delta> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl DeltaSink for SharedDeltas {
    fn emit(&mut self, delta: Delta) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(delta);
    }
}

pub struct Session {
    pub engine: Engine,
    pub client: ClientState,
    pub clock: Arc<ManualClock>,
    pub deltas: SharedDeltas,
}

impl Session {
    /// An engine with default config, clock at 1_000_000 ms, one client.
    pub fn new() -> Self {
        Self::with_config(EngineConfig::default())
    }

    pub fn with_config(config: EngineConfig) -> Self {
        let clock = ManualClock::new(1_000_000);
        let deltas = SharedDeltas::default();
        let engine = Engine::new(config, clock.clone(), Box::new(deltas.clone()));
        Session {
            engine,
            client: ClientState::new(1),
            clock,
            deltas,
        }
    }

    /// Runs one command; returns its reply bytes in the client's protocol.
    pub fn run(&mut self, argv: &[&[u8]]) -> Vec<u8> {
        self.run_outcome(argv).0
    }

    /// Runs one command given as space-separated words (no quoting).
    pub fn cmd(&mut self, line: &str) -> String {
        let argv: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        String::from_utf8_lossy(&self.run(&argv)).into_owned()
    }

    pub fn run_outcome(&mut self, argv: &[&[u8]]) -> (Vec<u8>, Outcome) {
        let argv: Vec<Bytes> = argv.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        let mut buf = BytesMut::new();
        let protocol: Protocol = self.client.protocol;
        let mut out = ReplyWriter::new(&mut buf, protocol);
        let outcome = self
            .engine
            .execute(&mut self.client, &argv, &mut out, &mut NoHost);
        (buf.to_vec(), outcome)
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

/// A value by content, whatever its encoding or internal order: what two
/// keyspaces built different ways (replayed, loaded, rebuilt) must agree on.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    Set(Vec<Vec<u8>>),
    ZSet(Vec<(Vec<u8>, f64)>),
}

/// What `value` holds (hash fields and set members sorted).
pub fn content(value: &Value) -> Content {
    match value {
        Value::Str(s) => Content::Str(s.to_vec()),
        Value::List(l) => Content::List(l.iter().map(<[u8]>::to_vec).collect()),
        Value::Hash(h) => {
            let mut pairs: Vec<_> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            pairs.sort();
            Content::Hash(pairs)
        }
        Value::Set(s) => {
            let mut members: Vec<_> = s.iter().map(|m| m.to_vec()).collect();
            members.sort();
            Content::Set(members)
        }
        Value::ZSet(z) => Content::ZSet(z.iter().map(|(m, s)| (m.to_vec(), s)).collect()),
    }
}
