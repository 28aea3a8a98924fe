//! Golden tests: redis-cli 7.0.15 and redis-rust-cli run side by side
//! against the same redis-server, with the same arguments and stdin, and
//! must print the same bytes (stdout and stderr) and exit the same way.
//!
//! Most replies go through one batch per protocol and output mode (commands
//! on stdin, as redis-cli reads a piped script); one-shot runs cover the
//! options and exit codes. Random nested replies come from seeded EVAL
//! scripts.

mod support;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use support::{assert_same, assert_same_after, RedisServer};

/// Data the batch reads.
const SETUP: &[&[&str]] = &[
    &[
        "rpush", "list", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
    ],
    &["hset", "hash", "field", "value", "other", "with space"],
    &["sadd", "set", "x", "y", "z"],
    &[
        "zadd", "zset", "1.5", "a", "2", "b", "0.1", "c", "-inf", "d",
    ],
    &["set", "binary", "a\x01\x7f\"\\\n\r\t\x07\x08 \u{e9}"],
    &["set", "empty", ""],
    &["set", "number", "42"],
];

/// One command per line, as typed at the prompt (redis-cli's quoting).
const BATCH: &str = r#"
ping
echo "hello world"
get binary
get empty
get nosuchkey
get number
incr number
lrange list 0 -1
lrange list 0 2
lrange nosuchkey 0 -1
hgetall hash
hgetall nosuchkey
smembers set
smembers nosuchkey
zrange zset 0 -1 withscores
zscore zset c
zscore zset d
zrandmember nosuchkey
mget binary nosuchkey number
exists list set nosuchkey
set k v nx
type list
nosuchcommand a b
set
lpush binary x
eval "return {1,{2,{3,{}}},{err='bad'},{ok='fine'},'str'}" 0
eval "return redis.error_reply('MYERR custom')" 0
eval "redis.setresp(3); return {map={a={1,2,{3}}, b={map={}}, c={set={}}, d={map={x={1}}}}}" 0
eval "redis.setresp(3); return {double=0.1}" 0
eval "redis.setresp(3); return {1,2,3,4,5,6,7,8,9,10,{map={q={7,8},p={set={'y','x'}}}}}" 0
eval "redis.setresp(3); return {true, false, {double=1e300}, {double=-2.5}}" 0
eval "redis.setresp(3); return {verbatim_string={format='txt', string='two\nlines'}}" 0
debug protocol string
debug protocol integer
debug protocol double
debug protocol null
debug protocol array
debug protocol set
debug protocol map
debug protocol verbatim
debug protocol true
debug protocol false
command info get
config get maxmemory-policy
command count
"echo" 'single \'quoted\''
echo "bad quote
3 echo repeated
0 echo never
select 3
set indb3 yes
get indb3
select 0
get indb3
multi
incr counter
incr counter
exec
"#;

fn setup(server: &RedisServer) {
    for command in SETUP {
        server.redis_cli(command);
    }
}

#[test]
fn batch_of_replies_in_every_mode_and_protocol() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    setup(&server);
    let port = server.port.to_string();
    for protocol in ["-2", "-3"] {
        for mode in ["--no-raw", "--raw", "--csv"] {
            // The batch writes; each run starts from the same data.
            let reset = || {
                server.redis_cli(&["set", "number", "42"]);
                server.redis_cli(&["del", "k", "counter"]);
            };
            assert_same_after(reset, &["-p", &port, protocol, mode], BATCH.as_bytes());
        }
    }
}

#[test]
fn delimiters_in_raw_mode() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    setup(&server);
    let port = server.port.to_string();
    let batch = b"lrange list 0 3\nhgetall hash\nget nosuchkey\nnosuchcommand\nping\n";
    for protocol in ["-2", "-3"] {
        assert_same(
            &["-p", &port, protocol, "--raw", "-d", "|", "-D", "#"],
            batch,
        );
        assert_same(&["-p", &port, protocol, "--raw", "-d", ""], batch);
    }
}

#[test]
fn random_nested_replies() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let port = server.port.to_string();
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    for protocol in ["-2", "-3"] {
        let resp3 = protocol == "-3";
        let mut batch = String::new();
        for _ in 0..150 {
            let value = lua_value(&mut rng, 0, resp3);
            let prelude = if resp3 { "redis.setresp(3); " } else { "" };
            batch.push_str(&format!("eval \"{prelude}return {value}\" 0\n"));
        }
        for mode in ["--no-raw", "--raw", "--csv"] {
            assert_same(&["-p", &port, protocol, mode], batch.as_bytes());
        }
    }
}

/// A random Lua value that becomes a reply of every shape: scalars,
/// strings that need quoting, nested arrays, and in RESP3 maps, sets,
/// doubles and booleans. Written with single-quoted Lua strings and no
/// double quotes, so it fits in a double-quoted argument.
fn lua_value(rng: &mut SmallRng, depth: u32, resp3: bool) -> String {
    let leaf = depth >= 3 || rng.gen_bool(0.45);
    if leaf {
        return match rng.gen_range(0..7) {
            0 => rng.gen_range(-1000i64..100_000).to_string(),
            1 => format!("'{}'", lua_string(rng)),
            2 => format!("{{ok='{}'}}", lua_string(rng)),
            3 if depth > 0 => format!("{{err='ERR {}'}}", lua_string(rng)),
            4 if resp3 => format!(
                "{{double={}}}",
                [0.5, 1.0, -3.25, 0.1, 1e20, 123.456][rng.gen_range(0..6)]
            ),
            5 if resp3 => ["true", "false"][rng.gen_range(0..2)].to_string(),
            _ => format!("'{}'", lua_string(rng)),
        };
    }
    let len = match rng.gen_range(0..5) {
        0 => 0,
        1 => 1,
        2 => rng.gen_range(10..13),
        _ => rng.gen_range(2..5),
    };
    let kind = if resp3 { rng.gen_range(0..3) } else { 0 };
    match kind {
        1 => {
            let pairs: Vec<String> = (0..len)
                .map(|i| format!("k{i}={}", lua_value(rng, depth + 1, resp3)))
                .collect();
            format!("{{map={{{}}}}}", pairs.join(","))
        }
        2 => {
            let members: Vec<String> = (0..len).map(|i| format!("m{i}=true")).collect();
            format!("{{set={{{}}}}}", members.join(","))
        }
        _ => {
            let items: Vec<String> = (0..len).map(|_| lua_value(rng, depth + 1, resp3)).collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

/// Text with the characters redis-cli quotes or escapes, as Lua escapes
/// (decimal `\ddd`), doubled for the cli's double-quoted argument.
fn lua_string(rng: &mut SmallRng) -> String {
    let len = rng.gen_range(0..8);
    (0..len)
        .map(|_| match rng.gen_range(0..10) {
            0 => "\\\\n".to_string(),
            1 => "\\\\001".to_string(),
            2 => "\\\\255".to_string(),
            3 => " ".to_string(),
            4 => "\\\\092".to_string(),
            _ => char::from(rng.gen_range(b'a'..=b'z')).to_string(),
        })
        .collect()
}

#[test]
fn one_shot_commands_and_exit_codes() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    setup(&server);
    let port = server.port.to_string();
    let p = port.as_str();
    let cases: &[&[&str]] = &[
        &["-p", p, "ping"],
        &["-p", p, "--no-raw", "lrange", "list", "0", "-1"],
        &["-p", p, "-3", "--no-raw", "hgetall", "hash"],
        &["-p", p, "--csv", "zrange", "zset", "0", "-1", "withscores"],
        &["-p", p, "get", "nosuchkey"],
        &["-p", p, "nosuchcommand"],
        &["-p", p, "--no-raw", "nosuchcommand"],
        &["-p", p, "-e", "nosuchcommand"],
        &["-p", p, "-e", "--no-raw", "nosuchcommand"],
        &["-p", p, "-e", "ping"],
        &["-p", p, "-r", "3", "lrange", "list", "0", "0"],
        &["-p", p, "-r", "0", "ping"],
        &[
            "-p", p, "-r", "2", "-i", "0.01", "--no-raw", "lrange", "list", "0", "1",
        ],
        &["-p", p, "-n", "2", "--no-raw", "client", "list", "id", "0"],
        &["-p", p, "-n", "99", "ping"],
        &[
            "-u",
            &format!("redis://127.0.0.1:{p}/4"),
            "--no-raw",
            "select",
            "4",
        ],
        &["-p", p, "--no-raw", "info", "keyspace"],
        &["-p", p, "--no-raw", "memory", "doctor"],
        &[
            "-p",
            p,
            "-3",
            "--no-raw",
            "--show-pushes",
            "yes",
            "debug",
            "protocol",
            "push",
        ],
        &[
            "-p",
            p,
            "-3",
            "--no-raw",
            "--show-pushes",
            "no",
            "debug",
            "protocol",
            "push",
        ],
        &["-p", p, "-3", "--raw", "debug", "protocol", "push"],
        &["-h", "127.0.0.1", "-p", "1", "ping"],
        &["-s", "/nonexistent/redis.sock", "ping"],
        &["--bogus", "ping"],
        &["-p"],
        &["-u", "http://nope", "ping"],
        &["-p", p, "-D", "#", "--raw", "ping"],
    ];
    for args in cases {
        assert_same(args, b"");
    }
}

#[test]
fn stdin_as_the_last_argument() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let port = server.port.to_string();
    assert_same(
        &["-p", &port, "-x", "set", "fromstdin"],
        b"line one\nline \x00two\n",
    );
    assert_same(&["-p", &port, "--no-raw", "get", "fromstdin"], b"");
    assert_same(
        &["-p", &port, "-X", "tag", "set", "tagged", "tag"],
        b"tagged value",
    );
    assert_same(&["-p", &port, "--no-raw", "get", "tagged"], b"");
}

#[test]
fn authentication() {
    let Some(server) = RedisServer::start(&["--requirepass", "sekret"]) else {
        return;
    };
    let port = server.port.to_string();
    server.redis_cli(&[
        "-a",
        "sekret",
        "--no-auth-warning",
        "acl",
        "setuser",
        "bob",
        "on",
        ">bobpw",
        "~*",
        "+@all",
    ]);
    let p = port.as_str();
    let cases: &[&[&str]] = &[
        &["-p", p, "-a", "sekret", "ping"],
        &["-p", p, "--pass", "sekret", "--no-auth-warning", "ping"],
        &[
            "-p", p, "--user", "bob", "-a", "bobpw", "--no-raw", "acl", "whoami",
        ],
        &[
            "-u",
            &format!("redis://bob:bobpw@127.0.0.1:{p}"),
            "acl",
            "whoami",
        ],
        &[
            "-a",
            "wrong",
            "-u",
            &format!("redis://sekret@127.0.0.1:{p}"),
            "ping",
        ],
    ];
    for args in cases {
        assert_same(args, b"");
    }
}
