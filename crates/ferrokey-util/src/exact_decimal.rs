//! Exact decimal rendering of binary floating-point values, reproducing
//! glibc `printf`'s `%.Nf` and `%.Ng` for any precision.
//!
//! glibc prints the exact decimal value of the binary number and rounds it
//! once, to nearest with ties to even.  This module does the same: a value
//! `significand × 2^exponent` is expanded into all of its decimal digits
//! with a small base-10^9 big integer (`× 2^e` for positive exponents,
//! `× 5^k` then a decimal point shift for negative ones), then rounded.
//! The largest expansion (an 80-bit subnormal) has about 16,500 digits.

/// One base-10^9 limb's worth.
const LIMB_BASE: u64 = 1_000_000_000;

/// Little-endian base-10^9 unsigned big integer.
struct BigDecimal {
    limbs: Vec<u32>,
}

impl BigDecimal {
    fn from_u128(mut value: u128) -> BigDecimal {
        let mut limbs = Vec::new();
        while value > 0 {
            limbs.push((value % u128::from(LIMB_BASE)) as u32);
            value /= u128::from(LIMB_BASE);
        }
        BigDecimal { limbs }
    }

    /// Multiplies in place by `factor` (< 2^32, so each step fits in u64).
    fn mul_small(&mut self, factor: u32) {
        let mut carry: u64 = 0;
        for limb in &mut self.limbs {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = (product % LIMB_BASE) as u32;
            carry = product / LIMB_BASE;
        }
        while carry > 0 {
            self.limbs.push((carry % LIMB_BASE) as u32);
            carry /= LIMB_BASE;
        }
    }

    /// Multiplies by `base^power` using the largest power of `base` below
    /// 2^32 (`chunk_power` of them) per pass.
    fn mul_pow(&mut self, base: u32, power: u32, chunk_power: u32) {
        let chunk = base.pow(chunk_power);
        for _ in 0..power / chunk_power {
            self.mul_small(chunk);
        }
        let rest = power % chunk_power;
        if rest > 0 {
            self.mul_small(base.pow(rest));
        }
    }

    /// Decimal digits as ASCII, without leading zeros (empty for zero).
    fn to_digits(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.limbs.len() * 9);
        for (index, limb) in self.limbs.iter().rev().enumerate() {
            if index == 0 {
                out.extend_from_slice(limb.to_string().as_bytes());
            } else {
                out.extend_from_slice(format!("{limb:09}").as_bytes());
            }
        }
        out
    }
}

/// The exact decimal value `0.DIGITS × 10^point` of a binary float.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExactDecimal {
    /// ASCII digits with no leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    point: i64,
}

impl ExactDecimal {
    /// Expands `significand × 2^binary_exponent` exactly.
    pub(crate) fn new(significand: u128, binary_exponent: i32) -> ExactDecimal {
        if significand == 0 {
            return ExactDecimal {
                digits: Vec::new(),
                point: 0,
            };
        }
        // Dropping trailing zero bits keeps the big numbers small.
        let shift = significand.trailing_zeros();
        let significand = significand >> shift;
        let exponent = i64::from(binary_exponent) + i64::from(shift);
        let mut value = BigDecimal::from_u128(significand);
        let fraction_digits = if exponent >= 0 {
            value.mul_pow(2, exponent.unsigned_abs() as u32, 31);
            0
        } else {
            // m × 2^-k = m × 5^k / 10^k.
            value.mul_pow(5, exponent.unsigned_abs() as u32, 13);
            exponent.unsigned_abs() as i64
        };
        let mut digits = value.to_digits();
        let point = digits.len() as i64 - fraction_digits;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        ExactDecimal { digits, point }
    }

    /// Compares this value with the non-zero `0.DIGITS × 10^point`, where
    /// `digits` (ASCII) has no leading or trailing zeros and may contain one
    /// `.`.
    pub(crate) fn compare(&self, digits: &[u8], point: i64) -> std::cmp::Ordering {
        if self.is_zero() {
            return std::cmp::Ordering::Less;
        }
        self.point.cmp(&point).then_with(|| {
            let other = digits.iter().filter(|b| **b != b'.');
            self.digits.iter().cmp(other)
        })
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Rounds to `keep` leading digits (ties to even) and returns the kept
    /// digits with their possibly moved point.  `keep` may be zero or
    /// negative, when even the first digit is below the rounding position.
    fn rounded(&self, keep: i64) -> (Vec<u8>, i64) {
        let len = self.digits.len() as i64;
        if keep >= len {
            return (self.digits.clone(), self.point);
        }
        if keep < 0 {
            // The first dropped digit is an implicit 0: rounds down.
            return (Vec::new(), self.point);
        }
        let keep = keep as usize;
        let mut kept = self.digits.get(..keep).unwrap_or_default().to_vec();
        let first_dropped = self.digits.get(keep).copied().unwrap_or(b'0');
        let more_after = self.digits.len() > keep + 1; // no trailing zeros
        let last_kept_odd = kept.last().is_some_and(|d| (d - b'0') % 2 == 1);
        let round_up =
            first_dropped > b'5' || (first_dropped == b'5' && (more_after || last_kept_odd));
        let mut point = self.point;
        if round_up {
            let mut carry = true;
            for digit in kept.iter_mut().rev() {
                if *digit == b'9' {
                    *digit = b'0';
                } else {
                    *digit += 1;
                    carry = false;
                    break;
                }
            }
            if carry {
                kept.insert(0, b'1');
                point += 1;
            }
        }
        (kept, point)
    }

    /// glibc `%.{precision}f` of the magnitude (no sign).
    pub(crate) fn fixed(&self, precision: usize) -> String {
        let (digits, point) = if self.is_zero() {
            (Vec::new(), 0)
        } else {
            self.rounded(self.point.saturating_add(precision as i64))
        };
        let digit_at = |position: i64| -> char {
            usize::try_from(position)
                .ok()
                .and_then(|p| digits.get(p))
                .map_or('0', |d| char::from(*d))
        };
        let mut out = String::with_capacity(precision + point.max(1) as usize + 2);
        if point <= 0 {
            out.push('0');
        } else {
            out.extend((0..point).map(digit_at));
        }
        if precision > 0 {
            out.push('.');
            out.extend((point..point + precision as i64).map(digit_at));
        }
        out
    }

    /// glibc `%.{precision}g` of the magnitude (no sign, no `#` flag).
    pub(crate) fn general(&self, precision: usize) -> String {
        let precision = precision.max(1);
        if self.is_zero() {
            return "0".to_string();
        }
        let (digits, point) = self.rounded(precision as i64);
        let exponent = point - 1;
        if exponent >= -4 && exponent < precision as i64 {
            let fraction = (precision as i64 - 1 - exponent) as usize;
            return strip_fraction_zeros(self.fixed(fraction));
        }
        let mut mantissa = String::with_capacity(precision + 1);
        let digit_at = |i: usize| digits.get(i).map_or('0', |d| char::from(*d));
        mantissa.push(digit_at(0));
        mantissa.push('.');
        mantissa.extend((1..precision).map(digit_at));
        let mut out = strip_fraction_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", exponent.unsigned_abs()));
        out
    }
}

/// Drops trailing zeros after a decimal point, then the point if bare.
pub(crate) fn strip_fraction_zeros(mut text: String) -> String {
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(value: f64, precision: usize) -> String {
        let (significand, exponent) = decompose(value);
        ExactDecimal::new(u128::from(significand), exponent).fixed(precision)
    }

    fn general(value: f64, precision: usize) -> String {
        let (significand, exponent) = decompose(value);
        ExactDecimal::new(u128::from(significand), exponent).general(precision)
    }

    fn decompose(value: f64) -> (u64, i32) {
        let bits = value.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        if exponent == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), exponent - 1075)
        }
    }

    #[test]
    fn fixed_matches_printf_for_ties_and_carries() {
        // Values chosen so the expected strings follow from the exact binary
        // values: 2^-18 = 0.000003814697265625 (a tie at 17 digits).
        assert_eq!(fixed(0.5, 0), "0");
        assert_eq!(fixed(1.5, 0), "2");
        assert_eq!(fixed(2.5, 0), "2");
        assert_eq!(fixed(2f64.powi(-18), 17), "0.00000381469726562");
        assert_eq!(fixed(0.0, 3), "0.000");
        assert_eq!(fixed(9.9996, 3), "10.000");
        assert_eq!(fixed(0.1, 17), "0.10000000000000001");
        assert_eq!(fixed(1e20, 2), "100000000000000000000.00");
        assert_eq!(fixed(1e-20, 17), "0.00000000000000000");
        assert_eq!(fixed(f64::MIN_POSITIVE * 0.5, 5), "0.00000");
    }

    #[test]
    fn general_matches_printf() {
        assert_eq!(general(0.0, 17), "0");
        assert_eq!(general(0.1, 17), "0.10000000000000001");
        assert_eq!(general(100000.0, 17), "100000");
        assert_eq!(general(1e17, 17), "1e+17");
        assert_eq!(general(1e16, 17), "10000000000000000");
        assert_eq!(general(0.0001, 3), "0.0001");
        assert_eq!(general(0.00001, 3), "1e-05");
        assert_eq!(general(9.9999, 2), "10");
        assert_eq!(general(f64::MAX, 17), "1.7976931348623157e+308");
        assert_eq!(general(5e-324, 17), "4.9406564584124654e-324");
    }
}
