//! Quoting of binary strings for display, as redis-cli shows bulk strings:
//! inside double quotes, with `\n \r \t \a \b \\ \"` escaped and every other
//! byte outside printable ASCII written as `\xHH`.

/// Appends `bytes` to `out`, quoted.
pub fn quote_into(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    for &byte in bytes {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(byte),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\x");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0x0f)]);
            }
        }
    }
    out.push(b'"');
}

/// `bytes`, quoted, as a new string (the result is always ASCII).
pub fn quote(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    quote_into(&mut out, bytes);
    String::from_utf8(out).expect("quoted text is ASCII")
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn printable_ascii_is_kept() {
        assert_eq!(quote(b"Hello World ~!"), "\"Hello World ~!\"");
    }

    #[test]
    fn control_and_high_bytes_are_escaped() {
        assert_eq!(
            quote(b"a\x01\x7f\xff\"\\\n\r\t\x07\x08 \xc3\xa9"),
            r#""a\x01\x7f\xff\"\\\n\r\t\a\b \xc3\xa9""#
        );
    }

    #[test]
    fn empty_string_is_two_quotes() {
        assert_eq!(quote(b""), "\"\"");
    }
}
