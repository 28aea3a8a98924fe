//! The tests redis-benchmark runs, by its names and with its commands and
//! keys, and how one command is written: a RESP template encoded once, in
//! which each `__rand_int__` becomes a fresh 12-digit number per request
//! when `-r` is given (and stays as it is without `-r`, as in
//! redis-benchmark).

use bytes::BytesMut;
use rand::Rng;
use resp_codec::encode_command;

/// The placeholder and the width of the number that replaces it.
const RAND_PLACEHOLDER: &[u8] = b"__rand_int__";

/// Keys per MSET.
const MSET_KEYS: usize = 10;

/// One test: what is shown, what selects it with `-t`, what it sends.
#[derive(Clone, Debug)]
pub struct Test {
    pub title: String,
    /// The names `-t` knows it by (lower case).
    pub selectors: Vec<&'static str>,
    pub command: Template,
}

/// A command written once; each request copies it and fills in numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    bytes: Vec<u8>,
    /// Where each `__rand_int__` starts in `bytes` (only with `-r`).
    slots: Vec<usize>,
}

impl Template {
    /// `args` as a RESP array; with a keyspace, placeholders become slots.
    pub fn command<A: AsRef<[u8]>>(args: &[A], randomize: bool) -> Template {
        let mut buf = BytesMut::new();
        encode_command(args, &mut buf);
        let bytes = buf.to_vec();
        let slots = if randomize {
            placeholder_offsets(&bytes)
        } else {
            Vec::new()
        };
        Template { bytes, slots }
    }

    /// An inline command (`PING\r\n`), as PING_INLINE sends it.
    pub fn inline(line: &str) -> Template {
        Template {
            bytes: format!("{line}\r\n").into_bytes(),
            slots: Vec::new(),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Appends one request, with random numbers below `keyspace`.
    pub fn write(&self, out: &mut BytesMut, rng: &mut impl Rng, keyspace: u64) {
        let start = out.len();
        out.extend_from_slice(&self.bytes);
        for &slot in &self.slots {
            let n = rng.gen_range(0..keyspace.max(1));
            let digits = format!("{n:012}");
            let field = &mut out[start + slot..start + slot + RAND_PLACEHOLDER.len()];
            // 12 digits cover keyspaces below 10^12; beyond, the low ones.
            field.copy_from_slice(&digits.as_bytes()[digits.len() - RAND_PLACEHOLDER.len()..]);
        }
    }
}

fn placeholder_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 0;
    while let Some(found) = bytes[at..]
        .windows(RAND_PLACEHOLDER.len())
        .position(|window| window == RAND_PLACEHOLDER)
    {
        offsets.push(at + found);
        at += found + RAND_PLACEHOLDER.len();
    }
    offsets
}

/// redis-benchmark's tests, in its order, for values of `data` and random
/// keys when `randomize`.
pub fn standard_tests(data: &[u8], randomize: bool) -> Vec<Test> {
    let cmd = |args: &[&[u8]]| Template::command(args, randomize);
    let score: &[u8] = if randomize { RAND_PLACEHOLDER } else { b"0" };
    let lpush = cmd(&[b"LPUSH", b"mylist", data]);
    let mut tests = vec![
        test(
            "PING_INLINE",
            &["ping_inline", "ping"],
            Template::inline("PING"),
        ),
        test("PING_MBULK", &["ping_mbulk", "ping"], cmd(&[b"PING"])),
        test("SET", &["set"], cmd(&[b"SET", b"key:__rand_int__", data])),
        test("GET", &["get"], cmd(&[b"GET", b"key:__rand_int__"])),
        test("INCR", &["incr"], cmd(&[b"INCR", b"counter:__rand_int__"])),
        test("LPUSH", &["lpush"], lpush.clone()),
        test("RPUSH", &["rpush"], cmd(&[b"RPUSH", b"mylist", data])),
        test("LPOP", &["lpop"], cmd(&[b"LPOP", b"mylist"])),
        test("RPOP", &["rpop"], cmd(&[b"RPOP", b"mylist"])),
        test(
            "SADD",
            &["sadd"],
            cmd(&[b"SADD", b"myset", b"element:__rand_int__"]),
        ),
        test(
            "HSET",
            &["hset"],
            cmd(&[b"HSET", b"myhash", b"element:__rand_int__", data]),
        ),
        test("SPOP", &["spop"], cmd(&[b"SPOP", b"myset"])),
        test(
            "ZADD",
            &["zadd"],
            cmd(&[b"ZADD", b"myzset", score, b"element:__rand_int__"]),
        ),
        test("ZPOPMIN", &["zpopmin"], cmd(&[b"ZPOPMIN", b"myzset"])),
        test(
            "LPUSH (needed to benchmark LRANGE)",
            &[
                "lrange",
                "lrange_100",
                "lrange_300",
                "lrange_500",
                "lrange_600",
            ],
            lpush,
        ),
    ];
    for (count, selector) in [
        (100, "lrange_100"),
        (300, "lrange_300"),
        (500, "lrange_500"),
        (600, "lrange_600"),
    ] {
        let last = (count - 1).to_string();
        tests.push(test(
            &format!("LRANGE_{count} (first {count} elements)"),
            &[selector, "lrange"],
            cmd(&[b"LRANGE", b"mylist", b"0", last.as_bytes()]),
        ));
    }
    let mut mset: Vec<&[u8]> = vec![b"MSET"];
    for _ in 0..MSET_KEYS {
        mset.extend_from_slice(&[b"key:__rand_int__", data]);
    }
    tests.push(test(
        &format!("MSET ({MSET_KEYS} keys)"),
        &["mset"],
        cmd(&mset),
    ));
    tests
}

fn test(title: &str, selectors: &[&'static str], command: Template) -> Test {
    Test {
        title: title.to_string(),
        selectors: selectors.to_vec(),
        command,
    }
}

/// The tests `-t` selects (all when it names none); unknown names are
/// returned too, to be refused.
pub fn select(tests: Vec<Test>, names: &[String]) -> Result<Vec<Test>, String> {
    if let Some(unknown) = names
        .iter()
        .find(|name| !tests.iter().any(|t| t.selectors.contains(&name.as_str())))
    {
        return Err(unknown.clone());
    }
    if names.is_empty() {
        return Ok(tests);
    }
    Ok(tests
        .into_iter()
        .filter(|t| t.selectors.iter().any(|s| names.iter().any(|n| n == s)))
        .collect())
}

/// The value redis-benchmark sends: `size` random letters, the same for
/// the whole run.
pub fn payload(size: usize, rng: &mut impl Rng) -> Vec<u8> {
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..size)
        .map(|_| LETTERS[rng.gen_range(0..LETTERS.len())])
        .collect()
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    use super::{select, standard_tests, Template};

    #[test]
    fn placeholders_become_twelve_digits_below_the_keyspace() {
        let template = Template::command(&["SET", "key:__rand_int__", "__rand_int__"], true);
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..100 {
            let mut out = BytesMut::new();
            template.write(&mut out, &mut rng, 1000);
            let text = String::from_utf8(out.to_vec()).unwrap();
            let parts: Vec<&str> = text.split("\r\n").collect();
            assert_eq!(parts[0], "*3");
            let key = parts[4].strip_prefix("key:").expect("key prefix kept");
            for number in [key, parts[6]] {
                assert_eq!(number.len(), 12, "{text:?}");
                assert!(number.parse::<u64>().unwrap() < 1000, "{text:?}");
            }
        }
    }

    #[test]
    fn without_a_keyspace_placeholders_stay() {
        let template = Template::command(&["GET", "key:__rand_int__"], false);
        let mut out = BytesMut::new();
        template.write(&mut out, &mut SmallRng::seed_from_u64(1), 1000);
        assert_eq!(&out[..], b"*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n");
    }

    #[test]
    fn test_names_and_selection_follow_redis_benchmark() {
        let titles = |names: &[&str]| -> Vec<String> {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            select(standard_tests(b"xxx", false), &names)
                .unwrap()
                .into_iter()
                .map(|t| t.title)
                .collect()
        };
        assert_eq!(titles(&[]).len(), 20);
        assert_eq!(titles(&["ping"]), vec!["PING_INLINE", "PING_MBULK"]);
        assert_eq!(
            titles(&["lrange_300"]),
            vec![
                "LPUSH (needed to benchmark LRANGE)",
                "LRANGE_300 (first 300 elements)"
            ]
        );
        assert_eq!(titles(&["set", "mset"]), vec!["SET", "MSET (10 keys)"]);
        assert_eq!(
            select(standard_tests(b"x", false), &["nosuch".to_string()]).unwrap_err(),
            "nosuch"
        );
    }

    #[test]
    fn inline_ping_is_a_line() {
        assert_eq!(standard_tests(b"x", false)[0].command.bytes(), b"PING\r\n");
    }
}
