//! Seeded random command sequences for the differential test: a small key
//! space shared by every type (so WRONGTYPE errors happen), edge arguments,
//! wrong arities and unknown options.
//!
//! Each command has an argument grammar: space-separated parts; a part
//! starting with `?` is optional; `|` separates alternatives; `:` joins
//! atoms into a sequence. Lower-case atoms are placeholders (see `atom`),
//! upper-case atoms are literal words.

use rand::rngs::SmallRng as StdRng;
use rand::{Rng, SeedableRng};

/// One generated step: which client (0 or 1) sends which argv.
#[derive(Clone, Debug)]
pub struct Step {
    pub client: usize,
    pub argv: Vec<Vec<u8>>,
}

/// Argument grammars for every command of issues 3 and 4.
pub const GRAMMARS: &[(&str, &str)] = &[
    // strings
    ("APPEND", "k v"),
    ("DECR", "k"),
    ("DECRBY", "k i"),
    ("GET", "k"),
    ("GETDEL", "k"),
    ("GETEX", "k ?EX:ttl|PX:pttl|EXAT:at|PXAT:pat|PERSIST"),
    ("GETEX", "k ?PERSIST|KEEPTTL|NX|EX ?EX:ttl|PXAT:pat|PERSIST"),
    ("GETRANGE", "k i i"),
    ("GETSET", "k v"),
    ("INCR", "k"),
    ("INCRBY", "k i"),
    ("INCRBYFLOAT", "k f"),
    ("LCS", "k k ?LEN|IDX ?MINMATCHLEN:n ?WITHMATCHLEN"),
    ("MGET", "k k+"),
    ("MSET", "kv+"),
    ("MSETNX", "kv+"),
    ("PSETEX", "k pttl v"),
    (
        "SET",
        "k v ?NX|XX ?GET ?EX:ttl|PX:pttl|EXAT:at|PXAT:pat|KEEPTTL",
    ),
    ("SET", "k v ?GET ?KEEPTTL|EX:ttl|PERSIST ?XX|NX|get ?PX:pttl|KEEPTTL|EX"),
    ("SETEX", "k ttl v"),
    ("SETNX", "k v"),
    ("SETRANGE", "k roff v"),
    ("STRLEN", "k"),
    ("SUBSTR", "k i i"),
    // bitmaps
    ("BITCOUNT", "k ?i:i ?BYTE|BIT"),
    ("BITCOUNT", "k i ?i ?BIT|byte|FOO"),
    (
        "BITFIELD",
        "k ?GET:enc:boff ?SET:enc:boff:i ?OVERFLOW:WRAP|OVERFLOW:SAT|OVERFLOW:FAIL ?INCRBY:enc:boff:i",
    ),
    (
        "BITFIELD",
        "k ?OVERFLOW:SAT|OVERFLOW:FAIL|OVERFLOW:FOO ?INCRBY:enc:boff:i|SET:enc:boff:i ?GET:enc:boff|GET:enc ?INCRBY:enc:boff:i|FOO",
    ),
    ("BITFIELD_RO", "k ?GET:enc:boff ?GET:enc:boff|SET:enc:boff:i"),
    ("BITOP", "AND|OR|XOR|NOT|FOO k k+"),
    ("BITOP", "NOT k k"),
    ("BITPOS", "k 0|1 ?i:i ?BYTE|BIT"),
    ("BITPOS", "k 0|1|2|x i ?i ?BIT|byte|FOO"),
    ("GETBIT", "k bit"),
    ("SETBIT", "k bit 0|1|2|-1|x"),
    // keys
    ("COPY", "k k ?DB:d ?REPLACE"),
    ("DEL", "k k+"),
    ("EXISTS", "k k+"),
    ("EXPIRE", "k ttl|i ?NX|XX|GT|LT"),
    ("EXPIRE", "k ttl ?NX|XX|GT|LT ?NX|XX|GT|LT|FOO"),
    ("EXPIREAT", "k at|1 ?NX|XX|GT|LT"),
    ("EXPIRETIME", "k"),
    ("KEYS", "*|k*|?|[a-z]*|*1|k[1-3]|[^k]*|s?|\\k*|k[|*\x00*"),
    ("MOVE", "k d"),
    ("OBJECT", "ENCODING|REFCOUNT|FREQ|FOO k"),
    ("OBJECT", "HELP"),
    ("PERSIST", "k"),
    ("PEXPIRE", "k pttl ?NX|XX|GT|LT"),
    ("PEXPIREAT", "k pat|1 ?NX|XX|GT|LT"),
    ("PEXPIRETIME", "k"),
    ("PTTL", "k"),
    ("RANDOMKEY", ""),
    ("RENAME", "k k"),
    ("RENAMENX", "k k"),
    (
        "SCAN",
        "0 COUNT:1000 ?MATCH:*|MATCH:k* ?TYPE:string|TYPE:list|TYPE:hash|TYPE:set|TYPE:zset",
    ),
    ("TOUCH", "k k+"),
    ("TTL", "k"),
    ("TYPE", "k"),
    ("UNLINK", "k k+"),
    ("SELECT", "d"),
    ("SWAPDB", "d d"),
    ("FLUSHDB", "?ASYNC|SYNC"),
    ("FLUSHALL", "?ASYNC|SYNC"),
    ("DBSIZE", ""),
    ("PING", "?v"),
    ("ECHO", "v"),
    // transactions
    ("MULTI", ""),
    ("EXEC", ""),
    ("DISCARD", ""),
    ("WATCH", "k k+"),
    ("UNWATCH", ""),
    // lists
    ("LPUSH", "k m m+"),
    ("RPUSH", "k m m+"),
    ("LPUSHX", "k m+"),
    ("RPUSHX", "k m+"),
    ("LPOP", "k ?n"),
    ("RPOP", "k ?n"),
    ("LLEN", "k"),
    ("LINDEX", "k i"),
    ("LRANGE", "k i i"),
    ("LSET", "k i m"),
    ("LREM", "k i m"),
    ("LTRIM", "k i i"),
    ("LINSERT", "k BEFORE|AFTER|MIDDLE m m"),
    ("LPOS", "k m ?RANK:i ?COUNT:n ?MAXLEN:n"),
    ("LMOVE", "k k LEFT|RIGHT LEFT|RIGHT"),
    ("RPOPLPUSH", "k k"),
    ("LMPOP", "1|2 k k LEFT|RIGHT ?COUNT:n"),
    // hashes
    ("HSET", "k fv+"),
    ("HSETNX", "k fld v"),
    ("HMSET", "k fv+"),
    ("HGET", "k fld"),
    ("HMGET", "k fld fld+"),
    ("HDEL", "k fld fld+"),
    ("HEXISTS", "k fld"),
    ("HLEN", "k"),
    ("HSTRLEN", "k fld"),
    ("HKEYS", "k"),
    ("HVALS", "k"),
    ("HGETALL", "k"),
    ("HINCRBY", "k fld i"),
    ("HINCRBYFLOAT", "k fld f"),
    ("HRANDFIELD", "k ?n"),
    ("HSCAN", "k 0 ?MATCH:f*|MATCH:* ?COUNT:1000|COUNT:0"),
    // sets
    ("SADD", "k m m+"),
    ("SREM", "k m m+"),
    ("SISMEMBER", "k m"),
    ("SMISMEMBER", "k m m+"),
    ("SMEMBERS", "k"),
    ("SCARD", "k"),
    ("SPOP", "k ?n"),
    ("SRANDMEMBER", "k ?n"),
    ("SMOVE", "k k m"),
    ("SINTER", "k k+"),
    ("SINTERCARD", "2 k k ?LIMIT:n"),
    ("SUNION", "k k+"),
    ("SDIFF", "k k+"),
    ("SINTERSTORE", "k k k+"),
    ("SUNIONSTORE", "k k k+"),
    ("SDIFFSTORE", "k k k+"),
    ("SSCAN", "k 0|x ?MATCH:*|MATCH:a* ?COUNT:1000"),
    // sorted sets
    ("ZADD", "k ?NX|XX ?GT|LT ?CH ?INCR sm+"),
    ("ZINCRBY", "k s m"),
    ("ZREM", "k m m+"),
    ("ZCARD", "k"),
    ("ZSCORE", "k m"),
    ("ZMSCORE", "k m m+"),
    ("ZRANK", "k m"),
    ("ZREVRANK", "k m"),
    ("ZCOUNT", "k s s"),
    ("ZLEXCOUNT", "k lex lex"),
    ("ZRANGE", "k i i ?WITHSCORES"),
    ("ZRANGE", "k s s BYSCORE ?REV ?LIMIT:n:i ?WITHSCORES"),
    ("ZRANGE", "k lex lex BYLEX ?REV ?LIMIT:n:i"),
    ("ZRANGESTORE", "k k i i ?BYSCORE ?REV"),
    ("ZREVRANGE", "k i i ?WITHSCORES"),
    ("ZRANGEBYSCORE", "k s s ?WITHSCORES ?LIMIT:n:i"),
    ("ZREVRANGEBYSCORE", "k s s ?WITHSCORES ?LIMIT:n:i"),
    ("ZRANGEBYLEX", "k lex lex ?LIMIT:n:i"),
    ("ZREVRANGEBYLEX", "k lex lex ?LIMIT:n:i"),
    ("ZREMRANGEBYRANK", "k i i"),
    ("ZREMRANGEBYSCORE", "k s s"),
    ("ZREMRANGEBYLEX", "k lex lex"),
    ("ZPOPMIN", "k ?n"),
    ("ZPOPMAX", "k ?n"),
    ("ZMPOP", "1|2 k k MIN|MAX ?COUNT:n"),
    ("ZRANDMEMBER", "k ?n"),
    ("ZSCAN", "k 0 ?MATCH:*|MATCH:a* ?COUNT:1000"),
    (
        "ZUNIONSTORE",
        "k 2 k k ?WEIGHTS:f:f ?AGGREGATE:SUM|AGGREGATE:MIN|AGGREGATE:MAX",
    ),
    (
        "ZINTERSTORE",
        "k 2 k k ?WEIGHTS:f:f ?AGGREGATE:SUM|AGGREGATE:MIN|AGGREGATE:MAX",
    ),
    ("ZDIFFSTORE", "k 2 k k"),
    ("ZUNION", "2 k k ?WITHSCORES"),
    ("ZINTER", "2 k k ?WITHSCORES"),
    ("ZDIFF", "2 k k ?WITHSCORES"),
    ("ZINTERCARD", "2 k k ?LIMIT:n"),
    // sort
    (
        "SORT",
        "k ?BY:w*|BY:nosort ?LIMIT:n:n ?GET:#|GET:w* ?ASC|DESC ?ALPHA ?STORE:k",
    ),
    ("SORT_RO", "k ?BY:w* ?LIMIT:n:n ?ASC|DESC ?ALPHA"),
];

/// Engine commands the generator leaves out, with the reason: a blocking
/// command on an empty key would stall the redis-server connection
/// (`tests/blocking.rs` covers them).
pub const NOT_GENERATED: &[&str] = &[
    "BLPOP",
    "BRPOP",
    "BRPOPLPUSH",
    "BLMOVE",
    "BLMPOP",
    "BZPOPMIN",
    "BZPOPMAX",
    "BZMPOP",
];

/// Commands whose results diverge the two sides' state when run in MULTI
/// or which need a follow-up to re-sync (random choice).
const RANDOM_WRITES: &[&str] = &["SPOP"];
/// Not generated inside MULTI (their EXEC array could not be compared).
const NOT_IN_MULTI: &[&str] = &[
    "SPOP",
    "SRANDMEMBER",
    "HRANDFIELD",
    "ZRANDMEMBER",
    "RANDOMKEY",
    "SMEMBERS",
    "SINTER",
    "SUNION",
    "SDIFF",
    "HKEYS",
    "HVALS",
    "HGETALL",
    "KEYS",
    "SCAN",
    "TTL",
    "PTTL",
    "EXPIRETIME",
    "PEXPIRETIME",
    "SORT",
    "SORT_RO",
];

/// The key space: one name per type plus spares, the empty key and a
/// binary one.
const KEYS: &[&[u8]] = &[
    b"k1", b"k2", b"k3", b"k4", b"s1", b"l1", b"h1", b"z1", b"st1", b"w1", b"", b"k\xffz",
];

pub struct Generator {
    rng: StdRng,
    grammars: Vec<(&'static str, &'static str)>,
    /// Which clients are inside MULTI.
    in_multi: [bool; 2],
}

impl Generator {
    /// `known` filters the grammars to the commands the engine has.
    pub fn new(seed: u64, known: impl Fn(&str) -> bool) -> Generator {
        let grammars = GRAMMARS
            .iter()
            .copied()
            .filter(|(name, _)| known(name) && !super::EXCLUDED.contains(name))
            .collect();
        Generator {
            rng: StdRng::seed_from_u64(seed),
            grammars,
            in_multi: [false; 2],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.grammars.is_empty()
    }

    /// The next steps (usually one; SPOP adds a re-syncing DEL).
    pub fn next(&mut self) -> Vec<Step> {
        loop {
            let (name, grammar) = self.grammars[self.rng.gen_range(0..self.grammars.len())];
            let client = usize::from(self.rng.gen_ratio(1, 8));
            if self.in_multi[client] && NOT_IN_MULTI.contains(&name) {
                continue;
            }
            let mut argv = vec![name.as_bytes().to_vec()];
            for part in grammar.split_whitespace() {
                self.part(part, &mut argv);
            }
            // Wrong arity now and then.
            match self.rng.gen_range(0..40) {
                0 if argv.len() > 1 => {
                    argv.pop();
                }
                1 => argv.push(b"BOGUSOPT".to_vec()),
                _ => {}
            }
            // A rejected MULTI or DISCARD changes nothing; a rejected EXEC
            // still ends the transaction.
            match (name, argv.len()) {
                ("MULTI", 1) => self.in_multi[client] = true,
                ("EXEC", _) | ("DISCARD", 1) => self.in_multi[client] = false,
                _ => {}
            }
            let mut steps = vec![Step {
                client,
                argv: argv.clone(),
            }];
            // A key SET with an absolute time already past lingers until
            // something touches it (Redis's active expiry would delete it
            // at a moment of its choosing): touch it now on both sides.
            let past = argv.windows(2).any(|w| {
                (w[0].eq_ignore_ascii_case(b"EXAT") || w[0].eq_ignore_ascii_case(b"PXAT"))
                    && w[1] == b"1"
            });
            if name == "SET" && past {
                steps.push(Step {
                    client,
                    argv: vec![b"EXISTS".to_vec(), argv[1].clone()],
                });
            }
            if RANDOM_WRITES.contains(&name) && argv.len() > 1 {
                steps.push(Step {
                    client,
                    argv: vec![b"DEL".to_vec(), argv[1].clone()],
                });
            }
            return steps;
        }
    }

    fn part(&mut self, part: &str, argv: &mut Vec<Vec<u8>>) {
        let (optional, body) = match part.strip_prefix('?') {
            Some(rest) => (true, rest),
            None => (false, part),
        };
        if optional && self.rng.gen_bool(0.5) {
            return;
        }
        let alts: Vec<&str> = body.split('|').collect();
        let alt = alts[self.rng.gen_range(0..alts.len())];
        for atom in alt.split(':') {
            self.atom(atom, argv);
        }
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.rng.gen_range(0..from.len())]
    }

    fn atom(&mut self, atom: &str, argv: &mut Vec<Vec<u8>>) {
        let now_s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let repeat = 1 + self.rng.gen_range(0..3);
        match atom {
            "k" => argv.push(self.key()),
            "k+" => (1..repeat).for_each(|_| argv.push(self.key())),
            "v" | "m" => argv.push(self.value()),
            "m+" => (1..repeat).for_each(|_| argv.push(self.value())),
            "fld" => argv.push(self.pick(&["f1", "f2", "f3", "", "a\r\nb"]).into()),
            "fld+" => (1..repeat).for_each(|_| argv.push(b"f2".to_vec())),
            "kv+" => {
                for _ in 0..repeat {
                    argv.push(self.key());
                    argv.push(self.value());
                }
            }
            "fv+" => {
                for _ in 0..repeat {
                    argv.push(self.pick(&["f1", "f2", "f3", "f4"]).into());
                    argv.push(self.value());
                }
            }
            "sm+" => {
                for _ in 0..repeat {
                    argv.push(self.score());
                    argv.push(self.value());
                }
            }
            "i" => argv.push(self.integer()),
            "n" => argv.push(self.rng.gen_range(-1..6i64).to_string().into_bytes()),
            "f" => argv.push(
                self.pick(&[
                    "1.5",
                    "-0",
                    "0",
                    "1e3",
                    "inf",
                    "-inf",
                    "nan",
                    "abc",
                    "3",
                    "1e308",
                    " 1",
                    "-2.25",
                    "0.1",
                    "0x10",
                    "0x1p-2",
                    "1e4000",
                    "1e-5000",
                    "5.",
                    ".5",
                    "1e",
                    "+1",
                    "-1.5e2",
                    "1.5 ",
                    "",
                    "9223372036854775807",
                ])
                .into(),
            ),
            "s" => argv.push(self.score()),
            "lex" => argv.push(self.pick(&["-", "+", "[a", "(b", "[", "x", "[1"]).into()),
            "d" => argv.push(self.pick(&["0", "1", "2", "0", "16", "-1", "x"]).into()),
            "ttl" => argv.push(
                self.pick(&["1000", "100000", "0", "-5", "x", "9223372036854775807"])
                    .into(),
            ),
            "pttl" => argv.push(
                self.pick(&["1000000", "100000000", "0", "-5", "1.5"])
                    .into(),
            ),
            "at" => argv.push(
                match self.rng.gen_range(0..4) {
                    0 => "1".to_string(),
                    1 => (now_s + 100_000).to_string(),
                    2 => (now_s + 200_000).to_string(),
                    _ => "-1".to_string(),
                }
                .into_bytes(),
            ),
            "pat" => argv.push(
                match self.rng.gen_range(0..3) {
                    0 => "1".to_string(),
                    1 => ((now_s + 100_000) * 1000 + 17).to_string(),
                    _ => ((now_s + 300_000) * 1000).to_string(),
                }
                .into_bytes(),
            ),
            "enc" => argv.push(
                self.pick(&[
                    "u8", "i8", "u1", "i1", "u2", "i16", "u16", "i32", "i64", "u63", "u64", "i0",
                    "x", "U8", "i",
                ])
                .into(),
            ),
            // Bit offsets: byte edges, BITFIELD's #N, the limit and junk.
            "bit" => argv.push(
                self.pick(&[
                    "0",
                    "1",
                    "7",
                    "8",
                    "9",
                    "15",
                    "16",
                    "23",
                    "31",
                    "63",
                    "64",
                    "100",
                    "4294967296",
                    "-1",
                    "x",
                    "",
                ])
                .into(),
            ),
            "boff" => argv.push(
                self.pick(&[
                    "0",
                    "1",
                    "3",
                    "7",
                    "8",
                    "13",
                    "31",
                    "64",
                    "100",
                    "#0",
                    "#1",
                    "#2",
                    "#x",
                    "#",
                    "-1",
                    "4294967296",
                ])
                .into(),
            ),
            // SETRANGE offsets: small, past the end, and past the 512 MB
            // limit (refused without allocating).
            "roff" => argv.push(
                self.pick(&["0", "1", "2", "3", "5", "10", "100", "-1", "x", "536870912"])
                    .into(),
            ),
            literal => argv.push(literal.as_bytes().to_vec()),
        }
    }

    fn key(&mut self) -> Vec<u8> {
        KEYS[self.rng.gen_range(0..KEYS.len())].to_vec()
    }

    fn value(&mut self) -> Vec<u8> {
        const VALUES: &[&[u8]] = &[
            b"a",
            b"b",
            b"c",
            b"1",
            b"2",
            b"10",
            b"-3",
            b"",
            b"hello",
            b"x\r\ny\0z",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"1.5",
            b" 1",
            b"+1",
            b"-0",
            b"1e3",
            b"abc",
            b"\xff\x00\x80",
            b"9223372036854775806",
            b"-9223372036854775807",
            b"0x10",
            b"3.0",
            b"inf",
            b"1e308",
            b"\x00",
            b"\xff\xff",
            b"0",
            b"abcdefghijklmnopqrstuvw",
            b"a string longer than forty-four bytes, so raw!",
        ];
        VALUES[self.rng.gen_range(0..VALUES.len())].to_vec()
    }

    fn integer(&mut self) -> Vec<u8> {
        self.pick(&[
            "0",
            "1",
            "2",
            "-1",
            "-2",
            "5",
            "100",
            "-100",
            "+1",
            "-0",
            "1e3",
            " 1",
            "",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "x",
            "9223372036854775806",
            "-9223372036854775807",
            "4294967295",
            "-4294967296",
            "7",
            "8",
            "-8",
        ])
        .into()
    }

    fn score(&mut self) -> Vec<u8> {
        self.pick(&[
            "1", "2", "-1", "0", "1.5", "(1", "-inf", "+inf", "inf", "nan", "x", "3",
        ])
        .into()
    }
}
