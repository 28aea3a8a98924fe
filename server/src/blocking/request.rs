//! `BlockRequest`: what a blocking command that found nothing waits for
//! (its keys, the value type that can serve it, its timeout), and the
//! single-key command that serves it from the key that became ready.
//!
//! Serving from the ready key, not re-running the command as given, is
//! Redis 7.0's rule: `BLPOP a b 0` woken by a push to `b` pops from `b`
//! even if `a` got an element in the same transaction.

use bytes::Bytes;
use resp_codec::Argv;
use std::time::Duration;

/// The value type a waiter can be served from. A key of the other type
/// does not serve it (it stays blocked), as in Redis 7.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    List,
    ZSet,
}

#[derive(Clone, Debug)]
enum Form {
    /// BLPOP BRPOP BZPOPMIN BZPOPMAX: `NAME key 0`.
    PopOne,
    /// BLMOVE BRPOPLPUSH: the command itself (it has one source key).
    Move,
    /// BLMPOP BZMPOP: `NAME 0 1 key <the rest after the keys>`.
    MultiPop { rest_at: usize },
}

#[derive(Clone, Debug)]
pub struct BlockRequest {
    pub served: Served,
    /// The keys waited on, in argument order, without repeats.
    pub keys: Vec<Bytes>,
    /// `None`: wait forever (a timeout of 0).
    pub timeout: Option<Duration>,
    form: Form,
    argv: Vec<Bytes>,
}

impl BlockRequest {
    /// The request of blocking command `name` (its table name) with
    /// arguments the engine has already accepted; `None` for any other
    /// command.
    pub fn parse<'a>(name: &str, argv: impl Into<Argv<'a>>) -> Option<BlockRequest> {
        let argv = argv.into();
        let argc = argv.len();
        let (served, form, keys, timeout_at) = match name {
            "blpop" | "brpop" => (Served::List, Form::PopOne, 1..argc - 1, argc - 1),
            "bzpopmin" | "bzpopmax" => (Served::ZSet, Form::PopOne, 1..argc - 1, argc - 1),
            "brpoplpush" => (Served::List, Form::Move, 1..2, 3),
            "blmove" => (Served::List, Form::Move, 1..2, 5),
            "blmpop" | "bzmpop" => {
                let n_keys: usize = std::str::from_utf8(argv.get(2)?).ok()?.parse().ok()?;
                let served = if name == "blmpop" {
                    Served::List
                } else {
                    Served::ZSet
                };
                let rest_at = 3 + n_keys;
                (served, Form::MultiPop { rest_at }, 3..rest_at, 1)
            }
            _ => return None,
        };
        let timeout_ms = kv_engine::commands::lists::parse_timeout(argv.get(timeout_at)?).ok()?;
        if keys.start > keys.end || keys.end > argc {
            return None;
        }
        let mut unique: Vec<Bytes> = Vec::with_capacity(keys.len());
        for i in keys {
            if !unique.iter().any(|kept| kept == argv.arg(i)) {
                unique.push(argv.bytes(i));
            }
        }
        Some(BlockRequest {
            served,
            keys: unique,
            timeout: (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms as u64)),
            form,
            argv: argv.to_vec(),
        })
    }

    /// The command that serves this waiter from `key`: the same pop or
    /// move on that key alone, never blocking (a 0 timeout, run as a
    /// plain command), propagated by the engine in its plain form.
    pub fn served_argv(&self, key: &Bytes) -> Vec<Bytes> {
        const NO_TIMEOUT: Bytes = Bytes::from_static(b"0");
        let name = self.argv[0].clone();
        match self.form {
            Form::PopOne => vec![name, key.clone(), NO_TIMEOUT],
            Form::Move => self.argv.clone(),
            Form::MultiPop { rest_at } => {
                let mut argv = vec![name, NO_TIMEOUT, Bytes::from_static(b"1"), key.clone()];
                argv.extend_from_slice(&self.argv[rest_at..]);
                argv
            }
        }
    }
}

/// True when a reply is the nil a blocking command gives when it found
/// nothing (the null array of the list/zset pops, the null bulk of
/// BLMOVE/BRPOPLPUSH, RESP3's null): outside MULTI, the client blocks.
pub fn found_nothing(reply: &[u8]) -> bool {
    matches!(reply, b"*-1\r\n" | b"$-1\r\n" | b"_\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<Bytes> {
        line.split(' ')
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

    fn words(argv: &[Bytes]) -> String {
        argv.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn keys_timeouts_and_served_forms() {
        let cases = [
            (
                "blpop",
                "BLPOP a b a 1.5",
                Served::List,
                "a b",
                Some(1500),
                "BLPOP b 0",
            ),
            ("brpop", "BRPOP a 0", Served::List, "a", None, "BRPOP b 0"),
            (
                "bzpopmax",
                "BZPOPMAX a b 0.001",
                Served::ZSet,
                "a b",
                Some(1),
                "BZPOPMAX b 0",
            ),
            (
                "blmove",
                "BLMOVE s d LEFT RIGHT 0",
                Served::List,
                "s",
                None,
                "BLMOVE s d LEFT RIGHT 0",
            ),
            (
                "brpoplpush",
                "BRPOPLPUSH s d 2",
                Served::List,
                "s",
                Some(2000),
                "BRPOPLPUSH s d 2",
            ),
            (
                "blmpop",
                "BLMPOP 0 2 a b LEFT COUNT 3",
                Served::List,
                "a b",
                None,
                "BLMPOP 0 1 b LEFT COUNT 3",
            ),
            (
                "bzmpop",
                "BZMPOP 1 1 z MIN",
                Served::ZSet,
                "z",
                Some(1000),
                "BZMPOP 0 1 b MIN",
            ),
        ];
        for (name, line, served, keys, timeout_ms, form) in cases {
            let request = BlockRequest::parse(name, &argv(line)).unwrap();
            assert_eq!(request.served, served, "{line}");
            assert_eq!(words(&request.keys), keys, "{line}");
            assert_eq!(
                request.timeout,
                timeout_ms.map(Duration::from_millis),
                "{line}"
            );
            assert_eq!(
                words(&request.served_argv(&Bytes::from_static(b"b"))),
                form,
                "{line}"
            );
        }
        assert!(BlockRequest::parse("lpop", &argv("LPOP a")).is_none());
    }

    #[test]
    fn nothing_found_is_any_nil() {
        for reply in [&b"*-1\r\n"[..], b"$-1\r\n", b"_\r\n"] {
            assert!(found_nothing(reply));
        }
        for reply in [
            &b"*0\r\n"[..],
            b"+QUEUED\r\n",
            b"$0\r\n\r\n",
            b"-ERR x\r\n",
            b"",
        ] {
            assert!(!found_nothing(reply));
        }
    }
}
