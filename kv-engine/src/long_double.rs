//! Redis's `long double` arithmetic for HINCRBYFLOAT (x87 80-bit: a 64-bit
//! mantissa), done exactly in software: `strtold`'s correctly rounded
//! parse, an exactly rounded add, and the `%.17Lf`-then-trim text Redis
//! replies and stores (`ld2string(..., LD_STR_HUMAN)`). With f64 instead,
//! `0.1 + 0.2` would read `0.30000000000000004` where Redis says `0.3`.

use std::cmp::Ordering;

/// An unsigned big integer, little-endian 32-bit limbs, no leading zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(n: u64) -> Big {
        let mut b = Big(vec![n as u32, (n >> 32) as u32]);
        b.trim();
        b
    }
    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
    fn bits(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => 32 * (self.0.len() as u64 - 1) + u64::from(32 - top.leading_zeros()),
        }
    }
    fn bit(&self, i: u64) -> bool {
        self.0
            .get((i / 32) as usize)
            .is_some_and(|limb| limb >> (i % 32) & 1 == 1)
    }
    /// True when any bit below `i` is set.
    fn any_below(&self, i: u64) -> bool {
        let whole = (i / 32) as usize;
        self.0.iter().take(whole).any(|&l| l != 0)
            || (!i.is_multiple_of(32)
                && self
                    .0
                    .get(whole)
                    .is_some_and(|&l| l & ((1u32 << (i % 32)) - 1) != 0))
    }
    fn mul_add_small(&mut self, mul: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(mul) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }
    fn pow10(n: u32) -> Big {
        let mut b = Big::from_u64(1);
        for _ in 0..n {
            b.mul_add_small(10, 0);
        }
        b
    }
    fn mul(&self, other: &Big) -> Big {
        let mut out = vec![0u32; self.0.len() + other.0.len()];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in other.0.iter().enumerate() {
                let v = u64::from(out[i + j]) + u64::from(a) * u64::from(b) + carry;
                out[i + j] = v as u32;
                carry = v >> 32;
            }
            out[i + other.0.len()] = carry as u32;
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    fn shl(&self, n: u64) -> Big {
        let (limbs, bits) = ((n / 32) as usize, n % 32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push(l << bits | carry);
                carry = l >> (32 - bits);
            }
        }
        out.push(carry);
        let mut b = Big(out);
        b.trim();
        b
    }
    fn shr(&self, n: u64) -> Big {
        let (limbs, bits) = ((n / 32) as usize, n % 32);
        if limbs >= self.0.len() {
            return Big(Vec::new());
        }
        let src = &self.0[limbs..];
        let mut out = Vec::with_capacity(src.len());
        for (i, &l) in src.iter().enumerate() {
            let high = src.get(i + 1).copied().unwrap_or(0);
            out.push(if bits == 0 {
                l
            } else {
                l >> bits | high << (32 - bits)
            });
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
    fn add(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len().max(other.0.len()) + 1);
        let mut carry = 0u64;
        for i in 0..self.0.len().max(other.0.len()) {
            let v = u64::from(self.0.get(i).copied().unwrap_or(0))
                + u64::from(other.0.get(i).copied().unwrap_or(0))
                + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }
    /// `self - other`, which must not be negative.
    fn sub(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = i64::from(self.0[i]) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            out.push((v + (borrow << 32)) as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    /// (quotient, remainder is nonzero) by shift-and-subtract.
    fn div(&self, den: &Big) -> (Big, bool) {
        let mut rest = self.clone();
        let mut quotient = Big(Vec::new());
        if self.bits() >= den.bits() {
            for i in (0..=self.bits() - den.bits()).rev() {
                let shifted = den.shl(i);
                if rest.cmp(&shifted) != Ordering::Less {
                    rest = rest.sub(&shifted);
                    quotient = quotient.add(&Big::from_u64(1).shl(i));
                }
            }
        }
        (quotient, !rest.is_zero())
    }
    fn to_decimal(&self) -> String {
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            let mut rem = 0u64;
            for limb in n.0.iter_mut().rev() {
                let v = rem << 32 | u64::from(*limb);
                *limb = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            n.trim();
            chunks.push(rem);
        }
        let mut text = chunks.pop().map_or("0".to_string(), |c| c.to_string());
        for chunk in chunks.iter().rev() {
            text.push_str(&format!("{chunk:09}"));
        }
        text
    }
}

/// A finite x87 extended value: `mantissa * 2^exponent` (mantissa 0 or
/// with its top bit set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    negative: bool,
    mantissa: u64,
    exponent: i64,
}

/// Largest and smallest exponents of a normal x87 value's top bit.
const TOP_MAX: i64 = 16383;
const TOP_MIN: i64 = -16382;

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble {
        negative: false,
        mantissa: 0,
        exponent: 0,
    };

    /// Rounds `big * 2^exponent` (plus a sticky bit below it) to 64 bits,
    /// half to even; None when it overflows or underflows the format.
    fn round(negative: bool, big: &Big, exponent: i64, sticky: bool) -> Option<LongDouble> {
        if big.is_zero() {
            return Some(LongDouble {
                negative,
                ..LongDouble::ZERO
            });
        }
        let bits = big.bits();
        if exponent + bits as i64 - 1 < TOP_MIN {
            return Self::round_subnormal(negative, big, exponent, sticky);
        }
        let (mut mantissa, mut exponent) = if bits > 64 {
            let cut = bits - 64;
            let kept = big.shr(cut);
            let mut m = kept
                .0
                .iter()
                .rev()
                .fold(0u64, |acc, &l| acc << 32 | u64::from(l));
            let half = big.bit(cut - 1);
            let rest = big.any_below(cut - 1) || sticky;
            if half && (rest || m & 1 == 1) {
                m = m.wrapping_add(1);
            }
            let mut e = exponent + cut as i64;
            if m == 0 {
                m = 1 << 63;
                e += 1;
            }
            (m, e)
        } else {
            let m = big
                .0
                .iter()
                .rev()
                .fold(0u64, |acc, &l| acc << 32 | u64::from(l));
            (m << (64 - bits), exponent - (64 - bits) as i64)
        };
        if mantissa == 0 {
            mantissa = 1 << 63;
        }
        let top = exponent + 63;
        if !(TOP_MIN..=TOP_MAX).contains(&top) {
            return None;
        }
        exponent = exponent.max(i64::MIN / 2);
        Some(LongDouble {
            negative,
            mantissa,
            exponent,
        })
    }

    /// `round` below the normal range, where x87 keeps only the bits down
    /// to 2^LOWEST (a subnormal, fewer than 64 of them): half to even
    /// there, then normalised (the value is the subnormal's, exactly).
    /// None when it rounds to zero: `strtold`'s underflow, which Redis's
    /// `string2ld` refuses (a nonzero subnormal it takes).
    fn round_subnormal(
        negative: bool,
        big: &Big,
        exponent: i64,
        sticky: bool,
    ) -> Option<LongDouble> {
        const LOWEST: i64 = TOP_MIN - 63;
        let low_word = |b: &Big| {
            b.0.iter()
                .rev()
                .fold(0u64, |acc, &l| acc << 32 | u64::from(l))
        };
        // Below the normal range: fewer than 64 bits from 2^LOWEST up.
        let cut = LOWEST - exponent;
        let kept = if cut <= 0 {
            // Every bit is at or above 2^LOWEST: exact (what is below the
            // last bit, `sticky`, is below half of 2^LOWEST only if the
            // caller computed enough bits; both callers do: exact sums,
            // and quotients with 66 bits).
            low_word(big) << cut.unsigned_abs()
        } else {
            let cut = cut.unsigned_abs();
            let kept = low_word(&big.shr(cut));
            let half = big.bit(cut - 1);
            let rest = big.any_below(cut - 1) || sticky;
            kept + u64::from(half && (rest || kept & 1 == 1))
        };
        if kept == 0 {
            return None;
        }
        let shift = kept.leading_zeros();
        Some(LongDouble {
            negative,
            mantissa: kept << shift,
            exponent: LOWEST - i64::from(shift),
        })
    }

    /// Parses a decimal as `strtold` (correctly rounded), with Redis's
    /// string2ld checks: no spaces, all consumed, finite, no underflow.
    pub fn parse(text: &[u8]) -> Option<LongDouble> {
        let (negative, rest) = match text.first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if let Some(hex) = rest.strip_prefix(b"0x").or(rest.strip_prefix(b"0X")) {
            return Self::parse_hex(negative, hex);
        }
        let (mantissa_text, exp) = match rest.iter().position(|&b| b == b'e' || b == b'E') {
            Some(at) => {
                let e = std::str::from_utf8(&rest[at + 1..]).ok()?;
                let e = e.strip_prefix('+').unwrap_or(e);
                if e.is_empty()
                    || e.starts_with('+')
                    || !e
                        .trim_start_matches('-')
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                (
                    &rest[..at],
                    e.parse::<i64>().unwrap_or(if e.starts_with('-') {
                        -100_000
                    } else {
                        100_000
                    }),
                )
            }
            None => (rest, 0),
        };
        let mut digits = Big(Vec::new());
        let (mut n_digits, mut fraction, mut seen_point) = (0, 0i64, false);
        for &b in mantissa_text {
            match b {
                b'0'..=b'9' => {
                    digits.mul_add_small(10, u32::from(b - b'0'));
                    n_digits += 1;
                    if seen_point {
                        fraction += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => return None,
            }
        }
        if n_digits == 0 {
            return None;
        }
        if digits.is_zero() {
            return Some(LongDouble {
                negative,
                ..LongDouble::ZERO
            });
        }
        let power = exp - fraction;
        if power > 5000 {
            return None;
        }
        // The value is below 10^(power + its digits' count); the smallest
        // subnormal is about 3.6e-4951, so below 10^-5000 it underflows
        // (many digits may stand before a very negative power).
        let digit_count = (digits.bits() as i64 * 30_103 + 99_999) / 100_000;
        if power + digit_count < -5000 {
            return None;
        }
        if power >= 0 {
            let big = digits.mul(&Big::pow10(power as u32));
            Self::round(negative, &big, 0, false)
        } else {
            let den = Big::pow10(power.unsigned_abs() as u32);
            let shift = (66 + den.bits()).saturating_sub(digits.bits());
            let (quotient, sticky) = digits.shl(shift).div(&den);
            Self::round(negative, &quotient, -(shift as i64), sticky)
        }
    }

    /// The hexadecimal form `strtold` also reads (after `0x`): hex digits
    /// with an optional point, then an optional binary exponent `p[+-]N`.
    fn parse_hex(negative: bool, text: &[u8]) -> Option<LongDouble> {
        let (digits_text, exp) = match text.iter().position(|&b| b == b'p' || b == b'P') {
            Some(at) => {
                let e = &text[at + 1..];
                let unsigned = e.strip_prefix(b"-").or(e.strip_prefix(b"+")).unwrap_or(e);
                if unsigned.is_empty() || !unsigned.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                // Beyond the format either way; the clamp keeps the
                // arithmetic small.
                let magnitude = std::str::from_utf8(unsigned)
                    .ok()?
                    .parse::<i64>()
                    .unwrap_or(1_000_000)
                    .min(1_000_000);
                (
                    &text[..at],
                    if e[0] == b'-' { -magnitude } else { magnitude },
                )
            }
            None => (text, 0),
        };
        let mut digits = Big(Vec::new());
        let (mut n_digits, mut fraction, mut seen_point) = (0, 0i64, false);
        for &b in digits_text {
            match b {
                b'.' if !seen_point => seen_point = true,
                _ => {
                    let digit = char::from(b).to_digit(16)?;
                    digits.mul_add_small(16, digit);
                    n_digits += 1;
                    if seen_point {
                        fraction += 1;
                    }
                }
            }
        }
        if n_digits == 0 {
            return None;
        }
        Self::round(negative, &digits, exp - 4 * fraction, false)
    }

    /// The exactly rounded sum; None when it overflows.
    pub fn checked_add(self, other: LongDouble) -> Option<LongDouble> {
        if other.mantissa == 0 {
            return Some(self);
        }
        if self.mantissa == 0 {
            return Some(other);
        }
        let (big, small) = if (self.exponent, self.mantissa) >= (other.exponent, other.mantissa) {
            (self, other)
        } else {
            (other, self)
        };
        if big.exponent - small.exponent > 130 {
            // The smaller is below half an ulp of the larger.
            return Some(big);
        }
        let base = small.exponent;
        let a = Big::from_u64(big.mantissa).shl((big.exponent - base) as u64);
        let b = Big::from_u64(small.mantissa);
        if big.negative == small.negative {
            Self::round(big.negative, &a.add(&b), base, false)
        } else {
            match a.cmp(&b) {
                Ordering::Equal => Some(LongDouble::ZERO),
                Ordering::Greater => Self::round(big.negative, &a.sub(&b), base, false),
                Ordering::Less => Self::round(small.negative, &b.sub(&a), base, false),
            }
        }
    }

    /// Redis's `(long long) ceill(self * 1000.0)` (a blocking timeout in
    /// milliseconds): the long double product, rounded to 64 bits half to
    /// even, then its ceiling; None where x87's conversion overflows (it
    /// gives LLONG_MIN, a negative timeout). A product past the format
    /// is infinite, so None too.
    pub fn ceil_millis(self) -> Option<i64> {
        if self.mantissa == 0 {
            return Some(0);
        }
        let product = u128::from(self.mantissa) * 1000;
        let shift = 64 - i64::from(product.leading_zeros()); // 74 bits at most
        let (mut mantissa, mut exponent) = (product, self.exponent);
        if shift > 0 {
            let below = product & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            mantissa >>= shift;
            exponent += shift;
            if below > half || (below == half && mantissa & 1 == 1) {
                mantissa += 1;
                if mantissa >> 64 != 0 {
                    mantissa >>= 1;
                    exponent += 1;
                }
            }
        }
        if exponent + 63 > TOP_MAX {
            return None;
        }
        // The magnitude's floor, and whether a fraction was cut off.
        let (floor, fraction) = if exponent >= 0 {
            if exponent + 64 - i64::from(mantissa.leading_zeros()) > 64 {
                return None;
            }
            (mantissa << exponent, false)
        } else if exponent <= -128 {
            (0, true)
        } else {
            let cut = exponent.unsigned_abs();
            (mantissa >> cut, mantissa & ((1u128 << cut) - 1) != 0)
        };
        if self.negative {
            // ceil(-x) = -floor(x): -0 when below one.
            return i64::try_from(floor).ok().map(|f| -f).or(Some(i64::MIN));
        }
        i64::try_from(floor + u128::from(fraction)).ok()
    }

    pub fn is_negative(self) -> bool {
        self.negative && self.mantissa != 0
    }

    /// The power of two of the top bit (`floor(log2(|self|))`); None for
    /// zero.
    pub fn binary_exponent(self) -> Option<i64> {
        (self.mantissa != 0).then_some(self.exponent + 63)
    }

    /// The nearest double, as C casts a long double to one (for a value
    /// in a double's normal range; past it, an infinity or a zero).
    pub fn to_f64(self) -> f64 {
        let half = (self.exponent / 2).clamp(-1100, 1100) as i32;
        let rest = (self.exponent - self.exponent / 2).clamp(-1100, 1100) as i32;
        let magnitude = self.mantissa as f64 * 2f64.powi(half) * 2f64.powi(rest);
        if self.negative {
            -magnitude
        } else {
            magnitude
        }
    }

    /// Redis's human text: `%.17Lf`, trailing zeros and point removed,
    /// `-0` as `0`.
    pub fn to_human(self) -> String {
        if self.mantissa == 0 {
            return "0".to_string();
        }
        let scaled = Big::from_u64(self.mantissa).mul(&Big::pow10(17));
        let rounded = if self.exponent >= 0 {
            scaled.shl(self.exponent as u64)
        } else {
            let cut = self.exponent.unsigned_abs();
            let mut q = scaled.shr(cut);
            let half = scaled.bit(cut - 1);
            let rest = scaled.any_below(cut - 1);
            if half && (rest || q.bit(0)) {
                q = q.add(&Big::from_u64(1));
            }
            q
        };
        let mut digits = rounded.to_decimal();
        if digits.len() < 18 {
            digits = format!("{}{digits}", "0".repeat(18 - digits.len()));
        }
        let point = digits.len() - 17;
        let mut text = format!("{}.{}", &digits[..point], &digits[point..]);
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
        if self.negative && text != "0" {
            text.insert(0, '-');
        }
        text
    }
}

/// Redis's limit on a float argument's text (`MAX_LONG_DOUBLE_CHARS`):
/// anything this long or longer is not a float.
const MAX_CHARS: usize = 5 * 1024;

/// A long double as Redis's `string2ld` reads it: Some(Some(v)) for a
/// finite value, Some(None) for an infinity (which parses, but no sum may
/// use), None for anything else (NaN included).
pub fn parse_long_double(text: &[u8]) -> Option<Option<LongDouble>> {
    if text.len() >= MAX_CHARS {
        return None;
    }
    let unsigned = text
        .strip_prefix(b"-")
        .or(text.strip_prefix(b"+"))
        .unwrap_or(text);
    if unsigned.eq_ignore_ascii_case(b"inf") || unsigned.eq_ignore_ascii_case(b"infinity") {
        return Some(None);
    }
    LongDouble::parse(text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_f64_is_the_nearest_double() {
        for text in [
            "0", "99.9", "-12.5", "0x10", "1e300", "1e-300", "100", "0.1",
        ] {
            let want: f64 = match text {
                "0x10" => 16.0,
                _ => text.parse().unwrap(),
            };
            let value = LongDouble::parse(text.as_bytes()).expect(text);
            assert_eq!(value.to_f64(), want, "{text}");
        }
    }

    fn sum(a: &str, b: &str) -> String {
        let a = LongDouble::parse(a.as_bytes()).expect("a");
        let b = LongDouble::parse(b.as_bytes()).expect("b");
        a.checked_add(b).expect("finite").to_human()
    }

    #[test]
    fn matches_redis_long_double_results() {
        assert_eq!(sum("0.1", "0.2"), "0.3");
        assert_eq!(sum("10.5", "0.1"), "10.6");
        // 1e20 needs 67 bits: 1.5 is below half its ulp.
        assert_eq!(sum("1.5", "1e20"), "100000000000000000000");
        assert_eq!(sum("-0.5", "0.5"), "0");
        assert_eq!(sum("3", "-5"), "-2");
        assert_eq!(sum("1e-20", "0"), "0");
        assert_eq!(sum("17179869184", "1.5"), "17179869185.5");
        assert_eq!(sum("5.0e3", "2.0e2"), "5200");
        assert_eq!(sum("300001.1", "0.7"), "300001.79999999999998295");
        assert_eq!(sum("123456.789", "0.001"), "123456.78999999999999915");
        assert_eq!(sum("-1.1", "-2.2"), "-3.3");
        assert_eq!(sum("0.3333333333333333", "0.6666666666666667"), "1");
        assert_eq!(sum("1e-5", "0"), "0.00001");
        assert_eq!(sum("2.5e-17", "0"), "0.00000000000000002");
        assert_eq!(sum("1.5e-17", "0"), "0.00000000000000002");
        let huge = sum("1.7976931348623157e308", "1.7976931348623157e308");
        assert_eq!(huge, "359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768");
        let big = sum("0", "1e400");
        assert_eq!(big, "10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880");
    }

    #[test]
    fn parse_follows_string2ld() {
        assert!(LongDouble::parse(b"abc").is_none());
        assert!(LongDouble::parse(b"").is_none());
        assert!(LongDouble::parse(b"1e").is_none());
        assert!(LongDouble::parse(b" 1").is_none());
        assert!(LongDouble::parse(b"1e5000").is_none());
        assert!(LongDouble::parse(b"1e400").is_some());
        assert!(LongDouble::parse(b".5").is_some());
        assert!(LongDouble::parse(b"5.").is_some());
        assert!(LongDouble::parse(b"0x").is_none());
        assert!(LongDouble::parse(b"0x1p").is_none());
        assert!(LongDouble::parse(b"0xg").is_none());
        // Subnormals parse (redis-server 7.0.15 takes HINCRBYFLOAT h f
        // 1e-4940 and 1.83e-4951); what rounds to zero is a range error.
        assert!(LongDouble::parse(b"1e-4940").is_some());
        assert!(LongDouble::parse(b"1.83e-4951").is_some());
        assert!(LongDouble::parse(b"-1.83e-4951").is_some_and(LongDouble::is_negative));
        assert!(LongDouble::parse(b"1.8e-4951").is_none());
        assert!(LongDouble::parse(b"1e-5000").is_none());
        assert_eq!(sum("1e-4940", "0"), "0");
        // The boundary as redis-server 7.0.15 draws it, and digits standing
        // before a power below -5000 (5e-4950 written long).
        assert!(LongDouble::parse(b"1.8225e-4951").is_none());
        assert!(LongDouble::parse(b"1.8226e-4951").is_some());
        let long = format!("5{}e-5010", "0".repeat(60));
        assert!(LongDouble::parse(long.as_bytes()).is_some());
    }

    /// `(long long) ceill(v * 1000.0)` as Redis reads a blocking timeout:
    /// the product rounded to 64 bits, its ceiling, None past a long long.
    #[test]
    fn timeout_milliseconds_as_redis_converts_them() {
        let ms = |t: &str| LongDouble::parse(t.as_bytes()).unwrap().ceil_millis();
        assert_eq!(ms("0"), Some(0));
        assert_eq!(ms("0.0001"), Some(1));
        assert_eq!(ms("1.5"), Some(1500));
        assert_eq!(ms("1e-4940"), Some(1));
        assert_eq!(ms("-1e-4940"), Some(0), "-0: forever");
        assert!(ms("-0.5").is_some_and(|ms| ms < 0));
        // Beyond f64's 53 bits: exact in a long double.
        assert_eq!(ms("9223372036854775"), Some(9_223_372_036_854_775_000));
        assert_eq!(ms("9223372036854775.807"), Some(i64::MAX));
        assert_eq!(ms("9223372036854775.808"), None);
        assert_eq!(ms("1e400"), None);
    }

    #[test]
    fn hexadecimal_as_strtold_reads_it() {
        let text = |t: &str| LongDouble::parse(t.as_bytes()).map(LongDouble::to_human);
        assert_eq!(text("0x10").as_deref(), Some("16"));
        assert_eq!(text("-0X1.8p1").as_deref(), Some("-3"));
        assert_eq!(text("0x.8").as_deref(), Some("0.5"));
        assert_eq!(text("0xffP-4").as_deref(), Some("15.9375"));
        assert_eq!(text("0x1p100000"), None);
    }

    #[test]
    fn infinities_parse_but_nan_and_long_texts_do_not() {
        assert_eq!(parse_long_double(b"-inf"), Some(None));
        assert_eq!(parse_long_double(b"Infinity"), Some(None));
        assert_eq!(parse_long_double(b"nan"), None);
        assert_eq!(parse_long_double(b"infx"), None);
        let mut long = vec![b'0'; MAX_CHARS - 1];
        long.push(b'1');
        assert_eq!(
            parse_long_double(&long[1..]).map(|v| v.map(LongDouble::to_human)),
            Some(Some("1".into()))
        );
        assert_eq!(parse_long_double(&long), None);
    }
}
