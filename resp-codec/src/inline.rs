//! Inline commands: a line typed into telnet (`SET a "b c"`), split into
//! arguments with Redis's quoting rules (those of `sdssplitargs`, which
//! redis-cli uses for its prompt too).
//!
//! - Arguments are separated by whitespace (space, `\t`, `\n`, `\v`, `\f`,
//!   `\r`); a NUL byte ends the line, as the C string it is in Redis.
//! - `"..."` understands `\n \r \t \b \a \\ \"`, `\xHH` with two hex digits,
//!   and `\` before anything else stands for that thing.
//! - `'...'` understands only `\'`.
//! - A quote may start inside a word (`a"b c"` is `ab c`), but a closing
//!   quote must be followed by whitespace or the end: anything else, or a
//!   missing closing quote, is an error ("unbalanced quotes").

/// Splits `line` into arguments; `None` if the quotes do not balance.
pub fn split_inline_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() || line[p] == 0 {
            return Some(args);
        }
        let (arg, next) = split_one(line, p)?;
        args.push(arg);
        p = next;
    }
}

/// C's `isspace` in the "C" locale.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[derive(Clone, Copy, PartialEq)]
enum Quote {
    None,
    Double,
    Single,
}

/// One argument starting at `start`; returns it and where scanning goes on.
fn split_one(line: &[u8], start: usize) -> Option<(Vec<u8>, usize)> {
    let mut arg = Vec::new();
    let mut quote = Quote::None;
    let mut p = start;
    loop {
        let byte = line.get(p).copied().filter(|&b| b != 0);
        match quote {
            Quote::None => match byte {
                None => return Some((arg, p)),
                Some(b) if is_space(b) => return Some((arg, p)),
                Some(b'"') => quote = Quote::Double,
                Some(b'\'') => quote = Quote::Single,
                Some(b) => arg.push(b),
            },
            Quote::Double => match byte? {
                b'\\'
                    if p + 3 < line.len()
                        && line[p + 1] == b'x'
                        && hex(line[p + 2]).is_some()
                        && hex(line[p + 3]).is_some() =>
                {
                    arg.push(hex(line[p + 2])? * 16 + hex(line[p + 3])?);
                    p += 3;
                }
                b'\\' if p + 1 < line.len() && line[p + 1] != 0 => {
                    p += 1;
                    arg.push(match line[p] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                }
                b'"' => {
                    closes(line, p)?;
                    return Some((arg, p + 1));
                }
                b => arg.push(b),
            },
            Quote::Single => match byte? {
                b'\\' if line.get(p + 1) == Some(&b'\'') => {
                    p += 1;
                    arg.push(b'\'');
                }
                b'\'' => {
                    closes(line, p)?;
                    return Some((arg, p + 1));
                }
                b => arg.push(b),
            },
        }
        p += 1;
    }
}

/// A closing quote at `p` must be followed by whitespace or the end.
fn closes(line: &[u8], p: usize) -> Option<()> {
    match line.get(p + 1) {
        None | Some(0) => Some(()),
        Some(&b) if is_space(b) => Some(()),
        Some(_) => None,
    }
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::split_inline_args;

    fn check(line: &str, expect: Option<&[&[u8]]>) {
        let got = split_inline_args(line.as_bytes());
        let expect = expect.map(|args| args.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
        assert_eq!(got, expect, "line {line:?}");
    }

    #[test]
    fn words_and_whitespace() {
        check("PING", Some(&[b"PING"]));
        check("  set  a\tb  ", Some(&[b"set", b"a", b"b"]));
        check("", Some(&[]));
        check(" \t ", Some(&[]));
        check("a\x0bb\x0cc", Some(&[b"a", b"b", b"c"]));
    }

    #[test]
    fn double_quotes_and_escapes() {
        check(r#"SET a "b c""#, Some(&[b"SET", b"a", b"b c"]));
        check(r#""a\nb\r\t\b\a\\\"z""#, Some(&[b"a\nb\r\t\x08\x07\\\"z"]));
        check(r#""\x41\x7a\xff""#, Some(&[b"Az\xff"]));
        // An incomplete \x escape is a plain `x` after a backslash.
        check(r#""\x4""#, Some(&[b"x4"]));
        check(r#""\q""#, Some(&[b"q"]));
        check(r#""""#, Some(&[b""]));
        check(r#"a"b c"d"#, None);
        check(r#"a"b c""#, Some(&[b"ab c"]));
    }

    #[test]
    fn single_quotes() {
        check(r"'it\'s' x", Some(&[b"it's", b"x"]));
        check(r"'a\nb'", Some(&[b"a\\nb"]));
        check(r"''", Some(&[b""]));
    }

    #[test]
    fn unbalanced_quotes_fail() {
        check(r#""abc"#, None);
        check(r"'abc", None);
        check(r#""abc"x"#, None);
        check(r"'abc'x", None);
        check(r#""abc\"#, None);
    }

    #[test]
    fn nul_ends_the_line() {
        check("a b\0c d", Some(&[b"a", b"b"]));
    }
}
