//! CLIENT: ID, SETNAME, GETNAME, INFO, LIST (TYPE, ID), KILL (the old
//! `ip:port` form and every filter), PAUSE/UNPAUSE, UNBLOCK, REPLY,
//! NO-EVICT, NO-TOUCH, SETINFO, HELP.
//!
//! NO-TOUCH and SETINFO are Redis 7.2's (client libraries send SETINFO on
//! connect); the rest is 7.0's, with its reply texts.

use super::connection::valid_name;
use super::{arg_i64, arg_is, check_arity, subcommand_syntax, unknown_subcommand, ConnHost};
use crate::blocking::Wake;
use crate::client::{ClientHandle, ClientInfo, ClientType};
use crate::connection::session::{After, ReplyMode};
use crate::core::Pause;
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};
use std::sync::Arc;

pub fn client(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let sub = ctx.arg(1).to_ascii_lowercase();
    match sub.as_slice() {
        b"id" => {
            check_arity(ctx, 2)?;
            ctx.out.integer(ctx.client.id as i64);
        }
        b"setname" => {
            check_arity(ctx, 3)?;
            host.conn.name = valid_name(ctx.arg(2))?;
            ctx.out.ok();
        }
        b"getname" => {
            check_arity(ctx, 2)?;
            match &host.conn.name {
                Some(name) => ctx.out.bulk(name.as_bytes()),
                None => ctx.out.null(),
            }
        }
        b"info" => {
            check_arity(ctx, 2)?;
            let mut line = own_line(host, ctx);
            line.push('\n');
            ctx.out.verbatim(*b"txt", line.as_bytes());
        }
        b"list" => list(host, ctx)?,
        b"kill" => kill(host, ctx)?,
        b"pause" => pause(host, ctx)?,
        b"unpause" => {
            check_arity(ctx, 2)?;
            host.state.pause = None;
            host.shared.unpaused.notify_waiters();
            ctx.out.ok();
        }
        b"unblock" => unblock(host, ctx)?,
        b"reply" => {
            check_arity(ctx, 3)?;
            let mode = match ctx.arg(2).to_ascii_lowercase().as_slice() {
                b"on" => ReplyMode::On,
                b"off" => ReplyMode::Off,
                b"skip" => ReplyMode::SkipNext,
                _ => return Err(CommandError::Syntax),
            };
            if mode == ReplyMode::On {
                ctx.out.ok();
            }
            host.conn.reply = mode;
        }
        b"no-evict" | b"no-touch" => {
            check_arity(ctx, 3)?;
            let on = on_off(ctx.arg(2))?;
            if sub == b"no-evict" {
                host.conn.no_evict = on;
            } else {
                host.conn.no_touch = on;
            }
            ctx.out.ok();
        }
        b"setinfo" => setinfo(host, ctx)?,
        b"help" => {
            check_arity(ctx, 2)?;
            super::help(ctx, HELP)?;
        }
        _ => return Err(unknown_subcommand(ctx)),
    }
    Ok(())
}

const HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];

fn on_off(arg: &[u8]) -> CommandResult<bool> {
    if arg.eq_ignore_ascii_case(b"on") {
        Ok(true)
    } else if arg.eq_ignore_ascii_case(b"off") {
        Ok(false)
    } else {
        Err(CommandError::Syntax)
    }
}

/// The calling client's line, from its live state (its handle is only
/// updated between batches).
fn own_line(host: &ConnHost<'_>, ctx: &Ctx<'_, '_>) -> String {
    let handle = &host.conn.handle;
    let mut info: ClientInfo = handle.info.lock().clone();
    info.name.clone_from(&host.conn.name);
    info.db = ctx.client.db;
    info.last_command = crate::stats::subcommand_of(ctx.spec.name, ctx.argv.get(1))
        .map_or(ctx.spec.name, |(_, full)| full);
    info.multi = ctx.client.multi.as_ref().map(Vec::len);
    info.resp = if ctx.client.protocol == resp_codec::Protocol::Resp3 {
        3
    } else {
        2
    };
    info.monitor = host.conn.monitor;
    info.no_evict = host.conn.no_evict;
    info.no_touch = host.conn.no_touch;
    info.last_interaction_ms = host.shared.clock.now_us() / 1000;
    // Inside EXEC, Redis's count is still EXEC's own argument (4 bytes):
    // it swaps in each queued command's arguments but not their sum.
    info.argv_mem = if ctx.in_exec() {
        b"exec".len()
    } else {
        ctx.argv.iter().map(<[u8]>::len).sum()
    };
    handle.line(&info, info.last_interaction_ms)
}

/// CLIENT LIST [TYPE type] [ID id [id ...]]
fn list(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut kind = None;
    let mut ids: Option<Vec<u64>> = None;
    if ctx.argc() == 4 && arg_is(ctx, 2, "type") {
        let name = ctx.arg(3);
        kind = Some(ClientType::parse(name).ok_or_else(|| {
            CommandError::owned(format!(
                "ERR Unknown client type '{}'",
                String::from_utf8_lossy(name)
            ))
        })?);
    } else if ctx.argc() >= 4 && arg_is(ctx, 2, "id") {
        let mut wanted = Vec::with_capacity(ctx.argc() - 3);
        for i in 3..ctx.argc() {
            let id = arg_i64(ctx, i)
                .ok()
                .filter(|id| *id > 0)
                .ok_or(CommandError::text("ERR Invalid client ID"))?;
            wanted.push(id as u64);
        }
        ids = Some(wanted);
    } else if ctx.argc() != 2 {
        return Err(CommandError::Syntax);
    }
    let now_ms = host.shared.clock.now_us() / 1000;
    let own_id = host.conn.handle.id;
    let mut text = String::new();
    for handle in host.state.clients.iter() {
        if kind.is_some_and(|k| handle.client_type() != k) {
            continue;
        }
        if ids.as_ref().is_some_and(|ids| !ids.contains(&handle.id)) {
            continue;
        }
        if handle.id == own_id {
            text.push_str(&own_line(host, ctx));
        } else {
            let info = handle.info.lock().clone();
            text.push_str(&handle.line(&info, now_ms));
        }
        text.push('\n');
    }
    ctx.out.verbatim(*b"txt", text.as_bytes());
    Ok(())
}

/// Which clients a CLIENT KILL names.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    kind: Option<ClientType>,
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    skip_me: bool,
}

impl KillFilter {
    fn matches(&self, handle: &ClientHandle) -> bool {
        self.id.is_none_or(|id| handle.id == id)
            && self.kind.is_none_or(|k| handle.client_type() == k)
            && self
                .addr
                .as_ref()
                .is_none_or(|a| handle.addr.as_bytes() == a.as_slice())
            && self
                .laddr
                .as_ref()
                .is_none_or(|a| handle.laddr.as_bytes() == a.as_slice())
    }
}

/// CLIENT KILL ip:port | CLIENT KILL <filter> <value> ...
fn kill(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    check_arity(ctx, -3)?;
    let old_form = ctx.argc() == 3;
    let filter = if old_form {
        KillFilter {
            addr: Some(ctx.arg(2).to_vec()),
            ..KillFilter::default()
        }
    } else {
        parse_kill_filter(ctx)?
    };
    let own_id = host.conn.handle.id;
    let victims: Vec<Arc<ClientHandle>> = host
        .state
        .clients
        .iter()
        .filter(|h| filter.matches(h) && !(filter.skip_me && h.id == own_id))
        .cloned()
        .collect();
    for victim in &victims {
        if victim.id == own_id {
            // Reply first, then close, as Redis does for itself.
            host.conn.after = After::Close;
        } else {
            victim.kill.cancel();
        }
    }
    if old_form {
        if victims.is_empty() {
            return Err(CommandError::text("ERR No such client"));
        }
        ctx.out.ok();
    } else {
        ctx.out.integer(victims.len() as i64);
    }
    Ok(())
}

fn parse_kill_filter(ctx: &Ctx<'_, '_>) -> CommandResult<KillFilter> {
    let mut filter = KillFilter {
        skip_me: true,
        ..KillFilter::default()
    };
    if !ctx.argc().is_multiple_of(2) {
        return Err(CommandError::Syntax);
    }
    for i in (2..ctx.argc()).step_by(2) {
        let value = ctx.arg(i + 1);
        match ctx.arg(i).to_ascii_lowercase().as_slice() {
            b"id" => {
                let id = arg_i64(ctx, i + 1)
                    .ok()
                    .filter(|id| *id > 0)
                    .ok_or(CommandError::text("ERR client-id should be greater than 0"))?;
                filter.id = Some(id as u64);
            }
            b"type" => {
                filter.kind = Some(ClientType::parse(value).ok_or_else(|| {
                    CommandError::owned(format!(
                        "ERR Unknown client type '{}'",
                        String::from_utf8_lossy(value)
                    ))
                })?);
            }
            b"addr" => filter.addr = Some(value.to_vec()),
            b"laddr" => filter.laddr = Some(value.to_vec()),
            b"user" => {
                if value != b"default" {
                    return Err(CommandError::owned(format!(
                        "ERR No such user '{}'",
                        String::from_utf8_lossy(value)
                    )));
                }
            }
            b"skipme" => {
                filter.skip_me = match value.to_ascii_lowercase().as_slice() {
                    b"yes" => true,
                    b"no" => false,
                    _ => return Err(CommandError::Syntax),
                }
            }
            _ => return Err(CommandError::Syntax),
        }
    }
    Ok(filter)
}

/// CLIENT PAUSE timeout [WRITE|ALL]
fn pause(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    check_arity(ctx, -3)?;
    // Redis reads the mode before the timeout.
    let writes_only = match ctx.argc() {
        3 => false,
        4 if arg_is(ctx, 3, "write") => true,
        4 if arg_is(ctx, 3, "all") => false,
        4 => {
            return Err(CommandError::text(
                "ERR CLIENT PAUSE mode must be WRITE or ALL",
            ))
        }
        _ => return Err(subcommand_syntax(ctx)),
    };
    let timeout = arg_i64(ctx, 2)
        .map_err(|_| CommandError::text("ERR timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CommandError::text("ERR timeout is negative"));
    }
    let until_ms = (host.shared.clock.now_us() / 1000).saturating_add(timeout);
    // A new pause never shortens one in force, nor weakens ALL to WRITE.
    let pause = match host.state.pause {
        Some(old) => Pause {
            until_ms: old.until_ms.max(until_ms),
            writes_only: old.writes_only && writes_only,
        },
        None => Pause {
            until_ms,
            writes_only,
        },
    };
    host.state.pause = Some(pause);
    ctx.out.ok();
    Ok(())
}

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: ends a blocked client's wait
/// as a timeout would (the default) or with the UNBLOCKED error; 1 if it
/// was blocked.
fn unblock(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    check_arity(ctx, -3)?;
    if ctx.argc() > 4 {
        return Err(subcommand_syntax(ctx));
    }
    let id = arg_i64(ctx, 2)?;
    let wake = if ctx.argc() == 3 || arg_is(ctx, 3, "timeout") {
        Wake::Timeout
    } else if arg_is(ctx, 3, "error") {
        Wake::Error
    } else {
        return Err(CommandError::text(
            "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
        ));
    };
    let unblocked = u64::try_from(id).is_ok_and(|id| {
        let state = &mut *host.state;
        state.waiters.unblock(id, wake, &mut state.stats)
    });
    ctx.out.integer(i64::from(unblocked));
    Ok(())
}

/// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2).
fn setinfo(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    check_arity(ctx, 4)?;
    let value = ctx.arg(3);
    let attribute = ctx.arg(2).to_ascii_lowercase();
    let field = match attribute.as_slice() {
        b"lib-name" => &mut host.conn.lib_name,
        b"lib-ver" => &mut host.conn.lib_ver,
        _ => {
            return Err(CommandError::owned(format!(
                "ERR Unrecognized option '{}'",
                String::from_utf8_lossy(ctx.arg(2))
            )));
        }
    };
    if value.iter().any(|b| !(b'!'..=b'~').contains(b)) {
        return Err(CommandError::owned(format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(&attribute)
        )));
    }
    *field = (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned());
    ctx.out.ok();
    Ok(())
}
