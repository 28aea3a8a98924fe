//! Random members for HRANDFIELD, SRANDMEMBER, ZRANDMEMBER and SPOP, with
//! Redis's count rules. Every draw comes from the engine's seeded source
//! (`Db::random_u64`), so a run replays exactly.

use crate::context::Ctx;
use crate::error::{CommandError, CommandResult};
use crate::parse::parse_i64;
use crate::value::Value;

/// The largest count a random-members call may ask for (repeats allowed).
pub const MAX_DRAW: u64 = 1 << 24;

/// What a *RANDMEMBER/HRANDFIELD call drew.
pub struct Draw {
    /// The count argument, if given.
    pub count: Option<i64>,
    /// Positions (0..len) to reply, in order.
    pub picks: Vec<usize>,
    /// The whole collection was asked for (a count >= its size): Redis
    /// replies it in its own iteration order.
    pub whole: bool,
}

/// Parses `key [count]`, looks the key up with `len_of` (the collection's
/// size, or WRONGTYPE), and draws. On a missing key it writes the reply (nil,
/// or an empty array with a count) and returns None.
/// HRANDFIELD / ZRANDMEMBER key [count [`word`]]: the count is parsed
/// before the rest is looked at, as Redis does (a bad count is its error,
/// not a syntax error).
pub fn check_random_args(ctx: &Ctx<'_, '_>, word: &[u8]) -> CommandResult {
    let argc = ctx.argc();
    if argc >= 3 {
        parse_random_count(ctx.arg(2))?;
    }
    if argc > 4 || (argc == 4 && !ctx.arg(3).eq_ignore_ascii_case(word)) {
        return Err(CommandError::Syntax);
    }
    Ok(())
}

pub fn draw(
    ctx: &mut Ctx<'_, '_>,
    len_of: fn(Option<&Value>) -> CommandResult<Option<usize>>,
) -> CommandResult<Option<Draw>> {
    let count = match ctx.argv.get(2) {
        Some(text) => Some(parse_random_count(text)?),
        None => None,
    };
    let Some(len) = len_of(ctx.db.lookup_read(ctx.argv[1].as_ref()))? else {
        match count {
            Some(_) => ctx.out.array(0),
            None => ctx.out.null(),
        }
        return Ok(None);
    };
    if count.is_some_and(|c| c.unsigned_abs() > MAX_DRAW) {
        // Redis 7.0 tries to reply with that many elements and dies; we
        // refuse instead.
        return Err(CommandError::text("ERR value is out of range"));
    }
    let picks = match count {
        None => vec![(ctx.db.random_u64() % len as u64) as usize],
        Some(count) => random_picks(&mut || ctx.db.random_u64(), len, count),
    };
    let whole = count.is_some_and(|c| c >= 0) && picks.len() == len;
    Ok(Some(Draw {
        count,
        picks,
        whole,
    }))
}

/// The count of HRANDFIELD/SRANDMEMBER/ZRANDMEMBER: any i64 but i64::MIN.
pub fn parse_random_count(text: &[u8]) -> CommandResult<i64> {
    let n = parse_i64(text)?;
    if n == i64::MIN {
        return Err(CommandError::text("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    }
    Ok(n)
}

/// Positions for a random-members reply over `len` entries: `count >= 0`
/// picks distinct positions (all of them, in order, when `count >= len`),
/// a negative count picks `-count` positions with repeats.
pub fn random_picks(random: &mut dyn FnMut() -> u64, len: usize, count: i64) -> Vec<usize> {
    if count < 0 {
        let n = count.unsigned_abs();
        return (0..n).map(|_| (random() % len as u64) as usize).collect();
    }
    let count = count as usize;
    if count >= len {
        return (0..len).collect();
    }
    // Selection sampling: each position is kept with probability
    // needed / remaining, which picks a uniform subset in position order.
    let mut picks = Vec::with_capacity(count);
    for i in 0..len {
        let needed = (count - picks.len()) as u64;
        if needed == 0 {
            break;
        }
        if random() % ((len - i) as u64) < needed {
            picks.push(i);
        }
    }
    picks
}
