//! DUMP and RESTORE as commands, on kv-engine's `Ctx`, with Redis 7.0's
//! options, checks (in its order) and error texts. They live here, next
//! to the value codec, because two hosts run them: the server (as host
//! commands) and AOF replay (`ReplayHost`: an AOF written by Redis or by
//! us holds RESTORE as propagated, `RESTORE key <abs-ms> payload ABSTTL`).

use super::dump::{dump_value_with, restore_value, RestoreError};
use super::encode::ValueOptions;
use bytes::Bytes;
use kv_engine::access::KeyAccess;
use kv_engine::command::{Categories as C, CommandSpec, Flags as F, Handler, KeySpec};
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult, Host};

/// DUMP key: readonly, one key.
pub const DUMP_SPEC: CommandSpec = CommandSpec {
    name: "dump",
    arity: 2,
    flags: F::READONLY,
    keys: KeySpec::ONE,
    categories: C::of(&[C::KEYSPACE, C::READ, C::SLOW]),
    run: Handler::Host,
};

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f].
pub const RESTORE_SPEC: CommandSpec = CommandSpec {
    name: "restore",
    arity: -4,
    flags: F::of(&[F::WRITE, F::DENYOOM]),
    keys: KeySpec::ONE,
    categories: C::of(&[C::KEYSPACE, C::WRITE, C::SLOW, C::DANGEROUS]),
    run: Handler::Host,
};

/// DUMP: the key's serialized value, or nil.
pub fn dump(ctx: &mut Ctx<'_, '_>, options: ValueOptions) -> CommandResult {
    let key = ctx.arg(1);
    match ctx.db.lookup(key) {
        Some(value) => {
            let payload = dump_value_with(value, options);
            ctx.out.bulk(&payload);
        }
        None => ctx.out.null(),
    }
    Ok(())
}

/// RESTORE, replying `+OK` and propagating with an absolute TTL.
pub fn restore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut replace = false;
    let mut absttl = false;
    let mut access: Option<KeyAccess> = None;
    let mut i = 4;
    while i < ctx.argc() {
        let word = ctx.arg(i).to_ascii_lowercase();
        let has_value = i + 1 < ctx.argc();
        match word.as_slice() {
            b"replace" => replace = true,
            b"absttl" => absttl = true,
            b"idletime" if has_value && !matches!(access, Some(KeyAccess::Freq(_))) => {
                i += 1;
                let secs = integer(ctx.arg(i))?;
                if secs < 0 {
                    return Err(CommandError::text(
                        "ERR Invalid IDLETIME value, must be >= 0",
                    ));
                }
                access = Some(KeyAccess::IdleSecs(secs as u64));
            }
            b"freq" if has_value && !matches!(access, Some(KeyAccess::IdleSecs(_))) => {
                i += 1;
                let freq = integer(ctx.arg(i))?;
                if !(0..=255).contains(&freq) {
                    return Err(CommandError::text(
                        "ERR Invalid FREQ value, must be >= 0 and <= 255",
                    ));
                }
                access = Some(KeyAccess::Freq(freq as u8));
            }
            _ => return Err(CommandError::Syntax),
        }
        i += 1;
    }
    let key = ctx.arg(1);
    if !replace && ctx.db.lookup(key).is_some() {
        return Err(CommandError::text(
            "BUSYKEY Target key name already exists.",
        ));
    }
    let mut ttl = integer(ctx.arg(2))?;
    if ttl < 0 {
        return Err(CommandError::text("ERR Invalid TTL value, must be >= 0"));
    }
    let value = restore_value(ctx.arg(3), ctx.db.config()).map_err(|e| match e {
        RestoreError::VersionOrChecksum => {
            CommandError::text("ERR DUMP payload version or checksum are wrong")
        }
        RestoreError::BadData => CommandError::text("ERR Bad data format"),
    })?;
    let deleted = replace && ctx.db.remove(key).is_some();
    if ttl > 0 && !absttl {
        // A relative TTL past i64::MAX wraps negative, so the key is
        // already expired, as in Redis (its C addition wraps).
        ttl = ttl.wrapping_add(ctx.db.now_ms);
    }
    if ttl != 0 && ctx.db.already_expired(ttl) {
        if deleted {
            ctx.db.propagate(vec![
                Bytes::from_static(b"DEL"),
                Bytes::copy_from_slice(key),
            ]);
        }
        ctx.out.ok();
        return Ok(());
    }
    let db = ctx.db.index;
    // IDLETIME/FREQ set the access field the policy keeps (Redis's
    // objectSetLRUOrLFU); one of the other kind is ignored, as there.
    let policy = ctx.db.config().maxmemory_policy;
    let field = access.and_then(|a| kv_engine::access::field_for(a, policy, ctx.db.now_ms));
    ctx.db
        .store_at(db, key, value, (ttl > 0).then_some(ttl), field);
    let mut argv = ctx.argv.to_vec();
    if ttl > 0 && !absttl {
        argv[2] = Bytes::from(ttl.to_string());
        argv.push(Bytes::from_static(b"ABSTTL"));
    }
    ctx.db.propagate(argv);
    ctx.out.ok();
    Ok(())
}

fn integer(arg: &[u8]) -> CommandResult<i64> {
    kv_engine::parse::parse_i64(arg)
}

/// The host AOF replay runs commands with: RESTORE, as Redis propagates it.
pub struct ReplayHost;

impl Host for ReplayHost {
    fn command(&self, name: &str) -> Option<&CommandSpec> {
        (name == "restore").then_some(&RESTORE_SPEC)
    }

    fn run(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), CommandError> {
        restore(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use kv_engine::harness::Session;
    use resp_codec::ReplyWriter;

    fn run(session: &mut Session, argv: &[&[u8]]) -> String {
        let argv: Vec<Bytes> = argv.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        let mut buf = BytesMut::new();
        let mut out = ReplyWriter::new(&mut buf, session.client.protocol);
        session
            .engine
            .execute(&mut session.client, &argv, &mut out, &mut ReplayHost);
        String::from_utf8_lossy(&buf).into_owned()
    }

    fn payload_of(value: &str) -> Vec<u8> {
        let mut session = Session::new();
        session.cmd(&format!("RPUSH l {value}"));
        let value = session.engine.db(0).get(b"l").unwrap().clone();
        super::super::dump::dump_value(&value)
    }

    #[test]
    fn restore_checks_in_redis_order() {
        let mut session = Session::new();
        let cases: &[(&[&[u8]], &str)] = &[
            (
                &[b"RESTORE", b"k", b"x", b"p", b"FOO"],
                "-ERR syntax error\r\n",
            ),
            (
                &[b"RESTORE", b"k", b"-1", b"p"],
                "-ERR Invalid TTL value, must be >= 0\r\n",
            ),
            (
                &[b"RESTORE", b"k", b"x", b"p"],
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                &[b"RESTORE", b"k", b"0", b"p"],
                "-ERR DUMP payload version or checksum are wrong\r\n",
            ),
            (
                &[b"RESTORE", b"k", b"0", b"p", b"FREQ", b"300"],
                "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n",
            ),
            (
                &[b"RESTORE", b"k", b"0", b"p", b"IDLETIME", b"-1"],
                "-ERR Invalid IDLETIME value, must be >= 0\r\n",
            ),
            (
                &[
                    b"RESTORE",
                    b"k",
                    b"0",
                    b"p",
                    b"IDLETIME",
                    b"1",
                    b"FREQ",
                    b"3",
                ],
                "-ERR syntax error\r\n",
            ),
        ];
        for (argv, expect) in cases {
            assert_eq!(&run(&mut session, argv), expect, "{argv:?}");
        }
    }

    #[test]
    fn restore_creates_replaces_and_propagates_an_absolute_ttl() {
        let mut session = Session::new();
        let payload = payload_of("a b c");
        assert_eq!(
            run(&mut session, &[b"RESTORE", b"k", b"5000", &payload]),
            "+OK\r\n"
        );
        assert_eq!(
            session.cmd("LRANGE k 0 -1"),
            "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
        );
        assert_eq!(session.engine.db(0).expire_at(b"k"), Some(1_005_000));
        let deltas = session.deltas.take();
        let argv = &deltas.last().unwrap().ops[0].argv;
        assert_eq!(&argv[2][..], b"1005000");
        assert_eq!(&argv[4][..], b"ABSTTL", "propagated with an absolute TTL");
        assert_eq!(
            run(&mut session, &[b"RESTORE", b"k", b"0", &payload]),
            "-BUSYKEY Target key name already exists.\r\n"
        );
        let other = payload_of("z");
        assert_eq!(
            run(&mut session, &[b"RESTORE", b"k", b"0", &other, b"REPLACE"]),
            "+OK\r\n"
        );
        assert_eq!(session.cmd("LRANGE k 0 -1"), "*1\r\n$1\r\nz\r\n");
        assert_eq!(session.engine.db(0).expire_at(b"k"), None);
        // An absolute TTL in the past: the old key goes, nothing is created.
        assert_eq!(
            run(
                &mut session,
                &[b"RESTORE", b"k", b"5", &payload, b"REPLACE", b"ABSTTL"]
            ),
            "+OK\r\n"
        );
        assert_eq!(session.cmd("EXISTS k"), ":0\r\n");
        let deltas = session.deltas.take();
        assert_eq!(&deltas.last().unwrap().ops[0].argv[0][..], b"DEL");
        // A relative TTL that overflows is already expired (Redis: PTTL -2).
        assert_eq!(
            run(
                &mut session,
                &[b"RESTORE", b"k", b"9223372036854775807", &payload]
            ),
            "+OK\r\n"
        );
        assert_eq!(session.cmd("EXISTS k"), ":0\r\n");
    }
}
