//! Listening: the TCP sockets of `bind`/`port` (with `tcp-backlog`, and
//! on each accepted socket TCP_NODELAY and `tcp-keepalive`) and the unix
//! socket of `unixsocket`/`unixsocketperm`; the accept loops, which refuse
//! clients past `maxclients` and, in protected mode, remote clients, with
//! Redis's texts; and one tracked task per connection.

use crate::config::Settings;
use crate::connection::{self, Peer};
use crate::shared::Shared;
use anyhow::{bail, Context};
use socket2::{Domain, SockRef, Socket, TcpKeepalive, Type};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UnixListener};
use tokio_util::sync::CancellationToken;

/// Redis's reply to a remote client in protected mode (from redis-server
/// 7.0.15 itself), sent before closing.
const DENIED: &str = include_str!("denied.txt");
const MAX_CLIENTS: &[u8] = b"-ERR max number of clients reached\r\n";
/// Pause after a failed accept (out of file descriptors), so the loop does
/// not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// The sockets a server listens on.
pub struct Listeners {
    /// Each with its configured address (its port 0 until bound).
    pub tcp: Vec<(SocketAddr, TcpListener)>,
    pub unix: Option<(UnixListener, PathBuf)>,
}

impl Listeners {
    /// The port actually bound (differs from `port` only when it was 0
    /// for tests... or when nothing listens on TCP).
    pub fn tcp_port(&self) -> Option<u16> {
        self.tcp
            .first()
            .and_then(|(_, l)| l.local_addr().ok())
            .map(|a| a.port())
    }
}

/// Binds every configured address. A `-` before an address makes it
/// optional: if it cannot be bound for want of the address family or the
/// address, it is skipped, as Redis does.
pub fn bind(settings: &Settings) -> anyhow::Result<Listeners> {
    let tcp: Vec<(SocketAddr, TcpListener)> = bind_tcp(settings, &[])?
        .into_iter()
        .filter_map(|(address, listener)| Some((address, listener?)))
        .collect();
    if tcp.is_empty() && settings.unixsocket.is_none() {
        bail!("Configured to not listen anywhere, exiting.");
    }
    let unix = match &settings.unixsocket {
        None => None,
        Some(path) => Some((listen_unix(path, settings.unixsocketperm)?, path.clone())),
    };
    Ok(Listeners { tcp, unix })
}

/// One address of `bind` on `port`: where, whether a `-` made it
/// optional, and the host as written.
struct BindAddress {
    address: SocketAddr,
    optional: bool,
    host: String,
}

/// The TCP addresses of `bind` and `port` (none with `port 0` and a unix
/// socket), in order, each as often as it is named.
fn tcp_addresses(settings: &Settings) -> anyhow::Result<Vec<BindAddress>> {
    let mut addresses = Vec::new();
    if settings.port == 0 && settings.unixsocket.is_some() {
        return Ok(addresses);
    }
    for entry in &settings.bind {
        let (optional, host) = match entry.strip_prefix('-') {
            Some(host) => (true, host),
            None => (false, entry.as_str()),
        };
        let ip: IpAddr = match host {
            "*" => IpAddr::from([0, 0, 0, 0]),
            "::*" => "::".parse().expect("an IPv6 address"),
            other => other
                .parse()
                .with_context(|| format!("Invalid bind address '{other}'"))?,
        };
        addresses.push(BindAddress {
            address: SocketAddr::new(ip, settings.port),
            optional,
            host: host.to_string(),
        });
    }
    Ok(addresses)
}

/// The TCP sockets of `bind` and `port`, each with its configured
/// address; an address in `open` is listened on already and left as it
/// is (None).
fn bind_tcp(
    settings: &Settings,
    open: &[SocketAddr],
) -> anyhow::Result<Vec<(SocketAddr, Option<TcpListener>)>> {
    let mut tcp: Vec<(SocketAddr, Option<TcpListener>)> = Vec::new();
    for BindAddress {
        address,
        optional,
        host,
    } in tcp_addresses(settings)?
    {
        // An address named twice is bound twice, as Redis does: the
        // second bind finds it in use and the whole setting is refused.
        let named_before = tcp.iter().any(|(seen, _)| *seen == address);
        if open.contains(&address) && !named_before {
            tcp.push((address, None));
            continue;
        }
        match listen_tcp(address, settings.tcp_backlog) {
            Ok(listener) => tcp.push((address, Some(listener))),
            Err(error) if optional && address_missing(&error) => {
                tracing::info!("Skipping optional bind address {address}: {error}");
            }
            Err(error) => {
                tracing::warn!(
                    "Warning: Could not create server TCP listening socket {host}:{}: bind: {}",
                    settings.port,
                    crate::config::load::io_reason(&error)
                );
                bail!(
                    "Failed listening on port {} (TCP), aborting.",
                    settings.port
                );
            }
        }
    }
    Ok(tcp)
}

/// One TCP accept loop: its configured address, the port it got, its
/// socket and what stops it.
pub struct TcpAccept {
    address: SocketAddr,
    port: u16,
    socket: Arc<ListenSlot>,
    stop: CancellationToken,
}

/// A listening socket its accept loop polls and a rebind can close at
/// once (`close`), without waiting for the loop to see its stop: the
/// address is free for the next bind as soon as this returns. The lock is
/// held only within one poll, never across an await.
pub struct ListenSlot(parking_lot::Mutex<Option<TcpListener>>);

impl ListenSlot {
    fn new(listener: TcpListener) -> ListenSlot {
        ListenSlot(parking_lot::Mutex::new(Some(listener)))
    }

    /// The next client; None once the socket is closed.
    async fn accept(&self) -> Option<std::io::Result<(tokio::net::TcpStream, SocketAddr)>> {
        std::future::poll_fn(|cx| match self.0.lock().as_ref() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => std::task::Poll::Ready(None),
        })
        .await
    }

    fn local_addr(&self) -> Option<SocketAddr> {
        self.0.lock().as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Closes the socket now.
    fn close(&self) {
        drop(self.0.lock().take());
    }
}

/// Starts the accept loops of the sockets just bound and keeps those of
/// the addresses still wanted (`None`); the loops of every other address
/// stop (their clients stay connected). Notes the port for INFO.
fn serve_bound(shared: &Shared, bound: Vec<(SocketAddr, Option<TcpListener>)>) {
    let mut accepts = shared.tcp_accept.lock();
    let mut previous = std::mem::take(&mut *accepts);
    for (address, listener) in bound {
        match listener {
            Some(listener) => {
                let port = listener.local_addr().map_or(0, |a| a.port());
                let stop = shared.shutdown.child_token();
                let socket = Arc::new(ListenSlot::new(listener));
                shared
                    .tracker
                    .spawn(accept_tcp(socket.clone(), shared.me(), stop.clone()));
                accepts.push(TcpAccept {
                    address,
                    port,
                    socket,
                    stop,
                });
            }
            None => {
                // bind_tcp keeps an address only once and only if it is open.
                let at = previous.iter().position(|a| a.address == address);
                debug_assert!(at.is_some(), "an address kept is open: {address}");
                if let Some(at) = at {
                    accepts.push(previous.swap_remove(at));
                }
            }
        }
    }
    for gone in previous {
        gone.socket.close();
        gone.stop.cancel();
    }
    let port = accepts.first().map_or(0, |a| a.port);
    shared.tcp_port.store(u64::from(port), Ordering::Relaxed);
}

/// Starts the accept loops of the listeners bound at startup.
pub fn serve_tcp(shared: &Shared, tcp: Vec<(SocketAddr, TcpListener)>) {
    let bound = tcp.into_iter().map(|(a, l)| (a, Some(l))).collect();
    serve_bound(shared, bound);
}

/// CONFIG SET port / bind: listens as `settings` say now, or refuses
/// with Redis's text and listens as before. As Redis does, the old
/// listeners the new setting does not name are closed first (so `*` after
/// `127.0.0.1` on the same port can be bound), and bound again if the new
/// addresses cannot all be; an address listened on already and named
/// again is kept open throughout. `port_changed` names the directive the
/// text is about.
pub fn rebind(shared: &Shared, settings: &Settings, port_changed: bool) -> Result<(), String> {
    let refused = || {
        let what = if port_changed { "port" } else { "bind" };
        tracing::warn!(
            "Failed applying new configuration. Possibly related to new {what} setting. Restoring previous settings."
        );
        Err(if port_changed {
            "Unable to listen on this port. Check server logs.".to_string()
        } else {
            "Failed to bind to specified addresses.".to_string()
        })
    };
    let wanted = match tcp_addresses(settings) {
        Ok(wanted) => wanted,
        Err(error) => {
            tracing::warn!("{error:#}");
            return refused();
        }
    };
    let (open, closed) = {
        let accepts = shared.tcp_accept.lock();
        let mut open = Vec::new();
        let mut closed = Vec::new();
        for accept in accepts.iter() {
            if wanted.iter().any(|w| w.address == accept.address) {
                open.push(accept.address);
            } else {
                accept.socket.close();
                closed.push(accept.address);
            }
        }
        (open, closed)
    };
    match bind_tcp(settings, &open) {
        Ok(tcp) if !tcp.is_empty() || settings.unixsocket.is_some() => {
            serve_bound(shared, tcp);
            Ok(())
        }
        bound => {
            if let Err(error) = &bound {
                tracing::warn!("{error:#}");
            }
            drop(bound);
            restore(shared, &closed, settings.tcp_backlog);
            refused()
        }
    }
}

/// After a refused rebind: the listeners closed for it, bound again (the
/// others were never closed).
fn restore(shared: &Shared, closed: &[SocketAddr], backlog: u32) {
    let previous: Vec<SocketAddr> = shared.tcp_accept.lock().iter().map(|a| a.address).collect();
    let mut bound = Vec::new();
    for address in previous {
        if !closed.contains(&address) {
            bound.push((address, None));
            continue;
        }
        match listen_tcp(address, backlog) {
            Ok(listener) => bound.push((address, Some(listener))),
            Err(error) => {
                tracing::error!("Failed to restore the listening socket {address}: {error}")
            }
        }
    }
    serve_bound(shared, bound);
}

fn address_missing(error: &std::io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(97 /* EAFNOSUPPORT */ | 99 /* EADDRNOTAVAIL */ | 93 /* EPROTONOSUPPORT */)
    )
}

fn listen_tcp(address: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    if address.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.bind(&address.into())?;
    socket.listen(backlog.min(i32::MAX as u32) as i32)?;
    socket.set_nonblocking(true)?;
    TcpListener::from_std(socket.into())
}

fn listen_unix(path: &PathBuf, perm: u32) -> anyhow::Result<UnixListener> {
    // A socket file left by a previous run would make bind fail.
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)
        .with_context(|| format!("Failed opening Unix socket: bind: {}", path.display()))?;
    if perm != 0 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm))
            .with_context(|| format!("setting the mode of {}", path.display()))?;
    }
    Ok(listener)
}

/// Accepts TCP clients until `stop` is cancelled or the socket closed.
async fn accept_tcp(socket: Arc<ListenSlot>, shared: Arc<Shared>, stop: CancellationToken) {
    let laddr = socket
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            accepted = socket.accept() => accepted,
        };
        let Some(accepted) = accepted else {
            return;
        };
        let (stream, peer_addr) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!("Accepting client connection: {error}");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let keepalive = {
            let core = shared.core.lock();
            core.host.settings.tcp_keepalive
        };
        let _ = stream.set_nodelay(true);
        if let Some(time) = keepalive {
            let params = TcpKeepalive::new()
                .with_time(time)
                .with_interval((time / 3).max(Duration::from_secs(1)))
                .with_retries(3);
            let _ = SockRef::from(&stream).set_tcp_keepalive(&params);
        }
        use std::os::fd::AsRawFd;
        let peer = Peer {
            addr: peer_addr.to_string(),
            laddr: laddr.clone(),
            fd: stream.as_raw_fd() as i64,
            local: peer_addr.ip().is_loopback() || peer_addr.ip().to_canonical().is_loopback(),
        };
        admit(stream, peer, &shared);
    }
}

/// Accepts unix socket clients until `stop` is cancelled.
pub async fn accept_unix(
    listener: UnixListener,
    path: PathBuf,
    shared: Arc<Shared>,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!("Accepting client connection: {error}");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        use std::os::fd::AsRawFd;
        let peer = Peer {
            addr: format!("{}:0", path.display()),
            laddr: format!("{}:0", path.display()),
            fd: stream.as_raw_fd() as i64,
            local: true,
        };
        admit(stream, peer, &shared);
    }
    let _ = std::fs::remove_file(&path);
}

/// Applies maxclients and protected mode, then starts the connection task.
pub fn admit<S>(mut stream: S, peer: Peer, shared: &Arc<Shared>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (maxclients, protected) = {
        let core = shared.core.lock();
        let settings = &core.host.settings;
        (
            settings.maxclients,
            settings.protected_mode && settings.requirepass.is_none(),
        )
    };
    let refusal: Option<&'static [u8]> =
        if shared.connected.fetch_add(1, Ordering::Relaxed) >= maxclients {
            Some(MAX_CLIENTS)
        } else if protected && !peer.local {
            Some(DENIED.as_bytes())
        } else {
            None
        };
    if let Some(text) = refusal {
        shared.connected.fetch_sub(1, Ordering::Relaxed);
        shared.core.lock().host.stats.rejected_connections += 1;
        shared.tracker.spawn(async move {
            // The client may never read: a bounded, best-effort goodbye.
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                stream.write_all(text).await?;
                if !text.ends_with(b"\r\n") {
                    stream.write_all(b"\r\n").await?;
                }
                stream.shutdown().await
            })
            .await;
        });
        return;
    }
    let shared = shared.clone();
    shared
        .tracker
        .clone()
        .spawn(connection::serve(stream, peer, shared));
}
