//! One command's latency histogram, what INFO latencystats and LATENCY
//! HISTOGRAM read (Redis 7's `latency-tracking`).
//!
//! Redis keeps an HdrHistogram per command: 2 significant figures over
//! 1 ns .. 1 s, fed the command's time in whole microseconds times 1000.
//! This one has exactly its slots (a power of two split into 128 linear
//! steps above the first 256 values), so every percentile and bucket we
//! print is the one Redis would print for the same times, but it is only
//! an array of counters: recording is a multiply, a leading-zero count,
//! two shifts and an increment (the `hdrhistogram` crate would also keep
//! a total, a minimum and a maximum and check its range on every call).
//! Totals and clamping are done when read, which is rare.

/// The linear steps of each power of two, as a shift: 2 significant
/// figures need 200 steps a magnitude, rounded up to 256, of which the
/// upper 128 are new in each power of two.
const HALF_STEPS_SHIFT: u32 = 7;

/// The largest time tracked, in ns (1 s): a longer one counts as 1 s.
const MAX_NS: u64 = 1_000_000_000;

/// Slots for every value below 2^30 ns (23 powers of two above the first
/// 256 values, 128 each, plus those 256): as many as Redis's histogram.
const SLOTS: usize = 3072;

/// Counts by slot. 24 KiB, allocated when a command is first counted.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    counts: Box<[u64; SLOTS]>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        let counts: Box<[u64]> = vec![0; SLOTS].into_boxed_slice();
        LatencyHistogram {
            counts: counts.try_into().expect("SLOTS counters"),
        }
    }
}

impl LatencyHistogram {
    /// Counts one command that took `usec`. On every command's path: no
    /// clamping here (0 us and anything past 1 s are moved where Redis
    /// counts them when read), and a slot past the array, 1.07 s and
    /// more, takes the cold branch.
    #[inline(always)]
    pub fn record(&mut self, usec: u64) {
        // Overflows only past 584 years.
        let slot = slot_of(usec.wrapping_mul(1000));
        match self.counts.get_mut(slot) {
            Some(count) => *count += 1,
            None => self.record_past_end(),
        }
    }

    #[cold]
    #[inline(never)]
    fn record_past_end(&mut self) {
        self.counts[slot_of(MAX_NS)] += 1;
    }

    /// Takes back one command `record` counted with `usec`.
    pub fn forget(&mut self, usec: u64) {
        let slot = slot_of(usec.wrapping_mul(1000));
        let slot = if slot < SLOTS { slot } else { slot_of(MAX_NS) };
        self.counts[slot] = self.counts[slot].saturating_sub(1);
    }

    /// Commands counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The time at or under which `percentile` (0 ..= 100) of the counted
    /// commands ran, in microseconds, as Redis computes it: the count at
    /// the percentile rounded half up (at least 1), and the highest time
    /// of the slot that reaches it (the lowest, for percentile 0).
    pub fn percentile_usec(&self, percentile: f64) -> f64 {
        let total = self.total();
        let wanted = (((percentile.min(100.0) / 100.0) * total as f64 + 0.5) as u64).max(1);
        let mut cumulative = 0;
        let mut found = None;
        for (slot, count) in self.counts_as_redis() {
            cumulative += count;
            if cumulative >= wanted {
                found = Some(slot);
                break;
            }
        }
        let Some(slot) = found else { return 0.0 };
        let ns = if percentile == 0.0 {
            lowest_ns(slot)
        } else {
            highest_ns(slot)
        };
        ns as f64 / 1000.0
    }

    /// LATENCY HISTOGRAM's buckets: (microseconds, commands that took at
    /// most that long) at every power of two from 1024 ns, each given as
    /// the highest time of its slot, only where the count grew, as
    /// Redis's log iteration gives them (the last one, at 2^30 ns, past
    /// the slots, takes the last slot's time).
    pub fn cumulative_buckets(&self) -> Vec<(u64, u64)> {
        let mut counts = self.counts_as_redis().peekable();
        let mut buckets = Vec::new();
        let (mut cumulative, mut reported) = (0, 0);
        let mut level_ns: u64 = 1024;
        loop {
            let last = slot_of(level_ns).min(SLOTS - 1);
            while let Some(&(slot, count)) = counts.peek() {
                if slot > last {
                    break;
                }
                cumulative += count;
                counts.next();
            }
            if cumulative > reported {
                buckets.push((highest_ns(last) / 1000, cumulative));
                reported = cumulative;
            }
            if last == SLOTS - 1 {
                return buckets;
            }
            level_ns *= 2;
        }
    }

    /// Non-empty slots in order, with 0 ns counted as 1 ns and anything
    /// past 1 s as 1 s, the clamping Redis does as it records.
    fn counts_as_redis(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        let (first, last) = (slot_of(1), slot_of(MAX_NS));
        let under = self.counts[..first].iter().sum::<u64>();
        let over = self.counts[last + 1..].iter().sum::<u64>();
        let within = (first..=last).map(move |slot| {
            let clamped = match slot {
                _ if slot == first => under,
                _ if slot == last => over,
                _ => 0,
            };
            (slot, self.counts[slot] + clamped)
        });
        within.filter(|(_, count)| *count > 0)
    }
}

/// The slot of `ns`: its power of two above the first 256 values, and its
/// linear step within it.
#[inline(always)]
fn slot_of(ns: u64) -> usize {
    let power = 56 - (ns | 255).leading_zeros();
    ((power as usize) << HALF_STEPS_SHIFT) + (ns >> power) as usize
}

/// The slot's power of two and step (the inverse of `slot_of`).
fn power_and_step(slot: usize) -> (u32, u64) {
    let half = 1 << HALF_STEPS_SHIFT;
    match (slot >> HALF_STEPS_SHIFT).checked_sub(1) {
        Some(power) if power > 0 => (power as u32, (slot & (half - 1)) as u64 + half as u64),
        _ => (0, slot as u64),
    }
}

fn lowest_ns(slot: usize) -> u64 {
    let (power, step) = power_and_step(slot);
    step << power
}

fn highest_ns(slot: usize) -> u64 {
    let (power, _) = power_and_step(slot);
    lowest_ns(slot) + (1 << power) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(usecs: &[u64]) -> LatencyHistogram {
        let mut histogram = LatencyHistogram::default();
        for &usec in usecs {
            histogram.record(usec);
        }
        histogram
    }

    /// The slots are HdrHistogram's at 2 significant figures over
    /// 1 ns .. 1 s (the crate's own layout, as a reference).
    #[test]
    fn slots_are_hdrhistograms() {
        let reference =
            hdrhistogram::Histogram::<u64>::new_with_bounds(1, MAX_NS, 2).expect("bounds");
        let mut ns = 1u64;
        while ns <= MAX_NS {
            let slot = slot_of(ns);
            assert!(slot < SLOTS, "{ns}");
            assert_eq!(lowest_ns(slot), reference.lowest_equivalent(ns), "{ns}");
            assert_eq!(highest_ns(slot), reference.highest_equivalent(ns), "{ns}");
            ns = ns + 1 + ns / 97;
        }
        assert_eq!(slot_of((1 << 30) - 1), SLOTS - 1);
        assert_eq!(slot_of(1 << 30), SLOTS);
    }

    /// Percentiles as HdrHistogram gives them, at counts where its
    /// rounding up and Redis's rounding half up agree.
    #[test]
    fn percentiles_are_hdrhistograms() {
        let usecs: Vec<u64> = (0..1000u64).map(|i| (i * i * 7919) % 250_000 + i).collect();
        let ours = histogram(&usecs);
        let mut reference =
            hdrhistogram::Histogram::<u64>::new_with_bounds(1, MAX_NS, 2).expect("bounds");
        for &usec in &usecs {
            reference.record((usec * 1000).max(1)).expect("in range");
        }
        assert_eq!(ours.total(), 1000);
        for percentile in [1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 100.0] {
            let want = reference.value_at_quantile(percentile / 100.0) as f64 / 1000.0;
            assert_eq!(ours.percentile_usec(percentile), want, "p{percentile}");
        }
    }

    /// Numbers redis-server 7.0.15 printed for DEBUG SLEEPs (INFO
    /// latencystats p0/p50/p100, LATENCY HISTOGRAM), and its clamping.
    #[test]
    fn redis_numbers() {
        let sleeps = histogram(&[300_000, 600_000]);
        assert_eq!(sleeps.percentile_usec(0.0), 299_892.736);
        assert_eq!(sleeps.percentile_usec(50.0), 301_989.887);
        assert_eq!(sleeps.percentile_usec(100.0), 603_979.775);
        assert_eq!(sleeps.cumulative_buckets(), [(541_065, 1), (1_073_741, 2)]);
        let fast = histogram(&[0, 7, 20, 20, 60, 10_158]);
        assert_eq!(fast.percentile_usec(0.0), 0.001);
        assert_eq!(
            fast.cumulative_buckets(),
            [(1, 1), (8, 2), (33, 4), (66, 5), (16_908, 6)]
        );
        // Past 1 s counts as 1 s, however far past.
        let long = histogram(&[1_000_000, 1_070_000, 2_000_000, u64::MAX / 1000]);
        assert_eq!(long.total(), 4);
        assert_eq!(long.percentile_usec(0.0), 998_244.352);
        assert_eq!(long.percentile_usec(100.0), 1_002_438.655);
        assert_eq!(long.cumulative_buckets(), [(1_073_741, 4)]);
        // Rounding half up: p99 of 160 is the 158th, not the 159th.
        let mut usecs = vec![10; 158];
        usecs.extend([1000, 1000]);
        assert_eq!(histogram(&usecs).percentile_usec(99.0), 10.047);
        assert_eq!(LatencyHistogram::default().cumulative_buckets(), []);
    }

    #[test]
    fn forget_takes_back_what_record_counted() {
        for usec in [0, 7, 10_158, 1_070_000, 2_000_000] {
            let mut histogram = histogram(&[20, usec]);
            histogram.forget(usec);
            assert_eq!(histogram.total(), 1, "{usec}");
            assert_eq!(histogram.cumulative_buckets(), [(33, 1)], "{usec}");
        }
    }
}
