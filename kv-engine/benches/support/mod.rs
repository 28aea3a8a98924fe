//! Shared by the engine benchmarks: an engine with one client driven by
//! argv, and the process's resident memory.

// Each benchmark uses a part of this module.
#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use kv_engine::delta::NoDeltas;
use kv_engine::{ClientState, Engine, EngineConfig, ManualClock, NoHost};
use resp_codec::{Protocol, ReplyWriter};

/// An engine that keeps no deltas (a log of them would swamp the memory
/// figures), and one client.
pub struct Runner {
    pub engine: Engine,
    client: ClientState,
    buf: BytesMut,
}

impl Runner {
    pub fn new() -> Self {
        let clock = ManualClock::new(1_000_000);
        Runner {
            engine: Engine::new(EngineConfig::default(), clock, Box::new(NoDeltas)),
            client: ClientState::new(7),
            buf: BytesMut::with_capacity(1 << 16),
        }
    }

    /// Runs one command; its reply stays in `reply()` until the next.
    pub fn run(&mut self, argv: &[Bytes]) {
        self.buf.clear();
        let mut out = ReplyWriter::new(&mut self.buf, Protocol::Resp2);
        self.engine
            .execute(&mut self.client, argv, &mut out, &mut NoHost);
    }

    pub fn reply(&self) -> &[u8] {
        &self.buf
    }
}

pub fn argv(words: &[&[u8]]) -> Vec<Bytes> {
    words.iter().map(|w| Bytes::copy_from_slice(w)).collect()
}

/// The process's resident set size (Linux `/proc/self/statm`), 0 elsewhere.
pub fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// The sizes to run: everything under `cargo bench`, the smallest once
/// under `cargo test` (which runs benchmarks without `--bench`).
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}
