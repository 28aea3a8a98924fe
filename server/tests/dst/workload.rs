//! The commands a simulated client sends, in units: one read, one write,
//! or a MULTI ... EXEC block.
//!
//! Every write unit carries tokens: unique numbers (from 1,000,000 up) as
//! whole arguments that its deltas repeat verbatim (`SET k T` propagates
//! as `SET k T [PXAT ..]`, `RPUSH l T` as itself, `INCRBY c T` as itself).
//! A token seen in a delta names the unit that ran, so the harness knows
//! exactly which units began executing, in which order, without trusting
//! any reply. Every write unit changes the keyspace (so it always emits a
//! delta); token-less writes (LPOP, DEL, EXPIRE, ...) appear only inside
//! MULTI blocks next to a token write. Each key family holds one type,
//! so no command meets WRONGTYPE.
//!
//! Besides: blocking pops (BLPOP/BRPOP on the lists or on the queues
//! `q:*`, which only a rare push fills, with timeouts of at most 4 s:
//! their delta is a plain pop without a token, matched to the reply that
//! carries the popped element), PUBLISH of a token to `ch:0`/`ch:1`, and
//! SUBSCRIBE, which turns a client into a subscriber that only listens.

use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::Rng;

/// Tokens start here, above every other number the workload uses.
pub const FIRST_TOKEN: u64 = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Read,
    Write,
    /// BLPOP/BRPOP: may wait; its pop (if any) is a delta without a token.
    Block,
    /// PUBLISH `ch` token: no delta; subscribers receive the token.
    Publish,
    /// SUBSCRIBE to every channel (one confirmation each).
    Subscribe,
    /// What an operator changes at run time: CONFIG SET appendonly or
    /// appendfsync, BGREWRITEAOF. No delta; the world sees the switch in
    /// the server's state (`World::follow_switches`).
    Admin,
}

/// The channels publishers and subscribers use.
pub const CHANNELS: [&str; 2] = ["ch:0", "ch:1"];

/// Commands sent together, the unit of "did it run".
#[derive(Clone, Debug)]
pub struct Unit {
    pub kind: Kind,
    pub commands: Vec<Vec<Bytes>>,
    pub tokens: Vec<Bytes>,
}

impl Unit {
    /// Replies to expect: one per command, but one per channel for
    /// SUBSCRIBE.
    pub fn replies(&self) -> usize {
        match self.kind {
            Kind::Subscribe => self.commands[0].len() - 1,
            _ => self.commands.len(),
        }
    }

    /// The commands, `;`-separated, for traces.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .commands
            .iter()
            .map(|argv| crate::trace::words(argv))
            .collect();
        parts.join("; ")
    }
}

/// Makes units; the token counter lives here so tokens never repeat in a
/// run (across crashes too).
pub struct Workload {
    next_token: u64,
    /// Share of units that are MULTI blocks, and of large values.
    multi_share: f64,
    big_share: f64,
    admin_share: f64,
}

fn b(text: impl Into<Vec<u8>>) -> Bytes {
    Bytes::from(text.into())
}

fn key(family: &str, rng: &mut SmallRng, n: u32) -> Bytes {
    b(format!("{family}:{}", rng.gen_range(0..n)))
}

impl Workload {
    pub fn new(rng: &mut SmallRng) -> Workload {
        Workload {
            next_token: FIRST_TOKEN,
            multi_share: rng.gen_range(0.05..0.3),
            big_share: rng.gen_range(0.0..0.05),
            admin_share: if rng.gen_bool(0.5) {
                rng.gen_range(0.0..0.03)
            } else {
                0.0
            },
        }
    }

    /// A token never used before in this run.
    pub fn token(&mut self) -> Bytes {
        let token = b(self.next_token.to_string());
        self.next_token += 1;
        token
    }

    /// The next unit: mostly writes, some reads, some MULTI blocks, a few
    /// blocking pops and publishes.
    pub fn unit(&mut self, rng: &mut SmallRng) -> Unit {
        if self.admin_share > 0.0 && rng.gen_bool(self.admin_share) {
            return admin(rng);
        }
        let roll: f64 = rng.gen();
        if roll < 0.05 {
            return blocking_pop(rng);
        }
        if roll < 0.07 {
            // A rare push to a queue, which the blocking pops mostly find
            // empty: they wait, and wake when one comes.
            let t = self.token();
            let push = if rng.gen_bool(0.5) { "RPUSH" } else { "LPUSH" };
            return Unit {
                kind: Kind::Write,
                commands: vec![vec![b(push), key("q", rng, 2), t.clone()]],
                tokens: vec![t],
            };
        }
        if roll < 0.12 {
            let t = self.token();
            let channel = b(CHANNELS[rng.gen_range(0..CHANNELS.len())]);
            return Unit {
                kind: Kind::Publish,
                commands: vec![vec![b("PUBLISH"), channel, t.clone()]],
                tokens: vec![t],
            };
        }
        let roll: f64 = rng.gen();
        if roll < self.multi_share {
            self.multi(rng)
        } else if roll < 0.65 {
            let mut tokens = Vec::new();
            let argv = self.token_write(rng, &mut tokens);
            Unit {
                kind: Kind::Write,
                commands: vec![argv],
                tokens,
            }
        } else {
            Unit {
                kind: Kind::Read,
                commands: vec![read(rng)],
                tokens: Vec::new(),
            }
        }
    }

    /// MULTI, 1..=4 commands of which at least one token write, EXEC.
    fn multi(&mut self, rng: &mut SmallRng) -> Unit {
        let mut tokens = Vec::new();
        let mut commands = vec![vec![b("MULTI")]];
        let n = rng.gen_range(1..=4);
        let token_at = rng.gen_range(0..n);
        for i in 0..n {
            let argv = if i == token_at || rng.gen_bool(0.4) {
                self.token_write(rng, &mut tokens)
            } else if rng.gen_bool(0.6) {
                tokenless_write(rng)
            } else {
                read(rng)
            };
            commands.push(argv);
        }
        commands.push(vec![b("EXEC")]);
        Unit {
            kind: Kind::Write,
            commands,
            tokens,
        }
    }

    /// A write that always changes the keyspace and whose delta repeats
    /// its token.
    fn token_write(&mut self, rng: &mut SmallRng, tokens: &mut Vec<Bytes>) -> Vec<Bytes> {
        let t = self.token();
        tokens.push(t.clone());
        let big = rng.gen_bool(self.big_share);
        match rng.gen_range(0..10) {
            0 | 1 => {
                let mut argv = vec![b("SET"), key("s", rng, 6), t];
                match rng.gen_range(0..6) {
                    0 => argv.extend([b("PX"), b(rng.gen_range(20..3000).to_string())]),
                    1 => argv.extend([b("EX"), b(rng.gen_range(1..8).to_string())]),
                    2 => argv.push(b("KEEPTTL")),
                    3 => argv.push(b("GET")),
                    _ => {}
                }
                argv
            }
            2 => vec![b("APPEND"), key("s", rng, 6), t],
            3 | 4 => {
                let mut argv = vec![
                    b(if rng.gen_bool(0.5) { "RPUSH" } else { "LPUSH" }),
                    key("l", rng, 4),
                    t,
                ];
                if big {
                    argv.push(b(vec![b'x'; rng.gen_range(2_000..40_000)]));
                }
                argv
            }
            5 => vec![b("SADD"), key("S", rng, 3), t],
            6 => {
                let mut argv = vec![b("HSET"), key("h", rng, 3), key("f", rng, 5), t];
                if big {
                    argv.extend([b("blob"), b(vec![b'y'; rng.gen_range(2_000..40_000)])]);
                }
                argv
            }
            7 => vec![b("INCRBY"), key("c", rng, 3), t],
            8 => vec![
                b("ZADD"),
                key("z", rng, 3),
                b(rng.gen_range(0..10).to_string()),
                t,
            ],
            _ => vec![b("HINCRBY"), key("h", rng, 3), key("n", rng, 3), t],
        }
    }
}

/// SUBSCRIBE to every channel.
pub fn subscribe() -> Unit {
    let mut argv = vec![b("SUBSCRIBE")];
    argv.extend(CHANNELS.iter().map(|c| b(*c)));
    Unit {
        kind: Kind::Subscribe,
        commands: vec![argv],
        tokens: Vec::new(),
    }
}

/// BLPOP or BRPOP on one or two lists (the busy `l:*` or the mostly
/// empty queues `q:*`), waiting at most 4 s.
fn blocking_pop(rng: &mut SmallRng) -> Unit {
    let (family, n) = if rng.gen_bool(0.6) {
        ("q", 2)
    } else {
        ("l", 4)
    };
    let mut argv = vec![
        b(if rng.gen_bool(0.5) { "BLPOP" } else { "BRPOP" }),
        key(family, rng, n),
    ];
    if rng.gen_bool(0.3) {
        argv.push(key(family, rng, n));
    }
    argv.push(b(format!("{:.2}", rng.gen_range(0.05..4.0))));
    Unit {
        kind: Kind::Block,
        commands: vec![argv],
        tokens: Vec::new(),
    }
}

/// A write with no token (only inside MULTI): may or may not change
/// anything.
fn tokenless_write(rng: &mut SmallRng) -> Vec<Bytes> {
    match rng.gen_range(0..9) {
        8 => vec![b("BRPOP"), key("l", rng, 4), b("1")],
        0 => vec![b("LPOP"), key("l", rng, 4)],
        1 => vec![b("DEL"), key("s", rng, 6)],
        2 => vec![
            b("PEXPIRE"),
            key("l", rng, 4),
            b(rng.gen_range(50..3000).to_string()),
        ],
        3 => vec![
            b("EXPIRE"),
            key("S", rng, 3),
            b(rng.gen_range(1..5).to_string()),
        ],
        4 => vec![b("PERSIST"), key("s", rng, 6)],
        5 => vec![b("INCR"), key("c", rng, 3)],
        6 => vec![b("HDEL"), key("h", rng, 3), key("f", rng, 5)],
        _ => vec![b("ZREM"), key("z", rng, 3), b("nobody")],
    }
}

/// A read (it may still expire a key lazily, which is a delta).
fn read(rng: &mut SmallRng) -> Vec<Bytes> {
    match rng.gen_range(0..12) {
        0 | 1 => vec![b("GET"), key("s", rng, 6)],
        2 => vec![b("LRANGE"), key("l", rng, 4), b("0"), b("-1")],
        3 => vec![b("SMEMBERS"), key("S", rng, 3)],
        4 => vec![b("HGETALL"), key("h", rng, 3)],
        5 => vec![b("PTTL"), key("s", rng, 6)],
        6 => vec![b("EXISTS"), key("l", rng, 4), key("S", rng, 3)],
        7 => vec![
            b("ZRANGE"),
            key("z", rng, 3),
            b("0"),
            b("-1"),
            b("WITHSCORES"),
        ],
        8 => vec![b("GET"), key("c", rng, 3)],
        9 => vec![b("PING")],
        10 => vec![b("ECHO"), b("hello")],
        _ => vec![b("LLEN"), key("l", rng, 4)],
    }
}

/// A switch at run time: the AOF on or off, another fsync policy, or a
/// rewrite (with the AOF off too).
fn admin(rng: &mut SmallRng) -> Unit {
    let words: &[&str] = match rng.gen_range(0..10) {
        0..3 => &["CONFIG", "SET", "appendonly", "yes"],
        3..6 => &["CONFIG", "SET", "appendonly", "no"],
        6 => &["CONFIG", "SET", "appendfsync", "always"],
        7 => &["CONFIG", "SET", "appendfsync", "everysec"],
        8 => &["CONFIG", "SET", "appendfsync", "no"],
        _ => &["BGREWRITEAOF"],
    };
    Unit {
        kind: Kind::Admin,
        commands: vec![words.iter().map(|w| b(*w)).collect()],
        tokens: Vec::new(),
    }
}
