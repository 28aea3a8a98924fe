//! The string type, in the forms Redis's OBJECT ENCODING tells apart:
//! integers kept as integers (`int`), short strings kept whole and
//! compact (`embstr`), and strings changed in place with room to grow
//! (`raw`).
//!
//! Layout, chosen to be lean per key (a `StrValue` is 24 bytes, so a
//! `Value` is too):
//! - `Int`: a canonical decimal stored as the number. Redis shares one
//!   object among all keys holding the same integer below 10000 (OBJECT
//!   REFCOUNT says 2147483647); `OwnInt` is such an integer with an
//!   object of its own, which only COPY makes (refcount 1).
//! - `Small`: up to 22 bytes inside the value, no allocation at all (the
//!   10-byte values of `redis-benchmark -d 10` cost nothing beyond the
//!   keyspace entry).
//! - `Fixed`: written whole by SET and friends, one exact-size allocation.
//! - `Growable`: what APPEND, SETRANGE, SETBIT, BITFIELD and BITOP make and
//!   change in place; spare capacity so repeated appends stay linear.
//!
//! Redis's rule for the name: SET-like commands store `int` when the text
//! is a canonical integer, `embstr` up to 44 bytes, `raw` above; in-place
//! changes always leave `raw`.

/// A string value. `Int` is a decimal that reads back to exactly the same
/// text (no leading zeros, no `+`, no `-0`). Two values are equal when
/// their bytes are, whatever their forms (compare `encoding()` for those).
#[derive(Clone, Debug)]
pub enum StrValue {
    Int(i64),
    OwnInt(i64),
    Small { len: u8, bytes: [u8; SMALL_MAX] },
    Fixed(Box<[u8]>),
    Growable(Box<Vec<u8>>),
}

impl PartialEq for StrValue {
    fn eq(&self, other: &StrValue) -> bool {
        match (self, other) {
            (StrValue::Int(a), StrValue::Int(b)) => a == b,
            _ => {
                let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
                self.as_bytes(&mut a) == other.as_bytes(&mut b)
            }
        }
    }
}

impl Eq for StrValue {}

/// Redis's `OBJ_SHARED_INTEGERS`: the integers with one shared object.
const SHARED_INTEGERS: i64 = 10_000;

/// Strings up to this long live inside the value.
pub const SMALL_MAX: usize = 22;
/// Redis's embstr limit: longer strings are `raw` whatever made them.
pub const EMBSTR_MAX: usize = 44;

impl StrValue {
    /// Stores `bytes` as SET does (Redis's `tryObjectEncoding`): as an
    /// integer when its text is canonical, else as a compact string.
    #[inline]
    pub fn from_bytes(bytes: &[u8]) -> StrValue {
        match parse_canonical_i64(bytes) {
            Some(n) => StrValue::Int(n),
            None => StrValue::plain(bytes),
        }
    }

    /// Stores `bytes` as a compact string, never as an integer (Redis's
    /// `createStringObject`: INCRBYFLOAT's result reads `embstr`).
    pub fn plain(bytes: &[u8]) -> StrValue {
        if bytes.len() <= SMALL_MAX {
            StrValue::Small {
                len: bytes.len() as u8,
                bytes: small_copy(bytes),
            }
        } else {
            StrValue::Fixed(bytes.into())
        }
    }

    /// A string made to be changed in place (`raw`).
    pub fn growable(bytes: Vec<u8>) -> StrValue {
        StrValue::Growable(Box::new(bytes))
    }

    /// The value's bytes (integers are formatted into `scratch`).
    pub fn as_bytes<'a>(&'a self, scratch: &'a mut [u8; 20]) -> &'a [u8] {
        match self {
            StrValue::Int(n) | StrValue::OwnInt(n) => resp_codec::encode::format_i64(scratch, *n),
            StrValue::Small { len, bytes } => &bytes[..*len as usize],
            StrValue::Fixed(bytes) => bytes,
            StrValue::Growable(bytes) => bytes,
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

    /// The value as a 64-bit integer, if its text is one (Redis's
    /// `string2ll`, which accepts exactly the canonical texts).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            StrValue::Int(n) | StrValue::OwnInt(n) => Some(*n),
            other => parse_canonical_i64(other.as_bytes(&mut [0u8; 20])),
        }
    }

    /// The bytes for changing in place, converting the value to the `raw`
    /// form first (Redis's `dbUnshareStringValue`).
    pub fn make_growable(&mut self) -> &mut Vec<u8> {
        if !matches!(self, StrValue::Growable(_)) {
            *self = StrValue::growable(self.to_vec());
        }
        match self {
            StrValue::Growable(bytes) => bytes,
            _ => unreachable!("converted above"),
        }
    }

    /// OBJECT REFCOUNT: integers below 10000 are shared objects in Redis
    /// (refcount INT_MAX) unless COPY gave the key its own.
    pub fn refcount(&self) -> i64 {
        match self {
            StrValue::Int(n) if (0..SHARED_INTEGERS).contains(n) => i64::from(i32::MAX),
            _ => 1,
        }
    }

    /// The value COPY stores: Redis duplicates the object, so a shared
    /// integer becomes one of its own.
    pub fn copied(&self) -> StrValue {
        match self {
            StrValue::Int(n) => StrValue::OwnInt(*n),
            other => other.clone(),
        }
    }

    /// What OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            StrValue::Int(_) | StrValue::OwnInt(_) => "int",
            StrValue::Small { .. } => "embstr",
            StrValue::Fixed(bytes) if bytes.len() <= EMBSTR_MAX => "embstr",
            StrValue::Fixed(_) | StrValue::Growable(_) => "raw",
        }
    }

    /// Bytes this value holds on the heap (what its allocations ask for).
    pub fn heap_bytes(&self) -> usize {
        match self {
            StrValue::Int(_) | StrValue::OwnInt(_) | StrValue::Small { .. } => 0,
            StrValue::Fixed(bytes) => bytes.len(),
            StrValue::Growable(bytes) => std::mem::size_of::<Vec<u8>>() + bytes.capacity(),
        }
    }
}

/// Parses `bytes` as an i64 only if formatting it back gives the same bytes.
/// `bytes` (at most `SMALL_MAX` of them) zero padded, copied with a few
/// overlapping fixed-size moves rather than a call to `memcpy`: every SET
/// of a short value makes one.
#[inline]
fn small_copy(bytes: &[u8]) -> [u8; SMALL_MAX] {
    let n = bytes.len();
    debug_assert!(n <= SMALL_MAX);
    let mut small = [0u8; SMALL_MAX];
    if n >= 8 {
        small[..8].copy_from_slice(&bytes[..8]);
        if n > 16 {
            small[8..16].copy_from_slice(&bytes[8..16]);
        }
        small[n - 8..n].copy_from_slice(&bytes[n - 8..]);
    } else if n >= 4 {
        small[..4].copy_from_slice(&bytes[..4]);
        small[n - 4..n].copy_from_slice(&bytes[n - 4..]);
    } else if n > 0 {
        small[0] = bytes[0];
        small[n / 2] = bytes[n / 2];
        small[n - 1] = bytes[n - 1];
    }
    small
}

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
    fn small_copy_is_the_bytes_zero_padded_for_every_length() {
        let source: Vec<u8> = (1..=SMALL_MAX as u8).collect();
        for n in 0..=SMALL_MAX {
            let mut expected = [0u8; SMALL_MAX];
            expected[..n].copy_from_slice(&source[..n]);
            assert_eq!(small_copy(&source[..n]), expected, "length {n}");
        }
    }

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
        let long = [b'x'; 100];
        for text in [
            &b"123"[..],
            b"abc",
            b"-5",
            b"007",
            b"",
            &long[..22],
            &long[..23],
            &long,
        ] {
            let mut scratch = [0u8; 20];
            assert_eq!(StrValue::from_bytes(text).as_bytes(&mut scratch), text);
            assert_eq!(StrValue::plain(text).as_bytes(&mut scratch), text);
        }
        assert_eq!(StrValue::from_bytes(b"42"), StrValue::Int(42));
        assert!(matches!(StrValue::from_bytes(b"42"), StrValue::Int(42)));
        assert_eq!(StrValue::plain(b"42"), StrValue::Int(42));
        assert_eq!(StrValue::growable(b"ab".to_vec()), StrValue::plain(b"ab"));
        assert_ne!(StrValue::plain(b"ab"), StrValue::plain(b"abc"));
    }

    #[test]
    fn encodings_follow_redis() {
        let long = [b'x'; 45];
        assert_eq!(StrValue::from_bytes(b"42").encoding(), "int");
        assert_eq!(StrValue::plain(b"42").encoding(), "embstr");
        assert_eq!(StrValue::from_bytes(&long[..22]).encoding(), "embstr");
        assert_eq!(StrValue::from_bytes(&long[..44]).encoding(), "embstr");
        assert_eq!(StrValue::from_bytes(&long).encoding(), "raw");
        let mut v = StrValue::from_bytes(b"7");
        v.make_growable().push(b'1');
        assert_eq!(v.encoding(), "raw");
        assert_eq!(v.as_i64(), Some(71));
    }

    #[test]
    fn a_string_value_is_three_words() {
        assert_eq!(std::mem::size_of::<StrValue>(), 24);
        assert_eq!(std::mem::size_of::<crate::value::Value>(), 24);
    }
}
