//! The server's clock: wall-clock time for the engine's expiries and for
//! TIME, INFO and MONITOR timestamps.
//!
//! In production it reads the system clock. Under test it can follow
//! tokio's clock instead (anchored to the wall clock once), so tests with
//! paused tokio time move TTLs and idle timeouts together.

use kv_engine::Clock;
use std::time::{SystemTime, UNIX_EPOCH};

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

    /// Microseconds since the Unix epoch.
    pub fn now_us(&self) -> i64 {
        match &self.source {
            Source::System => system_us(),
            Source::Tokio { anchor_us, anchor } => anchor_us + anchor.elapsed().as_micros() as i64,
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

fn system_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| {
        d.as_secs() as i64 * 1_000_000 + i64::from(d.subsec_micros())
    })
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

    #[test]
    fn the_system_clock_is_near_the_wall_clock() {
        let now = ServerClock::system().now_secs();
        assert!(now > 1_600_000_000, "{now}");
    }
}
