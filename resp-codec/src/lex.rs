//! The lexical pieces both parsers share: finding line ends (nom's
//! streaming combinators, which search with memchr) and reading lengths
//! the strict way Redis's `string2ll` does.

use nom::bytes::streaming::take_until;
use nom::IResult;

/// Where the next `\r` is, searching `input` from its start; `None` if
/// there is none yet.
pub(crate) fn find_cr(input: &[u8]) -> Option<usize> {
    let found: IResult<&[u8], &[u8]> = take_until(&b"\r"[..])(input);
    found.ok().map(|(_, before)| before.len())
}

/// Where the next `\n` is; `None` if there is none yet.
pub(crate) fn find_lf(input: &[u8]) -> Option<usize> {
    let found: IResult<&[u8], &[u8]> = take_until(&b"\n"[..])(input);
    found.ok().map(|(_, before)| before.len())
}

/// Redis's `string2ll`: an optional `-`, then digits without leading
/// zeros (`0` alone is fine, `-0` is not), no `+`, no spaces, in range.
pub(crate) fn parse_length(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        None => return None,
        Some((b'-', rest)) => (true, rest),
        Some(_) => (false, text),
    };
    match digits {
        [] => return None,
        [b'0'] if !negative => return Some(0),
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    let mut magnitude: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if magnitude > i64::MAX as u64 + 1 {
            return None;
        }
        Some((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_follow_string2ll() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0", Some(0)),
            (b"7", Some(7)),
            (b"-1", Some(-1)),
            (b"9223372036854775807", Some(i64::MAX)),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"9223372036854775808", None),
            (b"-9223372036854775809", None),
            (b"", None),
            (b"-", None),
            (b"-0", None),
            (b"01", None),
            (b"+1", None),
            (b" 1", None),
            (b"1 ", None),
            (b"1a", None),
        ];
        for (text, expect) in cases {
            assert_eq!(
                parse_length(text),
                *expect,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn line_ends_are_found_or_not() {
        assert_eq!(find_cr(b"abc\r\n"), Some(3));
        assert_eq!(find_cr(b"abc"), None);
        assert_eq!(find_lf(b"\n"), Some(0));
        assert_eq!(find_lf(b""), None);
    }
}
