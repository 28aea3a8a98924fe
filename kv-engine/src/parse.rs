//! Argument parsing as Redis does it (`string2ll`, `string2ld`): the rules
//! decide which texts are numbers, so they must match Redis exactly.

use crate::error::CommandError;

/// Parses a whole argument as a signed 64-bit integer: optional `-`, digits,
/// no spaces, no `+`, no leading zeros (except `0` itself), no overflow.
pub fn parse_i64(text: &[u8]) -> Result<i64, CommandError> {
    crate::value::string::parse_canonical_i64(text).ok_or(CommandError::NotInteger)
}
