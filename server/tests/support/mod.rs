//! Test support: a server in process over `tokio::io::duplex` (or on a
//! real loopback port), and a raw client that compares reply bytes.

#![allow(dead_code)]

pub mod process;

use bytes::BytesMut;
use server::clock::ServerClock;
use server::config::{load, Config};
use server::connection::{self, Peer};
use server::shared::Shared;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// How long a test waits for a reply before failing.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// A server's shared state built from config lines, without sockets.
pub fn shared(config_text: &str) -> Arc<Shared> {
    let mut config = Config::defaults();
    load::load_text(&mut config, config_text).expect("test config");
    Shared::new(config, Arc::new(ServerClock::tokio()), 7)
}

/// Records every delta the server's engine emits from now on.
pub fn capture_deltas(shared: &Shared) -> kv_engine::harness::SharedDeltas {
    let deltas = kv_engine::harness::SharedDeltas::default();
    shared
        .core
        .lock()
        .engine
        .set_delta_sink(Box::new(deltas.clone()));
    deltas
}

/// The deltas' commands as text, one line per op (`LPOP q`).
pub fn delta_lines(deltas: &kv_engine::harness::SharedDeltas) -> Vec<String> {
    deltas
        .take()
        .iter()
        .flat_map(|d| d.ops.iter())
        .map(|op| {
            op.argv
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Waits (yielding, then sleeping a little) until `done` holds.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + REPLY_TIMEOUT;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The value of field `name` in INFO's text `info`.
pub fn info_value<'a>(info: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name}:");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} in INFO: {info}"))
        .trim()
}

pub fn local_peer() -> Peer {
    Peer {
        addr: "127.0.0.1:40000".into(),
        laddr: "127.0.0.1:6379".into(),
        fd: -1,
        local: true,
    }
}

pub fn remote_peer() -> Peer {
    Peer {
        addr: "192.0.2.7:40000".into(),
        laddr: "192.0.2.1:6379".into(),
        fd: -1,
        local: false,
    }
}

/// A raw client over a duplex pipe to a connection task.
pub struct Client {
    pub stream: DuplexStream,
    /// Bytes read but not yet consumed by `expect` or `reply`.
    pending: BytesMut,
}

impl Client {
    /// Connects through the same admission (maxclients, protected mode)
    /// as the listener.
    pub fn connect(shared: &Arc<Shared>, peer: Peer) -> Client {
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        server::listener::admit(theirs, peer, shared);
        Client::over(ours)
    }

    /// A connection task driven directly (no admission checks).
    pub fn direct(shared: &Arc<Shared>) -> Client {
        Client::direct_with_pipe(shared, 1 << 20)
    }

    /// As `direct`, with a pipe of `pipe_bytes` (small: a client that
    /// stops reading soon blocks the server's writes).
    pub fn direct_with_pipe(shared: &Arc<Shared>, pipe_bytes: usize) -> Client {
        let (ours, theirs) = tokio::io::duplex(pipe_bytes);
        let shared = shared.clone();
        tokio::spawn(connection::serve(theirs, local_peer(), shared));
        Client::over(ours)
    }

    /// A connection task whose future the test drops at will: `serve`
    /// runs until `cancel`, then is dropped at whatever await point it
    /// was (as if its task were cancelled, not asked to stop).
    pub fn cancellable(
        shared: &Arc<Shared>,
        cancel: tokio_util::sync::CancellationToken,
    ) -> Client {
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = connection::serve(theirs, local_peer(), shared) => {}
                _ = cancel.cancelled() => {}
            }
        });
        Client::over(ours)
    }

    pub fn over(stream: DuplexStream) -> Client {
        Client {
            stream,
            pending: BytesMut::new(),
        }
    }

    /// Writes, reporting whether the server still takes bytes.
    pub async fn try_send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).await.is_ok()
    }

    async fn fill(&mut self) {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(REPLY_TIMEOUT, self.stream.read(&mut chunk))
            .await
            .expect("a reply in time")
            .expect("read from server");
        assert!(
            n > 0,
            "the server closed the connection; pending {:?}",
            String::from_utf8_lossy(&self.pending)
        );
        self.pending.extend_from_slice(&chunk[..n]);
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write to server");
    }

    /// Reads exactly `expected.len()` bytes and compares them.
    pub async fn expect(&mut self, expected: &[u8]) {
        while self.pending.len() < expected.len() {
            self.fill().await;
        }
        let got = self.pending.split_to(expected.len());
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        );
    }

    /// Reads up to and including the next CRLF.
    pub async fn line(&mut self) -> String {
        loop {
            if let Some(end) = self.pending.windows(2).position(|w| w == b"\r\n") {
                let line = self.pending.split_to(end + 2);
                return String::from_utf8_lossy(&line).into_owned();
            }
            self.fill().await;
        }
    }

    /// Sends `request` and expects `reply`, byte for byte.
    pub async fn check(&mut self, request: &[u8], reply: &[u8]) {
        self.send(request).await;
        self.expect(reply).await;
    }

    /// One whole RESP reply, however long, as bytes.
    pub async fn reply(&mut self) -> Vec<u8> {
        let limits = resp_codec::Limits::default();
        loop {
            let bytes = bytes::Bytes::copy_from_slice(&self.pending);
            if let Some((_, used)) =
                resp_codec::parse_frame(&bytes, &limits).expect("a valid reply")
            {
                return self.pending.split_to(used).to_vec();
            }
            self.fill().await;
        }
    }

    /// A command given as words; its reply as text.
    pub async fn call(&mut self, words: &[&str]) -> String {
        let mut request = BytesMut::new();
        resp_codec::encode_command(words, &mut request);
        self.send(&request).await;
        String::from_utf8_lossy(&self.reply().await).into_owned()
    }

    /// Every whole reply until the server closes the connection, as
    /// frames (what a client that half-closed still receives).
    pub async fn drain_to_eof(&mut self) -> Vec<resp_codec::Frame> {
        let limits = resp_codec::Limits::default();
        let mut chunk = [0u8; 4096];
        loop {
            match tokio::time::timeout(REPLY_TIMEOUT, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => self.pending.extend_from_slice(&chunk[..n]),
                Err(_) => panic!("the server did not close the connection"),
            }
        }
        let mut frames = Vec::new();
        let bytes = self.pending.split().freeze();
        let mut at = 0;
        while let Some((frame, used)) =
            resp_codec::parse_frame(&bytes.slice(at..), &limits).expect("valid replies")
        {
            frames.push(frame);
            at += used;
        }
        assert_eq!(at, bytes.len(), "the connection ended inside a reply");
        frames
    }

    /// True once the server has closed the connection (EOF).
    pub async fn closed(&mut self) -> bool {
        if !self.pending.is_empty() {
            return false;
        }
        let mut byte = [0u8; 1];
        matches!(
            tokio::time::timeout(REPLY_TIMEOUT, self.stream.read(&mut byte)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}
