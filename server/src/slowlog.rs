//! SLOWLOG: the commands that took longer than `slowlog-log-slower-than`
//! microseconds, newest first, at most `slowlog-max-len` of them, with
//! arguments shortened as Redis shortens them.

use resp_codec::Argv;
use std::collections::VecDeque;

/// Arguments kept per entry; the last one then says how many more.
const ARGS_MAX: usize = 32;
/// Bytes kept per argument.
const ARG_LEN_MAX: usize = 128;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowEntry {
    pub id: u64,
    pub unix_secs: i64,
    pub duration_us: u64,
    pub argv: Vec<Vec<u8>>,
    pub addr: String,
    pub name: String,
}

#[derive(Debug, Default)]
pub struct SlowLog {
    entries: VecDeque<SlowEntry>,
    next_id: u64,
}

impl SlowLog {
    /// Records a command if it was slow enough; `slower_than_us < 0` turns
    /// the log off.
    #[allow(clippy::too_many_arguments)]
    pub fn record<'a>(
        &mut self,
        slower_than_us: i64,
        max_len: usize,
        argv: impl Into<Argv<'a>>,
        duration_us: u64,
        unix_secs: i64,
        addr: &str,
        name: &str,
    ) {
        if slower_than_us < 0 || (duration_us as i64) < slower_than_us {
            return;
        }
        let argv = argv.into();
        let mut kept: Vec<Vec<u8>> = Vec::with_capacity(argv.len().min(ARGS_MAX));
        for i in 0..argv.len() {
            let arg = crate::host::redact::shown(argv, i);
            if i == ARGS_MAX - 1 && argv.len() > ARGS_MAX {
                kept.push(format!("... ({} more arguments)", argv.len() - i).into_bytes());
                break;
            }
            if arg.len() > ARG_LEN_MAX {
                let mut short = arg[..ARG_LEN_MAX].to_vec();
                short.extend_from_slice(
                    format!("... ({} more bytes)", arg.len() - ARG_LEN_MAX).as_bytes(),
                );
                kept.push(short);
            } else {
                kept.push(arg.to_vec());
            }
        }
        self.entries.push_front(SlowEntry {
            id: self.next_id,
            unix_secs,
            duration_us,
            argv: kept,
            addr: addr.to_owned(),
            name: name.to_owned(),
        });
        self.next_id += 1;
        self.entries.truncate(max_len);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The newest `n` entries.
    pub fn newest(&self, n: usize) -> impl Iterator<Item = &SlowEntry> {
        self.entries.iter().take(n)
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }

    /// Shortens the log after slowlog-max-len shrank.
    pub fn truncate(&mut self, max_len: usize) {
        self.entries.truncate(max_len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn argv(args: &[&[u8]]) -> Vec<Bytes> {
        args.iter().map(|a| Bytes::copy_from_slice(a)).collect()
    }

    #[test]
    fn keeps_only_slow_commands_newest_first_and_bounded() {
        let mut log = SlowLog::default();
        log.record(10, 2, &argv(&[b"get", b"a"]), 5, 1, "a:1", "");
        assert!(log.is_empty());
        for i in 0..3u64 {
            log.record(10, 2, &argv(&[b"set", b"k"]), 10 + i, 1, "a:1", "n");
        }
        assert_eq!(log.len(), 2);
        let ids: Vec<u64> = log.newest(10).map(|e| e.id).collect();
        assert_eq!(ids, vec![2, 1]);
        log.record(-1, 2, &argv(&[b"x"]), 1_000_000, 1, "a:1", "");
        assert_eq!(log.newest(1).next().unwrap().id, 2);
    }

    #[test]
    fn long_arguments_are_shortened_as_redis_does() {
        let mut log = SlowLog::default();
        let big = vec![b'x'; 200];
        let mut args: Vec<&[u8]> = vec![b"rpush", &big];
        let many = vec![b"e".as_slice(); 40];
        args.extend(many);
        log.record(0, 10, &argv(&args), 1, 1, "a:1", "");
        let entry = log.newest(1).next().unwrap();
        assert_eq!(entry.argv.len(), 32);
        assert_eq!(entry.argv[1].len(), 128 + b"... (72 more bytes)".len());
        assert!(entry.argv[1].ends_with(b"... (72 more bytes)"));
        assert_eq!(entry.argv[31], b"... (11 more arguments)");
    }
}
