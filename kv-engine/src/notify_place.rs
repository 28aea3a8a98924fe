//! Where Redis 7.0 writes a command's keyspace events relative to its own
//! reply, for the RESP3 client that ran the command and is subscribed to
//! them: Redis writes each push into the client's output the moment it
//! raises the event, so the order follows its command bodies. Found by
//! asking redis-server 7.0.15 (server/tests/differential.rs keeps it):
//!
//! - most commands raise before they reply (SET, DEL, INCR, RENAME, ...);
//! - pushes, pops, HSET-likes, ZADD-likes, the *STORE set and zset
//!   commands, EXPIRE-likes (unless they delete), SET GET, GETSET, GETDEL,
//!   GETEX and BITFIELD reply first;
//! - LMOVE-likes raise the push before the reply and the pop after it;
//!   SPOP raises `spop` before and `del` after;
//! - the zset pops raise theirs inside the reply, after its headers (and
//!   key), before the first element; `del` after it;
//! - events a lookup raises (`expired`, `keymiss`), `new` and `evicted`
//!   come before the reply, except MGET's lookups (inside its array,
//!   after the elements before the key) and the `new` of SET GET and
//!   GETSET (after the reply: they reply before they create the key);
//! - inside EXEC each queued command's rule applies at its place in
//!   EXEC's array.

use crate::notify::KeyEvent;
use resp_codec::Argv;

/// Where one event goes, relative to the reply its command wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Before,
    After,
    /// After this many RESP tokens of the reply (an aggregate's header is
    /// one, a scalar is one).
    AfterTokens(usize),
}

/// Stamps `events`, raised by `command` (`argv`), whose reply is
/// `out[start..]`, with the offset in `out` where each goes; `exists`
/// says whether a key exists now, after the command.
pub(crate) fn place(
    argv: Argv<'_>,
    command: &str,
    events: &mut [KeyEvent],
    out: &[u8],
    start: usize,
    exists: &dyn Fn(&[u8]) -> bool,
) {
    // SINTERSTORE that finds a source missing deletes its destination and
    // raises `del` before its reply, not after as for an empty
    // intersection of existing sets.
    let missing_source = command == "sinterstore"
        && (2..argv.len()).any(|i| argv.arg(i) != argv.arg(1) && !exists(argv.arg(i)));
    // MGET looks each key up as it writes that key's element: a lookup's
    // events go after the array's header and the elements before it. By
    // the keys in order (a key named twice is looked up twice; its
    // `keymiss` ends its lookup).
    let mut next_key = 1;
    for event in events {
        let place = if command == "mget" && matches!(event.event, "expired" | "keymiss") {
            match (next_key..argv.len()).find(|&j| argv.arg(j) == &event.key[..]) {
                Some(j) => {
                    next_key = if event.event == "keymiss" { j + 1 } else { j };
                    Place::AfterTokens(j)
                }
                None => Place::After,
            }
        } else if missing_source && event.event == "del" {
            Place::Before
        } else {
            place_of(argv, command, event.event)
        };
        event.at = match place {
            Place::Before => start,
            Place::After => out.len(),
            Place::AfterTokens(n) => after_tokens(out, start, n).unwrap_or(out.len()),
        };
    }
}

fn place_of(argv: Argv<'_>, command: &str, event: &str) -> Place {
    let set_get =
        command == "set" && (3..argv.len()).any(|i| argv.arg(i).eq_ignore_ascii_case(b"get"));
    // SET GET and GETSET reply with the old value before they set (and
    // create) the key.
    if event == "new" && (set_get || command == "getset") {
        return Place::After;
    }
    if matches!(event, "expired" | "keymiss" | "new" | "evicted") {
        return Place::Before;
    }
    match command {
        "set" if set_get => Place::After,
        "getset" | "getdel" | "getex" | "bitfield" | "lpush" | "rpush" | "lpushx" | "rpushx"
        | "lpop" | "rpop" | "lset" | "lmpop" | "blpop" | "brpop" | "blmpop" | "sinterstore"
        | "sunionstore" | "sdiffstore" | "hset" | "hsetnx" | "hmset" | "hincrby"
        | "hincrbyfloat" | "zadd" | "zincrby" | "zunionstore" | "zinterstore" | "zdiffstore"
        | "zrangestore" => Place::After,
        "expire" | "pexpire" | "expireat" | "pexpireat" if event != "del" => Place::After,
        "lmove" | "rpoplpush" | "blmove" | "brpoplpush" if !matches!(event, "lpush" | "rpush") => {
            Place::After
        }
        "spop" if event == "del" => Place::After,
        "zpopmin" | "zpopmax" | "bzpopmin" | "bzpopmax" | "zmpop" | "bzmpop" if event == "del" => {
            Place::After
        }
        "zpopmin" | "zpopmax" => Place::AfterTokens(1),
        "bzpopmin" | "bzpopmax" => Place::AfterTokens(2),
        "zmpop" | "bzmpop" => Place::AfterTokens(3),
        _ => Place::Before,
    }
}

/// The offset after `n` RESP tokens of `out` from `start`, if it holds
/// that many: a line, or a bulk (verbatim, blob error) with its payload.
fn after_tokens(out: &[u8], start: usize, n: usize) -> Option<usize> {
    let mut at = start;
    for _ in 0..n {
        let line_end = at + out.get(at..)?.windows(2).position(|w| w == b"\r\n")? + 2;
        let payload = match out[at] {
            b'$' | b'=' | b'!' => std::str::from_utf8(&out[at + 1..line_end - 2])
                .ok()?
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map_or(0, |n| n as usize + 2),
            _ => 0,
        };
        at = line_end + payload;
        if at > out.len() {
            return None;
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::EventClass;
    use bytes::Bytes;

    fn at_of(words: &[&str], events: &[&'static str], out: &[u8], start: usize) -> Vec<usize> {
        let argv: Vec<Bytes> = words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        let mut events: Vec<KeyEvent> = events
            .iter()
            .map(|event| KeyEvent {
                db: 0,
                class: EventClass::Generic,
                event,
                key: Bytes::from_static(b"k"),
                at: KeyEvent::AFTER_ALL,
            })
            .collect();
        place(
            Argv::from(&argv[..]),
            words[0],
            &mut events,
            out,
            start,
            &|_| true,
        );
        events.iter().map(|e| e.at).collect()
    }

    #[test]
    fn most_commands_raise_before_their_reply() {
        assert_eq!(at_of(&["set", "k", "v"], &["set"], b"xx+OK\r\n", 2), [2]);
        assert_eq!(
            at_of(
                &["rename", "k", "j"],
                &["rename_from", "rename_to"],
                b"+OK\r\n",
                0
            ),
            [0, 0]
        );
    }

    #[test]
    fn reply_first_commands_raise_after_it_but_lookups_before() {
        let out = b"..:1\r\n";
        assert_eq!(
            at_of(&["lpush", "k", "v"], &["expired", "new", "lpush"], out, 2),
            [2, 2, 6]
        );
        assert_eq!(at_of(&["set", "k", "v", "GeT"], &["set"], out, 2), [6]);
        assert_eq!(at_of(&["expire", "k", "0"], &["del"], out, 2), [2]);
        assert_eq!(at_of(&["expire", "k", "9"], &["expire"], out, 2), [6]);
    }

    #[test]
    fn mget_s_lookups_raise_inside_its_array_and_set_get_creates_after() {
        let argv: Vec<Bytes> = ["mget", "a", "k", "k"]
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        let event = |event, key: &'static [u8]| KeyEvent {
            db: 0,
            class: EventClass::Generic,
            event,
            key: Bytes::from_static(key),
            at: KeyEvent::AFTER_ALL,
        };
        let mut events = vec![
            event("keymiss", b"a"),
            event("expired", b"k"),
            event("keymiss", b"k"),
            event("keymiss", b"k"),
        ];
        let out = b"*3\r\n_\r\n_\r\n_\r\n";
        place(Argv::from(&argv[..]), "mget", &mut events, out, 0, &|_| {
            true
        });
        let at: Vec<usize> = events.iter().map(|e| e.at).collect();
        assert_eq!(at, [4, 7, 7, 10]);
        let out = b"..$1\r\nv\r\n";
        assert_eq!(
            at_of(
                &["set", "k", "v", "GET"],
                &["keymiss", "new", "set"],
                out,
                2
            ),
            [2, 9, 9]
        );
        assert_eq!(
            at_of(&["getset", "k", "v"], &["new", "set"], out, 2),
            [9, 9]
        );
        assert_eq!(at_of(&["set", "k", "v"], &["new", "set"], out, 2), [2, 2]);
    }

    #[test]
    fn moves_and_pops_split_around_the_reply() {
        let out = b"$1\r\nx\r\n";
        assert_eq!(
            at_of(
                &["lmove", "a", "b", "left", "right"],
                &["rpush", "lpop", "del"],
                out,
                0
            ),
            [0, 7, 7]
        );
        assert_eq!(at_of(&["spop", "s"], &["spop", "del"], out, 0), [0, 7]);
    }

    #[test]
    fn zset_pops_raise_inside_their_reply_after_its_headers() {
        let bz = b"*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n";
        assert_eq!(
            at_of(&["bzpopmin", "z", "0"], &["zpopmin", "del"], bz, 0),
            [11, bz.len()]
        );
        let z = b"*2\r\n$1\r\na\r\n,1\r\n";
        assert_eq!(at_of(&["zpopmin", "z"], &["zpopmin"], z, 0), [4]);
        let m = b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n";
        assert_eq!(at_of(&["zmpop", "1", "z", "min"], &["zpopmin"], m, 0), [15]);
        // A reply too short for the rule (it cannot be, but) puts them last.
        assert_eq!(
            at_of(&["zmpop", "1", "z", "min"], &["zpopmin"], b"*2\r\n", 0),
            [4]
        );
    }
}
