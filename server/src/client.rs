//! Clients as others see them: `ClientHandle` (identity, kill switch,
//! outbox, the fields CLIENT LIST prints) and `ClientRegistry`, every
//! connected client by id.
//!
//! The registry lives under the engine lock with the rest of the host
//! state, so CLIENT LIST, CLIENT KILL and MONITOR see a consistent set. A
//! connection keeps its own fast-changing fields locally and copies them
//! into its handle's `ClientInfo` once per batch.

use crate::config::values::BufferLimit;
use crate::outbox::{Outbox, Pushed};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub type ClientId = u64;

/// What kind of client, for CLIENT LIST TYPE, CLIENT KILL TYPE and output
/// buffer limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientType {
    Normal,
    Replica,
    PubSub,
    Master,
}

impl ClientType {
    pub fn parse(name: &[u8]) -> Option<ClientType> {
        match name.to_ascii_lowercase().as_slice() {
            b"normal" => Some(ClientType::Normal),
            b"slave" | b"replica" => Some(ClientType::Replica),
            b"pubsub" => Some(ClientType::PubSub),
            b"master" => Some(ClientType::Master),
            _ => None,
        }
    }
}

/// One connected client, shared by its connection and the registry.
#[derive(Debug)]
pub struct ClientHandle {
    pub id: ClientId,
    /// `ip:port` of the peer (`/path:0` style for unix sockets, as Redis).
    pub addr: String,
    pub laddr: String,
    pub fd: i64,
    /// From loopback or a unix socket.
    pub local: bool,
    pub created_ms: i64,
    /// Cancelled to disconnect the client (CLIENT KILL, limits, shutdown).
    pub kill: CancellationToken,
    pub outbox: Outbox,
    pub info: parking_lot::Mutex<ClientInfo>,
}

/// The changing fields of CLIENT LIST.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub name: Option<String>,
    pub lib_name: Option<String>,
    pub lib_ver: Option<String>,
    pub db: usize,
    pub last_command: &'static str,
    pub last_interaction_ms: i64,
    /// Commands queued in MULTI, if in one.
    pub multi: Option<usize>,
    pub qbuf: usize,
    pub qbuf_free: usize,
    /// Bytes of the arguments of the command running (CLIENT LIST's
    /// `argv-mem`): only the client asking has one, the others are between
    /// commands.
    pub argv_mem: usize,
    pub rbs: usize,
    pub rbp: usize,
    pub obl: usize,
    pub omem: usize,
    pub resp: u8,
    pub monitor: bool,
    pub no_evict: bool,
    pub no_touch: bool,
    pub close_asap: bool,
    pub subscriptions: usize,
    pub pattern_subscriptions: usize,
    pub shard_subscriptions: usize,
    /// Waiting in a blocking command (BLPOP & co.).
    pub blocked: bool,
}

impl ClientInfo {
    /// Subscribed to anything: a pub/sub client (flag `P`, TYPE pubsub).
    pub fn is_pubsub(&self) -> bool {
        self.subscriptions + self.pattern_subscriptions + self.shard_subscriptions > 0
    }
}

impl ClientHandle {
    /// Queues bytes pushed by another client (a message, a MONITOR line)
    /// without waiting. Past its output buffer `limit` the client is
    /// disconnected and the bytes dropped, as Redis does; false then (and
    /// once it is being disconnected).
    pub fn push(&self, bytes: &[u8], limit: BufferLimit, now_ms: i64) -> bool {
        match self.outbox.push(bytes, limit, 0, now_ms) {
            Pushed::Queued => true,
            Pushed::OverLimit => {
                tracing::warn!(
                    "Client id={} addr={} closed for overcoming of output buffer limits.",
                    self.id,
                    self.addr
                );
                self.kill.cancel();
                false
            }
            Pushed::Closed => false,
        }
    }

    pub fn client_type(&self) -> ClientType {
        let info = self.info.lock();
        if info.is_pubsub() {
            ClientType::PubSub
        } else {
            ClientType::Normal
        }
    }

    /// The client's line of CLIENT LIST / CLIENT INFO (without the newline),
    /// with the fields in Redis 7.0's order.
    pub fn line(&self, info: &ClientInfo, now_ms: i64) -> String {
        let mut flags = String::new();
        for (on, letter) in [
            (info.monitor, 'O'),
            (info.is_pubsub(), 'P'),
            (info.multi.is_some(), 'x'),
            (info.blocked, 'b'),
            (info.close_asap, 'A'),
            (info.no_evict, 'e'),
            (info.no_touch, 'T'),
        ] {
            if on {
                flags.push(letter);
            }
        }
        if flags.is_empty() {
            flags.push('N');
        }
        let mut line = String::with_capacity(320);
        let _ = write!(
            line,
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} \
             qbuf={} qbuf-free={} argv-mem={} multi-mem=0 rbs={} rbp={} obl={} oll=0 omem={} tot-mem={} events=r \
             cmd={} user=default redir=-1 resp={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            info.name.as_deref().unwrap_or(""),
            (now_ms - self.created_ms).max(0) / 1000,
            (now_ms - info.last_interaction_ms).max(0) / 1000,
            flags,
            info.db,
            info.subscriptions,
            info.pattern_subscriptions,
            info.shard_subscriptions,
            info.multi.map_or(-1, |n| n as i64),
            info.qbuf,
            info.qbuf_free,
            info.argv_mem,
            info.rbs,
            info.rbp,
            info.obl,
            info.omem,
            info.rbs + info.obl + info.omem,
            if info.last_command.is_empty() { "NULL" } else { info.last_command },
            info.resp.max(2),
        );
        line
    }
}

/// Every connected client, by id (so CLIENT LIST is in id order).
#[derive(Debug, Default)]
pub struct ClientRegistry {
    clients: BTreeMap<ClientId, Arc<ClientHandle>>,
    /// MONITOR clients, in the order they started.
    monitors: Vec<Arc<ClientHandle>>,
}

impl ClientRegistry {
    pub fn insert(&mut self, handle: Arc<ClientHandle>) {
        let previous = self.clients.insert(handle.id, handle);
        assert!(previous.is_none(), "client ids are unique");
    }

    pub fn remove(&mut self, id: ClientId) {
        self.clients.remove(&id);
        self.monitors.retain(|m| m.id != id);
    }

    pub fn get(&self, id: ClientId) -> Option<&Arc<ClientHandle>> {
        self.clients.get(&id)
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<ClientHandle>> {
        self.clients.values()
    }

    pub fn add_monitor(&mut self, id: ClientId) {
        if let Some(handle) = self.clients.get(&id) {
            if !self.monitors.iter().any(|m| m.id == id) {
                self.monitors.push(handle.clone());
            }
        }
    }

    pub fn remove_monitor(&mut self, id: ClientId) {
        self.monitors.retain(|m| m.id != id);
    }

    pub fn monitors(&self) -> &[Arc<ClientHandle>] {
        &self.monitors
    }
}
