//! A real redis-server for the test (free loopback port, temp dir, killed
//! on drop) and a tiny synchronous RESP client for it.

use super::resp::{parse, Frame};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = "/usr/bin/redis-server";

/// A running redis-server; killed (and its dir removed) on drop.
pub struct RedisServer {
    child: Child,
    dir: PathBuf,
    pub port: u16,
}

impl RedisServer {
    /// Starts one, or returns `None` (after a loud message) when the binary
    /// is missing and CI is not set. In CI a missing server is a failure.
    pub fn start() -> Option<RedisServer> {
        Self::start_with(&[])
    }

    /// Like `start`, with extra redis-server arguments (`--name value`).
    pub fn start_with(extra: &[&str]) -> Option<RedisServer> {
        if !std::path::Path::new(SERVER).exists() {
            let msg = format!("*** {SERVER} not found: the differential test is SKIPPED ***");
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{msg} (CI=true requires it)");
            }
            eprintln!("\n{msg}\n");
            return None;
        }
        // A free port is free only until a parallel test takes it: start
        // again on another one when the server answering is not ours.
        for _ in 0..5 {
            if let Some(server) = Self::try_start(extra) {
                return Some(server);
            }
        }
        panic!("redis-server found its port taken five times");
    }

    fn try_start(extra: &[&str]) -> Option<RedisServer> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = std::env::temp_dir().join(format!("kv-diff-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let child = Command::new(SERVER)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&dir)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let mut server = RedisServer { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if server.child.try_wait().ok().flatten().is_some() {
                return None; // it could not bind
            }
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
                let pid = process_id(&mut stream);
                return (pid == Some(server.child.id())).then_some(server);
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The `process_id` of the server at the other end of `stream` (from an
/// INFO reply: `$<len>\r\n<text>\r\n`).
fn process_id(stream: &mut TcpStream) -> Option<u32> {
    use std::io::{Read, Write};
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .ok()?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let header_end = reply.windows(2).position(|w| w == b"\r\n");
        if let Some(end) = header_end {
            let len: usize = std::str::from_utf8(reply.get(1..end)?).ok()?.parse().ok()?;
            if reply.len() >= end + 2 + len {
                let text = String::from_utf8_lossy(&reply[end + 2..end + 2 + len]);
                return text
                    .lines()
                    .find_map(|line| line.strip_prefix("process_id:"))
                    .and_then(|pid| pid.trim().parse().ok());
            }
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        reply.extend_from_slice(&chunk[..n]);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct RedisClient {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RedisClient {
    pub fn connect(port: u16) -> RedisClient {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect redis-server");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        RedisClient {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn run(&mut self, argv: &[Vec<u8>]) -> Frame {
        self.send(argv);
        self.read_frame()
    }

    /// Sends one command without waiting for its reply.
    pub fn send(&mut self, argv: &[Vec<u8>]) {
        let mut msg = format!("*{}\r\n", argv.len()).into_bytes();
        for arg in argv {
            msg.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            msg.extend_from_slice(arg);
            msg.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&msg).expect("send to redis");
    }

    /// The next frame the server sends (a reply, or a pushed message).
    pub fn read_frame(&mut self) -> Frame {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some((frame, used)) = parse(&self.buf) {
                self.buf.drain(..used);
                return frame;
            }
            let n = self.stream.read(&mut chunk).expect("read from redis");
            assert!(n > 0, "redis closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}
