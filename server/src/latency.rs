//! The latency monitor (LATENCY LATEST/HISTORY/RESET/DOCTOR): for each
//! event (`command`, `fast-command`, `expire-cycle`), samples of the
//! latencies over `latency-monitor-threshold` milliseconds, one per second
//! at most (the worst of that second), the last 160 kept, as Redis keeps
//! them.

use std::collections::BTreeMap;

const HISTORY_LEN: usize = 160;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub unix_secs: i64,
    pub latency_ms: u64,
}

#[derive(Debug, Default)]
pub struct EventSeries {
    pub samples: std::collections::VecDeque<Sample>,
    pub max_ms: u64,
}

#[derive(Debug, Default)]
pub struct LatencyMonitor {
    events: BTreeMap<&'static str, EventSeries>,
}

impl LatencyMonitor {
    /// Adds a sample when monitoring is on and `latency_ms` reaches the
    /// threshold.
    pub fn record(
        &mut self,
        threshold_ms: u64,
        event: &'static str,
        latency_ms: u64,
        unix_secs: i64,
    ) {
        if threshold_ms == 0 || latency_ms < threshold_ms {
            return;
        }
        let series = self.events.entry(event).or_default();
        series.max_ms = series.max_ms.max(latency_ms);
        match series.samples.back_mut() {
            Some(last) if last.unix_secs == unix_secs => {
                last.latency_ms = last.latency_ms.max(latency_ms)
            }
            _ => {
                if series.samples.len() == HISTORY_LEN {
                    series.samples.pop_front();
                }
                series.samples.push_back(Sample {
                    unix_secs,
                    latency_ms,
                });
            }
        }
    }

    pub fn events(&self) -> impl Iterator<Item = (&'static str, &EventSeries)> {
        self.events.iter().map(|(name, series)| (*name, series))
    }

    pub fn series(&self, event: &[u8]) -> Option<&EventSeries> {
        self.events
            .iter()
            .find(|(name, _)| name.as_bytes() == event)
            .map(|(_, s)| s)
    }

    /// Resets the named events (all when `names` is empty); returns how
    /// many were reset.
    pub fn reset(&mut self, names: &[&[u8]]) -> usize {
        if names.is_empty() {
            let n = self.events.len();
            self.events.clear();
            return n;
        }
        let before = self.events.len();
        self.events.retain(|name, _| {
            !names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        });
        before - self.events.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_per_second_keeping_the_worst() {
        let mut monitor = LatencyMonitor::default();
        monitor.record(0, "command", 500, 1);
        assert!(monitor.events().next().is_none(), "threshold 0 is off");
        monitor.record(10, "command", 5, 1);
        assert!(monitor.events().next().is_none());
        monitor.record(10, "command", 20, 1);
        monitor.record(10, "command", 30, 1);
        monitor.record(10, "command", 15, 2);
        let series = monitor.series(b"command").unwrap();
        assert_eq!(series.samples.len(), 2);
        assert_eq!(series.samples[0].latency_ms, 30);
        assert_eq!(series.max_ms, 30);
        assert_eq!(monitor.reset(&[b"nope"]), 0);
        assert_eq!(monitor.reset(&[]), 1);
    }
}
