//! What the cli must know about a few commands: which ones stream replies
//! until interrupted, whose text replies are shown raw even on a terminal,
//! and which ones carry secrets that must stay out of the history file.

/// A command after which the server keeps sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Streaming {
    /// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: messages until unsubscribed.
    Subscribe,
    /// MONITOR: every command the server runs.
    Monitor,
}

pub fn streaming(args: &[Vec<u8>]) -> Option<Streaming> {
    let name = args.first()?;
    if ["subscribe", "psubscribe", "ssubscribe"]
        .iter()
        .any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
    {
        Some(Streaming::Subscribe)
    } else if name.eq_ignore_ascii_case(b"monitor") {
        Some(Streaming::Monitor)
    } else {
        None
    }
}

/// Commands whose replies are push messages in RESP3: a push is their
/// reply, not a message in between.
pub fn replies_with_push(args: &[Vec<u8>]) -> bool {
    let Some(name) = args.first() else {
        return false;
    };
    [
        "subscribe",
        "unsubscribe",
        "psubscribe",
        "punsubscribe",
        "ssubscribe",
        "sunsubscribe",
    ]
    .iter()
    .any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
}

/// Commands whose reply is a report meant to be read as it is (INFO,
/// CLIENT LIST, MEMORY DOCTOR, ...): redis-cli shows them raw even in its
/// standard output mode.
pub fn shows_raw(args: &[Vec<u8>]) -> bool {
    let is = |i: usize, name: &str| {
        args.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(name.as_bytes()))
    };
    let sub = |names: &[&str]| names.iter().any(|n| is(1, n));
    let argc = args.len();
    is(0, "info")
        || is(0, "lolwut")
        || (is(0, "debug") && sub(&["htstats", "htstats-key", "client-eviction"]))
        || (is(0, "memory") && sub(&["malloc-stats", "doctor"]))
        || (argc == 2 && is(0, "cluster") && sub(&["nodes", "info"]))
        || (is(0, "client") && sub(&["list", "info"]))
        || (argc == 3 && is(0, "latency") && sub(&["graph"]))
        || (argc == 2 && is(0, "latency") && sub(&["doctor"]))
        || (is(0, "proxy") && sub(&["info"]))
}

/// Commands that carry a password; the prompt keeps them out of history.
pub fn is_sensitive(args: &[Vec<u8>]) -> bool {
    let is = |i: usize, name: &str| {
        args.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(name.as_bytes()))
    };
    let any_arg = |name: &str| {
        args.iter()
            .skip(1)
            .any(|a| a.eq_ignore_ascii_case(name.as_bytes()))
    };
    is(0, "auth")
        || (is(0, "hello") && any_arg("auth"))
        || (is(0, "acl") && is(1, "setuser"))
        || (is(0, "config")
            && is(1, "set")
            && ["masterauth", "masteruser", "requirepass"]
                .iter()
                .any(|p| any_arg(p)))
        || (is(0, "migrate") && (any_arg("auth") || any_arg("auth2")))
}

#[cfg(test)]
mod tests {
    use super::{is_sensitive, shows_raw, streaming, Streaming};

    fn args(line: &str) -> Vec<Vec<u8>> {
        line.split_whitespace()
            .map(|a| a.as_bytes().to_vec())
            .collect()
    }

    #[test]
    fn streaming_commands() {
        assert_eq!(
            streaming(&args("SUBSCRIBE a b")),
            Some(Streaming::Subscribe)
        );
        assert_eq!(
            streaming(&args("psubscribe a*")),
            Some(Streaming::Subscribe)
        );
        assert_eq!(streaming(&args("monitor")), Some(Streaming::Monitor));
        assert_eq!(streaming(&args("publish a b")), None);
        assert_eq!(streaming(&[]), None);
    }

    #[test]
    fn reports_shown_raw() {
        for line in [
            "info",
            "INFO memory",
            "client list",
            "Client Info",
            "memory doctor",
            "lolwut version 5",
            "cluster nodes",
            "latency doctor",
        ] {
            assert!(shows_raw(&args(line)), "{line}");
        }
        for line in [
            "get info",
            "client id",
            "cluster nodes x",
            "latency latest",
            "memory usage k",
        ] {
            assert!(!shows_raw(&args(line)), "{line}");
        }
    }

    #[test]
    fn secrets_stay_out_of_history() {
        for line in [
            "auth pw",
            "AUTH user pw",
            "hello 3 auth u p",
            "acl setuser bob >pw",
            "config set requirepass x",
            "migrate h 1 k 0 5 AUTH pw",
        ] {
            assert!(is_sensitive(&args(line)), "{line}");
        }
        for line in [
            "hello 3",
            "acl whoami",
            "config set maxmemory 1",
            "get auth",
        ] {
            assert!(!is_sensitive(&args(line)), "{line}");
        }
    }
}
