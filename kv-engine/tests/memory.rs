//! Memory accounting from the inside: the per-write counters always equal
//! a full walk of the keyspace, whatever commands run (the differential
//! generator's sequences, every family, with expiry, MULTI, SWAPDB ...),
//! and MEMORY USAGE answers as Redis's does (its arguments, errors and
//! nil), with sizes that add up. (`memory_accuracy.rs` compares the
//! counters with the real heap.)

#[allow(dead_code)]
mod differential_support;

use bytes::{Bytes, BytesMut};
use differential_support::generator::Generator;
use kv_engine::command::{Categories, CommandSpec, Flags, Handler, KeySpec};
use kv_engine::context::Ctx;
use kv_engine::harness::Session;
use kv_engine::memory::memory_usage_command;
use kv_engine::{CommandError, Host};
use resp_codec::ReplyWriter;

/// A host whose MEMORY command has the USAGE subcommand only.
struct MemoryHost;

const MEMORY: CommandSpec = CommandSpec {
    name: "memory",
    arity: -2,
    flags: Flags::READONLY,
    keys: KeySpec::NONE,
    categories: Categories::SLOW,
    run: Handler::Host,
};

impl Host for MemoryHost {
    fn command(&self, name: &str) -> Option<&CommandSpec> {
        (name == "memory").then_some(&MEMORY)
    }
    fn run(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), CommandError> {
        if ctx.arg(1).eq_ignore_ascii_case(b"usage") {
            memory_usage_command(ctx)
        } else {
            Err(CommandError::text("ERR not in this test"))
        }
    }
}

fn run_with_host(s: &mut Session, line: &str) -> String {
    let argv: Vec<Bytes> = line
        .split(' ')
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect();
    let mut buf = BytesMut::new();
    let mut out = ReplyWriter::new(&mut buf, s.client.protocol);
    s.engine
        .execute(&mut s.client, &argv, &mut out, &mut MemoryHost);
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn counters_equal_a_walk_after_every_command() {
    let table = Session::new();
    let known = |name: &str| table.engine.table().get(name.as_bytes()).is_some();
    let mut commands = 0;
    for seed in 0..60 {
        let mut s = Session::new();
        let mut generator = Generator::new(seed, known);
        while commands < (seed + 1) * 300 {
            for step in generator.next() {
                let args: Vec<&[u8]> = step.argv.iter().map(Vec::as_slice).collect();
                s.run(&args);
                commands += 1;
                for db in 0..s.engine.databases() {
                    let keyspace = s.engine.db(db);
                    assert_eq!(
                        keyspace.used_bytes(),
                        keyspace.walked_used_bytes(),
                        "seed {seed}, db {db}, after {:?}",
                        String::from_utf8_lossy(&step.argv.join(&b' '))
                    );
                }
            }
            s.deltas.take();
        }
        let total: usize = (0..s.engine.databases())
            .map(|db| s.engine.db(db).used_bytes())
            .sum();
        assert_eq!(s.engine.keyspace_memory(), total);
    }
}

#[test]
fn memory_usage_arguments_and_errors_are_redis_s() {
    let mut s = Session::new();
    s.cmd("SET a 1");
    // Each reply checked against redis-server 7.0.15.
    for (line, reply) in [
        ("MEMORY USAGE nokey", "$-1\r\n"),
        ("MEMORY USAGE a SAMPLES -1", "-ERR syntax error\r\n"),
        (
            "MEMORY USAGE a SAMPLES x",
            "-ERR value is not an integer or out of range\r\n",
        ),
        ("MEMORY USAGE a FOO 1", "-ERR syntax error\r\n"),
        ("MEMORY USAGE a SAMPLES", "-ERR syntax error\r\n"),
        (
            "MEMORY USAGE",
            "-ERR wrong number of arguments for 'memory|usage' command\r\n",
        ),
    ] {
        assert_eq!(run_with_host(&mut s, line), reply, "{line}");
    }
    let plain = run_with_host(&mut s, "MEMORY USAGE a");
    assert!(plain.starts_with(':'), "{plain}");
    assert_eq!(run_with_host(&mut s, "MEMORY USAGE a SAMPLES 0"), plain);
    assert_eq!(run_with_host(&mut s, "MEMORY usage a samples 5"), plain);
}

#[test]
fn memory_usage_grows_with_the_value_and_an_expiry() {
    let mut s = Session::new();
    let usage = |s: &mut Session, key: &str| {
        let reply = run_with_host(s, &format!("MEMORY USAGE {key}"));
        reply
            .trim_start_matches(':')
            .trim_end()
            .parse::<usize>()
            .unwrap_or_else(|_| panic!("{key}: {reply}"))
    };
    s.cmd("SET small 1");
    let big = "x".repeat(10_000);
    s.run(&[b"SET", b"big", big.as_bytes()]);
    let (small, large) = (usage(&mut s, "small"), usage(&mut s, "big"));
    assert!(large >= small + 10_000, "{small} {large}");
    s.cmd("EXPIRE small 100");
    assert!(usage(&mut s, "small") > small, "an expiry costs something");
    for i in 0..1000 {
        s.cmd(&format!("RPUSH list element-{i}"));
    }
    let list = usage(&mut s, "list");
    assert!((10_000..40_000).contains(&list), "{list}");
    // A key's usage and the database's total move together.
    let before = s.engine.keyspace_memory();
    s.cmd("DEL list");
    let freed = before - s.engine.keyspace_memory();
    assert!(
        freed + 64 >= list && freed <= list + 64,
        "{freed} freed, {list} reported"
    );
    // Expired but not yet deleted still answers (as Redis does).
    s.cmd("SET gone v PX 10");
    s.clock.advance(100);
    assert!(usage(&mut s, "gone") > 0);
}
