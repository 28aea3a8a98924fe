//! The data set of the interop tests: every type in every encoding Redis
//! 7.0 uses (int/embstr/raw strings, small and multi-node lists, listpack
//! and hashtable hashes, intset and hashtable sets, listpack and skiplist
//! sorted sets), long compressible and incompressible strings, binary
//! keys, expiries in ms and s, several databases. Commands, so the same
//! data can be built in Redis and in our engine.

use super::Rng;

/// (db, argv) in order.
pub type Commands = Vec<(usize, Vec<Vec<u8>>)>;

fn cmd(db: usize, parts: &[&[u8]]) -> (usize, Vec<Vec<u8>>) {
    (db, parts.iter().map(|p| p.to_vec()).collect())
}

fn text(rng: &mut Rng, max: u64) -> Vec<u8> {
    let len = rng.below(max) as usize + 1;
    (0..len).map(|_| b'a' + rng.below(26) as u8).collect()
}

/// The commands that build the data set; `expire_at_ms` is the absolute
/// expiry used for volatile keys (well in the future).
pub fn commands(seed: u64, expire_at_ms: i64) -> Commands {
    let mut rng = Rng::new(seed);
    let mut out = Commands::new();
    let at = expire_at_ms.to_string();
    let at_secs = (expire_at_ms / 1000 + 7).to_string();
    // Strings: integers at every width, text, binary, long.
    for n in [
        "0",
        "-1",
        "127",
        "128",
        "-129",
        "32767",
        "40000",
        "-2147483648",
        "2147483647",
        "2147483648",
        "9223372036854775807",
        "-9223372036854775808",
    ] {
        out.push(cmd(
            0,
            &[b"SET", format!("s:int:{n}").as_bytes(), n.as_bytes()],
        ));
    }
    for (key, value) in [
        (&b"s:text"[..], &b"hello"[..]),
        (b"s:empty", b""),
        (b"s:leading-zero", b"007"),
        (b"s:float", b"1.5"),
        (b"s:space", b" 12"),
        (b"s:binary", b"\x00\xff\r\n\x01"),
        (b"\x00bin\xffkey", b"binary key"),
        (b"", b"empty key"),
    ] {
        out.push(cmd(0, &[b"SET", key, value]));
    }
    // Strings changed in place (raw however short), counters, floats.
    out.push(cmd(0, &[b"APPEND", b"s:appended", b"abc"]));
    out.push(cmd(0, &[b"APPEND", b"s:appended", b"def"]));
    out.push(cmd(0, &[b"INCRBY", b"s:counter", b"41"]));
    out.push(cmd(0, &[b"INCR", b"s:counter"]));
    out.push(cmd(0, &[b"INCRBYFLOAT", b"s:incrfloat", b"2.5"]));
    out.push(cmd(0, &[b"SETRANGE", b"s:range", b"3", b"xyz"]));
    out.push(cmd(0, &[b"SET", b"s:compressible", &b"abcd".repeat(300)]));
    out.push(cmd(0, &[b"SET", b"s:random", &rng.bytes(700)]));
    out.push(cmd(0, &[b"SET", b"s:medium", &rng.bytes(30)]));
    out.push(cmd(0, &[b"SET", &b"long-key-".repeat(20), b"v"]));
    // Lists.
    out.push(cmd(
        0,
        &[
            b"RPUSH",
            b"l:small",
            b"a",
            b"b",
            b"1",
            b"-5",
            b"300",
            b"70000",
            b"9223372036854775807",
            b"",
        ],
    ));
    let mut big = vec![b"RPUSH".to_vec(), b"l:big".to_vec()];
    for i in 0..3000u64 {
        big.push(if i % 3 == 0 {
            (rng.next() as i64 >> rng.below(60))
                .to_string()
                .into_bytes()
        } else {
            text(&mut rng, 90)
        });
    }
    out.push((0, big));
    out.push(cmd(
        0,
        &[b"RPUSH", b"l:huge-element", b"x", &rng.bytes(20_000), b"y"],
    ));
    let mut same = vec![b"LPUSH".to_vec(), b"l:compressible".to_vec()];
    same.extend((0..1500).map(|_| b"compress-me-compress-me".to_vec()));
    out.push((0, same));
    // Hashes.
    out.push(cmd(
        0,
        &[
            b"HSET",
            b"h:small",
            b"f1",
            b"v1",
            b"f2",
            b"12",
            b"n",
            b"-7",
            b"",
            b"empty-field",
        ],
    ));
    let mut big = vec![b"HSET".to_vec(), b"h:big".to_vec()];
    for i in 0..400 {
        big.push(format!("field:{i}").into_bytes());
        big.push(text(&mut rng, 40));
    }
    out.push((0, big));
    out.push(cmd(
        0,
        &[b"HSET", b"h:long-value", b"f", &[b'v'; 100], b"g", b"1"],
    ));
    // Sets.
    out.push(cmd(
        0,
        &[b"SADD", b"set:ints", b"1", b"2", b"3", b"-5", b"100000"],
    ));
    out.push(cmd(
        0,
        &[
            b"SADD",
            b"set:bigints",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"5",
        ],
    ));
    let mut many = vec![b"SADD".to_vec(), b"set:many-ints".to_vec()];
    many.extend((0..600).map(|i| (i * 7).to_string().into_bytes()));
    out.push((0, many));
    out.push(cmd(
        0,
        &[b"SADD", b"set:strings", b"a", b"b", b"c", b"\x00"],
    ));
    out.push(cmd(0, &[b"SADD", b"set:mixed", b"1", b"a"]));
    // Sorted sets.
    out.push(cmd(
        0,
        &[
            b"ZADD",
            b"z:small",
            b"1",
            b"a",
            b"1.5",
            b"b",
            b"-2",
            b"c",
            b"inf",
            b"d",
            b"-inf",
            b"e",
            b"1e300",
            b"f",
            b"0.1",
            b"g",
            b"3.0000000000000004",
            b"h",
            b"1",
            b"i",
        ],
    ));
    let mut big = vec![b"ZADD".to_vec(), b"z:big".to_vec()];
    for i in 0..300 {
        let score = if i % 2 == 0 {
            (rng.next() as i64 >> 40).to_string()
        } else {
            format!("{}", (rng.next() >> 11) as f64 / 1e6)
        };
        big.push(score.into_bytes());
        big.push(format!("member:{i}").into_bytes());
    }
    out.push((0, big));
    out.push(cmd(
        0,
        &[b"ZADD", b"z:long-member", b"1", &[b'm'; 100], b"2", b"n"],
    ));
    // Expiries, in milliseconds and in seconds.
    for key in [
        &b"s:text"[..],
        b"l:small",
        b"h:big",
        b"set:ints",
        b"z:small",
        b"s:int:40000",
    ] {
        out.push(cmd(0, &[b"PEXPIREAT", key, at.as_bytes()]));
    }
    out.push(cmd(0, &[b"EXPIREAT", b"s:float", at_secs.as_bytes()]));
    // Other databases.
    for db in [1usize, 5, 15] {
        for i in 0..20 {
            out.push(cmd(
                db,
                &[
                    b"SET",
                    format!("db{db}:k{i}").as_bytes(),
                    &text(&mut rng, 30),
                ],
            ));
        }
        out.push(cmd(db, &[b"HSET", b"h", b"db", db.to_string().as_bytes()]));
        out.push(cmd(db, &[b"PEXPIREAT", b"h", at.as_bytes()]));
        out.push(cmd(db, &[b"SET", b"s:text", b"same key, other db"]));
    }
    out
}
