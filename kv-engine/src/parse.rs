//! Argument parsing as Redis does it (`string2ll`, `string2ld`): the rules
//! decide which texts are numbers, so they must match Redis exactly.

use crate::error::CommandError;

/// Parses a whole argument as a signed 64-bit integer: optional `-`, digits,
/// no spaces, no `+`, no leading zeros (except `0` itself), no overflow.
pub fn parse_i64(text: &[u8]) -> Result<i64, CommandError> {
    crate::value::string::parse_canonical_i64(text).ok_or(CommandError::NotInteger)
}

/// Whether `arg` is the option word `word` as Redis compares them
/// (`strcasecmp` on C strings): case-insensitively, the argument read up to
/// its first NUL byte.
pub fn is_word(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

/// An argument as Redis's C code reads it where it uses C string
/// functions (`strcasecmp`, `strtod`, `strcoll`): up to its first NUL.
pub fn c_str(arg: &[u8]) -> &[u8] {
    arg.iter()
        .position(|&b| b == 0)
        .map_or(arg, |nul| &arg[..nul])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_words_are_c_strings() {
        assert!(is_word(b"Nx", "nx"));
        assert!(is_word(b"nx\0junk", "nx"));
        assert!(!is_word(b"nxx", "nx"));
        assert!(!is_word(b"", "nx"));
    }
}
