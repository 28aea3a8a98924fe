//! Blocking commands (BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN
//! BZPOPMAX BZMPOP): a client whose command found nothing waits, outside
//! MULTI, until a write serves it, its timeout passes, CLIENT UNBLOCK ends
//! the wait, or it goes away.
//!
//! - [`request`]: what a blocked command waits for and how it is served.
//! - [`waiters`]: `Waiters`, the FIFO registry under the engine lock, and
//!   serving from the engine's ready keys.
//! - [`blocked`]: the connection's side: `Blocked`, the guard that
//!   unregisters on drop, and the slot the server fills.
//!
//! The engine runs the non-blocking attempt (and answers inside MULTI);
//! the connection blocks when that attempt replies nil (`block_on`).

pub mod blocked;
pub mod request;
pub mod waiters;

pub use blocked::Blocked;
pub use request::BlockRequest;
pub use waiters::Waiters;

use crate::shared::Shared;
use bytes::{Bytes, BytesMut};
use kv_engine::ClientState;
use resp_codec::{Argv, Protocol, ReplyWriter};
use std::sync::Arc;

/// How a wait ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wake {
    /// Served: the reply of the command run for it, and the LSN of that
    /// command's delta (for `appendfsync always`).
    Served { reply: Bytes, lsn: Option<u64> },
    /// The timeout passed (or CLIENT UNBLOCK ... TIMEOUT).
    Timeout,
    /// CLIENT UNBLOCK ... ERROR.
    Error,
}

impl Wake {
    /// Appends the client's reply.
    pub fn reply_into(&self, protocol: Protocol, out: &mut BytesMut) {
        match self {
            Wake::Served { reply, .. } => out.extend_from_slice(reply),
            // Redis answers every timed-out list or zset wait with a null
            // array, BLMOVE's included.
            Wake::Timeout => ReplyWriter::new(out, protocol).null_array(),
            Wake::Error => ReplyWriter::new(out, protocol)
                .error(b"UNBLOCKED client unblocked via CLIENT UNBLOCK"),
        }
    }

    pub fn lsn(&self) -> Option<u64> {
        match self {
            Wake::Served { lsn, .. } => *lsn,
            _ => None,
        }
    }
}

/// After a blocking command `name` ran outside MULTI and replied
/// `reply`: if it found nothing, registers the client as a waiter and
/// returns its guard (the caller drops the nil reply).
pub fn block_on(
    waiters: &mut Waiters,
    shared: &Arc<Shared>,
    handle: &Arc<crate::client::ClientHandle>,
    client: &ClientState,
    name: &str,
    argv: Argv<'_>,
    reply: &[u8],
) -> Option<Blocked> {
    if !request::found_nothing(reply) {
        return None;
    }
    let request = BlockRequest::parse(name, argv)?;
    Some(waiters.block(shared, handle, client.db, client.protocol, request))
}
