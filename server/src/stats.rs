//! Counters INFO reports and CONFIG RESETSTAT zeroes: per-command calls and
//! time (commandstats) and latency histograms (latencystats, LATENCY
//! HISTOGRAM), error replies by code (errorstats), and the server-wide
//! totals of the stats section. Kept under the engine lock, which every
//! batch holds anyway, so counting costs no atomics.

use crate::latency_histogram::LatencyHistogram;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommandStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

#[derive(Debug, Default)]
pub struct ServerStats {
    /// By command name, `container|sub` for subcommands (`config|get`).
    pub commands: CommandStats,
    /// `latency-tracking`: calls are also counted in their command's
    /// latency histogram. A setting, so CONFIG RESETSTAT keeps it.
    pub latency_tracking: bool,
    /// By error code (`ERR`, `WRONGTYPE`, ...).
    pub errors: HashMap<String, u64>,
    pub total_error_replies: u64,
    pub total_connections_received: u64,
    pub rejected_connections: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub reads_processed: u64,
    pub writes_processed: u64,
    pub expired_time_cap_reached_count: u64,
    pub expire_cycle_cpu_us: u64,
    pub client_recent_max_input_buffer: usize,
    pub client_recent_max_output_buffer: usize,
    /// Running estimate of the share of expired keys among those sampled.
    pub expired_stale_perc: f64,
    /// For the instantaneous rates: (unix ms, commands, bytes in, bytes out).
    pub samples: std::collections::VecDeque<(i64, u64, u64, u64)>,
}

/// Per-command counters, looked up once per command. A name is counted
/// under its text, but the names come from a few static tables, so the
/// address of the text finds a recently counted name without hashing it:
/// the same address and length are the same bytes.
#[derive(Debug, Default)]
pub struct CommandStats {
    /// Index into `stats` by name: hashbrown's default hasher (foldhash),
    /// not std's SipHash, which cost more than some commands do.
    by_name: hashbrown::HashMap<&'static str, usize>,
    stats: Vec<Counted>,
    /// (address of a name's text, its index in `stats` plus one) by a
    /// hash of the address; 0 is empty.
    recent: [(usize, usize); RECENT_NAMES],
}

/// One command's counters, its latency histogram beside them, so the
/// lookup that finds the one finds the other.
#[derive(Debug)]
struct Counted {
    name: &'static str,
    stat: CommandStat,
    latency: LatencyHistogram,
}

/// Names remembered by address (a power of two).
const RECENT_NAMES: usize = 16;

impl CommandStats {
    /// The counters of `name`, new ones if it was never counted. The
    /// remembered address is looked at inline; the map only out of line
    /// (callgrind: the call's register saving cost as much as the check).
    #[inline(always)]
    pub fn entry(&mut self, name: &'static str) -> &mut CommandStat {
        &mut self.counted(name).stat
    }

    #[inline(always)]
    fn counted(&mut self, name: &'static str) -> &mut Counted {
        let address = name.as_ptr() as usize;
        let slot = ((address >> 3) ^ (address >> 11)) & (RECENT_NAMES - 1);
        let (seen, index) = self.recent[slot];
        let index = match index.checked_sub(1) {
            Some(index) if seen == address && self.stats[index].name.len() == name.len() => index,
            _ => self.find_or_add(name, slot),
        };
        &mut self.stats[index]
    }

    /// `entry`'s index of `name` through the map, remembered at `slot`.
    #[cold]
    #[inline(never)]
    fn find_or_add(&mut self, name: &'static str, slot: usize) -> usize {
        let index = match self.by_name.get(name) {
            Some(&index) => index,
            None => {
                self.stats.push(Counted {
                    name,
                    stat: CommandStat::default(),
                    latency: LatencyHistogram::default(),
                });
                self.by_name.insert(name, self.stats.len() - 1);
                self.stats.len() - 1
            }
        };
        self.recent[slot] = (name.as_ptr() as usize, index + 1);
        index
    }

    pub fn get(&self, name: &str) -> Option<&CommandStat> {
        self.by_name.get(name).map(|&index| &self.stats[index].stat)
    }

    /// Every name counted, in the order first counted.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &CommandStat)> {
        self.stats
            .iter()
            .map(|counted| (counted.name, &counted.stat))
    }

    /// Every name with a call in its latency histogram (one counted while
    /// `latency-tracking` was on), in the order first counted.
    pub fn latencies(&self) -> impl Iterator<Item = (&'static str, &LatencyHistogram)> {
        self.stats
            .iter()
            .filter(|counted| counted.latency.total() > 0)
            .map(|counted| (counted.name, &counted.latency))
    }
}

/// Samples kept for the instantaneous rates (Redis keeps 16).
const OPS_SAMPLES_MAX: usize = 16;

impl ServerStats {
    /// Counts one command under `name`: the table name, or
    /// `container|sub` for a subcommand.
    pub fn record(&mut self, name: &'static str, usec: u64, failed: bool, rejected: bool) {
        let latency_tracking = self.latency_tracking;
        let counted = self.commands.counted(name);
        let stat = &mut counted.stat;
        if rejected {
            stat.rejected_calls += 1;
            return;
        }
        stat.calls += 1;
        stat.usec += usec;
        if failed {
            stat.failed_calls += 1;
        }
        if latency_tracking {
            counted.latency.record(usec);
        }
    }

    /// Counts `usec` in `name`'s latency histogram alone (a blocked
    /// command once served), while tracking is on.
    pub fn record_latency(&mut self, name: &'static str, usec: u64) {
        if self.latency_tracking {
            self.commands.counted(name).latency.record(usec);
        }
    }

    /// Takes back the latency `record` just counted for `name`: a
    /// blocking command that blocked is timed only once served or ended by
    /// CLIENT UNBLOCK, as Redis 7.0 times it (a wait whose timeout passes
    /// leaves no time; its call still counts).
    pub fn forget_latency(&mut self, name: &'static str, usec: u64) {
        if self.latency_tracking {
            self.commands.counted(name).latency.forget(usec);
        }
    }

    /// Counts a call of `name` (run with first argument `argv1`) as its
    /// command or subcommand; an unknown subcommand counts none. Returns
    /// the name it is counted under.
    #[inline]
    pub fn record_call(
        &mut self,
        name: &'static str,
        argv1: Option<&[u8]>,
        usec: u64,
        failed: bool,
        rejected: bool,
    ) -> &'static str {
        let sub = subcommand_of(name, argv1);
        let stat_name = sub.map_or(name, |(_, full)| full);
        if sub.is_some() || !names_no_subcommand(name, argv1) {
            self.record(stat_name, usec, failed, rejected);
        }
        stat_name
    }

    /// Counts `reply`'s error, if it is one (its first line). The check
    /// inline: every command's reply is looked at.
    #[inline]
    pub fn record_error_reply(&mut self, reply: &[u8]) {
        if reply.first() == Some(&b'-') {
            self.record_error_line(reply);
        }
    }

    #[cold]
    fn record_error_line(&mut self, reply: &[u8]) {
        let line_end = reply
            .iter()
            .position(|b| *b == b'\r')
            .unwrap_or(reply.len());
        self.record_error(&reply[1..line_end]);
    }

    /// A command counted as a success whose reply, deferred (SAVE,
    /// CONFIG SET appendonly yes), turned out an error: a failed call and
    /// an error reply after all.
    pub fn record_failed_later(&mut self, name: &'static str, text: &str) {
        self.commands.entry(name).failed_calls += 1;
        self.record_error(text.as_bytes());
    }

    /// Counts an error reply by its code (the first word of `text`).
    pub fn record_error(&mut self, text: &[u8]) {
        let code = text.split(|b| *b == b' ').next().unwrap_or(b"ERR");
        let code = String::from_utf8_lossy(&code[..code.len().min(64)]);
        if let Some(count) = self.errors.get_mut(code.as_ref()) {
            *count += 1;
        } else if self.errors.len() < 128 {
            // Redis too stops tracking new codes past 128 of them.
            self.errors.insert(code.into_owned(), 1);
        }
        self.total_error_replies += 1;
    }

    pub fn sample_ops(&mut self, now_ms: i64, total_commands: u64) {
        if self.samples.len() == OPS_SAMPLES_MAX {
            self.samples.pop_front();
        }
        self.samples.push_back((
            now_ms,
            total_commands,
            self.net_input_bytes,
            self.net_output_bytes,
        ));
    }

    /// Commands a second over the sampled window.
    pub fn instantaneous_ops_per_sec(&self) -> u64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(a), Some(b)) if b.0 > a.0 => {
                (b.1.saturating_sub(a.1)) * 1000 / (b.0 - a.0) as u64
            }
            _ => 0,
        }
    }

    /// KiB a second in and out over the sampled window.
    pub fn instantaneous_kbps(&self) -> (f64, f64) {
        match (self.samples.front(), self.samples.back()) {
            (Some(a), Some(b)) if b.0 > a.0 => {
                let seconds = (b.0 - a.0) as f64 / 1000.0;
                (
                    b.2.saturating_sub(a.2) as f64 / 1024.0 / seconds,
                    b.3.saturating_sub(a.3) as f64 / 1024.0 / seconds,
                )
            }
            _ => (0.0, 0.0),
        }
    }

    /// CONFIG RESETSTAT (the histograms go too, as in Redis).
    pub fn reset(&mut self) {
        *self = ServerStats {
            latency_tracking: self.latency_tracking,
            ..ServerStats::default()
        };
    }
}

/// Commands whose first argument names a subcommand, as Redis 7 counts
/// them (`cmdstat_config|get`): (subcommand, `container|subcommand`).
#[inline]
pub fn subcommand_of(name: &str, argv1: Option<&[u8]>) -> Option<(&'static str, &'static str)> {
    // Every container's name has 6 or 7 letters: most commands are
    // answered here, without a call.
    if !(6..=7).contains(&name.len()) {
        return None;
    }
    container_subcommand(name, argv1?)
}

/// Whether `argv1` names no subcommand of the container `name`: Redis
/// then counts no call of any command (`CLIENT FOO` is neither a
/// `client` nor a `client|foo` call), only the error.
fn names_no_subcommand(name: &str, argv1: Option<&[u8]>) -> bool {
    argv1.is_some_and(|arg| is_container(name) && container_subcommand(name, arg).is_none())
}

/// Whether `name` is a command with subcommands (CLIENT, CONFIG, ...).
pub fn is_container(name: &str) -> bool {
    (6..=7).contains(&name.len()) && subcommands(name).is_some()
}

fn container_subcommand(name: &str, arg: &[u8]) -> Option<(&'static str, &'static str)> {
    subcommands(name)?
        .iter()
        .map(|full| (&full[name.len() + 1..], *full))
        .find(|(sub, _)| sub.as_bytes().eq_ignore_ascii_case(arg))
}

fn subcommands(name: &str) -> Option<&'static [&'static str]> {
    // A match, not a scan of the containers: this runs for every command
    // with a name of a container's length.
    let subs: &[&'static str] = match name {
        "client" => &[
            "client|caching",
            "client|getname",
            "client|getredir",
            "client|help",
            "client|id",
            "client|info",
            "client|kill",
            "client|list",
            "client|no-evict",
            "client|no-touch",
            "client|pause",
            "client|reply",
            "client|setinfo",
            "client|setname",
            "client|tracking",
            "client|trackinginfo",
            "client|unblock",
            "client|unpause",
        ],
        "command" => &[
            "command|count",
            "command|docs",
            "command|getkeys",
            "command|getkeysandflags",
            "command|help",
            "command|info",
            "command|list",
        ],
        "config" => &[
            "config|get",
            "config|help",
            "config|resetstat",
            "config|rewrite",
            "config|set",
        ],
        "latency" => &[
            "latency|doctor",
            "latency|graph",
            "latency|help",
            "latency|histogram",
            "latency|history",
            "latency|latest",
            "latency|reset",
        ],
        "memory" => &[
            "memory|doctor",
            "memory|help",
            "memory|malloc-stats",
            "memory|purge",
            "memory|stats",
            "memory|usage",
        ],
        "object" => &[
            "object|encoding",
            "object|freq",
            "object|help",
            "object|idletime",
            "object|refcount",
        ],
        "pubsub" => &[
            "pubsub|channels",
            "pubsub|help",
            "pubsub|numpat",
            "pubsub|numsub",
            "pubsub|shardchannels",
            "pubsub|shardnumsub",
        ],
        "slowlog" => &[
            "slowlog|get",
            "slowlog|help",
            "slowlog|len",
            "slowlog|reset",
        ],
        _ => return None,
    };
    Some(subs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_subcommands_count_apart() {
        let mut stats = ServerStats::default();
        stats.record("get", 3, false, false);
        stats.record("get", 5, true, false);
        stats.record("get", 0, true, true);
        stats.record("config|get", 7, false, false);
        let get = *stats.commands.get("get").unwrap();
        assert_eq!(
            get,
            CommandStat {
                calls: 2,
                usec: 8,
                rejected_calls: 1,
                failed_calls: 1
            }
        );
        assert_eq!(stats.commands.get("config|get").unwrap().calls, 1);
        // The same name from another string is the same name.
        let again = String::from("get").leak();
        stats.record(again, 1, false, false);
        assert_eq!(stats.commands.get("get").unwrap().calls, 3);
        assert_eq!(stats.commands.iter().count(), 2);
        // A name at the address of a longer one is another name.
        let full: &'static str = stats.commands.iter().nth(1).unwrap().0;
        stats.record(&full[..6], 2, false, false);
        assert_eq!(stats.commands.get("config").unwrap().calls, 1);
        assert_eq!(stats.commands.get("config|get").unwrap().calls, 1);
        // More names than remembered addresses: each keeps its own count.
        let names: Vec<&'static str> = (0..40).map(|i| format!("n{i}").leak() as &str).collect();
        for round in 1..=3 {
            for name in &names {
                stats.record(name, 1, false, false);
            }
            assert!(names
                .iter()
                .all(|name| stats.commands.get(name).unwrap().calls == round));
        }
        assert_eq!(
            subcommand_of("config", Some(b"GET")),
            Some(("get", "config|get"))
        );
        assert_eq!(subcommand_of("config", Some(b"nope")), None);
        assert_eq!(subcommand_of("get", Some(b"x")), None);
        for container in [
            "client", "command", "config", "latency", "memory", "object", "pubsub", "slowlog",
        ] {
            assert!(
                subcommand_of(container, Some(b"help")).is_some(),
                "{container}"
            );
        }
    }

    #[test]
    fn latency_is_tracked_only_while_on() {
        let mut stats = ServerStats {
            latency_tracking: true,
            ..ServerStats::default()
        };
        stats.record("get", 3, false, false);
        stats.record("get", 5, true, false);
        stats.record("get", 9, false, true);
        stats.record("set", 1, false, true);
        let tracked = |stats: &ServerStats| -> Vec<(&str, u64)> {
            (stats.commands.latencies())
                .map(|(name, histogram)| (name, histogram.total()))
                .collect()
        };
        // A failed call is timed; a rejected one is no call.
        assert_eq!(tracked(&stats), [("get", 2)]);
        stats.latency_tracking = false;
        stats.record("get", 3, false, false);
        stats.record("del", 3, false, false);
        assert_eq!(tracked(&stats), [("get", 2)]);
        assert_eq!(stats.commands.get("get").unwrap().calls, 3);
        stats.latency_tracking = true;
        stats.reset();
        assert!(stats.latency_tracking, "a setting, not a counter");
        assert_eq!(tracked(&stats), []);
    }

    #[test]
    fn errors_count_by_code() {
        let mut stats = ServerStats::default();
        stats.record_error(b"ERR syntax error");
        stats.record_error(b"WRONGTYPE Operation");
        stats.record_error(b"ERR x");
        assert_eq!(stats.errors["ERR"], 2);
        assert_eq!(stats.errors["WRONGTYPE"], 1);
        assert_eq!(stats.total_error_replies, 3);
    }

    #[test]
    fn ops_per_second_from_samples() {
        let mut stats = ServerStats::default();
        stats.sample_ops(0, 0);
        stats.sample_ops(1000, 500);
        stats.sample_ops(2000, 1500);
        assert_eq!(stats.instantaneous_ops_per_sec(), 750);
    }
}
