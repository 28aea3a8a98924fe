//! Test support: a real redis-server on a free port in a temporary
//! directory (stopped on drop), and running redis-cli and redis-rust-cli
//! side by side.
//!
//! Without `redis-server` on PATH the tests that need it are skipped, unless
//! `CI=true`, where they fail.

#![allow(dead_code)] // each test file uses part of it

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// redis-rust-cli, as cargo built it for these tests.
pub const OURS: &str = env!("CARGO_BIN_EXE_redis-rust-cli");
/// The redis-cli we must match.
pub const THEIRS: &str = "redis-cli";

/// How long a server may take to answer PING after starting.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct RedisServer {
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a redis-server with `extra` arguments, or says why the test
    /// is skipped (`None`); under `CI=true` a missing server fails.
    pub fn start(extra: &[&str]) -> Option<RedisServer> {
        if !installed("redis-server") || !installed(THEIRS) {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(!ci, "CI=true but redis-server/redis-cli are not installed");
            eprintln!("skipped: redis-server or redis-cli is not installed");
            return None;
        }
        let dir = temp_dir("redis");
        for _attempt in 0..5 {
            let port = free_port();
            let mut child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .args(["--enable-debug-command", "yes"])
                .arg("--dir")
                .arg(&dir)
                .args(extra)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server starts");
            if wait_ready(port, &mut child) {
                return Some(RedisServer { port, child, dir });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    /// Runs redis-cli against this server to set data up; panics if it fails.
    pub fn redis_cli(&self, args: &[&str]) -> Vec<u8> {
        let output = Command::new(THEIRS)
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli runs");
        assert!(output.status.success(), "redis-cli {args:?}: {output:?}");
        output.stdout
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn wait_ready(port: u16, child: &mut Child) -> bool {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while Instant::now() < deadline {
        if let Ok(Some(_exited)) = child.try_wait() {
            return false;
        }
        if ping(port) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    // Any reply will do: with requirepass the server answers -NOAUTH.
    let mut first = [0u8; 1];
    stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut first).is_ok()
}

/// A fresh empty directory under the system's temporary directory.
pub fn temp_dir(purpose: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "redis-rust-cli-test-{purpose}-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// Runs `program args` with `stdin`, in a clean environment (no FAKETTY,
/// REDISCLI_AUTH or history in the real home).
pub fn run(program: &str, args: &[&str], stdin: &[u8], home: &Path) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .env_remove("FAKETTY")
        .env_remove("REDISCLI_AUTH")
        .env("HOME", home)
        .env("REDISCLI_HISTFILE", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().expect("wait for the program");
    writer.join().expect("stdin writer");
    output
}

/// Runs redis-cli and redis-rust-cli with the same arguments and stdin and
/// asserts the same stdout, stderr and exit status.
pub fn assert_same(args: &[&str], stdin: &[u8]) {
    assert_same_after(|| {}, args, stdin)
}

/// [`assert_same`], calling `reset` before each of the two runs (for input
/// that writes).
pub fn assert_same_after(reset: impl Fn(), args: &[&str], stdin: &[u8]) {
    let home = temp_dir("home");
    reset();
    let theirs = run(THEIRS, args, stdin, &home);
    reset();
    let ours = run(OURS, args, stdin, &home);
    if std::env::var_os("GOLDEN_KEEP").is_some() {
        std::fs::write(home.join("theirs.out"), &theirs.stdout).expect("keep redis-cli's output");
        std::fs::write(home.join("ours.out"), &ours.stdout).expect("keep our output");
        eprintln!("outputs kept in {}", home.display());
    } else {
        let _ = std::fs::remove_dir_all(&home);
    }
    assert_same_output(args, &theirs, &ours);
}

pub fn assert_same_output(args: &[&str], theirs: &Output, ours: &Output) {
    if theirs.stdout != ours.stdout {
        panic!(
            "stdout differs for {args:?}\n{}",
            first_difference(&theirs.stdout, &ours.stdout)
        );
    }
    assert_eq!(
        String::from_utf8_lossy(&theirs.stderr),
        String::from_utf8_lossy(&ours.stderr),
        "stderr differs for {args:?}"
    );
    assert_eq!(
        theirs.status.code(),
        ours.status.code(),
        "exit status differs for {args:?}"
    );
}

/// The first differing line of two outputs, with a little context.
fn first_difference(theirs: &[u8], ours: &[u8]) -> String {
    let theirs = String::from_utf8_lossy(theirs);
    let ours = String::from_utf8_lossy(ours);
    let theirs_lines: Vec<&str> = theirs.split_inclusive('\n').collect();
    let ours_lines: Vec<&str> = ours.split_inclusive('\n').collect();
    let at = theirs_lines
        .iter()
        .zip(&ours_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(theirs_lines.len().min(ours_lines.len()));
    let from = at.saturating_sub(3);
    let context = |lines: &[&str]| {
        let end = (at + 3).min(lines.len());
        format!("{:?}", lines[from.min(end)..end].concat())
    };
    format!(
        "at line {}:\n--- redis-cli\n{}\n--- redis-rust-cli\n{}",
        at + 1,
        context(&theirs_lines),
        context(&ours_lines)
    )
}
