//! Running `redis-benchmark` for one test against one server, under a
//! timeout, and reading its `--csv` output.
//!
//! redis-benchmark 7.0 prints a header
//! `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
//! "p95_latency_ms","p99_latency_ms","max_latency_ms"` and one row per
//! test; `lrange_100` first prints an `LPUSH (needed to benchmark LRANGE)`
//! row. Columns are found by header name, so an older redis-benchmark that
//! prints only `test,rps` still works (without latencies). It exits 1 when
//! the server answers with an error, and retries forever when the server is
//! gone, hence the timeout.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::cpu::{Reading, Usage};

const POLL: Duration = Duration::from_millis(20);

/// One measurement of one test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub rps: f64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// The server's CPU per request of the run, in us. A run's requests
    /// include redis-benchmark's preload (the LPUSH before `lrange_*`).
    pub server_us: Option<f64>,
    /// Cores redis-benchmark used over the run: about 1.0 means the client
    /// was the bottleneck.
    pub client_cores: Option<f64>,
}

/// What to run: the common options of one benchmark run.
pub struct Load<'a> {
    pub clients: u32,
    pub requests: u64,
    pub pipeline: u32,
    pub test: &'a str,
    pub timeout: Duration,
}

/// Runs one test against the server `pid` listening on `port`; an `Err` is
/// a failed run (its message says why).
pub fn measure(port: u16, pid: u32, load: &Load, scratch: &Path) -> anyhow::Result<Sample> {
    let args = [
        "-h".to_string(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
        "-c".into(),
        load.clients.to_string(),
        "-n".into(),
        load.requests.to_string(),
        "-P".into(),
        load.pipeline.to_string(),
        "-t".into(),
        load.test.into(),
        "--csv".into(),
    ];
    let before = Reading::now(pid);
    let stdout = run(&args, load.timeout, scratch)?;
    let usage = before.until(&Reading::now(pid));
    let mut sample = parse_csv(&stdout, load.test)?;
    let requests = load.requests * csv_rows(&stdout);
    sample.account(&usage, requests);
    Ok(sample)
}

impl Sample {
    fn account(&mut self, usage: &Usage, requests: u64) {
        let wall_us = usage.wall.as_secs_f64() * 1e6;
        self.server_us = usage
            .server_cores
            .filter(|_| requests > 0)
            .map(|cores| cores * wall_us / requests as f64);
        self.client_cores = usage.client_cores;
    }
}

/// How many tests the CSV reports (each ran `-n` requests).
fn csv_rows(csv: &str) -> u64 {
    let rows = csv.lines().filter(|line| line.starts_with('"')).count();
    rows.saturating_sub(1) as u64
}

/// Runs redis-benchmark with `args`, returning its stdout; a non-zero exit
/// or a timeout is an error quoting its output.
pub fn run(args: &[String], timeout: Duration, scratch: &Path) -> anyhow::Result<String> {
    let stdout_path = scratch.join("redis-benchmark.out");
    let stderr_path = scratch.join("redis-benchmark.err");
    let mut child = Command::new("redis-benchmark")
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path)?)
        .stderr(File::create(&stderr_path)?)
        .spawn()
        .context("starting redis-benchmark (is redis-tools installed?)")?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "redis-benchmark {} timed out after {timeout:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(POLL);
    };
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    if !status.success() {
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        let first_error = stderr
            .lines()
            .chain(stdout.lines())
            .find(|line| !line.starts_with('"') && !line.trim().is_empty())
            .unwrap_or("no message");
        bail!("redis-benchmark failed ({status}): {first_error}");
    }
    Ok(stdout)
}

/// Fills the server on `port` with about `n_keys` keys of 10 bytes:
/// `redis-benchmark -t set -r N -n 2N -d 10 -P 16` (random names, so about
/// 86% of N distinct ones).
pub fn load_keys(port: u16, n_keys: u64, timeout: Duration, scratch: &Path) -> anyhow::Result<()> {
    let args: Vec<String> = [
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-c",
        "50",
        "-t",
        "set",
        "-r",
        &n_keys.to_string(),
        "-n",
        &(2 * n_keys).to_string(),
        "-d",
        "10",
        "-P",
        "16",
        "--csv",
    ]
    .iter()
    .map(|arg| arg.to_string())
    .collect();
    run(&args, timeout, scratch)?;
    Ok(())
}

/// The row of `test` (e.g. `lrange_100`) in redis-benchmark's CSV.
pub fn parse_csv(csv: &str, test: &str) -> anyhow::Result<Sample> {
    let mut lines = csv.lines().filter(|line| line.starts_with('"'));
    let header = split_row(lines.next().context("redis-benchmark printed no CSV")?);
    let column = |name: &str| header.iter().position(|field| field == name);
    let rps_column = column("rps").context("no rps column in redis-benchmark's CSV")?;
    let row = lines
        .map(split_row)
        .find(|row| {
            row.first()
                .and_then(|name| name.split_whitespace().next())
                .is_some_and(|name| name.eq_ignore_ascii_case(test))
        })
        .with_context(|| format!("no `{test}` row in redis-benchmark's CSV:\n{csv}"))?;
    let number = |index: Option<usize>| -> Option<f64> { row.get(index?)?.parse().ok() };
    let rps = number(Some(rps_column)).context("unreadable rps")?;
    Ok(Sample {
        rps,
        p50_ms: number(column("p50_latency_ms")),
        p99_ms: number(column("p99_latency_ms")),
        server_us: None,
        client_cores: None,
    })
}

fn split_row(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('"')
        .split("\",\"")
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV_7_0: &str = r#""test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"LPUSH (needed to benchmark LRANGE)","769230.75","0.583","0.184","0.551","0.855","1.103","1.335"
"LRANGE_100 (first 100 elements)","113636.37","5.155","0.640","4.839","8.815","10.367","11.327"
"#;

    #[test]
    fn picks_the_requested_row_by_its_first_word() {
        let sample = parse_csv(CSV_7_0, "lrange_100").expect("parses");
        assert_eq!(sample.rps, 113636.37);
        assert_eq!(sample.p50_ms, Some(4.839));
        assert_eq!(sample.p99_ms, Some(10.367));
        let lpush = parse_csv(CSV_7_0, "lpush").expect("parses");
        assert_eq!(lpush.rps, 769230.75);
        assert_eq!(csv_rows(CSV_7_0), 2, "the preload is a run too");
    }

    #[test]
    fn server_time_is_shared_out_over_the_runs_requests() {
        let mut sample = parse_csv(CSV_7_0, "lrange_100").expect("parses");
        let usage = Usage {
            wall: Duration::from_secs(2),
            server_cores: Some(0.5),
            client_cores: Some(0.98),
        };
        sample.account(&usage, 200_000);
        assert_eq!(sample.server_us, Some(5.0), "1 s of CPU over 200K requests");
        assert_eq!(sample.client_cores, Some(0.98));
        sample.account(&usage, 0);
        assert_eq!(sample.server_us, None);
    }

    #[test]
    fn an_old_csv_without_latencies_still_gives_rps() {
        let sample = parse_csv("\"test\",\"rps\"\n\"SET\",\"1000.00\"\n", "set").expect("parses");
        assert_eq!(
            sample,
            Sample {
                rps: 1000.0,
                p50_ms: None,
                p99_ms: None,
                server_us: None,
                client_cores: None,
            }
        );
    }

    #[test]
    fn a_missing_row_is_an_error() {
        assert!(parse_csv(CSV_7_0, "get").is_err());
        assert!(parse_csv("", "get").is_err());
    }
}
