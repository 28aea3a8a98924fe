//! Sorted set commands: ZADD (NX XX GT LT CH INCR), ZINCRBY, ZREM, ZCARD,
//! ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT, the ZRANGE family
//! (by rank, score and lex, REV, LIMIT, WITHSCORES, ZRANGESTORE and the
//! legacy forms), ZREMRANGEBY*, ZPOPMIN/ZPOPMAX, ZMPOP, ZRANDMEMBER, ZSCAN,
//! and the algebra ZUNION/ZINTER/ZDIFF (+STORE) and ZINTERCARD.
//!
//! Scores reply through `ReplyWriter::double` (Redis's `%.17g`, `inf`).
//! Pops are also what the server re-runs for a woken BZPOP*/BZMPOP client.

use super::command;
use super::lists::{parse_mpop_count, parse_numkeys, parse_timeout, BLOCKING_KEYS};
use crate::collection_args::{
    double_arg, index_range, parse_card_limit, parse_positive, LexBound, LexRange, ScoreRange,
};
use crate::collection_lookup::{zset, zset_mut};
use crate::collection_random::{check_random_args, draw, Draw};
use crate::collection_scan::{parse_cursor, scan_positions, write_scan_reply, ScanOptions};
use crate::command::{Categories as C, CommandSpec, Flags as F, KeySpec};
use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::notify::EventClass;
use crate::parse::{is_word, parse_i64};
use crate::value::zset::ZSetLimits;
use crate::value::{SetValue, Value, ZSetValue};
use bytes::Bytes;
use resp_codec::Protocol;

const RD: F = F::of(&[F::READONLY]);
const RD_FAST: F = F::of(&[F::READONLY, F::FAST]);
const WR: F = F::of(&[F::WRITE]);
const WR_FAST: F = F::of(&[F::WRITE, F::FAST]);
const WR_OOM: F = F::of(&[F::WRITE, F::DENYOOM]);
const WR_OOM_FAST: F = F::of(&[F::WRITE, F::DENYOOM, F::FAST]);
const RD_MOVABLE: F = F::of(&[F::READONLY, F::MOVABLE_KEYS]);
const WR_OOM_MOVABLE: F = F::of(&[F::WRITE, F::DENYOOM, F::MOVABLE_KEYS]);
const A_RD: C = C::of(&[C::READ, C::SORTEDSET, C::SLOW]);
const A_RD_FAST: C = C::of(&[C::READ, C::SORTEDSET, C::FAST]);
const A_WR: C = C::of(&[C::WRITE, C::SORTEDSET, C::SLOW]);
const A_WR_FAST: C = C::of(&[C::WRITE, C::SORTEDSET, C::FAST]);
const TWO_KEYS: KeySpec = KeySpec {
    first: 1,
    last: 2,
    step: 1,
};

pub const COMMANDS: &[CommandSpec] = &[
    command!("zadd", -4, zadd, flags: WR_OOM_FAST, keys: KeySpec::ONE, acl: A_WR_FAST),
    command!("zcard", 2, zcard, flags: RD_FAST, keys: KeySpec::ONE, acl: A_RD_FAST),
    command!("zcount", 4, zcount, flags: RD_FAST, keys: KeySpec::ONE, acl: A_RD_FAST),
    command!("zdiff", -3, zdiff, flags: RD_MOVABLE, keys: KeySpec::NONE, acl: A_RD),
    command!("zdiffstore", -4, zdiffstore, flags: WR_OOM_MOVABLE, keys: KeySpec::ONE, acl: A_WR),
    command!("zincrby", 4, zincrby, flags: WR_OOM_FAST, keys: KeySpec::ONE, acl: A_WR_FAST),
    command!("zinter", -3, zinter, flags: RD_MOVABLE, keys: KeySpec::NONE, acl: A_RD),
    command!("zintercard", -3, zintercard, flags: RD_MOVABLE, keys: KeySpec::NONE, acl: A_RD),
    command!("zinterstore", -4, zinterstore, flags: WR_OOM_MOVABLE, keys: KeySpec::ONE, acl: A_WR),
    command!("zlexcount", 4, zlexcount, flags: RD_FAST, keys: KeySpec::ONE, acl: A_RD_FAST),
    command!("zmpop", -4, zmpop, flags: F::of(&[F::WRITE, F::MOVABLE_KEYS]), keys: KeySpec::NONE, acl: A_WR),
    command!("zmscore", -3, zmscore, flags: RD_FAST, keys: KeySpec::ONE, acl: A_RD_FAST),
    command!("zpopmax", -2, zpopmax, flags: WR_FAST, keys: KeySpec::ONE, acl: A_WR_FAST),
    command!("zpopmin", -2, zpopmin, flags: WR_FAST, keys: KeySpec::ONE, acl: A_WR_FAST),
    command!("zrandmember", -2, zrandmember, flags: RD, keys: KeySpec::ONE, acl: A_RD),
    command!("zrange", -4, zrange, flags: RD, keys: KeySpec::ONE, acl: A_RD),
    command!("zrangebylex", -4, zrangebylex, flags: RD, keys: KeySpec::ONE, acl: A_RD),
    command!("zrangebyscore", -4, zrangebyscore, flags: RD, keys: KeySpec::ONE, acl: A_RD),
    command!("zrangestore", -5, zrangestore, flags: WR_OOM, keys: TWO_KEYS, acl: A_WR),
    command!("zrank", 3, zrank, flags: RD_FAST, keys: KeySpec::ONE, acl: A_RD_FAST),
    command!("zrem", -3, zrem, flags: WR_FAST, keys: KeySpec::ONE, acl: A_WR_FAST),
    command!("zremrangebylex", 4, zremrangebylex, flags: WR, keys: KeySpec::ONE, acl: A_WR),
    command!("zremrangebyrank", 4, zremrangebyrank, flags: WR, keys: KeySpec::ONE, acl: A_WR),
    command!("zremrangebyscore", 4, zremrangebyscore, flags: WR, keys: KeySpec::ONE, acl: A_WR),
    command!("zrevrange", -4, zrevrange, flags: RD, keys: KeySpec::ONE, acl: A_RD),
    command!("zrevrangebylex", -4, zrevrangebylex, flags: RD, keys: KeySpec::ONE, acl: A_RD),
    command!("zrevrangebyscore", -4, zrevrangebyscore, flags: RD, keys: KeySpec::ONE, acl: A_RD),
    command!("zrevrank", 3, zrevrank, flags: RD_FAST, keys: KeySpec::ONE, acl: A_RD_FAST),
    command!("zscan", -3, zscan, flags: RD, keys: KeySpec::ONE, acl: A_RD),
    command!("zscore", 3, zscore, flags: RD_FAST, keys: KeySpec::ONE, acl: A_RD_FAST),
    command!("zunion", -3, zunion, flags: RD_MOVABLE, keys: KeySpec::NONE, acl: A_RD),
    command!("bzpopmin", -3, bzpopmin, flags: F::of(&[F::WRITE, F::NOSCRIPT, F::BLOCKING, F::FAST]), keys: BLOCKING_KEYS, acl: C::of(&[C::WRITE, C::SORTEDSET, C::FAST, C::BLOCKING])),
    command!("bzpopmax", -3, bzpopmax, flags: F::of(&[F::WRITE, F::NOSCRIPT, F::BLOCKING, F::FAST]), keys: BLOCKING_KEYS, acl: C::of(&[C::WRITE, C::SORTEDSET, C::FAST, C::BLOCKING])),
    command!("bzmpop", -5, bzmpop, flags: F::of(&[F::WRITE, F::BLOCKING, F::MOVABLE_KEYS]), keys: KeySpec::NONE, acl: C::of(&[C::WRITE, C::SORTEDSET, C::SLOW, C::BLOCKING])),
    command!("zunionstore", -4, zunionstore, flags: WR_OOM_MOVABLE, keys: KeySpec::ONE, acl: A_WR),
];

fn limits(ctx: &Ctx<'_, '_>) -> ZSetLimits {
    ctx.db.state.config.zset_limits()
}

/// Replies (member, score) pairs: flat in RESP2, `[member, score]` pairs in
/// RESP3 when `with_scores`; members only otherwise.
fn reply_elements(ctx: &mut Ctx<'_, '_>, items: &[(Vec<u8>, f64)], with_scores: bool) {
    let nested = with_scores && ctx.out.protocol() == Protocol::Resp3;
    let len = if with_scores && !nested {
        2 * items.len()
    } else {
        items.len()
    };
    ctx.out.array(len);
    for (member, score) in items {
        if nested {
            ctx.out.array(2);
        }
        ctx.out.bulk(member);
        if with_scores {
            ctx.out.double(*score);
        }
    }
}

/// After `changes` members left the sorted set under `key`: raises
/// `event`, then deletes the set if empty (raising `del`), else marks it
/// changed.
fn finish_change(ctx: &mut Ctx<'_, '_>, key: &[u8], event: &'static str, changes: u64) {
    ctx.db.notify(EventClass::ZSet, event, key);
    ctx.db.remove_if_empty(key, changes);
}

// ---------------------------------------------------------------- ZADD

#[derive(Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

fn zadd(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let mut flags = AddFlags::default();
    let mut at = 2;
    while at < ctx.argc() {
        let word = ctx.arg(at);
        // Every flag is a word; a score starts with a digit or a sign.
        if !word.first().is_some_and(u8::is_ascii_alphabetic) {
            break;
        }
        let flag = [
            ("nx", &mut flags.nx),
            ("xx", &mut flags.xx),
            ("gt", &mut flags.gt),
            ("lt", &mut flags.lt),
            ("ch", &mut flags.ch),
            ("incr", &mut flags.incr),
        ]
        .into_iter()
        .find(|(name, _)| is_word(word, name));
        match flag {
            Some((_, set)) => *set = true,
            None => break,
        }
        at += 1;
    }
    let rest = ctx.argc() - at;
    if rest == 0 || !rest.is_multiple_of(2) {
        return Err(CommandError::Syntax);
    }
    if flags.nx && flags.xx {
        return Err(CommandError::text(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if ((flags.gt || flags.lt) && flags.nx) || (flags.gt && flags.lt) {
        return Err(CommandError::text(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if flags.incr && rest > 2 {
        return Err(CommandError::text(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    // Every score is read before anything changes; a few pairs (the
    // common ZADD has one) on the stack.
    const ON_STACK: usize = 8;
    let mut stack = [(0.0, &[][..]); ON_STACK];
    let mut heap = Vec::new();
    let pairs = if rest / 2 <= ON_STACK {
        &mut stack[..rest / 2]
    } else {
        heap.resize(rest / 2, (0.0, &[][..]));
        &mut heap[..]
    };
    for (pair, i) in pairs.iter_mut().zip((at..ctx.argc()).step_by(2)) {
        *pair = (double_arg(ctx.arg(i))?, ctx.arg(i + 1));
    }
    add_pairs(ctx, pairs, &flags)
}

fn zincrby(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let increment = double_arg(ctx.arg(2))?;
    let flags = AddFlags {
        incr: true,
        ..AddFlags::default()
    };
    add_pairs(ctx, &[(increment, ctx.arg(3))], &flags)
}

/// What one zsetAdd did.
enum Added {
    New,
    Updated,
    Same,
    Skipped,
}

fn add_pairs(ctx: &mut Ctx<'_, '_>, pairs: &[(f64, &[u8])], flags: &AddFlags) -> CommandResult {
    let key = ctx.arg(1);
    let limits = limits(ctx);
    let mut found = ctx.db.find(key, true);
    let exists = found.is_live();
    if !exists {
        if flags.xx {
            match flags.incr {
                true => ctx.out.null(),
                false => ctx.out.integer(0),
            }
            return Ok(());
        }
        let longest = pairs.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
        let fresh = ZSetValue::with_hint(pairs.len(), longest, limits);
        found = ctx
            .db
            .create_found(found, key, Value::ZSet(Box::new(fresh)));
        ctx.db.signal_ready(key);
    }
    let Some(z) = zset_mut(ctx.db.value_mut(found))? else {
        return Err(CommandError::NoSuchKey);
    };
    let (mut added, mut updated, mut processed) = (0, 0, 0);
    let mut last_score = 0.0;
    let mut failure = None;
    for &(score, member) in pairs {
        match add_one(z, member, score, flags, limits) {
            Err(e) => {
                failure = Some(e);
                break;
            }
            Ok((outcome, new_score)) => {
                match outcome {
                    Added::New => added += 1,
                    Added::Updated => updated += 1,
                    Added::Same | Added::Skipped => {}
                }
                if !matches!(outcome, Added::Skipped) {
                    processed += 1;
                    last_score = new_score;
                }
            }
        }
    }
    if added + updated > 0 {
        ctx.db.touched(key);
        let event = if flags.incr { "zincr" } else { "zadd" };
        ctx.db.notify(EventClass::ZSet, event, key);
        ctx.db.add_dirty(added + updated - 1);
        ctx.propagate_as_is();
    } else if !exists {
        ctx.db.keyspace().remove(key);
    }
    if let Some(error) = failure {
        return Err(error);
    }
    if flags.incr {
        match processed {
            0 => ctx.out.null(),
            _ => ctx.out.double(last_score),
        }
    } else {
        ctx.out
            .integer(if flags.ch { added + updated } else { added } as i64);
    }
    Ok(())
}

/// Redis's zsetAdd for one member: looked up once, then changed as
/// `decide_add` says.
fn add_one(
    z: &mut ZSetValue,
    member: &[u8],
    score: f64,
    flags: &AddFlags,
    limits: ZSetLimits,
) -> CommandResult<(Added, f64)> {
    let mut result = (Added::Skipped, 0.0);
    z.update_with(member, limits, |current| {
        result = decide_add(current, score, flags)?;
        Ok(match result {
            (Added::New | Added::Updated, new_score) => Some(new_score),
            (Added::Same | Added::Skipped, _) => None,
        })
    })?;
    Ok(result)
}

/// What zsetAdd does with a member whose score is `current` (None: not in
/// the set), and the score it then has.
fn decide_add(current: Option<f64>, score: f64, flags: &AddFlags) -> CommandResult<(Added, f64)> {
    let Some(current) = current else {
        if flags.xx {
            return Ok((Added::Skipped, 0.0));
        }
        return Ok((Added::New, score));
    };
    if flags.nx {
        return Ok((Added::Skipped, current));
    }
    let new_score = if flags.incr {
        let sum = current + score;
        if sum.is_nan() {
            return Err(CommandError::text(
                "ERR resulting score is not a number (NaN)",
            ));
        }
        sum
    } else {
        score
    };
    if (flags.lt && new_score >= current) || (flags.gt && new_score <= current) {
        return Ok((Added::Skipped, current));
    }
    if new_score == current {
        return Ok((Added::Same, current));
    }
    Ok((Added::Updated, new_score))
}

// ---------------------------------------------------------------- simple reads and ZREM

fn zrem(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let key = ctx.arg(1);
    let members = ctx.argv.slice(2..);
    let Some(z) = zset_mut(ctx.db.lookup_mut(key))? else {
        ctx.out.integer(0);
        return Ok(());
    };
    let removed = members.iter().filter(|m| z.remove(m).is_some()).count();
    if removed > 0 {
        finish_change(ctx, key, "zrem", removed as u64);
        ctx.propagate_as_is();
    }
    ctx.out.integer(removed as i64);
    Ok(())
}

fn zcard(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let len = zset(ctx.db.lookup_read(ctx.argv[1].as_ref()))?.map_or(0, |z| z.len());
    ctx.out.integer(len as i64);
    Ok(())
}

fn zscore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let member = ctx.arg(2);
    match zset(ctx.db.lookup_read(ctx.argv[1].as_ref()))?.and_then(|z| z.score(member)) {
        Some(score) => ctx.out.double(score),
        None => ctx.out.null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let members = ctx.argv.slice(2..);
    let z = zset(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    ctx.out.array(members.len());
    for member in members {
        match z.and_then(|z| z.score(member)) {
            Some(score) => ctx.out.double(score),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

fn zrank(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    rank(ctx, false)
}
fn zrevrank(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    rank(ctx, true)
}

fn rank(ctx: &mut Ctx<'_, '_>, reverse: bool) -> CommandResult {
    let member = ctx.arg(2);
    let z = zset(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    match z.and_then(|z| z.rank(member).map(|r| (r, z.len()))) {
        Some((r, len)) => ctx
            .out
            .integer(if reverse { len - 1 - r } else { r } as i64),
        None => ctx.out.null(),
    }
    Ok(())
}

fn zcount(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let range = ScoreRange::parse(ctx.arg(2), ctx.arg(3))?;
    let z = zset(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    let count = z.map_or(0, |z| {
        let (from, to) = score_ranks(z, &range);
        to.saturating_sub(from)
    });
    ctx.out.integer(count as i64);
    Ok(())
}

fn zlexcount(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let range = LexRange::parse(ctx.arg(2), ctx.arg(3))?;
    let z = zset(ctx.db.lookup_read(ctx.argv[1].as_ref()))?;
    let count = z.map_or(0, |z| {
        let (from, to) = lex_ranks(z, &range, false);
        to.saturating_sub(from)
    });
    ctx.out.integer(count as i64);
    Ok(())
}

/// The ranks `from..to` of the elements inside a score range.
fn score_ranks(z: &ZSetValue, range: &ScoreRange) -> (usize, usize) {
    if range.is_empty() {
        return (0, 0);
    }
    let from = z.count_score_below(range.min.value, range.min.exclusive);
    let to = z.count_score_below(range.max.value, !range.max.exclusive);
    (from, to.max(from))
}

/// The ranks `from..to` of the elements a lex range selects, scanning
/// forward (or backward when `reverse`). Lex ranges are defined for sets
/// whose scores are all equal, where this is two O(log n) searches; for
/// other sets it follows Redis's listpack scan (first element >= min from
/// the head, then while <= max; mirrored from the tail), so even the
/// undefined case answers as Redis does for small sets.
fn lex_ranks(z: &ZSetValue, range: &LexRange, reverse: bool) -> (usize, usize) {
    let len = z.len();
    let (Some((first, low)), Some((last, high))) =
        (z.get_by_rank(0), z.get_by_rank(len.wrapping_sub(1)))
    else {
        return (0, 0);
    };
    if range.is_empty() || !range.above_min(last) || !range.below_max(first) {
        return (0, 0);
    }
    if low == high {
        let below = |bound: &LexBound, upper: bool| match bound {
            LexBound::Min => 0,
            LexBound::Max => len,
            LexBound::Inclusive(m) => z.count_member_below(m, upper),
            LexBound::Exclusive(m) => z.count_member_below(m, !upper),
        };
        let from = below(&range.min, false);
        let to = below(&range.max, true);
        return (from, to.max(from));
    }
    let members: Vec<&[u8]> = z.iter().map(|(m, _)| m).collect();
    if reverse {
        let Some(end) = members.iter().rposition(|m| range.below_max(m)) else {
            return (0, 0);
        };
        let run = members[..=end]
            .iter()
            .rev()
            .take_while(|m| range.above_min(m))
            .count();
        (end + 1 - run, end + 1)
    } else {
        let Some(start) = members.iter().position(|m| range.above_min(m)) else {
            return (0, 0);
        };
        let run = members[start..]
            .iter()
            .take_while(|m| range.below_max(m))
            .count();
        (start, start + run)
    }
}

// ---------------------------------------------------------------- ZRANGE family

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Rank,
    Score,
    Lex,
}

/// How a ZRANGE-family command was called.
struct RangeCall {
    /// Fixed by the legacy commands (ZRANGEBYSCORE...), else from options.
    kind: Option<RangeKind>,
    reverse: Option<bool>,
    /// Where `min max` (or `start stop`) are.
    at: usize,
    store: bool,
}

/// The parsed query.
struct RangeQuery {
    kind: RangeKind,
    reverse: bool,
    rank: (i64, i64),
    score: Option<ScoreRange>,
    lex: Option<LexRange>,
    offset: i64,
    limit: i64,
    with_scores: bool,
}

fn parse_range(ctx: &Ctx<'_, '_>, call: &RangeCall) -> CommandResult<RangeQuery> {
    let (mut kind, mut reverse) = (call.kind, call.reverse);
    let (mut offset, mut limit, mut with_scores) = (0i64, -1i64, false);
    let mut limit_given = false;
    let mut j = call.at + 2;
    while j < ctx.argc() {
        let word = ctx.arg(j);
        let left = ctx.argc() - j - 1;
        if word.eq_ignore_ascii_case(b"withscores") && !call.store {
            with_scores = true;
        } else if word.eq_ignore_ascii_case(b"limit") && left >= 2 {
            offset = parse_i64(ctx.arg(j + 1))?;
            limit = parse_i64(ctx.arg(j + 2))?;
            limit_given = true;
            j += 2;
        } else if reverse.is_none() && word.eq_ignore_ascii_case(b"rev") {
            reverse = Some(true);
        } else if kind.is_none() && word.eq_ignore_ascii_case(b"bylex") {
            kind = Some(RangeKind::Lex);
        } else if kind.is_none() && word.eq_ignore_ascii_case(b"byscore") {
            kind = Some(RangeKind::Score);
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    let kind = kind.unwrap_or(RangeKind::Rank);
    let reverse = reverse.unwrap_or(false);
    if limit_given && kind == RangeKind::Rank {
        return Err(CommandError::text(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if with_scores && kind == RangeKind::Lex {
        return Err(CommandError::text(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut lo, mut hi) = (ctx.arg(call.at), ctx.arg(call.at + 1));
    if reverse && kind != RangeKind::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let mut query = RangeQuery {
        kind,
        reverse,
        rank: (0, 0),
        score: None,
        lex: None,
        offset,
        limit,
        with_scores: with_scores || call.store,
    };
    match kind {
        RangeKind::Rank => query.rank = (parse_i64(lo)?, parse_i64(hi)?),
        RangeKind::Score => query.score = Some(ScoreRange::parse(lo, hi)?),
        RangeKind::Lex => query.lex = Some(LexRange::parse(lo, hi)?),
    }
    Ok(query)
}

/// The elements a range query selects, in reply order.
fn run_range(z: &ZSetValue, q: &RangeQuery) -> Vec<(Vec<u8>, f64)> {
    let len = z.len();
    let (from, to) = match q.kind {
        RangeKind::Rank => match index_range(q.rank.0, q.rank.1, len) {
            None => return Vec::new(),
            Some((start, end)) if q.reverse => (len - end, len - start),
            Some(range) => range,
        },
        RangeKind::Score => score_ranks(z, q.score.as_ref().expect("parsed")),
        RangeKind::Lex => lex_ranks(z, q.lex.as_ref().expect("parsed"), q.reverse),
    };
    if q.offset < 0 || from >= to {
        return Vec::new();
    }
    let available = to - from;
    let skip = usize::try_from(q.offset)
        .unwrap_or(usize::MAX)
        .min(available);
    let take = if q.limit < 0 {
        available - skip
    } else {
        (available - skip).min(q.limit as usize)
    };
    if take == 0 {
        return Vec::new();
    }
    let owned = |(m, s): (&[u8], f64)| (m.to_vec(), s);
    if q.reverse {
        z.descending_from(to - 1 - skip)
            .take(take)
            .map(owned)
            .collect()
    } else {
        z.ascending_from(from + skip)
            .take(take)
            .map(owned)
            .collect()
    }
}

fn range_command(ctx: &mut Ctx<'_, '_>, call: RangeCall) -> CommandResult {
    let query = parse_range(ctx, &call)?;
    let key = ctx.arg(if call.store { 2 } else { 1 });
    let items = match zset(ctx.db.lookup_read(key))? {
        Some(z) => run_range(z, &query),
        None => Vec::new(),
    };
    if call.store {
        let destination = ctx.arg(1);
        let count = items.len();
        store_result(ctx, destination, items, "zrangestore");
        ctx.out.integer(count as i64);
    } else {
        reply_elements(ctx, &items, query.with_scores);
    }
    Ok(())
}

fn zrange(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    range_command(
        ctx,
        RangeCall {
            kind: None,
            reverse: None,
            at: 2,
            store: false,
        },
    )
}
fn zrangestore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    range_command(
        ctx,
        RangeCall {
            kind: None,
            reverse: None,
            at: 3,
            store: true,
        },
    )
}
fn zrevrange(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    range_command(
        ctx,
        RangeCall {
            kind: Some(RangeKind::Rank),
            reverse: Some(true),
            at: 2,
            store: false,
        },
    )
}
fn zrangebyscore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    range_command(
        ctx,
        RangeCall {
            kind: Some(RangeKind::Score),
            reverse: Some(false),
            at: 2,
            store: false,
        },
    )
}
fn zrevrangebyscore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    range_command(
        ctx,
        RangeCall {
            kind: Some(RangeKind::Score),
            reverse: Some(true),
            at: 2,
            store: false,
        },
    )
}
fn zrangebylex(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    range_command(
        ctx,
        RangeCall {
            kind: Some(RangeKind::Lex),
            reverse: Some(false),
            at: 2,
            store: false,
        },
    )
}
fn zrevrangebylex(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    range_command(
        ctx,
        RangeCall {
            kind: Some(RangeKind::Lex),
            reverse: Some(true),
            at: 2,
            store: false,
        },
    )
}

/// Stores `items` as a new sorted set under `destination` (deleting it
/// when empty), with the encoding Redis picks for a result, raising
/// `event`; propagates the command when it changed anything.
fn store_result(
    ctx: &mut Ctx<'_, '_>,
    destination: &[u8],
    items: Vec<(Vec<u8>, f64)>,
    event: &'static str,
) {
    let stored = !items.is_empty();
    let limits = limits(ctx);
    let result = stored.then(|| {
        let mut z = ZSetValue::with_hint(usize::MAX, 0, limits);
        for (member, score) in &items {
            z.insert_limited(member, *score, limits);
        }
        z.settle_encoding(limits);
        Value::ZSet(Box::new(z))
    });
    if ctx
        .db
        .store_result(destination, result, EventClass::ZSet, event)
    {
        if stored {
            ctx.db.signal_ready(destination);
        }
        ctx.propagate_as_is();
    }
}

// ---------------------------------------------------------------- ZREMRANGEBY*

fn zremrangebyrank(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let start = parse_i64(ctx.arg(2))?;
    let stop = parse_i64(ctx.arg(3))?;
    remove_range(ctx, "zremrangebyrank", |z| {
        index_range(start, stop, z.len()).unwrap_or((0, 0))
    })
}

fn zremrangebyscore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let range = ScoreRange::parse(ctx.arg(2), ctx.arg(3))?;
    remove_range(ctx, "zremrangebyscore", |z| score_ranks(z, &range))
}

fn zremrangebylex(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let range = LexRange::parse(ctx.arg(2), ctx.arg(3))?;
    remove_range(ctx, "zremrangebylex", |z| lex_ranks(z, &range, false))
}

fn remove_range(
    ctx: &mut Ctx<'_, '_>,
    event: &'static str,
    ranks: impl Fn(&ZSetValue) -> (usize, usize),
) -> CommandResult {
    let key = ctx.arg(1);
    let Some(z) = zset_mut(ctx.db.lookup_mut(key))? else {
        ctx.out.integer(0);
        return Ok(());
    };
    let (from, to) = ranks(z);
    let doomed: Vec<Vec<u8>> = z
        .ascending_from(from)
        .take(to.saturating_sub(from))
        .map(|(m, _)| m.to_vec())
        .collect();
    for member in &doomed {
        z.remove(member);
    }
    if !doomed.is_empty() {
        finish_change(ctx, key, event, doomed.len() as u64);
        ctx.propagate_as_is();
    }
    ctx.out.integer(doomed.len() as i64);
    Ok(())
}

// ---------------------------------------------------------------- pops

/// Which end a pop takes from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PopEnd {
    Min,
    Max,
}

impl PopEnd {
    fn command(self) -> &'static [u8] {
        match self {
            PopEnd::Min => b"ZPOPMIN",
            PopEnd::Max => b"ZPOPMAX",
        }
    }

    fn event(self) -> &'static str {
        match self {
            PopEnd::Min => "zpopmin",
            PopEnd::Max => "zpopmax",
        }
    }
}

fn zpopmin(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    pop(ctx, PopEnd::Min)
}
fn zpopmax(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    pop(ctx, PopEnd::Max)
}

/// ZPOPMIN/ZPOPMAX key [count]; also the non-blocking attempt of
/// BZPOPMIN/BZPOPMAX.
fn pop(ctx: &mut Ctx<'_, '_>, end: PopEnd) -> CommandResult {
    if ctx.argc() > 3 {
        return Err(CommandError::Syntax);
    }
    let count = match ctx.argv.get(2) {
        Some(text) => Some(parse_positive(text)? as usize),
        None => None,
    };
    let key = ctx.arg(1);
    if zset(ctx.db.lookup(key))?.is_none() {
        ctx.out.array(0);
        return Ok(());
    }
    let items = pop_from(ctx, key, end, count.unwrap_or(1));
    if !items.is_empty() {
        ctx.propagate_as_is();
    }
    let nested = count.is_some() && ctx.out.protocol() == Protocol::Resp3;
    if nested {
        reply_elements(ctx, &items, true);
    } else {
        ctx.out.array(2 * items.len());
        for (member, score) in &items {
            ctx.out.bulk(member);
            ctx.out.double(*score);
        }
    }
    Ok(())
}

/// Pops up to `count` elements from the sorted set under `key` (which must
/// exist), deleting it when emptied.
fn pop_from(ctx: &mut Ctx<'_, '_>, key: &[u8], end: PopEnd, count: usize) -> Vec<(Vec<u8>, f64)> {
    let Ok(Some(z)) = zset_mut(ctx.db.lookup_mut(key)) else {
        return Vec::new();
    };
    let mut items = Vec::with_capacity(count.min(z.len()));
    while items.len() < count {
        let rank = match end {
            PopEnd::Min => 0,
            PopEnd::Max => z.len().wrapping_sub(1),
        };
        let Some((member, score)) = z.get_by_rank(rank).map(|(m, s)| (m.to_vec(), s)) else {
            break;
        };
        z.remove(&member);
        items.push((member, score));
    }
    if !items.is_empty() {
        finish_change(ctx, key, end.event(), items.len() as u64);
    }
    items
}

fn bzpopmin(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    blocking_pop(ctx, PopEnd::Min)
}
fn bzpopmax(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    blocking_pop(ctx, PopEnd::Max)
}

/// BZPOPMIN/BZPOPMAX key [key ...] timeout: pops one element from the first
/// non-empty sorted set, replying `[key, member, score]` and propagating
/// ZPOPMIN/ZPOPMAX key; a null array when all are empty (inside MULTI, or
/// for the server to block on).
fn blocking_pop(ctx: &mut Ctx<'_, '_>, end: PopEnd) -> CommandResult {
    parse_timeout(ctx.arg(ctx.argc() - 1))?;
    for i in 1..ctx.argc() - 1 {
        let key = ctx.arg(i);
        if zset(ctx.db.lookup(key))?.is_none() {
            continue;
        }
        let items = pop_from(ctx, key, end, 1);
        ctx.db
            .propagate(vec![Bytes::from_static(end.command()), ctx.argv.bytes(i)]);
        let (member, score) = &items[0];
        ctx.out.array(3);
        ctx.out.bulk(key);
        ctx.out.bulk(member);
        ctx.out.double(*score);
        return Ok(());
    }
    ctx.out.null_array();
    Ok(())
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count].
fn bzmpop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    mpop_from(ctx, 2, true)
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
fn zmpop(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    mpop_from(ctx, 1, false)
}

/// The ZMPOP arguments from `numkeys` at `at` on; BZMPOP's timeout
/// (`blocking`) is checked after them, as Redis checks it.
fn mpop_from(ctx: &mut Ctx<'_, '_>, at: usize, blocking: bool) -> CommandResult {
    let (keys, at) = parse_numkeys(ctx, at)?;
    let end = parse_pop_end(ctx.arg(at))?;
    let count = parse_mpop_count(ctx, at + 1)?;
    if blocking {
        parse_timeout(ctx.arg(1))?;
    }
    if !multi_pop(ctx, keys, end, count)? {
        ctx.out.null_array();
    }
    Ok(())
}

/// MIN / MAX.
pub fn parse_pop_end(text: &[u8]) -> CommandResult<PopEnd> {
    if text.eq_ignore_ascii_case(b"min") {
        Ok(PopEnd::Min)
    } else if text.eq_ignore_ascii_case(b"max") {
        Ok(PopEnd::Max)
    } else {
        Err(CommandError::Syntax)
    }
}

/// Pops from the first non-empty sorted set among the keys at `keys`;
/// replies `[key, [[member, score], ...]]` and propagates ZPOPMIN/ZPOPMAX
/// key n. False when all are empty (the caller replies).
pub fn multi_pop(
    ctx: &mut Ctx<'_, '_>,
    keys: std::ops::Range<usize>,
    end: PopEnd,
    count: usize,
) -> CommandResult<bool> {
    for i in keys {
        let key = ctx.arg(i);
        if zset(ctx.db.lookup(key))?.is_none() {
            continue;
        }
        let items = pop_from(ctx, key, end, count);
        ctx.db.propagate(vec![
            Bytes::from_static(end.command()),
            ctx.argv.bytes(i),
            Bytes::from(items.len().to_string()),
        ]);
        ctx.out.array(2);
        ctx.out.bulk(key);
        ctx.out.array(items.len());
        for (member, score) in &items {
            ctx.out.array(2);
            ctx.out.bulk(member);
            ctx.out.double(*score);
        }
        return Ok(true);
    }
    Ok(false)
}

// ---------------------------------------------------------------- random and scan

/// ZRANDMEMBER key [count [WITHSCORES]].
fn zrandmember(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    check_random_args(ctx, b"withscores")?;
    let Some(Draw {
        count,
        picks,
        whole,
    }) = draw(ctx, |v| Ok(zset(v)?.map(ZSetValue::len)))?
    else {
        return Ok(());
    };
    let Some(z) = zset(ctx.db.lookup(ctx.argv[1].as_ref()))? else {
        return Err(CommandError::NoSuchKey);
    };
    let items: Vec<(Vec<u8>, f64)> = if whole {
        // Redis replies the whole set from the highest rank down.
        z.descending_from(z.len() - 1)
            .map(|(m, s)| (m.to_vec(), s))
            .collect()
    } else if z.is_compact() {
        // Positions in a packed set cost a scan each: decode it once.
        let all: Vec<(&[u8], f64)> = z.iter().collect();
        picks
            .iter()
            .map(|&i| (all[i].0.to_vec(), all[i].1))
            .collect()
    } else {
        picks
            .iter()
            .filter_map(|&i| z.get_index(i))
            .map(|(m, s)| (m.to_vec(), s))
            .collect()
    };
    if count.is_none() {
        ctx.out.bulk(&items[0].0);
        return Ok(());
    }
    reply_elements(ctx, &items, ctx.argc() == 4);
    Ok(())
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count].
fn zscan(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let cursor = parse_cursor(ctx.arg(2))?;
    let Some(z) = zset(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        write_scan_reply(ctx.out, 0, &[]);
        return Ok(());
    };
    let options = ScanOptions::parse(ctx.argv.slice(3..))?;
    let (items, next): (Vec<(&[u8], f64)>, u64) = if z.is_compact() {
        (z.iter().collect(), 0)
    } else {
        let (positions, next) = scan_positions(cursor, z.len(), options.count);
        (
            positions.iter().filter_map(|&i| z.get_index(i)).collect(),
            next,
        )
    };
    let compact = z.is_compact();
    let scores: Vec<(&[u8], String)> = items
        .into_iter()
        .filter(|(m, _)| options.wants(m))
        .map(|(m, s)| (m, scan_score_text(s, compact)))
        .collect();
    let flat: Vec<&[u8]> = scores
        .iter()
        .flat_map(|(m, s)| [*m, s.as_bytes()])
        .collect();
    write_scan_reply(ctx.out, next, &flat);
    Ok(())
}

/// A score as ZSCAN shows it: what Redis 7.0 stored, which for a packed
/// (listpack) set is an integer when the score is integral and within
/// 2^62 (its `double2ll`), else the `%.17g` text.
fn scan_score_text(score: f64, compact: bool) -> String {
    const LIMIT: f64 = (i64::MAX / 2) as f64;
    if compact && (-LIMIT..=LIMIT).contains(&score) && score == (score as i64) as f64 {
        (score as i64).to_string()
    } else {
        resp_codec::encode::format_double(score)
    }
}

// ---------------------------------------------------------------- algebra

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// An input of the algebra: a sorted set, or a plain set (scores of 1).
enum Source<'a> {
    Missing,
    ZSet(&'a ZSetValue),
    Set(&'a SetValue),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::ZSet(z) => z.len(),
            Source::Set(s) => s.len(),
        }
    }
    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::ZSet(z) => z.score(member),
            Source::Set(s) => s.contains(member).then_some(1.0),
        }
    }
    fn elements(&self) -> Vec<(Vec<u8>, f64)> {
        match self {
            Source::Missing => Vec::new(),
            Source::ZSet(z) => z.iter().map(|(m, s)| (m.to_vec(), s)).collect(),
            Source::Set(s) => s.iter().map(|m| (m.into_owned(), 1.0)).collect(),
        }
    }
}

fn aggregate(into: &mut f64, value: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *into += value;
            if into.is_nan() {
                *into = 0.0;
            }
        }
        Aggregate::Min => *into = into.min(value),
        Aggregate::Max => *into = into.max(value),
    }
}

/// The parsed arguments of ZUNION/ZINTER/ZDIFF (+STORE).
struct AlgebraCall {
    keys: std::ops::Range<usize>,
    weights: Vec<f64>,
    aggregate: Aggregate,
    with_scores: bool,
}

/// Looks the inputs up (expiring them, counting hits) before any option is
/// parsed, as Redis does: WRONGTYPE wins over a bad option.
fn check_sources(ctx: &mut Ctx<'_, '_>, keys: std::ops::Range<usize>) -> CommandResult {
    for i in keys {
        match ctx.db.lookup_read(&ctx.argv[i]) {
            None | Some(Value::ZSet(_)) | Some(Value::Set(_)) => {}
            Some(_) => return Err(CommandError::WrongType),
        }
    }
    Ok(())
}

/// `numkeys key...` of the sorted set algebra (its own error texts).
fn parse_algebra_keys(ctx: &Ctx<'_, '_>, at: usize) -> CommandResult<std::ops::Range<usize>> {
    let numkeys = parse_i64(ctx.arg(at))?;
    if numkeys < 1 {
        return Err(CommandError::owned(format!(
            "ERR at least 1 input key is needed for '{}' command",
            ctx.spec.name
        )));
    }
    let first = at + 1;
    if numkeys as u64 > (ctx.argc() - first) as u64 {
        return Err(CommandError::Syntax);
    }
    Ok(first..first + numkeys as usize)
}

fn parse_algebra(
    ctx: &mut Ctx<'_, '_>,
    op: Op,
    at: usize,
    store: bool,
) -> CommandResult<AlgebraCall> {
    let keys = parse_algebra_keys(ctx, at)?;
    check_sources(ctx, keys.clone())?;
    let (first, n) = (keys.start, keys.len());
    let mut call = AlgebraCall {
        keys: first..first + n,
        weights: vec![1.0; n],
        aggregate: Aggregate::Sum,
        with_scores: false,
    };
    let mut j = first + n;
    while j < ctx.argc() {
        let remaining = ctx.argc() - j - 1;
        let word = ctx.arg(j);
        if op != Op::Diff && remaining >= n && word.eq_ignore_ascii_case(b"weights") {
            for (i, weight) in call.weights.iter_mut().enumerate() {
                *weight = crate::collection_args::parse_double(ctx.arg(j + 1 + i))
                    .ok_or(CommandError::text("ERR weight value is not a float"))?;
            }
            j += n;
        } else if op != Op::Diff && remaining >= 1 && word.eq_ignore_ascii_case(b"aggregate") {
            let how = ctx.arg(j + 1);
            call.aggregate = if how.eq_ignore_ascii_case(b"sum") {
                Aggregate::Sum
            } else if how.eq_ignore_ascii_case(b"min") {
                Aggregate::Min
            } else if how.eq_ignore_ascii_case(b"max") {
                Aggregate::Max
            } else {
                return Err(CommandError::Syntax);
            };
            j += 1;
        } else if !store && word.eq_ignore_ascii_case(b"withscores") {
            call.with_scores = true;
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    Ok(call)
}

/// Runs the algebra over inputs `check_sources` has vetted; the result
/// sorted by (score, member).
fn compute(
    ctx: &mut Ctx<'_, '_>,
    op: Op,
    call: &AlgebraCall,
) -> CommandResult<Vec<(Vec<u8>, f64)>> {
    let db = &ctx.db.state.dbs[ctx.db.index];
    let mut sources: Vec<(Source<'_>, f64)> = call
        .keys
        .clone()
        .zip(&call.weights)
        .map(|(i, &w)| {
            let source = match db.get(&ctx.argv[i]) {
                Some(Value::ZSet(z)) => Source::ZSet(z),
                Some(Value::Set(s)) => Source::Set(s),
                _ => Source::Missing,
            };
            (source, w)
        })
        .collect();
    let weighted = |score: f64, weight: f64| {
        let v = score * weight;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let mut result: Vec<(Vec<u8>, f64)> = match op {
        Op::Inter => {
            sources.sort_by_key(|(s, _)| s.len());
            let Some(((smallest, w0), rest)) = sources.split_first() else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            'members: for (member, score) in smallest.elements() {
                let mut total = weighted(score, *w0);
                for (other, w) in rest {
                    match other.score(&member) {
                        Some(s) => aggregate(&mut total, weighted(s, *w), call.aggregate),
                        None => continue 'members,
                    }
                }
                out.push((member, total));
            }
            out
        }
        Op::Union => {
            // Any map will do: the result is sorted below.
            let mut totals: hashbrown::HashMap<Vec<u8>, f64> = hashbrown::HashMap::new();
            for (source, w) in &sources {
                for (member, score) in source.elements() {
                    let value = weighted(score, *w);
                    match totals.get_mut(&member) {
                        Some(total) => aggregate(total, value, call.aggregate),
                        None => {
                            totals.insert(member, value);
                        }
                    }
                }
            }
            totals.into_iter().collect()
        }
        Op::Diff => {
            let Some(((first, _), rest)) = sources.split_first() else {
                return Ok(Vec::new());
            };
            first
                .elements()
                .into_iter()
                .filter(|(m, _)| rest.iter().all(|(s, _)| s.score(m).is_none()))
                .collect()
        }
    };
    result.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(result)
}

fn algebra_reply(ctx: &mut Ctx<'_, '_>, op: Op) -> CommandResult {
    let call = parse_algebra(ctx, op, 1, false)?;
    let result = compute(ctx, op, &call)?;
    reply_elements(ctx, &result, call.with_scores);
    Ok(())
}

fn algebra_store(ctx: &mut Ctx<'_, '_>, op: Op) -> CommandResult {
    let call = parse_algebra(ctx, op, 2, true)?;
    let result = compute(ctx, op, &call)?;
    let count = result.len();
    let event = match op {
        Op::Union => "zunionstore",
        Op::Inter => "zinterstore",
        Op::Diff => "zdiffstore",
    };
    store_result(ctx, ctx.arg(1), result, event);
    ctx.out.integer(count as i64);
    Ok(())
}

fn zunion(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    algebra_reply(ctx, Op::Union)
}
fn zinter(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    algebra_reply(ctx, Op::Inter)
}
fn zdiff(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    algebra_reply(ctx, Op::Diff)
}
fn zunionstore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    algebra_store(ctx, Op::Union)
}
fn zinterstore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    algebra_store(ctx, Op::Inter)
}
fn zdiffstore(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    algebra_store(ctx, Op::Diff)
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit].
fn zintercard(ctx: &mut Ctx<'_, '_>) -> CommandResult {
    let keys = parse_algebra_keys(ctx, 1)?;
    check_sources(ctx, keys.clone())?;
    let after = keys.end;
    let limit = parse_card_limit(ctx.argv.slice(after..))?;
    let call = AlgebraCall {
        weights: vec![1.0; keys.len()],
        keys,
        aggregate: Aggregate::Sum,
        with_scores: false,
    };
    let count = compute(ctx, Op::Inter, &call)?.len();
    ctx.out
        .integer(if limit == 0 { count } else { count.min(limit) } as i64);
    Ok(())
}
