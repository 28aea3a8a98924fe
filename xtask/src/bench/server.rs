//! Starting and stopping servers: the two sides of a benchmark, and the
//! redis-server a differential suite compares against (`suites.rs`). A
//! `RunningServer` kills and reaps its process when dropped, so an error
//! anywhere (or a panic) never leaves a server behind.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::probe;

/// How long a server may take to answer its first PING.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);
const STARTUP_POLL: Duration = Duration::from_millis(50);

/// One side of the comparison: a label and how to start it.
#[derive(Clone)]
pub struct Side {
    pub label: String,
    kind: SideKind,
    /// `appendfsync` with `appendonly yes`; None: no AOF.
    pub appendfsync: Option<String>,
}

#[derive(Clone)]
enum SideKind {
    Ours(PathBuf),
    Redis,
}

impl Side {
    pub fn ours(binary: PathBuf) -> Side {
        Side {
            label: "ours".into(),
            kind: SideKind::Ours(binary),
            appendfsync: None,
        }
    }

    pub fn redis(label: &str) -> Side {
        Side {
            label: label.into(),
            kind: SideKind::Redis,
            appendfsync: None,
        }
    }

    /// The same side with `appendonly yes` and this `appendfsync`.
    pub fn with_aof(mut self, appendfsync: &str) -> Side {
        self.appendfsync = Some(appendfsync.to_string());
        self
    }

    fn command(&self, port: u16) -> Command {
        let port = port.to_string();
        let aof: Vec<&str> = match &self.appendfsync {
            Some(fsync) => vec!["--appendonly", "yes", "--appendfsync", fsync],
            None => vec!["--appendonly", "no"],
        };
        match &self.kind {
            SideKind::Ours(binary) => {
                let mut command = Command::new(binary);
                command.args(["--port", &port, "--save", ""]).args(&aof);
                command
            }
            SideKind::Redis => {
                let mut command = Command::new("redis-server");
                command.args(["--port", &port, "--bind", "127.0.0.1"]);
                command.args(["--save", "", "--daemonize", "no"]).args(&aof);
                command
            }
        }
    }
}

/// A started server, stopped on drop.
pub struct RunningServer {
    pub label: String,
    pub port: u16,
    child: Child,
    log_path: PathBuf,
}

impl RunningServer {
    /// Starts `side` on a free loopback port, with `work_dir` as its
    /// directory, and waits until it answers PING.
    pub fn start(side: &Side, work_dir: &Path) -> anyhow::Result<RunningServer> {
        let port = free_port()?;
        let log_path = work_dir.join(format!("{}.log", side.label));
        let log = File::create(&log_path).context("creating the server log")?;
        // Each side in its own directory: their data files must not meet.
        let data_dir = work_dir.join(format!("{}-data", side.label));
        std::fs::create_dir_all(&data_dir).context("creating the server's directory")?;
        let mut command = side.command(port);
        command
            .current_dir(&data_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = command
            .spawn()
            .with_context(|| format!("{}: could not start {:?}", side.label, command))?;
        let mut server = RunningServer {
            label: side.label.clone(),
            port,
            child,
            log_path,
        };
        server.wait_ready()?;
        println!(
            "bench: {} is up on 127.0.0.1:{} (pid {})",
            server.label,
            server.port,
            server.child.id()
        );
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails when the process has exited, quoting its log.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); its output ends with:\n{}",
                self.label,
                self.log_tail()
            );
        }
        Ok(())
    }

    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "server failed to start: {} exited ({status}) before accepting \
                     connections on 127.0.0.1:{}; its output ends with:\n{}",
                    self.label,
                    self.port,
                    self.log_tail()
                );
            }
            if let Ok(Ok(pong)) = probe::request(self.port, &["PING"]) {
                if pong == "PONG" {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "server failed to start: {} did not answer PING on 127.0.0.1:{} \
                     within {:?}; its output ends with:\n{}",
                    self.label,
                    self.port,
                    STARTUP_TIMEOUT,
                    self.log_tail()
                );
            }
            std::thread::sleep(STARTUP_POLL);
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = &lines[lines.len().saturating_sub(15)..];
        if tail.is_empty() {
            "  (no output)".into()
        } else {
            tail.iter().map(|line| format!("  {line}\n")).collect()
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        // Already exited is fine; kill then reap so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port that was free a moment ago (the OS picks it).
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A scratch directory for server logs and files, removed on drop.
pub struct ScratchDir {
    pub path: PathBuf,
}

impl ScratchDir {
    pub fn new() -> anyhow::Result<ScratchDir> {
        static N_MADE: AtomicU32 = AtomicU32::new(0);
        let n_made = N_MADE.fetch_add(1, Ordering::Relaxed);
        let name = format!("xtask-{}-{n_made}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(ScratchDir { path })
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Resident set size of `pid` in KiB, from /proc/PID/status (VmRSS).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .context("no VmRSS line")?;
    let kib = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .context("parsing VmRSS")?;
    Ok(kib)
}
