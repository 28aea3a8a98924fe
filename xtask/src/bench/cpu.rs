//! CPU time read from /proc, to tell who was busy during a benchmark run:
//! - a running server: user + system time of all its threads, exited ones
//!   included (`/proc/PID/stat` utime + stime, in clock ticks; summing the
//!   live threads' schedstat instead would lose the whole life of a tokio
//!   blocking thread that exits during a run);
//! - a finished redis-benchmark: the CPU time of this process's reaped
//!   children (`/proc/self/stat` cutime + cstime, in clock ticks). The
//!   servers are children too, but they are not reaped while they run, so
//!   the difference across one run is redis-benchmark's time alone.
//!
//! Both are read before and after a run (`Usage::since`). They say whether
//! a ratio measures our server or the client: at about 1.0 client core, the
//! client was saturated and could not have gone faster against any server.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A reading of the server's, the client's and the wall clock's time.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    server_ns: Option<u64>,
    client_ns: Option<u64>,
    at: Instant,
}

/// What a run used: seconds of CPU per second of wall clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Usage {
    pub wall: Duration,
    pub server_cores: Option<f64>,
    pub client_cores: Option<f64>,
}

impl Reading {
    pub fn now(server_pid: u32) -> Reading {
        Reading {
            server_ns: process_ns(server_pid),
            client_ns: reaped_children_ns(),
            at: Instant::now(),
        }
    }

    /// The usage between `self` and a later reading.
    pub fn until(&self, later: &Reading) -> Usage {
        let wall = later.at.saturating_duration_since(self.at);
        let cores = |before: Option<u64>, after: Option<u64>| {
            let used = after?.checked_sub(before?)?;
            (wall > Duration::ZERO).then(|| used as f64 / wall.as_nanos() as f64)
        };
        Usage {
            wall,
            server_cores: cores(self.server_ns, later.server_ns),
            client_cores: cores(self.client_ns, later.client_ns),
        }
    }
}

/// CPU time (user + system) of `pid`, every thread it ever had, in ns.
fn process_ns(pid: u32) -> Option<u64> {
    stat_ns(&format!("/proc/{pid}/stat"), 14)
}

/// CPU time (user + system) of this process's reaped children, in ns.
fn reaped_children_ns() -> Option<u64> {
    stat_ns("/proc/self/stat", 16)
}

fn stat_ns(path: &str, field: usize) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    let ticks = tick_pair(&stat, field)?;
    Some(ticks.saturating_mul(1_000_000_000) / clock_ticks_per_second())
}

/// The sum of fields `first` and `first + 1` (1-based) of /proc/PID/stat:
/// 14 and 15 are utime and stime, 16 and 17 cutime and cstime. The command
/// name (field 2) may hold spaces, so fields are counted after its `)`.
fn tick_pair(stat: &str, first: usize) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(first - 3);
    let a: u64 = fields.next()?.parse().ok()?;
    let b: u64 = fields.next()?.parse().ok()?;
    Some(a + b)
}

/// `getconf CLK_TCK`, 100 where it cannot be asked (Linux's usual value).
fn clock_ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|&ticks| ticks > 0)
            .unwrap_or(100)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_counted_after_the_name_even_with_spaces_in_it() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
        // majflt cmajflt utime stime cutime cstime ...
        let stat = "42 (a b) c) S 1 42 42 0 -1 4194560 10 20 0 0 5 6 70 8 20 0 1";
        assert_eq!(tick_pair(stat, 14), Some(11), "utime + stime");
        assert_eq!(tick_pair(stat, 16), Some(78), "cutime + cstime");
        assert_eq!(tick_pair("42 (short", 14), None);
    }

    #[test]
    fn a_thread_that_exits_keeps_its_time_in_the_process() {
        // The one test here that burns CPU, so no other adds to the count.
        let pid = std::process::id();
        let before = Reading::now(pid);
        std::thread::spawn(|| {
            let mut x = 0u64;
            for i in 0..20_000_000u64 {
                x = std::hint::black_box(x.wrapping_add(i));
            }
        })
        .join()
        .expect("the busy thread");
        let usage = before.until(&Reading::now(pid));
        // Some tens of ms of work, whatever the load (ticks are 10 ms).
        let used = usage.server_cores.expect("readable") * usage.wall.as_secs_f64();
        assert!(used >= 0.02, "the exited thread's time was lost ({used} s)");
    }
}
