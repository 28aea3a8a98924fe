//! Glob patterns exactly as Redis matches them (KEYS, SCAN MATCH, and later
//! PSUBSCRIBE, CONFIG GET): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`.
//!
//! The corner cases follow Redis 7.0's `stringmatchlen` byte for byte: an
//! unterminated `[` class ends at the pattern's end, a `\` at the very end is
//! a literal backslash, range ends compare as signed chars and swap when
//! reversed, `\` inside a class matches the next byte case-sensitively even
//! in `nocase` mode, and more than 1000 nested `*` never match (Redis's guard
//! against abusive patterns).

/// True when `subject` matches `pattern` (case-sensitive).
pub fn glob_match(pattern: &[u8], subject: &[u8]) -> bool {
    matches(pattern, subject, false)
}

/// `glob_match`, ignoring ASCII case.
pub fn glob_match_nocase(pattern: &[u8], subject: &[u8]) -> bool {
    matches(pattern, subject, true)
}

/// True when the pattern matches every key (`*`), so callers can skip it.
pub fn matches_everything(pattern: &[u8]) -> bool {
    pattern == b"*"
}

fn matches(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
    let mut give_up = false;
    match_from(pattern, subject, nocase, &mut give_up, 0)
}

/// Redis's limit on `*` recursion depth.
const NESTING_MAX: u32 = 1000;

/// The byte at `i`, or 0 past the end (Redis reads the string's NUL).
fn at(bytes: &[u8], i: usize) -> u8 {
    bytes.get(i).copied().unwrap_or(0)
}

fn fold(byte: u8, nocase: bool) -> u8 {
    if nocase {
        byte.to_ascii_lowercase()
    } else {
        byte
    }
}

/// Matches `p` against `s`. `give_up` is set once the rest of a pattern
/// after a `*` matched nowhere in the remaining subject: then no earlier `*`
/// can help either, which keeps patterns like `*a*a*a*b` linear-ish.
fn match_from(p: &[u8], s: &[u8], nocase: bool, give_up: &mut bool, nesting: u32) -> bool {
    if nesting > NESTING_MAX {
        return false;
    }
    let (mut p, mut s) = (p, s);
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if match_from(&p[1..], s, nocase, give_up, nesting + 1) {
                        return true;
                    }
                    if *give_up {
                        return false;
                    }
                    s = &s[1..];
                }
                *give_up = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                let (matched, last) = match_class(&p[1..], s[0], nocase);
                if !matched {
                    return false;
                }
                // Stand on the class's last byte; the advance below skips it.
                p = &p[last..];
                s = &s[1..];
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if fold(p[0], nocase) != fold(s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
            literal => {
                if fold(literal, nocase) != fold(s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
        if s.is_empty() {
            while at(p, 0) == b'*' {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

/// Matches `c` against the class that starts at `p` (just after `[`).
/// Returns whether it matched and the index, counted from the `[`, of the
/// class's last byte: its `]`, or the pattern's last byte when unterminated.
fn match_class(p: &[u8], c: u8, nocase: bool) -> (bool, usize) {
    let mut i = 0;
    let negate = at(p, 0) == b'^';
    if negate {
        i += 1;
    }
    let mut matched = false;
    loop {
        let remaining = p.len().saturating_sub(i);
        let here = at(p, i);
        if here == b'\\' && remaining >= 2 {
            i += 1;
            if p[i] == c {
                matched = true;
            }
        } else if here == b']' && remaining > 0 {
            return (matched != negate, i + 1);
        } else if remaining == 0 {
            // Unterminated: the last byte is the one before the end.
            return (matched != negate, i);
        } else if remaining >= 3 && p[i + 1] == b'-' {
            // Redis compares chars, which are signed on the platforms it runs.
            let (mut start, mut end) = (p[i] as i8, p[i + 2] as i8);
            let mut ch = c as i8;
            if start > end {
                std::mem::swap(&mut start, &mut end);
            }
            if nocase {
                start = (start as u8).to_ascii_lowercase() as i8;
                end = (end as u8).to_ascii_lowercase() as i8;
                ch = c.to_ascii_lowercase() as i8;
            }
            i += 2;
            if ch >= start && ch <= end {
                matched = true;
            }
        } else if fold(here, nocase) == fold(c, nocase) {
            matched = true;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        // Redis's matcher never matches an empty subject against `*`
        // (KEYS and SCAN special-case the lone `*` before matching).
        assert!(!glob_match(b"*", b""));
        assert!(glob_match(b"a*", b"a"));
        assert!(glob_match(b"h?llo", b"hello"));
        assert!(!glob_match(b"h?llo", b"hllo"));
        assert!(glob_match(b"h*llo", b"heeeello"));
        assert!(glob_match(b"h[ae]llo", b"hallo"));
        assert!(!glob_match(b"h[^e]llo", b"hello"));
        assert!(glob_match(b"h[a-b]llo", b"hbllo"));
        assert!(glob_match(b"h[b-a]llo", b"hbllo"));
        assert!(glob_match(b"h\\*llo", b"h*llo"));
        assert!(!glob_match(b"h\\*llo", b"hello"));
        assert!(glob_match_nocase(b"HeLLo", b"hello"));
    }

    #[test]
    fn unterminated_class_and_trailing_backslash() {
        assert!(glob_match(b"a[bc", b"ab"));
        assert!(glob_match(b"[^", b"x"));
        assert!(glob_match(b"a\\", b"a\\"));
        assert!(!glob_match(b"[", b"x"));
    }
}
