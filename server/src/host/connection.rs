//! Connection commands the server answers: HELLO, AUTH, QUIT, RESET.
//! (PING, ECHO and SELECT are the engine's.)
//!
//! Authentication is Redis's `default` user: with `requirepass` set it
//! has that password, without one it takes any (`nopass`). Full ACLs come
//! later; any other user name fails as an unknown user does in Redis.

use super::{arg_is, ConnHost};
use crate::connection::session::{After, ReplyMode};
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};
use resp_codec::Protocol;
use std::sync::atomic::Ordering;

const WRONGPASS: CommandError =
    CommandError::text("WRONGPASS invalid username-password pair or user is disabled.");

/// The Redis version whose semantics we implement (INFO, HELLO).
pub const REDIS_VERSION: &str = "7.0.15";

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
pub fn hello(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut protocol = None;
    let mut i = 1;
    if ctx.argc() > 1 {
        let version = super::arg_i64(ctx, 1).map_err(|_| {
            CommandError::text("ERR Protocol version is not an integer or out of range")
        })?;
        protocol = Some(match version {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => return Err(CommandError::text("NOPROTO unsupported protocol version")),
        });
        i = 2;
    }
    let mut credentials = None;
    let mut name = None;
    while i < ctx.argc() {
        let more = ctx.argc() - i - 1;
        if arg_is(ctx, i, "auth") && more >= 2 {
            credentials = Some((ctx.arg(i + 1), ctx.arg(i + 2)));
            i += 3;
        } else if arg_is(ctx, i, "setname") && more >= 1 {
            name = Some(ctx.arg(i + 1));
            i += 2;
        } else {
            let option = String::from_utf8_lossy(ctx.arg(i)).into_owned();
            return Err(CommandError::owned(format!(
                "ERR Syntax error in HELLO option '{option}'"
            )));
        }
    }
    if let Some((user, password)) = credentials {
        if !password_ok(host, Some(user), password) {
            return Err(WRONGPASS);
        }
        host.conn.authenticated = true;
    } else if !host.conn.authenticated {
        return Err(CommandError::text(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    if let Some(name) = name {
        host.conn.name = valid_name(name)?;
    }
    if let Some(protocol) = protocol {
        ctx.client.protocol = protocol;
        host.state
            .pubsub
            .set_protocol(host.conn.handle.id, protocol);
    }
    write_hello(ctx);
    Ok(())
}

/// HELLO's map, in the protocol just chosen.
fn write_hello(ctx: &mut Ctx<'_, '_>) {
    let protocol = ctx.client.protocol;
    let mut out = resp_codec::ReplyWriter::new(ctx.out.buffer(), protocol);
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.integer(if protocol == Protocol::Resp3 { 3 } else { 2 });
    out.bulk(b"id");
    out.integer(ctx.client.id as i64);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
}

/// AUTH [username] password
pub fn auth(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let (user, password) = match ctx.argc() {
        2 => (None, ctx.arg(1)),
        3 => (Some(ctx.arg(1)), ctx.arg(2)),
        _ => return Err(CommandError::Syntax),
    };
    if user.is_none() && host.state.settings.requirepass.is_none() {
        return Err(CommandError::text(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ));
    }
    if !password_ok(host, user, password) {
        return Err(WRONGPASS);
    }
    host.conn.authenticated = true;
    ctx.out.ok();
    Ok(())
}

fn password_ok(host: &ConnHost<'_>, user: Option<&[u8]>, password: &[u8]) -> bool {
    if user.is_some_and(|u| u != b"default") {
        return false;
    }
    match &host.state.settings.requirepass {
        None => true,
        Some(expected) => constant_time_eq(expected, password),
    }
}

/// Compares without stopping at the first difference, so timing does not
/// tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// A client name as CLIENT SETNAME and HELLO SETNAME accept it: printable
/// ASCII without spaces; empty clears it.
pub fn valid_name(name: &[u8]) -> CommandResult<Option<String>> {
    if name.iter().any(|b| !(b'!'..=b'~').contains(b)) {
        return Err(CommandError::text(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok((!name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned()))
}

/// QUIT: OK, then the connection closes once replies are written.
pub fn quit(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    host.conn.after = After::Close;
    ctx.out.ok();
    Ok(())
}

/// RESET: the connection as if new (protocol, db, MULTI, WATCH, name,
/// reply mode, MONITOR, subscriptions, authentication when a password is
/// set).
pub fn reset(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    ctx.client.multi = None;
    ctx.client.multi_failed = false;
    ctx.db.unwatch_all(ctx.client);
    ctx.select(0);
    ctx.client.protocol = Protocol::Resp2;
    let conn = &mut *host.conn;
    conn.name = None;
    conn.reply = ReplyMode::On;
    // NO-EVICT stays on, as in Redis 7.0.
    conn.no_touch = false;
    if conn.monitor {
        conn.monitor = false;
        host.state.clients.remove_monitor(conn.handle.id);
        host.shared.monitors.fetch_sub(1, Ordering::Relaxed);
    }
    conn.authenticated = host.state.settings.requirepass.is_none();
    crate::pubsub::commands::forget(host);
    let mut out = resp_codec::ReplyWriter::new(ctx.out.buffer(), Protocol::Resp2);
    out.simple(b"RESET");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_passwords() {
        assert_eq!(valid_name(b"ok").unwrap(), Some("ok".into()));
        assert_eq!(valid_name(b"").unwrap(), None);
        assert!(valid_name(b"a b").is_err());
        assert!(valid_name(b"a\n").is_err());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
