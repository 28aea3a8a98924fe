//! Differential test of keyspace notifications against a real
//! redis-server 7.0: seeded random command sequences (the differential
//! generator's, plus EXEC, SORT ... STORE, the blocking pops and a few more
//! it leaves out) run on both, and after every command the events each
//! side raised must be the same, in the same order, on the same channels.
//!
//! Redis's side: `notify-keyspace-events KEAnm` (every class, including
//! new-key and key-miss events), active expiry off (its timer would delete
//! keys at moments of its choosing), and a subscriber on `__key*__:*`.
//! After each command the test publishes a marker on `__keysync__:<n>`,
//! which the same pattern receives, so the events before it are exactly
//! that command's. Our side: the engine's `take_notifications`, turned into
//! the (channel, message) pairs the server publishes.
//!
//! `NOTIFY_DIFF_SEEDS` (default 25) sequences of `NOTIFY_DIFF_LEN`
//! (default 150) commands from seed `NOTIFY_DIFF_SEED` (default 0).

#[allow(dead_code)]
mod differential_support;

use bytes::{Bytes, BytesMut};
use differential_support::generator::{Generator, Step};
use differential_support::redis::{RedisClient, RedisServer};
use differential_support::resp::Frame;
use differential_support::script;
use kv_engine::client::ClientState;
use kv_engine::engine::NoHost;
use kv_engine::harness::Session;
use kv_engine::{EngineConfig, KeyEvent, NotifyFlags};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use resp_codec::ReplyWriter;

const FLAGS: &str = "KEAnm";

/// One published message: (channel, payload).
type Message = (Vec<u8>, Vec<u8>);

fn argv(words: &[&str]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Commands the generator does not produce (or excludes), with the keys it
/// uses, mixed in now and then; `;` separates the steps of one entry.
/// Between them the stories raise every event of `COVERED`.
const EXTRAS: &[&str] = &[
    "EXEC",
    "EXEC",
    "SORT l1 STORE k1",
    "SORT s1 ALPHA STORE l1",
    "SORT z1 STORE z1",
    "SORT k2 BY nosort STORE s1",
    "ZRANGESTORE z1 k1 0 -1",
    "ZRANGESTORE k3 z1 1 0",
    "OBJECT FREQ k1",
    "OBJECT IDLETIME l1",
    "BLPOP l1 k1 0.01",
    "BRPOP k2 l1 0.01",
    "BLMOVE l1 l1 LEFT RIGHT 0.01",
    "BRPOPLPUSH l1 k3 0.01",
    "BLMPOP 0.01 2 k1 l1 RIGHT COUNT 2",
    "BZPOPMIN z1 0.01",
    "BZPOPMAX k1 z1 0.01",
    "BZMPOP 0.01 1 z1 MAX COUNT 3",
    "LPUSH l1 a b c",
    "ZADD z1 1 a 2 b 3 c",
    "SADD s1 a b 1",
    "HSET h1 f1 1 f2 x",
    "SETBIT w1 7 1",
    "SETBIT w1 7 0",
    "RENAME l1 l1",
    "COPY h1 h1 DB 1",
    // Long past expiry times: the key lingers until the next command
    // touches it, on both sides alike.
    "SET k4 v PXAT 1 ; GET k4",
    "LPUSH l1 a ; PEXPIREAT l1 1 ; LPUSH l1 b",
    "SET k3 v ; EXPIREAT k3 1",
    "SADD s1 x ; SET k2 v EXAT 1 ; RENAME s1 k2",
    "HSET h1 f v ; SET k1 v PXAT 1 ; COPY h1 k1",
    "SET k2 v PXAT 1 ; MSET k2 x k3 y",
    // Whole stories on fresh keys (the generator's keys often hold the
    // wrong type for these).
    "DEL l1 ; RPUSH l1 a b c b d e ; LINSERT l1 BEFORE b x ; LSET l1 0 y ; LREM l1 1 b ; LPOP l1 ; RPOP l1 ; LTRIM l1 0 1 ; LTRIM l1 1 0",
    "DEL k1 k2 ; SET k1 1 ; INCRBY k1 2 ; INCRBYFLOAT k1 0.5 ; APPEND k1 x ; SETRANGE k1 0 y ; SETBIT k2 3 1 ; GETDEL k1 ; GET k1",
    "DEL k1 k2 ; SET k1 v ; RENAME k1 k2 ; COPY k2 k1 REPLACE ; SORT l1 STORE k2",
    "SELECT 1 ; DEL k3 ; SELECT 0 ; SET k3 v ; MOVE k3 1",
    "DEL k1 ; SET k1 v EX 100 ; PERSIST k1 ; MOVE k1 1",
    "DEL h1 ; HSET h1 f1 1 f2 2 ; HINCRBY h1 f1 1 ; HINCRBYFLOAT h1 f2 0.5 ; HSETNX h1 f3 x ; HDEL h1 f1 ; HDEL h1 f2 f3",
    // (SPOP's choice is random: pop them all before the sides could differ.)
    "DEL s1 k2 ; SADD s1 a b c d ; SREM s1 a ; SADD k2 b c ; SINTERSTORE k3 s1 k2 ; SUNIONSTORE k3 s1 k2 ; SPOP s1 ; SPOP s1 5",
    "DEL z1 k4 ; ZADD z1 1 a 2 b 3 c 4 d 5 e ; ZREM z1 a ; ZREMRANGEBYRANK z1 0 0 ; ZREMRANGEBYSCORE z1 3 3 ; ZREMRANGEBYLEX z1 [d [d ; ZADD z1 6 f ; ZADD k4 1 e 2 x ; ZUNIONSTORE k3 2 z1 k4 ; ZINTERSTORE k3 2 z1 k4 ; ZDIFFSTORE k3 2 z1 k4 ; ZRANGESTORE k2 z1 0 -1 ; ZREM z1 e ; ZPOPMAX z1 ; ZADD z1 1 a ; ZPOPMIN z1",
];

/// Events a run of at least the default 25 seeds must have compared.
const COVERED: &[&str] = &[
    "new",
    "set",
    "del",
    "expired",
    "expire",
    "persist",
    "keymiss",
    "rename_from",
    "rename_to",
    "move_from",
    "move_to",
    "copy_to",
    "sortstore",
    "setbit",
    "incrby",
    "incrbyfloat",
    "append",
    "setrange",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "linsert",
    "lset",
    "lrem",
    "ltrim",
    "hset",
    "hdel",
    "hincrby",
    "hincrbyfloat",
    "sadd",
    "srem",
    "spop",
    "sinterstore",
    "sunionstore",
    "sdiffstore",
    "zadd",
    "zincr",
    "zrem",
    "zpopmin",
    "zpopmax",
    "zremrangebyrank",
    "zremrangebyscore",
    "zremrangebylex",
    "zunionstore",
    "zinterstore",
    "zdiffstore",
    "zrangestore",
];

/// The steps of one `EXTRAS` entry.
fn extra_steps(entry: &str) -> Vec<Step> {
    entry
        .split(" ; ")
        .map(|line| Step {
            client: 0,
            argv: argv(&line.split(' ').collect::<Vec<_>>()),
        })
        .collect()
}

/// Redis: two command connections, a subscriber, and a connection that
/// publishes the markers (never in MULTI).
struct Theirs {
    port: u16,
    clients: [RedisClient; 2],
    subscriber: RedisClient,
    publisher: RedisClient,
    marker: u64,
}

impl Theirs {
    fn new(port: u16) -> Theirs {
        let mut first = RedisClient::connect(port);
        let ok = Frame::Simple(b"OK".to_vec());
        let config = ["CONFIG", "SET", "notify-keyspace-events", FLAGS];
        assert_eq!(first.run(&argv(&config)), ok);
        assert_eq!(first.run(&argv(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"])), ok);
        let mut subscriber = RedisClient::connect(port);
        subscriber.send(&[b"PSUBSCRIBE".to_vec(), b"__key*__:*".to_vec()]);
        assert!(matches!(subscriber.read_frame(), Frame::Array(Some(_))));
        Theirs {
            port,
            clients: [RedisClient::connect(port), RedisClient::connect(port)],
            subscriber,
            publisher: first,
            marker: 0,
        }
    }

    /// Fresh connections (db 0, no MULTI) over an empty server.
    fn reset(&mut self) {
        self.clients = [
            RedisClient::connect(self.port),
            RedisClient::connect(self.port),
        ];
        self.publisher.run(&argv(&["FLUSHALL"]));
        self.drain();
    }

    /// Runs `step`; its reply and the messages it published.
    fn run(&mut self, step: &Step) -> (Frame, Vec<Message>) {
        let reply = self.clients[step.client].run(&step.argv);
        (reply, self.drain())
    }

    /// The messages published since the last marker, up to a new one.
    fn drain(&mut self) -> Vec<Message> {
        self.marker += 1;
        let marker = format!("__keysync__:{}", self.marker).into_bytes();
        self.publisher
            .run(&[b"PUBLISH".to_vec(), marker.clone(), b"-".to_vec()]);
        let mut messages = Vec::new();
        loop {
            let Frame::Array(Some(parts)) = self.subscriber.read_frame() else {
                panic!("the subscriber got something other than a message");
            };
            let [_, _, Frame::Bulk(Some(channel)), Frame::Bulk(Some(payload))] = &parts[..] else {
                panic!("not a pmessage: {parts:?}");
            };
            if *channel == marker {
                return messages;
            }
            messages.push((channel.clone(), payload.clone()));
        }
    }
}

/// The engine with two clients, publishing as the server would.
struct Ours {
    session: Session,
    second: ClientState,
}

impl Ours {
    fn new() -> Ours {
        let config = EngineConfig {
            notify_keyspace_events: NotifyFlags::parse(FLAGS.as_bytes()).expect("flags"),
            ..EngineConfig::default()
        };
        Ours {
            session: Session::with_config(config),
            second: ClientState::new(2),
        }
    }

    /// Runs `step`; its reply and what the server would publish.
    fn run(&mut self, step: &Step) -> (String, Vec<Message>) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.session.clock.set(now);
        let argv: Vec<Bytes> = step
            .argv
            .iter()
            .map(|a| Bytes::copy_from_slice(a))
            .collect();
        let client = match step.client {
            0 => &mut self.session.client,
            _ => &mut self.second,
        };
        let mut buf = BytesMut::new();
        let mut out = ReplyWriter::new(&mut buf, client.protocol);
        self.session
            .engine
            .execute(client, &argv, &mut out, &mut NoHost);
        let events = self.session.engine.take_notifications();
        (
            String::from_utf8_lossy(&buf).into_owned(),
            published(&events),
        )
    }
}

/// What the server publishes for `events` with K and E set: the keyspace
/// message, then the keyevent message, per event.
fn published(events: &[KeyEvent]) -> Vec<Message> {
    let mut out = Vec::with_capacity(events.len() * 2);
    for event in events {
        out.push((
            event.keyspace_channel().to_vec(),
            event.event.as_bytes().to_vec(),
        ));
        out.push((event.keyevent_channel().to_vec(), event.key.to_vec()));
    }
    out
}

/// The events must match in order, except for SORT, which looks up its
/// BY and GET keys in an order that follows each side's set and sort
/// internals (equal weights are left in any order): there they must match
/// as multisets, and not at all when SORT failed on both sides (which keys
/// it had looked up before the failing one depends on that order too).
fn same_events(step: &Step, ours: &[Message], theirs: &[Message], both_failed: bool) -> bool {
    let name = String::from_utf8_lossy(&step.argv[0]).to_ascii_uppercase();
    if name != "SORT" && name != "SORT_RO" {
        return ours == theirs;
    }
    if both_failed {
        return true;
    }
    let sorted = |messages: &[Message]| {
        let mut pairs: Vec<(Message, Message)> = messages
            .chunks(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect();
        pairs.sort();
        pairs
    };
    sorted(ours) == sorted(theirs)
}

fn show(messages: &[Message]) -> String {
    let parts: Vec<String> = messages
        .iter()
        .filter(|(channel, _)| channel.starts_with(b"__keyevent"))
        .map(|(channel, key)| {
            format!(
                "{}={}",
                String::from_utf8_lossy(channel),
                String::from_utf8_lossy(key)
            )
        })
        .collect();
    format!("[{}]", parts.join(" "))
}

#[test]
fn events_match_redis() {
    let Some(server) = RedisServer::start_with(&["--enable-debug-command", "yes"]) else {
        return;
    };
    let seeds = env("NOTIFY_DIFF_SEEDS", 25);
    let len = env("NOTIFY_DIFF_LEN", 150) as usize;
    let first = env("NOTIFY_DIFF_SEED", 0);
    let table = Session::new();
    let known = |name: &str| table.engine.table().get(name.as_bytes()).is_some();
    let mut theirs = Theirs::new(server.port);
    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for seed in first..first + seeds {
        let mut gen = Generator::new(seed, known);
        let mut extra = SmallRng::seed_from_u64(seed ^ 0x5eed);
        theirs.reset();
        let mut ours = Ours::new();
        let mut steps = Vec::new();
        'sequence: while steps.len() < len {
            let batch = if extra.gen_ratio(1, 8) {
                extra_steps(EXTRAS[extra.gen_range(0..EXTRAS.len())])
            } else {
                gen.next()
            };
            for step in batch {
                steps.push(step.clone());
                let (their_reply, expected) = theirs.run(&step);
                let (our_reply, got) = ours.run(&step);
                seen.extend(
                    expected
                        .iter()
                        .filter(|(channel, _)| channel.starts_with(b"__keyevent@"))
                        .filter_map(|(channel, _)| {
                            let at = channel.windows(3).position(|w| w == b"__:")?;
                            Some(String::from_utf8_lossy(&channel[at + 3..]).into_owned())
                        }),
                );
                let both_failed =
                    our_reply.starts_with('-') && matches!(their_reply, Frame::Error(_));
                if !same_events(&step, &got, &expected, both_failed) {
                    failures.push(format!(
                        "seed {seed}, step {}: {}  ours:  {}\n  redis: {}\n  our reply: {our_reply:?}\n  redis's: {their_reply:?}\n--- redis-cli script ---\n{}",
                        steps.len(),
                        script(&steps[steps.len() - 1..]),
                        show(&got),
                        show(&expected),
                        script(&steps)
                    ));
                    break 'sequence;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {seeds} seeds raise other events than redis:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let missing: Vec<&str> = COVERED
        .iter()
        .copied()
        .filter(|event| !seen.contains(*event))
        .collect();
    assert!(
        missing.is_empty() || seeds < 25,
        "the sequences never raised {missing:?} (saw {seen:?})"
    );
}
