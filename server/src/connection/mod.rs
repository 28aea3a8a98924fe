//! One task per connection: read what is there, run every complete
//! command under one engine lock, write all replies with one write.
//!
//! - [`session`]: the client's registration (released on drop) and its
//!   connection-local state.
//! - [`batch`]: running a pipeline under the lock.
//!
//! `serve` is generic over `AsyncRead + AsyncWrite`, so tests and the
//! simulator drive it over `tokio::io::duplex` exactly as a socket would.
//!
//! The loop, per round: wait for input, an outbox push, the client's kill
//! switch (CLIENT KILL, limits, shutdown), the end of a blocking wait or
//! the idle timeout; decode
//! every complete command; take the durability permit (before the lock);
//! run the batch under the lock; wait for durability if the fsync policy
//! says so (after the lock); write. A kill is only noticed between rounds,
//! so a command that started always finishes and its reply is written.

pub mod batch;
mod on_wake;
pub mod session;
pub mod spin;

use crate::blocking::{Blocked, Wake};
use crate::client::ClientHandle;
use crate::config::Settings;
use crate::core::Pause;
use crate::shared::Shared;
use batch::{Batch, Stop};
use bytes::BytesMut;
use on_wake::{poll_once, OnWake};
use resp_codec::{Limits, Protocol, RequestDecoder};
pub use session::Peer;
use session::Session;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Bytes read at a time (Redis's PROTO_IOBUF_LEN); more when a large
/// argument is known to be coming.
const READ_CHUNK: usize = 16 * 1024;
/// How long a reply write may take once the server is shutting down.
const SHUTDOWN_WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings a connection keeps between batches, refreshed when CONFIG SET
/// changed something.
struct Cached {
    epoch: u64,
    timeout: Option<Duration>,
    query_buffer_limit: usize,
    soft_limit: (usize, Duration),
}

impl Cached {
    fn from(settings: &Settings, epoch: u64) -> Cached {
        let normal = settings.output_buffer_limits[0];
        Cached {
            epoch,
            timeout: settings.timeout,
            query_buffer_limit: settings.client_query_buffer_limit,
            soft_limit: (
                normal.soft_bytes as usize,
                Duration::from_secs(normal.soft_seconds),
            ),
        }
    }
}

fn limits(settings: &Settings) -> Limits {
    Limits {
        max_bulk_len: settings.proto_max_bulk_len,
        ..Limits::default()
    }
}

/// Serves one client until it leaves, is killed, or the server stops.
pub async fn serve<S>(mut stream: S, peer: Peer, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (settings, epoch) = {
        let core = shared.core.lock();
        (core.host.settings.clone(), core.host.settings_epoch)
    };
    let authenticated = settings.requirepass.is_none();
    let mut session = Session::register(shared.clone(), peer, authenticated);
    let mut cached = Cached::from(&settings, epoch);
    let mut decoder = RequestDecoder::new(limits(&settings));
    decoder.set_auth_required(!authenticated);
    drop(settings);
    let kill = session.conn.handle.kill.clone();
    let handle = session.conn.handle.clone();
    let mut input = BytesMut::with_capacity(READ_CHUNK);
    let mut out = BytesMut::with_capacity(READ_CHUNK);
    let mut batch = Batch::default();
    #[cfg(feature = "sim")]
    let mut sim_turns: u64 = 0;
    let mut last_input = tokio::time::Instant::now();
    let mut traffic = Traffic::default();
    // The query buffer's length CLIENT LIST last saw.
    let mut published_qbuf = 0;
    // Waiting in a blocking command: the rest of the pipeline waits too.
    let mut blocked: Option<Blocked> = None;
    // Made once, not per round: a fresh waiter each round costs a
    // registration and an unlinking per request at -P 1. Polled again
    // only once their own waker fired: a round that waits polls neither.
    let mut killed = OnWake::new(kill.cancelled());
    let mut outbox_ready = OnWake::new(handle.outbox.ready());
    // Registered now, so a kill raises its flag even while every round
    // finds input and the select never reaches it (a kill before this is
    // seen by the first round's check).
    let _ = poll_once(&mut killed).await;
    loop {
        // Checked whenever input came in, a whole command too, as Redis
        // checks its query buffer after every read.
        if query_buffer_overflows(&input, cached.query_buffer_limit, &session) {
            break;
        }
        // Nothing to decode in an empty buffer (the drained batch was
        // cleared after its replies were written).
        if blocked.is_none() && batch.is_drained() && !input.is_empty() {
            batch.decode(&mut decoder, &mut input, !session.conn.authenticated);
        }
        if blocked.is_some() || (batch.is_drained() && batch.error.is_none()) {
            // Checked here, where a round waits: the select below looks
            // at the kill switch only when there is no input. Its flag is
            // up once it fired (an atomic load, no lock).
            if killed.may_be_ready() && poll_once(&mut killed).await.is_ready() {
                break;
            }
            if input.len() != published_qbuf {
                // A command not whole yet, more of it read since its
                // batch published: CLIENT LIST shows what is in (only
                // such rounds publish here).
                published_qbuf = input.len();
                publish_query_buffer(&mut handle.info.lock(), &input, &decoder);
            }
            if input.capacity() - input.len() < READ_CHUNK / 4 {
                input.reserve(READ_CHUNK.max(decoder.bytes_wanted(&input)));
            }
            // Redis never closes monitors, blocked or subscribed clients
            // for being idle.
            let idle_deadline = cached
                .timeout
                .filter(|_| {
                    !session.conn.monitor && blocked.is_none() && session.conn.subscriptions == 0
                })
                .map(|t| last_input + t);
            let idle = async {
                match idle_deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            // Input first: at -P 1 a round is woken by its request, and a
            // read that is ready spares polling (locking) the kill switch
            // and the outbox; the kill was checked just above, and the
            // outbox is taken into every batch's replies.
            tokio::select! {
                biased;
                // Branches that cannot complete are not polled at all
                // (their futures would only ever be pending).
                _ = woken(blocked.as_ref()), if blocked.is_some() => {
                    let wake = blocked.take().map(|b| (b.protocol, b.finish()));
                    if end_wait(wake, &mut stream, &mut out, &shared, &handle, &cached).await.is_err() {
                        break;
                    }
                }
                read = stream.read_buf(&mut input) => match read {
                    Ok(0) | Err(_) => {
                        // Gone while blocked: unregister, and still send
                        // what it was served first (a half-closed client
                        // reads it).
                        let wake = blocked
                            .take()
                            .and_then(|b| Some((b.protocol, b.abandon()?)));
                        let _ = end_wait(wake, &mut stream, &mut out, &shared, &handle, &cached).await;
                        break;
                    }
                    Ok(n) => {
                        last_input = tokio::time::Instant::now();
                        traffic.reads += 1;
                        traffic.bytes_in += n as u64;
                    }
                },
                _ = &mut killed => break,
                _ = &mut outbox_ready => {
                    outbox_ready.set(handle.outbox.ready());
                    handle.outbox.take_into(&mut out);
                    if write_out(&mut stream, &mut out, &shared, &handle, cached.soft_limit).await.is_err() {
                        break;
                    }
                }
                _ = idle, if idle_deadline.is_some() => {
                    tracing::debug!("Closing idle client");
                    break;
                }
            }
            continue;
        }
        let Ok(mut permit) = shared.durability.reserve(batch.pending()).await else {
            break; // persistence has shut down
        };
        // The simulation parks a seeded eighth of batches between their
        // credit and the lock, so a CONFIG SET appendonly can switch
        // pipelines in between (the generation check in `batch::run`).
        #[cfg(feature = "sim")]
        {
            sim_turns += 1;
            if crate::sim::parks_before_lock(shared.seed, session.id(), sim_turns) {
                tokio::task::yield_now().await;
            }
        }
        shared.spin.note_batch();
        let (stop, produced) = {
            let mut core = shared.core.lock();
            if core.host.settings_epoch != cached.epoch {
                cached = Cached::from(&core.host.settings, core.host.settings_epoch);
                decoder.set_limits(limits(&core.host.settings));
            }
            // What others pushed before this batch goes before its replies.
            handle.outbox.take_into(&mut out);
            let (stop, produced) = batch::run(
                &mut core,
                &shared,
                &mut session,
                &mut batch,
                &mut out,
                &permit,
            );
            published_qbuf = input.len();
            publish_info(
                &session,
                &input,
                &decoder,
                &out,
                &mut core,
                &mut traffic,
                produced.ended_us,
            );
            (stop, produced)
        };
        permit.spent(produced.n_deltas);
        // What this batch did not emit goes back before anything below
        // waits: a client that never reads its replies (or a pause, a
        // DEBUG SLEEP) must not sit on credit the timer's save points and
        // every other writer need. The permit stays for the fsync wait.
        permit.release_unspent();
        decoder.set_auth_required(!session.conn.authenticated);
        if let Some(lsn) = produced.max_lsn.filter(|_| permit.waits_for_fsync()) {
            // The planted bug `ack_before_fsync` (`sim::MUTATION`): the
            // replies go out before the deltas they answer are durable.
            #[cfg(dst_mutation = "ack_before_fsync")]
            {
                handle.outbox.take_into(&mut out);
                if write_out(&mut stream, &mut out, &shared, &handle, cached.soft_limit)
                    .await
                    .is_err()
                {
                    break;
                }
            }
            // The planted bug `lock_across_await`: a gate held by hand
            // across the wait (cancellation at the await never frees it).
            #[cfg(dst_mutation = "lock_across_await")]
            shared
                .durability
                .gate
                .0
                .acquire()
                .await
                .expect("the gate never closes")
                .forget();
            let durable = permit.wait_durable(lsn).await;
            #[cfg(dst_mutation = "lock_across_await")]
            shared.durability.gate.0.add_permits(1);
            if let Err(error) = durable {
                // Not durable: these replies may not go out. The client
                // sees the connection close, never a false OK.
                tracing::warn!(
                    "Closing client id={}: its writes could not be made durable ({error})",
                    session.id()
                );
                break;
            }
        }
        let close = match stop {
            Stop::Sleep(duration) => {
                tokio::time::sleep(duration).await;
                if !batch.is_drained() {
                    continue;
                }
                false
            }
            Stop::Deferred => {
                if let Some(deferred) = session.conn.deferred.take() {
                    let reply = deferred.await;
                    if let session::DeferredReply::Error(text) = &reply {
                        // Counted as the command's own error would have been.
                        let name = session.conn.last_command;
                        shared
                            .core
                            .lock()
                            .host
                            .stats
                            .record_failed_later(name, text);
                    }
                    if !session.conn.deferred_silent {
                        reply.write(&mut out, session.client.protocol);
                    }
                }
                if !batch.is_drained() {
                    continue;
                }
                false
            }
            Stop::Paused(pause) => {
                if write_out(&mut stream, &mut out, &shared, &handle, cached.soft_limit)
                    .await
                    .is_err()
                {
                    break;
                }
                wait_out(pause, &shared).await;
                continue;
            }
            Stop::Blocked(waiting) => {
                blocked = Some(waiting);
                false
            }
            Stop::Done => false,
            Stop::Close => true,
        };
        handle.outbox.take_into(&mut out);
        traffic.note_write(out.len());
        if write_out(&mut stream, &mut out, &shared, &handle, cached.soft_limit)
            .await
            .is_err()
            || close
        {
            break;
        }
        if batch.is_drained() {
            batch.clear();
        }
    }
    drop(blocked);
    let _ = tokio::time::timeout(SHUTDOWN_WRITE_TIMEOUT, stream.shutdown()).await;
    drop(session);
}

/// Completes when the client's wait may be over (never when not waiting).
async fn woken(blocked: Option<&Blocked>) {
    match blocked {
        Some(blocked) => blocked.woken().await,
        None => std::future::pending().await,
    }
}

/// Writes the reply that ends a wait (after the served pop is durable,
/// when the fsync policy says replies wait for that).
async fn end_wait<S: AsyncWrite + Unpin>(
    wake: Option<(Protocol, Wake)>,
    stream: &mut S,
    out: &mut BytesMut,
    shared: &Shared,
    handle: &ClientHandle,
    cached: &Cached,
) -> std::io::Result<()> {
    let Some((protocol, wake)) = wake else {
        return Ok(());
    };
    if let Some(lsn) = wake.lsn().filter(|_| shared.durability.waits_for_fsync()) {
        if shared.durability.wait_durable(lsn).await.is_err() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
    }
    wake.reply_into(protocol, out);
    write_out(stream, out, shared, handle, cached.soft_limit).await
}

/// Reads and writes since the counters were last added to INFO's.
#[derive(Default)]
struct Traffic {
    reads: u64,
    writes: u64,
    bytes_in: u64,
    bytes_out: u64,
}

impl Traffic {
    fn note_write(&mut self, len: usize) {
        if len > 0 {
            self.writes += 1;
            self.bytes_out += len as u64;
        }
    }
}

/// Writes and empties `out`. Past the normal class's soft limit the
/// write must finish within its seconds, or the client is dropped; a kill
/// (CLIENT KILL, an outbox over its limit) interrupts a write that a
/// client which never reads would otherwise block forever.
async fn write_out<S: AsyncWrite + Unpin>(
    stream: &mut S,
    out: &mut BytesMut,
    shared: &Shared,
    handle: &ClientHandle,
    soft: (usize, Duration),
) -> std::io::Result<()> {
    let kill = &handle.kill;
    if out.is_empty() {
        return Ok(());
    }
    // One try first, in this task's context: the socket usually takes the
    // whole reply at once, and then none of the timeout and kill switch
    // machinery below is set up. A short or refused write falls through
    // to it with what is left (a refusal has registered this task's waker,
    // as any poll would).
    let first = std::future::poll_fn(|cx| match Pin::new(&mut *stream).poll_write(cx, out) {
        Poll::Ready(result) => Poll::Ready(Some(result)),
        Poll::Pending => Poll::Ready(None),
    })
    .await;
    match first {
        Some(Ok(n)) if n == out.len() => {
            let flushed = stream.flush().await;
            finish_write(out, handle);
            return flushed;
        }
        Some(Ok(0)) => {
            finish_write(out, handle);
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        Some(Ok(n)) => bytes::Buf::advance(out, n),
        Some(Err(error)) => {
            finish_write(out, handle);
            return Err(error);
        }
        None => {}
    }
    let shutting_down = shared.shutdown.is_cancelled();
    let deadline = if shutting_down {
        Some(SHUTDOWN_WRITE_TIMEOUT)
    } else if soft.0 > 0 && out.len() > soft.0 && !soft.1.is_zero() {
        Some(soft.1)
    } else {
        None
    };
    let write = async {
        stream.write_all(out).await?;
        stream.flush().await
    };
    let bounded = async {
        match deadline {
            None => write.await,
            Some(limit) => tokio::time::timeout(limit, write)
                .await
                .unwrap_or_else(|_| {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "output buffer soft limit",
                    ))
                }),
        }
    };
    let result = if shutting_down {
        // Shutting down: every kill token is cancelled already, and the
        // replies of in-flight commands still go out (bounded above).
        bounded.await
    } else {
        // The write first: it usually completes in its first poll, and
        // then the kill switch is never registered with.
        tokio::select! {
            biased;
            result = bounded => result,
            _ = kill.cancelled() => Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "client killed")),
        }
    };
    finish_write(out, handle);
    result
}

/// Empties `out` (a huge one is let go) and tells the outbox it went.
fn finish_write(out: &mut BytesMut, handle: &ClientHandle) {
    if out.capacity() > 4 * READ_CHUNK * 16 {
        *out = BytesMut::with_capacity(READ_CHUNK);
    } else {
        out.clear();
    }
    handle.outbox.written();
}

/// Waits until `pause` ends (its time, or CLIENT UNPAUSE).
async fn wait_out(pause: Pause, shared: &Shared) {
    let now_ms = shared.clock.now_us() / 1000;
    let left = Duration::from_millis((pause.until_ms - now_ms).max(0) as u64);
    tokio::select! {
        _ = tokio::time::sleep(left) => {}
        _ = shared.unpaused.notified() => {}
        _ = shared.shutdown.cancelled() => {}
    }
}

/// Past `client-query-buffer-limit`: logged as Redis logs it, and the
/// client is to be closed.
fn query_buffer_overflows(input: &[u8], limit: usize, session: &Session) -> bool {
    if input.len() <= limit {
        return false;
    }
    tracing::warn!(
        "Closing client that reached max query buffer length: id={} addr={} (qbuf initial bytes: {:?})",
        session.id(),
        session.conn.handle.addr,
        String::from_utf8_lossy(&input[..input.len().min(64)])
    );
    true
}

/// CLIENT LIST's fields of the query buffer (what holds a command not
/// whole yet, if any).
fn publish_query_buffer(
    info: &mut crate::client::ClientInfo,
    input: &BytesMut,
    decoder: &RequestDecoder,
) {
    (info.qbuf, info.argv_mem) = decoder.partial_progress(input);
    info.qbuf_free = input.capacity() - input.len();
    info.rbs = input.capacity();
    info.rbp = info.rbp.max(input.len());
}

/// Copies the connection's CLIENT LIST fields into its handle, and its
/// traffic into INFO's counters. `ended_us` is when the batch's last
/// command ended (0: none ran, read the clock).
fn publish_info(
    session: &Session,
    input: &BytesMut,
    decoder: &RequestDecoder,
    out: &BytesMut,
    core: &mut crate::core::Core,
    traffic: &mut Traffic,
    ended_us: i64,
) {
    let conn = &session.conn;
    let mut info = conn.handle.info.lock();
    info.name.clone_from(&conn.name);
    info.db = session.client.db;
    info.last_command = conn.last_command;
    let now_us = if ended_us > 0 {
        ended_us
    } else {
        session.shared.clock.now_us()
    };
    info.last_interaction_ms = now_us / 1000;
    info.multi = session.client.multi.as_ref().map(Vec::len);
    publish_query_buffer(&mut info, input, decoder);
    info.obl = out.len();
    info.omem = conn.handle.outbox.pending_len();
    info.resp = match session.client.protocol {
        resp_codec::Protocol::Resp2 => 2,
        resp_codec::Protocol::Resp3 => 3,
    };
    info.monitor = conn.monitor;
    info.no_evict = conn.no_evict;
    info.no_touch = conn.no_touch;
    let stats = &mut core.host.stats;
    stats.reads_processed += traffic.reads;
    stats.writes_processed += traffic.writes;
    stats.net_input_bytes += traffic.bytes_in;
    stats.net_output_bytes += traffic.bytes_out;
    *traffic = Traffic::default();
    stats.client_recent_max_input_buffer = stats.client_recent_max_input_buffer.max(input.len());
    stats.client_recent_max_output_buffer = stats.client_recent_max_output_buffer.max(out.len());
}
