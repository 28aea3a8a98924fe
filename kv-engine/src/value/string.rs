//! The string type: integers kept as integers, everything else as bytes.

/// A string value. `Int` is Redis's `int` encoding: a decimal that reads back
/// to exactly the same text (no leading zeros, no `+`, no `-0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrValue {
    Int(i64),
    Raw(Box<[u8]>),
}

impl StrValue {
    /// Stores `bytes`, as an integer when its text is canonical.
    pub fn from_bytes(bytes: &[u8]) -> StrValue {
        match parse_canonical_i64(bytes) {
            Some(n) => StrValue::Int(n),
            None => StrValue::Raw(bytes.into()),
        }
    }

    /// The value's bytes (integers are formatted into `scratch`).
    pub fn as_bytes<'a>(&'a self, scratch: &'a mut [u8; 20]) -> &'a [u8] {
        match self {
            StrValue::Int(n) => resp_codec::encode::format_i64(scratch, *n),
            StrValue::Raw(bytes) => bytes,
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut scratch = [0u8; 20];
        self.as_bytes(&mut scratch).to_vec()
    }

    pub fn len(&self) -> usize {
        let mut scratch = [0u8; 20];
        self.as_bytes(&mut scratch).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Parses `bytes` as an i64 only if formatting it back gives the same bytes.
pub fn parse_canonical_i64(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let (negative, digits) = match bytes[0] {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || negative)) {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(d - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(digit)?
        } else {
            value.checked_add(digit)?
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integers_only() {
        assert_eq!(parse_canonical_i64(b"0"), Some(0));
        assert_eq!(parse_canonical_i64(b"-12"), Some(-12));
        assert_eq!(parse_canonical_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_canonical_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_canonical_i64(b"9223372036854775808"), None);
        assert_eq!(parse_canonical_i64(b"01"), None);
        assert_eq!(parse_canonical_i64(b"-0"), None);
        assert_eq!(parse_canonical_i64(b"+1"), None);
        assert_eq!(parse_canonical_i64(b" 1"), None);
        assert_eq!(parse_canonical_i64(b""), None);
    }

    #[test]
    fn bytes_round_trip() {
        for text in [&b"123"[..], b"abc", b"-5", b"007", b""] {
            let mut scratch = [0u8; 20];
            assert_eq!(StrValue::from_bytes(text).as_bytes(&mut scratch), text);
        }
        assert_eq!(StrValue::from_bytes(b"42"), StrValue::Int(42));
    }
}
