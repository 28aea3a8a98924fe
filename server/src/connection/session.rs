//! `Session`: one connected client's state on the server side, and its
//! registration. Created when a connection is accepted; dropped when the
//! connection ends in any way (closed, killed, its future dropped), and the
//! drop is what unregisters it: the engine forgets its WATCHes, the
//! registry and MONITOR list lose it, its subscriptions go (and its wait,
//! if a `Blocked` guard did not already end it), the connection count goes down
//! (invariant 5: released by Drop, not by cleanup code a cancellation
//! could skip).

use crate::client::{ClientHandle, ClientInfo};
use crate::outbox::Outbox;
use crate::shared::Shared;
use kv_engine::ClientState;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Where a client connects from.
#[derive(Clone, Debug)]
pub struct Peer {
    pub addr: String,
    pub laddr: String,
    pub fd: i64,
    /// Loopback or unix socket: allowed through protected mode and
    /// `enable-debug-command local`.
    pub local: bool,
}

/// CLIENT REPLY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the next command's reply (set by CLIENT REPLY SKIP, which
    /// itself replies nothing).
    SkipNext,
    /// Skipping the command being run now.
    Skipping,
}

/// What the connection does once the current command's reply is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    Continue,
    /// QUIT, CLIENT KILL of itself: write the replies, then close.
    Close,
}

/// A connection's own state, passed to host commands.
pub struct ConnState {
    pub handle: Arc<ClientHandle>,
    pub authenticated: bool,
    pub reply: ReplyMode,
    pub after: After,
    /// DEBUG SLEEP: the connection waits this long before going on.
    pub sleep: Option<std::time::Duration>,
    /// SAVE, DEBUG RELOAD: a reply that comes once this future completes,
    /// awaited after the engine lock is released.
    pub deferred: Option<Deferred>,
    /// The deferred reply is not written (CLIENT REPLY OFF or SKIP held
    /// for its command).
    pub deferred_silent: bool,
    pub name: Option<String>,
    pub lib_name: Option<String>,
    pub lib_ver: Option<String>,
    pub no_evict: bool,
    pub no_touch: bool,
    pub monitor: bool,
    /// Subscriptions held, of every kind (a RESP2 client with any is in
    /// subscribed mode); kept equal to the pub/sub registry's count.
    pub subscriptions: usize,
    /// The last command run (`client|list`), for CLIENT LIST `cmd=`.
    pub last_command: &'static str,
}

/// A reply computed off the engine lock (a save the client waits for).
pub type Deferred = std::pin::Pin<Box<dyn std::future::Future<Output = DeferredReply> + Send>>;

/// What a deferred command answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeferredReply {
    Ok,
    /// A status reply (`+Background ... started`).
    Status(String),
    /// An error reply, its text without the leading `-`.
    Error(String),
    /// Nothing: the command answered already (inside EXEC's array) and
    /// only its work waited.
    Given,
}

impl DeferredReply {
    pub fn write(&self, out: &mut bytes::BytesMut, protocol: resp_codec::Protocol) {
        let mut writer = resp_codec::ReplyWriter::new(out, protocol);
        match self {
            DeferredReply::Ok => writer.ok(),
            DeferredReply::Status(text) => writer.simple(text.as_bytes()),
            DeferredReply::Error(text) => writer.error(text.as_bytes()),
            DeferredReply::Given => {}
        }
    }
}

/// The registration of one client; dropping it unregisters.
pub struct Session {
    pub shared: Arc<Shared>,
    pub client: ClientState,
    pub conn: ConnState,
}

impl Session {
    /// Registers a new client. The caller has already counted it in
    /// `shared.connected` (the maxclients check); the session uncounts it.
    pub fn register(shared: Arc<Shared>, peer: Peer, authenticated: bool) -> Session {
        let id = shared.next_client_id();
        let now_ms = shared.clock.now_us() / 1000;
        let handle = Arc::new(ClientHandle {
            id,
            addr: peer.addr,
            laddr: peer.laddr,
            fd: peer.fd,
            local: peer.local,
            created_ms: now_ms,
            kill: shared.shutdown.child_token(),
            outbox: Outbox::default(),
            info: parking_lot::Mutex::new(ClientInfo {
                last_interaction_ms: now_ms,
                resp: 2,
                ..ClientInfo::default()
            }),
        });
        {
            let mut core = shared.core.lock();
            core.host.clients.insert(handle.clone());
            core.host.stats.total_connections_received += 1;
        }
        Session {
            client: ClientState::new(id),
            conn: ConnState {
                handle,
                authenticated,
                reply: ReplyMode::On,
                after: After::Continue,
                sleep: None,
                deferred: None,
                deferred_silent: false,
                name: None,
                lib_name: None,
                lib_ver: None,
                no_evict: false,
                no_touch: false,
                monitor: false,
                subscriptions: 0,
                last_command: "",
            },
            shared,
        }
    }

    pub fn id(&self) -> u64 {
        self.client.id
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let mut core = self.shared.core.lock();
        core.engine.forget_client(&mut self.client);
        core.host.clients.remove(self.client.id);
        core.host.pubsub.remove_client(self.client.id);
        // The planted bug `waiter_leak` (`sim::MUTATION`) skips this and
        // `Blocked`'s own unregistering.
        if !cfg!(dst_mutation = "waiter_leak") {
            core.host.waiters.remove(self.client.id);
        }
        drop(core);
        if self.conn.monitor {
            self.shared.monitors.fetch_sub(1, Ordering::Relaxed);
        }
        self.shared.connected.fetch_sub(1, Ordering::Relaxed);
    }
}
