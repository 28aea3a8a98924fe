//! Bit arithmetic on byte strings, numbering bits as Redis does: bit 0 is
//! the most significant bit of byte 0. Reads past the end see zeros.
//! Used by the bitmap commands (GETBIT, SETBIT, BITCOUNT, BITPOS,
//! BITFIELD).

/// Bit `offset` (false past the end).
pub fn bit(bytes: &[u8], offset: u64) -> bool {
    let byte = (offset >> 3) as usize;
    bytes
        .get(byte)
        .is_some_and(|b| b & (0x80 >> (offset & 7)) != 0)
}

/// Sets bit `offset` to `on`; the string must be long enough.
pub fn set_bit(bytes: &mut [u8], offset: u64, on: bool) {
    let byte = (offset >> 3) as usize;
    let mask = 0x80 >> (offset & 7);
    if on {
        bytes[byte] |= mask;
    } else {
        bytes[byte] &= !mask;
    }
}

/// The number of set bits from bit `first` to bit `last`, inclusive
/// (`first <= last`, both inside the string).
pub fn count_ones(bytes: &[u8], first: u64, last: u64) -> u64 {
    let (first_byte, last_byte) = ((first >> 3) as usize, (last >> 3) as usize);
    let whole: u64 = bytes[first_byte..=last_byte]
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum();
    // Bits of the edge bytes outside the range.
    let before = bytes[first_byte] & !(0xffu8 >> (first & 7));
    let after = bytes[last_byte] & 0xffu8.checked_shr((last & 7) as u32 + 1).unwrap_or(0);
    whole - u64::from(before.count_ones()) - u64::from(after.count_ones())
}

/// The first bit equal to `wanted` from bit `first` to bit `last`,
/// inclusive, if any.
pub fn first_bit(bytes: &[u8], first: u64, last: u64, wanted: bool) -> Option<u64> {
    let skip: u8 = if wanted { 0x00 } else { 0xff };
    let mut offset = first;
    while offset <= last {
        let byte = bytes[(offset >> 3) as usize];
        if offset & 7 == 0 && offset + 7 <= last && byte == skip {
            offset += 8;
            continue;
        }
        if bit(bytes, offset) == wanted {
            return Some(offset);
        }
        offset += 1;
    }
    None
}

/// The `bits`-wide unsigned integer starting at bit `offset` (1..=64 bits).
pub fn read_unsigned(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    (0..u64::from(bits)).fold(0u64, |value, i| {
        value << 1 | u64::from(bit(bytes, offset + i))
    })
}

/// The `bits`-wide two's complement integer starting at bit `offset`.
pub fn read_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let value = read_unsigned(bytes, offset, bits);
    if bits < 64 && value & (1 << (bits - 1)) != 0 {
        (value | (u64::MAX << bits)) as i64
    } else {
        value as i64
    }
}

/// Writes the low `bits` bits of `value` starting at bit `offset`; the
/// string must be long enough.
pub fn write(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..u64::from(bits) {
        let on = value >> (u64::from(bits) - 1 - i) & 1 == 1;
        set_bit(bytes, offset + i, on);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_numbered_from_the_top_of_byte_zero() {
        let bytes = [0b1000_0001, 0b0100_0000];
        assert!(bit(&bytes, 0));
        assert!(!bit(&bytes, 1));
        assert!(bit(&bytes, 7));
        assert!(bit(&bytes, 9));
        assert!(!bit(&bytes, 100));
        let mut b = [0u8; 2];
        set_bit(&mut b, 9, true);
        assert_eq!(b, [0, 0b0100_0000]);
        set_bit(&mut b, 9, false);
        assert_eq!(b, [0, 0]);
    }

    #[test]
    fn counts_match_a_bit_by_bit_count() {
        let bytes = [0xff, 0x0f, 0xa5, 0x81];
        for first in 0..32 {
            for last in first..32 {
                let slow = (first..=last).filter(|&i| bit(&bytes, i)).count() as u64;
                assert_eq!(count_ones(&bytes, first, last), slow, "{first}..={last}");
            }
        }
    }

    #[test]
    fn first_bit_matches_a_bit_by_bit_search() {
        let bytes = [0x00, 0x00, 0xff, 0xff, 0x10, 0xef];
        for wanted in [false, true] {
            for first in 0..48 {
                for last in first..48 {
                    let slow = (first..=last).find(|&i| bit(&bytes, i) == wanted);
                    assert_eq!(first_bit(&bytes, first, last, wanted), slow);
                }
            }
        }
    }

    #[test]
    fn integers_read_back_as_written() {
        let mut bytes = [0u8; 10];
        write(&mut bytes, 3, 13, 0x1abc);
        assert_eq!(read_unsigned(&bytes, 3, 13), 0x1abc);
        assert_eq!(read_signed(&bytes, 3, 13), 0x1abc - 0x2000);
        write(&mut bytes, 5, 64, u64::MAX - 1);
        assert_eq!(read_signed(&bytes, 5, 64), -2);
        assert_eq!(read_unsigned(&bytes, 5, 63), u64::MAX >> 1);
        assert_eq!(read_unsigned(&[0xff], 4, 8), 0xf0);
    }
}
