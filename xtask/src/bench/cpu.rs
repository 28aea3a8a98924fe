//! CPU time read from /proc, to tell who was busy during a benchmark run:
//! - a running server: the sum of its threads' run time
//!   (`/proc/PID/task/*/schedstat`, first field, in ns); a thread that exits
//!   during the run takes its time with it, which only undercounts;
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

/// Run time of every live thread of `pid`, in ns.
fn process_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0u64;
    for task in tasks.flatten() {
        let Ok(schedstat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue; // the thread exited meanwhile
        };
        total += first_field(&schedstat)?;
    }
    Some(total)
}

fn first_field(schedstat: &str) -> Option<u64> {
    schedstat.split_whitespace().next()?.parse().ok()
}

/// CPU time (user + system) of this process's reaped children, in ns.
fn reaped_children_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let ticks = children_ticks(&stat)?;
    Some(ticks.saturating_mul(1_000_000_000) / clock_ticks_per_second())
}

/// Fields 16 and 17 of /proc/PID/stat (cutime, cstime). The command name
/// (field 2) may hold spaces, so fields are counted after its `)`.
fn children_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(16 - 3);
    let cutime: u64 = fields.next()?.parse().ok()?;
    let cstime: u64 = fields.next()?.parse().ok()?;
    Some(cutime + cstime)
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
    fn children_times_are_fields_16_and_17_even_with_spaces_in_the_name() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
        // majflt cmajflt utime stime cutime cstime ...
        let stat = "42 (a b) c) S 1 42 42 0 -1 4194560 10 20 0 0 5 6 70 8 20 0 1";
        assert_eq!(children_ticks(stat), Some(78));
        assert_eq!(children_ticks("42 (short"), None);
    }

    #[test]
    fn a_busy_thread_of_this_process_shows_up_in_its_run_time() {
        let pid = std::process::id();
        let before = Reading::now(pid);
        let spin_until = Instant::now() + Duration::from_millis(60);
        let mut x = 0u64;
        while Instant::now() < spin_until {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let usage = before.until(&Reading::now(pid));
        let cores = usage.server_cores.expect("schedstat is readable");
        // Only "some": a loaded machine may give this process little of a core.
        assert!(cores > 0.0, "a spinning thread used {cores} cores");
        assert_eq!(first_field("12 34 5\n"), Some(12));
    }
}
