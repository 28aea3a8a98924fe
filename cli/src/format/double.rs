//! The text of a RESP3 double as Redis 7.0 writes it: C's `%.17g`
//! (17 significant digits, trailing zeros dropped, exponent form below 1e-4
//! and from 1e17), plus `inf`, `-inf` and `nan`.
//!
//! `Frame::Double` carries the parsed `f64`, not the server's text, so the
//! text is rebuilt here; for a Redis 7.0 server this reproduces exactly what
//! redis-cli prints after `(double)`.

/// Significant digits of `%.17g`.
const PRECISION: i32 = 17;

pub fn double_text(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // `{:.16e}` rounds to 17 significant digits exactly as printf does and
    // tells the decimal exponent after rounding, which picks the style.
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, value);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` output has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    if !(-4..PRECISION).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip_fraction_zeros(mantissa),
            exponent.unsigned_abs()
        )
    } else {
        let decimals = (PRECISION - 1 - exponent) as usize;
        strip_fraction_zeros(&format!("{value:.decimals$}")).to_string()
    }
}

/// `1.2500` -> `1.25`, `3.000` -> `3`; text without a `.` is left alone.
fn strip_fraction_zeros(text: &str) -> &str {
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::double_text;

    fn check(value: f64, expect: &str) {
        assert_eq!(double_text(value), expect, "{value:?}");
    }

    // Expected texts are what redis-server 7.0.15 sends (ZSCORE, DEBUG
    // PROTOCOL double, EVAL {double=...}) and printf("%.17g") prints.
    #[test]
    fn matches_printf_17g() {
        check(1.5, "1.5");
        check(2.0, "2");
        check(4.25, "4.25");
        check(4.321, "4.3209999999999997");
        check(0.1, "0.10000000000000001");
        check(1e300, "1.0000000000000001e+300");
        check(-0.0, "-0");
        check(0.0, "0");
        check(1e-5, "1.0000000000000001e-05");
        check(0.0001, "0.0001");
        check(1e16, "10000000000000000");
        check(1e17, "1e+17");
        check(123456789012345678.0, "1.2345678901234568e+17");
        check(-2.5e-10, "-2.5000000000000002e-10");
    }

    #[test]
    fn non_finite_values_are_words() {
        check(f64::INFINITY, "inf");
        check(f64::NEG_INFINITY, "-inf");
        check(f64::NAN, "nan");
    }
}
