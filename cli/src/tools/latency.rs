//! `--latency` and `--latency-history`: PING every 10 ms and report the
//! round trip in milliseconds (min, max, average, samples), as redis-cli
//! does: a line refreshed in place at a terminal, a new line per interval
//! (15 s by default) with `--latency-history`, and when stdout is not a
//! terminal or `--raw`/`--csv` is given, one line after sampling for the
//! interval (1 s by default).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::args::Settings;
use crate::format::OutputMode;

use super::{connect, request, ToolError};

/// Pause between two PINGs.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);
/// Default interval of `--latency-history` lines.
const HISTORY_INTERVAL: Duration = Duration::from_secs(15);
/// Default sampling time when printing one line and exiting.
const ONE_LINE_INTERVAL: Duration = Duration::from_secs(1);

/// Round trips in whole milliseconds, redis-cli's unit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencyStats {
    pub min_ms: u64,
    pub max_ms: u64,
    pub total_ms: u64,
    pub samples: u64,
}

impl LatencyStats {
    pub fn add(&mut self, ms: u64) {
        if self.samples == 0 || ms < self.min_ms {
            self.min_ms = ms;
        }
        self.max_ms = self.max_ms.max(ms);
        self.total_ms += ms;
        self.samples += 1;
    }

    pub fn avg_ms(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            self.total_ms as f64 / self.samples as f64
        }
    }

    /// `min: 0, max: 1, avg: 0.05 (100 samples)`.
    pub fn line(&self) -> String {
        format!(
            "min: {}, max: {}, avg: {:.2} ({} samples)",
            self.min_ms,
            self.max_ms,
            self.avg_ms(),
            self.samples
        )
    }
}

pub async fn run(settings: &Settings, history: bool) -> Result<(), ToolError> {
    let mut connection = connect(settings).await?;
    let terminal = std::io::stdout().is_terminal() && settings.output.mode == OutputMode::Standard;
    let one_line = !terminal && !history;
    let interval = settings.interval.unwrap_or(if history {
        HISTORY_INTERVAL
    } else {
        ONE_LINE_INTERVAL
    });
    let mut stats = LatencyStats::default();
    let mut range_start = Instant::now();
    loop {
        let sent = Instant::now();
        request(&mut connection, &["PING"]).await?;
        stats.add(sent.elapsed().as_millis() as u64);
        let mut stdout = std::io::stdout().lock();
        if terminal {
            let _ = write!(stdout, "\x1b[0G\x1b[2K{}", stats.line());
        }
        let elapsed = range_start.elapsed();
        if one_line && elapsed >= interval {
            let sep = if settings.output.mode == OutputMode::Csv {
                ","
            } else {
                " "
            };
            let _ = writeln!(
                stdout,
                "{}{sep}{}{sep}{:.2}{sep}{}",
                stats.min_ms,
                stats.max_ms,
                stats.avg_ms(),
                stats.samples
            );
            return Ok(());
        }
        if history && elapsed >= interval {
            if !terminal {
                let _ = write!(stdout, "{}", stats.line());
            }
            let _ = writeln!(stdout, " -- {:.2} seconds range", elapsed.as_secs_f64());
            stats = LatencyStats::default();
            range_start = Instant::now();
        }
        let _ = stdout.flush();
        drop(stdout);
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::LatencyStats;

    #[test]
    fn stats_keep_min_max_and_average() {
        let mut stats = LatencyStats::default();
        assert_eq!(stats.line(), "min: 0, max: 0, avg: 0.00 (0 samples)");
        for ms in [3, 1, 2] {
            stats.add(ms);
        }
        assert_eq!(stats.line(), "min: 1, max: 3, avg: 2.00 (3 samples)");
    }
}
