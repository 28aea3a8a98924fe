//! The pub/sub commands: SUBSCRIBE PSUBSCRIBE SSUBSCRIBE, UNSUBSCRIBE
//! PUNSUBSCRIBE SUNSUBSCRIBE, PUBLISH SPUBLISH and PUBSUB, with Redis
//! 7.0's replies in both protocols (a confirmation per name: an array in
//! RESP2, a push frame in RESP3).

use super::registry::{Delivery, Kind};
use crate::config::settings::ClientClass;
use crate::host::{check_arity, help, subcommand_syntax, unknown_subcommand, ConnHost, HostFn};
use bytes::Bytes;
use kv_engine::command::{Categories as C, CommandSpec, Flags as F, Handler, KeySpec};
use kv_engine::context::Ctx;
use kv_engine::{CommandError, CommandResult};

const SUBSCRIBE_FLAGS: F = F::of(&[F::PUBSUB, F::NOSCRIPT, F::LOADING, F::STALE]);
const PUBLISH_FLAGS: F = F::of(&[F::PUBSUB, F::LOADING, F::STALE, F::FAST]);
const SLOW: C = C::of(&[C::PUBSUB, C::SLOW]);
const FAST: C = C::of(&[C::PUBSUB, C::FAST]);

const fn spec(name: &'static str, arity: i32, flags: F, keys: KeySpec, acl: C) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        categories: acl,
        run: Handler::Host,
    }
}

/// The host table's pub/sub entries, with Redis 7.0's COMMAND INFO.
pub fn commands() -> [(CommandSpec, HostFn); 9] {
    let (none, all, one) = (KeySpec::NONE, KeySpec::ALL, KeySpec::ONE);
    [
        (
            spec("subscribe", -2, SUBSCRIBE_FLAGS, none, SLOW),
            |h, c| subscribe_to(h, c, Kind::Channel),
        ),
        (
            spec("psubscribe", -2, SUBSCRIBE_FLAGS, none, SLOW),
            |h, c| subscribe_to(h, c, Kind::Pattern),
        ),
        (
            spec("ssubscribe", -2, SUBSCRIBE_FLAGS, all, SLOW),
            |h, c| subscribe_to(h, c, Kind::Shard),
        ),
        (
            spec("unsubscribe", -1, SUBSCRIBE_FLAGS, none, SLOW),
            |h, c| unsubscribe_from(h, c, Kind::Channel),
        ),
        (
            spec("punsubscribe", -1, SUBSCRIBE_FLAGS, none, SLOW),
            |h, c| unsubscribe_from(h, c, Kind::Pattern),
        ),
        (
            spec("sunsubscribe", -1, SUBSCRIBE_FLAGS, all, SLOW),
            |h, c| unsubscribe_from(h, c, Kind::Shard),
        ),
        (spec("publish", 3, PUBLISH_FLAGS, none, FAST), |h, c| {
            publish_to(h, c, Kind::Channel)
        }),
        (spec("spublish", 3, PUBLISH_FLAGS, one, FAST), |h, c| {
            publish_to(h, c, Kind::Shard)
        }),
        (spec("pubsub", -2, F::default(), none, C::SLOW), pubsub),
    ]
}

/// (P|S)SUBSCRIBE name [name ...]: one confirmation per name, with the
/// client's count after it.
fn subscribe_to(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>, kind: Kind) -> CommandResult {
    let id = host.conn.handle.id;
    // Kept by the registry: owned (slices of the read buffer, no copy).
    let names = ctx.argv.slice(1..).to_vec();
    host.state
        .pubsub
        .check_room(id, kind, &names)
        .map_err(|e| CommandError::owned(e.reply_text()))?;
    for name in &names {
        host.state
            .pubsub
            .subscribe(&host.conn.handle, ctx.client.protocol, kind, name);
        confirm(ctx, kind.subscribe_word(), Some(name), host, kind);
    }
    sync_counts(host);
    Ok(())
}

/// (P|S)UNSUBSCRIBE [name ...]: one confirmation per name; without names,
/// one per name held (or a single one with a null name when none is).
fn unsubscribe_from(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>, kind: Kind) -> CommandResult {
    let id = host.conn.handle.id;
    let names: Vec<Bytes> = if ctx.argc() > 1 {
        ctx.argv.slice(1..).to_vec()
    } else {
        host.state.pubsub.names_of(id, kind)
    };
    if names.is_empty() {
        confirm(ctx, kind.unsubscribe_word(), None, host, kind);
    }
    for name in &names {
        host.state.pubsub.unsubscribe(id, kind, name);
        confirm(ctx, kind.unsubscribe_word(), Some(name), host, kind);
    }
    sync_counts(host);
    Ok(())
}

fn confirm(
    ctx: &mut Ctx<'_, '_>,
    word: &[u8],
    name: Option<&Bytes>,
    host: &ConnHost<'_>,
    kind: Kind,
) {
    let count = host
        .state
        .pubsub
        .confirmation_count(host.conn.handle.id, kind);
    ctx.out.push(3);
    ctx.out.bulk(word);
    match name {
        Some(name) => ctx.out.bulk(name),
        None => ctx.out.null(),
    }
    ctx.out.integer(count as i64);
}

/// Copies the client's subscription counts where the connection (the
/// RESP2 subscribed-mode gate) and CLIENT LIST read them.
fn sync_counts(host: &mut ConnHost<'_>) {
    let registry = &host.state.pubsub;
    let id = host.conn.handle.id;
    host.conn.subscriptions = registry.total(id);
    let mut info = host.conn.handle.info.lock();
    info.subscriptions = registry.count(id, Kind::Channel);
    info.pattern_subscriptions = registry.count(id, Kind::Pattern);
    info.shard_subscriptions = registry.count(id, Kind::Shard);
}

/// Forgets the client's subscriptions without confirmations (RESET).
pub fn forget(host: &mut ConnHost<'_>) {
    host.state.pubsub.remove_client(host.conn.handle.id);
    sync_counts(host);
}

/// (S)PUBLISH channel message: the number of deliveries.
fn publish_to(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>, kind: Kind) -> CommandResult {
    let (channel, message) = (ctx.arg(1), ctx.arg(2));
    let mut delivery = Delivery {
        limit: host.state.settings.output_limit(ClientClass::PubSub),
        now_ms: host.shared.clock.now_us() / 1000,
        own: Some((host.conn.handle.id, &mut *ctx.out)),
    };
    let n = host
        .state
        .pubsub
        .publish(kind, channel, message, &mut delivery);
    ctx.out.integer(n as i64);
    Ok(())
}

/// PUBSUB CHANNELS | NUMSUB | NUMPAT | SHARDCHANNELS | SHARDNUMSUB | HELP.
fn pubsub(host: &mut ConnHost<'_>, ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let sub = ctx.arg(1).to_ascii_lowercase();
    let registry = &host.state.pubsub;
    match sub.as_slice() {
        b"channels" | b"shardchannels" => {
            if ctx.argc() > 3 {
                return Err(subcommand_syntax(ctx));
            }
            let kind = if sub == b"channels" {
                Kind::Channel
            } else {
                Kind::Shard
            };
            let pattern = (ctx.argc() == 3).then(|| ctx.arg(2));
            let names = registry.active(kind, pattern);
            ctx.out.array(names.len());
            for name in &names {
                ctx.out.bulk(name);
            }
        }
        b"numsub" | b"shardnumsub" => {
            let kind = if sub == b"numsub" {
                Kind::Channel
            } else {
                Kind::Shard
            };
            ctx.out.array(2 * (ctx.argc() - 2));
            for i in 2..ctx.argc() {
                ctx.out.bulk(ctx.arg(i));
                ctx.out
                    .integer(registry.n_subscribers(kind, ctx.arg(i)) as i64);
            }
        }
        b"numpat" => {
            check_arity(ctx, 2)?;
            ctx.out.integer(registry.n_names(Kind::Pattern) as i64);
        }
        b"help" => {
            check_arity(ctx, 2)?;
            help(ctx, HELP)?;
        }
        _ => return Err(unknown_subcommand(ctx)),
    }
    Ok(())
}

const HELP: &[&str] = &[
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
];
