//! Running a pipeline: every complete command that one read brought,
//! decoded before the lock, executed under ONE engine lock acquisition,
//! replies appended to one output buffer that is written once.
//!
//! Per command, besides the engine's own work: the NOAUTH gate (only while
//! unauthenticated), the CLIENT PAUSE check (only while a pause is on),
//! statistics (commandstats, errorstats, slow log, latency monitor),
//! MONITOR feeding (only while someone monitors), CLIENT REPLY, FLUSHALL
//! ASYNC garbage, the output buffer's hard limit, RESP2's subscribed mode
//! (only while subscribed), blocking (a blocking command that found
//! nothing stops the batch with the client registered as a waiter) and
//! serving waiters after each command (only while anyone waits). None of
//! it allocates on the common path.

use super::session::{After, ConnState, ReplyMode, Session};
use crate::blocking::Blocked;
use crate::config::settings::ClientClass;
use crate::core::{Core, HostState, Pause};
use crate::durability::DeltaPermit;
use crate::host::ConnHost;
use crate::shared::Shared;
use crate::stats::subcommand_of;
use crate::{blocking, pubsub};
use bytes::BytesMut;
use kv_engine::command::{CommandSpec, Flags};
use resp_codec::{Argv, Commands, Protocol, ProtocolError, ReplyWriter, RequestDecoder};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Commands decoded from the input: their arguments ranges of the frozen
/// read buffer (no reference count per argument), and the bytes each came
/// in where they are its arguments' encoding (the AOF copies those of a
/// command written as sent).
#[derive(Debug, Default)]
pub struct Batch {
    commands: Commands,
    /// The next command to run.
    next: usize,
    /// The input went bad after the commands before it: reply and close.
    pub error: Option<ProtocolError>,
}

/// Why a batch stopped.
#[derive(Debug)]
pub enum Stop {
    /// Every command ran.
    Done,
    /// A CLIENT PAUSE holds back the next command.
    Paused(Pause),
    /// DEBUG SLEEP: wait, then go on.
    Sleep(Duration),
    /// SAVE & co.: await the connection's deferred reply, then go on.
    Deferred,
    /// Write the replies, then close.
    Close,
    /// A blocking command waits: write the replies so far, then wait
    /// (dropping the guard ends the wait).
    Blocked(Blocked),
}

/// What one run of a batch produced, for the durability wait.
#[derive(Clone, Copy, Debug, Default)]
pub struct Produced {
    pub max_lsn: Option<u64>,
    pub n_deltas: usize,
    /// The clock when the last command ran ended (0 if none ran): the
    /// client's last interaction, without another reading.
    pub ended_us: i64,
}

impl Batch {
    /// Decodes what `input` holds. While the client must still
    /// authenticate, one command at a time: the decoder's smaller limits
    /// for unauthenticated clients must not apply to what follows AUTH.
    pub fn decode(&mut self, decoder: &mut RequestDecoder, input: &mut BytesMut, one_only: bool) {
        debug_assert!(self.is_drained(), "decoding over unexecuted commands");
        self.clear();
        if let Err(error) = decoder.decode_batch(input, &mut self.commands, one_only) {
            self.error = Some(error);
        }
    }

    pub fn clear(&mut self) {
        self.commands.clear();
        self.next = 0;
        self.error = None;
    }

    /// Commands not yet run.
    pub fn pending(&self) -> usize {
        self.commands.len() - self.next
    }

    pub fn is_drained(&self) -> bool {
        self.pending() == 0
    }
}

/// Runs the batch's pending commands with the engine lock held, then
/// serves whatever they made ready.
pub fn run(
    core: &mut Core,
    shared: &Shared,
    session: &mut Session,
    batch: &mut Batch,
    out: &mut BytesMut,
    permit: &DeltaPermit,
) -> (Stop, Produced) {
    let result = run_commands(core, shared, session, batch, out, permit);
    crate::durability::apply_switch(core, shared);
    let Core { engine, host } = core;
    host.waiters
        .wake(engine, &shared.durability, &mut host.stats);
    pubsub::notify::publish_events(core, shared, None);
    result
}

/// Publishes the keyspace events raised since the last call; the client's
/// own copies go where Redis writes them in `out[start..]`: before,
/// inside or after the reply of the command that raised them, by the
/// place the engine gave each event (kv-engine's `notify_place`), clamped
/// to that range (a `start` at the end puts them all after it). Pushes
/// are not replies: CLIENT REPLY OFF does not hide them.
#[inline]
fn notify(core: &mut Core, shared: &Shared, session: &Session, out: &mut BytesMut, start: usize) {
    if core.engine.has_notifications() {
        publish_notifications(core, shared, session, out, start);
    }
}

fn publish_notifications(
    core: &mut Core,
    shared: &Shared,
    session: &Session,
    out: &mut BytesMut,
    start: usize,
) {
    let (mut own, mut marks) = (BytesMut::new(), Vec::new());
    let target = pubsub::notify::OwnCopies {
        id: session.id(),
        protocol: session.client.protocol,
        buf: &mut own,
        marks: &mut marks,
    };
    pubsub::notify::publish_events(core, shared, Some(target));
    if !own.is_empty() {
        splice_copies(out, start, &own, &marks);
    }
}

/// Inserts the pieces of `own` into `out` at their places (each clamped to
/// the command's reply, `out[start..]`, which may have been cut since),
/// keeping the order of pieces that share a place.
fn splice_copies(out: &mut BytesMut, start: usize, own: &[u8], marks: &[(usize, usize)]) {
    let mut pieces: Vec<(usize, std::ops::Range<usize>)> = Vec::with_capacity(marks.len());
    let mut begin = 0;
    for &(at, end) in marks {
        if end > begin {
            pieces.push((at.clamp(start, out.len()), begin..end));
        }
        begin = end;
    }
    pieces.sort_by_key(|(at, _)| *at); // stable
    let Some(&(first, _)) = pieces.first() else {
        return;
    };
    let reply = out.split_off(first);
    let mut copied = first;
    for (at, range) in pieces {
        out.extend_from_slice(&reply[copied - first..at - first]);
        out.extend_from_slice(&own[range]);
        copied = at;
    }
    out.extend_from_slice(&reply[copied - first..]);
}

fn run_commands(
    core: &mut Core,
    shared: &Shared,
    session: &mut Session,
    batch: &mut Batch,
    out: &mut BytesMut,
    permit: &DeltaPermit,
) -> (Stop, Produced) {
    let mut produced = Produced::default();
    if !shared.durability.is_current(permit) {
        // CONFIG SET appendonly switched pipelines since this credit was
        // taken: it is not the current queue's. Nothing runs; the
        // connection reserves again.
        return (Stop::Done, produced);
    }
    // At most one delta per command: run no more commands than credit.
    let end = batch.commands.len().min(batch.next + permit.remaining());
    let disk_error = crate::durability::disk_error(core, permit.misconf());
    let monitors = shared.monitors.load(Ordering::Relaxed) > 0;
    // A subscribed client's replies count against the pubsub class, as in
    // Redis (its messages do too, in its outbox).
    let hard_limit = |class| core.host.settings.output_limit(class).hard_bytes as usize;
    let (normal_hard, pubsub_hard) = (
        hard_limit(ClientClass::Normal),
        hard_limit(ClientClass::PubSub),
    );
    // One clock reading per command, as Redis's `call` reads one before
    // and one after: a command's end is the next one's start (the engine
    // runs at it: the same clock it would read). Not one per batch:
    // Redis 7.0 refreshes its cached time in every (outermost) `call`,
    // so each pipelined command judges lazy expiry and turns a relative
    // TTL (SET PX, EXPIRE) into a deadline at its own start, and TTL
    // answers from it; a batch's reading would be as old as the commands
    // before it took (a KEYS or SORT can take seconds). And each
    // command's duration (commandstats, SLOWLOG, LATENCY) needs a
    // reading at its end anyway.
    let mut began_us = shared.clock.now_us();
    while batch.next < end {
        let argv = batch.commands.argv(batch.next);
        let sent = batch.commands.sent(batch.next);
        if core.host.pause.is_some() || core.host.stall_until_ms.is_some() {
            let is_write = lookup(core, argv.arg(0)).is_some_and(|s| {
                s.flags.contains(Flags::WRITE) || s.flags.contains(Flags::MAY_REPLICATE)
            });
            let unpause = is_client_unpause(argv);
            let now_ms = shared.clock.now_us() / 1000;
            if let Some(pause) = core.host.pause_for(is_write, unpause, now_ms) {
                return (Stop::Paused(pause), produced);
            }
        }
        batch.next += 1;
        if session.conn.reply == ReplyMode::SkipNext {
            session.conn.reply = ReplyMode::Skipping;
        }
        let start = out.len();
        let was_in_multi = session.client.in_multi();
        let subscribed_mode =
            session.conn.subscriptions > 0 && session.client.protocol == Protocol::Resp2;
        // Refusals in Redis's order: what it finds as it looks the command
        // up (the engine answers those), then authentication, disk errors,
        // RESP2's subscribed mode. The lookup is made only when a gate is
        // shut.
        let gated = (!session.conn.authenticated || disk_error.is_some() || subscribed_mode)
            && !refused_at_lookup(core, shared, session, argv);
        let outcome = if gated
            && ((!session.conn.authenticated && refuse_unauthenticated(core, session, argv, out))
                || disk_error.as_ref().is_some_and(|misconf| {
                    crate::durability::refuse_on_disk_error(
                        core,
                        &mut session.client,
                        argv,
                        out,
                        misconf,
                    )
                })
                || (subscribed_mode && pubsub::mode::refuse(core, &mut session.client, argv, out)))
        {
            // A rejected call of the command, as Redis counts it.
            kv_engine::Outcome {
                command: lookup(core, argv.arg(0)).map(|spec| spec.name),
                failed: true,
                rejected: true,
                ..Default::default()
            }
        } else {
            let mut writer = ReplyWriter::new(out, session.client.protocol);
            let Core { engine, host } = core;
            let mut host = ConnHost {
                state: host,
                shared,
                conn: &mut session.conn,
            };
            engine.execute_sent_at(
                &mut session.client,
                argv,
                sent,
                &mut writer,
                &mut host,
                began_us / 1000,
            )
        };
        if subscribed_mode && outcome.command == Some("ping") {
            pubsub::mode::reshape_ping(out, start);
        }
        let blocked = match outcome.command {
            Some(name) if outcome.blocking && !was_in_multi && !outcome.failed => {
                blocking::block_on(
                    &mut core.host.waiters,
                    &session.shared,
                    &session.conn.handle,
                    &session.client,
                    name,
                    argv,
                    &out[start..],
                )
            }
            _ => None,
        };
        let ended_us = shared.clock.now_us();
        // DEBUG SLEEP's sleep, still to come, is its time.
        let slept = session
            .conn
            .sleep
            .map_or(0, |sleep| sleep.as_micros() as u64);
        let usec = (ended_us.saturating_sub(began_us).max(0) as u64).saturating_add(slept);
        began_us = ended_us;
        produced.ended_us = ended_us;
        if let Some(lsn) = outcome.lsn {
            produced.max_lsn = Some(lsn);
            produced.n_deltas += 1;
        }
        if let Some(name) = outcome.command {
            let stat_name = if outcome.queued {
                // Counted when EXEC runs it (`Host::exec_step_ran`).
                subcommand_of(name, argv.get(1)).map_or(name, |(_, full)| full)
            } else {
                let (failed, rejected) = (outcome.failed, outcome.rejected);
                let stat_name =
                    (core.host.stats).record_call(name, argv.get(1), usec, failed, rejected);
                if blocked.is_some() {
                    time_when_served(&mut core.host, session, stat_name, usec);
                }
                stat_name
            };
            session.conn.last_command = stat_name;
            // A command refused before it ran (arity, a gate) is not
            // logged, timed or monitored, as in Redis.
            if !outcome.rejected {
                let ran = (name, outcome.queued);
                after_command(core, shared, session, argv, ran, usec, monitors);
            }
        }
        core.host.stats.record_error_reply(&out[start..]);
        if let Some(blocked) = blocked {
            out.truncate(start);
            notify(core, shared, session, out, start);
            return (Stop::Blocked(blocked), produced);
        }
        if session.conn.deferred.is_some() {
            session.conn.deferred_silent =
                matches!(session.conn.reply, ReplyMode::Off | ReplyMode::Skipping);
        }
        match session.conn.reply {
            ReplyMode::On | ReplyMode::SkipNext => {}
            ReplyMode::Off => out.truncate(start),
            ReplyMode::Skipping => {
                out.truncate(start);
                session.conn.reply = ReplyMode::On;
            }
        }
        notify(core, shared, session, out, start);
        if !core.host.waiters.is_empty() {
            // Served after the command, as Redis serves them: the events
            // of serving go after its reply (and its own events' pushes).
            let Core { engine, host } = &mut *core;
            host.waiters
                .wake(engine, &shared.durability, &mut host.stats);
            let end = out.len();
            notify(core, shared, session, out, end);
        }
        let obuf_hard = if session.conn.subscriptions > 0 {
            pubsub_hard
        } else {
            normal_hard
        };
        if obuf_hard > 0 && out.len() > obuf_hard {
            tracing::warn!(
                "Client id={} addr={} closed for overcoming of output buffer limits.",
                session.id(),
                session.conn.handle.addr
            );
            out.clear();
            return (Stop::Close, produced);
        }
        if session.conn.after == After::Close {
            return (Stop::Close, produced);
        }
        if let Some(duration) = session.conn.sleep.take() {
            return (Stop::Sleep(duration), produced);
        }
        if session.conn.deferred.is_some() {
            return (Stop::Deferred, produced);
        }
        if core.host.aof_switch.is_some() {
            // The rest of the batch takes credit from the new pipeline.
            crate::durability::apply_switch(core, shared);
            break;
        }
    }
    if !batch.is_drained() {
        return (Stop::Done, produced); // out of credit: the rest runs next
    }
    if let Some(error) = batch.error.take() {
        ReplyWriter::new(out, session.client.protocol).error(&error.reply_text());
        core.host.stats.record_error(&error.reply_text());
        return (Stop::Close, produced);
    }
    (Stop::Done, produced)
}

/// The slow log, the latency monitor, MONITOR and FLUSHALL ASYNC garbage
/// for the command `name` that ran (or was queued: then it is logged when
/// EXEC runs it):
/// each looked at only when it has something to do.
fn after_command(
    core: &mut Core,
    shared: &Shared,
    session: &Session,
    argv: Argv<'_>,
    (name, queued): (&'static str, bool),
    usec: u64,
    monitors: bool,
) {
    let settings = &core.host.settings;
    let slow = settings.slowlog_log_slower_than_us >= 0
        && usec as i64 >= settings.slowlog_log_slower_than_us;
    let threshold_ms = settings.latency_monitor_threshold_ms;
    let late = threshold_ms > 0 && usec / 1000 >= threshold_ms;
    // A queued command is logged when EXEC runs it (`Host::exec_step_ran`).
    let logged = (slow || late) && !queued;
    if logged || monitors {
        let spec = lookup(core, argv.arg(0));
        let flags = spec.map(|s| s.flags).unwrap_or_default();
        let now_us = shared.clock.now_us();
        if logged {
            log_if_slow(&mut core.host, &session.conn, argv, flags, usec, now_us);
        }
        if monitors
            && spec.is_some_and(|spec| crate::host::redact::monitored(&spec, argv))
            && !session.conn.monitor
        {
            crate::host::monitor::feed(core, session, argv, now_us);
        }
    }
    if matches!(name, "flushall" | "flushdb") {
        // Freeing millions of keys takes a while: off the lock, on a
        // blocking thread, as Redis's lazyfree thread does.
        let garbage = core.engine.take_garbage();
        crate::cron::free(shared, garbage);
    }
}

/// A command that blocked is timed once served or unblocked, if it is
/// (`Waiters`), as in Redis: the time its call counted is taken back.
#[cold]
#[inline(never)]
fn time_when_served(host: &mut HostState, session: &Session, name: &'static str, usec: u64) {
    host.stats.forget_latency(name, usec);
    (host.waiters).time_when_served(session.conn.handle.id, name, usec);
}

/// Logs a command that ran `usec` in the slow log and the latency
/// monitor, if it was slow enough for either (at its run, or for one
/// queued in MULTI, at EXEC's run of it).
pub fn log_if_slow(
    host: &mut HostState,
    conn: &ConnState,
    argv: Argv<'_>,
    flags: Flags,
    usec: u64,
    now_us: i64,
) {
    let settings = &host.settings;
    let (slower_than, max_len) = (
        settings.slowlog_log_slower_than_us,
        settings.slowlog_max_len,
    );
    let threshold_ms = settings.latency_monitor_threshold_ms;
    if slower_than >= 0 && usec as i64 >= slower_than && !flags.contains(Flags::SKIP_SLOWLOG) {
        let name_shown = conn.name.clone().unwrap_or_default();
        host.slowlog.record(
            slower_than,
            max_len,
            argv,
            usec,
            now_us / 1_000_000,
            &conn.handle.addr,
            &name_shown,
        );
    }
    if threshold_ms > 0 && usec / 1000 >= threshold_ms {
        let event = if flags.contains(Flags::FAST) {
            "fast-command"
        } else {
            "command"
        };
        host.latency
            .record(threshold_ms, event, usec / 1000, now_us / 1_000_000);
    }
}

/// Whether Redis refuses `argv` as it looks it up, before any gate: an
/// unknown command or subcommand, a wrong arity, a protected command this
/// connection may not run. The engine then answers it.
fn refused_at_lookup(
    core: &mut Core,
    shared: &Shared,
    session: &mut Session,
    argv: Argv<'_>,
) -> bool {
    let Some(spec) = lookup(core, argv.arg(0)) else {
        return true;
    };
    let host = ConnHost {
        state: &mut core.host,
        shared,
        conn: &mut session.conn,
    };
    kv_engine::engine::refused_at_lookup(&spec, argv, &host).is_some()
}

/// The NOAUTH gate: true (with the reply written) when an unauthenticated
/// client may not run `argv`, which `refused_at_lookup` let through.
fn refuse_unauthenticated(
    core: &Core,
    session: &mut Session,
    argv: Argv<'_>,
    out: &mut BytesMut,
) -> bool {
    let Some(spec) = lookup(core, argv.arg(0)) else {
        return false;
    };
    if spec.flags.contains(Flags::NO_AUTH) {
        return false;
    }
    refuse_at_gate(
        &mut session.client,
        out,
        spec.name,
        "NOAUTH Authentication required.",
    );
    true
}

/// A gate's refusal (NOAUTH, MISCONF, subscribed mode) of `command`, as
/// Redis rejects a command: EXEC's discards the transaction with an
/// EXECABORT naming the reason (an `ERR` code left out), another
/// command's fails the MULTI it would be queued in.
pub fn refuse_at_gate(
    client: &mut kv_engine::ClientState,
    out: &mut BytesMut,
    command: &str,
    text: &str,
) {
    let mut writer = ReplyWriter::new(out, client.protocol);
    if command == "exec" {
        let reason = text.strip_prefix("ERR ").unwrap_or(text);
        writer.error(format!("EXECABORT Transaction discarded because of: {reason}").as_bytes());
        client.multi = None;
        client.multi_failed = false;
    } else {
        writer.error(text.as_bytes());
        if client.in_multi() {
            client.multi_failed = true;
        }
    }
}

/// A command's spec, engine or host.
pub fn lookup(core: &Core, name: &[u8]) -> Option<CommandSpec> {
    core.engine
        .table()
        .get(name)
        .or_else(|| core.host.commands.spec(name))
}

fn is_client_unpause(argv: Argv<'_>) -> bool {
    argv.len() == 2
        && argv[0].eq_ignore_ascii_case(b"client")
        && argv[1].eq_ignore_ascii_case(b"unpause")
}

#[cfg(test)]
mod tests {
    use super::splice_copies;
    use bytes::BytesMut;

    #[test]
    fn own_copies_go_at_their_places_clamped_to_the_reply() {
        let mut out = BytesMut::from(&b"old|*2|a|b"[..]);
        // Before the reply, inside it after its header, twice at its end,
        // and one from before the command (clamped to its start).
        let own = b"P1P2P3P4P0";
        let marks = [(4, 2), (6, 4), (10, 6), (usize::MAX, 8), (0, 10)];
        splice_copies(&mut out, 4, own, &marks);
        assert_eq!(&out[..], b"old|P1P0*2P2|a|bP3P4");
    }

    #[test]
    fn events_without_copies_change_nothing() {
        let mut out = BytesMut::from(&b"+OK\r\n"[..]);
        splice_copies(&mut out, 0, b"", &[(0, 0), (5, 0)]);
        assert_eq!(&out[..], b"+OK\r\n");
    }
}
