//! SET with its options (NX XX GET EX PX EXAT PXAT KEEPTTL), SETEX,
//! PSETEX, and GETEX (EX PX EXAT PXAT PERSIST): the commands that take
//! Redis's "extended string arguments".
//!
//! Deltas carry absolute times: a SET with an expiry propagates as
//! `SET key value PXAT <ms>`, SETEX and PSETEX likewise; one without drops
//! GET (a replay has nobody to answer). GETEX propagates as
//! `PEXPIREAT key <ms>`, `PERSIST key`, or `DEL key` when an absolute time
//! has already passed.

use super::command;
use super::strings::get;
use crate::collection_lookup::string;
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::parse::{is_word, parse_i64};
use crate::value::{StrValue, Value};
use bytes::Bytes;
use resp_codec::Argv;

const WRITE_SLOW: C = C::of(&[C::WRITE, C::STRING, C::SLOW]);
const OOM: F = F::of(&[F::WRITE, F::DENYOOM]);

pub const COMMANDS: &[CommandSpec] = &[
    command!("set", -3, set, flags: OOM, keys: KeySpec::ONE, acl: WRITE_SLOW),
    command!("setex", 4, setex, flags: OOM, keys: KeySpec::ONE, acl: WRITE_SLOW),
    command!("psetex", 4, psetex, flags: OOM, keys: KeySpec::ONE, acl: WRITE_SLOW),
    command!("getex", -2, getex, flags: F::of(&[F::WRITE, F::FAST]), keys: KeySpec::ONE, acl: C::of(&[C::WRITE, C::STRING, C::FAST])),
];

/// How an expiry argument is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExpireForm {
    /// EX seconds
    Ex,
    /// PX milliseconds
    Px,
    /// EXAT unix-seconds
    ExAt,
    /// PXAT unix-milliseconds
    PxAt,
}

impl ExpireForm {
    fn of(word: &[u8]) -> Option<ExpireForm> {
        [
            ("ex", ExpireForm::Ex),
            ("px", ExpireForm::Px),
            ("exat", ExpireForm::ExAt),
            ("pxat", ExpireForm::PxAt),
        ]
        .into_iter()
        .find(|(name, _)| is_word(word, name))
        .map(|(_, form)| form)
    }

    fn is_absolute(self) -> bool {
        matches!(self, ExpireForm::ExAt | ExpireForm::PxAt)
    }

    /// The absolute Unix time in ms that `text` names, checked as Redis
    /// does: a positive integer whose absolute time in ms does not
    /// overflow, else "invalid expire time in '<command>' command".
    fn at_ms(self, text: &[u8], now_ms: i64, command: &str) -> CommandResult<i64> {
        let given = parse_i64(text)?;
        let invalid =
            || CommandError::owned(format!("ERR invalid expire time in '{command}' command"));
        if given <= 0 {
            return Err(invalid());
        }
        let ms = match self {
            ExpireForm::Ex | ExpireForm::ExAt => given.checked_mul(1000).ok_or_else(invalid)?,
            ExpireForm::Px | ExpireForm::PxAt => given,
        };
        match self {
            ExpireForm::Ex | ExpireForm::Px => ms.checked_add(now_ms).ok_or_else(invalid),
            ExpireForm::ExAt | ExpireForm::PxAt => Ok(ms),
        }
    }
}

/// The options after SET's value or GETEX's key.
#[derive(Default)]
struct Options<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expire: Option<(ExpireForm, &'a [u8])>,
}

/// Which command's options are being read: SET takes NX XX GET KEEPTTL,
/// GETEX takes PERSIST; both take the four expiry forms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Set,
    GetEx,
}

impl<'a> Options<'a> {
    /// Redis's rules: an option that conflicts with one already given
    /// (NX with XX, KEEPTTL or PERSIST with an expiry, two different expiry
    /// forms) is a syntax error; repeating one is allowed (the last expiry
    /// wins).
    fn parse(args: Argv<'a>, grammar: Grammar) -> CommandResult<Options<'a>> {
        let mut o = Options::default();
        let set = grammar == Grammar::Set;
        let mut i = 0;
        while i < args.len() {
            let arg = args.arg(i);
            let form = ExpireForm::of(arg);
            if set && is_word(arg, "nx") && !o.xx {
                o.nx = true;
            } else if set && is_word(arg, "xx") && !o.nx {
                o.xx = true;
            } else if set && is_word(arg, "get") {
                o.get = true;
            } else if set && is_word(arg, "keepttl") && o.expire.is_none() {
                o.keep_ttl = true;
            } else if !set && is_word(arg, "persist") && o.expire.is_none() {
                o.persist = true;
            } else if let Some(form) = form.filter(|&form| {
                !o.keep_ttl
                    && !o.persist
                    && i + 1 < args.len()
                    && o.expire.is_none_or(|(given, _)| given == form)
            }) {
                o.expire = Some((form, args.arg(i + 1)));
                i += 1;
            } else {
                return Err(CommandError::Syntax);
            }
            i += 1;
        }
        Ok(o)
    }
}

/// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts |
/// KEEPTTL]: OK (or, with GET, the old value); nil when NX/XX stopped it.
fn set(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let options = Options::parse(ctx.argv.slice(3..), Grammar::Set)?;
    set_value(ctx, ctx.arg(2), &options, "set")
}

/// SETEX key seconds value: SET key value EX seconds.
fn setex(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let options = Options {
        expire: Some((ExpireForm::Ex, ctx.arg(2))),
        ..Options::default()
    };
    set_value(ctx, ctx.arg(3), &options, "setex")
}

/// PSETEX key milliseconds value: SET key value PX milliseconds.
fn psetex(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let options = Options {
        expire: Some((ExpireForm::Px, ctx.arg(2))),
        ..Options::default()
    };
    set_value(ctx, ctx.arg(3), &options, "psetex")
}

/// The body of SET (Redis's `setGenericCommand`): the expiry is checked
/// first, then GET answers (or fails on another type), then NX/XX decide.
fn set_value(ctx: &mut Ctx<'_, '_>, value: &[u8], o: &Options<'_>, name: &str) -> CommandResult {
    let key = ctx.arg(1);
    let at_ms = match o.expire {
        Some((form, text)) => Some(form.at_ms(text, ctx.db.now_ms, name)?),
        None => None,
    };
    if o.get {
        get(ctx)?;
    }
    let found = ctx.db.find(key, true);
    if (o.nx && found.is_live()) || (o.xx && !found.is_live()) {
        if !o.get {
            ctx.out.null();
        }
        return Ok(());
    }
    ctx.db.store_found(
        found,
        key,
        Value::Str(StrValue::from_bytes(value)),
        o.keep_ttl,
    );
    ctx.db.notify(crate::notify::EventClass::String, "set", key);
    if let Some(at_ms) = at_ms {
        ctx.db.keyspace().set_expire_at(key, at_ms);
        ctx.db
            .notify(crate::notify::EventClass::Generic, "expire", key);
    }
    if !o.get {
        ctx.out.ok();
    }
    let args = ctx.argv;
    if at_ms.is_none() && !o.get {
        // As sent (no relative time, no GET to drop): encoded straight
        // from the arguments.
        ctx.propagate_as_is();
        return Ok(());
    }
    ctx.db.propagate_with(|| match at_ms {
        Some(at_ms) => vec![
            Bytes::from_static(b"SET"),
            args.bytes(1),
            Bytes::copy_from_slice(value),
            Bytes::from_static(b"PXAT"),
            decimal(at_ms),
        ],
        None => args
            .iter()
            .enumerate()
            .filter(|(i, arg)| *i < 3 || !is_word(arg, "get"))
            .map(|(i, _)| args.bytes(i))
            .collect(),
    });
    Ok(())
}

fn decimal(n: i64) -> Bytes {
    let mut scratch = [0u8; 20];
    Bytes::copy_from_slice(resp_codec::encode::format_i64(&mut scratch, n))
}

/// GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]: the value
/// (nil if missing), then its TTL changed as asked.
fn getex(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let options = Options::parse(ctx.argv.slice(2..), Grammar::GetEx)?;
    let key = ctx.arg(1);
    let now_ms = ctx.db.now_ms;
    let Some(value) = string(ctx.db.lookup_read(key))? else {
        ctx.out.null();
        return Ok(());
    };
    let at_ms = match options.expire {
        Some((form, text)) => Some((form, form.at_ms(text, now_ms, "getex")?)),
        None => None,
    };
    let mut scratch = [0u8; 20];
    ctx.out.bulk(value.as_bytes(&mut scratch));
    let name = ctx.argv.bytes(1);
    match at_ms {
        Some((form, at_ms)) if form.is_absolute() && ctx.db.already_expired(at_ms) => {
            ctx.db.remove(key);
            ctx.db
                .notify(crate::notify::EventClass::Generic, "del", key);
            ctx.db.propagate(vec![Bytes::from_static(b"DEL"), name]);
        }
        Some((_, at_ms)) => {
            ctx.db.keyspace().set_expire_at(key, at_ms);
            ctx.db.touched(key);
            ctx.db
                .notify(crate::notify::EventClass::Generic, "expire", key);
            ctx.db
                .propagate(vec![Bytes::from_static(b"PEXPIREAT"), name, decimal(at_ms)]);
        }
        None if options.persist && ctx.db.keyspace().persist(key) => {
            ctx.db.touched(key);
            ctx.db
                .notify(crate::notify::EventClass::Generic, "persist", key);
            ctx.db.propagate(vec![Bytes::from_static(b"PERSIST"), name]);
        }
        None => {}
    }
    Ok(())
}
