//! Argument parsing shared by the collection commands, with Redis's rules
//! and error texts: counts, doubles (`strtod` as Redis checks it), score
//! ranges (`(` exclusive, `-inf`/`+inf`) and lex ranges (`[`, `(`, `-`, `+`).

use crate::error::{CommandError, CommandResult};
use crate::parse::parse_i64;
use resp_codec::Argv;

/// A count that must be >= 0 ("value is out of range, must be positive").
pub fn parse_positive(text: &[u8]) -> CommandResult<i64> {
    parse_at_least(text, 0, "ERR value is out of range, must be positive")
}

/// An integer >= `min`; `error` for anything else, non-numbers included
/// (Redis's getRangeLongFromObjectOrReply with a message).
pub fn parse_at_least(text: &[u8], min: i64, error: &'static str) -> CommandResult<i64> {
    match parse_i64(text) {
        Ok(n) if n >= min => Ok(n),
        _ => Err(CommandError::text(error)),
    }
}

/// Parses a double as Redis's `strtod` checks do: no leading space, the
/// whole text consumed, no NaN, no overflow to infinity, no underflow to 0.
pub fn parse_double(text: &[u8]) -> Option<f64> {
    if let Some(value) = small_integer(text) {
        return Some(value);
    }
    let s = std::str::from_utf8(text).ok()?;
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let unsigned = s.trim_start_matches(['+', '-']);
    if s.len() - unsigned.len() > 1 {
        return None;
    }
    let lower = unsigned.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        let value = parse_hex_double(hex)?;
        // Overflow and underflow to zero are range errors Redis refuses.
        let nonzero_digits = hex
            .split('p')
            .next()
            .is_some_and(|d| d.bytes().any(|b| b.is_ascii_hexdigit() && b != b'0'));
        if value.is_infinite() || (value == 0.0 && nonzero_digits) {
            return None;
        }
        return Some(if s.starts_with('-') { -value } else { value });
    }
    if !lower
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'))
    {
        return None;
    }
    let value: f64 = s.parse().ok()?;
    if value.is_nan() || value.is_infinite() {
        return None;
    }
    if value == 0.0 {
        let mantissa = lower.split('e').next().unwrap_or("");
        if mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            return None;
        }
    }
    Some(value)
}

/// The common score, a plain integer (`[+-]` and up to 15 digits): exact
/// as a double, so read without the general path's checks and copies.
fn small_integer(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n = 0u64;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    let value = n as f64;
    Some(if negative { -value } else { value })
}

/// The hexadecimal form `strtod` also reads (after `0x`, lower case):
/// hex digits with an optional point, then an optional binary exponent
/// `p[+-]N`; correctly rounded (half to even), subnormals kept, infinity
/// on overflow and zero on underflow (as strtod, which also flags them).
fn parse_hex_double(text: &str) -> Option<f64> {
    let (digits, exponent) = match text.split_once('p') {
        Some((digits, e)) => {
            let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let magnitude = unsigned.parse::<i64>().unwrap_or(100_000).min(100_000);
            (
                digits,
                if e.starts_with('-') {
                    -magnitude
                } else {
                    magnitude
                },
            )
        }
        None => (text, 0),
    };
    // The leading 60 bits of the mantissa, exactly; a sticky bit for the
    // rest.
    let (mut mantissa, mut scale, mut sticky) = (0u64, exponent, false);
    let (mut any_digit, mut after_point) = (false, false);
    for c in digits.chars() {
        if c == '.' && !after_point {
            after_point = true;
            continue;
        }
        let d = u64::from(c.to_digit(16)?);
        any_digit = true;
        if mantissa < 1 << 60 {
            mantissa = mantissa * 16 + d;
            scale -= if after_point { 4 } else { 0 };
        } else {
            sticky |= d != 0;
            scale += if after_point { 0 } else { 4 };
        }
    }
    if !any_digit {
        return None;
    }
    if mantissa == 0 {
        return Some(0.0);
    }
    let bits = i64::from(64 - mantissa.leading_zeros());
    let top = bits - 1 + scale;
    if top > 1023 {
        return Some(f64::INFINITY);
    }
    // Significant bits the result keeps: 53, fewer for a subnormal.
    let precision = if top >= -1022 { 53 } else { 53 - (-1022 - top) };
    if precision < 0 {
        // Below half the smallest subnormal: underflow.
        return Some(0.0);
    }
    let shift = bits - precision;
    let (mut kept, mut exp) = if shift > 0 {
        let kept = if shift >= 64 { 0 } else { mantissa >> shift };
        let half = if shift > 64 {
            false
        } else {
            mantissa >> (shift - 1) & 1 == 1
        };
        let rest = sticky || (shift > 1 && mantissa & ((1u64 << (shift - 1).min(63)) - 1) != 0);
        let round_up = half && (rest || kept & 1 == 1);
        (kept + u64::from(round_up), scale + shift)
    } else {
        (mantissa, scale)
    };
    if kept == 0 {
        return Some(0.0);
    }
    while kept >= 1 << 53 {
        kept >>= 1;
        exp += 1;
    }
    let mut value = kept as f64;
    // Exact scaling by powers of two, in steps that stay in range.
    while exp > 0 {
        let step = exp.min(1000);
        value *= 2f64.powi(step as i32);
        exp -= step;
    }
    while exp < 0 {
        let step = (-exp).min(1000);
        value /= 2f64.powi(step as i32);
        exp += step;
    }
    Some(value)
}

/// A double argument, or "value is not a valid float".
pub fn double_arg(text: &[u8]) -> CommandResult<f64> {
    parse_double(text).ok_or(CommandError::NotFloat)
}

/// One end of a score range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreBound {
    pub value: f64,
    pub exclusive: bool,
}

/// `min max` of ZRANGEBYSCORE and friends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: ScoreBound,
    pub max: ScoreBound,
}

impl ScoreRange {
    pub fn parse(min: &[u8], max: &[u8]) -> CommandResult<ScoreRange> {
        let bound = |text: &[u8]| -> Option<ScoreBound> {
            match text.split_first() {
                Some((b'(', rest)) => parse_score_bound(rest).map(|value| ScoreBound {
                    value,
                    exclusive: true,
                }),
                _ => parse_score_bound(text).map(|value| ScoreBound {
                    value,
                    exclusive: false,
                }),
            }
        };
        match (bound(min), bound(max)) {
            (Some(min), Some(max)) => Ok(ScoreRange { min, max }),
            _ => Err(CommandError::text("ERR min or max is not a float")),
        }
    }

    pub fn above_min(&self, score: f64) -> bool {
        if self.min.exclusive {
            score > self.min.value
        } else {
            score >= self.min.value
        }
    }

    pub fn below_max(&self, score: f64) -> bool {
        if self.max.exclusive {
            score < self.max.value
        } else {
            score <= self.max.value
        }
    }

    pub fn contains(&self, score: f64) -> bool {
        self.above_min(score) && self.below_max(score)
    }

    /// True when no score can be in the range.
    pub fn is_empty(&self) -> bool {
        self.min.value > self.max.value
            || (self.min.value == self.max.value && (self.min.exclusive || self.max.exclusive))
    }
}

/// Range ends are parsed with plain `strtod` (NaN is refused, overflow is
/// allowed), as zslParseRange does.
fn parse_score_bound(text: &[u8]) -> Option<f64> {
    // Redis's zslParseRange: plain strtod on the C string, then only "all
    // of it consumed" and "not NaN". So leading spaces are fine, an empty
    // text is 0, and overflow is an infinity.
    let text = crate::parse::c_str(text);
    if text.is_empty() {
        return Some(0.0);
    }
    let s = std::str::from_utf8(text).ok()?;
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = unsigned.to_ascii_lowercase();
    let value = if let Some(hex) = lower.strip_prefix("0x") {
        parse_hex_double(hex)?
    } else if lower == "inf" || lower == "infinity" {
        f64::INFINITY
    } else if !lower.is_empty()
        && !lower.starts_with(['+', '-'])
        && lower
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'))
    {
        lower.parse::<f64>().ok()?
    } else {
        return None;
    };
    Some(if negative { -value } else { value })
}

/// One end of a lex range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`
    Min,
    /// `+`
    Max,
    Inclusive(Vec<u8>),
    Exclusive(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

impl LexRange {
    pub fn parse(min: &[u8], max: &[u8]) -> CommandResult<LexRange> {
        let bound = |text: &[u8]| -> Option<LexBound> {
            match text {
                b"-" => Some(LexBound::Min),
                b"+" => Some(LexBound::Max),
                [b'[', rest @ ..] => Some(LexBound::Inclusive(rest.to_vec())),
                [b'(', rest @ ..] => Some(LexBound::Exclusive(rest.to_vec())),
                _ => None,
            }
        };
        match (bound(min), bound(max)) {
            (Some(min), Some(max)) => Ok(LexRange { min, max }),
            _ => Err(CommandError::text(
                "ERR min or max not valid string range item",
            )),
        }
    }

    pub fn above_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(m) => member >= m.as_slice(),
            LexBound::Exclusive(m) => member > m.as_slice(),
        }
    }

    pub fn below_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(m) => member <= m.as_slice(),
            LexBound::Exclusive(m) => member < m.as_slice(),
        }
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.above_min(member) && self.below_max(member)
    }

    /// True when no member can be in the range (zslIsInLexRange's check).
    pub fn is_empty(&self) -> bool {
        let text = |b: &LexBound| match b {
            LexBound::Inclusive(m) | LexBound::Exclusive(m) => Some(m.clone()),
            _ => None,
        };
        match (&self.min, &self.max) {
            (LexBound::Max, _) | (_, LexBound::Min) => true,
            (LexBound::Min, _) | (_, LexBound::Max) => false,
            (min, max) => {
                let (a, b) = (text(min), text(max));
                a > b
                    || (a == b
                        && (matches!(min, LexBound::Exclusive(_))
                            || matches!(max, LexBound::Exclusive(_))))
            }
        }
    }
}

/// Converts Redis's inclusive `start stop` (negative from the end) into a
/// half-open `start..end` over `len` elements; None when empty.
pub fn index_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        len + stop
    } else {
        stop.min(len - 1)
    };
    if start > stop || start >= len {
        return None;
    }
    Some((start as usize, stop as usize + 1))
}

/// `[LIMIT limit]` of SINTERCARD/ZINTERCARD (0: no limit).
pub fn parse_card_limit(args: Argv<'_>) -> CommandResult<usize> {
    let mut limit = 0usize;
    let mut i = 0;
    while i < args.len() {
        if args[i].eq_ignore_ascii_case(b"limit") && i + 1 < args.len() {
            limit = parse_at_least(args.arg(i + 1), 0, "ERR LIMIT can't be negative")? as usize;
            i += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    Ok(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bounds_read_as_zslparserange() {
        let bound = |t: &[u8]| parse_score_bound(t);
        assert_eq!(bound(b""), Some(0.0));
        assert_eq!(bound(b" 1"), Some(1.0));
        assert_eq!(bound(b"\t-2.5"), Some(-2.5));
        assert_eq!(bound(b"1e400"), Some(f64::INFINITY));
        assert_eq!(bound(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(bound(b"0x10"), Some(16.0));
        assert_eq!(bound(b"1\x00junk"), Some(1.0));
        assert_eq!(bound(b"1 "), None);
        assert_eq!(bound(b" "), None);
        assert_eq!(bound(b"nan"), None);
        assert_eq!(bound(b"x"), None);
        assert_eq!(bound(b"--1"), None);
    }

    #[test]
    fn plain_integers_read_as_the_general_path_reads_them() {
        for text in [
            "0",
            "-0",
            "+0",
            "7",
            "-7",
            "+7",
            "007",
            "123456789012345",
            "-999999999999999",
            "1234567890123456",
            "99999999999999999999",
            "",
            "-",
            "+",
            "+-1",
            "1-",
            "1.",
            "1e3",
            " 1",
            "1 ",
            "١",
        ] {
            let general = std::str::from_utf8(text.as_bytes())
                .ok()
                .filter(|t| !t.is_empty() && !t.starts_with(' ') && !t.ends_with(' '))
                .filter(|t| !t.starts_with("+-") && !t.ends_with('-'))
                .and_then(|t| t.parse::<f64>().ok());
            let got = parse_double(text.as_bytes());
            assert_eq!(got.map(f64::to_bits), general.map(f64::to_bits), "{text:?}");
        }
        assert_eq!(
            small_integer(b"1234567890123456"),
            None,
            "16 digits take the general path"
        );
        assert_eq!(
            small_integer(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
    }

    #[test]
    fn hex_doubles_round_as_strtod() {
        assert_eq!(parse_double(b"0x10"), Some(16.0));
        assert_eq!(parse_double(b"-0x1p-2"), Some(-0.25));
        assert_eq!(parse_double(b"0X1.8P1"), Some(3.0));
        assert_eq!(parse_double(b"0x.8"), Some(0.5));
        assert_eq!(parse_double(b"0x1fffffffffffff"), Some(9007199254740991.0));
        // 2^53 + 1 rounds to even (2^53), 2^53 + 3 up to 2^53 + 4.
        assert_eq!(parse_double(b"0x20000000000001"), Some(9007199254740992.0));
        assert_eq!(parse_double(b"0x20000000000003"), Some(9007199254740996.0));
        assert_eq!(parse_double(b"0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(parse_double(b"0x1p1023"), Some(2f64.powi(1023)));
        assert_eq!(parse_double(b"0x1p1024"), None);
        assert_eq!(parse_double(b"0x1p-1080"), None);
        assert_eq!(parse_double(b"0x1p-1075"), None);
        assert_eq!(parse_double(b"0x1.1p-1075"), Some(f64::from_bits(1)));
        assert_eq!(parse_double(b"0x"), None);
        assert_eq!(parse_double(b"0x1p"), None);
        assert_eq!(parse_double(b"0x1g"), None);
    }

    #[test]
    fn doubles_follow_strtod_checks() {
        assert_eq!(parse_double(b"1.5"), Some(1.5));
        assert_eq!(parse_double(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double(b"+INF"), Some(f64::INFINITY));
        assert_eq!(parse_double(b".5"), Some(0.5));
        assert_eq!(parse_double(b"1e3"), Some(1000.0));
        assert_eq!(parse_double(b"nan"), None);
        assert_eq!(parse_double(b" 1"), None);
        assert_eq!(parse_double(b"1 "), None);
        assert_eq!(parse_double(b"1e400"), None);
        assert_eq!(parse_double(b"1e-400"), None);
        assert_eq!(parse_double(b"0e5"), Some(0.0));
        assert_eq!(parse_double(b""), None);
        assert_eq!(parse_double(b"abc"), None);
    }

    #[test]
    fn index_ranges_clamp_like_redis() {
        assert_eq!(index_range(0, -1, 3), Some((0, 3)));
        assert_eq!(index_range(-100, 100, 3), Some((0, 3)));
        assert_eq!(index_range(2, 1, 3), None);
        assert_eq!(index_range(5, 10, 3), None);
        assert_eq!(index_range(0, -4, 3), None);
    }
}
