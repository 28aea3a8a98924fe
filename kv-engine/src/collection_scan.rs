//! HSCAN/SSCAN/ZSCAN: cursor and option parsing (MATCH uses `crate::glob`)
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
use resp_codec::Argv;

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
    pub fn parse(args: Argv<'a>) -> CommandResult<ScanOptions<'a>> {
        let mut options = ScanOptions {
            pattern: None,
            count: 10,
        };
        let mut i = 0;
        while i < args.len() {
            let has_value = i + 1 < args.len();
            if args[i].eq_ignore_ascii_case(b"count") && has_value {
                let n = parse_i64(args.arg(i + 1))?;
                if n < 1 {
                    return Err(CommandError::Syntax);
                }
                options.count = n as usize;
            } else if args[i].eq_ignore_ascii_case(b"match") && has_value {
                let pattern: &[u8] = args.arg(i + 1);
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
        self.pattern
            .is_none_or(|p| crate::glob::glob_match(p, item))
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
