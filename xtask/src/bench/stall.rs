//! `--bgsave-stall` (issue 7): the longest command stall a BGSAVE causes
//! under load, and the memory it takes. Each side in turn, alone on the
//! machine: load exactly `--keys` keys (`loader.rs`, checked with DBSIZE),
//! start `redis-benchmark -t set -r KEYS` in the background (the same key
//! names: the count stays), and while a probe client sends PING every
//! millisecond and times each reply, first measure a window without a save
//! (the load's own latency), then run BGSAVE `--saves` times, each to its
//! end. Reported per side: the probe's longest and p99 reply time in the
//! baseline and during the saves, RSS before, at its highest during and
//! after the saves; for a server that forks (Redis) also the child's
//! private memory at its highest, the copy-on-write a save costs. If the
//! background load ends before the measurement does, the run fails: the
//! saves would have been timed without it.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::loader;
use super::probe;
use super::server::{rss_kib, RunningServer, Side};

/// The probe's pace: one PING a millisecond.
const PROBE_EVERY: Duration = Duration::from_millis(1);
/// A PING reply slower than this ends the probe (the server hangs).
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
/// Most probe samples kept (an hour at the probe's pace).
const PROBE_SAMPLES_MAX: usize = 3_600_000;
/// The window without a save, under the same load.
const BASELINE: Duration = Duration::from_secs(3);
/// How often a running save is looked at (INFO, RSS).
const SAVE_POLL: Duration = Duration::from_millis(20);
/// The longest one BGSAVE may take.
const SAVE_TIMEOUT: Duration = Duration::from_secs(900);
/// Loading the keys may take this long.
const LOAD_TIMEOUT: Duration = Duration::from_secs(1800);

/// What one side showed.
struct Stall {
    label: String,
    n_keys: u64,
    baseline: Latency,
    during: Latency,
    save_secs: Vec<f64>,
    rss_before_kib: u64,
    rss_peak_kib: u64,
    rss_after_kib: u64,
    child_private_peak_kib: u64,
}

/// The probe's reply times over one window.
#[derive(Clone, Copy, Default)]
struct Latency {
    n_samples: usize,
    max_ms: f64,
    p99_ms: f64,
}

/// Measures each side in turn (one server up at a time) and renders a table.
pub fn compare(
    sides: &[Side; 2],
    scratch: &Path,
    n_keys: u64,
    saves: u32,
) -> anyhow::Result<String> {
    let mut stalls = Vec::with_capacity(sides.len());
    for side in sides {
        let mut server = RunningServer::start(side, scratch)?;
        stalls.push(measure(&mut server, scratch, n_keys, saves)?);
        // Its dump.rdb goes with it, before the next side loads.
        drop(server);
        let _ = std::fs::remove_dir_all(scratch.join(format!("{}-data", side.label)));
    }
    Ok(render(&stalls, n_keys))
}

fn measure(
    server: &mut RunningServer,
    scratch: &Path,
    n_keys: u64,
    saves: u32,
) -> anyhow::Result<Stall> {
    println!("bench: loading {n_keys} keys into {} ...", server.label);
    loader::load(server.port, n_keys, LOAD_TIMEOUT)?;
    let dbsize = probe::request(server.port, &["DBSIZE"])?
        .map_err(|error| anyhow::anyhow!("DBSIZE: {error}"))?;
    if dbsize.parse::<u64>().ok() != Some(n_keys) {
        bail!(
            "{}: DBSIZE {dbsize} after loading {n_keys} keys",
            server.label
        );
    }
    let mut load = BackgroundLoad::start(server.port, n_keys, scratch)?;
    let probe = PingProbe::start(server.port)?;
    let baseline_from = Instant::now();
    std::thread::sleep(BASELINE);
    let baseline_to = Instant::now();
    let rss_before_kib = rss_kib(server.pid())?;
    let mut rss_peak_kib = rss_before_kib;
    let mut child_private_peak_kib = 0;
    let mut windows = Vec::with_capacity(saves as usize);
    for save in 1..=saves {
        server.check_alive()?;
        load.check_running()?;
        let started = Instant::now();
        match probe::request(server.port, &["BGSAVE"])? {
            Ok(_) => {}
            Err(error) => bail!("{}: BGSAVE failed: {error}", server.label),
        }
        loop {
            rss_peak_kib = rss_peak_kib.max(rss_kib(server.pid())?);
            child_private_peak_kib = child_private_peak_kib.max(children_private_kib(server.pid()));
            let info = probe::request(server.port, &["INFO", "persistence"])?
                .map_err(|error| anyhow::anyhow!("INFO: {error}"))?;
            if probe::info_field(&info, "rdb_bgsave_in_progress").as_deref() == Some("0") {
                break;
            }
            if started.elapsed() > SAVE_TIMEOUT {
                bail!(
                    "{}: BGSAVE {save} still runs after {SAVE_TIMEOUT:?}",
                    server.label
                );
            }
            load.check_running()?;
            std::thread::sleep(SAVE_POLL);
        }
        let info = probe::request(server.port, &["INFO", "persistence"])?.unwrap_or_default();
        if probe::info_field(&info, "rdb_last_bgsave_status").as_deref() != Some("ok") {
            bail!("{}: BGSAVE {save} failed", server.label);
        }
        windows.push((started, Instant::now()));
        println!(
            "bench: {} BGSAVE {save}/{saves} took {:.2} s",
            server.label,
            started.elapsed().as_secs_f64()
        );
    }
    let samples = probe.stop()?;
    // It ran to the end of the last save.
    load.check_running()?;
    drop(load);
    let rss_after_kib = rss_kib(server.pid())?;
    let baseline = latency(&samples, &[(baseline_from, baseline_to)]);
    let during = latency(&samples, &windows);
    Ok(Stall {
        label: server.label.clone(),
        n_keys,
        baseline,
        during,
        save_secs: windows
            .iter()
            .map(|(from, to)| (*to - *from).as_secs_f64())
            .collect(),
        rss_before_kib,
        rss_peak_kib,
        rss_after_kib,
        child_private_peak_kib,
    })
}

/// The reply times of the probe's PINGs sent inside `windows`.
fn latency(samples: &[(Instant, Duration)], windows: &[(Instant, Instant)]) -> Latency {
    let mut ms: Vec<f64> = samples
        .iter()
        .filter(|(sent, _)| windows.iter().any(|(from, to)| sent >= from && sent <= to))
        .map(|(_, took)| took.as_secs_f64() * 1000.0)
        .collect();
    if ms.is_empty() {
        return Latency::default();
    }
    ms.sort_by(f64::total_cmp);
    let p99_idx = (ms.len() * 99 / 100).min(ms.len() - 1);
    Latency {
        n_samples: ms.len(),
        max_ms: ms[ms.len() - 1],
        p99_ms: ms[p99_idx],
    }
}

/// `redis-benchmark -t set -r KEYS` running until dropped.
struct BackgroundLoad {
    child: Child,
    /// Its stderr, shown if it ends early.
    stderr: std::path::PathBuf,
}

impl BackgroundLoad {
    fn start(port: u16, n_keys: u64, scratch: &Path) -> anyhow::Result<BackgroundLoad> {
        let child = Command::new("redis-benchmark")
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .args(["-c", "50", "-t", "set", "-d", "10", "-q"])
            .args(["-r", &n_keys.to_string(), "-n", "1000000000"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(scratch.join("load.out"))?)
            .stderr(std::fs::File::create(scratch.join("load.err"))?)
            .spawn()
            .context("starting redis-benchmark")?;
        let mut load = BackgroundLoad {
            child,
            stderr: scratch.join("load.err"),
        };
        // Its 50 clients connected and writing before anything is timed.
        std::thread::sleep(Duration::from_millis(500));
        load.check_running()?;
        Ok(load)
    }

    /// Fails if the load has ended: what is measured would be without it.
    fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
            bail!(
                "the background load (redis-benchmark) ended mid-measurement ({status}): {}",
                stderr.trim()
            );
        }
        Ok(())
    }
}

impl Drop for BackgroundLoad {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A thread that sends PING every `PROBE_EVERY` and records when each was
/// sent and how long its reply took.
struct PingProbe {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<anyhow::Result<Vec<(Instant, Duration)>>>,
}

impl PingProbe {
    fn start(port: u16) -> anyhow::Result<PingProbe> {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))
            .with_context(|| format!("connecting the probe to {address}"))?;
        stream.set_read_timeout(Some(PROBE_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || ping_loop(stream, &stopped));
        Ok(PingProbe { stop, thread })
    }

    fn stop(self) -> anyhow::Result<Vec<(Instant, Duration)>> {
        self.stop.store(true, Ordering::Release);
        match self.thread.join() {
            Ok(samples) => samples,
            Err(_) => bail!("the probe thread panicked"),
        }
    }
}

fn ping_loop(stream: TcpStream, stop: &AtomicBool) -> anyhow::Result<Vec<(Instant, Duration)>> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut samples = Vec::with_capacity(1 << 16);
    let mut line = String::new();
    while !stop.load(Ordering::Acquire) && samples.len() < PROBE_SAMPLES_MAX {
        let sent = Instant::now();
        writer.write_all(b"*1\r\n$4\r\nPING\r\n")?;
        line.clear();
        reader
            .read_line(&mut line)
            .context("the probe's PING reply")?;
        if line != "+PONG\r\n" {
            bail!("the probe's PING got {line:?}");
        }
        samples.push((sent, sent.elapsed()));
        if let Some(rest) = PROBE_EVERY.checked_sub(sent.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    Ok(samples)
}

/// The private memory (clean and dirty) of `pid`'s child processes, in
/// KiB: a forked save's copy-on-write. 0 when it has none (or the kernel
/// does not list children).
fn children_private_kib(pid: u32) -> u64 {
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    children
        .split_whitespace()
        .map(|child| {
            let rollup =
                std::fs::read_to_string(format!("/proc/{child}/smaps_rollup")).unwrap_or_default();
            ["Private_Clean:", "Private_Dirty:"]
                .iter()
                .filter_map(|field| {
                    let line = rollup.lines().find(|line| line.starts_with(field))?;
                    let kib = line.trim_start_matches(field).trim().trim_end_matches("kB");
                    kib.trim().parse::<u64>().ok()
                })
                .sum::<u64>()
        })
        .sum()
}

fn render(stalls: &[Stall], n_keys: u64) -> String {
    let mut table = String::new();
    let _ = writeln!(
        table,
        "BGSAVE stall: {n_keys} keys, redis-benchmark -c 50 -t set -r {n_keys} running, a PING every {PROBE_EVERY:?}"
    );
    let _ = writeln!(
        table,
        "| side | keys | saves s | PING max ms (no save) | PING p99 ms (no save) | PING max ms (saving) | PING p99 ms (saving) | RSS before MiB | RSS peak MiB | RSS after MiB | child private peak MiB |"
    );
    let _ = writeln!(table, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    let mib = |kib: u64| kib as f64 / 1024.0;
    for stall in stalls {
        let saves: Vec<String> = stall.save_secs.iter().map(|s| format!("{s:.1}")).collect();
        let _ = writeln!(
            table,
            "| {} | {} | {} | {:.1} | {:.2} | {:.1} | {:.2} | {:.0} | {:.0} | {:.0} | {:.0} |",
            stall.label,
            stall.n_keys,
            saves.join(" "),
            stall.baseline.max_ms,
            stall.baseline.p99_ms,
            stall.during.max_ms,
            stall.during.p99_ms,
            mib(stall.rss_before_kib),
            mib(stall.rss_peak_kib),
            mib(stall.rss_after_kib),
            mib(stall.child_private_peak_kib),
        );
    }
    for stall in stalls {
        let _ = writeln!(
            table,
            "{}: {} PINGs timed without a save, {} while saving",
            stall.label, stall.baseline.n_samples, stall.during.n_samples
        );
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_that_ended_fails_the_measurement() {
        let stderr = std::env::temp_dir().join(format!("stall-load-{}.err", std::process::id()));
        std::fs::write(&stderr, "Could not connect to Redis at 127.0.0.1:1").unwrap();
        let child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
        let mut load = BackgroundLoad {
            child,
            stderr: stderr.clone(),
        };
        let mut error = None;
        for _ in 0..500 {
            if let Err(e) = load.check_running() {
                error = Some(e.to_string());
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let error = error.expect("the ended load is noticed");
        assert!(error.contains("ended mid-measurement"), "{error}");
        assert!(error.contains("Could not connect"), "{error}");
        let child = Command::new("sleep").arg("30").spawn().unwrap();
        let mut running = BackgroundLoad {
            child,
            stderr: stderr.clone(),
        };
        assert!(running.check_running().is_ok());
        let _ = std::fs::remove_file(&stderr);
    }

    #[test]
    fn latency_counts_only_pings_sent_inside_the_windows() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let samples: Vec<(Instant, Duration)> = (0..200)
            .map(|i| (at(i), Duration::from_micros(100 + i * 10)))
            .collect();
        let inside = latency(&samples, &[(at(10), at(19)), (at(100), at(109))]);
        assert_eq!(inside.n_samples, 20);
        // The last ping of the second window: 100 + 109 * 10 us.
        assert!((inside.max_ms - 1.19).abs() < 1e-9, "{}", inside.max_ms);
        let none = latency(&samples, &[(at(500), at(600))]);
        assert_eq!(none.n_samples, 0);
        assert_eq!(none.max_ms, 0.0);
    }
}
