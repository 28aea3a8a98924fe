//! Host commands: what the server answers itself (HELLO, AUTH, CLIENT,
//! CONFIG, INFO, COMMAND, ...), registered with the engine through its
//! `Host` trait so arity checks, MULTI queueing and EXEC treat them like
//! engine commands. One file per family; this one holds the table and the
//! dispatch.

pub mod client;
pub mod command;
pub mod config;
pub mod connection;
pub mod debug;
pub mod info;
pub mod introspection;
pub mod memory;
pub mod monitor;
pub mod persistence;
pub mod redact;
pub mod server;

use crate::connection::session::ConnState;
use crate::core::HostState;
use crate::shared::Shared;
use kv_engine::command::{Categories as C, CommandSpec, Flags as F, Handler, KeySpec};
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult, Host, Outcome};
use resp_codec::Argv;
use std::collections::HashMap;

/// Runs one host command.
pub type HostFn = fn(&mut ConnHost<'_>, &mut Ctx<'_, '_>) -> CommandResult;

/// What a host command can reach: the host state (under the engine lock
/// with the engine itself, which `Ctx` reaches), the server's shared
/// parts, and the calling connection's own state.
pub struct ConnHost<'a> {
    pub state: &'a mut HostState,
    pub shared: &'a Shared,
    pub conn: &'a mut ConnState,
}

impl Host for ConnHost<'_> {
    fn command(&self, name: &str) -> Option<&CommandSpec> {
        self.state.commands.by_name.get(name).map(|(spec, _)| spec)
    }

    fn run(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), CommandError> {
        let Some((_, run)) = self.state.commands.by_name.get(ctx.spec.name) else {
            return Err(CommandError::text("ERR no such host command"));
        };
        run(self, ctx)
    }

    fn refuses(&self, spec: &CommandSpec) -> Option<CommandError> {
        match spec.name {
            "debug" => debug::refused(self),
            _ => None,
        }
    }

    fn exec_step_begins(&mut self) {
        self.state.exec_step_began_us = self.shared.clock.now_us();
        self.state.exec_step_slept = self.conn.sleep.unwrap_or_default();
    }

    /// A command EXEC ran counts as a call, its error as an error reply,
    /// and it is logged if slow, as Redis does (its monitor line came as
    /// it was queued). A DEBUG SLEEP's sleep, still to come, is its time.
    fn exec_step_ran(&mut self, argv: Argv<'_>, flags: F, outcome: &Outcome, reply: &[u8]) {
        let now_us = self.shared.clock.now_us();
        let slept = self
            .conn
            .sleep
            .unwrap_or_default()
            .saturating_sub(self.state.exec_step_slept);
        let usec = ((now_us - self.state.exec_step_began_us).max(0) as u64)
            .saturating_add(slept.as_micros() as u64);
        if let Some(name) = outcome.command {
            (self.state.stats).record_call(
                name,
                argv.get(1),
                usec,
                outcome.failed,
                outcome.rejected,
            );
            if !outcome.rejected {
                crate::connection::batch::log_if_slow(
                    self.state, self.conn, argv, flags, usec, now_us,
                );
            }
        }
        self.state.stats.record_error_reply(reply);
    }
}

/// The host commands by lower-case name.
pub struct HostTable {
    by_name: HashMap<&'static str, (CommandSpec, HostFn)>,
}

const CONN_FLAGS: F = F::of(&[
    F::NOSCRIPT,
    F::LOADING,
    F::STALE,
    F::FAST,
    F::NO_AUTH,
    F::ALLOW_BUSY,
]);
const CONN_ACL: C = C::of(&[C::FAST, C::CONNECTION]);
const ADMIN_FLAGS: F = F::of(&[F::ADMIN, F::NOSCRIPT, F::LOADING, F::STALE]);
const ADMIN_ACL: C = C::of(&[C::ADMIN, C::SLOW, C::DANGEROUS]);
/// SAVE, BGSAVE, BGREWRITEAOF: refused while loading, as in Redis.
const PERSIST_FLAGS: F = F::of(&[F::ADMIN, F::NOSCRIPT, F::NO_ASYNC_LOADING]);

fn spec(name: &'static str, arity: i32, flags: F, categories: C) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys: KeySpec::NONE,
        categories,
        run: Handler::Host,
    }
}

impl HostTable {
    pub fn new() -> HostTable {
        let entries: [(CommandSpec, HostFn); 22] = [
            (spec("hello", -1, CONN_FLAGS, CONN_ACL), connection::hello),
            (spec("auth", -2, CONN_FLAGS, CONN_ACL), connection::auth),
            (spec("quit", -1, CONN_FLAGS, CONN_ACL), connection::quit),
            (spec("reset", 1, CONN_FLAGS, CONN_ACL), connection::reset),
            (
                spec("time", 1, F::of(&[F::LOADING, F::STALE, F::FAST]), C::FAST),
                server::time,
            ),
            (spec("client", -2, F::default(), C::SLOW), client::client),
            (spec("config", -2, F::default(), C::SLOW), config::config),
            (
                spec(
                    "info",
                    -1,
                    F::of(&[F::LOADING, F::STALE]),
                    C::of(&[C::SLOW, C::DANGEROUS]),
                ),
                info::info,
            ),
            (
                spec(
                    "command",
                    -1,
                    F::of(&[F::LOADING, F::STALE]),
                    C::of(&[C::SLOW, C::CONNECTION]),
                ),
                command::command,
            ),
            (
                spec("slowlog", -2, F::default(), C::SLOW),
                introspection::slowlog,
            ),
            (
                spec("latency", -2, F::default(), C::SLOW),
                introspection::latency,
            ),
            (spec("memory", -2, F::default(), C::SLOW), memory::memory),
            (spec("monitor", 1, ADMIN_FLAGS, ADMIN_ACL), monitor::monitor),
            (
                spec(
                    "lastsave",
                    1,
                    F::of(&[F::LOADING, F::STALE, F::FAST]),
                    C::of(&[C::ADMIN, C::FAST, C::DANGEROUS]),
                ),
                server::lastsave,
            ),
            (
                spec("wait", 3, F::NOSCRIPT, C::of(&[C::SLOW, C::CONNECTION])),
                server::wait,
            ),
            (spec("debug", -2, ADMIN_FLAGS, ADMIN_ACL), debug::debug),
            (
                spec("save", 1, PERSIST_FLAGS.union(F::NO_MULTI), ADMIN_ACL),
                persistence::save,
            ),
            (
                spec("bgsave", -1, PERSIST_FLAGS, ADMIN_ACL),
                persistence::bgsave,
            ),
            (
                spec("bgrewriteaof", 1, PERSIST_FLAGS, ADMIN_ACL),
                persistence::bgrewriteaof,
            ),
            (::persistence::rdb::restore::DUMP_SPEC, persistence::dump),
            (
                ::persistence::rdb::restore::RESTORE_SPEC,
                persistence::restore,
            ),
            (
                spec(
                    "shutdown",
                    -1,
                    ADMIN_FLAGS.union(F::NO_MULTI).union(F::ALLOW_BUSY),
                    ADMIN_ACL,
                ),
                server::shutdown,
            ),
        ];
        HostTable {
            by_name: entries
                .into_iter()
                .chain(crate::pubsub::commands::commands())
                .map(|(spec, run)| (spec.name, (spec, run)))
                .collect(),
        }
    }

    /// The spec of `name` in any letter case.
    pub fn spec(&self, name: &[u8]) -> Option<CommandSpec> {
        let name = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
        self.by_name.get(name.as_str()).map(|(spec, _)| *spec)
    }

    pub fn iter(&self) -> impl Iterator<Item = &CommandSpec> {
        self.by_name.values().map(|(spec, _)| spec)
    }
}

impl Default for HostTable {
    fn default() -> Self {
        Self::new()
    }
}

/// Redis's reply to an unknown subcommand: `ERR unknown subcommand 'X'.
/// Try CONFIG HELP.`
pub fn unknown_subcommand(ctx: &Ctx<'_, '_>) -> CommandError {
    subcommand_error(ctx, "unknown subcommand")
}

/// Redis's reply to a known subcommand given the wrong arguments:
/// `ERR unknown subcommand or wrong number of arguments for 'X'. Try
/// CLIENT HELP.`
pub fn subcommand_syntax(ctx: &Ctx<'_, '_>) -> CommandError {
    subcommand_error(ctx, "unknown subcommand or wrong number of arguments for")
}

/// `ERR <what> 'X'. Try NAME HELP.`, the subcommand as typed (cut at 128
/// bytes, as Redis cuts it).
fn subcommand_error(ctx: &Ctx<'_, '_>, what: &str) -> CommandError {
    let sub = String::from_utf8_lossy(&ctx.arg(1)[..ctx.arg(1).len().min(128)]).into_owned();
    CommandError::owned(format!(
        "ERR {what} '{sub}'. Try {} HELP.",
        ctx.spec.name.to_ascii_uppercase()
    ))
}

/// Redis's wrong-arity error for a subcommand (`'config|get'`).
pub fn subcommand_arity(ctx: &Ctx<'_, '_>) -> CommandError {
    let sub = String::from_utf8_lossy(ctx.arg(1)).to_ascii_lowercase();
    CommandError::WrongArity(format!("{}|{sub}", ctx.spec.name).into())
}

/// Checks a subcommand's argument count: `arity` as Redis writes it (N
/// exactly, -N at least), counting the command and the subcommand.
pub fn check_arity(ctx: &Ctx<'_, '_>, arity: i32) -> CommandResult {
    let argc = ctx.argc() as i32;
    let ok = if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    };
    if ok {
        Ok(())
    } else {
        Err(subcommand_arity(ctx))
    }
}

/// A HELP reply: the first line, then each line, as status replies.
pub fn help(ctx: &mut Ctx<'_, '_>, lines: &[&str]) -> CommandResult {
    let name = ctx.spec.name.to_ascii_uppercase();
    ctx.out.array(lines.len() + 3);
    ctx.out.simple(
        format!("{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").as_bytes(),
    );
    for line in lines {
        ctx.out.simple(line.as_bytes());
    }
    ctx.out.simple(b"HELP");
    ctx.out.simple(b"    Prints this help.");
    Ok(())
}

/// Is argument `i` equal to `word`, ignoring case?
pub fn arg_is(ctx: &Ctx<'_, '_>, i: usize, word: &str) -> bool {
    i < ctx.argc() && ctx.arg(i).eq_ignore_ascii_case(word.as_bytes())
}

/// Argument `i` as an integer, with Redis's error text.
pub fn arg_i64(ctx: &Ctx<'_, '_>, i: usize) -> CommandResult<i64> {
    std::str::from_utf8(ctx.arg(i))
        .ok()
        .and_then(|s| crate::config::values::parse_int(s).ok())
        .ok_or(CommandError::NotInteger)
}
