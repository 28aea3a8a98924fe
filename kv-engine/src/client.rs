//! `ClientState`: what the engine remembers about one connection between
//! commands (selected database, protocol, transaction state, watched keys).
//!
//! The server owns it; the engine reads and changes it during a command.

use bytes::Bytes;
use resp_codec::Protocol;

pub type ClientId = u64;

/// A WATCHed key. (Whether it was already expired when watched is kept in
/// the engine's registry of watchers, where changes to the key update it.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchedKey {
    pub db: usize,
    pub key: Bytes,
}

#[derive(Debug)]
pub struct ClientState {
    pub id: ClientId,
    pub db: usize,
    pub protocol: Protocol,
    /// `Some` between MULTI and EXEC/DISCARD: the queued commands.
    pub multi: Option<Vec<Vec<Bytes>>>,
    /// A command queued after MULTI was rejected: EXEC answers EXECABORT.
    pub multi_failed: bool,
    /// The keys this client WATCHes.
    pub watched: Vec<WatchedKey>,
    /// CLIENT NO-TOUCH: this client's commands leave keys' access times
    /// (LRU clocks, LFU counters) alone, except TOUCH. The server sets it.
    pub no_touch: bool,
}

impl ClientState {
    pub fn new(id: ClientId) -> Self {
        ClientState {
            id,
            db: 0,
            protocol: Protocol::Resp2,
            multi: None,
            multi_failed: false,
            watched: Vec::new(),
            no_touch: false,
        }
    }

    pub fn in_multi(&self) -> bool {
        self.multi.is_some()
    }
}
