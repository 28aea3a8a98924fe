//! The server's clock: wall-clock time for the engine's expiries and for
//! TIME, INFO and MONITOR timestamps.
//!
//! In production it reads the system clock. Under test it can follow
//! tokio's clock instead (anchored to the wall clock once), so tests with
//! paused tokio time move TTLs and idle timeouts together. With feature
//! `sim` (the deterministic simulation) it can also start at a given wall
//! time and jump (the CLOCK_JUMP fault: NTP steps the wall clock while
//! tokio's monotonic time goes on).

use kv_engine::Clock;

#[derive(Debug)]
pub struct ServerClock {
    source: Source,
}

#[derive(Debug)]
enum Source {
    System,
    /// Microseconds since the epoch at `anchor`, advanced by tokio's clock.
    Tokio {
        anchor_us: i64,
        anchor: tokio::time::Instant,
    },
    /// As `Tokio`, from a chosen wall time, plus the jumps made so far.
    #[cfg(feature = "sim")]
    Simulated {
        anchor_us: i64,
        anchor: tokio::time::Instant,
        jumped_us: std::sync::atomic::AtomicI64,
    },
}

impl ServerClock {
    pub fn system() -> ServerClock {
        ServerClock {
            source: Source::System,
        }
    }

    /// Follows `tokio::time` (paused or not) from the current wall time.
    pub fn tokio() -> ServerClock {
        ServerClock {
            source: Source::Tokio {
                anchor_us: system_us(),
                anchor: tokio::time::Instant::now(),
            },
        }
    }

    /// Follows `tokio::time` from `anchor_us` (microseconds since the
    /// epoch), so a simulation's wall time depends on nothing outside it.
    #[cfg(feature = "sim")]
    pub fn simulated(anchor_us: i64) -> ServerClock {
        ServerClock {
            source: Source::Simulated {
                anchor_us,
                anchor: tokio::time::Instant::now(),
                jumped_us: std::sync::atomic::AtomicI64::new(0),
            },
        }
    }

    /// Steps the wall clock by `delta_us` (either way) without moving
    /// tokio's time: the CLOCK_JUMP fault. Only a simulated clock jumps.
    #[cfg(feature = "sim")]
    pub fn jump(&self, delta_us: i64) {
        match &self.source {
            Source::Simulated { jumped_us, .. } => {
                jumped_us.fetch_add(delta_us, std::sync::atomic::Ordering::Relaxed);
            }
            _ => panic!("only a simulated clock jumps"),
        }
    }

    /// Microseconds since the Unix epoch.
    pub fn now_us(&self) -> i64 {
        match &self.source {
            Source::System => system_us(),
            Source::Tokio { anchor_us, anchor } => anchor_us + anchor.elapsed().as_micros() as i64,
            #[cfg(feature = "sim")]
            Source::Simulated {
                anchor_us,
                anchor,
                jumped_us,
            } => {
                anchor_us
                    + anchor.elapsed().as_micros() as i64
                    + jumped_us.load(std::sync::atomic::Ordering::Relaxed)
            }
        }
    }

    pub fn now_secs(&self) -> i64 {
        self.now_us() / 1_000_000
    }
}

impl Clock for ServerClock {
    fn now_ms(&self) -> i64 {
        self.now_us() / 1000
    }
}

/// The system's wall clock (CLOCK_REALTIME, as `SystemTime` and Redis's
/// `gettimeofday` read), 0 before the epoch. Read through rustix: std's
/// `SystemTime::duration_since` costs as much again as the reading
/// itself in checked `Timespec` arithmetic (callgrind: about 40 of the
/// 80 instructions of a reading), and every command takes one.
fn system_us() -> i64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
    if now.tv_sec < 0 {
        return 0;
    }
    now.tv_sec * 1_000_000 + now.tv_nsec / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_tokio_clock_follows_paused_time() {
        let clock = ServerClock::tokio();
        let before = clock.now_ms();
        tokio::time::advance(std::time::Duration::from_secs(5)).await;
        assert_eq!(clock.now_ms() - before, 5000);
    }

    #[cfg(feature = "sim")]
    #[tokio::test(start_paused = true)]
    async fn a_simulated_clock_starts_where_told_and_jumps_both_ways() {
        let clock = ServerClock::simulated(1_000_000_000);
        assert_eq!(clock.now_ms(), 1_000_000);
        tokio::time::advance(std::time::Duration::from_millis(250)).await;
        clock.jump(-5_000_000);
        assert_eq!(clock.now_ms(), 1_000_000 + 250 - 5_000);
        clock.jump(10_000_000);
        assert_eq!(clock.now_ms(), 1_000_000 + 250 + 5_000);
    }

    #[test]
    fn the_system_clock_is_the_wall_clock_to_the_microsecond() {
        let since_epoch = |t: std::time::SystemTime| {
            let d = t.duration_since(std::time::UNIX_EPOCH).unwrap();
            d.as_secs() as i64 * 1_000_000 + i64::from(d.subsec_micros())
        };
        let before = since_epoch(std::time::SystemTime::now());
        let now = ServerClock::system().now_us();
        let after = since_epoch(std::time::SystemTime::now());
        assert!(before <= now && now <= after, "{before} {now} {after}");
        assert!(now / 1_000_000 > 1_600_000_000, "{now}");
    }
}
