//! RESP2's subscribed mode: a RESP2 client holding any subscription may
//! only run the (P|S)SUBSCRIBE family, PING, QUIT and RESET, and its PING
//! answers as a message-shaped array (`["pong", message]`). RESP3 clients
//! have no such mode: pushes are told apart from replies by their type.

use crate::connection::batch::lookup;
use crate::core::Core;
use crate::stats::subcommand_of;
use bytes::BytesMut;
use kv_engine::ClientState;
use resp_codec::Argv;

const ALLOWED: &[&str] = &[
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "unsubscribe",
    "punsubscribe",
    "sunsubscribe",
    "ping",
    "quit",
    "reset",
];

/// True (with Redis's error written) when a client in subscribed mode may
/// not run `argv`, which the lookup's refusals (`batch::refused_at_lookup`:
/// unknown commands and subcommands, wrong arities, a refused DEBUG) let
/// through.
pub fn refuse(core: &Core, client: &mut ClientState, argv: Argv<'_>, out: &mut BytesMut) -> bool {
    let Some(spec) = lookup(core, argv.arg(0)) else {
        return false;
    };
    if ALLOWED.contains(&spec.name) {
        return false;
    }
    let full_name = match subcommand_of(spec.name, argv.get(1)) {
        Some((_, full)) => full,
        // An unknown subcommand is the command's own error.
        None if crate::stats::is_container(spec.name) => return false,
        None => spec.name,
    };
    let text = format!(
        "ERR Can't execute '{full_name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    );
    crate::connection::batch::refuse_at_gate(client, out, spec.name, &text);
    true
}

/// Rewrites the PING reply at `out[start..]` into its subscribed-mode
/// shape: `+PONG` becomes `["pong", ""]`, a bulk `message` becomes
/// `["pong", message]`; errors stay.
pub fn reshape_ping(out: &mut BytesMut, start: usize) {
    let reply = out.split_off(start);
    match reply.first() {
        Some(b'+') => out.extend_from_slice(b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
        Some(b'$') => {
            out.extend_from_slice(b"*2\r\n$4\r\npong\r\n");
            out.extend_from_slice(&reply);
        }
        _ => out.extend_from_slice(&reply),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_replies_take_the_message_shape() {
        for (reply, reshaped) in [
            (&b"+PONG\r\n"[..], &b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"[..]),
            (b"$2\r\nhi\r\n", b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"),
            (b"-ERR x\r\n", b"-ERR x\r\n"),
        ] {
            let mut out = BytesMut::from(&b":1\r\n"[..]);
            out.extend_from_slice(reply);
            reshape_ping(&mut out, 4);
            assert_eq!(&out[..4], b":1\r\n", "earlier replies stay");
            assert_eq!(&out[4..], reshaped);
        }
    }
}
