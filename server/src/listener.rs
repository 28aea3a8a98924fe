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

/// The TCP sockets of `bind` and `port` (none with `port 0` and a unix
/// socket), each with its configured address; an address in `open` is
/// listened on already and left as it is (None).
fn bind_tcp(
    settings: &Settings,
    open: &[SocketAddr],
) -> anyhow::Result<Vec<(SocketAddr, Option<TcpListener>)>> {
    let mut tcp = Vec::new();
    if settings.port != 0 || settings.unixsocket.is_none() {
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
            let address = SocketAddr::new(ip, settings.port);
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
                    tracing::warn!("Warning: Could not create server TCP listening socket {host}:{}: bind: {error}", settings.port);
                    bail!(
                        "Failed listening on port {} (tcp), aborting.",
                        settings.port
                    );
                }
            }
        }
    }
    Ok(tcp)
}

/// One TCP accept loop: its configured address, the port it got, and
/// what stops it.
pub struct TcpAccept {
    address: SocketAddr,
    port: u16,
    stop: CancellationToken,
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
                shared
                    .tracker
                    .spawn(accept_tcp(listener, shared.me(), stop.clone()));
                accepts.push(TcpAccept {
                    address,
                    port,
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

/// CONFIG SET port / bind: listens as `settings` say now (an address
/// listened on already is kept as it is, the others bound before any is
/// closed), or refuses with Redis's text and leaves the listeners as they
/// were. `port_changed` names the directive the text is about. Unlike
/// Redis, which closes first, an address overlapping one still open
/// (`*` after `127.0.0.1` on the same port) fails as in use.
pub fn rebind(shared: &Shared, settings: &Settings, port_changed: bool) -> Result<(), String> {
    let open: Vec<SocketAddr> = shared.tcp_accept.lock().iter().map(|a| a.address).collect();
    match bind_tcp(settings, &open) {
        Ok(tcp) if tcp.is_empty() && settings.unixsocket.is_none() => {
            Err("Failed to bind to specified addresses.".to_string())
        }
        Ok(tcp) => {
            serve_bound(shared, tcp);
            Ok(())
        }
        Err(error) => {
            tracing::warn!("{error:#}");
            let what = if port_changed { "port" } else { "bind" };
            tracing::warn!(
                "Failed applying new configuration. Possibly related to new {what} setting. Restoring previous settings."
            );
            Err(if port_changed {
                "Unable to listen on this port. Check server logs.".to_string()
            } else {
                "Failed to bind to specified addresses.".to_string()
            })
        }
    }
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

/// Accepts TCP clients until `stop` is cancelled.
pub async fn accept_tcp(listener: TcpListener, shared: Arc<Shared>, stop: CancellationToken) {
    let laddr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
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
