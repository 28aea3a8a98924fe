//! The named fault-injection points of a simulation run and how likely
//! each is: chosen from the seed, or given in `DST_FAULTS`
//! (`TASK_CANCEL=0.02,CRASH=0.01`, `none`, `all`).
//!
//! Where each fires, per chance taken:
//! - `TASK_CANCEL`: each time a connection's future returns `Pending`, it
//!   may be dropped right there, at that await point (`cancel.rs`).
//! - `CHANNEL_CLOSE`: each driver step, the persistence pipeline may be
//!   shut down under the running connections (its channels close).
//! - `CLIENT_DISCONNECT`: each driver step, a client may vanish, mid-frame
//!   (after part of a command) or mid-reply (replies unread).
//! - `DISK_WRITE_ERROR`, `DISK_FSYNC_ERROR`, `DISK_FULL`, `TORN_WRITE`,
//!   `SLOW_DISK`: each simulated disk operation (`persistence`'s
//!   `SimStorage` points, same names).
//! - `CRASH`: each driver step, the machine may lose power: everything
//!   not fsynced may vanish or tear, then the server restarts from the
//!   files.
//! - `CLOCK_JUMP`: each driver step, the wall clock may step forwards or
//!   backwards (tokio's monotonic time does not).

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::fmt;

/// A fault-injection point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    TaskCancel,
    ChannelClose,
    ClientDisconnect,
    DiskWriteError,
    DiskFsyncError,
    DiskFull,
    TornWrite,
    SlowDisk,
    Crash,
    ClockJump,
}

impl Fault {
    pub const ALL: [Fault; 10] = [
        Fault::TaskCancel,
        Fault::ChannelClose,
        Fault::ClientDisconnect,
        Fault::DiskWriteError,
        Fault::DiskFsyncError,
        Fault::DiskFull,
        Fault::TornWrite,
        Fault::SlowDisk,
        Fault::Crash,
        Fault::ClockJump,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::TaskCancel => "TASK_CANCEL",
            Fault::ChannelClose => "CHANNEL_CLOSE",
            Fault::ClientDisconnect => "CLIENT_DISCONNECT",
            Fault::DiskWriteError => "DISK_WRITE_ERROR",
            Fault::DiskFsyncError => "DISK_FSYNC_ERROR",
            Fault::DiskFull => "DISK_FULL",
            Fault::TornWrite => "TORN_WRITE",
            Fault::SlowDisk => "SLOW_DISK",
            Fault::Crash => "CRASH",
            Fault::ClockJump => "CLOCK_JUMP",
        }
    }

    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The simulated disk's own point of the same name, if it is one.
    pub fn disk(self) -> Option<persistence::storage::sim::Fault> {
        persistence::storage::sim::Fault::from_name(self.name())
    }

    /// The range a seed draws this fault's probability from: often enough
    /// to matter within a few hundred steps, rarely enough that a run
    /// does something between faults.
    fn seeded_range(self) -> (f64, f64) {
        match self {
            Fault::TaskCancel => (0.002, 0.03),
            Fault::ChannelClose => (0.001, 0.005),
            Fault::ClientDisconnect => (0.005, 0.03),
            Fault::DiskWriteError | Fault::DiskFsyncError | Fault::TornWrite => (0.002, 0.03),
            Fault::DiskFull => (0.002, 0.02),
            Fault::SlowDisk => (0.05, 0.5),
            Fault::Crash => (0.002, 0.01),
            Fault::ClockJump => (0.005, 0.03),
        }
    }

    /// The probability `all` gives it.
    fn high(self) -> f64 {
        self.seeded_range().1
    }
}

/// How likely each fault is in one run.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultConfig {
    probability: [f64; 10],
}

impl FaultConfig {
    pub fn none() -> FaultConfig {
        FaultConfig {
            probability: [0.0; 10],
        }
    }

    /// Every fault at the top of its seeded range.
    pub fn all() -> FaultConfig {
        let mut config = FaultConfig::none();
        for fault in Fault::ALL {
            config.set(fault, fault.high());
        }
        config
    }

    /// Each fault on for about half the seeds, at a probability from its
    /// range; the choice is the seed's.
    pub fn from_seed(seed: u64) -> FaultConfig {
        let mut rng = SmallRng::seed_from_u64(seed ^ 0xfa17_5eed_0000_0001);
        let mut config = FaultConfig::none();
        for fault in Fault::ALL {
            if rng.gen_bool(0.5) {
                let (low, high) = fault.seeded_range();
                config.set(fault, rng.gen_range(low..=high));
            }
        }
        config
    }

    /// `DST_FAULTS`: `none`, `all`, or `NAME=P,NAME=P` (the rest off).
    pub fn parse(text: &str) -> Result<FaultConfig, String> {
        match text.trim() {
            "none" | "" => return Ok(FaultConfig::none()),
            "all" => return Ok(FaultConfig::all()),
            _ => {}
        }
        let mut config = FaultConfig::none();
        for part in text.split(',') {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected NAME=PROBABILITY"))?;
            let fault = Fault::from_name(name.trim()).ok_or_else(|| {
                let names: Vec<_> = Fault::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown fault `{name}`; the faults are {}",
                    names.join(", ")
                )
            })?;
            let p: f64 = value
                .trim()
                .parse()
                .map_err(|_| format!("`{value}`: not a probability"))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name}={p}: a probability is within 0..=1"));
            }
            config.set(fault, p);
        }
        Ok(config)
    }

    pub fn set(&mut self, fault: Fault, probability: f64) {
        self.probability[fault as usize] = probability;
    }

    pub fn get(&self, fault: Fault) -> f64 {
        self.probability[fault as usize]
    }
}

impl fmt::Display for FaultConfig {
    /// The `DST_FAULTS` form, so a printed configuration can be pasted back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on: Vec<String> = Fault::ALL
            .iter()
            .filter(|&&fault| self.get(fault) > 0.0)
            .map(|&fault| format!("{}={:.4}", fault.name(), self.get(fault)))
            .collect();
        if on.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&on.join(","))
        }
    }
}

/// How many times each fault fired in a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts(pub [u64; 10]);

impl FaultCounts {
    pub fn note(&mut self, fault: Fault) {
        self.0[fault as usize] += 1;
    }

    pub fn get(&self, fault: Fault) -> u64 {
        self.0[fault as usize]
    }

    pub fn add(&mut self, other: &FaultCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
    }
}

impl fmt::Display for FaultCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fired: Vec<String> = Fault::ALL
            .iter()
            .filter(|&&fault| self.get(fault) > 0)
            .map(|&fault| format!("{}x{}", fault.name(), self.get(fault)))
            .collect();
        f.write_str(&fired.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_configuration_parses_back() {
        for seed in 0..20 {
            let config = FaultConfig::from_seed(seed);
            assert_eq!(
                FaultConfig::parse(&config.to_string()).unwrap().to_string(),
                config.to_string()
            );
        }
        assert!(FaultConfig::parse("CRASH=2").is_err());
        assert!(FaultConfig::parse("NOPE=0.1").is_err());
        assert_eq!(FaultConfig::parse("none").unwrap(), FaultConfig::none());
    }
}
