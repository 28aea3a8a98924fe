//! HSCAN/SSCAN/ZSCAN: cursor and option parsing, Redis's glob matching,
//! and the cursor walk over a dense collection.
//!
//! Compact collections reply everything at once with cursor 0, as Redis
//! does. Large ones (entries in a dense vector whose removals move the last
//! entry into the hole) are walked from the highest position down: an entry
//! moved by a removal comes from above the cursor into a hole below it or
//! into visited ground, so every entry present for the whole scan is
//! returned at least once, which is SCAN's guarantee.

use crate::error::{CommandError, CommandResult};
use crate::parse::parse_i64;
use bytes::Bytes;

/// The parsed options of a collection SCAN.
pub struct ScanOptions<'a> {
    pattern: Option<&'a [u8]>,
    pub count: usize,
}

/// Parses the cursor as Redis does (`strtoul`: an optional sign, digits,
/// no overflow; `-n` wraps), else "invalid cursor".
pub fn parse_cursor(text: &[u8]) -> CommandResult<u64> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = std::str::from_utf8(digits)
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or(CommandError::text("ERR invalid cursor"))?;
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

impl<'a> ScanOptions<'a> {
    /// `[MATCH pattern] [COUNT count]` in `args`.
    pub fn parse(args: &'a [Bytes]) -> CommandResult<ScanOptions<'a>> {
        let mut options = ScanOptions {
            pattern: None,
            count: 10,
        };
        let mut i = 0;
        while i < args.len() {
            let has_value = i + 1 < args.len();
            if args[i].eq_ignore_ascii_case(b"count") && has_value {
                let n = parse_i64(&args[i + 1])?;
                if n < 1 {
                    return Err(CommandError::Syntax);
                }
                options.count = n as usize;
            } else if args[i].eq_ignore_ascii_case(b"match") && has_value {
                let pattern: &[u8] = &args[i + 1];
                options.pattern = (pattern != b"*").then_some(pattern);
            } else {
                return Err(CommandError::Syntax);
            }
            i += 2;
        }
        Ok(options)
    }

    /// True when `item` passes the MATCH filter.
    pub fn wants(&self, item: &[u8]) -> bool {
        self.pattern.is_none_or(|p| glob_match(p, item, false))
    }
}

/// Positions to visit this call in a collection of `len` dense entries,
/// highest first, and the cursor to reply.
pub fn scan_positions(cursor: u64, len: usize, count: usize) -> (Vec<usize>, u64) {
    if len == 0 {
        return (Vec::new(), 0);
    }
    let top = if cursor == 0 {
        len - 1
    } else {
        usize::try_from(cursor - 1)
            .unwrap_or(usize::MAX)
            .min(len - 1)
    };
    let low = (top + 1).saturating_sub(count);
    let positions = (low..=top).rev().collect();
    (positions, low as u64)
}

/// Redis's glob (`stringmatchlen`): `*`, `?`, `[...]` with `^` and ranges,
/// and `\` escapes.
pub fn glob_match(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    glob_at(pattern, text, nocase, 0)
}

fn glob_at(mut p: &[u8], mut s: &[u8], nocase: bool, depth: u32) -> bool {
    // Redis caps the recursion too (it fails the match past 1000 levels).
    if depth > 1000 {
        return false;
    }
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    while let Some(&c) = p.first() {
        match c {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                for start in 0..=s.len() {
                    if glob_at(&p[1..], &s[start..], nocase, depth + 1) {
                        return true;
                    }
                }
                return false;
            }
            b'?' => {
                if s.is_empty() {
                    return false;
                }
                s = &s[1..];
            }
            b'[' => {
                let Some(&ch) = s.first() else {
                    return false;
                };
                p = &p[1..];
                let negate = p.first() == Some(&b'^');
                if negate {
                    p = &p[1..];
                }
                let mut matched = false;
                loop {
                    match p {
                        [] => break,
                        [b']', ..] => break,
                        [b'\\', e, rest @ ..] => {
                            matched |= eq(*e, ch);
                            p = rest;
                        }
                        [a, b'-', b, rest @ ..] => {
                            let (lo, hi) = if a <= b { (*a, *b) } else { (*b, *a) };
                            let c = if nocase { ch.to_ascii_lowercase() } else { ch };
                            let (lo, hi) = if nocase {
                                (lo.to_ascii_lowercase(), hi.to_ascii_lowercase())
                            } else {
                                (lo, hi)
                            };
                            matched |= (lo..=hi).contains(&c);
                            p = rest;
                        }
                        [a, rest @ ..] => {
                            matched |= eq(*a, ch);
                            p = rest;
                        }
                    }
                }
                if matched == negate {
                    return false;
                }
                s = &s[1..];
                if p.is_empty() {
                    // An unterminated class ends the pattern.
                    return s.is_empty();
                }
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if s.first().is_none_or(|&x| !eq(x, p[0])) {
                    return false;
                }
                s = &s[1..];
            }
            _ => {
                if s.first().is_none_or(|&x| !eq(x, c)) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
        if s.is_empty() {
            return p.iter().all(|&c| c == b'*');
        }
    }
    s.is_empty()
}

/// `[cursor, [items...]]`.
pub fn write_scan_reply(out: &mut resp_codec::ReplyWriter<'_>, cursor: u64, items: &[&[u8]]) {
    out.array(2);
    let mut scratch = [0u8; 20];
    let cursor = resp_codec::encode::format_i64(&mut scratch, cursor as i64);
    out.bulk(cursor);
    out.array(items.len());
    for item in items {
        out.bulk(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_like_redis() {
        assert!(glob_match(b"*", b"anything", false));
        assert!(glob_match(b"h?llo", b"hello", false));
        assert!(glob_match(b"h*llo", b"heeeello", false));
        assert!(glob_match(b"h[ae]llo", b"hallo", false));
        assert!(!glob_match(b"h[^e]llo", b"hello", false));
        assert!(glob_match(b"h[a-b]llo", b"hbllo", false));
        assert!(glob_match(b"h\\*llo", b"h*llo", false));
        assert!(!glob_match(b"h\\*llo", b"hello", false));
        assert!(glob_match(b"f*", b"f", false));
        assert!(!glob_match(b"f?", b"f", false));
        assert!(glob_match(b"HELLO", b"hello", true));
        assert!(!glob_match(b"a*b", b"acbd", false));
    }

    #[test]
    fn scan_walks_down_to_zero() {
        let (first, cursor) = scan_positions(0, 25, 10);
        assert_eq!(first.first(), Some(&24));
        assert_eq!(cursor, 15);
        let (second, cursor) = scan_positions(cursor, 25, 10);
        assert_eq!(second, (5..=14).rev().collect::<Vec<_>>());
        let (third, cursor) = scan_positions(cursor, 25, 10);
        assert_eq!(third, (0..=4).rev().collect::<Vec<_>>());
        assert_eq!(cursor, 0);
    }
}
