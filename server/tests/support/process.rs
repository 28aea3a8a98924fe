//! Real processes for tests: our binary and Debian's redis-server on free
//! loopback ports, in temp dirs, always stopped (killed and reaped on
//! drop), and a blocking RESP client.

#![allow(dead_code)]

use bytes::Bytes;
use resp_codec::{Frame, Limits};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STARTUP: Duration = Duration::from_secs(15);

pub struct Process {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
    pub log: PathBuf,
    /// The directory belongs to the test (data kept across restarts).
    keep_dir: bool,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "rrs-{label}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether redis-server is here; under CI its absence is a failure.
pub fn redis_available() -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "redis-server is required under CI=true (apt-get install redis-server)"
        );
        eprintln!("SKIPPED: redis-server is not installed; this differential test did not run");
    }
    found
}

impl Process {
    pub fn ours(args: &[&str]) -> Process {
        Process::spawn(env!("CARGO_BIN_EXE_redis-rust-server"), "ours", args)
    }

    pub fn redis(args: &[&str]) -> Process {
        Process::spawn("redis-server", "redis", args)
    }

    /// Our server with `dir` as its data directory, which outlives it
    /// (restarts on the same files). `args` come after the test defaults
    /// (`--save "" --appendonly no`), so they override them.
    pub fn ours_in(dir: &std::path::Path, args: &[&str]) -> Process {
        Process::spawn_in(env!("CARGO_BIN_EXE_redis-rust-server"), dir, args)
    }

    /// redis-server on `dir`, as `ours_in`.
    pub fn redis_in(dir: &std::path::Path, args: &[&str]) -> Process {
        Process::spawn_in("redis-server", dir, args)
    }

    fn spawn(program: &str, label: &str, args: &[&str]) -> Process {
        let mut process = Process::spawn_in(program, &temp_dir(label), args);
        process.keep_dir = false;
        process
    }

    /// Starts `program` on a free port. Free ports are only free until
    /// someone takes them: tests running in parallel can pick the same one,
    /// so a start that finds another process on its port (it answers PING
    /// with someone else's `process_id`, or ours exits unable to bind) is
    /// tried again on a new port.
    fn spawn_in(program: &str, dir: &std::path::Path, args: &[&str]) -> Process {
        const ATTEMPTS: usize = 5;
        for _ in 1..ATTEMPTS {
            if let Some(process) = Process::try_spawn_in(program, dir, args) {
                return process;
            }
        }
        Process::try_spawn_in(program, dir, args)
            .unwrap_or_else(|| panic!("{program} found its port taken {ATTEMPTS} times"))
    }

    fn try_spawn_in(program: &str, dir: &std::path::Path, args: &[&str]) -> Option<Process> {
        let port = free_port();
        let dir = dir.to_path_buf();
        let log = dir.join(format!("log-{port}"));
        let port_text = port.to_string();
        let mut all: Vec<&str> = vec![
            "--port",
            &port_text,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ];
        all.extend_from_slice(args);
        let child = Command::new(program)
            .args(&all)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {program}: {e}"));
        let mut process = Process {
            child,
            port,
            dir,
            log,
            keep_dir: true,
        };
        process.wait_ready().then_some(process)
    }

    /// Waits until the child answers on its port; false if the port turned
    /// out to belong to another process.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                let log = self.log_text();
                if log.contains("Address already in use") || log.contains("address in use") {
                    return false;
                }
                panic!("server exited at startup ({status}): {log}");
            }
            if let Ok(mut client) = Conn::open(self.port) {
                if client.call(&["PING"]) == Frame::Simple(Bytes::from_static(b"PONG")) {
                    let pid = info_field(&client.call(&["INFO", "server"]), "process_id");
                    if pid == Some(self.child.id().to_string()) {
                        return true;
                    }
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return false;
                }
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        panic!("server did not answer PING: {}", self.log_text());
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, and reaped: nothing of the process runs after this.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit; its exit code.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The value of `name` in an INFO reply.
pub fn info_field(reply: &Frame, name: &str) -> Option<String> {
    let Frame::Bulk(text) = reply else {
        return None;
    };
    String::from_utf8_lossy(text).lines().find_map(|line| {
        line.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|value| value.trim().to_string())
    })
}

/// A blocking RESP client.
pub struct Conn {
    stream: TcpStream,
    pending: Vec<u8>,
}

impl Conn {
    pub fn open(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Conn {
            stream,
            pending: Vec::new(),
        })
    }

    pub fn send(&mut self, words: &[&str]) {
        let mut buf = bytes::BytesMut::new();
        resp_codec::encode_command(words, &mut buf);
        self.stream.write_all(&buf).unwrap();
    }

    /// `commands` in one write: one pipeline, read at once by the server.
    pub fn send_pipeline(&mut self, commands: &[&[&str]]) {
        let mut buf = bytes::BytesMut::new();
        for words in commands {
            resp_codec::encode_command(words, &mut buf);
        }
        self.stream.write_all(&buf).unwrap();
    }

    /// The next reply; `None` if the server closed the connection.
    pub fn read(&mut self) -> Option<Frame> {
        loop {
            let bytes = Bytes::copy_from_slice(&self.pending);
            if let Some((frame, used)) =
                resp_codec::parse_frame(&bytes, &Limits::default()).expect("a valid reply")
            {
                self.pending.drain(..used);
                return Some(frame);
            }
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// The next reply if one arrives within `limit` (`None`: silence).
    pub fn read_within(&mut self, limit: Duration) -> Option<Frame> {
        self.stream.set_read_timeout(Some(limit)).unwrap();
        let frame = self.read();
        self.stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        frame
    }

    pub fn call(&mut self, words: &[&str]) -> Frame {
        self.send(words);
        self.read().expect("a reply")
    }

    /// Sends and reads one reply; None once the server is gone.
    pub fn try_call(&mut self, words: &[&str]) -> Option<Frame> {
        let mut buf = bytes::BytesMut::new();
        resp_codec::encode_command(words, &mut buf);
        self.stream.write_all(&buf).ok()?;
        self.read()
    }
}
